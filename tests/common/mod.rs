//! Running the `rdird` binary the way an administrator does, for the
//! integration tests; not every test file uses every helper.
#![allow(dead_code)]

pub mod postgres;
pub mod procfs;
pub mod site;
pub mod tls;
pub mod tree;

use std::process::{Command, Output};

/// Runs `rdird` with `args` and waits for it.
pub fn rdird(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rdird"))
        .args(args)
        .output()
        .unwrap()
}

/// What it printed on standard output.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// What it printed on standard error.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A 127.0.0.1 port no other test of this run was given.
pub fn free_port() -> u16 {
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut given = GIVEN.lock().unwrap();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

/// Starts `program -f -c conf` (a Director or a Bacula daemon) in the
/// foreground with its output in `log`.
pub fn spawn_daemon(
    program: &str,
    conf: &std::path::Path,
    log: &std::path::Path,
) -> std::process::Child {
    spawn_daemon_args(program, &[], conf, log)
}

/// As `spawn_daemon`, with more arguments before `-c`.
pub fn spawn_daemon_args(
    program: &str,
    args: &[&str],
    conf: &std::path::Path,
    log: &std::path::Path,
) -> std::process::Child {
    let log = std::fs::File::create(log).unwrap();
    Command::new(program)
        .arg("-f")
        .args(args)
        .arg("-c")
        .arg(conf)
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

/// Runs Debian's bconsole with the configuration `conf` and `input` on
/// its standard input; what it printed on both outputs.
pub fn bconsole(conf: &std::path::Path, input: &str) -> String {
    String::from_utf8_lossy(&bconsole_raw(conf, input.as_bytes())).into_owned()
}

/// Debian's bconsole on `conf`, with all three standard streams piped.
fn spawn_bconsole(conf: &std::path::Path) -> std::process::Child {
    Command::new("/usr/sbin/bconsole")
        .arg("-c")
        .arg(conf)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bconsole (package bacula-console) is needed")
}

/// As `bconsole`, byte for byte (for names that are not UTF-8).
pub fn bconsole_raw(conf: &std::path::Path, input: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = spawn_bconsole(conf);
    // Written beside the reading: a long input can fill bconsole's output
    // pipe before bconsole has read it all.
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out.stdout.extend_from_slice(&out.stderr);
    out.stdout
}

/// As `bconsole`, for a conversation that must end within `limit`: what
/// bconsole printed, or the error that it was still running (then it is
/// killed).
pub fn bconsole_within(
    conf: &std::path::Path,
    input: &str,
    limit: std::time::Duration,
) -> Result<String, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let asked = input.to_string();
    let mut child = spawn_bconsole(conf);
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(asked.as_bytes());
        drop(stdin);
        let mut out = child.wait_with_output().unwrap();
        out.stdout.extend_from_slice(&out.stderr);
        let _ = tx.send(String::from_utf8_lossy(&out.stdout).into_owned());
    });
    rx.recv_timeout(limit).map_err(|_| {
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        format!("bconsole still waited after {limit:?} for: {input:?}")
    })
}
