//! Helpers every stage may use, and that use no stage: atomic file writes
//! ([`atomic`]) and did-you-mean suggestions ([`suggest`]).

pub mod atomic;
pub mod percent;
pub mod suggest;
