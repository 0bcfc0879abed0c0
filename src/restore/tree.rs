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

/// Whether `name` matches the shell pattern `pat` (`*`, `?`).
fn glob(pat: &[u8], name: &[u8]) -> bool {
    match (pat.first(), name.first()) {
        (None, None) => true,
        (Some(b'*'), _) => glob(&pat[1..], name) || (!name.is_empty() && glob(pat, &name[1..])),
        (Some(b'?'), Some(_)) => glob(&pat[1..], &name[1..]),
        (Some(p), Some(n)) if p == n => glob(&pat[1..], &name[1..]),
        _ => false,
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

    /// The current directory's entries: (name shown, marked, size);
    /// directories end in `/`.
    pub fn entries(&self) -> Vec<(String, bool, i64)> {
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
        out.sort();
        out
    }

    /// Marks (or unmarks) what `pattern` matches in the current directory,
    /// everything under a matching directory included; how many changed.
    pub fn mark(&mut self, pattern: &str, on: bool) -> usize {
        let base = if pattern.starts_with('/') {
            "/".to_string()
        } else {
            self.cwd.clone()
        };
        let pat = pattern.trim_start_matches('/').trim_end_matches('/');
        let mut changed = 0;
        for n in &mut self.nodes {
            let Some(rest) = n.name.strip_prefix(&base) else {
                continue;
            };
            if rest.is_empty() {
                continue;
            }
            let first = rest.split('/').next().unwrap_or("");
            // A multi-level pattern matches the whole relative name.
            let hit = if pat.contains('/') {
                glob(pat.as_bytes(), rest.trim_end_matches('/').as_bytes())
                    || rest.starts_with(&format!("{pat}/"))
            } else {
                glob(pat.as_bytes(), first.as_bytes())
            };
            if hit && n.marked != on {
                n.marked = on;
                changed += 1;
            }
        }
        changed
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
        assert_eq!(t.entries(), [("srv/".to_string(), false, 0)]);
        assert!(t.cd("srv"));
        assert_eq!(t.cwd(), "/srv/");
        let names: Vec<String> = t.entries().into_iter().map(|e| e.0).collect();
        assert_eq!(names, ["a.txt", "b.log", "sub/"]);
        assert!(t.cd("sub") && t.cd(".."));
        assert!(!t.cd("nowhere"));
        assert!(t.cd("/srv/sub/"));
    }

    #[test]
    fn marks_take_patterns_and_whole_directories() {
        let mut t = tree();
        t.cd("/srv");
        assert_eq!(t.mark("*.txt", true), 1);
        assert_eq!(t.mark("sub", true), 2);
        assert_eq!(t.estimate(), (5, 3, 40));
        assert_eq!(t.mark("*", false), 3);
        assert_eq!(t.mark("sub/c.txt", true), 1);
        assert_eq!(t.marked_here(), ["/srv/sub/c.txt"]);
    }
}
