//! The `stdout` and `stderr` destinations: the Director's standard output
//! and error, written by a thread of their own from a bounded queue, so
//! that a pipe nobody drains (a stalled `| logger`, a supervisor's full
//! log pipe) never holds a job: when the queue is full the line is lost
//! and counted, as for any destination that fails. bacula-dir 9.6.7
//! fputs them on the job's thread, which then waits for as long as the
//! pipe stays full.

use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How many lines may wait for a stream that does not take them.
const QUEUE: usize = 1024;

/// One of the two streams.
#[derive(Clone, Copy)]
pub(super) enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub(super) fn place(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }

    /// The lines queued and not yet written.
    fn pending(self) -> &'static AtomicUsize {
        static OUT: AtomicUsize = AtomicUsize::new(0);
        static ERR: AtomicUsize = AtomicUsize::new(0);
        match self {
            Stream::Stdout => &OUT,
            Stream::Stderr => &ERR,
        }
    }

    fn sender(self) -> &'static SyncSender<String> {
        static OUT: OnceLock<SyncSender<String>> = OnceLock::new();
        static ERR: OnceLock<SyncSender<String>> = OnceLock::new();
        let cell = match self {
            Stream::Stdout => &OUT,
            Stream::Stderr => &ERR,
        };
        cell.get_or_init(|| {
            let (tx, rx) = sync_channel::<String>(QUEUE);
            let spawned = std::thread::Builder::new()
                .name(format!("messages {}", self.place()))
                .spawn(move || {
                    for line in rx {
                        // A stream that is closed (a broken pipe) loses
                        // its lines; the Director goes on.
                        let _ = match self {
                            Stream::Stdout => {
                                let mut out = std::io::stdout().lock();
                                out.write_all(line.as_bytes()).and_then(|()| out.flush())
                            }
                            Stream::Stderr => std::io::stderr().lock().write_all(line.as_bytes()),
                        };
                        self.pending().fetch_sub(1, Ordering::SeqCst);
                    }
                });
            if let Err(e) = spawned {
                tracing::error!("cannot start the {} writer: {e}", self.place());
            }
            tx
        })
    }

    /// Queues `line` for the stream; an error says why it was lost.
    pub(super) fn write(self, line: &str) -> Result<(), String> {
        self.pending().fetch_add(1, Ordering::SeqCst);
        let sent = self.sender().try_send(line.to_string());
        if sent.is_err() {
            self.pending().fetch_sub(1, Ordering::SeqCst);
        }
        match sent {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(format!(
                "{} does not take what is written to it ({QUEUE} lines wait)",
                self.place()
            )),
            Err(TrySendError::Disconnected(_)) => Err(format!("{} has no writer", self.place())),
        }
    }
}

/// At the Director's stop: waits `wait` at most for the lines queued for
/// both streams to be written (a stream nobody drains keeps them).
pub(super) fn drain(wait: Duration) {
    let until = Instant::now() + wait;
    while [Stream::Stdout, Stream::Stderr]
        .iter()
        .any(|s| s.pending().load(Ordering::SeqCst) > 0)
        && Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(10));
    }
}
