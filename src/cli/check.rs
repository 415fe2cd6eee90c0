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
    let check = senco::check(&path, &args.check.options()?)?;
    let mut out = anstream::stdout().lock();
    match args.format {
        Format::Json => report::write_json_on(&mut out, &check, today)?,
        Format::Text => report::write_text_on(&mut out, &check, Some(today))?,
    }
    out.flush()?;
    Ok(if check.fails(args.strict) {
        PROBLEMS
    } else {
        OK
    })
}
