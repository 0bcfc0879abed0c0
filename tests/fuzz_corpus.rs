//! Replays the fuzzers' saved corpora (fuzz/corpus/<target>) and the inputs
//! they once crashed on (fuzz/regressions/<target>) through the same entry
//! points (`rdird::inputs`): every input must give a result or an error,
//! never a panic.

use std::fs;
use std::path::Path;

/// Runs every saved input of `target` through `entry`; how many there were.
fn replay(target: &str, entry: fn(&[u8])) -> usize {
    let mut n = 0;
    for dir in ["fuzz/corpus", "fuzz/regressions"] {
        let Ok(entries) = fs::read_dir(Path::new(dir).join(target)) else {
            continue;
        };
        for entry_file in entries {
            let path = entry_file.unwrap().path();
            let data = fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| entry(&data));
            assert!(result.is_ok(), "{target} panicked on {}", path.display());
            n += 1;
        }
    }
    n
}

#[test]
fn saved_configurations_never_panic_the_parser() {
    let n = replay("config", rdird::inputs::config);
    assert!(
        n >= 3,
        "the corpus holds at least the three seed configurations, found {n}"
    );
}

#[test]
fn saved_packets_never_panic_the_packet_reader() {
    let n = replay("bnet", rdird::inputs::bnet);
    assert!(
        n >= 4,
        "the corpus holds at least the four seed inputs, found {n}"
    );
}

#[test]
fn saved_logins_never_panic_the_login() {
    let n = replay("login", rdird::inputs::login);
    assert!(n >= 4, "found {n}");
}

#[test]
fn saved_command_lines_never_panic_the_console() {
    let n = replay("command", rdird::inputs::command);
    assert!(n >= 18, "found {n}");
}

#[test]
fn saved_storage_daemon_requests_never_panic_the_catalog_side() {
    let n = replay("catreq", rdird::inputs::catreq);
    assert!(n >= 10, "found {n}");
}

#[test]
fn saved_label_formats_never_panic_the_expansion() {
    let n = replay("label", rdird::inputs::label);
    assert!(n >= 10, "found {n}");
}

#[test]
fn saved_run_lines_never_panic_the_schedule_parser() {
    let n = replay("schedule", rdird::inputs::schedule);
    assert!(n >= 11, "found {n}");
}
