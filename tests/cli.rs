//! The `rdird` command line as an administrator uses it: bacula-dir's flags,
//! exit codes, and what is printed.

use std::path::Path;
mod common;

use common::{rdird, stderr};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn check_mode_is_silent_and_succeeds_on_a_good_file() {
    let o = rdird(&["-t", "-c", "examples/bacula-dir.conf"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty() && o.stderr.is_empty());
}

#[test]
fn the_config_file_may_be_given_without_c() {
    let o = rdird(&["-t", "examples/bacula-dir.conf"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn check_mode_fails_with_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("examples/bacula-dir.conf")
        .unwrap()
        .replace("Maximum Volume Bytes = 1G", "Maximum Volume Byte = 1G");
    let f = write(dir.path(), "bad.conf", &text);
    let o = rdird(&["-t", "-c", &f]);
    assert_eq!(o.status.code(), Some(1));
    let line = text
        .lines()
        .position(|l| l.contains("Volume Byte ="))
        .unwrap()
        + 1;
    assert!(
        stderr(&o).starts_with(&format!(
            "rdird: {f}:{line}:3: unknown directive \"MaximumVolumeByte\" in Pool \"Incremental\" (did you mean MaximumVolumeBytes?)\n    "
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_missing_config_file_is_named() {
    let o = rdird(&["-t", "-c", "/nonexistent/bacula-dir.conf"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "rdird: cannot open config file \"/nonexistent/bacula-dir.conf\": No such file or directory (os error 2)\n"
    );
}

#[test]
fn unacted_directives_are_warned_about_once_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("examples/bacula-dir.conf")
        .unwrap()
        .replace(
            "  Recycle = yes\n",
            "  Recycle = yes\n  Cleaning Prefix = CLN\n",
        );
    let f = write(dir.path(), "w.conf", &text);
    let o = rdird(&["-t", "-c", &f]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert_eq!(err.matches("warning: directive CleaningPrefix in Pool is accepted but rdird does not act on it yet").count(), 1, "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn debug_levels_and_timestamps_are_accepted() {
    for args in [
        vec!["-d", "100", "-t", "-c", "examples/bacula-dir.conf"],
        vec![
            "-d",
            "50,network,sql",
            "-dt",
            "-t",
            "-c",
            "examples/bacula-dir.conf",
        ],
        vec![
            "-dt",
            "-f",
            "-v",
            "-P",
            "-s",
            "-t",
            "-c",
            "examples/bacula-dir.conf",
        ],
    ] {
        let o = rdird(&args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn a_bad_debug_level_is_refused() {
    let o = rdird(&["-d", "lots", "-t", "-c", "examples/bacula-dir.conf"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "rdird: -d expects a debug level number, got \"lots\"\n"
    );
}

#[test]
fn an_unknown_user_is_refused() {
    let o = rdird(&[
        "-u",
        "no-such-user-rdird",
        "-t",
        "-c",
        "examples/bacula-dir.conf",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "rdird: user \"no-such-user-rdird\" does not exist\n"
    );
    let o = rdird(&[
        "-u",
        "root",
        "-g",
        "root",
        "-t",
        "-c",
        "examples/bacula-dir.conf",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn question_mark_and_help_print_usage() {
    for flag in ["-?", "--help"] {
        let o = rdird(&[flag]);
        assert!(o.status.success());
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("Usage: rdird"), "{out}");
        assert!(out.contains("check the configuration and exit"), "{out}");
    }
}

#[test]
fn version_prints_the_version() {
    let o = rdird(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("rdird {}\n", rdird::VERSION)
    );
}

#[test]
fn dump_of_one_kind_lists_only_that_kind() {
    let o = rdird(&["config", "dump", "-c", "examples/bacula-dir.conf", "Pool"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Pool"]["Name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Full", "Incremental"]);
}

#[test]
fn dump_of_one_resource_prints_its_directives() {
    let o = rdird(&[
        "config",
        "dump",
        "-c",
        "examples/bacula-dir.conf",
        "Pool",
        "Full",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["Name"], "Full");
    assert_eq!(v["MaximumVolumeBytes"], 5 * 1024 * 1024 * 1024u64);
    assert_eq!(v["VolumeRetention"], 365 * 86400);
}

#[test]
fn dump_resolves_jobdefs_into_jobs() {
    let o = rdird(&[
        "config",
        "dump",
        "-c",
        "examples/bacula-dir.conf",
        "Job",
        "BackupExample",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["Client"], "example-fd");
    assert_eq!(v["Level"], "Incremental");
    assert_eq!(
        v["Runscript"][0]["Command"],
        "/bin/echo starting %n at level %l"
    );
}

#[test]
fn dump_of_an_unknown_resource_is_an_error() {
    let o = rdird(&[
        "config",
        "dump",
        "-c",
        "examples/bacula-dir.conf",
        "Pool",
        "Nope",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stderr(&o), "rdird: no Pool resource named \"Nope\"\n");
    let o = rdird(&["config", "dump", "-c", "examples/bacula-dir.conf", "Poolz"]);
    assert_eq!(stderr(&o), "rdird: unknown resource kind \"Poolz\"\n");
}

#[test]
fn the_daemon_refuses_a_missing_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("gone");
    let text = std::fs::read_to_string("examples/bacula-dir.conf")
        .unwrap()
        .replace("\"/var/lib/rdird\"", &format!("\"{}\"", missing.display()));
    let f = write(dir.path(), "d.conf", &text);
    let o = rdird(&["-f", "-c", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "rdird: Working Directory \"{}\" not found; create it or fix the configuration\n",
            missing.display()
        )
    );
}
