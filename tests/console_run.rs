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

/// The resources `run`'s overrides choose among: a second file daemon
/// (`other-fd`, on `port`) with a FileSet of its own folder, a second
/// device (`File2`), a Pool that names its own Storage, and a console
/// held to the site's first ones.
fn override_site(port: u16) -> impl Fn(&Place<'_>) -> String {
    move |p: &Place<'_>| {
        format!(
            "Client {{ Name = other-fd; Address = 127.0.0.1; FD Port = {port}; Password = \"fd-secret\"; Catalog = MyCatalog }}\n\
             Storage {{ Name = File2; Address = 127.0.0.1; SD Port = {}; Password = \"sd-secret\"; Device = FileDev2; Media Type = File2; Maximum Concurrent Jobs = 10 }}\n\
             Pool {{ Name = Stored; Pool Type = Backup; Label Format = \"Stored-\"; Storage = File2\n}}\n\
             FileSet {{ Name = \"Other\"; Include {{ Options {{ Signature = MD5 }}\n  File = {}/other\n}} }}\n\
             Job {{ Name = PoolStore; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Stored; Messages = Daemon }}\n\
             Console {{ Name = limited; Password = \"limited-secret\"; CommandACL = run, wait, messages, version; JobACL = Backup, PoolStore; ClientACL = test-fd; StorageACL = File; PoolACL = Full; FileSetACL = Set; CatalogACL = *all*; WhereACL = /tmp/ok\n}}\n",
            p.sd_port,
            p.root.display()
        )
    }
}

/// The second device, beside the site's FileDev.
fn second_device(p: &Place<'_>) -> String {
    std::fs::create_dir_all(p.root.join("volumes2")).unwrap();
    format!(
        "Device {{\n  Name = FileDev2\n  Media Type = File2\n  Archive Device = {}/volumes2\n  LabelMedia = yes\n  Random Access = yes\n  AutomaticMount = yes\n  RemovableMedia = no\n  AlwaysOpen = no\n}}\n",
        p.root.display()
    )
}

/// A site with `override_site`'s resources and the second file daemon
/// running; the daemon is dropped with the site's.
fn site_with_overrides() -> (Setup, Proc) {
    let port = common::free_port();
    let s = setup_site_sd(
        "fd-secret",
        None,
        "",
        override_site(port),
        &[],
        second_device,
    );
    let other = s.root.path().join("other");
    std::fs::create_dir_all(other.join("deep")).unwrap();
    std::fs::write(other.join("one.txt"), "one\n").unwrap();
    std::fs::write(other.join("deep/two.txt"), "two\n").unwrap();
    let fd = spawn_fd(s.root.path(), "other-fd", port);
    (s, fd)
}

/// `summary`, from each Director, for each line of `runs` (each answered `no`).
fn summaries(s: &mut Setup, runs: &[&str]) -> Vec<(Vec<String>, Vec<String>)> {
    let ask = |s: &Setup| -> Vec<(String, Vec<String>)> {
        runs.iter()
            .map(|r| {
                let out = s.console(&format!("{r}\nno\n"));
                let got = summary(&out);
                (out, got)
            })
            .collect()
    };
    let ours = ask(s);
    s.switch_director(Director::BaculaDir);
    let theirs = ask(s);
    s.switch_director(Director::Rdird);
    ours.into_iter()
        .zip(theirs)
        .map(|((o, og), (t, tg))| {
            assert!(og.len() > 5, "{o}");
            assert!(tg.len() > 5, "{t}");
            (og, tg)
        })
        .collect()
}

