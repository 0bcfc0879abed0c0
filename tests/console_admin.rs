//! The administrator's small commands against a site of real daemons,
//! beside stock bacula-dir 9.6.7 on the same configuration and catalog:
//! enable/disable (kept across reload and restart), status schedule,
//! relabel, add, create, use, time, var, memory, gui, autodisplay,
//! automount, stop/restart/resume, and cloud/snapshot saying they do not
//! apply; each with a restricted console trying to get out of its ACLs
//! and with hostile arguments.

mod common;

use common::site::*;

const NARROW: &str = "narrow";
const NARROW_PASSWORD: &str = "narrow-pw";

fn extra(p: &Place<'_>) -> String {
    format!(
        "Schedule {{ Name = Nightly; Run = Full daily at 03:00\n}}\n\
         Schedule {{ Name = Weekly; Run = Level = Incremental Priority = 5 sun at 04:30\n}}\n\
         Client {{ Name = other-fd; Address = 127.0.0.1; FD Port = {fd}; Password = \"fd-secret\"; Catalog = MyCatalog }}\n\
         Job {{ Name = NightlyJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Schedule = Nightly }}\n\
         Catalog {{ Name = Second; DB Name = second }}\n\
         Job {{ Name = WeeklyJob; Type = Backup; Level = Full; Client = other-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; Schedule = Weekly }}\n\
         Job {{ Name = Slow; Type = Admin; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Daemon; RunBeforeJob = \"/bin/sleep 4\" }}\n\
         Console {{ Name = {NARROW}; Password = \"{NARROW_PASSWORD}\"; CommandACL = enable, disable, status, run, relabel, label, show, add, use, create, stop, restart, resume, var; JobACL = NightlyJob; ClientACL = test-fd; ScheduleACL = Nightly; PoolACL = Full; StorageACL = File; CatalogACL = MyCatalog; FileSetACL = Set; WhereACL = \"/\"; }}\n",
        fd = p.fd_port
    )
}

/// Restarts the site's Director as bacula-dir 9.6.7, which opens every
/// Catalog resource's database at start (the second is only named).
fn to_bacula_dir(s: &mut Setup) {
    let second = s.root.path().join("dir/second.db");
    if !second.exists() {
        make_bacula_catalog(&second);
    }
    s.switch_director(Director::BaculaDir);
}

/// The lines of `status schedule` naming a job (neither header nor ruler).
fn scheduled(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.contains("NightlyJob") || l.contains("WeeklyJob"))
        .filter(|l| !l.contains("status schedule"))
        .collect()
}

fn status(s: &Setup) -> String {
    s.console("status schedule days=8\n")
}

fn has_job(out: &str, job: &str) -> bool {
    scheduled(out)
        .iter()
        .any(|l| l.split_whitespace().nth(6) == Some(job))
}

/// The commands these tests send: bconsole echoes each one it reads.
const COMMANDS: &[&str] = &[
    "status",
    "disable",
    "enable",
    "reload",
    "run",
    "wait",
    "relabel",
    "add",
    "use",
    "create",
    "stop",
    "restart",
    "resume",
    "var",
    "time",
    "memory",
    "gui",
    "autodisplay",
    "automount",
    "cloud",
    "snapshot",
    "list",
    "llist",
    "messages",
    "label",
    "show",
    "update",
    "cancel",
];

fn is_echo(line: &str) -> bool {
    let word = line.split_whitespace().next().unwrap_or("");
    COMMANDS.contains(&word)
}

/// The lines a command printed after its own echo, up to the next
/// command bconsole echoes (the "You have messages." note left out).
fn answer<'a>(out: &'a str, command: &str) -> Vec<&'a str> {
    let mut lines = out.lines().skip_while(|l| *l != command);
    lines.next();
    lines
        .take_while(|l| !is_echo(l))
        .filter(|l| !l.starts_with("You have"))
        .collect()
}

