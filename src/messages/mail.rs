//! The mail and operator commands: the command line built from
//! `mailcommand` / `operatorcommand` with Bacula's `%` codes, and its run
//! with the mail on its standard input, killed at a time limit.

use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::{Config, Kind};
use crate::job::runscript::{expand, job_code};
use crate::job::JobData;

/// What a mail's `%` codes stand for: the job it reports (none for the
/// Director's own messages) and what the job's state does not hold.
#[derive(Debug, Clone, Default)]
pub struct JobCodes {
    pub director: String,
    pub job: Option<JobData>,
    /// `%s`: the since time of an Incremental or Differential.
    pub since: Option<String>,
    /// `%h`: the client's address.
    pub client_address: String,
}

impl JobCodes {
    /// The codes of a job, from its state and the configuration.
    pub fn of(cfg: &Config, job: JobData, since: Option<String>) -> JobCodes {
        let client_address = cfg
            .find(Kind::Client, &job.client)
            .and_then(|c| c.str("Address"))
            .unwrap_or("")
            .to_string();
        JobCodes {
            director: cfg.director().name.clone(),
            job: Some(job),
            since,
            client_address,
        }
    }

    /// The codes of a message of no job: the Director's name, and
    /// `*none*` for the job's.
    pub(super) fn no_job(cfg: &Config) -> JobCodes {
        JobCodes {
            director: cfg.director().name.clone(),
            ..JobCodes::default()
        }
    }

    pub(super) fn job_id(&self) -> i64 {
        self.job.as_ref().map_or(0, |j| j.job_id)
    }

    /// Whether the job ended OK (T, or W: OK with warnings).
    pub(super) fn ended_ok(&self) -> bool {
        self.job
            .as_ref()
            .is_some_and(|j| matches!(j.status, 'T' | 'W'))
    }

    /// The value of code `k` (`%r`, the recipients, is the caller's), as
    /// bacula-dir's edit_job_codes and job_code_callback_director give
    /// it: `*none*` for a job code when there is no job.
    fn value(&self, k: char) -> Option<String> {
        let Some(d) = &self.job else {
            return match k {
                'd' | 'D' => Some(self.director.clone()),
                'P' => Some(std::process::id().to_string()),
                'c' | 'e' | 'i' | 'j' | 'l' | 'n' | 's' | 't' | 'v' | 'E' | 'F' | 'b' | 'o'
                | 'R' => Some("*none*".into()),
                'f' | 'h' | 'p' | 'w' | 'x' | 'C' | 'I' => Some(String::new()),
                _ => None,
            };
        };
        if let Some(v) = job_code(d, &self.director, k) {
            return Some(v);
        }
        Some(match k {
            'D' => self.director.clone(),
            's' => self.since.clone().unwrap_or_else(|| "*none*".into()),
            'v' => d.volume_name.clone(),
            'E' => d.errors.to_string(),
            'F' => d.files.to_string(),
            'b' => d.bytes.to_string(),
            'R' => d.bytes.to_string(),
            'o' => d.priority.to_string(),
            'P' => std::process::id().to_string(),
            'h' => self.client_address.clone(),
            'p' => d.pool.clone(),
            'w' => d.storage.clone(),
            'x' | 'C' => "no".into(),
            'I' => "0".into(),
            _ => return None,
        })
    }
}

/// The words of a command as bacula-dir's build_argc_argv splits it: at
/// spaces, except that a word beginning with `"` or `'` runs to the same
/// quote; with whether each was quoted.
fn words(command: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut rest = command.trim_start_matches([' ', '\t']);
    while !rest.is_empty() {
        let quote = rest.chars().next().filter(|c| matches!(c, '"' | '\''));
        let (word, after) = match quote {
            Some(q) => {
                let body = &rest[1..];
                match body.find(q) {
                    Some(end) => (&body[..end], &body[end + 1..]),
                    None => (body, ""),
                }
            }
            None => match rest.find(' ') {
                Some(end) => (&rest[..end], &rest[end + 1..]),
                None => (rest, ""),
            },
        };
        out.push((word, quote.is_some()));
        rest = after.trim_start_matches([' ', '\t']);
    }
    out
}

