//! `senco pseudonymise`: replace real names in evidence with their pseudonyms.
//!
//! The only command that changes a trainee's evidence, and only when asked. It plans the
//! rewrite first ([`plan`]) so the caller can show a diff ([`Rewrite::diff`]) and ask;
//! [`apply`] then backs up each original under `.senco/backup/` (same relative path;
//! `.1`, `.2`… when an earlier backup of that file already holds other text) before the
//! new text is written atomically.

use crate::check::privacy::Pseudonyms;
use crate::error::Code;
use crate::error::FatalError;
use crate::error::diagnostic::{Diagnostic, Severity, SourceText};
use crate::model::portfolio::Portfolio;
use std::path::{Path, PathBuf};

/// Where backups go, relative to the portfolio folder. Inside `.senco/`, which is private
/// and never packed: the originals hold the real names.
pub(crate) const BACKUP_DIR: &str = ".senco/backup";

/// One file to rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// Relative to the portfolio folder, `/`-separated.
    pub rel: String,
    /// The file on disk.
    pub path: PathBuf,
    /// Its text now.
    pub before: String,
    /// Its text with every listed name replaced by its pseudonym.
    pub after: String,
    /// How many names are replaced.
    pub(crate) replacements: usize,
}

impl Rewrite {
    /// A unified diff of the change, with file names `a/REL` and `b/REL`.
    pub fn diff(&self) -> String {
        similar::TextDiff::from_lines(&self.before, &self.after)
            .unified_diff()
            .context_radius(2)
            .header(&format!("a/{}", self.rel), &format!("b/{}", self.rel))
            .to_string()
    }
}

/// What [`plan`] found: files to rewrite, and files it had to leave alone.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Files with a name to replace, sorted by path; files without one are not listed.
    pub rewrites: Vec<Rewrite>,
    /// (relative path, why) for files that could not be rewritten.
    pub skipped: Vec<(String, String)>,
    /// Real names left in place, for the author to edit by hand: written through markup
    /// or escapes, or in a file's name (which `pseudonymise` never renames).
    pub left: Vec<Diagnostic>,
}

impl Plan {
    /// What applying the plan does, e.g. "replace 3 names in 2 files".
    pub fn summary(&self) -> String {
        let names: usize = self.rewrites.iter().map(|r| r.replacements).sum();
        let files = self.rewrites.len();
        format!(
            "replace {names} name{} in {files} file{}",
            crate::util::text::plural(names),
            crate::util::text::plural(files)
        )
    }
}

/// Works out the rewrite of every evidence file without touching any.
pub fn plan(portfolio: &Portfolio) -> Result<Plan, FatalError> {
    let (names, problems) = Pseudonyms::load(&portfolio.root);
    if let Some(problem) = problems
        .iter()
        .find(|d| d.severity == crate::error::diagnostic::Severity::Error)
    {
        let at = problem.line.map(|l| format!(":{l}")).unwrap_or_default();
        return Err(FatalError::invalid(format!(
            "{}{at}: {}",
            crate::check::privacy::PSEUDONYMS_FILE,
            problem.message
        ))
        .with_help(problem.help.clone().unwrap_or_default()));
    }
    if names.is_empty() {
        return Err(FatalError::not_found(format!(
            "no names to replace: {} is missing or empty",
            crate::check::privacy::PSEUDONYMS_FILE
        ))
        .with_help("create it with lines like `\"Alex Example\" = \"Child A\"` under `[pupils]`; the guide's privacy page explains the format"));
    }
    let (found, unread) = crate::check::discover::discover(portfolio)?;
    let mut result = Plan::default();
    for problem in unread {
        let file = problem.file.clone().unwrap_or_default();
        result.skipped.push((file, problem.message));
    }
    for file in found {
        let bytes = match crate::check::evidence::read_file(&file.path) {
            Ok(bytes) => bytes,
            Err(e) => {
                result.skipped.push((file.rel, format!("cannot read: {e}")));
                continue;
            }
        };
        let Ok(before) = String::from_utf8(bytes) else {
            result.skipped.push((
                file.rel,
                "not valid UTF-8; re-save it as UTF-8 first".into(),
            ));
            continue;
        };
        if !names.find(&file.rel).is_empty() {
            result.left.push(
                Diagnostic::new(
                    Code::RealName,
                    "the file name holds a real name; it was not renamed",
                )
                .with_severity(Severity::Warning)
                .in_file(&file.rel)
                .with_help("rename the file yourself, and the links to it"),
            );
        }
        let rewritten = names.rewrite(&before);
        let source = SourceText::new(&before);
        for range in &rewritten.left {
            result.left.push(
                Diagnostic::new(
                    Code::RealName,
                    "a real name written through markup or escapes was not rewritten",
                )
                .with_severity(Severity::Warning)
                .in_file(&file.rel)
                .at(&source, range.clone())
                .with_help("edit it by hand: rewriting it would break the formatting around it"),
            );
        }
        if rewritten.replaced == 0 {
            continue;
        }
        result.rewrites.push(Rewrite {
            rel: file.rel,
            path: file.path,
            before,
            after: rewritten.text,
            replacements: rewritten.replaced,
        });
    }
    Ok(result)
}

