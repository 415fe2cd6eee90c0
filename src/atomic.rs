//! Writing files so that a reader never sees half of one: write a temporary file beside
//! the target, then rename it into place. An interrupted run leaves the old file intact
//! (and at worst a `*.senco-tmp*` file, which `.gitignore` already ignores).

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically. An existing file keeps its permissions.
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, |file| file.write_all(bytes))
}

/// Creates `path` atomically from what `fill` writes into the temporary file.
pub fn write_with(path: &Path, fill: impl FnOnce(&mut File) -> io::Result<()>) -> io::Result<()> {
    let temp = filled_temp(path, fill)?;
    // An existing file keeps its permissions.
    if let Ok(existing) = std::fs::metadata(path) {
        std::fs::set_permissions(temp.path(), existing.permissions())?;
    }
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
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".")
        .suffix(".senco-tmp")
        .tempfile_in(dir)?;
    fill(temp.as_file_mut())?;
    temp.as_file_mut().sync_all()?;
    std::fs::set_permissions(temp.path(), default_permissions(temp.as_file())?)?;
    Ok(temp)
}

/// Creates `path` with `bytes`, atomically, never replacing a file that exists.
/// Returns `Ok(false)` (and writes nothing) when `path` is already there.
pub fn write_new(path: &Path, bytes: &[u8]) -> Result<bool, crate::FatalError> {
    let cannot =
        |e: io::Error| crate::FatalError::new(format!("cannot write {}: {e}", path.display()));
    let temp = filled_temp(path, |file| file.write_all(bytes)).map_err(cannot)?;
    match temp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(cannot(e.error)),
    }
}

/// [`write`], reporting failure as a [`crate::FatalError`] naming the file.
pub fn write_replace(path: &Path, bytes: &[u8]) -> Result<(), crate::FatalError> {
    write(path, bytes)
        .map_err(|e| crate::FatalError::new(format!("cannot write {}: {e}", path.display())))
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
