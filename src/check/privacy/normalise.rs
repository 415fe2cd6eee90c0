//! Text as a reader sees it, for finding names however they are written.
//!
//! A name reaches a reader through many spellings: `O’Brien` and `O'Brien`, `Tamsin
//! **Oakworth**`, `Tamsin&nbsp;Oakworth`, `O&#39;Brien`, `O%27Brien`, `siobhan-obrien`,
//! `Zoë` and `Zoe`. [`Normalised`] decodes HTML entities and percent-escapes, folds case
//! and diacritics, and keeps only letters and digits ("units"), remembering for each unit
//! the raw bytes it came from and what stood between it and the unit before: nothing,
//! only "soft" separators (whitespace, apostrophes, hyphens, `_`, `.` inside a word,
//! emphasis markup, inline HTML tags) or anything else ("hard": a comma, a bracket, an
//! `@`). [`NameMatcher`] finds names in that stream with one Aho-Corasick automaton over
//! the folded names, so a file of 100,000 names is searched in one pass.
//!
//! The privacy lint, `senco pseudonymise` and the anonymised pack (its scrubber and its
//! final check) all use this one normaliser, so what one finds the others find too.

use aho_corasick::AhoCorasick;
use std::ops::Range;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// What stood between two units of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Gap {
    /// The units touch (`ab`).
    None,
    /// Only separators a name may be written with (`a b`, `a-b`, `a’b`, `*a* b`).
    Soft,
    /// Anything else (`a, b`, `a@b`, `a. b`), and the start of the text.
    Hard,
}

/// One folded letter or digit and where it came from.
#[derive(Debug, Clone, Copy)]
struct Unit {
    /// Byte offset of the unit in [`Normalised::folded`].
    folded: u32,
    raw_start: u32,
    raw_end: u32,
    gap: Gap,
    /// The raw letter was upper case.
    upper: bool,
}

/// A text folded for matching, with the map back to its raw bytes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Normalised {
    /// Lower-case letters and digits without diacritics, nothing between them.
    folded: String,
    units: Vec<Unit>,
}

/// How many entities or escapes deep a decoding goes (`&amp;#39;`, `%2527`).
const MAX_DECODE_DEPTH: usize = 3;

/// Where [`fold`] puts each folded letter or digit: a [`Normalised`] keeps where each
/// came from, a plain string (to tell quickly whether any name can be there) does not.
/// One folding function feeds both, so both see the same letters.
trait Sink {
    fn push(&mut self, folded: char, raw_start: usize, raw_end: usize, gap: Gap, upper: bool);
}

impl Sink for Normalised {
    fn push(&mut self, folded: char, raw_start: usize, raw_end: usize, gap: Gap, upper: bool) {
        self.units.push(Unit {
            folded: self.folded.len() as u32,
            raw_start: raw_start as u32,
            raw_end: raw_end as u32,
            gap,
            upper,
        });
        self.folded.push(folded);
    }
}

impl Sink for String {
    fn push(&mut self, folded: char, _: usize, _: usize, _: Gap, _: bool) {
        String::push(self, folded);
    }
}

/// Folds `raw` into `sink`: see [`Normalised`].
fn fold(raw: &str, sink: &mut impl Sink) {
    let bytes = raw.as_bytes();
    let mut gap = Gap::Hard;
    let mut i = 0;
    while i < raw.len() {
        let b = bytes[i];
        // The common case first: plain ASCII letters and digits.
        if b.is_ascii_alphanumeric() {
            sink.push(
                b.to_ascii_lowercase() as char,
                i,
                i + 1,
                gap,
                b.is_ascii_uppercase(),
            );
            gap = Gap::None;
            i += 1;
            continue;
        }
        // Then other ASCII, but for the escapes and the two characters whose meaning
        // depends on what follows: none is decoded, invisible or a combining mark.
        if b.is_ascii() && !matches!(b, b'&' | b'%' | b'.' | b'<') {
            gap = gap.max(if is_soft(char::from(b)) {
                Gap::Soft
            } else {
                Gap::Hard
            });
            i += 1;
            continue;
        }
        let (c, end) = decode_at(raw, i);
        let class = if crate::util::text::is_alphanumeric(c) {
            push_letter(sink, c, i, end, gap);
            gap = Gap::None;
            i = end;
            continue;
        } else if is_invisible(c) || is_combining_mark(c) {
            // Soft hyphens, zero-width spaces and stray combining marks are not seen.
            Gap::None
        } else if c == '.' {
            // `siobhan.obrien` is one token; `Sam. Sample` is two sentences.
            match raw[end..].chars().next() {
                Some(next) if !next.is_whitespace() && next != '&' && next != '%' => Gap::Soft,
                _ => Gap::Hard,
            }
        } else if c == '<' && end == i + 1 {
            match tag_end(raw, i) {
                Some(tag_end) => {
                    gap = gap.max(Gap::Soft);
                    i = tag_end;
                    continue;
                }
                None => Gap::Hard,
            }
        } else if is_soft(c) {
            Gap::Soft
        } else {
            Gap::Hard
        };
        gap = gap.max(class);
        i = end;
    }
}

