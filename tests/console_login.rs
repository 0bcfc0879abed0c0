//! A console's way in, tried as an attacker would: unknown names, wrong
//! and missing keys, a huge Hello, a crowd of connections that never log
//! in, a session left idle. Stock bconsole checks that the right consoles
//! still get in; a raw client of the test's own speaks the protocol where
//! bconsole cannot be made to misbehave.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

mod common;
use common::site::*;

use rdird::bnet::cram;
use rdird::bnet::packet::{read_packet, Packet};

const CONSOLES: &str = "Console {\n  Name = monitor\n  Password = \"monitor-secret\"\n  CommandACL = help, version, list\n  JobACL = Backup\n  ClientACL = test-fd\n  PoolACL = Full\n}\n\
     Console {\n  Name = blank\n  Password = \"\"\n  CommandACL = *all*\n}\n";

fn site(director_extra: &str) -> Setup {
    setup_director("fd-secret", None, director_extra, |_| CONSOLES.into())
}

/// One packet as Bacula frames it.
fn packet(data: &[u8]) -> Vec<u8> {
    let mut p = (data.len() as u32).to_be_bytes().to_vec();
    p.extend_from_slice(data);
    p
}

fn connect(s: &Setup) -> TcpStream {
    connect_from(s, [127, 0, 0, 1])
}

/// A connection to the Director from the loopback address `from` (each
/// address has its own count of failed logins, so tries from several
/// addresses are not slowed down).
fn connect_from(s: &Setup, from: [u8; 4]) -> TcpStream {
    connect_to(s.dir_port, from)
}

/// A connection to the Director's `port` from the loopback address `from`.
fn connect_to(port: u16, from: [u8; 4]) -> TcpStream {
    use std::os::fd::FromRawFd;
    let sockaddr = |ip: [u8; 4], port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(ip),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: a fresh socket, bound and connected with addresses that
    // live through the calls; the stream then owns it.
    let c = unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
        assert!(fd >= 0);
        let local = sockaddr(from, 0);
        let remote = sockaddr([127, 0, 0, 1], port);
        assert_eq!(
            libc::bind(fd, (&local as *const libc::sockaddr_in).cast(), len),
            0
        );
        assert_eq!(
            libc::connect(fd, (&remote as *const libc::sockaddr_in).cast(), len),
            0
        );
        TcpStream::from_raw_fd(fd)
    };
    c.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    c
}

/// What the raw client answers the Director's challenge with.
enum Answer<'a> {
    /// The response made with the key of this password.
    Password(&'a str),
    /// Bytes that are no response at all.
    Garbage,
    /// Nothing: the client closes after the challenge.
    Close,
}

/// Logs in as `name` the way bconsole does (Hello, then the answer to
/// the Director's challenge); the challenge, and every byte the Director
/// sent after it until it closed the connection.
fn raw_login(s: &Setup, from: [u8; 4], name: &str, answer: Answer<'_>) -> (String, Vec<u8>) {
    let mut c = connect_from(s, from);
    c.write_all(&packet(format!("Hello {name} calling 102\n").as_bytes()))
        .unwrap();
    let challenge = match read_packet(&mut c, &mut Vec::new()).unwrap() {
        p @ Packet::Data(_) => p.text(),
        other => panic!("no challenge: {other:?}"),
    };
    let chal = challenge
        .strip_prefix("auth cram-md5 ")
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("not a challenge: {challenge:?}"));
    match answer {
        Answer::Password(pw) => {
            let r = cram::response(chal, &cram::password_key(pw));
            c.write_all(&packet(format!("{r}\0").as_bytes())).unwrap();
        }
        Answer::Garbage => c.write_all(&packet(b"\x01\x02not base64 at all")).unwrap(),
        Answer::Close => c.shutdown(std::net::Shutdown::Write).unwrap(),
    }
    let mut rest = Vec::new();
    let _ = c.read_to_end(&mut rest);
    (challenge, rest)
}

