//! Property test: random portfolios on disk, checked by the library, against a simple
//! model of the coverage rules written here from the contract alone:
//!
//! - a node's evidence is the set of distinct non-draft files that tag it directly,
//!   in front matter or inline, by id in any case or by alias;
//! - a leaf is covered when it has at least `min_evidence` files;
//! - a node with children is covered when all of its children are.
//!
//! The framework tree is read straight from `outcomes/nasenco-2014.json` with serde_json.

use proptest::prelude::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

struct ModelNode {
    id: String,
    aliases: Vec<String>,
    children: Vec<usize>,
}

fn model_tree() -> Vec<ModelNode> {
    fn walk(nodes: &Value, out: &mut Vec<ModelNode>) -> Vec<usize> {
        let mut ids = Vec::new();
        for node in nodes.as_array().expect("nodes") {
            let index = out.len();
            ids.push(index);
            out.push(ModelNode {
                id: node["id"].as_str().expect("id").to_string(),
                aliases: node
                    .get("aliases")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .map(|s| s.as_str().expect("alias").to_string())
                            .collect()
                    })
                    .unwrap_or_default(),
                children: Vec::new(),
            });
            if let Some(children) = node.get("children") {
                let kids = walk(children, out);
                out[index].children = kids;
            }
        }
        ids
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("outcomes/nasenco-2014.json");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON");
    let mut out = Vec::new();
    walk(&json["nodes"], &mut out);
    out
}

/// How one tag is written and where.
#[derive(Debug, Clone)]
struct TagSpec {
    node: usize,
    /// 0: as the id, 1: lower case, 2: an alias (falls back to the id).
    spelling: u8,
    /// 0: front matter, 1: inline, 2: both.
    place: u8,
}

#[derive(Debug, Clone)]
struct FileSpec {
    folder: u8,
    /// 0: none, 1: YAML flow list, 2: YAML block list, 3: YAML comma string, 4: TOML.
    format: u8,
    draft: bool,
    tags: Vec<TagSpec>,
    /// A tag inside a fenced code block, which must not count.
    in_code: Option<usize>,
}

fn file_spec(nodes: usize) -> impl Strategy<Value = FileSpec> {
    let tag = (0..nodes, 0u8..3, 0u8..3).prop_map(|(node, spelling, place)| TagSpec {
        node,
        spelling,
        place,
    });
    (
        0u8..3,
        0u8..5,
        any::<bool>(),
        prop::collection::vec(tag, 0..6),
        prop::option::of(0..nodes),
    )
        .prop_map(|(folder, format, draft, tags, in_code)| FileSpec {
            folder,
            format,
            draft,
            tags,
            in_code,
        })
}

fn spell(node: &ModelNode, spelling: u8) -> String {
    match spelling {
        1 => node.id.to_lowercase(),
        2 => node
            .aliases
            .first()
            .cloned()
            .unwrap_or_else(|| node.id.clone()),
        _ => node.id.clone(),
    }
}

