//! How long each layer of reading a portfolio takes, added one at a time: the floor
//! under `senco check`, and what each layer above it costs.
//!
//! ```text
//! cargo run --release --example floor -- DIR [ROUNDS]
//! ```
//!
//! Over the evidence files of the portfolio `DIR`, in parallel as `check` reads them,
//! each stage does what the one before did and one thing more:
//!
//! 1. read every file;
//! 2. validate it as UTF-8;
//! 3. parse it with pulldown-cmark (senco's options, events with their ranges);
//! 4. read Obsidian's syntax over those events (`check::obsidian::events`);
//! 5. parse the evidence record (front matter, tags, words, links, findings of its own);
//! 6. the record and the privacy lint, as `check` runs them per file.
//!
//! Each stage is the best of `ROUNDS` (default 7) wall times, the files in the page cache.
//! It prints one line a stage, and what the stage added to the one before. The walk,
//! link resolution, coverage and the report are not in it: `senco check` minus stage 6.
//! `FLOOR_ONLY=N` (0 to 5) runs stage N alone, for a profiler.

use rayon::prelude::*;
use senco::check::{discover, evidence, markdown, obsidian, privacy};
use senco::model::framework::Framework;
use senco::model::portfolio::Portfolio;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

// The allocator of the `senco` binary, so the stages cost what they cost there.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const STAGES: [&str; 6] = [
    "read",
    "+ UTF-8",
    "+ pulldown-cmark",
    "+ Obsidian layer",
    "+ evidence record",
    "+ privacy lint",
];

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(root) = args.next().map(PathBuf::from) else {
        eprintln!("usage: floor DIR [ROUNDS]");
        return ExitCode::from(2);
    };
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(7);
    let loaded = Portfolio::load(&root).and_then(|p| {
        let framework = Framework::resolve_all(&p.frameworks, &p.root)?;
        let (found, _) = discover::discover(&p)?;
        Ok((framework, found))
    });
    let (framework, found) = match loaded {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("floor: {}", e.message);
            return ExitCode::FAILURE;
        }
    };
    let (names, _) = privacy::Pseudonyms::load(&root);
    println!("{} files in {}", found.len(), root.display());
    let mut before = 0.0;
    let only: Option<usize> = std::env::var("FLOOR_ONLY")
        .ok()
        .and_then(|n| n.parse().ok());
    for (stage, name) in STAGES.iter().enumerate() {
        if only.is_some_and(|n| n != stage) {
            continue;
        }
        let mut best = f64::MAX;
        for _ in 0..rounds {
            let start = Instant::now();
            let total: usize = found
                .par_iter()
                .map(|f| read_to(stage, f, &framework, &names))
                .sum();
            best = best.min(start.elapsed().as_secs_f64() * 1000.0);
            std::hint::black_box(total);
        }
        println!("{name:<20} {best:7.1} ms  (+{:.1} ms)", best - before);
        before = best;
    }
    ExitCode::SUCCESS
}

/// Runs stages 0 to `stage` on one file; a number from the last, so nothing is skipped.
fn read_to(
    stage: usize,
    found: &discover::Found,
    framework: &Framework,
    names: &privacy::Pseudonyms,
) -> usize {
    let Ok(bytes) = std::fs::read(&found.path) else {
        return 0;
    };
    let text = match (stage, std::str::from_utf8(&bytes)) {
        (0, _) => return bytes.len(),
        (_, Ok(text)) => text,
        (_, Err(_)) => return 0,
    };
    match stage {
        1 => text.len(),
        2 => pulldown_cmark::Parser::new_ext(text, markdown::options())
            .into_offset_iter()
            .count(),
        3 => obsidian::events(text).count(),
        4 => {
            let (record, diagnostics, ()) =
                evidence::parse_bytes_and(&bytes, &found.rel, framework, false, |_| ());
            record.words + diagnostics.len()
        }
        _ => {
            let (record, diagnostics, scan) =
                evidence::parse_bytes_and(&bytes, &found.rel, framework, false, |source| {
                    privacy::scan_source(source, &found.rel, names)
                });
            record.words + diagnostics.len() + scan.findings.len()
        }
    }
}
