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
            if let Some(flat) = flat_yaml(matter) {
                return Ok(flat);
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

/// Front matter as most of it is written (`key: value` lines, `[a, b]` lists of names,
/// `- item` lists), read without the YAML parser, which costs more than the rest of a
/// small file's check. `None` whenever the text holds anything whose meaning takes the
/// full parser to be sure of: a value starting with a digit or a YAML indicator, a
/// comment, an escape, a duplicate key, a tab, a word YAML 1.1 reads as a boolean. The
/// full parser then gives the answer (a test compares the two on many documents).
pub(crate) fn flat_yaml(matter: &str) -> Option<Map<String, Value>> {
    // Past this size the parser's limits (nodes, scalar bytes) may apply: it decides.
    if matter.len() > FLAT_YAML_MAX_BYTES {
        return None;
    }
    let mut map = Map::new();
    // The key whose `- item` list is being read, and the indentation of its items.
    let mut open_list: Option<(String, Option<usize>)> = None;
    for line in matter.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        if line.contains('\t') {
            return None;
        }
        let trimmed = line.trim_start();
        if let Some(item) = trimmed.strip_prefix("- ") {
            let (key, indent) = open_list.as_mut()?;
            let this_indent = line.len() - trimmed.len();
            if *indent.get_or_insert(this_indent) != this_indent {
                return None;
            }
            let value = plain_or_quoted(item.trim())?;
            match map.get_mut(key.as_str()) {
                Some(Value::Array(items)) => items.push(value),
                _ => return None,
            }
            continue;
        }
        if trimmed.len() != line.len() {
            return None;
        }
        close_list(&mut map, open_list.take());
        let (key, value) = line.split_once(':')?;
        let key_ok = key.starts_with(|c: char| c.is_ascii_alphabetic())
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            && !is_yaml_word(key);
        if !key_ok || map.contains_key(key) {
            return None;
        }
        let value = value.trim_end();
        let value = if value.is_empty() {
            open_list = Some((key.to_string(), None));
            Value::Array(Vec::new())
        } else {
            let value = value.strip_prefix(' ')?.trim();
            if let Some(items) = value.strip_prefix('[') {
                let items = items.strip_suffix(']')?;
                let items: Option<Vec<Value>> = if items.trim().is_empty() {
                    Some(Vec::new())
                } else {
                    items.split(',').map(|i| plain(i.trim())).collect()
                };
                Value::Array(items?)
            } else {
                plain_or_quoted(value)?
            }
        };
        map.insert(key.to_string(), value);
    }
    close_list(&mut map, open_list);
    Some(map)
}

/// The largest front matter the fast path reads: far below [`MAX_SCALAR_BYTES`], and too
/// small to hold [`MAX_YAML_NODES`] list items.
const FLAT_YAML_MAX_BYTES: usize = 64 * 1024;

/// A key written with nothing after it and no `- items` under it is YAML's null.
fn close_list(map: &mut Map<String, Value>, open: Option<(String, Option<usize>)>) {
    if let Some((key, None)) = open {
        map.insert(key, Value::Null);
    }
}

/// Words YAML (1.1 or 1.2) may read as a boolean or null rather than as text.
fn is_yaml_word(text: &str) -> bool {
    ["true", "false", "null", "yes", "no", "on", "off", "y", "n"]
        .iter()
        .any(|word| text.eq_ignore_ascii_case(word))
}

/// `YYYY-MM-DD`, which YAML 1.2 reads as text.
fn is_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// A plain scalar that can only be a string (or `true`/`false`), or a quoted one
/// without escapes.
fn plain_or_quoted(value: &str) -> Option<Value> {
    if let Some(inner) = value.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        return (!inner.contains(['"', '\\'])).then(|| Value::String(inner.to_string()));
    }
    if let Some(inner) = value.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        return (!inner.contains('\'')).then(|| Value::String(inner.to_string()));
    }
    plain(value)
}

