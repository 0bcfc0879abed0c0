//! The host's handle on one interpreter process (`rdird script-host`,
//! child.rs): starting it, sending it events and waiting for their end
//! within the time limit, serving the calls its script makes into the
//! Director, and killing it. The process is disposable: it holds no
//! descriptor of the Director's but its socket, dies with the Director
//! (PR_SET_PDEATHSIG), and whatever it does to itself ends with it.
//!
//! Each process has a reader thread here: it takes the process's answers
//! and requests off the socket, makes the requests on the Director (none
//! of them waits for the script host, so a script's call cannot deadlock
//! it), and at the socket's end reaps the process and fails what waited.

use std::collections::HashMap;
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::child::{CHANNEL_FD, LOST_CHANNEL};
use super::host::HostConfig;
use super::pool::GRACE;
use super::protocol::{self, Call, ChildConfig, FromChild, Reply, ToChild};
use crate::job::events::{EventOutcome, ScriptCalls};
use crate::job::{names, JobEvent, JobState};

/// The startup script as read from disk once per load, so that every
/// interpreter of one generation runs the same text.
pub(crate) struct Script {
    pub(crate) path: PathBuf,
    pub(crate) source: String,
}

impl Script {
    /// Reads the script; the error is the traceback a failed import gives.
    pub(crate) fn read(path: &Path) -> Result<Script, String> {
        let source = std::fs::read_to_string(path)
            .map_err(|e| format!("FileNotFoundError: cannot read {}: {e}", path.display()))?;
        Ok(Script {
            path: path.to_path_buf(),
            source,
        })
    }
}

