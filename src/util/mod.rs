//! Helpers every stage may use, and that use no stage: atomic file writes
//! ([`atomic`]), the containment rule and capped reads ([`fs`]) and did-you-mean
//! suggestions ([`suggest`]).

pub mod atomic;
pub mod fs;
pub mod suggest;
