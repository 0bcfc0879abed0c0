//! Names with spaces everywhere at once (Job, Client, FileSet, Pool,
//! Storage, Media Type and Device, the storage daemon's Device and Media
//! Type too) through Debian's bacula-fd and bacula-sd: a Full, an
//! Incremental, a restore, a verify and a label all work, and the catalog
//! and the console show the real names, never the bytes that carry their
//! spaces on the wire.

use std::time::Duration;

mod common;

use common::site::*;
use common::tree::snapshot;

/// How long one console conversation may take: a job that waits for a
/// volume it will never get (a Pool name mangled on the wire) fails the
/// test instead of stalling it.
const LIMIT: Duration = Duration::from_secs(60);

/// The storage daemon's Device, with a Media Type of the same kind.
fn spaced_device(p: &Place<'_>) -> String {
    format!(
        "Device {{\n  Name = \"Spaced Dev One\"\n  Media Type = \"Spaced Media\"\n  Archive Device = {}/volumes\n  LabelMedia = yes\n  Random Access = yes\n  AutomaticMount = yes\n  RemovableMedia = no\n  AlwaysOpen = no\n}}\n",
        p.root.display()
    )
}

/// The Director's side: every resource a job names has a space in its name.
fn spaced_resources(p: &Place<'_>) -> String {
    format!(
        "Client {{ Name = \"My Client\"; Address = 127.0.0.1; FD Port = {fd}; Password = \"fd-secret\"; Catalog = MyCatalog }}\n\
         Storage {{ Name = \"My Storage\"; Address = 127.0.0.1; SD Port = {sd}; Password = \"sd-secret\"; Device = \"Spaced Dev One\"; Media Type = \"Spaced Media\" }}\n\
         Pool {{ Name = \"My Pool\"; Pool Type = Backup; Label Format = \"MyVol-\" }}\n\
         FileSet {{ Name = \"My File Set\"; Include {{ Options {{ Signature = MD5 }}; File = {root}/data }} }}\n\
         Job {{ Name = \"My Backup Job\"; Type = Backup; Level = Full; Client = \"My Client\"; FileSet = \"My File Set\"; Storage = \"My Storage\"; Pool = \"My Pool\"; Messages = Daemon }}\n\
         Job {{ Name = \"My Restore Job\"; Type = Restore; Client = \"My Client\"; FileSet = \"My File Set\"; Storage = \"My Storage\"; Pool = \"My Pool\"; Messages = Daemon; Where = /tmp/bacula-restores }}\n\
         Job {{ Name = \"My Volume Check\"; Type = Verify; Level = VolumeToCatalog; Verify Job = \"My Backup Job\"; Client = \"My Client\"; FileSet = \"My File Set\"; Storage = \"My Storage\"; Pool = \"My Pool\"; Messages = Daemon }}\n\
         Job {{ Name = \"My Disk Check\"; Type = Verify; Level = DiskToCatalog; Verify Job = \"My Backup Job\"; Client = \"My Client\"; FileSet = \"My File Set\"; Storage = \"My Storage\"; Pool = \"My Pool\"; Messages = Daemon }}\n",
        fd = p.fd_port,
        sd = p.sd_port,
        root = p.root.display(),
    )
}

fn spaced_site() -> Setup {
    setup_site_sd("fd-secret", None, "", spaced_resources, &[], spaced_device)
}

/// One column of the catalog, in row order.
fn column(s: &Setup, sql: &str) -> Vec<String> {
    let db = s.catalog();
    let mut q = db.prepare(sql).unwrap();
    q.query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn names_with_spaces_back_up_restore_verify_and_label_with_their_real_names() {
    let s = spaced_site();
    let data = s.root.path().join("data");
    std::fs::create_dir(data.join("a folder")).unwrap();
    std::fs::write(data.join("a folder/a file.txt"), "spaced\n").unwrap();
    // Older than the Full's second, so that the Incremental takes only
    // what changes after it.
    std::thread::sleep(Duration::from_millis(1100));

    let out = s.console_within(
        "label volume=Manual-1 pool=\"My Pool\" storage=\"My Storage\"\nrun job=\"My Backup Job\" yes\nwait\nmessages\n",
        LIMIT,
    );
    assert!(
        out.contains("Volume=\"Manual-1\" Device=\"Spaced Dev One\""),
        "{out}"
    );
    assert_eq!(termination_lines(&out), ["Backup OK"], "{out}");
    assert!(
        out.contains("  Client:                 \"My Client\""),
        "{out}"
    );
    assert!(
        out.contains("  FileSet:                \"My File Set\""),
        "{out}"
    );
    assert!(
        out.contains("  Pool:                   \"My Pool\""),
        "{out}"
    );
    assert!(
        out.contains("  Storage:                \"My Storage\""),
        "{out}"
    );
    assert_eq!(report_line(&out, "Volume name(s):"), "Manual-1", "{out}");

    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(data.join("a folder/new file.txt"), "later\n").unwrap();
    let out = s.console_within(
        "run job=\"My Backup Job\" level=Incremental yes\nwait\nmessages\n",
        LIMIT,
    );
    assert_eq!(termination_lines(&out), ["Backup OK"], "{out}");
    assert_eq!(report_line(&out, "FD Files Written:"), "2", "{out}");

    let target = s.root.path().join("restored here");
    let out = s.console_within(
        &format!(
            "restore client=\"My Client\" current all where=\"{}\" done yes\nwait\nmessages\n",
            target.display()
        ),
        LIMIT,
    );
    assert!(
        out.contains("Job:                    My_Restore_Job."),
        "{out}"
    );
    assert_eq!(termination_lines(&out), ["Restore OK"], "{out}");
    assert_eq!(
        snapshot(&target.join(data.strip_prefix("/").unwrap())),
        snapshot(&data)
    );

    let out = s.console_within(
        "run job=\"My Volume Check\" yes\nwait\nrun job=\"My Disk Check\" yes\nwait\nmessages\n",
        LIMIT,
    );
    assert_eq!(termination_lines(&out), ["Verify OK", "Verify OK"], "{out}");

    // The catalog holds the real names; the unique job name, like
    // bacula-dir's, has `_` for each space.
    assert_eq!(
        column(&s, "SELECT DISTINCT Name FROM Job WHERE Type = 'B'"),
        ["My Backup Job"]
    );
    assert!(column(&s, "SELECT Job FROM Job")
        .iter()
        .all(|j| !j.contains(' ') && !j.contains('\x01')));
    assert_eq!(
        column(&s, "SELECT Name FROM Client WHERE Name LIKE 'My%'"),
        ["My Client"]
    );
    assert_eq!(column(&s, "SELECT FileSet FROM FileSet"), ["My File Set"]);
    assert_eq!(
        column(
            &s,
            "SELECT VolumeName || '|' || MediaType || '|' || Pool.Name FROM Media JOIN Pool USING (PoolId)"
        ),
        ["Manual-1|Spaced Media|My Pool"]
    );

    let out = s.console_within("list jobs\nlist volumes\n", LIMIT);
    assert!(out.contains("| My Backup Job "), "{out}");
    assert!(out.contains("| My Restore Job "), "{out}");
    assert!(out.contains("| My Volume Check "), "{out}");
    // Each pool's volumes under its name, as bacula-dir lists them.
    assert!(out.contains("Pool: My Pool\n"), "{out}");
    assert!(out.contains("| Spaced Media "), "{out}");
    assert!(!out.contains('\x01'), "{out:?}");
}
