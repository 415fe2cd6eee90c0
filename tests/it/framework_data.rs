//! Independent checks of the framework data files in `outcomes/`.
//!
//! The NASENCO 2014 file is compared word for word with the plain-text copy of the
//! DfE source document in `../shared/seeds/`. The seed is parsed here from scratch, with
//! `serde_json` and std only (not the `senco` library), so that a bug in the library's
//! loader cannot hide a mistake in the data, or the other way round.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

const NASENCO: &str = "outcomes/nasenco-2014.json";
const NPQ: &str = "outcomes/npq-senco-2023.json";
/// Plain text extracted from the PDF of the 2014 learning outcomes, relative to the manifest.
const SEED: &str = "../shared/seeds/004_e826657144d0b03a.txt";
const SOURCE_COPY: &str = "outcomes/sources/nasenco-2014-learning-outcomes.txt";

/// NASENCO outcomes in document order, with the number of bullets (indicators) under each.
const NASENCO_OUTCOMES: [(&str, usize); 10] = [
    ("A1", 7),
    ("A2", 5),
    ("A3", 4),
    ("A4", 5),
    ("B5", 5),
    ("B6", 5),
    ("B7", 3),
    ("B8", 4),
    ("B9", 7),
    ("C1", 4),
];

/// The sentence that frames each part's outcomes; Part C has none (its statement is C1).
const FRAMING: [(&str, Option<&str>); 3] = [
    (
        "A",
        Some("The Award should enable SENCOs to know and understand the implications of:"),
    ),
    ("B", Some("The Award should enable SENCOs to:")),
    ("C", None),
];

const NPQ_AREAS: [&str; 8] = [
    "School culture",
    "Statutory framework",
    "Identification of need",
    "Teaching",
    "Behaviour",
    "Leading and managing provision",
    "Professional development",
    "Implementation",
];

// ---------------------------------------------------------------------------------------
// Loading

fn manifest_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn load_json(relative: &str) -> Value {
    let path = manifest_path(relative);
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    assert!(text.ends_with('\n'), "{relative} should end with a newline");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative} is not valid JSON: {e}"))
}

/// The source text: the repo's own copy of the DfE document (public, Open Government
/// Licence), so the check never depends on files outside the repository. Where the shared
/// seed folder sits beside the repo, the copy must be identical to it.
fn seed_text() -> Option<String> {
    let copy = manifest_path(SOURCE_COPY);
    let text = fs::read_to_string(&copy)
        .unwrap_or_else(|e| panic!("cannot read the source copy {}: {e}", copy.display()));
    if let Ok(seed) = fs::read_to_string(manifest_path(SEED)) {
        assert_eq!(
            text, seed,
            "{SOURCE_COPY} differs from the shared seed {SEED}"
        );
    }
    Some(text)
}

// ---------------------------------------------------------------------------------------
// JSON access

fn id_of(node: &Value) -> &str {
    node.get("id").and_then(Value::as_str).unwrap_or("<no id>")
}

fn string_field<'a>(node: &'a Value, key: &str) -> &'a str {
    let value = node
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{}: missing string field {key:?}", id_of(node)));
    assert!(
        !value.trim().is_empty(),
        "{}: field {key:?} is empty",
        id_of(node)
    );
    value
}

fn children(node: &Value) -> &[Value] {
    node.get("children")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn top_nodes(doc: &Value) -> &[Value] {
    doc.get("nodes")
        .and_then(Value::as_array)
        .expect("top-level \"nodes\" array")
}

fn aliases(node: &Value) -> Vec<&str> {
    node.get("aliases")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("{}: missing \"aliases\" array", id_of(node)))
        .iter()
        .map(|a| {
            a.as_str()
                .unwrap_or_else(|| panic!("{}: alias {a} is not a string", id_of(node)))
        })
        .collect()
}

fn ids(nodes: &[Value]) -> Vec<&str> {
    nodes.iter().map(id_of).collect()
}

