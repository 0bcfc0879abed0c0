//! Replays the configuration fuzzer's saved corpus (fuzz/corpus/config) and
//! the inputs it once crashed on (fuzz/regressions/config): every input must
//! give a configuration or an error, never a panic.

use std::fs;
use std::path::Path;

fn replay(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = fs::read(&path).unwrap();
        if data.contains(&b'@') {
            continue; // the fuzz target skips includes too
        }
        let result =
            std::panic::catch_unwind(|| rdird::config::Config::parse_text("fuzz.conf", &data));
        assert!(result.is_ok(), "parser panicked on {}", path.display());
        n += 1;
    }
    n
}

#[test]
fn saved_fuzz_inputs_never_panic_the_parser() {
    let n = replay(Path::new("fuzz/corpus/config")) + replay(Path::new("fuzz/regressions/config"));
    assert!(
        n >= 3,
        "the corpus holds at least the three seed configurations, found {n}"
    );
}
