//! `bacula.Job`: the Job object a script receives in every event. It only
//! translates between Python and the job's [`JobState`]; the rules of which
//! attribute may be written when are the contract's.

use std::sync::Arc;

use rustpython_vm::builtins::{PyInt, PyStr, PyStrRef};
use rustpython_vm::function::PySetterValue;
use rustpython_vm::types::{GetAttr, SetAttr};
use rustpython_vm::{
    pyclass, AsObject, Py, PyObjectRef, PyPayload, PyResult, Traverse, VirtualMachine,
};

use super::output;
use crate::job::events::ScriptCalls;
use crate::job::names;
use crate::job::{JobEvent, JobState};

/// A job, seen from Python.
#[pyclass(module = "bacula", name = "Job", traverse)]
#[derive(PyPayload)]
pub struct PyJob {
    #[pytraverse(skip)]
    pub state: Arc<JobState>,
    #[pytraverse(skip)]
    director: Arc<dyn ScriptCalls>,
    events: rustpython_vm::common::lock::PyMutex<Option<PyObjectRef>>,
}

impl std::fmt::Debug for PyJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Job({})", self.state.data().job_id)
    }
}

impl PyJob {
    pub fn new(state: Arc<JobState>, director: Arc<dyn ScriptCalls>) -> PyJob {
        PyJob {
            state,
            director,
            events: Default::default(),
        }
    }

    /// Adds script text to this job's report: at once while one of its
    /// events runs; passed on at once while it is in flight otherwise (no
    /// event of its own would pass it on in order, and after its JobEnd
    /// none would at all); to the Director's messages once it has ended.
    /// `whole` makes `text` one message, else each complete line is one.
    fn report(&self, text: &str, whole: bool) {
        let add = |s: &JobState| match whole {
            true => s.message(text.trim_end_matches('\n')),
            false => s.write(text),
        };
        if output::is_current(&self.state) {
            add(&self.state);
        } else if self.director.job_running(self.state.data().job_id) {
            add(&self.state);
            self.director.pass_on(&self.state);
        } else if whole {
            output::to_director(&format!("{}\n", text.trim_end_matches('\n')), false);
        } else {
            output::to_director(text, false);
        }
    }

    /// The object the script registered with `job.set_events`.
    pub fn events(&self) -> Option<PyObjectRef> {
        self.events.lock().clone()
    }
}

fn opt_str(vm: &VirtualMachine, s: &Option<String>) -> PyObjectRef {
    match s {
        Some(v) => vm.ctx.new_str(v.as_str()).into(),
        None => vm.ctx.none(),
    }
}

/// Reads a data attribute; `None` when `name` is not one.
fn read(job: &PyJob, name: &str, vm: &VirtualMachine) -> Option<PyResult> {
    let d = job.state.data();
    let s = |v: &str| Some(Ok(vm.ctx.new_str(v).into()));
    let i = |v: i64| Some(Ok(vm.ctx.new_int(v).into()));
    let c = |v: char| Some(Ok(vm.ctx.new_str(v.to_string()).into()));
    match name {
        "Job" => s(&d.job),
        "JobName" => s(&d.job_name),
        "JobId" => i(d.job_id),
        "Type" => s(names::type_name(d.job_type)),
        "Level" | "JobLevel" => s(names::level_name(d.level)),
        "Client" => s(&d.client),
        "Pool" => s(&d.pool),
        "Storage" => s(&d.storage),
        "MediaType" => s(&d.media_type),
        "Catalog" => s(&d.catalog),
        "FileSet" => s(&d.fileset),
        "NumVols" => {
            let pool = d.pool.clone();
            drop(d);
            i(job.director.num_vols(&pool))
        }
        "JobStatus" => c(d.status),
        "Priority" => i(d.priority),
        "VolumeName" => s(&d.volume_name),
        "CatalogRes" => {
            let r = &d.catalog_res;
            let items = vec![
                opt_str(vm, &r.db_name),
                opt_str(vm, &r.address),
                opt_str(vm, &r.user),
                opt_str(vm, &r.password),
                opt_str(vm, &r.socket),
                vm.ctx.new_int(r.port).into(),
                vm.ctx.new_str(r.vendor.as_str()).into(),
            ];
            Some(Ok(vm.ctx.new_tuple(items).into()))
        }
        "JobErrors" => i(d.errors),
        "JobFiles" => i(d.files),
        "JobBytes" => i(d.bytes),
        "SDJobFiles" => i(d.sd_files),
        "SDErrors" => i(d.sd_errors),
        "FDJobStatus" => c(d.fd_status),
        "SDJobStatus" => c(d.sd_status),
        "ReadBytes" => i(d.read_bytes),
        "LastRate" => i(d.last_rate()),
        "SchedTime" => i(d.sched_time),
        "StartTime" => i(d.start_time),
        "EndTime" => i(d.end_time),
        "Volumes" => {
            let names = d
                .volumes
                .iter()
                .map(|v| vm.ctx.new_str(v.as_str()).into())
                .collect();
            Some(Ok(vm.ctx.new_tuple(names).into()))
        }
        "JobReport" => Some(Err(vm.new_attribute_error("JobReport is write-only"))),
        _ => None,
    }
}

