//! Progress over time: coverage by week, rebuilt from a portfolio's git history.
//!
//! For each week (Monday to Sunday) from the first commit to the last, the portfolio as it
//! stood at the week's last commit on the first-parent line of HEAD: each evidence file
//! is read out of the repository ([`crate::util::git`], which runs nothing the
//! repository asks for) and parsed by the same code as `senco check`
//! ([`crate::check::evidence::parse_bytes`], [`crate::check::coverage::analyse`]),
//! against today's framework and rules, so the weeks compare like with like. A file
//! unchanged from one week to the next is parsed once. Bounded: at most [`MAX_WEEKS`]
//! weeks (the latest), each file at most the evidence cap, [`MAX_TOTAL_BYTES`] in all.

use crate::check::coverage;
use crate::check::evidence::{self, Evidence};
use crate::model::framework::Framework;
use crate::model::portfolio::Portfolio;
use crate::util::git::{GitError, Repository};
use crate::util::text::percent;
use jiff::civil::Date;
use serde::Serialize;
use std::collections::HashMap;

/// The most weeks shown: the latest two years.
pub(crate) const MAX_WEEKS: usize = 104;

/// The most bytes of evidence read out of the history in all.
pub(crate) const MAX_TOTAL_BYTES: u64 = 512 << 20;

/// Coverage by week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The portfolio's title.
    pub title: String,
    /// The framework id(s) coverage is measured against (today's).
    pub framework: String,
    /// Indicators in the framework.
    pub total: usize,
    /// Oldest first.
    pub weeks: Vec<Week>,
    /// Weeks of history older than the ones shown (left out by [`MAX_WEEKS`]).
    pub weeks_left_out: usize,
    /// Versions of evidence files too large to read (over the evidence cap), each counted
    /// once; they count as files covering nothing.
    pub(crate) files_too_large: usize,
}

/// One week of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Week {
    /// The Monday that starts it, YYYY-MM-DD.
    pub week: String,
    /// The commit the week ends at (abbreviated), and its date.
    pub commit: String,
    /// The date of `commit`, YYYY-MM-DD.
    pub commit_date: String,
    /// Commits made during the week.
    pub commits: usize,
    /// Evidence files at `commit`.
    pub evidence_files: usize,
    /// Indicators covered at `commit`.
    pub covered: usize,
    /// Indicators in the framework as it is today.
    pub total: usize,
    /// `covered` of `total`, rounded down.
    pub percent: usize,
}

/// Why there is no progress to show, in words.
pub fn explain(error: &GitError) -> String {
    match error {
        GitError::NotRepository => {
            "the portfolio is not a git repository, so it has no history to show".into()
        }
        other => format!("cannot read the portfolio's history: {other}"),
    }
}

/// The Monday of `date`'s week.
fn monday(date: Date) -> Date {
    let back = i64::from(date.weekday().to_monday_zero_offset());
    date.checked_sub(jiff::Span::new().days(back))
        .unwrap_or(date)
}

/// Loads the portfolio at `root` and reads its progress: the outer error when the
/// portfolio cannot be loaded at all, the inner one when its history cannot be read.
pub fn of_portfolio(
    root: &std::path::Path,
) -> Result<Result<Progress, GitError>, crate::error::FatalError> {
    let (portfolio, framework) = crate::check::load(root)?;
    Ok(read(&portfolio, &framework))
}

/// Coverage by week of the portfolio at `portfolio.root`, from its git history.
pub fn read(portfolio: &Portfolio, framework: &Framework) -> Result<Progress, GitError> {
    let repo = Repository::open(&portfolio.root)?;
    let history = repo.history()?;
    let mut progress = Progress {
        title: portfolio.title.clone(),
        framework: framework.ids(),
        total: coverage::analyse(framework, &[], portfolio.rules.min_evidence)
            .leaves_total(framework),
        weeks: Vec::new(),
        weeks_left_out: 0,
        files_too_large: 0,
    };
    let dated: Vec<(&str, Date)> = history
        .iter()
        .filter_map(|(id, date)| Some((id.as_str(), date.parse::<Date>().ok()?)))
        .collect();
    let (Some(first), Some(last)) = (
        dated.iter().map(|(_, d)| *d).min(),
        dated.iter().map(|(_, d)| *d).max(),
    ) else {
        return Ok(progress);
    };
    let (first, last) = (monday(first), monday(last));
    let mut weeks: Vec<Date> = Vec::new();
    let mut week = first;
    while week <= last {
        weeks.push(week);
        match week.checked_add(jiff::Span::new().days(7)) {
            Ok(next) => week = next,
            Err(_) => break,
        }
    }
    if weeks.len() > MAX_WEEKS {
        progress.weeks_left_out = weeks.len() - MAX_WEEKS;
        weeks.drain(..progress.weeks_left_out);
    }
    // The week's state: the newest commit (first-parent, newest first) dated before the
    // next Monday. None before the first commit.
    let ends: Vec<Option<(&str, Date)>> = weeks
        .iter()
        .map(|w| {
            let next = w
                .checked_add(jiff::Span::new().days(7))
                .unwrap_or(Date::MAX);
            dated.iter().find(|(_, d)| *d < next).copied()
        })
        .collect();
    let mut parsed: HashMap<(String, String), Evidence> = HashMap::new();
    let mut at_commit: HashMap<String, (usize, usize)> = HashMap::new();
    let mut budget = MAX_TOTAL_BYTES;
    for (week, end) in weeks.iter().zip(&ends) {
        let Some((commit, commit_date)) = end else {
            continue;
        };
        let (files, covered) = match at_commit.get(*commit) {
            Some(&known) => known,
            None => {
                let found = coverage_at(
                    &repo,
                    commit,
                    portfolio,
                    framework,
                    &mut parsed,
                    &mut budget,
                    &mut progress.files_too_large,
                )?;
                at_commit.insert(commit.to_string(), found);
                found
            }
        };
        let next = week
            .checked_add(jiff::Span::new().days(7))
            .unwrap_or(Date::MAX);
        progress.weeks.push(Week {
            week: week.to_string(),
            commit: commit.chars().take(12).collect(),
            commit_date: commit_date.to_string(),
            commits: dated.iter().filter(|(_, d)| d >= week && *d < next).count(),
            evidence_files: files,
            covered,
            total: progress.total,
            percent: percent(covered, progress.total),
        });
    }
    Ok(progress)
}