/// Folds one non-ASCII letter or digit: lower case, diacritics dropped, a few letters
/// that do not decompose spelled out (`ß` as `ss`).
fn push_letter(sink: &mut impl Sink, c: char, raw_start: usize, raw_end: usize, gap: Gap) {
    let upper = c.is_uppercase();
    let mut gap = gap;
    let mut emit = |sink: &mut _, f: char| {
        Sink::push(sink, f, raw_start, raw_end, gap, upper);
        gap = Gap::None;
    };
    for lower in c.to_lowercase() {
        if let Some(spelled) = spelled_out(lower) {
            for f in spelled.chars() {
                emit(sink, f);
            }
            continue;
        }
        for d in lower.nfd() {
            if !is_combining_mark(d) && crate::util::text::is_alphanumeric(d) {
                emit(sink, d);
            }
        }
    }
}

impl Normalised {
    pub fn new(raw: &str) -> Normalised {
        let mut n = Normalised {
            folded: String::with_capacity(raw.len()),
            units: Vec::with_capacity(raw.len()),
        };
        fold(raw, &mut n);
        n
    }

    /// The folded letters and digits.
    pub(crate) fn folded(&self) -> &str {
        &self.folded
    }

    /// The raw byte range of units `range`.
    pub(crate) fn raw_range(&self, range: Range<usize>) -> Range<usize> {
        match (self.units.get(range.start), range.end.checked_sub(1)) {
            (Some(first), Some(last)) if last >= range.start && last < self.units.len() => {
                first.raw_start as usize..self.units[last].raw_end as usize
            }
            _ => 0..0,
        }
    }

    /// The unit starting at folded byte `at`, or the number of units at the end.
    fn unit_at(&self, at: usize) -> Option<usize> {
        if at == self.folded.len() {
            return Some(self.units.len());
        }
        self.units
            .binary_search_by_key(&(at as u32), |u| u.folded)
            .ok()
    }

    /// Does a word start at unit `i` (and end just before it)?
    fn boundary(&self, i: usize, case_breaks: bool) -> bool {
        match (
            i.checked_sub(1).and_then(|p| self.units.get(p)),
            self.units.get(i),
        ) {
            (None, _) | (_, None) => true,
            (Some(before), Some(unit)) => {
                unit.gap != Gap::None || (case_breaks && unit.upper && !before.upper)
            }
        }
    }
}

/// The character at byte `i`, HTML entities and percent-escapes decoded (twice-encoded
/// ones too), and the byte just after what it was decoded from.
fn decode_at(raw: &str, i: usize) -> (char, usize) {
    let bytes = raw.as_bytes();
    let plain = || {
        let c = raw[i..].chars().next().unwrap_or('\u{fffd}');
        (c, i + c.len_utf8())
    };
    match bytes[i] {
        b'&' => {
            let mut end = i + 1;
            for _ in 0..MAX_DECODE_DEPTH {
                let Some((c, len)) = entity_body(&raw[end..]) else {
                    break;
                };
                end += len;
                if c != '&' {
                    return (c, end);
                }
            }
            if end > i + 1 { ('&', end) } else { plain() }
        }
        b'%' => match percent_char(raw, i) {
            Some(decoded) => decoded,
            None => plain(),
        },
        _ => plain(),
    }
}

