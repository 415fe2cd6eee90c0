//! Rules about file names and paths that every stage applies the same way: which files
//! are hidden, how a path written by hand is normalised, and the one containment rule
//! for files senco reads.
//!
//! Everything in a portfolio is someone else's: a name may climb out (`../`, `%2e%2e`),
//! a file may be a symlink to anything, a named pipe that blocks a reader forever, or
//! `/dev/zero`. So:
//!
//! - [`open_regular`] opens without blocking (`O_NONBLOCK`) and checks the *opened* file
//!   is a regular file before a byte is read, so there is no gap between check and use;
//!   [`read_capped`] then reads at most a cap: the size the opened file has, when that is
//!   within it, or (for a file that says it has none) up to one byte more, to tell "too
//!   large".
//! - [`resolve_inside`] is the containment rule: a portfolio-relative path, resolved
//!   with symlinks followed, must land inside the canonical portfolio root and in no
//!   hidden folder (`.senco/`, `.git`, `.obsidian/` are read only by their own readers,
//!   through [`read_capped`], never as evidence, attachments or link targets).
//!
//! [`read_inside`] is both. [`create_new_beneath`] is the rule for writing: a new file
//! in a folder beneath a root, never through a symlink.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

/// The portfolio's private folder: pseudonyms and backups, never packed or published.
pub(crate) const PRIVATE_DIR: &str = ".senco";

/// Which file a path leads to, links followed: its device and inode, so that two
/// names for one file are known to be one. `None` where the system does not say.
#[cfg(unix)]
pub(crate) fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Which file a path leads to: not known on this system.
#[cfg(not(unix))]
pub(crate) fn file_identity(_: &Path) -> Option<(u64, u64)> {
    None
}

/// The file that marks a folder as a site senco built (`site/`, a dashboard): not the
/// portfolio's own files, so never evidence, an attachment or a link target.
pub(crate) const BUILT_SITE_MARKER: &str = ".senco-site";

/// Whether `dir` is a site senco built (it holds [`BUILT_SITE_MARKER`]).
pub(crate) fn is_built_site(dir: &Path) -> bool {
    dir.join(BUILT_SITE_MARKER).is_file()
}

/// The one hidden-file rule: a name starting with `.` (`.git`, `.obsidian`, `.senco`,
/// `.DS_Store`) is not evidence, an attachment, a judgement or a cohort member.
pub(crate) fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// Whether any part of a `/`-separated relative path is hidden.
pub(crate) fn is_hidden_path(rel: &str) -> bool {
    rel.split('/').any(|part| is_hidden(OsStr::new(part)))
}

/// What a watcher of the portfolio ignores: hidden names, except the private folder at
/// the top (`top_level`), whose pseudonyms file changes what the privacy lint finds.
pub(crate) fn is_unwatched(name: &OsStr, top_level: bool) -> bool {
    is_hidden(name) && !(top_level && name == PRIVATE_DIR)
}

/// Normalises a path as written by hand: trimmed, `/` separators, no leading `./`.
pub(crate) fn normalise_path(written: &str) -> String {
    let mut path = written.trim().replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    path
}

/// The largest configuration file read: `portfolio.toml`, a theme's template or CSS, a
/// judgement, `.git/HEAD`.
pub(crate) const MAX_CONFIG_BYTES: u64 = 4 << 20;
/// The largest attachment copied into a site or inlined into a single file.
pub(crate) const MAX_ATTACHMENT_BYTES: u64 = 256 << 20;

/// Opens `path` for reading if it is a regular file (after following symlinks). A named
/// pipe, socket or device is refused without blocking and without reading from it.
pub(crate) fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading waits for a writer unless non-blocking; a regular
        // file ignores the flag.
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    #[cfg(not(unix))]
    {
        // No FIFOs to block on here; still refuse what is not a file before opening.
        if !std::fs::metadata(path)?.is_file() {
            return Err(not_regular());
        }
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    Ok((file, meta.len()))
}

fn not_regular() -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        "not a regular file (a named pipe, socket, device or folder); not read",
    )
}

