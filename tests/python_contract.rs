//! The Python contract (shared/spec/python-api.md), row by row: the `bacula`
//! module, every event, every Job attribute and method, output capture,
//! failures, time limits and `python restart`.
//!
//! The Director side is a test double of our own `ScriptCalls` interface, as
//! the job engine and catalog are wired to the script host by later issues.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rdird::job::events::{ScriptCalls, ScriptEvents};
use rdird::job::{CatalogRes, JobData, JobEvent, JobState};
use rdird::python::module::DirectorInfo;
use rdird::python::{HostConfig, ScriptHost};

/// The Director as the scripts see it: volumes per pool, known volume
/// names, and what the scripts asked for.
#[derive(Default)]
struct TestDirector {
    num_vols: Mutex<HashMap<String, i64>>,
    volumes: Mutex<HashSet<String>>,
    runs: Mutex<Vec<String>>,
    running: Mutex<HashSet<i64>>,
    canceled: Mutex<Vec<i64>>,
    level_changes: AtomicUsize,
}

impl ScriptCalls for TestDirector {
    fn num_vols(&self, pool: &str) -> i64 {
        *self.num_vols.lock().unwrap().get(pool).unwrap_or(&0)
    }
    fn volume_exists(&self, name: &str) -> bool {
        self.volumes.lock().unwrap().contains(name)
    }
    fn run(&self, _from: &JobState, command: &str) -> Result<i64, String> {
        if !command.starts_with("job=") {
            return Err(format!("no job resource in \"{command}\""));
        }
        let mut runs = self.runs.lock().unwrap();
        runs.push(command.to_string());
        Ok(100 + runs.len() as i64)
    }
    fn cancel(&self, job_id: i64) -> bool {
        self.canceled.lock().unwrap().push(job_id);
        self.running.lock().unwrap().contains(&job_id)
    }
    fn level_changed(&self, _job: &JobState) {
        self.level_changes.fetch_add(1, Ordering::SeqCst);
    }
}

fn job_data(id: i64) -> JobData {
    JobData {
        job: "NightlySave".into(),
        job_name: format!("NightlySave.2026-11-26_01.05.00_{id:02}"),
        job_id: id,
        job_type: 'B',
        level: 'I',
        client: "web-fd".into(),
        pool: "Inc".into(),
        storage: "File".into(),
        media_type: "File1".into(),
        catalog: "MyCatalog".into(),
        fileset: "Full Set".into(),
        status: 'C',
        priority: 10,
        catalog_res: CatalogRes {
            db_name: Some("bacula".into()),
            address: None,
            user: Some("bacula".into()),
            password: None,
            socket: None,
            port: 0,
            vendor: "SQLite".into(),
        },
        files: 12,
        bytes: 3456,
        sd_files: 11,
        sd_errors: 1,
        fd_status: 'T',
        sd_status: 'R',
        read_bytes: 5000,
        sched_time: 1_764_000_000,
        start_time: 1_764_000_005,
        volumes: vec!["Inc-0001".into(), "Inc-0002".into()],
        ..JobData::default()
    }
}

fn job_state(id: i64) -> Arc<JobState> {
    JobState::new(job_data(id))
}

struct Setup {
    host: ScriptHost,
    director: Arc<TestDirector>,
    dir: tempfile::TempDir,
    loaded: Result<(), String>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        self.host.exit();
    }
}

fn config(dir: &std::path::Path, timeout: Duration) -> HostConfig {
    HostConfig {
        info: DirectorInfo {
            name: "test-dir".into(),
            version: rdird::VERSION.into(),
            config_file: "/etc/bacula/bacula-dir.conf".into(),
            working_dir: "/var/lib/rdird".into(),
        },
        script: Some(dir.join("DirStartUp.py")),
        event_timeout: timeout,
        legacy_syntax: true,
        memory_limit: 0,
        program: env!("CARGO_BIN_EXE_rdird").into(),
    }
}

fn start_with(script: &str, timeout: Duration) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("DirStartUp.py"), script).unwrap();
    let director = Arc::new(TestDirector::default());
    let (host, loaded) = ScriptHost::start(config(dir.path(), timeout), director.clone());
    Setup {
        host,
        director,
        dir,
        loaded,
    }
}

fn start(script: &str) -> Setup {
    let s = start_with(script, Duration::from_secs(2));
    assert_eq!(s.loaded, Ok(()), "script should load");
    s
}

/// A script whose JobStart registers `JobEvents` (given as a class body).
fn with_job_events(job_events: &str, extra: &str) -> String {
    format!(
        "import bacula, sys\n\
         class JobEvents:\n{job_events}\n\
         class Events:\n\
         \x20   def JobStart(self, job):\n\
         \x20       job.set_events(JobEvents())\n\
         {extra}\n\
         bacula.set_events(Events())\n"
    )
}

/// Runs JobStart then `event` and returns the job's report.
fn report_of(script: &str, event: JobEvent) -> Vec<String> {
    let s = start(script);
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    s.host.event(&job, event);
    job.messages()
}

// ---------------------------------------------------------------- module

#[test]
fn module_attributes_have_the_directors_values() {
    let s = start(
        "import bacula\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       job.JobReport = repr((bacula.Name, bacula.Version, bacula.ConfigFile, bacula.WorkingDir))\n\
         bacula.set_events(E())\n",
    );
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(
        job.messages(),
        vec![format!(
            "('test-dir', '{}', '/etc/bacula/bacula-dir.conf', '/var/lib/rdird')",
            rdird::VERSION
        )]
    );
}