#[test]
fn disabled_jobs_clients_and_schedules_are_not_scheduled_and_stay_so_across_reload_and_restart() {
    let mut s = setup_conf("fd-secret", None, extra);
    let before = status(&s);
    assert!(
        has_job(&before, "NightlyJob") && has_job(&before, "WeeklyJob"),
        "{before}"
    );

    let out = s.console("disable job=NightlyJob\nstatus schedule days=8\n");
    assert_eq!(
        answer(&out, "disable job=NightlyJob"),
        ["Job \"NightlyJob\" disabled"],
        "{out}"
    );
    assert!(
        !has_job(&out, "NightlyJob") && has_job(&out, "WeeklyJob"),
        "{out}"
    );

    let out = s.console("reload\nstatus schedule days=8\n");
    assert!(
        !has_job(&out, "NightlyJob"),
        "a reload forgot the disable: {out}"
    );
    // A good reload says nothing, as bacula-dir's reload_cmd.
    assert!(answer(&out, "reload").is_empty(), "{out}");
    s.switch_director(Director::Rdird);
    let out = status(&s);
    assert!(
        !has_job(&out, "NightlyJob"),
        "a restart forgot the disable: {out}"
    );
    // The log says what the state file kept disabled, and show lists it.
    let log = s.log();
    assert!(
        log.contains("kept disabled from") && log.contains("Job \"NightlyJob\""),
        "{log}"
    );
    let out = s.console("show disabled\n");
    let ours_disabled: Vec<String> = answer(&out, "show disabled")
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(ours_disabled, ["Disabled Jobs:", "   NightlyJob"], "{out}");

    // A job named in run still runs, as in bacula-dir (ua_run.c takes
    // the named Job whatever its Enabled; only the scheduler and the
    // selection list skip it).
    let out = s.console("run job=NightlyJob yes\nwait\n");
    assert!(out.contains("Job queued. JobId="), "{out}");

    let out = s.console("disable client=other-fd\nstatus schedule days=8\nshow disabled\n");
    // bacula-dir lists disabled jobs only; rdird keeps a client disabled
    // across a restart too, so it shows it.
    assert_eq!(
        answer(&out, "show disabled"),
        [
            "Disabled Jobs:",
            "   NightlyJob",
            "Disabled Clients:",
            "   other-fd"
        ],
        "{out}"
    );
    assert_eq!(
        answer(&out, "disable client=other-fd"),
        ["Client \"other-fd\" disabled"],
        "{out}"
    );
    assert!(
        !has_job(&out, "WeeklyJob"),
        "a disabled client's job is scheduled: {out}"
    );
    let out =
        s.console("enable client=other-fd\ndisable schedule=Weekly\nstatus schedule days=8\n");
    assert_eq!(
        answer(&out, "disable schedule=Weekly"),
        ["Schedule \"Weekly\" disabled"],
        "{out}"
    );
    assert!(
        !has_job(&out, "WeeklyJob"),
        "a disabled schedule runs: {out}"
    );

    // Without a name, the resources that can be switched are offered.
    let out = s.console("enable job\n");
    assert!(
        out.contains("Automatically selected Job: NightlyJob"),
        "{out}"
    );
    assert!(out.contains("Job \"NightlyJob\" enabled"), "{out}");
    let out = s.console("enable schedule=Weekly\nstatus schedule days=8\n");
    assert!(
        has_job(&out, "NightlyJob") && has_job(&out, "WeeklyJob"),
        "{out}"
    );
    let api2 = ".api 2\nstatus schedule days=8 job=WeeklyJob\n";
    let ours_api2 = s.console(api2);
    let ours_prompt = s.console("disable job\n2\n");
    let ours_status = status(&s);
    s.console("enable job=WeeklyJob\n");

    // bacula-dir 9.6.7 on the same configuration and catalog: the same
    // answers and layout; it keeps a disable across reload, and forgets
    // it when restarted (rdird keeps it: its state file).
    to_bacula_dir(&mut s);
    let theirs_api2 = s.console(api2);
    let theirs_prompt = s.console("disable job\n2\n");
    let theirs_status = status(&s);
    assert_eq!(
        answer(&ours_prompt, "disable job"),
        answer(&theirs_prompt, "disable job"),
        "ours:\n{ours_prompt}\ntheirs:\n{theirs_prompt}"
    );
    let command = "status schedule days=8 job=WeeklyJob";
    let (ours_kv, theirs_kv) = (answer(&ours_api2, command), answer(&theirs_api2, command));
    assert!(ours_kv.contains(&"name=WeeklyJob"), "{ours_api2}");
    // Field for field; bacula-dir 9.6.7 gives this run a second time
    // with job= (the same object again), rdird once.
    assert!(
        theirs_kv.starts_with(&ours_kv[..ours_kv.len() - 1]),
        "ours:\n{ours_api2}\ntheirs:\n{theirs_api2}"
    );
    let header = |out: &str| -> Vec<String> {
        out.lines()
            .skip_while(|l| !l.starts_with("Scheduled Jobs:"))
            .take(3)
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        header(&ours_status),
        header(&theirs_status),
        "{ours_status}\n{theirs_status}"
    );
    // Row for row, but bacula-dir 9.6.7 also lists a run earlier today
    // that is already past (ua_status.c llist_scheduled_jobs never sets
    // its time_set); rdird lists what the scheduler will still start.
    let (ours, theirs) = (scheduled(&ours_status), scheduled(&theirs_status));
    assert!(ours.len() >= 6, "{ours_status}");
    assert!(
        theirs.ends_with(&ours) && theirs.len() - ours.len() <= 1,
        "ours:\n{ours_status}\ntheirs:\n{theirs_status}"
    );
    let out = s.console("disable job=NightlyJob\nreload\nstatus schedule days=8\nshow disabled\n");
    assert!(answer(&out, "reload").is_empty(), "{out}");
    // The same layout (bacula-dir also has the job `disable job` chose
    // above disabled, having forgotten the rest).
    let theirs_disabled = answer(&out, "show disabled");
    assert_eq!(theirs_disabled[0], ours_disabled[0], "{out}");
    assert!(theirs_disabled.contains(&"   NightlyJob"), "{out}");
    assert_eq!(
        answer(&out, "disable job=NightlyJob"),
        ["Job \"NightlyJob\" disabled"],
        "{out}"
    );
    assert!(!has_job(&out, "NightlyJob"), "{out}");
    to_bacula_dir(&mut s);
    assert!(
        has_job(&status(&s), "NightlyJob"),
        "bacula-dir 9.6.7 now keeps a disable across a restart"
    );
}

