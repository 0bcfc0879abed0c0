//! Jobs: creating the Job record, running a job on its own thread with the
//! Python events at the contract's moments, RunScripts on the Director,
//! cancel and wait, and the termination report.
//!
//! Admin jobs run here with no daemon involved; backup jobs add what
//! `backup` settles and drive the daemons through `peer::backup`.

mod backup;
pub mod enabled;
pub mod events;
pub mod names;
mod queue;
mod report;
mod restore;
pub mod retention;
mod run_line;
pub use run_line::{parse_when, NO_JOB};
pub mod runscript;
pub mod schedule;
pub mod state;
mod verify;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

pub use restore::RestoreSpec;
pub use state::{CatalogRes, JobData, JobEvent, JobState};

use crate::catalog::NewJob;
use crate::clock;
use crate::config::{Kind, Resource};
use crate::director::Director;
use crate::messages;

/// A job that has been created and has not ended.
struct Active {
    state: Arc<JobState>,
    canceled: Arc<AtomicBool>,
}

/// The most jobs the Director holds at once, waiting or running: each
/// holds threads, and a script's `job.run` in a loop (or a flood of
/// console `run`s) would otherwise start them until the process cannot
/// start another (about 11,000 here) and dies. Past it `run` is refused.
/// bacula-dir 9.6.7 has no such bound (jobq.c jobq_add queues any
/// number), but there a waiting job holds no thread: its workers are as
/// many as Maximum Concurrent Jobs (jobq_init), and only a job scheduled
/// for later waits in a thread of its own (jobq_add, sched_wait). The
/// bound is well above the jobs a large site schedules at one time (a
/// thousand clients at 21:00) and well below where threads run out.
pub const MAX_JOBS: usize = 5000;

