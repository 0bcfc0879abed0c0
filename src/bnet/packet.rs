//! One Bacula packet: data, or a signal (a negative length with no data).

/// The largest packet Bacula sends or accepts.
pub const MAX_PACKET: usize = 1_000_000;

/// Length flag: the payload is a raw LZ4 block with no size prefix.
pub const COMPRESSED: u32 = 0x4000_0000;
/// Length flag: a big-endian flags word follows, not counted in the length.
pub const HAS_FLAGS: u32 = 0x2000_0000;

/// The signals Bacula uses (negative lengths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// End of data: the end of a command's output.
    Eod,
    EodPoll,
    Status,
    /// The peer is closing the connection.
    Terminate,
    Poll,
    Heartbeat,
    HbResponse,
    /// Clock synchronisation request.
    Btime,
    /// "Enter input" prompt (a question awaits an answer).
    SubPrompt,
    /// A console command's output begins (api mode).
    CmdBegin,
    /// A console command succeeded (api mode).
    CmdOk,
    /// A console command failed (api mode).
    CmdFailed,
    /// Messages wait for the console (api mode's "You have messages.").
    MsgsPending,
    /// The Director waits for the next command (api mode's end of output).
    MainPrompt,
    /// The next packet is an error message (api mode).
    ErrorMsg,
    /// The next packet is a warning (api mode).
    WarningMsg,
    /// The next packet is an information line (api mode).
    InfoMsg,
    /// The next packet is a prompt for a line of text (api mode).
    TextInput,
    /// A `run` command's summary follows (api mode): bat opens its run
    /// dialog on it.
    RunCmd,
    /// A selection list starts (api mode): its heading, then its items.
    StartSelect,
    /// The selection list ends (api mode).
    EndSelect,
    /// The Director waits for the number of an item (api mode).
    SelectInput,
    /// Any other signal, by number.
    Other(i32),
}

impl Signal {
    pub fn code(self) -> i32 {
        match self {
            Signal::Eod => -1,
            Signal::EodPoll => -2,
            Signal::Status => -3,
            Signal::Terminate => -4,
            Signal::Poll => -5,
            Signal::Heartbeat => -6,
            Signal::HbResponse => -7,
            Signal::Btime => -9,
            Signal::CmdFailed => -14,
            Signal::CmdOk => -15,
            Signal::CmdBegin => -16,
            Signal::MsgsPending => -17,
            Signal::MainPrompt => -18,
            Signal::WarningMsg => -20,
            Signal::ErrorMsg => -21,
            Signal::InfoMsg => -22,
            Signal::RunCmd => -23,
            Signal::SubPrompt => -27,
            Signal::TextInput => -28,
            Signal::StartSelect => -11,
            Signal::EndSelect => -12,
            Signal::SelectInput => -19,
            Signal::Other(n) => n,
        }
    }

    pub fn from_code(n: i32) -> Signal {
        match n {
            -1 => Signal::Eod,
            -2 => Signal::EodPoll,
            -3 => Signal::Status,
            -4 => Signal::Terminate,
            -5 => Signal::Poll,
            -6 => Signal::Heartbeat,
            -7 => Signal::HbResponse,
            -9 => Signal::Btime,
            -14 => Signal::CmdFailed,
            -15 => Signal::CmdOk,
            -16 => Signal::CmdBegin,
            -17 => Signal::MsgsPending,
            -18 => Signal::MainPrompt,
            -20 => Signal::WarningMsg,
            -21 => Signal::ErrorMsg,
            -22 => Signal::InfoMsg,
            -23 => Signal::RunCmd,
            -27 => Signal::SubPrompt,
            -28 => Signal::TextInput,
            -11 => Signal::StartSelect,
            -12 => Signal::EndSelect,
            -19 => Signal::SelectInput,
            n => Signal::Other(n),
        }
    }
}

/// What arrives on a Bacula connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    Data(Vec<u8>),
    Signal(Signal),
}

impl Packet {
    /// The data as text (every byte kept; see `rawtext`), without a
    /// trailing NUL.
    pub fn text(&self) -> String {
        match self {
            Packet::Data(d) => {
                let d = d.strip_suffix(&[0]).unwrap_or(d);
                super::rawtext::decode(d)
            }
            Packet::Signal(_) => String::new(),
        }
    }
}

/// Why a 4-byte header is not a packet we accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    TooLong(usize),
}

/// What a 4-byte header announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Header {
    Signal(Signal),
    Data {
        len: usize,
        compressed: bool,
        has_flags: bool,
    },
}

/// Reads a packet header.
pub fn parse_header(raw: [u8; 4]) -> Result<Header, HeaderError> {
    let n = i32::from_be_bytes(raw);
    if n < 0 {
        return Ok(Header::Signal(Signal::from_code(n)));
    }
    let v = n as u32;
    let compressed = v & COMPRESSED != 0;
    let has_flags = v & HAS_FLAGS != 0;
    let len = (v & !(COMPRESSED | HAS_FLAGS)) as usize;
    if len > MAX_PACKET {
        return Err(HeaderError::TooLong(len));
    }
    Ok(Header::Data {
        len,
        compressed,
        has_flags,
    })
}

