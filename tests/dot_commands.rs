//! The dot commands GUIs send, against stock bacula-dir 9.6.7 on the same
//! configuration and catalog: a raw console of the test's own speaks the
//! protocol in `.api 1`, as bat does, and what each Director sends back
//! (data packets and api signals, BNET_CMD_BEGIN to BNET_MAIN_PROMPT) is
//! compared packet for packet. Then a restricted console tries to get out
//! of its ACLs through them, and hostile arguments must change nothing.

use std::net::TcpStream;
use std::time::Duration;

mod common;
use common::site::*;

use rdird::bnet::{cram, Connection, Packet, Signal};

const CONSOLES: &str = "Console {\n  Name = narrow\n  Password = \"narrow-secret\"\n  CommandACL = .jobs, .clients, .pools, .storage, .filesets, .catalogs, .schedule, .defaults, .backups, .media, .messages, .help, .types\n  JobACL = Backup\n  ClientACL = test-fd\n  PoolACL = Full\n  StorageACL = File\n  FileSetACL = Set\n  CatalogACL = Other\n  ScheduleACL = Weekly\n}\n\
     Schedule {\n  Name = Nightly\n  Run = Full daily at 23:10\n}\n\
     Schedule {\n  Name = Weekly\n  Run = Full sun at 01:00\n}\n\
     Job {\n  Name = Restorer\n  Type = Restore\n  Client = test-fd\n  FileSet = \"Set\"\n  Storage = File\n  Pool = Full\n  Messages = Daemon\n  Where = /tmp/restored\n}\n";

fn site() -> Setup {
    setup_conf("fd-secret", None, |_| CONSOLES.into())
}

/// A console session of the test's own, logged in as bconsole logs in.
struct Raw(Connection);

impl Raw {
    fn login(s: &Setup) -> Raw {
        let stream = TcpStream::connect(("127.0.0.1", s.dir_port)).unwrap();
        let mut c = Connection::new(stream, "the Director", Duration::from_secs(30));
        c.send("Hello *UserAgent* calling 102\n").unwrap();
        let key = cram::password_key("console-secret");
        cram::answer_peer(&mut c, &key).unwrap();
        cram::challenge_peer(&mut c, "bconsole", &key).unwrap();
        let greeting = c.recv_text().unwrap();
        assert!(greeting.starts_with("1000 OK"), "{greeting}");
        Raw(c)
    }

    /// Sends `command`; every packet until the Director waits for the
    /// next command (BNET_MAIN_PROMPT in api mode, EOD in text mode).
    fn ask(&mut self, command: &[u8]) -> Vec<String> {
        self.0.send(command).unwrap();
        let mut got = Vec::new();
        // In api mode a prompt follows BNET_TEXT_INPUT; in text mode
        // BNET_SUB_PROMPT follows it.
        let mut prompt_next = false;
        loop {
            match self.0.recv().unwrap() {
                Packet::Data(d) => {
                    got.push(format!("{:?}", String::from_utf8_lossy(&d)));
                    if prompt_next {
                        return got;
                    }
                }
                Packet::Signal(s) => {
                    got.push(format!("signal {}", s.code()));
                    match s {
                        Signal::MainPrompt | Signal::Eod | Signal::SubPrompt => return got,
                        Signal::TextInput => prompt_next = true,
                        _ => {}
                    }
                }
            }
        }
    }
}

/// A session with the Director's queue of messages read (what the site's
/// jobs left there), so that a reply compared carries no
/// BNET_MSGS_PENDING of theirs.
fn drained(s: &Setup) -> Raw {
    std::thread::sleep(Duration::from_millis(1500));
    let mut raw = Raw::login(s);
    raw.ask(b"messages");
    raw
}

