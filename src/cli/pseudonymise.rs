//! `senco pseudonymise`: real names replaced by pseudonyms, after asking.

use super::{OK, Outcome, PROBLEMS};
use senco::FatalError;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml (default: the nearest one at or above
    /// the current folder).
    path: Option<PathBuf>,
    /// Rewrite without asking (after printing the diff).
    #[arg(long)]
    yes: bool,
}

pub fn run(args: &Args) -> Outcome {
    use senco::author::pseudonymise;
    let path = super::portfolio_path(args.path.as_deref(), false)?;
    let portfolio = senco::model::portfolio::Portfolio::load(&path)?;
    let plan = pseudonymise::plan(&portfolio)?;
    let mut out = anstream::stdout().lock();
    for (rel, why) in &plan.skipped {
        writeln!(anstream::stderr(), "warning: {rel} left alone: {why}")?;
    }
    for d in &plan.left {
        senco::report::write_diagnostic(&mut anstream::stderr().lock(), d)?;
    }
    let left = plan.left.len();
    // Names left behind mean the evidence still holds real names: exit 1.
    let done = if left == 0 { OK } else { PROBLEMS };
    if plan.rewrites.is_empty() {
        if left == 0 {
            writeln!(
                out,
                "no real names found in the evidence; nothing to change"
            )?;
        } else {
            writeln!(
                out,
                "nothing rewritten: {left} real name{} listed above must be edited by hand",
                senco::util::text::plural(left)
            )?;
        }
        return Ok(done);
    }
    for rewrite in &plan.rewrites {
        write!(out, "{}", rewrite.diff())?;
    }
    let question = plan.summary();
    out.flush()?;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(FatalError::refused(format!(
                "not rewriting: no terminal to ask on ({question} shown above)"
            ))
            .with_help("run again with --yes to rewrite; each original is kept in .senco/backup/")
            .into());
        }
        write!(out, "{question}? [y/N] ")?;
        out.flush()?;
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
            writeln!(out, "nothing changed")?;
            return Ok(OK);
        }
    }
    let backups = pseudonymise::apply(&portfolio.root, &plan.rewrites)?;
    for (rewrite, backup) in plan.rewrites.iter().zip(&backups) {
        writeln!(
            out,
            "rewrote {} (original kept in {})",
            rewrite.rel,
            backup.display()
        )?;
    }
    if left > 0 {
        writeln!(
            out,
            "{left} real name{} listed above {} not rewritten: edit by hand",
            senco::util::text::plural(left),
            if left == 1 { "was" } else { "were" }
        )?;
    }
    Ok(done)
}
