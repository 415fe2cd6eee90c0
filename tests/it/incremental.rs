//! Incremental rebuilds (what `senco serve` runs on every save) against fresh builds:
//! after every edit, the incremental build and a full build of the same files must be
//! the same, file for file and byte for byte, and the build it linked its unchanged pages
//! from must be untouched.

use crate::harness::{copy_of, files};
use proptest::prelude::*;
use senco::render::{self, BuildOptions, Built};
use senco::serve::Rebuilder;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const MEETING: &str = "evidence/2024-05-20-meeting-with-the-educational-psychologist.md";
const REFLECTION: &str = "evidence/2024-03-12-reflection-on-a-provision-map.md";
const NOTES: &str = "evidence/notes/observing-child-d.md";
const PROBLEM: &str = "evidence/notes/unknown-outcome.md";
const ATTACHMENT: &str = "evidence/notes/one-page-profile.txt";

/// The sample portfolio plus files that link to each other by name and title, link an
/// attachment, and carry a problem, so that edits reach every kind of dependency.
fn portfolio() -> (tempfile::TempDir, PathBuf) {
    let (tmp, root) = copy_of("portfolio-template");
    let _ = fs::remove_dir_all(root.join("site"));
    fs::create_dir_all(root.join("evidence/notes")).unwrap();
    fs::write(
        root.join(NOTES),
        "---\ntitle: Observing Child D\ndate: 2024-06-03\ntype: observation\noutcomes: [B9.4]\n---\n\n\
# Observing Child D\n\nI observed Child D in a phonics group led by TA 1. [[A1.1]]\n\n\
It followed [[Reflection on rewriting the provision map]] and\n\
[[2024-05-20-meeting-with-the-educational-psychologist]]; see also [[no such file]].\n\n\
The [profile](one-page-profile.txt) was updated afterwards. [[B8.3]]\n",
    )
    .unwrap();
    fs::write(
        root.join(ATTACHMENT),
        "Child D: one-page profile (fictional).\n",
    )
    .unwrap();
    fs::write(
        root.join(PROBLEM),
        "# A note with a problem\n\nThis claims [[Z9.9]], which no framework has.\n",
    )
    .unwrap();
    (tmp, root)
}

/// A portfolio being edited, rebuilt incrementally after each edit like `senco serve`
/// does, and compared with a fresh build each time.
struct Session {
    tmp: tempfile::TempDir,
    root: PathBuf,
    rebuilder: Rebuilder,
    step: usize,
    /// The last incremental build's folder and what it held when written.
    last: Option<(PathBuf, BTreeMap<String, Vec<u8>>)>,
}

impl Session {
    fn start() -> Session {
        let (tmp, root) = portfolio();
        let mut session = Session {
            tmp,
            root,
            rebuilder: Rebuilder::new(),
            step: 0,
            last: None,
        };
        let built = session.rebuild("the first build");
        assert_eq!(
            built.rendered, built.pages,
            "the first build renders everything"
        );
        session
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap()
    }

    fn edit(&self, rel: &str, change: impl FnOnce(&str) -> String) {
        let before = self.read(rel);
        fs::write(self.path(rel), change(&before)).unwrap();
    }

    /// Rebuilds incrementally and fully, and compares the two.
    fn rebuild(&mut self, what: &str) -> Built {
        self.step += 1;
        let out = self.tmp.path().join(format!("gen-{}", self.step));
        let built = self
            .rebuilder
            .build(&self.root, &out)
            .unwrap_or_else(|e| panic!("{what}: incremental build failed: {e}"));
        let full_out = self.tmp.path().join(format!("full-{}", self.step));
        let check = senco::check(&self.root, &Default::default()).unwrap();
        let full = render::build(
            &check,
            &BuildOptions {
                out: full_out.clone(),
                force: false,
                history: false,
            },
        )
        .unwrap();
        assert_eq!(built.pages, full.pages, "{what}: page count");
        assert_eq!(built.diagnostics, full.diagnostics, "{what}: diagnostics");
        let incremental = files(&out);
        assert_same(what, &incremental, &files(&full_out));
        fs::remove_dir_all(&full_out).unwrap();
        // The build linked from is served meanwhile: it must not have changed.
        if let Some((dir, was)) = self.last.take() {
            assert_same(&format!("{what}: the previous build"), &files(&dir), &was);
            fs::remove_dir_all(&dir).unwrap();
        }
        self.last = Some((out, incremental));
        built
    }

    /// [`Session::rebuild`], expecting only some pages rendered.
    fn rebuild_some(&mut self, what: &str) -> Built {
        let built = self.rebuild(what);
        assert!(
            built.rendered < built.pages,
            "{what}: rendered all {} pages; expected an incremental build",
            built.pages
        );
        built
    }

    fn rebuild_all(&mut self, what: &str) {
        let built = self.rebuild(what);
        assert_eq!(built.rendered, built.pages, "{what}: expected a full build");
    }

    /// The current built page at `rel`.
    fn page(&self, rel: &str) -> String {
        let (dir, _) = self.last.as_ref().unwrap();
        fs::read_to_string(dir.join(rel)).unwrap()
    }
}

