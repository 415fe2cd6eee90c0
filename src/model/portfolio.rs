//! The portfolio: a folder with `portfolio.toml`, the trainee's own settings.

use crate::error::FatalError;
use crate::error::diagnostic::SourceText;
use crate::model::evidence_type::EvidenceType;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The settings file whose folder is a portfolio.
pub const CONFIG_FILE: &str = "portfolio.toml";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    portfolio: PortfolioSection,
    #[serde(default)]
    rules: Rules,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortfolioSection {
    title: Option<String>,
    trainee: Option<String>,
    framework: FrameworkSpec,
    #[serde(default = "default_evidence")]
    evidence: Vec<String>,
    appointed: Option<toml::value::Datetime>,
    line_breaks: Option<LineBreaks>,
}

/// How a single line break in evidence shows: as Obsidian shows it (a break), or as
/// CommonMark does (the lines are joined). Unset, a vault follows its own settings and
/// any other portfolio CommonMark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineBreaks {
    /// A single line break is a break, as Obsidian shows it by default.
    Obsidian,
    /// A single line break joins the lines, as CommonMark says.
    Commonmark,
}

/// `framework = "nasenco-2014"` or `framework = ["nasenco-2014", "teachers-standards-2011"]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum FrameworkSpec {
    One(String),
    Several(Vec<String>),
}

/// The keys of `[portfolio]`, as serde names them in its messages.
const PORTFOLIO_KEYS: &[&str] = &[
    "title",
    "trainee",
    "framework",
    "evidence",
    "appointed",
    "line_breaks",
];

fn default_evidence() -> Vec<String> {
    vec!["evidence".to_string()]
}

/// `[rules]`: what counts as enough.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// How many distinct evidence files a leaf needs to be covered.
    #[serde(default = "default_min_evidence")]
    pub min_evidence: usize,
    /// Word limits by evidence type, e.g. `word_limits = { assignment = 4000 }`.
    #[serde(default)]
    pub word_limits: std::collections::BTreeMap<String, usize>,
    /// An indicator counts as covered only if a current `meets` judgement also applies
    /// to it (see [`crate::check::judgement`]).
    #[serde(default)]
    pub require_assessed: bool,
    /// `check` warns for each outcome with evidence and no commentary (see
    /// [`crate::check::commentary`]).
    #[serde(default)]
    pub commentary: bool,
}

fn default_min_evidence() -> usize {
    1
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            min_evidence: default_min_evidence(),
            word_limits: Default::default(),
            require_assessed: false,
            commentary: false,
        }
    }
}

/// A portfolio's settings (portfolio.toml), validated, with paths resolved.
#[derive(Debug, Clone)]
pub struct Portfolio {
    /// The portfolio folder as given.
    pub root: PathBuf,
    /// Shown on every page and report.
    pub title: String,
    /// The trainee's name as they want assessors to see it; left out of anonymised packs.
    pub trainee: Option<String>,
    /// Built-in framework ids or paths relative to `root`, at least one; the first is the
    /// qualification the statutory deadline follows.
    pub frameworks: Vec<String>,
    /// Evidence folders relative to `root`.
    pub(crate) evidence_dirs: Vec<String>,
    /// Appointment as SENCO, which starts the three years to qualify.
    pub appointed: Option<jiff::civil::Date>,
    /// `line_breaks` in `[portfolio]`.
    pub line_breaks: Option<LineBreaks>,
    /// What counts as covered, and the checks the trainee chose.
    pub rules: Rules,
}

/// The nearest folder at or above the current one holding `portfolio.toml`.
pub fn find_from_current_folder() -> Result<PathBuf, FatalError> {
    let cwd = std::env::current_dir()
        .map_err(|e| FatalError::io(format!("cannot read the current folder: {e}"), e))?;
    find_root(&cwd)
}

