//! Notes and files by the names Obsidian links them by: what `[[Note]]`, `[[Note#Heading]]`,
//! `![[image.png]]` and `[text](path)` point at in a portfolio, and what a vault's own
//! settings (`.obsidian/app.json`) say about line breaks and attachments.
//!
//! Obsidian's rules, as its help describes them: a link names a note by its file name
//! (without `.md`), by one of its `aliases:`, or by a path; names are matched ignoring
//! case, anywhere in the vault; a name more than one note has goes to the one in the
//! linking note's folder, else the one with the shortest path (and the link is reported
//! as ambiguous). A file that is not a note is found by its file name anywhere in the
//! vault, or by a path from the linking note's folder or from the vault's root.

use crate::check::evidence::{Evidence, LinkKind, WikiLink};
use crate::error::diagnostic::{Diagnostic, PerFile};
use crate::model::framework::Framework;
use crate::model::portfolio::LineBreaks;
use std::collections::HashMap;
use std::path::Path;

/// What Obsidian's settings (or `portfolio.toml`) say about how notes are shown.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Whether the portfolio is an Obsidian vault (it has `.obsidian/`).
    pub is_vault: bool,
    /// Whether a single line break shows as one (Obsidian's default, unless its
    /// "strict line breaks" is on); CommonMark joins the lines.
    pub hard_breaks: bool,
    /// Where new attachments go (`attachmentFolderPath`), `/`-separated, relative to the
    /// vault (`./x` is relative to each note and kept as written).
    pub attachment_folder: Option<String>,
    /// How new links are written (`newLinkFormat`: `shortest`, `relative`, `absolute`).
    pub link_format: Option<String>,
}

/// `.obsidian/app.json` is settings, kilobytes; a larger one is not read.
const MAX_SETTINGS_BYTES: u64 = 1 << 20;

impl Settings {
    /// Reads `.obsidian/app.json` in `root` when the portfolio is a vault; `line_breaks`
    /// from `portfolio.toml` wins when given.
    pub fn load(root: &Path, line_breaks: Option<LineBreaks>) -> Settings {
        let dir = root.join(".obsidian");
        let mut settings = Settings {
            is_vault: dir.is_dir(),
            ..Settings::default()
        };
        if settings.is_vault {
            settings.hard_breaks = true;
            let app = read_capped(&dir.join("app.json"))
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok());
            if let Some(app) = app {
                if let Some(strict) = app.get("strictLineBreaks").and_then(|v| v.as_bool()) {
                    settings.hard_breaks = !strict;
                }
                settings.attachment_folder = app
                    .get("attachmentFolderPath")
                    .and_then(|v| v.as_str())
                    .map(|s| s.trim_matches('/').to_string())
                    .filter(|s| !s.is_empty() && s != ".");
                settings.link_format = app
                    .get("newLinkFormat")
                    .and_then(|v| v.as_str())
                    .map(str::to_string);
            }
        }
        match line_breaks {
            Some(LineBreaks::Obsidian) => settings.hard_breaks = true,
            Some(LineBreaks::Commonmark) => settings.hard_breaks = false,
            None => {}
        }
        settings
    }
}

fn read_capped(path: &Path) -> Option<String> {
    use std::io::Read;
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(MAX_SETTINGS_BYTES)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// What a link points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An evidence file (by its index in the check's evidence), and the id on its page
    /// the link's `#heading` or `#^block` names.
    Note {
        index: usize,
        anchor: Option<String>,
    },
    /// A file that is not evidence, relative to the portfolio.
    File(String),
}

/// Why a link does not resolve, or resolves only by a guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Nothing of that name or path.
    Missing,
    /// The note exists, but not the heading or block the link names; the link goes to
    /// the note.
    MissingAnchor { index: usize, anchor: String },
}

/// How sure a resolution is: more than one note has the name, and the link went to the
/// first of `candidates` (the paths, best first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub target: Target,
    pub ambiguous: Vec<String>,
}

