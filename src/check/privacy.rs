//! The privacy lint: identifiers of children and adults that slipped into evidence.
//!
//! Evidence about pupils must be pseudonymised ("Child A", "TA 1"). [`scan_text`] looks
//! for Unique Pupil Numbers, NHS numbers, dates of birth, email addresses, UK phone
//! numbers, UK postcodes and the real names listed in the portfolio's private
//! `.senco/pseudonyms.toml` ([`Pseudonyms`]). A line ending with a visible marker such as
//! `<!-- senco: allow postcode -->` silences that check on that line; silenced findings
//! are kept apart in [`Scan::silenced`] so reports and packs can still list them.
//!
//! Messages never quote the identifier found: they are written into coverage JSON and
//! cover sheets, and must not carry the identifier there. The terminal shows it in the
//! source excerpt under the message.

pub mod normalise;

use crate::error::Code;
use crate::error::diagnostic::{Diagnostic, PerFile, Severity, SourceText};
use normalise::{CaseRule, NameMatcher};
use regex::Regex;
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

/// The private file mapping real names to pseudonyms, relative to the portfolio folder.
pub(crate) const PSEUDONYMS_FILE: &str = ".senco/pseudonyms.toml";

/// What the lint found in one file or a whole portfolio.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// Findings to act on, plus problems with allow markers.
    pub findings: Vec<Diagnostic>,
    /// Findings on lines carrying an allow marker for them.
    pub silenced: Vec<Diagnostic>,
}

impl Scan {
    /// Whether any finding is an error (a verified identifier or a real name).
    pub fn has_errors(&self) -> bool {
        self.findings
            .iter()
            .any(|d| d.severity == crate::error::diagnostic::Severity::Error)
    }

    /// Adds another file's findings to these.
    pub fn extend(&mut self, other: Scan) {
        self.findings.extend(other.findings);
        self.silenced.extend(other.silenced);
    }

    /// Puts findings in the order reports list them: by file, then position.
    pub fn sort(&mut self) {
        crate::error::diagnostic::sort_diagnostics(&mut self.findings);
        crate::error::diagnostic::sort_diagnostics(&mut self.silenced);
    }
}

// ---------------------------------------------------------------------------------------
// Pseudonyms
// ---------------------------------------------------------------------------------------

/// Whose name an entry of the pseudonyms file is; only the wording of messages depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameGroup {
    /// Under `[pupils]`.
    Pupil,
    /// Under `[staff]`.
    Staff,
    /// Under `[school]`.
    School,
    /// Under `[names]`: anyone else.
    Other,
}

impl NameGroup {
    fn describe(self) -> &'static str {
        match self {
            NameGroup::Pupil => "a pupil's real name",
            NameGroup::Staff => "a member of staff's real name",
            NameGroup::School => "the real name of a school",
            NameGroup::Other => "a real name",
        }
    }
}

/// One name to look for: a real name or one of its aliases, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameEntry {
    /// The name as the file writes it.
    pub name: String,
    /// What to write instead.
    pub pseudonym: String,
    /// Which table it is listed under.
    pub group: NameGroup,
}

/// The real names of a portfolio and their pseudonyms, ready to search for.
#[derive(Debug, Clone, Default)]
pub struct Pseudonyms {
    entries: Vec<NameEntry>,
    /// One automaton over every name, folded ([`normalise`]), built the first time a
    /// text is searched: a check whose files all come from the results cache searches
    /// none, and in a cohort building it for every portfolio cost more than the rest of
    /// reading it.
    matcher: std::sync::OnceLock<NameMatcher>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PseudonymsToml {
    #[serde(default, alias = "pupil")]
    pupils: BTreeMap<String, PseudonymValue>,
    #[serde(default)]
    staff: BTreeMap<String, PseudonymValue>,
    #[serde(default, alias = "schools")]
    school: BTreeMap<String, PseudonymValue>,
    #[serde(default)]
    names: BTreeMap<String, PseudonymValue>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PseudonymValue {
    Plain(String),
    Full {
        pseudonym: String,
        #[serde(default)]
        aliases: Vec<String>,
    },
}

const PSEUDONYMS_HELP: &str = "each line maps a real name to its pseudonym, e.g. `\"Alex Example\" = \"Child A\"` under `[pupils]`, `[staff]`, `[school]` or `[names]`; add other spellings with `\"Alex Example\" = { pseudonym = \"Child A\", aliases = [\"Alex\"] }`";

impl Pseudonyms {
    /// The names to look for: entries (real name or alias, pseudonym, group).
    pub fn new(entries: Vec<NameEntry>) -> Pseudonyms {
        Pseudonyms {
            entries,
            matcher: std::sync::OnceLock::new(),
        }
    }

    fn matcher(&self) -> &NameMatcher {
        self.matcher.get_or_init(|| {
            NameMatcher::new(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.name.as_str(), CaseRule::Any, i)),
            )
        })
    }

    /// Whether the file lists no names at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every name and alias to look for, with its pseudonym.
    pub fn entries(&self) -> &[NameEntry] {
        &self.entries
    }