/// Writes one file; returns its relative path.
fn write_file(root: &Path, index: usize, spec: &FileSpec, tree: &[ModelNode]) -> String {
    let folder = ["", "sub/", "Cymraeg/ŵyl/"][spec.folder as usize];
    let rel = format!("evidence/{folder}file-{index:02}.md");
    let front: Vec<String> = spec
        .tags
        .iter()
        .filter(|t| t.place != 1)
        .map(|t| spell(&tree[t.node], t.spelling))
        .collect();
    let inline: Vec<String> = spec
        .tags
        .iter()
        .filter(|t| t.place != 0)
        .map(|t| spell(&tree[t.node], t.spelling))
        .collect();
    // Front matter is needed for a draft flag or for front-matter tags.
    let format = match spec.format {
        0 if spec.draft || !front.is_empty() => 1,
        f => f,
    };
    let quoted: Vec<String> = front.iter().map(|i| format!("\"{i}\"")).collect();
    let mut text = String::new();
    match format {
        0 => {}
        4 => {
            text.push_str("+++\ntitle = \"A file\"\n");
            text.push_str(&format!("draft = {}\n", spec.draft));
            text.push_str(&format!("outcomes = [{}]\n+++\n", quoted.join(", ")));
        }
        _ => {
            text.push_str(&format!("---\ntitle: A file\ndraft: {}\n", spec.draft));
            match format {
                1 => text.push_str(&format!("outcomes: [{}]\n", quoted.join(", "))),
                2 if front.is_empty() => text.push_str("outcomes: []\n"),
                2 => {
                    text.push_str("outcomes:\n");
                    for id in &front {
                        text.push_str(&format!("  - {id}\n"));
                    }
                }
                _ => text.push_str(&format!("outcomes: \"{}\"\n", front.join(", "))),
            }
            text.push_str("---\n");
        }
    }
    text.push_str("\nChild A and TA 1 worked on the plan.\n\n");
    for id in &inline {
        text.push_str(&format!("A passage that shows it. [[{id}]]\n\n"));
    }
    if let Some(node) = spec.in_code {
        text.push_str(&format!("```\n[[{}]]\n```\n", tree[node].id));
    }
    let path = root.join(&rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folders");
    std::fs::write(path, text).expect("write");
    rel
}

/// The model's answer: per node id, (covered, sorted evidence paths).
fn model(
    tree: &[ModelNode],
    files: &[(String, FileSpec)],
    min_evidence: usize,
) -> BTreeMap<String, (bool, Vec<String>)> {
    let mut evidence: Vec<BTreeSet<String>> = vec![BTreeSet::new(); tree.len()];
    for (path, spec) in files {
        if spec.draft {
            continue;
        }
        for tag in &spec.tags {
            evidence[tag.node].insert(path.clone());
        }
    }
    fn covered(i: usize, tree: &[ModelNode], evidence: &[BTreeSet<String>], min: usize) -> bool {
        if tree[i].children.is_empty() {
            evidence[i].len() >= min
        } else {
            tree[i]
                .children
                .iter()
                .all(|&c| covered(c, tree, evidence, min))
        }
    }
    (0..tree.len())
        .map(|i| {
            (
                tree[i].id.clone(),
                (
                    covered(i, tree, &evidence, min_evidence),
                    evidence[i].iter().cloned().collect(),
                ),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn coverage_matches_the_model(
        files in prop::collection::vec(file_spec(model_tree().len()), 0..12),
        min_evidence in 1usize..4,
    ) {
        let tree = model_tree();
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::write(
            root.join("portfolio.toml"),
            format!("[portfolio]\nframework = \"nasenco-2014\"\n\n[rules]\nmin_evidence = {min_evidence}\n"),
        ).expect("portfolio.toml");
        std::fs::create_dir_all(root.join("evidence")).expect("evidence");
        let written: Vec<(String, FileSpec)> = files
            .iter()
            .enumerate()
            .map(|(i, spec)| (write_file(root, i, spec, &tree), spec.clone()))
            .collect();

        let check = senco::check(root, &Default::default()).expect("the portfolio checks");

        // No errors: every id written is valid, whatever its spelling.
        let errors: Vec<_> = check.diagnostics.iter()
            .filter(|d| d.severity == senco::error::diagnostic::Severity::Error)
            .collect();
        prop_assert!(errors.is_empty(), "{:?}", errors);

        // Every file is listed, drafts included, sorted by path.
        let mut paths: Vec<String> = written.iter().map(|(p, _)| p.clone()).collect();
        paths.sort();
        let listed: Vec<String> = check.evidence.iter().map(|e| e.path.clone()).collect();
        prop_assert_eq!(&listed, &paths);
        for (path, spec) in &written {
            let e = check.evidence.iter().find(|e| &e.path == path).expect("listed");
            prop_assert_eq!(e.draft, spec.draft);
            let want: BTreeSet<&str> = spec.tags.iter().map(|t| tree[t.node].id.as_str()).collect();
            let got: BTreeSet<&str> = e.outcome_nodes().into_iter()
                .map(|n| check.framework.node(n).id.as_str()).collect();
            prop_assert_eq!(got, want, "outcomes of {}", path);
        }

        // Every node's coverage and evidence list.
        let expected = model(&tree, &written, min_evidence);
        prop_assert_eq!(check.framework.nodes.len(), tree.len());
        for (index, node) in check.framework.nodes.iter().enumerate() {
            let got = check.coverage.node(index);
            let got_paths: Vec<String> = got.evidence.iter()
                .map(|&e| check.evidence[e].path.clone()).collect();
            let (want_covered, want_paths) = &expected[&node.id];
            prop_assert_eq!(&got_paths, want_paths, "evidence of {}", node.id);
            prop_assert_eq!(got.covered, *want_covered, "covered of {}", node.id);
        }
    }
}
