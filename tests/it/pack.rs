//! `senco pack`, `senco verify` and `senco pseudonymise`, through the library and the CLI.

use crate::harness::{self, senco};
use senco::pack::verify::{Layout, verify_bytes};
use senco::pack::{Entry, PackOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

const TRAINEE: &str = "Jo Example";

/// Runs `senco COMMAND PATH EXTRA...`.
fn run<S: AsRef<std::ffi::OsStr>>(
    command: &str,
    path: &Path,
    extra: &[S],
) -> assert_cmd::assert::Assert {
    senco().arg(command).arg(path).args(extra).assert()
}

/// A small portfolio whose trainee is `trainee`; its evidence mentions the trainee.
fn portfolio(dir: &Path, trainee: &str) -> PathBuf {
    let root = dir.to_path_buf();
    std::fs::create_dir_all(root.join("evidence")).unwrap();
    std::fs::write(
        root.join("portfolio.toml"),
        format!(
            "[portfolio]\ntitle = \"{trainee}'s NASENCO portfolio\"\ntrainee = \"{trainee}\"\nframework = \"nasenco-2014\"\n[rules]\nword_limits = {{ reflection = 20 }}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("evidence/2025-01-10-first-reflection.md"),
        format!(
            "---\ntitle: First reflection by {trainee}\ntype: reflection\noutcomes: [A1.1, B5.1]\n---\n# First reflection\n\nI, {trainee}, worked with Child A and TA 1 on reading. The office is at SW1A 1AA. <!-- senco: allow postcode -->\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("evidence/2025-02-01-meeting.md"),
        "---\ntitle: Meeting <with> the EP & \"parents\"\ntype: meeting\noutcomes: [B6.2]\n---\nWe met Child B's family.\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join(".senco")).unwrap();
    std::fs::write(
        root.join(".senco/pseudonyms.toml"),
        "[pupils]\n\"Alex Sample\" = { pseudonym = \"Child A\", aliases = [\"Alex\"] }\n",
    )
    .unwrap();
    root
}

fn entries_of(zip_bytes: &[u8]) -> Vec<Entry> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).unwrap();
            let name = file.name().unwrap().to_string();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            Entry::new(name, bytes)
        })
        .collect()
}

fn manifest_of(entries: &[Entry]) -> senco::pack::Manifest {
    let entry = entries.iter().find(|e| e.path == "manifest.json").unwrap();
    serde_json::from_slice(&entry.bytes).unwrap()
}

fn make_pack(roots: &[PathBuf], options: &PackOptions, out: &Path) -> Vec<u8> {
    let pack = senco::pack::prepare(roots, options).unwrap_or_else(|e| panic!("{e:?}"));
    senco::pack::write(&pack, out).unwrap();
    std::fs::read(out).unwrap()
}

fn anonymised(candidate: &str) -> PackOptions {
    PackOptions {
        anonymise: true,
        first_candidate: Some(candidate.to_string()),
        ..PackOptions::default()
    }
}

#[test]
fn pack_lists_every_file_in_its_manifest_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    let out = dir.path().join("pack.zip");
    let bytes = make_pack(&[root], &PackOptions::default(), &out);
    let entries = entries_of(&bytes);
    let names: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    for expected in [
        "index.html",
        "jo-example/cover.html",
        "jo-example/coverage.json",
        "jo-example/portfolio.html",
        "jo-example/site/index.html",
        "jo-example/site/matrix.html",
        "jo-example/site/outcomes/A1.1.html",
        "manifest.json",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert!(
        names.iter().all(|n| !n.contains(".senco")),
        "no private or marker files: {names:?}"
    );
    let manifest = manifest_of(&entries);
    assert_eq!(manifest.files.len(), entries.len() - 1);
    assert_eq!(manifest.tool.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest.portfolios[0].framework.id, "nasenco-2014");
    assert_eq!(manifest.portfolios[0].findings_silenced, 1);
    for record in &manifest.files {
        let entry = entries.iter().find(|e| e.path == record.path).unwrap();
        assert_eq!(record.size, entry.bytes.len() as u64);
        assert_eq!(
            record.sha256,
            senco::util::hash::Sha256::of(&entry.bytes).to_hex()
        );
    }
    let cover_entry = entries
        .iter()
        .find(|e| e.path == "jo-example/cover.html")
        .unwrap();
    let cover = String::from_utf8(cover_entry.bytes.clone()).unwrap();
    assert!(cover.contains("<html lang=\"en-GB\">"));
    assert!(cover.contains("Meeting &lt;with&gt; the EP &amp; &quot;parents&quot;"));
    assert!(!cover.contains("<with>"));
    assert!(cover.contains("Declaration of authenticity"));
    assert!(cover.contains("silenced"), "silenced findings are listed");
    assert!(cover.contains("Words by type of evidence"));
    let verification = verify_bytes(&bytes).unwrap();
    assert!(verification.intact(), "{verification:?}");
    assert_eq!(verification.layout, Layout::Same);
    run::<&str>("verify", &out, &[])
        .code(0)
        .stdout(predicates::str::contains("intact"));
}

