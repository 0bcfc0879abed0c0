//! The `bacula` module a Director script imports: the Director's name,
//! version, configuration file and working directory, `set_events`,
//! `write`, and the `Job` type.

use std::cell::RefCell;

/// What `bacula.Name`, `Version`, `ConfigFile` and `WorkingDir` say.
#[derive(Debug, Clone, Default)]
pub struct DirectorInfo {
    pub name: String,
    pub version: String,
    pub config_file: String,
    pub working_dir: String,
}

thread_local! {
    /// Set by the script host before it builds an interpreter.
    pub static INFO: RefCell<DirectorInfo> = RefCell::new(DirectorInfo::default());
}

/// The attribute of the module that holds the daemon events object.
pub const EVENTS_ATTR: &str = "_events";

pub(crate) use bacula::module_def;

#[rustpython_vm::pymodule]
mod bacula {
    use rustpython_vm::builtins::{PyStrRef, PyTypeRef};
    use rustpython_vm::class::PyClassImpl;
    use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine};

    use super::super::job::PyJob;
    use super::super::output::{emit, PyOutput};
    use super::{EVENTS_ATTR, INFO};

    fn info(field: fn(&super::DirectorInfo) -> &String) -> String {
        INFO.with(|i| field(&i.borrow()).clone())
    }

    #[pyattr(name = "Name")]
    fn name(_vm: &VirtualMachine) -> String {
        info(|i| &i.name)
    }

    #[pyattr(name = "Version")]
    fn version(_vm: &VirtualMachine) -> String {
        info(|i| &i.version)
    }

    #[pyattr(name = "ConfigFile")]
    fn config_file(_vm: &VirtualMachine) -> String {
        info(|i| &i.config_file)
    }

    #[pyattr(name = "WorkingDir")]
    fn working_dir(_vm: &VirtualMachine) -> String {
        info(|i| &i.working_dir)
    }

    #[pyattr(name = "Job")]
    fn job_type(_vm: &VirtualMachine) -> PyTypeRef {
        PyJob::make_static_type()
    }

    #[pyattr(name = "Output")]
    fn output_type(_vm: &VirtualMachine) -> PyTypeRef {
        PyOutput::make_static_type()
    }

    /// Registers the daemon events object (JobStart, JobEnd, Exit).
    #[pyfunction]
    fn set_events(events: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        let module = vm.import("bacula", 0)?;
        module.set_attr(EVENTS_ATTR, events, vm)
    }

    /// An info message: to the job whose event runs, else to the log.
    #[pyfunction]
    fn write(text: PyStrRef) {
        emit(text.as_ref(), false);
    }
}
