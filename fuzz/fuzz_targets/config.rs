//! Fuzzes the configuration lexer and parser: any bytes must give a
//! configuration or an error, never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Includes would read or run whatever the input names: keep them out.
    if data.contains(&b'@') {
        return;
    }
    let _ = rdird::config::Config::parse_text("fuzz.conf", data);
});
