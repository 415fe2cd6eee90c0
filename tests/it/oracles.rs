//! What must hold for any input at all, however broken: the properties behind the
//! proptests in `tests/it/robustness.rs` and the cargo-fuzz targets in `fuzz/`, which both
//! include this file, so the fuzzer and the normal test suite check the same things.
//!
//! Every function takes raw bytes, runs one stage of senco on them, and panics when a
//! property fails. A panic inside senco itself is of course a failure too.

#![allow(dead_code)]

use scraper::{Html, Selector};
use senco::check::evidence::Evidence;
use senco::check::frontmatter::{self, Format, Split};
use senco::error::diagnostic::Diagnostic;
use senco::model::framework::Framework;
use senco::render::html::{self, Context};
use senco::render::site::SiteMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub fn framework() -> &'static Framework {
    static FRAMEWORK: OnceLock<Framework> = OnceLock::new();
    FRAMEWORK.get_or_init(|| match Framework::builtin("nasenco-2014") {
        Ok(fw) => fw,
        Err(e) => panic!("the built-in framework must load: {e:?}"),
    })
}

/// A real portfolio folder for the stages that resolve links against one. Found from
/// either the crate root or `fuzz/`.
pub fn fixture_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [here.to_path_buf(), here.join("..")]
        .iter()
        .map(|base| base.join("tests/fixtures/build-portfolio"))
        .find(|p| p.is_dir())
        .unwrap_or_else(|| panic!("tests/fixtures/build-portfolio not found from {here:?}"))
}

fn lines_in(text: &str) -> usize {
    text.split('\n').count()
}

/// Diagnostics name a real place in the file and can be printed.
fn diagnostics_are_sound(diagnostics: &[Diagnostic], text: &str) {
    for d in diagnostics {
        if let Some(line) = d.line {
            assert!(
                line >= 1 && line <= lines_in(text),
                "diagnostic {} at line {line}, file has {} lines",
                d.code,
                lines_in(text)
            );
        }
        if let Some(column) = d.column {
            assert!(column >= 1, "diagnostic {} at column 0", d.code);
        }
        assert!(
            !d.message.is_empty(),
            "diagnostic {} has no message",
            d.code
        );
        let mut out = Vec::new();
        senco::report::write_diagnostic(&mut out, d).expect("writing to a Vec cannot fail");
        assert!(!out.is_empty());
    }
}

/// Front matter split and parse: the split lies inside the text on character
/// boundaries, and parsing gives a table or an error positioned inside the matter.
pub fn front_matter(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match frontmatter::split(&text) {
        Split::None | Split::Unclosed { .. } => {}
        Split::Found {
            format,
            matter,
            body,
        } => {
            assert!(matter.start <= matter.end && matter.end <= body.start);
            assert_eq!(body.end, text.len());
            assert!(text.is_char_boundary(matter.start) && text.is_char_boundary(matter.end));
            assert!(text.is_char_boundary(body.start));
            let matter_text = &text[matter];
            if let Err(e) = frontmatter::parse(format, matter_text) {
                assert!(!e.message.is_empty());
                if let Some(offset) = e.offset {
                    assert!(
                        offset <= matter_text.len(),
                        "offset {offset} past the matter"
                    );
                }
                let source = senco::error::diagnostic::SourceText::new(&text);
                let at = frontmatter::error_offset(&source, 0, &e);
                assert!(at <= text.len());
            }
        }
    }
    // Either format on the raw text, fenced or not: no panic, no hang.
    for format in [Format::Yaml, Format::Toml] {
        let _ = frontmatter::parse(format, &text);
    }
}