fn expect_str(value: &PyObjectRef, name: &str, vm: &VirtualMachine) -> PyResult<String> {
    value
        .downcast_ref::<PyStr>()
        .map(|s| s.to_string())
        .ok_or_else(|| {
            vm.new_type_error(format!(
                "{name} must be a str, not {}",
                value.class().name()
            ))
        })
}

fn wrong_event(
    name: &str,
    allowed: &str,
    event: Option<JobEvent>,
    vm: &VirtualMachine,
) -> PyResult<()> {
    let now = event.map(|e| e.name()).unwrap_or("no event");
    Err(vm.new_runtime_error(format!(
        "{name} can only be set during {allowed} (now: {now})"
    )))
}

/// Writes a writable attribute with the contract's checks.
fn write(job: &PyJob, name: &str, value: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
    let shown = value.repr(vm).map(|r| r.to_string()).unwrap_or_default();
    check_and_write(job, name, value, vm)?;
    tracing::trace!(
        "JobId {}: script set {name} = {shown}",
        job.state.data().job_id
    );
    Ok(())
}

fn check_and_write(
    job: &PyJob,
    name: &str,
    value: PyObjectRef,
    vm: &VirtualMachine,
) -> PyResult<()> {
    match name {
        "JobReport" => {
            let text = expect_str(&value, name, vm)?;
            job.report(&text, true);
            Ok(())
        }
        "VolumeName" => {
            let v = expect_str(&value, name, vm)?;
            let mut d = job.state.data();
            if d.event != Some(JobEvent::NewVolume) {
                return wrong_event(name, "NewVolume", d.event, vm);
            }
            if !names::is_legal_volume_name(&v) {
                return Err(vm.new_value_error(format!(
                    "illegal volume name {v:?}: use 1 to 127 letters, digits and :.-_"
                )));
            }
            d.volume_name = v;
            Ok(())
        }
        "JobLevel" | "Level" => {
            let v = expect_str(&value, name, vm)?;
            let mut d = job.state.data();
            if !matches!(d.event, Some(JobEvent::JobStart | JobEvent::JobInit)) {
                return wrong_event(name, "JobStart or JobInit", d.event, vm);
            }
            // Writing back the level the job has changes nothing, even
            // where no level fits the job's type (an Admin job's " ").
            if v == names::level_name(d.level) {
                return Ok(());
            }
            let Some(letter) = names::level_for_type(&v, d.job_type) else {
                let type_name = names::type_name(d.job_type);
                let article = if type_name.starts_with(['A', 'E', 'I', 'O', 'U']) {
                    "an"
                } else {
                    "a"
                };
                return Err(vm.new_value_error(format!(
                    "level {v:?} does not fit {article} {type_name} job"
                )));
            };
            d.level = letter;
            drop(d);
            job.director.level_changed(&job.state);
            Ok(())
        }
        "Priority" => {
            let is_int = value.class().fast_issubclass(vm.ctx.types.int_type)
                && !value.class().fast_issubclass(vm.ctx.types.bool_type);
            if !is_int {
                return Err(vm.new_type_error(format!(
                    "Priority must be an int, not {}",
                    value.class().name()
                )));
            }
            let p: i64 = value
                .downcast_ref::<PyInt>()
                .and_then(|i| i.try_to_primitive::<i64>(vm).ok())
                .unwrap_or(0);
            if !(1..=100).contains(&p) {
                return Err(vm.new_value_error(format!("Priority must be from 1 to 100, not {p}")));
            }
            // The queue reads the priority when the job starts waiting,
            // right after JobInit; a change later would be kept and do
            // nothing, so it is refused.
            let mut d = job.state.data();
            if !matches!(d.event, Some(JobEvent::JobStart | JobEvent::JobInit)) {
                return wrong_event(name, "JobStart or JobInit", d.event, vm);
            }
            d.priority = p;
            Ok(())
        }
        _ if read(job, name, vm).is_some() => {
            Err(vm.new_attribute_error(format!("Job attribute '{name}' is read-only")))
        }
        _ => Err(vm.new_attribute_error(format!("Job has no attribute '{name}'"))),
    }
}

