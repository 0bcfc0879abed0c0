//! Messages resources at work with Debian's stock text: the job's mail
//! through Debian's bsmtp to an SMTP server the test runs (beside
//! bacula-dir 9.6.7's on the same configuration), `append` with its
//! filters and after logrotate moved the file, a mail command that hangs,
//! `syslog` to a socket the test listens on, and the Director's own
//! messages through Debian's stock Daemon resource.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::procfs::*;
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
    let s = {
        // Read by rdird when it starts.
        let _env = SYSLOG_SOCKET.lock().unwrap_or_else(|e| e.into_inner());
        std::env::set_var("RDIRD_SYSLOG_SOCKET", &path);
        setup_conf("fd-secret", None, |p| {
            let long = executable(
                p.root,
                "long.sh",
                &format!("#!/bin/sh\necho {}end\n", "L".repeat(3000)),
            );
            format!(
                "Messages {{ Name = Logged; syslog = all, !skipped }}\n\
                 Job {{ Name = Logged; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Logged }}\n\
                 Job {{ Name = LoggedBad; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Logged; RunBeforeJob = \"/bin/false\" }}\n\
                 Job {{ Name = LoggedLong; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Logged; RunBeforeJob = \"{}\" }}\n",
                long.display()
            )
        })
    };
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
    let long = job_id_of(&s.console("run job=LoggedLong yes\nwait\n"));
    std::thread::sleep(Duration::from_secs(1));
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let records = reader.join().unwrap();
    let has = |prefix: &str, text: &str| {
        records
            .iter()
            .any(|r| r.starts_with(prefix) && r.contains(" bacula-dir: ") && r.contains(text))
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
    // A line longer than a record goes on in the next ones, whole: the
    // records after the first are headed "...".
    let start = records
        .iter()
        .position(|r| r.contains(&format!("test-dir JobId {long}: BeforeJob: LLL")))
        .unwrap_or_else(|| panic!("{records:#?}"));
    let mut whole = String::new();
    for (i, r) in records[start..].iter().enumerate() {
        assert!(r.len() <= 1100, "{r}");
        let text = r.split_once(" bacula-dir: ").unwrap().1;
        let text = if i == 0 {
            text
        } else {
            text.strip_prefix("...").unwrap_or_else(|| panic!("{r}"))
        };
        whole.push_str(text);
        if whole.ends_with("end") {
            break;
        }
    }
    assert_eq!(
        whole,
        format!("test-dir JobId {long}: BeforeJob: {}end", "L".repeat(3000))
    );
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

/// An executable script at `dir/name`.
fn executable(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = write(dir, name, text);
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

/// A mail command that keeps each mail it is given as a file
/// `<dir>/<prefix>.<n>`.
fn recording_mailer(dir: &Path, prefix: &str) -> PathBuf {
    executable(
        dir,
        &format!("{prefix}.sh"),
        &format!(
            "#!/bin/sh\ncat > \"{}/{prefix}.$$.$(date +%s%N)\"\n",
            dir.display()
        ),
    )
}

/// The mails a recording mailer kept, oldest first.
fn recorded(dir: &Path, prefix: &str) -> Vec<String> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            name.starts_with(&format!("{prefix}.")) && !name.ends_with(".sh")
        })
        .map(|p| (std::fs::metadata(&p).unwrap().modified().unwrap(), p))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|(_, p)| std::fs::read_to_string(p).unwrap_or_default())
        .collect()
}

/// Waits until `ready` holds, `limit` at most; `what` says what was waited for.
fn wait_until(limit: Duration, what: impl Fn() -> String, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < limit, "{}", what());
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn count(text: &str, needle: &str) -> usize {
    text.matches(needle).count()
}