/// The program and arguments for a mail to `to` (space-separated
/// recipients). The command is split into words first and the codes are
/// replaced inside each word, so a value (a client name with a space or
/// a quote) stays in its word; a bare `%r` gives one argument per
/// recipient, as in bacula-dir. bacula-dir 9.6.7 replaces the codes
/// first and splits after, so a value holding a space or a quote splits
/// the command's words; rdird does better there. Without a command, the
/// mail goes to sendmail, as bacula-dir sends it.
pub(super) fn command_line(command: Option<&str>, to: &str, codes: &JobCodes) -> Vec<String> {
    let Some(command) = command else {
        let mut argv = vec![
            "/usr/lib/sendmail".to_string(),
            "-F".into(),
            "Bacula".into(),
        ];
        argv.extend(to.split_whitespace().map(str::to_string));
        return argv;
    };
    let code = |k: char| match k {
        'r' => Some(to.to_string()),
        _ => codes.value(k),
    };
    let mut argv = Vec::new();
    for (word, quoted) in words(command) {
        if !quoted && word == "%r" {
            argv.extend(to.split_whitespace().map(str::to_string));
        } else {
            argv.push(expand(word, &code));
        }
    }
    argv
}

/// How much of a mail program's output (stdout and stderr each) is kept
/// for the delivery error; the rest is read and dropped.
const OUTPUT_KEPT: usize = 4096;

/// How often a running mail program is looked at while it neither reads
/// nor writes.
const TICK: i32 = 50;

/// One of the mail program's output pipes: what is kept of it, how much
/// was dropped, whether it is still open.
struct Output<R> {
    pipe: Option<R>,
    kept: Vec<u8>,
    dropped: usize,
}

