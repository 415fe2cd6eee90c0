//! What every link in evidence points at, decided once, in the check stage, by
//! Obsidian's rules.
//!
//! Parsing records each link as written ([`LinkRef`]: Markdown links and images,
//! `[[name]]` links that are not outcome tags, `![[name]]` embeds, and the `href` and
//! `src` of raw HTML). Once every file is parsed, [`resolve_all`] turns each into a typed
//! [`Target`] stored on its [`Evidence`] and reports the links that lead nowhere, so
//! `senco check` reports every link problem a build would. The renderer only maps
//! targets to URLs (in the site or in the single file); it never resolves a link itself.
//!
//! The rules live in [`Resolver::resolve`]; [`Index`] is what it knows of the portfolio.
//! They are Obsidian's, as its help describes them:
//!
//! - a note is named by its file name without `.md`, by one of its `aliases:`, or by a
//!   path (from the vault's root, from the linking note's folder, or any path's tail);
//!   names are matched ignoring case, anywhere in the vault;
//! - a name more than one note has goes to the one in the linking note's folder, else
//!   the one with the shortest path, and the link is reported as ambiguous;
//! - `#Heading` names a heading of the note (`A#B` for a nested one), `#^id` a block;
//!   a missing one is reported and the link goes to the top of the note;
//! - a file that is not a note is found by its path, in the vault's attachment folder,
//!   or by its name anywhere in the vault; it must pass the one containment rule
//!   ([`crate::util::fs::resolve_inside`]) before it is linked or embedded.
//!
//! A note's title (its `title:` or first heading) also names it, as senco did before it
//! read vaults, when no file name or alias does.

use crate::check::evidence::Evidence;
use crate::error::Code;
use crate::error::diagnostic::{Diagnostic, PerFile};
use crate::model::framework::Framework;
use crate::util::path::{PathError, RelPath};
use crate::util::text::lower_case;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How a link is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkKind {
    /// `[text](dest)` and reference links.
    Link,
    /// `![alt](dest)`.
    Image,
    /// `[[name]]` that is not an outcome tag.
    Wiki,
    /// `![[name]]`: an image, or a note (or its section) shown in place.
    Embed,
    /// `href` or `src` of raw HTML in the evidence. Problems with these are not
    /// reported (the HTML is the trainee's own); a target that leads nowhere is dropped.
    Html,
}

/// One link as written in an evidence file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkRef {
    pub kind: LinkKind,
    /// The destination as written (a URL, or the name of a `[[name]]` link with its
    /// `#heading` and without its `|text`).
    pub dest: String,
    /// 1-based line and column in the file (0 when not known, for raw HTML).
    pub line: usize,
    pub column: usize,
    /// Whether it is a `[[name]]` shaped like an outcome id the framework lacks: an
    /// `unknown-outcome` error unless a note or file has the name.
    pub id_shaped: bool,
    /// That error, with its excerpt; `None` past the file's limit of listed problems
    /// (the parser counted it in the file's summary).
    pub unless_named: Option<Box<Diagnostic>>,
}

/// What a link points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A place on the same page (`#id`).
    Anchor(String),
    /// Another evidence file (or this one), and the id of a place on its page.
    Evidence {
        /// The evidence file.
        path: RelPath,
        /// The id on its page; `None`: the page itself.
        anchor: Option<String>,
    },
    /// A file inside the portfolio that is not evidence, copied beside the site.
    Attachment(RelPath),
    /// A web or mail address (http, https, mailto), kept for the assessor to follow.
    External(String),
    /// Not followed: the link is written as its text only, an image is left empty.
    Broken(Broken),
}

/// Why a link is not followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    /// No destination at all.
    Empty,
    /// A scheme other than http, https and mailto (`javascript:`, `file:`, `data:`…).
    Scheme,
    /// The path climbs out of the portfolio folder, or is absolute.
    Outside,
    /// The path is inside the portfolio folder, but a symlink on it leads out.
    Escapes,
    /// Nothing at that path in the portfolio (or a hidden file, or a folder).
    Missing,
    /// A `[[name]]` that names no note or file.
    UnknownName,
    /// A commentary file ([`crate::check::commentary`]): shown on its outcome's page,
    /// never a link's target.
    Commentary,
}

/// A link that leads somewhere, but not surely where it was meant to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doubt {
    /// More than one note has the name: the link goes to the first of these.
    Ambiguous(Vec<RelPath>),
    /// The note has no heading or block the `#fragment` names: the link goes to its top.
    MissingAnchor(String),
}

/// A link's target, and any doubt about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// What the link points at.
    pub target: Target,
    /// Why it may not be what the writer meant (several notes share the name…).
    pub doubt: Option<Doubt>,
}

impl From<Target> for Resolution {
    fn from(target: Target) -> Self {
        Resolution {
            target,
            doubt: None,
        }
    }
}

/// The resolved links of one evidence file, by how they are written.
pub type Links = BTreeMap<(LinkKind, String), Target>;

/// The most files of a portfolio listed for links by name: a vault holds thousands of
/// attachments; past this the listing stops (links by path still work).
const MAX_LISTED_FILES: usize = 200_000;

