//! The `bacula` module a Director script imports: the Director's name,
//! version, configuration file and working directory, `set_events`,
//! `write`, and the `Job` type. Its attributes are read-only: a script
//! that assigns one (`bacula.set_events = None`) would break every later
//! event of its interpreter, so the assignment raises AttributeError.

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

/// The class the module gets once built: a module whose attributes
/// cannot be assigned or deleted.
const READ_ONLY_CLASS: &str = r#"
class bacula(ModuleType):
    __slots__ = ()

    def __setattr__(self, name, value):
        raise AttributeError(f"bacula.{name} is read-only")

    def __delattr__(self, name):
        raise AttributeError(f"bacula.{name} is read-only")
"#;

pub(crate) use bacula::module_def;

#[rustpython_vm::pymodule]
mod bacula {
    use rustpython_vm::builtins::{PyModule, PyStrRef, PyTypeRef};
    use rustpython_vm::class::PyClassImpl;
    use rustpython_vm::compiler::Mode;
    use rustpython_vm::scope::Scope;
    use rustpython_vm::{AsObject, Py, PyObjectRef, PyResult, VirtualMachine};

    use super::super::job::PyJob;
    use super::super::output::{emit, PyOutput};
    use super::{EVENTS_ATTR, INFO, READ_ONLY_CLASS};

    /// Builds the module, then makes it read-only.
    pub(crate) fn module_exec(vm: &VirtualMachine, module: &Py<PyModule>) -> PyResult<()> {
        __module_exec(vm, module);
        let code = vm
            .compile(READ_ONLY_CLASS, Mode::Exec, "<bacula>".to_string())
            .map_err(|e| e.into_pyexception(vm, Some(READ_ONLY_CLASS)))?;
        let globals = vm.ctx.new_dict();
        globals.set_item("ModuleType", vm.ctx.types.module_type.to_owned().into(), vm)?;
        vm.run_code_obj(code, Scope::with_builtins(None, globals.clone(), vm))?;
        let class = globals.get_item("bacula", vm)?;
        module.as_object().set_attr("__class__", class, vm)
    }

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

    /// Registers the daemon events object (JobStart, JobEnd, Exit), in
    /// the module's own namespace (its attributes are read-only).
    #[pyfunction]
    fn set_events(events: PyObjectRef, vm: &VirtualMachine) -> PyResult<()> {
        let module = vm.import("bacula", 0)?;
        let dict = module
            .dict()
            .ok_or_else(|| vm.new_type_error("the bacula module has no namespace"))?;
        dict.set_item(EVENTS_ATTR, events, vm)
    }

    /// An info message: to the job whose event runs, else to the log.
    #[pyfunction]
    fn write(text: PyStrRef) {
        emit(text.as_ref(), false);
    }
}
