//! The results cache: what each evidence file says on its own, kept on disk between
//! runs, so a re-check of an unchanged portfolio costs a `stat` per file, not a parse.
//!
//! **What is kept.** Only what a file says by itself: its title, date, type, draft flag,
//! word count, tags (node, line, column), links as written, aliases, headings, block ids
//! and reflective-model stages. Everything that depends on other files (link
//! resolution, coverage, word limits, judgements) is recomputed every run from those.
//! Its diagnostics are kept only when every one is of a code in [`CACHED_CODES`]
//! (`duplicate-tag` and `more-problems` counting them, `unknown-type`, `unknown-model`,
//! `empty-evidence`, `unclosed-link`), whose message and help are made of outcome ids and front-matter
//! values as written, numbers and fixed words: for each, its code,
//! severity, message, help, line, column and the byte span it underlines, never the
//! excerpt (the source line is evidence text). Using the entry re-reads the file
//! (capped, as a parse would) and makes the excerpt again as the parser did; a file
//! that cannot be read, or whose span no longer fits, is parsed again. An entry is
//! stored only when its diagnostics made again this way equal the parser's.
//! Never kept: the body's prose (the opening paragraph and tagged passages a built page
//! quotes) and any file with another diagnostic, a privacy finding or a silenced one,
//! since those quote what they found. Such a file is read and parsed again every run.
//! So no evidence text and no identifier is ever written here.
//!
//! **Where it is used.** Only by a check nothing is rendered from
//! ([`super::CheckOptions::report_only`]: `senco check`, `senco cohort`): a build
//! quotes passages, which the cache does not hold, so it parses every file.
//!
//! **When an entry is trusted.** A file's entry is used when its size, modification
//! time, inode and change time are those recorded; a file modified within two seconds
//! of being looked at (its time may not move on the next write) is recorded with a
//! SHA-256 of its content, which must match too. A whole cache file is used only for
//! the same build of senco (version, cache format, the executable's size and time), the
//! same framework and the same pseudonyms file; one that is truncated, corrupt (a
//! SHA-256 over its content), foreign or unreadable is ignored and rebuilt.
//!
//! **On disk.** One file per portfolio, named by a hash of its canonical path, in the
//! user's cache folder ([`default_dir`]); never inside the portfolio. Files are 0600 in
//! a 0700 folder, written to a temporary file and renamed into place (two runs writing
//! at once leave one whole file). Serialised with postcard: compact and fast to decode.
//! The least recently used files go once the folder passes its size cap
//! ([`DEFAULT_CAP`], or `SENCO_CACHE_MAX`).

use super::Parsed;
use super::discover::Found;
use super::evidence::{Evidence, Heading, Tag, TagSource};
use super::links::{LinkKind, LinkRef, Links};
use super::reflection::StageFound;
use crate::error::Code;
use crate::error::diagnostic::{Diagnostic, Severity, SourceText};
use crate::model::evidence_type::EvidenceType;
use crate::model::framework::Framework;
use crate::util::hash::Sha256;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The environment variable naming the cache folder instead of the platform's.
pub const DIR_VARIABLE: &str = "SENCO_CACHE_DIR";
/// The environment variable setting the size cap, in bytes (`K`, `M`, `G` suffixes).
pub const CAP_VARIABLE: &str = "SENCO_CACHE_MAX";
/// The size cap of the cache folder unless [`CAP_VARIABLE`] sets one: 256 MB.
pub const DEFAULT_CAP: u64 = 256 << 20;

/// Raised whenever what is stored, or what it means, changes.
const FORMAT: u32 = 3;
/// The start of every cache file.
const MAGIC: &[u8; 12] = b"senco-cache\n";
/// Cache files are named `p-<hash>.cache`.
const PREFIX: &str = "p-";
const SUFFIX: &str = ".cache";

/// The cache folder: `SENCO_CACHE_DIR` when set and not empty, else `senco` in the
/// platform's cache folder (`~/.cache/senco` on Linux); `None` when there is neither.
pub fn default_dir() -> Option<PathBuf> {
    match std::env::var_os(DIR_VARIABLE) {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir)),
        _ => dirs::cache_dir().map(|d| d.join("senco")),
    }
}

/// The size cap: [`CAP_VARIABLE`] when it is a size, else [`DEFAULT_CAP`].
pub fn cap() -> u64 {
    std::env::var(CAP_VARIABLE)
        .ok()
        .and_then(|v| parse_size(&v))
        .unwrap_or(DEFAULT_CAP)
}

/// `123`, `64K`, `256M`, `1G` (powers of 1024).
fn parse_size(written: &str) -> Option<u64> {
    let written = written.trim();
    let (digits, unit) = match written.char_indices().last()? {
        (i, 'k' | 'K') => (&written[..i], 1 << 10),
        (i, 'm' | 'M') => (&written[..i], 1 << 20),
        (i, 'g' | 'G') => (&written[..i], 1 << 30),
        _ => (written, 1),
    };
    digits.parse::<u64>().ok()?.checked_mul(unit)
}

/// What the cache folder holds, for `senco cache info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// The folder.
    pub dir: PathBuf,
    /// Cache files (one per portfolio) that this build of senco can use.
    pub portfolios: usize,
    /// Evidence files recorded in them.
    pub entries: usize,
    /// Cache files it cannot use: another version's, corrupt or unreadable.
    pub unusable: usize,
    /// Bytes taken by all of them.
    pub bytes: u64,
    /// The size cap in bytes.
    pub cap: u64,
}

