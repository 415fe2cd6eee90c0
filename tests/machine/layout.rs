//! Layout in a real browser: every page kind of the site, the single file and the cohort
//! dashboard reflow at 320, 640 and 1280 CSS px without the page scrolling sideways, each
//! table in its own labelled scroll region; the matrix of a 200-file portfolio keeps its
//! headers in view and outlines one cell on focus; dark and forced colours keep every
//! text visible, and axe finds nothing in the dark scheme either. The Node.js side is
//! `tests/machine/browser/reflow.mjs`.

use crate::harness::{copy_dir, manifest_dir, review_as_tutor, senco_process as senco, show};
use crate::{Missing, machine_test};
use libtest_mimic::Trial;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn tests() -> Vec<Trial> {
    vec![machine_test(
        "layout::every_page_kind_reflows_and_keeps_its_colours",
        every_page_kind_reflows_and_keeps_its_colours,
    )]
}

/// How many evidence files the wide portfolio holds: more than the framework has
/// indicators, so its matrix runs evidence down, as a real portfolio's does.
const NOTES: usize = 200;

/// A starter portfolio with [`NOTES`] more files, a draft, a wide Markdown table, long
/// unbroken words, judgements of every kind, and a link that leads nowhere (so that
/// there is a problems page).
fn wide_portfolio(root: &Path) {
    copy_dir(&manifest_dir().join("portfolio-template"), root);
    let fw = senco::model::framework::Framework::builtin("nasenco-2014").expect("framework");
    let leaves: Vec<String> = fw.leaves().map(|l| fw.node(l).id.clone()).collect();
    for i in 0..NOTES {
        let tags: Vec<&str> = (0..3)
            .map(|k| leaves[(i * 7 + k * 13) % leaves.len()].as_str())
            .collect();
        let draft = if i % 17 == 0 { "draft: true\n" } else { "" };
        fs::write(
            root.join(format!("evidence/note-{i:03}.md")),
            format!(
                "---\ntitle: “Note {i}”: what the review of provision showed\noutcomes: [{}]\n{draft}---\n\nA short note on [[{}]] practice.\n",
                tags.join(", "),
                tags[0]
            ),
        )
        .expect("write a note");
    }
    fs::write(
        root.join("evidence/wide-table.md"),
        format!(
            "---\ntitle: A wide table\noutcomes: [A1.1]\n---\n\n| {} |\n|{}|\n| {} |\n\nSee [[a note that is not there]] and {}.\n",
            (1..=14).map(|c| format!("Column {c}")).collect::<Vec<_>>().join(" | "),
            "---|".repeat(14),
            (1..=14).map(|c| format!("value {c}")).collect::<Vec<_>>().join(" | "),
            "https://example.org/a/very/long/address/that/does/not/break/anywhere/at/all/on/a/phone",
        ),
    )
    .expect("write the table");
    let review = |args: &[&str]| review_as_tutor(root, args);
    let map = "evidence/2024-03-12-reflection-on-a-provision-map.md";
    review(&["--evidence", map, "--judgement", "meets"]);
    review(&[
        "--evidence",
        "evidence/note-001.md",
        "--judgement",
        "partially-meets",
    ]);
    review(&[
        "--evidence",
        "evidence/note-002.md",
        "--judgement",
        "does-not-meet",
    ]);
    review(&["--evidence", "evidence/note-003.md", "--judgement", "ready"]);
    review(&["--evidence", "evidence/note-004.md", "--judgement", "meets"]);
    let stale = root.join("evidence/note-004.md");
    let text = fs::read_to_string(&stale).expect("read");
    fs::write(&stale, format!("{text}\nEdited after it was judged.\n")).expect("edit");
}

fn run(cmd: &mut Command, codes: &[i32]) {
    let out = cmd.env("NO_COLOR", "1").output().expect("run senco");
    assert!(
        out.status.code().is_some_and(|c| codes.contains(&c)),
        "{}",
        show(&out)
    );
}

fn every_page_kind_reflows_and_keeps_its_colours() -> Result<(), Missing> {
    crate::browser::browser_tools()?;
    let tmp = tempfile::tempdir().unwrap();
    let cohort = tmp.path().join("cohort");
    let wide = cohort.join("jo");
    wide_portfolio(&wide);
    let small = tmp.path().join("small");
    copy_dir(&manifest_dir().join("portfolio-template"), &small);

    let site = tmp.path().join("site");
    run(
        senco().arg("build").arg(&wide).arg("-o").arg(&site),
        &[0, 1],
    );
    let small_site = tmp.path().join("small-site");
    run(
        senco().arg("build").arg(&small).arg("-o").arg(&small_site),
        &[0],
    );
    let pack = tmp.path().join("pack.zip");
    run(
        senco()
            .arg("pack")
            .arg(&wide)
            .arg("-o")
            .arg(&pack)
            .arg("--anonymise"),
        &[0, 1],
    );
    let single = tmp.path().join("single/portfolio.html");
    extract(&pack, "/portfolio.html", &single);
    let dashboard = tmp.path().join("dashboard");
    run(
        senco()
            .arg("cohort")
            .arg(&cohort)
            .args(["--format", "html", "-o"])
            .arg(&dashboard),
        &[0, 1],
    );

    let mut pages: Vec<PathBuf> = [
        "index.html",
        "matrix.html",
        "gaps.html",
        "diagnostics.html",
        "outcomes/A.html",
        "outcomes/A1.html",
        "outcomes/A1.1.html",
        "evidence/wide-table.html",
        "evidence/2024-03-12-reflection-on-a-provision-map.html",
    ]
    .iter()
    .map(|p| site.join(p))
    .collect();
    pages.push(small_site.join("matrix.html"));
    pages.push(single.clone());
    for p in ["index.html", "by-coverage.html", "matrix.html"] {
        pages.push(dashboard.join(p));
    }
    for page in &pages {
        assert!(page.is_file(), "{} was not written", page.display());
    }
    let join = |paths: &[PathBuf]| {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    let browser_dir = manifest_dir().join("tests/machine/browser");
    let node = Command::new("node")
        .arg(browser_dir.join("reflow.mjs"))
        .current_dir(&browser_dir)
        .env("REFLOW_PAGES", join(&pages))
        .env("MATRIX_PAGES", join(&[site.join("matrix.html")]))
        .env("CHART_PAGES", join(&[site.join("index.html")]))
        .output()
        .expect("run node (is Node.js installed?)");
    let report = String::from_utf8_lossy(&node.stdout);
    assert!(
        node.status.success(),
        "layout checks failed\n{}",
        show(&node)
    );
    // Per page: three widths, its regions, dark, axe dark; the matrix 2; the chart 2.
    let expected = pages.len() * 6 + 2 + 2 + 1;
    assert!(
        report.contains(&format!("reflow: {expected} passed, 0 failed")),
        "{report}"
    );
    Ok(())
}

/// Writes the member of the zip at `pack` whose name ends with `suffix` to `to`.
fn extract(pack: &Path, suffix: &str, to: &Path) {
    let mut archive = zip::ZipArchive::new(fs::File::open(pack).unwrap()).unwrap();
    let name = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .find(|n| n.ends_with(suffix))
        .unwrap_or_else(|| panic!("no {suffix} in the pack"));
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut archive.by_name(&name).unwrap(), &mut text).unwrap();
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    fs::write(to, text).unwrap();
}
