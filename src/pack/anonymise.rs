//! `senco pack --anonymise`: the trainee's name removed from every entry of a pack, in
//! every form a reader or a search could find it, then checked absent with the same
//! matcher ([`crate::check::privacy::normalise`]: entities and percent-escapes decoded,
//! case and diacritics folded, any separators between the parts).
//!
//! The rule, per trainee:
//! - the full name (its parts in order) in any case, anywhere;
//! - each part alone as written or in capitals ("Will", "WILL", never "will", so
//!   ordinary words in prose are left alone);
//! - in entry paths, and in the file and folder names that links, anchors and
//!   `coverage.json` derive from the trainee's own file names, each part in any case;
//! - email addresses holding any part, whole;
//! - image metadata (EXIF, XMP, comments, PNG text chunks) stripped, inlined `data:`
//!   images included; office documents and PDFs refused (their metadata is compressed
//!   or binary, so no search can vouch for them) unless the provider allows them.
//!
//! In names and URLs the stand-in is a slug (`candidate-0001`), in prose it reads
//! `Candidate 0001`; a renamed file and every link to it are rewritten alike, so no link
//! breaks.

use super::Entry;
use super::metadata;
use crate::check::privacy::normalise::{CaseRule, NameMatcher, Normalised};
use crate::error::FatalError;
use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine;
use regex::Regex;
use std::sync::LazyLock;

const FULL: usize = 0;
const PART: usize = 1;

/// Extensions of attachments refused in an anonymised pack, and why.
const OPAQUE: &[(&str, &str)] = &[
    (
        "pdf",
        "a PDF keeps its author and title in metadata, often compressed",
    ),
    (
        "docx",
        "an office document keeps its author (dc:creator) in compressed metadata",
    ),
    (
        "xlsx",
        "an office document keeps its author (dc:creator) in compressed metadata",
    ),
    (
        "pptx",
        "an office document keeps its author (dc:creator) in compressed metadata",
    ),
    (
        "odt",
        "an office document keeps its author (dc:creator) in compressed metadata",
    ),
    (
        "ods",
        "an office document keeps its author (dc:creator) in compressed metadata",
    ),
    (
        "odp",
        "an office document keeps its author (dc:creator) in compressed metadata",
    ),
    (
        "doc",
        "an old office document keeps its author in binary metadata",
    ),
    (
        "xls",
        "an old office document keeps its author in binary metadata",
    ),
    (
        "ppt",
        "an old office document keeps its author in binary metadata",
    ),
    ("rtf", "an RTF document keeps its author in its info group"),
    (
        "zip",
        "an archive's contents are compressed and cannot be checked",
    ),
];

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .expect("email pattern compiles")
});

static DATA_IMAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"data:image/[a-zA-Z0-9.+-]+;base64,([A-Za-z0-9+/=]+)")
        .expect("data URL pattern compiles")
});

/// One trainee's name, ready to scrub and to check.
pub(crate) struct Anonymiser {
    stand_in: String,
    slug: String,
    /// Full name any case, parts as written or in capitals.
    text: NameMatcher,
    /// The same for binary data, parts of three letters or more only: two letters
    /// occur by chance in compressed bytes.
    binary: NameMatcher,
    /// Full name and parts, any case: for file and folder names.
    path: NameMatcher,
    /// Folded parts, for email addresses.
    parts: Vec<String>,
    /// File and folder names holding the name, in the forms links, anchors and JSON
    /// carry them, and what each becomes.
    tokens: Option<AhoCorasick>,
    token_from: Vec<String>,
    token_to: Vec<String>,
}

impl Anonymiser {
    pub fn new(name: &str, stand_in: String) -> Anonymiser {
        let parts: Vec<&str> = name
            .split(|c: char| c.is_whitespace() || c == '-')
            .filter(|p| p.chars().filter(|c| c.is_alphabetic()).count() >= 2)
            .collect();
        let full_name: String = name.split_whitespace().collect::<Vec<_>>().join(" ");
        let several = parts.len() > 1;
        let matcher = |part_case: CaseRule, min_letters: usize| {
            let full = several.then_some((full_name.as_str(), CaseRule::Any, FULL));
            NameMatcher::new(
                full.into_iter().chain(
                    parts
                        .iter()
                        .filter(|p| p.chars().filter(|c| c.is_alphabetic()).count() >= min_letters)
                        .map(|p| (*p, part_case, PART)),
                ),
            )
        };
        let slug = crate::util::text::slug(&stand_in);
        Anonymiser {
            text: matcher(CaseRule::AsWrittenOrCapitals, 2),
            binary: matcher(CaseRule::AsWrittenOrCapitals, 3),
            path: matcher(CaseRule::Any, 2),
            parts: parts
                .iter()
                .map(|p| Normalised::new(p).folded().to_string())
                .filter(|p| !p.is_empty())
                .collect(),
            stand_in,
            slug,
            tokens: None,
            token_from: Vec::new(),
            token_to: Vec::new(),
        }
    }

