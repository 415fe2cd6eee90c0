//! The bad-input corpus: what trainees' editors, phones and accidents put in a
//! portfolio. Each case is dropped into a small portfolio beside a good evidence file and
//! checked (the render-heavy ones built too) with a hang guard, `RUST_BACKTRACE=1` and a
//! look at peak memory; the run must give the case's diagnostic and exit code, check the
//! good file as usual, and never panic.
//!
//! Big inputs (50 MB, a 10 MB line, 100,000 levels of nesting, an alias bomb) are made
//! here at test time, never committed. Cases covered elsewhere: a link out of the
//! portfolio for `senco check` (`check.rs`,
//! `symlinks_out_of_the_portfolio_are_not_followed`; here for `senco build`).

mod names;

use crate::harness;
use serde_json::Value;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------
// Running senco
// ---------------------------------------------------------------------------------------

/// Generous: a debug build on a busy machine. Only a hang should ever reach it.
const HANG_GUARD: Duration = Duration::from_secs(180);

/// One finished run of the binary.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    /// Peak resident memory in MiB, as GNU time reports it (Linux only).
    peak_mib: Option<u64>,
}

/// Runs `senco ARGS` with a hang guard and `RUST_BACKTRACE=1`, and fails on a panic, a
/// stack overflow, a signal or a hang.
fn run_guarded(args: &[&OsStr]) -> Run {
    let what = args
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    // Output goes to files: a pipe nobody reads while polling would fill up and block.
    let out = tempfile::tempdir().expect("tempdir");
    let (stdout_path, stderr_path) = (out.path().join("stdout"), out.path().join("stderr"));
    let peak_path = out.path().join("peak");
    let mut cmd = measured(harness::senco_process(), &peak_path);
    cmd.args(args)
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(std::fs::File::create(&stderr_path).expect("stderr file"));
    // Its own process group, so that a hang is ended with everything it started.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let started = Instant::now();
    let mut child = cmd.spawn().expect("senco starts");
    let status: ExitStatus = loop {
        if let Some(status) = child.try_wait().expect("wait for senco") {
            break status;
        }
        if started.elapsed() > HANG_GUARD {
            kill_group(&mut child);
            panic!("`senco {what}` was still running after {HANG_GUARD:?}: a hang");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let read = |p: &Path| String::from_utf8_lossy(&std::fs::read(p).expect("output")).into_owned();
    let (stdout, stderr) = (read(&stdout_path), read(&stderr_path));
    for sign in ["panicked", "RUST_BACKTRACE", "overflowed its stack"] {
        assert!(
            !stderr.contains(sign),
            "`senco {what}` crashed ({sign}):\n{stderr}"
        );
    }
    let report = std::fs::read_to_string(&peak_path).unwrap_or_default();
    if let Some(signal) = report.lines().find(|l| l.contains("terminated by signal")) {
        panic!("`senco {what}` was killed: {signal}\n{stderr}");
    }
    let Some(code) = status.code() else {
        panic!("`senco {what}` was killed: {status}\n{stderr}");
    };
    let peak_mib = report
        .lines()
        .last()
        .and_then(|kib| kib.trim().parse::<u64>().ok())
        .map(|kib| kib / 1024);
    eprintln!(
        "senco {what}: exit {code} in {:.1} s, peak {} MiB",
        started.elapsed().as_secs_f64(),
        peak_mib.map_or_else(|| "?".to_string(), |m| m.to_string())
    );
    Run {
        code,
        stdout,
        stderr,
        peak_mib,
    }
}

/// GNU time, which reports the peak resident memory of the command it runs as the kernel
/// accounted it when the command ended, so a run too short to be sampled is measured too.
/// The test cannot ask the kernel itself: a process started straight from the test
/// inherits the test's own peak in that account.
const GNU_TIME: &str = "/usr/bin/time";

/// `senco` run under GNU time, which writes the peak in KiB as the last line of
/// `peak_path` (after a line saying so if senco was killed by a signal). Without GNU time
/// the run is not measured, which CI does not allow.
fn measured(senco: Command, peak_path: &Path) -> Command {
    if !(cfg!(target_os = "linux") && Path::new(GNU_TIME).is_file()) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI measures peak memory with GNU time: install it (apt-get install time)"
        );
        return senco;
    }
    let mut timed = Command::new(GNU_TIME);
    timed
        .args(["--format=%M", "--output"])
        .arg(peak_path)
        .arg("--")
        .arg(senco.get_program());
    for (key, value) in senco.get_envs() {
        match value {
            Some(value) => timed.env(key, value),
            None => timed.env_remove(key),
        };
    }
    timed
}

/// Ends a hung run and everything it started (GNU time's child included).
fn kill_group(child: &mut std::process::Child) {
    #[cfg(unix)]
    {
        let group = rustix::process::Pid::from_child(child);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn assert_memory_below(run: &Run, mib: u64, what: &str) {
    match run.peak_mib {
        Some(peak) => assert!(
            peak < mib,
            "{what}: peak memory {peak} MiB, bound {mib} MiB"
        ),
        None if std::env::var_os("CI").is_some() => panic!("{what}: could not read peak memory"),
        None => eprintln!("{what}: peak memory not measured (no GNU time on this system)"),
    }
}

fn check(root: &Path) -> (i32, Value) {
    check_json(check_run(root))
}

fn check_run(root: &Path) -> Run {
    run_guarded(&[
        "check".as_ref(),
        root.as_os_str(),
        "--format".as_ref(),
        "json".as_ref(),
    ])
}

fn check_json(run: Run) -> (i32, Value) {
    let json = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "invalid JSON ({e}): {}\nstderr:\n{}",
            &run.stdout[..run.stdout.len().min(2000)],
            run.stderr
        )
    });
    (run.code, json)
}

fn build(root: &Path) -> Run {
    run_guarded(&["build".as_ref(), root.as_os_str()])
}

// ---------------------------------------------------------------------------------------
// The portfolio each case is dropped into
// ---------------------------------------------------------------------------------------

const GOOD: &str = "evidence/good.md";

/// A portfolio with one good evidence file, tagging B6.1 in front matter and B6.2 inline.
fn good_portfolio() -> tempfile::TempDir {
    let dir = harness::portfolio(harness::NASENCO);
    harness::write(
        dir.path(),
        GOOD,
        "---\ntitle: A good file\noutcomes: [B6.1]\n---\n\nThis file is fine and is still counted. [[B6.2]]\n",
    );
    dir
}

/// The good file was checked as if nothing else were there.
fn assert_good_checked(json: &Value) {
    for id in ["B6.1", "B6.2"] {
        assert_eq!(
            harness::strings(&harness::item(json, id)["evidence"]),
            [GOOD],
            "{id}"
        );
    }
    let on_good: Vec<&Value> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["file"] == GOOD)
        .collect();
    assert!(on_good.is_empty(), "{on_good:?}");
}

fn diagnostics_on<'a>(json: &'a Value, file: &str) -> Vec<&'a Value> {
    json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["file"] == file)
        .collect()
}

// ---------------------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------------------

/// One expected diagnostic: its severity and code, and where given its position (line,
/// column), exact message and a part of its help.
#[derive(Debug, Clone)]
struct Want {
    severity: &'static str,
    code: &'static str,
    at: Option<(u64, u64)>,
    message: Option<String>,
    help: Option<&'static str>,
}

fn want(severity: &'static str, code: &'static str) -> Want {
    Want {
        severity,
        code,
        at: None,
        message: None,
        help: None,
    }
}

impl Want {
    fn at(mut self, line: u64, column: u64) -> Self {
        self.at = Some((line, column));
        self
    }

    fn says(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    fn helps(mut self, part: &'static str) -> Self {
        self.help = Some(part);
        self
    }

    fn assert_matches(&self, got: &Value, case: &str) {
        let d = format!("{case}: {got}");
        assert_eq!(got["severity"], self.severity, "{d}");
        assert_eq!(got["code"], self.code, "{d}");
        if let Some((line, column)) = self.at {
            assert_eq!(
                (got["line"].as_u64(), got["column"].as_u64()),
                (Some(line), Some(column)),
                "{d}"
            );
        }
        if let Some(message) = &self.message {
            assert_eq!(got["message"], message.as_str(), "{d}");
        }
        if let Some(part) = self.help {
            let help = got["help"].as_str().unwrap_or_default();
            assert!(help.contains(part), "help should contain {part:?}: {d}");
        }
    }
}

enum Content {
    Bytes(Vec<u8>),
    /// Made when written: every test lists all the cases, and some are tens of megabytes.
    Made(fn() -> String),
    Fixture(&'static str),
    /// A file of this many bytes that takes no room on disk (a sparse file of zeros).
    Sparse(u64),
}

impl Content {
    fn write(&self, path: &Path) {
        match self {
            Content::Bytes(bytes) => std::fs::write(path, bytes).expect("write case"),
            Content::Made(make) => std::fs::write(path, make()).expect("write case"),
            Content::Fixture(rel) => {
                std::fs::copy(harness::fixture(rel), path).expect("copy fixture");
            }
            Content::Sparse(len) => std::fs::File::create(path)
                .and_then(|f| f.set_len(*len))
                .expect("sparse file"),
        }
    }
}

struct Case {
    /// The file's name in `evidence/`.
    file: &'static str,
    content: Content,
    exit: i32,
    /// Every diagnostic on the file, in the report's order.
    want: Vec<Want>,
    /// The outcomes the file is still credited with.
    outcomes: &'static [&'static str],
    /// Also `senco build` it: for inputs where rendering is what could go wrong.
    build: bool,
    /// Peak memory bound in MiB, for the inputs made to exhaust it.
    memory_mib: Option<u64>,
}

fn case(file: &'static str, content: Content, exit: i32, want: Vec<Want>) -> Case {
    Case {
        file,
        content,
        exit,
        want,
        outcomes: &[],
        build: false,
        memory_mib: None,
    }
}

impl Case {
    fn credits(mut self, outcomes: &'static [&'static str]) -> Self {
        self.outcomes = outcomes;
        self
    }

