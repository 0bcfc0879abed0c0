//! bconsole's file selection mode (Bacula's dird/ua_tree.c): the console
//! walks the tree of the chosen backups' files with `cd`, `ls`, `dir`,
//! `find`, `pwd`, marks what to restore with `mark`/`add` and
//! `unmark`/`delete` (wildcards, a directory with all under it),
//! `markdir`/`unmarkdir`, reviews with `lsmark`, `count` and `estimate`,
//! and leaves with `done` (restore what is marked) or `quit` (nothing).
//! A command is found by the first of the table it abbreviates, in
//! ua_tree.c's order (`d` is `delete`).

use super::super::{Args, Ctx, Reply};
use crate::catalog::SourceFile;
use crate::restore::tree::{Pattern, Tree};

/// What a tree command does after it runs.
enum Next {
    Stay,
    Done,
    Quit,
}

/// The tree, and the records its nodes stand for (for `dir`).
struct Shell<'a> {
    tree: &'a mut Tree,
    files: &'a [SourceFile],
}

type Command = fn(&mut Shell<'_>, &[String], &mut Reply) -> Next;

/// ua_tree.c `commands[]`, in its order, with its help lines.
const COMMANDS: &[(&str, Command, &str)] = &[
    (
        "add",
        mark,
        "add dir/file to be restored recursively, wildcards allowed",
    ),
    ("cd", cd, "change current directory"),
    ("count", count, "count marked files in and below the cd"),
    (
        "delete",
        unmark,
        "delete dir/file to be restored recursively in dir",
    ),
    ("dir", dir, "long list current directory, wildcards allowed"),
    ("done", |_, _, _| Next::Done, "leave file selection mode"),
    ("estimate", estimate, "estimate restore size"),
    ("exit", |_, _, _| Next::Done, "same as done command"),
    ("find", find, "find files, wildcards allowed"),
    ("help", help, "print help"),
    ("ls", ls, "list current directory, wildcards allowed"),
    (".ls", dot_ls, "list current directory, wildcards allowed"),
    (
        ".lsdir",
        dot_lsdir,
        "list subdir in current directory, wildcards allowed",
    ),
    (
        "lsmark",
        lsmark,
        "list the marked files in and below the cd",
    ),
    (".lsmark", dot_lsmark, "list the marked files in"),
    (
        "mark",
        mark,
        "mark dir/file to be restored recursively, wildcards allowed",
    ),
    (
        "markdir",
        markdir,
        "mark directory name to be restored (no files)",
    ),
    ("pwd", pwd, "print current working directory"),
    (".pwd", dot_pwd, "print current working directory"),
    (
        "unmark",
        unmark,
        "unmark dir/file to be restored recursively in dir",
    ),
    (
        "unmarkdir",
        unmarkdir,
        "unmark directory name only no recursion",
    ),
    ("quit", |_, _, _| Next::Quit, "quit and do not do restore"),
    (".help", dot_help, "print help"),
    ("?", help, "print help"),
];

/// The tree shell until `done` (true) or `quit`, or the console going
/// away (false).
pub fn select_files(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    tree: &mut Tree,
    files: &[SourceFile],
) -> bool {
    let mut sh = Shell { tree, files };
    out.line("");
    out.line("You are now entering file selection mode where you add (mark) and");
    out.line("remove (unmark) files to be restored. No files are initially added, unless");
    out.line("you used the \"all\" keyword on the command line.");
    out.line("Enter \"done\" to leave this mode.");
    out.line("");
    out.line(format!("cwd is: {}", sh.tree.cwd()));
    loop {
        let Some(line) = ctx.ask(out, "$ ") else {
            return false;
        };
        // parse_args_only: words, quotes grouping, backslashes escaping.
        let args = Args::parse(&line);
        let words: Vec<String> = args
            .keys
            .iter()
            .zip(&args.values)
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k.clone(),
            })
            .collect();
        let Some(first) = words.first() else {
            out.marked(
                crate::bnet::Signal::WarningMsg,
                &format!(
                    "Invalid command \"{}\".  Enter \"done\" to exit.",
                    line.trim()
                ),
            );
            continue;
        };
        let word = first.to_ascii_lowercase();
        let found = COMMANDS.iter().find(|(key, _, _)| key.starts_with(&word));
        let Some((_, run, _)) = found else {
            // ua_tree.c ignores a dot command it does not know (a GUI's
            // .messages, say).
            if !word.starts_with('.') {
                out.marked(
                    crate::bnet::Signal::WarningMsg,
                    &format!(
                        "Invalid command \"{}\".  Enter \"done\" to exit.",
                        line.trim()
                    ),
                );
            }
            continue;
        };
        match run(&mut sh, &words, out) {
            Next::Stay => {}
            Next::Done => return true,
            Next::Quit => return false,
        }
    }
}

