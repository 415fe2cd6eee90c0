//! Helpers every stage may use, and that use no stage: atomic file writes
//! ([`atomic`]), did-you-mean suggestions ([`suggest`]) and tie-aware ranking ([`rank`]).

pub mod atomic;
pub mod browser;
pub mod rank;
pub mod suggest;
