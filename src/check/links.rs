//! What every link in evidence points at, decided once, in the check stage.
//!
//! Parsing records each link as written ([`LinkRef`]: Markdown links and images,
//! `[[name]]` links that are not outcome tags, and the `href` and `src` of raw HTML).
//! Once every file is parsed, [`resolve_all`] turns each into a typed [`Target`] stored
//! on its [`Evidence`] and reports the links that lead nowhere, so `senco check` reports
//! every link problem a build would. The renderer only maps targets to URLs (in the site
//! or in the single file); it never resolves a link itself.
//!
//! The rules live in [`Resolver::resolve`], the one place to extend them (for example
//! with Obsidian's: a note by name anywhere in the vault, aliases, `#heading`, `^block`):
//! [`Index`] is what the resolver knows of the portfolio's evidence.

use crate::check::evidence::Evidence;
use crate::error::Code;
use crate::error::diagnostic::{Diagnostic, PerFile};
use crate::util::path::{PathError, RelPath};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// How a link is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LinkKind {
    /// `[text](dest)` and reference links.
    Link,
    /// `![alt](dest)`.
    Image,
    /// `[[name]]` naming another evidence file.
    Wiki,
    /// `href` or `src` of raw HTML in the evidence. Problems with these are not
    /// reported (the HTML is the trainee's own); a target that leads nowhere is dropped.
    Html,
}

/// One link as written in an evidence file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LinkRef {
    pub kind: LinkKind,
    /// The destination as written (a URL, or the name of a `[[name]]` link).
    pub dest: String,
    /// 1-based line in the file (0 when not known, for raw HTML).
    pub line: usize,
}

/// What a link points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A place on the same page (`#id`).
    Anchor(String),
    /// Another evidence file, and a place on its page.
    Evidence {
        path: RelPath,
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
    /// A `[[name]]` that names no evidence file.
    UnknownName,
}

/// The resolved links of one evidence file, by how they are written.
pub type Links = BTreeMap<(LinkKind, String), Target>;

/// What the resolver knows of the portfolio: its root and its evidence files.
pub(crate) struct Index {
    canonical_root: PathBuf,
    by_path: HashMap<RelPath, usize>,
    /// Lower-cased file stems, paths without extension and titles, for `[[name]]` links.
    by_name: HashMap<String, usize>,
    /// By evidence index; `None` for a path that is not a [`RelPath`] (discovery, which
    /// walks inside the portfolio, gives none).
    paths: Vec<Option<RelPath>>,
}

impl Index {
    pub fn new(root: &Path, evidence_dirs: &[String], evidence: &[Evidence]) -> Index {
        let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let mut by_path = HashMap::new();
        let mut by_name = HashMap::new();
        let mut paths = Vec::with_capacity(evidence.len());
        for (i, e) in evidence.iter().enumerate() {
            let path = RelPath::new(&e.path).ok();
            if let Some(p) = &path {
                by_path.insert(p.clone(), i);
            }
            paths.push(path);
            for key in name_keys(e, evidence_dirs) {
                by_name.entry(key).or_insert(i);
            }
        }
        Index {
            canonical_root,
            by_path,
            by_name,
            paths,
        }
    }

    /// The evidence file a `[[name]]` link names.
    pub fn by_name(&self, name: &str) -> Option<&RelPath> {
        self.by_name
            .get(&wiki_key(name))
            .and_then(|&i| self.paths[i].as_ref())
    }

    fn is_evidence(&self, path: &RelPath) -> bool {
        self.by_path.contains_key(path)
    }

    /// Whether `path` is a regular, visible file that stays inside the portfolio once
    /// symlinks are followed: the one containment rule, [`crate::util::fs::resolve_inside`].
    fn attachment(&self, path: &RelPath) -> Result<(), Broken> {
        use crate::util::fs::{Refusal, resolve_inside};
        match resolve_inside(&self.canonical_root, path.as_str()) {
            Ok(real) if real.is_file() => Ok(()),
            Err(Refusal::Outside) => Err(Broken::Escapes),
            _ => Err(Broken::Missing),
        }
    }
}

/// The keys a `[[name]]` link may find `e` by: its file name and its path without
/// extension (without the evidence folder's name when there is only one), and its
/// title, in lower case.
pub(crate) fn name_keys(e: &Evidence, evidence_dirs: &[String]) -> [String; 3] {
    let name = e.path.rsplit('/').next().unwrap_or(&e.path);
    let inner = match evidence_dirs {
        [only] => e
            .path
            .strip_prefix(only.trim_matches('/'))
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(&e.path),
        _ => &e.path,
    };
    let stem = |s: &str| s.rsplit_once('.').map_or(s, |(s, _)| s).to_lowercase();
    [stem(name), stem(inner), e.title.to_lowercase()]
}