/// Every note and file of a portfolio, by the names links use.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub settings: Settings,
    /// Evidence paths, by index.
    notes: Vec<String>,
    /// Lower-cased note names (file stem, alias, title) to note indexes.
    by_name: HashMap<String, Vec<usize>>,
    /// Lower-cased note paths without extension to note indexes.
    by_path: HashMap<String, usize>,
    /// Heading ids of each note, by lower-cased heading text; block ids.
    headings: Vec<HashMap<String, String>>,
    blocks: Vec<Vec<String>>,
    /// Lower-cased file names of attachments to their paths; lower-cased paths to paths.
    files_by_name: HashMap<String, Vec<String>>,
    files_by_path: HashMap<String, String>,
}

impl Index {
    /// `evidence` sorted by path (as the check keeps it); `files` the other files of the
    /// portfolio, relative and `/`-separated.
    pub fn new(settings: Settings, evidence: &[Evidence], files: &[String]) -> Index {
        let mut index = Index {
            settings,
            ..Index::default()
        };
        for (i, e) in evidence.iter().enumerate() {
            index.notes.push(e.path.clone());
            let without_ext = strip_note_ext(&e.path).to_lowercase();
            let stem = without_ext
                .rsplit('/')
                .next()
                .unwrap_or(&without_ext)
                .to_string();
            let mut names = vec![stem, e.title.to_lowercase()];
            names.extend(e.aliases.iter().map(|a| a.to_lowercase()));
            names.sort();
            names.dedup();
            for name in names.into_iter().filter(|n| !n.is_empty()) {
                index.by_name.entry(name).or_default().push(i);
            }
            index.by_path.insert(without_ext, i);
            index.headings.push(
                e.headings
                    .iter()
                    .map(|h| (anchor_key(&h.text), h.id.clone()))
                    .rev()
                    .collect(),
            );
            index.blocks.push(e.blocks.clone());
        }
        for list in index.by_name.values_mut() {
            list.sort_by_key(|&i| (index.notes[i].matches('/').count(), index.notes[i].len(), i));
        }
        for f in files {
            let name = f.rsplit('/').next().unwrap_or(f).to_lowercase();
            index.files_by_name.entry(name).or_default().push(f.clone());
            index.files_by_path.insert(f.to_lowercase(), f.clone());
        }
        for list in index.files_by_name.values_mut() {
            list.sort_by_key(|p| (p.matches('/').count(), p.len(), p.clone()));
        }
        index
    }

    pub fn note_path(&self, index: usize) -> &str {
        &self.notes[index]
    }

    /// The index of the note at `path`.
    pub fn index_of(&self, path: &str) -> Option<usize> {
        self.notes.binary_search_by(|n| n.as_str().cmp(path)).ok()
    }

    /// Every name a note may be linked by, for suggestions.
    pub fn note_names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// The headings of a note, as their anchors are matched.
    pub fn heading_texts(&self, index: usize) -> impl Iterator<Item = &str> {
        self.headings[index].keys().map(String::as_str)
    }

    /// Whether `name` (as written in `[[name]]`, before any `#`) names a note.
    pub fn names_note(&self, name: &str) -> bool {
        let key = strip_note_ext(name.trim()).to_lowercase();
        self.by_name.contains_key(&key) || self.by_path.contains_key(key.trim_start_matches('/'))
    }

    /// Resolves a wiki link or embed target (`Note`, `Note#Heading`, `#^block`,
    /// `folder/file.png`) written in the note at `from`.
    pub fn resolve_wiki(&self, from: &str, written: &str) -> Result<Resolved, Problem> {
        let written = written.trim();
        let (path, fragment) = match written.split_once('#') {
            Some((p, f)) => (p.trim(), Some(f.trim())),
            None => (written, None),
        };
        let folder = from.rsplit_once('/').map_or("", |(f, _)| f);
        if path.is_empty() {
            let index = self
                .notes
                .binary_search_by(|n| n.as_str().cmp(from))
                .map_err(|_| Problem::Missing)?;
            return self.with_anchor(index, fragment, Vec::new());
        }
        let key = strip_note_ext(path).to_lowercase();
        let key = key.trim_start_matches('/');
        // A path: from the vault's root, or from the linking note's folder.
        if key.contains('/') {
            let relative = join(&folder.to_lowercase(), key);
            let found = self
                .by_path
                .get(key)
                .or_else(|| relative.as_deref().and_then(|r| self.by_path.get(r)))
                .copied()
                .or_else(|| self.path_suffix(key));
            if let Some(index) = found {
                return self.with_anchor(index, fragment, Vec::new());
            }
        } else if let Some(list) = self.by_name.get(key) {
            let best = list
                .iter()
                .copied()
                .find(|&i| self.notes[i].rsplit_once('/').map_or("", |(f, _)| f) == folder)
                .unwrap_or(list[0]);
            let ambiguous = if list.len() > 1 {
                let mut paths: Vec<String> = vec![self.notes[best].clone()];
                paths.extend(
                    list.iter()
                        .filter(|&&i| i != best)
                        .map(|&i| self.notes[i].clone()),
                );
                paths
            } else {
                Vec::new()
            };
            return self.with_anchor(best, fragment, ambiguous);
        }
        self.file(folder, path)
            .map(|f| Resolved {
                target: Target::File(f),
                ambiguous: Vec::new(),
            })
            .ok_or(Problem::Missing)
    }

