//! A folder tree as a restore must bring it back, for comparing a
//! restored tree with the one that was backed up.

use std::path::Path;

/// Everything about a tree a restore must bring back, by relative name:
/// kind, permission bits, whole-second mtime (files), content or link
/// target, and which names share an inode.
pub fn snapshot(root: &Path) -> Vec<(Vec<u8>, String)> {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let mut inodes: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p
                .strip_prefix(root)
                .unwrap()
                .as_os_str()
                .as_bytes()
                .to_vec();
            let m = std::fs::symlink_metadata(&p).unwrap();
            let desc = if m.file_type().is_symlink() {
                format!("link -> {:?}", std::fs::read_link(&p).unwrap())
            } else if m.is_dir() {
                stack.push(p.clone());
                format!("dir {:o}", m.mode() & 0o7777)
            } else {
                let shared = if m.nlink() > 1 {
                    match inodes.iter().find(|(i, _)| *i == m.ino()) {
                        Some((_, first)) => {
                            format!(" same as {:?}", String::from_utf8_lossy(first))
                        }
                        None => {
                            inodes.push((m.ino(), rel.clone()));
                            String::new()
                        }
                    }
                } else {
                    String::new()
                };
                format!(
                    "file {:o} mtime {} {:?}{shared}",
                    m.mode() & 0o7777,
                    m.mtime(),
                    std::fs::read(&p).unwrap()
                )
            };
            out.push((rel, desc));
        }
    }
    out.sort();
    out
}
