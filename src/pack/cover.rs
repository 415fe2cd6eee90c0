//! The cover sheet of each trainee's folder and the pack's index page: plain, valid,
//! accessible HTML (language, headings in order, captioned tables with header scopes),
//! every piece of text escaped.

use super::TraineePart;
use crate::error::diagnostic::Diagnostic;
use crate::model::framework::NodeKind;
use crate::util::text::plural;
use std::fmt::Write;

use crate::render::html::escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:60rem;margin:0 auto;padding:1rem;color:#1a1a1a;background:#fff}\
table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #767676;padding:.25rem .5rem;text-align:left;vertical-align:top}\
caption{font-weight:bold;text-align:left}dt{font-weight:bold}.num{text-align:right}.line{display:inline-block;min-width:18rem;border-bottom:1px solid #1a1a1a}\
.scroll{overflow:auto}.visually-hidden{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;border:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}";

fn page(title: &str, body: &str) -> String {
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n</body>\n</html>\n",
        escape(title)
    );
    crate::render::policy::apply(&html, crate::render::policy::FILES)
}

/// Who the sheet is about, as printed: the candidate number, and the name unless anonymised.
fn identity(part: &TraineePart, anonymise: bool) -> String {
    match (
        &part.candidate,
        part.check.portfolio.trainee.as_deref(),
        anonymise,
    ) {
        (Some(n), _, true) | (Some(n), None, false) => format!("Candidate {n}"),
        (Some(n), Some(name), false) => format!("{name} (candidate {n})"),
        (None, Some(name), false) => name.to_string(),
        (None, _, _) => "Candidate".to_string(),
    }
}

/// `cover.html`: candidate, framework, coverage, privacy findings, word counts and the
/// declaration of authenticity to sign; it links to `portfolio.pdf` when `with_pdf`.
pub(crate) fn cover_html(part: &TraineePart, anonymise: bool, with_pdf: bool) -> String {
    let check = &part.check;
    let fw = &check.framework;
    let summary = crate::report::summary(check);
    let mut b = String::new();
    let who = identity(part, anonymise);
    let _ = writeln!(b, "<h1>Cover sheet: {}</h1>", escape(&who));
    b.push_str("<dl>\n");
    let mut row = |term: &str, value: &str| {
        let _ = writeln!(b, "<dt>{}</dt><dd>{}</dd>", escape(term), escape(value));
    };
    if let Some(n) = &part.candidate {
        row("Candidate number", n);
    }
    if !anonymise && let Some(name) = &check.portfolio.trainee {
        row("Trainee", name);
    }
    row("Portfolio", &check.portfolio.title);
    for section in &fw.sections {
        row(
            "Framework",
            &format!(
                "{} ({}, version {})",
                section.title, section.id, section.version
            ),
        );
    }
    row(
        "Evidence files",
        &format!(
            "{} ({} draft, not counted)",
            summary.evidence_files, summary.drafts
        ),
    );
    if !anonymise {
        row(
            "Git commit",
            part.git_commit.as_deref().unwrap_or("not a git repository"),
        );
    }
    row("Made with", &format!("senco {}", env!("CARGO_PKG_VERSION")));
    b.push_str("</dl>\n");
    // Both sit beside this sheet in the trainee's folder of the pack.
    b.push_str("<nav aria-labelledby=\"read-heading\">\n<h2 id=\"read-heading\">Read the portfolio</h2>\n<ul>\n<li><a href=\"site/index.html\">The portfolio as a site</a>: overview, coverage matrix, a page per outcome and per evidence file</li>\n<li><a href=\"portfolio.html\">The portfolio as one file</a>: everything on one page, to read offline or print</li>\n");
    if with_pdf {
        b.push_str("<li><a href=\"portfolio.pdf\">The portfolio as one PDF</a>: the same file printed, tagged, with bookmarks and page numbers</li>\n");
    }
    b.push_str("</ul>\n</nav>\n");
    coverage_section(&mut b, part);
    privacy_section(&mut b, part);
    words_section(&mut b, part);
    judgements_section(&mut b, part);
    declaration_section(&mut b, part, &who);
    page(&format!("Cover sheet: {who}"), &b)
}

