//! The shape of `portfolio.toml`, checked against the TOML parser's spans so that every
//! problem is reported at once, each with its line, column, key, what was expected and,
//! for a misspelt key, the key it probably meant.

use crate::error::diagnostic::SourceText;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One thing wrong in `portfolio.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub line: usize,
    pub column: usize,
    /// The key as written, dotted from its table (`rules.min_evidence`); empty for a
    /// syntax error.
    pub key: String,
    pub message: String,
    pub help: Option<String>,
}

/// What a value must be.
#[derive(Clone, Copy)]
enum Expect {
    Text,
    TextList,
    /// A string, or a list of strings (`framework`).
    TextOrList,
    Date,
    Count,
    Bool,
    /// A table of evidence type to a word count.
    WordLimits,
}

impl Expect {
    fn describe(self) -> &'static str {
        match self {
            Expect::Text => "a string in double quotes, e.g. \"Jo Example\"",
            Expect::TextList => "a list of strings, e.g. [\"evidence\"]",
            Expect::TextOrList => {
                "a framework id or path in quotes, or a list of them, e.g. \"nasenco-2014\""
            }
            Expect::Date => "a date without quotes, e.g. 2024-09-01",
            Expect::Count => "a whole number of at least 1, e.g. 2",
            Expect::Bool => "true or false",
            Expect::WordLimits => {
                "a table of evidence types to word counts, e.g. { assignment = 4000 }"
            }
        }
    }
}

const PORTFOLIO: &[(&str, Expect)] = &[
    ("title", Expect::Text),
    ("trainee", Expect::Text),
    ("framework", Expect::TextOrList),
    ("evidence", Expect::TextList),
    ("appointed", Expect::Date),
];

const RULES: &[(&str, Expect)] = &[
    ("min_evidence", Expect::Count),
    ("word_limits", Expect::WordLimits),
    ("require_assessed", Expect::Bool),
    ("commentary", Expect::Bool),
];

const TABLES: &[&str] = &["portfolio", "rules"];

/// Every problem in `text` (the file's contents), in the order they appear.
pub(crate) fn validate(text: &str) -> Vec<Problem> {
    let source = SourceText::new(text);
    let at = |offset: usize| source.line_col(offset);
    let (document, errors) = DeTable::parse_recoverable(text);
    let mut problems: Vec<Problem> = errors
        .iter()
        .map(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| at(s.start));
            Problem {
                line,
                column,
                key: String::new(),
                message: e.message().trim_end().to_string(),
                help: Some("see the TOML rules at https://toml.io: `key = \"value\"`, one per line, under a `[table]` heading".into()),
            }
        })
        .collect();
    let root = document.get_ref();
    let mut found_portfolio = false;
    for (key, value) in root.iter() {
        let name = key.get_ref().as_ref();
        let (line, column) = at(key.span().start);
        match name {
            "portfolio" | "rules" => {
                found_portfolio |= name == "portfolio";
                let schema = if name == "portfolio" {
                    PORTFOLIO
                } else {
                    RULES
                };
                match value.get_ref() {
                    DeValue::Table(table) => {
                        check_table(name, table, schema, &at, &mut problems);
                        if name == "portfolio" && table.get("framework").is_none() {
                            problems.push(Problem {
                                line,
                                column,
                                key: "portfolio.framework".into(),
                                message: "[portfolio] has no `framework`".into(),
                                help: Some("add `framework = \"nasenco-2014\"` (or \"npq-senco-2023\", or the path of a framework JSON file)".into()),
                            });
                        }
                    }
                    other => problems.push(Problem {
                        line,
                        column,
                        key: name.into(),
                        message: format!("`{name}` must be a table, not {}", other.type_str()),
                        help: Some(format!("write a line `[{name}]` and the settings under it")),
                    }),
                }
            }
            _ => problems.push(unknown_key("", name, TABLES, line, column)),
        }
    }
    if !found_portfolio && errors.is_empty() {
        problems.push(Problem {
            line: 1,
            column: 1,
            key: "portfolio".into(),
            message: "no [portfolio] table".into(),
            help: Some("portfolio.toml needs a [portfolio] table with at least `framework = \"nasenco-2014\"`".into()),
        });
    }
    problems.sort_by_key(|p| (p.line, p.column));
    problems
}