#[test]
fn run_overrides_are_shown_as_bacula_dir_shows_them_and_the_job_runs_with_them() {
    let (mut s, _other) = site_with_overrides();
    let runs = [
        "run job=Backup client=other-fd fileset=Other pool=Small storage=File2 level=Incremental priority=5 when=\"2030-01-02 03:04:05\"",
        // Without storage=, the Storage of the Job's Pool comes first
        // (job.c get_job_storage: "Pool resource").
        "run job=PoolStore",
        "run job=Backup spooldata=yes accurate=yes comment=\"nightly by hand\"",
    ];
    let got = summaries(&mut s, &runs);
    for (ours, theirs) in &got {
        assert_eq!(ours, theirs);
    }
    assert_eq!(
        got[0].0,
        [
            "Run Backup job",
            "JobName:  Backup",
            "Level:    Incremental",
            "Client:   other-fd",
            "FileSet:  Other",
            "Pool:     Small (From Command input)",
            "Storage:  File2 (From Command input)",
            "When:     9999-99-99 99:99:99",
            "Priority: 5",
        ]
    );
    assert_eq!(got[1].0[6], "Storage:  File2 (From Pool resource)");

    // The job runs with them: the second file daemon backs up its own
    // FileSet to the second device, in the pool asked for, spooled.
    s.fd.0.kill().unwrap();
    let out = s.console(
        "run job=Backup client=other-fd fileset=Other pool=Small storage=File2 spooldata=yes comment=\"by hand; to File2\" yes\nwait\nmessages\n",
    );
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert!(report_line(&out, "Client:").eq("\"other-fd\""), "{out}");
    assert_eq!(
        report_line(&out, "FileSet:").split(' ').next(),
        Some("\"Other\""),
        "{out}"
    );
    assert_eq!(
        report_line(&out, "Pool:"),
        "\"Small\" (From Command input)",
        "{out}"
    );
    assert_eq!(
        report_line(&out, "Storage:"),
        "\"File2\" (From Command input)",
        "{out}"
    );
    assert!(out.contains("Spooling data ..."), "{out}");
    assert!(s.root.path().join("volumes2/Small-0001").exists(), "{out}");
    let (client, fileset, pool, comment): (String, String, String, String) = s
        .catalog()
        .query_row(
            "SELECT Client.Name, FileSet.FileSet, Pool.Name, Job.Comment FROM Job JOIN Client USING (ClientId) JOIN FileSet USING (FileSetId) JOIN Pool USING (PoolId) WHERE JobId = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        (
            client.as_str(),
            fileset.as_str(),
            pool.as_str(),
            comment.as_str()
        ),
        ("other-fd", "Other", "Small", "by hand; to File2")
    );
    let other = s.root.path().join("other");
    let names: Vec<String> = s.files(1).into_iter().map(|(p, f)| p + &f).collect();
    assert!(
        names.contains(&format!("{}/one.txt", other.display())),
        "{names:?}"
    );
    assert!(
        names.contains(&format!("{}/deep/two.txt", other.display())),
        "{names:?}"
    );

    // accurate=yes gives the file daemon the catalog's files: a file
    // gone since is recorded as deleted (an all-zero LStat) by an
    // accurate Incremental only (bacula-fd's accurate_finish).
    std::fs::remove_file(other.join("one.txt")).unwrap();
    let incr = |accurate: &str| {
        let out = s.console(&format!(
            "run job=Backup client=other-fd fileset=Other pool=Small storage=File2 level=Incremental accurate={accurate} yes\nwait\nmessages\n"
        ));
        assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    };
    let deleted = |id: i64| -> Vec<String> {
        let db = s.catalog();
        let mut q = db
            .prepare("SELECT Filename.Name FROM File JOIN Filename USING (FilenameId) WHERE JobId = ?1 AND LStat LIKE 'A A A A A A A A A A A %'")
            .unwrap();
        q.query_map([id], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    incr("no");
    assert!(deleted(2).is_empty(), "{:?}", deleted(2));
    incr("yes");
    assert_eq!(deleted(3), ["one.txt"]);
}

/// What a session printed from its `run` on, `When:` digits masked
/// (the Directors are asked at different seconds).
fn from_run(out: &str) -> Vec<String> {
    out.lines()
        .skip_while(|l| !l.starts_with("run "))
        .map(|l| {
            if l.starts_with("When:") && !l.contains("2030") {
                l.chars()
                    .map(|c| if c.is_ascii_digit() { '9' } else { c })
                    .collect()
            } else {
                l.to_string()
            }
        })
        .collect()
}

#[test]
fn mod_changes_the_job_through_bacula_dirs_menu_and_shows_it_again() {
    let (mut s, _other) = site_with_overrides();
    // Pool, Client, Level, Priority, When and Storage, each from its
    // own list or question, then `mod` with arguments, then no; and the
    // same menu in api mode.
    let session = "run job=Backup\nmod\n8\n2\nmod\n5\n3\nmod\n1\n3\nmod\n7\n3\nmod\n6\n2030-01-02 03:04:05\nmod\n2\n3\nmod fileset=Other level=Full\nmaybe\nno\n";
    let api = b".api 2\nrun job=Backup\nmod\n8\n2\nmod\n1\n3\nno\n";
    let ours = s.console(session);
    let ours_api = s.console_raw(api);
    s.switch_director(Director::BaculaDir);
    let theirs = s.console(session);
    let theirs_api = s.console_raw(api);
    s.switch_director(Director::Rdird);
    assert_eq!(from_run(&ours), from_run(&theirs), "{theirs}");
    // In api mode the menu and the lists are framed for a dialog, bare
    // items without numbers (ua_select.c do_prompt), byte for byte as
    // bacula-dir sends them.
    let (ours_api, theirs_api) = (
        String::from_utf8_lossy(&ours_api).to_string(),
        String::from_utf8_lossy(&theirs_api).to_string(),
    );
    assert_eq!(from_run(&ours_api), from_run(&theirs_api), "{theirs_api}");
    assert!(
        ours_api.contains(
            "Parameters to modify:\nLevelStorageJobFileSetClientWhenPriorityPoolPlugin Options"
        ),
        "{ours_api}"
    );
    for (line, then) in [
        ("Parameters to modify:", "     1: Level"),
        ("     8: Pool", "     9: Plugin Options"),
        ("The defined Pool resources are:", "     1: Full"),
        ("The defined Client resources are:", "     1: test-fd"),
        ("Levels:", "     1: Full"),
    ] {
        let at = ours.find(&format!("{line}\n{then}\n"));
        assert!(at.is_some(), "{line}: {ours}");
    }
    // The last summary shows every change, with where each came from.
    let last: Vec<&str> = ours
        .rsplit("Run Backup job\n")
        .next()
        .unwrap()
        .lines()
        .take(8)
        .collect();
    assert_eq!(
        last,
        [
            "JobName:  Backup",
            "Level:    Full",
            "Client:   other-fd",
            "FileSet:  Other",
            "Pool:     Small (From User input)",
            "Storage:  File2 (From user selection)",
            "When:     2030-01-02 03:04:05",
            "Priority: 3",
        ],
        "{ours}"
    );
    assert!(
        ours.contains("Bad response: maybe. You must answer yes, mod, or no."),
        "{ours}"
    );
    assert!(
        ours.ends_with("Job not run.\n") || ours.contains("Job not run.\n"),
        "{ours}"
    );
    let jobs: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jobs, 0);

    // Chosen at mod, the job runs with them.
    let out = s.console("run job=Backup\nmod\n5\n3\nmod\n4\n3\nyes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    assert_eq!(report_line(&out, "Client:"), "\"other-fd\"", "{out}");
    assert!(
        report_line(&out, "FileSet:").starts_with("\"Other\" "),
        "{out}"
    );
}

