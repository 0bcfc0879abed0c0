//! The restore file tree of bconsole's interactive selection (Bacula's
//! lib/tree.c and the marks of dird/ua_tree.c): one node for each name
//! of the chosen backups' files, one for each directory above them that
//! has no record of its own (Bacula's TN_NEWDIR), children in name order,
//! a current directory, and the two marks Bacula keeps: `extract` (the
//! node is restored) and `extract_dir` (a directory restored for what is
//! marked under it). Memory is the names once, plus a few words a node.

use std::collections::HashMap;

/// One file or directory of the tree.
#[derive(Debug, Clone)]
pub struct Node {
    /// Its name in its directory (empty for the root).
    pub name: String,
    parent: usize,
    children: Vec<usize>,
    /// The position of its record among the files the tree was built
    /// from; None for a directory only named by the paths below it.
    pub item: Option<usize>,
    /// A directory: a record without a file name, or a directory above
    /// the records.
    dir: bool,
    size: i64,
    pub extract: bool,
    pub extract_dir: bool,
}

/// The tree and where the console is in it.
#[derive(Debug)]
pub struct Tree {
    nodes: Vec<Node>,
    cwd: usize,
}

/// One entry of a directory listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The name, with a `/` after a node that has children.
    pub name: String,
    /// `*` marked, `+` a directory restored for what is marked under it,
    /// `` neither (ua_tree.c lscmd).
    pub tag: &'static str,
    pub item: Option<usize>,
    pub size: i64,
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
    /// A tree of `(full name, size)`, directories' names ending in `/`;
    /// a node's `item` is its position here. Nothing marked, at `/`.
    pub fn new<S: AsRef<str>>(files: impl IntoIterator<Item = (S, i64)>) -> Tree {
        let mut nodes = vec![Node {
            name: String::new(),
            parent: 0,
            children: Vec::new(),
            item: None,
            dir: true,
            size: 0,
            extract: false,
            extract_dir: false,
        }];
        // (parent, name) to node, while the tree is built only.
        let mut index: HashMap<(usize, String), usize> = HashMap::new();
        for (i, (full, size)) in files.into_iter().enumerate() {
            let full = full.as_ref();
            let is_dir = full.ends_with('/');
            let parts: Vec<&str> = full.split('/').filter(|p| !p.is_empty()).collect();
            let mut at = 0;
            for (k, part) in parts.iter().enumerate() {
                let key = (at, part.to_string());
                at = match index.get(&key) {
                    Some(&n) => n,
                    None => {
                        let n = nodes.len();
                        nodes.push(Node {
                            name: key.1.clone(),
                            parent: at,
                            children: Vec::new(),
                            item: None,
                            dir: k + 1 < parts.len() || is_dir,
                            size: 0,
                            extract: false,
                            extract_dir: false,
                        });
                        nodes[at].children.push(n);
                        index.insert(key, n);
                        n
                    }
                };
            }
            let n = &mut nodes[at];
            n.item = Some(i);
            n.size = size;
            n.dir = is_dir || at == 0;
        }
        drop(index);
        // Bacula keeps children in strcmp order (tree.c node_compare).
        for i in 0..nodes.len() {
            let mut kids = std::mem::take(&mut nodes[i].children);
            kids.sort_by(|a, b| nodes[*a].name.as_bytes().cmp(nodes[*b].name.as_bytes()));
            nodes[i].children = kids;
        }
        Tree { nodes, cwd: 0 }
    }

    /// Marks every record, as `restore ... all` builds the tree
    /// (ua_tree.c insert_tree_handler with tree->all).
    pub fn mark_all(&mut self) {
        for n in self.nodes.iter_mut().filter(|n| n.item.is_some()) {
            n.extract = true;
            n.extract_dir = n.dir;
        }
    }

    /// The full name of node `n` (tree.c tree_getpath): directories end
    /// in `/`.
    fn path(&self, n: usize) -> String {
        let mut parts = Vec::new();
        let mut at = n;
        while at != 0 {
            parts.push(self.nodes[at].name.as_str());
            at = self.nodes[at].parent;
        }
        parts.reverse();
        let mut p = format!("/{}", parts.join("/"));
        if n != 0 && self.nodes[n].dir {
            p.push('/');
        }
        p
    }

    pub fn cwd(&self) -> String {
        self.path(self.cwd)
    }

    /// The first child of `of` named `name`, or whose name it matches as
    /// a pattern (tree.c tree_relcwd tries both on each child in turn).
    fn child(&self, of: usize, name: &str) -> Option<usize> {
        let pattern = Pattern::new(name).ok();
        self.nodes[of].children.iter().copied().find(|&c| {
            let n = &self.nodes[c];
            n.name == name
                || pattern
                    .as_ref()
                    .is_some_and(|p| p.matches(n.name.as_bytes()))
        })
    }

    /// The directory `arg` names from the current one (tree.c tree_cwd):
    /// `/` starts at the root, `.` stays, `..` goes up; a file is no
    /// directory.
    fn lookup(&self, arg: &str) -> Option<usize> {
        let mut at = if arg.starts_with('/') { 0 } else { self.cwd };
        for part in arg.split('/').filter(|p| !p.is_empty() && *p != ".") {
            at = match part {
                ".." => self.nodes[at].parent,
                name => self.child(at, name)?,
            };
            let n = &self.nodes[at];
            if !n.dir && n.children.is_empty() {
                return None;
            }
        }
        Some(at)
    }

    /// `cd`: false when there is no such directory.
    pub fn cd(&mut self, arg: &str) -> bool {
        match self.lookup(arg) {
            Some(n) => {
                self.cwd = n;
                true
            }
            None => false,
        }
    }

    /// Whether the current directory has anything in it.
    pub fn cwd_has_children(&self) -> bool {
        !self.nodes[self.cwd].children.is_empty()
    }

    fn tag(&self, n: usize) -> &'static str {
        match (self.nodes[n].extract, self.nodes[n].extract_dir) {
            (true, _) => "*",
            (false, true) => "+",
            _ => "",
        }
    }

    fn entry(&self, n: usize) -> Entry {
        let node = &self.nodes[n];
        Entry {
            name: match node.children.is_empty() {
                true => node.name.clone(),
                false => format!("{}/", node.name),
            },
            tag: self.tag(n),
            item: node.item,
            size: node.size,
        }
    }

    /// The current directory's entries whose name `pattern` matches (all
    /// without one), in name order.
    pub fn entries(&self, pattern: Option<&Pattern>) -> Vec<Entry> {
        self.nodes[self.cwd]
            .children
            .iter()
            .filter(|&&c| pattern.map_or(true, |p| p.matches(self.nodes[c].name.as_bytes())))
            .map(|&c| self.entry(c))
            .collect()
    }

    /// The full name and listing entry of each entry of the current
    /// directory `pattern` matches (for `dir`).
    pub fn entries_with_paths(&self, pattern: Option<&Pattern>) -> Vec<(String, Entry)> {
        self.nodes[self.cwd]
            .children
            .iter()
            .filter(|&&c| pattern.map_or(true, |p| p.matches(self.nodes[c].name.as_bytes())))
            .map(|&c| (self.path(c), self.entry(c)))
            .collect()
    }

    /// Sets or clears `extract` on `n` and everything under it, and on
    /// the way up the directories above a marked directory's
    /// `extract_dir` (ua_tree.c set_extract); how many records it set.
    fn set_extract(&mut self, n: usize, on: bool) -> usize {
        let mut count = 0;
        let mut stack = vec![n];
        while let Some(x) = stack.pop() {
            let node = &mut self.nodes[x];
            node.extract = on;
            if node.dir {
                node.extract_dir = on;
                stack.extend(node.children.iter().copied());
            }
            if node.item.is_some() {
                count += 1;
            }
        }
        if on && self.nodes[n].dir {
            let mut at = n;
            while at != 0 && !self.nodes[self.nodes[at].parent].extract_dir {
                at = self.nodes[at].parent;
                self.nodes[at].extract_dir = true;
            }
        }
        count
    }

    /// `mark`/`unmark`: what `pattern` matches among the current
    /// directory's entries (a trailing `/` dropped), everything under a
    /// directory included; how many records that counts, as bacula-dir
    /// counts them (those already marked too). A pattern with a `/` in
    /// it matches in the directory its leading part names.
    pub fn mark(&mut self, pattern: &str, on: bool) -> Result<usize, String> {
        let text = pattern.strip_suffix('/').unwrap_or(pattern);
        let (dir, last) = match text.rsplit_once('/') {
            Some((d, l)) => (self.lookup(if d.is_empty() { "/" } else { d }), l),
            None => (Some(self.cwd), text),
        };
        let pat = Pattern::new(last)?;
        let Some(dir) = dir else {
            return Ok(0);
        };
        let hits: Vec<usize> = self.nodes[dir]
            .children
            .iter()
            .copied()
            .filter(|&c| pat.matches(self.nodes[c].name.as_bytes()))
            .collect();
        Ok(hits.into_iter().map(|c| self.set_extract(c, on)).sum())
    }

    /// `markdir`/`unmarkdir`: sets or clears `extract_dir` on the
    /// directories among the current directory's entries that `pattern`
    /// matches, nothing under them; how many.
    pub fn mark_dirs(&mut self, pattern: &str, on: bool) -> Result<usize, String> {
        let pat = Pattern::new(pattern.strip_suffix('/').unwrap_or(pattern))?;
        let hits: Vec<usize> = self.nodes[self.cwd]
            .children
            .iter()
            .copied()
            .filter(|&c| self.nodes[c].dir && pat.matches(self.nodes[c].name.as_bytes()))
            .collect();
        for &c in &hits {
            self.nodes[c].extract_dir = on;
        }
        Ok(hits.len())
    }

    /// `estimate`: (records, records marked, bytes of the marked files).
    pub fn estimate(&self) -> (usize, usize, i64) {
        let (mut total, mut marked, mut bytes) = (0, 0, 0);
        for n in self.nodes.iter().filter(|n| n.item.is_some()) {
            total += 1;
            if n.extract && !n.dir {
                marked += 1;
                bytes += n.size.max(0);
            } else if n.extract || n.extract_dir {
                marked += 1;
            }
        }
        (total, marked, bytes)
    }

    /// `count`: (records, records marked either way).
    pub fn count(&self) -> (usize, usize) {
        let records = self.nodes.iter().filter(|n| n.item.is_some());
        let marked = records.clone().filter(|n| n.extract || n.extract_dir);
        (records.count(), marked.count())
    }

    /// The nodes in Bacula's walk order (parents before their children,
    /// children in name order), the root left out.
    fn walk(&self) -> Vec<usize> {
        let mut order = Vec::with_capacity(self.nodes.len());
        let mut stack: Vec<usize> = self.nodes[0].children.iter().rev().copied().collect();
        while let Some(n) = stack.pop() {
            order.push(n);
            stack.extend(self.nodes[n].children.iter().rev().copied());
        }
        order
    }

    /// `find`: the tag and full name of every node whose name `pattern`
    /// matches, anywhere in the tree.
    pub fn find(&self, pattern: &Pattern) -> Vec<String> {
        self.walk()
            .into_iter()
            .filter(|&n| pattern.matches(self.nodes[n].name.as_bytes()))
            .map(|n| format!("{}{}", self.tag(n), self.path(n)))
            .collect()
    }

    /// `lsmark`: the marked entries in and below the current directory,
    /// each level indented by two more spaces (ua_tree.c rlsmark, which
    /// stops indenting at 100 levels); `pattern` filters every level.
    pub fn lsmark(&self, pattern: Option<&Pattern>) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack: Vec<(usize, usize)> = self.nodes[self.cwd]
            .children
            .iter()
            .rev()
            .map(|&c| (c, 0))
            .collect();
        while let Some((n, level)) = stack.pop() {
            let node = &self.nodes[n];
            let wanted = pattern.map_or(true, |p| p.matches(node.name.as_bytes()));
            if !wanted || !(node.extract || node.extract_dir) {
                continue;
            }
            let e = self.entry(n);
            out.push(format!(
                "{}{}{}",
                "  ".repeat(level.min(100)),
                e.tag,
                e.name
            ));
            stack.extend(node.children.iter().rev().map(|&c| (c, level + 1)));
        }
        out
    }

    /// The records to restore: those marked either way (ua_restore.c
    /// build_directory_tree adds each node with extract or extract_dir).
    pub fn selected(&self) -> Vec<usize> {
        let mut items: Vec<usize> = self
            .nodes
            .iter()
            .filter(|n| n.extract || n.extract_dir)
            .filter_map(|n| n.item)
            .collect();
        items.sort_unstable();
        items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Tree {
        Tree::new([
            ("/srv/", 0),
            ("/srv/a.txt", 10),
            ("/srv/b.log", 20),
            ("/srv/sub/", 0),
            ("/srv/sub/c.txt", 30),
        ])
    }

    fn names(t: &Tree, p: Option<&Pattern>) -> Vec<String> {
        t.entries(p)
            .into_iter()
            .map(|e| format!("{}{}", e.tag, e.name))
            .collect()
    }

    #[test]
    fn cd_and_ls_walk_the_tree() {
        let mut t = tree();
        assert_eq!(names(&t, None), ["srv/"]);
        assert!(t.cd("srv"));
        assert_eq!(t.cwd(), "/srv/");
        assert_eq!(names(&t, None), ["a.txt", "b.log", "sub/"]);
        let txt = Pattern::new("*.txt").unwrap();
        assert_eq!(names(&t, Some(&txt)), ["a.txt"]);
        assert!(t.cd("sub") && t.cd(".."));
        assert!(!t.cd("nowhere") && !t.cd("a.txt"));
        assert!(t.cd("/srv/sub/"));
        assert_eq!(t.cwd(), "/srv/sub/");
    }

    #[test]
    fn marks_take_patterns_and_whole_directories() {
        let mut t = tree();
        t.cd("/srv");
        assert_eq!(t.mark("*.txt", true), Ok(1));
        assert_eq!(t.mark("sub/", true), Ok(2));
        assert_eq!(t.estimate(), (5, 4, 40));
        assert_eq!(names(&t, None), ["*a.txt", "b.log", "*sub/"]);
        t.cd("/");
        // The directory above a marked one is restored for it.
        assert_eq!(names(&t, None), ["+srv/"]);
        assert_eq!(
            t.lsmark(None),
            ["+srv/", "  *a.txt", "  *sub/", "    *c.txt"]
        );
        assert_eq!(t.count(), (5, 4));
        assert_eq!(t.selected(), [0, 1, 3, 4]);
        t.cd("/srv");
        assert_eq!(t.mark("*", false), Ok(4));
        assert_eq!(t.mark("sub/c.txt", true), Ok(1));
        assert_eq!(t.selected(), [0, 4]);
        let c = Pattern::new("c*").unwrap();
        assert_eq!(t.find(&c), ["*/srv/sub/c.txt"]);
    }

    #[test]
    fn all_marks_every_record_and_not_the_directories_above_them() {
        let mut t = Tree::new([("/top/data/", 0), ("/top/data/f", 3)]);
        t.mark_all();
        assert_eq!(names(&t, None), ["top/"]);
        assert_eq!(t.count(), (2, 2));
        assert_eq!(t.estimate(), (2, 2, 3));
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
