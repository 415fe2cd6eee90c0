//! Word counts leave out front matter, code, block quotes and the References section;
//! word limits warn in `senco check` and make the pack's table.

use senco::check::evidence::parse_bytes;
use senco::model::framework::Framework;
use senco::model::portfolio::Rules;

fn words(text: &str) -> usize {
    let framework = Framework::builtin("nasenco-2014").unwrap();
    parse_bytes(text.as_bytes(), "evidence/x.md", &framework)
        .0
        .words
}

#[test]
fn only_the_trainees_own_prose_counts() {
    let text = "---\ntitle: Five words in the title\ntype: assignment\noutcomes: [A1.1]\n---\n\
# One two\n\
\n\
Three four five six. [[A1.1]]\n\
\n\
```\nlet code = not counted at all;\n```\n\
\n\
> A quotation of eight words is not counted.\n\
\n\
Seven `inline code` eight. <!-- senco: allow postcode -->\n\
\n\
| Nine | ten |\n|---|---|\n| eleven | twelve |\n\
\n\
## References\n\
\n\
Author, A. (2020) *A book with many words*. London: Publisher.\n\
\n\
### Further reading\n\
\n\
Still in the references.\n\
\n\
## Appendix\n\
\n\
Thirteen fourteen.\n";
    // One two, three-six, seven eight, the table (4), Appendix, thirteen fourteen.
    assert_eq!(words(text), 15);
}

#[test]
fn bibliography_and_reference_list_headings_count_as_references() {
    assert_eq!(
        words("One two.\n\n## Bibliography\n\nNot these words.\n"),
        2
    );
    assert_eq!(
        words("One two.\n\n# Reference list:\n\nNot these words.\n"),
        2
    );
    assert_eq!(
        words("One two.\n\n### References\n\nThese still count.\n"),
        6,
        "only level 1 and 2 headings end the text"
    );
}

#[test]
fn word_table_groups_by_type_with_limits() {
    let framework = Framework::builtin("nasenco-2014").unwrap();
    let file = |rel: &str, kind: &str, n: usize| {
        let body = "word ".repeat(n);
        let text = if kind.is_empty() {
            body
        } else {
            format!("---\ntype: {kind}\n---\n{body}\n")
        };
        parse_bytes(text.as_bytes(), rel, &framework).0
    };
    let evidence = vec![
        file("evidence/a.md", "assignment", 120),
        file("evidence/b.md", "assignment", 80),
        file("evidence/c.md", "reflection", 30),
        file("evidence/d.md", "", 5),
    ];
    let mut rules = Rules::default();
    rules.word_limits.insert("assignment".into(), 100);
    let table = senco::check::words::table(&rules, &evidence);
    assert_eq!(table.total, 235);
    let types: Vec<(&str, usize, usize, Option<usize>, usize)> = table
        .types
        .iter()
        .map(|t| (t.kind.as_str(), t.files, t.words, t.limit, t.over_limit))
        .collect();
    assert_eq!(
        types,
        vec![
            ("reflection", 1, 30, None, 0),
            ("assignment", 2, 200, Some(100), 1),
            ("(no type)", 1, 5, None, 0),
        ]
    );
    let warnings = senco::check::words::limit_warnings(&rules, &evidence);
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].code, "word-limit");
    assert_eq!(warnings[0].file.as_deref(), Some("evidence/a.md"));
    assert!(
        warnings[0]
            .message
            .contains("120 words, over the 100-word limit")
    );
    assert!(
        warnings[0]
            .help
            .as_deref()
            .unwrap()
            .contains("cut 20 words")
    );
}

#[test]
fn unknown_types_in_word_limits_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("portfolio.toml"),
        "[portfolio]\nframework = \"nasenco-2014\"\n[rules]\nword_limits = { asignment = 4000 }\n",
    )
    .unwrap();
    let error = senco::model::portfolio::Portfolio::load(dir.path()).unwrap_err();
    assert!(
        error.message.contains("did you mean `assignment`"),
        "{error}"
    );
    std::fs::write(
        dir.path().join("portfolio.toml"),
        "[portfolio]\nframework = \"nasenco-2014\"\n[rules]\nword_limits = { assignment = 0 }\n",
    )
    .unwrap();
    assert!(senco::model::portfolio::Portfolio::load(dir.path()).is_err());
}
