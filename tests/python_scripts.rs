//! The example scripts and `rdird script check|simulate` as an administrator
//! runs them: the Python 3 example and its legacy (Bacula 2.x style) twin
//! run unmodified and write the same job report.

mod common;

use common::{rdird, stderr, stdout};
use std::process::{Command, Output};

const JOB: &str =
    "Job=NightlySave,JobId=12,Client=web-fd,Pool=Inc,Level=Incremental,NumVols=2,JobFiles=40";

fn simulate(script: &str) -> Output {
    rdird(&["script", "simulate", script, "--job", JOB])
}

/// The report lines, without the time stamp the example writes at JobStart.
fn report(o: &Output) -> Vec<String> {
    stdout(o)
        .lines()
        .map(|l| match l.find(" (20") {
            Some(p) if l.contains("started at level") => l[..p].to_string(),
            _ => l.to_string(),
        })
        .collect()
}

#[test]
fn the_example_script_names_volumes_and_logs_jobs() {
    let o = simulate("examples/scripts/DirStartUp.py");
    assert!(o.status.success(), "{}", stderr(&o));
    let text = report(&o).join("\n");
    let today =
        String::from_utf8_lossy(&Command::new("date").arg("+%Y%m%d").output().unwrap().stdout)
            .trim()
            .to_string();
    let expected = format!(
        "Simulated job: JobId=12 Job=NightlySave Type=Backup Level=Incremental Client=web-fd Pool=Inc\n\
         Events: JobStart, JobInit, JobRun, NewVolume, JobEnd\n\
         Job report:\n\
         \x20 Python: NightlySave JobId 12 started at level Incremental\n\
         \x20 JobInit: NightlySave level Incremental, priority 10\n\
         \x20 JobRun: NightlySave on client web-fd, pool Inc\n\
         \x20 New volume for web-fd: web-fd-Incr-{today}-0003\n\
         \x20 Python: NightlySave JobId 12 ended with status T, 40 files, 0 errors\n\
         Attributes set by the script:\n\
         \x20 VolumeName: web-fd-Incr-{today}-0003 (NewVolume)\n\
         JobErrors: 0\n\
         Director messages:\n\
         \x20 Director simulated-dir is shutting down"
    );
    assert_eq!(text, expected);
}

#[test]
fn the_legacy_example_runs_unmodified_and_writes_the_same_report() {
    let modern = simulate("examples/scripts/DirStartUp.py");
    let legacy = simulate("examples/scripts/legacy/DirStartUp.py");
    assert!(legacy.status.success(), "{}", stderr(&legacy));
    assert_eq!(report(&legacy), report(&modern));
    // One warning line per rewritten statement, with file:line.
    let warnings: Vec<String> = stderr(&legacy)
        .lines()
        .filter(|l| l.contains("warning: rewrote Python 2"))
        .map(|l| l.trim().to_string())
        .collect();
    assert!(
        warnings.iter().any(|w| w.ends_with("examples/scripts/legacy/DirStartUp.py:45: warning: rewrote Python 2 print statement to Python 3")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("DirStartUp.py:34: warning: rewrote Python 2 <> operator")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("DirStartUp.py:35: warning: rewrote Python 2 backquotes")),
        "{warnings:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("DirStartUp.py:54: warning: rewrote Python 2 except E, e")),
        "{warnings:?}"
    );
}

