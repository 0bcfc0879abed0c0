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
mod syslog;

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use body::Body;
use outbox::{Mail, Outbox};

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

/// A destination that fails: how many messages it lost since it did, and
/// the jobs whose log says so.
struct Failing {
    lost: usize,
    told: HashSet<i64>,
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
    /// By destination: a file's path, `syslog`, `catalog`.
    failing: Mutex<HashMap<String, Failing>>,
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

/// The Messages resource called `name`, or the first one (a job whose
/// Messages is not found still reports somewhere).
fn resource<'c>(cfg: &'c Config, name: Option<&str>) -> Option<&'c Resource> {
    name.and_then(|m| cfg.find(Kind::Messages, m))
        .or_else(|| cfg.all(Kind::Messages).next())
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
/// as bacula-dir does.
pub fn director_message(director: &Director, ty: Type, text: &str) {
    let cfg = director.config();
    let dir = cfg.director();
    let line = format!("{} JobId 0: {}{text}", dir.name, ty.heading());
    match dir
        .str("Messages")
        .and_then(|m| cfg.find(Kind::Messages, m))
    {
        Some(res) => deliver(director, 0, res, ty, &line),
        None => {
            // A standard output nobody reads (a closed pipe) must not take
            // the caller down, as println! would.
            let _ = writeln!(
                std::io::stdout(),
                "{} {line}",
                clock::local(clock::now()).message()
            );
        }
    }
}

/// A job's message, headed (`<name> JobId <n>: …`), to the destinations
/// of the Messages resource `messages` (the job's).
pub fn job_message(director: &Director, job_id: i64, messages: Option<&str>, ty: Type, line: &str) {
    let cfg = director.config();
    if let Some(res) = resource(&cfg, messages) {
        deliver(director, job_id, res, ty, line);
    }
}

/// `text` with its control characters written as `\xNN` (`\n` too unless
/// `lines`): a file name holding an escape sequence or a newline reaches
/// the administrator's terminal, log and mail as text, and cannot forge a
/// line of its own. bacula-dir 9.6.7 writes them raw (message.c
/// dispatch_message fputs the message as it came); rdird does better.
fn escape_controls(text: &str, lines: bool) -> std::borrow::Cow<'_, str> {
    let raw = |c: char| !c.is_control() || c == '\t' || (lines && c == '\n');
    if text.chars().all(raw) {
        return text.into();
    }
    text.chars()
        .map(|c| {
            if raw(c) {
                c.to_string()
            } else {
                format!("\\x{:02x}", c as u32)
            }
        })
        .collect::<String>()
        .into()
}

/// A daemon's message on one line: what a daemon sends comes from what it
/// reads (file names), so a newline in it is written escaped, as any
/// other control character.
pub fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    escape_controls(text.trim_end_matches('\n'), false)
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
            Dest::Stdout => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(stamped.as_bytes());
                let _ = out.flush();
            }
            Dest::Stderr => {
                let _ = std::io::stderr().lock().write_all(stamped.as_bytes());
            }
            Dest::Syslog => match syslog::send(ty, line) {
                Ok(()) => messages.worked("syslog"),
                Err(why) => messages.failed(director, job_id, "syslog", &why),
            },
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

/// A message about delivering messages: to rdird's log and, for a job,
/// to its catalog Log (`list joblog` shows it), never back through the
/// destinations that failed.
fn delivery_error(director: &Director, job_id: i64, why: &str) {
    tracing::error!("Message delivery ERROR: {why}");
    job_log(director, job_id, why);
}

/// A delivery error in the job's catalog Log only (rdird's log has it).
fn job_log(director: &Director, job_id: i64, why: &str) {
    if job_id > 0 {
        let now = clock::local(clock::now());
        let text = format!(
            "{} {} JobId {job_id}: Message delivery ERROR: {why}\n",
            now.message(),
            director.config().director().name
        );
        if let Err(e) = director.catalog().insert_log(job_id, &now.sql(), &text) {
            tracing::error!("{e}");
        }
    }
}

impl Messages {
    /// A message to the destination `place` was lost: said once, in
    /// rdird's log and in the job's, until it works again; the jobs that
    /// lose messages to it after that get one line in their log each.
    fn failed(&self, director: &Director, job_id: i64, place: &str, why: &str) {
        let mut failing = lock(&self.failing);
        match failing.get_mut(place) {
            Some(f) => {
                f.lost += 1;
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

    /// The destination `place` took a message: if it had failed, that it
    /// works again, with how many messages it lost.
    fn worked(&self, place: &str) {
        let Some(f) = lock(&self.failing).remove(place) else {
            return;
        };
        tracing::warn!(
            "Message delivery to {place} works again; {} message(s) were lost while it failed",
            f.lost
        );
    }

    /// Appends to the file at `path`, opened for each line so that a file
    /// logrotate moved away is followed by a new one at `path`; a `file`
    /// destination (`truncate`) is emptied the first time it is written
    /// after the Director started. Opened and written without waiting: a
    /// FIFO nobody reads (or a device that would block) loses the line and
    /// says so, it never holds the job.
    fn write_file(&self, director: &Director, job_id: i64, path: &str, line: &str, truncate: bool) {
        let begin = truncate && lock(&self.files_begun).insert(path.to_string());
        let opened = std::fs::OpenOptions::new()
            .create(true)
            .append(!begin)
            .write(true)
            .truncate(begin)
            .custom_flags(libc::O_NONBLOCK)
            .open(path);
        let written = opened.and_then(|mut f| f.write_all(line.as_bytes()));
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
