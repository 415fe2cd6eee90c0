//! Markdown settings shared by every stage that reads evidence, so parsing for coverage
//! and rendering for assessors can never disagree about what is a tag.

use pulldown_cmark::{Event, Options, TagEnd};

/// The Markdown dialect of evidence files: CommonMark with tables, footnotes,
/// strikethrough, task lists, heading ids and `[[wiki links]]`.
pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_WIKILINKS
        | Options::ENABLE_MATH
}

/// Classes of characters for [`count_words`].
const OTHER: u8 = 0;
const ALNUM: u8 = 1;
const SPACE: u8 = 2;

/// Counts words the way assessors count them for word limits: whitespace-separated runs
/// that contain a letter or digit.
pub(crate) fn count_words(text: &str) -> usize {
    // Counting the words of a block is a population count. Without the processor's own
    // instruction (not in baseline x86-64, so not used unless asked for) it is a dozen
    // instructions, a quarter of the time counting took on pasted text. With AVX2 a
    // block of thirty-two bytes is one comparison instead of two.
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the processor has just said it has both.
            return unsafe { count_words_with_avx2(text) };
        }
        if std::is_x86_feature_detected!("popcnt") {
            // SAFETY: the processor has just said it has the instruction.
            return unsafe { count_words_with_popcnt(text) };
        }
    }
    count_words_in::<false>(text)
}

/// [`count_words_in`] compiled with the population count instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn count_words_with_popcnt(text: &str) -> usize {
    count_words_in::<false>(text)
}

/// [`count_words_in`] with AVX2's blocks, and the population count instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
fn count_words_with_avx2(text: &str) -> usize {
    count_words_in::<true>(text)
}

/// [`count_words`] itself; inlined into each caller, so it is compiled for the
/// instructions each may use. `AVX2`: blocks of thirty-two bytes in one comparison,
/// only where the processor has it.
#[inline(always)]
fn count_words_in<const AVX2: bool>(text: &str) -> usize {
    // A word is counted at its first letter or digit. ASCII goes up to thirty-two
    // (x86-64) or eight bytes at a time through bit masks ([`WordBlock`]), as far as the
    // next character outside ASCII, which alone is decoded: decoding every char (as
    // `split_whitespace` does) was once the single hottest spot of `senco check` on
    // pasted text. A block ends at a curly quote, not at the start of the block that
    // holds it, so only the quote goes one character at a time.
    let bytes = text.as_bytes();
    let mut state = WordState::default();
    let mut i = 0;
    while i < bytes.len() {
        let block = WordBlock::at::<AVX2>(bytes, i);
        if block.width > 0 {
            block.count(&mut state);
            // A constant step where the block is all ASCII: the next load need not
            // wait for this block's width to be worked out.
            if block.width == WordBlock::MAX_WIDTH {
                i += WordBlock::MAX_WIDTH as usize;
                continue;
            }
            i += block.width as usize;
        }
        // The end, or characters outside ASCII, decoded one after another while they
        // last (a block for each would cost more than the character, in Chinese text):
        // `i` is at a char boundary, as every step is of whole chars.
        while let Some(c) = text.get(i..).and_then(|rest| rest.chars().next())
            && !c.is_ascii()
        {
            state.step(wide_class(c, state.word_has_alnum));
            i += c.len_utf8();
        }
    }
    state.count
}

/// Where [`count_words`] is: words counted, whether the last character was inside a
/// word, and whether that word has shown a letter or digit yet.
#[derive(Debug, Default)]
struct WordState {
    count: usize,
    in_word: bool,
    word_has_alnum: bool,
}

impl WordState {
    fn step(&mut self, class: u8) {
        let alnum = class == ALNUM;
        let space = class == SPACE;
        self.count += usize::from(alnum & !self.word_has_alnum);
        self.word_has_alnum = (self.word_has_alnum | alnum) & !space;
        self.in_word = !space;
    }
}

/// Up to thirty-two bytes of ASCII as bit masks (bit `i` for byte `i`): which are
/// whitespace (as `char::is_whitespace` has it: vertical tab too) and which are letters
/// or digits.
struct WordBlock {
    space: u64,
    alnum: u64,
    /// How many bytes the masks are of: those before the first byte outside ASCII, at
    /// most [`WordBlock::MAX_WIDTH`]. Bits past it mean nothing.
    width: u32,
}

