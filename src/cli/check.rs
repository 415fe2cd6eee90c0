//! `senco check`: coverage and every problem, as text or JSON.

use super::{CheckArgs, Format, OK, Outcome, PROBLEMS};
use senco::report;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml.
    #[arg(default_value = ".")]
    path: PathBuf,
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
    let check = senco::check_portfolio_with(&args.path, &args.check.options()?)?;
    let mut out = anstream::stdout().lock();
    match args.format {
        Format::Json => report::write_json(&mut out, &check)?,
        Format::Text => report::write_text(&mut out, &check)?,
    }
    out.flush()?;
    Ok(if check.fails(args.strict) {
        PROBLEMS
    } else {
        OK
    })
}
