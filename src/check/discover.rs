//! Stage 2a: find evidence files.
//!
//! Every `*.md` and `*.markdown` file under the evidence folders, recursively. Hidden
//! files and folders (`.obsidian/`, `.git/`) are skipped, other files are attachments, and
//! symbolic links are followed only while they stay inside the portfolio.

use crate::error::Code;
use crate::error::diagnostic::Diagnostic;
use crate::model::portfolio::Portfolio;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// An evidence file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Where it is on disk, inside the portfolio.
    pub path: PathBuf,
    /// Relative to the portfolio folder, `/`-separated.
    pub rel: String,
}

pub(crate) fn is_evidence_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// Relative path with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    // What a walk gives on Unix is already that: taken as it is, without splitting it
    // into components and joining them again (for every file of every check).
    #[cfg(unix)]
    if let Some(text) = rel.to_str()
        && is_plain(text)
    {
        return text.to_string();
    }
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether `/`-separated `text` is the same once split into path components and joined
/// with `/`: relative, no empty or `.` segment past the first, no trailing `/`.
#[cfg(unix)]
fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('/')
        && !text.ends_with('/')
        && !text.ends_with("/.")
        && !text.contains("//")
        && !text.contains("/./")
}

/// The folder at the top of a portfolio that holds its per-outcome commentary
/// ([`crate::check::commentary`]): never evidence, even inside an evidence folder.
pub const COMMENTARY_DIR: &str = "commentary";

/// Whether `rel` (relative to the portfolio, `/`-separated) is in the commentary folder.
pub(crate) fn in_commentary(rel: &str) -> bool {
    rel.split_once('/')
        .is_some_and(|(top, _)| top.eq_ignore_ascii_case(COMMENTARY_DIR))
}

/// Finds evidence files, sorted by relative path, with diagnostics for what was skipped.
pub fn discover(
    portfolio: &Portfolio,
) -> Result<(Vec<Found>, Vec<Diagnostic>), crate::error::FatalError> {
    let root = &portfolio.root;
    let canonical_root = canonical(root)?;
    let mut found = Vec::new();
    let mut diagnostics = Vec::new();
    let mut any_link = false;
    for dir in &portfolio.evidence_dirs {
        let start = root.join(dir);
        if !start.is_dir() {
            return Err(crate::error::FatalError::not_found(format!(
                "evidence folder `{dir}` does not exist in {}",
                root.display()
            ))
            .with_help(format!(
                "create the folder `{dir}`, or change `evidence` in portfolio.toml"
            )));
        }
        any_link |= walk(root, &canonical_root, dir, &mut found, &mut diagnostics);
    }
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    found.dedup_by(|a, b| a.rel == b.rel);
    // Only a link can give one file two paths, so a folder without any costs no extra stat.
    if any_link {
        diagnostics.extend(keep_one_path_per_file(&mut found, &canonical_root));
    }
    Ok((found, diagnostics))
}

/// Finds the Markdown files of the portfolio's `commentary/` folder, by the same rules
/// as evidence (hidden names skipped, links followed only inside the portfolio), sorted
/// by relative path. No folder: no commentary.
pub fn discover_commentary(
    portfolio: &Portfolio,
) -> Result<(Vec<Found>, Vec<Diagnostic>), crate::error::FatalError> {
    let root = &portfolio.root;
    let mut found = Vec::new();
    let mut diagnostics = Vec::new();
    if root.join(COMMENTARY_DIR).is_dir() {
        let canonical_root = canonical(root)?;
        walk(
            root,
            &canonical_root,
            COMMENTARY_DIR,
            &mut found,
            &mut diagnostics,
        );
    }
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok((found, diagnostics))
}

fn canonical(root: &Path) -> Result<PathBuf, crate::error::FatalError> {
    std::fs::canonicalize(root).map_err(|e| {
        crate::error::FatalError::io(
            format!("cannot open portfolio folder {}: {e}", root.display()),
            e,
        )
    })
}

