//! The job queue: a job waits until the Maximum Concurrent Jobs of the
//! Director and of its Job, Client and Storage resources let it run, and
//! among waiting jobs the lower Priority goes first (then the older
//! JobId). While it waits its status says why: `d` (the Director's
//! limit), `j` (the Job's), `c` (the Client's), `s` (the Storage's) or `p`
//! (a job of higher priority is ahead).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::python::JobState;

struct Entry {
    job_id: i64,
    priority: i64,
    /// The Job, Client and Storage resources the job holds while it runs
    /// (Admin jobs hold no Client or Storage) and their limits.
    holds: [Option<(String, usize)>; 3],
}

impl Entry {
    /// The first resource (0 Job, 1 Client, 2 Storage) at its limit.
    fn blocked_by(&self, running: &[Entry]) -> Option<usize> {
        (0..3).find(|&i| {
            self.holds[i].as_ref().is_some_and(|(name, max)| {
                running
                    .iter()
                    .filter(|r| r.holds[i].as_ref().is_some_and(|(n, _)| n == name))
                    .count()
                    >= *max
            })
        })
    }
}

#[derive(Default)]
struct State {
    waiting: Vec<Entry>,
    running: Vec<Entry>,
}

/// Jobs waiting to run and running.
#[derive(Default)]
pub struct Queue {
    state: Mutex<State>,
    changed: Condvar,
}

/// A job's limits: the Maximum Concurrent Jobs of the Director, and of
/// the Job, Client and Storage resources it uses, by name.
pub struct Limits {
    pub director_max: usize,
    pub job: (String, usize),
    pub client: Option<(String, usize)>,
    pub storage: Option<(String, usize)>,
}

impl Queue {
    /// Waits for the job's turn; false if it was canceled while waiting.
    pub fn acquire(&self, job: &JobState, limits: &Limits, canceled: &AtomicBool) -> bool {
        let (job_id, priority) = {
            let d = job.data();
            (d.job_id, d.priority)
        };
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.waiting.push(Entry {
            job_id,
            priority,
            holds: [
                Some(limits.job.clone()),
                limits.client.clone(),
                limits.storage.clone(),
            ],
        });
        loop {
            let mut order: Vec<&Entry> = s.waiting.iter().collect();
            order.sort_by_key(|e| (e.priority, e.job_id));
            let first = order
                .iter()
                .find(|e| e.blocked_by(&s.running).is_none())
                .map(|e| e.job_id);
            let director_free = s.running.len() < limits.director_max;
            if director_free && first == Some(job_id) {
                if let Some(pos) = s.waiting.iter().position(|e| e.job_id == job_id) {
                    let entry = s.waiting.remove(pos);
                    s.running.push(entry);
                }
                return true;
            }
            if canceled.load(Ordering::SeqCst) {
                s.waiting.retain(|e| e.job_id != job_id);
                self.changed.notify_all();
                return false;
            }
            let blocked = s
                .waiting
                .iter()
                .find(|e| e.job_id == job_id)
                .and_then(|e| e.blocked_by(&s.running));
            job.data().status = match (director_free, blocked) {
                (false, _) => 'd',
                (_, Some(0)) => 'j',
                (_, Some(1)) => 'c',
                (_, Some(_)) => 's',
                (_, None) => 'p',
            };
            s = self
                .changed
                .wait_timeout(s, Duration::from_millis(200))
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// The job ended: its place goes to the next.
    pub fn release(&self, job_id: i64) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.running.retain(|e| e.job_id != job_id);
        self.changed.notify_all();
    }
}
