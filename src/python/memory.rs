//! `Python Memory Limit`: past it, the script is loaded again in a fresh
//! interpreter generation, in the background; running jobs stay in the
//! old interpreters with the events objects they registered, and the old
//! interpreters go (and give their memory back) once those jobs end, as
//! after `python restart`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use super::interpreter::resident_bytes;
use super::pool::Pool;

/// Events between two looks at the Director's memory.
const CHECK_EVERY: u64 = 16;

#[derive(Default)]
pub(crate) struct MemoryLimit {
    events: AtomicU64,
    /// The lowest resident memory seen since the last reload.
    floor: AtomicU64,
    reloading: Arc<AtomicBool>,
}

impl MemoryLimit {
    /// Counts an event; every [`CHECK_EVERY`] events, past the limit (and
    /// half a limit above the lowest point since the last reload, so that
    /// memory the script does not hold cannot cause a reload after every
    /// event), starts a reload.
    pub(crate) fn event(&self, pool: &Arc<Pool>) {
        let limit = pool.context().cfg.memory_limit;
        if limit == 0 || (self.events.fetch_add(1, Ordering::Relaxed) + 1) % CHECK_EVERY != 0 {
            return;
        }
        let now = resident_bytes();
        let floor = self.floor.fetch_min(now, Ordering::Relaxed).min(now);
        if now <= limit || now <= floor.saturating_add(limit / 2) {
            return;
        }
        if self.reloading.swap(true, Ordering::SeqCst) {
            return;
        }
        let mib = |b: u64| b / (1024 * 1024);
        tracing::error!(
            "Python: the Director holds {} MiB, over Python Memory Limit ({} MiB); the script is loaded again in a fresh interpreter, and the {} running job(s) finish in the old one",
            mib(now),
            mib(limit),
            pool.running_jobs()
        );
        let pool = pool.clone();
        let reloading = self.reloading.clone();
        // The floor restarts from what the Director holds after the reload.
        self.floor.store(u64::MAX, Ordering::Relaxed);
        let spawned = std::thread::Builder::new()
            .name("script-reload".into())
            .spawn(move || {
                if let Err(e) = pool.reload() {
                    tracing::error!("{e}");
                }
                reloading.store(false, Ordering::SeqCst);
            });
        if let Err(e) = spawned {
            tracing::error!("Python: cannot start the reload for the memory limit: {e}");
            self.reloading.store(false, Ordering::SeqCst);
        }
    }
}
