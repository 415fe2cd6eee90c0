//! `senco cohort`: many portfolios at a glance, for a tutor.
//!
//! A cohort is a folder whose subfolders are portfolios, or a folder with `cohort.toml`
//! listing them. Every portfolio is checked in parallel and reduced at once to a [`Row`]
//! (counts and one mark per indicator), so a cohort of a thousand never holds a
//! thousand [`crate::check::Check`]s. One broken portfolio becomes a row that says what is wrong.
//!
//! [`Cohort`] is plain serialisable data: the text, CSV, spreadsheet and JSON writers in
//! [`crate::tutor::cohort_report`] and any HTML renderer read the same struct.

use crate::check::judgement::Standing;
use crate::check::{Check, CheckOptions};
use crate::error::FatalError;
use jiff::civil::Date;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub(crate) const COHORT_FILE: &str = "cohort.toml";

/// How close a deadline must be, in months, for low coverage to put a trainee at risk.
pub(crate) const RISK_MONTHS: i8 = 6;

/// How many indicators the summary names as "teach next".
pub const TEACH_NEXT: usize = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CohortFile {
    #[serde(default)]
    trainee: Vec<TraineeEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TraineeEntry {
    path: String,
    name: Option<String>,
    candidate: Option<Candidate>,
    feedback: Option<String>,
}

/// Candidate numbers are often written bare (`candidate = 104233`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Candidate {
    Text(String),
    Number(i64),
}

/// One portfolio of the cohort, before it is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The portfolio folder.
    pub root: PathBuf,
    /// The path as shown: relative to the cohort folder when inside it.
    pub label: String,
    /// The trainee's name from cohort.toml; `None`: the portfolio's `trainee`, else the folder name.
    pub name: Option<String>,
    /// The candidate number from cohort.toml, used in anonymised packs.
    pub candidate: Option<String>,
    /// Judgement folder, when not the portfolio's own `feedback/`.
    pub feedback: Option<PathBuf>,
}

/// A subfolder of the cohort folder that is not a portfolio, named so nothing is
/// dropped silently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The subfolder, relative to the cohort folder.
    pub path: String,
    /// Why it is not read as a portfolio, and what to do.
    pub reason: String,
}

/// Finds the cohort's portfolios: listed in `cohort.toml`, else every subfolder holding
/// `portfolio.toml`, by folder name.
pub fn members(dir: &Path) -> Result<(Vec<Member>, Vec<Skipped>), FatalError> {
    if !dir.is_dir() {
        return Err(
            FatalError::not_found(format!("{} is not a folder", dir.display()))
                .with_help("give the folder holding the trainees' portfolios"),
        );
    }
    let listing = dir.join(COHORT_FILE);
    // Anything there (a pipe too) is read as the listing, and refused if it is not a
    // file: falling back to the subfolders would quietly check another cohort.
    if std::fs::symlink_metadata(&listing).is_ok() {
        return Ok((listed(dir, &listing)?, Vec::new()));
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| FatalError::io(format!("cannot read {}: {e}", dir.display()), e))?;
    let mut folders: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir() && !crate::util::fs::is_hidden(&e.file_name()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    folders.sort();
    let mut members = Vec::new();
    let mut skipped = Vec::new();
    for (name, path) in folders {
        if path.join(crate::model::portfolio::CONFIG_FILE).is_file() {
            members.push(Member {
                root: path,
                label: name,
                name: None,
                candidate: None,
                feedback: None,
            });
        } else {
            skipped.push(Skipped {
                path: name,
                reason: format!("no {}", crate::model::portfolio::CONFIG_FILE),
            });
        }
    }
    if members.is_empty() {
        return Err(FatalError::not_found(format!(
            "no portfolios in {}: no subfolder holds {}",
            dir.display(),
            crate::model::portfolio::CONFIG_FILE
        ))
        .with_help(format!(
            "put each trainee's portfolio in its own subfolder, or list them in {COHORT_FILE} as [[trainee]] path = \"...\""
        )));
    }
    Ok((members, skipped))
}

fn listed(dir: &Path, listing: &Path) -> Result<Vec<Member>, FatalError> {
    let text = crate::util::fs::read_text_capped(
        listing,
        crate::util::fs::MAX_CONFIG_BYTES,
        "cohort files",
    )
    .map_err(|e| FatalError::io(format!("cannot read {}: {e}", listing.display()), e))?;
    let text = crate::util::text::without_bom(&text);
    let file: CohortFile = toml::from_str(text).map_err(|e| {
        let source = crate::error::diagnostic::SourceText::new(text);
        let (line, column) = e.span().map_or((1, 1), |s| source.line_col(s.start));
        FatalError::invalid(format!(
            "{}:{line}:{column}: {}",
            listing.display(),
            e.message().trim_end()
        ))
        .with_help("each trainee is a [[trainee]] table with `path`, and optionally `name`, `candidate` and `feedback`")
    })?;
    if file.trainee.is_empty() {
        return Err(
            FatalError::invalid(format!("{} lists no trainees", listing.display()))
                .with_help("add a [[trainee]] table with `path = \"folder\"` for each portfolio"),
        );
    }
    Ok(file
        .trainee
        .into_iter()
        .map(|t| Member {
            root: dir.join(&t.path),
            label: t.path,
            name: t.name.filter(|n| !n.trim().is_empty()),
            candidate: t.candidate.map(|c| match c {
                Candidate::Text(s) => s,
                Candidate::Number(n) => n.to_string(),
            }),
            feedback: t.feedback.map(|f| dir.join(f)),
        })
        .collect())
}

/// An indicator's state for one trainee.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    /// Neither covered nor assessed.
    None,
    /// Covered by the portfolio's rules, not (yet) assessed.
    Covered,
    /// Covered and assessed.
    Assessed,
    /// A current `meets` judgement, but not enough evidence to be covered.
    AssessedOnly,
}

