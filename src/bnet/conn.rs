//! A connection that reads and writes whole Bacula packets, with a timeout
//! on every read, an optional deadline over several reads, and a limit on
//! the packets it accepts. Errors name the peer.

use std::fmt;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::packet::{read_packet_within, Packet, ReadError, Signal, MAX_PACKET};

/// What went wrong on a connection, and with whom.
#[derive(Debug)]
pub enum BnetError {
    /// The peer closed the connection.
    Closed {
        peer: String,
    },
    /// No packet arrived in time.
    Timeout {
        peer: String,
    },
    /// The peer announced a packet longer than Bacula allows, or than
    /// the connection accepts at this point (`max`).
    TooLong {
        peer: String,
        len: usize,
        max: usize,
    },
    /// The peer sent something that is not what the protocol says.
    Protocol {
        peer: String,
        what: String,
    },
    Io {
        peer: String,
        err: std::io::Error,
    },
}

impl fmt::Display for BnetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BnetError::Closed { peer } => write!(f, "{peer} closed the connection"),
            BnetError::Timeout { peer } => write!(f, "{peer} sent nothing in time"),
            BnetError::TooLong { peer, len, max } if *max < MAX_PACKET && *len <= MAX_PACKET => {
                write!(
                    f,
                    "{peer} announced a packet of {len} bytes; the most accepted before it has logged in is {max}"
                )
            }
            BnetError::TooLong { peer, len, .. } => write!(
                f,
                "{peer} announced a packet of {len} bytes; the most Bacula allows is {MAX_PACKET}"
            ),
            BnetError::Protocol { peer, what } => write!(f, "{peer}: {what}"),
            BnetError::Io { peer, err } => write!(f, "{peer}: {err}"),
        }
    }
}

impl std::error::Error for BnetError {}

/// The start of a packet as text, for the trace log (`-d 200`).
fn shown(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(&data[..data.len().min(120)]);
    text.trim_end_matches(['\n', '\0'])
        .escape_debug()
        .to_string()
}

/// A TCP connection to a Bacula peer.
pub struct Connection {
    stream: TcpStream,
    peer: String,
    /// Scratch space for LZ4 packets.
    inflate: Vec<u8>,
    /// Acknowledge each read at once (toward Bacula's daemons).
    quick_ack: bool,
    /// The timeout of each read.
    timeout: Option<Duration>,
    /// When every read must be over, whatever the timeout of each.
    deadline: Option<Instant>,
    /// The longest packet accepted.
    max_packet: usize,
}

/// The socket, read with a deadline: each read may wait only for the
/// time left, so a peer sending one byte at a time cannot stretch it.
struct Timed<'a> {
    stream: &'a TcpStream,
    timeout: Option<Duration>,
    deadline: Instant,
}

impl Read for Timed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(std::io::ErrorKind::TimedOut.into());
        }
        let wait = self.timeout.map_or(left, |t| t.min(left));
        self.stream.set_read_timeout(Some(wait))?;
        (&mut &*self.stream).read(buf)
    }
}

impl Connection {
    /// Wraps an accepted or connected stream; `peer` names it in errors.
    pub fn new(stream: TcpStream, peer: impl Into<String>, timeout: Duration) -> Connection {
        // Bacula's multi-write messages stall on Nagle's algorithm otherwise.
        let _ = stream.set_nodelay(true);
        let _ = stream.set_read_timeout(Some(timeout));
        Connection {
            stream,
            peer: peer.into(),
            inflate: Vec::new(),
            quick_ack: false,
            timeout: Some(timeout),
            deadline: None,
            max_packet: MAX_PACKET,
        }
    }

    /// From now on, acknowledges what arrives at once rather than after
    /// Linux's delayed-ACK timer: Bacula's daemons write small packets
    /// with Nagle's algorithm on, and each would otherwise wait about
    /// 40 ms for our ACK. (A console answered in one write needs no such
    /// help, and the extra ACKs would only cost it.)
    pub fn set_quick_ack(&mut self) {
        self.quick_ack = true;
    }

