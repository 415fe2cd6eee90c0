//! The README and the guide name every subcommand clap defines, so a new command cannot
//! ship undocumented.

use assert_cmd::Command;
use std::path::Path;

/// The subcommands as `senco --help` lists them (from the clap definitions).
fn subcommands() -> Vec<String> {
    let out = Command::cargo_bin("senco")
        .expect("binary")
        .env("NO_COLOR", "1")
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

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_readme_names_every_subcommand() {
    let readme = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"));
    let missing: Vec<String> = subcommands()
        .into_iter()
        .filter(|c| !readme.contains(&format!("`senco {c}")))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md lacks `senco {missing:?}` in its tables"
    );
}

#[test]
fn the_guide_names_every_subcommand() {
    let guide = Path::new(env!("CARGO_MANIFEST_DIR")).join("guide");
    let mut text = String::new();
    for entry in std::fs::read_dir(&guide).expect("guide/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            text.push_str(&read(&path));
        }
    }
    let missing: Vec<String> = subcommands()
        .into_iter()
        .filter(|c| !text.contains(&format!("senco {c}")))
        .collect();
    assert!(
        missing.is_empty(),
        "no guide page shows `senco {missing:?}`"
    );
}
