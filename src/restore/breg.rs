//! Bacula's `regexwhere` rewrites exactly as the file daemon reads and
//! applies them (lib/breg.c of 9.6.7: `get_bregexps`, `extract_regexp`,
//! `BREGEXP::replace`), so that the Director computes the very names the
//! file daemon will write. The matching is glibc's own POSIX engine
//! (`regcomp`/`regexec`, extended syntax, leftmost-longest on bytes in
//! the C locale), the one Debian's bacula-fd links. Not for deciding
//! whether a name is allowed: place.rs does that with what this returns.

use std::ffi::CString;

/// The separators breg.c accepts as an expression's first character.
const SEPARATORS: &[u8] = b"!:;|,&%=~/<#";

/// `regexec`'s match slots, as breg.h's BREG_NREGS.
const SLOTS: usize = 11;

/// Longest `regexwhere` text accepted: far above any real one, small
/// enough that compiling and matching stay cheap.
pub const MAX_TEXT: usize = 4096;

/// Longest name rewritten (Linux's PATH_MAX).
pub const MAX_NAME: usize = 4096;

/// One `<sep>search<sep>replace<sep>options` expression, as extracted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expression {
    /// The regular expression handed to `regcomp`.
    pub search: Vec<u8>,
    /// The replacement, with `$N`/`\N` back references and `$m`.
    pub replace: Vec<u8>,
    /// The `i` option (REG_ICASE). `g` is read and, as in 9.6.7, does
    /// nothing: only the first match is replaced.
    pub icase: bool,
}

/// breg.c's `extract_regexp` on `motif`: the expression and how many
/// bytes it used (its `eor`), or None where the file daemon stops.
///
/// The quirks kept: `\<sep>` puts the separator into the part and then
/// also ends it (the escape is re-read as a separator), `\\` is copied
/// as is, and the first byte after the options that is not `i`, `g` or
/// the separator is swallowed (normally the comma before the next one).
fn extract(motif: &[u8]) -> Option<(Expression, usize)> {
    let sep = *motif.first()?;
    if !SEPARATORS.contains(&sep) {
        return None;
    }
    let mut i = 1;
    let mut part = Vec::new();
    let mut search = None;
    let mut closed = false;
    while i < motif.len() && !closed {
        let c = motif[i];
        let next = motif.get(i + 1).copied();
        if c == b'\\' && (next == Some(sep) || next == Some(b'\\')) {
            part.push(next?);
            i += 1;
        } else if c == sep {
            if search.is_some() {
                closed = true;
            } else {
                search = Some(std::mem::take(&mut part));
                i += 1;
            }
        } else {
            part.push(c);
            i += 1;
        }
    }
    let search = search.filter(|_| closed)?;
    let mut icase = false;
    let mut ended = false;
    while i < motif.len() && !ended {
        match motif[i] {
            b'i' => icase = true,
            b'g' => {}
            c if c == sep => {}
            _ => ended = true,
        }
        i += 1;
    }
    let e = Expression {
        search,
        replace: part,
        icase,
    };
    Regex::compile(&e).ok()?;
    Some((e, i))
}

/// The expressions of `text` as the file daemon takes them, and the
/// number of bytes it read; it silently ignores what follows.
fn extract_all(text: &[u8]) -> (Vec<Expression>, usize) {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some((e, used)) = extract(&text[at..]) {
        out.push(e);
        at += used;
    }
    (out, at)
}

