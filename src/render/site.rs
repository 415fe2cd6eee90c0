//! Where everything goes in the built site. What links point at is the check's to say
//! ([`crate::check::links`]); this says which page each evidence file becomes.

use crate::check::evidence::Evidence;
use crate::model::framework::Framework;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Where every page goes: the page path of each evidence file, and which pages a
/// renamed file touches.
pub struct SiteMap {
    root: PathBuf,
    canonical_root: PathBuf,
    /// Page path (relative to the site root) of each evidence file, by index.
    pages: Vec<String>,
    by_source: HashMap<String, usize>,
    /// What each `[[name]]` key leads to ([`crate::check::links::name_keys`]), to tell
    /// which pages a renamed file touches.
    by_name: HashMap<String, usize>,
}

impl SiteMap {
    /// The page of each evidence file (names over 255 bytes shortened, clashes kept apart).
    pub fn new(root: &Path, evidence_dirs: &[String], evidence: &[Evidence]) -> SiteMap {
        // With one evidence folder its name is left out of page paths:
        // evidence/x.md -> evidence/x.html rather than evidence/evidence/x.html.
        let strip = match evidence_dirs {
            [only] => Some(format!("{}/", only.trim_matches('/'))),
            _ => None,
        };
        let mut pages = Vec::with_capacity(evidence.len());
        let mut taken: HashMap<String, usize> = HashMap::new();
        let mut by_source = HashMap::new();
        let mut by_name = HashMap::new();
        for (i, e) in evidence.iter().enumerate() {
            let inner = strip
                .as_deref()
                .and_then(|s| e.path.strip_prefix(s))
                .unwrap_or(&e.path);
            let stem = inner.rsplit_once('.').map_or(inner, |(s, _)| s);
            let mut page = short_page(&format!("evidence/{stem}.html"));
            if taken.contains_key(&page) {
                // x.md and x.markdown side by side: keep the extension in the second.
                page = short_page(&format!("evidence/{inner}.html"));
            }
            taken.insert(page.clone(), i);
            pages.push(page);
            by_source.insert(e.path.clone(), i);
            for key in crate::check::links::name_keys(e, evidence_dirs) {
                by_name.entry(key).or_insert(i);
            }
            for alias in &e.aliases {
                by_name.entry(alias.to_lowercase()).or_insert(i);
            }
        }
        SiteMap {
            root: root.to_path_buf(),
            canonical_root: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
            pages,
            by_source,
            by_name,
        }
    }

    /// The page path of evidence file `index`, relative to the site root.
    pub fn evidence_page(&self, index: usize) -> &str {
        &self.pages[index]
    }

    /// The index of the evidence file at `rel`, if it is one.
    pub fn index_of(&self, rel: &str) -> Option<usize> {
        self.by_source.get(rel).copied()
    }

    /// The page of the evidence file at portfolio path `rel`, if it is evidence.
    pub fn page_for_source(&self, rel: &str) -> Option<&str> {
        self.by_source.get(rel).map(|&i| self.pages[i].as_str())
    }

    /// The `[[name]]` keys that lead to another file in `self` than in `before`, or to a
    /// file in only one of them; `None` when the two differ in more than names (other
    /// files, other page paths), so that any link may lead elsewhere.
    pub fn renamed(&self, before: &SiteMap) -> Option<BTreeSet<String>> {
        if self.root != before.root
            || self.pages != before.pages
            || self.by_source != before.by_source
        {
            return None;
        }
        fn moved<'a>(
            a: &'a HashMap<String, usize>,
            b: &'a HashMap<String, usize>,
        ) -> impl Iterator<Item = String> + 'a {
            a.iter()
                .filter(|(k, v)| b.get(*k) != Some(*v))
                .map(|(k, _)| k.clone())
        }
        Some(
            moved(&self.by_name, &before.by_name)
                .chain(moved(&before.by_name, &self.by_name))
                .collect(),
        )
    }

    /// The real path of attachment `rel`, if the one containment rule
    /// ([`crate::util::fs::resolve_inside`]) still lets it through when it is copied.
    pub(crate) fn attachment_path(&self, rel: &str) -> Option<PathBuf> {
        crate::util::fs::resolve_inside(&self.canonical_root, rel).ok()
    }

    /// The portfolio folder the site is built from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// How many folders deep a page is.
    pub fn depth(&self, page: &str) -> usize {
        page.matches('/').count()
    }

    /// The relative prefix from a page back to the site root: `""`, `"../"`, ….
    pub fn up(&self, page: &str) -> String {
        "../".repeat(self.depth(page))
    }
}

/// The longest page file name written: file systems allow 255 bytes per name.
pub(crate) const MAX_PAGE_NAME: usize = 255;

/// `page` with each name in it that is over [`MAX_PAGE_NAME`] bytes shortened the same
/// way every time: its start, then `-` and 16 hex digits of the SHA-256 of the whole
/// name, keeping `.html`.
pub(crate) fn short_page(page: &str) -> String {
    if page.split('/').all(|part| part.len() <= MAX_PAGE_NAME) {
        return page.to_string();
    }
    page.split('/')
        .map(|part| {
            if part.len() <= MAX_PAGE_NAME {
                return part.to_string();
            }
            use sha2::Digest;
            let digest = sha2::Sha256::digest(part.as_bytes());
            let hash: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            let suffix = if part.ends_with(".html") { ".html" } else { "" };
            let mut keep = MAX_PAGE_NAME - 1 - hash.len() - suffix.len() - 40;
            while !part.is_char_boundary(keep) {
                keep -= 1;
            }
            format!("{}-{hash}{suffix}", &part[..keep])
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub(crate) fn outcome_path(framework: &Framework, node: usize) -> String {
    format!("outcomes/{}.html", framework.node(node).id)
}

/// What [`encode_path`] escapes: everything but letters, digits, `/` and `-._~`.
const PATH_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a relative path for an href (keeps `/`, letters, digits, `-._~`).
pub(crate) fn encode_path(path: &str) -> String {
    percent_encoding::utf8_percent_encode(path, PATH_ESCAPES).to_string()
}

/// Decodes `%XX` escapes in a URL path. A `%` not followed by two hex digits is kept as
/// it is (evidence is hand-written: `100%.pdf` is a file name, not an error).
pub fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_page_names_are_shortened_the_same_way_each_time() {
        let long = format!("evidence/{}.html", "é".repeat(126));
        let short = short_page(&long);
        assert!(
            short.split('/').all(|p| p.len() <= MAX_PAGE_NAME),
            "{short}"
        );
        assert!(short.ends_with(".html") && short.starts_with("evidence/é"));
        assert_eq!(short, short_page(&long));
        assert_ne!(
            short,
            short_page(&format!("evidence/{}x.html", "é".repeat(126)))
        );
        assert_eq!(short_page("evidence/a.html"), "evidence/a.html");
    }

    #[test]
    fn percent_decoding_never_splits_a_character() {
        assert_eq!(percent_decode("a%20b%2e%2E"), "a b..");
        assert_eq!(percent_decode("%aé.pdf"), "%aé.pdf");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%+1%zz"), "%+1%zz");
        assert_eq!(percent_decode("%C5%B5"), "ŵ");
    }

    #[test]
    fn paths_are_encoded_byte_by_byte_in_upper_case() {
        assert_eq!(
            encode_path("evidence/a b/ŵ~x_y-z.md"),
            "evidence/a%20b/%C5%B5~x_y-z.md"
        );
        assert_eq!(encode_path("100%#?"), "100%25%23%3F");
    }
}
