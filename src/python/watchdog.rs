//! The per-handler time limit, inside an interpreter process (child.rs).
//! The interpreter's thread has a [`Timer`]; a watchdog thread looks at
//! it on its ticks and, past a timer's deadline, raises `TimeoutError` in that
//! interpreter and sends its thread a signal that makes a blocking system
//! call (sleep, socket, select, waitpid, read) return EINTR, so that the
//! interpreter's EINTR loop runs the check that raises it. It keeps doing
//! so at every tick until the handler returns: a script that catches one
//! exception still cannot keep the interpreter, and the eval-breaker bit
//! another busy interpreter may have cleared first is set again.
//!
//! Arming and disarming only store the deadline: timing an event costs no
//! thread wake-up.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once, Weak};
use std::time::{Duration, Instant};

use rustpython_vm::signal::UserSignalSender;
use rustpython_vm::VirtualMachine;

struct Armed {
    deadline: Instant,
    generation: u64,
    message: String,
}

/// The time limit of one interpreter thread.
pub struct Timer {
    armed: Mutex<Option<Armed>>,
    signals: UserSignalSender,
    /// The interpreter's thread, which lives as long as its process.
    thread: libc::pthread_t,
    next: AtomicU64,
    /// The handler being timed; a late interrupt checks it and does nothing.
    active: Arc<AtomicU64>,
    /// Interrupts sent and not run yet: an interpreter stuck where it never
    /// runs them (given up on) holds at most [`MAX_PENDING`].
    pending: Arc<AtomicUsize>,
}

/// The most interrupts queued for one interpreter: past the deadline one
/// goes every tick until the handler returns, and one stuck for days must
/// not make the queue grow without end.
const MAX_PENDING: usize = 64;

/// Times one handler until it is dropped.
pub struct Timing<'a> {
    timer: &'a Timer,
}

impl Drop for Timing<'_> {
    fn drop(&mut self) {
        self.timer.active.store(0, Ordering::SeqCst);
        *lock(&self.timer.armed) = None;
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Timer {
    /// Times a handler until the returned guard is dropped; past
    /// `deadline` it gets `TimeoutError(message)`.
    pub fn arm(&self, deadline: Instant, message: String) -> Timing<'_> {
        let generation = self.next.fetch_add(1, Ordering::SeqCst);
        self.active.store(generation, Ordering::SeqCst);
        *lock(&self.armed) = Some(Armed {
            deadline,
            generation,
            message,
        });
        Timing { timer: self }
    }

    /// Raises the timeout in the interpreter if its handler is past its
    /// deadline, and interrupts the system call it may be blocked in.
    fn fire(&self, now: Instant) {
        let armed = lock(&self.armed);
        let Some(a) = armed.as_ref() else { return };
        if now < a.deadline {
            return;
        }
        let generation = a.generation;
        let message = a.message.clone();
        let active = self.active.clone();
        let pending = self.pending.clone();
        if pending.fetch_add(1, Ordering::SeqCst) >= MAX_PENDING {
            pending.fetch_sub(1, Ordering::SeqCst);
            return;
        }
        let _ = self.signals.send(Box::new(move |vm: &VirtualMachine| {
            pending.fetch_sub(1, Ordering::SeqCst);
            if active.load(Ordering::SeqCst) == generation {
                Err(vm
                    .new_exception_msg(vm.ctx.exceptions.timeout_error.to_owned(), message.into()))
            } else {
                Ok(())
            }
        }));
        drop(armed);
        // SAFETY: the interpreter's thread lives as long as its process
        // (child.rs), and the signal's handler does nothing.
        unsafe {
            libc::pthread_kill(self.thread, interrupt_signal());
        }
    }
}

/// The signal that interrupts an interpreter's blocking system call. Its
/// handler does nothing and is installed without SA_RESTART, so the call
/// returns EINTR; it is only ever sent to an interpreter's thread.
fn interrupt_signal() -> libc::c_int {
    libc::SIGRTMIN() + 3
}

extern "C" fn ignore(_: libc::c_int) {}

fn install_interrupt_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: a zeroed sigaction with a handler that does nothing and
        // an empty mask is valid; the signal is one no library uses.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = ignore as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut sa.sa_mask);
            sa.sa_flags = 0;
            libc::sigaction(interrupt_signal(), &sa, std::ptr::null_mut());
        }
    });
}

/// The watchdog thread's handle.
pub struct Watchdog {
    timers: Mutex<Vec<Weak<Timer>>>,
}

impl Watchdog {
    /// Starts the watchdog; it looks at the deadlines every `tick`.
    pub fn start(tick: Duration) -> Arc<Watchdog> {
        install_interrupt_handler();
        let w = Arc::new(Watchdog {
            timers: Mutex::new(Vec::new()),
        });
        let weak = Arc::downgrade(&w);
        std::thread::Builder::new()
            .name("script-watchdog".into())
            .spawn(move || watch(&weak, tick))
            .expect("spawning the script watchdog");
        w
    }

    /// A timer for the calling thread, which runs an interpreter whose
    /// user signals `signals` sends.
    pub fn timer(&self, signals: UserSignalSender) -> Arc<Timer> {
        // SAFETY: pthread_self has no preconditions.
        let thread = unsafe { libc::pthread_self() };
        let t = Arc::new(Timer {
            armed: Mutex::new(None),
            signals,
            thread,
            next: AtomicU64::new(1),
            active: Arc::new(AtomicU64::new(0)),
            pending: Arc::new(AtomicUsize::new(0)),
        });
        lock(&self.timers).push(Arc::downgrade(&t));
        t
    }
}

fn watch(w: &Weak<Watchdog>, tick: Duration) {
    loop {
        std::thread::sleep(tick);
        let Some(w) = w.upgrade() else { return };
        let now = Instant::now();
        let timers: Vec<Arc<Timer>> = {
            let mut list = lock(&w.timers);
            list.retain(|t| t.strong_count() > 0);
            list.iter().filter_map(Weak::upgrade).collect()
        };
        for t in timers {
            t.fire(now);
        }
    }
}
