//! A console's login: the Hello line, CRAM-MD5 both ways, and which
//! Console resource (and so which ACLs) the session runs under.

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

/// How replies are shaped: text as bconsole shows it, bacula-dir 9.6's
/// `.api 2` key=value form, or one JSON-RPC 2.0 object per command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Api {
    #[default]
    Text,
    KeyValue,
    Json,
}

/// Who logged in, and how the session answers.
#[derive(Debug, Clone)]
pub struct Login {
    /// `*UserAgent*` for the default console, else the Console's name.
    pub name: String,
    pub acl: Acl,
    pub api: std::cell::Cell<Api>,
}

impl Login {
    /// The Director itself, for console commands its RunScripts run.
    pub fn director() -> Login {
        Login {
            name: "*Director*".into(),
            acl: Acl::default(),
            api: Default::default(),
        }
    }
}

/// The console a Hello names: `Hello *UserAgent* calling 100` or
/// `Hello monitor calling 100`.
pub fn console_name(hello: &str) -> Option<&str> {
    hello
        .strip_prefix("Hello ")
        .and_then(|rest| rest.split(" calling").next())
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.len() <= crate::config::MAX_NAME_LENGTH)
}

/// Reads the Hello, authenticates both ways, and greets the console.
pub fn login(conn: &mut Connection, config: &Config) -> Result<Login, BnetError> {
    let hello = conn.recv_text()?;
    let peer = conn.peer().to_string();
    let protocol = |what: String| BnetError::Protocol {
        peer: peer.clone(),
        what,
    };
    let name = hello
        .strip_prefix("Hello ")
        .and_then(|rest| rest.split(" calling").next())
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            protocol(format!(
                "expected a console Hello, got {:?}",
                hello.trim_end()
            ))
        })?
        .to_string();
    let director = config.director();
    let (password, acl) = if name == "*UserAgent*" {
        (
            director.str("Password").unwrap_or_default().to_string(),
            Acl::default(),
        )
    } else {
        match config.find(Kind::Console, &name) {
            Some(c) => (
                c.str("Password").unwrap_or_default().to_string(),
                Acl::of_console(c),
            ),
            None => {
                // Challenge anyway so that a wrong name looks like a wrong password.
                (String::new(), Acl::default())
            }
        }
    };
    let key = cram::password_key(&password);
    cram::challenge_peer(conn, &director.name, &key)
        .map_err(|e| protocol(format!("console \"{name}\" failed to authenticate: {e}")))?;
    cram::answer_peer(conn, &key)?;
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
    })
}