#[test]
fn set_events_returns_none_and_a_second_call_replaces_the_object() {
    let s = start(
        "import bacula\n\
         class A:\n\
         \x20   def JobStart(self, job): job.JobReport = 'A'\n\
         class B:\n\
         \x20   def JobStart(self, job): job.JobReport = 'B'\n\
         r = bacula.set_events(A())\n\
         assert r is None\n\
         bacula.set_events(B())\n",
    );
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(job.messages(), vec!["B"]);
}

#[test]
fn daemon_methods_are_looked_up_at_each_event() {
    let s = start(
        "import bacula\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       E.JobEnd = lambda self, job: setattr(job, 'JobReport', 'added later')\n\
         bacula.set_events(E())\n",
    );
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    let out = s.host.event(&job, JobEvent::JobEnd);
    assert!(out.delivered);
    assert_eq!(job.messages(), vec!["added later"]);
}

#[test]
fn bacula_write_goes_to_the_job_whose_event_runs() {
    let r = report_of(
        &with_job_events("    def JobRun(self, job):\n        bacula.write('one\\ntwo ')\n        bacula.write('three')\n", ""),
        JobEvent::JobRun,
    );
    assert_eq!(r, vec!["one", "two three"]);
}

// ---------------------------------------------------------------- events

#[test]
fn every_job_event_is_delivered_in_order_with_the_same_job_object() {
    let mut body = String::new();
    for e in [
        "JobInit",
        "JobRun",
        "NewVolume",
        "VolumePurged",
        "VolumeFull",
    ] {
        body.push_str(&format!(
            "    def {e}(self, job):\n        job.JobReport = '{e} %d %s' % (job.JobId, job is self.first)\n"
        ));
    }
    let script = format!(
        "import bacula\n\
         class JobEvents:\n{body}\n\
         class Events:\n\
         \x20   def JobStart(self, job):\n\
         \x20       ev = JobEvents(); ev.first = job; self.ev = ev\n\
         \x20       job.set_events(ev)\n\
         \x20       job.JobReport = 'JobStart %d' % job.JobId\n\
         \x20   def JobEnd(self, job):\n\
         \x20       job.JobReport = 'JobEnd %d %s' % (job.JobId, job is self.ev.first)\n\
         bacula.set_events(Events())\n"
    );
    let s = start(&script);
    let job = job_state(7);
    for e in JobEvent::ALL {
        let out = s.host.event(&job, e);
        assert!(out.delivered, "{e:?}");
        assert_eq!(out.error, None, "{e:?}");
    }
    assert_eq!(
        job.messages(),
        vec![
            "JobStart 7",
            "JobInit 7 True",
            "JobRun 7 True",
            "NewVolume 7 True",
            "VolumePurged 7 True",
            "VolumeFull 7 True",
            "JobEnd 7 True"
        ]
    );
}

#[test]
fn a_missing_method_is_skipped() {
    let s = start("import bacula\nclass E: pass\nbacula.set_events(E())\n");
    let job = job_state(1);
    let out = s.host.event(&job, JobEvent::JobStart);
    assert!(!out.delivered);
    assert_eq!(out.error, None);
    assert!(!s.host.event(&job, JobEvent::NewVolume).delivered);
}

fn exit_script(signature: &str) -> String {
    format!(
        "import bacula\n\
         class E:\n\
         \x20   def Exit({signature}):\n\
         \x20       open(OUT, 'w').write(repr(locals().get('job', 'no job argument')))\n\
         bacula.set_events(E())\n"
    )
}

fn exit_with(signature: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("exit.txt");
    let script = exit_script(signature).replace("OUT", &format!("{:?}", out.display().to_string()));
    let s = start(&script);
    s.host.exit();
    std::fs::read_to_string(out).unwrap_or_default()
}

#[test]
fn exit_is_called_with_the_arity_it_declares() {
    assert_eq!(exit_with("self"), "'no job argument'");
    assert_eq!(exit_with("self, job"), "None");
}

// ---------------------------------------------------------------- reading

#[test]
fn every_readable_attribute_has_its_type_and_value() {
    let names = [
        "Job",
        "JobName",
        "JobId",
        "Type",
        "Level",
        "Client",
        "Pool",
        "Storage",
        "MediaType",
        "Catalog",
        "NumVols",
        "JobStatus",
        "Priority",
        "VolumeName",
        "CatalogRes",
        "JobErrors",
        "JobFiles",
        "JobBytes",
        "SDJobFiles",
        "SDErrors",
        "FDJobStatus",
        "SDJobStatus",
        "FileSet",
        "JobLevel",
        "ReadBytes",
        "LastRate",
        "SchedTime",
        "StartTime",
        "EndTime",
        "Volumes",
    ];
    let list = names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let script = format!(
        "import bacula\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       for n in [{list}]:\n\
         \x20           v = getattr(job, n)\n\
         \x20           job.JobReport = '%s %s %r' % (n, type(v).__name__, v)\n\
         bacula.set_events(E())\n"
    );
    let s = start(&script);
    s.director.num_vols.lock().unwrap().insert("Inc".into(), 4);
    let job = job_state(3);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(
        job.messages(),
        vec![
            "Job str 'NightlySave'",
            "JobName str 'NightlySave.2026-11-26_01.05.00_03'",
            "JobId int 3",
            "Type str 'Backup'",
            "Level str 'Incremental'",
            "Client str 'web-fd'",
            "Pool str 'Inc'",
            "Storage str 'File'",
            "MediaType str 'File1'",
            "Catalog str 'MyCatalog'",
            "NumVols int 4",
            "JobStatus str 'C'",
            "Priority int 10",
            "VolumeName str ''",
            "CatalogRes tuple ('bacula', None, 'bacula', None, None, 0, 'SQLite')",
            "JobErrors int 0",
            "JobFiles int 12",
            "JobBytes int 3456",
            "SDJobFiles int 11",
            "SDErrors int 1",
            "FDJobStatus str 'T'",
            "SDJobStatus str 'R'",
            "FileSet str 'Full Set'",
            "JobLevel str 'Incremental'",
            "ReadBytes int 5000",
            "LastRate int 0",
            "SchedTime int 1764000000",
            "StartTime int 1764000005",
            "EndTime int 0",
            "Volumes tuple ('Inc-0001', 'Inc-0002')",
        ]
    );
}

