//! The `.bvfs_*` commands a restore browser sends, against a real backup
//! (bacula-fd, bacula-sd) of a tree with nested directories, names with
//! spaces, quotes and bytes that are not UTF-8: rdird's listings line by
//! line beside stock bacula-dir 9.6.7's on the same catalog, each reading
//! the cache the other built; the restore a browser builds brings back
//! exactly the files chosen; restricted consoles stay inside their ACLs.

mod common;
use common::site::*;

use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

fn site_conf(p: &Place<'_>) -> String {
    format!(
        "Job {{ Name = RestoreFiles; Type = Restore; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = \"{0}/restored\" }}\n\
         Job {{ Name = Hidden; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon }}\n\
         Console {{ Name = limited; Password = \"limited-secret\"; CommandACL = *all*; JobACL = Backup, RestoreFiles; ClientACL = test-fd; StorageACL = File; PoolACL = *all*; FileSetACL = Set; CatalogACL = *all*; WhereACL = *all*\n}}\n\
         Console {{ Name = outsider; Password = \"outsider-secret\"; CommandACL = *all*; JobACL = Other; ClientACL = gone-fd; StorageACL = File; PoolACL = *all*; FileSetACL = *all*; CatalogACL = *all*; WhereACL = *all*\n}}\n",
        p.root.display()
    )
}

/// The tree under the site's data folder: nested directories, a name with
/// spaces, one with quotes, one with bytes that are not UTF-8.
fn make_tree(data: &Path) {
    let odd = std::ffi::OsStr::from_bytes(b"caf\xe9 d\xff");
    for d in [
        data.join("dir with spaces/inner"),
        data.join("deep/l1/l2/l3"),
        data.join(odd),
        data.join("sub/empty"),
    ] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(data.join("dir with spaces/a file.txt"), "spaced\n").unwrap();
    std::fs::write(data.join("dir with spaces/inner/x.txt"), "inner\n").unwrap();
    std::fs::write(data.join("deep/l1/l2/l3/leaf.bin"), vec![7u8; 5000]).unwrap();
    std::fs::write(data.join("deep/l1/top.txt"), "top\n").unwrap();
    std::fs::write(data.join(odd).join("caf\u{e9}.txt"), "utf8 in odd\n").unwrap();
    std::fs::write(
        data.join(odd)
            .join(std::ffi::OsStr::from_bytes(b"raw\xfe.txt")),
        "raw\n",
    )
    .unwrap();
    std::fs::write(data.join("sub/it's \"quoted\".txt"), "quotes\n").unwrap();
}

/// bacula-dir prints the names rdird keeps for bytes that are not UTF-8
/// as the catalog holds them (U+10FF00 plus the byte, in UTF-8); rdird
/// sends the bytes themselves. This turns the first form into the second.
fn raw_bytes(mut b: Vec<u8>) -> Vec<u8> {
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
    std::mem::swap(&mut b, &mut out);
    b
}

/// Each command's output lines (bconsole's prompts and echo left out),
/// from one bconsole session: a marker command, which both Directors
/// answer "is an invalid command", ends each one.
fn answers(s: &Setup, console: Option<(&str, &str)>, commands: &[String]) -> Vec<Vec<Vec<u8>>> {
    let mut input = Vec::new();
    for (i, c) in commands.iter().enumerate() {
        input.extend_from_slice(c.as_bytes());
        input.extend_from_slice(format!("\n.zz{i}\n").as_bytes());
    }
    let out = match console {
        None => s.console_raw(&input),
        Some((name, password)) => common::bconsole_raw(&console_conf(s, name, password), &input),
    };
    let mut all = vec![Vec::new()];
    for line in out.split(|b| *b == b'\n') {
        let text = String::from_utf8_lossy(line);
        if text.contains(&format!(".zz{}: is an invalid command", all.len() - 1)) {
            all.push(Vec::new());
            continue;
        }
        // bacula-dir says which catalog it uses once a session, when a
        // command first opens it in text mode (ua_cmds.c open_db); that
        // belongs to the session, not to the command.
        let skip = [
            "Using Catalog",
            "Connecting to Director",
            "1000 OK",
            "Enter a period",
            "You have messages",
            "Automatically selected",
        ];
        let echo = text.trim_start_matches('*');
        if echo.is_empty()
            || skip.iter().any(|k| text.contains(k))
            || echo.starts_with(".zz")
            || commands.iter().any(|c| c == echo)
        {
            continue;
        }
        let line = raw_bytes(line.strip_prefix(b"*").unwrap_or(line).to_vec());
        all.last_mut().unwrap().push(line);
    }
    all.truncate(commands.len());
    all
}

fn console_conf(s: &Setup, name: &str, password: &str) -> std::path::PathBuf {
    // Written by console_as the first time.
    s.console_as(name, password, "");
    let key: String = password.bytes().map(|b| format!("{b:02x}")).collect();
    s.root.path().join(format!("bconsole-{name}-{key}.conf"))
}

