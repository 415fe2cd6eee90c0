//! Stage 2a: find evidence files.
//!
//! Every `*.md` and `*.markdown` file under the evidence folders, recursively. Hidden
//! files and folders (`.obsidian/`, `.git/`) are skipped, other files are attachments, and
//! symbolic links are followed only while they stay inside the portfolio.

use crate::diagnostic::Diagnostic;
use crate::portfolio::Portfolio;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// An evidence file found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    /// Relative to the portfolio folder, `/`-separated.
    pub rel: String,
}

pub fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

pub fn is_evidence_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}

/// Relative path with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Finds evidence files, sorted by relative path, with diagnostics for what was skipped.
pub fn discover(portfolio: &Portfolio) -> Result<(Vec<Found>, Vec<Diagnostic>), crate::FatalError> {
    let root = &portfolio.root;
    let canonical_root = std::fs::canonicalize(root).map_err(|e| {
        crate::FatalError::new(format!(
            "cannot open portfolio folder {}: {e}",
            root.display()
        ))
    })?;
    let mut found = Vec::new();
    let mut diagnostics = Vec::new();
    for dir in &portfolio.evidence_dirs {
        let start = root.join(dir);
        if !start.is_dir() {
            return Err(crate::FatalError::new(format!(
                "evidence folder `{dir}` does not exist in {}",
                root.display()
            ))
            .with_help(format!(
                "create the folder `{dir}`, or change `evidence` in portfolio.toml"
            )));
        }
        // Links that leave the portfolio are pruned here, before walkdir descends into them.
        let escaping = std::cell::RefCell::new(Vec::new());
        let walker = WalkDir::new(&start)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() > 0 && is_hidden(e.file_name()) {
                    return false;
                }
                if e.path_is_symlink() && !stays_inside(e.path(), &canonical_root) {
                    escaping.borrow_mut().push(relative(root, e.path()));
                    return false;
                }
                true
            });
        for entry in walker {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) => {
                    let rel = err
                        .path()
                        .map_or_else(|| dir.clone(), |p| relative(root, p));
                    let message = if err.loop_ancestor().is_some() {
                        "symbolic link loop; not followed".to_string()
                    } else {
                        let cause = err
                            .io_error()
                            .map_or_else(|| err.to_string(), |e| e.to_string());
                        format!("cannot read: {cause}")
                    };
                    diagnostics.push(
                        Diagnostic::error("unreadable", message)
                            .in_file(rel)
                            .with_help("fix the file's permissions or remove the link"),
                    );
                    continue;
                }
            };
            let path = entry.path();
            if entry.file_type().is_file() && is_evidence_name(path) {
                found.push(Found {
                    path: path.to_path_buf(),
                    rel: relative(root, path),
                });
            }
        }
        for rel in escaping.into_inner() {
            diagnostics.push(
                Diagnostic::warning(
                    "link-outside-portfolio",
                    "symbolic link points outside the portfolio; not followed",
                )
                .in_file(rel)
                .with_help("copy the file into the portfolio instead of linking to it"),
            );
        }
    }
    found.sort_by(|a, b| a.rel.cmp(&b.rel));
    found.dedup_by(|a, b| a.rel == b.rel);
    Ok((found, diagnostics))
}

/// Does a link resolve to somewhere inside the portfolio? A dangling link does not.
pub fn stays_inside(path: &Path, canonical_root: &Path) -> bool {
    std::fs::canonicalize(path).is_ok_and(|target| target.starts_with(canonical_root))
}
