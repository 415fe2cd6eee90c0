//! What files a portfolio holds, and which changed since the last look: the basis of
//! incremental rebuilds in `senco serve`.
//!
//! A file is taken as unchanged when its size and modification time are. That alone is
//! not safe for a file written moments before it was looked at: timestamps are coarse
//! (a few milliseconds on ext4, two seconds on FAT), so a second save within the same
//! tick keeps the time, and a same-length edit the size. Such "racy" files also get a
//! hash of their content, compared next time (the rule git uses for its index).

use crate::check::discover::{self, Found};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, SystemTime};
use walkdir::WalkDir;

/// How close to the look a modification time must be for the file to count as racy:
/// the coarsest timestamps in common use (FAT) are two seconds apart.
const RACY: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Where there are inodes: the inode and its change time, which also move when a
    /// file is replaced or its permissions change (an unreadable file made readable).
    inode: Option<(u64, i64, i64)>,
    /// For racy files only: a hash of the content.
    hash: Option<u64>,
}

/// The stamps of a portfolio's files at one moment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    files: BTreeMap<String, Stamp>,
}

impl Snapshot {
    /// Stamps every file the portfolio's output can depend on: all files under `root`
    /// except hidden ones (but `.senco/`, which holds the pseudonyms) and built sites,
    /// plus the evidence files discovery found (some through links the walk does not
    /// follow). `previous` says which files need their content hashed to compare.
    pub fn take(root: &Path, evidence: &[Found], previous: Option<&Snapshot>) -> Snapshot {
        let taken = SystemTime::now();
        let mut paths: BTreeMap<String, std::path::PathBuf> = BTreeMap::new();
        let walker = WalkDir::new(root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                if e.depth() == 0 {
                    return true;
                }
                if crate::util::fs::is_unwatched(e.file_name(), e.depth() == 1) {
                    return false;
                }
                !(e.file_type().is_dir() && crate::util::fs::is_built_site(e.path()))
            });
        for entry in walker.flatten() {
            if !entry.file_type().is_dir() {
                paths.insert(
                    discover::relative(root, entry.path()),
                    entry.path().to_path_buf(),
                );
            }
        }
        for found in evidence {
            paths
                .entry(found.rel.clone())
                .or_insert_with(|| found.path.clone());
        }
        let files = paths
            .into_par_iter()
            .filter_map(|(rel, path)| {
                let before = previous.and_then(|p| p.files.get(&rel));
                stamp(&path, taken, before).map(|s| (rel, s))
            })
            .collect();
        Snapshot { files }
    }

    /// The files added, removed or changed since `previous`.
    pub(crate) fn changed_since(&self, previous: &Snapshot) -> BTreeSet<String> {
        let mut changed = BTreeSet::new();
        for (rel, now) in &self.files {
            match previous.files.get(rel) {
                Some(before) if same(before, now) => {}
                _ => {
                    changed.insert(rel.clone());
                }
            }
        }
        for rel in previous.files.keys() {
            if !self.files.contains_key(rel) {
                changed.insert(rel.clone());
            }
        }
        changed
    }
}

fn same(before: &Stamp, now: &Stamp) -> bool {
    before.len == now.len
        && before.modified == now.modified
        && before.inode == now.inode
        && (before.hash.is_none() || before.hash == now.hash)
}

/// Whether a file modified at `modified` (`None`: not known) may still change without
/// its time moving, as seen from `taken`: its stamp alone cannot be trusted later.
pub(crate) fn is_racy(modified: Option<SystemTime>, taken: SystemTime) -> bool {
    modified.is_none_or(|m| m + RACY >= taken)
}

/// Where there are inodes: the inode and the change time of the file `meta` describes.
#[cfg(unix)]
pub(crate) fn inode(meta: &std::fs::Metadata) -> Option<(u64, i64, i64)> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.ino(), meta.ctime(), meta.ctime_nsec()))
}

/// Where there are inodes: none on this platform.
#[cfg(not(unix))]
pub(crate) fn inode(_: &std::fs::Metadata) -> Option<(u64, i64, i64)> {
    None
}

/// A file's stamp; `None` for what is not a file (a link to a folder, a dangling link).
fn stamp(path: &Path, taken: SystemTime, before: Option<&Stamp>) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() {
        return None;
    }
    let len = meta.len();
    let modified = meta.modified().ok();
    let racy = is_racy(modified, taken);
    // A hash is needed to trust this stamp later (racy now), or to compare with one
    // taken while the file was racy (same size and time as then).
    let inode = inode(&meta);
    let compare = before.is_some_and(|b| {
        b.hash.is_some() && b.len == len && b.modified == modified && b.inode == inode
    });
    // Read after the stat: a write in between leaves a newer content than the stamp
    // says, which the next look sees as changed rather than missing it.
    let hash = (racy || compare).then(|| {
        crate::check::evidence::read_file(path).map(|bytes| crate::util::hash::fingerprint(&bytes))
    });
    let hash = match hash {
        // Unreadable: no content to tell apart (making it readable moves its change time).
        Some(Err(_)) => Some(u64::MAX),
        Some(Ok(h)) => Some(h),
        None => None,
    };
    Some(Stamp {
        len,
        modified,
        inode,
        hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_same_size_edit_within_one_clock_tick_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.md");
        std::fs::write(&file, "one").unwrap();
        let first = stamp(&file, SystemTime::now(), None).unwrap();
        assert!(first.hash.is_some(), "a file just written is racy");
        let again = stamp(&file, SystemTime::now(), Some(&first)).unwrap();
        assert!(same(&first, &again));
        std::fs::write(&file, "two").unwrap();
        let mut second = stamp(&file, SystemTime::now(), Some(&first)).unwrap();
        // As a coarse clock leaves them: the same times, so only the content differs.
        second.modified = first.modified;
        second.inode = first.inode;
        assert!(!same(&first, &second));
    }

    #[test]
    fn old_files_are_not_read_and_changes_show() {
        let dir = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        for name in ["a.md", "b.md"] {
            let file = dir.path().join(name);
            std::fs::write(&file, name).unwrap();
            std::fs::File::options()
                .write(true)
                .open(&file)
                .and_then(|f| f.set_modified(old))
                .unwrap();
        }
        let first = Snapshot::take(dir.path(), &[], None);
        assert!(first.files.values().all(|s| s.hash.is_none()));
        std::fs::write(dir.path().join("b.md"), "bb").unwrap();
        std::fs::write(dir.path().join("c.md"), "c").unwrap();
        std::fs::remove_file(dir.path().join("a.md")).unwrap();
        let second = Snapshot::take(dir.path(), &[], Some(&first));
        assert_eq!(
            second.changed_since(&first),
            BTreeSet::from(["a.md".into(), "b.md".into(), "c.md".into()])
        );
    }
}
