//! `senco framework import|check`: a provider's framework from CASE or Moodle CSV into
//! senco's JSON, and a framework file validated and shown as a tree.

use super::{OK, Outcome, PROBLEMS};
use senco::error::diagnostic::{Diagnostic, Severity};
use senco::model::framework::{Framework, Rollup};
use senco::model::interchange::{self, ImportFormat};
use senco::report;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Read a 1EdTech CASE 1.0 package (JSON) or a Moodle competency framework CSV and
    /// write a senco framework file.
    Import(ImportArgs),
    /// Validate a framework file (senco JSON, CASE JSON or Moodle CSV) and print its tree.
    Check(CheckArgs),
}

#[derive(clap::Args)]
struct ImportArgs {
    /// The CASE package (.json) or Moodle CSV (.csv).
    file: PathBuf,
    /// Where to write the senco framework file; default: standard output.
    #[arg(short, long, value_name = "OUT.json")]
    out: Option<PathBuf>,
    /// How nodes over leaves roll up: `all` (every child needed) or `any` (any child, or
    /// a tag on the node itself); neither format can say.
    #[arg(long, value_enum, default_value_t = RollupArg::All)]
    rollup: RollupArg,
    /// The format, when the file name does not say (.json is CASE, .csv is Moodle).
    #[arg(long, value_enum)]
    from: Option<FromArg>,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The framework file.
    file: PathBuf,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RollupArg {
    All,
    Any,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum FromArg {
    Case,
    MoodleCsv,
}

pub fn run(args: &Args) -> Outcome {
    match &args.command {
        Command::Import(a) => import(a),
        Command::Check(a) => check(a),
    }
}

fn format_of(path: &Path, text: &str, from: Option<FromArg>) -> ImportFormat {
    match from {
        Some(FromArg::Case) => ImportFormat::Case,
        Some(FromArg::MoodleCsv) => ImportFormat::MoodleCsv,
        None => ImportFormat::detect(&path.to_string_lossy(), text),
    }
}

fn write_diagnostics(diagnostics: &[Diagnostic]) -> std::io::Result<bool> {
    let mut err = anstream::stderr().lock();
    for d in diagnostics {
        report::write_diagnostic(&mut err, d)?;
    }
    Ok(diagnostics.iter().any(|d| d.severity != Severity::Hint))
}

fn import(args: &ImportArgs) -> Outcome {
    let text = interchange::read_source(&args.file)?;
    let format = format_of(&args.file, &text, args.from);
    let rollup = match args.rollup {
        RollupArg::All => Rollup::All,
        RollupArg::Any => Rollup::Any,
    };
    let name = args.file.display().to_string();
    let (framework, imported) = interchange::import(&name, &text, format, rollup)?;
    let problems = write_diagnostics(&imported.diagnostics)?;
    let mut json = serde_json::to_string_pretty(&imported.file).map_err(std::io::Error::from)?;
    json.push('\n');
    match &args.out {
        Some(out) => {
            senco::util::atomic::write_replace(out, json.as_bytes())?;
            writeln!(
                anstream::stderr(),
                "wrote {} ({}: {} nodes, {} leaves); check it with `senco framework check {}`",
                out.display(),
                framework.id,
                framework.nodes.len(),
                framework.leaves().count(),
                out.display()
            )?;
        }
        None => anstream::stdout().lock().write_all(json.as_bytes())?,
    }
    Ok(if problems { PROBLEMS } else { OK })
}

fn check(args: &CheckArgs) -> Outcome {
    let text = interchange::read_source(&args.file)?;
    let name = args.file.display().to_string();
    let is_senco_json = name.to_lowercase().ends_with(".json")
        && !text.contains("\"CFDocument\"")
        && !text.contains("\"CFPackage\"");
    let (framework, diagnostics) = if is_senco_json {
        (Framework::from_json(&text, &name)?, Vec::new())
    } else {
        let format = ImportFormat::detect(&name, &text);
        let (framework, imported) = interchange::import(&name, &text, format, Rollup::All)?;
        (framework, imported.diagnostics)
    };
    let problems = write_diagnostics(&diagnostics)?;
    let mut out = anstream::stdout().lock();
    report::write_outcomes(&mut out, &framework)?;
    let count = |kind| framework.nodes.iter().filter(|n| n.kind == kind).count();
    use senco::model::framework::NodeKind;
    writeln!(
        out,
        "\n{}: valid; {} parts, {} outcomes, {} indicators; {} leaves to cover",
        framework.id,
        count(NodeKind::Part),
        count(NodeKind::Outcome),
        count(NodeKind::Indicator),
        framework.leaves().count()
    )?;
    Ok(if problems { PROBLEMS } else { OK })
}
