//! Splitting and parsing front matter: YAML between `---` lines or TOML between `+++`
//! lines at the very start of a file (after an optional byte-order mark; LF or CRLF).
//!
//! Splitting is done here rather than by pulldown-cmark's metadata-block option, which
//! would also match `---` blocks further down a document.

use serde_json::{Map, Value};

/// The language of a front matter block, told by its fence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Fenced by `---`.
    Yaml,
    /// Fenced by `+++`.
    Toml,
}

impl Format {
    /// The line that opens and closes it.
    pub fn fence(self) -> &'static str {
        match self {
            Format::Yaml => "---",
            Format::Toml => "+++",
        }
    }
}

/// Where the front matter and the body lie in a file's text (byte ranges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// No front matter: the whole text is the body.
    None,
    /// Front matter between an opening and a closing fence.
    Found {
        /// YAML or TOML.
        format: Format,
        /// The text between the fences.
        matter: std::ops::Range<usize>,
        /// The text after the closing fence.
        body: std::ops::Range<usize>,
    },
    /// An opening fence with no closing one.
    Unclosed {
        /// YAML (`---`) or TOML (`+++`), by the opening fence.
        format: Format,
    },
}

/// Finds the front matter in `text` (which has had any BOM removed).
pub fn split(text: &str) -> Split {
    let format = if text.starts_with("---") {
        Format::Yaml
    } else if text.starts_with("+++") {
        Format::Toml
    } else {
        return Split::None;
    };
    let fence = format.fence();
    let Some(first_end) = line_end(text, 0) else {
        return Split::Unclosed { format };
    };
    if text[..first_end].trim_end_matches(['\r', '\n']).trim_end() != fence {
        // `----` or `--- title` is Markdown, not a fence.
        return Split::None;
    }
    let mut pos = first_end;
    while pos < text.len() {
        let end = line_end(text, pos).unwrap_or(text.len());
        let line = text[pos..end].trim_end_matches(['\r', '\n']).trim_end();
        if line == fence || (format == Format::Yaml && line == "...") {
            return Split::Found {
                format,
                matter: first_end..pos,
                body: end..text.len(),
            };
        }
        pos = end;
    }
    Split::Unclosed { format }
}

/// The byte offset just past the end of the line starting at `start` (including its `\n`).
fn line_end(text: &str, start: usize) -> Option<usize> {
    if start >= text.len() {
        return None;
    }
    Some(memchr::memchr(b'\n', &text.as_bytes()[start..]).map_or(text.len(), |i| start + i + 1))
}

/// A parse failure, positioned within the front matter text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What the parser said is wrong.
    pub message: String,
    /// Byte offset into the matter text, when the parser gave one.
    pub offset: Option<usize>,
    /// 1-based line and column within the matter text, when the parser gave those instead.
    pub(crate) line_col: Option<(usize, usize)>,
    /// The front matter may be well formed but is past senco's limits (see [`yaml_options`]).
    pub(crate) too_big: bool,
    /// What to do, when the problem calls for more than fixing the syntax.
    pub help: Option<&'static str>,
}

/// Where in the whole file (byte offset) a parse error of the front matter starting at
/// byte `matter_start` lies.
pub fn error_offset(
    source: &crate::error::diagnostic::SourceText<'_>,
    matter_start: usize,
    err: &ParseError,
) -> usize {
    match (err.offset, err.line_col) {
        (Some(offset), _) => matter_start + offset,
        (None, Some((line, column))) => {
            let (first_line, _) = source.line_col(matter_start);
            source
                .offset_of(first_line + line - 1, column)
                .unwrap_or(matter_start)
        }
        (None, None) => matter_start,
    }
}

/// YAML documents are parsed with hard limits, so an alias bomb or a huge document costs
/// bounded time and memory.
fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_nodes: MAX_YAML_NODES,
            max_depth: MAX_YAML_DEPTH,
            max_total_scalar_bytes: MAX_SCALAR_BYTES,
        },
    }
}

const MAX_YAML_NODES: usize = 50_000;
const MAX_YAML_DEPTH: usize = 64;
const MAX_SCALAR_BYTES: usize = 2 * 1024 * 1024;

/// Parses front matter into a table of keys. Keys other than the ones senco reads are
/// kept (and ignored later), as Obsidian and other tools add their own.
pub fn parse(format: Format, matter: &str) -> Result<Map<String, Value>, ParseError> {
    let value = match format {
        Format::Yaml => {
            if matter.trim().is_empty() {
                return Ok(Map::new());
            }
            serde_saphyr::from_str_with_options::<Value>(matter, yaml_options())
                .map_err(|e| yaml_error(&e))?
        }
        Format::Toml => {
            let table: toml::Table = toml::from_str(matter).map_err(|e| ParseError {
                message: e.message().trim().to_string(),
                offset: e.span().map(|s| s.start),
                line_col: None,
                too_big: false,
                help: None,
            })?;
            toml_to_json(toml::Value::Table(table))
        }
    };
    match value {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(ParseError {
            message: format!(
                "front matter must be a set of `key: value` lines, not {}",
                describe(&other)
            ),
            offset: Some(0),
            line_col: None,
            too_big: false,
            help: None,
        }),
    }
}

