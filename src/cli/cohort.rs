//! `senco cohort`: many portfolios at a glance, as text, JSON, CSV, a workbook or a
//! dashboard.

use super::{OK, Outcome, PROBLEMS, date_or_today};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use senco::tutor::cohort_report::Format;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Folder of portfolios (one per subfolder), or holding cohort.toml.
    dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Same as --format csv-long.
    #[arg(long, conflicts_with = "format")]
    csv_long: bool,
    /// Write to FILE (replaced in one step) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The date deadlines and risks are judged against, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Flag trainees with no new or changed evidence for more than WEEKS weeks.
    #[arg(long, value_name = "WEEKS", default_value_t = senco::tutor::momentum::DEFAULT_WEEKS)]
    inactive_after: u32,
    /// With --format html: replace the output folder even if senco did not create it.
    #[arg(long)]
    force: bool,
    /// The tutor's theme folder for the dashboard and the trainees' pages (default: the
    /// built-in theme; a trainee's own theme/ is never used here).
    #[arg(long, value_name = "DIR")]
    theme: Option<std::path::PathBuf>,
    /// No progress bar and no "wrote"/"built" line; the report itself is still printed.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    cache: super::CacheArgs,
}

pub fn run(args: &Args) -> Outcome {
    let format = if args.csv_long {
        Format::CsvLong
    } else {
        args.format
    };
    if let (None, Some(missing)) = (&args.output, format.needs_output()) {
        return Err(missing.into());
    }
    let today = date_or_today(args.today.as_deref())?;
    let (members, skipped) = senco::tutor::cohort::members(&args.dir)?;
    // indicatif draws nothing when stderr is not a terminal.
    let target = if args.quiet {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(Some(members.len() as u64), target);
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} portfolios read") {
        bar.set_style(style);
    }
    let progress = || bar.inc(1);
    if let (Some(out), Format::Html) = (&args.output, format) {
        let (cohort, pages) = senco::tutor::dashboard::build(
            &members,
            skipped,
            today,
            args.inactive_after,
            &progress,
            &senco::tutor::dashboard::Destination {
                cohort_dir: &args.dir,
                out,
                force: args.force,
                theme_dir: args.theme.as_deref(),
            },
        )?;
        bar.finish_and_clear();
        if args.quiet {
            return Ok(exit_code(&cohort));
        }
        writeln!(
            anstream::stdout(),
            "built {pages} pages into {}\nopen {} in a browser",
            out.display(),
            out.join("index.html").display()
        )?;
        return Ok(exit_code(&cohort));
    }
    let cohort = senco::tutor::cohort::read(
        &members,
        skipped,
        today,
        args.inactive_after,
        &progress,
        args.cache.dir().as_deref(),
    );
    bar.finish_and_clear();
    match &args.output {
        Some(path) => {
            let mut bytes = senco::tutor::cohort_report::render(format, &cohort)?;
            if format == Format::Text {
                // Colours are for a terminal, not a file.
                bytes = anstream::adapter::strip_bytes(&bytes).into_vec();
            }
            senco::util::atomic::write_replace(path, &bytes)?;
            if !args.quiet {
                writeln!(anstream::stderr(), "wrote {}", path.display())?;
            }
        }
        None => {
            let bytes = senco::tutor::cohort_report::render(format, &cohort)?;
            // Only text can hold colours for the stripping layer to take out.
            if format == Format::Text {
                let mut out = super::report_stdout();
                out.write_all(&bytes)?;
                out.flush()?;
            } else {
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes)?;
                out.flush()?;
            }
        }
    }
    Ok(exit_code(&cohort))
}

/// 1 when any portfolio could not be read.
fn exit_code(cohort: &senco::tutor::cohort::Cohort) -> i32 {
    if cohort.summary.broken > 0 {
        PROBLEMS
    } else {
        OK
    }
}
