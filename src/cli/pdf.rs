//! `senco pdf`: the whole portfolio as one tagged PDF, printed by a Chromium-family browser.

use super::{CheckArgs, OK, Outcome, PROBLEMS};
use senco::render::pdf::{self, PdfOptions};
use senco::report;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml (default: the nearest one at or above
    /// the current folder).
    path: Option<PathBuf>,
    /// The PDF file to write (replaced only once the new one is complete).
    #[arg(short, long, value_name = "FILE.pdf")]
    output: PathBuf,
    /// The browser to print with: Chromium, Chrome or Edge 132 or later (default: the
    /// first found on PATH, then in the usual install locations).
    #[arg(long, value_name = "PATH")]
    browser: Option<PathBuf>,
    /// Stop the browser and fail after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = pdf::DEFAULT_TIMEOUT.as_secs())]
    timeout: u64,
    /// Print only problems: no summary line, no note of the portfolio found.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    check: CheckArgs,
}

pub fn run(args: &Args) -> Outcome {
    let path = super::portfolio_path(args.path.as_deref(), args.quiet)?;
    let options = PdfOptions::found(args.browser.as_deref(), args.timeout)?;
    let check = senco::check(&path, &args.check.options()?)?;
    let bytes = pdf::portfolio(&check, &options)?;
    senco::util::atomic::write_replace(&args.output, &bytes)?;
    let mut err = super::report_stderr();
    for d in &check.diagnostics {
        report::write_diagnostic(&mut err, d)?;
    }
    err.flush()?;
    if !args.quiet {
        writeln!(
            anstream::stdout(),
            "wrote {} ({} bytes)",
            args.output.display(),
            bytes.len()
        )?;
    }
    Ok(if check.has_errors() { PROBLEMS } else { OK })
}