impl Portfolio {
    /// Reads `portfolio.toml` in `root`. Errors are fatal: without settings nothing can be
    /// checked. They name the file, line and column, and what to write instead.
    pub fn load(root: &Path) -> Result<Portfolio, FatalError> {
        let config_path = root.join(CONFIG_FILE);
        if !root.is_dir() {
            return Err(
                FatalError::not_found(format!("{} is not a folder", root.display())).with_help(
                    "give the path of a portfolio folder, the one holding portfolio.toml",
                ),
            );
        }
        // The containment rule: a `portfolio.toml` that is a link to a file outside the
        // portfolio would hand its settings (and what they name) to whoever made it.
        if let Ok(canonical_root) = std::fs::canonicalize(root)
            && let Err(crate::util::fs::Refusal::Outside | crate::util::fs::Refusal::Hidden) =
                crate::util::fs::resolve_inside(&canonical_root, CONFIG_FILE)
        {
            return Err(FatalError::refused(format!(
                "{} is a link to a file outside the portfolio folder (or in a hidden folder); it was not read",
                config_path.display()
            ))
            .with_help("replace the link with a copy of the file"));
        }
        let text = match crate::util::fs::read_capped(
            &config_path,
            crate::util::fs::MAX_CONFIG_BYTES,
            "portfolio.toml files",
        ) {
            Ok(bytes) => String::from_utf8(bytes).map_err(|_| {
                FatalError::invalid(format!("{} is not valid UTF-8", config_path.display()))
                    .with_help("re-save it as UTF-8")
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(FatalError::not_found(format!(
                    "no {CONFIG_FILE} in {}",
                    root.display()
                ))
                .with_help("run `senco init` to start a portfolio, or point senco at the folder holding portfolio.toml"));
            }
            Err(e) => {
                return Err(FatalError::io(
                    format!("cannot read {}: {e}", config_path.display()),
                    e,
                ));
            }
        };
        let text = crate::util::text::without_bom(&text);
        if text.trim().is_empty() {
            return Err(
                FatalError::invalid(format!("{} is empty", config_path.display())).with_help(
                    "write `[portfolio]` and, on the next line, `framework = \"nasenco-2014\"` (or \"npq-senco-2023\")",
                ),
            );
        }
        let problems = crate::model::settings::validate(text);
        if !problems.is_empty() {
            return Err(settings_error(&config_path, &problems));
        }
        let config: ConfigFile = toml::from_str(text).map_err(|e| {
            let source = SourceText::new(text);
            let (line, column) = e.span().map_or((1, 1), |s| source.line_col(s.start));
            let message = e.message().trim_end().to_string();
            let misplaced = PORTFOLIO_KEYS
                .iter()
                .find(|key| message.starts_with(&format!("unknown field `{key}`, expected `portfolio`")));
            let help = if let Some(key) = misplaced {
                &format!("`{key}` belongs in the [portfolio] table: put a line `[portfolio]` above it")
            } else if message.contains("missing field `portfolio`") {
                "portfolio.toml needs a [portfolio] table with at least `framework = \"nasenco-2014\"`"
            } else if message.contains("missing field `framework`") {
                "add `framework = \"nasenco-2014\"` (or \"npq-senco-2023\", or the path of a framework JSON file)"
            } else {
                "see the guide's page on writing evidence for every key portfolio.toml accepts"
            };
            FatalError::invalid(format!("{}:{line}:{column}: {message}", config_path.display())).with_help(help)
        })?;
        let section = config.portfolio;
        let appointed = match section.appointed {
            None => None,
            Some(dt) => Some(toml_date(&dt).ok_or_else(|| {
                FatalError::invalid(format!(
                    "{}: `appointed` must be a date like 2024-09-01, not `{dt}`",
                    config_path.display()
                ))
            })?),
        };
        if config.rules.min_evidence == 0 {
            return Err(FatalError::invalid(format!(
                "{}: `rules.min_evidence` must be at least 1",
                config_path.display()
            )));
        }
        check_limits(&config.rules.word_limits).map_err(|why| {
            FatalError::invalid(format!("{}: {why}", config_path.display())).with_help(format!(
                "write e.g. `word_limits = {{ assignment = 4000 }}`; types: {}, and `{}` for each commentary file",
                EvidenceType::names(),
                crate::model::evidence_type::COMMENTARY_LIMIT
            ))
        })?;
        for dir in &section.evidence {
            check_inside(dir).map_err(|why| {
                FatalError::invalid(format!(
                    "{}: evidence folder `{dir}` {why}",
                    config_path.display()
                ))
                .with_help(
                    "evidence folders are paths inside the portfolio folder, like \"evidence\"",
                )
            })?;
        }
        let frameworks = match section.framework {
            FrameworkSpec::One(spec) => vec![spec],
            FrameworkSpec::Several(specs) => specs,
        };
        if frameworks.is_empty() || frameworks.iter().any(|f| f.trim().is_empty()) {
            return Err(FatalError::invalid(format!(
                "{}: `framework` names no framework",
                config_path.display()
            ))
            .with_help("write e.g. `framework = \"nasenco-2014\"` or `framework = [\"nasenco-2014\", \"teachers-standards-2011\"]`"));
        }
        for spec in frameworks
            .iter()
            .filter(|f| !crate::model::framework::is_builtin(f))
        {
            check_inside(spec).map_err(|why| {
                FatalError::invalid(format!(
                    "{}: framework file `{spec}` {why}",
                    config_path.display()
                ))
                .with_help(
                    "a portfolio's framework is built in (\"nasenco-2014\", \"npq-senco-2023\") or a JSON file inside the portfolio folder; copy the file in and name it relative to portfolio.toml",
                )
            })?;
        }
        let title = section
            .title
            .filter(|t| !t.trim().is_empty())
            .unwrap_or_else(|| folder_name(root));
        Ok(Portfolio {
            root: root.to_path_buf(),
            title,
            trainee: section.trainee.filter(|t| !t.trim().is_empty()),
            frameworks,
            evidence_dirs: section.evidence,
            appointed,
            line_breaks: section.line_breaks,
            rules: config.rules,
        })
    }
}

/// One error for every problem in portfolio.toml: a lone problem reads as before
/// (`file:line:column: message`, then its help); several are listed one per line.
fn settings_error(config_path: &Path, problems: &[crate::model::settings::Problem]) -> FatalError {
    let place = |p: &crate::model::settings::Problem| {
        format!(
            "{}:{}:{}: {}",
            config_path.display(),
            p.line,
            p.column,
            p.message
        )
    };
    if let [only] = problems {
        let error = FatalError::invalid(place(only));
        return match &only.help {
            Some(help) => error.with_help(help.clone()),
            None => error,
        };
    }
    let mut message = format!("{} has {} problems:", config_path.display(), problems.len());
    for p in problems {
        message.push_str(&format!("\n  {}", place(p)));
        if let Some(help) = &p.help {
            message.push_str(&format!("\n      help: {help}"));
        }
    }
    FatalError::invalid(message).with_help(
        "fix them all, then run senco again; the guide's page on writing evidence lists every key",
    )
}

/// The nearest folder at or above `start` holding portfolio.toml, as cargo finds
/// Cargo.toml. Commands given no PATH use it; an explicit PATH is taken as it is.
pub(crate) fn find_root(start: &Path) -> Result<PathBuf, FatalError> {
    start
        .ancestors()
        .find(|dir| dir.join(CONFIG_FILE).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            FatalError::not_found(format!(
                "no {CONFIG_FILE} in {} or any folder above it",
                start.display()
            ))
            .with_help("run senco inside your portfolio, give its folder as PATH, or start one with `senco init`")
        })
}

