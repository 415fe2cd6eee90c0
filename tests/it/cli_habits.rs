//! What Rust users expect of a CLI: completions and a man page from the same clap
//! definitions, exit codes in every --help, a portfolio found from anywhere inside it,
//! `--today`, `--open` and `--quiet`.

use crate::harness::*;
use std::path::Path;

#[test]
fn every_help_ends_with_its_exit_codes() {
    let mut commands = vec![Vec::new()];
    commands.extend(subcommands().into_iter().map(|c| vec![c]));
    for words in commands {
        let help = run(senco().args(&words).arg("--help"));
        assert_eq!(help.code, 0, "{words:?}: {}", help.stderr);
        let last = help
            .stdout
            .trim_end()
            .rsplit("\n\n")
            .next()
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            last.starts_with("Exit codes: 0 "),
            "{words:?} --help ends with: {last}"
        );
        assert!(
            last.contains("2 senco could not run") || last.contains("2 not a readable pack"),
            "{words:?}: {last}"
        );
    }
}

#[test]
fn completions_for_each_shell_know_every_subcommand() {
    let commands = subcommands();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run(senco().args(["completions", shell]));
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        for command in &commands {
            assert!(
                out.stdout.contains(command.as_str()),
                "{shell} lacks {command}"
            );
        }
    }
    let bash = run(senco().args(["completions", "bash"])).stdout;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("senco.bash"), &bash).expect("write");
    // The script parses, and once sourced completes `senco ch` to `check`.
    let script = format!(
        "source {}; COMP_WORDS=(senco ch); COMP_CWORD=1; _senco senco ch senco; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        dir.path().join("senco.bash").display()
    );
    let done = std::process::Command::new("bash")
        .args(["-c", &script])
        .output()
        .expect("bash runs");
    let words = String::from_utf8_lossy(&done.stdout).into_owned();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        words.split_whitespace().collect::<Vec<_>>(),
        ["check"],
        "{words}"
    );
    let bad = run(senco().args(["completions", "tcsh"]));
    assert_eq!(bad.code, 2);
}

#[test]
fn the_man_page_is_roff_naming_every_subcommand() {
    let page = run(senco().arg("man"));
    assert_eq!(page.code, 0, "{}", page.stderr);
    assert!(page.stdout.contains(".TH senco 1"), "{}", page.stdout);
    assert!(page.stdout.contains(".SH SUBCOMMANDS"));
    for command in subcommands() {
        assert!(
            page.stdout.contains(&format!("senco\\-{command}")),
            "man page lacks {command}"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(senco().arg("man").arg("--dir").arg(dir.path()));
    assert_eq!(out.code, 0, "{}", out.stderr);
    for name in ["senco.1", "senco-check.1", "senco-cohort.1"] {
        let text = std::fs::read_to_string(dir.path().join(name)).expect(name);
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{name}");
    }
    let check_page = std::fs::read_to_string(dir.path().join("senco-check.1")).expect("page");
    assert!(check_page.contains("today"), "flags are in the page");
}

#[test]
fn a_portfolio_is_found_from_a_folder_inside_it_and_said_which() {
    let (_tmp, root) = copy_of("tests/fixtures/build-portfolio");
    let inside = root.as_path().join("evidence");
    let found = run(senco()
        .current_dir(&inside)
        .args(["check", "--today", "2026-01-15"]));
    assert!(found.code <= 1, "{}", found.stderr);
    let config = root.as_path().join("portfolio.toml");
    let canonical = std::fs::canonicalize(&config).expect("canonical");
    assert!(
        found
            .stderr
            .lines()
            .any(|l| l == format!("using {}", canonical.display())
                || l == format!("using {}", config.display())),
        "{}",
        found.stderr
    );
    assert!(found.stdout.contains("indicators covered") || found.stdout.contains("items covered"));
    // An explicit PATH is taken exactly: evidence/ holds no portfolio.toml.
    let exact = run(senco().arg("check").arg(&inside));
    assert_eq!(exact.code, 2);
    assert!(
        exact.stderr.contains("no portfolio.toml in "),
        "{}",
        exact.stderr
    );
    // Outside any portfolio, the search says where it looked.
    let nowhere = tempfile::tempdir().expect("tempdir");
    let lost = run(senco().current_dir(nowhere.path()).arg("check"));
    assert_eq!(lost.code, 2);
    assert!(
        lost.stderr.contains("or any folder above it"),
        "{}",
        lost.stderr
    );
}

fn sian() -> std::path::PathBuf {
    fixture("cohort/sian")
}

#[test]
fn check_counts_days_to_the_deadline_from_today() {
    let on = |today: &str| run(senco().arg("check").arg(sian()).args(["--today", today]));
    let near = on("2026-12-01");
    assert!(
        near.stdout.contains("Deadline:  2027-01-08 (38 days left;"),
        "{}",
        near.stdout
    );
    assert!(
        near.stdout
            .contains("warning: the statutory deadline 2027-01-08 is 38 days away")
    );
    let late = on("2027-02-01");
    assert!(
        late.stdout.contains("(passed 24 days ago;"),
        "{}",
        late.stdout
    );
    assert_ne!(late.code, 2, "a late portfolio stays checkable");
    assert_eq!(
        on("2026-12-01").code,
        late.code,
        "the deadline is not an error"
    );
    let json =
        run(senco()
            .arg("check")
            .arg(sian())
            .args(["--today", "2027-01-08", "--format", "json"]));
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("json");
    assert_eq!(value["days_left"], 0);
    let bad = run(senco().arg("check").arg(sian()).args(["--today", "soon"]));
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("`soon` is not a date"),
        "{}",
        bad.stderr
    );
}

/// A stand-in browser: records what it was asked to open.
fn fake_browser(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let log = dir.join("opened.txt");
    let script = dir.join("browser.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> {}\n", log.display()),
    )
    .expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    (script, log)
}

