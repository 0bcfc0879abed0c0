//! The binary that `make build` produces is one static file of at most
//! 30 MiB: no shared library to install beside it, the whole standard
//! library inside.

use std::process::Command;

/// The binary `make build` produced.
fn shipped_binary() -> String {
    std::env::var("RDIRD_STATIC_BIN").expect(
        "RDIRD_STATIC_BIN names the binary `make build` produced (run the tests with make test)",
    )
}

#[test]
fn the_shipped_binary_is_at_most_30_mib() {
    let path = shipped_binary();
    let size = std::fs::metadata(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run make build)"))
        .len();
    assert!(
        size <= 30 * 1024 * 1024,
        "{path} is {size} bytes ({:.1} MiB), over 30 MiB",
        size as f64 / (1024.0 * 1024.0)
    );
}

#[test]
fn release_binary_is_statically_linked() {
    let path = shipped_binary();
    assert!(
        std::path::Path::new(&path).exists(),
        "{path} does not exist: run make build"
    );
    let out = Command::new("ldd").arg(&path).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("not a dynamic executable"),
        "ldd {path}: {text}"
    );
    let check = Command::new(&path)
        .args(["-t", "-c", "examples/bacula-dir.conf"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}