fn coverage_section(b: &mut String, part: &TraineePart) {
    let check = &part.check;
    let fw = &check.framework;
    let summary = crate::report::summary(check);
    let _ = writeln!(
        b,
        "<h2>Coverage</h2>\n<p>{} of {} indicators covered; {} error{}, {} warning{} from <code>senco check</code> (listed in coverage.json).</p>",
        summary.indicators_covered,
        summary.indicators,
        summary.errors,
        plural(summary.errors),
        summary.warnings,
        plural(summary.warnings),
    );
    // One table per framework.
    for (index, section) in fw.sections.iter().enumerate() {
        if index > 0 {
            b.push_str("</tbody>\n</table>\n");
        }
        let _ = writeln!(
            b,
            "<table>\n<caption>Coverage by part and outcome, {}</caption>\n<thead><tr><th scope=\"col\">Id</th><th scope=\"col\">Title</th><th scope=\"col\">Indicators covered</th><th scope=\"col\">Covered</th></tr></thead>\n<tbody>",
            escape(&section.title)
        );
        for id in section.nodes.clone() {
            coverage_row(b, check, id);
        }
    }
    b.push_str("</tbody>\n</table>\n");
}

fn coverage_row(b: &mut String, check: &crate::Check, id: usize) {
    let node = check.framework.node(id);
    if node.kind == NodeKind::Indicator && node.parent.is_some() {
        return;
    }
    let cov = check.coverage.node(id);
    let _ = writeln!(
        b,
        "<tr><th scope=\"row\">{}</th><td>{}</td><td class=\"num\">{} of {}</td><td>{}</td></tr>",
        escape(&node.id),
        escape(&node.title),
        cov.leaves_covered,
        cov.leaves_total,
        if cov.covered { "yes" } else { "no" }
    );
}

fn findings_table(b: &mut String, caption: &str, findings: &[(&str, &Diagnostic)]) {
    let _ = writeln!(
        b,
        "<table>\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">File</th><th scope=\"col\">Line</th><th scope=\"col\">Check</th><th scope=\"col\">Finding</th><th scope=\"col\">Status</th></tr></thead>\n<tbody>",
        escape(caption)
    );
    for (status, d) in findings {
        let at = match (d.line, d.column) {
            (Some(l), Some(c)) => format!("{l}:{c}"),
            (Some(l), None) => l.to_string(),
            _ => String::new(),
        };
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(d.file.as_deref().unwrap_or("")),
            escape(&at),
            escape(d.code.as_str()),
            escape(&d.message),
            escape(status)
        );
    }
    b.push_str("</tbody>\n</table>\n");
}

fn privacy_section(b: &mut String, part: &TraineePart) {
    b.push_str("<h2>Privacy</h2>\n");
    let allowed = part.allowed_findings.len();
    let silenced = part.check.silenced.len();
    let warnings = part.privacy_warnings.len();
    if allowed > 0 {
        let _ = writeln!(
            b,
            "<p><strong>Packed with --allow-findings:</strong> the privacy lint found {allowed} error{} that {} not fixed.</p>",
            plural(allowed),
            if allowed == 1 { "was" } else { "were" }
        );
    } else {
        b.push_str("<p>The privacy lint found no errors (no verified pupil numbers, no listed real names).</p>\n");
    }
    let _ = writeln!(
        b,
        "<p>{warnings} privacy warning{} outstanding; {silenced} finding{} silenced by the trainee with an allow marker.</p>",
        plural(warnings),
        plural(silenced)
    );
    let mut rows: Vec<(&str, &Diagnostic)> = Vec::new();
    rows.extend(part.allowed_findings.iter().map(|d| ("error, allowed", d)));
    rows.extend(part.privacy_warnings.iter().map(|d| ("warning", d)));
    rows.extend(part.check.silenced.iter().map(|d| ("silenced", d)));
    if !rows.is_empty() {
        rows.sort_by(|a, b| a.1.sort_key().cmp(&b.1.sort_key()));
        findings_table(b, "Privacy findings", &rows);
    }
}

