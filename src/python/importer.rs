//! The import hook for the scripts folder: a helper module beside
//! DirStartUp.py that DirStartUp imports goes through the same legacy
//! front end (rewrites, warnings, Python 2 builtins). Only top-level names
//! found in that folder are handled; the frozen standard library and
//! everything else import as usual.

use std::path::Path;

use rustpython_vm::builtins::PyStrRef;
use rustpython_vm::{PyResult, VirtualMachine};

use super::dialect;
use super::load::{compile_script, log_warnings};

/// Puts the scripts folder's finder first on `sys.meta_path`.
pub(crate) fn install(vm: &VirtualMachine, scripts_dir: &Path) -> PyResult<()> {
    let compile = vm.new_function(
        "compile_module",
        |source: PyStrRef, path: PyStrRef, vm: &VirtualMachine| -> PyResult {
            let compiled = compile_script(vm, source.as_ref(), path.as_ref(), true)?;
            log_warnings(source.as_ref(), &compiled.warnings);
            Ok(vm
                .ctx
                .new_tuple(vec![
                    compiled.code.into(),
                    vm.ctx.new_bool(compiled.python2).into(),
                ])
                .into())
        },
    );
    let install = dialect::support(vm)?.get_attr("install", vm)?;
    install.call((scripts_dir.display().to_string(), compile), vm)?;
    Ok(())
}
