//! The data each page template receives, and rendering one page.
//!
//! Templates see plain serialisable structs (documented in the guide's theming page);
//! every string in them is escaped by Tera except the `*_html` fields, which are
//! sanitised Markdown.

use super::html::{self, Context as HtmlContext};
use super::site::{SiteMap, encode_path, outcome_path};
use super::theme::Theme;
use crate::check::Check;
use crate::check::evidence::{self, TagSource};
use crate::check::frontmatter::{self, Split};
use crate::check::judgement::{Judgement, StaleReason, Standing};
use crate::error::diagnostic::{Diagnostic, Severity};
use crate::error::{Code, ErrorKind, FatalError};
use crate::model::evidence_type::EvidenceType;
use crate::model::framework::{Framework, NodeKind};
use crate::util::text::percent;
use serde::Serialize;

/// What every page shows: the portfolio, the framework, the tool.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Common {
    /// The portfolio's title.
    pub title: String,
    /// The trainee's name, if portfolio.toml gives it.
    pub trainee: Option<String>,
    pub(crate) framework_id: String,
    pub(crate) framework_title: String,
    pub(crate) framework_version: String,
    pub(crate) framework_source: String,
    /// Every framework of the portfolio, in order (the fields above name the first).
    pub frameworks: Vec<FrameworkLabel>,
    /// `senco VERSION`, for the pages' generator meta tag.
    pub generator: String,
    pub(crate) has_diagnostics: bool,
    /// Whether the site has progress.html (a `senco build` of a git repository).
    pub(crate) has_progress: bool,
    /// The statutory deadline, when the portfolio records an appointment date.
    pub deadline: Option<crate::model::deadline::Deadline>,
    pub(crate) leaf_noun: &'static str,
}

/// A framework as page headers name it.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct FrameworkLabel {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its version.
    pub version: String,
}

impl Common {
    /// What every page of `check`'s site shows.
    pub fn new(check: &Check) -> Common {
        let fw = &check.framework;
        let all_indicators = fw.leaves().all(|l| fw.node(l).kind == NodeKind::Indicator);
        Common {
            title: check.portfolio.title.clone(),
            trainee: check.portfolio.trainee.clone(),
            framework_id: fw.id.clone(),
            framework_title: fw.title.clone(),
            framework_version: fw.version.clone(),
            framework_source: fw.source.clone(),
            frameworks: fw
                .sections
                .iter()
                .map(|s| FrameworkLabel {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    version: s.version.clone(),
                })
                .collect(),
            generator: format!("senco {}", env!("CARGO_PKG_VERSION")),
            has_diagnostics: !check.diagnostics.is_empty(),
            has_progress: false,
            deadline: check.deadline(),
            leaf_noun: if all_indicators { "indicator" } else { "area" },
        }
    }
}

#[derive(Serialize)]
struct Page<'a, T: Serialize> {
    site: &'a Common,
    /// Relative prefix back to the site root.
    root: String,
    /// Which navigation entry is current.
    nav: &'static str,
    page_title: String,
    #[serde(flatten)]
    data: T,
}

/// Renders `page` with the theme's `template`. Each form of the page is dropped as soon
/// as the next is made: the matrix of a large portfolio is tens of megabytes in each
/// (its data, the template context, the HTML), and a build's peak memory is theirs.
fn render<T: Serialize>(
    theme: &Theme,
    template: &str,
    page: Page<'_, T>,
) -> Result<String, FatalError> {
    let context = tera::Context::from_serialize(&page).map_err(|e| {
        FatalError::invalid(format!("cannot prepare page data for {template}: {e}"))
    })?;
    drop(page);
    let html = theme.tera.render(template, &context).map_err(|e| {
        FatalError::invalid(format!("theme template {template} failed: {e}")).with_help(
            "fix the template in your theme/ folder, or remove it to use the built-in one",
        )
    })?;
    drop(context);
    Ok(super::policy::apply(&html, super::policy::FILES))
}

#[derive(Serialize)]
struct OutcomeLink {
    id: String,
    title: String,
    href: String,
}

fn outcome_link(fw: &Framework, node: usize, up: &str) -> OutcomeLink {
    let n = fw.node(node);
    OutcomeLink {
        id: n.id.clone(),
        title: n.title.clone(),
        href: format!("{up}{}", encode_path(&outcome_path(fw, node))),
    }
}

// ---------------------------------------------------------------- judgements

/// Where something stands with its assessors, as a template shows it: a class for the
/// colour, and always the words and a symbol too.
#[derive(Debug, Clone, Copy, Serialize)]
pub(crate) struct StandingView {
    class: &'static str,
    words: &'static str,
    symbol: &'static str,
}

impl From<Standing> for StandingView {
    fn from(standing: Standing) -> StandingView {
        StandingView {
            class: standing.as_str(),
            words: standing.words(),
            symbol: standing.symbol(),
        }
    }
}

/// The standing of framework node `node`: from the latest judgements that apply to a
/// leaf, rolled up from its children's for a node with children.
pub(crate) fn node_standing(check: &Check, node: usize) -> Option<StandingView> {
    check.assessment.node(node).standing.map(Into::into)
}

/// One judgement as a page lists it.
#[derive(Serialize)]
pub(crate) struct JudgementView {
    standing: StandingView,
    /// The verdict as given, in words, also once it went stale.
    verdict: &'static str,
    stale: bool,
    /// The evidence is gone (renamed or deleted), rather than changed.
    missing: bool,
    outcome: Option<OutcomeLink>,
    evidence: Option<EvidenceRef>,
    assessor: String,
    date: String,
    comment: String,
}