/// The narrow console's output.
fn narrow(s: &Setup, input: &str) -> String {
    s.console_as(NARROW, NARROW_PASSWORD, input)
}

#[test]
fn a_restricted_console_cannot_switch_or_see_what_is_outside_its_acls_and_hostile_names_change_nothing(
) {
    let s = setup_conf("fd-secret", None, extra);
    for (command, answer_line) in [
        ("disable job=WeeklyJob", "Job \"WeeklyJob\" not found."),
        ("disable job=NoSuchJob", "Job \"NoSuchJob\" not found."),
        ("disable client=other-fd", "Client \"other-fd\" not found."),
        ("disable schedule=Weekly", "Schedule \"Weekly\" not found."),
        ("enable schedule=Weekly", "Schedule \"Weekly\" not found."),
    ] {
        let out = narrow(&s, &format!("{command}\n"));
        assert_eq!(answer(&out, command), [answer_line], "{out}");
    }
    let out = status(&s);
    assert!(
        has_job(&out, "WeeklyJob"),
        "a refused disable changed something: {out}"
    );
    assert!(!std::fs::read_dir(s.root.path().join("dir"))
        .unwrap()
        .any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".enabled")));

    // What it may see is all it is offered and shown.
    let out = narrow(&s, "disable job\nstatus schedule days=8\n");
    assert!(
        out.contains("Automatically selected Job: NightlyJob"),
        "{out}"
    );
    assert!(
        !out.contains("WeeklyJob") && !out.contains("Other"),
        "{out}"
    );
    let command = "status schedule days=8 job=WeeklyJob,NightlyJob";
    let out = narrow(&s, &format!("enable job=NightlyJob\n{command}\n"));
    let shown = answer(&out, command).join("\n");
    assert!(
        has_job(&shown, "NightlyJob") && !shown.contains("WeeklyJob"),
        "{out}"
    );

    // Hostile names and numbers: refused, nothing changed, the Director
    // still answers.
    let huge = "J".repeat(200_000);
    for command in [
        "disable job=\"x'; DELETE FROM Job; --\"".to_string(),
        format!("disable job={huge}"),
        format!("disable schedule=\"{huge}\" client={huge}"),
        "status schedule days=99999999999999999999999 limit=-7 job=,,,, client=\"'\" time=\"2026-13-45 99:99\"".into(),
        "status schedule days=3000 limit=0".into(),
    ] {
        let out = s.console(&format!("{command}\n"));
        assert!(!out.contains("DELETE FROM Job;\n") && !out.is_empty(), "{out}");
    }
    let mut raw = b"disable job=\xff\xfe\x80name\nenable client=\"\xc3\x28\"\n".to_vec();
    raw.extend_from_slice(b"version\n");
    let out = String::from_utf8_lossy(&s.console_raw(&raw)).into_owned();
    assert!(
        out.contains("not found.") && out.contains("test-dir Version:"),
        "{out}"
    );
    let out = status(&s);
    assert!(
        has_job(&out, "WeeklyJob") && has_job(&out, "NightlyJob"),
        "{out}"
    );
    let out = s.console("status schedule days=9999 limit=3\n");
    assert_eq!(scheduled(&out).len(), 3, "{out}");
    assert!(
        out.contains("Ignoring invalid value for days. Max is 3000."),
        "{out}"
    );
}

