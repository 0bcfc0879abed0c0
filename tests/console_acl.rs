//! A restricted console (CommandACL = *all*, one Job, Client, Pool,
//! FileSet, Storage and Where in its other ACLs) against a site of real
//! daemons whose catalog holds jobs, volumes and files inside and outside
//! those ACLs: what it may not touch stays as it was, in the catalog and
//! on disk; what it may not see never appears in what it reads; what its
//! ACLs allow still works.

mod common;

use std::collections::BTreeMap;

use common::site::*;

const NARROW: &str = "narrow";
const NARROW_PASSWORD: &str = "narrow-secret";

/// Words that name only things outside the narrow console's ACLs (or
/// secrets no console is shown): none may appear in what it reads.
/// `MixedJob` is in its JobACL but runs on a client outside its
/// ClientACL, so its resource may be shown and its jobs (`MixedJob.2…`,
/// the unique names) may not.
const OUTSIDE: &[&str] = &[
    "OffLimits",
    "ForeignJob",
    "MixedJob.2",
    "offlimits-fd",
    "OffPool",
    "OffSet",
    "OffStore",
    "OffVol",
    "offdata",
    "gone-fd",
    "NoStorage",
    "Span",
    "admin2",
    "relay-secret-host",
    "console-secret",
    "fd-secret",
    "sd-secret",
    "narrow-secret",
];

fn extra(p: &Place<'_>) -> String {
    let off = p.root.join("offdata");
    std::fs::create_dir_all(&off).unwrap();
    std::fs::write(off.join("offlimits-secret.txt"), "secret\n".repeat(100)).unwrap();
    format!(
        "Messages {{ Name = Logged; Console = all; Catalog = all }}\n\
         Messages {{ Name = Mailer; MailCommand = \"/usr/sbin/bsmtp -h relay-secret-host -f %r %r\"; Mail = root@localhost = all }}\n\
         Client {{ Name = offlimits-fd; Address = 127.0.0.1; FD Port = {fd}; Password = \"fd-secret\"; Catalog = MyCatalog }}\n\
         Pool {{ Name = OffPool; Pool Type = Backup; Label Format = \"OffVol-\" }}\n\
         FileSet {{ Name = \"OffSet\"; Include {{ Options {{ Signature = MD5 }}; File = {off} }} }}\n\
         Storage {{ Name = OffStore; Address = 127.0.0.1; SD Port = {sd}; Password = \"sd-secret\"; Device = FileDev; Media Type = File }}\n\
         Job {{ Name = OffLimitsJob; Type = Backup; Level = Full; Client = offlimits-fd; FileSet = \"OffSet\"; Storage = OffStore; Pool = OffPool; Messages = Logged }}\n\
         Job {{ Name = ForeignJob; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Logged }}\n\
         Job {{ Name = MixedJob; Type = Backup; Level = Full; Client = offlimits-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Logged }}\n\
         Job {{ Name = Mine; Type = Backup; Level = Full; Client = test-fd; FileSet = \"Set\"; Storage = File; Pool = Full; Messages = Logged }}\n\
         Job {{ Name = OffLimitsSlow; Type = Admin; Client = offlimits-fd; FileSet = \"OffSet\"; Storage = OffStore; Pool = OffPool; Messages = Logged; RunBeforeJob = \"/bin/sleep 6\" }}\n\
         Console {{ Name = admin2; Password = \"admin2-pw\"; CommandACL = *all*; JobACL = *all*; ClientACL = *all*; PoolACL = *all*; StorageACL = *all*; FileSetACL = *all*; CatalogACL = *all*; WhereACL = *all*; }}\n\
         Console {{ Name = {NARROW}; Password = \"{NARROW_PASSWORD}\"; CommandACL = *all*; JobACL = Backup, MixedJob, Mine; ClientACL = test-fd; PoolACL = Full; FileSetACL = Set; StorageACL = File; CatalogACL = MyCatalog; WhereACL = \"/tmp/allowed-where\"; }}\n",
        fd = p.fd_port,
        sd = p.sd_port,
        off = off.display(),
    )
}

