//! Stage 2b: parse one evidence file into an [`Evidence`] record and its diagnostics.
//!
//! The record keeps what later stages need (metadata, tags with their passages, word
//! count) and not the body itself, so a cohort of thousands of files is never held in
//! memory at once; the renderer reads a body again when it writes that file's page.

use crate::check::frontmatter::{self, Format, Split};
use crate::check::links::{LinkKind, LinkRef, Links};
use crate::check::{links, markdown, obsidian};
use crate::error::Code;
use crate::error::diagnostic::{Diagnostic, PerFile, SourceText};
use crate::model::evidence_type::EvidenceType;
use crate::model::framework::{Framework, NodeId, looks_like_id};
use pulldown_cmark::{Event, HeadingLevel, LinkType, Tag as MdTag, TagEnd};
use serde::Serialize;
use serde_json::Value;
use std::ops::Range;

/// Where in a file a tag was written, so a diagnostic and the page can point at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagSource {
    /// In the `outcomes:` list of the front matter.
    FrontMatter,
    /// In the body, where it marks the passage that is the evidence.
    Inline,
}

/// One outcome tag in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// The framework node it names, aliases resolved.
    pub node: NodeId,
    /// Front matter or body.
    pub source: TagSource,
    /// 1-based line of the tag in the file.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// For inline tags: their position among the file's inline tags (0-based), which
    /// names the anchor `tag-N` in the built page.
    pub inline_index: Option<usize>,
    /// The Markdown source of the block the tag sits in (inline tags only).
    pub passage: Option<String>,
}

/// A heading of an evidence file: its text, and the id written for it, if any. Its id on
/// the built page depends on the headings before it: [`heading_keys`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// The heading's text, without its markup.
    pub text: String,
    /// The id written after it (`## Plan {#plan}`).
    pub written_id: Option<String>,
}

/// What a link may name a page's headings by besides their text: each heading's slug,
/// and its id on the built page (unique there), in the headings' order.
#[derive(Debug, Default)]
pub struct HeadingKeys {
    /// The slug of each heading's text.
    pub slugs: Vec<String>,
    /// The id of each heading on the built page.
    pub ids: Vec<String>,
}

/// The [`HeadingKeys`] of a page, made together: an id is the slug made unique, so each
/// heading is slugged once. Made only for a page a link names a heading of: slugging
/// every heading of every file as it was read was a fiftieth of a cold check.
pub fn heading_keys(headings: &[Heading]) -> HeadingKeys {
    let mut assigner = markdown::HeadingIds::default();
    let mut keys = HeadingKeys {
        slugs: Vec::with_capacity(headings.len()),
        ids: Vec::with_capacity(headings.len()),
    };
    for h in headings {
        let slug = crate::util::text::slug(&h.text);
        let stem = match &h.written_id {
            Some(written) => crate::util::text::slug(written),
            None => slug.clone(),
        };
        keys.ids.push(assigner.assign_slug(stem));
        keys.slugs.push(slug);
    }
    keys
}

/// One evidence file, parsed: what coverage, reports and pages need of it, so no later
/// stage reads the file again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// Relative to the portfolio folder, `/`-separated.
    pub path: String,
    /// From front matter, else the first level-one heading, else the file name.
    pub title: String,
    /// The `date` of the front matter, when it is a valid date.
    pub date: Option<jiff::civil::Date>,
    /// `None` when the file has no `type`, or one that names no [`EvidenceType`].
    pub kind: Option<EvidenceType>,
    /// `draft: true`: its words count, but it covers no outcome.
    pub draft: bool,
    /// Words of the body, counted as assessors count them.
    pub words: usize,
    /// Every tag that names a node, front matter first, then the body in order.
    pub tags: Vec<Tag>,
    /// Every link in the body as written, in order.
    pub(crate) link_refs: Vec<LinkRef>,
    /// What each link points at, by how it is written: filled in by the check once
    /// every file is parsed ([`crate::check::links::resolve_all`]); empty before.
    pub links: Links,
    /// Other names of the note (`aliases:` in its front matter), for `[[links]]`.
    pub aliases: Vec<String>,
    /// The headings, in order, with the ids they get on the page.
    pub headings: Vec<Heading>,
    /// Obsidian block ids (`^id`) the file names, in order.
    pub blocks: Vec<String>,
    /// The Markdown source of the first top-level paragraph: the passage quoted for
    /// front-matter tags.
    pub opening: Option<String>,
    /// Whether the file could be read as text at all.
    pub readable: bool,
    /// The reflective model named in front matter (`model: gibbs`), by its id.
    pub model: Option<String>,
    /// Each stage of that model as the file has it, in the model's order.
    pub stages: Vec<crate::check::reflection::StageFound>,
    /// The [`crate::util::hash::fingerprint`] of the bytes read, `None` when the file could not be read: a
    /// page rendered later from the file read again tells by it that the file changed in
    /// between, and would mix two versions of it.
    pub(crate) fingerprint: Option<u64>,
}

