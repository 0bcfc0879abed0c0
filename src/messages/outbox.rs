//! The mails being sent: one queue for the whole Director, a few senders.
//! A message for a place that already has a mail waiting (the Director's
//! own messages, an operator's mount requests) joins that mail, as
//! Bacula batches its daemon messages; one place gets one mail at a time;
//! and at most `SENDERS` mail programs run at once, whatever comes in (a
//! flood of failed console logins gives a few mails, each holding many
//! refusals, not one process and thread per refusal). At the Director's
//! stop, what is still waiting or running past the stop's wait is said
//! (in the job's log for a job's mail) and the programs still running
//! are killed with their process groups. The queue holds at most one
//! waiting mail per place; a mail waits for a free sender.
//!
//! A job's operator mail (a mount request: someone must act for the job
//! to go on) goes ahead of every other mail and has a sender of its own,
//! so a stalled relay that holds the job mails does not hold it; and the
//! Director's own mails (JobId 0: refused logins) take one sender at
//! most, so a flood of them does not hold the jobs' mails. bacula-dir
//! 9.6.7 sends each job's mail on the job's own thread.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::body::Body;
use super::mail::{self, JobCodes};
use super::{delivery_error, lock};
use crate::config::schema::Dest;
use crate::director::Director;

/// The most mail programs running at once for mails other than a job's
/// operator mail, Director-wide; one more runs a job's operator mail.
const SENDERS: usize = 4;

/// A mail to send.
pub(super) struct Mail {
    pub job_id: i64,
    pub dest: Dest,
    pub to: String,
    pub command: Option<String>,
    pub timeout: Duration,
    pub body: Body,
    pub codes: JobCodes,
}

/// Where a mail goes: for which job (0: the Director's own), to which
/// destination and recipients, through which command.
type Place = (i64, Dest, String, Option<String>);

impl Mail {
    fn place(&self) -> Place {
        (
            self.job_id,
            self.dest,
            self.to.clone(),
            self.command.clone(),
        )
    }

    fn what(&self) -> String {
        what(self.job_id, &self.to)
    }
}

/// A job's operator mail: it goes first, on a sender of its own.
fn urgent(place: &Place) -> bool {
    place.0 > 0 && place.1 == Dest::Operator
}

/// How a mail is named in a delivery error.
fn what(job_id: i64, to: &str) -> String {
    match job_id {
        0 => format!("the mail to {to}"),
        id => format!("the mail of JobId {id} to {to}"),
    }
}

/// A mail whose program runs.
struct Sending {
    id: u64,
    place: Place,
    pid: Option<i32>,
}

#[derive(Default)]
struct State {
    waiting: VecDeque<Mail>,
    sending: Vec<Sending>,
    senders: usize,
    next_id: u64,
    /// Set when the stop's wait is over: nothing more is sent.
    stopped: bool,
}

impl State {
    /// The first waiting mail that may go now: its place gets no mail
    /// now, and there is a sender for its kind (a job's operator mail
    /// first; the others while fewer than `SENDERS` of them are sent, the
    /// Director's own while none of them is).
    fn next(&mut self) -> Option<Mail> {
        let sending =
            |f: &dyn Fn(&Place) -> bool| self.sending.iter().filter(|s| f(&s.place)).count();
        let others = sending(&|p| !urgent(p));
        let own = sending(&|p| p.0 == 0);
        let may_go = |m: &Mail| {
            let place = m.place();
            !self.sending.iter().any(|s| s.place == place)
                && (urgent(&place) || (others < SENDERS && (place.0 != 0 || own == 0)))
        };
        let at = self
            .waiting
            .iter()
            .position(|m| urgent(&m.place()) && may_go(m))
            .or_else(|| self.waiting.iter().position(may_go))?;
        self.waiting.remove(at)
    }
}

#[derive(Default)]
pub(super) struct Outbox {
    state: Mutex<State>,
    changed: Condvar,
}

