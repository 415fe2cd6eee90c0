//! `manifest.json`: what a pack holds, so it can be verified later.

use super::{Entry, MANIFEST, Pack};
use crate::error::FatalError;
use crate::util::hash::Sha256;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Identifies the manifest format; bumped if its meaning changes.
pub(crate) const FORMAT: &str = "senco-pack/1";

/// `manifest.json` of an assessment pack: what is in it, so a moderator can verify that
/// nothing was changed or added after it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `senco-pack/1`; a reader refuses a format it does not know.
    pub format: String,
    /// The senco that made the pack.
    pub tool: Tool,
    /// Whether trainees' names were replaced by stand-ins (`candidate-0001`).
    pub anonymised: bool,
    /// One per trainee, in pack order.
    pub portfolios: Vec<PortfolioRecord>,
    /// Every file of the pack except `manifest.json`, sorted by path.
    pub files: Vec<FileRecord>,
}

/// The program that made a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    /// `senco`.
    pub name: String,
    /// Its version, so a difference between packs can be traced to a release.
    pub version: String,
}

/// One trainee's portfolio in a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioRecord {
    /// Its folder in the pack.
    pub folder: String,
    /// The candidate number it is known by, when one was given.
    pub candidate: Option<String>,
    /// The first framework, the qualification.
    pub framework: FrameworkRecord,
    /// Every framework the portfolio is checked against, in order, the first included.
    #[serde(default)]
    pub frameworks: Vec<FrameworkRecord>,
    /// The commit checked out when the pack was made, if the portfolio is a git
    /// repository; left out of anonymised packs (it leads back to the author).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    /// Privacy errors packed with `--allow-findings`.
    pub findings_allowed: usize,
    /// Privacy findings silenced by allow markers.
    pub findings_silenced: usize,
}

/// A framework by id and version: what an assessor needs to know which outcomes applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkRecord {
    /// The framework id, e.g. `nasenco-2014`.
    pub id: String,
    /// The framework's own version.
    pub version: String,
}

/// One file of a pack and its fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// `/`-separated, relative to the pack's root.
    pub path: String,
    /// As read from a pack, whatever was written there: [`crate::pack::verify`] compares
    /// it with the hex of the file, so a malformed one is a changed file, not a bad pack.
    pub sha256: String,
    /// In bytes.
    pub size: u64,
}

impl Manifest {
    /// The manifest of `entries` (which must not include the manifest itself).
    pub fn new(pack: &Pack, entries: &[Entry]) -> Manifest {
        let mut files: Vec<FileRecord> = entries
            .iter()
            .filter(|e| e.path != MANIFEST)
            .map(|e| FileRecord {
                path: e.path.clone(),
                sha256: Sha256::of(&e.bytes).to_hex(),
                size: e.bytes.len() as u64,
            })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Manifest {
            format: FORMAT.to_string(),
            tool: Tool {
                name: env!("CARGO_PKG_NAME").to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            anonymised: pack.anonymise,
            portfolios: pack
                .trainees
                .iter()
                .map(|t| PortfolioRecord {
                    folder: t.folder.clone(),
                    candidate: t.candidate.clone(),
                    framework: FrameworkRecord {
                        id: t.check.framework.id.clone(),
                        version: t.check.framework.version.clone(),
                    },
                    frameworks: t
                        .check
                        .framework
                        .sections
                        .iter()
                        .map(|s| FrameworkRecord {
                            id: s.id.clone(),
                            version: s.version.clone(),
                        })
                        .collect(),
                    git_commit: t.git_commit.clone(),
                    findings_allowed: t.allowed_findings.len(),
                    findings_silenced: t.check.silenced.len(),
                })
                .collect(),
            files,
        }
    }

    pub(crate) fn to_bytes(&self) -> Result<Vec<u8>, FatalError> {
        let mut bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| FatalError::invalid(format!("cannot write {MANIFEST}: {e}")))?;
        bytes.push(b'\n');
        Ok(bytes)
    }
}

/// The commit checked out in the git repository holding `root`, read from `.git` directly
/// (HEAD, loose refs, packed-refs; worktrees too), without running git.
pub fn git_commit(root: &Path) -> Option<String> {
    let root = std::fs::canonicalize(root).ok()?;
    for dir in root.ancestors() {
        let dot_git = dir.join(".git");
        if dot_git.is_dir() {
            return head_commit(&dot_git);
        }
        if dot_git.is_file() {
            // A worktree or submodule: `.git` is a file saying `gitdir: PATH`.
            let text = read_git_file(&dot_git).ok()?;
            let git_dir = dir.join(text.strip_prefix("gitdir:")?.trim());
            return head_commit(&git_dir);
        }
    }
    None
}

fn head_commit(git_dir: &Path) -> Option<String> {
    let head = read_git_file(git_dir.join("HEAD")).ok()?;
    let head = head.trim();
    let Some(reference) = head.strip_prefix("ref:") else {
        return is_object_id(head).then(|| head.to_string());
    };
    let reference = reference.trim();
    // Worktrees keep their HEAD apart but share refs with the main repository.
    let common = read_git_file(git_dir.join("commondir"))
        .map(|c| git_dir.join(c.trim()))
        .unwrap_or_else(|_| git_dir.to_path_buf());
    for dir in [git_dir, common.as_path()] {
        if let Ok(id) = read_git_file(dir.join(reference)) {
            let id = id.trim();
            if is_object_id(id) {
                return Some(id.to_string());
            }
        }
    }
    let packed = read_git_file(common.join("packed-refs")).ok()?;
    packed.lines().find_map(|line| {
        let (id, name) = line.split_once(' ')?;
        (name.trim() == reference && is_object_id(id)).then(|| id.to_string())
    })
}

/// A small file of git's metadata, read as text: a regular file (a pipe put there
/// never blocks the pack), capped.
fn read_git_file(path: impl AsRef<Path>) -> std::io::Result<String> {
    crate::util::fs::read_text_capped(
        path.as_ref(),
        crate::util::fs::MAX_CONFIG_BYTES,
        "git metadata files",
    )
}

fn is_object_id(text: &str) -> bool {
    matches!(text.len(), 40 | 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}
