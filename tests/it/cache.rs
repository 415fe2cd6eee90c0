//! The results cache cannot lie: whatever happens to the files, the rules and the
//! pseudonyms between runs, `senco check` with the cache prints exactly what it prints
//! without; a cache from another version, a damaged one, one written by two runs at once
//! or one that cannot be written is ignored and rebuilt; it holds no evidence text and
//! no name, is private to the user, and never touches the portfolio.

use crate::harness::{TODAY, files, senco, senco_process, show, write};
use proptest::prelude::*;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A sentence that appears nowhere but in the evidence of these tests.
const SENTENCE: &str = "The heron counted seventeen lanterns beside the quiet orchard wall";
/// A fictional pupil's name, listed in the pseudonyms file.
const NAME: &str = "Quillon Marrowby";

const CONFIG: &str = "[portfolio]\ntitle = \"Cache test\"\nframework = \"nasenco-2014\"\nevidence = [\"evidence\"]\n\n[rules]\nmin_evidence = 1\n";

/// File contents the edits choose from: clean ones, ones with findings, links by name
/// and title, a name only a pseudonyms file makes a finding, same-length pairs, and
/// duplicate tags (kept with their positions) in the text and in front matter, which a
/// same-size edit of a tag makes and unmakes, and an unknown type and model and a file
/// with no text (kept, as their messages quote only front matter).
const BODIES: [&str; 13] = [
    "---\ntitle: Planning with families\ntype: reflection\noutcomes: [A1.3]\n---\n\n# Planning\n\nWe met the family twice. [[A1.1]]\n",
    "---\ntitle: Provision map\ntype: observation\n---\n\n# Provision map\n\nSee [[Planning with families]] and [[three]]. [[A1.2]]\n",
    "# Notes\n\nWrite to jo.parent@larkspurvale.sch.uk about [[B9.4]].\n",
    "# A claim\n\nThis claims [[Z9.9]], which no framework has.\n",
    "# Meeting\n\nQuillon came to the meeting with TA 1. [[A1.2]]\n",
    "# Meeting\n\nSomeone came to the meeting with TA 1. [[A1.2]]\n",
    "---\ntitle: Short\ndraft: true\n---\n\nJust a few words here [[A2.1]] and ![[three]].\n",
    "---\ntitle: Short\ndraft: true\n---\n\nJust a few words there [[A2.1]] and ![[three]].\n",
    "# Twice\n\nThe “first” [[A1.1]], then — again — [[A1.1]] and [[A1.2]].\n",
    "---\ntitle: Again\noutcomes: [A1.1, a1.1, A1.2]\n---\n\n# Again\n\nSaid once [[A1.2]].\n",
    "---\ntitle: A lecture\ntype: lectur\nmodel: gibbz\n---\n\n# Lecture\n\nNotes from the “lecture”. [[A1.3]]\n",
    "---\ntitle: Empty so far\ntype: reflection\n---\n",
    "# Unclosed\n\nA link [[A1.1 never closed, and “another” [[three.\n",
];

const NAMES: [&str; 4] = ["one", "two", "three", "four"];

#[derive(Debug, Clone)]
enum Step {
    /// Writes file `NAMES[i]` with `BODIES[j]`.
    Write(usize, usize),
    /// Rewrites a file with content of the same length (a tag changed), then puts its
    /// modification time back: only the change time and content tell.
    SameSizeSameTime(usize),
    /// A new modification time, the same content.
    Touch(usize),
    /// Moves every evidence file's time an hour back, so stamps alone are trusted.
    Age,
    /// Renames file `i` to a fresh name.
    Rename(usize),
    Remove(usize),
    /// Another `min_evidence` and word limits.
    Rules(usize),
    /// Lists `NAME` (and its first name) as a pupil, or not.
    Pseudonyms(bool),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..NAMES.len(), 0..BODIES.len()).prop_map(|(i, j)| Step::Write(i, j)),
        3 => (0..NAMES.len()).prop_map(Step::SameSizeSameTime),
        1 => (0..NAMES.len()).prop_map(Step::Touch),
        3 => Just(Step::Age),
        1 => (0..NAMES.len()).prop_map(Step::Rename),
        1 => (0..NAMES.len()).prop_map(Step::Remove),
        1 => (0..3usize).prop_map(Step::Rules),
        1 => any::<bool>().prop_map(Step::Pseudonyms),
    ]
}

fn set_modified(path: &Path, time: SystemTime) {
    fs::File::options()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(time))
        .expect("set the modification time");
}