/// What is in the cache folder `dir` (a missing folder holds nothing).
pub fn info(dir: &Path) -> std::io::Result<Info> {
    let mut info = Info {
        dir: dir.to_path_buf(),
        portfolios: 0,
        entries: 0,
        unusable: 0,
        bytes: 0,
        cap: cap(),
    };
    for (path, meta) in cache_files(dir)? {
        info.bytes += meta.len();
        match read_store(&path) {
            Some(store) if store.build == build_id() => {
                info.portfolios += 1;
                info.entries += store.entries.len();
            }
            _ => info.unusable += 1,
        }
    }
    Ok(info)
}

/// Removes every cache file from `dir` (and temporary ones being written or left by
/// killed runs), and nothing else; returns how many. A missing folder has nothing to
/// clear.
pub fn clear(dir: &Path) -> std::io::Result<usize> {
    let mut removed = 0;
    for (path, _) in cache_files(dir)?.into_iter().chain(temp_files(dir)) {
        match std::fs::remove_file(&path) {
            Ok(()) => removed += 1,
            // Another run's rename or removal got there first.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(removed)
}

/// The files in `dir` named as cache files (`p-HASH.cache`) or as their temporary
/// files (`.p-HASH.cache.senco-tmp-…`), with their metadata.
fn named_files(dir: &Path, temporary: bool) -> std::io::Result<Vec<(PathBuf, std::fs::Metadata)>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let named = if temporary {
            name.strip_prefix('.').is_some_and(|n| {
                n.starts_with(PREFIX) && n.contains(&format!("{SUFFIX}.senco-tmp-"))
            })
        } else {
            name.starts_with(PREFIX) && name.ends_with(SUFFIX)
        };
        if !named {
            continue;
        }
        match entry.metadata() {
            Ok(meta) if meta.is_file() => files.push((entry.path(), meta)),
            _ => {}
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// The cache files in `dir` with their metadata; none when it does not exist.
fn cache_files(dir: &Path) -> std::io::Result<Vec<(PathBuf, std::fs::Metadata)>> {
    named_files(dir, false)
}

/// Temporary cache files in `dir`, being written or left by killed runs.
fn temp_files(dir: &Path) -> Vec<(PathBuf, std::fs::Metadata)> {
    named_files(dir, true).unwrap_or_default()
}

/// Which build of senco wrote a cache: its version and cache format, and the size and
/// modification time of the running program, so a senco rebuilt from changed source
/// (same version number) never trusts what another build stored.
fn build_id() -> String {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        let program = std::env::current_exe()
            .and_then(std::fs::metadata)
            .map(|m| format!("{} {:?}", m.len(), m.modified().ok().map(nanos)))
            .unwrap_or_default();
        format!(
            "senco {} format {FORMAT} program {program}",
            env!("CARGO_PKG_VERSION")
        )
    })
    .clone()
}

fn nanos(time: SystemTime) -> i128 {
    match time.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(after) => after.as_nanos() as i128,
        Err(before) => -(before.duration().as_nanos() as i128),
    }
}

/// Everything besides a file's own bytes that its parsed result depends on: the
/// framework its tags are resolved against and the pseudonyms its names are looked for.
/// `pseudonyms` are the bytes of the pseudonyms file, read before the check reads it,
/// so a file changed in between gives a key no later run matches.
pub(crate) fn context(framework: &Framework, pseudonyms: Option<&[u8]>) -> [u8; 32] {
    let mut bytes = framework_digest(framework).to_vec();
    match pseudonyms {
        Some(p) => {
            bytes.extend_from_slice(b"\0pseudonyms\0");
            bytes.extend_from_slice(Sha256::of(p).as_bytes());
        }
        None => bytes.extend_from_slice(b"\0no pseudonyms"),
    }
    *Sha256::of(&bytes).as_bytes()
}

/// A SHA-256 of everything in `framework` that a parse depends on. Remembered for the
/// last few frameworks seen: a cohort's portfolios mostly share one, and describing it
/// costs more than comparing it.
fn framework_digest(framework: &Framework) -> [u8; 32] {
    static SEEN: std::sync::Mutex<Vec<(Framework, [u8; 32])>> = std::sync::Mutex::new(Vec::new());
    const KEPT: usize = 4;
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, digest)) = seen.iter().find(|(f, _)| f == framework) {
        return *digest;
    }
    let digest = describe_framework(framework);
    if seen.len() == KEPT {
        seen.remove(0);
    }
    seen.push((framework.clone(), digest));
    digest
}

fn describe_framework(framework: &Framework) -> [u8; 32] {
    // The framework's lookup table is derived from its nodes (and a hash map, whose
    // order is not stable), so it is left out.
    let Framework {
        id,
        title,
        version,
        source,
        source_url,
        description,
        text,
        date,
        nodes,
        sections,
        ..
    } = framework;
    let described = format!(
        "{id:?}{title:?}{version:?}{source:?}{source_url:?}{description:?}{text:?}{date:?}{nodes:?}{sections:?}"
    );
    *Sha256::of(described.as_bytes()).as_bytes()
}

/// A file as seen by `stat`, to tell next time whether it changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stamp {
    len: u64,
    modified: Option<i128>,
    /// Inode and change time, where there are inodes.
    inode: Option<(u64, i64, i64)>,
    /// For a file modified just before it was looked at: the SHA-256 of its content.
    content: Option<[u8; 32]>,
}

