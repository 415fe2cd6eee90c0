//! The check stage, in the order `senco check` runs it: [`discover`] the evidence files,
//! parse each ([`frontmatter`], [`markdown`], [`evidence`]), scan it for identifiers
//! ([`privacy`]), count its words ([`words`]), then resolve every link ([`links`]), work
//! out [`coverage`] and read the tutors' [`judgement`]s. The trainee's [`commentary`] on
//! whole outcomes is read and checked beside the evidence, but is not evidence.
//! [`snapshot`] lets `senco serve` re-parse only what changed; [`cache`] lets the next
//! `senco check` skip parsing the files that did not.

pub mod cache;
pub mod commentary;
pub mod coverage;
pub mod discover;
pub mod evidence;
pub mod frontmatter;
pub mod judgement;
pub mod links;
pub mod markdown;
pub mod obsidian;
pub mod privacy;
pub mod reflection;
pub(crate) mod snapshot;
pub mod words;

use crate::error::FatalError;
use crate::error::diagnostic::{self, Diagnostic, Severity};
use crate::model::deadline;
use crate::model::framework::Framework;
use crate::model::portfolio::Portfolio;
use coverage::Coverage;
use evidence::Evidence;
use rayon::prelude::*;
use std::path::Path;

/// Everything `senco check` learns about a portfolio.
#[derive(Debug, Clone)]
pub struct Check {
    /// The settings it was checked with (portfolio.toml).
    pub portfolio: Portfolio,
    /// The outcomes it was checked against: the portfolio's frameworks, merged into one.
    pub framework: Framework,
    /// Sorted by path.
    pub evidence: Vec<Evidence>,
    /// The commentary files that comment on a node, sorted by node: not evidence.
    pub commentary: Vec<commentary::Commentary>,
    /// How far the evidence covers `framework`.
    pub coverage: Coverage,
    /// Sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// Privacy findings silenced by `<!-- senco: allow ... -->` markers, sorted.
    pub silenced: Vec<Diagnostic>,
    /// Assessor judgements, sorted by date then file, superseded ones included.
    pub judgements: Vec<judgement::Judgement>,
    /// What the current judgements say of each node, for `require_assessed`.
    pub assessment: judgement::Assessment,
    /// What the vault's settings (or `portfolio.toml`) say about showing notes: line
    /// breaks for every page built from the check, the attachment folder links used.
    pub settings: obsidian::Settings,
}

/// Settings of one check that are not the trainee's (so not in portfolio.toml).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckOptions {
    /// Where the judgement files are; default `feedback/` in the portfolio.
    pub feedback: Option<std::path::PathBuf>,
    /// Nothing is rendered from this check (`senco check`, `senco cohort`): leave out
    /// what only pages use. Each [`Evidence::fingerprint`] is `None` (hashing every byte
    /// is a measurable part of a check), and so are the passages tags quote
    /// ([`Evidence::opening`], [`evidence::Tag::passage`]).
    pub report_only: bool,
    /// The results cache folder ([`cache::default_dir`]); `None`: no cache. Used only
    /// with `report_only`, by a check nothing is rendered from, as the cache keeps
    /// no passages ([`cache`] says what it keeps and when it trusts it).
    pub cache: Option<std::path::PathBuf>,
}

impl Check {
    /// How many diagnostics of `severity` it found (silenced ones not counted).
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Whether any diagnostic is an error, so `senco check` exits 1 even without `--strict`.
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// Whether `senco check` exits 1: any error, or with `strict` any gap in coverage.
    pub fn fails(&self, strict: bool) -> bool {
        self.has_errors() || (strict && !self.coverage.gaps(&self.framework).is_empty())
    }

    /// When the qualification must be done, from the appointment date, if the portfolio gives one.
    pub fn deadline(&self) -> Option<deadline::Deadline> {
        self.portfolio
            .appointed
            .map(|date| deadline::deadline(date, &self.framework.id))
    }
}

/// Loads the portfolio at `root` and its framework: the first step of every check, and
/// all that the commands that write into a portfolio (`new`, `review`) need of it.
pub(crate) fn load(root: &Path) -> Result<(Portfolio, Framework), FatalError> {
    let portfolio = Portfolio::load(root)?;
    let framework = Framework::resolve_all(&portfolio.frameworks, &portfolio.root)
        .map_err(|e| e.prefixed("portfolio.toml"))?;
    Ok((portfolio, framework))
}

