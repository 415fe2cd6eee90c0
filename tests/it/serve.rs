//! `senco serve`, end to end: the real binary on a copy of the sample portfolio, spoken
//! to over HTTP/1.1 on a plain TCP socket.

use crate::harness::{REBUILD_WAIT, Server, copy_of};

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
    // Only the pages the edit touches were rendered again:
    // `rebuilt N of M pages in T ms: E errors, W warnings, H hints`.
    server.wait_for_line("an incremental rebuild", |line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["rebuilt", n, "of", m, "pages", "in", _, "ms:", ..] => {
                n.parse::<usize>().unwrap() < m.parse::<usize>().unwrap()
            }
            _ => false,
        }
    });

    // Each rebuild's problems are printed in the terminal, as `senco build` prints them.
    std::fs::write(
        root.join("evidence/typo.md"),
        "---\noutcomes: [A1.9]\n---\n\nA note.\n",
    )
    .unwrap();
    server.wait_for_line("the new file's problem", |line| {
        line.starts_with("error[unknown-outcome]: unknown outcome `A1.9`")
    });
    server.wait_for_line("the problem counted", |line| {
        line.starts_with("rebuilt ") && line.ends_with(": 1 errors, 0 warnings, 0 hints")
    });
    std::fs::remove_file(root.join("evidence/typo.md")).unwrap();

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

    // SIGTERM stops the server cleanly and removes its work folder, even while a page's
    // event stream (which never ends by itself) is open.
    let mut events = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    std::io::Write::write_all(
        &mut events,
        format!(
            "GET /__senco/events HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            server.port
        )
        .as_bytes(),
    )
    .unwrap();
    let mut first = [0u8; 12];
    std::io::Read::read_exact(&mut events, &mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let mut server = server;
    #[cfg(unix)]
    {
        use std::time::{Duration, Instant};
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
