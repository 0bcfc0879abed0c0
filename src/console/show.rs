//! `show`: the configuration's resources in bacula-dir's own layout
//! (dird_conf.c dump_resource): `show jobs`, `show job=NAME`, `show
//! pools`, … `show all`, `show disabled`, `show help`. A keyword may be
//! shortened (`show stor`), as ua_output.c show_cmd matches it.
//!
//! No console sees a password (bacula-dir's layout has none). A
//! restricted console sees the Clients, Jobs, JobDefs, Storages,
//! Catalogs, Schedules, FileSets and Pools of its ACLs (a Job only when
//! its Client is in the ClientACL too; bacula-dir's dump_resource checks
//! the name alone), what a shown Job refers to only when it may see it
//! (bacula-dir prints a dangling "  --> " for the others), no Console
//! resource but its own, and Messages resources without their commands:
//! bacula-dir 9.6.7 lists every Console and prints `mailcmd=` and
//! `opcmd=` to any console.

use super::login::{Acl, Login};
use super::{Ctx, Reply};
use crate::config::value::{FileOptions, Ref, RunsWhen};
use crate::config::{Config, IncExe, Kind, Resource, Run, Value};

/// The keywords of `show`, in bacula-dir's order (ua_output.c reses);
/// `devices` and `statistics` have nothing to show here.
const KEYWORDS: &[(&str, Option<Kind>)] = &[
    ("directors", Some(Kind::Director)),
    ("clients", Some(Kind::Client)),
    ("counters", Some(Kind::Counter)),
    ("devices", None),
    ("jobs", Some(Kind::Job)),
    ("storages", Some(Kind::Storage)),
    ("catalogs", Some(Kind::Catalog)),
    ("schedules", Some(Kind::Schedule)),
    ("filesets", Some(Kind::Fileset)),
    ("pools", Some(Kind::Pool)),
    ("messages", Some(Kind::Messages)),
    ("statistics", Some(Kind::Statistics)),
    ("all", None),
    ("help", None),
];

/// What rdird shows besides bacula-dir's keywords: JobDefs and Console
/// resources, which bacula-dir 9.6.7 lists only under `show all`.
const MORE: &[(&str, Kind)] = &[("jobdefs", Kind::JobDefs), ("consoles", Kind::Console)];

/// The kind a `show` keyword names: a prefix of one of bacula-dir's
/// keywords (the first that matches), or rdird's `jobdefs`/`consoles`.
fn keyword(word: &str) -> Option<(&'static str, Option<Kind>)> {
    let w = word.to_ascii_lowercase();
    if let Some((k, kind)) = MORE
        .iter()
        .find(|(k, _)| *k == w || k.strip_suffix('s') == Some(&w))
    {
        return Some((k, Some(*kind)));
    }
    KEYWORDS
        .iter()
        .find(|(k, _)| !w.is_empty() && k.starts_with(&w))
        .copied()
}

/// Whether the console may see the resource.
fn may_see(login: &Login, cfg: &Config, r: &Resource) -> bool {
    let acl = &login.acl;
    let list = match r.kind {
        Kind::Client => &acl.clients,
        Kind::Job => {
            let client = r.str("Client").unwrap_or_default();
            return login.may_see_job(&r.name, client);
        }
        Kind::JobDefs => &acl.jobs,
        Kind::Storage => &acl.storages,
        Kind::Catalog => &acl.catalogs,
        Kind::Schedule => &acl.schedules,
        Kind::Fileset => &acl.filesets,
        Kind::Pool => &acl.pools,
        Kind::Console if login.is_restricted() => return r.name == login.name,
        _ => return cfg.find(r.kind, &r.name).is_some(),
    };
    Acl::allows(list, &r.name)
}