impl Mark {
    /// The mark of an indicator that is `covered` and `assessed` or not.
    pub fn new(covered: bool, assessed: bool) -> Mark {
        match (covered, assessed) {
            (false, false) => Mark::None,
            (true, false) => Mark::Covered,
            (true, true) => Mark::Assessed,
            (false, true) => Mark::AssessedOnly,
        }
    }

    /// The mark as JSON and CSV write it: `none`, `covered`, `assessed`, `assessed-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::None => "none",
            Mark::Covered => "covered",
            Mark::Assessed => "assessed",
            Mark::AssessedOnly => "assessed-only",
        }
    }

    /// Whether the indicator has enough evidence.
    pub fn covered(self) -> bool {
        matches!(self, Mark::Covered | Mark::Assessed)
    }

    /// Whether the indicator has a current `meets` judgement.
    pub fn assessed(self) -> bool {
        matches!(self, Mark::Assessed | Mark::AssessedOnly)
    }
}

/// A trainee asks for something to be assessed: a `ready` judgement no assessor has
/// answered since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadyRequest {
    /// The evidence path, the outcome id, or both: `evidence/x.md (B5.2)`.
    pub subject: String,
    /// When the trainee asked (YYYY-MM-DD).
    pub date: String,
}

/// Covered, assessed and total indicators of one part (a top-level node).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartCount {
    /// The part's id (`A`, `B`…).
    pub id: String,
    /// Indicators of the part with enough evidence.
    pub covered: usize,
    /// Indicators of the part with a current `meets` judgement.
    pub assessed: usize,
    /// Indicators in the part.
    pub total: usize,
}

/// One trainee, reduced to what the cohort views show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// From cohort.toml, else the portfolio's `trainee`, else the folder name.
    pub name: String,
    /// The candidate number from cohort.toml.
    pub candidate: Option<String>,
    /// The portfolio folder, relative to the cohort folder when inside it.
    pub path: String,
    /// What its check found, or why it could not be checked.
    pub reading: Reading,
}

/// A member's portfolio was checked, or could not be: never half of each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// The portfolio was checked; what the views show of it.
    Read(Box<Progress>),
    /// The portfolio could not be checked at all; `reason` says why, and what to do.
    Broken {
        /// Why, and what to do.
        reason: String,
    },
}