/// Evidence files and indicators covered at `commit`.
fn coverage_at(
    repo: &Repository,
    commit: &str,
    portfolio: &Portfolio,
    framework: &Framework,
    parsed: &mut HashMap<(String, String), Evidence>,
    budget: &mut u64,
    too_large: &mut usize,
) -> Result<(usize, usize), GitError> {
    let files: Vec<(String, String, u64)> = repo
        .files_at(commit, &portfolio.evidence_dirs)?
        .into_iter()
        .filter(|(path, _, _)| {
            crate::check::discover::is_evidence_name(std::path::Path::new(path))
                && !crate::util::fs::is_hidden_path(path)
        })
        .collect();
    let mut wanted: Vec<&(String, String, u64)> = Vec::new();
    for file in &files {
        let (path, id, size) = file;
        let key = (path.clone(), id.clone());
        if parsed.contains_key(&key) {
            continue;
        }
        if *size > evidence::MAX_FILE_BYTES {
            // Counted once, and parsed as a file that could not be read (no coverage).
            *too_large += 1;
            let why = std::io::Error::other("larger than the evidence cap");
            parsed.insert(key, evidence::unreadable(path, &why).0);
        } else {
            wanted.push(file);
        }
    }
    let bytes: u64 = wanted.iter().map(|(_, _, size)| size).sum();
    if bytes > *budget {
        return Err(GitError::Failed(format!(
            "the history holds more than {} MiB of evidence to read",
            MAX_TOTAL_BYTES >> 20
        )));
    }
    *budget -= bytes;
    let ids: Vec<String> = wanted.iter().map(|(_, id, _)| id.clone()).collect();
    let blobs = repo.read_blobs(&ids, evidence::MAX_FILE_BYTES)?;
    for ((path, id, _), blob) in wanted.into_iter().zip(blobs) {
        let file = match blob {
            Some(bytes) => evidence::parse_bytes(&bytes, path, framework).0,
            None => evidence::unreadable(path, &std::io::Error::other("not in the repository")).0,
        };
        parsed.insert((path.clone(), id.clone()), file);
    }
    let evidence: Vec<Evidence> = files
        .iter()
        .filter_map(|(path, id, _)| parsed.get(&(path.clone(), id.clone())).cloned())
        .collect();
    let coverage = coverage::analyse(framework, &evidence, portfolio.rules.min_evidence);
    Ok((evidence.len(), coverage.leaves_covered(framework)))
}

/// The terminal table: one line per week, oldest first.
pub fn write_text(out: &mut dyn std::io::Write, progress: &Progress) -> std::io::Result<()> {
    use anstyle::Style;
    const BOLD: Style = Style::new().bold();
    const DIM: Style = Style::new().dimmed();
    writeln!(
        out,
        "{BOLD}Progress of {}{BOLD:#}: {} indicators of {}, by week of the git history",
        progress.title, progress.total, progress.framework
    )?;
    if progress.weeks.is_empty() {
        writeln!(
            out,
            "No commits yet: commit the evidence to start the history."
        )?;
        return Ok(());
    }
    writeln!(out)?;
    writeln!(
        out,
        "{BOLD}{:<10}  {:>7}  {:>5}  {:>9}  {:>4}  Commit{BOLD:#}",
        "Week of", "Commits", "Files", "Covered", "%"
    )?;
    for w in &progress.weeks {
        writeln!(
            out,
            "{:<10}  {:>7}  {:>5}  {:>9}  {:>3}%  {}",
            w.week,
            w.commits,
            w.evidence_files,
            format!("{}/{}", w.covered, w.total),
            w.percent,
            w.commit
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{DIM}Each week (Monday to Sunday) shows the portfolio at its last commit, checked against today's framework and rules.{DIM:#}"
    )?;
    if progress.weeks_left_out > 0 {
        writeln!(
            out,
            "{DIM}{} older week{} left out: at most {MAX_WEEKS} are shown.{DIM:#}",
            progress.weeks_left_out,
            crate::util::text::plural(progress.weeks_left_out)
        )?;
    }
    if progress.files_too_large > 0 {
        writeln!(
            out,
            "{DIM}{} version{} of evidence files over {} MiB not read (counted as covering nothing).{DIM:#}",
            progress.files_too_large,
            crate::util::text::plural(progress.files_too_large),
            evidence::MAX_FILE_BYTES >> 20
        )?;
    }
    Ok(())
}

/// `--format json`: the [`Progress`] struct.
pub fn write_json<W: std::io::Write + ?Sized>(
    out: &mut W,
    progress: &Progress,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, progress)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn weeks_start_on_monday() {
        // 2026-01-05 is a Monday.
        assert_eq!(monday(date(2026, 1, 5)), date(2026, 1, 5));
        assert_eq!(monday(date(2026, 1, 11)), date(2026, 1, 5));
        assert_eq!(monday(date(2026, 1, 12)), date(2026, 1, 12));
        assert_eq!(monday(date(2026, 1, 1)), date(2025, 12, 29));
    }
}