fn check_table(
    table_name: &str,
    table: &DeTable<'_>,
    schema: &[(&str, Expect)],
    at: &dyn Fn(usize) -> (usize, usize),
    problems: &mut Vec<Problem>,
) {
    for (key, value) in table.iter() {
        let name = key.get_ref().as_ref();
        let (line, column) = at(key.span().start);
        let Some(&(_, expect)) = schema.iter().find(|(k, _)| *k == name) else {
            let names: Vec<&str> = schema.iter().map(|(k, _)| *k).collect();
            problems.push(unknown_key(table_name, name, &names, line, column));
            continue;
        };
        let (vline, vcolumn) = at(value.span().start);
        let dotted = format!("{table_name}.{name}");
        if let Some(why) = wrong_value(value, expect, &dotted) {
            problems.push(Problem {
                line: vline,
                column: vcolumn,
                key: dotted,
                message: why,
                help: Some(format!("expected {}", expect.describe())),
            });
        }
    }
}

/// Why `value` is not what `expect` wants; `None` when it is.
fn wrong_value(value: &Spanned<DeValue<'_>>, expect: Expect, key: &str) -> Option<String> {
    let v = value.get_ref();
    let found = v.type_str();
    let wrong = || {
        Some(format!(
            "`{key}` must be {}, not {found}",
            expected_noun(expect)
        ))
    };
    match expect {
        Expect::Text => (!v.is_str()).then(wrong).flatten(),
        Expect::Bool => (!v.is_bool()).then(wrong).flatten(),
        Expect::TextOrList if v.is_str() => None,
        Expect::TextOrList | Expect::TextList => match v.as_array() {
            Some(items) => items
                .iter()
                .position(|i| !i.get_ref().is_str())
                .map(|n| format!("`{key}` item {} must be a string", n + 1)),
            None => wrong(),
        },
        Expect::Date => match v.as_datetime() {
            Some(dt) if dt.date.is_some() && dt.time.is_none() && dt.offset.is_none() => None,
            Some(dt) => Some(format!("`{key}` must be a date alone, not `{dt}`")),
            None => wrong(),
        },
        Expect::Count => match v.as_integer() {
            Some(n) => match i64::from_str_radix(n.as_str(), n.radix()) {
                Ok(n) if n >= 1 => None,
                _ => Some(format!("`{key}` must be at least 1")),
            },
            None => wrong(),
        },
        Expect::WordLimits => match v.as_table() {
            Some(limits) => limits.iter().find_map(|(kind, limit)| {
                let kind = kind.get_ref().as_ref();
                if !crate::model::evidence_type::is_word_limit_key(kind) {
                    let guess = crate::model::evidence_type::EvidenceType::suggest(kind)
                        .map(|best| format!(" (did you mean `{best}`?)"))
                        .unwrap_or_default();
                    return Some(format!(
                        "`{key}` names an unknown evidence type `{kind}`{guess}"
                    ));
                }
                wrong_value(limit, Expect::Count, &format!("{key}.{kind}"))
            }),
            None => wrong(),
        },
    }
}

fn expected_noun(expect: Expect) -> &'static str {
    match expect {
        Expect::Text => "a string",
        Expect::TextList => "a list of strings",
        Expect::TextOrList => "a string or a list of strings",
        Expect::Date => "a date",
        Expect::Count => "a whole number",
        Expect::Bool => "true or false",
        Expect::WordLimits => "a table",
    }
}

