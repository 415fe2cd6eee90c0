//! Assessor judgements: a tutor's verdict on a piece of evidence or an outcome, kept as
//! a Markdown file of its own (front matter plus comments) so the trainee's evidence is
//! never edited.
//!
//! A judgement on evidence records the SHA-256 of the evidence file as it was read. When
//! the file changes, the judgement is *stale* and no longer counts until the assessor
//! re-confirms it by writing a new judgement; the newest judgement for the same evidence
//! and outcome wins.
//!
//! Which nodes a judgement assesses:
//! - evidence and outcome: that outcome (and, for an outcome with indicators, every
//!   indicator under it);
//! - outcome only: the same;
//! - evidence only: every node the evidence file tags. A tag on an outcome with indicators
//!   assesses none of them, just as it covers none of them.
//!
//! A node is *assessed* when a current `meets` judgement applies to it; an outcome or part
//! is assessed when all of its indicators are.

use crate::check::evidence::{Evidence, parse_date, scalar_text, unknown_outcome};
use crate::check::frontmatter::{self, Split};
use crate::error::Code;
use crate::error::diagnostic::{Diagnostic, SourceText};
use crate::model::framework::{Framework, NodeId, Rollup};
use crate::util::hash::Sha256;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

/// The folder of a portfolio holding judgement files, unless another is given.
pub(crate) const FEEDBACK_DIR: &str = "feedback";

/// Front matter keys of a judgement file.
pub(crate) const KEYS: &[&str] = &[
    "evidence",
    "outcome",
    "judgement",
    "assessor",
    "date",
    "sha256",
];

/// What an assessor decided of evidence against an outcome (`judgement:` in the file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The evidence shows the outcome.
    Meets,
    /// Some of the outcome is shown; more is needed.
    PartiallyMeets,
    /// The evidence does not show the outcome.
    DoesNotMeet,
    /// The trainee asks for assessment.
    Ready,
}

impl Verdict {
    pub(crate) const ALL: [Verdict; 4] = [
        Verdict::Meets,
        Verdict::PartiallyMeets,
        Verdict::DoesNotMeet,
        Verdict::Ready,
    ];

    /// The word written in a judgement file.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Meets => "meets",
            Verdict::PartiallyMeets => "partially-meets",
            Verdict::DoesNotMeet => "does-not-meet",
            Verdict::Ready => "ready",
        }
    }

    /// Reads a verdict as written, forgiving case and spaces (`Partially meets`).
    pub fn parse(text: &str) -> Option<Verdict> {
        let normal = text.trim().to_lowercase().replace([' ', '_'], "-");
        Verdict::ALL.into_iter().find(|v| v.as_str() == normal)
    }

    fn names() -> String {
        Verdict::ALL.map(Verdict::as_str).join(", ")
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a judgement still stands. A stale one carries why, so a judgement cannot be
/// current with a reason for being stale, or stale without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Outcome-only judgements, and evidence unchanged since it was judged.
    Current,
    /// The evidence changed, or is gone, since it was judged.
    Stale(StaleReason),
}

impl State {
    pub(crate) fn is_stale(self) -> bool {
        matches!(self, State::Stale(_))
    }

    /// `current` or `stale`, as JSON and reports write it.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Current => "current",
            State::Stale(_) => "stale",
        }
    }

    pub(crate) fn stale_reason(self) -> Option<StaleReason> {
        match self {
            State::Current => None,
            State::Stale(reason) => Some(reason),
        }
    }
}

impl Serialize for State {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A judgement's state as its JSON has always had it: `state` and, beside it,
/// `stale_reason` (`null` when current).
fn state_and_reason<S: Serializer>(state: &State, serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = serializer.serialize_map(Some(2))?;
    map.serialize_entry("state", state)?;
    map.serialize_entry("stale_reason", &state.stale_reason())?;
    map.end()
}

/// Why a judgement no longer applies to the evidence as it is now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StaleReason {
    /// The evidence was edited after it was judged (its SHA-256 differs).
    Changed,
    /// The evidence file is gone.
    Missing,
}

