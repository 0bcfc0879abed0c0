//! The restore file tree of bconsole's interactive selection: the chosen
//! backups' files as directories and names, a current directory, and marks.
//! `cd`, `ls`, `dir`, `mark`, `unmark`, `lsmark`, `estimate` and `pwd` work
//! on it as in bacula-dir.

use std::collections::BTreeSet;

/// One file or directory of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// The full name; directories end in `/`.
    pub name: String,
    pub size: i64,
    pub marked: bool,
}

/// The tree and where the console is in it.
#[derive(Debug)]
pub struct Tree {
    pub nodes: Vec<Node>,
    cwd: String,
    dirs: BTreeSet<String>,
}

/// Longest pattern `mark`, `unmark`, `ls` and `dir` take (after runs of
/// `*` are folded into one): matching costs at most its length times
/// the name's.
pub const MAX_PATTERN: usize = 1024;

/// A shell pattern, checked once: runs of `*` folded, length bounded.
#[derive(Debug, Clone)]
pub struct Pattern(Vec<u8>);

impl Pattern {
    pub fn new(text: &str) -> Result<Pattern, String> {
        let mut p = Vec::with_capacity(text.len().min(MAX_PATTERN + 1));
        let (mut quoted, mut after_star) = (false, false);
        for &b in text.as_bytes() {
            let star = b == b'*' && !quoted;
            if !(star && after_star) {
                p.push(b);
                if p.len() > MAX_PATTERN {
                    return Err(format!("Pattern longer than {MAX_PATTERN} characters."));
                }
            }
            after_star = star;
            quoted = b == b'\\' && !quoted;
        }
        Ok(Pattern(p))
    }

    /// fnmatch(pattern, name, 0), as bacula-dir's tree commands use it:
    /// `*`, `?`, `[...]` (with `!` or `^`, ranges), `\` quoting the next
    /// character; `/` and a leading `.` are not special. Iterative: on a
    /// mismatch only the last `*` takes one more byte, so the time is at
    /// most the pattern's length times the name's and the stack is flat.
    pub fn matches(&self, name: &[u8]) -> bool {
        let pat = &self.0;
        let (mut p, mut n) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while n < name.len() {
            if p < pat.len() && pat[p] == b'*' {
                star = Some((p + 1, n));
                p += 1;
                continue;
            }
            if let Some(len) = self.single(p, name[n]) {
                p += len;
                n += 1;
                continue;
            }
            match star {
                Some((sp, sn)) => {
                    p = sp;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            }
        }
        pat[p..].iter().all(|&b| b == b'*')
    }

    /// How many pattern bytes at `p` match the one byte `c`, if they do.
    fn single(&self, p: usize, c: u8) -> Option<usize> {
        let pat = &self.0;
        match *pat.get(p)? {
            b'?' => Some(1),
            b'[' => match self.class(p, c) {
                Some((hit, len)) => hit.then_some(len),
                // An unclosed `[` is an ordinary character.
                None => (c == b'[').then_some(1),
            },
            b'\\' if p + 1 < pat.len() => (pat[p + 1] == c).then_some(2),
            b => (b == c).then_some(1),
        }
    }

    /// A bracket expression at `p`: whether `c` is in it and its length,
    /// or None when it is not closed.
    fn class(&self, p: usize, c: u8) -> Option<(bool, usize)> {
        let pat = &self.0;
        let mut i = p + 1;
        let negate = matches!(pat.get(i), Some(b'!' | b'^'));
        if negate {
            i += 1;
        }
        let mut hit = false;
        let mut first = true;
        loop {
            let mut lo = *pat.get(i)?;
            if lo == b']' && !first {
                return Some((hit != negate, i + 1 - p));
            }
            first = false;
            if lo == b'\\' {
                i += 1;
                lo = *pat.get(i)?;
            }
            let mut hi = lo;
            if pat.get(i + 1) == Some(&b'-') && pat.get(i + 2).is_some_and(|&b| b != b']') {
                i += 2;
                hi = pat[i];
                if hi == b'\\' {
                    i += 1;
                    hi = *pat.get(i)?;
                }
            }
            if lo <= c && c <= hi {
                hit = true;
            }
            i += 1;
        }
    }
}

impl Tree {
    /// A tree of `(full name, size)`; nothing marked, at `/`.
    pub fn new(files: impl IntoIterator<Item = (String, i64)>) -> Tree {
        let nodes: Vec<Node> = files
            .into_iter()
            .map(|(name, size)| Node {
                name,
                size,
                marked: false,
            })
            .collect();
        let mut dirs = BTreeSet::new();
        dirs.insert("/".to_string());
        for n in &nodes {
            let mut end = 0;
            while let Some(i) = n.name[end + 1..].find('/') {
                end += i + 1;
                dirs.insert(n.name[..=end].to_string());
            }
        }
        Tree {
            nodes,
            cwd: "/".into(),
            dirs,
        }
    }

