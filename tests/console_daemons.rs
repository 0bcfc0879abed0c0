//! The console's commands that reach the file and storage daemons
//! (estimate, .ls, mount/unmount/release, setdebug, status client and
//! storage), against real bacula-fd, bacula-sd and bconsole, each
//! compared with stock bacula-dir 9.6.7 on the same configuration and
//! catalog.

mod common;
use common::site::*;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// The lines of a console conversation that came from the daemons or the
/// command, without bconsole's own (login, catalog, messages notice).
fn answer(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| {
            !l.starts_with("Connecting to Director")
                && !l.starts_with("1000 OK")
                && !l.starts_with("Enter a period")
                && !l.starts_with("You have messages")
                && !l.starts_with("Automatically selected Catalog")
                && !l.starts_with("Using Catalog")
        })
        .map(str::to_string)
        .collect()
}

/// The names an `estimate ... listing` printed (the last field of each
/// ls line), and its `2000 OK estimate` line.
fn listing(out: &str) -> (BTreeSet<String>, String) {
    let names = out
        .lines()
        .filter(|l| l.starts_with(['-', 'd', 'l']) && l.contains("  /"))
        .map(|l| l[l.find("  /").unwrap() + 2..].to_string())
        .collect();
    let total = out
        .lines()
        .find(|l| l.starts_with("2000 OK estimate"))
        .unwrap_or_else(|| panic!("no estimate total in {out}"))
        .to_string();
    (names, total)
}

/// The names a job's catalog records hold, as the file daemon lists them
/// (directories without their trailing slash).
fn backed_up(s: &Setup, job_id: i64) -> BTreeSet<String> {
    s.files(job_id)
        .into_iter()
        .map(|(path, name)| {
            if name.is_empty() {
                path.trim_end_matches('/').to_string()
            } else {
                format!("{path}{name}")
            }
        })
        .collect()
}

fn run_backup(s: &Setup, level: &str) -> i64 {
    let out = s.console_within(
        &format!("run job=Backup level={level} yes\nwait\n"),
        Duration::from_secs(60),
    );
    let id = *job_ids(&out)
        .last()
        .unwrap_or_else(|| panic!("no job: {out}"));
    assert_eq!(s.job_status(id), "T", "{out}\n{}", s.log());
    id
}

#[test]
fn estimate_listing_names_exactly_the_files_a_backup_saves_with_bacula_dirs_count() {
    let mut s = setup("fd-secret");
    let data = s.root.path().join("data");

    let full = s.console("estimate job=Backup listing\n");
    let (names, total) = listing(&full);
    assert!(
        full.contains("Connecting to Client test-fd at 127.0.0.1:"),
        "{full}"
    );
    let id = run_backup(&s, "Full");
    assert_eq!(names, backed_up(&s, id), "{full}");
    assert_eq!(total, "2000 OK estimate files=4 bytes=6,005", "{full}");

    // Without `listing`, the total alone.
    let quiet = s.console("estimate job=Backup\n");
    assert_eq!(listing(&quiet).0.len(), 0, "{quiet}");
    assert_eq!(listing(&quiet).1, total);

    // An Incremental since that Full: the new file (and the directory
    // that holds it), as the next Incremental saves.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(data.join("sub/new.txt"), "new\n").unwrap();
    let incr = s.console("estimate job=Backup level=Incremental listing\n");
    let (incr_names, incr_total) = listing(&incr);
    let accurate = s.console("estimate job=Backup level=Incremental accurate=yes listing\n");
    let (accurate_names, accurate_total) = listing(&accurate);

    let dot = ".estimate job=Backup\n.estimate job=Backup level=Incremental\n.estimate\n.estimate job=Nope\n";
    let our_dot = s.console(dot);
    s.switch_director(Director::BaculaDir);
    let their_dot = s.console(dot);
    let b_full = s.console("estimate job=Backup listing\n");
    let b_incr = s.console("estimate job=Backup level=Incremental listing\n");
    let b_accurate = s.console("estimate job=Backup level=Incremental accurate=yes listing\n");
    s.switch_director(Director::Rdird);

    let id = run_backup(&s, "Incremental");
    assert_eq!(incr_names, backed_up(&s, id), "{incr}");
    assert!(incr_names.contains(&format!("{}/sub/new.txt", data.display())));
    assert_eq!(listing(&b_incr), (incr_names, incr_total), "{b_incr}");
    assert_eq!(
        listing(&b_accurate),
        (accurate_names, accurate_total),
        "rdird:\n{accurate}\nbacula-dir:\n{b_accurate}"
    );
    // The files of the Full as it stood then (new.txt came later).
    let (b_names, b_total) = listing(&b_full);
    assert!(b_names.is_superset(&names), "{b_full}");
    assert_eq!(b_total, "2000 OK estimate files=5 bytes=6,009", "{b_full}");
    // `.estimate` reads the catalog: one Full of 4 files, 6,005 bytes.
    assert_eq!(answer(&our_dot), answer(&their_dot));
    assert!(
        our_dot.contains("nbjob=1\ncorrbytes=10\njobbytes=6005\ncorrfiles=10\njobfiles=4\n"),
        "{our_dot}"
    );
    // Line by line: what bacula-dir printed is what rdird prints.
    let now = s.console("estimate job=Backup listing\n");
    assert_eq!(answer(&now), answer(&b_full));
}

