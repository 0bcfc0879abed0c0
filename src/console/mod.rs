//! The console server: bconsole connects, logs in, and sends one command
//! per packet; each command's output ends with one EOD. One thread per
//! connection, as in Bacula. Command families live in their own files.

mod acl;
mod add;
mod args;
mod bandwidth;
mod bvfs;
mod catalog_cmds;
mod clock_cmds;
mod daemon_status;
mod daemons;
mod debug;
mod dot;
mod enable;
mod estimate;
mod help;
pub(crate) mod list;
pub mod login;
mod modes;
mod not_applicable;
mod prune;
mod python;
mod query;
mod relabel;
mod reload;
mod restart;
mod restore;
mod run;
mod schedule;
mod select;
mod show;
mod slots;
mod sql;
mod statistics;
mod status;
mod storage_cmds;
mod throttle;
mod update;
mod var;
mod volume;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bnet::{Connection, Packet, Signal};
use crate::director::Director;

pub use args::Args;
use login::{Api, Login};
use slots::Slots;
use throttle::Throttle;

/// The most one command's output may hold before it is sent: past it the
/// output ends with a line saying it was cut (bacula-dir sends as it
/// goes; rdird builds each reply whole, so it must stop somewhere).
pub const MAX_REPLY: usize = 64 << 20;

/// A command's output: each string is one packet; `data` is the same
/// result as structured data, for `.api json`.
#[derive(Debug, Default)]
pub struct Reply {
    pub packets: Vec<String>,
    pub data: Option<serde_json::Value>,
    /// Bytes in `packets`.
    bytes: usize,
    /// `MAX_REPLY` was reached: nothing more is kept.
    cut: bool,
}

impl Reply {
    /// Adds a line (a newline is appended).
    pub fn line(&mut self, text: impl AsRef<str>) {
        self.push(format!("{}\n", text.as_ref()));
    }

    /// Adds one packet, unless the reply has reached `MAX_REPLY`; the
    /// first packet past it is replaced by a line saying so.
    pub fn push(&mut self, packet: String) {
        if self.cut {
            return;
        }
        if self.bytes + packet.len() > MAX_REPLY {
            self.cut(&format!(
                "this command's reply reached {} MB, the most the Director builds for one command",
                MAX_REPLY >> 20
            ));
            return;
        }
        self.bytes += packet.len();
        self.packets.push(packet);
    }

    /// Ends the output with a line saying it was cut and why; nothing more
    /// is kept.
    pub fn cut(&mut self, why: &str) {
        if self.cut {
            return;
        }
        self.cut = true;
        self.packets.push(format!(
            "*** Output cut: {why}. Narrow the command (jobid=, limit=, a client or a pool).\n"
        ));
    }

    /// The packets so far, to be sent (before a prompt); the reply starts
    /// counting again.
    fn take_packets(&mut self) -> Vec<String> {
        self.bytes = 0;
        self.cut = false;
        std::mem::take(&mut self.packets)
    }
}

/// Sends the output so far and a prompt; returns the console's answer.
pub type Ask<'a> = dyn FnMut(&mut Reply, &str) -> Option<String> + 'a;

/// What a command sees: the Director, who is logged in, the arguments,
/// and a way to ask the console a question.
pub struct Ctx<'a, 'b> {
    pub director: &'a Arc<Director>,
    pub login: &'a Login,
    pub args: &'a Args,
    /// The command line as typed (`var` expands it whole).
    pub line: &'a str,
    ask: std::cell::RefCell<&'a mut Ask<'b>>,
}

impl Ctx<'_, '_> {
    /// Sends what `out` holds and `prompt`, and waits for one answer.
    pub fn ask(&self, out: &mut Reply, prompt: &str) -> Option<String> {
        (self.ask.borrow_mut())(out, prompt)
    }
}

type Handler = fn(&Ctx<'_, '_>, &mut Reply);

