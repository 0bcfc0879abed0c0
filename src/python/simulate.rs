//! `rdird script check` and `rdird script simulate`: try a Director script
//! without a Director, catalog or daemons.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::host::{HostConfig, ScriptHost};
use super::interpreter::build_interpreter;
use super::load::{compile_script, traceback};
use super::module::DirectorInfo;
use crate::job::events::{ScriptCalls, ScriptEvents};
use crate::job::names;
use crate::job::{CatalogRes, JobData, JobEvent, JobState};

/// Event names a script may define; anything close to one is a typo.
const EVENT_METHODS: [&str; 8] = [
    "JobStart",
    "JobEnd",
    "Exit",
    "JobInit",
    "JobRun",
    "NewVolume",
    "VolumePurged",
    "VolumeFull",
];

/// Compiles a script (legacy dialect included) and looks for methods whose
/// names are near an event's but match none. Returns the notes to print,
/// or the syntax error.
pub fn check(path: &Path, legacy: bool) -> Result<Vec<String>, String> {
    let source = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let shown = path.display().to_string();
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let (interp, _) = build_interpreter(&dir);
    let mut notes = interp.enter(|vm| {
        compile_script(vm, &source, &shown, legacy)
            .map(|compiled| compiled.warnings)
            .map_err(|e| traceback(vm, &e))
    })?;
    for (n, line) in source.lines().enumerate() {
        let t = line.trim_start();
        let Some(rest) = t.strip_prefix("def ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if EVENT_METHODS.contains(&name.as_str()) {
            continue;
        }
        if let Some(event) = crate::config::closest(&name, &EVENT_METHODS) {
            notes.push(format!(
                "{shown}:{}: method {name} matches no event (did you mean {event}?)",
                n + 1
            ));
        }
    }
    Ok(notes)
}

/// A Director with nothing behind it: volumes the script names exist once
/// NewVolume chose them, `job.run` only records what it was asked, and a
/// job has ended once its JobEnd was delivered.
#[derive(Default)]
struct SimDirector {
    num_vols: i64,
    volumes: Mutex<BTreeSet<String>>,
    runs: Mutex<Vec<(i64, String)>>,
    ended: Mutex<BTreeSet<i64>>,
    /// The Director's own messages (output outside any job in flight).
    said: Mutex<Vec<String>>,
}

impl SimDirector {
    fn deliver(&self, host: &ScriptHost, job: &Arc<JobState>, event: JobEvent) {
        host.event(job, event);
        if event == JobEvent::JobEnd {
            if let Ok(mut e) = self.ended.lock() {
                e.insert(job.data().job_id);
            }
        }
    }
}

impl ScriptCalls for SimDirector {
    fn num_vols(&self, _pool: &str) -> i64 {
        self.num_vols + self.volumes.lock().map(|v| v.len() as i64).unwrap_or(0)
    }

    fn volume_exists(&self, name: &str) -> bool {
        self.volumes
            .lock()
            .map(|v| v.contains(name))
            .unwrap_or(false)
    }

    fn run(&self, _from: &JobState, command: &str) -> Result<i64, String> {
        if command.trim().is_empty() {
            return Err("no job named in the run command".into());
        }
        let mut runs = self.runs.lock().map_err(|e| e.to_string())?;
        let id = 1000 + runs.len() as i64 + 1;
        runs.push((id, command.to_string()));
        Ok(id)
    }

    fn cancel(&self, _job_id: i64) -> bool {
        false
    }

    fn level_changed(&self, _job: &JobState) {}

    fn job_running(&self, job_id: i64) -> bool {
        self.ended.lock().is_ok_and(|e| !e.contains(&job_id))
    }

    fn director_message(&self, line: &str) {
        if let Ok(mut s) = self.said.lock() {
            s.push(line.to_string());
        }
    }
}

