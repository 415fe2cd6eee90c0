//! `senco check` end to end: the binary over fixture portfolios (the shared ones in
//! `tests/fixtures/`, this module's own in `tests/it/check/fixtures/`), one test per
//! point of the evidence contract.

use crate::harness::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// A fixture only this module uses: `tests/it/check/fixtures/NAME`.
fn own_fixture(name: &str) -> PathBuf {
    manifest_dir().join("tests/it/check/fixtures").join(name)
}

// ---------------------------------------------------------------------------------------
// Discovery and front matter: the `contract` fixture
// ---------------------------------------------------------------------------------------

const CONTRACT_FILES: &[&str] = &[
    "evidence/Cymraeg/Ysgol Gymraeg/Myfyrdod ar yr ŵyl.md",
    "evidence/bom.md",
    "evidence/comma-string.md",
    "evidence/crlf.md",
    "evidence/draft.md",
    "evidence/inline-tags.md",
    "evidence/parent-again.md",
    "evidence/toml-front-matter.md",
    "evidence/yaml-block.md",
    "evidence/yaml-flow.md",
    "evidence/🌱 growth/first steps.markdown",
];

#[test]
fn finds_md_and_markdown_files_in_nested_non_ascii_folders_and_nothing_else() {
    let (code, json) = check_json(&fixture("contract"));
    assert_eq!(code, 0, "only a hint in this portfolio");
    // Hidden `.obsidian/` and `.hidden-note.md`, `.txt` and `.MD.bak` attachments are
    // not evidence; `.markdown` is; paths are relative, `/`-separated and sorted.
    assert_eq!(evidence_paths(&json), CONTRACT_FILES);
    let mut sorted = evidence_paths(&json);
    sorted.sort();
    assert_eq!(evidence_paths(&json), sorted);
    // Tags in the skipped files (B9.1-B9.5) reach nothing.
    for id in ["B9.1", "B9.2", "B9.3", "B9.4", "B9.5"] {
        assert_eq!(item(&json, id)["evidence"], json!([]), "{id}");
    }
}

#[test]
fn git_folders_are_skipped_too() {
    // A folder named `.git` cannot be committed as a fixture, so it is made here.
    let (_tmp, root) = copy_of("tests/fixtures/contract");
    write(
        &root,
        "evidence/.git/notes.md",
        "---\noutcomes: [B9.1]\n---\n\nNot evidence. [[B9.2]]\n",
    );
    write(&root, "evidence/sub/.git/info.md", "[[B9.3]]\n");
    let (_, json) = check_json(&root);
    assert_eq!(evidence_paths(&json), CONTRACT_FILES);
    assert_eq!(item(&json, "B9.1")["evidence"], json!([]));
}

#[test]
fn front_matter_in_every_form_is_read() {
    let (_, json) = check_json(&fixture("contract"));
    let expect = |path: &str, title: &str, kind: Value, date: Value, outcomes: &[&str]| {
        let e = evidence(&json, path);
        assert_eq!(e["title"], title, "{path}");
        assert_eq!(e["type"], kind, "{path}");
        assert_eq!(e["date"], date, "{path}");
        assert_eq!(strings(&e["outcomes"]), outcomes, "{path}");
    };
    // YAML flow list, with a lower-case id and Obsidian's own keys kept and ignored.
    expect(
        "evidence/yaml-flow.md",
        "Flow list with mixed case",
        json!("reflection"),
        json!("2024-01-15"),
        &["A1.1", "A1.2"],
    );
    // YAML block list with a bare-number alias (5.2 = B5.2).
    expect(
        "evidence/yaml-block.md",
        "Block list with an alias",
        json!("observation"),
        json!("2024-02-01"),
        &["A1.3", "B5.2"],
    );
    // One comma-separated string; `Case Study` normalised to `case-study`.
    expect(
        "evidence/comma-string.md",
        "Comma-separated string",
        json!("case-study"),
        Value::Null,
        &["A1.4", "A1.5"],
    );
    // TOML between `+++` lines, a TOML date and a comma string with an alias.
    expect(
        "evidence/toml-front-matter.md",
        "TOML front matter",
        json!("meeting"),
        json!("2024-03-04"),
        &["A1.6", "A1.7"],
    );
    // CRLF line endings: front matter block list plus an inline tag.
    expect(
        "evidence/crlf.md",
        "Written on Windows",
        json!("cpd"),
        Value::Null,
        &["B8.1", "B8.2"],
    );
    // A UTF-8 byte-order mark before the `---`, and a lower-case inline tag.
    expect(
        "evidence/bom.md",
        "Starts with a byte-order mark",
        Value::Null,
        json!("2024-04-10"),
        &["B8.3", "B8.4"],
    );
    expect(
        "evidence/Cymraeg/Ysgol Gymraeg/Myfyrdod ar yr ŵyl.md",
        "Myfyrdod ar yr ŵyl",
        json!("reflection"),
        Value::Null,
        &["C1.1"],
    );
    // No title key: the first level-one heading is the title; `C.2` is an alias of C1.2.
    expect(
        "evidence/🌱 growth/first steps.markdown",
        "First steps with the provision map",
        json!("artefact"),
        Value::Null,
        &["C1.2"],
    );
    // No front matter at all.
    expect(
        "evidence/inline-tags.md",
        "Inline tags everywhere",
        Value::Null,
        Value::Null,
        &["A2", "A3.1", "A3.2", "A3.3", "A3.4", "A4.1"],
    );
}

#[test]
fn word_counts_leave_out_front_matter_and_tags() {
    let (_, json) = check_json(&fixture("contract"));
    // "An observation of a small-group session led by TA 2."
    assert_eq!(evidence(&json, "evidence/yaml-block.md")["words"], 10);
    // "Training on multi-agency working." and the tag's id is not a word.
    assert_eq!(evidence(&json, "evidence/crlf.md")["words"], 4);
}

