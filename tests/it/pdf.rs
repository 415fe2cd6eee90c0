//! `senco pdf` without a real browser: what it says when there is none, and that a
//! browser which fails or hangs is stopped (with its children) and reported, never
//! waited on forever. Printing with Chromium is tested in tests/machine/pdf.rs.

use crate::harness::{copy_of, senco, show};
use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn a_missing_browser_is_a_clear_error_naming_what_to_install() {
    let (tmp, root) = copy_of("portfolio-template");
    let out_file = tmp.path().join("portfolio.pdf");
    let out = senco()
        .arg("pdf")
        .arg(&root)
        .arg("-o")
        .arg(&out_file)
        .args([
            "--browser",
            "/nonexistent/chromium",
            "--today",
            "2026-01-15",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error[no-browser]: the browser /nonexistent/chromium does not exist"),
        "{stderr}"
    );
    assert!(stderr.contains("apt-get install chromium"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out_file.exists(), "nothing is written");
}

/// Writes an executable shell script standing in for a browser.
#[cfg(unix)]
fn fake_browser(dir: &Path, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("fake-browser");
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

#[cfg(unix)]
#[test]
fn a_browser_that_exits_without_answering_is_reported() {
    let (tmp, root) = copy_of("portfolio-template");
    let browser = fake_browser(tmp.path(), "echo 'no DevTools here' >&2; exit 3");
    let out_file = tmp.path().join("portfolio.pdf");
    let out = senco()
        .arg("pdf")
        .arg(&root)
        .arg("-o")
        .arg(&out_file)
        .arg("--browser")
        .arg(&browser)
        .args(["--today", "2026-01-15"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("closed its DevTools pipe"), "{stderr}");
    assert!(
        stderr.contains("no DevTools here"),
        "the browser's own words: {stderr}"
    );
    assert!(!out_file.exists());
}

#[cfg(unix)]
#[test]
fn a_browser_that_hangs_is_stopped_at_the_timeout_with_its_children() {
    let (tmp, root) = copy_of("portfolio-template");
    let pid_file = tmp.path().join("child.pid");
    // A "browser" that starts a child of its own and never answers.
    let browser = fake_browser(
        tmp.path(),
        &format!("sleep 300 &\necho $! > '{}'\nwait", pid_file.display()),
    );
    let started = Instant::now();
    let out = senco()
        .arg("pdf")
        .arg(&root)
        .arg("-o")
        .arg(tmp.path().join("portfolio.pdf"))
        .arg("--browser")
        .arg(&browser)
        .args(["--timeout", "2", "--today", "2026-01-15"])
        .output()
        .expect("runs");
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("did not finish in time"), "{stderr}");
    assert!(stderr.contains("--timeout"), "{stderr}");
    assert!(took < Duration::from_secs(30), "took {took:?}");
    let pid = std::fs::read_to_string(&pid_file).expect("the fake browser ran");
    // The child is killed with the browser's process group; its new parent reaps it.
    let alive = || {
        std::process::Command::new("kill")
            .args(["-0", pid.trim()])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    let until = Instant::now() + Duration::from_secs(5);
    while alive() && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !alive(),
        "the browser's child {} is still running",
        pid.trim()
    );
}

#[test]
fn pack_with_pdf_and_no_browser_fails_before_checking_and_writes_nothing() {
    let (tmp, root) = copy_of("portfolio-template");
    let zip = tmp.path().join("pack.zip");
    let out = senco()
        .arg("pack")
        .arg(&root)
        .arg("-o")
        .arg(&zip)
        .args([
            "--pdf",
            "--browser",
            "/nonexistent/msedge",
            "--today",
            "2026-01-15",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[no-browser]"), "{stderr}");
    assert!(!zip.exists());
}

#[test]
fn an_anonymised_pack_refuses_a_pdf_whose_text_strings_hold_the_name() {
    use crate::pack::{TRAINEE, anonymised, portfolio};
    let dir = tempfile::tempdir().expect("tempdir");
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    let mut options = anonymised("5");
    options.allow_attachments = true;
    let mut pack = senco::pack::prepare(&[root], &options).expect("prepared");
    // "Jo Example" as a PDF writes a title beyond ASCII: UTF-16 in hex.
    let utf16: String = TRAINEE.encode_utf16().map(|u| format!("{u:04X}")).collect();
    let pdf = format!("%PDF-1.4\n1 0 obj\n<</Title <FEFF{utf16}>>>\nendobj\n%%EOF\n");
    pack.trainees[0]
        .entries
        .push(senco::pack::Entry::new("portfolio.pdf", pdf));
    let error = senco::pack::assemble(&pack).expect_err("the name is in the PDF");
    assert!(
        error.message.contains("candidate-5/portfolio.pdf"),
        "{error}"
    );
}
