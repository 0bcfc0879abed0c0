//! A job's live state: its attributes and its script-written report, shared
//! between the job's thread and whatever delivers its events.
//!
//! The job engine owns each job's [`JobState`]. Nothing here waits on the
//! script host, so a script that calls back into the Director cannot
//! deadlock it.

use std::sync::{Arc, Mutex, MutexGuard};

/// The events of one job, in the order they may come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum JobEvent {
    JobStart,
    JobInit,
    JobRun,
    NewVolume,
    VolumePurged,
    VolumeFull,
    JobEnd,
}

impl JobEvent {
    pub const ALL: [JobEvent; 7] = [
        JobEvent::JobStart,
        JobEvent::JobInit,
        JobEvent::JobRun,
        JobEvent::NewVolume,
        JobEvent::VolumePurged,
        JobEvent::VolumeFull,
        JobEvent::JobEnd,
    ];

    pub fn name(self) -> &'static str {
        match self {
            JobEvent::JobStart => "JobStart",
            JobEvent::JobInit => "JobInit",
            JobEvent::JobRun => "JobRun",
            JobEvent::NewVolume => "NewVolume",
            JobEvent::VolumePurged => "VolumePurged",
            JobEvent::VolumeFull => "VolumeFull",
            JobEvent::JobEnd => "JobEnd",
        }
    }

    pub fn from_name(name: &str) -> Option<JobEvent> {
        JobEvent::ALL.into_iter().find(|e| e.name() == name)
    }

    /// JobStart and JobEnd go to the daemon events object; the others to
    /// the job's own events object.
    pub fn is_daemon_event(self) -> bool {
        matches!(self, JobEvent::JobStart | JobEvent::JobEnd)
    }
}

/// The Catalog resource as scripts see it (`job.CatalogRes`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CatalogRes {
    pub db_name: Option<String>,
    pub address: Option<String>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub socket: Option<String>,
    pub port: i64,
    pub vendor: String,
}

/// A job's attributes, as the Director keeps them up to date (and sends
/// them to the script host's interpreter processes before each event).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct JobData {
    /// The Job resource's name.
    pub job: String,
    /// The unique name, `<Job>.<YYYY-MM-DD_HH.MM.SS>_<NN>`.
    pub job_name: String,
    pub job_id: i64,
    /// Type letter (`B` backup, …).
    pub job_type: char,
    /// Level letter (`F` full, …, ' ' none).
    pub level: char,
    pub client: String,
    pub pool: String,
    /// Where the pool came from, for the report ("Job resource", "Job
    /// FullPool override", …).
    pub pool_source: String,
    pub storage: String,
    /// Where the storage came from, for the report.
    pub storage_source: String,
    /// A Schedule's Full, Incremental and Differential pools for the job.
    pub level_pools: [Option<String>; 3],
    pub media_type: String,
    pub catalog: String,
    pub fileset: String,
    /// Whether the backup is accurate (the file daemon is given the
    /// files the catalog holds) and its data spooled by the storage
    /// daemon.
    pub accurate: bool,
    pub spool_data: bool,
    /// The Job record's Comment (`run comment=`).
    pub comment: String,
    /// Status letter (`C` created, `R` running, …).
    pub status: char,
    /// `stop` asked for it: the job ends Incomplete (`I`), to be resumed,
    /// once the file daemon has stopped it (or at once while it waits).
    pub stopped: bool,
    pub priority: i64,
    pub volume_name: String,
    pub catalog_res: CatalogRes,
    pub errors: i64,
    pub files: i64,
    pub bytes: i64,
    pub sd_files: i64,
    pub sd_errors: i64,
    pub fd_status: char,
    pub sd_status: char,
    /// Bytes the file daemon read from the client's disks (before
    /// compression), as its end-of-job line reports.
    pub read_bytes: i64,
    /// When the job was meant to run, started running and ended (unix
    /// time; 0 until known).
    pub sched_time: i64,
    pub start_time: i64,
    pub end_time: i64,
    /// The volumes the storage daemon wrote, in order.
    pub volumes: Vec<String>,
    /// The event being delivered, which decides what a script may write.
    pub event: Option<JobEvent>,
}

impl Default for JobData {
    fn default() -> JobData {
        JobData {
            job: String::new(),
            job_name: String::new(),
            job_id: 0,
            job_type: 'B',
            level: ' ',
            client: String::new(),
            pool: String::new(),
            pool_source: String::new(),
            storage: String::new(),
            storage_source: String::new(),
            level_pools: [None, None, None],
            media_type: String::new(),
            catalog: String::new(),
            fileset: String::new(),
            accurate: false,
            spool_data: false,
            comment: String::new(),
            stopped: false,
            status: 'C',
            priority: 10,
            volume_name: String::new(),
            catalog_res: CatalogRes::default(),
            errors: 0,
            files: 0,
            bytes: 0,
            sd_files: 0,
            sd_errors: 0,
            fd_status: ' ',
            sd_status: ' ',
            read_bytes: 0,
            sched_time: 0,
            start_time: 0,
            end_time: 0,
            volumes: Vec::new(),
            event: None,
        }
    }
}

