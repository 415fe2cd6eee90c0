//! `senco build`, end to end: runs the binary on fixture portfolios and reads the built
//! pages with a real HTML parser. Expected values come from the library's own check of
//! the same portfolio (coverage, word counts, framework wording), not from copies.

use crate::harness::{URL_ATTRS, copy_of, files, manifest_dir, senco, show};
use scraper::{ElementRef, Html, Selector};
use senco::render::site::percent_decode;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

const FIXTURE: &str = "tests/fixtures/build-portfolio";
const XSS_FIXTURE: &str = "tests/fixtures/xss-portfolio";
const TRANSITION: &str = "evidence/2024-09-10-transition.html";
const FOLLOW_UP: &str = "evidence/2024-10-01-follow-up.html";
const FEATURES: &str = "evidence/markdown-features.html";

// ---------------------------------------------------------------- helpers

/// A portfolio copied to a temporary folder and built into `<tmp>/site`.
struct Built {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    out: PathBuf,
    output: Output,
}

impl Built {
    fn page(&self, rel: &str) -> Html {
        page(&self.out, rel)
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    fn check(&self) -> senco::Check {
        senco::check(&self.root, &Default::default()).unwrap()
    }
}

fn build_copy(source: &str) -> Built {
    let (tmp, root) = copy_of(source);
    build_root(tmp, root)
}

fn build_root(tmp: tempfile::TempDir, root: PathBuf) -> Built {
    let out = tmp.path().join("site");
    let output = run_build(&root, &out, &[]);
    Built {
        _tmp: tmp,
        root,
        out,
        output,
    }
}

fn run_build(root: &Path, out: &Path, extra: &[&str]) -> Output {
    senco()
        .arg("build")
        .arg(root)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(output.status.code(), Some(code), "{}", show(output));
}

#[track_caller]
fn assert_stderr_has(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(what), "`{what}` not in:\n{}", show(output));
}

/// Whether `stderr` holds a diagnostic `severity[code]` whose text has all of `parts`.
fn reported(stderr: &str, code: &str, parts: &[&str]) -> bool {
    let mut diagnostics: Vec<String> = Vec::new();
    for line in stderr.lines() {
        let starts = ["error[", "warning[", "hint["]
            .iter()
            .any(|s| line.starts_with(s));
        match diagnostics.last_mut() {
            Some(d) if !starts => {
                d.push('\n');
                d.push_str(line);
            }
            _ => diagnostics.push(line.to_string()),
        }
    }
    diagnostics
        .iter()
        .any(|d| d.contains(&format!("[{code}]:")) && parts.iter().all(|p| d.contains(p)))
}

/// A new portfolio in a temporary folder: `portfolio.toml` and an empty `evidence/`.
fn new_portfolio(config: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("portfolio");
    fs::create_dir_all(root.join("evidence")).unwrap();
    fs::write(root.join("portfolio.toml"), config).unwrap();
    (tmp, root)
}

#[track_caller]
fn assert_unique_ids(rel: &str, doc: &Html) {
    let ids = ids(doc);
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "{rel}: duplicate ids in {ids:?}");
}

fn built_ok(source: &str) -> Built {
    let built = build_copy(source);
    assert_exit(&built.output, 0);
    built
}

pub(crate) fn page(out: &Path, rel: &str) -> Html {
    let text = fs::read_to_string(out.join(rel))
        .unwrap_or_else(|e| panic!("cannot read built page {rel}: {e}"));
    Html::parse_document(&text)
}

fn sel(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("bad selector {css}: {e:?}"))
}

pub(crate) fn all<'a>(doc: &'a Html, css: &str) -> Vec<ElementRef<'a>> {
    doc.select(&sel(css)).collect()
}

fn one<'a>(doc: &'a Html, css: &str) -> ElementRef<'a> {
    let found = all(doc, css);
    assert_eq!(
        found.len(),
        1,
        "expected exactly one `{css}`, found {}",
        found.len()
    );
    found[0]
}

pub(crate) fn text(e: ElementRef<'_>) -> String {
    e.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn texts(doc: &Html, css: &str) -> Vec<String> {
    all(doc, css).into_iter().map(text).collect()
}

fn hrefs(doc: &Html, css: &str) -> Vec<String> {
    all(doc, css)
        .into_iter()
        .filter_map(|e| e.value().attr("href").map(str::to_string))
        .collect()
}

fn html_pages(out: &Path) -> Vec<String> {
    files(out)
        .into_keys()
        .filter(|rel| rel.ends_with(".html"))
        .collect()
}

/// The `<dd>` after the `<dt>` whose text is `term`.
fn fact(doc: &Html, term: &str) -> String {
    let dts = all(doc, "dl.facts > dt");
    let dt = dts
        .iter()
        .find(|dt| text(**dt) == term)
        .unwrap_or_else(|| panic!("no `{term}` in the facts list"));
    let dd = dt
        .next_siblings()
        .filter_map(ElementRef::wrap)
        .find(|e| e.value().name() == "dd")
        .unwrap();
    text(dd)
}

fn node_index(check: &senco::Check, id: &str) -> usize {
    check
        .framework
        .nodes
        .iter()
        .position(|n| n.id == id)
        .unwrap_or_else(|| panic!("no node {id}"))
}

fn evidence_index(check: &senco::Check, path: &str) -> usize {
    check
        .evidence
        .iter()
        .position(|e| e.path == path)
        .unwrap_or_else(|| panic!("no evidence {path}"))
}

/// Resolves a relative URL written on page `from` to a path from the site root.
fn resolve(from: &str, url: &str) -> Option<String> {
    let mut parts: Vec<String> = from.split('/').map(str::to_string).collect();
    parts.pop();
    for segment in percent_decode(url).split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s.to_string()),
        }
    }
    Some(parts.join("/"))
}

fn ids(doc: &Html) -> Vec<String> {
    all(doc, "[id]")
        .into_iter()
        .map(|e| e.value().attr("id").unwrap_or_default().to_string())
        .collect()
}

