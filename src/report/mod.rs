//! Stage 4: tell the trainee. Human text (with colour on a terminal) or one JSON object;
//! coverage week by week from the portfolio's git history is [`progress`].

pub mod progress;

use crate::Check;
use crate::error::diagnostic::{Diagnostic, Excerpt, Severity};
use crate::model::evidence_type::EvidenceType;
use crate::model::framework::{Framework, NodeKind, Rollup};
use crate::util::text::{percent, plural};
use anstyle::{AnsiColor, Style};
use serde::Serialize;
use std::io::{self, Write};

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const GREEN: Style = AnsiColor::Green.on_default();
const RED: Style = AnsiColor::Red.on_default().bold();
const YELLOW: Style = AnsiColor::Yellow.on_default().bold();
const CYAN: Style = AnsiColor::Cyan.on_default().bold();

/// `--format json` output of `senco check`; the guide documents every field.
#[derive(Debug, Serialize)]
pub struct CheckJson<'a> {
    /// The first framework (the qualification the deadline follows).
    pub framework: &'a str,
    pub(crate) framework_title: &'a str,
    /// Every framework the portfolio lists, in order, with its own totals.
    pub frameworks: Vec<FrameworkJson<'a>>,
    /// The portfolio's own settings.
    pub portfolio: PortfolioJson<'a>,
    /// The statutory deadline, when the appointment date is given.
    pub deadline: Option<crate::model::deadline::Deadline>,
    /// Every node of every framework, in framework order.
    pub items: Vec<ItemJson<'a>>,
    /// Every evidence file, by path.
    pub evidence: Vec<EvidenceJson<'a>>,
    /// Every problem found, by file and position.
    pub diagnostics: &'a [Diagnostic],
    /// The counts `check` ends its text report with.
    pub summary: Summary,
    /// The judgements in numbers.
    pub assessment: AssessmentSummary,
    /// Every judgement file read, superseded ones included, by date then file.
    pub judgements: &'a [crate::check::judgement::Judgement],
    /// The gaps to write for next, ranked.
    pub write_next: WriteNext,
    /// The day the deadline was judged against (`--today`); absent in a pack's report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub today: Option<String>,
    /// Days left to the deadline on `today` (0 on the day, negative once passed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// The deadline warning `check` prints, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deadline_warning: Option<String>,
}

/// One framework of the portfolio in [`CheckJson`], with its own totals.
#[derive(Debug, Serialize)]
pub struct FrameworkJson<'a> {
    /// Its id.
    pub id: &'a str,
    /// Its title.
    pub title: &'a str,
    /// Its version.
    pub version: &'a str,
    /// Requirements in it.
    pub indicators: usize,
    /// How many of them are covered.
    pub indicators_covered: usize,
}

/// The portfolio's settings in [`CheckJson`].
#[derive(Debug, Serialize)]
pub struct PortfolioJson<'a> {
    /// Its title.
    pub title: &'a str,
    /// The trainee's name, when given.
    pub trainee: Option<&'a str>,
    /// Evidence files an indicator needs.
    pub min_evidence: usize,
}

/// One node of a framework in [`CheckJson`], with its coverage and judgements.
#[derive(Debug, Serialize)]
pub struct ItemJson<'a> {
    /// The node's id.
    pub id: &'a str,
    /// The id of the framework the item belongs to.
    pub framework: &'a str,
    /// `part`, `outcome` or `indicator`.
    pub kind: &'static str,
    /// The official wording.
    pub title: &'a str,
    /// The id of the node above it.
    pub parent: Option<&'a str>,
    /// Whether it counts as covered.
    pub covered: bool,
    /// Paths of the evidence that tags it directly.
    pub evidence: Vec<&'a str>,
    /// Requirements under it.
    pub indicators_total: usize,
    /// How many of them are covered.
    pub indicators_covered: usize,
    /// A current `meets` judgement applies (to every indicator under it, for a parent).
    pub assessed: bool,
    /// How many of them are assessed.
    pub indicators_assessed: usize,
    /// The latest judgements that apply to this item.
    pub judgements: Vec<JudgementRefJson<'a>>,
}

/// A judgement as listed under an item.
#[derive(Debug, Serialize)]
pub struct JudgementRefJson<'a> {
    /// The judgement file.
    pub file: &'a str,
    /// The evidence it judges.
    pub evidence: Option<&'a str>,
    /// The outcome it judges against.
    pub outcome: Option<&'a str>,
    /// What was decided.
    pub judgement: crate::check::judgement::Verdict,
    /// Who decided it.
    pub assessor: &'a str,
    /// When, YYYY-MM-DD.
    pub date: String,
    /// Whether it still applies.
    pub state: crate::check::judgement::State,
}

/// One evidence file in [`CheckJson`].
#[derive(Debug, Serialize)]
pub struct EvidenceJson<'a> {
    /// Relative to the portfolio folder, `/`-separated.
    pub path: &'a str,
    /// Its title.
    pub title: &'a str,
    /// Its evidence type, when it names a known one.
    #[serde(rename = "type")]
    pub kind: Option<&'a str>,
    /// Its date, YYYY-MM-DD.
    pub date: Option<String>,
    /// Whether it is a draft, covering nothing.
    pub draft: bool,
    /// Words of its body.
    pub words: usize,
    /// The ids it tags, as canonical ids.
    pub outcomes: Vec<&'a str>,
}

