//! Assessor judgements: judgement files, `senco review`, staleness and re-confirmation,
//! and `[rules] require_assessed`.

use crate::harness::{self, item, senco, write};
use senco::check::judgement::{StaleReason, State, Verdict};
use senco::error::diagnostic::{Diagnostic, Severity};
use std::fs;
use std::path::{Path, PathBuf};

const PROVISION_MAP: &str = "evidence/2024-03-12-reflection-on-a-provision-map.md";

/// A trainee of the fixture cohort.
fn fixture(name: &str) -> PathBuf {
    harness::fixture("cohort").join(name)
}

/// A copy of the starter portfolio to judge and edit.
fn portfolio() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    senco::author::scaffold::init(dir.path()).expect("init");
    dir
}

/// Runs `cmd`, which must succeed.
#[track_caller]
fn succeeds(cmd: &mut assert_cmd::Command) -> std::process::Output {
    let out = cmd.output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn review(root: &Path, args: &[&str]) -> String {
    let out = succeeds(
        senco()
            .arg("review")
            .arg(root)
            .args(["--assessor", "Dr A Tutor", "--date", "2025-01-02"])
            .args(args),
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `senco check ROOT --format json`, whatever its exit code.
fn check_json(root: &Path) -> serde_json::Value {
    harness::check_json(root).1
}

/// Turns on `[rules] require_assessed`; returns portfolio.toml as it was.
fn require_assessed(root: &Path) -> String {
    let toml = fs::read_to_string(root.join("portfolio.toml")).expect("read");
    fs::write(
        root.join("portfolio.toml"),
        toml.replace(
            "min_evidence = 1",
            "min_evidence = 1\nrequire_assessed = true",
        ),
    )
    .expect("write");
    toml
}

fn with_code<'a>(check: &'a senco::Check, code: &str) -> Vec<&'a Diagnostic> {
    check
        .diagnostics
        .iter()
        .filter(|d| d.code == code)
        .collect()
}

#[test]
fn fixture_judgements_are_read_current_and_stale() {
    let check = senco::check(&fixture("sian"), &Default::default()).expect("check");
    assert_eq!(check.judgements.len(), 2);
    let current = &check.judgements[0];
    assert_eq!(current.judgement, Verdict::Meets);
    assert_eq!(current.state, State::Current);
    assert_eq!(current.assessor, "Dr A Tutor");
    assert!(current.comment.starts_with("A clear account"));
    assert_eq!(
        check.judgements[1].state,
        State::Stale(StaleReason::Changed)
    );
    let fw = &check.framework;
    // An evidence-only judgement assesses what the file tags.
    for id in ["B9.4", "B9.5"] {
        assert!(
            check.assessment.node(fw.find(id).expect("id")).assessed,
            "{id}"
        );
    }
    // The stale judgement on B8.1 does not count.
    assert!(!check.assessment.node(fw.find("B8.1").expect("id")).assessed);
    let stale = with_code(&check, "stale-judgement");
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].severity, Severity::Warning);
    assert_eq!(
        stale[0].file.as_deref(),
        Some("feedback/2024-06-01-meeting-the-educational-psychologist-b8-1.md")
    );
    assert_eq!((stale[0].line, stale[0].column), (Some(7), Some(1)));
}