impl WordBlock {
    /// The widest block: thirty-two bytes on x86-64 (two comparisons of sixteen with
    /// SSE2, one of thirty-two with AVX2), else eight.
    const MAX_WIDTH: u32 = if cfg!(target_arch = "x86_64") { 32 } else { 8 };

    /// The block at `at` in `bytes`, as wide as the ASCII there allows and no wider than
    /// what is left.
    #[inline(always)]
    fn at<const AVX2: bool>(bytes: &[u8], at: usize) -> WordBlock {
        let rest = &bytes[at..];
        #[cfg(target_arch = "x86_64")]
        let mut block = if AVX2 {
            let bytes = crate::util::bytes::padded::<32>(rest);
            // SAFETY: only [`count_words_with_avx2`] asks for AVX2's blocks, once the
            // processor has said it has it.
            unsafe { WordBlock::of_thirty_two(&bytes) }
        } else {
            // Two blocks of sixteen as one of thirty-two: half as many steps of the
            // carry from one block to the next, which each must wait for.
            let sixteen = |from: usize| {
                let bytes = crate::util::bytes::padded::<16>(rest.get(from..).unwrap_or_default());
                let word = |at: usize| bytes[at..at + 8].try_into().map_or(0, u64::from_le_bytes);
                // SAFETY: SSE2 is part of x86-64 itself: every processor this runs on
                // has it.
                unsafe { WordBlock::of_sixteen(word(0), word(8)) }
            };
            let low = sixteen(0);
            if low.width < 16 || rest.len() <= 16 {
                // Text with a character outside ASCII every few bytes (Bengali, Chinese)
                // has many short blocks, and every text an end: the second half would
                // go unused.
                low
            } else {
                let high = sixteen(16);
                WordBlock {
                    space: low.space | high.space << 16,
                    alnum: low.alnum | high.alnum << 16,
                    width: 16 + high.width,
                }
            }
        };
        #[cfg(not(target_arch = "x86_64"))]
        let mut block = WordBlock::of(u64::from_le_bytes(crate::util::bytes::padded::<8>(rest)));
        block.width = block
            .width
            .min(u32::try_from(rest.len()).unwrap_or(u32::MAX));
        block
    }

    /// The masks of a little-endian word of eight bytes, as far as its first byte
    /// outside ASCII. (On x86-64, [`WordBlock::of_sixteen`] is used instead.)
    #[cfg(any(test, not(target_arch = "x86_64")))]
    #[inline(always)]
    fn of(word: u64) -> WordBlock {
        use crate::util::bytes::{HIGH, each, equal, gather, in_range};
        let space = equal(word, b' ') | in_range(word, b'\t', b'\r');
        let alnum = in_range(word, b'0', b'9') | in_range(word | each(0x20), b'a', b'z');
        WordBlock {
            space: gather(space),
            alnum: gather(alnum),
            width: gather(word & HIGH).trailing_zeros().min(8),
        }
    }

