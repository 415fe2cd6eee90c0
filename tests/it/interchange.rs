//! Frameworks in and out: CASE 1.0 and Moodle CSV round trips for every built-in
//! framework, the shape of each export checked against its format's rules, imports of
//! small real-shaped provider files (fictional content) with located diagnostics, and
//! the `senco framework` and `senco outcomes --format` commands end to end.

use crate::harness::*;
use senco::model::framework::{BUILTIN, Framework, FrameworkFile, NodeFile, Rollup};
use senco::model::interchange::{self, ImportFormat, case, mahara, moodle};
use serde_json::Value;
use std::collections::HashSet;

/// Every node in pre-order with what must survive any round trip: id, kind, wording.
fn flat(nodes: &[NodeFile]) -> Vec<(String, &'static str, String, usize)> {
    fn walk(
        nodes: &[NodeFile],
        depth: usize,
        out: &mut Vec<(String, &'static str, String, usize)>,
    ) {
        for n in nodes {
            out.push((n.id.clone(), n.kind.as_str(), n.title.clone(), depth));
            walk(&n.children, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(nodes, 0, &mut out);
    out
}

fn rollups(nodes: &[NodeFile]) -> Vec<(String, Rollup)> {
    let mut out = Vec::new();
    fn walk(nodes: &[NodeFile], out: &mut Vec<(String, Rollup)>) {
        for n in nodes {
            out.push((n.id.clone(), n.rollup));
            walk(&n.children, out);
        }
    }
    walk(nodes, &mut out);
    out
}

/// The rollup a built-in framework needs on import: `any` where it uses `any`.
fn rollup_of(file: &FrameworkFile) -> Rollup {
    if rollups(&file.nodes).iter().any(|(_, r)| *r == Rollup::Any) {
        Rollup::Any
    } else {
        Rollup::All
    }
}

#[test]
fn every_built_in_framework_round_trips_through_case() {
    for (id, _) in BUILTIN {
        let (fw, back) = round_trip(id, "x.json", ImportFormat::Case, case::export);
        let (original, file) = (fw.to_file(), back.to_file());
        // CASE also carries framing text, descriptions and the framework's own fields.
        let texts = |f: &FrameworkFile| {
            let mut out = Vec::new();
            fn walk(nodes: &[NodeFile], out: &mut Vec<(Option<String>, Option<String>)>) {
                for n in nodes {
                    out.push((n.text.clone(), n.description.clone()));
                    walk(&n.children, out);
                }
            }
            walk(&f.nodes, &mut out);
            out
        };
        assert_eq!(
            texts(file),
            texts(original),
            "{id}: framing text and descriptions"
        );
        assert_eq!(
            (
                &file.title,
                &file.version,
                &file.source,
                &file.source_url,
                &file.description,
                &file.text
            ),
            (
                &original.title,
                &original.version,
                &original.source,
                &original.source_url,
                &original.description,
                &original.text
            ),
            "{id}: framework fields"
        );
        assert_eq!(back.date, fw.date, "{id}: date");
    }
}

#[test]
fn every_built_in_framework_round_trips_through_moodle_csv() {
    for (id, _) in BUILTIN {
        let (fw, back) = round_trip(id, "x.csv", ImportFormat::MoodleCsv, moodle::export);
        assert_eq!(
            back.to_file().id,
            fw.to_file().id,
            "{id}: framework id from the framework row"
        );
    }
}

/// Exports built-in framework `id` with `export` (twice: the same bytes), imports it
/// back, and checks that nothing was lost of the tree: ids, kinds, order, wording and
/// rollups. Returns the framework and what came back.
fn round_trip(
    id: &str,
    name: &str,
    format: ImportFormat,
    export: fn(&senco::model::framework::Section) -> Result<String, senco::FatalError>,
) -> (Framework, Framework) {
    let fw = Framework::builtin(id).expect("loads");
    let original = fw.to_file();
    let text = export(&fw.sections[0]).expect("exports");
    assert_eq!(
        text,
        export(&fw.sections[0]).expect("again"),
        "{id}: deterministic"
    );
    let (back, imported) = interchange::import(name, &text, format, rollup_of(original))
        .unwrap_or_else(|e| panic!("{id}: {}", e.message));
    assert!(
        imported.diagnostics.is_empty(),
        "{id}: {:?}",
        imported.diagnostics
    );
    let file = back.to_file();
    assert_eq!(
        flat(&file.nodes),
        flat(&original.nodes),
        "{id}: ids, kinds, order, wording"
    );
    assert_eq!(
        rollups(&file.nodes),
        rollups(&original.nodes),
        "{id}: rollup with --rollup"
    );
    (fw, back)
}

fn is_v5_uuid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok_and(|u| u.get_version_num() == 5)
        && text == text.to_lowercase()
}

fn is_date_time(text: &str) -> bool {
    text.parse::<jiff::Timestamp>().is_ok()
}

#[test]
fn case_export_has_every_required_field_and_a_sequenced_tree() {
    let fw = Framework::builtin("teachers-standards-2011").expect("loads");
    let package: Value =
        serde_json::from_str(&case::export(&fw.sections[0]).expect("exports")).expect("JSON");
    let root: HashSet<&str> = package
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        root,
        HashSet::from(["CFDocument", "CFItems", "CFAssociations"])
    );
    let doc = &package["CFDocument"];
    for key in [
        "identifier",
        "uri",
        "creator",
        "title",
        "lastChangeDateTime",
    ] {
        assert!(
            doc[key].as_str().is_some_and(|v| !v.is_empty()),
            "CFDocument.{key}"
        );
    }
    assert!(is_v5_uuid(doc["identifier"].as_str().expect("id")));
    // lastChangeDateTime is the framework's version date, not the time of the export.
    assert_eq!(doc["lastChangeDateTime"], "2021-12-01T00:00:00+00:00");
    assert!(is_date_time(
        doc["lastChangeDateTime"].as_str().expect("date")
    ));
    let items = package["CFItems"].as_array().expect("items");
    assert_eq!(items.len(), fw.nodes.len());
    let mut uuids = HashSet::new();
    for item in items {
        for key in ["identifier", "fullStatement", "uri", "lastChangeDateTime"] {
            assert!(
                item[key].as_str().is_some_and(|v| !v.is_empty()),
                "CFItem.{key}: {item}"
            );
        }
        assert!(is_v5_uuid(item["identifier"].as_str().expect("id")));
        assert!(uuids.insert(item["identifier"].as_str().expect("id").to_string()));
    }
    assert_eq!(items[0]["humanCodingScheme"], "TS");
    assert_eq!(items[1]["humanCodingScheme"], "TS1");
    assert_eq!(items[1]["CFItemType"], "Outcome");
    let associations = package["CFAssociations"].as_array().expect("associations");
    assert_eq!(associations.len(), items.len(), "one isChildOf per item");
    let doc_id = doc["identifier"].as_str().expect("doc id");
    for a in associations {
        for key in ["identifier", "associationType", "uri", "lastChangeDateTime"] {
            assert!(a[key].as_str().is_some(), "CFAssociation.{key}");
        }
        assert!(is_v5_uuid(a["identifier"].as_str().expect("id")));
        assert!(
            uuids.insert(a["identifier"].as_str().expect("id").to_string()),
            "unique"
        );
        assert_eq!(a["associationType"], "isChildOf");
        assert!(a["sequenceNumber"].as_u64().is_some_and(|n| n >= 1));
        for end in ["originNodeURI", "destinationNodeURI"] {
            for key in ["title", "identifier", "uri"] {
                assert!(a[end][key].as_str().is_some(), "{end}.{key}");
            }
        }
        let destination = a["destinationNodeURI"]["identifier"]
            .as_str()
            .expect("dest");
        assert!(
            destination == doc_id || items.iter().any(|i| i["identifier"] == destination),
            "every parent is the document or an item"
        );
    }
    // TS8.3 is the third child of TS8.
    let ts83 = items
        .iter()
        .find(|i| i["humanCodingScheme"] == "TS8.3")
        .expect("TS8.3");
    let ts8 = items
        .iter()
        .find(|i| i["humanCodingScheme"] == "TS8")
        .expect("TS8");
    let link = associations
        .iter()
        .find(|a| a["originNodeURI"]["identifier"] == ts83["identifier"])
        .expect("TS8.3's isChildOf");
    assert_eq!(link["destinationNodeURI"]["identifier"], ts8["identifier"]);
    assert_eq!(link["sequenceNumber"], 3);
}

#[test]
fn moodle_export_is_the_fourteen_column_importer_layout() {
    let fw = Framework::builtin("nasenco-2014").expect("loads");
    let csv = moodle::export(&fw.sections[0]).expect("exports");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a record")).collect();
    assert_eq!(rows[0].iter().collect::<Vec<_>>(), moodle::HEADERS);
    assert!(
        rows.iter().all(|r| r.len() == 14),
        "fourteen columns on every row"
    );
    let framework: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[12] == "1").collect();
    assert_eq!(framework.len(), 1, "one framework row");
    assert_eq!(&framework[0][1], "nasenco-2014");
    assert_eq!(&framework[0][13], "domain,competency,indicator");
    assert_eq!(&framework[0][5], "Not yet competent,Competent");
    let config: Value =
        serde_json::from_str(&framework[0][6]).expect("scale configuration is JSON");
    assert_eq!(config[1]["proficient"], 1);
    assert_eq!(rows.len(), 2 + fw.nodes.len());
    for row in &rows[2..] {
        assert!(
            row[2].chars().count() <= 100,
            "Short name over 100: {}",
            &row[2]
        );
        assert!(
            !row[1].is_empty() && !row[2].is_empty(),
            "Moodle skips empty ID number or Short name"
        );
    }
    // A long wording is cut in Short name and whole in the HTML Description.
    let a16 = rows.iter().find(|r| &r[1] == "A1.6").expect("A1.6");
    assert!(a16[2].ends_with("..."), "{}", &a16[2]);
    assert!(
        a16[3].starts_with("<p>The policy and legislative context"),
        "{}",
        &a16[3]
    );
    assert!(csv.contains("\r\n"), "CRLF, as Moodle writes");
}

#[test]
fn mahara_export_has_standards_and_nested_elements() {
    let fw = Framework::builtin("nasenco-2014").expect("loads");
    let matrix: Value =
        serde_json::from_str(&mahara::export(&fw.sections[0]).expect("exports")).expect("JSON");
    let f = &matrix["framework"];
    assert_eq!(f["institution"], "all");
    assert_eq!(f["evidencestatuses"].as_array().expect("statuses").len(), 4);
    let standards = f["standards"].as_array().expect("standards");
    assert_eq!(standards.len(), 3, "parts A, B, C");
    assert_eq!(standards[1]["shortname"], "B");
    let elements = f["standardelements"].as_array().expect("elements");
    assert_eq!(elements.len(), 10 + 49);
    for e in elements {
        assert!(e["shortname"].as_str().expect("shortname").chars().count() <= 100);
        assert!(e["name"].as_str().expect("name").chars().count() <= 255);
    }
    let b52 = elements
        .iter()
        .find(|e| e["elementid"] == "B5.2")
        .expect("B5.2");
    assert_eq!(b52["parentelementid"], "B5");
    assert_eq!(b52["standardid"], 2);
    let b5 = elements
        .iter()
        .find(|e| e["elementid"] == "B5")
        .expect("B5");
    assert!(
        b5.get("parentelementid").is_none(),
        "an outcome sits directly under its standard"
    );
    // The NPQ areas have no parts: one standard holds them.
    let npq = Framework::builtin("npq-senco").expect("loads");
    let matrix: Value =
        serde_json::from_str(&mahara::export(&npq.sections[0]).expect("exports")).expect("JSON");
    assert_eq!(
        matrix["framework"]["standards"]
            .as_array()
            .expect("s")
            .len(),
        1
    );
    assert_eq!(
        matrix["framework"]["standardelements"]
            .as_array()
            .expect("e")
            .len(),
        8
    );
}

/// A fixture only this module uses: `tests/it/interchange/fixtures/NAME`.
fn own_fixture(name: &str) -> std::path::PathBuf {
    manifest_dir()
        .join("tests/it/interchange/fixtures")
        .join(name)
}

fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(own_fixture(name)).expect("fixture")
}

