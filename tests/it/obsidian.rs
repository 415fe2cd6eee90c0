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

/// The `[id]`s of a built page.
fn ids(html: &Html) -> BTreeSet<String> {
    select(html, "[id]")
        .iter()
        .filter_map(|e| e.value().attr("id"))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_vault_is_shown_as_obsidian_shows_it() {
    let (tmp, root) = copy_of(VAULT);
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    assert!(out.join(REFLECTION).is_file(), "{}", show(&output));
    let text = std::fs::read_to_string(out.join(REFLECTION)).unwrap();
    let html = Html::parse_document(&text);
    // Callouts are asides named by type and title; a folded one is a closed <details>.
    let aside = select(&html, "main aside.callout-note");
    assert_eq!(
        aside[0].value().attr("aria-label"),
        Some("Note: What the plan covers")
    );
    let folded = select(&html, "main details.callout-tip");
    assert_eq!(folded[0].value().attr("open"), None);
    assert!(
        select(&html, "main details.callout-tip summary")[0]
            .text()
            .collect::<String>()
            .contains("Folded: next time")
    );
    assert!(
        !text.contains("[!note]") && !text.contains("[!tip]"),
        "{text}"
    );
    // Comments reach no reader.
    assert!(!text.contains("family liaison"), "{text}");
    let marks: Vec<String> = select(&html, "main mark")
        .iter()
        .map(|m| m.text().collect())
        .collect();
    assert_eq!(marks, ["before half term"]);
    let tags: Vec<String> = select(&html, "main .note-tag")
        .iter()
        .map(|m| m.text().collect())
        .collect();
    assert_eq!(tags, ["#reading", "#transition/year-7"]);
    // Attachments are found in the attachment folder, at the size written.
    let images: Vec<(String, Option<&str>, Option<&str>)> = select(&html, "main img")
        .iter()
        .map(|i| {
            let v = i.value();
            (
                v.attr("src").unwrap().to_string(),
                v.attr("width"),
                v.attr("height"),
            )
        })
        .collect();
    assert_eq!(
        images,
        [
            (
                "../../files/Attachments/seating-plan.png".to_string(),
                Some("120"),
                None
            ),
            (
                "../../files/Attachments/visual-timetable.png".to_string(),
                Some("200"),
                Some("100")
            ),
        ]
    );
    assert!(out.join("files/Attachments/seating-plan.png").is_file());
    // Single line breaks show, as `.obsidian/app.json` says.
    assert!(text.contains("where I wrote it,<br>"), "{text}");
    // Every link to a heading or block lands on an id that exists on its page.
    let hrefs: Vec<String> = select(&html, "main a[href]")
        .iter()
        .map(|a| a.value().attr("href").unwrap().to_string())
        .collect();
    let meeting = "../../evidence/Meetings/Meeting%20notes.html";
    for want in [
        format!("{meeting}#actions"),
        meeting.to_string(),
        format!("{meeting}#^agreed"),
        "../../evidence/Glossary/KS2.html".to_string(),
        "mailto:office@example.org".to_string(),
    ] {
        assert!(hrefs.contains(&want), "{want} not in {hrefs:?}");
    }
    let meeting_ids = ids(&page(&out, "evidence/Meetings/Meeting notes.html"));
    for id in ["actions", "^agreed"] {
        assert!(meeting_ids.contains(id), "{id} not in {meeting_ids:?}");
    }
    assert!(ids(&html).contains("next-steps"));
    // `\|` in a table cell is no part of the name, and the table keeps its two columns.
    let cells: Vec<String> = select(&html, "main td")
        .iter()
        .map(|c| c.text().collect())
        .collect();
    assert_eq!(
        cells[..2],
        ["Key stage".to_string(), "Key stage 2".to_string()]
    );
    // Code and escapes are never read as Obsidian syntax.
    assert_eq!(cells[3], "[[A1.2]] and %% stays %%");
    assert!(text.contains("stay as written: [[A1.3]]."), "{text}");
    // Mermaid is its source, labelled; a section embed is that section, in place.
    let diagram = select(&html, "main figure.diagram");
    assert_eq!(
        diagram[0].value().attr("aria-label"),
        Some("Mermaid diagram source")
    );
    let embed: String = select(&html, "main .embed")[0].text().collect();
    assert!(embed.contains("Review seating after two weeks."), "{embed}");
    assert!(!embed.contains("Nothing else was agreed"), "{embed}");
}

#[test]
fn check_reports_every_link_problem_the_build_shows() {
    let (tmp, root) = copy_of(VAULT);
    crate::harness::write(
        &root,
        "Reflections/Week 2 reflection.md",
        "# Week 2 reflection\n\n\
         Links that lead nowhere: [[Nobody’s note]], [[Meeting notes#Action]], \
         ![[missing-plan.png]] and [[KS3]]; a note named like an id is a link: [[KS2]].\n\n\
         An unfinished tag [[C1.1 and ==a highlight==.\n",
    );
    let (code, json) = crate::harness::check_json(&root);
    assert_eq!(
        code, 1,
        "[[KS3]] names no note and has an id's shape: an error"
    );
    let codes: Vec<(String, u64)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] == "Reflections/Week 2 reflection.md")
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        [
            ("broken-link".to_string(), 26),
            ("broken-anchor".to_string(), 45),
            ("broken-link".to_string(), 71),
            ("unknown-outcome".to_string(), 97),
            ("unclosed-link".to_string(), 19),
        ],
        "{json:#}"
    );
    let anchor = crate::harness::diagnostics(&json, "broken-anchor");
    assert!(
        anchor[0]["help"]
            .as_str()
            .unwrap()
            .contains("did you mean `#Actions`?"),
        "{anchor:?}"
    );
    let all = json["diagnostics"].as_array().unwrap().len();
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    assert!(out.join("diagnostics.html").is_file(), "{}", show(&output));
    let problems = page(&out, "diagnostics.html");
    assert_eq!(select(&problems, "[class^=severity-]").len(), all);
    let overview = std::fs::read_to_string(out.join("index.html")).unwrap();
    // One error (`[[KS3]]`) and five warnings: this note's four and the scaffold's.
    assert_eq!(all, 6, "{json:#}");
    assert!(overview.contains("1 error, 5 warnings"), "{overview}");
}

