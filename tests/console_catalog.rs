//! The catalog's console commands (list/llist, show, update, delete,
//! query, sqlquery, help) answer as bacula-dir 9.6.7 does: the same
//! configuration and catalog (Debian's make_sqlite3_tables, backups run
//! by bacula-dir), the same commands, through real bconsole, to stock
//! bacula-dir and then to rdird, compared line by line where the layout
//! is fixed; with real bacula-fd and bacula-sd.
//!
//! Integers are printed as bacula-dir's list_result prints them from an
//! SQLite catalog (cats/sqlite.c sql_fetch_field reports every column as
//! text): left-aligned, no thousands separators; lines are compared raw.

mod common;
use common::site::*;

use std::sync::OnceLock;

/// The site's extra resources: a scheduled job (for `list nextvol`), a
/// console restricted to the Backup job, the test-fd client and the
/// Small pool, and a Restore job.
fn extra(p: &Place<'_>) -> String {
    make_bacula_catalog(&p.root.join("dir/cat.db"));
    "Schedule {\n  Name = Nightly\n  Run = Level=Full daily at 23:59\n}\n\
     Job { Name = Nightly; Type = Backup; Level = Incremental; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Schedule = Nightly }\n\
     Job { Name = RestoreFiles; Type = Restore; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = /tmp/bacula-restores }\n\
     Console {\n  Name = narrow\n  Password = \"narrow-secret\"\n  JobACL = Backup\n  ClientACL = test-fd\n  PoolACL = Small\n  StorageACL = File\n  FileSetACL = Set\n  CatalogACL = *all*\n  CommandACL = list, llist, show, update, delete, query, sqlquery, help, version\n}\n"
        .to_string()
}

/// What each Director answered to the same commands, on one site:
/// bacula-dir first (it ran the backups), then rdird.
struct Answers {
    bacula: String,
    rdird: String,
    site: std::sync::Mutex<(Setup, Director)>,
}

/// Runs `f` on the shared site with `director` as its Director (the
/// tests that change the catalog take turns).
fn on<T>(director: Director, f: impl FnOnce(&Setup) -> T) -> T {
    let mut site = answers()
        .site
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if site.1 != director {
        site.0.switch_director(director);
        site.1 = director;
    }
    f(&site.0)
}

/// `f`'s result with bacula-dir and with rdird as the site's Director,
/// the catalog left to no other test in between.
fn both<T>(f: impl Fn(&Setup) -> T) -> (T, T) {
    let mut site = answers()
        .site
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut run = |director: Director| {
        if site.1 != director {
            site.0.switch_director(director);
            site.1 = director;
        }
        f(&site.0)
    };
    (run(Director::BaculaDir), run(Director::Rdird))
}

/// bacula-dir's and rdird's answers, line by line.
fn assert_same_lines(bacula: &[String], rdird: &[String]) {
    for (b, r) in bacula.iter().zip(rdird) {
        assert_eq!(
            r,
            b,
            "bacula-dir:\n{}\nrdird:\n{}",
            bacula.join("\n"),
            rdird.join("\n")
        );
    }
    assert_eq!(rdird.len(), bacula.len(), "{}", rdird.join("\n"));
}

/// The commands whose answers are compared; one per line, each echoed
/// by bconsole before its answer.
const COMMANDS: &[&str] = &[
    "list jobs",
    "list jobid=1",
    "list job=Backup",
    "list jobname=Other",
    "list files jobid=1",
    "list jobmedia",
    "list jobmedia jobid=2",
    "list joblog jobid=1",
    "list pools",
    "list pool=Full",
    "list clients",
    "list media",
    "list volumes",
    "list volume=Vol-0001",
    "list volumes pool=Full",
    "list volumes jobid=1",
    "list jobtotals",
    "list copies",
    "list nextvol job=Nightly",
    "list nextvolume job=Backup",
    "list jobs joberrors",
    "list jobs limit=1 order=desc",
    "list jobs client=test-fd",
    "list jobs jobstatus=T",
    "list jobs jobtype=B",
    "list jobs order=sideways",
    "list bogus",
    "llist jobs",
    "llist jobid=1",
    "llist pools",
    "llist pool=Small",
    "llist clients",
    "llist volumes",
    "llist volume=Vol-0001",
    "llist jobmedia",
    "llist jobmedia jobid=1",
    "list jobs long",
    "list jobid=1,2",
    ".api 2",
    "list jobs limit=2",
    "llist jobid=2",
    "list volumes pool=Small",
    ".api 0",
    "show directors",
    "show clients",
    "show client=gone-fd",
    "show jobs",
    "show job=Nightly",
    "show job=RestoreFiles",
    "show storages",
    "show stor=Gone",
    "show catalogs",
    "show schedules",
    "show filesets",
    "show fileset=Set",
    "show pools",
    "show pool=Small",
    "show messages",
    "show counters",
    "show disabled",
    "show help",
    "show all",
    "show job=NoSuchJob",
    "show frobs",
    "help",
    "help list",
    "help llist",
    "help update",
    "help show",
    "help query",
    "help sqlquery",
    "help frobnicate",
];