#[test]
fn dot_ls_lists_one_directory_of_the_client_as_bacula_dir_does() {
    let mut s = setup("fd-secret");
    let data = s.root.path().join("data");
    let cmd = format!(".ls client=test-fd path={}/\n", data.display());
    let ours = s.console(&cmd);
    let names = listing_names(&ours);
    assert!(
        names.contains(&format!("{}/a.txt", data.display())),
        "{ours}"
    );
    assert!(names.contains(&format!("{}/sub", data.display())), "{ours}");
    assert!(!names.iter().any(|n| n.ends_with("b.txt")), "{ours}");
    s.switch_director(Director::BaculaDir);
    let theirs = s.console(&cmd);
    assert_eq!(answer(&ours), answer(&theirs));
}

fn listing_names(out: &str) -> BTreeSet<String> {
    out.lines()
        .filter(|l| l.starts_with(['-', 'd', 'l']) && l.contains("  /"))
        .map(|l| l[l.find("  /").unwrap() + 2..].to_string())
        .collect()
}

/// A second Storage on the same device, and a console limited to the
/// first Storage, one Client that is down, and one Job.
fn acl_site() -> Setup {
    setup_conf("fd-secret", None, |p| {
        format!(
            "Storage {{ Name = Always; Address = 127.0.0.1; SD Port = {}; Password = \"sd-secret\"; Device = FileDev; Media Type = File }}\n\
             Console {{ Name = fileonly; Password = \"fo-secret\"; StorageACL = File; CommandACL = mount, unmount, umount, release, setdebug, status, estimate, setbandwidth, statistics, \".ls\"; ClientACL = gone-fd; JobACL = Other; FileSetACL = Set; }}\n",
            p.sd_port
        )
    })
}

#[test]
fn mount_unmount_and_release_relay_the_storage_daemons_answers_as_bacula_dir() {
    let mut s = acl_site();
    let script = "mount storage=File\nunmount storage=File\nrelease storage=File\numount storage=File\nmount\n1\n";
    let ours = s.console(script);
    s.switch_director(Director::BaculaDir);
    let theirs = s.console(script);
    s.switch_director(Director::Rdird);
    assert_eq!(answer(&ours), answer(&theirs));
    assert!(ours.contains("3906 File device \"\"FileDev\" ("), "{ours}");
    assert!(
        ours.contains("The defined Storage resources are:"),
        "{ours}"
    );
    assert!(ours.contains("Select Storage resource (1-3): 1"), "{ours}");

    // A file device is open only while a job writes to it: unmounted
    // between jobs it is "already unmounted" (stored/dircmd.c
    // unmount_cmd), and the next backup opens it again, with either
    // Director.
    let unmounted = s.console("unmount storage=File\n");
    assert!(
        unmounted.contains("3901 Device \"\"FileDev\""),
        "{unmounted}"
    );
    run_backup(&s, "Full");
}