fn text(lines: &[Vec<u8>]) -> String {
    lines
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The PathIds of the subdirectories a `.bvfs_lsdirs` answer lists.
fn subdirs(lines: &[Vec<u8>]) -> Vec<i64> {
    lines
        .iter()
        .filter_map(|l| {
            let f: Vec<&[u8]> = l.split(|b| *b == b'\t').collect();
            (f.len() == 6 && f[5] != b"." && f[5] != b"..")
                .then(|| String::from_utf8_lossy(f[0]).parse().ok())
                .flatten()
        })
        .collect()
}

/// Every `.bvfs_lsdirs` and `.bvfs_lsfiles` of the whole tree, walked
/// from the root as a browser opens it, one bconsole session a level.
fn browse(s: &Setup, jobs: &str) -> Vec<(String, Vec<Vec<u8>>)> {
    let mut seen = Vec::new();
    let mut level = vec![format!(".bvfs_lsdirs jobid={jobs} path=")];
    let mut first = true;
    while !level.is_empty() {
        let got = answers(s, None, &level);
        let mut next = Vec::new();
        for (cmd, lines) in level.iter().zip(got) {
            if cmd.starts_with(".bvfs_lsdirs") {
                for id in subdirs(&lines) {
                    next.push(format!(".bvfs_lsdirs jobid={jobs} pathid={id}"));
                    next.push(format!(".bvfs_lsfiles jobid={jobs} pathid={id}"));
                }
            }
            seen.push((cmd.clone(), lines));
        }
        assert!(
            !first || !next.is_empty(),
            "the root lists nothing: {seen:?}"
        );
        first = false;
        level = next;
    }
    seen
}

fn assert_same(ours: &[(String, Vec<Vec<u8>>)], theirs: &[(String, Vec<Vec<u8>>)], what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}: not the same directories");
    for ((cmd, a), (_, b)) in ours.iter().zip(theirs) {
        assert_eq!(text(a), text(b), "{what}: {cmd}");
    }
}

/// The line of a listing whose last field is `name`.
fn line_named(listing: &[(String, Vec<Vec<u8>>)], name: &[u8]) -> Vec<String> {
    listing
        .iter()
        .flat_map(|(_, l)| l)
        .find(|l| l.split(|b| *b == b'\t').next_back() == Some(name))
        .map(|l| {
            l.split(|b| *b == b'\t')
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect()
        })
        .unwrap_or_else(|| panic!("no line names {:?}", String::from_utf8_lossy(name)))
}