fn located(diagnostics: &[senco::error::diagnostic::Diagnostic]) -> Vec<(usize, usize, &str)> {
    diagnostics
        .iter()
        .map(|d| {
            (
                d.line.expect("a line"),
                d.column.expect("a column"),
                d.message.as_str(),
            )
        })
        .collect()
}

#[test]
fn a_moodle_export_imports_with_every_skipped_row_located() {
    let text = fixture_text("provider-moodle.csv");
    let (fw, imported) = interchange::import(
        "provider-moodle.csv",
        &text,
        ImportFormat::MoodleCsv,
        Rollup::All,
    )
    .expect("imports");
    assert_eq!(fw.id, "LSTP-2025");
    let ids: Vec<&str> = fw.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(ids, ["L", "L1", "L1.1", "L1.2", "L2", "P", "P1"]);
    let kinds: Vec<&str> = fw.nodes.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "part",
            "outcome",
            "indicator",
            "indicator",
            "outcome",
            "part",
            "outcome"
        ]
    );
    // HTML descriptions become plain text; a cut Short name takes the whole wording.
    let node = |id: &str| fw.node(fw.find(id).expect(id));
    assert_eq!(
        node("L").description.as_deref(),
        Some("How the SENCO leads & co-ordinates provision.")
    );
    assert_eq!(
        node("L2").description.as_deref(),
        Some("Evaluate impact <termly>")
    );
    assert!(
        node("L1.1")
            .title
            .ends_with("senior leadership team and governors.")
    );
    assert!(fw.description.contains("Partnership’s SENCO course"));
    let found = located(&imported.diagnostics);
    assert_eq!(found.len(), 4, "{found:#?}");
    assert_eq!(
        (found[0].0, found[0].1),
        (7, 31),
        "cross-reference column: {found:?}"
    );
    assert!(found[0].2.contains("cross-referenced"));
    assert_eq!((found[1].0, found[1].1), (9, 3));
    assert!(found[1].2.contains("no ID number"));
    assert_eq!((found[2].0, found[2].1), (10, 1));
    assert!(found[2].2.contains("`ZZ` names no competency"));
    assert_eq!((found[3].0, found[3].1), (11, 3));
    assert!(
        found[3]
            .2
            .contains("second competency with the ID number `L2`")
    );
}