#[derive(Serialize)]
struct EvidenceRef {
    title: String,
    path: String,
    /// `None` when the file is no longer in the portfolio.
    href: Option<String>,
}

fn judgement_view(check: &Check, site: &SiteMap, j: &Judgement, up: &str) -> JudgementView {
    let evidence = j.evidence.as_ref().map(|path| {
        let found = check
            .evidence
            .binary_search_by(|e| e.path.as_str().cmp(path))
            .ok();
        EvidenceRef {
            title: found.map_or_else(|| path.clone(), |i| check.evidence[i].title.clone()),
            path: path.clone(),
            href: found.map(|i| format!("{up}{}", encode_path(site.evidence_page(i)))),
        }
    });
    JudgementView {
        standing: Standing::of_one(j).into(),
        verdict: Standing::from(j.judgement).words(),
        stale: j.state.is_stale(),
        missing: j.state.stale_reason() == Some(StaleReason::Missing),
        outcome: j
            .outcome_node
            .map(|n| outcome_link(&check.framework, n, up)),
        evidence,
        assessor: j.assessor.clone(),
        date: j.date.to_string(),
        comment: j.comment.clone(),
    }
}

impl JudgementView {
    /// The same judgement as the single file lists it: its links in-page anchors (the
    /// view must have been made for a page at the site's root).
    pub(crate) fn in_single_file(mut self) -> JudgementView {
        // The anchors are made from the page paths as they are, not as URLs encode them.
        let anchor = |href: &str| {
            format!(
                "#{}",
                html::single_anchor(&super::site::percent_decode(href))
            )
        };
        if let Some(outcome) = &mut self.outcome {
            outcome.href = anchor(&outcome.href);
        }
        if let Some(href) = self.evidence.as_mut().and_then(|e| e.href.as_mut()) {
            *href = anchor(href);
        }
        self
    }
}

/// The latest judgements on evidence file `index`, oldest first, as a page `up` from the
/// site's root lists them.
pub(crate) fn evidence_judgements(
    check: &Check,
    site: &SiteMap,
    index: usize,
    up: &str,
) -> Vec<JudgementView> {
    let path = check.evidence[index].path.as_str();
    judgement_views(
        check,
        site,
        latest_where(check, |j| j.evidence.as_deref() == Some(path)),
        up,
    )
}

/// The indices of the judgements in force (not superseded) that `keep` accepts.
fn latest_where<'a>(
    check: &'a Check,
    keep: impl Fn(&crate::check::judgement::Judgement) -> bool + 'a,
) -> impl Iterator<Item = usize> + 'a {
    check
        .judgements
        .iter()
        .enumerate()
        .filter(move |(_, j)| !j.superseded && keep(j))
        .map(|(i, _)| i)
}

/// The latest judgement `judgements[i]` for each `i`, as listed on a page.
fn judgement_views(
    check: &Check,
    site: &SiteMap,
    indices: impl IntoIterator<Item = usize>,
    up: &str,
) -> Vec<JudgementView> {
    indices
        .into_iter()
        .map(|i| judgement_view(check, site, &check.judgements[i], up))
        .collect()
}

/// The judgements in force on evidence file `index`, oldest first, as the single file
/// shows them: each outcome linked to its anchor there.
pub(crate) fn single_judgements(check: &Check, site: &SiteMap, index: usize) -> Vec<JudgementView> {
    evidence_judgements(check, site, index, "")
        .into_iter()
        .map(JudgementView::in_single_file)
        .collect()
}

// ---------------------------------------------------------------- evidence pages

#[derive(Serialize)]
struct EvidenceData {
    path: String,
    title: String,
    date: Option<String>,
    kind: Option<EvidenceType>,
    words: usize,
    draft: bool,
    outcomes: Vec<OutcomeLink>,
    body_html: String,
    readable: bool,
    /// The reflective model the file follows, with its stages as the page's outline.
    model: Option<ModelOutline>,
    /// The latest judgements on this file, oldest first.
    judgements: Vec<JudgementView>,
}

#[derive(Serialize)]
struct ModelOutline {
    name: String,
    stages: Vec<StageLink>,
}

#[derive(Serialize)]
struct StageLink {
    stage: String,
    /// The anchor of the stage's heading on this page; `None` when the file lacks it.
    href: Option<String>,
    sentences: usize,
    thin: bool,
}

fn model_outline(e: &crate::check::evidence::Evidence) -> Option<ModelOutline> {
    let model = crate::model::reflective::find(e.model.as_deref()?)?;
    Some(ModelOutline {
        name: model.name.clone(),
        stages: e
            .stages
            .iter()
            .map(|s| StageLink {
                stage: s.stage.clone(),
                href: s
                    .heading
                    .as_deref()
                    .map(|h| format!("#{}", crate::util::text::slug(h))),
                sentences: s.sentences,
                thin: s.thin,
            })
            .collect(),
    })
}