    /// Resolves a Markdown link's path (percent-decoded, no fragment), relative to the
    /// note at `from`: a note or a file, by path, else (as Obsidian does) by file name
    /// anywhere in the vault.
    pub fn resolve_path(
        &self,
        from: &str,
        path: &str,
        fragment: Option<&str>,
    ) -> Result<Resolved, Problem> {
        let folder = from.rsplit_once('/').map_or("", |(f, _)| f);
        let lower = path.to_lowercase();
        if let Some(joined) = join(&folder.to_lowercase(), &lower) {
            let note_key = strip_note_ext(&joined).to_string();
            if is_note_path(&joined)
                && let Some(&index) = self.by_path.get(&note_key)
            {
                return self.with_anchor(index, fragment, Vec::new());
            }
        }
        if is_note_path(&lower) || !lower.contains('.') {
            let written = match fragment {
                Some(f) => format!("{path}#{f}"),
                None => path.to_string(),
            };
            if let Ok(found) = self.resolve_wiki(from, &written) {
                return Ok(found);
            }
        }
        self.file(folder, path)
            .map(|f| Resolved {
                target: Target::File(f),
                ambiguous: Vec::new(),
            })
            .ok_or(Problem::Missing)
    }

    fn path_suffix(&self, key: &str) -> Option<usize> {
        let suffix = format!("/{key}");
        let mut found: Vec<usize> = self
            .by_path
            .iter()
            .filter(|(p, _)| p.ends_with(&suffix))
            .map(|(_, &i)| i)
            .collect();
        found.sort_by_key(|&i| (self.notes[i].len(), i));
        found.first().copied()
    }

    /// A file that is not a note: by path from the note's folder, from the root, in the
    /// attachment folder, else by name anywhere.
    fn file(&self, folder: &str, path: &str) -> Option<String> {
        let lower = path.trim_start_matches('/').to_lowercase();
        let folder = folder.to_lowercase();
        let folder = folder.as_str();
        let mut tries: Vec<String> = Vec::new();
        if let Some(j) = join(folder, &lower) {
            tries.push(j);
        }
        tries.push(lower.clone());
        if let Some(dir) = &self.settings.attachment_folder {
            let dir = dir.to_lowercase();
            match dir.strip_prefix("./") {
                Some(rel) => tries.extend(join(folder, &format!("{rel}/{lower}"))),
                None => tries.push(format!("{dir}/{lower}")),
            }
        }
        for t in &tries {
            if let Some(found) = self.files_by_path.get(t) {
                return Some(found.clone());
            }
        }
        let name = lower.rsplit('/').next().unwrap_or(&lower);
        let list = self.files_by_name.get(name)?;
        let suffix = format!("/{lower}");
        list.iter()
            .find(|p| p.to_lowercase().ends_with(&suffix) || !lower.contains('/'))
            .cloned()
    }

    fn with_anchor(
        &self,
        index: usize,
        fragment: Option<&str>,
        ambiguous: Vec<String>,
    ) -> Result<Resolved, Problem> {
        let anchor = match fragment.filter(|f| !f.is_empty()) {
            None => None,
            Some(f) => Some(
                self.anchor(index, f)
                    .ok_or_else(|| Problem::MissingAnchor {
                        index,
                        anchor: f.to_string(),
                    })?,
            ),
        };
        Ok(Resolved {
            target: Target::Note { index, anchor },
            ambiguous,
        })
    }