/// The commands, their help text, and their handlers.
const COMMANDS: &[(&str, &str, Handler)] = &[
    ("help", "Print help on specific command", help::help),
    ("list", "List objects from catalog", list::list),
    ("llist", "Full or long list like list command", list::llist),
    ("messages", "Display pending messages", messages),
    ("python", "Python control commands", python::python),
    ("quit", "Terminate Bconsole session", |_, _| {}),
    ("exit", "Terminate Bconsole session", |_, _| {}),
    ("reload", "Reload conf file", reload::reload),
    ("run", "Run a job", run::run),
    ("wait", "Wait until no jobs are running", run::wait),
    ("cancel", "Cancel a job", run::cancel),
    ("label", "Label a volume", volume::label),
    ("restore", "Restore files", restore::restore),
    ("prune", "Prune expired records from catalog", prune::prune),
    ("purge", "Purge records from catalog", prune::purge),
    ("truncate", "Truncate Purged volumes", volume::truncate),
    ("update", "Update volume status", update::update),
    (
        "delete",
        "Delete volume or job records from the catalog",
        volume::delete,
    ),
    ("show", "Show resource records", show::show),
    ("sqlquery", "Use SQL to query catalog", sql::sqlquery),
    ("query", "Query catalog", query::query),
    ("status", "Report status", status::status),
    ("version", "Print Director version", version),
    (
        "estimate",
        "Performs FileSet estimate, listing gives full listing",
        estimate::estimate,
    ),
    ("mount", "Mount storage", storage_cmds::mount),
    ("unmount", "Unmount storage", storage_cmds::unmount),
    (
        "umount",
        "Umount - for old-time Unix guys, see unmount",
        storage_cmds::unmount,
    ),
    ("release", "Release storage", storage_cmds::release),
    ("setdebug", "Sets debug level", debug::setdebug),
    ("trace", "Turn on/off trace to file", debug::trace),
    ("setbandwidth", "Sets bandwidth", bandwidth::setbandwidth),
    (
        "setip",
        "Sets new client address -- if authorized",
        bandwidth::setip,
    ),
    (
        "statistics",
        "Display daemon statistics data",
        statistics::statistics,
    ),
    (
        "disable",
        "Disable a job, attributes batch process",
        enable::disable,
    ),
    ("add", "Add media to a pool", add::add),
    (
        "autodisplay",
        "Autodisplay console messages",
        modes::autodisplay,
    ),
    ("automount", "Automount after label", modes::automount),
    (
        "create",
        "Create DB Pool from resource",
        catalog_cmds::create,
    ),
    ("cloud", "Specific Cloud commands", not_applicable::cloud),
    ("gui", "Non-interactive gui mode", modes::gui),
    ("snapshot", "Handle snapshots", not_applicable::snapshot),
    ("restart", "Restart a job", restart::restart),
    ("resume", "Resume a job", restart::restart),
    ("stop", "Stop a job", restart::stop),
    ("memory", "Print current memory usage", clock_cmds::memory),
    ("time", "Print current time", clock_cmds::time),
    ("use", "Use catalog xxx", catalog_cmds::use_catalog),
    ("var", "Does variable expansion", var::var),
    ("relabel", "Relabel a tape", relabel::relabel),
    (
        "enable",
        "Enable a job, attributes batch process",
        enable::enable,
    ),
    (".jobs", "", dot::jobs),
    (".clients", "", dot::clients),
    (".pools", "", dot::pools),
    (".storage", "", dot::storages),
    (".filesets", "", dot::filesets),
    (".msgs", "", dot::msgs),
    (".status", "", status::dot_status),
    (".sql", "", sql::dot_sql),
    (".api", "", api),
    (".bvfs_lsdirs", "", bvfs::lsdirs),
    (".bvfs_lsfiles", "", bvfs::lsfiles),
    (".bvfs_get_volumes", "", bvfs::get_volumes),
    (".bvfs_update", "", bvfs::update),
    (".bvfs_get_jobids", "", bvfs::get_jobids),
    (".bvfs_get_jobs", "", bvfs::get_jobs),
    (".bvfs_get_bootstrap", "", bvfs::get_bootstrap),
    (".bvfs_versions", "", bvfs::versions),
    (".bvfs_get_delta", "", bvfs::get_delta),
    (".bvfs_restore", "", bvfs::restore),
    (".bvfs_cleanup", "", bvfs::cleanup),
    (".bvfs_decode_lstat", "", bvfs::decode_lstat),
    (".bvfs_clear_cache", "", bvfs::clear_cache),
    (".bvfs_update_fv", "", bvfs::update_fv),
    (".ls", "", estimate::dot_ls),
    (".estimate", "", estimate::dot_estimate),
];

