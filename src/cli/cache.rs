//! `senco cache`: where the results cache is, how big, and clearing it.

use super::{OK, Outcome};
use senco::FatalError;
use senco::check::cache;
use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Print the cache folder, how many portfolios and files it records, and its size.
    Info,
    /// Remove every cache file (nothing else in the folder).
    Clear,
}

pub fn run(args: &Args) -> Outcome {
    let Some(dir) = cache::default_dir() else {
        return Err(FatalError::not_found("this system has no cache folder")
            .with_help(format!(
                "set {} to a folder senco may use",
                cache::DIR_VARIABLE
            ))
            .into());
    };
    let cannot =
        |e: std::io::Error| FatalError::io(format!("cannot read {}: {e}", dir.display()), e);
    let mut out = anstream::stdout().lock();
    match args.command {
        Command::Info => {
            let info = cache::info(&dir).map_err(cannot)?;
            writeln!(out, "location: {}", info.dir.display())?;
            writeln!(out, "portfolios: {}", info.portfolios)?;
            writeln!(out, "files recorded: {}", info.entries)?;
            if info.unusable > 0 {
                writeln!(
                    out,
                    "unusable: {} (another version's or damaged; replaced when next used)",
                    info.unusable
                )?;
            }
            writeln!(
                out,
                "size: {} of {} allowed",
                megabytes(info.bytes),
                megabytes(info.cap)
            )?;
        }
        Command::Clear => {
            let removed = cache::clear(&dir).map_err(cannot)?;
            writeln!(
                out,
                "removed {removed} cache {} from {}",
                if removed == 1 { "file" } else { "files" },
                dir.display()
            )?;
        }
    }
    Ok(OK)
}

/// Bytes as megabytes with one decimal, as `du -h` rounds.
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
}
