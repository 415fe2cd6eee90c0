//! Flags and subcommands, one file per subcommand. Each parses its flags, calls the
//! library, prints, and returns an exit code: 0 all well, 1 problems found, 2 could not
//! run. What is not flag handling or printing belongs in the library.

mod build;
mod cache;
mod check;
mod cohort;
mod completions;
mod framework;
mod init;
mod man;
mod new;
mod outcomes;
mod pack;
mod pdf;
mod privacy;
mod progress;
mod pseudonymise;
mod review;
mod serve;
mod verify;

use clap::{Args, Parser, Subcommand, ValueEnum};
use senco::FatalError;
use senco::report;
use std::io::Write;
use std::path::PathBuf;

/// Exit codes, as documented in the guide.
pub const OK: i32 = 0;
pub const PROBLEMS: i32 = 1;
pub const CANNOT_RUN: i32 = 2;

#[derive(Parser)]
#[command(
    name = "senco",
    version,
    about = "Track SENCO training evidence against learning outcomes",
    long_about = "senco checks a SENCO trainee's portfolio of Markdown evidence against the \
NASENCO learning outcomes (2014) or the NPQ for SENCOs areas: what is evidenced, what is \
missing, and what in the files is wrong.\n\nExit codes: 0 no errors; 1 errors found (or, with \
--strict, an uncovered indicator); 2 senco could not run.",
    after_help = "Start with `senco init my-portfolio`, then `senco check my-portfolio`.\n\nExit codes: 0 all well; 1 problems found (each command's --help says which); 2 senco could not run."
)]
pub(crate) struct Cli {
    /// When to use colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// Output format of the commands that print one report.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Check a portfolio: coverage of the outcomes, and problems in the evidence files.
    ///
    /// Prints coverage per part and outcome, the indicators not yet covered, then every
    /// problem found with its file, line and column. Exit code 1 when any error is found.
    #[command(after_help = EXIT_CHECK)]
    Check(check::Args),
    /// Print the outcomes of a framework, or find outcomes by their wording.
    #[command(after_help = EXIT_OUTCOMES)]
    Outcomes(outcomes::Args),
    /// Start a portfolio: write portfolio.toml, two example evidence files and a README.
    ///
    /// Never overwrites: refuses if any of those files already exist.
    #[command(after_help = EXIT_WRITES)]
    Init(init::Args),
    /// Build the HTML portfolio for assessors: a static site that works offline.
    ///
    /// Writes to a temporary folder and replaces the output only when the build is
    /// complete. Problems in evidence do not stop the build: they are listed on a page of
    /// their own and here, and the exit code is 1 as in `check`.
    #[command(after_help = EXIT_CHECK_LIKE)]
    Build(build::Args),
    /// Build, serve on 127.0.0.1, rebuild when files change and reload open pages.
    ///
    /// For the trainee's live preview. The reload script exists only while serving,
    /// never in built output.
    #[command(after_help = EXIT_SERVE)]
    Serve(serve::Args),
    /// Start a new piece of evidence: evidence/YYYY-MM-DD-title.md with front matter.
    ///
    /// Checks the outcome ids first and never overwrites a file.
    #[command(after_help = EXIT_WRITES)]
    New(new::Args),
    /// Look for identifiers in evidence: pupil numbers, NHS numbers, dates of birth, emails,
    /// phone numbers, postcodes and real names from .senco/pseudonyms.toml.
    ///
    /// Prints only privacy findings (the same ones `senco check` reports), then the
    /// findings silenced by `<!-- senco: allow CODE -->` markers. Exit code 1 when any is
    /// an error.
    #[command(after_help = EXIT_PRIVACY)]
    Privacy(privacy::Args),
    /// Replace real names in evidence with their pseudonyms from .senco/pseudonyms.toml.
    ///
    /// Shows the changes as a diff and asks before rewriting; each original is kept in
    /// .senco/backup/. Without a terminal to ask on, pass --yes.
    #[command(after_help = EXIT_WRITES)]
    Pseudonymise(pseudonymise::Args),
    /// Make an assessment pack (zip) of one or more portfolios, with a manifest of hashes.
    ///
    /// Refuses when the privacy lint finds errors, unless --allow-findings. Same input,
    /// same bytes: the zip is reproducible.
    #[command(after_help = EXIT_PACK)]
    Pack(pack::Args),
    /// Print the whole portfolio as one tagged PDF, with bookmarks and page numbers.
    ///
    /// The single-file portfolio (as in a pack), printed by Chromium, Chrome or Edge (132
    /// or later) already on the machine, driven through its DevTools protocol: no window,
    /// a fresh profile, nothing fetched. The same portfolio and browser give the same bytes.
    /// Problems in evidence do not stop it: they are listed, and the exit code is 1 as in
    /// `check`.
    #[command(after_help = EXIT_PDF)]
    Pdf(pdf::Args),
    /// Check a pack against its manifest: missing, extra and changed files.
    ///
    /// Exit code 0 intact, 1 any difference, 2 not a readable pack.
    #[command(after_help = EXIT_VERIFY)]
    Verify(verify::Args),
    /// Record an assessor's judgement on a piece of evidence or an outcome.
    ///
    /// Writes a new file in the portfolio's feedback/ folder (never overwriting), with the
    /// SHA-256 of the evidence as it is now: if the trainee edits the file afterwards, the
    /// judgement shows as stale until it is re-confirmed by running this again.
    #[command(after_help = EXIT_WRITES)]
    Review(review::Args),
    /// Show a cohort of portfolios at a glance: coverage per trainee, stale judgements,
    /// deadlines, who is at risk and what to teach next.
    ///
    /// DIR holds one portfolio per subfolder, or a cohort.toml listing them. Exit code 1
    /// when any portfolio could not be read.
    #[command(after_help = EXIT_COHORT)]
    Cohort(cohort::Args),
    /// Show coverage by week, from the portfolio's git history.
    ///
    /// Reads each week's last commit without running anything the repository asks for
    /// (no hooks, fsmonitor, pager, filters or other configured programs). `senco build`
    /// adds the same as a page (progress.html) when the portfolio is a git repository.
    #[command(after_help = EXIT_PROGRESS)]
    Progress(progress::Args),
    /// A provider's framework: `import` one from a CASE 1.0 package or Moodle CSV, or
    /// `check` a framework file and print its tree. (`senco outcomes --format case|
    /// moodle-csv|mahara` exports.)
    #[command(after_help = EXIT_FRAMEWORK)]
    Framework(framework::Args),
    /// Show where the results cache is and how big, or clear it.
    ///
    /// `senco check` and `senco cohort` keep what each unchanged evidence file says (never
    /// its text) in the user's cache folder, or SENCO_CACHE_DIR, so re-checking costs a
    /// look at each file instead of a parse.
    #[command(after_help = EXIT_WRITES)]
    Cache(cache::Args),
    /// Print a shell completion script: bash, zsh, fish or powershell.
    ///
    /// e.g. `senco completions bash > ~/.local/share/bash-completion/completions/senco`.
    #[command(after_help = EXIT_WRITES)]
    Completions(completions::Args),
    /// Print the man page (roff), or write one per command with --dir.
    ///
    /// e.g. `senco man > senco.1 && man ./senco.1`.
    #[command(after_help = EXIT_WRITES)]
    Man(man::Args),
}