    /// The id on a note's page that `#fragment` names: `^block`, or a heading by its text
    /// (the last of `A#B`, as Obsidian's nested headings are written) or by its id.
    fn anchor(&self, index: usize, fragment: &str) -> Option<String> {
        if let Some(block) = fragment.strip_prefix('^') {
            let block = block.trim();
            return self.blocks[index]
                .iter()
                .find(|b| b.eq_ignore_ascii_case(block))
                .map(|b| format!("^{b}"));
        }
        let last = fragment.rsplit('#').next().unwrap_or(fragment);
        let key = anchor_key(last);
        let headings = &self.headings[index];
        headings.get(&key).cloned().or_else(|| {
            let wanted = crate::check::markdown::slugify(last);
            headings.values().find(|id| **id == wanted).cloned()
        })
    }
}

/// Files of the portfolio that are not evidence, for links by name: every regular file
/// under `root` outside hidden folders, relative and `/`-separated, sorted. Symbolic links
/// are not followed (a linked file is still found by its path when it is linked to).
pub fn list_files(root: &Path) -> Vec<String> {
    /// A vault holds thousands of attachments; past this the listing stops.
    const MAX_FILES: usize = 200_000;
    let mut files: Vec<String> = walkdir::WalkDir::new(root)
        .follow_links(false)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !crate::check::discover::is_hidden(e.file_name()))
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && !crate::check::discover::is_evidence_name(e.path()))
        .take(MAX_FILES)
        .map(|e| crate::check::discover::relative(root, e.path()))
        .collect();
    files.sort();
    files
}

/// The link problems of every evidence file, found with Obsidian's rules: what `check`
/// reports and the built site shows, so the two always agree.
pub fn link_diagnostics(
    index: &Index,
    evidence: &[Evidence],
    root: &Path,
    framework: &Framework,
) -> Vec<Diagnostic> {
    let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let mut out = Vec::new();
    for e in evidence {
        let mut limit = PerFile::default();
        for link in &e.wiki_links {
            if let Some(d) = link_problem(index, e, link, root, &canonical_root, framework)
                && limit.admit(d.code)
            {
                out.push(d.in_file(&e.path).at_line_col(link.line, link.column));
            }
        }
        out.extend(limit.summary(&e.path));
    }
    out
}

