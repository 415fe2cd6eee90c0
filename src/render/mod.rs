//! Stage 4b: the HTML portfolio for assessors (`senco build`).
//!
//! Builds on the check: the same parsed evidence and coverage, rendered through the
//! theme into a static site that works offline from `file://`. Pages are rendered in
//! parallel and written straight to a temporary folder beside the target, which replaces
//! the previous site only when everything was written: a failed build leaves the last
//! good one intact. For `senco serve`, [`rebuild`] renders only the pages a change can
//! touch and hard-links the others from the previous build.

pub mod html;
pub(crate) mod math;
pub mod output;
pub mod pages;
pub mod pdf;
pub mod policy;
pub mod single;
pub mod site;
pub mod theme;

use crate::check::{Changes, Check};
use crate::error::FatalError;
use crate::error::diagnostic::{Diagnostic, Severity};
use html::Links;
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to build a site.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The output folder; default `site/` in the portfolio.
    pub out: PathBuf,
    /// Replace a folder that senco did not create.
    pub force: bool,
    /// Add progress.html (coverage by week) when the portfolio is a git repository:
    /// for `senco build` only, never for a pack or the dashboard.
    pub history: bool,
}

/// What a build wrote.
#[derive(Debug)]
pub struct Built {
    /// The folder it was written into.
    pub out: PathBuf,
    /// Pages written (rendered or linked from the previous build).
    pub pages: usize,
    /// Pages rendered by this build; the others were linked from the previous one.
    pub rendered: usize,
    /// The check's diagnostics plus the link problems found while rendering, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// Why progress.html was asked for but not written (git missing, history unreadable).
    pub progress_note: Option<String>,
}

impl Built {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// The default output folder of a portfolio.
pub fn default_out(root: &Path) -> PathBuf {
    root.join("site")
}

/// Builds the site for a checked portfolio, in the portfolio's own theme.
pub fn build(check: &Check, options: &BuildOptions) -> Result<Built, FatalError> {
    let theme = load_theme(&check.portfolio.root)?;
    build_with_theme(check, &theme, options)
}

/// Builds the site for a checked portfolio in `theme`: the built-in one or one the tutor
/// or provider chose, never the portfolio's own (see [`theme`]).
pub(crate) fn build_with_theme(
    check: &Check,
    theme: &theme::Theme,
    options: &BuildOptions,
) -> Result<Built, FatalError> {
    let site = site::SiteMap::new(
        &check.portfolio.root,
        &check.portfolio.evidence_dirs,
        &check.evidence,
    );
    Ok(write_staged(check, theme, &site, options, None)?.0)
}

/// A finished build, kept so that the next one renders only the pages a change can
/// touch and hard-links the others from this one's folder. That folder must stay as it
/// was written: files in it are shared with later builds.
pub struct Generation {
    out: PathBuf,
    check: Check,
    theme: Arc<theme::Theme>,
    site: site::SiteMap,
    /// What each evidence page links to, by evidence index.
    evidence: Vec<Links>,
    /// What each outcome page links to, by framework node.
    outcomes: Vec<Links>,
    attachments: BTreeSet<String>,
    /// Whether the pages after the evidence pages link to the problems page.
    has_diagnostics: bool,
    /// What the problems page lists.
    diagnostics: Vec<Diagnostic>,
}

/// What a page of the site is about, for a reviewer: an evidence file or an indicator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An evidence file and the outcomes it claims.
    Evidence {
        /// Its path in the portfolio.
        path: String,
        /// The ids of the outcomes it claims.
        outcomes: Vec<String>,
    },
    /// An indicator (or an area without indicators), by id.
    Outcome(String),
}

impl Generation {
    /// Each evidence and indicator page of this build (by its path in the site, as
    /// written), and what it is about.
    pub fn subjects(&self) -> std::collections::HashMap<String, Subject> {
        let fw = &self.check.framework;
        let mut subjects = std::collections::HashMap::new();
        for (i, e) in self.check.evidence.iter().enumerate() {
            subjects.insert(
                self.site.evidence_page(i).to_string(),
                Subject::Evidence {
                    path: e.path.clone(),
                    outcomes: e
                        .outcome_nodes()
                        .into_iter()
                        .map(|n| fw.node(n).id.clone())
                        .collect(),
                },
            );
        }
        for leaf in fw.leaves() {
            subjects.insert(
                site::outcome_path(fw, leaf),
                Subject::Outcome(fw.node(leaf).id.clone()),
            );
        }
        subjects
    }
}