#[test]
fn drafts_are_listed_but_not_counted() {
    let (_, json) = check_json(&fixture("contract"));
    let draft = evidence(&json, "evidence/draft.md");
    assert_eq!(draft["draft"], true);
    assert_eq!(strings(&draft["outcomes"]), ["B9.6", "B9.7"]);
    for id in ["B9.6", "B9.7"] {
        assert_eq!(item(&json, id)["evidence"], json!([]), "{id}");
        assert_eq!(item(&json, id)["covered"], false, "{id}");
    }
    assert_eq!(json["summary"]["drafts"], 1);
    let others = json["evidence"].as_array().expect("evidence");
    assert_eq!(others.iter().filter(|e| e["draft"] == true).count(), 1);
    let text = check_text(&fixture("contract")).stdout;
    assert!(
        text.contains("Evidence:  11 files (1 draft, not counted)"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------
// Inline tags
// ---------------------------------------------------------------------------------------

#[test]
fn inline_tags_count_in_text_and_never_in_code() {
    let (_, json) = check_json(&fixture("contract"));
    let file = "evidence/inline-tags.md";
    // Paragraph, list item with shown text, heading, quote, table cell.
    for id in ["A3.1", "A3.2", "A3.3", "A3.4", "A4.1"] {
        assert_eq!(strings(&item(&json, id)["evidence"]), [file], "{id}");
    }
    // Code span, backtick fence, tilde fence, indented code block.
    for id in ["B6.1", "B6.2", "B6.3", "B6.4"] {
        assert_eq!(item(&json, id)["evidence"], json!([]), "{id} is in code");
    }
}

#[test]
fn inline_tag_edge_cases() {
    let dir = portfolio(NASENCO);
    write(
        dir.path(),
        "evidence/edge.md",
        "Glued word[[A1.1]]word, escaped \\[[A1.2]], spaced [[ A1.3 ]], shown [[A1.4 | text]].\n\n\
         <div>\n[[A1.5]]\n</div>\n\n\
         > - a list in a quote [[A1.6]]\n\n\
         Footnote.[^1]\n\n[^1]: In a footnote [[A1.7]]\n",
    );
    let (code, json) = check_json(dir.path());
    assert_eq!(code, 0);
    assert_eq!(
        strings(&evidence(&json, "evidence/edge.md")["outcomes"]),
        ["A1.1", "A1.3", "A1.4", "A1.6", "A1.7"],
        "escaped text and raw HTML blocks are not tags"
    );
}

// ---------------------------------------------------------------------------------------
// Coverage
// ---------------------------------------------------------------------------------------

#[test]
fn coverage_of_every_node_matches_the_contract() {
    let (_, json) = check_json(&fixture("contract"));
    let direct: BTreeMap<&str, Vec<&str>> = [
        ("A1.1", vec!["evidence/yaml-flow.md"]),
        ("A1.2", vec!["evidence/yaml-flow.md"]),
        ("A1.3", vec!["evidence/yaml-block.md"]),
        ("A1.4", vec!["evidence/comma-string.md"]),
        ("A1.5", vec!["evidence/comma-string.md"]),
        ("A1.6", vec!["evidence/toml-front-matter.md"]),
        ("A1.7", vec!["evidence/toml-front-matter.md"]),
        (
            "A2",
            vec!["evidence/inline-tags.md", "evidence/parent-again.md"],
        ),
        ("A2.1", vec!["evidence/parent-again.md"]),
        ("A3.1", vec!["evidence/inline-tags.md"]),
        ("A3.2", vec!["evidence/inline-tags.md"]),
        ("A3.3", vec!["evidence/inline-tags.md"]),
        ("A3.4", vec!["evidence/inline-tags.md"]),
        ("A4.1", vec!["evidence/inline-tags.md"]),
        ("B5.2", vec!["evidence/yaml-block.md"]),
        ("B8.1", vec!["evidence/crlf.md"]),
        ("B8.2", vec!["evidence/crlf.md"]),
        ("B8.3", vec!["evidence/bom.md"]),
        ("B8.4", vec!["evidence/bom.md"]),
        (
            "C1.1",
            vec!["evidence/Cymraeg/Ysgol Gymraeg/Myfyrdod ar yr ŵyl.md"],
        ),
        ("C1.2", vec!["evidence/🌱 growth/first steps.markdown"]),
    ]
    .into_iter()
    .collect();
    // Leaves with evidence, plus the outcomes all of whose indicators are covered (A1,
    // A3, B8). A2 has two files of its own but only one of five indicators: not covered.
    let covered: BTreeSet<&str> = direct
        .keys()
        .copied()
        .filter(|id| *id != "A2")
        .chain(["A1", "A3", "B8"])
        .collect();
    for it in json["items"].as_array().expect("items") {
        let id = it["id"].as_str().expect("id");
        let want: Vec<&str> = direct.get(id).cloned().unwrap_or_default();
        assert_eq!(strings(&it["evidence"]), want, "evidence of {id}");
        assert_eq!(it["covered"], covered.contains(id), "covered of {id}");
    }
    assert_eq!(json["summary"]["indicators"], 49);
    assert_eq!(json["summary"]["indicators_covered"], 20);
}

#[test]
fn items_are_every_node_in_framework_order() {
    let (_, json) = check_json(&fixture("contract"));
    let got: Vec<(String, String)> = json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["id"].as_str().expect("id").to_string(),
                i["kind"].as_str().expect("kind").to_string(),
            )
        })
        .collect();
    assert_eq!(got, framework_order(&nasenco_json()));
    assert_eq!(got.len(), 3 + 10 + 49);
    assert_eq!(
        item(&json, "A1.7")["title"],
        "Relevant guidance on data protection and confidentiality, health and safety, including governor accountabilities."
    );
}

