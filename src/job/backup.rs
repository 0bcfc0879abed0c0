//! Backup jobs on the Director's side: the FileSet record, the level
//! applied whole (promotion, the since time, the level's pool), the volume for append (the NewVolume
//! event, then the pool's Label Format), the conversation with the daemons
//! through `peer::backup`, and the figures that reach the catalog, the
//! job's state and its report.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::JobState;
use crate::catalog::{BackupTotals, PriorJob};
use crate::config::{Config, Kind, Resource};
use crate::director::Director;
use crate::peer::backup::{fileset_md5, Outcome, Plan};
use crate::peer::job::Parties;

/// What was settled before the job started.
pub struct Prepared {
    pub since: Option<PriorJob>,
    /// The FileSet's fingerprint, as its catalog record has it.
    pub fileset_md5: String,
    /// When the FileSet record was created, for the report.
    pub fileset_time: String,
    fileset_id: i64,
    client_id: i64,
    /// The pool, and where it came from, before a level's own pool took
    /// its place: a level written later starts again from it.
    base_pool: (String, String),
}

/// What the backup did, for the job's end.
pub struct Ran {
    pub outcome: Outcome,
    pub last_volume_bytes: i64,
}

fn resource<'a>(
    cfg: &'a Config,
    kind: Kind,
    name: &str,
    what: &str,
) -> Result<&'a Resource, String> {
    cfg.find(kind, name)
        .ok_or_else(|| format!("{what} \"{name}\" is not in the configuration"))
}

/// Records the FileSet, then settles the level (`settle_level`).
pub fn prepare(
    director: &Director,
    res: &Resource,
    state: &JobState,
    say: &dyn Fn(&str),
) -> Result<Prepared, String> {
    let cfg = director.config();
    let (job_id, fs_name, base_pool) = {
        let d = state.data();
        (
            d.job_id,
            d.fileset.clone(),
            (d.pool.clone(), d.pool_source.clone()),
        )
    };
    let fileset = resource(&cfg, Kind::Fileset, &fs_name, "FileSet")?;
    let cat = director.catalog();
    let md5 = fileset_md5(fileset);
    let (fileset_id, fileset_time) = cat
        .fileset_record(&fs_name, &md5)
        .map_err(|e| e.to_string())?;
    cat.job_fileset(job_id, fileset_id)
        .map_err(|e| e.to_string())?;
    let client_id = cat.job_client_id(job_id).map_err(|e| e.to_string())?;
    drop(cat);
    let mut prepared = Prepared {
        since: None,
        fileset_md5: md5,
        fileset_time,
        fileset_id,
        client_id,
        base_pool,
    };
    settle_level(director, res, state, &mut prepared, say)?;
    Ok(prepared)
}

