//! `senco new`: a new evidence file with front matter.

use super::{OK, Outcome, date_or_today};
use senco::author::scaffold;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The title of the evidence; the file name is made from it.
    title: String,
    /// The kind of evidence: reflection, observation, case-study, meeting, cpd, artefact,
    /// assignment or other.
    #[arg(long = "type", value_name = "TYPE", default_value = "reflection")]
    kind: String,
    /// Outcome ids this evidence shows, comma-separated (e.g. A1.2,B5.1).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    outcomes: Vec<String>,
    /// Reflective model whose headings structure the file (reflections default to gibbs).
    #[arg(long, value_enum)]
    model: Option<scaffold::Model>,
    /// The portfolio folder (default: the nearest folder upwards holding portfolio.toml).
    #[arg(long, value_name = "PATH")]
    portfolio: Option<PathBuf>,
    /// The evidence date, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
}

pub fn run(args: &Args) -> Outcome {
    let root = match &args.portfolio {
        Some(p) => p.clone(),
        None => senco::model::portfolio::find_from_current_folder()?,
    };
    let new = scaffold::NewEvidence {
        title: &args.title,
        kind: &args.kind,
        outcomes: &args.outcomes,
        model: args.model,
        date: date_or_today(args.date.as_deref())?,
    };
    let path = scaffold::new_evidence_in(&root, &new)?;
    writeln!(anstream::stdout(), "created {}", path.display())?;
    Ok(OK)
}
