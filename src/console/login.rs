//! A console's login: the Hello line, CRAM-MD5 both ways, and which
//! Console resource (and so which ACLs) the session runs under.

use std::time::{Duration, Instant};

use crate::bnet::{cram, BnetError, Connection};
use crate::config::{Config, Kind, Value};

/// What a console may see and do: `None` is everything.
#[derive(Debug, Clone, Default)]
pub struct Acl {
    pub commands: Option<Vec<String>>,
    pub jobs: Option<Vec<String>>,
    pub clients: Option<Vec<String>>,
    pub storages: Option<Vec<String>>,
    pub pools: Option<Vec<String>>,
    pub filesets: Option<Vec<String>>,
    pub catalogs: Option<Vec<String>>,
    pub schedules: Option<Vec<String>>,
    /// Where a restore may write (`where=`, `regexwhere=`, the prefixes).
    pub wheres: Option<Vec<String>>,
}

fn list(res: &crate::config::Resource, directive: &str) -> Option<Vec<String>> {
    match res.get(directive) {
        Some(Value::StrList(l)) if !l.iter().any(|v| v == "*all*") => Some(l.clone()),
        Some(Value::StrList(_)) => None,
        // A restricted console without the ACL may use nothing of the kind.
        _ => Some(Vec::new()),
    }
}

impl Acl {
    fn of_console(res: &crate::config::Resource) -> Acl {
        Acl {
            commands: list(res, "CommandAcl"),
            jobs: list(res, "JobAcl"),
            clients: list(res, "ClientAcl"),
            storages: list(res, "StorageAcl"),
            pools: list(res, "PoolAcl"),
            filesets: list(res, "FilesetAcl"),
            catalogs: list(res, "CatalogAcl"),
            schedules: list(res, "ScheduleAcl"),
            wheres: list(res, "WhereAcl"),
        }
    }

    /// Whether `name` passes the list (`None` passes everything).
    pub fn allows(list: &Option<Vec<String>>, name: &str) -> bool {
        match list {
            None => true,
            Some(l) => l.iter().any(|v| v.eq_ignore_ascii_case(name)),
        }
    }
}

/// How replies are shaped: text as bconsole shows it (`.api 0`), the
/// same text framed by bacula-dir's api signals (`.api 1`, what bat
/// asks for), bacula-dir 9.6's `.api 2` key=value form, or rdird's one
/// JSON-RPC 2.0 object per command (`.api json`, framed as text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Api {
    #[default]
    Text,
    Signals,
    KeyValue,
    Json,
}

impl Api {
    /// Whether replies are framed by api signals (BNET_CMD_BEGIN, …,
    /// BNET_MAIN_PROMPT) rather than ended by an EOD.
    pub fn signals(self) -> bool {
        matches!(self, Api::Signals | Api::KeyValue)
    }
}

/// Who logged in, and how the session answers.
#[derive(Debug, Clone)]
pub struct Login {
    /// `*UserAgent*` for the default console, else the Console's name.
    pub name: String,
    pub acl: Acl,
    pub api: std::cell::Cell<Api>,
    /// `gui`, `autodisplay` and `automount` of this session.
    pub modes: Modes,
    /// The `api_opts=` of the last `.api` (bacula-dir's OutputWriter
    /// options: `s<n>` separator, `t<n>` time format, `S<n>` object
    /// separator, `o`, `C`).
    pub api_opts: std::cell::RefCell<String>,
    /// The session has said which catalog it uses (bacula-dir's open_db
    /// says `Using Catalog "…"` the first time a command opens one).
    pub catalog_announced: std::cell::Cell<bool>,
}

/// The session's switches (bacula-dir's ua->gui, auto_display_messages
/// and automount, ua_output.c and ua_cmds.c).
#[derive(Debug, Clone)]
pub struct Modes {
    /// Non-interactive GUI mode: a catalog is taken without asking.
    pub gui: std::cell::Cell<bool>,
    /// Queued messages are shown after each command.
    pub autodisplay: std::cell::Cell<bool>,
    /// A volume is mounted after it is labeled (on unless turned off).
    pub automount: std::cell::Cell<bool>,
}

impl Default for Modes {
    fn default() -> Modes {
        Modes {
            gui: Default::default(),
            autodisplay: Default::default(),
            automount: std::cell::Cell::new(true),
        }
    }
}

impl Login {
    /// The Director itself, for console commands its RunScripts run.
    pub fn director() -> Login {
        Login {
            name: "*Director*".into(),
            acl: Acl::default(),
            api: Default::default(),
            modes: Modes::default(),
            api_opts: Default::default(),
            catalog_announced: Default::default(),
        }
    }
}

