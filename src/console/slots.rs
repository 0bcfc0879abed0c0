//! How many consoles may be at the door and inside at once. Connections
//! still logging in hold a login place (Maximum Console Logins), and one
//! address holds at most half of them. When an address at its share
//! connects again, its own place is dropped to make room; when all places
//! are taken, the one dropped is a connection that has not sent its Hello
//! yet if any, from the address holding the most places, the oldest of
//! those. So a crowd of connections from one address sheds itself, and a
//! console from elsewhere, however slow its network, keeps its place
//! (sshd's MaxStartups sheds at random and bacula-dir 9.6.7 not at all).
//! Logged-in sessions hold a session place (Maximum Console Connections).
//! Each place is a guard that frees itself when dropped, so a session
//! that ends in any way, a panic included, gives its place back.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// A connection still logging in.
struct Waiting {
    id: u64,
    addr: SocketAddr,
    since: Instant,
    /// Whether it has sent its Hello.
    hello: bool,
    /// A second handle on its socket, to end it from the accepting thread.
    socket: TcpStream,
    shed: Arc<AtomicBool>,
}

/// The places of one console listener.
#[derive(Default)]
pub struct Slots {
    logging_in: Mutex<Vec<Waiting>>,
    sessions: AtomicUsize,
    next_id: AtomicU64,
}

/// A connection's place while it logs in.
pub struct LoginSlot {
    slots: Arc<Slots>,
    id: u64,
    shed: Arc<AtomicBool>,
}

/// A logged-in session's place.
pub struct SessionSlot {
    slots: Arc<Slots>,
}

/// The most login places one address holds out of `max`.
fn share(max: usize) -> usize {
    (max / 2).max(1)
}

/// Which waiting connection to drop: among `candidates`, one without its
/// Hello first, then from the address holding the most places, then the
/// oldest.
fn victim(waiting: &[Waiting], candidates: impl Fn(&Waiting) -> bool) -> Option<usize> {
    let mut held: HashMap<IpAddr, usize> = HashMap::new();
    for w in waiting {
        *held.entry(w.addr.ip()).or_default() += 1;
    }
    waiting
        .iter()
        .enumerate()
        .filter(|(_, w)| candidates(w))
        .min_by_key(|(_, w)| (w.hello, std::cmp::Reverse(held[&w.addr.ip()]), w.since))
        .map(|(i, _)| i)
}

impl Slots {
    fn waiting(&self) -> MutexGuard<'_, Vec<Waiting>> {
        self.logging_in.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A login place for the connection `socket` from `addr`, dropping
    /// another connection still logging in when `addr` already holds its
    /// share of `max`, or when `max` are logging in.
    pub fn login(self: &Arc<Self>, socket: &TcpStream, addr: SocketAddr, max: usize) -> LoginSlot {
        let max = max.max(1);
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let shed = Arc::new(AtomicBool::new(false));
        let mut waiting = self.waiting();
        loop {
            let own = waiting.iter().filter(|w| w.addr.ip() == addr.ip()).count();
            let (why, found) = if own >= share(max) {
                let why = format!(
                    "{own} consoles from {} are still logging in, the most one address may (half of Maximum Console Logins, {max})",
                    addr.ip()
                );
                (why, victim(&waiting, |w| w.addr.ip() == addr.ip()))
            } else if waiting.len() >= max {
                let why = format!("{max} consoles are still logging in (Maximum Console Logins)");
                (why, victim(&waiting, |_| true))
            } else {
                break;
            };
            let Some(i) = found else {
                break;
            };
            let dropped = waiting.swap_remove(i);
            dropped.shed.store(true, Ordering::SeqCst);
            let _ = dropped.socket.shutdown(std::net::Shutdown::Both);
            tracing::warn!(
                "{why}: dropping the one from {}{}, after {} ms, for the console at {addr}",
                dropped.addr,
                if dropped.hello {
                    ""
                } else {
                    " that sent no Hello"
                },
                dropped.since.elapsed().as_millis()
            );
        }
        match socket.try_clone() {
            Ok(socket) => waiting.push(Waiting {
                id,
                addr,
                since: Instant::now(),
                hello: false,
                socket,
                shed: shed.clone(),
            }),
            // Without a second handle it cannot be shed: it still has its
            // login deadline.
            Err(e) => tracing::warn!("the console at {addr} cannot be shed: {e}"),
        }
        LoginSlot {
            slots: self.clone(),
            id,
            shed,
        }
    }

    /// Logged-in sessions now.
    pub fn sessions(&self) -> usize {
        self.sessions.load(Ordering::SeqCst)
    }

    /// A session place for a console that has logged in, if fewer than
    /// `max` sessions are open; its login place is given back either way.
    pub fn session(self: &Arc<Self>, login: LoginSlot, max: usize) -> Option<SessionSlot> {
        drop(login);
        self.sessions
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| SessionSlot {
                slots: self.clone(),
            })
    }
}

