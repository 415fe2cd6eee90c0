//! `senco completions SHELL`: a completion script, from the same definitions as --help.

use super::{OK, Outcome};
use clap::CommandFactory;

#[derive(clap::Args)]
pub struct Args {
    /// The shell to complete in.
    #[arg(value_enum)]
    shell: clap_complete::Shell,
}

pub fn run(args: &Args) -> Outcome {
    let mut command = super::Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "senco", &mut out);
    std::io::Write::write_all(&mut anstream::stdout().lock(), &out)?;
    Ok(OK)
}