/// Tag extraction from a whole evidence file: the same answer twice, tags at real
/// places, passages taken from the text itself, sound diagnostics.
pub fn evidence(data: &[u8]) -> Evidence {
    let fw = framework();
    let (evidence, diagnostics) = senco::check::evidence::parse_bytes(data, "evidence/fuzz.md", fw);
    let (again, _) = senco::check::evidence::parse_bytes(data, "evidence/fuzz.md", fw);
    assert_eq!(evidence, again, "parsing is not deterministic");
    let text = String::from_utf8_lossy(data);
    let mut inline = 0;
    for tag in &evidence.tags {
        assert!(
            tag.line >= 1 && tag.line <= lines_in(&text),
            "tag at line {}",
            tag.line
        );
        assert!(tag.column >= 1);
        if let Some(index) = tag.inline_index {
            assert_eq!(index, inline, "inline tags are numbered in order");
            inline += 1;
        }
        if let Some(passage) = &tag.passage {
            let stripped = passage.trim();
            assert!(
                stripped.is_empty() || text.contains(stripped),
                "passage {stripped:?} is not in the text"
            );
        }
    }
    diagnostics_are_sound(&diagnostics, &text);
    evidence
}

/// Render and sanitise: nothing in evidence can put script into an assessor's browser,
/// whatever the Markdown.
pub fn render(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let root = fixture_root();
    let dirs = ["evidence".to_string()];
    // The links resolved as the check resolves them, from the same text.
    let mut records = vec![
        senco::check::evidence::parse_bytes(text.as_bytes(), "evidence/fuzz.md", framework()).0,
    ];
    let link_problems =
        senco::check::links::resolve_all(&root, &dirs, None, framework(), &mut records);
    diagnostics_are_sound(&link_problems, &text);
    let site = SiteMap::new(&root, &dirs, &[]);
    for anchors in [true, false] {
        let cx = Context {
            framework: framework(),
            site: &site,
            source: "evidence/fuzz.md",
            page: "evidence/fuzz.html",
            links: &records[0].links,
            mode: html::Mode::Site,
            anchors,
            title: Some("Fuzz"),
            first_line: 1,
            notes: &records,
            hard_breaks: anchors,
            embedding: &[],
        };
        let rendered = html::render(&text, &cx);
        html_is_safe(&rendered.html, 1);
    }
}

/// Elements that run or embed something, never allowed in rendered evidence.
const ACTIVE: &[&str] = &[
    "script", "iframe", "frame", "object", "embed", "style", "link", "meta", "base", "form", "svg",
];
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "xlink:href",
    "poster",
    "cite",
];

/// `html` as a browser would read it: no active element, no event handler, no script
/// URL, and no relative URL that climbs above the site root from a page `depth`
/// folders down.
pub fn html_is_safe(html: &str, depth: usize) {
    assert!(
        !html.to_ascii_lowercase().contains("<script"),
        "script element in rendered evidence:\n{html}"
    );
    let fragment = Html::parse_fragment(html);
    let all = Selector::parse("*").expect("valid selector");
    for element in fragment.select(&all) {
        let value = element.value();
        let name = value.name();
        assert!(
            !ACTIVE.contains(&name),
            "<{name}> in rendered evidence:\n{html}"
        );
        // Math (senco's MathML from `$…$`) holds MathML presentation elements only.
        if name == "math" {
            for inner in element.select(&all) {
                let inner = inner.value().name();
                assert!(
                    inner.starts_with('m') && !matches!(inner, "meta" | "marquee" | "menu")
                        || inner == "none",
                    "<{inner}> inside <math>:\n{html}"
                );
            }
        }
        for (attribute, content) in value.attrs() {
            let attribute = attribute.to_ascii_lowercase();
            assert!(
                !attribute.starts_with("on"),
                "event handler {attribute} on <{name}>:\n{html}"
            );
            if attribute == "style" {
                // Table alignment is the one style evidence may carry.
                let only_alignment = content
                    .split(';')
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .all(|d| {
                        d.split_once(':').is_some_and(|(property, value)| {
                            property.trim() == "text-align"
                                && matches!(value.trim(), "left" | "center" | "right")
                        })
                    });
                assert!(
                    matches!(name, "td" | "th") && only_alignment,
                    "style {content:?} on <{name}>:\n{html}"
                );
            }
            if URL_ATTRIBUTES.contains(&attribute.as_str()) {
                url_is_safe(content, depth, html);
            }
        }
    }
}