    /// A file or folder path with every part of the name, any case, replaced by the slug.
    pub(crate) fn scrub_path(&self, path: &str) -> String {
        replace(path, &self.path.find_in(path), |_, _| self.slug.clone())
    }

    /// Learns the file and folder names that hold the name (`paths`: entry paths and the
    /// trainee's evidence paths), so that the links, anchors and JSON strings built from
    /// them are rewritten the way the files are renamed.
    pub(crate) fn learn_names<'a>(&mut self, paths: impl IntoIterator<Item = &'a str>) {
        use crate::render::site::encode_path;
        use crate::util::text::slug as slugify;
        let mut pairs: std::collections::BTreeMap<String, String> = Default::default();
        for path in paths {
            let segments: Vec<&str> = path.split('/').collect();
            for (i, segment) in segments.iter().enumerate() {
                let scrubbed = self.scrub_path(segment);
                if scrubbed == *segment {
                    continue;
                }
                let is_file = i + 1 == segments.len();
                let (stem, new_stem) = if is_file {
                    (
                        segment.rsplit_once('.').map_or(*segment, |(s, _)| s),
                        scrubbed
                            .rsplit_once('.')
                            .map_or(scrubbed.as_str(), |(s, _)| s),
                    )
                } else {
                    (*segment, scrubbed.as_str())
                };
                let end = if is_file { "." } else { "/" };
                for start in ["/", "\""] {
                    pairs.insert(
                        format!("{start}{stem}{end}"),
                        format!("{start}{new_stem}{end}"),
                    );
                    pairs.insert(
                        format!("{start}{}{end}", encode_path(stem)),
                        format!("{start}{}{end}", encode_path(new_stem)),
                    );
                }
                let (slug, new_slug) = (slugify(stem), slugify(new_stem));
                if !slug.is_empty() && slug != new_slug {
                    pairs.insert(format!("-{slug}"), format!("-{new_slug}"));
                }
            }
        }
        pairs.retain(|from, to| from != to);
        self.token_from = pairs.keys().cloned().collect();
        self.token_to = pairs.into_values().collect();
        self.tokens = (!self.token_from.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&self.token_from)
                    .ok()
            })
            .flatten();
    }

    /// Removes the name from one entry: its path, and its bytes when they are text.
    /// Binary entries holding the name are an error (it cannot be removed safely).
    pub(crate) fn scrub(&self, entry: &mut Entry) -> Result<(), FatalError> {
        entry.path = self.scrub_path(&entry.path);
        let Ok(text) = std::str::from_utf8(&entry.bytes) else {
            return self.check_binary(&entry.path, &entry.bytes);
        };
        let text = self.scrub_emails(text);
        let text = match &self.tokens {
            Some(tokens) => tokens.replace_all(&text, &self.token_to),
            None => text,
        };
        let found = self.text.find_in(&text);
        let text = replace(&text, &found, |text, m| {
            if looks_like_a_name_in_a_url(text, m) {
                self.slug.clone()
            } else {
                self.stand_in.clone()
            }
        });
        entry.bytes = text.into_bytes();
        Ok(())
    }

    fn scrub_emails(&self, text: &str) -> String {
        EMAIL
            .replace_all(text, |caps: &regex::Captures<'_>| {
                if self.email_holds_name(&caps[0]) {
                    "[email address removed]".to_string()
                } else {
                    caps[0].to_string()
                }
            })
            .into_owned()
    }

    fn email_holds_name(&self, email: &str) -> bool {
        let folded = Normalised::new(email);
        self.parts
            .iter()
            .any(|p| folded.folded().contains(p.as_str()))
    }

    /// The final check: fails when any form of the name is still in the entry.
    pub(crate) fn assert_absent(&self, entry: &Entry) -> Result<(), FatalError> {
        let still = |what: &str| {
            Err(FatalError::refused(format!(
                "the trainee's name is still in {} ({what}) after anonymising; no pack was written",
                entry.path
            ))
            .with_help("remove the name from that file by hand, or pack without --anonymise"))
        };
        if !self.path.find_in(&entry.path).is_empty() {
            return still("its name");
        }
        let Ok(text) = std::str::from_utf8(&entry.bytes) else {
            return self.check_binary(&entry.path, &entry.bytes);
        };
        if !self.text.find_in(text).is_empty() {
            return still("its text");
        }
        if EMAIL
            .find_iter(text)
            .any(|m| self.email_holds_name(m.as_str()))
        {
            return still("an email address");
        }
        if let Some(tokens) = &self.tokens
            && tokens.is_match(text)
        {
            return still("a link or anchor made from a file name");
        }
        for data in DATA_IMAGE.captures_iter(text) {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&data[1])
                .unwrap_or_default();
            self.check_binary(&entry.path, &bytes)?;
            if metadata::strip(&bytes)
                .ok()
                .flatten()
                .is_some_and(|s| s != bytes)
            {
                return still("the metadata of an inlined image");
            }
        }
        Ok(())
    }

    fn check_binary(&self, path: &str, bytes: &[u8]) -> Result<(), FatalError> {
        if self
            .binary
            .find_in(&String::from_utf8_lossy(bytes))
            .is_empty()
        {
            return Ok(());
        }
        Err(FatalError::refused(format!(
            "{path} holds the trainee's name in binary data, which senco cannot remove safely"
        ))
        .with_help("remove the name from that file, or pack without --anonymise"))
    }
}

