//! The `stdout` and `stderr` destinations: the Director's standard output
//! and error, written by a thread of their own from a bounded queue, so
//! that a pipe nobody drains (a stalled `| logger`, a supervisor's full
//! log pipe) never holds a job: when the queue is full the line is lost
//! and counted, as for any destination that fails. bacula-dir 9.6.7
//! fputs them on the job's thread, which then waits for as long as the
//! pipe stays full.

use std::io::Write;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::OnceLock;

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
        match self.sender().try_send(line.to_string()) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(format!(
                "{} does not take what is written to it ({QUEUE} lines wait)",
                self.place()
            )),
            Err(TrySendError::Disconnected(_)) => Err(format!("{} has no writer", self.place())),
        }
    }
}
