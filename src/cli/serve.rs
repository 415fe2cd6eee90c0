//! `senco serve`: the trainee's live preview.

use super::{CheckArgs, OK, Outcome, date_or_today};
use senco::FatalError;
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
    /// For an assessor: a form on each evidence and indicator page records a judgement,
    /// as `senco review` does (into the judgement files; evidence is never changed).
    #[arg(long)]
    review: bool,
    /// The assessor's name for --review (default: the SENCO_ASSESSOR environment variable).
    #[arg(long, value_name = "NAME", requires = "review")]
    assessor: Option<String>,
    #[command(flatten)]
    check: CheckArgs,
}

pub fn run(args: Args) -> Outcome {
    let root = super::portfolio_path(args.path.as_deref(), false)?;
    let check = args.check.options()?;
    let review = if args.review {
        Some(review_mode(&root, args.assessor, check.feedback.clone())?)
    } else {
        None
    };
    senco::serve::serve(senco::serve::ServeOptions {
        root,
        port: args.port,
        open: args.open,
        check,
        review,
    })?;
    Ok(OK)
}

/// `--review`: who judges, and the same writing as `senco review`.
fn review_mode(
    root: &std::path::Path,
    assessor: Option<String>,
    feedback: Option<PathBuf>,
) -> Result<senco::serve::review::ReviewMode, FatalError> {
    let assessor = match assessor {
        Some(name) => name,
        None => std::env::var("SENCO_ASSESSOR").map_err(|_| {
            FatalError::usage("who is the assessor?").with_help(
                "give --assessor \"Your Name\" with --review, or set SENCO_ASSESSOR once in your shell",
            )
        })?,
    };
    if assessor.trim().is_empty() {
        return Err(FatalError::usage("the assessor's name is empty")
            .with_help("give --assessor \"Your Name\""));
    }
    let root = root.to_path_buf();
    let name = assessor.clone();
    Ok(senco::serve::review::ReviewMode {
        assessor,
        record: Box::new(move |post| {
            let review = senco::tutor::review::Review {
                evidence: post.evidence.as_deref(),
                outcome: post.outcome.as_deref(),
                verdict: post.verdict,
                assessor: &name,
                comment: Some(&post.comment),
                date: date_or_today(None)?,
            };
            senco::tutor::review::write_in(&root, feedback.as_deref(), &review).map(|w| w.path)
        }),
    })
}
