//! `senco pdf` with a real browser: the sample portfolio printed by Chromium is a tagged
//! PDF with bookmarks and numbered pages, holds every indicator and the passages, and is
//! the same bytes every time. Read back with poppler-utils (`pdfinfo`, `pdftotext`).
//!
//! Needs Debian's Chromium and poppler-utils; `.ci/run` installs both.

use crate::harness::{copy_of, manifest_dir, senco, show};
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
        machine_test(
            "pdf::printing_makes_no_request_even_when_the_theme_asks_for_one",
            printing_makes_no_request_even_when_the_theme_asks_for_one,
        ),
        machine_test(
            "pdf::pack_adds_the_pdf_to_its_manifest_and_an_anonymised_one_holds_no_name",
            pack_adds_the_pdf_to_its_manifest_and_an_anonymised_one_holds_no_name,
        ),
    ]
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// An assessor's comment, with typographic quotes and a dash.
const JUDGEMENT: &str = "A clear account of the “graduated approach” — well evidenced.";

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
    let judged = senco()
        .arg("review")
        .arg(&root)
        .args([
            "--evidence",
            "evidence/2024-03-12-reflection-on-a-provision-map.md",
            "--judgement",
            "meets",
            "--assessor",
            "Dr Rowan Tutor",
            "--date",
            "2024-06-01",
            "--comment",
            JUDGEMENT,
        ])
        .output()
        .expect("review runs");
    assert!(judged.status.success(), "{}", show(&judged));
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
    // The latest date in the portfolio is the judgement's.
    assert_eq!(
        info_field(&info, "CreationDate"),
        "2024-06-01T00:00:00Z",
        "{info}"
    );
    assert_eq!(
        info_field(&info, "ModDate"),
        "2024-06-01T00:00:00Z",
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
    for heading in [
        "Coverage",
        "Coverage matrix",
        "Outcomes",
        "Evidence",
        "Analysis",
    ] {
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
        // The coverage summary, the matrix's printed slice, the judgement and its state.
        "Indicators covered and assessed, by part and outcome",
        "columns 1 to 2 of 2",
        "By Dr Rowan Tutor on 2024-06-01.",
        JUDGEMENT,
        "A1.3 The Local Offer; ✓ covered (1) ★ judged: meets",
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

/// A trainee whose name is not ASCII (the PDF writes such text as UTF-16).
const TRAINEE: &str = "Siân Prys-Jones";

fn pack_adds_the_pdf_to_its_manifest_and_an_anonymised_one_holds_no_name() -> Result<(), Missing> {
    require_tools()?;
    let (tmp, root) = copy_of("portfolio-template");
    let config = root.join("portfolio.toml");
    let toml = std::fs::read_to_string(&config).expect("portfolio.toml");
    std::fs::write(
        &config,
        toml.replace("Jo Example", TRAINEE).replace(
            "SEN Co-ordination: portfolio",
            &format!("portfolio of {TRAINEE}"),
        ),
    )
    .expect("write portfolio.toml");
    let evidence = root.join("evidence/2024-03-12-reflection-on-a-provision-map.md");
    let text = std::fs::read_to_string(&evidence).expect("evidence");
    std::fs::write(
        &evidence,
        text.replace(
            "This term I rewrote",
            &format!("This term I, {TRAINEE}, rewrote"),
        ),
    )
    .expect("write evidence");

    for anonymise in [false, true] {
        let zip = tmp.path().join(format!("pack-{anonymise}.zip"));
        let mut command = senco();
        command.arg("pack").arg(&root).arg("-o").arg(&zip).args([
            "--pdf",
            "--browser",
            CHROMIUM,
            "--today",
            "2026-01-15",
        ]);
        if anonymise {
            command.args(["--anonymise", "--candidate", "0042"]);
        }
        let out = command.output().expect("pack runs");
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        let folder = if anonymise {
            "candidate-0042"
        } else {
            "siân-prys-jones"
        };
        let name = format!("{folder}/portfolio.pdf");
        let bytes = std::fs::read(&zip).expect("the pack");
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut pdf = Vec::new();
        std::io::Read::read_to_end(
            &mut archive
                .by_name(&name)
                .unwrap_or_else(|_| panic!("{name} is in the pack")),
            &mut pdf,
        )
        .expect("read the PDF");
        let mut manifest = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("manifest.json").expect("a manifest"),
            &mut manifest,
        )
        .expect("read the manifest");
        assert!(manifest.contains(&format!("\"{name}\"")), "{manifest}");
        let mut cover = String::new();
        std::io::Read::read_to_string(
            &mut archive
                .by_name(&format!("{folder}/cover.html"))
                .expect("a cover sheet"),
            &mut cover,
        )
        .expect("read the cover sheet");
        assert!(
            cover.contains("href=\"portfolio.pdf\""),
            "the cover links to the PDF"
        );
        let verified = senco()
            .arg("verify")
            .arg(&zip)
            .output()
            .expect("verify runs");
        assert_eq!(verified.status.code(), Some(0), "{}", show(&verified));

        let file = tmp.path().join(format!("{anonymise}.pdf"));
        std::fs::write(&file, &pdf).expect("write the PDF");
        let text = pdftotext(&file);
        assert!(
            text.contains("Our map only described the plan and do stages."),
            "{text}"
        );
        let info = pdfinfo(&file);
        assert_eq!(info_field(&info, "Tagged"), "yes", "{info}");
        if anonymise {
            for part in ["Siân", "Prys", "Jones"] {
                assert!(
                    !text.contains(part),
                    "`{part}` is in the anonymised PDF:\n{text}"
                );
                assert!(!info.contains(part), "`{part}` is in its metadata:\n{info}");
            }
            assert!(
                text.contains("This term I, Candidate 0042, rewrote"),
                "{text}"
            );
        } else {
            assert!(
                text.contains(&format!("This term I, {TRAINEE}, rewrote")),
                "{text}"
            );
            assert!(
                info.contains(TRAINEE),
                "the title names the trainee:\n{info}"
            );
        }
    }
    Ok(())
}

fn printing_makes_no_request_even_when_the_theme_asks_for_one() -> Result<(), Missing> {
    require_tools()?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
    listener.set_nonblocking(true).expect("non-blocking");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    let (tmp, root) = copy_of("portfolio-template");
    // The trainee's own theme (which `senco pdf` uses) asks for remote things every way
    // a page can: an image, a stylesheet, a frame, a CSS import, a prefetch and a
    // preconnect. Chromium preconnects to what a page mentions even when the policy
    // forbids loading it: a connection with no request in it would still be caught.
    let theme = manifest_dir().join("portfolio-template/theme");
    let single = std::fs::read_to_string(theme.join("single.html")).expect("single.html");
    let asks = format!(
        "<link rel=\"stylesheet\" href=\"{url}/sheet.css\"><link rel=\"prefetch\" href=\"{url}/next\"><link rel=\"preconnect\" href=\"{url}\"></head>"
    );
    let body = format!(
        "<body><img src=\"{url}/pixel.png\" alt=\"\"><iframe src=\"{url}/frame\" title=\"x\"></iframe>"
    );
    std::fs::create_dir_all(root.join("theme")).expect("theme folder");
    std::fs::write(
        root.join("theme/single.html"),
        single
            .replacen("</head>", &asks, 1)
            .replacen("<body>", &body, 1),
    )
    .expect("write single.html");
    let css = std::fs::read_to_string(theme.join("senco.css")).expect("senco.css");
    std::fs::write(
        root.join("theme/senco.css"),
        format!("@import url(\"{url}/import.css\");\nbody {{ background: url(\"{url}/bg.png\"); }}\n{css}"),
    )
    .expect("write senco.css");
    let pdf = tmp.path().join("portfolio.pdf");
    print(&root, &pdf, &[]);
    assert_eq!(info_field(&pdfinfo(&pdf), "Tagged"), "yes");
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((mut stream, from)) => {
            stream.set_nonblocking(false).expect("blocking");
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(2)))
                .expect("a timeout");
            let mut request = [0u8; 200];
            let n = std::io::Read::read(&mut stream, &mut request).unwrap_or(0);
            panic!(
                "the page made a request (a connection from {from}): {}",
                String::from_utf8_lossy(&request[..n])
            )
        }
        Err(e) => panic!("accept: {e}"),
    }
    Ok(())
}