    /// Reads `.senco/pseudonyms.toml` under `root`. A missing file means no names; a
    /// broken one is an error diagnostic (and no names), so the rest is still checked.
    pub fn load(root: &Path) -> (Pseudonyms, Vec<Diagnostic>) {
        let path = root.join(PSEUDONYMS_FILE);
        match crate::check::evidence::read_file(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => Self::parse(crate::util::text::without_bom(&text)),
                Err(_) => (
                    Pseudonyms::default(),
                    vec![
                        Diagnostic::new(Code::PseudonymsFile, "file is not valid UTF-8 text")
                            .in_file(PSEUDONYMS_FILE)
                            .with_help(
                                "re-save it as UTF-8; until then real names are not checked",
                            ),
                    ],
                ),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                (Pseudonyms::default(), Vec::new())
            }
            Err(e) => (
                Pseudonyms::default(),
                vec![
                    Diagnostic::new(Code::PseudonymsFile, format!("cannot read file: {e}"))
                        .in_file(PSEUDONYMS_FILE)
                        .with_help("until it can be read, real names are not checked"),
                ],
            ),
        }
    }

    /// Parses the text of a pseudonyms file. Its diagnostics give a line and column but
    /// never quote the file: every key in it is a real name, and diagnostics are written
    /// into coverage JSON, the site and packs.
    pub fn parse(text: &str) -> (Pseudonyms, Vec<Diagnostic>) {
        let source = SourceText::new(text);
        let parsed: PseudonymsToml = match toml::from_str(text) {
            Ok(parsed) => parsed,
            Err(e) => {
                let range = e.span().unwrap_or(0..0);
                let diagnostic = Diagnostic::new(
                    Code::PseudonymsFile,
                    format!(
                        "{}; real names are not checked until it is fixed",
                        without_quoted_names(e.message().trim_end())
                    ),
                )
                .in_file(PSEUDONYMS_FILE)
                .at(&source, range)
                .with_help(PSEUDONYMS_HELP);
                return (Pseudonyms::default(), vec![diagnostic]);
            }
        };
        let mut diagnostics = Vec::new();
        let mut entries: Vec<NameEntry> = Vec::new();
        // Folded spellings already listed: duplicates are found in one pass, however
        // long the file.
        let mut listed: HashSet<String> = HashSet::new();
        let mut derived: Vec<NameEntry> = Vec::new();
        let groups = [
            (NameGroup::Pupil, parsed.pupils),
            (NameGroup::Staff, parsed.staff),
            (NameGroup::School, parsed.school),
            (NameGroup::Other, parsed.names),
        ];
        for (group, table) in groups {
            for (real, value) in table {
                let (pseudonym, aliases) = match value {
                    PseudonymValue::Plain(p) => (p, Vec::new()),
                    PseudonymValue::Full { pseudonym, aliases } => (pseudonym, aliases),
                };
                let pseudonym = normalise_spaces(&pseudonym);
                // Found only when a diagnostic needs it: searching the file for every
                // name would make loading quadratic.
                let problem = |message: String| {
                    Diagnostic::new(Code::PseudonymsFile, message)
                        .in_file(PSEUDONYMS_FILE)
                        .at(&source, locate_name(text, &real))
                        .with_help(PSEUDONYMS_HELP)
                };
                if pseudonym.is_empty() {
                    diagnostics.push(problem(
                        "a real name is mapped to an empty pseudonym".into(),
                    ));
                    continue;
                }
                let real_parts: Vec<String> = normalise_spaces(&real)
                    .split(' ')
                    .map(str::to_string)
                    .collect();
                for (n, name) in std::iter::once(&real).chain(aliases.iter()).enumerate() {
                    let name = normalise_spaces(name);
                    let key = normalise::Normalised::new(&name).folded().to_string();
                    if key.is_empty() {
                        diagnostics.push(problem(
                            "a name (or alias) with no letters cannot be searched for".into(),
                        ));
                        continue;
                    }
                    if contains_word(&pseudonym, &name) {
                        diagnostics.push(problem(
                            "the pseudonym contains the real name it replaces".into(),
                        ));
                        continue;
                    }
                    if !listed.insert(key) {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::PseudonymsFile,
                                "a name is listed twice; the first entry is used",
                            )
                            .with_severity(Severity::Warning)
                            .in_file(PSEUDONYMS_FILE)
                            .at(&source, locate_name(text, &real))
                            .with_help("keep one entry per real name"),
                        );
                        continue;
                    }
                    // An alias of the first name followed by the rest of the real name
                    // ("Sammy Sample" for "Sam Sample" with alias "Sammy") is the whole
                    // name: replacing the alias alone would leave the surname behind.
                    if n > 0 && real_parts.len() > 1 && !name.contains(' ') {
                        let rest = &real_parts[1..];
                        let mut spellings = vec![format!("{name} {}", rest.join(" "))];
                        if rest.len() > 1 {
                            spellings.push(format!("{name} {}", rest[rest.len() - 1]));
                        }
                        for spelling in spellings {
                            derived.push(NameEntry {
                                name: spelling,
                                pseudonym: pseudonym.clone(),
                                group,
                            });
                        }
                    }
                    entries.push(NameEntry {
                        name,
                        pseudonym: pseudonym.clone(),
                        group,
                    });
                }
            }
        }
        for entry in derived {
            let key = normalise::Normalised::new(&entry.name).folded().to_string();
            if listed.insert(key) {
                entries.push(entry);
            }
        }
        (Pseudonyms::new(entries), diagnostics)
    }

    /// Occurrences of the names in `text` as a reader sees them (whole words, any case,
    /// with or without diacritics, straight or typographic apostrophes, any separators
    /// and inline markup between the parts: see [`normalise`]), leftmost first, the
    /// longest winning where names overlap ("Sam Smith" over "Sam"). Ranges are raw
    /// byte offsets into `text`.
    pub fn find(&self, text: &str) -> Vec<(Range<usize>, &NameEntry)> {
        self.find_indexed(text)
            .into_iter()
            .map(|(range, index)| (range, &self.entries[index]))
            .collect()
    }

    fn find_indexed(&self, text: &str) -> Vec<(Range<usize>, usize)> {
        self.matcher()
            .find_in(text)
            .into_iter()
            .map(|m| (m.raw, m.tag))
            .collect()
    }

    /// `text` with every real name replaced by its pseudonym.
    pub fn replace(&self, text: &str) -> String {
        self.rewrite(text).text
    }

    /// `text` with every real name replaced by its pseudonym, except names written
    /// through markup or escapes (`*Tamsin* Oakworth`, `O&#39;Brien`): rewriting those
    /// would break the markup, so they are left for the author and listed.
    pub fn rewrite(&self, text: &str) -> Rewritten {
        let mut out = String::with_capacity(text.len());
        let mut from = 0;
        let mut rewritten = Rewritten::default();
        for (range, entry) in self.find(text) {
            if text[range.clone()].contains(['*', '_', '~', '`', '<', '&', '%']) {
                rewritten.left.push(range);
                continue;
            }
            out.push_str(&text[from..range.start]);
            out.push_str(&entry.pseudonym);
            rewritten.replaced += 1;
            from = range.end;
        }
        out.push_str(&text[from..]);
        rewritten.text = out;
        rewritten
    }
}

/// What [`Pseudonyms::rewrite`] made of a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rewritten {
    /// The text with every name replaced.
    pub text: String,
    /// How many names were replaced.
    pub replaced: usize,
    /// Byte ranges (in the original text) of names it could not rewrite.
    pub left: Vec<Range<usize>>,
}