#[test]
fn a_tag_on_an_outcome_with_indicators_is_hinted_once() {
    let (_, json) = check_json(&fixture("contract"));
    // A2 is tagged inline in inline-tags.md and in the front matter of parent-again.md:
    // one hint, at the first use in reporting order.
    let hints = diagnostics(&json, "outcome-not-indicator");
    assert_eq!(hints.len(), 1, "{hints:?}");
    let hint = hints[0];
    assert_eq!(hint["severity"], "hint");
    assert_eq!(hint["file"], "evidence/inline-tags.md");
    assert_eq!(
        (hint["line"].as_u64(), hint["column"].as_u64()),
        (Some(28), Some(27))
    );
    assert_eq!(
        hint["message"],
        "`A2` is an outcome with indicators: this tag covers none of them"
    );
    assert!(
        hint["help"]
            .as_str()
            .expect("help")
            .contains("from `A2.1` to `A2.5`"),
        "{hint}"
    );
    for id in ["A2.2", "A2.3", "A2.4", "A2.5"] {
        assert_eq!(item(&json, id)["covered"], false, "{id}");
    }
    // It is shown with its source line, like every other diagnostic.
    let text = check_text(&fixture("contract")).stdout;
    assert!(
        text.contains(
            "28 | A tag on a whole outcome: [[A2]].\n   |                           ^^^^^^"
        ),
        "{text}"
    );
}

#[test]
fn min_evidence_counts_distinct_non_draft_files() {
    let (code, json) = check_json(&own_fixture("min-evidence"));
    assert_eq!(code, 0);
    assert_eq!(json["portfolio"]["min_evidence"], 2);
    // A1.1: two files. A1.2: one. A1.3: one, plus a draft that does not count.
    // A1.4: one file tagging it three times still counts once.
    let a11 = item(&json, "A1.1");
    assert_eq!(a11["covered"], true);
    assert_eq!(
        strings(&a11["evidence"]),
        ["evidence/first.md", "evidence/second.md"]
    );
    for id in ["A1.2", "A1.3", "A1.4"] {
        assert_eq!(item(&json, id)["covered"], false, "{id}");
        assert_eq!(
            strings(&item(&json, id)["evidence"]),
            ["evidence/first.md"],
            "{id}"
        );
    }
    let text = check_text(&own_fixture("min-evidence")).stdout;
    assert!(
        text.contains("A1.2    Mediation and the SEND Tribunal; (1 of 2 files)"),
        "{text}"
    );
}

#[test]
fn npq_areas_are_covered_by_id_in_any_case() {
    let (code, json) = check_json(&own_fixture("npq"));
    assert_eq!(code, 0);
    assert_eq!(json["framework"], "npq-senco-2023");
    let items = json["items"].as_array().expect("items");
    assert_eq!(items.len(), 8);
    let covered: Vec<&str> = items
        .iter()
        .filter(|i| i["covered"] == true)
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(covered, ["NPQ1", "NPQ2", "NPQ3", "NPQ8"]);
    assert!(items.iter().all(|i| i["kind"] == "outcome"));
    let text = check_text(&own_fixture("npq")).stdout;
    assert!(text.contains("4 of 8 items covered"), "{text}");
}

#[test]
fn a_framework_file_named_by_path() {
    let (code, json) = check_json(&fixture("custom-framework"));
    assert_eq!(code, 0);
    assert_eq!(json["framework"], "provider-2025");
    let ids: Vec<&str> = json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids, ["P", "P1", "P1.1", "P1.2", "P2"]);
    // P1.1 from front matter, P1.2 through its alias `1.2` inline: P1 is covered, P is not.
    assert_eq!(item(&json, "P1")["covered"], true);
    assert_eq!(item(&json, "P")["covered"], false);
    assert_eq!(json["summary"]["indicators_covered"], 2);
    assert_eq!(json["summary"]["indicators"], 3);
}

// ---------------------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------------------

#[test]
fn every_diagnostic_has_its_code_severity_and_position() {
    let (code, json) = check_json(&fixture("diagnostics"));
    assert_eq!(code, 1, "errors were found");
    let got: Vec<(String, String, String, u64, u64)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["severity"].as_str().expect("severity").to_string(),
                d["code"].as_str().expect("code").to_string(),
                d["file"].as_str().expect("file").to_string(),
                d["line"].as_u64().expect("line"),
                d["column"].as_u64().expect("column"),
            )
        })
        .collect();
    let want = [
        ("error", "bad-date", "evidence/bad-date.md", 3, 7),
        ("hint", "duplicate-tag", "evidence/duplicate-tag.md", 3, 18),
        ("hint", "duplicate-tag", "evidence/duplicate-tag.md", 6, 45),
        ("warning", "empty-evidence", "evidence/empty.md", 1, 1),
        (
            "warning",
            "empty-evidence",
            "evidence/front-matter-only.md",
            5,
            1,
        ),
        ("error", "bad-date", "evidence/impossible-date.md", 3, 9),
        ("error", "invalid-utf8", "evidence/invalid-utf8.md", 5, 4),
        (
            "error",
            "front-matter-syntax",
            "evidence/toml-syntax.md",
            4,
            6,
        ),
        (
            "error",
            "front-matter-unclosed",
            "evidence/unclosed.md",
            1,
            1,
        ),
        (
            "error",
            "unknown-outcome",
            "evidence/unknown-outcome.md",
            3,
            18,
        ),
        (
            "error",
            "unknown-outcome",
            "evidence/unknown-outcome.md",
            6,
            45,
        ),
        // The check resolves links too, so reports what a build would, at the link.
        (
            "warning",
            "broken-link",
            "evidence/unknown-outcome.md",
            6,
            68,
        ),
        ("warning", "unknown-type", "evidence/unknown-type.md", 3, 7),
        (
            "error",
            "front-matter-syntax",
            "evidence/yaml-syntax.md",
            4,
            5,
        ),
    ];
    let want: Vec<(String, String, String, u64, u64)> = want
        .iter()
        .map(|(s, c, f, l, col)| (s.to_string(), c.to_string(), f.to_string(), *l, *col))
        .collect();
    assert_eq!(got, want);
    assert_eq!(json["summary"]["errors"], 8);
    assert_eq!(json["summary"]["warnings"], 4);
    assert_eq!(json["summary"]["hints"], 2);
}