/// What the resolver knows of the portfolio: its root, its evidence files (whose
/// headings and blocks it reads in place), the vault's attachment folder, and (read the
/// first time a link needs it) its other files by name.
pub(crate) struct Index<'a> {
    canonical_root: PathBuf,
    /// `attachmentFolderPath` of an Obsidian vault, `/`-separated (`./x`: beside each note).
    attachment_folder: Option<String>,
    /// Each note's path, borrowed from its record.
    by_path: FxHashMap<Cow<'a, str>, usize>,
    /// Lower-cased paths without their note extension, and every tail of them
    /// (`a/b/c`, `b/c`, `c`: the last is the file name), to the notes that end so,
    /// shortest path first.
    /// Most tails are one note's: such a list is kept in place, not on the heap.
    by_tail: FxHashMap<Cow<'a, str>, Notes>,
    /// Lower-cased aliases, to their notes.
    by_alias: FxHashMap<String, Vec<usize>>,
    /// Lower-cased titles and paths inside the one evidence folder, the names senco
    /// used before it read vaults.
    by_title: FxHashMap<Cow<'a, str>, usize>,
    /// By evidence index; `None` for a path that is not a [`RelPath`] (discovery, which
    /// walks inside the portfolio, gives none).
    paths: Vec<Option<RelPath>>,
    evidence: &'a [Evidence],
    files: OnceLock<Files>,
    /// Every name a note is found by, ready for "did you mean" (made at the first
    /// broken link).
    note_names: OnceLock<crate::util::suggest::Suggester<String>>,
    /// By evidence index: the slugs and page ids of the note's headings, made the first
    /// time a link names one of them ([`crate::check::evidence::heading_keys`]). Slugging
    /// every heading of the target again for each such link was an eighth of a warm check
    /// of a vault of many links (obsidian-help).
    heading_keys: Vec<OnceLock<crate::check::evidence::HeadingKeys>>,
    /// What [`Index::attachment`] found of each path asked about: every link to an image
    /// had followed the path on disk again (the containment rule's `realpath` and a
    /// `stat`), two fifths of a warm check of a vault of many images.
    attachments: std::sync::Mutex<FxHashMap<RelPath, Result<(), Broken>>>,
}

/// The notes a key of the index names, best first.
type Notes = smallvec::SmallVec<[usize; 1]>;

/// The portfolio's files (notes and attachments alike), for links by file name.
#[derive(Default)]
struct Files {
    /// Lower-cased file names to paths, shortest first.
    by_name: FxHashMap<String, Vec<String>>,
    /// Lower-cased paths to paths as they are on disk.
    by_lower_path: FxHashMap<String, String>,
}

impl Files {
    /// Lists the files under `root` (not in hidden folders or built sites, symlinks not
    /// followed) in the order of a walk sorted by name: the first [`MAX_LISTED_FILES`].
    /// `parallel` reads folders on rayon's threads; never inside [`Index::files`]'s
    /// `OnceLock`, where a thread waiting for them could take up another link's
    /// resolution and ask the same lock again.
    fn list(root: &Path, parallel: bool) -> Files {
        let listed = AtomicUsize::new(0);
        let mut paths = files_under(root, root, &listed, parallel);
        if parallel && listed.load(Ordering::Relaxed) >= MAX_LISTED_FILES {
            listed.store(0, Ordering::Relaxed);
            paths = files_under(root, root, &listed, false);
        }
        let mut files = Files::default();
        for rel in paths {
            let name = lower_case(rel.rsplit('/').next().unwrap_or(&rel)).into_owned();
            files.by_name.entry(name).or_default().push(rel.clone());
            files
                .by_lower_path
                .insert(lower_case(&rel).into_owned(), rel);
        }
        // Then by name; the key borrows the path.
        fn rank(p: &str) -> ((usize, usize), &str) {
            (shortest_first(p), p)
        }
        for list in files.by_name.values_mut() {
            list.sort_by(|a, b| rank(a).cmp(&rank(b)));
        }
        files
    }
}

/// The paths (from `root`) of the files in `dir` and below, in the order of a walk sorted
/// by name: each folder's entries by name, a folder's files before the entry after it.
/// Hidden entries and built sites are left out; symlinks are not followed; what cannot
/// be read is passed over. `listed` counts the files found so far; past
/// [`MAX_LISTED_FILES`] each folder stops.
///
/// In `parallel`, folders are read at once and their lists joined in that order, so
/// which path wins a clash of names never depends on the threads; but which folders
/// stopped at the cap would, so a portfolio past it is listed again one folder after
/// another ([`Files::list`]).
fn files_under(root: &Path, dir: &Path, listed: &AtomicUsize, parallel: bool) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut entries: Vec<(std::ffi::OsString, std::fs::FileType)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| Some((e.file_name(), e.file_type().ok()?)))
        .filter(|(name, _)| !crate::util::fs::is_hidden(name))
        .collect();
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let list = |(name, kind): (std::ffi::OsString, std::fs::FileType)| {
        if listed.load(Ordering::Relaxed) >= MAX_LISTED_FILES {
            return Vec::new();
        }
        let path = dir.join(name);
        if kind.is_file() {
            listed.fetch_add(1, Ordering::Relaxed);
            vec![crate::check::discover::relative(root, &path)]
        } else if kind.is_dir() && !crate::util::fs::is_built_site(&path) {
            files_under(root, &path, listed, parallel)
        } else {
            Vec::new()
        }
    };
    let lists: Vec<Vec<String>> = if parallel {
        entries.into_par_iter().map(list).collect()
    } else {
        entries.into_iter().map(list).collect()
    };
    lists.concat()
}

/// Obsidian's order for the files a name could mean, shortest path first: fewest
/// folders, then fewest characters.
fn shortest_first(path: &str) -> (usize, usize) {
    (path.matches('/').count(), path.len())
}

/// Whether a link of `e` names a file that is not a note (`![[plan.png]]`): such a link
/// is found among the portfolio's files by name, so [`Index::new`] lists them at once,
/// beside its other work, rather than have the first such link stop a thread to do it.
fn names_a_file(e: &Evidence) -> bool {
    e.link_refs
        .iter()
        .any(|l| matches!(l.kind, LinkKind::Wiki | LinkKind::Embed) && !looks_like_note(&l.dest))
}