    pub fn cwd(&self) -> &str {
        &self.cwd
    }

    /// The directory `arg` names from the current one.
    fn resolve(&self, arg: &str) -> String {
        let mut parts: Vec<&str> = if arg.starts_with('/') {
            Vec::new()
        } else {
            self.cwd.split('/').filter(|p| !p.is_empty()).collect()
        };
        for p in arg.split('/').filter(|p| !p.is_empty() && *p != ".") {
            if p == ".." {
                parts.pop();
            } else {
                parts.push(p);
            }
        }
        if parts.is_empty() {
            "/".into()
        } else {
            format!("/{}/", parts.join("/"))
        }
    }

    /// `cd`: false when there is no such directory.
    pub fn cd(&mut self, arg: &str) -> bool {
        let target = self.resolve(arg);
        if self.dirs.contains(&target) {
            self.cwd = target;
            true
        } else {
            false
        }
    }

    /// The current directory's entries whose name `pattern` matches (all
    /// without one): (name shown, marked, size); directories end in `/`.
    pub fn entries(&self, pattern: Option<&Pattern>) -> Vec<(String, bool, i64)> {
        let mut out: Vec<(String, bool, i64)> = Vec::new();
        for d in self.dirs.iter() {
            if let Some(rest) = d.strip_prefix(&self.cwd) {
                if !rest.is_empty() && rest.matches('/').count() == 1 {
                    let marked = self
                        .nodes
                        .iter()
                        .any(|n| n.marked && n.name.starts_with(d.as_str()));
                    out.push((rest.to_string(), marked, 0));
                }
            }
        }
        for n in &self.nodes {
            if let Some(rest) = n.name.strip_prefix(&self.cwd) {
                if !rest.is_empty() && !rest.contains('/') {
                    out.push((rest.to_string(), n.marked, n.size));
                }
            }
        }
        if let Some(p) = pattern {
            out.retain(|(name, _, _)| p.matches(name.trim_end_matches('/').as_bytes()));
        }
        out.sort();
        out
    }

    /// Marks (or unmarks) what `pattern` matches in the current directory,
    /// everything under a matching directory included; how many changed.
    pub fn mark(&mut self, pattern: &str, on: bool) -> Result<usize, String> {
        let base = if pattern.starts_with('/') {
            "/".to_string()
        } else {
            self.cwd.clone()
        };
        let text = pattern.trim_start_matches('/').trim_end_matches('/');
        let pat = Pattern::new(text)?;
        let multi = text.contains('/');
        let below = format!("{text}/");
        // Names in a directory repeat across the nodes under it: each
        // distinct first component is matched once.
        let mut seen: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
        let mut changed = 0;
        for n in &mut self.nodes {
            let Some(rest) = n.name.strip_prefix(&base) else {
                continue;
            };
            if rest.is_empty() {
                continue;
            }
            // A multi-level pattern matches the whole relative name.
            let hit = if multi {
                pat.matches(rest.trim_end_matches('/').as_bytes()) || rest.starts_with(&below)
            } else {
                let first = rest.split('/').next().unwrap_or("");
                match seen.get(first) {
                    Some(&hit) => hit,
                    None => {
                        let hit = pat.matches(first.as_bytes());
                        seen.insert(first.to_string(), hit);
                        hit
                    }
                }
            };
            if hit && n.marked != on {
                n.marked = on;
                changed += 1;
            }
        }
        Ok(changed)
    }

