//! The console server: bconsole connects, logs in, and sends one command
//! per packet; each command's output ends with one EOD, or, once the
//! console has asked for `.api 1` or `.api 2` (bat, GUIs), is framed by
//! bacula-dir's api signals (ua_server.c handle_UA_client_request). One
//! thread per connection, as in Bacula. Command families live in their
//! own files.

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
mod modify;
mod not_applicable;
mod output;
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
    /// The command failed: in api mode its output ends with
    /// BNET_CMD_FAILED rather than BNET_CMD_OK.
    pub failed: bool,
    /// Signals sent before the packet at each index in api mode (the
    /// BNET_ERROR_MSG before an error line, say); text mode drops them.
    marks: Vec<(usize, Signal)>,
    /// A handler ran (the command was found and allowed): in api mode its
    /// output is framed by BNET_CMD_BEGIN and BNET_CMD_OK/FAILED.
    ran: bool,
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

    /// Adds an error line (bacula-dir's `error_msg`): in api mode it
    /// follows a BNET_ERROR_MSG signal, which bat shows as a dialog.
    pub fn error(&mut self, text: impl AsRef<str>) {
        self.marked(Signal::ErrorMsg, text.as_ref());
    }

    /// Adds an error line and marks the command failed.
    pub fn fail(&mut self, text: impl AsRef<str>) {
        self.error(text);
        self.failed = true;
    }

    /// Adds a line after `signal` (which only api mode sends).
    pub fn marked(&mut self, signal: Signal, text: &str) {
        self.signal(signal);
        self.line(text);
    }

    /// Adds a signal here, sent in api mode only (text mode drops it).
    pub fn signal(&mut self, signal: Signal) {
        if !self.cut {
            self.marks.push((self.packets.len(), signal));
        }
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
        self.marks.clear();
        std::mem::take(&mut self.packets)
    }

    /// The packets so far as the console gets them: with `api`, each
    /// mark's signal before its packet. The reply starts counting again.
    fn take_frames(&mut self, api: bool) -> Vec<Packet> {
        let marks = std::mem::take(&mut self.marks);
        let mut marks = marks
            .into_iter()
            .filter(|(_, s)| api || *s == Signal::CmdBegin)
            .peekable();
        let mut frames = Vec::new();
        for (i, p) in self.take_packets().iter().enumerate() {
            while let Some((_, s)) = marks.next_if(|(at, _)| *at <= i) {
                frames.push(Packet::Signal(s));
            }
            frames.push(Packet::Data(crate::bnet::rawtext::encode(p)));
        }
        frames.extend(marks.map(|(_, s)| Packet::Signal(s)));
        frames
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
    /// Says which catalog the session uses, the first time one of its
    /// commands reads the catalog (ua_cmds.c open_db): the one catalog
    /// the console may use is "Automatically selected" unless in gui
    /// mode, as get_catalog_resource's do_prompt says it (in api mode
    /// before a command's own selection list, say), then named in text
    /// mode. A dot command runs in gui mode (ua_dotcmds.c
    /// do_a_dot_command sets ua->gui while it runs).
    pub fn using_catalog(&self, out: &mut Reply) {
        if self.login.catalog_announced.replace(true) {
            return;
        }
        let dot = self.line.trim_start().starts_with('.');
        if !dot && !self.login.modes.gui.get() {
            let cfg = self.director.config();
            let mut allowed = cfg
                .all(crate::config::Kind::Catalog)
                .filter(|c| login::Acl::allows(&self.login.acl.catalogs, &c.name));
            if let (Some(only), None) = (allowed.next(), allowed.next()) {
                out.line(format!("Automatically selected Catalog: {}", only.name));
            }
        }
        self.announce_catalog(out);
    }

    /// As `using_catalog`, for a command that names its Job or Client
    /// (`run job=…`): bacula-dir's open_client_db takes that one's
    /// catalog without a selection, so nothing is "Automatically
    /// selected".
    pub fn using_client_catalog(&self, out: &mut Reply) {
        if !self.login.catalog_announced.replace(true) {
            self.announce_catalog(out);
        }
    }

    /// Says which catalog a command uses, in text mode: each time, for a
    /// command that opens a connection of its own (`.sql`,
    /// open_new_client_db).
    pub fn announce_catalog(&self, out: &mut Reply) {
        if self.login.api.get() != Api::Text {
            return;
        }
        let cfg = self.director.config();
        let catalog = cfg
            .all(crate::config::Kind::Catalog)
            .find(|c| login::Acl::allows(&self.login.acl.catalogs, &c.name));
        if let Some(c) = catalog {
            out.line(format!("Using Catalog \"{}\"", c.name));
        }
    }

    /// Sends what `out` holds and `prompt`, and waits for one answer.
    pub fn ask(&self, out: &mut Reply, prompt: &str) -> Option<String> {
        (self.ask.borrow_mut())(out, prompt)
    }
}