/// bacula-dir's edit_utime: `1 year 2 months `, `6 months `, `0 secs`.
pub fn utime(mut secs: i64) -> String {
    const UNITS: [(i64, &str); 5] = [
        (60 * 60 * 24 * 365, "year"),
        (60 * 60 * 24 * 30, "month"),
        (60 * 60 * 24, "day"),
        (60 * 60, "hour"),
        (60, "min"),
    ];
    let mut out = String::new();
    for (unit, name) in UNITS {
        let n = secs / unit;
        if n > 0 {
            secs -= n * unit;
            out.push_str(&format!("{n} {name}{} ", if n > 1 { "s" } else { "" }));
        }
    }
    if secs == 0 && out.is_empty() {
        out.push_str("0 secs");
    } else if secs != 0 {
        out.push_str(&format!("{secs} sec{}", if secs > 1 { "s" } else { "" }));
    }
    out
}

/// A level as level_to_str names it. A job without a level (a Restore or
/// Admin job that names none) has JobLevel 0, which level_to_str does
/// not find: its "%c (%d)" default starts with that NUL, so bacula-dir
/// prints nothing after `level=` (dird_conf.c).
fn level_name(level: &str) -> &str {
    match level.to_ascii_lowercase().as_str() {
        "full" => "Full",
        "base" => "Base",
        "incremental" => "Incremental",
        "differential" => "Differential",
        "since" => "Since",
        "virtualfull" => "VirtualFull",
        "catalog" | "verifycatalog" => "Catalog",
        "initcatalog" => "InitCatalog",
        "volumetocatalog" => "VolumeToCatalog",
        "disktocatalog" => "DiskToCatalog",
        "data" => "Data",
        _ => "",
    }
}

/// What `dump` needs besides the resource.
struct Dumper<'a> {
    cfg: &'a Config,
    login: &'a Login,
    director: &'a crate::director::Director,
}

