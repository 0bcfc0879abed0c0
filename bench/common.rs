//! What the Director benchmarks share: free ports, starting and stopping
//! daemons, and a console login as bconsole does it. Not every benchmark
//! uses every helper.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdird::bnet::{cram, Connection, Packet, Signal};

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `port`.
pub fn wait_listening(port: u16) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
}

/// Logs in to a Director's console port as bconsole does.
pub fn login(port: u16, password: &str) -> Connection {
    let s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut c = Connection::new(s, "director", Duration::from_secs(600));
    let key = cram::password_key(password);
    c.send("Hello *UserAgent* calling 100\n").unwrap();
    cram::answer_peer(&mut c, &key).expect("director accepts the password");
    cram::challenge_peer(&mut c, "bench-console", &key).expect("director knows the password");
    let greeting = c.recv_text().unwrap();
    assert!(greeting.starts_with("1000 OK"), "{greeting}");
    c
}

/// Sends a console command and reads its whole answer.
pub fn command(c: &mut Connection, command: &str) -> String {
    c.send(command).unwrap();
    let mut out = String::new();
    loop {
        match c.recv().unwrap() {
            Packet::Data(d) => out.push_str(&String::from_utf8_lossy(&d)),
            Packet::Signal(Signal::Eod) => return out,
            Packet::Signal(_) => {}
        }
    }
}

/// Starts `program args -c conf` with its output in `log` (or nowhere).
pub fn start(program: &str, args: &[&str], conf: &Path, log: Option<&Path>) -> Child {
    let (out, err) = match log {
        Some(p) => {
            let f = std::fs::File::create(p).unwrap();
            (Stdio::from(f.try_clone().unwrap()), Stdio::from(f))
        }
        None => (Stdio::null(), Stdio::null()),
    };
    Command::new(program)
        .args(args)
        .arg("-c")
        .arg(conf)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

/// Stops a daemon: SIGTERM, then SIGKILL if it has not gone in 5 s (a
/// Director may wait on a job that cannot reach its daemons).
pub fn stop(mut c: Child) {
    unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
    let asked = Instant::now();
    while asked.elapsed() < Duration::from_secs(5) {
        if let Ok(Some(_)) = c.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = c.kill();
    let _ = c.wait();
}

/// A Director's folder under `base` with a copy of the `seed` catalog
/// (as `bench.db`) and its configuration (from `config`, given the folder
/// and a free port): the folder, the port and the configuration's path.
pub fn director_dir(
    base: &Path,
    who: &str,
    seed: &Path,
    config: impl Fn(&Path, u16) -> String,
) -> (std::path::PathBuf, u16, std::path::PathBuf) {
    let dir = base.join(who);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(seed, dir.join("bench.db")).unwrap();
    let port = free_port();
    let conf = dir.join("bacula-dir.conf");
    std::fs::write(&conf, config(&dir, port)).unwrap();
    (dir, port, conf)
}
