//! rdird answering Debian's stock bconsole (package bacula-console):
//! login, commands, ACLs of restricted consoles, many sessions at once.
//! Each test starts rdird on a free 127.0.0.1 port with a generated
//! configuration.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

mod common;

use common::free_port;

struct Director {
    child: Child,
    dir: tempfile::TempDir,
    port: u16,
}

impl Drop for Director {
    fn drop(&mut self) {
        // SIGTERM: the clean way down.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}

fn config(dir: &Path, port: u16, director_extra: &str, extra: &str) -> String {
    let d = dir.display();
    format!(
        r#"Director {{
  Name = test-dir
  DIRport = {port}
  DirAddress = 127.0.0.1
  Password = "console-secret"
  QueryFile = "/etc/bacula/scripts/query.sql"
  WorkingDirectory = "{d}"
  PidDirectory = "{d}"
  Messages = Daemon
{director_extra}}}
Catalog {{ Name = MyCatalog; DB Name = cat }}
Messages {{ Name = Daemon; Console = all }}
Messages {{ Name = Standard; Console = all, !skipped; Catalog = all }}
Client {{ Name = web-fd; Address = 127.0.0.1; Password = fdpw; Catalog = MyCatalog }}
Client {{ Name = db-fd; Address = 127.0.0.1; Password = fdpw; Catalog = MyCatalog }}
Storage {{ Name = File; Address = 127.0.0.1; Password = sdpw; Device = Dev; Media Type = File }}
Pool {{ Name = Full; Pool Type = Backup; Label Format = "Full-"; Maximum Volume Bytes = 1G }}
Pool {{ Name = Secret; Pool Type = Backup }}
FileSet {{ Name = "Set"; Include {{ File = /etc }} }}
Job {{ Name = WebBackup; Type = Backup; Client = web-fd; FileSet = "Set"; Storage = File; Pool = Full; Messages = Standard }}
Job {{ Name = DbBackup; Type = Backup; Client = db-fd; FileSet = "Set"; Storage = File; Pool = Secret; Messages = Standard }}
Console {{
  Name = monitor
  Password = "monitor-secret"
  CommandACL = status, .status, list, messages, version, .jobs, help
  JobACL = WebBackup
  ClientACL = web-fd
  PoolACL = Full
}}
{extra}
"#
    )
}

/// Starts `rdird -f -c conf` with its output in `log`.
fn spawn_rdird(conf: &Path, log: &Path) -> Child {
    common::spawn_daemon(env!("CARGO_BIN_EXE_rdird"), conf, log)
}

fn start_with(extra: &str) -> Director {
    start_full("", extra)
}