/// What every interpreter process of a host shares.
pub(crate) struct Context {
    pub(crate) cfg: HostConfig,
    pub(crate) director: Arc<dyn ScriptCalls>,
    pub(crate) spawner: Spawner,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

type SpawnRequest = (Command, Sender<std::io::Result<Child>>);

/// The one thread that starts interpreter processes. A process's
/// PR_SET_PDEATHSIG fires when the *thread* that forked it ends, so they
/// are all forked from this thread, which lives as long as the host.
pub(crate) struct Spawner {
    tx: Mutex<Sender<SpawnRequest>>,
}

impl Spawner {
    pub(crate) fn start() -> Spawner {
        let (tx, rx) = channel::<SpawnRequest>();
        std::thread::Builder::new()
            .name("script-spawner".into())
            .spawn(move || {
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("spawning the script host's spawner thread");
        Spawner { tx: Mutex::new(tx) }
    }

    fn spawn(&self, cmd: Command) -> std::io::Result<Child> {
        let (reply, rx) = channel();
        lock(&self.tx)
            .send((cmd, reply))
            .map_err(|_| std::io::Error::other("the spawner thread has ended"))?;
        rx.recv()
            .map_err(|_| std::io::Error::other("the spawner thread has ended"))?
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LoadState {
    Loading,
    Ready,
    /// The import failed (its traceback) or the process could not start
    /// or ended (why).
    Failed(String),
}

/// How an event sent to a process ended.
pub(crate) enum Delivery {
    Done(EventOutcome),
    /// No answer by the deadline and the grace after it.
    TimedOut,
    /// The process ended first: how.
    Died(String),
    /// The process ended before the event's handler started (it was
    /// queued behind another's): it may be delivered elsewhere.
    NotStarted(String),
}

/// The answer a waiting event gets from the reader thread.
enum Answer {
    Done(EventOutcome, protocol::Changes),
    Died(String),
    NotStarted(String),
}

/// The host's handle on one interpreter process.
pub(crate) struct Worker {
    pub(crate) pid: u32,
    /// What the process's loader says its load result with.
    load_token: u64,
    /// The socket's writing side (None for a process that never started).
    writer: Mutex<Option<UnixStream>>,
    /// The socket once more, outside the writer's lock, to shut it when
    /// the process is killed: the reader thread then sees its end even
    /// while something the script started (outside the process group)
    /// still holds the other side.
    closer: Option<UnixStream>,
    /// The process until it is reaped.
    process: Mutex<Option<Child>>,
    load: Mutex<LoadState>,
    loaded: Condvar,
    /// Events sent and not answered yet.
    pub(crate) in_flight: AtomicUsize,
    /// Jobs whose Job object (and events object) lives here.
    pub(crate) homed: AtomicUsize,
    /// When a job was last homed here, as the pool counts (0: never):
    /// the state a script keeps between jobs lives in the one used last.
    pub(crate) last_used: AtomicU64,
    /// The deadline of the last event queued here: the next one's time
    /// limit starts from it.
    queue_until: Mutex<Instant>,
    next_seq: AtomicU64,
    pending: Mutex<HashMap<u64, Sender<Answer>>>,
    /// The events sent and not ended, in the order they were sent: the
    /// process runs them one at a time in that order, so only the first
    /// can have started.
    sent: Mutex<std::collections::VecDeque<u64>>,
    /// The jobs whose events run here, for the calls their scripts make.
    jobs: Mutex<HashMap<i64, Arc<JobState>>>,
    exit_done: Mutex<Option<Sender<()>>>,
    /// Why the process ended, once it has.
    ended: Mutex<Option<String>>,
    /// Why the host killed it, for the events it had queued.
    kill_reason: Mutex<Option<String>>,
    /// Past the memory limit: no new job comes here.
    pub(crate) retired: AtomicBool,
    /// Since when its memory is over the limit.
    pub(crate) over_limit_since: Mutex<Option<Instant>>,
    /// What it has said (messages, warnings) in the current minute.
    said: Mutex<Said>,
}

/// A process's output budget: past [`SAY_LINES`] lines or [`SAY_BYTES`]
/// bytes in a minute, what it says is dropped and counted, so a script's
/// flood fills neither the Director's memory nor its logs.
struct Said {
    since: Instant,
    lines: usize,
    bytes: usize,
    dropped: usize,
}

const SAY_WINDOW: Duration = Duration::from_secs(60);
const SAY_LINES: usize = 10_000;
const SAY_BYTES: usize = 10 << 20;

impl Worker {
    /// Starts an interpreter process that loads `script` in the
    /// background; a process that cannot start is a failed load.
    pub(crate) fn spawn(ctx: Arc<Context>, script: &Script) -> Arc<Worker> {
        match start_process(&ctx) {
            Ok((child, reader, writer, closer)) => {
                let w = Arc::new(Worker::new(child.id(), Some(writer), Some(closer)));
                *lock(&w.process) = Some(child);
                let cfg = child_config(&ctx.cfg, script, w.load_token);
                if let Err(e) = w.send(&ToChild::Start(cfg)) {
                    w.kill("it could not be sent the script");
                    w.ended(format!("could not be sent the script: {e}"));
                    return w;
                }
                let me = w.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("script-host {}", w.pid))
                    .spawn(move || me.read(&ctx, reader));
                if let Err(e) = spawned {
                    w.kill("no reader thread could be started for it");
                    w.ended(format!("has no reader thread: {e}"));
                }
                w
            }
            Err(e) => {
                let w = Arc::new(Worker::new(0, None, None));
                w.ended(format!(
                    "could not be started from {}: {e}",
                    ctx.cfg.program.display()
                ));
                w
            }
        }
    }

    fn new(pid: u32, writer: Option<UnixStream>, closer: Option<UnixStream>) -> Worker {
        use std::hash::BuildHasher;
        Worker {
            pid,
            // RandomState's keys are random: the script cannot guess it.
            load_token: std::collections::hash_map::RandomState::new().hash_one(pid),
            writer: Mutex::new(writer),
            closer,
            process: Mutex::new(None),
            load: Mutex::new(LoadState::Loading),
            loaded: Condvar::new(),
            in_flight: AtomicUsize::new(0),
            homed: AtomicUsize::new(0),
            last_used: AtomicU64::new(0),
            queue_until: Mutex::new(Instant::now()),
            next_seq: AtomicU64::new(1),
            pending: Mutex::default(),
            sent: Mutex::default(),
            jobs: Mutex::default(),
            exit_done: Mutex::new(None),
            ended: Mutex::new(None),
            kill_reason: Mutex::new(None),
            retired: AtomicBool::new(false),
            over_limit_since: Mutex::new(None),
            said: Mutex::new(Said {
                since: Instant::now(),
                lines: 0,
                bytes: 0,
                dropped: 0,
            }),
        }
    }

    /// Sends `msg` within [`WRITE_TIMEOUT`]: a process that does not take
    /// it by then (stopped, or not reading while its script floods the
    /// socket) is killed, as is one whose message broke off half-way.
    fn send(&self, msg: &ToChild) -> std::io::Result<()> {
        self.send_and(msg, || {})
    }

    /// As [`Worker::send`], calling `then` once `msg` is sent, before any
    /// other message can be.
    fn send_and(&self, msg: &ToChild, then: impl FnOnce()) -> std::io::Result<()> {
        let sent = match lock(&self.writer).as_mut() {
            Some(w) => {
                let sent = protocol::send(w, msg);
                if sent.is_ok() {
                    then();
                }
                sent
            }
            None => return Err(std::io::Error::other("the process never started")),
        };
        if let Err(e) = &sent {
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) {
                self.kill(&format!(
                    "it took nothing the Director sent it for {} sec",
                    WRITE_TIMEOUT.as_secs()
                ));
            } else {
                self.kill(&format!("a message to it could not be sent ({e})"));
            }
        }
        sent
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

    /// Stopped (SIGSTOP, or a debugger holds it), as /proc says: it would
    /// answer nothing until its time limit.
    pub(crate) fn is_stopped(&self) -> bool {
        std::fs::read_to_string(format!("/proc/{}/stat", self.pid)).is_ok_and(|st| {
            st.rsplit(')')
                .next()
                .and_then(|rest| rest.split_whitespace().next())
                .is_some_and(|state| state == "T" || state == "t")
        })
    }

    /// Why the process ended, if it has.
    pub(crate) fn death(&self) -> Option<String> {
        lock(&self.ended).clone()
    }

    /// Sends `event` and waits for its end: its time limit runs from the
    /// end of the event queued ahead of it here, if any, and the grace
    /// after that is the most the caller waits.
    pub(crate) fn deliver(
        &self,
        job: &Arc<JobState>,
        event: JobEvent,
        limit: Duration,
    ) -> Delivery {
        let seq = self.next_seq.fetch_add(1, Ordering::SeqCst);
        let (tx, rx) = channel();
        lock(&self.pending).insert(seq, tx);
        // A process that ended before the line above answers nothing more.
        if let Some(why) = self.death() {
            lock(&self.pending).remove(&seq);
            return Delivery::Died(why);
        }
        // The real job says which event is being delivered, as the
        // mirror does, for the calls the script makes meanwhile.
        let data = {
            let mut d = job.data();
            d.event = Some(event);
            d.clone()
        };
        let _delivering = Delivering(job);
        lock(&self.jobs).insert(data.job_id, job.clone());
        let now = Instant::now();
        let deadline = {
            let mut until = lock(&self.queue_until);
            *until = (*until).max(now) + limit;
            *until
        };
        let msg = ToChild::Event {
            seq,
            job: Box::new(data),
            event,
            time_left_ms: millis(deadline - now),
        };
        let sent = self.send_and(&msg, || lock(&self.sent).push_back(seq));
        if let Err(e) = sent {
            lock(&self.pending).remove(&seq);
            return Delivery::Died(
                self.death()
                    .unwrap_or_else(|| format!("could not be sent the event: {e}")),
            );
        }
        match spin_recv_until(&rx, deadline + GRACE) {
            Ok(Answer::Done(out, changes)) => {
                if let Err(why) = apply(job, event, changes) {
                    tracing::error!(
                        "Python interpreter process {} sent a change the contract does not allow, ignored: {why}",
                        self.pid
                    );
                }
                Delivery::Done(out)
            }
            Ok(Answer::Died(why)) => Delivery::Died(why),
            Ok(Answer::NotStarted(why)) => Delivery::NotStarted(why),
            // The entry stays: a late EventDone is then not taken for a
            // forged one before the caller kills the process.
            Err(RecvTimeoutError::Timeout) => Delivery::TimedOut,
            Err(RecvTimeoutError::Disconnected) => {
                Delivery::Died(self.death().unwrap_or_else(|| "ended".into()))
            }
        }
    }

    /// The job ended: its calls no longer come here.
    pub(crate) fn forget(&self, job_id: i64) {
        lock(&self.jobs).remove(&job_id);
    }

    /// Delivers Exit and waits for it until `deadline` and the grace.
    pub(crate) fn exit(&self, limit: Duration, deadline: Instant) -> bool {
        let (tx, rx) = channel();
        *lock(&self.exit_done) = Some(tx);
        let sent = self.send(&ToChild::Exit {
            limit_ms: millis(limit),
        });
        sent.is_ok()
            && rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()) + GRACE)
                .is_ok()
    }

    /// Kills the process and everything it started (its process group)
    /// and shuts its socket, so that its reader thread reaps it whoever
    /// else holds the other side. The events queued in it end with `why`.
    pub(crate) fn kill(&self, why: &str) {
        lock(&self.kill_reason).get_or_insert_with(|| why.to_string());
        self.kill_group();
        if let Some(sock) = &self.closer {
            let _ = sock.shutdown(std::net::Shutdown::Both);
        }
    }

    /// A message that has no place now: the process (its script) broke
    /// the protocol, and is killed; the pool replaces it.
    fn broken(&self, what: &str) {
        tracing::error!(
            "Python interpreter process {} sent {what}: it is killed and replaced",
            self.pid
        );
        self.kill(&format!("it sent {what}"));
    }

    fn kill_group(&self) {
        let process = lock(&self.process);
        let pid = i32::try_from(self.pid).unwrap_or(0);
        if process.is_some() && pid > 0 {
            // The process itself too: a script may have moved it to
            // another group (setpgid), leaving only what it started here.
            // SAFETY: kill has no memory preconditions; the group is the
            // process's own (it called setpgid(0, 0) before exec), and it
            // is not reaped yet (under the lock), so the id is not reused.
            unsafe {
                libc::kill(-pid, libc::SIGKILL);
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }

    /// The process has ended (`how`): what waited on it fails.
    fn ended(&self, how: String) {
        let why = match lock(&self.kill_reason).clone() {
            Some(reason) => format!("{how}: {reason}"),
            None => how,
        };
        lock(&self.ended).get_or_insert(why.clone());
        if self.load_state() == LoadState::Loading {
            self.set_load(LoadState::Failed(format!(
                "the interpreter process {} {why}",
                self.pid
            )));
        }
        let running = lock(&self.sent).front().copied();
        for (seq, waiting) in lock(&self.pending).drain() {
            let answer = if Some(seq) == running {
                Answer::Died(why.clone())
            } else {
                Answer::NotStarted(why.clone())
            };
            let _ = waiting.send(answer);
        }
        lock(&self.exit_done).take();
    }

    /// Reaps the process once its socket has closed and says how it
    /// ended: a process that closed its socket and does not exit at once
    /// (or left what it started running) has its group killed.
    fn reap(&self) -> String {
        let started = Instant::now();
        let mut status = None;
        while status.is_none() && started.elapsed() < REAP_WAIT {
            status = match lock(&self.process).as_mut().map(Child::try_wait) {
                Some(Ok(None)) => None,
                Some(Ok(Some(s))) => Some(Ok(s)),
                Some(Err(e)) => Some(Err(e)),
                None => return "ended".into(),
            };
            if status.is_none() {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        let by_itself = status.is_some();
        self.kill_group();
        let mut process = lock(&self.process);
        let status = match status {
            Some(s) => s,
            None => match process.as_mut().map(Child::wait) {
                Some(s) => s,
                None => return "ended".into(),
            },
        };
        *process = None;
        let by_host = lock(&self.kill_reason).is_some();
        match status {
            Ok(s) if by_itself || by_host => match (s.code(), s.signal()) {
                (Some(LOST_CHANNEL), _) => format!(
                    "lost its connection to the Director (the script closed or broke it) and exited with status {LOST_CHANNEL}"
                ),
                (Some(code), _) => format!("exited with status {code}"),
                (None, Some(sig)) => format!("was killed by signal {sig} ({})", signal_name(sig)),
                _ => format!("ended ({s})"),
            },
            Ok(_) => "closed its connection to the Director while still running, and was killed".into(),
            Err(e) => format!("ended (cannot read its status: {e})"),
        }
    }

    /// The lines of `lines` within the process's output budget; the
    /// others are dropped, said once when the budget runs out and counted
    /// when the minute ends.
    fn within_budget<'a>(&self, lines: &'a [String]) -> &'a [String] {
        let mut said = lock(&self.said);
        if said.since.elapsed() >= SAY_WINDOW {
            if said.dropped > 0 {
                tracing::warn!(
                    "Python interpreter process {}: {} lines dropped in the last minute",
                    self.pid,
                    said.dropped
                );
            }
            *said = Said {
                since: Instant::now(),
                lines: 0,
                bytes: 0,
                dropped: 0,
            };
        }
        let mut kept = 0;
        for l in lines {
            if said.lines >= SAY_LINES || said.bytes + l.len() > SAY_BYTES {
                break;
            }
            said.lines += 1;
            said.bytes += l.len();
            kept += 1;
        }
        if kept < lines.len() {
            if said.dropped == 0 {
                tracing::warn!(
                    "Python interpreter process {} said more than {SAY_LINES} lines or {} MiB in a minute: what it says is dropped until the minute ends",
                    self.pid,
                    SAY_BYTES >> 20
                );
            }
            said.dropped += lines.len() - kept;
        }
        &lines[..kept]
    }

    /// The reader thread.
    fn read(&self, ctx: &Context, mut sock: UnixStream) {
        loop {
            match protocol::receive::<FromChild>(&mut sock) {
                Ok(msg) => self.handle(ctx, msg),
                Err(e) => {
                    // A process the Director killed may reset the socket.
                    let killed = lock(&self.kill_reason).is_some();
                    if e.kind() != std::io::ErrorKind::UnexpectedEof && !killed {
                        tracing::error!(
                            "Python interpreter process {}: broken message: {e}",
                            self.pid
                        );
                    }
                    break;
                }
            }
        }
        let how = self.reap();
        let ended_by_host = lock(&self.kill_reason).is_some();
        if !ended_by_host && lock(&self.exit_done).is_none() {
            tracing::warn!("Python interpreter process {} {how}", self.pid);
        }
        self.ended(how);
    }

    fn handle(&self, ctx: &Context, msg: FromChild) {
        match msg {
            FromChild::Loaded { token } | FromChild::Failed { token, .. }
                if token != self.load_token =>
            {
                self.broken("a load result its loader did not make")
            }
            FromChild::Loaded { .. } | FromChild::Failed { .. }
                if self.load_state() != LoadState::Loading =>
            {
                self.broken("a load result while not loading")
            }
            FromChild::Loaded { .. } => self.set_load(LoadState::Ready),
            FromChild::Failed { traceback, .. } => self.set_load(LoadState::Failed(traceback)),
            FromChild::Request { id, job_id, call } => {
                let reply = self.serve(&*ctx.director, job_id, call);
                let _ = self.send(&ToChild::Reply { id, reply });
            }
            FromChild::DirectorMessage(line) => {
                for line in self.within_budget(std::slice::from_ref(&line)) {
                    ctx.director.director_message(line);
                }
            }
            FromChild::Warnings { text, lines } => {
                let lines = self.within_budget(&lines);
                if !lines.is_empty() {
                    super::load::log_warnings_of(text, lines);
                }
            }
            FromChild::PassOn { job_id, messages } => {
                let messages = self.within_budget(&messages);
                let job = lock(&self.jobs).get(&job_id).cloned();
                match job {
                    Some(job) => {
                        for m in messages {
                            job.message(m);
                        }
                        ctx.director.pass_on(&job);
                    }
                    None => {
                        for m in messages {
                            tracing::info!("python: JobId {job_id}: {m}");
                            ctx.director.director_message(m);
                        }
                    }
                }
            }
            FromChild::EventDone {
                seq,
                delivered,
                error,
                elapsed_ms,
                changes,
            } => {
                lock(&self.sent).retain(|s| *s != seq);
                let Some(waiting) = lock(&self.pending).remove(&seq) else {
                    return self.broken(&format!("the end of event {seq}, which it was not sent"));
                };
                if lock(&self.pending).is_empty() {
                    *lock(&self.queue_until) = Instant::now();
                }
                let out = EventOutcome {
                    delivered,
                    error,
                    elapsed: Duration::from_millis(elapsed_ms),
                };
                let _ = waiting.send(Answer::Done(out, changes));
            }
            FromChild::ExitDone => {
                let done = lock(&self.exit_done).clone();
                match done {
                    Some(done) => {
                        let _ = done.send(());
                    }
                    None => self.broken("the end of an Exit event it was not sent"),
                }
            }
        }
    }

    /// Makes a script's call on the Director.
    fn serve(&self, director: &dyn ScriptCalls, job_id: i64, call: Call) -> Reply {
        let job = || {
            lock(&self.jobs).get(&job_id).cloned().unwrap_or_else(|| {
                JobState::new(crate::job::JobData {
                    job_id,
                    ..Default::default()
                })
            })
        };
        match call {
            Call::NumVols(pool) => Reply::Int(director.num_vols(&pool)),
            Call::VolumeExists(name) => Reply::Bool(director.volume_exists(&name)),
            Call::Run(command) => Reply::Run(director.run(&job(), &command)),
            Call::Cancel(id) => Reply::Bool(director.cancel(id)),
            Call::LevelChanged(level) => {
                // Only a job in one of its own events here, at a moment
                // the contract lets a script set the level.
                let Some(job) = lock(&self.jobs).get(&job_id).cloned() else {
                    return Reply::Done;
                };
                let fits = {
                    let mut d = job.data();
                    let event = d.event;
                    let ok = level_fits(&d, event, level);
                    if ok {
                        d.level = level;
                    }
                    ok
                };
                if fits {
                    director.level_changed(&job);
                } else {
                    tracing::error!(
                        "Python interpreter process {} set level {level:?} of JobId {job_id} where the contract does not allow it; ignored",
                        self.pid
                    );
                }
                Reply::Done
            }
            Call::JobRunning(id) => Reply::Bool(director.job_running(id)),
        }
    }
}

/// Marks a job's event as delivered once dropped.
struct Delivering<'a>(&'a JobState);

impl Drop for Delivering<'_> {
    fn drop(&mut self) {
        self.0.data().event = None;
    }
}

/// Applies what a script changed in an event to the real job, after the
/// contract's checks (made in the interpreter process already; the
/// Director does not take a process's word for them).
fn apply(job: &JobState, event: JobEvent, changes: protocol::Changes) -> Result<(), String> {
    let result = {
        let mut d = job.data();
        let setup = matches!(event, JobEvent::JobStart | JobEvent::JobInit);
        d.errors += changes.errors_added.max(0);
        if changes.level != d.level && !level_fits(&d, Some(event), changes.level) {
            Err(format!("level {:?} in {}", changes.level, event.name()))
        } else if changes.priority != d.priority
            && !(setup && (1..=100).contains(&changes.priority))
        {
            Err(format!("priority {} in {}", changes.priority, event.name()))
        } else if changes.volume_name != d.volume_name
            && !(event == JobEvent::NewVolume && names::is_legal_volume_name(&changes.volume_name))
        {
            Err(format!(
                "volume name {:?} in {}",
                changes.volume_name,
                event.name()
            ))
        } else {
            d.level = changes.level;
            d.priority = changes.priority;
            d.volume_name = changes.volume_name;
            Ok(())
        }
    };
    for m in &changes.messages {
        job.message(m);
    }
    result
}

/// Whether a script may set `level` on the job now: in JobStart or
/// JobInit, a level of the job's type.
fn level_fits(d: &crate::job::JobData, event: Option<JobEvent>, level: char) -> bool {
    matches!(event, Some(JobEvent::JobStart | JobEvent::JobInit))
        && names::level_for_type(names::level_name(level), d.job_type) == Some(level)
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn child_config(cfg: &HostConfig, script: &Script, load_token: u64) -> ChildConfig {
    ChildConfig {
        name: cfg.info.name.clone(),
        version: cfg.info.version.clone(),
        config_file: cfg.info.config_file.clone(),
        working_dir: cfg.info.working_dir.clone(),
        event_timeout_ms: millis(cfg.event_timeout),
        legacy_syntax: cfg.legacy_syntax,
        path: script.path.clone(),
        source: script.source.clone(),
        load_token,
    }
}

/// Starts `<program> script-host` in a process group of its own, with
/// stdin and stdout on /dev/null, the Director's standard error (its log)
/// as its own, the socket as [`CHANNEL_FD`] and no other descriptor.
fn start_process(ctx: &Context) -> std::io::Result<(Child, UnixStream, UnixStream, UnixStream)> {
    let (ours, theirs) = UnixStream::pair()?;
    // The socket's own option, so every clone's writes have the bound.
    ours.set_write_timeout(Some(WRITE_TIMEOUT))?;
    let writer = ours.try_clone()?;
    let closer = ours.try_clone()?;
    let theirs_fd = theirs.as_raw_fd();
    // SAFETY: getpid has no preconditions.
    let director = unsafe { libc::getpid() };
    let mut cmd = Command::new(&ctx.cfg.program);
    cmd.args(crate::logging::args())
        .arg("script-host")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    // SAFETY: the closure runs in the forked child before exec and makes
    // only async-signal-safe system calls.
    unsafe {
        cmd.pre_exec(move || prepare_child(director, theirs_fd));
    }
    let child = ctx.spawner.spawn(cmd)?;
    drop(theirs);
    Ok((child, ours, writer, closer))
}

/// In the forked child, before exec: its own process group (so that a
/// kill reaches what it starts), SIGKILL when the Director dies, the
/// socket as CHANNEL_FD, every other descriptor closed, no blocked signal.
fn prepare_child(director: libc::pid_t, sock: libc::c_int) -> std::io::Result<()> {
    let fail = || Err(std::io::Error::last_os_error());
    // SAFETY: plain system calls on this process's own state, all
    // async-signal-safe.
    unsafe {
        if libc::setpgid(0, 0) != 0 {
            return fail();
        }
        if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
            return fail();
        }
        // The Director may have died before the line above.
        if libc::getppid() != director {
            libc::_exit(1);
        }
        if sock == CHANNEL_FD {
            if libc::fcntl(sock, libc::F_SETFD, 0) != 0 {
                return fail();
            }
        } else if libc::dup2(sock, CHANNEL_FD) < 0 {
            return fail();
        }
        let first = (CHANNEL_FD + 1) as libc::c_uint;
        if libc::syscall(libc::SYS_close_range, first, libc::c_uint::MAX, 0) != 0 {
            for fd in CHANNEL_FD + 1..65536 {
                libc::close(fd);
            }
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
    }
    Ok(())
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        libc::SIGKILL => "SIGKILL",
        libc::SIGTERM => "SIGTERM",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGINT => "SIGINT",
        libc::SIGHUP => "SIGHUP",
        libc::SIGPIPE => "SIGPIPE",
        _ => "signal",
    }
}

/// The most a write to a process may wait for room in its socket: the
/// Director never waits on a process without a deadline, and SIGTERM's
/// Exit (which sends too) still ends within 10 s.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a process whose socket closed may take to exit on its own.
const REAP_WAIT: Duration = Duration::from_millis(300);

/// How long a thread waiting for the other side polls before it sleeps:
/// waking a sleeping thread costs tens of microseconds on a virtual
/// machine, more than most event handlers take.
const SPIN: Duration = Duration::from_micros(200);

/// Receives from `rx` until `deadline`, polling for a moment before
/// blocking.
fn spin_recv_until<T>(rx: &Receiver<T>, deadline: Instant) -> Result<T, RecvTimeoutError> {
    use std::sync::mpsc::TryRecvError;
    let start = Instant::now();
    loop {
        match rx.try_recv() {
            Ok(v) => return Ok(v),
            Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
            Err(TryRecvError::Empty) if start.elapsed() < SPIN => std::hint::spin_loop(),
            Err(TryRecvError::Empty) => {
                return rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            }
        }
    }
}