impl Dumper<'_> {
    fn int(&self, r: &Resource, name: &str) -> i64 {
        r.int(name).unwrap_or(0)
    }

    fn flag(&self, r: &Resource, name: &str) -> i64 {
        i64::from(r.bool(name).unwrap_or(false))
    }

    /// The resource `kind` named by `r`'s directive `name`, when the
    /// console may see it.
    fn referred(&self, r: &Resource, name: &str, kind: Kind) -> Option<&Resource> {
        let n = r.str(name)?;
        self.cfg
            .find(kind, n)
            .filter(|x| may_see(self.login, self.cfg, x))
    }

    /// `  --> ` and the referred resource's dump, when there is one the
    /// console may see.
    fn nested(&self, prefix: &str, r: Option<&Resource>, out: &mut Vec<String>) {
        if let Some(r) = r {
            let mut lines = self.dump(r);
            if let Some(first) = lines.first_mut() {
                *first = format!("{prefix}{first}");
            }
            out.extend(lines);
        }
    }

    /// How many running jobs `keep` counts (NumJobs).
    fn running(&self, keep: impl Fn(&crate::job::JobData) -> bool) -> usize {
        let jobs = self.director.jobs();
        jobs.running()
            .into_iter()
            .filter_map(|(id, _, _, _)| jobs.data(id))
            .filter(|d| keep(d))
            .count()
    }

    /// The resource's lines, as dump_resource prints it on its own.
    fn dump(&self, r: &Resource) -> Vec<String> {
        let mut out = Vec::new();
        match r.kind {
            Kind::Director => {
                out.push(format!(
                    "Director: name={} MaxJobs={} FDtimeout={} SDtimeout={}",
                    r.name,
                    self.int(r, "MaximumConcurrentJobs"),
                    self.int(r, "FdConnectTimeout"),
                    self.int(r, "SdConnectTimeout")
                ));
                if let Some(q) = r.str("QueryFile") {
                    out.push(format!("   query_file={q}"));
                }
                self.nested(
                    "  --> ",
                    self.referred(r, "Messages", Kind::Messages),
                    &mut out,
                );
            }
            Kind::Console => out.push(format!(
                "Console: name={} SSL={}",
                r.name,
                self.flag(r, "TlsEnable")
            )),
            Kind::Counter => {
                let (min, max) = (self.int(r, "Minimum"), self.int(r, "Maximum"));
                match r.str("WrapCounter") {
                    Some(w) => {
                        let cur = self
                            .director
                            .catalog()
                            .db()
                            .query_row(
                                "SELECT CurrentValue FROM Counters WHERE Counter = ?1",
                                [&r.name],
                                |row| row.get::<_, i64>(0),
                            )
                            .unwrap_or(min);
                        out.push(format!(
                            "Counter: name={} min={min} max={max} cur={cur} wrapcntr={w}",
                            r.name
                        ))
                    }
                    None => out.push(format!("Counter: name={} min={min} max={max}", r.name)),
                }
                self.nested(
                    "  --> ",
                    self.referred(r, "Catalog", Kind::Catalog),
                    &mut out,
                );
            }
            Kind::Client => {
                out.push(format!(
                    "Client: Name={} Enabled={} Address={} FDport={} MaxJobs={} NumJobs={}",
                    r.name,
                    self.flag(r, "Enabled"),
                    r.str("Address").unwrap_or_default(),
                    self.int(r, "FdPort"),
                    self.int(r, "MaximumConcurrentJobs"),
                    self.running(|d| d.client == r.name)
                ));
                out.push(format!(
                    "      JobRetention={} FileRetention={} AutoPrune={}",
                    utime(self.int(r, "JobRetention")),
                    utime(self.int(r, "FileRetention")),
                    self.flag(r, "AutoPrune")
                ));
                if let Some(a) = r.str("FdStorageAddress") {
                    out.push(format!("      FDStorageAddress={a}"));
                }
                if let Some(b) = r.int("MaximumBandwidthPerJob").filter(|b| *b > 0) {
                    out.push(format!("     MaximumBandwidth={b}"));
                }
                self.nested(
                    "  --> ",
                    self.referred(r, "Catalog", Kind::Catalog),
                    &mut out,
                );
            }
            Kind::Storage => {
                let device = match r.get("Device") {
                    Some(Value::StrList(d)) => d.first().cloned().unwrap_or_default(),
                    _ => String::new(),
                };
                let id: i64 = self
                    .director
                    .catalog()
                    .db()
                    .query_row(
                        "SELECT StorageId FROM Storage WHERE Name = ?1",
                        [&r.name],
                        |row| row.get(0),
                    )
                    .unwrap_or(0);
                let changer = matches!(r.get("Autochanger"), Some(Value::Autochanger(_)));
                out.push(format!(
                    "{}: name={} address={} SDport={} MaxJobs={} NumJobs={}",
                    if r.is_autochanger {
                        "Autochanger"
                    } else {
                        "Storage"
                    },
                    r.name,
                    r.str("Address").unwrap_or_default(),
                    self.int(r, "SdPort"),
                    self.int(r, "MaximumConcurrentJobs"),
                    self.running(|d| d.storage == r.name)
                ));
                out.push(format!(
                    "      DeviceName={device} MediaType={} StorageId={id} Autochanger={}",
                    r.str("MediaType").unwrap_or_default(),
                    i64::from(changer)
                ));
                if let Some(a) = r.str("FdStorageAddress") {
                    out.push(format!("      FDStorageAddress={a}"));
                }
            }
            Kind::Catalog => {
                out.push(format!(
                    "Catalog: name={} address={} DBport={} db_name={}",
                    r.name,
                    r.str("Address").unwrap_or("*None*"),
                    self.int(r, "DbPort"),
                    r.str("DbName").unwrap_or_default()
                ));
                out.push(format!(
                    "      db_driver=SQLite3 db_user={} MutliDBConn={}",
                    r.str("User").unwrap_or("*None*"),
                    self.flag(r, "MultipleConnections")
                ));
            }
            Kind::Job | Kind::JobDefs => self.job(r, &mut out),
            Kind::Fileset => fileset(r, &mut out),
            Kind::Schedule => self.schedule(r, &mut out),
            Kind::Pool => self.pool(r, &mut out),
            Kind::Messages => {
                out.push(format!("Messages: name={}", r.name));
                if !self.login.is_restricted() {
                    if let Some(c) = r.str("MailCommand") {
                        out.push(format!("      mailcmd={c}"));
                    }
                    if let Some(c) = r.str("OperatorCommand") {
                        out.push(format!("      opcmd={c}"));
                    }
                }
            }
            Kind::Statistics => out.push(format!(
                "Statistics: name={} type={} interval={} secs",
                r.name,
                r.str("Type").unwrap_or_default(),
                self.int(r, "Interval")
            )),
        }
        out
    }

    fn job(&self, r: &Resource, out: &mut Vec<String>) {
        let job_type = r.str("Type").unwrap_or("Backup");
        let letter = crate::job::names::type_letter(job_type).unwrap_or('B');
        out.push(format!(
            "{}: name={} JobType={} level={} Priority={} Enabled={}",
            if r.kind == Kind::Job {
                "Job"
            } else {
                "JobDefs"
            },
            r.name,
            letter as u32,
            level_name(r.str("Level").unwrap_or("")),
            self.int(r, "Priority"),
            self.flag(r, "Enabled")
        ));
        out.push(format!(
            "     MaxJobs={} NumJobs={} Resched={} Times={} Interval={} Spool={} WritePartAfterJob={}",
            self.int(r, "MaximumConcurrentJobs"),
            self.running(|d| d.job == r.name),
            self.flag(r, "RescheduleOnError"),
            self.int(r, "RescheduleTimes"),
            super::list::commas(&self.int(r, "RescheduleInterval").to_string()),
            self.flag(r, "SpoolData"),
            self.flag(r, "WritePartAfterJob")
        ));
        if let Some(s) = r.int("SpoolSize").filter(|s| *s > 0) {
            out.push(format!("     SpoolSize={s}"));
        }
        if letter == 'B' {
            out.push(format!("     Accurate={}", self.flag(r, "Accurate")));
        }
        if let Some(b) = r.int("MaximumBandwidth").filter(|b| *b > 0) {
            out.push(format!("     MaximumBandwidth={b}"));
        }
        if letter == 'R' {
            out.push(format!("     PrefixLinks={}", self.flag(r, "PrefixLinks")));
        }
        self.nested("  --> ", self.referred(r, "Client", Kind::Client), out);
        self.nested("  --> ", self.referred(r, "Fileset", Kind::Fileset), out);
        self.nested("  --> ", self.referred(r, "Schedule", Kind::Schedule), out);
        for (directive, label) in [
            ("RestoreClient", "RestoreClient"),
            ("RegexWhere", "RegexWhere"),
            ("Bootstrap", "Bootstrap"),
            ("WriteBootstrap", "WriteBootstrap"),
            ("PluginOptions", "PluginOptions"),
        ] {
            if directive == "RegexWhere" && r.str("RegexWhere").is_none() {
                if let Some(w) = r.str("Where") {
                    out.push(format!("  --> Where={w}"));
                }
            }
            if let Some(v) = r.str(directive) {
                out.push(format!("  --> {label}={v}"));
            }
        }
        for name in [
            "MaxRunTime",
            "MaxWaitTime",
            "MaxStartDelay",
            "MaxRunSchedTime",
        ] {
            if let Some(v) = r.int(name).filter(|v| *v > 0) {
                out.push(format!("  --> {name}={v}"));
            }
        }
        if let Some(Value::ResList(stores)) = r.get("Storage") {
            for s in stores {
                let store = self
                    .cfg
                    .find(Kind::Storage, &s.name)
                    .filter(|x| may_see(self.login, self.cfg, x));
                self.nested("  --> ", store, out);
            }
        }
        if let Some(Value::ResList(base)) = r.get("Base") {
            for b in base {
                out.push(format!("  --> Base {}", b.name));
            }
        }
        if let Some(Value::Runscripts(scripts)) = r.get("Runscript") {
            for s in scripts {
                out.push(" --> RunScript".to_string());
                out.push(format!("  --> Command={}", s.command));
                out.push(format!(
                    "  --> Target={}",
                    if s.target.is_empty() {
                        "*None*"
                    } else {
                        &s.target
                    }
                ));
                out.push(format!("  --> RunOnSuccess={}", u8::from(s.on_success)));
                out.push(format!("  --> RunOnFailure={}", u8::from(s.on_failure)));
                out.push(format!(
                    "  --> FailJobOnError={}",
                    u8::from(s.fail_on_error)
                ));
                let when = match s.when {
                    RunsWhen::Never => 0,
                    RunsWhen::Before => 1,
                    RunsWhen::After => 2,
                    RunsWhen::Always => 3,
                    RunsWhen::AfterVss => 4,
                };
                out.push(format!("  --> RunWhen={when}"));
            }
        }
        for (directive, prefix) in [
            ("Pool", "  --> "),
            ("VirtualFullBackupPool", "  --> VFullBackup"),
            ("FullBackupPool", "  --> FullBackup"),
            ("IncrementalBackupPool", "  --> IncrementalBackup"),
            ("DifferentialBackupPool", "  --> DifferentialBackup"),
            ("NextPool", "  --> Next"),
        ] {
            self.nested(prefix, self.referred(r, directive, Kind::Pool), out);
        }
        if letter == 'V' {
            if let Some(v) = r.str("VerifyJob") {
                out.push(format!("  --> JobToVerify {v}"));
            }
        }
        if let Some(Value::StrList(runs)) = r.get("Run") {
            for run in runs {
                out.push(format!("  --> Run={run}"));
            }
        }
        if let Some(p) = r.str("SelectionPattern") {
            out.push(format!("  --> SelectionPattern={p}"));
        }
        self.nested("  --> ", self.referred(r, "Messages", Kind::Messages), out);
    }

    fn schedule(&self, r: &Resource, out: &mut Vec<String>) {
        let runs = match r.get("Run") {
            Some(Value::Runs(runs)) if !runs.is_empty() => runs,
            _ => {
                out.push(format!("Schedule: name={}", r.name));
                return;
            }
        };
        out.push(format!(
            "Schedule: Name={} Enabled={}",
            r.name,
            self.flag(r, "Enabled")
        ));
        for run in runs {
            self.run(run, out);
        }
    }

    fn run(&self, run: &Run, out: &mut Vec<String>) {
        out.push(format!(
            "  --> Run Level={}",
            level_name(run.level.as_deref().unwrap_or(""))
        ));
        if let Some(t) = run.max_run_sched_time.filter(|t| *t > 0) {
            out.push(format!("      MaxRunSchedTime={t}"));
        }
        if let Some(p) = run.priority.filter(|p| *p > 0) {
            out.push(format!("      Priority={p}"));
        }
        let bits = |label: &str, set: u64, n: u32| {
            let list: String = (0..n)
                .filter(|i| set & (1u64 << i) != 0)
                .map(|i| format!("{i} "))
                .collect();
            format!("      {label}={list}")
        };
        out.push(bits("hour", u64::from(run.hour), 24));
        out.push(bits("mday", u64::from(run.mday), 32));
        out.push(bits("month", u64::from(run.month), 12));
        out.push(bits("wday", u64::from(run.wday), 7));
        out.push(bits("wom", u64::from(run.wom), 6));
        out.push(bits("woy", run.woy, 54));
        out.push(format!("      mins={}", run.minute));
        let find = |kind: Kind, r: &Option<Ref>| {
            r.as_ref()
                .and_then(|r| self.cfg.find(kind, &r.name))
                .filter(|x| may_see(self.login, self.cfg, x))
        };
        self.nested("     --> ", find(Kind::Pool, &run.pool), out);
        self.nested("     --> Next", find(Kind::Pool, &run.next_pool), out);
        self.nested("     --> ", find(Kind::Storage, &run.storage), out);
        self.nested("     --> ", find(Kind::Messages, &run.messages), out);
    }

    fn pool(&self, r: &Resource, out: &mut Vec<String>) {
        let t = |name: &str| utime(self.int(r, name));
        out.push(format!(
            "Pool: name={} PoolType={}",
            r.name,
            r.str("PoolType").unwrap_or_default()
        ));
        out.push(format!(
            "      use_cat={} use_once={} cat_files={}",
            self.flag(r, "UseCatalog"),
            self.flag(r, "UseVolumeOnce"),
            self.flag(r, "CatalogFiles")
        ));
        out.push(format!(
            "      max_vols={} auto_prune={} VolRetention={}",
            self.int(r, "MaximumVolumes"),
            self.flag(r, "AutoPrune"),
            t("VolumeRetention")
        ));
        out.push(format!(
            "      VolUse={} recycle={} LabelFormat={}",
            t("VolumeUseDuration"),
            self.flag(r, "Recycle"),
            r.str("LabelFormat").unwrap_or("*None*")
        ));
        let label_type = match r.str("LabelType") {
            Some("ANSI") => 1,
            Some("IBM") => 2,
            _ => 0,
        };
        out.push(format!(
            "      CleaningPrefix={} LabelType={label_type}",
            r.str("CleaningPrefix").unwrap_or("*None*")
        ));
        out.push(format!(
            "      RecyleOldest={} PurgeOldest={} ActionOnPurge={}",
            self.flag(r, "RecycleOldestVolume"),
            self.flag(r, "PurgeOldestVolume"),
            i64::from(r.str("ActionOnPurge").is_some())
        ));
        out.push(format!(
            "      MaxVolJobs={} MaxVolFiles={} MaxVolBytes={}",
            self.int(r, "MaximumVolumeJobs"),
            self.int(r, "MaximumVolumeFiles"),
            self.int(r, "MaximumVolumeBytes")
        ));
        out.push(format!(
            "      MigTime={} MigHiBytes={} MigLoBytes={}",
            t("MigrationTime"),
            self.int(r, "MigrationHighBytes"),
            self.int(r, "MigrationLowBytes")
        ));
        out.push(format!("      CacheRetention={}", t("CacheRetention")));
        out.push(format!(
            "      JobRetention={} FileRetention={}",
            t("JobRetention"),
            t("FileRetention")
        ));
        for (directive, label) in [
            ("NextPool", "NextPool"),
            ("RecyclePool", "RecyclePool"),
            ("ScratchPool", "ScratchPool"),
            ("Catalog", "Catalog"),
        ] {
            if let Some(v) = r.str(directive) {
                out.push(format!("      {label}={v}"));
            }
        }
        for (directive, kind) in [("Storage", Kind::Storage), ("CopyPool", Kind::Pool)] {
            if let Some(Value::ResList(list)) = r.get(directive) {
                for x in list {
                    let found = self
                        .cfg
                        .find(kind, &x.name)
                        .filter(|x| may_see(self.login, self.cfg, x));
                    self.nested("  --> ", found, out);
                }
            }
        }
    }
}

