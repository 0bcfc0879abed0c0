//! Termination reports in bacula-dir's layout.

use crate::clock;
use crate::config::Config;
use crate::python::JobState;

/// The report of an Admin job.
pub fn admin(cfg: &Config, state: &JobState, sched: i64, start: i64, end: i64) -> String {
    let d = state.data();
    let termination = match d.status {
        'T' => "Admin OK",
        'A' => "Admin Canceled",
        _ => "*** Admin Error ***",
    };
    format!(
        "rdird {} {} ({}):\n\
         \x20 Build OS:               {}-{}\n\
         \x20 JobId:                  {}\n\
         \x20 Job:                    {}\n\
         \x20 Scheduled time:         {}\n\
         \x20 Start time:             {}\n\
         \x20 End time:               {}\n\
         \x20 Termination:            {termination}\n",
        cfg.director().name,
        env!("CARGO_PKG_VERSION"),
        env!("RDIRD_BUILD_DATE"),
        std::env::consts::ARCH,
        std::env::consts::OS,
        d.job_id,
        d.job_name,
        clock::local(sched).report(),
        clock::local(start).report(),
        clock::local(end).report(),
    )
}
