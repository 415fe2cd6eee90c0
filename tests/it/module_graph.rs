//! The library's layout: each stage imports only the stages before it, plus `util` and
//! `error`, so the module graph read from the `crate::` paths in `src/` has no cycle and
//! no back-edge. Prints the edges found (`cargo test --test module_graph -- --nocapture`).

use std::collections::BTreeSet;
use std::path::Path;

/// The pipeline in the order data flows; a stage may import those before it.
const PIPELINE: &[&str] = &[
    "model", "check", "report", "render", "serve", "tutor", "pack",
];

/// Whether `from` may import `to`.
fn allowed(from: &str, to: &str) -> bool {
    let rank = |s: &str| PIPELINE.iter().position(|p| *p == s);
    match (from, to) {
        (_, "error") => from != "util" || to == "error",
        ("error", _) => false,
        (_, "util") => from != "error",
        ("util", _) => false,
        ("author", "model" | "check") => true,
        _ => matches!((rank(from), rank(to)), (Some(a), Some(b)) if b < a),
    }
}

/// Every `crate::stage` a file names in code (in `use` lines and in paths alike; not
/// in comments, whose links to later stages are no import).
fn stages_named(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() {
            found.insert(name);
        }
        rest = after;
    }
    found
}

fn edges() -> BTreeSet<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut edges = BTreeSet::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.expect("walk src");
        let rel = entry.path().strip_prefix(&src).expect("inside src");
        let Some(stage) = rel.components().next().and_then(|c| c.as_os_str().to_str()) else {
            continue;
        };
        // The binary (cli, main.rs) reaches the library as `senco::`; lib.rs is the door.
        let source =
            entry.file_type().is_file() && entry.path().extension().is_some_and(|e| e == "rs");
        if !source || rel.components().count() < 2 || stage == "cli" {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).expect("read");
        for to in stages_named(&text) {
            let known = PIPELINE.contains(&to.as_str())
                || matches!(to.as_str(), "util" | "error" | "author");
            if known && to != stage {
                edges.insert((stage.to_string(), to));
            }
        }
    }
    edges
}

#[test]
fn stages_import_only_the_stages_before_them() {
    let edges = edges();
    for (from, to) in &edges {
        println!("{from} -> {to}");
    }
    let back: Vec<_> = edges
        .iter()
        .filter(|(from, to)| !allowed(from, to))
        .collect();
    assert!(back.is_empty(), "back-edges: {back:?}");
    // The rule implies no cycle; check it directly too.
    for (from, to) in &edges {
        assert!(
            !edges.contains(&(to.clone(), from.clone())),
            "cycle: {from} <-> {to}"
        );
    }
    assert!(
        edges.contains(&("render".into(), "check".into())),
        "the graph was read"
    );
}
