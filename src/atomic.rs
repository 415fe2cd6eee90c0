//! Writing files so a reader never sees half of one: the bytes go to a temporary file
//! beside the target, which is then moved into place.

use crate::FatalError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A temporary name in the same folder as `target` (so the final move is a rename on one
/// file system), hidden so senco's own discovery skips it if it is left behind.
fn temp_path(target: &Path, attempt: u32) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let temp = format!(".{name}.{}-{attempt}.tmp", std::process::id());
    target.with_file_name(temp)
}

fn write_temp(target: &Path, contents: &[u8]) -> Result<PathBuf, FatalError> {
    let mut attempt = 0;
    loop {
        let temp = temp_path(target, attempt);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(mut file) => {
                let written = file.write_all(contents).and_then(|()| file.sync_all());
                if let Err(e) = written {
                    let _ = std::fs::remove_file(&temp);
                    return Err(FatalError::new(format!(
                        "cannot write {}: {e}",
                        target.display()
                    )));
                }
                return Ok(temp);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => {
                return Err(FatalError::new(format!(
                    "cannot write {}: {e}",
                    target.display()
                )));
            }
        }
    }
}

/// Writes `contents` to `target`, replacing any file there in one step.
pub fn write_replace(target: &Path, contents: &[u8]) -> Result<(), FatalError> {
    let temp = write_temp(target, contents)?;
    std::fs::rename(&temp, target).map_err(|e| {
        let _ = std::fs::remove_file(&temp);
        FatalError::new(format!("cannot write {}: {e}", target.display()))
    })
}

/// Writes `contents` to `target` only if nothing is there yet. Returns `Ok(false)` when
/// `target` exists. A hard link is the move that refuses to replace, so two tutors
/// reviewing at the same moment cannot overwrite each other's file.
pub fn write_new(target: &Path, contents: &[u8]) -> Result<bool, FatalError> {
    let temp = write_temp(target, contents)?;
    let linked = std::fs::hard_link(&temp, target);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(FatalError::new(format!(
            "cannot create {}: {e}",
            target.display()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_never_replaces_and_replace_does() {
        let dir = tempfile::tempdir().expect("temp dir");
        let target = dir.path().join("a.md");
        assert!(write_new(&target, b"one").expect("write"));
        assert!(!write_new(&target, b"two").expect("write"));
        assert_eq!(std::fs::read(&target).expect("read"), b"one");
        write_replace(&target, b"three").expect("replace");
        assert_eq!(std::fs::read(&target).expect("read"), b"three");
        let left: Vec<_> = std::fs::read_dir(dir.path()).expect("list").collect();
        assert_eq!(left.len(), 1, "no temporary files left behind");
    }
}
