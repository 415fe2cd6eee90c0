//! `senco cohort`: reading a cohort with a broken portfolio, and its text, JSON, CSV and
//! xlsx outputs read back independently (csv and calamine crates; LibreOffice opening the
//! CSV is in the machine-dependent target, `tests/machine/libreoffice.rs`).

use crate::harness::{self, senco};
use calamine::{Data, Reader, Xlsx, open_workbook};
use senco::tutor::cohort::{self, Mark};
use std::fs;
use std::path::{Path, PathBuf};

const TODAY: &str = "2026-01-15";
/// 16 trainee columns before the 49 NASENCO indicators.
const WIDE_COLUMNS: usize = 16 + 49;

/// The fixture cohort: three trainees, a broken portfolio and a folder that is not one.
fn fixture() -> PathBuf {
    harness::fixture("cohort")
}

fn run_cohort(dir: &Path, args: &[&str]) -> (i32, Vec<u8>) {
    let out = senco()
        .arg("cohort")
        .arg(dir)
        .args(["--today", TODAY])
        .args(args)
        .output()
        .expect("runs");
    (out.status.code().expect("exit code"), out.stdout)
}

fn read_fixture() -> cohort::Cohort {
    let (members, skipped) = cohort::members(&fixture()).expect("members");
    cohort::read(
        &members,
        skipped,
        TODAY.parse().expect("date"),
        4,
        &|| {},
        None,
    )
}

#[test]
fn a_broken_portfolio_does_not_stop_the_cohort() {
    let c = read_fixture();
    let names: Vec<&str> = c.trainees.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["broken", "Rhys Ó Briain", "Siân Prys-Jones", "Zoë Ellis"]
    );
    let broken = &c.trainees[0];
    assert!(
        broken
            .broken()
            .is_some_and(|e| e.contains("portfolio.toml:3")),
        "{broken:?}"
    );
    assert!(broken.progress().is_none() && broken.at_risk().is_empty());
    assert_eq!(c.summary.broken, 1);
    assert_eq!(c.skipped.len(), 1, "the notes folder is named, not dropped");
    assert_eq!(c.skipped[0].path, "notes");

    let sian = c.trainees[2].progress().expect("Siân's portfolio is read");
    assert_eq!(
        (sian.covered, sian.assessed, sian.total, sian.stale),
        (6, 2, 49, 1)
    );
    assert_eq!(sian.deadline, Some(jiff::civil::date(2027, 1, 8)));
    let fw = &c.frameworks[sian.framework_index];
    let at = |id: &str| fw.indicators.iter().position(|i| i.id == id).expect("id");
    assert_eq!(sian.indicators[at("B9.4")], Mark::Assessed);
    assert_eq!(
        sian.indicators[at("B8.1")],
        Mark::Covered,
        "its judgement is stale"
    );
    assert_eq!(sian.indicators[at("A2.1")], Mark::None);
    assert_eq!(
        sian.parts.iter().map(|p| p.covered).collect::<Vec<_>>(),
        [2, 4, 0]
    );

    // Zoë: deadline 2026-06-01 is within six months of 2026-01-15, 1 of 49 covered.
    let zoe = &c.trainees[3];
    assert_eq!(zoe.at_risk().len(), 1, "{zoe:?}");
    assert!(sian.at_risk.is_empty() && c.trainees[1].at_risk().is_empty());
    assert_eq!(c.summary.at_risk, 1);

    // B9.4 is covered by Rhys and Siân; those all three lack come first, as a tie.
    assert_eq!(fw.indicators[at("B9.4")].covered_by, 2);
    assert_eq!(c.summary.teach_next.len(), cohort::TEACH_NEXT);
    let lacked_by_all = fw.indicators.iter().filter(|i| i.covered_by == 0).count();
    assert!(
        lacked_by_all > cohort::TEACH_NEXT,
        "the fixture has a long tie"
    );
    assert!(c.summary.teach_next.iter().all(|t| t.covered_by == 0
        && t.of == 3
        && t.lacking == 3
        && t.rank == 1
        && t.tied == lacked_by_all));
    assert_eq!(
        c.summary.teach_next_more_tied,
        lacked_by_all - cohort::TEACH_NEXT
    );
}

