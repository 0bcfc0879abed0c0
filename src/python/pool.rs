//! The pool of interpreters a script host runs: which interpreter an event
//! goes to, a warm spare so that a job's JobStart never waits for a load,
//! loading a new generation of the script (`python restart`, the memory
//! limit) with the old one kept until its jobs end, and giving up on an
//! interpreter stuck in a handler that will not stop.
//!
//! The rules (docs/python.md, "Time limits and concurrency", says them for
//! script authors):
//! a job lives in the interpreter that handled its first event, and every
//! event of its events object goes there, in order. A daemon event
//! (JobStart, JobEnd) goes there too when that interpreter is free and
//! runs the current script, else to any free one, with a Job object made
//! for the call. At most [`MAX_INTERPRETERS`] run one script generation.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::host::show_timeout;
use super::load::STARTUP_MODULE;
use super::worker::{Context, LoadState, Script, Work, Worker};

/// The most interpreters one script generation runs at once (each holds
/// 6 to 10 MiB): past it, a job's first event waits for a busy one.
pub(crate) const MAX_INTERPRETERS: usize = 8;

/// The most interpreters given up on while stuck in a handler (each keeps
/// a thread and its memory): past it Python is disabled.
pub(crate) const MAX_ABANDONED: usize = 4;

/// How long past its deadline a caller waits for a handler to return
/// before it gives the interpreter up.
pub(crate) const GRACE: Duration = Duration::from_secs(1);

#[derive(Default)]
struct State {
    /// The current generation's interpreters (loaded or loading).
    current: Vec<Arc<Worker>>,
    /// Interpreters of older generations that still hold running jobs.
    retiring: Vec<Arc<Worker>>,
    /// Where each job lives.
    homes: HashMap<i64, Arc<Worker>>,
    generation: u64,
    script: Option<Arc<Script>>,
    /// Why Python is off, once the script could not be loaded.
    disabled: Option<String>,
    abandoned: usize,
}

pub(crate) struct Pool {
    ctx: Arc<Context>,
    state: Mutex<State>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where one event goes.
pub(crate) struct Pick {
    pub(crate) worker: Arc<Worker>,
    pub(crate) home: bool,
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

    /// Reads the script and starts loading it in a first interpreter.
    pub(crate) fn start(&self) -> Result<Arc<Worker>, String> {
        let path = self.ctx.cfg.script.clone().ok_or("no Scripts Directory")?;
        let script = Arc::new(Script::read(&self.ctx.cfg, &path)?);
        let mut s = lock(&self.state);
        s.generation = 1;
        let w = Worker::spawn(self.ctx.clone(), 1, script.clone());
        s.script = Some(script);
        s.current.push(w.clone());
        Ok(w)
    }