#[test]
fn legacy_syntax_can_be_turned_off() {
    let o = rdird(&[
        "script",
        "simulate",
        "examples/scripts/legacy/DirStartUp.py",
        "--no-legacy",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("Could not import Python script"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("SyntaxError"), "{}", stderr(&o));
}

#[test]
fn simulate_takes_the_events_to_deliver() {
    let o = rdird(&[
        "script",
        "simulate",
        "examples/scripts/DirStartUp.py",
        "--job",
        "JobId=3",
        "--events",
        "JobStart,VolumeFull,JobEnd",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("Events: JobStart, VolumeFull, JobEnd\n"),
        "{out}"
    );
    assert!(out.contains("  Volume  is full\n"), "{out}");
    assert!(out.contains("  (none)\n"), "{out}");
}

#[test]
fn simulate_refuses_unknown_events_and_attributes() {
    let o = rdird(&[
        "script",
        "simulate",
        "examples/scripts/DirStartUp.py",
        "--events",
        "JobStrat",
    ]);
    assert_eq!(stderr(&o), "rdird: unknown event \"JobStrat\"\n");
    let o = rdird(&[
        "script",
        "simulate",
        "examples/scripts/DirStartUp.py",
        "--job",
        "Colour=red",
    ]);
    assert!(
        stderr(&o).starts_with("rdird: unknown job attribute \"Colour\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn check_accepts_the_examples() {
    for f in [
        "examples/scripts/DirStartUp.py",
        "examples/scripts/legacy/DirStartUp.py",
    ] {
        let o = rdird(&["script", "check", f]);
        assert!(o.status.success(), "{f}: {}", stderr(&o));
        assert!(
            stdout(&o).ends_with(&format!("{f}: OK\n")),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn check_reports_syntax_errors_and_misspelt_events() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.py");
    std::fs::write(
        &bad,
        "class E:\n    def JobStart(self, job)\n        pass\n",
    )
    .unwrap();
    let o = rdird(&["script", "check", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("SyntaxError") && err.contains("line 2"),
        "{err}"
    );

    let typo = dir.path().join("typo.py");
    std::fs::write(&typo, "class E:\n    def JobStrat(self, job):\n        pass\n    def helper(self):\n        pass\n    def NewVolum(self, job):\n        pass\n").unwrap();
    let o = rdird(&["script", "check", typo.to_str().unwrap()]);
    assert!(o.status.success());
    let t = typo.display();
    assert_eq!(
        stdout(&o),
        format!(
            "{t}:2: method JobStrat matches no event (did you mean JobStart?)\n{t}:6: method NewVolum matches no event (did you mean NewVolume?)\n{t}: OK\n"
        )
    );
}

#[test]
fn debug_level_100_shows_each_event_and_its_time() {
    let o = rdird(&[
        "-d",
        "100",
        "script",
        "simulate",
        "examples/scripts/DirStartUp.py",
    ]);
    assert!(o.status.success());
    let err = stderr(&o);
    for e in ["JobStart", "JobInit", "JobRun", "NewVolume", "JobEnd"] {
        assert!(
            err.contains(&format!("JobId 1: event {e} took")),
            "{e}: {err}"
        );
    }
    assert!(err.contains("set VolumeName"), "{err}");
}

#[test]
fn the_bacula_modules_attributes_are_read_only_and_set_events_and_write_stay_callable() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("DirStartUp.py");
    std::fs::write(
        &script,
        r#"import bacula

class Events:
    def JobStart(self, job):
        for attempt in ("bacula.Name = 'other-dir'", "bacula.set_events = None",
                        "bacula.write = print", "del bacula.write"):
            try:
                exec(attempt)
                job.JobReport = "allowed: " + attempt
            except AttributeError as e:
                job.JobReport = "refused: %s" % e
        bacula.set_events(Events())
        bacula.write("still %s\n" % bacula.Name)

    def JobEnd(self, job):
        job.JobReport = "JobEnd delivered"

bacula.set_events(Events())
"#,
    )
    .unwrap();
    let o = rdird(&[
        "script",
        "simulate",
        script.to_str().unwrap(),
        "--events",
        "JobStart,JobEnd",
    ]);
    let out = stdout(&o);
    assert!(o.status.success(), "{out}{}", stderr(&o));
    for line in [
        "  refused: bacula.Name is read-only\n",
        "  refused: bacula.set_events is read-only\n",
        "  refused: bacula.write is read-only\n",
        "  still simulated-dir\n",
        "  JobEnd delivered\n",
    ] {
        assert!(out.contains(line), "no {line:?} in:\n{out}");
    }
    assert!(!out.contains("allowed:"), "{out}");
    assert_eq!(
        out.matches("refused: bacula.write is read-only").count(),
        2,
        "{out}"
    );
}