impl Evidence {
    /// Distinct outcome nodes this file tags, in framework order.
    pub fn outcome_nodes(&self) -> Vec<NodeId> {
        let mut nodes: Vec<NodeId> = self.tags.iter().map(|t| t.node).collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }
}

/// Reads and parses one evidence file. Never fails: what is wrong becomes diagnostics.
pub fn load(
    path: &std::path::Path,
    rel: &str,
    framework: &Framework,
) -> (Evidence, Vec<Diagnostic>) {
    match read_file(path) {
        Ok(bytes) => parse_bytes(&bytes, rel, framework),
        Err(e) => unreadable(rel, &e),
    }
}

/// Evidence files larger than this are not read. Written evidence is kilobytes; a file
/// this size is a video or a document saved as `.md`, or pasted data, and parsing
/// Markdown takes many times a file's size in memory.
pub(crate) const MAX_FILE_BYTES: u64 = 64 << 20;

/// Reads an evidence file, refusing one larger than [`MAX_FILE_BYTES`] (with
/// [`std::io::ErrorKind::FileTooLarge`]) before reading any of it.
pub(crate) fn read_file(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    crate::util::fs::read_capped(path, MAX_FILE_BYTES, "evidence files")
}

/// The record and diagnostic for a file that could not be read.
pub fn unreadable(rel: &str, error: &std::io::Error) -> (Evidence, Vec<Diagnostic>) {
    let mut evidence = empty_evidence(rel);
    evidence.readable = false;
    let diagnostic = if error.kind() == std::io::ErrorKind::FileTooLarge {
        Diagnostic::new(Code::TooLarge, error.to_string())
            .with_help("evidence files are text; keep videos, images and documents beside your evidence as attachments and link to them")
    } else {
        Diagnostic::new(Code::Unreadable, format!("cannot read file: {error}"))
            .with_help("check the file still exists and that you may read it")
    };
    (evidence, vec![diagnostic.in_file(rel)])
}

fn empty_evidence(rel: &str) -> Evidence {
    Evidence {
        path: rel.to_string(),
        title: title_from_path(rel),
        date: None,
        kind: None,
        draft: false,
        words: 0,
        tags: Vec::new(),
        link_refs: Vec::new(),
        links: Links::new(),
        aliases: Vec::new(),
        headings: Vec::new(),
        blocks: Vec::new(),
        opening: None,
        readable: true,
        model: None,
        stages: Vec::new(),
        fingerprint: None,
    }
}

/// Parses file content. Public so tests, fuzzers and benchmarks can call it directly.
pub fn parse_bytes(bytes: &[u8], rel: &str, framework: &Framework) -> (Evidence, Vec<Diagnostic>) {
    let (evidence, diagnostics, ()) = parse_bytes_and(bytes, rel, framework, true, |_| ());
    (evidence, diagnostics)
}

/// [`parse_bytes`], then `also` on the same decoded text and line index (when the file
/// is text), so the privacy lint neither validates nor indexes the file again. Without
/// `for_pages` what only a built page uses is left out: [`Evidence::fingerprint`] (hashing
/// every byte costs as much as the rest of some checks), [`Evidence::opening`] and each
/// [`Tag::passage`] (copies of the text).
pub fn parse_bytes_and<T: Default>(
    bytes: &[u8],
    rel: &str,
    framework: &Framework,
    for_pages: bool,
    also: impl FnOnce(&SourceText<'_>) -> T,
) -> (Evidence, Vec<Diagnostic>, T) {
    let mut diagnostics = Vec::new();
    let mut evidence = empty_evidence(rel);
    if for_pages {
        evidence.fingerprint = Some(crate::util::hash::fingerprint(bytes));
    }
    if let Some(problem) = binary_content(bytes) {
        evidence.readable = false;
        diagnostics.push(problem.in_file(rel).at_line_col(1, 1));
        return (evidence, diagnostics, T::default());
    }
    // Validated sixteen or thirty-two bytes at a time: the standard library's validation
    // goes a character at a time outside ASCII, and was 6% of a cold check of a vault in
    // thirty languages (obsidian-help). Only a file that fails is validated again, for
    // where it fails.
    let valid = match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Ok(text),
        Err(_) => std::str::from_utf8(bytes),
    };
    let text = match valid {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(e) => {
            let lossy = String::from_utf8_lossy(bytes);
            // The lossy text matches the bytes up to the first bad one, which it shows as
            // U+FFFD; a BOM is not a column an editor shows.
            let bom = if bytes.starts_with(b"\xEF\xBB\xBF") {
                3
            } else {
                0
            };
            let at = e.valid_up_to() - bom.min(e.valid_up_to());
            let shown = &lossy[bom..];
            diagnostics.push(
                Diagnostic::new(Code::InvalidUtf8, "file is not valid UTF-8 text")
                    .in_file(rel)
                    .at(
                        &SourceText::new(shown),
                        at..at + char::REPLACEMENT_CHARACTER.len_utf8(),
                    )
                    .with_help("re-save the file with UTF-8 encoding (in Word: Save As, Plain Text, Unicode (UTF-8)); the rest of the file was still checked"),
            );
            lossy
        }
    };
    let text = crate::util::text::without_bom(&text);
    let source = SourceText::new(text);
    parse_text(
        &source,
        &mut evidence,
        &mut diagnostics,
        framework,
        for_pages,
    );
    for d in &mut diagnostics {
        d.file.get_or_insert_with(|| rel.to_string());
    }
    let also = also(&source);
    (evidence, diagnostics, also)
}

