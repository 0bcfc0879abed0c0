//! The Director as the user it is told to be (`-u`, `-g`), and the files
//! it writes (pid file, bootstraps) never written through a symbolic link
//! someone planted; against real bacula-fd, bacula-sd and bconsole.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use common::site::*;

const NOBODY: u32 = 65534;
const NOGROUP: u32 = 65534;

/// The four ids (real, effective, saved, filesystem) of a `/proc/PID/status`
/// line such as `Uid:`.
fn proc_ids(pid: u32, field: &str) -> Vec<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .unwrap_or_else(|| panic!("no {field} in {status}"))
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect()
}

/// A Restore job, for the restores the tests run.
const RESTORE_JOB: &str = "Job { Name = RestoreFiles; Type = Restore; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Where = /tmp/bacula-restores }\n";

/// The site's folder readable by all and its Director folder nobody's.
fn give_dir_to_nobody(p: &Place<'_>) -> String {
    std::fs::set_permissions(p.root, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::chown(p.root.join("dir"), Some(NOBODY), Some(NOGROUP)).unwrap();
    RESTORE_JOB.to_string()
}

/// Runs rdird as `cmd` says and returns what it printed on standard
/// error, once it has exited with a failure; one that keeps running (it
/// accepted what it should have refused) is stopped and fails the test.
fn refused(cmd: &mut Command) -> String {
    let mut child = cmd
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "rdird started instead of refusing: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{err}");
    err
}

fn rdird(args: &[&str], conf: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rdird"));
    c.args(args).arg("-c").arg(conf);
    c
}

/// A root-owned file outside the Director's folders, to plant links to.
fn precious(root: &Path) -> std::path::PathBuf {
    let outside = root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let p = outside.join("precious");
    std::fs::write(&p, "root's own\n").unwrap();
    p
}

#[test]
fn a_director_started_as_nobody_runs_as_nobody_and_still_backs_up_and_restores() {
    let s = setup_conf_args(
        "fd-secret",
        None,
        give_dir_to_nobody,
        &["-u", "nobody", "-g", "nogroup"],
    );
    let pid = s.dir.0.id();
    assert_eq!(proc_ids(pid, "Uid:"), vec![NOBODY; 4]);
    assert_eq!(proc_ids(pid, "Gid:"), vec![NOGROUP; 4]);
    assert_eq!(proc_ids(pid, "Groups:"), vec![NOGROUP]);
    let r = s.root.path();
    let pid_file = r.join(format!("dir/rdird.{}.pid", s.dir_port));
    assert_eq!(
        std::fs::read_to_string(&pid_file).unwrap(),
        format!("{pid}\n")
    );
    let catalog = r.join("dir/cat.db");
    assert_eq!(std::fs::metadata(&catalog).unwrap().uid(), NOBODY);

    let out = s.console(&format!(
        "run job=Backup yes\nwait\nmessages\nrestore client=test-fd jobid=1 all where={}/restored done yes\nwait\nmessages\n",
        r.display()
    ));
    let terms = termination_lines(&out);
    assert_eq!(terms, vec!["Backup OK", "Restore OK"], "{out}");
    let restored = r.join("restored").join(r.strip_prefix("/").unwrap());
    assert_eq!(
        std::fs::read_to_string(restored.join("data/a.txt")).unwrap(),
        "alpha\n".repeat(1000)
    );
    let jobs: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job WHERE JobStatus = 'T'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(jobs, 2);
    for f in std::fs::read_dir(r.join("dir")).unwrap() {
        let f = f.unwrap();
        let name = f.file_name().to_string_lossy().into_owned();
        if name.ends_with(".bsr") || name.starts_with("cat.db") {
            assert_eq!(f.metadata().unwrap().uid(), NOBODY, "{name}");
        }
    }
}

#[test]
fn a_user_that_does_not_exist_is_refused_before_anything_starts() {
    let root = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let conf = lone_director_conf(root.path(), port, "");
    let err = refused(&mut rdird(&["-f", "-u", "no-such-user"], &conf));
    assert_eq!(err.trim(), "rdird: user \"no-such-user\" does not exist");
    let err = refused(&mut rdird(&["-f", "-g", "no-such-group"], &conf));
    assert!(
        err.contains("group \"no-such-group\" does not exist"),
        "{err}"
    );
    assert!(!root.path().join("dir/cat.db").exists());
}

