//! `senco serve`: the trainee's live preview.

use super::{CheckArgs, OK, Outcome};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml (default: the nearest one at or above
    /// the current folder).
    path: Option<PathBuf>,
    /// Port to listen on (default: any free port; the URL is printed).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Open the preview in the browser once it is served.
    #[arg(long)]
    open: bool,
    #[command(flatten)]
    check: CheckArgs,
}

pub fn run(args: Args) -> Outcome {
    let root = super::portfolio_path(args.path.as_deref(), false)?;
    senco::serve::serve(senco::serve::ServeOptions {
        root,
        port: args.port,
        open: args.open,
        check: args.check.options()?,
    })?;
    Ok(OK)
}