fn words_section(b: &mut String, part: &TraineePart) {
    let table = crate::check::words::table(&part.check.portfolio.rules, &part.check.evidence);
    let limit = |l: Option<usize>| l.map_or_else(|| "none".to_string(), |l| l.to_string());
    let _ = writeln!(
        b,
        "<h2>Word counts</h2>\n<p>{} words in all. Front matter, code, block quotes and References sections are not counted.</p>",
        table.total
    );
    b.push_str("<table>\n<caption>Words by type of evidence</caption>\n<thead><tr><th scope=\"col\">Type</th><th scope=\"col\">Files</th><th scope=\"col\">Words</th><th scope=\"col\">Limit per file</th><th scope=\"col\">Files over the limit</th></tr></thead>\n<tbody>\n");
    for t in &table.types {
        let _ = writeln!(
            b,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&t.kind),
            t.files,
            t.words,
            limit(t.limit),
            t.over_limit
        );
    }
    b.push_str("</tbody>\n</table>\n");
    b.push_str("<table>\n<caption>Words by evidence file</caption>\n<thead><tr><th scope=\"col\">File</th><th scope=\"col\">Title</th><th scope=\"col\">Type</th><th scope=\"col\">Words</th><th scope=\"col\">Limit</th></tr></thead>\n<tbody>\n");
    for f in &table.files {
        let over = if f.over_limit { " (over)" } else { "" };
        let _ = writeln!(
            b,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td class=\"num\">{}{over}</td><td class=\"num\">{}</td></tr>",
            escape(&f.path),
            escape(&f.title),
            escape(&f.kind),
            f.words,
            limit(f.limit)
        );
    }
    b.push_str("</tbody>\n</table>\n");
}

/// Assessor judgements with their state: a stale one means the evidence changed after
/// it was judged, which a moderator must see.
fn judgements_section(b: &mut String, part: &TraineePart) {
    let judgements: Vec<_> = part
        .check
        .judgements
        .iter()
        .filter(|j| !j.superseded)
        .collect();
    b.push_str("<h2>Assessor judgements</h2>\n");
    if judgements.is_empty() {
        b.push_str("<p>No judgements recorded.</p>\n");
        return;
    }
    b.push_str("<table>\n<caption>Current judgements and their state</caption>\n<thead><tr><th scope=\"col\">Evidence</th><th scope=\"col\">Outcome</th><th scope=\"col\">Judgement</th><th scope=\"col\">Assessor</th><th scope=\"col\">Date</th><th scope=\"col\">State</th></tr></thead>\n<tbody>\n");
    for j in judgements {
        let state = match j.state {
            crate::check::judgement::State::Current => "current".to_string(),
            crate::check::judgement::State::Stale(_) => {
                "stale: the evidence changed after this judgement".to_string()
            }
        };
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(j.evidence.as_deref().unwrap_or("–")),
            escape(j.outcome.as_deref().unwrap_or("–")),
            escape(j.judgement.as_str()),
            escape(&j.assessor),
            j.date,
            escape(&state)
        );
    }
    b.push_str("</tbody>\n</table>\n");
}

fn declaration_section(b: &mut String, part: &TraineePart, who: &str) {
    let fw = &part.check.framework;
    let _ = writeln!(
        b,
        "<h2>Declaration of authenticity</h2>\n<p>I, {}, confirm that the evidence in this portfolio for {} is my own work, that the work of others is acknowledged, and that children, families and colleagues are referred to by pseudonyms only.</p>\n<p>Signed: <span class=\"line\" role=\"presentation\"></span></p>\n<p>Date: <span class=\"line\" role=\"presentation\"></span></p>",
        escape(who),
        escape(&fw.title)
    );
}