/// The evidence file named `NAMES[i]`, whatever it was renamed to.
fn evidence_file(root: &Path, i: usize) -> Option<PathBuf> {
    let dir = root.join("evidence");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(|s| s == NAMES[i] || s.starts_with(&format!("{}-", NAMES[i])))
        })
        .collect();
    found.sort();
    found.pop()
}

fn apply(root: &Path, step: &Step, counter: &mut usize) {
    *counter += 1;
    match *step {
        Step::Write(i, j) => {
            let path = evidence_file(root, i)
                .unwrap_or_else(|| root.join(format!("evidence/{}.md", NAMES[i])));
            fs::write(path, BODIES[j]).expect("write");
        }
        Step::SameSizeSameTime(i) => {
            if let Some(path) = evidence_file(root, i) {
                let before = fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .expect("time");
                let text = fs::read_to_string(&path).expect("read");
                // Same length, another tag: A1.1 becomes A1.2 (or back), which shows.
                let changed = if text.contains("1]]") {
                    text.replacen("1]]", "2]]", 1)
                } else {
                    text.replacen("2]]", "1]]", 1)
                };
                fs::write(&path, changed).expect("write");
                set_modified(&path, before);
            }
        }
        Step::Touch(i) => {
            if let Some(path) = evidence_file(root, i) {
                set_modified(&path, SystemTime::now());
            }
        }
        Step::Age => {
            let old = SystemTime::now() - Duration::from_secs(3600);
            for entry in fs::read_dir(root.join("evidence"))
                .expect("evidence")
                .flatten()
            {
                set_modified(&entry.path(), old);
            }
        }
        Step::Rename(i) => {
            if let Some(path) = evidence_file(root, i) {
                let to = root.join(format!("evidence/{}-{counter}.md", NAMES[i]));
                fs::rename(path, to).expect("rename");
            }
        }
        Step::Remove(i) => {
            if let Some(path) = evidence_file(root, i) {
                fs::remove_file(path).expect("remove");
            }
        }
        Step::Rules(k) => {
            let rules = [
                "min_evidence = 1\n",
                "min_evidence = 2\n",
                "min_evidence = 1\nword_limits = { observation = 3, reflection = 2000 }\n",
            ][k];
            let config = CONFIG.replace("min_evidence = 1\n", rules);
            fs::write(root.join("portfolio.toml"), config).expect("write");
        }
        Step::Pseudonyms(listed) => {
            let path = root.join(".senco/pseudonyms.toml");
            if listed {
                write(
                    root,
                    ".senco/pseudonyms.toml",
                    format!(
                        "[pupils]\n\"{NAME}\" = {{ pseudonym = \"Child Q\", aliases = [\"Quillon\"] }}\n"
                    ),
                );
            } else {
                let _ = fs::remove_file(path);
            }
        }
    }
}

/// `senco check ROOT --format json` with the cache in `cache`, or without any.
fn check(root: &Path, cache: &Path, use_cache: bool) -> (Option<i32>, Vec<u8>, Vec<u8>) {
    let mut cmd = senco_process();
    cmd.arg("check")
        .arg(root)
        .args(["--format", "json", "--today", TODAY])
        .env("SENCO_CACHE_DIR", cache);
    if !use_cache {
        cmd.arg("--no-cache");
    }
    let out = cmd.output().expect("senco runs");
    (out.status.code(), out.stdout, out.stderr)
}

fn text_check(root: &Path, cache: &Path, use_cache: bool) -> Vec<u8> {
    let mut cmd = senco_process();
    cmd.arg("check")
        .arg(root)
        .args(["--today", TODAY])
        .env("SENCO_CACHE_DIR", cache);
    if !use_cache {
        cmd.arg("--no-cache");
    }
    cmd.output().expect("senco runs").stdout
}

/// A portfolio of the first four bodies, in a temporary folder, with a cache beside it.
fn start() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("portfolio");
    write(&root, "portfolio.toml", CONFIG);
    for (i, body) in BODIES.iter().take(NAMES.len()).enumerate() {
        write(&root, &format!("evidence/{}.md", NAMES[i]), body);
    }
    let cache = tmp.path().join("cache");
    (tmp, root, cache)
}