impl<'a> Index<'a> {
    pub fn new(
        root: &Path,
        evidence_dirs: &[String],
        attachment_folder: Option<&str>,
        evidence: &'a [Evidence],
    ) -> Index<'a> {
        let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        // Every key a file is found by, made for all files at once (in parallel), then
        // put in the maps: the tails in one, the rest in the others, side by side. One
        // map after another, one note at a time, was a twentieth of a cold check's wall
        // time on 10,000 files, with the other core idle.
        let (keys, files) = rayon::join(
            || {
                evidence
                    .par_iter()
                    .map(|e| note_keys(e, evidence_dirs))
                    .unzip::<_, _, Vec<Vec<Cow<'a, str>>>, Vec<NoteKeys<'a>>>()
            },
            || {
                let wanted = evidence.par_iter().any(names_a_file);
                wanted.then(|| Files::list(&canonical_root, true))
            },
        );
        let (tails, others) = keys;
        let rank = |i: &usize| (shortest_first(&evidence[*i].path), *i);
        let (by_tail, (by_path, paths, by_alias, by_title)) = rayon::join(
            || {
                let mut by_tail: FxHashMap<Cow<'a, str>, Notes> = FxHashMap::default();
                by_tail.reserve(tails.iter().map(Vec::len).sum());
                for (i, tails) in tails.into_iter().enumerate() {
                    for tail in tails {
                        by_tail.entry(tail).or_default().push(i);
                    }
                }
                for list in by_tail.values_mut() {
                    list.sort_by_key(rank);
                }
                by_tail
            },
            || {
                let n = others.len();
                let mut by_path = FxHashMap::default();
                let mut paths = Vec::with_capacity(n);
                let mut by_alias: FxHashMap<String, Vec<usize>> = FxHashMap::default();
                let mut by_title = FxHashMap::default();
                by_path.reserve(n);
                by_title.reserve(2 * n);
                for (i, (keys, e)) in others.into_iter().zip(evidence).enumerate() {
                    if let Some(p) = &keys.path {
                        // Discovery's paths are already normal, so this borrows.
                        let key = if p.as_str() == e.path {
                            Cow::Borrowed(e.path.as_str())
                        } else {
                            Cow::Owned(p.as_str().to_string())
                        };
                        by_path.insert(key, i);
                    }
                    paths.push(keys.path);
                    for alias in keys.aliases {
                        let list = by_alias.entry(alias).or_default();
                        if !list.contains(&i) {
                            list.push(i);
                        }
                    }
                    for key in keys.titles {
                        by_title.entry(key).or_insert(i);
                    }
                }
                for list in by_alias.values_mut() {
                    list.sort_by_key(rank);
                }
                (by_path, paths, by_alias, by_title)
            },
        );
        Index {
            canonical_root,
            attachment_folder: attachment_folder.map(str::to_string),
            by_path,
            by_tail,
            by_alias,
            by_title,
            paths,
            evidence,
            files: files.map_or_else(OnceLock::new, OnceLock::from),
            note_names: OnceLock::new(),
            heading_keys: evidence.iter().map(|_| OnceLock::new()).collect(),
            attachments: Default::default(),
        }
    }

    /// Whether `path` is a regular, visible file that stays inside the portfolio once
    /// symlinks are followed: the one containment rule, [`crate::util::fs::resolve_inside`].
    fn attachment(&self, path: &RelPath) -> Result<(), Broken> {
        use crate::util::fs::{Refusal, resolve_inside};
        if crate::check::discover::in_commentary(path.as_str()) {
            return Err(Broken::Commentary);
        }
        let known = |found: &FxHashMap<RelPath, Result<(), Broken>>| found.get(path).copied();
        if let Some(answer) = self.attachments.lock().ok().as_deref().and_then(known) {
            return answer;
        }
        let answer = match resolve_inside(&self.canonical_root, path.as_str()) {
            Ok(real) if real.is_file() => Ok(()),
            Err(Refusal::Outside) => Err(Broken::Escapes),
            _ => Err(Broken::Missing),
        };
        if let Ok(mut found) = self.attachments.lock() {
            found.insert(path.clone(), answer);
        }
        answer
    }

    /// The note `name` (without its extension) names from the note `from`, and the other
    /// notes it could name, best first.
    fn note(&self, from: &Origin<'_>, name: &str) -> Option<(usize, Vec<usize>)> {
        // Borrowed, not copied, when already lower case: this runs for every link.
        let key = lower_case(name.trim().trim_start_matches('/'));
        if key.is_empty() {
            return None;
        }
        let folder: &str = &from.folder;
        let listed = |k: &str| {
            self.by_tail
                .get(k)
                .map_or(&[][..], |notes| notes.as_slice())
        };
        let (tails, aliased): (&[usize], &[usize]) = if key.contains('/') {
            // A path: from the linking note's folder, else from the root or any tail.
            let relative = join(folder, &key).and_then(|p| self.by_tail.get(p.as_str()));
            match relative.filter(|list| list.iter().any(|&i| self.full_path_is(i, &key, folder))) {
                Some(list) => (list, &[]),
                None => (listed(&key), &[]),
            }
        } else {
            let aliased = self
                .by_alias
                .get(key.as_ref())
                .map_or(&[][..], Vec::as_slice);
            (listed(&key), aliased)
        };
        // The notes by path, then those by alias that are not among them.
        let candidates = tails
            .iter()
            .chain(aliased.iter().filter(|i| !tails.contains(i)))
            .copied();
        let Some(first) = candidates.clone().next() else {
            return Some((*self.by_title.get(key.as_ref())?, Vec::new()));
        };
        let best = candidates
            .clone()
            .find(|&i| {
                self.paths[i]
                    .as_ref()
                    .is_some_and(|p| folder_of(p.as_str()).eq_ignore_ascii_case(folder))
            })
            .unwrap_or(first);
        let others = candidates.filter(|&i| i != best).collect();
        Some((best, others))
    }

    /// Whether note `i`'s path is `key` joined to `folder` (not only ends with it).
    fn full_path_is(&self, i: usize, key: &str, folder: &str) -> bool {
        let Some(path) = &self.paths[i] else {
            return false;
        };
        join(folder, key).is_some_and(|p| lower_case(strip_note_ext(path.as_str())) == p.as_str())
    }

    /// The portfolio's files by name, listed the first time a link needs them (if
    /// [`Index::new`] did not list them already).
    fn files(&self) -> &Files {
        self.files
            .get_or_init(|| Files::list(&self.canonical_root, false))
    }

    /// A file that is not a note, as `[[name]]` or an Obsidian-style Markdown link names
    /// it: by path from the note's folder or the root, in the attachment folder, else by
    /// its name (or path's tail) anywhere.
    fn file(&self, from: &Origin<'_>, name: &str) -> Option<RelPath> {
        let lower = lower_case(name.trim().trim_start_matches('/'));
        if lower.is_empty() {
            return None;
        }
        let folder: &str = &from.folder;
        let mut tries: Vec<String> = Vec::new();
        tries.extend(join(folder, &lower));
        tries.push(lower.to_string());
        if let Some(dir) = &self.attachment_folder {
            let dir = lower_case(dir);
            match dir.strip_prefix("./") {
                Some(beside) => tries.extend(join(folder, &format!("{beside}/{lower}"))),
                None => tries.push(format!("{dir}/{lower}")),
            }
        }
        let files = self.files();
        let found = tries
            .iter()
            .find_map(|t| files.by_lower_path.get(t))
            .or_else(|| {
                let file_name = lower.rsplit('/').next().unwrap_or(&lower);
                let tail = format!("/{lower}");
                files
                    .by_name
                    .get(file_name)?
                    .iter()
                    .find(|p| !lower.contains('/') || lower_case(p).ends_with(&tail))
            })?;
        RelPath::new(found).ok()
    }

    /// The target of note `i`, with the id its `#fragment` names on its page. A fragment
    /// naming no heading or block is in doubt; `keep` keeps it as written (a Markdown
    /// or HTML link may name an id of the note's own raw HTML).
    fn with_anchor(&self, i: usize, fragment: Option<&str>, keep: bool) -> Resolution {
        let Some(path) = self.paths[i].clone() else {
            return Target::Broken(Broken::Missing).into();
        };
        let fragment = fragment.map(str::trim).filter(|f| !f.is_empty());
        let Some(fragment) = fragment else {
            return Target::Evidence { path, anchor: None }.into();
        };
        match self.anchor(i, fragment) {
            Some(id) => Target::Evidence {
                path,
                anchor: Some(id),
            }
            .into(),
            None => Resolution {
                target: Target::Evidence {
                    path,
                    anchor: keep.then(|| fragment.to_string()),
                },
                doubt: Some(Doubt::MissingAnchor(fragment.to_string())),
            },
        }
    }

    /// The id on note `i`'s page that `#fragment` names: `^block`, or a heading by its
    /// text (the last of `A#B`, as nested headings are written), its slug or its id.
    fn anchor(&self, i: usize, fragment: &str) -> Option<String> {
        if let Some(block) = fragment.strip_prefix('^') {
            let block = block.trim();
            return self.evidence[i]
                .blocks
                .iter()
                .find(|b| b.eq_ignore_ascii_case(block))
                .map(|b| block_anchor(b));
        }
        let last = fragment.rsplit('#').next().unwrap_or(fragment).trim();
        let headings = &self.evidence[i].headings;
        let keys =
            || self.heading_keys[i].get_or_init(|| crate::check::evidence::heading_keys(headings));
        let at = headings
            .iter()
            .position(|h| h.text.eq_ignore_ascii_case(last))
            .or_else(|| {
                let wanted = crate::util::text::slug(last);
                keys().slugs.iter().position(|slug| *slug == wanted)
            })
            .or_else(|| keys().ids.iter().position(|id| id == last))?;
        keys().ids.get(at).cloned()
    }

    /// The headings of note `i`, for suggestions.
    fn heading_texts(&self, i: usize) -> impl Iterator<Item = &str> {
        self.evidence[i].headings.iter().map(|h| h.text.as_str())
    }

    /// The note name closest to `name` among every name a note may be linked by, for a
    /// broken link's help.
    fn closest_note_name(&self, name: &str) -> Option<&str> {
        self.note_names
            .get_or_init(|| {
                crate::util::suggest::Suggester::new(
                    self.by_tail
                        .keys()
                        .filter(|k| !k.contains('/'))
                        .map(|k| k.to_string())
                        .chain(self.by_alias.keys().cloned()),
                )
            })
            .closest(name)
            .map(String::as_str)
    }
}