impl<R: Read> Output<R> {
    /// Reads what the pipe holds now (64 KB at most: a program that
    /// writes without end is read at the next tick), without waiting.
    fn drain(&mut self) {
        let mut buf = [0u8; 8192];
        for _ in 0..8 {
            let Some(pipe) = &mut self.pipe else {
                return;
            };
            match pipe.read(&mut buf) {
                Ok(0) => self.pipe = None,
                Ok(n) => {
                    let room = OUTPUT_KEPT.saturating_sub(self.kept.len()).min(n);
                    self.kept.extend_from_slice(&buf[..room]);
                    self.dropped += n - room;
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return,
                Err(_) => self.pipe = None,
            }
        }
    }

    fn said(&self) -> String {
        let mut s = String::from_utf8_lossy(&self.kept).into_owned();
        if self.dropped > 0 {
            s.push_str(&format!(
                "\n[{} more bytes of output not kept]",
                self.dropped
            ));
        }
        s
    }
}

fn nonblocking(fd: RawFd) {
    // SAFETY: fcntl(2) on a descriptor this process owns.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
}

/// Runs the command with `input` (the mail, in parts) on its standard
/// input; `started` is told its process id (its process group's too).
/// One thread does it all, never waiting on a pipe: what the program
/// writes is read as it comes (4 KB kept, the rest dropped, so one that
/// prints without end costs nothing), and once it has exited its pipes
/// are read for what they already hold and closed, so a child it left
/// behind holding them (a daemonising mailer) is not waited for. An error
/// says what went wrong (it could not start, it said something, it
/// exited in error, it ran past `limit` and was killed).
pub(super) fn run(
    command: Option<&str>,
    to: &str,
    input: &[&[u8]],
    codes: &JobCodes,
    limit: Duration,
    started: impl FnOnce(i32),
) -> Result<(), String> {
    let argv = command_line(command, to, codes);
    let shown = argv.join(" ");
    let Some((program, args)) = argv.split_first() else {
        return Err("the mail command is empty".into());
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so that a kill at the time limit ends
        // whatever it started too.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("open mail pipe {shown} failed: ERR={e}"))?;
    started(child.id() as i32);
    let subject: &[u8] = b"Subject: Bacula Message\r\n\r\n";
    let mut pending: Vec<&[u8]> = Vec::with_capacity(input.len() + 1);
    if command.is_none() {
        pending.push(subject);
    }
    pending.extend(input.iter().copied().filter(|p| !p.is_empty()));
    pending.reverse();
    let mut stdin = child.stdin.take();
    let mut out = Output {
        pipe: child.stdout.take(),
        kept: Vec::new(),
        dropped: 0,
    };
    let mut err = Output {
        pipe: child.stderr.take(),
        kept: Vec::new(),
        dropped: 0,
    };
    for fd in [
        stdin.as_ref().map(|p| p.as_raw_fd()),
        out.pipe.as_ref().map(|p| p.as_raw_fd()),
        err.pipe.as_ref().map(|p| p.as_raw_fd()),
    ]
    .into_iter()
    .flatten()
    {
        nonblocking(fd);
    }
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => {}
            Err(e) => return Err(format!("waiting for {shown}: {e}")),
        }
        if pending.is_empty() {
            // All written: the end of the input tells the program so.
            stdin = None;
        }
        let mut fds: Vec<libc::pollfd> = [
            stdin.as_ref().map(|p| (p.as_raw_fd(), libc::POLLOUT)),
            out.pipe.as_ref().map(|p| (p.as_raw_fd(), libc::POLLIN)),
            err.pipe.as_ref().map(|p| (p.as_raw_fd(), libc::POLLIN)),
        ]
        .into_iter()
        .flatten()
        .map(|(fd, events)| libc::pollfd {
            fd,
            events,
            revents: 0,
        })
        .collect();
        // SAFETY: poll(2) on descriptors this process owns, for one tick.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, TICK) };
        if let Some(pipe) = &mut stdin {
            while let Some(part) = pending.last_mut() {
                match pipe.write(part) {
                    Ok(n) if n == part.len() => {
                        pending.pop();
                    }
                    Ok(n) => *part = &part[n..],
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                    // It stopped reading (it exited, or closed its input):
                    // its exit status says whether that was wrong.
                    Err(_) => {
                        pending.clear();
                        break;
                    }
                }
            }
        }
        out.drain();
        err.drain();
    };
    if status.is_none() {
        // SAFETY: kill(2) on the process group the child leads.
        unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
        let _ = child.wait();
    }
    out.drain();
    err.drain();
    let said = format!("{}{}", out.said(), err.said());
    let said = said.trim();
    match status {
        None => Err(format!(
            "Mail program killed after {} s, its time limit (Mail Command Timeout).\nCMD={shown}",
            limit.as_secs()
        )),
        Some(s) if !s.success() => Err(format!(
            "Mail program terminated in error.\nCMD={shown}\nERR={s}{}",
            if said.is_empty() {
                String::new()
            } else {
                format!("\n{said}")
            }
        )),
        Some(_) if !said.is_empty() => Err(format!("Mail prog: {said}\nCMD={shown}")),
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::{command_line, JobCodes};
    use crate::job::JobData;

    fn codes() -> JobCodes {
        JobCodes {
            director: "dir".into(),
            job: Some(JobData {
                job: "Nightly".into(),
                job_name: "Nightly.2026-12-01_01.00.00_03".into(),
                job_id: 7,
                job_type: 'B',
                level: 'I',
                client: "odd \"client\" name".into(),
                status: 'f',
                ..JobData::default()
            }),
            since: None,
            client_address: "10.0.0.2".into(),
        }
    }

    #[test]
    fn debians_mailcommand_gives_bsmtp_its_arguments_with_the_codes_replaced() {
        let argv = command_line(
            Some("/usr/sbin/bsmtp -h localhost -f \"(Bacula) <%r>\" -s \"Bacula: %t %e of %c %l\" %r"),
            "root admin@example.org",
            &codes(),
        );
        assert_eq!(
            argv,
            [
                "/usr/sbin/bsmtp",
                "-h",
                "localhost",
                "-f",
                "(Bacula) <root admin@example.org>",
                "-s",
                "Bacula: Backup Fatal Error of odd \"client\" name Incremental",
                "root",
                "admin@example.org",
            ]
        );
    }

    #[test]
    fn codes_of_no_job_are_none_as_in_bacula() {
        let argv = command_line(
            Some("m %i %j %d %% %h %q"),
            "root",
            &JobCodes {
                director: "dir".into(),
                ..JobCodes::default()
            },
        );
        assert_eq!(argv, ["m", "*none*", "*none*", "dir", "%", "", "%q"]);
    }

    #[test]
    fn a_value_never_makes_a_word_of_its_own() {
        let argv = command_line(Some("m -s %c %r"), "root", &codes());
        assert_eq!(argv, ["m", "-s", "odd \"client\" name", "root"]);
    }
}