fn url_is_safe(url: &str, depth: usize, html: &str) {
    // What a browser strips before looking at a URL's scheme.
    let squeezed: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    if let Some((scheme, _)) = squeezed.split_once(':')
        && !scheme.contains(['/', '?', '#'])
    {
        assert!(
            matches!(scheme, "http" | "https" | "mailto"),
            "URL with scheme {scheme}: {url:?} in\n{html}"
        );
        return;
    }
    assert!(
        !squeezed.starts_with("//"),
        "protocol-relative URL {url:?} in\n{html}"
    );
    let path = squeezed
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .replace("%2e", ".")
        .replace('\\', "/");
    let mut level = depth as isize;
    if path.starts_with('/') {
        panic!("root-relative URL {url:?} in\n{html}");
    }
    let segments: Vec<&str> = path.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            ".." => level -= 1,
            "." | "" => {}
            _ if i + 1 < segments.len() => level += 1,
            _ => {}
        }
        assert!(level >= 0, "URL {url:?} climbs out of the site in\n{html}");
    }
}

/// Framework JSON: loads or gives an error; what loads is a consistent tree.
pub fn framework_json(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(fw) = Framework::from_json(&text, "fuzz.json") else {
        return;
    };
    for (index, node) in fw.nodes.iter().enumerate() {
        assert!(!node.id.is_empty() && !node.title.trim().is_empty());
        let found = fw
            .find(&node.id)
            .unwrap_or_else(|| panic!("node {} cannot be found by its id", node.id));
        assert_eq!(fw.node(found).id, node.id);
        for &child in &node.children {
            assert_eq!(
                fw.node(child).parent.map(|p| fw.node(p).id.clone()),
                Some(node.id.clone())
            );
        }
        let _ = index;
    }
    let _ = fw.suggest("A1.9");
    let _ = fw.search("parents and carers");
    let json = serde_json::to_string(fw.to_file()).expect("a framework serialises");
    let again = Framework::from_json(&json, "again.json")
        .unwrap_or_else(|e| panic!("a loaded framework must load again: {e:?}\n{json}"));
    assert_eq!(again.nodes.len(), fw.nodes.len());
}

/// One judgement file against a fixed piece of evidence.
pub fn judgement(data: &[u8]) {
    static EVIDENCE: OnceLock<Vec<Evidence>> = OnceLock::new();
    let evidence = EVIDENCE.get_or_init(|| {
        let (e, _) = senco::check::evidence::parse_bytes(
            b"---\ntitle: Provision map\noutcomes: [B9.4]\n---\nA passage. [[A1.2]]\n",
            "evidence/2025-01-10-provision-map.md",
            framework(),
        );
        vec![e]
    });
    let fw = framework();
    let (judgement, diagnostics) = senco::check::judgement::parse_file(
        data,
        "feedback/fuzz.md",
        Path::new("/portfolio"),
        fw,
        evidence,
    );
    if let Some(j) = judgement {
        if let Some(node) = j.outcome_node {
            assert_eq!(Some(fw.node(node).id.as_str()), j.outcome.as_deref());
        }
        if let Some(path) = &j.evidence {
            assert!(
                evidence.iter().any(|e| &e.path == path) || !j.counts(),
                "a judgement on unknown evidence {path} counts"
            );
        }
    }
    diagnostics_are_sound(&diagnostics, &String::from_utf8_lossy(data));
}

/// Pack verification of any bytes: an answer or an error, never a panic; a pack that
/// verifies as intact lists what it holds.
pub fn pack_verify(data: &[u8]) {
    if let Ok(verification) = senco::pack::verify::verify_bytes(data)
        && verification.intact()
    {
        assert_eq!(verification.sha256, senco::util::hash::Sha256::of(data));
    }
}