/// [`build`], reusing what it can of `previous`: `changes` must say what changed since
/// the check `previous` was built from ([`crate::check::recheck`] tells). The result is the same,
/// byte for byte, as a fresh build of `check`.
pub fn rebuild(
    check: Check,
    changes: &Changes,
    previous: Option<&Generation>,
    options: &BuildOptions,
) -> Result<(Built, Generation), FatalError> {
    let theme = match (changes, previous) {
        // The theme folder is among the files that did not change.
        (Changes::Evidence(_), Some(p)) => Arc::clone(&p.theme),
        _ => Arc::new(load_theme(&check.portfolio.root)?),
    };
    let site = site::SiteMap::new(
        &check.portfolio.root,
        &check.portfolio.evidence_dirs,
        &check.evidence,
    );
    let reuse = previous.and_then(|p| plan(p, &check, changes, &site));
    let (built, written) = write_staged(&check, &theme, &site, options, reuse.as_ref())?;
    let generation = Generation {
        out: options.out.clone(),
        check,
        theme,
        site,
        evidence: written.evidence,
        outcomes: written.outcomes,
        attachments: written.attachments,
        has_diagnostics: written.has_diagnostics,
        diagnostics: built.diagnostics.clone(),
    };
    Ok((built, generation))
}

fn load_theme(root: &Path) -> Result<theme::Theme, FatalError> {
    theme::of_portfolio(root)
}