impl Outbox {
    /// Queues the mail (or adds it to the one waiting for its place) and
    /// starts a sender if one is free.
    pub(super) fn post(self: &Arc<Self>, director: &Director, mail: Mail) {
        let mut st = lock(&self.state);
        if st.stopped {
            drop(st);
            delivery_error(
                director,
                mail.job_id,
                &format!("{} is not sent: the Director is stopping", mail.what()),
            );
            return;
        }
        let place = mail.place();
        match st.waiting.iter_mut().find(|w| w.place() == place) {
            Some(w) => w.body.append(mail.body),
            None => st.waiting.push_back(mail),
        }
        if st.senders >= SENDERS + usize::from(urgent(&place)) {
            return;
        }
        let Some(director) = director.handle() else {
            tracing::error!(
                "Message delivery ERROR: the Director is going away; {} mail(s) are not sent",
                st.waiting.len()
            );
            st.waiting.clear();
            return;
        };
        st.senders += 1;
        drop(st);
        let me = self.clone();
        let started = std::thread::Builder::new()
            .name("mail".into())
            .spawn(move || me.sender(&director));
        if let Err(e) = started {
            lock(&self.state).senders -= 1;
            tracing::error!("Message delivery ERROR: cannot start a thread for mail: {e}");
        }
    }

    /// Sends waiting mails until none is left that may go now.
    fn sender(&self, director: &Director) {
        loop {
            let (mail, id) = {
                let mut st = lock(&self.state);
                let next = if st.stopped { None } else { st.next() };
                let Some(mail) = next else {
                    st.senders -= 1;
                    self.changed.notify_all();
                    return;
                };
                st.next_id += 1;
                let id = st.next_id;
                st.sending.push(Sending {
                    id,
                    place: mail.place(),
                    pid: None,
                });
                (mail, id)
            };
            if mail.body.left_out() > 0 {
                tracing::warn!(
                    "{} leaves out {} message(s): it was full",
                    mail.what(),
                    mail.body.left_out()
                );
            }
            let result = mail.body.parts(|parts| {
                mail::run(
                    mail.command.as_deref(),
                    &mail.to,
                    parts,
                    &mail.codes,
                    mail.timeout,
                    |pid| {
                        let mut st = lock(&self.state);
                        if let Some(s) = st.sending.iter_mut().find(|s| s.id == id) {
                            s.pid = Some(pid);
                        }
                    },
                )
            });
            let stopped = {
                let mut st = lock(&self.state);
                st.sending.retain(|s| s.id != id);
                self.changed.notify_all();
                st.stopped
            };
            match result {
                // The stop said already what became of it.
                Err(_) if stopped => {}
                Err(why) => delivery_error(director, mail.job_id, &why),
                Ok(()) => {}
            }
        }
    }

    /// At the Director's stop: waits `wait` at most for the mails to be
    /// sent; then says which were not, and kills the programs still
    /// running (their process groups), so none is left behind.
    pub(super) fn close(&self, director: &Director, wait: Duration) {
        let until = Instant::now() + wait;
        let mut st = lock(&self.state);
        while !(st.waiting.is_empty() && st.sending.is_empty()) {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            st = self
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        st.stopped = true;
        let waiting: Vec<Mail> = st.waiting.drain(..).collect();
        let running: Vec<(i64, String, Option<i32>)> = st
            .sending
            .iter()
            .map(|s| (s.place.0, s.place.2.clone(), s.pid))
            .collect();
        drop(st);
        for m in waiting {
            delivery_error(
                director,
                m.job_id,
                &format!(
                    "{} is not sent: the Director stopped before its turn",
                    m.what()
                ),
            );
        }
        for (job_id, to, pid) in running {
            if let Some(pid) = pid {
                // SAFETY: kill(2) on the process group of a mail program
                // this Director started and has not yet waited for.
                unsafe { libc::kill(-pid, libc::SIGKILL) };
            }
            delivery_error(
                director,
                job_id,
                &format!(
                    "{} is not sent: its program was still running at the Director's stop, after {} s, and was killed",
                    what(job_id, &to),
                    wait.as_secs()
                ),
            );
        }
        // The senders see their programs end and leave.
        let until = Instant::now() + Duration::from_secs(1);
        let mut st = lock(&self.state);
        while st.senders > 0 && !until.saturating_duration_since(Instant::now()).is_zero() {
            let left = until.saturating_duration_since(Instant::now());
            st = self
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }
}