/// Reads the regular file at `path`, refusing one larger than `cap` bytes (with
/// [`io::ErrorKind::FileTooLarge`]) before reading it. A file reads as far as the size it
/// had when opened; one that said it had none (as the system's own files do), up to the
/// cap, and is refused if it goes past it.
/// `what` names such files in that error: "evidence files", "theme files".
pub(crate) fn read_capped(path: &Path, cap: u64, what: &str) -> io::Result<Vec<u8>> {
    let too_large = |size: u64| {
        io::Error::new(
            io::ErrorKind::FileTooLarge,
            format!(
                "file is {} MB; senco reads {what} of up to {} MB",
                size.div_ceil(1 << 20),
                cap.div_ceil(1 << 20)
            ),
        )
    };
    let (file, size) = open_regular(path)?;
    if size > cap {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    if size > 0 {
        // What the file held when it was opened, and no more: asking a file that has
        // ended whether it has more is a system call for every file read.
        file.take(size).read_to_end(&mut bytes)?;
        return Ok(bytes);
    }
    // A size of nothing may be a file the system makes as it is read.
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// [`read_capped`] as text: invalid UTF-8 is an error naming the file's encoding problem.
pub(crate) fn read_text_capped(path: &Path, cap: u64, what: &str) -> io::Result<String> {
    String::from_utf8(read_capped(path, cap, what)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("not UTF-8 text: {e}")))
}

/// Why a path was not let through the containment rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Absolute, or `..` climbs above the root, before or after following symlinks.
    Outside,
    /// In or through a hidden folder or file (`.senco/`, `.git`, `.obsidian/`, `.x`).
    Hidden,
    /// Nothing there (or it cannot be resolved).
    Missing,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Refusal::Outside => "it is outside the portfolio folder",
            Refusal::Hidden => "it is in a hidden file or folder, which senco never publishes",
            Refusal::Missing => "it does not exist",
        })
    }
}