/// `.api 0|1|2|json`: how this session's replies are shaped.
fn api(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let mode = match ctx
        .args
        .word(0)
        .unwrap_or("1")
        .to_ascii_lowercase()
        .as_str()
    {
        "0" | "1" => Api::Text,
        "2" => Api::KeyValue,
        "json" => Api::Json,
        other => {
            out.line(format!(
                ".api: unknown mode \"{other}\" (use 0, 1, 2 or json)"
            ));
            return;
        }
    };
    ctx.login.api.set(mode);
    if mode == Api::Json {
        out.data = Some(serde_json::json!({ "api": "json" }));
    }
}

/// The reply as one JSON-RPC 2.0 object (the shape of Bareos' JSON console).
fn json_reply(command: &str, out: Reply) -> Reply {
    let text: String = out.packets.concat();
    let body = if text.ends_with(": is an invalid command.\n") {
        serde_json::json!({
            "jsonrpc": "2.0",
            "id": null,
            "error": { "code": 1, "message": "failed", "data": { "result": {}, "messages": { "error": [text] } } }
        })
    } else {
        let result = out
            .data
            .unwrap_or_else(|| serde_json::json!({ "output": text }));
        serde_json::json!({ "jsonrpc": "2.0", "id": null, "result": result, "command": command })
    };
    let mut reply = Reply::default();
    reply.push(format!("{body}\n"));
    reply
}

fn version(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    out.line(format!(
        "{} Version: {} ({}) rdird {}-{} ",
        cfg.director().name,
        env!("CARGO_PKG_VERSION"),
        env!("RDIRD_BUILD_DATE"),
        std::env::consts::ARCH,
        std::env::consts::OS
    ));
}

/// `messages`: the queued messages of the jobs this console may see.
/// bacula-dir 9.6.7 (ua_output.c do_messages) gives every console the
/// whole Director-wide queue, whatever its ACLs.
fn messages(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let may_see = acl::message_filter(ctx.login, ctx.director);
    let msgs = ctx.director.take_messages(may_see);
    if msgs.is_empty() {
        out.line("You have no messages.");
    }
    for m in msgs {
        out.push(if m.ends_with('\n') {
            m
        } else {
            format!("{m}\n")
        });
    }
}

impl Login {
    /// Whether the console's CommandACL lets it run `command`.
    pub fn may_run(&self, command: &str) -> bool {
        login::Acl::allows(&self.acl.commands, command)
    }
}

/// Runs one command line and returns its output; `ask` answers prompts.
pub fn execute(director: &Arc<Director>, login: &Login, line: &str, ask: &mut Ask<'_>) -> Reply {
    let mut out = Reply::default();
    let args = Args::parse(line);
    let Some(word) = args.command() else {
        return out;
    };
    let word = word.to_ascii_lowercase();
    // bacula-dir takes a dot command by its beginning (ua_dotcmds.c
    // do_a_dot_command): bat's restore browser sends `.bvfs_lsdir`.
    let found = COMMANDS.iter().find(|(n, _, _)| *n == word).or_else(|| {
        COMMANDS
            .iter()
            .filter(|_| word.len() > 1 && word.starts_with('.'))
            .find(|(n, _, _)| n.starts_with(word.as_str()))
    });
    match found {
        None => out.line(format!("{word}: is an invalid command.")),
        Some((name, _, _)) if !login.may_run(name) => {
            out.line(format!("{name}: is an invalid command."))
        }
        Some((_, _, handler)) => handler(
            &Ctx {
                director,
                login,
                args: &args,
                line,
                ask: std::cell::RefCell::new(ask),
            },
            &mut out,
        ),
    }
    // `autodisplay on`: the messages waiting follow each command, as
    // bacula-dir's ua_server.c shows them to a console that may run
    // `messages`.
    if login.modes.autodisplay.get() && word != "messages" && login.may_run("messages") {
        let may_see = acl::message_filter(login, director);
        for m in director.take_messages(may_see) {
            out.push(if m.ends_with('\n') {
                m
            } else {
                format!("{m}\n")
            });
        }
    }
    if login.api.get() == Api::Json {
        return json_reply(&word, out);
    }
    out
}