#[test]
fn a_nasenco_cohort_is_at_risk_after_august_2027() {
    let (members, skipped) = cohort::members(&fixture()).expect("members");
    let c = cohort::read(
        &members,
        skipped,
        "2027-09-01".parse().expect("date"),
        4,
        &|| {},
        None,
    );
    assert_eq!(c.summary.at_risk, 3);
    let rhys = &c.trainees[1];
    assert!(rhys.at_risk()[0].contains("1 September 2027"), "{rhys:?}");
}

#[test]
fn text_table_and_exit_code() {
    let (code, out) = run_cohort(&fixture(), &[]);
    assert_eq!(code, 1, "a portfolio could not be read");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(
        text.contains("Cohort of 4 trainees, 1 could not be read"),
        "{text}"
    );
    let sian = text
        .lines()
        .find(|l| l.starts_with("Siân Prys-Jones"))
        .expect("row");
    let cells: Vec<&str> = sian.split_whitespace().collect();
    assert_eq!(
        cells[2..],
        [
            "2/21",
            "4/24",
            "0/4",
            "6/49",
            "2",
            "1",
            "2027-01-08",
            "2024-06-03",
            "date",
            "inactive"
        ]
    );
    assert!(text.contains("Zoë Ellis: deadline 2026-06-01 is within 6 months"));
    let tie = text
        .lines()
        .find(|l| l.trim_start().starts_with("=1  A1.3"))
        .expect("a tied rank is marked =");
    assert!(tie.contains("lacked by   3 of 3"), "{tie}");
    assert!(
        text.contains("more tied at =1 (lacked by 3 of 3)"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("Assessed") && l.contains("can exceed Covered")),
        "every column has a legend line: {text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("broken") && l.contains("could not read"))
    );
}

fn parse_csv(bytes: &[u8]) -> Vec<csv::StringRecord> {
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "UTF-8 byte-order mark for Excel"
    );
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .collect::<Result<_, _>>()
        .expect("valid CSV")
}

#[test]
fn wide_csv_has_a_row_per_trainee_and_a_column_per_indicator() {
    let (_, out) = run_cohort(&fixture(), &["--format", "csv"]);
    let rows = parse_csv(&out);
    assert_eq!(rows.len(), 1 + 4);
    assert!(rows.iter().all(|r| r.len() == WIDE_COLUMNS));
    let header = &rows[0];
    assert_eq!(&header[0], "Trainee");
    assert_eq!(&header[16], "A1.1");
    assert_eq!(&header[WIDE_COLUMNS - 1], "C1.4");
    let col = |id: &str| header.iter().position(|h| h == id).expect("column");
    let sian = rows
        .iter()
        .find(|r| &r[0] == "Siân Prys-Jones")
        .expect("Siân intact");
    assert_eq!(&sian[col("B9.4")], "assessed");
    assert_eq!(&sian[col("B8.1")], "covered");
    assert_eq!(&sian[col("A2.1")], "");
    assert_eq!(&sian[4], "6");
    assert!(
        rows.iter()
            .any(|r| &r[0] == "Zoë Ellis" && !r[10].is_empty())
    );
    let broken = rows.iter().find(|r| &r[0] == "broken").expect("broken row");
    assert!(broken[12].contains("portfolio.toml"));
    assert!(out.windows(2).any(|w| w == b"\r\n"), "CRLF line ends");
}