#[test]
fn verify_levels_read_in_their_long_form_and_jobs_without_level_read_a_space() {
    let s = start(
        "import bacula\nclass E:\n    def JobStart(self, job): job.JobReport = repr(job.Level)\nbacula.set_events(E())\n",
    );
    let job = JobState::new(JobData {
        job_type: 'V',
        level: 'O',
        ..job_data(1)
    });
    s.host.event(&job, JobEvent::JobStart);
    let admin = JobState::new(JobData {
        job_id: 2,
        job_type: 'D',
        level: ' ',
        ..job_data(2)
    });
    s.host.event(&admin, JobEvent::JobStart);
    assert_eq!(job.messages(), vec!["'Verify Volume to Catalog'"]);
    assert_eq!(admin.messages(), vec!["' '"]);
}

#[test]
fn numvols_is_read_from_the_catalog_at_each_access() {
    let s = start(
        "import bacula\n\
         class E:\n\
         \x20   def JobStart(self, job): job.JobReport = str(job.NumVols)\n\
         \x20   def JobEnd(self, job): job.JobReport = str(job.NumVols)\n\
         bacula.set_events(E())\n",
    );
    let job = job_state(1);
    s.director.num_vols.lock().unwrap().insert("Inc".into(), 1);
    s.host.event(&job, JobEvent::JobStart);
    s.director.num_vols.lock().unwrap().insert("Inc".into(), 5);
    s.host.event(&job, JobEvent::JobEnd);
    assert_eq!(job.messages(), vec!["1", "5"]);
}

/// Runs `code` in JobStart and reports the exception it raises.
fn raised(code: &str, event: &str) -> String {
    let script = format!(
        "import bacula\n\
         class JobEvents:\n\
         \x20   def {event}(self, job):\n\
         \x20       try:\n\
         \x20           {code}\n\
         \x20           job.JobReport = 'no exception'\n\
         \x20       except Exception as e:\n\
         \x20           job.JobReport = '%s: %s' % (type(e).__name__, e)\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       job.set_events(JobEvents())\n\
         \x20       JobEvents.{event}(None, job) if '{event}' == 'JobStart' else None\n\
         bacula.set_events(E())\n"
    );
    let s = start(&script);
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    if event != "JobStart" {
        s.host.event(&job, JobEvent::from_name(event).unwrap());
    }
    job.messages().join(" | ")
}

#[test]
fn reading_an_unknown_attribute_raises_attribute_error() {
    assert_eq!(
        raised("job.Nonsense", "JobRun"),
        "AttributeError: Job has no attribute 'Nonsense'"
    );
}

#[test]
fn job_report_is_write_only() {
    assert_eq!(
        raised("job.JobReport", "JobRun"),
        "AttributeError: JobReport is write-only"
    );
}

// ---------------------------------------------------------------- writing

#[test]
fn job_report_assignments_append_one_message_each() {
    let r = report_of(
        &with_job_events("    def JobRun(self, job):\n        job.JobReport = 'first\\n'\n        job.JobReport = 'second'\n", ""),
        JobEvent::JobRun,
    );
    assert_eq!(r, vec!["first", "second"]);
}

#[test]
fn volume_name_is_taken_during_new_volume() {
    let s = start(&with_job_events(
        "    def NewVolume(self, job):\n        job.VolumeName = 'Web-0001'\n",
        "",
    ));
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(s.host.new_volume(&job), Some("Web-0001".into()));
    assert_eq!(job.data().volume_name, "Web-0001");
}

#[test]
fn volume_name_rejections() {
    assert_eq!(
        raised("job.VolumeName = 'bad name!'", "NewVolume"),
        "ValueError: illegal volume name \"bad name!\": use 1 to 127 letters, digits and :.-_"
    );
    assert_eq!(
        raised("job.VolumeName = ''", "NewVolume"),
        "ValueError: illegal volume name \"\": use 1 to 127 letters, digits and :.-_"
    );
    assert_eq!(
        raised("job.VolumeName = 'x' * 128", "NewVolume")
            .split(':')
            .next(),
        Some("ValueError")
    );
    assert_eq!(
        raised("job.VolumeName = 42", "NewVolume"),
        "TypeError: VolumeName must be a str, not int"
    );
    assert_eq!(
        raised("job.VolumeName = 'Vol1'", "JobRun"),
        "RuntimeError: VolumeName can only be set during NewVolume (now: JobRun)"
    );
}