/// Reads a `regexwhere` text. Where the file daemon would quietly drop
/// part of it (a bad expression after good ones, an unknown option
/// letter), rdird refuses the whole: what the administrator wrote is
/// not what would happen.
pub fn parse(text: &str) -> Result<Vec<Expression>, String> {
    let bad = |why: String| format!("regexwhere \"{text}\": {why}");
    let bytes = text.as_bytes();
    if bytes.len() > MAX_TEXT {
        return Err(bad(format!("longer than {MAX_TEXT} bytes")));
    }
    if bytes.contains(&0) {
        return Err(bad("holds a NUL byte".into()));
    }
    let (list, used) = extract_all(bytes);
    if list.is_empty() {
        let why = match Regex::compile_first_error(bytes) {
            Some(e) => e,
            None => "not a <sep>search<sep>replace<sep> expression (the file daemon would fail the job: \"Bad where regexp\")".into(),
        };
        return Err(bad(why));
    }
    if used < bytes.len() {
        return Err(bad(format!(
            "the file daemon would read only \"{}\" and ignore \"{}\"",
            String::from_utf8_lossy(&bytes[..used]),
            String::from_utf8_lossy(&bytes[used..])
        )));
    }
    // The byte that ended each expression's options must be a comma (or
    // the end): another one is an option the file daemon ignores.
    let mut at = 0;
    for _ in &list {
        let (_, n) = extract(&bytes[at..]).expect("extracted above");
        let last = bytes[at + n - 1];
        let sep = bytes[at];
        if !matches!(last, b',' | b'i' | b'g') && last != sep {
            return Err(bad(format!(
                "unknown option '{}' (only i and g are options)",
                last as char
            )));
        }
        at += n;
    }
    for e in &list {
        if has_back_reference(&e.search) {
            return Err(bad(
                "a back reference in the search part (its matching time has no bound)".into(),
            ));
        }
    }
    Ok(list)
}

