//! Property tests on stable for the stages the fuzzers in `fuzz/` hammer for hours:
//! small hostile inputs, built from the pieces real evidence (and real attacks) are made
//! of, checked against the same properties (`tests/it/oracles.rs`).

use crate::oracles;
use proptest::prelude::*;

/// Pieces of evidence files: fences, YAML and TOML, Markdown blocks, tags, raw HTML,
/// hostile URLs, odd Unicode and line endings.
const PIECES: &[&str] = &[
    "---\n",
    "+++\n",
    "...\n",
    "title: A reflection\n",
    "title = \"A reflection\"\n",
    "outcomes: [A1.2, B5.1]\n",
    "outcomes = [\"A1.2\"]\n",
    "outcomes: 5\n",
    "outcomes: {a: b}\n",
    "outcomes: [[A1.1]]\n",
    "outcomes:\n  - A1.9\n  - 5.2\n",
    "date: 2025-13-45\n",
    "draft: yes\n",
    "a: &a [x, *a]\n",
    "b: *nope\n",
    "\tkey: tab\n",
    "title: one\ntitle: two\n",
    "type: reflection\n",
    "# Heading [[A1.2]]\n",
    "Some text [[B5.1]] and [[a1.2|shown]].\n",
    "[[",
    "]]",
    "[[A1.",
    "[[evidence/other]]",
    "\n",
    "\r\n",
    "\r",
    "> ",
    "- ",
    "1. ",
    "    indented code\n",
    "```\ncode [[A1.2]]\n```\n",
    "| a | b |\n|---|---|\n| [[A1.2]] | x |\n",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x>",
    "<img src=x onerror=alert(1)>",
    "<a href=\"javascript:alert(1)\">x</a>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt&#58;alert(1))",
    "[x](java\tscript:alert(1))",
    "![i](data:text/html;base64,PHNjcmlwdD4=)",
    "[x](../../../etc/passwd)",
    "[x](%2e%2e/%2e%2e/secret.md)",
    "[x](//evil.example/)",
    "[x](/etc/passwd)",
    "[x](attachments/plan.pdf)",
    "<svg onload=alert(1)>",
    "<iframe src=x></iframe>",
    "<style>*{}</style>",
    "<p style=\"x\">",
    "| l | r |\n|:--|--:|\n| a | b |\n",
    "<table><tr><td style=\"background:url(javascript:alert(1));text-align:right\">x</td></tr></table>",
    "<!-- [[A1.2]] -->",
    "<details><summary>s</summary>[[A1.2]]</details>",
    "\u{E000}0\u{E000}",
    "\u{FEFF}",
    "\u{200B}",
    "ŵ ŷ ✓ 👩🏽‍🏫",
    "\\[[A1.2]]",
    "*emphasis*",
    "[^1]\n\n[^1]: note [[A1.2]]\n",
    "- [ ] task\n",
    "Setext\n===\n",
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(PIECES).prop_map(str::to_string),
        1 => "[ -~]{0,12}",
        1 => any::<String>().prop_map(|s| s.chars().take(6).collect()),
    ]
}

fn document() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(piece(), 0..24).prop_map(|pieces| pieces.concat().into_bytes())
}

