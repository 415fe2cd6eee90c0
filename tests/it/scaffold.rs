//! `senco init`, `senco new` and `senco outcomes`, end to end through the binary.

use crate::harness::*;
use std::path::Path;

fn files_under(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(root).expect("under root");
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------
// senco init
// ---------------------------------------------------------------------------------------

#[test]
fn init_writes_the_starter_portfolio_and_it_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("my-portfolio");
    let run = run(senco().arg("init").arg(&target));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = files_under(&target);
    assert_eq!(
        files,
        [
            ".gitignore",
            "README.md",
            "commentary/B.md",
            "evidence/2024-03-12-reflection-on-a-provision-map.md",
            "evidence/2024-05-20-meeting-with-the-educational-psychologist.md",
            "portfolio.toml",
        ]
    );
    assert!(!target.join("theme").exists(), "no theme folder");
    // The files are the bundled template, byte for byte.
    let template = Path::new(env!("CARGO_MANIFEST_DIR")).join("portfolio-template");
    for file in &files {
        assert_eq!(
            std::fs::read(target.join(file)).expect("written"),
            std::fs::read(template.join(file)).expect("template"),
            "{file}"
        );
    }
    // The two example files show front matter and inline tags.
    for file in files.iter().filter(|f| f.starts_with("evidence/")) {
        let text = std::fs::read_to_string(target.join(file)).expect("example");
        assert!(
            text.starts_with("---\n") || text.starts_with("+++\n"),
            "{file}"
        );
        assert!(text.contains("[["), "{file} shows an inline tag");
    }
    let (code, json) = check_json(&target);
    assert_eq!(code, 0);
    assert_eq!(json["diagnostics"], serde_json::json!([]));
    assert_eq!(json["summary"]["evidence_files"], 2);
}

#[test]
fn init_refuses_to_overwrite() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "portfolio.toml", "# mine\n");
    let run = run(senco().arg("init").arg(dir.path()));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("senco init never overwrites"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("portfolio.toml"), "{}", run.stderr);
    // Nothing was written, and the existing file is untouched.
    assert_eq!(files_under(dir.path()), ["portfolio.toml"]);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("portfolio.toml")).expect("read"),
        "# mine\n"
    );
}

// ---------------------------------------------------------------------------------------
// senco new
// ---------------------------------------------------------------------------------------

fn new_in(dir: &Path, args: &[&str]) -> Run {
    run(senco().current_dir(dir).arg("new").args(args))
}