/// What bat and the other GUIs send, each compared whole.
const COMPARED: &[&str] = &[
    ".jobs",
    ".jobs type=R",
    ".jobs type=!B",
    ".clients",
    ".clients address=127.0.0.1",
    ".filesets",
    ".msgs",
    ".pools",
    ".storage",
    ".storage unique",
    ".catalogs",
    ".schedule",
    ".types",
    ".levels",
    ".levels Backup",
    ".levels Verify",
    ".volstatus",
    ".actiononpurge",
    ".tags",
    ".mediatypes",
    ".locations",
    ".media",
    ".defaults job=Backup",
    ".defaults job=Restorer",
    ".defaults pool=Full",
    ".defaults client=test-fd",
    ".defaults storage=File",
    ".defaults job=NoSuchJob",
    ".backups client=test-fd fileset=Set",
    ".sql query=\"SELECT VolumeName, VolJobs FROM Media ORDER BY 1\"",
    ".help item=run",
    ".",
    ".nosuch",
    ".jo",
    ".api 2",
    ".jobs",
    ".api 0",
    ".jobs",
    ".api 1",
];

/// Every reply to `.api 1` then each of COMPARED, from one session. A
/// daemon's message may reach either Director at any time: the
/// BNET_MSGS_PENDING it brings is left out here (the status test below
/// checks it where the test makes the messages).
fn transcript(s: &Setup) -> Vec<(String, Vec<String>)> {
    let mut raw = drained(s);
    let mut out = vec![(".api 1".to_string(), raw.ask(b".api 1"))];
    for c in COMPARED {
        let mut reply = raw.ask(c.as_bytes());
        reply.retain(|p| p != "signal -17");
        out.push((c.to_string(), reply));
    }
    out
}

#[test]
fn dot_commands_answer_packet_for_packet_as_bacula_dir_does() {
    let mut s = site();
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert!(out.contains("Backup OK"), "{out}");
    // bacula-dir first: it adds what it keeps of the configuration to
    // the catalog as it starts (Pool, Storage, MediaType rows), and both
    // Directors must read the same catalog.
    // bconsole in its own text mode too: the greeting names the Director.
    let typed: String = COMPARED
        .iter()
        .take_while(|c| !c.starts_with(".api"))
        .filter(|c| !c.starts_with(".nosuch"))
        .map(|c| format!("{c}\n"))
        .collect();
    let bconsole = |s: &Setup| -> String {
        let out = s.console(&typed);
        out.split_once("Enter a period to cancel a command.\n")
            .map(|(_, rest)| rest.to_string())
            .unwrap_or(out)
    };
    s.switch_director(Director::BaculaDir);
    let bacula = transcript(&s);
    let bacula_text = bconsole(&s);
    s.switch_director(Director::Rdird);
    let rdird = transcript(&s);
    let rdird_text = bconsole(&s);
    for (ours, theirs) in rdird_text.lines().zip(bacula_text.lines()) {
        assert_eq!(
            ours, theirs,
            "bconsole: rdird (left) and bacula-dir (right)"
        );
    }
    assert_eq!(rdird_text.lines().count(), bacula_text.lines().count());
    for ((command, theirs), (_, ours)) in bacula.iter().zip(&rdird) {
        assert_eq!(
            ours, theirs,
            "{command}: rdird (left) and bacula-dir 9.6.7 (right) differ"
        );
    }
    // The api signals themselves, as bat reads them.
    let (_, api1) = &rdird[0];
    assert_eq!(api1, &["signal -15", "signal -18"]);
    let jobs = &rdird[1].1;
    assert_eq!(jobs.first().map(String::as_str), Some("signal -16"));
    assert_eq!(&jobs[jobs.len() - 2..], ["signal -15", "signal -18"]);
}

