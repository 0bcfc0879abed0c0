//! Running the `rdird` binary the way an administrator does, for the
//! integration tests.

use std::process::{Command, Output};

/// Runs `rdird` with `args` and waits for it.
pub fn rdird(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rdird"))
        .args(args)
        .output()
        .unwrap()
}

/// What it printed on standard output.
#[allow(dead_code)] // not every test file reads standard output
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What it printed on standard error.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}