#[cfg(unix)]
#[test]
fn build_open_starts_the_browser_on_the_index_and_quiet_prints_nothing() {
    let (_tmp, root) = copy_of("tests/fixtures/build-portfolio");
    let tools = tempfile::tempdir().expect("tempdir");
    let (browser, log) = fake_browser(tools.path());
    let out = root.as_path().join("out");
    let built = run(senco()
        .env("BROWSER", &browser)
        .arg("build")
        .arg(root.as_path())
        .arg("-o")
        .arg(&out)
        .args(["--open", "--quiet"]));
    assert!(built.code <= 1, "{}", built.stderr);
    assert_eq!(built.stdout, "", "--quiet prints no summary");
    // The browser is started, not waited for: give it a moment to write.
    let start = std::time::Instant::now();
    while !log.exists() && start.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let opened = std::fs::read_to_string(&log).expect("the browser was started");
    assert_eq!(opened.trim(), out.join("index.html").display().to_string());
}

#[test]
fn quiet_pack_and_cohort_print_only_their_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let zip = dir.path().join("pack.zip");
    let packed = run(senco()
        .arg("pack")
        .arg(fixture("build-portfolio"))
        .arg("-o")
        .arg(&zip)
        .args(["--quiet", "--allow-findings"]));
    assert_eq!(packed.code, 0, "{}", packed.stderr);
    assert_eq!((packed.stdout.as_str(), packed.stderr.as_str()), ("", ""));
    assert!(zip.is_file());
    let csv = dir.path().join("cohort.csv");
    let cohort = run(senco()
        .arg("cohort")
        .arg(fixture("cohort"))
        .args(["--today", "2026-01-15", "--format", "csv", "-q", "-o"])
        .arg(&csv));
    assert_eq!(cohort.code, 1, "the fixture has a broken portfolio");
    assert_eq!(cohort.stderr, "", "no `wrote` line");
    assert!(csv.is_file());
    let loud = run(senco()
        .arg("cohort")
        .arg(fixture("cohort"))
        .args(["--today", "2026-01-15", "--format", "csv", "-o"])
        .arg(&csv));
    assert!(loud.stderr.contains("wrote "), "{}", loud.stderr);
}
