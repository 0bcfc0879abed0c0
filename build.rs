//! Freezes RustPython's Python standard library into the binary.
//!
//! Every module of the `Lib` directory that the rustpython-pylib crate ships
//! is compiled with RustPython's compiler, except those
//! `stdlib-subset/excluded.txt` leaves out (each with its reason); the
//! project's own modules (`stdlib-subset/*.py`) are added. A module that
//! neither compiles nor is excluded stops the build. Two stores come out:
//!
//! - `$OUT_DIR/stdlib.boot`: the modules `stdlib-subset/boot.txt` names,
//!   those every interpreter imports before its script runs, in
//!   RustPython's own frozen format (each code object lz4-compressed), for
//!   the interpreter's frozen table: nothing to unpack at start-up.
//! - `$OUT_DIR/stdlib.packed`: every other module's marshalled code object
//!   in a zstd frame of its own, one after the other, all compressed with
//!   the dictionary `$OUT_DIR/stdlib.dict` (trained on them), and
//!   `$OUT_DIR/stdlib_index.rs`, where each module's frame is; the finder
//!   of `src/python/importer.rs` unpacks one when a script imports that
//!   module, and nothing else (see `src/python/stdlib.rs`).
//!
//! `$OUT_DIR/stdlib.modules` names every module frozen, one a line.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use rustpython_compiler::{compile, CompileOpts, Mode};
use rustpython_compiler_core::bytecode::CodeObject;
use rustpython_compiler_core::frozen::{FrozenCodeObject, FrozenLib, FrozenModule};
use rustpython_compiler_core::marshal;

/// A module to freeze: its source file, and whether it is a package's
/// `__init__`.
struct Source {
    path: PathBuf,
    package: bool,
}

/// Every module under `dir` (a package when `prefix` is not empty), by
/// dotted name. A directory without `__init__.py` is not a package and
/// holds no module (the pylib crate ships none that matter).
fn modules_under(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Source>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Some(stem) = path
            .file_stem()
            .and_then(|s| s.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let dotted = if prefix.is_empty() {
            stem.clone()
        } else {
            format!("{prefix}.{stem}")
        };
        if path.is_dir() {
            if path.join("__init__.py").is_file() {
                modules_under(&path, &dotted, out);
            }
        } else if path.extension().is_some_and(|e| e == "py") {
            let (name, package) = if stem == "__init__" {
                (prefix.to_string(), true)
            } else {
                (dotted, false)
            };
            out.insert(name, Source { path, package });
        }
    }
}

/// The names a list of stdlib-subset names (`excluded.txt`, `boot.txt`):
/// one dotted name a line, then `#` and the reason it is listed.
fn listed(list: &Path) -> Vec<String> {
    let text = fs::read_to_string(list).unwrap_or_else(|e| panic!("{}: {e}", list.display()));
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let (name, reason) = line.split_once('#').unwrap_or((line, ""));
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        assert!(
            !reason.trim().is_empty(),
            "{}:{}: {name} is listed without a reason",
            list.display(),
            n + 1
        );
        out.push(name.to_string());
    }
    out
}