fn folder_name(root: &Path) -> String {
    std::fs::canonicalize(root)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "Portfolio".to_string())
}

/// Checks `[rules] word_limits` when portfolio.toml is read: known types, limits above 0.
fn check_limits(limits: &std::collections::BTreeMap<String, usize>) -> Result<(), String> {
    for (kind, &limit) in limits {
        if !crate::model::evidence_type::is_word_limit_key(kind) {
            let guess = EvidenceType::suggest(kind)
                .map(|best| format!(" (did you mean `{best}`?)"))
                .unwrap_or_default();
            return Err(format!(
                "`rules.word_limits` names an unknown evidence type `{kind}`{guess}"
            ));
        }
        if limit == 0 {
            return Err(format!(
                "`rules.word_limits.{kind}` must be at least 1 word"
            ));
        }
    }
    Ok(())
}

/// Rejects paths that would leave the portfolio folder.
fn check_inside(dir: &str) -> Result<(), &'static str> {
    let path = Path::new(dir);
    if path.is_absolute() || dir.starts_with(['/', '\\']) || dir.as_bytes().get(1) == Some(&b':') {
        return Err("is an absolute path");
    }
    if path
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err("leaves the portfolio folder");
    }
    Ok(())
}

fn toml_date(dt: &toml::value::Datetime) -> Option<jiff::civil::Date> {
    let date = dt.date.as_ref()?;
    if dt.time.is_some() {
        return None;
    }
    jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8).ok()
}
