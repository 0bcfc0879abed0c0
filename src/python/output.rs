//! Where script output goes: `print`, `sys.stdout`, `sys.stderr` and
//! `bacula.write` write into the report of the job whose event is running,
//! one message per line. Output that belongs to no job in flight (outside
//! job events, at Exit, or written to the Job object of a job that has
//! ended, as Bacula's 2.x example does when its `sys.stdout` is the last
//! job's events object) goes to the Director log and the Director's own
//! messages.

use std::cell::RefCell;
use std::sync::Arc;

use rustpython_vm::builtins::PyStrRef;
use rustpython_vm::{pyclass, Py, PyPayload};

use crate::job::events::ScriptCalls;
use crate::job::JobState;

thread_local! {
    /// The job whose event the script host is delivering, if any.
    static CURRENT_JOB: RefCell<Option<Arc<JobState>>> = const { RefCell::new(None) };
    /// Partial lines written outside job events: stdout, stderr.
    static LOG_LINES: RefCell<[String; 2]> = const { RefCell::new([String::new(), String::new()]) };
    /// The Director that output outside job events is sent to.
    static DIRECTOR: RefCell<Option<Arc<dyn ScriptCalls>>> = const { RefCell::new(None) };
}

/// Makes `director` the destination of output outside job events on this
/// (the script host's) thread.
pub fn set_director(director: Arc<dyn ScriptCalls>) {
    DIRECTOR.with(|d| *d.borrow_mut() = Some(director));
}

/// Makes `job` the destination of script output until `leave_job`.
pub fn enter_job(job: Option<Arc<JobState>>) {
    CURRENT_JOB.with(|c| *c.borrow_mut() = job);
}

/// Ends an event: a partial line becomes a message, output goes to the log.
pub fn leave_job() {
    CURRENT_JOB.with(|c| {
        if let Some(job) = c.borrow_mut().take() {
            job.flush();
        }
    });
}

/// Whether `job` is the job whose event is running.
pub fn is_current(job: &JobState) -> bool {
    CURRENT_JOB.with(|c| c.borrow().as_ref().is_some_and(|j| std::ptr::eq(&**j, job)))
}

/// Writes `text` to the current job's report, or to the Director.
pub fn emit(text: &str, to_stderr: bool) {
    let job = CURRENT_JOB.with(|c| c.borrow().clone());
    match job {
        Some(job) => job.write(text),
        None => to_director(text, to_stderr),
    }
}

/// Writes `text` to the Director log and messages, one line at a time.
pub fn to_director(text: &str, to_stderr: bool) {
    let director = DIRECTOR.with(|d| d.borrow().clone());
    LOG_LINES.with(|l| {
        let buf = &mut l.borrow_mut()[usize::from(to_stderr)];
        buf.push_str(text);
        while let Some(pos) = buf.find('\n') {
            let line: String = buf.drain(..=pos).collect();
            let line = line.trim_end_matches('\n');
            if to_stderr {
                tracing::error!("python: {line}");
            } else {
                tracing::info!("python: {line}");
            }
            if let Some(d) = &director {
                d.director_message(line);
            }
        }
    });
}

/// The object rdird puts in `sys.stdout` and `sys.stderr`.
#[pyclass(module = "bacula", name = "Output")]
#[derive(Debug, PyPayload)]
pub struct PyOutput {
    pub stderr: bool,
}

#[pyclass]
impl PyOutput {
    #[pymethod]
    fn write(zelf: &Py<Self>, text: PyStrRef) -> usize {
        let s = text.to_string();
        emit(&s, zelf.stderr);
        s.chars().count()
    }

    #[pymethod]
    fn flush(_zelf: &Py<Self>) {}

    #[pymethod]
    fn isatty(_zelf: &Py<Self>) -> bool {
        false
    }

    #[pymethod]
    fn writable(_zelf: &Py<Self>) -> bool {
        true
    }
}
