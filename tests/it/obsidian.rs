//! Obsidian vaults, end to end: a fictional vault in the shape trainees keep one,
//! checked and built by the binary, its pages read with a real HTML parser.

use crate::harness::{copy_of, senco_process, show};
use scraper::{Html, Selector};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

const VAULT: &str = "tests/it/obsidian/vault";
const REFLECTION: &str = "evidence/Reflections/Week 1 reflection.html";

/// Runs `senco ARGS`, killing it if it has not finished within `limit`.
fn run_within(args: &[&std::ffi::OsStr], limit: Duration) -> Output {
    let mut child = senco_process()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("`senco {args:?}` did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn build(root: &Path, out: &Path) -> Output {
    run_within(
        &[
            "build".as_ref(),
            root.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
        ],
        Duration::from_secs(60),
    )
}

fn page(out: &Path, rel: &str) -> Html {
    let text = std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    Html::parse_document(&text)
}

fn select<'a>(html: &'a Html, css: &str) -> Vec<scraper::ElementRef<'a>> {
    html.select(&Selector::parse(css).unwrap()).collect()
}

#[test]
fn headings_named_like_senco_s_anchors_build_with_unique_ids() {
    let (tmp, root) = copy_of(VAULT);
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    assert!(out.join(REFLECTION).is_file(), "{}", show(&output));
    let html = page(&out, REFLECTION);
    let ids: Vec<String> = select(&html, "[id]")
        .iter()
        .map(|e| e.value().attr("id").unwrap().to_string())
        .collect();
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate ids: {ids:?}");
    let heading_ids: Vec<&str> = select(&html, "main h3")
        .iter()
        .filter_map(|h| h.value().attr("id"))
        .collect();
    for id in ["h-tag-format", "h-tag", "h-tag-1", "1", "next-steps"] {
        assert!(heading_ids.contains(&id), "{id} not in {heading_ids:?}");
    }
    // The footnote and the heading `## 1` do not share an id, and the reference still
    // reaches the footnote.
    let reference = select(&html, "sup.footnote-reference a");
    let href = reference[0].value().attr("href").unwrap();
    assert_eq!(href, "#fn-1");
    assert_eq!(select(&html, "[id=\"fn-1\"]").len(), 1);
}

#[test]
fn a_killed_build_leaves_no_staging_folder_once_the_next_one_ends() {
    let (tmp, root) = copy_of(VAULT);
    let out = tmp.path().join("site");
    let mut child = senco_process()
        .arg("build")
        .arg(&root)
        .arg("-o")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(30));
    let _ = child.kill();
    child.wait().unwrap();
    let output = build(&root, &out);
    assert!(output.status.code().is_some(), "{}", show(&output));
    let hidden: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "left behind: {hidden:?}");
}
