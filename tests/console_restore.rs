//! `restore` without arguments saying which backups, as an administrator
//! types it at bconsole: bacula-dir 9.6.7's menu of thirteen ways to
//! choose the JobIds, the questions each asks, the file selection tree
//! (cd, ls, mark, unmark, lsmark, count, find, estimate, …) and the
//! summary before "OK to run?", beside stock bacula-dir on the same
//! configuration and catalog; the restore built from marks brings back
//! exactly the files marked. `prune`, `purge`, `truncate` and `cancel`
//! without arguments ask as bacula-dir asks. Restricted consoles see
//! only their own clients and jobs in every list, and hostile answers
//! leave the Director answering.

mod common;
use common::site::*;

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

fn site_conf(p: &Place<'_>) -> String {
    format!(
        "Job {{ Name = RestoreFiles; Type = Restore; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = \"{0}/restored\" }}\n\
         Console {{ Name = limited; Password = \"limited-secret\"; CommandACL = restore, prune, purge, truncate, cancel, messages, wait, sqlquery; JobACL = Backup, RestoreFiles; ClientACL = test-fd; StorageACL = File; PoolACL = Full; FileSetACL = Set; CatalogACL = *all*; WhereACL = *all*\n}}\n\
         Console {{ Name = outsider; Password = \"outsider-secret\"; CommandACL = restore, prune, purge, truncate, cancel; JobACL = Other, RestoreFiles; ClientACL = gone-fd; StorageACL = Gone, File; PoolACL = Small; FileSetACL = *all*; CatalogACL = *all*; WhereACL = *all*\n}}\n",
        p.root.display()
    )
}

/// Nested directories, a name with spaces, one with bytes that are not
/// UTF-8, under the site's data folder.
fn make_tree(data: &Path) {
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9 d\xff");
    for d in [
        data.join("dir with spaces/inner"),
        data.join("deep/l1/l2"),
        data.join(odd),
    ] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(data.join("dir with spaces/a file.txt"), "spaced\n").unwrap();
    std::fs::write(data.join("dir with spaces/inner/x.txt"), "inner\n").unwrap();
    std::fs::write(data.join("deep/l1/l2/leaf.bin"), vec![7u8; 5000]).unwrap();
    std::fs::write(data.join("deep/l1/top.txt"), "top\n").unwrap();
    std::fs::write(
        data.join(odd)
            .join(std::ffi::OsStr::from_bytes(b"raw\xfe.txt")),
        "raw\n",
    )
    .unwrap();
}

/// A site with a Full backup of the tree (JobId 1) and an Incremental
/// after one file changed (JobId 2).
fn site() -> Setup {
    let s = setup_conf("fd-secret", None, site_conf);
    let data = s.root.path().join("data");
    make_tree(&data);
    let out = s.console_within(
        "run job=Backup yes\nwait\nmessages\n",
        Duration::from_secs(60),
    );
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(data.join("deep/l1/top.txt"), "top, changed\n").unwrap();
    let out = s.console_within(
        "run job=Backup level=Incremental yes\nwait\nmessages\n",
        Duration::from_secs(60),
    );
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    s
}

