//! rdird: a Bacula Director in one binary, with Python scripting in the
//! Director. The library holds everything; `main.rs` is the command line.

pub mod bnet;
pub mod catalog;
pub mod clock;
pub mod config;
pub mod console;
pub mod daemon;
pub mod director;
pub mod files;
pub mod inputs;
pub mod job;
pub mod logging;
pub mod memory;
pub mod messages;
pub mod peer;
pub mod privileges;
pub mod python;
pub mod restore;
pub mod volume;

/// `"<version> <build date>"`, as `bacula.Version` and `--version` say it.
pub const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " ", env!("RDIRD_BUILD_DATE"));
