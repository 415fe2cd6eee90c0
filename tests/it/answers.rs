//! The answers `check` prints beside coverage: days left to the statutory deadline, and
//! what to write next, ranked with its ties.

use senco::report;
use std::path::Path;

fn sian() -> senco::Check {
    // Appointed 2024-01-08: the deadline is 2027-01-08.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cohort/sian");
    senco::check(&root, &Default::default()).expect("checks")
}

fn text_on(check: &senco::Check, today: &str) -> String {
    let mut out = Vec::new();
    report::write_text_on(&mut out, check, Some(today.parse().expect("date"))).expect("writes");
    String::from_utf8(anstream::adapter::strip_bytes(&out).into_vec()).expect("utf-8")
}

fn deadline_line(text: &str) -> &str {
    text.lines()
        .find(|l| l.starts_with("Deadline:"))
        .expect("a deadline line")
}

#[test]
fn days_left_count_down_to_zero_on_the_day() {
    let check = sian();
    let far = text_on(&check, "2026-01-15");
    assert!(
        deadline_line(&far).contains("2027-01-08 (358 days left;"),
        "{far}"
    );
    assert!(!far.contains("warning: the statutory deadline"), "{far}");

    let near = text_on(&check, "2026-12-01");
    assert!(deadline_line(&near).contains("(38 days left;"), "{near}");
    assert!(
        near.contains("warning: the statutory deadline 2027-01-08 is 38 days away (inside 90)"),
        "{near}"
    );

    let on_the_day = text_on(&check, "2027-01-08");
    assert!(
        deadline_line(&on_the_day).contains("(today: 0 days left;"),
        "{on_the_day}"
    );
    assert!(on_the_day.contains("warning: the statutory deadline is today (2027-01-08)"));
}

#[test]
fn a_passed_deadline_is_a_warning_and_the_check_goes_on() {
    let check = sian();
    let late = text_on(&check, "2027-01-11");
    assert!(
        deadline_line(&late).contains("(passed 3 days ago;"),
        "{late}"
    );
    assert!(late.contains("warning: the statutory deadline 2027-01-08 passed 3 days ago"));
    assert!(late.contains("Write next"), "the report carries on: {late}");
    let json = serde_json::to_value(report::to_json_on(
        &check,
        "2027-01-11".parse().expect("date"),
    ))
    .expect("json");
    assert_eq!(json["days_left"], -3);
    assert_eq!(json["today"], "2027-01-11");
    assert!(
        json["deadline_warning"]
            .as_str()
            .is_some_and(|w| w.contains("passed"))
    );
    assert_eq!(
        json["summary"]["errors"],
        serde_json::to_value(report::summary(&check).errors).expect("n"),
        "the deadline adds no error"
    );
}

#[test]
fn a_report_without_today_names_no_days() {
    let check = sian();
    let json = serde_json::to_value(report::to_json(&check)).expect("json");
    assert!(json.get("days_left").is_none() && json.get("today").is_none());
}

#[test]
fn write_next_puts_outcomes_nearest_completion_first_with_ties_marked() {
    let check = sian();
    let json = serde_json::to_value(report::to_json(&check)).expect("json");
    let items = json["items"].as_array().expect("items");
    let item = |id: &str| items.iter().find(|i| i["id"] == id).expect("item");
    // Worked out independently from the items: indicators left per outcome.
    let mut expected: Vec<(u64, usize, String)> = items
        .iter()
        .enumerate()
        .filter(|(_, i)| i["kind"] == "indicator" && i["covered"] == false)
        .map(|(order, i)| {
            let outcome = item(i["parent"].as_str().expect("parent"));
            let left = outcome["indicators_total"].as_u64().expect("n")
                - outcome["indicators_covered"].as_u64().expect("n");
            (left, order, i["id"].as_str().expect("id").to_string())
        })
        .collect();
    expected.sort();
    let next = &json["write_next"];
    let listed: Vec<&str> = next["items"]
        .as_array()
        .expect("list")
        .iter()
        .map(|i| i["id"].as_str().expect("id"))
        .collect();
    let want: Vec<&str> = expected
        .iter()
        .take(report::WRITE_NEXT)
        .map(|e| e.2.as_str())
        .collect();
    assert_eq!(listed, want);
    let first_left = expected[0].0;
    let tied_first = expected.iter().filter(|e| e.0 == first_left).count() as u64;
    assert_eq!(next["items"][0]["rank"], 1);
    assert_eq!(next["items"][0]["tied"], tied_first);
    assert_eq!(next["items"][0]["left_in_outcome"], first_left);

    let text = text_on(&check, "2026-01-15");
    let mark = if tied_first > 1 { "=1" } else { "1" };
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with(&format!("{mark}  {}", want[0]))),
        "{text}"
    );
    assert!(text.contains(report::WRITE_NEXT_RULE));
}
