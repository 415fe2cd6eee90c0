//! Writing a site safely: into a temporary folder beside the target, swapped into place
//! only when complete. Refuses to write over folders senco did not create.

use crate::error::FatalError;
use crate::util::atomic;
use std::path::{Path, PathBuf};

/// The file that marks a folder as a senco-built site (its one home is [`crate::util::fs`],
/// as the check stage must skip built sites too).
pub(crate) const MARKER: &str = crate::util::fs::BUILT_SITE_MARKER;
pub(crate) const MARKER_TEXT: &str =
    "This folder was built by senco and is replaced on every build.\n";

/// Refuses targets that would destroy something: the portfolio itself, a folder holding
/// it, an evidence folder or anything in one, or a folder senco did not create.
pub(crate) fn check_target(
    root: &Path,
    evidence_dirs: &[String],
    out: &Path,
    force: bool,
) -> Result<(), FatalError> {
    let canon_root = std::fs::canonicalize(root)
        .map_err(|e| FatalError::io(format!("cannot open {}: {e}", root.display()), e))?;
    let canon_out = canonical_target(out)?;
    if canon_root.starts_with(&canon_out) {
        return Err(FatalError::refused(format!(
            "refusing to build into {}: it holds the portfolio itself",
            out.display()
        ))
        .with_help("choose an output folder of its own, e.g. `-o site`"));
    }
    // A vault is often its own evidence folder (`evidence = ["."]`), so a site may be
    // built inside one: as a folder of its own that senco marks, and discovery skips, so
    // never over an evidence folder or over files senco did not write.
    let mut inside_evidence = None;
    for dir in evidence_dirs {
        let evidence = canon_root.join(dir);
        let evidence = std::fs::canonicalize(&evidence).unwrap_or(evidence);
        if evidence.starts_with(&canon_out) {
            return Err(FatalError::refused(format!(
                "refusing to build into {}: it holds the evidence folder `{dir}`",
                out.display()
            ))
            .with_help("choose an output folder of its own, e.g. `-o site`"));
        }
        if canon_out.starts_with(&evidence) {
            inside_evidence = Some(dir);
        }
    }
    if out.exists() {
        if !out.is_dir() {
            return Err(FatalError::refused(format!(
                "{} exists and is not a folder",
                out.display()
            )));
        }
        let empty = std::fs::read_dir(out)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty && !out.join(MARKER).is_file() {
            if let Some(dir) = inside_evidence {
                return Err(FatalError::refused(format!(
                    "refusing to replace {}: it is in the evidence folder `{dir}` and senco did not build it",
                    out.display()
                ))
                .with_help("choose a new output folder, e.g. `-o site`"));
            }
            if !force {
                return Err(FatalError::refused(format!(
                    "refusing to replace {}: senco did not build it",
                    out.display()
                ))
                .with_help("choose another output folder, or pass --force to replace it"));
            }
        }
    }
    Ok(())
}

/// The canonical form of a path that may not exist yet.
fn canonical_target(out: &Path) -> Result<PathBuf, FatalError> {
    let absolute = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| FatalError::io(format!("cannot read the current folder: {e}"), e))?
            .join(out)
    };
    // The longest part that exists is resolved by the system (links followed); the rest
    // is applied by hand. `..` has no file name, so it cannot be peeled off one by one.
    let existing = absolute
        .ancestors()
        .find(|a| a.exists())
        .unwrap_or(absolute.as_path());
    let rest = absolute.strip_prefix(existing).unwrap_or(Path::new(""));
    let mut canon = std::fs::canonicalize(existing).unwrap_or_else(|_| existing.to_path_buf());
    for part in rest.components() {
        match part {
            std::path::Component::ParentDir => {
                canon.pop();
            }
            std::path::Component::Normal(name) => canon.push(name),
            _ => {}
        }
    }
    Ok(canon)
}

/// A temporary folder beside the target; [`Staging::commit`] moves it into place.
///
/// A run killed at any moment leaves the target as it was or as the new build, never a
/// mix, and never missing for good: on Linux the commit swaps the two folders in one
/// step (`renameat2` with `RENAME_EXCHANGE`). Elsewhere (or on a file system without the
/// swap) the previous build is first moved aside as `.NAME.senco-old-PID`, so a kill
/// between the two renames leaves no target for a moment; the next run puts that
/// previous build back before it starts. Either way the next run removes what a killed
/// one left (`.NAME.senco-tmp-PID`), keeping the folders of runs still going.
pub(crate) struct Staging {
    target: PathBuf,
    temp: PathBuf,
}

