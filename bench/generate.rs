//! Writes synthetic SENCO portfolios for benchmarks (`bench/run`).
//!
//! ```text
//! cargo run --release --example generate -- --portfolio DIR --files N [--seed S] [--style S]
//! cargo run --release --example generate -- --cohort DIR --portfolios P --files N [--seed S] [--style S]
//! ```
//!
//! `--style plain` (the default) writes ASCII prose with flow-list `outcomes: [..]`, the
//! same bytes as before realistic text was added. `--style realistic` writes text as it
//! arrives from a word processor: typographic quotes, apostrophes, dashes and ellipses and
//! non-ASCII pseudonyms in most files, `outcomes` as block lists and single strings too,
//! block quotes, a References section, tables, dates and figures that look like (but are
//! not) identifiers, a private pseudonyms file per portfolio, and now and then a long file.
//!
//! The output depends only on the arguments: every file is drawn from its own generator
//! seeded by (seed, portfolio, file), so the same command always writes the same bytes.
//! Everything is fictional: children are "Child A" or a first-name pseudonym, adults are
//! "TA 1", "Teacher 2"; the pseudonyms file lists made-up syllable names that the text
//! never uses.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// SplitMix64: tiny, fast, and plenty for picking words; not for anything secret.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.range(0, items.len() - 1)]
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const INDICATORS: &[&str] = &[
    "A1.1", "A1.2", "A1.3", "A1.4", "A1.5", "A1.6", "A1.7", "A2.1", "A2.2", "A2.3", "A2.4", "A2.5",
    "A3.1", "A3.2", "A3.3", "A3.4", "A4.1", "A4.2", "A4.3", "A4.4", "A4.5", "B5.1", "B5.2", "B5.3",
    "B5.4", "B5.5", "B6.1", "B6.2", "B6.3", "B6.4", "B6.5", "B7.1", "B7.2", "B7.3", "B8.1", "B8.2",
    "B8.3", "B8.4", "B9.1", "B9.2", "B9.3", "B9.4", "B9.5", "B9.6", "B9.7", "C1.1", "C1.2", "C1.3",
    "C1.4",
];

/// Evidence subfolders and the front matter `type` of the files in each.
const FOLDERS: &[(&str, &str)] = &[
    ("reflections", "reflection"),
    ("observations", "observation"),
    ("meetings", "meeting"),
    ("case-studies", "case-study"),
    ("cpd", "cpd"),
];