type Handler = fn(&Ctx<'_, '_>, &mut Reply);

/// The commands and their handlers, in the order bacula-dir 9.6.7 tries
/// its own against an abbreviation (ua_cmds.c and ua_dotcmds.c
/// `commands[]`): `st` is `status`, `.bvfs_lsdir` (what bat sends) is
/// `.bvfs_lsdirs`. rdird's own commands come last. Their descriptions
/// and arguments are `help`'s (help.rs).
const COMMANDS: &[(&str, Handler)] = &[
    ("add", add::add),
    ("autodisplay", modes::autodisplay),
    ("automount", modes::automount),
    ("cancel", run::cancel),
    ("cloud", not_applicable::cloud),
    ("create", catalog_cmds::create),
    ("delete", volume::delete),
    ("disable", enable::disable),
    ("enable", enable::enable),
    ("estimate", estimate::estimate),
    ("exit", |_, _| {}),
    ("gui", modes::gui),
    ("help", help::help),
    ("label", volume::label),
    ("list", list::list),
    ("llist", list::llist),
    ("messages", messages),
    ("memory", clock_cmds::memory),
    ("mount", storage_cmds::mount),
    ("prune", prune::prune),
    ("purge", prune::purge),
    ("quit", |_, _| {}),
    ("query", query::query),
    ("restore", restore::restore),
    ("relabel", relabel::relabel),
    ("release", storage_cmds::release),
    ("reload", reload::reload),
    ("run", run::run),
    ("restart", restart::restart),
    ("resume", restart::restart),
    ("status", status::status),
    ("stop", run::stop),
    ("setdebug", debug::setdebug),
    ("setbandwidth", bandwidth::setbandwidth),
    ("snapshot", not_applicable::snapshot),
    ("setip", bandwidth::setip),
    ("show", show::show),
    ("sqlquery", sql::sqlquery),
    ("statistics", statistics::statistics),
    ("time", clock_cmds::time),
    ("trace", debug::trace),
    ("truncate", volume::truncate),
    ("unmount", storage_cmds::unmount),
    ("umount", storage_cmds::unmount),
    ("update", update::update),
    ("use", catalog_cmds::use_catalog),
    ("var", var::var),
    ("version", version),
    ("wait", run::wait),
    (".api", api),
    (".backups", dot::backups),
    (".clients", dot::clients),
    (".catalogs", dot::catalogs),
    (".defaults", dot::defaults),
    (".exit", |_, _| {}),
    (".filesets", dot::filesets),
    (".help", dot::help),
    (".jobs", dot::jobs),
    (".estimate", estimate::dot_estimate),
    (".levels", dot::levels),
    (".messages", dot::messages),
    (".msgs", dot::msgs),
    (".pools", dot::pools),
    (".quit", |_, _| {}),
    (".schedule", dot::schedules),
    (".sql", sql::dot_sql),
    (".status", status::dot_status),
    (".storage", dot::storages),
    (".volstatus", dot::volstatus),
    (".media", dot::media),
    (".mediatypes", dot::mediatypes),
    (".locations", dot::locations),
    (".actiononpurge", dot::actiononpurge),
    (".bvfs_lsdirs", bvfs::lsdirs),
    (".bvfs_lsfiles", bvfs::lsfiles),
    (".bvfs_get_volumes", bvfs::get_volumes),
    (".bvfs_update", bvfs::update),
    (".bvfs_get_jobids", bvfs::get_jobids),
    (".bvfs_get_jobs", bvfs::get_jobs),
    (".bvfs_get_bootstrap", bvfs::get_bootstrap),
    (".bvfs_versions", bvfs::versions),
    (".bvfs_get_delta", bvfs::get_delta),
    (".bvfs_restore", bvfs::restore),
    (".bvfs_cleanup", bvfs::cleanup),
    (".bvfs_decode_lstat", bvfs::decode_lstat),
    (".bvfs_clear_cache", bvfs::clear_cache),
    (".bvfs_update_fv", bvfs::update_fv),
    (".ls", estimate::dot_ls),
    (".types", dot::types),
    (".tags", dot::tags),
    ("python", python::python),
    (".jlist", dot::jlist),
];