fn assert_same(what: &str, got: &BTreeMap<String, Vec<u8>>, want: &BTreeMap<String, Vec<u8>>) {
    let missing: Vec<_> = want.keys().filter(|k| !got.contains_key(*k)).collect();
    let extra: Vec<_> = got.keys().filter(|k| !want.contains_key(*k)).collect();
    let differ: Vec<_> = want
        .iter()
        .filter(|(k, v)| got.get(*k).is_some_and(|g| g != *v))
        .map(|(k, _)| k)
        .collect();
    if missing.is_empty() && extra.is_empty() && differ.is_empty() {
        return;
    }
    let first = differ.first().map(|k| {
        let (a, b) = (&got[*k], &want[*k]);
        let at = a.iter().zip(b.iter()).take_while(|(x, y)| x == y).count();
        let show = |v: &[u8]| {
            String::from_utf8_lossy(&v[at.saturating_sub(80)..v.len().min(at + 80)]).into_owned()
        };
        format!(
            "\nfirst difference in {k} at byte {at}:\n  incremental: {}\n  full:        {}",
            show(a),
            show(b)
        )
    });
    panic!(
        "{what}: the incremental build differs from a full one\n  missing: {missing:?}\n  extra: {extra:?}\n  different: {differ:?}{}",
        first.unwrap_or_default()
    );
}

/// An indicator that no file tags: the first the gaps page lists.
fn uncovered(root: &Path) -> String {
    let check = senco::check(root, &Default::default()).unwrap();
    let fw = &check.framework;
    let leaf = check.coverage.gaps(fw)[0];
    assert!(check.coverage.node(leaf).evidence.is_empty());
    fw.node(leaf).id.clone()
}

#[test]
fn every_kind_of_edit_rebuilds_to_the_same_site_as_a_full_build() {
    let mut s = Session::start();

    s.edit(MEETING, |t| {
        t.replace("two cycles of SEN support", "three cycles of SEN support")
    });
    s.rebuild_some("a changed sentence");
    assert!(
        s.page("evidence/2024-05-20-meeting-with-the-educational-psychologist.html")
            .contains("three cycles")
    );

    s.edit(MEETING, |t| t.replace("[[C1.4]]", "[[C1.3]]"));
    s.rebuild_some("a tag changed to another outcome");

    let id = uncovered(&s.root);
    s.edit(MEETING, |t| format!("{t}\nThis also shows [[{id}]].\n"));
    s.rebuild_some("a tag on an outcome nothing covered");
    assert!(
        s.page(&format!("outcomes/{id}.html"))
            .contains("This also shows")
    );

    s.edit(MEETING, |t| t.replace(&format!("[[{id}]]"), ""));
    let built = s.rebuild_some("the last tag of an outcome removed");
    assert!(
        !s.page(&format!("outcomes/{id}.html"))
            .contains("This also shows")
    );
    // A body edit touches its page, the outcome pages it tagged, and the site-wide pages.
    assert!(built.rendered < 20, "{} pages rendered", built.rendered);

    // The notes link to this file by its title: their page must follow the new title.
    let notes = "evidence/notes/observing-child-d.html";
    assert!(s.page(notes).contains("reflection-on-a-provision-map.html"));
    s.edit(REFLECTION, |t| {
        t.replace(
            "title: Reflection on rewriting the provision map",
            "title: Rewriting the provision map",
        )
    });
    s.rebuild_some("a title another file links to by name");
    assert!(!s.page(notes).contains("reflection-on-a-provision-map.html"));

    s.edit(MEETING, |t| {
        t.replace("type = \"meeting\"", "type = \"meeting")
    });
    s.rebuild("front matter broken");
    assert!(s.page("diagnostics.html").contains(MEETING));
    s.edit(MEETING, |t| {
        t.replace("type = \"meeting\n", "type = \"meeting\"\n")
    });
    s.rebuild("front matter fixed");

    s.edit(NOTES, |t| {
        t.replace("type: observation", "type: observation\ndraft: true")
    });
    s.rebuild_some("a file made a draft");
    // Drafts do not count, so coverage stays as it was; the quote must still go.
    s.edit(NOTES, |t| t.replace(" [[A1.1]]", ""));
    s.rebuild_some("a tag removed from a draft");
    assert!(!s.page("outcomes/A1.1.html").contains("Child D"));

    s.edit(PROBLEM, |t| t.replace("[[Z9.9]]", "[[A1.2]]"));
    s.rebuild("the only check problem fixed");
    s.edit(NOTES, |t| {
        t.replace(" see also [[no such file]].", " that is all.")
            .replace("[[Reflection on", "[[")
    });
    s.rebuild("the only link problems fixed");
    assert!(!s.last.as_ref().unwrap().0.join("diagnostics.html").exists());
    s.edit(PROBLEM, |t| t.replace("[[A1.2]]", "[[Z9.9]]"));
    s.rebuild("a problem again");

    // Saved without a change: only its own pages and the site-wide ones are rendered.
    s.edit(REFLECTION, |t| t.to_string());
    s.rebuild_some("a save without a change");

    s.edit(ATTACHMENT, |t| format!("{t}Reviewed in July.\n"));
    s.rebuild_all("an attachment changed");
    assert!(
        s.page("files/evidence/notes/one-page-profile.txt")
            .contains("July")
    );

    fs::write(
        s.path("evidence/notes/new.md"),
        "# A new note\n\n[[A1.3]]\n",
    )
    .unwrap();
    s.rebuild_all("a file added");
    fs::remove_file(s.path("evidence/notes/new.md")).unwrap();
    s.rebuild_all("a file removed");

    s.edit("portfolio.toml", |t| {
        t.replace("min_evidence = 1", "min_evidence = 2")
    });
    s.rebuild_all("the settings changed");

    s.edit(MEETING, |t| format!("{t}\nOne more line.\n"));
    s.rebuild_some("a changed sentence after a full build");
}