#[test]
fn malformed_judgement_files_get_positioned_diagnostics() {
    let dir = portfolio();
    let root = dir.path();
    let hash = "0".repeat(64);
    write(
        root,
        "feedback/a-syntax.md",
        "---\nevidence: [unclosed\njudgement: meets\n---\n",
    );
    write(root, "feedback/b-no-front-matter.md", "Looks good to me.\n");
    write(
        root,
        "feedback/c-unknown-outcome.md",
        "---\noutcome: B5.9\njudgement: meets\nassessor: T\ndate: 2025-01-02\n---\n",
    );
    write(
        root,
        "feedback/d-unknown-value.md",
        "---\noutcome: B5.2\njudgement: meet\nassessor: T\ndate: 2025-01-02\n---\n",
    );
    write(
        root,
        "feedback/e-unknown-evidence.md",
        format!(
            "---\nevidence: evidence/2024-03-12-reflection-on-a-provison-map.md\njudgement: meets\nassessor: T\ndate: 2025-01-02\nsha256: {hash}\n---\n"
        ),
    );
    write(
        root,
        "feedback/f-missing.md",
        format!("---\nevidence: {PROVISION_MAP}\njudgement: meets\n---\n"),
    );
    write(
        root,
        "feedback/g-bad-date.md",
        "---\noutcome: B5.2\njudgement: meets\nassessor: T\ndate: 2nd Jan\nasessor: X\n---\n",
    );
    let check = senco::check(root, &Default::default()).expect("check");
    let find = |code: &str, file: &str| -> Diagnostic {
        check
            .diagnostics
            .iter()
            .find(|d| d.code == code && d.file.as_deref() == Some(file))
            .cloned()
            .unwrap_or_else(|| panic!("no {code} in {file}: {:#?}", check.diagnostics))
    };
    let d = find("front-matter-syntax", "feedback/a-syntax.md");
    assert_eq!(d.severity, Severity::Error);
    assert!(d.line.is_some_and(|l| l >= 2), "{d:?}");
    let d = find("missing-front-matter", "feedback/b-no-front-matter.md");
    assert_eq!((d.line, d.column), (Some(1), Some(1)));
    let d = find("unknown-outcome", "feedback/c-unknown-outcome.md");
    assert_eq!((d.line, d.column), (Some(2), Some(10)));
    assert!(
        d.help.as_deref().is_some_and(|h| h.contains("`B5.5`")),
        "{d:?}"
    );
    let d = find("unknown-judgement", "feedback/d-unknown-value.md");
    assert_eq!((d.line, d.column), (Some(3), Some(12)));
    assert!(
        d.help
            .as_deref()
            .is_some_and(|h| h.contains("did you mean `meets`"))
    );
    let d = find("unknown-evidence", "feedback/e-unknown-evidence.md");
    assert_eq!((d.line, d.column), (Some(2), Some(11)));
    assert!(
        d.help.as_deref().is_some_and(|h| h.contains(PROVISION_MAP)),
        "{d:?}"
    );
    let missing: Vec<String> = with_code(&check, "missing-field")
        .iter()
        .filter(|d| d.file.as_deref() == Some("feedback/f-missing.md"))
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(missing.len(), 3, "assessor, date and sha256: {missing:?}");
    let d = find("bad-date", "feedback/g-bad-date.md");
    assert_eq!((d.line, d.column), (Some(5), Some(7)));
    let d = find("unknown-key", "feedback/g-bad-date.md");
    assert!(d.help.as_deref().is_some_and(|h| h.contains("`assessor`")));
    // Only the judgement on a missing file survives (as stale); none counts.
    assert_eq!(check.judgements.len(), 1);
    assert_eq!(
        check.judgements[0].state,
        State::Stale(StaleReason::Missing)
    );
    assert_eq!(check.assessment.leaves_assessed(&check.framework), 0);
    // The evidence itself is untouched and still checked.
    assert_eq!(check.evidence.len(), 2);
}

#[test]
fn review_writes_new_files_and_never_overwrites() {
    let dir = portfolio();
    let root = dir.path();
    let first = review(
        root,
        &[
            "--evidence",
            PROVISION_MAP,
            "--judgement",
            "meets",
            "--comment",
            "Clear.",
        ],
    );
    let second = review(root, &["--evidence", PROVISION_MAP, "--judgement", "meets"]);
    assert!(
        first.contains("feedback/2025-01-02-reflection-on-a-provision-map.md"),
        "{first}"
    );
    assert!(
        second.contains("feedback/2025-01-02-reflection-on-a-provision-map-2.md"),
        "{second}"
    );
    let text =
        fs::read_to_string(root.join("feedback/2025-01-02-reflection-on-a-provision-map.md"))
            .expect("read");
    let bytes = fs::read(root.join(PROVISION_MAP)).expect("evidence");
    assert!(text.contains(&senco::util::hash::Sha256::of(&bytes).to_hex()));
    assert!(text.ends_with("---\n\nClear.\n"), "{text}");
    let outcome = review(
        root,
        &["--outcome", "b5.2", "--judgement", "Partially meets"],
    );
    assert!(outcome.contains("feedback/2025-01-02-b5-2.md"), "{outcome}");
    let json = check_json(root);
    assert_eq!(
        json["assessment"]["judgements"], 2,
        "the -2 file supersedes the first"
    );
    assert_eq!(json["judgements"].as_array().expect("list").len(), 3);
    assert_eq!(
        item(&json, "B5.2")["judgements"][0]["judgement"],
        "partially-meets"
    );
}