/// The catalog's VolStatus and pool of `volume`, if it has a record.
fn volume_row(s: &Setup, volume: &str) -> Option<(String, String, i64)> {
    use rusqlite::OptionalExtension;
    s.catalog()
        .query_row(
            "SELECT VolStatus, Pool.Name, VolBytes FROM Media JOIN Pool USING (PoolId) WHERE VolumeName = ?1",
            [volume],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .unwrap()
}

/// Labels `volume` in `pool` and marks it Recycle, as a volume whose
/// jobs were pruned is before it is reused.
fn recycled_volume(s: &Setup, volume: &str, pool: &str) {
    let out = s.console(&format!(
        "label volume={volume} pool={pool} storage=File\nupdate volume={volume} volstatus=Recycle\n"
    ));
    assert_eq!(
        volume_row(s, volume).map(|v| v.0).as_deref(),
        Some("Recycle"),
        "{out}"
    );
}

#[test]
fn relabel_renames_a_recycled_volume_on_the_storage_daemon_and_in_the_catalog_as_bacula_dir_does() {
    let mut s = setup_conf("fd-secret", None, extra);
    recycled_volume(&s, "OldA", "Full");
    recycled_volume(&s, "OldB", "Full");
    recycled_volume(&s, "OldC", "Full");
    recycled_volume(&s, "SmallOld", "Small");
    let appendable = "label volume=Live pool=Full storage=File\n";
    s.console(appendable);

    let command = "relabel storage=File oldvolume=OldA volume=NewA pool=Full";
    let ours = s.console(&format!("{command}\n"));
    let ours = answer(&ours, command).join("\n");
    assert!(ours.contains("3000 OK label."), "{ours}");
    // automount is on: the new volume is mounted, as bacula-dir mounts it.
    assert!(ours.contains("Requesting to mount FileDev ..."), "{ours}");
    assert_eq!(volume_row(&s, "OldA"), None, "{ours}");
    let (status, pool, bytes) = volume_row(&s, "NewA").expect("no record for the new name");
    assert_eq!((status.as_str(), pool.as_str()), ("Append", "Full"));
    assert!(bytes > 0);
    // The storage daemon wrote the new name in the label of the file.
    // The storage daemon (9.6.7, the same for either Director) writes
    // the new label in the volume's file, which keeps its old name.
    let label = std::fs::read(s.root.path().join("volumes/OldA")).unwrap();
    assert!(label.windows(5).any(|w| w == b"NewA\0"), "{ours}");

    let refused = "relabel storage=File oldvolume=Live volume=NewLive pool=Full";
    let ours_refused = s.console(&format!("{refused}\n"));

    // The narrow console may not relabel a volume of a pool outside its
    // PoolACL, nor reach a storage outside its StorageACL.
    let out = narrow(
        &s,
        "relabel storage=File oldvolume=SmallOld volume=Stolen pool=Full\n",
    );
    assert!(out.contains("Volume \"SmallOld\" not found."), "{out}");
    let out = narrow(
        &s,
        "relabel storage=Gone oldvolume=SmallOld volume=Stolen pool=Full\n",
    );
    assert!(
        out.contains("Storage resource \"Gone\": not found"),
        "{out}"
    );
    assert!(
        out.contains("Automatically selected Storage: File"),
        "{out}"
    );
    assert!(out.contains("Volume \"SmallOld\" not found."), "{out}");
    assert_eq!(volume_row(&s, "SmallOld").unwrap().0, "Recycle");
    assert_eq!(volume_row(&s, "Stolen"), None);
    // A pool outside its PoolACL is not used: it is offered its own.
    let out = narrow(
        &s,
        "relabel storage=File oldvolume=OldC volume=Moved pool=Small\n",
    );
    assert!(out.contains("Pool resource \"Small\": not found"), "{out}");
    assert!(out.contains("Automatically selected Pool: Full"), "{out}");
    assert_eq!(volume_row(&s, "Moved").unwrap().1, "Full", "{out}");
    // Hostile names: refused, nothing written.
    let huge = "v".repeat(100_000);
    for (command, expected) in [
        (
            "relabel storage=File oldvolume=\"OldB' OR '1'='1\" volume=x pool=Full".to_string(),
            "Volume \"OldB' OR '1'='1\" not found.",
        ),
        (
            "relabel storage=File oldvolume=OldB volume=\"a/../../etc\" pool=Full".into(),
            "Illegal volume name \"a/../../etc\"",
        ),
        (
            format!("relabel storage=File oldvolume=OldB volume={huge} pool=Full"),
            "Illegal volume name",
        ),
    ] {
        let out = s.console(&format!("{command}\n"));
        assert!(out.contains(expected), "{}", &out[..out.len().min(2000)]);
    }
    assert_eq!(volume_row(&s, "OldB").unwrap().0, "Recycle");

    to_bacula_dir(&mut s);
    let command_b = "relabel storage=File oldvolume=OldB volume=NewB pool=Full";
    // `use` first: bacula-dir asks for a catalog, the site naming two.
    let theirs_raw = s.console(&format!("use catalog=MyCatalog\n{command_b}\n"));
    let theirs = answer(&theirs_raw, command_b)
        .join("\n")
        .replace("NewB", "NewA")
        .replace("OldB", "OldA");
    assert_eq!(volume_row(&s, "OldB"), None, "{theirs_raw}");
    // Line for line, the mount after the relabel included.
    // bacula-dir names the catalog on the first command of a session
    // that opens it (ua_cmds.c open_client_db); rdird does not.
    let upto = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| {
                !l.starts_with("Automatically selected Catalog") && !l.starts_with("Using Catalog")
            })
            .map(|l| match l.find("VolBytes=") {
                Some(i) => l[..i].to_string(),
                None => l.to_string(),
            })
            .collect()
    };
    assert_eq!(
        upto(&ours),
        upto(&theirs),
        "ours:\n{ours}\ntheirs:\n{theirs}"
    );
    let theirs_refused = s.console(&format!("use catalog=MyCatalog\n{refused}\n"));
    assert_eq!(
        upto(&answer(&ours_refused, refused).join("\n")),
        upto(&answer(&theirs_refused, refused).join("\n"))
    );
}

