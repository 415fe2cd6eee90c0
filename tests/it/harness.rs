//! The one harness for the integration tests (and, through `#[path]`, the machine-dependent
//! target): the `senco` binary with a predictable environment, fixtures and copies of them,
//! readers for `senco check --format json`, file trees, and a `senco serve` process with a
//! small HTTP client.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

// ---------------------------------------------------------------------------------------
// Running senco
// ---------------------------------------------------------------------------------------

/// The `senco` binary as a plain process (for tests that spawn, poll or kill it), with a
/// predictable environment: no colour, no forced colour, no assessor from the caller's
/// shell, and a results cache of the tests' own, never the user's (a test about the
/// cache sets its own `SENCO_CACHE_DIR`).
pub fn senco_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_senco"));
    cmd.env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env_remove("SENCO_ASSESSOR")
        .env_remove("SENCO_CACHE_MAX")
        .env("SENCO_CACHE_DIR", test_cache_dir());
    cmd
}

/// The results cache every test run shares, under cargo's temporary folder for tests.
pub fn test_cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("senco-cache")
}

/// The `senco` binary, environment as [`senco_process`], for `.assert()` and `.output()`.
pub fn senco() -> Command {
    Command::from_std(senco_process())
}

/// Exit status, stdout and stderr, for assertion messages.
pub fn show(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// What one run of the binary gave back.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let output = cmd.output().expect("senco runs");
    Run {
        code: output.status.code().expect("senco exits normally"),
        stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
    }
}

/// The day checks are run on, so no output depends on the clock.
pub const TODAY: &str = "2026-01-15";

/// `senco check PATH --format json --today TODAY`: the exit code and the parsed object.
pub fn check_json(path: &Path) -> (i32, Value) {
    let run = run(senco()
        .arg("check")
        .arg(path)
        .args(["--format", "json", "--today", TODAY]));
    let json = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "check --format json printed invalid JSON ({e}):\n{}\nstderr:\n{}",
            run.stdout, run.stderr
        )
    });
    (run.code, json)
}

/// `senco check PATH --today TODAY` as text.
pub fn check_text(path: &Path) -> Run {
    run(senco().arg("check").arg(path).args(["--today", TODAY]))
}

/// The subcommands as `senco --help` lists them (from the clap definitions), `help` left out.
pub fn subcommands() -> Vec<String> {
    let out = senco()
        .env("COLUMNS", "200")
        .arg("--help")
        .output()
        .expect("runs");
    let help = String::from_utf8(out.stdout).expect("utf-8");
    let listed: Vec<String> = help
        .lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // Continuation lines of a wrapped description are indented further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect();
    assert!(listed.len() >= 12, "parsed the command list: {help}");
    listed
}

pub fn item<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["items"]
        .as_array()
        .expect("items is an array")
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

pub fn evidence<'a>(json: &'a Value, path: &str) -> &'a Value {
    json["evidence"]
        .as_array()
        .expect("evidence is an array")
        .iter()
        .find(|e| e["path"] == path)
        .unwrap_or_else(|| panic!("no evidence file {path}"))
}

pub fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("{value} is not an array"))
        .iter()
        .map(|v| v.as_str().expect("a string").to_string())
        .collect()
}

pub fn evidence_paths(json: &Value) -> Vec<String> {
    json["evidence"]
        .as_array()
        .expect("evidence is an array")
        .iter()
        .map(|e| e["path"].as_str().expect("path").to_string())
        .collect()
}

/// Diagnostics with the given code.
pub fn diagnostics<'a>(json: &'a Value, code: &str) -> Vec<&'a Value> {
    json["diagnostics"]
        .as_array()
        .expect("diagnostics is an array")
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Fixtures and files
// ---------------------------------------------------------------------------------------

/// The crate's root folder.
pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture shared by several test modules: `tests/fixtures/NAME`.
pub fn fixture(name: &str) -> PathBuf {
    manifest_dir().join("tests/fixtures").join(name)
}

/// Copies a folder recursively (files and folders only; tests add symlinks themselves).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create folder");
    for entry in fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.expect("folder entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A fresh temporary folder holding a copy of `source` (a folder, relative to the crate
/// root) as `portfolio/`, so a test may edit it and write output beside it. Returns the
/// temporary folder and the copy's path.
pub fn copy_of(source: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("portfolio");
    copy_dir(&manifest_dir().join(source), &root);
    (tmp, root)
}

/// Writes `contents` at `root/rel`, creating folders.
pub fn write(root: &Path, rel: &str, contents: impl AsRef<[u8]>) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    std::fs::write(&path, contents).expect("write file");
}