/// The console a Hello names: `Hello *UserAgent* calling 100` or
/// `Hello monitor calling 100`. A name is one word, as bacula-dir reads
/// it (authenticate.c authenticate_user_agent, `sscanf(.., "Hello %127s
/// calling %d", ..)`, which stops at the first whitespace): a Hello whose
/// name holds whitespace or a control character is refused, so such a
/// name never reaches a log or a mail.
pub fn console_name(hello: &str) -> Option<&str> {
    let name = hello
        .strip_prefix("Hello ")?
        .trim_end_matches('\n')
        .split(" calling")
        .next()?;
    let word = |c: char| !c.is_whitespace() && !c.is_control();
    Some(name).filter(|n| {
        !n.is_empty() && n.len() <= crate::config::MAX_NAME_LENGTH && n.chars().all(word)
    })
}

/// How long a console has for its whole login, from the Hello to the
/// greeting: bconsole needs a few milliseconds, and a connection that
/// takes longer holds one of the few login places.
pub const LOGIN_DEADLINE: Duration = Duration::from_secs(10);

/// The longest packet a console may send before it has logged in: a
/// Hello is at most about 150 bytes (bacula-dir refuses one of 143 or
/// more), a CRAM-MD5 answer 23.
pub const MAX_LOGIN_PACKET: usize = 4096;

/// What bacula-dir sends last on any failed console login (its
/// authenticate.c `Dir_sorry`).
const NOT_AUTHORIZED: &str = "1999 You are not authorized.\n";

/// Whom a Hello names, and the key its answer must be made with.
enum Claimed<'a> {
    /// `*UserAgent*`: the Director's own password, every right.
    Director,
    /// A Console resource with a password.
    Console(&'a crate::config::Resource),
    /// No Console resource with a password has this name.
    Nobody(&'static str),
}

/// An empty password never logs in: bacula-dir 9.6.7 (parse_conf.c
/// `store_password`) keeps the MD5 of the empty string, which anyone can
/// answer with.
fn claimed<'a>(config: &'a Config, name: &str) -> Claimed<'a> {
    if name == "*UserAgent*" {
        return match config.director().str("Password").unwrap_or_default() {
            "" => Claimed::Nobody("the Director's Password is empty"),
            _ => Claimed::Director,
        };
    }
    match config.find(Kind::Console, name) {
        Some(c) if !c.str("Password").unwrap_or_default().is_empty() => Claimed::Console(c),
        Some(_) => Claimed::Nobody("its Console resource has an empty password"),
        None => Claimed::Nobody("no Console resource has that name"),
    }
}

/// Why a login did not go through.
pub struct Refused {
    pub error: BnetError,
    /// The console answered the challenge, and wrongly: a guess at the
    /// password, which the slow-down counts (a connection that goes away
    /// before it answers has guessed nothing).
    pub wrong_answer: bool,
    /// The connection closed before its Hello arrived: a port probe (a
    /// monitoring check, a load balancer), which bacula-dir 9.6.7 leaves
    /// unreported, not an attempt at a login.
    pub probe: bool,
}

impl From<BnetError> for Refused {
    fn from(error: BnetError) -> Refused {
        Refused {
            error,
            wrong_answer: false,
            probe: false,
        }
    }
}

/// Reads the Hello, authenticates both ways, and greets the console, all
/// within `LOGIN_DEADLINE`. Between the Hello and the challenge,
/// `after_hello` may hold the login back (the slow-down for guessing): it
/// returns how long it waited, which the deadline does not count, or
/// `None` if the connection is no longer wanted.
///
/// A name the Director does not know is challenged like any other, with
/// a key made up for the attempt that no one can answer: the console sees
/// the same challenge, the same refusal and the same timing as for a
/// wrong password. (bacula-dir 9.6.7, authenticate.c
/// `authenticate_user_agent`, answers an unknown name at once with
/// `1999 You are not authorized.` and no challenge, which tells anyone
/// which names exist.)
pub fn login(
    conn: &mut Connection,
    config: &Config,
    after_hello: impl FnOnce() -> Option<Duration>,
) -> Result<Login, Refused> {
    conn.set_deadline(Some(Instant::now() + LOGIN_DEADLINE));
    conn.set_max_packet(MAX_LOGIN_PACKET);
    let login = authenticate(conn, config, after_hello);
    conn.set_deadline(None);
    conn.set_max_packet(crate::bnet::packet::MAX_PACKET);
    login
}

