//! rdird: a Bacula Director in one binary, with Python scripting in the
//! Director. The library holds everything; `main.rs` is the command line.

pub mod config;
pub mod logging;
