//! `senco serve` under load: clients fetch pages over loopback without a pause while the
//! portfolio is edited and rebuilt. No request may fail and no page may be torn: every
//! page is complete, and shows one generation of the input, never two.

use crate::harness::{Http, Server, copy_of};
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const CLIENTS: usize = 20;
const LOAD: Duration = Duration::from_secs(30);
/// Requests on one connection before a client opens a new one, so new connections are
/// accepted all through the load too.
const PER_CONNECTION: usize = 50;

/// The file the editor rewrites: its title, body and tags carry the generation.
const EDITED: &str = "evidence/2024-06-01-load.md";
const EDITED_PAGE: &str = "/evidence/2024-06-01-load.html";
/// The outcomes the edited file is tagged with, one per generation in turn.
const TAGS: [&str; 3] = ["A1.2", "B8.3", "C1.1"];

const PAGES: &[&str] = &[
    "/",
    "/index.html",
    "/matrix.html",
    "/gaps.html",
    "/assets/senco.css",
    EDITED_PAGE,
    "/evidence/2024-03-12-reflection-on-a-provision-map.html",
    "/evidence/2024-05-20-meeting-with-the-educational-psychologist.html",
    "/outcomes/A1.2.html",
    "/outcomes/B8.3.html",
    "/outcomes/C1.1.html",
    "/outcomes/B9.4.html",
];

/// The edited file at generation `n`. Written whole and renamed into place, as a careful
/// editor does, so a build never reads half of it.
fn write_generation(root: &Path, n: u64) {
    let tag = TAGS[(n % TAGS.len() as u64) as usize];
    let text = format!(
        "---\ntitle: Load test {token}\ndate: 2024-06-01\ntype: reflection\noutcomes: [{tag}]\n---\n\n\
         # Load test {token}\n\nTA 1 and I reviewed the plan, generation {token}. [[{tag}]]\n",
        token = token(n)
    );
    let temp = root.join("evidence/.load.tmp");
    fs::write(&temp, text).unwrap();
    fs::rename(&temp, root.join(EDITED)).unwrap();
}

fn token(n: u64) -> String {
    format!("GEN-{n:06}")
}

/// Every generation token on a page.
fn tokens(body: &str) -> BTreeSet<&str> {
    body.match_indices("GEN-")
        .filter_map(|(at, _)| body.get(at..at + 10))
        .filter(|t| t[4..].bytes().all(|b| b.is_ascii_digit()))
        .collect()
}

/// What is wrong with a response to `path`, if anything. `css` is the stylesheet.
fn problem(path: &str, status: u16, body: &[u8], css: &[u8]) -> Option<String> {
    if status != 200 {
        return Some(format!("status {status}"));
    }
    if path.ends_with(".css") {
        return (body != css).then(|| "not the theme's stylesheet".into());
    }
    let Ok(body) = std::str::from_utf8(body) else {
        return Some("not UTF-8".into());
    };
    if !body.starts_with("<!DOCTYPE html>") || !body.trim_end().ends_with("</html>") {
        return Some("an incomplete page".into());
    }
    if body.contains("could not be built") {
        return Some("the build failed".into());
    }
    let script = "new EventSource(\"/__senco/events\")";
    if body.matches(script).count() != 1 || !body.contains("</script></body>") {
        return Some("no reload script before </body>".into());
    }
    let found = tokens(body);
    if found.len() > 1 {
        return Some(format!("generations mixed on one page: {found:?}"));
    }
    // Pages that list or show the edited file must show its generation.
    let shows_edited = ["/", "/index.html", "/matrix.html", EDITED_PAGE].contains(&path);
    if shows_edited && found.is_empty() {
        return Some("no generation on a page that shows the edited file".into());
    }
    None
}

/// What one client saw.
#[derive(Default)]
struct Seen {
    latencies: Vec<Duration>,
    failures: Vec<String>,
    generations: BTreeSet<String>,
}

fn client(port: u16, seed: usize, css: &[u8], stop: &AtomicBool) -> Seen {
    let mut seen = Seen::default();
    let mut connection: Option<Http> = None;
    let mut on_connection = 0;
    let mut i = seed;
    while !stop.load(Ordering::Relaxed) {
        i += 7;
        let path = PAGES[i % PAGES.len()];
        if on_connection == PER_CONNECTION {
            connection = None;
        }
        let start = Instant::now();
        let result = match connection.take() {
            Some(http) => Ok(http),
            None => {
                on_connection = 0;
                Http::connect(port)
            }
        }
        .and_then(|mut http| http.get(path).map(|response| (http, response)));
        seen.latencies.push(start.elapsed());
        match result {
            Ok((http, response)) => {
                on_connection += 1;
                connection = Some(http);
                let body = String::from_utf8_lossy(&response.body);
                if let Some(why) = problem(path, response.status, &response.body, css) {
                    seen.failures
                        .push(format!("GET {path}: {why}\n{}\n{body}", response.head));
                }
                seen.generations
                    .extend(tokens(&body).into_iter().map(str::to_string));
            }
            Err(e) => seen.failures.push(format!("GET {path}: {e}")),
        }
    }
    seen
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

#[test]
fn serve_under_load_while_editing_never_fails_nor_tears_a_page() {
    let (_tmp, root) = copy_of("portfolio-template");
    let _ = fs::remove_dir_all(root.join("site"));
    write_generation(&root, 0);
    let server = Server::start(&root);
    let (status, index) = server.get("/");
    assert_eq!(status, 200, "{index}");
    assert!(index.contains(&token(0)), "{index}");

    let css: Arc<[u8]> = fs::read(root.join("theme/senco.css")).unwrap().into();
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|seed| {
            let (stop, css) = (Arc::clone(&stop), Arc::clone(&css));
            let port = server.port;
            std::thread::spawn(move || client(port, seed, &css, &stop))
        })
        .collect();

    // Edit every 200 to 500 ms: rebuilds follow one another under the clients' load.
    let start = Instant::now();
    let mut edits = 0;
    while start.elapsed() < LOAD {
        edits += 1;
        write_generation(&root, edits);
        std::thread::sleep(Duration::from_millis(200 + (edits * 137) % 300));
    }
    stop.store(true, Ordering::Relaxed);
    let seen: Vec<Seen> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    let stderr = server.stderr_text();

    let failures: Vec<&String> = seen.iter().flat_map(|s| &s.failures).collect();
    let mut latencies: Vec<Duration> = seen.iter().flat_map(|s| s.latencies.clone()).collect();
    latencies.sort();
    let generations: BTreeSet<&String> = seen.iter().flat_map(|s| &s.generations).collect();
    eprintln!(
        "{} requests by {CLIENTS} clients in {:?} ({:.0}/s), {edits} edits, {} generations \
         seen; latency p50 {:?}, p99 {:?}, max {:?}",
        latencies.len(),
        LOAD,
        latencies.len() as f64 / LOAD.as_secs_f64(),
        generations.len(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1],
    );
    assert!(
        failures.is_empty(),
        "{} of {} requests failed; the first:\n{}\nserver stderr:\n{stderr}",
        failures.len(),
        latencies.len(),
        failures
            .iter()
            .take(3)
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n----\n")
    );
    // The clients saw the site change again and again, not one build.
    assert!(
        generations.len() >= 5,
        "only {} generations seen in {edits} edits; server stderr:\n{stderr}",
        generations.len()
    );
}
