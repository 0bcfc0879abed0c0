//! Restores that try to leave their root, against Debian's real
//! bacula-fd and bacula-sd: every separator breg.c accepts, escaped
//! separators, several expressions, the prefixes, `..`, and symlinks a
//! console limited by its WhereACL would restore (one that a file of a
//! later restore would be written through). Each is refused and nothing
//! is written outside; the same restores that stay inside put the files
//! where bacula-fd puts them. Also a Windows client's `C:/` names, the
//! restore command's ACLs and the tree's hostile globs.

mod common;

use std::path::Path;

use common::site::*;

/// A Restore Job whose Where is `ok/`, and three consoles: `narrow` may
/// restore only under `ok/`, `limited` also has narrow Job, Client,
/// Storage and FileSet ACLs.
fn resources(p: &Place<'_>) -> String {
    let ok = p.root.join("ok");
    format!(
        "Job {{ Name = RestoreFiles; Type = Restore; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = \"{ok}\" }}\n\
         Job {{ Name = RestoreRx; Type = Restore; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; RegexWhere = \"!^{data}!{ok}/jobrx!\" }}\n\
         Console {{ Name = narrow; Password = \"narrow-secret\"; CommandACL = *all*; JobACL = *all*; ClientACL = *all*; StorageACL = *all*; PoolACL = *all*; FileSetACL = *all*; CatalogACL = *all*\n  WhereACL = \"{ok}\"\n}}\n\
         Console {{ Name = limited; Password = \"limited-secret\"; CommandACL = *all*; JobACL = RestoreFiles; ClientACL = test-fd; StorageACL = File; PoolACL = *all*; FileSetACL = Set; CatalogACL = *all*\n  WhereACL = \"{ok}\"\n}}\n",
        ok = ok.display(),
        data = p.root.join("data").display()
    )
}

/// Two Full backups of `data/`: the first holds `data/link`, a symlink
/// to the folder `outside/`, and `h1` and `h2`, one file under two
/// names; in the second `data/link/` is a folder holding `evil.txt`.
fn site_with_backups() -> Setup {
    let s = setup_conf("fd-secret", None, resources);
    let r = s.root.path();
    std::fs::create_dir_all(r.join("outside")).unwrap();
    std::fs::create_dir_all(r.join("ok")).unwrap();
    std::os::unix::fs::symlink(r.join("outside"), r.join("data/link")).unwrap();
    std::fs::write(r.join("data/h1"), "hard\n").unwrap();
    std::fs::hard_link(r.join("data/h1"), r.join("data/h2")).unwrap();
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    std::fs::remove_file(r.join("data/link")).unwrap();
    std::fs::create_dir(r.join("data/link")).unwrap();
    std::fs::write(r.join("data/link/evil.txt"), "evil\n").unwrap();
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    s
}

/// The full names of job 1's hard link saved as a link, and of the file
/// it links to (by the LinkFI of its encoded stat).
fn hard_link_names(s: &Setup) -> (String, String) {
    let db = s.catalog();
    let mut q = db
        .prepare(
            "SELECT Path.Path || Filename.Name, File.LStat, File.FileIndex FROM File JOIN Path USING (PathId) JOIN Filename USING (FilenameId) WHERE JobId = 1",
        )
        .unwrap();
    let rows: Vec<(String, String, i64)> = q
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let (link, lstat, _) = rows
        .iter()
        .find(|(_, lstat, _)| lstat.split_whitespace().nth(13) != Some("A"))
        .expect("a hard link saved as a link");
    let fi = lstat.split_whitespace().nth(13).unwrap();
    let fi = fi.bytes().fold(0i64, |n, b| {
        n * 64
            + "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                .find(b as char)
                .unwrap() as i64
    });
    let target = rows.iter().find(|r| r.2 == fi).expect("the link's target");
    (link.clone(), target.0.clone())
}