fn link_problem(
    index: &Index,
    e: &Evidence,
    link: &WikiLink,
    root: &Path,
    canonical_root: &Path,
    framework: &Framework,
) -> Option<Diagnostic> {
    let written = &link.target;
    let shown = match link.kind {
        LinkKind::Wiki | LinkKind::IdShaped => format!("[[{written}]]"),
        LinkKind::Embed => format!("![[{written}]]"),
        LinkKind::Markdown | LinkKind::Image => written.clone(),
    };
    let resolved = match link.kind {
        LinkKind::IdShaped => {
            let name = written.split('#').next().unwrap_or(written);
            if !index.names_note(name) {
                return Some(crate::check::evidence::unknown_outcome(written, framework));
            }
            index.resolve_wiki(&e.path, written)
        }
        LinkKind::Wiki | LinkKind::Embed => index.resolve_wiki(&e.path, written),
        LinkKind::Markdown | LinkKind::Image => {
            let dest = written.trim();
            if dest.starts_with('#') {
                return None;
            }
            let (path, fragment) = match dest.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (dest, None),
            };
            let path = crate::util::percent::decode(path.split('?').next().unwrap_or(path));
            if path.starts_with('/')
                || path.contains('\\')
                || join(e.path.rsplit_once('/').map_or("", |(f, _)| f), &path).is_none()
            {
                return Some(
                    Diagnostic::warning(
                        "link-outside-portfolio",
                        format!("link to `{dest}` leaves the portfolio folder; it was not followed or copied"),
                    )
                    .with_help("copy the file into the portfolio (e.g. beside this evidence) and link to the copy"),
                );
            }
            let percent_decoded = decoded_fragment(fragment);
            index.resolve_path(&e.path, &path, percent_decoded.as_deref())
        }
    };
    match resolved {
        Ok(Resolved {
            target: Target::File(f),
            ..
        }) => {
            let escapes = std::fs::canonicalize(root.join(&f))
                .is_ok_and(|real| !real.starts_with(canonical_root));
            escapes.then(|| {
                Diagnostic::warning(
                    "link-outside-portfolio",
                    format!("`{shown}` is a link that points outside the portfolio folder; it was not followed or copied"),
                )
                .with_help("copy the file into the portfolio instead of linking to it")
            })
        }
        Ok(Resolved { ambiguous, .. }) if ambiguous.len() > 1 => Some(
            Diagnostic::hint(
                "ambiguous-link",
                format!(
                    "`{shown}` could be any of {} notes; it goes to `{}`",
                    ambiguous.len(),
                    ambiguous[0]
                ),
            )
            .with_help(format!(
                "write the path to choose one, e.g. `[[{}]]`",
                strip_note_ext(&ambiguous[1])
            )),
        ),
        Ok(_) => None,
        Err(Problem::MissingAnchor { index: i, anchor }) => {
            let note = index.note_path(i);
            let (what, help) = if anchor.starts_with('^') {
                (
                    format!("`{note}` has no block `{anchor}`"),
                    "the link goes to the top of the note; name a block by ending its last line with ` ^id`".to_string(),
                )
            } else {
                let mut help =
                    "the link goes to the top of the note; write the heading as it is in the note"
                        .to_string();
                if let Some(best) = crate::util::suggest::closest(&anchor, index.heading_texts(i)) {
                    help = format!("did you mean `#{best}`? {help}");
                }
                (format!("`{note}` has no heading `{anchor}`"), help)
            };
            Some(Diagnostic::warning("broken-anchor", format!("`{shown}`: {what}")).with_help(help))
        }
        Err(Problem::Missing) => {
            let (message, help) = match link.kind {
                LinkKind::Embed | LinkKind::Image if !looks_like_note(written) => (
                    format!("`{shown}` names no file in this portfolio"),
                    "put the file in the portfolio (any folder: it is found by its name) or correct the name".to_string(),
                ),
                LinkKind::Markdown | LinkKind::Image => (
                    format!("`{shown}` does not exist in the portfolio"),
                    "check the file name and folder; paths are relative to this evidence file".to_string(),
                ),
                _ => {
                    let name = written.split('#').next().unwrap_or(written);
                    let mut help = "a note is found by its file name without `.md`, or a name in its `aliases:`, in any folder".to_string();
                    if let Some(best) = crate::util::suggest::closest(name, index.note_names()) {
                        help = format!("did you mean `[[{best}]]`? {help}");
                    }
                    (format!("`{shown}` names no note or file in this portfolio"), help)
                }
            };
            Some(Diagnostic::warning("broken-link", message).with_help(help))
        }
    }
}

fn decoded_fragment(fragment: Option<&str>) -> Option<String> {
    fragment.map(crate::util::percent::decode)
}

fn looks_like_note(target: &str) -> bool {
    let path = target.split('#').next().unwrap_or(target);
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.')
        .is_none_or(|(_, ext)| ext.eq_ignore_ascii_case("md"))
}

/// What a heading is matched by: its words, lower-cased, punctuation aside.
fn anchor_key(text: &str) -> String {
    crate::check::markdown::slugify(text)
}

fn strip_note_ext(path: &str) -> &str {
    // Bytes, not a slice of the text: the cut may fall inside a character (`…è.md`).
    let lower_ends = |ext: &str| {
        path.len() > ext.len()
            && path.as_bytes()[path.len() - ext.len()..].eq_ignore_ascii_case(ext.as_bytes())
    };
    if lower_ends(".md") {
        &path[..path.len() - 3]
    } else if lower_ends(".markdown") {
        &path[..path.len() - 9]
    } else {
        path
    }
}

fn is_note_path(path: &str) -> bool {
    strip_note_ext(path).len() != path.len()
}

