//! What can go wrong: [`FatalError`] stops a command (exit code 2); a
//! [`Diagnostic`] is a problem found in one file, reported and carried on past, named
//! by its [`Code`].

pub mod code;
pub mod diagnostic;

pub use code::Code;
pub use diagnostic::{Diagnostic, Severity};

use std::fmt;
use std::io;
use std::sync::Arc;

/// What kind of thing stopped a command. Every kind exits with code 2 (the guide's
/// "senco could not run"); the kind lets a library caller tell them apart without
/// reading the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The command was asked for something it cannot do as written: a missing or
    /// malformed argument, an unknown framework or outcome named on the command line.
    Usage,
    /// Something the command needs is not there: no `portfolio.toml`, a missing folder,
    /// a file that is not part of the portfolio.
    NotFound,
    /// Reading or writing failed: permissions, a full disk, a socket or a file watcher.
    Io,
    /// A file senco reads is malformed: `portfolio.toml`, a framework, a theme,
    /// `cohort.toml`, a pack.
    Invalid,
    /// senco declines, to protect something: it never overwrites, never builds into the
    /// portfolio, never packs privacy findings unless told to.
    Refused,
}

/// A problem that stops senco from doing its job at all (exit code 2): no portfolio.toml,
/// an unreadable folder, a broken framework. Problems in evidence are [`Diagnostic`]s.
#[derive(Debug, Clone)]
pub struct FatalError {
    /// What went wrong, in the terms the exit code and the caller act on.
    pub kind: ErrorKind,
    /// What went wrong, naming the file or setting: `cannot read …: why`.
    pub message: String,
    /// What the user can do about it, printed under the message.
    pub help: Option<String>,
    /// The operating system's error behind an [`ErrorKind::Io`] (or a missing file), for
    /// [`std::error::Error::source`]. The message already says it in words.
    pub source: Option<Arc<io::Error>>,
    /// The code of an error the guide documents by name (`error[no-browser]`), when it
    /// has one.
    pub code: Option<Code>,
}

impl FatalError {
    /// An error of `kind`; the shorthands below name the kind in the call instead.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        FatalError {
            kind,
            message: message.into(),
            help: None,
            source: None,
            code: None,
        }
    }

    /// [`ErrorKind::Usage`].
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }

    /// [`ErrorKind::NotFound`].
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// [`ErrorKind::Invalid`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }

    /// [`ErrorKind::Refused`].
    pub fn refused(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Refused, message)
    }

    /// [`ErrorKind::Io`], or [`ErrorKind::NotFound`] when the file or folder is not
    /// there, keeping `source` as the error's source.
    pub fn io(message: impl Into<String>, source: io::Error) -> Self {
        let kind = match source.kind() {
            io::ErrorKind::NotFound => ErrorKind::NotFound,
            _ => ErrorKind::Io,
        };
        Self::new(kind, message).with_source(source)
    }

    /// Adds what to do about it: every error a user can fix should say how.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Names the error by a [`Code`] the guide documents.
    pub fn with_code(mut self, code: Code) -> Self {
        self.code = Some(code);
        self
    }

    pub(crate) fn with_source(mut self, source: io::Error) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// The same error with `prefix: ` before its message (a file name, say).
    pub fn prefixed(mut self, prefix: impl fmt::Display) -> Self {
        self.message = format!("{prefix}: {}", self.message);
        self
    }
}

/// Errors are equal when they say the same thing: kind, message and help (the source
/// is already in the message).
impl PartialEq for FatalError {
    fn eq(&self, other: &Self) -> bool {
        (self.kind, &self.message, &self.help) == (other.kind, &other.message, &other.help)
    }
}

impl Eq for FatalError {}

impl fmt::Display for FatalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\nhelp: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FatalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn io_errors_keep_their_source_and_say_not_found() {
        let missing = io::Error::new(io::ErrorKind::NotFound, "gone");
        let e = FatalError::io("cannot read x: gone", missing);
        assert_eq!(e.kind, ErrorKind::NotFound);
        assert_eq!(e.source().map(ToString::to_string).as_deref(), Some("gone"));
        let denied = io::Error::new(io::ErrorKind::PermissionDenied, "denied");
        assert_eq!(FatalError::io("cannot read x", denied).kind, ErrorKind::Io);
        assert!(FatalError::usage("bad").source().is_none());
    }

    #[test]
    fn display_is_the_message_then_the_help() {
        let e = FatalError::invalid("portfolio.toml is empty").with_help("write it");
        assert_eq!(e.to_string(), "portfolio.toml is empty\nhelp: write it");
        assert_eq!(e.prefixed("a").message, "a: portfolio.toml is empty");
    }
}