/// One judgement file, validated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Judgement {
    /// Where the judgement is written: relative to the portfolio when inside it.
    pub file: String,
    /// Evidence path relative to the portfolio, `/`-separated.
    pub evidence: Option<String>,
    /// The outcome's canonical id.
    pub outcome: Option<String>,
    /// The outcome as a node of the framework, when it names one.
    #[serde(skip)]
    pub outcome_node: Option<NodeId>,
    /// What the assessor decided.
    pub judgement: Verdict,
    /// Who decided it.
    pub assessor: String,
    /// When, as written in the file.
    pub date: jiff::civil::Date,
    /// SHA-256 of the evidence when it was judged.
    pub sha256: Option<Sha256>,
    /// Whether it still applies to the evidence as it is now.
    #[serde(flatten, serialize_with = "state_and_reason")]
    pub state: State,
    /// A newer judgement on the same evidence and outcome replaces this one.
    pub superseded: bool,
    /// The Markdown body: the assessor's comments.
    pub comment: String,
    /// Shown only when this judgement is the latest of its kind.
    #[serde(skip)]
    pending: Vec<Diagnostic>,
}

impl Judgement {
    /// Counts towards assessed coverage: current, latest and `meets`.
    pub fn counts(&self) -> bool {
        self.judgement == Verdict::Meets && self.state == State::Current && !self.superseded
    }

    /// What it judges, in words: `evidence/x.md (B5.2)`.
    pub(crate) fn subject(&self) -> String {
        match (&self.evidence, &self.outcome) {
            (Some(e), Some(o)) => format!("{e} ({o})"),
            (Some(e), None) => e.clone(),
            (None, Some(o)) => o.clone(),
            (None, None) => String::new(),
        }
    }
}

/// Reads every judgement file under `dir` (recursively; hidden files skipped), checks it
/// against the framework and the portfolio's evidence (sorted by path, as
/// [`crate::check::check`] holds it), and works out which judgements are stale or
/// superseded. A missing folder means no judgements.
///
/// Returns the valid judgements, sorted by date then file, and the diagnostics.
pub fn load(
    dir: &Path,
    root: &Path,
    framework: &Framework,
    evidence: &[Evidence],
) -> (Vec<Judgement>, Vec<Diagnostic>) {
    let mut judgements = Vec::new();
    let mut diagnostics = Vec::new();
    if !dir.is_dir() {
        return (judgements, diagnostics);
    }
    let walker = walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !crate::util::fs::is_hidden(e.file_name()));
    let context = Context {
        root,
        framework,
        evidence,
    };
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let file = err
                    .path()
                    .map_or_else(|| display_path(root, dir), |p| display_path(root, p));
                diagnostics.push(
                    Diagnostic::new(Code::Unreadable, format!("cannot read: {err}"))
                        .in_file(file)
                        .with_help("fix the folder's permissions"),
                );
                continue;
            }
        };
        let path = entry.path();
        if entry.file_type().is_dir() || !crate::check::discover::is_evidence_name(path) {
            continue;
        }
        let file = display_path(root, path);
        if entry.path_is_symlink() {
            // A judgement is the tutor's word: one that is a link could say anything
            // about any file, from anywhere.
            diagnostics.push(
                Diagnostic::new(
                    Code::Unreadable,
                    "judgement file is a symbolic link; it was not read",
                )
                .in_file(file)
                .with_help("record judgements with `senco review`, which writes real files"),
            );
            continue;
        }
        match crate::util::fs::read_capped(
            path,
            crate::util::fs::MAX_CONFIG_BYTES,
            "judgement files",
        ) {
            Ok(bytes) => {
                let (judgement, found) = parse(&bytes, &file, &context);
                diagnostics.extend(found);
                judgements.extend(judgement);
            }
            Err(e) => diagnostics.push(
                Diagnostic::new(Code::Unreadable, format!("cannot read judgement file: {e}"))
                    .in_file(file),
            ),
        }
    }
    settle(&mut judgements);
    for j in &mut judgements {
        let pending = std::mem::take(&mut j.pending);
        if !j.superseded {
            diagnostics.extend(pending);
        }
    }
    (judgements, diagnostics)
}

/// A path for messages: relative to the portfolio when inside it, else as it is.
fn display_path(root: &Path, path: &Path) -> String {
    match path.strip_prefix(root) {
        Ok(_) => crate::check::discover::relative(root, path),
        Err(_) => path.display().to_string(),
    }
}

/// Sorts judgements by date then file and marks all but the newest of each
/// (evidence, outcome) pair as superseded.
pub(crate) fn settle(judgements: &mut [Judgement]) {
    judgements.sort_by(|a, b| (a.date, file_order(&a.file)).cmp(&(b.date, file_order(&b.file))));
    let mut newest: BTreeMap<(Option<&str>, Option<NodeId>), usize> = BTreeMap::new();
    for (i, j) in judgements.iter().enumerate() {
        newest.insert((j.evidence.as_deref(), j.outcome_node), i);
    }
    let mut superseded = vec![true; judgements.len()];
    for i in newest.into_values() {
        superseded[i] = false;
    }
    for (j, superseded) in judgements.iter_mut().zip(superseded) {
        j.superseded = superseded;
    }
}