/// Renders one evidence page; returns the HTML and what it links to.
pub fn evidence_page(
    check: &Check,
    common: &Common,
    theme: &Theme,
    site: &SiteMap,
    index: usize,
) -> Result<(String, html::Links), FatalError> {
    let e = &check.evidence[index];
    let page = site.evidence_page(index);
    let up = site.up(page);
    let rendered = evidence_body(check, site, index, page, html::Mode::Site)?;
    let data = EvidenceData {
        path: e.path.clone(),
        title: e.title.clone(),
        date: e.date.map(|d| d.to_string()),
        kind: e.kind,
        words: e.words,
        draft: e.draft,
        outcomes: e
            .outcome_nodes()
            .into_iter()
            .map(|n| outcome_link(&check.framework, n, &up))
            .collect(),
        body_html: rendered.html,
        readable: e.readable,
        model: model_outline(e),
        judgements: evidence_judgements(check, site, index, &up),
    };
    let html = render(
        theme,
        "evidence.html",
        Page {
            site: common,
            root: up,
            nav: "evidence",
            page_title: e.title.clone(),
            data,
        },
    )?;
    Ok((html, rendered.links))
}

/// An evidence file's body, read again from disk and rendered for `page` with its tag
/// anchors: the one place the site and the single-file portfolio get evidence HTML from.
/// `mode` says whether for the site or the single file. Fails if the
/// file changed since the check read it (an editor saving it mid-build): its title,
/// tags and anchors come from the check, and the page would mix two versions.
pub(crate) fn evidence_body(
    check: &Check,
    site: &SiteMap,
    index: usize,
    page: &str,
    mode: html::Mode<'_>,
) -> Result<html::Rendered, FatalError> {
    file_body(check, site, &check.evidence[index], page, mode, None, true)
}

/// The prefix of the ids of a commentary's HTML on its outcome's page.
pub(crate) const COMMENTARY_IDS: &str = "commentary";

/// The commentary on `node`, if it has one, rendered for `page` (its ids prefixed in
/// the site, as the page has ids of its own), and the file it comes from.
pub(crate) fn commentary_body<'c>(
    check: &'c Check,
    site: &SiteMap,
    node: usize,
    page: &str,
    mode: html::Mode<'_>,
) -> Result<Option<(html::Rendered, &'c evidence::Evidence)>, FatalError> {
    let Ok(i) = check.commentary.binary_search_by_key(&node, |c| c.node) else {
        return Ok(None);
    };
    let file = &check.commentary[i].file;
    let ids = matches!(mode, html::Mode::Site).then_some(COMMENTARY_IDS);
    let rendered = file_body(check, site, file, page, mode, ids, false)?;
    Ok(Some((rendered, file)))
}

/// The body of `e` (an evidence or commentary file) read again and rendered: see
/// [`evidence_body`]. `anchors`: whether its tags carry their anchors.
fn file_body(
    check: &Check,
    site: &SiteMap,
    e: &evidence::Evidence,
    page: &str,
    mode: html::Mode<'_>,
    ids: Option<&str>,
    anchors: bool,
) -> Result<html::Rendered, FatalError> {
    let bytes = evidence::read_file(&site.root().join(&e.path)).ok();
    if bytes.as_deref().map(crate::util::hash::fingerprint) != e.fingerprint {
        return Err(FatalError::new(
            ErrorKind::Io,
            format!(
                "{} changed while senco was reading it: the pages would mix two versions of it",
                e.path
            ),
        )
        .with_help("run the command again once the file is saved"));
    }
    let (body, first_line) = body_of(bytes.as_deref().unwrap_or_default());
    Ok(html::render(
        &body,
        &HtmlContext {
            framework: &check.framework,
            site,
            source: &e.path,
            page,
            links: &e.links,
            mode,
            anchors,
            title: Some(&e.title),
            first_line,
            notes: &check.evidence,
            hard_breaks: check.settings.hard_breaks,
            embedding: &[],
            ids,
        },
    ))
}

/// The Markdown body of evidence file `e` (an embed's source) and the line it starts
/// on; `None` if it cannot be read, or changed since the check read it.
pub(crate) fn note_body(root: &std::path::Path, e: &evidence::Evidence) -> Option<(String, usize)> {
    let bytes = evidence::read_file(&root.join(&e.path)).ok()?;
    (Some(crate::util::hash::fingerprint(&bytes)) == e.fingerprint).then(|| body_of(&bytes))
}

/// The Markdown body of an evidence file and the line it starts on. Unreadable or
/// non-text files give an empty body: the check already reported them.
fn body_of(bytes: &[u8]) -> (String, usize) {
    if bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
    {
        return (String::new(), 1);
    }
    let text = String::from_utf8_lossy(bytes);
    let text = crate::util::text::without_bom(&text);
    match frontmatter::split(text) {
        Split::Found { body, .. } => {
            let first_line = text[..body.start].matches('\n').count() + 1;
            (text[body].to_string(), first_line)
        }
        _ => (text.to_string(), 1),
    }
}

// ---------------------------------------------------------------- outcome pages

#[derive(Serialize)]
struct Quote {
    passage_html: String,
    href: String,
    line: usize,
}

#[derive(Serialize)]
struct EvidenceForOutcome {
    title: String,
    href: String,
    date: Option<String>,
    kind: Option<EvidenceType>,
    draft: bool,
    quotes: Vec<Quote>,
}

#[derive(Serialize)]
struct ChildStatus {
    id: String,
    title: String,
    href: String,
    covered: bool,
    count: usize,
    assessed: bool,
    standing: Option<StandingView>,
}

