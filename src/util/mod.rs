//! Helpers every stage may use, and that use no stage: atomic file writes
//! ([`atomic`]), the hidden-file rule, written paths, the containment rule and capped
//! reads ([`fs`]), hashing ([`hash`]), portfolio-relative paths ([`path`]), did-you-mean
//! suggestions ([`suggest`]), slugs and plurals ([`text`]), tie-aware ranking ([`rank`]),
//! opening a page in the browser ([`browser`]), reading a portfolio's git history
//! without running anything it names ([`git`]) and testing eight bytes of text at once
//! ([`bytes`]).

pub mod atomic;
pub mod browser;
pub mod bytes;
pub mod fs;
pub mod git;
pub mod hash;
pub mod path;
pub mod rank;
pub mod suggest;
pub mod text;
