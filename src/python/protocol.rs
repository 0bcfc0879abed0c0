//! The messages between the script host (in the Director) and one of its
//! interpreter processes (`rdird script-host`, child.rs), and their
//! framing on the socket between them: a 4-byte little-endian length, then
//! the message as JSON. Nothing here knows Python; both sides use it.
//!
//! Times travel as time left in milliseconds, never as instants: each
//! process has its own clock origin.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::job::{JobData, JobEvent};

/// The largest message either side accepts: a job's attributes and its
/// report lines of one event, with room to spare. A longer length is a
/// broken peer.
const MAX_FRAME: usize = 64 << 20;

/// What the interpreter process needs of the host's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ChildConfig {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) config_file: String,
    pub(crate) working_dir: String,
    pub(crate) event_timeout_ms: u64,
    pub(crate) legacy_syntax: bool,
    /// The startup script's path (for tracebacks and `sys.path`) and text,
    /// read once by the host so that every process of one load runs the
    /// same script.
    pub(crate) path: std::path::PathBuf,
    pub(crate) source: String,
    /// Known to the process's own loader and not to the script: a load
    /// result without it was forged (a script can write to the socket).
    pub(crate) load_token: u64,
}

/// From the host to an interpreter process.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum ToChild {
    /// The first message: load the script.
    Start(ChildConfig),
    /// Deliver `event` for the job whose attributes are `job`; `seq` comes
    /// back in its [`FromChild::EventDone`].
    Event {
        seq: u64,
        job: Box<JobData>,
        event: JobEvent,
        time_left_ms: u64,
    },
    /// Deliver Exit, within `limit_ms` (what its TimeoutError says).
    Exit { limit_ms: u64 },
    /// The answer to the [`FromChild::Request`] numbered `id`.
    Reply { id: u64, reply: Reply },
}

/// A call a script makes into the Director (job::events::ScriptCalls),
/// on behalf of the job `job_id`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Call {
    NumVols(String),
    VolumeExists(String),
    Run(String),
    Cancel(i64),
    /// The script set the job's level to this letter.
    LevelChanged(char),
    JobRunning(i64),
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum Reply {
    Int(i64),
    Bool(bool),
    Run(Result<i64, String>),
    Done,
}

/// What the script changed in the job during one event.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Changes {
    pub(crate) level: char,
    pub(crate) priority: i64,
    pub(crate) volume_name: String,
    /// Errors counted during the event.
    pub(crate) errors_added: i64,
    /// Report messages the event added, in order.
    pub(crate) messages: Vec<String>,
}

/// From an interpreter process to the host.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) enum FromChild {
    /// The script is imported (with the load token).
    Loaded {
        token: u64,
    },
    /// The import failed (with the load token): its traceback.
    Failed {
        token: u64,
        traceback: String,
    },
    /// A script call waiting for its [`ToChild::Reply`]; script threads
    /// make them outside events too, so several may be outstanding.
    Request {
        id: u64,
        job_id: i64,
        call: Call,
    },
    /// A line of script output that belongs to no job in flight.
    DirectorMessage(String),
    /// Warnings of the dialect front end about a file whose text hashes
    /// to `text`, for the host to log once for all its interpreters.
    Warnings {
        text: u64,
        lines: Vec<String>,
    },
    /// Report lines a script wrote to a job in flight outside its events.
    PassOn {
        job_id: i64,
        messages: Vec<String>,
    },
    EventDone {
        seq: u64,
        delivered: bool,
        error: Option<String>,
        elapsed_ms: u64,
        changes: Changes,
    },
    ExitDone,
}

/// Writes one message.
pub(crate) fn send<T: Serialize>(w: &mut impl Write, msg: &T) -> std::io::Result<()> {
    let body = serde_json::to_vec(msg).map_err(std::io::Error::other)?;
    let len = u32::try_from(body.len()).map_err(std::io::Error::other)?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(&body);
    w.write_all(&frame)
}

/// Reads one message; an error at a clean end of the stream is
/// `UnexpectedEof`.
pub(crate) fn receive<T: for<'de> Deserialize<'de>>(r: &mut impl Read) -> std::io::Result<T> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::other(format!(
            "a message of {len} bytes, more than the {MAX_FRAME} accepted"
        )));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    serde_json::from_slice(&body).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reads_back_as_it_was_written() {
        let mut buf = Vec::new();
        let job = JobData {
            job_id: 7,
            level: 'F',
            ..JobData::default()
        };
        send(
            &mut buf,
            &ToChild::Event {
                seq: 3,
                job: Box::new(job),
                event: JobEvent::JobEnd,
                time_left_ms: 1500,
            },
        )
        .unwrap();
        let got: ToChild = receive(&mut buf.as_slice()).unwrap();
        match got {
            ToChild::Event {
                seq,
                job,
                event,
                time_left_ms,
            } => {
                assert_eq!((seq, job.job_id, job.level), (3, 7, 'F'));
                assert_eq!((event, time_left_ms), (JobEvent::JobEnd, 1500));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_length_past_the_limit_is_refused_without_reading_it() {
        let frame = u32::MAX.to_le_bytes();
        let err = receive::<FromChild>(&mut frame.as_slice()).unwrap_err();
        assert!(err.to_string().contains("more than"), "{err}");
    }
}