fn one<'a>(json: &'a Value, code: &str, file: &str) -> &'a Value {
    let found: Vec<&Value> = diagnostics(json, code)
        .into_iter()
        .filter(|d| d["file"] == file)
        .collect();
    assert_eq!(found.len(), 1, "{code} in {file}: {found:?}");
    found[0]
}

fn help(d: &Value) -> &str {
    d["help"].as_str().expect("every diagnostic has help")
}

#[test]
fn diagnostic_messages_say_what_is_wrong_and_what_to_do() {
    let (_, json) = check_json(&fixture("diagnostics"));
    let unknown: Vec<&Value> = diagnostics(&json, "unknown-outcome");
    let d = unknown[0];
    assert_eq!(
        d["message"],
        "unknown outcome `A1.9` in framework nasenco-2014"
    );
    assert!(help(d).starts_with("did you mean `A1.7`?"), "{d}");
    let inline = unknown;
    assert_eq!(
        inline[1]["message"],
        "unknown outcome `B5.9` in framework nasenco-2014"
    );
    assert!(help(inline[1]).starts_with("did you mean `B5.5`?"));

    let d = one(&json, "front-matter-syntax", "evidence/yaml-syntax.md");
    assert!(
        d["message"]
            .as_str()
            .expect("message")
            .starts_with("malformed YAML front matter: ")
    );
    let d = one(&json, "front-matter-syntax", "evidence/toml-syntax.md");
    assert!(
        d["message"]
            .as_str()
            .expect("message")
            .starts_with("malformed TOML front matter: ")
    );
    assert!(
        help(d).contains("outcomes = [\"A1.2\", \"B5.1\"]"),
        "TOML example for TOML: {d}"
    );

    let d = one(&json, "front-matter-unclosed", "evidence/unclosed.md");
    assert_eq!(
        d["message"],
        "front matter opened with `---` is never closed"
    );

    let d = one(&json, "bad-date", "evidence/bad-date.md");
    assert_eq!(
        d["message"],
        "`date` must be a calendar date written YYYY-MM-DD, not `14/03/2024`"
    );
    let d = one(&json, "unknown-type", "evidence/unknown-type.md");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["message"], "unknown evidence type `relfection`");
    assert!(help(d).contains("did you mean `reflection`?"));
    assert!(help(d).contains(
        "reflection, observation, case-study, meeting, cpd, artefact, assignment, other"
    ));
    let d = one(&json, "empty-evidence", "evidence/empty.md");
    assert_eq!(d["message"], "evidence file is empty");
    let d = one(&json, "empty-evidence", "evidence/front-matter-only.md");
    assert_eq!(d["message"], "evidence has front matter but no text");
    let d = one(&json, "invalid-utf8", "evidence/invalid-utf8.md");
    assert_eq!(d["message"], "file is not valid UTF-8 text");
}

#[test]
fn one_broken_file_does_not_stop_the_others() {
    let (_, json) = check_json(&fixture("diagnostics"));
    assert_eq!(json["evidence"].as_array().expect("evidence").len(), 12);
    // The good file counts; bodies after malformed front matter and after an invalid
    // byte are still read for inline tags.
    assert_eq!(
        strings(&item(&json, "B6.1")["evidence"]),
        ["evidence/good.md"]
    );
    assert_eq!(
        strings(&item(&json, "A2.2")["evidence"]),
        ["evidence/yaml-syntax.md"]
    );
    assert_eq!(
        strings(&item(&json, "A2.3")["evidence"]),
        ["evidence/toml-syntax.md"]
    );
    assert_eq!(
        strings(&item(&json, "A4.2")["evidence"]),
        ["evidence/invalid-utf8.md"]
    );
    // A known id beside an unknown one still counts.
    assert_eq!(
        strings(&item(&json, "A1.1")["evidence"]),
        ["evidence/unknown-outcome.md"]
    );
    // Duplicates count once; front-matter-only files still count their tags.
    assert_eq!(
        strings(&evidence(&json, "evidence/duplicate-tag.md")["outcomes"]),
        ["A4.4", "A4.5"]
    );
    assert_eq!(
        strings(&item(&json, "A4.3")["evidence"]),
        ["evidence/front-matter-only.md"]
    );
}