    fn built(mut self) -> Self {
        self.build = true;
        self
    }

    fn memory_below(mut self, mib: u64) -> Self {
        self.memory_mib = Some(mib);
        self
    }
}

fn bytes(b: impl AsRef<[u8]>) -> Content {
    Content::Bytes(b.as_ref().to_vec())
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

const MB: usize = 1 << 20;
const LEVELS: usize = 100_000;

/// The "billion laughs": nine aliases of nine aliases ... nine levels deep, 9^9 values.
fn alias_bomb() -> String {
    let mut yaml = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (name, prev) in ('b'..='i').zip('a'..='h') {
        let refs = vec![format!("*{prev}"); 9].join(",");
        yaml.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    format!("---\n{yaml}outcomes: [A1.4]\n---\n\nThe body is still read. [[A1.5]]\n")
}

/// 50 MB of ordinary prose, tagged in its first and last paragraphs.
fn fifty_mb() -> String {
    let paragraph = "We met to review the plan and agreed the next steps with the class teacher and the family. ".repeat(8);
    let mut text = String::with_capacity(50 * MB + 1024);
    text.push_str("# Fifty megabytes\n\nThe first paragraph. [[A2.1]]\n\n");
    while text.len() < 50 * MB {
        text.push_str(&paragraph);
        text.push_str("\n\n");
    }
    text.push_str("The last paragraph. [[A2.2]]\n");
    text
}

/// Ten megabytes of words on one line, then a tag and an unknown tag.
fn ten_mb_line() -> String {
    format!("{}[[A3.2]] [[Z9.9]]\n", "word ".repeat(2 * MB))
}

/// Column (in characters) of `[[Z9.9]]` on the ten-megabyte line.
fn ten_mb_line_column() -> u64 {
    ("word ".len() * 2 * MB + "[[A3.2]] ".len() + 1) as u64
}

fn cases() -> Vec<Case> {
    let unknown_z99 = || {
        want("error", "unknown-outcome").says("unknown outcome `Z9.9` in framework nasenco-2014")
    };
    let too_deep = || {
        want("warning", "too-deep")
            .says("quotations, lists or HTML elements nest more than 100 levels deep here")
            .helps("without its nesting")
    };
    vec![
        // Encodings and binaries.
        case(
            "invalid-utf8.md",
            Content::Fixture("diagnostics/evidence/invalid-utf8.md"),
            1,
            vec![want("error", "invalid-utf8").at(5, 4).says("file is not valid UTF-8 text").helps("re-save the file with UTF-8 encoding")],
        )
        .credits(&["A4.2"]),
        case(
            "notepad-utf16le.md",
            Content::Bytes(utf16("---\ntitle: Notepad\n---\n\nSaved as Unicode. [[A1.1]]\n", false)),
            1,
            vec![want("error", "invalid-utf8").at(1, 1).says("file is UTF-16 encoded, not UTF-8").helps("re-save it as UTF-8")],
        ),
        case(
            "utf16be.md",
            Content::Bytes(utf16("Big-endian. [[A1.1]]\n", true)),
            1,
            vec![want("error", "invalid-utf8").at(1, 1).says("file is UTF-16 encoded, not UTF-8").helps("re-save it as UTF-8")],
        ),
        case(
            "photo.md",
            bytes(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"),
            1,
            vec![want("error", "not-text").at(1, 1).says("file is a PNG image, not Markdown text").helps("attachments")],
        ),
        case(
            "pasted-binary.md",
            bytes(b"Some notes, then a paste from a binary file:\n\x00\x01\x02\xff\xfe [[A1.1]]\n"),
            1,
            vec![want("error", "not-text").at(1, 1).says("file contains binary data, not Markdown text")],
        ),
        // Front matter.
        case(
            "empty.md",
            Content::Fixture("diagnostics/evidence/empty.md"),
            0,
            vec![want("warning", "empty-evidence").at(1, 1).says("evidence file is empty")],
        ),
        case(
            "front-matter-only.md",
            Content::Fixture("diagnostics/evidence/front-matter-only.md"),
            0,
            vec![want("warning", "empty-evidence").at(5, 1).says("evidence has front matter but no text")],
        )
        .credits(&["A4.3"]),
        case(
            "unclosed.md",
            Content::Fixture("diagnostics/evidence/unclosed.md"),
            1,
            vec![want("error", "front-matter-unclosed").at(1, 1).says("front matter opened with `---` is never closed")],
        ),
        case(
            "tabs.md",
            bytes("---\ntitle: Indented with a tab\n\toutcomes: [A1.4]\n---\n\nText. [[A1.3]]\n"),
            1,
            vec![want("error", "front-matter-syntax").at(3, 1).helps("YAML does not allow tabs for indentation: use spaces")],
        )
        .credits(&["A1.3"]),
        case(
            "duplicate-keys.md",
            bytes("---\ntitle: First\noutcomes: [A1.2]\ntitle: Second\n---\n\nText. [[A1.3]]\n"),
            1,
            vec![want("error", "front-matter-syntax").at(4, 1).says("malformed YAML front matter: `title` is given twice").helps("keep one of the two lines")],
        )
        .credits(&["A1.3"]),
        case(
            "outcomes-number.md",
            bytes("---\noutcomes: 5\n---\n\nA bare number is read as an id, as inside a list.\n"),
            0,
            vec![want("hint", "outcome-not-indicator").at(2, 11).says("`B5` is an outcome with indicators: this tag covers none of them")],
        )
        .credits(&["B5"]),
        case(
            "outcomes-map.md",
            bytes("---\noutcomes: {a: b}\n---\n\nText.\n"),
            1,
            vec![want("error", "bad-outcomes").at(2, 1).says("`outcomes` must be a list of outcome ids or a comma-separated string, not a set of keys").helps("outcomes: [A1.2, B5.1]")],
        ),
        case(
            "outcomes-nested.md",
            bytes("---\noutcomes: [[A1.1]]\n---\n\nText.\n"),
            1,
            vec![want("error", "bad-outcomes").at(2, 1).says("each outcome in `outcomes` must be an id like `A1.2`, not a list").helps("one flat list")],
        ),
        case(
            "alias-bomb.md",
            Content::Made(alias_bomb),
            1,
            vec![want("error", "front-matter-syntax")
                .says("YAML front matter is too big to read: it holds more than 50000 values, counting each use of an alias (`*name`) in full")
                .helps("remove the aliases")],
        )
        .credits(&["A1.5"])
        .memory_below(300),
        case(
            "yaml-10mb-string.md",
            Content::Made(|| format!("---\ntitle: \"{}\"\noutcomes: [A1.4]\n---\n\nThe body is still read. [[A1.6]]\n", "x".repeat(10 * MB))),
            1,
            vec![want("error", "front-matter-syntax")
                .at(2, 8)
                .says("YAML front matter is too big to read: it holds more than 2 MB of text")
                .helps("move long text below the closing `---`")],
        )
        .credits(&["A1.6"])
        .memory_below(300),
        // Size and shape.
        case("fifty-mb.md", Content::Made(fifty_mb), 0, vec![])
            .credits(&["A2.1", "A2.2"])
            .built()
            .memory_below(1024),
        case(
            "ten-mb-line.md",
            Content::Made(ten_mb_line),
            1,
            vec![unknown_z99().at(1, ten_mb_line_column())],
        )
        .credits(&["A3.2"])
        .built()
        .memory_below(600),
        case(
            "nested-quotes.md",
            Content::Made(|| format!("{} deepest [[A3.1]]\n", ">".repeat(LEVELS))),
            0,
            vec![too_deep().at(1, 101)],
        )
        .credits(&["A3.1"])
        .built()
        .memory_below(600),
        case(
            "nested-lists.md",
            Content::Made(|| format!("{}deepest [[A3.3]]\n", "- ".repeat(LEVELS))),
            0,
            vec![too_deep().at(1, 101)],
        )
        .credits(&["A3.3"])
        .built()
        .memory_below(600),
        case(
            "nested-html.md",
            Content::Made(|| format!("Pasted from a web page. [[A3.4]]\n\n{}deepest\n", "<div>".repeat(LEVELS))),
            0,
            vec![too_deep().at(3, 1)],
        )
        .credits(&["A3.4"])
        .built()
        .memory_below(600),
        case(
            "tag-flood.md",
            Content::Made(|| "[[Z9.9]] ".repeat(2 * MB / 9)),
            1,
            std::iter::once(
                want("hint", "more-problems")
                    .says(format!("{} more `unknown-outcome` problems in this file are not listed", 2 * MB / 9 - 100))
                    .helps("only the first 100 of each kind are shown"),
            )
            .chain(std::iter::repeat_n(unknown_z99(), 100))
            .collect(),
        )
        .memory_below(600),
        case(
            "known-tag-flood.md",
            Content::Made(|| "Again. [[A4.5]]\n\n".repeat(LEVELS)),
            0,
            std::iter::once(
                want("hint", "more-problems")
                    .says(format!("{} more `duplicate-tag` problems in this file are not listed", LEVELS - 1 - 100)),
            )
            .chain(std::iter::repeat_n(want("hint", "duplicate-tag").says("`A4.5` is already tagged at line 1 of this file"), 100))
            .collect(),
        )
        .credits(&["A4.5"])
        .built()
        .memory_below(600),
        case(
            "same-heading-100-000-times.md",
            Content::Made(|| format!("Notes. [[A4.4]]\n\n{}", "## Notes\n\nText.\n\n".repeat(LEVELS))),
            0,
            vec![],
        )
        .credits(&["A4.4"])
        .built()
        .memory_below(600),
        case(
            "pasted-register.md",
            Content::Made(|| "Child born 01/02/2015, see plan.\n".repeat(LEVELS)),
            0,
            std::iter::once(
                want("hint", "more-problems")
                    .says(format!("{} more `date-of-birth` problems in this file are not listed", LEVELS - 100)),
            )
            .chain(std::iter::repeat_n(want("warning", "date-of-birth").says("a date of birth"), 100))
            .collect(),
        )
        .memory_below(600),
        case(
            "phone-numbers-on-one-line.md",
            Content::Made(|| "Call 07700 900123 or ".repeat(LEVELS)),
            0,
            std::iter::once(
                want("hint", "more-problems")
                    .says(format!("{} more `phone-number` problems in this file are not listed", LEVELS - 100)),
            )
            .chain(std::iter::repeat_n(want("warning", "phone-number").says("a UK phone number"), 100))
            .collect(),
        )
        .memory_below(600),
        case(
            "sparse-1gb.md",
            Content::Sparse(1 << 30),
            1,
            vec![want("error", "too-large").says("file is 1024 MB; senco reads evidence files of up to 64 MB").helps("attachments")],
        )
        .memory_below(100),
    ]
}

fn find_case(file: &str) -> Case {
    cases()
        .into_iter()
        .find(|c| c.file == file)
        .unwrap_or_else(|| panic!("no case {file}"))
}

fn run_case(file: &str) {
    let case = find_case(file);
    let dir = good_portfolio();
    let root = dir.path();
    case.content.write(&root.join("evidence").join(case.file));
    let rel = format!("evidence/{}", case.file);
    let run = check_run(root);
    if let Some(mib) = case.memory_mib {
        assert_memory_below(&run, mib, &format!("check {rel}"));
    }
    let (code, json) = check_json(run);
    let got = diagnostics_on(&json, &rel);
    assert_eq!(
        got.len(),
        case.want.len(),
        "{rel}: diagnostics {}",
        serde_json::to_string_pretty(&got).unwrap_or_default()
    );
    for (want, got) in case.want.iter().zip(&got) {
        want.assert_matches(got, &rel);
    }
    assert_eq!(code, case.exit, "{rel}: exit code");
    assert_eq!(
        harness::strings(&harness::evidence(&json, &rel)["outcomes"]),
        case.outcomes,
        "{rel}: outcomes"
    );
    assert_good_checked(&json);
    if case.build {
        let run = build(root);
        assert_eq!(
            run.code, case.exit,
            "{rel}: build exit code\n{}",
            run.stderr
        );
        if let Some(mib) = case.memory_mib {
            assert_memory_below(&run, mib, &format!("build {rel}"));
        }
        let site = root.join("site");
        assert!(site.join("evidence/good.html").is_file(), "good page built");
        let page = site.join("evidence").join(case.file).with_extension("html");
        let html = std::fs::read_to_string(&page).expect("the case's page is built");
        for id in case.outcomes {
            assert!(
                html.contains(&format!("href=\"../outcomes/{id}.html\"")),
                "{rel}: the page links its tag {id}"
            );
        }
    }
}

/// One test per case, so they run in parallel and each failure is reported on its own.
macro_rules! corpus {
    ($($test:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $test() {
                run_case($file);
            }
        )*

        #[test]
        fn every_case_has_its_test() {
            let tested = [$($file),*];
            for case in cases() {
                assert!(tested.contains(&case.file), "no test runs {}", case.file);
            }
        }
    };
}

corpus! {
    invalid_utf8 => "invalid-utf8.md",
    utf16_little_endian_with_bom => "notepad-utf16le.md",
    utf16_big_endian_with_bom => "utf16be.md",
    png_renamed_md => "photo.md",
    pasted_binary => "pasted-binary.md",
    empty_file => "empty.md",
    only_front_matter => "front-matter-only.md",
    front_matter_never_closed => "unclosed.md",
    tabs_in_yaml => "tabs.md",
    duplicate_keys => "duplicate-keys.md",
    outcomes_a_number => "outcomes-number.md",
    outcomes_a_map => "outcomes-map.md",
    outcomes_a_nested_list => "outcomes-nested.md",
    yaml_alias_bomb => "alias-bomb.md",
    yaml_10_mb_string => "yaml-10mb-string.md",
    fifty_mb_file => "fifty-mb.md",
    a_10_mb_line => "ten-mb-line.md",
    nested_quotes_100_000_deep => "nested-quotes.md",
    nested_lists_100_000_deep => "nested-lists.md",
    nested_html_100_000_deep => "nested-html.md",
    a_line_of_200_000_unknown_tags => "tag-flood.md",
    the_same_tag_100_000_times => "known-tag-flood.md",
    the_same_heading_100_000_times => "same-heading-100-000-times.md",
    a_pasted_register_of_birth_dates => "pasted-register.md",
    phone_numbers_on_one_line => "phone-numbers-on-one-line.md",
    a_1_gb_file => "sparse-1gb.md",
}

#[test]
fn the_text_report_cuts_a_10_mb_line_to_the_part_that_matters() {
    let dir = good_portfolio();
    harness::write(dir.path(), "evidence/ten-mb-line.md", ten_mb_line());
    let run = run_guarded(&["check".as_ref(), dir.path().as_os_str()]);
    assert_eq!(run.code, 1);
    let at = format!("--> evidence/ten-mb-line.md:1:{}", ten_mb_line_column());
    assert!(run.stdout.contains(&at), "{at} in the report");
    assert!(
        run.stdout.contains("1 | … word word ") && run.stdout.contains(" word [[A3.2]] [[Z9.9]]\n"),
        "the excerpt shows the tag:\n{}",
        run.stdout
    );
    assert!(
        run.stdout.len() < 64 * 1024,
        "the report is {} bytes: the line was not cut",
        run.stdout.len()
    );
}

#[test]
fn an_outcome_page_quotes_at_most_50_passages_from_one_file() {
    let dir = good_portfolio();
    let p = dir.path();
    let text: String = (0..200)
        .map(|i| format!("Passage {i}. [[A4.5]]\n\n"))
        .collect();
    harness::write(p, "evidence/many.md", text);
    let run = build(p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = std::fs::read_to_string(p.join("site/outcomes/A4.5.html")).expect("page");
    assert_eq!(page.matches("<blockquote class=\"passage\">").count(), 50);
    assert!(page.contains("Passage 49.") && !page.contains("Passage 50."));
    // Every tag still has its badge on the evidence page.
    let evidence = std::fs::read_to_string(p.join("site/evidence/many.html")).expect("page");
    assert!(evidence.contains("id=\"tag-199\""));
}

/// A title is shown on every page of the site: one of 10 MB would make it gigabytes.
#[test]
fn a_title_of_10_mb_is_cut() {
    let dir = good_portfolio();
    let p = dir.path();
    harness::write(
        p,
        "evidence/ten-mb-heading.md",
        format!("# {}\n\nText. [[A1.7]]\n", "word ".repeat(2 * MB)),
    );
    let (code, json) = check(p);
    assert_eq!(code, 0);
    let title = harness::evidence(&json, "evidence/ten-mb-heading.md")["title"]
        .as_str()
        .expect("title")
        .to_string();
    assert!(
        title.starts_with("word word ") && title.ends_with('…'),
        "{title}"
    );
    assert!(title.len() <= 300 + '…'.len_utf8(), "{} bytes", title.len());
    let run = build(p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_memory_below(&run, 600, "build of a 10 MB heading");
    for page in ["index.html", "outcomes/A1.7.html", "matrix.html"] {
        let size = std::fs::metadata(p.join("site").join(page))
            .expect("page")
            .len();
        assert!(size < 1 << 20, "{page} is {size} bytes");
    }
}

// ---------------------------------------------------------------------------------------
// The file system: links, permissions, names, pipes, files that vanish
// ---------------------------------------------------------------------------------------

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_are_reported_not_followed() {
    use std::os::unix::fs::symlink;
    let dir = good_portfolio();
    let evidence = dir.path().join("evidence");
    for (link, target) in [
        ("loop", "."),
        ("self.md", "self.md"),
        ("a.md", "b.md"),
        ("b.md", "a.md"),
        ("dangling.md", "missing.md"),
    ] {
        symlink(target, evidence.join(link)).expect("link");
    }
    let (code, json) = check(dir.path());
    assert_eq!(code, 1);
    let loop_via = |target: &str| {
        format!(
            "symbolic link loop: the link points to `{target}`, which leads back to it; not followed"
        )
    };
    let expected = [
        ("evidence/a.md", loop_via("b.md")),
        ("evidence/b.md", loop_via("a.md")),
        (
            "evidence/dangling.md",
            "symbolic link to `missing.md`, which does not exist; not followed".to_string(),
        ),
        (
            "evidence/loop",
            "symbolic link loop: it leads back to a folder that holds it; not followed".to_string(),
        ),
        ("evidence/self.md", loop_via("self.md")),
    ];
    let got: Vec<(String, String)> = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            assert_eq!(
                (d["severity"].as_str(), d["code"].as_str()),
                (Some("error"), Some("unreadable")),
                "{d}"
            );
            assert!(
                d["help"]
                    .as_str()
                    .is_some_and(|h| h.contains("remove the link")),
                "{d}"
            );
            (
                d["file"].as_str().expect("file").to_string(),
                d["message"].as_str().expect("message").to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = expected
        .into_iter()
        .map(|(f, m)| (f.to_string(), m))
        .collect();
    assert_eq!(got, expected);
    assert_eq!(harness::evidence_paths(&json), [GOOD]);
    assert_good_checked(&json);
}

#[cfg(unix)]
#[test]
fn a_link_deep_inside_back_up_to_the_evidence_folder_is_a_loop_and_no_file_counts_twice() {
    // The evidence folder's own folders are walked side by side, each alone; a link in
    // one of them that leads back above it is still found for the loop it is.
    use std::os::unix::fs::symlink;
    let dir = good_portfolio();
    let p = dir.path();
    harness::write(p, "evidence/sub/deeper/note.md", "Deep. [[A1.7]]\n");
    harness::write(p, "evidence/other/x.md", "Other. [[A2.3]]\n");
    symlink("../..", p.join("evidence/sub/deeper/up")).expect("link");
    let (code, json) = check(p);
    assert_eq!(code, 1);
    // The loop, and nothing else: no file found again through the link.
    let all = json["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(all.len(), 1, "{json}");
    let unreadable = harness::diagnostics(&json, "unreadable");
    let found = unreadable.first().expect("the loop, as unreadable");
    assert_eq!(found["file"], "evidence/sub/deeper/up");
    assert_eq!(
        found["message"],
        "symbolic link loop: it leads back to a folder that holds it; not followed"
    );
    assert_eq!(
        harness::evidence_paths(&json),
        [GOOD, "evidence/other/x.md", "evidence/sub/deeper/note.md"]
    );
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_folders() {
    use std::os::unix::fs::PermissionsExt;
    let dir = good_portfolio();
    let p = dir.path();
    harness::write(p, "evidence/locked.md", "Locked away. [[A1.7]]\n");
    harness::write(p, "evidence/locked-folder/inside.md", "Inside. [[A2.3]]\n");
    let set_mode = |rel: &str, mode: u32| {
        std::fs::set_permissions(p.join(rel), std::fs::Permissions::from_mode(mode))
            .expect("chmod");
    };
    set_mode("evidence/locked.md", 0o000);
    set_mode("evidence/locked-folder", 0o000);
    // Root (as in CI containers) reads a mode-000 file all the same: then the honest
    // behaviour to check is that senco reads it like any other.
    let privileged = std::fs::read(p.join("evidence/locked.md")).is_ok();
    let (code, json) = check(p);
    set_mode("evidence/locked-folder", 0o755);
    set_mode("evidence/locked.md", 0o644);
    if privileged {
        eprintln!(
            "running with permission to read any file: checking that senco reads mode-000 files and folders as usual"
        );
        assert_eq!(code, 0);
        assert_eq!(json["diagnostics"], serde_json::json!([]));
        assert_eq!(
            harness::strings(&harness::item(&json, "A1.7")["evidence"]),
            ["evidence/locked.md"]
        );
        assert_eq!(
            harness::strings(&harness::item(&json, "A2.3")["evidence"]),
            ["evidence/locked-folder/inside.md"]
        );
    } else {
        assert_eq!(code, 1);
        let file = diagnostics_on(&json, "evidence/locked.md");
        assert_eq!(file.len(), 1, "{file:?}");
        want("error", "unreadable")
            .says("cannot read file: Permission denied (os error 13)")
            .assert_matches(file[0], "locked.md");
        let folder = diagnostics_on(&json, "evidence/locked-folder");
        assert_eq!(folder.len(), 1, "{folder:?}");
        want("error", "unreadable")
            .says("cannot read: Permission denied (os error 13)")
            .helps("permissions")
            .assert_matches(folder[0], "locked-folder");
        assert_eq!(
            harness::item(&json, "A2.3")["evidence"],
            serde_json::json!([])
        );
    }
    assert_good_checked(&json);
}

/// Names from Windows, phones and Welsh-medium schools: (file, the outcome it tags).
fn odd_names() -> Vec<(&'static str, &'static str)> {
    let mut names = vec![
        ("evidence/x.md/inside.md", "A1.2"),
        ("evidence/with spaces.md", "A1.3"),
        ("evidence/ŵyl-ysgol.md", "A1.5"),
        ("evidence/🌱 twf.md", "A1.6"),
    ];
    // Only Unix file systems allow a newline in a name.
    if cfg!(unix) {
        names.push(("evidence/new\nline.md", "A1.4"));
    }
    names
}

#[test]
fn a_folder_named_x_md_and_names_with_spaces_newlines_welsh_and_emoji() {
    let dir = good_portfolio();
    let p = dir.path();
    for (name, id) in odd_names() {
        harness::write(p, name, format!("Evidence for {id}. [[{id}]]\n"));
    }
    let (code, json) = check(p);
    assert_eq!(code, 0);
    assert_eq!(json["diagnostics"], serde_json::json!([]));
    let mut expected: Vec<String> = odd_names().iter().map(|(n, _)| n.to_string()).collect();
    expected.push(GOOD.to_string());
    expected.sort();
    assert_eq!(harness::evidence_paths(&json), expected);
    for (name, id) in odd_names() {
        assert_eq!(
            harness::strings(&harness::item(&json, id)["evidence"]),
            [name],
            "{name:?}"
        );
    }
    assert_good_checked(&json);
    let run = build(p);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for (name, _) in odd_names() {
        let page = p.join("site").join(name).with_extension("html");
        assert!(page.is_file(), "{} built", page.display());
    }
}

/// Makes a named pipe with `mkfifo`, one of the utilities every POSIX system has.
#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status();
    assert!(
        status.as_ref().is_ok_and(|s| s.success()),
        "mkfifo {}: {status:?}",
        path.display()
    );
}

#[cfg(unix)]
#[test]
fn a_named_pipe_called_md_is_reported_and_never_read() {
    let dir = good_portfolio();
    mkfifo(&dir.path().join("evidence/pipe.md"));
    // Reading the pipe would wait for a writer forever: the hang guard would fire.
    let (code, json) = check(dir.path());
    assert_eq!(code, 1);
    let got = diagnostics_on(&json, "evidence/pipe.md");
    assert_eq!(got.len(), 1, "{got:?}");
    want("error", "unreadable")
        .says("not a regular file (a named pipe, socket or device); not read")
        .assert_matches(got[0], "pipe.md");
    assert_eq!(harness::evidence_paths(&json), [GOOD]);
    assert_good_checked(&json);
}

#[test]
fn files_deleted_while_the_check_runs_are_reported_or_not_counted() {
    let dir = good_portfolio();
    let p = dir.path();
    let count = 3000;
    for i in 0..count {
        harness::write(
            p,
            &format!("evidence/batch/{i:04}.md"),
            format!("File {i}. [[A1.1]]\n"),
        );
    }
    let doomed: Vec<String> = (0..count)
        .filter(|i| i % 2 == 1)
        .map(|i| format!("evidence/batch/{i:04}.md"))
        .collect();
    let root = p.to_path_buf();
    let to_delete = doomed.clone();
    let deleter = std::thread::spawn(move || {
        for rel in to_delete {
            std::fs::remove_file(root.join(rel)).expect("delete");
        }
    });
    let (code, json) = check(p);
    deleter.join().expect("deleter");
    assert!(code == 0 || code == 1, "exit code {code}");
    // A deleted file either was never found, or is listed with a diagnostic that says
    // it could not be read; every other file is checked as usual.
    for d in json["diagnostics"].as_array().expect("diagnostics") {
        let file = d["file"].as_str().expect("file");
        assert!(doomed.iter().any(|f| f == file), "{d}");
        want("error", "unreadable")
            .helps("still exists")
            .assert_matches(d, file);
        assert!(
            d["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("cannot read file: ")),
            "{d}"
        );
    }
    let credited = harness::strings(&harness::item(&json, "A1.1")["evidence"]);
    for i in (0..count).filter(|i| i % 2 == 0) {
        let rel = format!("evidence/batch/{i:04}.md");
        assert!(credited.contains(&rel), "{rel} still counts");
    }
    for d in json["diagnostics"].as_array().expect("diagnostics") {
        let file = d["file"].as_str().expect("file").to_string();
        assert!(!credited.contains(&file), "{file} was not read, yet counts");
    }
    assert_good_checked(&json);
}

#[test]
fn a_file_that_vanishes_between_finding_and_reading_is_reported() {
    let dir = good_portfolio();
    let p = dir.path();
    harness::write(p, "evidence/gone.md", "Soon gone. [[A1.1]]\n");
    let portfolio = senco::model::portfolio::Portfolio::load(p).expect("portfolio");
    let framework =
        senco::model::framework::Framework::resolve_all(&portfolio.frameworks, &portfolio.root)
            .expect("framework");
    let (found, problems) = senco::check::discover::discover(&portfolio).expect("discover");
    assert!(problems.is_empty());
    std::fs::remove_file(p.join("evidence/gone.md")).expect("delete");
    let loaded: Vec<_> = found
        .iter()
        .map(|f| senco::check::evidence::load(&f.path, &f.rel, &framework))
        .collect();
    let (gone, diagnostics) = &loaded[0];
    assert_eq!(gone.path, "evidence/gone.md");
    assert!(!gone.readable);
    assert!(gone.tags.is_empty());
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, "unreadable");
    // Error 2 is "not found" on Unix and on Windows.
    assert_eq!(
        diagnostics[0].message,
        format!("cannot read file: {}", std::io::Error::from_raw_os_error(2))
    );
    let (good, diagnostics) = &loaded[1];
    assert_eq!(good.path, GOOD);
    assert!(good.readable && diagnostics.is_empty());
}

#[test]
fn a_file_that_vanishes_before_its_page_is_built_fails_that_build_and_the_next_check_drops_it() {
    let dir = good_portfolio();
    let p = dir.path();
    harness::write(p, "evidence/gone.md", "Soon gone. [[A1.1]]\n");
    let check = senco::check(p, &Default::default()).expect("check");
    std::fs::remove_file(p.join("evidence/gone.md")).expect("delete");
    let out = p.join("site");
    let options = senco::render::BuildOptions {
        out: out.clone(),
        force: false,
        history: false,
    };
    // Built from the old check, the site would list a file it has no page text for.
    let error = senco::render::build(&check, &options).expect_err("the build fails");
    assert!(
        error
            .message
            .starts_with("evidence/gone.md changed while senco was reading it"),
        "{error:?}"
    );
    assert!(!out.exists(), "a failed build leaves nothing in place");
    // What `senco build` does: check again, then build.
    let (check, built) =
        senco::render::check_and_build(|| senco::check(p, &Default::default()), &options)
            .expect("built");
    assert!(check.evidence.iter().all(|e| e.path != "evidence/gone.md"));
    assert!(
        built
            .diagnostics
            .iter()
            .all(|d| d.file.as_deref() != Some("evidence/gone.md"))
    );
    assert!(out.join("evidence/good.html").is_file());
    assert!(!out.join("evidence/gone.html").exists());
}

// ---------------------------------------------------------------------------------------
// portfolio.toml: senco cannot run (exit code 2)
// ---------------------------------------------------------------------------------------

/// `senco check` on a portfolio whose settings are broken: exit code 2, nothing on
/// standard output; returns standard error.
fn cannot_run(config: Option<&str>) -> String {
    let dir = good_portfolio();
    let config_path = dir.path().join("portfolio.toml");
    match config {
        Some(text) => std::fs::write(&config_path, text).expect("write portfolio.toml"),
        None => std::fs::remove_file(&config_path).expect("remove portfolio.toml"),
    }
    let run = run_guarded(&["check".as_ref(), dir.path().as_os_str()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    run.stderr
}

#[test]
fn portfolio_toml_missing() {
    let err = cannot_run(None);
    assert!(err.starts_with("error: no portfolio.toml in "), "{err}");
    assert!(err.contains("help: run `senco init`"), "{err}");
}

#[test]
fn portfolio_toml_empty() {
    for empty in ["", "\n  \n", "\u{feff}"] {
        let err = cannot_run(Some(empty));
        assert!(
            err.starts_with("error: ") && err.contains("portfolio.toml is empty"),
            "{err}"
        );
        assert!(
            err.contains("`[portfolio]`") && err.contains("framework = \"nasenco-2014\""),
            "{err}"
        );
    }
}

#[test]
fn portfolio_toml_unknown_keys_are_named_with_the_valid_ones() {
    let err = cannot_run(Some(&format!(
        "{}author = \"Trainee 1\"\n",
        harness::NASENCO
    )));
    assert!(
        err.contains("portfolio.toml:4:1: unknown key `author` in [portfolio]; expected one of `title`, `trainee`, `framework`, `evidence`, `appointed`"),
        "{err}"
    );
    let err = cannot_run(Some(&format!(
        "{}\n[rules]\nmin_evidnce = 2\n",
        harness::NASENCO
    )));
    assert!(
        err.contains("unknown key `min_evidnce` in [rules]; expected one of `min_evidence`"),
        "{err}"
    );
    assert!(err.contains("help: did you mean `min_evidence`?"), "{err}");
    // A setting written above `[portfolio]` (or with no table at all) is told where it goes.
    let err = cannot_run(Some("framework = \"nasenco-2014\"\n"));
    assert!(
        err.contains(
            "portfolio.toml:1:1: unknown key `framework` at the top level; expected `portfolio`, `rules`"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            "help: `framework` belongs in the [portfolio] table: put a line `[portfolio]` above it"
        ),
        "{err}"
    );
}

#[test]
fn portfolio_toml_problems_are_reported_all_at_once() {
    let err = cannot_run(Some(
        "[portfolio]\nframwork = \"nasenco-2014\"\nappointed = \"2024-09-01\"\n\n[rules]\nmin_evidence = 0\n",
    ));
    assert!(err.contains("portfolio.toml has 4 problems:"), "{err}");
    for (place, what) in [
        (":1:2: ", "[portfolio] has no `framework`"),
        (":2:1: ", "unknown key `framwork` in [portfolio]"),
        (
            ":3:13: ",
            "`portfolio.appointed` must be a date, not string",
        ),
        (":6:16: ", "`rules.min_evidence` must be at least 1"),
    ] {
        assert!(
            err.contains(&format!("portfolio.toml{place}{what}")),
            "{what}: {err}"
        );
    }
    assert!(err.contains("help: did you mean `framework`?"), "{err}");
    assert!(
        err.contains("help: expected a date without quotes, e.g. 2024-09-01"),
        "{err}"
    );
}

#[test]
fn portfolio_toml_naming_an_unknown_framework() {
    let err = cannot_run(Some("[portfolio]\nframework = \"nasenco-2015\"\n"));
    assert!(err.contains("unknown framework `nasenco-2015`"), "{err}");
    assert!(err.contains("did you mean `nasenco-2014`?"), "{err}");
    assert!(err.contains("nasenco-2014, npq-senco-2023"), "{err}");
    let err = cannot_run(Some("[portfolio]\nframework = \"cpd\"\n"));
    assert!(err.contains("unknown framework `cpd`"), "{err}");
    assert!(
        err.contains("built-in frameworks: nasenco-2014, npq-senco-2023"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------
// Everything at once
// ---------------------------------------------------------------------------------------

/// Every file under `dir`, not following links.
fn all_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("read folder") {
            let entry = entry.expect("entry");
            let kind = entry.file_type().expect("file type");
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    out
}

#[test]
fn a_portfolio_holding_every_bad_input_at_once_still_checks_and_builds() {
    let dir = good_portfolio();
    let p = dir.path();
    let evidence = p.join("evidence");
    let cases = cases();
    for case in &cases {
        case.content.write(&evidence.join(case.file));
    }
    for (name, id) in odd_names() {
        harness::write(p, name, format!("Evidence for {id}. [[{id}]]\n"));
    }
    let outside = tempfile::tempdir().expect("tempdir");
    harness::write(
        outside.path(),
        "secret.md",
        "OUTSIDE-THE-PORTFOLIO [[A1.1]]\n",
    );
    harness::write(
        outside.path(),
        "folder/more.md",
        "OUTSIDE-THE-PORTFOLIO [[A1.2]]\n",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(outside.path().join("secret.md"), evidence.join("secret.md")).expect("link");
        symlink(outside.path().join("folder"), evidence.join("folder")).expect("link");
        symlink(".", evidence.join("loop")).expect("link");
        symlink("missing.md", evidence.join("dangling.md")).expect("link");
        mkfifo(&evidence.join("pipe.md"));
    }

    let run = check_run(p);
    assert_memory_below(&run, 1024, "check of everything");
    let (code, json) = check_json(run);
    assert_eq!(code, 1);
    assert_good_checked(&json);
    // Each file is reported as it is when alone: one never changes another's result.
    for case in &cases {
        let rel = format!("evidence/{}", case.file);
        let got = diagnostics_on(&json, &rel);
        assert_eq!(got.len(), case.want.len(), "{rel}");
        for (want, got) in case.want.iter().zip(&got) {
            want.assert_matches(got, &rel);
        }
        assert_eq!(
            harness::strings(&harness::evidence(&json, &rel)["outcomes"]),
            case.outcomes,
            "{rel}"
        );
    }
    #[cfg(unix)]
    assert_eq!(
        diagnostics_on(&json, "evidence/secret.md")[0]["code"],
        "link-outside-portfolio"
    );

    let run = build(p);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_memory_below(&run, 1024, "build of everything");
    let site = p.join("site");
    assert!(site.join("index.html").is_file());
    assert!(site.join("diagnostics.html").is_file());
    let good = std::fs::read_to_string(site.join("evidence/good.html")).expect("good page");
    assert!(good.contains("This file is fine and is still counted."));
    // Nothing from outside the portfolio reached the site.
    for file in all_files(&site) {
        let bytes = std::fs::read(&file).expect("read site file");
        assert!(
            memchr::memmem::find(&bytes, b"OUTSIDE-THE-PORTFOLIO").is_none(),
            "{} holds text from outside the portfolio",
            file.display()
        );
    }
}

/// Found by the judgement proptest: printing a diagnostic that points just before a
/// four-byte character underlined half of it, and the text report panicked.
#[test]
fn a_diagnostic_at_a_four_byte_character_is_printed() {
    let dir = good_portfolio();
    let p = dir.path();
    harness::write(p, "feedback/wide.md", "\u{14400}");
    let run = run_guarded(&["check".as_ref(), p.as_os_str()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let report = format!("{}{}", run.stdout, run.stderr);
    assert!(
        report.contains("feedback/wide.md:1:1") && report.contains('\u{14400}'),
        "{report}"
    );
}

// ---------------------------------------------------------------------------------------
// Packs from strangers: `senco verify` on zips made by hand
// ---------------------------------------------------------------------------------------

/// One entry of a zip written byte by byte, so a test can put in it what no zip library
/// would write (`../x`, duplicates, a lying size).
struct RawEntry {
    name: Vec<u8>,
    /// 0 stored, 8 deflated.
    method: u16,
    data: Vec<u8>,
    crc: u32,
    size: u32,
    /// Unix mode in the upper half of the external attributes.
    mode: u32,
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= byte as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn stored(name: &str, data: &[u8]) -> RawEntry {
    RawEntry {
        name: name.as_bytes().to_vec(),
        method: 0,
        data: data.to_vec(),
        crc: crc32(data),
        size: data.len() as u32,
        mode: 0o100644,
    }
}

/// A zip with `entries` in the order given, written as the format says.
fn raw_zip(entries: &[RawEntry]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    let le16 = |v: &mut Vec<u8>, x: u16| v.extend_from_slice(&x.to_le_bytes());
    let le32 = |v: &mut Vec<u8>, x: u32| v.extend_from_slice(&x.to_le_bytes());
    for e in entries {
        let offset = out.len() as u32;
        le32(&mut out, 0x0403_4b50);
        for x in [20, 0, e.method, 0, 33] {
            le16(&mut out, x);
        }
        for x in [e.crc, e.data.len() as u32, e.size] {
            le32(&mut out, x);
        }
        le16(&mut out, e.name.len() as u16);
        le16(&mut out, 0);
        out.extend_from_slice(&e.name);
        out.extend_from_slice(&e.data);
        le32(&mut central, 0x0201_4b50);
        for x in [0x0314, 20, 0, e.method, 0, 33] {
            le16(&mut central, x);
        }
        for x in [e.crc, e.data.len() as u32, e.size] {
            le32(&mut central, x);
        }
        for x in [e.name.len() as u16, 0, 0, 0, 0] {
            le16(&mut central, x);
        }
        le32(&mut central, e.mode << 16);
        le32(&mut central, offset);
        central.extend_from_slice(&e.name);
    }
    let (cd_offset, cd_size) = (out.len() as u32, central.len() as u32);
    out.extend_from_slice(&central);
    le32(&mut out, 0x0605_4b50);
    for x in [0, 0, entries.len() as u16, entries.len() as u16] {
        le16(&mut out, x);
    }
    le32(&mut out, cd_size);
    le32(&mut out, cd_offset);
    le16(&mut out, 0);
    out
}

/// A deflate stream of `1 + 258 * matches` zero bytes: one literal zero, then copies of
/// 258 bytes from one back, in fixed Huffman codes (13 bits per 258 bytes).
fn deflated_zeros(matches: u64) -> (Vec<u8>, u64) {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, count: u32) {
            self.acc |= value << self.n;
            self.n += count;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u64, len: u32) {
            let reversed = (0..len).fold(0, |r, i| (r << 1) | ((code >> i) & 1));
            self.put(reversed, len);
        }
    }
    let mut bits = Bits {
        out: Vec::with_capacity((matches * 13 / 8 + 16) as usize),
        acc: 0,
        n: 0,
    };
    bits.put(1, 1); // last block
    bits.put(1, 2); // fixed Huffman codes
    bits.code(0x30, 8); // literal 0
    for _ in 0..matches {
        bits.code(0xC5, 8); // length 258
        bits.code(0, 5); // distance 1
    }
    bits.code(0, 7); // end of block
    bits.put(0, 7);
    (bits.out, 1 + 258 * matches)
}

fn bomb(name: &str, matches: u64, declared: u32) -> RawEntry {
    let (data, _) = deflated_zeros(matches);
    RawEntry {
        name: name.as_bytes().to_vec(),
        method: 8,
        data,
        // Never reached: verify stops reading long before the end.
        crc: 0,
        size: declared,
        mode: 0o100644,
    }
}

/// A manifest listing `files` (path, sha256, size) as `senco pack` would, from `version`.
fn raw_manifest(format: &str, version: &str, files: &[(&str, String, u64)]) -> RawEntry {
    let files: Vec<Value> = files
        .iter()
        .map(|(path, sha256, size)| serde_json::json!({"path": path, "sha256": sha256, "size": size}))
        .collect();
    let manifest = serde_json::json!({
        "format": format,
        "tool": {"name": "senco", "version": version},
        "anonymised": false,
        "portfolios": [],
        "files": files,
    });
    stored(
        "manifest.json",
        &serde_json::to_vec(&manifest).expect("json"),
    )
}

fn verify_zip(bytes: &[u8]) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("pack.zip");
    std::fs::write(&path, bytes).expect("write zip");
    run_guarded(&["verify".as_ref(), path.as_os_str()])
}

#[test]
fn the_zero_stream_used_below_is_what_it_says() {
    let entry = bomb("z", 10, 2581);
    let zip = raw_zip(&[entry]);
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).expect("zip");
    let mut file = archive.by_index(0).expect("entry");
    let mut data = Vec::new();
    // The CRC is left at 0, so only the bytes are compared.
    let _ = std::io::Read::read_to_end(&mut file, &mut data);
    assert_eq!(data, vec![0u8; 2581]);
}

#[test]
fn verify_of_a_zip_bomb_stays_small_and_says_not_intact() {
    // Two entries of about 1 GiB of zeros each, and the manifest agreeing: the total is
    // past what verify reads from a zip this size, so neither is expanded.
    let gib_matches = (1u64 << 30) / 258;
    let size = 1 + 258 * gib_matches;
    let fake = "0".repeat(64);
    let zip = raw_zip(&[
        raw_manifest(
            "senco-pack/1",
            "0.0.9",
            &[("a.bin", fake.clone(), size), ("b.bin", fake.clone(), size)],
        ),
        bomb("a.bin", gib_matches, size as u32),
        bomb("b.bin", gib_matches, size as u32),
    ]);
    let run = verify_zip(&zip);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("a.bin: not checked"), "{}", run.stdout);
    assert!(run.stdout.contains("NOT intact"), "{}", run.stdout);
    assert_memory_below(&run, 100, "verify of a zip bomb");

    // An entry whose zip headers and manifest both say 1,000 bytes but whose data
    // expands to 1 GiB: read to 1,001 bytes and no further.
    let zip = raw_zip(&[
        raw_manifest("senco-pack/1", "0.0.9", &[("c.bin", fake, 1000)]),
        bomb("c.bin", gib_matches, 1000),
    ]);
    let run = verify_zip(&zip);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("c.bin: damaged: File is larger than its declared"),
        "{}",
        run.stdout
    );
    assert_memory_below(&run, 100, "verify of an entry larger than declared");
}

#[test]
fn verify_never_calls_a_zip_with_unsafe_entries_intact() {
    let sha = |data: &[u8]| senco::util::hash::Sha256::of(data).to_hex();
    let listed = |names: &[&str]| -> Vec<(String, String, u64)> {
        names
            .iter()
            .map(|n| (n.to_string(), sha(b"x"), 1))
            .collect()
    };
    let with_manifest = |names: &[&str], mut entries: Vec<RawEntry>| {
        let files = listed(names);
        let files: Vec<(&str, String, u64)> = files
            .iter()
            .map(|(n, s, l)| (n.as_str(), s.clone(), *l))
            .collect();
        // Another version's number, as an attacker would give to dodge the layout check.
        entries.insert(0, raw_manifest("senco-pack/1", "0.0.9", &files));
        raw_zip(&entries)
    };
    let mut symlink = stored("link.html", b"x");
    symlink.mode = 0o120777;
    let mut executable = stored("run.sh", b"x");
    executable.mode = 0o100755;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "a climb out with ..",
            with_manifest(&["../../x"], vec![stored("../../x", b"x")]),
            "../../x: climbs out",
        ),
        (
            "an absolute path",
            with_manifest(&["/tmp/x"], vec![stored("/tmp/x", b"x")]),
            "/tmp/x: is an absolute path",
        ),
        (
            "a symlink",
            with_manifest(&["link.html"], vec![symlink]),
            "link.html: is a symbolic link",
        ),
        (
            "an odd mode",
            with_manifest(&["run.sh"], vec![executable]),
            "run.sh: has mode 100755",
        ),
        (
            "a duplicate",
            with_manifest(
                &["a.html"],
                vec![stored("a.html", b"x"), stored("a.html", b"y")],
            ),
            "a.html: appears twice",
        ),
    ];
    for (what, zip, said) in cases {
        let run = verify_zip(&zip);
        assert_eq!(run.code, 1, "{what}: {}{}", run.stdout, run.stderr);
        assert!(run.stdout.contains(said), "{what}: {}", run.stdout);
        assert!(run.stdout.contains("NOT intact"), "{what}: {}", run.stdout);
    }
}

/// A real pack of a small portfolio, as bytes.
fn real_pack(dir: &Path) -> Vec<u8> {
    let portfolio = good_portfolio();
    let out = dir.join("real.zip");
    let run = run_guarded(&[
        "pack".as_ref(),
        portfolio.path().as_os_str(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::read(&out).expect("pack")
}

/// The same pack with its manifest rewritten by `edit`, zipped again as senco does.
fn with_edited_manifest(pack: &[u8], edit: impl Fn(&mut Value)) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(pack)).expect("zip");
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("entry");
        let name = file.name().expect("name").to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes).expect("read");
        if name == "manifest.json" {
            let mut manifest: Value = serde_json::from_slice(&bytes).expect("manifest");
            edit(&mut manifest);
            bytes = serde_json::to_vec_pretty(&manifest).expect("json");
        }
        entries.push(senco::pack::Entry::new(name, bytes));
    }
    senco::pack::write_zip(std::io::Cursor::new(Vec::new()), &entries)
        .expect("zip")
        .into_inner()
}

#[test]
fn verify_checks_the_layout_of_a_pack_from_another_version_in_full() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = real_pack(dir.path());
    let older = with_edited_manifest(&pack, |m| m["tool"]["version"] = "0.0.9".into());
    let run = verify_zip(&older);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("intact: all"), "{}", run.stdout);

    // A date changed in the first entry's local and central headers: the contents and
    // CRCs still match, the layout does not.
    let mut redated = older.clone();
    redated[12] = 0x22;
    let central = memchr::memmem::find(&redated, b"PK\x01\x02").expect("central directory");
    redated[central + 14] = 0x22;
    let run = verify_zip(&redated);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("headers differ"), "{}", run.stdout);
}

#[test]
fn verify_cannot_verify_an_unknown_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = real_pack(dir.path());
    let newer = with_edited_manifest(&pack, |m| m["format"] = "senco-pack/99".into());
    let run = verify_zip(&newer);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("cannot verify"), "{}", run.stderr);
    assert!(!run.stdout.contains("intact: all"), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------
// `senco serve` and the pages open beside it in the same browser
// ---------------------------------------------------------------------------------------

/// Sends `request` as given on a fresh connection and reads until the server closes it
/// or 30 seconds pass: the status (0 if none came) and how long the server took.
fn raw_request(port: u16, request: &[u8]) -> (u16, String, Duration) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let started = Instant::now();
    stream.write_all(request).expect("send");
    let mut response = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => {
                response.extend_from_slice(&buffer[..n]);
                // A complete response to a request that keeps the connection: stop.
                let text = String::from_utf8_lossy(&response);
                if let Some((head, body)) = text.split_once("\r\n\r\n")
                    && let Some(length) = head.lines().find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                    })
                    && body.len() >= length
                {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), std::io::ErrorKind::ConnectionReset) => break,
            Err(e) => panic!("no answer and no close after {:?}: {e}", started.elapsed()),
        }
    }
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text, started.elapsed())
}

