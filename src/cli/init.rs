//! `senco init`: a starter portfolio.

use super::{OK, Outcome};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Folder to create the portfolio in (default: the current folder).
    #[arg(default_value = ".")]
    dir: PathBuf,
}

pub fn run(args: &Args) -> Outcome {
    let written = senco::author::scaffold::init(&args.dir)?;
    let mut out = anstream::stdout().lock();
    for path in &written {
        writeln!(out, "created {}", path.display())?;
    }
    writeln!(out, "\nNext: `senco check {}`", args.dir.display())?;
    Ok(OK)
}
