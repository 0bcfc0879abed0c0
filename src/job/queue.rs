//! The job queue: a job waits until the Director's and its Job resource's
//! Maximum Concurrent Jobs let it run, and among waiting jobs the lower
//! Priority goes first (then the older JobId). While it waits its status
//! says why: `d` (the Director's limit), `j` (the Job's limit) or `p` (a
//! job of higher priority is ahead).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::python::JobState;

struct Entry {
    job_id: i64,
    name: String,
    priority: i64,
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

/// A job's limits.
pub struct Limits {
    pub director_max: usize,
    pub job_max: usize,
}

impl Queue {
    /// Waits for the job's turn; false if it was canceled while waiting.
    pub fn acquire(&self, job: &JobState, limits: &Limits, canceled: &AtomicBool) -> bool {
        let (job_id, name, priority) = {
            let d = job.data();
            (d.job_id, d.job.clone(), d.priority)
        };
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        s.waiting.push(Entry {
            job_id,
            name: name.clone(),
            priority,
        });
        loop {
            let same_name = |list: &[Entry], n: &str| list.iter().filter(|e| e.name == n).count();
            let mut order: Vec<&Entry> = s.waiting.iter().collect();
            order.sort_by_key(|e| (e.priority, e.job_id));
            let first = order
                .iter()
                .find(|e| same_name(&s.running, &e.name) < limits.job_max)
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
            job.data().status = if !director_free {
                'd'
            } else if same_name(&s.running, &name) >= limits.job_max {
                'j'
            } else {
                'p'
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