#[test]
fn a_case_package_imports_with_every_skipped_item_located() {
    let text = fixture_text("provider-case.json");
    let (fw, imported) =
        interchange::import("provider-case.json", &text, ImportFormat::Case, Rollup::Any)
            .expect("imports");
    let ids: Vec<&str> = fw.nodes.iter().map(|n| n.id.as_str()).collect();
    // Children in sequenceNumber order, not the order of CFItems.
    assert_eq!(ids, ["L", "L1", "L1.1", "L1.2", "L2"]);
    let kinds: Vec<&str> = fw.nodes.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["part", "outcome", "indicator", "indicator", "outcome"]
    );
    assert_eq!(fw.date, Some(jiff::civil::date(2025, 7, 14)));
    // --rollup any: L1, over leaves only, rolls up by any; the part L does not.
    assert_eq!(fw.node(1).rollup, Rollup::Any);
    assert_eq!(fw.node(0).rollup, Rollup::All);
    let found = located(&imported.diagnostics);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert_eq!((found[0].0, found[0].1), (45, 5));
    assert!(found[0].2.contains("no humanCodingScheme"));
    assert_eq!(found[1].0, 51);
    assert!(found[1].2.contains("CFItemType `Cluster`"));
    assert_eq!(found[2].0, 106);
    assert!(found[2].2.contains("isRelatedTo"));
}