/// Whether an extended regexp uses `\1`…`\9` (glibc's extension whose
/// matching can take exponential time).
fn has_back_reference(search: &[u8]) -> bool {
    let mut i = 0;
    while i < search.len() {
        if search[i] == b'\\' {
            if search.get(i + 1).is_some_and(|d| (b'1'..=b'9').contains(d)) {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// A regex_t compiled in the C locale, freed on drop. Lives only while
/// names are rewritten (regex_t is neither Send nor Sync).
pub struct Regex {
    preg: Box<libc::regex_t>,
}

/// The C locale made current on this thread while it lives, so that
/// compiling and matching are on bytes whatever a library set.
struct CLocale {
    mine: libc::locale_t,
    old: libc::locale_t,
}

impl CLocale {
    fn enter() -> Result<CLocale, String> {
        // SAFETY: "C" is built into glibc; the locale is freed in Drop
        // after the previous one is made current again.
        unsafe {
            let mine = libc::newlocale(libc::LC_ALL_MASK, c"C".as_ptr(), std::ptr::null_mut());
            if mine.is_null() {
                return Err("cannot create the C locale".into());
            }
            let old = libc::uselocale(mine);
            Ok(CLocale { mine, old })
        }
    }
}

impl Drop for CLocale {
    fn drop(&mut self) {
        // SAFETY: `old` was current before; `mine` is no longer in use.
        unsafe {
            libc::uselocale(self.old);
            libc::freelocale(self.mine);
        }
    }
}

impl Regex {
    /// `regcomp` with breg.c's flags: REG_EXTENDED | REG_NEWLINE, and
    /// REG_ICASE for `i`.
    pub fn compile(e: &Expression) -> Result<Regex, String> {
        let pattern = CString::new(e.search.clone()).map_err(|_| "a NUL byte".to_string())?;
        let mut flags = libc::REG_EXTENDED | libc::REG_NEWLINE;
        if e.icase {
            flags |= libc::REG_ICASE;
        }
        let _c = CLocale::enter()?;
        // SAFETY: regex_t is plain data that regcomp fills; it is freed
        // by Drop only when regcomp succeeded.
        let mut preg: Box<libc::regex_t> = Box::new(unsafe { std::mem::zeroed() });
        let rc = unsafe { libc::regcomp(&mut *preg, pattern.as_ptr(), flags) };
        if rc != 0 {
            let mut buf = [0u8; 256];
            // SAFETY: regerror writes at most buf.len() bytes, NUL-ended.
            unsafe {
                libc::regerror(rc, &*preg, buf.as_mut_ptr().cast(), buf.len());
            }
            let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
            // A failed regcomp has freed what it built: no regfree.
            return Err(format!(
                "\"{}\": {}",
                String::from_utf8_lossy(&e.search),
                String::from_utf8_lossy(&buf[..end])
            ));
        }
        Ok(Regex { preg })
    }

    /// Why the first expression of `text` does not compile, if that is
    /// why it is not read.
    fn compile_first_error(text: &[u8]) -> Option<String> {
        let sep = *text.first()?;
        if !SEPARATORS.contains(&sep) {
            return None;
        }
        let parts: Vec<&[u8]> = text[1..].splitn(3, |&b| b == sep).collect();
        let e = Expression {
            search: parts.first()?.to_vec(),
            replace: Vec::new(),
            icase: false,
        };
        parts.get(2)?;
        Regex::compile(&e).err()
    }

    /// The match slots of `name`, or None when it does not match.
    fn exec(&self, name: &CString) -> Result<Option<[libc::regmatch_t; SLOTS]>, String> {
        let mut slots = [libc::regmatch_t {
            rm_so: -1,
            rm_eo: -1,
        }; SLOTS];
        let _c = CLocale::enter()?;
        // SAFETY: preg was compiled; slots has SLOTS entries.
        let rc = unsafe { libc::regexec(&*self.preg, name.as_ptr(), SLOTS, slots.as_mut_ptr(), 0) };
        match rc {
            0 => Ok(Some(slots)),
            libc::REG_NOMATCH => Ok(None),
            rc => Err(format!("regexec failed ({rc})")),
        }
    }
}

impl Drop for Regex {
    fn drop(&mut self) {
        // SAFETY: compiled by regcomp, freed once.
        unsafe { libc::regfree(&mut *self.preg) };
    }
}

/// The compiled expressions of one `regexwhere`, applied in order.
pub struct Rewriter {
    list: Vec<(Expression, Regex)>,
}

impl Rewriter {
    pub fn new(list: &[Expression]) -> Result<Rewriter, String> {
        let list = list
            .iter()
            .map(|e| Ok((e.clone(), Regex::compile(e)?)))
            .collect::<Result<_, String>>()?;
        Ok(Rewriter { list })
    }

    /// `apply_bregexps`: each expression rewrites the previous one's
    /// result; `mtime` is what `$m` stands for (the file's stat).
    pub fn apply(&self, name: &[u8], mtime: i64) -> Result<Vec<u8>, String> {
        let mut cur = name.to_vec();
        for (e, re) in &self.list {
            if cur.len() > MAX_NAME {
                return Err(format!("a rewritten name longer than {MAX_NAME} bytes"));
            }
            let c = CString::new(cur.clone()).map_err(|_| "a name holding a NUL byte")?;
            if let Some(slots) = re.exec(&c)? {
                cur = substitute(&cur, &e.replace, &slots, mtime);
            }
        }
        Ok(cur)
    }
}

/// `edit_subst`: the name with its first match replaced.
fn substitute(name: &[u8], replace: &[u8], slots: &[libc::regmatch_t], mtime: i64) -> Vec<u8> {
    let span = |n: usize| {
        let s = slots[n];
        (s.rm_so >= 0 && s.rm_eo >= 0).then(|| &name[s.rm_so as usize..s.rm_eo as usize])
    };
    let (start, end) = (slots[0].rm_so as usize, slots[0].rm_eo as usize);
    let mut out = name[..start].to_vec();
    let mut i = 0;
    while i < replace.len() {
        let c = replace[i];
        let next = replace.get(i + 1).copied();
        if c == b'$' && next == Some(b'm') {
            // edit_uint64 of a time_t: a negative one wraps as in C.
            out.extend_from_slice((mtime as u64).to_string().as_bytes());
            i += 2;
        } else if (c == b'$' || c == b'\\') && next.is_some_and(|d| d.is_ascii_digit()) {
            if let Some(text) = span(usize::from(next.unwrap_or(b'0') - b'0')) {
                out.extend_from_slice(text);
            }
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out.extend_from_slice(&name[end..]);
    out
}

/// The first of breg.c's separators that `texts` do not use (`,` is left
/// out: it also parts expressions).
pub fn free_separator(texts: &[&str]) -> Option<u8> {
    SEPARATORS
        .iter()
        .copied()
        .filter(|&s| s != b',')
        .find(|s| !texts.iter().any(|t| t.as_bytes().contains(s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewrite(text: &str, name: &str) -> String {
        let list = parse(text).unwrap();
        let r = Rewriter::new(&list).unwrap();
        String::from_utf8(r.apply(name.as_bytes(), 1_700_000_000).unwrap()).unwrap()
    }

    fn parts(text: &str) -> Vec<(String, String, bool)> {
        parse(text)
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    String::from_utf8(e.search).unwrap(),
                    String::from_utf8(e.replace).unwrap(),
                    e.icase,
                )
            })
            .collect()
    }

    #[test]
    fn an_escaped_separator_ends_the_part_and_a_comma_starts_the_next_expression() {
        // The issue's example: two rewrites, not one.
        let text = r"!^/!/R/\!,!^/R/.tmp!/var/tmp/evil!";
        assert_eq!(
            parts(text),
            [
                ("^/".into(), "/R/!".into(), false),
                ("^/R/.tmp".into(), "/var/tmp/evil".into(), false)
            ]
        );
        assert_eq!(rewrite(text, "/tmp/x"), "/var/tmp/evil/x");
        assert_eq!(rewrite(text, "/etc/x"), "/R/!etc/x");
    }

    #[test]
    fn every_separator_breg_accepts_starts_an_expression() {
        for sep in "!:;|,&%=~/<#".chars() {
            let text = format!("{sep}^(.)a{sep}$1b{sep}");
            assert_eq!(rewrite(&text, "/a/x"), "/b/x", "{text}");
        }
        for sep in "@^*x ".chars() {
            assert!(parse(&format!("{sep}^/a{sep}/b{sep}")).is_err(), "{sep}");
        }
    }

    #[test]
    fn the_match_is_posix_leftmost_longest() {
        // Perl-style leftmost-first would take "a" and leave "bc".
        assert_eq!(rewrite("!(a|ab)(c|bcd)!<$1|$2>!", "/abcd"), "/<a|bcd>");
        assert_eq!(rewrite("!a|ab!X!", "/ab"), "/X");
        // Only the first match is replaced, with or without g.
        assert_eq!(rewrite("!o!0!g", "/foo/boo"), "/f0o/boo");
        // i ignores case; \N and $N are back references; $m the mtime.
        assert_eq!(rewrite("!^/SRV/(.*)$!/new/\\1!i", "/srv/x"), "/new/x");
        assert_eq!(rewrite("!$!.$m!", "/f"), "/f.1700000000");
        // A group that did not take part adds nothing.
        assert_eq!(rewrite("!^/(x)?a!-$1-!", "/a"), "--");
    }

    #[test]
    fn expressions_apply_in_order_each_on_the_last_result() {
        assert_eq!(rewrite("!^/a!/b!,!^/b!/c!", "/a/f"), "/c/f");
        assert_eq!(rewrite("#^/#/R/#,!//!/!", "/etc/x"), "/R/etc/x");
        // A separator inside the text ends the part: "b" is read as the
        // end of the options and the rest is left over.
        assert!(parse("/^/a//b/").unwrap_err().contains("ignore \"/\""));
    }

    #[test]
    fn newline_in_a_name_is_a_line_end_as_regcomp_is_told() {
        assert_eq!(rewrite("!^x!/y!", "/a\nx"), "/a\n/y");
        assert_eq!(rewrite("!a.b!Z!", "/a\nb"), "/a\nb");
    }

    #[test]
    fn what_the_file_daemon_would_drop_or_fail_is_refused() {
        let err = |t: &str| parse(t).unwrap_err();
        assert!(err("!abc").contains("Bad where regexp"));
        assert!(err("!a!b").contains("Bad where regexp"));
        assert!(err("!a(!b!").contains("regexwhere"));
        assert!(err("!a!b!,!c(!d!").contains("ignore \"!c(!d!\""));
        assert!(err("!a!b!x").contains("unknown option 'x'"));
        assert!(err("!(a*)*\\1!b!").contains("back reference"));
        assert!(err(&format!("!{}!b!", "a".repeat(MAX_TEXT))).contains("longer than"));
        // A trailing comma is read as the end.
        assert_eq!(parts("!a!b!,").len(), 1);
        // \\ stays as two bytes: a literal backslash for regcomp.
        assert_eq!(rewrite(r"!\\x!y!", r"/a\x"), "/ay");
    }

    #[test]
    fn a_free_separator_is_one_the_texts_do_not_hold() {
        assert_eq!(free_separator(&["/srv"]), Some(b'!'));
        assert_eq!(free_separator(&["/a!b"]), Some(b':'));
        assert_eq!(free_separator(&["/a!b:;|&%=~<#"]), None);
        assert_eq!(free_separator(&["/a!b", "/c:"]), Some(b';'));
        assert_eq!(free_separator(&["!:;|&%=~/<#"]), None);
    }
}