/// A FileSet as the file daemon is told it: options (`O`) and their
/// patterns, files (`I`), plugins (`P`), excluded files (`E`), each
/// group closed by `N`.
fn fileset(r: &Resource, out: &mut Vec<String>) {
    out.push(format!(
        "FileSet: name={} IgnoreFileSetChanges={}",
        r.name,
        i64::from(r.bool("IgnoreFilesetChanges").unwrap_or(false))
    ));
    if let Some(Value::IncExes(includes)) = r.get("Include") {
        for inc in includes {
            include(inc, out);
        }
    }
    if let Some(Value::IncExes(excludes)) = r.get("Exclude") {
        for exc in excludes {
            for f in &exc.files {
                out.push(format!("      E {f}"));
            }
            if !exc.files.is_empty() {
                out.push("      N".to_string());
            }
        }
    }
}

fn include(inc: &IncExe, out: &mut Vec<String>) {
    for o in &inc.options {
        options(o, out);
    }
    if let Some(z) = &inc.exclude_dir_containing {
        out.push(format!("      Z {z}"));
    }
    for (letter, list) in [("I", &inc.files), ("P", &inc.plugins)] {
        for f in list {
            out.push(format!("      {letter} {f}"));
        }
        if !list.is_empty() {
            out.push("      N".to_string());
        }
    }
}