#[test]
fn broken_sources_are_clear_errors() {
    let not_moodle = interchange::import(
        "x.csv",
        "a,b,c\n1,2,3\n",
        ImportFormat::MoodleCsv,
        Rollup::All,
    )
    .expect_err("not Moodle");
    assert!(
        not_moodle.message.starts_with("x.csv:1:1: not a Moodle"),
        "{}",
        not_moodle.message
    );
    let no_framework_row = format!(
        "{}\n,A,Thing,,1,,,,0,null,,1,,\n",
        moodle::HEADERS.join(",")
    );
    let err = interchange::import(
        "x.csv",
        &no_framework_row,
        ImportFormat::MoodleCsv,
        Rollup::All,
    )
    .expect_err("no framework row");
    assert!(err.message.contains("no framework row"), "{}", err.message);
    let err = interchange::import(
        "x.json",
        "{\"CFItems\": []}",
        ImportFormat::Case,
        Rollup::All,
    )
    .expect_err("no document");
    assert!(err.message.contains("no CFDocument"), "{}", err.message);
    let err = interchange::import(
        "x.json",
        "{\n  \"CFDocument\": [\n",
        ImportFormat::Case,
        Rollup::All,
    )
    .expect_err("bad JSON");
    assert!(err.message.starts_with("x.json:3:"), "{}", err.message);
}