#[test]
fn a_console_outside_its_storage_and_client_acls_reaches_no_daemon() {
    let s = acl_site();
    let before = s.console("setdebug level=0 storage=File\n");
    assert!(before.contains("3000 OK setdebug=0"), "{before}");
    let ours = s.console_as(
        "fileonly",
        "fo-secret",
        "mount storage=Always\nrelease storage=Always\nsetdebug level=50 storage=Always\nsetdebug level=50 client=test-fd\nestimate job=Backup\nestimate job=Other client=test-fd\n.ls client=test-fd path=/\nstatus client=test-fd\nmount jobid=1\nstatus network client=test-fd storage=File bytes=1k\nsetbandwidth limit=1k client=test-fd\nstatistics client=test-fd\n",
    );
    for refusal in [
        "Storage \"Always\" not found.",
        "Client \"test-fd\" not found.",
        "Job \"Backup\" not found.",
        "JobId 1 is not running.",
    ] {
        assert!(ours.contains(refusal), "{refusal}: {ours}");
    }
    assert!(
        !answer(&ours).iter().any(|l| l.starts_with("Connecting to")),
        "{ours}"
    );
    assert!(!ours.contains("3000 OK setdebug=50"), "{ours}");
    // Its own storage it reaches.
    let own = s.console_as("fileonly", "fo-secret", "mount storage=File\n");
    assert!(own.contains("3906 File device"), "{own}");
}

#[test]
fn setdebug_reaches_each_daemon_and_prompts_like_bacula_dir() {
    let mut s = setup("fd-secret");
    let script = "setdebug level=100 client=test-fd\nsetdebug level=0 storage=File\nsetdebug level=0 trace=0 client=test-fd\nsetdebug level=10\n1\nsetdebug level=0 dir\nsetdebug tags=bogus level=1 dir\n";
    let ours = s.console(script);
    let prompt = s.console("setdebug\n");
    let others = "setbandwidth limit=100k client=test-fd\nsetbandwidth limit=0 client=test-fd\nsetbandwidth\n2\n2m/s\n1\nstatistics client=test-fd\nstatistics storage=File\nstatistics\n3\n1\nsetip\n";
    let our_others = s.console(others);
    let our_dir_stats = s.console("statistics\n1\n");
    s.switch_director(Director::BaculaDir);
    let theirs = s.console(script);
    let their_prompt = s.console("setdebug\n");
    let their_others = s.console(others);
    let their_dir_stats = s.console("statistics\n1\n");
    s.switch_director(Director::Rdird);
    assert_eq!(
        layout(&answer(&our_others)),
        layout(&answer(&their_others)),
        "rdird:\n{our_others}\nbacula-dir:\n{their_others}"
    );
    for line in [
        "2000 OK Limiting bandwidth to 102.4 KB/s on running and future jobs",
        "2000 OK Limiting bandwidth to 2.097 MB/s on running and future jobs",
        "Choose where to limit the bandwidth (1-2): 2",
        "bacula.client.test-fd.memory.bufs=",
        "bacula.storage.test-sd.device.FileDev.status=1",
        "Select daemon type for statistics (1-3): 3",
        "Unauthorized command from this console.",
    ] {
        assert!(our_others.contains(line), "{line}: {our_others}");
    }
    // The Director's own metrics: each one rdird gives is bacula-dir's,
    // with its value (the same configuration and catalog); bacula-dir's
    // memory figures (its allocator's) rdird has not.
    let theirs_dir: Vec<String> = answer(&their_dir_stats);
    let ours_dir: Vec<String> = answer(&our_dir_stats)
        .into_iter()
        .filter(|l| l.starts_with("bacula."))
        .collect();
    assert_eq!(ours_dir.len(), 20, "{our_dir_stats}");
    for l in &ours_dir {
        assert!(theirs_dir.contains(l), "{l}: {their_dir_stats}");
    }
    assert_eq!(answer(&ours), answer(&theirs));
    assert!(
        ours.contains("2000 OK setdebug=100 trace=0 hangup=0"),
        "{ours}"
    );
    assert!(ours.contains("3000 OK setdebug=0 trace=-1"), "{ours}");
    assert!(
        ours.contains("Select daemon type to set debug level (1-4): 1"),
        "{ours}"
    );
    assert_eq!(answer(&prompt), answer(&their_prompt));
    assert!(prompt.contains("Enter new debug level: "), "{prompt}");

    // The Director's own level: debug lines appear at 100, not at 0.
    let before = s.log().len();
    s.console("setdebug level=200 dir\nstatus client=test-fd\nsetdebug level=0 dir\n");
    let with_debug = s.log()[before..].to_string();
    assert!(
        with_debug.contains("DEBUG") || with_debug.contains("TRACE"),
        "{with_debug}"
    );
    let before = s.log().len();
    s.console("status client=test-fd\n");
    let quiet = s.log()[before..].to_string();
    assert!(
        !quiet.contains("DEBUG") && !quiet.contains("TRACE"),
        "{quiet}"
    );

    // `trace on`: the lines go to <Working Directory>/<Director>.trace
    // instead, until `trace off`.
    let trace = s.root.path().join("dir/test-dir.trace");
    let before = s.log().len();
    s.console("trace on\nsetdebug level=200 dir\nstatus client=test-fd\nsetdebug level=0 dir\ntrace off\n");
    let traced = std::fs::read_to_string(&trace).unwrap_or_default();
    assert!(
        traced.contains("TRACE") || traced.contains("DEBUG"),
        "{traced}"
    );
    assert!(!s.log()[before..].contains("DEBUG"), "{}", s.log());
    s.console("setdebug level=200 dir\nstatus client=test-fd\nsetdebug level=0 dir\n");
    assert_eq!(std::fs::read_to_string(&trace).unwrap_or_default(), traced);
}

