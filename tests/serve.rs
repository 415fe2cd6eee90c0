//! `senco serve`, end to end: the real binary on a copy of the sample portfolio, spoken
//! to over HTTP/1.1 on a plain TCP socket.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use support::{copy_of, senco};

/// How long a rebuild may take to show before the test gives up.
const REBUILD_WAIT: Duration = Duration::from_secs(10);

/// The server process; killed if the test fails before it is stopped.
struct Server {
    child: Child,
    port: u16,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(root: &std::path::Path) -> Server {
        let mut child = senco()
            .arg("serve")
            .arg(root)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (line_tx, line_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = line_tx.send(line);
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let mut server = Server {
            child,
            port: 0,
            stderr: err_rx,
        };
        let line = line_rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no URL printed; stderr: {}", server.stderr_text()));
        // `serving PATH at http://127.0.0.1:PORT/ (Ctrl-C to stop)`
        assert!(line.starts_with("serving "), "{line}");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line}"));
        let port = url
            .strip_prefix("http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix('/'))
            .unwrap_or_else(|| panic!("not a loopback URL: {url}"));
        server.port = port.parse().unwrap();
        server
    }

    fn stderr_text(&self) -> String {
        self.stderr.try_iter().collect::<Vec<_>>().join("\n")
    }

    /// Reads stderr until a line satisfies `ready`, or fails after [`REBUILD_WAIT`].
    fn wait_for_line(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        let mut seen = Vec::new();
        loop {
            match self.stderr.recv_timeout(Duration::from_millis(100)) {
                Ok(line) if ready(&line) => return line,
                Ok(line) => seen.push(line),
                Err(_) => assert!(
                    start.elapsed() < REBUILD_WAIT,
                    "stderr never showed {what}:\n{}",
                    seen.join("\n")
                ),
            }
        }
    }

    fn get(&self, path: &str) -> (u16, String) {
        get(self.port, path)
    }

    /// Fetches `path` until `ready` holds for the body, or fails after [`REBUILD_WAIT`].
    fn wait_for(&self, path: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let (_, body) = self.get(path);
            if ready(&body) {
                return body;
            }
            assert!(
                start.elapsed() < REBUILD_WAIT,
                "{path} never showed {what}; last body:\n{body}\nstderr:\n{}",
                self.stderr_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A minimal HTTP/1.1 GET: the path is sent exactly as given, `..` and all.
fn get(port: u16, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {response:?}"));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line in {head:?}"));
    let chunked = head.lines().any(|l| {
        l.to_ascii_lowercase()
            .starts_with("transfer-encoding: chunked")
    });
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    (status, body)
}

fn dechunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        body.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    body
}

#[test]
fn serve_rebuilds_on_change_and_shows_errors_in_the_page() {
    let (_tmp, root) = copy_of("portfolio-template");
    // A local `senco build` of the template may have left its site in the copy.
    let _ = std::fs::remove_dir_all(root.join("site"));
    let server = Server::start(&root);
    let work = std::env::temp_dir().join(format!("senco-serve-{}", server.child.id()));
    assert!(work.is_dir(), "{} missing while serving", work.display());

    // Pages are served with the reload script, just before `</body>`.
    let (status, index) = server.get("/");
    assert_eq!(status, 200, "{index}");
    assert!(index.contains("<h1>National Award for SEN Co-ordination: portfolio</h1>"));
    let script = index
        .find("new EventSource(\"/__senco/events\")")
        .expect("reload script injected");
    assert!(script < index.rfind("</body>").unwrap());
    let (status, css) = server.get("/assets/senco.css");
    assert_eq!(status, 200);
    assert!(!css.contains("EventSource"));
    // Serving never writes into the portfolio.
    assert!(!root.join("site").exists());

    // Paths that climb out of the site are refused.
    for path in [
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/outcomes/../../../etc/passwd",
    ] {
        let (status, body) = server.get(path);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(!body.contains("root:"), "{path}");
    }

    // An edit to a tagged passage shows on the outcome page.
    let page = "/outcomes/B8.3.html";
    let (status, before) = server.get(page);
    assert_eq!(status, 200);
    assert!(
        before.contains("strategies with the class team"),
        "{before}"
    );
    let evidence = root.join("evidence/2024-05-20-meeting-with-the-educational-psychologist.md");
    let text = std::fs::read_to_string(&evidence).unwrap();
    let edited = text.replace(
        "strategies with the class team.",
        "strategies with the class team and TA 3.",
    );
    assert_ne!(edited, text);
    std::fs::write(&evidence, edited).unwrap();
    server.wait_for(page, "the edit", |body| {
        body.contains("strategies with the class team and TA 3.")
    });
    let (status, body) =
        server.get("/evidence/2024-05-20-meeting-with-the-educational-psychologist.html");
    assert_eq!(status, 200);
    assert!(
        body.contains("strategies with the class team and TA 3."),
        "{body}"
    );
    // Only the pages the edit touches were rendered again: `rebuilt N of M pages in T ms`.
    server.wait_for_line("an incremental rebuild", |line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["rebuilt", n, "of", m, "pages", "in", _, "ms"] => {
                n.parse::<usize>().unwrap() < m.parse::<usize>().unwrap()
            }
            _ => false,
        }
    });

    // A broken portfolio.toml shows the error in the page, and the server stays up.
    let config = root.join("portfolio.toml");
    let good = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, good.replace("[portfolio]", "[portfolio\n")).unwrap();
    let error = server.wait_for("/", "the error page", |body| {
        body.contains("The portfolio could not be built")
    });
    assert!(error.contains("portfolio.toml"), "{error}");
    assert!(
        error.contains("EventSource"),
        "the error page reloads itself when fixed"
    );
    std::fs::write(&config, good).unwrap();
    server.wait_for("/", "the site again", |body| {
        body.contains("<h1>National Award for SEN Co-ordination: portfolio</h1>")
    });

    // SIGTERM stops the server cleanly and removes its work folder.
    let mut server = server;
    #[cfg(unix)]
    {
        // The shell's own `kill`: a slim image may have no /usr/bin/kill.
        let status = std::process::Command::new("sh")
            .args(["-c", &format!("kill -TERM {}", server.child.id())])
            .status()
            .unwrap();
        assert!(status.success());
        let start = Instant::now();
        let exit = loop {
            if let Some(exit) = server.child.try_wait().unwrap() {
                break exit;
            }
            assert!(
                start.elapsed() < REBUILD_WAIT,
                "still running after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(exit.success(), "{exit}; stderr:\n{}", server.stderr_text());
        assert!(!work.exists(), "{} left behind", work.display());
    }
}
