//! The script host's handle, the side of it the rest of the Director
//! calls: every event goes to an interpreter of the pool (pool.rs) over
//! that interpreter's channel, and the caller waits for the reply at most
//! the event's time limit and a second. A handler still running then is
//! given up on: the job goes on with the timeout in its report, and the
//! interpreter is replaced. Loading at start-up, `python restart`, the
//! memory limit (memory.rs) and Exit at shutdown are bounded the same way.

use std::path::{Path, PathBuf};
use std::sync::mpsc::channel;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::load::STARTUP_MODULE;
use super::memory::MemoryLimit;
use super::module::DirectorInfo;
use super::pool::{Pool, GRACE};
use super::watchdog::Watchdog;
use super::worker::{spin_recv_until, Context, Work};
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

/// The most Exit may take at shutdown, whatever `Python Event Timeout`
/// says: with the grace a caller gives a handler, the whole stop stays
/// within 10 s.
const EXIT_LIMIT: Duration = Duration::from_secs(4);

/// The handle the Director keeps: cheap to clone, usable from any thread.
#[derive(Clone)]
pub struct ScriptHost {
    pool: Arc<Pool>,
    memory: Arc<MemoryLimit>,
}

impl ScriptHost {
    /// Starts the host and loads the startup script, waiting for the load
    /// (at most the time limit and a second). A script that fails to load
    /// is logged; the Director goes on without scripting.
    pub fn start(
        cfg: HostConfig,
        director: Arc<dyn ScriptCalls>,
    ) -> (ScriptHost, Result<(), String>) {
        let (host, first) = ScriptHost::begin(cfg, director);
        let loaded = first.and_then(|w| host.settle(&w));
        (host, loaded)
    }

    /// Starts the host and loads the startup script in the background:
    /// the Director serves consoles meanwhile, and a job that needs an
    /// event before the load is done waits for it up to the time limit.
    pub fn start_in_background(cfg: HostConfig, director: Arc<dyn ScriptCalls>) -> ScriptHost {
        let (host, first) = ScriptHost::begin(cfg, director);
        if let Ok(w) = first {
            let h = host.clone();
            let spawned = std::thread::Builder::new()
                .name("script-load".into())
                .spawn(move || {
                    let _ = h.settle(&w);
                });
            if let Err(e) = spawned {
                host.pool
                    .disable(format!("cannot start loading the script: {e}"));
            }
        }
        host
    }

    fn begin(
        cfg: HostConfig,
        director: Arc<dyn ScriptCalls>,
    ) -> (ScriptHost, Result<Arc<super::worker::Worker>, String>) {
        let watchdog = Watchdog::start(watchdog_tick(cfg.event_timeout));
        let pool = Arc::new(Pool::new(Arc::new(Context {
            cfg,
            director,
            watchdog,
        })));
        let first = pool.start();
        if let Err(e) = &first {
            pool.disable(e.clone());
        }
        let host = ScriptHost {
            pool,
            memory: Arc::default(),
        };
        (host, first)
    }

    /// Waits for the first load and logs how it went.
    fn settle(&self, w: &Arc<super::worker::Worker>) -> Result<(), String> {
        let cfg = &self.pool.context().cfg;
        match self.pool.wait_load(w, Instant::now() + cfg.event_timeout) {
            Ok(()) => {
                if let Some(p) = &cfg.script {
                    tracing::info!("Python script loaded from {}", p.display());
                }
                Ok(())
            }
            Err(msg) => {
                self.pool.disable(msg.clone());
                Err(msg)
            }
        }
    }
}

impl ScriptEvents for ScriptHost {
    /// Delivers `event` for `job` and waits until its handler returns, or
    /// its deadline and a second have passed.
    fn event(&self, job: &Arc<JobState>, event: JobEvent) -> EventOutcome {
        let limit = self.pool.context().cfg.event_timeout;
        let deadline = Instant::now() + limit;
        let job_id = job.data().job_id;
        let Some(pick) = self.pool.pick(job_id, event.is_daemon_event(), deadline) else {
            return EventOutcome::default();
        };
        let (reply, rx) = channel();
        let sent = pick.worker.send(Work::Event {
            job: job.clone(),
            event,
            deadline,
            home: pick.home,
            reply,
        });
        let out = if sent {
            match spin_recv_until(&rx, Some(deadline + GRACE)) {
                Ok(out) => out,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    self.pool.abandon(&pick.worker);
                    give_up(job, event, limit)
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => EventOutcome::default(),
            }
        } else {
            EventOutcome::default()
        };
        self.pool.done(&pick);
        if event == JobEvent::JobEnd {
            self.pool.job_ended(job_id, &pick);
        }
        self.memory.event(&self.pool);
        out
    }

    /// `python restart`: a new interpreter replaces the old one only if the
    /// startup script loads in it.
    fn restart(&self) -> Result<(), String> {
        self.pool.reload()
    }

    /// Delivers Exit, within [`EXIT_LIMIT`] at most, and stops the host.
    fn exit(&self) {
        let ctx = self.pool.context();
        let limit = ctx.cfg.event_timeout.min(EXIT_LIMIT);
        self.pool.exit(limit);
        ctx.watchdog.stop();
    }
}

/// The report of an event whose handler did not return by its deadline
/// and the grace after it.
fn give_up(job: &Arc<JobState>, event: JobEvent, limit: Duration) -> EventOutcome {
    let name = event.name();
    let text = format!(
        "TimeoutError: Python event {name} exceeded {} and did not stop within {} more (it is blocked where the time limit cannot reach); the job goes on without it, and the interpreter it runs in is given up",
        show_timeout(limit),
        show_timeout(GRACE)
    );
    job.message(&format!("Python error in {name} event:\n{text}"));
    job.data().errors += 1;
    tracing::error!(
        "JobId {}: Python error in {name} event:\n{text}",
        job.data().job_id
    );
    EventOutcome {
        delivered: true,
        error: Some(text),
        elapsed: limit + GRACE,
    }
}

/// How often the watchdog looks at the deadlines: a tenth of the limit,
/// from 10 to 100 ms.
fn watchdog_tick(limit: Duration) -> Duration {
    (limit / 10).clamp(Duration::from_millis(10), Duration::from_millis(100))
}

/// A time limit as the error message says it (`30 sec`).
pub(crate) fn show_timeout(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 1000 == 0 {
        format!("{} sec", ms / 1000)
    } else {
        format!("{:.1} sec", d.as_secs_f64())
    }
}
