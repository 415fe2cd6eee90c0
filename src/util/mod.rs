//! Helpers every stage may use, and that use no stage: atomic file writes
//! ([`atomic`]), portfolio-relative paths ([`path`]), did-you-mean suggestions
//! ([`suggest`]) and slugs ([`text`]).

pub mod atomic;
pub mod path;
pub mod suggest;
pub mod text;