fn normalise_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A TOML parser message with what it quotes (a key, which here is a real name, or a
/// value) replaced by `…`, except the names of the file's own tables and fields and
/// punctuation (``expected `=` ``).
fn without_quoted_names(message: &str) -> String {
    const OWN: [&str; 6] = ["pupils", "staff", "school", "names", "pseudonym", "aliases"];
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('`');
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            break;
        };
        out.push_str(&rest[..=open]);
        let quoted = &after[..close];
        let keep = OWN.contains(&quoted) || !quoted.chars().any(char::is_alphanumeric);
        out.push_str(if keep { quoted } else { "…" });
        out.push(quote);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Where a key of the pseudonyms file is written, for pointing diagnostics at it.
fn locate_name(text: &str, name: &str) -> Range<usize> {
    text.find(&format!("\"{name}\""))
        .or_else(|| text.find(&format!("'{name}'")))
        .map_or(0..0, |i| i + 1..i + 1 + name.len())
}

fn is_whole_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(is_word_char) && !after.is_some_and(is_word_char)
}

fn is_word_char(c: char) -> bool {
    crate::util::text::is_alphanumeric(c) || c == '_'
}

fn contains_word(haystack: &str, word: &str) -> bool {
    let lower = haystack.to_lowercase();
    let word = word.to_lowercase();
    lower
        .match_indices(&word)
        .any(|(i, m)| is_whole_word(&lower, i, i + m.len()))
}

// ---------------------------------------------------------------------------------------
// Detectors
// ---------------------------------------------------------------------------------------

/// The UPN check-letter alphabet: A-Z without I, O and S.
const UPN_ALPHABET: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// The check letter a UPN with these last 12 characters must start with, or `None` when
/// a character is not a digit or an alphabet letter (DfE UPN guide, Annex A).
pub fn upn_check_letter(rest: &str) -> Option<char> {
    if rest.len() != 12 {
        return None;
    }
    let mut sum = 0usize;
    for (i, c) in rest.bytes().enumerate() {
        let value = match c {
            b'0'..=b'9' => usize::from(c - b'0'),
            _ => UPN_ALPHABET.iter().position(|&l| l == c)?,
        };
        sum += value * (i + 2);
    }
    Some(char::from(UPN_ALPHABET[sum % 23]))
}

/// Does this 13-character token carry a verified UPN check letter?
pub fn is_valid_upn(token: &str) -> bool {
    token.len() == 13
        && token.is_ascii()
        && upn_check_letter(&token[1..]).is_some_and(|c| token.starts_with(c))
}

/// Is this a valid NHS number (10 digits, spaces or hyphens allowed between groups)?
pub fn is_valid_nhs_number(text: &str) -> bool {
    let digits: Vec<u32> = text.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 || digits.iter().all(|&d| d == digits[0]) {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(d, w)| d * w)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == digits[9]
}

static UPN: LazyLock<Identifier> =
    LazyLock::new(|| Identifier::new(r"\b[A-HJ-NP-RT-Z][0-9]{11}[0-9A-HJ-NP-RT-Z]\b"));

static NHS: LazyLock<Identifier> =
    LazyLock::new(|| Identifier::new(r"\b[0-9]{3}[ -]?[0-9]{3}[ -]?[0-9]{4}\b"));

// Not an [`Identifier`]: its first `\b` may stand before a `.` or `-`. It runs only on
// files with an `@`.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
        .expect("email pattern compiles")
});

static PHONE: LazyLock<Identifier> = LazyLock::new(|| {
    Identifier::new(
        r"(?:\+44[ -]?(?:\(0\)[ -]?)?|\b0044[ -]?|\(0|\b0)[1237](?:\)?[ -]?[0-9]){8,9}\b",
    )
});

static POSTCODE: LazyLock<Identifier> = LazyLock::new(|| {
    Identifier::new(concat!(
        r"\b(?:GIR ?0AA|(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}",
        r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY])",
        r" ?[0-9][ABD-HJLNP-UW-Z]{2})\b"
    ))
});

static BIRTH_WORD: LazyLock<Identifier> = LazyLock::new(|| {
    Identifier::new(
        r"(?i)\b(?:d\.o\.b\b\.?|dob\b|date\s+of\s+birth\b|birth\s*date\b|birthday\b|born\b)",
    )
});

/// Does `text` hold `born`, `birth`, `dob` or `d.o.b` in any case? Every [`BIRTH_WORD`]
/// holds one, so a file without any has no birth word and its dates need no look. Found
/// from each `b` (rare in English, and fast to find); no letter outside ASCII folds to
/// one of theirs, so comparing ASCII case-insensitively is exact.
fn may_have_birth_word(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr2_iter(b'b', b'B', bytes).any(|at| {
        let after = &bytes[at..];
        let before = &bytes[..=at];
        let starts = |word: &[u8]| {
            after.len() >= word.len() && after[..word.len()].eq_ignore_ascii_case(word)
        };
        let ends = |word: &[u8]| {
            before.len() >= word.len()
                && before[before.len() - word.len()..].eq_ignore_ascii_case(word)
        };
        starts(b"born") || starts(b"birth") || ends(b"dob") || ends(b"d.o.b")
    })
}

const MONTH: &str = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

static DATE: LazyLock<Identifier> = LazyLock::new(|| {
    Identifier::new(&format!(
        r"(?i)\b(?:[0-9]{{1,2}}[/.-][0-9]{{1,2}}[/.-](?:[0-9]{{4}}|[0-9]{{2}})|[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}|[0-9]{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTH}\.?,?\s+[0-9]{{4}}|{MONTH}\.?\s+[0-9]{{1,2}}(?:st|nd|rd|th)?,?\s+[0-9]{{4}}|{MONTH}\s+[0-9]{{4}})\b"
    ))
});

/// A pattern for an identifier whose every `\b` stands next to an ASCII letter or digit
/// of the match, compiled twice. With Unicode word boundaries (the meaning: there is no
/// boundary between `é` and `1`) the regex engine leaves its fast automaton on any text
/// with a byte outside ASCII, which most pasted text has (curly quotes, dashes); with
/// ASCII boundaries it never does. So matches are found with the ASCII regex and kept
/// when the characters either side agree under both definitions (neither is a letter or
/// digit outside ASCII); otherwise the Unicode regex searches again from there. Every
/// Unicode match is an ASCII match too, so what is found is what the Unicode regex finds.
struct Identifier {
    ascii: Regex,
    unicode: Regex,
}

