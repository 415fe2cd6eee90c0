//! Stage 4b: the HTML portfolio for assessors (`senco build`).
//!
//! Builds on the check: the same parsed evidence and coverage, rendered through the
//! theme into a static site that works offline from `file://`. Pages are rendered in
//! parallel and written straight to a temporary folder beside the target, which replaces
//! the previous site only when everything was written: a failed build leaves the last
//! good one intact.

pub mod dashboard;
pub mod html;
pub mod output;
pub mod pages;
pub mod single;
pub mod site;
pub mod theme;

use crate::diagnostic::{Diagnostic, Severity};
use crate::{Check, FatalError};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The output folder; default `site/` in the portfolio.
    pub out: PathBuf,
    /// Replace a folder that senco did not create.
    pub force: bool,
}

#[derive(Debug)]
pub struct Built {
    pub out: PathBuf,
    pub pages: usize,
    /// The check's diagnostics plus the link problems found while rendering, sorted.
    pub diagnostics: Vec<Diagnostic>,
}

impl Built {
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

/// Builds the site for a checked portfolio.
pub fn build(check: &Check, options: &BuildOptions) -> Result<Built, FatalError> {
    let root = &check.portfolio.root;
    output::check_target(
        root,
        &check.portfolio.evidence_dirs,
        &options.out,
        options.force,
    )?;
    let theme_dir = root.join("theme");
    let theme = theme::load(theme_dir.is_dir().then_some(theme_dir.as_path()))?;
    let site = site::SiteMap::new(root, &check.portfolio.evidence_dirs, &check.evidence);
    let staging = output::Staging::create(&options.out)?;
    let result = write_site(check, &theme, &site, staging.path());
    match result {
        Ok((pages, diagnostics)) => {
            staging.commit()?;
            Ok(Built {
                out: options.out.clone(),
                pages,
                diagnostics,
            })
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
    let mut attempt = 1;
    loop {
        let checked = check()?;
        match build(&checked, options) {
            Ok(built) => return Ok((checked, built)),
            Err(_) if attempt < ATTEMPTS && changed_since(&checked) => attempt += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Whether any evidence file differs now from what the check read.
fn changed_since(check: &Check) -> bool {
    check.evidence.iter().any(|e| {
        std::fs::read(check.portfolio.root.join(&e.path))
            .ok()
            .map(|bytes| crate::evidence::fingerprint(&bytes))
            != e.fingerprint
    })
}

/// What an evidence page needs besides its HTML: attachments to copy, link problems.
type PageExtras = (BTreeSet<String>, Vec<Diagnostic>);

fn write_site(
    check: &Check,
    theme: &theme::Theme,
    site: &site::SiteMap,
    dir: &Path,
) -> Result<(usize, Vec<Diagnostic>), FatalError> {
    let mut common = pages::Common::new(check);
    // Evidence pages: each file read again and rendered on its own, so bodies never
    // pile up in memory.
    let evidence_results: Vec<Result<PageExtras, FatalError>> = (0..check.evidence.len())
        .into_par_iter()
        .map(|i| {
            let page = site.evidence_page(i);
            let (html, attachments, diagnostics) =
                pages::evidence_page(check, &common, theme, site, i)?;
            output::write_file(dir, page, html.as_bytes())?;
            Ok((attachments, diagnostics))
        })
        .collect();
    let mut attachments = BTreeSet::new();
    let mut diagnostics = check.diagnostics.clone();
    for result in evidence_results {
        let (a, d) = result?;
        attachments.extend(a);
        diagnostics.extend(d);
    }
    crate::diagnostic::sort_diagnostics(&mut diagnostics);
    // Link problems are only known now; pages from here on link to them.
    common.has_diagnostics = !diagnostics.is_empty();
    let common = common;
    let fw = &check.framework;
    let outcome_results: Vec<Result<BTreeSet<String>, FatalError>> = (0..fw.nodes.len())
        .into_par_iter()
        .map(|node| {
            let page = site::outcome_path(fw, node);
            let (html, attachments) = pages::outcome_page(check, &common, theme, site, node)?;
            output::write_file(dir, &page, html.as_bytes())?;
            Ok(attachments)
        })
        .collect();
    for result in outcome_results {
        attachments.extend(result?);
    }
    let mut count = check.evidence.len() + fw.nodes.len();
    output::write_file(
        dir,
        "index.html",
        pages::index_page(check, &common, theme, site)?.as_bytes(),
    )?;
    output::write_file(
        dir,
        "matrix.html",
        pages::matrix_page(check, &common, theme, site)?.as_bytes(),
    )?;
    output::write_file(
        dir,
        "gaps.html",
        pages::gaps_page(check, &common, theme)?.as_bytes(),
    )?;
    count += 3;
    if !diagnostics.is_empty() {
        let html = pages::diagnostics_page(&common, theme, site, &diagnostics)?;
        output::write_file(dir, "diagnostics.html", html.as_bytes())?;
        count += 1;
    }
    output::write_file(dir, "assets/senco.css", &theme.css)?;
    for rel in &attachments {
        output::copy_file(&site.root().join(rel), dir, &format!("files/{rel}"))?;
    }
    output::write_file(dir, output::MARKER, output::MARKER_TEXT.as_bytes())?;
    Ok((count, diagnostics))
}