    /// Linux clears TCP_QUICKACK after a while, so it is set before each
    /// read.
    fn quick_ack(&self) {
        if !self.quick_ack {
            return;
        }
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let one: libc::c_int = 1;
            // SAFETY: setsockopt reads one c_int from the pointer given.
            unsafe {
                libc::setsockopt(
                    self.stream.as_raw_fd(),
                    libc::IPPROTO_TCP,
                    libc::TCP_QUICKACK,
                    (&one as *const libc::c_int).cast(),
                    std::mem::size_of::<libc::c_int>() as libc::socklen_t,
                );
            }
        }
    }

    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// Changes the read timeout (long waits, such as a console's next command).
    pub fn set_timeout(&mut self, timeout: Option<Duration>) {
        self.timeout = timeout;
        let _ = self.stream.set_read_timeout(timeout);
    }

    /// Every read until `set_deadline(None)` must be over by `deadline`
    /// (a console's whole login, however many packets it takes).
    pub fn set_deadline(&mut self, deadline: Option<Instant>) {
        self.deadline = deadline;
        if deadline.is_none() {
            let _ = self.stream.set_read_timeout(self.timeout);
        }
    }

    /// Refuses packets longer than `max` (at most Bacula's own limit)
    /// before reading them.
    pub fn set_max_packet(&mut self, max: usize) {
        self.max_packet = max.min(MAX_PACKET);
    }

    fn io(&self, err: std::io::Error) -> BnetError {
        match err.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => BnetError::Timeout {
                peer: self.peer.clone(),
            },
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe => BnetError::Closed {
                peer: self.peer.clone(),
            },
            _ => BnetError::Io {
                peer: self.peer.clone(),
                err,
            },
        }
    }

    /// Reads the next packet.
    pub fn recv(&mut self) -> Result<Packet, BnetError> {
        let p = self.recv_packet();
        if tracing::enabled!(tracing::Level::TRACE) {
            match &p {
                Ok(Packet::Data(d)) => tracing::trace!("{} < {}", self.peer, shown(d)),
                Ok(Packet::Signal(s)) => tracing::trace!("{} < signal {}", self.peer, s.code()),
                Err(e) => tracing::trace!("{} < {e}", self.peer),
            }
        }
        p
    }

    fn recv_packet(&mut self) -> Result<Packet, BnetError> {
        self.quick_ack();
        let read = match self.deadline {
            Some(deadline) => read_packet_within(
                &mut Timed {
                    stream: &self.stream,
                    timeout: self.timeout,
                    deadline,
                },
                &mut self.inflate,
                self.max_packet,
            ),
            None => read_packet_within(&mut self.stream, &mut self.inflate, self.max_packet),
        };
        read.map_err(|e| match e {
            ReadError::Io(err) => self.io(err),
            ReadError::TooLong(len) => BnetError::TooLong {
                peer: self.peer.clone(),
                len,
                max: self.max_packet,
            },
            ReadError::Corrupt(what) => BnetError::Protocol {
                peer: self.peer.clone(),
                what,
            },
        })
    }

    /// Reads the next packet, which must carry data; its text.
    pub fn recv_text(&mut self) -> Result<String, BnetError> {
        match self.recv()? {
            p @ Packet::Data(_) => Ok(p.text()),
            Packet::Signal(s) => Err(BnetError::Protocol {
                peer: self.peer.clone(),
                what: format!("expected data, got signal {}", s.code()),
            }),
        }
    }

    /// Sends several packets, then `signal` if any, in one write.
    fn write_packets<T: AsRef<[u8]>>(
        &mut self,
        packets: &[T],
        signal: Option<Signal>,
    ) -> Result<(), BnetError> {
        let mut buf = Vec::new();
        for p in packets {
            let p = p.as_ref();
            tracing::trace!("{} > {}", self.peer, shown(p));
            buf.extend_from_slice(&(p.len() as u32).to_be_bytes());
            buf.extend_from_slice(p);
        }
        if let Some(s) = signal {
            buf.extend_from_slice(&s.code().to_be_bytes());
        }
        self.stream.write_all(&buf).map_err(|e| self.io(e))
    }

    /// Sends several packets in one write.
    pub fn send_all<T: AsRef<[u8]>>(&mut self, packets: &[T]) -> Result<(), BnetError> {
        self.write_packets(packets, None)
    }

    /// Sends one data packet.
    pub fn send(&mut self, data: impl AsRef<[u8]>) -> Result<(), BnetError> {
        self.send_all(&[data])
    }

    /// Sends a signal.
    pub fn signal(&mut self, s: Signal) -> Result<(), BnetError> {
        self.write_packets::<&[u8]>(&[], Some(s))
    }

    /// Sends data packets and signals in their order, in one write.
    pub fn send_packets(&mut self, packets: &[Packet]) -> Result<(), BnetError> {
        let mut buf = Vec::new();
        for p in packets {
            match p {
                Packet::Data(d) => {
                    tracing::trace!("{} > {}", self.peer, shown(d));
                    buf.extend_from_slice(&(d.len() as u32).to_be_bytes());
                    buf.extend_from_slice(d);
                }
                Packet::Signal(s) => {
                    tracing::trace!("{} > signal {}", self.peer, s.code());
                    buf.extend_from_slice(&s.code().to_be_bytes());
                }
            }
        }
        self.stream.write_all(&buf).map_err(|e| self.io(e))
    }

    /// Sends data packets then one EOD, in one write.
    pub fn send_then_eod<T: AsRef<[u8]>>(&mut self, packets: &[T]) -> Result<(), BnetError> {
        self.write_packets(packets, Some(Signal::Eod))
    }

    /// A second handle on the socket, so that another thread can close it
    /// (to end a conversation that waits on a daemon gone quiet).
    pub fn closer(&self) -> Option<Closer> {
        self.stream.try_clone().ok().map(Closer)
    }

    /// Closes the connection for both directions.
    pub fn close(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// Closes a connection from another thread.
pub struct Closer(TcpStream);

impl Closer {
    /// Ends the connection; whoever reads it gets an error.
    pub fn close(&self) {
        let _ = self.0.shutdown(std::net::Shutdown::Both);
    }
}