#[test]
fn same_input_gives_the_same_zip() {
    let dir = tempfile::tempdir().unwrap();
    let a = portfolio(&dir.path().join("a"), TRAINEE);
    let b = portfolio(&dir.path().join("b"), "Sam Other");
    let roots = vec![a, b];
    let first = make_pack(&roots, &anonymised("0041"), &dir.path().join("1.zip"));
    // New modification times must not matter.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let evidence = roots[0].join("evidence/2025-02-01-meeting.md");
    std::fs::write(&evidence, std::fs::read(&evidence).unwrap()).unwrap();
    let second = make_pack(&roots, &anonymised("0041"), &dir.path().join("2.zip"));
    assert_eq!(
        senco::util::hash::Sha256::of(&first),
        senco::util::hash::Sha256::of(&second)
    );
    let names: Vec<String> = entries_of(&first).into_iter().map(|e| e.path).collect();
    assert!(names.contains(&"candidate-0041/cover.html".to_string()));
    assert!(names.contains(&"candidate-0042/cover.html".to_string()));
}

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
fn anonymising_needs_the_trainee_name() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    let toml = std::fs::read_to_string(root.join("portfolio.toml")).unwrap();
    std::fs::write(
        root.join("portfolio.toml"),
        toml.replace("trainee = \"Jo Example\"\n", ""),
    )
    .unwrap();
    senco()
        .args(["pack", "--anonymise", "-o"])
        .arg(dir.path().join("pack.zip"))
        .arg(&root)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("trainee"));
    assert!(!dir.path().join("pack.zip").exists());
}

#[test]
fn pack_refuses_privacy_errors_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    std::fs::write(
        root.join("evidence/2025-03-01-slip.md"),
        "---\ntype: observation\n---\nAlex Sample read well.\nUPN B801200005001\n",
    )
    .unwrap();
    let out = dir.path().join("pack.zip");
    run(
        "pack",
        &root,
        &[std::ffi::OsStr::new("-o"), out.as_os_str()],
    )
    .code(1)
    .stderr(predicates::str::contains("evidence/2025-03-01-slip.md:4:1"))
    .stderr(predicates::str::contains("error[real-name]"))
    .stderr(predicates::str::contains("error[upn]"))
    .stderr(predicates::str::contains("no pack written"));
    assert!(!out.exists(), "a refused pack writes nothing");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("p")]);

    run(
        "pack",
        &root,
        &[
            std::ffi::OsStr::new("-o"),
            out.as_os_str(),
            std::ffi::OsStr::new("--allow-findings"),
        ],
    )
    .code(0);
    let entries = entries_of(&std::fs::read(&out).unwrap());
    let cover = String::from_utf8(
        entries
            .iter()
            .find(|e| e.path.ends_with("cover.html"))
            .unwrap()
            .bytes
            .clone(),
    )
    .unwrap();
    assert!(cover.contains("Packed with --allow-findings"));
    assert!(cover.contains("2 errors"));
    let manifest = manifest_of(&entries);
    assert_eq!(manifest.portfolios[0].findings_allowed, 2);
    // Messages never quote the identifier, so the allowed list does not repeat it.
    assert!(!cover.contains("B801200005001") && !cover.contains("Alex Sample"));
}