/// The challenge with its random part and time taken out.
fn shape(challenge: &str) -> String {
    let digitless: String = challenge.chars().filter(|c| !c.is_ascii_digit()).collect();
    digitless
}

fn wait_for_log(s: &Setup, text: &str) -> String {
    let started = Instant::now();
    loop {
        let log = s.log();
        if log.contains(text) || started.elapsed() > Duration::from_secs(10) {
            return log;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_unknown_console_name_is_refused_like_a_wrong_password() {
    let s = site("");
    let refusal = [
        packet(b"1999 Authorization failed.\n"),
        packet(b"1999 You are not authorized.\n"),
    ]
    .concat();
    let (wrong_chal, wrong) = raw_login(
        &s,
        [127, 0, 0, 20],
        "*UserAgent*",
        Answer::Password("guess"),
    );
    assert_eq!(wrong, refusal, "{:?}", String::from_utf8_lossy(&wrong));
    let tries = [
        ("nosuch", Answer::Password("")),
        ("nosuch", Answer::Password("guess")),
        ("monitor", Answer::Password("")),
        ("blank", Answer::Password("")),
        ("nosuch", Answer::Garbage),
    ];
    for (i, (name, answer)) in tries.into_iter().enumerate() {
        let (chal, got) = raw_login(&s, [127, 0, 0, 21 + i as u8], name, answer);
        assert_eq!(shape(&chal), shape(&wrong_chal), "{name}: {chal}");
        assert_eq!(got, refusal, "{name}: {:?}", String::from_utf8_lossy(&got));
    }
    // Closing after the challenge reveals nothing about the password and
    // is not counted; a wrong answer is.
    let (_, closed) = raw_login(&s, [127, 0, 0, 29], "*UserAgent*", Answer::Close);
    assert_eq!(closed, packet(b"1999 You are not authorized.\n"));
    for _ in 0..3 {
        let (chal, got) = raw_login(&s, [127, 0, 0, 30], "nosuch", Answer::Close);
        assert_eq!(shape(&chal), shape(&wrong_chal));
        assert_eq!(got, closed, "{:?}", String::from_utf8_lossy(&got));
    }
    for _ in 0..3 {
        let (_, got) = raw_login(&s, [127, 0, 0, 30], "nosuch", Answer::Password("guess"));
        assert_eq!(got, refusal, "{:?}", String::from_utf8_lossy(&got));
    }
    let log = wait_for_log(
        &s,
        "3 wrong answers to the console challenge from 127.0.0.30",
    );
    assert!(
        log.contains(
            "console \"nosuch\" failed to authenticate: no Console resource has that name"
        ),
        "{log}"
    );
    assert!(
        log.contains(
            "console \"blank\" failed to authenticate: its Console resource has an empty password"
        ),
        "{log}"
    );
    assert!(log.contains("console at 127.0.0.21:"), "{log}");
    assert!(
        log.contains("3 wrong answers to the console challenge from 127.0.0.30: the next login waits 1 s after its Hello"),
        "{log}"
    );
    assert!(
        !log.contains("4 wrong answers to the console challenge from 127.0.0.30"),
        "{log}"
    );
    let out = s.console("version\n");
    assert!(out.contains("rdird x86_64"), "{out}");
}

#[test]
fn a_restricted_console_logs_in_with_its_own_acl() {
    let s = site("");
    let out = s.console_as("monitor", "monitor-secret", "help\nsqlquery\n");
    let listed: Vec<&str> = out
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    assert_eq!(listed, ["help", "list", "version"], "{out}");
    assert!(out.contains("sqlquery: is an invalid command."), "{out}");
    let refused = s.console_as("blank", "", "version\n");
    assert!(!refused.contains("rdird x86_64"), "{refused}");
}

#[test]
fn a_megabyte_hello_ends_the_connection_and_other_consoles_are_served() {
    let s = site("");
    let mut c = connect(&s);
    let mut writer = c.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&1_000_000u32.to_be_bytes());
        let _ = writer.write_all(&vec![b'A'; 1_000_000]);
    });
    let started = Instant::now();
    let mut got = Vec::new();
    let _ = c.read_to_end(&mut got);
    assert!(got.is_empty(), "{:?}", String::from_utf8_lossy(&got));
    assert!(started.elapsed() < Duration::from_secs(5));
    sender.join().unwrap();
    let log = wait_for_log(&s, "announced a packet of 1000000 bytes");
    assert!(
        log.contains(
            "announced a packet of 1000000 bytes; the most accepted before it has logged in is 4096"
        ),
        "{log}"
    );
    let out = s.console("version\n");
    assert!(out.contains("rdird x86_64"), "{out}");
}