/// The pattern of argument 1, if any; a bad one is said.
fn pattern(words: &[String], out: &mut Reply) -> Result<Option<Pattern>, ()> {
    match words.get(1) {
        None => Ok(None),
        Some(w) => Pattern::new(w).map(Some).map_err(|e| out.line(e)),
    }
}

fn plural(n: usize, one: &str, many: &str, what: &str) -> String {
    match n {
        0 => format!("No {many} {what}."),
        1 => format!("1 {one} {what}."),
        n => format!(
            "{} {many} {what}.",
            super::super::list::commas(&n.to_string())
        ),
    }
}

fn marks(sh: &mut Shell<'_>, words: &[String], out: &mut Reply, on: bool) -> Next {
    let what = if on { "marked" } else { "unmarked" };
    let mut n = 0;
    if sh.tree.cwd_has_children() {
        for w in &words[1..] {
            match sh.tree.mark(w, on) {
                Ok(k) => n += k,
                Err(e) => out.line(e),
            }
        }
    }
    out.line(plural(n, "file", "files", what));
    Next::Stay
}

fn mark(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    marks(sh, words, out, true)
}

fn unmark(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    marks(sh, words, out, false)
}

fn dir_marks(sh: &mut Shell<'_>, words: &[String], out: &mut Reply, on: bool) -> Next {
    let what = if on { "marked" } else { "unmarked" };
    if words.len() < 2 || !sh.tree.cwd_has_children() {
        // ua_tree.c markdircmd says "No files marked." here, and
        // "directories" for the same count after a search.
        out.line(match on {
            true => "No files marked.",
            false => "No directories unmarked.",
        });
        return Next::Stay;
    }
    let mut n = 0;
    for w in &words[1..] {
        match sh.tree.mark_dirs(w, on) {
            Ok(k) => n += k,
            Err(e) => out.line(e),
        }
    }
    out.line(plural(n, "directory", "directories", what));
    Next::Stay
}

fn markdir(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    dir_marks(sh, words, out, true)
}

fn unmarkdir(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    dir_marks(sh, words, out, false)
}

fn cd(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    if words.len() != 2 {
        out.error("Too few or too many arguments. Try using double quotes.");
        return Next::Stay;
    }
    if !sh.tree.cd(&words[1]) {
        out.marked(crate::bnet::Signal::WarningMsg, "Invalid path given.");
    }
    pwd(sh, words, out)
}

fn pwd(sh: &mut Shell<'_>, _: &[String], out: &mut Reply) -> Next {
    out.line(format!("cwd is: {}", sh.tree.cwd()));
    Next::Stay
}

fn dot_pwd(sh: &mut Shell<'_>, _: &[String], out: &mut Reply) -> Next {
    out.push(sh.tree.cwd());
    Next::Stay
}

fn ls(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    if let Ok(p) = pattern(words, out) {
        for e in sh.tree.entries(p.as_ref()) {
            out.line(format!("{}{}", e.tag, e.name));
        }
    }
    Next::Stay
}

fn dot_ls(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    if let Ok(p) = pattern(words, out) {
        for e in sh.tree.entries(p.as_ref()) {
            out.line(e.name);
        }
    }
    Next::Stay
}

fn dot_lsdir(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    if let Ok(p) = pattern(words, out) {
        for e in sh.tree.entries(p.as_ref()) {
            if e.name.ends_with('/') {
                out.line(e.name);
            }
        }
    }
    Next::Stay
}

fn lsmark(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    if let Ok(p) = pattern(words, out) {
        for l in sh.tree.lsmark(p.as_ref()) {
            out.line(l);
        }
    }
    Next::Stay
}

fn dot_lsmark(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    if let Ok(p) = pattern(words, out) {
        for e in sh.tree.entries(p.as_ref()) {
            if !e.tag.is_empty() {
                out.line(e.name);
            }
        }
    }
    Next::Stay
}

