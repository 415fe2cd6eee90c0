//! Paths inside a portfolio, as evidence links and discovery name them.
//!
//! A [`RelPath`] is relative to the portfolio folder, `/`-separated and normalised: no
//! `.` or empty segments, no `..` (one that would climb above the portfolio is refused,
//! others are resolved), not absolute, no backslash, no NUL. It can only be made
//! through [`RelPath::new`] (a path as written on disk) or [`RelPath::join_link`] (a
//! link's URL path, percent-decoded first, from the file it is written in); both check
//! the same rules.
//!
//! The check is purely lexical: a `RelPath` says nothing about what is on disk. Whether
//! the file exists, is a regular file, or is a symlink leading out of the portfolio is
//! for the code that opens it to ask (the containment rules of `util::fs`).

use std::fmt;
use std::path::{Path, PathBuf};

/// A normalised path relative to the portfolio folder. See the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath(String);

/// Why a path or link is not a [`RelPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathError {
    /// Nothing left once `.` and empty segments are removed.
    Empty,
    /// Starts at the root of the file system or names a drive (`/x`, `C:\x`).
    Absolute,
    /// A `..` climbs above the portfolio folder.
    Escapes,
    /// Holds a backslash or a NUL, which mean something else on another system.
    Forbidden(char),
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathError::Empty => write!(f, "the path is empty"),
            PathError::Absolute => write!(f, "the path is absolute"),
            PathError::Escapes => write!(f, "the path leaves the portfolio folder"),
            PathError::Forbidden('\\') => write!(f, "the path holds a backslash"),
            PathError::Forbidden(c) => write!(f, "the path holds the character {c:?}"),
        }
    }
}

impl std::error::Error for PathError {}

impl RelPath {
    /// Checks and normalises `path`, relative to the portfolio folder.
    pub fn new(path: &str) -> Result<RelPath, PathError> {
        normalise(&[], path)
    }

    /// The file a link written in `self` points at: `href`'s path (without `?query` or
    /// `#fragment`) percent-decoded, then joined to `self`'s folder. Only for relative
    /// links: a URL with a scheme is not a path.
    pub(crate) fn join_link(&self, href: &str) -> Result<RelPath, PathError> {
        let path = href.split(['#', '?']).next().unwrap_or(href);
        let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
        let mut folder: Vec<&str> = self.0.split('/').collect();
        folder.pop();
        normalise(&folder, &decoded)
    }

    /// The path as text, `/`-separated.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment.
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The path on disk under `root`.
    pub fn under(&self, root: &Path) -> PathBuf {
        let mut path = root.to_path_buf();
        path.extend(self.0.split('/'));
        path
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for RelPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl serde::Serialize for RelPath {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The one check behind both constructors: `path` joined to the segments of `base`.
fn normalise(base: &[&str], path: &str) -> Result<RelPath, PathError> {
    if let Some(c) = path.chars().find(|&c| c == '\\' || c == '\0') {
        return Err(PathError::Forbidden(c));
    }
    let bytes = path.as_bytes();
    if path.starts_with('/')
        || (bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic())
    {
        return Err(PathError::Absolute);
    }
    let mut parts: Vec<&str> = base.iter().copied().filter(|s| !s.is_empty()).collect();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop().ok_or(PathError::Escapes)?;
            }
            s => parts.push(s),
        }
    }
    if parts.is_empty() {
        return Err(PathError::Empty);
    }
    Ok(RelPath(parts.join("/")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(s: &str) -> RelPath {
        RelPath::new(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn paths_are_normalised() {
        assert_eq!(rel("evidence/./a.md").as_str(), "evidence/a.md");
        assert_eq!(rel("evidence//a.md").as_str(), "evidence/a.md");
        assert_eq!(rel("evidence/x/../a.md").as_str(), "evidence/a.md");
        assert_eq!(
            rel("100%.md").as_str(),
            "100%.md",
            "a file name is not decoded"
        );
    }

    #[test]
    fn paths_that_leave_the_portfolio_are_refused() {
        assert_eq!(RelPath::new("../x"), Err(PathError::Escapes));
        assert_eq!(RelPath::new("a/../../x"), Err(PathError::Escapes));
        assert_eq!(RelPath::new("/etc/passwd"), Err(PathError::Absolute));
        assert_eq!(RelPath::new("C:/x"), Err(PathError::Absolute));
        assert_eq!(RelPath::new("a\\b"), Err(PathError::Forbidden('\\')));
        assert_eq!(RelPath::new("a\0b"), Err(PathError::Forbidden('\0')));
        assert_eq!(RelPath::new(""), Err(PathError::Empty));
        assert_eq!(RelPath::new("./."), Err(PathError::Empty));
    }

    #[test]
    fn links_join_from_the_folder_of_their_file() {
        let from = rel("evidence/a.md");
        assert_eq!(
            from.join_link("img/x.png").map(|p| p.0),
            Ok("evidence/img/x.png".into())
        );
        assert_eq!(
            from.join_link("../notes/b.md#h").map(|p| p.0),
            Ok("notes/b.md".into())
        );
        assert_eq!(
            from.join_link("b%20c.md?x=1").map(|p| p.0),
            Ok("evidence/b c.md".into())
        );
        assert_eq!(
            rel("top.md").join_link("x.png").map(|p| p.0),
            Ok("x.png".into())
        );
    }

    #[test]
    fn links_are_decoded_before_they_are_checked() {
        let from = rel("evidence/a.md");
        assert_eq!(from.join_link("../../etc/passwd"), Err(PathError::Escapes));
        assert_eq!(
            from.join_link("%2e%2e/%2E%2E/etc/passwd"),
            Err(PathError::Escapes)
        );
        assert_eq!(from.join_link("..%2f..%2fx"), Err(PathError::Escapes));
        assert_eq!(from.join_link("%2Fetc%2Fpasswd"), Err(PathError::Absolute));
        assert_eq!(from.join_link("a%5Cb"), Err(PathError::Forbidden('\\')));
        assert_eq!(from.join_link("a%00b"), Err(PathError::Forbidden('\0')));
    }
}
