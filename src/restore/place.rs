//! Where restored files go: `where=` (a folder the backed-up paths go
//! under), or `regexwhere=` (Bacula's `!search!replace!options` rewrites,
//! comma-separated; `strip_prefix=`, `add_prefix=` and `add_suffix=` are
//! turned into them as Bacula does). Before a restore starts, every file's
//! destination is computed here and the restore is refused when one would
//! land outside the restore root or names `..`.

use regex::Regex;

/// One `!search!replace!options` rewrite.
#[derive(Debug, Clone)]
struct Rewrite {
    search: Regex,
    replace: String,
    global: bool,
}

/// How destinations are computed.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// `where=`: a folder the original paths go under.
    pub where_: Option<String>,
    /// `regexwhere=` as the file daemon is given it.
    pub regexwhere: Option<String>,
    rewrites: Vec<Rewrite>,
    /// Where every file must stay: `where`, else `add_prefix`.
    root: Option<String>,
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

/// `text` with the separator and the regex specials escaped, for a
/// literal prefix in a rewrite.
fn escape(text: &str, sep: char) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c == sep || "\\.^$|?*+()[]{}".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Bacula writes back-references as `$1` or `\1`; the regex crate
/// wants `${1}`.
fn backrefs(replace: &str) -> String {
    let mut out = String::new();
    let mut chars = replace.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('$' | '\\', Some(d)) if d.is_ascii_digit() => {
                out.push_str(&format!("${{{d}}}"));
                chars.next();
            }
            ('$', _) => out.push_str("$$"),
            _ => out.push(c),
        }
    }
    out
}

/// Parses `!a!b!,!c!d!i`: each rewrite starts with its separator.
fn parse_rewrites(text: &str) -> Result<Vec<Rewrite>, String> {
    let bad = |why: &str| format!("regexwhere \"{text}\": {why}");
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(sep) = chars.next() {
        let part = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
            let mut s = String::new();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    if let Some(&n) = chars.peek() {
                        if n == sep {
                            s.push(n);
                            chars.next();
                            continue;
                        }
                    }
                    s.push(c);
                } else if c == sep {
                    return Some(s);
                } else {
                    s.push(c);
                }
            }
            None
        };
        let search = part(&mut chars).ok_or_else(|| bad("the search is not closed"))?;
        let replace = part(&mut chars).ok_or_else(|| bad("the replacement is not closed"))?;
        let mut options = String::new();
        while let Some(&c) = chars.peek() {
            chars.next();
            if c == ',' {
                break;
            }
            options.push(c);
        }
        let mut pattern = search;
        if options.contains('i') {
            pattern = format!("(?i){pattern}");
        }
        let search = Regex::new(&pattern).map_err(|e| bad(&e.to_string()))?;
        let replace = backrefs(&replace);
        out.push(Rewrite {
            search,
            replace,
            global: options.contains('g'),
        });
    }
    Ok(out)
}

fn clean(p: &str) -> String {
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        "/".to_string()
    } else {
        trimmed.to_string()
    }
}

impl Placement {
    pub fn new(a: &PlaceArgs<'_>) -> Result<Placement, String> {
        let nonempty = |v: Option<&str>| v.filter(|s| !s.is_empty()).map(str::to_string);
        let mut p = Placement::default();
        if a.strip_prefix.is_some() || a.add_prefix.is_some() || a.add_suffix.is_some() {
            let mut parts = Vec::new();
            if let Some(s) = nonempty(a.strip_prefix) {
                parts.push(format!("!^{}!!", escape(&s, '!')));
            }
            if let Some(s) = nonempty(a.add_suffix) {
                parts.push(format!("!([^/])$!$1{}!", escape(&s, '!')));
            }
            if let Some(s) = nonempty(a.add_prefix) {
                parts.push(format!("!^!{}!", s.replace('!', "\\!")));
                p.root = Some(clean(&s));
            }
            p.regexwhere = Some(parts.join(","));
        } else if let Some(r) = nonempty(a.regexwhere) {
            p.regexwhere = Some(r);
        }
        if let Some(r) = &p.regexwhere {
            p.rewrites = parse_rewrites(r)?;
        }
        if let Some(w) = nonempty(a.where_) {
            if !w.starts_with('/') {
                return Err(format!("where=\"{w}\" must be an absolute path"));
            }
            if w.split('/').any(|c| c == "..") {
                return Err(format!("where=\"{w}\" must not name \"..\""));
            }
            p.root = Some(clean(&w));
            p.where_ = Some(w);
        }
        Ok(p)
    }