/// A percent-escaped character at `i` (`%27`, `%C3%AB`, `%2527`).
fn percent_char(raw: &str, i: usize) -> Option<(char, usize)> {
    let bytes = raw.as_bytes();
    let hex = |at: usize| -> Option<u8> {
        let h = raw.get(at + 1..at + 3)?;
        (bytes[at] == b'%').then_some(())?;
        u8::from_str_radix(h, 16).ok()
    };
    let mut at = i;
    let mut first = hex(at)?;
    at += 3;
    // `%25` is a percent sign: `%2527` is `%27` encoded again.
    let mut depth = 1;
    while first == b'%' && depth < MAX_DECODE_DEPTH {
        match raw
            .get(at..at + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            Some(v) => {
                first = v;
                at += 2;
                depth += 1;
            }
            None => break,
        }
    }
    if first < 0x80 {
        return Some((first as char, at));
    }
    let len = match first {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let mut buf = vec![first];
    for _ in 1..len {
        buf.push(hex(at)?);
        at += 3;
    }
    let c = std::str::from_utf8(&buf).ok()?.chars().next()?;
    Some((c, at))
}

/// Decodes an entity after its `&`: the character and the bytes used, `;` included.
fn entity_body(s: &str) -> Option<(char, usize)> {
    let end = s.bytes().take(12).position(|b| b == b';')?;
    let body = &s[..end];
    let c = if let Some(num) = body.strip_prefix('#') {
        let value = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(value)?
    } else {
        match body {
            "amp" => '&',
            "apos" => '\'',
            "quot" => '"',
            "lt" => '<',
            "gt" => '>',
            "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
            "rsquo" | "lsquo" | "prime" => '’',
            "ndash" | "mdash" | "hyphen" | "dash" => '-',
            "shy" => '\u{ad}',
            "zwj" | "zwnj" => '\u{200b}',
            _ => named_letter(body)?,
        }
    };
    Some((c, end + 1))
}

/// Named entities for accented letters (`&eacute;`, `&Ouml;`): the base letter is
/// enough, since diacritics are folded away.
fn named_letter(body: &str) -> Option<char> {
    const MARKS: &[&str] = &[
        "acute", "grave", "circ", "uml", "tilde", "ring", "cedil", "caron",
    ];
    let mark = MARKS
        .iter()
        .find(|m| body.len() == m.len() + 1 && body.ends_with(*m))?;
    let letter = body[..body.len() - mark.len()].chars().next()?;
    letter.is_ascii_alphabetic().then_some(letter)
}

/// The end of a bare HTML tag starting at `i` (`<em>`, `</strong>`, `<br/>`): markup
/// between the parts of a name. Tags with attributes are not skipped: their values
/// (`href`, `alt`, `title`) are text a reader or a search meets.
fn tag_end(raw: &str, i: usize) -> Option<usize> {
    let rest = &raw.as_bytes()[i + 1..];
    let name = rest.strip_prefix(b"/").unwrap_or(rest);
    let skipped = rest.len() - name.len();
    let len = name
        .iter()
        .take(16)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if len == 0 || !name[0].is_ascii_alphabetic() {
        return None;
    }
    let after = &name[len..];
    let close = if after.starts_with(b">") {
        1
    } else if after.starts_with(b"/>") {
        2
    } else {
        return None;
    };
    Some(i + 1 + skipped + len + close)
}

fn is_soft(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\'' | '’'
                | '‘'
                | 'ʼ'
                | '`'
                | '´'
                | '′'
                | '-'
                | '‐'
                | '‑'
                | '‒'
                | '–'
                | '—'
                | '―'
                | '−'
                | '_'
                | '*'
                | '~'
        )
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}'
    )
}

fn spelled_out(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        _ => return None,
    })
}

/// How the case of a match must agree with the name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CaseRule {
    /// Any case (`jo example`, `JO EXAMPLE`); a change from lower to upper case also
    /// counts as a word break (`JoExample`).
    Any,
    /// As written or in capitals: `Will` and `WILL`, never `will`.
    AsWrittenOrCapitals,
}

/// One name to find.
#[derive(Debug, Clone)]
struct Pattern {
    /// Folded byte offsets inside the key where the name had separators, and where
    /// separators (or none) may stand in the text.
    breaks: Vec<u32>,
    /// Upper-case flag of each unit of the name as written.
    upper: Vec<bool>,
    case: CaseRule,
    /// The caller's tag for this name.
    tag: usize,
}