const CHILDREN: &[&str] = &[
    "Child A", "Child B", "Child C", "Child D", "Child E", "Child F", "Child G", "Child H",
];
const ADULTS: &[&str] = &[
    "TA 1",
    "TA 2",
    "Teacher 1",
    "Teacher 2",
    "the class teacher",
    "the head teacher",
    "the governor for SEND",
    "the educational psychologist",
    "the speech and language therapist",
    "a parent",
];
const SUBJECTS: &[&str] = &[
    "the provision map",
    "the graduated approach",
    "the SEND Code of Practice",
    "the Local Offer",
    "the EHC plan review",
    "the phonics intervention",
    "the sensory circuit",
    "the reading assessment",
    "the pupil passport",
    "the transition plan",
    "the accessibility plan",
    "the school's SEN information report",
    "the staff training session",
    "the annual review",
    "the behaviour support plan",
];
const VERBS: &[&str] = &[
    "reviewed",
    "discussed",
    "rewrote",
    "observed",
    "evaluated",
    "shared",
    "planned",
    "questioned",
    "summarised",
    "compared",
];
const ADVERBS: &[&str] = &[
    "carefully",
    "with colleagues",
    "over half a term",
    "after the review meeting",
    "before the parents' evening",
    "during a learning walk",
    "in a small group",
    "with the year team",
];
const OUTCOMES: &[&str] = &[
    "attendance improved over the following weeks",
    "the baseline and review dates are now recorded for every intervention",
    "staff felt more confident about adapting tasks",
    "the family said they understood the next steps",
    "progress was slower than we hoped, so the plan was adjusted",
    "the targets became smaller and easier to measure",
    "we agreed to meet again in six weeks",
    "the pupil's own views were written into the plan for the first time",
];
const CONNECTIVES: &[&str] = &[
    "Reading the guidance again, I saw that",
    "On reflection,",
    "In the meeting,",
    "Looking back at the data,",
    "With hindsight,",
    "As a result,",
    "Following advice from the local authority,",
    "Because of this,",
];
const HEADINGS: &[&str] = &[
    "Context",
    "Description",
    "Analysis",
    "What I learned",
    "Impact",
    "Next steps",
    "Action plan",
    "Evaluation",
];
/// First-name pseudonyms, most with letters outside ASCII.
const PSEUDONYMS: &[&str] = &[
    "Zoë", "Siân", "Chloë", "Renée", "José", "Björn", "Aoife", "Łucja", "Oisín", "Noémie", "Anaïs",
    "Mátyás", "Sam", "Ellis",
];
/// Sentences as a trainee pastes them from a word processor: curly quotes, dashes, ellipses.
const TYPOGRAPHIC: &[&str] = &[
    "When asked, {p} said, “I like it when it’s quiet.”",
    "It wasn’t easy – the timetable changed twice – but {p} settled by the second week.",
    "Staff described the change as “a turning point”; I’m less sure…",
    "{p}’s mother said the new routine was “so much calmer” at home.",
    "We tried the visual timetable again… and again, until it stuck.",
    "The ‘quiet corner’ was used 14 times in 3 weeks — mostly after lunch.",
    "{p} (Year 4) moved from 42% to 61% on the reading check — a gain we hadn’t expected.",
    "The meeting on 12 March 2024 at 15:30 agreed three targets: “small, specific, shared”.",
    "I wasn’t confident — my notes from 09:15 show how much I missed.",
    "As the EP put it, “the behaviour is communication”… which changed how we wrote the plan.",
];
const QUOTATIONS: &[&str] = &[
    "> “High quality teaching, differentiated for individual pupils, is the first step in\n> responding to pupils who have or may have SEN.” (DfE and DoH, 2015, p. 99)",
    "> ‘Every teacher is a teacher of SEND.’\n>\n> — a phrase we repeated at every staff meeting",
    "> The graduated approach is a cycle of *assess, plan, do, review*: each turn should\n> refine the understanding of the pupil’s needs.",
];
const REFERENCES: &[&str] = &[
    "Department for Education and Department of Health (2015) *Special educational needs and disability code of practice: 0 to 25 years*. London: DfE.",
    "Education Endowment Foundation (2020) *Special Educational Needs in Mainstream Schools: guidance report*. London: EEF.",
    "Ofsted (2021) *Supporting SEND*. Manchester: Ofsted.",
    "Rose, J. (2009) *Identifying and teaching children and young people with dyslexia and literacy difficulties*. Nottingham: DCSF.",
    "Gibbs, G. (1988) *Learning by doing: a guide to teaching and learning methods*. Oxford: Further Education Unit.",
    "Schön, D. A. (1983) *The reflective practitioner: how professionals think in action*. New York: Basic Books.",
];

const CODE_SAMPLES: &[&str] = &[
    "Review date | Target | Owner\n2024-06-12  | Read 20 CVC words | TA 1",
    "baseline: 12/40\nreview:   27/40\nchange:   +15",
    "=IF(B2>=C2,\"met\",\"not yet\")",
];

/// Which text the generator writes; see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Realistic,
}

/// A sentence with typographic punctuation about one pseudonymised child.
fn typographic_sentence(rng: &mut Rng) -> String {
    rng.pick(TYPOGRAPHIC).replace("{p}", rng.pick(PSEUDONYMS))
}

/// Straight apostrophes and quotes as a word processor turns them.
fn curl(text: &str) -> String {
    text.replace("' ", "’ ").replace('\'', "’")
}

