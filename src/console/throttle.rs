//! Slowing down password guessing: after three wrong answers to the
//! console challenge from one address, each further attempt from it waits
//! between its Hello and its challenge, one second doubling up to 4; a
//! minute without failures, or a good login, forgives the address. Only a
//! wrong answer counts: a connection that closes or times out before it
//! answers says nothing about the password. The wait stays well below
//! bconsole's own 15 s for the challenge (bconsole.c), so a console with the
//! right password from a guessed-at address still gets in, and the login
//! deadline starts again after it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures that are free before attempts are slowed down.
const FREE: u32 = 3;
/// The longest wait.
pub const MAX_WAIT: Duration = Duration::from_secs(4);
/// How long failures are remembered.
const MEMORY: Duration = Duration::from_secs(60);

/// Failed logins per address.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl Throttle {
    /// How long the next attempt from `ip` waits.
    pub fn wait_for(&self, ip: IpAddr) -> Duration {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, (_, last)| last.elapsed() < MEMORY);
        match map.get(&ip) {
            Some((n, _)) if *n >= FREE => {
                let doublings = (*n - FREE).min(2);
                Duration::from_secs(1u64 << doublings).min(MAX_WAIT)
            }
            _ => Duration::ZERO,
        }
    }

    /// A wrong answer to the challenge from `ip`; how many in a row.
    pub fn failed(&self, ip: IpAddr) -> u32 {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(ip).or_insert((0, Instant::now()));
        entry.0 += 1;
        entry.1 = Instant::now();
        entry.0
    }

    /// A good login from `ip`.
    pub fn succeeded(&self, ip: IpAddr) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_start_after_three_failures_and_double() {
        let t = Throttle::default();
        let ip: IpAddr = [192, 0, 2, 7].into();
        let other: IpAddr = [192, 0, 2, 8].into();
        for _ in 0..3 {
            assert_eq!(t.wait_for(ip), Duration::ZERO);
            t.failed(ip);
        }
        assert_eq!(t.wait_for(ip), Duration::from_secs(1));
        t.failed(ip);
        assert_eq!(t.wait_for(ip), Duration::from_secs(2));
        for _ in 0..10 {
            t.failed(ip);
        }
        assert_eq!(t.wait_for(ip), MAX_WAIT);
        assert_eq!(t.wait_for(other), Duration::ZERO);
        t.succeeded(ip);
        assert_eq!(t.wait_for(ip), Duration::ZERO);
    }
}