/// A minimal portfolio in a temporary folder: `portfolio.toml` with `config` and an
/// empty `evidence/` folder.
pub fn portfolio(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "portfolio.toml", config);
    std::fs::create_dir_all(dir.path().join("evidence")).expect("evidence folder");
    dir
}

/// `git` is on PATH (the history tests need it; CI installs it).
pub fn have_git() -> bool {
    std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `git ARGS` in `dir` as a fictional author, ignoring the caller's git config.
pub fn git(dir: &Path, args: &[&str]) {
    let out = git_command(dir).args(args).output().expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", show(&out));
}

/// `git` in `dir` as a fictional author, with neither the system's nor the caller's
/// config, and no signing.
fn git_command(dir: &Path) -> std::process::Command {
    let mut git = std::process::Command::new("git");
    git.current_dir(dir)
        .args(["-c", "user.name=Test Trainee"])
        .args(["-c", "user.email=trainee@example.invalid"])
        .args(["-c", "init.defaultBranch=main"])
        .args(["-c", "commit.gpgSign=false"])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null");
    git
}

/// Commits everything in `dir` (a repository) with author and committer date `date`
/// (`YYYY-MM-DD`, noon UTC).
pub fn commit_all(dir: &Path, date: &str, message: &str) {
    git(dir, &["add", "-A"]);
    let stamp = format!("{date}T12:00:00Z");
    let out = git_command(dir)
        .args(["commit", "-q", "--allow-empty", "-m", message])
        .env("GIT_AUTHOR_DATE", &stamp)
        .env("GIT_COMMITTER_DATE", &stamp)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git commit: {}", show(&out));
}

/// `senco review ROOT ARGS` as the fictional assessor "Dr A Tutor" on 2025-01-02;
/// fails the test unless it succeeds.
pub fn review_as_tutor(root: &Path, args: &[&str]) {
    let out = senco()
        .arg("review")
        .arg(root)
        .args(["--assessor", "Dr A Tutor", "--date", "2025-01-02"])
        .args(args)
        .output()
        .expect("run senco review");
    assert!(out.status.success(), "{}", show(&out));
}

pub const NASENCO: &str = "[portfolio]\ntitle = \"Test portfolio\"\nframework = \"nasenco-2014\"\n";

/// Every node id of a framework file in document (pre-)order, read straight from the
/// JSON, independently of the library.
pub fn framework_order(json_path: &Path) -> Vec<(String, String)> {
    fn walk(nodes: &Value, out: &mut Vec<(String, String)>) {
        for node in nodes.as_array().expect("nodes") {
            out.push((
                node["id"].as_str().expect("id").to_string(),
                node["kind"].as_str().expect("kind").to_string(),
            ));
            if let Some(children) = node.get("children") {
                walk(children, out);
            }
        }
    }
    let text = std::fs::read_to_string(json_path).expect("framework file");
    let value: Value = serde_json::from_str(&text).expect("framework JSON");
    let mut out = Vec::new();
    walk(&value["nodes"], &mut out);
    out
}

pub fn nasenco_json() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("outcomes/nasenco-2014.json")
}

/// Every file under `dir` (not following symlinks), by `/`-separated relative path.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap();
                let rel: Vec<_> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let bytes = if kind.is_symlink() {
                    format!("symlink -> {}", fs::read_link(&path).unwrap().display()).into_bytes()
                } else {
                    fs::read(&path).unwrap()
                };
                out.insert(rel.join("/"), bytes);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The portfolio as the test last left it: every file's bytes and when it was modified,
/// so a run that wrote a file again, even unchanged, is caught too.
#[derive(PartialEq)]
pub struct Input(BTreeMap<String, Vec<u8>>, BTreeMap<PathBuf, SystemTime>);

impl Input {
    pub fn of(root: &Path) -> Input {
        fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, SystemTime>) {
            for entry in fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let meta = entry.metadata().unwrap();
                if meta.is_dir() {
                    walk(&entry.path(), out);
                } else {
                    out.insert(entry.path(), meta.modified().unwrap());
                }
            }
        }
        let mut modified = BTreeMap::new();
        walk(root, &mut modified);
        Input(files(root), modified)
    }
}

