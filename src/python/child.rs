//! `rdird script-host`: one interpreter in a process of its own, started by
//! the script host (worker.rs) and talking to it over the socket it finds
//! as descriptor [`CHANNEL_FD`] (protocol.rs). It loads the startup script
//! under the time limit, then delivers the events it is sent, in order,
//! each under its deadline (the in-process watchdog raises TimeoutError in
//! the handler), and keeps the Job object of every job that lives in it.
//!
//! A job here is a mirror: its attributes come with each event, and what
//! the script changed goes back with the event's end. The script's calls
//! into the Director go to the host as requests. Whatever the script does
//! to this process (signals, fork, closing descriptors, `os._exit`) stays
//! in it: the host only sees the socket close and replaces the process.

use std::collections::HashMap;
use std::os::fd::FromRawFd;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustpython_vm::{PyObjectRef, PyPayload};

use super::host::show_timeout;
use super::interpreter::{build_interpreter, Loaded};
use super::job::PyJob;
use super::load::{arity, load_script, method, traceback, STARTUP_MODULE};
use super::module::{self, DirectorInfo, EVENTS_ATTR};
use super::output;
use super::protocol::{self, Call, Changes, ChildConfig, FromChild, Reply, ToChild};
use super::watchdog::{Timer, Watchdog};
use crate::job::events::ScriptCalls;
use crate::job::{JobEvent, JobState};

/// The descriptor the host hands the socket on as.
pub(crate) const CHANNEL_FD: i32 = 3;

/// The exit status of a process whose socket the script closed or broke.
pub(crate) const LOST_CHANNEL: i32 = 99;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The process's side of the socket: writing messages, and the requests
/// waiting for their replies.
struct Link {
    writer: Mutex<UnixStream>,
    pending: Mutex<HashMap<u64, Sender<Reply>>>,
    next: AtomicU64,
}

impl Link {
    /// Sends a message; a socket that no longer takes one (the script
    /// closed it) ends the process, which is all the host can be told.
    fn tell(&self, msg: &FromChild) {
        if protocol::send(&mut *lock(&self.writer), msg).is_err() {
            std::process::exit(LOST_CHANNEL);
        }
    }

    /// Sends a request and waits for its reply; None once the host is gone.
    fn call(&self, job_id: i64, call: Call) -> Option<Reply> {
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = channel();
        lock(&self.pending).insert(id, tx);
        self.tell(&FromChild::Request { id, job_id, call });
        rx.recv().ok()
    }
}

/// The Director as a script in this process reaches it: every call is a
/// request to the host, which makes it on the real Director.
struct Remote {
    link: Arc<Link>,
}

impl ScriptCalls for Remote {
    fn num_vols(&self, pool: &str) -> i64 {
        match self.link.call(0, Call::NumVols(pool.to_string())) {
            Some(Reply::Int(n)) => n,
            _ => 0,
        }
    }

    fn volume_exists(&self, name: &str) -> bool {
        matches!(
            self.link.call(0, Call::VolumeExists(name.to_string())),
            Some(Reply::Bool(true))
        )
    }

    fn run(&self, from: &JobState, command: &str) -> Result<i64, String> {
        let job_id = from.data().job_id;
        match self.link.call(job_id, Call::Run(command.to_string())) {
            Some(Reply::Run(r)) => r,
            _ => Err("the Director did not answer".into()),
        }
    }

    fn cancel(&self, job_id: i64) -> bool {
        matches!(
            self.link.call(job_id, Call::Cancel(job_id)),
            Some(Reply::Bool(true))
        )
    }

    fn level_changed(&self, job: &JobState) {
        let (job_id, level) = {
            let d = job.data();
            (d.job_id, d.level)
        };
        self.link.call(job_id, Call::LevelChanged(level));
    }

    fn job_running(&self, job_id: i64) -> bool {
        matches!(
            self.link.call(job_id, Call::JobRunning(job_id)),
            Some(Reply::Bool(true))
        )
    }

    fn director_message(&self, line: &str) {
        self.link
            .tell(&FromChild::DirectorMessage(line.to_string()));
    }

