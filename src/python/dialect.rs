//! Which sources are in the Python 2 dialect. A source that does not
//! compile as Python 3 is; one that does is when its syntax tree shows
//! Python 2 meaning: `except E, name:` with a name bound by nothing else
//! (Python 3.14 reads that line as a list of two exceptions and fails at
//! run time), a read of `xrange`, `unicode`, `basestring`, `long`, `file`,
//! `raw_input`, `reduce`, `unichr`, `cmp`, `has_key`, `iteritems`,
//! `iterkeys` or `itervalues` that the module does not define itself, or a
//! use of Python 2's library (`import commands`, `import urllib2`,
//! `string.split`, `urllib.urlencode`). A Python 2 module runs with the
//! builtins of legacy_support.py: those names, and imports of `subprocess`
//! (pipes of str), `string`, `commands`, `urllib` and `urllib2` as Python
//! 2 had them.

use std::collections::HashSet;

use rustpython_vm::builtins::{PyList, PySet, PyStr, PyTuple};
use rustpython_vm::compiler::Mode;
use rustpython_vm::scope::Scope;
use rustpython_vm::{PyObjectRef, PyResult, VirtualMachine};

/// The support module's source, run once per interpreter.
const SUPPORT_SOURCE: &str = include_str!("legacy_support.py");
/// Where the support module is kept in `sys.modules`.
const SUPPORT_MODULE: &str = "_rdird_legacy";

/// Python 2 builtin names and what they are in Python 3.
const PY2_NAMES: [(&str, &str); 9] = [
    ("xrange", "range"),
    ("unicode", "str"),
    ("basestring", "str"),
    ("long", "int"),
    ("file", "open"),
    ("raw_input", "input"),
    ("reduce", "functools.reduce"),
    ("unichr", "chr"),
    ("cmp", "(a > b) - (a < b)"),
];
const PY2_DICT_METHODS: [&str; 4] = ["has_key", "iteritems", "iterkeys", "itervalues"];

/// What the syntax tree of a source that compiles says of its dialect.
#[derive(Debug, Default)]
pub(crate) struct Hints {
    /// Names after an `except E,` comma that nothing else binds.
    pub unbound_except: HashSet<String>,
    /// Python 2 builtin names read and not defined: (line, name, meaning).
    pub builtin_names: Vec<(usize, &'static str, &'static str)>,
    /// A Python 2 dict method is called and the module defines none.
    pub dict_methods: bool,
    /// Uses of Python 2's library: (line, module or `string` function).
    pub library: Vec<(usize, String)>,
}

impl Hints {
    pub(crate) fn is_python2(&self) -> bool {
        !self.unbound_except.is_empty()
            || !self.builtin_names.is_empty()
            || self.dict_methods
            || !self.library.is_empty()
    }
}

/// The support module of this interpreter, loaded at first use.
pub(crate) fn support(vm: &VirtualMachine) -> PyResult<PyObjectRef> {
    let modules = vm.sys_module.get_attr("modules", vm)?;
    if let Ok(m) = modules.get_item(SUPPORT_MODULE, vm) {
        return Ok(m);
    }
    let code = vm
        .compile(
            SUPPORT_SOURCE,
            Mode::Exec,
            "<rdird legacy support>".to_string(),
        )
        .map_err(|e| e.into_pyexception(vm, Some(SUPPORT_SOURCE)))?;
    let dict = vm.ctx.new_dict();
    let module = vm.new_module(SUPPORT_MODULE, dict.clone(), None);
    vm.run_code_obj(code, Scope::with_builtins(None, dict, vm))?;
    let module: PyObjectRef = module.into();
    modules.set_item(SUPPORT_MODULE, module.clone(), vm)?;
    Ok(module)
}

/// The builtins a Python 2 module runs with.
pub(crate) fn python2_builtins(vm: &VirtualMachine) -> PyResult<PyObjectRef> {
    support(vm)?.get_attr("builtins", vm)
}

fn str_set(obj: &PyObjectRef, vm: &VirtualMachine) -> PyResult<HashSet<String>> {
    let set = obj
        .downcast_ref::<PySet>()
        .ok_or_else(|| vm.new_type_error("scan: bound names must be a set"))?;
    Ok(set
        .elements()
        .iter()
        .filter_map(|e| e.downcast_ref::<PyStr>().map(|s| s.to_string()))
        .collect())
}

/// (name, line) pairs from the scan.
fn read_pairs(obj: &PyObjectRef, vm: &VirtualMachine) -> PyResult<Vec<(String, usize)>> {
    let list = obj
        .downcast_ref::<PyList>()
        .ok_or_else(|| vm.new_type_error("scan: reads must be a list"))?;
    let items = list.borrow_vec().to_vec();
    items
        .iter()
        .map(|pair| {
            let t = pair
                .downcast_ref::<PyTuple>()
                .ok_or_else(|| vm.new_type_error("scan: a read must be a pair"))?;
            let name: String = t[0].clone().try_into_value(vm)?;
            let line: usize = t[1].clone().try_into_value(vm)?;
            Ok((name, line))
        })
        .collect()
}

/// What the syntax tree of `source` (which compiles) says of its dialect.
pub(crate) fn hints(vm: &VirtualMachine, source: &str, path: &str) -> PyResult<Hints> {
    let scan = support(vm)?.get_attr("scan", vm)?;
    let result = scan.call((source.to_string(), path.to_string()), vm)?;
    let parts = result
        .downcast_ref::<PyTuple>()
        .filter(|t| t.len() == 4)
        .ok_or_else(|| vm.new_type_error("scan must return four parts"))?;
    let bound = str_set(&parts[0], vm)?;
    let names = read_pairs(&parts[1], vm)?;
    let attrs = read_pairs(&parts[2], vm)?;
    let library = read_pairs(&parts[3], vm)?;
    let unbound_except = super::legacy::except_comma_names(source)
        .into_iter()
        .map(|(_, n)| n)
        .filter(|n| !bound.contains(n))
        .collect();
    let builtin_names = names
        .iter()
        .filter(|(n, _)| !bound.contains(n))
        .filter_map(|(n, line)| {
            PY2_NAMES
                .iter()
                .find(|(py2, _)| py2 == n)
                .map(|(py2, py3)| (*line, *py2, *py3))
        })
        .collect();
    let dict_methods = attrs
        .iter()
        .any(|(a, _)| PY2_DICT_METHODS.contains(&a.as_str()) && !bound.contains(a));
    Ok(Hints {
        unbound_except,
        builtin_names,
        dict_methods,
        library: library
            .into_iter()
            .map(|(name, line)| (line, name))
            .collect(),
    })
}