/// Every relative link and image on every page leads to a file in the site, and every
/// fragment to an element with that id.
fn assert_links_resolve(out: &Path) {
    let pages = html_pages(out);
    let docs: BTreeMap<&str, Html> = pages.iter().map(|p| (p.as_str(), page(out, p))).collect();
    for (from, doc) in &docs {
        for e in all(doc, "[href], [src]") {
            let url = e.value().attr("href").or(e.value().attr("src")).unwrap();
            if url.starts_with("http://")
                || url.starts_with("https://")
                || url.starts_with("mailto:")
            {
                continue;
            }
            let (path, fragment) = match url.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (url, None),
            };
            let target = if path.is_empty() {
                from.to_string()
            } else {
                resolve(from, path)
                    .unwrap_or_else(|| panic!("{from}: `{url}` climbs out of the site"))
            };
            assert!(
                out.join(&target).is_file(),
                "{from}: `{url}` points at {target}, which was not built"
            );
            if let Some(fragment) = fragment {
                let target_doc = docs
                    .get(target.as_str())
                    .unwrap_or_else(|| panic!("{from}: fragment link `{url}` into a non-page"));
                assert!(
                    ids(target_doc)
                        .iter()
                        .any(|id| *id == percent_decode(fragment)),
                    "{from}: `{url}` names no element in {target}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- every page

#[test]
fn every_page_is_accessible_in_structure() {
    let built = built_ok(FIXTURE);
    let pages = html_pages(&built.out);
    assert!(pages.len() > 60, "{pages:?}");
    for rel in &pages {
        let doc = built.page(rel);
        let html = one(&doc, "html");
        assert_eq!(html.value().attr("lang"), Some("en-GB"), "{rel}");
        assert!(!text(one(&doc, "head > title")).is_empty(), "{rel}");
        assert_eq!(all(&doc, "h1").len(), 1, "{rel}: one h1");
        let first_link = all(&doc, "body a")[0];
        assert_eq!(
            first_link.value().attr("href"),
            Some("#main"),
            "{rel}: skip link first"
        );
        assert!(
            first_link.value().classes().any(|c| c == "skip-link"),
            "{rel}"
        );
        assert_eq!(one(&doc, "main").value().attr("id"), Some("main"), "{rel}");
        one(&doc, "body > header");
        one(&doc, "body > footer");
        assert!(
            !all(&doc, "header nav[aria-label]").is_empty(),
            "{rel}: nav"
        );
        let levels: Vec<u8> = all(&doc, "h1, h2, h3, h4, h5, h6")
            .iter()
            .map(|h| h.value().name()[1..].parse().unwrap())
            .collect();
        assert_eq!(levels[0], 1, "{rel}: the first heading is the h1");
        for pair in levels.windows(2) {
            assert!(
                pair[1] <= pair[0] + 1,
                "{rel}: heading levels skip: {levels:?}"
            );
        }
        assert_unique_ids(rel, &doc);
        let raw = fs::read_to_string(built.out.join(rel)).unwrap();
        assert!(
            !raw.contains("EventSource"),
            "{rel}: reload script in built output"
        );
        assert!(all(&doc, "script").is_empty(), "{rel}: no script at all");
    }
    assert_links_resolve(&built.out);
}

// ---------------------------------------------------------------- index

#[test]
fn index_shows_coverage_charts_and_links_to_everything() {
    let built = built_ok(FIXTURE);
    let check = built.check();
    let fw = &check.framework;
    let doc = built.page("index.html");
    assert_eq!(text(one(&doc, "h1")), "Build fixture portfolio");
    assert_eq!(fact(&doc, "Trainee"), "Alex Placeholder");
    let deadline = check.deadline().unwrap().deadline.unwrap();
    assert!(fact(&doc, "Statutory deadline").contains(&deadline.to_string()));

    // One chart per part, each with a title and text labels saying the same as coverage.
    let roots: Vec<usize> = fw.roots().collect();
    let charts = all(&doc, "figure.chart");
    assert_eq!(charts.len(), roots.len());
    for (chart, &r) in charts.iter().zip(&roots) {
        let c = check.coverage.node(r);
        let fraction = format!("{}/{}", c.leaves_covered, c.leaves_total);
        let words = format!("{} of {} covered", c.leaves_covered, c.leaves_total);
        let svg = chart.select(&sel("svg")).next().unwrap();
        assert_eq!(svg.value().attr("role"), Some("img"));
        let title = svg.select(&sel("title")).next().unwrap();
        assert!(text(title).contains(&words), "{}", text(title));
        assert!(text(title).contains(&fw.nodes[r].title));
        let label = svg.select(&sel("text")).next().unwrap();
        assert_eq!(text(label), fraction);
        let caption = chart.select(&sel("figcaption")).next().unwrap();
        assert_eq!(text(caption), text(title), "text equivalent of the chart");
    }
    // At least one part is partly covered, so the bars differ.
    assert!(
        roots
            .iter()
            .any(|&r| check.coverage.node(r).leaves_covered > 0)
    );

    let links: BTreeSet<String> = hrefs(&doc, "main a").into_iter().collect();
    for node in &fw.nodes {
        assert!(
            links.contains(&format!("outcomes/{}.html", node.id)),
            "{}",
            node.id
        );
    }
    for page in ["matrix.html", "gaps.html", "diagnostics.html"] {
        assert!(hrefs(&doc, "a").iter().any(|h| h == page), "{page}");
    }
    for page in [TRANSITION, FOLLOW_UP, FEATURES] {
        assert!(links.contains(page), "{page}");
    }
    let status = texts(&doc, "a[href=\"outcomes/A1.1.html\"] + .status");
    assert_eq!(
        status,
        ["✓ covered (1)"],
        "status in words, not colour alone"
    );
    let status = texts(&doc, "a[href=\"outcomes/C1.1.html\"] + .status");
    assert_eq!(status, ["✗ not covered"]);
}

// ---------------------------------------------------------------- evidence pages

#[test]
fn evidence_page_shows_facts_claims_and_tag_badges() {
    let built = built_ok(FIXTURE);
    let check = built.check();
    let e = &check.evidence[evidence_index(&check, "evidence/2024-09-10-transition.md")];
    let doc = built.page(TRANSITION);
    assert_eq!(text(one(&doc, "h1")), "Planning Child A's transition");
    assert_eq!(
        text(one(&doc, "head > title")),
        "Planning Child A's transition – Build fixture portfolio"
    );
    assert_eq!(fact(&doc, "Date"), "2024-09-10");
    assert_eq!(fact(&doc, "Type"), "reflection");
    assert!(e.words > 20);
    assert_eq!(fact(&doc, "Words"), e.words.to_string());

    let claimed: BTreeSet<String> = hrefs(&doc, "ul.claimed a").into_iter().collect();
    let expected: BTreeSet<String> = ["A1.1", "A1.2", "A1.3", "B9.4"]
        .iter()
        .map(|id| format!("../outcomes/{id}.html"))
        .collect();
    assert_eq!(claimed, expected);

    // Inline tags: badges with anchors, linking to the outcome; `|text` shows the text.
    let badges = all(&doc, ".evidence-body a.tag");
    assert_eq!(badges.len(), 2);
    assert_eq!(badges[0].value().attr("id"), Some("tag-0"));
    assert_eq!(
        badges[0].value().attr("href"),
        Some("../outcomes/A1.2.html")
    );
    assert_eq!(text(badges[0]), "A1.2");
    assert_eq!(badges[1].value().attr("id"), Some("tag-1"));
    assert_eq!(
        badges[1].value().attr("href"),
        Some("../outcomes/A1.3.html")
    );
    assert_eq!(
        texts(&doc, "#tag-1 .tag-text"),
        ["Writing the profile with the child"]
    );
    // The official wording is there for those who hover.
    let a12 = &check.framework.nodes[node_index(&check, "A1.2")];
    assert_eq!(badges[0].value().attr("title"), Some(a12.title.as_str()));

    // The `# title` heading repeating the front-matter title is not shown twice.
    let headings = texts(&doc, ".evidence-body h2, .evidence-body h3");
    assert_eq!(headings, ["Planning", "Loose ends"]);
}

#[test]
fn markdown_features_survive_sanitising() {
    let built = built_ok(FIXTURE);
    let doc = built.page(FEATURES);
    let body = ".evidence-body";
    // Tables, with the header row and column alignment.
    assert_eq!(
        texts(&doc, &format!("{body} table thead th")),
        ["Intervention", "Child", "Weeks"]
    );
    assert_eq!(all(&doc, &format!("{body} table tbody tr")).len(), 2);
    let weeks = all(&doc, &format!("{body} table tbody td"))[2];
    assert_eq!(weeks.value().attr("style"), Some("text-align:right"));
    // Footnotes: the reference links to its definition.
    let reference = one(&doc, &format!("{body} sup.footnote-reference a"));
    let target = reference
        .value()
        .attr("href")
        .unwrap()
        .strip_prefix('#')
        .unwrap();
    let definition = one(&doc, &format!("{body} .footnote-definition"));
    assert_eq!(definition.value().attr("id"), Some(target));
    assert!(text(definition).contains("SEND Code of Practice, chapter 6."));
    // Strikethrough.
    assert_eq!(texts(&doc, &format!("{body} del")), ["wait and see"]);
    // Task lists: checkboxes that show state but cannot be changed.
    let boxes = all(&doc, &format!("{body} li > input[type=checkbox]"));
    assert_eq!(boxes.len(), 2);
    assert!(boxes.iter().all(|b| b.value().attr("disabled").is_some()));
    assert!(boxes[0].value().attr("checked").is_some());
    assert!(boxes[1].value().attr("checked").is_none());
    // Heading ids: the one written in `{#...}` and a generated one.
    one(&doc, &format!("{body} h3#interventions-table"));
    one(&doc, &format!("{body} h3#next-steps"));
}

#[test]
fn attachments_are_copied_and_links_between_evidence_resolve() {
    let built = built_ok(FIXTURE);
    let doc = built.page(TRANSITION);
    let img = one(&doc, ".evidence-body img");
    assert_eq!(
        img.value().attr("src"),
        Some("../files/evidence/images/timetable.png")
    );
    assert_eq!(
        img.value().attr("alt"),
        Some("Visual timetable on the classroom wall")
    );
    let pdf = hrefs(&doc, ".evidence-body a[href$=\".pdf\"]");
    assert_eq!(pdf, ["../files/evidence/attachments/plan.pdf"]);
    for rel in [
        "evidence/images/timetable.png",
        "evidence/attachments/plan.pdf",
    ] {
        assert_eq!(
            fs::read(built.out.join("files").join(rel)).unwrap(),
            fs::read(built.root.join(rel)).unwrap(),
            "{rel} copied as it is"
        );
    }
    // Only what is linked is copied.
    let copied: Vec<String> = files(&built.out.join("files")).into_keys().collect();
    assert_eq!(
        copied,
        [
            "evidence/attachments/plan.pdf",
            "evidence/images/timetable.png"
        ]
    );

    // `[text](other.md)` and `[[other]]` both go to the built page.
    let to_follow_up = hrefs(&doc, ".evidence-body a[href*=\"follow-up\"]");
    assert_eq!(to_follow_up, ["../evidence/2024-10-01-follow-up.html"; 2]);
    let back = hrefs(&built.page(FOLLOW_UP), ".evidence-body a");
    assert_eq!(back, ["../evidence/2024-09-10-transition.html#planning"]);

    // Broken links stay as text, without a link, and are reported with file and line.
    let loose_ends = all(&doc, ".evidence-body p")
        .into_iter()
        .find(|p| text(*p).starts_with("A link to a missing plan"))
        .unwrap();
    assert!(
        loose_ends.select(&sel("a")).next().is_none(),
        "{}",
        loose_ends.html()
    );
    let source = fs::read_to_string(built.root.join("evidence/2024-09-10-transition.md")).unwrap();
    let line = source
        .lines()
        .position(|l| l.contains("missing plan"))
        .unwrap()
        + 1;
    let place = format!("evidence/2024-09-10-transition.md:{line}");
    let stderr = built.stderr();
    for (code, what) in [
        ("broken-link", "`attachments/missing.pdf`"),
        ("broken-link", "`[[no-such-evidence]]`"),
        ("broken-link", "`old-notes.md`"),
    ] {
        assert!(
            reported(&stderr, code, &[what, &place]),
            "{code} {what} at {place} in:\n{stderr}"
        );
    }
}

// ---------------------------------------------------------------- outcome pages

#[test]
fn outcome_page_quotes_each_tagged_passage_and_links_back() {
    let built = built_ok(FIXTURE);
    let check = built.check();
    let fw = &check.framework;
    let a12 = &fw.nodes[node_index(&check, "A1.2")];
    let doc = built.page("outcomes/A1.2.html");
    let h1 = text(one(&doc, "h1"));
    assert!(h1.starts_with("A1.2") && h1.contains(&a12.title), "{h1}");
    assert!(text(one(&doc, "main p.status")).starts_with("✓ Covered: 2 evidence files"));

    let sections = all(&doc, "section.evidence-quote");
    assert_eq!(sections.len(), 2, "every evidence that tags A1.2");
    let section = |title: &str| {
        sections
            .iter()
            .find(|s| text(s.select(&sel("h3")).next().unwrap()) == title)
            .unwrap_or_else(|| panic!("no quote from {title}"))
    };
    // An inline tag quotes its paragraph and links to the badge's anchor.
    let inline = section("Planning Child A's transition");
    let quote = text(inline.select(&sel("blockquote.passage")).next().unwrap());
    assert!(quote.starts_with("We agreed a visual timetable"), "{quote}");
    let link = inline.select(&sel("a.passage-link")).next().unwrap();
    assert_eq!(
        link.value().attr("href"),
        Some("../evidence/2024-09-10-transition.html#tag-0")
    );
    // A front-matter tag quotes the opening paragraph and links to `#opening`.
    let front = section("Follow-up meeting with the family");
    let quote = text(front.select(&sel("blockquote.passage")).next().unwrap());
    assert!(quote.starts_with("Four weeks after the move"), "{quote}");
    let link = front.select(&sel("a.passage-link")).next().unwrap();
    assert_eq!(
        link.value().attr("href"),
        Some("../evidence/2024-10-01-follow-up.html#opening")
    );

    // The file whose opening comes after its title heading quotes the paragraph, not the title.
    let doc = built.page("outcomes/A1.1.html");
    let quote = texts(&doc, "blockquote.passage");
    assert_eq!(quote.len(), 1);
    assert!(
        quote[0].starts_with("I met the Year 6 teacher"),
        "{quote:?}"
    );

    // Every quote on every outcome page links to an anchor that exists.
    for node in &fw.nodes {
        let rel = format!("outcomes/{}.html", node.id);
        let doc = built.page(&rel);
        for href in hrefs(&doc, "a.passage-link") {
            let (path, anchor) = href.split_once('#').unwrap();
            let target = resolve(&rel, path).unwrap();
            let target = built.page(&target);
            assert!(ids(&target).iter().any(|id| id == anchor), "{rel}: {href}");
        }
    }
}

#[test]
fn outcome_pages_say_covered_or_not_in_words() {
    let built = built_ok(FIXTURE);
    let check = built.check();
    let fw = &check.framework;
    let c11 = &fw.nodes[node_index(&check, "C1.1")];
    let doc = built.page("outcomes/C1.1.html");
    assert!(text(one(&doc, "h1")).contains(&c11.title));
    assert!(text(one(&doc, "main p.status")).starts_with("✗ Not covered: 0 of 1"));
    assert!(all(&doc, "section.evidence-quote").is_empty());

    // A parent outcome: its wording, how many of its indicators are covered, each child.
    let a1 = node_index(&check, "A1");
    let doc = built.page("outcomes/A1.html");
    assert!(text(one(&doc, "h1")).contains(&fw.nodes[a1].title));
    let c = check.coverage.node(a1);
    let status = text(one(&doc, "main p.status"));
    assert!(
        status.contains(&format!(
            "{} of {} indicators covered",
            c.leaves_covered, c.leaves_total
        )),
        "{status}"
    );
    let children: Vec<String> = fw.nodes[a1]
        .children
        .iter()
        .map(|&k| format!("../outcomes/{}.html", fw.nodes[k].id))
        .collect();
    assert_eq!(hrefs(&doc, "ul.indicator-list > li > a"), children);
}

// ---------------------------------------------------------------- matrix and gaps

#[test]
fn matrix_is_a_real_table_whose_cells_link_to_passages() {
    let built = built_ok(FIXTURE);
    let check = built.check();
    let fw = &check.framework;
    let leaves: Vec<usize> = fw.leaves().collect();
    let doc = built.page("matrix.html");
    let table = one(&doc, "table.matrix");
    assert!(text(table.select(&sel("caption")).next().unwrap()).starts_with("Indicators (rows)"));
    let cols = all(&doc, "table.matrix thead th[scope=col]");
    // The corner, one per file, and the row totals.
    assert_eq!(cols.len(), check.evidence.len() + 2);
    let rows = all(&doc, "table.matrix tbody tr");
    assert_eq!(rows.len(), leaves.len());
    let mut linked = 0;
    for (row, &leaf) in rows.iter().zip(&leaves) {
        let header = row.select(&sel("th[scope=row] a")).next().unwrap();
        assert_eq!(text(header), fw.nodes[leaf].id);
        let cells: Vec<_> = row.select(&sel("td:not(.total)")).collect();
        assert_eq!(cells.len(), check.evidence.len());
        let counted = check
            .evidence
            .iter()
            .filter(|e| !e.draft && e.tags.iter().any(|t| t.node == leaf))
            .count();
        let total = row.select(&sel("td.total")).next().expect("a row total");
        assert_eq!(text(total), counted.to_string(), "{}", fw.nodes[leaf].id);
        for (cell, e) in cells.iter().zip(&check.evidence) {
            let link = cell.select(&sel("a")).next();
            let tag = e.tags.iter().find(|t| t.node == leaf);
            assert_eq!(
                link.is_some(),
                tag.is_some(),
                "{} × {}",
                fw.nodes[leaf].id,
                e.path
            );
            if let (Some(link), Some(tag)) = (link, tag) {
                linked += 1;
                let anchor = tag
                    .inline_index
                    .map_or("opening".into(), |k| format!("tag-{k}"));
                let href = link.value().attr("href").unwrap();
                assert!(href.ends_with(&format!(".html#{anchor}")), "{href}");
                assert!(
                    text(*cell).contains(&e.title),
                    "the cell says what it links to"
                );
            }
        }
    }
    assert_eq!(linked, 6, "A1.1, A1.2 ×2, A1.3, B9.4, B9.5");
}

#[test]
fn matrix_turns_round_when_evidence_outnumbers_indicators() {
    let (tmp, root) =
        new_portfolio("[portfolio]\ntitle = \"Wide\"\nframework = \"nasenco-2014\"\n");
    let check_leaves = senco::model::framework::Framework::builtin("nasenco-2014")
        .unwrap()
        .leaves()
        .count();
    for i in 0..=check_leaves {
        fs::write(
            root.join(format!("evidence/note-{i:03}.md")),
            format!("---\ntitle: Note {i}\noutcomes: [A1.1]\n---\n\nA short note.\n"),
        )
        .unwrap();
    }
    let built = build_root(tmp, root);
    assert_exit(&built.output, 0);
    let doc = built.page("matrix.html");
    assert!(text(one(&doc, "table.matrix caption")).starts_with("Evidence (rows)"));
    assert_eq!(
        all(&doc, "table.matrix thead th[scope=col]").len(),
        check_leaves + 2,
        "the corner, the indicators, the totals"
    );
    assert_eq!(
        all(&doc, "table.matrix tbody th[scope=row]").len(),
        check_leaves + 1
    );
    assert_eq!(all(&doc, "table.matrix td a").len(), check_leaves + 1);
    // Every note counts once in its row, and A1.1's column counts them all.
    let totals = texts(&doc, "table.matrix tfoot td.total");
    assert_eq!(totals.len(), check_leaves + 1);
    assert_eq!(totals[0], (check_leaves + 1).to_string());
    assert_eq!(totals[check_leaves], (check_leaves + 1).to_string());
    assert!(
        texts(&doc, "table.matrix tbody td.total")
            .iter()
            .all(|t| t == "1")
    );
    assert!(
        !built.out.join("diagnostics.html").exists(),
        "no problems, no problems page"
    );
    let index = built.page("index.html");
    assert!(hrefs(&index, "a").iter().all(|h| h != "diagnostics.html"));
}

#[test]
fn gaps_page_lists_every_uncovered_indicator_with_its_wording() {
    let built = built_ok(FIXTURE);
    let check = built.check();
    let fw = &check.framework;
    let doc = built.page("gaps.html");
    let listed: Vec<String> = texts(&doc, "main li > a");
    let uncovered: Vec<usize> = check.coverage.gaps(fw);
    assert_eq!(listed.len(), uncovered.len());
    assert_eq!(uncovered.len(), fw.leaves().count() - 5);
    for (item, &leaf) in listed.iter().zip(&uncovered) {
        let n = &fw.nodes[leaf];
        assert_eq!(*item, format!("{} {}", n.id, n.title));
    }
    assert!(!listed.iter().any(|l| l.starts_with("A1.1 ")));
}

// ---------------------------------------------------------------- diagnostics page

#[test]
fn problems_page_lists_file_line_and_message() {
    let (tmp, root) = copy_of(FIXTURE);
    fs::write(
        root.join("evidence/unknown-tag.md"),
        "---\ntitle: Unknown tag\n---\n\nA paragraph tagged with an id that does not exist. [[Z9.9]]\n",
    )
    .unwrap();
    let built = build_root(tmp, root);
    // Errors in evidence do not stop the build; the exit code says there were errors.
    assert_exit(&built.output, 1);
    assert!(built.out.join("index.html").is_file());
    let doc = built.page("diagnostics.html");
    let rows = texts(&doc, "table.diagnostics tbody tr");
    let check = built.check();
    assert!(check.has_errors());
    // The page lists exactly what the check found, link problems included.
    assert_eq!(rows.len(), check.diagnostics.len(), "{rows:#?}");
    assert_eq!(
        check
            .diagnostics
            .iter()
            .filter(|d| d.code == "broken-link")
            .count(),
        3
    );
    assert!(
        rows.iter()
            .any(|r| r.starts_with("✗ error evidence/unknown-tag.md:5:")
                && r.contains("unknown outcome `Z9.9`")),
        "{rows:#?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains("`old-notes.md` does not exist")),
        "{rows:#?}"
    );
    let where_links = hrefs(&doc, "table.diagnostics td a");
    assert!(where_links.contains(&"evidence/unknown-tag.html".to_string()));
    let index = built.page("index.html");
    assert_eq!(texts(&index, "a[href=\"diagnostics.html\"]").len(), 2);
}

// ---------------------------------------------------------------- hostile input

/// Everything on every built page that could run, fetch or leak.
fn assert_nothing_hostile(out: &Path) {
    for rel in html_pages(out) {
        let doc = page(out, &rel);
        // Evidence cannot take senco's anchors (`#main`, `#opening`, `#tag-N`).
        assert_unique_ids(&rel, &doc);
        // The policy comes first in the head, before anything that could run or fetch.
        let first = all(&doc, "head > *");
        assert!(
            first.first().is_some_and(|m| m.value().attr("http-equiv")
                == Some("Content-Security-Policy")
                && m.value().attr("content") == Some(senco::render::policy::FILES)),
            "{rel}: the head does not start with the policy"
        );
        // senco draws its own charts in SVG; evidence may not bring any.
        let foreign = all(
            &doc,
            ".evidence-body svg, .evidence-body math, .passage svg, .passage math",
        );
        assert!(foreign.is_empty(), "{rel}: {}", foreign[0].html());
        for e in all(&doc, "*") {
            let name = e.value().name();
            assert!(
                !matches!(
                    name,
                    "script" | "iframe" | "frame" | "object" | "embed" | "form" | "base" | "style"
                ),
                "{rel}: <{name}> survived: {}",
                e.html()
            );
            if name == "meta" {
                // The one `http-equiv` is senco's own policy.
                assert!(
                    e.value().attr("http-equiv").is_none()
                        || e.value().attr("content") == Some(senco::render::policy::FILES),
                    "{rel}: {}",
                    e.html()
                );
            }
            if name == "link" {
                assert_eq!(
                    e.value().attr("href"),
                    Some(&*format!(
                        "{}assets/senco.css",
                        "../".repeat(rel.matches('/').count())
                    ))
                );
            }
            for (attr, value) in e.value().attrs() {
                assert!(!attr.starts_with("on"), "{rel}: event handler {}", e.html());
                assert!(
                    !value.contains("__xss") && !value.contains("alert("),
                    "{rel}: {}",
                    e.html()
                );
                if attr == "style" {
                    let v = value.to_ascii_lowercase();
                    assert!(
                        !v.contains("url(") && !v.contains("expression("),
                        "{rel}: {}",
                        e.html()
                    );
                }
                if URL_ATTRS.contains(&attr) {
                    let v: String = value
                        .chars()
                        .filter(|c| !c.is_whitespace() && !c.is_control())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    for bad in ["javascript:", "vbscript:", "data:", "file:", "/"] {
                        assert!(!v.starts_with(bad), "{rel}: {attr}={value}");
                    }
                    assert!(!v.contains("passwd"), "{rel}: {attr}={value}");
                }
            }
        }
    }
}

#[test]
fn hostile_evidence_is_neutralised_and_escapes_are_reported() {
    let built = build_copy(XSS_FIXTURE);
    assert_exit(&built.output, 0);
    assert_nothing_hostile(&built.out);
    // Links leaving the portfolio are reported against the file, not silently dropped.
    let stderr = built.stderr();
    for dest in ["../../etc/passwd", "/etc/passwd"] {
        assert!(
            reported(
                &stderr,
                "link-outside-portfolio",
                &[&format!("`{dest}`"), "evidence/hostile.md:"]
            ),
            "no link-outside-portfolio for {dest}:\n{stderr}"
        );
    }
    let problems = texts(
        &built.page("diagnostics.html"),
        "table.diagnostics tbody tr",
    );
    assert!(
        problems
            .iter()
            .any(|r| r.contains("evidence/hostile.md:") && r.contains("link-outside-portfolio"))
    );
    // Nothing from outside the portfolio was copied in.
    assert!(!built.out.join("files").exists());
    // The real evidence among the hostile constructs is still there.
    let doc = built.page("evidence/hostile.html");
    assert!(text(one(&doc, ".evidence-body")).contains("Child B's reading plan"));
    let doc = built.page("evidence/hostile-more.html");
    assert_eq!(one(&doc, "#main").value().name(), "main");
    assert_eq!(
        one(&doc, "#opening").value().attr("class"),
        Some("evidence-body")
    );
    assert!(
        all(&doc, "#tag-0").is_empty(),
        "no inline tag, no tag anchor"
    );
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_portfolio_are_neither_followed_nor_copied() {
    use std::os::unix::fs::symlink;
    let (tmp, root) = copy_of(FIXTURE);
    let outside = tmp.path().join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("secret.txt"), "OUTSIDE-SECRET attachment").unwrap();
    fs::write(
        outside.join("secret.md"),
        "---\ntitle: OUTSIDE-SECRET evidence\noutcomes: [C1.1]\n---\n\nOUTSIDE-SECRET text.\n",
    )
    .unwrap();
    symlink(
        outside.join("secret.txt"),
        root.join("evidence/attachments/secret.pdf"),
    )
    .unwrap();
    symlink(outside.join("secret.md"), root.join("evidence/secret.md")).unwrap();
    symlink(&outside, root.join("evidence/outside-folder")).unwrap();
    let mut text_md = fs::read_to_string(root.join("evidence/markdown-features.md")).unwrap();
    text_md.push_str(
        "\nThe [linked secret](attachments/secret.pdf) and ![image](outside-folder/secret.txt).\n",
    );
    fs::write(root.join("evidence/markdown-features.md"), text_md).unwrap();

    let built = build_root(tmp, root);
    assert_exit(&built.output, 0);
    for (rel, bytes) in files(&built.out) {
        assert!(
            !String::from_utf8_lossy(&bytes).contains("OUTSIDE-SECRET"),
            "{rel} holds content from outside the portfolio"
        );
    }
    let stderr = built.stderr();
    for what in [
        "evidence/secret.md",
        "evidence/outside-folder",
        "`attachments/secret.pdf`",
        "`outside-folder/secret.txt`",
    ] {
        assert!(
            reported(&stderr, "link-outside-portfolio", &[what]),
            "{what} not reported:\n{stderr}"
        );
    }
    let doc = built.page(FEATURES);
    assert!(
        hrefs(&doc, ".evidence-body a")
            .iter()
            .all(|h| !h.contains("secret"))
    );
    assert!(
        all(&doc, ".evidence-body img")
            .iter()
            .all(|i| i.value().attr("src").is_none())
    );
}

#[test]
fn titles_and_names_are_escaped_in_templates() {
    let title = "Portfolio <script>alert(1)</script> \"quoted\" & more";
    let trainee = "Sam \"onmouseover=alert(1) <b>Bold</b>";
    let evidence_title = "<img src=x onerror=alert(1)> \" onfocus=\"alert(1)";
    let (tmp, root) = new_portfolio(&format!(
        "[portfolio]\ntitle = {}\ntrainee = {}\nframework = \"nasenco-2014\"\n",
        toml_string(title),
        toml_string(trainee)
    ));
    let name = if cfg!(unix) {
        "say \"hi\" <b>.md"
    } else {
        "say hi.md"
    };
    fs::write(
        root.join("evidence").join(name),
        format!(
            "---\ntitle: {}\noutcomes: [A1.1]\n---\n\nAn ordinary paragraph.\n",
            serde_json::to_string(evidence_title).unwrap()
        ),
    )
    .unwrap();
    let built = build_root(tmp, root);
    assert_exit(&built.output, 0);
    assert_nothing_hostile(&built.out);
    let index = built.page("index.html");
    assert_eq!(text(one(&index, "h1")), title);
    assert_eq!(text(one(&index, ".site-trainee")), trainee);
    assert!(all(&index, "b").is_empty());
    assert_eq!(
        text(one(&index, "head > title")),
        format!("Overview – {title}")
    );
    let evidence_page = html_pages(&built.out)
        .into_iter()
        .find(|p| p.starts_with("evidence/"))
        .unwrap();
    let doc = built.page(&evidence_page);
    assert_eq!(text(one(&doc, "h1")), evidence_title);
    assert!(all(&doc, "img").is_empty());
    let matrix = built.page("matrix.html");
    let header = one(&matrix, "table.matrix thead th a[title]");
    assert_eq!(text(header), evidence_title);
    assert_eq!(
        header.value().attr("title"),
        Some(&*format!("evidence/{name}"))
    );
    assert_links_resolve(&built.out);
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

// ---------------------------------------------------------------- determinism and atomicity

#[test]
fn two_builds_are_byte_identical() {
    let built = built_ok(FIXTURE);
    let second = built._tmp.path().join("second");
    let output = run_build(&built.root, &second, &[]);
    assert_exit(&output, 0);
    let a = files(&built.out);
    let b = files(&second);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (rel, bytes) in &a {
        assert!(bytes == &b[rel], "{rel} differs between builds");
    }
}

fn leftovers(parent: &Path) -> Vec<String> {
    fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".senco-"))
        .collect()
}

/// Builds again, expecting exit code 2 with `says` in the message, the site as it was
/// and no temporary folder left beside it.
#[track_caller]
fn fails_leaving_site_as_it_was(built: &Built, before: &BTreeMap<String, Vec<u8>>, says: &str) {
    let output = run_build(&built.root, &built.out, &[]);
    assert_exit(&output, 2);
    assert_stderr_has(&output, says);
    assert!(files(&built.out) == *before, "the old site changed");
    let parent = built.out.parent().unwrap();
    assert!(leftovers(parent).is_empty(), "{:?}", leftovers(parent));
}

#[test]
fn a_failed_build_leaves_the_previous_site_untouched() {
    let built = built_ok(FIXTURE);
    let before = files(&built.out);
    let parent = built.out.parent().unwrap();
    let theme = built.root.join("theme");
    fs::create_dir_all(&theme).unwrap();

    // A template that does not compile: refused before anything is written.
    fs::write(
        theme.join("index.html"),
        "{% extends \"base.html\" %}{% block content %}{% if %}",
    )
    .unwrap();
    fails_leaving_site_as_it_was(&built, &before, "theme");
    fs::remove_file(theme.join("index.html")).unwrap();

    // A template that fails while rendering, after the evidence and outcome pages were
    // written to the temporary folder: halfway through.
    fs::write(
        theme.join("gaps.html"),
        "{% extends \"base.html\" %}{% block content %}<h1>{{ no_such_field.x }}</h1>{% endblock content %}",
    )
    .unwrap();
    fails_leaving_site_as_it_was(&built, &before, "gaps.html");
    fs::remove_file(theme.join("gaps.html")).unwrap();

    // A theme file that cannot be read (a folder where the stylesheet should be).
    fs::create_dir_all(theme.join("senco.css")).unwrap();
    fails_leaving_site_as_it_was(&built, &before, "senco.css");
    fs::remove_dir(theme.join("senco.css")).unwrap();

    // Folders left by a build that was killed are cleared by the next good one.
    fs::create_dir_all(parent.join(".site.senco-tmp-999999/outcomes")).unwrap();
    fs::create_dir_all(parent.join(".site.senco-old-999999")).unwrap();
    let output = run_build(&built.root, &built.out, &[]);
    assert_exit(&output, 0);
    assert!(leftovers(parent).is_empty(), "{:?}", leftovers(parent));
    assert!(files(&built.out) == before, "same input, same site");
}

// ---------------------------------------------------------------- safety

#[test]
fn refuses_to_replace_a_folder_senco_did_not_build() {
    let (tmp, root) = copy_of(FIXTURE);
    let out = tmp.path().join("documents");
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("thesis.docx"), "precious").unwrap();
    let output = run_build(&root, &out, &[]);
    assert_exit(&output, 2);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("senco did not build it") && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(fs::read(out.join("thesis.docx")).unwrap(), b"precious");
    assert!(!out.join("index.html").exists());

    let output = run_build(&root, &out, &["--force"]);
    assert_exit(&output, 0);
    assert!(out.join("index.html").is_file() && out.join(".senco-site").is_file());
    assert!(!out.join("thesis.docx").exists());

    // An empty folder is fine without --force, and a senco-built one is replaced.
    let empty = tmp.path().join("empty");
    fs::create_dir_all(&empty).unwrap();
    assert_eq!(run_build(&root, &empty, &[]).status.code(), Some(0));
    assert_eq!(run_build(&root, &empty, &[]).status.code(), Some(0));
}

#[test]
fn refuses_output_over_evidence_or_the_portfolio() {
    let (tmp, root) = copy_of(FIXTURE);
    fs::create_dir_all(root.join("evidence/older")).unwrap();
    fs::write(
        root.join("evidence/older/notes.txt"),
        "the trainee’s own file",
    )
    .unwrap();
    let before = files(&root);
    for (out, says) in [
        (
            root.join("evidence"),
            "holds the evidence folder `evidence`",
        ),
        (root.join("evidence/sub/.."), "holds the evidence folder"),
        (
            root.join("evidence/older"),
            "it is in the evidence folder `evidence` and senco did not build it",
        ),
        (root.clone(), "holds the portfolio"),
        (tmp.path().to_path_buf(), "holds the portfolio"),
    ] {
        let output = run_build(&root, &out, &["--force"]);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}: {}",
            out.display(),
            show(&output)
        );
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(says),
            "{}",
            show(&output)
        );
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("evidence"), tmp.path().join("alias")).unwrap();
        let output = run_build(&root, &tmp.path().join("alias"), &["--force"]);
        assert_exit(&output, 2);
        fs::remove_file(tmp.path().join("alias")).unwrap();
    }
    assert!(files(&root) == before, "the portfolio changed");

    // The default output, `site/` in the portfolio, is fine and rebuilds.
    for _ in 0..2 {
        let output = senco().arg("build").arg(&root).output().unwrap();
        assert_exit(&output, 0);
    }
    assert!(root.join("site/index.html").is_file());
    assert!(
        String::from_utf8_lossy(&senco().arg("build").arg(&root).output().unwrap().stdout)
            .contains("index.html")
    );
}