/// A plain (unquoted) scalar: `true`, `false`, a date, or a string that starts with a
/// letter and holds nothing YAML could read otherwise.
fn plain(value: &str) -> Option<Value> {
    match value {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ if is_date(value) => return Some(Value::String(value.to_string())),
        _ => {}
    }
    let starts_with_letter = value.chars().next().is_some_and(char::is_alphabetic);
    let risky = value.contains(" #")
        || value.contains(": ")
        || value.ends_with(':')
        || value.contains([
            '\\', '"', '\'', '`', '{', '}', '[', ']', '&', '*', '!', '|', '>', '%', '@', ',',
        ])
        || value
            .chars()
            .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'));
    (starts_with_letter && !is_yaml_word(value) && !risky).then(|| Value::String(value.to_string()))
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

    /// What the full parser makes of `matter`, when it accepts it.
    fn full(matter: &str) -> Option<Map<String, Value>> {
        match serde_saphyr::from_str_with_options::<Value>(matter, yaml_options()) {
            Ok(Value::Object(map)) => Some(map),
            // As `parse` reads it: an empty document (or one of comments) has no keys.
            Ok(Value::Null) => Some(Map::new()),
            _ => None,
        }
    }

    fn agrees(matter: &str) -> bool {
        match flat_yaml(matter) {
            Some(flat) => full(matter).as_ref() == Some(&flat),
            None => true,
        }
    }

    #[test]
    fn the_fast_path_reads_the_usual_front_matter() {
        let usual = "title: \"Observation: Year 5 – Élodie’s group\"\ndate: 2024-09-10\n\
                     type: observation\ndraft: false\noutcomes: [A1.1, B5.2]\n\
                     aliases:\n  - Week one\n  - Première semaine\ntags:\n";
        let flat = flat_yaml(usual).expect("the fast path takes it");
        assert_eq!(Some(&flat), full(usual).as_ref());
        assert_eq!(flat["tags"], Value::Null);
        // A document the parser's limits might refuse is the parser's to read.
        let huge = format!("title: {}\n", "a".repeat(FLAT_YAML_MAX_BYTES));
        assert_eq!(flat_yaml(&huge), None);
        let many = format!("outcomes: [{}]\n", vec!["A1"; MAX_YAML_NODES].join(", "));
        assert_eq!(flat_yaml(&many), None);
        // Anything it cannot be sure of goes to the parser.
        for unsure in [
            "outcomes: [6.2]",
            "n: 12",
            "draft: yes",
            "title: a # comment",
            "title: \"with \\\" escape\"",
            "a: 1\na: 2",
            "list:\n  - a\n    - b",
            "title: multi\n  line",
            "key: {a: b}",
            "when: 10:30",
            "- a",
        ] {
            assert_eq!(flat_yaml(unsure), None, "{unsure}");
        }
    }

    /// Every front matter in the repository's fixtures, guide and starter portfolio.
    #[test]
    fn the_fast_path_agrees_with_the_parser_on_every_fixture() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut taken = 0;
        for dir in ["tests", "portfolio-template", "guide", "bench"] {
            for entry in walkdir::WalkDir::new(root.join(dir))
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
            {
                let Ok(text) = std::fs::read_to_string(entry.path()) else {
                    continue;
                };
                if let Split::Found {
                    format: Format::Yaml,
                    matter,
                    ..
                } = split(&text)
                {
                    let matter = &text[matter];
                    assert!(agrees(matter), "{}:\n{matter}", entry.path().display());
                    taken += usize::from(flat_yaml(matter).is_some());
                }
            }
        }
        assert!(taken > 20, "the fast path took only {taken} fixtures");
    }

    fn line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let key = prop::sample::select(vec![
            "title", "date", "type", "draft", "outcomes", "aliases", "tags", "yes", "Null",
            "model", "a-b", "x_1",
        ]);
        let scalar = prop::sample::select(vec![
            "A1.1",
            "B5.2",
            "6.2",
            "true",
            "false",
            "True",
            "no",
            "null",
            "~",
            "2024-09-10",
            "2024-9-10",
            "Observation of Year 5",
            "“Curly” quotes",
            "it’s",
            "Élodie",
            "C#",
            "a # b",
            "a: b",
            "a:b",
            "\"quoted, with comma\"",
            "'single'",
            "'it''s'",
            "\"esc\\n\"",
            "[A1.1, B5.2]",
            "[]",
            "[a,]",
            "[6.2, A1]",
            "{a: 1}",
            "&anchor x",
            "*alias",
            "!tag x",
            "|",
            ">",
            "@at",
            "`tick`",
            "%pct",
            "x,y",
            "Ω",
            "",
            "0x1F",
            "1e3",
            ".inf",
            "- item",
        ]);
        let spaces = prop::sample::select(vec!["", " ", "  ", "\t"]);
        prop_oneof![
            (key.clone(), scalar.clone()).prop_map(|(k, v)| format!("{k}: {v}")),
            key.prop_map(|k| format!("{k}:")),
            (spaces, scalar).prop_map(|(s, v)| format!("{s}- {v}")),
            Just(String::new()),
            Just("# comment".to_string()),
            Just("---".to_string()),
        ]
    }

    proptest::proptest! {
        #[test]
        fn the_fast_path_agrees_with_the_parser(lines in proptest::collection::vec(line(), 0..8), crlf in proptest::bool::ANY) {
            let matter = lines.join(if crlf { "\r\n" } else { "\n" });
            proptest::prop_assert!(agrees(&matter), "{matter:?}: fast {:?}, full {:?}", flat_yaml(&matter), full(&matter));
        }
    }

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