#[derive(Serialize)]
struct OutcomeData {
    id: String,
    kind: &'static str,
    title: String,
    text: Option<String>,
    description: Option<String>,
    breadcrumb: Vec<OutcomeLink>,
    covered: bool,
    count: usize,
    needed: usize,
    is_leaf: bool,
    leaves_covered: usize,
    leaves_total: usize,
    children: Vec<ChildStatus>,
    evidence: Vec<EvidenceForOutcome>,
    assessed: bool,
    leaves_assessed: usize,
    standing: Option<StandingView>,
    /// The latest judgements that apply to this node, oldest first.
    judgements: Vec<JudgementView>,
    /// The trainee's commentary on this node, if they wrote one.
    commentary: Option<CommentaryView>,
}

/// A commentary as a page shows it.
#[derive(Serialize)]
pub(crate) struct CommentaryView {
    /// Its file, relative to the portfolio.
    path: String,
    title: String,
    words: usize,
    /// The sanitised HTML of its body.
    body_html: String,
}

impl CommentaryView {
    fn new(rendered: html::Rendered, file: &evidence::Evidence) -> (CommentaryView, html::Links) {
        let view = CommentaryView {
            path: file.path.clone(),
            title: file.title.clone(),
            words: file.words,
            body_html: rendered.html,
        };
        (view, rendered.links)
    }
}

/// The commentary on `node` as `page` shows it, and what it links to.
pub(crate) fn commentary_view(
    check: &Check,
    site: &SiteMap,
    node: usize,
    page: &str,
    mode: html::Mode<'_>,
) -> Result<Option<(CommentaryView, html::Links)>, FatalError> {
    Ok(commentary_body(check, site, node, page, mode)?
        .map(|(rendered, file)| CommentaryView::new(rendered, file)))
}

/// Renders the page of one framework node, quoting every tagged passage; returns the
/// HTML and what the passages link to.
pub(crate) fn outcome_page(
    check: &Check,
    common: &Common,
    theme: &Theme,
    site: &SiteMap,
    node: usize,
) -> Result<(String, html::Links), FatalError> {
    let fw = &check.framework;
    let n = fw.node(node);
    let page = outcome_path(fw, node);
    let up = site.up(&page);
    let cov = check.coverage.node(node);
    let mut breadcrumb = Vec::new();
    let mut parent = n.parent;
    while let Some(p) = parent {
        breadcrumb.push(outcome_link(fw, p, &up));
        parent = fw.node(p).parent;
    }
    breadcrumb.reverse();
    let children = n
        .children
        .iter()
        .map(|&c| {
            let link = outcome_link(fw, c, &up);
            let ccov = check.coverage.node(c);
            ChildStatus {
                id: link.id,
                title: link.title,
                href: link.href,
                covered: ccov.covered,
                count: ccov.evidence.len(),
                assessed: check.assessment.node(c).assessed,
                standing: node_standing(check, c),
            }
        })
        .collect();
    let mut links = html::Links::default();
    let commentary = match commentary_view(check, site, node, &page, html::Mode::Site)? {
        Some((view, linked)) => {
            links.extend(linked);
            Some(view)
        }
        None => None,
    };
    let mut evidence = Vec::new();
    // Drafts are quoted too (marked as drafts) so the trainee sees them; they do not count.
    for (i, e) in check.evidence.iter().enumerate() {
        let tags: Vec<_> = e.tags.iter().filter(|t| t.node == node).collect();
        if tags.is_empty() {
            continue;
        }
        let evidence_page = site.evidence_page(i);
        let href = format!("{up}{}", encode_path(evidence_page));
        let mut quotes = Vec::new();
        for tag in tags {
            let (markdown, anchor) = match (tag.source, &tag.passage, tag.inline_index) {
                (TagSource::Inline, Some(p), Some(k)) => (p.as_str(), format!("tag-{k}")),
                _ => (e.opening.as_deref().unwrap_or(""), "opening".to_string()),
            };
            let rendered = html::render(
                markdown,
                &HtmlContext {
                    framework: fw,
                    site,
                    source: &e.path,
                    page: &page,
                    links: &e.links,
                    mode: html::Mode::Site,
                    anchors: false,
                    title: None,
                    first_line: tag.line,
                    notes: &check.evidence,
                    hard_breaks: check.settings.hard_breaks,
                    embedding: &[],
                    ids: None,
                },
            );
            links.extend(rendered.links);
            quotes.push(Quote {
                passage_html: rendered.html,
                href: format!("{href}#{anchor}"),
                line: tag.line,
            });
        }
        evidence.push(EvidenceForOutcome {
            title: e.title.clone(),
            href,
            date: e.date.map(|d| d.to_string()),
            kind: e.kind,
            draft: e.draft,
            quotes,
        });
    }
    let data = OutcomeData {
        id: n.id.clone(),
        kind: n.kind.as_str(),
        title: n.title.clone(),
        text: n.text.clone(),
        description: n.description.clone(),
        breadcrumb,
        covered: cov.covered,
        count: cov.evidence.len(),
        needed: check.coverage.min_evidence,
        is_leaf: n.is_leaf(),
        leaves_covered: cov.leaves_covered,
        leaves_total: cov.leaves_total,
        children,
        evidence,
        assessed: check.assessment.node(node).assessed,
        leaves_assessed: check.assessment.node(node).leaves_assessed,
        standing: node_standing(check, node),
        judgements: judgement_views(
            check,
            site,
            check.assessment.node(node).judgements.iter().copied(),
            &up,
        ),
        commentary,
    };
    let html = render(
        theme,
        "outcome.html",
        Page {
            site: common,
            root: up,
            nav: "outcomes",
            page_title: format!("{} {}", n.id, short(&n.title)),
            data,
        },
    )?;
    Ok((html, links))
}

