//! Messages resources, as Bacula's lib/message.c delivers them: the
//! message types and each destination's filter of them, delivery to every
//! destination (console, catalog, append, file, stdout, stderr, syslog,
//! director, mail, mailonerror, mailonsuccess, operator), the collection
//! of a job's messages that becomes its mail at the job's end, and the
//! Director's own messages (those of no job), which go to the Director's
//! Messages resource (Bacula's "daemon messages") and are mailed in a
//! batch.
//!
//! What the messages say is the job code's; the console queue they feed
//! is the Director's (director.rs), read by console/.

mod body;
mod mail;
mod outbox;
mod standard;
mod syslog;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use body::Body;
use outbox::{Mail, Outbox};
use standard::Stream;

use crate::clock;
use crate::config::schema::Dest;
use crate::config::value::Destination;
use crate::config::{Config, Kind, Resource, Value};
use crate::director::Director;

pub use mail::JobCodes;

/// A message's type, numbered as Bacula's M_ codes (the numbers in a
/// daemon's `Jmsg … type=N` line and in a Messages destination's bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    Abort = 1,
    Debug,
    Fatal,
    Error,
    Warning,
    Info,
    Saved,
    NotSaved,
    Skipped,
    Mount,
    ErrorTerm,
    Terminate,
    Restored,
    Security,
    Alert,
    VolMgmt,
}

impl Type {
    const ALL: [Type; 16] = [
        Type::Abort,
        Type::Debug,
        Type::Fatal,
        Type::Error,
        Type::Warning,
        Type::Info,
        Type::Saved,
        Type::NotSaved,
        Type::Skipped,
        Type::Mount,
        Type::ErrorTerm,
        Type::Terminate,
        Type::Restored,
        Type::Security,
        Type::Alert,
        Type::VolMgmt,
    ];

    /// The type numbered `n` (Bacula's M_ code).
    pub fn from_number(n: i64) -> Option<Type> {
        Type::ALL.into_iter().find(|t| *t as i64 == n)
    }

    fn bit(self) -> u32 {
        1 << self as u32
    }

    /// The heading Bacula's Jmsg puts after `<name> JobId <n>: ` for
    /// this type.
    pub fn heading(self) -> &'static str {
        match self {
            Type::Fatal | Type::ErrorTerm => "Fatal error: ",
            Type::Error => "Error: ",
            Type::Warning => "Warning: ",
            Type::Security => "Security violation: ",
            _ => "",
        }
    }

    /// The type of a Director message that already carries the heading
    /// Jmsg gives its type (`Fatal error: …`, `Error: …`, `Warning: …`);
    /// Info for one without.
    pub fn of_text(text: &str) -> Type {
        [Type::Fatal, Type::Error, Type::Warning, Type::Security]
            .into_iter()
            .find(|t| text.starts_with(t.heading()))
            .unwrap_or(Type::Info)
    }
}

/// The type and text of a daemon's `Jmsg JobId=N type=T level=L text`
/// line; the text starts with the daemon's own header (`sd JobId N: `).
/// A type number this Director does not know is taken as an error, so
/// that it reaches the destinations that want errors.
pub fn daemon_line(line: &str) -> Option<(Type, &str)> {
    let rest = line.strip_prefix("Jmsg JobId=")?;
    let mut words = rest.splitn(4, ' ');
    let ty = words
        .nth(1)
        .and_then(|w| w.strip_prefix("type="))
        .and_then(|n| n.parse().ok())
        .and_then(Type::from_number)
        .unwrap_or(Type::Error);
    Some((ty, words.nth(1).unwrap_or("").trim_end()))
}

/// How long a mail or operator command may run before it is killed, when
/// the Messages resource does not say (Bacula's open_bpipe wait).
const MAIL_COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// How long the Director's stop waits for mails still being sent: the stop
/// stays within the 10 s a service manager is promised (Exit's own limit is
/// 4 s). A mail command still running then is killed, and its mail said
/// to be lost.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// How long the Director's stop waits for the lines queued for its
/// standard output and error to be written.
const STANDARD_WAIT: Duration = Duration::from_secs(1);

/// How long one line may wait for a destination that is alive but slow
/// (a full FIFO, a full syslog socket) before it is lost.
const ROOM_WAIT: Duration = Duration::from_millis(100);