#[test]
fn verify_catches_a_change_to_any_byte() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    // Every byte of a pack is flipped in turn, so the HTML entries are left out to keep
    // the pack small; the zip structure and manifest are those of any pack.
    let mut pack = senco::pack::prepare(&[root], &anonymised("7")).unwrap();
    for part in &mut pack.trainees {
        part.entries
            .retain(|e| !e.path.starts_with("site/") && e.path != "portfolio.html");
    }
    let entries = senco::pack::assemble(&pack).unwrap();
    let bytes = senco::pack::write_zip(std::io::Cursor::new(Vec::new()), &entries)
        .unwrap()
        .into_inner();
    assert!(verify_bytes(&bytes).unwrap().intact());
    let mut caught = 0;
    for position in 0..bytes.len() {
        let mut changed = bytes.clone();
        changed[position] ^= 0x01;
        match verify_bytes(&changed) {
            Err(_) => caught += 1,
            Ok(v) if !v.intact() => caught += 1,
            Ok(_) => panic!("flipping byte {position} of {} went unnoticed", bytes.len()),
        }
    }
    assert_eq!(caught, bytes.len());
}

#[test]
fn verify_reports_renamed_added_and_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    let out = dir.path().join("pack.zip");
    let bytes = make_pack(&[root], &PackOptions::default(), &out);
    let entries = entries_of(&bytes);
    let rezip = |entries: &[Entry], name: &str| {
        let path = dir.path().join(name);
        let zip = senco::pack::write_zip(std::io::Cursor::new(Vec::new()), entries).unwrap();
        std::fs::write(&path, zip.into_inner()).unwrap();
        path
    };

    let mut renamed = entries.clone();
    renamed
        .iter_mut()
        .find(|e| e.path.ends_with("cover.html"))
        .unwrap()
        .path = "jo-example/cover2.html".into();
    let renamed_path = rezip(&renamed, "renamed.zip");
    let v = senco::pack::verify::verify(&renamed_path).unwrap();
    assert_eq!(v.missing, vec!["jo-example/cover.html"]);
    assert_eq!(v.extra, vec!["jo-example/cover2.html"]);
    assert!(!v.intact());
    run::<&str>("verify", &renamed_path, &[])
        .code(1)
        .stdout(predicates::str::contains("missing: jo-example/cover.html"))
        .stdout(predicates::str::contains("extra:   jo-example/cover2.html"));

    let mut added = entries.clone();
    added.push(Entry::new("jo-example/notes.txt", "added later"));
    let v = senco::pack::verify::verify(&rezip(&added, "added.zip")).unwrap();
    assert_eq!(v.extra, vec!["jo-example/notes.txt"]);
    assert!(v.missing.is_empty() && v.changed.is_empty() && !v.intact());

    let mut edited = entries.clone();
    edited
        .iter_mut()
        .find(|e| e.path.ends_with("coverage.json"))
        .unwrap()
        .bytes[10] ^= 0x20;
    let v = senco::pack::verify::verify(&rezip(&edited, "edited.zip")).unwrap();
    assert_eq!(v.changed.len(), 1);
    assert_eq!(v.changed[0].0, "jo-example/coverage.json");

    let mut dropped = entries.clone();
    dropped.retain(|e| e.path != "index.html");
    let v = senco::pack::verify::verify(&rezip(&dropped, "dropped.zip")).unwrap();
    assert_eq!(v.missing, vec!["index.html"]);

    let not_zip = dir.path().join("not.zip");
    std::fs::write(&not_zip, "hello").unwrap();
    run::<&str>("verify", &not_zip, &[]).code(2);
    let no_manifest: Vec<Entry> = entries
        .into_iter()
        .filter(|e| e.path != "manifest.json")
        .collect();
    senco()
        .arg("verify")
        .arg(rezip(&no_manifest, "no-manifest.zip"))
        .assert()
        .code(2);
}