#[test]
fn a_note_of_scaffold_headings_counts_for_nothing() {
    let (_tmp, root) = copy_of(VAULT);
    let (_, json) = crate::harness::check_json(&root);
    let draft = crate::harness::evidence(&json, "Drafts/2024-10-01-untitled.md");
    assert_eq!(draft["words"], 0);
    assert_eq!(draft["outcomes"], serde_json::json!([]));
    assert_eq!(crate::harness::item(&json, "B5.1")["covered"], false);
    let empty = crate::harness::diagnostics(&json, "empty-evidence");
    assert_eq!(empty[0]["file"], "Drafts/2024-10-01-untitled.md");
}

#[test]
fn comments_are_never_counted_or_shown_but_are_still_scanned_for_privacy() {
    let (tmp, root) = copy_of(VAULT);
    let rel = "Reflections/Week 1 reflection.md";
    let (_, before) = crate::harness::check_json(&root);
    let words = crate::harness::evidence(&before, rel)["words"].clone();
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace(
        "on Tuesday. %%",
        "on Tuesday, 07700 900123, and say “thank you” to Zoë. %%",
    );
    std::fs::write(&path, text).unwrap();
    let (_, after) = crate::harness::check_json(&root);
    assert_eq!(crate::harness::evidence(&after, rel)["words"], words);
    let phones = crate::harness::diagnostics(&after, "phone-number");
    assert_eq!(phones.len(), 1, "{after:#}");
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    let html = std::fs::read_to_string(out.join(REFLECTION))
        .unwrap_or_else(|e| panic!("{e}\n{}", show(&output)));
    assert!(!html.contains("900123") && !html.contains("Zoë"), "{html}");
}

#[test]
fn a_site_built_inside_the_vault_changes_nothing_the_check_finds() {
    let (_tmp, root) = copy_of(VAULT);
    let before = crate::harness::check_json(&root);
    // The build copies the vault's images into the site: were the site read as part of
    // the vault, `![[seating-plan.png]]` would have two candidates, and its pages more.
    let out = root.join("site");
    let output = build(&root, &out);
    assert!(out.join("index.html").is_file(), "{}", show(&output));
    let copies = walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "seating-plan.png")
        .count();
    assert!(copies > 0, "the site holds a copy of the image");
    assert_eq!(crate::harness::check_json(&root), before);
    let rebuilt = build(&root, &out);
    assert!(rebuilt.status.success(), "{}", show(&rebuilt));
}

