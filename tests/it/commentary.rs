//! Per-outcome commentary (`commentary/ID.md`): checked like evidence, shown at the head
//! of its outcome's page and in the single file, never evidence and never a link target.

use crate::assessor_view::build;
use crate::build::{all, page, text};
use crate::harness::{check_json, check_text, diagnostics, evidence_paths, item, write};
use std::path::Path;

const CONFIG: &str = "[portfolio]\ntitle = \"Commentary\"\nframework = \"nasenco-2014\"\n";

/// A portfolio in a temporary folder with `config` appended to [`CONFIG`] and two
/// evidence files: one on A1.1, one on B6.2 and B8.1.
fn portfolio(config: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("p");
    write(&root, "portfolio.toml", format!("{CONFIG}{config}"));
    write(
        &root,
        "evidence/law.md",
        "---\ntitle: Reading the Code\noutcomes: [A1.1]\n---\nI read the Code of Practice again.\n",
    );
    write(
        &root,
        "evidence/staff.md",
        "---\ntitle: Leading staff\n---\nI coached two teachers. [[B6.2]]\n\nI met the EP. [[B8.1]]\n",
    );
    (tmp, root)
}

fn single_file(root: &Path) -> String {
    let check = senco::check::check(root, &senco::check::CheckOptions::default()).expect("checks");
    let theme = senco::render::theme::of_portfolio(root).expect("theme");
    senco::render::single::render(&check, &theme, "site/").expect("renders")
}

#[test]
fn commentary_heads_its_outcome_page_and_shows_in_the_single_file() {
    let (tmp, root) = portfolio("");
    write(
        &root,
        "commentary/b.md",
        "# Part B on reflection\n\nLeading staff taught me **patience**; see [[Leading staff]].\n\n%% not for the assessor %%\n\n# Next steps\n\nMore on B5.\n",
    );
    let out = tmp.path().join("site");
    build(&root, &out);
    let doc = page(&out, "outcomes/B.html");
    let sections = all(&doc, "main section.commentary");
    assert_eq!(sections.len(), 1, "one commentary on B's page");
    let section = text(sections[0]);
    assert!(section.starts_with("Critical commentary"), "{section}");
    assert!(
        section.contains("Leading staff taught me patience"),
        "{section}"
    );
    assert!(
        !section.contains("not for the assessor"),
        "comments are removed: {section}"
    );
    // At the head: before the outcomes within B, the judgements and the evidence.
    let html = doc.html();
    let at = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("{needle} on the page"))
    };
    assert!(at("class=\"commentary\"") < at("id=\"within\""));
    // Its link leads to the evidence page; its headings' ids cannot clash with the page's.
    let links: Vec<String> = all(&doc, "section.commentary a")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert!(
        links.contains(&"../evidence/staff.html".to_string()),
        "{links:?}"
    );
    let ids: Vec<&str> = all(&doc, "section.commentary [id]")
        .iter()
        .filter_map(|e| e.value().attr("id"))
        .collect();
    assert!(ids.iter().all(|id| id.starts_with("commentary")), "{ids:?}");
    // Other outcomes have none.
    assert!(all(&page(&out, "outcomes/A.html"), "section.commentary").is_empty());

    let single = single_file(&root);
    let commentary_at = single
        .find("Critical commentary on B")
        .expect("in the single file");
    assert!(single[commentary_at..].contains("Leading staff taught me <strong>patience</strong>"));
    assert!(!single.contains("not for the assessor"));
    assert!(
        single.contains("href=\"#page-evidence-staff\""),
        "links stay in the file"
    );
}

#[test]
fn commentary_covers_nothing_and_is_not_evidence() {
    // Evidence is the whole portfolio folder, commentary folder included.
    let (_tmp, root) = portfolio("");
    let toml = std::fs::read_to_string(root.join("portfolio.toml")).expect("toml");
    write(
        &root,
        "portfolio.toml",
        toml.replace("[portfolio]\n", "[portfolio]\nevidence = [\".\"]\n"),
    );
    write(
        &root,
        "commentary/B5.md",
        "---\noutcomes: [B5.2]\n---\nA reflection that names [[B5.1]] and [[B5.3]].\n",
    );
    let (code, json) = check_json(&root);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        evidence_paths(&json),
        ["evidence/law.md", "evidence/staff.md"],
        "commentary is not in the evidence list"
    );
    assert_eq!(json["summary"]["evidence_files"], 2);
    for id in ["B5.1", "B5.2", "B5.3", "B5"] {
        assert_eq!(item(&json, id)["covered"], false, "{id}");
        assert_eq!(item(&json, id)["evidence"], serde_json::json!([]), "{id}");
    }
    assert_eq!(json["summary"]["indicators_covered"], 3);
    // Tags in commentary raise no hints about tagging (it claims nothing).
    assert!(
        diagnostics(&json, "outcome-not-indicator").is_empty(),
        "{json}"
    );
}