/// Recognises content that is not text at all: UTF-16, images and other binaries.
fn binary_content(bytes: &[u8]) -> Option<Diagnostic> {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    if utf16 {
        return Some(
            Diagnostic::new(Code::InvalidUtf8, "file is UTF-16 encoded, not UTF-8")
                .with_help("re-save it as UTF-8 (in Notepad: Save As, Encoding: UTF-8)"),
        );
    }
    let known = [
        (&b"\x89PNG"[..], "a PNG image"),
        (&b"\xFF\xD8\xFF"[..], "a JPEG image"),
        (&b"%PDF"[..], "a PDF document"),
        (&b"PK\x03\x04"[..], "a Word document or zip archive"),
        (&b"GIF8"[..], "a GIF image"),
    ];
    if let Some((_, what)) = known.iter().find(|(magic, _)| bytes.starts_with(magic)) {
        return Some(
            Diagnostic::new(Code::NotText, format!("file is {what}, not Markdown text"))
                .with_help("keep images and documents as attachments beside your evidence and link to them; evidence files are text"),
        );
    }
    let head = &bytes[..bytes.len().min(8192)];
    if memchr::memchr(0, head).is_some() {
        return Some(
            Diagnostic::new(
                Code::NotText,
                "file contains binary data, not Markdown text",
            )
            .with_help("evidence files must be plain text; was a document renamed to .md?"),
        );
    }
    None
}

fn parse_text(
    source: &SourceText<'_>,
    evidence: &mut Evidence,
    diagnostics: &mut Vec<Diagnostic>,
    framework: &Framework,
    for_pages: bool,
) {
    let text = source.text();
    let mut limit = PerFile::default();
    let mut titled = false;
    let mut model_at: Option<Range<usize>> = None;
    let body = match frontmatter::split(text) {
        Split::None => 0..text.len(),
        Split::Unclosed { format } => {
            diagnostics.push(
                Diagnostic::new(
                    Code::FrontMatterUnclosed,
                    format!("front matter opened with `{}` is never closed", format.fence()),
                )
                .at(source, 0..3)
                .with_help(format!(
                    "add a line with just `{}` after the last key, or remove the opening `{}` if this is not front matter",
                    format.fence(),
                    format.fence()
                )),
            );
            0..text.len()
        }
        Split::Found {
            format,
            matter,
            body,
        } => {
            titled = read_front_matter(
                source,
                format,
                matter.clone(),
                evidence,
                diagnostics,
                &mut limit,
                framework,
            );
            if evidence.model.is_some() {
                model_at = frontmatter::locate_key(&text[matter.clone()], "model")
                    .map(|o| matter.start + o..matter.start + o + "model".len());
            }
            body
        }
    };
    let body_text = &text[body.clone()];
    let empty = body_text.trim().is_empty();
    if let Some(model) = evidence
        .model
        .as_deref()
        .and_then(crate::model::reflective::find)
    {
        let at = model_at.unwrap_or(0..0);
        let (stages, hints) = crate::check::reflection::analyse(source, body.clone(), model, at);
        evidence.stages = stages;
        diagnostics.extend(hints);
    }
    let body_start = body.start;
    let scanned = scan_body(
        source,
        body,
        evidence,
        diagnostics,
        &mut limit,
        framework,
        for_pages,
    );
    if let Some(heading) = scanned.first_heading
        && !titled
    {
        evidence.title = heading;
    }
    if empty || !scanned.has_text {
        let message = if empty && body_start == 0 {
            "evidence file is empty"
        } else if empty {
            "evidence has front matter but no text"
        } else {
            "evidence has headings but no text under them"
        };
        diagnostics.push(
            Diagnostic::new(Code::EmptyEvidence, message)
                .at(source, body_start..body_start)
                .with_help(
                    "write the evidence below the front matter and headings, or delete the file",
                ),
        );
        // Headings and nothing under them (`senco new`'s scaffold): not evidence yet, so
        // it claims no outcome.
        if !empty {
            evidence.tags.clear();
            evidence.words = 0;
        }
    }
    diagnostics.extend(limit.summary(&evidence.path));
}