/// Walks the folder `dir` of the portfolio for Markdown files; says whether it followed
/// a symbolic link. Outside the commentary folder, that folder is skipped: commentary is
/// never evidence.
fn walk(
    root: &Path,
    canonical_root: &Path,
    dir: &str,
    found: &mut Vec<Found>,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let start = root.join(dir);
    let commentary = crate::util::fs::normalise_path(dir).eq_ignore_ascii_case(COMMENTARY_DIR);
    let tree = |from: &Path, folders: Option<&mut Vec<PathBuf>>| {
        let (mut found, mut diagnostics) = (Vec::new(), Vec::new());
        let start = Start {
            path: from,
            name: dir,
            folders,
        };
        let linked = walk_tree(
            root,
            canonical_root,
            start,
            commentary,
            &mut found,
            &mut diagnostics,
        );
        (found, diagnostics, linked)
    };
    // The folders at the top are walked side by side: one walk of 10,000 files was a
    // twentieth of a cold check, with the second core idle. A symbolic link anywhere
    // may lead back above the folder it is in, where walkdir, walking that folder
    // alone, would not know it for a loop; so then it is all walked again as one tree.
    let mut folders = Vec::new();
    let (top, mut top_diagnostics, linked) = tree(&start, Some(&mut folders));
    if !linked {
        let below: Vec<_> = folders.par_iter().map(|f| tree(f, None)).collect();
        if below.iter().all(|(_, _, linked)| !linked) {
            found.extend(top);
            diagnostics.append(&mut top_diagnostics);
            for (files, mut problems, _) in below {
                found.extend(files);
                diagnostics.append(&mut problems);
            }
            return false;
        }
    }
    let whole = Start {
        path: &start,
        name: dir,
        folders: None,
    };
    walk_tree(root, canonical_root, whole, commentary, found, diagnostics)
}

/// Where [`walk_tree`] starts: the folder, the name of the evidence folder it is in (for
/// a problem with no path of its own), and, when only its own entries are to be walked,
/// where to put the folders in it.
struct Start<'a> {
    path: &'a Path,
    name: &'a str,
    folders: Option<&'a mut Vec<PathBuf>>,
}

/// [`walk`] of one tree: the whole of it, or (with [`Start::folders`]) its own files,
/// its folders set aside.
fn walk_tree(
    root: &Path,
    canonical_root: &Path,
    start: Start<'_>,
    commentary: bool,
    found: &mut Vec<Found>,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let Start {
        path: start,
        name: dir,
        mut folders,
    } = start;
    // Links that leave the portfolio are pruned here, before walkdir descends into them.
    let escaping = std::cell::RefCell::new(Vec::new());
    let linked = std::cell::Cell::new(false);
    // In the folder's own order: the files are sorted by path once found, and the
    // diagnostics with every other's, so sorting each folder's entries (by a file name
    // parsed out of the path at every comparison) would only cost time.
    let depth = if folders.is_some() { 1 } else { usize::MAX };
    let walker = WalkDir::new(start)
        .follow_links(true)
        .max_depth(depth)
        .into_iter()
        .filter_entry(|e| {
            if e.depth() > 0 && crate::util::fs::is_hidden(e.file_name()) {
                return false;
            }
            if !commentary
                && e.file_type().is_dir()
                && relative(root, e.path()).eq_ignore_ascii_case(COMMENTARY_DIR)
            {
                return false;
            }
            // A site built inside the portfolio is senco's output, not evidence.
            if e.file_type().is_dir() && crate::util::fs::is_built_site(e.path()) {
                return false;
            }
            if e.path_is_symlink() {
                if !stays_inside(e.path(), canonical_root) {
                    escaping.borrow_mut().push(relative(root, e.path()));
                    return false;
                }
                linked.set(true);
            }
            true
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let rel = err
                    .path()
                    .map_or_else(|| dir.to_string(), |p| relative(root, p));
                let (message, help) = walk_problem(&err);
                diagnostics.push(
                    Diagnostic::new(Code::Unreadable, message)
                        .in_file(rel)
                        .with_help(help),
                );
                continue;
            }
        };
        let path = entry.path();
        let kind = entry.file_type();
        if let Some(folders) = folders.as_deref_mut()
            && kind.is_dir()
            && entry.depth() == 1
        {
            folders.push(path.to_path_buf());
        } else if kind.is_file() && is_evidence_name(path) {
            let name = entry.file_name().to_string_lossy();
            let stem = name.rsplit_once('.').map_or(&*name, |(s, _)| s);
            if stem.len() + ".html".len() > 255 {
                diagnostics.push(
                    Diagnostic::new(
                        crate::error::Code::LongFileName,
                        format!(
                            "the file name is {} bytes, too long for its page's name; the page gets a shortened name",
                            name.len()
                        ),
                    )
                    .in_file(relative(root, path))
                    .with_help("give the file a shorter name (links to it by name then keep working)"),
                );
            }
            found.push(Found {
                path: path.to_path_buf(),
                rel: relative(root, path),
            });
        } else if !kind.is_file() && !kind.is_dir() && is_evidence_name(path) {
            // Reading a named pipe would wait for a writer forever.
            diagnostics.push(
                Diagnostic::new(
                    Code::Unreadable,
                    "not a regular file (a named pipe, socket or device); not read",
                )
                .in_file(relative(root, path))
                .with_help("remove it, or save the evidence as an ordinary file"),
            );
        }
    }
    for rel in escaping.into_inner() {
        diagnostics.push(
            Diagnostic::new(
                Code::LinkOutsidePortfolio,
                "symbolic link points outside the portfolio; not followed",
            )
            .in_file(rel)
            .with_help("copy the file into the portfolio instead of linking to it"),
        );
    }
    linked.get()
}