/// One edit to one evidence file.
#[derive(Debug, Clone)]
enum Edit {
    Append(u8),
    Tag(&'static str),
    Untag,
    Retitle(u8),
    LinkByTitle(usize),
    ToggleDraft,
    Break,
    Fix,
    SaveUnchanged,
}

const FILES: &[&str] = &[MEETING, REFLECTION, NOTES, PROBLEM];

fn edit_strategy() -> impl Strategy<Value = (usize, Edit)> {
    let edit = prop_oneof![
        any::<u8>().prop_map(Edit::Append),
        prop::sample::select(vec!["A1.1", "A1.2", "B8.3", "B9.4", "C1.4", "A4.5", "B6.1"])
            .prop_map(Edit::Tag),
        Just(Edit::Untag),
        any::<u8>().prop_map(Edit::Retitle),
        (0..FILES.len()).prop_map(Edit::LinkByTitle),
        Just(Edit::ToggleDraft),
        Just(Edit::Break),
        Just(Edit::Fix),
        Just(Edit::SaveUnchanged),
    ];
    (0..FILES.len(), edit)
}

/// The front matter's delimiter and how a key is written in it, or `None` without one.
fn front_matter(text: &str) -> Option<(&'static str, &'static str)> {
    if text.starts_with("---\n") {
        Some(("---\n", ": "))
    } else if text.starts_with("+++\n") {
        Some(("+++\n", " = "))
    } else {
        None
    }
}

/// Lines that break YAML and TOML front matter: an unclosed list, an unclosed string.
const BROKEN_YAML: &str = "date: [2024\n";
const BROKEN_TOML: &str = "date = \"2024\n";

fn apply(text: &str, edit: &Edit, titles: &[String]) -> String {
    match edit {
        Edit::Append(n) => format!("{text}\nAnother paragraph, number {n}.\n"),
        Edit::Tag(id) => format!("{text}\nThis shows [[{id}]].\n"),
        Edit::Untag => match text.rfind("[[") {
            Some(at) => {
                let end = text[at..].find("]]").map_or(text.len(), |e| at + e + 2);
                format!("{}{}", &text[..at], &text[end..])
            }
            None => text.to_string(),
        },
        Edit::Retitle(n) => match front_matter(text) {
            Some((open, sep)) => {
                let key = format!("title{sep}");
                let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with(&key)).collect();
                let title = format!("title{sep}\"Retitled {n}\"");
                format!("{open}{title}\n{}\n", kept[1..].join("\n"))
            }
            None => text.replacen("# ", &format!("# Retitled {n} "), 1),
        },
        Edit::LinkByTitle(k) => format!("{text}\nCompare [[{}]].\n", titles[*k]),
        Edit::ToggleDraft => match front_matter(text) {
            Some((open, sep)) => {
                let line = format!("draft{sep}true\n");
                if text.contains(&line) {
                    text.replacen(&line, "", 1)
                } else {
                    format!("{open}{line}{}", &text[open.len()..])
                }
            }
            None => text.to_string(),
        },
        Edit::Break => match front_matter(text) {
            Some((open, ": ")) => format!("{open}{BROKEN_YAML}{}", &text[open.len()..]),
            Some((open, _)) => format!("{open}{BROKEN_TOML}{}", &text[open.len()..]),
            None => text.to_string(),
        },
        Edit::Fix => text.replace(BROKEN_YAML, "").replace(BROKEN_TOML, ""),
        Edit::SaveUnchanged => text.to_string(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn any_edits_rebuild_to_the_same_site_as_a_full_build(
        edits in prop::collection::vec(edit_strategy(), 1..7)
    ) {
        let mut s = Session::start();
        for (k, (file, edit)) in edits.iter().enumerate() {
            let check = senco::check(&s.root, &Default::default()).unwrap();
            let titles: Vec<String> = FILES
                .iter()
                .map(|f| check.evidence.iter().find(|e| e.path == *f).unwrap().title.clone())
                .collect();
            s.edit(FILES[*file], |t| apply(t, edit, &titles));
            s.rebuild(&format!("edit {k}: {edit:?} to {}", FILES[*file]));
        }
    }
}