/// The counts a check ends with, in text and in JSON.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Evidence files found.
    pub evidence_files: usize,
    /// How many of them are drafts.
    pub drafts: usize,
    /// Requirements in the frameworks.
    pub indicators: usize,
    /// How many of them are covered.
    pub indicators_covered: usize,
    /// Diagnostics that are errors.
    pub errors: usize,
    /// Diagnostics that are warnings.
    pub warnings: usize,
    /// Diagnostics that are hints.
    pub hints: usize,
}

/// The assessed axis in numbers, beside [`Summary`].
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct AssessmentSummary {
    /// Whether the portfolio asks for every indicator to be assessed, not only covered.
    pub require_assessed: bool,
    /// Requirements with a current `meets` judgement.
    pub indicators_assessed: usize,
    /// Judgements in force (not superseded), and how many of those are stale.
    pub judgements: usize,
    /// How many of `judgements` are stale.
    pub judgements_stale: usize,
}

pub(crate) fn assessment_summary(check: &Check) -> AssessmentSummary {
    AssessmentSummary {
        require_assessed: check.portfolio.rules.require_assessed,
        indicators_assessed: check.assessment.leaves_assessed(&check.framework),
        judgements: check.judgements.iter().filter(|j| !j.superseded).count(),
        judgements_stale: stale(check).count(),
    }
}

/// Counts the check's files, coverage and diagnostics.
pub fn summary(check: &Check) -> Summary {
    Summary {
        evidence_files: check.evidence.len(),
        drafts: check.evidence.iter().filter(|e| e.draft).count(),
        indicators: check.coverage.leaves_total(&check.framework),
        indicators_covered: check.coverage.leaves_covered(&check.framework),
        errors: check.count(Severity::Error),
        warnings: check.count(Severity::Warning),
        hints: check.count(Severity::Hint),
    }
}

/// Judgements in force that are stale.
pub fn stale(check: &Check) -> impl Iterator<Item = &crate::check::judgement::Judgement> {
    check
        .judgements
        .iter()
        .filter(|j| !j.superseded && j.state.is_stale())
}

