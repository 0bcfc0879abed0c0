//! Messages resources at work with Debian's stock text: the job's mail
//! through Debian's bsmtp to an SMTP server the test runs (beside
//! bacula-dir 9.6.7's on the same configuration), `append` with its
//! filters and after logrotate moved the file, a mail command that hangs,
//! `syslog` to a socket the test listens on, and the Director's own
//! messages through Debian's stock Daemon resource.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::site::*;

/// An SMTP server in a few lines of the host's Python (its standard
/// library only): each mail it receives becomes one JSON line in the
/// file, with the envelope's recipients and the data.
const SMTP_SERVER: &str = r#"
import json, socketserver, sys
port, out = int(sys.argv[1]), sys.argv[2]
class Session(socketserver.StreamRequestHandler):
    def say(self, text):
        self.wfile.write((text + "\r\n").encode())
    def handle(self):
        self.say("220 test ESMTP")
        sender, rcpt = None, []
        for raw in self.rfile:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            word = line.upper()
            if word.startswith("MAIL FROM:"):
                sender, rcpt = line[10:].strip(), []
                self.say("250 OK")
            elif word.startswith("RCPT TO:"):
                rcpt.append(line[8:].strip())
                self.say("250 OK")
            elif word == "DATA":
                self.say("354 end with .")
                data = []
                for d in self.rfile:
                    d = d.decode("utf-8", "replace")
                    if d.rstrip("\r\n") == ".":
                        break
                    data.append(d[1:] if d.startswith("..") else d)
                with open(out, "a") as f:
                    f.write(json.dumps({"from": sender, "to": rcpt, "data": "".join(data)}) + "\n")
                self.say("250 queued")
            elif word == "QUIT":
                self.say("221 bye")
                return
            else:
                self.say("250 OK")
socketserver.ThreadingTCPServer.allow_reuse_address = True
socketserver.ThreadingTCPServer(("127.0.0.1", port), Session).serve_forever()
"#;

/// The SMTP server, stopped when dropped.
struct Smtp {
    _proc: Proc,
    port: u16,
    mails: PathBuf,
}

#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    subject: String,
    body: String,
}

impl Smtp {
    fn start(dir: &Path) -> Smtp {
        let port = common::free_port();
        let script = write(dir, "smtp.py", SMTP_SERVER);
        let mails = dir.join("mails.jsonl");
        let child = std::process::Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(&mails)
            .spawn()
            .expect("python3");
        wait_port(port);
        Smtp {
            _proc: Proc(child),
            port,
            mails,
        }
    }