    fn pass_on(&self, job: &JobState) {
        let job_id = job.data().job_id;
        self.link.tell(&FromChild::PassOn {
            job_id,
            messages: job.new_messages(),
        });
    }
}

/// Runs the interpreter process until the host closes the socket or asks
/// for Exit; never returns.
pub fn main() -> ! {
    // SAFETY: the host starts this process with the socket as CHANNEL_FD
    // (worker.rs); nothing else in the process owns that descriptor.
    let sock = unsafe { UnixStream::from_raw_fd(CHANNEL_FD) };
    // What the script runs (os.system, os.popen, subprocess) must not
    // inherit the Director's socket: a program that outlives the process
    // would hold it open.
    // SAFETY: fcntl on a descriptor this process owns.
    if unsafe { libc::fcntl(CHANNEL_FD, libc::F_SETFD, libc::FD_CLOEXEC) } != 0 {
        tracing::error!(
            "Python interpreter process: cannot mark the Director's socket close-on-exec: {}",
            std::io::Error::last_os_error()
        );
        std::process::exit(1)
    }
    let code = match serve(sock) {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!("Python interpreter process: {e}");
            1
        }
    };
    // Tearing the interpreter down would only cost time: the process ends.
    std::process::exit(code)
}

fn serve(sock: UnixStream) -> Result<(), String> {
    let mut reader = sock
        .try_clone()
        .map_err(|e| format!("cannot read the host's socket: {e}"))?;
    let cfg = match protocol::receive::<ToChild>(&mut reader) {
        Ok(ToChild::Start(cfg)) => cfg,
        Ok(other) => return Err(format!("the host began with {other:?}")),
        Err(e) => return Err(format!("the host sent no start: {e}")),
    };
    let link = Arc::new(Link {
        writer: Mutex::new(sock),
        pending: Mutex::default(),
        next: AtomicU64::new(1),
    });
    let (tx, rx) = channel();
    let l = link.clone();
    std::thread::Builder::new()
        .name("script-host-reader".into())
        .spawn(move || read_host(&mut reader, &l, &tx))
        .map_err(|e| format!("cannot start the socket's reader: {e}"))?;
    let l = link.clone();
    super::load::send_warnings_to(Box::new(move |text, lines| {
        l.tell(&FromChild::Warnings {
            text,
            lines: lines.to_vec(),
        })
    }));
    let director: Arc<dyn ScriptCalls> = Arc::new(Remote { link: link.clone() });
    run(&cfg, &link, director, &rx);
    Ok(())
}

/// The reader thread: replies go to the requests waiting for them, the
/// rest to the interpreter. At the socket's end every waiting request
/// fails and the interpreter's queue closes.
fn read_host(reader: &mut UnixStream, link: &Link, tx: &Sender<ToChild>) {
    while let Ok(msg) = protocol::receive::<ToChild>(reader) {
        match msg {
            ToChild::Reply { id, reply } => {
                if let Some(waiting) = lock(&link.pending).remove(&id) {
                    let _ = waiting.send(reply);
                }
            }
            other => {
                if tx.send(other).is_err() {
                    break;
                }
            }
        }
    }
    lock(&link.pending).clear();
}