#[test]
fn a_rejected_volume_name_leaves_it_as_it_was() {
    let s = start(&with_job_events(
        "    def NewVolume(self, job):\n        try:\n            job.VolumeName = 'a b'\n        except ValueError:\n            pass\n        job.JobReport = repr(job.VolumeName)\n",
        "",
    ));
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(s.host.new_volume(&job), None);
    assert_eq!(job.messages(), vec!["''"]);
}

#[test]
fn level_is_writable_in_job_start_and_job_init() {
    for attr in ["Level", "JobLevel"] {
        let s = start(&with_job_events(
            &format!("    def JobInit(self, job):\n        job.{attr} = 'Differential'\n        job.JobReport = job.Level\n"),
            &format!("        job.{attr} = 'Full'\n        job.JobReport = job.Level\n"),
        ));
        let job = job_state(1);
        s.host.event(&job, JobEvent::JobStart);
        s.host.event(&job, JobEvent::JobInit);
        assert_eq!(job.messages(), vec!["Full", "Differential"], "{attr}");
        assert_eq!(job.data().level, 'D');
        assert_eq!(s.director.level_changes.load(Ordering::SeqCst), 2);
    }
}

#[test]
fn level_rejections() {
    assert_eq!(
        raised("job.Level = 'Weekly'", "JobInit"),
        "ValueError: level \"Weekly\" does not fit a Backup job"
    );
    assert_eq!(
        raised("job.JobLevel = 'VolumeToCatalog'", "JobInit"),
        "ValueError: level \"VolumeToCatalog\" does not fit a Backup job"
    );
    assert_eq!(
        raised("job.Level = 5", "JobInit"),
        "TypeError: Level must be a str, not int"
    );
    assert_eq!(
        raised("job.Level = 'Full'", "JobRun"),
        "RuntimeError: Level can only be set during JobStart or JobInit (now: JobRun)"
    );
}

#[test]
fn verify_jobs_take_verify_levels_in_either_form() {
    let s = start(&with_job_events(
        "    def JobInit(self, job):\n        job.Level = 'Verify Disk to Catalog'\n        job.JobReport = job.Level\n        job.JobLevel = 'Data'\n        job.JobReport = job.Level\n",
        "",
    ));
    let job = JobState::new(JobData {
        job_type: 'V',
        level: 'C',
        ..job_data(1)
    });
    s.host.event(&job, JobEvent::JobStart);
    s.host.event(&job, JobEvent::JobInit);
    assert_eq!(
        job.messages(),
        vec!["Verify Disk to Catalog", "Verify Data"]
    );
}

#[test]
fn last_rate_is_bytes_per_second_of_the_run_once_the_job_ended() {
    let s = start("import bacula\nclass E:\n    def JobEnd(self, job): job.JobReport = repr(job.LastRate)\nbacula.set_events(E())\n");
    let job = job_state(1);
    {
        let mut d = job.data();
        d.bytes = 3456;
        d.start_time = 1_764_000_000;
        d.end_time = 1_764_000_004;
    }
    s.host.event(&job, JobEvent::JobEnd);
    job.data().end_time = 1_764_000_000;
    // A run under a second counts as one, as in Bacula's report.
    s.host.event(&job, JobEvent::JobEnd);
    assert_eq!(job.messages(), vec!["864", "3456"]);
}

#[test]
fn priority_rejections() {
    assert_eq!(
        raised("job.Priority = 0", "JobInit"),
        "ValueError: Priority must be from 1 to 100, not 0"
    );
    assert_eq!(
        raised("job.Priority = 101", "JobInit"),
        "ValueError: Priority must be from 1 to 100, not 101"
    );
    assert_eq!(
        raised("job.Priority = '5'", "JobInit"),
        "TypeError: Priority must be an int, not str"
    );
    assert_eq!(
        raised("job.Priority = True", "JobInit"),
        "TypeError: Priority must be an int, not bool"
    );
    assert_eq!(
        raised("job.Priority = 3", "JobRun"),
        "RuntimeError: Priority can only be set during JobStart or JobInit (now: JobRun)"
    );
}

#[test]
fn read_only_attributes_and_deletion_raise_attribute_error() {
    assert_eq!(
        raised("job.JobId = 5", "JobRun"),
        "AttributeError: Job attribute 'JobId' is read-only"
    );
    assert_eq!(
        raised("job.Client = 'x'", "JobRun"),
        "AttributeError: Job attribute 'Client' is read-only"
    );
    assert_eq!(
        raised("job.Whatever = 1", "JobRun"),
        "AttributeError: Job has no attribute 'Whatever'"
    );
    assert_eq!(
        raised("del job.Priority", "JobRun"),
        "AttributeError: Job attribute 'Priority' cannot be deleted"
    );
}

// ---------------------------------------------------------------- methods

#[test]
fn set_events_returns_none() {
    let r = report_of(
        &with_job_events(
            "    def JobRun(self, job):\n        job.JobReport = repr(job.set_events(self))\n",
            "",
        ),
        JobEvent::JobRun,
    );
    assert_eq!(r, vec!["None"]);
}