    /// The masks of sixteen bytes (`low` first), as far as the first byte outside
    /// ASCII. Every x86-64 processor has SSE2, which compares sixteen bytes in one
    /// instruction and gathers their answers in another: twice the speed of
    /// [`WordBlock::of`].
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    fn of_sixteen(low: u64, high: u64) -> WordBlock {
        use std::arch::x86_64::{
            _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_movemask_epi8,
            _mm_or_si128, _mm_set_epi64x, _mm_set1_epi8,
        };
        // Bit patterns, not numbers: the bytes as the lanes of one register.
        let bytes = _mm_set_epi64x(high.cast_signed(), low.cast_signed());
        let outside = _mm_movemask_epi8(bytes).cast_unsigned();
        // Below the first byte outside ASCII, all bytes are below 0x80, so the signed
        // comparisons order them as bytes; the lanes after it are not used.
        let between = |lo: u8, hi: u8, v| {
            _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8((lo - 1).cast_signed())),
                _mm_cmplt_epi8(v, _mm_set1_epi8((hi + 1).cast_signed())),
            )
        };
        let space = _mm_or_si128(
            _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b' '.cast_signed())),
            between(b'\t', b'\r', bytes),
        );
        let lower = _mm_or_si128(bytes, _mm_set1_epi8(0x20));
        let alnum = _mm_or_si128(between(b'0', b'9', bytes), between(b'a', b'z', lower));
        let mask = |v| u64::from(_mm_movemask_epi8(v).cast_unsigned());
        WordBlock {
            space: mask(space),
            alnum: mask(alnum),
            width: outside.trailing_zeros().min(16),
        }
    }

    /// The masks of thirty-two bytes, as far as the first byte outside ASCII: what
    /// [`WordBlock::of_sixteen`] gives for two blocks, in one comparison of each kind.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn of_thirty_two(bytes: &[u8; 32]) -> WordBlock {
        use std::arch::x86_64::{
            __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256,
            _mm256_set1_epi8,
        };
        // SAFETY: an unaligned load of the thirty-two bytes the array holds.
        let lanes = unsafe { _mm256_loadu_si256(bytes.as_ptr().cast::<__m256i>()) };
        let outside = _mm256_movemask_epi8(lanes).cast_unsigned();
        let space = _mm256_or_si256(
            _mm256_cmpeq_epi8(lanes, _mm256_set1_epi8(b' '.cast_signed())),
            between_32(lanes, b'\t', b'\r'),
        );
        let lower = _mm256_or_si256(lanes, _mm256_set1_epi8(0x20));
        let alnum = _mm256_or_si256(between_32(lanes, b'0', b'9'), between_32(lower, b'a', b'z'));
        WordBlock {
            space: u64::from(_mm256_movemask_epi8(space).cast_unsigned()),
            alnum: u64::from(_mm256_movemask_epi8(alnum).cast_unsigned()),
            width: outside.trailing_zeros(),
        }
    }

    /// Counts the words whose first letter or digit is in these bytes. A carry
    /// started at each word's first byte runs through the bytes that are neither a
    /// letter, a digit nor a space, and stops at the word's first letter or digit (count
    /// it) or at the space after it (a word of punctuation only). A carry out of the
    /// block is a word still waiting for its first letter or digit.
    #[inline(always)]
    fn count(&self, state: &mut WordState) {
        let full = (1u64 << self.width) - 1;
        let word = !self.space & full;
        let mut starts = word & !((word << 1) | u64::from(state.in_word));
        if state.in_word && !state.word_has_alnum {
            starts |= word & 1;
        }
        let waiting = word & !self.alnum;
        let carried = waiting + starts;
        let landed = carried & !waiting & full;
        state.count += (landed & self.alnum).count_ones() as usize;
        state.in_word = word >> (self.width - 1) == 1;
        state.word_has_alnum = state.in_word && carried >> self.width == 0;
    }
}

/// Each lane of `lanes` between `lo` and `hi` (ASCII), as all ones. Signed, as every
/// byte before the first outside ASCII is below 0x80; the lanes after it are not used.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn between_32(lanes: std::arch::x86_64::__m256i, lo: u8, hi: u8) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::{_mm256_and_si256, _mm256_cmpgt_epi8, _mm256_set1_epi8};
    _mm256_and_si256(
        _mm256_cmpgt_epi8(lanes, _mm256_set1_epi8((lo - 1).cast_signed())),
        _mm256_cmpgt_epi8(_mm256_set1_epi8((hi + 1).cast_signed()), lanes),
    )
}

/// The class of a character outside ASCII for [`count_words`]. Unicode's tables are slow
/// to ask, so typographic punctuation (curly quotes, dashes, ellipses: U+2010 to U+2027
/// and U+2030 to U+205E, none a letter, digit or space) is told by its range, and once
/// a word has a letter or digit only whitespace can change the count.
fn wide_class(c: char, word_has_alnum: bool) -> u8 {
    if matches!(c, '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}') {
        OTHER
    } else if c.is_whitespace() {
        SPACE
    } else if !word_has_alnum && crate::util::text::is_alphanumeric(c) {
        ALNUM
    } else {
        OTHER
    }
}