/// The `--format json` report of a check, to serialise or to read field by field.
pub fn to_json(check: &Check) -> CheckJson<'_> {
    let fw = &check.framework;
    let items = fw
        .nodes
        .iter()
        .enumerate()
        .map(|(id, node)| {
            let cov = check.coverage.node(id);
            let assessed = check.assessment.node(id);
            ItemJson {
                id: &node.id,
                framework: &fw.sections[node.section].id,
                kind: node.kind.as_str(),
                title: &node.title,
                parent: node.parent.map(|p| fw.node(p).id.as_str()),
                covered: cov.covered,
                evidence: cov
                    .evidence
                    .iter()
                    .map(|&e| check.evidence[e].path.as_str())
                    .collect(),
                indicators_total: cov.leaves_total,
                indicators_covered: cov.leaves_covered,
                assessed: assessed.assessed,
                indicators_assessed: assessed.leaves_assessed,
                judgements: assessed
                    .judgements
                    .iter()
                    .map(|&j| {
                        let j = &check.judgements[j];
                        JudgementRefJson {
                            file: &j.file,
                            evidence: j.evidence.as_deref(),
                            outcome: j.outcome.as_deref(),
                            judgement: j.judgement,
                            assessor: &j.assessor,
                            date: j.date.to_string(),
                            state: j.state,
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let evidence = check
        .evidence
        .iter()
        .map(|e| EvidenceJson {
            path: &e.path,
            title: &e.title,
            kind: e.kind.map(EvidenceType::as_str),
            date: e.date.map(|d| d.to_string()),
            draft: e.draft,
            words: e.words,
            outcomes: e
                .outcome_nodes()
                .into_iter()
                .map(|n| fw.node(n).id.as_str())
                .collect(),
        })
        .collect();
    let frameworks = fw
        .sections
        .iter()
        .enumerate()
        .map(|(index, section)| {
            let roots: Vec<usize> = fw.section_roots(index).collect();
            FrameworkJson {
                id: &section.id,
                title: &section.title,
                version: &section.version,
                indicators: roots
                    .iter()
                    .map(|&r| check.coverage.node(r).leaves_total)
                    .sum(),
                indicators_covered: roots
                    .iter()
                    .map(|&r| check.coverage.node(r).leaves_covered)
                    .sum(),
            }
        })
        .collect();
    CheckJson {
        framework: &fw.id,
        framework_title: &fw.title,
        frameworks,
        portfolio: PortfolioJson {
            title: &check.portfolio.title,
            trainee: check.portfolio.trainee.as_deref(),
            min_evidence: check.portfolio.rules.min_evidence,
        },
        deadline: check.deadline(),
        items,
        evidence,
        diagnostics: &check.diagnostics,
        summary: summary(check),
        assessment: assessment_summary(check),
        judgements: &check.judgements,
        write_next: write_next(check),
        today: None,
        days_left: None,
        deadline_warning: None,
    }
}

/// [`to_json`] with the deadline judged on `today`.
pub fn to_json_on(check: &Check, today: jiff::civil::Date) -> CheckJson<'_> {
    let mut json = to_json(check);
    json.today = Some(today.to_string());
    if let Some(standing) = deadline_standing(check, today) {
        json.days_left = Some(standing.days_left());
        json.deadline_warning = deadline_warning(check, today);
    }
    json
}

/// Where the statutory deadline stands on `today`, when the portfolio has one.
pub(crate) fn deadline_standing(
    check: &Check,
    today: jiff::civil::Date,
) -> Option<crate::model::deadline::Standing> {
    let deadline = check.deadline()?.deadline?;
    Some(crate::model::deadline::standing(deadline, today))
}

/// The warning for a deadline inside [`crate::model::deadline::WARN_DAYS`] or passed. A
/// warning, never an error: a late portfolio must stay checkable.
pub fn deadline_warning(check: &Check, today: jiff::civil::Date) -> Option<String> {
    use crate::model::deadline::{Standing, WARN_DAYS};
    let deadline = check.deadline()?.deadline?;
    let standing = deadline_standing(check, today)?;
    let left = check.coverage.leaves_total(&check.framework)
        - check.coverage.leaves_covered(&check.framework);
    Some(match standing {
        Standing::Ahead(_) => return None,
        Standing::Passed(_) => format!(
            "the statutory deadline {deadline} {}; senco still checks the portfolio: ask your provider what happens next",
            standing.describe()
        ),
        Standing::Today => format!(
            "the statutory deadline is today ({deadline}), with {left} indicator{} not yet covered",
            plural(left)
        ),
        Standing::Soon(days) => format!(
            "the statutory deadline {deadline} is {} away (inside {WARN_DAYS}), with {left} indicator{} not yet covered",
            if days == 1 {
                "1 day".to_string()
            } else {
                format!("{days} days")
            },
            plural(left)
        ),
    })
}

/// [`write_json`] with the deadline judged on `today`.
///
/// Generic over the writer because serde_json writes in many small pieces: through a
/// `dyn Write` each piece is an indirect call that cannot be inlined into the buffer.
pub fn write_json_on<W: Write + ?Sized>(
    out: &mut W,
    check: &Check,
    today: jiff::civil::Date,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_json_on(check, today))?;
    writeln!(out)
}

/// How many indicators "write next" lists.
pub const WRITE_NEXT: usize = 5;

/// The rule "write next" is ordered by, as the outputs state it.
pub const WRITE_NEXT_RULE: &str = "outcomes nearest completion first, by indicators left to cover; equal counts share a rank (=), then framework order";

/// What to write next: the gaps ([`crate::check::coverage::Coverage::gaps`]), ranked by
/// [`WRITE_NEXT_RULE`].
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct WriteNext {
    /// How they are ranked, in words ([`WRITE_NEXT_RULE`]).
    pub rule: &'static str,
    /// The gaps, best first.
    pub items: Vec<WriteNextItem>,
    /// Indicators tied with the last one listed but not listed.
    pub(crate) more_tied: usize,
}

/// One gap in [`WriteNext`].
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct WriteNextItem {
    /// The indicator's id.
    pub id: String,
    /// Its official wording.
    pub title: String,
    /// The outcome it completes (itself for an indicator without a parent).
    pub outcome: String,
    /// Gaps left in that outcome, this one included.
    pub left_in_outcome: usize,
    /// Its place, shared by gaps tied with it (competition ranking: 1, =2, =2, 4).
    pub rank: usize,
    /// How many gaps share the rank, itself included.
    pub tied: usize,
}

/// The gaps of a check, ranked by [`WRITE_NEXT_RULE`].
pub fn write_next(check: &Check) -> WriteNext {
    let fw = &check.framework;
    let gaps = check.coverage.gaps(fw);
    let outcome_of = |gap: usize| fw.node(gap).parent.unwrap_or(gap);
    let mut open: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    for &gap in &gaps {
        *open.entry(outcome_of(gap)).or_default() += 1;
    }
    let mut left: Vec<(usize, usize, usize)> = gaps
        .iter()
        .map(|&gap| {
            let outcome = outcome_of(gap);
            (open.get(&outcome).copied().unwrap_or(1), gap, outcome)
        })
        .collect();
    // Node ids are in framework order, so the leaf id breaks ties in that order.
    left.sort();
    let ranks = crate::util::rank::competition(&left, |l| l.0);
    let shown = WRITE_NEXT.min(left.len());
    WriteNext {
        rule: WRITE_NEXT_RULE,
        more_tied: crate::util::rank::more_tied(&ranks, shown),
        items: left
            .iter()
            .zip(&ranks)
            .take(shown)
            .map(|(&(left, leaf, outcome), &(rank, tied))| WriteNextItem {
                id: fw.node(leaf).id.clone(),
                title: fw.node(leaf).title.clone(),
                outcome: fw.node(outcome).id.clone(),
                left_in_outcome: left,
                rank,
                tied,
            })
            .collect(),
    }
}

/// Writes [`to_json`] as pretty JSON, what `senco check --format json` prints.
pub fn write_json<W: Write + ?Sized>(out: &mut W, check: &Check) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_json(check))?;
    writeln!(out)
}

/// A text bar like `[######--------]`, so coverage reads without colour.
pub fn bar(covered: usize, total: usize, width: usize) -> String {
    let filled = (covered * width).checked_div(total).unwrap_or(0);
    format!("[{}{}]", "#".repeat(filled), "-".repeat(width - filled))
}

/// Human report: coverage per part and outcome, what is missing, then the diagnostics.
pub fn write_text(out: &mut dyn Write, check: &Check) -> io::Result<()> {
    write_text_on(out, check, None)
}

/// [`write_text`], with days left to the deadline when `today` is given.
pub fn write_text_on(
    out: &mut dyn Write,
    check: &Check,
    today: Option<jiff::civil::Date>,
) -> io::Result<()> {
    let fw = &check.framework;
    let p = &check.portfolio;
    writeln!(out, "{BOLD}{}{BOLD:#}", p.title)?;
    if let Some(trainee) = &p.trainee {
        writeln!(out, "Trainee:   {trainee}")?;
    }
    for (index, section) in fw.sections.iter().enumerate() {
        let label = if index == 0 {
            "Framework:"
        } else {
            "          "
        };
        writeln!(
            out,
            "{label} {} ({}, {})",
            section.title, section.id, section.version
        )?;
    }
    let s = summary(check);
    let drafts = if s.drafts > 0 {
        format!(" ({} draft, not counted)", s.drafts)
    } else {
        String::new()
    };
    writeln!(
        out,
        "Evidence:  {} file{}{drafts}",
        s.evidence_files,
        plural(s.evidence_files)
    )?;
    if let Some(d) = check.deadline() {
        match &d.deadline {
            Some(date) => {
                let left = today
                    .and_then(|t| deadline_standing(check, t))
                    .map(|s| format!("{}; ", s.describe()))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "Deadline:  {date} ({left}third anniversary of appointment on {}; SEND Regulations 2014, reg 49)\n           Qualification: {}. {}.",
                    d.appointed, d.qualification, d.note
                )?;
                if let Some(warning) = today.and_then(|t| deadline_warning(check, t)) {
                    writeln!(out, "{YELLOW}warning{YELLOW:#}: {warning}")?;
                }
            }
            None => writeln!(out, "Deadline:  none ({})", d.note)?,
        }
    }
    writeln!(out)?;
    write_tree(out, check)?;
    write_stale(out, check)?;
    let uncovered = check.coverage.gaps(fw);
    if !uncovered.is_empty() {
        writeln!(out)?;
        let noun = if uncovered
            .iter()
            .all(|&g| fw.node(g).kind == NodeKind::Indicator)
        {
            "indicator"
        } else {
            "item"
        };
        writeln!(
            out,
            "{BOLD}Not yet covered ({} {noun}{}):{BOLD:#}",
            uncovered.len(),
            plural(uncovered.len())
        )?;
        for id in uncovered {
            let node = fw.node(id);
            let have = check.coverage.node(id).evidence.len();
            let need = if check.coverage.min_evidence > 1 {
                format!(
                    " {DIM}({have} of {} files){DIM:#}",
                    check.coverage.min_evidence
                )
            } else {
                String::new()
            };
            writeln!(out, "  {RED}✗{RED:#} {:<7} {}{need}", node.id, node.title)?;
        }
        let next = write_next(check);
        writeln!(out)?;
        writeln!(out, "{BOLD}Write next{BOLD:#} {DIM}({}){DIM:#}:", next.rule)?;
        for item in &next.items {
            let rank = if item.tied > 1 {
                format!("={}", item.rank)
            } else {
                item.rank.to_string()
            };
            let title = truncate(&item.title, 50);
            writeln!(
                out,
                "  {rank:>3}  {:<7} {title} {DIM}({} left in {}){DIM:#}",
                item.id, item.left_in_outcome, item.outcome
            )?;
        }
        if next.more_tied > 0 {
            writeln!(
                out,
                "       {DIM}… and {} more tied with the last{DIM:#}",
                next.more_tied
            )?;
        }
    }
    if !check.diagnostics.is_empty() {
        writeln!(out)?;
        // Rendering each is most of the time of a report with many: made in parallel, a
        // block at a time (so memory stays bounded), written in order.
        for block in check.diagnostics.chunks(512) {
            use rayon::prelude::*;
            let rendered: Vec<String> = block.par_iter().map(render_diagnostic).collect();
            for text in rendered {
                writeln!(out, "{text}")?;
            }
        }
    }
    writeln!(out)?;
    let noun = leaf_noun(fw);
    let assessed = if shows_assessed(check) {
        format!(
            ", {} assessed",
            check.assessment.leaves_assessed(&check.framework)
        )
    } else {
        String::new()
    };
    writeln!(
        out,
        "{BOLD}{} of {} {noun}s covered{assessed}{BOLD:#}; {} error{}, {} warning{}, {} hint{}",
        s.indicators_covered,
        s.indicators,
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        s.hints,
        plural(s.hints)
    )
}