fn start_full(director_extra: &str, extra: &str) -> Director {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let conf = dir.path().join("bacula-dir.conf");
    std::fs::write(&conf, config(dir.path(), port, director_extra, extra)).unwrap();
    let child = spawn_rdird(&conf, &dir.path().join("rdird.log"));
    // Ready when it says so in its log (a port seen open could be another
    // test's Director).
    let started = Instant::now();
    let log_path = dir.path().join("rdird.log");
    while !std::fs::read_to_string(&log_path)
        .unwrap_or_default()
        .contains("listening for consoles")
    {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "rdird did not start listening: {}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Director { child, dir, port }
}

fn start() -> Director {
    start_with("")
}

impl Director {
    fn bconsole_conf(&self, console: Option<(&str, &str)>, password: &str) -> PathBuf {
        let mut text = format!(
            "Director {{\n  Name = test-dir\n  DIRport = {}\n  address = 127.0.0.1\n  Password = \"{password}\"\n}}\n",
            self.port
        );
        if let Some((name, pw)) = console {
            text.push_str(&format!(
                "Console {{\n  Name = {name}\n  Password = \"{pw}\"\n  Director = test-dir\n}}\n"
            ));
        }
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = self.dir.path().join(format!("bconsole-{n}.conf"));
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Runs bconsole with `input` on its standard input; what it printed.
    fn console_as(&self, console: Option<(&str, &str)>, password: &str, input: &str) -> String {
        common::bconsole(&self.bconsole_conf(console, password), input)
    }

    fn console(&self, input: &str) -> String {
        self.console_as(None, "console-secret", input)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("rdird.log")).unwrap_or_default()
    }

    /// The text bconsole printed after echoing `command`, up to the next
    /// command it echoed (or the end).
    fn output_of(&self, input: &str, command: &str) -> String {
        let all = self.console(input);
        section(&all, command)
    }
}

fn section(all: &str, command: &str) -> String {
    let mut lines = all.lines().skip_while(|l| *l != command);
    lines.next();
    lines
        .take_while(|l| {
            !l.starts_with('.')
                && ![
                    "version",
                    "help",
                    "quit",
                    "status dir",
                    "list pools",
                    "list clients",
                    "list jobs",
                    "show pools",
                    ".jobs",
                    "sqlquery",
                    "python restart",
                    "reload",
                    "messages",
                    "frobnicate",
                ]
                .contains(l)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn bconsole_logs_in_and_gets_the_version() {
    let d = start();
    let out = d.console("version\n");
    assert!(out.contains("Connecting to Director 127.0.0.1:"), "{out}");
    assert!(out.contains("1000 OK: 102 test-dir Version: "), "{out}");
    assert!(
        out.contains(&format!(
            "test-dir Version: {} (",
            env!("CARGO_PKG_VERSION")
        )),
        "{out}"
    );
}

#[test]
fn a_wrong_password_is_refused_and_logged() {
    let d = start();
    let out = d.console_as(None, "wrong-password", "version\n");
    assert!(!out.contains("test-dir Version:"), "{out}");
    assert!(
        out.contains("Director authorization problem") || out.contains("Authorization"),
        "{out}"
    );
    std::thread::sleep(Duration::from_millis(200));
    let log = d.log();
    assert!(
        log.contains("console \"*UserAgent*\" failed to authenticate"),
        "{log}"
    );
}

#[test]
fn an_unknown_command_answers_as_bacula_dir_does() {
    let d = start();
    assert_eq!(
        d.output_of("frobnicate\n", "frobnicate"),
        "frobnicate: is an invalid command."
    );
}

#[test]
fn dot_commands_list_resources() {
    let d = start();
    let out = d.console(".jobs\n.clients\n.pools\n.storage\n.filesets\n.msgs\n");
    let after = |c: &str| -> Vec<String> {
        let mut it = out.lines().skip_while(|l| *l != c);
        it.next();
        it.take_while(|l| !l.starts_with('.'))
            .map(str::to_string)
            .collect()
    };
    // In the configuration's order, as bacula-dir 9.6.7 lists them
    // (ua_dotcmds.c foreach_res).
    assert_eq!(after(".jobs"), ["WebBackup", "DbBackup"]);
    assert_eq!(after(".clients"), ["web-fd", "db-fd"]);
    assert_eq!(after(".pools"), ["Full", "Secret"]);
    assert_eq!(after(".storage"), ["File"]);
    assert_eq!(after(".filesets"), ["Set"]);
    assert_eq!(after(".msgs"), ["Daemon", "Standard"]);
}

#[test]
fn list_pools_and_clients_come_from_the_catalog() {
    let d = start();
    let out = d.output_of("list pools\n", "list pools");
    assert!(
        out.starts_with(
            "Automatically selected Catalog: MyCatalog\nUsing Catalog \"MyCatalog\"\n+--------+--------+"
        ),
        "{out}"
    );
    assert!(
        out.contains("| PoolId | Name   | NumVols | MaxVols | MaxVolBytes |"),
        "{out}"
    );
    // Integers bare and left-aligned, as bacula-dir prints them from an
    // SQLite catalog.
    assert!(
        out.contains("| 1      | Full   | 0       | 0       | 1073741824  |"),
        "{out}"
    );
    let out = d.output_of("list clients\n", "list clients");
    assert!(out.contains("| web-fd |"), "{out}");
    assert!(out.contains("| db-fd  |"), "{out}");
}

#[test]
fn status_dir_shows_the_resources() {
    let d = start();
    let out = d.output_of("status dir\n", "status dir");
    assert!(out.starts_with("test-dir Version: "), "{out}");
    assert!(
        out.contains(" Res: njobs=2 nclients=2 nstores=1 npools=2 ncats=1 nfsets=1 nscheds=0"),
        "{out}"
    );
    assert!(
        out.contains("Running Jobs:\nNo Jobs running.\n===="),
        "{out}"
    );
    assert!(out.contains("Terminated Jobs:"), "{out}");
}

#[test]
fn show_prints_resources() {
    let d = start();
    let out = d.output_of("show pools\n", "show pools");
    // bacula-dir's layout (dird_conf.c dump_resource).
    assert!(
        out.contains("Pool: name=Full PoolType=Backup\n      use_cat=1 use_once=0 cat_files=1\n"),
        "{out}"
    );
    assert!(out.contains("recycle=1 LabelFormat=Full-\n"), "{out}");
    assert!(out.contains("MaxVolBytes=1073741824\n"), "{out}");
    assert!(out.contains("Pool: name=Secret"), "{out}");
}

#[test]
fn sqlquery_runs_sql_against_the_catalog() {
    let d = start();
    let out = d.console("sqlquery\nselect count(*) as n from Status;\n\nversion\n");
    assert!(out.contains("Entering SQL query mode."), "{out}");
    assert!(out.contains("| n  |"), "{out}");
    assert!(out.contains("| 22 |"), "{out}");
    assert!(out.contains("End query mode."), "{out}");
}

#[test]
fn a_restricted_console_sees_and_runs_only_what_its_acls_allow() {
    let d = start();
    let out = d.console_as(
        Some(("monitor", "monitor-secret")),
        "unused",
        ".jobs\nlist pools\nsqlquery\nshow pools\nversion\n",
    );
    let jobs = section(&out, ".jobs");
    assert_eq!(jobs, "WebBackup", "{out}");
    let pools = section(&out, "list pools");
    assert!(
        pools.contains("| Full |") && !pools.contains("Secret"),
        "{out}"
    );
    assert!(out.contains("sqlquery: is an invalid command."), "{out}");
    assert!(out.contains("show: is an invalid command."), "{out}");
    assert!(out.contains("test-dir Version: "), "{out}");
}

#[test]
fn repeated_failed_logins_from_one_address_are_slowed_down() {
    let d = start();
    for _ in 0..4 {
        let out = d.console_as(None, "wrong-password", "version\n");
        assert!(!out.contains("test-dir Version:"), "{out}");
    }
    let log = wait_for_log(
        &d,
        "4 wrong answers to the console challenge from 127.0.0.1: the next login waits 2 s after its Hello",
        Duration::from_secs(20),
    );
    assert!(
        log.contains(
            "3 wrong answers to the console challenge from 127.0.0.1: the next login waits 1 s after its Hello"
        ),
        "{log}"
    );
    // The right password still gets in (after its wait), and clears the
    // address.
    let out = d.console("version\n");
    assert!(out.contains("test-dir Version:"), "{out}");
    let out = d.console_as(None, "wrong-password", "version\n");
    assert!(!out.contains("test-dir Version:"), "{out}");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !d.log().contains("1 wrong answers to the console challenge"),
        "{}",
        d.log()
    );
}

#[test]
fn a_restricted_console_with_a_wrong_password_is_refused() {
    let d = start();
    let out = d.console_as(Some(("monitor", "nope")), "unused", "version\n");
    assert!(!out.contains("test-dir Version:"), "{out}");
}

#[test]
fn twenty_sessions_at_once() {
    let d = start();
    let outputs: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..20)
            .map(|_| s.spawn(|| d.console("version\nlist pools\n")))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for out in outputs {
        assert!(out.contains("test-dir Version: "), "{out}");
        assert!(out.contains("| Full "), "{out}");
    }
}

#[test]
fn python_restart_without_scripts_says_so() {
    let d = start();
    assert_eq!(
        d.output_of("python restart\n", "python restart"),
        "Python scripting is off: the Director has no Scripts Directory."
    );
    assert_eq!(d.output_of("python\n", "python"), "Nothing done.");
}

#[test]
fn reload_keeps_the_running_configuration_when_the_file_is_broken() {
    let d = start();
    let conf = d.dir.path().join("bacula-dir.conf");
    let good = std::fs::read_to_string(&conf).unwrap();
    std::fs::write(
        &conf,
        good.replace(
            "Pool { Name = Secret; Pool Type = Backup }",
            "Pool { Name = Secret; Pool Typ = Backup }",
        ),
    )
    .unwrap();
    let out = d.output_of("reload\n", "reload");
    assert!(
        out.starts_with("Reload failed; the running configuration is kept:"),
        "{out}"
    );
    assert!(out.contains("unknown directive \"PoolTyp\""), "{out}");
    assert!(d.console(".pools\n").contains("Secret"));
    std::fs::write(
        &conf,
        good.replace(
            "Pool { Name = Secret; Pool Type = Backup }",
            "Pool { Name = Archive; Pool Type = Backup }",
        )
        .replace("Pool = Secret", "Pool = Archive"),
    )
    .unwrap();
    let out = d.output_of("reload\n", "reload");
    // A good file is taken in silence, as bacula-dir's reload_cmd takes it.
    assert!(out.trim().is_empty(), "{out}");
    let pools = d.console(".pools\n");
    assert!(
        pools.contains("Archive") && !pools.contains("Secret"),
        "{pools}"
    );
}

#[test]
fn sigterm_stops_the_director_and_removes_its_pid_file() {
    let mut d = start();
    let pid_file = d.dir.path().join(format!("rdird.{}.pid", d.port));
    assert_eq!(
        std::fs::read_to_string(&pid_file).unwrap().trim(),
        d.child.id().to_string()
    );
    unsafe { libc::kill(d.child.id() as i32, libc::SIGTERM) };
    let status = d.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(!pid_file.exists());
}

#[test]
fn the_catalog_opens_in_sqlite3_and_answers_debians_queries() {
    let d = start();
    // The tables exist once the Director started.
    drop(d.console("version\n"));
    let db = d.dir.path().join("cat.db");
    let tables = Command::new("sqlite3")
        .arg(&db)
        .arg(".tables")
        .output()
        .expect("sqlite3");
    let t = String::from_utf8_lossy(&tables.stdout);
    for name in [
        "Job",
        "JobMedia",
        "Media",
        "Pool",
        "Client",
        "FileSet",
        "File",
        "Path",
        "Filename",
        "Log",
        "Counters",
        "Version",
        "Status",
        "Storage",
        "MediaType",
        "Device",
        "LocationLog",
        "Location",
        "BaseFiles",
        "UnsavedFiles",
        "RestoreObject",
        "Snapshot",
    ] {
        assert!(
            t.split_whitespace().any(|w| w == name),
            "{name} missing: {t}"
        );
    }
    // Every query of Debian's query.sql, with its prompts filled in.
    let text =
        std::fs::read_to_string("/etc/bacula/scripts/query.sql").expect("Debian's query.sql");
    let mut queries = 0;
    for block in text.split("\n:").skip(1) {
        let sql: String = block
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with('*') && !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        let sql = sql
            .replace("%1", "1")
            .replace("%2", "1")
            .replace("%3", "1")
            .replace('%', "");
        let out = Command::new("sqlite3").arg(&db).arg(&sql).output().unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "query failed:\n{sql}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        queries += 1;
    }
    assert!(queries >= 1, "found {queries} queries");
}

/// A Director with Admin jobs and a script that reports every event.
fn start_with_admin_job(extra_job: &str) -> Director {
    start_full_with_admin("", extra_job)
}

fn start_full_with_admin(director_extra: &str, extra_job: &str) -> Director {
    let scripts = tempfile::tempdir().unwrap().keep();
    std::fs::write(
        scripts.join("DirStartUp.py"),
        "import bacula\n\
         class JobEvents:\n\
         \x20   def JobInit(self, job): job.JobReport = 'event JobInit %d' % job.JobId\n\
         \x20   def JobRun(self, job): job.JobReport = 'event JobRun %s' % job.JobStatus\n\
         class Events:\n\
         \x20   def JobStart(self, job):\n\
         \x20       job.set_events(JobEvents())\n\
         \x20       job.JobReport = 'event JobStart %s' % job.JobStatus\n\
         \x20       if job.Job == 'Spawner': job.JobReport = 'spawned %d' % job.run('run job=Maintenance yes')\n\
         \x20   def JobEnd(self, job): job.JobReport = 'event JobEnd %s' % job.JobStatus\n\
         bacula.set_events(Events())\n",
    )
    .unwrap();
    let jobs = format!(
        "Job {{\n  Name = Maintenance\n  Type = Admin\n  Client = web-fd\n  FileSet = \"Set\"\n  Storage = File\n  Pool = Full\n  Messages = Standard\n  RunScript {{\n    RunsWhen = Before\n    RunsOnClient = no\n    Command = \"/bin/echo tidying %n\"\n  }}\n}}\n\
         Job {{\n  Name = Spawner\n  Type = Admin\n  Client = web-fd\n  FileSet = \"Set\"\n  Storage = File\n  Pool = Full\n  Messages = Standard\n}}\n{extra_job}"
    );
    start_full(
        &format!(
            "{director_extra}  Scripts Directory = \"{}\"\n",
            scripts.display()
        ),
        &jobs,
    )
}

#[test]
fn an_admin_job_fires_every_event_in_order_and_reports_them() {
    let d = start_with_admin_job("");
    let out = d.console("run job=Maintenance yes\nwait\nmessages\nlist jobs\n");
    assert!(out.contains("Job queued. JobId=1"), "{out}");
    assert!(out.contains("You have messages."), "{out}");
    let of_job: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split(" test-dir JobId 1: ").nth(1))
        .collect();
    let events: Vec<&str> = of_job
        .iter()
        .copied()
        .filter(|l| l.starts_with("event "))
        .collect();
    assert_eq!(
        events,
        [
            "event JobStart C",
            "event JobInit 1",
            "event JobRun R",
            "event JobEnd T"
        ],
        "{out}"
    );
    let pos = |prefix: &str| {
        of_job
            .iter()
            .position(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix}: {out}"))
    };
    assert!(pos("event JobInit") < pos("Start Admin JobId 1, Job=Maintenance."));
    assert!(pos("Start Admin") < pos("BeforeJob: tidying Maintenance"));
    assert!(pos("BeforeJob: tidying") < pos("event JobRun"));
    assert!(pos("event JobRun") < pos("rdird test-dir "));
    assert!(pos("rdird test-dir ") < pos("event JobEnd"));
    assert!(out.contains("  Termination:            Admin OK"), "{out}");
    assert!(out.contains("| Maintenance | "), "{out}");
    let log = d.console("list joblog jobid=1\n");
    assert!(log.contains("JobId 1: event JobRun R"), "{log}");
}

#[test]
fn run_asks_before_running_and_no_means_no() {
    let d = start_with_admin_job("");
    let out = d.console("run job=Maintenance\nno\nlist jobs\n");
    // ua_run.c display_job_parameters' Admin form.
    for line in [
        "Run Admin Job\nJobName:  Maintenance\nFileSet:  Set\nClient:   web-fd\nStorage:  File\nWhen:     ",
        "\nPriority: 10\nOK to run? (yes/mod/no): ",
    ] {
        assert!(out.contains(line), "{out}");
    }
    assert!(out.contains("Job not run."), "{out}");
    assert!(!out.contains("| Maintenance |"), "{out}");
}

#[test]
fn a_script_starts_a_job_with_job_run() {
    let d = start_with_admin_job("");
    let out = d.console("run job=Spawner yes\nwait\nmessages\nwait\nlist jobs\n");
    assert!(out.contains("JobId 1: spawned 2"), "{out}");
    assert!(out.contains("JobId 2: event JobEnd T"), "{out}");
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("| Maintenance |"))
        .collect();
    assert_eq!(rows.len(), 1, "{out}");
    assert!(rows[0].starts_with("| 2     |"), "{out}");
}