impl Identifier {
    fn new(pattern: &str) -> Identifier {
        Identifier {
            ascii: Regex::new(&pattern.replace(r"\b", r"(?-u:\b)"))
                .expect("identifier pattern compiles"),
            unicode: Regex::new(pattern).expect("identifier pattern compiles"),
        }
    }

    /// The matches of the Unicode pattern, leftmost first, as [`Regex::find_iter`].
    fn find_iter<'a>(&'a self, text: &'a str) -> impl Iterator<Item = regex::Match<'a>> + 'a {
        let mut at = 0;
        std::iter::from_fn(move || {
            if at > text.len() {
                return None;
            }
            let found = self.ascii.find_at(text, at)?;
            let found = if boundaries_agree(text, found.start(), found.end()) {
                found
            } else {
                self.unicode.find_at(text, found.start())?
            };
            // None of the patterns matches nothing; if one did, step past it.
            at = found.end() + usize::from(found.is_empty());
            Some(found)
        })
    }
}

/// Do ASCII and Unicode word boundaries agree at both `start` and `end` of `text`? They
/// differ only next to a letter or digit outside ASCII.
fn boundaries_agree(text: &str, start: usize, end: usize) -> bool {
    let agrees =
        |c: Option<char>| c.is_none_or(|c| c.is_ascii() || !regex_syntax::is_word_character(c));
    agrees(text[..start].chars().next_back()) && agrees(text[end..].chars().next())
}

static ALLOW_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<!--\s*senco:\s*(allow-privacy|allow\s+[a-z0-9,\s-]*?)\s*-->")
        .expect("allow pattern compiles")
});

/// How far apart (in characters, same line) a date and a word like "born" may be.
const BIRTH_WINDOW: usize = 40;

/// A number is not an identifier when an ISBN label stands just before it.
const ISBN_WINDOW: usize = 25;

struct Hit {
    code: Code,
    range: Range<usize>,
    name: Option<usize>,
}

/// Scans a file's bytes, as read from disk. Binary content is not scanned (the evidence
/// parser reports it); invalid UTF-8 is scanned as lossily decoded text.
pub fn scan_bytes(bytes: &[u8], rel: &str, names: &Pseudonyms) -> Scan {
    let head = &bytes[..bytes.len().min(8192)];
    if bytes.starts_with(&[0xFF, 0xFE])
        || bytes.starts_with(&[0xFE, 0xFF])
        || memchr::memchr(0, head).is_some()
    {
        return Scan::default();
    }
    let text = String::from_utf8_lossy(bytes);
    let text = crate::util::text::without_bom(&text);
    scan_text(text, rel, names)
}

/// Scans one file's text; `rel` names the file in the findings.
pub fn scan_text(text: &str, rel: &str, names: &Pseudonyms) -> Scan {
    scan_source(&SourceText::new(text), rel, names)
}

/// [`scan_text`] on text already indexed by lines.
pub fn scan_source(source: &SourceText<'_>, rel: &str, names: &Pseudonyms) -> Scan {
    let text = source.text();
    let mut hits = Vec::new();
    detect(text, names, &mut hits);
    let mut scan = Scan::default();
    let allowed = allow_markers(source, rel, &mut scan.findings);
    // Silenced findings are bounded apart, so they never use up the listed ones' room.
    let (mut listed, mut quiet) = (PerFile::default(), PerFile::default());
    for hit in hits {
        let line = source.line_of(hit.range.start);
        let silenced = allowed
            .get(&line)
            .is_some_and(|allow| allow.covers(hit.code));
        let admitted = if silenced {
            quiet.admit(hit.code)
        } else {
            listed.admit(hit.code)
        };
        if !admitted {
            continue;
        }
        let diagnostic = describe(&hit, names).in_file(rel).at(source, hit.range);
        if silenced {
            scan.silenced.push(diagnostic);
        } else {
            scan.findings.push(diagnostic);
        }
    }
    scan.findings.extend(listed.summary(rel));
    scan.silenced.extend(quiet.summary(rel));
    // A real name in the file's own name travels into links and page titles.
    for (_, entry) in names.find(rel) {
        scan.findings.push(
            Diagnostic::new(
                Code::RealName,
                format!("the file name contains {}", entry.group.describe()),
            )
            .in_file(rel)
            .with_help(format!(
                "rename the file, writing `{}` instead",
                entry.pseudonym
            )),
        );
    }
    scan.sort();
    scan
}

/// Runs every detector whose cheap pre-condition holds.
fn detect(text: &str, names: &Pseudonyms, hits: &mut Vec<Hit>) {
    let bytes = text.as_bytes();
    let digits = Digits::of(bytes);
    if digits.longest_run >= 11 {
        push_matches(hits, UPN.find_iter(text), |m| {
            Some(if is_valid_upn(m.as_str()) {
                Code::Upn
            } else {
                Code::PossibleUpn
            })
        });
    }
    if digits.longest_group >= 10 {
        push_matches(hits, NHS.find_iter(text), |m| {
            (is_valid_nhs_number(m.as_str())
                && !isbn_before(text, m.start())
                && !in_isbn(text, m.range())
                && !is_machine_number(text, m.range()))
            .then_some(Code::NhsNumber)
        });
        push_matches(hits, PHONE.find_iter(text), |m| {
            (is_uk_phone(m.as_str()) && !isbn_before(text, m.start()) && !in_isbn(text, m.range()))
                .then_some(Code::PhoneNumber)
        });
    }
    if memchr::memchr(b'@', bytes).is_some() {
        push_matches(hits, EMAIL.find_iter(text), |m| {
            (!is_not_a_person(m.as_str()) && !in_web_address(text, m.start()))
                .then_some(Code::Email)
        });
    }
    if digits.postcode_end {
        push_matches(hits, POSTCODE.find_iter(text), |m| {
            is_postcode_area(m.as_str()).then_some(Code::Postcode)
        });
    }
    if digits.any && may_have_birth_word(text) {
        birth_dates(text, hits);
    }
    for (range, index) in names.find_indexed(text) {
        hits.push(Hit {
            code: Code::RealName,
            range,
            name: Some(index),
        });
    }
}