/// Ids senco's own evidence page uses: the landmark, the opening, the built-in theme's
/// section headings. Evidence may not take them, or a link meant for senco's anchor would
/// land on the evidence's.
const RESERVED_IDS: &[&str] = &[
    "main",
    "opening",
    "claimed-outcomes",
    "text",
    "stages-heading",
];

/// Prefixes of generated ids: tag badges (`tag-N`, which passage links point at) and
/// footnotes (`fn-NAME`).
const RESERVED_PREFIXES: &[&str] = &["tag-", "fn-"];

/// Whether a heading may not take `id`: senco's own ids and every generated one.
pub(crate) fn is_reserved_id(id: &str) -> bool {
    RESERVED_IDS.contains(&id) || RESERVED_PREFIXES.iter().any(|p| id.starts_with(p))
}

/// Whether raw HTML in evidence may not use `id`: the ids of senco's page and of its tag
/// badges. (Footnote ids are written by the renderer itself, so they cannot be told from
/// raw HTML here; no heading takes one.)
pub(crate) fn is_senco_anchor(id: &str) -> bool {
    RESERVED_IDS.contains(&id) || id.starts_with("tag-")
}

/// The id a footnote's definition gets on the page; its references link to it. The name
/// is kept as written (the HTML writer escapes it), so two footnotes never share an id.
pub(crate) fn footnote_id(name: &str) -> String {
    format!("fn-{name}")
}

/// Gives the headings of one page their ids, in order: the slug of the heading (or its
/// `{#id}`), made unique with `-1`, `-2` …, never one of senco's own ids or a footnote's.
/// The check and the renderer share it, so a `[[Note#Heading]]` link checked against a
/// note's headings lands on the same id in the built page.
#[derive(Debug, Default)]
pub(crate) struct HeadingIds {
    used: rustc_hash::FxHashSet<String>,
    /// The next suffix to try for each stem already taken: counting on from the last one
    /// given keeps a file of 100,000 identical headings linear.
    next_suffix: rustc_hash::FxHashMap<String, usize>,
}

impl HeadingIds {
    /// The id of the next heading, from its text or the id written for it.
    pub(crate) fn assign(&mut self, text: &str) -> String {
        self.assign_slug(crate::util::text::slug(text))
    }

    /// [`HeadingIds::assign`] for a heading whose text is slugged already.
    pub(crate) fn assign_slug(&mut self, mut stem: String) -> String {
        if stem.is_empty() {
            stem = "section".to_string();
        }
        // A stem whose numbered forms could be reserved (`tag`, `tag-format`, `fn`) moves
        // aside once, to `h-…`; no id starting `h-` is reserved, so the numbering below
        // always reaches a free id.
        if is_reserved_id(&stem) || is_reserved_when_numbered(&stem) {
            stem = format!("h-{stem}");
        }
        if !self.used.contains(&stem) {
            self.used.insert(stem.clone());
            return stem;
        }
        let mut n = self.next_suffix.get(&stem).copied().unwrap_or(1);
        let unique = loop {
            let unique = format!("{stem}-{n}");
            n += 1;
            if !self.used.contains(&unique) {
                break unique;
            }
        };
        self.next_suffix.insert(stem, n);
        self.used.insert(unique.clone());
        unique
    }
}

/// Whether `{stem}-1` is reserved ([`is_reserved_id`]), told without writing it out:
/// every heading asks.
fn is_reserved_when_numbered(stem: &str) -> bool {
    // `prefix` starts `{stem}-1` when it is `stem` and the start of `-1`, or starts `stem`.
    let starts_numbered = |prefix: &str| match prefix.strip_prefix(stem) {
        Some(rest) => "-1".starts_with(rest),
        None => stem.starts_with(prefix),
    };
    RESERVED_IDS
        .iter()
        .any(|id| id.strip_prefix(stem) == Some("-1"))
        || RESERVED_PREFIXES.iter().any(|p| starts_numbered(p))
}

/// Headings that start a reference list, whose words do not count.
pub(crate) fn is_references_heading(text: &str) -> bool {
    let t = text.trim().trim_end_matches(':').to_lowercase();
    matches!(t.as_str(), "references" | "reference list" | "bibliography")
}

