//! Small text helpers every stage shares: [`slug`] for names in paths and ids,
//! [`plural`] and [`percent`] for counts in messages, [`without_bom`] for reading text.

/// `text` without the byte-order mark an editor may put first: not a character anyone
/// wrote, and not a column an editor shows. Every reader of evidence text takes it off
/// the same way, so positions found by one mean the same text to another.
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Lower-case letters and digits, every other run of characters one hyphen, none at
/// either end: `Meeting with Child A's parents!` becomes `meeting-with-child-a-s-parents`.
/// Letters outside ASCII are kept (`Cyfarfod â'r ŵyl`: `cyfarfod-â-r-ŵyl`). Empty when
/// `text` has no letter or digit.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let push = |c: char, out: &mut String| {
        if is_alphanumeric(c) {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    };
    for c in text.chars() {
        // ASCII without Unicode's tables: headings are slugged for every link to one.
        if c.is_ascii() {
            push(c.to_ascii_lowercase(), &mut out);
        } else if is_caseless_letter(c) {
            out.push(c);
        } else {
            c.to_lowercase().for_each(|c| push(c, &mut out));
        }
    }
    out.truncate(out.trim_end_matches('-').len());
    out
}

/// `c.is_alphanumeric()`, by a bit table of the Basic Multilingual Plane (every living
/// script's letters) made 256 characters at a time as text needs them. Unicode's own
/// table is a search per character: it was a tenth of the work of a cold check of a
/// vault in thirty languages (obsidian-help: Bengali, Thai, Khmer, Persian, Chinese…).
#[inline]
pub(crate) fn is_alphanumeric(c: char) -> bool {
    use std::sync::OnceLock;
    /// Bit `n` of page `p`: whether U+`p`×256+`n` is a letter or digit.
    static PAGES: [OnceLock<[u64; 4]>; 256] = [const { OnceLock::new() }; 256];
    let code = u32::from(c);
    if code < 0x80 {
        return c.is_ascii_alphanumeric();
    }
    let Some(page) = PAGES.get((code >> 8) as usize) else {
        return c.is_alphanumeric();
    };
    let bits = page.get_or_init(|| {
        let mut bits = [0u64; 4];
        for low in 0..256u32 {
            let letter = char::from_u32(code & !0xFF | low).is_some_and(char::is_alphanumeric);
            bits[(low >> 6) as usize] |= u64::from(letter) << (low & 63);
        }
        bits
    });
    let low = code & 0xFF;
    bits[(low >> 6) as usize] >> (low & 63) & 1 == 1
}

/// Whether `c` is in a block of letters that have no case: CJK ideographs and Hangul
/// syllables, every one of them alphabetic, so [`slug`] need not ask Unicode's case
/// table about them: with the letter table, that was most of slugging headings written
/// in Chinese and Korean.
fn is_caseless_letter(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7A3}')
}

/// [`slug`], or `fallback` when that is empty.
pub(crate) fn slug_or(text: &str, fallback: &str) -> String {
    match slug(text) {
        s if s.is_empty() => fallback.to_string(),
        s => s,
    }
}

/// The longest a [`file_slug`] gets, in characters.
pub(crate) const FILE_SLUG_CHARS: usize = 60;

/// A [`slug`] for a file name: at most [`FILE_SLUG_CHARS`] characters, and `evidence`
/// when the text has no letter or digit.
pub(crate) fn file_slug(text: &str) -> String {
    let cut: String = slug(text).chars().take(FILE_SLUG_CHARS).collect();
    slug_or(&cut, "evidence")
}

/// `wanted`, or `wanted-2`, `wanted-3`… if `taken` has it already; the name returned
/// is added to `taken`.
pub fn unique(taken: &mut std::collections::BTreeSet<String>, wanted: String) -> String {
    let mut name = wanted.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{wanted}-{n}");
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// `text` with its first letter in upper case, to start a sentence ("part" -> "Part").
pub(crate) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `part` of `whole` as a whole percentage, rounded down; 0 of nothing is 0%.
pub fn percent(part: usize, whole: usize) -> usize {
    (part * 100).checked_div(whole).unwrap_or(0)
}

/// `""` for one, `"s"` otherwise: `format!("{n} file{}", plural(n))`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_and_digits_are_told_as_unicode_tells_them() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            assert_eq!(is_alphanumeric(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn caseless_letters_are_letters_that_lower_case_to_themselves() {
        let caseless = (0..=u32::from(char::MAX))
            .filter_map(char::from_u32)
            .filter(|&c| is_caseless_letter(c));
        let mut seen = 0;
        for c in caseless {
            assert!(c.is_alphanumeric(), "{c:?} is not a letter");
            assert_eq!(c.to_lowercase().collect::<String>(), c.to_string(), "{c:?}");
            seen += 1;
        }
        assert_eq!(seen, (0x9FFF - 0x4E00 + 1) + (0xD7A3 - 0xAC00 + 1));
        assert_eq!(slug("会議の記録 — 한국어"), "会議の記録-한국어");
    }

    proptest::proptest! {
        #[test]
        fn slugs_are_lower_case_letters_and_digits_joined_by_hyphens(text in "([ -~]|\\PC){0,40}") {
            let mut reference = String::new();
            for c in text.chars().flat_map(char::to_lowercase) {
                if c.is_alphanumeric() {
                    reference.push(c);
                } else if !reference.is_empty() && !reference.ends_with('-') {
                    reference.push('-');
                }
            }
            reference.truncate(reference.trim_end_matches('-').len());
            proptest::prop_assert_eq!(slug(&text), reference);
        }
    }

    #[test]
    fn slugs_keep_letters_and_digits_and_join_the_rest_with_hyphens() {
        assert_eq!(
            slug("Meeting with Child A's parents!"),
            "meeting-with-child-a-s-parents"
        );
        assert_eq!(slug("  --Week 1: notes--  "), "week-1-notes");
        assert_eq!(slug("Cyfarfod â'r ŵyl"), "cyfarfod-â-r-ŵyl");
        assert_eq!(slug("ÉCOLE"), "école");
        assert_eq!(slug("???"), "");
        assert_eq!(slug_or("???", "trainee"), "trainee");
        assert_eq!(slug_or("Dr A Tutor", "trainee"), "dr-a-tutor");
        assert_eq!(file_slug("???"), "evidence");
        let long = file_slug(&format!("{} end", "word ".repeat(30)));
        assert_eq!(
            long.chars().count(),
            59,
            "cut at 60, then the hyphen it ends on"
        );
        assert!(
            long.starts_with("word-word") && long.ends_with("word"),
            "{long}"
        );
    }

    #[test]
    fn unique_names_count_up_from_two() {
        let mut taken = std::collections::BTreeSet::new();
        let names = ["a", "a", "b", "a", "a-2"].map(|n| unique(&mut taken, n.to_string()));
        assert_eq!(names, ["a", "a-2", "b", "a-3", "a-2-2"]);
    }

    #[test]
    fn percentages_round_down_and_survive_an_empty_whole() {
        assert_eq!([percent(1, 3), percent(2, 3), percent(3, 3)], [33, 66, 100]);
        assert_eq!(percent(0, 0), 0);
    }

    #[test]
    fn plural_is_empty_only_for_one() {
        assert_eq!(
            [0, 1, 2].map(|n| format!("{n} file{}", plural(n))),
            ["0 files", "1 file", "2 files"]
        );
    }
}