/// Why a packet could not be read from a stream.
#[derive(Debug)]
pub enum ReadError {
    Io(std::io::Error),
    /// The length is over the limit (`MAX_PACKET`, or less where the
    /// reader asked for less).
    TooLong(usize),
    /// A compressed packet that does not decompress.
    Corrupt(String),
}

/// Reads one packet from `r`; `inflate` is scratch space for LZ4 packets.
pub fn read_packet<R: std::io::Read>(
    r: &mut R,
    inflate: &mut Vec<u8>,
) -> Result<Packet, ReadError> {
    read_packet_within(r, inflate, MAX_PACKET)
}

/// As `read_packet`, refusing a packet longer than `max` bytes before
/// reading any of it.
pub fn read_packet_within<R: std::io::Read>(
    r: &mut R,
    inflate: &mut Vec<u8>,
    max: usize,
) -> Result<Packet, ReadError> {
    use std::io::Read;
    let mut raw = [0u8; 4];
    r.read_exact(&mut raw).map_err(ReadError::Io)?;
    let header = parse_header(raw).map_err(|HeaderError::TooLong(len)| ReadError::TooLong(len))?;
    let (len, compressed, has_flags) = match header {
        Header::Signal(s) => return Ok(Packet::Signal(s)),
        Header::Data {
            len,
            compressed,
            has_flags,
        } => (len, compressed, has_flags),
    };
    if len > max {
        return Err(ReadError::TooLong(len));
    }
    if has_flags {
        let mut flags = [0u8; 4];
        r.read_exact(&mut flags).map_err(ReadError::Io)?;
    }
    // The buffer grows with what arrives, so a length announced and never
    // sent costs nothing.
    let mut data = Vec::with_capacity(len.min(READ_STEP));
    let got = r
        .take(len as u64)
        .read_to_end(&mut data)
        .map_err(ReadError::Io)?;
    if got < len {
        return Err(ReadError::Io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    if !compressed {
        return Ok(Packet::Data(data));
    }
    inflate.resize(MAX_PACKET, 0);
    let n = lz4_flex::block::decompress_into(&data, inflate)
        .map_err(|e| ReadError::Corrupt(format!("a compressed packet does not decompress: {e}")))?;
    Ok(Packet::Data(inflate[..n].to_vec()))
}

/// What a packet's buffer starts with before its bytes arrive.
const READ_STEP: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_packets_are_inflated() {
        let text = b"a line that repeats, a line that repeats, a line that repeats\n";
        let block = lz4_flex::block::compress(text);
        let mut wire = (COMPRESSED | block.len() as u32).to_be_bytes().to_vec();
        wire.extend_from_slice(&block);
        wire.extend_from_slice(&(-1i32).to_be_bytes());
        let mut r = std::io::Cursor::new(wire);
        let mut scratch = Vec::new();
        assert_eq!(
            read_packet(&mut r, &mut scratch).unwrap(),
            Packet::Data(text.to_vec())
        );
        assert_eq!(
            read_packet(&mut r, &mut scratch).unwrap(),
            Packet::Signal(Signal::Eod)
        );
    }

    #[test]
    fn headers_are_read_as_bacula_writes_them() {
        assert_eq!(
            parse_header((-1i32).to_be_bytes()),
            Ok(Header::Signal(Signal::Eod))
        );
        assert_eq!(
            parse_header((-27i32).to_be_bytes()),
            Ok(Header::Signal(Signal::SubPrompt))
        );
        assert_eq!(
            parse_header(12u32.to_be_bytes()),
            Ok(Header::Data {
                len: 12,
                compressed: false,
                has_flags: false
            })
        );
        assert_eq!(
            parse_header((COMPRESSED | 40).to_be_bytes()),
            Ok(Header::Data {
                len: 40,
                compressed: true,
                has_flags: false
            })
        );
        assert_eq!(
            parse_header(2_000_000u32.to_be_bytes()),
            Err(HeaderError::TooLong(2_000_000))
        );
    }

    #[test]
    fn a_packet_over_the_readers_limit_is_refused_unread() {
        let mut wire = 5000u32.to_be_bytes().to_vec();
        wire.extend_from_slice(&[b'x'; 5000]);
        let mut r = std::io::Cursor::new(wire);
        let got = read_packet_within(&mut r, &mut Vec::new(), 4096);
        assert!(matches!(got, Err(ReadError::TooLong(5000))), "{got:?}");
        assert_eq!(r.position(), 4, "only the header was read");
    }

    #[test]
    fn a_packet_cut_short_is_an_error() {
        let mut wire = 100u32.to_be_bytes().to_vec();
        wire.extend_from_slice(b"Hello *Use");
        let got = read_packet(&mut std::io::Cursor::new(wire), &mut Vec::new());
        assert!(matches!(got, Err(ReadError::Io(_))), "{got:?}");
    }
}
