//! Fuzzes `rdird::inputs::schedule`: any input gives a result or an error,
//! never a panic or a hang.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| rdird::inputs::schedule(data));
