//! `Python Memory Limit`, per interpreter process: the host looks at each
//! process's resident memory after its events and every second. Past the
//! limit a process takes no new job (its running jobs finish in it, with
//! their events objects) and goes when the last ends; past twice the
//! limit, or over it for longer than the event time limit, it is killed
//! at once, and its memory with it. Off when the limit is 0.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::pool::Pool;
use super::worker::Worker;

/// How often the host looks at every process's memory.
const TICK: Duration = Duration::from_secs(1);

pub(crate) struct MemoryLimit {
    limit: u64,
    stop: AtomicBool,
}

impl MemoryLimit {
    /// Starts the looks on a timer, when there is a limit.
    pub(crate) fn start(pool: &Arc<Pool>, limit: u64) -> Arc<MemoryLimit> {
        let m = Arc::new(MemoryLimit {
            limit,
            stop: AtomicBool::new(false),
        });
        if limit > 0 {
            let pool = Arc::downgrade(pool);
            let me = Arc::downgrade(&m);
            let spawned = std::thread::Builder::new()
                .name("script-memory".into())
                .spawn(move || watch(&pool, &me));
            if let Err(e) = spawned {
                tracing::error!(
                    "Python: cannot start the memory limit's timer ({e}); memory is looked at after events only"
                );
            }
        }
        m
    }

    pub(crate) fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Looks at `w`'s memory and retires or kills it past the limit.
    pub(crate) fn check(&self, pool: &Pool, w: &Arc<Worker>) {
        if self.limit == 0 || w.death().is_some() {
            return;
        }
        let held = resident_bytes(w.pid);
        let mib = |b: u64| b / (1024 * 1024);
        let mut since = w.over_limit_since.lock().unwrap_or_else(|e| e.into_inner());
        if held <= self.limit {
            *since = None;
            return;
        }
        let first = *since.get_or_insert_with(Instant::now);
        drop(since);
        let too_long = first.elapsed() > pool.context().cfg.event_timeout;
        if held > self.limit.saturating_mul(2) || too_long {
            let why = format!(
                "it held {} MiB, {} Python Memory Limit ({} MiB)",
                mib(held),
                if too_long {
                    "over the limit for longer than Python Event Timeout,"
                } else {
                    "over twice"
                },
                mib(self.limit)
            );
            tracing::error!("Python: interpreter process {} is killed: {why}", w.pid);
            pool.remove(w, &why);
        } else if !w.retired.load(Ordering::SeqCst) {
            tracing::error!(
                "Python: interpreter process {} holds {} MiB, over Python Memory Limit ({} MiB); it takes no new job and goes once its {} job(s) end",
                w.pid,
                mib(held),
                mib(self.limit),
                w.homed.load(Ordering::SeqCst)
            );
            pool.retire(w);
        }
    }
}

fn watch(pool: &Weak<Pool>, me: &Weak<MemoryLimit>) {
    loop {
        std::thread::sleep(TICK);
        let (Some(pool), Some(me)) = (pool.upgrade(), me.upgrade()) else {
            return;
        };
        if me.stop.load(Ordering::SeqCst) {
            return;
        }
        for w in pool.workers() {
            me.check(&pool, &w);
        }
    }
}

/// A process's resident memory in bytes (0 once it has gone).
pub(crate) fn resident_bytes(pid: u32) -> u64 {
    let pages = std::fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<u64>().ok())
        })
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    pages * u64::try_from(page).unwrap_or(4096)
}
