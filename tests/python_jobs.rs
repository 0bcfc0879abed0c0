//! Scripts in real jobs (bacula-fd, bacula-sd, bconsole): the figures a
//! notification reads, a level written in JobInit applied whole, a
//! priority that moves a job in the real queue, and `job.run` from
//! inside an event.

mod common;

use std::time::{Duration, Instant};

use common::site::*;

/// The Director gives up on nothing here: a job that does not end in
/// this long means the Director is stuck.
const LIMIT: Duration = Duration::from_secs(60);

/// Every line a script wrote with `tag` in front, without it.
fn tagged<'a>(out: &'a str, tag: &str) -> Vec<&'a str> {
    out.lines()
        .filter_map(|l| l.split_once(tag).map(|(_, rest)| rest.trim()))
        .collect()
}

fn one<'a>(out: &'a str, tag: &str) -> &'a str {
    let found = tagged(out, tag);
    assert_eq!(found.len(), 1, "one {tag} line in {out}");
    found[0]
}

/// A column of the catalog's Job row.
fn job_column<T: rusqlite::types::FromSql>(s: &Setup, job_id: i64, column: &str) -> T {
    s.catalog()
        .query_row(
            &format!("SELECT {column} FROM Job WHERE JobId = ?1"),
            [job_id],
            |r| r.get(0),
        )
        .unwrap()
}

/// Waits until the catalog says the job runs.
fn wait_running(s: &Setup, job_id: i64) {
    let started = Instant::now();
    while s.job_status(job_id) != "R" {
        assert!(started.elapsed() < LIMIT, "JobId {job_id} never ran");
        std::thread::sleep(Duration::from_millis(50));
    }
}

const FIGURES: &str = r#"import bacula, time
def when(t):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
class Events:
    def JobStart(self, job):
        job.JobReport = "at-start: %d %d %d %d %r sched=%d" % (job.StartTime, job.EndTime, job.ReadBytes, job.LastRate, job.Volumes, job.SchedTime > 0)
    def JobEnd(self, job):
        job.JobReport = "read: %d" % job.ReadBytes
        job.JobReport = "bytes: %d" % job.JobBytes
        job.JobReport = "rate: %d" % job.LastRate
        job.JobReport = "time-sched: %s" % when(job.SchedTime)
        job.JobReport = "time-start: %s" % when(job.StartTime)
        job.JobReport = "time-end: %s" % when(job.EndTime)
        job.JobReport = "volumes: %s" % "|".join(job.Volumes)
        job.JobReport = "types: %s" % " ".join(type(getattr(job, n)).__name__ for n in ("ReadBytes", "LastRate", "SchedTime", "StartTime", "EndTime", "Volumes"))
bacula.set_events(Events())
"#;

#[test]
fn job_end_reads_the_figures_and_volumes_the_catalog_holds() {
    let s = setup_with("fd-secret", Some(FIGURES));
    let big = s.root.path().join("big");
    std::fs::create_dir_all(&big).unwrap();
    // Over the Small pool's 200K volume limit: the job spans volumes.
    std::fs::write(big.join("noise.bin"), noise(500_000)).unwrap();
    let out = s.console_or_kill("run job=Span yes\nwait\nmessages\n", LIMIT);
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(one(&out, "at-start:"), "0 0 0 0 () sched=1", "{out}");
    let column = |c: &str| job_column::<i64>(&s, 1, c);
    let text = |c: &str| job_column::<String>(&s, 1, c);
    assert_eq!(one(&out, "read:"), column("ReadBytes").to_string());
    assert!(column("ReadBytes") >= 500_000, "{out}");
    assert_eq!(one(&out, "bytes:"), column("JobBytes").to_string());
    assert_eq!(one(&out, "time-sched:"), text("SchedTime"));
    assert_eq!(one(&out, "time-start:"), text("StartTime"));
    assert_eq!(one(&out, "time-end:"), text("EndTime"));
    let run: i64 = s
        .catalog()
        .query_row(
            "SELECT strftime('%s', EndTime) - strftime('%s', StartTime) FROM Job WHERE JobId = 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        one(&out, "rate:"),
        (column("JobBytes") / run.max(1)).to_string()
    );
    let db = s.catalog();
    let mut q = db
        .prepare(
            "SELECT Media.VolumeName FROM JobMedia JOIN Media USING (MediaId) WHERE JobId = 1 GROUP BY Media.MediaId ORDER BY MIN(JobMediaId)",
        )
        .unwrap();
    let volumes: Vec<String> = q
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert!(volumes.len() >= 2, "{volumes:?}");
    assert_eq!(one(&out, "volumes:"), volumes.join("|"));
    assert_eq!(one(&out, "types:"), "int int int int int tuple", "{out}");
}

