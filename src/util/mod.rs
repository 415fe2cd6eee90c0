//! Helpers every stage may use, and that use no stage: atomic file writes
//! ([`atomic`]), the hidden-file rule, written paths, the containment rule and capped reads ([`fs`]), hashing ([`hash`]),
//! did-you-mean suggestions ([`suggest`]) and slugs and plurals ([`text`]).

pub mod atomic;
pub mod fs;
pub mod hash;
pub mod suggest;
pub mod text;