/// The JobIds of the backups the full console ran, by Job name.
struct Site {
    s: Setup,
    ids: BTreeMap<&'static str, i64>,
    /// The volume OffLimitsJob wrote, in OffPool (Label Format numbers
    /// volumes by MediaId).
    off_vol: String,
}

impl Site {
    /// The narrow console's output for one command (`OffVol-0001`
    /// stands for the OffPool volume).
    fn narrow(&self, command: &str) -> String {
        let command = command.replace("OffVol-0001", &self.off_vol);
        self.s
            .console_as(NARROW, NARROW_PASSWORD, &format!("{command}\n"))
    }

    fn id(&self, job: &str) -> i64 {
        self.ids[job]
    }
}

/// A site where the full console has backed up `Backup` (inside every
/// ACL), `ForeignJob` (outside JobACL, on the volume `Backup` wrote),
/// `MixedJob` (in JobACL, outside ClientACL) and `OffLimitsJob` (outside
/// every ACL, on its own pool's volume `OffVol-0001`).
fn site() -> Site {
    let s = setup_conf("fd-secret", None, extra);
    let jobs = ["Backup", "ForeignJob", "MixedJob", "OffLimitsJob"];
    let input: String = jobs
        .iter()
        .map(|j| format!("run job={j} yes\nwait\n"))
        .collect();
    let out = s.console(&input);
    let mut ids = BTreeMap::new();
    for j in jobs {
        let (id, status): (i64, String) = s
            .catalog()
            .query_row(
                "SELECT JobId, JobStatus FROM Job WHERE Name = ?1",
                [j],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap_or_else(|e| panic!("no job {j}: {e}\n{out}\n{}", s.log()));
        assert_eq!(status, "T", "{j}: {out}\n{}", s.log());
        ids.insert(j, id);
    }
    let off_vol: String = s
        .catalog()
        .query_row(
            "SELECT VolumeName FROM Media JOIN Pool USING (PoolId) WHERE Pool.Name = 'OffPool'",
            [],
            |r| r.get(0),
        )
        .unwrap_or_else(|e| panic!("no OffPool volume: {e}\n{out}"));
    for v in ["Vol-0001", off_vol.as_str()] {
        assert!(s.root.path().join("volumes").join(v).exists(), "{v}: {out}");
    }
    Site { s, ids, off_vol }
}

/// Every row of every table of the catalog, and every volume file's size
/// and content, as text.
fn snapshot(s: &Setup) -> String {
    let db = s.catalog();
    let tables: Vec<String> = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut text = String::new();
    for t in tables {
        let mut q = db.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
        let n = q.column_count();
        let mut rows: Vec<String> = q
            .query_map([], |r| {
                Ok((0..n)
                    .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        rows.sort();
        text.push_str(&format!("== {t}\n{}\n", rows.join("\n")));
    }
    let mut files: Vec<_> = std::fs::read_dir(s.root.path().join("volumes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let sum: u64 = bytes.iter().fold(1469598103934665603u64, |h, b| {
            (h ^ *b as u64).wrapping_mul(1099511628211)
        });
        text.push_str(&format!("== {} {} {sum:x}\n", f.display(), bytes.len()));
    }
    text
}

/// The commands that act on a job, volume, pool, client, storage,
/// fileset or path outside the narrow console's ACLs, each with the words
/// its refusal must contain.
fn acting_outside(site: &Site) -> Vec<(String, &'static str)> {
    let (foreign, mixed, off) = (
        site.id("ForeignJob"),
        site.id("MixedJob"),
        site.id("OffLimitsJob"),
    );
    let mut v: Vec<(String, &'static str)> = vec![
        (
            "update volume=OffVol-0001 volstatus=Used".into(),
            "Volume \"OffVol-0001\" not found.",
        ),
        (
            "update volume=OffVol-0001 volstatus=Disabled".into(),
            "not found",
        ),
        ("update volume=OffVol-0001 pool=Full".into(), "not found"),
        (
            "update volume=OffVol-0001 recyclepool=Full".into(),
            "not found",
        ),
        (
            "update volume=Vol-0001 pool=OffPool".into(),
            "Pool \"OffPool\" not found.",
        ),
        (
            "update volume=Vol-0001 recyclepool=OffPool".into(),
            "Pool \"OffPool\" not found.",
        ),
        (
            "update volume=Vol-0001 volstatus=Purged".into(),
            "Invalid VolStatus specified: Purged",
        ),
        (
            "update volume=Vol-0001 volstatus=Recycle".into(),
            "still holds",
        ),
        (
            "delete volume=OffVol-0001 yes".into(),
            "Volume \"OffVol-0001\" not found.",
        ),
        ("delete volume=Vol-0001 yes".into(), "not authorized"),
        ("prune volume=OffVol-0001 yes".into(), "not found"),
        ("prune volume=Vol-0001 yes".into(), "not authorized"),
        ("purge volume=OffVol-0001 yes".into(), "not found"),
        (
            "purge volume=OffVol-0001 action=truncate yes".into(),
            "not found",
        ),
        ("purge volume=Vol-0001 yes".into(), "not authorized"),
        ("truncate volume=OffVol-0001 yes".into(), "No Volumes found"),
        (
            "truncate pool=OffPool yes".into(),
            "Pool \"OffPool\" not found.",
        ),
        (
            "truncate allpools storage=OffStore yes".into(),
            "No Volumes found",
        ),
        (
            "purge jobs client=offlimits-fd yes".into(),
            "Client \"offlimits-fd\" not found.",
        ),
        ("purge files client=offlimits-fd yes".into(), "not found"),
        ("prune files client=offlimits-fd yes".into(), "not found"),
        ("prune jobs client=offlimits-fd yes".into(), "not found"),
        (
            "run job=OffLimitsJob yes".into(),
            "Job \"OffLimitsJob\" not found.",
        ),
        (
            "run job=ForeignJob yes".into(),
            "Job \"ForeignJob\" not found.",
        ),
        (
            "run job=MixedJob yes".into(),
            "Client \"offlimits-fd\" not found.",
        ),
        (
            "run job=Backup pool=OffPool yes".into(),
            "Pool \"OffPool\" not found.",
        ),
        (
            "run job=Backup storage=OffStore yes".into(),
            "Storage \"OffStore\" not found.",
        ),
        (
            "run job=Backup fileset=OffSet yes".into(),
            "FileSet \"OffSet\" not found.",
        ),
        (
            "run job=Backup client=offlimits-fd yes".into(),
            "Client \"offlimits-fd\" not found.",
        ),
        (
            "run job=Backup where=/tmp/elsewhere yes".into(),
            "No authorization for \"where\"",
        ),
        (
            "run job=Backup regexwhere=!a!b! yes".into(),
            "No authorization for \"regexwhere\"",
        ),
        (
            "label volume=Sneaky-1 pool=OffPool storage=File".into(),
            "Could not find Pool \"OffPool\".",
        ),
        (
            "label volume=Sneaky-2 pool=Full storage=OffStore".into(),
            "Storage resource \"OffStore\": not found",
        ),
    ];
    for id in [foreign, mixed, off] {
        v.push((format!("delete jobid={id}"), "No Job found for JobId"));
        v.push((
            format!("purge files jobid={id} yes"),
            "No Job found for JobId",
        ));
    }
    v
}

#[test]
fn a_restricted_console_changes_nothing_outside_its_acls() {
    let site = site();
    let before = snapshot(&site.s);
    for (command, refusal) in acting_outside(&site) {
        let out = site.narrow(&command);
        let refusal = refusal.replace("OffVol-0001", &site.off_vol);
        assert!(
            out.contains(&refusal),
            "{command}: wanted {refusal:?} in {out}"
        );
    }
    site.narrow("wait");
    assert_eq!(snapshot(&site.s), before, "the catalog or a volume changed");
}

#[test]
fn deleting_a_job_outside_joblist_is_refused_as_a_job_that_does_not_exist() {
    // bacula-dir 9.6.7 deletes it (ua_cmds.c delete_job checks no ACL).
    let site = site();
    let foreign = site.id("ForeignJob");
    let out = site.narrow(&format!("delete jobid={foreign}"));
    assert!(
        out.contains(&format!("No Job found for JobId {foreign}")),
        "{out}"
    );
    let left: i64 = site
        .s
        .catalog()
        .query_row(
            "SELECT COUNT(*) FROM Job WHERE JobId = ?1",
            [foreign],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 1, "{out}");
    let missing = site.narrow("delete jobid=9999");
    assert_eq!(
        answer_naming(&missing, "9999"),
        answer_naming(&out, &foreign.to_string()),
        "a job outside the ACLs must read as a missing one"
    );
}

#[test]
fn updating_a_volume_outside_poolacl_is_refused_as_a_volume_that_does_not_exist() {
    // bacula-dir 9.6.7 updates it (ua_update.c update_volume selects the
    // volume with select_media_dbr, which checks no ACL).
    let site = site();
    let out = site.narrow("update volume=OffVol-0001 volstatus=Disabled");
    assert!(
        out.contains(&format!("Volume \"{}\" not found.", site.off_vol)),
        "{out}"
    );
    let status: String = site
        .s
        .catalog()
        .query_row(
            "SELECT VolStatus FROM Media WHERE VolumeName = ?1",
            [&site.off_vol],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(status, "Append", "{out}");
    let missing = site.narrow("update volume=NoSuchVol volstatus=Disabled");
    assert_eq!(
        answer_naming(&missing, "NoSuchVol"),
        answer_naming(&out, &site.off_vol)
    );
}

/// The reading commands that name nothing.
const READING: &[&str] = &[
    "list jobs",
    "llist jobs",
    "list jobmedia",
    "llist jobmedia",
    "list volumes",
    "llist volumes",
    "list media",
    "list pools",
    "list clients",
    "list filesets",
    "show all",
    "show jobs",
    "show clients",
    "show consoles",
    "show messages",
    "show storages",
    "show pools",
    "show filesets",
    "show directors",
    "status dir",
    "status",
    ".status dir running",
    ".status dir terminated",
    ".api 2\n.status dir terminated",
    ".api 2\n.status dir running\n.status dir header",
    ".api json\nlist jobs",
    ".api json\nlist volumes",
    ".jobs",
    ".clients",
    ".pools",
    ".storage",
    ".filesets",
    ".msgs",
];

/// The reading commands that name one thing (`{}`), each with a name
/// outside the console's ACLs.
const READING_NAMED: &[(&str, &str)] = &[
    ("list job={}", "ForeignJob"),
    ("llist job={}", "OffLimitsJob"),
    ("list volume={}", "OffVol-0001"),
    ("llist volume={}", "OffVol-0001"),
    ("list pool={}", "OffPool"),
    ("show job={}", "OffLimitsJob"),
    ("show job={}", "MixedJob"),
    ("show client={}", "offlimits-fd"),
    ("show pool={}", "OffPool"),
    ("show storage={}", "OffStore"),
    ("show fileset={}", "OffSet"),
    ("show console={}", "admin2"),
    ("status client={}", "offlimits-fd"),
    ("status storage={}", "OffStore"),
];

/// The reading commands about one JobId (`{}`).
const READING_JOB: &[&str] = &[
    "list jobid={}",
    "llist jobid={}",
    "list files jobid={}",
    "list joblog jobid={}",
    "list jobmedia jobid={}",
    "llist jobmedia jobid={}",
];

/// What a console printed after its login banner, with the word `name`
/// (a whole word: `2` is not the `2` of `2026`) written `X`.
fn answer_naming(out: &str, name: &str) -> String {
    let body: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("Enter a period"))
        .skip(1)
        .collect();
    let mut text = String::new();
    let mut word = String::new();
    for c in body.join("\n").chars().chain(['\n']) {
        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            word.push(c);
            continue;
        }
        let w = std::mem::take(&mut word);
        text.push_str(if w == name { "X" } else { &w });
        text.push(c);
    }
    text
}

/// The output without the lines bconsole echoes for `command`.
fn without_echo(out: &str, command: &str) -> String {
    let echoed: Vec<&str> = command.lines().collect();
    out.lines()
        .filter(|l| !echoed.contains(&l.trim()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn nothing_outside_the_acls_appears_in_what_a_restricted_console_reads() {
    let site = site();
    let backup = site.id("Backup");
    for command in READING {
        let out = without_echo(&site.narrow(command), command);
        for word in OUTSIDE {
            assert!(!out.contains(word), "{command}: {word:?} in {out}");
        }
        if command.ends_with("jobmedia") {
            assert!(!out.contains("OffVol"), "{command}: {out}");
        }
    }
    // A name or a JobId outside the ACLs reads exactly as one that does
    // not exist.
    let same_as_missing = |template: &str, outside: &str, missing: &str| {
        let outside = outside.replace("OffVol-0001", &site.off_vol);
        let outside = outside.as_str();
        let a = site.narrow(&template.replace("{}", outside));
        let b = site.narrow(&template.replace("{}", missing));
        assert_eq!(
            answer_naming(&a, outside),
            answer_naming(&b, missing),
            "{template} with {outside}"
        );
    };
    for (template, name) in READING_NAMED {
        same_as_missing(template, name, "NoSuchThing");
    }
    for template in READING_JOB {
        for job in ["ForeignJob", "MixedJob", "OffLimitsJob"] {
            same_as_missing(template, &site.id(job).to_string(), "999999");
        }
    }
    // What the ACLs allow is there.
    let jobs = site.narrow("list jobs");
    assert!(jobs.contains("| Backup "), "{jobs}");
    let files = site.narrow(&format!("list files jobid={backup}"));
    assert!(files.contains("a.txt"), "{files}");
    let volumes = site.narrow("list volumes");
    assert!(volumes.contains("Vol-0001"), "{volumes}");
    let show = site.narrow("show all");
    assert!(
        show.contains("name=Backup") && show.contains("name=narrow"),
        "{show}"
    );
    assert!(show.contains("name=Mailer"), "{show}");
    let status = site.narrow("status dir");
    assert!(status.contains(" Backup"), "{status}");
    // The full console still sees everything.
    let full = site.s.console("list jobs\nshow consoles\nshow messages\n");
    for word in [
        "OffLimitsJob",
        "ForeignJob",
        "MixedJob",
        "admin2",
        "relay-secret-host",
    ] {
        assert!(full.contains(word), "{word}: {full}");
    }
}

#[test]
fn a_restricted_console_gets_only_the_messages_of_jobs_it_may_see() {
    let site = site();
    let out = site.narrow("messages");
    for word in OUTSIDE {
        assert!(!out.contains(word), "{word:?} in {out}");
    }
    assert!(out.contains("Backup.2"), "{out}");
    // The messages it may not see stay for a console that may.
    let full = site.s.console("messages\n");
    for job in ["ForeignJob.2", "MixedJob.2", "OffLimitsJob.2"] {
        assert!(full.contains(job), "{job}: {full}");
    }
    assert!(!full.contains("Backup.2"), "taken twice: {full}");
}

#[test]
fn a_running_job_outside_the_acls_cannot_be_canceled_stopped_waited_for_or_seen() {
    let site = site();
    let out = site.s.console("run job=OffLimitsSlow yes\n");
    let id: i64 = out
        .split("JobId=")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    let started = std::time::Instant::now();
    let narrow = site.narrow(&format!(
        "cancel jobid={id}\nstop jobid={id}\nstop\nstop all yes\ncancel all yes\nwait jobid={id}\nwait\nstatus dir\n.status dir running\n.api 2\n.status dir running"
    ));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "the restricted console waited for a job it may not see: {narrow}"
    );
    assert_eq!(
        narrow
            .matches(&format!("Warning Job JobId={id} is not running."))
            .count(),
        2,
        "{narrow}"
    );
    assert!(!narrow.contains("OffLimits"), "{narrow}");
    let status = site.s.console("status dir\n");
    assert!(status.contains("OffLimitsSlow"), "{status}");
    let end = site.s.console("wait\n");
    let job_status: String = site
        .s
        .catalog()
        .query_row("SELECT JobStatus FROM Job WHERE JobId = ?1", [id], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(job_status, "T", "it was canceled or stopped: {end}");
}

#[test]
fn the_same_commands_inside_the_acls_work() {
    let site = site();
    let out = site.narrow("label volume=Mine-1 pool=Full storage=File");
    assert!(out.contains("successfully created"), "{out}");
    let out = site.narrow("update volume=Mine-1 volstatus=Used");
    assert!(out.contains("New Volume status is: Used"), "{out}");
    let out = site.narrow("purge volume=Mine-1 yes");
    assert!(out.contains("Marking it purged"), "{out}");
    let out = site.narrow("update volume=Mine-1 volstatus=Recycle");
    assert!(out.contains("New Volume status is: Recycle"), "{out}");
    let out = site.narrow("update volume=Mine-1 recyclepool=Full");
    assert!(out.contains("New RecyclePool is: Full"), "{out}");
    let out = site.narrow("delete volume=Mine-1 yes");
    assert!(out.contains("deleted from the catalog"), "{out}");
    let out = site.narrow("run job=Mine where=/tmp/allowed-where yes");
    assert!(out.contains("applies to restores"), "{out}");
    let out = site.narrow("run job=Mine yes\nwait\nstatus dir\nlist jobs");
    assert!(out.contains("Job queued. JobId="), "{out}");
    let mine: i64 = site
        .s
        .catalog()
        .query_row("SELECT JobId FROM Job WHERE Name = 'Mine'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(out.contains("| Mine "), "{out}");
    let out = site.narrow(&format!(
        "list joblog jobid={mine}\nlist jobmedia jobid={mine}"
    ));
    assert!(
        out.contains("Termination:") && out.contains("Vol-0001"),
        "{out}"
    );
    let out = site.narrow(&format!("purge files jobid={mine} yes"));
    assert!(
        out.contains(&format!("Files for jobid {mine} purged")),
        "{out}"
    );
    let out = site.narrow(&format!("delete jobid={mine}"));
    assert!(out.contains("deleted from the catalog"), "{out}");
    // By client: the client's jobs outside JobACL stay.
    let out = site.narrow("purge jobs client=test-fd yes");
    assert!(out.contains("Purged 1 Job for client"), "{out}");
    let left: Vec<String> = site
        .s
        .catalog()
        .prepare("SELECT Name FROM Job ORDER BY Name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(left, ["ForeignJob", "MixedJob", "OffLimitsJob"], "{out}");
    let out = site.narrow("status client=test-fd\nstatus storage=File");
    assert!(out.contains("Connecting to Client test-fd"), "{out}");
    // A storage daemon's report names every client's jobs: a console
    // limited to some clients or jobs is kept from it, as bacula-dir
    // 9.6.7 keeps it (ua_status.c do_storage_status).
    assert!(
        out.contains("Restricted Client or Job does not permit access to  Storage daemons"),
        "{out}"
    );
    let out = site.narrow("python restart\nreload");
    assert!(out.contains("Python scripting is off"), "{out}");
    // reload runs (it is in the CommandACL) and says nothing on success.
    assert!(
        !out.contains("reload: is an invalid command") && !out.contains("Reload failed"),
        "{out}"
    );
}