/// Whether `name` is one of `excluded` or inside a package of it.
fn is_excluded(name: &str, excluded: &[String]) -> bool {
    excluded.iter().any(|e| {
        name == e
            || name
                .strip_prefix(e.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Today's date as Bacula prints build dates: `26 November 2026`.
fn build_date() -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = secs.div_euclid(86400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{day} {} {year}", MONTHS[(month - 1) as usize])
}

/// The boot modules in RustPython's frozen format: each module's code
/// object marshalled and lz4-compressed on its own, which is what the
/// interpreter's frozen table takes.
fn encode_boot(modules: &[&(String, bool, CodeObject)]) -> Vec<u8> {
    let codes: Vec<(&str, FrozenCodeObject<Vec<u8>>, bool)> = modules
        .iter()
        .map(|(n, package, code)| (n.as_str(), FrozenCodeObject::encode(code), *package))
        .collect();
    let entries = codes.iter().map(|(n, code, package)| {
        let module = FrozenModule {
            code: FrozenCodeObject {
                bytes: code.bytes.as_slice(),
            },
            package: *package,
        };
        (*n, module)
    });
    FrozenLib::encode(entries).bytes
}

/// The size of the dictionary the packed modules are compressed with.
/// Measured on the 507 packed modules of RustPython 0.6's library (zstd 19):
/// none 4,033,698 bytes, 64 KiB 3,532,304 (+ the dictionary), 110 KiB
/// 3,448,820 (3,481,158 with each frame's checksum); xz -9e one stream a
/// module gave 3,774,432.
const DICTIONARY_SIZE: usize = 110 * 1024;

/// zstd's level for the packed modules (19: the highest without `--ultra`,
/// whose levels gave the same size here).
const LEVEL: i32 = 19;

/// The packed modules, one zstd frame each in `packed` (compressed with
/// `dictionary`, trained on them all), and the index the importer finds
/// them by, as the Rust expression `src/python/stdlib.rs` includes: the
/// modules sorted by name (the binary search relies on it).
fn encode_packed(modules: &[&(String, bool, CodeObject)]) -> (Vec<u8>, Vec<u8>, String) {
    let marshalled: Vec<Vec<u8>> = modules
        .iter()
        .map(|(_, _, code)| {
            let mut data = Vec::new();
            marshal::serialize_code(&mut data, code);
            data
        })
        .collect();
    let dictionary = zstd::dict::from_samples(&marshalled, DICTIONARY_SIZE)
        .expect("zstd trains a dictionary on the packed modules");
    let mut compressor = zstd::bulk::Compressor::with_dictionary(LEVEL, &dictionary).unwrap();
    compressor
        .set_parameter(zstd::zstd_safe::CParameter::ChecksumFlag(true))
        .unwrap();
    let mut packed = Vec::new();
    let mut index = String::from("[\n");
    for ((name, package, _), data) in modules.iter().zip(&marshalled) {
        let frame = compressor
            .compress(data)
            .expect("zstd compresses a frozen module");
        writeln!(
            index,
            "    PackedModule {{ name: {name:?}, package: {package}, start: {}, len: {}, size: {} }},",
            packed.len(),
            frame.len(),
            data.len()
        )
        .unwrap();
        packed.extend_from_slice(&frame);
    }
    index.push(']');
    (packed, dictionary, index)
}

fn main() {
    println!("cargo:rustc-env=RDIRD_BUILD_DATE={}", build_date());
    let subset_dir = Path::new("stdlib-subset");
    let list = subset_dir.join("excluded.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    println!("cargo:rerun-if-changed=stdlib-subset/boot.txt");
    println!("cargo:rerun-if-changed={}", subset_dir.display());
    let lib = PathBuf::from(rustpython_pylib::LIB_PATH);
    let excluded = listed(&list);
    let boot_list = subset_dir.join("boot.txt");
    let boot = listed(&boot_list);

    let mut all = BTreeMap::new();
    modules_under(&lib, "", &mut all);
    for e in &excluded {
        assert!(
            all.keys().any(|n| is_excluded(n, std::slice::from_ref(e))),
            "{}: {e} is no module of RustPython's library",
            list.display()
        );
    }
    let mut modules: BTreeMap<String, Source> = all
        .into_iter()
        .filter(|(n, _)| !is_excluded(n, &excluded))
        .collect();

    // The project's own modules.
    for entry in fs::read_dir(subset_dir).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "py") {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
            println!("cargo:rerun-if-changed={}", path.display());
            modules.insert(
                stem,
                Source {
                    path,
                    package: false,
                },
            );
        }
    }

    let mut frozen = Vec::new();
    let mut failed = Vec::new();
    for (name, src) in &modules {
        let text = fs::read_to_string(&src.path).unwrap_or_default();
        match compile(&text, Mode::Exec, name, CompileOpts::default()) {
            Ok(code) => frozen.push((name.clone(), src.package, code)),
            Err(e) => failed.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failed.is_empty(),
        "modules that do not compile (leave them out in {}, with the reason): {}",
        list.display(),
        failed.join("; ")
    );
    for b in &boot {
        assert!(
            frozen.iter().any(|(n, _, _)| n == b),
            "{}: {b} is no module frozen (a module of the library, not excluded)",
            boot_list.display()
        );
    }
    frozen.sort_by(|a, b| a.0.cmp(&b.0));
    let (boot_modules, packed_modules): (Vec<_>, Vec<_>) =
        frozen.iter().partition(|(n, _, _)| boot.contains(n));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    fs::write(out.join("stdlib.boot"), encode_boot(&boot_modules)).unwrap();
    let (packed, dictionary, index) = encode_packed(&packed_modules);
    fs::write(out.join("stdlib.packed"), packed).unwrap();
    fs::write(out.join("stdlib.dict"), dictionary).unwrap();
    fs::write(out.join("stdlib_index.rs"), index).unwrap();
    let names: Vec<&str> = frozen.iter().map(|(n, _, _)| n.as_str()).collect();
    fs::write(out.join("stdlib.modules"), names.join("\n")).unwrap();
}