#[test]
fn a_daemon_that_is_down_or_silent_ends_the_command_with_its_name() {
    // A "daemon" that accepts and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let s = setup_director(
        "fd-secret",
        None,
        "  FD Connect Timeout = 5\n  SD Connect Timeout = 5\n",
        |_| {
            format!(
                "Client {{ Name = mute-fd; Address = 127.0.0.1; FD Port = {port}; Password = x; Catalog = MyCatalog }}\n\
                 Storage {{ Name = Mute; Address = 127.0.0.1; SD Port = {port}; Password = x; Device = FileDev; Media Type = File }}\n"
            )
        },
    );
    let started = Instant::now();
    let down = s.console_or_kill(
        "mount storage=Gone\nsetdebug level=1 client=gone-fd\nestimate job=Backup client=gone-fd\n",
        Duration::from_secs(60),
    );
    assert!(
        down.contains("Failed to connect to Storage daemon \"Gone\""),
        "{down}"
    );
    assert!(
        down.contains("Failed to connect to Client gone-fd"),
        "{down}"
    );
    assert!(
        down.contains("Failed to estimate on Client \"gone-fd\""),
        "{down}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    let mute = s.console_or_kill(
        "mount storage=Mute\nsetdebug level=1 client=mute-fd\n",
        Duration::from_secs(200),
    );
    assert!(
        mute.contains("Failed to connect to Storage daemon \"Mute\""),
        "{mute}"
    );
    assert!(
        mute.contains("Failed to connect to Client mute-fd"),
        "{mute}"
    );
    // Each gives up once the 5 s connect timeout has passed, not after
    // the minute a job's connection waits for its daemon.
    assert!(
        started.elapsed() < Duration::from_secs(40),
        "{:?}",
        started.elapsed()
    );
    drop(silent);
}