fn options(o: &FileOptions, out: &mut Vec<String>) {
    out.push(format!("      O {}", o.opts));
    for (letter, list) in [
        ("R", &o.regex),
        ("RD", &o.regex_dir),
        ("RF", &o.regex_file),
        ("W", &o.wild),
        ("WD", &o.wild_dir),
        ("WF", &o.wild_file),
        ("B", &o.base),
        ("X", &o.fs_type),
        ("XD", &o.drive_type),
    ] {
        for x in list {
            out.push(format!("      {letter} {x}"));
        }
    }
    if let Some(p) = &o.plugin {
        out.push(format!("      G {p}"));
    }
    out.push("      N".to_string());
}

/// `show disabled`: the Jobs of the JobACL that are disabled, as
/// bacula-dir 9.6.7 lists them (ua_output.c show_disabled_jobs), then the
/// disabled Clients and Schedules of the ClientACL and ScheduleACL.
/// bacula-dir lists only jobs; rdird keeps clients and schedules disabled
/// across a restart too (job/enabled.rs), so it shows them, under their
/// own heading and only when there are some, which leaves bacula-dir's
/// answer unchanged where none is.
fn disabled(ctx: &Ctx<'_, '_>, cfg: &Config, out: &mut Reply) {
    let acl = &ctx.login.acl;
    let off = |kind: Kind, list: &Option<Vec<String>>| -> Vec<String> {
        cfg.all(kind)
            .filter(|r| Acl::allows(list, &r.name))
            .filter(|r| !r.bool("Enabled").unwrap_or(true))
            .map(|r| r.name.clone())
            .collect()
    };
    let jobs = off(Kind::Job, &acl.jobs);
    if jobs.is_empty() {
        out.line("No disabled Jobs.");
    }
    for (what, names) in [
        ("Jobs", jobs),
        ("Clients", off(Kind::Client, &acl.clients)),
        ("Schedules", off(Kind::Schedule, &acl.schedules)),
    ] {
        if names.is_empty() {
            continue;
        }
        out.line(format!("Disabled {what}:"));
        for n in names {
            out.line(format!("   {n}"));
        }
    }
}