/// What a `[[name]]` link is looked up by: a file name without extension, a path, or a
/// title, in lower case.
pub(crate) fn wiki_key(name: &str) -> String {
    name.trim()
        .trim_end_matches(".md")
        .trim_end_matches(".markdown")
        .to_lowercase()
}

/// Whether a URL points off the machine (`https://…`, `//host/…`): an image there is
/// fetched when a page opens.
pub(crate) fn is_remote(url: &str) -> bool {
    let url = url.trim().to_ascii_lowercase();
    url.starts_with("http:") || url.starts_with("https:") || url.starts_with("//")
}

/// Resolves links against an [`Index`].
pub(crate) struct Resolver<'a> {
    pub index: &'a Index,
}

impl Resolver<'_> {
    /// What `dest`, written as `kind` in the evidence file `from`, points at.
    pub fn resolve(&self, from: &RelPath, kind: LinkKind, dest: &str) -> Target {
        if kind == LinkKind::Wiki {
            return match self.index.by_name(dest) {
                Some(path) => Target::Evidence {
                    path: path.clone(),
                    anchor: None,
                },
                None => Target::Broken(Broken::UnknownName),
            };
        }
        let dest = dest.trim();
        if dest.is_empty() {
            return Target::Broken(Broken::Empty);
        }
        if let Some(anchor) = dest.strip_prefix('#') {
            return Target::Anchor(anchor.to_string());
        }
        if let Some(scheme) = scheme(dest) {
            return if matches!(scheme.as_str(), "http" | "https" | "mailto") {
                Target::External(dest.to_string())
            } else {
                Target::Broken(Broken::Scheme)
            };
        }
        let path = match from.join_link(dest) {
            Ok(path) => path,
            // Empty: the link names the portfolio folder itself.
            Err(
                PathError::Empty
                | PathError::Absolute
                | PathError::Escapes
                | PathError::Forbidden(_),
            ) => return Target::Broken(Broken::Outside),
        };
        if self.index.is_evidence(&path) {
            let anchor = dest.split_once('#').map(|(_, f)| f.to_string());
            return Target::Evidence { path, anchor };
        }
        match self.index.attachment(&path) {
            Ok(()) => Target::Attachment(path),
            Err(why) => Target::Broken(why),
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

/// Resolves the links of every evidence file, storing each file's targets in
/// [`Evidence::links`]; returns the diagnostics for links that lead nowhere.
pub fn resolve_all(
    root: &Path,
    evidence_dirs: &[String],
    evidence: &mut [Evidence],
) -> Vec<Diagnostic> {
    let index = Index::new(root, evidence_dirs, evidence);
    let resolver = Resolver { index: &index };
    let mut diagnostics = Vec::new();
    for (i, e) in evidence.iter_mut().enumerate() {
        let Some(from) = &index.paths[i] else {
            continue;
        };
        let mut limit = PerFile::default();
        let mut links = Links::new();
        for link in &e.link_refs {
            let target = links
                .entry((link.kind, link.dest.clone()))
                .or_insert_with(|| resolver.resolve(from, link.kind, &link.dest));
            if let Some(d) = problem(link, target)
                && limit.admit(d.code)
            {
                diagnostics.push(d.in_file(&e.path).at_line_col(link.line, 1));
            }
        }
        diagnostics.extend(limit.summary(&e.path));
        e.links = links;
    }
    diagnostics
}

/// The diagnostic for a link that leads nowhere, if it is one to report.
fn problem(link: &LinkRef, target: &Target) -> Option<Diagnostic> {
    let dest = link.dest.trim();
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
    let Target::Broken(why) = target else {
        return None;
    };
    let d = match (link.kind, why) {
        (LinkKind::Html, _) | (_, Broken::Empty | Broken::Scheme) => return None,
        (LinkKind::Wiki, _) => Diagnostic::new(
            Code::BrokenLink,
            format!("`[[{dest}]]` names no evidence file in this portfolio"),
        )
        .with_help("write the file's name without `.md`, e.g. `[[2024-03-12-reflection]]`"),
        (_, Broken::Outside) => Diagnostic::new(
            Code::LinkOutsidePortfolio,
            format!("link to `{dest}` leaves the portfolio folder; it was not followed or copied"),
        )
        .with_help("copy the file into the portfolio (e.g. beside this evidence) and link to the copy"),
        (_, Broken::Escapes) => Diagnostic::new(
            Code::LinkOutsidePortfolio,
            format!(
                "`{dest}` is a link that points outside the portfolio folder; it was not followed or copied"
            ),
        )
        .with_help("copy the file into the portfolio instead of linking to it"),
        (_, Broken::Missing | Broken::UnknownName) => Diagnostic::new(
            Code::BrokenLink,
            format!("`{dest}` does not exist in the portfolio"),
        )
        .with_help("check the file name and folder; paths are relative to this evidence file"),
    };
    Some(d)
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
