//! Bacula's network layer as the Director speaks it: packets (a 4-byte
//! big-endian length; negative lengths are signals), LZ4-compressed
//! packets, and CRAM-MD5 in both directions with Bacula's own base64.
//!
//! Names with spaces travel escaped (`spaces`).
//!
//! It moves whole packets; what they mean is for `console/` and `peer/`.

pub mod base64;
pub mod conn;
pub mod cram;
pub mod packet;
pub mod rawtext;
pub mod spaces;

pub use conn::{BnetError, Connection};
pub use packet::{Packet, Signal};