fn short(text: &str) -> String {
    let t = text.trim_end_matches([';', ':', '.', ',']);
    if t.chars().count() <= 70 {
        return t.to_string();
    }
    let cut: String = t.chars().take(69).collect();
    format!("{}…", cut.trim_end())
}

// ---------------------------------------------------------------- index

#[derive(Serialize)]
pub(crate) struct TreeNode {
    /// The framework node.
    #[serde(skip)]
    pub(crate) node: usize,
    pub(crate) id: String,
    kind: &'static str,
    title: String,
    pub(crate) href: String,
    covered: bool,
    leaf: bool,
    count: usize,
    leaves_covered: usize,
    leaves_total: usize,
    percent: usize,
    assessed: bool,
    leaves_assessed: usize,
    standing: Option<StandingView>,
    /// The passages that tag it (only in the single file, which has room to link them).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) passages: Vec<PassageRef>,
    /// The trainee's commentary on it (only in the single file; the site shows it on
    /// the node's own page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) commentary: Option<CommentaryView>,
    pub(crate) children: Vec<TreeNode>,
}

/// A link to one tagged passage.
#[derive(Serialize)]
pub(crate) struct PassageRef {
    pub(crate) title: String,
    pub(crate) href: String,
    pub(crate) line: usize,
    pub(crate) draft: bool,
}

#[derive(Serialize)]
struct Chart {
    id: String,
    label: String,
    covered: usize,
    total: usize,
    percent: usize,
    /// Width of the covered bar out of 300 SVG units.
    width: usize,
}

#[derive(Serialize)]
struct EvidenceRow {
    title: String,
    href: String,
    date: Option<String>,
    kind: Option<EvidenceType>,
    words: usize,
    draft: bool,
    outcomes: usize,
}

#[derive(Serialize)]
struct IndexData {
    covered: usize,
    total: usize,
    percent: usize,
    evidence_count: usize,
    charts: Vec<Chart>,
    /// One per framework; `several` when there is more than one.
    sections: Vec<SiteSection>,
    several: bool,
    evidence: Vec<EvidenceRow>,
    errors: usize,
    warnings: usize,
    assessed: usize,
    assessed_percent: usize,
    /// Judgements in force that went stale.
    stale: usize,
    /// Current requests for assessment, oldest first: what the tutor is asked to read.
    ready: Vec<JudgementView>,
}

/// One framework's part of a page.
#[derive(Serialize)]
struct SiteSection {
    id: String,
    slug: String,
    title: String,
    version: String,
    text: Option<String>,
    covered: usize,
    total: usize,
    tree: Vec<TreeNode>,
}

fn site_section(check: &Check, index: usize) -> SiteSection {
    let fw = &check.framework;
    let section = &fw.sections[index];
    let roots: Vec<usize> = fw.section_roots(index).collect();
    SiteSection {
        id: section.id.clone(),
        slug: crate::util::text::slug(&section.id),
        title: section.title.clone(),
        version: section.version.clone(),
        text: section.text.clone(),
        covered: roots
            .iter()
            .map(|&r| check.coverage.node(r).leaves_covered)
            .sum(),
        total: roots
            .iter()
            .map(|&r| check.coverage.node(r).leaves_total)
            .sum(),
        tree: roots.iter().map(|&r| tree(check, r, "")).collect(),
    }
}

pub(crate) fn tree(check: &Check, node: usize, up: &str) -> TreeNode {
    let fw = &check.framework;
    let n = fw.node(node);
    let cov = check.coverage.node(node);
    TreeNode {
        node,
        id: n.id.clone(),
        kind: n.kind.as_str(),
        title: n.title.clone(),
        href: format!("{up}{}", encode_path(&outcome_path(fw, node))),
        covered: cov.covered,
        leaf: n.is_leaf(),
        count: cov.evidence.len(),
        leaves_covered: cov.leaves_covered,
        leaves_total: cov.leaves_total,
        percent: percent(cov.leaves_covered, cov.leaves_total),
        assessed: check.assessment.node(node).assessed,
        leaves_assessed: check.assessment.node(node).leaves_assessed,
        standing: node_standing(check, node),
        passages: Vec::new(),
        commentary: None,
        children: n.children.iter().map(|&c| tree(check, c, up)).collect(),
    }
}