#[test]
fn manifest_records_the_git_commit() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .current_dir(&root)
            .args([
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@example.org",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
    };
    match git(&["init", "-q", "-b", "main"]) {
        Ok(o) if o.status.success() => {}
        _ if std::env::var_os("CI").is_some() => panic!("git is needed for this test in CI"),
        _ => {
            eprintln!("skipping: git is not installed");
            return;
        }
    }
    assert_eq!(
        senco::pack::manifest::git_commit(&root),
        None,
        "no commit yet"
    );
    git(&["add", "."]).unwrap();
    assert!(
        git(&["commit", "-q", "-m", "evidence"])
            .unwrap()
            .status
            .success()
    );
    let head = String::from_utf8(git(&["rev-parse", "HEAD"]).unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(
        senco::pack::manifest::git_commit(&root).as_deref(),
        Some(head.as_str())
    );
    // After `git pack-refs` the branch lives only in packed-refs.
    git(&["pack-refs", "--all"]).unwrap();
    assert_eq!(
        senco::pack::manifest::git_commit(&root).as_deref(),
        Some(head.as_str())
    );
    // And from a folder inside the repository.
    assert_eq!(
        senco::pack::manifest::git_commit(&root.join("evidence")).as_deref(),
        Some(head.as_str())
    );
    let bytes = make_pack(
        std::slice::from_ref(&root),
        &PackOptions::default(),
        &dir.path().join("pack.zip"),
    );
    let entries = entries_of(&bytes);
    let manifest = manifest_of(&entries);
    assert_eq!(
        manifest.portfolios[0].git_commit.as_deref(),
        Some(head.as_str())
    );
}

#[test]
fn cohort_folders_are_unique_and_candidates_count_up() {
    let dir = tempfile::tempdir().unwrap();
    let a = portfolio(&dir.path().join("a"), TRAINEE);
    let b = portfolio(&dir.path().join("b"), TRAINEE);
    let bytes = make_pack(
        &[a.clone(), b.clone()],
        &PackOptions::default(),
        &dir.path().join("p.zip"),
    );
    let names: Vec<String> = entries_of(&bytes).into_iter().map(|e| e.path).collect();
    assert!(names.contains(&"jo-example/cover.html".to_string()));
    assert!(names.contains(&"jo-example-2/cover.html".to_string()));
    let bytes = make_pack(&[a, b], &anonymised("0099"), &dir.path().join("q.zip"));
    let names: Vec<String> = entries_of(&bytes).into_iter().map(|e| e.path).collect();
    assert!(names.contains(&"candidate-0099/cover.html".to_string()));
    assert!(names.contains(&"candidate-0100/cover.html".to_string()));
}

#[test]
fn entries_never_come_from_the_private_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    let mut pack = senco::pack::prepare(&[root], &PackOptions::default()).unwrap();
    pack.trainees[0]
        .entries
        .push(Entry::new(".senco/pseudonyms.toml", "secret"));
    let error = senco::pack::assemble(&pack).unwrap_err();
    assert!(error.message.contains(".senco"), "{error}");
}

#[test]
fn more_entries_can_be_added_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    let mut pack = senco::pack::prepare(&[root], &anonymised("5")).unwrap();
    pack.trainees[0].entries.push(Entry::new(
        "extra/notes.html",
        format!("<h1>{TRAINEE}'s portfolio</h1>"),
    ));
    let entries = senco::pack::assemble(&pack).unwrap();
    let extra = entries
        .iter()
        .find(|e| e.path == "candidate-5/extra/notes.html")
        .unwrap();
    assert_eq!(extra.bytes, b"<h1>Candidate 5's portfolio</h1>");
    let manifest = manifest_of(&entries);
    assert!(
        manifest
            .files
            .iter()
            .any(|f| f.path == "candidate-5/extra/notes.html")
    );
}

#[test]
fn pseudonymise_shows_a_diff_backs_up_and_rewrites_only_when_told() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    let file = root.join("evidence/2025-03-01-slip.md");
    let original = "---\ntype: observation\n---\nAlex Sample read well.\nLater Alex read again.\n";
    std::fs::write(&file, original).unwrap();

    // No terminal and no --yes: show the diff, change nothing.
    run::<&str>("pseudonymise", &root, &[])
        .code(2)
        .stdout(predicates::str::contains("-Alex Sample read well."))
        .stdout(predicates::str::contains("+Child A read well."))
        .stderr(predicates::str::contains("--yes"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), original);

    run("pseudonymise", &root, &["--yes"]).code(0);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "---\ntype: observation\n---\nChild A read well.\nLater Child A read again.\n"
    );
    let backup = root.join(".senco/backup/evidence/2025-03-01-slip.md");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
    run::<&str>("privacy", &root, &[]).code(0);

    // A second slip later: the first backup is kept, the new original goes beside it.
    let second = "---\ntype: observation\n---\nChild A and Alex.\n";
    std::fs::write(&file, second).unwrap();
    run("pseudonymise", &root, &["--yes"]).code(0);
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
    let second_backup = root.join(".senco/backup/evidence/2025-03-01-slip.md.1");
    assert_eq!(std::fs::read_to_string(second_backup).unwrap(), second);

    run("pseudonymise", &root, &["--yes"])
        .code(0)
        .stdout(predicates::str::contains("nothing to change"));
}

