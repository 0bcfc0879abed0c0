//! The running Director: its configuration, catalog, script host and
//! Director-wide message queue, shared by the console sessions and jobs.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use crate::catalog::{Catalog, CatalogError};
use crate::config::Config;
use crate::job::events::{ScriptCalls, ScriptEvents};
use crate::job::JobState;
use crate::job::{self, Jobs, RunRequest};
use crate::python::{HostConfig, ScriptHost};

/// A message waiting in the consoles' queue, with the job it belongs to
/// (None: the Director's own), so that a restricted console gets only
/// the messages of jobs its ACLs let it see.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub job_id: Option<i64>,
    pub text: String,
}

/// Everything the Director's threads share.
pub struct Director {
    config: RwLock<Arc<Config>>,
    catalog: Mutex<Catalog>,
    host: RwLock<Option<Arc<dyn ScriptEvents>>>,
    /// Messages waiting for a console's `messages` command.
    messages: Mutex<ConsoleQueue>,
    /// Delivery to the Messages resources' destinations.
    delivery: crate::messages::Messages,
    jobs: Jobs,
    /// What the console's enable/disable set, applied to each
    /// configuration the Director takes.
    switches: Mutex<job::enabled::Switches>,
    /// Itself, for the calls scripts make (which start job threads).
    me: std::sync::Weak<Director>,
    pub started: i64,
    /// When the configuration in use was read (`status dir`'s "conf
    /// reloaded"), in seconds since the epoch.
    reloaded: std::sync::atomic::AtomicI64,
    stopping: std::sync::atomic::AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Director {
    /// Opens the catalog, records the configuration's pools and clients,
    /// marks jobs a crash interrupted as failed.
    pub fn open(mut config: Config) -> Result<Arc<Director>, CatalogError> {
        let switches = job::enabled::Switches::load(&config);
        switches.apply(&mut config);
        let catalog = Catalog::open(&crate::catalog::db_path(&config))?;
        catalog.sync_resources(&config)?;
        let failed = catalog.fail_interrupted_jobs()?;
        if failed > 0 {
            tracing::warn!("{failed} job(s) left running by an earlier stop are marked failed (f)");
        }
        let started = crate::catalog::now();
        Ok(Arc::new_cyclic(|me| Director {
            me: me.clone(),
            config: RwLock::new(Arc::new(config)),
            catalog: Mutex::new(catalog),
            host: RwLock::new(None),
            messages: Mutex::new(ConsoleQueue::new(CONSOLE_QUEUE_BYTES)),
            delivery: crate::messages::Messages::default(),
            jobs: Jobs::default(),
            switches: Mutex::new(switches),
            started,
            reloaded: std::sync::atomic::AtomicI64::new(started),
            stopping: std::sync::atomic::AtomicBool::new(false),
        }))
    }

    /// Starts the script host (when the configuration has Scripts Directory).
    pub fn start_scripts(self: &Arc<Director>) {
        let cfg = HostConfig::from_config(&self.config());
        if cfg.script.is_none() {
            tracing::info!("Python scripting is off: the Director has no Scripts Directory");
            return;
        }
        let host = ScriptHost::start_in_background(cfg, self.clone());
        *self.host.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(host));
    }