fn read_front_matter(
    source: &SourceText<'_>,
    format: Format,
    matter: Range<usize>,
    evidence: &mut Evidence,
    diagnostics: &mut Vec<Diagnostic>,
    limit: &mut PerFile,
    framework: &Framework,
) -> bool {
    let matter_text = &source.text()[matter.clone()];
    let keys = match frontmatter::parse(format, matter_text) {
        Ok(keys) => keys,
        Err(err) => {
            let language = match format {
                Format::Yaml => "YAML",
                Format::Toml => "TOML",
            };
            // The parser notices a tab only after it; point at the tab itself.
            let tab = match format {
                Format::Yaml => frontmatter::indentation_tab(matter_text),
                Format::Toml => None,
            };
            let offset = tab.map_or_else(
                || frontmatter::error_offset(source, matter.start, &err),
                |t| matter.start + t,
            );
            let help = if tab.is_some() || (matter_text.contains('\t') && format == Format::Yaml) {
                "YAML does not allow tabs for indentation: use spaces".to_string()
            } else if let Some(help) = err.help {
                help.to_string()
            } else {
                let example = match format {
                    Format::Yaml => "outcomes: [A1.2, B5.1]",
                    Format::Toml => "outcomes = [\"A1.2\", \"B5.1\"]",
                };
                format!(
                    "front matter is {language}; e.g. `{example}` — fix the syntax, the rest of the file was still checked"
                )
            };
            let message = if err.too_big {
                format!(
                    "{language} front matter is too big to read: {}",
                    err.message
                )
            } else {
                format!("malformed {language} front matter: {}", err.message)
            };
            diagnostics.push(
                Diagnostic::new(Code::FrontMatterSyntax, message)
                    .at(source, offset..offset + 1)
                    .with_help(help),
            );
            return false;
        }
    };
    let mut titled = false;
    let at_key = |key: &str| -> Range<usize> {
        frontmatter::locate_key(matter_text, key).map_or(matter.start..matter.start, |o| {
            matter.start + o..matter.start + o + key.len()
        })
    };
    // Obsidian's `aliases` (`alias` in older vaults): a list, or one name.
    for key in ["aliases", "alias"] {
        match keys.get(key) {
            Some(Value::Array(items)) => evidence.aliases.extend(
                items
                    .iter()
                    .filter_map(scalar_text)
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty()),
            ),
            Some(value) => evidence.aliases.extend(
                scalar_text(value)
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty()),
            ),
            None => {}
        }
    }
    if let Some(title) = keys.get("title") {
        match scalar_text(title) {
            Some(t) if !t.trim().is_empty() => {
                evidence.title = cap(t.trim(), MAX_TITLE_BYTES);
                titled = true;
            }
            _ => diagnostics.push(
                Diagnostic::new(
                    Code::BadTitle,
                    format!(
                        "`title` should be text, not {}",
                        frontmatter::describe(title)
                    ),
                )
                .at(source, at_key("title"))
                .with_help("write e.g. `title: Observing a reading intervention`"),
            ),
        }
    }
    if let Some(date) = keys.get("date") {
        match scalar_text(date).as_deref().map(parse_date) {
            Some(Ok(d)) => evidence.date = Some(d),
            Some(Err(())) | None => {
                let written = scalar_text(date).unwrap_or_default();
                let range = frontmatter::locate_token(
                    matter_text,
                    at_key("date").start - matter.start,
                    &written,
                )
                .map_or_else(
                    || at_key("date"),
                    |o| matter.start + o..matter.start + o + written.len(),
                );
                diagnostics.push(
                    Diagnostic::new(
                        Code::BadDate,
                        format!(
                            "`date` must be a calendar date written YYYY-MM-DD, not `{written}`"
                        ),
                    )
                    .at(source, range)
                    .with_help("write e.g. `date: 2025-03-14`"),
                );
            }
        }
    }
    if let Some(kind) = keys.get("type") {
        let written = scalar_text(kind).unwrap_or_default();
        let normal = EvidenceType::normalise(&written);
        if let Some(kind) = EvidenceType::from_name(&normal) {
            evidence.kind = Some(kind);
        } else {
            let range = frontmatter::locate_token(
                matter_text,
                at_key("type").start - matter.start,
                written.trim(),
            )
            .map_or_else(
                || at_key("type"),
                |o| matter.start + o..matter.start + o + written.trim().len(),
            );
            let mut help = format!("valid types: {}", EvidenceType::names());
            if let Some(best) = EvidenceType::suggest(&normal) {
                help = format!("did you mean `{best}`? {help}");
            }
            diagnostics.push(
                Diagnostic::new(
                    Code::UnknownType,
                    format!("unknown evidence type `{}`", written.trim()),
                )
                .at(source, range)
                .with_help(help),
            );
        }
    }
    if let Some(draft) = keys.get("draft") {
        match draft {
            Value::Bool(b) => evidence.draft = *b,
            Value::String(s) if matches!(s.to_lowercase().as_str(), "true" | "yes") => {
                evidence.draft = true
            }
            Value::String(s) if matches!(s.to_lowercase().as_str(), "false" | "no") => {}
            other => diagnostics.push(
                Diagnostic::new(
                    Code::BadDraft,
                    format!(
                        "`draft` should be true or false, not {}",
                        frontmatter::describe(other)
                    ),
                )
                .at(source, at_key("draft"))
                .with_help("write `draft: true` to leave this file out of coverage"),
            ),
        }
    }
    if let Some(model) = keys.get("model") {
        let written = scalar_text(model).unwrap_or_default();
        match crate::model::reflective::find(&written) {
            Some(known) => evidence.model = Some(known.id.clone()),
            None => {
                let ids = crate::model::reflective::ids();
                let mut help = format!("reflective models: {}", ids.join(", "));
                if let Some(best) =
                    crate::util::suggest::closest(written.trim(), ids.iter().copied())
                {
                    help = format!("did you mean `{best}`? {help}");
                }
                diagnostics.push(
                    Diagnostic::new(
                        crate::error::Code::UnknownModel,
                        format!("unknown reflective model `{}`", written.trim()),
                    )
                    .at(source, at_key("model"))
                    .with_help(help),
                );
            }
        }
    }
    if let Some(outcomes) = keys.get("outcomes") {
        read_outcomes(
            source,
            matter_text,
            matter.start,
            at_key("outcomes"),
            outcomes,
            evidence,
            diagnostics,
            limit,
            framework,
        );
    }
    titled
}