#[test]
fn a_restricted_console_sees_only_its_own_resources_through_the_dot_commands() {
    let s = site();
    let out = s.console("run job=Backup yes\nwait\nlabel storage=File pool=Small volume=Other-1\n");
    assert!(out.contains("Job queued. JobId=1"), "{out}");
    let narrow = |input: &str| s.console_as("narrow", "narrow-secret", input);
    let lines = |out: &str, command: &str| -> Vec<String> {
        out.split(command)
            .nth(1)
            .unwrap_or_else(|| panic!("{command} not echoed: {out}"))
            .lines()
            .take_while(|l| !l.starts_with('.') && !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let out = narrow(".jobs\n.clients\n.pools\n.storage\n.filesets\n.catalogs\n.schedule\n");
    assert_eq!(lines(&out, ".jobs\n"), ["Backup"], "{out}");
    assert_eq!(lines(&out, ".clients\n"), ["test-fd"], "{out}");
    assert_eq!(lines(&out, ".pools\n"), ["Full"], "{out}");
    assert_eq!(lines(&out, ".storage\n"), ["File"], "{out}");
    assert_eq!(lines(&out, ".filesets\n"), ["Set"], "{out}");
    assert!(lines(&out, ".catalogs\n").is_empty(), "{out}");
    assert_eq!(lines(&out, ".schedule\n"), ["Weekly"], "{out}");
    // Names outside the ACLs tell nothing, as names that do not exist.
    let out = narrow(
        ".defaults job=Other\n.defaults client=gone-fd\n.defaults pool=Small\n.defaults storage=Gone\n.types\n",
    );
    for refused in ["job=Other", "client=gone-fd", "pool=Small", "storage=Gone"] {
        assert!(
            lines(&out, &format!(".defaults {refused}\n")).is_empty(),
            "{out}"
        );
    }
    let out = narrow(
        ".backups client=gone-fd fileset=Set\n.backups client=test-fd fileset=Big\n.media\n",
    );
    assert_eq!(
        out.matches("Access to specified Client or FileSet not allowed.")
            .count(),
        2,
        "{out}"
    );
    // Other-1 is in pool Small, outside PoolACL (bacula-dir 9.6.7 lists it).
    assert_eq!(lines(&out, ".media\n"), ["Vol-0001"], "{out}");
    // Not in its CommandACL: refused as a command that does not exist;
    // `.api` needs no entry, as in bacula-dir.
    let out = narrow(".sql query=\"SELECT * FROM Job\"\n.levels\n.status dir\n");
    for refused in [".sql", ".levels", ".status"] {
        assert!(
            out.contains(&format!("{refused}: is an invalid command.")),
            "{out}"
        );
    }
    assert!(!out.contains("Backup.20"), "{out}");
}

#[test]
fn hostile_arguments_to_the_dot_commands_change_nothing_and_leave_the_director_serving() {
    let s = site();
    let out = s.console("run job=Backup yes\nwait\n");
    assert!(out.contains("Job queued. JobId=1"), "{out}");
    let jobs_before: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job", [], |r| r.get(0))
        .unwrap();
    let huge = "A".repeat(200_000);
    let mut input = Vec::new();
    for line in [
        ".backups client=\"test-fd' OR '1'='1\" fileset=\"Set'; DELETE FROM Job; --\"".to_string(),
        ".defaults job=\"Backup'; DROP TABLE Job; --\"".to_string(),
        format!(".defaults job={huge}"),
        format!(".clients address={huge}"),
        format!(".jobs type={huge}"),
        format!(".levels {huge} {huge}"),
        ".help item=\"\\\"; rm -rf /\"".to_string(),
        ".sql query=\"DELETE FROM Job\"".to_string(),
        ".sql query=\"SELECT 1; DELETE FROM Job\"".to_string(),
    ] {
        input.extend_from_slice(line.as_bytes());
        input.push(b'\n');
    }
    input
        .extend_from_slice(b".jobs type=\xff\xfe\n.defaults job=\xc3\x28\n.clients address=\xff\n");
    input.extend_from_slice(b".jobs\n");
    let out = String::from_utf8_lossy(&s.console_raw(&input)).into_owned();
    // The last command is answered: the Director is still serving.
    assert!(
        out.trim_end().ends_with("Restorer"),
        "{}",
        &out[out.len().saturating_sub(2000)..]
    );
    let jobs_after: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jobs_after, jobs_before);
    let out = s.console(".jobs\n");
    assert!(
        out.contains("Backup\nOther\nNoStorage\nSpan\nRestorer\n"),
        "{out}"
    );
}

#[test]
fn jlist_gives_a_listing_as_one_json_object_in_any_mode() {
    let s = site();
    let out = s.console("run job=Backup yes\nwait\n.jlist jobs\n.api 2\n.jlist volumes\n");
    let json: Vec<serde_json::Value> = out
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(json.len(), 2, "{out}");
    assert_eq!(json[0]["result"]["jobs"][0]["name"], "Backup", "{out}");
    assert_eq!(
        json[1]["result"]["volumes"][0]["volumename"], "Vol-0001",
        "{out}"
    );
}

/// The keys of an `.api 2` packet (`key=value` items between `sep`).
fn keys(packet: &str, sep: char) -> Vec<String> {
    packet
        .trim_matches('"')
        .replace("\\n", "\n")
        .split([sep, '\n'])
        .filter_map(|kv| kv.split_once('=').map(|(k, _)| k.to_string()))
        .collect()
}

/// Only the signals of a reply, and prompts (which end in ": ").
fn shape(reply: &[String]) -> Vec<String> {
    reply
        .iter()
        .filter(|p| p.starts_with("signal") || p.ends_with(": \""))
        .cloned()
        .collect()
}

#[test]
fn status_dir_parts_and_prompts_in_api_mode_as_bacula_dir_sends_them() {
    let mut s = site();
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert!(out.contains("Backup OK"), "{out}");
    let script: &[&str] = &[
        ".api 1",
        ".status dir running",
        ".status dir",
        ".status dir nonsense",
        ".api 2",
        ".status dir header",
        ".status dir running",
        ".api 2 api_opts=t1s43",
        ".status dir header",
        ".api 1",
        "sqlquery",
        "SELECT 1;",
        "",
        "run job=Backup yes",
        "wait",
        ".types",
        ".messages",
        ".types",
    ];
    let mut replies = Vec::new();
    for d in [Director::BaculaDir, Director::Rdird] {
        s.switch_director(d);
        let mut raw = drained(&s);
        replies.push(
            script
                .iter()
                .map(|c| raw.ask(c.as_bytes()))
                .collect::<Vec<_>>(),
        );
    }
    let (bacula, rdird) = (&replies[0], &replies[1]);
    // No job running, bad arguments: the same packets.
    for i in [1, 2, 3, 6] {
        assert_eq!(rdird[i], bacula[i], "{}", script[i]);
    }
    // The header's keys, in bacula-dir's order, with both separators;
    // the values that do not depend on the Director's build agree.
    for (i, sep) in [(5, '\n'), (8, '+')] {
        let (ours, theirs) = (&rdird[i][1], &bacula[i][1]);
        assert_eq!(
            keys(ours, sep),
            keys(theirs, sep),
            "{}: {ours} / {theirs}",
            script[i]
        );
        for same in [
            "name=test-dir",
            "jobs_running=0",
            "nclients=2",
            "nstores=2",
            "npools=2",
            "nfset=2",
            "nscheds=2",
        ] {
            assert!(
                ours.contains(same) && theirs.contains(same),
                "{same}: {ours} / {theirs}"
            );
        }
        assert!(ours.starts_with("\"header:\\n"), "{ours}");
    }
    // t1: times as seconds since the epoch, as bacula-dir writes them.
    let epoch = |p: &str| {
        p.split('+')
            .find_map(|kv| kv.strip_prefix("started="))
            .is_some_and(|v| v.parse::<i64>().is_ok())
    };
    assert!(
        epoch(&rdird[8][1]) && epoch(&bacula[8][1]),
        "{:?}",
        rdird[8]
    );
    // A prompt in api mode: BNET_TEXT_INPUT, then the prompt, and the
    // command's BNET_CMD_BEGIN before all of it.
    for i in [10, 11, 12] {
        assert_eq!(shape(&rdird[i]), shape(&bacula[i]), "{}", script[i]);
    }
    // Messages waiting after a job: one BNET_MSGS_PENDING after a
    // command's BNET_CMD_OK (after `run` or after `wait`, as the job's
    // first message comes), not again until they are read.
    let pending = |replies: &[Vec<String>]| -> Vec<usize> {
        replies[13..]
            .iter()
            .map(|r| r.iter().filter(|p| *p == "signal -17").count())
            .collect()
    };
    for who in [rdird, bacula] {
        let p = pending(who);
        assert_eq!(p.iter().sum::<usize>(), 1, "{who:?}");
        assert_eq!(p[2..], [0, 0, 0], "{who:?}");
    }
    for i in 13..script.len() {
        let without = |r: &[String]| {
            let mut r = shape(r);
            r.retain(|p| p != "signal -17");
            r
        };
        assert_eq!(without(&rdird[i]), without(&bacula[i]), "{}", script[i]);
    }
    // `.messages` gives them, as `messages` does.
    assert!(
        rdird[16].iter().any(|p| p.contains("Backup OK")),
        "{:?}",
        rdird[16]
    );
}

/// In api mode a selection list comes as bacula-dir's do_prompt
/// (ua_select.c) sends it for a GUI's dialog: BNET_START_SELECT, the
/// heading, the bare items, BNET_END_SELECT, BNET_SELECT_INPUT, then
/// the question after BNET_TEXT_INPUT; in text mode the numbered lines.
#[test]
fn a_selection_list_in_api_mode_is_framed_for_a_dialog_as_bacula_dir_frames_it() {
    let mut s = site();
    let script: &[&[u8]] = &[
        b".api 1",
        b"list nextvol",
        b".",
        b".api 0",
        b"list nextvol",
        b".",
    ];
    let mut replies = Vec::new();
    for d in [Director::BaculaDir, Director::Rdird] {
        s.switch_director(d);
        let mut raw = drained(&s);
        replies.push(script.iter().map(|c| raw.ask(c)).collect::<Vec<_>>());
    }
    let (bacula, rdird) = (&replies[0], &replies[1]);
    for i in 1..script.len() {
        assert_eq!(
            rdird[i],
            bacula[i],
            "{:?}",
            String::from_utf8_lossy(script[i])
        );
    }
    // What the comparison stands on: the api list starts with
    // BNET_START_SELECT (-11) and its items have no numbers.
    let start = rdird[1].iter().position(|p| p == "signal -11");
    assert_eq!(
        rdird[1].get(start.map_or(0, |i| i + 1)).map(String::as_str),
        Some("\"The defined Job resources are:\\n\""),
        "{:?}",
        rdird[1]
    );
    assert!(
        rdird[1].contains(&"\"Backup\"".to_string()),
        "{:?}",
        rdird[1]
    );
    assert!(rdird[4].iter().any(|p| p.contains("1: ")), "{:?}", rdird[4]);
}

/// A daemon's `.status` packets end with the C string's NUL, and a file
/// daemon sends a lone NUL after each part: bacula-dir 9.6.7 relays them
/// with `send_msg("%s", …)` (ua_dotcmds.c, ua_status.c
/// do_client_status), which stops at the NUL, so no console gets one.
#[test]
fn no_nul_byte_from_a_daemon_reaches_the_console() {
    let s = site();
    let mut raw = drained(&s);
    raw.ask(b".api 2");
    for command in [
        &b".status client=test-fd header"[..],
        b".status client=test-fd running",
        b".status storage=File header",
        b"status client=test-fd",
        b"status storage=File",
    ] {
        let reply = raw.ask(command);
        assert!(reply.iter().any(|p| p.len() > 8), "{reply:?}");
        assert!(
            !reply.iter().any(|p| p.contains("\\0")),
            "{}: {reply:?}",
            String::from_utf8_lossy(command)
        );
    }
}

/// A bare TCP connect and close (a monitoring probe) is no login attempt:
/// it queues no security message, as bacula-dir 9.6.7 stays silent; a
/// wrong password still does.
#[test]
fn a_port_probe_is_no_security_violation_but_a_wrong_password_is() {
    let mut s = site();
    for d in [Director::BaculaDir, Director::Rdird] {
        s.switch_director(d);
        let mut raw = drained(&s);
        for _ in 0..3 {
            drop(TcpStream::connect(("127.0.0.1", s.dir_port)).unwrap());
        }
        std::thread::sleep(Duration::from_millis(1500));
        let after_probes = raw.ask(b"messages").join("");
        assert!(!after_probes.contains("Security"), "{d:?}: {after_probes}");
    }
    let mut raw = drained(&s);
    let mut c = Connection::new(
        TcpStream::connect(("127.0.0.1", s.dir_port)).unwrap(),
        "the Director",
        Duration::from_secs(30),
    );
    c.send("Hello *UserAgent* calling 102\n").unwrap();
    let _ = cram::answer_peer(&mut c, &cram::password_key("not-the-password"));
    drop(c);
    std::thread::sleep(Duration::from_millis(1500));
    let after_guess = raw.ask(b"messages").join("");
    assert!(after_guess.contains("Security violation"), "{after_guess}");
}
