//! The pool of interpreter processes a script host runs (worker.rs): which
//! process a job's events go to, a warm spare so that a job's JobStart
//! never waits for a load, loading a new generation of the script
//! (`python restart`) with the old processes kept until their jobs end,
//! and killing a process that is stuck, too big, or no longer needed.
//!
//! The rules (docs/python.md, "Time limits and concurrency", says them for
//! script authors): every event of a job goes to its home, the process its
//! first event ran in, JobEnd included, in order. A new job is homed in a
//! loaded process that holds no job, else in a new one (below
//! [`MAX_INTERPRETERS`] of its load and [`MAX_LIVE`] in all), else in the
//! one holding the fewest jobs. A job
//! whose home died is homed anew at its next event, without the events
//! object it had registered, and its report says so.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::host::show_timeout;
use super::load::STARTUP_MODULE;
use super::worker::{Context, LoadState, Script, Worker};

/// The most interpreter processes one script generation runs at once
/// (each holds 10 to 20 MiB): past it, new jobs share them.
pub(crate) const MAX_INTERPRETERS: usize = 8;

/// The most live interpreter processes of every generation together:
/// older loads' processes go only when their jobs end, so past it new
/// jobs share the current load's, and `python restart` is refused.
pub(crate) const MAX_LIVE: usize = MAX_INTERPRETERS + 4;

/// How long past its deadline a caller waits for a handler to return
/// before it kills the process it runs in.
pub(crate) const GRACE: Duration = Duration::from_secs(1);

/// The most processes started in [`SPAWN_WINDOW`]: a script that kills
/// every process it runs in (at import, or in every event) cannot make
/// the Director fork without end.
const MAX_SPAWNS: usize = 4 * MAX_INTERPRETERS;
const SPAWN_WINDOW: Duration = Duration::from_secs(10);

/// How many processes holding no job are kept loaded (or loading): the
/// next job's home, and the spare that takes the place of the one after
/// it while it loads. More than that go, with their memory.
const SPARES: usize = 2;

/// The most Exit waits at shutdown for the process used last to end the
/// events it runs, before it goes to another.
const SETTLE: Duration = Duration::from_secs(1);

/// Counts the jobs homed, for [`Worker::last_used`].
static USES: AtomicU64 = AtomicU64::new(0);

/// Marks `w` as the process used last.
fn used(w: &Worker) {
    w.last_used
        .store(USES.fetch_add(1, Ordering::SeqCst) + 1, Ordering::SeqCst);
}

/// The most recently used of `workers` (the first, when none was used).
fn most_recent<'a>(
    workers: impl DoubleEndedIterator<Item = &'a Arc<Worker>>,
) -> Option<&'a Arc<Worker>> {
    workers
        .rev()
        .max_by_key(|w| w.last_used.load(Ordering::SeqCst))
}

#[derive(Default)]
struct State {
    /// The current generation's processes (loaded or loading).
    current: Vec<Arc<Worker>>,
    /// Processes that take no new job (an older generation, or past the
    /// memory limit) and still hold running jobs.
    retiring: Vec<Arc<Worker>>,
    /// Where each job lives.
    homes: HashMap<i64, Arc<Worker>>,
    /// Jobs whose home ended, and how: said in their next event's report.
    lost: HashMap<i64, String>,
    script: Option<Arc<Script>>,
    /// Why Python is off, once the script could not be loaded.
    disabled: Option<String>,
    /// When the recent processes were started.
    spawns: VecDeque<Instant>,
    /// How many times `python restart` has put a new load in service: a
    /// start-up load that ends after one does not decide for Python.
    restarts: u64,
}

