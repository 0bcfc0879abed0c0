//! A configuration that asks for TLS makes rdird refuse to start (and
//! `rdird -t` fail), naming the file, the line and the resource: rdird
//! does not speak TLS yet, and talking in clear text to a peer the
//! administrator meant to encrypt would fail open.

mod common;

use common::site::*;

/// The lone Director's configuration with `directive` added to the
/// resource named by `kind` (a new Client, Storage or Console, or the
/// Director itself); the line it is on.
fn conf_with(
    root: &std::path::Path,
    port: u16,
    kind: &str,
    directive: &str,
) -> (std::path::PathBuf, usize) {
    let extra = match kind {
        "Client" => format!("Client {{\n  Name = tls-fd\n  Address = 127.0.0.1\n  Password = x\n  Catalog = MyCatalog\n  {directive}\n}}\n"),
        "Storage" => format!("Storage {{\n  Name = tls-sd\n  Address = 127.0.0.1\n  Password = x\n  Device = D\n  Media Type = File\n  {directive}\n}}\n"),
        "Console" => format!("Console {{\n  Name = tls-con\n  Password = x\n  {directive}\n}}\n"),
        _ => String::new(),
    };
    let conf = lone_director_conf(root, port, &extra);
    if kind == "Director" {
        let text = std::fs::read_to_string(&conf).unwrap();
        std::fs::write(
            &conf,
            text.replacen(
                "  Messages = Daemon\n",
                &format!("  Messages = Daemon\n  {directive}\n"),
                1,
            ),
        )
        .unwrap();
    }
    let text = std::fs::read_to_string(&conf).unwrap();
    let line = text.lines().position(|l| l.trim() == directive).unwrap() + 1;
    (conf, line)
}

#[test]
fn tls_require_in_any_resource_that_makes_connections_stops_rdird_and_names_file_line_and_resource()
{
    for (kind, name) in [
        ("Client", "Client \"tls-fd\""),
        ("Storage", "Storage \"tls-sd\""),
        ("Console", "Console \"tls-con\""),
        ("Director", "Director \"lone-dir\""),
    ] {
        let root = tempfile::tempdir().unwrap();
        let port = common::free_port();
        let (conf, line) = conf_with(root.path(), port, kind, "TLS Require = yes");
        let want = format!(
            "{}:{line}:3: {name} asks for TLS (TLS Require = yes), which rdird does not implement yet: it refuses to start rather than talk to this peer in clear text",
            conf.display()
        );
        let checked = common::rdird(&["-t", "-c", conf.to_str().unwrap()]);
        assert!(!checked.status.success(), "{kind}: -t accepted it");
        assert!(
            common::stderr(&checked).contains(&want),
            "{kind}: {}",
            common::stderr(&checked)
        );
        let started = common::rdird(&["-f", "-c", conf.to_str().unwrap()]);
        assert!(!started.status.success(), "{kind}: rdird started");
        assert!(
            common::stderr(&started).contains(&want),
            "{kind}: {}",
            common::stderr(&started)
        );
        assert!(!root.path().join("dir/cat.db").exists(), "{kind}");
    }
}

#[test]
fn tls_enable_and_tls_authenticate_are_refused_too_and_tls_enable_no_is_only_a_warning() {
    let root = tempfile::tempdir().unwrap();
    for directive in ["TLS Enable = yes", "TLS Authenticate = yes"] {
        let (conf, line) = conf_with(root.path(), common::free_port(), "Client", directive);
        let out = common::rdird(&["-t", "-c", conf.to_str().unwrap()]);
        assert!(!out.status.success(), "{directive} accepted");
        let err = common::stderr(&out);
        assert!(
            err.contains(&format!(
                ":{line}:3: Client \"tls-fd\" asks for TLS ({directive})"
            )),
            "{err}"
        );
    }
    let (conf, line) = conf_with(
        root.path(),
        common::free_port(),
        "Client",
        "TLS Enable = no",
    );
    let out = common::rdird(&["-t", "-c", conf.to_str().unwrap()]);
    let err = common::stderr(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!(":{line}:3: warning: directive TlsEnable in Client is accepted but rdird does not act on it yet")),
        "{err}"
    );
}