/// Writes the site into a temporary folder and swaps it in when complete.
fn write_staged(
    check: &Check,
    theme: &theme::Theme,
    site: &site::SiteMap,
    options: &BuildOptions,
    reuse: Option<&Reuse<'_>>,
) -> Result<(Built, Written), FatalError> {
    output::check_target(
        &check.portfolio.root,
        &check.portfolio.evidence_dirs,
        &options.out,
        options.force,
    )?;
    let (progress, progress_note) = if options.history {
        use crate::report::progress;
        match progress::read(&check.portfolio, &check.framework) {
            Ok(found) => (Some(found), None),
            Err(crate::util::git::GitError::NotRepository) => (None, None),
            Err(e) => (None, Some(progress::explain(&e))),
        }
    } else {
        (None, None)
    };
    let staging = output::Staging::create(&options.out)?;
    match write_site(check, theme, site, staging.path(), reuse, progress.as_ref()) {
        Ok(mut written) => {
            staging.commit()?;
            let built = Built {
                out: options.out.clone(),
                pages: written.pages,
                rendered: written.rendered,
                diagnostics: std::mem::take(&mut written.diagnostics),
                progress_note,
            };
            Ok((built, written))
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}

/// How many times [`check_and_build`] checks and builds a portfolio whose files keep
/// changing under it before it gives up.
const ATTEMPTS: usize = 5;

/// Checks the portfolio with `check` and builds it. When the build failed and an evidence
/// file changed since the check (an editor saving it mid-build: its page would mix two
/// versions), checks and builds again.
pub fn check_and_build(
    check: impl Fn() -> Result<Check, FatalError>,
    options: &BuildOptions,
) -> Result<(Check, Built), FatalError> {
    retry_while_saving(|| {
        let checked = check().map_err(|e| (e, None))?;
        match build(&checked, options) {
            Ok(built) => Ok((checked, built)),
            Err(e) => Err((e, Some(Read::of(&checked)))),
        }
    })
}

/// Runs `attempt`, a check then a build, again while it fails and a file its check read
/// (the [`Read`] it gives with its error) has changed since: up to [`ATTEMPTS`] times.
pub(crate) fn retry_while_saving<T>(
    mut attempt: impl FnMut() -> Result<T, (FatalError, Option<Read>)>,
) -> Result<T, FatalError> {
    let mut tries = 1;
    loop {
        match attempt() {
            Ok(done) => return Ok(done),
            Err((_, Some(read))) if tries < ATTEMPTS && read.changed() => tries += 1,
            Err((e, _)) => return Err(e),
        }
    }
}

/// What a check read: each evidence file with the fingerprint of its bytes. A build
/// whose files changed under it fails, and is worth running again.
pub struct Read {
    root: PathBuf,
    files: Vec<(String, Option<u64>)>,
}

impl Read {
    /// What `check` read: each evidence file's fingerprint, to tell later whether it changed.
    pub fn of(check: &Check) -> Read {
        Read {
            root: check.portfolio.root.clone(),
            files: check
                .evidence
                .iter()
                .map(|e| (e.path.clone(), e.fingerprint))
                .collect(),
        }
    }

    /// Whether any evidence file differs now from what the check read.
    pub fn changed(&self) -> bool {
        self.files.iter().any(|(path, fingerprint)| {
            crate::check::evidence::read_file(&self.root.join(path))
                .ok()
                .map(|bytes| crate::util::hash::fingerprint(&bytes))
                != *fingerprint
        })
    }
}
/// Which pages of a previous build are still right, so are linked rather than rendered.
struct Reuse<'a> {
    previous: &'a Generation,
    /// By evidence index.
    evidence: Vec<bool>,
    /// By framework node.
    outcomes: Vec<bool>,
    matrix: bool,
}

/// Works out which pages of `previous` a build of `check` can keep, or `None` when
/// every page may differ. Every page depends on the framework, the theme, the site-wide
/// data in [`pages::Common`] and the page paths; beyond that, an evidence page on its
/// own file; an outcome page on its node's and children's coverage and on each file that
/// tags it (title, date, type, draft, tags and their passages); both on what the
/// `[[name]]` links in them resolve to (names include titles); the matrix on each file's
/// title, draft and tags; the problems page on the problems (compared once the link
/// problems are known). The overview and gaps pages depend on nearly everything and are
/// always rendered.
fn plan<'a>(
    previous: &'a Generation,
    check: &Check,
    changes: &Changes,
    site: &site::SiteMap,
) -> Option<Reuse<'a>> {
    let Changes::Evidence(changed) = changes else {
        return None;
    };
    let old = &previous.check;
    let fw = &check.framework;
    let renamed = site.renamed(&previous.site)?;
    if !previous.out.join(output::MARKER).is_file()
        || old.framework != *fw
        || old.settings != check.settings
        || old.coverage.min_evidence != check.coverage.min_evidence
        // A judgement shows on its evidence's page, on the pages of what it judges and in
        // the matrix; one gone stale or added can touch any of them.
        || old.judgements != check.judgements
        || pages::Common::new(old) != pages::Common::new(check)
    {
        return None;
    }
    // The same page paths, so the same files in the same order. A file is dirty when it
    // changed, when one of its links now leads elsewhere (a heading of the note it
    // links to was renamed), or when a note it shows in place changed.
    let dirty: Vec<usize> = (0..check.evidence.len())
        .filter(|&i| {
            changed.contains(&check.evidence[i].path)
                || old.evidence[i].links != check.evidence[i].links
                || previous.evidence[i]
                    .embedded
                    .iter()
                    .any(|e| changed.contains(e))
        })
        .collect();
    let mut outcomes: Vec<bool> = previous
        .outcomes
        .iter()
        .map(|links| {
            links.names.is_disjoint(&renamed) && links.embedded.iter().all(|e| !changed.contains(e))
        })
        .collect();
    for node in 0..fw.nodes.len() {
        if old.coverage.node(node) != check.coverage.node(node) {
            outcomes[node] = false;
            if let Some(parent) = fw.node(node).parent {
                outcomes[parent] = false;
            }
        }
    }
    let mut matrix = true;
    for &i in &dirty {
        let (before, after) = (&old.evidence[i], &check.evidence[i]);
        for tag in before.tags.iter().chain(&after.tags) {
            outcomes[tag.node] = false;
        }
        let cells = |e: &crate::check::evidence::Evidence| -> Vec<(usize, Option<usize>)> {
            e.tags.iter().map(|t| (t.node, t.inline_index)).collect()
        };
        if before.title != after.title
            || before.draft != after.draft
            || cells(before) != cells(after)
        {
            matrix = false;
        }
    }
    let mut evidence: Vec<bool> = previous
        .evidence
        .iter()
        .map(|links| links.names.is_disjoint(&renamed))
        .collect();
    for &i in &dirty {
        evidence[i] = false;
    }
    Some(Reuse {
        previous,
        evidence,
        outcomes,
        matrix,
    })
}

/// What writing a site produced, kept for the next incremental build.
struct Written {
    pages: usize,
    rendered: usize,
    diagnostics: Vec<Diagnostic>,
    evidence: Vec<Links>,
    outcomes: Vec<Links>,
    attachments: BTreeSet<String>,
    has_diagnostics: bool,
}

