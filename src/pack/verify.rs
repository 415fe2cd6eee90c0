//! `senco verify`: does a pack still hold exactly what its manifest lists?
//!
//! The zip is someone else's, and so is its manifest: nothing in either is trusted to
//! bound the work. Four checks, each linear in the number of entries:
//!
//! 1. Every entry is a plain file with a safe name: relative, `/`-separated, no `..`,
//!    no absolute path or drive, no symlink, folder or odd permission, no duplicate, and
//!    as many entries as the central directory says.
//! 2. The manifest's `format` is one this senco knows; otherwise the pack cannot be
//!    verified (an error, exit 2), never "intact".
//! 3. Every listed file is streamed through SHA-256 (zip CRCs catch damage to compressed
//!    data), read at most to its declared size plus one byte, and the total read is kept
//!    under [`expansion_ceiling`], whatever the manifest says.
//! 4. The layout: the headers are exactly those `senco pack` writes for this format
//!    (dates, permissions, flags, no comments or extra fields, entries in order with
//!    nothing between or after them). This does not depend on the senco version, so a
//!    pack from another version of the same format is checked in full.

use super::MANIFEST;
use super::manifest::{FORMAT, FileRecord, Manifest};
use crate::error::FatalError;
use crate::util::hash::Sha256;
use sha2::Digest;
use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The most any pack may expand to while verified, whatever its size or manifest says.
pub(crate) const MAX_EXPANDED: u64 = 4 << 30;
/// Every pack may expand to at least this much...
const MIN_EXPANDED: u64 = 256 << 20;
/// ...or to this many times its own size, whichever is more (up to [`MAX_EXPANDED`]).
/// Packs are HTML, JSON and attachments; they deflate by far less than this.
const EXPANSION_RATIO: u64 = 64;
/// The largest manifest read (80,000 files take about 12 MB).
pub(crate) const MAX_MANIFEST: u64 = 64 << 20;
/// The largest central directory the layout check reads.
const MAX_CENTRAL_DIRECTORY: u64 = 64 << 20;

/// How many bytes of contents verify reads at most from a pack of `pack_len` bytes.
pub(crate) fn expansion_ceiling(pack_len: u64) -> u64 {
    pack_len
        .saturating_mul(EXPANSION_RATIO)
        .clamp(MIN_EXPANDED, MAX_EXPANDED)
}

/// Whether a zip is laid out as `senco pack` lays out every pack: a pack rebuilt by hand
/// with the same files still differs here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// The zip's headers are exactly those `senco pack` writes.
    Same,
    /// They are not: something outside the files' contents was changed (the reason).
    Differs(String),
}

/// What `senco verify` found of a pack: every difference from its manifest, not the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    /// The pack's manifest, as read.
    pub manifest: Manifest,
    /// In the manifest, not in the zip.
    pub missing: Vec<String>,
    /// In the zip, not in the manifest.
    pub extra: Vec<String>,
    /// (path, what differs), including files not read because of the ceiling.
    pub changed: Vec<(String, String)>,
    /// (entry, why): entries no senco pack holds, such as `../x`, a symlink or a duplicate.
    pub(crate) unsafe_entries: Vec<(String, String)>,
    /// Whether the zip itself is as senco writes it.
    pub layout: Layout,
    /// SHA-256 of the whole zip file.
    pub sha256: Sha256,
}

impl Verification {
    /// Everything was checked and everything matched.
    pub fn intact(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.changed.is_empty()
            && self.unsafe_entries.is_empty()
            && self.layout == Layout::Same
    }
}

/// Writes what `senco verify` found: each difference, then the verdict and the zip's hash.
pub fn write_text(out: &mut dyn std::io::Write, result: &Verification) -> std::io::Result<()> {
    for name in &result.missing {
        writeln!(out, "missing: {name}")?;
    }
    for name in &result.extra {
        writeln!(out, "extra:   {name}")?;
    }
    for (name, why) in &result.changed {
        writeln!(out, "changed: {name}: {why}")?;
    }
    for (name, why) in &result.unsafe_entries {
        writeln!(out, "unsafe:  {name}: {why}")?;
    }
    if let Layout::Differs(why) = &result.layout {
        writeln!(
            out,
            "changed: the zip's headers differ from what senco pack writes: {why}"
        )?;
    }
    if result.intact() {
        writeln!(
            out,
            "intact: all {} files match manifest.json\nSHA-256 {}",
            result.manifest.files.len(),
            result.sha256
        )
    } else {
        writeln!(
            out,
            "NOT intact: this pack differs from its manifest\nSHA-256 {}",
            result.sha256
        )
    }
}

