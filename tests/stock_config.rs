//! Debian's stock configuration as shipped: /etc/bacula's bacula-dir.conf,
//! bacula-fd.conf, bacula-sd.conf and bconsole.conf, copied with only
//! their paths and ports changed, run rdird against Debian's bacula-fd
//! and bacula-sd: BackupClient1 (JobDefs "DefaultJob", FileSet "Full Set"
//! with its Excludes, the Autochanger File1 against the storage daemon's
//! FileChgr1 with two devices and `Changer Command = ""`), RestoreFiles,
//! an Incremental, and BackupCatalog with its make_catalog_backup.pl.

use std::path::{Path, PathBuf};
use std::time::Duration;

mod common;

use common::site::{spawn, wait_log, wait_port, Proc};
use common::tree::snapshot;

/// How long any one console conversation of these jobs may take: a job
/// that hangs (a RunBeforeJob that never returns, a daemon that waits)
/// fails the test instead of stalling it.
const LIMIT: Duration = Duration::from_secs(120);

/// The stock site: its folder, its daemons, and the names the stock files
/// give (the Client's is the machine's name when Debian installed them).
struct Stock {
    root: tempfile::TempDir,
    client: String,
    _daemons: Vec<Proc>,
}

/// The stock files' text with the paths pointed into `root` and the
/// three ports moved to free ones; nothing else changes.
fn copy_stock(root: &Path, name: &str, ports: [u16; 3]) -> String {
    let text = std::fs::read_to_string(format!("/etc/bacula/{name}"))
        .unwrap_or_else(|e| panic!("/etc/bacula/{name} (Debian's bacula packages): {e}"));
    let r = root.display();
    text.replace("/var/lib/bacula", &format!("{r}/work"))
        .replace("/run/bacula", &format!("{r}/run"))
        .replace(
            "/nonexistant/path/to/file/archive/dir",
            &format!("{r}/volumes"),
        )
        .replace("File = /usr/sbin", &format!("File = {r}/data"))
        .replace("/var/log/bacula/bacula.log", &format!("{r}/bacula.log"))
        .replace(
            "/etc/bacula/scripts/make_catalog_backup.pl",
            &format!("{r}/scripts/make_catalog_backup.pl"),
        )
        .replace(
            "/etc/bacula/scripts/delete_catalog_backup",
            &format!("{r}/scripts/delete_catalog_backup"),
        )
        .replace("= 9101", &format!("= {}", ports[0]))
        .replace("= 9102", &format!("= {}", ports[1]))
        .replace("= 9103", &format!("= {}", ports[2]))
}

/// The `Name =` of the first `kind { … }` resource in a configuration.
fn resource_name(conf: &str, kind: &str) -> String {
    let at = conf
        .find(&format!("{kind} {{"))
        .unwrap_or_else(|| panic!("no {kind} resource"));
    conf[at..]
        .lines()
        .find_map(|l| l.trim().strip_prefix("Name = "))
        .map(|n| {
            n.split('#')
                .next()
                .unwrap()
                .trim()
                .trim_matches('"')
                .to_string()
        })
        .unwrap()
}