fn authenticate(
    conn: &mut Connection,
    config: &Config,
    after_hello: impl FnOnce() -> Option<Duration>,
) -> Result<Login, Refused> {
    let started = Instant::now();
    let hello = match conn.recv_text() {
        Err(error @ BnetError::Closed { .. }) => {
            return Err(Refused {
                error,
                wrong_answer: false,
                probe: true,
            })
        }
        other => other?,
    };
    let peer = conn.peer().to_string();
    let protocol = |what: String| BnetError::Protocol {
        peer: peer.clone(),
        what,
    };
    let name = console_name(&hello)
        .ok_or_else(|| {
            protocol(format!(
                "expected a console Hello, got {:?}",
                hello.trim_end()
            ))
        })?
        .to_string();
    let waited =
        after_hello().ok_or_else(|| protocol("dropped to make room for another console".into()))?;
    conn.set_deadline(Some(started + waited + LOGIN_DEADLINE));
    let director = config.director();
    let claim = claimed(config, &name);
    let key = match &claim {
        Claimed::Director => cram::password_key(director.str("Password").unwrap_or_default()),
        Claimed::Console(c) => cram::password_key(c.str("Password").unwrap_or_default()),
        Claimed::Nobody(_) => cram::unguessable_key(),
    };
    let refused = |why: &str| protocol(format!("console \"{name}\" failed to authenticate: {why}"));
    if let Err(e) = cram::challenge_peer(conn, &director.name, &key) {
        // A wrong answer, or garbage (which counts as a guess); the rest
        // is the connection going away or timing out before it answered.
        let wrong_answer = matches!(e, BnetError::Protocol { .. } | BnetError::TooLong { .. });
        let why = match (&claim, e) {
            (Claimed::Nobody(why), BnetError::Protocol { .. }) => why.to_string(),
            (_, BnetError::Protocol { what, .. }) => what,
            (_, e) => e.to_string(),
        };
        let _ = conn.send(NOT_AUTHORIZED);
        return Err(Refused {
            error: refused(&why),
            wrong_answer,
            probe: false,
        });
    }
    cram::answer_peer(conn, &key)?;
    let acl = match claim {
        Claimed::Director => Acl::default(),
        Claimed::Console(c) => Acl::of_console(c),
        // No one answers an unguessable key; should it ever be answered,
        // the name still gets nothing.
        Claimed::Nobody(why) => {
            return Err(Refused {
                error: refused(why),
                wrong_answer: true,
                probe: false,
            })
        }
    };
    conn.send(format!(
        "1000 OK: 102 {} Version: {} ({})\n",
        director.name,
        env!("CARGO_PKG_VERSION"),
        env!("RDIRD_BUILD_DATE")
    ))?;
    Ok(Login {
        name,
        acl,
        api: Default::default(),
        modes: Modes::default(),
        api_opts: Default::default(),
        catalog_announced: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(director_password: &str) -> Config {
        let text = format!(
            "Director {{ Name = d; Password = \"{director_password}\"; QueryFile = /dev/null; WorkingDirectory = /tmp; PidDirectory = /tmp; Messages = M }}\n\
             Catalog {{ Name = C; DB Name = cat }}\n\
             Messages {{ Name = M; Console = all }}\n\
             Client {{ Name = c-fd; Address = 127.0.0.1; Password = x; Catalog = C }}\n\
             Storage {{ Name = S; Address = 127.0.0.1; Password = x; Device = D; Media Type = File }}\n\
             Pool {{ Name = P; Pool Type = Backup }}\n\
             FileSet {{ Name = F; Include {{ File = /nonexistent }} }}\n\
             Job {{ Name = J; Type = Backup; Client = c-fd; FileSet = F; Storage = S; Pool = P; Messages = M }}\n\
             Console {{\n  Name = monitor\n  Password = pw\n}}\n\
             Console {{\n  Name = blank\n  Password = \"\"\n}}\n"
        );
        Config::parse_text("test.conf", text.as_bytes()).unwrap()
    }

    fn nobody(c: Claimed<'_>) -> bool {
        matches!(c, Claimed::Nobody(_))
    }

    #[test]
    fn an_empty_password_or_an_unknown_name_is_nobody() {
        let with = config("secret");
        assert!(matches!(claimed(&with, "*UserAgent*"), Claimed::Director));
        assert!(matches!(claimed(&with, "monitor"), Claimed::Console(_)));
        assert!(nobody(claimed(&with, "blank")));
        assert!(nobody(claimed(&with, "nosuch")));
        assert!(nobody(claimed(&config(""), "*UserAgent*")));
    }

    #[test]
    fn a_hello_names_one_word_or_nothing() {
        assert_eq!(
            console_name("Hello *UserAgent* calling 102\n"),
            Some("*UserAgent*")
        );
        assert_eq!(console_name("Hello monitor calling 100"), Some("monitor"));
        assert_eq!(console_name("Hello monitor\n"), Some("monitor"));
        for forged in [
            "Hello evil\n01-Dec 15:21 test-dir JobId 7: Termination: Backup OK\nx calling 102\n",
            "Hello two words calling 102",
            "Hello tab\there calling 102",
            "Hello esc\x1b[2J calling 102",
            "Hello  calling 102",
        ] {
            assert_eq!(console_name(forged), None, "{forged:?}");
        }
    }
}