#[test]
fn links_to_headings_read_as_obsidian_shows_them() {
    let (tmp, root) = copy_of(VAULT);
    crate::harness::write(
        &root,
        "Reflections/Week 3 reflection.md",
        "# Week 3 reflection\n\n## What I’ll try\n\nSee [[Meeting notes#Actions]], \
         [[meeting notes#Later|what comes later]], [[#What I’ll try]] and \
         `[[Meeting notes#Actions]]` in code.\n",
    );
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    let rel = "evidence/Reflections/Week 3 reflection.html";
    assert!(out.join(rel).is_file(), "{}", show(&output));
    let html = page(&out, rel);
    let links: Vec<(String, String)> = select(&html, "main a[href]")
        .iter()
        .map(|a| {
            (
                a.text().collect::<String>(),
                a.value().attr("href").unwrap_or_default().to_string(),
            )
        })
        .filter(|(text, _)| {
            text.contains("Meeting") || text.contains("later") || text.contains("try")
        })
        .collect();
    assert_eq!(
        links,
        [
            (
                "Meeting notes > Actions".to_string(),
                "../../evidence/Meetings/Meeting%20notes.html#actions".to_string()
            ),
            (
                "what comes later".to_string(),
                "../../evidence/Meetings/Meeting%20notes.html#later".to_string()
            ),
            (
                "What I’ll try".to_string(),
                "../../evidence/Reflections/Week%203%20reflection.html#what-i-ll-try".to_string()
            ),
        ],
    );
    let code: Vec<String> = select(&html, "main code")
        .iter()
        .map(|c| c.text().collect())
        .collect();
    assert!(
        code.contains(&"[[Meeting notes#Actions]]".to_string()),
        "{code:?}"
    );
}

#[test]
fn math_is_mathml_and_tex_it_cannot_read_stays_as_written() {
    let (tmp, root) = copy_of(VAULT);
    crate::harness::write(
        &root,
        "Reflections/Week 4 reflection.md",
        "# Week 4 reflection\n\nReading ages rose by $\\frac{3}{4}$ of a year, and \
         $\\unknown{<img src=x onerror=alert(1)>}$ stays as typed; `$x$` in code too.\n",
    );
    let out = tmp.path().join("site");
    let output = build(&root, &out);
    assert!(out.join(REFLECTION).is_file(), "{}", show(&output));
    let week1 = page(&out, REFLECTION);
    let maths: Vec<_> = select(&week1, "main math");
    assert_eq!(maths.len(), 2, "inline and display maths");
    assert!(!select(&week1, "main math msup").is_empty());
    assert_eq!(maths[1].value().attr("display"), Some("block"));
    let week4 = page(&out, "evidence/Reflections/Week 4 reflection.html");
    assert_eq!(select(&week4, "main math mfrac").len(), 1);
    let sources: Vec<String> = select(&week4, "main .evidence-body code")
        .iter()
        .map(|c| c.text().collect())
        .collect();
    assert_eq!(
        sources,
        ["\\unknown{<img src=x onerror=alert(1)>}", "$x$"],
        "the unreadable TeX and the code span, as written"
    );
    assert!(select(&week4, "main img").is_empty());
}

#[test]
fn the_packs_single_file_shows_the_vault_as_the_site_does() {
    let (tmp, root) = copy_of(VAULT);
    let zip_path = tmp.path().join("pack.zip");
    let out = crate::harness::senco()
        .arg("pack")
        .arg(&root)
        .arg("-o")
        .arg(&zip_path)
        .output()
        .unwrap();
    assert!(zip_path.is_file(), "{}", show(&out));
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let name = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.to_string()))
        .find(|n| n.ends_with("/portfolio.html") || n == "portfolio.html")
        .expect("a single file");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut archive.by_name(&name).unwrap(), &mut text).unwrap();
    let html = Html::parse_document(&text);
    assert_eq!(select(&html, "aside.callout-note").len(), 1);
    assert!(select(&html, "details.callout-tip").len() == 1);
    assert!(!text.contains("[!note]") && !text.contains("family liaison"));
    assert!(
        select(&html, "mark")
            .iter()
            .any(|m| m.text().collect::<String>() == "before half term")
    );
    assert!(!select(&html, "math msup").is_empty(), "maths as MathML");
    // Images are inside the file; every link within it lands on an id it has.
    let images = select(&html, "img");
    assert!(!images.is_empty());
    for img in images {
        let src = img.value().attr("src").unwrap_or_default();
        assert!(src.starts_with("data:image/"), "{src}");
    }
    let ids = ids(&html);
    let fragments: Vec<&str> = select(&html, "a[href^='#']")
        .iter()
        .filter_map(|a| a.value().attr("href"))
        .map(|h| &h[1..])
        .collect();
    assert!(fragments.len() > 5, "{fragments:?}");
    for fragment in fragments {
        assert!(ids.contains(fragment), "#{fragment} is on no element");
    }
}
