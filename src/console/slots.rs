//! How many consoles may be at the door and inside at once. Connections
//! still logging in hold a login place (Maximum Console Logins); when all
//! are taken, the oldest is dropped to make room, as sshd's MaxStartups
//! sheds load, so that a crowd of connections that never finish their
//! Hello cannot keep a real console out. Logged-in sessions hold a session
//! place (Maximum Console Connections). Each place is a guard that frees
//! itself when dropped, so a session that ends in any way, a panic
//! included, gives its place back.

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// A connection still logging in.
struct Waiting {
    id: u64,
    addr: SocketAddr,
    since: Instant,
    /// A second handle on its socket, to end it from the accepting thread.
    socket: TcpStream,
    shed: Arc<AtomicBool>,
}

/// The places of one console listener.
#[derive(Default)]
pub struct Slots {
    logging_in: Mutex<VecDeque<Waiting>>,
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

impl Slots {
    fn waiting(&self) -> MutexGuard<'_, VecDeque<Waiting>> {
        self.logging_in.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A login place for the connection `socket` from `addr`, dropping the
    /// oldest connections still logging in while `max` are.
    pub fn login(self: &Arc<Self>, socket: &TcpStream, addr: SocketAddr, max: usize) -> LoginSlot {
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        let shed = Arc::new(AtomicBool::new(false));
        let mut waiting = self.waiting();
        while waiting.len() >= max.max(1) {
            let Some(oldest) = waiting.pop_front() else {
                break;
            };
            oldest.shed.store(true, Ordering::SeqCst);
            let _ = oldest.socket.shutdown(std::net::Shutdown::Both);
            tracing::warn!(
                "{max} consoles are still logging in (Maximum Console Logins): dropping the oldest, from {}, after {} ms, for the console at {addr}",
                oldest.addr,
                oldest.since.elapsed().as_millis()
            );
        }
        match socket.try_clone() {
            Ok(socket) => waiting.push_back(Waiting {
                id,
                addr,
                since: Instant::now(),
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

    #[test]
    fn a_full_door_drops_the_oldest_login_and_closes_its_socket() {
        use std::io::Read;
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let slots = Arc::new(Slots::default());
        let addr = l.local_addr().unwrap();
        let (mut first_near, first) = pair(&l);
        let (_second_near, second) = pair(&l);
        let (_third_near, third) = pair(&l);
        let a = slots.login(&first, addr, 2);
        let b = slots.login(&second, addr, 2);
        assert!(!a.is_shed() && !b.is_shed());
        let c = slots.login(&third, addr, 2);
        assert!(a.is_shed() && !b.is_shed() && !c.is_shed());
        assert_eq!(first_near.read(&mut [0u8; 8]).unwrap(), 0, "closed");
        assert_eq!(slots.waiting().len(), 2);
        drop(a);
        assert_eq!(slots.waiting().len(), 2, "a shed place is not freed twice");
        drop(b);
        assert_eq!(slots.waiting().len(), 1);
    }

    #[test]
    fn sessions_are_counted_and_a_panic_gives_the_place_back() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let slots = Arc::new(Slots::default());
        let addr = l.local_addr().unwrap();
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