/// How long, in all, one job's lines may wait for one slow destination:
/// past it, a line that finds no room is lost at once, so a slow reader
/// costs a job this much at most (bacula-dir 9.6.7 goes at the reader's
/// pace: a syslog reader of 50 records a second holds a job of 60,000
/// messages for 20 minutes).
const JOB_WAIT: Duration = Duration::from_secs(5);

/// A mail being collected: the lines for one mail destination of one job
/// (or of the Director itself).
struct Batch {
    dest: Dest,
    to: String,
    command: Option<String>,
    timeout: Duration,
    body: Body,
}

impl Batch {
    fn into_mail(self, job_id: i64, codes: JobCodes) -> Mail {
        Mail {
            job_id,
            dest: self.dest,
            to: self.to,
            command: self.command,
            timeout: self.timeout,
            body: self.body,
            codes,
        }
    }
}

/// A destination that failed: whether it still fails, how many messages
/// it lost, and the jobs whose log said so. It is kept, once it works
/// again, until those jobs end: one that fails on and off (a FIFO whose
/// reader drains it now and then) is said once per job, not at each turn.
struct Failing {
    down: bool,
    lost: usize,
    told: HashSet<i64>,
}

impl Failing {
    /// No running job's log said it fails.
    fn untold(&self) -> bool {
        self.told.iter().all(|j| *j <= 0)
    }
}