/// What the digits of a text allow, found in one pass before any pattern runs.
#[derive(Debug, Default, PartialEq, Eq)]
struct Digits {
    any: bool,
    /// The longest run of digits (a UPN has 11 after its letter).
    longest_run: usize,
    /// The most digits in one group whose digits stand at most two bytes of ` `, `-`,
    /// `(`, `)` apart: an NHS number (`943 476 5919`) or a phone number (`+44 (0) 20 7946
    /// 0000`, `(01632) 960 000`) has ten or more in one.
    longest_group: usize,
    /// A digit followed by two letters of a postcode's last part (`1AA`): every
    /// postcode ends so.
    postcode_end: bool,
}

impl Digits {
    fn of(bytes: &[u8]) -> Digits {
        let mut found = Digits::default();
        let mut run = 0;
        let mut group = 0;
        // Bytes since the last digit, as far as they keep a group together: more than two
        // (or one that is not ` `, `-`, `(` or `)`) ends it.
        let mut gap = 0;
        let mut i = 0;
        // Only digits change what is found, and most bytes are not digits: from one digit
        // to the next, the bytes between are looked at only when there are at most two.
        while let Some(at) = crate::util::bytes::first_digit(bytes, i) {
            let between = &bytes[i..at];
            if !between.is_empty() {
                run = 0;
                gap = if between.len() > 2 {
                    3
                } else {
                    between.iter().fold(gap, |gap, &b| {
                        if matches!(b, b' ' | b'-' | b'(' | b')') {
                            gap + 1
                        } else {
                            3
                        }
                    })
                };
            }
            run += 1;
            group = if gap > 2 { 1 } else { group + 1 };
            gap = 0;
            found.longest_run = found.longest_run.max(run);
            found.longest_group = found.longest_group.max(group);
            if !found.postcode_end
                && let [first, second, ..] = bytes[at + 1..]
            {
                found.postcode_end = is_postcode_letter(first) && is_postcode_letter(second);
            }
            i = at + 1;
        }
        found.any = found.longest_run > 0;
        found
    }
}

/// A letter of a postcode's last part: `[ABD-HJLNP-UW-Z]`.
fn is_postcode_letter(b: u8) -> bool {
    b.is_ascii_uppercase() && !matches!(b, b'C' | b'I' | b'K' | b'M' | b'O' | b'V')
}

/// Adds a hit for each match of `pattern` that `classify` gives a code.
fn push_matches<'t, M: Iterator<Item = regex::Match<'t>>>(
    hits: &mut Vec<Hit>,
    matches: M,
    classify: impl Fn(&regex::Match<'_>) -> Option<Code>,
) {
    for m in matches {
        if let Some(code) = classify(&m) {
            hits.push(Hit {
                code,
                range: m.range(),
                name: None,
            });
        }
    }
}

/// Dates within [`BIRTH_WINDOW`] characters of "DOB", "born" and the like, same line.
fn birth_dates(text: &str, hits: &mut Vec<Hit>) {
    // Lines are taken in order, each once: a file of 100,000 lines saying "born", or one
    // line saying it 100,000 times, is read in one pass.
    let mut done_until = 0;
    for word in BIRTH_WORD.find_iter(text) {
        if word.start() < done_until {
            continue;
        }
        let line_start = memchr::memrchr(b'\n', &text.as_bytes()[done_until..word.start()])
            .map_or(done_until, |i| done_until + i + 1);
        let line_end = memchr::memchr(b'\n', &text.as_bytes()[line_start..])
            .map_or(text.len(), |i| line_start + i);
        done_until = line_end;
        let line = &text[line_start..line_end];
        let words: Vec<Range<usize>> = BIRTH_WORD.find_iter(line).map(|m| m.range()).collect();
        for date in DATE.find_iter(line) {
            // The nearest words either side are the only ones that can be near enough:
            // a farther word's gap holds the nearer one's.
            let after = words.partition_point(|w| w.end <= date.start());
            let near = words[after.saturating_sub(1)..(after + 1).min(words.len())]
                .iter()
                .any(|w| {
                    let gap = if w.end <= date.start() {
                        &line[w.end..date.start()]
                    } else if date.end() <= w.start {
                        &line[date.end()..w.start]
                    } else {
                        ""
                    };
                    gap.chars().take(BIRTH_WINDOW + 1).count() <= BIRTH_WINDOW && !ends_clause(gap)
                });
            if near {
                hits.push(Hit {
                    code: Code::DateOfBirth,
                    range: line_start + date.start()..line_start + date.end(),
                    name: None,
                });
            }
        }
    }
}

/// Does the text between a birth word and a date close the clause ("a born storyteller;
/// we met on 12/03/2024")? Then the date is about something else.
fn ends_clause(gap: &str) -> bool {
    gap.contains(';') || [". ", "! ", "? "].iter().any(|end| gap.contains(end))
}

/// Does the matched number read as a UK mobile, geographic or 03 number?
fn is_uk_phone(matched: &str) -> bool {
    let (international, rest) = match matched
        .strip_prefix("+44")
        .or_else(|| matched.strip_prefix("0044"))
    {
        Some(rest) => (true, rest.trim_start_matches([' ', '-'])),
        None => (false, matched),
    };
    let rest = rest.strip_prefix("(0)").unwrap_or(rest);
    // Real numbers are written in groups of two or more digits; "0 1 2 3 4 5 6 7 8 9"
    // (a rating scale) is not a phone number, nor is a run of bits ("0110 1001 01").
    if rest
        .split(|c: char| !c.is_ascii_digit())
        .any(|group| group.len() == 1)
        || rest
            .chars()
            .all(|c| !c.is_ascii_digit() || c == '0' || c == '1')
    {
        return false;
    }
    let mut digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    if international && !digits.starts_with('0') {
        digits.insert(0, '0');
    }
    match digits.get(..2) {
        Some("07" | "02" | "03") => digits.len() == 11,
        Some("01") => digits.len() == 10 || digits.len() == 11,
        _ => false,
    }
}

/// Domains no person has an address at: those RFC 2606 keeps for examples and testing
/// (`example.com`, `example.net`, `example.org` and their subdomains, and the `.example`,
/// `.test`, `.invalid` and `.localhost` top-level domains).
fn is_reserved_domain(domain: &str) -> bool {
    let domain = domain.to_ascii_lowercase();
    let mut labels = domain.rsplit('.');
    let top = labels.next().unwrap_or("");
    let second = labels.next().unwrap_or("");
    matches!(top, "example" | "test" | "invalid" | "localhost")
        || (second == "example" && matches!(top, "com" | "net" | "org"))
}

/// The UK's postcode areas (the letters before the first digit): Royal Mail's 121
/// geographic areas, the Crown dependencies' three, and BF (British Forces) and BX
/// (non-geographic). "BC02 XB", a product code, has a postcode's shape but no area.
const POSTCODE_AREAS: &[&str] = &[
    "AB", "AL", "B", "BA", "BB", "BD", "BF", "BH", "BL", "BN", "BR", "BS", "BT", "BX", "CA", "CB",
    "CF", "CH", "CM", "CO", "CR", "CT", "CV", "CW", "DA", "DD", "DE", "DG", "DH", "DL", "DN", "DT",
    "DY", "E", "EC", "EH", "EN", "EX", "FK", "FY", "G", "GL", "GU", "GY", "HA", "HD", "HG", "HP",
    "HR", "HS", "HU", "HX", "IG", "IM", "IP", "IV", "JE", "KA", "KT", "KW", "KY", "L", "LA", "LD",
    "LE", "LL", "LN", "LS", "LU", "M", "ME", "MK", "ML", "N", "NE", "NG", "NN", "NP", "NR", "NW",
    "OL", "OX", "PA", "PE", "PH", "PL", "PO", "PR", "RG", "RH", "RM", "S", "SA", "SE", "SG", "SK",
    "SL", "SM", "SN", "SO", "SP", "SR", "SS", "ST", "SW", "SY", "TA", "TD", "TF", "TN", "TQ", "TR",
    "TS", "TW", "UB", "W", "WA", "WC", "WD", "WF", "WN", "WR", "WS", "WV", "YO", "ZE",
];

/// Whether a postcode-shaped match starts with a real postcode area (`GIR 0AA` is the
/// one postcode without one).
fn is_postcode_area(matched: &str) -> bool {
    let area: String = matched
        .chars()
        .take_while(char::is_ascii_uppercase)
        .take(2)
        .collect();
    matched.starts_with("GIR") || POSTCODE_AREAS.contains(&area.as_str())
}

/// Whether an NHS-number-shaped number is a machine's number, never a person's: a
/// negative number (`-2147483648`), a power of two or one less (integer limits such as
/// `2147483647`), or a file's name (`2010241444.png`).
fn is_machine_number(text: &str, range: Range<usize>) -> bool {
    let matched = &text[range.clone()];
    let before = text[..range.start].chars().next_back();
    let negative = matches!(before, Some('-' | '\u{2212}'))
        && !text[..range.start - before.map_or(0, char::len_utf8)]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
    let limit = matched
        .parse::<u64>()
        .is_ok_and(|n| n.is_power_of_two() || n.checked_add(1).is_some_and(u64::is_power_of_two));
    let after = &text[range.end..];
    let extension = after.strip_prefix('.').is_some_and(|rest| {
        let ext: &str = &rest[..rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len())];
        (2..=4).contains(&ext.len()) && ext.bytes().any(|b| b.is_ascii_alphabetic())
    });
    negative || limit || extension
}

