//! Replays the fuzzers' saved corpora (fuzz/corpus/config, fuzz/corpus/bnet)
//! and the inputs they once crashed on (fuzz/regressions/…): every input
//! must give a result or an error, never a panic.

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

/// Reads every packet of every saved bnet input, as the fuzz target does.
fn replay_packets(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| {
            let mut r = std::io::Cursor::new(&data);
            let mut scratch = Vec::new();
            while let Ok(p) = rdird::bnet::packet::read_packet(&mut r, &mut scratch) {
                let _ = rdird::console::login::console_name(&p.text());
            }
        });
        assert!(
            result.is_ok(),
            "packet reading panicked on {}",
            path.display()
        );
        n += 1;
    }
    n
}

#[test]
fn saved_bnet_inputs_never_panic_the_packet_reader() {
    let n = replay_packets(Path::new("fuzz/corpus/bnet"))
        + replay_packets(Path::new("fuzz/regressions/bnet"));
    assert!(
        n >= 4,
        "the corpus holds at least the four seed inputs, found {n}"
    );
}