#[test]
fn long_csv_has_a_row_per_trainee_and_indicator() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("long.csv");
    senco()
        .arg("cohort")
        .arg(fixture())
        .args(["--today", TODAY, "--csv-long", "-o"])
        .arg(&path)
        .assert()
        .code(1);
    let rows = parse_csv(&fs::read(&path).expect("written"));
    assert_eq!(
        rows.len(),
        1 + 3 * 49 + 1,
        "header, 3 readable x 49, 1 broken"
    );
    assert!(rows.iter().all(|r| r.len() == 10));
    let b94 = rows
        .iter()
        .find(|r| &r[0] == "Siân Prys-Jones" && &r[5] == "B9.4")
        .expect("row");
    assert_eq!((&b94[6], &b94[7], &b94[8]), ("1", "1", "assessed"));
    assert_eq!(
        fs::read_dir(dir.path()).expect("list").count(),
        1,
        "no temp files left"
    );
}

#[test]
fn names_that_look_like_formulas_are_defused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("p");
    senco::author::scaffold::init(&root).expect("init");
    fs::write(
        dir.path().join("cohort.toml"),
        "[[trainee]]\npath = \"p\"\nname = \"=HYPERLINK(\\\"x\\\")\"\ncandidate = 104233\n\n[[trainee]]\npath = \"missing\"\nname = \"Ffion Hâf\"\n\n[[trainee]]\npath = \"p\"\nname = \"Owain\"\nfeedback = \"marking/owain\"\n",
    )
    .expect("write");
    let (code, out) = run_cohort(dir.path(), &["--format", "csv"]);
    assert_eq!(code, 1);
    let rows = parse_csv(&out);
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[1][0], "'=HYPERLINK(\"x\")");
    assert_eq!(&rows[1][1], "104233");
    assert_eq!(&rows[2][0], "Ffion Hâf");
    assert!(rows[2][12].contains("not a folder"), "{:?}", rows[2]);
    assert!(rows[3][12].contains("feedback folder"), "{:?}", rows[3]);
}

#[test]
fn json_is_the_cohort_struct_and_deterministic() {
    let (_, first) = run_cohort(&fixture(), &["--format", "json"]);
    let (_, second) = run_cohort(&fixture(), &["--format", "json"]);
    assert_eq!(first, second);
    let json: serde_json::Value = serde_json::from_slice(&first).expect("json");
    assert_eq!(json["today"], TODAY);
    assert_eq!(json["trainees"].as_array().expect("rows").len(), 4);
    assert_eq!(
        json["trainees"][2]["indicators"]
            .as_array()
            .expect("marks")
            .len(),
        49
    );
    assert_eq!(
        json["frameworks"][0]["indicators"]
            .as_array()
            .expect("ids")
            .len(),
        49
    );
    assert_eq!(json["summary"]["broken"], 1);
}

fn cell(sheet: &calamine::Range<Data>, row: usize, col: usize) -> String {
    match sheet.get((row, col)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Float(f)) => f.to_string(),
        Some(Data::Int(i)) => i.to_string(),
        Some(Data::Empty) | None => String::new(),
        Some(other) => format!("{other:?}"),
    }
}