pub(crate) fn index_page(
    check: &Check,
    common: &Common,
    theme: &Theme,
    site: &SiteMap,
) -> Result<String, FatalError> {
    let fw = &check.framework;
    let roots: Vec<usize> = fw.roots().collect();
    let grouped = roots.iter().any(|&r| !fw.node(r).is_leaf());
    let charts = if grouped {
        roots
            .iter()
            .map(|&r| {
                let n = fw.node(r);
                let c = check.coverage.node(r);
                let label = if n.kind == NodeKind::Part {
                    format!("Part {}: {}", n.id, n.title)
                } else {
                    format!("{} {}", n.id, short(&n.title))
                };
                chart(&n.id, label, c.leaves_covered, c.leaves_total)
            })
            .collect()
    } else {
        vec![chart(
            "all",
            format!("All {}s", common.leaf_noun),
            check.coverage.leaves_covered(fw),
            check.coverage.leaves_total(fw),
        )]
    };
    let evidence = check
        .evidence
        .iter()
        .enumerate()
        .map(|(i, e)| EvidenceRow {
            title: e.title.clone(),
            href: encode_path(site.evidence_page(i)),
            date: e.date.map(|d| d.to_string()),
            kind: e.kind,
            words: e.words,
            draft: e.draft,
            outcomes: e.outcome_nodes().len(),
        })
        .collect();
    let covered = check.coverage.leaves_covered(fw);
    let total = check.coverage.leaves_total(fw);
    let data = IndexData {
        covered,
        total,
        percent: percent(covered, total),
        evidence_count: check.evidence.len(),
        charts,
        sections: (0..fw.sections.len())
            .map(|i| site_section(check, i))
            .collect(),
        several: fw.sections.len() > 1,
        evidence,
        errors: check.count(Severity::Error),
        warnings: check.count(Severity::Warning),
        assessed: check.assessment.leaves_assessed(fw),
        assessed_percent: percent(check.assessment.leaves_assessed(fw), total),
        stale: check
            .judgements
            .iter()
            .filter(|j| !j.superseded && j.state.is_stale())
            .count(),
        ready: judgement_views(
            check,
            site,
            latest_where(check, |j| Standing::of_one(j) == Standing::Ready),
            "",
        ),
    };
    render(
        theme,
        "index.html",
        Page {
            site: common,
            root: String::new(),
            nav: "index",
            page_title: "Overview".into(),
            data,
        },
    )
}

fn chart(id: &str, label: String, covered: usize, total: usize) -> Chart {
    Chart {
        id: crate::util::text::slug(id),
        label,
        covered,
        total,
        percent: percent(covered, total),
        width: (covered * 300).checked_div(total).unwrap_or(0),
    }
}

// ---------------------------------------------------------------- matrix

#[derive(Serialize)]
struct Header {
    label: String,
    /// What the label stands for in full (an indicator's wording, a file's path).
    title: String,
    href: String,
    /// Filled cells in its row or column that count (not drafts).
    count: usize,
    /// An evidence file that is a draft.
    draft: bool,
}

/// One cell of the matrix. An empty cell (most of them) goes to the template with no
/// fields at all: a matrix of 10,000 files by 49 indicators is half a million cells,
/// and four fields each made the template context alone over 350 MB.
#[derive(Serialize)]
struct Cell {
    #[serde(skip_serializing_if = "Option::is_none")]
    href: Option<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    label: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    draft: bool,
    /// What the latest judgements on this file say of this indicator.
    #[serde(skip_serializing_if = "Option::is_none")]
    standing: Option<StandingView>,
}

#[derive(Serialize)]
struct Row {
    header: Header,
    cells: Vec<Cell>,
}

/// One printed slice of a matrix's columns: `from..to`, each printed with the row
/// headers again, so that no column is lost off the edge of the paper.
#[derive(Serialize)]
struct PrintPart {
    from: usize,
    to: usize,
}

#[derive(Serialize)]
struct MatrixTable {
    /// The framework's title and id, shown when there are several.
    title: String,
    slug: String,
    /// `indicators-down` or `evidence-down`.
    orientation: &'static str,
    columns: Vec<Header>,
    rows: Vec<Row>,
    /// Filled cells that count, in the whole table.
    total: usize,
    print: Vec<PrintPart>,
}

/// The coverage matrix: its tables and key.
#[derive(Serialize)]
pub(crate) struct MatrixData {
    /// One table per framework.
    tables: Vec<MatrixTable>,
    several: bool,
    /// Whether there is anything to show (evidence and outcomes).
    any_rows: bool,
    /// Every state a cell can show, for the key.
    standings: Vec<StandingView>,
}

/// How many columns one printed slice of the matrix holds beside its row headers: as many
/// as fit across A4 in landscape at a readable size.
pub const PRINT_COLUMNS: usize = 14;

pub(crate) fn matrix_page(
    check: &Check,
    common: &Common,
    theme: &Theme,
    site: &SiteMap,
) -> Result<String, FatalError> {
    let fw = &check.framework;
    let data = matrix_data(
        check,
        &|leaf| encode_path(&outcome_path(fw, leaf)),
        &|i, fragment| match fragment {
            Some(f) => format!("{}#{f}", encode_path(site.evidence_page(i))),
            None => encode_path(site.evidence_page(i)),
        },
    );
    render(
        theme,
        "matrix.html",
        Page {
            site: common,
            root: String::new(),
            nav: "matrix",
            page_title: "Coverage matrix".into(),
            data,
        },
    )
}