/// Backs up and rewrites each file. Returns the backup paths, in the order of `rewrites`.
/// A file changed on disk since [`plan`] read it is not touched.
pub fn apply(root: &Path, rewrites: &[Rewrite]) -> Result<Vec<PathBuf>, FatalError> {
    let mut backups = Vec::new();
    for rewrite in rewrites {
        let current = crate::check::evidence::read_file(&rewrite.path)
            .map_err(|e| FatalError::io(format!("cannot read {}: {e}", rewrite.rel), e))?;
        if current != rewrite.before.as_bytes() {
            return Err(FatalError::new(
                crate::error::ErrorKind::Io,
                format!(
                    "{} changed while senco was working; it was not rewritten",
                    rewrite.rel
                ),
            )
            .with_help("run `senco pseudonymise` again"));
        }
        let backup = backup_path(root, &rewrite.rel, &current)?;
        if let Some(parent) = backup.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                FatalError::io(format!("cannot create {}: {e}", parent.display()), e)
            })?;
        }
        crate::util::atomic::write(&backup, &current).map_err(|e| {
            FatalError::io(format!("cannot write backup {}: {e}", backup.display()), e)
                .with_help("nothing was rewritten for this file")
        })?;
        crate::util::atomic::write(&rewrite.path, rewrite.after.as_bytes()).map_err(|e| {
            FatalError::io(format!("cannot rewrite {}: {e}", rewrite.rel), e)
                .with_help(format!("the original is safe in {}", backup.display()))
        })?;
        backups.push(backup);
    }
    Ok(backups)
}

/// `.senco/backup/REL`, or the first of `REL.1`, `REL.2`… that is free or already holds
/// exactly these bytes, so no earlier backup is ever overwritten.
fn backup_path(root: &Path, rel: &str, bytes: &[u8]) -> Result<PathBuf, FatalError> {
    let base = root.join(BACKUP_DIR).join(rel);
    for n in 0..10_000 {
        let candidate = if n == 0 {
            base.clone()
        } else {
            let mut name = base.clone().into_os_string();
            name.push(format!(".{n}"));
            PathBuf::from(name)
        };
        match crate::check::evidence::read_file(&candidate) {
            Ok(existing) if existing == bytes => return Ok(candidate),
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(candidate),
            Err(e) => {
                return Err(FatalError::io(
                    format!("cannot read {}: {e}", candidate.display()),
                    e,
                ));
            }
        }
    }
    Err(
        FatalError::refused(format!("too many backups of {rel} in {BACKUP_DIR}"))
            .with_help("move old backups somewhere safe"),
    )
}