#[test]
fn xlsx_reads_back_with_the_same_matrix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cohort.xlsx");
    let path2 = dir.path().join("again.xlsx");
    for p in [&path, &path2] {
        senco()
            .arg("cohort")
            .arg(fixture())
            .args(["--today", TODAY, "--format", "xlsx", "-o"])
            .arg(p)
            .assert()
            .code(1);
    }
    assert_eq!(
        fs::read(&path).expect("a"),
        fs::read(&path2).expect("b"),
        "byte-identical"
    );
    let mut book: Xlsx<_> = open_workbook(&path).expect("opens");
    assert_eq!(book.sheet_names(), ["Coverage", "Indicators"]);
    let sheet = book.worksheet_range("Coverage").expect("sheet");
    assert_eq!(sheet.height(), 5);
    assert_eq!(sheet.width(), WIDE_COLUMNS);
    assert_eq!(cell(&sheet, 0, 0), "Trainee");
    let col = (0..WIDE_COLUMNS)
        .find(|&c| cell(&sheet, 0, c) == "B9.4")
        .expect("B9.4");
    let row = (1..5)
        .find(|&r| cell(&sheet, r, 0) == "Siân Prys-Jones")
        .expect("Siân");
    assert_eq!(cell(&sheet, row, col), "assessed");
    assert_eq!(cell(&sheet, row, 4), "6", "counts are numbers");
    assert_eq!(cell(&sheet, row, 9), "2027-01-08");
    let zoe = (1..5)
        .find(|&r| cell(&sheet, r, 0) == "Zoë Ellis")
        .expect("Zoë");
    assert!(cell(&sheet, zoe, 10).contains("within 6 months"));
    assert_eq!(
        (
            cell(&sheet, 0, 13),
            cell(&sheet, 0, 14),
            cell(&sheet, 0, 15)
        ),
        (
            "Last evidence".into(),
            "Date source".into(),
            "Inactive".into()
        )
    );
    assert_eq!(cell(&sheet, zoe, 13), "2024-01-15");
    assert_eq!(cell(&sheet, zoe, 14), "front matter date");
    assert!(cell(&sheet, zoe, 15).contains("no new or changed evidence for over 4 weeks"));
    let indicators = book.worksheet_range("Indicators").expect("sheet");
    assert_eq!(indicators.height(), 1 + 49);
    let b94 = (1..50)
        .find(|&r| cell(&indicators, r, 2) == "B9.4")
        .expect("B9.4");
    assert_eq!(cell(&indicators, b94, 4), "2");
    assert_eq!(cell(&indicators, b94, 6), "3");
}

