//! The console server: bconsole connects, logs in, and sends one command
//! per packet; each command's output ends with one EOD. One thread per
//! connection, as in Bacula. Command families live in their own files.

mod args;
mod dot;
pub(crate) mod list;
pub mod login;
mod prune;
mod python;
mod reload;
mod restore;
mod run;
mod show;
mod sql;
mod status;
mod throttle;
mod volume;

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use crate::bnet::{Connection, Packet, Signal};
use crate::director::Director;

pub use args::Args;
use login::{Api, Login};
use throttle::Throttle;

/// How long a console may take to log in.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(30);

/// A command's output: each string is one packet; `data` is the same
/// result as structured data, for `.api json`.
#[derive(Debug, Default)]
pub struct Reply {
    pub packets: Vec<String>,
    pub data: Option<serde_json::Value>,
}

impl Reply {
    /// Adds a line (a newline is appended).
    pub fn line(&mut self, text: impl AsRef<str>) {
        self.packets.push(format!("{}\n", text.as_ref()));
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
    ("help", "Print help on specific command", help),
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
    ("update", "Update volume status", volume::update),
    (
        "delete",
        "Delete volume or job records from the catalog",
        volume::delete,
    ),
    ("show", "Show resource records", show::show),
    ("sqlquery", "Use SQL to query catalog", sql::sqlquery),
    ("status", "Report status", status::status),
    ("version", "Print Director version", version),
    (".jobs", "", dot::jobs),
    (".clients", "", dot::clients),
    (".pools", "", dot::pools),
    (".storage", "", dot::storages),
    (".filesets", "", dot::filesets),
    (".msgs", "", dot::msgs),
    (".status", "", status::dot_status),
    (".sql", "", sql::dot_sql),
    (".api", "", api),
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
    Reply {
        packets: vec![format!("{body}\n")],
        data: None,
    }
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

fn help(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    out.line("  Command       Description");
    out.line("  =======       ===========");
    for (name, text, _) in COMMANDS {
        if !name.starts_with('.') && Login::may_run(ctx.login, name) {
            out.line(format!("  {name:<13} {text}"));
        }
    }
    out.line("");
    out.line("When at a prompt, entering a period cancels the command.");
    out.line("");
}

fn messages(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let msgs = ctx.director.take_messages();
    if msgs.is_empty() {
        out.line("You have no messages.");
    }
    for m in msgs {
        out.packets.push(if m.ends_with('\n') {
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
    let found = COMMANDS.iter().find(|(n, _, _)| *n == word);
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
                ask: std::cell::RefCell::new(ask),
            },
            &mut out,
        ),
    }
    if login.api.get() == Api::Json {
        return json_reply(&word, out);
    }
    out
}

fn session(director: Arc<Director>, stream: TcpStream, addr: SocketAddr, throttle: &Throttle) {
    let wait = throttle.wait_for(addr.ip());
    if !wait.is_zero() {
        std::thread::sleep(wait);
    }
    let mut conn = Connection::new(stream, format!("console at {addr}"), LOGIN_TIMEOUT);
    let config = director.config();
    let login = match login::login(&mut conn, &config) {
        Ok(l) => {
            throttle.succeeded(addr.ip());
            l
        }
        Err(e) => {
            tracing::warn!("{e}");
            if matches!(e, crate::bnet::BnetError::Protocol { .. }) {
                let n = throttle.failed(addr.ip());
                let next = throttle.wait_for(addr.ip());
                if !next.is_zero() {
                    tracing::warn!(
                        "{n} failed console logins from {}: the next one waits {} s",
                        addr.ip(),
                        next.as_secs()
                    );
                }
            }
            conn.close();
            return;
        }
    };
    tracing::debug!("console {} logged in from {addr}", login.name);
    conn.set_timeout(None);
    loop {
        let line = match conn.recv() {
            Ok(p @ Packet::Data(_)) => p.text(),
            Ok(Packet::Signal(Signal::Terminate)) => break,
            Ok(Packet::Signal(_)) => continue,
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
        let mut ask = |out: &mut Reply, prompt: &str| -> Option<String> {
            let mut packets = std::mem::take(&mut out.packets);
            packets.push(prompt.to_string());
            conn.send_all(&raw(&packets)).ok()?;
            conn.signal(Signal::SubPrompt).ok()?;
            match conn.recv().ok()? {
                p @ Packet::Data(_) => Some(p.text()),
                Packet::Signal(_) => None,
            }
        };
        let reply = execute(&director, &login, &line, &mut ask);
        if let Err(e) = conn.send_then_eod(&raw(&reply.packets)) {
            tracing::debug!("{e}");
            break;
        }
    }
    conn.close();
}

/// Replies as the console gets them: names that were not UTF-8 go back as
/// the bytes they came as.
fn raw(packets: &[String]) -> Vec<Vec<u8>> {
    packets
        .iter()
        .map(|p| crate::bnet::rawtext::encode(p))
        .collect()
}

/// Serves consoles from `listener` until the process ends, at most
/// Maximum Console Connections at a time.
pub fn serve(director: Arc<Director>, listener: TcpListener) {
    let active = Arc::new(std::sync::atomic::AtomicUsize::new(0));
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
        let max = director
            .config()
            .director()
            .int("MaximumConsoleConnections")
            .unwrap_or(20)
            .max(1) as usize;
        if active.load(std::sync::atomic::Ordering::SeqCst) >= max {
            tracing::warn!(
                "refusing the console at {addr}: Maximum Console Connections ({max}) reached"
            );
            continue;
        }
        active.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let d = director.clone();
        let a = active.clone();
        let t = throttle.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("console {addr}"))
            .spawn(move || {
                session(d, s, addr, &t);
                a.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
            });
        if spawned.is_err() {
            active.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}
