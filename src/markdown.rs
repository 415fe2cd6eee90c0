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
    if !text.is_ascii() {
        return text
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count();
    }
    // The same rule byte by byte: decoding chars here was the single hottest spot of
    // `senco check` (see guide/performance.md). ASCII whitespace as `char::is_whitespace`
    // defines it, which unlike `u8::is_ascii_whitespace` includes vertical tab.
    let mut count = 0;
    let mut word_has_alnum = false;
    for &b in text.as_bytes() {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\x0B' | b'\x0C' | b'\r') {
            count += usize::from(word_has_alnum);
            word_has_alnum = false;
        } else {
            word_has_alnum |= b.is_ascii_alphanumeric();
        }
    }
    count + usize::from(word_has_alnum)
}

/// Headings that start a reference list, whose words do not count.
pub fn is_references_heading(text: &str) -> bool {
    let t = text.trim().trim_end_matches(':').to_lowercase();
    matches!(t.as_str(), "references" | "reference list" | "bibliography")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reference_count(text: &str) -> usize {
        text.split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count()
    }

    #[test]
    fn counts_words_with_letters_or_digits() {
        assert_eq!(count_words("Child A met TA 1 - twice."), 6);
        assert_eq!(count_words("  -- * 2024 \x0b x\r\n"), 2);
        assert_eq!(count_words("naïve café"), 2);
    }

    proptest! {
        #[test]
        fn ascii_fast_path_agrees_with_the_definition(text in "[ -~\t\n\r\x0b\x0c]{0,80}") {
            prop_assert_eq!(count_words(&text), reference_count(&text));
        }

        #[test]
        fn any_text_agrees_with_the_definition(text in "\\PC{0,40}") {
            prop_assert_eq!(count_words(&text), reference_count(&text));
        }
    }
}