/// Applies the job's level whole, as bacula-dir 9.6.7 does before a
/// backup (backup.c do_backup_init: get_level_since_time, then
/// apply_pool_overrides): an Incremental or Differential with no prior
/// Full of this Job, Client and FileSet becomes a Full, with Bacula's
/// messages; an Incremental or Differential gets its since time; the
/// level's own pool replaces the job's. Called again when JobInit
/// writes another level, so that the level a script chose is the one
/// the catalog, the pool and the file daemon see.
pub fn settle_level(
    director: &Director,
    res: &Resource,
    state: &JobState,
    prepared: &mut Prepared,
    say: &dyn Fn(&str),
) -> Result<(), String> {
    let (job_id, mut level) = {
        let d = state.data();
        (d.job_id, d.level)
    };
    let cat = director.catalog();
    if level == ' ' {
        level = 'F';
    }
    let (fileset_id, client_id) = (prepared.fileset_id, prepared.client_id);
    let of = crate::catalog::BackupOf::Records {
        client_id,
        fileset_id,
    };
    let mut since = None;
    let mut promoted = false;
    if level == 'I' || level == 'D' {
        let full = cat
            .prior_backup(&res.name, of, "F")
            .map_err(|e| e.to_string())?;
        if full.is_none() {
            level = 'F';
            promoted = true;
        } else {
            let levels = if level == 'I' { "FDI" } else { "F" };
            since = cat
                .prior_backup(&res.name, of, levels)
                .map_err(|e| e.to_string())?;
        }
    }
    cat.job_level(job_id, level).map_err(|e| e.to_string())?;
    // Messages may go to the catalog: say them once it is let go.
    drop(cat);
    if promoted {
        say("No prior Full backup Job record found.");
        say("No prior or suitable Full backup found in catalog. Doing FULL backup.");
    }
    prepared.since = since;
    state.data().level = level;
    // The level's own pool, as Bacula's apply_pool_overrides does: the
    // Schedule's, else the Job's, else the pool the job had.
    let level_pool = match level {
        'F' => Some((0, "FullBackupPool", "Full")),
        'I' => Some((1, "IncrementalBackupPool", "Inc")),
        'D' => Some((2, "DifferentialBackupPool", "Diff")),
        _ => None,
    };
    let chosen =
        level_pool.and_then(
            |(i, directive, short)| match state.data().level_pools[i].clone() {
                Some(p) => Some((p, format!("Run {short}Pool override"))),
                None => res
                    .str(directive)
                    .map(|p| (p.to_string(), format!("Job {short}Pool override"))),
            },
        );
    let (pool, source) = chosen.unwrap_or_else(|| prepared.base_pool.clone());
    let changed = {
        let mut d = state.data();
        let changed = d.pool != pool;
        d.pool = pool.clone();
        d.pool_source = source;
        changed
    };
    if changed {
        director
            .catalog()
            .job_pool(job_id, &pool)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// A new volume's name from the pool's Label Format: with variables
/// (`${Pool}-${NumVols:p/4/0/r}`) their expansion, else the format and
/// the next MediaId in four digits (`Vol-0007`).
fn label_name(director: &Director, pool: &Resource, state: &JobState) -> Result<String, String> {
    let Some(format) = pool.str("LabelFormat") else {
        return Err(format!(
            "Pool \"{}\" has no appendable volume and no Label Format to create one",
            pool.name
        ));
    };
    if format.contains(['$', '\\']) {
        let name = expand_label(director, pool, state, format)?;
        if director
            .catalog()
            .volume_exists(&name)
            .map_err(|e| e.to_string())?
        {
            return Err(format!(
                "Label Format \"{format}\" gives \"{name}\", which is already a volume"
            ));
        }
        return Ok(name);
    }
    let cat = director.catalog();
    let first = cat.max_media_id().map_err(|e| e.to_string())? + 1;
    for n in first..first + 100 {
        let name = format!("{format}{n:04}");
        if !cat.volume_exists(&name).map_err(|e| e.to_string())? {
            return Ok(name);
        }
    }
    Err(format!("no free volume name for Label Format \"{format}\""))
}

/// Expands a Label Format with the job's variables and the Counters.
fn expand_label(
    director: &Director,
    pool: &Resource,
    state: &JobState,
    format: &str,
) -> Result<String, String> {
    let cfg = director.config();
    let d = state.data().clone();
    let num_vols = director
        .catalog()
        .num_vols(&pool.name)
        .map_err(|e| e.to_string())?;
    let t = crate::clock::local(crate::clock::now());
    let mut counter_error = None;
    let mut lookup = |name: &str| -> Option<String> {
        if let Some(v) = crate::volume::label::time_variable(name, &t) {
            return Some(v);
        }
        let v = match name {
            "Job" => d.job.clone(),
            "Dir" => cfg.director().name.clone(),
            "Level" => crate::job::names::level_name(d.level).to_string(),
            "Type" => crate::job::names::type_name(d.job_type).to_string(),
            "JobId" => d.job_id.to_string(),
            "JobName" => d.job_name.clone(),
            "Storage" => d.storage.clone(),
            "Client" => d.client.clone(),
            "NumVols" => num_vols.to_string(),
            "Pool" => pool.name.clone(),
            "Catalog" => d.catalog.clone(),
            "MediaType" => d.media_type.clone(),
            _ => match crate::volume::label::counter(director, name) {
                Ok(v) => v?,
                Err(e) => {
                    counter_error = Some(e);
                    return None;
                }
            },
        };
        Some(v)
    };
    let expanded = crate::volume::label::expand(format, &mut lookup);
    if let Some(e) = counter_error {
        return Err(e);
    }
    expanded
}

/// Bacula's rule for volume names: letters, digits and `:.-_`, at most
/// 127 characters.
fn legal_volume_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":.-_".contains(c))
}