/// bacula-dir prints a name byte that is not UTF-8 as the catalog holds
/// it (U+10FF00 plus the byte, in UTF-8); rdird sends the byte itself.
/// This turns the first form into the second.
fn raw_bytes(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == 0xF4 && i + 3 < b.len() && b[i + 1] == 0x8F && (0xBC..=0xBF).contains(&b[i + 2])
        {
            out.push(((b[i + 2] & 0x3) << 6) | (b[i + 3] & 0x3F));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// A conversation's lines as both Directors must print them: the
/// session's own lines (banner, catalog announcements) left out, the
/// time a job is scheduled for and bacula-dir's storage line dropped,
/// the volume table reduced to the volume's name, and each `find`'s
/// answer sorted (ua_tree.c walks its nodes in the order it allocated
/// them, rdird in name order).
fn comparable(out: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(&raw_bytes(out)).into_owned();
    let mut lines: Vec<String> = Vec::new();
    let mut found: Vec<String> = Vec::new();
    let mut in_find = false;
    for l in text.lines() {
        if l.starts_with("$ ") {
            found.sort();
            lines.append(&mut found);
            in_find = l.starts_with("$ find");
            lines.push(l.to_string());
            continue;
        }
        let session = [
            "Connecting to Director",
            "1000 OK",
            "Enter a period",
            "Automatically selected Catalog",
            "Using Catalog",
            "When:",
            "Using Storage",
            "You have messages",
        ];
        if session.iter().any(|k| l.starts_with(k)) {
            continue;
        }
        let l = match l.strip_prefix("    Vol-") {
            Some(rest) => format!("    Vol-{}", rest.split_whitespace().next().unwrap_or("")),
            None => l.to_string(),
        };
        if in_find {
            found.push(l);
        } else {
            lines.push(l);
        }
    }
    found.sort();
    lines.append(&mut found);
    lines
}

fn assert_same_lines(ours: &[String], theirs: &[String]) {
    let around = |l: &[String], i: usize| l[i.saturating_sub(8)..(i + 4).min(l.len())].join("\n");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert_eq!(
            a,
            b,
            "line {i} differs; rdird:\n{}\n\nbacula-dir:\n{}",
            around(ours, i),
            around(theirs, i)
        );
    }
    let n = ours.len().min(theirs.len());
    assert_eq!(
        ours.len(),
        theirs.len(),
        "rdird goes on:\n{}\n\nbacula-dir goes on:\n{}",
        around(ours, n),
        around(theirs, n)
    );
}

/// Every file under `dir`, by its name relative to it, with its bytes.
fn tree_files(dir: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut got = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = p.strip_prefix(dir).unwrap().as_os_str().as_bytes().to_vec();
                got.push((name, std::fs::read(&p).unwrap()));
            }
        }
    }
    got.sort();
    got
}

#[test]
fn the_menu_and_the_tree_answer_as_bacula_dir_does_and_the_marks_are_what_is_restored() {
    let mut s = site();
    let root = s.root.path().to_path_buf();
    let d = root.join("data").display().to_string();
    // A time after both backups, for item 6.
    let later = {
        let db = s.catalog();
        let t: String = db
            .query_row(
                "SELECT datetime(MAX(StartTime), '+1 minute') FROM Job",
                [],
                |r| r.get(0),
            )
            .unwrap();
        t
    };
    let input = format!(
        "restore\n1\n5\n2\ncd {d}\nls\ncount\nmark deep\nlsmark\nfind *.txt\nestimate\n\
         cd \"dir with spaces\"\nmark inner\ncd ..\nls\ndir\nhelp\ncount\nd x\nmark\npwd\nls *e*\nlsmark *\n\
         markdir sub\nunmarkdir sub\ncd nowhere\ncd a b\nfind\nbogus\n.lsdir\n.pwd\ndone\nno\n\
         restore\n13\n\
         restore\n3\n1,2\nquit\n\
         restore\n12\n2\nquit\n\
         restore\n2\n2\ntop.txt\n13\n\
         restore\n6\n2026-13-45 99:00\n{later}\n2\ncd {d}/deep\nmark l1\nestimate\ndone\nno\n\
         restore\n7\n2\n{d}/deep/l1/top.txt\n{d}/nope.txt\n\nno\n\
         restore\n9\n2\n13\n\
         restore\n10\n{later}\n2\n13\n\
         restore\n8\n{later}\n2\n{d}/sub/b.txt\n\nno\n\
         restore\n4\nSELECT JobId, Level, JobFiles FROM Job ORDER BY JobId\n13\n"
    );
    // Item 11 is left out: bacula-dir 9.6.7 counts 4 files selected for
    // a directory that holds one file (and itself) in one job; rdird
    // counts the 2 it restores.
    let ours = s.console_raw(input.as_bytes());
    s.switch_director(Director::BaculaDir);
    let theirs = s.console_raw(input.as_bytes());
    s.switch_director(Director::Rdird);
    let (ours, theirs) = (comparable(&ours), comparable(&theirs));
    assert_same_lines(&ours, &theirs);
    // What the conversation shows, beyond being bacula-dir's.
    let text = ours.join("\n");
    for want in [
        "To select the JobIds, you have the following choices:",
        "Select item:  (1-13): ",
        "Defined Clients:",
        "\n7 files inserted into the tree.",
        "\n5 files marked.",
        "*deep/\n  *l1/\n    *l2/\n      *leaf.bin\n    *top.txt",
        "\n+dir with spaces/\n",
        "15 total files/dirs. 9 marked to be restored.",
        "Run Restore job\nJobName:         RestoreFiles",
        "Job not run.",
        "Restore not done.",
        "Selecting jobs to build the Full state at",
        "Improper date format.",
        "No database record found for:",
        "Enter SQL list command: ",
        "| JobId | Level | JobFiles |",
        "Enter full filename: ",
        "1 file selected to be restored.",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }

    // Marks in the tree, a name with spaces and one with bytes that are
    // not UTF-8 among them, are exactly what comes back.
    let mut input = format!(
        "restore\n5\n2\ncd {d}\nmark \"dir with spaces\"\ncd deep/l1\nmark top.txt\ncd \"{d}/"
    )
    .into_bytes();
    input.extend_from_slice(b"caf\xe9 d\xff\"\nmark raw*\nlsmark\ndone\nyes\nwait\nmessages\n");
    let out = String::from_utf8_lossy(&s.console_raw(&input)).into_owned();
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let back = root
        .join("restored")
        .join(root.join("data").strip_prefix("/").unwrap());
    let got = tree_files(&back);
    let data = root.join("data");
    let mut want: Vec<(Vec<u8>, Vec<u8>)> = [
        &b"dir with spaces/a file.txt"[..],
        b"dir with spaces/inner/x.txt",
        b"deep/l1/top.txt",
        b"caf\xe9 d\xff/raw\xfe.txt",
    ]
    .iter()
    .map(|n| {
        let p = data.join(std::ffi::OsStr::from_bytes(n));
        (n.to_vec(), std::fs::read(p).unwrap())
    })
    .collect();
    want.sort();
    assert_eq!(got, want, "{out}");
}

