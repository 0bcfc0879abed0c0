//! `rdird config dump` against Bacula's own `bdirjson` (Debian package
//! bacula-director) on real configuration files: Debian's stock
//! bacula-dir.conf, examples/bacula-dir.conf, and tests/data/everything.conf,
//! which uses nearly every directive. `rdird -t` must accept each of them.
//!
//! Compared as parsed JSON, every resource and every directive. What is left
//! out, and why:
//! - rdird's own directives (Python Event Timeout, Python Legacy Syntax) are
//!   removed from the copy bdirjson reads, since Bacula does not know them,
//!   and from rdird's dump of the original.
//! - Bacula's deprecated lower-case spellings whose value bdirjson never
//!   prints (fullmaxwaittime, …) are not used: rdird prints them under the
//!   current name instead.
//! - Where Bacula 9.6 rejects what rdird accepts (negative Counter Minimum,
//!   several devices on one `Device =` line), the file uses the form both
//!   accept.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

const BDIRJSON: &str = "/usr/lib/bacula/bdirjson";

fn rdird() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rdird"))
}

fn bdirjson(config: &Path) -> Value {
    let out = Command::new(BDIRJSON)
        .arg("-c")
        .arg(config)
        .output()
        .unwrap_or_else(|e| panic!("{BDIRJSON} (package bacula-director) is needed: {e}"));
    assert!(
        out.status.success(),
        "bdirjson refused {}: {}",
        config.display(),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).expect("bdirjson prints JSON")
}

fn rdird_dump(config: &Path) -> Value {
    let out = rdird()
        .args(["config", "dump", "-c"])
        .arg(config)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rdird config dump failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("rdird prints JSON")
}

fn assert_test_mode_is_silent(config: &Path) {
    let out = rdird().arg("-t").arg("-c").arg(config).output().unwrap();
    assert!(
        out.status.success(),
        "rdird -t failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "rdird -t printed {:?}", out.stdout);
}

/// Reports the first resource that differs, for a readable failure.
fn assert_same(bacula: &Value, ours: &Value) {
    let (Value::Array(b), Value::Array(o)) = (bacula, ours) else {
        panic!("both dumps are lists");
    };
    for (x, y) in b.iter().zip(o.iter()) {
        assert_eq!(x, y, "bdirjson (left) and rdird (right) differ");
    }
    assert_eq!(b.len(), o.len(), "number of resources");
}

/// A copy of `text` that bdirjson can read: our directives removed and
/// @WORKDIR@ pointing at an existing directory (Bacula insists on it).
fn for_bacula(text: &str, workdir: &Path) -> String {
    text.lines()
        .filter(|l| !l.trim_start().to_ascii_lowercase().starts_with("python "))
        .map(|l| l.replace("@WORKDIR@", &workdir.display().to_string()))
        .map(|l| l.replace("\"/var/lib/rdird\"", &format!("\"{}\"", workdir.display())))
        .collect::<Vec<_>>()
        .join("\n")
}

fn compare_file(source: &Path) {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join("scripts")).unwrap();
    let text = fs::read_to_string(source).unwrap();
    let copy = dir.path().join("bacula-dir.conf");
    fs::write(&copy, for_bacula(&text, dir.path())).unwrap();
    assert_test_mode_is_silent(&copy);
    assert_same(&bdirjson(&copy), &rdird_dump(&copy));
}

#[test]
fn debian_stock_configuration_matches_bdirjson() {
    let stock = Path::new("/etc/bacula/bacula-dir.conf");
    assert!(stock.exists(), "Debian's bacula-director package is needed");
    assert_test_mode_is_silent(stock);
    assert_same(&bdirjson(stock), &rdird_dump(stock));
}

#[test]
fn example_configuration_matches_bdirjson() {
    compare_file(Path::new("examples/bacula-dir.conf"));
}

#[test]
fn example_configuration_checks_as_is() {
    assert_test_mode_is_silent(Path::new("examples/bacula-dir.conf"));
}

#[test]
fn rdird_directives_appear_in_the_dump_of_the_example() {
    let dump = rdird_dump(Path::new("examples/bacula-dir.conf"));
    let director = &dump[0]["Director"];
    assert_eq!(director["PythonEventTimeout"], 30);
    assert_eq!(director["PythonLegacySyntax"], true);
    assert_eq!(director["ScriptsDirectory"], "examples/scripts");
}

#[test]
fn configuration_with_nearly_every_directive_matches_bdirjson() {
    compare_file(Path::new("tests/data/everything.conf"));
}
