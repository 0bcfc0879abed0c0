//! The per-event time limit: a watchdog thread raises `TimeoutError` inside
//! a handler that runs past its deadline, and keeps raising it at every
//! tick until the handler returns, so a script that catches one exception
//! still cannot hang the Director.
//!
//! Arming and disarming only store the deadline: the watchdog looks at it
//! on its own ticks, so timing an event costs no thread wake-up.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustpython_vm::signal::UserSignalSender;
use rustpython_vm::VirtualMachine;

struct Armed {
    deadline: Instant,
    generation: u64,
    signals: UserSignalSender,
    message: String,
}

#[derive(Default)]
struct Shared {
    armed: Mutex<Option<Armed>>,
    stop: AtomicBool,
    /// The event being timed; a late interrupt checks it and does nothing.
    active: Arc<AtomicU64>,
}

/// The watchdog thread's handle.
pub struct Watchdog {
    shared: Arc<Shared>,
    next: AtomicU64,
}

/// Times one handler until it is dropped.
pub struct Timing<'a> {
    watchdog: &'a Watchdog,
}

impl Drop for Timing<'_> {
    fn drop(&mut self) {
        self.watchdog.shared.active.store(0, Ordering::SeqCst);
        *self
            .watchdog
            .shared
            .armed
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = None;
    }
}

impl Watchdog {
    /// Starts the watchdog; it looks at the deadline every `tick`.
    pub fn start(tick: Duration) -> Watchdog {
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        std::thread::Builder::new()
            .name("script-watchdog".into())
            .spawn(move || watch(&s, tick))
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
        Timing { watchdog: self }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
    }
}

fn watch(s: &Shared, tick: Duration) {
    while !s.stop.load(Ordering::SeqCst) {
        std::thread::sleep(tick);
        let armed = s.armed.lock().unwrap_or_else(|e| e.into_inner());
        let Some(a) = armed.as_ref() else { continue };
        if Instant::now() < a.deadline {
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
    }
}
