//! `senco review`: an assessor's judgement written into the portfolio.

use super::{OK, Outcome, date_or_today};
use senco::FatalError;
use senco::check::judgement::Verdict;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The portfolio folder, holding portfolio.toml (default: the nearest one at or above
    /// the current folder).
    path: Option<PathBuf>,
    /// The evidence file judged, relative to the portfolio (e.g. evidence/x.md).
    #[arg(long, value_name = "FILE")]
    evidence: Option<String>,
    /// The outcome or indicator judged (e.g. B5.2); without it, a judgement on evidence
    /// applies to every outcome the file tags.
    #[arg(long, value_name = "ID")]
    outcome: Option<String>,
    /// meets, partially-meets, does-not-meet, or ready (the trainee asks for assessment).
    #[arg(long, value_name = "JUDGEMENT")]
    judgement: String,
    /// The assessor's name (default: the SENCO_ASSESSOR environment variable).
    #[arg(long, value_name = "NAME")]
    assessor: Option<String>,
    /// Comments, written as the body of the judgement file (Markdown).
    #[arg(long, value_name = "TEXT")]
    comment: Option<String>,
    /// Folder for judgement files (default: feedback/ in the portfolio).
    #[arg(long, value_name = "DIR")]
    feedback: Option<PathBuf>,
    /// The date of the judgement, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
}

pub fn run(args: &Args) -> Outcome {
    let verdict = Verdict::parse(&args.judgement).ok_or_else(|| {
        FatalError::usage(format!("unknown judgement `{}`", args.judgement))
            .with_help("a judgement is one of meets, partially-meets, does-not-meet, ready")
    })?;
    let assessor = match &args.assessor {
        Some(name) => name.clone(),
        None => std::env::var("SENCO_ASSESSOR").map_err(|_| {
            FatalError::usage("who is the assessor?").with_help(
                "give --assessor \"Your Name\", or set SENCO_ASSESSOR once in your shell",
            )
        })?,
    };
    let review = senco::tutor::review::Review {
        evidence: args.evidence.as_deref(),
        outcome: args.outcome.as_deref(),
        verdict,
        assessor: &assessor,
        comment: args.comment.as_deref(),
        date: date_or_today(args.date.as_deref())?,
    };
    let path = super::portfolio_path(args.path.as_deref(), false)?;
    let written = senco::tutor::review::write_in(&path, args.feedback.as_deref(), &review)?;
    let mut out = anstream::stdout().lock();
    writeln!(out, "created {}", written.path.display())?;
    for note in &written.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(OK)
}
