//! Fuzzes packet reading and the console Hello: any bytes from a peer must
//! give packets or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut r = std::io::Cursor::new(data);
    let mut scratch = Vec::new();
    while let Ok(p) = rdird::bnet::packet::read_packet(&mut r, &mut scratch) {
        let text = p.text();
        let _ = rdird::console::login::console_name(&text);
    }
});
