//! The script host: one thread owns the RustPython interpreter; the rest of
//! the Director sends it events over a channel and waits for the reply.
//!
//! It loads `DirStartUp.py` (rewriting the Python 2 dialect if needed),
//! delivers events with a time limit, captures output per job, turns a
//! failing handler into an error in the job report, and swaps in a new
//! interpreter on `python restart` only when the new script loads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rustpython_vm::{PyObjectRef, PyPayload};

use super::interpreter::{build_interpreter, resident_bytes, Loaded};
use super::job::PyJob;
use super::load::{arity, load_script, method, traceback, STARTUP_MODULE};
use super::module::{self, DirectorInfo, EVENTS_ATTR};
use super::output;
use super::watchdog::Watchdog;
use crate::job::events::{EventOutcome, ScriptCalls, ScriptEvents};
use crate::job::{JobEvent, JobState};

impl HostConfig {
    /// The settings of a configuration's Director resource.
    pub fn from_config(cfg: &crate::config::Config) -> HostConfig {
        let dir = cfg.director();
        HostConfig {
            info: DirectorInfo {
                name: dir.name.clone(),
                version: crate::VERSION.to_string(),
                config_file: cfg.path.display().to_string(),
                working_dir: dir.str("WorkingDirectory").unwrap_or_default().to_string(),
            },
            script: dir
                .str("ScriptsDirectory")
                .map(|d| Path::new(d).join(format!("{STARTUP_MODULE}.py"))),
            event_timeout: Duration::from_secs(
                dir.int("PythonEventTimeout").unwrap_or(30).max(1) as u64
            ),
            legacy_syntax: dir.bool("PythonLegacySyntax").unwrap_or(true),
            memory_limit: dir.int("PythonMemoryLimit").unwrap_or(0).max(0) as u64,
        }
    }
}

/// How the host is set up, from the Director resource.
#[derive(Debug, Clone)]
pub struct HostConfig {
    pub info: DirectorInfo,
    /// The startup script, `<Scripts Directory>/DirStartUp.py`; scripting
    /// is off without it. Its directory comes first on `sys.path`.
    pub script: Option<PathBuf>,
    /// `Python Event Timeout`.
    pub event_timeout: Duration,
    /// `Python Legacy Syntax`.
    pub legacy_syntax: bool,
    /// `Python Memory Limit` in bytes (0: none): when the Director's
    /// resident memory passes it, the script is loaded again in a fresh
    /// interpreter and the old one goes once its running jobs end.
    pub memory_limit: u64,
}

/// Events between two looks at the Director's memory.
const MEMORY_CHECK_EVERY: u64 = 16;

enum Request {
    Event {
        job: Arc<JobState>,
        event: JobEvent,
        reply: Sender<EventOutcome>,
    },
    Restart(Sender<Result<(), String>>),
    Exit(Sender<()>),
}

/// The handle the Director keeps: cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct ScriptHost {
    tx: Sender<Request>,
    thread: Arc<std::sync::Mutex<Option<JoinHandle<()>>>>,
}

impl ScriptHost {
    /// Starts the host thread and loads the startup script. A script that
    /// fails to load is logged; the Director goes on without scripting.
    pub fn start(
        cfg: HostConfig,
        director: Arc<dyn ScriptCalls>,
    ) -> (ScriptHost, Result<(), String>) {
        let (tx, rx) = channel();
        let (ready_tx, ready_rx) = channel();
        let thread = std::thread::Builder::new()
            .name("script-host".into())
            .spawn(move || {
                let mut host = HostThread::new(cfg, director);
                let loaded = host.initial_load();
                let _ = ready_tx.send(loaded);
                host.serve(rx);
            })
            .expect("spawning the script host thread");
        let loaded = ready_rx
            .recv()
            .unwrap_or_else(|_| Err("the script host stopped while loading".into()));
        let host = ScriptHost {
            tx,
            thread: Arc::new(std::sync::Mutex::new(Some(thread))),
        };
        (host, loaded)
    }
}

impl ScriptEvents for ScriptHost {
    /// Delivers `event` for `job` and waits until its handler returns.
    fn event(&self, job: &Arc<JobState>, event: JobEvent) -> EventOutcome {
        let (reply, rx) = channel();
        let req = Request::Event {
            job: job.clone(),
            event,
            reply,
        };
        if self.tx.send(req).is_err() {
            return EventOutcome::default();
        }
        spin_recv(&rx).unwrap_or_default()
    }

    /// `python restart`: a new interpreter replaces the old one only if the
    /// startup script loads in it.
    fn restart(&self) -> Result<(), String> {
        let (reply, rx) = channel();
        if self.tx.send(Request::Restart(reply)).is_err() {
            return Err("the script host is not running".into());
        }
        rx.recv()
            .unwrap_or_else(|_| Err("the script host stopped".into()))
    }