#[test]
fn front_matter_oddities() {
    let dir = portfolio(NASENCO);
    let p = dir.path();
    // A bare number is one id, as it is inside a list.
    write(
        p,
        "evidence/number.md",
        "---\noutcomes: 5.2\n---\n\nText.\n",
    );
    write(p, "evidence/list.md", "---\n- a\n- b\n---\n\nText.\n");
    write(
        p,
        "evidence/dots.md",
        "---\ntitle: Closed with dots\noutcomes: [A1.2]\n...\n\nText.\n",
    );
    write(
        p,
        "evidence/draft-yes.md",
        "---\ndraft: yes\noutcomes: [A1.3]\n---\n\nText.\n",
    );
    let (code, json) = check_json(p);
    assert_eq!(code, 1);
    assert_eq!(
        strings(&evidence(&json, "evidence/number.md")["outcomes"]),
        ["B5.2"]
    );
    assert_eq!(
        strings(&evidence(&json, "evidence/dots.md")["outcomes"]),
        ["A1.2"]
    );
    assert_eq!(evidence(&json, "evidence/draft-yes.md")["draft"], true);
    let d = one(&json, "front-matter-syntax", "evidence/list.md");
    assert_eq!(d["line"], 2);
}

#[test]
fn crlf_and_bom_positions_are_what_an_editor_shows() {
    let dir = portfolio(NASENCO);
    write(
        dir.path(),
        "evidence/windows.md",
        "\u{feff}---\r\ntitle: x\r\noutcomes: [A1.1, Z9]\r\n---\r\n\r\ntext [[A9.9]] here\r\n",
    );
    write(
        dir.path(),
        "evidence/bom-latin1.md",
        b"\xEF\xBB\xBFcaf\xE9 [[A1.2]]\n",
    );
    let (_, json) = check_json(dir.path());
    let d: Vec<(u64, u64)> = diagnostics(&json, "unknown-outcome")
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().expect("line"),
                d["column"].as_u64().expect("col"),
            )
        })
        .collect();
    assert_eq!(d, [(3, 18), (6, 6)]);
    let d = one(&json, "invalid-utf8", "evidence/bom-latin1.md");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(4))
    );
    assert_eq!(
        strings(&evidence(&json, "evidence/bom-latin1.md")["outcomes"]),
        ["A1.2"]
    );
}

// Binary, UTF-16 and other hostile files: tests/hostile.rs.

// ---------------------------------------------------------------------------------------
// Exit codes
// ---------------------------------------------------------------------------------------

#[test]
fn exit_codes() {
    // 0: no errors (hints and uncovered indicators are fine without --strict).
    assert_eq!(check_text(&fixture("contract")).code, 0);
    // 1: errors.
    assert_eq!(check_text(&fixture("diagnostics")).code, 1);
    // Warnings alone are not errors.
    let dir = portfolio(NASENCO);
    write(
        dir.path(),
        "evidence/w.md",
        "---\ntype: relfection\n---\n\nText.\n",
    );
    assert_eq!(check_text(dir.path()).code, 0);
    // --strict: 1 while any indicator is uncovered ...
    let strict = run(senco()
        .arg("check")
        .arg(fixture("contract"))
        .arg("--strict"));
    assert_eq!(strict.code, 1);
    // ... and 0 once every indicator is covered.
    let ids: Vec<String> = framework_order(&nasenco_json())
        .into_iter()
        .filter(|(_, kind)| kind == "indicator")
        .map(|(id, _)| id)
        .collect();
    let all = portfolio(NASENCO);
    write(
        all.path(),
        "evidence/all.md",
        format!(
            "---\noutcomes: [{}]\n---\n\nEverything at once.\n",
            ids.join(", ")
        ),
    );
    let full = run(senco().arg("check").arg(all.path()).arg("--strict"));
    assert_eq!(full.code, 0, "{}", full.stdout);
    assert!(
        full.stdout.contains("49 of 49 indicators covered"),
        "{}",
        full.stdout
    );
    // 2: could not run.
    assert_eq!(check_text(&fixture("does-not-exist")).code, 2);
}

// ---------------------------------------------------------------------------------------
// JSON shape
// ---------------------------------------------------------------------------------------

fn keys(v: &Value) -> BTreeSet<&str> {
    v.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

#[test]
fn json_has_the_documented_shape() {
    let (_, json) = check_json(&fixture("diagnostics"));
    for key in ["framework", "items", "evidence", "diagnostics", "summary"] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["framework"], "nasenco-2014");
    for it in json["items"].as_array().expect("items") {
        for key in ["id", "kind", "title", "covered", "evidence"] {
            assert!(it.get(key).is_some(), "item lacks {key}: {it}");
        }
        assert!(["part", "outcome", "indicator"].contains(&it["kind"].as_str().expect("kind")));
        assert!(it["covered"].is_boolean());
    }
    for e in json["evidence"].as_array().expect("evidence") {
        assert_eq!(
            keys(e),
            BTreeSet::from([
                "path", "title", "type", "date", "draft", "words", "outcomes"
            ])
        );
    }
    for d in json["diagnostics"].as_array().expect("diagnostics") {
        assert_eq!(
            keys(d),
            BTreeSet::from([
                "severity", "code", "file", "line", "column", "message", "help"
            ])
        );
    }
    assert_eq!(
        json["summary"],
        json!({
            "evidence_files": 12, "drafts": 0, "indicators": 49, "indicators_covered": 9,
            "errors": 8, "warnings": 4, "hints": 2
        })
    );
}

#[test]
fn output_is_byte_identical_between_runs() {
    for name in ["contract", "diagnostics"] {
        let a = run(senco()
            .arg("check")
            .arg(fixture(name))
            .args(["--format", "json"]));
        let b = run(senco()
            .arg("check")
            .arg(fixture(name))
            .args(["--format", "json"]));
        assert_eq!(a.stdout, b.stdout, "{name} json");
        let a = check_text(&fixture(name));
        let b = check_text(&fixture(name));
        assert_eq!(a.stdout, b.stdout, "{name} text");
    }
}

// ---------------------------------------------------------------------------------------
// Human output
// ---------------------------------------------------------------------------------------