#[test]
fn cancel_stops_a_running_admin_job() {
    let slow = "Job {\n  Name = Slow\n  Type = Admin\n  Client = web-fd\n  FileSet = \"Set\"\n  Storage = File\n  Pool = Full\n  Messages = Standard\n  RunScript {\n    RunsWhen = Before\n    RunsOnClient = no\n    Command = \"/bin/sleep 2\"\n  }\n}\n";
    let d = start_with_admin_job(slow);
    let out =
        d.console("run job=Slow yes\ncancel jobid=1\ncancel jobid=99\nwait\nmessages\nlist jobs\n");
    assert!(out.contains("3000 JobId=1 Job=\"Slow."), "{out}");
    assert!(out.contains("marked to be canceled."), "{out}");
    assert!(
        out.contains("Warning Job JobId=99 is not running."),
        "{out}"
    );
    assert!(
        out.contains("  Termination:            Admin Canceled"),
        "{out}"
    );
    assert!(out.contains("| A         |"), "{out}");
}

#[test]
fn cancel_finds_a_running_job_by_the_start_of_its_name_as_bacula_dir_does() {
    let slow = "Job {\n  Name = Slow\n  Type = Admin\n  Client = web-fd\n  FileSet = \"Set\"\n  Storage = File\n  Pool = Full\n  Messages = Standard\n  RunScript {\n    RunsWhen = Before\n    RunsOnClient = no\n    Command = \"/bin/sleep 2\"\n  }\n}\n";
    let d = start_with_admin_job(slow);
    // job= is the start of the unique name (bacula-dir's
    // get_jcr_by_partial_name); ujobid= must be all of it.
    let out = d.console(
        "run job=Slow yes\ncancel job=Nope\ncancel ujobid=Slow\ncancel job=Slow\nwait\nmessages\n",
    );
    assert!(out.contains("Warning Job Nope is not running."), "{out}");
    assert!(out.contains("Warning Job Slow is not running."), "{out}");
    assert!(
        out.contains("3000 JobId=1 Job=\"Slow.") && out.contains("marked to be canceled."),
        "{out}"
    );
    assert!(
        out.contains("  Termination:            Admin Canceled"),
        "{out}"
    );
}

