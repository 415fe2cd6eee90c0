//! Diagnostics: what is wrong in a trainee's files, where, and what to do about it.
//!
//! Every stage reports problems as [`Diagnostic`] values instead of failing, so one bad
//! file never stops the others from being checked. Positions are 1-based lines and
//! columns counted in characters, as editors show them.

use super::Code;
use serde::Serialize;
use std::fmt;

/// How much a [`Diagnostic`] matters; ordered from most to least, so reports sort errors first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The portfolio is wrong: `senco check` exits 1.
    Error,
    /// Worth fixing before an assessor sees it; on its own it fails nothing.
    Warning,
    /// A suggestion; on its own it fails nothing.
    Hint,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Hint => "hint",
        })
    }
}

/// The source line a diagnostic points into, kept so reports need not re-read files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excerpt {
    /// The whole line (or, for a very long one, the part around the problem).
    pub text: String,
    /// Byte range of the underlined part within `text`.
    pub start: usize,
    /// End of the underlined byte range, exclusive.
    pub end: usize,
}

/// One problem found in a portfolio, where it is and what to do: the unit every report
/// and page shows, so one bad file never stops the others being checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Usually the code's own ([`Code::severity`]).
    pub severity: Severity,
    /// What kind of problem it is, e.g. `unknown-outcome`; documented in the guide.
    pub code: Code,
    /// Path relative to the portfolio folder with `/` separators; `None` for the portfolio as a whole.
    pub file: Option<String>,
    /// 1-based line, when the problem is at one place in the file.
    pub line: Option<usize>,
    /// 1-based column in characters (not bytes), as editors count.
    pub column: Option<usize>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The source line shown under the message; not in JSON, which has line and column.
    #[serde(skip)]
    pub excerpt: Option<Excerpt>,
}

impl Diagnostic {
    /// A diagnostic of `code`, at the code's own severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: code.severity(),
            code,
            file: None,
            line: None,
            column: None,
            message: message.into(),
            help: None,
            excerpt: None,
        }
    }

    /// Reports it at another severity than its code's own.
    pub(crate) fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub(crate) fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    /// Adds what to do about it.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Points the diagnostic at `range` (byte offsets into `source`), filling in line,
    /// column and the excerpt shown under the message.
    pub fn at(mut self, source: &SourceText<'_>, range: std::ops::Range<usize>) -> Self {
        let (line, column) = source.line_col(range.start);
        self.line = Some(line);
        self.column = Some(column);
        self.excerpt = source.excerpt(range);
        self
    }

    /// Points at a line and column where no source text is at hand.
    pub(crate) fn at_line_col(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Order used everywhere diagnostics are listed: by file, then position, then severity.
    pub(crate) fn sort_key(&self) -> impl Ord + '_ {
        (
            self.file.as_deref(),
            self.line,
            self.column,
            self.severity,
            self.code,
            self.message.as_str(),
        )
    }
}

/// At most this many diagnostics of one code are listed for one file. A pasted line of a
/// million unknown tags would otherwise cost a million suggestions, excerpts and lines
/// of output; a hundred say as much.
pub(crate) const MAX_PER_CODE: usize = 100;

/// Counts one file's diagnostics by code, so that a file with a million problems costs
/// no more than one with a hundred: ask [`PerFile::admit`] before building a diagnostic
/// that repeats with the input, and add [`PerFile::summary`] when the file is done.
#[derive(Debug, Default)]
pub(crate) struct PerFile {
    seen: std::collections::BTreeMap<Code, usize>,
}

impl PerFile {
    /// Whether another diagnostic of `code` should be built and listed. Counts it either way.
    pub(crate) fn admit(&mut self, code: Code) -> bool {
        let n = self.seen.entry(code).or_default();
        *n += 1;
        *n <= MAX_PER_CODE
    }

    /// A hint for each code that went over the limit, saying how many were left out.
    pub fn summary(&self, file: &str) -> Vec<Diagnostic> {
        self.seen
            .iter()
            .filter(|(_, n)| **n > MAX_PER_CODE)
            .map(|(code, n)| {
                Diagnostic::new(
                    Code::MoreProblems,
                    format!(
                        "{} more `{code}` problems in this file are not listed",
                        n - MAX_PER_CODE
                    ),
                )
                .in_file(file)
                .with_help(format!(
                    "only the first {MAX_PER_CODE} of each kind are shown; fix those and check again"
                ))
            })
            .collect()
    }
}

/// Sorts diagnostics into their reporting order and drops exact repeats.
pub(crate) fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}

