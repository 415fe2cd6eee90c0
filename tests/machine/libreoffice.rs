//! The cohort CSV opens in LibreOffice Calc: names with accents intact, one row per
//! trainee and every column. Needs `soffice` (Debian package `libreoffice-calc-nogui`).

use crate::harness::{fixture, senco, show};
use crate::{Missing, machine_test};
use calamine::{Reader, Xlsx, open_workbook};
use libtest_mimic::Trial;
use std::fs;

/// 16 trainee columns before the 49 NASENCO indicators.
const WIDE_COLUMNS: usize = 16 + 49;

pub fn tests() -> Vec<Trial> {
    vec![machine_test(
        "libreoffice::csv_opens_in_libreoffice",
        csv_opens_in_libreoffice,
    )]
}

fn csv_opens_in_libreoffice() -> Result<(), Missing> {
    let soffice = ["soffice", "libreoffice"]
        .into_iter()
        .find(|name| {
            std::process::Command::new(name)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .ok_or_else(|| {
            Missing(
                "LibreOffice (soffice) is not on PATH: apt-get install libreoffice-calc-nogui"
                    .into(),
            )
        })?;
    let dir = tempfile::tempdir().expect("temp dir");
    let csv_path = dir.path().join("cohort.csv");
    let out = senco()
        .arg("cohort")
        .arg(fixture("cohort"))
        .args(["--today", "2026-01-15", "--format", "csv"])
        .output()
        .expect("runs");
    // 1: the fixture cohort holds a broken portfolio on purpose.
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    fs::write(&csv_path, out.stdout).expect("write");
    // Convert to xlsx (UTF-8, comma-separated, quoted), then read it back with calamine.
    let profile = format!(
        "-env:UserInstallation=file://{}/profile",
        dir.path().display()
    );
    let status = std::process::Command::new(soffice)
        .args([
            &profile,
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
        ])
        .arg(dir.path())
        .arg(&csv_path)
        .status()
        .expect("soffice runs");
    assert!(status.success());
    let mut book: Xlsx<_> = open_workbook(dir.path().join("cohort.xlsx")).expect("converted");
    let sheet = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    assert_eq!(sheet.height(), 5);
    assert_eq!(sheet.width(), WIDE_COLUMNS);
    let names: Vec<String> = (1..5)
        .map(|r| sheet.get((r, 0)).map(|d| d.to_string()).unwrap_or_default())
        .collect();
    assert!(names.contains(&"Siân Prys-Jones".to_string()), "{names:?}");
    assert!(names.contains(&"Zoë Ellis".to_string()), "{names:?}");
    Ok(())
}
