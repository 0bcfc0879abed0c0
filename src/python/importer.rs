//! The import hooks. The scripts folder's: a helper module beside
//! DirStartUp.py that DirStartUp imports goes through the same legacy
//! front end (rewrites, warnings, Python 2 builtins); only top-level names
//! found in that folder are handled. The packed standard library's: the
//! frozen modules kept zstd-compressed (`stdlib.rs`) are unpacked as a script
//! imports them, by the finder of `stdlib-subset/_rdird_frozen.py`.

use std::path::Path;

use rustpython_vm::builtins::{PyCode, PyStrRef, PyUtf8StrRef};
use rustpython_vm::{PyRef, PyResult, VirtualMachine};

use super::dialect;
use super::load::{compile_script, log_warnings};
use super::stdlib;

/// Puts the packed standard library's finder on `sys.meta_path`, just after
/// RustPython's frozen importer (which finds the boot modules).
pub(crate) fn install_packed_stdlib(vm: &VirtualMachine) -> PyResult<()> {
    let find = vm.new_function("find", |name: PyUtf8StrRef| -> Option<bool> {
        stdlib::packed_module(name.as_str()).map(|m| m.package)
    });
    let code = vm.new_function(
        "code",
        |name: PyUtf8StrRef, vm: &VirtualMachine| -> PyResult<PyRef<PyCode>> {
            let module = stdlib::packed_module(name.as_str()).ok_or_else(|| {
                vm.new_import_error(
                    format!("no frozen module named {}", name.as_str()),
                    name.clone().into_wtf8(),
                )
            })?;
            stdlib::unpack(vm, module)
        },
    );
    let finder = vm.import("_rdird_frozen", 0)?;
    finder.get_attr("install", vm)?.call((find, code), vm)?;
    Ok(())
}

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