/// A file's text with an index of line starts, for turning byte offsets into positions.
pub struct SourceText<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    /// The last position asked for, (offset, line index, column): callers mostly walk
    /// forward through a file, and counting on from here keeps a line of a million
    /// tags linear rather than quadratic.
    cursor: std::cell::Cell<(usize, usize, usize)>,
    /// Characters before each [`CHECKPOINT`]-th byte (rounded down to a character),
    /// built on first need, so a column far into a long line is counted from nearby.
    checkpoints: std::cell::OnceCell<Vec<(usize, usize)>>,
}

/// Where each line of `bytes` starts: thirty-two bytes to a comparison where the
/// processor has AVX2. Line ends come one in every sixty bytes or so of prose, and a
/// search started again after each one, as `memchr_iter` makes, costs more in setting
/// up than in looking: twice as much in all.
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    // Room for lines of sixty-four bytes, about what prose has, before it grows.
    let mut starts = Vec::with_capacity(bytes.len() / 64 + 1);
    starts.push(0);
    let mut from = 0;
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has just said it has AVX2.
        from = unsafe { line_starts_thirty_two_at_a_time(bytes, &mut starts) };
    }
    starts.extend(memchr::memchr_iter(b'\n', &bytes[from..]).map(|at| from + at + 1));
    starts
}

/// [`line_starts`] over whole blocks of thirty-two bytes; where the blocks ran out.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn line_starts_thirty_two_at_a_time(bytes: &[u8], starts: &mut Vec<usize>) -> usize {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    let newline = _mm256_set1_epi8(b'\n'.cast_signed());
    let mut blocks = bytes.chunks_exact(32);
    for (n, block) in blocks.by_ref().enumerate() {
        // SAFETY: an unaligned load of the thirty-two bytes the block holds.
        let lanes = unsafe { _mm256_loadu_si256(block.as_ptr().cast::<__m256i>()) };
        let mut mask = _mm256_movemask_epi8(_mm256_cmpeq_epi8(lanes, newline)).cast_unsigned();
        while mask != 0 {
            starts.push(n * 32 + mask.trailing_zeros() as usize + 1);
            mask &= mask - 1;
        }
    }
    bytes.len() - blocks.remainder().len()
}

/// Spacing of [`SourceText`]'s character-count checkpoints, in bytes.
const CHECKPOINT: usize = 4096;

/// Lines longer than this are cut around the underlined part in excerpts, so a pasted
/// 10 MB line cannot flood the terminal.
const MAX_EXCERPT_BYTES: usize = 240;

impl<'a> SourceText<'a> {
    /// Indexes the line starts of `text` once, so turning many offsets into lines stays cheap.
    pub fn new(text: &'a str) -> Self {
        SourceText {
            text,
            line_starts: line_starts(text.as_bytes()),
            cursor: std::cell::Cell::new((0, 0, 1)),
            checkpoints: std::cell::OnceCell::new(),
        }
    }