/// Checks the pack at `path`. Errors (exit 2) mean it is not a readable zip with a
/// manifest of a known format.
pub fn verify(path: &Path) -> Result<Verification, FatalError> {
    let cannot_read =
        |e: std::io::Error| FatalError::io(format!("cannot read {}: {e}", path.display()), e);
    let meta = std::fs::metadata(path).map_err(cannot_read)?;
    if !meta.is_file() {
        return Err(
            FatalError::invalid(format!("{} is not a regular file", path.display()))
                .with_help("give the path of a zip made by `senco pack`"),
        );
    }
    // Opened as a regular file again: it may have been swapped for a pipe since the stat.
    let (file, _) = crate::util::fs::open_regular(path).map_err(cannot_read)?;
    verify_reader(BufReader::new(file), meta.len()).map_err(|e| e.prefixed(path.display()))
}

/// [`verify`] on a pack in memory.
pub fn verify_bytes(bytes: &[u8]) -> Result<Verification, FatalError> {
    verify_reader(std::io::Cursor::new(bytes), bytes.len() as u64)
}

/// [`verify`] on a pack of `len` bytes read from `reader`.
pub(crate) fn verify_reader<R: Read + Seek>(
    mut reader: R,
    len: u64,
) -> Result<Verification, FatalError> {
    let not_a_pack = |why: String| {
        FatalError::invalid(why)
            .with_help("a senco pack is a zip made by `senco pack`, with manifest.json at its root")
    };
    let io_error = |e: std::io::Error| FatalError::io(format!("cannot read the zip: {e}"), e);
    let sha256 = {
        let mut hasher = HashWriter::default();
        reader.seek(SeekFrom::Start(0)).map_err(io_error)?;
        std::io::copy(&mut (&mut reader).take(len), &mut hasher).map_err(io_error)?;
        hasher.finish()
    };
    let raw_layout = read_layout(&mut reader, len);
    // The central directory's own list of names: the zip library keeps one entry per
    // name, so duplicates are found here.
    let directory_start = {
        reader.seek(SeekFrom::Start(0)).map_err(io_error)?;
        zip::ZipArchive::new(&mut reader)
            .map_err(|e| not_a_pack(format!("not a readable zip file: {e}")))?
            .central_directory_start()
    };
    let all_names = central_names(&mut reader, directory_start, len).map_err(io_error)?;
    reader.seek(SeekFrom::Start(0)).map_err(io_error)?;
    let mut archive = zip::ZipArchive::new(reader)
        .map_err(|e| not_a_pack(format!("not a readable zip file: {e}")))?;

    // Names and kinds, from the central directory alone.
    let mut unsafe_entries: Vec<(String, String)> = Vec::new();
    let mut sorted_names = all_names.clone();
    sorted_names.sort_unstable();
    for pair in sorted_names.windows(2).filter(|w| w[0] == w[1]) {
        unsafe_entries.push((
            String::from_utf8_lossy(&pair[0]).into_owned(),
            "appears twice in the zip".into(),
        ));
    }
    unsafe_entries.dedup();
    if all_names.len() != archive.len() && unsafe_entries.is_empty() {
        unsafe_entries.push((
            "the zip".into(),
            format!(
                "its central directory lists {} entries, of which {} can be read",
                all_names.len(),
                archive.len()
            ),
        ));
    }
    let mut names: Vec<Option<String>> = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry = match archive.by_index_data(index) {
            Ok(entry) => entry,
            Err(e) => {
                unsafe_entries.push((format!("entry #{index}"), format!("cannot be read: {e}")));
                names.push(None);
                continue;
            }
        };
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let problem = if std::str::from_utf8(entry.name_raw()).is_err() {
            Some("its name is not UTF-8".to_string())
        } else if let Some(why) = unsafe_name(&name) {
            Some(why.to_string())
        } else if entry.is_symlink() {
            Some("is a symbolic link".into())
        } else if entry.is_dir() {
            Some("is a folder".into())
        } else if entry.encrypted() {
            Some("is encrypted".into())
        } else {
            match entry.unix_mode() {
                Some(0o100644) => None,
                Some(mode) => Some(format!("has mode {mode:o}, not a plain file's 100644")),
                None => Some("has no Unix permissions".into()),
            }
        };
        match problem {
            Some(why) => {
                unsafe_entries.push((name, why));
                names.push(None);
            }
            None => names.push(Some(name)),
        }
    }

    let manifest = read_manifest(&mut archive).map_err(not_a_pack)?;
    if manifest.format != FORMAT {
        return Err(FatalError::invalid(format!(
            "cannot verify: {MANIFEST} says format `{}`, which this senco (version {}) does not know",
            manifest.format,
            env!("CARGO_PKG_VERSION")
        ))
        .with_help(format!(
            "verify it with the senco that made it ({} {}); this senco knows `{FORMAT}`",
            manifest.tool.name, manifest.tool.version
        )));
    }

    let mut listed: HashMap<&str, &FileRecord> = HashMap::with_capacity(manifest.files.len());
    let mut changed: Vec<(String, String)> = Vec::new();
    for record in &manifest.files {
        if listed.insert(record.path.as_str(), record).is_some() {
            changed.push((record.path.clone(), format!("listed twice in {MANIFEST}")));
        }
    }
    let ceiling = expansion_ceiling(len);
    let mut expanded: u64 = 0;
    let mut seen: HashSet<String> = HashSet::with_capacity(names.len());
    let mut extra = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let Some(name) = name else { continue };
        if name == MANIFEST || !seen.insert(name.clone()) {
            continue;
        }
        let Some(record) = listed.get(name.as_str()) else {
            extra.push(name.clone());
            continue;
        };
        let declared = match archive.by_index_data(index) {
            Ok(entry) => entry.size(),
            Err(e) => {
                changed.push((name.clone(), format!("cannot be read: {e}")));
                continue;
            }
        };
        if declared != record.size {
            changed.push((
                name.clone(),
                format!("size {declared} bytes, manifest says {}", record.size),
            ));
            continue;
        }
        if expanded.saturating_add(record.size) > ceiling {
            changed.push((
                name.clone(),
                format!(
                    "not checked: the pack expands past {ceiling} bytes, the most senco verify reads from a zip of {len} bytes"
                ),
            ));
            continue;
        }
        match hash_entry(&mut archive, index, record.size) {
            Ok((read, _)) if read > record.size => changed.push((
                name.clone(),
                format!("holds more than the {} bytes it declares", record.size),
            )),
            Ok((read, _)) if read < record.size => changed.push((
                name.clone(),
                format!("holds {read} bytes, manifest says {}", record.size),
            )),
            Ok((_, digest)) if digest.to_hex() != record.sha256 => changed.push((
                name.clone(),
                "contents differ from the manifest's SHA-256".into(),
            )),
            Ok((read, _)) => expanded += read,
            Err(e) => changed.push((name.clone(), format!("damaged: {e}"))),
        }
    }
    let unsafe_names: HashSet<&str> = unsafe_entries.iter().map(|(n, _)| n.as_str()).collect();
    let missing: Vec<String> = manifest
        .files
        .iter()
        .filter(|f| !seen.contains(&f.path) && !unsafe_names.contains(f.path.as_str()))
        .map(|f| f.path.clone())
        .collect();
    extra.sort();
    changed.sort();
    unsafe_entries.sort();
    let layout = match raw_layout {
        Ok(_) => Layout::Same,
        Err(why) => Layout::Differs(why),
    };
    Ok(Verification {
        manifest,
        missing,
        extra,
        changed,
        unsafe_entries,
        layout,
        sha256,
    })
}

