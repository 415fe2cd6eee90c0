//! A portfolio's git history: read for dates and weekly coverage, without running
//! anything a hostile repository asks for.

use crate::harness::{self, senco};
use std::fs;
use std::path::Path;

/// A portfolio in `dir/name` that is a git repository with one commit of undated
/// evidence (so its date must come from git).
fn repository_portfolio(dir: &Path, name: &str) -> std::path::PathBuf {
    let root = dir.join(name);
    harness::write(
        &root,
        "portfolio.toml",
        "[portfolio]\ntrainee = \"Trainee Hostile\"\nframework = \"nasenco-2014\"\n",
    );
    harness::write(
        &root,
        "evidence/governors.md",
        "---\ntitle: Working with governors\noutcomes: [B5.1]\n---\n\nI presented the provision map.\n",
    );
    harness::git(&root, &["init", "-q"]);
    harness::commit_all(&root, "2025-11-02", "first evidence");
    root
}

/// Points every config setting that can run a program at a script that creates
/// `marker`, and puts the script in as every hook.
fn arm(root: &Path, marker: &Path) {
    let script = root.join(".git/trap.sh");
    fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\nexit 1\n", marker.display()),
    )
    .expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let hooks = root.join(".git/trap-hooks");
    fs::create_dir_all(&hooks).expect("hooks");
    for hook in [
        "post-checkout",
        "post-index-change",
        "reference-transaction",
        "pre-auto-gc",
        "fsmonitor-watchman",
    ] {
        fs::copy(&script, hooks.join(hook)).expect("hook");
    }
    let s = script.display();
    let mut config = fs::read_to_string(root.join(".git/config")).expect("config");
    config.push_str(&format!(
        "[core]\n\tfsmonitor = {s}\n\thooksPath = {}\n\tpager = {s}\n\tuntrackedCache = true\n[diff]\n\texternal = {s}\n[pager]\n\tlog = {s}\n[log]\n\tshowSignature = true\n[gpg]\n\tprogram = {s}\n[diff \"trap\"]\n\ttextconv = {s}\n[credential]\n\thelper = !{s}\n",
        hooks.display()
    ));
    fs::write(root.join(".git/config"), config).expect("config");
    fs::write(root.join(".gitattributes"), "*.md diff=trap\n").expect("attributes");
}

