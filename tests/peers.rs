//! rdird talking to Debian's stock bacula-fd and bacula-sd (packages
//! bacula-fd and bacula-sd, 9.6.7): the Hello, CRAM-MD5 both ways, their
//! status through `status client` and `status storage` in bconsole, and
//! backups run from bconsole through both daemons into the catalog.

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

mod common;

use common::site::*;
use common::tree::snapshot;

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
        out.contains("Connecting to Storage daemon File at 127.0.0.1:"),
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

#[test]
fn a_full_backup_runs_through_both_daemons_into_the_catalog() {
    let s = setup("fd-secret");
    let out = s.console("run job=Backup yes\nwait\nmessages\nlist volumes\n");
    let data = s.root.path().join("data");
    assert!(
        out.contains(
            "Created new Volume=\"Vol-0001\", Pool=\"Full\", MediaType=\"File\" in catalog."
        ),
        "{out}"
    );
    assert!(
        out.contains(" test-sd JobId 1: Labeled new Volume \"Vol-0001\""),
        "{out}"
    );
    assert!(!out.contains("test-dir JobId 1: test-sd"), "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(report_line(&out, "Backup Level:"), "Full", "{out}");
    // data/, data/a.txt, data/sub/, data/sub/b.txt
    assert_eq!(report_line(&out, "FD Files Written:"), "4", "{out}");
    assert_eq!(report_line(&out, "SD Files Written:"), "4", "{out}");
    assert!(
        report_line(&out, "FD Bytes Written:").starts_with("6,005 "),
        "{out}"
    );
    assert_eq!(report_line(&out, "Volume name(s):"), "Vol-0001", "{out}");
    assert_eq!(report_line(&out, "FD termination status:"), "OK", "{out}");
    assert_eq!(report_line(&out, "SD termination status:"), "OK", "{out}");
    assert!(
        std::fs::metadata(s.root.path().join("volumes/Vol-0001"))
            .unwrap()
            .len()
            > 6005
    );
    let d = format!("{}/", data.display());
    assert_eq!(
        s.files(1),
        [
            (d.clone(), String::new()),
            (d.clone(), "a.txt".to_string()),
            (format!("{d}sub/"), String::new()),
            (format!("{d}sub/"), "b.txt".to_string()),
        ]
    );
    let db = s.catalog();
    let (status, files, bytes, level): (String, i64, i64, String) = db
        .query_row(
            "SELECT JobStatus, JobFiles, JobBytes, Level FROM Job WHERE JobId = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (status.as_str(), files, bytes, level.as_str()),
        ("T", 4, 6005, "F")
    );
    let (vol_jobs, vol_bytes): (i64, i64) = db
        .query_row(
            "SELECT VolJobs, VolBytes FROM Media WHERE VolumeName = 'Vol-0001'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(vol_jobs, 1);
    assert!(vol_bytes > 6005, "{vol_bytes}");
    let jobmedia: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM JobMedia WHERE JobId = 1 AND LastIndex = 4",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(jobmedia, 1);
    let md5: String = db
        .query_row(
            "SELECT MD5 FROM File JOIN Filename USING (FilenameId) WHERE Filename.Name = 'b.txt'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(md5.len(), 22, "{md5}");
}

#[test]
fn incrementals_and_differentials_back_up_what_changed_since_the_right_job() {
    let s = setup("fd-secret");
    // Files changed in the second a job starts are in the next one too
    // (whole-second modification times); let that second pass.
    std::thread::sleep(Duration::from_millis(1100));
    let out = s.console("run job=Backup level=Incremental yes\nwait\nmessages\n");
    assert!(
        out.contains("No prior or suitable Full backup found in catalog. Doing FULL backup."),
        "{out}"
    );
    assert_eq!(report_line(&out, "Backup Level:"), "Full", "{out}");
    assert_eq!(report_line(&out, "FD Files Written:"), "4", "{out}");
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(s.root.path().join("data/sub/c.txt"), "new\n").unwrap();
    std::thread::sleep(Duration::from_millis(1100));
    let out = s.console("run job=Backup level=Incremental yes\nwait\nmessages\n");
    assert!(
        report_line(&out, "Backup Level:").starts_with("Incremental, since=20"),
        "{out}"
    );
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let names = |job_id| -> Vec<String> { s.files(job_id).into_iter().map(|(_, n)| n).collect() };
    assert!(names(2).contains(&"c.txt".to_string()), "{:?}", names(2));
    assert!(!names(2).contains(&"a.txt".to_string()), "{:?}", names(2));
    // Nothing changed since the Incremental.
    let out = s.console("run job=Backup level=Incremental yes\nwait\nmessages\n");
    assert!(
        report_line(&out, "Backup Level:").starts_with("Incremental, since=20"),
        "{out}"
    );
    assert_eq!(report_line(&out, "FD Files Written:"), "0", "{out}");
    assert!(names(3).is_empty(), "{:?}", names(3));
    // A Differential takes everything since the Full: c.txt again, not a.txt.
    let out = s.console("run job=Backup level=Differential yes\nwait\nmessages\n");
    assert!(
        report_line(&out, "Backup Level:").starts_with("Differential, since=20"),
        "{out}"
    );
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert!(names(4).contains(&"c.txt".to_string()), "{:?}", names(4));
    assert!(!names(4).contains(&"a.txt".to_string()), "{:?}", names(4));
}

#[test]
fn a_backup_with_the_wrong_client_password_fails_and_the_director_goes_on() {
    let s = setup("not-the-fd-secret");
    let out = s.console("run job=Backup yes\nwait\nmessages\nversion\n");
    assert_eq!(
        report_line(&out, "Termination:"),
        "*** Backup Error ***",
        "{out}"
    );
    assert!(
        out.contains("Fatal error: Client \"test-fd\" at 127.0.0.1:"),
        "{out}"
    );
    assert!(out.contains("test-dir Version: "), "{out}");
    let status = s.job_status(1);
    assert_eq!(status, "f");
}

#[test]
fn python_names_the_new_volume_and_sees_the_daemons_figures() {
    let script = r#"import bacula

class JobEvents:
    def NewVolume(self, job):
        job.VolumeName = 'py-%s-%d' % (job.Client, job.JobId)

class DirEvents:
    def JobStart(self, job):
        job.set_events(JobEvents())

    def JobEnd(self, job):
        job.JobReport = 'JobEnd files=%d sd_files=%d bytes=%d fd=%s sd=%s volume=%s' % (
            job.JobFiles, job.SDJobFiles, job.JobBytes, job.FDJobStatus, job.SDJobStatus, job.VolumeName)

bacula.set_events(DirEvents())
"#;
    let s = setup_with("fd-secret", Some(script));
    let started = Instant::now();
    while !s.log().contains("Python script loaded") {
        assert!(started.elapsed() < Duration::from_secs(20), "{}", s.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert!(out.contains("Created new Volume=\"py-test-fd-1\""), "{out}");
    assert_eq!(
        report_line(&out, "Volume name(s):"),
        "py-test-fd-1",
        "{out}"
    );
    assert!(
        out.contains("JobEnd files=4 sd_files=4 bytes=6005 fd=T sd=T volume=py-test-fd-1"),
        "{out}"
    );
}

/// 900 KB that do not compress in `big/` (FileSet Big): four 200 KB
/// volumes and part of a fifth.
fn write_noise(s: &Setup) {
    let big = s.root.path().join("big");
    std::fs::create_dir_all(&big).unwrap();
    std::fs::write(big.join("noise.bin"), noise(900_000)).unwrap();
}

fn wait_for_script(s: &Setup) {
    let started = Instant::now();
    while !s.log().contains("Python script loaded") {
        assert!(started.elapsed() < Duration::from_secs(20), "{}", s.log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The catalog's volumes in MediaId order: name, status, jobs.
fn volumes(s: &Setup) -> Vec<(String, String, i64)> {
    let db = s.catalog();
    let mut q = db
        .prepare("SELECT VolumeName, VolStatus, VolJobs FROM Media ORDER BY MediaId")
        .unwrap();
    q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Five volumes named `names`, the first four Full, one job on each.
fn five_spanned(names: &[String]) -> Vec<(String, String, i64)> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let status = if i < 4 { "Full" } else { "Append" };
            (n.clone(), status.to_string(), 1)
        })
        .collect()
}

/// A pool like Small whose Label Format uses variables and a Counter.
fn formatted_pool(_: &Place<'_>) -> String {
    "Counter { Name = Seq; Minimum = 7 }\n\
     Pool { Name = Fmt; Pool Type = Backup; Label Format = \"${Pool}-${Job:l}-${NumVols:p/3/0/r}-${Seq+}\"; Maximum Volume Bytes = 200K }\n\
     Job { Name = FmtSpan; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Big\"; Storage = File; Pool = Fmt; Messages = Daemon }\n"
        .to_string()
}

fn formatted_names() -> Vec<String> {
    (0..5)
        .map(|n| format!("Fmt-fmtspan-{n:03}-{}", 7 + n))
        .collect()
}

#[test]
fn with_no_script_new_volumes_follow_the_label_format() {
    let s = setup_conf("fd-secret", None, formatted_pool);
    write_noise(&s);
    let out = s.console("run job=FmtSpan yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let names = formatted_names();
    assert_eq!(
        report_line(&out, "Volume name(s):"),
        names.join("|"),
        "{out}"
    );
    assert_eq!(volumes(&s), five_spanned(&names));
}

#[test]
fn a_new_volume_script_that_raises_leaves_the_label_format_to_name_volumes() {
    let script = r#"import bacula

class JobEvents:
    def NewVolume(self, job):
        raise RuntimeError('no names today')

class DirEvents:
    def JobStart(self, job):
        job.set_events(JobEvents())

bacula.set_events(DirEvents())
"#;
    let s = setup_conf("fd-secret", Some(script), formatted_pool);
    write_noise(&s);
    wait_for_script(&s);
    let out = s.console("run job=FmtSpan yes\nwait\nmessages\n");
    // Each failing event counts one error; the job goes on.
    assert_eq!(
        report_line(&out, "Termination:"),
        "Backup OK -- with warnings",
        "{out}"
    );
    assert_eq!(report_line(&out, "Non-fatal FD errors:"), "5", "{out}");
    assert!(out.contains("RuntimeError: no names today"), "{out}");
    let names = formatted_names();
    assert_eq!(
        report_line(&out, "Volume name(s):"),
        names.join("|"),
        "{out}"
    );
    assert_eq!(volumes(&s), five_spanned(&names));
}

#[test]
fn a_pool_at_maximum_volumes_makes_the_job_wait_then_max_wait_time_ends_it() {
    let s = setup_conf("fd-secret", None, |_| {
        "Pool { Name = Capped; Pool Type = Backup; Label Format = \"Cap-\"; Maximum Volume Bytes = 200K; Maximum Volumes = 2 }\n\
         Job { Name = CapSpan; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Big\"; Storage = File; Pool = Capped; Messages = Daemon; Max Wait Time = 5 }\n"
            .to_string()
    });
    write_noise(&s);
    s.console("run job=CapSpan yes\n");
    status_until(&s, "the job waits for a volume", |o| {
        o.contains("is waiting for an appendable Volume")
    });
    let out = s.console("wait\nmessages\nversion\n");
    assert!(
        out.contains("Pool \"Capped\" has its Maximum Volumes and none can take more data"),
        "{out}"
    );
    assert!(
        out.contains("Fatal error: Max wait time exceeded. Job canceled."),
        "{out}"
    );
    assert_eq!(
        report_line(&out, "Termination:"),
        "Backup Canceled",
        "{out}"
    );
    assert!(out.contains("test-dir Version: "), "{out}");
    let names: Vec<String> = volumes(&s).into_iter().map(|v| v.0).collect();
    assert_eq!(names, ["Cap-0001", "Cap-0002"]);
}

#[test]
fn one_job_spans_five_volumes_each_named_by_new_volume() {
    let script = r#"import bacula

class JobEvents:
    def NewVolume(self, job):
        job.VolumeName = 'span-%d' % (job.NumVols + 1)

    def VolumeFull(self, job):
        job.JobReport = 'VolumeFull %s' % job.VolumeName

class DirEvents:
    def JobStart(self, job):
        job.set_events(JobEvents())

bacula.set_events(DirEvents())
"#;
    let s = setup_with("fd-secret", Some(script));
    write_noise(&s);
    wait_for_script(&s);
    let out = s.console("run job=Span yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(
        report_line(&out, "Volume name(s):"),
        "span-1|span-2|span-3|span-4|span-5",
        "{out}"
    );
    let full: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_once(": VolumeFull ").map(|x| x.1))
        .collect();
    assert_eq!(full, ["span-1", "span-2", "span-3", "span-4"], "{out}");
    let db = s.catalog();
    let mut q = db
        .prepare("SELECT VolumeName, VolStatus, VolJobs FROM Media ORDER BY MediaId")
        .unwrap();
    let media: Vec<(String, String, i64)> = q
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected: Vec<(String, String, i64)> = (1..=5)
        .map(|n| {
            let status = if n < 5 { "Full" } else { "Append" };
            (format!("span-{n}"), status.to_string(), 1)
        })
        .collect();
    assert_eq!(media, expected);
    let spanned: i64 = db
        .query_row(
            "SELECT COUNT(DISTINCT MediaId) FROM JobMedia WHERE JobId = 1 AND LastIndex > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(spanned, 5);
}

#[test]
fn a_backup_to_a_storage_daemon_that_is_not_running_fails_and_the_director_goes_on() {
    let s = setup("fd-secret");
    let out =
        s.console("run job=NoStorage yes\nwait\nmessages\nrun job=Backup yes\nwait\nmessages\n");
    assert!(
        out.contains("Fatal error: Storage \"Gone\" at 127.0.0.1:1: cannot connect"),
        "{out}"
    );
    let terminations = termination_lines(&out);
    assert_eq!(terminations, ["*** Backup Error ***", "Backup OK"], "{out}");
}

#[test]
fn two_jobs_on_one_client_run_one_after_the_other() {
    // The Client's Maximum Concurrent Jobs is Bacula's default, 1; the
    // Storage allows 10 and the two Job resources differ.
    let s = setup("fd-secret");
    let out = s.console("run job=Backup yes\nrun job=Other yes\nwait\nmessages\n");
    let first_end = out.find("Termination:").expect(&out);
    // Either may start first; the other starts once it has ended.
    let second_start = out
        .match_indices("Start Backup JobId")
        .nth(1)
        .expect(&out)
        .0;
    assert!(second_start > first_end, "{out}");
    let terminations = out.matches("Termination:            Backup OK").count();
    assert_eq!(terminations, 2, "{out}");
}

#[test]
fn an_incremental_after_a_fileset_edit_becomes_a_full() {
    let s = setup("fd-secret");
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let conf = s.root.path().join("dir.conf");
    let text = std::fs::read_to_string(&conf).unwrap();
    let data = format!("File = {}/data", s.root.path().display());
    assert!(text.contains(&data), "{text}");
    let edited = text.replace(
        &data,
        &format!("{data}; File = {}/fd", s.root.path().display()),
    );
    std::fs::write(&conf, edited).unwrap();
    let out = s.console("reload\nrun job=Backup level=Incremental yes\nwait\nmessages\n");
    assert!(
        out.contains("No prior or suitable Full backup found in catalog. Doing FULL backup."),
        "{out}"
    );
    assert_eq!(report_line(&out, "Backup Level:"), "Full", "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
}

/// Makes a FIFO at `path`: a FileSet with `ReadFifo = yes` naming it
/// keeps its job running (the file daemon waits for a writer).
fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "{path:?}");
}

/// Polls `status dir` until `pred` holds for its output; that output.
fn status_until(s: &Setup, what: &str, pred: impl Fn(&str) -> bool) -> String {
    status_until_long(s, what, 30, pred)
}

fn stuck_job(p: &Place<'_>) -> String {
    let r = p.root;
    std::fs::create_dir_all(r.join("fifo")).unwrap();
    mkfifo(&r.join("fifo/pipe"));
    format!(
        "FileSet {{ Name = Fifo; Include {{ Options {{ ReadFifo = yes }}; File = {}/fifo/pipe }} }}\n\
         Job {{ Name = Stuck; Type = Backup; Level = Full; Client = test-fd; FileSet = Fifo; Storage = File; Pool = Full; Messages = Daemon }}\n",
        r.display()
    )
}

#[test]
fn cancel_reaches_a_running_backup_and_a_waiting_one() {
    let s = setup_conf("fd-secret", None, stuck_job);
    s.console("run job=Stuck yes\nrun job=Stuck yes\n");
    status_until(&s, "JobId 1 running, JobId 2 waiting", |o| {
        o.contains("is running") && o.contains("is waiting on max Job jobs")
    });
    // Let the file daemon reach the FIFO.
    std::thread::sleep(Duration::from_millis(1000));
    let out = s.console("cancel jobid=2\ncancel jobid=1\nwait\nmessages\n");
    let terminations = termination_lines(&out);
    assert_eq!(
        terminations,
        ["Backup Canceled", "Backup Canceled"],
        "{out}"
    );
    let db = s.catalog();
    let statuses: Vec<String> = db
        .prepare("SELECT JobStatus FROM Job ORDER BY JobId")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(statuses, ["A", "A"]);
    // Both daemons let go of the job: the next one runs through them.
    let out = s.console("run job=Backup yes\nwait\nmessages\nstatus client=test-fd\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert!(
        !out.contains("Stuck.20"),
        "the file daemon still runs it: {out}"
    );
}

/// A Backup that sends the site's data files, then waits on a FIFO no one
/// writes: it runs until it is canceled or stopped.
fn data_then_stuck(p: &Place<'_>) -> String {
    let r = p.root;
    std::fs::create_dir_all(r.join("fifo")).unwrap();
    mkfifo(&r.join("fifo/pipe"));
    format!(
        "FileSet {{ Name = DataFifo; Include {{ Options {{ ReadFifo = yes }}\n  File = {0}/data\n  File = {0}/fifo/pipe\n}} }}\n\
         Job {{ Name = Stuck; Type = Backup; Level = Full; Client = test-fd; FileSet = DataFifo; Storage = File; Pool = Full; Messages = Daemon }}\n\
         Job {{ Name = Chores; Type = Admin; Client = test-fd; FileSet = DataFifo; Storage = File; Pool = Full; Messages = Daemon; RunBeforeJob = \"/bin/sleep 30\" }}\n",
        r.display()
    )
}

#[test]
fn stop_ends_a_running_backup_incomplete_with_its_files_kept_as_bacula_dir_does() {
    let mut s = setup_conf("fd-secret", None, data_then_stuck);
    let mut seen = Vec::new();
    for director in [Director::Rdird, Director::BaculaDir] {
        s.switch_director(director);
        let id = job_ids(&s.console("run job=Stuck yes\n"))[0];
        status_until(&s, "the backup running", |o| o.contains("is running"));
        // Let the file daemon send the data files and reach the FIFO.
        std::thread::sleep(Duration::from_millis(1500));
        let out = s.console(&format!("stop jobid={id}\nwait\nmessages\n"));
        let answers: Vec<String> = out
            .lines()
            .filter(|l| l.contains("marked to be stopped"))
            .map(|l| l.split_whitespace().next().unwrap_or("").to_string())
            .collect();
        let (status, files): (String, i64) = s
            .catalog()
            .query_row(
                "SELECT JobStatus, (SELECT COUNT(*) FROM File WHERE File.JobId = Job.JobId) FROM Job WHERE JobId = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (status.as_str(), termination_lines(&out)),
            ("I", vec!["Backup failed -- Incomplete"]),
            "{director:?}: {out}"
        );
        assert!(
            files > 0,
            "{director:?}: the files sent before the stop are kept: {out}"
        );
        seen.push(answers);
        // A job that is not a Backup cannot be stopped.
        let admin = job_ids(&s.console("run job=Chores yes\n"))[0];
        let out = s.console(&format!("stop jobid={admin}\ncancel jobid={admin}\nwait\n"));
        assert!(
            out.contains(&format!("Cannot stop JobId {admin}, Job Chores."))
                && out.contains("is not a regular Backup Job"),
            "{director:?}: {out}"
        );
    }
    // The file and the storage daemon both answer the stop, as they
    // answer bacula-dir's.
    assert_eq!(seen[0], ["2001", "3000"], "{seen:?}");
    assert_eq!(seen[0], seen[1]);
}

/// Five more Client resources for the same file daemon, each taking two
/// jobs at once, a Storage taking four, and a Job per Client that holds
/// its place for two seconds (a RunBeforeJob on the Director).
fn busy_clients(p: &Place<'_>) -> String {
    let (fd_port, sd_port) = (p.fd_port, p.sd_port);
    let mut out = format!(
        "Storage {{ Name = Four; Address = 127.0.0.1; SD Port = {sd_port}; Password = \"sd-secret\"; Device = FileDev; Media Type = File; Maximum Concurrent Jobs = 4 }}\n"
    );
    for n in 1..=5 {
        out += &format!(
            "Client {{ Name = c{n}; Address = 127.0.0.1; FD Port = {fd_port}; Password = \"fd-secret\"; Catalog = MyCatalog; Maximum Concurrent Jobs = 2 }}\n\
             Job {{ Name = W{n}; Type = Backup; Level = Full; Client = c{n}; FileSet = \"Set\"; Storage = Four; Pool = Full; Messages = Daemon; Maximum Concurrent Jobs = 10; RunBeforeJob = \"/bin/sleep 2\" }}\n"
        );
    }
    out
}

#[test]
fn ten_jobs_at_once_keep_the_client_and_storage_limits() {
    let s = setup_conf("fd-secret", None, busy_clients);
    // Client c1 gets four jobs, c2 and c3 two, c4 and c5 one.
    let jobs = ["W1", "W1", "W1", "W1", "W2", "W2", "W3", "W3", "W4", "W5"];
    let runs: String = jobs.iter().map(|j| format!("run job={j} yes\n")).collect();
    s.console(&runs);
    let (mut most, mut letters) = (0, std::collections::BTreeSet::new());
    let started = Instant::now();
    loop {
        let out = s.console("status dir\n");
        let running: Vec<&str> = out.lines().filter(|l| l.ends_with(" is running")).collect();
        for n in 1..=5 {
            let on_client = running
                .iter()
                .filter(|l| l.contains(&format!(" W{n}.")))
                .count();
            assert!(on_client <= 2, "client c{n} runs {on_client} jobs: {out}");
        }
        assert!(
            running.len() <= 4,
            "the storage runs {}: {out}",
            running.len()
        );
        most = most.max(running.len());
        for (text, letter) in [
            ("is waiting on max Client jobs", 'c'),
            ("is waiting on max Storage jobs", 's'),
        ] {
            if out.contains(text) {
                letters.insert(letter);
            }
        }
        if out.contains("No Jobs running.") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{out}");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(most, 4, "the storage's four places were never all used");
    assert_eq!(letters, ['c', 's'].into_iter().collect());
    let db = s.catalog();
    let done: Vec<(String, String, i64)> = db
        .prepare("SELECT Name, JobStatus, JobFiles FROM Job ORDER BY JobId")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let expected: Vec<(String, String, i64)> = jobs
        .iter()
        .map(|j| (j.to_string(), "T".to_string(), 4))
        .collect();
    assert_eq!(done, expected);
    let files: i64 = db
        .query_row("SELECT COUNT(*) FROM File", [], |r| r.get(0))
        .unwrap();
    assert_eq!(files, 40);
}

#[test]
fn waiting_jobs_start_in_priority_order() {
    let s = setup_conf("fd-secret", None, |_| {
        "Job { Name = Hold; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; RunBeforeJob = \"/bin/sleep 2\" }\n".to_string()
    });
    // Hold runs first; the other three queue behind it.
    s.console("run job=Hold yes\n");
    status_until(&s, "Hold running", |o| {
        o.contains("Hold.") && o.contains("is running")
    });
    let out = s.console(
        "run job=Backup priority=30 yes\nrun job=Other priority=20 yes\nrun job=Backup priority=5 yes\nwait\nmessages\n",
    );
    let order: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split_once(": Start Backup JobId "))
        .map(|(_, rest)| rest.split(',').next().unwrap())
        .collect();
    // Hold first (it was alone), then by priority: 5, 20, 30.
    assert_eq!(order, ["1", "4", "3", "2"], "{out}");
    assert_eq!(
        out.matches("Termination:            Backup OK").count(),
        4,
        "{out}"
    );
}

#[test]
fn a_file_daemon_killed_in_the_middle_of_a_job_fails_that_job_only() {
    let s = setup_conf("fd-secret", None, stuck_job);
    s.console("run job=Stuck yes\n");
    status_until(&s, "JobId 1 running", |o| o.contains("is running"));
    std::thread::sleep(Duration::from_millis(1000));
    unsafe { libc::kill(s.fd.0.id() as i32, libc::SIGKILL) };
    let out = s.console("wait\nmessages\nversion\n");
    assert_eq!(
        report_line(&out, "Termination:"),
        "*** Backup Error ***",
        "{out}"
    );
    assert!(
        out.contains("Fatal error: Client \"test-fd\" at 127.0.0.1:"),
        "no line names the client: {out}"
    );
    assert!(out.contains("test-dir Version: "), "{out}");
    let status = s.job_status(1);
    assert_eq!(status, "f");
    // The storage daemon let go of the job too.
    let out = s.console("status storage=File\n");
    assert!(!out.contains("Stuck.20"), "{out}");
}

#[test]
fn volume_jobs_and_use_duration_limits_mark_volumes_used() {
    let s = setup_conf("fd-secret", None, |_| {
        "Pool { Name = Once; Pool Type = Backup; Label Format = \"Once-\"; Use Volume Once = yes }\n\
         Job { Name = OnceJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Once; Messages = Daemon }\n\
         Pool { Name = Brief; Pool Type = Backup; Label Format = \"Brief-\"; Volume Use Duration = 2 }\n\
         Job { Name = BriefJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Brief; Messages = Daemon }\n"
            .to_string()
    });
    let out = s.console("run job=OnceJob yes\nwait\nrun job=OnceJob yes\nwait\nmessages\n");
    assert!(
        out.contains("Max Volume jobs=1 exceeded. Marking Volume \"Once-0001\" as Used."),
        "{out}"
    );
    let out2 = s.console("run job=BriefJob yes\nwait\nrun job=BriefJob yes\nwait\nmessages\n");
    assert_eq!(
        out2.matches("Termination:            Backup OK").count(),
        2,
        "{out2}"
    );
    std::thread::sleep(Duration::from_millis(2500));
    let out3 = s.console("run job=BriefJob yes\nwait\nmessages\n");
    assert_eq!(report_line(&out3, "Termination:"), "Backup OK", "{out3}");
    let vols = volumes(&s);
    let summary: Vec<(&str, &str, i64)> = vols
        .iter()
        .map(|(n, st, j)| (n.as_str(), st.as_str(), *j))
        .collect();
    // Two Use-Volume-Once volumes; the Brief pool's first volume took two
    // jobs in its first two seconds and was then used up.
    assert_eq!(
        summary,
        [
            ("Once-0001", "Used", 1),
            ("Once-0002", "Used", 1),
            ("Brief-0003", "Used", 2),
            ("Brief-0004", "Append", 1)
        ],
        "{out}{out2}{out3}"
    );
}

#[test]
fn each_level_writes_to_its_own_pool() {
    let s = setup_conf("fd-secret", None, |_| {
        "Pool { Name = Incs; Pool Type = Backup; Label Format = \"Inc-\" }\n\
         Job { Name = Leveled; Type = Backup; Level = Incremental; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Full Backup Pool = Full; Incremental Backup Pool = Incs; Messages = Daemon }\n"
            .to_string()
    });
    // No Full yet: promoted, so the Full pool.
    let out = s.console("run job=Leveled yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Backup Level:"), "Full", "{out}");
    assert_eq!(
        report_line(&out, "Pool:"),
        "\"Full\" (From Job FullPool override)",
        "{out}"
    );
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(s.root.path().join("data/new.txt"), "new\n").unwrap();
    let out = s.console("run job=Leveled yes\nwait\nmessages\n");
    assert!(
        report_line(&out, "Backup Level:").starts_with("Incremental, since=20"),
        "{out}"
    );
    assert_eq!(
        report_line(&out, "Pool:"),
        "\"Incs\" (From Job IncPool override)",
        "{out}"
    );
    assert_eq!(report_line(&out, "Volume name(s):"), "Inc-0002", "{out}");
    // A console's pool= and storage= are taken (Job Backup has no
    // level pools).
    let out = s.console("run job=Backup pool=Small storage=File yes\nwait\nmessages\n");
    assert_eq!(
        report_line(&out, "Pool:"),
        "\"Small\" (From Command input)",
        "{out}"
    );
    assert_eq!(
        report_line(&out, "Storage:"),
        "\"File\" (From Command input)",
        "{out}"
    );
    let pools: Vec<(i64, String)> = s
        .catalog()
        .prepare("SELECT JobId, Pool.Name FROM Job JOIN Pool USING (PoolId) ORDER BY JobId")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        pools,
        [(1, "Full".into()), (2, "Incs".into()), (3, "Small".into())]
    );
}

/// The local hour and minute `secs` from now.
fn local_hm(secs: i64) -> (i32, i32) {
    let t = (std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + secs) as libc::time_t;
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    unsafe { libc::localtime_r(&t, &mut tm) };
    (tm.tm_hour, tm.tm_min)
}

#[test]
fn the_scheduler_starts_a_job_at_its_minute_with_the_run_line_overrides() {
    // The next minute, or the one after when this one is nearly over.
    let sec = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        % 60;
    let (h, m) = local_hm(if sec > 50 { 120 } else { 60 });
    let s = setup_conf("fd-secret", None, move |_| {
        format!(
            "Schedule {{ Name = Soon; Run = Level=Full Pool=Small Priority=7 daily at {h:02}:{m:02} }}\n\
             Job {{ Name = Timed; Type = Backup; Level = Incremental; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Schedule = Soon }}\n"
        )
    });
    let out = s.console("status dir\n");
    let row = out
        .lines()
        .find(|l| l.contains(" Timed "))
        .unwrap_or_else(|| panic!("not listed: {out}"));
    assert!(row.starts_with("Full           Backup     7  "), "{row}");
    assert!(row.contains(&format!(" {h:02}:{m:02} ")), "{row}");
    let started = Instant::now();
    while !s.log().contains("Schedule started Timed") {
        assert!(started.elapsed() < Duration::from_secs(150), "{}", s.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = s.console("wait\nmessages\n");
    assert_eq!(report_line(&out, "Backup Level:"), "Full", "{out}");
    assert_eq!(
        report_line(&out, "Pool:"),
        "\"Small\" (From Run pool override)",
        "{out}"
    );
    assert_eq!(report_line(&out, "Priority:"), "7", "{out}");
    assert!(
        report_line(&out, "Scheduled time:").ends_with(&format!(" {h:02}:{m:02}:00")),
        "{out}"
    );
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
}

#[test]
fn spooled_attributes_reach_the_catalog_as_unspooled_ones_do() {
    let s = setup_conf("fd-secret", None, |_| {
        "Job { Name = Spooled; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Spool Attributes = yes }\n"
            .to_string()
    });
    let out = s.console("run job=Backup yes\nwait\nrun job=Spooled yes\nwait\nmessages\n");
    assert!(
        out.contains("test-sd JobId 2: Sending spooled attrs to the Director."),
        "{out}"
    );
    assert_eq!(
        out.matches("Termination:            Backup OK").count(),
        2,
        "{out}"
    );
    assert_eq!(s.files(2), s.files(1));
    assert_eq!(s.files(2).len(), 4);
    let db = s.catalog();
    let md5s: Vec<(i64, String)> = db
        .prepare("SELECT JobId, MD5 FROM File JOIN Filename USING (FilenameId) WHERE Filename.Name = 'a.txt' ORDER BY JobId")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(md5s.len(), 2);
    assert_eq!(md5s[0].1, md5s[1].1);
    assert_eq!(md5s[0].1.len(), 22);
    // Both daemons are on this machine: the Director read the spool file.
    assert!(
        s.log().contains("spooled attribute records read from"),
        "{}",
        s.log()
    );
}

#[test]
fn label_writes_the_volume_through_the_storage_daemon() {
    let s = setup("fd-secret");
    let out = s.console(
        "label volume=Manual-1 pool=Full storage=File\nlabel volume=Manual-1 pool=Full storage=File\n.\nlabel volume=bad/name pool=Full storage=File\n.\n",
    );
    assert!(
        out.contains("3000 OK label. VolBytes="),
        "the storage daemon's answer: {out}"
    );
    assert!(
        out.contains("Catalog record for Volume \"Manual-1\", Slot 0  successfully created."),
        "{out}"
    );
    assert!(
        out.contains("Media record for new Volume \"Manual-1\" already exists."),
        "{out}"
    );
    assert!(
        out.contains("Illegal character \"/\" in a volume name."),
        "{out}"
    );
    let on_disk = std::fs::metadata(s.root.path().join("volumes/Manual-1"))
        .unwrap()
        .len();
    assert!(on_disk > 0);
    let bytes: i64 = s
        .catalog()
        .query_row(
            "SELECT VolBytes FROM Media WHERE VolumeName = 'Manual-1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(bytes as u64, on_disk);
    // The labeled volume takes the next backup; marked Used, it does not.
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Volume name(s):"), "Manual-1", "{out}");
    let out = s.console(
        "update volume=Manual-1 volstatus=Used\nupdate volume=Manual-1 volstatus=Bogus\nrun job=Backup yes\nwait\nmessages\n",
    );
    assert!(out.contains("New Volume status is: Used"), "{out}");
    assert!(out.contains("Invalid VolStatus specified: Bogus"), "{out}");
    assert_eq!(report_line(&out, "Volume name(s):"), "Vol-0002", "{out}");
    let out = s.console("delete volume=Vol-0002\nyes\nlist volumes\n");
    assert!(
        out.contains("Volume \"Vol-0002\" deleted from the catalog."),
        "{out}"
    );
    assert!(!out.contains("| Vol-0002"), "{out}");
    assert!(out.contains("| Manual-1 "), "{out}");
    // The job saved on Vol-0002 went with it; nothing points at a deleted
    // job or volume, and the jobs on Manual-1 keep their files.
    let count = |sql: &str| -> i64 { s.catalog().query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT COUNT(*) FROM Job WHERE Type = 'B'"), 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM JobMedia WHERE MediaId NOT IN (SELECT MediaId FROM Media) OR JobId NOT IN (SELECT JobId FROM Job)"),
        0
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM File WHERE JobId NOT IN (SELECT JobId FROM Job)"),
        0
    );
    assert!(count("SELECT COUNT(*) FROM File") > 0);
    let out = s.console(
        "delete jobid=1
list jobs
",
    );
    assert!(
        out.contains("JobId=1 and associated records deleted"),
        "{out}"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM JobMedia WHERE JobId NOT IN (SELECT JobId FROM Job)")
            + count("SELECT COUNT(*) FROM File WHERE JobId NOT IN (SELECT JobId FROM Job)"),
        0
    );
}

#[test]
fn a_script_cancels_a_running_backup_and_runs_another() {
    let script = r#"import bacula

class DirEvents:
    def JobStart(self, job):
        if job.Job == 'Trigger':
            job.JobReport = 'cancel gave %d' % job.cancel(1)
            job.JobReport = 'run gave %d' % job.run('job=Backup yes')

bacula.set_events(DirEvents())
"#;
    let s = setup_conf("fd-secret", Some(script), |p| {
        stuck_job(p)
            + "Job { Name = Trigger; Type = Admin; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }\n"
    });
    wait_for_script(&s);
    s.console("run job=Stuck yes\n");
    status_until(&s, "JobId 1 running", |o| o.contains("is running"));
    std::thread::sleep(Duration::from_millis(1000));
    let out = s.console("run job=Trigger yes\nwait\nmessages\n");
    assert!(out.contains("cancel gave 1"), "{out}");
    assert!(out.contains("run gave 3"), "{out}");
    let db = s.catalog();
    let jobs: Vec<(i64, String, String)> = db
        .prepare("SELECT JobId, Name, JobStatus FROM Job ORDER BY JobId")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        jobs,
        [
            (1, "Stuck".into(), "A".into()),
            (2, "Trigger".into(), "T".into()),
            (3, "Backup".into(), "T".into())
        ],
        "{out}"
    );
    // The file daemon was told: it ended the job as canceled.
    assert!(out.contains("FD termination status:  Canceled"), "{out}");
}

#[test]
fn purged_volumes_are_recycled_and_the_scratch_pool_lends_volumes() {
    let s = setup_conf("fd-secret", None, |_| {
        "Pool { Name = Scratch; Pool Type = Backup }\n\
         Pool { Name = Bare; Pool Type = Backup; Volume Retention = 7 days }\n\
         Job { Name = BareJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Bare; Messages = Daemon }\n"
            .to_string()
    });
    // The Bare pool has no Label Format: its volume comes from Scratch.
    let out = s.console(
        "label volume=Spare-1 pool=Scratch storage=File\nrun job=BareJob yes\nwait\nmessages\n",
    );
    assert!(
        out.contains("Using Volume \"Spare-1\" from 'Scratch' pool."),
        "{out}"
    );
    assert_eq!(report_line(&out, "Volume name(s):"), "Spare-1", "{out}");
    let (pool, retention): (String, i64) = s
        .catalog()
        .query_row(
            "SELECT Pool.Name, Media.VolRetention FROM Media JOIN Pool USING (PoolId) WHERE VolumeName = 'Spare-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((pool.as_str(), retention), ("Bare", 7 * 86_400));
    // Purged, it is recycled: the storage daemon relabels it and it holds
    // only the new job.
    let out = s.console("purge volume=Spare-1 yes\nrun job=BareJob yes\nwait\nmessages\n");
    assert!(out.contains("Recycled volume \"Spare-1\""), "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(report_line(&out, "Volume name(s):"), "Spare-1", "{out}");
    let (status, jobs, recycled): (String, i64, i64) = s
        .catalog()
        .query_row(
            "SELECT VolStatus, VolJobs, RecycleCount FROM Media WHERE VolumeName = 'Spare-1'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!((status.as_str(), jobs, recycled), ("Append", 1, 1));
}

#[test]
fn expired_volumes_are_pruned_purged_and_recycled_with_volume_purged() {
    let script = r#"import bacula

class JobEvents:
    def VolumePurged(self, job):
        job.JobReport = 'VolumePurged %s' % job.VolumeName

class DirEvents:
    def JobStart(self, job):
        job.set_events(JobEvents())

bacula.set_events(DirEvents())
"#;
    let s = setup_conf("fd-secret", Some(script), |_| {
        "Pool { Name = Short; Pool Type = Backup; Label Format = \"Short-\"; Maximum Volumes = 1; Maximum Volume Jobs = 1; Volume Retention = 2 }\n\
         Job { Name = ShortJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Short; Messages = Daemon }\n\
         Pool { Name = Keep; Pool Type = Backup; Label Format = \"Keep-\"; Maximum Volumes = 1; Maximum Volume Jobs = 1; Volume Retention = 1 year; Purge Oldest Volume = yes }\n\
         Job { Name = KeepJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Keep; Messages = Daemon }\n"
            .to_string()
    });
    wait_for_script(&s);
    let out = s.console("run job=ShortJob yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Volume name(s):"), "Short-0001", "{out}");
    std::thread::sleep(Duration::from_millis(3100));
    let out = s.console("run job=ShortJob yes\nwait\nmessages\n");
    assert!(
        out.contains("Volume \"Short-0001\" contains no jobs after pruning."),
        "{out}"
    );
    assert!(out.contains(": VolumePurged Short-0001"), "{out}");
    assert!(out.contains("Recycled volume \"Short-0001\""), "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(report_line(&out, "Volume name(s):"), "Short-0001", "{out}");
    // The pruned job left the catalog; the pool stayed at one volume.
    let db = s.catalog();
    let jobs: Vec<i64> = db
        .prepare("SELECT JobId FROM Job ORDER BY JobId")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(jobs, [2]);
    let orphans: i64 = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM File WHERE JobId = 1) + (SELECT COUNT(*) FROM JobMedia WHERE JobId = 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
    // Within its retention, a volume is purged only with Purge Oldest Volume.
    let out = s.console("run job=KeepJob yes\nwait\nrun job=KeepJob yes\nwait\nmessages\n");
    assert!(out.contains("Purging oldest volume \"Keep-0002\""), "{out}");
    assert!(out.contains(": VolumePurged Keep-0002"), "{out}");
    assert_eq!(
        out.matches("Termination:            Backup OK").count(),
        2,
        "{out}"
    );
    let vols: i64 = db
        .query_row("SELECT COUNT(*) FROM Media", [], |r| r.get(0))
        .unwrap();
    assert_eq!(vols, 2);
}

#[test]
fn a_backup_to_a_file_daemon_that_is_not_running_fails_and_the_director_goes_on() {
    let s = setup_conf("fd-secret", None, |_| {
        "Job { Name = ToGone; Type = Backup; Level = Full; Client = gone-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }\n"
            .to_string()
    });
    let out = s.console("run job=ToGone yes\nwait\nmessages\nrun job=Backup yes\nwait\nmessages\n");
    assert!(
        out.contains("Fatal error: Client \"gone-fd\" at 127.0.0.1:1: cannot connect"),
        "{out}"
    );
    let terminations = termination_lines(&out);
    assert_eq!(terminations, ["*** Backup Error ***", "Backup OK"], "{out}");
    // The storage daemon was told to let go of the job.
    let out = s.console("status storage=File\n");
    assert!(!out.contains("ToGone.20"), "{out}");
}

/// A Restore Job, as Bacula's default configuration has one.
fn restore_job(_: &Place<'_>) -> String {
    "Job { Name = RestoreFiles; Type = Restore; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = /tmp/bacula-restores }\n"
        .to_string()
}

fn set_mtime(p: &Path, secs: i64) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    let t = libc::timespec {
        tv_sec: secs as libc::time_t,
        tv_nsec: 0,
    };
    assert_eq!(
        unsafe { libc::utimensat(libc::AT_FDCWD, c.as_ptr(), [t, t].as_ptr(), 0) },
        0
    );
}

#[test]
fn a_full_and_incremental_chain_restores_byte_for_byte_to_a_new_place() {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::PermissionsExt;
    let s = setup_conf("fd-secret", None, restore_job);
    let data = s.root.path().join("data");
    std::fs::write(data.join("name with spaces.txt"), "spaces\n").unwrap();
    std::fs::write(data.join("new\nline.txt"), "newline\n").unwrap();
    let odd = data.join(std::ffi::OsStr::from_bytes(b"caf\xe9.bin"));
    std::fs::write(&odd, [0u8, 1, 2, 255]).unwrap();
    std::os::unix::fs::symlink("a.txt", data.join("link")).unwrap();
    std::fs::create_dir(data.join("empty")).unwrap();
    std::fs::write(data.join("private.txt"), "secret\n").unwrap();
    std::fs::set_permissions(
        data.join("private.txt"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();
    set_mtime(&data.join("private.txt"), 1_600_000_000);
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(data.join("a.txt"), "changed after the Full\n").unwrap();
    std::fs::hard_link(data.join("a.txt"), data.join("hard")).unwrap();
    std::fs::write(data.join("sub/c.txt"), "new in the Incremental\n").unwrap();
    let out = s.console("run job=Backup level=Incremental yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let target = s.root.path().join("restored");
    let out = s.console(&format!(
        "restore client=test-fd current all where={} done yes\nwait\nmessages\n",
        target.display()
    ));
    assert!(
        out.contains("You have selected the following JobIds: 1,2"),
        "{out}"
    );
    assert!(out.contains("Bootstrap records written to "), "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    assert_eq!(
        report_line(&out, "Files Expected:"),
        report_line(&out, "Files Restored:"),
        "{out}"
    );
    let restored = target.join(data.strip_prefix("/").unwrap());
    assert_eq!(snapshot(&restored), snapshot(&data));
}

#[test]
fn one_file_one_directory_and_replace_never() {
    let s = setup_conf("fd-secret", None, restore_job);
    let data = s.root.path().join("data");
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let r = s.root.path();
    let out = s.console(&format!(
        "restore client=test-fd jobid=1 file={0}/a.txt where={1}/one done yes\nwait\nmessages\nrestore client=test-fd jobid=1 dir={0}/sub where={1}/dir done yes\nwait\nmessages\n",
        data.display(),
        r.display()
    ));
    assert_eq!(
        out.matches("Termination:            Restore OK").count(),
        2,
        "{out}"
    );
    let under = |p: &str| r.join(p).join(data.strip_prefix("/").unwrap());
    let names = |p: &Path| {
        let mut v: Vec<String> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&under("one")), ["a.txt"]);
    assert_eq!(
        std::fs::read(under("one").join("a.txt")).unwrap(),
        std::fs::read(data.join("a.txt")).unwrap()
    );
    assert_eq!(names(&under("dir")), ["sub"]);
    assert_eq!(names(&under("dir").join("sub")), ["b.txt"]);
    // replace=never keeps what is there and restores the rest.
    std::fs::create_dir_all(under("never")).unwrap();
    std::fs::write(under("never").join("a.txt"), "mine\n").unwrap();
    let out = s.console(&format!(
        "restore client=test-fd jobid=1 all where={}/never replace=never done yes\nwait\nmessages\n",
        r.display()
    ));
    assert_eq!(report_line(&out, "Replace:"), "Never", "{out}");
    assert_eq!(
        std::fs::read_to_string(under("never").join("a.txt")).unwrap(),
        "mine\n"
    );
    assert_eq!(
        std::fs::read_to_string(under("never").join("sub/b.txt")).unwrap(),
        "beta\n"
    );
}

#[test]
fn hostile_paths_are_refused_before_anything_is_restored() {
    let s = setup_conf("fd-secret", None, restore_job);
    let data = s.root.path().join("data");
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let r = s.root.path();
    // A rewrite that leaves the restore root.
    let out = s.console(&format!(
        "restore client=test-fd jobid=1 all where={}/x regexwhere=!^/!/etc/! done yes\nlist jobs\n",
        r.display()
    ));
    assert!(out.contains("Restore refused: "), "{out}");
    assert!(
        out.contains(&format!("outside the restore root {}/x", r.display())),
        "{out}"
    );
    // A catalog entry naming "..".
    s.catalog()
        .execute(
            "UPDATE Path SET Path = ?1 WHERE Path = ?2",
            [
                format!("{}/sub/../../../escape/", data.display()),
                format!("{}/sub/", data.display()),
            ],
        )
        .unwrap();
    let out = s.console(&format!(
        "restore client=test-fd jobid=1 all where={}/y done yes\nwait\nlist jobs\n",
        r.display()
    ));
    assert!(out.contains("names \"..\". Nothing was restored."), "{out}");
    // No restore job ran, and nothing was written.
    let restores: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job WHERE Type = 'R'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(restores, 0);
    assert!(!r.join("x").exists() && !r.join("y").exists() && !r.join("escape").exists());
}

#[test]
fn a_restore_reads_across_five_volumes() {
    let s = setup_conf("fd-secret", None, restore_job);
    write_noise(&s);
    let out = s.console("run job=Span yes\nwait\nmessages\n");
    assert_eq!(
        report_line(&out, "Volume name(s):"),
        "Small-0001|Small-0002|Small-0003|Small-0004|Small-0005",
        "{out}"
    );
    let r = s.root.path();
    let out = s.console(&format!(
        "restore client=test-fd jobid=1 all where={}/back done yes\nwait\nmessages\n",
        r.display()
    ));
    for n in 1..=5 {
        assert!(out.contains(&format!("    Small-000{n} ")), "{out}");
    }
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let big = r.join("big/noise.bin");
    let back = r.join("back").join(big.strip_prefix("/").unwrap());
    assert!(std::fs::read(&big).unwrap() == std::fs::read(&back).unwrap());
}

#[test]
fn write_bootstrap_files_let_bextract_read_the_backup_back() {
    let s = setup_conf("fd-secret", None, |p| {
        format!(
            "Job {{ Name = Booted; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Write Bootstrap = \"{}/dir/%c-%n.bsr\" }}\n",
            p.root.display()
        )
    });
    let r = s.root.path();
    let out = s.console("run job=Booted yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(r.join("data/sub/new.txt"), "added\n").unwrap();
    let out = s.console("run job=Booted level=Incremental yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let bsr = std::fs::read_to_string(r.join("dir/test-fd-Booted.bsr")).unwrap();
    // The Full's record, then the Incremental's added to it.
    assert_eq!(bsr.matches("Volume=\"Vol-0001\"").count(), 2, "{bsr}");
    assert!(
        bsr.contains("VolSessionId=1\n") && bsr.contains("VolSessionId=2\n"),
        "{bsr}"
    );
    std::fs::create_dir(r.join("extracted")).unwrap();
    let out = std::process::Command::new("/usr/sbin/bextract")
        .arg("-b")
        .arg(r.join("dir/test-fd-Booted.bsr"))
        .arg("-c")
        .arg(r.join("sd.conf"))
        .arg("FileDev")
        .arg(r.join("extracted"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}{bsr}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let got = r
        .join("extracted")
        .join(r.join("data").strip_prefix("/").unwrap());
    assert_eq!(snapshot(&got), snapshot(&r.join("data")));
}

#[test]
fn short_retentions_prune_purge_and_recycle_volumes_in_turn() {
    let script = r#"import bacula

class JobEvents:
    def VolumePurged(self, job):
        job.JobReport = 'VolumePurged %s' % job.VolumeName

class DirEvents:
    def JobStart(self, job):
        job.set_events(JobEvents())

bacula.set_events(DirEvents())
"#;
    // Each job uses a volume of its own; a volume's job expires after 3 s.
    let s = setup_conf("fd-secret", Some(script), |_| {
        "Pool { Name = Cycle; Pool Type = Backup; Label Format = \"Cyc-\"; Maximum Volumes = 2; Use Volume Once = yes; Volume Retention = 3 }\n\
         Job { Name = CycJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Cycle; Messages = Daemon }\n"
            .to_string()
    });
    wait_for_script(&s);
    let mut used = Vec::new();
    let mut purged = Vec::new();
    for n in 0..5 {
        if n > 0 {
            std::thread::sleep(Duration::from_millis(2200));
        }
        let out = s.console("run job=CycJob yes\nwait\nmessages\n");
        assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
        used.push(report_line(&out, "Volume name(s):").to_string());
        purged.extend(
            out.lines()
                .filter_map(|l| l.split_once(": VolumePurged ").map(|x| x.1.to_string())),
        );
    }
    assert_eq!(
        used,
        ["Cyc-0001", "Cyc-0002", "Cyc-0001", "Cyc-0002", "Cyc-0001"]
    );
    assert_eq!(purged, ["Cyc-0001", "Cyc-0002", "Cyc-0001"]);
    let db = s.catalog();
    let (volumes, jobs): (i64, i64) = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM Media), (SELECT COUNT(*) FROM Job)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    // Two volumes (Maximum Volumes); the jobs on them are the last two.
    assert_eq!((volumes, jobs), (2, 2));
    let orphans: i64 = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM File WHERE JobId NOT IN (SELECT JobId FROM Job))
                  + (SELECT COUNT(*) FROM JobMedia WHERE JobId NOT IN (SELECT JobId FROM Job))",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(orphans, 0);
}

#[test]
fn auto_prune_removes_expired_jobs_after_a_job() {
    let s = setup_conf("fd-secret", None, |p| {
        format!(
            "Client {{ Name = brief; Address = 127.0.0.1; FD Port = {}; Password = \"fd-secret\"; Catalog = MyCatalog; File Retention = 1; Job Retention = 1 }}\n\
             Job {{ Name = BriefJob; Type = Backup; Level = Full; Client = brief; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }}\n",
            p.fd_port
        )
    });
    let out = s.console("run job=BriefJob yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    std::thread::sleep(Duration::from_millis(2200));
    let out = s.console("run job=BriefJob yes\nwait\nmessages\n");
    assert!(
        out.contains("Pruned Files from 1 Jobs for client brief from catalog."),
        "{out}"
    );
    assert!(
        out.contains("Pruned 1 Job for client brief from catalog."),
        "{out}"
    );
    let ids: Vec<i64> = s
        .catalog()
        .prepare("SELECT JobId FROM Job ORDER BY JobId")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(ids, [2]);
}

#[test]
fn prune_and_purge_commands_follow_retention_or_ignore_it() {
    let s = setup_conf("fd-secret", None, |p| {
        format!(
            "Client {{ Name = keep; Address = 127.0.0.1; FD Port = {}; Password = \"fd-secret\"; Catalog = MyCatalog; File Retention = 1; Job Retention = 1 year; AutoPrune = no }}\n\
             Pool {{ Name = Once; Pool Type = Backup; Label Format = \"Once-\"; Use Volume Once = yes }}\n\
             Job {{ Name = KeepJob; Type = Backup; Level = Full; Client = keep; FileSet = \"Set\"; Storage = File; Pool = Once; Messages = Daemon }}\n",
            p.fd_port
        )
    });
    let out = s.console("run job=KeepJob yes\nwait\nrun job=KeepJob yes\nwait\nmessages\n");
    assert_eq!(
        out.matches("Termination:            Backup OK").count(),
        2,
        "{out}"
    );
    std::thread::sleep(Duration::from_millis(2100));
    let out = s.console("prune files client=keep yes\nprune jobs client=keep yes\n");
    assert!(
        out.contains("Pruned Files from 2 Jobs for client keep from catalog."),
        "{out}"
    );
    assert!(out.contains("No Jobs found to prune."), "{out}");
    let db = s.catalog();
    let (files, purged): (i64, i64) = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM File), (SELECT SUM(PurgedFiles) FROM Job)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((files, purged), (0, 2));
    let out = s.console("purge volume=Once-0001 yes\npurge jobs client=keep yes\nlist volumes\n");
    assert!(
        out.contains("1 Job on Volume \"Once-0001\" purged from catalog."),
        "{out}"
    );
    assert!(
        out.contains("Purged 1 Job for client \"keep\" from catalog."),
        "{out}"
    );
    assert!(
        out.contains(
            "There are no more Jobs associated with Volume \"Once-0001\". Marking it purged."
        ),
        "{out}"
    );
    let statuses: Vec<String> = db
        .prepare("SELECT VolStatus FROM Media ORDER BY MediaId")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Once-0002 lost its job to purge jobs; it is purged when pruned.
    assert_eq!(statuses, ["Purged", "Used"]);
    let out = s.console("prune volume=Once-0002 yes\n");
    assert!(
        out.contains("Volume \"Once-0002\" contains no jobs after pruning."),
        "{out}"
    );
}

#[test]
fn max_run_time_cancels_a_backup_that_runs_too_long() {
    let s = setup_conf("fd-secret", None, |p| {
        stuck_job(p)
            + "Job { Name = Capped; Type = Backup; Level = Full; Client = test-fd; FileSet = Fifo; Storage = File; Pool = Full; Messages = Daemon; Max Run Time = 2 }\n"
    });
    let out = s.console("run job=Capped yes\nwait\nmessages\nversion\n");
    assert!(
        out.contains("Fatal error: Max run time exceeded. Job canceled."),
        "{out}"
    );
    assert_eq!(
        report_line(&out, "Termination:"),
        "Backup Canceled",
        "{out}"
    );
    assert_eq!(
        report_line(&out, "FD termination status:"),
        "Canceled",
        "{out}"
    );
    assert!(out.contains("test-dir Version: "), "{out}");
}

#[test]
fn verify_is_clean_after_a_backup_and_finds_a_changed_file() {
    let s = setup_conf("fd-secret", None, |_| {
        "Job { Name = Check; Type = Verify; Level = DiskToCatalog; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }\n\
         Job { Name = Snap; Type = Verify; Level = InitCatalog; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }\n\
         Job { Name = Compare; Type = Verify; Level = Catalog; Verify Job = Snap; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }\n"
            .to_string()
    });
    let data = s.root.path().join("data");
    let out = s.console(
        "run job=Backup yes\nwait\nrun job=Check yes\nwait\nrun job=Snap yes\nwait\nrun job=Compare yes\nwait\nmessages\n",
    );
    let terminations = termination_lines(&out);
    assert_eq!(
        terminations,
        ["Backup OK", "Verify OK", "Verify OK", "Verify OK"],
        "{out}"
    );
    assert!(
        out.contains("  Verify Level:           Verify Disk to Catalog"),
        "{out}"
    );
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(data.join("sub/b.txt"), "beta, longer now\n").unwrap();
    std::fs::write(data.join("added.txt"), "new\n").unwrap();
    let out = s.console("run job=Check yes\nwait\nrun job=Compare yes\nwait\nmessages\n");
    let terminations = termination_lines(&out);
    assert_eq!(
        terminations,
        ["Verify Differences", "Verify Differences"],
        "{out}"
    );
    assert!(
        out.contains(&format!("File: {}/sub/b.txt", data.display())),
        "{out}"
    );
    assert!(
        out.contains("      st_size  differ. Cat: 5 File: 17"),
        "{out}"
    );
    assert!(
        out.contains(&format!("New file: {}/added.txt", data.display())),
        "{out}"
    );
    let statuses: Vec<String> = s
        .catalog()
        .prepare("SELECT JobStatus FROM Job WHERE Type = 'V' ORDER BY JobId")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(statuses, ["T", "T", "T", "D", "D"]);
}

#[test]
fn the_interactive_tree_marks_what_is_restored() {
    let s = setup_conf("fd-secret", None, restore_job);
    let data = s.root.path().join("data");
    std::fs::write(data.join("sub/c.txt"), "gamma\n").unwrap();
    std::fs::write(data.join("skip.log"), "not wanted\n").unwrap();
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let r = s.root.path();
    let out = s.console(&format!(
        "restore client=test-fd jobid=1 where={}/picked\ncd {}\nls\nmark a.txt\ncd sub\nmark *\ncd ..\nls\nestimate\ncd nowhere\ndone\nyes\nwait\nmessages\n",
        r.display(),
        data.display()
    ));
    assert!(
        out.contains("You are now entering file selection mode"),
        "{out}"
    );
    assert!(
        out.contains(&format!("cwd is: {}/", data.display())),
        "{out}"
    );
    assert!(out.contains("\nskip.log\n"), "{out}");
    assert!(out.contains("1 file marked."), "{out}");
    assert!(out.contains("2 files marked."), "{out}");
    assert!(out.contains("\n*a.txt\n"), "{out}");
    // Marking the files in sub/ marks them, not sub/ itself, as
    // bacula-dir's set_extract does (tests/console_restore.rs compares).
    assert!(out.contains("\n*a.txt\nskip.log\nsub/\n"), "{out}");
    assert!(out.contains("Invalid path given."), "{out}");
    assert!(out.contains("marked to be restored; 6,011 bytes."), "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let back = r.join("picked").join(data.strip_prefix("/").unwrap());
    let mut got: Vec<String> = Vec::new();
    let mut stack = vec![back.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                got.push(p.strip_prefix(&back).unwrap().display().to_string());
            }
        }
    }
    got.sort();
    assert_eq!(got, ["a.txt", "sub/b.txt", "sub/c.txt"]);
}

#[test]
fn a_purged_volume_goes_to_its_recycle_pool_and_comes_back_from_scratch() {
    let s = setup_conf("fd-secret", None, |_| {
        "Pool { Name = Scratch; Pool Type = Backup }\n\
         Pool { Name = Rec; Pool Type = Backup; Label Format = \"Rec-\"; Maximum Volume Jobs = 1; Volume Retention = 2; Recycle Pool = Scratch }\n\
         Job { Name = RecJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Rec; Messages = Daemon }\n"
            .to_string()
    });
    let out = s.console("run job=RecJob yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Volume name(s):"), "Rec-0001", "{out}");
    std::thread::sleep(Duration::from_millis(3100));
    let out = s.console("run job=RecJob yes\nwait\nmessages\n");
    assert!(
        out.contains("Purged Volume \"Rec-0001\" moved to its Recycle Pool \"Scratch\"."),
        "{out}"
    );
    assert!(
        out.contains("Using Volume \"Rec-0001\" from 'Scratch' pool."),
        "{out}"
    );
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(report_line(&out, "Volume name(s):"), "Rec-0001", "{out}");
    let (pool, count): (String, i64) = s
        .catalog()
        .query_row(
            "SELECT Pool.Name, (SELECT COUNT(*) FROM Media) FROM Media JOIN Pool USING (PoolId) WHERE VolumeName = 'Rec-0001'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((pool.as_str(), count), ("Rec", 1));
}

#[test]
fn purged_volumes_are_truncated_through_the_storage_daemon() {
    let s = setup_conf("fd-secret", None, |p| {
        format!(
            "Pool {{ Name = Trunc; Pool Type = Backup; Label Format = \"Trunc-\"; Maximum Volume Jobs = 1 }}\n\
             Job {{ Name = TruncJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Trunc; Messages = Daemon }}\n\
             FileSet {{ Name = \"Noise\"; Include {{ File = {0}/big }} }}\n\
             Job {{ Name = NoiseJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Noise\"; Storage = File; Pool = Trunc; Messages = Daemon }}\n",
            p.root.display()
        )
    });
    write_noise(&s);
    let out = s.console("run job=NoiseJob yes\nwait\nrun job=NoiseJob yes\nwait\nmessages\n");
    assert_eq!(termination_lines(&out), ["Backup OK", "Backup OK"], "{out}");
    let size = |v: &str| {
        std::fs::metadata(s.root.path().join("volumes").join(v))
            .unwrap()
            .len()
    };
    let vol_bytes = |v: &str| -> i64 {
        s.catalog()
            .query_row(
                "SELECT VolBytes FROM Media WHERE VolumeName = ?1",
                [v],
                |r| r.get(0),
            )
            .unwrap()
    };
    assert!(size("Trunc-0001") > 900_000);
    // A volume that still holds jobs is not truncated.
    let out = s.console("truncate volume=Trunc-0001 storage=File yes\n");
    assert!(
        out.contains("No Volumes found to perform the command."),
        "{out}"
    );
    assert!(size("Trunc-0001") > 900_000);
    // Purged, it is cut back to its label, and the catalog agrees.
    let out = s.console("purge volume=Trunc-0001\nyes\ntruncate pool=Trunc storage=File\nyes\n");
    assert!(
        out.contains("Purged Volume(s) to truncate: Trunc-0001\n"),
        "{out}"
    );
    assert!(
        out.contains("The volume \"Trunc-0001\" has been truncated"),
        "{out}"
    );
    assert!(size("Trunc-0001") < 1000, "{}", size("Trunc-0001"));
    assert_eq!(vol_bytes("Trunc-0001") as u64, size("Trunc-0001"));
    // `action=truncate` truncates as it purges; the other volume is untouched
    // until then.
    assert!(size("Trunc-0002") > 900_000);
    let out = s.console("purge volume=Trunc-0002 action=truncate\nyes\n");
    assert!(
        out.contains("The volume \"Trunc-0002\" has been truncated"),
        "{out}"
    );
    assert_eq!(vol_bytes("Trunc-0002") as u64, size("Trunc-0002"));
    assert!(size("Trunc-0002") < 1000);
    // A truncated volume is recycled by the next job and holds it whole.
    let out = s.console("run job=NoiseJob yes\nwait\nmessages\n");
    assert_eq!(termination_lines(&out), ["Backup OK"], "{out}");
    assert_eq!(report_line(&out, "Volume name(s):"), "Trunc-0001", "{out}");
    assert!(size("Trunc-0001") > 900_000);
    assert_eq!(vol_bytes("Trunc-0001") as u64, size("Trunc-0001"));
}

#[test]
fn volume_to_catalog_and_data_verifies_read_the_backup_through_the_storage_daemon() {
    let s = setup_conf("fd-secret", None, |_| {
        "Job { Name = VolCheck; Type = Verify; Level = VolumeToCatalog; Verify Job = Backup; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }\n\
         Job { Name = DataCheck; Type = Verify; Level = Data; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }\n"
            .to_string()
    });
    let data = s.root.path().join("data");
    let out = s.console(
        "run job=VolCheck yes\nwait\nrun job=Backup yes\nwait\nrun job=VolCheck yes\nwait\nrun job=DataCheck yes\nwait\nmessages\n",
    );
    assert_eq!(
        termination_lines(&out),
        [
            "*** Verify Error ***",
            "Backup OK",
            "Verify OK",
            "Verify OK"
        ],
        "{out}"
    );
    assert!(
        out.contains("Unable to find JobId of previous Job for Backup"),
        "{out}"
    );
    assert!(
        out.contains("  Verify Level:           Verify Volume to Catalog"),
        "{out}"
    );
    assert!(
        out.contains("  Verify Level:           Verify Data"),
        "{out}"
    );
    assert!(out.contains("  Verify JobId:           2\n"), "{out}");
    assert!(out.contains("  Files Expected:         4\n"), "{out}");
    assert!(out.contains("  Files Examined:         4\n"), "{out}");
    assert!(out.contains("  SD termination status:  OK\n"), "{out}");
    // Files changed on the client do not matter: the volume is read.
    std::fs::write(data.join("sub/b.txt"), "beta, longer now\n").unwrap();
    let out = s.console("run job=VolCheck yes\nwait\nmessages\n");
    assert_eq!(termination_lines(&out), ["Verify OK"], "{out}");
    // A catalog that no longer matches the volume is found out.
    s.catalog()
        .execute(
            "UPDATE File SET MD5 = 'AAAAAAAAAAAAAAAAAAAAAA', LStat = replace(LStat, ' LJ ', ' LK ') WHERE JobId = 2 AND FilenameId = (SELECT FilenameId FROM Filename WHERE Name = 'a.txt')",
            [],
        )
        .unwrap();
    s.catalog()
        .execute(
            "DELETE FROM File WHERE JobId = 2 AND FilenameId = (SELECT FilenameId FROM Filename WHERE Name = 'b.txt')",
            [],
        )
        .unwrap();
    let out = s.console("run job=VolCheck yes\nwait\nrun job=DataCheck yes\nwait\nmessages\n");
    assert_eq!(
        termination_lines(&out),
        ["Verify Differences", "Verify OK"],
        "{out}"
    );
    assert!(
        out.contains(&format!("File: {}/a.txt", data.display())),
        "{out}"
    );
    assert!(out.contains("      MD5 differs."), "{out}");
    assert!(
        out.contains(&format!("New file: {}/sub/b.txt", data.display())),
        "{out}"
    );
    let statuses: Vec<String> = s
        .catalog()
        .prepare("SELECT JobStatus FROM Job WHERE Type = 'V' ORDER BY JobId")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(statuses, ["f", "T", "T", "T", "D", "T"]);
}

#[test]
fn names_that_differ_only_in_bytes_that_are_not_utf8_stay_apart() {
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    let s = setup_conf("fd-secret", None, restore_job);
    let data = s.root.path().join("data");
    let odd = |b: u8| data.join(std::ffi::OsStr::from_bytes(&[b'o', b'd', b'd', b]));
    std::fs::write(odd(0xfe), "fe\n").unwrap();
    std::fs::write(odd(0xff), "ff\n").unwrap();
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(report_line(&out, "FD Files Written:"), "6", "{out}");
    let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    let listed = s.console_raw(b"list files jobid=1\n");
    for b in [0xfe, 0xff] {
        let name = odd(b).into_os_string().into_vec();
        assert!(
            contains(&listed, &name),
            "{}",
            String::from_utf8_lossy(&listed)
        );
    }
    // file= with the name's own bytes picks that file and not the other.
    let pick = s.root.path().join("pick");
    let mut cmd = b"restore client=test-fd jobid=1 file=".to_vec();
    cmd.extend_from_slice(odd(0xff).as_os_str().as_bytes());
    cmd.extend_from_slice(
        format!(" where={} done yes\nwait\nmessages\n", pick.display()).as_bytes(),
    );
    let out = String::from_utf8_lossy(&s.console_raw(&cmd)).into_owned();
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    assert_eq!(report_line(&out, "Files Restored:"), "1", "{out}");
    let restored_dir = pick.join(data.strip_prefix("/").unwrap());
    let names: Vec<Vec<u8>> = std::fs::read_dir(&restored_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_vec())
        .collect();
    assert_eq!(names, [b"odd\xff".to_vec()], "{out}");
    assert_eq!(
        std::fs::read_to_string(restored_dir.join(std::ffi::OsStr::from_bytes(b"odd\xff")))
            .unwrap(),
        "ff\n"
    );
}

/// Writes `text` into the FIFO once a reader opens it, on its own thread.
fn feed_fifo(path: PathBuf, text: &'static str) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&path) {
            let _ = f.write_all(text.as_bytes());
        }
    })
}

#[test]
fn a_director_killed_in_the_middle_of_a_backup_starts_again_with_a_sound_catalog() {
    let mut s = setup_conf("fd-secret", None, |p| {
        std::fs::create_dir_all(p.root.join("fifo")).unwrap();
        mkfifo(&p.root.join("fifo/pipe"));
        format!(
            "FileSet {{ Name = WithPipe; Include {{ Options {{ ReadFifo = yes; Signature = MD5 }}; File = {0}/data; File = {0}/fifo/pipe }} }}\n\
             Job {{ Name = Nightly; Type = Backup; Level = Incremental; Client = test-fd; FileSet = WithPipe; Storage = File; Pool = Full; Messages = Daemon; Spool Attributes = no }}\n{1}",
            p.root.display(),
            restore_job(p)
        )
    });
    let r = s.root.path().to_path_buf();
    let data = r.join("data");
    let pipe = r.join("fifo/pipe");
    let original = std::fs::read(data.join("a.txt")).unwrap();
    // Incrementals compare whole seconds: the files predate the Full.
    std::thread::sleep(Duration::from_millis(1100));
    let feeder = feed_fifo(pipe.clone(), "first\n");
    let out = s.console("run job=Nightly yes\nwait\nmessages\n");
    feeder.join().unwrap();
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    // The second job saves the changed a.txt, then waits at the FIFO.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(data.join("a.txt"), "changed\n").unwrap();
    s.console("run job=Nightly yes\n");
    status_until(&s, "JobId 2 running", |o| o.contains("is running"));
    std::thread::sleep(Duration::from_millis(2000));
    unsafe { libc::kill(s.dir.0.id() as i32, libc::SIGKILL) };
    let _ = s.dir.0.wait();
    s.dir = spawn(
        env!("CARGO_BIN_EXE_rdird"),
        &r.join("dir.conf"),
        &r.join("dir-again.log"),
    );
    wait_port(s.dir_port);
    // The port is bound before the catalog is opened and swept (as root,
    // before the Director drops its privileges): a console's answer says
    // the sweep is done.
    s.console("version\n");
    {
        let db = s.catalog();
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let status: String = db
            .query_row("SELECT JobStatus FROM Job WHERE JobId = 2", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(status, "f");
        let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT COUNT(*) FROM File WHERE JobId = 2"), 0);
        assert_eq!(
            count("SELECT COUNT(*) FROM JobMedia WHERE MediaId NOT IN (SELECT MediaId FROM Media) OR JobId NOT IN (SELECT JobId FROM Job)"),
            0
        );
    }
    let out = s.console("list joblog jobid=2\n");
    assert!(
        out.contains("The Director stopped while this job ran"),
        "{out}"
    );
    // Let the file daemon finish the old job's FIFO.
    feed_fifo(pipe.clone(), "stale\n").join().unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    // The next Incremental is taken against the last good job: a.txt is
    // saved again, b.txt is not.
    let feeder = feed_fifo(pipe.clone(), "third\n");
    let out = s.console("run job=Nightly yes\nwait\nmessages\n");
    feeder.join().unwrap();
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert!(
        report_line(&out, "Backup Level:").starts_with("Incremental, since=20"),
        "{out}"
    );
    let names: Vec<String> = s.files(3).into_iter().map(|(_, n)| n).collect();
    assert!(names.contains(&"a.txt".to_string()), "{names:?}");
    assert!(!names.contains(&"b.txt".to_string()), "{names:?}");
    // The last good job restores what it saved.
    let out = s.console(&format!(
        "restore client=test-fd jobid=1 dir={} where={}/back done yes\nwait\nmessages\n",
        data.display(),
        r.display()
    ));
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let back = r.join("back").join(data.strip_prefix("/").unwrap());
    assert_eq!(std::fs::read(back.join("a.txt")).unwrap(), original);
    assert_eq!(
        std::fs::read_to_string(back.join("sub/b.txt")).unwrap(),
        "beta\n"
    );
}

#[test]
fn a_stalled_file_daemon_ends_its_job_and_the_director_keeps_serving() {
    let s = setup_conf("fd-secret", None, |p| {
        format!(
            "{}Client {{ Name = watched-fd; Address = 127.0.0.1; FD Port = {}; Password = \"fd-secret\"; Catalog = MyCatalog; Heartbeat Interval = 2 }}\n\
             Job {{ Name = Watched; Type = Backup; Level = Full; Client = watched-fd; FileSet = Fifo; Storage = File; Pool = Full; Messages = Daemon }}\n",
            stuck_job(p),
            p.fd_port
        )
    });
    let fd_pid = s.fd.0.id() as i32;
    s.console("run job=Watched yes\n");
    status_until(&s, "Watched running", |o| o.contains("is running"));
    // Held at the FIFO, the file daemon is quiet but alive: its heartbeats
    // keep the job going past the limit (15 s).
    std::thread::sleep(Duration::from_secs(17));
    let out = s.console("status dir\n");
    assert!(out.contains("is running"), "{out}");
    // Stopped, it sends nothing: the job fails, the storage daemon lets go,
    // and the console is answered meanwhile.
    unsafe { libc::kill(fd_pid, libc::SIGSTOP) };
    let out = s.console("status dir\n");
    assert!(out.contains("Running Jobs:"), "{out}");
    let out = status_until_long(&s, "the stalled job ends", 40, |o| {
        !o.contains("is running")
    });
    unsafe { libc::kill(fd_pid, libc::SIGCONT) };
    assert!(out.contains("Terminated Jobs:"), "{out}");
    let out = s.console("messages\n");
    assert_eq!(
        report_line(&out, "Termination:"),
        "*** Backup Error ***",
        "{out}"
    );
    assert!(out.contains("sent nothing in time"), "{out}");
    feed_fifo(s.root.path().join("fifo/pipe"), "late\n")
        .join()
        .unwrap();
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
}

/// As `status_until`, waiting up to `secs` seconds.
fn status_until_long(s: &Setup, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
    let started = Instant::now();
    loop {
        let out = s.console("status dir\n");
        if pred(&out) {
            return out;
        }
        assert!(
            started.elapsed() < Duration::from_secs(secs),
            "{what}: {out}\n{}",
            s.log()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// A bconsole session kept open: commands are written to it over time,
/// and what it printed is read at the end.
struct Session {
    child: Child,
    stdin: std::process::ChildStdin,
}

impl Session {
    fn open(s: &Setup) -> Session {
        let mut child = std::process::Command::new("/usr/sbin/bconsole")
            .arg("-c")
            .arg(s.bconsole_conf())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        Session { child, stdin }
    }

    fn send(&mut self, line: &str) {
        use std::io::Write;
        let _ = self.stdin.write_all(line.as_bytes());
        let _ = self.stdin.flush();
    }

    fn finish(mut self) -> String {
        self.send("quit\n");
        drop(self.stdin);
        let out = self.child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

#[test]
fn two_hundred_jobs_and_fifty_polling_consoles_at_once() {
    let jobs: usize = std::env::var("RDIRD_LOAD_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let s = setup_conf("fd-secret", None, |p| {
        format!(
            "Client {{ Name = busy-fd; Address = 127.0.0.1; FD Port = {}; Password = \"fd-secret\"; Catalog = MyCatalog; Maximum Concurrent Jobs = 10 }}\n\
             Storage {{ Name = Ten; Address = 127.0.0.1; SD Port = {}; Password = \"sd-secret\"; Device = FileDev; Media Type = File; Maximum Concurrent Jobs = 10 }}\n\
             Job {{ Name = Load; Type = Backup; Level = Full; Client = busy-fd; FileSet = \"Set\"; Storage = Ten; Pool = Full; Messages = Daemon; Maximum Concurrent Jobs = 10 }}\n",
            p.fd_port, p.sd_port
        )
    });
    let mut sessions: Vec<Session> = (0..50).map(|_| Session::open(&s)).collect();
    s.console(&"run job=Load yes\n".repeat(jobs));
    // Every session asks for the status every half second while the jobs
    // run.
    let mut polls = 0;
    loop {
        for session in &mut sessions {
            session.send("status dir\n");
        }
        polls += 1;
        std::thread::sleep(Duration::from_millis(500));
        let done: i64 = s
            .catalog()
            .query_row(
                "SELECT COUNT(*) FROM Job WHERE JobStatus NOT IN ('C', 'R')",
                [],
                |r| r.get(0),
            )
            .unwrap_or(0);
        if done as usize == jobs {
            break;
        }
        assert!(polls < 1200, "{done} of {jobs} jobs ended after 10 minutes");
    }
    let outputs: Vec<String> = sessions.into_iter().map(Session::finish).collect();
    for out in &outputs {
        assert_eq!(out.matches("Running Jobs:").count(), polls, "{out}");
    }
    // Never more than ten at once, as every poll saw.
    let most = outputs
        .iter()
        .flat_map(|o| o.split("Running Jobs:").skip(1))
        .map(|part| {
            part.split("====")
                .next()
                .unwrap_or("")
                .matches(" is running")
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(most <= 10, "{most} jobs ran at once");
    let db = s.catalog();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT COUNT(*) FROM Job WHERE JobStatus = 'T'") as usize,
        jobs
    );
    assert_eq!(count("SELECT COUNT(*) FROM File") as usize, 4 * jobs);
    assert_eq!(
        count("SELECT COUNT(DISTINCT JobId) FROM JobMedia") as usize,
        jobs
    );
    assert_eq!(count("SELECT SUM(VolJobs) FROM Media") as usize, jobs);
    assert_eq!(
        count("SELECT COUNT(*) FROM File WHERE JobId NOT IN (SELECT JobId FROM Job)"),
        0
    );
}

#[test]
fn a_full_disk_on_the_storage_daemon_fails_the_job_and_loses_nothing_earlier() {
    let s = setup_conf("fd-secret", None, |p| {
        format!(
            "FileSet {{ Name = \"Noise\"; Include {{ File = {0}/big }} }}\n\
             Job {{ Name = NoiseJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Noise\"; Storage = File; Pool = Full; Messages = Daemon }}\n{1}",
            p.root.display(),
            restore_job(p)
        )
    });
    let r = s.root.path().to_path_buf();
    let _disk = SmallDisk::mount(&r.join("volumes"), "700k");
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    // 900 KB of noise does not fit in what is left.
    write_noise(&s);
    let out = s.console("run job=NoiseJob yes\nwait\nmessages\n");
    assert_ne!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert!(out.contains("Out of freespace"), "{out}");
    let db = s.catalog();
    let status: String = db
        .query_row("SELECT JobStatus FROM Job WHERE JobId = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(["f", "E", "A"].contains(&status.as_str()), "{status}");
    drop(db);
    // The Director still answers, and the first backup restores whole.
    let out = s.console(&format!(
        "status dir\nrestore client=test-fd jobid=1 all where={}/back done yes\nwait\nmessages\n",
        r.display()
    ));
    assert!(out.contains("Terminated Jobs:"), "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let data = r.join("data");
    let back = r.join("back").join(data.strip_prefix("/").unwrap());
    assert_eq!(
        std::fs::read(back.join("a.txt")).unwrap(),
        std::fs::read(data.join("a.txt")).unwrap()
    );
    assert_eq!(
        std::fs::read_to_string(back.join("sub/b.txt")).unwrap(),
        "beta\n"
    );
}