#[test]
fn serve_answers_only_requests_that_name_it() {
    let (_tmp, root) = harness::copy_of("portfolio-template");
    let server = harness::Server::start(&root);
    let port = server.port;
    let get = |host: &str| {
        let request = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
        raw_request(port, request.as_bytes())
    };
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, text, _) = get(&host);
        assert_eq!(status, 200, "{host}: {text}");
    }
    // A rebinding attacker's name, the right name on another port, no port at all.
    for host in [
        format!("attacker.example:{port}"),
        "attacker.example".to_string(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        "localhost".to_string(),
        format!("127.0.0.1.attacker.example:{port}"),
    ] {
        let (status, text, _) = get(&host);
        assert_eq!(status, 421, "{host}: {text}");
        assert!(!text.contains("<h1>"), "{host}: {text}");
    }
    // The name in an absolute request target counts too; no Host at all is refused.
    let request =
        format!("GET http://attacker.example/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    assert_eq!(raw_request(port, request.as_bytes()).0, 421);
    let (status, text, _) = raw_request(port, b"GET / HTTP/1.0\r\n\r\n");
    assert_eq!(status, 400, "{text}");
}

#[test]
fn serve_closes_half_sent_requests_and_caps_connections() {
    let (_tmp, root) = harness::copy_of("portfolio-template");
    let server = harness::Server::start(&root);
    let port = server.port;
    // Headers never finished: closed after the header timeout, not held open.
    let request = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Slow: 1");
    let (status, text, took) = raw_request(port, request.as_bytes());
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(25),
        "closed after {took:?}"
    );
    assert!(!text.contains("<h1>"), "{status}: {text}");
    // A body that never comes is refused at once.
    let request =
        format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 100000\r\n\r\nx");
    let (status, _, took) = raw_request(port, request.as_bytes());
    assert_eq!(status, 400);
    assert!(took < Duration::from_secs(5), "{took:?}");

    // 64 connections that send nothing hold every place; the next is told so and closed.
    std::thread::sleep(Duration::from_millis(300));
    let held: Vec<std::net::TcpStream> = (0..64)
        .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect"))
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let request = format!("GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let (status, text, _) = raw_request(port, request.as_bytes());
    assert_eq!(status, 503, "{text}");
    assert!(text.contains("64 connections"), "{text}");
    drop(held);
    std::thread::sleep(Duration::from_millis(500));
    let (status, text, _) = raw_request(port, request.as_bytes());
    assert_eq!(status, 200, "{text}");
}

/// A client that asks for a large file and never reads it holds a connection (and the
/// file's bytes) only until nothing has moved for the idle timeout. Slow: it waits for
/// that timeout (60 s) on purpose.
#[test]
fn serve_closes_a_connection_that_stops_reading() {
    use std::io::{Read, Write};
    let (_tmp, root) = harness::copy_of("portfolio-template");
    // Random bytes, so nothing on the way shrinks them: far more than socket buffers hold.
    let size = 48usize << 20;
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    harness::write(&root, "evidence/recording.bin", &noise);
    harness::write(
        &root,
        "evidence/2025-02-01-recording.md",
        "---\ntitle: Recording\noutcomes: [B6.1]\n---\n\nThe [recording](recording.bin) of the meeting.\n",
    );
    let server = harness::Server::start(&root);
    let port = server.port;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    let request =
        format!("GET /files/evidence/recording.bin HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    stream.write_all(request.as_bytes()).expect("send");
    // Read the status line only, then stop reading.
    let mut first = [0u8; 12];
    stream.read_exact(&mut first).expect("status line");
    assert_eq!(
        &first,
        b"HTTP/1.1 200",
        "{}",
        String::from_utf8_lossy(&first)
    );
    std::thread::sleep(Duration::from_secs(75));
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut received = first.len();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => received += n,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("still open after the idle timeout: {e}"),
        }
    }
    assert!(
        received < size,
        "the whole file came after 75 s of not reading: the connection was kept ({received} bytes)"
    );
}