/// Mostly text, sometimes not text at all.
fn file_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => document(),
        1 => prop::collection::vec(any::<u8>(), 0..200),
        1 => document().prop_map(|mut d| {
            // Invalid UTF-8 in the middle of otherwise good text.
            let at = d.len() / 2;
            d.splice(at..at, [0xC3, 0x28, 0xFF]);
            d
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn front_matter_split_and_parse(data in file_bytes()) {
        oracles::front_matter(&data);
    }

    #[test]
    fn tag_extraction(data in file_bytes()) {
        oracles::evidence(&data);
    }

    #[test]
    fn render_and_sanitise(data in file_bytes()) {
        oracles::render(&data);
    }

    #[test]
    fn judgement_files(data in file_bytes()) {
        oracles::judgement(&data);
    }
}

/// Framework files: JSON assembled from the shapes a framework is made of.
fn framework_json() -> impl Strategy<Value = Vec<u8>> {
    let id = prop_oneof![
        Just("A1".to_string()),
        Just("A1.1".to_string()),
        Just("a1.1".to_string()),
        Just(String::new()),
        "[A-C][0-9]{1,2}(\\.[0-9]{1,2})?",
    ];
    let leaf = (id.clone(), "[ -~]{0,8}", prop::collection::vec(id.clone(), 0..2)).prop_map(
        |(id, title, aliases)| serde_json::json!({"id": id, "kind": "indicator", "title": title, "aliases": aliases}),
    );
    let outcome = (id, prop::collection::vec(leaf, 0..3)).prop_map(|(id, children)| {
        serde_json::json!({"id": id, "kind": "outcome", "title": "An outcome", "children": children})
    });
    let whole = (
        prop_oneof![Just("x"), Just(""), Just("nasenco-2014")],
        prop::collection::vec(outcome, 0..3),
    )
        .prop_map(|(fid, nodes)| {
            serde_json::json!({"id": fid, "title": "A framework", "nodes": nodes}).to_string()
        });
    prop_oneof![
        3 => whole.prop_map(String::into_bytes),
        1 => (any::<u8>(), 0usize..400).prop_map(|(b, at)| {
            // A valid framework with one byte changed.
            let mut real = include_bytes!("../../outcomes/nasenco-2014.json").to_vec();
            let at = at * real.len() / 400;
            real[at] = b;
            real
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn framework_loading(data in framework_json()) {
        oracles::framework_json(&data);
    }
}

/// A real pack of the build fixture, made once.
fn real_pack() -> &'static [u8] {
    static PACK: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    PACK.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = oracles::fixture_root();
        let pack = senco::pack::prepare(&[root], &senco::pack::PackOptions::default())
            .unwrap_or_else(|e| panic!("the fixture packs: {e:?}"));
        let out = dir.path().join("pack.zip");
        senco::pack::write(&pack, &out).unwrap_or_else(|e| panic!("{e:?}"));
        std::fs::read(&out).expect("pack written")
    })
}

#[test]
fn the_unmutated_pack_verifies() {
    let verification =
        senco::pack::verify::verify_bytes(real_pack()).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(verification.intact(), "{verification:?}");
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(usize, u8),
    Truncate(usize),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Positions are per mille of the pack's length, so they fall everywhere in it.
    prop_oneof![
        4 => (0usize..1000, any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        1 => (0usize..1000).prop_map(Mutation::Truncate),
        1 => (0usize..1000, prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        1 => (0usize..1000, 1usize..64).prop_map(|(at, n)| Mutation::Remove(at, n)),
    ]
}

fn apply(pack: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = pack.to_vec();
    for m in mutations {
        let at = |per_mille: usize, len: usize| per_mille * len / 1000;
        match m {
            Mutation::Set(p, b) => {
                let i = at(*p, bytes.len());
                if let Some(slot) = bytes.get_mut(i) {
                    *slot = *b;
                }
            }
            Mutation::Truncate(p) => bytes.truncate(at(*p, bytes.len())),
            Mutation::Insert(p, new) => {
                let i = at(*p, bytes.len());
                bytes.splice(i..i, new.iter().copied());
            }
            Mutation::Remove(p, n) => {
                let i = at(*p, bytes.len());
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn pack_verify_on_a_mutated_zip(mutations in prop::collection::vec(mutation(), 1..4)) {
        let bytes = apply(real_pack(), &mutations);
        oracles::pack_verify(&bytes);
    }
}

/// A changed byte inside a stored file is always noticed: the zip's CRC or the
/// manifest's SHA-256 catches it.
#[test]
fn every_changed_content_byte_is_noticed() {
    let pack = real_pack();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(pack)).expect("the pack is a zip");
    let mut checked = 0;
    for index in 0..archive.len() {
        let file = archive.by_index_raw(index).expect("entry");
        let name = file.name().map(|n| n.to_string()).expect("entry name");
        if file.size() == 0 || name == "manifest.json" {
            continue;
        }
        let start = file
            .data_start()
            .unwrap_or_else(|| panic!("{name} has no data offset"));
        let middle = (start + file.compressed_size() / 2) as usize;
        drop(file);
        let mut bytes = pack.to_vec();
        bytes[middle] ^= 0x55;
        let intact = senco::pack::verify::verify_bytes(&bytes).map(|v| v.intact());
        assert!(
            !matches!(intact, Ok(true)),
            "a changed byte in {name} went unnoticed"
        );
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} entries checked");
}