/// What the cohort views show of a portfolio that was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Framework id; its entry in [`Cohort::frameworks`] is `framework_index`.
    pub framework: String,
    /// Index into [`Cohort::frameworks`] of the framework it follows.
    pub framework_index: usize,
    /// Covered, assessed and total indicators per part, in framework order.
    pub parts: Vec<PartCount>,
    /// One mark per indicator, in the order of the framework's `indicators`.
    pub indicators: Vec<Mark>,
    /// Where each indicator stands with the assessors (same order); `None`: not judged.
    pub judged: Vec<Option<Standing>>,
    /// The trainee's current requests for assessment, oldest first.
    pub ready: Vec<ReadyRequest>,
    /// Indicators with enough evidence.
    pub covered: usize,
    /// Indicators with a current `meets` judgement (may exceed `covered`: see the legend).
    pub assessed: usize,
    /// Indicators in the framework (or frameworks) it follows.
    pub total: usize,
    /// Evidence files found.
    pub evidence_files: usize,
    /// Judgements in force that are stale.
    pub stale: usize,
    /// Error diagnostics of its check.
    pub errors: usize,
    /// Warning diagnostics of its check.
    pub warnings: usize,
    /// The date of appointment as SENCO, from portfolio.toml.
    pub appointed: Option<Date>,
    /// The statutory deadline: three years from appointment.
    pub deadline: Option<Date>,
    /// Why the trainee is at risk, in words; empty when not.
    pub at_risk: Vec<String>,
    /// When evidence was last added or changed, and whether that is too long ago.
    pub momentum: crate::tutor::momentum::Momentum,
}

impl Progress {
    /// Indicators covered, as a whole percentage of `total`.
    pub fn percent(&self) -> usize {
        crate::util::text::percent(self.covered, self.total)
    }
}

impl Row {
    /// What the check found, unless the portfolio could not be checked.
    pub fn progress(&self) -> Option<&Progress> {
        match &self.reading {
            Reading::Read(progress) => Some(progress.as_ref()),
            Reading::Broken { .. } => None,
        }
    }

    /// Why the portfolio could not be checked, if it could not.
    pub fn broken(&self) -> Option<&str> {
        match &self.reading {
            Reading::Read(_) => None,
            Reading::Broken { reason } => Some(reason),
        }
    }

    /// Percent of indicators covered; 0 when the portfolio could not be read.
    pub fn percent(&self) -> usize {
        self.progress().map_or(0, Progress::percent)
    }

    /// Why the trainee is at risk; none when the portfolio could not be read.
    pub fn at_risk(&self) -> &[String] {
        self.progress().map_or(&[], |p| &p.at_risk)
    }

    /// Whether this row is a checked portfolio following framework `index`.
    pub fn follows(&self, index: usize) -> bool {
        self.progress().is_some_and(|p| p.framework_index == index)
    }
}

/// A row in JSON, as `senco cohort --format json` has always written it: every field
/// of [`Progress`] (empty or zero when broken) and `error` (`null` when read).
#[derive(Serialize)]
struct RowJson<'a> {
    name: &'a str,
    candidate: Option<&'a str>,
    path: &'a str,
    framework: Option<&'a str>,
    framework_index: Option<usize>,
    parts: &'a [PartCount],
    indicators: &'a [Mark],
    judged: &'a [Option<Standing>],
    ready: &'a [ReadyRequest],
    covered: usize,
    assessed: usize,
    total: usize,
    evidence_files: usize,
    stale: usize,
    errors: usize,
    warnings: usize,
    appointed: Option<Date>,
    deadline: Option<Date>,
    at_risk: &'a [String],
    momentum: std::borrow::Cow<'a, crate::tutor::momentum::Momentum>,
    error: Option<&'a str>,
}

impl Serialize for Row {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let p = self.progress();
        let count = |f: fn(&Progress) -> usize| p.map_or(0, f);
        RowJson {
            name: &self.name,
            candidate: self.candidate.as_deref(),
            path: &self.path,
            framework: p.map(|p| p.framework.as_str()),
            framework_index: p.map(|p| p.framework_index),
            parts: p.map_or(&[], |p| &p.parts),
            indicators: p.map_or(&[], |p| &p.indicators),
            judged: p.map_or(&[], |p| &p.judged),
            ready: p.map_or(&[], |p| &p.ready),
            covered: count(|p| p.covered),
            assessed: count(|p| p.assessed),
            total: count(|p| p.total),
            evidence_files: count(|p| p.evidence_files),
            stale: count(|p| p.stale),
            errors: count(|p| p.errors),
            warnings: count(|p| p.warnings),
            appointed: p.and_then(|p| p.appointed),
            deadline: p.and_then(|p| p.deadline),
            at_risk: self.at_risk(),
            momentum: p.map_or_else(Default::default, |p| {
                std::borrow::Cow::Borrowed(&p.momentum)
            }),
            error: self.broken(),
        }
        .serialize(serializer)
    }
}

/// A framework followed by some member, with what the cohort views need of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FrameworkInfo {
    /// Its id, or the ids joined with ` + ` for a portfolio following several.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its parts (top-level nodes), in framework order.
    pub parts: Vec<NodeInfo>,
    /// Its indicators, in framework order: the columns of the matrix.
    pub indicators: Vec<IndicatorInfo>,
}