/// Why `name` can never be the name of a file in a pack, if it cannot.
fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.is_empty() {
        return Some("has an empty name");
    }
    if name.starts_with('/') || name.contains('\\') || name.as_bytes().get(1) == Some(&b':') {
        return Some("is an absolute path (or uses `\\`)");
    }
    if name.contains('\0') || name.chars().any(char::is_control) {
        return Some("has a control character in its name");
    }
    if name.split('/').any(|part| part == "..") {
        return Some("climbs out of the pack with `..`");
    }
    if name.split('/').any(|part| part.is_empty() || part == ".") {
        return Some("has an empty or `.` part in its path");
    }
    None
}

/// The manifest, read with a cap.
fn read_manifest<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Result<Manifest, String> {
    let Some(index) = archive.index_for_name(MANIFEST) else {
        return Err(format!("no {MANIFEST} in the zip"));
    };
    let mut file = archive
        .by_index(index)
        .map_err(|e| format!("{MANIFEST} is damaged: {e}"))?;
    let mut bytes = Vec::new();
    (&mut file)
        .take(MAX_MANIFEST + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{MANIFEST} is damaged: {e}"))?;
    if bytes.len() as u64 > MAX_MANIFEST {
        return Err(format!(
            "{MANIFEST} is larger than {MAX_MANIFEST} bytes, more than any pack's"
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("{MANIFEST} cannot be read: {e}"))
}

/// Streams entry `index` through SHA-256, reading at most `size + 1` bytes: how many
/// bytes it read and the digest. Reading past the end checks the entry's CRC.
fn hash_entry<R: Read + Seek>(
    archive: &mut zip::ZipArchive<R>,
    index: usize,
    size: u64,
) -> Result<(u64, Sha256), String> {
    let file = archive.by_index(index).map_err(|e| e.to_string())?;
    let mut hasher = HashWriter::default();
    let read = std::io::copy(&mut file.take(size.saturating_add(1)), &mut hasher)
        .map_err(|e| e.to_string())?;
    Ok((read, hasher.finish()))
}

#[derive(Default)]
struct HashWriter(sha2::Sha256);

impl HashWriter {
    fn finish(self) -> Sha256 {
        Sha256::from_digest(self.0.finalize().into())
    }
}

impl Write for HashWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// The layout `senco pack` writes (format senco-pack/1)
// ---------------------------------------------------------------------------------------

const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const END_SIGNATURE: u32 = 0x0605_4b50;
/// Version 2.0, made on Unix.
const MADE_BY: u16 = (3 << 8) | 20;
const VERSION_NEEDED: u16 = 20;
const DEFLATED: u16 = 8;
/// 00:00:00 and 1980-01-01 in MS-DOS form.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;
/// UTF-8 names: set exactly when the name is not ASCII.
const UTF8_FLAG: u16 = 1 << 11;
/// A regular file, `rw-r--r--`.
const EXTERNAL_ATTRIBUTES: u32 = 0o100644 << 16;

/// The name of every record in the central directory starting at `start`, in order,
/// whatever the zip's layout (so duplicates the zip library folds together are seen).
fn central_names<R: Read + Seek>(
    reader: &mut R,
    start: u64,
    len: u64,
) -> std::io::Result<Vec<Vec<u8>>> {
    reader.seek(SeekFrom::Start(start))?;
    let mut reader = BufReader::new(reader.take(len.saturating_sub(start)));
    let mut names = Vec::new();
    let mut header = [0u8; 46];
    while reader.read_exact(&mut header).is_ok() {
        let h = Fields(&header);
        if h.u32(0) != CENTRAL_SIGNATURE {
            break;
        }
        let mut name = vec![0u8; h.u16(28) as usize];
        reader.read_exact(&mut name)?;
        let skip = h.u16(30) as u64 + h.u16(32) as u64;
        std::io::copy(&mut (&mut reader).take(skip), &mut std::io::sink())?;
        names.push(name);
    }
    Ok(names)
}

/// Checks every header byte of the zip against what `senco pack` writes, in one pass
/// over the local headers and one over the central directory.
fn read_layout<R: Read + Seek>(reader: &mut R, len: u64) -> Result<(), String> {
    let io = |e: std::io::Error| format!("cannot read the zip's headers: {e}");
    if len < 22 {
        return Err("too short to be a zip".into());
    }
    reader.seek(SeekFrom::Start(len - 22)).map_err(io)?;
    let mut end = [0u8; 22];
    reader.read_exact(&mut end).map_err(io)?;
    let end = Fields(&end);
    let (entries, cd_size, cd_offset) = (end.u16(10), end.u32(12) as u64, end.u32(16) as u64);
    if end.u32(0) != END_SIGNATURE
        || end.u16(4) != 0
        || end.u16(6) != 0
        || end.u16(8) != entries
        || end.u16(20) != 0
    {
        return Err(
            "the end of the zip is not what senco writes (a comment, or more after it)".into(),
        );
    }
    if cd_offset.checked_add(cd_size) != Some(len - 22) {
        return Err("the central directory is not where senco puts it".into());
    }
    if cd_size > MAX_CENTRAL_DIRECTORY {
        return Err(format!(
            "the central directory is over {MAX_CENTRAL_DIRECTORY} bytes"
        ));
    }
    reader.seek(SeekFrom::Start(cd_offset)).map_err(io)?;
    let mut directory = vec![0u8; cd_size as usize];
    reader.read_exact(&mut directory).map_err(io)?;

    let mut previous: Option<Vec<u8>> = None;
    let mut at = 0usize;
    let mut next_local: u64 = 0;
    let mut local = Vec::new();
    for number in 0..entries {
        let header = directory
            .get(at..at + 46)
            .ok_or_else(|| format!("the central directory ends before entry {number}"))?;
        let h = Fields(header);
        let name_len = h.u16(28) as usize;
        let name = directory
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| format!("the central directory ends inside entry {number}"))?
            .to_vec();
        let shown = String::from_utf8_lossy(&name).into_owned();
        let flags = if name.is_ascii() { 0 } else { UTF8_FLAG };
        let (crc, compressed, size) = (h.u32(16), h.u32(20), h.u32(24));
        let offset = h.u32(42) as u64;
        let expected: [(usize, u32, u32); 14] = [
            (0, 4, CENTRAL_SIGNATURE),
            (4, 2, MADE_BY as u32),
            (6, 2, VERSION_NEEDED as u32),
            (8, 2, flags as u32),
            (10, 2, DEFLATED as u32),
            (12, 2, DOS_TIME as u32),
            (14, 2, DOS_DATE as u32),
            (30, 2, 0), // extra field length
            (32, 2, 0), // comment length
            (34, 2, 0), // disk number
            (36, 2, 0), // internal attributes
            (38, 4, EXTERNAL_ATTRIBUTES),
            (42, 4, next_local as u32),
            (28, 2, name_len as u32),
        ];
        if let Some((field, _, _)) = expected
            .iter()
            .find(|(at, width, want)| h.get(*at, *width) != *want)
        {
            return Err(format!(
                "the central directory's header of {shown} differs from what senco writes (at byte {field} of it)"
            ));
        }
        if offset != next_local {
            return Err(format!("{shown} is not where senco puts it"));
        }
        if let Some(previous) = &previous
            && previous.as_slice() > name.as_slice()
        {
            return Err(format!("{shown} is out of order"));
        }
        // Its local header: the same fields, then the name, then the data.
        local.resize(30 + name_len, 0);
        reader.seek(SeekFrom::Start(offset)).map_err(io)?;
        reader.read_exact(&mut local).map_err(io)?;
        let l = Fields(&local);
        let local_expected: [(usize, u32, u32); 11] = [
            (0, 4, LOCAL_SIGNATURE),
            (4, 2, VERSION_NEEDED as u32),
            (6, 2, flags as u32),
            (8, 2, DEFLATED as u32),
            (10, 2, DOS_TIME as u32),
            (12, 2, DOS_DATE as u32),
            (14, 4, crc),
            (18, 4, compressed),
            (22, 4, size),
            (26, 2, name_len as u32),
            (28, 2, 0), // extra field length
        ];
        if local_expected
            .iter()
            .any(|(at, width, want)| l.get(*at, *width) != *want)
            || local[30..] != name[..]
        {
            return Err(format!(
                "the local header of {shown} differs from what senco writes"
            ));
        }
        next_local = offset + 30 + name_len as u64 + compressed as u64;
        previous = Some(name);
        at += 46 + name_len;
    }
    if at != directory.len() {
        return Err("the central directory holds more than its entries".into());
    }
    if next_local != cd_offset {
        return Err("there is data between the last file and the central directory".into());
    }
    Ok(())
}

/// Little-endian fields of a header.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn u16(&self, at: usize) -> u16 {
        u16::from_le_bytes([self.0[at], self.0[at + 1]])
    }
    fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes([self.0[at], self.0[at + 1], self.0[at + 2], self.0[at + 3]])
    }
    fn get(&self, at: usize, width: u32) -> u32 {
        if width == 4 {
            self.u32(at)
        } else {
            self.u16(at) as u32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_names_are_named() {
        for name in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "C:/x",
            "a\\b",
            "a//b",
            "./a",
            "",
            "a\nb",
        ] {
            assert!(unsafe_name(name).is_some(), "{name:?} passed");
        }
        for name in [
            "index.html",
            "jo/site/files/a b.png",
            "café/x.md",
            "..a/b..c",
        ] {
            assert_eq!(unsafe_name(name), None, "{name:?}");
        }
    }

    #[test]
    fn the_ceiling_does_not_follow_the_manifest_and_has_an_absolute_top() {
        assert_eq!(expansion_ceiling(0), MIN_EXPANDED);
        assert_eq!(expansion_ceiling(2 << 20), MIN_EXPANDED);
        assert_eq!(expansion_ceiling(10 << 20), 640 << 20);
        assert_eq!(expansion_ceiling(u64::MAX), MAX_EXPANDED);
    }
}
