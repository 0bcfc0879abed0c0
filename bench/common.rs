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

/// A catalog with one Full backup (JobId 1, of Client web-fd) of `files`
/// files on one volume, 1,000 files a directory under /srv/data/.
pub fn make_catalog(path: &Path, files: i64) {
    let c = rdird::catalog::Catalog::open(path).expect("catalog");
    let tx = c.db().unchecked_transaction().unwrap();
    tx.execute_batch(
        "INSERT INTO Client (Name, Uname) VALUES ('web-fd', '');
         INSERT INTO Pool (Name, PoolType, LabelFormat) VALUES ('Full', 'Backup', '*');
         INSERT INTO FileSet (FileSet, MD5, CreateTime) VALUES ('Set', 'x', '2026-11-26 01:00:00');
         INSERT INTO Media (VolumeName, PoolId, MediaType, VolStatus, VolBytes) VALUES ('Vol-0001', 1, 'File', 'Full', 1);",
    )
    .unwrap();
    tx.execute(
        "INSERT INTO Job (Job, Name, Type, Level, ClientId, JobStatus, SchedTime, StartTime, EndTime, JobTDate, JobFiles, JobBytes, PoolId, FileSetId, VolSessionId, VolSessionTime)
         VALUES ('WebBackup.2026-11-26_01.00.00_01', 'WebBackup', 'B', 'F', 1, 'T', '2026-11-26 01:00:00', '2026-11-26 01:00:00', '2026-11-26 01:05:00', 1795600000, ?1, ?1, 1, 1, 1, 1795600000)",
        [files],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO JobMedia (JobId, MediaId, FirstIndex, LastIndex, StartFile, EndFile, StartBlock, EndBlock, VolIndex) VALUES (1, 1, 1, ?1, 0, 0, 200, 999999999, 1)",
        [files],
    )
    .unwrap();
    {
        let mut path = tx
            .prepare("INSERT INTO Path (PathId, Path) VALUES (?1, ?2)")
            .unwrap();
        for d in 0..=(files / 1000) {
            path.execute(rusqlite::params![d + 1, format!("/srv/data/d{d:04}/")])
                .unwrap();
        }
        let mut name = tx
            .prepare("INSERT INTO Filename (FilenameId, Name) VALUES (?1, ?2)")
            .unwrap();
        let mut file = tx
            .prepare("INSERT INTO File (FileIndex, JobId, PathId, FilenameId, LStat, MD5) VALUES (?1, 1, ?2, ?1, 'P4A mMz9 IGk B A A A LJ BAA I BrB7to BrB7g6 BrB7g6 A A C', '8M8qklFgRQJKDJkUeyjwWw')")
            .unwrap();
        for i in 1..=files {
            name.execute(rusqlite::params![i, format!("f{i:07}.dat")])
                .unwrap();
            file.execute(rusqlite::params![i, (i - 1) / 1000 + 1])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

/// The console password of the configurations below.
pub const PASSWORD: &str = "bench-secret";

/// A Director for the catalog of `make_catalog`: its client, pool,
/// FileSet, backup and restore Jobs (the daemons it names are not there).
pub fn web_config(dir: &Path, port: u16) -> String {
    let d = dir.display();
    format!(
        "Director {{ Name = bench-dir; DIRport = {port}; DirAddress = 127.0.0.1; Password = \"{PASSWORD}\"; QueryFile = \"/etc/bacula/scripts/query.sql\"; WorkingDirectory = \"{d}\"; PidDirectory = \"{d}\"; Messages = Daemon }}\n\
         Catalog {{ Name = MyCatalog; DB Name = bench; DB User = \"\"; DB Password = \"\" }}\n\
         Messages {{ Name = Daemon; Console = all }}\n\
         Client {{ Name = web-fd; Address = 127.0.0.1; FD Port = 1; Password = fdpw; Catalog = MyCatalog }}\n\
         Storage {{ Name = File; Address = 127.0.0.1; SD Port = 1; Password = sdpw; Device = Dev; Media Type = File }}\n\
         Pool {{ Name = Full; Pool Type = Backup }}\n\
         FileSet {{ Name = \"Set\"; Include {{ File = /srv }} }}\n\
         Job {{ Name = WebBackup; Type = Backup; Client = web-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }}\n\
         Job {{ Name = RestoreFiles; Type = Restore; Client = web-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = /tmp/bacula-restores }}\n"
    )
}
