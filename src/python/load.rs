//! Loading a script: compiling it (through the legacy front end when it
//! is Python 2, helper modules beside it too), running it as the
//! `DirStartUp` module with output captured, and finding the handlers it
//! registered.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;
use std::sync::{LazyLock, Mutex, OnceLock};

use rustpython_vm::builtins::{PyBaseExceptionRef, PyDictRef};
use rustpython_vm::compiler::Mode;
use rustpython_vm::scope::Scope;
use rustpython_vm::{PyObjectRef, PyPayload, PyResult, VirtualMachine};

use super::output::PyOutput;
use super::{dialect, importer, legacy};

/// The module every Director script is loaded as.
pub const STARTUP_MODULE: &str = "DirStartUp";

/// The traceback of `exc` as Python prints it.
pub fn traceback(vm: &VirtualMachine, exc: &PyBaseExceptionRef) -> String {
    let mut s = String::new();
    let _ = vm.write_exception(&mut s, exc);
    s.trim_end().to_string()
}

/// A compiled script or helper module.
pub struct Compiled {
    pub code: rustpython_vm::PyRef<rustpython_vm::builtins::PyCode>,
    /// One warning line per rewritten statement or Python 2 name.
    pub warnings: Vec<String>,
    /// The source is Python 2: it runs with dialect.rs's builtins.
    pub python2: bool,
}

/// Compiles a script. With `legacy`, a source in the Python 2 dialect
/// (dialect.rs decides) goes through the front end first.
pub fn compile_script(
    vm: &VirtualMachine,
    source: &str,
    path: &str,
    legacy: bool,
) -> PyResult<Compiled> {
    let as_is = vm.compile(source, Mode::Exec, path.to_string());
    let python3 = |code| Compiled {
        code,
        warnings: Vec::new(),
        python2: false,
    };
    if !legacy {
        return as_is
            .map(python3)
            .map_err(|e| e.into_pyexception(vm, Some(source)));
    }
    let (rewritten, rewrites, hints) = match as_is {
        Ok(code) => {
            let hints = dialect::hints(vm, source, path)?;
            if !hints.is_python2() {
                return Ok(python3(code));
            }
            let (out, rewrites) = legacy::rewrite(source, &|n| hints.unbound_except.contains(n));
            (out, rewrites, Some(hints))
        }
        // Python 2 has no list after `except` without parentheses.
        Err(err) => {
            let (out, rewrites) = legacy::rewrite(source, &|_| true);
            if rewrites.is_empty() {
                return Err(err.into_pyexception(vm, Some(source)));
            }
            // Rewrites keep every line where it was: the first construct
            // the front end leaves is reported at its own line, in the
            // text the administrator wrote, not at an earlier line that
            // only the original failed on.
            match vm.compile(&out, Mode::Exec, path.to_string()) {
                Ok(_) => (out, rewrites, None),
                Err(left) => return Err(left.into_pyexception(vm, Some(source))),
            }
        }
    };
    let code = vm
        .compile(&rewritten, Mode::Exec, path.to_string())
        .map_err(|e| e.into_pyexception(vm, Some(&rewritten)))?;
    let hints = match hints {
        Some(h) => h,
        None => dialect::hints(vm, &rewritten, path)?,
    };
    let mut warnings: Vec<(usize, String)> = rewrites
        .iter()
        .map(|r| (r.line, format!("rewrote Python 2 {} to Python 3", r.what)))
        .collect();
    warnings.extend(
        hints
            .builtin_names
            .iter()
            .map(|(line, py2, py3)| (*line, format!("Python 2 name {py2} is {py3}"))),
    );
    warnings.extend(hints.library.iter().map(|(line, name)| {
        (
            *line,
            format!("Python 2 {name} is rdird's legacy version of it"),
        )
    }));
    warnings.sort_by_key(|(line, _)| *line);
    Ok(Compiled {
        code,
        warnings: warnings
            .into_iter()
            .map(|(line, w)| format!("{path}:{line}: warning: {w}"))
            .collect(),
        python2: true,
    })
}

/// The warnings already logged, each with the text of the file it is
/// about.
static LOGGED: LazyLock<Mutex<HashSet<(u64, String)>>> = LazyLock::new(Mutex::default);

/// Logs the warnings of one compiled file whose text is `source`, each
/// once: every interpreter of a load compiles the same text (the spares,
/// a memory reload, a `python restart` to an unchanged script), and one
/// line per rewrite is what the administrator has to read. A changed
/// file has its warnings logged again.
pub(crate) fn log_warnings(source: &str, warnings: &[String]) {
    let mut hasher = DefaultHasher::new();
    source.hash(&mut hasher);
    let text = hasher.finish();
    match WARNING_SINK.get() {
        Some(sink) => sink(text, warnings),
        None => log_warnings_of(text, warnings),
    }
}

/// Logs each of `warnings`, about a file whose text hashes to `text`,
/// unless it was logged already.
pub(crate) fn log_warnings_of(text: u64, warnings: &[String]) {
    let mut logged = LOGGED.lock().unwrap_or_else(|e| e.into_inner());
    for w in warnings {
        if logged.insert((text, w.clone())) {
            tracing::warn!("{w}");
        }
    }
}

/// Where an interpreter process sends its warnings instead of logging
/// them: to the Director, which logs each once for all its interpreters.
type WarningSink = Box<dyn Fn(u64, &[String]) + Send + Sync>;
static WARNING_SINK: OnceLock<WarningSink> = OnceLock::new();

/// Sends this process's warnings to `sink` from now on.
pub(crate) fn send_warnings_to(sink: WarningSink) {
    let _ = WARNING_SINK.set(sink);
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
    if legacy {
        importer::install(vm, path.parent().unwrap_or(Path::new(".")))?;
    }
    let shown = path.display().to_string();
    let compiled = compile_script(vm, source, &shown, legacy)?;
    log_warnings(source, &compiled.warnings);
    let dict: PyDictRef = vm.ctx.new_dict();
    dict.set_item("__file__", vm.ctx.new_str(shown.as_str()).into(), vm)?;
    if compiled.python2 {
        dict.set_item("__builtins__", dialect::python2_builtins(vm)?, vm)?;
    }
    let module = vm.new_module(STARTUP_MODULE, dict.clone(), None);
    let modules = vm.sys_module.get_attr("modules", vm)?;
    modules.set_item(STARTUP_MODULE, module.into(), vm)?;
    vm.run_code_obj(compiled.code, Scope::with_builtins(None, dict, vm))?;
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