const LEVELS: &str = r#"import bacula
class JobEvents:
    def JobInit(self, job):
        job.JobReport = "init-found: %s" % job.Level
        if job.Job == "ToFull":
            job.Level = "Full"
        elif job.Job == "ToInc":
            job.Level = "Incremental"
class Events:
    def JobStart(self, job):
        job.set_events(JobEvents())
    def JobEnd(self, job):
        job.JobReport = "end-level: %s %s" % (job.Level, job.Pool)
bacula.set_events(Events())
"#;

fn levels_site() -> Setup {
    let s = setup_conf("fd-secret", Some(LEVELS), |_| {
        "Pool { Name = FullP; Pool Type = Backup; Label Format = \"FullP-\" }\n\
         Pool { Name = IncP; Pool Type = Backup; Label Format = \"IncP-\" }\n\
         Job { Name = ToFull; Type = Backup; Level = Incremental; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Full Backup Pool = FullP; Incremental Backup Pool = IncP; Messages = Daemon }\n\
         Job { Name = ToInc; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Full Backup Pool = FullP; Incremental Backup Pool = IncP; Messages = Daemon }\n"
            .to_string()
    });
    // Files changed in the second a job starts are in the next one too
    // (whole-second modification times); let that second pass.
    std::thread::sleep(Duration::from_millis(1100));
    s
}

/// The pool of the catalog's Job row.
fn job_pool(s: &Setup, job_id: i64) -> String {
    s.catalog()
        .query_row(
            "SELECT Pool.Name FROM Job JOIN Pool USING (PoolId) WHERE JobId = ?1",
            [job_id],
            |r| r.get(0),
        )
        .unwrap()
}

fn names(s: &Setup, job_id: i64) -> Vec<String> {
    s.files(job_id).into_iter().map(|(_, n)| n).collect()
}

/// Adds a file to the backed-up folder, a second later than the last job
/// started (the since time has a one-second grain).
fn change_a_file(s: &Setup) {
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(s.root.path().join("data/sub/c.txt"), "new\n").unwrap();
}

#[test]
fn a_full_written_in_job_init_backs_up_everything_in_the_full_pool() {
    let s = levels_site();
    // The first ToFull has no prior Full: promoted before JobInit.
    let out = s.console_or_kill("run job=ToFull yes\nwait\nmessages\n", LIMIT);
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(one(&out, "init-found:"), "Full", "{out}");
    let everything = names(&s, 1);
    change_a_file(&s);
    // Now an Incremental is possible; JobInit makes it a Full.
    let out = s.console_or_kill("run job=ToFull yes\nwait\nmessages\n", LIMIT);
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(one(&out, "init-found:"), "Incremental", "{out}");
    assert_eq!(report_line(&out, "Backup Level:"), "Full", "{out}");
    assert_eq!(one(&out, "end-level:"), "Full FullP", "{out}");
    assert!(
        report_line(&out, "Pool:").starts_with("\"FullP\" (From Job FullPool override)"),
        "{out}"
    );
    assert_eq!(job_column::<String>(&s, 2, "Level"), "F");
    assert_eq!(job_pool(&s, 2), "FullP");
    let mut all = names(&s, 2);
    assert!(all.contains(&"c.txt".to_string()), "{all:?}");
    all.retain(|n| n != "c.txt");
    assert_eq!(all, everything);
}

