//! `senco progress`: coverage by week, from the portfolio's git history.

use super::{Format, OK, Outcome};
use senco::FatalError;
use senco::util::git::GitError;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml and .git (default: the nearest one at
    /// or above the current folder).
    path: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

pub fn run(args: &Args) -> Outcome {
    let path = super::portfolio_path(args.path.as_deref(), args.format == Format::Json)?;
    let progress = senco::report::progress::of_portfolio(&path)?.map_err(|e| {
        let message = senco::report::progress::explain(&e);
        match e {
            GitError::NotRepository => FatalError::not_found(message).with_help(
                "progress is read from commits: run `git init` in the portfolio folder and commit the evidence",
            ),
            GitError::Missing => FatalError::not_found(message)
                .with_help("install git (e.g. `apt install git`), then run this again"),
            GitError::Refused(_) => FatalError::refused(message),
            GitError::Failed(_) => FatalError::invalid(message),
        }
    })?;
    let mut out = anstream::stdout().lock();
    match args.format {
        Format::Text => senco::report::progress::write_text(&mut out, &progress)?,
        Format::Json => senco::report::progress::write_json(&mut out, &progress)?,
    }
    out.flush()?;
    Ok(OK)
}
