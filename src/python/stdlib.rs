//! The standard library scripts import: RustPython's Python library, frozen
//! into the binary by build.rs (every module but those
//! `stdlib-subset/excluded.txt` leaves out), and the process-wide TLS set-up
//! its `ssl` module needs. Nothing is read from a Python installed on the
//! host.

use std::io::Read;
use std::path::Path;
use std::sync::{Once, OnceLock};

use rustpython_compiler_core::frozen::{FrozenLib, FrozenModulesIter};
use rustpython_vm::common::rc::PyRc;
use rustpython_vm::{PyResult, VirtualMachine};

/// Where zoneinfo looks for the system's time zones: CPython's default on
/// Linux (Debian's tzdata installs /usr/share/zoneinfo). RustPython's
/// sysconfig has no TZPATH, which would leave zoneinfo with none at all.
const TZPATH: &str = "/usr/share/zoneinfo:/usr/lib/zoneinfo:/usr/share/lib/zoneinfo:/etc/zoneinfo";

/// The library frozen by build.rs, xz-compressed: one lz4-compressed code
/// object a module inside, which the importer decompresses when a script
/// imports that module. xz over the whole takes the binary 2 MB below
/// lz4 alone.
static STDLIB_XZ: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/stdlib.frozen.xz"));

/// The frozen modules, by name, for an interpreter's builder. The first
/// interpreter of the process unpacks the library; the others share it.
pub(crate) fn frozen_modules() -> FrozenModulesIter<'static> {
    static LIB: OnceLock<&'static [u8]> = OnceLock::new();
    let lib = LIB.get_or_init(|| {
        let mut out = Vec::new();
        xz::read::XzDecoder::new(STDLIB_XZ)
            .read_to_end(&mut out)
            .expect("the frozen library built into the binary unpacks");
        Box::leak(out.into_boxed_slice())
    });
    FrozenLib::from_ref(*lib).decode()
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