/// Finds names in [`Normalised`] text: whole words, in order, each unit where the name
/// has one, separators only where the name has them.
#[derive(Debug, Clone, Default)]
pub(crate) struct NameMatcher {
    /// The folded names (each once), the automaton's patterns.
    keys: Vec<String>,
    /// Built on first use: with the prefilter, most runs never need it.
    automaton: std::sync::OnceLock<Option<AhoCorasick>>,
    /// For each folded key (automaton pattern), the names that fold to it.
    by_key: Vec<Vec<Pattern>>,
    /// The longest separator-free part of each name, folded: the prefilter of
    /// [`NameMatcher::find_in`].
    segments: Option<Segments>,
}

/// The prefilter's search for parts of names: a SIMD searcher when there are few
/// enough parts, else an automaton.
#[derive(Debug, Clone)]
enum Segments {
    Packed(aho_corasick::packed::Searcher),
    Automaton(AhoCorasick),
}

impl Segments {
    fn new(parts: &[String]) -> Option<Segments> {
        if parts.is_empty() {
            return None;
        }
        if let Some(packed) = aho_corasick::packed::Config::new()
            .builder()
            .extend(parts)
            .build()
        {
            return Some(Segments::Packed(packed));
        }
        AhoCorasick::new(parts).ok().map(Segments::Automaton)
    }

    fn is_match(&self, haystack: &[u8]) -> bool {
        match self {
            Segments::Packed(searcher) => searcher.find(haystack).is_some(),
            Segments::Automaton(automaton) => automaton.is_match(haystack),
        }
    }
}

/// One name found: units, raw bytes and the caller's tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameMatch {
    pub(crate) units: Range<usize>,
    pub raw: Range<usize>,
    pub tag: usize,
}

