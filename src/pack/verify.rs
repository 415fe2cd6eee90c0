//! `senco verify`: does a pack still hold exactly what its manifest lists?
//!
//! Two checks. Every file is read back (zip CRCs catch damage to compressed data) and its
//! SHA-256 and size compared with the manifest: missing, extra and changed files. Then,
//! because packs are reproducible, the files are zipped again and the result compared
//! with the pack byte for byte; this catches changes to what the manifest cannot see
//! (timestamps, permissions, comments in the zip's headers). That second check needs the
//! same senco version that made the pack; with another it is skipped and said so.

use super::manifest::Manifest;
use super::{Entry, MANIFEST};
use crate::error::FatalError;
use crate::util::hash::Sha256;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// Zipping the files again gives the pack's exact bytes.
    Same,
    /// It does not: something outside the files' contents was changed.
    Differs,
    /// Made by another senco version (named), whose zips may differ: not checked.
    Skipped(String),
    /// Not checked because files already differ.
    NotChecked,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub manifest: Manifest,
    /// In the manifest, not in the zip.
    pub missing: Vec<String>,
    /// In the zip, not in the manifest.
    pub extra: Vec<String>,
    /// (path, what differs).
    pub changed: Vec<(String, String)>,
    pub layout: Layout,
    /// SHA-256 of the whole zip file.
    pub sha256: Sha256,
}

impl Verification {
    pub fn intact(&self) -> bool {
        self.missing.is_empty()
            && self.extra.is_empty()
            && self.changed.is_empty()
            && matches!(self.layout, Layout::Same | Layout::Skipped(_))
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
    match &result.layout {
        Layout::Differs => writeln!(
            out,
            "changed: the zip's headers (dates, permissions or comments) differ from what senco wrote"
        )?,
        Layout::Skipped(version) => writeln!(
            out,
            "note: made by senco {version}; only the files' contents were checked"
        )?,
        Layout::Same | Layout::NotChecked => {}
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

/// Checks the pack at `path`. Errors (exit 2) mean it is not a readable zip with a manifest.
pub fn verify(path: &Path) -> Result<Verification, FatalError> {
    let bytes = std::fs::read(path)
        .map_err(|e| FatalError::io(format!("cannot read {}: {e}", path.display()), e))?;
    verify_bytes(&bytes).map_err(|e| e.prefixed(path.display()))
}

pub fn verify_bytes(bytes: &[u8]) -> Result<Verification, FatalError> {
    let not_a_pack = |why: String| {
        FatalError::invalid(why)
            .with_help("a senco pack is a zip made by `senco pack`, with manifest.json at its root")
    };
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| not_a_pack(format!("not a readable zip file: {e}")))?;
    let mut contents: Vec<Entry> = Vec::new();
    let mut damaged: Vec<(String, String)> = Vec::new();
    for index in 0..archive.len() {
        let mut file = match archive.by_index(index) {
            Ok(file) => file,
            Err(e) => {
                damaged.push((format!("entry #{index}"), format!("cannot be read: {e}")));
                continue;
            }
        };
        let name = match file.name() {
            Ok(name) => name.into_owned(),
            Err(e) => {
                damaged.push((format!("entry #{index}"), format!("unreadable name: {e}")));
                continue;
            }
        };
        let mut data = Vec::new();
        // Reading to the end checks the entry's CRC.
        match file.read_to_end(&mut data) {
            Ok(_) => contents.push(Entry::new(name, data)),
            Err(e) => damaged.push((name, format!("damaged: {e}"))),
        }
    }
    let manifest_bytes = match contents.iter().find(|e| e.path == MANIFEST) {
        Some(entry) => &entry.bytes,
        None if damaged.iter().any(|(name, _)| name == MANIFEST) => {
            return Err(not_a_pack(format!("{MANIFEST} is damaged")));
        }
        None => return Err(not_a_pack(format!("no {MANIFEST} in the zip"))),
    };
    let manifest: Manifest = serde_json::from_slice(manifest_bytes)
        .map_err(|e| not_a_pack(format!("{MANIFEST} cannot be read: {e}")))?;
    let listed: BTreeMap<&str, &super::manifest::FileRecord> = manifest
        .files
        .iter()
        .map(|f| (f.path.as_str(), f))
        .collect();
    let mut changed = damaged;
    let mut extra = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for entry in contents.iter().filter(|e| e.path != MANIFEST) {
        if seen.contains(&entry.path.as_str()) {
            changed.push((entry.path.clone(), "appears twice in the zip".into()));
            continue;
        }
        seen.push(&entry.path);
        match listed.get(entry.path.as_str()) {
            None => extra.push(entry.path.clone()),
            Some(record) => {
                let size = entry.bytes.len() as u64;
                if size != record.size {
                    changed.push((
                        entry.path.clone(),
                        format!("size {size} bytes, manifest says {}", record.size),
                    ));
                } else if Sha256::of(&entry.bytes).to_hex() != record.sha256 {
                    changed.push((
                        entry.path.clone(),
                        "contents differ from the manifest's SHA-256".into(),
                    ));
                }
            }
        }
    }
    let damaged_names: Vec<&str> = changed.iter().map(|(n, _)| n.as_str()).collect();
    let missing: Vec<String> = manifest
        .files
        .iter()
        .filter(|f| !seen.contains(&f.path.as_str()) && !damaged_names.contains(&f.path.as_str()))
        .map(|f| f.path.clone())
        .collect();
    extra.sort();
    changed.sort();
    let layout = if !(missing.is_empty() && extra.is_empty() && changed.is_empty()) {
        Layout::NotChecked
    } else if manifest.tool.version != env!("CARGO_PKG_VERSION") {
        Layout::Skipped(manifest.tool.version.clone())
    } else {
        match super::write_zip(std::io::Cursor::new(Vec::new()), &contents) {
            Ok(again) if again.get_ref().as_slice() == bytes => Layout::Same,
            _ => Layout::Differs,
        }
    };
    Ok(Verification {
        manifest,
        missing,
        extra,
        changed,
        layout,
        sha256: Sha256::of(bytes),
    })
}
