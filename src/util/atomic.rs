//! Writing files so that a reader never sees half of one: write a temporary file beside
//! the target, then rename it into place. An interrupted run leaves the old file intact
//! and at worst a `*.senco-tmp*` file (which `.gitignore` already ignores) named after
//! its process, which the next write to the same file removes once that process is gone.

use crate::error::FatalError;
use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically. An existing file keeps its permissions.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, |file| file.write_all(bytes))
}

/// Creates `path` atomically from what `fill` writes into the temporary file.
pub(crate) fn write_with(
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let temp = filled_temp(path, fill)?;
    // An existing file keeps its permissions.
    if let Ok(existing) = std::fs::metadata(path) {
        std::fs::set_permissions(temp.path(), existing.permissions())?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Writes `bytes` to `path` atomically and private to the user (0600 where files have
/// permissions, as a temporary file starts), without waiting for the disk: for what is
/// rebuilt when lost, such as a cache, whose reader must tell a torn file by its
/// checksum. Leftovers of killed runs ([`leftovers`] under [`temp_prefix`]) are the
/// caller's to remove, so a folder of many such files is not listed on every write.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut temp = temp_beside(path, false)?;
    temp.as_file_mut().write_all(bytes)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A temporary file beside `path` (so the final move is a rename on one file system),
/// hidden from senco's own discovery, filled, synced and given ordinary permissions (a
/// temporary file starts private, 0600).
fn filled_temp(
    path: &Path,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<tempfile::NamedTempFile> {
    let mut temp = temp_beside(path, true)?;
    fill(temp.as_file_mut())?;
    temp.as_file_mut().sync_all()?;
    std::fs::set_permissions(temp.path(), default_permissions(temp.as_file())?)?;
    Ok(temp)
}

/// An empty temporary file in `path`'s folder, named after it under [`temp_prefix`] and
/// this process; with `tidy`, what killed runs left under that prefix is removed first.
fn temp_beside(path: &Path, tidy: bool) -> io::Result<tempfile::NamedTempFile> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let prefix = temp_prefix(&name);
    if tidy {
        remove_leftovers(dir, &prefix);
    }
    tempfile::Builder::new()
        .prefix(&format!("{prefix}{}-", std::process::id()))
        .tempfile_in(dir)
}

/// Creates `path` with `bytes`, atomically, never replacing a file that exists.
/// Returns `Ok(false)` (and writes nothing) when `path` is already there. Unix has its
/// own way that also refuses links on the way down (`util::fs`).
#[cfg(any(not(unix), test))]
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<bool, FatalError> {
    let cannot = |e: io::Error| write_error(format!("cannot write {}", path.display()), path, &e);
    let temp = filled_temp(path, |file| file.write_all(bytes)).map_err(cannot)?;
    match temp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(cannot(e.error)),
    }
}

/// [`write`], reporting failure as a [`FatalError`] naming the file.
pub fn write_replace(path: &Path, bytes: &[u8]) -> Result<(), FatalError> {
    write(path, bytes)
        .map_err(|e| write_error(format!("cannot write {}", path.display()), path, &e))
}

/// The error of a write that replaces nothing until it is complete: `WHAT: why`, and when
/// the disk is full, which disk and what to do, since "os error 28" says neither.
/// `path` is where the write went; the help names the folder outside any temporary one.
pub(crate) fn write_error(
    what: impl std::fmt::Display,
    path: &Path,
    error: &io::Error,
) -> FatalError {
    let full = match error.kind() {
        io::ErrorKind::StorageFull => "no space left on the disk",
        io::ErrorKind::QuotaExceeded => "the disk quota is used up",
        _ => return FatalError::io(format!("{what}: {error}"), same_error(error)),
    };
    // A file in a staging folder: name the folder the user chose, not the staging one.
    let dir = path
        .ancestors()
        .skip(1)
        .find(|dir| {
            !dir.components()
                .any(|c| c.as_os_str().to_string_lossy().contains(TEMP_MARK))
        })
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    FatalError::io(format!("{what}: {full}"), same_error(error)).with_help(format!(
        "free some space on the disk holding {} and run again; nothing was replaced",
        dir.display()
    ))
}

/// An owned copy of a borrowed error, to keep as a [`FatalError`]'s source.
fn same_error(error: &io::Error) -> io::Error {
    io::Error::new(error.kind(), error.to_string())
}

/// What names every temporary file and folder senco writes beside a target.
const TEMP_MARK: &str = ".senco-tmp-";

/// The start of the name of a temporary file or folder standing in for `name` while it is
/// written: `.NAME.senco-tmp-`, followed by the id of the process writing it.
pub(crate) fn temp_prefix(name: &str) -> String {
    format!(".{name}{TEMP_MARK}")
}

/// Entries of `dir` named `prefix` then a process id (then anything), whose process has
/// ended: left by a run that was killed. A live process's are kept, so a run never pulls
/// a folder from under another one writing beside it.
pub fn leftovers(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
                return false;
            };
            let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
            rest[..digits].parse::<u32>().is_ok_and(|pid| !running(pid))
        })
        .map(|entry| entry.path())
        .collect();
    found.sort();
    found
}

