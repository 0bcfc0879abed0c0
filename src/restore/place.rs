//! Where restored files go, and whether they may go there. `where=` (a
//! folder the backed-up names go under), or `regexwhere=` (breg.rs: the
//! file daemon's own rewrites; `strip_prefix=`, `add_prefix=` and
//! `add_suffix=` become one). Before a restore starts every selected
//! file's name is rewritten here exactly as bacula-fd will rewrite it
//! (lib/attr.c `build_attr_output_fnames`), and the restore is refused
//! unless each result provably stays inside the restore root and the
//! console's WhereACL.

use super::breg::{self, Expression, Rewriter};

/// What the file daemon is told.
#[derive(Debug, Clone, PartialEq)]
enum How {
    /// `where=` empty (or `/`): every file back where it was.
    InPlace,
    Where(String),
    RegexWhere(String),
}

/// How destinations are computed, and the folder they must stay in.
#[derive(Debug, Clone)]
pub struct Placement {
    how: How,
    expressions: Vec<Expression>,
    /// `where=`, else `add_prefix=`, as components.
    root: Option<Vec<Vec<u8>>>,
}

/// The pieces of a `restore` command that place files.
#[derive(Debug, Clone, Default)]
pub struct PlaceArgs<'a> {
    pub where_: Option<&'a str>,
    pub regexwhere: Option<&'a str>,
    pub strip_prefix: Option<&'a str>,
    pub add_prefix: Option<&'a str>,
    pub add_suffix: Option<&'a str>,
}

/// One file about to be restored, as the checks need it.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    /// The name as backed up (directories end in `/`).
    pub name: &'a str,
    /// Its mtime, what `$m` in a replacement stands for.
    pub mtime: i64,
    pub symlink: bool,
}

/// Where a restore may write: the console's WhereACL (`None` is
/// `*all*`: anywhere).
pub type WhereAcl = Option<Vec<String>>;

/// Refuses a text the file daemon would not read back whole: its
/// `sscanf("%s")` ends the word at any white space but the spaces
/// bash_spaces turned into 0x01, and `unbash_spaces` turns every 0x01
/// into a space.
fn wire_safe(key: &str, text: &str) -> Result<(), String> {
    if text.len() > breg::MAX_TEXT {
        return Err(format!("{key}: longer than {} bytes", breg::MAX_TEXT));
    }
    if let Some(b) = text.bytes().find(|b| b"\0\x01\t\n\x0b\x0c\r".contains(b)) {
        return Err(format!(
            "{key}=\"{}\": holds the byte 0x{b:02x}, which the file daemon cannot be sent",
            text.escape_debug()
        ));
    }
    Ok(())
}

/// Whether `path` starts with a drive letter, `X:/`: how a Windows file
/// daemon records its files (and a `where=` on a Windows client).
fn drive_letter(path: &[u8]) -> bool {
    path.len() >= 3 && path[0].is_ascii_alphabetic() && path[1] == b':' && path[2] == b'/'
}

/// A path's components (`//` and `.` dropped; a drive letter `X:` is
/// the first); an error for a relative path or one naming `..` (also
/// between backslashes, a Windows file daemon's separator). Only `/`
/// separates components here, so a name checked inside a root is inside
/// it whether the file daemon also splits at `\\` or not.
fn components(path: &[u8]) -> Result<Vec<Vec<u8>>, &'static str> {
    if path.is_empty() {
        return Err("is empty");
    }
    if path.split(|&b| b == b'/' || b == b'\\').any(|c| c == b"..") {
        return Err("names \"..\"");
    }
    if path[0] != b'/' && !drive_letter(path) {
        return Err("is not an absolute path");
    }
    Ok(path
        .split(|&b| b == b'/')
        .filter(|c| !c.is_empty() && *c != b".")
        .map(<[u8]>::to_vec)
        .collect())
}

fn inside(root: &[Vec<u8>], path: &[Vec<u8>]) -> bool {
    path.len() >= root.len() && path[..root.len()] == *root
}

fn shown(comps: &[Vec<u8>]) -> String {
    let mut s = String::new();
    for c in comps {
        s.push('/');
        s.push_str(&String::from_utf8_lossy(c));
    }
    if s.is_empty() {
        s.push('/');
    }
    s
}