/// The coverage matrix's tables, as the matrix page and the single file show them; links
/// are made by `outcome_href` (a leaf's page) and `evidence_href` (evidence file `i`, at
/// a passage's anchor when given).
pub(crate) fn matrix_data(
    check: &Check,
    outcome_href: &dyn Fn(usize) -> String,
    evidence_href: &dyn Fn(usize, Option<&str>) -> String,
) -> MatrixData {
    let fw = &check.framework;
    let leaf_header = |l: usize| {
        let n = fw.node(l);
        Header {
            label: n.id.clone(),
            title: n.title.clone(),
            href: outcome_href(l),
            count: 0,
            draft: false,
        }
    };
    let evidence_header = |i: usize| {
        let e = &check.evidence[i];
        Header {
            label: e.title.clone(),
            title: e.path.clone(),
            href: evidence_href(i, None),
            count: 0,
            draft: e.draft,
        }
    };
    // The link in a cell goes to the tagged passage when there is one.
    let cell = |leaf: usize, i: usize| -> Cell {
        let e = &check.evidence[i];
        match e.tags.iter().find(|t| t.node == leaf) {
            None => Cell {
                href: None,
                label: String::new(),
                draft: false,
                standing: None,
            },
            Some(tag) => {
                let anchor = tag
                    .inline_index
                    .map_or_else(|| "opening".to_string(), |k| format!("tag-{k}"));
                let draft = if e.draft { " (draft, not counted)" } else { "" };
                let judged =
                    crate::check::judgement::on_evidence_for(fw, &check.judgements, &e.path, leaf);
                let standing = Standing::of(&check.judgements, &judged);
                let judged = standing.map_or_else(String::new, |s| format!("; {}", s.words()));
                Cell {
                    href: Some(evidence_href(i, Some(&anchor))),
                    label: format!(
                        "{} evidenced in {}{draft}{judged}",
                        fw.node(leaf).id,
                        e.title
                    ),
                    draft: e.draft,
                    standing: standing.map(Into::into),
                }
            }
        }
    };
    let table = |index: usize| {
        let section = &fw.sections[index];
        // Leaves, and each node that a tag of its own covers (rollup `any`) before them.
        let leaves: Vec<usize> = section
            .nodes
            .clone()
            .filter(|&n| fw.node(n).is_leaf() || !fw.node(n).needs_every_child())
            .collect();
        let evidence_down = check.evidence.len() > leaves.len();
        let title = format!("{} ({})", section.title, section.id);
        let slug = crate::util::text::slug(&section.id);
        let (orientation, mut columns, mut rows) = if evidence_down {
            (
                "evidence-down",
                leaves.iter().map(|&l| leaf_header(l)).collect::<Vec<_>>(),
                (0..check.evidence.len())
                    .map(|i| Row {
                        header: evidence_header(i),
                        cells: leaves.iter().map(|&l| cell(l, i)).collect(),
                    })
                    .collect::<Vec<_>>(),
            )
        } else {
            (
                "indicators-down",
                (0..check.evidence.len()).map(evidence_header).collect(),
                leaves
                    .iter()
                    .map(|&l| Row {
                        header: leaf_header(l),
                        cells: (0..check.evidence.len()).map(|i| cell(l, i)).collect(),
                    })
                    .collect(),
            )
        };
        let mut total = 0;
        for row in &mut rows {
            for (c, cell) in row.cells.iter().enumerate() {
                if cell.href.is_some() && !cell.draft {
                    row.header.count += 1;
                    columns[c].count += 1;
                    total += 1;
                }
            }
        }
        let print = (0..columns.len())
            .step_by(PRINT_COLUMNS)
            .map(|from| PrintPart {
                from,
                to: (from + PRINT_COLUMNS).min(columns.len()),
            })
            .collect();
        MatrixTable {
            title,
            slug,
            orientation,
            columns,
            rows,
            total,
            print,
        }
    };
    let tables: Vec<MatrixTable> = (0..fw.sections.len()).map(table).collect();
    MatrixData {
        any_rows: tables
            .iter()
            .any(|t| !t.rows.is_empty() && !t.columns.is_empty()),
        several: tables.len() > 1,
        tables,
        standings: Standing::ALL.into_iter().map(Into::into).collect(),
    }
}

// ---------------------------------------------------------------- gaps

#[derive(Serialize)]
struct GapGroup {
    parent: Option<OutcomeLink>,
    items: Vec<ChildStatus>,
}

#[derive(Serialize)]
struct GapsData {
    count: usize,
    needed: usize,
    groups: Vec<GapGroup>,
}

pub(crate) fn gaps_page(
    check: &Check,
    common: &Common,
    theme: &Theme,
) -> Result<String, FatalError> {
    let fw = &check.framework;
    let mut groups: Vec<GapGroup> = Vec::new();
    let mut count = 0;
    for leaf in check.coverage.gaps(fw) {
        count += 1;
        let n = fw.node(leaf);
        let link = outcome_link(fw, leaf, "");
        let item = ChildStatus {
            id: link.id,
            title: link.title,
            href: link.href,
            covered: false,
            count: check.coverage.node(leaf).evidence.len(),
            assessed: check.assessment.node(leaf).assessed,
            standing: node_standing(check, leaf),
        };
        let parent_id = n.parent.map(|p| fw.node(p).id.clone());
        match groups.last_mut() {
            Some(g) if g.parent.as_ref().map(|p| &p.id) == parent_id.as_ref() => g.items.push(item),
            _ => groups.push(GapGroup {
                parent: n.parent.map(|p| outcome_link(fw, p, "")),
                items: vec![item],
            }),
        }
    }
    let data = GapsData {
        count,
        needed: check.coverage.min_evidence,
        groups,
    };
    render(
        theme,
        "gaps.html",
        Page {
            site: common,
            root: String::new(),
            nav: "gaps",
            page_title: "Still to evidence".into(),
            data,
        },
    )
}

// ---------------------------------------------------------------- diagnostics

#[derive(Serialize)]
struct DiagnosticRow {
    severity: Severity,
    code: Code,
    file: Option<String>,
    href: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    message: String,
    help: Option<String>,
    /// `message` as HTML, its `code` in `<code>`.
    message_html: String,
    /// `help` as HTML, its `code` in `<code>`.
    help_html: Option<String>,
}