fn assert_same(root: &Path, cache: &Path, context: &str) {
    let cached = check(root, cache, true);
    let fresh = check(root, cache, false);
    assert_eq!(
        (cached.0, String::from_utf8_lossy(&cached.1)),
        (fresh.0, String::from_utf8_lossy(&fresh.1)),
        "{context}; stderr with the cache: {}",
        String::from_utf8_lossy(&cached.2)
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, .. ProptestConfig::default() })]

    #[test]
    fn output_with_the_cache_is_output_without_it(steps in prop::collection::vec(step(), 1..10)) {
        let (_tmp, root, cache) = start();
        // One file starts with duplicate tags, so every case has one the cache keeps.
        write(&root, "evidence/four.md", BODIES[8]);
        assert_same(&root, &cache, "before any change");
        let mut counter = 0;
        for (n, step) in steps.iter().enumerate() {
            apply(&root, step, &mut counter);
            assert_same(&root, &cache, &format!("after step {n}: {step:?} of {steps:?}"));
        }
        // Text output too: it shows excerpts, which the cache never holds.
        prop_assert_eq!(text_check(&root, &cache, true), text_check(&root, &cache, false));
    }
}

/// Every cache file and its bytes.
fn cache_files(cache: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = fs::read_dir(cache)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| (e.path(), fs::read(e.path()).expect("read cache file")))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn cache_info(cache: &Path) -> String {
    let out = senco()
        .args(["cache", "info"])
        .env("SENCO_CACHE_DIR", cache)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", show(&out));
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn recorded(cache: &Path) -> String {
    cache_info(cache)
        .lines()
        .find_map(|l| l.strip_prefix("files recorded: ").map(str::to_string))
        .expect("a files-recorded line")
}

/// A portfolio whose files are all clean (so all are kept) and an hour old.
fn clean_portfolio() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, root, cache) = start();
    fs::remove_file(root.join("evidence/three.md")).expect("remove");
    fs::remove_file(root.join("evidence/four.md")).expect("remove");
    apply(&root, &Step::Age, &mut 0);
    (tmp, root, cache)
}

#[test]
fn a_check_records_its_clean_files_and_info_says_so() {
    let (_tmp, root, cache) = clean_portfolio();
    assert_same(&root, &cache, "first run");
    let info = cache_info(&cache);
    assert!(
        info.contains(&format!("location: {}", cache.display())),
        "{info}"
    );
    assert!(info.contains("portfolios: 1"), "{info}");
    assert_eq!(recorded(&cache), "2", "{info}");
}

#[test]
fn a_file_with_findings_or_a_listed_name_is_never_recorded_nor_its_text() {
    let (_tmp, root, cache) = start();
    write(
        &root,
        "evidence/e.md",
        format!("# Day\n\n{SENTENCE}. {NAME} joined the group. [[A1.1]]\n"),
    );
    write(
        &root,
        ".senco/pseudonyms.toml",
        format!("[pupils]\n\"{NAME}\" = \"Child Q\"\n"),
    );
    write(
        &root,
        "evidence/f.md",
        format!("---\ntitle: Clean\n---\n\n# Clean\n\n{SENTENCE}, twice over. [[A1.3]]\n"),
    );
    // Duplicate tags are kept, with their positions but never the lines they are on.
    write(
        &root,
        "evidence/g.md",
        format!(
            "---\ntitle: Twice\noutcomes: [A1.3, A1.3]\n---\n\n# Twice\n\n{SENTENCE} at dusk [[A1.1]], {SENTENCE} at dawn [[A1.1]].\n"
        ),
    );
    apply(&root, &Step::Age, &mut 0);
    assert_same(&root, &cache, "first run");
    assert_same(&root, &cache, "second run");
    // Text output shows the duplicate's line (cut, as it is long), made again from the
    // file.
    let text = text_check(&root, &cache, true);
    assert_eq!(text, text_check(&root, &cache, false));
    assert!(
        String::from_utf8_lossy(&text).contains("orchard wall at dawn [[A1.1]]."),
        "{}",
        String::from_utf8_lossy(&text)
    );
    let all = cache_files(&cache);
    assert!(!all.is_empty(), "the clean files are recorded");
    for (path, bytes) in &all {
        let text = String::from_utf8_lossy(bytes);
        for secret in [
            SENTENCE,
            NAME,
            "Quillon",
            "Marrowby",
            "heron",
            "jo.parent@larkspurvale.sch.uk",
            "at dusk",
            "at dawn",
            "outcomes: [A1.3, A1.3]",
        ] {
            assert!(
                !text.contains(secret),
                "{} holds {secret:?}",
                path.display()
            );
        }
    }
    // one.md, two.md and f.md are clean and g.md has only duplicate tags; the others
    // have findings.
    assert_eq!(recorded(&cache), "4");
}

