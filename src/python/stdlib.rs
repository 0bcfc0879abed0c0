//! The standard library scripts import: RustPython's Python library, frozen
//! into the binary by build.rs (every module but those
//! `stdlib-subset/excluded.txt` leaves out), and the process-wide TLS set-up
//! its `ssl` module needs. Nothing is read from a Python installed on the
//! host.
//!
//! The library is in two stores. The modules every interpreter imports
//! before its script runs (`stdlib-subset/boot.txt`) are in RustPython's own
//! frozen format, handed to the interpreter's builder: lz4 per module,
//! decoded as each is imported. Every other module is a zstd frame of its
//! own (all compressed with one dictionary, trained on them), unpacked by
//! the finder of `importer.rs` when a script imports that module: a process
//! unpacks nothing at start-up and holds only the modules its scripts
//! imported.

use std::path::Path;
use std::sync::{Once, OnceLock};

use rustpython_compiler_core::bytecode::BasicBag;
use rustpython_compiler_core::frozen::{FrozenLib, FrozenModulesIter};
use rustpython_compiler_core::marshal;
use rustpython_vm::builtins::PyCode;
use rustpython_vm::common::rc::PyRc;
use rustpython_vm::{PyRef, PyResult, VirtualMachine};
use zstd::bulk::Decompressor;
use zstd::dict::DecoderDictionary;

/// Where zoneinfo looks for the system's time zones: CPython's default on
/// Linux (Debian's tzdata installs /usr/share/zoneinfo). RustPython's
/// sysconfig has no TZPATH, which would leave zoneinfo with none at all.
const TZPATH: &str = "/usr/share/zoneinfo:/usr/lib/zoneinfo:/usr/share/lib/zoneinfo:/etc/zoneinfo";

/// The boot modules, in RustPython's frozen format.
static BOOT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/stdlib.boot"));

/// Every other module's marshalled code object, a zstd frame each.
static PACKED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/stdlib.packed"));

/// The dictionary the packed modules are compressed with.
static DICTIONARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/stdlib.dict"));

/// Where a packed module's frame is in `PACKED`.
pub(crate) struct PackedModule {
    pub(crate) name: &'static str,
    pub(crate) package: bool,
    start: usize,
    len: usize,
    /// The marshalled code object's size, unpacked.
    size: usize,
}

/// The packed modules, sorted by name (build.rs writes them so).
static PACKED_MODULES: &[PackedModule] = &include!(concat!(env!("OUT_DIR"), "/stdlib_index.rs"));

/// The boot modules, by name, for an interpreter's builder.
pub(crate) fn boot_modules() -> FrozenModulesIter<'static> {
    FrozenLib::from_ref(BOOT).decode()
}

/// The packed module of that name, if there is one.
pub(crate) fn packed_module(name: &str) -> Option<&'static PackedModule> {
    PACKED_MODULES
        .binary_search_by(|m| m.name.cmp(name))
        .ok()
        .map(|i| &PACKED_MODULES[i])
}

/// A packed module's code object, unpacked (its frame alone: nothing else
/// is unpacked, nothing is kept but the code object).
pub(crate) fn unpack(vm: &VirtualMachine, module: &PackedModule) -> PyResult<PyRef<PyCode>> {
    // Prepared once a process: the dictionary's tables, shared by every
    // interpreter's imports.
    static PREPARED: OnceLock<DecoderDictionary<'static>> = OnceLock::new();
    let dictionary = PREPARED.get_or_init(|| DecoderDictionary::copy(DICTIONARY));
    let frame = &PACKED[module.start..module.start + module.len];
    let code = Decompressor::with_prepared_dictionary(dictionary)
        .and_then(|mut d| d.decompress(frame, module.size))
        .map_err(|e| e.to_string())
        // Through BasicBag and new_ref_from_bytecode: the constant bag that
        // makes Python objects of the constants directly, with frozensets,
        // is private to RustPython.
        .and_then(|data| {
            marshal::deserialize_code(&mut data.as_slice(), BasicBag).map_err(|e| format!("{e:?}"))
        })
        .map_err(|e| {
            vm.new_import_error(
                format!(
                    "the frozen module {} built into rdird does not unpack: {e}",
                    module.name
                ),
                vm.ctx.new_str(module.name),
            )
        })?;
    Ok(PyCode::new_ref_from_bytecode(vm, code))
}

/// Gives RustPython's rustls-based `ssl` module its crypto provider (ring),
/// once a process. RustPython builds rustls with its custom-provider
/// feature, so without this the first TLS call panics.
pub(crate) fn install_tls_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        use rustls::crypto::ring;
        let ext = rustpython_host_env::ssl::CryptoExt {
            all_cipher_suites: Some(ring::ALL_CIPHER_SUITES),
            default_cipher_suites: Some(ring::DEFAULT_CIPHER_SUITES),
            all_kx_groups: Some(ring::ALL_KX_GROUPS),
            any_supported_key: Some(ring::sign::any_supported_type),
            ticketer: ring::Ticketer::new,
        };
        // Only fails when a provider is set already, which is what is wanted.
        let _ = rustpython_host_env::ssl::CryptoExt::set_provider(ring::default_provider(), ext);
    });
}

/// Before the interpreter starts: `sys.path` is the scripts folder alone.
/// RustPython adds its install locations (`/usr/local/lib/python3.14`, a
/// zip beside them) to `path_list`; an import that is neither built in nor
/// beside the script must fail, not find a host's Python library.
pub(crate) fn confine_path(vm: &mut VirtualMachine, scripts_dir: &Path) {
    if let Some(state) = PyRc::get_mut(&mut vm.state) {
        state.config.paths.module_search_paths = vec![scripts_dir.display().to_string()];
    }
}

/// Once the interpreter runs: the system's time zones for zoneinfo.
pub(crate) fn configure(vm: &VirtualMachine) -> PyResult<()> {
    // The name sysconfig imports its build-time variables from.
    let sys = &vm.sys_module;
    let abiflags: String = sys.get_attr("abiflags", vm)?.try_into_value(vm)?;
    let platform: String = sys.get_attr("platform", vm)?.try_into_value(vm)?;
    let multiarch: String = sys
        .get_attr("implementation", vm)?
        .get_attr("_multiarch", vm)?
        .try_into_value(vm)?;
    let name = format!("_sysconfigdata_{abiflags}_{platform}_{multiarch}");
    let data = vm.import(&vm.ctx.new_str(name), 0)?;
    let vars = data.get_attr("build_time_vars", vm)?;
    vars.set_item("TZPATH", vm.ctx.new_str(TZPATH).into(), vm)
}