/// The volume for append in `pool_name`: an Append volume of the pool,
/// else a new one named by the NewVolume event or the Label Format. When
/// the pool has its Maximum Volumes and none can take data, the job waits
/// (status `m`) until one can or the job is canceled.
fn find_volume(
    director: &Director,
    state: &Arc<JobState>,
    pool_name: &str,
    media_type: &str,
    say: &dyn Fn(&str),
    canceled: &AtomicBool,
) -> Result<String, String> {
    let mut told = false;
    loop {
        match try_volume(director, state, pool_name, media_type, say)? {
            Some(name) => {
                if told {
                    state.data().status = 'R';
                }
                return Ok(name);
            }
            None => {
                if !told {
                    say(&format!(
                        "Job {} is waiting. Pool \"{pool_name}\" has its Maximum Volumes and none can take more data: label a volume into it, or raise Maximum Volumes and reload.",
                        state.data().job_name
                    ));
                    told = true;
                }
                state.data().status = 'm';
                if canceled.load(Ordering::SeqCst) {
                    return Err("the job was canceled while waiting for a volume".into());
                }
                std::thread::sleep(Duration::from_millis(500));
            }
        }
    }
}

/// A Recycle or Purged volume of the pool, recycled.
fn recycle(
    director: &Director,
    state: &Arc<JobState>,
    pool_name: &str,
    media_type: &str,
    say: &dyn Fn(&str),
) -> Result<Option<String>, String> {
    let recycled = director
        .catalog()
        .recycle_volume(pool_name, media_type)
        .map_err(|e| e.to_string())?;
    Ok(recycled.map(|(name, just)| {
        if just {
            say(&format!("Recycled volume \"{name}\""));
        }
        state.data().volume_name = name.clone();
        name
    }))
}

/// Prunes a volume's jobs older than `cutoff`; when none is left the
/// volume is Purged and the VolumePurged event fires with its name.
/// Whether it was purged.
fn prune(
    director: &Director,
    state: &Arc<JobState>,
    v: &crate::catalog::Prunable,
    (cutoff, recycle_pool): (i64, Option<&str>),
    say: &dyn Fn(&str),
) -> Result<bool, String> {
    let purged = director
        .catalog()
        .prune_volume(v, cutoff)
        .map_err(|e| e.to_string())?;
    if purged {
        say(&format!(
            "Volume \"{}\" contains no jobs after pruning.",
            v.name
        ));
        super::retention::volume_purged(director, state, &v.name);
        // The pool's Recycle Pool takes its purged volumes.
        if let Some(to) = recycle_pool {
            director
                .catalog()
                .move_volume(&v.name, to)
                .map_err(|e| e.to_string())?;
            say(&format!(
                "Purged Volume \"{}\" moved to its Recycle Pool \"{to}\".",
                v.name
            ));
        }
    }
    Ok(purged)
}