/// The `show` commands of `COMMANDS`.
fn shows() -> impl Iterator<Item = &'static &'static str> {
    COMMANDS.iter().filter(|c| c.starts_with("show"))
}

fn answers() -> &'static Answers {
    static A: OnceLock<Answers> = OnceLock::new();
    A.get_or_init(|| {
        let mut s = setup_site_for(
            Director::BaculaDir,
            "fd-secret",
            None,
            "  QueryFile = \"/usr/share/doc/bacula-common/examples/sample-query.sql\"\n",
            extra,
            &[],
            |_| String::new(),
        );
        let out = s.console(
            "run job=Backup level=Full yes\nwait\nrun job=Other level=Full yes\nwait\nmessages\n",
        );
        assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
        let input: String = COMMANDS.iter().map(|c| format!("{c}\n")).collect();
        let bacula = s.console(&input);
        s.switch_director(Director::Rdird);
        let rdird = s.console(&input);
        Answers {
            bacula,
            rdird,
            site: std::sync::Mutex::new((s, Director::Rdird)),
        }
    })
}

/// The answer to `command` in a conversation of `COMMANDS`: the lines
/// after bconsole's echo of it, up to the echo of the next one.
fn answer(all: &str, command: &str) -> String {
    let lines: Vec<&str> = all.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == command)
        .unwrap_or_else(|| panic!("{command} not in {all}"))
        + 1;
    let next = COMMANDS.iter().skip_while(|c| **c != command).nth(1);
    let end = lines[start..]
        .iter()
        .position(|l| Some(l) == next)
        .map_or(lines.len(), |i| start + i);
    lines[start..end].iter().map(|l| format!("{l}\n")).collect()
}

/// An answer as lines to compare, raw; the catalog announcement is left
/// out (bacula-dir says it once a session, and so does rdird, but not
/// always at the same command), and so is "You have messages." (each
/// Director holds its own queue: whether one waits depends on the
/// process, not on the command), and the seconds a volume has left
/// (ExpiresIn) are not compared, they move on between the two
/// Directors' answers.
fn normalized(answer: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut expires_col = None;
    for line in answer.lines() {
        if line.starts_with("Using Catalog")
            || line.starts_with("Automatically selected Catalog")
            || line == "You have messages."
        {
            continue;
        }
        if let Some(row) = line.strip_prefix('|') {
            let cells: Vec<&str> = row.trim_end_matches('|').split('|').collect();
            if let Some(i) = cells.iter().position(|c| c.trim() == "ExpiresIn") {
                expires_col = Some(i);
            }
            let cells: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, c)| match expires_col {
                    Some(e) if e == i && c.trim() != "ExpiresIn" => "(seconds)".into(),
                    _ => c.to_string(),
                })
                .collect();
            out.push(format!("|{}|", cells.join("|")));
            continue;
        }
        match line.split_once(": ") {
            Some((name, _)) if name.trim() == "ExpiresIn" => out.push(format!("{name}: (seconds)")),
            _ => out.push(line.to_string()),
        }
    }
    out
}

/// bacula-dir 9.6.7 reads the `jobid=`/`job=` that a listing takes as
/// its argument a second time as a listing of its own (ua_output.c
/// do_list_cmd loops over every keyword), so that `list files jobid=1`
/// ends with job 1's record: rdird answers what was asked, so that
/// record is cut from bacula-dir's answer before comparing.
fn without_job_echo(mut lines: Vec<String>) -> Vec<String> {
    if lines.last().is_some_and(|l| l == "No results to list.") {
        lines.pop();
        return lines;
    }
    let header = |l: &String| l.starts_with("| JobId ") && l.contains("| JobStatus |");
    match lines.iter().rposition(header) {
        Some(h) if h >= 1 && lines[h - 1].starts_with('+') => lines[..h - 1].to_vec(),
        _ => match lines
            .iter()
            .rposition(|l| l.trim_start().starts_with("JobId: "))
        {
            Some(j) => lines[..j].to_vec(),
            None => lines,
        },
    }
}