// Every --help ends with the command's exit codes.
const EXIT_CHECK: &str = "Exit codes: 0 no errors; 1 errors found (or, with --strict, an indicator not yet covered); 2 senco could not run (no portfolio.toml, a bad setting).";
const EXIT_CHECK_LIKE: &str = "Exit codes: 0 built, no errors; 1 built, but errors were found in the evidence (as in `senco check`); 2 senco could not run or build.";
const EXIT_OUTCOMES: &str =
    "Exit codes: 0 printed; 1 --search found nothing; 2 senco could not run (unknown framework).";
const EXIT_WRITES: &str = "Exit codes: 0 done; 2 senco could not run (nothing was written).";
const EXIT_SERVE: &str = "Exit codes: 0 stopped with Ctrl-C; 2 senco could not run (no portfolio.toml, the port is taken).";
const EXIT_PRIVACY: &str =
    "Exit codes: 0 no privacy errors; 1 privacy errors found; 2 senco could not run.";
const EXIT_PACK: &str = "Exit codes: 0 pack written; 1 refused: the privacy lint found errors (listed); 2 senco could not run.";
const EXIT_PDF: &str = "Exit codes: 0 written, no errors; 1 written, but errors were found in the evidence (as in `senco check`); 2 senco could not run: no browser (error[no-browser]), the browser failed or timed out, or the file could not be written.";
const EXIT_VERIFY: &str =
    "Exit codes: 0 intact; 1 any file missing, extra or changed; 2 not a readable pack.";
