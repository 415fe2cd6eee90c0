//! Recall and false alarms of the privacy lint on a labelled corpus of fictional evidence
//! (`tests/it/privacy/corpus/`, answer key in answers.toml). The figures are printed
//! and quoted in guide/privacy.md.

use senco::check::privacy::{Pseudonyms, scan_text};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;

#[derive(Deserialize)]
struct Key {
    finding: Vec<Expected>,
}

#[derive(Deserialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    file: String,
    code: String,
    text: String,
    #[serde(default)]
    silenced: bool,
}

#[test]
fn corpus_recall_and_false_alarms() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/privacy/corpus");
    let key: Key =
        toml::from_str(&std::fs::read_to_string(dir.join("answers.toml")).unwrap()).unwrap();
    let (names, problems) =
        Pseudonyms::parse(&std::fs::read_to_string(dir.join("pseudonyms.toml")).unwrap());
    assert!(problems.is_empty(), "{problems:?}");
    let expected: BTreeSet<Expected> = key.finding.into_iter().collect();

    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    let mut found: BTreeSet<Expected> = BTreeSet::new();
    let mut words = 0usize;
    for path in &files {
        let rel = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        words += text.split_whitespace().count();
        let scan = scan_text(&text, &rel, &names);
        let tagged = scan
            .findings
            .iter()
            .map(|d| (d, false))
            .chain(scan.silenced.iter().map(|d| (d, true)));
        for (d, silenced) in tagged {
            let excerpt = d
                .excerpt
                .as_ref()
                .expect("every finding points into the text");
            found.insert(Expected {
                file: rel.clone(),
                code: d.code.to_string(),
                text: excerpt.text[excerpt.start..excerpt.end].to_string(),
                silenced,
            });
        }
    }
    let hits = expected.intersection(&found).count();
    let missed: Vec<_> = expected.difference(&found).collect();
    let false_alarms: Vec<_> = found.difference(&expected).collect();
    let recall = hits as f64 / expected.len() as f64;
    println!(
        "privacy corpus: {} files, {words} words, {} labelled identifiers; found {hits} (recall {recall:.3}); {} false alarm(s)",
        files.len(),
        expected.len(),
        false_alarms.len()
    );
    for m in &missed {
        println!("  missed: {} {} `{}`", m.file, m.code, m.text);
    }
    for f in &false_alarms {
        println!("  false alarm: {} {} `{}`", f.file, f.code, f.text);
    }
    assert!(
        expected.len() >= 20,
        "the corpus should plant at least 20 identifiers"
    );
    assert_eq!(recall, 1.0, "every labelled identifier must be found");
    assert!(
        false_alarms.len() <= 2,
        "at most two false alarms on the corpus"
    );
}