#[derive(Serialize)]
struct DiagnosticsData {
    errors: usize,
    warnings: usize,
    hints: usize,
    rows: Vec<DiagnosticRow>,
}

pub(crate) fn diagnostics_page(
    common: &Common,
    theme: &Theme,
    site: &SiteMap,
    diagnostics: &[Diagnostic],
) -> Result<String, FatalError> {
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let rows = diagnostics
        .iter()
        .map(|d| DiagnosticRow {
            severity: d.severity,
            code: d.code,
            file: d.file.clone(),
            href: d
                .file
                .as_deref()
                .and_then(|f| site.page_for_source(f))
                .map(encode_path),
            line: d.line,
            column: d.column,
            message: d.message.clone(),
            help: d.help.clone(),
            message_html: html::code_spans(&d.message),
            help_html: d.help.as_deref().map(html::code_spans),
        })
        .collect();
    let data = DiagnosticsData {
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        hints: count(Severity::Hint),
        rows,
    };
    render(
        theme,
        "diagnostics.html",
        Page {
            site: common,
            root: String::new(),
            nav: "diagnostics",
            page_title: "Problems found".into(),
            data,
        },
    )
}

// ---------------------------------------------------------------- progress

/// The chart's drawing area, in SVG user units.
const CHART_WIDTH: usize = 520;
const CHART_HEIGHT: usize = 240;
const CHART_LEFT: usize = 48;
const CHART_TOP: usize = 12;
const CHART_RIGHT: usize = 12;
const CHART_BOTTOM: usize = 36;

#[derive(Serialize)]
struct ChartPoint {
    x: usize,
    y: usize,
    label: String,
}

#[derive(Serialize)]
struct ChartTick {
    y: usize,
    label: String,
}

#[derive(Serialize)]
struct ProgressData<'a> {
    progress: &'a crate::report::progress::Progress,
    width: usize,
    height: usize,
    left: usize,
    top: usize,
    right_edge: usize,
    bottom_edge: usize,
    /// `x,y x,y ...` for the polyline.
    points: String,
    /// One dot per week, with its figures in words (the SVG `<title>` of the dot).
    dots: Vec<ChartPoint>,
    ticks: Vec<ChartTick>,
    first_week: String,
    last_week: String,
    /// One sentence summing up the chart, for its `<desc>`.
    summary: String,
}

/// progress.html: coverage by week as an SVG line (drawn from numbers only, with a
/// title and a description) beside the table of the same figures.
pub(crate) fn progress_page(
    common: &Common,
    theme: &Theme,
    progress: &crate::report::progress::Progress,
) -> Result<String, FatalError> {
    let plot_w = CHART_WIDTH - CHART_LEFT - CHART_RIGHT;
    let plot_h = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM;
    let steps = progress.weeks.len().saturating_sub(1).max(1);
    let dots: Vec<ChartPoint> = progress
        .weeks
        .iter()
        .enumerate()
        .map(|(i, w)| ChartPoint {
            x: CHART_LEFT + i * plot_w / steps,
            y: CHART_TOP + plot_h - (w.covered * plot_h).checked_div(w.total).unwrap_or(0),
            label: format!(
                "Week of {}: {} of {} covered ({}%)",
                w.week, w.covered, w.total, w.percent
            ),
        })
        .collect();
    let points = dots
        .iter()
        .map(|p| format!("{},{}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    let ticks = [0, 25, 50, 75, 100]
        .into_iter()
        .map(|pc| ChartTick {
            y: CHART_TOP + plot_h - pc * plot_h / 100,
            label: format!("{pc}%"),
        })
        .collect();
    let summary = match (progress.weeks.first(), progress.weeks.last()) {
        (Some(first), Some(last)) => format!(
            "Indicators covered went from {} of {} in the week of {} to {} of {} in the week of {}, over {} week{}.",
            first.covered,
            first.total,
            first.week,
            last.covered,
            last.total,
            last.week,
            progress.weeks.len(),
            crate::util::text::plural(progress.weeks.len())
        ),
        _ => "No commits yet.".to_string(),
    };
    let data = ProgressData {
        progress,
        width: CHART_WIDTH,
        height: CHART_HEIGHT,
        left: CHART_LEFT,
        top: CHART_TOP,
        right_edge: CHART_WIDTH - CHART_RIGHT,
        bottom_edge: CHART_TOP + plot_h,
        points,
        dots,
        ticks,
        first_week: progress
            .weeks
            .first()
            .map(|w| w.week.clone())
            .unwrap_or_default(),
        last_week: progress
            .weeks
            .last()
            .map(|w| w.week.clone())
            .unwrap_or_default(),
        summary,
    };
    render(
        theme,
        "progress.html",
        Page {
            site: common,
            root: String::new(),
            nav: "progress",
            page_title: "Progress by week".into(),
            data,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_matrix_cell_goes_to_the_template_without_fields() {
        let empty = Cell {
            href: None,
            label: String::new(),
            draft: false,
            standing: None,
        };
        assert_eq!(serde_json::to_string(&empty).ok().as_deref(), Some("{}"));
        let filled = Cell {
            href: Some("evidence/a.html#tag-0".into()),
            label: "A1.1 evidenced in A".into(),
            draft: true,
            standing: None,
        };
        let json = serde_json::to_string(&filled).unwrap_or_default();
        assert!(
            json.contains("\"href\"") && json.contains("\"draft\":true"),
            "{json}"
        );
    }
}
