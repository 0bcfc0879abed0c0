//! Entry points that take untrusted bytes whole: the configuration parser,
//! bnet packets, a console's login, console command lines, the storage
//! daemon's catalog requests and file attributes, Label Format expansion
//! and Schedule `Run =` lines. The fuzz targets drive them, and the tests
//! replay the saved inputs through them: any input must give a result or
//! an error, never a panic or a hang.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::bnet::{packet, rawtext, Connection};
use crate::config::Config;
use crate::director::Director;

/// A configuration file.
pub fn config(data: &[u8]) {
    // Includes (`@file`) would read the machine's files.
    if !data.contains(&b'@') {
        let _ = Config::parse_text("fuzz.conf", data);
    }
}

/// Packets off a connection, and a console's Hello in each.
pub fn bnet(data: &[u8]) {
    for p in packets(data) {
        let _ = crate::console::login::console_name(&p.text());
    }
}

/// The packets in `data`, as a connection reads them.
fn packets(data: &[u8]) -> Vec<packet::Packet> {
    let mut r = std::io::Cursor::new(data);
    let mut scratch = Vec::new();
    let mut out = Vec::new();
    while let Ok(p) = packet::read_packet(&mut r, &mut scratch) {
        out.push(p);
    }
    out
}

/// A Schedule resource whose `Run =` line is `data`.
pub fn schedule(data: &[u8]) {
    if data.contains(&b'@') || data.contains(&b'\n') {
        return;
    }
    let mut text = b"Schedule {\n  Name = S\n  Run = ".to_vec();
    text.extend_from_slice(data);
    text.extend_from_slice(b"\n}\n");
    let _ = Config::parse_text("fuzz.conf", &text);
}

/// A Label Format, with every job variable and one counter known.
pub fn label(data: &[u8]) {
    let format = rawtext::decode(data);
    let mut counter = 0u64;
    let _ = crate::volume::label::expand(&format, &mut |name| match name {
        "Year" => Some("2026".into()),
        "Month" | "Day" | "Hour" | "Minute" | "Second" => Some("07".into()),
        "WeekDay" => Some("4".into()),
        "Job" | "JobName" | "Dir" | "Storage" | "Client" | "Pool" | "Catalog" | "MediaType" => {
            Some(name.to_ascii_lowercase())
        }
        "Level" | "Type" => Some("Full".into()),
        "JobId" | "NumVols" => Some("12".into()),
        "Seq" => {
            counter += 1;
            Some(counter.to_string())
        }
        _ => None,
    });
}

/// The Director the console and catalog-request entry points talk to: a
/// configuration whose daemons are not there, and a catalog in a folder of
/// its own.
fn director() -> &'static Arc<Director> {
    static DIRECTOR: OnceLock<Arc<Director>> = OnceLock::new();
    DIRECTOR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("rdird-inputs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder for the catalog");
        let text = format!(
            "Director {{ Name = fuzz-dir; Password = pw; QueryFile = /dev/null; WorkingDirectory = \"{0}\"; PidDirectory = \"{0}\"; Messages = M }}\n\
             Catalog {{ Name = C; DB Name = cat }}\n\
             Messages {{ Name = M; Catalog = all }}\n\
             Client {{ Name = c-fd; Address = 127.0.0.1; FD Port = 1; Password = x; Catalog = C }}\n\
             Storage {{ Name = S; Address = 127.0.0.1; SD Port = 1; Password = x; Device = D; Media Type = File }}\n\
             Pool {{ Name = P; Pool Type = Backup; Label Format = \"V-\" }}\n\
             FileSet {{ Name = F; Include {{ File = /nonexistent }} }}\n\
             Job {{ Name = J; Type = Backup; Client = c-fd; FileSet = F; Storage = S; Pool = P; Messages = M }}\n\
             Console {{\n  Name = restricted\n  Password = pw2\n  CommandACL = list, status\n  JobACL = J\n  PoolACL = P\n}}\n\
             Console {{\n  Name = blank\n  Password = \"\"\n}}\n",
            dir.display()
        );
        let cfg = Config::parse_text("fuzz.conf", text.as_bytes()).expect("the fuzz configuration");
        Director::open(cfg).expect("the fuzz catalog")
    })
}