pub fn show(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let d = Dumper {
        cfg: &cfg,
        login: ctx.login,
        director: ctx.director,
    };
    let dump_all = |kind: Kind, out: &mut Reply| {
        for r in cfg.all(kind).filter(|r| may_see(ctx.login, &cfg, r)) {
            for l in d.dump(r) {
                out.line(l);
            }
        }
    };
    let args = ctx.args;
    for i in 1..args.keys.len() {
        let word = &args.keys[i];
        if word.eq_ignore_ascii_case("disabled") {
            disabled(ctx, &cfg, out);
            return;
        }
        let Some((key, kind)) = keyword(word) else {
            out.line(format!("Resource {word} not found"));
            return;
        };
        match (key, kind, args.values[i].as_deref()) {
            ("all", _, _) => {
                for k in Kind::ALL {
                    dump_all(k, out);
                }
            }
            ("help", _, _) => {
                out.line("Keywords for the show command are:");
                for (k, _) in KEYWORDS {
                    out.line(*k);
                }
                return;
            }
            (_, None, _) => {}
            (_, Some(kind), None) => dump_all(kind, out),
            (_, Some(kind), Some(name)) => {
                match cfg.find(kind, name).filter(|r| may_see(ctx.login, &cfg, r)) {
                    Some(r) => {
                        for l in d.dump(r) {
                            out.line(l);
                        }
                    }
                    None => {
                        out.line(format!("{word} resource {name} not found."));
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_bacula_dir_writes_them() {
        assert_eq!(utime(0), "0 secs");
        assert_eq!(utime(60 * 60 * 24 * 180), "6 months ");
        assert_eq!(utime(60 * 60 * 24 * 365), "1 year ");
        assert_eq!(utime(3661), "1 hour 1 min 1 sec");
    }

    #[test]
    fn keywords_may_be_shortened_as_bacula_dir_reads_them() {
        assert_eq!(keyword("stor").map(|k| k.0), Some("storages"));
        assert_eq!(keyword("job").map(|k| k.0), Some("jobs"));
        assert_eq!(keyword("jobdefs").map(|k| k.0), Some("jobdefs"));
        assert_eq!(keyword("d").map(|k| k.0), Some("directors"));
        assert_eq!(keyword("nonsense"), None);
    }
}