/// What [`Index::new`] files one note under besides the tails of its lower-cased path:
/// its path, its aliases and its names inside the evidence folder and by title.
struct NoteKeys<'a> {
    path: Option<RelPath>,
    aliases: Vec<String>,
    titles: [Cow<'a, str>; 2],
}

/// The tails of `e`'s lower-cased path and its other [`NoteKeys`], apart: the index
/// puts them in its maps on two threads.
fn note_keys<'a>(e: &'a Evidence, evidence_dirs: &[String]) -> (Vec<Cow<'a, str>>, NoteKeys<'a>) {
    let tails = match lower_case(strip_note_ext(&e.path)) {
        Cow::Borrowed(lower) => tails(lower).map(Cow::Borrowed).collect(),
        Cow::Owned(lower) => tails(&lower).map(|t| Cow::Owned(t.to_string())).collect(),
    };
    let others = NoteKeys {
        path: RelPath::new(&e.path).ok(),
        aliases: e
            .aliases
            .iter()
            .map(|a| lower_case(a).into_owned())
            .collect(),
        titles: [
            lower_case(strip_note_ext(inner_path(e, evidence_dirs))),
            lower_case(&e.title),
        ],
    };
    (tails, others)
}

/// `path`, then each shorter path after a `/` in it: `a/b/c`, `b/c`, `c`.
fn tails(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(path), |t| Some(t.split_once('/')?.1))
}

/// The id a block `^id` gets on its page.
pub(crate) fn block_anchor(id: &str) -> String {
    format!("^{id}")
}

/// The keys a `[[name]]` link may find `e` by besides its aliases: its file name and
/// its path without extension (without the evidence folder's name when there is only
/// one), and its title, in lower case.
pub(crate) fn name_keys(e: &Evidence, evidence_dirs: &[String]) -> [String; 3] {
    let name = e.path.rsplit('/').next().unwrap_or(&e.path);
    let stem = |s: &str| lower_case(strip_note_ext(s)).into_owned();
    [
        stem(name),
        stem(inner_path(e, evidence_dirs)),
        lower_case(&e.title).into_owned(),
    ]
}

/// `e`'s path inside the evidence folder when there is only one, else its whole path.
fn inner_path<'e>(e: &'e Evidence, evidence_dirs: &[String]) -> &'e str {
    match evidence_dirs {
        [only] => e
            .path
            .strip_prefix(only.trim_matches('/'))
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(&e.path),
        _ => &e.path,
    }
}

/// What a `[[name]]` link is looked up by: a file name without extension, a path, or a
/// title, in lower case.
pub(crate) fn wiki_key(name: &str) -> String {
    lower_case(strip_note_ext(name.trim())).into_owned()
}