/// The command `word` names: itself, or the first command it
/// abbreviates, in bacula-dir's order (do_a_command, do_a_dot_command:
/// `strncasecmp(word, key, strlen(word))`).
fn resolve(word: &str) -> Option<&'static (&'static str, Handler)> {
    let word = word.to_ascii_lowercase();
    COMMANDS
        .iter()
        .find(|(n, _)| *n == word)
        .or_else(|| COMMANDS.iter().find(|(n, _)| n.starts_with(&word)))
}

/// `.api [0|1|2|json] [api_opts=…]`: how this session's replies are
/// shaped (ua_dotcmds.c api_cmd). No mode is 1, as in bacula-dir;
/// api_opts are kept for the `.api 2` forms and cleared by an `.api`
/// without them. bacula-dir reads the mode with atoi(), so that any word
/// is 0 (`.api json` included: rdird's own mode); rdird refuses a mode it
/// does not know and leaves the session as it was.
fn api(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let mode = match ctx
        .args
        .word(0)
        .unwrap_or("1")
        .to_ascii_lowercase()
        .as_str()
    {
        "0" => Api::Text,
        "1" => Api::Signals,
        "2" => Api::KeyValue,
        "json" => Api::Json,
        other => {
            out.fail(format!(
                ".api: unknown mode \"{other}\" (use 0, 1, 2 or json)"
            ));
            return;
        }
    };
    ctx.login.api.set(mode);
    *ctx.login.api_opts.borrow_mut() = ctx.args.get("api_opts").unwrap_or_default().to_string();
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
    // A lone period does nothing, successfully (do_a_dot_command).
    if word == "." {
        out.ran = true;
        if login.api.get().signals() {
            out.marks.push((0, Signal::CmdBegin));
        }
        return out;
    }
    // `.quit`, `.api` and `quit` need no CommandACL entry, as in bacula-dir.
    let always = |name: &str| matches!(name, "quit" | ".quit" | ".api");
    let invalid = |out: &mut Reply| {
        tracing::debug!("console {}: {word}: is an invalid command", login.name);
        out.error(format!("{word}: is an invalid command."));
    };
    match resolve(&word) {
        None => invalid(&mut out),
        Some((name, _)) if !always(name) && !login.may_run(name) => invalid(&mut out),
        Some((_, handler)) => {
            out.ran = true;
            // BNET_CMD_BEGIN goes first, before any prompt the command
            // sends, and whatever mode the command leaves the session in.
            if login.api.get().signals() {
                out.marks.push((0, Signal::CmdBegin));
            }
            handler(
                &Ctx {
                    director,
                    login,
                    args: &args,
                    line,
                    ask: std::cell::RefCell::new(ask),
                },
                &mut out,
            )
        }
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

/// Whether `line` ends the session: `quit`, `exit`, `.quit`, `.exit` or
/// an abbreviation bacula-dir reads as one of them (`q`, `.q`, `e`
/// is `enable`, `ex` is `exit`).
fn is_quit(line: &str) -> bool {
    let args = Args::parse(line);
    args.command()
        .and_then(resolve)
        .is_some_and(|(name, _)| matches!(*name, "quit" | "exit" | ".quit" | ".exit"))
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
            probe,
        }) => {
            if slot.is_shed() {
                tracing::debug!("{error}");
            } else if probe {
                // Logged, but no security message: bacula-dir 9.6.7 sends
                // none for a connection that goes before its Hello.
                tracing::info!("{error}");
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
    // bat waits for BNET_MAIN_PROMPT before it sends its next command;
    // bacula-dir sends one each time it is ready to read a command.
    let mut prompted = false;
    // Whether the console was told of the messages now waiting, so that
    // it is told once (ua_server.c user_notified_msg_pending).
    let mut notified = false;
    loop {
        if login.api.get().signals() && !prompted {
            if let Err(e) = conn.signal(Signal::MainPrompt) {
                tracing::debug!("{e}");
                break;
            }
            prompted = true;
        }
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
        prompted = false;
        tracing::debug!("{}: console {} sent: {line}", conn.peer(), login.name);
        let api_before = login.api.get().signals();
        if is_quit(&line) {
            if api_before {
                let _ = conn.send_packets(&[
                    Packet::Signal(Signal::CmdBegin),
                    Packet::Signal(Signal::CmdOk),
                ]);
            }
            break;
        }
        conn.set_timeout(idle);
        let mut ask = |out: &mut Reply, prompt: &str| -> Option<String> {
            // get_cmd (ua_input.c): in api mode a BNET_TEXT_INPUT before
            // the prompt, in text mode a BNET_SUB_PROMPT after it.
            let api = login.api.get().signals();
            let mut frames = out.take_frames(api);
            if api {
                frames.push(Packet::Signal(Signal::TextInput));
            }
            frames.push(Packet::Data(crate::bnet::rawtext::encode(prompt)));
            if !api {
                frames.push(Packet::Signal(Signal::SubPrompt));
            }
            conn.send_packets(&frames).ok()?;
            loop {
                match conn.recv().ok()? {
                    p @ Packet::Data(_) => return Some(p.text()),
                    Packet::Signal(Signal::Terminate) => return None,
                    Packet::Signal(_) => continue,
                }
            }
        };
        let mut reply = execute(director, login, &line, &mut ask);
        let api_after = login.api.get().signals();
        let (ran, failed) = (reply.ran, reply.failed);
        let mut frames = reply.take_frames(api_after);
        if ran && api_after {
            frames.push(Packet::Signal(if failed {
                Signal::CmdFailed
            } else {
                Signal::CmdOk
            }));
        }
        let pending = login.may_run("messages")
            && director.has_messages(acl::message_filter(login, director));
        if pending && !notified {
            frames.push(if api_after {
                Packet::Signal(Signal::MsgsPending)
            } else {
                Packet::Data(b"You have messages.\n".to_vec())
            });
        }
        notified = pending;
        if !api_after {
            frames.push(Packet::Signal(Signal::Eod));
        }
        if let Err(e) = conn.send_packets(&frames) {
            tracing::debug!("{e}");
            break;
        }
        last_command = Instant::now();
    }
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
    fn an_abbreviation_names_the_command_bacula_dir_would_run() {
        let name = |w: &str| resolve(w).map(|(n, _)| *n);
        assert_eq!(name("st"), Some("status"));
        assert_eq!(name("mes"), Some("messages"));
        assert_eq!(name("LIST"), Some("list"));
        assert_eq!(name(".jo"), Some(".jobs"));
        assert_eq!(name(".st"), Some(".status"));
        assert_eq!(name(".sto"), Some(".storage"));
        assert_eq!(name(".media"), Some(".media"));
        assert_eq!(name("q"), Some("quit"));
        assert_eq!(name("nosuch"), None);
        assert!(is_quit("q") && is_quit(".quit") && is_quit("ex") && !is_quit("list"));
    }

    #[test]
    fn api_marks_go_before_their_packet_and_only_in_api_mode() {
        let mut out = Reply::default();
        out.line("a");
        out.error("b failed");
        out.line("c");
        let frames = out.take_frames(true);
        let shown: Vec<String> = frames
            .iter()
            .map(|p| match p {
                Packet::Data(d) => String::from_utf8_lossy(d).into_owned(),
                Packet::Signal(s) => format!("<{}>", s.code()),
            })
            .collect();
        assert_eq!(shown, ["a\n", "<-21>", "b failed\n", "c\n"]);
        let mut out = Reply::default();
        out.error("x");
        assert_eq!(out.take_frames(false), [Packet::Data(b"x\n".to_vec())]);
    }

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
