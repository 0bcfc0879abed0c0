//! The per-event time limit: a watchdog thread raises `TimeoutError` inside
//! a handler that runs past its deadline, and keeps raising every 10 ms
//! until the handler returns, so a script that catches one exception still
//! cannot hang the Director.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use rustpython_vm::signal::UserSignalSender;
use rustpython_vm::VirtualMachine;

/// How often the exception is raised again after the deadline.
const REPEAT: Duration = Duration::from_millis(10);

struct Armed {
    deadline: Instant,
    generation: u64,
    signals: UserSignalSender,
    message: String,
}

#[derive(Default)]
struct Shared {
    armed: Mutex<Option<Armed>>,
    stop: std::sync::atomic::AtomicBool,
    wake: Condvar,
    /// The event being timed; a stale interrupt checks it and does nothing.
    active: Arc<AtomicU64>,
}

/// The watchdog thread's handle.
pub struct Watchdog {
    shared: Arc<Shared>,
    next: AtomicU64,
}

/// Disarms the watchdog when the handler returns.
pub struct Timing<'a> {
    watchdog: &'a Watchdog,
}

impl Drop for Timing<'_> {
    fn drop(&mut self) {
        let mut a = self
            .watchdog
            .shared
            .armed
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *a = None;
        self.watchdog.shared.active.store(0, Ordering::SeqCst);
        self.watchdog.shared.wake.notify_all();
    }
}

impl Watchdog {
    pub fn start() -> Watchdog {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        std::thread::Builder::new()
            .name("script-watchdog".into())
            .spawn(move || watch(&s))
            .expect("spawning the script watchdog");
        Watchdog {
            shared,
            next: AtomicU64::new(1),
        }
    }

    /// Times a handler until the returned guard is dropped.
    pub fn arm(
        &self,
        deadline: Instant,
        signals: &UserSignalSender,
        message: String,
    ) -> Timing<'_> {
        let generation = self.next.fetch_add(1, Ordering::SeqCst);
        self.shared.active.store(generation, Ordering::SeqCst);
        *self.shared.armed.lock().unwrap_or_else(|e| e.into_inner()) = Some(Armed {
            deadline,
            generation,
            signals: signals.clone(),
            message,
        });
        self.shared.wake.notify_all();
        Timing { watchdog: self }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _guard = self.shared.armed.lock().unwrap_or_else(|e| e.into_inner());
        self.shared.wake.notify_all();
    }
}

fn watch(s: &Shared) {
    let mut armed = s.armed.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if s.stop.load(Ordering::SeqCst) {
            return;
        }
        let Some(a) = armed.as_ref() else {
            armed = s.wake.wait(armed).unwrap_or_else(|e| e.into_inner());
            continue;
        };
        let now = Instant::now();
        if now < a.deadline {
            let wait = a.deadline - now;
            armed = s
                .wake
                .wait_timeout(armed, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
            continue;
        }
        let generation = a.generation;
        let message = a.message.clone();
        let active = s.active.clone();
        let _ = a.signals.send(Box::new(move |vm: &VirtualMachine| {
            if active.load(Ordering::SeqCst) == generation {
                Err(vm
                    .new_exception_msg(vm.ctx.exceptions.timeout_error.to_owned(), message.into()))
            } else {
                Ok(())
            }
        }));
        armed = s
            .wake
            .wait_timeout(armed, REPEAT)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
}
