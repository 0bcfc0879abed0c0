//! Files the Director writes (the pid file, bootstraps, the catalog): never
//! through a symbolic link, never into a file someone else owns. A link
//! planted where one of them goes would otherwise let whoever can write
//! that directory have the Director (often root) overwrite any file.
//!
//! bacula-dir 9.6.7 opens its pid file (lib/bsys.c create_lock_file) and
//! its bootstraps (dird/backup.c, dird/ua_restore.c) with open/fopen,
//! following links; rdird refuses them.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// How a file is written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Write {
    /// Emptied first (or created).
    Replace,
    /// Added to (or created).
    Append,
}

/// The mode of a file the Director creates: no one else may write it, and
/// only the Director's group may read it (bacula-dir's pid file mode).
const MODE: u32 = 0o640;

fn euid() -> u32 {
    // SAFETY: no preconditions.
    unsafe { libc::geteuid() }
}

/// Opens `path` for writing without following a symbolic link: an
/// existing file must be a regular file with one link, owned by the user
/// the Director runs as.
pub fn open(path: &Path, how: Write) -> Result<File, String> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .append(how == Write::Append)
        .mode(MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => format!(
                "{} is a symbolic link: rdird does not write through one",
                path.display()
            ),
            _ => format!("cannot write {}: {e}", path.display()),
        })?;
    let meta = file
        .metadata()
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    if meta.nlink() != 1 {
        return Err(format!(
            "{} has {} hard links: rdird does not write a file that is also elsewhere",
            path.display(),
            meta.nlink()
        ));
    }
    if meta.uid() != euid() {
        return Err(format!(
            "{} belongs to uid {}, not to the Director's uid {}",
            path.display(),
            meta.uid(),
            euid()
        ));
    }
    if how == Write::Replace {
        file.set_len(0)
            .map_err(|e| format!("cannot empty {}: {e}", path.display()))?;
    }
    Ok(file)
}

/// Writes `text` to `path` as `open` does.
pub fn write(path: &Path, how: Write, text: &[u8]) -> Result<(), String> {
    use std::io::Write as _;
    open(path, how)?
        .write_all(text)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// The file SQLite should open for the catalog at `path`. A symbolic link
/// there (a catalog moved to another disk) is followed only to an existing
/// SQLite file owned by the Director user; the journal files SQLite keeps
/// beside the real file must not be links either.
pub fn catalog_target(path: &Path) -> Result<PathBuf, String> {
    let real = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => linked_catalog(path)?,
        _ => path.to_path_buf(),
    };
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = real.clone().into_os_string();
        side.push(suffix);
        let side = PathBuf::from(side);
        if std::fs::symlink_metadata(&side).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(format!(
                "{} is a symbolic link: rdird does not let SQLite write through one",
                side.display()
            ));
        }
    }
    Ok(real)
}

fn linked_catalog(path: &Path) -> Result<PathBuf, String> {
    let real = std::fs::canonicalize(path).map_err(|e| {
        format!(
            "{} is a symbolic link to a file that cannot be opened ({e}): rdird creates a catalog only where no link points",
            path.display()
        )
    })?;
    let meta = std::fs::metadata(&real).map_err(|e| format!("{}: {e}", real.display()))?;
    if !meta.is_file() || meta.uid() != euid() {
        return Err(format!(
            "{} is a symbolic link to {}, which is not a file of the Director's uid {}: refusing to open it",
            path.display(),
            real.display(),
            euid()
        ));
    }
    let mut head = [0u8; 16];
    let n = std::io::Read::read(
        &mut File::open(&real).map_err(|e| format!("{}: {e}", real.display()))?,
        &mut head,
    )
    .map_err(|e| format!("{}: {e}", real.display()))?;
    if n > 0 && head[..n] != b"SQLite format 3\0"[..n] {
        return Err(format!(
            "{} is a symbolic link to {}, which is not an SQLite database: refusing to open it",
            path.display(),
            real.display()
        ));
    }
    Ok(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_where_a_file_goes_is_refused_and_its_target_untouched() {
        let d = tempfile::tempdir().unwrap();
        let target = d.path().join("target");
        std::fs::write(&target, "keep").unwrap();
        let link = d.path().join("rdird.pid");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = write(&link, Write::Replace, b"1\n").unwrap_err();
        assert!(e.contains("is a symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    }

    #[test]
    fn a_second_hard_link_is_refused_and_a_plain_file_is_replaced_or_added_to() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a.bsr");
        std::fs::write(&a, "old").unwrap();
        write(&a, Write::Replace, b"new").unwrap();
        write(&a, Write::Append, b"+").unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new+");
        std::fs::hard_link(&a, d.path().join("b")).unwrap();
        let e = write(&a, Write::Replace, b"x").unwrap_err();
        assert!(e.contains("hard links"), "{e}");
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new+");
    }

    #[test]
    fn a_catalog_link_is_followed_only_to_an_sqlite_file_and_never_dangling() {
        let d = tempfile::tempdir().unwrap();
        let link = d.path().join("cat.db");
        std::os::unix::fs::symlink(d.path().join("missing"), &link).unwrap();
        assert!(catalog_target(&link)
            .unwrap_err()
            .contains("cannot be opened"));
        std::fs::remove_file(&link).unwrap();
        let text = d.path().join("notes");
        std::fs::write(&text, "not a database").unwrap();
        std::os::unix::fs::symlink(&text, &link).unwrap();
        assert!(catalog_target(&link).unwrap_err().contains("not an SQLite"));
        let plain = d.path().join("plain.db");
        assert_eq!(catalog_target(&plain).unwrap(), plain);
    }
}