#[test]
fn fifty_connections_that_never_say_hello_do_not_keep_a_console_out() {
    // Fewer places than silent connections, so that they must be shed.
    let s = site("  Maximum Console Logins = 10\n");
    let silent: Vec<TcpStream> = (0..50).map(|_| connect(&s)).collect();
    wait_for_log(&s, "Maximum Console Logins");
    let started = Instant::now();
    let mut bconsole = std::process::Command::new("/usr/sbin/bconsole")
        .arg("-c")
        .arg(s.bconsole_conf())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = bconsole.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("1000 OK: 102 test-dir") {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "{}", String::from_utf8_lossy(&seen));
        seen.extend_from_slice(&buf[..n]);
    }
    let first_reply = started.elapsed();
    eprintln!("bconsole's first reply came after {first_reply:?}");
    let mut stdin = bconsole.stdin.take().unwrap();
    stdin.write_all(b"version\nquit\n").unwrap();
    drop(stdin);
    let _ = stdout.read_to_end(&mut seen);
    bconsole.wait().unwrap();
    let out = String::from_utf8_lossy(&seen);
    assert!(out.contains("rdird x86_64"), "{out}");
    assert!(
        first_reply < Duration::from_secs(2),
        "first reply after {first_reply:?}"
    );
    let log = s.log();
    assert!(
        log.contains("5 consoles from 127.0.0.1 are still logging in, the most one address may (half of Maximum Console Logins, 10): dropping the one from 127.0.0.1:"),
        "{log}"
    );
    drop(silent);
}

#[test]
fn an_idle_session_is_closed_after_the_console_idle_timeout() {
    let s = site("  Console Idle Timeout = 2\n");
    let out = s.console("version\n@sleep 4\nversion\n");
    assert_eq!(out.matches("rdird x86_64").count(), 1, "{out}");
    let log = wait_for_log(&s, "(Console Idle Timeout)");
    assert!(
        log.contains(
            ": console *UserAgent* sent no command for 2 s (Console Idle Timeout): session closed"
        ),
        "{log}"
    );
    assert!(
        out.contains(
            "The Director closed this session: no command for 2 s (Console Idle Timeout)."
        ),
        "{out}"
    );
}

/// Logs in as `*UserAgent*` from 127.0.0.1 as a console far away would:
/// `delay` before each of its steps (the connection, the Hello, the
/// answer, its own challenge, the reply to the greeting). The Director's
/// last packet: its greeting if it let the console in.
fn slow_login(s: &Setup, delay: Duration) -> Result<String, String> {
    let next = |c: &mut TcpStream| match read_packet(c, &mut Vec::new()) {
        Ok(p @ Packet::Data(_)) => Ok(p.text()),
        other => Err(format!("{other:?}")),
    };
    std::thread::sleep(delay);
    let mut c = connect(s);
    std::thread::sleep(delay);
    c.write_all(&packet(b"Hello *UserAgent* calling 102\n"))
        .map_err(|e| e.to_string())?;
    let challenge = next(&mut c)?;
    let chal = challenge
        .strip_prefix("auth cram-md5 ")
        .and_then(|r| r.split_whitespace().next())
        .ok_or(format!("not a challenge: {challenge:?}"))?;
    let key = cram::password_key("console-secret");
    std::thread::sleep(delay);
    c.write_all(&packet(
        format!("{}\0", cram::response(chal, &key)).as_bytes(),
    ))
    .map_err(|e| e.to_string())?;
    let verdict = next(&mut c)?;
    if verdict != "1000 OK auth\n" {
        return Err(verdict);
    }
    std::thread::sleep(delay);
    c.write_all(&packet(b"auth cram-md5 <1.2@console> ssl=0\n"))
        .map_err(|e| e.to_string())?;
    let _our_answer = next(&mut c)?;
    std::thread::sleep(delay);
    c.write_all(&packet(b"1000 OK auth\n"))
        .map_err(|e| e.to_string())?;
    next(&mut c)
}

