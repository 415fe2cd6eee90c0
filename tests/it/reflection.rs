//! Reflections written to a model: `senco new --model` records it, `check` hints at each
//! stage left missing, empty or a sentence long, and the built page is outlined by the
//! model's stages.

use crate::harness::*;

const GIBBS_FILE: &str = "---\ntitle: After the annual review\ndate: 2025-03-14\ntype: reflection\nmodel: Gibbs\noutcomes: [A1.2]\n---\n\n# After the annual review\n\n## Description\n\nI chaired the annual review for Child A. Parent 1 and TA 1 attended, and the EP sent a report.\n\n## Feelings\n\nI was nervous.\n\n## Evaluation\n\n<!-- to do -->\n\n## Conclusion\n\nThe review met its statutory purpose. We agreed three new outcomes with the family.\n\n## Action Plan\n\nI will share the draft outcomes with Parent 1 first. I will ask TA 1 to record progress weekly.\n";

fn reflection_hints(json: &serde_json::Value) -> Vec<(String, u64)> {
    diagnostics(json, "reflection-stage")
        .into_iter()
        .map(|d| {
            (
                d["message"].as_str().expect("message").to_string(),
                d["line"].as_u64().expect("line"),
            )
        })
        .collect()
}

#[test]
fn thin_missing_and_empty_stages_get_a_hint_each() {
    let dir = portfolio(NASENCO);
    write(dir.path(), "evidence/review.md", GIBBS_FILE);
    let (code, json) = check_json(dir.path());
    assert_eq!(code, 0, "hints are not errors");
    let hints = reflection_hints(&json);
    assert_eq!(
        hints,
        [
            // A model's missing stage is reported where the front matter names the model.
            (
                "no \"Analysis\" section, a stage of Gibbs's reflective cycle".to_string(),
                5
            ),
            (
                "the \"Feelings\" stage of Gibbs's reflective cycle is only a sentence long"
                    .to_string(),
                15
            ),
            (
                "the \"Evaluation\" stage of Gibbs's reflective cycle is empty".to_string(),
                19
            ),
        ]
    );
    let analysis = diagnostics(&json, "reflection-stage")
        .into_iter()
        .find(|d| {
            d["message"]
                .as_str()
                .is_some_and(|m| m.contains("Analysis"))
        })
        .expect("analysis");
    assert!(
        analysis["help"]
            .as_str()
            .is_some_and(|h| h.starts_with("add a heading `## Analysis` and explain why")),
        "{analysis}"
    );
}

#[test]
fn a_file_without_a_model_gets_no_stage_hints_and_an_unknown_model_is_named() {
    let dir = portfolio(NASENCO);
    write(
        dir.path(),
        "evidence/plain.md",
        "---\ntype: reflection\noutcomes: [A1.2]\n---\n\nA short note.\n",
    );
    write(
        dir.path(),
        "evidence/odd.md",
        "---\nmodel: gibs\noutcomes: [A1.3]\n---\n\nA short note.\n",
    );
    let (_, json) = check_json(dir.path());
    assert!(reflection_hints(&json).is_empty());
    let unknown = diagnostics(&json, "unknown-model");
    assert_eq!(unknown.len(), 1);
    assert!(
        unknown[0]["help"]
            .as_str()
            .is_some_and(|h| h.starts_with("did you mean `gibbs`?"))
    );
}

#[test]
fn new_records_the_model_and_the_page_is_outlined_by_its_stages() {
    let dir = portfolio(NASENCO);
    let run_new = run(senco()
        .current_dir(dir.path())
        .args([
            "new",
            "After the review",
            "--model",
            "rolfe",
            "--outcomes",
            "A1.2",
        ])
        .args(["--date", "2025-03-14"]));
    assert_eq!(run_new.code, 0, "{}", run_new.stderr);
    let rel = "evidence/2025-03-14-after-the-review.md";
    let text = std::fs::read_to_string(dir.path().join(rel)).expect("written");
    assert!(text.contains("\nmodel: rolfe\n"), "{text}");
    let filled = text
        .replace(
            "## What?\n\n",
            "## What?\n\nI led the review for Child A. Parent 1 spoke first.\n\n",
        )
        .replace("## So what?\n\n", "## So what?\n\nIt went well.\n\n");
    std::fs::write(dir.path().join(rel), filled).expect("fill");
    let (_, json) = check_json(dir.path());
    let hints = reflection_hints(&json);
    assert_eq!(hints.len(), 2, "{hints:?}");
    assert!(hints[0].0.contains("\"So what?\" stage") && hints[0].0.contains("a sentence"));
    assert!(hints[1].0.contains("\"Now what?\" stage") && hints[1].0.contains("empty"));

    let out = dir.path().join("site");
    let built = run(senco().arg("build").arg(dir.path()).arg("-o").arg(&out));
    assert!(built.code <= 1, "{}", built.stderr);
    let page = std::fs::read_to_string(out.join("evidence/2025-03-14-after-the-review.html"))
        .expect("page");
    let html = scraper::Html::parse_document(&page);
    let stages = scraper::Selector::parse("nav.reflection-stages li").expect("selector");
    let items: Vec<String> = html
        .select(&stages)
        .map(|li| li.text().collect::<String>())
        .collect();
    assert_eq!(
        items,
        ["What?", "So what? (short: 1 sentence)", "Now what? (empty)"]
    );
    // Each stage links to its own heading on the page.
    let link = scraper::Selector::parse("nav.reflection-stages a").expect("selector");
    for a in html.select(&link) {
        let id = a
            .value()
            .attr("href")
            .expect("href")
            .trim_start_matches('#');
        let target = scraper::Selector::parse(&format!("h2#{id}, h3#{id}")).expect("id");
        assert!(html.select(&target).next().is_some(), "no heading #{id}");
    }
}
