//! The cohort dashboard (`senco cohort DIR --format html -o OUT`): a tutor's view of every
//! trainee at once, with each trainee's own built portfolio beside it.
//!
//! Four static pages from one template, so nothing needs JavaScript: trainees by name, by
//! coverage (lowest first) and by deadline (soonest first), and a heat-map matrix of
//! trainees against indicators that states every cell in words as well as colour.

use crate::error::FatalError;
use crate::render::output::{self, Staging};
use crate::render::theme::Theme;
use crate::tutor::cohort::{Cohort, Mark, Row};
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct TraineeRow<'a> {
    name: &'a str,
    candidate: Option<&'a str>,
    href: Option<String>,
    percent: usize,
    covered: usize,
    assessed: usize,
    total: usize,
    stale: usize,
    errors: usize,
    deadline: Option<&'a str>,
    at_risk: &'a [String],
    last_evidence: Option<&'a str>,
    /// Where `last_evidence` came from, in words.
    last_source: Option<&'static str>,
    /// Why the trainee is inactive, when they are.
    inactive: Option<String>,
    error: Option<&'a str>,
}

#[derive(Serialize)]
struct Cell {
    class: &'static str,
    symbol: &'static str,
    label: String,
}

#[derive(Serialize)]
struct MatrixRow<'a> {
    name: &'a str,
    href: Option<String>,
    cells: Vec<Cell>,
}

#[derive(Serialize)]
struct Matrix<'a> {
    id: &'a str,
    title: &'a str,
    indicators: &'a [crate::tutor::cohort::IndicatorInfo],
    rows: Vec<MatrixRow<'a>>,
}

#[derive(Serialize)]
struct Page<'a> {
    generator: String,
    today: String,
    view: &'static str,
    page_title: &'static str,
    cohort: &'a Cohort,
    rows: Vec<TraineeRow<'a>>,
    matrices: Vec<Matrix<'a>>,
    /// What each column counts, one line each.
    legend: Vec<Legend>,
}

#[derive(Serialize)]
struct Legend {
    column: &'static str,
    meaning: &'static str,
}

/// Where each trainee's portfolio is built inside the dashboard, by trainee index.
fn portfolio_dirs(cohort: &Cohort) -> Vec<Option<String>> {
    let mut taken = std::collections::BTreeSet::new();
    cohort
        .trainees
        .iter()
        .map(|row| {
            row.error.is_none().then(|| {
                let name = crate::util::text::slug_or(&row.name, "trainee");
                format!("portfolios/{}", crate::util::text::unique(&mut taken, name))
            })
        })
        .collect()
}