const EXIT_FRAMEWORK: &str = "Exit codes: 0 the framework is sound (or was imported); 1 problems found in it (listed); 2 senco could not run.";
const EXIT_PROGRESS: &str = "Exit codes: 0 printed; 2 senco could not run: no portfolio.toml, not a git repository, git not installed, or the history could not be read (the message says which).";
const EXIT_COHORT: &str = "Exit codes: 0 every portfolio read; 1 a portfolio could not be read (its row says why); 2 senco could not run.";

/// The flags of every command that checks a portfolio, so they all check it the same way.
#[derive(Args, Clone, Default)]
struct CheckArgs {
    /// Folder of judgement files (default: feedback/ in the portfolio).
    #[arg(long, value_name = "DIR")]
    feedback: Option<PathBuf>,
    /// The date the deadline is counted from, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    #[command(flatten)]
    cache: CacheArgs,
}

/// The flag of every command that checks: whether the results cache is used.
#[derive(Args, Clone, Default)]
struct CacheArgs {
    /// Read and parse every file: neither use nor update the results cache (`senco
    /// cache info` says where it is). Commands that build pages always parse every file.
    #[arg(long)]
    no_cache: bool,
}

impl CacheArgs {
    /// The cache folder to use, unless --no-cache.
    fn dir(&self) -> Option<PathBuf> {
        if self.no_cache {
            None
        } else {
            senco::check::cache::default_dir()
        }
    }
}

impl CheckArgs {
    /// `--today`, or the calendar date now.
    fn today(&self) -> Result<jiff::civil::Date, FatalError> {
        date_or_today(self.today.as_deref())
    }

    /// The library's options for these flags; a folder named but missing is an error.
    fn options(&self) -> Result<senco::CheckOptions, FatalError> {
        Ok(senco::CheckOptions {
            feedback: match &self.feedback {
                Some(dir) if !dir.is_dir() => {
                    return Err(FatalError::not_found(format!(
                        "feedback folder {} does not exist",
                        dir.display()
                    )));
                }
                other => other.clone(),
            },
            report_only: false,
            cache: self.cache.dir(),
        })
    }
}

