//! The release binary that `make build` produces is one static file: no
//! shared library to install beside it.

use std::process::Command;

#[test]
fn release_binary_is_statically_linked() {
    let path = std::env::var("RDIRD_STATIC_BIN").expect(
        "RDIRD_STATIC_BIN names the binary `make build` produced (run the tests with make test)",
    );
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