/// Orders files of one day as `senco review` numbers them: `x.md`, `x-2.md` … `x-10.md`.
fn file_order(file: &str) -> (&str, u64, &str) {
    let stem = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
    match stem.rsplit_once('-') {
        Some((base, n))
            if !n.is_empty() && n.len() < 6 && n.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (base, n.parse().unwrap_or(0), file)
        }
        _ => (stem, 0, file),
    }
}

struct Context<'a> {
    root: &'a Path,
    framework: &'a Framework,
    evidence: &'a [Evidence],
}

/// Positions within one judgement file, for diagnostics.
struct Located<'a> {
    source: SourceText<'a>,
    matter_text: &'a str,
    matter_start: usize,
}

impl Located<'_> {
    fn key(&self, key: &str) -> Range<usize> {
        frontmatter::locate_key(self.matter_text, key)
            .map_or(self.matter_start..self.matter_start, |o| {
                self.matter_start + o..self.matter_start + o + key.len()
            })
    }

    /// The text after `key:` on its line, unquoted. YAML reads a hash of digits as a
    /// number, which would lose its leading zeros.
    fn raw(&self, key: &str) -> Option<String> {
        let at = frontmatter::locate_key(self.matter_text, key)?;
        let line = self.matter_text[at..].lines().next()?;
        let (_, value) = line.split_once([':', '='])?;
        let value = value.trim().trim_matches(['"', '\'']).trim();
        (!value.is_empty()).then(|| value.to_string())
    }

    /// The value of `key` as written, else the key itself.
    fn value(&self, key: &str, written: &str) -> Range<usize> {
        let at_key = self.key(key);
        frontmatter::locate_token(self.matter_text, at_key.start - self.matter_start, written)
            .map_or(at_key, |o| {
                self.matter_start + o..self.matter_start + o + written.len()
            })
    }
}

const WRITE_ONE: &str = "a judgement file starts with front matter such as\n  ---\n  evidence: evidence/2025-01-10-provision-map.md\n  outcome: B9.4\n  judgement: meets\n  assessor: Dr A Tutor\n  date: 2025-02-01\n  sha256: <SHA-256 of the evidence file>\n  ---\n`senco review` writes one for you";

/// Parses and checks one judgement file's bytes, as [`load`] does for each file it finds
/// (but without settling it against other judgements). `file` names it in diagnostics.
pub fn parse_file(
    bytes: &[u8],
    file: &str,
    root: &Path,
    framework: &Framework,
    evidence: &[Evidence],
) -> (Option<Judgement>, Vec<Diagnostic>) {
    parse(
        bytes,
        file,
        &Context {
            root,
            framework,
            evidence,
        },
    )
}