/// The lines of `out` up to the first that holds `until` (all without
/// one), comparable.
/// The volume list's ExpiresIn counts down each second: its value is
/// left out.
fn until(out: &[u8], until: Option<&str>) -> Vec<String> {
    let mut lines: Vec<String> = comparable(out)
        .into_iter()
        .map(
            |l| match l.strip_suffix(" |").and_then(|r| r.rsplit_once("| ")) {
                Some((head, last))
                    if l.contains("| Vol-") && last.trim().parse::<i64>().is_ok() =>
                {
                    format!("{head}| (ExpiresIn) |")
                }
                _ => l,
            },
        )
        .collect();
    if let Some(mark) = until {
        if let Some(i) = lines.iter().position(|l| l.contains(mark)) {
            lines.truncate(i + 1);
        }
    }
    lines
}

#[test]
fn prune_purge_truncate_and_cancel_alone_ask_as_bacula_dir_asks() {
    let mut s = setup_conf("fd-secret", None, |p| {
        site_conf(p)
            + "Job { Name = Slow; Type = Admin; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon\n  RunScript {\n    RunsWhen = Before\n    RunsOnClient = no\n    Command = \"/bin/sleep 6\"\n  }\n}\n"
    });
    let out = s.console_within(
        "run job=Backup yes\nwait\nmessages\n",
        Duration::from_secs(60),
    );
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    // Each conversation, and where the two Directors' questions stop
    // being the same (rdird's confirmations are its own).
    let talks: [(&str, Option<&str>); 6] = [
        ("prune\n7\n.\n", None),
        ("prune\n3\n1\n", Some("Enter a Volume name or *MediaId:")),
        ("purge\n3\n1\n", Some("Enter a Volume name or *MediaId:")),
        (
            "purge volume\n1\n",
            Some("Enter a Volume name or *MediaId:"),
        ),
        ("truncate\n1\n1\n", None),
        ("cancel\n", None),
    ];
    let ours: Vec<Vec<String>> = talks
        .iter()
        .map(|(input, mark)| until(&s.console_raw(input.as_bytes()), *mark))
        .collect();
    s.switch_director(Director::BaculaDir);
    let theirs: Vec<Vec<String>> = talks
        .iter()
        .map(|(input, mark)| until(&s.console_raw(input.as_bytes()), *mark))
        .collect();
    s.switch_director(Director::Rdird);
    for (a, b) in ours.iter().zip(&theirs) {
        assert_same_lines(a, b);
    }
    let text = ours.concat().join("\n");
    for want in [
        "Choose item to prune (1-5): ",
        "Please enter a number between 1 and 5",
        "Choose item to purge (1-3): ",
        "Defined Pools:",
        "| Vol-0001 ",
        "The defined Storage resources are:",
        "The defined Pool resources are:",
        "No Volumes found to perform the command.",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }

    // `cancel` alone while two jobs run: the list, a choice, the
    // confirmation; the job not chosen runs on.
    let out = s.console("run job=Slow yes\nrun job=Slow yes\n");
    let ids = job_ids(&out);
    assert_eq!(ids.len(), 2, "{out}");
    // A console whose JobACL holds neither sees no job to cancel.
    let other = s.console_as("outsider", "outsider-secret", "cancel\n");
    assert!(other.contains("No Jobs running."), "{other}");
    let out = s.console("cancel\n9\n2\nyes\n");
    assert!(out.contains("Select Job(s):"), "{out}");
    assert!(
        out.contains(&format!("     1: JobId={} Job=Slow.", ids[0])),
        "{out}"
    );
    assert!(
        out.contains(&format!("     2: JobId={} Job=Slow.", ids[1])),
        "{out}"
    );
    assert!(out.contains("Choose Job list to cancel (1-2): "), "{out}");
    assert!(
        out.contains("Please enter a number between 1 and 2"),
        "{out}"
    );
    assert!(out.contains("Confirm cancel of 1 Job (yes/no): "), "{out}");
    let out = s.console_within(&format!("wait jobid={}\n", ids[1]), Duration::from_secs(30));
    assert!(!out.contains("is an invalid"), "{out}");
    assert_eq!(s.job_status(ids[1]), "A");
    assert!(
        is_running(&s.job_status(ids[0])),
        "the other job ended: {}",
        s.console("messages\n")
    );
    let out = s.console("cancel\nyes\n");
    assert!(
        out.contains(&format!(
            "Automatically selected Job: JobId={} Job=Slow.",
            ids[0]
        )),
        "{out}"
    );
    let out = s.console_within(&format!("wait jobid={}\n", ids[0]), Duration::from_secs(30));
    assert!(!out.contains("is an invalid"), "{out}");
    assert_eq!(s.job_status(ids[0]), "A");
}

