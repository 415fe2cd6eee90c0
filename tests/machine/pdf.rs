//! `senco pdf` with a real browser: the sample portfolio printed by Chromium is a tagged
//! PDF with bookmarks and numbered pages, holds every indicator and the passages, and is
//! the same bytes every time. Read back with poppler-utils (`pdfinfo`, `pdftotext`).
//!
//! Needs Debian's Chromium and poppler-utils; `.ci/run` installs both.

use crate::harness::{copy_of, senco, show};
use crate::{Missing, machine_test};
use libtest_mimic::Trial;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn tests() -> Vec<Trial> {
    vec![
        machine_test(
            "pdf::sample_portfolio_prints_tagged_bookmarked_numbered_and_complete",
            sample_portfolio_prints_tagged_bookmarked_numbered_and_complete,
        ),
        machine_test(
            "pdf::source_date_epoch_sets_the_dates_inside",
            source_date_epoch_sets_the_dates_inside,
        ),
    ]
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// Chromium and poppler-utils, or what is missing.
fn require_tools() -> Result<(), Missing> {
    if !Path::new(CHROMIUM).exists() {
        return Err(Missing(format!(
            "Chromium not found at {CHROMIUM} (apt-get install chromium)"
        )));
    }
    for tool in ["pdfinfo", "pdftotext"] {
        let runs = Command::new(tool)
            .arg("-v")
            .output()
            .is_ok_and(|o| o.status.success());
        if !runs {
            return Err(Missing(format!(
                "{tool} is not on PATH (apt-get install poppler-utils)"
            )));
        }
    }
    Ok(())
}

/// Runs `senco pdf ROOT -o OUT` with Chromium; returns the PDF's bytes.
fn print(root: &Path, out: &Path, env: &[(&str, &str)]) -> Vec<u8> {
    let mut command = senco();
    command
        .arg("pdf")
        .arg(root)
        .arg("-o")
        .arg(out)
        .args(["--browser", CHROMIUM, "--today", "2026-01-15"])
        .env_remove("SOURCE_DATE_EPOCH");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("senco runs");
    assert_eq!(output.status.code(), Some(0), "{}", show(&output));
    std::fs::read(out).expect("the PDF was written")
}

/// `pdfinfo -isodates FILE` as text.
pub(crate) fn pdfinfo(pdf: &Path) -> String {
    let out = Command::new("pdfinfo")
        .arg("-isodates")
        .arg(pdf)
        .output()
        .expect("pdfinfo runs");
    assert!(out.status.success(), "pdfinfo: {}", show(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of a PDF, as `pdftotext` extracts it, with runs of white space made one space.
pub(crate) fn pdftotext(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(out.status.success(), "pdftotext: {}", show(&out));
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The value of `field:` in pdfinfo's output.
pub(crate) fn info_field<'a>(info: &'a str, field: &str) -> &'a str {
    info.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {field} in pdfinfo's output:\n{info}"))
}

/// Every indicator id of the portfolio's framework, from `senco check --format json`.
fn indicator_ids(root: &Path) -> Vec<String> {
    let out = senco()
        .arg("check")
        .arg(root)
        .args(["--format", "json", "--today", "2026-01-15"])
        .output()
        .expect("check runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    json["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|i| i["kind"] == "indicator")
        .map(|i| i["id"].as_str().expect("an id").to_string())
        .collect()
}

fn sample_portfolio_prints_tagged_bookmarked_numbered_and_complete() -> Result<(), Missing> {
    require_tools()?;
    let (tmp, root) = copy_of("portfolio-template");
    let first: PathBuf = tmp.path().join("first.pdf");
    let second: PathBuf = tmp.path().join("second.pdf");
    let started = std::time::Instant::now();
    let bytes = print(&root, &first, &[]);
    eprintln!(
        "pdf: the sample portfolio printed in {:?}, {} bytes",
        started.elapsed(),
        bytes.len()
    );
    assert!(
        bytes == print(&root, &second, &[]),
        "two runs give the same bytes"
    );

    let info = pdfinfo(&first);
    let pages: usize = info_field(&info, "Pages").parse().expect("a page count");
    assert!(pages > 1, "{info}");
    assert_eq!(info_field(&info, "Tagged"), "yes", "{info}");
    assert!(info_field(&info, "Page size").contains("(A4)"), "{info}");
    // The sample's latest evidence is dated 2024-05-20.
    assert_eq!(
        info_field(&info, "CreationDate"),
        "2024-05-20T00:00:00Z",
        "{info}"
    );
    assert_eq!(
        info_field(&info, "ModDate"),
        "2024-05-20T00:00:00Z",
        "{info}"
    );

    let raw = String::from_utf8_lossy(&bytes);
    assert!(raw.contains("/StructTreeRoot"), "tagged: a structure tree");
    let outline = raw
        .split("/Type /Outlines")
        .nth(1)
        .expect("an outline dictionary");
    let count: usize = outline
        .split("/Count ")
        .nth(1)
        .and_then(|c| c.split(|ch: char| !ch.is_ascii_digit()).next())
        .and_then(|c| c.parse().ok())
        .expect("the outline's /Count");
    assert!(count >= 4, "bookmarks: {count}");
    for heading in ["Outcomes", "Evidence", "Analysis"] {
        assert!(
            raw.contains(&format!("/Title ({heading})")),
            "a bookmark {heading}"
        );
    }

    let text = pdftotext(&first);
    let ids = indicator_ids(&root);
    assert_eq!(ids.len(), 49, "the NASENCO indicators");
    for id in &ids {
        assert!(
            text.contains(&format!("{id} ")),
            "indicator {id} is in the PDF"
        );
    }
    for passage in [
        "Our map only described the plan and do stages.",
        "Reflection on rewriting the provision map, line 21",
        "Meeting with the educational psychologist",
    ] {
        assert!(text.contains(passage), "`{passage}` is in the PDF:\n{text}");
    }
    assert!(
        text.contains(&format!("Page 1 of {pages}")),
        "footer: {text}"
    );
    assert!(
        text.contains(&format!("Page {pages} of {pages}")),
        "footer: {text}"
    );
    Ok(())
}

fn source_date_epoch_sets_the_dates_inside() -> Result<(), Missing> {
    require_tools()?;
    let (tmp, root) = copy_of("portfolio-template");
    let pdf = tmp.path().join("portfolio.pdf");
    // 2023-11-14T22:13:20Z
    print(&root, &pdf, &[("SOURCE_DATE_EPOCH", "1700000000")]);
    let info = pdfinfo(&pdf);
    assert_eq!(
        info_field(&info, "CreationDate"),
        "2023-11-14T22:13:20Z",
        "{info}"
    );
    assert_eq!(
        info_field(&info, "ModDate"),
        "2023-11-14T22:13:20Z",
        "{info}"
    );
    Ok(())
}
