//! Helpers shared by the integration tests: run the `senco` binary, read fixtures, and
//! pick values out of `senco check --format json`.
#![allow(dead_code)] // each test binary uses its own subset

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The `senco` binary with a predictable environment: no colour, no forced colour.
pub fn senco() -> Command {
    let mut cmd = Command::cargo_bin("senco").expect("the senco binary is built");
    cmd.env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR");
    cmd
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// What one run of the binary gave back.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("senco runs");
    Run {
        code: output.status.code().expect("senco exits normally"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// The day checks are run on, so no output depends on the clock.
pub const TODAY: &str = "2026-01-15";

/// `senco check PATH --format json --today TODAY`: the exit code and the parsed object.
pub fn check_json(path: &Path) -> (i32, Value) {
    let run = run(senco()
        .arg("check")
        .arg(path)
        .args(["--format", "json", "--today", TODAY]));
    let json = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "check --format json printed invalid JSON ({e}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    });
    (run.code, json)
}

/// `senco check PATH --today TODAY` as text.
pub fn check_text(path: &Path) -> Run {
    run(senco().arg("check").arg(path).args(["--today", TODAY]))
}

pub fn item<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["items"]
        .as_array()
        .expect("items is an array")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

pub fn evidence<'a>(json: &'a Value, path: &str) -> &'a Value {
    json["evidence"]
        .as_array()
        .expect("evidence is an array")
        .iter()
        .find(|e| e["path"] == path)
        .unwrap_or_else(|| panic!("no evidence file {path}"))
}

pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{value} is not an array"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

pub fn evidence_paths(json: &Value) -> Vec<String> {
    json["evidence"]
        .as_array()
        .expect("evidence is an array")
        .iter()
        .map(|e| e["path"].as_str().expect("path").to_string())
        .collect()
}

/// Diagnostics with the given code.
pub fn diagnostics<'a>(json: &'a Value, code: &str) -> Vec<&'a Value> {
    json["diagnostics"]
        .as_array()
        .expect("diagnostics is an array")
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

/// Writes `contents` at `root/rel`, creating folders.
pub fn write(root: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    std::fs::write(&path, contents).expect("write file");
}

/// Copies a fixture portfolio into a fresh temporary folder, so a test can add to it.
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixture(name), dir.path());
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read fixture folder") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A minimal portfolio in a temporary folder: `portfolio.toml` with `config` and an
/// empty `evidence/` folder.
pub fn portfolio(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "portfolio.toml", config);
    std::fs::create_dir_all(dir.path().join("evidence")).expect("evidence folder");
    dir
}

pub const NASENCO: &str = "[portfolio]\ntitle = \"Test portfolio\"\nframework = \"nasenco-2014\"\n";

/// Every node id of a framework file in document (pre-)order, read straight from the
/// JSON, independently of the library.
pub fn framework_order(json_path: &Path) -> Vec<(String, String)> {
    fn walk(nodes: &Value, out: &mut Vec<(String, String)>) {
        for node in nodes.as_array().expect("nodes") {
            out.push((
                node["id"].as_str().expect("id").to_string(),
                node["kind"].as_str().expect("kind").to_string(),
            ));
            if let Some(children) = node.get("children") {
                walk(children, out);
            }
        }
    }
    let text = std::fs::read_to_string(json_path).expect("framework file");
    let value: Value = serde_json::from_str(&text).expect("framework JSON");
    let mut out = Vec::new();
    walk(&value["nodes"], &mut out);
    out
}

pub fn nasenco_json() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("outcomes/nasenco-2014.json")
}

/// The subcommands as `senco --help` lists them (from the clap definitions), `help` left out.
pub fn subcommands() -> Vec<String> {
    let out = senco()
        .env("COLUMNS", "200")
        .arg("--help")
        .output()
        .expect("runs");
    let help = String::from_utf8(out.stdout).expect("utf-8");
    let listed: Vec<String> = help
        .lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // Continuation lines of a wrapped description are indented further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect();
    assert!(listed.len() >= 12, "parsed the command list: {help}");
    listed
}
