//! The cohort dashboard (`senco cohort DIR --format html -o OUT`): a tutor's view of every
//! trainee at once, with each trainee's own built portfolio beside it.
//!
//! Four static pages from one template, so nothing needs JavaScript: trainees by name, by
//! coverage (lowest first) and by deadline (soonest first), and a heat-map matrix of
//! trainees against indicators that states every cell in words as well as colour.

use crate::check::judgement::Standing;
use crate::error::FatalError;
use crate::render::output::{self, Staging};
use crate::render::theme::Theme;
use crate::tutor::cohort::{self, Cohort, Mark, Member, Row, Skipped};
use jiff::civil::Date;
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;

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
    deadline: Option<jiff::civil::Date>,
    at_risk: &'a [String],
    last_evidence: Option<&'a str>,
    /// Where `last_evidence` came from, in words.
    last_source: Option<&'static str>,
    /// Why the trainee is inactive, when they are.
    inactive: Option<String>,
    error: Option<&'a str>,
}

/// A trainee's request for assessment, as the dashboard lists it.
#[derive(Serialize)]
struct Asking<'a> {
    name: &'a str,
    href: Option<String>,
    subject: &'a str,
    date: &'a str,
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
    /// Every judged state a heat-map cell can show, for its key.
    standings: Vec<StandingKey>,
    /// Every trainee's requests for assessment, by trainee name.
    ready: Vec<Asking<'a>>,
}

#[derive(Serialize)]
struct StandingKey {
    class: &'static str,
    symbol: &'static str,
    words: &'static str,
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
            row.progress().is_some().then(|| {
                let name = crate::util::text::slug_or(&row.name, "trainee");
                format!("portfolios/{}", crate::util::text::unique(&mut taken, name))
            })
        })
        .collect()
}

/// Where [`build`] writes the dashboard, and in which theme.
#[derive(Clone, Copy)]
pub struct Destination<'a> {
    /// The cohort folder (the output may not be inside a portfolio of it).
    pub cohort_dir: &'a Path,
    /// The dashboard's folder.
    pub out: &'a Path,
    /// Replace `out` even if senco did not create it.
    pub force: bool,
    /// The tutor's theme folder; `None`: the built-in theme.
    pub theme_dir: Option<&'a Path>,
}

/// Reads the cohort (as [`cohort::read`] does, `progress` after each member) and builds
/// the dashboard into `out`, with each readable trainee's portfolio built from the same
/// check that made the trainee's row, so the two always agree. `out` is replaced only
/// when everything was written. Returns the cohort and the number of pages written.
/// Every page, the trainees' portfolios included, is in the built-in theme or the one in
/// `theme_dir` the tutor chose: never a trainee's own `theme/`, which is their code.
pub fn build(
    members: &[Member],
    skipped: Vec<Skipped>,
    today: Date,
    inactive_after: u32,
    progress: &(dyn Fn() + Sync),
    to: &Destination<'_>,
) -> Result<(Cohort, usize), FatalError> {
    let Destination {
        cohort_dir,
        out,
        force,
        theme_dir,
    } = *to;
    let theme = &crate::render::theme::load(theme_dir)?;
    output::check_target(cohort_dir, &[], out, force)?;
    let staging = Staging::create(out)?;
    let built = Mutex::new(Ok(0));
    // Each site is built as soon as its member is checked, under a name by member index;
    // the final names need every trainee's name, known only once all are read.
    let cohort = cohort::read_with(
        members,
        skipped,
        today,
        inactive_after,
        progress,
        &|index, check| {
            let site = crate::render::build_with_theme(
                check,
                theme,
                &crate::render::BuildOptions {
                    out: staging.path().join(member_dir(index)),
                    force: true,
                    history: false,
                },
            );
            let mut total = built.lock().unwrap_or_else(|e| e.into_inner());
            match (&mut *total, site) {
                (Ok(pages), Ok(site)) => *pages += site.pages,
                (Ok(_), Err(e)) => *total = Err(e),
                (Err(_), _) => {}
            }
        },
    );
    let result = built
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .and_then(|pages| write(&cohort, theme, staging.path(), pages));
    match result {
        Ok(pages) => {
            staging.commit()?;
            Ok((cohort, pages))
        }
        Err(e) => {
            staging.abandon();
            Err(e)
        }
    }
}