impl LoginSlot {
    /// Whether it was dropped to make room for a newer connection.
    pub fn is_shed(&self) -> bool {
        self.shed.load(Ordering::SeqCst)
    }

    /// The connection has sent its Hello: it is dropped for room only
    /// after every connection that has not.
    pub fn said_hello(&self) {
        if let Some(w) = self.slots.waiting().iter_mut().find(|w| w.id == self.id) {
            w.hello = true;
        }
    }
}

impl Drop for LoginSlot {
    fn drop(&mut self) {
        self.slots.waiting().retain(|w| w.id != self.id);
    }
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        self.slots.sessions.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn pair(l: &TcpListener) -> (TcpStream, TcpStream) {
        let near = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (far, _) = l.accept().unwrap();
        (near, far)
    }

    fn from(ip: [u8; 4]) -> SocketAddr {
        SocketAddr::from((ip, 9101))
    }

    #[test]
    fn a_full_door_drops_the_oldest_login_and_closes_its_socket() {
        use std::io::Read;
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let slots = Arc::new(Slots::default());
        let (mut first_near, first) = pair(&l);
        let (_second_near, second) = pair(&l);
        let (_third_near, third) = pair(&l);
        let a = slots.login(&first, from([127, 0, 0, 1]), 2);
        let b = slots.login(&second, from([127, 0, 0, 2]), 2);
        assert!(!a.is_shed() && !b.is_shed());
        let c = slots.login(&third, from([127, 0, 0, 3]), 2);
        assert!(a.is_shed() && !b.is_shed() && !c.is_shed());
        assert_eq!(first_near.read(&mut [0u8; 8]).unwrap(), 0, "closed");
        assert_eq!(slots.waiting().len(), 2);
        drop(a);
        assert_eq!(slots.waiting().len(), 2, "a shed place is not freed twice");
        drop(b);
        assert_eq!(slots.waiting().len(), 1);
    }

    #[test]
    fn a_flood_from_one_address_sheds_itself_and_never_a_console_from_elsewhere() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let slots = Arc::new(Slots::default());
        let (_near, console_socket) = pair(&l);
        let console = slots.login(&console_socket, from([127, 0, 0, 1]), 10);
        let mut flood = Vec::new();
        for _ in 0..100 {
            let (near, far) = pair(&l);
            flood.push((near, slots.login(&far, from([127, 0, 0, 2]), 10)));
        }
        assert!(!console.is_shed(), "not even before its Hello");
        let held = flood.iter().filter(|(_, s)| !s.is_shed()).count();
        assert_eq!(held, 5, "one address holds half the places");
        assert!(
            flood[..95].iter().all(|(_, s)| s.is_shed()),
            "the oldest went"
        );
    }

    #[test]
    fn one_that_said_hello_is_dropped_only_when_every_place_is_past_hello() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let slots = Arc::new(Slots::default());
        let mut held = Vec::new();
        for i in 0..4u8 {
            let (near, far) = pair(&l);
            held.push((near, slots.login(&far, from([127, 0, 0, 10 + i]), 4)));
        }
        held[0].1.said_hello();
        held[2].1.said_hello();
        let (_n, newer) = pair(&l);
        let fifth = slots.login(&newer, from([127, 0, 0, 20]), 4);
        let shed: Vec<bool> = held.iter().map(|(_, s)| s.is_shed()).collect();
        assert_eq!(
            shed,
            [false, true, false, false],
            "the oldest without Hello"
        );
        fifth.said_hello();
        held[3].1.said_hello();
        let (_n, last) = pair(&l);
        let _sixth = slots.login(&last, from([127, 0, 0, 21]), 4);
        let shed: Vec<bool> = held.iter().map(|(_, s)| s.is_shed()).collect();
        assert_eq!(
            shed,
            [true, true, false, false],
            "all past Hello: the oldest"
        );
        assert!(!fifth.is_shed());
    }

    #[test]
    fn sessions_are_counted_and_a_panic_gives_the_place_back() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let slots = Arc::new(Slots::default());
        let addr = from([127, 0, 0, 1]);
        let (_n, s) = pair(&l);
        let one = slots.session(slots.login(&s, addr, 5), 1).unwrap();
        assert_eq!(slots.waiting().len(), 0);
        assert_eq!(slots.sessions(), 1);
        assert!(slots.session(slots.login(&s, addr, 5), 1).is_none());
        let moved = slots.clone();
        let panicked = std::thread::spawn(move || {
            let _held = one;
            let _login = moved.login(&s, addr, 5);
            panic!("a command went wrong");
        })
        .join();
        assert!(panicked.is_err());
        assert_eq!(slots.sessions(), 0);
        assert_eq!(slots.waiting().len(), 0);
    }
}