/// `link` from `folder`, `.` and `..` resolved; `None` if it climbs out.
fn join(folder: &str, link: &str) -> Option<String> {
    let mut parts: Vec<&str> = folder.split('/').filter(|s| !s.is_empty()).collect();
    for segment in link.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::evidence::Heading;

    fn note(path: &str, aliases: &[&str], headings: &[(&str, &str)], blocks: &[&str]) -> Evidence {
        let mut e = crate::check::evidence::parse_bytes(
            b"text",
            path,
            &crate::model::framework::Framework::builtin("nasenco-2014").unwrap(),
        )
        .0;
        e.aliases = aliases.iter().map(|a| a.to_string()).collect();
        e.headings = headings
            .iter()
            .map(|(t, id)| Heading {
                text: t.to_string(),
                id: id.to_string(),
            })
            .collect();
        e.blocks = blocks.iter().map(|b| b.to_string()).collect();
        e
    }

    fn index() -> Index {
        let evidence = vec![
            note(
                "A/Meeting notes.md",
                &["Team meeting"],
                &[("Actions", "actions"), ("Tag format", "h-tag-format")],
                &["agreed"],
            ),
            note("B/Meeting notes.md", &[], &[], &[]),
            note(
                "Reflections/Week 1.md",
                &[],
                &[("Next steps", "next-steps")],
                &[],
            ),
        ];
        let files = vec![
            "Attachments/plan.png".to_string(),
            "A/sub/Plan.PNG".to_string(),
        ];
        Index::new(Settings::default(), &evidence, &files)
    }

    fn note_of(r: Result<Resolved, Problem>) -> (usize, Option<String>, usize) {
        match r {
            Ok(Resolved {
                target: Target::Note { index, anchor },
                ambiguous,
            }) => (index, anchor, ambiguous.len()),
            other => panic!("not a note: {other:?}"),
        }
    }

    #[test]
    fn notes_by_name_alias_heading_and_block_ignoring_case() {
        let ix = index();
        let from = "Reflections/Week 1.md";
        assert_eq!(note_of(ix.resolve_wiki(from, "team MEETING")), (0, None, 0));
        assert_eq!(
            note_of(ix.resolve_wiki(from, "Meeting notes#actions"))
                .1
                .as_deref(),
            Some("actions")
        );
        assert_eq!(
            note_of(ix.resolve_wiki(from, "Team meeting#Tag format"))
                .1
                .as_deref(),
            Some("h-tag-format")
        );
        assert_eq!(
            note_of(ix.resolve_wiki(from, "Meeting notes#^agreed"))
                .1
                .as_deref(),
            Some("^agreed")
        );
        assert_eq!(
            note_of(ix.resolve_wiki(from, "#Next steps")),
            (2, Some("next-steps".into()), 0)
        );
        // Two notes of one name: the one in the linking note's folder, else the first.
        assert_eq!(note_of(ix.resolve_wiki("B/x.md", "Meeting notes")).0, 1);
        assert_eq!(note_of(ix.resolve_wiki(from, "Meeting notes")).2, 2);
        assert_eq!(note_of(ix.resolve_wiki(from, "b/meeting notes")).0, 1);
        assert_eq!(
            ix.resolve_wiki(from, "Meeting notes#Nowhere"),
            Err(Problem::MissingAnchor {
                index: 0,
                anchor: "Nowhere".into()
            })
        );
        assert_eq!(ix.resolve_wiki(from, "Nobody"), Err(Problem::Missing));
    }

    #[test]
    fn names_ending_in_a_multibyte_character_are_not_cut_inside_it() {
        assert_eq!(strip_note_ext("Proprietà"), "Proprietà");
        assert_eq!(strip_note_ext("Proprietà.MD"), "Proprietà");
        assert_eq!(strip_note_ext("perché"), "perché");
    }

    #[test]
    fn attachments_in_any_folder_and_markdown_links_to_notes() {
        let ix = index();
        let file = |r: Result<Resolved, Problem>| match r {
            Ok(Resolved {
                target: Target::File(f),
                ..
            }) => f,
            other => panic!("not a file: {other:?}"),
        };
        assert_eq!(
            file(ix.resolve_wiki("Reflections/Week 1.md", "plan.png")),
            "Attachments/plan.png"
        );
        assert_eq!(
            file(ix.resolve_wiki("A/sub/x.md", "plan.png")),
            "A/sub/Plan.PNG"
        );
        assert_eq!(
            note_of(ix.resolve_path(
                "Reflections/Week 1.md",
                "../A/Meeting notes.md",
                Some("Actions")
            ))
            .1
            .as_deref(),
            Some("actions")
        );
        assert_eq!(
            note_of(ix.resolve_path("Reflections/Week 1.md", "Meeting notes", None)).2,
            2
        );
    }
}
