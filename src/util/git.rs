//! Reading a portfolio's git history without running anything the repository asks for.
//!
//! senco runs on folders made by other people, and a repository's own `.git/config` can
//! name programs git would run: `core.fsmonitor`, hooks, a pager, an external diff or
//! textconv driver, a signature program, credential helpers. Every call here goes
//! through [`Repository::command`], which sets each of those to nothing on the command
//! line (where `-c` beats every config file, included ones too), ignores the system's and
//! the user's config, drops every `GIT_*` variable of the environment, never prompts and
//! takes no optional locks. Only plumbing that reads objects is used (`log --name-only`,
//! `ls-tree`, `cat-file --batch`, which applies no filters), and everything read is
//! capped. The repository must be the portfolio's own `.git` folder: a `.git` that is a
//! symlink, or a file pointing outside the portfolio, is refused.
//!
//! Running `git` costs nothing to compile; a pure-Rust reader (gix) would add a large
//! dependency tree. The price is that `git` must be installed: without it the callers
//! say so and go on without history.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Most bytes of `git log` or `git ls-tree` output read; past it the history is refused.
pub(crate) const MAX_LISTING_BYTES: u64 = 64 << 20;

/// Why a portfolio's history cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitError {
    /// The portfolio is not the top of a git repository.
    NotRepository,
    /// `.git` exists but is not used (a symlink, or a file pointing outside).
    Refused(String),
    /// `git` is not installed (or not on PATH).
    Missing,
    /// git ran and failed, or its output was too large.
    Failed(String),
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GitError::NotRepository => {
                write!(f, "not a git repository (no .git folder at its top)")
            }
            GitError::Refused(why) => write!(f, "its .git is not read: {why}"),
            GitError::Missing => write!(f, "git is not installed (no `git` on PATH)"),
            GitError::Failed(why) => write!(f, "git failed: {why}"),
        }
    }
}

/// A git repository at the top of a portfolio.
#[derive(Debug, Clone)]
pub(crate) struct Repository {
    root: PathBuf,
    git_dir: PathBuf,
}

/// The settings that would make git run a program, each set to nothing.
const DISARMED: &[&str] = &[
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.askPass=",
    "core.sshCommand=",
    "core.editor=false",
    "core.alternateRefsCommand=",
    "core.untrackedCache=false",
    "credential.helper=",
    "diff.external=",
    "gpg.program=false",
    "gpg.ssh.program=false",
    "gpg.x509.program=false",
    "log.showSignature=false",
    "log.decorate=false",
    "protocol.allow=never",
    "gc.auto=0",
    "maintenance.auto=false",
    "core.quotePath=false",
];

impl Repository {
    /// The repository whose `.git` is at the top of `root`, if it may be read.
    pub fn open(root: &Path) -> Result<Repository, GitError> {
        let dot_git = root.join(".git");
        let meta = match std::fs::symlink_metadata(&dot_git) {
            Ok(meta) => meta,
            Err(_) => return Err(GitError::NotRepository),
        };
        let root = std::fs::canonicalize(root)
            .map_err(|e| GitError::Refused(format!("cannot resolve the portfolio folder: {e}")))?;
        if meta.file_type().is_symlink() {
            return Err(GitError::Refused(
                ".git is a symlink, and a portfolio's history must be its own".into(),
            ));
        }
        if meta.is_dir() {
            return Ok(Repository {
                git_dir: root.join(".git"),
                root,
            });
        }
        if !meta.is_file() {
            return Err(GitError::Refused(
                ".git is neither a folder nor a file".into(),
            ));
        }
        // A worktree or submodule: `gitdir: PATH`, followed only when it stays inside.
        let text = crate::util::fs::read_text_capped(&dot_git, 4096, ".git file")
            .map_err(|e| GitError::Refused(e.to_string()))?;
        let target = text
            .lines()
            .find_map(|l| l.strip_prefix("gitdir:"))
            .map(str::trim)
            .ok_or_else(|| GitError::Refused(".git is a file without `gitdir:`".into()))?;
        let target = std::fs::canonicalize(root.join(target)).map_err(|_| {
            GitError::Refused(format!(".git points to {target}, which does not exist"))
        })?;
        if !target.starts_with(&root) || !target.is_dir() {
            return Err(GitError::Refused(format!(
                ".git points to {}, outside the portfolio",
                target.display()
            )));
        }
        Ok(Repository {
            git_dir: target,
            root,
        })
    }

