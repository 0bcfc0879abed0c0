//! Where script output goes: `print`, `sys.stdout`, `sys.stderr` and
//! `bacula.write` write into the report of the job whose event is running,
//! one message per line, and outside job events into the Director log.

use std::cell::RefCell;
use std::sync::Arc;

use rustpython_vm::builtins::PyStrRef;
use rustpython_vm::{pyclass, Py, PyPayload};

use crate::job::JobState;

thread_local! {
    /// The job whose event the script host is delivering, if any.
    static CURRENT_JOB: RefCell<Option<Arc<JobState>>> = const { RefCell::new(None) };
    /// Partial lines written outside job events: stdout, stderr.
    static LOG_LINES: RefCell<[String; 2]> = const { RefCell::new([String::new(), String::new()]) };
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

/// Writes `text` to the current job's report, or to the Director log.
pub fn emit(text: &str, to_stderr: bool) {
    let job = CURRENT_JOB.with(|c| c.borrow().clone());
    if let Some(job) = job {
        job.write(text);
        return;
    }
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