#[test]
fn human_output_has_bars_missing_wording_and_rustc_style_diagnostics() {
    let run = check_text(&fixture("diagnostics"));
    let out = &run.stdout;
    assert!(out.starts_with("Diagnostics portfolio\n"), "{out}");
    // Coverage per part and outcome with a text bar.
    let b6 = out
        .lines()
        .find(|l| l.trim_start().starts_with("B6  "))
        .expect("a line for B6");
    assert!(
        b6.contains("1/5") && b6.contains("[##--------]") && b6.ends_with(" 20%"),
        "{b6}"
    );
    let part_a = out
        .lines()
        .find(|l| l.contains("Part A  "))
        .expect("Part A");
    assert!(part_a.contains("8/21"), "{part_a}");
    // The uncovered indicators with their wording.
    assert!(out.contains("Not yet covered (40 indicators):"), "{out}");
    assert!(out.contains("✗ A1.7    Relevant guidance on data protection and confidentiality"));
    assert!(!out.contains("✗ B6.1 "), "B6.1 is covered");
    // rustc-style: file:line:col, the source line, a caret, a help line.
    assert!(
        out.contains(
            "error[unknown-outcome]: unknown outcome `A1.9` in framework nasenco-2014\n \
             --> evidence/unknown-outcome.md:3:18\n  |\n3 | outcomes: [A1.1, A1.9]\n  |                  ^^^^\n  |\n\
             help: did you mean `A1.7`? `senco outcomes` lists every id\n"
        ),
        "{out}"
    );
    assert!(
        out.contains(" --> evidence/invalid-utf8.md:5:4\n  |\n5 | Caf\u{FFFD} conversation"),
        "{out}"
    );
    assert!(
        out.ends_with("9 of 49 indicators covered; 8 errors, 4 warnings, 2 hints\n"),
        "{out}"
    );
    assert!(
        !out.contains('\x1b'),
        "no escape codes when NO_COLOR is set"
    );
}

#[test]
fn no_color_is_honoured_even_when_colour_is_forced() {
    let forced = run(senco()
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .arg("check")
        .arg(fixture("diagnostics")));
    assert!(
        forced.stdout.contains('\x1b'),
        "CLICOLOR_FORCE turns colour on"
    );
    let plain = run(senco()
        .env("CLICOLOR_FORCE", "1")
        .arg("check")
        .arg(fixture("diagnostics")));
    assert!(!plain.stdout.contains('\x1b'), "NO_COLOR wins");
    // Not a terminal and nothing forced: no colour either.
    let piped = run(senco()
        .env_remove("NO_COLOR")
        .arg("check")
        .arg(fixture("diagnostics")));
    assert!(!piped.stdout.contains('\x1b'));
    assert_eq!(piped.stdout, plain.stdout);
}

// ---------------------------------------------------------------------------------------
// Deadline
// ---------------------------------------------------------------------------------------

fn appointed(date: &str) -> tempfile::TempDir {
    portfolio(&format!("{NASENCO}appointed = {date}\n"))
}

#[test]
fn deadline_is_printed_when_appointed_is_set() {
    let dir = appointed("2024-01-08");
    let out = check_text(dir.path()).stdout;
    assert!(
        out.contains("Deadline:  2027-01-08 (358 days left; third anniversary of appointment on 2024-01-08; SEND Regulations 2014, reg 49)"),
        "{out}"
    );
    assert!(
        out.contains("NASENCO (course started before 1 September 2024)"),
        "{out}"
    );
    assert!(out.contains("before 1 September 2027"), "{out}");
    let (_, json) = check_json(dir.path());
    assert_eq!(json["deadline"]["deadline"], "2027-01-08");
    assert_eq!(json["deadline"]["appointed"], "2024-01-08");

    // Appointed from 1 September 2024: the NPQ applies.
    let (_, json) = check_json(appointed("2024-09-01").path());
    assert_eq!(json["deadline"]["deadline"], "2027-09-01");
    assert_eq!(json["deadline"]["qualification"], "NPQ for SENCOs");
    // On or before 1 September 2009 (not 2008): regulation 49(4) does not apply.
    let out = check_text(appointed("2009-09-01").path()).stdout;
    assert!(out.contains("Deadline:  none ("), "{out}");
    let (_, json) = check_json(appointed("2009-09-02").path());
    assert_eq!(json["deadline"]["deadline"], "2012-09-02");
}

#[test]
fn no_appointment_date_says_nothing_of_deadlines() {
    let out = check_text(&fixture("contract")).stdout.to_lowercase();
    assert!(!out.contains("deadline"), "{out}");
    assert!(!out.contains("2027"), "{out}");
    let (_, json) = check_json(&fixture("contract"));
    assert_eq!(json["deadline"], Value::Null);
}

// ---------------------------------------------------------------------------------------
// Symbolic links
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_portfolio_are_not_followed() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().expect("tempdir");
    write(
        outside.path(),
        "secret.md",
        "---\noutcomes: [A1.1]\n---\n\nElsewhere. [[A1.2]]\n",
    );
    write(outside.path(), "folder/more.md", "[[A1.3]]\n");
    let dir = portfolio(NASENCO);
    let p = dir.path();
    write(p, "notes/inside.md", "Inside the portfolio. [[A1.4]]\n");
    symlink(
        outside.path().join("secret.md"),
        p.join("evidence/secret.md"),
    )
    .expect("link");
    symlink(outside.path().join("folder"), p.join("evidence/folder")).expect("link");
    symlink(p.join("notes/inside.md"), p.join("evidence/inside.md")).expect("link");
    let (code, json) = check_json(p);
    assert_eq!(code, 0);
    assert_eq!(evidence_paths(&json), ["evidence/inside.md"]);
    for id in ["A1.1", "A1.2", "A1.3"] {
        assert_eq!(item(&json, id)["evidence"], json!([]), "{id}");
    }
    assert_eq!(
        strings(&item(&json, "A1.4")["evidence"]),
        ["evidence/inside.md"]
    );
    let links: Vec<&str> = diagnostics(&json, "link-outside-portfolio")
        .iter()
        .map(|d| d["file"].as_str().expect("file"))
        .collect();
    assert_eq!(links, ["evidence/folder", "evidence/secret.md"]);
}