    /// Where the file daemon will write `original`.
    pub fn destination(&self, original: &str) -> String {
        if !self.rewrites.is_empty() {
            let mut s = original.to_string();
            for r in &self.rewrites {
                s = if r.global {
                    r.search.replace_all(&s, r.replace.as_str()).into_owned()
                } else {
                    r.search.replace(&s, r.replace.as_str()).into_owned()
                };
            }
            return s;
        }
        match self.where_.as_deref().map(clean) {
            Some(w) if w != "/" => format!("{w}{original}"),
            _ => original.to_string(),
        }
    }

    /// Why `original` may not be restored here, if it may not: a `..` in
    /// its name or destination, a destination that is not absolute, or
    /// one outside the restore root.
    pub fn refuse(&self, original: &str) -> Option<String> {
        if original.split('/').any(|c| c == "..") {
            return Some(format!("\"{original}\" names \"..\""));
        }
        let dest = self.destination(original);
        if dest.split('/').any(|c| c == "..") {
            return Some(format!(
                "\"{original}\" would be restored as \"{dest}\", which names \"..\""
            ));
        }
        if !dest.starts_with('/') {
            return Some(format!(
                "\"{original}\" would be restored as \"{dest}\", which is not an absolute path"
            ));
        }
        if let Some(root) = &self.root {
            let inside = root == "/" || dest == *root || dest.starts_with(&format!("{root}/"));
            if !inside {
                return Some(format!(
                    "\"{original}\" would be restored as \"{dest}\", outside the restore root {root}"
                ));
            }
        }
        None
    }

    /// How the file daemon's `restore` command places files.
    pub fn fd_words(&self) -> String {
        match (&self.regexwhere, &self.where_) {
            (Some(r), _) => format!("regexwhere={r}"),
            (None, Some(w)) => format!("where={w}"),
            (None, None) => "where=".to_string(),
        }
    }

    /// The report's `Where:` line.
    pub fn shown(&self) -> String {
        self.regexwhere
            .clone()
            .or_else(|| self.where_.clone())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(a: PlaceArgs<'_>) -> Placement {
        Placement::new(&a).unwrap()
    }

    #[test]
    fn where_puts_files_under_it() {
        let p = place(PlaceArgs {
            where_: Some("/tmp/restore"),
            ..PlaceArgs::default()
        });
        assert_eq!(p.destination("/srv/a.txt"), "/tmp/restore/srv/a.txt");
        assert_eq!(p.refuse("/srv/a.txt"), None);
        assert!(p
            .refuse("/srv/../../etc/passwd")
            .unwrap()
            .contains("\"..\""));
        assert_eq!(p.fd_words(), "where=/tmp/restore");
    }

    #[test]
    fn prefixes_become_rewrites() {
        let p = place(PlaceArgs {
            strip_prefix: Some("/srv/data"),
            add_prefix: Some("/tmp/r"),
            ..PlaceArgs::default()
        });
        assert_eq!(p.destination("/srv/data/x/y.txt"), "/tmp/r/x/y.txt");
        assert_eq!(p.fd_words(), "regexwhere=!^/srv/data!!,!^!/tmp/r!");
        assert_eq!(p.refuse("/srv/data/x/y.txt"), None);
    }

    #[test]
    fn a_rewrite_that_leaves_the_root_is_refused() {
        let p = place(PlaceArgs {
            where_: Some("/tmp/r"),
            regexwhere: Some("!^/srv!/etc!"),
            ..PlaceArgs::default()
        });
        assert_eq!(p.destination("/srv/passwd"), "/etc/passwd");
        assert!(p
            .refuse("/srv/passwd")
            .unwrap()
            .contains("outside the restore root /tmp/r"));
        let p = place(PlaceArgs {
            regexwhere: Some("!^/srv/!!"),
            ..PlaceArgs::default()
        });
        assert!(p
            .refuse("/srv/passwd")
            .unwrap()
            .contains("not an absolute path"));
        let p = place(PlaceArgs {
            regexwhere: Some("!a(b)c!x$1y!g,!^/!/tmp/!"),
            ..PlaceArgs::default()
        });
        assert_eq!(p.destination("/abc/abc"), "/tmp/xby/xby");
    }

    #[test]
    fn bad_arguments_are_refused_with_the_reason() {
        let err = |a: PlaceArgs<'_>| Placement::new(&a).unwrap_err();
        assert!(err(PlaceArgs {
            where_: Some("relative"),
            ..PlaceArgs::default()
        })
        .contains("absolute"));
        assert!(err(PlaceArgs {
            regexwhere: Some("!abc"),
            ..PlaceArgs::default()
        })
        .contains("not closed"));
        assert!(err(PlaceArgs {
            regexwhere: Some("!a(!b!"),
            ..PlaceArgs::default()
        })
        .contains("regexwhere"));
    }
}
