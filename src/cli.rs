//! Flags and subcommands. Each subcommand parses its flags, calls the library, prints,
//! and returns an exit code: 0 all well, 1 problems found, 2 could not run.

use clap::{Args, Parser, Subcommand, ValueEnum};
use senco::FatalError;
use senco::model::framework::Framework;
use senco::report;
use std::io::Write;
use std::path::{Path, PathBuf};

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
    after_help = "Start with `senco init my-portfolio`, then `senco check my-portfolio`."
)]
struct Cli {
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
    Check(CheckArgs),
    /// Print the outcomes of a framework, or find outcomes by their wording.
    Outcomes(OutcomesArgs),
    /// Start a portfolio: write portfolio.toml, two example evidence files and a README.
    ///
    /// Never overwrites: refuses if any of those files already exist.
    Init {
        /// Folder to create the portfolio in (default: the current folder).
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Build the HTML portfolio for assessors: a static site that works offline.
    ///
    /// Writes to a temporary folder and replaces the output only when the build is
    /// complete. Problems in evidence do not stop the build: they are listed on a page of
    /// their own and here, and the exit code is 1 as in `check`.
    Build(BuildArgs),
    /// Build, serve on 127.0.0.1, rebuild when files change and reload open pages.
    ///
    /// For the trainee's live preview. The reload script exists only while serving,
    /// never in built output.
    Serve {
        /// The portfolio folder, holding portfolio.toml.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Port to listen on (default: any free port; the URL is printed).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Start a new piece of evidence: evidence/YYYY-MM-DD-title.md with front matter.
    ///
    /// Checks the outcome ids first and never overwrites a file.
    New(NewArgs),
    /// Look for identifiers in evidence: pupil numbers, NHS numbers, dates of birth, emails,
    /// phone numbers, postcodes and real names from .senco/pseudonyms.toml.
    ///
    /// Prints only privacy findings (the same ones `senco check` reports), then the
    /// findings silenced by `<!-- senco: allow CODE -->` markers. Exit code 1 when any is
    /// an error.
    Privacy {
        /// The portfolio folder, holding portfolio.toml.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Replace real names in evidence with their pseudonyms from .senco/pseudonyms.toml.
    ///
    /// Shows the changes as a diff and asks before rewriting; each original is kept in
    /// .senco/backup/. Without a terminal to ask on, pass --yes.
    Pseudonymise(PseudonymiseArgs),
    /// Make an assessment pack (zip) of one or more portfolios, with a manifest of hashes.
    ///
    /// Refuses when the privacy lint finds errors, unless --allow-findings. Same input,
    /// same bytes: the zip is reproducible.
    Pack(PackArgs),
    /// Check a pack against its manifest: missing, extra and changed files.
    ///
    /// Exit code 0 intact, 1 any difference, 2 not a readable pack.
    Verify {
        /// The pack (zip) to check.
        pack: PathBuf,
    },
    /// Record an assessor's judgement on a piece of evidence or an outcome.
    ///
    /// Writes a new file in the portfolio's feedback/ folder (never overwriting), with the
    /// SHA-256 of the evidence as it is now: if the trainee edits the file afterwards, the
    /// judgement shows as stale until it is re-confirmed by running this again.
    Review(ReviewArgs),
    /// Show a cohort of portfolios at a glance: coverage per trainee, stale judgements,
    /// deadlines, who is at risk and what to teach next.
    ///
    /// DIR holds one portfolio per subfolder, or a cohort.toml listing them. Exit code 1
    /// when any portfolio could not be read.
    Cohort(CohortArgs),
}

#[derive(Args)]
struct ReviewArgs {
    /// The portfolio folder, holding portfolio.toml.
    #[arg(default_value = ".")]
    path: PathBuf,
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

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CohortFormat {
    Text,
    Json,
    /// One row per trainee, one column per indicator (UTF-8 with BOM, for Excel).
    Csv,
    /// One row per trainee and indicator.
    CsvLong,
    /// An Excel workbook with coloured marks; needs -o FILE.
    Xlsx,
    /// A dashboard (static HTML) with each trainee's built portfolio; needs -o DIR.
    Html,
}

#[derive(Args)]
struct CohortArgs {
    /// Folder of portfolios (one per subfolder), or holding cohort.toml.
    dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CohortFormat::Text)]
    format: CohortFormat,
    /// Same as --format csv-long.
    #[arg(long, conflicts_with = "format")]
    csv_long: bool,
    /// Write to FILE (replaced in one step) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The date deadlines and risks are judged against, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// With --format html: replace the output folder even if senco did not create it.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
struct PseudonymiseArgs {
    /// The portfolio folder, holding portfolio.toml.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Rewrite without asking (after printing the diff).
    #[arg(long)]
    yes: bool,
}

#[derive(Args)]
struct PackArgs {
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
}

#[derive(Args)]
struct CheckArgs {
    /// The portfolio folder, holding portfolio.toml.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output format: human-readable text or one JSON object (documented in the guide).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Also fail (exit code 1) when any indicator is not yet covered.
    #[arg(long)]
    strict: bool,
    /// Folder of judgement files (default: feedback/ in the portfolio).
    #[arg(long, value_name = "DIR")]
    feedback: Option<PathBuf>,
}

#[derive(Args)]
struct BuildArgs {
    /// The portfolio folder, holding portfolio.toml.
    #[arg(default_value = ".")]
    path: PathBuf,
    /// Output folder (default: `site` inside the portfolio). Never inside an evidence folder.
    #[arg(short, long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Replace the output folder even if senco did not create it.
    #[arg(long)]
    force: bool,
}

#[derive(Args)]
struct OutcomesArgs {
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

#[derive(Args)]
struct NewArgs {
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
    model: Option<senco::author::scaffold::Model>,
    /// The portfolio folder (default: the nearest folder upwards holding portfolio.toml).
    #[arg(long, value_name = "PATH")]
    portfolio: Option<PathBuf>,
    /// The evidence date, YYYY-MM-DD (default: today).
    #[arg(long, value_name = "DATE")]
    date: Option<String>,
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
        Command::Check(args) => check(&args),
        Command::Outcomes(args) => outcomes(&args),
        Command::Build(args) => build(&args),
        Command::Init { dir } => init(&dir),
        Command::Serve { path, port } => {
            senco::serve::serve(senco::serve::ServeOptions { root: path, port })
                .map(|()| OK)
                .map_err(Failure::from)
        }
        Command::New(args) => new(&args),
        Command::Privacy { path } => privacy(&path),
        Command::Pseudonymise(args) => pseudonymise(&args),
        Command::Pack(args) => pack(&args),
        Command::Verify { pack } => verify(&pack),
        Command::Review(args) => review(&args),
        Command::Cohort(args) => cohort(&args),
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

fn check(args: &CheckArgs) -> Result<i32, Failure> {
    let options = senco::CheckOptions {
        feedback: match &args.feedback {
            Some(dir) if !dir.is_dir() => {
                return Err(FatalError::new(format!(
                    "feedback folder {} does not exist",
                    dir.display()
                ))
                .into());
            }
            other => other.clone(),
        },
    };
    let check = senco::check_portfolio_with(&args.path, &options)?;
    let mut out = anstream::stdout().lock();
    match args.format {
        Format::Json => report::write_json(&mut out, &check)?,
        Format::Text => report::write_text(&mut out, &check)?,
    }
    out.flush()?;
    let gaps = check
        .coverage
        .uncovered_leaves(&check.framework)
        .next()
        .is_some();
    Ok(if check.has_errors() || (args.strict && gaps) {
        PROBLEMS
    } else {
        OK
    })
}

fn build(args: &BuildArgs) -> Result<i32, Failure> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| senco::render::default_out(&args.path));
    let (_, built) = senco::render::check_and_build(
        || senco::check_portfolio(&args.path),
        &senco::render::BuildOptions {
            out,
            force: args.force,
        },
    )?;
    let mut err = anstream::stderr().lock();
    for d in &built.diagnostics {
        report::write_diagnostic(&mut err, d)?;
    }
    let index = built.out.join("index.html");
    writeln!(
        anstream::stdout(),
        "built {} pages into {}
open {} in a browser",
        built.pages,
        built.out.display(),
        index.display()
    )?;
    Ok(if built.has_errors() { PROBLEMS } else { OK })
}

fn outcomes(args: &OutcomesArgs) -> Result<i32, Failure> {
    let framework = match &args.framework {
        Some(spec) => Framework::resolve(spec, Path::new("."))?,
        None => match senco::model::portfolio::Portfolio::load(Path::new(".")) {
            Ok(p) => Framework::resolve(&p.framework, &p.root)?,
            Err(_) => Framework::builtin("nasenco-2014")?,
        },
    };
    let mut out = anstream::stdout().lock();
    if let Some(words) = &args.search {
        let hits = framework.search(&words.join(" "));
        match args.format {
            Format::Json => {
                let items: Vec<serde_json::Value> = hits
                    .iter()
                    .map(|&h| {
                        let n = framework.node(h);
                        serde_json::json!({"id": n.id, "kind": n.kind.as_str(), "title": n.title})
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut out, &items).map_err(std::io::Error::from)?;
                writeln!(out)?;
            }
            Format::Text => {
                for &h in &hits {
                    let n = framework.node(h);
                    writeln!(out, "{:<7} {}", n.id, n.title)?;
                }
            }
        }
        if hits.is_empty() {
            writeln!(
                anstream::stderr(),
                "no outcome of {} mentions `{}`",
                framework.id,
                words.join(" ")
            )?;
            return Ok(PROBLEMS);
        }
        return Ok(OK);
    }
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, framework.to_file())
                .map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
        Format::Text => report::write_outcomes(&mut out, &framework)?,
    }
    Ok(OK)
}

fn init(dir: &Path) -> Result<i32, Failure> {
    let written = senco::author::scaffold::init(dir)?;
    let mut out = anstream::stdout().lock();
    for path in &written {
        writeln!(out, "created {}", path.display())?;
    }
    writeln!(out, "\nNext: `senco check {}`", dir.display())?;
    Ok(OK)
}

/// The nearest folder at or above the current one holding portfolio.toml.
fn find_portfolio() -> Result<PathBuf, FatalError> {
    let cwd = std::env::current_dir()
        .map_err(|e| FatalError::new(format!("cannot read the current folder: {e}")))?;
    cwd.ancestors()
        .find(|dir| dir.join(senco::model::portfolio::CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            FatalError::new("no portfolio.toml in this folder or any folder above it")
                .with_help("run senco new inside your portfolio, or pass --portfolio PATH")
        })
}

fn new(args: &NewArgs) -> Result<i32, Failure> {
    let root = match &args.portfolio {
        Some(p) => p.clone(),
        None => find_portfolio()?,
    };
    let (portfolio, framework) = senco::load_portfolio(&root)?;
    let date = date_or_today(args.date.as_deref())?;
    let evidence_dir = portfolio
        .evidence_dirs
        .first()
        .map_or("evidence", String::as_str);
    let new = senco::author::scaffold::NewEvidence {
        title: &args.title,
        kind: &args.kind,
        outcomes: &args.outcomes,
        model: args.model,
        date,
    };
    let path =
        senco::author::scaffold::new_evidence(&portfolio.root, evidence_dir, &framework, &new)?;
    writeln!(anstream::stdout(), "created {}", path.display())?;
    Ok(OK)
}

fn privacy(path: &Path) -> Result<i32, Failure> {
    let portfolio = senco::model::portfolio::Portfolio::load(path)?;
    let scan = senco::check::privacy::scan_portfolio(&portfolio)?;
    let mut out = anstream::stdout().lock();
    for d in &scan.findings {
        report::write_diagnostic(&mut out, d)?;
    }
    if !scan.silenced.is_empty() {
        writeln!(out, "silenced by allow markers:")?;
        for d in &scan.silenced {
            writeln!(
                out,
                "  {}:{}:{}: {} [{}]",
                d.file.as_deref().unwrap_or(""),
                d.line.unwrap_or(0),
                d.column.unwrap_or(0),
                d.message,
                d.code
            )?;
        }
    }
    let count = |severity| {
        scan.findings
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    };
    let errors = count(senco::error::diagnostic::Severity::Error);
    writeln!(
        out,
        "privacy: {errors} error{}, {} warning{}, {} silenced",
        if errors == 1 { "" } else { "s" },
        count(senco::error::diagnostic::Severity::Warning),
        if count(senco::error::diagnostic::Severity::Warning) == 1 {
            ""
        } else {
            "s"
        },
        scan.silenced.len()
    )?;
    out.flush()?;
    Ok(if errors > 0 { PROBLEMS } else { OK })
}

fn pseudonymise(args: &PseudonymiseArgs) -> Result<i32, Failure> {
    use std::io::IsTerminal;
    let portfolio = senco::model::portfolio::Portfolio::load(&args.path)?;
    let plan = senco::author::pseudonymise::plan(&portfolio)?;
    let mut out = anstream::stdout().lock();
    for (rel, why) in &plan.skipped {
        writeln!(anstream::stderr(), "warning: {rel} left alone: {why}")?;
    }
    if plan.rewrites.is_empty() {
        writeln!(
            out,
            "no real names found in the evidence; nothing to change"
        )?;
        return Ok(OK);
    }
    for rewrite in &plan.rewrites {
        write!(out, "{}", rewrite.diff())?;
    }
    let names: usize = plan.rewrites.iter().map(|r| r.replacements).sum();
    let files = plan.rewrites.len();
    let question = format!(
        "replace {names} name{} in {files} file{}",
        if names == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" }
    );
    out.flush()?;
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(FatalError::new(format!(
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
    let backups = senco::author::pseudonymise::apply(&portfolio.root, &plan.rewrites)?;
    for (rewrite, backup) in plan.rewrites.iter().zip(&backups) {
        writeln!(
            out,
            "rewrote {} (original kept in {})",
            rewrite.rel,
            backup.display()
        )?;
    }
    Ok(OK)
}

fn pack(args: &PackArgs) -> Result<i32, Failure> {
    let options = senco::pack::PackOptions {
        anonymise: args.anonymise,
        allow_findings: args.allow_findings,
        first_candidate: args.candidate.clone(),
    };
    let pack = match senco::pack::prepare(&args.paths, &options) {
        Ok(pack) => pack,
        Err(senco::pack::PackError::Fatal(e)) => return Err(e.into()),
        Err(senco::pack::PackError::Refused(refusals)) => {
            let mut err = anstream::stderr().lock();
            for (root, findings) in &refusals {
                writeln!(err, "in {}:", root.display())?;
                for d in findings {
                    report::write_diagnostic(&mut err, d)?;
                }
            }
            let total: usize = refusals.iter().map(|(_, f)| f.len()).sum();
            report::write_fatal(
                &mut err,
                &FatalError::new(format!(
                    "no pack written: the privacy lint found {total} error{} listed above",
                    if total == 1 { "" } else { "s" }
                ))
                .with_help("fix them (`senco pseudonymise` replaces real names), or pack with --allow-findings, which the cover sheet records"),
            )?;
            return Ok(PROBLEMS);
        }
    };
    let written = senco::pack::write(&pack, &args.output)?;
    writeln!(
        anstream::stdout(),
        "wrote {} ({} files, {} bytes)
SHA-256 {}",
        args.output.display(),
        written.files,
        written.bytes,
        written.sha256
    )?;
    Ok(OK)
}

fn verify(path: &Path) -> Result<i32, Failure> {
    use senco::pack::verify::Layout;
    let result = senco::pack::verify::verify(path)?;
    let mut out = anstream::stdout().lock();
    for name in &result.missing {
        writeln!(out, "missing: {name}")?;
    }
    for name in &result.extra {
        writeln!(out, "extra:   {name}")?;
    }
    for (name, why) in &result.changed {
        writeln!(out, "changed: {name}: {why}")?;
    }
    for (name, why) in &result.unsafe_entries {
        writeln!(out, "unsafe:  {name}: {why}")?;
    }
    if let Layout::Differs(why) = &result.layout {
        writeln!(
            out,
            "changed: the zip's headers differ from what senco pack writes: {why}"
        )?;
    }
    let files = result.manifest.files.len();
    if result.intact() {
        writeln!(
            out,
            "intact: all {files} files match manifest.json
SHA-256 {}",
            result.sha256
        )?;
        Ok(OK)
    } else {
        writeln!(
            out,
            "NOT intact: this pack differs from its manifest
SHA-256 {}",
            result.sha256
        )?;
        Ok(PROBLEMS)
    }
}

fn date_or_today(written: Option<&str>) -> Result<jiff::civil::Date, FatalError> {
    match written {
        Some(d) => d.parse::<jiff::civil::Date>().map_err(|_| {
            FatalError::new(format!("`{d}` is not a date"))
                .with_help("write it as YYYY-MM-DD, e.g. 2025-03-14")
        }),
        None => Ok(jiff::Zoned::now().date()),
    }
}

fn review(args: &ReviewArgs) -> Result<i32, Failure> {
    use senco::check::judgement::Verdict;
    let verdict = Verdict::parse(&args.judgement).ok_or_else(|| {
        FatalError::new(format!("unknown judgement `{}`", args.judgement))
            .with_help("a judgement is one of meets, partially-meets, does-not-meet, ready")
    })?;
    let assessor = match &args.assessor {
        Some(name) => name.clone(),
        None => std::env::var("SENCO_ASSESSOR").map_err(|_| {
            FatalError::new("who is the assessor?").with_help(
                "give --assessor \"Your Name\", or set SENCO_ASSESSOR once in your shell",
            )
        })?,
    };
    let (portfolio, framework) = senco::load_portfolio(&args.path)?;
    let feedback = args
        .feedback
        .clone()
        .unwrap_or_else(|| portfolio.root.join(senco::check::judgement::FEEDBACK_DIR));
    let review = senco::tutor::review::Review {
        evidence: args.evidence.as_deref(),
        outcome: args.outcome.as_deref(),
        verdict,
        assessor: &assessor,
        comment: args.comment.as_deref(),
        date: date_or_today(args.date.as_deref())?,
    };
    let written = senco::tutor::review::write(&portfolio, &framework, &feedback, &review)?;
    let mut out = anstream::stdout().lock();
    writeln!(out, "created {}", written.path.display())?;
    for note in &written.notes {
        writeln!(out, "note: {note}")?;
    }
    Ok(OK)
}

fn cohort(args: &CohortArgs) -> Result<i32, Failure> {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    use senco::tutor::cohort_report as cr;
    let format = if args.csv_long {
        CohortFormat::CsvLong
    } else {
        args.format
    };
    if format == CohortFormat::Html && args.output.is_none() {
        return Err(FatalError::new("a dashboard needs a folder to go to")
            .with_help("add -o DIR, e.g. -o cohort-site")
            .into());
    }
    if format == CohortFormat::Xlsx && args.output.is_none() {
        return Err(FatalError::new("an .xlsx workbook needs a file to go to")
            .with_help("add -o cohort.xlsx")
            .into());
    }
    let today = date_or_today(args.today.as_deref())?;
    let (members, skipped) = senco::tutor::cohort::members(&args.dir)?;
    // indicatif draws nothing when stderr is not a terminal.
    let bar =
        ProgressBar::with_draw_target(Some(members.len() as u64), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} portfolios read") {
        bar.set_style(style);
    }
    let cohort = senco::tutor::cohort::read(&members, skipped, today, &|| bar.inc(1));
    bar.finish_and_clear();
    if let (CohortFormat::Html, Some(out)) = (format, &args.output) {
        let theme = senco::render::theme::load(None)?;
        let pages = senco::tutor::dashboard::build(&cohort, &args.dir, &theme, out, args.force)?;
        writeln!(
            anstream::stdout(),
            "built {pages} pages into {}\nopen {} in a browser",
            out.display(),
            out.join("index.html").display()
        )?;
        return Ok(if cohort.summary.broken > 0 {
            PROBLEMS
        } else {
            OK
        });
    }
    let mut bytes = Vec::new();
    match format {
        CohortFormat::Html => {}
        CohortFormat::Text => cr::write_text(&mut bytes, &cohort)?,
        CohortFormat::Json => cr::write_json(&mut bytes, &cohort)?,
        CohortFormat::Csv => cr::write_csv(&mut bytes, &cohort)?,
        CohortFormat::CsvLong => cr::write_csv_long(&mut bytes, &cohort)?,
        CohortFormat::Xlsx => {
            bytes = cr::xlsx_bytes(&cohort)
                .map_err(|e| FatalError::new(format!("cannot make the workbook: {e}")))?;
        }
    }
    match &args.output {
        Some(path) => {
            if format == CohortFormat::Text {
                let plain = anstream::adapter::strip_bytes(&bytes).into_vec();
                bytes = plain;
            }
            senco::util::atomic::write_replace(path, &bytes)?;
            writeln!(anstream::stderr(), "wrote {}", path.display())?;
        }
        None => {
            let mut out = anstream::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(if cohort.summary.broken > 0 {
        PROBLEMS
    } else {
        OK
    })
}
