//! `senco privacy`: only the privacy lint's findings.

use super::{OK, Outcome, PROBLEMS, portfolio_path};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml (default: the nearest one at or above
    /// the current folder).
    path: Option<PathBuf>,
}

pub fn run(args: &Args) -> Outcome {
    let path = portfolio_path(args.path.as_deref(), false)?;
    let portfolio = senco::model::portfolio::Portfolio::load(&path)?;
    let scan = senco::check::privacy::scan_portfolio(&portfolio)?;
    let mut out = super::report_stdout();
    senco::report::write_privacy(&mut out, &scan)?;
    out.flush()?;
    Ok(if scan.has_errors() { PROBLEMS } else { OK })
}
