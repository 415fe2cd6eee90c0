//! The statutory deadline: regulation 49 of the SEND Regulations 2014, as amended by the
//! SEND (Amendment) Regulations 2024 (SI 2024/535).
//!
//! A person who becomes a SENCO after 1 September 2009, and has not been a SENCO for more
//! than twelve months in total before, must hold the relevant qualification by the third
//! anniversary of becoming SENCO (reg 49(4)). The relevant qualification is NASENCO for a
//! course started before 1 September 2024 and completed before 1 September 2027, and the
//! NPQ for SENCOs for a course started on or after 1 September 2024 (reg 49(7)).
//! This is senco's reading of the law, not legal advice; the guide says so.

use jiff::civil::{Date, date};
use serde::Serialize;

/// Reg 49(4) applies to those who become SENCO *after* this date.
pub(crate) const DUTY_START: Date = date(2009, 9, 1);
/// Courses starting on or after this date lead to the NPQ for SENCOs (reg 49(7)(b)).
pub(crate) const NPQ_START: Date = date(2024, 9, 1);
/// A NASENCO course must be completed before this date (reg 49(7)(a)).
pub(crate) const NASENCO_END: Date = date(2027, 9, 1);

/// When a SENCO must hold the mandatory qualification, worked out from the appointment
/// date under the SEND Regulations 2014, reg 49.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// The date the SENCO took up the post.
    pub appointed: Date,
    /// The third anniversary of appointment; `None` when the duty does not apply.
    pub deadline: Option<Date>,
    /// Which qualification applies, in words.
    pub qualification: String,
    /// What the trainee should know, in words.
    pub note: String,
}

/// Works out the deadline for a SENCO appointed on `appointed`, whose portfolio follows
/// the framework `framework_id`.
pub fn deadline(appointed: Date, framework_id: &str) -> Deadline {
    let nasenco = framework_id.starts_with("nasenco");
    if appointed <= DUTY_START {
        return Deadline {
            appointed,
            deadline: None,
            qualification: "none required by regulation 49(4)".into(),
            note: "Regulation 49(4) applies to SENCOs appointed after 1 September 2009, so no qualification deadline follows from this date".into(),
        };
    }
    let third = third_anniversary(appointed);
    let (qualification, note) = if appointed >= NPQ_START {
        let note = if nasenco {
            "Appointed on or after 1 September 2024: a course you start now leads to the NPQ for SENCOs; NASENCO counts only if your course started before 1 September 2024 and ends before 1 September 2027"
        } else {
            "Complete the NPQ for SENCOs by the deadline"
        };
        ("NPQ for SENCOs".to_string(), note.to_string())
    } else if nasenco {
        // Appointed before 1 September 2024, so the third anniversary falls before
        // 1 September 2027 and the deadline is the binding date.
        (
            "NASENCO (course started before 1 September 2024)".to_string(),
            "A NASENCO course must also be completed before 1 September 2027".to_string(),
        )
    } else {
        (
            "NPQ for SENCOs, or NASENCO if your course started before 1 September 2024 and is completed before 1 September 2027".to_string(),
            "Complete the qualification by the deadline".to_string(),
        )
    };
    Deadline {
        appointed,
        deadline: Some(third),
        qualification,
        note,
    }
}

/// Inside this many days of the deadline, `senco check` warns.
pub(crate) const WARN_DAYS: i64 = 90;

/// Where a deadline stands on a given day, the bands `check` and `cohort` both use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "band", content = "days")]
pub(crate) enum Standing {
    /// The deadline was this many days ago (at least 1).
    Passed(i64),
    /// The deadline is today: 0 days left.
    Today,
    /// This many days left (1 to [`WARN_DAYS`] inclusive).
    Soon(i64),
    /// More than [`WARN_DAYS`] days left.
    Ahead(i64),
}

impl Standing {
    /// Days from `today` to `deadline`: 0 on the day, negative once passed.
    pub fn days_left(self) -> i64 {
        match self {
            Standing::Passed(ago) => -ago,
            Standing::Today => 0,
            Standing::Soon(left) | Standing::Ahead(left) => left,
        }
    }