/// The Director's limits for consoles, read when each connection arrives
/// (a `reload` applies to the next one).
struct Limits {
    sessions: usize,
    logins: usize,
    /// `None`: Console Idle Timeout = 0, no limit.
    idle: Option<Duration>,
}

impl Limits {
    fn of(director: &Director) -> Limits {
        let cfg = director.config();
        let d = cfg.director();
        let int = |name: &str, default: i64| d.int(name).unwrap_or(default).max(1);
        Limits {
            sessions: int("MaximumConsoleConnections", 20) as usize,
            logins: int("MaximumConsoleLogins", 128) as usize,
            idle: match d.int("ConsoleIdleTimeout").unwrap_or(3600) {
                n if n <= 0 => None,
                n => Some(Duration::from_secs(n as u64)),
            },
        }
    }
}

/// Waits `wait` unless the connection is shed meanwhile; whether it is
/// still wanted.
fn throttled(wait: Duration, slot: &slots::LoginSlot) -> bool {
    let until = Instant::now() + wait;
    while Instant::now() < until {
        if slot.is_shed() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50).min(until - Instant::now()));
    }
    !slot.is_shed()
}

fn session(
    director: Arc<Director>,
    stream: TcpStream,
    addr: SocketAddr,
    throttle: &Throttle,
    slots: &Arc<Slots>,
    slot: slots::LoginSlot,
    limits: Limits,
) {
    let mut conn = Connection::new(stream, format!("console at {addr}"), login::LOGIN_DEADLINE);
    let config = director.config();
    let after_hello = || {
        slot.said_hello();
        let wait = throttle.wait_for(addr.ip());
        throttled(wait, &slot).then_some(wait)
    };
    let login = match login::login(&mut conn, &config, after_hello) {
        Ok(l) => {
            throttle.succeeded(addr.ip());
            l
        }
        Err(login::Refused {
            error,
            wrong_answer,
        }) => {
            if slot.is_shed() {
                tracing::debug!("{error}");
            } else {
                tracing::warn!("{error}");
                // A refused login is a security message of the Director's
                // own, as bacula-dir's authenticate_user_agent sends it.
                crate::messages::director_message(
                    &director,
                    crate::messages::Type::Security,
                    &error.to_string(),
                );
            }
            // A connection dropped to make room failed through no fault
            // of its address.
            if wrong_answer && !slot.is_shed() {
                let n = throttle.failed(addr.ip());
                let next = throttle.wait_for(addr.ip());
                if !next.is_zero() {
                    tracing::warn!(
                        "{n} wrong answers to the console challenge from {}: the next login waits {} s after its Hello",
                        addr.ip(),
                        next.as_secs()
                    );
                }
            }
            conn.close();
            return;
        }
    };
    drop(config);
    let Some(_place) = slots.session(slot, limits.sessions) else {
        tracing::warn!(
            "closing the session of console {} at {addr}: Maximum Console Connections ({}) reached",
            login.name,
            limits.sessions
        );
        conn.close();
        return;
    };
    tracing::debug!("console {} logged in from {addr}", login.name);
    commands(&director, &mut conn, &login, limits.idle);
    conn.close();
}