#[test]
fn a_hostile_repository_runs_nothing_when_its_dates_are_read() {
    assert!(harness::have_git(), "git is needed (CI installs it)");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = repository_portfolio(dir.path(), "hostile");
    let marker = dir.path().join("ran");
    arm(&root, &marker);
    // The trap is real: plain git runs it.
    let _ = std::process::Command::new("git")
        .current_dir(&root)
        .args(["status", "--short"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git status");
    assert!(marker.exists(), "plain `git status` runs core.fsmonitor");
    fs::remove_file(&marker).expect("reset the marker");

    let out = senco()
        .args(["cohort", "--today", "2026-01-15", "--format", "json"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(!marker.exists(), "senco ran something the repository named");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let momentum = &json["trainees"][0]["momentum"];
    assert_eq!(momentum["source"], "git", "{json}");
    assert_eq!(momentum["last"], "2025-11-02");
}

#[test]
fn a_git_folder_that_is_a_symlink_or_points_outside_is_not_used() {
    assert!(harness::have_git(), "git is needed (CI installs it)");
    let dir = tempfile::tempdir().expect("tempdir");
    let elsewhere = repository_portfolio(dir.path(), "elsewhere");
    let cohort = dir.path().join("cohort");
    // One portfolio's .git is a symlink to another repository, one's a gitfile pointing
    // outside it.
    for (name, how) in [("linked", "symlink"), ("pointing", "gitfile")] {
        let root = cohort.join(name);
        harness::write(
            &root,
            "portfolio.toml",
            "[portfolio]\nframework = \"nasenco-2014\"\n",
        );
        harness::write(
            &root,
            "evidence/governors.md",
            "---\ntitle: Working with governors\noutcomes: [B5.1]\n---\n\nNotes.\n",
        );
        match how {
            #[cfg(unix)]
            "symlink" => std::os::unix::fs::symlink(elsewhere.join(".git"), root.join(".git"))
                .expect("symlink"),
            _ => fs::write(
                root.join(".git"),
                format!("gitdir: {}\n", elsewhere.join(".git").display()),
            )
            .expect("gitfile"),
        }
    }
    let out = senco()
        .args(["cohort", "--today", "2026-01-15", "--format", "json"])
        .arg(&cohort)
        .output()
        .expect("runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    for (i, why) in [(0, "symlink"), (1, "outside the portfolio")] {
        let momentum = &json["trainees"][i]["momentum"];
        assert_eq!(momentum["source"], "file-time", "{json}");
        let note = momentum["git_note"].as_str().expect("a note says why");
        assert!(note.contains(why), "{note}");
    }
}

fn evidence(title: &str, outcomes: &str, extra: &str) -> String {
    format!(
        "---\ntitle: {title}\noutcomes: [{outcomes}]\n{extra}---\n\nWhat I did, and what I learnt from it.\n"
    )
}

/// A portfolio with five commits over three weeks (2025-11-03 is a Monday):
/// week of 11-03: a.md (B5.1) then b.md (B5.2): 2 covered;
/// week of 11-10: no commit: still 2;
/// week of 11-17: a.md gains B9.4 and A1.1, a draft claims C1.1 (drafts never count),
/// a file outside the evidence folder and a symlink in it (neither is evidence): 4.
/// A named trainee's portfolio in `dir/portfolio`, a repository with a.md (B5.1)
/// committed on `first` and b.md (B5.2) on `second`.
fn two_commits(dir: &Path, first: &str, second: &str) -> std::path::PathBuf {
    let root = dir.join("portfolio");
    harness::write(
        &root,
        "portfolio.toml",
        format!("{}trainee = \"Test Trainee\"\n", harness::NASENCO),
    );
    harness::git(&root, &["init", "-q"]);
    harness::write(&root, "evidence/a.md", evidence("Governors", "B5.1", ""));
    harness::commit_all(&root, first, "a");
    harness::write(
        &root,
        "evidence/b.md",
        evidence("Provision map", "B5.2", ""),
    );
    harness::commit_all(&root, second, "b");
    root
}

fn three_weeks(dir: &Path) -> std::path::PathBuf {
    let root = two_commits(dir, "2025-11-03", "2025-11-05");
    harness::write(
        &root,
        "evidence/a.md",
        evidence("Governors", "B5.1, B9.4, A1.1", ""),
    );
    harness::write(&root, "notes/c.md", evidence("Not evidence", "A1.2", ""));
    #[cfg(unix)]
    std::os::unix::fs::symlink("../notes/c.md", root.join("evidence/link.md")).expect("symlink");
    harness::commit_all(&root, "2025-11-20", "a grows");
    harness::write(
        &root,
        "evidence/draft.md",
        evidence("Draft", "C1.1", "draft: true\n"),
    );
    harness::commit_all(&root, "2025-11-21", "draft");
    root
}

fn progress_json(root: &Path) -> serde_json::Value {
    let out = senco()
        .args(["progress", "--format", "json"])
        .arg(root)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", harness::show(&out));
    serde_json::from_slice(&out.stdout).expect("json")
}

fn weekly(json: &serde_json::Value) -> Vec<(String, u64, u64, u64)> {
    json["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(|w| {
            (
                w["week"].as_str().expect("week").to_string(),
                w["commits"].as_u64().expect("commits"),
                w["evidence_files"].as_u64().expect("files"),
                w["covered"].as_u64().expect("covered"),
            )
        })
        .collect()
}

#[test]
fn progress_shows_coverage_at_each_weeks_last_commit() {
    assert!(harness::have_git(), "git is needed (CI installs it)");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = three_weeks(dir.path());
    let json = progress_json(&root);
    assert_eq!(json["total"], 49);
    assert_eq!(
        weekly(&json),
        [
            ("2025-11-03".to_string(), 2, 2, 2),
            ("2025-11-10".to_string(), 0, 2, 2),
            ("2025-11-17".to_string(), 2, 3, 4),
        ]
    );
    assert_eq!(json["weeks"][2]["commit_date"], "2025-11-21");
    assert_eq!(json["weeks"][2]["percent"], 8);
    assert_eq!(json["weeks_left_out"], 0);

    let text = harness::run(senco().arg("progress").arg(&root));
    assert_eq!(text.code, 0, "{}", text.stderr);
    let row = text
        .stdout
        .lines()
        .find(|l| l.starts_with("2025-11-10"))
        .expect("a row for the quiet week");
    let cells: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(cells[..5], ["2025-11-10", "0", "2", "2/49", "4%"], "{row}");
}

#[test]
fn only_the_latest_104_weeks_are_shown() {
    assert!(harness::have_git(), "git is needed (CI installs it)");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = two_commits(dir.path(), "2021-01-04", "2025-01-06");
    let json = progress_json(&root);
    let weeks = weekly(&json);
    assert_eq!(weeks.len(), 104);
    // 2021-01-04 to 2025-01-06 is 210 Mondays: 106 are left out.
    assert_eq!(json["weeks_left_out"], 106);
    assert_eq!(
        weeks[0],
        ("2023-01-16".to_string(), 0, 1, 1),
        "the old commit carries on"
    );
    assert_eq!(weeks[103], ("2025-01-06".to_string(), 1, 2, 2));
}

#[test]
fn build_adds_an_accessible_progress_page_only_for_a_git_portfolio() {
    assert!(harness::have_git(), "git is needed (CI installs it)");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = three_weeks(dir.path());
    let out = dir.path().join("site");
    let run = harness::run(senco().arg("build").arg(&root).arg("-o").arg(&out));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = fs::read_to_string(out.join("progress.html")).expect("progress.html");
    let doc = scraper::Html::parse_document(&page);
    let select = |css: &str| scraper::Selector::parse(css).expect("selector");
    let svg = doc
        .select(&select("svg[role=img]"))
        .next()
        .expect("an inline SVG");
    assert_eq!(
        svg.value().attr("aria-labelledby"),
        Some("progress-title progress-desc")
    );
    let title: String = doc
        .select(&select("svg title#progress-title"))
        .next()
        .expect("title")
        .text()
        .collect();
    assert!(title.contains("2025-11-03 to 2025-11-17"), "{title}");
    let desc: String = doc
        .select(&select("svg desc"))
        .next()
        .expect("desc")
        .text()
        .collect();
    assert!(
        desc.contains("from 2 of 49") && desc.contains("to 4 of 49"),
        "{desc}"
    );
    let rows: Vec<Vec<String>> = doc
        .select(&select("table.progress-table tbody tr"))
        .map(|tr| {
            tr.select(&select("th, td"))
                .map(|c| c.text().collect())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2], ["2025-11-17", "2", "3", "4/49", "8%"]);
    assert!(!page.contains("<script"), "no script");
    assert!(
        page.contains("Content-Security-Policy"),
        "under the page policy"
    );
    let index = fs::read_to_string(out.join("index.html")).expect("index");
    assert!(
        index.contains("href=\"progress.html\""),
        "linked from the navigation"
    );

    // Without git history: no page, no link.
    let plain = harness::portfolio(harness::NASENCO);
    harness::write(
        plain.path(),
        "evidence/a.md",
        evidence("Governors", "B5.1", ""),
    );
    let out = dir.path().join("plain-site");
    let run = harness::run(senco().arg("build").arg(plain.path()).arg("-o").arg(&out));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!out.join("progress.html").exists());
    let index = fs::read_to_string(out.join("index.html")).expect("index");
    assert!(!index.contains("progress.html"));
}

#[test]
fn a_pack_never_holds_the_progress_page_or_the_history() {
    assert!(harness::have_git(), "git is needed (CI installs it)");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = three_weeks(dir.path());
    for anonymise in [true, false] {
        let zip = dir.path().join(format!("pack-{anonymise}.zip"));
        let mut cmd = senco();
        cmd.arg("pack").arg(&root).arg("-o").arg(&zip);
        if anonymise {
            cmd.args(["--anonymise", "--candidate", "1001"]);
        }
        let run = harness::run(&mut cmd);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let bytes = fs::read(&zip).expect("zip");
        let archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let names: Vec<String> = archive
            .file_names()
            .map(|n| n.expect("entry name").into_owned())
            .collect();
        assert!(names.iter().any(|n| n.ends_with("index.html")), "{names:?}");
        assert!(
            !names
                .iter()
                .any(|n| n.ends_with("progress.html") || n.contains(".git/")),
            "{names:?}"
        );
    }
}

#[test]
fn progress_in_a_hostile_repository_runs_nothing() {
    assert!(harness::have_git(), "git is needed (CI installs it)");
    let dir = tempfile::tempdir().expect("tempdir");
    let root = three_weeks(dir.path());
    let marker = dir.path().join("ran");
    arm(&root, &marker);
    let _ = progress_json(&root);
    let out = dir.path().join("site");
    let run = harness::run(senco().arg("build").arg(&root).arg("-o").arg(&out));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(out.join("progress.html").exists());
    assert!(!marker.exists(), "senco ran something the repository named");
}

#[test]
fn progress_says_so_when_git_is_missing_or_there_is_no_repository() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = three_weeks_or_plain(dir.path());
    let empty_path = dir.path().join("no-programs");
    fs::create_dir_all(&empty_path).expect("folder");
    let run = harness::run(senco().arg("progress").arg(&root).env("PATH", &empty_path));
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains("git is not installed"),
        "{}",
        run.stderr
    );

    let plain = harness::portfolio(harness::NASENCO);
    let run = harness::run(senco().arg("progress").arg(plain.path()));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not a git repository"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("git init"), "{}", run.stderr);
}

/// A portfolio with a `.git` folder: a real repository when git is here, else an empty
/// `.git` (enough for senco to try git and find it missing).
fn three_weeks_or_plain(dir: &Path) -> std::path::PathBuf {
    if harness::have_git() {
        return three_weeks(dir);
    }
    let root = dir.join("portfolio");
    harness::write(&root, "portfolio.toml", harness::NASENCO);
    fs::create_dir_all(root.join(".git")).expect(".git");
    root
}
