//! `senco outcomes`: a framework's outcomes, or those matching some words.

use super::{Format, OK, Outcome, PROBLEMS};
use senco::model::framework::Framework;
use senco::report;
use std::io::Write;
use std::path::Path;

#[derive(clap::Args)]
pub struct Args {
    /// A built-in framework id (nasenco-2014, npq-senco-2023) or the path of a framework file.
    /// Default: the framework of the portfolio in the current folder, else nasenco-2014.
    #[arg(long, value_name = "ID|PATH")]
    framework: Option<String>,
    /// Output format: an indented tree as text, or the framework as JSON.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Show only outcomes whose wording contains all of these words.
    #[arg(long, value_name = "WORDS", num_args = 1..)]
    search: Option<Vec<String>>,
}

pub fn run(args: &Args) -> Outcome {
    let framework = Framework::for_folder(args.framework.as_deref(), Path::new("."))?;
    let mut out = anstream::stdout().lock();
    let Some(words) = &args.search else {
        match args.format {
            Format::Json => report::write_framework_json(&mut out, &framework)?,
            Format::Text => report::write_outcomes(&mut out, &framework)?,
        }
        return Ok(OK);
    };
    let query = words.join(" ");
    let hits = framework.search(&query);
    match args.format {
        Format::Json => report::write_outcome_hits_json(&mut out, &framework, &hits)?,
        Format::Text => report::write_outcome_hits(&mut out, &framework, &hits)?,
    }
    if hits.is_empty() {
        writeln!(
            anstream::stderr(),
            "no outcome of {} mentions `{query}`",
            framework.id
        )?;
        return Ok(PROBLEMS);
    }
    Ok(OK)
}