    /// The text it was made from.
    pub fn text(&self) -> &'a str {
        self.text
    }

    fn line_index(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// 1-based line and character column of a byte offset (clamped to the text).
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let (last, last_index, last_column) = self.cursor.get();
        let index = self.line_index(offset);
        let column = if index == last_index && offset >= last {
            last_column + self.text[last..offset].chars().count()
        } else {
            self.chars_between(self.line_starts[index], offset) + 1
        };
        self.cursor.set((offset, index, column));
        (index + 1, column)
    }

    /// 1-based line of a byte offset (clamped to the text).
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.line_index(offset.min(self.text.len())) + 1
    }

    /// Characters between two char boundaries `from <= to`.
    fn chars_between(&self, from: usize, to: usize) -> usize {
        if to - from <= 2 * CHECKPOINT {
            return self.text[from..to].chars().count();
        }
        self.chars_before(to) - self.chars_before(from)
    }

    fn chars_before(&self, offset: usize) -> usize {
        let checkpoints = self.checkpoints.get_or_init(|| {
            let mut marks = Vec::with_capacity(self.text.len() / CHECKPOINT + 1);
            let (mut at, mut chars) = (0, 0);
            while at < self.text.len() {
                marks.push((at, chars));
                // A character is at most 4 bytes, so this always moves on.
                let next = floor_char_boundary(self.text, at + CHECKPOINT);
                chars += self.text[at..next].chars().count();
                at = next;
            }
            marks.push((at, chars));
            marks
        });
        let i = checkpoints.partition_point(|&(at, _)| at <= offset) - 1;
        let (at, chars) = checkpoints[i];
        chars + self.text[at..offset].chars().count()
    }

    /// Byte offset where 1-based `line` starts, if the text has that line.
    pub(crate) fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    /// Byte offset of a 1-based line and character column.
    pub(crate) fn offset_of(&self, line: usize, column: usize) -> Option<usize> {
        let start = self.line_start(line)?;
        let rest = &self.text[start..];
        let line_text = rest.split('\n').next().unwrap_or("");
        let within = line_text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(line_text.len(), |(i, _)| i);
        Some(start + within)
    }

    fn excerpt(&self, range: std::ops::Range<usize>) -> Option<Excerpt> {
        let start = floor_char_boundary(self.text, range.start.min(self.text.len()));
        let line_start = self.line_starts[self.line_index(start)];
        let line_end = memchr::memchr(b'\n', &self.text.as_bytes()[line_start..])
            .map_or(self.text.len(), |i| line_start + i);
        let line = self.text[line_start..line_end].trim_end_matches('\r');
        let rel_start = start - line_start;
        let rel_end = floor_char_boundary(line, range.end.max(start).saturating_sub(line_start));
        let rel_end = rel_end.max(rel_start).min(line.len());
        if line.len() <= MAX_EXCERPT_BYTES {
            return Some(Excerpt {
                text: line.to_string(),
                start: rel_start.min(line.len()),
                end: rel_end,
            });
        }
        let from = floor_char_boundary(line, rel_start.saturating_sub(60));
        let to = floor_char_boundary(line, (rel_end + 60).min(line.len()).max(from));
        // An ellipsis marks each end that was cut.
        let before = if from > 0 { "…" } else { "" };
        let after = if to < line.len() { "…" } else { "" };
        Some(Excerpt {
            text: format!("{before}{}{after}", &line[from..to]),
            start: before.len() + rel_start - from,
            end: before.len() + rel_end.min(to) - from,
        })
    }
}

/// The largest char boundary at or below `index`.
pub(crate) fn floor_char_boundary(text: &str, index: usize) -> usize {
    let mut i = index.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_start_is_found_at_every_length_and_place() {
        // Blocks of thirty-two, the bytes after them, and line ends at each place of both.
        for len in [0, 1, 31, 32, 33, 63, 64, 65, 100] {
            for pattern in [0u64, 1, 0b1010_0101, u64::MAX, 0x8000_0000_8000_0001] {
                let bytes: Vec<u8> = (0..len)
                    .map(|i| match pattern >> (i % 64) & 1 {
                        1 => b'\n',
                        // Bytes outside ASCII beside them: signed lanes must not matter.
                        _ if i % 3 == 0 => 0x8a,
                        _ => b'a',
                    })
                    .collect();
                let expected: Vec<usize> = std::iter::once(0)
                    .chain((0..len).filter(|&i| bytes[i] == b'\n').map(|i| i + 1))
                    .collect();
                assert_eq!(
                    line_starts(&bytes),
                    expected,
                    "{len} bytes, pattern {pattern:x}"
                );
            }
        }
    }

    #[test]
    fn line_and_column_count_characters() {
        let src = SourceText::new("ab\nŵy A1.9\n");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(3), (2, 1));
        let offset = "ab\nŵy ".len();
        assert_eq!(src.line_col(offset), (2, 4));
        assert_eq!(src.offset_of(2, 4), Some(offset));
    }

    #[test]
    fn columns_far_into_long_lines_count_characters_in_any_order() {
        let line = "ŵ😀a".repeat(5000);
        let text = format!("first\n{line}\nlast");
        let src = SourceText::new(&text);
        let reference = |offset: usize| {
            let start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            (
                text[..offset].matches('\n').count() + 1,
                text[start..offset].chars().count() + 1,
            )
        };
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).step_by(997).collect();
        offsets.extend(offsets.clone().into_iter().rev());
        offsets.push(text.len());
        for offset in offsets {
            assert_eq!(src.line_col(offset), reference(offset), "offset {offset}");
            assert_eq!(src.line_of(offset), reference(offset).0);
        }
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("{}A1.9{}", "x".repeat(1000), "y".repeat(1000));
        let src = SourceText::new(&line);
        let e = src.excerpt(1000..1004).expect("excerpt");
        assert!(e.text.len() < 200);
        assert_eq!(&e.text[e.start..e.end], "A1.9");
        assert!(
            e.text.starts_with("…x") && e.text.ends_with("y…"),
            "{}",
            e.text
        );
    }
}