#[cfg(unix)]
#[test]
fn a_file_reached_by_two_paths_counts_once_under_its_own() {
    use std::os::unix::fs::symlink;
    let dir = portfolio(NASENCO);
    let p = dir.path();
    write(
        p,
        "evidence/observation.md",
        "Observed a lesson. [[A1.1]]\n",
    );
    write(
        p,
        "evidence/plans/plan.md",
        "A plan for Élodie’s group. [[A1.2]]\n",
    );
    // A second name in the same folder, a linked folder, and a link whose target is the
    // only path to its file (kept: it is the file's one path in the evidence).
    symlink("observation.md", p.join("evidence/copy-of-observation.md")).expect("link");
    symlink("plans", p.join("evidence/plans-again")).expect("link");
    write(p, "notes/meeting.md", "Met the SENCO. [[A1.3]]\n");
    symlink(p.join("notes/meeting.md"), p.join("evidence/meeting.md")).expect("link");
    let (code, json) = check_json(p);
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(
        evidence_paths(&json),
        [
            "evidence/meeting.md",
            "evidence/observation.md",
            "evidence/plans/plan.md"
        ]
    );
    for id in ["A1.1", "A1.2", "A1.3"] {
        assert_eq!(
            item(&json, id)["evidence"].as_array().map(Vec::len),
            Some(1),
            "{id}"
        );
    }
    let dropped: Vec<(&str, &str)> = diagnostics(&json, "duplicate-file")
        .iter()
        .map(|d| {
            (
                d["file"].as_str().expect("file"),
                d["message"].as_str().expect("message"),
            )
        })
        .collect();
    assert_eq!(dropped.len(), 2, "{dropped:?}");
    assert_eq!(dropped[0].0, "evidence/copy-of-observation.md");
    assert!(
        dropped[0].1.contains("`evidence/observation.md`"),
        "{dropped:?}"
    );
    assert_eq!(dropped[1].0, "evidence/plans-again/plan.md");
    assert!(
        dropped[1].1.contains("`evidence/plans/plan.md`"),
        "{dropped:?}"
    );
}

// ---------------------------------------------------------------------------------------
// portfolio.toml and frameworks: could not run (exit code 2)
// ---------------------------------------------------------------------------------------

fn cannot_run(dir: &std::path::Path) -> String {
    let run = check_text(dir);
    assert_eq!(
        run.code, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing on stdout: {}", run.stdout);
    run.stderr
}

// A missing or empty portfolio.toml, unknown keys and unknown frameworks: tests/hostile.rs.
#[test]
fn a_missing_evidence_folder_stops_the_check() {
    let dir = portfolio(&format!("{NASENCO}evidence = [\"missing\"]\n"));
    let err = cannot_run(dir.path());
    assert!(
        err.contains("evidence folder `missing` does not exist"),
        "{err}"
    );
}

#[test]
fn broken_framework_files_stop_the_check_with_a_clear_message() {
    let cases = [
        (
            "duplicate-id.json",
            "duplicate id `p1`: used by `P1` and `p1`",
        ),
        ("empty-text.json", "`P1.1` has empty text (its `title`)"),
        (
            "bad-json.json",
            "bad-json.json:4:3: invalid framework JSON: expected `,` or `}`",
        ),
    ];
    for (file, message) in cases {
        // A portfolio's framework file lies inside it.
        let dir = portfolio(&format!("[portfolio]\nframework = {}\n", toml_string(file)));
        std::fs::copy(fixture("frameworks").join(file), dir.path().join(file)).unwrap();
        let err = cannot_run(dir.path());
        assert!(err.contains(message), "{file}: {err}");
    }
}

/// A TOML basic string: paths may hold backslashes on Windows.
fn toml_string(s: &str) -> String {
    serde_json::to_string(s).expect("a string")
}

// ---------------------------------------------------------------------------------------
// The bundled sample
// ---------------------------------------------------------------------------------------

#[test]
fn the_sample_portfolio_checks_cleanly() {
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("portfolio-template");
    let (code, json) = check_json(&sample);
    assert_eq!(code, 0);
    assert_eq!(json["diagnostics"], json!([]));
    assert_eq!(json["summary"]["evidence_files"], 2);
    assert!(
        json["summary"]["indicators_covered"]
            .as_u64()
            .expect("count")
            > 0
    );
}

#[test]
fn teachers_standards_roll_up_by_any_bullet_or_the_standard_itself() {
    let (code, json) = check_json(&own_fixture("teachers-standards"));
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["framework"], "teachers-standards-2011");
    // One bullet covers its standard; the other bullets stay uncovered themselves.
    assert_eq!(item(&json, "TS1")["covered"], true);
    assert_eq!(item(&json, "TS1.2")["covered"], true);
    assert_eq!(item(&json, "TS1.1")["covered"], false);
    // Evidence tagged with the standard itself covers it, with no hint to tag bullets.
    assert_eq!(item(&json, "TS2")["covered"], true);
    assert!(
        diagnostics(&json, "outcome-not-indicator").is_empty(),
        "{json}"
    );
    assert_eq!(item(&json, "TS3")["covered"], false);
    assert_eq!(item(&json, "PC1")["covered"], true);
    assert_eq!(item(&json, "PC2")["covered"], true);
    assert_eq!(item(&json, "PC3")["covered"], false);
    // A part still needs every standard.
    assert_eq!(item(&json, "TS")["covered"], false);

    // What is missing is named by standard, not bullet by bullet.
    let text = check_text(&own_fixture("teachers-standards")).stdout;
    let missing = text
        .split("Not yet covered")
        .nth(1)
        .unwrap_or_else(|| panic!("a list of gaps: {text}"));
    for id in ["TS3", "TS4", "TS5", "TS6", "TS7", "TS8", "PC3"] {
        assert!(missing.contains(id), "{id} missing from {missing}");
    }
    assert!(missing.contains("(7 items)"), "{missing}");
    // Each standard (and each Part Two statement) is one item.
    assert!(text.contains("4 of 11 items covered"), "{text}");
    for id in ["TS1.1", "TS3.1", "TS2"] {
        assert!(
            !missing.contains(&format!("{id} ")),
            "{id} listed in {missing}"
        );
    }
    let strict = run(senco()
        .arg("check")
        .arg("--strict")
        .arg(own_fixture("teachers-standards")));
    assert_eq!(strict.code, 1, "gaps fail --strict");
}