/// What to do when the storage daemon asks to write on a volume it has
/// mounted.
#[derive(Debug, PartialEq)]
enum Mounted {
    /// Append or Recycle: write on it.
    Write,
    /// Purged: recycle it, then write.
    Recycle,
    /// Full or Used past its Volume Retention, and the Pool says Recycle
    /// Current Volume: prune it, and recycle it if that purged it.
    Prune,
    /// Refused, with Bacula's reason.
    Refuse(&'static str),
}

/// Bacula's rules for a mounted volume: it must be in the job's Pool with
/// the Storage's Media Type; then its status decides, and a Full or Used
/// volume may be recycled when the Pool says Recycle Current Volume and
/// its Volume Retention (less a minute) has passed since it was written.
fn mounted_verdict(
    v: &crate::catalog::MountedVolume,
    (pool, media_type): (&str, &str),
    recycle_current: bool,
    now: i64,
) -> Mounted {
    if v.pool != pool {
        return Mounted::Refuse("not in Pool");
    }
    if v.media_type != media_type {
        return Mounted::Refuse("not correct MediaType");
    }
    match v.status.as_str() {
        "Append" | "Recycle" => return Mounted::Write,
        "Purged" => return Mounted::Recycle,
        _ => {}
    }
    if !v.recycle {
        return Mounted::Refuse("volume has recycling disabled");
    }
    if recycle_current
        && matches!(v.status.as_str(), "Full" | "Used")
        && v.last_written + v.retention - 60 < now
    {
        return Mounted::Prune;
    }
    Mounted::Refuse("but should be Append, Purged or Recycle")
}

/// Carries out `mounted_verdict` for the storage daemon's request to
/// write on `name`; why not, when it may not.
fn check_mounted(
    director: &Director,
    state: &Arc<JobState>,
    name: &str,
    media_type: &str,
    say: &dyn Fn(&str),
) -> Result<(), String> {
    let found = director.catalog().mounted_volume(name);
    let Some(v) = found.map_err(|e| e.to_string())? else {
        return Err("not in the catalog".into());
    };
    // A volume past its limits is marked Used or Full first.
    let expired = director.catalog().check_volume_limits(name);
    if let Some(msg) = expired.map_err(|e| e.to_string())? {
        say(&msg);
        return Err("volume has expired".into());
    }
    let pool_name = state.data().pool.clone();
    let current = director
        .config()
        .find(Kind::Pool, &pool_name)
        .and_then(|p| p.bool("RecycleCurrentVolume"))
        .unwrap_or(false);
    let now = crate::clock::now();
    let recycle_now = || -> Result<(), String> {
        director
            .catalog()
            .mark_recycled(name)
            .map_err(|e| e.to_string())?;
        say(&format!("Recycled current volume \"{name}\""));
        state.data().volume_name = name.to_string();
        Ok(())
    };
    match mounted_verdict(&v, (&pool_name, media_type), current, now) {
        Mounted::Write => Ok(()),
        Mounted::Recycle => recycle_now(),
        Mounted::Refuse(why) => Err(why.into()),
        Mounted::Prune => {
            let prunable = crate::catalog::Prunable {
                name: name.to_string(),
                media_id: v.media_id,
                retention: v.retention,
            };
            if prune(director, state, &prunable, (now - v.retention, None), say)? {
                recycle_now()
            } else {
                Err("but should be Append, Purged or Recycle (cannot automatically recycle current volume, as it still contains unpruned data or the Volume Retention time has not expired.)".into())
            }
        }
    }
}

/// One try of `find_volume`: None when the pool is at Maximum Volumes.
fn try_volume(
    director: &Director,
    state: &Arc<JobState>,
    pool_name: &str,
    media_type: &str,
    say: &dyn Fn(&str),
) -> Result<Option<String>, String> {
    let cfg = director.config();
    let pool = resource(&cfg, Kind::Pool, pool_name, "Pool")?;
    if let Some(name) = director
        .catalog()
        .append_volume(pool_name, media_type)
        .map_err(|e| e.to_string())?
    {
        state.data().volume_name = name.clone();
        return Ok(Some(name));
    }
    // Bacula's order after an Append volume: a Recycle or Purged one (after
    // pruning the pool's volumes when AutoPrune is on), a volume from the
    // scratch pool, a new one, then the oldest volume purged or pruned
    // when the pool says so.
    if let Some(name) = recycle(director, state, pool_name, media_type, say)? {
        return Ok(Some(name));
    }
    let recycle_pool = pool.str("RecyclePool").filter(|p| *p != pool_name);
    if pool.bool("AutoPrune").unwrap_or(true) {
        let cat = director.catalog();
        let volumes = cat.prunable_volumes(pool_name).map_err(|e| e.to_string())?;
        drop(cat);
        let now = crate::clock::now();
        for v in volumes {
            prune(director, state, &v, (now - v.retention, recycle_pool), say)?;
        }
        if let Some(name) = recycle(director, state, pool_name, media_type, say)? {
            return Ok(Some(name));
        }
    }
    let max = pool.int("MaximumVolumes").unwrap_or(0);
    let have = director
        .catalog()
        .num_vols(pool_name)
        .map_err(|e| e.to_string())?;
    if max > 0 && have >= max {
        let purge = pool.bool("PurgeOldestVolume").unwrap_or(false);
        if purge || pool.bool("RecycleOldestVolume").unwrap_or(false) {
            let oldest = director
                .catalog()
                .prunable_volumes(pool_name)
                .map_err(|e| e.to_string())?
                .into_iter()
                .next();
            if let Some(v) = oldest {
                let cutoff = if purge {
                    say(&format!("Purging oldest volume \"{}\"", v.name));
                    i64::MAX
                } else {
                    crate::clock::now() - v.retention
                };
                prune(director, state, &v, (cutoff, recycle_pool), say)?;
                if let Some(name) = recycle(director, state, pool_name, media_type, say)? {
                    return Ok(Some(name));
                }
            }
        }
        return Ok(None);
    }
    let scratch = pool.str("ScratchPool").unwrap_or("Scratch");
    if scratch != pool_name {
        let taken = director
            .catalog()
            .take_scratch_volume(scratch, pool, media_type)
            .map_err(|e| e.to_string())?;
        if let Some(name) = taken {
            say(&format!("Using Volume \"{name}\" from '{scratch}' pool."));
            state.data().volume_name = name.clone();
            return Ok(Some(name));
        }
    }
    let scripted = director.scripts().and_then(|h| h.new_volume(state));
    super::pass_on_job_script_messages(director, state);
    let exists = |n: &str| director.catalog().volume_exists(n).unwrap_or(false);
    let name = match scripted {
        Some(n) if exists(&n) => {
            say(&format!(
                "Volume \"{n}\" named by NewVolume exists already; using the Label Format."
            ));
            label_name(director, pool, state)?
        }
        Some(n) if !legal_volume_name(&n) => {
            say(&format!(
                "Illegal character in Volume name \"{n}\" named by NewVolume; using the Label Format."
            ));
            label_name(director, pool, state)?
        }
        Some(n) => n,
        None => label_name(director, pool, state)?,
    };
    if !legal_volume_name(&name) {
        return Err(format!("Illegal character in Volume name \"{name}\""));
    }
    let storage = state.data().storage.clone();
    director
        .catalog()
        .create_volume(&name, pool, media_type, &storage)
        .map_err(|e| e.to_string())?;
    say(&format!(
        "Created new Volume=\"{name}\", Pool=\"{pool_name}\", MediaType=\"{media_type}\" in catalog."
    ));
    state.data().volume_name = name.clone();
    Ok(Some(name))
}

/// A backup job's volumes: found or created on the storage daemon's
/// request, VolumeFull fired when one fills.
struct JobVolumes<'a> {
    director: &'a Director,
    state: &'a Arc<JobState>,
    media_type: String,
    say: &'a (dyn Fn(&str) + Sync),
    canceled: &'a AtomicBool,
}