/// Normalises a `/`-separated relative path lexically: `.` and empty parts dropped,
/// `..` applied. `None` when it is absolute or climbs above the start.
pub(crate) fn normalise_relative(rel: &str) -> Option<String> {
    if rel.starts_with('/') || rel.contains('\\') || rel.contains('\0') {
        return None;
    }
    if rel.as_bytes().get(1) == Some(&b':') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn is_hidden_part(part: &str) -> bool {
    is_hidden(OsStr::new(part))
}

/// The containment rule. `canonical_root` is the portfolio folder, canonicalised;
/// `rel` is relative to it (already percent-decoded). The answer is the real path of
/// the file, inside the root and in no hidden folder both as written and as resolved.
pub(crate) fn resolve_inside(canonical_root: &Path, rel: &str) -> Result<PathBuf, Refusal> {
    let normal = normalise_relative(rel).ok_or(Refusal::Outside)?;
    if normal.is_empty() {
        return Err(Refusal::Missing);
    }
    if normal.split('/').any(is_hidden_part) {
        return Err(Refusal::Hidden);
    }
    let real = std::fs::canonicalize(canonical_root.join(&normal)).map_err(|_| Refusal::Missing)?;
    let Ok(inside) = real.strip_prefix(canonical_root) else {
        return Err(Refusal::Outside);
    };
    if inside
        .components()
        .any(|c| matches!(c, Component::Normal(n) if is_hidden_part(&n.to_string_lossy())))
    {
        return Err(Refusal::Hidden);
    }
    Ok(real)
}

/// What stopped [`read_inside`].
#[derive(Debug)]
pub(crate) enum ReadError {
    Refused(Refusal),
    Io(io::Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Refused(why) => write!(f, "not read: {why}"),
            ReadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// The containment rule, then a capped read of a regular file.
pub(crate) fn read_inside(
    canonical_root: &Path,
    rel: &str,
    cap: u64,
    what: &str,
) -> Result<Vec<u8>, ReadError> {
    let real = resolve_inside(canonical_root, rel).map_err(ReadError::Refused)?;
    read_capped(&real, cap, what).map_err(ReadError::Io)
}

/// Creates the file `name` holding `bytes` in the folder `dirs` (created if missing)
/// beneath `base`, never following a symlink on the way (each folder is opened with
/// `O_NOFOLLOW`) and never replacing a file: `Ok(None)` when `name` exists. `base`
/// itself is the caller's (the portfolio folder named on the command line) and may be
/// reached through links. The file is written under a temporary name and linked into
/// place, so a reader never sees half of it.
pub(crate) fn create_new_beneath(
    base: &Path,
    dirs: &[&str],
    name: &str,
    bytes: &[u8],
) -> io::Result<Option<PathBuf>> {
    let invalid = |what: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("`{what}` is not a plain file or folder name"),
        )
    };
    for part in dirs.iter().chain([&name]) {
        if part.is_empty() || *part == "." || *part == ".." || part.contains(['/', '\\', '\0']) {
            return Err(invalid(part));
        }
    }
    let mut path = base.to_path_buf();
    for dir in dirs {
        path.push(dir);
    }
    let target = path.join(name);
    #[cfg(unix)]
    {
        use rustix::fs::{AtFlags, Mode, OFlags};
        use std::io::Write;
        let link_error = |e: rustix::io::Errno, at: &Path| {
            if e == rustix::io::Errno::LOOP || e == rustix::io::Errno::NOTDIR {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{} is a symbolic link (or not a folder); senco does not write through links",
                        at.display()
                    ),
                )
            } else {
                io::Error::from(e)
            }
        };
        let folder = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let mut dir_fd = rustix::fs::open(base, folder, Mode::empty()).map_err(io::Error::from)?;
        let mut at = base.to_path_buf();
        for dir in dirs {
            at.push(dir);
            let open = |fd: &rustix::fd::OwnedFd| {
                rustix::fs::openat(fd, *dir, folder | OFlags::NOFOLLOW, Mode::empty())
            };
            let next = match open(&dir_fd) {
                Err(rustix::io::Errno::NOENT) => {
                    match rustix::fs::mkdirat(&dir_fd, *dir, Mode::from_raw_mode(0o755)) {
                        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                        Err(e) => return Err(io::Error::from(e)),
                    }
                    open(&dir_fd)
                }
                other => other,
            }
            .map_err(|e| link_error(e, &at))?;
            dir_fd = next;
        }
        let temp = format!(
            "{}{}-{}",
            crate::util::atomic::temp_prefix(name),
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        let fd = rustix::fs::openat(
            &dir_fd,
            temp.as_str(),
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o644),
        )
        .map_err(io::Error::from)?;
        let mut file = File::from(fd);
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        let linked = written.and_then(|()| {
            match rustix::fs::linkat(&dir_fd, temp.as_str(), &dir_fd, name, AtFlags::empty()) {
                Ok(()) => Ok(true),
                Err(rustix::io::Errno::EXIST) => Ok(false),
                Err(e) => Err(io::Error::from(e)),
            }
        });
        let _ = rustix::fs::unlinkat(&dir_fd, temp.as_str(), AtFlags::empty());
        Ok(linked?.then_some(target))
    }
    #[cfg(not(unix))]
    {
        let mut at = base.to_path_buf();
        for dir in dirs {
            at.push(dir);
            match std::fs::symlink_metadata(&at) {
                Ok(meta) if meta.file_type().is_symlink() || !meta.is_dir() => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!(
                            "{} is a link or not a folder; senco does not write through links",
                            at.display()
                        ),
                    ));
                }
                Ok(_) => {}
                Err(_) => std::fs::create_dir(&at)?,
            }
        }
        match crate::util::atomic::write_new(&target, bytes) {
            Ok(true) => Ok(Some(target)),
            Ok(false) => Ok(None),
            Err(e) => Err(io::Error::other(e.message)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_starting_with_a_dot_are_hidden_wherever_they_are() {
        for name in [".git", ".senco", ".DS_Store", "."] {
            assert!(is_hidden(OsStr::new(name)), "{name}");
        }
        for name in ["notes.md", "a.b", ""] {
            assert!(!is_hidden(OsStr::new(name)), "{name}");
        }
        assert!(is_hidden_path("evidence/.obsidian/x.md"));
        assert!(!is_hidden_path("evidence/a.md"));
        assert!(is_unwatched(OsStr::new(".git"), true));
        assert!(!is_unwatched(OsStr::new(".senco"), true));
        assert!(is_unwatched(OsStr::new(".senco"), false));
    }

    #[test]
    fn written_paths_lose_leading_dots_and_backslashes() {
        assert_eq!(normalise_path(" ./evidence\\a.md "), "evidence/a.md");
        assert_eq!(normalise_path("././a.md"), "a.md");
    }

    #[test]
    fn relative_paths_normalise_or_are_refused() {
        assert_eq!(normalise_relative("a/./b//c").as_deref(), Some("a/b/c"));
        assert_eq!(normalise_relative("a/../b").as_deref(), Some("b"));
        assert_eq!(normalise_relative("../x"), None);
        assert_eq!(normalise_relative("a/../../x"), None);
        assert_eq!(normalise_relative("/etc/passwd"), None);
        assert_eq!(normalise_relative("C:/x"), None);
        assert_eq!(normalise_relative("a\\..\\x"), None);
    }

    #[test]
    fn the_rule_holds_for_links_hidden_folders_and_climbs() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        std::fs::create_dir_all(root.join("evidence")).unwrap();
        std::fs::create_dir_all(root.join(".senco")).unwrap();
        std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();
        std::fs::write(root.join("evidence/a.png"), "inside").unwrap();
        std::fs::write(root.join(".senco/pseudonyms.toml"), "names").unwrap();
        let root = std::fs::canonicalize(&root).unwrap();
        assert!(resolve_inside(&root, "evidence/a.png").is_ok());
        assert_eq!(
            resolve_inside(&root, "evidence/../../secret.txt"),
            Err(Refusal::Outside)
        );
        assert_eq!(
            resolve_inside(&root, ".senco/pseudonyms.toml"),
            Err(Refusal::Hidden)
        );
        assert_eq!(
            resolve_inside(&root, "evidence/none.png"),
            Err(Refusal::Missing)
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(
                dir.path().join("secret.txt"),
                root.join("evidence/innocent.png"),
            )
            .unwrap();
            std::os::unix::fs::symlink(
                root.join(".senco/pseudonyms.toml"),
                root.join("evidence/names.png"),
            )
            .unwrap();
            assert_eq!(
                resolve_inside(&root, "evidence/innocent.png"),
                Err(Refusal::Outside)
            );
            assert_eq!(
                resolve_inside(&root, "evidence/names.png"),
                Err(Refusal::Hidden)
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn special_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        assert!(read_capped(&fifo, 10, "files").is_err());
        assert!(read_capped(Path::new("/dev/zero"), 10, "files").is_err());
        assert!(read_capped(dir.path(), 10, "files").is_err());
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b'x'; 11]).unwrap();
        let e = read_capped(&big, 10, "files").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
        std::fs::write(&big, vec![b'x'; 10]).unwrap();
        assert_eq!(read_capped(&big, 10, "files").unwrap().len(), 10);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_file_that_says_it_is_empty_is_read_to_its_end_within_the_cap() {
        // The kernel's own files have a size of nothing and text all the same.
        let status = Path::new("/proc/self/status");
        assert_eq!(std::fs::metadata(status).unwrap().len(), 0);
        let text = read_capped(status, 1 << 20, "files").unwrap();
        assert!(
            text.starts_with(b"Name:"),
            "{:?}",
            String::from_utf8_lossy(&text)
        );
        let e = read_capped(status, 10, "files").unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn a_file_is_read_whole_in_one_go_when_its_size_is_known() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("note.md");
        let text: Vec<u8> = (0..100_000u32)
            .map(|i| b"ab\n\xe2\x80\x9c"[i as usize % 6])
            .collect();
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_capped(&path, 1 << 20, "files").unwrap(), text);
        std::fs::write(&path, b"").unwrap();
        assert_eq!(read_capped(&path, 1 << 20, "files").unwrap(), b"");
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_never_written_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("p");
        let other = dir.path().join("other");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&other).unwrap();
        let written = create_new_beneath(&root, &["feedback"], "a.md", b"x").unwrap();
        assert_eq!(written, Some(root.join("feedback/a.md")));
        assert_eq!(
            create_new_beneath(&root, &["feedback"], "a.md", b"y").unwrap(),
            None
        );
        assert_eq!(std::fs::read(root.join("feedback/a.md")).unwrap(), b"x");
        std::fs::remove_dir_all(root.join("feedback")).unwrap();
        std::os::unix::fs::symlink(&other, root.join("feedback")).unwrap();
        assert!(create_new_beneath(&root, &["feedback"], "a.md", b"x").is_err());
        assert!(std::fs::read_dir(&other).unwrap().next().is_none());
    }
}
