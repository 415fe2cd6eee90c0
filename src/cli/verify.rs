//! `senco verify`: a pack against its manifest.

use super::{OK, Outcome, PROBLEMS};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The pack (zip) to check.
    pack: PathBuf,
}

pub fn run(args: &Args) -> Outcome {
    let result = senco::pack::verify::verify(&args.pack)?;
    senco::pack::verify::write_text(&mut anstream::stdout().lock(), &result)?;
    Ok(if result.intact() { OK } else { PROBLEMS })
}