#[test]
fn a_flood_of_failed_logins_gives_a_few_mails_holding_every_refusal_not_a_process_each() {
    let mut s = setup_conf("fd-secret", None, |p| {
        // A slow mail relay: 2 s a mail.
        let op = executable(
            p.root,
            "op.sh",
            &format!(
                "#!/bin/sh\ncat > \"{}/op.$$.$(date +%s%N)\"\nsleep 2\n",
                p.root.display()
            ),
        );
        let mail = recording_mailer(p.root, "mail");
        format!(
            "Messages {{\n  Name = Daemon\n  operatorcommand = \"{} %r\"\n  mailcommand = \"{} %r\"\n  operator = root = security\n  mail = root = security\n  append = \"{}\" = security\n  console = all\n}}\n",
            op.display(),
            mail.display(),
            p.root.join("security.log").display()
        )
    });
    let r = &s.root.path().to_path_buf();
    let wrong = write(
        r,
        "wrong.conf",
        &format!(
            "Director {{\n  Name = test-dir\n  DIRport = {}\n  address = 127.0.0.1\n  Password = \"not it\"\n}}\n",
            s.dir_port
        ),
    );
    let pid = s.dir.0.id();
    let before = threads_of(pid);
    let done = std::sync::atomic::AtomicBool::new(false);
    let (most_threads, most_children, most_rss, answered) = std::thread::scope(|scope| {
        let watch = scope.spawn(|| {
            let (mut t, mut c, mut m) = (0, 0, 0);
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                t = t.max(threads_of(pid));
                c = c.max(children_of(pid).len());
                m = m.max(rss(pid) / 1024);
                std::thread::sleep(Duration::from_millis(20));
            }
            (t, c, m)
        });
        let mut answered = String::new();
        for round in 0..4 {
            let good = (round == 2).then(|| scope.spawn(|| s.console("version\n")));
            let logins: Vec<_> = (0..50)
                .map(|_| scope.spawn(|| common::bconsole(&wrong, "quit\n")))
                .collect();
            for l in logins {
                l.join().unwrap();
            }
            if let Some(g) = good {
                answered = g.join().unwrap();
            }
        }
        // The mails still waiting go out one at a time.
        std::thread::sleep(Duration::from_secs(3));
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        let (t, c, m) = watch.join().unwrap();
        (t, c, m, answered)
    });
    eprintln!(
        "threads {before} before, {most_threads} at most; children {most_children} at most; RSS {most_rss} kB at most"
    );
    assert!(answered.contains("Version: "), "{answered}");
    let appended = || std::fs::read_to_string(r.join("security.log")).unwrap_or_default();
    let refusals = count(&appended(), "Security violation: ");
    assert!(refusals >= 100, "{}", appended());
    // Four mail programs at most, whatever comes; the threads are the
    // consoles' (50 at once) and a few senders.
    assert!(most_children <= 4, "{most_children} mail programs at once");
    assert!(
        most_threads <= before + 50 + 20,
        "{most_threads} threads (from {before})"
    );
    // Every refusal is in an operator's mail, and there are far fewer
    // mails than refusals.
    let in_mails = || {
        recorded(r, "op")
            .iter()
            .map(|m| count(m, "Security violation: "))
            .sum::<usize>()
    };
    wait_until(
        Duration::from_secs(60),
        || format!("{} of {refusals} refusals mailed", in_mails()),
        || in_mails() == refusals,
    );
    let mails = recorded(r, "op").len();
    assert!(
        mails < refusals / 4,
        "{mails} mails for {refusals} refusals"
    );
    // The Daemon's mail (batched, sent at the stop) holds them all too.
    s.stop_director();
    let mailed: usize = recorded(r, "mail")
        .iter()
        .map(|m| count(m, "Security violation: "))
        .sum();
    assert_eq!(mailed, refusals, "{}", s.log());
}

/// Serialises the tests that point rdird at a syslog socket of their own
/// (through its environment, which the Director they start inherits).
static SYSLOG_SOCKET: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn a_syslog_nobody_reads_costs_a_job_no_time_and_is_said_once() {
    let sock_dir = tempfile::tempdir().unwrap();
    let path = sock_dir.path().join("dead.sock");
    // Bound, never read: its queue fills after a few records.
    let _dead = std::os::unix::net::UnixDatagram::bind(&path).unwrap();
    let s = {
        let _env = SYSLOG_SOCKET.lock().unwrap_or_else(|e| e.into_inner());
        std::env::set_var("RDIRD_SYSLOG_SOCKET", &path);
        setup_conf("fd-secret", None, |p| {
            let chatty = executable(
                p.root,
                "chatty.sh",
                "#!/bin/sh\nseq 1 300 | sed 's/^/line /'\n",
            );
            format!(
                "Messages {{ Name = Dead; syslog = all; catalog = all }}\n\
                 Job {{ Name = Chatty; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Dead; RunBeforeJob = \"{}\" }}\n",
                chatty.display()
            )
        })
    };
    let started = Instant::now();
    let out = s
        .console_within("run job=Chatty yes\nwait\n", Duration::from_secs(120))
        .to_string();
    let took = started.elapsed();
    eprintln!("a job of 300 messages with a dead syslog took {took:?}");
    let id = job_id_of(&out);
    assert_eq!(s.job_status(id), "T", "{out}");
    // Waiting 2 s a message, it took minutes.
    assert!(took < Duration::from_secs(30), "{took:?}");
    let log = s.log();
    assert_eq!(count(&log, "syslog at "), 1, "{log}");
    let joblog = s.console(&format!("list joblog jobid={id}\n"));
    assert!(
        joblog.contains("Message delivery ERROR: syslog at"),
        "{joblog}"
    );
    assert!(joblog.contains("line 300"), "{joblog}");
}