/// Where member `index`'s site is built before it gets its final name.
fn member_dir(index: usize) -> String {
    format!("portfolios/.member-{index}")
}

/// Names the trainees' built sites and writes the dashboard's own pages; `pages` sites'
/// pages are already written.
fn write(
    cohort: &Cohort,
    theme: &Theme,
    dir: &Path,
    mut pages: usize,
) -> Result<usize, FatalError> {
    let dirs = portfolio_dirs(cohort);
    for (index, site) in dirs.iter().enumerate() {
        let Some(site) = site else { continue };
        let (from, to) = (dir.join(member_dir(index)), dir.join(site));
        std::fs::rename(&from, &to).map_err(|e| {
            FatalError::io(
                format!("cannot move {} to {}", from.display(), to.display()),
                e,
            )
        })?;
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
            ready: cohort
                .trainees
                .iter()
                .zip(&hrefs)
                .flat_map(|(r, href)| {
                    let ready = r.progress().map_or(&[][..], |p| &p.ready);
                    ready.iter().map(move |q| Asking {
                        name: &r.name,
                        href: href.clone(),
                        subject: &q.subject,
                        date: &q.date,
                    })
                })
                .collect(),
            standings: Standing::ALL
                .into_iter()
                .filter(|&s| s != Standing::Meets)
                .map(|s| StandingKey {
                    class: standing_class(s),
                    symbol: s.symbol(),
                    words: s.words(),
                })
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
    let p = r.progress();
    TraineeRow {
        name: &r.name,
        candidate: r.candidate.as_deref(),
        href,
        percent: r.percent(),
        covered: p.map_or(0, |p| p.covered),
        assessed: p.map_or(0, |p| p.assessed),
        total: p.map_or(0, |p| p.total),
        stale: p.map_or(0, |p| p.stale),
        errors: p.map_or(0, |p| p.errors),
        deadline: p.and_then(|p| p.deadline),
        at_risk: r.at_risk(),
        last_evidence: p.and_then(|p| p.momentum.last.as_deref()),
        last_source: p.and_then(|p| p.momentum.source.map(|s| s.words())),
        inactive: p.and_then(|p| crate::tutor::momentum::reason(&p.momentum, inactive_after)),
        error: r.broken(),
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
                .filter_map(|(r, href)| Some((r, r.progress()?, href)))
                .filter(|(_, p, _)| p.framework_index == fi)
                .map(|(r, p, href)| MatrixRow {
                    name: &r.name,
                    href: href.clone(),
                    cells: p
                        .indicators
                        .iter()
                        .zip(&fw.indicators)
                        .enumerate()
                        .map(|(k, (mark, ind))| {
                            let (class, symbol, words) = match mark {
                                Mark::None => ("mark-none", "", "not covered"),
                                Mark::Covered => ("mark-covered", "✓", "covered"),
                                Mark::Assessed => ("mark-assessed", "★", "covered and assessed"),
                                Mark::AssessedOnly => {
                                    ("mark-assessed-only", "☆", "assessed, evidence short")
                                }
                            };
                            // A judgement other than `meets` says more than the mark.
                            match p.judged.get(k).copied().flatten() {
                                Some(standing) if standing != Standing::Meets => Cell {
                                    class: standing_class(standing),
                                    symbol: standing.symbol(),
                                    label: format!("{}: {words}; {}", ind.id, standing.words()),
                                },
                                _ => Cell {
                                    class,
                                    symbol,
                                    label: format!("{}: {words}", ind.id),
                                },
                            }
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// The class of a heat-map cell that a judgement marks.
fn standing_class(standing: Standing) -> &'static str {
    match standing {
        Standing::Meets => "standing-meets",
        Standing::PartiallyMeets => "standing-partially-meets",
        Standing::DoesNotMeet => "standing-does-not-meet",
        Standing::Ready => "standing-ready",
        Standing::Stale => "standing-stale",
    }
}