/// A stamp without the content hash, and whether the content hash is needed.
fn stat(path: &Path, taken: SystemTime) -> Option<(Stamp, bool)> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let modified = meta.modified().ok();
    let stamp = Stamp {
        len: meta.len(),
        modified: modified.map(nanos),
        inode: super::snapshot::inode(&meta),
        content: None,
    };
    Some((stamp, super::snapshot::is_racy(modified, taken)))
}

/// One tag, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredTag {
    node: usize,
    inline: bool,
    line: usize,
    column: usize,
    inline_index: Option<usize>,
}

/// One link as written, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredLink {
    kind: u8,
    dest: String,
    line: usize,
    column: usize,
    id_shaped: bool,
}

/// One reflective-model stage, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredStage {
    stage: String,
    heading: Option<String>,
    sentences: usize,
    thin: bool,
}

/// The codes a file's entry may hold diagnostics of, besides its structure: those whose
/// message and help are built only from outcome ids as written, the `type` and `model`
/// front-matter values as written (front matter, kept like the title), numbers, code
/// names and fixed words, never from evidence prose. A file with any other diagnostic,
/// or any privacy finding (a listed name in its front matter included), is parsed again
/// every run.
///
/// New codes go at the end: an entry stores a code as its place in this list.
const CACHED_CODES: [Code; 6] = [
    Code::DuplicateTag,
    Code::MoreProblems,
    Code::UnknownType,
    Code::UnknownModel,
    Code::EmptyEvidence,
    // Fixed words only; common in real vaults, where `[[` starts many a line of code.
    Code::UnclosedLink,
];

const SEVERITIES: [Severity; 3] = [Severity::Error, Severity::Warning, Severity::Hint];

/// One diagnostic of a [`CACHED_CODES`] code, as stored: no excerpt (the source line is
/// evidence text), but the byte span it underlines, so the excerpt is made again from
/// the file when the entry is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredDiagnostic {
    code: u8,
    severity: u8,
    message: String,
    help: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    /// Byte range in the file's text (after any byte-order mark) that the excerpt
    /// underlines; `None` for a diagnostic shown without one.
    span: Option<(usize, usize)>,
}

/// A file's bytes as the parser sees them: UTF-8 without a byte-order mark. `None` for
/// anything else (the parser would have reported it, so nothing was stored).
fn file_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    Some(crate::util::text::without_bom(text))
}

impl StoredDiagnostic {
    /// The diagnostic again, its excerpt made from `source` as the parser made it;
    /// `None` when the span does not fit the text or points elsewhere than recorded.
    fn restore(&self, rel: &str, source: Option<&SourceText<'_>>) -> Option<Diagnostic> {
        let code = *CACHED_CODES.get(usize::from(self.code))?;
        let severity = *SEVERITIES.get(usize::from(self.severity))?;
        let mut diagnostic = Diagnostic::new(code, self.message.clone())
            .with_severity(severity)
            .in_file(rel);
        diagnostic.help.clone_from(&self.help);
        match self.span {
            Some((start, end)) => {
                let source = source?;
                if start > end || end > source.text().len() {
                    return None;
                }
                diagnostic = diagnostic.at(source, start..end);
                if (diagnostic.line, diagnostic.column) != (self.line, self.column) {
                    return None;
                }
            }
            None => {
                diagnostic.line = self.line;
                diagnostic.column = self.column;
            }
        }
        Some(diagnostic)
    }
}

/// How a file's diagnostics are stored; `None` when one may not be (a code not in
/// [`CACHED_CODES`]) or cannot be made again exactly from the file's bytes.
fn store_diagnostics(
    diagnostics: &[Diagnostic],
    rel: &str,
    bytes: &[u8],
) -> Option<Vec<StoredDiagnostic>> {
    if diagnostics.is_empty() {
        return Some(Vec::new());
    }
    if diagnostics.iter().any(|d| !CACHED_CODES.contains(&d.code)) {
        return None;
    }
    let source = SourceText::new(file_text(bytes)?);
    let mut stored = Vec::with_capacity(diagnostics.len());
    for diagnostic in diagnostics {
        let span = match &diagnostic.excerpt {
            Some(excerpt) => {
                let start = source.offset_of(diagnostic.line?, diagnostic.column?)?;
                Some((start, start + excerpt.end.checked_sub(excerpt.start)?))
            }
            None => None,
        };
        let entry = StoredDiagnostic {
            code: index_of(&CACHED_CODES, &diagnostic.code)?,
            severity: index_of(&SEVERITIES, &diagnostic.severity)?,
            message: diagnostic.message.clone(),
            help: diagnostic.help.clone(),
            line: diagnostic.line,
            column: diagnostic.column,
            span,
        };
        // Kept only if it gives back this very diagnostic, excerpt and all.
        if entry.restore(rel, Some(&source)).as_ref() != Some(diagnostic) {
            return None;
        }
        stored.push(entry);
    }
    Some(stored)
}

/// What a file says on its own, without its prose: its structure and the diagnostics of
/// [`CACHED_CODES`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Stored {
    title: String,
    date: Option<jiff::civil::Date>,
    kind: Option<u8>,
    draft: bool,
    words: usize,
    tags: Vec<StoredTag>,
    links: Vec<StoredLink>,
    aliases: Vec<String>,
    headings: Vec<(String, Option<String>)>,
    blocks: Vec<String>,
    model: Option<String>,
    stages: Vec<StoredStage>,
    diagnostics: Vec<StoredDiagnostic>,
}