    /// (files in the tree, files marked, bytes marked).
    pub fn estimate(&self) -> (usize, usize, i64) {
        let marked: Vec<&Node> = self.nodes.iter().filter(|n| n.marked).collect();
        (
            self.nodes.len(),
            marked.len(),
            marked.iter().map(|n| n.size).sum(),
        )
    }

    /// The marked full names under the current directory.
    pub fn marked_here(&self) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|n| n.marked && n.name.starts_with(&self.cwd))
            .map(|n| n.name.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Tree {
        Tree::new(
            [
                ("/srv/", 0),
                ("/srv/a.txt", 10),
                ("/srv/b.log", 20),
                ("/srv/sub/", 0),
                ("/srv/sub/c.txt", 30),
            ]
            .map(|(n, s)| (n.to_string(), s)),
        )
    }

    #[test]
    fn cd_and_ls_walk_the_tree() {
        let mut t = tree();
        assert_eq!(t.entries(None), [("srv/".to_string(), false, 0)]);
        assert!(t.cd("srv"));
        assert_eq!(t.cwd(), "/srv/");
        let names: Vec<String> = t.entries(None).into_iter().map(|e| e.0).collect();
        assert_eq!(names, ["a.txt", "b.log", "sub/"]);
        let txt = Pattern::new("*.txt").unwrap();
        let names: Vec<String> = t.entries(Some(&txt)).into_iter().map(|e| e.0).collect();
        assert_eq!(names, ["a.txt"]);
        assert!(t.cd("sub") && t.cd(".."));
        assert!(!t.cd("nowhere"));
        assert!(t.cd("/srv/sub/"));
    }

    #[test]
    fn marks_take_patterns_and_whole_directories() {
        let mut t = tree();
        t.cd("/srv");
        assert_eq!(t.mark("*.txt", true), Ok(1));
        assert_eq!(t.mark("sub", true), Ok(2));
        assert_eq!(t.estimate(), (5, 3, 40));
        assert_eq!(t.mark("*", false), Ok(3));
        assert_eq!(t.mark("sub/c.txt", true), Ok(1));
        assert_eq!(t.marked_here(), ["/srv/sub/c.txt"]);
    }

    fn m(pat: &str, name: &str) -> bool {
        Pattern::new(pat).unwrap().matches(name.as_bytes())
    }

    #[test]
    fn patterns_follow_fnmatch() {
        assert!(m("*", "") && m("*", "abc") && m("a*c", "abbbc") && !m("a*c", "abcd"));
        assert!(m("?b?", "abc") && !m("?", "") && !m("??", "a"));
        assert!(m("[abc]x", "bx") && !m("[!abc]x", "bx") && m("[^abc]x", "dx"));
        assert!(m("[a-c]", "b") && !m("[a-c]", "d") && m("[]]", "]") && m("[a-]", "-"));
        assert!(m("[", "[") && m("x[y", "x[y"));
        assert!(m("\\*", "*") && !m("\\*", "a") && m("a\\?", "a?"));
        assert!(m("\\**", "*x") && !m("\\**", "x"));
        assert!(m("*.txt", ".hidden.txt") && m("a*", "a/b"));
    }

    #[test]
    fn hostile_patterns_are_bounded_and_answer() {
        // 200,000 stars fold into one.
        assert!(m(&"*".repeat(200_000), "anything"));
        let long_name = "a".repeat(4000);
        let p = format!("{}b", "*a".repeat(500));
        assert!(!m(&p, &long_name));
        assert!(m(&p, &format!("{long_name}b")));
        let err = Pattern::new(&"ab".repeat(MAX_PATTERN)).unwrap_err();
        assert!(err.contains("Pattern longer than"), "{err}");
        let mut t = tree();
        assert!(t.mark(&"x".repeat(MAX_PATTERN + 1), true).is_err());
        assert_eq!(t.estimate().1, 0);
    }
}
