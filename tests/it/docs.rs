//! The README and the guide name every subcommand clap defines, so a new command cannot
//! ship undocumented.

use crate::harness::subcommands;
use std::path::Path;

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