/// `index.html` at the root of the pack: one row per trainee, linking to their cover sheet.
pub(crate) fn index_html(parts: &[TraineePart], anonymise: bool) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "<h1>Assessment pack</h1>\n<p>{} portfolio{}. Check this pack is unchanged with <code>senco verify</code>.</p>",
        parts.len(),
        plural(parts.len())
    );
    b.push_str("<table>\n<caption>Portfolios in this pack</caption>\n<thead><tr><th scope=\"col\">Candidate</th><th scope=\"col\">Framework</th><th scope=\"col\">Indicators covered</th><th scope=\"col\">Privacy findings allowed</th></tr></thead>\n<tbody>\n");
    for part in parts {
        let summary = crate::report::summary(&part.check);
        let _ = writeln!(
            b,
            "<tr><th scope=\"row\"><a href=\"{}/cover.html\">{}</a></th><td>{}</td><td class=\"num\">{} of {}</td><td class=\"num\">{}</td></tr>",
            escape(&part.folder),
            escape(&identity(part, anonymise)),
            escape(&part.check.framework.ids()),
            summary.indicators_covered,
            summary.indicators,
            part.allowed_findings.len()
        );
    }
    b.push_str("</tbody>\n</table>\n");
    if parts.len() > 1 {
        cohort_matrix(&mut b, parts, anonymise);
    }
    page("Assessment pack", &b)
}

/// The cohort matrix of a pack: for each framework in it, trainees against indicators,
/// each cell a symbol and words (covered, assessed), so it reads without colour.
fn cohort_matrix(b: &mut String, parts: &[TraineePart], anonymise: bool) {
    let mut frameworks: Vec<&crate::model::framework::Framework> = Vec::new();
    // Portfolios are grouped by the whole list of frameworks, so node positions agree.
    for part in parts {
        if !frameworks
            .iter()
            .any(|f| f.ids() == part.check.framework.ids())
        {
            frameworks.push(&part.check.framework);
        }
    }
    b.push_str("<h2>Cohort matrix</h2>\n<p>✓ covered, ★ covered and assessed by a current judgement; blank: not covered.</p>\n");
    // One table per framework, each in its own section.
    let tables = frameworks
        .iter()
        .flat_map(|fw| (0..fw.sections.len()).map(move |s| (*fw, s)));
    for (fw, section) in tables {
        let info = &fw.sections[section];
        let leaves: Vec<usize> = info
            .nodes
            .clone()
            .filter(|&n| fw.node(n).is_leaf())
            .collect();
        let _ = writeln!(
            b,
            "<div class=\"scroll\" role=\"region\" aria-label=\"{} matrix\" tabindex=\"0\"><table>\n<caption>Candidates against indicators, {}</caption>\n<thead><tr><th scope=\"col\">Candidate</th>",
            escape(&info.id),
            escape(&info.title)
        );
        for &leaf in &leaves {
            let n = fw.node(leaf);
            let _ = write!(
                b,
                "<th scope=\"col\"><abbr title=\"{}\">{}</abbr></th>",
                escape(&n.title),
                escape(&n.id)
            );
        }
        b.push_str("</tr></thead>\n<tbody>\n");
        for part in parts.iter().filter(|p| p.check.framework.ids() == fw.ids()) {
            let _ = write!(
                b,
                "<tr><th scope=\"row\">{}</th>",
                escape(&identity(part, anonymise))
            );
            for &leaf in &leaves {
                let covered = part.check.coverage.node(leaf).covered;
                let assessed = part.check.assessment.node(leaf).assessed;
                let (symbol, words) = match (covered, assessed) {
                    (true, true) => ("★", "covered and assessed"),
                    (true, false) => ("✓", "covered"),
                    (false, true) => ("☆", "assessed, evidence short"),
                    (false, false) => ("", "not covered"),
                };
                let id = &fw.node(leaf).id;
                let _ = write!(
                    b,
                    "<td><span aria-hidden=\"true\">{symbol}</span><span class=\"visually-hidden\">{}: {words}</span></td>",
                    escape(id)
                );
            }
            b.push_str("</tr>\n");
        }
        b.push_str("</tbody>\n</table></div>\n");
    }
}