#[allow(clippy::too_many_arguments)]
fn read_outcomes(
    source: &SourceText<'_>,
    matter_text: &str,
    matter_start: usize,
    key: Range<usize>,
    value: &Value,
    evidence: &mut Evidence,
    diagnostics: &mut Vec<Diagnostic>,
    limit: &mut PerFile,
    framework: &Framework,
) {
    let ids: Vec<String> = match value {
        Value::Null => Vec::new(),
        Value::Number(n) => vec![n.to_string()],
        Value::String(s) => s
            .split([',', ';'])
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect(),
        Value::Array(items) => {
            let mut ids = Vec::new();
            for item in items {
                match scalar_text(item) {
                    Some(id) if !matches!(item, Value::Bool(_)) => ids.push(id.trim().to_string()),
                    _ if !limit.admit(Code::BadOutcomes) => {}
                    _ => diagnostics.push(
                        Diagnostic::new(
                            Code::BadOutcomes,
                            format!(
                                "each outcome in `outcomes` must be an id like `A1.2`, not {}",
                                frontmatter::describe(item)
                            ),
                        )
                        .at(source, key.clone())
                        .with_help(nested_list_help(item)),
                    ),
                }
            }
            ids
        }
        other => {
            diagnostics.push(
                Diagnostic::new(Code::BadOutcomes, format!("`outcomes` must be a list of outcome ids or a comma-separated string, not {}", frontmatter::describe(other)))
                    .at(source, key.clone())
                    .with_help("write e.g. `outcomes: [A1.2, B5.1]`"),
            );
            Vec::new()
        }
    };
    let mut search_from = key.end - matter_start;
    let mut seen: Vec<NodeId> = Vec::new();
    for id in ids {
        let node = framework.find(&id);
        // Finding an id in the text costs a search: only for tags and listed problems.
        let wanted = match node {
            Some(node) if seen.contains(&node) => limit.admit(Code::DuplicateTag),
            Some(_) => true,
            None => limit.admit(Code::UnknownOutcome),
        };
        if !wanted {
            continue;
        }
        let found = frontmatter::locate_token(matter_text, search_from, &id);
        let range = found.map_or_else(
            || key.clone(),
            |o| matter_start + o..matter_start + o + id.len(),
        );
        if let Some(o) = found {
            search_from = o + id.len();
        }
        let Some(node) = node else {
            diagnostics.push(unknown_outcome(&id, framework).at(source, range));
            continue;
        };
        if seen.contains(&node) {
            diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateTag,
                    format!("`{id}` is listed more than once in `outcomes`"),
                )
                .at(source, range)
                .with_help("each file counts once towards an outcome; remove the repeat"),
            );
            continue;
        }
        seen.push(node);
        let (line, column) = source.line_col(range.start);
        evidence.tags.push(Tag {
            node,
            source: TagSource::FrontMatter,
            line,
            column,
            inline_index: None,
            passage: None,
        });
        if framework.node(node).needs_every_child() {
            diagnostics.push(outcome_not_indicator(node, framework).at(source, range));
        }
    }
}

fn nested_list_help(item: &Value) -> String {
    match item {
        Value::Array(_) => "write the ids in one flat list, e.g. `outcomes: [A1.1, A1.2]`; `[[A1.1]]` is for tags inside the text".to_string(),
        _ => "write e.g. `outcomes: [A1.2, B5.1]`".to_string(),
    }
}

pub(crate) fn unknown_outcome(id: &str, framework: &Framework) -> Diagnostic {
    let mut d = Diagnostic::new(
        Code::UnknownOutcome,
        if framework.sections.len() > 1 {
            format!("unknown outcome `{id}` in frameworks {}", framework.ids())
        } else {
            format!("unknown outcome `{id}` in framework {}", framework.id)
        },
    );
    d = match framework.suggest(id) {
        Some(best) => d.with_help(format!("did you mean `{best}`? `senco outcomes` lists every id")),
        None => d.with_help("`senco outcomes` lists every id; `senco outcomes --search WORDS` finds one by its wording"),
    };
    d
}