#[test]
fn two_frameworks_side_by_side_in_one_portfolio() {
    let path = fixture("two-frameworks");
    let (code, json) = check_json(&path);
    assert_eq!(code, 0, "{json}");
    // The first framework is the qualification: the deadline follows it.
    assert_eq!(json["framework"], "nasenco-2014");
    assert!(
        json["deadline"]["qualification"]
            .as_str()
            .is_some_and(|q| q.starts_with("NASENCO")),
        "{}",
        json["deadline"]
    );
    let frameworks: Vec<(&str, u64, u64)> = json["frameworks"]
        .as_array()
        .expect("frameworks")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().expect("id"),
                f["indicators"].as_u64().expect("indicators"),
                f["indicators_covered"].as_u64().expect("covered"),
            )
        })
        .collect();
    assert_eq!(
        frameworks,
        [("nasenco-2014", 49, 49), ("teachers-standards-2011", 11, 2)]
    );
    // One file tags both frameworks; each item says which framework it is in.
    assert_eq!(item(&json, "B5.2")["framework"], "nasenco-2014");
    assert_eq!(item(&json, "TS5")["framework"], "teachers-standards-2011");
    assert_eq!(item(&json, "TS5")["covered"], true);
    assert_eq!(item(&json, "TS8")["covered"], true);
    assert_eq!(
        strings(&evidence(&json, "evidence/staff-meeting.md")["outcomes"]),
        ["B5.2", "TS5.1", "TS8"]
    );

    // Each framework has its own section in the text report.
    let text = check_text(&path).stdout;
    let nasenco = text
        .find("National Award for SEN Co-ordination: learning outcomes (nasenco-2014)\n")
        .expect("a NASENCO section");
    let ts = text
        .find("Teachers' Standards (teachers-standards-2011)\n")
        .expect("a Teachers' Standards section");
    assert!(nasenco < ts, "{text}");

    // NASENCO is complete, but --strict covers the Teachers' Standards too.
    let strict = run(senco().arg("check").arg("--strict").arg(&path));
    assert_eq!(strict.code, 1, "{}", strict.stdout);
}

#[test]
fn frameworks_that_share_a_name_are_an_error_naming_both() {
    let dir =
        portfolio("[portfolio]\nframework = [\"nasenco-2014\", \"frameworks/provider.json\"]\n");
    write(
        dir.path(),
        "frameworks/provider.json",
        r#"{"id":"provider-2025","title":"Provider","version":"2025","source":"s","description":"d",
            "nodes":[{"id":"P1","kind":"outcome","title":"Plan","aliases":["5.2"]}]}"#,
    );
    let clash = run(senco().arg("check").arg(dir.path()));
    assert_eq!(clash.code, 2, "{}", clash.stdout);
    assert!(
        clash.stderr.contains(
            "frameworks `nasenco-2014` and `provider-2025` both use the name `5.2` (for `B5.2` and `P1`)"
        ),
        "{}",
        clash.stderr
    );
    let twice = portfolio("[portfolio]\nframework = [\"nasenco-2014\", \"nasenco\"]\n");
    let again = run(senco().arg("check").arg(twice.path()));
    assert_eq!(again.code, 2);
    assert!(
        again
            .stderr
            .contains("framework `nasenco-2014` is listed twice"),
        "{}",
        again.stderr
    );
}

#[test]
fn outcomes_lists_every_framework_of_the_portfolio_and_exports_one_only_when_named() {
    let dir = portfolio(
        "[portfolio]\ntitle = \"T\"\nframework = [\"nasenco-2014\", \"teachers-standards-2011\"]\n",
    );
    let text = senco()
        .current_dir(dir.path())
        .arg("outcomes")
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&text);
    let nasenco = text.find("(nasenco-2014, 2014)").expect("NASENCO listed");
    let standards = text
        .find("(teachers-standards-2011,")
        .expect("standards listed");
    assert!(nasenco < standards, "in the portfolio's order:\n{text}");
    assert!(text.contains("  PC3 "), "{text}");

    // A framework file holds one framework: exporting says which to name.
    let json = senco()
        .current_dir(dir.path())
        .args(["outcomes", "--format", "json"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    assert!(String::from_utf8_lossy(&json).contains("--framework ID"));
    senco()
        .current_dir(dir.path())
        .args([
            "outcomes",
            "--format",
            "json",
            "--framework",
            "teachers-standards-2011",
        ])
        .assert()
        .code(0);
}