#[test]
fn hostile_arguments_neither_crash_nor_inject() {
    let s = setup("fd-secret");
    let huge = "x".repeat(100_000);
    // bconsole sends one line per command: a line break cannot reach the
    // Director inside an argument, so the hostile parts are quotes,
    // sizes and SQL.
    let out = s.console_or_kill(
        &format!(
            "mount storage={huge}\nmount device=\"FileDev;release\" storage=File\nsetdebug level=1 options=\"a status\" client=test-fd\nsetdebug level=1 tags=\"'; DROP TABLE Job; --\" dir\nestimate job=\"Backup'; DELETE FROM Job; --\"\n.ls client=\"test-fd' OR 1=1\" path=/tmp\nsetdebug level=99999999999999999999 client=test-fd\n.\nestimate job=Backup level=\"Full listing\"\nmount drive=\"0 slot=1\" storage=File\nstatus network client=test-fd storage=File bytes=1e999\nsetbandwidth limit=99999999999999999999999999 client=test-fd\nstatistics client=test-fd \"bacula.client'; --\"\n"
        ),
        Duration::from_secs(60),
    );
    assert!(out.contains("Invalid device name."), "{out}");
    assert!(
        out.contains("Incorrect options found on command line"),
        "{out}"
    );
    assert!(
        out.contains("Incorrect tags found on command line"),
        "{out}"
    );
    assert!(
        out.contains("Job \"Backup'; DELETE FROM Job; --\" not found."),
        "{out}"
    );
    assert!(
        out.contains("Client \"test-fd' OR 1=1\" not found."),
        "{out}"
    );
    assert!(out.contains("Level \"Full listing\" not valid."), "{out}");
    assert!(out.contains("Invalid drive \"0 slot=1\""), "{out}");
    assert!(out.contains("Invalid bytes=\"1e999\""), "{out}");
    assert!(
        out.contains("Invalid value for limit parameter. Expecting speed."),
        "{out}"
    );
    assert!(out.contains("Invalid metric name"), "{out}");
    assert!(!out.contains("3022"), "{out}");
    let jobs: i64 = s
        .catalog()
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'Job'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(jobs, 1);
    let after = s.console("status client=test-fd\n");
    assert!(after.contains("test-fd Version"), "{after}");
}

/// A daemon's report with its figures and times blanked, so that two
/// reports a few seconds apart compare line by line.
fn layout(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            l.chars()
                .map(|c| if c.is_ascii_digit() { '9' } else { c })
                .collect::<String>()
        })
        // rdird says why it could not connect; bacula-dir only that it
        // could not.
        .map(|l| match l.strip_prefix("Failed to connect to ") {
            Some(rest) => format!(
                "Failed to connect to {}",
                rest.split([':', '.']).next().unwrap_or(rest)
            ),
            None => l,
        })
        .map(|l| {
            // Figures change width (heap=266,240 vs 270,336).
            let mut out = String::new();
            for c in l.chars() {
                if !(c == '9' && out.ends_with('9')) {
                    out.push(c);
                }
            }
            out
        })
        .collect()
}

#[test]
fn status_client_and_storage_relay_the_daemons_reports_as_bacula_dir() {
    let mut s = setup("fd-secret");
    let script = "status client=test-fd\nstatus storage=File\nstatus client\n1\nstatus storage\n1\n.status client=test-fd running\n.status storage=File header\nstatus client=gone-fd\n";
    let ours = s.console(script);
    s.switch_director(Director::BaculaDir);
    let theirs = s.console(script);
    s.switch_director(Director::Rdird);
    assert_eq!(
        layout(&answer(&ours)),
        layout(&answer(&theirs)),
        "rdird:\n{ours}\nbacula-dir:\n{theirs}"
    );
    for line in [
        "Connecting to Client test-fd at 127.0.0.1:",
        "Connecting to Storage daemon File at 127.0.0.1:",
        "Select Client (File daemon) resource (1-2): 1",
        "Select Storage resource (1-2): 1",
        "Running Jobs:",
        "Terminated Jobs:",
        "Device status:",
        "Failed to connect to Client gone-fd",
    ] {
        assert!(ours.contains(line), "{line}: {ours}");
    }
}

#[test]
fn status_network_measures_between_the_file_and_storage_daemons_as_bacula_dir() {
    let mut s = setup("fd-secret");
    let script = "status network client=test-fd storage=File bytes=100k\n";
    let ours = s.console_within(script, Duration::from_secs(60));
    s.switch_director(Director::BaculaDir);
    let theirs = s.console_within(script, Duration::from_secs(60));
    s.switch_director(Director::Rdird);
    let speeds = |out: &str| -> Vec<String> {
        answer(out)
            .into_iter()
            .map(|l| match l.split_once(" duration=") {
                Some((head, _)) => head.to_string(),
                None => l,
            })
            .collect()
    };
    assert_eq!(
        speeds(&ours),
        speeds(&theirs),
        "rdird:\n{ours}\nbacula-dir:\n{theirs}"
    );
    assert!(
        ours.contains(
            "Running network test between Client=test-fd and Storage=File with 102.4 KB ..."
        ),
        "{ours}"
    );
    assert_eq!(
        ours.matches("2000 OK bytes=102400 duration=").count(),
        2,
        "{ours}"
    );
}
