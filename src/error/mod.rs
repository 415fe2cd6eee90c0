//! What can go wrong: [`FatalError`] stops a command (exit code 2); a
//! [`Diagnostic`] is a problem found in one file, reported and carried on past.

pub mod diagnostic;

pub use diagnostic::{Diagnostic, Severity};

use std::fmt;

/// A problem that stops senco from doing its job at all (exit code 2): no portfolio.toml,
/// an unreadable folder, a broken framework. Problems in evidence are [`Diagnostic`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FatalError {
    pub message: String,
    pub help: Option<String>,
}

impl FatalError {
    pub fn new(message: impl Into<String>) -> Self {
        FatalError {
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl fmt::Display for FatalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\nhelp: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FatalError {}