/// The hint for a tag on an outcome that has indicators. Every such tag gets one here,
/// positioned with its source line; [`crate::check::coverage::keep_first_parent_tag_hints`] then
/// keeps only the first per outcome across the portfolio.
pub(crate) fn outcome_not_indicator(node: NodeId, framework: &Framework) -> Diagnostic {
    let outcome = framework.node(node);
    let children: Vec<&str> = outcome
        .children
        .iter()
        .map(|&c| framework.node(c).id.as_str())
        .collect();
    let choices = match children.as_slice() {
        [first, .., last] if children.len() > 3 => format!("`{first}` to `{last}`"),
        _ => children
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", "),
    };
    Diagnostic::new(
        Code::OutcomeNotIndicator,
        format!(
            "`{}` is an outcome with indicators: this tag covers none of them",
            outcome.id
        ),
    )
    .with_help(format!("tag the indicators this evidence shows instead, from {choices}; `senco outcomes` shows their wording"))
}

/// Text of a scalar value, as written (numbers included: `5.2` may be an alias).
pub(crate) fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn parse_date(text: &str) -> Result<jiff::civil::Date, ()> {
    let t = text.trim();
    let shape = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !shape {
        return Err(());
    }
    t.parse::<jiff::civil::Date>().map_err(|_| ())
}

/// The warning for text the built page flattens; see [`markdown::Nesting`].
fn too_deep() -> Diagnostic {
    Diagnostic::new(
        Code::TooDeep,
        format!(
            "quotations, lists or HTML elements nest more than {} levels deep here",
            markdown::MAX_DEPTH
        ),
    )
    .with_help("the built page shows what lies deeper without its nesting; was something pasted by mistake?")
}

/// An outcome page quotes at most this many passages from one file; further tags of the
/// same outcome in that file are badges on its page and nothing more.
const MAX_QUOTED_TAGS: usize = 50;

/// Titles longer than this are cut: they are repeated on every page of the site.
const MAX_TITLE_BYTES: usize = 300;

/// Passages longer than this are cut: an assessor needs the context, not a whole chapter,
/// and a pasted 10 MB paragraph must not be copied into every outcome page.
const MAX_PASSAGE_BYTES: usize = 4000;

fn cap(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let end = crate::error::diagnostic::floor_char_boundary(text, max);
    format!("{}…", &text[..end])
}

fn title_from_path(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let stem = name.rsplit_once('.').map_or(name, |(s, _)| s);
    stem.replace(['-', '_'], " ").trim().to_string()
}

/// What walking a body found besides the record itself.
struct Scanned {
    /// The first level-one heading: a fallback title.
    first_heading: Option<String>,
    /// Whether the body shows anything but headings: text, an image, a table, a link.
    has_text: bool,
}