    /// Waits for `w`'s load until `deadline` + the grace; a load that does
    /// not end by then is given up on.
    pub(crate) fn wait_load(&self, w: &Arc<Worker>, deadline: Instant) -> Result<(), String> {
        match w.wait_loaded(deadline + GRACE) {
            LoadState::Ready => Ok(()),
            LoadState::Failed(msg) => {
                self.remove(w);
                Err(msg)
            }
            LoadState::Loading => {
                self.abandon(w);
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

    /// The interpreter `job_id`'s event goes to, marked busy; None when
    /// Python is off or no interpreter is loaded by `deadline`.
    pub(crate) fn pick(&self, job_id: i64, daemon: bool, deadline: Instant) -> Option<Pick> {
        loop {
            let mut s = lock(&self.state);
            if s.disabled.is_some() || s.script.is_none() {
                return None;
            }
            let generation = s.generation;
            if let Some(home) = s.homes.get(&job_id).cloned() {
                if !daemon || (home.generation == generation && home.is_free()) {
                    home.in_flight.fetch_add(1, Ordering::SeqCst);
                    return Some(Pick {
                        worker: home,
                        home: true,
                    });
                }
            }
            let free = s
                .current
                .iter()
                .filter(|w| w.is_free())
                .min_by_key(|w| w.homed.load(Ordering::SeqCst))
                .cloned();
            let full = s.current.len() >= MAX_INTERPRETERS;
            let chosen = free.or_else(|| {
                // At the cap, queue behind the least busy loaded one.
                full.then(|| {
                    s.current
                        .iter()
                        .filter(|w| w.load_state() == LoadState::Ready)
                        .min_by_key(|w| w.in_flight.load(Ordering::SeqCst))
                        .cloned()
                })
                .flatten()
            });
            if let Some(w) = chosen {
                w.in_flight.fetch_add(1, Ordering::SeqCst);
                let home = !s.homes.contains_key(&job_id);
                if home {
                    w.homed.fetch_add(1, Ordering::SeqCst);
                    s.homes.insert(job_id, w.clone());
                }
                self.keep_spare(&mut s);
                return Some(Pick { worker: w, home });
            }
            self.keep_spare(&mut s);
            let loading = s
                .current
                .iter()
                .find(|w| w.load_state() == LoadState::Loading)
                .cloned();
            drop(s);
            let w = loading?;
            match w.wait_loaded(deadline) {
                LoadState::Ready => continue,
                LoadState::Failed(msg) => {
                    self.remove(&w);
                    self.disable(msg);
                    return None;
                }
                LoadState::Loading => return None,
            }
        }
    }

    /// Starts loading one more interpreter when none of the current ones
    /// is free or loading, below the cap.
    fn keep_spare(&self, s: &mut State) {
        let spare = s.current.iter().any(|w| {
            w.in_flight.load(Ordering::SeqCst) == 0
                && !matches!(w.load_state(), LoadState::Failed(_))
        });
        if spare || s.current.len() >= MAX_INTERPRETERS || s.disabled.is_some() {
            return;
        }
        let Some(script) = s.script.clone() else {
            return;
        };
        s.current
            .push(Worker::spawn(self.ctx.clone(), s.generation, script));
    }

    /// The event sent to `p` was answered.
    pub(crate) fn done(&self, p: &Pick) {
        p.worker.in_flight.fetch_sub(1, Ordering::SeqCst);
    }

    /// The job ended: its Job object goes from the interpreter it lived
    /// in, and an old interpreter with no job left goes with it.
    pub(crate) fn job_ended(&self, job_id: i64, p: &Pick) {
        let mut s = lock(&self.state);
        let Some(home) = s.homes.remove(&job_id) else {
            return;
        };
        if !Arc::ptr_eq(&home, &p.worker) {
            home.send(Work::Forget(job_id));
        }
        if home.homed.fetch_sub(1, Ordering::SeqCst) == 1 && home.generation != s.generation {
            s.retiring.retain(|w| !Arc::ptr_eq(w, &home));
        }
    }

    fn remove(&self, w: &Arc<Worker>) {
        let mut s = lock(&self.state);
        s.current.retain(|x| !Arc::ptr_eq(x, w));
        s.retiring.retain(|x| !Arc::ptr_eq(x, w));
    }

    /// Gives up on an interpreter stuck in a handler or an import: it gets
    /// no more work, its jobs lose their events objects, its thread ends
    /// on its own if the handler ever returns. Past [`MAX_ABANDONED`],
    /// Python is disabled.
    pub(crate) fn abandon(&self, w: &Arc<Worker>) {
        w.abandoned.store(true, Ordering::SeqCst);
        let mut s = lock(&self.state);
        s.current.retain(|x| !Arc::ptr_eq(x, w));
        s.retiring.retain(|x| !Arc::ptr_eq(x, w));
        let before = s.homes.len();
        s.homes.retain(|_, x| !Arc::ptr_eq(x, w));
        let lost = before - s.homes.len();
        s.abandoned += 1;
        tracing::error!(
            "Python: an interpreter stuck in a handler past its time limit is given up ({} of at most {MAX_ABANDONED}); {lost} running job(s) lose the events objects they registered in it",
            s.abandoned
        );
        if s.abandoned > MAX_ABANDONED {
            let why = format!(
                "{}: ERROR {} Python interpreters are stuck in handlers that did not stop at their time limit. Python disabled until the Director restarts.",
                self.ctx.cfg.info.name, s.abandoned
            );
            tracing::error!("{why}");
            s.disabled = Some(why);
            s.current.clear();
            s.retiring.clear();
            s.homes.clear();
            return;
        }
        self.keep_spare(&mut s);
    }

    /// Loads the script again in a new generation; the old interpreters
    /// keep their running jobs and go when those end. On failure nothing
    /// changes.
    pub(crate) fn reload(&self) -> Result<(), String> {
        let path = self
            .ctx
            .cfg
            .script
            .clone()
            .ok_or("Python scripting is off: the Director has no Scripts Directory")?;
        let generation = {
            let s = lock(&self.state);
            if s.abandoned > MAX_ABANDONED {
                return Err(s.disabled.clone().unwrap_or_default());
            }
            s.generation + 1
        };
        let script = Arc::new(Script::read(&self.ctx.cfg, &path)?);
        let w = Worker::spawn(self.ctx.clone(), generation, script.clone());
        match w.wait_loaded(Instant::now() + self.ctx.cfg.event_timeout + GRACE) {
            LoadState::Ready => {}
            LoadState::Failed(msg) => return Err(msg),
            LoadState::Loading => {
                self.abandon(&w);
                return Err(format!(
                    "Python script {STARTUP_MODULE} did not finish importing within {}",
                    show_timeout(self.ctx.cfg.event_timeout)
                ));
            }
        }
        let mut s = lock(&self.state);
        let old = std::mem::replace(&mut s.current, vec![w]);
        s.retiring.extend(
            old.into_iter()
                .filter(|w| w.homed.load(Ordering::SeqCst) > 0),
        );
        s.generation = s.generation.max(generation);
        s.script = Some(script);
        s.disabled = None;
        Ok(())
    }

    /// Running jobs, for the memory limit's message.
    pub(crate) fn running_jobs(&self) -> usize {
        lock(&self.state).homes.len()
    }

    /// Delivers Exit within `limit` (in a free interpreter, or a fresh one
    /// when every one is busy), then lets every interpreter go.
    pub(crate) fn exit(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        let worker = {
            let mut s = lock(&self.state);
            if s.disabled.is_some() {
                None
            } else {
                let free = s.current.iter().find(|w| w.is_free()).cloned();
                free.or_else(|| {
                    let script = s.script.clone()?;
                    let w = Worker::spawn(self.ctx.clone(), s.generation, script);
                    s.current.push(w.clone());
                    Some(w)
                })
            }
        };
        if let Some(w) = worker {
            if w.wait_loaded(deadline) == LoadState::Ready {
                let (reply, rx) = std::sync::mpsc::channel();
                if w.send(Work::Exit {
                    deadline,
                    limit,
                    reply,
                }) && rx
                    .recv_timeout(deadline.saturating_duration_since(Instant::now()) + GRACE)
                    .is_err()
                {
                    tracing::error!("Python: the Exit event did not return in time; the Director stops without it");
                }
            } else {
                tracing::error!("Python: no interpreter was free for the Exit event in time; the Director stops without it");
            }
        }
        let mut s = lock(&self.state);
        s.current.clear();
        s.retiring.clear();
        s.homes.clear();
        s.script = None;
    }
}