/// How many restore jobs the catalog holds.
fn restore_jobs(s: &Setup) -> i64 {
    s.catalog()
        .query_row("SELECT COUNT(*) FROM Job WHERE Type = 'R'", [], |r| {
            r.get(0)
        })
        .unwrap()
}

#[test]
fn restricted_consoles_choose_only_their_own_and_hostile_answers_leave_the_director_answering() {
    let s = site();
    let d = s.root.path().join("data").display().to_string();
    // The limited console sees its one client, chosen for it, and only
    // its jobs in the menu's lists.
    let out = s.console_as(
        "limited",
        "limited-secret",
        "restore\n1\n5\nquit\nrestore\n2\ntop.txt\n13\n",
    );
    assert!(
        out.contains("Automatically selected Client: test-fd"),
        "{out}"
    );
    assert!(!out.contains("gone-fd"), "{out}");
    assert!(out.contains("| 2     | test-fd |"), "{out}");
    assert!(out.contains("Restore not done."), "{out}");
    // The outsider may use gone-fd alone: test-fd's backups are not
    // offered, named or typed.
    let out = s.console_as(
        "outsider",
        "outsider-secret",
        &format!(
            "restore\n1\n\
             restore\n5\n\
             restore client=test-fd\n\
             restore\n3\n1,2\n\
             restore\n12\n2\n\
             restore\n7\n{d}/deep/l1/top.txt\n\n"
        ),
    );
    assert!(out.contains("SQL query not authorized."), "{out}");
    assert!(
        out.contains("Automatically selected Client: gone-fd"),
        "{out}"
    );
    assert!(!out.contains("     1: test-fd"), "{out}");
    assert!(out.contains("Client \"test-fd\" not found."), "{out}");
    // Typed JobIds of test-fd: refused for their Client.
    assert!(
        out.contains(
            "Enter JobId(s), comma separated, to restore: 1,2\nClient \"test-fd\" not found."
        ),
        "{out}"
    );
    // bacula-dir 9.6.7 tells when JobId 2 started to any console
    // (ua_restore.c user_select_jobids_or_files, item 12); rdird answers
    // as for a job that does not exist.
    assert!(!out.contains("Selecting jobs to build"), "{out}");
    assert!(
        out.contains("Unable to get Job record for JobId=2: ERR=No Job found for JobId 2"),
        "{out}"
    );
    assert!(out.contains("No database record found for:"), "{out}");
    assert!(
        !out.contains("You are now entering file selection mode"),
        "{out}"
    );
    assert!(!out.contains("OK to run?"), "{out}");
    // Its pools, volumes and storages only.
    let out = s.console_as("outsider", "outsider-secret", "purge volume\nprune\n3\n");
    assert!(out.contains("Automatically selected Pool: Small"), "{out}");
    assert!(!out.contains("Vol-0001"), "{out}");

    // Hostile answers: numbers out of range and past 64 bits, empty and
    // huge lines, SQL in a file name, a session that ends in the tree.
    let huge = "9".repeat(30);
    let long = "x".repeat(200_000);
    // Longer than any path and than the longest pattern the tree takes.
    let path = "x/".repeat(3000);
    let talks = [
        format!("restore\n{huge}\n0\n-3\n\n14\n.\n"),
        format!("restore\n3\n1,{huge}\nrestore\n3\n1;DROP TABLE Job\n"),
        "restore\n2\n2\nx' OR '1'='1\n13\n".to_string(),
        format!("restore\n6\n{long}\n.\n"),
        format!("restore\n12\n{huge}\n"),
        "restore\n3\n1,2\nfind\n".to_string(),
        format!(
            "restore\n3\n1,2\ncd {path}\nmark {path}\nmark {}\nls [\nfind\n\n",
            "y".repeat(3000)
        ),
        format!("restore\n3\n1,2\n{}\nmark *\n", "*".repeat(100_000)),
    ];
    let mut out = String::new();
    for t in &talks {
        out += &s.console_or_kill(t, Duration::from_secs(20));
    }
    assert!(
        out.contains("Please enter a number between 1 and 13"),
        "{out}"
    );
    assert!(out.contains("Invalid JobId in list."), "{out}");
    assert!(out.contains("Improper date format."), "{out}");
    assert!(
        out.contains("Invalid command \"\".  Enter \"done\" to exit."),
        "{out}"
    );
    assert!(out.contains("Pattern longer than"), "{out}");
    assert!(out.contains("files marked."), "{out}");
    let jobs: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jobs, 2, "the catalog lost or gained jobs");
    assert_eq!(restore_jobs(&s), 0);
    let after = s.console("version\n");
    assert!(after.contains("Version:"), "{after}");
}

