//! `senco pack`, `senco verify` and `senco pseudonymise`, through the library and the CLI.

use crate::harness::{self, senco};
use senco::pack::verify::{Layout, verify_bytes};
use senco::pack::{Entry, PackOptions};
use std::io::Read;
use std::path::{Path, PathBuf};

pub(crate) const TRAINEE: &str = "Jo Example";

/// Runs `senco COMMAND PATH EXTRA...`.
pub(crate) fn run<S: AsRef<std::ffi::OsStr>>(
    command: &str,
    path: &Path,
    extra: &[S],
) -> assert_cmd::assert::Assert {
    senco().arg(command).arg(path).args(extra).assert()
}

/// A small portfolio whose trainee is `trainee`; its evidence mentions the trainee.
pub(crate) fn portfolio(dir: &Path, trainee: &str) -> PathBuf {
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

pub(crate) fn entries_of(zip_bytes: &[u8]) -> Vec<Entry> {
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

pub(crate) fn make_pack(roots: &[PathBuf], options: &PackOptions, out: &Path) -> Vec<u8> {
    let pack = senco::pack::prepare(roots, options).unwrap_or_else(|e| panic!("{e:?}"));
    senco::pack::write(&pack, out).unwrap();
    std::fs::read(out).unwrap()
}

pub(crate) fn anonymised(candidate: &str) -> PackOptions {
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
