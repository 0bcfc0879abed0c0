//! The events interface the job engine calls at the contract's moments
//! (JobStart, JobInit, NewVolume, …), and the calls a script makes back
//! into the Director. The script host implements [`ScriptEvents`]; the
//! Director implements [`ScriptCalls`]. Job code knows nothing else of
//! scripting.

use std::sync::Arc;
use std::time::Duration;

use super::state::{JobEvent, JobState};

/// What happened when an event was delivered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventOutcome {
    /// A handler existed and was called.
    pub delivered: bool,
    /// The handler raised (or ran out of time): the traceback.
    pub error: Option<String>,
    pub elapsed: Duration,
}

/// Where the job engine delivers its events. No call waits longer than the
/// event's time limit and a second for the host to give the job back.
pub trait ScriptEvents: Send + Sync {
    /// Delivers `event` for `job`; returns once its handler returned or
    /// was given up on.
    fn event(&self, job: &Arc<JobState>, event: JobEvent) -> EventOutcome;

    /// NewVolume: the name the script chose, if it chose a legal one.
    fn new_volume(&self, job: &Arc<JobState>) -> Option<String> {
        job.data().volume_name.clear();
        let out = self.event(job, JobEvent::NewVolume);
        let name = job.data().volume_name.clone();
        (out.delivered && out.error.is_none() && !name.is_empty()).then_some(name)
    }

    /// `python restart`: loads the startup script again; the old one stays
    /// when the new one does not load.
    fn restart(&self) -> Result<(), String>;

    /// Delivers Exit and stops the host.
    fn exit(&self);
}

/// The calls a script makes back into the Director. None of them may wait
/// for the script host.
pub trait ScriptCalls: Send + Sync {
    /// Volumes in the pool, from the catalog.
    fn num_vols(&self, pool: &str) -> i64;
    /// Whether a Media record of that name exists.
    fn volume_exists(&self, name: &str) -> bool;
    /// Starts a job from a console `run` command line (without the word
    /// `run`) on behalf of `from`; its JobId, or why it could not start.
    fn run(&self, from: &JobState, command: &str) -> Result<i64, String>;
    /// Cancels a running or waiting job; false when there is no such job.
    fn cancel(&self, job_id: i64) -> bool;
    /// The script changed the job's level (the Job record must follow).
    fn level_changed(&self, job: &JobState);
    /// Whether the job has not ended yet (its report is still passed on).
    /// By default every job is: an implementation that sees jobs end says
    /// when.
    fn job_running(&self, _job_id: i64) -> bool {
        true
    }
    /// One line of script output that belongs to no job in flight (written
    /// at Exit, outside events, or to a job that has ended), for the
    /// Director's own messages, as bacula-dir 2.x sent it (Jmsg without a
    /// job). The script host has written it to the log already; by
    /// default that is all.
    fn director_message(&self, _line: &str) {}
    /// Passes on now what a script wrote to the report of a job in flight
    /// outside that job's own events, which would otherwise wait for the
    /// job's next event (or be lost after its last). By default the job's
    /// next event does it.
    fn pass_on(&self, _job: &JobState) {}
}