/// A part of a framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeInfo {
    /// The part's id.
    pub id: String,
    /// The part's title.
    pub title: String,
    /// Indicators in the part.
    pub total: usize,
}

/// An indicator, a column of the cohort matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorInfo {
    /// The indicator's id.
    pub id: String,
    /// The id of the framework it belongs to (a portfolio may follow several).
    pub framework: String,
    /// The indicator's wording.
    pub title: String,
    /// The id of the part it belongs to.
    pub part: String,
    /// How many readable portfolios of this framework cover it, and assess it.
    pub covered_by: usize,
    pub(crate) assessed_by: usize,
}

/// An indicator many trainees lack: what to teach next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TeachNext {
    /// The framework it belongs to.
    pub framework: String,
    /// The indicator's id.
    pub id: String,
    /// The indicator's wording.
    pub title: String,
    /// Readable portfolios of this framework that cover it.
    pub covered_by: usize,
    /// Readable portfolios following this framework.
    pub of: usize,
    /// How many of them lack it (`of - covered_by`): the ranking key, most first.
    pub lacking: usize,
    /// Competition rank (1, 1, 3, ...): indicators lacked by as many trainees share it.
    pub rank: usize,
    /// How many indicators of the whole cohort share this rank, listed or not.
    pub tied: usize,
}

/// One line per column of the cohort table and dashboard, saying what it counts.
pub(crate) const COLUMN_LEGEND: &[(&str, &str)] = &[
    (
        "Part X",
        "indicators of that part covered / indicators in it",
    ),
    (
        "Covered",
        "indicators with enough evidence under the portfolio's rules (min_evidence files)",
    ),
    (
        "Assessed",
        "indicators with a current `meets` judgement; can exceed Covered: an outcome's judgement counts for each of its indicators, and judged evidence may be short of min_evidence",
    ),
    (
        "Stale",
        "judgements whose evidence changed or went since it was judged; they no longer count",
    ),
    (
        "Deadline",
        "third anniversary of appointment (reg 49), from `appointed` in portfolio.toml",
    ),
    (
        "Last evidence",
        "newest evidence date and its source: `date` front matter, else the file's last git commit, else its modification time (reset by clones and unzips); inactive when more than --inactive-after weeks (default 4) before today",
    ),
];

/// Counts over the whole cohort, and what to teach next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// The rule "teach next" is ranked by, in words.
    pub(crate) teach_next_rule: &'static str,
    /// Members read (broken ones included).
    pub trainees: usize,
    /// Portfolios that could not be read.
    pub broken: usize,
    /// Readable portfolios with at least one reason to be at risk.
    pub at_risk: usize,
    pub(crate) stale_judgements: usize,
    /// Readable portfolios with no new or changed evidence for over `inactive_after_weeks`.
    pub inactive: usize,
    /// The weeks without new evidence after which a trainee is inactive.
    pub inactive_after_weeks: u32,
    /// The indicators most trainees lack, at most five, ranked with ties.
    pub teach_next: Vec<TeachNext>,
    /// Indicators tied with the last one listed in `teach_next` but not listed.
    pub teach_next_more_tied: usize,
}

/// A cohort as every view shows it: one row per member, in cohort order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cohort {
    /// The date deadlines, risks and momentum were judged against.
    pub today: Date,
    /// Every framework some member follows, in the order first met.
    pub frameworks: Vec<FrameworkInfo>,
    /// One row per member, readable or not.
    pub trainees: Vec<Row>,
    /// Subfolders that are not portfolios, each with why.
    pub skipped: Vec<Skipped>,
    /// Totals and what to teach next.
    pub summary: Summary,
}

/// Reads every member in parallel, calling `progress` after each one. A trainee is
/// inactive with no new or changed evidence for more than `inactive_after` weeks.
/// `cache` is the results cache folder ([`crate::check::cache`]), if one is used.
pub fn read(
    members: &[Member],
    skipped: Vec<Skipped>,
    today: Date,
    inactive_after: u32,
    progress: &(dyn Fn() + Sync),
    cache: Option<&Path>,
) -> Cohort {
    // Nothing is rendered from these checks: no fingerprints, and the cache may serve.
    let options = CheckOptions {
        feedback: None,
        report_only: true,
        cache: cache.map(Path::to_path_buf),
    };
    read_members(
        members,
        skipped,
        today,
        inactive_after,
        progress,
        &|_, _| {},
        &options,
    )
}