/// Whether a URL points off the machine (`https://…`, `//host/…`): an image there is
/// fetched when a page opens.
pub(crate) fn is_remote(url: &str) -> bool {
    let url = url.trim().to_ascii_lowercase();
    url.starts_with("http:") || url.starts_with("https:") || url.starts_with("//")
}

/// Resolves links against an [`Index`].
pub(crate) struct Resolver<'a> {
    pub index: &'a Index<'a>,
}

/// A file whose links are resolved: its path, and its folder lower-cased once for all its
/// links (lower-casing it again for each link was a tenth of resolving a vault's links).
pub(crate) struct Origin<'p> {
    path: &'p RelPath,
    folder: Cow<'p, str>,
}

impl<'p> Origin<'p> {
    pub(crate) fn of(path: &'p RelPath) -> Origin<'p> {
        Origin {
            path,
            folder: lower_case(folder_of(path.as_str())),
        }
    }
}

impl Resolver<'_> {
    /// What `dest`, written as `kind` in the evidence file `from`, points at.
    #[cfg(test)]
    pub fn resolve(&self, from: &RelPath, kind: LinkKind, dest: &str) -> Resolution {
        self.resolve_from(&Origin::of(from), kind, dest)
    }

    /// What `dest`, written as `kind` in the file `from`, points at.
    pub fn resolve_from(&self, from: &Origin<'_>, kind: LinkKind, dest: &str) -> Resolution {
        if matches!(kind, LinkKind::Wiki | LinkKind::Embed) {
            return self.resolve_name(from, dest);
        }
        let dest = dest.trim();
        if dest.is_empty() {
            return Target::Broken(Broken::Empty).into();
        }
        if let Some(anchor) = dest.strip_prefix('#') {
            // A heading of this page by its text, as Obsidian writes it, else as written.
            let decoded = percent_decode(anchor);
            let own = self
                .index
                .by_path
                .get(from.path.as_str())
                .and_then(|&i| self.index.anchor(i, &decoded));
            return Target::Anchor(own.unwrap_or_else(|| anchor.to_string())).into();
        }
        if let Some(scheme) = scheme(dest) {
            return if matches!(scheme.as_str(), "http" | "https" | "mailto") {
                Target::External(dest.to_string()).into()
            } else {
                Target::Broken(Broken::Scheme).into()
            };
        }
        let path = match from.path.join_link(dest) {
            Ok(path) => path,
            // Empty: the link names the portfolio folder itself.
            Err(
                PathError::Empty
                | PathError::Absolute
                | PathError::Escapes
                | PathError::Forbidden(_),
            ) => return Target::Broken(Broken::Outside).into(),
        };
        let fragment = dest.split_once('#').map(|(_, f)| percent_decode(f));
        if let Some(&i) = self.index.by_path.get(path.as_str()) {
            return self.index.with_anchor(i, fragment.as_deref(), true);
        }
        let why = match self.index.attachment(&path) {
            Ok(()) => return Target::Attachment(path).into(),
            Err(why) => why,
        };
        if matches!(why, Broken::Escapes | Broken::Commentary) {
            return Target::Broken(why).into();
        }
        // Obsidian also finds `[x](Note.md)`, `[x](Note)` and `![x](plan.png)` by the
        // path from the vault's root or by name anywhere, as it finds `[[Note]]`.
        let written = percent_decode(dest.split(['#', '?']).next().unwrap_or(dest));
        let is_note =
            is_note_path(&written) || !written.rsplit('/').next().unwrap_or("").contains('.');
        if is_note && let Some((i, _)) = self.index.note(from, strip_note_ext(&written)) {
            return self.index.with_anchor(i, fragment.as_deref(), true);
        }
        match self.index.file(from, &written) {
            Some(found) => match self.index.attachment(&found) {
                Ok(()) => Target::Attachment(found).into(),
                Err(why) => Target::Broken(why).into(),
            },
            None => Target::Broken(why).into(),
        }
    }

    /// `[[name]]`, `[[name#heading]]`, `[[#heading]]`, `![[file.png]]`.
    fn resolve_name(&self, from: &Origin<'_>, dest: &str) -> Resolution {
        let dest = dest.trim();
        let (name, fragment) = match dest.split_once('#') {
            Some((n, f)) => (n.trim(), Some(f)),
            None => (dest, None),
        };
        if name.is_empty() {
            return match self.index.by_path.get(from.path.as_str()) {
                Some(&i) if fragment.is_some() => self.index.with_anchor(i, fragment, false),
                _ => Target::Broken(Broken::Empty).into(),
            };
        }
        if let Some((best, others)) = self.index.note(from, strip_note_ext(name)) {
            let mut found = self.index.with_anchor(best, fragment, false);
            if !others.is_empty() && found.doubt.is_none() {
                let paths = std::iter::once(best)
                    .chain(others)
                    .filter_map(|i| self.index.paths[i].clone())
                    .collect();
                found.doubt = Some(Doubt::Ambiguous(paths));
            }
            return found;
        }
        if RelPath::new(name).is_err() || name.split('/').any(|s| s == "..") {
            return Target::Broken(Broken::Outside).into();
        }
        match self.index.file(from, name) {
            Some(found) => match self.index.attachment(&found) {
                Ok(()) => Target::Attachment(found).into(),
                Err(why) => Target::Broken(why).into(),
            },
            None => Target::Broken(Broken::UnknownName).into(),
        }
    }
}