#[test]
fn a_site_of_its_own_inside_the_evidence_folder_is_built_and_never_read_as_evidence() {
    let (_tmp, root) = copy_of(FIXTURE);
    let before = files(&root);
    let (_, checked) = crate::harness::check_json(&root);
    let out = root.join("evidence/site");
    for _ in 0..2 {
        assert_exit(&run_build(&root, &out, &[]), 0);
        assert!(out.join("index.html").is_file());
        assert_eq!(crate::harness::check_json(&root).1, checked);
    }
    let mut after = files(&root);
    after.retain(|rel, _| !rel.starts_with("evidence/site/"));
    assert!(after == before, "only the site was added");
}

// ---------------------------------------------------------------- theme

#[test]
fn a_portfolio_theme_overrides_templates_and_css() {
    let (tmp, root) = copy_of(FIXTURE);
    fs::create_dir_all(root.join("theme")).unwrap();
    let css = "/* provider theme */ body { color: #111; }\n";
    fs::write(root.join("theme/senco.css"), css).unwrap();
    let builtin_index = manifest_dir().join("portfolio-template/theme/index.html");
    let index = fs::read_to_string(builtin_index).unwrap().replace(
        "<h1>{{ site.title }}</h1>",
        "<h1>{{ site.title }}</h1><p class=\"provider\">Provider cover note</p>",
    );
    fs::write(root.join("theme/index.html"), index).unwrap();
    let built = build_root(tmp, root);
    assert_exit(&built.output, 0);
    assert_eq!(
        fs::read_to_string(built.out.join("assets/senco.css")).unwrap(),
        css
    );
    assert_eq!(
        texts(&built.page("index.html"), "p.provider"),
        ["Provider cover note"]
    );
    // Templates not overridden are the built-in ones.
    one(&built.page("gaps.html"), "h1");
    assert!(all(&built.page("gaps.html"), "p.provider").is_empty());
    // The portfolio's theme folder is not evidence and is not copied.
    assert!(!built.out.join("files/theme").exists());
}