/// Drops every path but one to each file (by device and inode), keeping the file's own
/// path when it is among them, else the first. A `duplicate-file` hint for each dropped one.
fn keep_one_path_per_file(found: &mut Vec<Found>, canonical_root: &Path) -> Vec<Diagnostic> {
    let identity = |f: &Found| crate::util::fs::file_identity(&f.path);
    let mut groups: std::collections::BTreeMap<(u64, u64), Vec<usize>> = Default::default();
    for (i, f) in found.iter().enumerate() {
        if let Some(id) = identity(f) {
            groups.entry(id).or_default().push(i);
        }
    }
    let mut dropped = vec![false; found.len()];
    let mut diagnostics = Vec::new();
    for paths in groups.values().filter(|paths| paths.len() > 1) {
        let own = paths.iter().copied().find(|&i| {
            std::fs::canonicalize(&found[i].path)
                .is_ok_and(|real| relative(canonical_root, &real) == found[i].rel)
        });
        let keep = own.unwrap_or(paths[0]);
        for &i in paths.iter().filter(|&&i| i != keep) {
            dropped[i] = true;
            diagnostics.push(
                Diagnostic::new(
                    Code::DuplicateFile,
                    format!(
                        "the same file as `{}` (through a symbolic link); counted once, as `{}`",
                        found[keep].rel, found[keep].rel
                    ),
                )
                .in_file(found[i].rel.clone())
                .with_help("nothing to do; remove the link if the file should appear once"),
            );
        }
    }
    let mut index = 0;
    found.retain(|_| {
        index += 1;
        !dropped[index - 1]
    });
    diagnostics
}

/// What went wrong walking the evidence folders, in words: the message and the help.
fn walk_problem(err: &walkdir::Error) -> (String, &'static str) {
    if err.loop_ancestor().is_some() {
        return (
            "symbolic link loop: it leads back to a folder that holds it; not followed".into(),
            "remove the link",
        );
    }
    let link = err.path().and_then(|p| std::fs::read_link(p).ok());
    let io = err.io_error();
    match (link, io.map(std::io::Error::kind)) {
        (Some(target), Some(std::io::ErrorKind::NotFound)) => (
            format!(
                "symbolic link to `{}`, which does not exist; not followed",
                target.display()
            ),
            "remove the link, or point it at a file inside the portfolio",
        ),
        (Some(_), Some(std::io::ErrorKind::PermissionDenied)) | (None, _) => (
            format!(
                "cannot read: {}",
                io.map_or_else(|| err.to_string(), std::io::Error::to_string)
            ),
            "fix the file's permissions or remove the link",
        ),
        (Some(target), _) => (
            format!(
                "symbolic link loop: the link points to `{}`, which leads back to it; not followed",
                target.display()
            ),
            "remove the link, or point it at a file inside the portfolio",
        ),
    }
}

/// Does a link resolve to somewhere inside the portfolio, and not into a hidden folder
/// (`.senco/`, `.git`)? A dangling link does not.
pub(crate) fn stays_inside(path: &Path, canonical_root: &Path) -> bool {
    std::fs::canonicalize(path).is_ok_and(|target| {
        target.strip_prefix(canonical_root).is_ok_and(|inside| {
            !inside
                .components()
                .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_path_is_its_components_joined() {
        let root = Path::new("/p/root");
        for rel in [
            "a.md",
            "evidence/a b/c.md",
            "./a.md",
            "a/./b.md",
            "a//b.md",
            "a/b/",
            "a/b/.",
            "a/../b.md",
            ".",
            "..",
            "",
            "é/ŵ.md",
            "a/.hidden/b.md",
        ] {
            let path = root.join(rel);
            let joined = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            assert_eq!(relative(root, &path), joined, "{rel:?}");
        }
    }
}
