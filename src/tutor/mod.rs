//! The tutor's side: record a judgement ([`review`]), check many portfolios at once
//! ([`cohort`]) and report them as text, JSON, CSV, XLSX ([`cohort_report`]) or an
//! HTML dashboard ([`dashboard`]).

pub mod cohort;
pub mod cohort_report;
pub mod dashboard;
pub mod review;
