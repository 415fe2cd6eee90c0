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
        } else if lowers_to_itself(c) {
            push(c, &mut out);
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
    static PAGES: BmpTable = [const { std::sync::OnceLock::new() }; 256];
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    bmp_bit(&PAGES, c, char::is_alphanumeric)
}

/// Whether `c` is its own lower case (`c.to_lowercase()` is `c` alone), by a bit table
/// as [`is_alphanumeric`] is: Unicode's case table is a binary search per character,
/// and link keys and slugs ask it of every character of names in thirty languages,
/// nearly all of which lower-case to themselves.
#[inline]
pub(crate) fn lowers_to_itself(c: char) -> bool {
    static PAGES: BmpTable = [const { std::sync::OnceLock::new() }; 256];
    if c.is_ascii() {
        return !c.is_ascii_uppercase();
    }
    bmp_bit(&PAGES, c, |c| {
        let mut lower = c.to_lowercase();
        lower.next() == Some(c) && lower.next().is_none()
    })
}

/// Bit `n` of page `p`: whether `test` holds for U+`p`×256+`n`; each page is made the
/// first time a character on it is asked about.
type BmpTable = [std::sync::OnceLock<[u64; 4]>; 256];

/// `test(c)`, from `table` for a character of the Basic Multilingual Plane.
#[inline]
fn bmp_bit(table: &BmpTable, c: char, test: fn(char) -> bool) -> bool {
    let code = u32::from(c);
    let Some(page) = table.get((code >> 8) as usize) else {
        return test(c);
    };
    let bits = page.get_or_init(|| {
        let mut bits = [0u64; 4];
        for low in 0..256u32 {
            let holds = char::from_u32(code & !0xFF | low).is_some_and(test);
            bits[(low >> 6) as usize] |= u64::from(holds) << (low & 63);
        }
        bits
    });
    let low = code & 0xFF;
    bits[(low >> 6) as usize] >> (low & 63) & 1 == 1
}

/// `text.to_lowercase()`, borrowed when every character is its own lower case, as
/// most names and paths are, so that a lookup by name need not copy it.
pub(crate) fn lower_case(text: &str) -> std::borrow::Cow<'_, str> {
    use std::borrow::Cow;
    if text.is_ascii() {
        return match text.bytes().any(|b| b.is_ascii_uppercase()) {
            true => Cow::Owned(text.to_ascii_lowercase()),
            false => Cow::Borrowed(text),
        };
    }
    let Some(first) = text.find(|c| !lowers_to_itself(c)) else {
        return Cow::Borrowed(text);
    };
    // A capital sigma lowers by its place in a word: only `str::to_lowercase` knows.
    if text[first..].contains('Σ') {
        return Cow::Owned(text.to_lowercase());
    }
    let mut lower = String::with_capacity(text.len());
    lower.push_str(&text[..first]);
    for c in text[first..].chars() {
        if lowers_to_itself(c) {
            lower.push(c);
        } else {
            lower.extend(c.to_lowercase());
        }
    }
    Cow::Owned(lower)
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
    fn a_character_lowers_to_itself_exactly_when_unicode_lowers_it_to_itself() {
        for c in (0..=u32::from(char::MAX)).filter_map(char::from_u32) {
            let unicode = c.to_lowercase().collect::<String>() == c.to_string();
            assert_eq!(lowers_to_itself(c), unicode, "{c:?}");
        }
        assert_eq!(slug("会議の記録 — 한국어"), "会議の記録-한국어");
    }

    #[test]
    fn lower_case_is_borrowed_only_when_nothing_changes() {
        for text in [
            "",
            "meeting notes",
            "会議の記録",
            "встреча",
            "cyfarfod â'r ŵyl",
        ] {
            assert!(
                matches!(lower_case(text), std::borrow::Cow::Borrowed(t) if t == text),
                "{text}"
            );
        }
        // Final sigma: lowered as a word, as `str::to_lowercase` does, not letter by letter.
        for (text, lower) in [
            ("Meeting", "meeting"),
            ("ΟΔΟΣ", "οδο\u{3c2}"),
            ("İ", "i\u{307}"),
            ("ǅ", "ǆ"),
        ] {
            assert!(
                matches!(lower_case(text), std::borrow::Cow::Owned(t) if t == lower),
                "{text}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn lower_case_is_what_the_standard_library_writes(text in "([ -~]{1,4}|[ΣΣΣσςİǅÅẞΟΔ]|\\PC){0,20}") {
            proptest::prop_assert_eq!(lower_case(&text), text.to_lowercase());
        }

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