/// [`read`], handing each member's [`Check`] (by member index) to `each` before it is
/// dropped: what needs more of a member than its [`Row`] (the dashboard builds its
/// site) uses the very check the row was made from, and a cohort of a thousand is still
/// never held in memory at once. `each` is not called for a member that could not be
/// checked.
pub(crate) fn read_with(
    members: &[Member],
    skipped: Vec<Skipped>,
    today: Date,
    inactive_after: u32,
    progress: &(dyn Fn() + Sync),
    each: &(dyn Fn(usize, &Check) + Sync),
) -> Cohort {
    // Sites are built from these checks: they keep the fingerprints, and parse every file.
    read_members(
        members,
        skipped,
        today,
        inactive_after,
        progress,
        each,
        &CheckOptions::default(),
    )
}

/// [`read_with`], checking each member with `options` (its own feedback folder added).
fn read_members(
    members: &[Member],
    skipped: Vec<Skipped>,
    today: Date,
    inactive_after: u32,
    progress: &(dyn Fn() + Sync),
    each: &(dyn Fn(usize, &Check) + Sync),
    options: &CheckOptions,
) -> Cohort {
    let frameworks: Mutex<BTreeMap<(String, String), FrameworkInfo>> = Mutex::new(BTreeMap::new());
    let mut trainees: Vec<(Row, Option<(String, String)>)> = members
        .par_iter()
        .enumerate()
        .map(|(index, member)| {
            let row = read_one(
                member,
                today,
                inactive_after,
                &frameworks,
                options,
                &|check| each(index, check),
            );
            progress();
            row
        })
        .collect();
    // Frameworks are numbered by id (and shape), not by which portfolio was read first.
    let frameworks = frameworks.into_inner().unwrap_or_else(|e| e.into_inner());
    let keys: Vec<(String, String)> = frameworks.keys().cloned().collect();
    let mut frameworks: Vec<FrameworkInfo> = frameworks.into_values().collect();
    for (row, key) in &mut trainees {
        if let (Reading::Read(progress), Some(key)) = (&mut row.reading, key) {
            progress.framework_index = keys.iter().position(|other| other == key).unwrap_or(0);
        }
    }
    let trainees: Vec<Row> = trainees.into_iter().map(|(row, _)| row).collect();
    for (index, fw) in frameworks.iter_mut().enumerate() {
        for progress in trainees
            .iter()
            .filter(|r| r.follows(index))
            .filter_map(Row::progress)
        {
            for (info, mark) in fw.indicators.iter_mut().zip(&progress.indicators) {
                info.covered_by += usize::from(mark.covered());
                info.assessed_by += usize::from(mark.assessed());
            }
        }
    }
    let mut summary = summarise(&frameworks, &trainees);
    summary.inactive_after_weeks = inactive_after;
    Cohort {
        today,
        frameworks,
        trainees,
        skipped,
        summary,
    }
}

/// How "teach next" is ranked, as the outputs state it.
pub(crate) const TEACH_NEXT_RULE: &str = "by how many trainees lack each indicator, most first; equal counts share a rank (=), then framework order";

fn summarise(frameworks: &[FrameworkInfo], trainees: &[Row]) -> Summary {
    let mut candidates: Vec<(usize, usize, TeachNext)> = Vec::new();
    for (index, fw) in frameworks.iter().enumerate() {
        let of = trainees.iter().filter(|r| r.follows(index)).count();
        for (order, info) in fw.indicators.iter().enumerate() {
            let lacking = of.saturating_sub(info.covered_by);
            if lacking == 0 {
                continue;
            }
            candidates.push((
                index,
                order,
                TeachNext {
                    framework: fw.id.clone(),
                    id: info.id.clone(),
                    title: info.title.clone(),
                    covered_by: info.covered_by,
                    of,
                    lacking,
                    rank: 0,
                    tied: 0,
                },
            ));
        }
    }
    candidates.sort_by(|a, b| (b.2.lacking, a.0, a.1).cmp(&(a.2.lacking, b.0, b.1)));
    let mut teach_next: Vec<TeachNext> = candidates.into_iter().map(|(_, _, t)| t).collect();
    let ranks = crate::util::rank::competition(&teach_next, |t| t.lacking);
    for (t, &(rank, tied)) in teach_next.iter_mut().zip(&ranks) {
        t.rank = rank;
        t.tied = tied;
    }
    let more_tied = crate::util::rank::more_tied(&ranks, TEACH_NEXT.min(ranks.len()));
    teach_next.truncate(TEACH_NEXT);
    Summary {
        teach_next_more_tied: more_tied,
        teach_next_rule: TEACH_NEXT_RULE,
        trainees: trainees.len(),
        broken: trainees.iter().filter(|r| r.broken().is_some()).count(),
        at_risk: trainees.iter().filter(|r| !r.at_risk().is_empty()).count(),
        stale_judgements: trainees
            .iter()
            .filter_map(Row::progress)
            .map(|p| p.stale)
            .sum(),
        inactive: trainees
            .iter()
            .filter_map(Row::progress)
            .filter(|p| p.momentum.inactive)
            .count(),
        inactive_after_weeks: crate::tutor::momentum::DEFAULT_WEEKS,
        teach_next,
    }
}