#[test]
fn a_fifo_nobody_reads_never_holds_a_job_and_a_broken_file_is_said_once_and_when_it_works_again() {
    let s = setup_conf("fd-secret", None, |p| {
        let fifo = p.root.join("fifo");
        let c = std::ffi::CString::new(fifo.display().to_string()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        std::fs::create_dir(p.root.join("later.log")).unwrap();
        format!(
            "Messages {{ Name = Broken; append = \"{}\" = all; append = \"{}\" = all; catalog = all }}\n\
             Job {{ Name = Logged; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Broken }}\n",
            fifo.display(),
            p.root.join("later.log").display()
        )
    });
    let r = &s.root.path().to_path_buf();
    let out = s
        .console_within("run job=Logged yes\nwait\n", Duration::from_secs(60))
        .to_string();
    let first = job_id_of(&out);
    assert_eq!(s.job_status(first), "T", "{out}");
    let log = s.log();
    // One error each, not one a line.
    assert_eq!(count(&log, "fifo failed"), 1, "{log}");
    assert_eq!(count(&log, "later.log failed"), 1, "{log}");
    let joblog = s.console(&format!("list joblog jobid={first}\n"));
    assert!(joblog.contains("fifo failed"), "{joblog}");
    assert!(joblog.contains("later.log failed"), "{joblog}");

    // The directory goes away: the file is written again, and that is said.
    std::fs::remove_dir(r.join("later.log")).unwrap();
    let second = job_id_of(&s.console("run job=Logged yes\nwait\n"));
    let later = std::fs::read_to_string(r.join("later.log")).unwrap();
    assert!(
        later.contains(&format!("JobId {second}: Start Backup")),
        "{later}"
    );
    let log = s.log();
    assert!(
        log.contains("later.log works again;")
            && log.contains("message(s) were lost while it failed"),
        "{log}"
    );
    assert_eq!(count(&log, "fifo failed"), 1, "{log}");
    // The FIFO still fails: the second job's log says so once.
    let joblog = s.console(&format!("list joblog jobid={second}\n"));
    assert_eq!(
        count(&joblog, "fifo fails (since before this job)"),
        1,
        "{joblog}"
    );
}

#[test]
fn a_mail_too_big_keeps_its_beginning_and_its_termination_report_and_says_what_it_left_out() {
    let s = setup_conf("fd-secret", None, |p| {
        // 90,000 lines of about 150 bytes once stamped: 13 MB.
        let chatty = executable(
            p.root,
            "chatty.sh",
            &format!("#!/bin/sh\nseq 1 90000 | sed 's/$/ {}/'\n", "x".repeat(90)),
        );
        let mail = recording_mailer(p.root, "mail");
        format!(
            "Messages {{ Name = Big; mailcommand = \"{} %r\"; mail = root = all }}\n\
             Job {{ Name = Chatty; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Big; RunBeforeJob = \"{}\" }}\n",
            mail.display(),
            chatty.display()
        )
    });
    let r = &s.root.path().to_path_buf();
    let id = job_id_of(&s.console("run job=Chatty yes\nwait\n"));
    wait_until(
        Duration::from_secs(30),
        || "no mail".into(),
        || {
            recorded(r, "mail")
                .iter()
                .any(|m| m.contains("Termination:"))
        },
    );
    let mail = recorded(r, "mail").pop().unwrap();
    assert!(mail.len() <= (8 << 20) + (128 << 10), "{}", mail.len());
    assert!(mail.contains(&format!("JobId {id}: BeforeJob: 1 xxx")));
    assert!(mail.contains(&format!("JobId {id}: BeforeJob: 90000 xxx")));
    let gap = mail
        .find(" message(s) left out here")
        .expect("the gap is said");
    assert!(mail.find("BeforeJob: 90000 ").unwrap() > gap);
    assert!(
        report_line(&mail, "Termination:").contains("Backup OK"),
        "{}",
        &mail[mail.len() - 3000..]
    );
}

#[test]
fn at_the_stop_a_hung_mail_program_is_killed_and_a_running_jobs_mail_says_it_was_cut_short() {
    let mut s = setup_conf("fd-secret", None, |p| {
        let hang = executable(
            p.root,
            "hang.sh",
            &format!(
                "#!/bin/sh\necho $$ > \"{}/hang.pid\"\nsleep 600\n",
                p.root.display()
            ),
        );
        let mail = recording_mailer(p.root, "mail");
        format!(
            "Messages {{ Name = Hangs; mailcommand = \"{} %r\"; mail = root = all; catalog = all }}\n\
             Messages {{ Name = Kept; mailcommand = \"{} %r\"; mail = root = all; catalog = all }}\n\
             Job {{ Name = Mailed; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Hangs }}\n\
             Job {{ Name = Long; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Kept; RunBeforeJob = \"/bin/sleep 60\" }}\n",
            hang.display(),
            mail.display()
        )
    });
    let r = &s.root.path().to_path_buf();
    let mailed = job_id_of(&s.console("run job=Mailed yes\nwait\n"));
    wait_until(
        Duration::from_secs(20),
        || "the mail never started".into(),
        || std::fs::read_to_string(r.join("hang.pid")).is_ok_and(|t| t.ends_with('\n')),
    );
    let hang: i32 = std::fs::read_to_string(r.join("hang.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let long = job_id_of(&s.console("run job=Long yes\n"));
    wait_until(
        Duration::from_secs(20),
        || s.job_status(long),
        || s.job_status(long) == "R",
    );
    s.stop_director();
    // The hung program is gone with its Director.
    std::thread::sleep(Duration::from_millis(200));
    assert_ne!(
        unsafe { libc::kill(hang, 0) },
        0,
        "the mail program {hang} still runs"
    );
    let log = s.log();
    assert!(
        log.contains(&format!(
            "the mail of JobId {mailed} to root is not sent: its program was still running at the Director's stop"
        )),
        "{log}"
    );
    let mails = recorded(r, "mail");
    let cut = mails
        .iter()
        .find(|m| m.contains(&format!("JobId {long}: ")))
        .unwrap_or_else(|| panic!("no mail of the running job: {mails:#?}\n{log}"));
    assert!(
        cut.contains("the Director stopped while this job was running"),
        "{cut}"
    );
}

#[test]
fn a_mail_program_that_leaves_a_child_holding_its_output_is_not_waited_for() {
    let mut s = setup_conf("fd-secret", None, |p| {
        let mailer = executable(
            p.root,
            "bg.sh",
            &format!(
                "#!/bin/sh\ncat > \"{}/bg.$$\"\nsetsid sleep 30 &\nexit 0\n",
                p.root.display()
            ),
        );
        format!(
            "Messages {{ Name = Bg; mailcommand = \"{} %r\"; Mail Command Timeout = 3; mail = root = all }}\n\
             Job {{ Name = Mailed; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Bg }}\n",
            mailer.display()
        )
    });
    let r = &s.root.path().to_path_buf();
    s.console("run job=Mailed yes\nwait\n");
    wait_until(
        Duration::from_secs(20),
        || "no mail".into(),
        || recorded(r, "bg").iter().any(|m| m.contains("Termination:")),
    );
    // Past the Mail Command Timeout: nothing is still being sent.
    std::thread::sleep(Duration::from_secs(4));
    s.stop_director();
    let log = s.log();
    assert!(
        !log.contains("still running at the Director's stop"),
        "{log}"
    );
    assert!(!log.contains("Message delivery ERROR"), "{log}");
}

#[test]
fn control_characters_of_a_file_name_are_written_escaped_and_forge_no_line() {
    let forged = "01-Dec 13:25 test-dir JobId 99: Termination: Backup OK";
    let s = setup_conf("fd-secret", None, |p| {
        let mail = recording_mailer(p.root, "mail");
        format!(
            "Messages {{ Name = Escaped; mailcommand = \"{} %r\"; mail = root = all; append = \"{}\" = all; catalog = all }}\n\
             Job {{ Name = Logged; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Escaped }}\n",
            mail.display(),
            p.root.join("bacula.log").display()
        )
    });
    let r = &s.root.path().to_path_buf();
    // Another file system in the FileSet: bacula-fd says it does not
    // descend into it, with its name.
    let name = r.join("data").join(format!("s\x1b]0;pwn\x07\n{forged}"));
    std::fs::create_dir(&name).unwrap();
    let _disk = SmallDisk::mount(&name, "1M");
    let id = job_id_of(&s.console("run job=Logged yes\nwait\n"));
    wait_until(
        Duration::from_secs(20),
        || "no mail".into(),
        || {
            recorded(r, "mail")
                .iter()
                .any(|m| m.contains("Termination:"))
        },
    );
    let appended = std::fs::read_to_string(r.join("bacula.log")).unwrap();
    let mail = recorded(r, "mail").pop().unwrap();
    for text in [&appended, &mail] {
        assert!(
            text.contains("is a different filesystem")
                && text.contains("s\\x1b]0;pwn\\x07\n  01-Dec 13:25"),
            "{text}"
        );
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text}");
        assert!(!text.lines().any(|l| l.starts_with(forged)), "{text}");
    }
    let joblog = s.console(&format!("list joblog jobid={id}\n"));
    assert!(!joblog.contains('\x1b'), "{joblog}");
}

/// A Director alone, on `lone_director_conf` with `extra` and its Daemon
/// Messages replaced by `daemon` when given: no file or storage daemon,
/// so its jobs are those whose RunBeforeJob fails before one is needed.
/// Its standard output is a pipe the test never reads when `stuck_stdout`
/// (a stalled `| logger`); else it goes to dir.log with its standard error.
struct Lone {
    dir: Proc,
    root: tempfile::TempDir,
    port: u16,
    _stdout: Option<std::os::fd::OwnedFd>,
}

impl Lone {
    fn start(
        extra: impl Fn(&Path) -> String,
        daemon: Option<&str>,
        syslog: Option<&Path>,
        stuck_stdout: bool,
    ) -> Lone {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        let port = common::free_port();
        let conf = lone_director_conf(r, port, &extra(r));
        if let Some(daemon) = daemon {
            let text = std::fs::read_to_string(&conf)
                .unwrap()
                .replace("Messages { Name = Daemon; Console = all }", daemon);
            std::fs::write(&conf, text).unwrap();
        }
        let log = std::fs::File::create(r.join("dir.log")).unwrap();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rdird"));
        cmd.arg("-f")
            .arg("-c")
            .arg(&conf)
            .stdin(std::process::Stdio::null())
            .stderr(log.try_clone().unwrap());
        if let Some(path) = syslog {
            cmd.env("RDIRD_SYSLOG_SOCKET", path);
        }
        let stdout = if stuck_stdout {
            use std::os::fd::FromRawFd;
            let mut fds = [0; 2];
            assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
            let (reader, writer) = unsafe {
                (
                    std::os::fd::OwnedFd::from_raw_fd(fds[0]),
                    std::os::fd::OwnedFd::from_raw_fd(fds[1]),
                )
            };
            cmd.stdout(writer);
            Some(reader)
        } else {
            cmd.stdout(log);
            None
        };
        let dir = Proc(cmd.spawn().unwrap());
        wait_director(port, &r.join("dir.log"));
        wait_log(&r.join("dir.log"), "listening for consoles");
        write(
            r,
            "bconsole.conf",
            &format!(
                "Director {{\n  Name = lone-dir\n  DIRport = {port}\n  address = 127.0.0.1\n  Password = \"p\"\n}}\n"
            ),
        );
        Lone {
            dir,
            root,
            port,
            _stdout: stdout,
        }
    }

    fn console_within(&self, input: &str, limit: Duration) -> String {
        common::bconsole_within(&self.root.path().join("bconsole.conf"), input, limit)
            .unwrap_or_else(|e| {
                unsafe { libc::kill(self.dir.0.id() as i32, libc::SIGKILL) };
                panic!("{e}")
            })
    }

    fn console(&self, input: &str) -> String {
        self.console_within(input, Duration::from_secs(120))
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.root.path().join("dir.log")).unwrap_or_default()
    }
}

/// A syslog socket the test reads, `per_record` a record (a slow
/// reader); what it got, when `done` is set.
fn syslog_reader(
    path: &Path,
    per_record: Duration,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> std::thread::JoinHandle<Vec<String>> {
    let socket = std::os::unix::net::UnixDatagram::bind(path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    std::thread::spawn(move || {
        let mut records = Vec::new();
        let mut buf = [0u8; 2048];
        while !done.load(std::sync::atomic::Ordering::SeqCst) {
            if let Ok(n) = socket.recv(&mut buf) {
                records.push(String::from_utf8_lossy(&buf[..n]).to_string());
                std::thread::sleep(per_record);
            }
        }
        records
    })
}

#[test]
fn a_console_hello_naming_several_lines_leaves_one_line_in_every_destination() {
    let forged = "01-Dec 15:21 lone-dir JobId 7: Termination:            Backup OK";
    let sock_dir = tempfile::tempdir().unwrap();
    let sock = sock_dir.path().join("log");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = syslog_reader(&sock, Duration::ZERO, done.clone());
    let mail_dir = tempfile::tempdir().unwrap();
    let mailer = recording_mailer(mail_dir.path(), "daemon");
    let daemon = format!(
        "Messages {{\n  Name = Daemon\n  mailcommand = \"{}\"\n  mail = root = all\n  append = \"{}/bacula.log\" = all\n  syslog = all\n  console = all\n}}",
        mailer.display(),
        mail_dir.path().display()
    );
    let mut lone = Lone::start(|_| String::new(), Some(&daemon), Some(&sock), false);
    // No password needed: the Hello alone, then any answer.
    {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(("127.0.0.1", lone.port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let packet = |text: &str| {
            let mut p = (text.len() as u32).to_be_bytes().to_vec();
            p.extend_from_slice(text.as_bytes());
            p
        };
        c.write_all(&packet(&format!("Hello evil\n{forged}\nx calling 102\n")))
            .unwrap();
        let _ = c.write_all(&packet("any answer\n"));
        let mut rest = Vec::new();
        let _ = c.read_to_end(&mut rest);
    }
    let appended_at = mail_dir.path().join("bacula.log");
    wait_until(
        Duration::from_secs(20),
        || "no security violation appended".into(),
        || std::fs::read_to_string(&appended_at).is_ok_and(|t| t.contains("Security violation")),
    );
    let messages = lone.console("messages\n");
    std::thread::sleep(Duration::from_millis(500));
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let syslog: String = reader
        .join()
        .unwrap()
        .iter()
        .map(|r| {
            r.split_once(" bacula-dir: ")
                .map_or("", |x| x.1)
                .to_string()
                + "\n"
        })
        .collect();
    // The Daemon mail goes at the stop.
    unsafe { libc::kill(lone.dir.0.id() as i32, libc::SIGTERM) };
    let _ = lone.dir.0.wait();
    let mail = recorded(mail_dir.path(), "daemon").join("\n");
    let appended = std::fs::read_to_string(&appended_at).unwrap();
    for (place, text) in [
        ("append", &appended),
        ("syslog", &syslog),
        ("messages", &messages),
        ("mail", &mail),
    ] {
        assert!(text.contains("Security violation"), "{place}: {text}");
        // The forged text is in the one line that says the violation.
        for line in text.lines().filter(|l| l.contains("Backup OK")) {
            assert!(line.contains("Security violation"), "{place}: {text}");
        }
        assert!(
            !text.lines().any(|l| l.starts_with(forged)),
            "{place}: {text}"
        );
    }
}

#[test]
fn a_slow_syslog_a_slow_fifo_and_an_undrained_stdout_hold_a_job_a_few_seconds_at_most() {
    let sock_dir = tempfile::tempdir().unwrap();
    let sock = sock_dir.path().join("log");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // 50 records a second: syslog-ng with flow control to a slow place.
    let syslog = syslog_reader(&sock, Duration::from_millis(20), done.clone());
    let fifo_dir = tempfile::tempdir().unwrap();
    let fifo = fifo_dir.path().join("fifo");
    let c = std::ffi::CString::new(fifo.display().to_string()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    // A log shipper that reads 256 bytes every 20 ms.
    let shipper = {
        let fifo = fifo.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            use std::io::Read;
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NONBLOCK)
                .open(&fifo)
                .unwrap();
            let mut got = 0usize;
            let mut buf = [0u8; 256];
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                got += f.read(&mut buf).unwrap_or(0);
                std::thread::sleep(Duration::from_millis(20));
            }
            got
        })
    };
    let lone = Lone::start(
        |r| {
            let chatty = executable(
                r,
                "chatty.sh",
                "#!/bin/sh\nseq 1 9000 | sed 's/^/a line of the script, number /'\nexit 1\n",
            );
            format!(
                "Messages {{ Name = Slow; stdout = all; syslog = all; append = \"{}\" = all; catalog = all }}\n\
                 Job {{ Name = Chatty; Type = Backup; Client = lone-fd; FileSet = Set; Storage = File; Pool = Full; Messages = Slow; RunBeforeJob = \"{}\" }}\n",
                fifo.display(),
                chatty.display()
            )
        },
        None,
        Some(&sock),
        true,
    );
    let started = Instant::now();
    let out = lone.console_within("run job=Chatty yes\nwait\n", Duration::from_secs(120));
    let took = started.elapsed();
    eprintln!("a job of 9,000 messages to a slow syslog, a slow FIFO and an undrained stdout took {took:?}");
    let id = job_id_of(&out);
    // Each slow destination may cost the job 5 s; bacula-dir goes at
    // the slowest reader's pace (minutes here), or for ever on the pipe.
    assert!(took < Duration::from_secs(60), "{took:?}");
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let records = syslog.join().unwrap().len();
    let shipped = shipper.join().unwrap();
    eprintln!("syslog got {records} records, the FIFO's reader {shipped} bytes");
    let joblog = lone.console(&format!("list joblog jobid={id}\n"));
    // Once each in the job's log, however often they failed and worked
    // again.
    assert_eq!(count(&joblog, "Message delivery ERROR"), 3, "{joblog}");
    for place in ["stdout", "syslog", &fifo.display().to_string()] {
        let said = format!("Messages to {place} are lost until it works again");
        assert_eq!(count(&joblog, &said), 1, "{said}: {joblog}");
    }
    assert!(joblog.contains("number 9000"), "{joblog}");
    let log = lone.log();
    assert_eq!(count(&log, "fifo failed"), 1, "{log}");
}

#[test]
fn a_script_that_prints_without_end_costs_the_director_little_memory_and_says_what_it_left_out() {
    let lone = Lone::start(
        |r| {
            // 100 MB on one line, then 101,000 short ones.
            let big = executable(
                r,
                "big.sh",
                "#!/bin/sh\nhead -c 100000000 /dev/zero | tr '\\0' x\necho\nseq 1 101000\nexit 1\n",
            );
            format!(
                "Messages {{ Name = Kept; catalog = all; append = \"{}/kept.log\" = all }}\n\
                 Job {{ Name = Big; Type = Backup; Client = lone-fd; FileSet = Set; Storage = File; Pool = Full; Messages = Kept; RunBeforeJob = \"{}\" }}\n",
                r.display(),
                big.display()
            )
        },
        None,
        None,
        false,
    );
    let id = job_id_of(&lone.console("run job=Big yes\nwait\n"));
    let status = std::fs::read_to_string(format!("/proc/{}/status", lone.dir.0.id())).unwrap();
    let peak_kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    eprintln!("peak RSS with a RunBeforeJob printing 100 MB: {peak_kib} kB");
    assert!(peak_kib < 100 * 1024, "peak {peak_kib} kB");
    let kept = std::fs::metadata(lone.root.path().join("kept.log"))
        .unwrap()
        .len();
    assert!(kept < 16 << 20, "the append file took {kept} bytes");
    let joblog = lone.console(&format!("list joblog jobid={id}\n"));
    assert!(
        joblog.contains("more bytes of this line left out"),
        "{}",
        &joblog[..joblog.len().min(4000)]
    );
    assert!(
        joblog.contains("after the first 100000 left out"),
        "{}",
        &joblog[joblog.len().saturating_sub(4000)..]
    );
    assert!(
        joblog.contains("BeforeJob: 99999\n"),
        "a line of the script is missing"
    );
}

#[test]
fn what_a_script_or_a_mail_program_prints_reaches_the_job_log_escaped() {
    let forged = "01-Dec 13:25 lone-dir JobId 99: Termination:            Backup OK";
    let lone = Lone::start(
        |r| {
            // A relay's answer that bsmtp echoes, with a terminal escape.
            let mailer = executable(
                r,
                "mailer.sh",
                &format!(
                    "#!/bin/sh\ncat > /dev/null\nprintf '550 5.7.1 \\033]0;pwned\\007\\033[2Jno\\n{forged}\\n'\nexit 1\n"
                ),
            );
            // A raw 8-bit CSI, a right-to-left override, a backslash.
            let script = executable(
                r,
                "odd.sh",
                "#!/bin/sh\nprintf 'raw\\23331m invoice\\342\\200\\256cod.exe lit\\\\x0aname\\n'\nexit 1\n",
            );
            format!(
                "Messages {{ Name = Esc; mailcommand = \"{}\"; mail = root = all; catalog = all; append = \"{}/esc.log\" = all }}\n\
                 Job {{ Name = Odd; Type = Backup; Client = lone-fd; FileSet = Set; Storage = File; Pool = Full; Messages = Esc; RunBeforeJob = \"{}\" }}\n",
                mailer.display(),
                r.display(),
                script.display()
            )
        },
        None,
        None,
        false,
    );
    let id = job_id_of(&lone.console("run job=Odd yes\nwait\n"));
    wait_until(
        Duration::from_secs(20),
        || lone.log(),
        || lone.log().contains("550 5.7.1"),
    );
    let joblog = common::bconsole_raw(
        &lone.root.path().join("bconsole.conf"),
        format!("list joblog jobid={id}\n").as_bytes(),
    );
    let appended = std::fs::read(lone.root.path().join("esc.log")).unwrap();
    for text in [&joblog, &appended] {
        let shown = String::from_utf8_lossy(text);
        assert!(!text.contains(&0x1b) && !text.contains(&0x9b), "{shown}");
        assert!(!shown.contains('\u{202e}'), "{shown}");
        assert!(
            shown.contains("raw\\x9b31m invoice\\u{202e}cod.exe lit\\\\x0aname"),
            "{shown}"
        );
    }
    let shown = String::from_utf8_lossy(&joblog);
    assert!(
        shown.contains("550 5.7.1 \\x1b]0;pwned\\x07\\x1b[2Jno"),
        "{shown}"
    );
    assert!(!shown.lines().any(|l| l.starts_with(forged)), "{shown}");
}

/// A Pool without volumes nor Label Format, and a Job to it whose
/// Messages resource `messages` is given: the job waits for a volume, and
/// the storage daemon asks for one (its mount request, several lines).
fn waiting_job(messages: &str) -> String {
    format!(
        "Pool {{ Name = NoLab; Pool Type = Backup }}\n\
         Job {{ Name = WaitVol; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = NoLab; Messages = {messages} }}\n"
    )
}

#[test]
fn the_storage_daemons_mount_request_keeps_its_lines_and_no_line_of_it_passes_for_a_message() {
    let s = setup_conf("fd-secret", None, |p| {
        let op = recording_mailer(p.root, "op");
        format!(
            "Messages {{ Name = W; operatorcommand = \"{} %r\"; operator = op = mount; console = all }}\n{}",
            op.display(),
            waiting_job("W")
        )
    });
    let r = &s.root.path().to_path_buf();
    let id = job_id_of(&s.console("run job=WaitVol yes\n"));
    wait_until(
        Duration::from_secs(30),
        || format!("no operator mail: {}", s.log()),
        || recorded(r, "op").iter().any(|m| m.contains("Media type")),
    );
    let mail = recorded(r, "op").join("\n");
    let messages = s.console("messages\n");
    s.console(&format!("cancel jobid={id}\n"));
    for text in [&mail, &messages] {
        assert!(!text.contains("\\x0a"), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.contains("Cannot find any appendable volumes."))
            .unwrap_or_else(|| panic!("{text}"));
        // bacula-dir 9.6.7's five lines; those after the first indented.
        assert!(
            lines[at + 1]
                .starts_with("  Please use the \"label\" command to create a new Volume for:"),
            "{text}"
        );
        assert!(lines[at + 2].trim_start().starts_with("Storage:"), "{text}");
        assert!(lines[at + 3].trim_start().starts_with("Pool:"), "{text}");
        assert!(lines[at + 3].contains("NoLab"), "{text}");
        assert!(
            lines[at + 4].trim_start().starts_with("Media type:"),
            "{text}"
        );
        assert!(
            lines[at + 1..at + 5].iter().all(|l| l.starts_with("  ")),
            "{text}"
        );
    }
}

#[test]
fn a_jobs_operator_mail_goes_at_once_while_a_stalled_relay_holds_the_job_mails() {
    let s = setup_conf("fd-secret", None, |p| {
        // A relay that takes the connection and never answers.
        let stalled = executable(
            p.root,
            "stalled.sh",
            "#!/bin/sh\ncat > /dev/null\nsleep 60\n",
        );
        let op = recording_mailer(p.root, "op");
        format!(
            "Messages {{ Name = H; mailcommand = \"{}\"; mail = m = all; Mail Command Timeout = 60; operatorcommand = \"{} %r\"; operator = op = mount }}\n\
             Job {{ Name = HBad; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = H; RunBeforeJob = \"/bin/false\" }}\n{}",
            stalled.display(),
            op.display(),
            waiting_job("H")
        )
    });
    let r = &s.root.path().to_path_buf();
    // Eight job mails: four held by the relay, four waiting behind them.
    s.console(&"run job=HBad yes\nwait\n".repeat(8));
    let asked = Instant::now();
    let id = job_id_of(&s.console("run job=WaitVol yes\n"));
    wait_until(
        Duration::from_secs(40),
        || format!("no operator mail: {}", s.log()),
        || recorded(r, "op").iter().any(|m| m.contains("Media type")),
    );
    let took = asked.elapsed();
    eprintln!("the operator mail came {took:?} after the job was run, behind 8 held job mails");
    s.console(&format!("cancel jobid={id}\n"));
    // Behind the job mails it comes after their 60 s.
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn a_running_job_keeps_the_messages_resource_it_started_with_across_a_reload() {
    let s = setup_conf("fd-secret", None, |p| {
        let w = recording_mailer(p.root, "w");
        let first = recording_mailer(p.root, "first");
        // The file's first Messages resource mails elsewhere.
        format!(
            "Messages {{ Name = Other; mailcommand = \"{}\"; mail = x = all }}\n\
             Messages {{ Name = W; mailcommand = \"{}\"; mail = m = all; console = all }}\n{}",
            first.display(),
            w.display(),
            waiting_job("W")
        )
    });
    let r = &s.root.path().to_path_buf();
    let id = job_id_of(&s.console("run job=WaitVol yes\n"));
    let said = std::cell::RefCell::new(String::new());
    wait_until(
        Duration::from_secs(30),
        || format!("the job never waited: {} {}", said.borrow(), s.log()),
        || {
            said.borrow_mut().push_str(&s.console("messages\n"));
            said.borrow().contains("Please use the")
        },
    );
    let conf = r.join("dir.conf");
    let text = std::fs::read_to_string(&conf)
        .unwrap()
        .replace("Messages { Name = W;", "Messages { Name = W2;")
        .replace("Messages = W }", "Messages = W2 }");
    std::fs::write(&conf, text).unwrap();
    let out = s.console("reload\n");
    assert!(!out.contains("Reload failed"), "{out}{}", s.log());
    s.console(&format!("cancel jobid={id}\nwait\n"));
    wait_until(
        Duration::from_secs(20),
        || "no mail".into(),
        || !recorded(r, "w").is_empty(),
    );
    std::thread::sleep(Duration::from_secs(1));
    let mails = recorded(r, "w");
    assert_eq!(mails.len(), 1, "{mails:#?}");
    assert!(mails[0].contains("Termination:"), "{}", mails[0]);
    assert!(mails[0].contains("Start Backup"), "{}", mails[0]);
    assert!(
        recorded(r, "first").is_empty(),
        "{:#?}",
        recorded(r, "first")
    );
}

#[test]
fn a_duplicate_of_a_job_that_allows_none_is_canceled_at_once_and_mailed() {
    let s = setup_conf("fd-secret", None, |p| {
        let m = recording_mailer(p.root, "m");
        format!(
            "Messages {{ Name = E; mailcommand = \"{}\"; mail = m = all; catalog = all }}\n\
             Pool {{ Name = NoLab; Pool Type = Backup }}\n\
             Job {{ Name = DupJ; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = NoLab; Messages = E; Allow Duplicate Jobs = no }}\n",
            m.display()
        )
    });
    let r = &s.root.path().to_path_buf();
    let first = job_id_of(&s.console("run job=DupJ yes\n"));
    std::thread::sleep(Duration::from_secs(2));
    let second = job_id_of(&s.console("run job=DupJ yes\n"));
    let out = s.console_within(&format!("wait jobid={second}\n"), Duration::from_secs(30));
    assert_eq!(s.job_status(second), "A", "{out}");
    assert_eq!(s.job_status(first), "R", "{out}");
    let joblog = s.console(&format!("list joblog jobid={second}\n"));
    assert!(
        joblog.contains(&format!(
            "Fatal error: JobId {first} already running. Duplicate job not allowed."
        )),
        "{joblog}"
    );
    wait_until(
        Duration::from_secs(20),
        || "no mail".into(),
        || !recorded(r, "m").is_empty(),
    );
    let mail = recorded(r, "m").pop().unwrap();
    assert!(
        mail.contains(&format!("JobId:                  {second}")),
        "{mail}"
    );
    assert!(mail.contains("Canceled"), "{mail}");
    s.console(&format!("cancel jobid={first}\n"));
}

#[test]
fn a_jobs_mail_is_not_held_behind_the_directors_own_operator_mails() {
    let mail_dir = tempfile::tempdir().unwrap();
    let d = mail_dir.path();
    // A slow relay for the Director's own operator mails: 40 s each.
    let slow = executable(d, "slow.sh", "#!/bin/sh\ncat > /dev/null\nsleep 40\n");
    let daemon = format!(
        "Messages {{\n  Name = Daemon\n  operatorcommand = \"{}\"\n  operator = op1 = security\n  operator = op2 = security\n  operator = op3 = security\n  operator = op4 = security\n}}",
        slow.display()
    );
    let m = recording_mailer(d, "m");
    let lone = Lone::start(
        |_| {
            format!(
                "Messages {{ Name = J; mailcommand = \"{}\"; mail = m = all }}\n\
                 Job {{ Name = Failing; Type = Backup; Client = lone-fd; FileSet = Set; Storage = File; Pool = Full; Messages = J; RunBeforeJob = \"/bin/false\" }}\n",
                m.display()
            )
        },
        Some(&daemon),
        None,
        false,
    );
    // A Hello that is none: a security message to the four operators.
    {
        use std::io::{Read, Write};
        let mut c = std::net::TcpStream::connect(("127.0.0.1", lone.port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
        let hello = b"Hello two words calling 102\n";
        let mut p = (hello.len() as u32).to_be_bytes().to_vec();
        p.extend_from_slice(hello);
        c.write_all(&p).unwrap();
        let _ = c.read_to_end(&mut Vec::new());
    }
    std::thread::sleep(Duration::from_millis(500));
    let ran = Instant::now();
    lone.console("run job=Failing yes\nwait\n");
    wait_until(
        Duration::from_secs(60),
        || "no job mail".into(),
        || !recorded(d, "m").is_empty(),
    );
    let took = ran.elapsed();
    eprintln!("the job's mail came {took:?} after it was run, beside 4 held operator mails");
    // Behind the operator mails it comes after their 40 s.
    assert!(took < Duration::from_secs(20), "{took:?}");
}