fn sentence(rng: &mut Rng) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "{} {} {} {} {} and {}.",
        rng.pick(CONNECTIVES),
        rng.pick(ADULTS),
        rng.pick(VERBS),
        rng.pick(SUBJECTS),
        rng.pick(ADVERBS),
        rng.pick(OUTCOMES)
    );
    if rng.chance(40) {
        let _ = write!(
            s,
            " {} and {} both benefited from {}.",
            rng.pick(CHILDREN),
            rng.pick(CHILDREN),
            rng.pick(SUBJECTS)
        );
    }
    s
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// One evidence file: front matter, headings, paragraphs with inline tags, a list, a table,
/// sometimes a code block or a link to another file.
fn evidence_file(rng: &mut Rng, style: Style, kind: &str, title: &str, links: &[String]) -> String {
    let realistic = style == Style::Realistic;
    let mut target_words = rng.range(300, 1500);
    // Most files are typographic; a few realistic files are very long (a dissertation
    // chapter pasted in whole).
    let typographic = realistic && rng.chance(85);
    if realistic && rng.chance(1) {
        target_words = rng.range(8000, 15000);
    }
    let inline_tags = if rng.chance(12) { 0 } else { rng.range(0, 6) };
    let matter_tags = if rng.chance(30) { rng.range(1, 3) } else { 0 };
    let draft = rng.chance(4);
    let date = format!(
        "20{:02}-{:02}-{:02}",
        rng.range(23, 25),
        rng.range(1, 12),
        rng.range(1, 28)
    );
    let mut out = String::with_capacity(target_words * 8);
    let matter_ids: Vec<&str> = (0..matter_tags).map(|_| rng.pick(INDICATORS)).collect();
    if rng.chance(10) {
        let _ = writeln!(
            out,
            "+++\ntitle = \"{title}\"\ndate = \"{date}\"\ntype = \"{kind}\""
        );
        let quoted: Vec<String> = matter_ids.iter().map(|i| format!("\"{i}\"")).collect();
        let _ = writeln!(out, "outcomes = [{}]", quoted.join(", "));
        if draft {
            out.push_str("draft = true\n");
        }
        out.push_str("+++\n\n");
    } else {
        let title = if typographic {
            format!("\"{}\"", curl(title))
        } else {
            title.to_string()
        };
        let _ = writeln!(out, "---\ntitle: {title}\ndate: {date}\ntype: {kind}");
        let shape = if realistic { rng.range(0, 2) } else { 2 };
        match (matter_ids.len(), shape) {
            // A block list, as Obsidian's properties editor writes it.
            (1.., 0) => {
                out.push_str("outcomes:\n");
                for id in &matter_ids {
                    let _ = writeln!(out, "  - {id}");
                }
            }
            // One outcome written as a plain string.
            (1, 1) => {
                let _ = writeln!(out, "outcomes: {}", matter_ids[0]);
            }
            _ => {
                let _ = writeln!(out, "outcomes: [{}]", matter_ids.join(", "));
            }
        }
        if realistic && rng.chance(30) {
            let _ = writeln!(
                out,
                "tags: [send, reflection]\nsetting: \"Primary school (pseudonymised)\""
            );
        }
        if draft {
            out.push_str("draft: true\n");
        }
        out.push_str("---\n\n");
    }
    let _ = writeln!(out, "# {title}\n");
    // Where the inline tags go: after the nth paragraph, spread through the text.
    let paragraphs = (target_words / 60).max(3);
    let mut tag_at: Vec<usize> = (0..inline_tags)
        .map(|_| rng.range(0, paragraphs - 1))
        .collect();
    tag_at.sort_unstable();
    let mut written = 0;
    let mut paragraph = 0;
    let mut section = 0;
    while written < target_words {
        if paragraph % 3 == 0 {
            let _ = writeln!(out, "## {}\n", HEADINGS[section % HEADINGS.len()]);
            section += 1;
        }
        let mut text = String::new();
        for _ in 0..rng.range(2, 4) {
            if typographic {
                text.push_str(&curl(&sentence(rng)));
                text.push(' ');
                if rng.chance(35) {
                    text.push_str(&typographic_sentence(rng));
                    text.push(' ');
                }
            } else {
                text.push_str(&sentence(rng));
                text.push(' ');
            }
        }
        while tag_at.first() == Some(&paragraph) {
            tag_at.remove(0);
            let _ = write!(text, "[[{}]] ", rng.pick(INDICATORS));
        }
        if rng.chance(5)
            && let Some(other) = links.get(rng.range(0, links.len().max(1) - 1))
        {
            let _ = write!(text, "See also [[{other}]].");
        }
        written += words(&text);
        out.push_str(text.trim_end());
        out.push_str("\n\n");
        match paragraph % 5 {
            1 => {
                for _ in 0..rng.range(2, 5) {
                    let item = format!(
                        "{} {} {}.",
                        rng.pick(ADULTS),
                        rng.pick(VERBS),
                        rng.pick(SUBJECTS)
                    );
                    written += words(&item) + 1;
                    let _ = writeln!(out, "- {item}");
                }
                out.push('\n');
            }
            3 if section == 2 || rng.chance(20) => {
                out.push_str("| Pupil | Need | Provision | Review |\n|---|---|---|---|\n");
                for _ in 0..rng.range(2, 4) {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | half-termly |",
                        rng.pick(CHILDREN),
                        rng.pick(&["SEMH", "SLCN", "cognition and learning", "sensory"]),
                        rng.pick(SUBJECTS)
                    );
                    written += 8;
                }
                out.push('\n');
            }
            4 if rng.chance(25) => {
                let _ = writeln!(out, "```\n{}\n```\n", rng.pick(CODE_SAMPLES));
            }
            2 if realistic && rng.chance(30) => {
                let _ = writeln!(out, "{}\n", rng.pick(QUOTATIONS));
            }
            _ => {}
        }
        paragraph += 1;
    }
    if realistic && rng.chance(70) {
        out.push_str("## References\n\n");
        for _ in 0..rng.range(2, 5) {
            let _ = writeln!(out, "- {}", rng.pick(REFERENCES));
        }
        out.push('\n');
    }
    // Tags that fell beyond the last paragraph still get written.
    for _ in tag_at {
        let _ = writeln!(out, "This also shows [[{}]].\n", rng.pick(INDICATORS));
    }
    out
}

