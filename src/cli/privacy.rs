//! `senco privacy`: only the privacy lint's findings.

use super::{OK, Outcome, PROBLEMS};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml.
    #[arg(default_value = ".")]
    path: PathBuf,
}

pub fn run(args: &Args) -> Outcome {
    let portfolio = senco::model::portfolio::Portfolio::load(&args.path)?;
    let scan = senco::check::privacy::scan_portfolio(&portfolio)?;
    let mut out = anstream::stdout().lock();
    senco::report::write_privacy(&mut out, &scan)?;
    out.flush()?;
    Ok(if scan.has_errors() { PROBLEMS } else { OK })
}