#[test]
fn label_without_its_storage_daemon_fails_and_records_nothing() {
    // No storage daemon listens at the Storage's address.
    let d = start();
    let out = d.console(
        "label volume=Vol-0001 pool=Full storage=File\nlabel volume=bad/name pool=Full storage=File\n.\nlist volumes\nversion\n",
    );
    assert!(
        out.contains("Failed to connect to Storage daemon: Storage \"File\" at 127.0.0.1:"),
        "{out}"
    );
    assert!(
        out.contains("Label command failed for Volume Vol-0001."),
        "{out}"
    );
    assert!(
        out.contains("Illegal character \"/\" in a volume name."),
        "{out}"
    );
    assert!(!out.contains("| Vol-0001"), "{out}");
    assert!(out.contains("Version: "), "{out}");
}

#[test]
fn delete_jobid_removes_the_job_and_its_log() {
    let d = start_with_admin_job("");
    let out = d.console("run job=Maintenance yes\nwait\ndelete jobid=1\ndelete jobid=1\nlist jobs\nlist joblog jobid=1\n");
    assert!(
        out.contains("JobId=1 and associated records deleted from the catalog."),
        "{out}"
    );
    assert!(out.contains("No Job found for JobId 1"), "{out}");
    assert!(!out.contains("JobId 1: event JobStart"), "{out}");
}