/// Writes the stock files (and the two catalog scripts, with the paths
/// they name moved the same way) and starts the three daemons.
fn stock_site() -> Stock {
    let root = tempfile::tempdir().unwrap();
    let r = root.path();
    for d in ["work", "run", "volumes", "scripts", "data/a dir/sub folder"] {
        std::fs::create_dir_all(r.join(d)).unwrap();
    }
    let data = r.join("data");
    let noise: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(data.join("a dir/some file"), &noise).unwrap();
    std::fs::write(data.join("a dir/sub folder/x y.txt"), "deep\n").unwrap();
    std::fs::write(data.join("readme"), "hello\n").unwrap();
    let ports = [
        common::free_port(),
        common::free_port(),
        common::free_port(),
    ];
    for name in [
        "bacula-dir.conf",
        "bacula-fd.conf",
        "bacula-sd.conf",
        "bconsole.conf",
    ] {
        std::fs::write(r.join(name), copy_stock(r, name, ports)).unwrap();
    }
    // The catalog scripts as Debian ships them, but for the paths they
    // name: the configuration dbcheck reads, the dump they delete.
    let script = |name: &str, from: &str, to: &Path| {
        let text = std::fs::read_to_string(format!("/etc/bacula/scripts/{name}")).unwrap();
        let p = r.join("scripts").join(name);
        std::fs::write(&p, text.replace(from, &to.display().to_string())).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    script(
        "make_catalog_backup.pl",
        "/etc/bacula/bacula-dir.conf",
        &r.join("bacula-dir.conf"),
    );
    script("delete_catalog_backup", "/var/lib/bacula", &r.join("work"));
    let fd_conf = std::fs::read_to_string(r.join("bacula-fd.conf")).unwrap();
    let client = resource_name(&fd_conf, "FileDaemon");
    let daemons = vec![
        spawn(
            "/usr/sbin/bacula-fd",
            &r.join("bacula-fd.conf"),
            &r.join("fd.log"),
        ),
        spawn(
            "/usr/sbin/bacula-sd",
            &r.join("bacula-sd.conf"),
            &r.join("sd.log"),
        ),
        spawn(
            env!("CARGO_BIN_EXE_rdird"),
            &r.join("bacula-dir.conf"),
            &r.join("dir.log"),
        ),
    ];
    for p in ports {
        wait_port(p);
    }
    wait_log(&r.join("dir.log"), "listening for consoles");
    Stock {
        root,
        client,
        _daemons: daemons,
    }
}

impl Stock {
    fn console(&self, input: &str) -> String {
        common::bconsole_within(&self.root.path().join("bconsole.conf"), input, LIMIT)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn data(&self) -> PathBuf {
        self.root.path().join("data")
    }

    /// The names a job's File records hold, path and file name joined.
    fn saved(&self, job_id: i64) -> Vec<String> {
        let db = rusqlite::Connection::open(self.root.path().join("work/bacula.db")).unwrap();
        let mut q = db
            .prepare(
                "SELECT Path.Path || Filename.Name FROM File JOIN Path USING (PathId) JOIN Filename USING (FilenameId) WHERE JobId = ?1 ORDER BY 1",
            )
            .unwrap();
        q.query_map([job_id], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

#[test]
fn debians_stock_files_back_up_restore_byte_for_byte_and_back_up_what_changed() {
    let s = stock_site();
    // The Incremental takes what changed in or after the Full's second
    // (its start is in whole seconds): the tree is older than that.
    std::thread::sleep(Duration::from_millis(1100));
    let out = s.console("run job=BackupClient1 level=Full yes\nwait\nmessages\n");
    assert_eq!(
        common::site::report_line(&out, "Termination:"),
        "Backup OK",
        "{out}"
    );
    assert!(
        out.contains("  FileSet:                \"Full Set\""),
        "{out}"
    );
    assert!(out.contains("on File device \"FileChgr1-Dev1\""), "{out}");
    let full = s.saved(1);
    let data = s.data().display().to_string();
    assert!(
        full.contains(&format!("{data}/a dir/sub folder/x y.txt")),
        "{full:?}"
    );

    let target = s.root.path().join("restore");
    let out = s.console(&format!(
        "restore client={} jobid=1 where={} all done yes\nwait\nmessages\n",
        s.client,
        target.display()
    ));
    assert!(
        out.contains("Job:                    RestoreFiles."),
        "{out}"
    );
    assert_eq!(
        common::site::report_line(&out, "Termination:"),
        "Restore OK",
        "{out}"
    );
    let restored = target.join(s.data().strip_prefix("/").unwrap());
    assert_eq!(snapshot(&restored), snapshot(&s.data()));

    // An mtime a second later than the Full's.
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(s.data().join("readme"), "hello again\n").unwrap();
    std::fs::write(s.data().join("a dir/new one"), "new\n").unwrap();
    let out = s.console("run job=BackupClient1 yes\nwait\nmessages\n");
    assert_eq!(
        common::site::report_line(&out, "Termination:"),
        "Backup OK",
        "{out}"
    );
    assert!(
        common::site::report_line(&out, "Backup Level:").starts_with("Incremental"),
        "{out}"
    );
    assert_eq!(
        s.saved(3),
        [
            format!("{data}/a dir/"),
            format!("{data}/a dir/new one"),
            format!("{data}/readme"),
        ],
        "{out}"
    );
}

#[test]
fn backup_catalog_dumps_rdirds_own_catalog_with_the_stock_script() {
    let s = stock_site();
    let out = s.console(
        "run job=BackupClient1 level=Full yes\nwait\nrun job=BackupCatalog yes\nwait\nmessages\n",
    );
    assert_eq!(
        common::site::termination_lines(&out),
        ["Backup OK", "Backup OK"],
        "{out}"
    );
    assert!(
        out.contains("run BeforeJob \"") && out.contains("make_catalog_backup.pl MyCatalog\""),
        "{out}"
    );
    // RunAfterJob deleted the dump; the restored one is the catalog's.
    let work = s.root.path().join("work");
    assert!(!work.join("bacula.sql").exists());
    let target = s.root.path().join("catalog-back");
    let out = s.console(&format!(
        "restore client={} jobid=2 where={} all done yes\nwait\nmessages\n",
        s.client,
        target.display()
    ));
    assert_eq!(
        common::site::report_line(&out, "Termination:"),
        "Restore OK",
        "{out}"
    );
    let dump = std::fs::read_to_string(
        target
            .join(work.strip_prefix("/").unwrap())
            .join("bacula.sql"),
    )
    .unwrap();
    assert!(dump.contains("CREATE TABLE"), "{dump}");
    assert!(
        dump.lines()
            .any(|l| l.starts_with("INSERT INTO Job ") && l.contains("'BackupClient1'")),
        "{dump}"
    );
}