/// rdird's answer to each command is bacula-dir's, value for value.
#[test]
fn list_and_llist_answer_as_bacula_dir_does_on_the_same_catalog() {
    let a = answers();
    for command in COMMANDS.iter().filter(|c| c.contains("list")) {
        let (mut b, r) = (answer(&a.bacula, command), answer(&a.rdird, command));
        // bacula-dir 9.6.7 reads `jobid=1,2` as JobId 1 (ua_output.c
        // do_list_cmd, str_to_int64 stops at the comma) and drops the
        // rest unsaid; rdird lists every job named, here the site's two:
        // what bacula-dir's `list jobs` lists.
        if *command == "list jobid=1,2" {
            b = answer(&a.bacula, "list jobs");
        }
        let mut expected = normalized(&b);
        let echoing = [
            "files",
            "jobmedia jobid",
            "joblog",
            "volumes jobid",
            "nextvol",
        ];
        if echoing.iter().any(|e| command.contains(e)) {
            expected = without_job_echo(expected);
        }
        assert_eq!(
            normalized(&r),
            expected,
            "{command}:\nbacula-dir:\n{b}\nrdird:\n{r}"
        );
    }
}

/// `show` prints each kind of resource in bacula-dir's layout, line for
/// line, the resources it refers to nested under it.
#[test]
fn show_prints_every_kind_of_resource_as_bacula_dir_does() {
    let a = answers();
    for command in shows() {
        let (b, r) = (answer(&a.bacula, command), answer(&a.rdird, command));
        assert_eq!(r, b, "{command}:\nbacula-dir:\n{b}\nrdird:\n{r}");
    }
}

/// The update commands whose answers are compared, and the listing that
/// shows what they changed.
const UPDATES: &str = "update volume=Vol-0001 volretention=\"2 days\" voluse=1h maxvoljobs=5 maxvolfiles=6 maxvolbytes=10M recycle=no inchanger=yes slot=3 enabled=yes actiononpurge=Truncate cacheretention=1d\n\
update volume=Vol-0001 volstatus=Used\n\
update volstatus=Append\n1\n1\n*1\n\
update volume=Vol-0001 volstatus=Used\n\
update volume=Vol-0001 volstatus=Frozen\n\
update volume=Vol-0001 recycle=maybe\n\
update volume=Vol-0001 volretention=soon\n\
update volume=Vol-0001 pool=Small\n\
update volume=Vol-0001 pool=Full recyclepool=Small\n\
update volume=Vol-0001 recyclepool=\"\"\n\
llist volume=Vol-0001\n\
update volume=Vol-0001\n4\n7\n1\n4\n19\n\
update volume=Vol-0001 frompool\n\
update volume=Vol-0001 allfrompool=Full\n\
llist volume=Vol-0001\n\
update jobid=2 starttime=\"2026-01-02 03:04:05\"\n\
llist jobid=2\n\
update jobid=2\n\
update\n4\n";

/// bconsole's answers to `UPDATES`, line by line, with what moves
/// between two runs (the seconds left of a volume, its last write) left
/// out.
fn update_answers(s: &Setup) -> Vec<String> {
    s.catalog().execute("DELETE FROM JobHisto", []).unwrap();
    let out = s.console(UPDATES);
    normalized(&out)
        .into_iter()
        .filter(|l| !l.starts_with("1000 OK") && !l.starts_with("LastWritten:"))
        .collect()
}

/// `update volume=` with every field, its "Parameters to modify:" menu,
/// `frompool`, `allfrompool`, `update jobid=` and `update stats`, typed
/// to bacula-dir and to rdird, answer the same and leave the same
/// records.
#[test]
fn update_sets_every_volume_field_and_answers_as_bacula_dir_does() {
    let (bacula, rdird) = both(update_answers);
    assert_same_lines(&bacula, &rdird);
    // A volume picked from its pool's listing by *MediaId.
    assert!(
        rdird.contains(&"New Volume status is: Append".to_string()),
        "{}",
        rdird.join("\n")
    );
    assert!(
        rdird.contains(&"New max jobs is: 7".to_string()),
        "{}",
        rdird.join("\n")
    );
    assert!(
        rdird
            .iter()
            .any(|l| l.trim() == "StartTime: 2026-01-02 03:04:05"),
        "{}",
        rdird.join("\n")
    );
}