/// Parses and checks one judgement file. `None` when it is too broken to count.
fn parse(bytes: &[u8], file: &str, cx: &Context<'_>) -> (Option<Judgement>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let Ok(text) = std::str::from_utf8(bytes) else {
        diagnostics.push(
            Diagnostic::new(Code::InvalidUtf8, "judgement file is not valid UTF-8 text")
                .in_file(file)
                .with_help("re-save it as UTF-8"),
        );
        return (None, diagnostics);
    };
    let text = crate::util::text::without_bom(text);
    let source = SourceText::new(text);
    let (format, matter, body) = match frontmatter::split(text) {
        Split::Found {
            format,
            matter,
            body,
        } => (format, matter, body),
        Split::None => {
            diagnostics.push(
                Diagnostic::new(
                    Code::MissingFrontMatter,
                    "judgement file has no front matter, so it judges nothing",
                )
                .in_file(file)
                .at(&source, 0..0)
                .with_help(WRITE_ONE),
            );
            return (None, diagnostics);
        }
        Split::Unclosed { format } => {
            diagnostics.push(
                Diagnostic::new(
                    Code::FrontMatterUnclosed,
                    format!(
                        "front matter opened with `{}` is never closed",
                        format.fence()
                    ),
                )
                .in_file(file)
                .at(&source, 0..3)
                .with_help(format!(
                    "add a line with just `{}` after the last key",
                    format.fence()
                )),
            );
            return (None, diagnostics);
        }
    };
    let matter_text = &text[matter.clone()];
    let keys = match frontmatter::parse(format, matter_text) {
        Ok(keys) => keys,
        Err(err) => {
            let offset = frontmatter::error_offset(&source, matter.start, &err);
            diagnostics.push(
                Diagnostic::new(
                    Code::FrontMatterSyntax,
                    format!("malformed front matter: {}", err.message),
                )
                .in_file(file)
                .at(&source, offset..offset + 1)
                .with_help(WRITE_ONE),
            );
            return (None, diagnostics);
        }
    };
    let at = Located {
        source,
        matter_text,
        matter_start: matter.start,
    };
    let mut reader = Reader {
        file,
        at: &at,
        keys: &keys,
        diagnostics: &mut diagnostics,
        broken: false,
    };
    reader.unknown_keys();
    let evidence = reader.evidence_path();
    let outcome = reader.outcome(cx.framework);
    let verdict = reader.verdict();
    let assessor = reader.assessor();
    let date = reader.date();
    let sha256 = reader.sha256(evidence.is_some());
    if !keys.contains_key("evidence") && !keys.contains_key("outcome") {
        reader.broken = true;
        reader.diagnostics.push(
            Diagnostic::new(
                Code::MissingField,
                "judgement names neither `evidence` nor `outcome`, so it judges nothing",
            )
            .in_file(file)
            .at(&at.source, 0..3)
            .with_help("add `evidence: evidence/FILE.md`, `outcome: ID`, or both"),
        );
    }
    let broken = reader.broken;
    let (Some(verdict), Some(assessor), Some(date), false) = (verdict, assessor, date, broken)
    else {
        return (None, diagnostics);
    };
    let mut judgement = Judgement {
        file: file.to_string(),
        evidence: evidence.clone(),
        outcome: outcome.map(|n| cx.framework.node(n).id.clone()),
        outcome_node: outcome,
        judgement: verdict,
        assessor,
        date,
        sha256,
        state: State::Current,
        superseded: false,
        comment: text[body].trim().to_string(),
        pending: Vec::new(),
    };
    if let Some(path) = &evidence {
        check_evidence(&mut judgement, path, &at, cx);
    }
    (Some(judgement), diagnostics)
}

/// Compares the evidence named by a judgement with the portfolio's evidence now.
fn check_evidence(judgement: &mut Judgement, path: &str, at: &Located<'_>, cx: &Context<'_>) {
    let file = judgement.file.clone();
    let range = at.value("evidence", path);
    let found = cx
        .evidence
        .binary_search_by(|e| e.path.as_str().cmp(path))
        .ok()
        .map(|i| &cx.evidence[i]);
    let Some(evidence) = found else {
        judgement.state = State::Stale(StaleReason::Missing);
        let paths = cx.evidence.iter().map(|e| e.path.as_str());
        let help = match crate::util::suggest::closest(path, paths) {
            Some(best) => format!(
                "did you mean `{best}`? If the trainee renamed or deleted the file, this judgement no longer applies: review the file again with `senco review`"
            ),
            None => "if the trainee renamed or deleted the file, this judgement no longer applies: review the file again with `senco review`; `senco check --format json` lists the evidence files".to_string(),
        };
        judgement.pending.push(
            Diagnostic::new(
                Code::UnknownEvidence,
                format!(
                    "judgement `{}` by {} names `{path}`, which is not an evidence file of this portfolio",
                    judgement.judgement, judgement.assessor
                ),
            )
            .in_file(file)
            .at(&at.source, range)
            .with_help(help),
        );
        return;
    };
    if let Some(node) = judgement.outcome_node {
        let tagged = evidence.outcome_nodes().contains(&node);
        let under = cx
            .framework
            .leaves_under(node)
            .iter()
            .any(|l| evidence.outcome_nodes().contains(l));
        if !tagged && !under {
            let id = &cx.framework.node(node).id;
            judgement.pending.push(
                Diagnostic::new(
                    Code::JudgedOutcomeNotTagged,
                    format!("`{path}` does not tag `{id}`, but this judgement is on `{id}`"),
                )
                .in_file(file.clone())
                .at(&at.source, at.key("outcome"))
                .with_help(format!(
                    "the judgement still counts; if the trainee adds `[[{id}]]` to the file, the edit makes this judgement stale until it is re-confirmed"
                )),
            );
        }
    }
    let Some(recorded) = &judgement.sha256 else {
        return;
    };
    let now = crate::check::evidence::read_file(&cx.root.join(path))
        .ok()
        .map(|bytes| Sha256::of(&bytes));
    if now.as_ref() == Some(recorded) {
        return;
    }
    judgement.state = State::Stale(StaleReason::Changed);
    let outcome = judgement
        .outcome
        .as_ref()
        .map_or_else(String::new, |o| format!(" --outcome {o}"));
    judgement.pending.push(
        Diagnostic::new(
            Code::StaleJudgement,
            format!(
                "`{}` by {} on {} is stale: `{path}` has changed since it was judged (SHA-256 then {recorded:.12}…, now {}…)",
                judgement.judgement,
                judgement.assessor,
                judgement.date,
                now.map_or_else(|| "unreadable".to_string(), |now| format!("{now:.12}")),
            ),
        )
        .in_file(file)
        .at(&at.source, at.key("sha256"))
        .with_help(format!(
            "it no longer counts as assessed; the assessor re-reads the file and re-confirms with `senco review PORTFOLIO --evidence {path}{outcome} --judgement {}`",
            judgement.judgement
        )),
    );
}

