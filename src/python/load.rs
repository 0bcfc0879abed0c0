//! Loading a script: compiling it (through the legacy front end when it
//! is Python 2), running it as the `DirStartUp` module with output captured,
//! and finding the handlers it registered.

use std::path::Path;

use rustpython_vm::builtins::{PyBaseExceptionRef, PyDictRef};
use rustpython_vm::compiler::Mode;
use rustpython_vm::scope::Scope;
use rustpython_vm::{PyObjectRef, PyPayload, PyResult, VirtualMachine};

use super::legacy;
use super::output::PyOutput;

/// The module every Director script is loaded as.
pub const STARTUP_MODULE: &str = "DirStartUp";

/// The traceback of `exc` as Python prints it.
pub fn traceback(vm: &VirtualMachine, exc: &PyBaseExceptionRef) -> String {
    let mut s = String::new();
    let _ = vm.write_exception(&mut s, exc);
    s.trim_end().to_string()
}

/// Compiles a script, rewriting the Python 2 dialect when it does not
/// compile as Python 3 and `legacy` allows. Returns the code and one
/// warning line per rewritten statement.
pub fn compile_script(
    vm: &VirtualMachine,
    source: &str,
    path: &str,
    legacy: bool,
) -> PyResult<(
    rustpython_vm::PyRef<rustpython_vm::builtins::PyCode>,
    Vec<String>,
)> {
    match vm.compile(source, Mode::Exec, path.to_string()) {
        Ok(code) => Ok((code, Vec::new())),
        Err(err) => {
            if legacy {
                let (rewritten, rewrites) = legacy::rewrite(source);
                if !rewrites.is_empty() {
                    if let Ok(code) = vm.compile(&rewritten, Mode::Exec, path.to_string()) {
                        let warnings = rewrites
                            .iter()
                            .map(|r| {
                                format!(
                                    "{path}:{}: warning: rewrote Python 2 {} to Python 3",
                                    r.line, r.what
                                )
                            })
                            .collect();
                        return Ok((code, warnings));
                    }
                }
            }
            Err(err.into_pyexception(vm, Some(source)))
        }
    }
}

/// Loads the startup script, whose text is `source` (read once by the
/// host, so that every interpreter of a pool runs the same script), into
/// `vm`; warnings go to the log.
pub(crate) fn load_script(
    vm: &VirtualMachine,
    path: &Path,
    source: &str,
    legacy: bool,
) -> PyResult<()> {
    // Importing bacula first makes its types (Output, Job) usable.
    vm.import("bacula", 0)?;
    let stdout = PyOutput { stderr: false }.into_ref(&vm.ctx);
    let stderr = PyOutput { stderr: true }.into_ref(&vm.ctx);
    vm.sys_module.set_attr("stdout", stdout, vm)?;
    vm.sys_module.set_attr("stderr", stderr, vm)?;
    let shown = path.display().to_string();
    let (code, warnings) = compile_script(vm, source, &shown, legacy)?;
    for w in warnings {
        tracing::warn!("{w}");
    }
    let dict: PyDictRef = vm.ctx.new_dict();
    dict.set_item("__file__", vm.ctx.new_str(shown.as_str()).into(), vm)?;
    let module = vm.new_module(STARTUP_MODULE, dict.clone(), None);
    let modules = vm.sys_module.get_attr("modules", vm)?;
    modules.set_item(STARTUP_MODULE, module.into(), vm)?;
    vm.run_code_obj(code, Scope::with_builtins(None, dict, vm))?;
    Ok(())
}

/// The method `name` of `obj`, if it has one.
pub(crate) fn method(
    vm: &VirtualMachine,
    obj: &PyObjectRef,
    name: &'static str,
) -> Option<PyObjectRef> {
    vm.get_attribute_opt(obj, name).ok().flatten()
}

/// How many arguments a method takes after `self` (None when unknown).
pub(crate) fn arity(vm: &VirtualMachine, m: &PyObjectRef) -> Option<usize> {
    let func = m.get_attr("__func__", vm).ok()?;
    let code = func.get_attr("__code__", vm).ok()?;
    let n: usize = code
        .get_attr("co_argcount", vm)
        .ok()?
        .try_into_value(vm)
        .ok()?;
    Some(n.saturating_sub(1))
}
