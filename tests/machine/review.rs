//! Reviewing in a real browser: `senco serve --review` driven by Chromium through its
//! plain HTML form, under the page's own policy. The Node.js side is
//! `tests/machine/browser/review.mjs`.

use crate::harness::{copy_dir, manifest_dir, senco_process, show};
use crate::{Missing, machine_test};
use libtest_mimic::Trial;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

pub fn tests() -> Vec<Trial> {
    vec![machine_test(
        "review::judge_see_it_edit_see_it_stale_and_confirm_in_the_browser",
        judge_see_it_edit_see_it_stale_and_confirm_in_the_browser,
    )]
}

/// Kills the server when the test ends, passed or not.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn judge_see_it_edit_see_it_stale_and_confirm_in_the_browser() -> Result<(), Missing> {
    crate::browser::browser_tools()?;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("portfolio");
    copy_dir(&manifest_dir().join("portfolio-template"), &root);
    let evidence = "evidence/2024-03-12-reflection-on-a-provision-map";
    let mut server = Killed(
        senco_process()
            .arg("serve")
            .arg(&root)
            .args(["--port", "0", "--review", "--assessor", "Dr A Tutor"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run senco serve"),
    );
    let stdout = server.0.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the URL line");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://127.0.0.1:"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_string();
    let browser_dir = manifest_dir().join("tests/machine/browser");
    let node = Command::new("node")
        .arg(browser_dir.join("review.mjs"))
        .current_dir(&browser_dir)
        .env("REVIEW_URL", &url)
        .env("EVIDENCE_PAGE", format!("{evidence}.html"))
        .env("EVIDENCE_FILE", root.join(format!("{evidence}.md")))
        .output()
        .expect("run node");
    let report = String::from_utf8_lossy(&node.stdout);
    assert!(
        node.status.success(),
        "review checks failed\n{}",
        show(&node)
    );
    assert!(report.contains("review: 5 passed, 0 failed"), "{report}");
    drop(server);
    // Two judgement files, both written by the form; the evidence edited only by the test.
    let written = std::fs::read_dir(root.join("feedback")).unwrap().count();
    assert_eq!(written, 2);
    Ok(())
}
