//! Names that must not get through: a trainee's name in an anonymised pack, in any form
//! (apostrophes, slugs, entities, percent-escapes, EXIF in UTF-16, email addresses), real
//! names written as the reader sees them, aliases followed by surnames, NHS numbers
//! whose check digit verifies, and documents that cannot be scrubbed.

use crate::harness::senco;
use crate::pack::{TRAINEE, anonymised, entries_of, make_pack, portfolio, run};
use crate::privacy::{findings_with, one};
use senco::check::privacy::{Pseudonyms, scan_text};
use senco::pack::Entry;
use std::path::{Path, PathBuf};

#[test]
fn anonymised_pack_holds_no_trainee_name_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    let bytes = make_pack(&[root], &anonymised("1001"), &dir.path().join("pack.zip"));
    let entries = entries_of(&bytes);
    assert!(entries.len() >= 4);
    let lower = |b: &[u8]| b.to_ascii_lowercase();
    let contains = |hay: &[u8], needle: &str| {
        lower(hay)
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    };
    for entry in &entries {
        for needle in [
            "jo example",
            "jo-example",
            "jo_example",
            ".senco",
            "alex sample",
        ] {
            assert!(
                !contains(entry.path.as_bytes(), needle),
                "{} in name {}",
                needle,
                entry.path
            );
            assert!(
                !contains(&entry.bytes, needle),
                "{needle} in {}",
                entry.path
            );
        }
        // Each part of the name, as written.
        let text = String::from_utf8_lossy(&entry.bytes);
        for part in ["Jo", "Example"] {
            let whole_word = regex::Regex::new(&format!(r"\b{part}\b")).unwrap();
            assert!(!whole_word.is_match(&text), "`{part}` in {}", entry.path);
        }
    }
    // The raw zip bytes too (names in headers, stored data).
    assert!(!contains(&bytes, "jo example"));
    let cover = entries
        .iter()
        .find(|e| e.path == "candidate-1001/cover.html")
        .unwrap();
    let cover = String::from_utf8_lossy(&cover.bytes);
    assert!(cover.contains("Candidate number</dt><dd>1001"));
    let json: serde_json::Value = serde_json::from_slice(
        &entries
            .iter()
            .find(|e| e.path == "candidate-1001/coverage.json")
            .unwrap()
            .bytes,
    )
    .unwrap();
    assert_eq!(json["portfolio"]["trainee"], serde_json::Value::Null);
    assert_eq!(
        json["portfolio"]["title"],
        "Candidate 1001's NASENCO portfolio"
    );
}

#[test]
fn pseudonymise_replaces_an_alias_with_the_surname_whole_and_lists_what_it_left() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    std::fs::write(
        root.join(".senco/pseudonyms.toml"),
        "[pupils]\n\"Sam Sample\" = { pseudonym = \"Child B\", aliases = [\"Sammy\", \"Sam\"] }\n",
    )
    .unwrap();
    let file = root.join("evidence/2025-03-02-notes.md");
    std::fs::write(
        &file,
        "---\ntype: observation\n---\nSammy Sample read. Sam Sample wrote.\nThen *Sammy* Sample drew.\n",
    )
    .unwrap();
    run("pseudonymise", &root, &["--yes"])
        .code(1)
        .stderr(predicates::str::contains(
            "evidence/2025-03-02-notes.md:5:7",
        ))
        .stderr(predicates::str::contains("not rewritten"))
        .stdout(predicates::str::contains("edit by hand"));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "---\ntype: observation\n---\nChild B read. Child B wrote.\nThen *Sammy* Sample drew.\n",
        "no surname is left behind an alias; the name in markup is left for the author"
    );
    // The lint still reports the name left in place.
    run::<&str>("privacy", &root, &[])
        .code(1)
        .stdout(predicates::str::contains("2025-03-02-notes.md"));
}