// ---------------------------------------------------------------- links resolved once

const PROSE: &str = "---\ntitle: Writing about markup\noutcomes: [A1.1]\n---\n\nThe snippet `<img src=\"x\">` shows an image; in prose, src=\"x\" and id=\"y\" and href=\"z\" are just words.\n\n    <p id=\"y\">code</p>\n\nA raw image <img alt=\"map\" src=\"images/%2e%2e/images/timetable.png\"> and a raw link <a href=\"2024-10-01-follow-up.md#next\">follow-up</a>, an escape <a href=\"%2e%2e/%2e%2e/%2e%2e/etc/passwd\">up</a> and a [footnote][^1].\n\n[^1]: Said id=\"y\" here too.\n";

/// The prose page and the single file of the build fixture with [`PROSE`] added.
fn prose_outputs() -> (Built, String) {
    let (tmp, root) = copy_of(FIXTURE);
    fs::write(root.join("evidence/prose.md"), PROSE).unwrap();
    let built = build_root(tmp, root);
    let check = built.check();
    let theme = senco::render::theme::load(None).unwrap();
    let single = senco::render::single::render(&check, &theme, "site/").unwrap();
    (built, single)
}

#[test]
fn prose_that_mentions_attributes_comes_through_unchanged() {
    let (built, single) = prose_outputs();
    let page = fs::read_to_string(built.out.join("evidence/prose.html")).unwrap();
    for html in [&page, &single] {
        assert!(
            html.contains("in prose, src=\"x\" and id=\"y\" and href=\"z\" are just words"),
            "{html}"
        );
        assert!(
            html.contains("<code>&lt;img src=\"x\"&gt;</code>"),
            "{html}"
        );
        assert!(html.contains("&lt;p id=\"y\"&gt;code&lt;/p&gt;"), "{html}");
        assert!(html.contains("Said id=\"y\" here too."), "{html}");
    }
}