    /// Delivers Exit and stops the host thread.
    fn exit(&self) {
        let (reply, rx) = channel();
        if self.tx.send(Request::Exit(reply)).is_ok() {
            let _ = rx.recv();
        }
        if let Some(t) = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = t.join();
        }
    }
}

/// How long a thread waiting for the other side polls before it sleeps:
/// waking a sleeping thread costs tens of microseconds on a virtual
/// machine, more than most event handlers take.
const SPIN: Duration = Duration::from_micros(200);

/// Receives from `rx`, polling for a moment before blocking.
fn spin_recv<T>(rx: &Receiver<T>) -> Result<T, std::sync::mpsc::RecvError> {
    let start = Instant::now();
    loop {
        match rx.try_recv() {
            Ok(v) => return Ok(v),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                return Err(std::sync::mpsc::RecvError)
            }
            Err(std::sync::mpsc::TryRecvError::Empty) if start.elapsed() < SPIN => {
                std::hint::spin_loop()
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => return rx.recv(),
        }
    }
}

/// A job that has met the scripts: its Job object and the interpreter it
/// lives in (which outlives a restart until the job ends).
struct JobSlot {
    pyjob: PyObjectRef,
    loaded: Rc<Loaded>,
}

struct HostThread {
    cfg: HostConfig,
    director: Arc<dyn ScriptCalls>,
    current: Option<Rc<Loaded>>,
    jobs: HashMap<i64, JobSlot>,
    watchdog: Watchdog,
    /// Events delivered, and the lowest resident memory seen since the
    /// last reload for the memory limit.
    events: u64,
    memory_floor: u64,
}

impl HostThread {
    fn new(cfg: HostConfig, director: Arc<dyn ScriptCalls>) -> HostThread {
        module::INFO.with(|i| *i.borrow_mut() = cfg.info.clone());
        output::set_director(director.clone());
        let cfg_timeout = cfg.event_timeout;
        HostThread {
            cfg,
            director,
            current: None,
            jobs: HashMap::new(),
            watchdog: Watchdog::start(watchdog_tick(cfg_timeout)),
            events: 0,
            memory_floor: 0,
        }
    }