#[test]
fn an_incremental_written_in_job_init_is_promoted_without_a_full_and_takes_only_changes_after_one()
{
    let s = levels_site();
    // No prior Full: the Incremental JobInit asks for is promoted.
    let out = s.console_or_kill("run job=ToInc yes\nwait\nmessages\n", LIMIT);
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(one(&out, "init-found:"), "Full", "{out}");
    assert!(
        out.contains("No prior or suitable Full backup found in catalog. Doing FULL backup."),
        "{out}"
    );
    assert_eq!(report_line(&out, "Backup Level:"), "Full", "{out}");
    assert_eq!(one(&out, "end-level:"), "Full FullP", "{out}");
    assert_eq!(job_column::<String>(&s, 1, "Level"), "F");
    assert_eq!(job_pool(&s, 1), "FullP");
    assert!(names(&s, 1).contains(&"a.txt".to_string()));
    change_a_file(&s);
    // With that Full, the Incremental stands: only the changed file, in
    // the Incremental pool, since the Full's start.
    let out = s.console_or_kill("run job=ToInc yes\nwait\nmessages\n", LIMIT);
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(one(&out, "init-found:"), "Full", "{out}");
    let full_start = job_column::<String>(&s, 1, "StartTime");
    assert_eq!(
        report_line(&out, "Backup Level:"),
        format!("Incremental, since={full_start}"),
        "{out}"
    );
    assert_eq!(one(&out, "end-level:"), "Incremental IncP", "{out}");
    assert!(
        report_line(&out, "Pool:").starts_with("\"IncP\" (From Job IncPool override)"),
        "{out}"
    );
    assert_eq!(job_column::<String>(&s, 2, "Level"), "I");
    assert_eq!(job_pool(&s, 2), "IncP");
    let changed = names(&s, 2);
    assert!(changed.contains(&"c.txt".to_string()), "{changed:?}");
    assert!(!changed.contains(&"a.txt".to_string()), "{changed:?}");
}

/// Each JobRun appends the job's name to `order` in the Working
/// Directory, so the test sees the order in which jobs really ran.
const PRIORITY: &str = r#"import bacula, os
def note(what):
    with open(os.path.join(bacula.WorkingDir, "order"), "a") as f:
        f.write(what + "\n")
class JobEvents:
    def JobInit(self, job):
        if job.Job == "Urgent":
            job.Priority = 5
    def JobRun(self, job):
        note(job.Job)
        try:
            job.Priority = 1
            job.JobReport = "late-priority: taken"
        except RuntimeError as e:
            job.JobReport = "late-priority: %s" % e
class Events:
    def JobStart(self, job):
        job.set_events(JobEvents())
    def JobEnd(self, job):
        job.JobReport = "end-priority: %s %d" % (job.Job, job.Priority)
bacula.set_events(Events())
"#;

fn admin_job(name: &str, before: &str) -> String {
    format!(
        "Job {{\n  Name = {name}\n  Type = Admin\n  Client = test-fd\n  FileSet = \"Set\"\n  Storage = File\n  Pool = Full\n  Messages = Daemon\n{before}}}\n"
    )
}