/// The canned queries of Bacula's sample-query.sql typed to both
/// Directors: the menu, a query by number, prompts, a query with several
/// statements and temporary tables, one that does not exist.
const QUERIES: &str = "query\n5\ntest-fd\n\
query 6\nVol-0001\n\
query 7\n1\n\
query 9\nFull\n\
query 10\n\
query 12\n2\n\
query 14\nVol-0001\n\
query 8\ntest-fd\n\
query 99\n";

fn query_answers(s: &Setup) -> Vec<String> {
    normalized(&s.console(QUERIES))
        .into_iter()
        .filter(|l| !l.starts_with("1000 OK") && !l.contains("ExpiresIn"))
        .collect()
}

/// `query` lists the QueryFile's queries, asks each one's prompts and
/// shows its tables as bacula-dir does.
#[test]
fn query_runs_the_query_files_canned_queries_as_bacula_dir_does() {
    let (bacula, rdird) = both(query_answers);
    assert_same_lines(&bacula, &rdird);
    assert!(
        rdird
            .iter()
            .any(|l| l.contains("List Volumes to Restore All Files")),
        "{}",
        rdird.join("\n")
    );
}

/// The command lines of a `help` answer: `  name  description`.
fn help_lines(answer: &str) -> Vec<String> {
    answer
        .lines()
        .skip_while(|l| !l.starts_with("  ======="))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// `help` lists rdird's commands with bacula-dir's descriptions in
/// bacula-dir's order (rdird's own, `python`, after them), and `help
/// COMMAND` prints bacula-dir's arguments.
#[test]
fn help_prints_bacula_dirs_commands_texts_and_arguments() {
    let a = answers();
    let rdird = help_lines(&answer(&a.rdird, "help"));
    let bacula = help_lines(&answer(&a.bacula, "help"));
    let name = |l: &String| l.split_whitespace().next().unwrap_or("").to_string();
    let known: Vec<String> = bacula.iter().map(name).collect();
    let (shared, own): (Vec<String>, Vec<String>) = rdird
        .iter()
        .cloned()
        .partition(|l| known.contains(&name(l)));
    let expected: Vec<String> = bacula
        .iter()
        .filter(|l| rdird.iter().any(|r| name(r) == name(l)))
        .cloned()
        .collect();
    assert_eq!(shared, expected, "{}", rdird.join("\n"));
    assert!(shared.len() >= 15, "{}", rdird.join("\n"));
    assert_eq!(
        own.iter().map(name).collect::<Vec<_>>(),
        ["python"],
        "{}",
        rdird.join("\n")
    );
    assert!(rdird.ends_with(&own), "{}", rdird.join("\n"));
    for command in COMMANDS.iter().filter(|c| c.starts_with("help ")) {
        let (b, r) = (answer(&a.bacula, command), answer(&a.rdird, command));
        assert_eq!(r, b, "{command}:\nbacula-dir:\n{b}\nrdird:\n{r}");
    }
}

/// README.md's list of console commands is what `help` prints.
#[test]
fn readme_lists_the_commands_help_prints() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("\n## Console commands\n")
        .nth(1)
        .expect("README.md has a Console commands section");
    let listed: Vec<String> = section
        .lines()
        .skip_while(|l| !l.starts_with("  ======="))
        .skip(1)
        .take_while(|l| !l.trim().is_empty() && !l.starts_with("```"))
        .map(String::from)
        .collect();
    let help = help_lines(&answer(&answers().rdird, "help"));
    assert_eq!(
        listed,
        help,
        "README.md:\n{}\nhelp:\n{}",
        listed.join("\n"),
        help.join("\n")
    );
}

/// What the catalog holds, as text: equal before and after means nothing
/// changed.
fn catalog_state(s: &Setup) -> String {
    s.catalog()
        .query_row(
            "SELECT (SELECT group_concat(JobId || Name || StartTime || ClientId || PoolId, ';') FROM Job)
              || '|' || (SELECT group_concat(VolumeName || VolStatus || PoolId || MaxVolJobs || Slot || VolRetention || RecyclePoolId, ';') FROM Media)
              || '|' || (SELECT group_concat(Name || NumVols || VolRetention, ';') FROM Pool)
              || '|' || (SELECT group_concat(Name, ';') FROM Client)
              || '|' || (SELECT count(*) FROM File) || '|' || (SELECT count(*) FROM JobMedia)",
            [],
            |r| r.get(0),
        )
        .unwrap()
}