#[test]
fn review_rejects_unknown_evidence_and_outcomes() {
    let dir = portfolio();
    let root = dir.path();
    let cases: [(&[&str], &str); 3] = [
        (
            &[
                "--evidence",
                "evidence/2024-03-12-reflection.md",
                "--assessor",
                "T",
            ],
            "not an evidence file",
        ),
        (
            &["--outcome", "B5.9", "--assessor", "T"],
            "did you mean `B5.5`?",
        ),
        (&["--outcome", "B5.2"], "SENCO_ASSESSOR"),
    ];
    for (args, message) in cases {
        senco()
            .arg("review")
            .arg(root)
            .args(["--judgement", "meets"])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains(message));
    }
    assert!(!root.join("feedback").exists(), "nothing written");
}

#[test]
fn an_edit_makes_a_judgement_stale_until_reconfirmed() {
    let dir = portfolio();
    let root = dir.path();
    review(root, &["--evidence", PROVISION_MAP, "--judgement", "meets"]);
    let json = check_json(root);
    assert_eq!(item(&json, "B9.4")["assessed"], true);
    assert_eq!(item(&json, "B9.4")["judgements"][0]["state"], "current");
    // The file tags B9.4, B9.5 and, inline, A1.3.
    assert_eq!(json["assessment"]["indicators_assessed"], 3);

    let mut text = fs::read_to_string(root.join(PROVISION_MAP)).expect("read");
    text.push_str("\nA later paragraph.\n");
    fs::write(root.join(PROVISION_MAP), text).expect("edit");
    let json = check_json(root);
    assert_eq!(item(&json, "B9.4")["assessed"], false);
    assert_eq!(item(&json, "B9.4")["judgements"][0]["state"], "stale");
    assert_eq!(json["assessment"]["judgements_stale"], 1);
    let stale: Vec<_> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "stale-judgement")
        .collect();
    assert_eq!(stale.len(), 1);
    assert!(
        stale[0]["message"]
            .as_str()
            .expect("text")
            .contains("has changed")
    );
    senco()
        .arg("check")
        .arg(root)
        .assert()
        .success()
        .stdout(predicates::str::contains("Stale judgements (1)"));

    review(root, &["--evidence", PROVISION_MAP, "--judgement", "meets"]);
    let json = check_json(root);
    assert_eq!(item(&json, "B9.4")["assessed"], true);
    assert_eq!(json["assessment"]["judgements_stale"], 0);
    assert!(
        !json["diagnostics"].to_string().contains("stale-judgement"),
        "the superseded stale judgement is not reported"
    );
    let all = json["judgements"].as_array().expect("list");
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["superseded"], true);
    assert_eq!(all[0]["state"], "stale");
}

#[test]
fn deleted_evidence_makes_its_judgement_stale() {
    let dir = portfolio();
    let root = dir.path();
    review(root, &["--evidence", PROVISION_MAP, "--judgement", "meets"]);
    fs::remove_file(root.join(PROVISION_MAP)).expect("delete");
    let check = senco::check(root, &Default::default()).expect("check");
    assert_eq!(
        check.judgements[0].state,
        State::Stale(StaleReason::Missing)
    );
    assert_eq!(with_code(&check, "unknown-evidence").len(), 1);
}