/// The Media record of `volume` as a label leaves it, the columns
/// bacula-dir's send_label_request sets.
fn labeled_row(s: &Setup, volume: &str) -> Vec<String> {
    s.catalog()
        .query_row(
            "SELECT Media.VolStatus, Media.VolType, Media.StorageId, COALESCE(Media.LabelDate, 0), Media.InChanger, Media.Enabled, Media.Slot, Media.LabelType, Media.Recycle, Media.VolRetention, Media.MaxVolJobs, Media.VolBytes > 0, Pool.Name
             FROM Media JOIN Pool USING (PoolId) WHERE VolumeName = ?1",
            [volume],
            |r| {
                (0..13)
                    .map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")))
                    .collect()
            },
        )
        .unwrap()
}

/// An answer with the names and sizes of two runs made the same.
fn same_names(lines: &[&str], from: &str, to: &str) -> Vec<String> {
    lines
        .iter()
        .filter(|l| {
            !l.starts_with("Automatically selected Catalog") && !l.starts_with("Using Catalog")
        })
        .map(|l| {
            let l = l.replace(from, to);
            match l.find("VolBytes=") {
                Some(i) => l[..i].to_string(),
                None => l,
            }
        })
        .collect()
}

#[test]
fn label_writes_the_media_record_and_mounts_the_volume_as_bacula_dir_does() {
    let mut s = setup_conf("fd-secret", None, extra);
    let command = "label volume=LabA pool=Full storage=File";
    let ours = s.console(&format!("{command}\nshow storage=File\n"));
    let ours_lines = answer(&ours, command);
    assert!(
        ours_lines.contains(&"Requesting to mount FileDev ...")
            && ours_lines
                .iter()
                .any(|l| l.starts_with("3906 ") || l.starts_with("3001 ")),
        "{ours}"
    );
    // The catalog's StorageId of the Storage, the one show prints; a File
    // device's VolType (1); LabelDate unset until a job writes.
    let storage_id: i64 = s
        .catalog()
        .query_row(
            "SELECT StorageId FROM Storage WHERE Name = 'File'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(storage_id > 0);
    let ours_show = answer(&ours, "show storage=File").join("\n");
    assert!(
        ours_show.contains(&format!("StorageId={storage_id} ")),
        "{ours_show}"
    );
    let ours_row = labeled_row(&s, "LabA");
    assert_eq!(
        ours_row[..5],
        [
            "Text(\"Append\")".to_string(),
            "Integer(1)".into(),
            format!("Integer({storage_id})"),
            "Integer(0)".into(),
            "Integer(0)".into()
        ],
        "{ours}"
    );
    // The first job to write on it sets its LabelDate to its start.
    let out = s.console("run job=Backup level=Full yes\nwait\nmessages\n");
    assert_eq!(report_line(&out, "Termination:"), "Backup OK", "{out}");
    let (label_date, start): (String, String) = s
        .catalog()
        .query_row(
            "SELECT Media.LabelDate, Job.StartTime FROM Media, Job WHERE Media.VolumeName = 'LabA' AND Job.Name = 'Backup'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(label_date, start, "{out}");

    // The narrow console labels only in its own pool and storage, and a
    // hostile name is refused: nothing is written for either.
    let out = narrow(&s, "label volume=Stolen pool=Small storage=File\n");
    assert!(out.contains("Could not find Pool \"Small\"."), "{out}");
    let out = narrow(&s, "label volume=Stolen pool=Full storage=Gone\n");
    assert!(
        out.contains("Storage resource \"Gone\": not found"),
        "{out}"
    );
    let huge = "v".repeat(100_000);
    let out = narrow(
        &s,
        &format!("label volume=\"x'); DROP TABLE Media; --\" pool=Full storage=File\n.\nlabel volume={huge} pool=Full storage=File\n.\n"),
    );
    assert!(
        out.contains("Illegal character"),
        "{}",
        &out[..out.len().min(2000)]
    );
    assert!(
        out.contains("Volume name too long."),
        "{}",
        &out[..out.len().min(2000)]
    );
    assert!(volume_row(&s, "Stolen").is_none());
    let volumes: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Media", [], |r| r.get(0))
        .unwrap();
    assert_eq!(volumes, 1);

    let ours_status = director_status(&s);

    // bacula-dir 9.6.7 on the same catalog: the same lines and the same
    // record.
    to_bacula_dir(&mut s);
    let command_b = "label volume=LabB pool=Full storage=File";
    let theirs = s.console(&format!(
        "use catalog=MyCatalog\n{command_b}\nshow storage=File\n"
    ));
    assert_eq!(
        same_names(&ours_lines, "LabA", "Lab"),
        same_names(&answer(&theirs, command_b), "LabB", "Lab"),
        "ours:\n{ours}\ntheirs:\n{theirs}"
    );
    assert_eq!(
        answer(&theirs, "show storage=File").join("\n"),
        ours_show,
        "{theirs}"
    );
    assert_eq!(labeled_row(&s, "LabB"), ours_row, "{theirs}");

    // `status dir`'s header and `.api 2` `.status dir running`: the
    // lines and keys bacula-dir prints, with each Director's own figures.
    let theirs_status = director_status(&s);
    assert_eq!(ours_status.0, theirs_status.0);
    assert_eq!(ours_status.1, theirs_status.1);
    // rdird's counts are its own, and real.
    let heap = ours_status
        .2
        .lines()
        .find(|l| l.starts_with(" Heap:"))
        .unwrap();
    for key in ["heap=", "smbytes=", "max_bytes=", "bufs=", "max_bufs="] {
        let v = heap
            .split(key)
            .nth(1)
            .and_then(|v| v.split_whitespace().next())
            .unwrap();
        assert!(v.replace(',', "").parse::<u64>().unwrap() > 0, "{heap}");
    }
}

/// `status dir`'s header lines with every number made `N` (the figures
/// are each Director's own), then the keys and a few values of the
/// `.api 2` object `.status dir running` gives for a running Admin job,
/// then `status dir` as given.
fn director_status(s: &Setup) -> (Vec<String>, Vec<String>, String) {
    let out = s.console("status dir\n");
    let header: Vec<String> = out
        .lines()
        .skip_while(|l| *l != "status dir")
        .skip(2)
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let mut n = String::new();
            for c in l.chars() {
                if c.is_ascii_digit() || c == ',' && n.ends_with('N') {
                    if !n.ends_with('N') {
                        n.push('N');
                    }
                } else {
                    n.push(c);
                }
            }
            n
        })
        .collect();
    let run = s.console("use catalog=MyCatalog\nrun job=Slow yes\n");
    assert!(run.contains("Job queued. JobId="), "{run}");
    std::thread::sleep(std::time::Duration::from_secs(1));
    let api = s.console(".api 2\n.status dir running\n");
    s.console("wait\n");
    let fields: Vec<String> = api
        .lines()
        .skip_while(|l| !l.starts_with(".status dir running"))
        .skip(1)
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| match k {
            // Not the status: bacula-dir 9.6.7 gives an Admin job in its
            // RunBeforeJob `C`, rdird `R`.
            "name" | "type" | "clientname" | "fileset" => {
                format!("{k}={v}")
            }
            _ => k.to_string(),
        })
        .collect();
    assert!(fields.contains(&"name=Slow".to_string()), "{api}");
    (header, fields, out)
}

