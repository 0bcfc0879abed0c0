//! Running as the Director user: `-u USER` and `-g GROUP` resolved from
//! /etc/passwd and /etc/group, then the switch (supplementary groups,
//! group, user, in that order) and a check that it took and cannot be
//! undone. bacula-dir does the same in lib/priv.c drop().
//!
//! The account files are read directly rather than through NSS: rdird is
//! a static binary, and glibc's NSS needs the shared libraries of the
//! glibc it was linked with. Accounts only a directory service knows
//! (LDAP, sssd) are therefore not found, and rdird says so.

use std::path::Path;

const PASSWD: &str = "/etc/passwd";
const GROUP: &str = "/etc/group";

/// Who the Director runs as after the switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub user: String,
    pub uid: libc::uid_t,
    pub gid: libc::gid_t,
    /// The supplementary groups: the group itself and every group of
    /// /etc/group that lists the user (what initgroups gives).
    pub groups: Vec<libc::gid_t>,
}

impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "user {} (uid {}, gid {})", self.user, self.uid, self.gid)
    }
}

/// One line of /etc/passwd or /etc/group, split on `:`.
fn entries(file: &Path) -> Result<Vec<Vec<String>>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    Ok(text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(':').map(str::to_string).collect::<Vec<_>>())
        .filter(|f| f.len() >= 4)
        .collect())
}

/// The entry whose name is `name`, or, when `name` is a number no entry
/// is named, the entry with that id (bacula-dir looks names up only;
/// `-u 65534` is accepted here as chown accepts it).
fn find<'a>(list: &'a [Vec<String>], name: &str, id_field: usize) -> Option<&'a Vec<String>> {
    list.iter().find(|e| e[0] == name).or_else(|| {
        let id: u32 = name.parse().ok()?;
        list.iter()
            .find(|e| e[id_field].parse::<u32>().ok() == Some(id))
    })
}

fn id(entry: &[String], field: usize, file: &Path) -> Result<u32, String> {
    entry[field].parse().map_err(|_| {
        format!(
            "{}: bad id \"{}\" for {}",
            file.display(),
            entry[field],
            entry[0]
        )
    })
}

/// The account `-u user` / `-g group` ask for, or None when neither was
/// given. As in bacula-dir, `-g` alone keeps the current user and `-u`
/// alone takes the user's primary group.
pub fn resolve(user: Option<&str>, group: Option<&str>) -> Result<Option<Account>, String> {
    resolve_in(Path::new(PASSWD), Path::new(GROUP), user, group)
}

fn resolve_in(
    passwd: &Path,
    group_file: &Path,
    user: Option<&str>,
    group: Option<&str>,
) -> Result<Option<Account>, String> {
    if user.is_none() && group.is_none() {
        return Ok(None);
    }
    let users = entries(passwd)?;
    let pw = match user {
        Some(u) => find(&users, u, 2).ok_or_else(|| format!("user \"{u}\" does not exist"))?,
        None => {
            // SAFETY: getuid has no preconditions.
            let me = unsafe { libc::getuid() }.to_string();
            find(&users, &me, 2).ok_or_else(|| {
                format!("the current user (uid {me}) is not in {}", passwd.display())
            })?
        }
    };
    let uid = id(pw, 2, passwd)?;
    let groups_list = entries(group_file)?;
    let gid = match group {
        Some(g) => {
            let gr =
                find(&groups_list, g, 2).ok_or_else(|| format!("group \"{g}\" does not exist"))?;
            id(gr, 2, group_file)?
        }
        None => id(pw, 3, passwd)?,
    };
    let name = pw[0].clone();
    let mut groups = vec![gid];
    for g in &groups_list {
        let member = g.get(3).is_some_and(|m| m.split(',').any(|m| m == name));
        if member {
            let other = id(g, 2, group_file)?;
            if !groups.contains(&other) {
                groups.push(other);
            }
        }
    }
    Ok(Some(Account {
        user: name,
        uid,
        gid,
        groups,
    }))
}

fn os_error(what: &str, account: &Account) -> String {
    format!(
        "cannot run as {account}: {what} failed: {}",
        std::io::Error::last_os_error()
    )
}