#[test]
fn a_flood_from_one_address_does_not_keep_a_distant_console_from_another_out() {
    let s = site("");
    let port = s.dir_port;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // 4 threads, each connecting every 10 ms from 127.0.0.2 and holding
    // the socket (its last 200), for at most 30 s.
    let flood: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut held = std::collections::VecDeque::new();
                let mut made = 0u32;
                while !stop.load(std::sync::atomic::Ordering::SeqCst)
                    && started.elapsed() < Duration::from_secs(30)
                {
                    held.push_back(connect_to(port, [127, 0, 0, 2]));
                    if held.len() > 200 {
                        held.pop_front();
                    }
                    made += 1;
                    std::thread::sleep(Duration::from_millis(10));
                }
                made
            })
        })
        .collect();
    let flooding = Instant::now();
    std::thread::sleep(Duration::from_millis(500));
    let mut attempt = 0;
    while attempt < 5 || flooding.elapsed() < Duration::from_secs(5) {
        attempt += 1;
        let greeting = slow_login(&s, Duration::from_millis(50));
        assert!(
            greeting
                .as_ref()
                .is_ok_and(|g| g.starts_with("1000 OK: 102 test-dir")),
            "login {attempt} during the flood: {greeting:?}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let made: u32 = flood.into_iter().map(|t| t.join().unwrap()).sum();
    eprintln!(
        "the flood made {made} connections in {:?}; {attempt} slow logins got in",
        flooding.elapsed()
    );
    let log = s.log();
    assert!(
        log.contains("64 consoles from 127.0.0.2 are still logging in, the most one address may (half of Maximum Console Logins, 128): dropping the one from 127.0.0.2:"),
        "{log}"
    );
    assert!(!log.contains("dropping the one from 127.0.0.1:"), "{log}");
}

#[test]
fn many_wrong_answers_from_an_address_do_not_keep_its_good_console_out() {
    let s = site("");
    let refusal = [
        packet(b"1999 Authorization failed.\n"),
        packet(b"1999 You are not authorized.\n"),
    ]
    .concat();
    for _ in 0..9 {
        let (_, got) = raw_login(&s, [127, 0, 0, 1], "monitor", Answer::Password("guess"));
        assert_eq!(got, refusal, "{:?}", String::from_utf8_lossy(&got));
    }
    // Connections that go away before they answer, as a bconsole that
    // gave up would: they do not lengthen the wait.
    for _ in 0..3 {
        raw_login(&s, [127, 0, 0, 1], "*UserAgent*", Answer::Close);
    }
    let started = Instant::now();
    let out = s.console("version\n");
    let took = started.elapsed();
    eprintln!("bconsole got in after {took:?}");
    assert!(out.contains("rdird x86_64"), "{out}");
    // bconsole itself gives up after 15 s (console/authenticate.c).
    assert!(took < Duration::from_secs(15), "{took:?}");
    let log = s.log();
    assert!(
        log.contains("9 wrong answers to the console challenge from 127.0.0.1: the next login waits 4 s after its Hello"),
        "{log}"
    );
    assert!(
        !log.contains("10 wrong answers to the console challenge"),
        "{log}"
    );
}
