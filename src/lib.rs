//! senco: track SENCO training evidence against learning outcomes.
//!
//! The pipeline, one folder per stage, each handing typed data to the next and importing
//! only the stages before it (and [`util`] and [`error`], which import no stage):
//!
//! 1. [`model`]: load the outcome [`model::framework`] (built-in JSON or a file) and the
//!    trainee's [`model::portfolio`] settings; the statutory [`model::deadline`].
//! 2. [`check`]: discover the evidence files, parse each one, scan it for identifiers,
//!    and work out coverage and the tutors' judgements: a [`Check`].
//! 3. [`report`]: tell the trainee (text or JSON).
//! 4. [`render`]: the HTML portfolio for assessors, and the single-file version.
//! 5. [`serve`]: a live preview that re-renders what a save touched.
//! 6. [`tutor`]: record judgements, check a cohort, report and render it.
//! 7. [`pack`]: assessment packs for moderation, and their verification.
//!
//! Beside the pipeline, [`author`] writes into a portfolio when asked (`init`, `new`,
//! `pseudonymise`). The `senco` binary is a thin face over these; tests and benchmarks
//! call the library directly.
//!
//! # Using the library
//!
//! One call checks a portfolio, as `senco check` does; every later stage takes the
//! [`Check`] it returns, so a program never parses evidence twice:
//!
//! ```
//! use senco::{CheckOptions, Severity};
//! use std::path::Path;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The starter portfolio that `senco init` copies.
//! let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("portfolio-template");
//! let check = senco::check(&root, &CheckOptions::default())?;
//! assert_eq!(check.count(Severity::Error), 0);
//!
//! let covered = check.coverage.leaves_covered(&check.framework);
//! let total = check.coverage.leaves_total(&check.framework);
//! assert!(covered <= total && total > 0);
//!
//! // The report `senco check` prints, into any writer.
//! let mut text = Vec::new();
//! senco::report::write_text(&mut text, &check)?;
//! assert!(String::from_utf8(text)?.contains(&check.portfolio.title));
//! # Ok(())
//! # }
//! ```
//!
//! A problem in the evidence is a [`Diagnostic`] in [`Check::diagnostics`] (file, line,
//! column, a stable [`Code`] and a [`Severity`]), never an `Err`: the `Err` of
//! [`check`] is a [`FatalError`], the portfolio as a whole cannot be read.

pub mod author;
pub mod check;
pub mod error;
pub mod model;
pub mod pack;
pub mod render;
pub mod report;
pub mod serve;
pub mod tutor;
pub mod util;

pub use check::coverage::Coverage;
pub use check::{Changes, Check, CheckOptions, Memo, check, recheck};
pub use error::{Code, Diagnostic, FatalError, Severity};
pub use model::framework::Framework;
pub use model::portfolio::Portfolio;
