//! Helpers every stage may use, and that use no stage: atomic file writes
//! ([`atomic`]), portfolio-relative paths ([`path`]) and did-you-mean suggestions
//! ([`suggest`]).

pub mod atomic;
pub mod path;
pub mod suggest;
