//! `run` from a console against a site of real daemons, beside stock
//! bacula-dir 9.6.7 on the same configuration and catalog: the summary
//! shown before "OK to run?", and a bad level refused before it asks.

mod common;

use common::site::*;
use common::tree::snapshot;

/// The lines `run` printed from its title up to its question (the
/// question itself left out), with the `When:` time's digits masked:
/// the two Directors are asked at different seconds.
fn summary(out: &str) -> Vec<String> {
    out.lines()
        .skip_while(|l| !l.starts_with("Run "))
        .take_while(|l| !l.starts_with("OK to run?"))
        .map(|l| {
            if l.starts_with("When:") {
                l.chars()
                    .map(|c| if c.is_ascii_digit() { '9' } else { c })
                    .collect()
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// What each Director answers to the same `run` lines.
struct Answers {
    summary: String,
    bogus: String,
    chooser: String,
}

fn ask(s: &Setup) -> Answers {
    Answers {
        summary: s.console("run job=Backup level=Incremental\nno\n"),
        bogus: s.console("run job=Backup level=Bogus\n"),
        chooser: s.console("run\n1\nno\n"),
    }
}

#[test]
fn run_shows_bacula_dirs_summary_and_refuses_a_bad_level_before_asking() {
    let mut s = setup("fd-secret");
    let ours = ask(&s);
    s.switch_director(Director::BaculaDir);
    let theirs = ask(&s);
    s.switch_director(Director::Rdird);

    let expected = [
        "Run Backup job",
        "JobName:  Backup",
        "Level:    Incremental",
        "Client:   test-fd",
        "FileSet:  Set",
        "Pool:     Full (From Job resource)",
        "Storage:  File (From Job resource)",
        "When:     9999-99-99 99:99:99",
        "Priority: 10",
    ];
    assert_eq!(summary(&theirs.summary), expected, "{}", theirs.summary);
    assert_eq!(summary(&ours.summary), expected, "{}", ours.summary);
    for out in [&ours.summary, &theirs.summary] {
        assert!(out.contains("Job not run."), "{out}");
    }

    // Refused at once: no summary, no question.
    for out in [&ours.bogus, &theirs.bogus] {
        assert!(
            out.contains("Level \"Bogus\" not valid.\nJob not run."),
            "{out}"
        );
        assert!(!out.contains("OK to run?"), "{out}");
    }
    // `run` alone offers the Job resources (ua_select.c
    // select_job_resource), then runs the one chosen as if named.
    let jobs = |out: &str| -> Vec<String> {
        out.lines()
            .skip_while(|l| *l != "The defined Job resources are:")
            .take_while(|l| !l.starts_with("Select Job resource"))
            .map(str::to_string)
            .collect()
    };
    assert!(jobs(&ours.chooser).len() > 2, "{}", ours.chooser);
    assert_eq!(
        jobs(&ours.chooser),
        jobs(&theirs.chooser),
        "{}",
        theirs.chooser
    );
    for out in [&ours.chooser, &theirs.chooser] {
        assert!(out.contains("Select Job resource (1-"), "{out}");
        assert!(out.contains("JobName:  Backup\n"), "{out}");
    }
    let listed = s.console("list jobs\n");
    assert!(!listed.contains("| Backup "), "{listed}");
}

/// A Restore Job, as Bacula's default configuration has one.
fn restore_job(_: &Place<'_>) -> String {
    "Job { Name = RestoreFiles; Type = Restore; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = /tmp/bacula-restores }\n"
        .to_string()
}

/// `restore jobid=… all done yes` into `to`, waited for; `answers`
/// follow the command (to what a Director asks).
fn restore_jobids(s: &Setup, ids: &str, to: &std::path::Path, answers: &str) -> String {
    s.console(&format!(
        "restore jobid={ids} all where={} done yes\n{answers}wait\nmessages\n",
        to.display()
    ))
}

#[test]
fn restore_by_jobid_without_client_takes_the_client_of_the_jobs() {
    let mut s = setup_conf("fd-secret", None, restore_job);
    for level in ["Full", "Incremental"] {
        let out = s.console(&format!("run job=Backup level={level} yes\nwait\n"));
        assert!(out.contains("Job queued. JobId="), "{out}");
    }
    let data = s.root.path().join("data");
    let restored = |to: &std::path::Path| snapshot(&to.join(data.strip_prefix("/").unwrap()));

    let one = s.root.path().join("r1");
    let out = restore_jobids(&s, "1", &one, "");
    assert!(
        out.contains("You have selected the following JobId: 1\n"),
        "{out}"
    );
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    assert_eq!(restored(&one), snapshot(&data));

    let both = s.root.path().join("r2");
    let out = restore_jobids(&s, "1,2", &both, "");
    assert!(
        out.contains("You have selected the following JobIds: 1,2\n"),
        "{out}"
    );
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    assert_eq!(restored(&both), snapshot(&data));

    // bacula-dir 9.6.7 selects the same JobId but then asks which Client
    // the backup was of (ua_restore.c get_client_name, ua_select.c
    // select_client_dbr: every Client of the catalog, gone-fd included)
    // and would take any answer; rdird takes the jobs' own Client.
    s.switch_director(Director::BaculaDir);
    let theirs = s.root.path().join("r3");
    let out = restore_jobids(&s, "1", &theirs, "2\n");
    s.switch_director(Director::Rdird);
    assert!(
        out.contains("You have selected the following JobId: 1\n"),
        "{out}"
    );
    assert!(out.contains("Select the Client (1-2): "), "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    assert_eq!(restored(&theirs), snapshot(&data));
}

/// An Admin job that runs for a while, to be canceled.
fn slow_job(_: &Place<'_>) -> String {
    "Job { Name = Slow; Type = Admin; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon\n  RunScript { RunsWhen = Before; RunsOnClient = no; Command = \"/bin/sleep 4\" }\n}\n"
        .to_string()
}

/// What `command` printed after bconsole's echo of it, up to the next
/// echoed command in `next`.
fn between<'a>(out: &'a str, command: &str, next: &str) -> Vec<&'a str> {
    out.lines()
        .skip_while(|l| *l != command)
        .skip(1)
        .take_while(|l| *l != next)
        .filter(|l| !l.starts_with("You have"))
        .collect()
}

#[test]
fn cancel_says_no_jobs_run_and_cancel_all_cancels_every_job_after_asking() {
    let mut s = setup_conf("fd-secret", None, slow_job);
    let idle = "cancel\ncancel all\nversion\n";
    let ours = s.console(idle);
    s.switch_director(Director::BaculaDir);
    let theirs = s.console(idle);
    s.switch_director(Director::Rdird);
    for out in [&ours, &theirs] {
        assert_eq!(
            between(out, "cancel", "cancel all"),
            ["No Jobs running."],
            "{out}"
        );
        assert!(between(out, "cancel all", "version").is_empty(), "{out}");
    }

    let out = s.console("run job=Slow yes\ncancel all\nno\nstatus dir\n");
    assert!(out.contains("Confirm cancel of 1 Job (yes/no): "), "{out}");
    assert!(!out.contains("marked to be canceled"), "{out}");
    let out = s.console("cancel all yes\nwait\nmessages\n");
    assert!(out.contains("3000 JobId=1 Job=\"Slow."), "{out}");
    assert!(out.contains("marked to be canceled."), "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Admin Canceled", "{out}");
}