fn write_site(
    check: &Check,
    theme: &theme::Theme,
    site: &site::SiteMap,
    dir: &Path,
    reuse: Option<&Reuse<'_>>,
    progress: Option<&crate::report::progress::Progress>,
) -> Result<Written, FatalError> {
    let mut common = pages::Common::new(check);
    common.has_progress = progress.is_some();
    let mut rendered = 0;
    // Evidence pages: each file read again and rendered on its own, so bodies never
    // pile up in memory.
    let evidence_results: Vec<Result<(Links, bool), FatalError>> = (0..check.evidence.len())
        .into_par_iter()
        .map(|i| {
            let page = site.evidence_page(i);
            if let Some(r) = reuse.filter(|r| r.evidence[i]) {
                output::link_file(&r.previous.out, dir, page)?;
                return Ok((r.previous.evidence[i].clone(), false));
            }
            let (html, links) = pages::evidence_page(check, &common, theme, site, i)?;
            output::write_file(dir, page, html.as_bytes())?;
            Ok((links, true))
        })
        .collect();
    let mut attachments = BTreeSet::new();
    let diagnostics = check.diagnostics.clone();
    let mut evidence_links = Vec::with_capacity(evidence_results.len());
    for result in evidence_results {
        let (links, fresh) = result?;
        attachments.extend(links.attachments.iter().cloned());
        evidence_links.push(links);
        rendered += usize::from(fresh);
    }
    common.has_diagnostics = !diagnostics.is_empty();
    let common = common;
    // A problems link that came or went touches every page from here on.
    let rest = reuse.filter(|r| r.previous.has_diagnostics == common.has_diagnostics);
    let fw = &check.framework;
    let outcome_results: Vec<Result<(Links, bool), FatalError>> = (0..fw.nodes.len())
        .into_par_iter()
        .map(|node| {
            let page = site::outcome_path(fw, node);
            if let Some(r) = rest.filter(|r| r.outcomes[node]) {
                output::link_file(&r.previous.out, dir, &page)?;
                return Ok((r.previous.outcomes[node].clone(), false));
            }
            let (html, links) = pages::outcome_page(check, &common, theme, site, node)?;
            output::write_file(dir, &page, html.as_bytes())?;
            Ok((links, true))
        })
        .collect();
    let mut outcome_links = Vec::with_capacity(outcome_results.len());
    for result in outcome_results {
        let (links, fresh) = result?;
        attachments.extend(links.attachments.iter().cloned());
        outcome_links.push(links);
        rendered += usize::from(fresh);
    }
    let mut count = check.evidence.len() + fw.nodes.len();
    output::write_file(
        dir,
        "index.html",
        pages::index_page(check, &common, theme, site)?.as_bytes(),
    )?;
    match rest.filter(|r| r.matrix) {
        Some(r) => output::link_file(&r.previous.out, dir, "matrix.html")?,
        None => {
            output::write_file(
                dir,
                "matrix.html",
                pages::matrix_page(check, &common, theme, site)?.as_bytes(),
            )?;
            rendered += 1;
        }
    }
    output::write_file(
        dir,
        "gaps.html",
        pages::gaps_page(check, &common, theme)?.as_bytes(),
    )?;
    count += 3;
    rendered += 2;
    if let Some(progress) = progress {
        let html = pages::progress_page(&common, theme, progress)?;
        output::write_file(dir, "progress.html", html.as_bytes())?;
        count += 1;
        rendered += 1;
    }
    if !diagnostics.is_empty() {
        match rest.filter(|r| r.previous.diagnostics == diagnostics) {
            Some(r) => output::link_file(&r.previous.out, dir, "diagnostics.html")?,
            None => {
                let html = pages::diagnostics_page(&common, theme, site, &diagnostics)?;
                output::write_file(dir, "diagnostics.html", html.as_bytes())?;
                rendered += 1;
            }
        }
        count += 1;
    }
    output::write_file(dir, "assets/senco.css", &theme.css)?;
    // Attachments did not change when only evidence did.
    let previous_attachments = reuse.map(|r| (&r.previous.out, &r.previous.attachments));
    for rel in &attachments {
        let file = format!("files/{rel}");
        match previous_attachments {
            Some((out, kept)) if kept.contains(rel) => output::link_file(out, dir, &file)?,
            _ => match site.attachment_path(rel) {
                Some(real) => output::copy_file(&real, dir, &file)?,
                // Checked when linked; gone or swapped for a link out since: not copied.
                None => continue,
            },
        }
    }
    output::write_file(dir, output::MARKER, output::MARKER_TEXT.as_bytes())?;
    Ok(Written {
        pages: count,
        rendered,
        diagnostics,
        evidence: evidence_links,
        outcomes: outcome_links,
        attachments,
        has_diagnostics: common.has_diagnostics,
    })
}