#[test]
fn run_returns_the_new_jobid_or_minus_one_with_the_reason() {
    let s = start(&with_job_events(
        "    def JobRun(self, job):\n        job.JobReport = str(job.run('run job=Restore yes'))\n        job.JobReport = str(job.run('job=Other'))\n        job.JobReport = str(job.run('bogus'))\n",
        "",
    ));
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    s.host.event(&job, JobEvent::JobRun);
    assert_eq!(
        job.messages(),
        vec![
            "101",
            "102",
            "job.run(\"bogus\") failed: no job resource in \"bogus\"",
            "-1"
        ]
    );
    assert_eq!(
        *s.director.runs.lock().unwrap(),
        vec!["job=Restore yes", "job=Other"]
    );
}

#[test]
fn write_collects_text_until_a_newline() {
    let r = report_of(
        &with_job_events("    def JobRun(self, job):\n        job.write('a')\n        job.write('b\\nc')\n        job.write('\\n')\n        job.write('tail')\n", ""),
        JobEvent::JobRun,
    );
    assert_eq!(r, vec!["ab", "c", "tail"]);
}

#[test]
fn cancel_returns_one_for_a_known_job_and_zero_otherwise() {
    let s = start(&with_job_events("    def JobRun(self, job):\n        job.JobReport = '%d %d' % (job.cancel(42), job.cancel(43))\n", ""));
    s.director.running.lock().unwrap().insert(42);
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    s.host.event(&job, JobEvent::JobRun);
    assert_eq!(job.messages(), vec!["1 0"]);
}

#[test]
fn does_volume_exist_returns_one_or_zero() {
    let s = start(&with_job_events(
        "    def NewVolume(self, job):\n        job.JobReport = '%d %d' % (job.DoesVolumeExist('Vol-1'), job.DoesVolumeExist('Vol-2'))\n",
        "",
    ));
    s.director.volumes.lock().unwrap().insert("Vol-1".into());
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    s.host.event(&job, JobEvent::NewVolume);
    assert_eq!(job.messages(), vec!["1 0"]);
}

// ---------------------------------------------------------------- output

#[test]
fn print_goes_to_the_job_report_one_message_per_line() {
    let r = report_of(
        &with_job_events("    def JobRun(self, job):\n        print('a', 'b')\n        print('two\\nlines')\n        sys.stderr.write('err\\n')\n        print('partial', end='')\n", ""),
        JobEvent::JobRun,
    );
    assert_eq!(r, vec!["a b", "two", "lines", "err", "partial"]);
}

#[test]
fn output_goes_to_the_job_whose_event_runs() {
    let s = start(&with_job_events(
        "    def JobRun(self, job):\n        print('job', job.JobId)\n",
        "",
    ));
    let (a, b) = (job_state(1), job_state(2));
    for j in [&a, &b] {
        s.host.event(j, JobEvent::JobStart);
    }
    s.host.event(&b, JobEvent::JobRun);
    s.host.event(&a, JobEvent::JobRun);
    assert_eq!(a.messages(), vec!["job 1"]);
    assert_eq!(b.messages(), vec!["job 2"]);
}

#[test]
fn a_stdout_the_script_set_is_used() {
    let s = start(
        "import bacula, sys\n\
         class Out:\n\
         \x20   def __init__(self): self.seen = []\n\
         \x20   def write(self, t): self.seen.append(t)\n\
         out = Out()\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       sys.stdout = out\n\
         \x20       print('captured')\n\
         \x20       sys.stdout = sys.__dict__.get('__stdout__') or sys.stdout\n\
         \x20       job.JobReport = repr(''.join(out.seen))\n\
         bacula.set_events(E())\n",
    );
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(job.messages(), vec!["'captured\\n'"]);
}

#[test]
fn a_job_object_kept_after_its_job_ended_still_works() {
    let s = start(
        "import bacula\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       if job.JobId == 1: self.kept = job\n\
         \x20       else: job.JobReport = '%s %s %d %d' % (self.kept.JobStatus, self.kept.Job, self.kept.run('job=Again'), self.kept.cancel(1))\n\
         bacula.set_events(E())\n",
    );
    let first = job_state(1);
    s.host.event(&first, JobEvent::JobStart);
    first.data().status = 'T';
    s.host.event(&first, JobEvent::JobEnd);
    let second = job_state(2);
    s.host.event(&second, JobEvent::JobStart);
    assert_eq!(second.messages(), vec!["T NightlySave 101 0"]);
}

// ---------------------------------------------------------------- failures

#[test]
fn a_syntax_error_disables_python_with_the_traceback() {
    let s = start_with(
        "import bacula\ndef broken(:\n    pass\n",
        Duration::from_secs(2),
    );
    let err = s.loaded.clone().unwrap_err();
    let dir = s.dir.path().display().to_string();
    assert!(
        err.starts_with(&format!(
            "test-dir: ERROR Could not import Python script {dir}/DirStartUp. Python disabled.\n"
        )),
        "{err}"
    );
    assert!(err.contains("SyntaxError"), "{err}");
    assert!(err.contains("line 2"), "{err}");
    let job = job_state(1);
    assert!(!s.host.event(&job, JobEvent::JobStart).delivered);
}

#[test]
fn an_exception_at_import_disables_python_with_the_traceback() {
    let s = start_with(
        "import bacula\nraise RuntimeError('no config')\n",
        Duration::from_secs(2),
    );
    let err = s.loaded.clone().unwrap_err();
    assert!(err.contains("Could not import Python script"), "{err}");
    assert!(err.contains("DirStartUp.py\", line 2"), "{err}");
    assert!(err.contains("RuntimeError: no config"), "{err}");
}