/// Reads the keys of one judgement file, reporting what is wrong with each.
struct Reader<'a, 'b> {
    file: &'a str,
    at: &'a Located<'b>,
    keys: &'a serde_json::Map<String, Value>,
    diagnostics: &'a mut Vec<Diagnostic>,
    /// Something required is missing or wrong: the judgement cannot count.
    broken: bool,
}

impl Reader<'_, '_> {
    fn error(&mut self, code: Code, message: String, range: Range<usize>, help: String) {
        self.broken = true;
        self.diagnostics.push(
            Diagnostic::new(code, message)
                .in_file(self.file)
                .at(&self.at.source, range)
                .with_help(help),
        );
    }

    fn missing(&mut self, key: &str, help: &str) {
        self.error(
            Code::MissingField,
            format!("judgement file has no `{key}`"),
            0..3,
            help.to_string(),
        );
    }

    /// Text of `key`, with an error when it is there but not text.
    fn text(&mut self, key: &str) -> Option<String> {
        let value = self.keys.get(key)?;
        match scalar_text(value) {
            Some(t) if !matches!(value, Value::Bool(_)) && !t.trim().is_empty() => {
                Some(t.trim().to_string())
            }
            _ => {
                let range = self.at.key(key);
                self.error(
                    Code::BadField,
                    format!("`{key}` must be text, not {}", frontmatter::describe(value)),
                    range,
                    "see the guide's page for tutors for what each key holds".to_string(),
                );
                None
            }
        }
    }

    fn unknown_keys(&mut self) {
        for key in self.keys.keys() {
            if KEYS.contains(&key.as_str()) {
                continue;
            }
            let help = match crate::util::suggest::closest(key, KEYS.iter().copied()) {
                Some(best) => format!("did you mean `{best}`? senco ignores this key"),
                None => format!("senco reads only {}; it ignores this key", KEYS.join(", ")),
            };
            self.diagnostics.push(
                Diagnostic::new(Code::UnknownKey, format!("unknown key `{key}`"))
                    .in_file(self.file)
                    .at(&self.at.source, self.at.key(key))
                    .with_help(help),
            );
        }
    }

    fn evidence_path(&mut self) -> Option<String> {
        let written = self.text("evidence")?;
        let path = crate::util::fs::normalise_path(&written);
        let inside = !path.starts_with('/')
            && !path.contains(':')
            && !path.split('/').any(|part| part == "..");
        if !inside {
            let range = self.at.value("evidence", &written);
            self.error(
                Code::BadEvidencePath,
                format!("`evidence` must be a path inside the portfolio, not `{written}`"),
                range,
                "write the path relative to the portfolio folder, e.g. `evidence/2025-01-10-provision-map.md`".to_string(),
            );
            return None;
        }
        Some(path)
    }

    fn outcome(&mut self, framework: &Framework) -> Option<NodeId> {
        let written = self.text("outcome")?;
        match framework.find(&written) {
            Some(node) => Some(node),
            None => {
                self.broken = true;
                let range = self.at.value("outcome", &written);
                self.diagnostics.push(
                    unknown_outcome(&written, framework)
                        .in_file(self.file)
                        .at(&self.at.source, range),
                );
                None
            }
        }
    }

    fn verdict(&mut self) -> Option<Verdict> {
        let Some(written) = self.text("judgement") else {
            if !self.keys.contains_key("judgement") {
                self.missing(
                    "judgement",
                    &format!("add `judgement:` with one of {}", Verdict::names()),
                );
            }
            return None;
        };
        if let Some(verdict) = Verdict::parse(&written) {
            return Some(verdict);
        }
        let names = Verdict::names();
        let normal = written.to_lowercase().replace([' ', '_'], "-");
        let choices = Verdict::ALL.map(Verdict::as_str);
        let help = match crate::util::suggest::closest(&normal, choices.into_iter()) {
            Some(best) => format!("did you mean `{best}`? A judgement is one of {names}"),
            None => format!("a judgement is one of {names}"),
        };
        let range = self.at.value("judgement", &written);
        self.error(
            Code::UnknownJudgement,
            format!("unknown judgement `{written}`"),
            range,
            help,
        );
        None
    }