/// `dir`: each entry as `ls -l` shows it, its mark (` ` for none) and
/// its full name (ua_tree.c do_dircmd, ls_output); a directory with no
/// record of its own shows zeros.
fn dir(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    if !sh.tree.cwd_has_children() {
        out.line(format!("Node {} has no children.", sh.tree.cwd()));
        return Next::Stay;
    }
    let Ok(p) = pattern(words, out) else {
        return Next::Stay;
    };
    for (path, e) in sh.tree.entries_with_paths(p.as_ref()) {
        let tag = if e.tag.is_empty() { " " } else { e.tag };
        let f = e.item.and_then(|i| sh.files.get(i));
        let (mode, nlink, uid, gid, size, time) = match f {
            Some(f) => (f.mode, f.nlink, f.uid, f.gid, f.size, f.mtime.max(f.ctime)),
            None => (0, 0, 0, 0, 0, 0),
        };
        let size = size.to_string();
        out.line(format!(
            "{}  {nlink:>2} {:<8.8} {:<8.8}{:>12.12}  {} {tag}{path}",
            super::super::bvfs::perm(mode),
            user_name(uid),
            group_name(gid),
            size,
            crate::clock::local(time).sql(),
        ));
    }
    Next::Stay
}

/// The name of user `uid` on the Director's host, else the number
/// (lib/guid_to_name.c).
fn user_name(uid: u32) -> String {
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: getpwuid_r writes only into pw and buf, of the sizes given.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pw, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() {
        return uid.to_string();
    }
    // SAFETY: pw_name points into buf, NUL-terminated by getpwuid_r.
    unsafe { std::ffi::CStr::from_ptr(pw.pw_name) }
        .to_string_lossy()
        .into_owned()
}

/// The name of group `gid` on the Director's host, else the number.
fn group_name(gid: u32) -> String {
    let mut buf = vec![0 as libc::c_char; 4096];
    let mut gr: libc::group = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::group = std::ptr::null_mut();
    // SAFETY: getgrgid_r writes only into gr and buf, of the sizes given.
    let rc = unsafe { libc::getgrgid_r(gid, &mut gr, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() {
        return gid.to_string();
    }
    // SAFETY: gr_name points into buf, NUL-terminated by getgrgid_r.
    unsafe { std::ffi::CStr::from_ptr(gr.gr_name) }
        .to_string_lossy()
        .into_owned()
}

fn count(sh: &mut Shell<'_>, _: &[String], out: &mut Reply) -> Next {
    let (total, marked) = sh.tree.count();
    let c = |n: usize| super::super::list::commas(&n.to_string());
    out.line(format!(
        "{} total files/dirs. {} marked to be restored.",
        c(total),
        c(marked)
    ));
    Next::Stay
}

fn estimate(sh: &mut Shell<'_>, _: &[String], out: &mut Reply) -> Next {
    let (total, marked, bytes) = sh.tree.estimate();
    out.line(format!(
        "{total} total files; {marked} marked to be restored; {} bytes.",
        super::super::list::commas(&bytes.to_string())
    ));
    Next::Stay
}

fn find(sh: &mut Shell<'_>, words: &[String], out: &mut Reply) -> Next {
    if words.len() < 2 {
        out.line("No file specification given.");
        return Next::Stay;
    }
    for w in &words[1..] {
        match Pattern::new(w) {
            Ok(p) => {
                for l in sh.tree.find(&p) {
                    out.line(l);
                }
            }
            Err(e) => out.line(e),
        }
    }
    Next::Stay
}

fn help(_: &mut Shell<'_>, _: &[String], out: &mut Reply) -> Next {
    out.line("  Command    Description");
    out.line("  =======    ===========");
    for (key, _, what) in COMMANDS.iter().filter(|(k, _, _)| !k.starts_with('.')) {
        out.line(format!("  {key:<10} {what}"));
    }
    out.line("");
    Next::Stay
}

fn dot_help(_: &mut Shell<'_>, _: &[String], out: &mut Reply) -> Next {
    for (key, _, _) in COMMANDS.iter().filter(|(k, _, _)| !k.starts_with('.')) {
        out.line(*key);
    }
    Next::Stay
}
