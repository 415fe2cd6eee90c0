//! Diagnostics: what is wrong in a trainee's files, where, and what to do about it.
//!
//! Every stage reports problems as [`Diagnostic`] values instead of failing, so one bad
//! file never stops the others from being checked. Positions are 1-based lines and
//! columns counted in characters, as editors show them.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
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
    pub text: String,
    /// Byte range of the underlined part within `text`.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable kebab-case name, e.g. `unknown-outcome`; documented in the guide.
    pub code: &'static str,
    /// Path relative to the portfolio folder with `/` separators; `None` for the portfolio as a whole.
    pub file: Option<String>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    pub help: Option<String>,
    #[serde(skip)]
    pub excerpt: Option<Excerpt>,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            file: None,
            line: None,
            column: None,
            message: message.into(),
            help: None,
            excerpt: None,
        }
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    pub fn hint(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Hint, code, message)
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

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
    pub fn at_line_col(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Order used everywhere diagnostics are listed: by file, then position, then severity.
    pub fn sort_key(&self) -> impl Ord + '_ {
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

/// Sorts diagnostics into their reporting order and drops exact repeats.
pub fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}

/// A file's text with an index of line starts, for turning byte offsets into positions.
pub struct SourceText<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

/// Lines longer than this are cut around the underlined part in excerpts, so a pasted
/// 10 MB line cannot flood the terminal.
const MAX_EXCERPT_BYTES: usize = 240;

impl<'a> SourceText<'a> {
    pub fn new(text: &'a str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        SourceText { text, line_starts }
    }

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
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let index = self.line_index(offset);
        let start = self.line_starts[index];
        (index + 1, self.text[start..offset].chars().count() + 1)
    }

    /// Byte offset where 1-based `line` starts, if the text has that line.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line.checked_sub(1)?).copied()
    }

    /// Byte offset of a 1-based line and character column.
    pub fn offset_of(&self, line: usize, column: usize) -> Option<usize> {
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
        Some(Excerpt {
            text: line[from..to].to_string(),
            start: rel_start - from,
            end: rel_end.min(to) - from,
        })
    }
}

/// The largest char boundary at or below `index`.
pub fn floor_char_boundary(text: &str, index: usize) -> usize {
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
    fn line_and_column_count_characters() {
        let src = SourceText::new("ab\nŵy A1.9\n");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(3), (2, 1));
        let offset = "ab\nŵy ".len();
        assert_eq!(src.line_col(offset), (2, 4));
        assert_eq!(src.offset_of(2, 4), Some(offset));
    }

    #[test]
    fn long_lines_are_cut_around_the_span() {
        let line = format!("{}A1.9{}", "x".repeat(1000), "y".repeat(1000));
        let src = SourceText::new(&line);
        let e = src.excerpt(1000..1004).expect("excerpt");
        assert!(e.text.len() < 200);
        assert_eq!(&e.text[e.start..e.end], "A1.9");
    }
}