/// A YAML error in words a trainee can act on: the parser's own message for syntax, and
/// senco's for its limits and for a key given twice (which the parser words for
/// programmers).
fn yaml_error(e: &serde_saphyr::Error) -> ParseError {
    use serde_saphyr::Error;
    use serde_saphyr::budget::BudgetBreach;
    let line_col = e
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| (l.line() as usize, l.column().max(1) as usize));
    let mut error = ParseError {
        message: first_line(&e.to_string()),
        offset: None,
        line_col,
        too_big: false,
        help: None,
    };
    // The parser wraps the error that stopped it in where an alias led and a snippet.
    let mut cause = e;
    while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = cause {
        cause = error;
    }
    match cause {
        Error::DuplicateMappingKey { key, .. } => {
            error.message = match key {
                Some(key) => format!("`{key}` is given twice"),
                None => "a key is given twice".to_string(),
            };
            error.help = Some("keep one of the two lines and delete the other");
        }
        Error::Budget { breach, .. } => {
            error.too_big = true;
            (error.message, error.help) = match breach {
                BudgetBreach::ScalarBytes { .. } => (
                    format!("it holds more than {} MB of text", MAX_SCALAR_BYTES >> 20),
                    Some(
                        "front matter is for short settings such as `title` and `outcomes`; move long text below the closing `---`",
                    ),
                ),
                BudgetBreach::Depth { .. } => (
                    format!("it nests more than {MAX_YAML_DEPTH} levels deep"),
                    Some("write `outcomes` as one flat list, e.g. `outcomes: [A1.2, B5.1]`"),
                ),
                BudgetBreach::Nodes { .. }
                | BudgetBreach::Aliases { .. }
                | BudgetBreach::AliasAnchorRatio { .. }
                | BudgetBreach::RecordedAnchorEvents { .. }
                | BudgetBreach::RecordedAnchorBytes { .. } => (
                    format!(
                        "it holds more than {MAX_YAML_NODES} values, counting each use of an alias (`*name`) in full"
                    ),
                    Some(
                        "remove the aliases (`&name` and `*name`) and write the values out; front matter needs only a few settings",
                    ),
                ),
                _ => (
                    "it is too large or complex to read".to_string(),
                    Some(
                        "front matter is for short settings such as `title` and `outcomes`; move long text below the closing `---`",
                    ),
                ),
            };
        }
        _ => {}
    }
    error
}

/// Where a tab indents a line of YAML (which YAML forbids): the byte offset of the tab.
pub(crate) fn indentation_tab(matter: &str) -> Option<usize> {
    let mut offset = 0;
    for line in matter.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '\t']).len();
        if let Some(tab) = line[..indent].find('\t') {
            return Some(offset + tab);
        }
        offset += line.len();
    }
    None
}

/// The parser's message without its own position prefix (`error: line 1 column 8: …`),
/// since senco reports the position in the file itself.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message).trim();
    let line = line.strip_prefix("error: ").unwrap_or(line);
    match line
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((position, rest)) if position.contains("column") => rest.to_string(),
        _ => line.to_string(),
    }
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => {
            Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
        }
    }
}

/// "a list", "a number" …: how a value is named in messages.
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "an empty value",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "a set of keys",
    }
}

/// Finds where `key` is written in the matter text: the byte offset of the key.
pub(crate) fn locate_key(matter: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in matter.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if indent == 0 {
            let unquoted = trimmed.trim_start_matches(['"', '\'']);
            if let Some(rest) = unquoted.strip_prefix(key) {
                let rest = rest.trim_start_matches(['"', '\'']).trim_start();
                if rest.starts_with(':') || rest.starts_with('=') {
                    return Some(offset + (line.len() - unquoted.len()));
                }
            }
        }
        offset += line.len();
    }
    None
}

/// Finds `token` as written in the matter text at or after `from`, as a whole word.
pub(crate) fn locate_token(matter: &str, from: usize, token: &str) -> Option<usize> {
    if token.is_empty() {
        return None;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '.' || c == '_' || c == '-';
    let mut start = from.min(matter.len());
    while let Some(found) = matter.get(start..)?.find(token) {
        let at = start + found;
        let before = matter[..at].chars().next_back();
        let after = matter[at + token.len()..].chars().next();
        if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
            return Some(at);
        }
        start = at + token.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_yaml_and_toml_with_crlf() {
        let text = "---\r\ntitle: x\r\n---\r\nbody\r\n";
        let Split::Found {
            format,
            matter,
            body,
        } = split(text)
        else {
            panic!("expected front matter");
        };
        assert_eq!(format, Format::Yaml);
        assert_eq!(&text[matter], "title: x\r\n");
        assert_eq!(&text[body], "body\r\n");
        let text = "+++\ntitle = \"x\"\n+++\n";
        assert!(matches!(
            split(text),
            Split::Found {
                format: Format::Toml,
                ..
            }
        ));
    }

    #[test]
    fn thematic_break_is_not_front_matter() {
        assert_eq!(split("----\ntext"), Split::None);
        assert_eq!(split("# Title\n---\n"), Split::None);
        assert_eq!(
            split("---\ntitle: x\n"),
            Split::Unclosed {
                format: Format::Yaml
            }
        );
    }

    #[test]
    fn parse_errors_carry_positions() {
        let err = parse(Format::Yaml, "title: x\noutcomes: [A1.1\n").expect_err("bad yaml");
        assert!(err.line_col.is_some(), "{err:?}");
        let err = parse(Format::Toml, "title = \n").expect_err("bad toml");
        assert!(err.offset.is_some(), "{err:?}");
    }

    #[test]
    fn locates_keys_and_tokens() {
        let m = "title: x\noutcomes: [A1.2, A1.21]\n";
        let key = locate_key(m, "outcomes").expect("key");
        assert_eq!(key, 9);
        assert_eq!(locate_token(m, key, "A1.2"), Some(20));
        assert_eq!(locate_token(m, key, "A1.21"), Some(26));
    }
}