/// The volumes of `pool` with their status and bytes, by name.
fn pool_volumes(s: &Setup, pool: &str) -> Vec<(String, String, i64)> {
    let db = s.catalog();
    let mut q = db
        .prepare("SELECT VolumeName, VolStatus, VolBytes FROM Media JOIN Pool USING (PoolId) WHERE Pool.Name = ?1 ORDER BY VolumeName")
        .unwrap();
    q.query_map([pool], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn add_creates_numbered_or_fixed_catalog_volumes_with_bacula_dirs_prompts() {
    let mut s = setup_conf("fd-secret", None, extra);
    let ours = s.console("add pool=Full storage=File\n3\nBatch\n5\n");
    let ours_fixed = s.console("add pool=Full storage=File\n0\nSolo\n");
    let names: Vec<(String, String, i64)> = pool_volumes(&s, "Full");
    let expected: Vec<(String, String, i64)> = ["Batch0005", "Batch0006", "Batch0007", "Solo"]
        .iter()
        .map(|n| (n.to_string(), "Append".to_string(), 0))
        .collect();
    assert_eq!(names, expected, "{ours}\n{ours_fixed}");
    // Each record names the Storage's catalog StorageId, as add_cmd's
    // set_storageid_in_mr gives it.
    let unset: i64 = s
        .catalog()
        .query_row(
            "SELECT COUNT(*) FROM Media WHERE StorageId IS NOT (SELECT StorageId FROM Storage WHERE Name = 'File')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(unset, 0, "{ours}");
    // The same without prompts.
    let out = s.console("add pool=Small storage=File count=2 volume=Quick startnum=9\n");
    assert!(out.contains("2 Volumes created in pool Small"), "{out}");
    assert_eq!(pool_volumes(&s, "Small").len(), 2, "{out}");

    // The narrow console cannot add to a pool outside its PoolACL: it is
    // offered its own.
    let out = narrow(&s, "add pool=Small storage=File count=0 volume=Evil\n");
    assert!(out.contains("Automatically selected Pool: Full"), "{out}");
    assert_eq!(volume_row(&s, "Evil").unwrap().1, "Full", "{out}");
    assert_eq!(pool_volumes(&s, "Small").len(), 2);
    // Hostile numbers and names create nothing.
    for (command, expected) in [
        (
            "add pool=Full storage=File count=99999999999",
            "The number must be between 0 and 1000",
        ),
        (
            "add pool=Full storage=File count=-3",
            "The number must be between 0 and 1000",
        ),
        (
            "add pool=Full storage=File count=0 volume=\"x'); DROP TABLE Media; --\"",
            "Illegal volume name",
        ),
        (
            "add pool=Full storage=File count=2 volume=Neg startnum=-1",
            "Start number must be greater than zero.",
        ),
    ] {
        let out = s.console(&format!("{command}\n"));
        assert!(out.contains(expected), "{out}");
    }
    assert_eq!(pool_volumes(&s, "Full").len(), 5);
    let huge = format!(
        "add pool=Full storage=File count=0 volume={}\n",
        "n".repeat(50_000)
    );
    let out = s.console(&huge);
    assert!(
        out.contains("Volume name too long."),
        "{}",
        &out[..out.len().min(500)]
    );
    assert_eq!(pool_volumes(&s, "Full").len(), 5);

    to_bacula_dir(&mut s);
    // `use` first: bacula-dir asks for a catalog, the site naming two.
    let theirs = s.console("use catalog=MyCatalog\nadd pool=Full storage=File\n3\nTheirs\n1\n");
    let theirs_fixed = s.console("use catalog=MyCatalog\nadd pool=Full storage=File\n0\nFixed\n");
    assert!(volume_row(&s, "Theirs0003").is_some(), "{theirs}");
    let strip = |t: &str| -> Vec<String> {
        answer(t, "add pool=Full storage=File")
            .into_iter()
            .filter(|l| {
                !l.starts_with("Automatically selected Catalog") && !l.starts_with("Using Catalog")
            })
            .map(|l| {
                l.replace("Theirs", "Batch")
                    .replace("Fixed", "Solo")
                    .replace(": 1", ": 5")
            })
            .collect()
    };
    assert_eq!(
        strip(&ours),
        strip(&theirs),
        "ours:\n{ours}\ntheirs:\n{theirs}"
    );
    assert_eq!(
        strip(&ours_fixed),
        strip(&theirs_fixed),
        "ours:\n{ours_fixed}\ntheirs:\n{theirs_fixed}"
    );
}

/// `Tue 01-Dec-2026 18:05:01` without its time of day.
fn day_of(time_line: &str) -> &str {
    let ok = time_line.len() == 24
        && ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].contains(&&time_line[..3])
        && time_line.as_bytes()[6] == b'-'
        && time_line.as_bytes()[10] == b'-'
        && time_line[16..].chars().filter(|c| *c == ':').count() == 2;
    assert!(ok, "not bacula-dir's time layout: {time_line:?}");
    &time_line[..15]
}

#[test]
fn time_var_use_create_gui_autodisplay_and_automount_answer_as_bacula_dir() {
    let mut s = setup_conf("fd-secret", None, extra);
    let script = [
        "time",
        "gui",
        "gui on",
        "autodisplay",
        "autodisplay off",
        "automount",
        "var Year ${Year}, on ${Dir} at $Hour",
        "use catalog=MyCatalog",
        "create pool=Full",
    ];
    let input = |s: &[&str]| s.iter().map(|c| format!("{c}\n")).collect::<String>();
    // `automount` asks; its answer is the next line.
    let ours = s.console(&input(&script).replace("automount\n", "automount\noff\n"));
    let hour = format!("{:02}", {
        let t = std::time::SystemTime::now();
        let secs = t.duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
        let mut tm: libc::tm = unsafe { std::mem::zeroed() };
        unsafe { libc::localtime_r(&secs, &mut tm) };
        tm.tm_hour
    });
    assert_eq!(
        answer(&ours, "var Year ${Year}, on ${Dir} at $Hour")[0],
        format!(
            "Year {}, on test-dir at {hour}",
            &answer(&ours, "time")[0][11..15]
        )
    );
    assert_eq!(
        answer(&ours, "create pool=Full"),
        [
            "Error: Pool Full already exists.",
            "Use update to change it.",
            "Pool Full created."
        ]
    );
    let out = s.console("use catalog=Second\nvar ${Pool}\nmemory\n");
    assert_eq!(
        answer(&out, "use catalog=Second"),
        ["Catalog \"Second\" cannot be used: rdird keeps one catalog, \"MyCatalog\"."]
    );
    assert_eq!(
        answer(&out, "var ${Pool}"),
        ["${Pool} has a value only in a job."]
    );
    let memory = answer(&out, "memory");
    assert!(memory[0].starts_with("test-dir Version: "), "{out}");
    assert!(
        memory[1].starts_with(" Memory: rss=") && !memory[1].contains('?'),
        "{out}"
    );

    // With autodisplay on, the job's report follows the next command
    // without `messages`.
    let out = s.console("autodisplay on\nrun job=Backup yes\nwait\nversion\n");
    assert!(out.contains("Termination:"), "{out}");

    // The narrow console: its catalog only; pools of its PoolACL; no
    // command outside its CommandACL; hostile text expands to nothing
    // it should not.
    let out = narrow(
        &s,
        "use catalog=Second\ncreate pool=Small\ntime\nvar ${HOME} \"'; DROP TABLE Job; -- ${Year\n",
    );
    assert!(
        out.contains("Automatically selected Catalog: MyCatalog"),
        "{out}"
    );
    assert!(out.contains("Using Catalog name=MyCatalog DB=cat"), "{out}");
    assert!(out.contains("Pool resource \"Small\": not found"), "{out}");
    assert!(out.contains("time: is an invalid command."), "{out}");
    assert!(out.contains("\"${\" is not closed"), "{out}");
    let huge = format!("var {}\n", "${Year}".repeat(20_000));
    let out = s.console(&huge);
    assert!(
        out.contains(&"2026".repeat(100)) || out.contains("Year"),
        "{}",
        &out[..out.len().min(300)]
    );

    to_bacula_dir(&mut s);
    let theirs = s.console(&input(&script).replace("automount\n", "automount\noff\n"));
    for command in &script[1..] {
        let strip = |t: &str| -> Vec<String> {
            answer(t, command)
                .into_iter()
                .filter(|l| {
                    !l.starts_with("Automatically selected Catalog")
                        && !l.starts_with("Using Catalog \"")
                })
                .map(str::to_string)
                .collect()
        };
        let mut ours_lines = strip(&ours);
        let mut theirs_lines = strip(&theirs);
        if command.starts_with("var") {
            // The hour may have turned between the two.
            ours_lines
                .iter_mut()
                .chain(theirs_lines.iter_mut())
                .for_each(|l| l.truncate(l.len() - 2));
        }
        assert_eq!(
            ours_lines, theirs_lines,
            "{command}\nours:\n{ours}\ntheirs:\n{theirs}"
        );
    }
    assert_eq!(
        day_of(answer(&ours, "time")[0]),
        day_of(answer(&theirs, "time")[0])
    );
}

#[test]
fn restart_runs_a_failed_job_again_with_its_level_and_pool_and_stop_cloud_snapshot_say_what_they_do(
) {
    let mut s = setup_conf("fd-secret", None, extra);
    // In a pool other than its Job's, which the restarted job must keep.
    let out = s.console("run job=Backup pool=Small yes\nwait\n");
    let first = job_ids(&out)[0];
    assert_eq!(s.job_status(first), "T", "{out}");
    // As a job the file daemon failed would be left.
    s.catalog()
        .execute("UPDATE Job SET JobStatus = 'f' WHERE JobId = ?1", [first])
        .unwrap();

    let out = s.console(&format!("restart failed jobid={first} yes\nwait\n"));
    let again = job_ids(&out)
        .into_iter()
        .find(|id| *id != first)
        .expect("no new job");
    assert_eq!(s.job_status(again), "T", "{out}");
    let (name, level, pool): (String, String, String) = s
        .catalog()
        .query_row(
            "SELECT Job.Name, Level, Pool.Name FROM Job JOIN Pool USING (PoolId) WHERE JobId = ?1",
            [again],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        (name.as_str(), level.as_str(), pool.as_str()),
        ("Backup", "F", "Small")
    );

    // Asked for everything: the choices, the list, the JobIds.
    let ours = s.console(&format!("restart\n3\n{first}\nwait\n"));
    assert!(ours.contains("Job queued. JobId="), "{ours}");

    // The narrow console may not run again a job outside its JobACL,
    // and is not shown it.
    let out = narrow(
        &s,
        &format!("restart failed jobid={first} yes\nrestart failed\n"),
    );
    assert!(
        out.contains(&format!("JobId={first} entered is not in the list.")),
        "{out}"
    );
    assert!(out.contains("No results to list."), "{out}");
    for (command, expected) in [
        ("restart failed jobid=1-99999999 yes", "Invalid JobId list"),
        (
            "restart failed jobid=\"1); DELETE FROM Job; --\" yes",
            "Invalid JobId list",
        ),
        (
            "restart all job=\"x' OR 1=1\" yes",
            "Invalid or no Job name specified.",
        ),
        ("stop jobid=1", "Warning Job JobId=1 is not running."),
        ("cloud list storage=File", "cloud: does not apply"),
        ("snapshot list", "snapshot: does not apply"),
    ] {
        let out = s.console(&format!("{command}\n"));
        assert!(out.contains(expected), "{command}: {out}");
    }
    let jobs: i64 = s
        .catalog()
        .query_row("SELECT COUNT(*) FROM Job", [], |r| r.get(0))
        .unwrap();
    assert_eq!(jobs, 3);

    to_bacula_dir(&mut s);
    // bacula-dir first asks which catalog (the site names two).
    let theirs = s.console(&format!("restart\n1\n3\n{first}\nwait\n"));
    let choices = |t: &str| -> Vec<String> {
        t.lines()
            .skip_while(|l| !l.starts_with("You have the following choices:"))
            .take(6)
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        choices(&ours),
        choices(&theirs),
        "ours:\n{ours}\ntheirs:\n{theirs}"
    );
    let queued = |t: &str| {
        t.lines()
            .filter(|l| l.starts_with("Job queued. JobId="))
            .count()
    };
    assert_eq!(
        (queued(&ours), queued(&theirs)),
        (1, 1),
        "ours:\n{ours}\ntheirs:\n{theirs}"
    );
    // Both list the failed job, with list jobs' columns.
    for t in [&ours, &theirs] {
        let listed = t
            .lines()
            .any(|l| l.split('|').nth(1).map(str::trim) == Some(first.to_string().as_str()));
        assert!(t.contains("| JobId | Name") && listed, "{t}");
    }
}