// ---------------------------------------------------------------------------------------
// The trust boundary: files from outside, themes, special files, links out
// ---------------------------------------------------------------------------------------

const OUTSIDE: &str = "OUTSIDE-THE-PORTFOLIO";

/// A pack of `root` (made with `extra` arguments): its entries' names and bytes.
fn pack_entries(root: &Path, extra: &[&str]) -> (Run, Vec<(String, Vec<u8>)>) {
    let out = tempfile::tempdir().expect("tempdir");
    let zip_path = out.path().join("pack.zip");
    let mut args: Vec<&OsStr> = vec![
        "pack".as_ref(),
        root.as_os_str(),
        "-o".as_ref(),
        zip_path.as_os_str(),
    ];
    args.extend(extra.iter().map(|a| OsStr::new(*a)));
    let run = run_guarded(&args);
    let mut entries = Vec::new();
    if let Ok(bytes) = std::fs::read(&zip_path) {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).expect("entry");
            let name = file.name().expect("name").to_string();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut data).expect("read");
            entries.push((name, data));
        }
    }
    (run, entries)
}

fn holds(entries: &[(String, Vec<u8>)], needle: &str) -> Vec<String> {
    entries
        .iter()
        .filter(|(_, data)| {
            memchr::memmem::find(data, needle.as_bytes()).is_some()
                || String::from_utf8_lossy(data).contains(&base64_of(needle.as_bytes()))
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The base64 of `needle` when it starts a base64 block (as at the start of a data: URL).
fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .encode(bytes)
        .trim_end_matches('=')
        .chars()
        .take(bytes.len() * 4 / 3)
        .collect()
}

#[cfg(unix)]
#[test]
fn no_file_from_outside_the_portfolio_reaches_a_pack_or_site() {
    let dir = good_portfolio();
    let p = dir.path();
    // A file beside the portfolio, named as a PNG so the single file would inline it.
    let secret_dir = tempfile::tempdir().expect("tempdir");
    let secret = secret_dir.path().join("photo.png");
    std::fs::write(&secret, OUTSIDE).expect("secret");
    harness::write(
        p,
        ".senco/pseudonyms.toml",
        format!("# {OUTSIDE}\n[names]\n\"Hidden Marker\" = \"Child A\"\n"),
    );
    std::os::unix::fs::symlink(&secret, p.join("evidence/innocent.png")).expect("symlink");
    std::os::unix::fs::symlink(
        p.join(".senco/pseudonyms.toml"),
        p.join("evidence/names.png"),
    )
    .expect("symlink");
    let climb = "%2e%2e/".repeat(12)
        + &secret
            .display()
            .to_string()
            .trim_start_matches('/')
            .replace('/', "%2F");
    harness::write(
        p,
        "evidence/raw.md",
        format!(
            "---\ntitle: Raw\noutcomes: [B6.1]\n---\n\n<img src=\"files/evidence/innocent.png\" alt=\"a\">\n<img src=\"files/evidence/names.png\" alt=\"b\">\n<img src=\"files/{climb}\" alt=\"c\">\n<a href=\"../files/%2e%2e/%2e%2e/%2e%2e/etc/passwd\">p</a>\n\n![d](innocent.png) ![e](names.png)\n"
        ),
    );
    let (run, entries) = pack_entries(p, &["--allow-findings"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!entries.is_empty());
    assert_eq!(
        holds(&entries, OUTSIDE),
        Vec::<String>::new(),
        "outside bytes packed"
    );
    for (name, data) in &entries {
        let text = String::from_utf8_lossy(data);
        assert!(
            !text.contains("%2e%2e") && !text.contains("%2E%2E"),
            "{name} keeps a climb"
        );
    }
}

#[test]
fn a_trainees_theme_never_reaches_a_pack_or_the_dashboard() {
    let dir = good_portfolio();
    let p = dir.path();
    harness::write(
        p,
        "theme/base.html",
        "<!DOCTYPE html><html lang=\"en-GB\"><head><title>x</title></head><body><script>alert('theme')</script><p>49/49 covered</p>{% block content %}{% endblock content %}</body></html>",
    );
    harness::write(
        p,
        "theme/single.html",
        "<!DOCTYPE html><html lang=\"en-GB\"><head><title>x</title></head><body><script>alert('theme')</script></body></html>",
    );
    let (run, entries) = pack_entries(p, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(holds(&entries, "alert('theme')"), Vec::<String>::new());
    assert_eq!(holds(&entries, "49/49 covered"), Vec::<String>::new());
    // Every HTML page in the pack carries the policy.
    for (name, data) in entries.iter().filter(|(n, _)| n.ends_with(".html")) {
        let text = String::from_utf8_lossy(data);
        assert!(
            text.contains("http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'"),
            "{name} has no policy"
        );
    }
    // The cohort dashboard builds each trainee in the built-in theme too.
    let cohort = tempfile::tempdir().expect("tempdir");
    harness::copy_dir(p, &cohort.path().join("trainee"));
    let out = cohort.path().join("site");
    let run = run_guarded(&[
        "cohort".as_ref(),
        cohort.path().as_os_str(),
        "--format".as_ref(),
        "html".as_ref(),
        "-o".as_ref(),
        out.as_os_str(),
    ]);
    assert!(run.code <= 1, "{}", run.stderr);
    for file in all_files(&out) {
        let bytes = std::fs::read(&file).expect("read");
        assert!(
            memchr::memmem::find(&bytes, b"alert('theme')").is_none(),
            "{} runs the trainee's theme",
            file.display()
        );
    }
    // Their own build still uses it (it is their site), under the policy.
    let run = build(p);
    assert!(run.code <= 1, "{}", run.stderr);
    let index = std::fs::read_to_string(p.join("site/index.html")).expect("index");
    assert!(index.contains("Content-Security-Policy"), "{index}");
}

#[test]
fn css_that_closes_its_style_element_is_refused() {
    let dir = good_portfolio();
    let p = dir.path();
    harness::write(
        p,
        "theme/senco.css",
        "body{}</STYLE><script>alert(1)</script>",
    );
    let run = build(p);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("</style"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn special_files_as_settings_themes_and_frameworks_never_block() {
    let cases: [(&str, &str); 4] = [
        ("portfolio.toml", "portfolio.toml"),
        ("theme/senco.css", "theme"),
        ("theme/base.html", "theme"),
        ("framework.json", "framework"),
    ];
    for (file, says) in cases {
        for special in ["fifo", "zero"] {
            let dir = good_portfolio();
            let p = dir.path();
            if file == "framework.json" {
                harness::write(
                    p,
                    "portfolio.toml",
                    "[portfolio]\ntitle = \"T\"\nframework = \"framework.json\"\n",
                );
            }
            let path = p.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
            let _ = std::fs::remove_file(&path);
            if special == "fifo" {
                mkfifo(&path);
            } else {
                std::os::unix::fs::symlink("/dev/zero", &path).expect("symlink");
            }
            let run = build(p);
            assert_eq!(run.code, 2, "{file} as {special}: {}", run.stderr);
            assert!(
                run.stderr.contains(says),
                "{file} as {special}: {}",
                run.stderr
            );
            // Refused before a byte is read: no hang (the guard), no growing memory.
            assert_memory_below(&run, 200, &format!("{file} as {special}"));
        }
    }
}

#[cfg(unix)]
#[test]
fn special_files_as_judgements_git_metadata_and_cohort_lists_never_block() {
    // A judgement file that is a pipe: reported, and the rest is checked.
    let dir = good_portfolio();
    let p = dir.path();
    std::fs::create_dir_all(p.join("feedback")).expect("dir");
    mkfifo(&p.join("feedback/2025-01-01-judgement.md"));
    let (_, json) = check(p);
    assert_good_checked(&json);
    let unreadable = harness::diagnostics(&json, "unreadable");
    assert!(
        unreadable.iter().any(|d| d["file"]
            .as_str()
            .is_some_and(|f| f.starts_with("feedback/"))),
        "{json}"
    );

    // git's HEAD as a pipe: the pack is made, without a commit id.
    let dir = good_portfolio();
    let p = dir.path();
    std::fs::create_dir_all(p.join(".git")).expect("dir");
    mkfifo(&p.join(".git/HEAD"));
    let out = tempfile::tempdir().expect("tempdir");
    let zip = out.path().join("pack.zip");
    let run = run_guarded(&[
        "pack".as_ref(),
        p.as_os_str(),
        "-o".as_ref(),
        zip.as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(zip.is_file());

    // A cohort listing that is a pipe: an error naming it, at once.
    let cohort = tempfile::tempdir().expect("tempdir");
    harness::copy_dir(good_portfolio().path(), &cohort.path().join("trainee"));
    mkfifo(&cohort.path().join("cohort.toml"));
    let run = run_guarded(&["cohort".as_ref(), cohort.path().as_os_str()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cohort.toml"), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn review_never_writes_through_a_feedback_link() {
    let dir = good_portfolio();
    let p = dir.path();
    let other = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(other.path(), p.join("feedback")).expect("symlink");
    let run = run_guarded(&[
        "review".as_ref(),
        p.as_os_str(),
        "--evidence".as_ref(),
        GOOD.as_ref(),
        "--judgement".as_ref(),
        "meets".as_ref(),
        "--assessor".as_ref(),
        "Tutor One".as_ref(),
        "--date".as_ref(),
        "2025-03-01".as_ref(),
    ]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    assert!(
        std::fs::read_dir(other.path())
            .expect("other")
            .next()
            .is_none(),
        "a judgement was written outside the portfolio"
    );
}

#[cfg(unix)]
#[test]
fn a_portfolio_toml_linked_from_outside_is_not_read() {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let outside = elsewhere.path().join("settings.toml");
    std::fs::write(
        &outside,
        "[portfolio]\ntitle = \"Borrowed\"\nframework = \"nasenco-2014\"\n",
    )
    .expect("write");
    let dir = good_portfolio();
    let p = dir.path();
    std::fs::remove_file(p.join("portfolio.toml")).expect("remove");
    std::os::unix::fs::symlink(&outside, p.join("portfolio.toml")).expect("symlink");
    let run = check_run(p);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("outside the portfolio"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("Borrowed"), "{}", run.stdout);

    // A link to a file inside the portfolio is followed as before.
    std::fs::rename(&outside, p.join("settings.toml")).expect("move in");
    std::fs::remove_file(p.join("portfolio.toml")).expect("remove");
    std::os::unix::fs::symlink("settings.toml", p.join("portfolio.toml")).expect("symlink");
    let (code, json) = check(p);
    assert_eq!(code, 0, "{json}");
    assert_good_checked(&json);
}

#[test]
fn framework_paths_stay_inside_the_portfolio() {
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let framework = elsewhere.path().join("f.json");
    std::fs::copy(harness::nasenco_json(), &framework).expect("copy");
    for spec in [framework.display().to_string(), "../f.json".to_string()] {
        let dir = good_portfolio();
        let p = dir.path();
        std::fs::copy(&framework, p.parent().expect("parent").join("f.json")).ok();
        harness::write(
            p,
            "portfolio.toml",
            format!(
                "[portfolio]\ntitle = \"T\"\nframework = {}\n",
                serde_json::to_string(&spec).expect("json")
            ),
        );
        let run = check_run(p);
        assert_eq!(run.code, 2, "{spec}: {}", run.stderr);
        assert!(
            run.stderr.contains("framework file"),
            "{spec}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("inside the portfolio"),
            "{spec}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_255_byte_evidence_name_is_reported_and_everything_builds() {
    let dir = good_portfolio();
    let p = dir.path();
    let name = format!("evidence/{}.md", "a".repeat(252));
    assert_eq!(name.len() - "evidence/".len(), 255);
    harness::write(
        p,
        &name,
        "---\ntitle: Long\noutcomes: [B6.3]\n---\n\nA long name.\n",
    );
    let (code, json) = check(p);
    assert!(code <= 1);
    assert_eq!(
        harness::diagnostics(&json, "long-file-name").len(),
        1,
        "{json}"
    );
    let run = build(p);
    assert!(run.code <= 1, "{}", run.stderr);
    assert!(p.join("site/evidence/good.html").is_file());
    let pages: Vec<_> = all_files(&p.join("site/evidence"))
        .into_iter()
        .filter(|f| f.to_string_lossy().contains("aaaa"))
        .collect();
    assert_eq!(pages.len(), 1, "{pages:?}");
    let (run, _) = pack_entries(p, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn remote_images_become_links_and_are_never_loaded() {
    let dir = good_portfolio();
    let p = dir.path();
    harness::write(
        p,
        "evidence/remote.md",
        "---\ntitle: Remote\noutcomes: [B6.1]\n---\n\n![beacon](https://tracker.example/b.png)\n\n<img src=\"https://tracker.example/raw.png\" alt=\"raw\">\n",
    );
    let run = build(p);
    assert!(run.code <= 1, "{}", run.stderr);
    let page = std::fs::read_to_string(p.join("site/evidence/remote.html")).expect("page");
    assert!(!page.contains("src=\"https://"), "{page}");
    assert!(
        page.contains(
            "<a href=\"https://tracker.example/b.png\" rel=\"noopener noreferrer\">beacon</a>"
        ),
        "{page}"
    );
    assert!(page.contains("<img alt=\"raw\">"), "{page}");
    assert!(
        run.stderr.contains("remote-image") || run.stdout.contains("remote-image"),
        "{}{}",
        run.stdout,
        run.stderr
    );
    // `check` warns of both, where they are written, as `build` does.
    let (_, json) = check(p);
    let found: Vec<(u64, String)> = harness::diagnostics(&json, "remote-image")
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap_or(0),
                d["file"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (6, "evidence/remote.md".to_string()),
            (8, "evidence/remote.md".to_string())
        ],
        "{json}"
    );
}

// ---------------------------------------------------------------------------------------
// The pseudonyms file never reaches an output
// ---------------------------------------------------------------------------------------

/// Broken pseudonyms files, each of which names a (fictional) real person in a way a
/// diagnostic could quote: a duplicate key, a pseudonym holding the real name, a name in
/// a table the file does not accept, a value of the wrong type.
fn broken_pseudonyms_files() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "duplicate key",
            "[pupils]\n\"Tamsin Oakworth\" = \"Child A\"\n\"Tamsin Oakworth\" = \"Child B\"\n",
        ),
        (
            "pseudonym holds the name",
            "[pupils]\n\"Tamsin Oakworth\" = \"Tamsin Oakworth junior\"\n",
        ),
        (
            "unknown table",
            "[pupils]\n\"Rowan Ashdown\" = \"Child A\"\n[Tamsin Oakworth]\nx = \"y\"\n",
        ),
        ("wrong type", "[pupils]\n\"Tamsin Oakworth\" = 7\n"),
        ("bare key", "[pupils]\nTamsin_Oakworth = \n"),
        (
            "empty pseudonym",
            "[staff]\n\"Mr Oakworth\" = \"\"\n\"Tamsin Oakworth\" = { pseudonym = \"Tamsin\" }\n",
        ),
    ]
}

#[test]
fn a_broken_pseudonyms_file_is_reported_without_quoting_a_name() {
    for (what, toml) in broken_pseudonyms_files() {
        let dir = good_portfolio();
        harness::write(dir.path(), ".senco/pseudonyms.toml", toml);
        let run = check_run(dir.path());
        let stdout = run.stdout.clone();
        let (_, json) = check_json(run);
        let problems = harness::diagnostics(&json, "pseudonyms-file");
        assert!(!problems.is_empty(), "{what}: not reported\n{stdout}");
        for d in &problems {
            assert!(d["line"].as_u64().is_some(), "{what}: no line in {d}");
        }
        let built = build(dir.path());
        let mut outputs = vec![("check --format json".to_string(), stdout.into_bytes())];
        for (name, bytes) in harness::files(&dir.path().join("site")) {
            outputs.push((format!("site/{name}"), bytes));
        }
        assert!(outputs.len() > 1, "{what}: nothing built\n{}", built.stderr);
        for (output, bytes) in outputs {
            let text = String::from_utf8_lossy(&bytes).to_lowercase();
            for part in ["oakworth", "ashdown"] {
                assert!(
                    !text.contains(part),
                    "{what}: a name from the pseudonyms file is in {output}"
                );
            }
        }
    }
}