#[test]
fn mod_at_the_restore_changes_where_replace_and_priority_as_bacula_dir_does() {
    let mut s = site();
    let root = s.root.path().to_path_buf();
    let d = root.join("data").display().to_string();
    let elsewhere = root.join("elsewhere");
    // Level cannot change for a restore; Where, Replace, Priority and
    // the Restore Client can; a bad answer is asked again.
    let talk = |end: &str| {
        format!(
            "restore\n5\n2\ncd {d}\nmark deep\ndone\nmod\n1\nmod\n9\n{}\nmod\n11\n4\nmod\n7\n3\nmod\n5\n1\nperhaps\n{end}",
            elsewhere.display()
        )
    };
    let input = talk("no\n");
    let ours = s.console_raw(input.as_bytes());
    s.switch_director(Director::BaculaDir);
    let theirs = s.console_raw(input.as_bytes());
    s.switch_director(Director::Rdird);
    let (ours, theirs) = (comparable(&ours), comparable(&theirs));
    assert_same_lines(&ours, &theirs);
    let text = ours.join("\n");
    for want in [
        "Parameters to modify:",
        "Level not appropriate for this Job. Cannot be changed.",
        "Please enter the full path prefix for restore (/ for none): ",
        "Select replace option (1-4): ",
        "Replace:         Never",
        "Priority:        3",
        "Bad response: perhaps. You must answer yes, mod, or no.",
        "Job not run.",
    ] {
        assert!(text.contains(want), "no {want:?} in:\n{text}");
    }
    assert!(
        text.contains(&format!("Where:           {}", elsewhere.display())),
        "{text}"
    );
    // Run so changed, the restore lands where `mod` put it.
    let out = String::from_utf8_lossy(&s.console_raw(talk("yes\nwait\nmessages\n").as_bytes()))
        .into_owned();
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let back = elsewhere.join(root.join("data").strip_prefix("/").unwrap());
    let got: Vec<Vec<u8>> = tree_files(&back).into_iter().map(|(n, _)| n).collect();
    assert_eq!(
        got,
        [b"deep/l1/l2/leaf.bin".to_vec(), b"deep/l1/top.txt".to_vec()],
        "{out}"
    );
}