pub fn run() -> i32 {
    let cli = Cli::parse();
    let choice = match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let result = match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Outcomes(args) => outcomes::run(&args),
        Command::Build(args) => build::run(&args),
        Command::Init(args) => init::run(&args),
        Command::Serve(args) => serve::run(args),
        Command::New(args) => new::run(&args),
        Command::Privacy(args) => privacy::run(&args),
        Command::Pseudonymise(args) => pseudonymise::run(&args),
        Command::Pack(args) => pack::run(&args),
        Command::Pdf(args) => pdf::run(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Review(args) => review::run(&args),
        Command::Cohort(args) => cohort::run(&args),
        Command::Progress(args) => progress::run(&args),
        Command::Framework(args) => framework::run(&args),
        Command::Cache(args) => cache::run(&args),
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(Failure::Fatal(error)) => {
            let _ = report::write_fatal(&mut anstream::stderr(), &error);
            CANNOT_RUN
        }
        // A closed pipe (`senco check | head`) is not an error.
        Err(Failure::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => OK,
        Err(Failure::Io(e)) => {
            let _ = writeln!(anstream::stderr(), "error: cannot write output: {e}");
            CANNOT_RUN
        }
    }
}

/// Why a subcommand stopped: senco could not run, or its output could not be written.
enum Failure {
    Fatal(FatalError),
    Io(std::io::Error),
}

impl From<FatalError> for Failure {
    fn from(e: FatalError) -> Self {
        Failure::Fatal(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

/// What a subcommand returns: its exit code, or why it stopped.
type Outcome = Result<i32, Failure>;

/// The portfolio a command works on: PATH exactly as given, or else the nearest folder at
/// or above the current one holding portfolio.toml, as cargo finds Cargo.toml. Which one
/// was found is said on standard error, unless `quiet`.
fn portfolio_path(given: Option<&std::path::Path>, quiet: bool) -> Result<PathBuf, FatalError> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    let found = senco::model::portfolio::find_from_current_folder()?;
    if !quiet {
        let config = found.join(senco::model::portfolio::CONFIG_FILE);
        let _ = writeln!(anstream::stderr(), "using {}", config.display());
    }
    Ok(found)
}

/// Opens `path` in the browser: the program in `BROWSER` if set (as `man` and `git` read
/// it), else the system's opener for web pages.
fn open_in_browser(path: &std::path::Path) -> Result<(), FatalError> {
    senco::util::browser::open(path).map_err(|e| {
        FatalError::io(
            format!("cannot open {} in a browser: {e}", path.display()),
            e,
        )
        .with_help("open the file yourself; set BROWSER to choose the program")
    })
}

/// `--date` and `--today` flags: a written date, or today.
fn date_or_today(written: Option<&str>) -> Result<jiff::civil::Date, FatalError> {
    match written {
        Some(d) => d.parse::<jiff::civil::Date>().map_err(|_| {
            FatalError::usage(format!("`{d}` is not a date"))
                .with_help("write it as YYYY-MM-DD, e.g. 2025-03-14")
        }),
        None => Ok(jiff::Zoned::now().date()),
    }
}

/// Standard output for a report, written in blocks of 64 KiB. anstream's stripping layer
/// writes each uncoloured piece on its own and standard output flushes at every line, so
/// a report written through it straight cost a system call per piece (14,000 for one
/// check of 10,000 files).
fn report_stdout() -> Box<dyn Write> {
    let stdout = std::io::stdout();
    let colours = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
    in_blocks(stdout.lock(), colours)
}

/// Standard error for diagnostics, in blocks as [`report_stdout`]: flush it before
/// anything is written to standard output, so the two keep their order on a terminal.
fn report_stderr() -> Box<dyn Write> {
    let stderr = std::io::stderr();
    let colours = anstream::AutoStream::choice(&stderr) != anstream::ColorChoice::Never;
    in_blocks(stderr.lock(), colours)
}

fn in_blocks(stream: impl Write + 'static, colours: bool) -> Box<dyn Write> {
    let blocks = std::io::BufWriter::with_capacity(64 << 10, stream);
    if colours {
        Box::new(blocks)
    } else {
        Box::new(Uncoloured {
            inner: blocks,
            strip: anstream::adapter::StripBytes::new(),
        })
    }
}

/// Takes colours out of what is written through it; an escape split between two writes
/// is still recognised.
struct Uncoloured<W: Write> {
    inner: W,
    strip: anstream::adapter::StripBytes,
}

impl<W: Write> Write for Uncoloured<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for piece in self.strip.strip_next(bytes) {
            self.inner.write_all(piece)?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncoloured_output_loses_escapes_split_between_writes_and_keeps_the_text() {
        let mut out = Uncoloured {
            inner: Vec::new(),
            strip: anstream::adapter::StripBytes::new(),
        };
        for piece in ["\x1b[1;3", "1merror\x1b", "[0m: “file” —\n", "plain é\n"] {
            out.write_all(piece.as_bytes())
                .expect("a Vec takes every write");
        }
        assert_eq!(
            String::from_utf8(out.inner).expect("UTF-8"),
            "error: “file” —\nplain é\n"
        );
    }
}