    pub fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Replaces the configuration (after `reload` read a good file); what
    /// the console enabled or disabled stays so.
    pub fn set_config(&self, mut config: Config) -> Result<(), CatalogError> {
        lock(&self.switches).apply(&mut config);
        self.catalog().sync_resources(&config)?;
        *self.config.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(config);
        self.reloaded
            .store(crate::catalog::now(), std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }

    /// `enable`/`disable`: the resource `kind` called `name` is enabled or
    /// not from now on, in this configuration and the ones a reload or a
    /// restart reads. The error says why it could not be kept for the
    /// next start (it applies until then all the same).
    pub fn set_enabled(
        &self,
        kind: crate::config::Kind,
        name: &str,
        on: bool,
    ) -> Result<(), String> {
        let mut switches = lock(&self.switches);
        let kept = switches.set(kind, name, on);
        let mut current = self.config.write().unwrap_or_else(|e| e.into_inner());
        let mut cfg = Config::clone(&current);
        switches.apply(&mut cfg);
        *current = Arc::new(cfg);
        kept
    }

    /// When the configuration in use was read.
    pub fn reloaded(&self) -> i64 {
        self.reloaded.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn catalog(&self) -> MutexGuard<'_, Catalog> {
        lock(&self.catalog)
    }

    pub fn scripts(&self) -> Option<Arc<dyn ScriptEvents>> {
        self.host.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Queues a message for the consoles; `job_id` is the job it is about
    /// (the oldest are dropped when the queue is full).
    pub fn message(&self, job_id: Option<i64>, text: String) {
        lock(&self.messages).push(Queued { job_id, text });
    }

    pub fn jobs(&self) -> &Jobs {
        &self.jobs
    }

    /// A Director message of a job, headed with its type as Bacula's
    /// Jmsg heads it (`Fatal error: …`, `Error: …`, `Warning: …`, or none
    /// for information), to the destinations of the job's Messages
    /// resource (messages/).
    pub fn job_message(&self, job_id: i64, messages: Option<&str>, text: &str) {
        let ty = crate::messages::Type::of_text(text);
        let bare = text.strip_prefix(ty.heading()).unwrap_or(text);
        self.job_message_as(job_id, messages, ty, bare);
    }

    /// A job message of type `ty`, written as bacula-dir writes it
    /// (`dir JobId 3: Error: text`).
    pub fn job_message_as(
        &self,
        job_id: i64,
        messages: Option<&str>,
        ty: crate::messages::Type,
        text: &str,
    ) {
        let name = self.config().director().name.clone();
        let line = format!("{name} JobId {job_id}: {}{text}", ty.heading());
        crate::messages::job_message(self, job_id, messages, ty, &line);
    }

    /// A job message a daemon sent: its `Jmsg JobId=N type=T …` line, the
    /// text already headed with the daemon's name and the JobId (`sd JobId
    /// 3: text`), to the job's destinations with the type it gave.
    pub fn daemon_message(&self, job_id: i64, messages: Option<&str>, line: &str) {
        let (ty, text) = crate::messages::daemon_line(line)
            .unwrap_or((crate::messages::Type::of_text(line), line));
        let text = crate::messages::continued(text);
        crate::messages::job_message(self, job_id, messages, ty, &text);
    }

    /// Where messages are delivered, and the mails being collected.
    pub fn messages(&self) -> &crate::messages::Messages {
        &self.delivery
    }

    /// The Director itself, shared, for work that outlives the caller (a
    /// mail being sent); None once it is going away.
    pub fn handle(&self) -> Option<Arc<Director>> {
        self.me.upgrade()
    }

    /// Takes the queued messages `may_see` accepts (it is given each
    /// message's job); the others stay for the consoles that may see them.
    /// As in bacula-dir the queue is Director-wide: a message goes to the
    /// first console that asks for it and may see it. If the queue was
    /// full, a line first says how many older ones were dropped.
    pub fn take_messages(&self, may_see: impl Fn(Option<i64>) -> bool) -> Vec<String> {
        lock(&self.messages).take(may_see)
    }

    /// The jobs that queued messages belong to, each once.
    pub fn queued_jobs(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = lock(&self.messages)
            .messages
            .iter()
            .filter_map(|m| m.job_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Where the next restore's bootstrap is written:
    /// `<Working Directory>/<Director>.restore.<n>.bsr`.
    pub fn next_restore_bsr_path(&self) -> std::path::PathBuf {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let cfg = self.config();
        let dir = cfg.director();
        std::path::Path::new(dir.str("WorkingDirectory").unwrap_or("/tmp"))
            .join(format!("{}.restore.{n}.bsr", dir.name))
    }

    /// Whether `shutdown` has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Whether a message `may_see` accepts is waiting.
    pub fn has_messages(&self, may_see: impl Fn(Option<i64>) -> bool) -> bool {
        lock(&self.messages).any(may_see)
    }

    /// Shuts down: the Exit event, then the catalog is left whole in its
    /// one file.
    pub fn shutdown(&self) {
        self.stopping
            .store(true, std::sync::atomic::Ordering::SeqCst);
        if let Some(host) = self.host.write().unwrap_or_else(|e| e.into_inner()).take() {
            host.exit();
        }
        self.delivery.close(self);
        if let Err(e) = self.catalog().close_cleanly() {
            tracing::warn!("the catalog's write-ahead log is left beside it: {e}");
        }
    }
}

/// The most the console message queue holds, in bytes: a Director no
/// console reads for weeks keeps the newest.
const CONSOLE_QUEUE_BYTES: usize = 4 << 20;

/// Messages waiting for the consoles, the oldest dropped first when the
/// queue passes its size, and counted.
struct ConsoleQueue {
    messages: std::collections::VecDeque<Queued>,
    bytes: usize,
    limit: usize,
    dropped: u64,
}

impl ConsoleQueue {
    fn new(limit: usize) -> ConsoleQueue {
        ConsoleQueue {
            messages: Default::default(),
            bytes: 0,
            limit,
            dropped: 0,
        }
    }

    fn push(&mut self, message: Queued) {
        self.bytes += message.text.len();
        self.messages.push_back(message);
        while self.bytes > self.limit {
            let Some(old) = self.messages.pop_front() else {
                break;
            };
            self.bytes -= old.text.len();
            self.dropped += 1;
        }
    }

    /// The messages `may_see` accepts; the note of dropped ones is the
    /// Director's own (job None), so only a console that may see those
    /// gets it.
    fn take(&mut self, may_see: impl Fn(Option<i64>) -> bool) -> Vec<String> {
        let mut out = Vec::new();
        if self.dropped > 0 && may_see(None) {
            out.push(format!(
                "*** {} older message(s) were dropped: the Director keeps at most {} KB of messages for the consoles.\n",
                self.dropped,
                self.limit >> 10
            ));
            self.dropped = 0;
        }
        let (taken, kept): (Vec<Queued>, Vec<Queued>) = std::mem::take(&mut self.messages)
            .into_iter()
            .partition(|m| may_see(m.job_id));
        self.bytes = kept.iter().map(|m| m.text.len()).sum();
        self.messages = kept.into();
        out.extend(taken.into_iter().map(|m| m.text));
        out
    }

    /// Whether a message `may_see` accepts is waiting.
    fn any(&self, may_see: impl Fn(Option<i64>) -> bool) -> bool {
        (self.dropped > 0 && may_see(None)) || self.messages.iter().any(|m| may_see(m.job_id))
    }
}

impl ScriptCalls for Director {
    fn num_vols(&self, pool: &str) -> i64 {
        self.catalog().num_vols(pool).unwrap_or(0)
    }

    fn volume_exists(&self, name: &str) -> bool {
        self.catalog().volume_exists(name).unwrap_or(false)
    }

    fn run(&self, _from: &JobState, command: &str) -> Result<i64, String> {
        let args = crate::console::Args::parse(&format!("run {command}"));
        let req = RunRequest::parse(&args)?;
        let me = self.me.upgrade().ok_or("the Director is shutting down")?;
        job::start(&me, &req)
    }

    fn cancel(&self, job_id: i64) -> bool {
        self.jobs.cancel(job_id).is_some()
    }

    fn level_changed(&self, job: &JobState) {
        let (id, level) = {
            let d = job.data();
            (d.job_id, d.level)
        };
        if let Err(e) = self.catalog().job_level(id, level) {
            tracing::error!("{e}");
        }
    }

    fn pass_on(&self, job: &JobState) {
        job::pass_on_job_script_messages(self, job);
    }

    fn job_running(&self, job_id: i64) -> bool {
        self.jobs.is_active(Some(job_id))
    }

    /// To the destinations of the Director's own Messages resource.
    fn director_message(&self, line: &str) {
        let ty = crate::messages::Type::of_text(line);
        let bare = line.strip_prefix(ty.heading()).unwrap_or(line);
        crate::messages::director_message(self, ty, bare);
    }
}

#[cfg(test)]
mod tests {
    use super::{ConsoleQueue, Queued};

    #[test]
    fn a_full_console_queue_drops_the_oldest_and_says_how_many() {
        let mut q = ConsoleQueue::new(1024);
        let message = |i: usize| format!("{i:02} {}\n", "x".repeat(96));
        for i in 0..30 {
            q.push(Queued {
                job_id: Some(i as i64),
                text: message(i),
            });
        }
        assert!(q.any(|_| true));
        let got = q.take(|_| true);
        assert_eq!(
            got[0],
            "*** 20 older message(s) were dropped: the Director keeps at most 1 KB of messages for the consoles.\n"
        );
        assert_eq!(got[1..], (20..30).map(message).collect::<Vec<_>>());
        assert!(!q.any(|_| true));
        q.push(Queued {
            job_id: None,
            text: "again\n".into(),
        });
        assert_eq!(q.take(|_| true), vec!["again\n".to_string()]);
    }

    #[test]
    fn a_console_takes_only_the_messages_it_may_see_and_the_rest_stay() {
        let mut q = ConsoleQueue::new(1024);
        for (job_id, text) in [(Some(1), "one\n"), (Some(2), "two\n"), (None, "dir\n")] {
            q.push(Queued {
                job_id,
                text: text.into(),
            });
        }
        assert_eq!(q.take(|j| j == Some(2)), vec!["two\n".to_string()]);
        assert!(!q.any(|j| j == Some(2)));
        assert_eq!(
            q.take(|_| true),
            vec!["one\n".to_string(), "dir\n".to_string()]
        );
        assert_eq!(q.bytes, 0);
    }
}