/// Every node in the tree, in document order, with its depth (0 = top level).
fn flatten(nodes: &[Value]) -> Vec<(usize, &Value)> {
    fn walk<'a>(nodes: &'a [Value], depth: usize, out: &mut Vec<(usize, &'a Value)>) {
        for node in nodes {
            out.push((depth, node));
            walk(children(node), depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(nodes, 0, &mut out);
    out
}

fn check_root(doc: &Value, id: &str, version: &str) {
    for key in [
        "id",
        "title",
        "version",
        "source",
        "source_url",
        "description",
    ] {
        string_field(doc, key);
    }
    assert_eq!(string_field(doc, "id"), id);
    assert_eq!(string_field(doc, "version"), version);
    assert!(string_field(doc, "source_url").starts_with("https://www.gov.uk/"));
}

// ---------------------------------------------------------------------------------------
// Parsing the seed text

/// Normalise text the way the data files do: typographic single quotes become ASCII
/// apostrophes, and runs of whitespace become one space.
fn normalise(text: &str) -> String {
    text.replace(['\u{2018}', '\u{2019}'], "'")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Append a wrapped line. A word hyphenated across the line break ("cost-" then
/// "effectiveness") is joined back without a space, keeping its hyphen.
fn push_line(buffer: &mut String, line: &str) {
    let broken_word = buffer
        .strip_suffix('-')
        .and_then(|before| before.chars().last())
        .is_some_and(char::is_alphabetic);
    if !buffer.is_empty() && !broken_word {
        buffer.push(' ');
    }
    buffer.push_str(line.trim());
}

/// "Part B: Leading and Coordinating Provision" gives ("B", "Leading and ...").
fn part_heading(trimmed: &str) -> Option<(&str, &str)> {
    let (letter, heading) = trimmed.strip_prefix("Part ")?.split_once(": ")?;
    (letter.len() == 1 && letter.chars().all(|c| c.is_ascii_uppercase()))
        .then_some((letter, heading))
}

/// "5. Work strategically with ..." gives ("5", "Work strategically with ...").
fn numbered_stem(trimmed: &str) -> Option<(&str, &str)> {
    let (number, stem) = trimmed.split_once(". ")?;
    (!number.is_empty() && number.chars().all(|c| c.is_ascii_digit())).then_some((number, stem))
}

/// The text of a line that starts a bullet. The PDF's bullet is a private-use glyph
/// (Symbol font); where the extraction dropped the glyph, the bullet line still starts
/// with whitespace, while wrapped continuation lines start at the margin.
fn bullet_body(line: &str) -> Option<&str> {
    let trimmed = line.trim_start();
    let mut chars = trimmed.chars();
    match chars.next() {
        Some('\u{E000}'..='\u{F8FF}' | '\u{2022}') => Some(chars.as_str()),
        Some(_) if trimmed.len() < line.len() => Some(trimmed),
        _ => None,
    }
}

#[derive(Debug)]
struct SeedPart {
    letter: String,
    heading: String,
    /// The framing sentence under the heading (empty for Part C once parsed).
    framing: String,
    outcomes: Vec<SeedOutcome>,
}

#[derive(Debug)]
struct SeedOutcome {
    /// The official number, 1 to 9; Part C's statement has none.
    number: Option<String>,
    stem: String,
    bullets: Vec<String>,
}

enum Cursor {
    Framing,
    Stem,
    Bullet,
}

/// Split the "Learning outcomes:" section of the seed into parts, outcomes and bullets.
fn parse_seed(text: &str) -> Vec<SeedPart> {
    let start = text
        .find("Learning outcomes:")
        .expect("the seed has a \"Learning outcomes:\" section");
    let mut parts: Vec<SeedPart> = Vec::new();
    let mut cursor = Cursor::Framing;
    for line in text[start..].lines().skip(1) {
        let trimmed = line.trim();
        // Blank lines carry no structure: page breaks put them inside bullets.
        if trimmed.is_empty() {
            continue;
        }
        if let Some((letter, heading)) = part_heading(trimmed) {
            parts.push(SeedPart {
                letter: letter.to_string(),
                heading: heading.to_string(),
                framing: String::new(),
                outcomes: Vec::new(),
            });
            cursor = Cursor::Framing;
            continue;
        }
        let part = parts
            .last_mut()
            .unwrap_or_else(|| panic!("text before the first part heading: {trimmed:?}"));
        if let Some((number, stem)) = numbered_stem(trimmed) {
            part.outcomes.push(SeedOutcome {
                number: Some(number.to_string()),
                stem: stem.to_string(),
                bullets: Vec::new(),
            });
            cursor = Cursor::Stem;
            continue;
        }
        if let Some(body) = bullet_body(line) {
            if part.outcomes.is_empty() {
                // Part C has no numbered stem: its statement paragraph plays that role.
                part.outcomes.push(SeedOutcome {
                    number: None,
                    stem: std::mem::take(&mut part.framing),
                    bullets: Vec::new(),
                });
            }
            let outcome = part.outcomes.last_mut().expect("an outcome");
            outcome.bullets.push(body.trim().to_string());
            cursor = Cursor::Bullet;
            continue;
        }
        let buffer = match cursor {
            Cursor::Framing => &mut part.framing,
            Cursor::Stem => &mut part.outcomes.last_mut().expect("an outcome").stem,
            Cursor::Bullet => part
                .outcomes
                .last_mut()
                .and_then(|o| o.bullets.last_mut())
                .expect("a bullet"),
        };
        push_line(buffer, trimmed);
    }
    for part in &mut parts {
        part.heading = normalise(&part.heading);
        part.framing = normalise(&part.framing);
        for outcome in &mut part.outcomes {
            outcome.stem = normalise(&outcome.stem);
            for bullet in &mut outcome.bullets {
                *bullet = normalise(bullet);
            }
        }
    }
    parts
}

fn assert_same_text(id: &str, field: &str, actual: &str, expected: &str) {
    assert!(
        actual == expected,
        "{id}: {field} differs from the source\n  expected (source): {expected:?}\n  actual (data):     {actual:?}"
    );
}

// ---------------------------------------------------------------------------------------
// NASENCO 2014

#[test]
fn nasenco_structure_ids_and_aliases() {
    let doc = load_json(NASENCO);
    check_root(&doc, "nasenco-2014", "2014");
    let parts = top_nodes(&doc);

    assert_eq!(ids(parts), ["A", "B", "C"], "parts");
    for (part, (letter, framing)) in parts.iter().zip(FRAMING) {
        assert_eq!(id_of(part), letter);
        string_field(part, "description");
        let text = part.get("text").and_then(Value::as_str);
        assert_eq!(text, framing, "{letter}: framing sentence");
        let expected: Vec<&str> = NASENCO_OUTCOMES
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| id.starts_with(letter))
            .collect();
        assert_eq!(ids(children(part)), expected, "outcomes of part {letter}");
    }

    let outcomes: Vec<&Value> = parts.iter().flat_map(children).collect();
    let indicators: Vec<&Value> = outcomes.iter().flat_map(|o| children(o)).collect();
    let expected_ids: Vec<String> = NASENCO_OUTCOMES
        .iter()
        .flat_map(|(outcome, count)| (1..=*count).map(move |n| format!("{outcome}.{n}")))
        .collect();
    assert_eq!(expected_ids.len(), 49);
    let actual_ids: Vec<&str> = indicators.iter().map(|i| id_of(i)).collect();
    assert_eq!(actual_ids, expected_ids, "indicator ids, in order");

    // Official numbers 1-9 are aliases; Part C's statement C1 has none of its own.
    for outcome in &outcomes {
        let id = id_of(outcome);
        let expected: Vec<&str> = if id == "C1" { vec![] } else { vec![&id[1..]] };
        assert_eq!(aliases(outcome), expected, "{id}: aliases");
    }
    for indicator in &indicators {
        let id = id_of(indicator);
        let alias = match id.strip_prefix("C1.") {
            Some(n) => format!("C.{n}"),
            None => id[1..].to_string(),
        };
        assert_eq!(aliases(indicator), [alias], "{id}: aliases");
    }

    let mut seen = HashSet::new();
    for (depth, node) in flatten(parts) {
        let id = id_of(node);
        let kind = *["part", "outcome", "indicator"]
            .get(depth)
            .unwrap_or_else(|| panic!("{id}: nested too deeply"));
        assert_eq!(string_field(node, "kind"), kind, "{id}: kind");
        string_field(node, "title");
        assert_eq!(
            node.get("children").is_some(),
            kind != "indicator",
            "{id}: only leaves (indicators) lack \"children\""
        );
        for name in std::iter::once(id).chain(aliases(node)) {
            assert!(
                seen.insert(name.to_lowercase()),
                "{id}: id or alias {name:?} is used twice (case-insensitively)"
            );
        }
    }
}

#[test]
fn nasenco_text_matches_source_word_for_word() {
    let Some(seed) = seed_text() else {
        return;
    };
    let seed_parts = parse_seed(&seed);
    let doc = load_json(NASENCO);
    let parts = top_nodes(&doc);
    assert_eq!(
        parts.len(),
        seed_parts.len(),
        "number of parts in the source"
    );

    let flat_seed = normalise(&seed);
    for (part, source) in parts.iter().zip(&seed_parts) {
        let id = id_of(part);
        assert_eq!(id, source.letter, "part order");
        assert_same_text(id, "title", string_field(part, "title"), &source.heading);
        let text = part.get("text").and_then(Value::as_str).unwrap_or("");
        assert_same_text(id, "text (framing sentence)", text, &source.framing);
        assert!(
            text.is_empty() || flat_seed.contains(text),
            "{id}: framing sentence not found verbatim in the source: {text:?}"
        );
        // The introduction summarises each part as "Part A The professional ...".
        let description = string_field(part, "description");
        assert!(
            flat_seed.contains(&format!("Part {id} {description}")),
            "{id}: description is not the source's summary of the part: {description:?}"
        );

        let outcomes = children(part);
        assert_eq!(
            outcomes.len(),
            source.outcomes.len(),
            "{id}: number of outcomes in the source"
        );
        for (outcome, source) in outcomes.iter().zip(&source.outcomes) {
            let id = id_of(outcome);
            assert_same_text(id, "title", string_field(outcome, "title"), &source.stem);
            assert_eq!(
                aliases(outcome),
                source.number.iter().map(String::as_str).collect::<Vec<_>>(),
                "{id}: alias should be the official number"
            );
            let indicators = children(outcome);
            assert_eq!(
                indicators.len(),
                source.bullets.len(),
                "{id}: number of bullets in the source"
            );
            for (indicator, bullet) in indicators.iter().zip(&source.bullets) {
                let id = id_of(indicator);
                assert_same_text(id, "title", string_field(indicator, "title"), bullet);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// NPQ for SENCOs 2023

#[test]
fn npq_lists_the_eight_areas_and_no_statements() {
    let doc = load_json(NPQ);
    check_root(&doc, "npq-senco-2023", "2023");
    let description = string_field(&doc, "description").to_lowercase();
    assert!(
        description.contains("statements are not included"),
        "the description should say that the framework's statements are not included"
    );

    let nodes = top_nodes(&doc);
    assert_eq!(nodes.len(), NPQ_AREAS.len(), "number of areas");
    for (n, (node, title)) in (1..).zip(nodes.iter().zip(NPQ_AREAS)) {
        let id = format!("NPQ{n}");
        assert_eq!(id_of(node), id);
        assert_eq!(string_field(node, "kind"), "outcome", "{id}: kind");
        assert_eq!(string_field(node, "title"), title, "{id}: title");
        assert!(node.get("aliases").is_none(), "{id}: no aliases");
        let keys: Vec<&str> = node
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        for key in &keys {
            assert!(
                ["id", "kind", "title"].contains(key),
                "{id}: unexpected key {key:?} (no statement text or children belong here)"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------
// Teachers' Standards 2011

const TEACHERS_STANDARDS: &str = "outcomes/teachers-standards-2011.json";
/// The word-for-word transcription, with its sources and differences beside it.
const TS_REFERENCE: &str = "../shared/reference/teachers-standards/teachers-standards-2011.txt";
const TS_COPY: &str = "outcomes/sources/teachers-standards-2011.txt";

/// The transcription, parsed with std only: the preamble, Part One's lead-in and
/// numbered standards with their bullets, Part Two's lead-in and statements with the
/// first's sub-bullets.
#[derive(Debug, Default)]
struct TsSource {
    preamble: String,
    part_one_lead: String,
    standards: Vec<(String, String, Vec<String>)>,
    part_two_lead: String,
    statements: Vec<(String, Vec<String>)>,
}

fn ts_source() -> TsSource {
    let copy = fs::read_to_string(manifest_path(TS_COPY))
        .unwrap_or_else(|e| panic!("cannot read {TS_COPY}: {e}"));
    if let Ok(reference) = fs::read_to_string(manifest_path(TS_REFERENCE)) {
        assert_eq!(copy, reference, "{TS_COPY} differs from {TS_REFERENCE}");
    }
    let body = copy
        .split("\nPreamble\n")
        .nth(1)
        .expect("a Preamble heading");
    let (preamble, rest) = body
        .split_once("\nPart One: Teaching\n")
        .expect("a Part One heading");
    let (part_one, part_two) = rest
        .split_once("\nPart Two: Personal and professional conduct\n")
        .expect("a Part Two heading");
    let mut source = TsSource {
        preamble: normalise(preamble),
        ..TsSource::default()
    };
    for line in part_one.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(bullet) = line.strip_prefix("- ") {
            let standard = source.standards.last_mut().expect("a standard first");
            standard.2.push(normalise(bullet));
        } else if let Some((number, heading)) = numbered_stem(line.trim()) {
            source
                .standards
                .push((number.to_string(), normalise(heading), Vec::new()));
        } else {
            assert!(source.standards.is_empty(), "stray line {line:?}");
            source.part_one_lead = normalise(line);
        }
    }
    for line in part_two.lines().filter(|l| !l.trim().is_empty()) {
        if let Some(sub) = line.strip_prefix("  - ") {
            let statement = source.statements.last_mut().expect("a statement first");
            statement.1.push(normalise(sub));
        } else if let Some(statement) = line.strip_prefix("- ") {
            source.statements.push((normalise(statement), Vec::new()));
        } else {
            assert!(source.statements.is_empty(), "stray line {line:?}");
            source.part_two_lead = normalise(line);
        }
    }
    source
}

fn optional_text<'a>(node: &'a Value, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Value::as_str)
}

#[test]
fn teachers_standards_match_the_transcription_word_for_word() {
    let source = ts_source();
    assert_eq!(
        source
            .standards
            .iter()
            .map(|s| s.2.len())
            .collect::<Vec<_>>(),
        [3, 5, 5, 5, 4, 4, 4, 5],
        "bullets per standard in the transcription"
    );
    let doc = load_json(TEACHERS_STANDARDS);
    check_root(&doc, "teachers-standards-2011", &source_version());
    assert_same_text(
        "framework",
        "text (preamble)",
        optional_text(&doc, "text").unwrap_or(""),
        &source.preamble,
    );
    let parts = top_nodes(&doc);
    assert_eq!(ids(parts), ["TS", "PC"], "parts");
    let (one, two) = (&parts[0], &parts[1]);
    for part in [one, two] {
        assert_eq!(string_field(part, "kind"), "part");
        assert!(part.get("rollup").is_none(), "a part needs every standard");
    }
    assert_same_text("TS", "title", string_field(one, "title"), "Teaching");
    assert_same_text(
        "TS",
        "text",
        optional_text(one, "text").unwrap_or(""),
        &source.part_one_lead,
    );
    assert_eq!(source.part_one_lead, "A teacher must:");
    assert_same_text(
        "PC",
        "title",
        string_field(two, "title"),
        "Personal and professional conduct",
    );
    assert_same_text(
        "PC",
        "text",
        optional_text(two, "text").unwrap_or(""),
        &source.part_two_lead,
    );

    let standards = children(one);
    assert_eq!(standards.len(), 8, "TS1-TS8");
    for (node, (number, heading, bullets)) in standards.iter().zip(&source.standards) {
        let id = format!("TS{number}");
        assert_eq!(id_of(node), id);
        assert_eq!(string_field(node, "kind"), "outcome", "{id}");
        assert_eq!(string_field(node, "rollup"), "any", "{id}: rollup");
        assert_same_text(&id, "title", string_field(node, "title"), heading);
        let indicators = children(node);
        assert_eq!(indicators.len(), bullets.len(), "{id}: bullets");
        for (n, (indicator, bullet)) in (1..).zip(indicators.iter().zip(bullets)) {
            let bullet_id = format!("{id}.{n}");
            assert_eq!(id_of(indicator), bullet_id);
            assert_eq!(string_field(indicator, "kind"), "indicator", "{bullet_id}");
            assert_same_text(
                &bullet_id,
                "title",
                string_field(indicator, "title"),
                bullet,
            );
            assert!(children(indicator).is_empty(), "{bullet_id}: a leaf");
        }
    }

    let statements = children(two);
    assert_eq!(statements.len(), 3, "PC1-PC3");
    for (n, (node, (text, subs))) in (1..).zip(statements.iter().zip(&source.statements)) {
        let id = format!("PC{n}");
        assert_eq!(id_of(node), id);
        assert_eq!(string_field(node, "kind"), "outcome", "{id}");
        assert_same_text(&id, "title", string_field(node, "title"), text);
        let indicators = children(node);
        assert_eq!(indicators.len(), subs.len(), "{id}: sub-bullets");
        assert_eq!(
            node.get("rollup").and_then(Value::as_str),
            (!subs.is_empty()).then_some("any"),
            "{id}: rollup"
        );
        for (m, (indicator, sub)) in (1..).zip(indicators.iter().zip(subs)) {
            let sub_id = format!("{id}.{m}");
            assert_eq!(id_of(indicator), sub_id);
            assert_eq!(string_field(indicator, "kind"), "indicator", "{sub_id}");
            assert_same_text(&sub_id, "title", string_field(indicator, "title"), sub);
        }
    }
    assert_eq!(children(&statements[0]).len(), 5, "PC1.1-PC1.5");

    // The description says how the standards roll up, as the DfE asks them to be read.
    let description = string_field(&doc, "description");
    assert!(description.contains("should not be interpreted as separate standards"));
    assert!(description.contains("`any`"), "{description}");
    // No aliases: bare numbers belong to NASENCO's official outcome numbers.
    for (_, node) in flatten(parts) {
        assert!(node.get("aliases").is_none(), "{}: aliases", id_of(node));
    }
}

/// The date line of the transcription, the framework's version.
fn source_version() -> String {
    let copy = fs::read_to_string(manifest_path(TS_COPY)).expect("the transcription");
    let line = copy
        .lines()
        .find(|l| l.starts_with("July 2011"))
        .expect("the date line");
    assert_eq!(
        line,
        "July 2011 (introduction updated June 2013, latest terminology update December 2021)"
    );
    "July 2011, introduction updated June 2013, terminology update December 2021".to_string()
}