#[test]
fn raw_html_links_resolve_as_markdown_links_do() {
    let (built, single) = prose_outputs();
    let doc = built.page("evidence/prose.html");
    let srcs = attrs(&doc, "main img[alt=map]", "src");
    assert_eq!(srcs, ["../files/evidence/images/timetable.png"]);
    assert!(
        built
            .out
            .join("files/evidence/images/timetable.png")
            .is_file()
    );
    let links = attrs(&doc, "main a", "href");
    assert!(
        links.contains(&"../evidence/2024-10-01-follow-up.html#next".to_string()),
        "{links:?}"
    );
    assert_none_climbs_out(&links);
    // The single file: the image inline, links in-page, ids prefixed per section.
    let single = Html::parse_document(&single);
    let srcs = attrs(&single, "img[alt=map]", "src");
    assert_eq!(srcs.len(), 1);
    assert!(srcs[0].starts_with("data:image/png;base64,"), "{srcs:?}");
    let links = attrs(&single, "a", "href");
    assert!(
        links.contains(&"#page-evidence-2024-10-01-follow-up-next".to_string()),
        "{links:?}"
    );
    assert_none_climbs_out(&links);
    let footnotes = attrs(&single, "sup.footnote-reference a", "href");
    assert!(
        footnotes.contains(&"#page-evidence-prose-fn-1".to_string()),
        "{footnotes:?}"
    );
    let definitions = attrs(&single, "div.footnote-definition", "id");
    assert!(
        definitions.contains(&"page-evidence-prose-fn-1".to_string()),
        "{definitions:?}"
    );
}