    /// A `git` command on this repository with everything that could run a program set
    /// to nothing, and no configuration but the repository's own.
    pub fn command(&self) -> Command {
        let mut git = Command::new("git");
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("GIT_") {
                git.env_remove(name);
            }
        }
        git.current_dir(&self.root)
            .arg("--no-pager")
            .arg("--git-dir")
            .arg(&self.git_dir);
        for setting in DISARMED {
            git.args(["-c", setting]);
        }
        git.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env("GIT_PAGER", "cat")
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        git
    }

    fn spawn(&self, args: &[&str], stdin: Stdio) -> Result<Child, GitError> {
        self.command()
            .args(args)
            .stdin(stdin)
            .spawn()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => GitError::Missing,
                _ => GitError::Failed(format!("cannot run git: {e}")),
            })
    }

    /// Runs `git ARGS` and returns at most [`MAX_LISTING_BYTES`] of its output.
    fn output(&self, args: &[&str]) -> Result<Vec<u8>, GitError> {
        let mut child = self.spawn(args, Stdio::null())?;
        let stderr = child.stderr.take().map(capture);
        let mut out = Vec::new();
        let read = child
            .stdout
            .take()
            .map(|s| s.take(MAX_LISTING_BYTES + 1).read_to_end(&mut out));
        let too_long = out.len() as u64 > MAX_LISTING_BYTES;
        if too_long {
            let _ = child.kill();
        }
        let status = child
            .wait()
            .map_err(|e| GitError::Failed(format!("git did not finish: {e}")))?;
        let message = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
        if too_long {
            return Err(GitError::Failed(format!(
                "`git {}` printed more than {} MiB",
                args.first().copied().unwrap_or(""),
                MAX_LISTING_BYTES >> 20
            )));
        }
        if let Some(Err(e)) = read {
            return Err(GitError::Failed(format!("cannot read git's output: {e}")));
        }
        if !status.success() {
            return Err(GitError::Failed(format!(
                "`git {}`: {}",
                args.first().copied().unwrap_or(""),
                message.trim()
            )));
        }
        Ok(out)
    }

    /// Whether HEAD names a commit (a new repository has none yet).
    fn has_commits(&self) -> Result<bool, GitError> {
        match self.output(&["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]) {
            Ok(_) => Ok(true),
            Err(GitError::Failed(_)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// The date of the newest commit that touched each file under `folders`, by path
    /// relative to the repository's top.
    pub(crate) fn last_change_dates(
        &self,
        folders: &[String],
    ) -> Result<HashMap<String, String>, GitError> {
        let mut dates = HashMap::new();
        if !self.has_commits()? {
            return Ok(dates);
        }
        let mut args = vec![
            "log",
            "--no-renames",
            "--no-textconv",
            "--no-ext-diff",
            "--format=%x01%cs",
            "--name-only",
            "-z",
            "HEAD",
            "--",
        ];
        args.extend(folders.iter().map(String::as_str));
        let bytes = self.output(&args)?;
        let text = String::from_utf8_lossy(&bytes);
        let mut date: Option<&str> = None;
        for field in text.split('\0') {
            let field = field.trim_start_matches('\n');
            if let Some(d) = field.strip_prefix('\u{1}') {
                date = Some(d);
            } else if let Some(d) = date.filter(|_| !field.is_empty()) {
                // Newest first: the first date seen for a path is its last change.
                dates
                    .entry(field.to_string())
                    .or_insert_with(|| d.to_string());
            }
        }
        Ok(dates)
    }

    /// The first-parent history of HEAD, newest first: (commit id, committer date).
    pub fn history(&self) -> Result<Vec<(String, String)>, GitError> {
        if !self.has_commits()? {
            return Ok(Vec::new());
        }
        let bytes = self.output(&["log", "--first-parent", "--format=%H %cs", "HEAD"])?;
        Ok(String::from_utf8_lossy(&bytes)
            .lines()
            .filter_map(|l| {
                let (id, date) = l.split_once(' ')?;
                Some((id.to_string(), date.to_string()))
            })
            .collect())
    }

    /// The regular files under `folders` at `commit` (no symlinks, no submodules):
    /// (path, blob id, size in bytes).
    pub(crate) fn files_at(
        &self,
        commit: &str,
        folders: &[String],
    ) -> Result<Vec<(String, String, u64)>, GitError> {
        let mut args = vec!["ls-tree", "-r", "-z", "--long", commit, "--"];
        args.extend(folders.iter().map(String::as_str));
        let bytes = self.output(&args)?;
        Ok(String::from_utf8_lossy(&bytes)
            .split('\0')
            .filter_map(|entry| {
                // "<mode> blob <id> <size>\t<path>"
                let (meta, path) = entry.split_once('\t')?;
                let mut parts = meta.split_whitespace();
                let (mode, kind, id, size) =
                    (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
                let size = size.parse().ok()?;
                // Regular files only: a symlink's blob is its target, a submodule no file.
                let regular = kind == "blob" && matches!(mode, "100644" | "100755");
                regular.then(|| (path.to_string(), id.to_string(), size))
            })
            .collect())
    }

    /// Reads blobs by id through one `git cat-file --batch`, each capped at `max` bytes
    /// (a larger or missing one is `None`, unread), in the order asked.
    pub(crate) fn read_blobs(
        &self,
        ids: &[String],
        max: u64,
    ) -> Result<Vec<Option<Vec<u8>>>, GitError> {
        let mut child = self.spawn(&["cat-file", "--batch"], Stdio::piped())?;
        let stderr = child.stderr.take().map(capture);
        let (Some(mut stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(GitError::Failed("git cat-file has no pipes".into()));
        };
        let asked: Vec<String> = ids.to_vec();
        // Written from a thread so a full pipe on either side never blocks the other.
        let writer = std::thread::spawn(move || {
            for id in &asked {
                if writeln!(stdin, "{id}").is_err() {
                    break;
                }
            }
        });
        let result = read_batch(BufReader::new(stdout), ids.len(), max);
        if result.is_err() {
            let _ = child.kill();
        }
        let _ = writer.join();
        let _ = child.wait();
        let message = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
        result.map_err(|e| GitError::Failed(format!("git cat-file: {e} {}", message.trim())))
    }
}

fn read_batch(
    mut reader: impl BufRead,
    count: usize,
    max: u64,
) -> std::io::Result<Vec<Option<Vec<u8>>>> {
    let mut blobs = Vec::with_capacity(count);
    for _ in 0..count {
        let mut header = String::new();
        if (&mut reader).take(512).read_line(&mut header)? == 0 {
            return Err(std::io::Error::other("stopped early"));
        }
        // "<id> <type> <size>" or "<id> missing"
        let mut parts = header.split_whitespace().skip(1);
        let (kind, size) = (
            parts.next(),
            parts.next().and_then(|s| s.parse::<u64>().ok()),
        );
        let Some(size) = size else {
            blobs.push(None);
            continue;
        };
        let mut body = Vec::new();
        if size > max || kind != Some("blob") {
            std::io::copy(&mut (&mut reader).take(size), &mut std::io::sink())?;
        } else {
            (&mut reader).take(size).read_to_end(&mut body)?;
        }
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline)?;
        blobs.push((size <= max && kind == Some("blob")).then_some(body));
    }
    Ok(blobs)
}

/// Reads a child's standard error in the background (capped), so it never fills its pipe.
fn capture(mut stderr: std::process::ChildStderr) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let _ = (&mut stderr).take(64 << 10).read_to_end(&mut kept);
        let _ = std::io::copy(&mut stderr, &mut std::io::sink());
        String::from_utf8_lossy(&kept).into_owned()
    })
}