    fn assessor(&mut self) -> Option<String> {
        let assessor = self.text("assessor");
        if assessor.is_none() && !self.keys.contains_key("assessor") {
            self.missing("assessor", "add `assessor:` with the assessor's name");
        }
        assessor
    }

    fn date(&mut self) -> Option<jiff::civil::Date> {
        let Some(written) = self.text("date") else {
            if !self.keys.contains_key("date") {
                self.missing(
                    "date",
                    "add `date:` with the date of the judgement, YYYY-MM-DD",
                );
            }
            return None;
        };
        match parse_date(&written) {
            Ok(date) => Some(date),
            Err(()) => {
                let range = self.at.value("date", &written);
                self.error(
                    Code::BadDate,
                    format!("`date` must be a calendar date written YYYY-MM-DD, not `{written}`"),
                    range,
                    "write e.g. `date: 2025-03-14`".to_string(),
                );
                None
            }
        }
    }

    fn sha256(&mut self, has_evidence: bool) -> Option<Sha256> {
        let written = match self.keys.get("sha256") {
            Some(Value::Number(_)) => self.at.raw("sha256"),
            _ => self.text("sha256"),
        };
        let Some(written) = written else {
            if has_evidence && !self.keys.contains_key("sha256") {
                self.missing(
                    "sha256",
                    "a judgement on evidence records the SHA-256 of the file as judged, so senco can tell when it changes; let `senco review` write the file",
                );
            }
            return None;
        };
        if let Some(hash) = Sha256::from_hex(&written) {
            return Some(hash);
        }
        let range = self.at.value("sha256", &written);
        self.error(
            Code::BadSha256,
            "`sha256` must be 64 hexadecimal digits".to_string(),
            range,
            "let `senco review` write the judgement: it records the evidence file's SHA-256"
                .to_string(),
        );
        None
    }
}

/// Assessed coverage per framework node, beside the claimed coverage in
/// [`crate::check::coverage::Coverage`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assessment {
    /// One entry per framework node, in framework order.
    pub nodes: Vec<NodeAssessment>,
}

/// What the current judgements say of one node of the framework.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NodeAssessment {
    /// Whether it counts as assessed (a current `meets`), under its rollup rule.
    pub assessed: bool,
    /// Leaves under this node (the node itself for a leaf) that are assessed.
    pub leaves_assessed: usize,
    /// Indices into the judgement list of the latest judgements that apply to this node,
    /// whatever their verdict or state.
    pub judgements: Vec<usize>,
    /// Where it stands with its assessors: for a leaf, by [`Standing::of`] its
    /// judgements; for a node with children, rolled up from theirs by [`Standing::roll_up`].
    pub standing: Option<Standing>,
}

impl Assessment {
    /// The assessment of node `id`.
    pub fn node(&self, id: NodeId) -> &NodeAssessment {
        &self.nodes[id]
    }

    /// Requirements of the whole framework that are assessed, counted as coverage counts them.
    pub fn leaves_assessed(&self, framework: &Framework) -> usize {
        framework
            .roots()
            .map(|r| self.nodes[r].leaves_assessed)
            .sum()
    }
}

/// Where a node or a cell stands with its assessors, in one word: what the site, the
/// matrix and the cohort dashboard show beside covered or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    /// The latest judgements say it meets the outcome.
    Meets,
    /// The latest judgements say it partly meets it.
    PartiallyMeets,
    /// The latest judgements say it does not meet it yet.
    DoesNotMeet,
    /// The trainee asks for assessment, and no assessor has answered since.
    Ready,
    /// Only stale judgements apply: the evidence changed after it was judged.
    Stale,
}

impl Standing {
    /// Every standing, in the order legends list them.
    pub const ALL: [Standing; 5] = [
        Standing::Meets,
        Standing::PartiallyMeets,
        Standing::DoesNotMeet,
        Standing::Ready,
        Standing::Stale,
    ];