fn unknown_key(table: &str, name: &str, valid: &[&str], line: usize, column: usize) -> Problem {
    let listed = valid
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let (message, help) = if table.is_empty() {
        let misplaced = PORTFOLIO.iter().any(|(k, _)| *k == name);
        let help = if misplaced {
            format!("`{name}` belongs in the [portfolio] table: put a line `[portfolio]` above it")
        } else {
            match crate::util::suggest::closest(name, valid.iter().copied()) {
                Some(best) => format!("did you mean `[{best}]`?"),
                None => "portfolio.toml has the tables [portfolio] and [rules]".to_string(),
            }
        };
        (
            format!("unknown key `{name}` at the top level; expected {listed}"),
            help,
        )
    } else {
        let help = match crate::util::suggest::closest(name, valid.iter().copied()) {
            Some(best) => format!("did you mean `{best}`?"),
            None => "see the guide's page on writing evidence for every key portfolio.toml accepts"
                .to_string(),
        };
        (
            format!("unknown key `{name}` in [{table}]; expected one of {listed}"),
            help,
        )
    };
    Problem {
        line,
        column,
        key: if table.is_empty() {
            name.to_string()
        } else {
            format!("{table}.{name}")
        },
        message,
        help: Some(help),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(usize, usize, String, String, Option<String>)> {
        validate(text)
            .into_iter()
            .map(|p| (p.line, p.column, p.key, p.message, p.help))
            .collect()
    }

    #[test]
    fn a_good_file_has_no_problems() {
        let text = "[portfolio]\ntitle = \"T\"\nframework = \"nasenco-2014\"\nevidence = [\"evidence\"]\nappointed = 2024-09-01\n\n[rules]\nmin_evidence = 2\nword_limits = { assignment = 4000 }\nrequire_assessed = true\n";
        assert_eq!(problems(text), []);
    }

    #[test]
    fn every_problem_is_reported_with_its_place_key_and_suggestion() {
        let text = "[portfolio]\nframwork = \"nasenco-2014\"\nappointed = \"2024-09-01\"\ntrainee = 3\n\n[rules]\nmin_evidnce = 2\nword_limits = { asignment = 10 }\n";
        let found = problems(text);
        assert_eq!(found.len(), 6, "{found:#?}");
        assert_eq!(found[0].0, 1, "no framework: reported at the table");
        assert_eq!(found[0].2, "portfolio.framework");
        assert_eq!((found[1].0, found[1].1), (2, 1));
        assert_eq!(found[1].2, "portfolio.framwork");
        assert!(
            found[1].3.contains("expected one of `title`"),
            "{:?}",
            found[1]
        );
        assert_eq!(found[1].4.as_deref(), Some("did you mean `framework`?"));
        assert_eq!((found[2].0, found[2].1), (3, 13));
        assert_eq!(
            found[2].3,
            "`portfolio.appointed` must be a date, not string"
        );
        assert!(
            found[2]
                .4
                .as_deref()
                .is_some_and(|h| h.contains("without quotes"))
        );
        assert_eq!(found[3].2, "portfolio.trainee");
        assert_eq!(
            found[3].3,
            "`portfolio.trainee` must be a string, not integer"
        );
        assert_eq!(found[4].4.as_deref(), Some("did you mean `min_evidence`?"));
        assert!(
            found[5].3.contains("did you mean `assignment`?"),
            "{:?}",
            found[5]
        );
    }

    #[test]
    fn syntax_errors_are_all_reported_and_keys_above_the_table_are_placed() {
        let found = problems("framework = \"nasenco-2014\"\n");
        assert_eq!(found.len(), 2, "{found:#?}");
        assert!(found.iter().any(|p| p.4.as_deref()
            == Some(
                "`framework` belongs in the [portfolio] table: put a line `[portfolio]` above it"
            )));
        let found = problems("[portfolio]\nframework = \"nasenco-2014\nmin = = 2\n");
        assert!(!found.is_empty());
        assert!(found.iter().all(|p| p.0 >= 2), "{found:#?}");
        let zero = problems("[portfolio]\nframework = \"x\"\n[rules]\nmin_evidence = 0\n");
        assert_eq!(zero[0].3, "`rules.min_evidence` must be at least 1");
    }
}