/// The Director's message state: the mails being collected, the `file`
/// destinations begun since the Director started, the mails being sent,
/// the destinations that fail.
#[derive(Default)]
pub struct Messages {
    /// By JobId; 0 holds the Director's own messages.
    batches: Mutex<HashMap<i64, Vec<Batch>>>,
    files_begun: Mutex<HashSet<String>>,
    outbox: Arc<Outbox>,
    /// By destination: a file's path, `syslog`, `stdout`, `catalog`.
    failing: Mutex<HashMap<String, Failing>>,
    /// How long each job's lines waited for each slow destination.
    waited: Mutex<HashMap<(String, i64), Duration>>,
    /// The configuration each running job started with: its messages go
    /// to the Messages resource it named then, whatever a `reload` did
    /// since (bacula-dir's jcr holds its resources until it ends).
    started_with: Mutex<HashMap<i64, Arc<Config>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The destinations of a Messages resource.
fn destinations(res: &Resource) -> Vec<&Destination> {
    res.settings
        .iter()
        .flatten()
        .filter_map(|s| match &s.value {
            Value::Messages(list) => Some(list.iter()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn timeout_of(res: &Resource) -> Duration {
    res.int("MailCommandTimeout")
        .filter(|s| *s > 0)
        .map_or(MAIL_COMMAND_TIMEOUT, |s| Duration::from_secs(s as u64))
}

/// A message that belongs to no job: the Director's own (a console that
/// failed to log in, a script's `bacula.write()` outside an event, its
/// output at Exit). It goes, headed `<director> JobId 0: ` as bacula-dir
/// heads it, to the destinations of the Director resource's `Messages`
/// (the Daemon Messages); its mail destinations collect it, and the batch
/// is mailed when the next job ends and when the Director stops, as
/// bacula-dir does. A Director without `Messages` prints it on stdout,
/// as bacula-dir does. Its text may hold a peer's (a console's name, a
/// script's output), so each line after its first is a continuation line.
pub fn director_message(director: &Director, ty: Type, text: &str) {
    let cfg = director.config();
    let dir = cfg.director();
    let line = format!("{} JobId 0: {}{}", dir.name, ty.heading(), continued(text));
    match dir
        .str("Messages")
        .and_then(|m| cfg.find(Kind::Messages, m))
    {
        Some(res) => deliver(director, 0, res, ty, &line),
        None => {
            // Through the stdout destination's queue: a standard output
            // nobody drains or a closed pipe must neither hold nor take
            // down the caller.
            let stamped = format!(
                "{} {}\n",
                clock::local(clock::now()).message(),
                escape_controls(&line, true)
            );
            if let Err(why) = Stream::Stdout.write(&stamped) {
                tracing::warn!("a message of the Director's own is lost: {why}");
            }
        }
    }
}

/// A job's message, headed (`<name> JobId <n>: …`), to the destinations
/// of the Messages resource `messages` (the job's), as the configuration
/// the job started with has it. A job always names one (the
/// configuration refuses a Job without), so a name not found is a fault:
/// the message goes to rdird's log, never to another resource's
/// recipients.
pub fn job_message(director: &Director, job_id: i64, messages: Option<&str>, ty: Type, line: &str) {
    let cfg = director.messages().config_of(director, job_id);
    match messages.and_then(|m| cfg.find(Kind::Messages, m)) {
        Some(res) => deliver(director, job_id, res, ty, line),
        None => tracing::warn!(
            "JobId {job_id} names no Messages resource that exists ({messages:?}); its message: {}",
            escape_controls(line, false)
        ),
    }
}

/// `text` as it may be written to a terminal, log or mail: a control
/// character (C0, DEL, C1), the stand-in of a raw byte (bnet/rawtext.rs)
/// and the backslash itself are written `\xNN` (the backslash `\\`, so
/// that the escaped form reads back one way), a bidi override or isolate
/// (U+202A–U+202E, U+2066–U+2069) `\u{NNNN}`; a tab stays, and so does a
/// newline if `lines`. A file name holding an escape sequence, a newline
/// or a right-to-left override reaches the administrator as the bytes it
/// holds and cannot forge a line or hide its end. bacula-dir 9.6.7
/// writes them raw (message.c dispatch_message fputs the message as it
/// came); rdird does better.
pub fn escape_controls(text: &str, lines: bool) -> std::borrow::Cow<'_, str> {
    let escaped = |c: char| match c {
        '\t' => false,
        '\n' => !lines,
        '\\' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        c => c.is_control() || crate::bnet::rawtext::byte_of(c).is_some(),
    };
    if !text.chars().any(escaped) {
        return text.into();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !escaped(c) {
            out.push(c);
        } else if c == '\\' {
            out.push_str("\\\\");
        } else if let Some(b) = crate::bnet::rawtext::byte_of(c) {
            out.push_str(&format!("\\x{b:02x}"));
        } else if (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02x}", c as u32));
        } else {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        }
    }
    out.into()
}

/// What goes before each line after the first of a message whose text came
/// from a peer (a daemon's, a console's): the line break is kept, so that
/// the storage daemon's mount request stays readable as it wrote it, but
/// no such line starts at the left margin, where it could pass for a
/// message of its own (bacula-dir 9.6.7 writes them as they came).
pub const CONTINUATION: &str = "  ";

/// A peer's text, its line breaks kept as continuation lines (each after
/// the first begun with `CONTINUATION`); the other characters are escaped
/// where the text is delivered.
pub fn continued(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.trim_end_matches('\n');
    if !text.contains('\n') {
        return text.into();
    }
    text.replace('\n', &format!("\n{CONTINUATION}")).into()
}

/// Every destination of `res` whose filter takes `ty` gets the line,
/// stamped with the time as Bacula stamps it.
fn deliver(director: &Director, job_id: i64, res: &Resource, ty: Type, line: &str) {
    let now = clock::local(clock::now());
    let line = escape_controls(line.trim_end_matches('\n'), true);
    let line = line.as_ref();
    let stamped = format!("{} {line}\n", now.message());
    tracing::debug!("{}", stamped.trim_end());
    let messages = director.messages();
    for d in destinations(res) {
        if d.types & ty.bit() == 0 {
            continue;
        }
        let place = d.where_.as_deref().unwrap_or("");
        match d.dest {
            Dest::Console => director.message((job_id > 0).then_some(job_id), stamped.clone()),
            // As in bacula-dir, only a job's messages have a Log row.
            Dest::Catalog if job_id > 0 => {
                match director.catalog().insert_log(job_id, &now.sql(), &stamped) {
                    Ok(_) => messages.worked("catalog"),
                    Err(e) => messages.failed(
                        director,
                        job_id,
                        "catalog",
                        &format!("Unable to store data in database: {e}"),
                    ),
                }
            }
            Dest::Catalog => {}
            Dest::Append => messages.write_file(director, job_id, place, &stamped, false),
            Dest::File => messages.write_file(director, job_id, place, &stamped, true),
            Dest::Stdout | Dest::Stderr => {
                let stream = match d.dest {
                    Dest::Stdout => Stream::Stdout,
                    _ => Stream::Stderr,
                };
                match stream.write(&stamped) {
                    Ok(()) => messages.worked(stream.place()),
                    Err(why) => messages.failed(director, job_id, stream.place(), &why),
                }
            }
            Dest::Syslog => {
                let allowed = messages.allowance("syslog", job_id);
                let (sent, waited) = syslog::send(ty, line, allowed);
                messages.spent("syslog", job_id, waited);
                match sent {
                    Ok(()) => messages.worked("syslog"),
                    Err(why) => messages.failed(director, job_id, "syslog", &why),
                }
            }
            // Bacula's daemons send these to their Director; the
            // Director has none above it (bacula-dir drops them too).
            Dest::Director => {}
            Dest::Mail | Dest::MailOnError | Dest::MailOnSuccess => {
                messages.collect(director, job_id, d, timeout_of(res), &stamped)
            }
            Dest::Operator => {
                let cfg = director.config();
                let codes = director
                    .jobs()
                    .data(job_id)
                    .map(|data| JobCodes::of(&cfg, data, None))
                    .unwrap_or_else(|| JobCodes::no_job(&cfg));
                let mut body = Body::default();
                body.add(&stamped);
                messages.outbox.post(
                    director,
                    Mail {
                        job_id,
                        dest: d.dest,
                        to: place.to_string(),
                        command: d.command.clone(),
                        timeout: timeout_of(res),
                        body,
                        codes,
                    },
                );
            }
        }
    }
}

fn works_again(place: &str, lost: usize) {
    tracing::warn!(
        "Message delivery to {place} works again; {lost} message(s) were lost while it failed"
    );
}

/// Writes `bytes` to a file opened without blocking, waiting at most
/// `allowed` in all for room (a FIFO whose reader is slow); with how long
/// it waited.
fn write_waiting(
    f: &mut std::fs::File,
    mut bytes: &[u8],
    allowed: Duration,
) -> (std::io::Result<()>, Duration) {
    use std::os::fd::AsRawFd;
    let started = Instant::now();
    while !bytes.is_empty() {
        match f.write(bytes) {
            Ok(0) => return (Err(std::io::ErrorKind::WriteZero.into()), started.elapsed()),
            Ok(n) => bytes = &bytes[n..],
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                let left = allowed.saturating_sub(started.elapsed());
                if left.is_zero() {
                    return (Err(e), started.elapsed());
                }
                let mut fd = libc::pollfd {
                    fd: f.as_raw_fd(),
                    events: libc::POLLOUT,
                    revents: 0,
                };
                // SAFETY: poll(2) on one descriptor this process owns.
                unsafe { libc::poll(&mut fd, 1, left.as_millis().max(1) as i32) };
            }
            Err(e) => return (Err(e), started.elapsed()),
        }
    }
    (Ok(()), started.elapsed())
}

/// A message about delivering messages: to rdird's log and, for a job,
/// to its catalog Log (`list joblog` shows it), never back through the
/// destinations that failed.
fn delivery_error(director: &Director, job_id: i64, why: &str) {
    tracing::error!("Message delivery ERROR: {why}");
    job_log(director, job_id, why);
}

/// A delivery error in the job's catalog Log only (rdird's log has it).
/// `why` may hold what a mail program printed (an SMTP server's answer
/// echoed by bsmtp): it is escaped as a message is.
fn job_log(director: &Director, job_id: i64, why: &str) {
    if job_id > 0 {
        let now = clock::local(clock::now());
        let text = format!(
            "{} {} JobId {job_id}: Message delivery ERROR: {}\n",
            now.message(),
            director.config().director().name,
            escape_controls(&continued(why), true)
        );
        if let Err(e) = director.catalog().insert_log(job_id, &now.sql(), &text) {
            tracing::error!("{e}");
        }
    }
}

impl Messages {
    /// The job starts with `cfg`: its messages keep to it until it ends.
    pub fn job_started(&self, job_id: i64, cfg: Arc<Config>) {
        lock(&self.started_with).insert(job_id, cfg);
    }

    /// The configuration the job started with; the Director's own
    /// messages, and a job's that come after its end, take the current one.
    fn config_of(&self, director: &Director, job_id: i64) -> Arc<Config> {
        lock(&self.started_with)
            .get(&job_id)
            .cloned()
            .unwrap_or_else(|| director.config())
    }

    /// A message to the destination `place` was lost: said once, in
    /// rdird's log and in the job's; each other job that loses messages to
    /// it, while it fails or until the jobs told end, gets one line in its
    /// log.
    fn failed(&self, director: &Director, job_id: i64, place: &str, why: &str) {
        let mut failing = lock(&self.failing);
        match failing.get_mut(place) {
            Some(f) => {
                f.lost += 1;
                f.down = true;
                let first_of_job = job_id > 0 && f.told.insert(job_id);
                drop(failing);
                if first_of_job {
                    job_log(
                        director,
                        job_id,
                        &format!("{place} fails (since before this job): messages to it are lost"),
                    );
                }
            }
            None => {
                failing.insert(
                    place.to_string(),
                    Failing {
                        down: true,
                        lost: 1,
                        told: HashSet::from([job_id]),
                    },
                );
                drop(failing);
                delivery_error(
                    director,
                    job_id,
                    &format!(
                        "{why}\nMessages to {place} are lost until it works again; said once."
                    ),
                );
            }
        }
    }

    /// The destination `place` took a message: if it had failed, and no
    /// running job was told so, that it works again, with how many
    /// messages it lost (else that is said when the last of those jobs
    /// ends).
    fn worked(&self, place: &str) {
        let mut failing = lock(&self.failing);
        let Some(f) = failing.get_mut(place) else {
            return;
        };
        f.down = false;
        if f.untold() {
            let lost = f.lost;
            failing.remove(place);
            drop(failing);
            works_again(place, lost);
        }
    }

    /// The job ended (or never started): the destinations that failed in
    /// it and work again are said to, and what it waited for slow ones and
    /// the configuration it started with are forgotten.
    pub fn job_ended(&self, job_id: i64) {
        lock(&self.waited).retain(|(_, j), _| *j != job_id);
        lock(&self.started_with).remove(&job_id);
        let mut again = Vec::new();
        lock(&self.failing).retain(|place, f| {
            f.told.remove(&job_id);
            let done = !f.down && f.untold();
            if done {
                again.push((place.clone(), f.lost));
            }
            !done
        });
        for (place, lost) in again {
            works_again(&place, lost);
        }
    }

    /// How long the next line of the job may wait for the slow destination
    /// `place`: `ROOM_WAIT`, less once the job has waited `JOB_WAIT` in all.
    fn allowance(&self, place: &str, job_id: i64) -> Duration {
        let used = lock(&self.waited)
            .get(&(place.to_string(), job_id))
            .copied()
            .unwrap_or_default();
        ROOM_WAIT.min(JOB_WAIT.saturating_sub(used))
    }

    fn spent(&self, place: &str, job_id: i64, waited: Duration) {
        if !waited.is_zero() {
            *lock(&self.waited)
                .entry((place.to_string(), job_id))
                .or_default() += waited;
        }
    }

    /// Appends to the file at `path`, opened for each line so that a file
    /// logrotate moved away is followed by a new one at `path`; a `file`
    /// destination (`truncate`) is emptied the first time it is written
    /// after the Director started. Opened without waiting: a FIFO nobody
    /// reads loses the line and says so; one whose reader is slow gives
    /// the line a short wait (`allowance`), so it holds the job a few
    /// seconds at most.
    fn write_file(&self, director: &Director, job_id: i64, path: &str, line: &str, truncate: bool) {
        let begin = truncate && lock(&self.files_begun).insert(path.to_string());
        let opened = std::fs::OpenOptions::new()
            .create(true)
            .append(!begin)
            .write(true)
            .truncate(begin)
            .custom_flags(libc::O_NONBLOCK)
            .open(path);
        let written = opened.and_then(|mut f| {
            let allowed = self.allowance(path, job_id);
            let (written, waited) = write_waiting(&mut f, line.as_bytes(), allowed);
            self.spent(path, job_id, waited);
            written
        });
        match written {
            Ok(()) => self.worked(path),
            Err(e) => self.failed(
                director,
                job_id,
                path,
                &format!("fopen {path} failed: ERR={e}"),
            ),
        }
    }

    /// Adds the line to the job's mail for `d`; a job that has ended has
    /// sent its mail, and its late messages reach the other destinations
    /// only.
    fn collect(
        &self,
        director: &Director,
        job_id: i64,
        d: &Destination,
        timeout: Duration,
        line: &str,
    ) {
        if job_id > 0 && !director.jobs().is_active(Some(job_id)) {
            return;
        }
        let mut batches = lock(&self.batches);
        let list = batches.entry(job_id).or_default();
        let to = d.where_.clone().unwrap_or_default();
        let at = match list.iter().position(|b| b.dest == d.dest && b.to == to) {
            Some(i) => i,
            None => {
                list.push(Batch {
                    dest: d.dest,
                    to,
                    command: d.command.clone(),
                    timeout,
                    body: Body::default(),
                });
                list.len() - 1
            }
        };
        list[at].body.add(line);
    }

    /// Mails what the job collected, once it has ended: `mail` always,
    /// `mailonerror` only if it did not end OK, `mailonsuccess` only if it
    /// did (OK: status T or W, as in Bacula's close_msg). Then the
    /// Director's own messages collected so far are mailed too, as
    /// bacula-dir flushes its daemon messages when a job is freed. The
    /// mails go to the outbox: a slow or hung mail command never holds
    /// the job.
    pub fn end_job(&self, director: &Director, codes: JobCodes) {
        let job_id = codes.job_id();
        let ok = codes.ended_ok();
        let batches = lock(&self.batches).remove(&job_id).unwrap_or_default();
        self.job_ended(job_id);
        for b in batches {
            let wanted = match b.dest {
                Dest::MailOnError => !ok,
                Dest::MailOnSuccess => ok,
                _ => true,
            };
            if wanted {
                self.outbox
                    .post(director, b.into_mail(job_id, codes.clone()));
            }
        }
        self.flush_director(director);
    }

    /// Mails the Director's own messages collected so far.
    fn flush_director(&self, director: &Director) {
        let batches = lock(&self.batches).remove(&0).unwrap_or_default();
        for b in batches {
            // A mailonerror or mailonsuccess of no job: bacula-dir counts
            // the Director's messages as not OK, so mailonerror sends.
            if b.dest != Dest::MailOnSuccess && !b.body.is_empty() {
                self.outbox.post(
                    director,
                    b.into_mail(0, JobCodes::no_job(&director.config())),
                );
            }
        }
    }

    /// At the Director's stop: the Director's own messages are mailed, and
    /// so are the mails of jobs still running, each saying it was cut short
    /// (bacula-dir 9.6.7 sends nothing for them); the mails being sent are
    /// waited for, `STOP_WAIT` at most, and then those not sent are said
    /// and their programs killed (bacula-dir 9.6.7 waits for each mail
    /// command for up to 120 s at its stop, so a hung mail program holds
    /// the whole stop).
    pub fn close(&self, director: &Director) {
        self.flush_director(director);
        let running: Vec<(i64, Vec<Batch>)> = lock(&self.batches).drain().collect();
        let cfg = director.config();
        for (job_id, batches) in running {
            let codes = director
                .jobs()
                .data(job_id)
                .map(|data| JobCodes::of(&cfg, data, None))
                .unwrap_or_else(|| JobCodes::no_job(&cfg));
            let note = format!(
                "{} {} JobId {job_id}: Warning: the Director stopped while this job was running: its mail ends here, without the job's end.\n",
                clock::local(clock::now()).message(),
                cfg.director().name
            );
            tracing::warn!(
                "JobId {job_id} was still running at the Director's stop; its mail says so"
            );
            // A job that did not end did not end OK.
            for mut b in batches
                .into_iter()
                .filter(|b| b.dest != Dest::MailOnSuccess)
            {
                b.body.add(&note);
                self.outbox
                    .post(director, b.into_mail(job_id, codes.clone()));
            }
        }
        self.outbox.close(director, STOP_WAIT);
        standard::drain(STANDARD_WAIT);
    }
}

#[cfg(test)]
mod tests {
    use super::{daemon_line, Type};

    #[test]
    fn a_daemon_line_gives_its_type_and_its_headed_text() {
        assert_eq!(
            daemon_line(
                "Jmsg JobId=3 type=9 level=1795668840 fd JobId 3:      Could not stat \"/x\"\n"
            ),
            Some((Type::Skipped, "fd JobId 3:      Could not stat \"/x\""))
        );
        assert_eq!(
            daemon_line("Jmsg JobId=3 type=99 level=1 sd JobId 3: odd"),
            Some((Type::Error, "sd JobId 3: odd"))
        );
        assert_eq!(daemon_line("2000 OK level"), None);
    }

    #[test]
    fn a_director_message_is_typed_by_its_heading() {
        assert_eq!(Type::of_text("Fatal error: no storage"), Type::Fatal);
        assert_eq!(Type::of_text("Error: Runscript failed"), Type::Error);
        assert_eq!(Type::of_text("Warning: low space"), Type::Warning);
        assert_eq!(Type::of_text("Start Backup JobId 1"), Type::Info);
    }
}