    /// The standing in words, e.g. "38 days left" or "passed 3 days ago".
    pub(crate) fn describe(self) -> String {
        let days = |n: i64| {
            if n == 1 {
                "1 day".to_string()
            } else {
                format!("{n} days")
            }
        };
        match self {
            Standing::Passed(ago) => format!("passed {} ago", days(ago)),
            Standing::Today => "today: 0 days left".to_string(),
            Standing::Soon(left) | Standing::Ahead(left) => format!("{} left", days(left)),
        }
    }
}

/// Days are counted in the civil calendar, so a deadline tomorrow is 1 day away whatever
/// the hour.
pub(crate) fn standing(deadline: Date, today: Date) -> Standing {
    let left = i64::from(
        today
            .until((jiff::Unit::Day, deadline))
            .map_or(0, |span| span.get_days()),
    );
    match left {
        l if l < 0 => Standing::Passed(-l),
        0 => Standing::Today,
        l if l <= WARN_DAYS => Standing::Soon(l),
        l => Standing::Ahead(l),
    }
}

/// The third anniversary; 29 February falls back to 28 February, as jiff clamps.
pub(crate) fn third_anniversary(appointed: Date) -> Date {
    appointed
        .checked_add(jiff::Span::new().years(3))
        .unwrap_or(appointed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duty_starts_after_1_september_2009() {
        assert!(
            deadline(date(2009, 9, 1), "nasenco-2014")
                .deadline
                .is_none()
        );
        assert_eq!(
            deadline(date(2009, 9, 2), "nasenco-2014").deadline,
            Some(date(2012, 9, 2))
        );
    }

    #[test]
    fn nasenco_must_end_before_september_2027() {
        let d = deadline(date(2024, 8, 1), "nasenco-2014");
        assert_eq!(d.deadline, Some(date(2027, 8, 1)));
        assert!(d.note.contains("before 1 September 2027"));
        let late = deadline(date(2024, 8, 31), "nasenco-2014");
        assert_eq!(late.deadline, Some(date(2027, 8, 31)));
    }

    #[test]
    fn appointments_from_september_2024_lead_to_the_npq() {
        let d = deadline(date(2024, 9, 1), "npq-senco-2023");
        assert_eq!(d.qualification, "NPQ for SENCOs");
        assert_eq!(d.deadline, Some(date(2027, 9, 1)));
    }

    #[test]
    fn dates_serialise_as_iso_text() {
        let d = deadline(date(2024, 9, 1), "npq-senco-2023");
        let json = serde_json::to_string(&d).unwrap_or_default();
        assert!(
            json.starts_with(r#"{"appointed":"2024-09-01","deadline":"2027-09-01","#),
            "{json}"
        );
    }

    #[test]
    fn standing_counts_calendar_days_with_zero_on_the_day() {
        let deadline = date(2027, 1, 8);
        assert_eq!(standing(deadline, date(2027, 1, 8)), Standing::Today);
        assert_eq!(standing(deadline, date(2027, 1, 8)).days_left(), 0);
        assert_eq!(standing(deadline, date(2027, 1, 7)), Standing::Soon(1));
        assert_eq!(standing(deadline, date(2027, 1, 9)), Standing::Passed(1));
        assert_eq!(standing(deadline, date(2026, 12, 1)), Standing::Soon(38));
        assert_eq!(standing(deadline, date(2026, 10, 10)), Standing::Soon(90));
        assert_eq!(standing(deadline, date(2026, 10, 9)), Standing::Ahead(91));
        assert_eq!(Standing::Passed(3).describe(), "passed 3 days ago");
        assert_eq!(Standing::Soon(1).describe(), "1 day left");
    }

    #[test]
    fn leap_day_anniversary() {
        assert_eq!(third_anniversary(date(2024, 2, 29)), date(2027, 2, 28));
    }
}