/// The lower-cased scheme of a URL, if it has one (`javascript:`, `HTTP:`…).
fn scheme(dest: &str) -> Option<String> {
    let (scheme, _) = dest.split_once(':')?;
    let valid = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.');
    valid.then(|| scheme.to_ascii_lowercase())
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// Resolves the links of every evidence file, storing each file's targets in
/// [`Evidence::links`]; returns the diagnostics for links that lead nowhere or
/// somewhere in doubt, for `[[id]]`s of no outcome, and for notes no link can reach.
pub fn resolve_all(
    root: &Path,
    evidence_dirs: &[String],
    attachment_folder: Option<&str>,
    framework: &Framework,
    evidence: &mut [Evidence],
) -> Vec<Diagnostic> {
    resolve_with_commentary(
        root,
        evidence_dirs,
        attachment_folder,
        framework,
        evidence,
        &mut [],
    )
}

/// [`resolve_all`], and the links of the commentary files too, resolved among the
/// evidence as its own links are; commentary is not among the targets.
pub fn resolve_with_commentary(
    root: &Path,
    evidence_dirs: &[String],
    attachment_folder: Option<&str>,
    framework: &Framework,
    evidence: &mut [Evidence],
    commentary: &mut [Evidence],
) -> Vec<Diagnostic> {
    let index = Index::new(root, evidence_dirs, attachment_folder, evidence);
    let resolver = Resolver { index: &index };
    // Resolved against the index, which reads the files in place, then stored; each
    // file on its own (in parallel), its diagnostics kept in file order.
    let (resolved, per_file): (Vec<Option<Links>>, Vec<Vec<Diagnostic>>) = index
        .evidence
        .par_iter()
        .zip(&index.paths)
        .map(|(e, from)| {
            let mut found = Vec::new();
            let Some(from) = from else {
                return (None, found);
            };
            let links = resolve_file(&resolver, from, e, &mut found);
            if let Some(d) = unreachable_name(e, framework) {
                found.push(d.in_file(&e.path));
            }
            (Some(links), found)
        })
        .unzip();
    let mut diagnostics: Vec<Diagnostic> = per_file.into_iter().flatten().collect();
    for e in commentary {
        if let Ok(from) = RelPath::new(&e.path) {
            e.links = resolve_file(&resolver, &from, e, &mut diagnostics);
        }
    }
    drop(index);
    for (e, links) in evidence.iter_mut().zip(resolved) {
        if let Some(links) = links {
            e.links = links;
        }
    }
    diagnostics
}

/// Resolves the links of one file `e` at `from`: what its [`Evidence::links`] are to be.
fn resolve_file(
    resolver: &Resolver<'_>,
    from: &RelPath,
    e: &Evidence,
    diagnostics: &mut Vec<Diagnostic>,
) -> Links {
    let index = resolver.index;
    let origin = Origin::of(from);
    let mut limit = PerFile::default();
    let mut links = Links::new();
    let mut seen: FxHashMap<(LinkKind, &str), Resolution> = FxHashMap::default();
    for link in &e.link_refs {
        let found = seen
            .entry((link.kind, link.dest.as_str()))
            .or_insert_with(|| resolver.resolve_from(&origin, link.kind, &link.dest));
        let unnamed = matches!(found.target, Target::Broken(Broken::UnknownName));
        if unnamed && link.id_shaped {
            if let Some(d) = &link.unless_named {
                diagnostics.push(d.as_ref().clone().in_file(&e.path));
            }
        } else if let Some(d) = problem(index, link, found)
            && limit.admit(d.code)
        {
            diagnostics.push(
                d.in_file(&e.path)
                    .at_line_col(link.line, link.column.max(1)),
            );
        }
    }
    for ((kind, dest), found) in seen {
        links.insert((kind, dest.to_string()), found.target);
    }
    diagnostics.extend(limit.summary(&e.path));
    links
}

/// A note whose file name or alias is an outcome id: `[[id]]` is always the tag, so no
/// link reaches the note by that name.
fn unreachable_name(e: &Evidence, framework: &Framework) -> Option<Diagnostic> {
    let file_name = e.path.rsplit('/').next().unwrap_or(&e.path);
    let stem = strip_note_ext(file_name);
    let name = std::iter::once(stem)
        .chain(e.aliases.iter().map(String::as_str))
        .find(|n| framework.find(n).is_some())?;
    let node = framework.node(framework.find(name)?);
    Some(
        Diagnostic::new(
            Code::NoteNamedLikeOutcome,
            format!(
                "this note is named `{name}`, which is outcome {}: `[[{name}]]` tags the outcome and never links here",
                node.id
            ),
        )
        .with_help(format!(
            "rename the note (or its alias), e.g. `{name} notes`, to link to it by name"
        )),
    )
}

/// The diagnostic for a link that leads nowhere or in doubt, if it is one to report.
fn problem(index: &Index<'_>, link: &LinkRef, found: &Resolution) -> Option<Diagnostic> {
    let dest = link.dest.trim();
    // Written out only for a link with a problem, which few are.
    let shown = || match link.kind {
        LinkKind::Wiki => format!("[[{dest}]]"),
        LinkKind::Embed => format!("![[{dest}]]"),
        _ => dest.to_string(),
    };
    if link.kind == LinkKind::Image && is_remote(dest) {
        // Fetching it when a page opens would tell its server who reads the portfolio,
        // and when.
        return Some(
            Diagnostic::new(
                Code::RemoteImage,
                format!("image `{dest}` is on the internet; it is never loaded (shown as a link, or as its alt text)"),
            )
            .with_help(
                "save the image into the portfolio beside this evidence and link to the copy",
            ),
        );
    }
    if link.kind == LinkKind::Html {
        return None;
    }
    match (&found.target, &found.doubt) {
        (Target::Evidence { .. }, Some(Doubt::Ambiguous(paths))) => {
            let [first, second, ..] = paths.as_slice() else {
                return None;
            };
            Some(
                Diagnostic::new(
                    Code::AmbiguousLink,
                    format!(
                        "`{}` could be any of {} notes; it goes to `{first}`",
                        shown(),
                        paths.len()
                    ),
                )
                .with_help(format!(
                    "write the path to choose one, e.g. `[[{}]]`",
                    strip_note_ext(second.as_str())
                )),
            )
        }
        (Target::Evidence { path, .. }, Some(Doubt::MissingAnchor(anchor))) => {
            let i = *index.by_path.get(path.as_str())?;
            let (what, help) = if let Some(block) = anchor.strip_prefix('^') {
                (
                    format!("`{path}` has no block `^{block}`"),
                    "the link goes to the top of the note; name a block by ending its last line with ` ^id`".to_string(),
                )
            } else {
                let mut help =
                    "the link goes to the top of the note; write the heading as it is in the note"
                        .to_string();
                let last = anchor.rsplit('#').next().unwrap_or(anchor);
                if let Some(best) = crate::util::suggest::closest(last, index.heading_texts(i)) {
                    help = format!("did you mean `#{best}`? {help}");
                }
                (format!("`{path}` has no heading `{anchor}`"), help)
            };
            Some(
                Diagnostic::new(Code::BrokenAnchor, format!("`{}`: {what}", shown()))
                    .with_help(help),
            )
        }
        (Target::Broken(why), _) => broken(index, link, &shown(), *why),
        _ => None,
    }
}

fn broken(index: &Index<'_>, link: &LinkRef, shown: &str, why: Broken) -> Option<Diagnostic> {
    let dest = link.dest.trim();
    let d = match (link.kind, why) {
        (_, Broken::Empty | Broken::Scheme) => return None,
        (_, Broken::Commentary) => Diagnostic::new(
            Code::BrokenLink,
            format!("`{shown}` is commentary, which is shown at the head of its outcome's page and is never a link's target"),
        )
        .with_help("remove the link; the outcome's page shows the commentary"),
        (_, Broken::Outside) => Diagnostic::new(
            Code::LinkOutsidePortfolio,
            format!("link to `{dest}` leaves the portfolio folder; it was not followed or copied"),
        )
        .with_help("copy the file into the portfolio (e.g. beside this evidence) and link to the copy"),
        (_, Broken::Escapes) => Diagnostic::new(
            Code::LinkOutsidePortfolio,
            format!(
                "`{shown}` is a link that points outside the portfolio folder; it was not followed or copied"
            ),
        )
        .with_help("copy the file into the portfolio instead of linking to it"),
        (LinkKind::Wiki | LinkKind::Embed, _) if !looks_like_note(dest) => Diagnostic::new(
            Code::BrokenLink,
            format!("`{shown}` names no file in this portfolio"),
        )
        .with_help("put the file in the portfolio (any folder: it is found by its name) or correct the name"),
        (LinkKind::Wiki | LinkKind::Embed, _) => {
            let name = dest.split('#').next().unwrap_or(dest);
            let mut help = "a note is found by its file name without `.md`, or a name in its `aliases:`, in any folder".to_string();
            if let Some(best) = index.closest_note_name(name) {
                help = format!("did you mean `[[{best}]]`? {help}");
            }
            Diagnostic::new(
                Code::BrokenLink,
                format!("`{shown}` names no note or file in this portfolio"),
            )
            .with_help(help)
        }
        (_, Broken::Missing | Broken::UnknownName) => Diagnostic::new(
            Code::BrokenLink,
            format!("`{dest}` does not exist in the portfolio"),
        )
        .with_help("check the file name and folder; paths are relative to this evidence file"),
    };
    Some(d)
}

/// Whether a `[[target]]` names a note (no extension, or a Markdown one) rather than
/// another file.
pub(crate) fn looks_like_note(target: &str) -> bool {
    let path = target.split('#').next().unwrap_or(target);
    let name = path.rsplit('/').next().unwrap_or(path);
    match name.rsplit_once('.') {
        None => true,
        Some((_, ext)) => {
            ext.eq_ignore_ascii_case("md")
                || ext.eq_ignore_ascii_case("markdown")
                || ext.len() > 5
                || ext.chars().any(|c| !c.is_ascii_alphanumeric())
        }
    }
}

/// `path` without a `.md` or `.markdown` extension (in any case).
pub(crate) fn strip_note_ext(path: &str) -> &str {
    // Bytes, not a slice of the text: the cut may fall inside a character (`…è.md`).
    let ends = |ext: &str| {
        path.len() > ext.len()
            && path.as_bytes()[path.len() - ext.len()..].eq_ignore_ascii_case(ext.as_bytes())
    };
    if ends(".md") {
        &path[..path.len() - 3]
    } else if ends(".markdown") {
        &path[..path.len() - 9]
    } else {
        path
    }
}

fn is_note_path(path: &str) -> bool {
    strip_note_ext(path).len() != path.len()
}

fn folder_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(f, _)| f)
}