/// `text` with ERE's special characters escaped, for a literal search.
fn ere_literal(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if "\\.[]()*+?{}|^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The rewrites `strip_prefix=`, `add_suffix=` and `add_prefix=` stand
/// for, in bregexp_build_where's order. bacula-dir 9.6.7 writes
/// strip_prefix as `!<prefix>!!i`: unanchored, case-insensitive and with
/// the prefix's dots and stars live, so `/srv` also strips `/SRV` in the
/// middle of a name; rdird strips only a leading, literal prefix. Each
/// expression takes a separator its text does not hold, since breg.c
/// cannot read an escaped one.
fn prefix_rewrites(strip: &str, suffix: &str, prefix: &str) -> Result<String, String> {
    for (key, text) in [("add_suffix", suffix), ("add_prefix", prefix)] {
        let b = text.as_bytes();
        let live = b.windows(2).any(|w| {
            (w[0] == b'$' && (w[1] == b'm' || w[1].is_ascii_digit()))
                || (w[0] == b'\\' && w[1].is_ascii_digit())
        });
        if live || b.last() == Some(&b'\\') {
            return Err(format!(
                "{key}=\"{text}\": \"$N\", \"\\N\", \"$m\" or a final \"\\\" would be read as a substitution"
            ));
        }
    }
    let mut parts = Vec::new();
    let mut wanted = Vec::new();
    let mut push = |search: String, replace: &str| -> Result<(), String> {
        let sep = breg::free_separator(&[&search, replace])
            .ok_or("a prefix holding every separator Bacula accepts")? as char;
        parts.push(format!("{sep}{search}{sep}{replace}{sep}"));
        wanted.push(Expression {
            search: search.into_bytes(),
            replace: replace.as_bytes().to_vec(),
            icase: false,
        });
        Ok(())
    };
    if !strip.is_empty() {
        push(format!("^{}", ere_literal(strip)), "")?;
    }
    if !suffix.is_empty() {
        push("([^/])$".into(), &format!("$1{suffix}"))?;
    }
    if !prefix.is_empty() {
        push("^".into(), prefix)?;
    }
    let text = parts.join(",");
    // What the file daemon will read back must be what was meant.
    if breg::parse(&text)? != wanted {
        return Err(format!(
            "the prefixes cannot be written as a regexwhere the file daemon reads back as meant (\"{text}\")"
        ));
    }
    Ok(text)
}

impl Placement {
    pub fn new(a: &PlaceArgs<'_>) -> Result<Placement, String> {
        let given = |v: Option<&'_ str>| v.filter(|s| !s.is_empty()).map(str::to_string);
        for (key, v) in [
            ("where", a.where_),
            ("regexwhere", a.regexwhere),
            ("strip_prefix", a.strip_prefix),
            ("add_prefix", a.add_prefix),
            ("add_suffix", a.add_suffix),
        ] {
            wire_safe(key, v.unwrap_or(""))?;
        }
        let (strip, suffix, prefix) = (
            given(a.strip_prefix),
            given(a.add_suffix),
            given(a.add_prefix),
        );
        let regexwhere = if strip.is_some() || suffix.is_some() || prefix.is_some() {
            Some(prefix_rewrites(
                strip.as_deref().unwrap_or(""),
                suffix.as_deref().unwrap_or(""),
                prefix.as_deref().unwrap_or(""),
            )?)
        } else {
            given(a.regexwhere)
        };
        let root_of = |key: &str, p: &str| {
            components(p.as_bytes()).map_err(|why| format!("{key}=\"{p}\" {why}"))
        };
        let mut root = None;
        if let Some(p) = &prefix {
            root = Some(root_of("add_prefix", p)?);
        }
        let where_ = given(a.where_);
        if let Some(w) = &where_ {
            root = Some(root_of("where", w)?);
        }
        let (how, expressions) = match (regexwhere, where_) {
            (Some(r), _) => {
                let list = breg::parse(&r)?;
                (How::RegexWhere(r), list)
            }
            // The file daemon turns a lone "/" into no where at all.
            (None, Some(w)) if w != "/" => (How::Where(w), Vec::new()),
            (None, _) => (How::InPlace, Vec::new()),
        };
        Ok(Placement {
            how,
            expressions,
            root,
        })
    }

    /// The name the file daemon writes `t` as. Under `where=` a Windows
    /// file daemon also turns a name's `C:` into `C/` (and then drops the
    /// double slash): one component in place of another, so what is
    /// proven inside the root here is inside it there too.
    fn destination(&self, rw: Option<&Rewriter>, t: &Target<'_>) -> Result<Vec<u8>, String> {
        let name = t.name.as_bytes();
        match (&self.how, rw) {
            (How::RegexWhere(_), Some(rw)) => rw.apply(name, t.mtime),
            (How::Where(w), _) => {
                let mut out = w.as_bytes().to_vec();
                if !w.ends_with('/') && !t.name.starts_with('/') {
                    out.push(b'/');
                }
                out.extend_from_slice(name);
                Ok(out)
            }
            _ => Ok(name.to_vec()),
        }
    }

    /// Whether destinations are rewritten by expressions (RegexWhere,
    /// strip_prefix, add_prefix, add_suffix) rather than put under a root.
    pub fn rewrites(&self) -> bool {
        matches!(self.how, How::RegexWhere(_))
    }

    /// Why these files may not be restored this way, if they may not:
    /// a name or destination that is not absolute, is empty or names
    /// `..`; a destination outside the restore root or the console's
    /// WhereACL; or, unless the console may restore anywhere, any
    /// symbolic link. Refusing only a link that a file of the same
    /// selection would be written through (tar's `--secure` rule) is not
    /// enough: a link restored today is followed by tomorrow's restore of
    /// a folder of the same name, and the Director cannot see what is
    /// already on the client's disk.
    pub fn refuse(&self, targets: &[Target<'_>], acl: &WhereAcl) -> Option<String> {
        self.check(targets, acl).err()
    }

    fn check(&self, targets: &[Target<'_>], acl: &WhereAcl) -> Result<(), String> {
        let rw = match &self.how {
            How::RegexWhere(_) => Some(Rewriter::new(&self.expressions)?),
            _ => None,
        };
        let acl_roots: Option<Vec<Vec<Vec<u8>>>> = acl.as_ref().map(|l| {
            l.iter()
                .filter_map(|w| components(w.as_bytes()).ok())
                .collect()
        });
        let (spec, text) = match &self.how {
            How::RegexWhere(r) => ("\"RegexWhere\"", r.as_str()),
            How::Where(w) => ("\"where\"", w.as_str()),
            How::InPlace => ("\"where\"", ""),
        };
        if acl.as_ref().is_some_and(Vec::is_empty) && self.how != How::InPlace {
            // As bacula-dir: without a WhereACL a console restores only
            // to where the files were.
            return Err(format!(
                "{spec} specification not authorized: this console may restore files only where they were"
            ));
        }
        let proven = self.root.is_some() || acl.is_some();
        let ascii_only = self
            .expressions
            .iter()
            .all(|e| e.search.is_ascii() && e.replace.is_ascii());
        for t in targets {
            let name = t.name.as_bytes();
            if name.len() > breg::MAX_NAME {
                return Err(format!("a name longer than {} bytes", breg::MAX_NAME));
            }
            if let Err(why) = components(name) {
                return Err(format!("\"{}\" {why}", t.name));
            }
            if rw.is_some() && proven && !(ascii_only && name.is_ascii()) {
                // The file daemon matches in its own locale: on other
                // bytes than ASCII a UTF-8 one may match differently.
                return Err(format!(
                    "\"{}\": a regexwhere on a name or expression that is not ASCII matches as the file daemon's locale says, so where it lands cannot be proven",
                    t.name.escape_debug()
                ));
            }
            let dest = self.destination(rw.as_ref(), t)?;
            let shown_dest = String::from_utf8_lossy(&dest).into_owned();
            let comps = components(&dest).map_err(|why| {
                format!(
                    "\"{}\" would be restored as \"{shown_dest}\", which {why}",
                    t.name
                )
            })?;
            if let Some(root) = &self.root {
                if !inside(root, &comps) {
                    return Err(format!(
                        "\"{}\" would be restored as \"{shown_dest}\", outside the restore root {}",
                        t.name,
                        shown(root)
                    ));
                }
            }
            if let Some(roots) = &acl_roots {
                let in_place = self.how == How::InPlace && acl.as_ref().is_some_and(Vec::is_empty);
                if !in_place && !roots.iter().any(|r| inside(r, &comps)) {
                    return Err(format!(
                        "{spec} specification not authorized: \"{}\" would be restored as \"{shown_dest}\", outside the console's WhereACL ({spec_text})",
                        t.name,
                        spec_text = if text.is_empty() { "in place" } else { text }
                    ));
                }
            }
            if t.symlink && acl.is_some() {
                return Err(format!(
                    "\"{}\" is a symbolic link, and a console limited by its WhereACL restores none: a later restore would write through it to wherever it points. Unmark the links to restore the rest",
                    t.name
                ));
            }
        }
        Ok(())
    }

    /// How the file daemon's `restore` command places files, spaces
    /// bashed as bacula-dir sends them.
    pub fn fd_words(&self) -> String {
        let bash = crate::bnet::spaces::bash_spaces;
        match &self.how {
            How::RegexWhere(r) => format!("regexwhere={}", bash(r)),
            How::Where(w) => format!("where={}", bash(w)),
            How::InPlace => "where=".to_string(),
        }
    }

    /// The report's `Where:` line.
    pub fn shown(&self) -> String {
        match &self.how {
            How::RegexWhere(t) | How::Where(t) => t.clone(),
            How::InPlace => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(a: PlaceArgs<'_>) -> Placement {
        Placement::new(&a).unwrap()
    }

    fn file(name: &str) -> Target<'_> {
        Target {
            name,
            mtime: 0,
            symlink: false,
        }
    }

    fn dest(p: &Placement, name: &str) -> String {
        let rw = Rewriter::new(&p.expressions).unwrap();
        String::from_utf8(p.destination(Some(&rw), &file(name)).unwrap()).unwrap()
    }

    fn refused(p: &Placement, names: &[&str], acl: &WhereAcl) -> String {
        let t: Vec<Target<'_>> = names.iter().map(|n| file(n)).collect();
        p.refuse(&t, acl).expect("refused")
    }

    #[test]
    fn where_puts_files_under_it_as_the_file_daemon_joins_them() {
        let p = place(PlaceArgs {
            where_: Some("/tmp/restore"),
            ..PlaceArgs::default()
        });
        assert_eq!(dest(&p, "/srv/a.txt"), "/tmp/restore/srv/a.txt");
        assert_eq!(p.refuse(&[file("/srv/a.txt")], &None), None);
        assert!(refused(&p, &["/srv/../../etc/passwd"], &None).contains("names \"..\""));
        assert_eq!(p.fd_words(), "where=/tmp/restore");
        let p = place(PlaceArgs {
            where_: Some("/tmp/a b/"),
            ..PlaceArgs::default()
        });
        assert_eq!(dest(&p, "/srv/x"), "/tmp/a b//srv/x");
        assert_eq!(p.fd_words(), "where=/tmp/a\x01b/");
        let p = place(PlaceArgs {
            where_: Some("/"),
            ..PlaceArgs::default()
        });
        assert_eq!(p.fd_words(), "where=");
    }

    #[test]
    fn the_issues_regexwhere_is_refused_as_the_file_daemon_would_apply_two_rewrites() {
        let p = place(PlaceArgs {
            where_: Some("/R"),
            regexwhere: Some(r"!^/!/R/\!,!^/R/.tmp!/var/tmp/evil!"),
            ..PlaceArgs::default()
        });
        assert_eq!(dest(&p, "/tmp/f"), "/var/tmp/evil/f");
        let why = refused(&p, &["/etc/passwd", "/tmp/f"], &None);
        assert!(
            why.contains(
                "\"/tmp/f\" would be restored as \"/var/tmp/evil/f\", outside the restore root /R"
            ),
            "{why}"
        );
    }

    #[test]
    fn prefixes_become_rewrites_with_a_separator_their_text_lacks() {
        let p = place(PlaceArgs {
            strip_prefix: Some("/srv/data"),
            add_prefix: Some("/tmp/r"),
            ..PlaceArgs::default()
        });
        assert_eq!(dest(&p, "/srv/data/x/y.txt"), "/tmp/r/x/y.txt");
        assert_eq!(p.fd_words(), "regexwhere=!^/srv/data!!,!^!/tmp/r!");
        assert_eq!(p.refuse(&[file("/srv/data/x/y.txt")], &None), None);
        // Not a component boundary: /tmp/r + "base/x" leaves the root.
        assert!(
            refused(&p, &["/srv/database/x"], &None).contains("outside the restore root /tmp/r")
        );
        let p = place(PlaceArgs {
            strip_prefix: Some("/a.b"),
            add_prefix: Some("/t!x y"),
            add_suffix: Some(".old"),
            ..PlaceArgs::default()
        });
        assert_eq!(
            p.fd_words(),
            "regexwhere=!^/a\\.b!!,!([^/])$!$1.old!,:^:/t!x\x01y:"
        );
        assert_eq!(dest(&p, "/a.b/f"), "/t!x y/f.old");
        assert_eq!(dest(&p, "/aXb/f"), "/t!x y/aXb/f.old");
        let err = Placement::new(&PlaceArgs {
            add_prefix: Some("/t/$1"),
            ..PlaceArgs::default()
        })
        .unwrap_err();
        assert!(err.contains("substitution"), "{err}");
    }

    #[test]
    fn a_rewrite_that_leaves_the_root_or_makes_a_bad_name_is_refused() {
        let p = place(PlaceArgs {
            where_: Some("/tmp/r"),
            regexwhere: Some("!^/srv!/etc!"),
            ..PlaceArgs::default()
        });
        assert!(refused(&p, &["/srv/passwd"], &None).contains("outside the restore root /tmp/r"));
        let p = place(PlaceArgs {
            regexwhere: Some("!^/srv/!!"),
            ..PlaceArgs::default()
        });
        assert!(refused(&p, &["/srv/passwd"], &None).contains("not an absolute path"));
        assert!(refused(&p, &["/srv/"], &None).contains("is empty"));
        let p = place(PlaceArgs {
            where_: Some("/r"),
            regexwhere: Some("!^/!/r/..\\\\!"),
            ..PlaceArgs::default()
        });
        assert!(refused(&p, &["/x"], &None).contains("names \"..\""));
    }

    #[test]
    fn the_where_acl_holds_the_folders_a_console_may_restore_into() {
        let acl: WhereAcl = Some(vec!["/tmp/ok".into()]);
        let inside = place(PlaceArgs {
            where_: Some("/tmp/ok/sub"),
            ..PlaceArgs::default()
        });
        assert_eq!(inside.refuse(&[file("/a")], &acl), None);
        let elsewhere = place(PlaceArgs {
            where_: Some("/tmp/okay"),
            ..PlaceArgs::default()
        });
        assert!(refused(&elsewhere, &["/a"], &acl)
            .starts_with("\"where\" specification not authorized"));
        let rx = place(PlaceArgs {
            regexwhere: Some("!^/!/tmp/ok/!,!^/tmp/ok/e!/etc!"),
            ..PlaceArgs::default()
        });
        assert_eq!(rx.refuse(&[file("/a")], &acl), None);
        assert!(refused(&rx, &["/a", "/e/shadow"], &acl)
            .starts_with("\"RegexWhere\" specification not authorized"));
        // No WhereACL: only back where the files were, as bacula-dir.
        let none: WhereAcl = Some(Vec::new());
        assert!(refused(&inside, &["/a"], &none).contains("only where they were"));
        let in_place = place(PlaceArgs::default());
        assert_eq!(in_place.refuse(&[file("/a")], &none), None);
        // A WhereACL does not let an in-place restore out of it.
        assert!(refused(&in_place, &["/a"], &acl).contains("outside the console's WhereACL"));
    }

    #[test]
    fn a_console_that_may_not_restore_anywhere_restores_no_symlink() {
        let p = place(PlaceArgs {
            where_: Some("/tmp/ok"),
            ..PlaceArgs::default()
        });
        let link = Target {
            name: "/d/link",
            mtime: 0,
            symlink: true,
        };
        let t = [file("/d/a"), link, file("/d/linkx")];
        let acl: WhereAcl = Some(vec!["/tmp/ok".into()]);
        let why = p.refuse(&t, &acl).unwrap();
        assert!(
            why.starts_with("\"/d/link\" is a symbolic link, and a console limited by its WhereACL restores none"),
            "{why}"
        );
        // Alone, with nothing below it, and in place without a WhereACL.
        assert!(p.refuse(&t[1..2], &acl).is_some());
        let in_place = place(PlaceArgs::default());
        assert!(in_place.refuse(&t[1..2], &Some(Vec::new())).is_some());
        assert_eq!(p.refuse(&t, &None), None);
        assert_eq!(p.refuse(&[t[0].clone(), t[2].clone()], &acl), None);
    }

    #[test]
    fn windows_names_with_a_drive_letter_are_absolute() {
        let names = ["C:/data/", "C:/data/a.txt"];
        let t: Vec<Target<'_>> = names.iter().map(|n| file(n)).collect();
        // In place, or a where= (Linux or Windows) the console may use.
        for w in [None, Some("/tmp/R"), Some("c:/restore")] {
            let p = place(PlaceArgs {
                where_: w,
                ..PlaceArgs::default()
            });
            assert_eq!(p.refuse(&t, &None), None, "{w:?}");
        }
        // As the file daemon joins them (a Windows one also turns the
        // colon into a slash: one component either way).
        let p = place(PlaceArgs {
            where_: Some("c:/restore"),
            ..PlaceArgs::default()
        });
        assert_eq!(dest(&p, "C:/data/a.txt"), "c:/restore/C:/data/a.txt");
        let acl: WhereAcl = Some(vec!["c:/restore".into()]);
        assert_eq!(p.refuse(&t, &acl), None);
        let acl: WhereAcl = Some(vec!["/tmp/R".into()]);
        assert!(refused(&p, &names, &acl).contains("outside the console's WhereACL"));
        let p = place(PlaceArgs {
            where_: Some("/tmp/R"),
            regexwhere: Some("!^C:/data!D:/x!"),
            ..PlaceArgs::default()
        });
        assert!(refused(&p, &names, &None).contains("outside the restore root /tmp/R"));
        // Still no relative names, nor "..".
        assert!(refused(&p, &["C:data/a"], &None).contains("not an absolute path"));
        assert!(refused(&p, &["C:/data/../../x"], &None).contains("names \"..\""));
        assert!(Placement::new(&PlaceArgs {
            where_: Some("c:restore"),
            ..PlaceArgs::default()
        })
        .unwrap_err()
        .contains("absolute"));
    }

    #[test]
    fn what_the_file_daemon_cannot_be_sent_is_refused() {
        let err = |a: PlaceArgs<'_>| Placement::new(&a).unwrap_err();
        assert!(err(PlaceArgs {
            where_: Some("relative"),
            ..PlaceArgs::default()
        })
        .contains("absolute"));
        assert!(err(PlaceArgs {
            where_: Some("/tmp/a\tb"),
            ..PlaceArgs::default()
        })
        .contains("0x09"));
        assert!(err(PlaceArgs {
            regexwhere: Some("!a!\u{1}!"),
            ..PlaceArgs::default()
        })
        .contains("0x01"));
        assert!(err(PlaceArgs {
            regexwhere: Some("!abc"),
            ..PlaceArgs::default()
        })
        .contains("Bad where regexp"));
    }

    #[test]
    fn non_ascii_names_under_a_regexwhere_are_refused_where_a_root_is_checked() {
        let p = place(PlaceArgs {
            where_: Some("/R"),
            regexwhere: Some("!^/!/R/!"),
            ..PlaceArgs::default()
        });
        assert!(refused(&p, &["/caf\u{e9}"], &None).contains("locale"));
        assert_eq!(p.refuse(&[file("/cafe")], &None), None);
    }
}
