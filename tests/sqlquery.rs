//! `sqlquery` and `.sql` read the catalog and can change nothing: not a
//! row, not a pragma, not a file elsewhere, and cannot fill the Director's
//! memory; `list` refuses a JobId it cannot read; with real bconsole,
//! bacula-fd and bacula-sd.

mod common;

use std::path::Path;

use common::site::*;

/// A console allowed `sqlquery` but not `.sql`.
fn query_console(_: &Place<'_>) -> String {
    "Console {\n  Name = querier\n  Password = \"q-secret\"\n  CommandACL = sqlquery\n  CatalogACL = *all*\n}\n"
        .to_string()
}

/// bconsole as the Console resource `name`.
fn console_as(s: &Setup, name: &str, password: &str, input: &str) -> String {
    let conf = write(
        s.root.path(),
        &format!("bconsole-{name}.conf"),
        &format!(
            "Director {{\n  Name = test-dir\n  DIRport = {}\n  address = 127.0.0.1\n  Password = \"unused\"\n}}\n\
             Console {{\n  Name = {name}\n  Password = \"{password}\"\n  Director = test-dir\n}}\n",
            s.dir_port
        ),
    );
    common::bconsole(&conf, input)
}

/// Every table's rows, in order, as text: equal before and after means the
/// catalog did not change.
fn snapshot(db: &rusqlite::Connection) -> Vec<(String, usize, String)> {
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    tables
        .into_iter()
        .map(|t| {
            let mut q = db.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let n = q.column_count();
            let rows: Vec<String> = q
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (t, rows.len(), rows.join("\n"))
        })
        .collect()
}

fn pragma(db: &rusqlite::Connection, name: &str) -> String {
    db.query_row(&format!("PRAGMA {name}"), [], |r| {
        r.get::<_, rusqlite::types::Value>(0)
    })
    .map(|v| format!("{v:?}"))
    .unwrap()
}

#[test]
fn a_full_consoles_sqlquery_reads_but_cannot_attach_vacuum_write_or_change_a_pragma() {
    let s = setup_conf("fd-secret", None, query_console);
    let out = s.console("run job=Backup yes\nwait\n");
    assert!(out.contains("JobId=1"), "{out}");
    let r = s.root.path();
    let before = snapshot(&s.catalog());
    let (journal, version) = (
        pragma(&s.catalog(), "journal_mode"),
        pragma(&s.catalog(), "user_version"),
    );
    let attached = r.join("attached.db");
    let copy = r.join("copy.db");
    let refused = [
        (
            format!("ATTACH DATABASE '{}' AS x;", attached.display()),
            "ATTACH",
        ),
        (
            format!("VACUUM INTO '{}';", copy.display()),
            "this statement writes",
        ),
        (
            "INSERT INTO Pool (Name) VALUES ('evil');".to_string(),
            "INSERT",
        ),
        ("UPDATE Job SET Name = 'evil';".to_string(), "UPDATE"),
        ("DELETE FROM Job;".to_string(), "DELETE"),
        ("DROP TABLE Job;".to_string(), "a schema change"),
        ("CREATE TABLE t (a);".to_string(), "a schema change"),
        (
            "PRAGMA journal_mode = DELETE;".to_string(),
            "PRAGMA journal_mode",
        ),
        (
            "PRAGMA user_version = 7;".to_string(),
            "PRAGMA user_version",
        ),
        (
            "SELECT load_extension('/tmp/x.so');".to_string(),
            "the function load_extension",
        ),
    ];
    let mut input = String::from("sqlquery\n");
    for (sql, _) in &refused {
        input.push_str(sql);
        input.push('\n');
    }
    input.push_str("SELECT Name, JobStatus FROM Job;\n\n");
    let out = s.console(&input);
    for (sql, what) in &refused {
        assert!(
            out.contains(&format!("Query failed: {what}")),
            "{sql} was not refused as {what}: {out}"
        );
    }
    assert!(out.contains("| Backup | T         |"), "{out}");
    assert!(!attached.exists(), "ATTACH created {}", attached.display());
    assert!(!copy.exists(), "VACUUM INTO wrote {}", copy.display());
    let db = s.catalog();
    assert_eq!(snapshot(&db), before);
    assert_eq!(pragma(&db, "journal_mode"), journal);
    assert_eq!(pragma(&db, "user_version"), version);
}

#[test]
fn a_select_sees_what_the_director_committed_since_the_last_query() {
    let s = setup("fd-secret");
    let count = "sqlquery\nSELECT COUNT(*) AS Jobs FROM Job WHERE JobStatus = 'T';\n\n";
    let out = s.console(&format!("{count}run job=Backup yes\nwait\n{count}"));
    let tables: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("| ") && !l.contains("Jobs"))
        .collect();
    assert_eq!(tables, vec!["| 0    |", "| 1    |"], "{out}");
}