#[test]
fn a_backup_bacula_dir_made_of_names_that_are_not_utf8_lists_and_restores_whole() {
    // bacula-dir writes such a name's bytes into the catalog as they are
    // (TEXT that is not UTF-8), where rdird keeps stand-ins: rdird reads
    // both.
    let mut s = site();
    let root = s.root.path().to_path_buf();
    s.switch_director(Director::BaculaDir);
    let out = s.console_within(
        "run job=Backup level=Full yes\nwait\nmessages\n",
        Duration::from_secs(60),
    );
    s.switch_director(Director::Rdird);
    assert!(out.contains("Backup OK"), "{out}");
    let id: i64 = s
        .catalog()
        .query_row("SELECT MAX(JobId) FROM Job", [], |r| r.get(0))
        .unwrap();
    let listed = s.console_raw(format!("list files jobid={id}\n").as_bytes());
    assert!(
        listed.windows(8).any(|w| w == b"raw\xfe.txt"),
        "{}",
        String::from_utf8_lossy(&listed)
    );
    let out = String::from_utf8_lossy(
        &s.console_raw(
            format!(
                "restore jobid={id} where={}/from-bacula all done yes\nwait\nmessages\n",
                root.display()
            )
            .as_bytes(),
        ),
    )
    .into_owned();
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let back = root
        .join("from-bacula")
        .join(root.join("data").strip_prefix("/").unwrap());
    assert_eq!(tree_files(&back), tree_files(&root.join("data")), "{out}");
}

#[test]
fn purge_with_its_arguments_asks_nothing_and_the_next_line_runs_as_a_command() {
    // bacula-dir's purge_cmd warns and purges; it never asks, so a
    // script's next line is its next command.
    let s = site();
    let out = s.console("purge files jobid=2\nversion\n");
    assert!(
        out.contains("Files for jobid 2 purged from catalog.")
            && !out.contains("Are you sure")
            && out.contains("Version: 0.1.0"),
        "{out}"
    );
    let left: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM File WHERE JobId = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(left, 0);
}

#[test]
fn a_job_whose_file_records_were_pruned_is_restored_whole_as_bacula_dir_restores_it() {
    // File Retention shorter than Job Retention leaves jobs without File
    // records: bacula-dir restores them whole from the volume
    // (ua_restore.c select_files), asking first unless `all` was given,
    // and so does rdird.
    let mut s = site();
    let root = s.root.path().to_path_buf();
    s.console("purge files jobid=1\n");
    let whole = |to: &str| {
        format!(
            "restore client=test-fd jobid=1 where={}/{to} all done yes\nwait\nmessages\n",
            root.display()
        )
    };
    let asked = "restore client=test-fd jobid=1\nyes\nno\n";
    s.switch_director(Director::BaculaDir);
    let theirs =
        String::from_utf8_lossy(&s.console_raw(whole("by-bacula").as_bytes())).into_owned();
    let theirs_asked = String::from_utf8_lossy(&s.console_raw(asked.as_bytes())).into_owned();
    s.switch_director(Director::Rdird);
    let ours = String::from_utf8_lossy(&s.console_raw(whole("by-rdird").as_bytes())).into_owned();
    let ours_asked = String::from_utf8_lossy(&s.console_raw(asked.as_bytes())).into_owned();
    for out in [&ours, &theirs] {
        assert_eq!(report_line(out, "Termination:"), "Restore OK", "{out}");
    }
    for out in [&ours_asked, &theirs_asked] {
        assert!(
            out.contains("Most likely your retention policy pruned the files.")
                && out.contains("Do you want to restore all the files? (yes|no):")
                && out.contains("OK to run? (yes/mod/no):"),
            "{out}"
        );
    }
    let data = root.join("data");
    let inside = data.strip_prefix("/").unwrap();
    let (ours_tree, theirs_tree) = (
        tree_files(&root.join("by-rdird").join(inside)),
        tree_files(&root.join("by-bacula").join(inside)),
    );
    assert!(!ours_tree.is_empty(), "{ours}");
    assert_eq!(ours_tree, theirs_tree, "{ours}");
}