#[test]
fn priority_moves_the_job_only_before_it_runs() {
    let s = setup_director(
        "fd-secret",
        Some(PRIORITY),
        "  Maximum Concurrent Jobs = 1\n",
        |_| {
            admin_job(
                "Hold",
                "  RunScript {\n    RunsWhen = Before\n    RunsOnClient = no\n    Command = \"/bin/sleep 3\"\n  }\n",
            ) + &admin_job("Early", "")
                + &admin_job("Urgent", "")
        },
    );
    s.console_or_kill("run job=Hold yes\n", LIMIT);
    wait_running(&s, 1);
    // Early is queued first; Urgent's script raises its priority.
    let out = s.console_or_kill(
        "run job=Early yes\nrun job=Urgent yes\nwait\nmessages\n",
        LIMIT,
    );
    let order = std::fs::read_to_string(s.root.path().join("dir/order")).unwrap();
    assert_eq!(order, "Hold\nUrgent\nEarly\n", "{out}");
    let ended: Vec<&str> = tagged(&out, "end-priority:");
    assert!(ended.contains(&"Urgent 5"), "{out}");
    assert!(ended.contains(&"Early 10"), "{out}");
    // Once running, a change is refused and the priority stays.
    let late = tagged(&out, "late-priority:");
    assert_eq!(late.len(), 3, "{out}");
    for l in late {
        assert_eq!(
            l,
            "Priority can only be set during JobStart or JobInit (now: JobRun)"
        );
    }
    for id in 1..=3 {
        assert_eq!(s.job_status(id), "T");
    }
}

/// The parent's JobStart starts Child; each JobStart notes in `order`
/// when it begins and returns.
const RUN_INSIDE: &str = r#"import bacula, os
def note(what):
    with open(os.path.join(bacula.WorkingDir, "order"), "a") as f:
        f.write(what + "\n")
class Events:
    def JobStart(self, job):
        note("JobStart %s begins" % job.Job)
        if job.Job == "Parent":
            job.JobReport = "started: %d" % job.run("run job=Child yes")
        note("JobStart %s returns" % job.Job)
bacula.set_events(Events())
"#;

#[test]
fn run_inside_an_event_does_not_deadlock_and_the_new_job_starts_after() {
    let s = setup_conf("fd-secret", Some(RUN_INSIDE), |_| {
        admin_job("Parent", "") + &admin_job("Child", "")
    });
    let out = s.console_or_kill("run job=Parent yes\nwait\nmessages\n", LIMIT);
    assert_eq!(one(&out, "started:"), "2", "{out}");
    assert_eq!(s.job_status(1), "T");
    assert_eq!(s.job_status(2), "T");
    assert_eq!(job_column::<String>(&s, 2, "Name"), "Child");
    let order = std::fs::read_to_string(s.root.path().join("dir/order")).unwrap();
    let at = |line: &str| {
        order
            .lines()
            .position(|l| l == line)
            .unwrap_or_else(|| panic!("no {line:?} in {order}"))
    };
    // The parent's event returned, and the job it started got its own
    // JobStart once created.
    assert!(at("JobStart Parent begins") < at("JobStart Parent returns"));
    assert!(at("JobStart Parent begins") < at("JobStart Child begins"));
    assert!(at("JobStart Child begins") < at("JobStart Child returns"));
}

/// JobInit makes the job a Differential once the test leaves a flag in
/// the Working Directory.
const TO_DIFF: &str = r#"import bacula, os
class JobEvents:
    def JobInit(self, job):
        if os.path.exists(os.path.join(bacula.WorkingDir, "make-diff")):
            job.Level = "Differential"
class Events:
    def JobStart(self, job):
        job.set_events(JobEvents())
bacula.set_events(Events())
"#;

#[test]
fn a_level_written_in_job_init_brings_its_own_max_run_time() {
    let s = setup_conf("fd-secret", Some(TO_DIFF), |_| {
        "Job { Name = Slow; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Differential Max Run Time = 2 sec; RunBeforeJob = \"/bin/sleep 5\" }\n"
            .to_string()
    });
    // A Full has no limit of its own: it sleeps and ends well.
    let out = s.console_or_kill("run job=Slow yes\nwait\nmessages\n", LIMIT);
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    std::fs::write(s.root.path().join("dir/make-diff"), "").unwrap();
    let out = s.console_or_kill("run job=Slow yes\nwait\nmessages\n", LIMIT);
    assert!(
        out.contains("Max run time exceeded. Job canceled."),
        "{out}"
    );
    assert_eq!(s.job_status(2), "A");
    assert_eq!(job_column::<String>(&s, 2, "Level"), "D");
}
