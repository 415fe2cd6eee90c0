//! Micro-benchmarks of the hot stages, so a slowdown in `bench/run` can be traced to one.
//!
//! `cargo bench --bench stages`. Inputs are the sample evidence of the starter portfolio,
//! read at compile time: realistic Markdown with YAML and TOML front matter and tags.

use criterion::{Criterion, criterion_group, criterion_main};
use senco::check::evidence::{self, Evidence};
use senco::check::frontmatter::{self, Split};
use senco::model::framework::Framework;
use senco::render::html::{self, Context};
use senco::render::site::SiteMap;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

const YAML_FILE: &str =
    include_str!("../portfolio-template/evidence/2024-03-12-reflection-on-a-provision-map.md");
const TOML_FILE: &str = include_str!(
    "../portfolio-template/evidence/2024-05-20-meeting-with-the-educational-psychologist.md"
);

fn framework() -> Framework {
    Framework::builtin("nasenco-2014").expect("built-in framework loads")
}

fn front_matter(c: &mut Criterion) {
    for (name, text) in [("yaml", YAML_FILE), ("toml", TOML_FILE)] {
        c.bench_function(&format!("frontmatter/split+parse/{name}"), |b| {
            b.iter(|| {
                let text = black_box(text);
                match frontmatter::split(text) {
                    Split::Found { format, matter, .. } => {
                        frontmatter::parse(format, &text[matter]).map(|keys| keys.len())
                    }
                    _ => Ok(0),
                }
            })
        });
    }
}

fn parse_evidence(c: &mut Criterion) {
    let fw = framework();
    c.bench_function("evidence/parse_bytes", |b| {
        b.iter(|| evidence::parse_bytes(black_box(YAML_FILE.as_bytes()), "evidence/a.md", &fw))
    });
}

/// 2,000 files' worth of parsed evidence, as in the single-portfolio benchmark.
fn many_records(fw: &Framework) -> Vec<Evidence> {
    let mut records: Vec<Evidence> = (0..2000)
        .map(|i| {
            let text = if i % 2 == 0 { YAML_FILE } else { TOML_FILE };
            evidence::parse_bytes(text.as_bytes(), &format!("evidence/{i:05}.md"), fw).0
        })
        .collect();
    records.sort_by(|a, b| a.path.cmp(&b.path));
    records
}

fn coverage(c: &mut Criterion) {
    let fw = framework();
    let records = many_records(&fw);
    c.bench_function("coverage/analyse/2000-files", |b| {
        b.iter(|| senco::check::coverage::analyse(&fw, black_box(&records), 1))
    });
}

fn render_page(c: &mut Criterion) {
    let fw = framework();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("portfolio-template");
    let records = vec![evidence::parse_bytes(YAML_FILE.as_bytes(), "evidence/a.md", &fw).0];
    let site = SiteMap::new(&root, &["evidence".to_string()], &records);
    let body = match frontmatter::split(YAML_FILE) {
        Split::Found { body, .. } => &YAML_FILE[body],
        _ => YAML_FILE,
    };
    c.bench_function("render/html/evidence-page", |b| {
        b.iter(|| {
            html::render(
                black_box(body),
                &Context {
                    framework: &fw,
                    site: &site,
                    source: "evidence/a.md",
                    page: site.evidence_page(0),
                    links: &records[0].links,
                    mode: html::Mode::Site,
                    anchors: true,
                    title: Some(&records[0].title),
                    first_line: 7,
                    notes: &records,
                    hard_breaks: false,
                    embedding: &[],
                    ids: None,
                },
            )
        })
    });
}

fn quick() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
}

// criterion_group! writes a public function, without docs, that this bench's main calls.
#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group! {
        name = stages;
        config = quick();
        targets = front_matter, parse_evidence, coverage, render_page
    }
}
use group::stages;

criterion_main!(stages);