/// Whether the address starting at `start` is part of a web address
/// (`https://…/icon@2x.png`): the run of text without spaces it is in holds `://`.
fn in_web_address(text: &str, start: usize) -> bool {
    let from = crate::error::diagnostic::floor_char_boundary(text, start.saturating_sub(2048));
    let token_start = text[from..start]
        .rfind(|c: char| c.is_whitespace() || matches!(c, '(' | '<' | '"' | '\''))
        .map_or(from, |i| from + i + 1);
    text[token_start..start].contains("://")
}

/// Mailboxes an organisation keeps for a role, not a person: RFC 2142's (`info`,
/// `support`, `sales`, `abuse`, `postmaster`, `webmaster` …) and the ones schools,
/// services and projects commonly publish (`office`, `enquiries`, `admissions`,
/// `noreply` …).
const ROLE_MAILBOXES: &[&str] = &[
    // RFC 2142.
    "info",
    "marketing",
    "sales",
    "support",
    "abuse",
    "noc",
    "security",
    "postmaster",
    "hostmaster",
    "usenet",
    "news",
    "webmaster",
    "www",
    "uucp",
    "ftp",
    // Published by organisations for a role or a service.
    "accounts",
    "admin",
    "admissions",
    "careers",
    "contact",
    "dpo",
    "enquiries",
    "enquiry",
    "feedback",
    "finance",
    "hello",
    "help",
    "helpdesk",
    "hr",
    "jobs",
    "mail",
    "media",
    "no-reply",
    "noreply",
    "do-not-reply",
    "donotreply",
    "office",
    "press",
    "privacy",
    "reception",
    "team",
    "community",
    "legal",
    "licensing",
    "partners",
    "partnerships",
    // Accounts of machines and programs: a code forge's SSH user (`git@github.com`), a
    // bot that commits.
    "git",
    "bot",
];

/// Whether an email address is not about a person: at a reserved example domain, or an
/// organisation's role mailbox.
fn is_not_a_person(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    let mailbox = local
        .split('+')
        .next()
        .unwrap_or(local)
        .to_ascii_lowercase();
    is_reserved_domain(domain)
        || ROLE_MAILBOXES.contains(&mailbox.as_str())
        || is_file_extension(domain.rsplit('.').next().unwrap_or(""))
}

/// Whether the last part of an address's "domain" is an image's or document's file
/// extension, which no top-level domain is: `icon@2x.png` names a picture.
fn is_file_extension(top: &str) -> bool {
    const EXTENSIONS: &[&str] = &[
        "png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "bmp", "ico", "tif", "tiff", "pdf",
        "heic",
    ];
    EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(top))
}