/// Checks the portfolio at `root`: the whole check stage, what `senco check` prints and
/// every later stage starts from. Problems in the evidence are diagnostics in the
/// [`Check`]; an error means the portfolio could not be checked at all.
pub fn check(root: &Path, options: &CheckOptions) -> Result<Check, FatalError> {
    let (portfolio, framework) = load(root)?;
    let open_cache = || match (&options.cache, options.report_only) {
        (Some(dir), true) => {
            // Read before the lint reads it: a change in between gives a key that no
            // later run matches, never entries stored under the wrong names.
            let pseudonyms =
                evidence::read_file(&portfolio.root.join(privacy::PSEUDONYMS_FILE)).ok();
            let context = cache::context(&framework, pseudonyms.as_deref());
            cache::Session::open(dir, &portfolio.root, context)
        }
        _ => None,
    };
    // The walk and reading the cache file are each a good part of a warm run.
    let (discovered, session) = rayon::join(|| discover::discover(&portfolio), open_cache);
    let (found, diagnostics) = discovered?;
    let (names, name_problems) = privacy::Pseudonyms::load(&portfolio.root);
    let for_pages = !options.report_only;
    let parsed: Vec<Parsed> = match session {
        Some(session) => session.parse_all(
            &found,
            &framework,
            |f, bytes| parse_and_scan(bytes, f, &framework, &names, for_pages),
            |f| load_and_scan(f, &framework, &names, for_pages),
        ),
        None => found
            .par_iter()
            .map(|f| load_and_scan(f, &framework, &names, for_pages))
            .collect(),
    };
    let commentary = read_commentary(&portfolio, &framework, &names, options)?;
    Ok(check_parsed(
        portfolio,
        framework,
        options,
        diagnostics,
        name_problems,
        parsed,
        commentary,
    ))
}

/// The commentary files read and scanned, each with the node it comments on (`None`:
/// it names none, and is checked all the same), and the diagnostics of finding them.
struct ReadCommentary {
    files: Vec<(Option<crate::model::framework::NodeId>, Parsed)>,
    diagnostics: Vec<Diagnostic>,
}

/// Finds, reads and scans the commentary files. They are few, so a [`recheck`] reads
/// them again every time.
fn read_commentary(
    portfolio: &Portfolio,
    framework: &Framework,
    names: &privacy::Pseudonyms,
    options: &CheckOptions,
) -> Result<ReadCommentary, FatalError> {
    let (found, mut diagnostics) = discover::discover_commentary(portfolio)?;
    let (nodes, naming) = commentary::assign(&found, framework);
    diagnostics.extend(naming);
    let files = found
        .par_iter()
        .map(|f| load_and_scan(f, framework, names, !options.report_only))
        .collect::<Vec<Parsed>>();
    Ok(ReadCommentary {
        files: nodes.into_iter().zip(files).collect(),
        diagnostics,
    })
}

/// One evidence file read: its record, its diagnostics, what the privacy lint found.
type Parsed = (Evidence, Vec<Diagnostic>, privacy::Scan);

/// What a check keeps so that the next one re-parses only the files that changed.
pub struct Memo {
    snapshot: snapshot::Snapshot,
    framework: Framework,
    /// By evidence path.
    parsed: std::collections::HashMap<String, Parsed>,
}

/// What changed since the check a [`Memo`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Changes {
    /// Anything that can touch every page: the settings, the framework, the theme, the
    /// pseudonyms, an attachment, a file added or removed. Nothing was reused.
    All,
    /// Only these evidence files (by path), each re-parsed.
    Evidence(std::collections::BTreeSet<String>),
}

/// [`check`], re-parsing only the evidence files that changed since the
/// check `previous` came from (when nothing else did). Gives the same [`Check`] as a
/// fresh one, the memo for the next time, and what changed. Changes inside a site senco
/// built are not the portfolio's.
pub fn recheck(
    root: &Path,
    options: &CheckOptions,
    previous: Option<&Memo>,
) -> Result<(Check, Memo, Changes), FatalError> {
    let (portfolio, framework) = load(root)?;
    let (found, diagnostics) = discover::discover(&portfolio)?;
    // Stamped before anything is read: a file written after its stamp shows as changed.
    let snapshot = snapshot::Snapshot::take(&portfolio.root, &found, previous.map(|m| &m.snapshot));
    let changes = match previous {
        Some(memo) if memo.framework == framework => {
            let changed = snapshot.changed_since(&memo.snapshot);
            let evidence_only = changed.iter().all(|rel| {
                memo.parsed.contains_key(rel)
                    && found.binary_search_by(|f| f.rel.as_str().cmp(rel)).is_ok()
            });
            if evidence_only {
                Changes::Evidence(changed)
            } else {
                Changes::All
            }
        }
        _ => Changes::All,
    };
    let (names, name_problems) = privacy::Pseudonyms::load(&portfolio.root);
    let parsed: Vec<Parsed> = found
        .par_iter()
        .map(|f| match (&changes, previous) {
            (Changes::Evidence(changed), Some(memo)) if !changed.contains(&f.rel) => memo
                .parsed
                .get(&f.rel)
                .cloned()
                .unwrap_or_else(|| load_and_scan(f, &framework, &names, !options.report_only)),
            _ => load_and_scan(f, &framework, &names, !options.report_only),
        })
        .collect();
    let memo = Memo {
        snapshot,
        framework: framework.clone(),
        parsed: found
            .iter()
            .map(|f| f.rel.clone())
            .zip(parsed.iter().cloned())
            .collect(),
    };
    let commentary = read_commentary(&portfolio, &framework, &names, options)?;
    let check = check_parsed(
        portfolio,
        framework,
        options,
        diagnostics,
        name_problems,
        parsed,
        commentary,
    );
    Ok((check, memo, changes))
}