#[test]
fn the_portfolio_is_untouched_and_the_cache_is_outside_it() {
    let (_tmp, root, cache) = clean_portfolio();
    let before = files(&root);
    assert_same(&root, &cache, "first run");
    assert_same(&root, &cache, "second run");
    assert_eq!(files(&root), before);
    // A cache folder inside the portfolio is not used at all.
    let inside = root.join("cache");
    assert_same(&root, &inside, "cache inside");
    assert!(!inside.exists() || cache_files(&inside).is_empty());
}

#[cfg(unix)]
#[test]
fn cache_files_are_private_to_the_user() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, root, _) = clean_portfolio();
    let parent = tempfile::tempdir().expect("tempdir");
    let cache = parent.path().join("made/by/senco");
    assert_same(&root, &cache, "first run");
    let mode = |p: &Path| fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(&cache), 0o700);
    let all = cache_files(&cache);
    assert_eq!(all.len(), 1);
    for (path, _) in all {
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
}

/// A way of damaging a cache file's bytes.
type Damage = dyn Fn(&[u8]) -> Vec<u8>;

/// Replaces the bytes of every cache file.
fn damage(cache: &Path, change: impl Fn(&[u8]) -> Vec<u8>) {
    for (path, bytes) in cache_files(cache) {
        fs::write(path, change(&bytes)).expect("write");
    }
}

#[test]
fn a_damaged_or_foreign_cache_is_ignored_and_rebuilt() {
    let (_tmp, root, cache) = clean_portfolio();
    assert_same(&root, &cache, "first run");
    let good = cache_files(&cache);
    assert_eq!(good.len(), 1);
    let changes: [(&str, Box<Damage>); 5] = [
        ("truncated", Box::new(|b: &[u8]| b[..b.len() / 2].to_vec())),
        ("empty", Box::new(|_: &[u8]| Vec::new())),
        (
            "one byte flipped",
            Box::new(|b: &[u8]| {
                let mut b = b.to_vec();
                let last = b.len() - 1;
                b[last] ^= 0x55;
                b
            }),
        ),
        (
            "another format",
            Box::new(|b: &[u8]| {
                let mut b = b.to_vec();
                b[12] = b[12].wrapping_add(1);
                b
            }),
        ),
        ("not a cache", Box::new(|_: &[u8]| b"garbage\n".repeat(100))),
    ];
    for (what, change) in changes {
        // Meanwhile the evidence changes, so a trusted damaged entry would show.
        write(
            &root,
            "evidence/two.md",
            format!("# B\n\n{what} [[A1.1]]\n"),
        );
        apply(&root, &Step::Age, &mut 0);
        damage(&cache, &change);
        assert!(cache_info(&cache).contains("unusable: 1"), "{what}");
        assert_same(&root, &cache, what);
        assert_eq!(recorded(&cache), "2", "{what}: rebuilt");
    }
}