#[test]
fn dot_sql_answers_rows_as_bat_reads_them_and_refuses_writes() {
    let s = setup_conf("fd-secret", None, query_console);
    s.console("run job=Backup yes\nwait\n");
    let before = snapshot(&s.catalog());
    let out = s.console(
        ".sql query=\"SELECT JobId, Name, NULL FROM Job\"\n.sql query=\"DELETE FROM Job\"\n.sql\n",
    );
    assert!(out.contains("1\tBackup\t*None*\t"), "{out}");
    assert!(
        out.contains(".sql query=\"DELETE FROM Job\". ERR=DELETE is not allowed: console SQL only reads the catalog"),
        "{out}"
    );
    assert!(out.contains("query keyword not found."), "{out}");
    assert_eq!(snapshot(&s.catalog()), before);

    // CommandACL = sqlquery does not let in `.sql` (bacula-dir checks the
    // dot command's own name).
    let out = console_as(
        &s,
        "querier",
        "q-secret",
        ".sql query=\"SELECT Name FROM Job\"\nsqlquery\nSELECT Name FROM Job;\n\n",
    );
    assert!(out.contains(".sql: is an invalid command."), "{out}");
    assert!(!out.contains("Backup\t"), "{out}");
    assert!(out.contains("| Backup |"), "{out}");
    assert!(!Path::new(&s.root.path().join("attached.db")).exists());
}

/// The most memory the Director's process has held (`VmHWM`), in MB.
fn peak_mb(s: &Setup) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.dir.0.id())).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .unwrap()
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .unwrap();
    kb >> 10
}

/// 600 MB of rows: 6000 rows of 100 KB, quickly made.
const HUGE: &str = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 6000) SELECT x, printf('%0100000d', x) AS pad FROM c";

#[test]
fn a_sqlquery_result_past_the_cap_is_cut_while_read_and_the_director_stays_small() {
    let s = setup("fd-secret");
    let before = peak_mb(&s);
    let out = s.console(&format!("sqlquery\n{HUGE};\n\n"));
    assert!(
        out.contains("*** Output cut: "),
        "{}{}",
        &out[out.len().saturating_sub(2000)..],
        s.log()
    );
    assert!(out.len() < 80 << 20, "{} bytes", out.len());
    // The result whole is 600 MB: read whole, it alone would pass 450.
    let peak = peak_mb(&s);
    eprintln!("the Director's peak: {before} MB before, {peak} MB after");
    assert!(
        peak < 450,
        "the Director grew from {before} MB to {peak} MB"
    );
    assert!(s.console("version").contains("rdird"));
}

#[test]
fn a_dot_sql_result_is_held_to_the_reply_cap_and_the_director_stays_small() {
    let s = setup("fd-secret");
    let out = s.console(&format!(".sql query=\"{HUGE}\"\n"));
    assert!(
        out.contains("*** Output cut:"),
        "{}",
        &out[out.len().saturating_sub(2000)..]
    );
    assert!(out.len() < 80 << 20, "{} bytes", out.len());
    let peak = peak_mb(&s);
    assert!(peak < 450, "the Director grew to {peak} MB");
    assert!(s.console("version").contains("rdird"));
}

#[test]
fn one_huge_value_is_refused_by_sqlite_and_the_director_stays_small() {
    let s = setup("fd-secret");
    let out = s.console(
        "sqlquery\nSELECT length(printf('%.900000000c', 'x')) AS n;\nSELECT zeroblob(900000000) AS z;\nSELECT 7 AS seven;\n\n",
    );
    // printf gives NULL past the limit, zeroblob an error; neither is built.
    assert!(out.contains("too big"), "{out}");
    assert!(out.contains("| 7     |"), "{out}");
    let peak = peak_mb(&s);
    assert!(peak < 200, "the Director grew to {peak} MB");
    assert!(s.console("version").contains("rdird"));
}

#[test]
fn a_query_longer_than_a_megabyte_is_dropped_and_the_next_one_runs() {
    let s = setup_conf("fd-secret", None, query_console);
    let long = "x".repeat(200 << 10);
    let mut input = String::from("sqlquery\nSELECT\n");
    for _ in 0..20 {
        input.push_str(&long);
        input.push('\n');
    }
    input.push_str("end of the dropped one;\nSELECT 42 AS answer;\n\n");
    let out = console_as(&s, "querier", "q-secret", &input);
    assert!(
        out.contains("Query dropped: it is longer than 1024 KB"),
        "{}",
        &out[out.len().saturating_sub(2000)..]
    );
    assert!(
        out.contains("| 42     |"),
        "{}",
        &out[out.len().saturating_sub(2000)..]
    );
    assert!(
        !out.contains("Query failed"),
        "{}",
        &out[out.len().saturating_sub(2000)..]
    );
}

#[test]
fn a_jobid_that_is_not_a_number_is_refused_and_no_filter_is_dropped() {
    let s = setup("fd-secret");
    let out = s.console("run job=Backup yes\nwait\n");
    assert!(out.contains("JobId=1"), "{out}");
    let big = "99999999999999999999999";
    for cmd in [
        format!("list jobs jobid={big}"),
        format!("llist jobid={big}"),
        format!("list files jobid={big}"),
        format!("list jobmedia jobid={big}"),
        format!("wait jobid={big}"),
        format!("cancel jobid={big}"),
        format!("delete jobid={big}"),
        format!("purge files jobid={big} yes"),
    ] {
        let out = s.console(&format!("{cmd}\n"));
        assert!(
            out.contains(&format!("\"{big}\" is not a valid JobId.")),
            "{cmd}: {out}"
        );
        assert!(!out.contains("Backup"), "{cmd}: {out}");
        assert!(!out.contains("purged"), "{cmd}: {out}");
    }
    let jobs: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job WHERE PurgedFiles = 0", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(jobs, 1);
}