/// The simulated job's starting values, changed by `--job K=V`.
fn job_data(pairs: &[(String, String)]) -> Result<(JobData, i64), String> {
    let mut d = JobData {
        job: "Simulated".into(),
        job_id: 1,
        job_type: 'B',
        level: 'F',
        client: "client-fd".into(),
        pool: "Default".into(),
        storage: "File".into(),
        media_type: "File".into(),
        catalog: "MyCatalog".into(),
        fileset: "Full Set".into(),
        catalog_res: CatalogRes {
            db_name: Some("bacula".into()),
            vendor: "SQLite".into(),
            ..CatalogRes::default()
        },
        ..JobData::default()
    };
    let mut num_vols = 0;
    let mut job_name = None;
    let int = |k: &str, v: &str| {
        v.parse::<i64>()
            .map_err(|_| format!("{k} expects a number, got {v:?}"))
    };
    let letter = |k: &str, v: &str| {
        v.chars()
            .next()
            .filter(|_| v.chars().count() == 1)
            .ok_or_else(|| format!("{k} expects one letter, got {v:?}"))
    };
    for (k, v) in pairs {
        match k.as_str() {
            "Job" => d.job = v.clone(),
            "JobName" => job_name = Some(v.clone()),
            "JobId" => d.job_id = int(k, v)?,
            "Type" => d.job_type = names::type_letter(v).ok_or_else(|| format!("unknown job type {v:?}"))?,
            "Level" => d.level = names::level_letter(v).ok_or_else(|| format!("unknown level {v:?}"))?,
            "Client" => d.client = v.clone(),
            "Pool" => d.pool = v.clone(),
            "Storage" => d.storage = v.clone(),
            "MediaType" => d.media_type = v.clone(),
            "Catalog" => d.catalog = v.clone(),
            "FileSet" => d.fileset = v.clone(),
            "JobStatus" => d.status = letter(k, v)?,
            "Priority" => d.priority = int(k, v)?,
            "NumVols" => num_vols = int(k, v)?,
            "JobFiles" => d.files = int(k, v)?,
            "JobBytes" => d.bytes = int(k, v)?,
            "SDJobFiles" => d.sd_files = int(k, v)?,
            "SDErrors" => d.sd_errors = int(k, v)?,
            "JobErrors" => d.errors = int(k, v)?,
            "FDJobStatus" => d.fd_status = letter(k, v)?,
            "SDJobStatus" => d.sd_status = letter(k, v)?,
            "VolumeName" => d.volume_name = v.clone(),
            "ReadBytes" => d.read_bytes = int(k, v)?,
            "SchedTime" => d.sched_time = int(k, v)?,
            "StartTime" => d.start_time = int(k, v)?,
            "EndTime" => d.end_time = int(k, v)?,
            // `+` cannot be in a volume name, and `,` separates the pairs.
            "Volumes" => d.volumes = v.split('+').filter(|n| !n.is_empty()).map(str::to_string).collect(),
            _ => {
                return Err(format!(
                    "unknown job attribute {k:?} (use Job, JobName, JobId, Type, Level, Client, Pool, Storage, MediaType, Catalog, FileSet, JobStatus, Priority, NumVols, JobFiles, JobBytes, ReadBytes, SDJobFiles, SDErrors, JobErrors, FDJobStatus, SDJobStatus, VolumeName, SchedTime, StartTime, EndTime, Volumes)"
                ))
            }
        }
    }
    d.job_name = job_name.unwrap_or_else(|| format!("{}.2026-01-01_00.00.00_01", d.job));
    Ok((d, num_vols))
}

/// Parses `K=V,K=V`.
pub fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("expected KEY=VALUE, got {p:?}"))
        })
        .collect()
}

/// The events to deliver, by name.
pub fn parse_events(text: &str) -> Result<Vec<JobEvent>, String> {
    text.split(',')
        .filter(|e| !e.trim().is_empty())
        .map(|e| JobEvent::from_name(e.trim()).ok_or_else(|| format!("unknown event {e:?}")))
        .collect()
}

/// The status a job has when each event comes.
fn status_for(event: JobEvent, now: char) -> char {
    match event {
        JobEvent::JobStart | JobEvent::JobInit => 'C',
        JobEvent::JobEnd => {
            if now == 'R' || now == 'C' {
                'T'
            } else {
                now
            }
        }
        _ => 'R',
    }
}

/// Moves the simulated job on to `event` as a real one would be: its
/// status, and the times it has by then (those given with `--job` kept).
fn advance(d: &mut JobData, event: JobEvent) {
    let now = crate::clock::now();
    d.status = status_for(event, d.status);
    if d.sched_time == 0 {
        d.sched_time = now;
    }
    if d.status != 'C' && d.start_time == 0 {
        d.start_time = now;
    }
    if event == JobEvent::JobEnd && d.end_time == 0 {
        d.end_time = now;
    }
}