#[test]
fn a_missing_script_file_disables_python() {
    let dir = tempfile::tempdir().unwrap();
    let director = Arc::new(TestDirector::default());
    let (host, loaded) = ScriptHost::start(config(dir.path(), Duration::from_secs(2)), director);
    let err = loaded.unwrap_err();
    assert!(err.contains("Could not import Python script"), "{err}");
    assert!(err.contains("FileNotFoundError"), "{err}");
    host.exit();
}

#[test]
fn a_failing_event_is_reported_counted_and_not_switched_off() {
    let script = with_job_events(
        "    def JobRun(self, job):\n        raise ValueError('bad %d' % job.JobId)\n    def NewVolume(self, job):\n        job.VolumeName = 'Chosen'\n        raise KeyError('after choosing')\n",
        "        raise RuntimeError('in JobStart')\n",
    );
    let s = start(&script);
    for id in [1, 2] {
        let job = job_state(id);
        let out = s.host.event(&job, JobEvent::JobStart);
        assert!(out
            .error
            .as_deref()
            .unwrap()
            .contains("RuntimeError: in JobStart"));
        let out = s.host.event(&job, JobEvent::JobRun);
        assert!(out.delivered);
        let tb = out.error.unwrap();
        assert!(tb.contains("DirStartUp.py\", line 4, in JobRun"), "{tb}");
        assert!(tb.contains(&format!("ValueError: bad {id}")), "{tb}");
        assert_eq!(
            s.host.new_volume(&job),
            None,
            "NewVolume that raised falls back"
        );
        assert_eq!(job.data().errors, 3);
        let report = job.messages().join("\n");
        assert!(
            report.contains("Python error in JobRun event:\nTraceback (most recent call last):"),
            "{report}"
        );
        assert!(
            report.contains("Python error in NewVolume event:"),
            "{report}"
        );
    }
}

#[test]
fn an_illegal_volume_name_falls_back_to_the_label_format() {
    let s = start(&with_job_events(
        "    def NewVolume(self, job):\n        job.VolumeName = 'no spaces allowed'\n",
        "",
    ));
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(s.host.new_volume(&job), None);
    assert_eq!(job.data().errors, 1);
    assert!(job.messages()[0].contains("ValueError: illegal volume name"));
}

#[test]
fn an_endless_new_volume_is_interrupted_at_the_time_limit() {
    let s = start_with(
        &with_job_events(
            "    def NewVolume(self, job):\n        while True:\n            pass\n",
            "",
        ),
        Duration::from_secs(1),
    );
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    let started = std::time::Instant::now();
    let out = s.host.event(&job, JobEvent::NewVolume);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(5),
        "{took:?}"
    );
    let tb = out.error.unwrap();
    assert!(
        tb.contains("TimeoutError: Python event NewVolume exceeded 1 sec"),
        "{tb}"
    );
    // The host goes on.
    let next = job_state(2);
    assert!(s.host.event(&next, JobEvent::JobStart).delivered);
}

#[test]
fn an_endless_job_start_that_swallows_exceptions_is_still_stopped() {
    // Each handler catches every TimeoutError it is given and carries on:
    // spinning, and sleeping inside `except BaseException: pass`.
    for body in [
        "while True:\n            try:\n                while True: pass\n            except BaseException:\n                pass\n",
        "while True:\n            try:\n                time.sleep(3600)\n            except BaseException:\n                pass\n",
    ] {
        let s = start_with(
            &format!(
                "import bacula, time\n\
                 class E:\n\
                 \x20   def JobStart(self, job):\n\
                 \x20       if job.JobId != 1: return\n\
                 \x20       {body}\
                 \x20   def JobEnd(self, job): job.JobReport = 'ended'\n\
                 bacula.set_events(E())\n"
            ),
            Duration::from_secs(1),
        );
        let job = job_state(1);
        let started = std::time::Instant::now();
        let out = s.host.event(&job, JobEvent::JobStart);
        let took = started.elapsed();
        let err = out.error.unwrap();
        assert!(err.contains("TimeoutError"), "{err}");
        assert!(took < Duration::from_secs(4), "JobStart held its job {took:?}");
        assert!(job.messages().iter().any(|m| m.contains("TimeoutError")));
        s.host.event(&job, JobEvent::JobEnd);
        assert_eq!(job.messages().last().unwrap(), "ended");
        let next = job_state(2);
        let out = s.host.event(&next, JobEvent::JobStart);
        assert!(out.delivered && out.error.is_none(), "{out:?}");
    }
}

