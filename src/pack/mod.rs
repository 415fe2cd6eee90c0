//! `senco pack`: an assessment pack for one trainee or a cohort, as a reproducible zip.
//!
//! Three steps, so other stages can add their own files in between:
//!
//! 1. [`prepare`] checks every portfolio, refuses when the privacy lint finds errors
//!    (unless allowed), and makes each trainee's [`TraineePart`] with its first entries
//!    (`cover.html`, `coverage.json`). Anything else a trainee's folder should hold (the
//!    built HTML portfolio, a single-file version) is pushed onto
//!    [`TraineePart::entries`] as more `(path, bytes)` [`Entry`] values; files for the
//!    whole pack go in [`Pack::shared`].
//! 2. [`assemble`] turns the pack into its final entries: trainee folders prefixed, the
//!    trainee's name scrubbed from every entry with `--anonymise` (and checked absent),
//!    and `manifest.json` listing every file's SHA-256 and size.
//! 3. [`write_zip`] writes them with fixed timestamps and permissions in sorted order, so
//!    the same input gives the same bytes; [`write`] does it atomically to a path.
//!
//! [`verify`] reads a pack back and checks it against its manifest.

pub mod anonymise;
pub mod cover;
pub mod manifest;
pub mod metadata;
pub mod verify;

use crate::check::Check;
use crate::error::diagnostic::{Diagnostic, Severity};
use crate::error::{ErrorKind, FatalError};
use std::io::{Seek, Write};
use std::path::{Path, PathBuf};

pub use manifest::Manifest;

/// Name of the manifest at the root of every pack.
pub(crate) const MANIFEST: &str = "manifest.json";

/// One file in the pack: a `/`-separated path and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Where it goes, `/`-separated, relative to its trainee's folder or the pack's root.
    pub path: String,
    /// Its contents, as they will be in the zip.
    pub bytes: Vec<u8>,
}