impl JobData {
    /// Bytes per second over the job's run, as bacula-dir 9.6.7 works
    /// out its report's Rate (backup.c backup_cleanup: JobBytes over
    /// EndTime less StartTime, a run under a second counted as one); 0
    /// until the job has ended.
    pub fn last_rate(&self) -> i64 {
        if self.end_time == 0 || self.start_time == 0 {
            return 0;
        }
        self.bytes / (self.end_time - self.start_time).max(1)
    }
}

/// The most bytes of a job's report held in memory at once: lines are
/// held only until the Director passes them on, and a script writing
/// faster than that (or a line with no end) cannot make the Director
/// grow; the lines past it are dropped, and counted in a note.
pub const REPORT_BYTES: usize = 1 << 20;

/// The job report as messages: each complete line a script writes is one.
#[derive(Debug, Default)]
struct Report {
    /// The messages not passed on yet.
    messages: Vec<String>,
    partial: String,
    /// The bytes of `messages`.
    held: usize,
    /// Lines dropped past [`REPORT_BYTES`] since the last pass.
    dropped: usize,
}

impl Report {
    fn push(&mut self, line: String) {
        if self.held + line.len() > REPORT_BYTES {
            self.dropped += 1;
        } else {
            self.held += line.len();
            self.messages.push(line);
        }
    }

    /// The messages, with the note on the dropped ones.
    fn with_note(&self) -> Vec<String> {
        let mut out = self.messages.clone();
        if self.dropped > 0 {
            out.push(format!(
                "{} more lines of this job's report were dropped: the Director holds at most {} KiB of it at once",
                self.dropped,
                REPORT_BYTES / 1024
            ));
        }
        out
    }
}

/// A job as the script host sees it; the Director keeps `data` current.
#[derive(Debug, Default)]
pub struct JobState {
    data: Mutex<JobData>,
    report: Mutex<Report>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic elsewhere must not take the job's state down with it.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl JobState {
    pub fn new(data: JobData) -> Arc<JobState> {
        Arc::new(JobState {
            data: Mutex::new(data),
            report: Mutex::default(),
        })
    }

    /// The job's attributes, for reading or changing.
    pub fn data(&self) -> MutexGuard<'_, JobData> {
        lock(&self.data)
    }

    /// Adds one message to the job report.
    pub fn message(&self, text: &str) {
        lock(&self.report).push(text.to_string());
    }

    /// Appends script output: every complete line becomes one message.
    pub fn write(&self, text: &str) {
        let mut r = lock(&self.report);
        r.partial.push_str(text);
        while let Some(pos) = r.partial.find('\n') {
            let line: String = r.partial.drain(..=pos).collect();
            r.push(line.trim_end_matches('\n').to_string());
        }
        // A line with no end is bounded too.
        if r.partial.len() > REPORT_BYTES {
            let line = std::mem::take(&mut r.partial);
            r.push(line);
        }
    }

    /// Turns a partial line left by `write` into a message.
    pub fn flush(&self) {
        let mut r = lock(&self.report);
        if !r.partial.is_empty() {
            let line = std::mem::take(&mut r.partial);
            r.push(line);
        }
    }

    /// The report's messages not passed on yet.
    pub fn messages(&self) -> Vec<String> {
        lock(&self.report).with_note()
    }

    /// The messages written since the last call, for the Director to pass
    /// on as they come; they are no longer held.
    pub fn new_messages(&self) -> Vec<String> {
        let mut r = lock(&self.report);
        let out = r.with_note();
        r.messages.clear();
        r.held = 0;
        r.dropped = 0;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_holds_at_most_its_cap_until_passed_on_and_says_how_many_it_dropped() {
        let job = JobState::new(JobData::default());
        let line = "x".repeat(1000);
        for _ in 0..2000 {
            job.write(&format!("{line}\n"));
        }
        let held = job.new_messages();
        let bytes: usize = held.iter().map(String::len).sum();
        assert!(bytes <= REPORT_BYTES + 200, "{bytes}");
        assert_eq!(
            held.last().unwrap(),
            "952 more lines of this job's report were dropped: the Director holds at most 1024 KiB of it at once"
        );
        // Passed on, they are no longer held: the next lines fit again.
        job.write("after\n");
        assert_eq!(job.new_messages(), vec!["after".to_string()]);
        // A line with no end is bounded too.
        job.write(&"y".repeat(2 * REPORT_BYTES));
        assert!(job.new_messages()[0].starts_with("1 more lines"));
    }
}