fn restore_jobs(s: &Setup) -> i64 {
    s.catalog()
        .query_row("SELECT COUNT(*) FROM Job WHERE Type = 'R'", [], |r| {
            r.get(0)
        })
        .unwrap()
}

/// Every name below `dir`, relative, sorted.
fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.map(Result::unwrap) {
            let p = e.path();
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
            if e.file_type().unwrap().is_dir() {
                todo.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn restores_that_would_leave_the_root_are_refused_and_write_nothing() {
    let s = site_with_backups();
    let r = s.root.path().display().to_string();
    let ok = format!("{r}/ok");
    let mut attempts: Vec<(&str, String, String)> = Vec::new();
    // The issue's example: the escape ends the first part, the comma
    // starts a second rewrite that sends everything to evil/. The console
    // undoes one backslash, as bacula-dir's argument scanner does
    // (lib/scan.c next_arg), so `\\!` is what reaches the rewrite as `\!`.
    attempts.push((
        "*",
        format!(r"where={ok} regexwhere=!^/!{ok}/\\!,!^{ok}/.tmp!{r}/evil!"),
        format!("outside the restore root {ok}"),
    ));
    attempts.push((
        "narrow",
        format!(r"regexwhere=!^/!{ok}/\\!,!^{ok}/.tmp!{r}/evil!"),
        "\"RegexWhere\" specification not authorized".into(),
    ));
    // Every separator breg.c accepts.
    for sep in "!:;|,&%=~<#".chars() {
        attempts.push((
            "*",
            format!("where={ok} regexwhere={sep}^/{sep}{r}/evil/{sep}"),
            format!("outside the restore root {ok}"),
        ));
    }
    attempts.push((
        "*",
        format!("where={ok} regexwhere=/^(.)/$1..$1/"),
        "names \"..\"".into(),
    ));
    // An escaped separator, several expressions.
    attempts.push((
        "*",
        format!(r"where={ok} regexwhere=!^/!{r}/evil\!!"),
        format!("outside the restore root {ok}"),
    ));
    attempts.push((
        "narrow",
        format!("regexwhere=!^/!{ok}/!,!^{ok}!{r}/evil!"),
        "\"RegexWhere\" specification not authorized".into(),
    ));
    // The prefixes: a strip that leaves no slash, a prefix naming "..".
    attempts.push((
        "*",
        format!("strip_prefix=/ add_prefix={ok}"),
        format!("outside the restore root {ok}"),
    ));
    attempts.push((
        "*",
        format!("add_prefix={ok}/../evil"),
        "names \"..\"".into(),
    ));
    attempts.push((
        "narrow",
        format!("where={r}/evil"),
        "\"where\" specification not authorized".into(),
    ));
    attempts.push((
        "narrow",
        format!("where={r}/evil strip_prefix={r}/data add_prefix={r}/evil"),
        "\"RegexWhere\" specification not authorized".into(),
    ));
    // "..".
    attempts.push(("*", format!("where={ok}/../evil"), "names \"..\"".into()));
    attempts.push((
        "narrow",
        format!("where={ok} regexwhere=!^/!{ok}/../evil/!"),
        "names \"..\"".into(),
    ));
    for (console, args, why) in &attempts {
        let cmd = format!(
            "restore restorejob=RestoreFiles client=test-fd jobid=1 all {args} done yes\nwait\n"
        );
        let out = match *console {
            "*" => s.console(&cmd),
            name => s.console_as(name, &format!("{name}-secret"), &cmd),
        };
        assert!(out.contains("Restore refused: "), "{args}: {out}");
        assert!(out.contains(why.as_str()), "{args}: wanted {why}: {out}");
        assert!(!out.contains("Job queued"), "{args}: {out}");
    }
    // A hard link placed inside whose target name would be rewritten
    // outside: the file daemon rewrites both names.
    let (link, target) = hard_link_names(&s);
    let out = s.console_as(
        "narrow",
        "narrow-secret",
        &format!(
            "restore restorejob=RestoreFiles client=test-fd jobid=1 file={link} regexwhere=!^{target}!{r}/evil/t!,!^{r}/data!{ok}/h! done yes\nwait\n"
        ),
    );
    assert!(
        out.contains(&format!(
            "\"RegexWhere\" specification not authorized: \"{target}\" would be restored as \"{r}/evil/t\", outside the console's WhereACL"
        )),
        "{out}"
    );
    // The symlink of the first backup would lead the second's file out;
    // a console limited by its WhereACL restores no symlink at all.
    let out = s.console_as(
        "narrow",
        "narrow-secret",
        &format!("restore restorejob=RestoreFiles client=test-fd jobid=1,2 all where={ok}/sym done yes\nwait\n"),
    );
    assert!(
        out.contains(&format!(
            "\"{r}/data/link\" is a symbolic link, and a console limited by its WhereACL restores none"
        )),
        "{out}"
    );
    assert_eq!(restore_jobs(&s), 0);
    assert!(!Path::new(&format!("{r}/evil")).exists());
    assert_eq!(tree(&s.root.path().join("outside")), Vec::<String>::new());
    assert_eq!(tree(&s.root.path().join("ok")), Vec::<String>::new());
}

#[test]
fn restores_that_stay_inside_put_files_where_bacula_fd_puts_them() {
    let s = site_with_backups();
    let root = s.root.path();
    let r = root.display().to_string();
    let ok = format!("{r}/ok");
    let run = |console: &str, args: String| {
        // A console limited by its WhereACL restores no symlink: it
        // unmarks the link.
        let select = match console {
            "*" => "all done".to_string(),
            _ => format!("all\ncd {r}/data\nunmark link\ndone"),
        };
        let cmd = format!(
            "restore client=test-fd {args} restorejob=RestoreFiles yes {select}\nwait\nmessages\n"
        );
        let out = match console {
            "*" => s.console(&cmd),
            name => s.console_as(name, &format!("{name}-secret"), &cmd),
        };
        assert_eq!(
            report_line(&out, "Termination:"),
            "Restore OK",
            "{args}: {out}"
        );
    };
    run("*", format!("jobid=1 where=\"{ok}/with space\""));
    run("narrow", format!("jobid=1 regexwhere=!^{r}/data!{ok}/rx!"));
    run(
        "narrow",
        format!("jobid=1 strip_prefix={r}/data add_prefix={ok}/sp add_suffix=.old"),
    );
    // The Restore Job's own RegexWhere, when the command gives none.
    run("narrow", "restorejob=RestoreRx jobid=1".into());
    // The full console restores the symlink; its target is kept.
    run("*", format!("jobid=1 where={ok}/l"));
    let data = format!("{}/data", r.trim_start_matches('/'));
    let spaced = tree(&root.join("ok/with space"));
    assert!(spaced.contains(&format!("{data}/a.txt")), "{spaced:?}");
    assert!(spaced.contains(&format!("{data}/sub/b.txt")), "{spaced:?}");
    assert_eq!(
        std::fs::read_to_string(root.join(format!("ok/with space/{data}/a.txt"))).unwrap(),
        "alpha\n".repeat(1000)
    );
    assert_eq!(
        tree(&root.join("ok/rx")),
        ["a.txt", "h1", "h2", "sub", "sub/b.txt"]
    );
    assert_eq!(
        tree(&root.join("ok/sp")),
        ["a.txt.old", "h1.old", "h2.old", "sub", "sub/b.txt.old"]
    );
    assert_eq!(
        tree(&root.join("ok/jobrx")),
        ["a.txt", "h1", "h2", "sub", "sub/b.txt"]
    );
    // The hard link was rewritten as its target was: one file again.
    use std::os::unix::fs::MetadataExt;
    let ino = |p: &str| std::fs::metadata(root.join(p)).unwrap().ino();
    assert_eq!(ino("ok/sp/h1.old"), ino("ok/sp/h2.old"));
    let link = root.join(format!("ok/l/{data}/link"));
    assert_eq!(std::fs::read_link(&link).unwrap(), root.join("outside"));
    assert_eq!(tree(&root.join("outside")), Vec::<String>::new());
}

#[test]
fn the_restore_command_checks_client_fileset_storage_and_job_acls() {
    let s = site_with_backups();
    let ok = s.root.path().join("ok").display().to_string();
    for (args, why) in [
        (
            "client=gone-fd jobid=1 all",
            "Client \"gone-fd\" not found.",
        ),
        (
            "client=test-fd restoreclient=gone-fd jobid=1 all",
            "Client \"gone-fd\" not found.",
        ),
        (
            "client=test-fd fileset=Big current all",
            "FileSet \"Big\" not found.",
        ),
        (
            "client=test-fd storage=Gone jobid=1 all",
            "Storage \"Gone\" not found.",
        ),
        (
            "client=test-fd jobid=1 all",
            "Access to JobId=1 (Job \"Backup\") not authorized.",
        ),
        (
            "client=test-fd restorejob=Other jobid=1 all",
            "Restore Job \"Other\" not found.",
        ),
    ] {
        let out = s.console_as(
            "limited",
            "limited-secret",
            &format!("restore {args} where={ok}/acl done yes\nwait\n"),
        );
        assert!(out.contains(why), "{args}: wanted {why}: {out}");
        assert!(!out.contains("Job queued"), "{args}: {out}");
    }
    assert_eq!(restore_jobs(&s), 0);
    assert!(!Path::new(&format!("{ok}/acl")).exists());
}

#[test]
fn hostile_globs_in_the_tree_leave_the_director_answering() {
    let s = site_with_backups();
    let r = s.root.path().display().to_string();
    let ok = format!("{r}/ok");
    let stars = "*".repeat(200_000);
    let crawl = format!("{}b", "*a".repeat(400));
    let hostile = std::thread::scope(|scope| {
        let h = scope.spawn(|| {
            s.console(&format!(
                "restore restorejob=RestoreFiles client=test-fd jobid=1 where={ok}/g\ncd {r}/data\nmark {crawl}\nmark {stars}\nls {stars}\nestimate\nquit\n"
            ))
        });
        let other = s.console("version\n");
        assert!(other.contains("Version:"), "{other}");
        h.join().unwrap()
    });
    assert!(hostile.contains("No files marked."), "{hostile}");
    assert!(hostile.contains("files marked."), "{hostile}");
    assert!(hostile.contains("marked to be restored;"), "{hostile}");
    let other = s.console("version\n");
    assert!(other.contains("Version:"), "{other}");
    assert_eq!(restore_jobs(&s), 0);
}

/// The two-step attack: `data/esc/` is a folder holding `pwned.txt` in
/// one backup and a symlink to `outside/` in the next. Restoring the
/// link alone (nothing below it selected), then the file from the first
/// backup, would have bacula-fd (root) write `outside/pwned.txt`. A
/// console limited by its WhereACL restores no link, so the second
/// restore lands in a real folder inside the root; unmarking the link
/// restores the rest.
#[test]
fn a_where_acl_console_cannot_plant_a_link_that_a_later_restore_follows() {
    let s = setup_conf("fd-secret", None, resources);
    let root = s.root.path();
    let r = root.display().to_string();
    std::fs::create_dir_all(root.join("outside")).unwrap();
    std::fs::create_dir_all(root.join("ok")).unwrap();
    std::fs::create_dir_all(root.join("data/esc")).unwrap();
    std::fs::write(root.join("data/esc/pwned.txt"), "pwned\n").unwrap();
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    std::fs::remove_dir_all(root.join("data/esc")).unwrap();
    std::os::unix::fs::symlink(root.join("outside"), root.join("data/esc")).unwrap();
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let narrow = |cmd: &str| s.console_as("narrow", "narrow-secret", cmd);
    let link = narrow(
        "restore restorejob=RestoreFiles client=test-fd jobid=2 all done yes\nwait\nmessages\n",
    );
    let out = narrow(&format!(
        "restore restorejob=RestoreFiles client=test-fd jobid=1 file={r}/data/esc/pwned.txt done yes\nwait\nmessages\n"
    ));
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    assert_eq!(tree(&root.join("outside")), Vec::<String>::new(), "{link}");
    assert!(
        link.contains(&format!(
            "Restore refused: \"{r}/data/esc\" is a symbolic link, and a console limited by its WhereACL restores none"
        )),
        "{link}"
    );
    assert!(!link.contains("Job queued"), "{link}");
    let landed = root.join(format!("ok{r}/data/esc"));
    assert!(
        std::fs::symlink_metadata(&landed).unwrap().is_dir(),
        "{landed:?}"
    );
    assert_eq!(
        std::fs::read_to_string(landed.join("pwned.txt")).unwrap(),
        "pwned\n"
    );
    // Without the link the rest of the second backup restores.
    let out = narrow(&format!(
        "restore restorejob=RestoreFiles client=test-fd jobid=2 where={r}/ok/rest all yes\ncd {r}/data\nunmark esc\ndone\nwait\nmessages\n"
    ));
    assert_eq!(report_line(&out, "Termination:"), "Restore OK", "{out}");
    let data = format!("{}/data", r.trim_start_matches('/'));
    assert_eq!(
        tree(&root.join(format!("ok/rest/{data}"))),
        ["a.txt", "sub", "sub/b.txt"]
    );
    assert_eq!(tree(&root.join("outside")), Vec::<String>::new());
}

/// A Windows file daemon records its files as `C:/data/…`: the rows of
/// a real backup renamed so. Every console that may restore anywhere
/// restores them in place, under a Linux where= and under a Windows one;
/// a console limited to its WhereACL restores them under it. (The file
/// daemon here is Linux's: what it writes is not the point.)
#[test]
fn a_windows_clients_names_restore_from_any_console_that_may_place_them() {
    let s = setup_conf("fd-secret", None, resources);
    let r = s.root.path().display().to_string();
    let out = s.console("run job=Backup yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let data = format!("{r}/data/");
    let renamed = s
        .catalog()
        .execute(
            "UPDATE Path SET Path = 'C:/data/' || substr(Path, ?2) WHERE substr(Path, 1, ?2 - 1) = ?1",
            rusqlite::params![data, data.len() as i64 + 1],
        )
        .unwrap();
    assert_eq!(renamed, 2, "data/ and data/sub/");
    assert!(s
        .files(1)
        .iter()
        .any(|(p, n)| p == "C:/data/" && n == "a.txt"));
    for args in [String::new(), format!("where={r}/R")] {
        let out = s.console(&format!(
            "restore restorejob=RestoreFiles client=test-fd jobid=1 {args} all done yes\n"
        ));
        assert!(!out.contains("Restore refused"), "{args}: {out}");
        assert!(out.contains("Job queued. JobId="), "{args}: {out}");
    }
    // The Linux file daemon would take c:/restore as relative to its
    // working folder: the restore stops at the question, past every
    // check.
    let out = s.console(
        "restore restorejob=RestoreFiles client=test-fd jobid=1 where=c:/restore all done\nno\n",
    );
    assert!(!out.contains("Restore refused"), "{out}");
    assert!(out.contains("OK to run?"), "{out}");
    let out = s.console_as(
        "narrow",
        "narrow-secret",
        "restore restorejob=RestoreFiles client=test-fd jobid=1 file=C:/data/a.txt done yes\n",
    );
    assert!(out.contains("Job queued. JobId="), "{out}");
    let out = s.console("wait\nmessages\n");
    assert_eq!(termination_lines(&out).len(), 3, "{out}");
}