/// The assessed axis is shown once a portfolio has judgements or requires them, so a
/// trainee's report stays as it was until a tutor is involved.
fn shows_assessed(check: &Check) -> bool {
    !check.judgements.is_empty() || check.portfolio.rules.require_assessed
}

/// Lists the judgements that no longer count because the evidence changed or went.
fn write_stale(out: &mut dyn Write, check: &Check) -> io::Result<()> {
    let stale: Vec<_> = stale(check).collect();
    if stale.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "{BOLD}Stale judgements ({}): the evidence changed since it was judged{BOLD:#}",
        stale.len()
    )?;
    for j in stale {
        let why = match j.state.stale_reason() {
            Some(crate::check::judgement::StaleReason::Missing) => "file gone",
            _ => "file changed",
        };
        writeln!(
            out,
            "  {RED}!{RED:#} {}  {} by {}, {} {DIM}({why}; {}){DIM:#}",
            j.subject(),
            j.judgement,
            j.assessor,
            j.date,
            j.file
        )?;
    }
    Ok(())
}

fn leaf_noun(fw: &Framework) -> &'static str {
    if fw.leaves().all(|l| fw.node(l).kind == NodeKind::Indicator) {
        "indicator"
    } else {
        "item"
    }
}

fn write_tree(out: &mut dyn Write, check: &Check) -> io::Result<()> {
    let fw = &check.framework;
    let show_assessed = shows_assessed(check);
    for (id, node) in fw.nodes.iter().enumerate() {
        if fw.sections.len() > 1 && fw.sections[node.section].nodes.start == id {
            let section = &fw.sections[node.section];
            if id > 0 {
                writeln!(out)?;
            }
            writeln!(out, "{BOLD}{}{BOLD:#} ({})", section.title, section.id)?;
        }
        // Parts and outcomes; indicators are summarised by their parent's count.
        if node.kind == NodeKind::Indicator && node.parent.is_some() {
            continue;
        }
        let cov = check.coverage.node(id);
        let indent = "  ".repeat(node.depth);
        let label = match node.kind {
            NodeKind::Part => format!("Part {}  {}", node.id, node.title),
            _ => format!("{}  {}", node.id, node.title),
        };
        let width = 58usize.saturating_sub(indent.len());
        let label = truncate(&label, width);
        let mark = if cov.covered {
            format!("{GREEN}✓{GREEN:#}")
        } else {
            " ".to_string()
        };
        let style = if node.kind == NodeKind::Part {
            BOLD
        } else {
            Style::new()
        };
        let assessed = if show_assessed {
            format!(
                "  assessed {:>3}/{}",
                check.assessment.node(id).leaves_assessed,
                cov.leaves_total
            )
        } else {
            String::new()
        };
        writeln!(
            out,
            "{mark} {indent}{style}{label:<width$}{style:#} {:>3}/{:<3} {} {:>3}%{assessed}",
            cov.leaves_covered,
            cov.leaves_total,
            bar(cov.leaves_covered, cov.leaves_total, 10),
            percent(cov.leaves_covered, cov.leaves_total),
        )?;
    }
    Ok(())
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let cut: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// Writes one diagnostic like rustc: `file:line:col`, the source line, a caret, a help line.
pub fn write_diagnostic(out: &mut dyn Write, d: &Diagnostic) -> io::Result<()> {
    writeln!(out, "{}", render_diagnostic(d))
}

/// One diagnostic as [`write_diagnostic`] writes it, without the final newline (styled:
/// the output stream strips colour where it is not wanted).
fn render_diagnostic(d: &Diagnostic) -> String {
    render_directly(d).unwrap_or_else(|| render_with_snippets(d))
}

/// The widest source line [`render_directly`] writes: well inside the renderer's terminal
/// width, past which it cuts the line around the problem.
const MAX_DIRECT_EXCERPT: usize = 100;

/// A diagnostic rendered straight into a string exactly as [`render_with_snippets`]
/// renders it, or `None` when it needs the renderer's layout: a character it replaces or
/// lays out (controls, tabs, line breaks, joiners, bidi marks, anything not one column
/// wide in a source line), a source line it would cut, or no file to point at. The
/// renderer styles and writes its buffer one character at a time, at some 300
/// instructions a character: on a vault with thousands of broken links that was a third
/// of `check`'s time. A property test holds the two renderings equal.
fn render_directly(d: &Diagnostic) -> Option<String> {
    use annotate_snippets::renderer::{
        DEFAULT_EMPHASIS_STYLE, DEFAULT_ERROR_STYLE, DEFAULT_HELP_STYLE, DEFAULT_LINE_NUM_STYLE,
        DEFAULT_NOTE_STYLE, DEFAULT_WARNING_STYLE,
    };
    let source = match (&d.excerpt, d.line) {
        (Some(excerpt), Some(line)) => Some(DirectExcerpt::of(d, excerpt, line)?),
        _ => None,
    };
    let location = match &source {
        Some(source) => source.location.clone(),
        None => location(d),
    };
    if !is_plain(&d.message) || !is_plain(&location) || !d.help.as_deref().is_none_or(is_plain) {
        return None;
    }
    let (name, level) = match d.severity {
        Severity::Error => ("error", DEFAULT_ERROR_STYLE),
        Severity::Warning => ("warning", DEFAULT_WARNING_STYLE),
        Severity::Hint => ("hint", DEFAULT_NOTE_STYLE),
    };
    let none = Style::new();
    let mut out = StyledRuns::with_capacity(
        2 * (d.message.len() + location.len() + d.help.as_ref().map_or(0, String::len)) + 128,
    );
    out.push(level, name);
    out.push(level, "[");
    out.push(level, d.code.as_str());
    out.push(level, "]");
    out.push(DEFAULT_EMPHASIS_STYLE, ": ");
    out.push(DEFAULT_EMPHASIS_STYLE, &d.message);
    // The gutter is as wide as the line number, or one column with none.
    let number = source.as_ref().map(|s| s.line.to_string());
    let gutter = number.as_ref().map_or(1, String::len);
    let margin = " ".repeat(gutter);
    if !location.is_empty() {
        out.end_line();
        out.push(none, &margin);
        out.push(DEFAULT_LINE_NUM_STYLE, "--> ");
        out.push(none, &location);
    }
    if let (Some(source), Some(number)) = (&source, &number) {
        out.end_line();
        out.push(none, &margin);
        out.push(none, " ");
        out.push(DEFAULT_LINE_NUM_STYLE, "|");
        out.end_line();
        out.push(DEFAULT_LINE_NUM_STYLE, number);
        out.push(none, " ");
        out.push(DEFAULT_LINE_NUM_STYLE, "|");
        if !source.text.is_empty() {
            out.push(none, " ");
            out.push(none, source.text);
        }
        out.end_line();
        out.push(none, &margin);
        out.push(none, " ");
        out.push(DEFAULT_LINE_NUM_STYLE, "|");
        out.push(none, &" ".repeat(source.before + 1));
        out.push(level, &"^".repeat(source.underlined));
    }
    if let Some(help) = &d.help {
        out.end_line();
        out.push(none, &margin);
        out.push(none, " ");
        out.push(DEFAULT_LINE_NUM_STYLE, "|");
        out.end_line();
        out.push(DEFAULT_HELP_STYLE, "help");
        out.push(none, ": ");
        out.push(none, help);
    }
    Some(out.finish())
}

/// A source line short and plain enough to write directly, with where its problem is.
struct DirectExcerpt<'d> {
    text: &'d str,
    line: usize,
    /// Columns before the underline.
    before: usize,
    /// Columns underlined: at least one.
    underlined: usize,
    /// `file:line:column` as the heading names it.
    location: String,
}