    /// The latest judgements in `applying` (indices into `judgements`, which is sorted by
    /// date) summed up: a current `meets` wins (it makes the node assessed); else the
    /// newest current judgement; else stale when any is; `None` when none apply.
    pub fn of(judgements: &[Judgement], applying: &[usize]) -> Option<Standing> {
        let current = || {
            applying
                .iter()
                .map(|&i| &judgements[i])
                .filter(|j| !j.superseded && j.state == State::Current)
        };
        if current().any(|j| j.judgement == Verdict::Meets) {
            return Some(Standing::Meets);
        }
        if let Some(newest) = current().max_by_key(|j| (j.date, file_order(&j.file))) {
            return Some(Standing::from(newest.judgement));
        }
        applying
            .iter()
            .any(|&i| !judgements[i].superseded && judgements[i].state.is_stale())
            .then_some(Standing::Stale)
    }

    /// Where a node with children stands, from where its children stand (and the
    /// judgements on the node itself, `own`): `meets` when the node is `assessed` (every
    /// child meets, or for an `any` node one does); else `does not meet` when any child
    /// does not meet; else `partially meets` when any child meets or partially meets;
    /// else `ready` when any asks for assessment; else `stale` when any judgement is
    /// stale; `None` when nothing under it is judged.
    pub fn roll_up(
        assessed: bool,
        own: Option<Standing>,
        children: impl IntoIterator<Item = Option<Standing>>,
    ) -> Option<Standing> {
        if assessed {
            return Some(Standing::Meets);
        }
        let found: Vec<Standing> = own
            .into_iter()
            .chain(children.into_iter().flatten())
            .collect();
        let any = |wanted: &[Standing]| found.iter().any(|s| wanted.contains(s));
        if found.is_empty() {
            None
        } else if any(&[Standing::DoesNotMeet]) {
            Some(Standing::DoesNotMeet)
        } else if any(&[Standing::Meets, Standing::PartiallyMeets]) {
            Some(Standing::PartiallyMeets)
        } else if any(&[Standing::Ready]) {
            Some(Standing::Ready)
        } else {
            Some(Standing::Stale)
        }
    }

    /// Where one judgement stands by itself.
    pub fn of_one(judgement: &Judgement) -> Standing {
        match judgement.state {
            State::Stale(_) => Standing::Stale,
            State::Current => Standing::from(judgement.judgement),
        }
    }

    /// The standing as classes and JSON write it: `meets`, `partially-meets`…
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Meets => "meets",
            Standing::PartiallyMeets => "partially-meets",
            Standing::DoesNotMeet => "does-not-meet",
            Standing::Ready => "ready",
            Standing::Stale => "stale",
        }
    }

    /// In words, for a reader.
    pub fn words(self) -> &'static str {
        match self {
            Standing::Meets => "meets",
            Standing::PartiallyMeets => "partially meets",
            Standing::DoesNotMeet => "does not meet",
            Standing::Ready => "ready for assessment",
            Standing::Stale => "judgement stale",
        }
    }

    /// The symbol shown beside the words (or, in a matrix cell, beside a key that gives
    /// them), so that no state is told by colour alone.
    pub fn symbol(self) -> &'static str {
        match self {
            Standing::Meets => "★",
            Standing::PartiallyMeets => "◐",
            Standing::DoesNotMeet => "⊘",
            Standing::Ready => "⚑",
            Standing::Stale => "⟳",
        }
    }
}

impl From<Verdict> for Standing {
    fn from(verdict: Verdict) -> Standing {
        match verdict {
            Verdict::Meets => Standing::Meets,
            Verdict::PartiallyMeets => Standing::PartiallyMeets,
            Verdict::DoesNotMeet => Standing::DoesNotMeet,
            Verdict::Ready => Standing::Ready,
        }
    }
}

/// The latest judgements (indices into `judgements`) on evidence file `path` that apply
/// to `node`: on the file as a whole (so on every node it tags), or on `node` or a node
/// above it.
pub fn on_evidence_for(
    framework: &Framework,
    judgements: &[Judgement],
    path: &str,
    node: NodeId,
) -> Vec<usize> {
    judgements
        .iter()
        .enumerate()
        .filter(|(_, j)| !j.superseded && j.evidence.as_deref() == Some(path))
        .filter(|(_, j)| match j.outcome_node {
            None => true,
            Some(target) => {
                let mut at = Some(node);
                while let Some(n) = at {
                    if n == target {
                        return true;
                    }
                    at = framework.node(n).parent;
                }
                false
            }
        })
        .map(|(i, _)| i)
        .collect()
}