#[test]
fn another_versions_cache_is_not_used() {
    let (_tmp, root, cache) = clean_portfolio();
    assert_same(&root, &cache, "first run");
    // What another build wrote: the same layout with another build string. The version
    // sits in the postcard body, so it is changed there and the checksum made again.
    for (path, bytes) in cache_files(&cache) {
        let body = &bytes[12 + 4 + 32..];
        let version = env!("CARGO_PKG_VERSION");
        let at = body
            .windows(version.len())
            .position(|w| w == version.as_bytes())
            .expect("the version is recorded");
        let mut body = body.to_vec();
        body[at] = if body[at] == b'9' { b'8' } else { b'9' };
        let digest = senco::util::hash::Sha256::of(&body);
        let mut rewritten = bytes[..16].to_vec();
        rewritten.extend_from_slice(&hex_bytes(&digest.to_hex()));
        rewritten.extend_from_slice(&body);
        fs::write(path, rewritten).expect("write");
    }
    assert!(cache_info(&cache).contains("unusable: 1"));
    write(&root, "evidence/two.md", "# B\n\nchanged [[A1.1]]\n");
    apply(&root, &Step::Age, &mut 0);
    assert_same(&root, &cache, "foreign version");
    assert!(!cache_info(&cache).contains("unusable"));
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

#[test]
fn runs_writing_the_cache_at_once_leave_a_whole_one() {
    let (_tmp, root, cache) = start();
    for round in 0..3 {
        // Each round changes a file, so every run writes.
        write(
            &root,
            "evidence/two.md",
            format!("# B\n\nround {round} [[A1.1]]\n"),
        );
        apply(&root, &Step::Age, &mut 0);
        let expected = check(&root, &cache, false);
        let children: Vec<_> = (0..6)
            .map(|_| {
                let mut cmd = senco_process();
                cmd.arg("check")
                    .arg(&root)
                    .args(["--format", "json", "--today", TODAY])
                    .env("SENCO_CACHE_DIR", &cache)
                    .stdout(std::process::Stdio::piped());
                cmd.spawn().expect("spawn")
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            assert_eq!(out.stdout, expected.1, "round {round}");
        }
        assert!(!cache_info(&cache).contains("unusable"), "round {round}");
        assert_same(&root, &cache, "after the concurrent runs");
    }
}

#[test]
fn a_cache_folder_that_cannot_be_written_only_makes_checks_slower() {
    let (tmp, root, _) = clean_portfolio();
    // A folder under a file cannot be made, whoever runs the test (root included).
    let file = tmp.path().join("a-file");
    fs::write(&file, "not a folder").expect("write");
    assert_same(&root, &file.join("cache"), "under a file");
    assert_same(&root, &file, "a file as the folder");
    #[cfg(unix)]
    {
        // Read-only: as root the write still succeeds, so this asserts only the output.
        use std::os::unix::fs::PermissionsExt;
        let cache = tmp.path().join("read-only");
        assert_same(&root, &cache, "filled");
        fs::set_permissions(&cache, fs::Permissions::from_mode(0o500)).expect("chmod");
        write(&root, "evidence/two.md", "# B\n\nchanged [[A1.1]]\n");
        assert_same(&root, &cache, "read-only");
        fs::set_permissions(&cache, fs::Permissions::from_mode(0o700)).expect("chmod");
    }
}

#[test]
fn cache_clear_removes_the_cache_files_and_nothing_else() {
    let (_tmp, root, cache) = clean_portfolio();
    assert_same(&root, &cache, "first run");
    let other = cache.join("keep-me.txt");
    fs::write(&other, "not senco's").expect("write");
    let out = senco()
        .args(["cache", "clear"])
        .env("SENCO_CACHE_DIR", &cache)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", show(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("removed 1 cache file"),
        "{}",
        show(&out)
    );
    assert_eq!(cache_files(&cache), vec![(other, b"not senco's".to_vec())]);
    assert_eq!(recorded(&cache), "0");
}

#[test]
fn the_least_recently_used_portfolio_goes_past_the_size_cap() {
    let (_tmp, first, cache) = clean_portfolio();
    let (_tmp2, second, _) = clean_portfolio();
    assert_same(&first, &cache, "first portfolio");
    let one = cache_files(&cache)[0].1.len();
    let run = |root: &Path| {
        let out = senco()
            .arg("check")
            .arg(root)
            .args(["--today", TODAY])
            .env("SENCO_CACHE_DIR", &cache)
            .env("SENCO_CACHE_MAX", (one + one / 2).to_string())
            .output()
            .expect("runs");
        assert!(out.status.code().is_some(), "{}", show(&out));
    };
    run(&second);
    let left = cache_files(&cache);
    assert_eq!(left.len(), 1, "the older portfolio's file was removed");
    run(&first);
    assert_eq!(cache_files(&cache).len(), 1);
    assert_ne!(
        cache_files(&cache)[0].0,
        left[0].0,
        "now the second one went"
    );
}

#[test]
fn a_name_listed_after_its_file_was_recorded_is_still_found() {
    let (_tmp, root, cache) = clean_portfolio();
    write(
        &root,
        "evidence/five.md",
        format!("# Visit\n\n{NAME} visited. [[A1.1]]\n"),
    );
    apply(&root, &Step::Age, &mut 0);
    assert_same(&root, &cache, "not yet listed");
    assert_eq!(
        recorded(&cache),
        "3",
        "the file is clean until the name is listed"
    );
    apply(&root, &Step::Pseudonyms(true), &mut 0);
    let (_, stdout, _) = check(&root, &cache, true);
    assert!(
        String::from_utf8_lossy(&stdout).contains("evidence/five.md"),
        "the listed name is reported"
    );
    assert_same(&root, &cache, "listed");
}

#[test]
fn a_same_size_edit_that_keeps_the_modification_time_is_seen() {
    let (_tmp, root, cache) = clean_portfolio();
    assert_same(&root, &cache, "recorded");
    apply(&root, &Step::SameSizeSameTime(0), &mut 0);
    assert_same(&root, &cache, "edited behind the time's back");
}