impl crate::peer::catreq::Volumes for JobVolumes<'_> {
    fn check_for_write(&mut self, volume: &str) -> Result<(), String> {
        check_mounted(
            self.director,
            self.state,
            volume,
            &self.media_type,
            self.say,
        )
    }

    fn find(&mut self, pool: &str) -> Result<String, String> {
        find_volume(
            self.director,
            self.state,
            pool,
            &self.media_type,
            self.say,
            self.canceled,
        )
    }

    fn full(&mut self, volume: &str) {
        if let Some(host) = self.director.scripts() {
            self.state.data().volume_name = volume.to_string();
            host.event(self.state, crate::job::JobEvent::VolumeFull);
            super::pass_on_job_script_messages(self.director, self.state);
        }
    }
}

/// Runs the backup through the daemons and records its figures.
pub fn run(
    director: &Director,
    res: &Resource,
    state: &Arc<JobState>,
    prepared: &Prepared,
    canceled: &AtomicBool,
) -> Ran {
    let cfg = director.config();
    let d = state.data().clone();
    let messages = res.str("Messages").map(str::to_string);
    let say = |text: &str| director.job_message(d.job_id, messages.as_deref(), text);
    let found = (|| {
        Ok::<_, String>((
            resource(&cfg, Kind::Client, &d.client, "Client")?,
            resource(&cfg, Kind::Storage, &d.storage, "Storage")?,
            resource(&cfg, Kind::Pool, &d.pool, "Pool")?,
            resource(&cfg, Kind::Fileset, &d.fileset, "FileSet")?,
        ))
    })();
    let (client, storage, pool, fileset) = match found {
        Ok(r) => r,
        Err(e) => {
            return Ran {
                outcome: Outcome::failed(e),
                last_volume_bytes: 0,
            }
        }
    };
    // An accurate Incremental or Differential compares with the files
    // of the jobs it builds on (bacula-dir's send_accurate_current_files).
    let accurate_files = match (d.accurate, d.level) {
        (true, 'I' | 'D') => match director.catalog().accurate_files(
            &res.name,
            &d.client,
            &d.fileset,
            &prepared.fileset_md5,
            d.level,
        ) {
            Ok(files) => files,
            Err(e) => {
                return Ran {
                    outcome: Outcome::failed(e.to_string()),
                    last_volume_bytes: 0,
                }
            }
        },
        _ => Vec::new(),
    };
    let plan = Plan {
        parties: Parties::new(&cfg.director().name, &d, (client, storage), canceled),
        job: res,
        pool,
        fileset,
        fileset_md5: &prepared.fileset_md5,
        level: d.level,
        since: prepared.since.as_ref().map(|p| (p.start, p.job.clone())),
        accurate: d.accurate,
        accurate_files: &accurate_files,
        spool_data: d.spool_data,
        messages: messages.clone(),
        status: &|letter| state.data().status = letter,
    };
    let mut volumes = JobVolumes {
        director,
        state,
        media_type: d.media_type.clone(),
        say: &say,
        canceled,
    };
    let mut outcome = crate::peer::backup::run(director, &plan, &mut volumes);
    if let Some(why) = &outcome.sd.catalog_refused {
        let why = match outcome.sd.files_missing {
            0 => why.clone(),
            n => format!("{n} file(s) backed up have no attributes in the catalog ({why})"),
        };
        outcome.fatal.get_or_insert(why);
    }
    let last_volume_bytes = outcome
        .sd
        .volumes
        .last()
        .and_then(|v| director.catalog().volume_bytes(v).ok())
        .unwrap_or(0);
    let recorded = director.catalog().backup_totals(
        d.job_id,
        &BackupTotals {
            files: outcome.fd.files,
            bytes: outcome.fd.bytes,
            read_bytes: outcome.fd.read_bytes,
            vol_session_id: outcome.vol_session_id,
            vol_session_time: outcome.vol_session_time,
        },
    );
    if let Err(e) = recorded {
        say(&format!("Error updating the Job record: {e}"));
    }
    outcome.record_in(&mut state.data());
    // The volumes the job's data lies on, as its JobMedia records say:
    // the storage daemon also asks about volumes it then does not write.
    match director.catalog().extents(d.job_id) {
        Ok(extents) => {
            let mut written: Vec<String> = Vec::new();
            for e in extents {
                if !written.contains(&e.volume) {
                    written.push(e.volume);
                }
            }
            state.data().volumes = written;
        }
        Err(e) => say(&format!(
            "Error reading the job's volumes from the catalog: {e}"
        )),
    }
    if let Some(v) = outcome.sd.volumes.last() {
        state.data().volume_name = v.clone();
    }
    if let Some(e) = &outcome.fatal {
        say(&format!("Fatal error: {e}"));
    }
    if outcome.fatal.is_none() && outcome.fd.status == 'T' {
        if let Some(template) = res.str("WriteBootstrap") {
            if let Err(e) = write_bootstrap(director, state, template, &outcome) {
                say(&format!("Error writing the bootstrap: {e}"));
            }
        }
    }
    Ran {
        outcome,
        last_volume_bytes,
    }
}