    /// Builds an interpreter and loads the startup script in it.
    fn load(&self) -> Result<Loaded, String> {
        let Some(path) = self.cfg.script.clone() else {
            return Err("no Scripts Directory".into());
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let (interp, signals) = build_interpreter(&dir);
        let result = interp.enter(|vm| {
            load_script(vm, &path, self.cfg.legacy_syntax).map_err(|e| traceback(vm, &e))
        });
        match result {
            Ok(()) => Ok(Loaded { interp, signals }),
            Err(tb) => Err(format!(
                "{}: ERROR Could not import Python script {}. Python disabled.\n{tb}",
                self.cfg.info.name,
                path.with_extension("").display()
            )),
        }
    }

    fn initial_load(&mut self) -> Result<(), String> {
        let Some(path) = self.cfg.script.clone() else {
            tracing::info!("Python scripting is off: the Director has no Scripts Directory");
            return Ok(());
        };
        match self.load() {
            Ok(l) => {
                tracing::info!("Python script loaded from {}", path.display());
                self.current = Some(Rc::new(l));
                Ok(())
            }
            Err(msg) => {
                tracing::error!("{msg}");
                Err(msg)
            }
        }
    }

    fn serve(&mut self, rx: Receiver<Request>) {
        while let Ok(req) = spin_recv(&rx) {
            match req {
                Request::Event { job, event, reply } => {
                    let out = self.deliver(&job, event);
                    let _ = reply.send(out);
                    self.events += 1;
                    if self.cfg.memory_limit > 0 && self.events % MEMORY_CHECK_EVERY == 0 {
                        self.check_memory();
                    }
                }
                Request::Restart(reply) => {
                    let _ = reply.send(self.restart());
                }
                Request::Exit(reply) => {
                    self.exit_event();
                    let _ = reply.send(());
                    break;
                }
            }
        }
    }

    /// Past the memory limit (and half a limit above the lowest point
    /// since the last reload, so that memory the script does not hold
    /// cannot cause a reload after every event), loads the script again.
    fn check_memory(&mut self) {
        let limit = self.cfg.memory_limit;
        let now = resident_bytes();
        self.memory_floor = self.memory_floor.min(now);
        if now <= limit || now <= self.memory_floor.saturating_add(limit / 2) {
            return;
        }
        let mib = |b: u64| b / (1024 * 1024);
        tracing::error!(
            "Python: the Director holds {} MiB, over Python Memory Limit ({} MiB); the script is loaded again in a fresh interpreter",
            mib(now),
            mib(limit)
        );
        match self.load() {
            Ok(l) => {
                // Unlike `python restart`, jobs already started move to the
                // fresh interpreter too (losing the event objects they set),
                // so that the old one and what it holds go now.
                if !self.jobs.is_empty() {
                    tracing::warn!(
                        "Python: {} running job(s) continue without the event objects their scripts set",
                        self.jobs.len()
                    );
                }
                self.jobs.clear();
                self.current = Some(Rc::new(l));
            }
            Err(e) => tracing::error!("{e}"),
        }
        // Dropping the old interpreter (above) gave its memory back.
        self.memory_floor = resident_bytes();
    }

    fn restart(&mut self) -> Result<(), String> {
        if self.cfg.script.is_none() {
            return Err("Python scripting is off: the Director has no Scripts Directory".into());
        }
        let loaded = self.load()?;
        // Running jobs keep the interpreter their events live in.
        self.current = Some(Rc::new(loaded));
        Ok(())
    }

    /// The Job object of `job` in its interpreter, created at its first event.
    fn slot(&mut self, job: &Arc<JobState>, current: &Rc<Loaded>) -> (PyObjectRef, Rc<Loaded>) {
        let id = job.data().job_id;
        if let Some(s) = self.jobs.get(&id) {
            return (s.pyjob.clone(), s.loaded.clone());
        }
        let pyjob: PyObjectRef = current.interp.enter(|vm| {
            PyJob::new(job.clone(), self.director.clone())
                .into_ref(&vm.ctx)
                .into()
        });
        self.jobs.insert(
            id,
            JobSlot {
                pyjob: pyjob.clone(),
                loaded: current.clone(),
            },
        );
        (pyjob, current.clone())
    }

    fn deliver(&mut self, job: &Arc<JobState>, event: JobEvent) -> EventOutcome {
        let Some(current) = self.current.clone() else {
            return EventOutcome::default();
        };
        let (pyjob, home) = self.slot(job, &current);
        // Daemon events go to the current script; job events to the
        // interpreter where the job registered them.
        let loaded = if event.is_daemon_event() && !Rc::ptr_eq(&home, &current) {
            current.clone()
        } else {
            home.clone()
        };
        let job_arg: PyObjectRef = if Rc::ptr_eq(&loaded, &home) {
            pyjob.clone()
        } else {
            loaded.interp.enter(|vm| {
                PyJob::new(job.clone(), self.director.clone())
                    .into_ref(&vm.ctx)
                    .into()
            })
        };
        let out = self.call(&loaded, job, event, &pyjob, job_arg);
        if event == JobEvent::JobEnd {
            self.jobs.remove(&job.data().job_id);
        }
        out
    }

    fn call(
        &self,
        loaded: &Loaded,
        job: &Arc<JobState>,
        event: JobEvent,
        pyjob: &PyObjectRef,
        job_arg: PyObjectRef,
    ) -> EventOutcome {
        let name = event.name();
        let job_id = job.data().job_id;
        loaded.interp.enter(|vm| {
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
            let guard = self.watchdog.arm(
                started + self.cfg.event_timeout,
                &loaded.signals,
                format!(
                    "Python event {name} exceeded {}",
                    show_timeout(self.cfg.event_timeout)
                ),
            );
            let result = m.call((job_arg,), vm);
            drop(guard);
            let elapsed = started.elapsed();
            output::leave_job();
            job.data().event = None;
            tracing::trace!("JobId {job_id}: event {name} took {elapsed:?}");
            let error = result.err().map(|e| {
                let tb = traceback(vm, &e);
                job.message(&format!("Python error in {name} event:\n{tb}"));
                job.data().errors += 1;
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
    fn exit_event(&mut self) {
        let Some(current) = self.current.clone() else {
            return;
        };
        current.interp.enter(|vm| {
            let target = vm
                .import("bacula", 0)
                .ok()
                .and_then(|m| m.get_attr(EVENTS_ATTR, vm).ok());
            let Some(m) = target.and_then(|t| method(vm, &t, "Exit")) else {
                return;
            };
            let guard = self.watchdog.arm(
                Instant::now() + self.cfg.event_timeout,
                &current.signals,
                format!(
                    "Python event Exit exceeded {}",
                    show_timeout(self.cfg.event_timeout)
                ),
            );
            let result = match arity(vm, &m) {
                Some(n) if n >= 1 => m.call((vm.ctx.none(),), vm),
                _ => m.call((), vm),
            };
            drop(guard);
            if let Err(e) = result {
                tracing::error!("Python error in Exit event:\n{}", traceback(vm, &e));
            }
        });
        self.jobs.clear();
        self.current = None;
    }
}

/// How often the watchdog looks at the deadline: a tenth of the limit,
/// from 10 to 100 ms.
fn watchdog_tick(limit: Duration) -> Duration {
    (limit / 10).clamp(Duration::from_millis(10), Duration::from_millis(100))
}

/// A time limit as the error message says it (`30 sec`).
fn show_timeout(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 == 0 {
        format!("{} sec", ms / 1000)
    } else {
        format!("{:.1} sec", d.as_secs_f64())
    }
}
