//! A minimal client of the Chrome DevTools protocol over `--remote-debugging-pipe`: the
//! browser reads commands on its descriptor 3 and writes replies and events on its
//! descriptor 4, each message one JSON object ended by a NUL byte. No port is opened and
//! no websocket is needed, so nothing else on the machine can talk to the browser.
//!
//! The browser runs in its own process group with a fresh profile in a temporary
//! folder; [`Browser`]'s `Drop` kills the whole group and waits for it, on every path
//! (success, error, timeout, panic), so no browser process outlives the command.

use crate::error::FatalError;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// The largest message read from the browser: a printed PDF arrives as one base64 reply.
const MAX_MESSAGE_BYTES: u64 = 512 * 1024 * 1024;

/// What the browser's stderr keeps for an error message (its last bytes).
const STDERR_TAIL_BYTES: usize = 2000;

/// What handles the events that arrive while waiting: it is given the browser (to send
/// commands in answer), the event's method, its parameters and its session.
pub(crate) type OnEvent<'a> =
    dyn FnMut(&mut Browser, &str, &Value, Option<&str>) -> Result<(), FatalError> + 'a;

/// A running browser, driven over its DevTools pipe.
pub(crate) struct Browser {
    child: Child,
    commands: ChildStdin,
    replies: Receiver<Result<Value, String>>,
    next_id: u64,
    deadline: Instant,
    program: PathBuf,
    /// The profile folder and the browser's stderr; removed after the browser is gone.
    profile: tempfile::TempDir,
}