/// Works out which nodes are assessed. `evidence` must be sorted by path.
pub fn assess(
    framework: &Framework,
    evidence: &[Evidence],
    judgements: &[Judgement],
) -> Assessment {
    let mut nodes = vec![NodeAssessment::default(); framework.nodes.len()];
    let mut direct = vec![false; framework.nodes.len()];
    for (index, j) in judgements.iter().enumerate() {
        if j.superseded {
            continue;
        }
        let targets: Vec<NodeId> = match (j.outcome_node, &j.evidence) {
            (Some(node), _) => subtree(framework, node),
            (None, Some(path)) => evidence
                .binary_search_by(|e| e.path.as_str().cmp(path))
                .map(|i| evidence[i].outcome_nodes())
                .unwrap_or_default(),
            (None, None) => Vec::new(),
        };
        for node in targets {
            nodes[node].judgements.push(index);
            direct[node] |= j.counts();
        }
    }
    for id in (0..framework.nodes.len()).rev() {
        let node = framework.node(id);
        if node.is_leaf() {
            nodes[id].assessed = direct[id];
            nodes[id].leaves_assessed = usize::from(direct[id]);
        } else {
            let (count, all, any) =
                node.children
                    .iter()
                    .fold((0, true, false), |(c, all, any), &child| {
                        let n = &nodes[child];
                        (c + n.leaves_assessed, all && n.assessed, any || n.assessed)
                    });
            // The same rollup as coverage: an `any` node is one requirement, assessed by a
            // judgement on it or on any one of its children.
            let (assessed, count) = match node.rollup {
                Rollup::All => (all, count),
                Rollup::Any => (any || direct[id], usize::from(any || direct[id])),
            };
            nodes[id].assessed = assessed;
            nodes[id].leaves_assessed = count;
        }
        let own = Standing::of(judgements, &nodes[id].judgements);
        nodes[id].standing = if node.is_leaf() {
            own
        } else {
            Standing::roll_up(
                nodes[id].assessed,
                own,
                node.children.iter().map(|&c| nodes[c].standing),
            )
        };
    }
    Assessment { nodes }
}

/// A node and every node under it, in framework order.
fn subtree(framework: &Framework, node: NodeId) -> Vec<NodeId> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        out.push(n);
        stack.extend(framework.node(n).children.iter().rev());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_and_its_reason_serialise_side_by_side() {
        let mut j = Judgement {
            file: "feedback/a.md".into(),
            evidence: Some("evidence/a.md".into()),
            outcome: None,
            outcome_node: None,
            judgement: Verdict::Meets,
            assessor: "Dr A Tutor".into(),
            date: jiff::civil::date(2025, 1, 2),
            sha256: Some(Sha256::of(b"abc")),
            state: State::Current,
            superseded: false,
            comment: String::new(),
            pending: Vec::new(),
        };
        let json = |j: &Judgement| serde_json::to_string(j).unwrap_or_default();
        assert!(
            json(&j).contains(r#""sha256":"ba7816bf"#)
                && json(&j).contains(r#""state":"current","stale_reason":null,"superseded":false"#),
            "{}",
            json(&j)
        );
        j.state = State::Stale(StaleReason::Missing);
        assert!(json(&j).contains(r#""state":"stale","stale_reason":"missing""#));
        assert!(!j.counts());
    }

    #[test]
    fn a_parent_meets_only_when_assessed_and_else_shows_its_weakest_judged_child() {
        use Standing::*;
        assert_eq!(
            Standing::roll_up(true, None, [None, Some(Meets)]),
            Some(Meets)
        );
        assert_eq!(
            Standing::roll_up(false, None, [Some(Meets), None]),
            Some(PartiallyMeets)
        );
        assert_eq!(
            Standing::roll_up(false, None, [Some(Meets), Some(DoesNotMeet), Some(Ready)]),
            Some(DoesNotMeet)
        );
        assert_eq!(
            Standing::roll_up(false, None, [Some(Ready), Some(Stale)]),
            Some(Ready)
        );
        assert_eq!(Standing::roll_up(false, Some(Stale), [None]), Some(Stale));
        assert_eq!(Standing::roll_up(false, None, [None, None]), None);
    }

    #[test]
    fn verdicts_forgive_case_and_spaces() {
        assert_eq!(
            Verdict::parse("Partially meets"),
            Some(Verdict::PartiallyMeets)
        );
        assert_eq!(Verdict::parse("does_not_meet"), Some(Verdict::DoesNotMeet));
        assert_eq!(Verdict::parse("meet"), None);
    }

    #[test]
    fn numbered_files_of_a_day_order_by_number() {
        let mut files = ["f/x-10.md", "f/x-2.md", "f/x.md", "f/w.md"];
        files.sort_by_key(|f| file_order(f));
        assert_eq!(files, ["f/w.md", "f/x.md", "f/x-2.md", "f/x-10.md"]);
    }
}
