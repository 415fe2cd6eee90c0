//! `senco man`: the man page (roff), from the same definitions as --help.

use super::{OK, Outcome};
use clap::CommandFactory;
use std::io::Write;

#[derive(clap::Args)]
pub struct Args {
    /// Write one page per command (senco.1, senco-check.1, ...) into DIR instead of
    /// printing senco.1.
    #[arg(long, value_name = "DIR")]
    dir: Option<std::path::PathBuf>,
}

pub fn run(args: &Args) -> Outcome {
    let command = super::Cli::command();
    match &args.dir {
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command).render(&mut out)?;
            anstream::stdout().lock().write_all(&out)?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)?;
            clap_mangen::generate_to(command, dir)?;
            writeln!(anstream::stdout(), "wrote man pages into {}", dir.display())?;
        }
    }
    Ok(OK)
}
