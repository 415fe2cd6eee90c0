//! Commands that write into a trainee's portfolio, and only when asked: start one
//! ([`scaffold`]: `senco init`, `senco new`) and replace real names with pseudonyms
//! ([`pseudonymise`]).

pub mod pseudonymise;
pub mod scaffold;
