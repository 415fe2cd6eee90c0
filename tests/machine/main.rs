//! The tests that depend on what is installed on this machine: a real browser (Chromium
//! driven by playwright-core, with axe-core; and printing PDFs, read back with
//! poppler-utils), LibreOffice Calc, and a tmpfs that only root
//! can mount. Everything else is in the `it` test crate.
//!
//! A test that cannot run here is reported as `ignored`, with what is missing and how to
//! get it, and counted in the summary line; with `CI` set (CI installs all of it, see
//! `.ci/run`) it fails instead, so a broken CI image cannot pass. Built with
//! `harness = false` on libtest-mimic, which can ignore a test at run time.

use libtest_mimic::{Arguments, Completion, Trial};

#[path = "../it/harness.rs"]
#[allow(dead_code)] // this target uses a few of the shared helpers
mod harness;

mod browser;
#[cfg(target_os = "linux")]
mod full_disk;
mod layout;
mod libreoffice;
mod pdf;
mod review;

/// Why a test cannot run on this machine, and what would let it.
pub struct Missing(pub String);

/// Whether this is a CI run, where every test must run.
fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A test that needs something from the machine: `body` returns [`Missing`] (before
/// asserting anything) when it cannot run here, and panics when a check fails.
pub fn machine_test(name: &str, body: fn() -> Result<(), Missing>) -> Trial {
    Trial::ignorable_test(name, move || match body() {
        Ok(()) => Ok(Completion::Completed),
        Err(Missing(reason)) if in_ci() => {
            Err(format!("cannot run under CI (CI is set): {reason}").into())
        }
        Err(Missing(reason)) => Ok(Completion::ignored_with(reason)),
    })
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = browser::tests();
    trials.extend(layout::tests());
    trials.extend(review::tests());
    trials.extend(libreoffice::tests());
    trials.extend(pdf::tests());
    #[cfg(target_os = "linux")]
    trials.extend(full_disk::tests());
    libtest_mimic::run(&args, trials).exit();
}