pub(crate) struct Pool {
    ctx: Arc<Context>,
    state: Mutex<State>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pool {
    pub(crate) fn new(ctx: Arc<Context>) -> Pool {
        Pool {
            ctx,
            state: Mutex::new(State::default()),
        }
    }

    pub(crate) fn context(&self) -> &Context {
        &self.ctx
    }

    /// Reads the script and starts loading it in a first process and the
    /// spare.
    pub(crate) fn start(&self) -> Result<Arc<Worker>, String> {
        let path = self.ctx.cfg.script.clone().ok_or("no Scripts Directory")?;
        let script = Arc::new(Script::read(&path).map_err(|tb| self.import_error(&tb))?);
        let mut s = lock(&self.state);
        let w = Worker::spawn(self.ctx.clone(), &script);
        s.spawns.push_back(Instant::now());
        s.script = Some(script);
        s.current.push(w.clone());
        // The spare loads beside the first: a job the first job's JobStart
        // starts does not wait for a load.
        self.keep_spare(&mut s);
        Ok(w)
    }

    /// The error of a script that could not be imported at start-up, as
    /// bacula-dir says it.
    fn import_error(&self, tb: &str) -> String {
        format!(
            "{}: ERROR Could not import Python script {}. Python disabled.\n{tb}",
            self.ctx.cfg.info.name,
            self.script_name()
        )
    }

    fn script_name(&self) -> String {
        self.ctx
            .cfg
            .script
            .as_ref()
            .map(|p| p.with_extension("").display().to_string())
            .unwrap_or_default()
    }

    /// Waits for `w`'s load until `deadline` + the grace; a load that does
    /// not end by then is killed.
    pub(crate) fn wait_load(&self, w: &Arc<Worker>, deadline: Instant) -> Result<(), String> {
        match w.wait_loaded(deadline + GRACE) {
            LoadState::Ready => Ok(()),
            LoadState::Failed(tb) => {
                self.remove(w, "its import failed");
                Err(self.import_error(&tb))
            }
            LoadState::Loading => {
                self.remove(w, "its import did not finish in time");
                Err(format!(
                    "{}: ERROR Python script {STARTUP_MODULE} did not finish importing within {}. Python disabled.",
                    self.ctx.cfg.info.name,
                    show_timeout(self.ctx.cfg.event_timeout)
                ))
            }
        }
    }

    /// Python is off from now on, for `why` (logged).
    pub(crate) fn disable(&self, why: String) {
        tracing::error!("{why}");
        lock(&self.state).disabled = Some(why);
    }

    /// The start-up load failed (`why`): Python is off, unless a `python
    /// restart` has put a newer load in service meanwhile, which stays.
    pub(crate) fn startup_failed(&self, why: String) {
        let mut s = lock(&self.state);
        if s.restarts > 0 {
            tracing::warn!(
                "{why}\n(python restart has loaded the script since; it stays in service)"
            );
        } else {
            tracing::error!("{why}");
            s.disabled = Some(why);
        }
    }

    /// The process `job_id`'s event goes to, marked busy, and, when the
    /// job's earlier home has ended since its last event, how; None when
    /// Python is off or no process is loaded by `deadline`.
    pub(crate) fn pick(
        &self,
        job_id: i64,
        deadline: Instant,
    ) -> Option<(Arc<Worker>, Option<String>)> {
        loop {
            let mut s = lock(&self.state);
            if s.disabled.is_some() || s.script.is_none() {
                return None;
            }
            sweep(&mut s);
            let lost = s.lost.remove(&job_id);
            if let Some(home) = s.homes.get(&job_id).cloned() {
                home.in_flight.fetch_add(1, Ordering::SeqCst);
                return Some((home, lost));
            }
            let ready = |w: &&Arc<Worker>| w.load_state() == LoadState::Ready;
            let free = most_recent(
                s.current
                    .iter()
                    .filter(ready)
                    .filter(|w| w.homed.load(Ordering::SeqCst) == 0 && w.is_free()),
            )
            .cloned();
            let chosen = free.or_else(|| {
                (s.current.len() >= MAX_INTERPRETERS || live(&s) >= MAX_LIVE)
                    .then(|| {
                        s.current
                            .iter()
                            .filter(ready)
                            .min_by_key(|w| {
                                w.homed.load(Ordering::SeqCst) + w.in_flight.load(Ordering::SeqCst)
                            })
                            .cloned()
                    })
                    .flatten()
            });
            if let Some(w) = chosen {
                w.in_flight.fetch_add(1, Ordering::SeqCst);
                w.homed.fetch_add(1, Ordering::SeqCst);
                used(&w);
                s.homes.insert(job_id, w.clone());
                self.keep_spare(&mut s);
                return Some((w, lost));
            }
            self.keep_spare(&mut s);
            let loading = s
                .current
                .iter()
                .find(|w| w.load_state() == LoadState::Loading)
                .cloned();
            let started = s.spawns.len();
            drop(s);
            let Some(w) = loading else {
                let why = if started >= MAX_SPAWNS {
                    format!(
                        "{started} were started in the last {} sec, the most it starts in that time",
                        SPAWN_WINDOW.as_secs()
                    )
                } else {
                    "none is loaded or loading".to_string()
                };
                tracing::error!(
                    "Python: no interpreter process for JobId {job_id}'s event: {why}; the event is skipped"
                );
                return None;
            };
            match w.wait_loaded(deadline) {
                LoadState::Ready => continue,
                LoadState::Failed(why) => {
                    tracing::error!(
                        "Python: an interpreter process did not load the script: {why}"
                    );
                    self.remove(&w, "its import failed");
                }
                LoadState::Loading => {}
            }
            if Instant::now() >= deadline {
                return None;
            }
        }
    }

    /// Starts loading one more process when fewer than [`SPARES`] of the
    /// current ones hold no job, below the cap and the spawn budget; lets
    /// the loaded ones past [`SPARES`] that hold no job go.
    fn keep_spare(&self, s: &mut State) {
        let idle = |w: &Arc<Worker>| {
            w.homed.load(Ordering::SeqCst) == 0 && w.in_flight.load(Ordering::SeqCst) == 0
        };
        let spares = s
            .current
            .iter()
            .filter(|w| idle(w) && matches!(w.load_state(), LoadState::Ready | LoadState::Loading))
            .count();
        // The idle ones used last stay: they hold what earlier jobs left.
        let mut idle_ready: Vec<(u64, usize)> = s
            .current
            .iter()
            .enumerate()
            .filter(|(_, w)| idle(w) && w.load_state() == LoadState::Ready)
            .map(|(i, w)| (w.last_used.load(Ordering::SeqCst), i))
            .collect();
        idle_ready.sort_by_key(|&(used, i)| (std::cmp::Reverse(used), i));
        let surplus: Vec<usize> = idle_ready.iter().skip(SPARES).map(|&(_, i)| i).collect();
        let mut index = 0;
        s.current.retain(|w| {
            index += 1;
            if surplus.contains(&(index - 1)) {
                w.kill("the pool holds more idle interpreter processes than it keeps");
                return false;
            }
            true
        });
        if spares >= SPARES
            || s.current.len() >= MAX_INTERPRETERS
            || live(s) >= MAX_LIVE
            || s.disabled.is_some()
        {
            return;
        }
        let Some(script) = s.script.clone() else {
            return;
        };
        let now = Instant::now();
        while s
            .spawns
            .front()
            .is_some_and(|t| now.duration_since(*t) > SPAWN_WINDOW)
        {
            s.spawns.pop_front();
        }
        if s.spawns.len() >= MAX_SPAWNS {
            return;
        }
        s.spawns.push_back(now);
        let w = Worker::spawn(self.ctx.clone(), &script);
        s.current.push(w);
    }

    /// The event sent to `w` has ended.
    pub(crate) fn done(&self, w: &Arc<Worker>) {
        w.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    /// The job ended: it leaves its home, and a retiring process with no
    /// job left goes.
    pub(crate) fn job_ended(&self, job_id: i64) {
        let mut s = lock(&self.state);
        s.lost.remove(&job_id);
        let Some(home) = s.homes.remove(&job_id) else {
            return;
        };
        home.forget(job_id);
        if home.homed.fetch_sub(1, Ordering::SeqCst) == 1
            && s.retiring.iter().any(|w| Arc::ptr_eq(w, &home))
        {
            s.retiring.retain(|w| !Arc::ptr_eq(w, &home));
            home.kill("its last job has ended");
        }
    }

    /// Kills `w` (for `why`) and takes it out of the pool: its jobs lose
    /// their events objects, and are told so at their next event.
    pub(crate) fn remove(&self, w: &Arc<Worker>, why: &str) {
        w.kill(why);
        let how = w.death().unwrap_or_else(|| format!("was killed ({why})"));
        let mut s = lock(&self.state);
        s.current.retain(|x| !Arc::ptr_eq(x, w));
        s.retiring.retain(|x| !Arc::ptr_eq(x, w));
        lose_homes(&mut s, w, &how);
        self.keep_spare(&mut s);
    }

    /// No new job goes to `w` any more (past the memory limit); it goes
    /// when its last job ends, at once if it holds none.
    pub(crate) fn retire(&self, w: &Arc<Worker>) {
        w.retired.store(true, Ordering::SeqCst);
        let mut s = lock(&self.state);
        let before = s.current.len();
        s.current.retain(|x| !Arc::ptr_eq(x, w));
        if s.current.len() == before {
            return;
        }
        if w.homed.load(Ordering::SeqCst) == 0 && w.in_flight.load(Ordering::SeqCst) == 0 {
            w.kill("it is over Python Memory Limit and holds no job");
        } else {
            s.retiring.push(w.clone());
        }
        self.keep_spare(&mut s);
    }

    /// Every live process, for the memory limit's looks.
    pub(crate) fn workers(&self) -> Vec<Arc<Worker>> {
        let s = lock(&self.state);
        s.current.iter().chain(&s.retiring).cloned().collect()
    }

    /// Loads the script again in a new process; the old ones keep their
    /// running jobs and go when those end. On failure nothing changes:
    /// the previous script stays in service.
    pub(crate) fn reload(&self) -> Result<(), String> {
        let path = self
            .ctx
            .cfg
            .script
            .clone()
            .ok_or("Python scripting is off: the Director has no Scripts Directory")?;
        let failed = |tb: &str| {
            format!(
                "{}: ERROR Could not import Python script {}.\n{tb}",
                self.ctx.cfg.info.name,
                self.script_name()
            )
        };
        let script = Arc::new(Script::read(&path).map_err(|tb| failed(&tb))?);
        {
            let mut s = lock(&self.state);
            sweep(&mut s);
            let live = live(&s);
            if live >= MAX_LIVE {
                return Err(format!(
                    "{live} interpreter processes are running, the most there may be ({MAX_LIVE}); those of earlier loads go when their jobs end: restart again then"
                ));
            }
            s.spawns.push_back(Instant::now());
        }
        let w = Worker::spawn(self.ctx.clone(), &script);
        match w.wait_loaded(Instant::now() + self.ctx.cfg.event_timeout + GRACE) {
            LoadState::Ready => {}
            LoadState::Failed(tb) => {
                w.kill("its import failed");
                return Err(failed(&tb));
            }
            LoadState::Loading => {
                w.kill("its import did not finish in time");
                return Err(format!(
                    "Python script {STARTUP_MODULE} did not finish importing within {}",
                    show_timeout(self.ctx.cfg.event_timeout)
                ));
            }
        }
        let mut s = lock(&self.state);
        let old = std::mem::replace(&mut s.current, vec![w]);
        for o in old {
            // One still loading may be the start-up load, whose loader
            // waits on it: it goes once its load has ended (sweep).
            if o.homed.load(Ordering::SeqCst) > 0
                || o.in_flight.load(Ordering::SeqCst) > 0
                || o.load_state() == LoadState::Loading
            {
                s.retiring.push(o);
            } else {
                o.kill("python restart replaced it");
            }
        }
        s.script = Some(script);
        s.disabled = None;
        s.restarts += 1;
        self.keep_spare(&mut s);
        Ok(())
    }

    /// Waits until `until` for the process used last to end the events it
    /// runs (a JobEnd that ends as the Director stops): Exit then finds the
    /// state the script kept there.
    fn settle(&self, until: Instant) {
        let recent = {
            let s = lock(&self.state);
            most_recent(
                s.current
                    .iter()
                    .filter(|w| w.load_state() == LoadState::Ready),
            )
            .filter(|w| w.last_used.load(Ordering::SeqCst) > 0)
            .cloned()
        };
        let Some(w) = recent else {
            return;
        };
        while !w.is_free() && w.load_state() == LoadState::Ready && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Delivers Exit within `limit` (in a free process, or a fresh one
    /// when every one is busy), then kills every process.
    pub(crate) fn exit(&self, limit: Duration) {
        self.settle(Instant::now() + SETTLE);
        let deadline = Instant::now() + limit;
        let worker = {
            let mut s = lock(&self.state);
            if s.disabled.is_some() {
                None
            } else {
                sweep(&mut s);
                let free = most_recent(s.current.iter().filter(|w| w.is_free())).cloned();
                let loading = s
                    .current
                    .iter()
                    .find(|w| {
                        w.load_state() == LoadState::Loading && w.homed.load(Ordering::SeqCst) == 0
                    })
                    .cloned();
                free.or(loading).or_else(|| {
                    let script = s.script.clone()?;
                    let w = Worker::spawn(self.ctx.clone(), &script);
                    s.current.push(w.clone());
                    Some(w)
                })
            }
        };
        if let Some(w) = worker {
            if w.wait_loaded(deadline) == LoadState::Ready {
                if !w.exit(limit, deadline) {
                    tracing::error!("Python: the Exit event did not return in time; the Director stops without it");
                }
            } else {
                tracing::error!("Python: no interpreter was free for the Exit event in time; the Director stops without it");
            }
        }
        let mut s = lock(&self.state);
        let s = &mut *s;
        for w in s.current.drain(..).chain(s.retiring.drain(..)) {
            w.kill("the Director is stopping");
        }
        for (_, w) in s.homes.drain() {
            w.kill("the Director is stopping");
        }
        s.script = None;
    }
}

/// The live processes of every load.
fn live(s: &State) -> usize {
    s.current.len() + s.retiring.len()
}

/// Takes out of the pool the processes that have ended, those that take
/// no job (neither loaded nor loading: a failed load, or a load result
/// out of place), idle ones that are stopped, and retiring ones whose load
/// has ended with no job in them.
fn sweep(s: &mut State) {
    let idle = |w: &Arc<Worker>| {
        w.homed.load(Ordering::SeqCst) == 0 && w.in_flight.load(Ordering::SeqCst) == 0
    };
    let unusable = |w: &Arc<Worker>| match w.load_state() {
        LoadState::Failed(_) => Some("its load failed"),
        LoadState::Ready if idle(w) && w.is_stopped() => {
            Some("it is stopped (SIGSTOP or a debugger) and would answer nothing")
        }
        _ => None,
    };
    let mut gone: Vec<(Arc<Worker>, &str)> = s
        .current
        .iter()
        .filter_map(|w| unusable(w).map(|why| (w.clone(), why)))
        .collect();
    gone.extend(
        s.retiring
            .iter()
            .filter(|w| idle(w) && w.load_state() != LoadState::Loading)
            .map(|w| (w.clone(), "python restart replaced it")),
    );
    for (w, why) in gone {
        if w.death().is_none() {
            w.kill(why);
        }
        s.current.retain(|x| !Arc::ptr_eq(x, &w));
        s.retiring.retain(|x| !Arc::ptr_eq(x, &w));
        lose_homes(s, &w, &format!("was killed ({why})"));
    }
    let dead: Vec<(Arc<Worker>, String)> = s
        .current
        .iter()
        .chain(&s.retiring)
        .filter_map(|w| w.death().map(|why| (w.clone(), why)))
        .collect();
    for (w, why) in dead {
        s.current.retain(|x| !Arc::ptr_eq(x, &w));
        s.retiring.retain(|x| !Arc::ptr_eq(x, &w));
        lose_homes(s, &w, &why);
    }
}

/// The jobs homed in `w` lose it (it `how`, as in "exited with status 7"):
/// each is homed anew at its next event.
fn lose_homes(s: &mut State, w: &Arc<Worker>, how: &str) {
    let lost: Vec<i64> = s
        .homes
        .iter()
        .filter(|(_, x)| Arc::ptr_eq(x, w))
        .map(|(id, _)| *id)
        .collect();
    for id in lost {
        s.homes.remove(&id);
        s.lost
            .insert(id, format!("the interpreter process {} {how}", w.pid));
    }
}