#[test]
fn privacy_command_prints_findings_and_silenced() {
    let dir = tempfile::tempdir().unwrap();
    let root = portfolio(&dir.path().join("p"), TRAINEE);
    run::<&str>("privacy", &root, &[])
        .code(0)
        .stdout(predicates::str::contains("silenced by allow markers"))
        .stdout(predicates::str::contains(
            "2025-01-10-first-reflection.md:8:",
        ))
        .stdout(predicates::str::contains(
            "0 errors, 0 warnings, 1 silenced",
        ));
    std::fs::write(
        root.join("evidence/x.md"),
        "Call 07700 900123.\nAlex was there.\n",
    )
    .unwrap();
    run::<&str>("privacy", &root, &[])
        .code(1)
        .stdout(predicates::str::contains("warning[phone-number]"))
        .stdout(predicates::str::contains("evidence/x.md:2:1"));
}

#[test]
fn a_cohort_pack_index_carries_the_cohort_matrix() {
    let dir = tempfile::tempdir().unwrap();
    let first = portfolio(&dir.path().join("a"), TRAINEE);
    let second = portfolio(&dir.path().join("b"), "Sam Second");
    let out = dir.path().join("pack.zip");
    let bytes = make_pack(&[first, second], &anonymised("41"), &out);
    let entries = entries_of(&bytes);
    let index = entries.iter().find(|e| e.path == "index.html").unwrap();
    let index = String::from_utf8(index.bytes.clone()).unwrap();
    assert!(index.contains("<h2>Cohort matrix</h2>"), "{index}");
    for candidate in ["Candidate 41", "Candidate 42"] {
        assert!(
            index.contains(&format!("<tr><th scope=\"row\">{candidate}</th>")),
            "{candidate} row missing"
        );
    }
    // One cell per indicator for each candidate, stated in words.
    assert_eq!(
        index
            .matches("<span class=\"visually-hidden\">A1.1: ")
            .count(),
        2
    );
    assert!(!index.contains(TRAINEE) && !index.contains("Sam Second"));
}

#[test]
fn cover_sheets_list_judgements_and_their_state() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("sian");
    harness::copy_dir(
        &harness::manifest_dir().join("tests/fixtures/cohort/sian"),
        &root,
    );
    let bytes = make_pack(
        &[root],
        &PackOptions::default(),
        &dir.path().join("pack.zip"),
    );
    let entries = entries_of(&bytes);
    let cover = entries
        .iter()
        .find(|e| e.path.ends_with("/cover.html"))
        .unwrap();
    let cover = String::from_utf8(cover.bytes.clone()).unwrap();
    assert!(cover.contains("<h2>Assessor judgements</h2>"));
    assert!(
        cover.contains("<td>current</td>"),
        "a current judgement is listed"
    );
    assert!(
        cover.contains("stale: the evidence changed"),
        "the fixture's stale judgement is listed"
    );
}

#[test]
fn a_pack_lists_every_framework_of_a_portfolio() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/two-frameworks");
    let out = dir.path().join("pack.zip");
    let bytes = make_pack(&[root], &PackOptions::default(), &out);
    let entries = entries_of(&bytes);
    let manifest = manifest_of(&entries);
    let record = &manifest.portfolios[0];
    assert_eq!(record.framework.id, "nasenco-2014");
    let ids: Vec<&str> = record.frameworks.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, ["nasenco-2014", "teachers-standards-2011"]);
    let cover = entries
        .iter()
        .find(|e| e.path.ends_with("/cover.html"))
        .expect("a cover sheet");
    let cover = String::from_utf8_lossy(&cover.bytes);
    for caption in [
        "Coverage by part and outcome, National Award for SEN Co-ordination: learning outcomes",
        "Coverage by part and outcome, Teachers&#39; Standards",
    ] {
        assert!(
            cover.contains(caption) || cover.contains(&caption.replace("&#39;", "'")),
            "{caption} missing"
        );
    }
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