type Frameworks = Mutex<BTreeMap<(String, String), FrameworkInfo>>;

fn read_one(
    member: &Member,
    today: Date,
    inactive_after: u32,
    frameworks: &Frameworks,
    options: &CheckOptions,
    each: &dyn Fn(&Check),
) -> (Row, Option<(String, String)>) {
    let row = |name: Option<&String>, reading| Row {
        name: name.map_or_else(|| folder_name(&member.label), String::clone),
        candidate: member.candidate.clone(),
        path: member.label.clone(),
        reading,
    };
    let broken = |reason| (row(member.name.as_ref(), Reading::Broken { reason }), None);
    if let Some(dir) = member.feedback.as_ref().filter(|d| !d.is_dir()) {
        // Reading on without it would show every judgement as missing, silently.
        return broken(format!(
            "feedback folder {} does not exist (check `feedback` in {COHORT_FILE})",
            dir.display()
        ));
    }
    let options = CheckOptions {
        feedback: member.feedback.clone(),
        ..options.clone()
    };
    let check = match crate::check::check(&member.root, &options) {
        Ok(check) => check,
        Err(e) => {
            return broken(match e.help {
                Some(help) => format!("{} ({help})", e.message),
                None => e.message,
            });
        }
    };
    let fw = &check.framework;
    let leaves: Vec<usize> = fw.leaves().collect();
    let key = (
        fw.ids(),
        leaves
            .iter()
            .map(|&l| fw.node(l).id.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    );
    {
        let mut known = frameworks.lock().unwrap_or_else(|e| e.into_inner());
        known
            .entry(key.clone())
            .or_insert_with(|| framework_info(fw));
    }
    let deadline = check.deadline();
    let mut progress = Progress {
        framework: fw.ids(),
        // Numbered once every member is read: see [`read`].
        framework_index: 0,
        parts: fw
            .roots()
            .map(|r| PartCount {
                id: fw.node(r).id.clone(),
                covered: check.coverage.node(r).leaves_covered,
                assessed: check.assessment.node(r).leaves_assessed,
                total: check.coverage.node(r).leaves_total,
            })
            .collect(),
        indicators: leaves
            .iter()
            .map(|&l| {
                Mark::new(
                    check.coverage.node(l).covered,
                    check.assessment.node(l).assessed,
                )
            })
            .collect(),
        judged: leaves
            .iter()
            .map(|&l| Standing::of(&check.judgements, &check.assessment.node(l).judgements))
            .collect(),
        ready: check
            .judgements
            .iter()
            .filter(|j| !j.superseded && Standing::of_one(j) == Standing::Ready)
            .map(|j| ReadyRequest {
                subject: j.subject(),
                date: j.date.to_string(),
            })
            .collect(),
        covered: check.coverage.leaves_covered(fw),
        assessed: check.assessment.leaves_assessed(fw),
        total: check.coverage.leaves_total(fw),
        evidence_files: check.evidence.len(),
        stale: check
            .judgements
            .iter()
            .filter(|j| !j.superseded && j.state.is_stale())
            .count(),
        errors: check.count(crate::error::diagnostic::Severity::Error),
        warnings: check.count(crate::error::diagnostic::Severity::Warning),
        appointed: deadline.as_ref().map(|d| d.appointed),
        deadline: deadline.and_then(|d| d.deadline),
        at_risk: Vec::new(),
        momentum: crate::tutor::momentum::measure(
            &check.portfolio.root,
            &check.portfolio.evidence_dirs,
            &check.evidence,
            today,
            inactive_after,
        ),
    };
    progress.at_risk = risks(&progress, today);
    each(&check);
    let name = member.name.as_ref().or(check.portfolio.trainee.as_ref());
    (row(name, Reading::Read(Box::new(progress))), Some(key))
}

fn framework_info(fw: &crate::model::framework::Framework) -> FrameworkInfo {
    let parts = fw
        .roots()
        .map(|r| NodeInfo {
            id: fw.node(r).id.clone(),
            title: fw.node(r).title.clone(),
            total: fw.leaves_under(r).len(),
        })
        .collect();
    let indicators = fw
        .leaves()
        .map(|l| {
            let mut root = l;
            while let Some(parent) = fw.node(root).parent {
                root = parent;
            }
            IndicatorInfo {
                id: fw.node(l).id.clone(),
                framework: fw.sections[fw.node(l).section].id.clone(),
                title: fw.node(l).title.clone(),
                part: fw.node(root).id.clone(),
                covered_by: 0,
                assessed_by: 0,
            }
        })
        .collect();
    FrameworkInfo {
        id: fw.ids(),
        title: fw
            .sections
            .iter()
            .map(|s| s.title.as_str())
            .collect::<Vec<_>>()
            .join(" + "),
        parts,
        indicators,
    }
}

fn folder_name(label: &str) -> String {
    let trimmed = label.trim_end_matches(['/', '\\']);
    trimmed
        .rsplit(['/', '\\'])
        .next()
        .filter(|n| !n.is_empty())
        .unwrap_or(label)
        .to_string()
}

/// Where a deadline falls for the cohort's risk rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Band {
    /// Before today.
    Passed,
    /// Today.
    Today,
    /// After today, up to and including [`RISK_MONTHS`] months from today.
    Within,
    /// Later than that.
    Later,
}

