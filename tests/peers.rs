//! rdird talking to Debian's stock bacula-fd and bacula-sd (packages
//! bacula-fd and bacula-sd, 9.6.7): the Hello, CRAM-MD5 both ways, and
//! their status through `status client` and `status storage` in bconsole.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::free_port;

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

struct Setup {
    _fd: Proc,
    _sd: Proc,
    _dir: Proc,
    root: tempfile::TempDir,
    dir_port: u16,
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn spawn(program: &str, conf: &Path, log: &Path) -> Proc {
    Proc(common::spawn_daemon(program, conf, log))
}

fn wait_port(port: u16) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// bacula-fd, bacula-sd and rdird on free ports; `fd_password` is what
/// the Director's Client resource says (the daemon expects "fd-secret").
fn setup(fd_password: &str) -> Setup {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    for d in ["fd", "sd", "dir", "volumes"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    let (fd_port, sd_port, dir_port) = (free_port(), free_port(), free_port());
    let fd_conf = write(
        r,
        "fd.conf",
        &format!(
            "Director {{\n  Name = test-dir\n  Password = \"fd-secret\"\n}}\n\
             FileDaemon {{\n  Name = test-fd\n  FDport = {fd_port}\n  FDAddress = 127.0.0.1\n  WorkingDirectory = {0}/fd\n  Pid Directory = {0}/fd\n}}\n\
             Messages {{\n  Name = Standard\n  director = test-dir = all, !skipped, !restored\n}}\n",
            r.display()
        ),
    );
    let sd_conf = write(
        r,
        "sd.conf",
        &format!(
            "Storage {{\n  Name = test-sd\n  SDPort = {sd_port}\n  SDAddress = 127.0.0.1\n  WorkingDirectory = {0}/sd\n  Pid Directory = {0}/sd\n}}\n\
             Director {{\n  Name = test-dir\n  Password = \"sd-secret\"\n}}\n\
             Device {{\n  Name = FileDev\n  Media Type = File\n  Archive Device = {0}/volumes\n  LabelMedia = yes\n  Random Access = yes\n  AutomaticMount = yes\n  RemovableMedia = no\n  AlwaysOpen = no\n}}\n\
             Messages {{\n  Name = Standard\n  director = test-dir = all\n}}\n",
            r.display()
        ),
    );
    let dir_conf = write(
        r,
        "dir.conf",
        &format!(
            "Director {{\n  Name = test-dir\n  DIRport = {dir_port}\n  DirAddress = 127.0.0.1\n  Password = \"console-secret\"\n  QueryFile = \"/etc/bacula/scripts/query.sql\"\n  WorkingDirectory = \"{0}/dir\"\n  PidDirectory = \"{0}/dir\"\n  Messages = Daemon\n}}\n\
             Catalog {{ Name = MyCatalog; DB Name = cat }}\n\
             Messages {{ Name = Daemon; Console = all }}\n\
             Client {{ Name = test-fd; Address = 127.0.0.1; FD Port = {fd_port}; Password = \"{fd_password}\"; Catalog = MyCatalog }}\n\
             Client {{ Name = gone-fd; Address = 127.0.0.1; FD Port = 1; Password = x; Catalog = MyCatalog }}\n\
             Storage {{ Name = File; Address = 127.0.0.1; SD Port = {sd_port}; Password = \"sd-secret\"; Device = FileDev; Media Type = File }}\n\
             Pool {{ Name = Full; Pool Type = Backup }}\n\
             FileSet {{ Name = \"Set\"; Include {{ File = /etc }} }}\n\
             Job {{ Name = Backup; Type = Backup; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }}\n",
            r.display()
        ),
    );
    let fd = spawn("/usr/sbin/bacula-fd", &fd_conf, &r.join("fd.log"));
    let sd = spawn("/usr/sbin/bacula-sd", &sd_conf, &r.join("sd.log"));
    let dir = spawn(env!("CARGO_BIN_EXE_rdird"), &dir_conf, &r.join("dir.log"));
    for p in [fd_port, sd_port, dir_port] {
        wait_port(p);
    }
    Setup {
        _fd: fd,
        _sd: sd,
        _dir: dir,
        root,
        dir_port,
    }
}

impl Setup {
    fn console(&self, input: &str) -> String {
        let conf = write(
            self.root.path(),
            "bconsole.conf",
            &format!(
                "Director {{\n  Name = test-dir\n  DIRport = {}\n  address = 127.0.0.1\n  Password = \"console-secret\"\n}}\n",
                self.dir_port
            ),
        );
        let mut child = Command::new("/usr/sbin/bconsole")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        let out = child.wait_with_output().unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("dir.log")).unwrap_or_default()
    }
}

#[test]
fn status_client_shows_the_file_daemons_report() {
    let s = setup("fd-secret");
    let out = s.console("status client=test-fd\n");
    assert!(
        out.contains("Connecting to Client test-fd at 127.0.0.1:"),
        "{out}"
    );
    assert!(out.contains("test-fd Version: 9.6.7"), "{out}");
    assert!(out.contains("Director connected at:"), "{out}");
}

#[test]
fn status_storage_shows_the_storage_daemons_report() {
    let s = setup("fd-secret");
    let out = s.console("status storage=File\n");
    assert!(
        out.contains("Connecting to Storage File at 127.0.0.1:"),
        "{out}"
    );
    assert!(out.contains("test-sd Version: 9.6.7"), "{out}");
    assert!(out.contains("Device File: \"FileDev\""), "{out}");
}

#[test]
fn a_wrong_client_password_is_reported_and_the_director_goes_on() {
    let s = setup("not-the-fd-secret");
    let out = s.console("status client=test-fd\nversion\n");
    assert!(
        out.contains("Failed to connect to Client test-fd: Client \"test-fd\" at 127.0.0.1:"),
        "{out}"
    );
    assert!(out.contains("test-dir Version: "), "{out}");
    assert!(
        s.log().contains("Client \"test-fd\" at 127.0.0.1:"),
        "{}",
        s.log()
    );
}

#[test]
fn an_unreachable_client_is_reported_and_the_director_goes_on() {
    let s = setup("fd-secret");
    let out = s.console("status client=gone-fd\nversion\n");
    assert!(out.contains("Failed to connect to Client gone-fd: Client \"gone-fd\" at 127.0.0.1:1: cannot connect"), "{out}");
    assert!(out.contains("test-dir Version: "), "{out}");
}