/// The rest of a check once every evidence file is parsed: coverage, judgements,
/// portfolio-wide diagnostics. Cheap next to parsing.
fn check_parsed(
    portfolio: Portfolio,
    framework: Framework,
    options: &CheckOptions,
    mut diagnostics: Vec<Diagnostic>,
    name_problems: Vec<Diagnostic>,
    parsed: Vec<Parsed>,
    read_commentary: ReadCommentary,
) -> Check {
    diagnostics.extend(name_problems);
    let mut evidence = Vec::with_capacity(parsed.len());
    let mut silenced = Vec::new();
    for (file, file_diagnostics, scan) in parsed {
        evidence.push(file);
        diagnostics.extend(file_diagnostics);
        diagnostics.extend(scan.findings);
        silenced.extend(scan.silenced);
    }
    diagnostics.extend(read_commentary.diagnostics);
    let mut commented = Vec::new();
    let mut commentary_files = Vec::new();
    for (node, (mut file, file_diagnostics, scan)) in read_commentary.files {
        diagnostics.extend(
            file_diagnostics
                .into_iter()
                .filter(|d| commentary::applies(d.code)),
        );
        diagnostics.extend(scan.findings);
        silenced.extend(scan.silenced);
        // Commentary covers nothing: an `[[A]]` in it is shown as a tag, and claims nothing.
        file.tags.clear();
        if let Some(node) = node {
            commented.push(node);
            commentary_files.push(file);
        }
    }
    let settings = obsidian::Settings::load(&portfolio.root, portfolio.line_breaks);
    diagnostics.extend(links::resolve_with_commentary(
        &portfolio.root,
        &portfolio.evidence_dirs,
        settings.attachment_folder.as_deref(),
        &framework,
        &mut evidence,
        &mut commentary_files,
    ));
    diagnostics.extend(words::limit_warnings(&portfolio.rules, &evidence));
    diagnostics.extend(words::commentary_limit_warnings(
        &portfolio.rules,
        &commentary_files,
    ));
    let mut commentary: Vec<commentary::Commentary> = commented
        .into_iter()
        .zip(commentary_files)
        .map(|(node, file)| commentary::Commentary { node, file })
        .collect();
    commentary.sort_by_key(|c| c.node);
    let mut coverage = coverage::analyse(&framework, &evidence, portfolio.rules.min_evidence);
    if portfolio.rules.commentary {
        diagnostics.extend(commentary::missing(&framework, &coverage, &commentary));
    }
    let feedback = options
        .feedback
        .clone()
        .unwrap_or_else(|| portfolio.root.join(judgement::FEEDBACK_DIR));
    let (judgements, judgement_diagnostics) =
        judgement::load(&feedback, &portfolio.root, &framework, &evidence);
    diagnostics.extend(judgement_diagnostics);
    let assessment = judgement::assess(&framework, &evidence, &judgements);
    if portfolio.rules.require_assessed {
        coverage.restrict(&framework, |leaf| assessment.node(leaf).assessed);
    }
    diagnostic::sort_diagnostics(&mut diagnostics);
    coverage::keep_first_parent_tag_hints(&mut diagnostics);
    diagnostic::sort_diagnostics(&mut silenced);
    Check {
        portfolio,
        framework,
        evidence,
        commentary,
        coverage,
        diagnostics,
        silenced,
        judgements,
        assessment,
        settings,
    }
}

/// Reads an evidence file once, and decodes and indexes it once, for both the parser
/// and the privacy lint; `for_pages` as [`evidence::parse_bytes_and`] has it.
fn load_and_scan(
    found: &discover::Found,
    framework: &Framework,
    names: &privacy::Pseudonyms,
    for_pages: bool,
) -> Parsed {
    match evidence::read_file(&found.path) {
        Ok(bytes) => parse_and_scan(&bytes, found, framework, names, for_pages),
        Err(e) => {
            let (file, diagnostics) = evidence::unreadable(&found.rel, &e);
            (file, diagnostics, privacy::Scan::default())
        }
    }
}

/// Parses and scans the bytes of an evidence file, decoded and indexed once for both.
fn parse_and_scan(
    bytes: &[u8],
    found: &discover::Found,
    framework: &Framework,
    names: &privacy::Pseudonyms,
    for_pages: bool,
) -> Parsed {
    let (file, diagnostics, scan) =
        evidence::parse_bytes_and(bytes, &found.rel, framework, for_pages, |source| {
            Some(privacy::scan_source(source, &found.rel, names))
        });
    // Content that is not text: the lint's own rule for what it still scans.
    let scan = scan.unwrap_or_else(|| privacy::scan_bytes(bytes, &found.rel, names));
    (file, diagnostics, scan)
}