impl NameMatcher {
    /// A matcher for `(name, case rule, tag)` triples. Names with no letters or digits
    /// are left out (they cannot be searched for).
    pub fn new<'a>(names: impl IntoIterator<Item = (&'a str, CaseRule, usize)>) -> NameMatcher {
        let mut keys: Vec<String> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        let mut by_key: Vec<Vec<Pattern>> = Vec::new();
        let mut segments: Vec<String> = Vec::new();
        for (name, case, tag) in names {
            let n = Normalised::new(name);
            if n.units.is_empty() {
                continue;
            }
            let pattern = Pattern {
                breaks: n
                    .units
                    .iter()
                    .skip(1)
                    .filter(|u| u.gap != Gap::None)
                    .map(|u| u.folded)
                    .collect(),
                upper: n.units.iter().map(|u| u.upper).collect(),
                case,
                tag,
            };
            let slot = *index.entry(n.folded.clone()).or_insert_with(|| {
                keys.push(n.folded.clone());
                by_key.push(Vec::new());
                keys.len() - 1
            });
            segments.push(longest_segment(&n.folded, &pattern.breaks).to_string());
            by_key[slot].push(pattern);
        }
        let segments = Segments::new(&segments);
        NameMatcher {
            keys,
            automaton: std::sync::OnceLock::new(),
            by_key,
            segments,
        }
    }

    fn automaton(&self) -> Option<&AhoCorasick> {
        self.automaton
            .get_or_init(|| {
                if self.keys.is_empty() {
                    return None;
                }
                // A DFA is fastest per byte; past a few thousand names it would grow too
                // large, and the builder's own choice is better.
                let kind = (self.keys.len() <= 2000).then_some(aho_corasick::AhoCorasickKind::DFA);
                AhoCorasick::builder().kind(kind).build(&self.keys).ok()
            })
            .as_ref()
    }

    /// Every name in `text`, leftmost first, the longest winning where names overlap
    /// ("Sam Sample" over "Sam"); among names of one spelling, the first given.
    pub fn find(&self, text: &Normalised) -> Vec<NameMatch> {
        let Some(automaton) = self.automaton() else {
            return Vec::new();
        };
        let mut hits: Vec<NameMatch> = Vec::new();
        for m in automaton.find_overlapping_iter(text.folded.as_str()) {
            let (Some(start), Some(end)) = (text.unit_at(m.start()), text.unit_at(m.end())) else {
                continue;
            };
            let accepted = self.by_key[m.pattern().as_usize()]
                .iter()
                .find(|p| accepts(p, text, start, end));
            if let Some(p) = accepted {
                hits.push(NameMatch {
                    units: start..end,
                    raw: text.raw_range(start..end),
                    tag: p.tag,
                });
            }
        }
        hits.sort_by(|a, b| {
            a.units
                .start
                .cmp(&b.units.start)
                .then(b.units.end.cmp(&a.units.end))
        });
        let mut chosen: Vec<NameMatch> = Vec::new();
        for hit in hits {
            if chosen
                .last()
                .is_some_and(|last| hit.units.start < last.units.end)
            {
                continue;
            }
            chosen.push(hit);
        }
        chosen
    }

    /// Normalises `raw` and finds the names in it.
    pub(crate) fn find_in(&self, raw: &str) -> Vec<NameMatch> {
        if self.keys.is_empty() || !self.may_hold_a_name(raw) {
            return Vec::new();
        }
        self.find(&Normalised::new(raw))
    }

    /// False only when no name can be found in `raw`, told without folding all of it.
    ///
    /// Within a part of a name written without separators (`Oakworth` of `Tamsin
    /// Oakworth`), [`accepts`] allows no gap between units: in the raw text they are
    /// letters or digits with at most invisible characters or combining marks between
    /// them, all inside one run of [`is_word_byte`]s. A run of ASCII letters and digits
    /// holds the part as written, in some ASCII case: the segment automaton finds it in
    /// the raw bytes in lower case. Any other run (with a byte outside ASCII, an entity or an escape)
    /// is folded on its own and searched the same way. Most texts hold no name, and
    /// this costs a fraction of folding them whole.
    fn may_hold_a_name(&self, raw: &str) -> bool {
        let Some(segments) = &self.segments else {
            return true;
        };
        // Folded names are in lower case: so is a copy of the text, which is cheaper to
        // make than an automaton for every case is to run. The same pass finds the first
        // byte whose run may fold to letters other than its own ASCII ones: an entity, an
        // escape or a character outside ASCII.
        const SPECIAL: [u8; 2] = [b'&', b'%'];
        let bytes = raw.as_bytes();
        let (raw_match, mut next) = LOWERED.with_borrow_mut(|lowered| {
            let first = crate::util::bytes::lowercase_finding(bytes, lowered, SPECIAL);
            let found = segments.is_match(lowered);
            if lowered.capacity() > MAX_KEPT_COPY {
                *lowered = Vec::new();
            }
            (found, first)
        });
        if raw_match {
            return true;
        }
        let mut folded = String::new();
        while let Some(at) = next {
            if let Some(c) = raw[at..].chars().next().filter(|_| !bytes[at].is_ascii())
                && is_separator_only(c)
            {
                next = crate::util::bytes::first_non_ascii_or(bytes, at + c.len_utf8(), SPECIAL);
                continue;
            }
            let start = bytes[..at]
                .iter()
                .rposition(|&b| !is_word_byte(b))
                .map_or(0, |i| i + 1);
            let end = bytes[at..]
                .iter()
                .position(|&b| !is_word_byte(b))
                .map_or(bytes.len(), |i| at + i);
            folded.clear();
            // Run ends are ASCII bytes, so they are character boundaries.
            fold(&raw[start..end], &mut folded);
            if segments.is_match(folded.as_bytes()) {
                return true;
            }
            next = crate::util::bytes::first_non_ascii_or(bytes, end, SPECIAL);
        }
        false
    }
}

/// The largest lowercase copy a thread keeps for the next text: enough for any ordinary
/// file, so that a rare huge one does not hold its memory for the rest of the run.
const MAX_KEPT_COPY: usize = 1 << 20;

thread_local! {
    /// The lowercase copy of the text [`NameMatcher::may_hold_a_name`] searches, kept
    /// between calls on the same thread so that its room is allocated once.
    static LOWERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The longest part of a folded name between the places it had separators.
fn longest_segment<'k>(key: &'k str, breaks: &[u32]) -> &'k str {
    let mut longest = key;
    let mut best = 0;
    let mut start = 0;
    for end in breaks
        .iter()
        .map(|b| *b as usize)
        .chain(std::iter::once(key.len()))
    {
        if let Some(part) = key.get(start..end)
            && part.len() > best
        {
            best = part.len();
            longest = part;
        }
        start = end;
    }
    longest
}

/// A byte that can be inside a run of text that folds to units with no gap between
/// them: ASCII letters and digits, the bytes of entities and percent-escapes, and any
/// byte of a character outside ASCII.
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'&' | b'%' | b'#' | b';') || !b.is_ascii()
}

/// A character outside ASCII that only ever separates units (whitespace, typographic
/// quotes, dashes and ellipses): a run holding no other special byte has only its
/// ASCII letters, which the raw search sees.
fn is_separator_only(c: char) -> bool {
    matches!(c, '\u{2010}'..='\u{205e}') || c.is_whitespace()
}