/// Answers the console's commands until it quits, goes away, or sends no
/// command for `idle` (heartbeats do not count as commands).
fn commands(
    director: &Arc<Director>,
    conn: &mut Connection,
    login: &Login,
    idle: Option<Duration>,
) {
    let mut last_command = Instant::now();
    loop {
        let left = idle.map(|idle| idle.saturating_sub(last_command.elapsed()));
        if let (Some(Duration::ZERO), Some(idle)) = (left, idle) {
            // bconsole, waiting on its user, reads this when the next
            // command is typed: it shows the line, then the end.
            let _ = conn.send_then_eod(&[format!(
                "The Director closed this session: no command for {} s (Console Idle Timeout).\n",
                idle.as_secs()
            )]);
            tracing::info!(
                "{}: console {} sent no command for {} s (Console Idle Timeout): session closed",
                conn.peer(),
                login.name,
                idle.as_secs()
            );
            break;
        }
        conn.set_timeout(left);
        let line = match conn.recv() {
            Ok(p @ Packet::Data(_)) => p.text(),
            Ok(Packet::Signal(Signal::Terminate)) => break,
            Ok(Packet::Signal(_)) | Err(crate::bnet::BnetError::Timeout { .. }) => continue,
            Err(e) => {
                tracing::debug!("{e}");
                break;
            }
        };
        let word = line
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if word == "quit" || word == "exit" {
            break;
        }
        conn.set_timeout(idle);
        let mut ask = |out: &mut Reply, prompt: &str| -> Option<String> {
            let mut packets = out.take_packets();
            packets.push(prompt.to_string());
            conn.send_all(&raw(&packets)).ok()?;
            conn.signal(Signal::SubPrompt).ok()?;
            match conn.recv().ok()? {
                p @ Packet::Data(_) => Some(p.text()),
                Packet::Signal(_) => None,
            }
        };
        let reply = execute(director, login, &line, &mut ask);
        if let Err(e) = conn.send_then_eod(&raw(&reply.packets)) {
            tracing::debug!("{e}");
            break;
        }
        last_command = Instant::now();
    }
}

/// Replies as the console gets them: names that were not UTF-8 go back as
/// the bytes they came as.
fn raw(packets: &[String]) -> Vec<Vec<u8>> {
    packets
        .iter()
        .map(|p| crate::bnet::rawtext::encode(p))
        .collect()
}

/// Serves consoles from `listener` until the process ends: at most
/// Maximum Console Logins connections logging in (half of them from one
/// address; see `slots` for which is shed for a new one) and Maximum
/// Console Connections sessions logged in.
///
/// bacula-dir 9.6.7 (ua_server.c, `bnet_thread_server` with a work queue
/// of Maximum Console Connections threads) counts connections that have
/// not logged in yet against the same limit and queues the rest, so that
/// twenty silent connections keep every console out for minutes; rdird
/// keeps the two apart.
pub fn serve(director: Arc<Director>, listener: TcpListener) {
    let slots = Arc::new(Slots::default());
    let throttle = Arc::new(Throttle::default());
    for stream in listener.incoming() {
        let s = match stream {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!("console connection failed: {e}");
                continue;
            }
        };
        let addr = s
            .peer_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
        let limits = Limits::of(&director);
        if slots.sessions() >= limits.sessions {
            tracing::warn!(
                "refusing the console at {addr}: Maximum Console Connections ({}) reached",
                limits.sessions
            );
            continue;
        }
        let slot = slots.login(&s, addr, limits.logins);
        let d = director.clone();
        let sl = slots.clone();
        let t = throttle.clone();
        // A session that panics ends alone: its places are given back as
        // the guards drop, and the panic is logged with the console's
        // address.
        let spawned = std::thread::Builder::new()
            .name(format!("console {addr}"))
            .spawn(move || {
                let run =
                    std::panic::AssertUnwindSafe(|| session(d, s, addr, &t, &sl, slot, limits));
                if let Err(panic) = std::panic::catch_unwind(run) {
                    let what = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_default();
                    tracing::error!("the session of the console at {addr} panicked: {what}");
                }
            });
        if let Err(e) = spawned {
            tracing::error!("no thread for the console at {addr}: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_past_its_cap_ends_with_a_line_saying_it_was_cut() {
        let mut out = Reply::default();
        let megabyte = "x".repeat((1 << 20) - 1);
        for _ in 0..(MAX_REPLY >> 20) + 10 {
            out.line(&megabyte);
        }
        assert_eq!(out.packets.len(), (MAX_REPLY >> 20) + 1);
        let last = out.packets.last().unwrap();
        assert!(
            last.starts_with("*** Output cut: this command's reply reached 64 MB"),
            "{last}"
        );
        assert!(out.packets.iter().map(String::len).sum::<usize>() <= MAX_REPLY + last.len());
        let sent = out.take_packets();
        assert_eq!(sent.len(), (MAX_REPLY >> 20) + 1);
        out.line("after a prompt");
        assert_eq!(out.packets, ["after a prompt\n"]);
    }
}