/// `text` with each match replaced by what `with` says.
fn replace(
    text: &str,
    found: &[crate::check::privacy::normalise::NameMatch],
    with: impl Fn(&str, &crate::check::privacy::normalise::NameMatch) -> String,
) -> String {
    if found.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for m in found {
        out.push_str(&text[from..m.raw.start]);
        out.push_str(&with(text, m));
        from = m.raw.end;
    }
    out.push_str(&text[from..]);
    out
}

/// Is this match part of a URL, a file name or an id (`Jo%20Example`, `jo-example`,
/// `files/Jo.png`), where the stand-in must be a slug?
fn looks_like_a_name_in_a_url(text: &str, m: &crate::check::privacy::normalise::NameMatch) -> bool {
    let raw = &text[m.raw.clone()];
    if raw.contains(|c: char| c.is_whitespace() || c == '&' || c == '<') {
        return false;
    }
    let before = text[..m.raw.start].chars().next_back();
    let mut after = text[m.raw.end..].chars();
    let (next, next2) = (after.next(), after.next());
    raw.contains(['%', '-', '_', '.', '/'])
        || !raw.chars().any(char::is_uppercase)
        || before.is_some_and(|c| matches!(c, '/' | '%' | '-' | '_' | '#'))
        || next.is_some_and(|c| matches!(c, '%' | '-' | '_' | '/'))
        || (next == Some('.') && next2.is_some_and(char::is_alphanumeric))
}

/// Removes metadata from an image entry, and from the `data:` images inlined in an HTML
/// one. Other entries are returned as they are.
pub(crate) fn strip_metadata(entry: &mut Entry) -> Result<(), FatalError> {
    let failed = |why: String| {
        FatalError::invalid(format!("{}: {why}", entry.path))
            .with_help("replace the file with a plain JPEG or PNG, or pack without --anonymise")
    };
    if let Some(stripped) = metadata::strip(&entry.bytes).map_err(failed)? {
        entry.bytes = stripped;
        return Ok(());
    }
    let Ok(text) = std::str::from_utf8(&entry.bytes) else {
        return Ok(());
    };
    if !text.contains("data:image/") {
        return Ok(());
    }
    let mut problem = None;
    let engine = base64::engine::general_purpose::STANDARD;
    let replaced = DATA_IMAGE.replace_all(text, |caps: &regex::Captures<'_>| {
        let whole = caps[0].to_string();
        let Ok(bytes) = engine.decode(&caps[1]) else {
            return whole;
        };
        match metadata::strip(&bytes) {
            Ok(Some(stripped)) => whole.replace(&caps[1], &engine.encode(stripped)),
            Ok(None) => whole,
            Err(why) => {
                problem.get_or_insert(why);
                whole
            }
        }
    });
    if let Some(why) = problem {
        return Err(failed(format!("an inlined image: {why}")));
    }
    entry.bytes = replaced.into_owned().into_bytes();
    Ok(())
}

/// Why an attachment cannot go into an anonymised pack, if it cannot.
pub(crate) fn opaque_attachment(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    OPAQUE.iter().find(|(e, _)| *e == ext).map(|(_, why)| *why)
}