#[pyclass(with(GetAttr, SetAttr))]
impl PyJob {
    /// Registers (or replaces) this job's events object.
    #[pymethod]
    fn set_events(zelf: &Py<Self>, events: PyObjectRef) {
        *zelf.events.lock() = Some(events);
    }

    /// Starts a job from a console `run` command; its JobId, or -1.
    #[pymethod]
    fn run(zelf: &Py<Self>, command: PyStrRef) -> i64 {
        let cmd = command.to_string();
        let trimmed = cmd.trim();
        let args = match trimmed.split_once(char::is_whitespace) {
            Some((first, rest)) if first.eq_ignore_ascii_case("run") => rest.trim(),
            _ if trimmed.eq_ignore_ascii_case("run") => "",
            _ => trimmed,
        };
        match zelf.director.run(&zelf.state, args) {
            Ok(id) => id,
            Err(why) => {
                zelf.state
                    .message(&format!("job.run(\"{cmd}\") failed: {why}"));
                -1
            }
        }
    }

    /// Appends text to the job report, one message per line (see
    /// `PyJob::report` for where it goes outside the job's events).
    #[pymethod]
    fn write(zelf: &Py<Self>, text: PyStrRef) {
        zelf.report(text.as_ref(), false);
    }

    #[pymethod]
    fn flush(_zelf: &Py<Self>) {}

    /// 1 if the job existed and is being canceled, else 0.
    #[pymethod]
    fn cancel(zelf: &Py<Self>, job_id: i64) -> i64 {
        i64::from(zelf.director.cancel(job_id))
    }

    /// 1 if a volume of that name is in the catalog, else 0.
    #[pymethod(name = "DoesVolumeExist")]
    fn does_volume_exist(zelf: &Py<Self>, name: PyStrRef) -> i64 {
        i64::from(zelf.director.volume_exists(name.as_ref()))
    }
}

impl GetAttr for PyJob {
    fn getattro(zelf: &Py<Self>, name: &Py<PyStr>, vm: &VirtualMachine) -> PyResult {
        let n = name.to_string();
        if let Some(result) = read(zelf, &n, vm) {
            return result;
        }
        zelf.as_object()
            .generic_getattr_opt(name, None, vm)?
            .ok_or_else(|| vm.new_attribute_error(format!("Job has no attribute '{n}'")))
    }
}

impl SetAttr for PyJob {
    fn setattro(
        zelf: &Py<Self>,
        name: &Py<PyStr>,
        value: PySetterValue,
        vm: &VirtualMachine,
    ) -> PyResult<()> {
        let n = name.to_string();
        match value {
            PySetterValue::Assign(v) => write(zelf, &n, v, vm),
            PySetterValue::Delete => {
                Err(vm.new_attribute_error(format!("Job attribute '{n}' cannot be deleted")))
            }
        }
    }
}
