//! The tutor's side: record a judgement ([`review`]), check many portfolios at once
//! ([`cohort`]) and report them as text, JSON, CSV, XLSX ([`cohort_report`]) or an
//! HTML dashboard ([`dashboard`]), flagging who has added no evidence lately ([`momentum`]).

pub mod cohort;
pub mod cohort_report;
pub mod dashboard;
pub mod momentum;
pub mod review;