#[test]
fn api_2_lists_as_text_mode_does_and_api_json_in_json_rpc() {
    let d = start();
    let out = d.console(".api 2\nlist pools\n.api json\nlist clients\nfrobnicate\n");
    // bacula-dir 9.6.7's do_list_cmd keeps its table in `.api 2`.
    assert!(
        out.contains("| 1      | Full   | 0       | 0       | 1073741824  |"),
        "{out}"
    );
    let json_lines: Vec<serde_json::Value> = out
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(json_lines[0]["result"]["api"], "json");
    let clients = json_lines[1]["result"]["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 2);
    assert_eq!(clients[0]["name"], "web-fd");
    assert_eq!(clients[0]["clientid"], 1);
    assert_eq!(json_lines[1]["jsonrpc"], "2.0");
    assert_eq!(json_lines[2]["error"]["message"], "failed");
}

#[test]
fn console_values_never_reach_sql_as_code() {
    let d = start();
    let out = d.console("list volumes pool=\"x' OR '1'='1\"\nlist jobs job=\"a'; DROP TABLE Job; --\"\nlist pools\nlist jobs\n");
    assert!(!out.contains("Query failed"), "{out}");
    // Every argument that reaches a query, with the same kind of payloads.
    let payloads = [
        "x' OR '1'='1",
        "a'; DROP TABLE Media; --",
        "1 OR 1=1",
        "\\\"; DELETE FROM Pool; --",
    ];
    let mut input = String::new();
    for p in payloads {
        for cmd in [
            "list volume volume=",
            "list jobs client=",
            "list jobmedia jobid=",
            "list files jobid=",
            "llist jobs jobid=",
            "update volstatus=Used volume=",
            "delete yes volume=",
            "delete jobid=",
            "purge volume=",
            "prune yes volume=",
            "prune files yes client=",
            "truncate yes volume=",
            "list joblog jobid=",
            "restore done client=test-fd jobid=",
        ] {
            input.push_str(&format!("{cmd}\"{p}\"\n"));
        }
    }
    input.push_str("list pools\nlist volumes\nlist jobs\n");
    let out = d.console(&input);
    assert!(!out.contains("no such table"), "{out}");
    assert!(!out.contains("syntax error"), "{out}");
    let tail = &out[out.rfind("list pools").unwrap()..];
    assert!(tail.contains("| Full "), "{out}");
    let db = rusqlite::Connection::open(d.dir.path().join("cat.db")).unwrap();
    let tables: i64 = db
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('Job', 'Media', 'Pool', 'File')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 4);
    let pools: i64 = db
        .query_row("SELECT COUNT(*) FROM Pool", [], |r| r.get(0))
        .unwrap();
    assert!(pools > 0);
    assert!(
        !out.contains("no such table"),
        "the Job table survived: {out}"
    );
    assert!(out.contains("| Full "), "{out}");
}

