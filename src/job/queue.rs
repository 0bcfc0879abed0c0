//! The job queue: a job waits until the Maximum Concurrent Jobs of the
//! Director and of its Job, Client and Storage resources let it run, and
//! among waiting jobs the lower Priority goes first (then the older
//! JobId). As in Bacula, a job starts only beside running jobs of its own
//! priority, unless it and every running job allow mixed priorities and it
//! comes first. While it waits its status says why: `d` (the Director's
//! limit), `j` (the Job's), `c` (the Client's), `s` (the Storage's) or `p`
//! (jobs of another priority run or are ahead).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use super::JobState;

struct Entry {
    job_id: i64,
    priority: i64,
    /// The Job's Allow Mixed Priority.
    mixed: bool,
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
    /// The Job's Allow Mixed Priority.
    pub allow_mixed: bool,
}

/// The job that may start now, and what each waiting job waits for.
fn decide(s: &State, director_max: usize) -> (Option<i64>, Vec<(i64, char)>) {
    let mut order: Vec<&Entry> = s.waiting.iter().collect();
    order.sort_by_key(|e| (e.priority, e.job_id));
    if s.running.len() >= director_max {
        return (None, order.iter().map(|e| (e.job_id, 'd')).collect());
    }
    // Bacula compares with the job that has run longest.
    let running = s.running.first().map(|r| r.priority);
    let running_mixed = s.running.iter().all(|r| r.mixed);
    let mut start = None;
    let mut waits = Vec::new();
    let mut behind = false;
    for e in order {
        let priority_ok = match running {
            None => true,
            Some(p) => e.priority == p || (e.priority < p && e.mixed && running_mixed),
        };
        behind |= !priority_ok;
        let letter = if behind {
            'p'
        } else {
            match e.blocked_by(&s.running) {
                Some(0) => 'j',
                Some(1) => 'c',
                Some(_) => 's',
                None if start.is_none() => {
                    start = Some(e.job_id);
                    continue;
                }
                None => 'p',
            }
        };
        waits.push((e.job_id, letter));
    }
    (start, waits)
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
            mixed: limits.allow_mixed,
            holds: [
                Some(limits.job.clone()),
                limits.client.clone(),
                limits.storage.clone(),
            ],
        });
        // A job behind this one may now wait for something else.
        self.changed.notify_all();
        loop {
            let (start, waits) = decide(&s, limits.director_max);
            if start == Some(job_id) {
                if let Some(pos) = s.waiting.iter().position(|e| e.job_id == job_id) {
                    let entry = s.waiting.remove(pos);
                    s.running.push(entry);
                }
                self.changed.notify_all();
                return true;
            }
            if canceled.load(Ordering::SeqCst) {
                s.waiting.retain(|e| e.job_id != job_id);
                self.changed.notify_all();
                return false;
            }
            if let Some((_, letter)) = waits.iter().find(|(id, _)| *id == job_id) {
                job.data().status = *letter;
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(job_id: i64, priority: i64, mixed: bool, client: &str) -> Entry {
        Entry {
            job_id,
            priority,
            mixed,
            holds: [
                Some((format!("job{job_id}"), 1)),
                Some((client.to_string(), 2)),
                Some(("st".to_string(), 4)),
            ],
        }
    }

    fn state(running: Vec<Entry>, waiting: Vec<Entry>) -> State {
        State { waiting, running }
    }

    #[test]
    fn the_lowest_priority_number_goes_first() {
        let s = state(
            vec![],
            vec![entry(1, 20, false, "a"), entry(2, 5, false, "a")],
        );
        assert_eq!(decide(&s, 10), (Some(2), vec![(1, 'p')]));
    }

    #[test]
    fn a_higher_priority_waits_for_running_jobs_unless_all_allow_mixing() {
        let waiting = || vec![entry(2, 5, true, "b"), entry(3, 10, false, "b")];
        let s = state(vec![entry(1, 10, false, "a")], waiting());
        assert_eq!(decide(&s, 10), (None, vec![(2, 'p'), (3, 'p')]));
        let s = state(vec![entry(1, 10, true, "a")], waiting());
        assert_eq!(decide(&s, 10), (Some(2), vec![(3, 'p')]));
    }

    #[test]
    fn limits_give_their_letters() {
        let s = state(
            vec![
                entry(1, 10, false, "a"),
                entry(2, 10, false, "a"),
                entry(3, 10, false, "b"),
                entry(4, 10, false, "b"),
            ],
            vec![entry(5, 10, false, "a"), entry(6, 10, false, "c")],
        );
        assert_eq!(decide(&s, 10), (None, vec![(5, 'c'), (6, 's')]));
        assert_eq!(decide(&s, 4), (None, vec![(5, 'd'), (6, 'd')]));
        let mut s = s;
        s.running.pop();
        assert_eq!(decide(&s, 10), (Some(6), vec![(5, 'c')]));
    }
}