fn file_seed(seed: u64, portfolio: usize, file: usize) -> u64 {
    let mut mix = Rng::new(seed ^ ((portfolio as u64) << 32) ^ file as u64);
    mix.next()
}

/// Writes one portfolio of `files` evidence files into `dir`.
fn write_portfolio(
    dir: &Path,
    files: usize,
    seed: u64,
    number: usize,
    style: Style,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(
        dir.join("portfolio.toml"),
        format!(
            "[portfolio]\ntitle = \"Benchmark portfolio {number}\"\ntrainee = \"Trainee {number}\"\nframework = \"nasenco-2014\"\nevidence = [\"evidence\"]\nappointed = 2024-01-08\n\n[rules]\nmin_evidence = 1\n"
        ),
    )?;
    if style == Style::Realistic {
        write_pseudonyms(dir, number)?;
    }
    let mut stems: Vec<String> = Vec::new();
    for file in 0..files {
        let mut rng = Rng::new(file_seed(seed, number, file));
        let (folder, kind) = FOLDERS[file % FOLDERS.len()];
        let title = format!(
            "{} {} {}",
            capitalise(rng.pick(VERBS)),
            rng.pick(SUBJECTS),
            file + 1
        );
        let stem = format!("{:05}-{}", file + 1, senco::util::text::slug(&title));
        let text = evidence_file(&mut rng, style, kind, &title, &stems);
        let path: PathBuf = dir.join("evidence").join(folder).join(format!("{stem}.md"));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text)?;
        // Links only point backwards, so every one resolves; a few per portfolio is enough.
        if stems.len() < 50 {
            stems.push(stem);
        }
    }
    Ok(())
}

/// A private pseudonyms file of made-up syllable names (never written in the evidence),
/// so the name matcher runs as it does for a trainee who keeps one.
fn write_pseudonyms(dir: &Path, number: usize) -> std::io::Result<()> {
    const FIRST: &[&str] = &["Ab", "Ber", "Cal", "Dor", "Fen", "Gar", "Hal", "Jor"];
    const LAST: &[&str] = &["ley", "wick", "ford", "stead", "worth", "ridge"];
    let mut text = String::from("[pupils]\n");
    for (i, first) in FIRST.iter().enumerate() {
        let last = LAST[(i + number) % LAST.len()];
        let _ = writeln!(
            text,
            "\"{first}{last} {}{}\" = \"Child {}\"",
            FIRST[(i + 3) % FIRST.len()],
            LAST[(i + 1) % LAST.len()],
            char::from(b'A' + i as u8)
        );
    }
    text.push_str("\n[staff]\n\"Ms Quinby Orrel\" = \"Teacher 1\"\n\"Mr Ulwyn Tamsby\" = { pseudonym = \"TA 1\", aliases = [\"Ulwyn\"] }\n");
    std::fs::create_dir_all(dir.join(".senco"))?;
    std::fs::write(dir.join(".senco/pseudonyms.toml"), text)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

const USAGE: &str = "usage: generate --portfolio DIR --files N [--seed S] [--style plain|realistic]\n       generate --cohort DIR --portfolios P --files N [--seed S] [--style plain|realistic]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut portfolio = None;
    let mut cohort = None;
    let mut portfolios = 1usize;
    let mut files = 40usize;
    let mut seed = 1u64;
    let mut style = Style::Plain;
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).cloned();
        let number = value.as_deref().and_then(|v| v.parse::<u64>().ok());
        match (args[i].as_str(), value, number) {
            ("--portfolio", Some(v), _) => portfolio = Some(PathBuf::from(v)),
            ("--cohort", Some(v), _) => cohort = Some(PathBuf::from(v)),
            ("--portfolios", _, Some(n)) => portfolios = n as usize,
            ("--files", _, Some(n)) => files = n as usize,
            ("--seed", _, Some(n)) => seed = n,
            ("--style", Some(v), _) if v == "plain" => style = Style::Plain,
            ("--style", Some(v), _) if v == "realistic" => style = Style::Realistic,
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        }
        i += 2;
    }
    let result = match (portfolio, cohort) {
        (Some(dir), None) => write_portfolio(&dir, files, seed, 0, style),
        (None, Some(dir)) => (0..portfolios).try_for_each(|p| {
            write_portfolio(
                &dir.join(format!("portfolio-{:04}", p + 1)),
                files,
                seed,
                p + 1,
                style,
            )
        }),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