const LINK_KINDS: [LinkKind; 5] = [
    LinkKind::Link,
    LinkKind::Image,
    LinkKind::Wiki,
    LinkKind::Embed,
    LinkKind::Html,
];

fn index_of<T: PartialEq>(all: &[T], value: &T) -> Option<u8> {
    all.iter()
        .position(|v| v == value)
        .and_then(|i| u8::try_from(i).ok())
}

impl Stored {
    /// What of a parsed file may be stored, its diagnostics stored as `diagnostics`
    /// ([`store_diagnostics`]); `None` for one that must be parsed every run: a privacy
    /// finding (or a silenced one), an unreadable file, a link error held for later.
    fn of(parsed: &Parsed, diagnostics: Vec<StoredDiagnostic>) -> Option<Stored> {
        let (evidence, file_diagnostics, scan) = parsed;
        if file_diagnostics.len() != diagnostics.len()
            || !scan.findings.is_empty()
            || !scan.silenced.is_empty()
        {
            return None;
        }
        // Every field named, so a field added to the record cannot be forgotten here.
        let Evidence {
            path: _,
            title,
            date,
            kind,
            draft,
            words,
            tags,
            link_refs,
            links,
            aliases,
            headings,
            blocks,
            opening: _,
            readable,
            model,
            stages,
            fingerprint: _,
        } = evidence;
        if !readable || !links.is_empty() {
            return None;
        }
        let kind = match kind {
            Some(kind) => Some(index_of(&EvidenceType::ALL, kind)?),
            None => None,
        };
        let mut stored_tags = Vec::with_capacity(tags.len());
        for tag in tags {
            let Tag {
                node,
                source,
                line,
                column,
                inline_index,
                passage: _,
            } = tag;
            stored_tags.push(StoredTag {
                node: *node,
                inline: *source == TagSource::Inline,
                line: *line,
                column: *column,
                inline_index: *inline_index,
            });
        }
        let mut stored_links = Vec::with_capacity(link_refs.len());
        for link in link_refs {
            let LinkRef {
                kind,
                dest,
                line,
                column,
                id_shaped,
                unless_named,
            } = link;
            if unless_named.is_some() {
                return None;
            }
            stored_links.push(StoredLink {
                kind: index_of(&LINK_KINDS, kind)?,
                dest: dest.clone(),
                line: *line,
                column: *column,
                id_shaped: *id_shaped,
            });
        }
        Some(Stored {
            title: title.clone(),
            date: *date,
            kind,
            draft: *draft,
            words: *words,
            tags: stored_tags,
            links: stored_links,
            aliases: aliases.clone(),
            headings: headings
                .iter()
                .map(|Heading { text, written_id }| (text.clone(), written_id.clone()))
                .collect(),
            blocks: blocks.clone(),
            model: model.clone(),
            stages: stages
                .iter()
                .map(
                    |StageFound {
                         stage,
                         heading,
                         sentences,
                         thin,
                     }| StoredStage {
                        stage: stage.clone(),
                        heading: heading.clone(),
                        sentences: *sentences,
                        thin: *thin,
                    },
                )
                .collect(),
            diagnostics,
        })
    }

    /// Whether using the entry needs the file's text: to make its excerpts again.
    fn needs_text(&self) -> bool {
        self.diagnostics.iter().any(|d| d.span.is_some())
    }

    /// The parsed file again, without passages, opening or fingerprint (a check that
    /// uses the cache renders nothing), its strings moved rather than copied, and the
    /// stored diagnostics (kept for the next write); `None` when the entry names what
    /// this framework lacks or its diagnostics do not fit `bytes` (the file's, when
    /// [`Stored::needs_text`]), so the file is parsed again.
    fn into_parsed(
        self,
        rel: String,
        framework: &Framework,
        bytes: Option<&[u8]>,
    ) -> Option<(Parsed, Vec<StoredDiagnostic>)> {
        let Stored {
            title,
            date,
            kind,
            draft,
            words,
            tags: stored_tags,
            links: stored_links,
            aliases,
            headings,
            blocks,
            model,
            stages,
            diagnostics: stored_diagnostics,
        } = self;
        let mut tags = Vec::with_capacity(stored_tags.len());
        for t in stored_tags {
            if t.node >= framework.nodes.len() {
                return None;
            }
            tags.push(Tag {
                node: t.node,
                source: if t.inline {
                    TagSource::Inline
                } else {
                    TagSource::FrontMatter
                },
                line: t.line,
                column: t.column,
                inline_index: t.inline_index,
                passage: None,
            });
        }
        let mut link_refs = Vec::with_capacity(stored_links.len());
        for l in stored_links {
            link_refs.push(LinkRef {
                kind: *LINK_KINDS.get(usize::from(l.kind))?,
                dest: l.dest,
                line: l.line,
                column: l.column,
                id_shaped: l.id_shaped,
                unless_named: None,
            });
        }
        let kind = match kind {
            Some(k) => Some(*EvidenceType::ALL.get(usize::from(k))?),
            None => None,
        };
        let diagnostics = if stored_diagnostics.is_empty() {
            Vec::new()
        } else {
            let source = match bytes {
                Some(bytes) => Some(SourceText::new(file_text(bytes)?)),
                None => None,
            };
            stored_diagnostics
                .iter()
                .map(|d| d.restore(&rel, source.as_ref()))
                .collect::<Option<Vec<_>>>()?
        };
        let evidence = Evidence {
            path: rel,
            title,
            date,
            kind,
            draft,
            words,
            tags,
            link_refs,
            links: Links::new(),
            aliases,
            headings: headings
                .into_iter()
                .map(|(text, written_id)| Heading { text, written_id })
                .collect(),
            blocks,
            opening: None,
            readable: true,
            model,
            stages: stages
                .into_iter()
                .map(|s| StageFound {
                    stage: s.stage,
                    heading: s.heading,
                    sentences: s.sentences,
                    thin: s.thin,
                })
                .collect(),
            fingerprint: None,
        };
        Some((
            (evidence, diagnostics, super::privacy::Scan::default()),
            stored_diagnostics,
        ))
    }
}

