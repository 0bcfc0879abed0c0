//! One interpreter of the pool, on its own OS thread: it loads the startup
//! script under the time limit, then delivers the events it is sent, in
//! the order they come, each under its deadline, and keeps the Job object
//! of every job whose events live in it. The handlers run on the
//! interpreter's main VM, the only one the watchdog can interrupt.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rustpython_vm::{PyObjectRef, PyPayload};

use super::host::{show_timeout, HostConfig};
use super::interpreter::{build_interpreter, release_freed_memory, Loaded};
use super::job::PyJob;
use super::load::{arity, load_script, method, traceback, STARTUP_MODULE};
use super::module::{self, EVENTS_ATTR};
use super::output;
use super::watchdog::{Timer, Watchdog};
use crate::job::events::{EventOutcome, ScriptCalls};
use crate::job::{JobEvent, JobState};

/// The startup script as read from disk once per load, so that every
/// interpreter of one generation runs the same text.
pub(crate) struct Script {
    pub(crate) path: PathBuf,
    pub(crate) source: String,
}

impl Script {
    /// Reads the script; the error is the one a failed import gives.
    pub(crate) fn read(cfg: &HostConfig, path: &Path) -> Result<Script, String> {
        let source = std::fs::read_to_string(path).map_err(|e| {
            import_error(
                cfg,
                path,
                &format!("FileNotFoundError: cannot read {}: {e}", path.display()),
            )
        })?;
        Ok(Script {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// The error of a script that could not be imported, as bacula-dir says it.
fn import_error(cfg: &HostConfig, path: &Path, tb: &str) -> String {
    format!(
        "{}: ERROR Could not import Python script {}. Python disabled.\n{tb}",
        cfg.info.name,
        path.with_extension("").display()
    )
}

/// What every interpreter of a host shares.
pub(crate) struct Context {
    pub(crate) cfg: HostConfig,
    pub(crate) director: Arc<dyn ScriptCalls>,
    pub(crate) watchdog: Arc<Watchdog>,
}

pub(crate) enum Work {
    Event {
        job: Arc<JobState>,
        event: JobEvent,
        deadline: Instant,
        /// The job lives here: its Job object stays until JobEnd.
        home: bool,
        reply: Sender<EventOutcome>,
    },
    /// The job ended in another interpreter: its Job object here goes.
    Forget(i64),
    Exit {
        deadline: Instant,
        /// The limit the deadline came from, for the message.
        limit: Duration,
        reply: Sender<()>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LoadState {
    Loading,
    Ready,
    Failed(String),
}

/// The pool's handle on one interpreter thread. Dropping the last handle
/// closes its channel: the thread ends once its handler returns.
pub(crate) struct Worker {
    tx: Mutex<Sender<Work>>,
    /// The load of the script this interpreter runs (a `python restart`
    /// or a memory reload makes a new generation).
    pub(crate) generation: u64,
    load: Mutex<LoadState>,
    loaded: Condvar,
    /// Requests sent and not answered yet.
    pub(crate) in_flight: AtomicUsize,
    /// Jobs whose Job object (and events object) lives here.
    pub(crate) homed: AtomicUsize,
    /// Given up on: what its handler does from now on reaches no report.
    pub(crate) abandoned: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Worker {
    /// Starts an interpreter thread that loads `script` in the background.
    pub(crate) fn spawn(ctx: Arc<Context>, generation: u64, script: Arc<Script>) -> Arc<Worker> {
        let (tx, rx) = channel();
        let w = Arc::new(Worker {
            tx: Mutex::new(tx),
            generation,
            load: Mutex::new(LoadState::Loading),
            loaded: Condvar::new(),
            in_flight: AtomicUsize::new(0),
            homed: AtomicUsize::new(0),
            abandoned: AtomicBool::new(false),
        });
        let me = Arc::downgrade(&w);
        let spawned = std::thread::Builder::new()
            .name("script-host".into())
            .spawn(move || run(&ctx, &script, &me, rx));
        if let Err(e) = spawned {
            w.set_load(LoadState::Failed(format!(
                "cannot start a Python interpreter thread: {e}"
            )));
        }
        w
    }

    fn set_load(&self, state: LoadState) {
        *lock(&self.load) = state;
        self.loaded.notify_all();
    }

    pub(crate) fn load_state(&self) -> LoadState {
        lock(&self.load).clone()
    }

    /// Waits until the script is loaded or `deadline`; the state then.
    pub(crate) fn wait_loaded(&self, deadline: Instant) -> LoadState {
        let mut state = lock(&self.load);
        while *state == LoadState::Loading {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            state = self
                .loaded
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        state.clone()
    }

    /// Loaded and running no handler.
    pub(crate) fn is_free(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0 && self.load_state() == LoadState::Ready
    }

    pub(crate) fn send(&self, work: Work) -> bool {
        lock(&self.tx).send(work).is_ok()
    }
}

/// The interpreter thread: load, then serve until every handle is gone.
fn run(ctx: &Context, script: &Script, me: &std::sync::Weak<Worker>, rx: Receiver<Work>) {
    module::INFO.with(|i| *i.borrow_mut() = ctx.cfg.info.clone());
    output::set_director(ctx.director.clone());
    let dir = script
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let (interp, signals) = build_interpreter(&dir);
    let timer = ctx.watchdog.timer(signals);
    let limit = ctx.cfg.event_timeout;
    let result = {
        let _timing = timer.arm(
            Instant::now() + limit,
            format!(
                "Python script {STARTUP_MODULE} did not finish importing within {}",
                show_timeout(limit)
            ),
        );
        interp.enter(|vm| {
            load_script(vm, &script.path, &script.source, ctx.cfg.legacy_syntax)
                .map_err(|e| traceback(vm, &e))
        })
    };
    let loaded = Loaded { interp };
    let state = match result {
        Ok(()) => LoadState::Ready,
        Err(tb) => LoadState::Failed(import_error(&ctx.cfg, &script.path, &tb)),
    };
    let ready = state == LoadState::Ready;
    match me.upgrade() {
        Some(w) => w.set_load(state),
        None => return timer.end(),
    }
    if ready {
        let mut serving = Serving {
            ctx,
            loaded: &loaded,
            timer: &timer,
            me,
            jobs: HashMap::new(),
        };
        while let Ok(work) = spin_recv(&rx) {
            serving.serve(work);
        }
    }
    timer.end();
    // The interpreter's own memory is freed only now, after Loaded's drop
    // emptied its modules: give it back, or this thread's allocator arena
    // keeps it (a new interpreter runs on a new thread, so a new arena).
    drop(loaded);
    release_freed_memory();
}

struct Serving<'a> {
    ctx: &'a Context,
    loaded: &'a Loaded,
    timer: &'a Timer,
    me: &'a std::sync::Weak<Worker>,
    /// The Job objects of the jobs that live here.
    jobs: HashMap<i64, PyObjectRef>,
}

impl Serving<'_> {
    fn serve(&mut self, work: Work) {
        match work {
            Work::Event {
                job,
                event,
                deadline,
                home,
                reply,
            } => {
                let out = self.deliver(&job, event, deadline, home);
                let _ = reply.send(out);
            }
            Work::Forget(id) => {
                self.jobs.remove(&id);
            }
            Work::Exit {
                deadline,
                limit,
                reply,
            } => {
                self.exit_event(deadline, limit);
                let _ = reply.send(());
            }
        }
    }

    fn new_pyjob(&self, job: &Arc<JobState>) -> PyObjectRef {
        self.loaded.interp.enter(|vm| {
            PyJob::new(job.clone(), self.ctx.director.clone())
                .into_ref(&vm.ctx)
                .into()
        })
    }

    /// The job's Job object: the one that lives here, or (a daemon event
    /// of a job that lives in another interpreter) a new one for this call.
    fn deliver(
        &mut self,
        job: &Arc<JobState>,
        event: JobEvent,
        deadline: Instant,
        home: bool,
    ) -> EventOutcome {
        let id = job.data().job_id;
        let pyjob = match self.jobs.get(&id) {
            Some(j) => j.clone(),
            None => {
                let j = self.new_pyjob(job);
                if home {
                    self.jobs.insert(id, j.clone());
                }
                j
            }
        };
        let out = self.call(job, event, &pyjob, deadline);
        if event == JobEvent::JobEnd {
            self.jobs.remove(&id);
        }
        out
    }

    fn call(
        &self,
        job: &Arc<JobState>,
        event: JobEvent,
        pyjob: &PyObjectRef,
        deadline: Instant,
    ) -> EventOutcome {
        let name = event.name();
        let job_id = job.data().job_id;
        let limit = self.ctx.cfg.event_timeout;
        self.loaded.interp.enter(|vm| {
            let target = if event.is_daemon_event() {
                vm.import("bacula", 0)
                    .ok()
                    .and_then(|m| m.get_attr(EVENTS_ATTR, vm).ok())
            } else {
                pyjob.downcast_ref::<PyJob>().and_then(|j| j.events())
            };
            let Some(m) = target.and_then(|t| method(vm, &t, name)) else {
                tracing::trace!("JobId {job_id}: the script has no {name} method");
                return EventOutcome::default();
            };
            job.data().event = Some(event);
            output::enter_job(Some(job.clone()));
            let started = Instant::now();
            let timing = self.timer.arm(
                deadline.min(started + limit),
                format!("Python event {name} exceeded {}", show_timeout(limit)),
            );
            let result = m.call((pyjob.clone(),), vm);
            drop(timing);
            let elapsed = started.elapsed();
            output::leave_job();
            job.data().event = None;
            tracing::trace!("JobId {job_id}: event {name} took {elapsed:?}");
            let given_up = self
                .me
                .upgrade()
                .map_or(true, |w| w.abandoned.load(Ordering::SeqCst));
            let error = result.err().map(|e| {
                let tb = traceback(vm, &e);
                if !given_up {
                    job.message(&format!("Python error in {name} event:\n{tb}"));
                    job.data().errors += 1;
                }
                tracing::error!("JobId {job_id}: Python error in {name} event:\n{tb}");
                tb
            });
            EventOutcome {
                delivered: true,
                error,
                elapsed,
            }
        })
    }

    /// Exit: with the arity the script's method declares.
    fn exit_event(&mut self, deadline: Instant, limit: Duration) {
        self.jobs.clear();
        self.loaded.interp.enter(|vm| {
            let target = vm
                .import("bacula", 0)
                .ok()
                .and_then(|m| m.get_attr(EVENTS_ATTR, vm).ok());
            let Some(m) = target.and_then(|t| method(vm, &t, "Exit")) else {
                return;
            };
            let timing = self.timer.arm(
                deadline,
                format!("Python event Exit exceeded {}", show_timeout(limit)),
            );
            let result = match arity(vm, &m) {
                Some(n) if n >= 1 => m.call((vm.ctx.none(),), vm),
                _ => m.call((), vm),
            };
            drop(timing);
            if let Err(e) = result {
                tracing::error!("Python error in Exit event:\n{}", traceback(vm, &e));
            }
        });
    }
}

/// How long a thread waiting for the other side polls before it sleeps:
/// waking a sleeping thread costs tens of microseconds on a virtual
/// machine, more than most event handlers take.
const SPIN: Duration = Duration::from_micros(200);

/// Receives from `rx`, polling for a moment before blocking.
fn spin_recv<T>(rx: &Receiver<T>) -> Result<T, std::sync::mpsc::RecvError> {
    spin_recv_until(rx, None).map_err(|_| std::sync::mpsc::RecvError)
}

/// Receives from `rx` until `deadline`, polling for a moment before
/// blocking.
pub(crate) fn spin_recv_until<T>(
    rx: &Receiver<T>,
    deadline: Option<Instant>,
) -> Result<T, std::sync::mpsc::RecvTimeoutError> {
    use std::sync::mpsc::{RecvTimeoutError, TryRecvError};
    let start = Instant::now();
    loop {
        match rx.try_recv() {
            Ok(v) => return Ok(v),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) if start.elapsed() < SPIN => std::hint::spin_loop(),
            Err(TryRecvError::Empty) => {
                return match deadline {
                    None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    Some(d) => rx.recv_timeout(d.saturating_duration_since(Instant::now())),
                }
            }
        }
    }
}