#[test]
fn past_the_memory_limit_a_process_takes_no_new_job_and_its_running_jobs_keep_their_events() {
    let dir = tempfile::tempdir().unwrap();
    let imports = dir.path().join("imports");
    std::fs::write(
        dir.path().join("DirStartUp.py"),
        format!(
            "import bacula, os\n\
             open('{}', 'a').write('%d\\n' % os.getpid())\n\
             kept = []\n\
             class J:\n\
             \x20   def NewVolume(self, job): job.JobReport = 'kept in %d' % os.getpid()\n\
             class E:\n\
             \x20   def JobStart(self, job):\n\
             \x20       job.set_events(J())\n\
             \x20       if job.JobId == 1:\n\
             \x20           kept.append(b'x' * (130 * 1000 * 1000))\n\
             \x20       job.JobReport = 'started in %d' % os.getpid()\n\
             bacula.set_events(E())\n",
            imports.display()
        ),
    )
    .unwrap();
    let director = Arc::new(TestDirector::default());
    // Over the limit with 130 MB kept, under twice it: retired, not killed.
    let cfg = HostConfig {
        memory_limit: 100 * 1000 * 1000,
        ..config(dir.path(), Duration::from_secs(5))
    };
    let (host, loaded) = ScriptHost::start(cfg, director);
    loaded.unwrap();
    let pid_of = |m: &str| m.rsplit(' ').next().unwrap().parse::<i32>().unwrap();
    let alive = |pid: i32| unsafe { libc::kill(pid, 0) } == 0;
    let job = job_state(1);
    host.event(&job, JobEvent::JobStart);
    let greedy = pid_of(&job.messages()[0]);
    let other = job_state(2);
    host.event(&other, JobEvent::JobStart);
    assert_ne!(
        pid_of(&other.messages()[0]),
        greedy,
        "a new job went to the process over the limit"
    );
    let out = host.event(&job, JobEvent::NewVolume);
    assert!(out.delivered, "the job lost its events object: {out:?}");
    assert_eq!(job.messages().last().unwrap(), &format!("kept in {greedy}"));
    assert!(alive(greedy), "the process was killed with a job in it");
    host.event(&job, JobEvent::JobEnd);
    let started = std::time::Instant::now();
    while alive(greedy) {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the retired process is still there after its last job ended"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    host.exit();
}

#[test]
fn past_twice_the_memory_limit_a_process_is_killed_and_its_job_goes_on_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("DirStartUp.py"),
        "import bacula, time\n\
         kept = []\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       kept.append(b'x' * (300 * 1000 * 1000))\n\
         \x20       time.sleep(30)\n\
         bacula.set_events(E())\n",
    )
    .unwrap();
    let cfg = HostConfig {
        memory_limit: 100 * 1000 * 1000,
        ..config(dir.path(), Duration::from_secs(60))
    };
    let (host, loaded) = ScriptHost::start(cfg, Arc::new(TestDirector::default()));
    loaded.unwrap();
    let job = job_state(1);
    let started = std::time::Instant::now();
    let out = host.event(&job, JobEvent::JobStart);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "the process was not killed: {:?}",
        started.elapsed()
    );
    let err = out.error.unwrap_or_default();
    assert!(err.contains("over twice Python Memory Limit"), "{err}");
    assert_eq!(job.data().errors, 1);
    let next = job_state(2);
    host.event(&next, JobEvent::JobEnd);
    host.exit();
}

// ---------------------------------------------------------------- restart

#[test]
fn failed_restarts_never_disable_python_and_the_old_script_stays_in_service() {
    let s = start_with(
        "import bacula\nclass E:\n    def JobStart(self, job): job.JobReport = 'old script'\nbacula.set_events(E())\n",
        Duration::from_secs(1),
    );
    assert_eq!(s.loaded, Ok(()));
    let path = s.dir.path().join("DirStartUp.py");
    // It swallows every TimeoutError of its import.
    std::fs::write(
        &path,
        "import time\nwhile True:\n    try:\n        time.sleep(3600)\n    except BaseException:\n        pass\n",
    )
    .unwrap();
    for i in 0..6 {
        let err = s.host.restart().unwrap_err();
        assert!(err.contains("did not finish importing"), "{i}: {err}");
        assert!(!err.contains("disabled"), "{i}: {err}");
        let job = job_state(10 + i);
        s.host.event(&job, JobEvent::JobStart);
        assert_eq!(
            job.messages(),
            vec!["old script"],
            "after failed restart {i}"
        );
    }
    std::fs::write(
        &path,
        "import bacula\nclass E:\n    def JobStart(self, job) job.JobReport = 'x'\n",
    )
    .unwrap();
    let err = s.host.restart().unwrap_err();
    assert!(
        err.contains("SyntaxError") && !err.contains("disabled"),
        "{err}"
    );
    std::fs::write(
        &path,
        "import bacula\nclass E:\n    def JobStart(self, job): job.JobReport = 'fixed script'\nbacula.set_events(E())\n",
    )
    .unwrap();
    s.host.restart().unwrap();
    let job = job_state(99);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(job.messages(), vec!["fixed script"]);
}

#[test]
fn restart_keeps_the_old_script_when_the_new_one_is_broken_and_takes_a_fixed_one() {
    let s = start("import bacula\nclass E:\n    def JobStart(self, job): job.JobReport = 'v1'\nbacula.set_events(E())\n");
    let path = s.dir.path().join("DirStartUp.py");
    std::fs::write(
        &path,
        "import bacula\nclass E:\n    def JobStart(self, job) job.JobReport = 'v2'\n",
    )
    .unwrap();
    let err = s.host.restart().unwrap_err();
    assert!(err.contains("SyntaxError"), "{err}");
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(job.messages(), vec!["v1"]);

    std::fs::write(&path, "import bacula\nclass E:\n    def JobStart(self, job): job.JobReport = 'v3'\nbacula.set_events(E())\n").unwrap();
    s.host.restart().unwrap();
    let job = job_state(2);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(job.messages(), vec!["v3"]);
}