#[test]
fn pack_refuses_a_verified_nhs_number_and_summarises_outstanding_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    let slip = root.join("evidence/2025-03-01-slip.md");
    std::fs::write(
        &slip,
        "---\ntype: observation\n---\nNHS 943 476 5919 on the form.\nBorn 12/03/2015, said the form.\n",
    )
    .unwrap();
    let out = dir.path().join("pack.zip");
    let o = std::ffi::OsStr::new("-o");
    run("pack", &root, &[o, out.as_os_str()])
        .code(1)
        .stderr(predicates::str::contains("error[nhs-number]"))
        .stderr(predicates::str::contains("no pack written"));
    assert!(!out.exists());

    let allow = std::ffi::OsStr::new("--allow-findings");
    run("pack", &root, &[o, out.as_os_str(), allow])
        .code(0)
        .stderr(predicates::str::contains(
            "1 privacy warning outstanding (date-of-birth 1)",
        ));
    let entries = entries_of(&std::fs::read(&out).unwrap());
    let cover = entries
        .iter()
        .find(|e| e.path.ends_with("cover.html"))
        .map(|e| String::from_utf8(e.bytes.clone()).unwrap())
        .unwrap();
    assert!(cover.contains("Packed with --allow-findings"), "{cover}");
    assert!(
        cover.contains("error, allowed"),
        "the allowed NHS number is listed"
    );
    assert!(!cover.contains("943 476 5919"));

    // A number whose check digit fails is not an NHS number: no refusal.
    std::fs::write(&slip, "---\ntype: observation\n---\nRef 943 476 5918.\n").unwrap();
    run("pack", &root, &[o, out.as_os_str()]).code(0);
}

/// A portfolio whose trainee's name is awkward to remove: an apostrophe, file names and
/// a default title built from it, an email address, a photo whose EXIF holds the name in
/// UTF-16, links between files named after her.
fn awkward_portfolio(dir: &Path) -> PathBuf {
    let root = dir.join("siobhan-obrien-portfolio");
    std::fs::create_dir_all(root.join("evidence/files")).unwrap();
    std::fs::write(
        root.join("portfolio.toml"),
        "[portfolio]\ntrainee = \"Siobhan O'Brien\"\nframework = \"nasenco-2014\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("evidence/siobhan-obrien-reflection.md"),
        "---\ntitle: Reflection by Siobhan O’Brien\ntype: reflection\noutcomes: [A1.1]\n---\n\
         # Reflection\n\nI, Siobhan O'Brien, will hope to improve. SIOBHAN wrote this; *Siobhan* \
         **O'Brien** too. Mail siobhan.obrien@school.example or s.obrien@school.example.\n\n\
         See [my notes](Siobhan%20notes.md) and [[Siobhan notes]], and \
         <a href=\"https://example.org/people/O%27Brien\">a page</a>.\n\n\
         ![A photo](files/siobhan-photo.jpg)\n",
    )
    .unwrap();
    std::fs::write(
        root.join("evidence/Siobhan notes.md"),
        "---\ntype: reflection\noutcomes: [A1.2]\n---\nNotes by O'Brien. Back to \
         [the reflection](siobhan-obrien-reflection.md).\n",
    )
    .unwrap();
    std::fs::write(
        root.join("evidence/files/siobhan-photo.jpg"),
        jpeg_with_exif_author("Siobhan O'Brien"),
    )
    .unwrap();
    // A git repository: its commit id leads back to the author.
    std::fs::create_dir_all(root.join(".git/refs/heads")).unwrap();
    std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(
        root.join(".git/refs/heads/main"),
        "0123456789abcdef0123456789abcdef01234567\n",
    )
    .unwrap();
    root
}

/// A minimal JPEG whose EXIF block holds `author` in UTF-16 (as Windows writes XPAuthor).
fn jpeg_with_exif_author(author: &str) -> Vec<u8> {
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(author.encode_utf16().flat_map(u16::to_le_bytes));
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE1];
    b.extend_from_slice(&((exif.len() + 2) as u16).to_be_bytes());
    b.extend_from_slice(&exif);
    b.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x03, 0x00]);
    b.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02, 0x11, 0x22, 0xFF, 0xD9]);
    b
}

