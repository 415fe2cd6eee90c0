//! Rules about file names and written paths that every stage applies the same way:
//! which files are hidden, and how a path written by hand is normalised.

use std::ffi::OsStr;

/// The portfolio's private folder: pseudonyms and backups, never packed or published.
pub const PRIVATE_DIR: &str = ".senco";

/// The one hidden-file rule: a name starting with `.` (`.git`, `.obsidian`, `.senco`,
/// `.DS_Store`) is not evidence, an attachment, a judgement or a cohort member.
pub fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// Whether any part of a `/`-separated relative path is hidden.
pub fn is_hidden_path(rel: &str) -> bool {
    rel.split('/').any(|part| is_hidden(OsStr::new(part)))
}

/// What a watcher of the portfolio ignores: hidden names, except the private folder at
/// the top (`top_level`), whose pseudonyms file changes what the privacy lint finds.
pub fn is_unwatched(name: &OsStr, top_level: bool) -> bool {
    is_hidden(name) && !(top_level && name == PRIVATE_DIR)
}

/// Normalises a path as written by hand: trimmed, `/` separators, no leading `./`.
pub fn normalise_path(written: &str) -> String {
    let mut path = written.trim().replace('\\', "/");
    while let Some(rest) = path.strip_prefix("./") {
        path = rest.to_string();
    }
    path
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
}