/// Loads the script, then serves events until the queue closes or Exit.
fn run(cfg: &ChildConfig, link: &Link, director: Arc<dyn ScriptCalls>, rx: &Receiver<ToChild>) {
    module::INFO.with(|i| {
        *i.borrow_mut() = DirectorInfo {
            name: cfg.name.clone(),
            version: cfg.version.clone(),
            config_file: cfg.config_file.clone(),
            working_dir: cfg.working_dir.clone(),
        }
    });
    output::set_director(director.clone());
    let limit = Duration::from_millis(cfg.event_timeout_ms);
    let dir = cfg.path.parent().map(Path::to_path_buf).unwrap_or_default();
    let (interp, signals) = build_interpreter(&dir);
    let watchdog = Watchdog::start(watchdog_tick(limit));
    let timer = watchdog.timer(signals);
    let result = {
        let _timing = timer.arm(
            Instant::now() + limit,
            format!(
                "Python script {STARTUP_MODULE} did not finish importing within {}",
                show_timeout(limit)
            ),
        );
        interp.enter(|vm| {
            load_script(vm, &cfg.path, &cfg.source, cfg.legacy_syntax)
                .map_err(|e| traceback(vm, &e))
        })
    };
    let loaded = Loaded { interp };
    match result {
        Ok(()) => link.tell(&FromChild::Loaded {
            token: cfg.load_token,
        }),
        Err(traceback) => {
            return link.tell(&FromChild::Failed {
                token: cfg.load_token,
                traceback,
            })
        }
    }
    let mut serving = Serving {
        director,
        loaded: &loaded,
        timer: &timer,
        limit,
        jobs: HashMap::new(),
    };
    while let Ok(msg) = rx.recv() {
        match msg {
            ToChild::Event {
                seq,
                job,
                event,
                time_left_ms,
            } => {
                let done = serving.deliver(seq, *job, event, time_left_ms);
                link.tell(&done);
            }
            ToChild::Exit { limit_ms } => {
                serving.exit_event(Duration::from_millis(limit_ms));
                link.tell(&FromChild::ExitDone);
                return;
            }
            ToChild::Start(_) | ToChild::Reply { .. } => {}
        }
    }
}

/// How often the watchdog looks at the deadline: a tenth of the limit,
/// from 10 to 100 ms.
fn watchdog_tick(limit: Duration) -> Duration {
    (limit / 10).clamp(Duration::from_millis(10), Duration::from_millis(100))
}

struct Serving<'a> {
    director: Arc<dyn ScriptCalls>,
    loaded: &'a Loaded,
    timer: &'a Timer,
    limit: Duration,
    /// The jobs that live here: their mirrors and Job objects.
    jobs: HashMap<i64, (Arc<JobState>, PyObjectRef)>,
}

impl Serving<'_> {
    /// Updates the job's mirror, runs the event, and says what changed.
    fn deliver(
        &mut self,
        seq: u64,
        data: crate::job::JobData,
        event: JobEvent,
        time_left_ms: u64,
    ) -> FromChild {
        let received = Instant::now();
        let id = data.job_id;
        let errors_before = data.errors;
        let (state, pyjob) = match self.jobs.get(&id) {
            Some((state, pyjob)) => {
                *state.data() = data;
                (state.clone(), pyjob.clone())
            }
            None => {
                let state = JobState::new(data);
                let pyjob: PyObjectRef = self.loaded.interp.enter(|vm| {
                    PyJob::new(state.clone(), self.director.clone())
                        .into_ref(&vm.ctx)
                        .into()
                });
                self.jobs.insert(id, (state.clone(), pyjob.clone()));
                (state, pyjob)
            }
        };
        let deadline = received + Duration::from_millis(time_left_ms);
        let (delivered, error, elapsed) = self.call(&state, event, &pyjob, deadline);
        if event == JobEvent::JobEnd {
            self.jobs.remove(&id);
        }
        let changes = {
            let d = state.data();
            Changes {
                level: d.level,
                priority: d.priority,
                volume_name: d.volume_name.clone(),
                errors_added: d.errors - errors_before,
                messages: Vec::new(),
            }
        };
        FromChild::EventDone {
            seq,
            delivered,
            error,
            elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
            changes: Changes {
                messages: state.new_messages(),
                ..changes
            },
        }
    }

    /// Calls the event's method, if the script has one: whether it did,
    /// the traceback if it raised, and how long it took.
    fn call(
        &self,
        job: &Arc<JobState>,
        event: JobEvent,
        pyjob: &PyObjectRef,
        deadline: Instant,
    ) -> (bool, Option<String>, Duration) {
        let name = event.name();
        let job_id = job.data().job_id;
        let limit = self.limit;
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
                return (false, None, Duration::ZERO);
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
            let error = result.err().map(|e| {
                let tb = traceback(vm, &e);
                job.message(&format!("Python error in {name} event:\n{tb}"));
                job.data().errors += 1;
                tracing::error!("JobId {job_id}: Python error in {name} event:\n{tb}");
                tb
            });
            (true, error, elapsed)
        })
    }

    /// Exit: with the arity the script's method declares.
    fn exit_event(&mut self, limit: Duration) {
        self.jobs.clear();
        let deadline = Instant::now() + limit;
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
