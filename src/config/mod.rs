//! The Director's configuration: Bacula's `bacula-dir.conf`, read with
//! Bacula 9.6's rules, checked, and kept as resources the rest of rdird
//! queries. This module does not act on the configuration; it only says
//! what it holds.

pub mod error;
mod fileset;
pub mod json;
pub mod lexer;
mod parser;
mod runscript;
mod schedule;
pub mod schema;
mod suggest;
pub mod units;
mod validate;
pub mod value;

use std::net::{IpAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

pub use error::{ConfigError, Location};
use lexer::Lexer;
use parser::Parser;
pub use parser::MAX_NAME_LENGTH;
pub use schema::Kind;
pub(crate) use suggest::closest;
pub use value::{IncExe, Resource, Run, Value};

/// Where bacula-dir looks for its configuration by default.
pub const DEFAULT_CONFIG_DIR: &str = "/etc/bacula";
pub const DEFAULT_CONFIG_FILE: &str = "/etc/bacula/bacula-dir.conf";

/// A parsed and checked configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    pub resources: Vec<Resource>,
    /// Lines for the log: directives accepted but not acted on, and the like.
    pub warnings: Vec<String>,
}

/// A file name without a directory is looked for in the working directory,
/// then in /etc/bacula, as bacula-dir does.
pub fn resolve_path(path: &Path) -> PathBuf {
    let has_dir = path.components().count() > 1 || path.is_absolute();
    if has_dir || path.exists() {
        return path.to_path_buf();
    }
    let in_etc = Path::new(DEFAULT_CONFIG_DIR).join(path);
    if in_etc.exists() {
        in_etc
    } else {
        path.to_path_buf()
    }
}

impl Config {
    /// Reads, parses and checks the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let path = resolve_path(path);
        let lx = Lexer::open_file(&path)?;
        Config::from_lexer(path, lx)
    }

    /// Parses and checks configuration text held in memory.
    pub fn parse_text(name: &str, text: &[u8]) -> Result<Config, ConfigError> {
        Config::from_lexer(PathBuf::from(name), Lexer::from_text(name, text))
    }

    fn from_lexer(path: PathBuf, lx: Lexer) -> Result<Config, ConfigError> {
        let mut p = Parser::new(lx);
        p.parse_all()?;
        let mut resources = p.resources;
        validate::validate(&mut resources)?;
        Ok(Config {
            path,
            resources,
            warnings: p.warnings,
        })
    }

    /// The Director resource (there is exactly one).
    pub fn director(&self) -> &Resource {
        self.resources
            .iter()
            .find(|r| r.kind == Kind::Director)
            .expect("a checked configuration has a Director")
    }

    /// The resource of `kind` called `name`.
    pub fn find(&self, kind: Kind, name: &str) -> Option<&Resource> {
        self.resources
            .iter()
            .find(|r| r.kind == kind && r.name == name)
    }

    /// Every resource of `kind`, in the order written.
    pub fn all(&self, kind: Kind) -> impl Iterator<Item = &Resource> {
        self.resources.iter().filter(move |r| r.kind == kind)
    }

    /// Where the Director listens: DirAddresses, or DirAddress and DirPort
    /// (every address, port 9101, when none is given). Host names are
    /// resolved to addresses.
    pub fn director_addresses(&self, dir: &Resource) -> Vec<value::Address> {
        let list = match dir.get("DirAddresses") {
            Some(Value::Addresses(list)) => list.clone(),
            _ => vec![value::Address {
                host: dir.str("DirAddress").unwrap_or("0.0.0.0").to_string(),
                port: dir.int("DirPort").unwrap_or(9101) as u16,
            }],
        };
        list.into_iter()
            .map(|a| value::Address {
                host: resolve_host(&a.host),
                port: a.port,
            })
            .collect()
    }
}

/// The first IPv4 address of a host name (or the address itself).
fn resolve_host(host: &str) -> String {
    if host.parse::<IpAddr>().is_ok() {
        return host.to_string();
    }
    let addrs: Vec<_> = (host, 0)
        .to_socket_addrs()
        .map(|it| it.collect())
        .unwrap_or_default();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| host.to_string())
}
