//! A site of real Bacula daemons for the integration tests: Debian's
//! bacula-fd and bacula-sd and rdird on free 127.0.0.1 ports, each with a
//! configuration the test writes, and bconsole to talk to the Director.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

use super::free_port;

pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

pub struct Setup {
    pub fd: Proc,
    pub sd: Proc,
    pub dir: Proc,
    pub root: tempfile::TempDir,
    pub dir_port: u16,
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

pub fn spawn(program: &str, conf: &Path, log: &Path) -> Proc {
    Proc(super::spawn_daemon(program, conf, log))
}

pub fn wait_port(port: u16) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nothing listens on {port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the Director listens on `port`; what it said, if it never does.
pub fn wait_director(port: u16, log: &Path) {
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the Director never listened on {port}: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits until the daemon's log at `log` holds `needle`.
pub fn wait_log(log: &Path, needle: &str) {
    let started = Instant::now();
    while !std::fs::read_to_string(log).is_ok_and(|t| t.contains(needle)) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{} never said \"{needle}\"",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// bacula-fd, bacula-sd and rdird on free ports; `fd_password` is what
/// the Director's Client resource says (the daemon expects "fd-secret").
pub fn setup(fd_password: &str) -> Setup {
    setup_with(fd_password, None)
}

/// As `setup`, with a Scripts Directory holding `script` as DirStartUp.py.
pub fn setup_with(fd_password: &str, script: Option<&str>) -> Setup {
    setup_conf(fd_password, script, |_| String::new())
}

/// The test's folder and the daemons' ports, for more resources.
pub struct Place<'a> {
    pub root: &'a Path,
    pub fd_port: u16,
    pub sd_port: u16,
}

/// As `setup_with`, with more Director resources: `extra` returns them.
pub fn setup_conf(
    fd_password: &str,
    script: Option<&str>,
    extra: impl Fn(&Place<'_>) -> String,
) -> Setup {
    setup_site(fd_password, script, "", extra, &[])
}

/// As `setup_conf`, with more directives in the Director resource.
pub fn setup_director(
    fd_password: &str,
    script: Option<&str>,
    director_extra: &str,
    extra: impl Fn(&Place<'_>) -> String,
) -> Setup {
    setup_site(fd_password, script, director_extra, extra, &[])
}

/// As `setup_conf`, with more arguments for rdird (`-u nobody`); `extra`
/// runs after the site's folders exist and before rdird starts.
pub fn setup_conf_args(
    fd_password: &str,
    script: Option<&str>,
    extra: impl Fn(&Place<'_>) -> String,
    dir_args: &[&str],
) -> Setup {
    setup_site(fd_password, script, "", extra, dir_args)
}

/// The whole site: more Director directives, more resources, more
/// arguments for rdird.
pub fn setup_site(
    fd_password: &str,
    script: Option<&str>,
    director_extra: &str,
    extra: impl Fn(&Place<'_>) -> String,
    dir_args: &[&str],
) -> Setup {
    setup_site_sd(fd_password, script, director_extra, extra, dir_args, |_| {
        String::new()
    })
}

/// As `setup_site`, with more storage daemon resources: `sd_extra`
/// returns them (a Device of its own, say).
pub fn setup_site_sd(
    fd_password: &str,
    script: Option<&str>,
    director_extra: &str,
    extra: impl Fn(&Place<'_>) -> String,
    dir_args: &[&str],
    sd_extra: impl Fn(&Place<'_>) -> String,
) -> Setup {
    setup_site_for(
        Director::Rdird,
        fd_password,
        script,
        director_extra,
        extra,
        dir_args,
        sd_extra,
    )
}

/// A file daemon's configuration: `name` on `port`, its working folder
/// `dir` under the site's `root`.
fn fd_conf_text(root: &Path, name: &str, dir: &str, port: u16) -> String {
    format!(
        "Director {{\n  Name = test-dir\n  Password = \"fd-secret\"\n}}\n\
         FileDaemon {{\n  Name = {name}\n  Heartbeat Interval = 2\n  FDport = {port}\n  FDAddress = 127.0.0.1\n  WorkingDirectory = {0}/{dir}\n  Pid Directory = {0}/{dir}\n}}\n\
         Messages {{\n  Name = Standard\n  director = test-dir = all, !skipped, !restored\n}}\n",
        root.display()
    )
}

/// A second bacula-fd beside the site's, named `name`, on `port` (a
/// Client resource of the site's dir.conf names it), ready when this
/// returns.
pub fn spawn_fd(root: &Path, name: &str, port: u16) -> Proc {
    std::fs::create_dir_all(root.join(name)).unwrap();
    let conf = write(
        root,
        &format!("{name}.conf"),
        &fd_conf_text(root, name, name, port),
    );
    let fd = spawn(
        "/usr/sbin/bacula-fd",
        &conf,
        &root.join(format!("{name}.log")),
    );
    wait_port(port);
    fd
}

/// Which Director a site runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Director {
    Rdird,
    /// Debian's stock bacula-dir 9.6.7 with its SQLite backend.
    BaculaDir,
}

impl Director {
    fn program(self) -> &'static str {
        match self {
            Director::Rdird => env!("CARGO_BIN_EXE_rdird"),
            Director::BaculaDir => "/usr/sbin/bacula-dir",
        }
    }
}

/// As `setup_site_sd`, with `director` as the site's Director.
pub fn setup_site_for(
    director: Director,
    fd_password: &str,
    script: Option<&str>,
    director_extra: &str,
    extra: impl Fn(&Place<'_>) -> String,
    dir_args: &[&str],
    sd_extra: impl Fn(&Place<'_>) -> String,
) -> Setup {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let scripts = match script {
        Some(text) => {
            std::fs::create_dir_all(r.join("scripts")).unwrap();
            std::fs::write(r.join("scripts/DirStartUp.py"), text).unwrap();
            format!("  Scripts Directory = \"{}/scripts\"\n", r.display())
        }
        None => String::new(),
    } + director_extra;
    // Debian's QueryFile, unless the test gives its own.
    let query_file = if scripts.contains("QueryFile") {
        ""
    } else {
        "  QueryFile = \"/etc/bacula/scripts/query.sql\"\n"
    };
    for d in ["fd", "sd", "dir", "volumes", "data/sub"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    std::fs::write(r.join("data/a.txt"), "alpha\n".repeat(1000)).unwrap();
    std::fs::write(r.join("data/sub/b.txt"), "beta\n").unwrap();
    let (fd_port, sd_port, dir_port) = (free_port(), free_port(), free_port());
    let fd_conf = write(r, "fd.conf", &fd_conf_text(r, "test-fd", "fd", fd_port));
    let sd_conf = write(
        r,
        "sd.conf",
        &format!(
            "Storage {{\n  Name = test-sd\n  SDPort = {sd_port}\n  SDAddress = 127.0.0.1\n  WorkingDirectory = {0}/sd\n  Pid Directory = {0}/sd\n}}\n\
             Director {{\n  Name = test-dir\n  Password = \"sd-secret\"\n}}\n\
             Device {{\n  Name = FileDev\n  Media Type = File\n  Archive Device = {0}/volumes\n  LabelMedia = yes\n  Random Access = yes\n  AutomaticMount = yes\n  RemovableMedia = no\n  AlwaysOpen = no\n}}\n\
             Messages {{\n  Name = Standard\n  director = test-dir = all\n}}\n{1}",
            r.display(),
            sd_extra(&Place {
                root: r,
                fd_port,
                sd_port
            })
        ),
    );
    let more = extra(&Place {
        root: r,
        fd_port,
        sd_port,
    });
    // The Director's own Messages resource, unless the test gives its own.
    let daemon = if more.contains("Name = Daemon\n") {
        ""
    } else {
        "Messages { Name = Daemon; Console = all }\n"
    };
    let dir_conf = write(
        r,
        "dir.conf",
        &format!(
            "Director {{\n  Name = test-dir\n  DIRport = {dir_port}\n  DirAddress = 127.0.0.1\n  Password = \"console-secret\"\n  Maximum Console Connections = 60\n{query_file}  WorkingDirectory = \"{0}/dir\"\n  PidDirectory = \"{0}/dir\"\n  Messages = Daemon\n{scripts}}}\n\
             Catalog {{ Name = MyCatalog; DB Name = cat }}\n\
             {daemon}\
             Client {{ Name = test-fd; Address = 127.0.0.1; FD Port = {fd_port}; Password = \"{fd_password}\"; Catalog = MyCatalog }}\n\
             Client {{ Name = gone-fd; Address = 127.0.0.1; FD Port = 1; Password = x; Catalog = MyCatalog }}\n\
             Storage {{ Name = File; Address = 127.0.0.1; SD Port = {sd_port}; Password = \"sd-secret\"; Device = FileDev; Media Type = File; Maximum Concurrent Jobs = 10 }}\n\
             Pool {{ Name = Full; Pool Type = Backup; Label Format = \"Vol-\" }}\n\
             FileSet {{ Name = \"Set\"; Include {{ Options {{ Signature = MD5 }}\n  File = {0}/data\n}} }}\n\
             Job {{ Name = Backup; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }}\n\
             Pool {{ Name = Small; Pool Type = Backup; Label Format = \"Small-\"; Maximum Volume Bytes = 200K\n}}\n\
             FileSet {{ Name = \"Big\"; Include {{\n  File = {0}/big\n}} }}\n\
             Job {{ Name = Other; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }}\n\
             Storage {{ Name = Gone; Address = 127.0.0.1; SD Port = 1; Password = x; Device = FileDev; Media Type = File }}\n\
             Job {{ Name = NoStorage; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = Gone; Pool = Full; Messages = Daemon }}\n\
             Job {{ Name = Span; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Big\"; Storage = File; Pool = Small; Messages = Daemon }}\n{1}",
            r.display(),
            more
        ),
    );
    let fd = spawn("/usr/sbin/bacula-fd", &fd_conf, &r.join("fd.log"));
    let sd = spawn("/usr/sbin/bacula-sd", &sd_conf, &r.join("sd.log"));
    let dir = Proc(super::spawn_daemon_args(
        director.program(),
        dir_args,
        &dir_conf,
        &r.join("dir.log"),
    ));
    for p in [fd_port, sd_port] {
        wait_port(p);
    }
    wait_director(dir_port, &r.join("dir.log"));
    if director == Director::Rdird {
        // The port is bound before the catalog is opened (and before the
        // privileges are dropped): the Director serves once it says so.
        wait_log(&r.join("dir.log"), "listening for consoles");
    }
    Setup {
        fd,
        sd,
        dir,
        root,
        dir_port,
    }
}

impl Setup {
    /// bconsole's configuration for this Director, written once and whole
    /// (consoles started earlier may be reading it).
    pub fn bconsole_conf(&self) -> PathBuf {
        let conf = self.root.path().join("bconsole.conf");
        if !conf.exists() {
            let tmp = write(
                self.root.path(),
                "bconsole.conf.new",
                &format!(
                    "Director {{\n  Name = test-dir\n  DIRport = {}\n  address = 127.0.0.1\n  Password = \"console-secret\"\n}}\n",
                    self.dir_port
                ),
            );
            std::fs::rename(tmp, &conf).unwrap();
        }
        conf
    }

    pub fn console(&self, input: &str) -> String {
        super::bconsole(&self.bconsole_conf(), input)
    }

    /// As `console`, failing the test when the conversation (its jobs'
    /// `wait`s included) is not over within `limit`.
    pub fn console_within(&self, input: &str, limit: Duration) -> String {
        super::bconsole_within(&self.bconsole_conf(), input, limit)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// As `console_within`, for a test whose failure may be a Director
    /// that never answers again: on the deadline the Director is killed
    /// (SIGTERM may not stop a hung one) before the test fails.
    pub fn console_or_kill(&self, input: &str, limit: Duration) -> String {
        super::bconsole_within(&self.bconsole_conf(), input, limit).unwrap_or_else(|e| {
            unsafe { libc::kill(self.dir.0.id() as i32, libc::SIGKILL) };
            panic!("{e}; the Director was killed: {}", self.log())
        })
    }

    /// bconsole logged in as the Director's Console resource `name` with
    /// `password` (each pair's configuration written once and whole).
    pub fn console_as(&self, name: &str, password: &str, input: &str) -> String {
        let key: String = password.bytes().map(|b| format!("{b:02x}")).collect();
        let conf = self.root.path().join(format!("bconsole-{name}-{key}.conf"));
        if !conf.exists() {
            let tmp = write(
                self.root.path(),
                &format!("bconsole-{name}-{key}.conf.new"),
                &format!(
                    "Director {{\n  Name = test-dir\n  DIRport = {}\n  address = 127.0.0.1\n  Password = \"unused\"\n}}\n\
                     Console {{\n  Name = {name}\n  Password = \"{password}\"\n  Director = test-dir\n}}\n",
                    self.dir_port
                ),
            );
            std::fs::rename(tmp, &conf).unwrap();
        }
        super::bconsole(&conf, input)
    }

    /// As `console`, byte for byte.
    pub fn console_raw(&self, input: &[u8]) -> Vec<u8> {
        super::bconsole_raw(&self.bconsole_conf(), input)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("dir.log")).unwrap_or_default()
    }
}

impl Setup {
    /// Stops the site's Director with SIGTERM, as an init system does, and
    /// waits until it has exited.
    pub fn stop_director(&mut self) {
        unsafe { libc::kill(self.dir.0.id() as i32, libc::SIGTERM) };
        let _ = self.dir.0.wait();
    }

    /// Stops the site's Director and starts `director` on the same
    /// configuration (and so the same catalog); its output goes on in
    /// the same log.
    pub fn switch_director(&mut self, director: Director) {
        self.stop_director();
        let r = self.root.path();
        let before = self.log().len();
        let log = std::fs::OpenOptions::new()
            .append(true)
            .open(r.join("dir.log"))
            .unwrap();
        let child = std::process::Command::new(director.program())
            .arg("-f")
            .arg("-c")
            .arg(r.join("dir.conf"))
            .stdin(std::process::Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        self.dir = Proc(child);
        wait_director(self.dir_port, &r.join("dir.log"));
        if director == Director::Rdird {
            let started = Instant::now();
            while !self.log()[before..].contains("listening for consoles") {
                assert!(
                    started.elapsed() < Duration::from_secs(10),
                    "rdird never served: {}",
                    self.log()
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }

    /// The catalog rdird keeps, opened beside it.
    pub fn catalog(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.root.path().join("dir/cat.db")).unwrap()
    }

    /// The JobStatus the catalog holds for `job_id`.
    pub fn job_status(&self, job_id: i64) -> String {
        self.catalog()
            .query_row(
                "SELECT JobStatus FROM Job WHERE JobId = ?1",
                [job_id],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// `(path, name)` of the files a job's catalog records name.
    pub fn files(&self, job_id: i64) -> Vec<(String, String)> {
        let db = self.catalog();
        let mut q = db
            .prepare(
                "SELECT Path.Path, Filename.Name FROM File JOIN Path USING (PathId) JOIN Filename USING (FilenameId) WHERE JobId = ?1 ORDER BY 1, 2",
            )
            .unwrap();
        q.query_map([job_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

/// Every job report's Termination line in `out`, in order.
pub fn termination_lines(out: &str) -> Vec<&str> {
    out.lines()
        .filter_map(|l| l.trim_start().strip_prefix("Termination:"))
        .map(str::trim)
        .collect()
}

pub fn report_line<'a>(out: &'a str, label: &str) -> &'a str {
    out.lines()
        .rev()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .map(str::trim)
        .unwrap_or_else(|| panic!("no {label} in {out}"))
}

/// A Director configuration with no daemons behind it, listening on
/// `port`, working in `root/dir`; `extra` is added to it.
pub fn lone_director_conf(root: &Path, port: u16, extra: &str) -> PathBuf {
    std::fs::create_dir_all(root.join("dir")).unwrap();
    write(
        root,
        "lone-dir.conf",
        &format!(
            "Director {{\n  Name = lone-dir\n  DIRport = {port}\n  DirAddress = 127.0.0.1\n  Password = \"p\"\n  QueryFile = \"/etc/bacula/scripts/query.sql\"\n  WorkingDirectory = \"{0}/dir\"\n  PidDirectory = \"{0}/dir\"\n  Messages = Daemon\n}}\n\
             Catalog {{ Name = MyCatalog; DB Name = cat }}\n\
             Messages {{ Name = Daemon; Console = all }}\n\
             Client {{ Name = lone-fd; Address = 127.0.0.1; FD Port = 1; Password = x; Catalog = MyCatalog }}\n\
             Storage {{ Name = File; Address = 127.0.0.1; SD Port = 1; Password = x; Device = FileDev; Media Type = File }}\n\
             Pool {{ Name = Full; Pool Type = Backup }}\n\
             FileSet {{ Name = Set; Include {{ File = /etc }} }}\n\
             Job {{ Name = Backup; Type = Backup; Client = lone-fd; FileSet = Set; Storage = File; Pool = Full; Messages = Daemon }}\n{extra}",
            root.display()
        ),
    )
}

/// `len` bytes that do not compress, the same each time.
pub fn noise(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

/// A small tmpfs mounted on a folder until dropped (needs root).
pub struct SmallDisk(PathBuf);

impl SmallDisk {
    pub fn mount(at: &Path, size: &str) -> SmallDisk {
        let status = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .unwrap();
        assert!(
            status.success(),
            "mounting a {size} tmpfs on {} needs root",
            at.display()
        );
        SmallDisk(at.to_path_buf())
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
    }
}

/// Creates an SQLite catalog at `db` the way a Debian administrator does
/// for bacula-dir: the SQL of Debian's make_sqlite3_tables fed to sqlite3.
pub fn make_bacula_catalog(db: &Path) {
    use std::io::Write;
    let script = std::fs::read_to_string("/usr/share/bacula-director/make_sqlite3_tables")
        .expect("Debian's bacula-director package");
    let sql = script
        .split_once("<<END-OF-DATA\n")
        .and_then(|(_, rest)| rest.split_once("\nEND-OF-DATA"))
        .map(|(sql, _)| sql)
        .expect("the tables' SQL in make_sqlite3_tables");
    let mut child = std::process::Command::new("sqlite3")
        .arg(db)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("sqlite3");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sql.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "sqlite3 {}", db.display());
}

/// Admin jobs named `names`, which need neither client nor storage.
pub fn admin_jobs(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| {
            format!(
                "Job {{ Name = {n}; Type = Admin; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }}\n"
            )
        })
        .collect()
}

/// The JobIds a console's `run` answers named, in order.
pub fn job_ids(out: &str) -> Vec<i64> {
    out.lines()
        .filter_map(|l| l.split("JobId=").nth(1))
        .filter_map(|v| v.trim().parse().ok())
        .collect()
}

/// Whether a catalog JobStatus is one of a job not ended yet.
pub fn is_running(status: &str) -> bool {
    matches!(
        status,
        "C" | "R" | "c" | "d" | "j" | "s" | "p" | "F" | "S" | "m" | "M"
    )
}

/// Waits until job `id` has ended in the catalog; how long after `since`
/// it did. Fails past `limit`.
pub fn wait_ended(s: &Setup, id: i64, since: Instant, limit: Duration) -> Duration {
    loop {
        let status = s.job_status(id);
        if !is_running(&status) {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < limit,
            "JobId {id} still {status} after {limit:?}:\n{}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends SIGTERM to the site's Director; how long it took to stop. Past
/// 30 s it is killed and the test fails.
pub fn stop(s: &mut Setup) -> Duration {
    let started = Instant::now();
    unsafe { libc::kill(s.dir.0.id() as i32, libc::SIGTERM) };
    loop {
        if s.dir.0.try_wait().unwrap().is_some() {
            return started.elapsed();
        }
        if started.elapsed() > Duration::from_secs(30) {
            unsafe { libc::kill(s.dir.0.id() as i32, libc::SIGKILL) };
            panic!("the Director is still running 30 s after SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
