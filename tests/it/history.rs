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