/// How deep elements may nest in a rendered evidence page. HTML parsers, ammonia's
/// included, look through every open element for each new block, so a page 100,000
/// quotations deep takes hours to sanitise; no real evidence nests this deep.
pub(crate) const MAX_DEPTH: usize = 100;

/// What to do with one Markdown event so that the page stays within [`MAX_DEPTH`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    Keep,
    /// Leave out this start or end tag; its content stays, one level up.
    Drop,
    /// Show this raw HTML as text: its elements would go too deep.
    Escape,
}

/// Tracks how deep a stream of Markdown events nests, raw HTML elements included, and
/// says which events to leave out to stay within [`MAX_DEPTH`]. The check and the
/// renderer share it, so the check warns about exactly what the page flattens.
#[derive(Debug, Default)]
pub(crate) struct Nesting {
    /// Each open Markdown element: whether it is kept, and how many raw HTML elements
    /// were open when it started (its end closes any opened inside it).
    open: Vec<(bool, usize)>,
    kept: usize,
    html: RawHtml,
}

impl Nesting {
    pub fn step(&mut self, event: &Event<'_>) -> Step {
        match event {
            Event::Start(_) => {
                let keep = self.kept + self.html.depth() < MAX_DEPTH;
                self.open.push((keep, self.html.open.len()));
                self.kept += usize::from(keep);
                if keep { Step::Keep } else { Step::Drop }
            }
            Event::End(_) => {
                let Some((keep, html_open)) = self.open.pop() else {
                    return Step::Keep;
                };
                self.html.close_to(html_open);
                self.kept -= usize::from(keep);
                if keep { Step::Keep } else { Step::Drop }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                let before = self.html.clone();
                if self.html.read(html, MAX_DEPTH.saturating_sub(self.kept)) {
                    Step::Keep
                } else {
                    self.html = before;
                    Step::Escape
                }
            }
            _ => Step::Keep,
        }
    }
}

/// Whether the end of a dropped element should leave a line break, so the words of
/// flattened paragraphs and list items do not run together.
pub(crate) fn ends_block(end: &TagEnd) -> bool {
    matches!(
        end,
        TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::Item
            | TagEnd::TableCell
    )
}

/// A rough model of the elements raw HTML leaves open, erring on the deep side: tags
/// are counted as an HTML parser would open them, closed by their own end tag or their
/// parent's, and formatting elements (`<b>`, `<em>` …) closed by a parent's end tag
/// stay counted, since parsers reopen them.
#[derive(Debug, Default, Clone)]
struct RawHtml {
    open: Vec<Name>,
    reopened: Vec<Name>,
}

/// A tag name, lower-cased and cut to 16 bytes: copied without allocating, as the model
/// is saved before every piece of raw HTML.
type Name = [u8; 16];

fn name(text: &[u8]) -> Name {
    let mut n = [0; 16];
    for (to, from) in n.iter_mut().zip(text) {
        *to = from.to_ascii_lowercase();
    }
    n
}

fn is_one_of(n: &Name, names: &[&str]) -> bool {
    names.iter().any(|other| name(other.as_bytes()) == *n)
}

const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param",
    "source", "track", "wbr",
];

const FORMATTING: &[&str] = &[
    "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u",
];

/// Elements a new one of the same name closes (`<p>a<p>b`), unless one of the listed
/// containers lies between them.
const CLOSED_BY_ANOTHER: &[(&str, &[&str])] = &[
    ("p", &["table", "td", "th", "button"]),
    ("li", &["ul", "ol"]),
    ("dt", &["dl"]),
    ("dd", &["dl"]),
    ("tr", &["table"]),
    ("td", &["table"]),
    ("th", &["table"]),
    ("option", &["select"]),
];

impl RawHtml {
    fn depth(&self) -> usize {
        self.open.len() + self.reopened.len()
    }

