//! bat, Debian's Bacula Administration Tool (bacula-console-qt), as an
//! administrator runs it against rdird: on a virtual X display (Xvfb),
//! with Debian's stock bat.conf pointed at the site's Director (address,
//! port and password changed, nothing else), after one real backup. The
//! test moves through bat's pages as a user does (its page tree on the
//! left, with xdotool), keeps a screenshot of each in
//! `<target>/test-artifacts/bat/` (CARGO_TARGET_DIR, else the
//! repository's target/), and checks what rdird logged: the session, the
//! commands each page sends, and no command answered as invalid.
//! Pixels are not read: the images are for people.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::site::*;

/// Where the screenshots are kept after the test.
fn artifacts() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("test-artifacts/bat");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// An X display of its own: Xvfb on the first free display number.
struct Display {
    _server: Proc,
    name: String,
}

fn display() -> Display {
    for n in 90..200 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists()
            || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        {
            continue;
        }
        let server = Proc(
            Command::new("Xvfb")
                .arg(format!(":{n}"))
                .args(["-screen", "0", "1280x1024x24", "-nolisten", "tcp"])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("Xvfb (Debian's xvfb)"),
        );
        let started = Instant::now();
        while !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "Xvfb :{n} never started"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        return Display {
            _server: server,
            name: format!(":{n}"),
        };
    }
    panic!("no free X display between :90 and :199");
}