/// Removes the [`leftovers`] of killed runs, files and folders alike.
pub(crate) fn remove_leftovers(dir: &Path, prefix: &str) {
    for path in leftovers(dir, prefix) {
        // Best effort: what cannot be removed now is tried again on the next run.
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

/// Whether process `pid` is still running. Signal 0 checks without sending anything;
/// a process of another user answers "not permitted", which means it is there.
#[cfg(unix)]
fn running(pid: u32) -> bool {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return false;
    };
    match rustix::process::test_kill_process(pid) {
        Ok(()) => true,
        Err(e) => e == rustix::io::Errno::PERM,
    }
}

/// Elsewhere there is no cheap check: only this process counts as running, so
/// leftovers are always removed (and a concurrent run into the same target may fail).
#[cfg(not(unix))]
fn running(pid: u32) -> bool {
    pid == std::process::id()
}

#[cfg(unix)]
fn default_permissions(_: &File) -> io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions(file: &File) -> io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "old").unwrap();
        write(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.txt")]);
    }

    #[test]
    fn new_never_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.md");
        assert!(write_new(&target, b"one").unwrap());
        assert!(!write_new(&target, b"two").unwrap());
        assert_eq!(std::fs::read(&target).unwrap(), b"one");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary files left behind");
    }

    #[cfg(unix)]
    #[test]
    fn only_the_leftovers_of_ended_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut ended = std::process::Command::new("true").spawn().unwrap();
        let ended_pid = ended.id();
        ended.wait().unwrap();
        let alive_pid = std::os::unix::process::parent_id();
        let prefix = temp_prefix("site");
        for name in [
            format!("{prefix}{ended_pid}"),
            format!("{prefix}{alive_pid}"),
            format!("{prefix}{ended_pid}-a1b2"),
            format!("{prefix}not-a-pid"),
            "site".to_string(),
        ] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        std::fs::write(dir.path().join(format!("{prefix}{ended_pid}-file")), "x").unwrap();
        remove_leftovers(dir.path(), &prefix);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                format!("{prefix}{alive_pid}"),
                format!("{prefix}not-a-pid"),
                "site".to_string()
            ]
        );
    }

    #[test]
    fn a_full_disk_says_which_disk_and_what_to_do() {
        let error = io::Error::from(io::ErrorKind::StorageFull);
        let path = Path::new("/media/usb/.site.senco-tmp-42/outcomes/A1.1.html");
        let fatal = write_error(format!("cannot write {}", path.display()), path, &error);
        assert_eq!(
            fatal.to_string(),
            "cannot write /media/usb/.site.senco-tmp-42/outcomes/A1.1.html: no space left on \
             the disk\nhelp: free some space on the disk holding /media/usb and run again; \
             nothing was replaced"
        );
        let other = write_error("cannot write x", path, &io::Error::other("boom"));
        assert_eq!(other.to_string(), "cannot write x: boom");
    }

    #[test]
    fn a_failed_write_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, "old").unwrap();
        let result = write_with(&path, |_| Err(io::Error::other("disk full")));
        assert!(result.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
    }
}
