//! Python scripting in the Director: the RustPython script host, the
//! `bacula` module and Job object scripts see, and the legacy-dialect front
//! end. It implements the job engine's events interface
//! (`job::events::ScriptEvents`) on the job engine's types; nothing outside
//! the Director's start-up and the `python` console command depends on it.

pub mod child;
mod dialect;
pub mod host;
mod importer;
mod interpreter;
pub mod job;
pub mod legacy;
pub mod load;
mod memory;
pub mod module;
pub mod output;
mod pool;
mod protocol;
pub mod simulate;
mod stdlib;
mod watchdog;
mod worker;

pub use host::{HostConfig, ScriptHost};
