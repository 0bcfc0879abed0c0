//! Building an interpreter: the settings a daemon needs (no signal
//! handlers taken over, no environment, the scripts folder on `sys.path`),
//! the native and frozen standard library, the `bacula` module, and the
//! channel the watchdog interrupts it through; and giving an interpreter's
//! memory back when it goes.

use std::path::Path;

use rustpython_vm::signal::user_signal_channel;
use rustpython_vm::{Interpreter, PyObjectRef, Settings};

use super::{importer, module, stdlib};

fn settings(scripts_dir: &Path) -> Settings {
    let mut s = Settings::default();
    s.install_signal_handlers = false;
    s.ignore_environment = true;
    s.user_site_directory = false;
    s.import_site = false;
    s.write_bytecode = false;
    s.path_list = vec![scripts_dir.display().to_string()];
    s
}

pub(crate) fn build_interpreter(
    scripts_dir: &Path,
) -> (Interpreter, rustpython_vm::signal::UserSignalSender) {
    stdlib::install_tls_provider();
    let (tx, rx) = user_signal_channel();
    let dir = scripts_dir.to_path_buf();
    let builder = Interpreter::builder(settings(scripts_dir));
    let defs = rustpython_stdlib::stdlib_module_defs(&builder.ctx);
    let bacula = module::module_def(&builder.ctx);
    let interp = builder
        .add_native_modules(&defs)
        .add_native_module(bacula)
        .add_frozen_modules(stdlib::boot_modules())
        .init_hook(move |vm| {
            vm.set_user_signal_channel(rx);
            stdlib::confine_path(vm, &dir);
        })
        .build();
    interp.enter(|vm| {
        if let Err(e) = importer::install_packed_stdlib(vm) {
            tracing::error!(
                "Python: of the standard library only the start-up modules import: {}",
                super::load::traceback(vm, &e)
            );
        }
        if let Err(e) = stdlib::configure(vm) {
            tracing::error!(
                "Python: zoneinfo has no system time zones: {}",
                super::load::traceback(vm, &e)
            );
        }
    });
    (interp, tx)
}

/// An interpreter with the startup script loaded.
pub(crate) struct Loaded {
    pub(crate) interp: Interpreter,
}

impl Drop for Loaded {
    /// Empties every module of the interpreter, which breaks the cycles
    /// (functions and their module's globals) that would otherwise keep a
    /// script's objects alive, then gives the freed memory back.
    fn drop(&mut self) {
        self.interp.enter(|vm| {
            let Ok(modules) = vm.sys_module.get_attr("modules", vm) else {
                return;
            };
            let Ok(modules) = modules.downcast::<rustpython_vm::builtins::PyDict>() else {
                return;
            };
            let user: Vec<PyObjectRef> = modules
                .clone()
                .into_iter()
                .filter(|(k, _)| {
                    k.downcast_ref::<rustpython_vm::builtins::PyStr>()
                        .is_some_and(|s| !matches!(s.to_str(), Some("sys" | "builtins")))
                })
                .map(|(_, m)| m)
                .collect();
            for m in user {
                if let Some(d) = m.dict() {
                    d.clear();
                }
            }
            modules.clear();
        });
        release_freed_memory();
    }
}

/// Gives memory the allocator holds free back to the system.
pub(crate) fn release_freed_memory() {
    // SAFETY: malloc_trim only walks the allocator's own free lists.
    unsafe {
        libc::malloc_trim(0);
    }
}