/// Whether the number at `range` is part of an ISBN-13: the run of digits, hyphens and
/// single spaces around it holds 13 digits starting 978 or 979 whose check digit
/// verifies (`(978-0123456789)` holds `0123456789`, a phone number's shape). An ISBN
/// names a book, never a person. (ISBN-10s are not looked for: every NHS number's
/// digits pass the ISBN-10 check, and a hyphenated ISBN-10 has the shape of neither.)
fn in_isbn(text: &str, range: Range<usize>) -> bool {
    let bytes = text.as_bytes();
    let part = |b: u8| b.is_ascii_digit() || b == b'-' || b == b' ';
    // At most an ISBN's length either side: the run is short, however long the line.
    let mut start = range.start;
    while start > 0 && range.start - start < 17 && part(bytes[start - 1]) {
        start -= 1;
    }
    let mut end = range.end;
    while end < bytes.len() && end - range.end < 17 && part(bytes[end]) {
        end += 1;
    }
    let run = text[start..end].trim_matches([' ', '-']);
    let digits: Vec<u32> = run.chars().filter_map(|c| c.to_digit(10)).collect();
    !run.contains("  ") && is_isbn_13(&digits)
}

/// Whether 13 digits are an ISBN-13 (978 or 979 first) whose check digit verifies.
fn is_isbn_13(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    digits.len() == 13
        && (digits.starts_with(&[9, 7, 8]) || digits.starts_with(&[9, 7, 9]))
        && sum.is_multiple_of(10)
}

fn isbn_before(text: &str, start: usize) -> bool {
    // Only the window before the number matters, however long the line.
    let from =
        crate::error::diagnostic::floor_char_boundary(text, start.saturating_sub(4 * ISBN_WINDOW));
    let line_start =
        memchr::memrchr(b'\n', &text.as_bytes()[from..start]).map_or(from, |i| from + i + 1);
    let before: String = text[line_start..start]
        .chars()
        .rev()
        .take(ISBN_WINDOW)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    before.to_ascii_lowercase().contains("isbn")
}

fn describe(hit: &Hit, names: &Pseudonyms) -> Diagnostic {
    let marker = |code: Code| {
        format!("if this is a false alarm, end the line with `<!-- senco: allow {code} -->`")
    };
    let (message, help) = match hit.code {
        Code::Upn => (
            "a Unique Pupil Number (its check letter verifies)".to_string(),
            "UPNs are confidential and must never appear in a portfolio: delete it".to_string(),
        ),
        Code::PossibleUpn => (
            "looks like a Unique Pupil Number (13 characters), though its check letter does not verify".to_string(),
            format!("delete it if it is a pupil number; {}", marker(hit.code)),
        ),
        Code::NhsNumber => (
            "an NHS number (its check digit verifies)".to_string(),
            format!("delete it: an assessor never needs a child's NHS number; {}", marker(hit.code)),
        ),
        Code::DateOfBirth => (
            "a date of birth".to_string(),
            format!("give the child's age or year group instead, e.g. `Child A (Year 4)`; {}", marker(hit.code)),
        ),
        Code::Email => (
            "an email address".to_string(),
            format!("write the role instead, e.g. `the class teacher`; {}", marker(hit.code)),
        ),
        Code::PhoneNumber => (
            "a UK phone number".to_string(),
            format!("delete it or name the service instead; {}", marker(hit.code)),
        ),
        Code::Postcode => (
            "a UK postcode".to_string(),
            format!("delete it; describe the area in general terms if it matters; {}", marker(hit.code)),
        ),
        _ => {
            let entry = hit.name.and_then(|i| names.entries.get(i));
            let (what, pseudonym) = entry.map_or(("a real name", "its pseudonym"), |e| {
                (e.group.describe(), e.pseudonym.as_str())
            });
            return Diagnostic::new(Code::RealName, format!("{what} (listed in {PSEUDONYMS_FILE})"))
                .with_help(format!("use `{pseudonym}` instead; `senco pseudonymise` can rewrite every file for you"));
        }
    };
    Diagnostic::new(hit.code, message).with_help(help)
}

/// What an allow marker lets through.
enum Allow {
    Everything,
    Codes(Vec<Code>),
}

impl Allow {
    fn covers(&self, code: Code) -> bool {
        match self {
            Allow::Everything => true,
            Allow::Codes(codes) => codes.contains(&code),
        }
    }
}

