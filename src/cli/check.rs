//! `senco check`: coverage and every problem, as text or JSON.

use super::{CheckArgs, Format, OK, Outcome, PROBLEMS, portfolio_path};
use senco::report;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml (default: the nearest one at or above
    /// the current folder).
    path: Option<PathBuf>,
    /// Output format: human-readable text or one JSON object (documented in the guide).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also fail (exit code 1) when any indicator is not yet covered.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    check: CheckArgs,
}

pub fn run(args: &Args) -> Outcome {
    let today = args.check.today()?;
    let path = portfolio_path(args.path.as_deref(), false)?;
    let options = senco::CheckOptions {
        // Nothing is rendered from this check, so the files are never compared again.
        report_only: true,
        ..args.check.options()?
    };
    let check = senco::check(&path, &options)?;
    // Written in large blocks, not a system call per line; JSON never has colour to strip.
    match args.format {
        Format::Json => {
            let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
            report::write_json_on(&mut out, &check, today)?;
            out.flush()?;
        }
        Format::Text => {
            let mut out = super::report_stdout();
            report::write_text_on(&mut out, &check, Some(today))?;
            out.flush()?;
        }
    }
    let outcome = if check.fails(args.strict) {
        PROBLEMS
    } else {
        OK
    };
    // The process ends next: freeing every record of a large portfolio one by one
    // would cost a twentieth of a warm check, and the system takes it all back at once.
    std::mem::forget(check);
    Ok(outcome)
}