impl<'d> DirectExcerpt<'d> {
    fn of(d: &Diagnostic, excerpt: &'d Excerpt, line: usize) -> Option<DirectExcerpt<'d>> {
        use unicode_width::UnicodeWidthChar;
        let text = excerpt.text.as_str();
        let file = d.file.as_deref()?;
        let one_column = |c: char| !c.is_control() && (c.is_ascii() || c.width() == Some(1));
        if text.chars().count() > MAX_DIRECT_EXCERPT || !text.chars().all(one_column) {
            return None;
        }
        let (start, end) = underlined_range(excerpt);
        let before = text.get(..start)?.chars().count();
        let underlined = text.get(start..end)?.chars().count().max(1);
        let column = d.column.unwrap_or(before + 1);
        let location = format!("{file}:{line}:{column}");
        // The renderer names the column within the excerpt, which the slow path then
        // corrects by replacing its first mention: where the message mentions it first,
        // only that path gives the same text.
        if column != before + 1 && d.message.contains(&format!("{file}:{line}:{}", before + 1)) {
            return None;
        }
        Some(DirectExcerpt {
            text,
            line,
            before,
            underlined,
            location,
        })
    }
}

/// Text the snippet renderer writes as it is: no character it replaces or lays out.
fn is_plain(text: &str) -> bool {
    !text.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{200d}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

/// The byte range of an excerpt to underline. An empty range still underlines one
/// character (a whole one: the text may be any script), or the place just past the end.
fn underlined_range(excerpt: &Excerpt) -> (usize, usize) {
    let one_char = excerpt
        .text
        .get(excerpt.start..)
        .and_then(|rest| rest.chars().next());
    let end = excerpt
        .end
        .max(excerpt.start + one_char.map_or(0, char::len_utf8))
        .min(excerpt.text.len().max(excerpt.start));
    (excerpt.start, end.max(excerpt.start))
}

/// Text in styled runs, written as annotate-snippets writes its buffer: a style is reset
/// and the next begun only where the style changes, and every line ends reset.
struct StyledRuns {
    text: String,
    current: Style,
}

impl StyledRuns {
    fn with_capacity(capacity: usize) -> StyledRuns {
        StyledRuns {
            text: String::with_capacity(capacity),
            current: Style::new(),
        }
    }

    fn push(&mut self, style: Style, text: &str) {
        use std::fmt::Write as _;
        if text.is_empty() {
            return;
        }
        if style != self.current {
            // Writing to a String cannot fail.
            let _ = write!(self.text, "{:#}{style}", self.current);
            self.current = style;
        }
        self.text.push_str(text);
    }

    fn end_line(&mut self) {
        self.close();
        self.text.push('\n');
    }

    fn close(&mut self) {
        use std::fmt::Write as _;
        let _ = write!(self.text, "{:#}", self.current);
        self.current = Style::new();
    }

    fn finish(mut self) -> String {
        self.close();
        self.text
    }
}

/// Where a diagnostic is, as its heading names it: `file:line:column`, as much of that as
/// is known, or nothing.
fn location(d: &Diagnostic) -> String {
    match (&d.file, d.line, d.column) {
        (Some(file), Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(file), Some(line), None) => format!("{file}:{line}"),
        (Some(file), None, _) => file.clone(),
        (None, _, _) => String::new(),
    }
}

/// A diagnostic rendered by annotate-snippets: the source line with the problem
/// underlined, as rustc shows it.
fn render_with_snippets(d: &Diagnostic) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    let level = match d.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Hint => Level::NOTE.with_name("hint"),
    };
    let location = location(d);
    let title = level.primary_title(d.message.as_str()).id(d.code.as_str());
    let mut report: Vec<Group<'_>> = Vec::new();
    match (&d.excerpt, d.line) {
        (Some(excerpt), Some(line)) => {
            let (start, end) = underlined_range(excerpt);
            // The renderer appends `:line:col` to the path itself.
            let file = d.file.as_deref().unwrap_or("");
            let mut snippet = Snippet::source(excerpt.text.as_str())
                .line_start(line)
                .path(file);
            if excerpt.start <= excerpt.text.len() {
                snippet = snippet.annotation(AnnotationKind::Primary.span(start..end));
            }
            report.push(title.element(snippet));
        }
        _ if !location.is_empty() => {
            report.push(title.element(annotate_snippets::Origin::path(location.as_str())));
        }
        _ => report.push(Group::with_title(title)),
    }
    if let Some(help) = &d.help {
        report.push(Group::with_title(
            Level::HELP.secondary_title(help.as_str()),
        ));
    }
    let mut rendered = Renderer::styled().render(&report);
    // The renderer counts the column within the excerpt, which for a long line is cut
    // around the problem: put back the column in the whole line.
    if let (Some(excerpt), Some(file), Some(line), Some(column)) =
        (&d.excerpt, &d.file, d.line, d.column)
    {
        let shown = excerpt.text[..excerpt.start.min(excerpt.text.len())]
            .chars()
            .count()
            + 1;
        if shown != column {
            rendered = rendered.replacen(
                &format!("{file}:{line}:{shown}"),
                &format!("{file}:{line}:{column}"),
                1,
            );
        }
    }
    rendered
}