/// One evidence file's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    rel: String,
    stamp: Stamp,
    stored: Stored,
}

/// One portfolio's cache file.
#[derive(Debug, Serialize, Deserialize)]
struct Store {
    build: String,
    context: [u8; 32],
    entries: Vec<Entry>,
}

/// Reads a cache file; `None` for anything not whole and well-formed.
fn read_store(path: &Path) -> Option<Store> {
    let bytes = crate::util::fs::read_capped(path, cap(), "cache files").ok()?;
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let (format, rest) = rest.split_first_chunk::<4>()?;
    if u32::from_le_bytes(*format) != FORMAT {
        return None;
    }
    let (checksum, body) = rest.split_first_chunk::<32>()?;
    if Sha256::of(body).as_bytes() != checksum {
        return None;
    }
    postcard::from_bytes(body).ok()
}

fn encode_store(store: &Store) -> Option<Vec<u8>> {
    let body = postcard::to_stdvec(store).ok()?;
    let mut bytes = Vec::with_capacity(MAGIC.len() + 4 + 32 + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(Sha256::of(&body).as_bytes());
    bytes.extend_from_slice(&body);
    Some(bytes)
}

/// One check's use of the cache: the portfolio's entries as the last run left them.
pub(crate) struct Session {
    file: PathBuf,
    dir: PathBuf,
    context: [u8; 32],
    /// Sorted by path, as they are written.
    previous: Vec<Entry>,
    /// When this run looked at the files: a file modified within two seconds before
    /// is racy.
    taken: SystemTime,
}

/// What the next run may be told of a file.
enum Record {
    /// Nothing: it is parsed every run.
    None,
    /// Just parsed: its new entry.
    Parsed(Box<Entry>),
    /// Reused from its entry, which the parsed result gives back (with these stored
    /// diagnostics) should the cache file be written again.
    Reused {
        stamp: Stamp,
        diagnostics: Vec<StoredDiagnostic>,
    },
}

/// One file as this run found it: its parsed result, its record, and whether that
/// record differs from the last run's.
struct Looked {
    parsed: Parsed,
    record: Record,
    changed: bool,
}

/// Pairs each found file (sorted by path) with its entry of the last run, moving the
/// entries out; also says whether any entry was left over (its file has gone).
fn match_previous(mut previous: Vec<Entry>, found: &[Found]) -> (Vec<Option<Entry>>, bool) {
    if !previous.is_sorted_by(|a, b| a.rel < b.rel) {
        previous.sort_by(|a, b| a.rel.cmp(&b.rel));
        previous.dedup_by(|a, b| a.rel == b.rel);
    }
    let total = previous.len();
    let mut matched = 0;
    let mut previous = previous.into_iter().peekable();
    let paired = found
        .iter()
        .map(|f| {
            while previous.next_if(|e| e.rel < f.rel).is_some() {}
            let entry = previous.next_if(|e| e.rel == f.rel);
            matched += usize::from(entry.is_some());
            entry
        })
        .collect();
    (paired, matched < total)
}

impl Session {
    /// Opens the cache in `dir` for the portfolio at `root`; `None` when there can be no
    /// cache (the folder cannot be made, or is inside the portfolio). Whatever the
    /// existing file holds for another build or context is ignored.
    pub(crate) fn open(dir: &Path, root: &Path, context: [u8; 32]) -> Option<Session> {
        let root = std::fs::canonicalize(root).ok()?;
        create_private_dir(dir).ok()?;
        let canonical_dir = std::fs::canonicalize(dir).ok()?;
        // Never inside a portfolio: it would be evidence's neighbour, and in its packs.
        if canonical_dir.starts_with(&root) {
            return None;
        }
        let name = Sha256::of(root.as_os_str().as_encoded_bytes()).to_hex();
        let file = canonical_dir.join(format!("{PREFIX}{}{SUFFIX}", &name[..32]));
        let previous = match read_store(&file) {
            Some(store) if store.build == build_id() && store.context == context => store.entries,
            _ => Vec::new(),
        };
        Some(Session {
            file,
            dir: canonical_dir,
            context,
            previous,
            taken: SystemTime::now(),
        })
    }

    /// Every found file parsed (in parallel, in the order found): from the cache where
    /// its entry still holds, else by `parse` of its bytes (`parse_unread` when it
    /// cannot be read); then what this run found is kept for the next.
    pub(crate) fn parse_all(
        mut self,
        found: &[Found],
        framework: &Framework,
        parse: impl Fn(&Found, &[u8]) -> Parsed + Sync,
        parse_unread: impl Fn(&Found) -> Parsed + Sync,
    ) -> Vec<Parsed> {
        let (previous, gone) = match_previous(std::mem::take(&mut self.previous), found);
        let looked = found
            .par_iter()
            .zip(previous)
            .map(|(f, entry)| self.look(f, entry, framework, &parse, &parse_unread))
            .collect();
        self.finish(looked, gone)
    }

    /// One file: from `previous` (its entry of the last run) when that still holds.
    fn look(
        &self,
        found: &Found,
        previous: Option<Entry>,
        framework: &Framework,
        parse: &impl Fn(&Found, &[u8]) -> Parsed,
        parse_unread: &impl Fn(&Found) -> Parsed,
    ) -> Looked {
        let had_entry = previous.is_some();
        let unread = || Looked {
            parsed: parse_unread(found),
            record: Record::None,
            changed: had_entry,
        };
        let Some((mut stamp, racy)) = stat(&found.path, self.taken) else {
            return unread();
        };
        let previous = previous.filter(|p| {
            p.stamp.len == stamp.len
                && p.stamp.modified == stamp.modified
                && p.stamp.inode == stamp.inode
        });
        // Read after the stat: a write in between shows as a change next time. An entry
        // whose stamp alone is trusted, and whose excerpts need no text, needs no read.
        let needs_bytes = previous
            .as_ref()
            .is_none_or(|p| p.stamp.content.is_some() || p.stored.needs_text());
        let mut bytes = None;
        if needs_bytes {
            match super::evidence::read_file(&found.path) {
                Ok(read) => bytes = Some(read),
                Err(_) => return unread(),
            }
        }
        let compare = previous.as_ref().is_some_and(|p| p.stamp.content.is_some());
        let content = bytes
            .as_deref()
            .filter(|_| racy || compare)
            .map(|b| *Sha256::of(b).as_bytes());
        if let Some(entry) = previous
            && (entry.stamp.content.is_none() || entry.stamp.content == content)
        {
            let Entry {
                rel,
                stamp: old,
                stored,
            } = entry;
            if let Some((parsed, diagnostics)) =
                stored.into_parsed(rel, framework, bytes.as_deref())
            {
                // Still racy: keep checking the content; else the stamp alone will do.
                let mut stamp = old.clone();
                if bytes.is_some() {
                    stamp.content = if racy { content } else { None };
                }
                return Looked {
                    parsed,
                    changed: stamp != old,
                    record: Record::Reused { stamp, diagnostics },
                };
            }
        }
        let bytes = match bytes {
            Some(bytes) => bytes,
            None => match super::evidence::read_file(&found.path) {
                Ok(read) => read,
                Err(_) => return unread(),
            },
        };
        let parsed = parse(found, &bytes);
        stamp.content = racy.then(|| content.unwrap_or_else(|| *Sha256::of(&bytes).as_bytes()));
        let entry = store_diagnostics(&parsed.1, &found.rel, &bytes)
            .and_then(|diagnostics| Stored::of(&parsed, diagnostics))
            .map(|stored| Entry {
                rel: found.rel.clone(),
                stamp,
                stored,
            });
        Looked {
            parsed,
            changed: had_entry || entry.is_some(),
            record: entry.map_or(Record::None, |e| Record::Parsed(Box::new(e))),
        }
    }

    /// Keeps what this run found for the next one (when anything changed, or `gone`:
    /// a file recorded last time is no longer found), and marks the file as just used.
    /// Failures are silent: without a cache, checks are slower, never wrong.
    fn finish(self, looked: Vec<Looked>, gone: bool) -> Vec<Parsed> {
        let changed = gone || looked.iter().any(|l| l.changed);
        if !changed {
            // Least recently used goes first: this one was just used.
            let _ = std::fs::File::options()
                .write(true)
                .open(&self.file)
                .and_then(|f| f.set_modified(SystemTime::now()));
            return looked.into_iter().map(|l| l.parsed).collect();
        }
        let mut entries = Vec::with_capacity(looked.len());
        let mut parsed = Vec::with_capacity(looked.len());
        for l in looked {
            match l.record {
                Record::None => {}
                Record::Parsed(entry) => entries.push(*entry),
                Record::Reused { stamp, diagnostics } => {
                    if let Some(stored) = Stored::of(&l.parsed, diagnostics) {
                        entries.push(Entry {
                            rel: l.parsed.0.path.clone(),
                            stamp,
                            stored,
                        });
                    }
                }
            }
            parsed.push(l.parsed);
        }
        let store = Store {
            build: build_id(),
            context: self.context,
            entries,
        };
        if let Some(bytes) = encode_store(&store)
            && crate::util::atomic::write_private(&self.file, &bytes).is_ok()
        {
            keep_under_cap(&self.dir, &self.file);
        }
        parsed
    }
}

/// Creates the cache folder, private to the user (0700 where folders have permissions).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Removes the least recently used cache files until the folder is under its cap,
/// never `keep` (just written). Looked at once per run and folder, after its first
/// write: a cohort writes a file per portfolio, and listing the folder each time would
/// cost quadratic time; a run overshoots the cap by at most what it writes.
fn keep_under_cap(dir: &Path, keep: &Path) {
    static SWEPT: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    {
        let mut swept = SWEPT.lock().unwrap_or_else(|e| e.into_inner());
        if swept.iter().any(|d| d == dir) {
            return;
        }
        swept.push(dir.to_path_buf());
    }
    // A temporary file an hour old belongs to a run that was killed.
    let hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
    for (path, meta) in temp_files(dir) {
        if meta.modified().is_ok_and(|m| m < hour_ago) {
            let _ = std::fs::remove_file(path);
        }
    }
    let cap = cap();
    let Ok(mut files) = cache_files(dir) else {
        return;
    };
    let mut total: u64 = files.iter().map(|(_, m)| m.len()).sum();
    files.sort_by_key(|(path, meta)| (meta.modified().ok(), path.clone()));
    for (path, meta) in files {
        if total <= cap {
            break;
        }
        if path == keep {
            continue;
        }
        if std::fs::remove_file(&path).is_ok() {
            total = total.saturating_sub(meta.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn framework() -> Framework {
        Framework::resolve_all(&["nasenco-2014".to_string()], Path::new(".")).unwrap()
    }

    fn found(dir: &Path, name: &str, text: &str) -> Found {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        // Old enough to trust its stamp.
        let old = SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(old))
            .unwrap();
        Found {
            path,
            rel: name.to_string(),
        }
    }

    fn run(cache: &Path, root: &Path, files: &[Found], fw: &Framework, parses: &AtomicUsize) {
        let session = Session::open(cache, root, context(fw, None)).unwrap();
        let names = crate::check::privacy::Pseudonyms::default();
        session.parse_all(
            files,
            fw,
            |f, bytes| {
                parses.fetch_add(1, Ordering::SeqCst);
                crate::check::parse_and_scan(bytes, f, fw, &names, false)
            },
            |_| unreachable!("the files are readable"),
        );
    }

    #[test]
    fn an_unchanged_file_is_not_parsed_again_and_a_changed_one_is() {
        let cache = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let fw = framework();
        let mut files = vec![
            found(root.path(), "a.md", "# A\n\nSome words [[A1.3]].\n"),
            found(root.path(), "b.md", "# B\n\nOther words.\n"),
        ];
        let parses = AtomicUsize::new(0);
        run(cache.path(), root.path(), &files, &fw, &parses);
        assert_eq!(parses.load(Ordering::SeqCst), 2);
        run(cache.path(), root.path(), &files, &fw, &parses);
        assert_eq!(parses.load(Ordering::SeqCst), 2, "nothing changed");
        files[1] = found(root.path(), "b.md", "# B\n\nOther words, more.\n");
        run(cache.path(), root.path(), &files, &fw, &parses);
        assert_eq!(parses.load(Ordering::SeqCst), 3, "b.md changed");
        let info = info(cache.path()).unwrap();
        assert_eq!((info.portfolios, info.entries, info.unusable), (1, 2, 0));
    }

    /// What a check of `files` gives without any cache, for comparing.
    fn fresh(files: &[Found], fw: &Framework) -> Vec<Parsed> {
        let names = crate::check::privacy::Pseudonyms::default();
        files
            .iter()
            .map(|f| {
                let bytes = std::fs::read(&f.path).unwrap();
                crate::check::parse_and_scan(&bytes, f, fw, &names, false)
            })
            .collect()
    }

    fn run_parsed(cache: &Path, root: &Path, files: &[Found], fw: &Framework) -> Vec<Parsed> {
        let session = Session::open(cache, root, context(fw, None)).unwrap();
        let names = crate::check::privacy::Pseudonyms::default();
        session.parse_all(
            files,
            fw,
            |f, bytes| crate::check::parse_and_scan(bytes, f, fw, &names, false),
            |_| unreachable!("the files are readable"),
        )
    }

    const TWICE: &str = "---\ntitle: Twice\noutcomes: [A1.3, a1.3]\n---\n\n# Twice\n\n\u{feff}The “first” [[A1.1]] and — again — [[A1.1]].\n";

    /// A cache folder and a portfolio of one file with duplicate tags, checked once.
    fn twice_recorded() -> (
        tempfile::TempDir,
        tempfile::TempDir,
        Framework,
        Vec<Found>,
        AtomicUsize,
    ) {
        let cache = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let fw = framework();
        let files = vec![found(root.path(), "a.md", TWICE)];
        let parses = AtomicUsize::new(0);
        run(cache.path(), root.path(), &files, &fw, &parses);
        (cache, root, fw, files, parses)
    }

    #[test]
    fn a_file_with_only_duplicate_tags_is_stored_without_its_lines() {
        let (cache, root, fw, files, parses) = twice_recorded();
        let again = run_parsed(cache.path(), root.path(), &files, &fw);
        assert_eq!(parses.load(Ordering::SeqCst), 1, "reused");
        let expected = fresh(&files, &fw);
        assert_eq!(again[0].1.len(), 2, "{:?}", again[0].1);
        assert!(again[0].1.iter().all(|d| d.excerpt.is_some()));
        let places = |p: &Parsed| -> Vec<(usize, usize, usize)> {
            p.0.tags
                .iter()
                .map(|t| (t.node, t.line, t.column))
                .collect()
        };
        assert_eq!(places(&again[0]), places(&expected[0]));
        assert_eq!(again[0].1, expected[0].1, "excerpts made again alike");
        assert_eq!(info(cache.path()).unwrap().entries, 1);
        let bytes = std::fs::read(&cache_files(cache.path()).unwrap()[0].0).unwrap();
        for line in ["outcomes: [A1.3, a1.3]", "again", "“first”"] {
            assert!(
                !bytes.windows(line.len()).any(|w| w == line.as_bytes()),
                "the cache holds {line:?}"
            );
        }
    }

    /// Checks `text` as the one file of a portfolio twice; the parses it took and the
    /// second run's diagnostics beside a fresh parse's.
    fn recorded_once(text: &str) -> (usize, Vec<Diagnostic>, Vec<Diagnostic>, Vec<u8>) {
        let cache = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let fw = framework();
        let files = vec![found(root.path(), "a.md", text)];
        let parses = AtomicUsize::new(0);
        run(cache.path(), root.path(), &files, &fw, &parses);
        let again = run_parsed(cache.path(), root.path(), &files, &fw);
        let bytes = std::fs::read(&cache_files(cache.path()).unwrap()[0].0).unwrap();
        let expected = fresh(&files, &fw);
        (
            parses.load(Ordering::SeqCst),
            again[0].1.clone(),
            expected[0].1.clone(),
            bytes,
        )
    }

    #[test]
    fn a_file_with_unclosed_links_is_stored_without_its_lines() {
        let text =
            "# Code\n\nIn the “scheme” we write `x[[i]` and [[A1.1 then stop.\n\n    a = [[b\n";
        let (parses, again, expected, bytes) = recorded_once(text);
        assert_eq!(parses, 1, "reused");
        assert!(
            again.iter().any(|d| d.code == Code::UnclosedLink),
            "{again:?}"
        );
        assert!(again.iter().all(|d| d.excerpt.is_some()));
        assert_eq!(again, expected, "excerpts made again alike");
        for line in ["scheme", "then stop"] {
            assert!(
                !bytes.windows(line.len()).any(|w| w == line.as_bytes()),
                "the cache holds {line:?}"
            );
        }
    }

    #[test]
    fn a_stored_span_that_does_not_fit_the_file_means_a_parse() {
        let (cache, root, fw, files, parses) = twice_recorded();
        let file = cache_files(cache.path()).unwrap()[0].0.clone();
        let good = read_store(&file).unwrap();
        let spans: [fn(&mut StoredDiagnostic); 3] = [
            |d| d.span = Some((0, 1 << 20)),
            |d| d.span = Some((9, 3)),
            // Inside the file, but not where the line and column say.
            |d| d.span = Some((0, 3)),
        ];
        for (n, change) in spans.iter().enumerate() {
            let mut store = Store {
                build: good.build.clone(),
                context: good.context,
                entries: good.entries.clone(),
            };
            change(&mut store.entries[0].stored.diagnostics[1]);
            std::fs::write(&file, encode_store(&store).unwrap()).unwrap();
            let parsed = run_parsed(cache.path(), root.path(), &files, &fw);
            assert_eq!(parsed[0].1, fresh(&files, &fw)[0].1, "case {n}");
            // The entry was written again from the parse: the next run reuses it.
            run(cache.path(), root.path(), &files, &fw, &parses);
            assert_eq!(parses.load(Ordering::SeqCst), 1, "case {n}");
        }
    }

    #[test]
    fn a_file_with_a_finding_is_never_stored() {
        let cache = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let fw = framework();
        let files = vec![found(
            root.path(),
            "a.md",
            "# A\n\nWrite to jo.parent@larkspurvale.sch.uk about [[ZZ9]].\n",
        )];
        let parses = AtomicUsize::new(0);
        run(cache.path(), root.path(), &files, &fw, &parses);
        run(cache.path(), root.path(), &files, &fw, &parses);
        assert_eq!(parses.load(Ordering::SeqCst), 2);
        assert_eq!(info(cache.path()).unwrap().entries, 0);
    }

    #[test]
    fn a_just_written_file_is_compared_by_content() {
        let cache = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let fw = framework();
        let path = root.path().join("a.md");
        std::fs::write(&path, "# A\n\none\n").unwrap();
        let files = vec![Found {
            path: path.clone(),
            rel: "a.md".into(),
        }];
        let parses = AtomicUsize::new(0);
        run(cache.path(), root.path(), &files, &fw, &parses);
        run(cache.path(), root.path(), &files, &fw, &parses);
        assert_eq!(parses.load(Ordering::SeqCst), 1, "same content: reused");
        // Same size; put the times back as a coarse clock would leave them. The change
        // time moves, so strip it from the stored stamp to be sure the content decides.
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::fs::write(&path, "# A\n\ntwo\n").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .and_then(|f| f.set_modified(modified))
            .unwrap();
        let mut store = read_store(&cache_files(cache.path()).unwrap()[0].0).unwrap();
        let now = stat(&path, SystemTime::now()).unwrap().0;
        store.entries[0].stamp.inode = now.inode;
        let file = cache_files(cache.path()).unwrap()[0].0.clone();
        std::fs::write(&file, encode_store(&store).unwrap()).unwrap();
        run(cache.path(), root.path(), &files, &fw, &parses);
        assert_eq!(parses.load(Ordering::SeqCst), 2, "new content: parsed");
    }

    #[test]
    fn sizes_read_with_units() {
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("64K"), Some(64 << 10));
        assert_eq!(parse_size("256m"), Some(256 << 20));
        assert_eq!(parse_size("1G"), Some(1 << 30));
        assert_eq!(parse_size("lots"), None);
        assert_eq!(parse_size(""), None);
    }
}