#[test]
fn require_assessed_counts_only_assessed_indicators() {
    let dir = portfolio();
    let root = dir.path();
    let before = check_json(root);
    let claimed = before["summary"]["indicators_covered"]
        .as_u64()
        .expect("count");
    assert!(claimed > 2);
    let toml = require_assessed(root);
    let json = check_json(root);
    assert_eq!(json["summary"]["indicators_covered"], 0);
    review(root, &["--evidence", PROVISION_MAP, "--judgement", "meets"]);
    // An outcome-level judgement with no evidence is assessed but not claimed.
    review(root, &["--outcome", "A2", "--judgement", "meets"]);
    let json = check_json(root);
    assert_eq!(json["summary"]["indicators_covered"], 3);
    assert_eq!(json["assessment"]["indicators_assessed"], 3 + 5);
    assert_eq!(item(&json, "B9.4")["covered"], true);
    assert_eq!(item(&json, "A2.1")["assessed"], true);
    assert_eq!(item(&json, "A2.1")["covered"], false);
    assert_eq!(item(&json, "A2")["assessed"], true);
    // Without the rule, the same judgements leave claimed coverage as it was.
    fs::write(root.join("portfolio.toml"), toml).expect("write");
    assert_eq!(check_json(root)["summary"]["indicators_covered"], claimed);
}

#[test]
fn feedback_folder_outside_the_portfolio() {
    let dir = portfolio();
    let tutor = tempfile::tempdir().expect("temp dir");
    let out = senco()
        .arg("review")
        .arg(dir.path())
        .args([
            "--assessor",
            "T",
            "--outcome",
            "C1.1",
            "--judgement",
            "meets",
            "--feedback",
        ])
        .arg(tutor.path())
        .output()
        .expect("runs");
    assert!(out.status.success());
    let own = check_json(dir.path());
    assert_eq!(item(&own, "C1.1")["assessed"], false);
    let out = senco()
        .args(["check", "--format", "json", "--feedback"])
        .arg(tutor.path())
        .arg(dir.path())
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(item(&json, "C1.1")["assessed"], true);
    let file = json["judgements"][0]["file"].as_str().expect("file");
    assert!(
        file.starts_with(tutor.path().to_str().expect("utf-8")),
        "{file}"
    );
}

#[test]
fn build_serve_and_pack_read_judgements_from_the_feedback_folder_given() {
    let dir = portfolio();
    let root = dir.path();
    let tutor = tempfile::tempdir().expect("temp dir");
    require_assessed(root);
    let feedback = tutor.path().to_str().expect("utf-8");
    review(
        root,
        &[
            "--evidence",
            PROVISION_MAP,
            "--judgement",
            "meets",
            "--feedback",
            feedback,
        ],
    );
    let site = |extra: &[&str]| {
        let out = tempfile::tempdir().expect("temp dir");
        let site = out.path().join("site");
        succeeds(
            senco()
                .arg("build")
                .arg(root)
                .arg("-o")
                .arg(&site)
                .args(extra),
        );
        fs::read_to_string(site.join("index.html")).expect("index")
    };
    let out = senco()
        .args(["check", "--format", "json", "--feedback", feedback])
        .arg(root)
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let covered = json["summary"]["indicators_covered"]
        .as_u64()
        .expect("count");
    assert!(covered > 0);
    assert!(site(&[]).contains("0 of 49 indicators covered"));
    assert!(
        site(&["--feedback", feedback]).contains(&format!("{covered} of 49 indicators covered"))
    );

    let zip = tutor.path().join("pack.zip");
    succeeds(senco().arg("pack").arg(root).arg("-o").arg(&zip).args([
        "--allow-findings",
        "--feedback",
        feedback,
    ]));
    let mut archive = zip::ZipArchive::new(fs::File::open(&zip).expect("zip")).expect("zip");
    let name = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|n| n.ends_with("coverage.json"))
        .expect("coverage.json in the pack")
        .to_string();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(&name).expect("entry"), &mut text)
        .expect("read");
    let coverage: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(coverage["summary"]["indicators_covered"], covered, "{name}");

    // Two portfolios cannot share one feedback folder.
    let other = portfolio();
    senco()
        .arg("pack")
        .arg(root)
        .arg(other.path())
        .arg("-o")
        .arg(&zip)
        .args(["--feedback", feedback])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("several"));
    // Serve refuses a feedback folder that does not exist, as check does.
    senco()
        .arg("serve")
        .arg(root)
        .args(["--feedback", "/no/such/folder"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not exist"));
}