    /// Reads the tags of one piece of raw HTML; false if they would nest deeper than `room`.
    fn read(&mut self, html: &str, room: usize) -> bool {
        let bytes = html.as_bytes();
        for at in memchr::memchr_iter(b'<', bytes) {
            let rest = &bytes[at + 1..];
            let (closing, rest) = match rest.first() {
                Some(b'/') => (true, &rest[1..]),
                _ => (false, rest),
            };
            let len = rest
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
                .count();
            if len == 0 || !rest[0].is_ascii_alphabetic() {
                continue;
            }
            let tag = name(&rest[..len]);
            if closing {
                self.end(&tag);
            } else if !is_one_of(&tag, VOID) {
                self.start(tag);
                if self.depth() > room {
                    return false;
                }
            }
        }
        true
    }

    fn start(&mut self, tag: Name) {
        let closes = CLOSED_BY_ANOTHER
            .iter()
            .find(|(n, _)| name(n.as_bytes()) == tag);
        if let Some((_, containers)) = closes
            && let Some(i) = self.open.iter().rposition(|n| *n == tag)
            && !self.open[i + 1..].iter().any(|n| is_one_of(n, containers))
        {
            self.close_to(i);
        }
        self.open.push(tag);
    }

    fn end(&mut self, tag: &Name) {
        if let Some(i) = self.open.iter().rposition(|n| n == tag) {
            self.close_to(i + 1);
            self.open.pop();
        } else if let Some(i) = self.reopened.iter().rposition(|n| n == tag) {
            self.reopened.remove(i);
        }
    }

    /// Closes the elements above the first `keep`, as an enclosing end tag does.
    fn close_to(&mut self, keep: usize) {
        if keep >= self.open.len() {
            return;
        }
        let closed = self.open.split_off(keep);
        self.reopened
            .extend(closed.into_iter().filter(|n| is_one_of(n, FORMATTING)));
    }
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
    fn typographic_punctuation_is_told_by_its_range_as_unicode_classes_it() {
        for c in ('\u{2010}'..='\u{2027}').chain('\u{2030}'..='\u{205e}') {
            assert!(
                !c.is_whitespace() && !c.is_alphanumeric(),
                "{c:?} U+{:04X}",
                c as u32
            );
            assert_eq!(wide_class(c, false), OTHER);
        }
        assert_eq!(count_words("“Quoted” — text… ‘x’ ⁿ"), 4);
    }

    /// Each byte's bits in `block` say what `char` says of it.
    fn assert_masks_agree(block: &WordBlock, bytes: &[u8]) {
        for (i, &x) in bytes.iter().enumerate() {
            let space = (x as char).is_whitespace();
            assert_eq!(block.space >> i & 1 == 1, space, "{x} at {i}");
            assert_eq!(
                block.alnum >> i & 1 == 1,
                x.is_ascii_alphanumeric(),
                "{x} at {i}"
            );
        }
    }

    #[test]
    fn the_masks_of_eight_bytes_agree_with_the_table_for_every_byte() {
        let eight = |bytes: &[u8; 8]| WordBlock::of(u64::from_le_bytes(*bytes));
        assert_blocks_agree(eight, b"a-b c.d9", b"01234567");
    }