/// Attributes whose value is fetched or navigated to.
pub const URL_ATTRS: &[&str] = &[
    "href",
    "src",
    "srcset",
    "action",
    "formaction",
    "poster",
    "data",
    "xlink:href",
    "background",
    "cite",
    "ping",
];

// ---------------------------------------------------------------------------------------
// A `senco serve` process and an HTTP client
// ---------------------------------------------------------------------------------------

/// How long a rebuild may take to show before a test gives up.
pub const REBUILD_WAIT: Duration = Duration::from_secs(10);

/// A `senco serve` process on a free port; killed if the test fails before it is stopped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    stderr: mpsc::Receiver<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn start(root: &Path) -> Server {
        Server::start_with(root, &[])
    }

    /// [`Server::start`] with more arguments to `senco serve`.
    pub fn start_with(root: &Path, args: &[&str]) -> Server {
        let mut child = senco_process()
            .arg("serve")
            .arg(root)
            .args(["--port", "0"])
            .args(args)
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

    /// Reads stderr until a line satisfies `ready`, or fails after [`REBUILD_WAIT`].
    pub fn wait_for_line(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
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

    /// What the server printed on stderr since the last call.
    pub fn stderr_text(&self) -> String {
        self.stderr.try_iter().collect::<Vec<_>>().join("\n")
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        get(self.port, path)
    }

    /// Fetches `path` until `ready` holds for the body, or fails after [`REBUILD_WAIT`].
    pub fn wait_for(&self, path: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
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

/// One GET on a fresh connection: the path is sent exactly as given, `..` and all.
pub fn get(port: u16, path: &str) -> (u16, String) {
    let response = Http::connect(port)
        .and_then(|mut http| http.get(path))
        .unwrap_or_else(|e| panic!("GET {path}: {e}"));
    (
        response.status,
        String::from_utf8_lossy(&response.body).into_owned(),
    )
}

/// An HTTP/1.1 response, its body complete.
pub struct Response {
    pub status: u16,
    /// The status line and headers.
    pub head: String,
    pub body: Vec<u8>,
}

/// A minimal keep-alive HTTP/1.1 client on a plain TCP socket: requests go one after
/// another on the same connection, and a short body is an error, not a shorter page.
pub struct Http {
    reader: BufReader<TcpStream>,
    port: u16,
}

impl Http {
    pub fn connect(port: u16) -> io::Result<Http> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        stream.set_nodelay(true)?;
        Ok(Http {
            reader: BufReader::new(stream),
            port,
        })
    }

    pub fn get(&mut self, path: &str) -> io::Result<Response> {
        // One write: a request in pieces waits on the server's delayed ACK (40 ms).
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n\r\n",
            self.port
        );
        self.reader.get_mut().write_all(request.as_bytes())?;
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(invalid(format!(
                    "connection closed in the headers: {head:?}"
                )));
            }
            if line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| invalid(format!("bad status line in {head:?}")))?;
        let header = |name: &str| {
            head.lines().find_map(|l| {
                let (key, value) = l.split_once(':')?;
                key.eq_ignore_ascii_case(name)
                    .then(|| value.trim().to_string())
            })
        };
        let body = if let Some(length) = header("content-length") {
            let length: usize = length
                .parse()
                .map_err(|_| invalid(format!("bad content-length in {head:?}")))?;
            let mut body = vec![0; length];
            self.reader.read_exact(&mut body)?;
            body
        } else if header("transfer-encoding").is_some_and(|t| t.eq_ignore_ascii_case("chunked")) {
            self.dechunk()?
        } else {
            let mut body = Vec::new();
            self.reader.read_to_end(&mut body)?;
            body
        };
        Ok(Response { status, head, body })
    }

    fn dechunk(&mut self) -> io::Result<Vec<u8>> {
        let mut body = Vec::new();
        loop {
            let mut size = String::new();
            self.reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16)
                .map_err(|_| invalid(format!("bad chunk size {size:?}")))?;
            let start = body.len();
            body.resize(start + size + 2, 0);
            self.reader.read_exact(&mut body[start..])?;
            if body.split_off(start + size) != b"\r\n" {
                return Err(invalid("chunk not followed by CRLF".into()));
            }
            if size == 0 {
                return Ok(body);
            }
        }
    }
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}