/// Every form of the name that a reader, a search or a decoder would find, checked
/// without senco's own normaliser.
fn assert_no_trace_of(entry: &Entry) {
    let lower_path = entry
        .path
        .to_lowercase()
        .replace("%27", "")
        .replace('\'', "");
    for part in ["siobhan", "obrien", "o-brien"] {
        assert!(
            !lower_path.contains(part),
            "name in the path {}",
            entry.path
        );
    }
    let mut texts = vec![String::from_utf8_lossy(&entry.bytes).into_owned()];
    // Inlined images are decoded and searched too.
    let data = regex::Regex::new(r"data:image/[a-z]+;base64,([A-Za-z0-9+/=]+)").unwrap();
    use base64::Engine;
    for caps in data.captures_iter(&texts[0].clone()) {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&caps[1])
            .unwrap();
        texts.push(String::from_utf8_lossy(&bytes).into_owned());
        let utf16: String = bytes
            .chunks(2)
            .filter_map(|c| (c.len() == 2 && c[1] == 0).then_some(c[0] as char))
            .collect();
        texts.push(utf16);
    }
    let utf16: String = entry
        .bytes
        .chunks(2)
        .filter_map(|c| (c.len() == 2 && c[1] == 0).then_some(c[0] as char))
        .collect();
    texts.push(utf16);
    for text in &texts {
        for written in [
            "Siobhan",
            "SIOBHAN",
            "O'Brien",
            "O’Brien",
            "O&#39;Brien",
            "O%27Brien",
            "OBrien",
        ] {
            if let Some(at) = text.find(written) {
                let context: String = text[at..].chars().take(80).collect();
                panic!("`{written}` in {}: {context}", entry.path);
            }
        }
        let squeezed: String = text
            .to_lowercase()
            .replace("&#39;", "")
            .replace("%27", "")
            .replace("%20", "")
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        assert!(
            !squeezed.contains("siobhanobrien"),
            "full name in {}",
            entry.path
        );
    }
}

#[test]
fn anonymised_pack_holds_the_name_in_no_form_and_no_link_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let root = awkward_portfolio(dir.path());
    let bytes = make_pack(&[root], &anonymised("0001"), &dir.path().join("pack.zip"));
    let entries = entries_of(&bytes);
    for entry in &entries {
        assert_no_trace_of(entry);
    }
    // Ordinary words are left alone.
    let reflection = entries
        .iter()
        .find(|e| {
            e.path.ends_with(".html")
                && String::from_utf8_lossy(&e.bytes).contains("will hope to improve")
        })
        .expect("the reflection's page keeps its prose");
    let page = String::from_utf8_lossy(&reflection.bytes);
    assert!(page.contains("Candidate 0001"), "{page}");
    assert!(page.contains("[email address removed]"));

    // Every relative link in the built site leads to a file of the pack.
    let paths: std::collections::BTreeSet<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    let href = regex::Regex::new(r##"(?:href|src)="([^"#:]+)(?:#[^"]*)?""##).unwrap();
    let mut checked = 0;
    for entry in entries
        .iter()
        .filter(|e| e.path.contains("/site/") && e.path.ends_with(".html"))
    {
        let text = String::from_utf8_lossy(&entry.bytes);
        let base = entry.path.rsplit_once('/').unwrap().0;
        for caps in href.captures_iter(&text) {
            let target = senco::render::site::percent_decode(&caps[1]);
            let mut parts: Vec<&str> = base.split('/').collect();
            for segment in target.split('/') {
                match segment {
                    ".." => {
                        parts.pop();
                    }
                    "." | "" => {}
                    s => parts.push(s),
                }
            }
            let resolved = parts.join("/");
            assert!(
                paths.contains(resolved.as_str()),
                "{} links to missing {resolved}",
                entry.path
            );
            checked += 1;
        }
    }
    assert!(checked > 10, "links were checked ({checked})");

    // The title defaults to the folder's name; an anonymised pack uses its own.
    let cover = entries
        .iter()
        .find(|e| e.path.ends_with("cover.html"))
        .unwrap();
    let cover = String::from_utf8_lossy(&cover.bytes);
    assert!(cover.contains("Portfolio of Candidate 0001"), "{cover}");
    let manifest = entries.iter().find(|e| e.path == "manifest.json").unwrap();
    assert!(
        !String::from_utf8_lossy(&manifest.bytes).contains("git_commit"),
        "an anonymised manifest has no commit id"
    );
    assert!(
        !entries
            .iter()
            .any(|e| String::from_utf8_lossy(&e.bytes).contains("0123456789abcdef"))
    );
}