    /// A block of `N` bytes from `masks` agrees with the table for every ASCII byte at
    /// every place in `ascii`, and ends at a byte outside ASCII at every place in `digits`.
    fn assert_blocks_agree<const N: usize>(
        masks: impl Fn(&[u8; N]) -> WordBlock,
        ascii: &[u8; N],
        digits: &[u8; N],
    ) {
        for b in 0..128u8 {
            for at in 0..N {
                let mut bytes = *ascii;
                bytes[at] = b;
                let block = masks(&bytes);
                assert_eq!(block.width as usize, N);
                assert_masks_agree(&block, &bytes);
            }
        }
        for at in 0..N {
            let mut bytes = *digits;
            bytes[at] = 0xC3;
            let block = masks(&bytes);
            assert_eq!(block.width as usize, at, "a byte outside ASCII at {at}");
            assert_masks_agree(&block, &bytes[..at]);
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_masks_of_sixteen_bytes_agree_with_the_table_for_every_byte() {
        let sixteen = |bytes: &[u8; 16]| {
            let low = u64::from_le_bytes(bytes[..8].try_into().expect("8"));
            let high = u64::from_le_bytes(bytes[8..].try_into().expect("8"));
            // SAFETY: every x86-64 processor has SSE2.
            unsafe { WordBlock::of_sixteen(low, high) }
        };
        assert_blocks_agree(sixteen, b"a-b c.d9\tZ_`{@/:", b"0123456789abcdef");
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_masks_of_thirty_two_bytes_agree_with_the_table_for_every_byte() {
        // Without AVX2, `count_words` takes the blocks of sixteen, tested above. CI's
        // machine has it, so there this test always runs.
        if !std::is_x86_feature_detected!("avx2") {
            assert!(std::env::var_os("CI").is_none(), "CI's machine has no AVX2");
            eprintln!("no AVX2 here: the blocks of thirty-two are not used, nor tested");
            return;
        }
        // SAFETY: the processor has just said it has AVX2.
        let thirty_two = |bytes: &[u8; 32]| unsafe { WordBlock::of_thirty_two(bytes) };
        assert_blocks_agree(
            thirty_two,
            b"a-b c.d9\tZ_`{@/:0 Az\x0b\r\n~[]^09azA",
            b"0123456789abcdef0123456789ABCDEF",
        );
    }

    #[test]
    fn characters_outside_ascii_are_counted_at_every_place_in_a_block() {
        // Letters, digits, spaces, marks and punctuation of every length in UTF-8, at
        // every offset of texts that end inside, at and past a block's end.
        let wide = [
            "é", "’", "—", "\u{a0}", "\u{2028}", "\u{3000}", "\u{301}", "١", "語", "😀",
        ];
        let fill = ["a", " ", "-", "ab ", " x", "1"];
        for c in wide {
            for f in fill {
                for before in 0..20 {
                    for after in [0, 1, 3, 8, 13] {
                        let text = format!("{}{c}{}", f.repeat(before), f.repeat(after));
                        let doubled = format!("{c}{text}{c}{c}");
                        let paired = format!("{}{c}a {c}{c} a{c}", f.repeat(before));
                        for text in [&text, &doubled, &paired] {
                            assert_eq!(count_words(text), reference_count(text), "{text:?}");
                            assert_eq!(
                                count_words_in::<false>(text),
                                reference_count(text),
                                "{text:?}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn counts_words_with_letters_or_digits() {
        assert_eq!(count_words("Child A met TA 1 - twice."), 6);
        assert_eq!(count_words("  -- * 2024 \x0b x\r\n"), 2);
        assert_eq!(count_words("naïve café"), 2);
        // A word whose only letter is outside ASCII, after words with ASCII letters.
        let text = "a0\u{3000}’\u{3000} \t\ta00\t(é\u{a0}a";
        assert_eq!(count_words(text), 4);
        assert_eq!(count_words_in::<false>(text), 4);
    }

    fn steps(text: &str) -> Vec<Step> {
        let mut nesting = Nesting::default();
        pulldown_cmark::Parser::new_ext(text, options())
            .map(|e| nesting.step(&e))
            .collect()
    }

    #[test]
    fn markdown_deeper_than_the_limit_is_dropped_and_its_ends_match() {
        let text = format!("{} deep\n", ">".repeat(MAX_DEPTH + 20));
        let deep = steps(&text);
        let dropped = deep.iter().filter(|s| **s == Step::Drop).count();
        // The 20 quotations past the limit and the paragraph, each a start and an end.
        assert_eq!(dropped, 2 * 21);
        assert!(!deep.contains(&Step::Escape));
        let shallow = format!("{} fine\n", ">".repeat(MAX_DEPTH - 2));
        assert!(steps(&shallow).iter().all(|s| *s == Step::Keep));
    }

    #[test]
    fn raw_html_counts_towards_the_depth() {
        let deep = format!("<div>{}\n", "<div>".repeat(MAX_DEPTH + 5));
        assert!(steps(&deep).contains(&Step::Escape));
        let unclosed_spans = format!("x {}\n", "<span>".repeat(MAX_DEPTH + 5));
        assert!(steps(&unclosed_spans).contains(&Step::Escape));
        // Closed, void and self-closing elements, and `<p>` that the next `<p>` closes,
        // leave nothing open however many there are.
        let flat = "<div>a</div> <br> <img src=x> <p>a<p>b <li>c<li>d ".repeat(MAX_DEPTH);
        assert!(steps(&flat).iter().all(|s| *s == Step::Keep));
        // A formatting element closed by its parent is reopened by HTML parsers: it counts.
        let reopened = "<div><b>x</div>\n\n".repeat(MAX_DEPTH + 5);
        assert!(steps(&reopened).contains(&Step::Escape));
    }

    #[test]
    fn heading_ids_are_unique_and_avoid_senco_s_own() {
        let mut ids = HeadingIds::default();
        let got: Vec<String> = [
            "Tag format",
            "Tag",
            "Tag",
            "Tag 1",
            "Main",
            "1",
            "Fn 1",
            "",
            "Intro",
            "Intro",
            "intro-1",
        ]
        .iter()
        .map(|t| ids.assign(t))
        .collect();
        assert_eq!(
            got,
            [
                "h-tag-format",
                "h-tag",
                "h-tag-1",
                "h-tag-1-1",
                "h-main",
                "1",
                "h-fn-1",
                "section",
                "intro",
                "intro-1",
                "intro-1-1"
            ]
        );
        assert!(got.iter().all(|id| !is_reserved_id(id)));
        assert_eq!(footnote_id("1"), "fn-1");
    }

    proptest! {
        #[test]
        fn heading_ids_terminate_unique_and_unreserved(texts in proptest::collection::vec("(tag|fn|main|text|h|-|1| ){0,6}", 0..40)) {
            let mut ids = HeadingIds::default();
            let mut seen = std::collections::HashSet::new();
            for t in &texts {
                let id = ids.assign(t);
                prop_assert!(!is_reserved_id(&id), "{id}");
                prop_assert!(seen.insert(id));
            }
        }

        #[test]
        fn a_page_s_heading_keys_are_the_ids_its_built_page_gives(
            headings in proptest::collection::vec(
                ("(Tag|fn|Main|Plan|É|-|1| |“x”){0,5}", proptest::option::of("(plan|Tag|1|-){0,3}")),
                0..30,
            )
        ) {
            let headings: Vec<crate::check::evidence::Heading> = headings
                .into_iter()
                .map(|(text, written_id)| crate::check::evidence::Heading { text, written_id })
                .collect();
            let keys = crate::check::evidence::heading_keys(&headings);
            // As the renderer assigns them, one heading at a time.
            let mut page = HeadingIds::default();
            for (n, h) in headings.iter().enumerate() {
                let id = page.assign(h.written_id.as_deref().unwrap_or(&h.text));
                prop_assert_eq!(&keys.ids[n], &id);
                prop_assert_eq!(&keys.slugs[n], &crate::util::text::slug(&h.text));
            }
            prop_assert_eq!(keys.ids.len(), headings.len());
        }

        #[test]
        fn a_numbered_stem_is_reserved_as_written_out(stem in "(t|ta|tag|tag-|f|fn|fn-|main|h|-|1|x){0,3}") {
            prop_assert_eq!(is_reserved_when_numbered(&stem), is_reserved_id(&format!("{stem}-1")));
        }

        #[test]
        fn ascii_fast_path_agrees_with_the_definition(text in "[ -~\t\n\r\x0b\x0c]{0,80}") {
            prop_assert_eq!(count_words(&text), reference_count(&text));
            prop_assert_eq!(count_words_in::<false>(&text), reference_count(&text));
        }

        #[test]
        fn long_mixed_text_agrees_with_the_definition(
            pieces in proptest::collection::vec(
                "([a-z0-9]{1,9}|[ \t\n]{1,3}|[-.,*()#]{1,3}|’|“|—|é|\u{a0}|\u{3000}|x\u{301})",
                0..120,
            )
        ) {
            let text = pieces.concat();
            prop_assert_eq!(count_words(&text), reference_count(&text));
            prop_assert_eq!(count_words_in::<false>(&text), reference_count(&text));
        }

        #[test]
        fn any_text_agrees_with_the_definition(text in "\\PC{0,40}") {
            prop_assert_eq!(count_words(&text), reference_count(&text));
            prop_assert_eq!(count_words_in::<false>(&text), reference_count(&text));
        }
    }
}