/// Runs `events` of a simulated job through the script at `path` and
/// returns what an administrator should read.
pub fn simulate(
    path: &Path,
    pairs: &[(String, String)],
    events: &[JobEvent],
    legacy: bool,
    timeout: Duration,
) -> Result<String, String> {
    let (data, num_vols) = job_data(pairs)?;
    let before = data.clone();
    let director = Arc::new(SimDirector {
        num_vols,
        ..SimDirector::default()
    });
    let cfg = HostConfig {
        info: DirectorInfo {
            name: "simulated-dir".into(),
            version: crate::VERSION.to_string(),
            config_file: "(simulated)".into(),
            working_dir: std::env::temp_dir().display().to_string(),
        },
        script: Some(path.to_path_buf()),
        event_timeout: timeout,
        legacy_syntax: legacy,
        memory_limit: 0,
        program: super::host::own_binary(),
    };
    let (host, loaded) = ScriptHost::start(cfg, director.clone());
    if loaded.is_err() {
        // The host has logged why, with the traceback.
        host.exit();
        return Err(format!("{} did not load", path.display()));
    }
    let job = JobState::new(data);
    let mut out = String::new();
    let mut chosen_volume = None;
    let mut written = Vec::new();
    for &event in events {
        advance(&mut job.data(), event);
        // As in a real job, Volumes holds what the job wrote once the
        // daemons are done, at JobEnd (unless `--job` gave it).
        if event == JobEvent::JobEnd && job.data().volumes.is_empty() {
            job.data().volumes = std::mem::take(&mut written);
        }
        if event == JobEvent::NewVolume {
            chosen_volume = Some(host.new_volume(&job));
            if let Some(Some(v)) = &chosen_volume {
                director
                    .volumes
                    .lock()
                    .map_err(|e| e.to_string())?
                    .insert(v.clone());
                // The simulated job writes on the volume it was given.
                written.push(v.clone());
            }
        } else {
            director.deliver(&host, &job, event);
        }
    }
    let started = director.runs.lock().map_err(|e| e.to_string())?.clone();
    let mut started_reports = Vec::new();
    for (id, cmd) in &started {
        let child = JobState::new(JobData {
            job_id: *id,
            job: cmd.clone(),
            ..before.clone()
        });
        director.deliver(&host, &child, JobEvent::JobStart);
        director.deliver(&host, &child, JobEvent::JobEnd);
        started_reports.push((*id, cmd.clone(), child.messages()));
    }
    host.exit();

    let after = job.data().clone();
    out.push_str(&format!(
        "Simulated job: JobId={} Job={} Type={} Level={} Client={} Pool={}\n",
        before.job_id,
        before.job,
        names::type_name(before.job_type),
        names::level_name(before.level),
        before.client,
        before.pool
    ));
    let shown: Vec<&str> = events.iter().map(|e| e.name()).collect();
    out.push_str(&format!("Events: {}\n", shown.join(", ")));
    out.push_str("Job report:\n");
    for m in job.messages() {
        for line in m.lines() {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out.push_str("Attributes set by the script:\n");
    let mut any = false;
    if after.level != before.level {
        any = true;
        out.push_str(&format!(
            "  Level: {} -> {}\n",
            names::level_name(before.level),
            names::level_name(after.level)
        ));
    }
    if after.priority != before.priority {
        any = true;
        out.push_str(&format!(
            "  Priority: {} -> {}\n",
            before.priority, after.priority
        ));
    }
    match chosen_volume {
        Some(Some(v)) => {
            any = true;
            out.push_str(&format!("  VolumeName: {v} (NewVolume)\n"));
        }
        Some(None) => {
            out.push_str("  VolumeName: none chosen; the pool's Label Format would be used\n")
        }
        None => {}
    }
    if !any {
        out.push_str("  (none)\n");
    }
    out.push_str(&format!("JobErrors: {}\n", after.errors));
    for (id, cmd, messages) in started_reports {
        out.push_str(&format!("Started by job.run: JobId {id}: run {cmd}\n"));
        for m in messages {
            out.push_str(&format!("  {m}\n"));
        }
    }
    let said = director.said.lock().map_err(|e| e.to_string())?;
    if !said.is_empty() {
        out.push_str("Director messages:\n");
        for m in said.iter() {
            out.push_str(&format!("  {m}\n"));
        }
    }
    Ok(out)
}
