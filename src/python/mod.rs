//! Python scripting in the Director: the RustPython script host, the
//! `bacula` module and Job object scripts see, and the legacy-dialect front
//! end. This module only translates between the Director's job state and
//! Python; Director logic stays in the Director.

pub mod host;
pub mod job;
pub mod legacy;
pub mod module;
pub mod names;
pub mod output;
pub mod simulate;
pub mod state;
mod watchdog;

pub use host::{EventOutcome, HostConfig, ScriptHost};
pub use state::{CatalogRes, Director, JobData, JobEvent, JobState};
