//! Word counts and word limits.
//!
//! Each file's count comes from the evidence parser ([`crate::check::evidence::Evidence::words`]):
//! front matter, code, block quotes and a `## References` section do not count. Limits
//! are set per evidence type in `[rules] word_limits`; files over their limit get a
//! `word-limit` warning and the pack shows a table per file and per type.

use crate::check::evidence::Evidence;
use crate::error::Code;
use crate::error::diagnostic::Diagnostic;
use crate::model::evidence_type::EvidenceType;
use crate::model::portfolio::Rules;
use serde::Serialize;

/// The row name for evidence without a `type`.
pub(crate) const UNTYPED: &str = "(no type)";

/// A `word-limit` warning for each file over the limit for its type.
pub fn limit_warnings(rules: &Rules, evidence: &[Evidence]) -> Vec<Diagnostic> {
    evidence
        .iter()
        .filter_map(|file| {
            let kind = file.kind?;
            let limit = *rules.word_limits.get(kind.as_str())?;
            over_limit(file, limit, &format!("{kind} evidence"))
        })
        .collect()
}

/// A `word-limit` warning for each commentary file over `word_limits.commentary`.
pub fn commentary_limit_warnings(rules: &Rules, files: &[Evidence]) -> Vec<Diagnostic> {
    let key = crate::model::evidence_type::COMMENTARY_LIMIT;
    let Some(&limit) = rules.word_limits.get(key) else {
        return Vec::new();
    };
    files
        .iter()
        .filter_map(|file| over_limit(file, limit, "commentary"))
        .collect()
}

/// The warning for `file` if it has more than `limit` words, the limit for `what`.
fn over_limit(file: &Evidence, limit: usize, what: &str) -> Option<Diagnostic> {
    (file.words > limit).then(|| {
        Diagnostic::new(
            Code::WordLimit,
            format!(
                "{} words, over the {limit}-word limit for {what}",
                file.words
            ),
        )
        .in_file(file.path.clone())
        .with_help(format!(
            "cut {} words; front matter, code, block quotes and the References section do not count",
            file.words - limit
        ))
    })
}

/// One evidence file's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileWords {
    /// Relative to the portfolio folder, `/`-separated.
    pub path: String,
    /// The evidence title.
    pub title: String,
    /// Its evidence type, or `(no type)`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Words of its body.
    pub words: usize,
    /// The word limit for its type, if the portfolio sets one.
    pub limit: Option<usize>,
    /// Whether `words` is over `limit`.
    pub over_limit: bool,
}

/// Words per evidence type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeWords {
    /// The evidence type, or `(no type)`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Evidence files of this type.
    pub files: usize,
    /// Their words together.
    pub words: usize,
    /// The word limit for one file of this type, if the portfolio sets one.
    pub limit: Option<usize>,
    /// Files of this type over the limit.
    pub over_limit: usize,
}

/// Words per file and per type, as the pack shows them, so a trainee can see where a
/// word limit bites before an assessor does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordTable {
    /// Sorted by path.
    pub files: Vec<FileWords>,
    /// In the order of [`EvidenceType::ALL`], untyped evidence last; types with no files left out.
    pub types: Vec<TypeWords>,
    /// Words of every evidence file together.
    pub total: usize,
}

/// The word table of a portfolio, drafts included (they are still the trainee's words).
pub fn table(rules: &Rules, evidence: &[Evidence]) -> WordTable {
    let mut files: Vec<FileWords> = evidence
        .iter()
        .map(|e| {
            let kind = e.kind.map_or(UNTYPED, EvidenceType::as_str).to_string();
            let limit = rules.word_limits.get(&kind).copied();
            FileWords {
                path: e.path.clone(),
                title: e.title.clone(),
                over_limit: limit.is_some_and(|l| e.words > l),
                kind,
                words: e.words,
                limit,
            }
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let order = EvidenceType::ALL
        .map(EvidenceType::as_str)
        .into_iter()
        .chain(std::iter::once(UNTYPED));
    let types = order
        .filter_map(|kind| {
            let of_kind: Vec<&FileWords> = files.iter().filter(|f| f.kind == kind).collect();
            (!of_kind.is_empty()).then(|| TypeWords {
                kind: kind.to_string(),
                files: of_kind.len(),
                words: of_kind.iter().map(|f| f.words).sum(),
                limit: rules.word_limits.get(kind).copied(),
                over_limit: of_kind.iter().filter(|f| f.over_limit).count(),
            })
        })
        .collect();
    let total = files.iter().map(|f| f.words).sum();
    WordTable {
        files,
        types,
        total,
    }
}