/// Writes a fatal error (exit code 2) the same way.
pub fn write_fatal(out: &mut dyn Write, error: &crate::error::FatalError) -> io::Result<()> {
    match error.code {
        Some(code) => writeln!(
            out,
            "{RED}error[{code}]{RED:#}{BOLD}: {}{BOLD:#}",
            error.message
        )?,
        None => writeln!(out, "{RED}error{RED:#}{BOLD}: {}{BOLD:#}", error.message)?,
    }
    if let Some(help) = &error.help {
        writeln!(out, "  {CYAN}help{CYAN:#}: {help}")?;
    }
    Ok(())
}

/// Writes the framework tree for `senco outcomes`.
pub fn write_outcomes(out: &mut dyn Write, fw: &Framework) -> io::Result<()> {
    for (id, node) in fw.nodes.iter().enumerate() {
        let section = &fw.sections[node.section];
        if section.nodes.start == id {
            if id > 0 {
                writeln!(out)?;
            }
            writeln!(
                out,
                "{BOLD}{}{BOLD:#} ({}, {})",
                section.title, section.id, section.version
            )?;
            writeln!(out, "{DIM}{}{DIM:#}", section.source)?;
            if let Some(text) = &section.text {
                writeln!(out, "{text}")?;
            }
        }
        let indent = "  ".repeat(node.depth);
        match node.kind {
            NodeKind::Part => {
                writeln!(out)?;
                writeln!(
                    out,
                    "{indent}{BOLD}Part {}: {}{BOLD:#}",
                    node.id, node.title
                )?;
                if let Some(text) = &node.text {
                    writeln!(out, "{indent}{DIM}{text}{DIM:#}")?;
                }
            }
            _ => {
                let aliases = if node.aliases.is_empty() {
                    String::new()
                } else {
                    format!(" {DIM}(also {}){DIM:#}", node.aliases.join(", "))
                };
                let rollup = if node.rollup == Rollup::Any {
                    format!(" {DIM}(covered by itself or any one of:){DIM:#}")
                } else {
                    String::new()
                };
                writeln!(
                    out,
                    "{indent}{CYAN}{}{CYAN:#}  {}{aliases}{rollup}",
                    node.id, node.title
                )?;
            }
        }
    }
    Ok(())
}