/// The band of `deadline` as seen on `today`; the edges are exact days.
pub(crate) fn band(deadline: Date, today: Date) -> Band {
    let edge = today
        .checked_add(jiff::Span::new().months(RISK_MONTHS))
        .unwrap_or(Date::MAX);
    match deadline {
        d if d < today => Band::Passed,
        d if d == today => Band::Today,
        d if d <= edge => Band::Within,
        _ => Band::Later,
    }
}

/// Why a trainee is at risk on `today`: a deadline within [`RISK_MONTHS`] months (or
/// passed) with under half the indicators covered, or a NASENCO portfolio still
/// incomplete on or after 1 September 2027, when a NASENCO course can no longer end in
/// time (SEND Regulations 2014, reg 49(7)(a)).
pub fn risks(row: &Progress, today: Date) -> Vec<String> {
    let mut reasons = Vec::new();
    let complete = row.total > 0 && row.covered == row.total;
    let under_half = row.covered * 2 < row.total;
    if let Some(deadline) = row.deadline {
        match band(deadline, today) {
            Band::Passed if !complete => reasons.push(format!(
                "deadline {deadline} has passed with {} of {} covered",
                row.covered, row.total
            )),
            Band::Today if !complete => reasons.push(format!(
                "deadline {deadline} is today with {} of {} covered",
                row.covered, row.total
            )),
            Band::Within if under_half => reasons.push(format!(
                "deadline {deadline} is within {RISK_MONTHS} months and only {} of {} are covered",
                row.covered, row.total
            )),
            _ => {}
        }
    }
    let nasenco = row.framework.starts_with("nasenco");
    if nasenco && today >= crate::model::deadline::NASENCO_END && !complete {
        reasons.push(
            "NASENCO portfolio incomplete on or after 1 September 2027: a NASENCO course no longer counts; the NPQ for SENCOs is needed".to_string(),
        );
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn row(covered: usize, deadline: Option<&str>, framework: &str) -> Progress {
        Progress {
            framework: framework.into(),
            framework_index: 0,
            parts: Vec::new(),
            indicators: Vec::new(),
            judged: Vec::new(),
            ready: Vec::new(),
            covered,
            assessed: 0,
            total: 49,
            evidence_files: 0,
            stale: 0,
            errors: 0,
            warnings: 0,
            appointed: None,
            deadline: deadline.and_then(|d| d.parse().ok()),
            at_risk: Vec::new(),
            momentum: Default::default(),
        }
    }

    #[test]
    fn risk_needs_a_near_deadline_and_low_coverage() {
        let today = date(2026, 1, 1);
        assert_eq!(
            risks(&row(10, Some("2026-06-30"), "npq-senco-2023"), today).len(),
            1
        );
        assert!(risks(&row(10, Some("2026-07-02"), "npq-senco-2023"), today).is_empty());
        assert!(risks(&row(25, Some("2026-06-30"), "npq-senco-2023"), today).is_empty());
        assert_eq!(
            risks(&row(48, Some("2025-12-31"), "npq-senco-2023"), today).len(),
            1
        );
        assert!(risks(&row(10, None, "npq-senco-2023"), today).is_empty());
    }

    #[test]
    fn nasenco_after_august_2027_is_at_risk_until_complete() {
        assert!(risks(&row(48, None, "nasenco-2014"), date(2027, 8, 31)).is_empty());
        assert_eq!(
            risks(&row(48, None, "nasenco-2014"), date(2027, 9, 1)).len(),
            1
        );
        assert!(risks(&row(49, None, "nasenco-2014"), date(2027, 9, 1)).is_empty());
        assert!(risks(&row(48, None, "npq-senco-2023"), date(2027, 9, 1)).is_empty());
    }

    /// A checked member with `progress`.
    fn read(progress: Progress) -> Row {
        Row {
            name: "Trainee".into(),
            candidate: None,
            path: "trainee".into(),
            reading: Reading::Read(Box::new(progress)),
        }
    }

    fn framework_of(covered_by: &[usize]) -> FrameworkInfo {
        FrameworkInfo {
            id: "fw".into(),
            title: "Fictional framework".into(),
            parts: Vec::new(),
            indicators: covered_by
                .iter()
                .enumerate()
                .map(|(i, &c)| IndicatorInfo {
                    id: format!("X{i}"),
                    framework: "fw".into(),
                    title: format!("Indicator {i}"),
                    part: "X".into(),
                    covered_by: c,
                    assessed_by: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn teach_next_ranks_by_trainees_lacking_and_shows_ties() {
        let trainees: Vec<Row> = (0..4).map(|_| read(row(0, None, "fw"))).collect();
        // Lacked by: X0 2, X1 4, X2 3, X3 4, X4 0 (all have it), X5 3, X6 3, X7 3, X8 1.
        let fw = framework_of(&[2, 0, 1, 0, 4, 1, 1, 1, 3]);
        let s = summarise(&[fw], &trainees);
        let listed: Vec<(&str, usize, usize, usize)> = s
            .teach_next
            .iter()
            .map(|t| (t.id.as_str(), t.lacking, t.rank, t.tied))
            .collect();
        assert_eq!(
            listed,
            [
                ("X1", 4, 1, 2),
                ("X3", 4, 1, 2),
                ("X2", 3, 3, 4),
                ("X5", 3, 3, 4),
                ("X6", 3, 3, 4),
            ]
        );
        assert_eq!(
            s.teach_next_more_tied, 1,
            "X7 shares rank 3 but is not listed"
        );
        assert!(s.teach_next.iter().all(|t| t.of == 4));
    }

    #[test]
    fn teach_next_leaves_out_what_everyone_has() {
        let trainees: Vec<Row> = (0..2).map(|_| read(row(0, None, "fw"))).collect();
        let s = summarise(&[framework_of(&[2, 2, 1])], &trainees);
        assert_eq!(s.teach_next.len(), 1);
        assert_eq!((s.teach_next[0].rank, s.teach_next[0].tied), (1, 1));
        assert_eq!(s.teach_next_more_tied, 0);
    }

    #[test]
    fn deadline_bands_are_exact_at_their_edges() {
        let today = date(2026, 1, 15);
        assert_eq!(band(date(2026, 1, 14), today), Band::Passed);
        assert_eq!(band(today, today), Band::Today);
        assert_eq!(band(date(2026, 1, 16), today), Band::Within);
        assert_eq!(band(date(2026, 7, 15), today), Band::Within);
        assert_eq!(band(date(2026, 7, 16), today), Band::Later);
        let at = |d: &str, covered: usize| risks(&row(covered, Some(d), "npq-senco-2023"), today);
        assert!(
            at("2026-01-15", 10)[0].contains("is today"),
            "{:?}",
            at("2026-01-15", 10)
        );
        assert!(at("2026-01-15", 30)[0].contains("is today"));
        assert!(at("2026-01-15", 49).is_empty(), "complete on the day");
        assert!(at("2026-01-16", 10)[0].contains("within 6 months"));
        assert!(at("2026-07-15", 10)[0].contains("within 6 months"));
        assert!(at("2026-07-16", 10).is_empty());
    }

    #[test]
    fn folder_names() {
        assert_eq!(folder_name("cohort/siân/"), "siân");
        assert_eq!(folder_name("zoe"), "zoe");
    }
}