/// How many jobs the catalog holds.
fn job_count(s: &Setup) -> i64 {
    s.catalog()
        .query_row("SELECT COUNT(*) FROM Job", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_restricted_console_cannot_leave_its_acls_by_run_arguments_or_mod() {
    let (mut s, _other) = site_with_overrides();
    let limited = |s: &Setup, input: &str| s.console_as("limited", "limited-secret", input);
    // Each names what its ACLs keep from it; none runs, with either Director.
    let escapes = [
        (
            "run job=Backup client=other-fd yes",
            "Client \"other-fd\" not found.",
        ),
        (
            "run job=Backup fileset=Other yes",
            "FileSet \"Other\" not found.",
        ),
        ("run job=Backup pool=Small yes", "Pool \"Small\" not found."),
        (
            "run job=Backup storage=File2 yes",
            "Storage \"File2\" not found.",
        ),
        // Its own Job, whose Pool (and that Pool's Storage) it may not use.
        ("run job=PoolStore yes", "Pool \"Stored\" not found."),
        ("run job=Other yes", "Job \"Other\" not found."),
        (
            "run job=Backup where=/etc yes",
            "No authorization for \"where\" specification.",
        ),
    ];
    for (line, why) in escapes {
        let out = limited(&s, &format!("{line}\n"));
        assert!(
            out.contains(&format!("{why}\nJob not run.")),
            "{line}: {out}"
        );
    }
    // mod offers only what the ACLs allow (one of each: taken without
    // asking), and `mod client=` is refused as `client=` is.
    let out = limited(
        &s,
        "run job=Backup\nmod\n5\nmod\n8\nmod\n2\nmod\n4\nmod client=other-fd\n",
    );
    for only in [
        "Client: test-fd",
        "Pool: Full",
        "Storage: File",
        "FileSet: Set",
    ] {
        assert!(
            out.contains(&format!("Automatically selected {only}\n")),
            "{out}"
        );
    }
    assert!(
        out.contains("Client \"other-fd\" not found.\nJob not run."),
        "{out}"
    );
    assert_eq!(job_count(&s), 0);

    // bacula-dir 9.6.7 refuses them too (ua_run.c get_client, get_pool,
    // …: "No authorization. Client …"), which tells that the resource
    // exists; rdird answers as for one that does not.
    s.switch_director(Director::BaculaDir);
    for (line, _) in escapes {
        let out = limited(&s, &format!("{line}\n"));
        assert!(out.contains("Job not run."), "{line}: {out}");
    }
    s.switch_director(Director::Rdird);
    assert_eq!(job_count(&s), 0);
}

#[test]
fn hostile_run_arguments_are_refused_without_harm() {
    let (mut s, _other) = site_with_overrides();
    // A comment bacula-dir's is_comment_legal refuses is refused by both.
    let comments = "run job=Backup comment=\"x'; DROP TABLE Job; --\" yes\nrun job=Backup comment=\"<b>\" yes\nrun job=Backup comment=\"" .to_string()
        + &"c".repeat(200)
        + "\" yes\n";
    let ours = s.console(&comments);
    s.switch_director(Director::BaculaDir);
    let theirs = s.console(&comments);
    s.switch_director(Director::Rdird);
    for why in [
        "Illegal character \"'\" in a comment.\nJob not run.",
        "Illegal character \"<\" in a comment.\nJob not run.",
        "Comment too long.\nJob not run.",
    ] {
        assert!(ours.contains(why), "{ours}");
        assert!(theirs.contains(why), "{theirs}");
    }
    assert_eq!(job_count(&s), 0);

    // SQL in names finds nothing; a huge name is answered, not echoed
    // into trouble; a flood of bad answers is asked again, never run.
    let huge = "x".repeat(100_000);
    let out = s.console(&format!(
        "run job=Backup client=\"x' OR '1'='1\" yes\nrun job=Backup pool=\"Full\\\"; DELETE FROM Pool; --\" yes\nrun job=Backup fileset={huge} yes\nrun job=Backup\n{}delete jobid=1 yes\nno\nrun job=Backup\nmod\n{}.\nversion\n",
        "maybe\n".repeat(40),
        "99999999999999999999999999\n".repeat(12)
    ));
    assert!(
        out.contains("Client \"x' OR '1'='1\" not found.\nJob not run."),
        "{}",
        &out[..out.len().min(4000)]
    );
    assert!(out.contains(&format!("FileSet \"{huge}\" not found.\nJob not run.")));
    // Every bad answer is asked again, as bacula-dir's run_cmd asks: a
    // line meant as an answer never runs as a command.
    assert_eq!(out.matches("Bad response: maybe.").count(), 40);
    assert!(out.contains("Bad response: delete jobid=1 yes."));
    assert!(
        out.contains("Selection aborted, nothing done.\nJob not run."),
        "{}",
        &out[out.len().saturating_sub(3000)..]
    );
    assert!(out.contains("Version: 0.1.0"));
    let pools: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Pool", [], |r| r.get(0))
        .unwrap();
    assert!(pools > 0);
    assert_eq!(job_count(&s), 0);

    // Non-UTF-8 bytes in a comment are no name of anything; a comment of
    // SQL's own characters is kept as it is.
    let raw = s.console_raw(b"run job=Backup client=\xff\xfe yes\nversion\n");
    let raw = String::from_utf8_lossy(&raw);
    assert!(raw.contains("not found.\nJob not run."), "{raw}");
    let out = s.console("run job=Backup comment=\"a; DROP TABLE Job; -- %_\" yes\nwait\n");
    assert!(out.contains("Job queued. JobId=1"), "{out}");
    let comment: String = s
        .catalog()
        .query_row("SELECT Comment FROM Job WHERE JobId = 1", [], |r| r.get(0))
        .unwrap();
    assert_eq!(comment, "a; DROP TABLE Job; -- %_");
}
