//! `senco serve`: the trainee's live preview.

use super::{OK, Outcome};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Port to listen on (default: any free port; the URL is printed).
    #[arg(long, default_value_t = 0)]
    port: u16,
}

pub fn run(args: Args) -> Outcome {
    senco::serve::serve(senco::serve::ServeOptions {
        root: args.path,
        port: args.port,
    })?;
    Ok(OK)
}
