//! `senco build`: the HTML portfolio for assessors.

use super::{CheckArgs, OK, Outcome, PROBLEMS};
use senco::report;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml (default: the nearest one at or above
    /// the current folder).
    path: Option<PathBuf>,
    /// Output folder (default: `site` inside the portfolio). Never over an evidence folder, nor over a folder senco did not build.
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the output folder even if senco did not create it.
    #[arg(long)]
    force: bool,
    /// Open the built portfolio in the browser.
    #[arg(long)]
    open: bool,
    /// Print only problems: no summary line, no note of the portfolio found.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    check: CheckArgs,
}

pub fn run(args: &Args) -> Outcome {
    let path = super::portfolio_path(args.path.as_deref(), args.quiet)?;
    let options = args.check.options()?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| senco::render::default_out(&path));
    let (_, built) = senco::render::check_and_build(
        || senco::check(&path, &options),
        &senco::render::BuildOptions {
            out,
            force: args.force,
            history: true,
        },
    )?;
    let mut err = super::report_stderr();
    for d in &built.diagnostics {
        report::write_diagnostic(&mut err, d)?;
    }
    if let (Some(note), false) = (&built.progress_note, args.quiet) {
        writeln!(err, "note: no progress page: {note}")?;
    }
    err.flush()?;
    let index = built.out.join("index.html");
    if !args.quiet {
        writeln!(
            anstream::stdout(),
            "built {} pages into {}\nopen {} in a browser",
            built.pages,
            built.out.display(),
            index.display()
        )?;
    }
    if args.open {
        super::open_in_browser(&index)?;
    }
    Ok(if built.has_errors() { PROBLEMS } else { OK })
}
