//! Freezes the Python standard-library subset into the binary.
//!
//! `stdlib-subset/modules.txt` names the modules a Director script may
//! import; this script adds every module they import in turn (found by
//! reading their `import` lines), compiles them with RustPython's compiler
//! from the `Lib` directory that the rustpython-pylib crate ships, adds the
//! project's own modules (`stdlib-subset/*.py`), and writes one frozen
//! library to `$OUT_DIR/stdlib.frozen`. Modules nobody imports stay out of
//! the binary.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

use rustpython_compiler::{compile, CompileOpts, Mode};
use rustpython_compiler_core::frozen::{FrozenCodeObject, FrozenLib, FrozenModule};

/// A module to freeze: its dotted name, its source file, and whether it is a
/// package's `__init__`.
struct Source {
    path: PathBuf,
    package: bool,
}

/// The file of module `name` under `lib`, if there is one.
fn locate(lib: &Path, name: &str) -> Option<(PathBuf, bool)> {
    let rel: PathBuf = name.split('.').collect();
    let pkg = lib.join(&rel).join("__init__.py");
    if pkg.is_file() {
        return Some((pkg, true));
    }
    let file = lib.join(&rel).with_extension("py");
    file.is_file().then_some((file, false))
}

/// Every module of a package directory, by dotted name.
fn package_modules(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Source>) {
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
        if path.is_dir() {
            if path.join("__init__.py").is_file() && stem != "tests" && stem != "test" {
                let name = format!("{prefix}.{stem}");
                package_modules(&path, &name, out);
            }
        } else if path.extension().is_some_and(|e| e == "py") {
            let (name, package) = if stem == "__init__" {
                (prefix.to_string(), true)
            } else {
                (format!("{prefix}.{stem}"), false)
            };
            out.insert(name, Source { path, package });
        }
    }
}

/// The modules a source file imports when it is loaded: at module level,
/// including inside top-level `try`/`if` blocks, but not inside functions
/// and classes (those run later, if ever) nor under `if __name__ ==`.
fn imports(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut in_body = false;
    for line in text.lines() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let top = t.len() == line.len();
        if top {
            if line.starts_with("if __name__") {
                break;
            }
            in_body = ["def ", "class ", "async def ", "@"]
                .iter()
                .any(|k| t.starts_with(k));
        } else if in_body {
            continue;
        }
        let names: Vec<&str> = if let Some(rest) = t.strip_prefix("import ") {
            rest.split(',')
                .map(|p| p.split_whitespace().next().unwrap_or(""))
                .collect()
        } else if let Some(rest) = t.strip_prefix("from ") {
            vec![rest.split_whitespace().next().unwrap_or("")]
        } else {
            continue;
        };
        for n in names {
            let n = n.trim_end_matches([';', ')', '(', '\\']);
            if n.is_empty() || n.starts_with('.') {
                continue;
            }
            // `a.b` needs `a` and `a.b`.
            let mut acc = String::new();
            for part in n.split('.') {
                if !part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    break;
                }
                if !acc.is_empty() {
                    acc.push('.');
                }
                acc.push_str(part);
                out.insert(acc.clone());
            }
        }
    }
    out
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

fn main() {
    println!("cargo:rustc-env=RDIRD_BUILD_DATE={}", build_date());
    let subset_dir = Path::new("stdlib-subset");
    let list = subset_dir.join("modules.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    println!("cargo:rerun-if-changed={}", subset_dir.display());
    let lib = PathBuf::from(rustpython_pylib::LIB_PATH);

    let wanted: Vec<String> = fs::read_to_string(&list)
        .expect("stdlib-subset/modules.txt lists the frozen modules")
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();

    let mut modules: BTreeMap<String, Source> = BTreeMap::new();
    let mut queue: VecDeque<String> = wanted.iter().cloned().collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let Some((path, package)) = locate(&lib, &name) else {
            continue; // a built-in (Rust) module, or one this platform lacks
        };
        let mut found = BTreeMap::new();
        if package {
            package_modules(path.parent().unwrap(), &name, &mut found);
        } else {
            found.insert(name.clone(), Source { path, package });
        }
        for (n, src) in found {
            let text = fs::read_to_string(&src.path).unwrap_or_default();
            for imported in imports(&text) {
                if !seen.contains(&imported) {
                    queue.push_back(imported);
                }
            }
            modules.insert(n, src);
        }
    }

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
    for (name, src) in &modules {
        let text = fs::read_to_string(&src.path).unwrap_or_default();
        match compile(&text, Mode::Exec, name, CompileOpts::default()) {
            Ok(code) => frozen.push((
                name.clone(),
                FrozenModule {
                    code: FrozenCodeObject::encode(&code),
                    package: src.package,
                },
            )),
            Err(e) => println!("cargo:warning=not freezing {name}: {e}"),
        }
    }
    let entries: Vec<(&str, FrozenModule<&[u8]>)> = frozen
        .iter()
        .map(|(n, m)| {
            let module = FrozenModule {
                code: FrozenCodeObject {
                    bytes: m.code.bytes.as_slice(),
                },
                package: m.package,
            };
            (n.as_str(), module)
        })
        .collect();
    let lib_bytes = FrozenLib::encode(entries);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    fs::write(out.join("stdlib.frozen"), &lib_bytes.bytes).unwrap();
    let names: Vec<&str> = frozen.iter().map(|(n, _)| n.as_str()).collect();
    fs::write(out.join("stdlib.modules"), names.join("\n")).unwrap();
}
