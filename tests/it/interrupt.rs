//! Interrupted runs: `senco build` and `senco pack` killed with SIGKILL at random moments
//! leave the previous output intact (or the complete new one, never a mix), touch no
//! evidence, and leave nothing behind once the next run succeeds; a file saved during a
//! build is never half in it. (A full disk, which needs root for a tmpfs, is in
//! `tests/machine/full_disk.rs`.)

use crate::harness::{Input, copy_of, files, senco_process, show};
use proptest::prelude::RngCore;
use proptest::test_runner::{RngAlgorithm, TestRng};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills that must land while senco is running, per command.
const KILLS: usize = 50;

/// Copies of each sample evidence file for the build: enough that a debug build takes a
/// few hundred milliseconds, so kills land all through it. A pack of the sample portfolio
/// alone takes as long (it builds the site, a single-file portfolio and a zip).
const BUILD_COPIES: usize = 25;

/// A fixed seed gives the same kill moments on every run.
struct Rng(TestRng);

impl Rng {
    fn new(seed: u64) -> Rng {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&seed.to_le_bytes());
        Rng(TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// A fraction in `0..1`.
    fn fraction(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Every file of a folder (or one file, by its name), as the test compares outputs.
type Tree = BTreeMap<String, Vec<u8>>;

/// A copy of the sample portfolio with `copies` more of each evidence file, a folder for
/// the output beside it, and a private temporary folder for senco.
struct Setup {
    tmp: tempfile::TempDir,
    root: PathBuf,
    out_dir: PathBuf,
    temp_dir: PathBuf,
}

impl Setup {
    fn new(copies: usize) -> Setup {
        let (tmp, root) = copy_of("portfolio-template");
        // A local `senco build` of the template may have left its site in the copy.
        let _ = fs::remove_dir_all(root.join("site"));
        let evidence = root.join("evidence");
        let originals: Vec<PathBuf> = fs::read_dir(&evidence)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        for i in 1..=copies {
            for original in &originals {
                let name = original.file_name().unwrap().to_string_lossy();
                fs::copy(original, evidence.join(format!("copy-{i:02}-{name}"))).unwrap();
            }
        }
        let out_dir = tmp.path().join("out");
        let temp_dir = tmp.path().join("tmp");
        fs::create_dir_all(&out_dir).unwrap();
        fs::create_dir_all(&temp_dir).unwrap();
        Setup {
            tmp,
            root,
            out_dir,
            temp_dir,
        }
    }

    /// `senco`, with its temporary folder where the test can see what is left in it.
    fn command(&self) -> Command {
        let mut cmd = senco_process();
        cmd.env("TMPDIR", &self.temp_dir);
        cmd
    }

    /// A change to the input that changes the output: more text in one file, or one
    /// more file, in turn.
    fn edit(&self, round: usize) {
        let evidence = self.root.join("evidence");
        if round.is_multiple_of(2) {
            let path = evidence.join("2024-03-12-reflection-on-a-provision-map.md");
            let mut text = fs::read_to_string(&path).unwrap();
            text.push_str(&format!(
                "\nIn round {round} the review template was shared again. [[B9.5]]\n"
            ));
            fs::write(&path, text).unwrap();
        } else {
            fs::write(
                evidence.join(format!("round-{round:03}.md")),
                format!(
                    "---\ntitle: Note from round {round}\ndate: 2024-06-01\ntype: reflection\n\
                     outcomes: [A1.2]\n---\n\nTA 1 and I met to plan round {round}. [[A1.2]]\n"
                ),
            )
            .unwrap();
        }
    }

    /// Names left in the output folder and senco's temporary folder besides `keep`.
    fn leftovers(&self, keep: &str) -> Vec<String> {
        let mut left = Vec::new();
        for (dir, keep) in [(&self.out_dir, Some(keep)), (&self.temp_dir, None)] {
            for entry in fs::read_dir(dir).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                if Some(name.as_str()) != keep {
                    left.push(format!("{}/{name}", dir.display()));
                }
            }
        }
        left
    }
}

/// Runs `cmd` to the end, expecting success; returns how long it took.
#[track_caller]
fn run_ok(mut cmd: Command) -> Duration {
    let start = Instant::now();
    let output = cmd.output().unwrap();
    assert!(output.status.success(), "{}", show(&output));
    start.elapsed()
}

/// One command under the kill loop.
struct Target<'a> {
    what: &'a str,
    setup: &'a Setup,
    /// The name of the output in [`Setup::out_dir`].
    name: &'a str,
    /// The command writing the output named `name` into the folder given.
    command: &'a dyn Fn(&Path) -> Command,
    /// The output as it is now.
    read: &'a dyn Fn(&Path) -> Tree,
    /// Panics unless the output is sound in the command's own terms.
    sound: &'a dyn Fn(&Path),
}

/// How the kills landed.
#[derive(Debug, Default)]
struct Tally {
    rounds: usize,
    kills: usize,
    /// Runs that finished before their kill came.
    finished: usize,
    /// Kills after which the previous output was still there.
    previous: usize,
    /// Kills after which the complete new output was there.
    new: usize,
    /// Kills that left a temporary file or folder (removed by a later run).
    left_temporaries: usize,
}

/// Starts the command again and again, killing it after a random delay, and checks after
/// each kill that the output is one complete output, never a mix, and that the evidence
/// is as the test left it. The input changes every few rounds, so a complete new output
/// differs from the previous one.
fn kill_loop(target: &Target, seed: u64) {
    let setup = target.setup;
    let out = setup.out_dir.join(target.name);
    // A second folder for the complete output of the current input, built only when
    // needed (when a killed run's output differs from the previous one).
    let reference_dir = setup.tmp.path().join("reference");
    fs::create_dir_all(&reference_dir).unwrap();
    let reference = reference_dir.join(target.name);

    let first = run_ok((target.command)(&setup.out_dir));
    (target.sound)(&out);
    // How long a run takes, as far as the loop can tell: the machine's load changes, so
    // it shrinks when a run finishes before its kill and creeps up after each kill.
    let mut duration = (first + run_ok((target.command)(&setup.out_dir))) / 2;
    let mut current = (target.read)(&out);
    let mut input = Input::of(&setup.root);
    // The complete output for `input`, once built.
    let mut complete: Option<Tree> = Some(current.clone());

    let mut rng = Rng::new(seed);
    let mut tally = Tally::default();
    while tally.kills < KILLS {
        tally.rounds += 1;
        assert!(
            tally.rounds < 4 * KILLS,
            "{}: too many runs finished before their kill: {tally:?}",
            target.what
        );
        if tally.rounds.is_multiple_of(3) {
            setup.edit(tally.rounds);
            input = Input::of(&setup.root);
            complete = None;
        }
        // Half the kills anywhere in the run, half near its end, where the new output
        // is moved into place.
        let at = if tally.rounds.is_multiple_of(2) {
            rng.fraction()
        } else {
            0.8 + 0.3 * rng.fraction()
        };
        let mut child = (target.command)(&setup.out_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(duration.mul_f64(at));
        if child.try_wait().unwrap().is_some() {
            tally.finished += 1;
            duration = duration.mul_f64(0.85);
        } else {
            // SIGKILL on Unix: no chance to clean up.
            child.kill().unwrap();
            tally.kills += 1;
            duration = duration.mul_f64(1.02);
        }
        child.wait().unwrap();

        let now = (target.read)(&out);
        if now == current {
            tally.previous += 1;
        } else {
            let complete = complete.get_or_insert_with(|| {
                run_ok((target.command)(&reference_dir));
                (target.read)(&reference)
            });
            assert!(
                now == *complete,
                "{}: after round {} the output is neither the previous one nor the complete \
                 new one: {}",
                target.what,
                tally.rounds,
                difference(&now, complete)
            );
            (target.sound)(&out);
            current = now;
            tally.new += 1;
        }
        assert!(
            Input::of(&setup.root) == input,
            "{}: round {} touched the portfolio",
            target.what,
            tally.rounds
        );
        if !setup.leftovers(target.name).is_empty() {
            tally.left_temporaries += 1;
        }
    }

    // The next good run removes what the killed ones left.
    run_ok((target.command)(&setup.out_dir));
    (target.sound)(&out);
    let left = setup.leftovers(target.name);
    assert!(left.is_empty(), "{}: left behind: {left:?}", target.what);
    let complete = complete.unwrap_or_else(|| {
        run_ok((target.command)(&reference_dir));
        (target.read)(&reference)
    });
    assert!(
        (target.read)(&out) == complete,
        "{}: the last run's output is not the complete output of the input",
        target.what
    );
    assert!(Input::of(&setup.root) == input);
    eprintln!(
        "{}: a run took about {duration:?} at the end; {tally:?}",
        target.what
    );
}

/// The first paths where two outputs differ, for a failure message.
fn difference(a: &Tree, b: &Tree) -> String {
    let mut lines = Vec::new();
    for (path, bytes) in a {
        match b.get(path) {
            None => lines.push(format!("only in the output: {path}")),
            Some(other) if other != bytes => lines.push(format!("differs: {path}")),
            Some(_) => {}
        }
    }
    for path in b.keys().filter(|p| !a.contains_key(*p)) {
        lines.push(format!("missing from the output: {path}"));
    }
    let total = lines.len();
    lines.truncate(10);
    format!("{total} differences, first: {lines:?}")
}

/// Every file of `path`, or nothing when it is missing: a missing output is a difference.
fn tree_or_empty(path: &Path) -> Tree {
    if path.is_dir() {
        files(path)
    } else {
        Tree::new()
    }
}

#[test]
fn killed_builds_leave_the_previous_site_or_the_new_one_never_a_mix() {
    let setup = Setup::new(BUILD_COPIES);
    let root = setup.root.clone();
    kill_loop(
        &Target {
            what: "senco build",
            setup: &setup,
            name: "site",
            command: &|dir: &Path| {
                let mut cmd = setup.command();
                cmd.arg("build").arg(&root).arg("-o").arg(dir.join("site"));
                cmd
            },
            read: &tree_or_empty,
            sound: &|site: &Path| {
                assert!(site.join("index.html").is_file() && site.join(".senco-site").is_file());
            },
        },
        0x5e4c_0b17,
    );
}

#[test]
fn killed_packs_leave_the_previous_pack_intact_and_verified() {
    let setup = Setup::new(0);
    let root = setup.root.clone();
    // `senco verify` on every pack the loop sees: byte-identical packs verify alike.
    let verified = std::cell::RefCell::new(Vec::<Vec<u8>>::new());
    kill_loop(
        &Target {
            what: "senco pack",
            setup: &setup,
            name: "pack.zip",
            command: &|dir: &Path| {
                let mut cmd = setup.command();
                cmd.arg("pack")
                    .arg(&root)
                    .arg("-o")
                    .arg(dir.join("pack.zip"));
                cmd
            },
            read: &|path: &Path| {
                fs::read(path)
                    .map(|bytes| Tree::from([("pack.zip".to_string(), bytes)]))
                    .unwrap_or_default()
            },
            sound: &|path: &Path| {
                let bytes = fs::read(path).unwrap();
                if verified.borrow().contains(&bytes) {
                    return;
                }
                let output = setup.command().arg("verify").arg(path).output().unwrap();
                assert!(output.status.success(), "{}", show(&output));
                verified.borrow_mut().push(bytes);
            },
        },
        0x9ac4_2024,
    );
    // At least the first pack and the last, of different input.
    assert!(verified.borrow().len() >= 2);
}

#[test]
fn builds_running_at_once_into_one_folder_each_leave_a_complete_site() {
    let setup = Setup::new(BUILD_COPIES);
    let site = setup.out_dir.join("site");
    let build = || {
        let mut cmd = setup.command();
        cmd.arg("build").arg(&setup.root).arg("-o").arg(&site);
        cmd
    };
    run_ok(build());
    let complete = files(&site);
    // Each run clears what killed runs left beside the site, but never the temporary
    // folder of a run still going.
    let runs: Vec<_> = (0..4)
        .map(|_| {
            build()
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for run in runs {
        let output = run.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", show(&output));
    }
    assert!(
        files(&site) == complete,
        "{}",
        difference(&files(&site), &complete)
    );
    let left = setup.leftovers("site");
    assert!(left.is_empty(), "left behind: {left:?}");
}

// ---------------------------------------------------------------- a file saved mid-build

#[test]
fn a_file_saved_while_the_site_is_built_is_never_half_in_it() {
    let (tmp, root) = copy_of("portfolio-template");
    let out = tmp.path().join("site");
    let options = senco::render::BuildOptions {
        out: out.clone(),
        force: false,
        history: false,
    };
    let rel = "evidence/2024-03-12-reflection-on-a-provision-map.md";
    let save = |text: &str| {
        let path = root.join(rel);
        let mut saved = fs::read_to_string(&path).unwrap();
        saved.push_str(text);
        fs::write(&path, saved).unwrap();
    };

    // Saved after the check read it, before its page was rendered: the page would have
    // the check's title and tags around the new body. Nothing is written.
    let check = senco::check(&root, &Default::default()).unwrap();
    save("\nSaved during the build.\n");
    let error = senco::render::build(&check, &options).unwrap_err();
    assert!(
        error
            .message
            .contains(&format!("{rel} changed while senco was reading it")),
        "{error}"
    );
    assert_eq!(
        fs::read_dir(tmp.path()).unwrap().count(),
        1,
        "only the portfolio"
    );

    // Checking and building checks again, and the site has the file as saved.
    let checks = std::cell::Cell::new(0);
    let (_, built) = senco::render::check_and_build(
        || {
            checks.set(checks.get() + 1);
            let check = senco::check(&root, &Default::default());
            if checks.get() == 1 {
                save("\nSaved during the second build.\n");
            }
            check
        },
        &options,
    )
    .unwrap();
    assert_eq!(checks.get(), 2, "checked again after the file changed");
    let page = fs::read_to_string(
        built
            .out
            .join("evidence/2024-03-12-reflection-on-a-provision-map.html"),
    )
    .unwrap();
    assert!(page.contains("Saved during the second build."), "{page}");
}