impl Staging {
    pub fn create(target: &Path) -> Result<Staging, FatalError> {
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .map_err(|e| FatalError::io(format!("cannot create {}: {e}", parent.display()), e))?;
        let name = folder_name(target);
        restore_previous(parent, &name, target);
        atomic::remove_leftovers(parent, &atomic::temp_prefix(&name));
        atomic::remove_leftovers(parent, &old_prefix(&name));
        let temp = parent.join(format!(
            "{}{}",
            atomic::temp_prefix(&name),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&temp);
        std::fs::create_dir(&temp).map_err(|e| {
            atomic::write_error(format!("cannot create {}", temp.display()), &temp, &e)
        })?;
        Ok(Staging {
            target: target.to_path_buf(),
            temp,
        })
    }

    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Replaces the target with the finished build.
    pub fn commit(self) -> Result<(), FatalError> {
        if self.target.exists() && exchange(&self.temp, &self.target).is_ok() {
            // The staging folder now holds the previous build.
            let _ = std::fs::remove_dir_all(&self.temp);
            return Ok(());
        }
        let parent = self.temp.parent().unwrap_or(Path::new("."));
        let old = parent.join(format!(
            "{}{}",
            old_prefix(&folder_name(&self.target)),
            std::process::id()
        ));
        if self.target.exists() {
            std::fs::rename(&self.target, &old).map_err(|e| {
                FatalError::io(
                    format!(
                        "cannot move the previous build {} aside: {e}",
                        self.target.display()
                    ),
                    e,
                )
            })?;
        }
        if let Err(e) = std::fs::rename(&self.temp, &self.target) {
            // Put the previous build back: never leave the assessor with nothing.
            let _ = std::fs::rename(&old, &self.target);
            let _ = std::fs::remove_dir_all(&self.temp);
            return Err(FatalError::io(
                format!(
                    "cannot move the new build into {}: {e}",
                    self.target.display()
                ),
                e,
            ));
        }
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    }

    pub(crate) fn abandon(self) {
        let _ = std::fs::remove_dir_all(&self.temp);
    }
}

fn folder_name(target: &Path) -> String {
    target
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned())
}

/// The start of the name the previous build has while the new one is moved in.
fn old_prefix(name: &str) -> String {
    format!(".{name}.senco-old-")
}

/// A run killed between moving the previous build aside and moving the new one in left
/// no target: put the previous build back, so it is never lost.
fn restore_previous(parent: &Path, name: &str, target: &Path) {
    if target.symlink_metadata().is_ok() {
        return;
    }
    if let Some(previous) = atomic::leftovers(parent, &old_prefix(name)).first() {
        let _ = std::fs::rename(previous, target);
    }
}

/// Swaps two folders in one step.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(std::io::Error::from)
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Writes `bytes` to `dir/rel`, creating folders as needed.
pub fn write_file(dir: &Path, rel: &str, bytes: &[u8]) -> Result<(), FatalError> {
    let path = dir.join(rel);
    in_folder(&path, || std::fs::write(&path, bytes))?
        .map_err(|e| atomic::write_error(format!("cannot write {}", path.display()), &path, &e))
}

/// Puts `from_dir/rel` at `dir/rel` as a hard link: the two builds then share the file,
/// which neither changes again. Copies it where links are not possible.
pub(crate) fn link_file(from_dir: &Path, dir: &Path, rel: &str) -> Result<(), FatalError> {
    let path = dir.join(rel);
    let from = from_dir.join(rel);
    match in_folder(&path, || std::fs::hard_link(&from, &path))? {
        Ok(()) => Ok(()),
        Err(_) => copy_file(&from, dir, rel),
    }
}

/// Copies the regular file `from` to `dir/rel`, at most
/// [`crate::util::fs::MAX_ATTACHMENT_BYTES`]: a named pipe or device is refused, never read.
pub(crate) fn copy_file(from: &Path, dir: &Path, rel: &str) -> Result<(), FatalError> {
    let path = dir.join(rel);
    let copy = || -> std::io::Result<()> {
        let cap = crate::util::fs::MAX_ATTACHMENT_BYTES;
        let (file, size) = crate::util::fs::open_regular(from)?;
        if size > cap {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                format!("it is over {} MB, the most senco copies", cap >> 20),
            ));
        }
        let mut out = std::fs::File::create(&path)?;
        std::io::copy(&mut std::io::Read::take(file, cap), &mut out)?;
        Ok(())
    };
    in_folder(&path, copy)?.map_err(|e| {
        atomic::write_error(
            format!("cannot copy {} into the site", from.display()),
            &path,
            &e,
        )
    })
}

/// Runs `make`, which creates `path`; if it fails for want of the folder, creates the
/// folder and runs it again. Trying first saves two system calls per file in a folder
/// that exists, most of a hard link's cost. The outer error is the folder's.
fn in_folder(
    path: &Path,
    make: impl Fn() -> std::io::Result<()>,
) -> Result<std::io::Result<()>, FatalError> {
    match make() {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| {
                    atomic::write_error(format!("cannot create {}", parent.display()), parent, &e)
                })?;
            }
            Ok(make())
        }
        result => Ok(result),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_build_killed_between_its_two_renames_gets_the_previous_site_back() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("site");
        // The previous site moved aside by a process that has ended, the new one not in.
        let ended = u32::MAX;
        let aside = dir.path().join(format!("{}{ended}", old_prefix("site")));
        std::fs::create_dir(&aside).unwrap();
        std::fs::write(aside.join("index.html"), "previous").unwrap();
        let staging = Staging::create(&target).unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("index.html")).unwrap(),
            "previous"
        );
        assert!(!aside.exists());
        std::fs::write(staging.path().join("index.html"), "new").unwrap();
        staging.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("index.html")).unwrap(),
            "new"
        );
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["site"]);
    }
}