/// Walks the Markdown body as Obsidian reads it ([`obsidian::events`]): inline tags with
/// the blocks they sit in, links to other notes and files, headings with their ids, block
/// ids and the word count.
fn scan_body(
    source: &SourceText<'_>,
    body: Range<usize>,
    evidence: &mut Evidence,
    diagnostics: &mut Vec<Diagnostic>,
    limit: &mut PerFile,
    framework: &Framework,
    for_pages: bool,
) -> Scanned {
    let text = &source.text()[body.clone()];
    let base = body.start;
    let mut blocks: Vec<Range<usize>> = Vec::new();
    let mut quote_depth = 0usize;
    let mut in_code = false;
    let mut in_references = false;
    // The heading being read: its level, its text so far and the id written for it.
    let mut heading: Option<(HeadingLevel, String, Option<String>)> = None;
    let mut first_heading: Option<String> = None;
    let mut in_tag_link = false;
    let mut inline_count = 0usize;
    // Each outcome tagged inline: the line of its first tag and how many tags it has.
    let mut inline_seen: Vec<(NodeId, usize, usize)> = Vec::new();
    let mut words = 0usize;
    // Words of a level 1-2 heading wait until it ends: the heading itself belongs to the
    // section it opens, which may be the References.
    let mut heading_words = 0usize;
    let mut in_footnote = false;
    // Whether nesting too deep has been warned of: once per file.
    let mut warned_too_deep = false;
    // Raw HTML as the page keeps it: HTML nested too deep is shown as text there, and
    // parsing it here would take as long as the sanitiser once took on it (hours).
    let mut raw_html = String::new();
    // Where each piece of `raw_html` starts in it, and its line in the file.
    let mut html_lines: Vec<(usize, usize)> = Vec::new();
    // What the page will leave out to stay within its depth: what the check warns of.
    let mut page_nesting = markdown::Nesting::default();
    let mut has_text = false;
    // Whether the paragraph front-matter tags quote has been met (and, for pages, kept).
    let mut opened = false;
    let link_ref = |kind: LinkKind, dest: &str, at: usize| {
        let (line, column) = source.line_col(base + at);
        LinkRef {
            kind,
            dest: dest.to_string(),
            line,
            column,
            id_shaped: false,
            unless_named: None,
        }
    };
    for (item, range) in obsidian::events(text) {
        let event = match item {
            obsidian::Item::Markdown(event) => event,
            obsidian::Item::CalloutStart(callout) => {
                has_text = true;
                let quote = Event::Start(MdTag::BlockQuote(None));
                if page_nesting.step(&quote) != markdown::Step::Keep && !warned_too_deep {
                    warned_too_deep = true;
                    diagnostics.push(too_deep().at(source, base + range.start..base + range.start));
                }
                // A callout is the trainee's own writing, set apart: its words count.
                if quote_depth == 0 && !in_references {
                    words += markdown::count_words(&callout.title);
                }
                continue;
            }
            obsidian::Item::CalloutEnd(_) => {
                let end = Event::End(TagEnd::BlockQuote(None));
                page_nesting.step(&end);
                continue;
            }
            obsidian::Item::Tag(_) => {
                has_text = true;
                if heading.is_none() && !in_code && quote_depth == 0 && !in_references {
                    words += 1;
                }
                continue;
            }
            obsidian::Item::BlockId(id) => {
                evidence.blocks.push(id);
                continue;
            }
            obsidian::Item::Embed(embed) => {
                has_text = true;
                evidence
                    .link_refs
                    .push(link_ref(LinkKind::Embed, &embed.target, range.start));
                continue;
            }
            obsidian::Item::UnclosedLink => {
                if limit.admit(Code::UnclosedLink) {
                    let at = base + range.start;
                    diagnostics.push(
                        Diagnostic::new(Code::UnclosedLink, "`[[` is never closed with `]]`")
                            .at(source, at..at + 2)
                            .with_help("close the link or tag with `]]` on the same line, e.g. `[[A1.2]]`; to show the brackets themselves write `\\[\\[`"),
                    );
                }
                continue;
            }
            obsidian::Item::HighlightStart | obsidian::Item::HighlightEnd => continue,
        };
        let kept = page_nesting.step(&event) == markdown::Step::Keep;
        if !kept && !warned_too_deep {
            warned_too_deep = true;
            diagnostics.push(too_deep().at(source, base + range.start..base + range.start));
        }
        match &event {
            Event::Text(_)
            | Event::Code(_)
            | Event::InlineMath(_)
            | Event::DisplayMath(_)
            | Event::FootnoteReference(_)
            | Event::Rule
            | Event::Start(MdTag::Image { .. } | MdTag::Table(_) | MdTag::Link { .. })
                if heading.is_none() =>
            {
                has_text = true;
            }
            _ => {}
        }
        match event {
            // Front-matter tags quote the first paragraph that stands on its own: not one
            // inside a list, quotation or footnote.
            Event::Start(MdTag::Paragraph)
                if !opened && blocks.is_empty() && quote_depth == 0 && !in_footnote =>
            {
                opened = true;
                if for_pages {
                    evidence.opening = Some(cap(text[range.clone()].trim(), MAX_PASSAGE_BYTES));
                }
                blocks.push(range);
            }
            Event::Start(MdTag::FootnoteDefinition(_)) => in_footnote = true,
            Event::End(TagEnd::FootnoteDefinition) => in_footnote = false,
            Event::Start(MdTag::Paragraph | MdTag::Item | MdTag::TableRow | MdTag::TableHead) => {
                blocks.push(range)
            }
            Event::Start(MdTag::Heading { level, id, .. }) => {
                blocks.push(range);
                heading = Some((level, String::new(), id.map(|i| i.to_string())));
            }
            Event::End(TagEnd::Paragraph | TagEnd::Item | TagEnd::TableRow | TagEnd::TableHead) => {
                blocks.pop();
            }
            Event::End(TagEnd::Heading(_)) => {
                blocks.pop();
                if let Some((level, heading_text, explicit)) = heading.take() {
                    // Its id slugs the text, which ignores the spaces around it.
                    evidence.headings.push(Heading {
                        text: heading_text.trim().to_string(),
                        written_id: explicit,
                    });
                    if level <= HeadingLevel::H2 {
                        in_references = markdown::is_references_heading(&heading_text);
                        if !in_references {
                            words += heading_words;
                        }
                        heading_words = 0;
                    }
                    if level == HeadingLevel::H1 && first_heading.is_none() {
                        first_heading = Some(cap(heading_text.trim(), MAX_TITLE_BYTES));
                    }
                }
            }
            Event::Start(MdTag::BlockQuote(_)) => quote_depth += 1,
            Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
            Event::Start(MdTag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Start(MdTag::Link {
                link_type: LinkType::WikiLink { has_pothole },
                dest_url,
                ..
            }) => {
                let target = dest_url.trim();
                let at = base + range.start;
                let span = at..base + range.end;
                if let Some(node) = framework.find(target) {
                    let index = inline_count;
                    inline_count += 1;
                    in_tag_link = !has_pothole;
                    let seen = inline_seen.iter_mut().find(|(n, _, _)| *n == node);
                    if let Some((_, first_line, count)) = seen {
                        *count += 1;
                        if limit.admit(Code::DuplicateTag) {
                            diagnostics.push(
                                Diagnostic::new(Code::DuplicateTag, format!("`{target}` is already tagged at line {first_line} of this file"))
                                    .at(source, span.clone())
                                    .with_help("each file counts once towards an outcome; a second tag only marks another passage"),
                            );
                        }
                        if *count > MAX_QUOTED_TAGS {
                            continue;
                        }
                    } else {
                        inline_seen.push((node, source.line_of(at), 1));
                    }
                    let (line, column) = source.line_col(at);
                    evidence.tags.push(Tag {
                        node,
                        source: TagSource::Inline,
                        line,
                        column,
                        inline_index: Some(index),
                        passage: blocks
                            .last()
                            .filter(|_| for_pages)
                            .map(|b| cap(text[b.clone()].trim(), MAX_PASSAGE_BYTES)),
                    });
                    let id = &framework.node(node).id;
                    if !id.eq_ignore_ascii_case(target) && limit.admit(Code::TagByAlias) {
                        diagnostics.push(
                            Diagnostic::new(
                                Code::TagByAlias,
                                format!("`[[{target}]]` is taken as a tag of outcome {id}, which the framework also calls `{target}`"),
                            )
                            .at(source, span.clone())
                            .with_help(format!("write `[[{id}]]` to say so plainly; to link to a note of this name, rename the note")),
                        );
                    }
                    if framework.node(node).needs_every_child()
                        && limit.admit(Code::OutcomeNotIndicator)
                    {
                        diagnostics.push(outcome_not_indicator(node, framework).at(source, span));
                    }
                } else {
                    // A note's name, or a mistyped outcome id when no note has it: known
                    // only once every file is read ([`links::resolve_all`]).
                    let mut link = link_ref(LinkKind::Wiki, target, range.start);
                    if looks_like_id(target) {
                        in_tag_link = !has_pothole;
                        link.id_shaped = true;
                        // Made now, while the source is at hand for its excerpt; reported
                        // only if no note has the name.
                        if limit.admit(Code::UnknownOutcome) {
                            link.unless_named = Some(Box::new(
                                unknown_outcome(target, framework).at(source, span),
                            ));
                        }
                    }
                    evidence.link_refs.push(link);
                }
            }
            // An address (`<x@y.org>`), written as a `mailto:` link: not a file.
            Event::Start(MdTag::Link {
                link_type: LinkType::Email,
                ..
            }) => {}
            Event::Start(MdTag::Link { dest_url, .. }) => {
                evidence
                    .link_refs
                    .push(link_ref(LinkKind::Link, &dest_url, range.start))
            }
            Event::Start(MdTag::Image { dest_url, .. }) => {
                evidence
                    .link_refs
                    .push(link_ref(LinkKind::Image, &dest_url, range.start))
            }
            Event::Html(html) | Event::InlineHtml(html) if kept => {
                html_lines.push((raw_html.len(), source.line_of(base + range.start)));
                raw_html.push_str(&html);
            }
            Event::End(TagEnd::Link) => in_tag_link = false,
            Event::Text(t) => {
                if let Some((_, heading_text, _)) = heading.as_mut() {
                    heading_text.push_str(&t);
                }
                let top_heading = heading
                    .as_ref()
                    .is_some_and(|(l, _, _)| *l <= HeadingLevel::H2);
                if top_heading && !in_tag_link && quote_depth == 0 {
                    heading_words += markdown::count_words(&t);
                } else if !in_tag_link && !in_code && quote_depth == 0 && !in_references {
                    words += markdown::count_words(&t);
                }
            }
            Event::Code(t) => {
                if let Some((_, heading_text, _)) = heading.as_mut() {
                    heading_text.push_str(&t);
                }
            }
            _ => {}
        }
    }
    evidence.words = words;
    if !raw_html.is_empty() {
        // The line of the piece of HTML a value is written in (the first, when the
        // parser decoded it into something the text does not hold).
        let line_of = |value: &str| {
            let at = raw_html.find(value).unwrap_or(0);
            let piece = html_lines.partition_point(|&(start, _)| start <= at);
            html_lines
                .get(piece.saturating_sub(1))
                .map_or(0, |&(_, line)| line)
        };
        for (dest, image) in links::html_urls(&raw_html) {
            let line = line_of(&dest);
            // A raw `<img src>` off the machine is warned of as `![](…)` is; the page
            // keeps its alt text only.
            if image && links::is_remote(&dest) {
                evidence.link_refs.push(LinkRef {
                    kind: LinkKind::Image,
                    dest: dest.clone(),
                    line,
                    column: 0,
                    id_shaped: false,
                    unless_named: None,
                });
            }
            evidence.link_refs.push(LinkRef {
                kind: LinkKind::Html,
                dest,
                line,
                column: 0,
                id_shaped: false,
                unless_named: None,
            });
        }
    }
    Scanned {
        first_heading: first_heading.filter(|h| !h.is_empty()),
        has_text,
    }
}
