//! `senco outcomes`: a framework's outcomes, or those matching some words.

use super::{OK, Outcome, PROBLEMS};
use senco::model::framework::Framework;
use senco::model::interchange;
use senco::report;
use std::io::Write;
use std::path::Path;

#[derive(clap::Args)]
pub struct Args {
    /// A built-in framework id (nasenco-2014, npq-senco-2023) or the path of a framework file.
    /// Default: the framework of the portfolio in the current folder, else nasenco-2014.
    #[arg(long, value_name = "ID|PATH")]
    framework: Option<String>,
    /// Output format: an indented tree as text, the framework as senco JSON, a 1EdTech
    /// CASE 1.0 package, a Moodle competency framework CSV, or a Mahara SmartEvidence
    /// matrix.
    #[arg(long, value_enum, default_value_t = OutcomesFormat::Text)]
    format: OutcomesFormat,
    /// Show only outcomes whose wording contains all of these words.
    #[arg(long, value_name = "WORDS", num_args = 1..)]
    search: Option<Vec<String>>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum OutcomesFormat {
    Text,
    Json,
    Case,
    MoodleCsv,
    Mahara,
}

type Exporter = fn(&senco::model::framework::Section) -> Result<String, senco::FatalError>;

pub fn run(args: &Args) -> Outcome {
    let framework = Framework::for_folder(args.framework.as_deref(), Path::new("."))?;
    let mut out = anstream::stdout().lock();
    let Some(words) = &args.search else {
        let export = match args.format {
            OutcomesFormat::Case => Some((interchange::case::export as Exporter, "CASE")),
            OutcomesFormat::MoodleCsv => {
                Some((interchange::moodle::export as Exporter, "Moodle CSV"))
            }
            OutcomesFormat::Mahara => Some((interchange::mahara::export as Exporter, "Mahara")),
            _ => None,
        };
        if framework.sections.len() > 1 && args.format != OutcomesFormat::Text {
            return Err(senco::FatalError::invalid(format!(
                "this portfolio follows {} frameworks ({}), and a framework file holds one",
                framework.sections.len(),
                framework.ids()
            ))
            .with_help("name one with `--framework ID`")
            .into());
        }
        if let Some((export, name)) = export {
            let section = &framework.sections[0];
            let text = export(section)?;
            out.write_all(text.as_bytes())?;
            let mut notes = interchange::left_out(section, name);
            if args.format == OutcomesFormat::MoodleCsv {
                notes.extend(interchange::moodle::left_out_extra(section));
            }
            let mut err = anstream::stderr().lock();
            for note in notes {
                writeln!(err, "note: {note}")?;
            }
            return Ok(OK);
        }
        match args.format {
            OutcomesFormat::Case | OutcomesFormat::MoodleCsv | OutcomesFormat::Mahara => {}
            OutcomesFormat::Json => report::write_framework_json(&mut out, &framework)?,
            OutcomesFormat::Text => report::write_outcomes(&mut out, &framework)?,
        }
        return Ok(OK);
    };
    let query = words.join(" ");
    let hits = framework.search(&query);
    match args.format {
        OutcomesFormat::Json => report::write_outcome_hits_json(&mut out, &framework, &hits)?,
        OutcomesFormat::Text => report::write_outcome_hits(&mut out, &framework, &hits)?,
        _ => {
            return Err(senco::FatalError::invalid(
                "--search prints text or JSON: `--format case`, `moodle-csv` and `mahara` export a whole framework",
            )
            .into());
        }
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