/// Connects a raw TCP peer to the Director.
fn raw_peer(d: &Director) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(("127.0.0.1", d.port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

/// Waits until the Director's log contains `text`.
fn wait_for_log(d: &Director, text: &str, limit: Duration) -> String {
    let started = Instant::now();
    loop {
        let log = d.log();
        if log.contains(text) || started.elapsed() > limit {
            return log;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// What the peer reads until the Director closes the connection.
fn read_to_close(s: &mut std::net::TcpStream) -> Vec<u8> {
    use std::io::Read;
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    buf
}

#[test]
fn a_huge_packet_length_drops_the_peer_and_others_are_served() {
    let d = start();
    let mut s = raw_peer(&d);
    s.write_all(&0x0fff_ffffu32.to_be_bytes()).unwrap();
    read_to_close(&mut s);
    let log = wait_for_log(&d, "announced a packet of", Duration::from_secs(5));
    assert!(
        log.contains("announced a packet of 268435455 bytes; the most Bacula allows is 1000000"),
        "{log}"
    );
    assert!(d.console("version\n").contains("test-dir Version: "));
}

#[test]
fn a_truncated_packet_drops_the_peer() {
    let d = start();
    let mut s = raw_peer(&d);
    s.write_all(&100u32.to_be_bytes()).unwrap();
    s.write_all(b"Hello *Use").unwrap();
    s.shutdown(std::net::Shutdown::Write).unwrap();
    read_to_close(&mut s);
    let log = wait_for_log(&d, "closed the connection", Duration::from_secs(5));
    assert!(log.contains("closed the connection"), "{log}");
    assert!(d.console("version\n").contains("test-dir Version: "));
}

#[test]
fn garbage_before_the_hello_drops_the_peer() {
    let d = start();
    let mut s = raw_peer(&d);
    let junk = b"GET / HTTP/1.0\r\n\r\n";
    s.write_all(&(junk.len() as u32).to_be_bytes()).unwrap();
    s.write_all(junk).unwrap();
    read_to_close(&mut s);
    let log = wait_for_log(&d, "expected a console Hello", Duration::from_secs(5));
    assert!(
        log.contains("expected a console Hello, got \"GET / HTTP/1.0\""),
        "{log}"
    );
    assert!(d.console("version\n").contains("test-dir Version: "));
}

#[test]
fn a_silent_peer_is_dropped_after_the_login_timeout_and_others_are_served_meanwhile() {
    let d = start();
    let mut s = raw_peer(&d);
    s.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
    assert!(d.console("version\n").contains("test-dir Version: "));
    let started = Instant::now();
    read_to_close(&mut s);
    assert!(started.elapsed() < Duration::from_secs(35));
    let log = wait_for_log(&d, "sent nothing in time", Duration::from_secs(5));
    assert!(log.contains("sent nothing in time"), "{log}");
}

#[test]
fn api_2_status_for_tools() {
    let d = start_with_admin_job("");
    let out = d.console("run job=Maintenance yes\nwait\n.api 2\n.status dir header\n.status dir terminated\n.status dir running\n");
    assert!(out.contains("name=test-dir\nversion="), "{out}");
    assert!(out.contains("jobs_running=0\n"), "{out}");
    // bacula-dir 9.6.7's form (ua_status.c list_terminated_jobs).
    assert!(
        out.contains("\njobid=1\nlevel= \ntype=D\nstatus=T\nstatus_desc=OK\n"),
        "{out}"
    );
    assert!(out.contains("\njob=Maintenance."), "{out}");
}

#[test]
fn help_and_llist() {
    let d = start_with_admin_job("");
    let out = d.console(
        "help\nrun job=Maintenance yes\nwait\nllist jobid=1\nlist files jobid=1\nlist jobmedia\n",
    );
    assert!(
        out.contains("  Command       Description\n  =======       ==========="),
        "{out}"
    );
    assert!(
        out.contains("  sqlquery      Use SQL to query catalog"),
        "{out}"
    );
    assert!(
        out.contains("           JobId: 1\n             Job: Maintenance."),
        "{out}"
    );
    assert!(out.contains("       JobStatus: T\n"), "{out}");
}

#[test]
fn jobs_a_crash_left_running_are_marked_failed_at_start() {
    let d = start();
    drop(d.console("version\n"));
    let db = d.dir.path().join("cat.db");
    let conf = d.dir.path().join("bacula-dir.conf");
    let status = Command::new("sqlite3")
        .arg(&db)
        .arg("INSERT INTO Job (Job, Name, Type, Level, JobStatus, SchedTime) VALUES ('WebBackup.x', 'WebBackup', 'B', 'F', 'R', '2026-11-26 01:00:00')")
        .status()
        .unwrap();
    assert!(status.success());
    let dir_path = d.dir.path().to_path_buf();
    // Restart on the same catalog.
    let mut d = d;
    unsafe { libc::kill(d.child.id() as i32, libc::SIGTERM) };
    d.child.wait().unwrap();
    d.child = spawn_rdird(&conf, &dir_path.join("rdird.log"));
    let text = wait_for_log(&d, "listening for consoles", Duration::from_secs(10));
    assert!(
        text.contains("1 job(s) left running by an earlier stop are marked failed (f)"),
        "{text}"
    );
    let out = d.console("list jobs\n");
    assert!(
        out.contains("| WebBackup | ") && out.contains("| f         |"),
        "{out}"
    );
}

#[test]
fn maximum_console_connections_is_enforced() {
    let d = start_full("  Maximum Console Connections = 1\n", "");
    // Only a session that has logged in holds a place (a connection still
    // logging in holds a login place instead).
    let idle = std::thread::spawn({
        let conf = d.bconsole_conf(None, "console-secret");
        move || common::bconsole(&conf, "@sleep 5\nversion\n")
    });
    std::thread::sleep(Duration::from_millis(1500));
    let out = d.console("version\n");
    assert!(!out.contains("test-dir Version:"), "{out}");
    let log = wait_for_log(
        &d,
        "Maximum Console Connections (1) reached",
        Duration::from_secs(5),
    );
    assert!(log.contains("refusing the console at 127.0.0.1:"), "{log}");
    assert!(idle.join().unwrap().contains("test-dir Version:"));
    let started = Instant::now();
    loop {
        let out = d.console("version\n");
        if out.contains("test-dir Version:") {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(40), "{out}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

const SLOW_JOB: &str = "Job {\n  Name = Slow\n  Type = Admin\n  Client = web-fd\n  FileSet = \"Set\"\n  Storage = File\n  Pool = Full\n  Messages = Standard\n  RunScript {\n    RunsWhen = Before\n    RunsOnClient = no\n    Command = \"/bin/sleep 3\"\n  }\n}\n";

#[test]
fn a_job_waits_for_its_own_maximum_concurrent_jobs() {
    let d = start_with_admin_job(SLOW_JOB);
    let out =
        d.console("run job=Slow yes\nrun job=Slow yes\n@sleep 1\nstatus dir\nwait\nmessages\n");
    assert!(out.contains("is waiting on max Job jobs"), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let pos = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {out}"))
    };
    let first_end = pos("Termination:            Admin OK");
    let second_start = lines
        .iter()
        .rposition(|l| l.contains(": Start Admin JobId"))
        .unwrap();
    assert!(
        first_end < second_start,
        "the second Slow started before the first ended: {out}"
    );
}

#[test]
fn waiting_jobs_start_by_priority() {
    let d = start_full_with_admin(
        "  Maximum Concurrent Jobs = 1\n",
        &format!(
            "{SLOW_JOB}Job {{\n  Name = Low\n  Type = Admin\n  Client = web-fd\n  FileSet = \"Set\"\n  Storage = File\n  Pool = Full\n  Messages = Standard\n  Priority = 20\n}}\n\
             Job {{\n  Name = High\n  Type = Admin\n  Client = web-fd\n  FileSet = \"Set\"\n  Storage = File\n  Pool = Full\n  Messages = Standard\n  Priority = 5\n}}\n"
        ),
    );
    let out = d
        .console("run job=Slow yes\n@sleep 1\nrun job=Low yes\nrun job=High yes\nwait\nmessages\n");
    let starts: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split(": Start Admin JobId ").nth(1))
        .collect();
    assert_eq!(starts.len(), 3, "{out}");
    assert!(starts[0].contains("Job=Slow."), "{out}");
    assert!(starts[1].contains("Job=High."), "{out}");
    assert!(starts[2].contains("Job=Low."), "{out}");
}

#[test]
fn run_refuses_a_level_that_does_not_fit_the_job_type_and_records_nothing() {
    let d = start();
    let out = d.console(
        "run job=WebBackup level=VolumeToCatalog yes\nrun job=WebBackup level=Bogus yes\nlist jobs\n",
    );
    assert!(
        out.contains("Level \"VolumeToCatalog\" not valid for a Backup job."),
        "{out}"
    );
    assert!(out.contains("Level \"Bogus\" not valid."), "{out}");
    assert!(!out.contains("Job queued"), "{out}");
    assert!(!out.contains("WebBackup."), "{out}");
}
