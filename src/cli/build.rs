//! `senco build`: the HTML portfolio for assessors.

use super::{OK, Outcome, PROBLEMS};
use senco::report;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output folder (default: `site` inside the portfolio). Never inside an evidence folder.
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the output folder even if senco did not create it.
    #[arg(long)]
    force: bool,
}

pub fn run(args: &Args) -> Outcome {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| senco::render::default_out(&args.path));
    let (_, built) = senco::render::check_and_build(
        || senco::check_portfolio(&args.path),
        &senco::render::BuildOptions {
            out,
            force: args.force,
        },
    )?;
    let mut err = anstream::stderr().lock();
    for d in &built.diagnostics {
        report::write_diagnostic(&mut err, d)?;
    }
    writeln!(
        anstream::stdout(),
        "built {} pages into {}\nopen {} in a browser",
        built.pages,
        built.out.display(),
        built.out.join("index.html").display()
    )?;
    Ok(if built.has_errors() { PROBLEMS } else { OK })
}