/// Writes the framework itself as JSON (`senco outcomes --format json`).
pub fn write_framework_json(out: &mut dyn Write, fw: &Framework) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, fw.to_file()).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes outcomes found by a search, one per line: id, then title.
pub fn write_outcome_hits(
    out: &mut dyn Write,
    fw: &Framework,
    hits: &[crate::model::framework::NodeId],
) -> io::Result<()> {
    for &h in hits {
        let n = fw.node(h);
        writeln!(out, "{:<7} {}", n.id, n.title)?;
    }
    Ok(())
}

/// Writes outcomes found by a search as a JSON array of `{id, kind, title}`.
pub fn write_outcome_hits_json(
    out: &mut dyn Write,
    fw: &Framework,
    hits: &[crate::model::framework::NodeId],
) -> io::Result<()> {
    let items: Vec<serde_json::Value> = hits
        .iter()
        .map(|&h| {
            let n = fw.node(h);
            serde_json::json!({"id": n.id, "kind": n.kind.as_str(), "title": n.title})
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items).map_err(io::Error::from)?;
    writeln!(out)
}

/// Writes the privacy lint's findings (`senco privacy`), those silenced by allow
/// markers, and a count of each.
pub fn write_privacy(out: &mut dyn Write, scan: &crate::check::privacy::Scan) -> io::Result<()> {
    for d in &scan.findings {
        write_diagnostic(out, d)?;
    }
    if !scan.silenced.is_empty() {
        writeln!(out, "silenced by allow markers:")?;
        for d in &scan.silenced {
            writeln!(
                out,
                "  {}:{}:{}: {} [{}]",
                d.file.as_deref().unwrap_or(""),
                d.line.unwrap_or(0),
                d.column.unwrap_or(0),
                d.message,
                d.code
            )?;
        }
    }
    let count = |severity| {
        scan.findings
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let errors = count(Severity::Error);
    let warnings = count(Severity::Warning);
    writeln!(
        out,
        "privacy: {errors} error{}, {warnings} warning{}, {} silenced",
        plural(errors),
        plural(warnings),
        scan.silenced.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::diagnostic::SourceText;

    /// Text for a diagnostic's parts: mostly plain, with characters the snippet renderer
    /// replaces or lays out (tabs, line breaks, controls, joiners, bidi marks) and wide,
    /// combining and astral ones.
    const PART: &str =
        "([ -~]|[é中😀\u{301}\u{85}]|[\t\n\r\u{0}\u{1b}\u{7f}\u{200d}\u{202e}\u{2067}]){0,30}";

    /// A source line: mostly one column a character (typographic punctuation among
    /// them), now and then wide, combining, control or spacing characters, from empty to
    /// longer than the renderer's terminal width.
    const SOURCE_LINE: &str =
        "([ -~]{1,12}|[“”‘’–—…é]|[中😀\u{301}\t\u{a0}\u{3000}\u{1b}]| {4}){0,45}";

    /// Mostly text the renderer writes as it is, so that most cases are written directly.
    fn part() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::prop_oneof![3 => "[ -~é中😀\u{301}]{0,30}", 1 => PART]
    }

    fn source_line() -> impl proptest::strategy::Strategy<Value = String> {
        proptest::prop_oneof![
            3 => "([ -~]{1,12}|[“”‘’–—…é\u{a0}]| {4}){0,30}",
            1 => SOURCE_LINE,
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2048))]
        #[test]
        fn a_diagnostic_written_directly_is_what_the_snippet_renderer_writes(
            code in proptest::sample::select(crate::error::code::Code::ALL),
            severity in proptest::sample::select(&[Severity::Error, Severity::Warning, Severity::Hint][..]),
            message in part(),
            file in proptest::option::of(part()),
            line in proptest::option::of(proptest::sample::select(&[1usize, 9, 10, 99, 100, 12_345, 1_000_000][..])),
            column in proptest::option::of(1usize..300),
            help in proptest::option::of(part()),
            excerpt in proptest::option::of((source_line(), 0usize..400, 0usize..400)),
        ) {
            let mut d = Diagnostic::new(code, message);
            d.severity = severity;
            d.file = file;
            d.line = line;
            d.column = column;
            d.help = help;
            d.excerpt = excerpt.map(|(text, a, b)| {
                // Mostly a range inside the text on character boundaries, sometimes
                // empty, reversed, past the end or inside a character.
                let len = text.len();
                let snap = |i: usize| {
                    let i = i % (len + 2);
                    if i % 7 == 3 { i } else { (0..=i.min(len)).rev().find(|&j| text.is_char_boundary(j)).unwrap_or(0) }
                };
                let (start, end) = (snap(a), snap(b));
                let (start, end) = if a % 5 == 0 { (start, start) } else if a % 11 == 0 { (end, start) } else { (start.min(end), start.max(end)) };
                crate::error::diagnostic::Excerpt { text, start, end }
            });
            if let Some(direct) = render_directly(&d) {
                proptest::prop_assert_eq!(direct, render_with_snippets(&d));
            }
        }
    }

    #[test]
    fn a_plain_diagnostic_is_written_directly_and_a_laid_out_one_by_the_renderer() {
        let mut d = Diagnostic::new(
            crate::error::code::Code::BrokenLink,
            "`[[x]]` names no note",
        );
        d.file = Some("evidence/会議.md".into());
        d.line = Some(3);
        d.help = Some("write the path".into());
        let direct = render_directly(&d);
        assert_eq!(direct.as_deref(), Some(render_with_snippets(&d).as_str()));
        d.excerpt = Some(crate::error::diagnostic::Excerpt {
            text: "see “[[x]]”".into(),
            start: 7,
            end: 12,
        });
        d.column = Some(6);
        let direct = render_directly(&d);
        assert_eq!(direct.as_deref(), Some(render_with_snippets(&d).as_str()));
        assert!(direct.is_some_and(|text| text.contains("see “[[x]]”")));
        for text in ["see\t[[x]]", "会議 [[x]]"] {
            d.excerpt = Some(crate::error::diagnostic::Excerpt {
                text: text.into(),
                start: 4,
                end: 9,
            });
            assert_eq!(render_directly(&d), None, "{text}");
        }
        d.excerpt = Some(crate::error::diagnostic::Excerpt {
            text: "x".repeat(MAX_DIRECT_EXCERPT + 1),
            start: 4,
            end: 9,
        });
        assert_eq!(render_directly(&d), None);
        d.excerpt = None;
        d.message = "a\tb".into();
        assert_eq!(render_directly(&d), None);
    }

    /// Found by the judgement fuzzer: an empty range at a four-byte character.
    #[test]
    fn an_empty_range_at_a_wide_character_underlines_the_character() {
        let text = "\u{14400}";
        let d = Diagnostic::new(crate::error::Code::UnknownOutcome, "message")
            .in_file("f.md")
            .at(&SourceText::new(text), 0..0);
        let mut out = Vec::new();
        write_diagnostic(&mut out, &d).unwrap_or_default();
        let out = String::from_utf8_lossy(&out);
        assert!(
            out.contains("f.md:1:1") && out.contains('\u{14400}'),
            "{out}"
        );
    }
}