#[test]
fn xlsx_needs_an_output_file() {
    senco()
        .arg("cohort")
        .arg(fixture())
        .args(["--format", "xlsx"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("-o cohort.xlsx"));
}

#[test]
fn the_dashboard_shows_each_member_as_its_cohort_row_does() {
    // A member whose judgements live outside its portfolio (named in cohort.toml) and
    // who counts only assessed indicators: both must reach its page in the dashboard.
    let dir = tempfile::tempdir().expect("temp dir");
    let cohort_dir = dir.path().join("cohort");
    harness::copy_dir(&fixture().join("sian"), &cohort_dir.join("sian"));
    fs::rename(
        cohort_dir.join("sian/feedback"),
        cohort_dir.join("sian-judgements"),
    )
    .expect("move the judgements out");
    let config = cohort_dir.join("sian/portfolio.toml");
    let toml = fs::read_to_string(&config).expect("read");
    fs::write(
        &config,
        format!("{toml}\n[rules]\nrequire_assessed = true\n"),
    )
    .expect("write");
    fs::write(
        cohort_dir.join("cohort.toml"),
        "[[trainee]]\npath = \"sian\"\nfeedback = \"sian-judgements\"\n",
    )
    .expect("write");

    let (code, json) = run_cohort(&cohort_dir, &["--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_slice(&json).expect("json");
    let row = &json["trainees"][0];
    let covered = row["covered"].as_u64().expect("covered");
    assert!(covered > 0, "the outside judgements count: {row}");
    assert_eq!(row["total"], 49);

    let out = dir.path().join("dashboard");
    let (code, _) = run_cohort(
        &cohort_dir,
        &["--format", "html", "-o", out.to_str().expect("utf-8")],
    );
    assert_eq!(code, 0);
    let index = fs::read_to_string(out.join("index.html")).expect("dashboard");
    assert!(index.contains(&format!("{covered}/49")), "{index}");
    let page = fs::read_to_string(out.join("portfolios/siân-prys-jones/index.html")).expect("page");
    assert!(
        page.contains(&format!("{covered} of 49 indicators covered")),
        "the trainee's page says what the row says ({covered} covered)"
    );
    let leftovers: Vec<_> = fs::read_dir(out.join("portfolios"))
        .expect("portfolios")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        leftovers,
        ["siân-prys-jones"],
        "no site left under a temporary name"
    );
}

#[test]
fn a_portfolio_with_two_frameworks_gets_columns_prefixed_by_framework() {
    let dir = tempfile::tempdir().expect("tempdir");
    harness::copy_dir(&harness::fixture("two-frameworks"), &dir.path().join("ada"));
    let (_, out) = run_cohort(dir.path(), &["--format", "csv"]);
    let rows = parse_csv(&out);
    let header = &rows[0];
    assert_eq!(header.len(), 16 + 49 + 42, "{header:?}");
    assert_eq!(&header[16], "nasenco-2014/A1.1");
    assert_eq!(&header[16 + 49], "teachers-standards-2011/TS1.1");
    assert_eq!(&header[16 + 49 + 41], "teachers-standards-2011/PC3");
    let col = |id: &str| header.iter().position(|h| h == id).expect("column");
    assert_eq!(&rows[1][col("teachers-standards-2011/TS5.1")], "covered");
    assert_eq!(&rows[1][col("teachers-standards-2011/TS5.2")], "");
    assert_eq!(&rows[1][3], "nasenco-2014 + teachers-standards-2011");

    let xlsx = dir.path().join("cohort.xlsx");
    let status = senco()
        .arg("cohort")
        .arg(dir.path())
        .args(["--today", TODAY, "--format", "xlsx", "-o"])
        .arg(&xlsx)
        .output()
        .expect("runs");
    assert!(status.status.code().is_some_and(|c| c <= 1), "{status:?}");
    let mut book: Xlsx<_> = open_workbook(&xlsx).expect("xlsx opens");
    let sheet = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    let headers: Vec<String> = (0..sheet.width()).map(|c| cell(&sheet, 0, c)).collect();
    assert!(
        headers.iter().any(|h| h == "teachers-standards-2011/TS1.1"),
        "{headers:?}"
    );
    assert!(
        headers.iter().any(|h| h == "nasenco-2014/C1.4"),
        "{headers:?}"
    );
}

/// A cohort folder with one portfolio per `(folder, evidence front matter date)`; a
/// `None` date leaves `date:` out.
fn dated_cohort(trainees: &[(&str, Option<&str>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (folder, date) in trainees {
        let root = dir.path().join(folder);
        harness::write(
            &root,
            "portfolio.toml",
            format!("[portfolio]\ntrainee = \"Trainee {folder}\"\nframework = \"nasenco-2014\"\n"),
        );
        let date = date.map(|d| format!("date: {d}\n")).unwrap_or_default();
        harness::write(
            &root,
            "evidence/governors.md",
            format!(
                "---\ntitle: Working with governors\n{date}outcomes: [B5.1]\n---\n\nI presented the provision map to the governors’ committee.\n"
            ),
        );
    }
    dir
}

fn cohort_json(dir: &Path, args: &[&str]) -> serde_json::Value {
    let (code, json) = run_cohort(dir, &[&["--format", "json"], args].concat());
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&json));
    serde_json::from_slice(&json).expect("json")
}

fn trainee<'a>(json: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    json["trainees"]
        .as_array()
        .expect("trainees")
        .iter()
        .find(|t| t["path"] == path)
        .unwrap_or_else(|| panic!("no trainee {path} in {json}"))
}

#[test]
fn inactive_after_exactly_four_weeks_and_not_before() {
    // TODAY is 2026-01-15: 28 days before is 2025-12-18, 29 days is 2025-12-17.
    let dir = dated_cohort(&[("edge", Some("2025-12-18")), ("over", Some("2025-12-17"))]);
    let json = cohort_json(dir.path(), &[]);
    let edge = &trainee(&json, "edge")["momentum"];
    assert_eq!(edge["last"], "2025-12-18");
    assert_eq!(edge["source"], "front-matter");
    assert_eq!(edge["days_since"], 28);
    assert_eq!(
        edge["inactive"], false,
        "exactly 4 weeks is not yet inactive"
    );
    let over = &trainee(&json, "over")["momentum"];
    assert_eq!(over["days_since"], 29);
    assert_eq!(over["inactive"], true, "4 weeks and a day is inactive");
    assert_eq!(json["summary"]["inactive"], 1);
    assert_eq!(json["summary"]["inactive_after_weeks"], 4);

    let json = cohort_json(dir.path(), &["--inactive-after", "5"]);
    assert_eq!(trainee(&json, "over")["momentum"]["inactive"], false);
    assert_eq!(json["summary"]["inactive_after_weeks"], 5);

    let (_, text) = run_cohort(dir.path(), &[]);
    let text = String::from_utf8(text).expect("utf-8");
    assert!(text.contains("Inactive (1):"), "{text}");
    assert!(
        text.contains("Trainee over: no new or changed evidence for over 4 weeks: newest 2025-12-17 (front matter date), 29 days ago"),
        "{text}"
    );
    assert!(!text.contains("Trainee edge: no new"), "{text}");
    assert!(
        text.contains("Last evidence"),
        "the legend explains the column: {text}"
    );
}

#[test]
fn undated_evidence_is_dated_by_git_else_by_file_time_and_the_source_is_named() {
    assert!(harness::have_git(), "git is needed (CI installs it)");
    let dir = dated_cohort(&[("git", None), ("files", None), ("both", Some("2026-01-10"))]);
    for repo in ["git", "both"] {
        let root = dir.path().join(repo);
        harness::git(&root, &["init", "-q"]);
        harness::commit_all(&root, "2025-11-02", "first evidence");
    }
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_766_232_000); // 2025-12-20 12:00 UTC
    fs::File::options()
        .write(true)
        .open(dir.path().join("files/evidence/governors.md"))
        .expect("open")
        .set_modified(old)
        .expect("set the file time");

    let json = cohort_json(dir.path(), &[]);
    let git = &trainee(&json, "git")["momentum"];
    assert_eq!(
        (git["last"].as_str(), git["source"].as_str()),
        (Some("2025-11-02"), Some("git"))
    );
    assert_eq!(git["inactive"], true);
    assert_eq!(git["dated_by"]["git"], 1);
    let files = &trainee(&json, "files")["momentum"];
    assert_eq!(
        (files["last"].as_str(), files["source"].as_str()),
        (Some("2025-12-20"), Some("file-time"))
    );
    assert_eq!(files["days_since"], 26);
    assert_eq!(files["inactive"], false, "26 days is within 4 weeks");
    let both = &trainee(&json, "both")["momentum"];
    assert_eq!(
        (both["last"].as_str(), both["source"].as_str()),
        (Some("2026-01-10"), Some("front-matter")),
        "front matter beats the commit date"
    );

    let out = dir.path().join("cohort.csv");
    let (code, _) = run_cohort(
        dir.path(),
        &["--format", "csv", "-o", out.to_str().expect("utf-8")],
    );
    assert_eq!(code, 0);
    let rows = parse_csv(&fs::read(&out).expect("csv"));
    let header = &rows[0];
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    let git_row = rows.iter().find(|r| &r[2] == "git").expect("git row");
    assert_eq!(&git_row[col("Last evidence")], "2025-11-02");
    assert_eq!(&git_row[col("Date source")], "git commit date");
    assert!(git_row[col("Inactive")].starts_with("no new or changed evidence for over 4 weeks"));

    let site = dir.path().join("dashboard");
    let (code, _) = run_cohort(
        dir.path(),
        &["--format", "html", "-o", site.to_str().expect("utf-8")],
    );
    assert_eq!(code, 0);
    let index = fs::read_to_string(site.join("index.html")).expect("dashboard");
    assert!(
        index.contains("<th scope=\"col\">Last evidence</th>"),
        "{index}"
    );
    assert!(
        index.contains("2025-11-02 <span class=\"source\">(git commit date)</span>"),
        "{index}"
    );
    assert!(
        index.contains("<dt>Last evidence</dt>"),
        "the legend: {index}"
    );
}