#[test]
fn a_switch_the_kernel_refuses_stops_the_director_before_the_catalog() {
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let port = common::free_port();
    let conf = lone_director_conf(root.path(), port, "");
    std::os::unix::fs::chown(root.path().join("dir"), Some(NOBODY), Some(NOGROUP)).unwrap();
    // Already nobody, it cannot become root again.
    let err = refused(rdird(&["-f", "-u", "root"], &conf).uid(NOBODY).gid(NOGROUP));
    assert!(
        err.contains(
            "cannot run as user root (uid 0, gid 0): setgroups failed: Operation not permitted"
        ),
        "{err}"
    );
    assert!(!root.path().join("dir/cat.db").exists());
}

#[test]
fn a_working_directory_the_director_user_cannot_write_is_named_and_refused() {
    let root = tempfile::tempdir().unwrap();
    std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let port = common::free_port();
    let conf = lone_director_conf(root.path(), port, "");
    let err = refused(&mut rdird(&["-f", "-u", "nobody"], &conf));
    assert!(
        err.contains(&format!(
            "Working Directory \"{}/dir\" is not writable by user nobody (uid 65534, gid 65534)",
            root.path().display()
        )),
        "{err}"
    );
    assert!(!root.path().join("dir/cat.db").exists());
}

#[test]
fn a_link_planted_where_the_pid_file_goes_stops_the_director_and_its_target_is_untouched() {
    let root = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let conf = lone_director_conf(root.path(), port, "");
    let target = precious(root.path());
    let pid = root.path().join(format!("dir/rdird.{port}.pid"));
    std::os::unix::fs::symlink(&target, &pid).unwrap();
    let err = refused(&mut rdird(&["-f"], &conf));
    assert!(
        err.contains(&format!(
            "pid file: {} is a symbolic link: rdird does not write through one",
            pid.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "root's own\n");
    assert!(!root.path().join("dir/cat.db").exists());
}

#[test]
fn links_planted_where_bootstraps_go_are_refused_and_their_targets_untouched() {
    let s = setup_conf("fd-secret", None, |p| {
        format!(
            "Job {{ Name = Boot; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Write Bootstrap = \"{}/dir/%c.bsr\" }}\n{RESTORE_JOB}",
            p.root.display()
        )
    });
    let r = s.root.path();
    let target = precious(r);
    let boot = r.join("dir/test-fd.bsr");
    let restore_bsr = r.join("dir/test-dir.restore.1.bsr");
    std::os::unix::fs::symlink(&target, &boot).unwrap();
    std::os::unix::fs::symlink(&target, &restore_bsr).unwrap();
    let out = s.console(&format!(
        "run job=Boot yes\nwait\nmessages\nrestore client=test-fd jobid=1 all where={}/restored done yes\nwait\nmessages\n",
        r.display()
    ));
    assert!(
        out.contains(&format!(
            "Error writing the bootstrap: {} is a symbolic link: rdird does not write through one",
            boot.display()
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "cannot write the bootstrap: {} is a symbolic link: rdird does not write through one",
            restore_bsr.display()
        )),
        "{out}"
    );
    assert_eq!(termination_lines(&out), vec!["Backup OK"], "{out}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "root's own\n");
    assert!(!r.join("restored").exists());
}

#[test]
fn volume_names_reach_a_write_bootstrap_command_quoted_and_hostile_ones_never_get_there() {
    let root_flag = std::env::temp_dir().join(format!("rdird-quoted-{}", std::process::id()));
    let script = format!(
        "import bacula\n\nclass JobEvents:\n    def NewVolume(self, job):\n        job.VolumeName = 'v;touch {0};`touch {0}`$(touch {0})'\n\nclass DirEvents:\n    def JobStart(self, job):\n        job.set_events(JobEvents())\n\nbacula.set_events(DirEvents())\n",
        root_flag.display()
    );
    let s = setup_conf("fd-secret", Some(&script), |p| {
        std::fs::create_dir_all(p.root.join("out")).unwrap();
        format!(
            "Job {{ Name = SpanBoot; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Big\"; Storage = File; Pool = Small; Messages = Daemon; Write Bootstrap = \"|cat > {}/out/%v.bsr\" }}\n",
            p.root.display()
        )
    });
    let r = s.root.path();
    std::fs::create_dir_all(r.join("big")).unwrap();
    std::fs::write(r.join("big/noise.bin"), noise(500_000)).unwrap();
    while !s.log().contains("Python script loaded") {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = s.console(&format!(
        "label volume=\"x;touch {0};`touch {0}`$(touch {0})\" pool=Small storage=File\n.\nrun job=SpanBoot yes\nwait\nmessages\n",
        root_flag.display()
    ));
    // label asks again for a legal name, as bacula-dir's do_label does;
    // the period gives up.
    assert!(
        out.contains("Illegal character \";\" in a volume name."),
        "{out}"
    );
    let volumes = report_line(&out, "Volume name(s):").to_string();
    assert!(volumes.contains('|'), "the job should span volumes: {out}");
    let written: Vec<String> = std::fs::read_dir(r.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(written, vec![format!("{volumes}.bsr")], "{out}");
    let bsr = std::fs::read_to_string(r.join("out").join(&written[0])).unwrap();
    assert!(bsr.contains("Volume=\"Small-"), "{bsr}");
    assert!(!root_flag.exists(), "a name reached the shell unquoted");
}

#[test]
fn a_detached_director_works_from_the_root_folder_and_creates_files_no_one_else_may_write() {
    let root = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let conf = lone_director_conf(root.path(), port, "");
    // Standard output and error on a file of the caller's: the detached
    // Director must let go of both, as of the terminal they would be.
    let caller = std::fs::File::create(root.path().join("caller.out")).unwrap();
    let status = rdird(&[], &conf)
        .current_dir(root.path())
        .stdin(std::process::Stdio::null())
        .stdout(caller.try_clone().unwrap())
        .stderr(caller)
        .status()
        .unwrap();
    assert!(status.success());
    let pid_file = root.path().join(format!("dir/rdird.{port}.pid"));
    wait_port(port);
    let started = std::time::Instant::now();
    while !(pid_file.exists() && root.path().join("dir/cat.db").exists()) {
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let cwd = std::fs::read_link(format!("/proc/{pid}/cwd"));
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let catalog = std::fs::metadata(root.path().join("dir/cat.db"));
    let outputs: Vec<_> = (0..3)
        .map(|fd| std::fs::read_link(format!("/proc/{pid}/fd/{fd}")))
        .collect();
    unsafe { libc::kill(pid, libc::SIGTERM) };
    while Path::new(&format!("/proc/{pid}")).exists() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(cwd.unwrap(), Path::new("/"));
    for (fd, target) in outputs.into_iter().enumerate() {
        assert_eq!(target.unwrap(), Path::new("/dev/null"), "descriptor {fd}");
    }
    let umask = status
        .lines()
        .find_map(|l| l.strip_prefix("Umask:"))
        .unwrap();
    let umask = u32::from_str_radix(umask.trim(), 8).unwrap();
    assert_eq!(umask & 0o026, 0o026, "{status}");
    assert_eq!(
        catalog.unwrap().mode() & 0o026,
        0,
        "a catalog others may write"
    );
}

#[test]
fn a_foreground_director_started_with_umask_0_creates_a_catalog_no_one_else_may_read() {
    let root = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let conf = lone_director_conf(root.path(), port, "");
    let mut cmd = rdird(&["-f"], &conf);
    // SAFETY: umask in the child before exec has no preconditions.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    let dir = Proc(
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_port(port);
    let catalog = root.path().join("dir/cat.db");
    let started = std::time::Instant::now();
    while !root.path().join("dir/cat.db-wal").exists() {
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut modes = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", catalog.display());
        let mode = std::fs::metadata(&p).unwrap().mode() & 0o777;
        modes.push((p, mode));
    }
    drop(dir);
    for (p, mode) in modes {
        assert_eq!(mode & 0o026, 0, "{p} is {mode:o}");
    }
}