#[test]
fn framework_import_and_check_commands_end_to_end() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("frameworks/provider.json");
    std::fs::create_dir_all(out.parent().expect("parent")).expect("mkdir");
    let import = run(senco()
        .args(["framework", "import"])
        .arg(own_fixture("provider-moodle.csv"))
        .arg("-o")
        .arg(&out));
    assert_eq!(
        import.code, 1,
        "skipped rows are problems: {}",
        import.stderr
    );
    assert!(
        import.stderr.contains("provider-moodle.csv:10:1"),
        "{}",
        import.stderr
    );
    let check = run(senco().args(["framework", "check"]).arg(&out));
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check.stdout.contains("L1.1  Map the school's provision"),
        "{}",
        check.stdout
    );
    assert!(
        check
            .stdout
            .contains("LSTP-2025: valid; 2 parts, 3 outcomes, 2 indicators"),
        "{}",
        check.stdout
    );
    // A trainee keeps the file in the portfolio and names it.
    write(
        dir.path(),
        "portfolio.toml",
        "[portfolio]\nframework = \"frameworks/provider.json\"\n",
    );
    write(
        dir.path(),
        "evidence/plan.md",
        "---\noutcomes: [L1.1]\n---\nPlanning.\n",
    );
    let (code, json) = check_json(dir.path());
    assert_eq!(code, 0, "{json}");
    assert_eq!(item(&json, "L1.1")["covered"], true);

    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"id\":\"x\",\"title\":\"X\",\"version\":\"1\",\"source\":\"s\",\"description\":\"d\",\"nodes\":[{\"id\":\"A\",\"kind\":\"outcome\",\"title\":\"a\",\"rollup\":\"any\"}]}").expect("write");
    let bad = run(senco().args(["framework", "check"]).arg(&broken));
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("no children to roll up"),
        "{}",
        bad.stderr
    );
}

#[test]
fn outcomes_exports_each_format_and_round_trips_through_the_cli() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (format, file) in [
        ("case", "ts.json"),
        ("moodle-csv", "ts.csv"),
        ("mahara", "ts.matrix"),
    ] {
        let first = run(senco().args([
            "outcomes",
            "--framework",
            "teachers-standards",
            "--format",
            format,
        ]));
        assert_eq!(first.code, 0, "{format}: {}", first.stderr);
        let again = run(senco().args([
            "outcomes",
            "--framework",
            "teachers-standards",
            "--format",
            format,
        ]));
        assert_eq!(first.stdout, again.stdout, "{format}: byte-identical");
        // The exports say what they could not carry.
        if format != "mahara" {
            assert!(
                first.stderr.contains("rollup"),
                "{format}: {}",
                first.stderr
            );
        }
        write(dir.path(), file, &first.stdout);
    }
    for file in ["ts.json", "ts.csv"] {
        let out = dir.path().join(format!("{file}.senco.json"));
        let import = run(senco()
            .args(["framework", "import", "--rollup", "any"])
            .arg(dir.path().join(file))
            .arg("-o")
            .arg(&out));
        assert_eq!(import.code, 0, "{file}: {}", import.stderr);
        let back = Framework::from_path(&out).expect("loads");
        let original = Framework::builtin("teachers-standards-2011").expect("loads");
        assert_eq!(
            flat(&back.to_file().nodes),
            flat(&original.to_file().nodes),
            "{file}"
        );
        assert_eq!(
            rollups(&back.to_file().nodes),
            rollups(&original.to_file().nodes),
            "{file}"
        );
    }
    let two = run(senco()
        .args(["outcomes", "--format", "case"])
        .current_dir(fixture("two-frameworks")));
    assert_eq!(two.code, 2, "a file holds one framework");
    assert!(
        two.stderr.contains("name one with `--framework ID`"),
        "{}",
        two.stderr
    );
}