    fn mails(&self) -> Vec<Mail> {
        let text = std::fs::read_to_string(&self.mails).unwrap_or_default();
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let data = v["data"].as_str().unwrap().replace("\r\n", "\n");
                let (head, body) = data.split_once("\n\n").unwrap_or((&data, ""));
                let subject = head
                    .lines()
                    .find_map(|h| h.strip_prefix("Subject: "))
                    .unwrap_or("")
                    .to_string();
                Mail {
                    to: v["to"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r.as_str().unwrap().to_string())
                        .collect(),
                    subject,
                    body: body.to_string(),
                }
            })
            .collect()
    }

    /// Waits until `n` mails have come; all of them.
    fn wait_for(&self, n: usize) -> Vec<Mail> {
        let started = Instant::now();
        loop {
            let got = self.mails();
            if got.len() >= n {
                return got;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{} mail(s) of {n} came: {got:#?}",
                got.len()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Debian's stock `Standard` Messages resource from
/// /etc/bacula/bacula-dir.conf, as shipped but for bsmtp's `-h` (the
/// test's server) and the log file's path, with `more` added before its
/// closing brace.
fn stock_standard_messages(smtp_port: u16, log: &Path, more: &str) -> String {
    let conf = std::fs::read_to_string("/etc/bacula/bacula-dir.conf").unwrap();
    let start = conf
        .find("Messages {\n  Name = Standard")
        .expect("Debian's Standard Messages resource");
    let end = start + conf[start..].find("\n}").unwrap();
    let text = &conf[start..end];
    assert!(text.contains("-h localhost") && text.contains("/var/log/bacula/bacula.log"));
    format!(
        "{}\n{more}}}\n",
        text.replace("-h localhost", &format!("-h 127.0.0.1:{smtp_port}"))
            .replace("/var/log/bacula/bacula.log", &log.display().to_string())
    )
}

/// The stock resource with a mailonerror and a mailonsuccess, and the two
/// jobs that use it: one that backs up, one whose RunScript fails.
fn mail_resources(p: &Place<'_>, smtp_port: u16) -> String {
    stock_standard_messages(
        smtp_port,
        &p.root.join("bacula.log"),
        "  mailonerror = oncall = all\n  mailonsuccess = happy, glad = all\n",
    ) + "Job { Name = Good; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Standard }\n\
         Job { Name = Bad; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Standard\n  RunBeforeJob = \"/bin/false\"\n}\n"
}

fn job_id_of(out: &str) -> i64 {
    out.split("JobId=")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no JobId in {out}"))
}

/// Runs the Good then the Bad job, each to its end; their JobIds.
fn run_both(s: &Setup) -> (i64, i64) {
    let good = job_id_of(&s.console("run job=Good yes\nwait\n"));
    let bad = job_id_of(&s.console("run job=Bad yes\nwait\n"));
    (good, bad)
}

/// The mails of the job with that JobId.
fn mails_of(mails: &[Mail], job_id: i64) -> Vec<Mail> {
    let mut of: Vec<Mail> = mails
        .iter()
        .filter(|m| m.body.contains(&format!(" JobId {job_id}: ")))
        .cloned()
        .collect();
    of.sort_by(|a, b| a.to.cmp(&b.to));
    of
}

/// The labels of the termination report in a mail, in order, and its
/// Termination.
fn report_shape(body: &str) -> (Vec<String>, String) {
    let labels = body
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter_map(|l| l.split_once(':').map(|(k, _)| k.trim().to_string()))
        .collect();
    (labels, report_line(body, "Termination:").to_string())
}

#[test]
fn debians_stock_mail_reaches_smtp_through_bsmtp_as_bacula_dir_sends_it() {
    let smtp_dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(smtp_dir.path());
    let port = smtp.port;
    let mut s = setup_site_for(
        Director::BaculaDir,
        "fd-secret",
        None,
        "",
        |p| {
            make_bacula_catalog(&p.root.join("dir/cat.db"));
            mail_resources(p, port)
        },
        &[],
        |_| String::new(),
    );
    let (bacula_good, bacula_bad) = run_both(&s);
    // mail for both jobs, mailonsuccess for the good, mailonerror for the bad.
    smtp.wait_for(4);
    // And no more than those.
    std::thread::sleep(Duration::from_secs(1));
    let by_bacula = smtp.mails();
    assert_eq!(by_bacula.len(), 4, "{by_bacula:#?}");

    s.switch_director(Director::Rdird);
    let (good, bad) = run_both(&s);
    smtp.wait_for(8);
    std::thread::sleep(Duration::from_secs(1));
    let all = smtp.mails();
    assert_eq!(all.len(), 8, "{all:#?}");
    let by_rdird = &all[4..];

    for (theirs, ours, ok) in [(bacula_good, good, true), (bacula_bad, bad, false)] {
        let theirs = mails_of(&by_bacula, theirs);
        let ours = mails_of(by_rdird, ours);
        let to = |m: &[Mail]| m.iter().map(|m| m.to.clone()).collect::<Vec<_>>();
        assert_eq!(to(&ours), to(&theirs), "{ours:#?}\n{theirs:#?}");
        let expected_to: Vec<Vec<String>> = if ok {
            vec![
                vec!["<happy>".into(), "<glad>".into()],
                vec!["<root>".into()],
            ]
        } else {
            vec![vec!["<oncall>".into()], vec!["<root>".into()]]
        };
        let mut sorted = expected_to.clone();
        sorted.sort();
        assert_eq!(to(&ours), sorted, "{ours:#?}");
        for (o, t) in ours.iter().zip(&theirs) {
            assert_eq!(o.subject, t.subject, "{o:#?}\n{t:#?}");
            // The report's lines are bacula-dir's, in its order (rdird's
            // report leaves out Software and Comm Line Compression,
            // Snapshot/VSS, Encryption and Accurate), and it ends alike.
            let (ours_labels, ours_end) = report_shape(&o.body);
            let (theirs_labels, theirs_end) = report_shape(&t.body);
            assert_eq!(ours_end, theirs_end, "{o:#?}\n{t:#?}");
            let mut theirs_left = theirs_labels.iter();
            assert!(
                ours_labels.iter().all(|l| theirs_left.any(|t| t == l)),
                "{ours_labels:?}\n{theirs_labels:?}"
            );
            assert!(ours_labels.len() >= 20, "{o:#?}");
        }
        let subject = if ok {
            "Bacula: Backup OK of test-fd Full"
        } else {
            "Bacula: Backup Error of test-fd Full"
        };
        assert!(ours.iter().all(|m| m.subject == subject), "{ours:#?}");
        let root = ours.iter().find(|m| m.to == ["<root>"]).unwrap();
        let first = root.body.lines().next().unwrap_or("");
        assert!(
            first.contains(&format!(
                " test-dir JobId {}: ",
                if ok { good } else { bad }
            )),
            "{root:#?}"
        );
        if !ok {
            assert!(
                root.body.contains("BeforeJob returned non-zero status=1"),
                "{root:#?}"
            );
        }
    }
}

#[test]
fn append_keeps_each_jobs_lines_by_its_filters_and_follows_a_rotated_file() {
    let smtp_dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(smtp_dir.path());
    let port = smtp.port;
    let s = setup_conf("fd-secret", None, |p| {
        mail_resources(p, port).replace(
            "  mailonerror = oncall = all\n",
            &format!(
                "  append = \"{}\" = all, !info\n",
                p.root.join("troubles.log").display()
            ),
        )
    });
    let log = s.root.path().join("bacula.log");
    let troubles = s.root.path().join("troubles.log");
    let (good, bad) = run_both(&s);
    let text = std::fs::read_to_string(&log).unwrap();
    for id in [good, bad] {
        assert!(
            text.contains(&format!("test-dir JobId {id}: Start Backup JobId {id}")),
            "{text}"
        );
    }
    assert!(
        text.contains("Termination:            Backup OK\n"),
        "{text}"
    );
    assert!(text.contains("*** Backup Error ***"), "{text}");
    // all, !info: the bad job's errors, none of the good job's lines.
    let trouble = std::fs::read_to_string(&troubles).unwrap();
    assert!(!trouble.contains(&format!("JobId {good}:")), "{trouble}");
    assert!(!trouble.contains("Start Backup"), "{trouble}");
    assert!(
        trouble.contains(&format!(
            "test-dir JobId {bad}: Error: Runscript: BeforeJob returned"
        )),
        "{trouble}"
    );
    assert!(
        trouble.contains(&format!("test-dir JobId {bad}: Error: rdird test-dir")),
        "{trouble}"
    );

    // logrotate moves the file away; the next job writes a new one.
    let rotated = s.root.path().join("bacula.log.1");
    std::fs::rename(&log, &rotated).unwrap();
    let third = job_id_of(&s.console("run job=Good yes\nwait\n"));
    let fresh = std::fs::read_to_string(&log).unwrap();
    assert!(
        fresh.contains(&format!("JobId {third}: Start Backup JobId {third}")),
        "{fresh}"
    );
    assert!(!fresh.contains(&format!("JobId {good}:")), "{fresh}");
    assert_eq!(std::fs::read_to_string(&rotated).unwrap(), text);
}

#[test]
fn a_mail_command_that_hangs_is_killed_and_logged_and_the_job_ends_on_time() {
    let s = setup_conf("fd-secret", None, |p| {
        let hang = write(p.root, "hang.sh", "#!/bin/sh\nsleep 600\n");
        std::fs::set_permissions(&hang, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        format!(
            "Messages {{\n  Name = Hangs\n  mailcommand = \"{} %r\"\n  Mail Command Timeout = 2\n  mail = root = all\n  catalog = all\n}}\n\
             Job {{ Name = Mailed; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Hangs }}\n",
            hang.display()
        )
    });
    let started = Instant::now();
    let out = s.console("run job=Mailed yes\nwait\n");
    let id = job_id_of(&out);
    assert_eq!(s.job_status(id), "T", "{out}");
    // The job ends while its mail command still sleeps.
    assert!(started.elapsed() < Duration::from_secs(60), "{out}");
    let waited = Instant::now();
    while !s.log().contains("Mail program killed after 2 s") {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "no delivery error: {}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let joblog = s.console(&format!("list joblog jobid={id}\n"));
    assert!(joblog.contains("Termination:"), "{joblog}");
    assert!(joblog.contains("Message delivery ERROR"), "{joblog}");
    // And the next job runs as well.
    let next = job_id_of(&s.console("run job=Mailed yes\nwait\n"));
    assert_eq!(s.job_status(next), "T");
}

#[test]
fn a_mail_command_that_prints_without_end_costs_the_director_no_memory() {
    let s = setup_conf("fd-secret", None, |_| {
        "Messages {\n  Name = Chatty\n  mailcommand = \"/usr/bin/yes %r\"\n  Mail Command Timeout = 3\n  mail = root = all\n  catalog = all\n}\n\
         Job { Name = Mailed; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Chatty }\n"
            .to_string()
    });
    let out = s.console("run job=Mailed yes\nwait\n");
    let id = job_id_of(&out);
    assert_eq!(s.job_status(id), "T", "{out}");
    let waited = Instant::now();
    while !s.log().contains("Mail program killed after 3 s") {
        assert!(
            waited.elapsed() < Duration::from_secs(30),
            "no delivery error: {}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // `yes` writes hundreds of megabytes in 3 s; rdird keeps 4 KB of it.
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.dir.0.id())).unwrap();
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    assert!(peak_kib < 200 * 1024, "peak {peak_kib} kB");
    assert!(s.log().len() < 1 << 20, "the log holds the output");
}

#[test]
fn syslog_lines_reach_the_local_syslog_socket() {
    let sock_dir = tempfile::tempdir().unwrap();
    let path = sock_dir.path().join("log");
    let socket = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    // Read by rdird when it starts; only this test's Director uses syslog.
    std::env::set_var("RDIRD_SYSLOG_SOCKET", &path);
    let s = setup_conf("fd-secret", None, |_| {
        "Messages { Name = Logged; syslog = all, !skipped }\n\
         Job { Name = Logged; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Logged }\n\
         Job { Name = LoggedBad; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Logged; RunBeforeJob = \"/bin/false\" }\n"
            .to_string()
    });
    // Read as they come, as a syslog daemon reads them (a socket's
    // queue holds only a few).
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut records = Vec::new();
            let mut buf = [0u8; 2048];
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                if let Ok(n) = socket.recv(&mut buf) {
                    records.push(String::from_utf8_lossy(&buf[..n]).to_string());
                }
            }
            records
        })
    };
    let good = job_id_of(&s.console("run job=Logged yes\nwait\n"));
    let bad = job_id_of(&s.console("run job=LoggedBad yes\nwait\n"));
    std::thread::sleep(Duration::from_secs(1));
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let records = reader.join().unwrap();
    let has = |prefix: &str, text: &str| {
        records
            .iter()
            .any(|r| r.starts_with(prefix) && r.contains(" rdird: ") && r.contains(text))
    };
    // LOG_DAEMON: info 30, notice 29 (errors, as bacula-dir sends them).
    assert!(
        has(
            "<30>",
            &format!("test-dir JobId {good}: Start Backup JobId {good}")
        ),
        "{records:#?}"
    );
    assert!(
        has("<30>", "Termination:            Backup OK"),
        "{records:#?}"
    );
    assert!(
        has(
            "<29>",
            &format!("test-dir JobId {bad}: Error: rdird test-dir")
        ),
        "{records:#?}"
    );
    assert!(has("<29>", "*** Backup Error ***"), "{records:#?}");
}

#[test]
fn the_directors_own_messages_go_to_the_daemon_messages_and_are_mailed_at_its_stop() {
    let smtp_dir = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(smtp_dir.path());
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    let port = common::free_port();
    let conf = lone_director_conf(r, port, "");
    // Debian's stock Daemon resource in place of the lone Director's.
    let stock = std::fs::read_to_string("/etc/bacula/bacula-dir.conf").unwrap();
    let start = stock.find("Messages {\n  Name = Daemon").unwrap();
    let end = start + stock[start..].find("\n}").unwrap() + 2;
    let log = r.join("bacula.log");
    let daemon = stock[start..end]
        .replace("-h localhost", &format!("-h 127.0.0.1:{}", smtp.port))
        .replace("/var/log/bacula/bacula.log", &log.display().to_string());
    let text = std::fs::read_to_string(&conf)
        .unwrap()
        .replace("Messages { Name = Daemon; Console = all }", &daemon);
    std::fs::write(&conf, text).unwrap();
    let dir = Proc(common::spawn_daemon(
        env!("CARGO_BIN_EXE_rdird"),
        &conf,
        &r.join("dir.log"),
    ));
    wait_director(port, &r.join("dir.log"));
    wait_log(&r.join("dir.log"), "listening for consoles");
    let wrong = write(
        r,
        "wrong.conf",
        &format!(
            "Director {{\n  Name = lone-dir\n  DIRport = {port}\n  address = 127.0.0.1\n  Password = \"not it\"\n}}\n"
        ),
    );
    common::bconsole(&wrong, "quit\n");
    // At once in the appended log, headed as bacula-dir heads a message
    // of no job.
    let appended = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(
        appended.contains("lone-dir JobId 0: Security violation: "),
        "{appended}"
    );
    // Batched: mailed when the Director stops.
    std::thread::sleep(Duration::from_millis(500));
    assert!(smtp.mails().is_empty(), "{:#?}", smtp.mails());
    drop(dir);
    let mails = smtp.wait_for(1);
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert_eq!(mails[0].to, ["<root>"]);
    assert_eq!(mails[0].subject, "Bacula daemon message");
    assert!(
        mails[0]
            .body
            .contains("lone-dir JobId 0: Security violation: "),
        "{mails:#?}"
    );
}