#[test]
fn new_writes_a_dated_file_with_front_matter_and_gibbs_headings() {
    let dir = portfolio(NASENCO);
    let run = new_in(
        dir.path(),
        &[
            "Reflection on Child A's review",
            "--type",
            "reflection",
            "--outcomes",
            "a1.2,5.1",
            "--date",
            "2025-03-14",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let rel = "evidence/2025-03-14-reflection-on-child-a-s-review.md";
    assert_eq!(files_under(dir.path()), [rel, "portfolio.toml"]);
    let text = std::fs::read_to_string(dir.path().join(rel)).expect("written");
    // Ids are written canonically: `a1.2` as A1.2, the alias 5.1 as B5.1.
    assert!(
        text.starts_with(
            "---\ntitle: \"Reflection on Child A's review\"\ndate: 2025-03-14\ntype: reflection\nmodel: gibbs\noutcomes: [A1.2, B5.1]\n---\n"
        ),
        "{text}"
    );
    let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
    assert_eq!(
        headings,
        [
            "## Description",
            "## Feelings",
            "## Evaluation",
            "## Analysis",
            "## Conclusion",
            "## Action plan"
        ]
    );
    // What `new` writes passes `senco check`, but headings with nothing under them are
    // not evidence yet: an empty-evidence warning, a hint for each stage of the model
    // still to be written, and no outcome claimed until something is.
    let (code, json) = check_json(dir.path());
    assert_eq!(code, 0);
    let diagnostics = json["diagnostics"].as_array().expect("list");
    assert_eq!(diagnostics.len(), 7, "{diagnostics:?}");
    assert_eq!(diagnostics[0]["code"], "empty-evidence");
    assert!(diagnostics[1..].iter().all(|d| {
        d["code"] == "reflection-stage"
            && d["severity"] == "hint"
            && d["message"]
                .as_str()
                .is_some_and(|m| m.ends_with("is empty"))
    }));
    let e = evidence(&json, rel);
    assert!(strings(&e["outcomes"]).is_empty());
    assert_eq!(e["date"], "2025-03-14");
    assert_eq!(e["type"], "reflection");
    assert_eq!(e["title"], "Reflection on Child A's review");
    assert!(strings(&item(&json, "B5.1")["evidence"]).is_empty());
    // Once a stage is written, the file counts towards what it tags.
    let path = dir.path().join(rel);
    let written = text.replace(
        "## Description\n",
        "## Description\n\nI met the class teacher to plan Child A’s review [[A1.2]].\n",
    );
    std::fs::write(&path, written).expect("written");
    let (_, json) = check_json(dir.path());
    assert_eq!(strings(&evidence(&json, rel)["outcomes"]), ["A1.2", "B5.1"]);
    assert_eq!(strings(&item(&json, "B5.1")["evidence"]), [rel]);
}

#[test]
fn new_offers_rolfe_and_kolb() {
    let dir = portfolio(NASENCO);
    let cases: [(&str, &[&str]); 2] = [
        ("rolfe", &["## What?", "## So what?", "## Now what?"]),
        (
            "kolb",
            &[
                "## Concrete experience",
                "## Reflective observation",
                "## Abstract conceptualisation",
                "## Active experimentation",
            ],
        ),
    ];
    for (model, want) in cases {
        let title = format!("Using {model}");
        let run = new_in(
            dir.path(),
            &[&title, "--model", model, "--date", "2025-01-02"],
        );
        assert_eq!(run.code, 0, "{}", run.stderr);
        let path = dir
            .path()
            .join(format!("evidence/2025-01-02-using-{model}.md"));
        let text = std::fs::read_to_string(path).expect("written");
        let headings: Vec<&str> = text.lines().filter(|l| l.starts_with("## ")).collect();
        assert_eq!(headings, want, "{model}");
        assert!(text.contains("outcomes: []\n"), "{text}");
    }
    // No ids: nothing counted, not even the `[[A1.2]]` in the writing tip comment.
    let (code, json) = check_json(dir.path());
    assert_eq!(code, 0);
    for e in json["evidence"].as_array().expect("evidence") {
        assert_eq!(e["outcomes"], serde_json::json!([]), "{e}");
    }
}

#[test]
fn new_other_types_have_no_model_headings() {
    let dir = portfolio(NASENCO);
    let run = new_in(
        dir.path(),
        &[
            "Cyfarfod â'r ŵyl",
            "--type",
            "meeting",
            "--outcomes",
            "B8.1",
            "--date",
            "2025-06-30",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(dir.path().join("evidence/2025-06-30-cyfarfod-â-r-ŵyl.md"))
        .expect("Welsh letters kept in the file name");
    assert!(text.contains("type: meeting\n"));
    assert!(!text.contains("\n## "), "{text}");
    let (code, _) = check_json(dir.path());
    assert_eq!(code, 0);
}

#[test]
fn new_checks_ids_and_type_before_writing() {
    let dir = portfolio(NASENCO);
    let run = new_in(
        dir.path(),
        &[
            "Wrong id",
            "--outcomes",
            "A1.1,A1.9",
            "--date",
            "2025-03-14",
        ],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("unknown outcome `A1.9` in framework nasenco-2014"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean `A1.7`?"),
        "{}",
        run.stderr
    );
    let run = new_in(
        dir.path(),
        &["Wrong type", "--type", "relfection", "--date", "2025-03-14"],
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("did you mean `reflection`?"),
        "{}",
        run.stderr
    );
    let run = new_in(dir.path(), &["Bad date", "--date", "14/03/2025"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("`14/03/2025` is not a date"),
        "{}",
        run.stderr
    );
    assert_eq!(
        files_under(dir.path()),
        ["portfolio.toml"],
        "nothing written"
    );
}

#[test]
fn new_never_overwrites() {
    let dir = portfolio(NASENCO);
    let args = ["Same title", "--outcomes", "A1.1", "--date", "2025-03-14"];
    assert_eq!(new_in(dir.path(), &args).code, 0);
    let path = dir.path().join("evidence/2025-03-14-same-title.md");
    std::fs::write(&path, "my own words\n").expect("edit");
    let again = new_in(dir.path(), &args);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        "my own words\n"
    );
}

#[test]
fn new_finds_the_portfolio_from_a_subfolder_or_by_flag() {
    let dir = portfolio(NASENCO);
    let sub = dir.path().join("evidence");
    let run = new_in(&sub, &["From inside", "--date", "2025-03-14"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        dir.path()
            .join("evidence/2025-03-14-from-inside.md")
            .is_file()
    );
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let run = new_in(elsewhere.path(), &["Lost", "--date", "2025-03-14"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no portfolio.toml"), "{}", run.stderr);
    let run = run_new_with_flag(elsewhere.path(), dir.path());
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(dir.path().join("evidence/2025-03-14-by-flag.md").is_file());
}

fn run_new_with_flag(cwd: &Path, portfolio: &Path) -> Run {
    run(senco()
        .current_dir(cwd)
        .args(["new", "By flag", "--date", "2025-03-14", "--portfolio"])
        .arg(portfolio))
}

// ---------------------------------------------------------------------------------------
// senco outcomes
// ---------------------------------------------------------------------------------------

#[test]
fn outcomes_prints_the_tree_as_text_and_json() {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let text = run(senco().current_dir(elsewhere.path()).arg("outcomes"));
    assert_eq!(text.code, 0);
    assert!(
        text.stdout.starts_with(
            "National Award for SEN Co-ordination: learning outcomes (nasenco-2014, 2014)\n"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("Part A: Professional Knowledge and Understanding")
    );
    assert!(
        text.stdout
            .contains("    A1.3  The Local Offer; (also 1.3)\n"),
        "{}",
        text.stdout
    );
    let json = run(senco()
        .current_dir(elsewhere.path())
        .args(["outcomes", "--format", "json"]));
    assert_eq!(json.code, 0);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(value["id"], "nasenco-2014");
    // Every node of the shipped file, in order (compared by id and kind, not as one
    // value: the output leaves out empty lists).
    let written = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(written.path(), &json.stdout).expect("write");
    assert_eq!(
        framework_order(written.path()),
        framework_order(&nasenco_json())
    );
}

#[test]
fn outcomes_search_finds_by_wording() {
    let run1 = run(senco().args([
        "outcomes",
        "--framework",
        "nasenco-2014",
        "--search",
        "data protection",
    ]));
    assert_eq!(run1.code, 0);
    assert_eq!(
        run1.stdout,
        "A1.7    Relevant guidance on data protection and confidentiality, health and safety, including governor accountabilities.\n"
    );
    // Words may be given separately; JSON lists the hits.
    let run2 = run(senco().args([
        "outcomes",
        "--framework",
        "nasenco",
        "--search",
        "DATA",
        "protection",
        "--format",
        "json",
    ]));
    let hits: serde_json::Value = serde_json::from_str(&run2.stdout).expect("JSON");
    assert_eq!(
        hits,
        serde_json::json!([{
            "id": "A1.7",
            "kind": "indicator",
            "title": "Relevant guidance on data protection and confidentiality, health and safety, including governor accountabilities."
        }])
    );
    let none = run(senco().args([
        "outcomes",
        "--framework",
        "nasenco-2014",
        "--search",
        "zebra",
    ]));
    assert_eq!(none.code, 1);
    assert!(
        none.stderr
            .contains("no outcome of nasenco-2014 mentions `zebra`")
    );
}

#[test]
fn outcomes_of_other_frameworks() {
    let npq = run(senco().args(["outcomes", "--framework", "npq-senco-2023"]));
    assert_eq!(npq.code, 0);
    for (id, title) in [
        ("NPQ1", "School culture"),
        ("NPQ2", "Statutory framework"),
        ("NPQ3", "Identification of need"),
        ("NPQ4", "Teaching"),
        ("NPQ5", "Behaviour"),
        ("NPQ6", "Leading and managing provision"),
        ("NPQ7", "Professional development"),
        ("NPQ8", "Implementation"),
    ] {
        assert!(
            npq.stdout.contains(&format!("{id}  {title}\n")),
            "{id}: {}",
            npq.stdout
        );
    }
    // A framework file by path.
    let custom = run(senco()
        .arg("outcomes")
        .arg("--framework")
        .arg(fixture("custom-framework/frameworks/provider.json")));
    assert_eq!(custom.code, 0, "{}", custom.stderr);
    assert!(
        custom
            .stdout
            .contains("P1.2  Review the provision (also 1.2)"),
        "{}",
        custom.stdout
    );
    // The framework of the portfolio in the current folder is the default.
    let here = run(senco()
        .current_dir(fixture("custom-framework"))
        .arg("outcomes"));
    assert!(
        here.stdout
            .starts_with("A provider's own outcomes (provider-2025, 2025)"),
        "{}",
        here.stdout
    );
}

#[test]
fn outcomes_with_a_broken_framework_file_cannot_run() {
    for (file, message) in [
        (
            "duplicate-id.json",
            "duplicate id `p1`: used by `P1` and `p1`",
        ),
        ("empty-text.json", "`P1.1` has empty text (its `title`)"),
        ("bad-json.json", ":4:3: invalid framework JSON"),
    ] {
        let run = run(senco()
            .arg("outcomes")
            .arg("--framework")
            .arg(fixture("frameworks").join(file)));
        assert_eq!(run.code, 2, "{file}");
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        assert!(run.stderr.contains(message), "{file}: {}", run.stderr);
    }
    let unknown = run(senco().args(["outcomes", "--framework", "npq-senco"]));
    assert_eq!(unknown.code, 0, "the short name works");
    let unknown = run(senco().args(["outcomes", "--framework", "npq-senko-2023"]));
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("did you mean `npq-senco-2023`?"),
        "{}",
        unknown.stderr
    );
}