#[track_caller]
fn assert_none_climbs_out(links: &[String]) {
    assert!(
        !links
            .iter()
            .any(|l| l.contains("passwd") || l.contains("%2e")),
        "{links:?}"
    );
}

fn attrs(doc: &Html, selector: &str, attribute: &str) -> Vec<String> {
    let selector = Selector::parse(selector).unwrap();
    doc.select(&selector)
        .filter_map(|e| e.value().attr(attribute).map(str::to_string))
        .collect()
}

#[test]
fn each_framework_has_its_own_section_on_the_overview_and_matrix() {
    let built = build_copy("tests/fixtures/two-frameworks");
    assert!(built.output.status.success(), "{}", built.stderr());
    let index = built.page("index.html");
    let headings = texts(&index, "h2[id^=outcomes-]");
    assert_eq!(
        headings,
        [
            "National Award for SEN Co-ordination: learning outcomes",
            "Teachers' Standards"
        ]
    );
    // The Teachers' Standards' preamble is their framing text.
    assert!(texts(&index, "p.framing")[0].starts_with("Teachers make the education"));
    let matrix = built.page("matrix.html");
    let captions = texts(&matrix, "table.matrix caption");
    assert_eq!(captions.len(), 2, "{captions:?}");
    assert!(captions[1].starts_with("Teachers' Standards (teachers-standards-2011)"));
    // A standard that its own tag covers has its own row, before its bullets.
    let rows = texts(
        &matrix,
        "#matrix-teachers-standards-2011 + div th[scope=row]",
    );
    let ts5 = rows.iter().position(|r| r == "TS5").expect("a TS5 row");
    assert_eq!(rows[ts5 + 1], "TS5.1");
    assert!(!rows.iter().any(|r| r == "TS"), "a part is not a row");
    assert_links_resolve(&built.out);
}