#[test]
fn anonymised_packs_refuse_office_documents_and_pdfs_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let root = awkward_portfolio(dir.path());
    std::fs::write(
        root.join("evidence/files/plan.docx"),
        b"PK\x03\x04compressed",
    )
    .unwrap();
    std::fs::write(
        root.join("evidence/files/report.pdf"),
        b"%PDF-1.7 compressed",
    )
    .unwrap();
    let note = root.join("evidence/Siobhan notes.md");
    let mut text = std::fs::read_to_string(&note).unwrap();
    text.push_str("\n[Plan](files/plan.docx) and [report](files/report.pdf)\n");
    std::fs::write(&note, text).unwrap();
    let out = dir.path().join("pack.zip");
    senco()
        .args(["pack", "--anonymise", "-o"])
        .arg(&out)
        .arg(&root)
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "plan.docx: an office document keeps its author",
        ))
        .stderr(predicates::str::contains(
            "report.pdf: a PDF keeps its author",
        ))
        .stderr(predicates::str::contains("--allow-attachments"));
    assert!(!out.exists());
    senco()
        .args(["pack", "--anonymise", "--allow-attachments", "-o"])
        .arg(&out)
        .arg(&root)
        .assert()
        .code(0);
    let entries = entries_of(&std::fs::read(&out).unwrap());
    assert!(entries.iter().any(|e| e.path.ends_with("plan.docx")));
}

#[test]
fn names_are_matched_as_the_reader_sees_them() {
    let (names, problems) = Pseudonyms::parse(READER_NAMES);
    assert!(problems.is_empty(), "{problems:?}");
    let found = |t: &str| findings_with(t, &names);
    for (text, seen) in [
        ("Met Niamh O’Driscoll today", "Niamh O’Driscoll"),
        ("Met Niamh O&#39;Driscoll today", "Niamh O&#39;Driscoll"),
        ("Met Tamsin  Oakworth", "Tamsin  Oakworth"),
        // An excerpt shows one line: the start of a name wrapped onto the next.
        ("Met Tamsin\n        Oakworth in class", "Tamsin"),
        ("Met *Tamsin* Oakworth", "Tamsin* Oakworth"),
        ("Met Tamsin **Oakworth**", "Tamsin **Oakworth"),
        ("Met <em>Tamsin</em> Oakworth", "Tamsin</em> Oakworth"),
        ("Met Tamsin&nbsp;Oakworth", "Tamsin&nbsp;Oakworth"),
        ("Met Tamsin\u{a0}Oakworth", "Tamsin\u{a0}Oakworth"),
        ("Met Zoë Fictional", "Zoë Fictional"),
        ("Met Renee Lakeland", "Renee Lakeland"),
        ("Met RENÉE LAKELAND", "RENÉE LAKELAND"),
    ] {
        assert_eq!(found(text), one("real-name", seen), "{text:?}");
    }
    for miss in [
        "Tamsin, Oakworth Road",
        "Tamsin. Oakworth is a town",
        "Tamsinoak worth",
    ] {
        assert!(found(miss).is_empty(), "{miss}: {:?}", found(miss));
    }
}

#[test]
fn a_name_found_through_markup_points_at_its_raw_line_and_column() {
    let (names, _) = Pseudonyms::parse(READER_NAMES);
    let text = "---\ntitle: x\n---\nFirst line.\nThen   *Tamsin*\n   **Oakworth** read.\n";
    let scan = scan_text(text, "evidence/x.md", &names);
    assert_eq!(scan.findings.len(), 1, "{:?}", scan.findings);
    let d = &scan.findings[0];
    assert_eq!((d.line, d.column), (Some(5), Some(9)));
}

const READER_NAMES: &str = r#"
[pupils]
"Tamsin Oakworth" = "Child D"
"Niamh O'Driscoll" = "Child E"
"Zoe Fictional" = "Child C"
"Renée Lakeland" = "Child F"
"#;