/// The Director's jobs in flight.
#[derive(Default)]
pub struct Jobs {
    active: Mutex<HashMap<i64, Active>>,
    ended: Condvar,
    queue: queue::Queue,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Jobs {
    /// Whether any job is in flight (or that one, with `job_id`).
    pub fn is_active(&self, job_id: Option<i64>) -> bool {
        let a = lock(&self.active);
        match job_id {
            Some(id) => a.contains_key(&id),
            None => !a.is_empty(),
        }
    }

    /// Waits until that job is no longer in flight.
    pub fn wait(&self, job_id: i64) {
        let mut a = lock(&self.active);
        while a.contains_key(&job_id) {
            a = self.ended.wait(a).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The Job resource and Client of a job in flight, for the console's
    /// ACLs.
    pub fn owner(&self, job_id: i64) -> Option<(String, String)> {
        let a = lock(&self.active);
        a.get(&job_id).map(|j| {
            let d = j.state.data();
            (d.job.clone(), d.client.clone())
        })
    }

    /// Waits until no job in flight is one `counts` accepts (given its
    /// Job resource and Client).
    pub fn wait_for(&self, counts: impl Fn(&str, &str) -> bool) {
        let mut a = lock(&self.active);
        while a.values().any(|j| {
            let d = j.state.data();
            counts(&d.job, &d.client)
        }) {
            a = self.ended.wait(a).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// The first job in flight started before `job_id` of the same Job
    /// resource and type: what `Allow Duplicate Jobs = no` refuses to run
    /// beside (bacula-dir's allow_duplicate_job compares name and type).
    fn duplicate_of(&self, job_id: i64, job: &str, job_type: char) -> Option<i64> {
        lock(&self.active)
            .iter()
            .filter(|(id, j)| {
                let d = j.state.data();
                **id < job_id && d.job == job && d.job_type == job_type
            })
            .map(|(id, _)| *id)
            .min()
    }

    /// A copy of the state of a job in flight.
    pub fn data(&self, job_id: i64) -> Option<JobData> {
        lock(&self.active)
            .get(&job_id)
            .map(|j| j.state.data().clone())
    }

    /// Marks a job to be stopped (`stop`): one still waiting ends at once,
    /// Incomplete; a running one ends so once the daemons, told by the
    /// caller, have stopped it. The job's state then, if it is in flight.
    pub fn stop(&self, job_id: i64) -> Option<JobData> {
        let a = lock(&self.active);
        a.get(&job_id).map(|j| {
            let mut d = j.state.data();
            d.stopped = true;
            if d.status != 'R' {
                j.canceled.store(true, Ordering::SeqCst);
            }
            d.clone()
        })
    }

    /// Marks a job to be canceled; its unique name if it was in flight.
    pub fn cancel(&self, job_id: i64) -> Option<String> {
        let a = lock(&self.active);
        a.get(&job_id).map(|j| {
            j.canceled.store(true, Ordering::SeqCst);
            j.state.data().job_name.clone()
        })
    }

    /// JobIds, unique names, status and type letters of the jobs in
    /// flight, by JobId.
    pub fn running(&self) -> Vec<(i64, String, char, char)> {
        let a = lock(&self.active);
        let mut v: Vec<(i64, String, char, char)> = a
            .iter()
            .map(|(id, j)| {
                let d = j.state.data();
                (*id, d.job_name.clone(), d.status, d.job_type)
            })
            .collect();
        v.sort();
        v
    }
}

/// A job to run, as `run` or a script asked for it.
#[derive(Debug, Default, Clone)]
pub struct RunRequest {
    pub job: String,
    pub level: Option<String>,
    pub priority: Option<i64>,
    pub pool: Option<String>,
    pub storage: Option<String>,
    /// Who overrode the Pool and the Storage, as the summary and the
    /// report say it: "Command input" (`run pool=`), "User input" (a
    /// Pool chosen at `mod`), "user selection" (a Storage chosen
    /// there), "Run pool override" (a Schedule's Run line).
    pub pool_source: Option<&'static str>,
    pub storage_source: Option<&'static str>,
    /// A Schedule's FullPool, IncrementalPool and DifferentialPool.
    pub full_pool: Option<String>,
    pub inc_pool: Option<String>,
    pub diff_pool: Option<String>,
    /// When the scheduler meant it to run, or `when=` asked (unix time);
    /// now otherwise. A job does not start running before it.
    pub sched_time: Option<i64>,
    /// `client=` and `fileset=`: the Client and FileSet the job runs
    /// with in place of its resource's.
    pub client: Option<String>,
    pub fileset: Option<String>,
    /// `where=`/`regexwhere=` as given: they belong to restores, so a
    /// run naming one is refused (see `RunRequest::unsupported`).
    pub where_to: Option<String>,
    /// `spooldata=` and `accurate=`, in place of the Job resource's
    /// Spool Data and Accurate.
    pub spool_data: Option<bool>,
    pub accurate: Option<bool>,
    /// `comment=`: kept in the Job record's Comment.
    pub comment: Option<String>,
    /// For a Restore job: what the `restore` command settled.
    pub restore: Option<Arc<RestoreSpec>>,
}

fn catalog_res(cfg: &crate::config::Config, name: &str) -> CatalogRes {
    let c = cfg.find(Kind::Catalog, name);
    let s = |d: &str| c.and_then(|c| c.str(d)).map(str::to_string);
    CatalogRes {
        db_name: s("DbName"),
        address: s("Address"),
        user: s("User"),
        password: s("Password"),
        socket: s("DbSocket"),
        port: c.and_then(|c| c.int("DbPort")).unwrap_or(0),
        vendor: "SQLite".into(),
    }
}

/// The Storage a job runs with when none is asked for, and where it
/// comes from, as bacula-dir's get_job_storage takes it: the first
/// Storage of the Job's Pool when that Pool names one ("Pool
/// resource"), else the Job's first (the empty source, "Job resource").
fn default_storage(cfg: &crate::config::Config, res: &Resource) -> (String, &'static str) {
    let first = |r: &Resource| match r.get("Storage") {
        Some(crate::config::Value::ResList(l)) => l.first().map(|s| s.name.clone()),
        _ => r.str("Storage").map(str::to_string),
    };
    let pool = res.str("Pool").and_then(|p| cfg.find(Kind::Pool, p));
    match pool.and_then(first) {
        Some(s) => (s, "Pool resource"),
        None => (first(res).unwrap_or_default(), ""),
    }
}

/// The job's attributes from its resource, before it runs.
fn job_data(
    cfg: &crate::config::Config,
    res: &Resource,
    req: &RunRequest,
) -> Result<JobData, String> {
    let job_type = names::type_letter(res.str("Type").unwrap_or("Backup")).unwrap_or('B');
    let level = match req.level.as_deref().or(res.str("Level")) {
        Some(l) => names::run_level(l, job_type)?,
        None => ' ',
    };
    let client = req
        .client
        .clone()
        .unwrap_or_else(|| res.str("Client").unwrap_or_default().to_string());
    let fileset = req
        .fileset
        .clone()
        .unwrap_or_else(|| res.str("Fileset").unwrap_or_default().to_string());
    let catalog = cfg
        .find(Kind::Client, &client)
        .and_then(|c| c.str("Catalog"))
        .unwrap_or("MyCatalog")
        .to_string();
    let (pool, pool_source) = match &req.pool {
        Some(p) => (p.clone(), req.pool_source.unwrap_or_default()),
        None => (res.str("Pool").unwrap_or_default().to_string(), ""),
    };
    let (storage, storage_source) = match &req.storage {
        Some(s) => (s.clone(), req.storage_source.unwrap_or_default()),
        None => default_storage(cfg, res),
    };
    for (kind, name) in [
        (Kind::Pool, &pool),
        (Kind::Storage, &storage),
        (Kind::Client, &client),
        (Kind::Fileset, &fileset),
    ] {
        if !name.is_empty() && cfg.find(kind, name).is_none() {
            return Err(format!("{} \"{name}\" not found", kind.name()));
        }
    }
    let media_type = cfg
        .find(Kind::Storage, &storage)
        .and_then(|s| s.str("MediaType"))
        .unwrap_or_default()
        .to_string();
    Ok(JobData {
        job: res.name.clone(),
        job_type,
        level,
        client,
        pool,
        pool_source: pool_source.to_string(),
        storage,
        storage_source: storage_source.to_string(),
        media_type,
        catalog_res: catalog_res(cfg, &catalog),
        catalog,
        fileset,
        accurate: req
            .accurate
            .unwrap_or_else(|| res.bool("Accurate").unwrap_or(false)),
        spool_data: req
            .spool_data
            .unwrap_or_else(|| res.bool("SpoolData").unwrap_or(false)),
        comment: req.comment.clone().unwrap_or_default(),
        priority: req
            .priority
            .unwrap_or_else(|| res.int("Priority").unwrap_or(10)),
        ..JobData::default()
    })
}

/// What `req` would run (Job, type, level, Client, FileSet, Pool,
/// Storage, priority, when), or why it cannot run: what a console's
/// `run` shows before it asks, and what `start` creates.
pub fn plan(cfg: &crate::config::Config, req: &RunRequest) -> Result<JobData, String> {
    let res = cfg
        .find(Kind::Job, &req.job)
        .ok_or_else(|| format!("Job \"{}\" not found", req.job))?;
    if let Some(why) = req.unsupported() {
        return Err(why);
    }
    let mut data = job_data(cfg, res, req)?;
    match (data.job_type, &req.restore) {
        ('D' | 'B' | 'V', _) => {}
        ('R', Some(spec)) => {
            data.client = spec.client.clone();
            data.storage = spec.storage.clone();
            data.pool = String::new();
        }
        ('R', None) => {
            return Err(format!(
                "Job \"{}\" is a Restore job: start it with the restore command",
                res.name
            ))
        }
        (t, _) => {
            return Err(format!(
                "Job \"{}\" is a {} job; this Director runs Admin, Backup, Restore and Verify jobs so far",
                res.name,
                names::type_name(t)
            ))
        }
    }
    data.sched_time = req.sched_time.unwrap_or_else(clock::now);
    Ok(data)
}

/// Creates the job (catalog record, JobId) and starts its thread; the
/// JobId. Never waits for the script host.
pub fn start(director: &Arc<Director>, req: &RunRequest) -> Result<i64, String> {
    // A job started now (by Exit's job.run) would never run nor end.
    if director.is_shutting_down() {
        return Err("the Director is shutting down".into());
    }
    let held = lock(&director.jobs().active).len();
    if held >= MAX_JOBS {
        return Err(format!(
            "the Director already holds {held} jobs waiting or running, the most it takes ({MAX_JOBS}); run it again once some have ended"
        ));
    }
    let cfg = director.config();
    let mut data = plan(&cfg, req)?;
    let res = cfg
        .find(Kind::Job, &req.job)
        .ok_or_else(|| format!("Job \"{}\" not found", req.job))?;
    let now = clock::now();
    let sched = req.sched_time.unwrap_or(now);
    data.sched_time = sched;
    data.level_pools = [
        req.full_pool.clone(),
        req.inc_pool.clone(),
        req.diff_pool.clone(),
    ];
    data.job_name = names::unique(&res.name);
    let job_id = director
        .catalog()
        .create_job(&NewJob {
            job: &data.job_name,
            name: &res.name,
            job_type: data.job_type,
            level: data.level,
            client: &data.client,
            pool: &data.pool,
            comment: req.comment.as_deref(),
            sched_time: &clock::local(sched).sql(),
            job_tdate: now,
        })
        .map_err(|e| e.to_string())?;
    data.job_id = job_id;
    let state = JobState::new(data);
    let canceled = Arc::new(AtomicBool::new(false));
    lock(&director.jobs().active).insert(
        job_id,
        Active {
            state: state.clone(),
            canceled: canceled.clone(),
        },
    );
    director.messages().job_started(job_id, cfg.clone());
    let d = director.clone();
    let res = res.clone();
    let spec = req.restore.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("job {job_id}"))
        .spawn(move || run_job(&d, &res, &state, &canceled, sched, spec.as_deref()));
    if let Err(e) = spawned {
        // Refused: the job leaves no trace, as if it had not been asked.
        lock(&director.jobs().active).remove(&job_id);
        director.messages().job_ended(job_id);
        if let Err(e) = director.catalog().delete_job(job_id) {
            tracing::error!("{e}");
        }
        return Err(format!("cannot start a thread for the job: {e}"));
    }
    Ok(job_id)
}

/// Sends the messages scripts wrote since the last call.
pub(crate) fn pass_on_script_messages(
    director: &Director,
    res_messages: Option<&str>,
    state: &JobState,
) {
    let job_id = state.data().job_id;
    for m in state.new_messages() {
        director.job_message(job_id, res_messages, &m);
    }
}

/// As `pass_on_script_messages`, to the Messages of the job's resource
/// (for events delivered away from the job's own thread of steps).
pub(crate) fn pass_on_job_script_messages(director: &Director, state: &JobState) {
    let cfg = director.config();
    let job = state.data().job.clone();
    let messages = cfg.find(Kind::Job, &job).and_then(|j| j.str("Messages"));
    pass_on_script_messages(director, messages, state);
}

fn event(director: &Director, res: &Resource, state: &Arc<JobState>, e: JobEvent) {
    if let Some(host) = director.scripts() {
        host.event(state, e);
    }
    pass_on_script_messages(director, res.str("Messages"), state);
}

/// A resource's Maximum Concurrent Jobs (Bacula's default, 1, when unset).
fn max_jobs(res: Option<&Resource>) -> usize {
    res.and_then(|r| r.int("MaximumConcurrentJobs"))
        .unwrap_or(1)
        .max(1) as usize
}

/// The waiting letters a job has before it runs.
const QUEUED: &str = "Cdjcsp";

/// Watches Max Start Delay (from scheduled to started), Max Wait Time
/// (time spent waiting, in the queue or for a volume) and Max Run Time
/// (from started, by level if Full/Incremental/Differential Max Run Time
/// is set) until `done`; cancels the job when one is exceeded, with
/// Bacula's message.
fn watch_time_limits(
    director: &Director,
    res: &Resource,
    state: &JobState,
    canceled: &AtomicBool,
    done: &AtomicBool,
    sched: i64,
) {
    let positive = |d: &str| res.int(d).filter(|v| *v > 0);
    // The level is read once the job runs: JobStart and JobInit may
    // change it, and promotion may make it a Full.
    let max_run = || {
        let level_limit = match state.data().level {
            'F' => positive("FullMaxRunTime"),
            'I' => positive("IncrementalMaxRunTime"),
            'D' => positive("DifferentialMaxRunTime"),
            _ => None,
        };
        level_limit.or_else(|| positive("MaxRunTime"))
    };
    let max_wait = positive("MaxWaitTime");
    let max_start = positive("MaxStartDelay");
    let any_run_limit = [
        "MaxRunTime",
        "FullMaxRunTime",
        "IncrementalMaxRunTime",
        "DifferentialMaxRunTime",
    ]
    .into_iter()
    .any(|d| positive(d).is_some());
    if !any_run_limit && max_wait.is_none() && max_start.is_none() {
        return;
    }
    let mut run_limit = None;
    let tick = std::time::Duration::from_millis(200);
    let mut waited = std::time::Duration::ZERO;
    let mut started: Option<std::time::Instant> = None;
    while !done.load(Ordering::SeqCst) && !canceled.load(Ordering::SeqCst) {
        // Woken at once when the job ends.
        std::thread::park_timeout(tick);
        if done.load(Ordering::SeqCst) {
            return;
        }
        let status = state.data().status;
        let queued = QUEUED.contains(status);
        if !queued && started.is_none() {
            started = Some(std::time::Instant::now());
            run_limit = max_run();
        }
        // Bacula counts the waits for a volume and for the daemons too.
        if queued || "mFS".contains(status) {
            waited += tick;
        }
        let over = |limit: Option<i64>, spent: std::time::Duration| {
            limit.is_some_and(|l| spent.as_secs_f64() >= l as f64)
        };
        let since_sched = std::time::Duration::from_secs((clock::now() - sched).max(0) as u64);
        let why = if queued && over(max_start, since_sched) {
            Some("Job canceled because max start delay time exceeded.")
        } else if over(max_wait, waited) {
            Some("Max wait time exceeded. Job canceled.")
        } else if over(run_limit, started.map(|s| s.elapsed()).unwrap_or_default()) {
            Some("Max run time exceeded. Job canceled.")
        } else {
            None
        };
        if let Some(why) = why {
            let job_id = state.data().job_id;
            director.job_message(job_id, res.str("Messages"), &format!("Fatal error: {why}"));
            canceled.store(true, Ordering::SeqCst);
            return;
        }
    }
}

/// A job asked for later (`run when=`) waits for its time before it
/// queues, as bacula-dir's job queue holds it (jobq.c); a cancel ends the
/// wait.
fn wait_for_start_time(sched: i64, canceled: &AtomicBool) {
    while clock::now() < sched && !canceled.load(Ordering::SeqCst) {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

fn run_job(
    director: &Arc<Director>,
    res: &Resource,
    state: &Arc<JobState>,
    canceled: &AtomicBool,
    sched: i64,
    restore: Option<&RestoreSpec>,
) {
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let watcher = std::thread::Builder::new()
            .name(format!("job {} limits", state.data().job_id))
            .spawn_scoped(scope, || {
                watch_time_limits(director, res, state, canceled, &done, sched)
            });
        // Out of threads: the job ends in error; the Director goes on.
        let fatal = watcher
            .as_ref()
            .err()
            .map(|e| format!("cannot start the thread that watches the job's time limits: {e}"));
        run_job_steps(director, res, state, canceled, (sched, restore, fatal));
        done.store(true, Ordering::SeqCst);
        if let Ok(w) = watcher {
            w.thread().unpark();
        }
    });
}

fn run_job_steps(
    director: &Arc<Director>,
    res: &Resource,
    state: &Arc<JobState>,
    canceled: &AtomicBool,
    (sched, restore, fatal): (i64, Option<&RestoreSpec>, Option<String>),
) {
    let job_id = state.data().job_id;
    let msgs = res.str("Messages").map(str::to_string);
    let say = |text: &str| director.job_message(job_id, msgs.as_deref(), text);
    // As bacula-dir 9.6.7 (job.c allow_duplicate_job, from do_backup_init
    // and its kin): the new job is canceled, never queued behind the one
    // in flight. (Cancel Queued/Running/Lower Level Duplicates are not
    // supported: the configuration says so.)
    if !res.bool("AllowDuplicateJobs").unwrap_or(true) {
        let job_type = state.data().job_type;
        if let Some(other) = director.jobs().duplicate_of(job_id, &res.name, job_type) {
            say(&format!(
                "Fatal error: JobId {other} already running. Duplicate job not allowed."
            ));
            canceled.store(true, Ordering::SeqCst);
        }
    }
    event(director, res, state, JobEvent::JobStart);
    // JobInit sees the level after promotion.
    let is_backup = state.data().job_type == 'B';
    let mut prepared = None;
    let mut fatal = fatal;
    if is_backup && fatal.is_none() && !canceled.load(Ordering::SeqCst) {
        match backup::prepare(director, res, state, &say) {
            Ok(p) => prepared = Some(p),
            Err(e) => fatal = Some(e),
        }
    }
    let settled = state.data().level;
    event(director, res, state, JobEvent::JobInit);
    let level = state.data().level;
    if let (Some(p), true) = (prepared.as_mut(), level != settled) {
        // A level JobInit wrote is applied whole, as if the job had
        // been run at it.
        if let Err(e) = backup::settle_level(director, res, state, p, &say) {
            fatal.get_or_insert(e);
        }
    } else if level != ' ' {
        let _ = director.catalog().job_level(job_id, level);
    }
    let limits = queue::Limits {
        director_max: director
            .config()
            .director()
            .int("MaximumConcurrentJobs")
            .unwrap_or(20)
            .max(1) as usize,
        job: (res.name.clone(), max_jobs(Some(res))),
        client: None,
        storage: None,
        allow_mixed: res.bool("AllowMixedPriority").unwrap_or(false),
    };
    let is_verify = state.data().job_type == 'V';
    let limits = if is_verify {
        let cfg = director.config();
        let client = state.data().client.clone();
        let client_max = max_jobs(cfg.find(Kind::Client, &client));
        queue::Limits {
            client: Some((client, client_max)),
            ..limits
        }
    } else if is_backup || restore.is_some() {
        let cfg = director.config();
        let (client, storage) = {
            let d = state.data();
            (d.client.clone(), d.storage.clone())
        };
        let client_max = max_jobs(cfg.find(Kind::Client, &client));
        let storage_max = max_jobs(cfg.find(Kind::Storage, &storage));
        queue::Limits {
            client: Some((client, client_max)),
            storage: Some((storage, storage_max)),
            ..limits
        }
    } else {
        limits
    };
    wait_for_start_time(sched, canceled);
    let jobs = director.jobs();
    let admitted = jobs.queue.acquire(state, &limits, canceled);
    let start = clock::now();
    {
        let mut d = state.data();
        d.status = 'R';
        d.start_time = start;
    }
    if let Err(e) = director
        .catalog()
        .job_started(job_id, &clock::local(start).sql())
    {
        tracing::error!("{e}");
    }
    let job_name = state.data().job_name.clone();
    let type_name = names::type_name(state.data().job_type);
    if admitted && restore.is_some() {
        say(&format!("Start Restore Job {job_name}"));
    } else if admitted {
        say(&format!("Start {type_name} JobId {job_id}, Job={job_name}"));
    }
    if let Some(e) = &fatal {
        say(&format!("Fatal error: {e}"));
    }
    let mut ok = admitted && fatal.is_none() && !canceled.load(Ordering::SeqCst);
    if ok {
        ok = runscript::run(director, res, state, runscript::Stage::Before, true);
    }
    if ok && !canceled.load(Ordering::SeqCst) {
        event(director, res, state, JobEvent::JobRun);
    }
    let mut ran = None;
    if let (true, Some(p)) = (ok && !canceled.load(Ordering::SeqCst), &prepared) {
        let r = backup::run(director, res, state, p, canceled);
        pass_on_script_messages(director, res.str("Messages"), state);
        let o = &r.outcome;
        if o.fatal.is_some() {
            fatal = o.fatal.clone();
        }
        ok = o.fd.status == 'T' && o.sd.status == 'T';
        ran = Some(r);
    }
    let mut verified = None;
    if ok && is_verify && !canceled.load(Ordering::SeqCst) {
        let v = verify::run(director, res, state, canceled, &say);
        pass_on_script_messages(director, res.str("Messages"), state);
        if let Some(e) = &v.fatal {
            say(&format!("Fatal error: {e}"));
            fatal = v.fatal.clone();
        }
        ok = matches!(v.fd_status, 'T' | 'D') && matches!(v.sd_status, 'T' | ' ');
        {
            let mut d = state.data();
            d.files = v.files;
            d.errors += v.errors;
            d.fd_status = v.fd_status;
        }
        let _ = director
            .catalog()
            .restore_totals(job_id, v.files, 0, v.errors);
        verified = Some(v);
    }
    let mut restored = None;
    if let (true, Some(spec)) = (ok && !canceled.load(Ordering::SeqCst), restore) {
        let o = restore::run(director, res, state, spec, canceled);
        pass_on_script_messages(director, res.str("Messages"), state);
        if o.fatal.is_some() {
            fatal = o.fatal.clone();
        }
        ok = o.fd.status == 'T' && o.sd.status == 'T';
        restored = Some(o);
    }
    // Stopped: canceled while it waited, or stopped by the file daemon
    // (bacula-dir's cancel_job with cancel=false): Incomplete, the files
    // it sent kept in the catalog.
    let stopped = state.data().stopped
        && (canceled.load(Ordering::SeqCst)
            || ran.as_ref().is_some_and(|r| r.outcome.fd.status == 'I'));
    let status = if stopped {
        'I'
    } else if canceled.load(Ordering::SeqCst) {
        'A'
    } else if fatal.is_some() {
        'f'
    } else if ok && verified.as_ref().is_some_and(|v| v.differences) {
        'D'
    } else if !ok || (!is_backup && restore.is_none() && state.data().errors > 0) {
        // A backup whose daemons both ended well is OK, "with warnings"
        // when it had non-fatal errors, as in Bacula.
        'E'
    } else {
        'T'
    };
    runscript::run(director, res, state, runscript::Stage::After, status == 'T');
    let end = clock::now();
    {
        let mut d = state.data();
        d.status = status;
        d.end_time = end;
    }
    let errors = state.data().errors;
    if let Err(e) = director
        .catalog()
        .job_ended(job_id, status, &clock::local(end).sql(), errors)
    {
        // In the job's report too, as bacula-dir says it (job.c
        // update_job_end): the catalog keeps the job as running.
        say(&format!("Warning: Error updating job record. {e}"));
    }
    let cfg = director.config();
    // The report of a job that failed is an error, as bacula-dir sends it
    // (backup_cleanup and its kin), so that a `!info` filter keeps it.
    let report_type = if matches!(status, 'E' | 'f') {
        messages::Type::Error
    } else {
        messages::Type::Info
    };
    let say_report =
        |text: &str| director.job_message_as(job_id, msgs.as_deref(), report_type, text);
    if is_backup {
        let o = ran.as_ref().map(|r| &r.outcome);
        say_report(&report::backup(
            &cfg,
            state,
            &report::BackupFigures {
                fileset_time: prepared.as_ref().map_or("", |p| p.fileset_time.as_str()),
                since: prepared
                    .as_ref()
                    .and_then(|p| p.since.as_ref())
                    .map(|s| s.start),
                volumes: o.map_or(&[], |o| o.sd.volumes.as_slice()),
                vol_session_id: o.map_or(0, |o| o.vol_session_id),
                vol_session_time: o.map_or(0, |o| o.vol_session_time),
                last_volume_bytes: ran.as_ref().map_or(0, |r| r.last_volume_bytes),
                sd_bytes: o.map_or(0, |o| o.sd.bytes),
            },
            (sched, start, end),
        ));
    } else if is_verify {
        say_report(&report::verify(
            &cfg,
            state,
            verified.as_ref(),
            (start, end),
        ));
    } else if let Some(spec) = restore {
        say_report(&report::restore(
            &cfg,
            state,
            &report::RestoreFigures {
                where_: &spec.placement.shown(),
                replace: crate::restore::replace_word(spec.replace),
                expected: spec.files,
                read_bytes: restored.as_ref().map_or(0, |o| o.fd.bytes),
            },
            (start, end),
        ));
    } else {
        say_report(&report::admin(&cfg, state, sched, start, end));
    }
    if is_backup && ran.is_some() {
        retention::auto_prune(director, state, &say);
    }
    jobs.queue.release(job_id);
    event(director, res, state, JobEvent::JobEnd);
    let since = prepared
        .as_ref()
        .and_then(|p| p.since.as_ref())
        .map(|s| clock::local(s.start).sql());
    let codes = messages::JobCodes::of(&cfg, state.data().clone(), since);
    lock(&jobs.active).remove(&job_id);
    jobs.ended.notify_all();
    director.messages().end_job(director, codes);
}