fn accepts(p: &Pattern, text: &Normalised, start: usize, end: usize) -> bool {
    let case_breaks = p.case == CaseRule::Any;
    if !text.boundary(start, case_breaks) || !text.boundary(end, case_breaks) {
        return false;
    }
    let base = text.units[start].folded;
    for unit in &text.units[start + 1..end] {
        match unit.gap {
            Gap::None => {}
            Gap::Soft => {
                if p.breaks.binary_search(&(unit.folded - base)).is_err() {
                    return false;
                }
            }
            Gap::Hard => return false,
        }
    }
    match p.case {
        CaseRule::Any => true,
        CaseRule::AsWrittenOrCapitals => {
            let units = &text.units[start..end];
            units.iter().all(|u| u.upper)
                || units.iter().map(|u| u.upper).eq(p.upper.iter().copied())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(names: &[(&str, CaseRule)], text: &str) -> Vec<String> {
        let matcher = NameMatcher::new(names.iter().enumerate().map(|(i, (n, c))| (*n, *c, i)));
        matcher
            .find_in(text)
            .into_iter()
            .map(|m| text[m.raw].to_string())
            .collect()
    }

    #[test]
    fn a_full_name_is_found_however_it_is_written() {
        let name = [("Siobhan O'Brien", CaseRule::Any)];
        for text in [
            "Siobhan O'Brien",
            "Siobhan O’Brien",
            "SIOBHAN O'BRIEN",
            "siobhan-obrien-reflection.html",
            "Siobhan%20O%27Brien.html",
            "Siobhan O&#39;Brien",
            "Siobhan O&amp;#39;Brien",
            "Siobhan&nbsp;O&#x27;Brien",
            "*Siobhan* **O'Brien**",
            "<em>Siobhan</em> O'Brien",
            "<a href=\"https://example.org/Siobhan%20O%27Brien\">x</a>",
            "Siobhan\n    O'Brien",
            "siobhan_obrien",
            "siobhan.obrien@example.org",
            "SiobhanOBrien",
            "Siobhan%2520O%2527Brien",
        ] {
            assert_eq!(found(&name, text).len(), 1, "{text}");
        }
    }

    #[test]
    fn diacritics_are_folded_both_ways() {
        assert_eq!(found(&[("Zoë Ashby", CaseRule::Any)], "Zoe Ashby").len(), 1);
        assert_eq!(found(&[("Zoe Ashby", CaseRule::Any)], "ZOË ASHBY").len(), 1);
        assert_eq!(
            found(&[("Zoe Ashby", CaseRule::Any)], "Zoe\u{308} Ashby").len(),
            1
        );
        assert_eq!(
            found(&[("Zoe Ashby", CaseRule::Any)], "Zo&euml; Ashby").len(),
            1
        );
        assert_eq!(
            found(&[("Zoe Ashby", CaseRule::Any)], "Zo%C3%AB Ashby").len(),
            1
        );
    }

    #[test]
    fn raw_offsets_cover_the_name_as_written() {
        let text = "Met *Tamsin*  Oakworth today";
        let got = found(&[("Tamsin Oakworth", CaseRule::Any)], text);
        assert_eq!(got, vec!["Tamsin*  Oakworth"]);
    }

    #[test]
    fn words_that_merely_contain_a_name_do_not_match() {
        let name = [("Sam Sample", CaseRule::Any)];
        for text in [
            "Samson Sample",
            "Sam Samples",
            "Sam, Sample",
            "Sam. Sample size",
            "Sa mSample",
            "Sam (Sample)",
        ] {
            assert!(found(&name, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn parts_as_written_leave_ordinary_words_alone() {
        let part = [("Will", CaseRule::AsWrittenOrCapitals)];
        assert!(found(&part, "we will see; will-power").is_empty());
        assert_eq!(found(&part, "Will said; WILL"), vec!["Will", "WILL"]);
        assert!(found(&part, "WillPower").is_empty());
        assert_eq!(
            found(
                &[("O'Brien", CaseRule::AsWrittenOrCapitals)],
                "O&#39;Brien and O%27Brien"
            )
            .len(),
            2
        );
        assert!(found(&[("O'Brien", CaseRule::AsWrittenOrCapitals)], "obrien").is_empty());
        // Attribute values are text too.
        assert_eq!(
            found(
                &[("O'Brien", CaseRule::AsWrittenOrCapitals)],
                "<a href=\"/people/O%27Brien\" title=\"O&#39;Brien\">x</a>"
            )
            .len(),
            2
        );
    }

    #[test]
    fn the_longest_name_wins() {
        let names = [("Sam", CaseRule::Any), ("Sam Sample", CaseRule::Any)];
        assert_eq!(
            found(&names, "Sam Sample and Sam"),
            vec!["Sam Sample", "Sam"]
        );
    }

    #[test]
    fn broken_escapes_and_odd_bytes_never_panic() {
        let names = [("Jo", CaseRule::Any)];
        for text in [
            "%",
            "%C3",
            "%C3%",
            "&#",
            "&#xFFFFFFFF;",
            "&",
            "<",
            "<a",
            "é%e9",
            "&#0;Jo",
        ] {
            let _ = found(&names, text);
        }
        assert_eq!(found(&names, "&#0;Jo"), vec!["Jo"]);
    }

    /// Text built of names' pieces in every spelling the normaliser decodes, glued by
    /// separators, markup and characters outside ASCII.
    fn tricky_text() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let piece = prop_oneof![
            Just("Tamsin"),
            Just("TAMSIN"),
            Just("tam"),
            Just("sin"),
            Just("Oakworth"),
            Just("oak"),
            Just("worth"),
            Just("Zoë"),
            Just("Zoe\u{308}"),
            Just("Zo&euml;"),
            Just("Zo%C3%AB"),
            Just("&#84;amsin"),
            Just("%54amsin"),
            Just("Tam\u{ad}sin"),
            Just("Tam&shy;sin"),
            Just("Tam%C2%ADsin"),
            Just("O’Brien"),
            Just("O&#39;Brien"),
            Just("Straße"),
            Just("Łucja"),
            Just("Ashby"),
            Just("Sam"),
            Just("Samples"),
            Just(" "),
            Just(" "),
            Just("-"),
            Just("_"),
            Just("."),
            Just(", "),
            Just("’"),
            Just("“"),
            Just("—"),
            Just("&nbsp;"),
            Just("&amp;"),
            Just("&"),
            Just("%"),
            Just("%2"),
            Just("<em>"),
            Just("</em>"),
            Just("*"),
            Just("#"),
            Just(";"),
            Just("\u{200b}"),
            Just("é"),
            Just("9"),
            Just("\n"),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest::proptest! {
        #[test]
        fn the_prefilter_never_hides_a_name(text in tricky_text()) {
            let names = [
                ("Tamsin Oakworth", CaseRule::Any),
                ("Zoë Ashby", CaseRule::Any),
                ("O'Brien", CaseRule::AsWrittenOrCapitals),
                ("Tamsin", CaseRule::AsWrittenOrCapitals),
                ("Łucja", CaseRule::Any),
                ("Strasse", CaseRule::Any),
                ("Sam", CaseRule::AsWrittenOrCapitals),
                ("worth", CaseRule::Any),
            ];
            let matcher =
                NameMatcher::new(names.iter().enumerate().map(|(i, (n, c))| (*n, *c, i)));
            proptest::prop_assert_eq!(
                matcher.find_in(&text),
                matcher.find(&Normalised::new(&text))
            );
        }
    }

    #[test]
    fn the_prefilter_passes_names_hidden_by_escapes_and_invisible_characters() {
        let name = [("Tamsin Oakworth", CaseRule::Any)];
        for text in [
            "Tam\u{ad}sin Oak\u{200b}worth",
            "T&#97;msin Oakw&ocirc;rth",
            "%54amsin Oakworth",
            "Tamsin Oakwo\u{302}rth",
        ] {
            assert_eq!(found(&name, text).len(), 1, "{text}");
        }
        assert!(found(&name, "Tamsi Oakwort, “quoted” — 45% & more").is_empty());
        for c in ('\u{2010}'..='\u{205e}').chain(['\u{a0}', '\u{3000}']) {
            let mut folded = String::new();
            fold(&format!("a{c}b"), &mut folded);
            assert_eq!(folded, "ab", "U+{:04X}", c as u32);
            let mut n = Normalised::new(&format!("a{c}b"));
            assert_ne!(
                n.units.pop().map(|u| u.gap),
                Some(Gap::None),
                "U+{:04X}",
                c as u32
            );
        }
    }
}