#[test]
fn a_running_job_keeps_its_events_across_a_restart() {
    let s = start(&with_job_events(
        "    def JobRun(self, job):\n        job.JobReport = 'old events'\n",
        "",
    ));
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    std::fs::write(
        s.dir.path().join("DirStartUp.py"),
        with_job_events(
            "    def JobRun(self, job):\n        job.JobReport = 'new events'\n",
            "",
        ),
    )
    .unwrap();
    s.host.restart().unwrap();
    s.host.event(&job, JobEvent::JobRun);
    let fresh = job_state(2);
    s.host.event(&fresh, JobEvent::JobStart);
    s.host.event(&fresh, JobEvent::JobRun);
    assert_eq!(job.messages(), vec!["old events"]);
    assert_eq!(fresh.messages(), vec!["new events"]);
}

// ---------------------------------------------------------------- imports

#[test]
fn the_frozen_standard_library_and_helper_modules_import() {
    let dir_script = "import bacula\n\
        import time, datetime, os, os.path, re, json, socket, subprocess, logging, collections\n\
        import helper\n\
        class E:\n\
        \x20   def JobStart(self, job):\n\
        \x20       job.JobReport = '%s %s %s %s' % (helper.twice(21), json.dumps({'a': [1]}), re.sub('b+', 'x', 'abbbc'), collections.OrderedDict(a=1))\n\
        \x20       job.JobReport = subprocess.run(['echo', 'from a child'], capture_output=True, text=True).stdout.strip()\n\
        \x20       job.JobReport = str(datetime.date(2026, 11, 26) + datetime.timedelta(days=6))\n\
        bacula.set_events(E())\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("DirStartUp.py"), dir_script).unwrap();
    std::fs::write(
        dir.path().join("helper.py"),
        "def twice(x):\n    return x * 2\n",
    )
    .unwrap();
    let director = Arc::new(TestDirector::default());
    let (host, loaded) = ScriptHost::start(config(dir.path(), Duration::from_secs(10)), director);
    assert_eq!(loaded, Ok(()));
    let job = job_state(1);
    let out = host.event(&job, JobEvent::JobStart);
    assert_eq!(out.error, None);
    assert_eq!(
        job.messages(),
        vec![
            "42 {\"a\": [1]} axc OrderedDict({'a': 1})",
            "from a child",
            "2026-12-02"
        ]
    );
    host.exit();
}

#[test]
fn modules_the_library_leaves_out_are_not_in_the_binary_and_the_rest_are() {
    let s = start(
        "import bacula\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       for name in ('asyncio', 'tkinter', 'unittest', 'ensurepip'):\n\
         \x20           try:\n\
         \x20               __import__(name)\n\
         \x20               job.JobReport = name + ' imported'\n\
         \x20           except ImportError as e:\n\
         \x20               job.JobReport = type(e).__name__ + ' ' + name\n\
         bacula.set_events(E())\n",
    );
    let job = job_state(1);
    s.host.event(&job, JobEvent::JobStart);
    assert_eq!(
        job.messages(),
        vec![
            "asyncio imported",
            "ModuleNotFoundError tkinter",
            "unittest imported",
            "ModuleNotFoundError ensurepip"
        ]
    );
}

#[test]
fn python_memory_limit_is_off_unless_set() {
    let conf = |director_extra: &str| {
        let text = format!(
            "Director {{\n  Name = d\n  Password = p\n  QueryFile = /q\n  WorkingDirectory = /tmp\n  PidDirectory = /tmp\n  Messages = M\n{director_extra}}}\n\
             Messages {{ Name = M; Console = all }}\n\
             Catalog {{ Name = C; DB Name = cat }}\n\
             Client {{ Name = cl; Address = 127.0.0.1; Password = x; Catalog = C }}\n\
             Storage {{ Name = st; Address = 127.0.0.1; Password = y; Device = D; Media Type = File }}\n\
             Pool {{ Name = P; Pool Type = Backup }}\n\
             FileSet {{ Name = fs; Include {{\n  File = /etc\n}} }}\n\
             Job {{ Name = j; Type = Backup; Client = cl; FileSet = fs; Storage = st; Pool = P; Messages = M }}\n"
        );
        let cfg = rdird::config::Config::parse_text("t.conf", text.as_bytes()).unwrap();
        HostConfig::from_config(&cfg).memory_limit
    };
    assert_eq!(conf(""), 0);
    assert_eq!(conf("  Python Memory Limit = 150 MB\n"), 150_000_000);
}

#[test]
fn an_admin_jobs_level_written_back_unchanged_is_allowed_and_another_is_refused_in_good_english() {
    let script = "import bacula\n\
         class E:\n\
         \x20   def JobStart(self, job):\n\
         \x20       job.Level = job.Level\n\
         \x20       try:\n\
         \x20           job.Level = 'Full'\n\
         \x20       except ValueError as e:\n\
         \x20           job.JobReport = str(e)\n\
         bacula.set_events(E())\n";
    let s = start(script);
    let job = JobState::new(JobData {
        job_type: 'D',
        level: ' ',
        ..job_data(1)
    });
    let out = s.host.event(&job, JobEvent::JobStart);
    assert_eq!(out.error, None);
    assert_eq!(
        job.messages(),
        vec!["level \"Full\" does not fit an Admin job"]
    );
    assert_eq!(job.data().level, ' ');
    assert_eq!(s.director.level_changes.load(Ordering::SeqCst), 0);
}