#[test]
fn a_browser_sees_what_bacula_dir_shows_on_either_cache_and_restores_exactly_what_it_chose() {
    let mut s = setup_conf("fd-secret", None, site_conf);
    let root = s.root.path().to_path_buf();
    let data = root.join("data");
    make_tree(&data);
    let out = s.console_within(
        "run job=Backup yes\nwait\nmessages\n",
        Duration::from_secs(60),
    );
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    // A second backup that changes one file: the browser shows the newest.
    // It starts a second after the first ended, as an Incremental must to
    // follow it (db_get_accurate_jobids compares whole seconds).
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(data.join("sub/b.txt"), "beta, changed\n").unwrap();
    let out = s.console_within(
        "run job=Backup level=Incremental yes\nwait\nmessages\n",
        Duration::from_secs(60),
    );
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");

    let got = answers(&s, None, &[".bvfs_get_jobids jobid=2".into()]);
    assert_eq!(text(&got[0]), "1,2");
    answers(&s, None, &[".bvfs_update jobid=1,2".into()]);
    let cached: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job WHERE HasCache = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(cached, 2);
    let ours = browse(&s, "1,2");
    let files = line_named(&ours, b"b.txt");
    let version_cmd = format!(
        ".bvfs_versions jobid=1,2 pathid={} fnid={} client=test-fd",
        files[0], files[1]
    );
    let fixed = |s: &Setup| {
        answers(
            s,
            None,
            &[
                version_cmd.clone(),
                ".bvfs_get_jobids jobid=2".into(),
                ".bvfs_get_jobids jobid=1 only".into(),
                ".bvfs_get_jobids client=test-fd".into(),
                ".bvfs_get_jobids client=test-fd count".into(),
                format!(".bvfs_get_volumes fileid={}", files[2]),
                format!(".bvfs_decode_lstat lstat=\"{}\"", files[4]),
                format!(".bvfs_lsfiles jobid=1,2 pathid={} pattern=%.txt", files[0]),
                format!(".bvfs_lsdirs jobid=1,2 path={}/ dironly", data.display()),
                ".bvfs_lsdirs jobid=1,2".into(),
                ".bvfs_clear_cache".into(),
                // bat's restore browser sends this beginning of .bvfs_lsdirs.
                ".bvfs_lsdir jobid=1,2 path=".into(),
                // Not a command of 9.6.7 either.
                ".bvfs_get_fileindex jobid=1".into(),
                ".bvfs_get_jobs client=test-fd".into(),
                ".bvfs_get_jobs client=test-fd jobname=Back* limit=1".into(),
                ".bvfs_get_jobids job=Backup".into(),
                ".bvfs_get_jobids jobid=2 jobname".into(),
                ".bvfs_get_jobids jobid=2 all".into(),
                format!(".bvfs_get_delta fileid={}", files[2]),
                format!(".bvfs_lsfiles jobid=1,2 pathid={} filename=b.txt", files[0]),
                format!(
                    ".bvfs_lsdirs jobid=1,2 path={}/ pattern=%spaces%",
                    data.display()
                ),
                format!(
                    ".bvfs_lsdirs jobid=1,2 path={}/ limit=2 offset=1",
                    data.display()
                ),
                format!(
                    ".bvfs_versions pathid={} fnid={} clients=gone-fd,test-fd copies",
                    files[0], files[1]
                ),
                // Backslash escapes, undone before the value is read.
                format!(
                    r#".bvfs_lsfiles jobid=1,2 path={}/sub/ filename="it's \"quoted\".txt""#,
                    data.display()
                ),
                format!(
                    r".bvfs_lsfiles jobid=1,2 path={}/dir\ with\ spaces/",
                    data.display()
                ),
                format!(
                    r".bvfs_lsfiles jobid=1,2 path={}/sub/ pattern=%\_%",
                    data.display()
                ),
                format!(
                    ".bvfs_lsfiles jobid=1,2 pathid={} limit=1000000000000 offset=99999999999999999999",
                    files[0]
                ),
            ],
        )
    };
    let ours_fixed = fixed(&s);
    assert_eq!(
        ours_fixed[0].len(),
        2,
        "two versions of b.txt: {}",
        text(&ours_fixed[0])
    );
    assert!(text(&ours_fixed[23]).ends_with("\tit's \"quoted\".txt"));
    assert!(text(&ours_fixed[24]).contains("\ta file.txt"));
    assert!(text(&ours_fixed[25]).contains("\tb.txt"));
    assert!(text(&ours_fixed[26]).contains("\tb.txt"));
    assert!(
        text(&ours_fixed[6]).contains("perm=-rw-"),
        "{}",
        text(&ours_fixed[6])
    );

    // bacula-dir 9.6.7 on the same catalog reads rdird's cache.
    s.switch_director(Director::BaculaDir);
    let theirs = browse(&s, "1,2");
    assert_same(&ours, &theirs, "bacula-dir on rdird's cache");
    let theirs_fixed = fixed(&s);
    for (i, (a, b)) in ours_fixed.iter().zip(&theirs_fixed).enumerate() {
        if i == 5 {
            // bacula-dir 9.6.7 prints the InChanger column and a NULL
            // where the volume's name belongs (bvfs_result_handler reads
            // columns 8 and 9 of get_volumes' 9); rdird prints the name.
            assert_eq!(text(a), "Vol-0001\t0");
            assert_eq!(text(b), "0\t<NULL>");
            continue;
        }
        if i == 21 {
            // A page of directories: rdird counts limit= and offset= in
            // directories; bacula-dir 9.6.7 counts catalog rows, one for
            // each job that saved a directory (Bvfs::ls_dirs), so its pages
            // hold fewer directories than asked, and which depends on
            // how many backups there are.
            let names: Vec<String> = a
                .iter()
                .map(|l| {
                    String::from_utf8_lossy(l.rsplit(|b| *b == b'\t').next().unwrap()).into_owned()
                })
                .collect();
            assert_eq!(names, [".", "..", "deep/", "dir with spaces/"]);
            continue;
        }
        assert_eq!(text(a), text(b), "command {i} on bacula-dir");
    }
    // bacula-dir 9.6.7's `.bvfs_clear_cache yes` answers OK but on
    // SQLite only resets Job.HasCache: its TRUNCATE is not SQLite's
    // (cats/bvfs.c clear_cache), and its `.bvfs_update` then stops at
    // the rows left (plain INSERTs). rdird's empties both tables, and
    // its update builds on whatever rows are there.
    let ours_tables = cache_tables(&s);
    answers(
        &s,
        None,
        &[".bvfs_clear_cache yes".into(), ".bvfs_update".into()],
    );
    assert_eq!(
        cache_tables(&s),
        ours_tables
            .iter()
            .map(|r| r.replace("J 1 1", "J 1 0").replace("J 2 1", "J 2 0"))
            .collect::<Vec<_>>(),
        "bacula-dir's clear_cache on SQLite"
    );
    s.switch_director(Director::Rdird);
    answers(&s, None, &[".bvfs_update".into()]);
    assert_eq!(cache_tables(&s), ours_tables);
    answers(&s, None, &[".bvfs_clear_cache yes".into()]);
    assert_eq!(
        cache_tables(&s),
        ["J 1 0", "J 2 0"],
        "rdird's clear_cache empties the cache"
    );
    // bacula-dir builds its own cache from nothing: the same rows rdird
    // builds; then rdird reads it.
    s.switch_director(Director::BaculaDir);
    answers(&s, None, &[".bvfs_update".into()]);
    assert_eq!(
        cache_tables(&s),
        ours_tables,
        "the cache bacula-dir builds is rdird's"
    );
    assert_same(&ours, &browse(&s, "1,2"), "bacula-dir on its own cache");
    s.switch_director(Director::Rdird);
    assert_same(&ours, &browse(&s, "1,2"), "rdird on bacula-dir's cache");

    // The browser's choice: one file deep down, the directory with
    // spaces (with everything under it), the odd-named directory's raw
    // file; then bat's own restore command.
    let leaf = line_named(&ours, b"leaf.bin");
    let spaced = line_named(&ours, b"dir with spaces/");
    let raw = line_named(&ours, b"raw\xfe.txt");
    let changed = line_named(&ours, b"b.txt");
    let restore_cmd = |table: &str| {
        format!(
            ".bvfs_restore path={table} jobid=1,2 fileid={},{},{} dirid={}",
            leaf[2], raw[2], changed[2], spaced[0]
        )
    };
    let got = answers(
        &s,
        None,
        &[
            restore_cmd("b2123"),
            ".bvfs_get_bootstrap path=b2123".into(),
        ],
    );
    assert_eq!(text(&got[0]), "OK");
    let ours_bsr = got[1].clone();
    let chosen = table_rows(&s, "b2123");
    // bacula-dir builds the same table from the same choice, and the
    // same bootstrap records from it; rdird restores from its table.
    s.switch_director(Director::BaculaDir);
    let got = answers(
        &s,
        None,
        &[
            restore_cmd("b2124"),
            ".bvfs_get_bootstrap path=b2124".into(),
        ],
    );
    assert_eq!(text(&got[0]), "OK");
    assert_eq!(
        table_rows(&s, "b2124"),
        chosen,
        "bacula-dir's restore table"
    );
    let records = |lines: &[Vec<u8>]| -> Vec<String> {
        lines
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .filter(|l| {
                [
                    "Volume=",
                    "VolSessionId=",
                    "VolSessionTime=",
                    "FileIndex=",
                    "Count=",
                ]
                .iter()
                .any(|k| l.starts_with(k))
            })
            .collect()
    };
    assert_eq!(
        records(&ours_bsr),
        records(&got[1]),
        "bootstraps:\n{}\n---\n{}",
        text(&ours_bsr),
        text(&got[1])
    );
    assert!(!records(&ours_bsr).is_empty());
    s.switch_director(Director::Rdird);
    let out = s.console_within(
        "restore client=test-fd file=\"?b2124\" when=\"2026-12-01 00:00:00\" done yes\nwait\nmessages\n",
        Duration::from_secs(60),
    );
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    answers(
        &s,
        None,
        &[
            ".bvfs_cleanup path=b2123".into(),
            ".bvfs_cleanup path=b2124".into(),
        ],
    );
    let gone: i64 = s
        .catalog()
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('b2123', 'b2124')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(gone, 0, "the restore tables are dropped");
    let restored = root.join("restored").join(data.strip_prefix("/").unwrap());
    let got = common::tree::snapshot(&restored);
    let want: Vec<_> = common::tree::snapshot(&data)
        .into_iter()
        .filter(|(name, _)| {
            let n = String::from_utf8_lossy(name);
            n == "deep/l1/l2/l3/leaf.bin"
                || n == "sub/b.txt"
                || n.starts_with("dir with spaces")
                || name.as_slice() == b"caf\xe9 d\xff/raw\xfe.txt"
        })
        .collect();
    let names = |t: &[(Vec<u8>, String)]| -> Vec<String> {
        t.iter()
            .map(|(n, _)| String::from_utf8_lossy(n).into_owned())
            .collect()
    };
    // Only the files chosen come back (with the directories that lead
    // to them), each with its content.
    let files_only = |t: Vec<(Vec<u8>, String)>| -> Vec<(Vec<u8>, String)> {
        t.into_iter()
            .filter(|(_, d)| d.starts_with("file"))
            .collect()
    };
    assert_eq!(
        names(&files_only(got.clone())),
        names(&files_only(want.clone())),
        "{out}"
    );
    assert_eq!(files_only(got), files_only(want));
    assert!(
        chosen.iter().any(|(j, _, _)| *j == 2),
        "b.txt's newest version is JobId 2's: {chosen:?}"
    );

    // Each directory's file count and size, its subdirectories included.
    // bacula-dir 9.6.7 answers OK too but leaves them 0 on SQLite (its
    // query calls base64_decode_lstat(), which only PostgreSQL has).
    let got = answers(&s, None, &[".bvfs_update_fv jobid=1".into()]);
    assert_eq!(text(&got[0]), "OK");
    let db = s.catalog();
    let (files, size): (i64, i64) = db
        .query_row(
            "SELECT Files, Size FROM PathVisibility JOIN Path USING (PathId) WHERE JobId = 1 AND Path = ''",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let lstats: Vec<String> = db
        .prepare("SELECT LStat FROM File WHERE JobId = 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let st_size = |l: &str| -> i64 {
        let digits = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        l.split(' ').nth(7).unwrap().bytes().fold(0, |v, c| {
            v * 64 + digits.iter().position(|d| *d == c).unwrap() as i64
        })
    };
    assert_eq!(
        files,
        lstats.len() as i64,
        "every record of the job counts at the root"
    );
    assert_eq!(size, lstats.iter().map(|l| st_size(l)).sum::<i64>());
    assert!(size > 11_000, "{size}");
}

/// A restore table's (JobId, FileIndex, FileId) rows, in order.
fn table_rows(s: &Setup, table: &str) -> Vec<(i64, i64, i64)> {
    s.catalog()
        .prepare(&format!(
            "SELECT JobId, FileIndex, FileId FROM {table} ORDER BY 1, 2"
        ))
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// PathHierarchy and PathVisibility as rows, for comparing caches.
fn cache_tables(s: &Setup) -> Vec<String> {
    let db = s.catalog();
    let mut rows = Vec::new();
    for q in [
        "SELECT 'H', PathId, PPathId FROM PathHierarchy ORDER BY 2, 3",
        "SELECT 'V', PathId, JobId FROM PathVisibility ORDER BY 2, 3",
        "SELECT 'J', JobId, HasCache FROM Job ORDER BY 2",
    ] {
        let mut st = db.prepare(q).unwrap();
        let got = st
            .query_map([], |r| {
                Ok(format!(
                    "{} {} {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?
                ))
            })
            .unwrap()
            .map(Result::unwrap);
        rows.extend(got);
    }
    rows
}

#[test]
fn a_restricted_console_browses_only_its_jobs_and_hostile_arguments_change_nothing() {
    let s = setup_conf("fd-secret", None, site_conf);
    make_tree(&s.root.path().join("data"));
    let mut out = s.console_within("run job=Backup yes\nwait\n", Duration::from_secs(60));
    // A second later, so that its versions are the newer ones (JobTDate
    // counts seconds).
    std::thread::sleep(Duration::from_millis(1100));
    out += &s.console_within(
        "run job=Hidden yes\nwait\nmessages\n",
        Duration::from_secs(60),
    );
    assert_eq!(termination_lines(&out).len(), 2, "{out}");
    answers(&s, None, &[".bvfs_update".into()]);
    let data = s.root.path().join("data");
    let all = answers(
        &s,
        None,
        &[format!(".bvfs_lsfiles jobid=1,2 path={}/", data.display())],
    );
    let a_txt: Vec<String> = all[0]
        .iter()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .filter(|l| l.ends_with("\ta.txt"))
        .collect();
    assert_eq!(a_txt.len(), 1, "{}", text(&all[0]));
    let f: Vec<&str> = a_txt[0].split('\t').collect();
    let (path_id, fnid, file_id_of_2) = (f[0], f[1], f[2]);
    assert_eq!(f[3], "2", "the newest a.txt is the Hidden job's");

    // JobId 2 is of the Hidden Job, outside `limited`'s JobACL.
    let limited = answers(
        &s,
        Some(("limited", "limited-secret")),
        &[
            format!(".bvfs_lsfiles jobid=2 path={}/", data.display()),
            format!(".bvfs_lsfiles jobid=1,2 path={}/", data.display()),
            ".bvfs_get_jobids client=test-fd".into(),
            format!(".bvfs_versions pathid={path_id} fnid={fnid} client=test-fd"),
            format!(".bvfs_get_volumes fileid={file_id_of_2}"),
            ".bvfs_get_jobs client=test-fd".into(),
            format!(".bvfs_restore path=b2777 jobid=1 fileid={file_id_of_2}"),
        ],
    );
    assert_eq!(text(&limited[0]), "", "JobId 2 is not listed");
    let listed = text(&limited[1]);
    assert!(
        listed.contains("\t1\t") && !listed.contains("\t2\t"),
        "{listed}"
    );
    assert_eq!(text(&limited[2]), "1");
    // bacula-dir 9.6.7 lists every job's versions and volumes here
    // (get_all_file_versions and get_volumes check no ACL).
    assert_eq!(limited[3].len(), 1, "{}", text(&limited[3]));
    assert_eq!(text(&limited[4]), "");
    assert!(
        !text(&limited[5]).contains("Hidden"),
        "{}",
        text(&limited[5])
    );
    // A FileId of a job outside the list (and the ACL) selects nothing.
    assert_eq!(text(&limited[6]), "OK");
    let rows: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM b2777", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 0);
    let outsider = answers(
        &s,
        Some(("outsider", "outsider-secret")),
        &[
            format!(".bvfs_lsdirs jobid=1,2 path={}/", data.display()),
            ".bvfs_get_jobs client=test-fd".into(),
            ".bvfs_get_jobids jobid=1".into(),
        ],
    );
    for (i, a) in outsider.iter().enumerate() {
        assert_eq!(text(a), "", "outsider's command {i}");
    }

    // Hostile arguments: quotes and SQL in paths, patterns and table
    // names, huge numbers, a list of 100,000 JobIds, bytes that are not
    // UTF-8. Each gets an answer, the Director stays up, nothing changes.
    let before = cache_tables(&s);
    let many: Vec<String> = (1..=100_000).map(|i| i.to_string()).collect();
    let hostile = [
        ".bvfs_lsdirs jobid=1 path=\"/x'; DROP TABLE Job; --\"".to_string(),
        ".bvfs_lsfiles jobid=1 pathid=1 pattern=\"%' OR 1=1 --\"".into(),
        format!(".bvfs_lsfiles jobid=1 pathid={path_id} limit=99999999999999999999999 offset=99999999999999999999"),
        ".bvfs_lsdirs jobid=1;DELETE pathid=1".into(),
        ".bvfs_restore path=\"b21; DROP TABLE Job\" jobid=1 fileid=1".into(),
        ".bvfs_restore path=b2999 jobid=1 fileid=\"1) OR (1=1\"".into(),
        ".bvfs_cleanup path=Job".into(),
        ".bvfs_get_jobs client=\"test-fd' OR '1'='1\" jobname=\"*' --\"".into(),
        ".bvfs_decode_lstat lstat=\"A'B\"".into(),
        format!(".bvfs_lsdirs jobid={} pathid={path_id}", many.join(",")),
        format!(".bvfs_update jobid={}", many.join(",")),
        format!(".bvfs_lsfiles jobid=1 path=\"{}\"", "x".repeat(60_000)),
        "restore client=test-fd file=\"?Job\" done yes".into(),
    ];
    let got = answers(&s, None, &hostile);
    assert_eq!(got.len(), hostile.len());
    assert!(
        text(&got[4]).contains("Cannot create restore list"),
        "{}",
        text(&got[4])
    );
    assert!(
        text(&got[5]).contains("Cannot create restore list"),
        "{}",
        text(&got[5])
    );
    assert!(
        text(&got[8]).contains("Can't accept ' in lstat"),
        "{}",
        text(&got[8])
    );
    assert!(
        text(&got[10]).len() < 200,
        "an error does not echo a huge list back: {}",
        text(&got[10]).len()
    );
    assert!(
        text(&got[12]).contains("No table found"),
        "{}",
        text(&got[12])
    );
    let jobs: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jobs, 2, "no job was dropped or added");
    assert_eq!(cache_tables(&s), before, "the cache is as it was");
    // A job whose files are purged shows no directory any more
    // (ua_purge.c purge_files_from_jobs drops its PathVisibility rows).
    let out = s.console("purge files jobid=2 yes\n");
    assert!(out.contains("purged"), "{out}");
    let shown: i64 = s
        .catalog()
        .query_row(
            "SELECT COUNT(*) FROM PathVisibility WHERE JobId = 2",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(shown, 0);
    let raw =
        s.console_raw(b".bvfs_lsdirs jobid=1 path=\"/\xff\xfe'\"\n.bvfs_get_jobids jobid=1\n");
    assert!(
        String::from_utf8_lossy(&raw).contains("\n1\n"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
}

/// The PathId of directory `path` and the FileId of `name` in it saved
/// by `job`, as the catalog holds them.
fn path_id(s: &Setup, path: &str) -> i64 {
    s.catalog()
        .query_row("SELECT PathId FROM Path WHERE Path = ?1", [path], |r| {
            r.get(0)
        })
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn file_id(s: &Setup, job: i64, path: &str, name: &str) -> i64 {
    s.catalog()
        .query_row(
            "SELECT FileId FROM File JOIN Path USING (PathId) JOIN Filename USING (FilenameId)
             WHERE JobId = ?1 AND Path = ?2 AND Name = ?3",
            rusqlite::params![job, path, name],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("{job} {path}{name}: {e}"))
}

/// The regular files of a restored tree (relative name, content).
fn restored_files(root: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, rel: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.map(Result::unwrap) {
            let t = e.file_type().unwrap();
            let name = rel.join(e.file_name());
            if t.is_dir() {
                walk(&e.path(), &name, out);
            } else if t.is_file() {
                let shown = String::from_utf8_lossy(name.as_os_str().as_bytes()).into_owned();
                out.push((shown, std::fs::read(e.path()).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, Path::new(""), &mut out);
    out.sort();
    out
}

#[test]
fn every_file_a_browser_chose_is_restored_or_the_restore_is_refused_saying_why() {
    let mut s = setup_conf("fd-secret", None, site_conf);
    let root = s.root.path().to_path_buf();
    let data = root.join("data");
    let ff = data.join(std::ffi::OsStr::from_bytes(b"\xffstart"));
    std::fs::create_dir_all(ff.join("sub")).unwrap();
    std::fs::write(ff.join("f1.txt"), "one\n").unwrap();
    std::fs::write(ff.join("sub/f2.txt"), "two\n").unwrap();
    std::fs::create_dir_all(data.join("linked")).unwrap();
    std::fs::create_dir_all(data.join("orig")).unwrap();
    std::fs::write(data.join("orig/hl_orig.txt"), "linked content\n").unwrap();
    std::fs::hard_link(
        data.join("orig/hl_orig.txt"),
        data.join("linked/hl_link.txt"),
    )
    .unwrap();
    std::fs::write(data.join("linked/plain.txt"), "plain\n").unwrap();
    std::fs::write(data.join("keep.txt"), "v1\n").unwrap();
    let out = s.console_within("run job=Backup yes\nwait\n", Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(data.join("keep.txt"), "v2\n").unwrap();
    let out = out
        + &s.console_within(
            "run job=Backup level=Incremental yes\nwait\nmessages\n",
            Duration::from_secs(60),
        );
    assert_eq!(termination_lines(&out), ["Backup OK", "Backup OK"], "{out}");
    let dir = format!("{}/", data.display());
    let linked_dir = format!("{dir}linked/");
    let (data_id, linked_id) = (path_id(&s, &dir), path_id(&s, &linked_dir));
    let keep_v1 = file_id(&s, 1, &dir, "keep.txt");
    let keep_v2 = file_id(&s, 2, &dir, "keep.txt");
    let plain = file_id(&s, 1, &linked_dir, "plain.txt");
    let build = |s: &Setup, n: u32| {
        answers(
            s,
            None,
            &[
                ".bvfs_update".into(),
                // The whole tree, with the directory whose name starts
                // with byte 0xFF (stored as U+10FFFF, the highest code
                // point) and what is under it.
                format!(".bvfs_restore path=b{n}1 jobid=1,2 dirid={data_id}"),
                // A PathId that names no directory fails the whole list,
                // wherever it stands in it.
                format!(".bvfs_restore path=b{n}2 jobid=1,2 dirid=99999,{linked_id}"),
                format!(".bvfs_restore path=b{n}3 jobid=1,2 dirid={linked_id},99999"),
                // An older version, picked from .bvfs_versions, of a job
                // the console may use though not in jobid=.
                format!(".bvfs_restore path=b{n}4 jobid=2 fileid={keep_v1}"),
            ],
        )
    };
    let ours = build(&s, 23);
    let oks: Vec<String> = ours.iter().map(|a| text(a)).collect();
    assert_eq!(
        oks[1..],
        [
            "OK",
            "Cannot create restore list.",
            "Cannot create restore list.",
            "OK"
        ]
    );
    let whole = table_rows(&s, "b231");
    let gone: i64 = s
        .catalog()
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('b232', 'b233')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(gone, 0, "a failed list leaves no table");
    // bacula-dir 9.6.7 builds the same tables and fails the list that
    // begins with the unknown PathId; the one that ends with it it takes
    // by accident (cats/bvfs.c compute_restore_list: get_path_handler
    // finds no row and leaves the previous directory's pattern in its
    // buffer, so that directory is added twice and the unknown one goes
    // unsaid). rdird fails both.
    s.switch_director(Director::BaculaDir);
    let theirs = build(&s, 24);
    let mut oks_9_6_7 = oks.clone();
    oks_9_6_7[3] = "OK".into();
    assert_eq!(
        theirs.iter().map(|a| text(a)).collect::<Vec<_>>()[1..],
        oks_9_6_7[1..]
    );
    assert_eq!(table_rows(&s, "b241"), whole, "bacula-dir's whole tree");
    assert_eq!(table_rows(&s, "b244"), table_rows(&s, "b234"));
    s.switch_director(Director::Rdird);

    let restore = |table: &str, to: &str| {
        s.console_within(
            &format!(
                "restore client=test-fd file=\"?{table}\" where={}/{to} done yes\nwait\nmessages\n",
                root.display()
            ),
            Duration::from_secs(60),
        )
    };
    let under = |to: &str| restored_files(&root.join(to).join(data.strip_prefix("/").unwrap()));
    let out = restore("b231", "r1");
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let mut want = restored_files(&data);
    assert!(
        want.iter().any(|(n, _)| n.ends_with("sub/f2.txt")),
        "{want:?}"
    );
    assert_eq!(under("r1"), want, "{out}");
    let out = restore("b234", "r2");
    assert!(out.contains("\n1 file selected to be restored."), "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    assert_eq!(under("r2"), [("keep.txt".to_string(), b"v1\n".to_vec())]);

    // A directory chosen whole whose hard link's file lies outside it:
    // that file comes too, the link linked to it. Which of the two names
    // was saved as the link is the file daemon's walk order: the later.
    let index = |path: &str, name: &str| -> i64 {
        s.catalog()
            .query_row(
                "SELECT FileIndex FROM File WHERE FileId = ?1",
                [file_id(&s, 1, path, name)],
                |r| r.get(0),
            )
            .unwrap()
    };
    let orig_dir = format!("{dir}orig/");
    let (link_dir, link, master) =
        match index(&linked_dir, "hl_link.txt") > index(&orig_dir, "hl_orig.txt") {
            true => (&linked_dir, "linked/", "orig/hl_orig.txt"),
            false => (&orig_dir, "orig/", "linked/hl_link.txt"),
        };
    answers(
        &s,
        None,
        &[format!(
            ".bvfs_restore path=b2350 jobid=1,2 dirid={}",
            path_id(&s, link_dir)
        )],
    );
    let out = restore("b2350", "r3");
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    want.retain(|(n, _)| n.starts_with(link) || n == master);
    assert_eq!(want.len(), if link == "linked/" { 3 } else { 2 });
    assert_eq!(under("r3"), want, "{out}");
    let r3 = root.join("r3").join(data.strip_prefix("/").unwrap());
    use std::os::unix::fs::MetadataExt;
    assert_eq!(std::fs::metadata(r3.join(master)).unwrap().nlink(), 2);

    // A job that has not finished gets no cache: its File rows are not
    // all in yet. (bacula-dir 9.6.7 builds it and marks it built.)
    let db = s.catalog();
    db.execute_batch(
        "UPDATE Job SET JobStatus = 'R', HasCache = 0 WHERE JobId = 2; DELETE FROM PathVisibility WHERE JobId = 2;",
    )
    .unwrap();
    let got = answers(&s, None, &[".bvfs_update jobid=2".into()]);
    assert_eq!(text(&got[0]), "ERROR: BVFS reported a problem for 2");
    let cached = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT HasCache FROM Job WHERE JobId = 2", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(cached(&db), 0);
    db.execute("UPDATE Job SET JobStatus = 'T' WHERE JobId = 2", [])
        .unwrap();
    let got = answers(&s, None, &[".bvfs_update jobid=2".into()]);
    assert_eq!(text(&got[0]), "");
    assert_eq!(cached(&db), 1);

    // The table keeps JobId and FileIndex: a file whose record was
    // purged since is still restored from its volume, as bacula-dir does;
    // a job deleted since refuses the restore, naming the job.
    answers(
        &s,
        None,
        &[
            format!(".bvfs_restore path=b2360 jobid=1,2 fileid={keep_v2},{plain}"),
            format!(".bvfs_restore path=b2370 jobid=1,2 fileid={keep_v2}"),
        ],
    );
    let out = s.console_within("purge files jobid=2 yes\n", Duration::from_secs(30));
    let left: i64 = db
        .query_row("SELECT COUNT(*) FROM File WHERE JobId = 2", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(left, 0, "{out}");
    let out = restore("b2360", "r4");
    assert!(out.contains("\n2 files selected to be restored."), "{out}");
    assert!(out.contains("\n2 files inserted into the tree"), "{out}");
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    assert_eq!(
        under("r4"),
        [
            ("keep.txt".to_string(), b"v2\n".to_vec()),
            ("linked/plain.txt".to_string(), b"plain\n".to_vec())
        ]
    );
    s.console_within("delete jobid=2 yes\n", Duration::from_secs(30));
    let got = answers(&s, None, &[".bvfs_get_bootstrap path=b2370".into()]);
    assert_eq!(
        text(&got[0]),
        "Unable to get Job record. ERR=No Job found for JobId 2\nERROR: Unable to construct a valid BSR. Cannot continue."
    );
    // A table that holds nothing (a FileId no record has) is said to be
    // one, not taken for a missing backup.
    let got = answers(
        &s,
        None,
        &[".bvfs_restore path=b2380 jobid=1 fileid=999999".into()],
    );
    assert_eq!(text(&got[0]), "OK");
    let out = restore("b2380", "r6");
    assert!(
        out.contains("No files selected to be restored.") && !out.contains("Job queued"),
        "{out}"
    );
    let out = restore("b2370", "r5");
    assert!(
        out.contains("Unable to get Job record. ERR=No Job found for JobId 2")
            && out.contains("Unable to construct a valid BSR. Cannot continue.")
            && !out.contains("Job queued"),
        "{out}"
    );
}