/// Writes the job's bootstrap to its Write Bootstrap file (a Full
/// replaces the file, an Incremental or Differential adds to it, as
/// Bacula does; `|command` pipes it to a command, with the `%` codes
/// quoted for the shell, since volume names come from the storage daemon
/// and from scripts). The file is never written through a symbolic link.
fn write_bootstrap(
    director: &Director,
    state: &JobState,
    template: &str,
    outcome: &Outcome,
) -> Result<(), String> {
    use std::io::Write;
    let cfg = director.config();
    let d = state.data().clone();
    let director_name = cfg.director().name.clone();
    let code = |k| match k {
        'v' => Some(outcome.sd.volumes.join("|")),
        _ => super::runscript::job_code(&d, &director_name, k),
    };
    let target = match template.strip_prefix('|') {
        Some(command) => format!("|{}", super::runscript::expand_for_shell(command, &code)),
        None => super::runscript::expand(template, &code),
    };
    let extents = director
        .catalog()
        .extents(d.job_id)
        .map_err(|e| e.to_string())?;
    let job = crate::catalog::SourceJob {
        job_id: d.job_id,
        level: d.level.to_string(),
        files: d.files,
        bytes: d.bytes,
        start: String::new(),
        client_id: 0,
        vol_session_id: outcome.vol_session_id,
        vol_session_time: outcome.vol_session_time,
    };
    let records = crate::restore::bsr::whole_job(&job, &extents);
    let storage = cfg.find(Kind::Storage, &d.storage);
    let device = storage.map(crate::peer::sd::device).unwrap_or_default();
    let mut text = format!(
        "# {} - {} - {}\n",
        crate::clock::local(crate::clock::now()).report(),
        d.job_name,
        crate::job::names::level_name(d.level)
    );
    text.push_str(&crate::restore::bsr::lines(&records, &d.storage, &device).concat());
    if let Some(command) = target.strip_prefix('|') {
        let mut child = std::process::Command::new("/bin/sh")
            .args(["-c", command])
            .stdin(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| format!("{command}: {e}"))?;
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(text.as_bytes())
                .map_err(|e| e.to_string())?;
        }
        child.wait().map_err(|e| e.to_string())?;
        return Ok(());
    }
    let how = if d.level == 'F' {
        crate::files::Write::Replace
    } else {
        crate::files::Write::Append
    };
    crate::files::write(std::path::Path::new(&target), how, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::MountedVolume;

    fn vol(status: &str) -> MountedVolume {
        MountedVolume {
            pool: "Daily".into(),
            media_type: "File".into(),
            status: status.into(),
            recycle: true,
            media_id: 1,
            retention: 3600,
            last_written: 10_000,
        }
    }

    #[test]
    fn a_mounted_volume_is_written_recycled_pruned_or_refused_as_bacula_does() {
        let here = ("Daily", "File");
        let later = 10_000 + 3600;
        assert_eq!(
            mounted_verdict(&vol("Append"), here, false, later),
            Mounted::Write
        );
        assert_eq!(
            mounted_verdict(&vol("Recycle"), here, false, later),
            Mounted::Write
        );
        assert_eq!(
            mounted_verdict(&vol("Purged"), here, false, later),
            Mounted::Recycle
        );
        assert_eq!(
            mounted_verdict(&vol("Append"), ("Weekly", "File"), false, later),
            Mounted::Refuse("not in Pool")
        );
        assert_eq!(
            mounted_verdict(&vol("Append"), ("Daily", "LTO"), false, later),
            Mounted::Refuse("not correct MediaType")
        );
        let refused = Mounted::Refuse("but should be Append, Purged or Recycle");
        // Recycle Current Volume: only Full or Used, only once the
        // retention (less a minute) has passed.
        assert_eq!(mounted_verdict(&vol("Used"), here, false, later), refused);
        assert_eq!(
            mounted_verdict(&vol("Used"), here, true, later),
            Mounted::Prune
        );
        assert_eq!(
            mounted_verdict(&vol("Full"), here, true, later),
            Mounted::Prune
        );
        assert_eq!(
            mounted_verdict(&vol("Full"), here, true, 10_000 + 3000),
            refused
        );
        assert_eq!(mounted_verdict(&vol("Error"), here, true, later), refused);
        let mut kept = vol("Full");
        kept.recycle = false;
        assert_eq!(
            mounted_verdict(&kept, here, true, later),
            Mounted::Refuse("volume has recycling disabled")
        );
    }
}