/// Becomes `account`: supplementary groups, then the group, then the user
/// (real, effective and saved ids alike), then checks that all took and
/// that root cannot be taken back. Any failure is an error: the Director
/// never goes on with more privileges than it was asked to keep.
///
/// Unlike bacula-dir 9.6.7, whose drop() calls setgid only when `-g` was
/// given (with `-u` alone it keeps running with root's group), the
/// group is always set.
pub fn switch(account: &Account) -> Result<(), String> {
    // SAFETY: plain system calls on values we own; the group list outlives
    // the call.
    unsafe {
        if libc::setgroups(account.groups.len(), account.groups.as_ptr()) != 0 {
            return Err(os_error("setgroups", account));
        }
        if libc::setresgid(account.gid, account.gid, account.gid) != 0 {
            return Err(os_error("setgid", account));
        }
        if libc::setresuid(account.uid, account.uid, account.uid) != 0 {
            return Err(os_error("setuid", account));
        }
    }
    verify(account)
}

/// The ids the process has now are the account's, all of them.
fn verify(account: &Account) -> Result<(), String> {
    let (mut ru, mut eu, mut su) = (0, 0, 0);
    let (mut rg, mut eg, mut sg) = (0, 0, 0);
    // SAFETY: the pointers are to locals.
    unsafe {
        libc::getresuid(&mut ru, &mut eu, &mut su);
        libc::getresgid(&mut rg, &mut eg, &mut sg);
    }
    if [ru, eu, su] != [account.uid; 3] || [rg, eg, sg] != [account.gid; 3] {
        return Err(format!(
            "cannot run as {account}: the process has uids {ru}/{eu}/{su} and gids {rg}/{eg}/{sg} after the switch"
        ));
    }
    let mut now = current_groups();
    let mut want = account.groups.clone();
    now.sort_unstable();
    want.sort_unstable();
    if now != want {
        return Err(format!(
            "cannot run as {account}: supplementary groups are {now:?} after the switch, not {want:?}"
        ));
    }
    // SAFETY: setuid has no preconditions; success here is the error.
    if account.uid != 0 && unsafe { libc::setuid(0) } == 0 {
        return Err(format!(
            "cannot run as {account}: root could be taken back after the switch"
        ));
    }
    Ok(())
}

fn current_groups() -> Vec<libc::gid_t> {
    // SAFETY: a first call with size 0 returns the count; the second fills
    // a buffer of that size.
    unsafe {
        let n = libc::getgroups(0, std::ptr::null_mut());
        let mut list = vec![0; n.max(0) as usize];
        let n = libc::getgroups(n, list.as_mut_ptr());
        list.truncate(n.max(0) as usize);
        list
    }
}

/// Why the Director user cannot create files in `dir` (the Working
/// Directory), if it cannot.
pub fn check_writable(dir: &Path, who: &str) -> Result<(), String> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(dir.as_os_str().as_bytes())
        .map_err(|_| format!("\"{}\": a path with a NUL byte", dir.display()))?;
    // SAFETY: a NUL-terminated path we own.
    if unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) } != 0 {
        return Err(format!(
            "Working Directory \"{}\" is not writable by {who}: {}; give it to that user or run as another",
            dir.display(),
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// Who the process runs as, for messages.
pub fn current() -> String {
    // SAFETY: no preconditions.
    let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
    format!("uid {uid} (gid {gid})")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("passwd");
        let g = d.path().join("group");
        std::fs::write(
            &p,
            "root:x:0:0:root:/root:/bin/sh\nbacula:x:120:130::/var/lib/bacula:/usr/sbin/nologin\n",
        )
        .unwrap();
        std::fs::write(
            &g,
            "root:x:0:\nbacula:x:130:\ntape:x:26:bacula\ndisk:x:6:root,bacula\n",
        )
        .unwrap();
        (d, p, g)
    }

    #[test]
    fn a_user_alone_takes_its_primary_group_and_the_groups_that_list_it() {
        let (_d, p, g) = files();
        let a = resolve_in(&p, &g, Some("bacula"), None).unwrap().unwrap();
        assert_eq!((a.uid, a.gid), (120, 130));
        assert_eq!(a.groups, vec![130, 26, 6]);
    }

    #[test]
    fn numeric_ids_are_found_by_id_and_unknown_names_are_refused() {
        let (_d, p, g) = files();
        let a = resolve_in(&p, &g, Some("120"), Some("26"))
            .unwrap()
            .unwrap();
        assert_eq!((a.user.as_str(), a.uid, a.gid), ("bacula", 120, 26));
        let e = resolve_in(&p, &g, Some("nosuch"), None).unwrap_err();
        assert!(e.contains("user \"nosuch\" does not exist"), "{e}");
        let e = resolve_in(&p, &g, Some("bacula"), Some("nosuch")).unwrap_err();
        assert!(e.contains("group \"nosuch\" does not exist"), "{e}");
        assert_eq!(resolve_in(&p, &g, None, None).unwrap(), None);
    }
}