/// Commands that stay inside the Director (no job started, no daemon
/// asked, nothing waited for).
const LOCAL_COMMANDS: &[&str] = &[
    "list",
    "llist",
    "show",
    "help",
    "version",
    "messages",
    "update",
    "delete",
    "prune",
    ".jobs",
    ".clients",
    ".pools",
    ".storage",
    ".filesets",
    ".msgs",
    ".api",
    "cancel",
];

/// A console command line, from the full console and a restricted one.
pub fn command(data: &[u8]) {
    let line = rawtext::decode(data);
    let args = crate::console::Args::parse(&line);
    let Some(word) = args.command().map(str::to_ascii_lowercase) else {
        return;
    };
    // `purge` and `status` may ask a daemon; without `action=` and with
    // `dir` they do not.
    let local = LOCAL_COMMANDS.contains(&word.as_str())
        || (word == "purge" && !line.contains("action"))
        || (word == "status" && args.word(1).is_some_and(|w| w.eq_ignore_ascii_case("dir")));
    if !local {
        return;
    }
    let d = director();
    let full = crate::console::login::Login::director();
    let mut no = |_: &mut crate::console::Reply, _: &str| None;
    let _ = crate::console::execute(d, &full, &line, &mut no);
}

/// A loopback connection on which the far end has sent `data` and closed
/// its side; what the Director answers is read and dropped on a thread,
/// which `finish` waits for.
struct Loopback {
    conn: Connection,
    drain: std::thread::JoinHandle<()>,
}

impl Loopback {
    fn sending(data: &[u8], peer: &str) -> Loopback {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let mut far =
            TcpStream::connect(listener.local_addr().expect("its address")).expect("connect");
        let (near, _) = listener.accept().expect("accept");
        let _ = far.write_all(data);
        let _ = far.shutdown(std::net::Shutdown::Write);
        let drain = std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while matches!(far.read(&mut buf), Ok(n) if n > 0) {}
        });
        Loopback {
            conn: Connection::new(near, peer, Duration::from_millis(200)),
            drain,
        }
    }

    fn finish(mut self) {
        self.conn.close();
        let _ = self.drain.join();
    }
}

/// Volumes for the catalog requests: none to be had.
struct NoVolumes;

impl crate::peer::catreq::Volumes for NoVolumes {
    fn find(&mut self, _pool: &str) -> Result<String, String> {
        Err("no volume".into())
    }

    fn full(&mut self, _volume: &str) {}
}

/// What a storage daemon sends during a job (catalog requests, file
/// attributes, job messages, its end), read off a connection as a job
/// reads it.
pub fn catreq(data: &[u8]) {
    let d = director();
    let mut sd = Loopback::sending(data, "storage daemon (fuzz)");
    let mut volumes = NoVolumes;
    let mut handler = crate::peer::catreq::Handler::new(d, 1, None, &mut volumes);
    loop {
        match sd.conn.recv() {
            Ok(packet::Packet::Data(bytes)) => {
                if !matches!(handler.handle(&mut sd.conn, &bytes), Ok(false)) {
                    break;
                }
            }
            Ok(packet::Packet::Signal(_)) => {}
            Err(_) => break,
        }
    }
    sd.finish();
}

/// A console's side of the login: `data` is everything it sends (the
/// Director's own name, `restricted`, `blank` with an empty password, or
/// any name it does not know).
pub fn login(data: &[u8]) {
    let cfg = director().config();
    let mut console = Loopback::sending(data, "console (fuzz)");
    let _ =
        crate::console::login::login(&mut console.conn, &cfg, || Some(std::time::Duration::ZERO));
    console.finish();
}
