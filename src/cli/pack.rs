//! `senco pack`: an assessment pack (zip) of one or more portfolios.

use super::{CheckArgs, OK, Outcome, PROBLEMS};
use senco::pack::{PackError, PackOptions};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Portfolio folders: one trainee, or a whole cohort.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// The zip file to write.
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
    /// Name folders by candidate number and remove each trainee's name from every file.
    #[arg(long)]
    anonymise: bool,
    /// Pack even when the privacy lint finds errors; the cover sheet then says so.
    #[arg(long)]
    allow_findings: bool,
    /// Candidate number of the first portfolio; the others count up from it in the order given.
    #[arg(long, value_name = "N")]
    candidate: Option<String>,
    /// The provider's theme folder for the packed pages (default: the built-in theme; a
    /// portfolio's own theme/ is never used in a pack).
    #[arg(long, value_name = "DIR")]
    theme: Option<PathBuf>,
    /// With --anonymise, keep office documents, PDFs and archives, whose metadata senco
    /// cannot check (refused otherwise).
    #[arg(long)]
    allow_attachments: bool,
    /// Add each portfolio as one tagged PDF (portfolio.pdf), printed from the pack's
    /// single file by Chromium, Chrome or Edge, as `senco pdf` does.
    #[arg(long)]
    pdf: bool,
    /// With --pdf: the browser to print with (default: the first found, as `senco pdf`).
    #[arg(long, value_name = "PATH", requires = "pdf")]
    browser: Option<PathBuf>,
    /// With --pdf: stop the browser and fail after this many seconds, per portfolio.
    #[arg(long, value_name = "SECONDS", requires = "pdf", default_value_t = senco::render::pdf::DEFAULT_TIMEOUT.as_secs())]
    timeout: u64,
    /// Print nothing when the pack is written (problems are still printed).
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    check: CheckArgs,
}

pub fn run(args: &Args) -> Outcome {
    let options = PackOptions {
        anonymise: args.anonymise,
        allow_findings: args.allow_findings,
        first_candidate: args.candidate.clone(),
        theme: args.theme.clone(),
        allow_attachments: args.allow_attachments,
        check: args.check.options()?,
        pdf: match args.pdf {
            true => Some(senco::render::pdf::PdfOptions::found(
                args.browser.as_deref(),
                args.timeout,
            )?),
            false => None,
        },
    };
    let pack = match senco::pack::prepare(&args.paths, &options) {
        Ok(pack) => pack,
        Err(PackError::Fatal(e)) => return Err(e.into()),
        Err(PackError::Refused(refusals)) => {
            senco::pack::write_refusal(&mut anstream::stderr().lock(), &refusals)?;
            return Ok(PROBLEMS);
        }
    };
    let written = senco::pack::write(&pack, &args.output)?;
    for line in pack.outstanding_warnings() {
        writeln!(anstream::stderr(), "warning: {line}")?;
    }
    if args.quiet {
        return Ok(OK);
    }
    writeln!(
        anstream::stdout(),
        "wrote {} ({} files, {} bytes)\nSHA-256 {}",
        args.output.display(),
        written.files,
        written.bytes,
        written.sha256
    )?;
    Ok(OK)
}
