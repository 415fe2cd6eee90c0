//! Momentum: when a trainee last added or changed evidence, and whether that was too
//! long ago. Reflective logs written weeks after the event are a known weakness of
//! portfolios, so a tutor wants to see who has gone quiet before it shows.
//!
//! Each evidence file is dated by the best source it has: its `date:` front matter,
//! else the date of the last commit that touched it (when the portfolio is a git
//! repository), else its modification time, which a clone or an unzip resets. The
//! newest of those dates is the trainee's, and the outputs say which source gave it.

use crate::check::evidence::Evidence;
use crate::util::git::{GitError, Repository};
use jiff::civil::Date;
use serde::Serialize;
use std::path::Path;

/// Weeks without new or changed evidence after which a trainee is flagged.
pub const DEFAULT_WEEKS: u32 = 4;

/// Where an evidence file's date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DateSource {
    /// The file's `date:` front matter.
    FrontMatter,
    /// The last commit that touched the file.
    Git,
    /// The file's modification time (reset by a clone or an unzip).
    FileTime,
}

impl DateSource {
    /// One short word for the terminal table.
    pub fn short(self) -> &'static str {
        match self {
            DateSource::FrontMatter => "date",
            DateSource::Git => "git",
            DateSource::FileTime => "file",
        }
    }

    /// In words, for the lists and the dashboard.
    pub fn words(self) -> &'static str {
        match self {
            DateSource::FrontMatter => "front matter date",
            DateSource::Git => "git commit date",
            DateSource::FileTime => "file modification time",
        }
    }
}

/// How many evidence files were dated by each source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DatedBy {
    /// Files dated by their `date:` front matter.
    pub front_matter: usize,
    /// Files dated by their last git commit.
    pub git: usize,
    pub(crate) file_time: usize,
    /// Files with no date at all (front matter missing, untracked, no readable time).
    pub undated: usize,
}

/// One trainee's momentum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Momentum {
    /// The newest evidence date (YYYY-MM-DD); `None` when there is no dated evidence.
    pub last: Option<String>,
    /// Where that newest date came from.
    pub source: Option<DateSource>,
    /// Whole days from `last` to the cohort's "today" (negative when in the future).
    pub days_since: Option<i64>,
    /// No new or changed evidence for more than the set number of weeks (or none at all).
    pub inactive: bool,
    /// How many files each source dated.
    pub dated_by: DatedBy,
    /// Why git history was not used although the portfolio has a `.git`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_note: Option<String>,
}

/// Dates `evidence` (paths relative to `root`) and judges it against `today`: inactive
/// when the newest date is more than `weeks` × 7 days before `today`, so exactly
/// `weeks` weeks is not yet inactive and one day more is.
pub fn measure(
    root: &Path,
    evidence_dirs: &[String],
    evidence: &[Evidence],
    today: Date,
    weeks: u32,
) -> Momentum {
    let mut momentum = Momentum::default();
    // Git is asked only when some file has no front matter date.
    let need_git = evidence.iter().any(|e| e.date.is_none());
    let commits = if need_git {
        match Repository::open(root).and_then(|repo| repo.last_change_dates(evidence_dirs)) {
            Ok(dates) => dates,
            Err(GitError::NotRepository) => Default::default(),
            Err(e) => {
                momentum.git_note = Some(e.to_string());
                Default::default()
            }
        }
    } else {
        Default::default()
    };
    let mut newest: Option<(Date, DateSource)> = None;
    for e in evidence {
        let dated = e
            .date
            .map(|d| (d, DateSource::FrontMatter))
            .or_else(|| {
                commits
                    .get(&e.path)
                    .and_then(|d| d.parse::<Date>().ok())
                    .map(|d| (d, DateSource::Git))
            })
            .or_else(|| file_date(&root.join(&e.path)).map(|d| (d, DateSource::FileTime)));
        let Some((date, source)) = dated else {
            momentum.dated_by.undated += 1;
            continue;
        };
        match source {
            DateSource::FrontMatter => momentum.dated_by.front_matter += 1,
            DateSource::Git => momentum.dated_by.git += 1,
            DateSource::FileTime => momentum.dated_by.file_time += 1,
        }
        // On equal dates the better source is named (front matter, then git).
        if newest.is_none_or(|(d, _)| date > d) {
            newest = Some((date, source));
        }
    }
    match newest {
        Some((date, source)) => {
            // A span between two dates is in whole days unless asked otherwise.
            let days = date
                .until(today)
                .map_or(0, |span| i64::from(span.get_days()));
            momentum.last = Some(date.to_string());
            momentum.source = Some(source);
            momentum.days_since = Some(days);
            momentum.inactive = days > i64::from(weeks) * 7;
        }
        None => momentum.inactive = true,
    }
    momentum
}

/// A file's modification date (UTC), if it can be read.
fn file_date(path: &Path) -> Option<Date> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let stamp = jiff::Timestamp::try_from(modified).ok()?;
    Some(stamp.to_zoned(jiff::tz::TimeZone::UTC).date())
}

/// The reason shown for an inactive trainee.
pub fn reason(m: &Momentum, weeks: u32) -> Option<String> {
    if !m.inactive {
        return None;
    }
    Some(match (&m.last, m.source, m.days_since) {
        (Some(last), Some(source), Some(days)) => format!(
            "no new or changed evidence for over {weeks} week{}: newest {last} ({}), {days} days ago",
            crate::util::text::plural(weeks as usize),
            source.words()
        ),
        _ => "no dated evidence yet".to_string(),
    })
}