impl Browser {
    /// Starts `program` headless with a fresh profile; every later call fails once
    /// `timeout` has passed since now.
    pub(crate) fn launch(program: &Path, timeout: Duration) -> Result<Browser, FatalError> {
        let profile = tempfile::Builder::new()
            .prefix("senco-pdf-")
            .tempdir()
            .map_err(|e| {
                FatalError::io(format!("cannot create a browser profile folder: {e}"), e)
            })?;
        let stderr = std::fs::File::create(profile.path().join("stderr")).map_err(|e| {
            FatalError::io(
                format!("cannot create a file for the browser's messages: {e}"),
                e,
            )
        })?;
        let mut command = pipe_command(program);
        command
            .arg("--headless")
            .arg("--remote-debugging-pipe")
            .arg(format!(
                "--user-data-dir={}",
                profile.path().join("profile").display()
            ))
            .args([
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--disable-default-apps",
                "--mute-audio",
                "--hide-scrollbars",
                // No name (nor address) resolves: the page's own address is answered
                // from memory and other requests are refused (see `pdf`), but Chromium
                // also opens connections ahead of time for what a page mentions
                // (preconnect), which no request handler sees; a theme asking for
                // `<img src="http://127.0.0.1:…">` made one before this.
                "--host-resolver-rules=MAP * ~NOTFOUND",
            ]);
        if running_as_root() {
            // Chromium's sandbox refuses to start as root; it is still headless, offline
            // and shown only senco's own page.
            command.arg("--no-sandbox");
        }
        command.arg("about:blank");
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr);
        own_process_group(&mut command);
        let mut child = command.spawn().map_err(|e| {
            FatalError::io(
                format!("cannot start the browser {}: {e}", program.display()),
                e,
            )
        })?;
        let (Some(commands), Some(out)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(FatalError::invalid("the browser's pipes were not opened"));
        };
        let (send, replies) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(out);
            loop {
                let mut message = Vec::new();
                let read = (&mut reader)
                    .take(MAX_MESSAGE_BYTES)
                    .read_until(0, &mut message);
                let parsed = match read {
                    Ok(0) => Err("the browser closed its DevTools pipe".to_string()),
                    Ok(_) if message.last() != Some(&0) => Err(format!(
                        "a DevTools message from the browser is over {} MiB",
                        MAX_MESSAGE_BYTES >> 20
                    )),
                    Ok(_) => serde_json::from_slice(&message[..message.len() - 1])
                        .map_err(|e| format!("the browser sent a message that is not JSON: {e}")),
                    Err(e) => Err(format!("cannot read from the browser: {e}")),
                };
                let last = parsed.is_err();
                if send.send(parsed).is_err() || last {
                    return;
                }
            }
        });
        Ok(Browser {
            child,
            commands,
            replies,
            next_id: 0,
            deadline: Instant::now() + timeout,
            program: program.to_path_buf(),
            profile,
        })
    }

    /// Sends a command (to the page's session when `session` is given) without waiting
    /// for its reply; returns its id.
    pub(crate) fn send(
        &mut self,
        method: &str,
        params: Value,
        session: Option<&str>,
    ) -> Result<u64, FatalError> {
        self.next_id += 1;
        let mut message = json!({ "id": self.next_id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        let mut bytes = message.to_string().into_bytes();
        bytes.push(0);
        if let Err(e) = self
            .commands
            .write_all(&bytes)
            .and_then(|()| self.commands.flush())
        {
            // A browser that exits at once closes the pipe before or after the first
            // command: either way the same failure, in the same words.
            let why = if e.kind() == std::io::ErrorKind::BrokenPipe {
                "the browser closed its DevTools pipe".to_string()
            } else {
                format!("cannot send {method} to the browser: {e}")
            };
            return Err(self.failed(&why));
        }
        Ok(self.next_id)
    }

    /// Sends a command and waits for its result. Events that arrive meanwhile go to
    /// `on_event` (method, params, session).
    pub(crate) fn call(
        &mut self,
        method: &str,
        params: Value,
        session: Option<&str>,
        on_event: &mut OnEvent<'_>,
    ) -> Result<Value, FatalError> {
        let id = self.send(method, params, session)?;
        loop {
            let message = self.next_message(method)?;
            if message["id"].as_u64() == Some(id) {
                if let Some(error) = message.get("error") {
                    let text = error["message"].as_str().unwrap_or("an error");
                    return Err(self.failed(&format!("the browser refused {method}: {text}")));
                }
                return Ok(message["result"].clone());
            }
            self.dispatch(&message, on_event)?;
        }
    }

    /// Waits until an event satisfies `done`, passing every event to `on_event` first.
    pub(crate) fn wait_for(
        &mut self,
        what: &str,
        on_event: &mut OnEvent<'_>,
        done: &dyn Fn(&str, &Value) -> bool,
    ) -> Result<(), FatalError> {
        loop {
            let message = self.next_message(what)?;
            self.dispatch(&message, on_event)?;
            if let Some(method) = message["method"].as_str()
                && done(method, &message["params"])
            {
                return Ok(());
            }
        }
    }

    fn dispatch(&mut self, message: &Value, on_event: &mut OnEvent<'_>) -> Result<(), FatalError> {
        if let Some(method) = message["method"].as_str() {
            on_event(
                self,
                method,
                &message["params"],
                message["sessionId"].as_str(),
            )?;
        }
        Ok(())
    }

    fn next_message(&mut self, waiting_for: &str) -> Result<Value, FatalError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match self.replies.recv_timeout(left) {
            Ok(Ok(message)) => Ok(message),
            Ok(Err(why)) => Err(self.failed(&format!("{why} (waiting for {waiting_for})"))),
            Err(RecvTimeoutError::Timeout) => Err(self
                .failed(&format!(
                    "the browser did not finish in time (waiting for {waiting_for})"
                ))
                .with_help("a very large portfolio may need longer: pass --timeout SECONDS")),
            Err(RecvTimeoutError::Disconnected) => {
                Err(self.failed(&format!("the browser stopped (waiting for {waiting_for})")))
            }
        }
    }

    /// Asks the browser to close, then makes sure it is gone.
    pub(crate) fn close(mut self) {
        let _ = self.send("Browser.close", json!({}), None);
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // Drop kills what is left of the process group.
    }

    /// An error naming the browser, with the end of what it printed.
    fn failed(&mut self, why: &str) -> FatalError {
        self.kill();
        let tail = std::fs::read(self.profile.path().join("stderr"))
            .map(|bytes| {
                let start = bytes.len().saturating_sub(STDERR_TAIL_BYTES);
                String::from_utf8_lossy(&bytes[start..]).trim().to_string()
            })
            .unwrap_or_default();
        let mut error = FatalError::invalid(format!(
            "cannot print with {}: {why}",
            self.program.display()
        ));
        error = if tail.is_empty() {
            error.with_help("check that it is Chromium, Chrome or Edge 132 or later (`--browser PATH` names one)")
        } else {
            error.with_help(format!("the browser said:\n{tail}"))
        };
        error
    }

    fn kill(&mut self) {
        kill_group(&self.child);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether this process runs as root, where Chromium's sandbox will not start.
fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        rustix::process::geteuid().is_root()
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// A command that runs `program` with the DevTools pipe on descriptors 3 and 4.
///
/// The standard library can hand a child only descriptors 0 to 2, so a POSIX shell
/// moves them: the child's stdin (the commands senco writes) becomes 3, its stdout (the
/// replies senco reads) 4, then stdin is closed off and stdout goes to stderr; `exec`
/// makes the browser the process senco started, with no shell left in between.
#[cfg(unix)]
fn pipe_command(program: &Path) -> Command {
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(r#"exec "$0" "$@" 3<&0 4>&1 </dev/null >&2"#)
        .arg(program);
    command
}

#[cfg(not(unix))]
fn pipe_command(program: &Path) -> Command {
    Command::new(program)
}

#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_: &mut Command) {}

/// Kills the browser's process group: its renderer and helper processes too.
#[cfg(unix)]
fn kill_group(child: &Child) {
    let pid = rustix::process::Pid::from_child(child);
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
}

#[cfg(not(unix))]
fn kill_group(_: &Child) {}