impl Display {
    fn run(&self, program: &str, args: &[&str]) -> String {
        let out = Command::new(program)
            .args(args)
            .env("DISPLAY", &self.name)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The id of bat's main window, once it is shown.
    fn bat_window(&self) -> String {
        let started = Instant::now();
        loop {
            let found = self.run(
                "xdotool",
                &[
                    "search",
                    "--onlyvisible",
                    "--name",
                    "bat - Bacula Admin Tool",
                ],
            );
            if let Some(id) = found.lines().next() {
                return id.to_string();
            }
            // Generous: on a loaded machine Qt takes its time to start.
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "bat never showed its window"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Clicks at `x, y` inside `window`.
    fn click(&self, window: &str, x: u32, y: u32) {
        self.run(
            "xdotool",
            &[
                "mousemove",
                "--window",
                window,
                &x.to_string(),
                &y.to_string(),
                "click",
                "1",
            ],
        );
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["key"];
        args.extend_from_slice(keys);
        self.run("xdotool", &args);
    }

    /// A screenshot of the whole display as `<name>.png`; its size.
    fn screenshot(&self, name: &str) -> u64 {
        let path = artifacts().join(format!("{name}.png"));
        let status = Command::new("import")
            .args(["-window", "root"])
            .arg(&path)
            .env("DISPLAY", &self.name)
            .status()
            .expect("import (Debian's imagemagick)");
        assert!(status.success(), "import {}", path.display());
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
    }
}

/// The commands rdird logged that its consoles sent, in order.
fn commands_sent(s: &Setup) -> Vec<String> {
    s.log()
        .lines()
        .filter_map(|l| l.split_once(" sent: ").map(|(_, c)| c.to_string()))
        .collect()
}

/// Waits until a command starting with `prefix` has reached rdird.
fn wait_command(s: &Setup, prefix: &str, page: &str) {
    let started = Instant::now();
    while !commands_sent(s).iter().any(|c| c.starts_with(prefix)) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "bat's {page} page never sent {prefix:?}; rdird got: {:#?}",
            commands_sent(s)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // What bat does with the answer takes it a moment more.
    std::thread::sleep(Duration::from_millis(700));
}

/// Debian's stock bat.conf, with only the Director's address, port and
/// password changed.
fn bat_conf(s: &Setup) -> PathBuf {
    let stock = std::fs::read_to_string("/etc/bacula/bat.conf").expect("Debian's bat.conf");
    let conf: String = stock
        .lines()
        .map(|l| match l.trim_start().split_once('=') {
            Some((k, _)) if k.trim().eq_ignore_ascii_case("DIRport") => {
                format!("  DIRport = {}", s.dir_port)
            }
            Some((k, _)) if k.trim().eq_ignore_ascii_case("address") => {
                "  address = 127.0.0.1".to_string()
            }
            Some((k, _)) if k.trim().eq_ignore_ascii_case("Password") => {
                "  Password = \"console-secret\"".to_string()
            }
            _ => l.to_string(),
        })
        .map(|l| l + "\n")
        .collect();
    write(s.root.path(), "bat.conf", &conf)
}

/// bat's page tree, top to bottom, as window coordinates of each entry
/// (bat places its main window and tree the same way each time), with
/// the command each page sends first once opened.
const PAGES: &[(&str, u32, &str)] = &[
    ("clients", 176, ".sql query=\"SELECT Name, FileRetention"),
    ("filesets", 195, ".sql query=\"SELECT FileSet AS Name"),
    ("jobs", 214, ".defaults job=\"Backup\""),
    ("jobs-run", 232, ".sql query=\"SELECT Job.JobId AS JobId"),
    ("pools", 252, ".sql query=\"SELECT Pool.Name AS pul"),
    ("media", 271, ".sql query=\"SELECT VolumeName, InChanger"),
    ("storage", 290, ".sql query=\"SELECT Name AS StorageName"),
];

#[test]
fn bat_connects_loads_its_pages_and_opens_the_restore_browser_with_every_command_answered() {
    let s = setup_site("fd-secret", None, "", |_| String::new(), &["-d", "50"]);
    let out = s.console("run job=Backup yes\nwait\n");
    assert!(out.contains("Job queued. JobId=1"), "{out}");
    assert_eq!(s.job_status(1), "T", "{out}");

    let x = display();
    let home = s.root.path().join("bat-home");
    std::fs::create_dir_all(&home).unwrap();
    let _bat = Proc(
        Command::new("/usr/sbin/bat")
            .arg("-c")
            .arg(bat_conf(&s))
            .env("DISPLAY", &x.name)
            .env("HOME", &home)
            .env("XDG_RUNTIME_DIR", &home)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("/usr/sbin/bat (Debian's bacula-console-qt)"),
    );
    let window = x.bat_window();
    // bat's first commands, after `.api 1`, fill its lists; each waits
    // for the Director's BNET_MAIN_PROMPT before the next is sent.
    wait_command(&s, ".locations", "first");
    assert!(
        s.log().contains("console *UserAgent* logged in"),
        "{}",
        s.log()
    );
    assert!(x.screenshot("console") > 0);

    for (page, y, first) in PAGES {
        x.click(&window, 90, *y);
        wait_command(&s, first, page);
        assert!(x.screenshot(page) > 0);
    }

    // The restore browser: its client, then the client's backup, which
    // bat browses with the .bvfs_* commands.
    x.click(&window, 90, 157);
    std::thread::sleep(Duration::from_millis(1500));
    x.click(&window, 291, 147);
    std::thread::sleep(Duration::from_millis(500));
    // The site's other client, gone-fd, comes first and has no backup:
    // typing picks test-fd in the open list.
    x.keys(&["t", "Return"]);
    wait_command(
        &s,
        ".sql query=\"SELECT Job.Jobid AS JobId, Job.StartTime AS StartTime, Job.Level AS Level, Job.Name AS Name FROM Job JOIN Client USING (ClientId) WHERE Job.JobStatus IN ('T','W') AND Job.Type='B' AND Client.Name='test-fd'",
        "bRestore",
    );
    x.click(&window, 403, 147);
    std::thread::sleep(Duration::from_millis(500));
    x.keys(&["Down", "Return"]);
    wait_command(&s, ".bvfs_get_jobids jobid=1", "bRestore");
    assert!(x.screenshot("restore-browser-job") > 0);
    wait_command(&s, ".bvfs_lsdir", "bRestore");
    wait_command(&s, ".bvfs_lsfiles", "bRestore");
    assert!(x.screenshot("restore-browser") > 0);

    let sent = commands_sent(&s);
    let expected_start = [
        ".api 1",
        ".jobs",
        ".jobs type=R",
        ".clients",
        ".filesets",
        ".msgs",
        ".pools",
        ".storage",
        ".types",
        ".levels",
        ".volstatus",
        ".mediatypes",
        ".locations",
    ];
    // bat fetches the messages whenever the Director signals that some
    // wait (the backup above left its report), between any two commands.
    assert_eq!(
        sent.iter()
            .filter(|c| *c != ".messages")
            .skip_while(|c| *c != ".api 1")
            .take(expected_start.len())
            .collect::<Vec<_>>(),
        expected_start,
        "{sent:#?}"
    );
    let log = s.log();
    let invalid: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("is an invalid command"))
        .collect();
    assert!(
        invalid.is_empty(),
        "bat got \"invalid command\": {invalid:#?}"
    );
}