/// Allow markers by 1-based line; unknown codes in a marker become warnings.
fn allow_markers(
    source: &SourceText<'_>,
    rel: &str,
    problems: &mut Vec<Diagnostic>,
) -> BTreeMap<usize, Allow> {
    let mut markers = BTreeMap::new();
    let text = source.text();
    if memchr::memmem::find(text.as_bytes(), b"senco:").is_none() {
        return markers;
    }
    let mut limit = PerFile::default();
    for caps in ALLOW_MARKER.captures_iter(text) {
        let (Some(whole), Some(body)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let line = source.line_of(whole.start());
        let allow = if body.as_str() == "allow-privacy" {
            Allow::Everything
        } else {
            let listed = body.as_str().trim_start_matches("allow");
            let mut codes = Vec::new();
            for code in listed
                .split([',', ' ', '\n', '\t'])
                .filter(|c| !c.is_empty())
            {
                let finding = Code::from_name(code).filter(|c| Code::PRIVACY_FINDINGS.contains(c));
                if let Some(finding) = finding {
                    codes.push(finding);
                } else if limit.admit(Code::UnknownAllow) {
                    let names = Code::PRIVACY_FINDINGS.iter().map(|c| c.as_str());
                    let mut help = format!(
                        "privacy checks: {}",
                        names.clone().collect::<Vec<_>>().join(", ")
                    );
                    if let Some(best) = crate::util::suggest::closest(code, names) {
                        help = format!("did you mean `{best}`? {help}");
                    }
                    problems.push(
                        Diagnostic::new(
                            Code::UnknownAllow,
                            format!("unknown privacy check `{code}` in allow marker"),
                        )
                        .in_file(rel)
                        .at(source, whole.range())
                        .with_help(help),
                    );
                }
            }
            Allow::Codes(codes)
        };
        match (markers.get_mut(&line), allow) {
            (Some(Allow::Codes(existing)), Allow::Codes(more)) => existing.extend(more),
            (Some(existing), allow @ Allow::Everything) => *existing = allow,
            (Some(Allow::Everything), _) => {}
            (None, allow) => {
                markers.insert(line, allow);
            }
        }
    }
    problems.extend(limit.summary(rel));
    markers
}

/// The privacy lint over a whole portfolio, for `senco privacy`: every evidence file,
/// plus the pseudonyms file's own problems.
pub fn scan_portfolio(
    portfolio: &crate::model::portfolio::Portfolio,
) -> Result<Scan, crate::error::FatalError> {
    use rayon::prelude::*;
    let (names, problems) = Pseudonyms::load(&portfolio.root);
    // Files discovery could not read were not scanned: say so.
    let (found, unread) = crate::check::discover::discover(portfolio)?;
    let scans: Vec<Scan> = found
        .par_iter()
        .map(|f| match crate::check::evidence::read_file(&f.path) {
            Ok(bytes) => scan_bytes(&bytes, &f.rel, &names),
            Err(e) => Scan {
                findings: crate::check::evidence::unreadable(&f.rel, &e).1,
                silenced: Vec::new(),
            },
        })
        .collect();
    let mut scan = Scan {
        findings: problems,
        silenced: Vec::new(),
    };
    scan.findings.extend(unread);
    for s in scans {
        scan.extend(s);
    }
    scan.sort();
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text built from pieces that meet the patterns' edges: digits, capitals, the words
    /// they look for, and letters, quotes and spaces outside ASCII glued to them.
    fn pasted_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("0".to_string()),
            Just("7".to_string()),
            Just("07700 900".to_string()),
            Just("+44 ".to_string()),
            Just("SW1A 1AA".to_string()),
            Just("AB".to_string()),
            Just("3CD".to_string()),
            Just("A12345678901".to_string()),
            Just("born".to_string()),
            Just("DOB".to_string()),
            Just("date of birth".to_string()),
            Just("12 March 2024".to_string()),
            Just("Sept".to_string()),
            Just("/".to_string()),
            Just("-".to_string()),
            Just(" ".to_string()),
            Just("\n".to_string()),
            Just("é".to_string()),
            Just("Zoë".to_string()),
            Just("ß".to_string()),
            Just("١".to_string()),
            Just("’".to_string()),
            Just("“".to_string()),
            Just("\u{a0}".to_string()),
            Just("ſ".to_string()),
            "[0-9]{1,4}",
            "[A-Z]{1,2}",
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    fn spans<'a>(matches: impl Iterator<Item = regex::Match<'a>>) -> Vec<Range<usize>> {
        matches.map(|m| m.range()).collect()
    }

    #[test]
    fn identifiers_are_found_next_to_typographic_punctuation() {
        let text = "Her postcode was “SW1A 1AA” – and on 12 March 2024… (DOB)";
        assert_eq!(spans(POSTCODE.find_iter(text)), vec![20..28]);
        assert_eq!(spans(DATE.find_iter(text)).len(), 1);
    }

    #[test]
    fn a_letter_outside_ascii_joins_a_word_as_it_does_for_unicode_boundaries() {
        // `éSW1A 1AA` is one word: no postcode starts inside it.
        assert!(spans(POSTCODE.find_iter("éSW1A 1AA")).is_empty());
        assert_eq!(spans(POSTCODE.find_iter("é SW1A 1AA")), vec![3..11]);
    }

    proptest! {
        #[test]
        fn the_ascii_fast_path_finds_what_unicode_boundaries_find(text in pasted_text()) {
            for pattern in [&*UPN, &*NHS, &*PHONE, &*POSTCODE, &*BIRTH_WORD, &*DATE] {
                prop_assert_eq!(
                    spans(pattern.find_iter(&text)),
                    spans(pattern.unicode.find_iter(&text)),
                    "{:?}", pattern.unicode.as_str()
                );
            }
            if BIRTH_WORD.unicode.is_match(&text) {
                prop_assert!(may_have_birth_word(&text));
            }
        }

        #[test]
        fn the_digit_prefilters_never_skip_a_number(
            text in "([0-9]{1,4}|[ ()+-]|\\) |\\(0\\) |\\+44 |0044|0[1237]|[A-Z]{1,2}|[a-z]{1,3}|é){0,24}"
        ) {
            let digits = Digits::of(text.as_bytes());
            if NHS.unicode.is_match(&text) || PHONE.unicode.is_match(&text) {
                prop_assert!(digits.longest_group >= 10, "{}", text);
            }
            if UPN.unicode.is_match(&text) {
                prop_assert!(digits.longest_run >= 11);
            }
            if POSTCODE.unicode.is_match(&text) {
                prop_assert!(digits.postcode_end);
            }
        }
    }

    /// What [`Digits::of`] finds, one byte after another.
    fn digits_byte_by_byte(bytes: &[u8]) -> Digits {
        let mut found = Digits::default();
        let (mut run, mut group, mut gap) = (0, 0, 0);
        for (i, &b) in bytes.iter().enumerate() {
            if b.is_ascii_digit() {
                run += 1;
                group = if gap > 2 { 1 } else { group + 1 };
                gap = 0;
                found.longest_run = found.longest_run.max(run);
                found.longest_group = found.longest_group.max(group);
                if let [first, second, ..] = bytes[i + 1..] {
                    found.postcode_end |= is_postcode_letter(first) && is_postcode_letter(second);
                }
            } else {
                run = 0;
                gap = if matches!(b, b' ' | b'-' | b'(' | b')') {
                    gap + 1
                } else {
                    3
                };
            }
        }
        found.any = found.longest_run > 0;
        found
    }

    proptest! {
        #[test]
        fn digits_are_found_as_one_byte_after_another_finds_them(
            text in "([0-9]{1,12}|[ ()-]{1,4}|[A-Z]{1,3}|[a-z]{1,9}|’|é|\\PC)*"
        ) {
            prop_assert_eq!(Digits::of(text.as_bytes()), digits_byte_by_byte(text.as_bytes()));
        }
    }

    #[test]
    fn numbers_are_grouped_as_they_are_written() {
        for (text, group) in [
            ("943 476 5919", 10),
            ("+44 (0) 20 7946 0000", 13),
            ("(01632) 960 000", 11),
            ("on 12/03/2024 at 10:30", 4),
            ("1 2 3 4 5   6 7 8 9 0", 5),
        ] {
            assert_eq!(Digits::of(text.as_bytes()).longest_group, group, "{text}");
        }
    }
}