/// What the Director answered to `input`, without bconsole's echo of
/// each command.
fn without_echo(out: &str, input: &str) -> String {
    let typed: Vec<&str> = input.lines().collect();
    out.lines()
        .filter(|l| !typed.contains(l))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// bconsole as the restricted console `narrow` (JobACL Backup, ClientACL
/// test-fd, PoolACL Small).
fn narrow(s: &Setup, input: &str) -> String {
    without_echo(&s.console_as("narrow", "narrow-secret", input), input)
}

/// A console restricted to the Backup job, the test-fd client and the
/// Small pool lists, shows, updates and deletes nothing else: every
/// record outside its ACLs answers as one that does not exist, and the
/// catalog is left as it was. bacula-dir 9.6.7 filters none of the
/// listings (ua_output.c do_list_cmd), updates any volume
/// (ua_update.c select_media_dbr) and deletes any job (ua_cmds.c
/// delete_job).
#[test]
fn a_restricted_console_lists_updates_and_deletes_only_inside_its_acls() {
    on(Director::Rdird, |s| {
        let before = catalog_state(s);
        let listings = narrow(
            s,
            "list jobs\nllist jobs\nlist jobid=2\nllist jobid=2\nlist job=Other\nlist files jobid=2\nlist jobmedia\nllist jobmedia jobid=2\nlist joblog jobid=2\nlist jobtotals\nlist copies\nlist volumes jobid=2\nlist nextvol job=Nightly\nlist clients\n",
        );
        assert!(listings.contains("| Backup "), "{listings}");
        for outside in ["Other", "gone-fd", "Nightly\""] {
            assert!(!listings.contains(outside), "{outside:?} in {listings}");
        }
        // Its own job's volume is in the Full pool, outside its PoolACL:
        // the volume and the pool are listed nowhere else.
        let media = narrow(
            s,
            "list volumes\nllist volumes\nlist volume=Vol-0001\nlist volumes pool=Full\nlist pools\nllist pool=Full\n",
        );
        assert!(media.contains("| Small "), "{media}");
        for outside in ["Vol-0001", "| Full ", "Name: Full", "Pool: Full"] {
            assert!(!media.contains(outside), "{outside:?} in {media}");
        }
        assert!(listings.contains("Jobid 2 used 0 Volume(s)"), "{listings}");
        assert!(
            listings.contains("Nightly is not a job name."),
            "{listings}"
        );
        let shows = narrow(
            s,
            "show pools\nshow pool=Full\nshow job=Other\nshow jobs\nshow all\n",
        );
        assert!(shows.contains("Pool: name=Small"), "{shows}");
        assert!(
            !shows.contains("name=Full") && !shows.contains("name=Other"),
            "{shows}"
        );
        assert!(shows.contains("pool resource Full not found."), "{shows}");
        let changes = narrow(
            s,
            "update volume=Vol-0001 volstatus=Used\nupdate volume=Vol-0001 maxvoljobs=3\nupdate pool=Full\nupdate volume=Vol-0001 allfrompool=Full\nupdate jobid=2 starttime=\"2020-01-01 00:00:00\"\ndelete jobid=2\ndelete jobid=2-3\ndelete volume=Vol-0001 yes\ndelete pool=Full yes\ndelete client=gone-fd yes\n",
        );
        for refusal in [
            "Volume \"Vol-0001\" not found.",
            "Pool \"Full\" not found.",
            "No Job found for JobId 2",
            "No Job found for JobId 3",
            "Could not find Pool \"Full\".",
            "Could not find Client \"gone-fd\".",
        ] {
            assert!(changes.contains(refusal), "{refusal:?} not in {changes}");
        }
        assert!(!changes.contains("New "), "{changes}");
        assert!(!changes.contains("deleted from the catalog"), "{changes}");
        assert_eq!(catalog_state(s), before, "{changes}");
        // Its `help` lists the commands of its CommandACL only.
        let help = narrow(s, "help\n");
        assert!(
            help.contains("  update        Update volume, pool or stats"),
            "{help}"
        );
        assert!(
            !help.contains("  run ") && !help.contains("  reload"),
            "{help}"
        );
    });
}

/// Quotes, SQL, huge and non-UTF-8 values in every argument of list,
/// show, update, query and delete: each is refused or matches nothing,
/// none reaches the SQL as code, the catalog is unchanged and the
/// Director answers on. bacula-dir 9.6.7 pastes `maxvoljobs=` into its
/// UPDATE as typed (ua_update.c update_volmaxjobs) and a query's
/// unquoted %1 likewise (ua_query.c substitute_prompts).
#[test]
fn hostile_values_reach_no_sql_and_change_nothing() {
    on(Director::Rdird, |s| {
        let before = catalog_state(s);
        let huge = "x'".repeat(50_000);
        let input = format!(
            "list jobs client=\"x' OR '1'='1\"\nlist jobs level=\"F' OR '1\"\nlist jobs limit=\"1; DELETE FROM Job\"\nlist jobs order=\"desc; DROP TABLE Job\"\nlist job=\"a'; DROP TABLE Job; --\"\nlist ujobid=\"x' OR 1=1 --\"\nlist volume=\"v' OR '1'='1\"\nlist volumes pool=\"p' OR '1'='1\"\nlist copies jobid=\"1) OR (1=1\"\nlist files jobid=\"1 OR 1=1\"\nlist pool=\"x' OR 1=1 --\"\nlist volumes jobid=\"1 OR 1=1\"\nlist nextvol job=\"x'; --\" days=99999\nlist job={huge}\nshow job=\"x' OR 1=1\"\nshow {huge}\n"
        );
        let listings = without_echo(&s.console(&input), &input);
        // A status or type is its first letter, as bacula-dir reads it.
        let letters = s.console("list jobs jobstatus=\"T' OR 1=1 --\" jobtype=\"B'\"\n");
        assert!(
            letters.contains("| Backup ") && !letters.contains("Query failed"),
            "{letters}"
        );
        for leak in [
            "| Backup ",
            "| Other ",
            "Vol-0001",
            "| Full ",
            "Query failed",
        ] {
            assert!(
                !listings.contains(leak),
                "{leak:?} in {}",
                &listings[..listings.len().min(5000)]
            );
        }
        let changes = s.console(
            "update volume=Vol-0001 maxvoljobs=\"1, VolStatus='Purged'\"\nupdate volume=\"Vol-0001' OR '1'='1\" volstatus=Used\nupdate volume=Vol-0001 slot=\"1; DROP TABLE Media\"\nupdate volume=Vol-0001 volretention=\"1'; --\"\nupdate volume=Vol-0001 pool=\"Full' OR '1'='1\"\nupdate jobid=\"2 OR 1=1\" starttime=x\nupdate jobid=2 client=\"x' OR 1=1\"\nupdate stats days=\"1; DROP TABLE Job\"\nquery 7\n1 OR 1=1\nquery 6\nx' OR '1'='1\ndelete jobid=\"1 OR 1=1\"\ndelete pool=\"x' OR '1'='1\" yes\ndelete client=\"x'; DROP TABLE Client; --\" yes\n",
        );
        for refusal in [
            "Invalid number specified: 1, VolStatus='Purged'",
            "Volume \"Vol-0001' OR '1'='1\" not found.",
            "Invalid slot",
            "Invalid retention period specified",
            "Pool \"Full' OR '1'='1\" not found.",
            "\"2 OR 1=1\" is not a valid JobId.",
            "\"1 OR 1=1\" is not a number",
            "\"1 OR 1=1\" is not a valid JobId.",
        ] {
            assert!(changes.contains(refusal), "{refusal:?} not in {changes}");
        }
        // A quoted value matches no volume: no table comes back.
        assert!(!changes.contains("| Slot"), "{changes}");
        assert!(
            !changes.contains("Query failed") && !changes.contains("New "),
            "{changes}"
        );
        let raw = s.console_raw(b"list job=\xff\xfe\nupdate volume=\xff volstatus=Used\nshow job=\xff\nquery 6\n\xff'\n");
        let raw = String::from_utf8_lossy(&raw);
        assert!(
            !raw.contains("Query failed") && !raw.contains("New Volume"),
            "{raw}"
        );
        assert_eq!(catalog_state(s), before);
        assert!(s.console("version\n").contains("Version: "));
    });
}

/// `sqlquery` shows each query's rows in bacula-dir's table, "No
/// results to list." for none, as bacula-dir does.
#[test]
fn sqlquery_answers_as_bacula_dir_does() {
    let input = "sqlquery\nSELECT JobId, Name, JobFiles\n FROM Job ORDER BY JobId;\nSELECT * FROM Job WHERE JobId = 99;\n\n";
    let (bacula, rdird) = both(|s| {
        normalized(&s.console(input))
            .into_iter()
            .filter(|l| !l.starts_with("1000 OK"))
            .collect::<Vec<_>>()
    });
    assert_same_lines(&bacula, &rdird);
    assert!(
        rdird.contains(&"No results to list.".to_string()),
        "{}",
        rdird.join("\n")
    );
}

/// `list jobs days=N hours=N` lists the jobs that started in that time
/// (later Bacula versions read them; bacula-dir 9.6.7 ignores both), and
/// a value that is not a number is refused.
#[test]
fn list_jobs_days_and_hours_keep_the_recent_jobs() {
    on(Director::Rdird, |s| {
        let input =
            "list jobs days=1000\nlist jobs hours=0\nlist jobs days=\"1; DROP TABLE Job\"\n";
        let out = without_echo(&s.console(input), input);
        let (recent, none) = out.split_once("No results to list.").expect(&out);
        assert!(recent.contains("| Backup "), "{out}");
        assert!(!none.contains("| Backup "), "{out}");
        assert!(
            out.contains("\"1; DROP TABLE Job\" is not a number of days."),
            "{out}"
        );
    });
}

/// `label` with nothing given, as an administrator types it: the
/// Storage list, "Enter new Volume name: " (asked again for an illegal
/// name), then "Defined Pools:" (ua_label.c do_label), with the volume
/// name `volume` typed and Storage File and Pool Small chosen.
fn label_asked(s: &Setup, volume: &str) -> Vec<String> {
    let input = format!("label\n1\nbad/{volume}\n{volume}\n2\n");
    s.console(&input)
        .replace(volume, "NEWVOL")
        .lines()
        .skip_while(|l| *l != "label")
        .filter(|l| *l != "You have messages." && !l.starts_with("Automatically selected Catalog"))
        // bacula-dir then has the SD mount the new volume ("Requesting to
        // mount FileDev ...", "3906 File device ... is always mounted."),
        // which rdird does not send.
        .filter(|l| !l.starts_with("Requesting to mount") && !l.starts_with("3906 "))
        .map(str::to_string)
        .collect()
}

#[test]
fn label_asks_for_the_storage_the_volume_name_and_the_pool_as_bacula_dir_does() {
    let bacula = on(Director::BaculaDir, |s| label_asked(s, "AskedB"));
    let rdird = on(Director::Rdird, |s| label_asked(s, "AskedR"));
    let all = rdird.join("\n");
    assert!(
        all.contains("Illegal character \"/\" in a volume name."),
        "{all}"
    );
    assert!(
        all.contains("Catalog record for Volume \"NEWVOL\", Slot 0  successfully created."),
        "{all}"
    );
    assert_same_lines(&bacula, &rdird);
    let pool: String = on(Director::Rdird, |s| {
        s.catalog()
            .query_row(
                "SELECT Pool.Name FROM Media JOIN Pool USING (PoolId) WHERE VolumeName = 'AskedR'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    });
    assert_eq!(pool, "Small");
}

/// `purge` with nothing given: its warning, the "Choose item to purge"
/// menu (ua_purge.c purge_cmd) and, for files, the Client list
/// (get_client_resource), up to the Client question, which is
/// answered with "." so that nothing is purged.
fn purge_asked(s: &Setup) -> Vec<String> {
    s.console("purge\n1\n.\n")
        .lines()
        .skip_while(|l| *l != "purge")
        .filter(|l| {
            *l != "You have messages."
                && !l.starts_with("Automatically selected Catalog")
                && !l.starts_with("Using Catalog")
        })
        .take_while(|l| !l.starts_with("Select Client (File daemon) resource"))
        .map(str::to_string)
        .collect()
}

#[test]
fn purge_alone_offers_bacula_dirs_menu_then_the_clients() {
    let (bacula, rdird) = both(purge_asked);
    let all = rdird.join("\n");
    assert!(all.contains("Choose item to purge (1-3): "), "{all}");
    assert!(all.contains("The defined Client resources are:"), "{all}");
    assert_same_lines(&bacula, &rdird);
}