impl Entry {
    /// An entry at `path` holding `bytes`.
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Entry {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// How `senco pack` makes a pack; the defaults make a named pack that refuses privacy errors.
#[derive(Debug, Clone, Default)]
pub struct PackOptions {
    /// Name folders by candidate number and remove the trainee's name from every file.
    pub anonymise: bool,
    /// Pack even when the privacy lint finds errors; the cover sheet says so.
    pub allow_findings: bool,
    /// Candidate number of the first portfolio; the next ones count up from it.
    pub first_candidate: Option<String>,
    /// The provider's theme folder; without it the built-in theme. A trainee's own
    /// `theme/` is never used in a pack: it is their code, and the pack is for examiners.
    pub theme: Option<PathBuf>,
    /// In an anonymised pack, keep office documents and PDFs (whose metadata senco
    /// cannot check) rather than refuse them.
    pub allow_attachments: bool,
    /// How each portfolio is checked.
    pub check: crate::check::CheckOptions,
    /// Add each trainee's portfolio as one PDF (`portfolio.pdf`), printed from the
    /// pack's own single file (scrubbed, in an anonymised pack) with these options.
    pub pdf: Option<crate::render::pdf::PdfOptions>,
}

/// One trainee's share of the pack.
#[derive(Debug, Clone)]
pub struct TraineePart {
    /// Folder in the zip holding this trainee's files.
    pub folder: String,
    /// Their candidate number, when numbered.
    pub candidate: Option<String>,
    /// The check the pack was made from: what the cover sheet and the pages show.
    pub check: Check,
    /// The commit checked out, when the portfolio is a git repository.
    pub git_commit: Option<String>,
    /// Privacy errors packed anyway because of `--allow-findings`.
    pub(crate) allowed_findings: Vec<Diagnostic>,
    /// Privacy warnings not silenced (packed: they are not errors).
    pub(crate) privacy_warnings: Vec<Diagnostic>,
    /// Files in this trainee's folder, paths relative to it.
    pub entries: Vec<Entry>,
}

impl TraineePart {
    /// The name to remove from every entry with `--anonymise`.
    fn trainee_name(&self) -> Option<&str> {
        self.check.portfolio.trainee.as_deref()
    }

    /// What replaces the trainee's name in an anonymised pack.
    fn stand_in(&self) -> String {
        match &self.candidate {
            Some(n) => format!("Candidate {n}"),
            None => "the candidate".to_string(),
        }
    }
}

/// An assessment pack in memory, before it is written: every trainee's files and the shared
/// ones, so the manifest can be made from exactly what goes into the zip.
#[derive(Debug, Clone)]
pub struct Pack {
    /// Whether names are replaced by candidate numbers.
    pub anonymise: bool,
    /// Office documents and PDFs allowed into an anonymised pack.
    pub allow_attachments: bool,
    /// One per portfolio, in the order given.
    pub trainees: Vec<TraineePart>,
    /// Files at the root of the pack (beside `manifest.json`).
    pub shared: Vec<Entry>,
    /// Print each trainee's single file as `portfolio.pdf` with these options.
    pub pdf: Option<crate::render::pdf::PdfOptions>,
}

impl Pack {
    /// One line per portfolio with privacy warnings still outstanding (not errors, not
    /// silenced): how many of each kind. The cover sheets list them in full.
    pub fn outstanding_warnings(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for part in &self.trainees {
            if part.privacy_warnings.is_empty() {
                continue;
            }
            let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
            for d in &part.privacy_warnings {
                *counts.entry(d.code.as_str()).or_default() += 1;
            }
            let kinds: Vec<String> = counts.iter().map(|(c, n)| format!("{c} {n}")).collect();
            let total = part.privacy_warnings.len();
            lines.push(format!(
                "{}: {total} privacy warning{} outstanding ({}), listed on its cover sheet; `senco privacy {}` shows where",
                part.folder,
                crate::util::text::plural(total),
                kinds.join(", "),
                part.check.portfolio.root.display()
            ));
        }
        lines
    }
}

/// Why [`prepare`] made no pack.
#[derive(Debug)]
pub enum PackError {
    /// Could not run at all (exit 2).
    Fatal(FatalError),
    /// The privacy lint found errors (exit 1): for each portfolio folder, its errors.
    Refused(Vec<(PathBuf, Vec<Diagnostic>)>),
}

impl From<FatalError> for PackError {
    fn from(e: FatalError) -> Self {
        PackError::Fatal(e)
    }
}

/// Writes why [`prepare`] refused: each portfolio's privacy errors, then what to do.
pub fn write_refusal(
    out: &mut dyn Write,
    refusals: &[(PathBuf, Vec<Diagnostic>)],
) -> std::io::Result<()> {
    for (root, findings) in refusals {
        writeln!(out, "in {}:", root.display())?;
        for d in findings {
            crate::report::write_diagnostic(out, d)?;
        }
    }
    let total: usize = refusals.iter().map(|(_, f)| f.len()).sum();
    crate::report::write_fatal(
        out,
        &FatalError::refused(format!(
            "no pack written: the privacy lint found {total} error{} listed above",
            crate::util::text::plural(total)
        ))
        .with_help("fix them (`senco pseudonymise` replaces real names), or pack with --allow-findings, which the cover sheet records"),
    )
}

/// Checks each portfolio and makes the pack's parts, refusing on privacy errors.
pub fn prepare(roots: &[PathBuf], options: &PackOptions) -> Result<Pack, PackError> {
    if roots.is_empty() {
        return Err(FatalError::usage("no portfolio to pack")
            .with_help("give one or more portfolio folders: `senco pack PATH... -o pack.zip`")
            .into());
    }
    if roots.len() > 1 && options.check.feedback.is_some() {
        return Err(FatalError::usage(
            "a feedback folder holds one portfolio's judgements, and this pack has several",
        )
        .with_help("pack that portfolio on its own with --feedback, or leave each portfolio's judgements in its own feedback/ folder")
        .into());
    }
    let candidates = candidate_numbers(options, roots.len())?;
    let theme = crate::render::theme::load(options.theme.as_deref())?;
    let mut refused = Vec::new();
    let mut trainees = Vec::new();
    let mut folders = std::collections::BTreeSet::new();
    for (root, candidate) in roots.iter().zip(candidates) {
        let mut check = crate::check::check(root, &options.check)?;
        // A title left to default is the folder's name, often the trainee's: an
        // anonymised pack (cover sheet, site, single file) never uses it.
        if options.anonymise
            && Some(check.portfolio.title.as_str()) == folder_title(root).as_deref()
        {
            check.portfolio.title = format!(
                "Portfolio of Candidate {}",
                candidate.as_deref().unwrap_or("0")
            );
        }
        if options.anonymise && check.portfolio.trainee.is_none() {
            return Err(FatalError::invalid(format!(
                "{}: --anonymise needs the trainee's name to remove it",
                root.join(crate::model::portfolio::CONFIG_FILE).display()
            ))
            .with_help("add `trainee = \"Your Name\"` under [portfolio] in portfolio.toml")
            .into());
        }
        let (errors, warnings): (Vec<Diagnostic>, Vec<Diagnostic>) = check
            .diagnostics
            .iter()
            .filter(|d| d.code.is_privacy() && d.severity != Severity::Hint)
            .cloned()
            .partition(|d| d.severity == Severity::Error);
        if !errors.is_empty() && !options.allow_findings {
            refused.push((root.clone(), errors));
            continue;
        }
        let folder = crate::util::text::unique(
            &mut folders,
            folder_name(&check, candidate.as_deref(), options.anonymise),
        );
        let mut part = TraineePart {
            folder,
            candidate,
            // A commit id leads back to the author's repository.
            git_commit: if options.anonymise {
                None
            } else {
                manifest::git_commit(root)
            },
            check,
            allowed_findings: errors,
            privacy_warnings: warnings,
            entries: Vec::new(),
        };
        part.entries = first_entries(&part, options, &theme)?;
        trainees.push(part);
    }
    if !refused.is_empty() {
        return Err(PackError::Refused(refused));
    }
    let shared = vec![Entry::new(
        "index.html",
        cover::index_html(&trainees, options.anonymise),
    )];
    Ok(Pack {
        anonymise: options.anonymise,
        allow_attachments: options.allow_attachments,
        trainees,
        shared,
        pdf: options.pdf.clone(),
    })
}

/// `cover.html` and `coverage.json` of one trainee.
fn first_entries(
    part: &TraineePart,
    options: &PackOptions,
    theme: &crate::render::theme::Theme,
) -> Result<Vec<Entry>, FatalError> {
    let anonymise = options.anonymise;
    let mut check = part.check.clone();
    if anonymise {
        check.portfolio.trainee = None;
    }
    let mut json = serde_json::to_vec_pretty(&crate::report::to_json(&check))
        .map_err(|e| FatalError::invalid(format!("cannot write coverage.json: {e}")))?;
    json.push(b'\n');
    let mut entries = vec![
        Entry::new(
            "cover.html",
            cover::cover_html(part, anonymise, options.pdf.is_some()),
        ),
        Entry::new("coverage.json", json),
    ];
    entries.extend(html_entries(&check, theme)?);
    Ok(entries)
}

/// The name a portfolio's title defaults to: its folder's.
fn folder_title(root: &Path) -> Option<String> {
    std::fs::canonicalize(root)
        .ok()?
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
}

/// The start of the name of the folder in the system's temporary folder where a pack
/// builds each portfolio's site.
const WORK_PREFIX: &str = "senco-pack-";

/// The built HTML portfolio under `site/`, and the same portfolio as one self-contained
/// file, `portfolio.html`, whose non-image attachments link into `site/files/`.
fn html_entries(
    check: &Check,
    theme: &crate::render::theme::Theme,
) -> Result<Vec<Entry>, FatalError> {
    // Named after this process, so the next pack removes what a killed one left.
    let temp = std::env::temp_dir();
    crate::util::atomic::remove_leftovers(&temp, WORK_PREFIX);
    let work = tempfile::Builder::new()
        .prefix(&format!("{WORK_PREFIX}{}-", std::process::id()))
        .tempdir_in(&temp)
        .map_err(|e| {
            crate::util::atomic::write_error(
                format!("cannot create a temporary folder in {}", temp.display()),
                &temp.join(WORK_PREFIX),
                &e,
            )
        })?;
    let out = work.path().join("site");
    crate::render::build_with_theme(
        check,
        theme,
        &crate::render::BuildOptions {
            out: out.clone(),
            force: true,
            history: false,
        },
    )?;
    let mut entries = Vec::new();
    for entry in walkdir::WalkDir::new(&out).sort_by_file_name() {
        let entry = entry.map_err(|e| {
            FatalError::new(ErrorKind::Io, format!("cannot read the built site: {e}"))
        })?;
        if !entry.file_type().is_file() || entry.file_name() == crate::render::output::MARKER {
            continue;
        }
        let bytes = crate::util::fs::read_capped(
            entry.path(),
            crate::util::fs::MAX_ATTACHMENT_BYTES,
            "site files",
        )
        .map_err(|e| FatalError::io(format!("cannot read {}: {e}", entry.path().display()), e))?;
        let rel = crate::check::discover::relative(&out, entry.path());
        entries.push(Entry::new(format!("site/{rel}"), bytes));
    }
    let single = crate::render::single::render(check, theme, "site/")?;
    entries.push(Entry::new("portfolio.html", single));
    Ok(entries)
}

/// Candidate numbers for `count` portfolios: the first as given, the next counting up with
/// the same number of digits (`0041`, `0042`…). With `--anonymise` and no number given,
/// `0001` upwards.
fn candidate_numbers(
    options: &PackOptions,
    count: usize,
) -> Result<Vec<Option<String>>, FatalError> {
    let first = match (&options.first_candidate, options.anonymise) {
        (Some(n), _) => n.trim().to_string(),
        (None, true) => "0001".to_string(),
        (None, false) => return Ok(vec![None; count]),
    };
    if first.is_empty() || !first.bytes().all(|b| b.is_ascii_digit()) || first.len() > 18 {
        return Err(
            FatalError::usage(format!("candidate number `{first}` is not a number"))
                .with_help("give the first candidate number as digits, e.g. `--candidate 1001`"),
        );
    }
    let start: u64 = first
        .parse()
        .map_err(|_| FatalError::usage("candidate number too large"))?;
    let width = first.len();
    Ok((0..count as u64)
        .map(|i| Some(format!("{:0width$}", start + i)))
        .collect())
}

fn folder_name(check: &Check, candidate: Option<&str>, anonymise: bool) -> String {
    if anonymise {
        return format!("candidate-{}", candidate.unwrap_or("0"));
    }
    let name = check
        .portfolio
        .trainee
        .as_deref()
        .unwrap_or(&check.portfolio.title);
    crate::util::text::slug_or(name, "portfolio")
}

/// The pack's final entries, sorted by path, `manifest.json` included.
pub fn assemble(pack: &Pack) -> Result<Vec<Entry>, FatalError> {
    let mut entries: Vec<Entry> = pack.shared.clone();
    let mut anonymisers = Vec::new();
    for part in &pack.trainees {
        for entry in &part.entries {
            entries.push(Entry::new(
                format!("{}/{}", part.folder, entry.path),
                entry.bytes.clone(),
            ));
        }
        if pack.anonymise
            && let Some(name) = part.trainee_name()
        {
            anonymisers.push(anonymise::Anonymiser::new(name, part.stand_in()));
        }
    }
    for entry in &entries {
        check_entry_path(&entry.path)?;
    }
    if pack.anonymise {
        anonymise_entries(pack, &mut entries, &mut anonymisers)?;
    }
    if let Some(options) = &pack.pdf {
        let printed = pdf_entries(pack, &entries, options)?;
        entries.extend(printed);
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    if let Some(pair) = entries.windows(2).find(|w| w[0].path == w[1].path) {
        return Err(FatalError::invalid(format!(
            "two files in the pack are both named `{}`",
            pair[0].path
        )));
    }
    let manifest = manifest::Manifest::new(pack, &entries);
    // The manifest holds no names, but goes through the same scrub and check as the rest.
    let mut manifest_entry = Entry::new(MANIFEST, manifest.to_bytes()?);
    for anonymiser in &anonymisers {
        anonymiser.scrub(&mut manifest_entry)?;
    }
    entries.push(manifest_entry);
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    // The final check covers every entry, whichever stage added it; a PDF's text
    // strings (its title, bookmarks) are checked as text too, as the PDF may write
    // them as UTF-16.
    for anonymiser in &anonymisers {
        for entry in &entries {
            anonymiser.assert_absent(entry)?;
            if entry.path.ends_with(PDF) {
                let strings = crate::render::pdf::text_strings(&entry.bytes);
                anonymiser.assert_absent(&Entry::new(entry.path.clone(), strings))?;
            }
        }
    }
    Ok(entries)
}

/// The name of each trainee's PDF in the pack, beside `portfolio.html`.
const PDF: &str = "portfolio.pdf";

/// Each trainee's `portfolio.pdf`, printed from their `portfolio.html` among `entries`
/// exactly as it goes into the pack (so, in an anonymised pack, already scrubbed and
/// its images stripped of metadata), dated by their portfolio.
fn pdf_entries(
    pack: &Pack,
    entries: &[Entry],
    options: &crate::render::pdf::PdfOptions,
) -> Result<Vec<Entry>, FatalError> {
    let mut printed = Vec::new();
    for part in &pack.trainees {
        let single = format!("{}/portfolio.html", part.folder);
        let Some(entry) = entries.iter().find(|e| e.path == single) else {
            continue;
        };
        let html = String::from_utf8_lossy(&entry.bytes);
        let date = crate::render::pdf::portfolio_date(&part.check)?;
        let bytes = crate::render::pdf::print(&html, date, options)
            .map_err(|e| e.prefixed(format!("{}: cannot make {PDF}", part.folder)))?;
        printed.push(Entry::new(format!("{}/{PDF}", part.folder), bytes));
    }
    Ok(printed)
}

/// Refuses attachments whose metadata cannot be checked, strips image metadata, then
/// removes each trainee's name from every entry.
fn anonymise_entries(
    pack: &Pack,
    entries: &mut [Entry],
    anonymisers: &mut [anonymise::Anonymiser],
) -> Result<(), FatalError> {
    if !pack.allow_attachments {
        let refused: Vec<String> = entries
            .iter()
            .filter_map(|e| {
                anonymise::opaque_attachment(&e.path).map(|why| format!("{}: {why}", e.path))
            })
            .collect();
        if !refused.is_empty() {
            return Err(FatalError::refused(format!(
                "no pack written: an anonymised pack cannot vouch for {} file{} whose metadata senco cannot check:\n  {}",
                refused.len(),
                crate::util::text::plural(refused.len()),
                refused.join("\n  ")
            ))
            .with_help("save them as Markdown, JPEG or PNG, or remove them from the evidence; or pack with --allow-attachments to include them as they are, at your own risk"));
        }
    }
    for entry in entries.iter_mut() {
        anonymise::strip_metadata(entry)?;
    }
    let mut paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    for part in &pack.trainees {
        paths.extend(part.check.evidence.iter().map(|e| e.path.as_str()));
    }
    let paths: Vec<String> = paths.into_iter().map(str::to_string).collect();
    for anonymiser in anonymisers.iter_mut() {
        anonymiser.learn_names(paths.iter().map(String::as_str));
    }
    for entry in entries.iter_mut() {
        for anonymiser in anonymisers.iter() {
            anonymiser.scrub(entry)?;
        }
    }
    Ok(())
}

/// Entry paths are relative, `/`-separated, and never reach into `.senco/`.
fn check_entry_path(path: &str) -> Result<(), FatalError> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return Err(FatalError::invalid(format!(
            "`{path}` is not a valid path inside a pack"
        )));
    }
    if path
        .split('/')
        .any(|part| part == crate::util::fs::PRIVATE_DIR)
    {
        return Err(FatalError::refused(format!(
            "`{path}` is inside `.senco/`, which is private and never packed"
        )));
    }
    Ok(())
}

/// Writes entries as a zip: sorted by path, deflated, every entry dated 1980-01-01 with
/// permissions 0644, so the same entries always give the same bytes.
pub fn write_zip<W: Write + Seek>(out: W, entries: &[Entry]) -> zip::result::ZipResult<W> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    let options = zip::write::SimpleFileOptions::DEFAULT
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(out);
    for entry in sorted {
        zip.start_file(entry.path.as_str(), options)?;
        zip.write_all(&entry.bytes)?;
    }
    zip.finish()
}

/// What [`write`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// Files in the zip.
    pub files: usize,
    /// Size of the zip.
    pub bytes: u64,
    /// SHA-256 of the whole zip, for the provider's records.
    pub sha256: crate::util::hash::Sha256,
}

/// Assembles the pack and writes it to `out` (a temporary file beside it, then renamed).
pub fn write(pack: &Pack, out: &Path) -> Result<Written, FatalError> {
    let entries = assemble(pack)?;
    let mut buffer = std::io::Cursor::new(Vec::new());
    write_zip(&mut buffer, &entries)
        .map_err(|e| FatalError::new(ErrorKind::Io, format!("cannot build the zip: {e}")))?;
    let bytes = buffer.into_inner();
    crate::util::atomic::write(out, &bytes).map_err(|e| {
        crate::util::atomic::write_error(format!("cannot write {}", out.display()), out, &e)
    })?;
    Ok(Written {
        files: entries.len(),
        bytes: bytes.len() as u64,
        sha256: crate::util::hash::Sha256::of(&bytes),
    })
}
