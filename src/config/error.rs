//! Configuration errors and where they happened.
//!
//! Every error a user can make in a configuration file is reported as
//! `file:line:column: message`, followed by the offending line, so that an
//! editor can jump to it.

use std::fmt;

/// A place in a configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    /// The text of the line, for the message.
    pub text: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

/// An error in a configuration, with its place when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub location: Option<Location>,
    pub message: String,
}

impl ConfigError {
    pub fn at(location: Location, message: impl Into<String>) -> ConfigError {
        ConfigError {
            location: Some(location),
            message: message.into(),
        }
    }

    pub fn plain(message: impl Into<String>) -> ConfigError {
        ConfigError {
            location: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) if loc.line > 0 => {
                write!(f, "{loc}: {}", self.message)?;
                if !loc.text.is_empty() {
                    write!(f, "\n    {}", loc.text)?;
                }
                Ok(())
            }
            Some(loc) => write!(f, "{}: {}", loc.file, self.message),
            None => write!(f, "{}", self.message),
        }
    }
}

impl std::error::Error for ConfigError {}