#[test]
fn an_id_in_double_brackets_stays_a_tag_and_commentary_is_no_link_target() {
    let (tmp, root) = portfolio("");
    write(&root, "commentary/B6.md", "My commentary on B6.\n");
    write(
        &root,
        "evidence/more.md",
        "More on B6. [[B6]]\n\nAnd [the commentary](../commentary/B6.md).\n",
    );
    let (_, json) = check_json(&root);
    let more = crate::harness::evidence(&json, "evidence/more.md");
    assert_eq!(more["outcomes"], serde_json::json!(["B6"]), "{more}");
    let broken = diagnostics(&json, "broken-link");
    assert_eq!(broken.len(), 1, "{json}");
    assert_eq!(broken[0]["file"], "evidence/more.md");
    assert_eq!(broken[0]["line"], 3);
    assert!(
        broken[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("is commentary")),
        "{}",
        broken[0]
    );
    let out = tmp.path().join("site");
    build(&root, &out);
    let doc = page(&out, "evidence/more.html");
    let tags: Vec<String> = all(&doc, ".evidence-body a.tag")
        .iter()
        .filter_map(|a| a.value().attr("href").map(str::to_string))
        .collect();
    assert_eq!(tags, ["../outcomes/B6.html"]);
    assert!(
        !out.join("files/commentary").exists(),
        "commentary is never copied as a file"
    );
    assert!(
        !doc.html().contains("commentary/B6.md\""),
        "no link leads to it"
    );
}

#[test]
fn commentary_is_checked_like_evidence_with_file_line_and_column() {
    let (_tmp, root) = portfolio("[rules]\nword_limits = { commentary = 5 }\n");
    write(
        &root,
        "commentary/A.md",
        "---\ntitle: On A\ndate: 2024-13-40\n---\nSix words of commentary are here.\n\nThe pupil's UPN is B801200005001.\n",
    );
    let run = check_text(&root);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("error[upn]"), "{}", run.stdout);
    assert!(
        run.stdout.contains("commentary/A.md:7:20"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("error[bad-date]"), "{}", run.stdout);
    assert!(run.stdout.contains("commentary/A.md:3:7"), "{}", run.stdout);
    let (_, json) = check_json(&root);
    let limit = diagnostics(&json, "word-limit");
    assert_eq!(limit.len(), 1, "{json}");
    assert_eq!(limit[0]["file"], "commentary/A.md");
    assert!(
        limit[0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("limit for commentary"))
    );
}

#[test]
fn the_commentary_rule_warns_exactly_for_outcomes_with_evidence_and_none() {
    let (_tmp, root) = portfolio("[rules]\ncommentary = true\n");
    // B is commented on at the level of its outcomes: B6 is, B8 is not. A has evidence
    // and no commentary; C has no evidence.
    write(&root, "commentary/B6.md", "On leading staff.\n");
    write(
        &root,
        "evidence/draft.md",
        "---\ndraft: true\noutcomes: [C1.1]\n---\nA draft does not count.\n",
    );
    let (code, json) = check_json(&root);
    assert_eq!(code, 0, "warnings only: {json}");
    let messages: Vec<&str> = diagnostics(&json, "missing-commentary")
        .iter()
        .filter_map(|d| d["message"].as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "Outcome B8 has evidence but no commentary",
            "Part A has evidence but no commentary"
        ],
        "sorted as diagnostics are"
    );
    // A commentary on the part itself is enough for all of it.
    write(&root, "commentary/A.md", "On the law.\n");
    write(&root, "commentary/B.md", "On Part B.\n");
    let (_, json) = check_json(&root);
    assert!(
        diagnostics(&json, "missing-commentary").is_empty(),
        "{json}"
    );
    // Without the rule, nothing is asked.
    let (_tmp, plain) = portfolio("");
    let (_, json) = check_json(&plain);
    assert!(
        diagnostics(&json, "missing-commentary").is_empty(),
        "{json}"
    );
}

#[test]
fn a_file_naming_no_outcome_is_diagnosed_with_the_nearest_id() {
    let (_tmp, root) = portfolio("");
    write(&root, "commentary/B66.md", "Meant for B6.\n");
    write(&root, "commentary/b8.md", "Lower case names B8.\n");
    write(&root, "commentary/B8.markdown", "A second one on B8.\n");
    let (_, json) = check_json(&root);
    let found = diagnostics(&json, "commentary-file");
    assert_eq!(found.len(), 2, "{json}");
    assert_eq!(found[0]["file"], "commentary/B66.md");
    assert!(
        found[0]["help"]
            .as_str()
            .is_some_and(|h| h.contains("did you mean `B6`")),
        "{}",
        found[0]
    );
    assert_eq!(found[1]["file"], "commentary/b8.md", "sorted by file");
    assert!(
        found[1]["message"]
            .as_str()
            .is_some_and(|m| m.contains("second commentary on B8")),
        "{}",
        found[1]
    );
}

#[test]
fn an_anonymised_pack_scrubs_the_trainee_from_commentary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = crate::pack::portfolio(&dir.path().join("p"), crate::pack::TRAINEE);
    write(
        &root,
        "commentary/A.md",
        "# On Part A\n\nAs Jo Example I learned most from JO EXAMPLE's own mistakes.\n",
    );
    let bytes = crate::pack::make_pack(
        &[root],
        &crate::pack::anonymised("0041"),
        &dir.path().join("pack.zip"),
    );
    let entries = crate::pack::entries_of(&bytes);
    let entry = |suffix: &str| {
        let e = entries
            .iter()
            .find(|e| e.path.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} in the pack"));
        String::from_utf8(e.bytes.clone()).expect("UTF-8")
    };
    for page in [entry("site/outcomes/A.html"), entry("portfolio.html")] {
        assert!(page.contains("As Candidate 0041 I learned"), "{page}");
        assert!(!page.to_lowercase().contains("jo example"));
    }
}