/// Builds the dashboard and every readable trainee's portfolio into `out`, replacing it
/// only when everything was written. Returns the number of pages written.
/// Every page, the trainees' portfolios included, is in the built-in theme or the one in
/// `theme_dir` the tutor chose: never a trainee's own `theme/`, which is their code.
pub fn build(
    cohort: &Cohort,
    cohort_dir: &Path,
    out: &Path,
    force: bool,
    theme_dir: Option<&Path>,
) -> Result<usize, FatalError> {
    let theme = &crate::render::theme::load(theme_dir)?;
    output::check_target(cohort_dir, &[], out, force)?;
    let staging = Staging::create(out)?;
    match write(cohort, cohort_dir, theme, staging.path()) {
        Ok(pages) => {
            staging.commit()?;
            Ok(pages)
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}

fn write(
    cohort: &Cohort,
    cohort_dir: &Path,
    theme: &Theme,
    dir: &Path,
) -> Result<usize, FatalError> {
    let dirs = portfolio_dirs(cohort);
    let mut pages = 0;
    for (row, site) in cohort.trainees.iter().zip(&dirs) {
        let Some(site) = site else { continue };
        // Row paths are relative to the cohort folder (an absolute one replaces it).
        let check = crate::check::check_portfolio(&cohort_dir.join(&row.path))?;
        let built = crate::render::build_with_theme(
            &check,
            theme,
            &crate::render::BuildOptions {
                out: dir.join(site),
                force: true,
            },
        )?;
        pages += built.pages;
    }
    let hrefs: Vec<Option<String>> = dirs
        .iter()
        .map(|d| {
            d.as_ref()
                .map(|d| crate::render::site::encode_path(&format!("{d}/index.html")))
        })
        .collect();
    let rows: Vec<TraineeRow<'_>> = cohort
        .trainees
        .iter()
        .zip(&hrefs)
        .map(|(r, h)| trainee_row(r, h.clone(), cohort.summary.inactive_after_weeks))
        .collect();
    let views: [(&str, &str, &str); 4] = [
        ("index.html", "name", "Cohort overview"),
        ("by-coverage.html", "coverage", "Trainees by coverage"),
        ("by-deadline.html", "deadline", "Trainees by deadline"),
        ("matrix.html", "matrix", "Cohort matrix"),
    ];
    for (file, view, page_title) in views {
        let mut ordered: Vec<&TraineeRow<'_>> = rows.iter().collect();
        match view {
            "coverage" => ordered.sort_by_key(|r| (r.error.is_none(), r.percent, r.name)),
            // No deadline sorts last; ISO dates sort as text.
            "deadline" => ordered.sort_by_key(|r| (r.deadline.is_none(), r.deadline, r.name)),
            _ => {}
        }
        let page = Page {
            generator: format!("senco {}", env!("CARGO_PKG_VERSION")),
            today: cohort.today.to_string(),
            view,
            page_title,
            cohort,
            rows: ordered
                .into_iter()
                .map(|r| TraineeRow {
                    href: r.href.clone(),
                    inactive: r.inactive.clone(),
                    ..*r
                })
                .collect(),
            legend: crate::tutor::cohort::COLUMN_LEGEND
                .iter()
                .map(|&(column, meaning)| Legend { column, meaning })
                .collect(),
            matrices: if view == "matrix" {
                matrices(cohort, &hrefs)
            } else {
                Vec::new()
            },
        };
        let context = tera::Context::from_serialize(&page)
            .map_err(|e| FatalError::invalid(format!("cannot prepare the dashboard: {e}")))?;
        let html = theme
            .tera
            .render("cohort.html", &context)
            .map_err(|e| FatalError::invalid(format!("theme template cohort.html failed: {e}")))?;
        let html = crate::render::policy::apply(&html, crate::render::policy::FILES);
        output::write_file(dir, file, html.as_bytes())?;
        pages += 1;
    }
    output::write_file(dir, "assets/senco.css", &theme.css)?;
    output::write_file(dir, output::MARKER, output::MARKER_TEXT.as_bytes())?;
    Ok(pages)
}

fn trainee_row(r: &Row, href: Option<String>, inactive_after: u32) -> TraineeRow<'_> {
    TraineeRow {
        name: &r.name,
        candidate: r.candidate.as_deref(),
        href,
        percent: r.percent(),
        covered: r.covered,
        assessed: r.assessed,
        total: r.total,
        stale: r.stale,
        errors: r.errors,
        deadline: r.deadline.as_deref(),
        at_risk: &r.at_risk,
        last_evidence: r.momentum.last.as_deref(),
        last_source: r.momentum.source.map(|s| s.words()),
        inactive: crate::tutor::momentum::reason(&r.momentum, inactive_after),
        error: r.error.as_deref(),
    }
}

fn matrices<'a>(cohort: &'a Cohort, hrefs: &[Option<String>]) -> Vec<Matrix<'a>> {
    cohort
        .frameworks
        .iter()
        .enumerate()
        .map(|(fi, fw)| Matrix {
            id: &fw.id,
            title: &fw.title,
            indicators: &fw.indicators,
            rows: cohort
                .trainees
                .iter()
                .zip(hrefs)
                .filter(|(r, _)| r.framework_index == Some(fi))
                .map(|(r, href)| MatrixRow {
                    name: &r.name,
                    href: href.clone(),
                    cells: r
                        .indicators
                        .iter()
                        .zip(&fw.indicators)
                        .map(|(mark, ind)| {
                            let (class, symbol, words) = match mark {
                                Mark::None => ("mark-none", "", "not covered"),
                                Mark::Covered => ("mark-covered", "✓", "covered"),
                                Mark::Assessed => ("mark-assessed", "★", "covered and assessed"),
                                Mark::AssessedOnly => {
                                    ("mark-assessed-only", "☆", "assessed, evidence short")
                                }
                            };
                            Cell {
                                class,
                                symbol,
                                label: format!("{}: {words}", ind.id),
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}
