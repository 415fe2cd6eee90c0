//! Markdown settings shared by every stage that reads evidence, so parsing for coverage
//! and rendering for assessors can never disagree about what is a tag.

use pulldown_cmark::Options;

/// The Markdown dialect of evidence files: CommonMark with tables, footnotes,
/// strikethrough, task lists, heading ids and `[[wiki links]]`.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_WIKILINKS
}

/// Counts words the way assessors count them for word limits: whitespace-separated runs
/// that contain a letter or digit.
pub fn count_words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

/// Headings that start a reference list, whose words do not count.
pub fn is_references_heading(text: &str) -> bool {
    let t = text.trim().trim_end_matches(':').to_lowercase();
    matches!(t.as_str(), "references" | "reference list" | "bibliography")
}