/// `link` from `folder`, `.` and `..` resolved; `None` if it climbs out or is empty.
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

thread_local! {
    /// The `href` and `src` values the sanitiser has seen, while [`html_urls`] runs.
    static SEEN: std::cell::RefCell<Vec<(String, bool)>> = const { std::cell::RefCell::new(Vec::new()) };
    static READER: ammonia::Builder<'static> = {
        let mut b = ammonia::Builder::default();
        b.url_relative(ammonia::UrlRelative::PassThrough)
            .attribute_filter(|element, attribute, value| {
                if matches!(attribute, "href" | "src") {
                    let image = element == "img" && attribute == "src";
                    SEEN.with_borrow_mut(|seen| seen.push((value.to_string(), image)));
                }
                Some(std::borrow::Cow::Borrowed(value))
            });
        b
    };
}

/// The `href` and `src` values of the raw HTML in an evidence file, read by an HTML
/// parser (the sanitiser's), as the page's will be: never by searching the text. Each
/// comes with whether it is an image's `src`.
pub(crate) fn html_urls(html: &str) -> Vec<(String, bool)> {
    READER.with(|reader| {
        reader.clean(html);
    });
    let mut urls = SEEN.with_borrow_mut(std::mem::take);
    urls.sort_unstable();
    urls.dedup();
    urls
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::evidence::Heading;

    fn note(path: &str, aliases: &[&str], headings: &[&str], blocks: &[&str]) -> Evidence {
        let framework = Framework::builtin("nasenco-2014").expect("built in");
        let mut e = crate::check::evidence::parse_bytes(b"text", path, &framework).0;
        e.aliases = aliases.iter().map(|a| a.to_string()).collect();
        e.headings = headings
            .iter()
            .map(|t| Heading {
                text: t.to_string(),
                written_id: None,
            })
            .collect();
        e.blocks = blocks.iter().map(|b| b.to_string()).collect();
        e
    }

    /// A vault on disk: three notes (two of one name) and two attachments.
    fn vault() -> (tempfile::TempDir, Index<'static>) {
        let dir = tempfile::tempdir().expect("temp dir");
        for file in [
            "A/Meeting notes.md",
            "B/Meeting notes.md",
            "Reflections/Week 1.md",
            "Attachments/plan.png",
            "A/sub/Plan.PNG",
        ] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
            std::fs::write(path, "x").expect("write");
        }
        let evidence = Vec::leak(vec![
            note(
                "A/Meeting notes.md",
                &["Team meeting"],
                &["Actions", "Tag format"],
                &["agreed"],
            ),
            note("B/Meeting notes.md", &[], &[], &[]),
            note("Reflections/Week 1.md", &[], &["Next steps"], &[]),
        ]);
        let index = Index::new(dir.path(), &[".".to_string()], None, evidence);
        (dir, index)
    }

    fn rel(s: &str) -> RelPath {
        RelPath::new(s).expect("relative path")
    }

    fn wiki(index: &Index<'_>, from: &str, dest: &str) -> Resolution {
        Resolver { index }.resolve(&rel(from), LinkKind::Wiki, dest)
    }

    fn evidence_of(r: &Resolution) -> (String, Option<String>) {
        match &r.target {
            Target::Evidence { path, anchor } => (path.to_string(), anchor.clone()),
            other => panic!("not a note: {other:?}"),
        }
    }

    #[test]
    fn notes_by_name_alias_heading_and_block_ignoring_case() {
        let (_dir, ix) = vault();
        let from = "Reflections/Week 1.md";
        assert_eq!(
            evidence_of(&wiki(&ix, from, "team MEETING")),
            ("A/Meeting notes.md".into(), None)
        );
        assert_eq!(
            evidence_of(&wiki(&ix, from, "Team meeting#actions")).1,
            Some("actions".into())
        );
        assert_eq!(
            evidence_of(&wiki(&ix, from, "Team meeting#Tag format")).1,
            Some("h-tag-format".into())
        );
        assert_eq!(
            evidence_of(&wiki(&ix, from, "Team meeting#^AGREED")).1,
            Some("^agreed".into())
        );
        assert_eq!(
            evidence_of(&wiki(&ix, from, "#Next steps")),
            ("Reflections/Week 1.md".into(), Some("next-steps".into()))
        );
        // Two notes of one name: the one in the linking note's folder, else the
        // shortest path, reported as ambiguous.
        assert_eq!(
            evidence_of(&wiki(&ix, "B/x.md", "Meeting notes")).0,
            "B/Meeting notes.md"
        );
        let ambiguous = wiki(&ix, from, "Meeting notes");
        assert!(
            matches!(&ambiguous.doubt, Some(Doubt::Ambiguous(p)) if p.len() == 2),
            "{ambiguous:?}"
        );
        assert_eq!(
            evidence_of(&wiki(&ix, from, "b/meeting notes")).0,
            "B/Meeting notes.md"
        );
        let missing = wiki(&ix, from, "Team meeting#Nowhere");
        assert_eq!(missing.doubt, Some(Doubt::MissingAnchor("Nowhere".into())));
        assert_eq!(
            wiki(&ix, from, "Nobody").target,
            Target::Broken(Broken::UnknownName)
        );
    }

    #[test]
    fn names_ending_in_a_multibyte_character_are_not_cut_inside_it() {
        assert_eq!(strip_note_ext("Proprietà"), "Proprietà");
        assert_eq!(strip_note_ext("Proprietà.MD"), "Proprietà");
        assert_eq!(strip_note_ext("perché"), "perché");
    }

    #[test]
    fn files_are_listed_in_the_order_of_one_sorted_walk() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let files = [
            "b/Plan.png",
            "b/plan.PNG",
            "a/z/deep/x.pdf",
            "a/z/y.md",
            "a/é.png",
            "a/Z.png",
            "c.png",
            "B.png",
            ".hidden/secret.png",
            "a/.obsidian/x.json",
            "site/index.html",
            "site/.senco-site",
            "d/e/f/g/h.png",
            "d/e/f.png",
            "d/e.png",
        ];
        for f in files {
            let path = root.join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "x").unwrap();
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("b"), root.join("a/link-to-b")).unwrap();
        // What one walk sorted by name, not following links, finds.
        let expected: Vec<String> = walkdir::WalkDir::new(root)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(crate::util::fs::is_hidden(e.file_name())
                        || e.file_type().is_dir() && crate::util::fs::is_built_site(e.path()))
            })
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| crate::check::discover::relative(root, e.path()))
            .collect();
        assert_eq!(expected.len(), 11, "{expected:?}");
        for parallel in [true, false] {
            let listed = AtomicUsize::new(0);
            assert_eq!(files_under(root, root, &listed, parallel), expected);
            assert_eq!(listed.load(Ordering::Relaxed), expected.len());
        }
        for parallel in [true, false] {
            let by_name = Files::list(root, parallel).by_name;
            assert_eq!(by_name["plan.png"], ["b/Plan.png", "b/plan.PNG"]);
        }
    }

    #[test]
    fn attachments_in_any_folder_and_markdown_links_to_notes() {
        let (_dir, ix) = vault();
        let r = Resolver { index: &ix };
        assert_eq!(
            r.resolve(&rel("Reflections/Week 1.md"), LinkKind::Embed, "plan.png")
                .target,
            Target::Attachment(rel("Attachments/plan.png"))
        );
        assert_eq!(
            r.resolve(&rel("A/sub/x.md"), LinkKind::Embed, "plan.png")
                .target,
            Target::Attachment(rel("A/sub/Plan.PNG"))
        );
        let md = r.resolve(
            &rel("Reflections/Week 1.md"),
            LinkKind::Link,
            "../A/Meeting%20notes.md#Actions",
        );
        assert_eq!(evidence_of(&md).1, Some("actions".into()));
        let by_name = r.resolve(
            &rel("Reflections/Week 1.md"),
            LinkKind::Link,
            "Team%20meeting",
        );
        assert_eq!(evidence_of(&by_name).0, "A/Meeting notes.md");
        assert_eq!(
            r.resolve(
                &rel("Reflections/Week 1.md"),
                LinkKind::Image,
                "../../etc/passwd"
            )
            .target,
            Target::Broken(Broken::Outside)
        );
        assert_eq!(
            r.resolve(
                &rel("Reflections/Week 1.md"),
                LinkKind::Embed,
                "../../etc/passwd"
            )
            .target,
            Target::Broken(Broken::Outside)
        );
    }
}
