//! The resource parser: turns the scanner's tokens into resources and their
//! directive values, the way Bacula's parse_conf.c and dird_conf.c read them.
//!
//! It only reads; references between resources, JobDefs and the rules that
//! span resources are checked afterwards by `validate`.

use std::collections::BTreeSet;

use super::error::{ConfigError, Location};
use super::lexer::{Expect, Lexer, Token};
use super::schema::{Dest, Handler, Item, Kind};
use super::suggest::closest;
use super::units;
use super::value::{Address, Destination, Ref, Resource, RunScript, RunsWhen, Setting, Value};

/// Longest resource name Bacula accepts.
pub const MAX_NAME_LENGTH: usize = 127;

/// Reads resources from a scanner.
pub struct Parser {
    pub(super) lx: Lexer,
    pub resources: Vec<Resource>,
    pub warnings: Vec<String>,
    warned: BTreeSet<(Kind, &'static str)>,
}

/// Job types, in Bacula's spelling.
pub const JOB_TYPES: [&str; 6] = ["Backup", "Admin", "Verify", "Restore", "Migrate", "Copy"];

/// Job levels, in Bacula's spelling.
pub const JOB_LEVELS: [&str; 11] = [
    "Full",
    "Base",
    "Incremental",
    "Differential",
    "Since",
    "VirtualFull",
    "Catalog",
    "InitCatalog",
    "VolumeToCatalog",
    "DiskToCatalog",
    "Data",
];

const REPLACE_OPTIONS: [&str; 4] = ["Always", "IfNewer", "IfOlder", "Never"];
const MIGRATION_TYPES: [&str; 9] = [
    "SmallestVolume",
    "OldestVolume",
    "PoolOccupancy",
    "PoolTime",
    "PoolUncopiedJobs",
    "Client",
    "Volume",
    "Job",
    "SqlQuery",
];
const LABEL_TYPES: [&str; 3] = ["Bacula", "ANSI", "IBM"];
const COLLECTOR_TYPES: [&str; 2] = ["CSV", "Graphite"];

/// Message types by Bacula's M_ number (index 0 unused).
pub const MESSAGE_TYPES: [&str; 17] = [
    "",
    "Abort",
    "Debug",
    "Fatal",
    "Error",
    "Warning",
    "Info",
    "Saved",
    "NotSaved",
    "Skipped",
    "Mount",
    "ErrorTerm",
    "Terminate",
    "Restored",
    "Security",
    "Alert",
    "VolMgmt",
];

/// The highest message type number.
pub const M_MAX: usize = 16;
const M_DEBUG: usize = 2;
const M_SAVED: usize = 7;

fn is_word(tok: Token) -> bool {
    matches!(
        tok,
        Token::Identifier | Token::UnquotedString | Token::QuotedString
    )
}

impl Parser {
    pub fn new(lx: Lexer) -> Parser {
        Parser {
            lx,
            resources: Vec::new(),
            warnings: Vec::new(),
            warned: BTreeSet::new(),
        }
    }

    pub(super) fn err(&self, message: impl Into<String>) -> ConfigError {
        self.lx.error_at_token(message)
    }

    pub(super) fn here(&self) -> Location {
        self.lx.begin.clone()
    }

    /// Reads every resource in the input.
    pub fn parse_all(&mut self) -> Result<(), ConfigError> {
        loop {
            let tok = self.lx.next_token(Expect::All)?;
            match tok {
                Token::Eof => return Ok(()),
                Token::Eol | Token::Utf8Bom => continue,
                Token::Utf16Bom => {
                    return Err(self.err(
                        "UTF-16 files are not supported; please convert the configuration to UTF-8",
                    ))
                }
                Token::Identifier => {
                    let word = self.lx.text.clone();
                    let Some(kind) = Kind::from_keyword(&word) else {
                        return Err(self.err(format!(
                            "unknown resource kind \"{word}\"{}",
                            did_you_mean(&word, &Kind::keywords())
                        )));
                    };
                    let res =
                        self.parse_resource(kind, word.eq_ignore_ascii_case("Autochanger"))?;
                    self.resources.push(res);
                }
                _ => {
                    return Err(self.err(format!(
                        "expected a resource kind (Director, Job, Client, …), got {} \"{}\"",
                        tok.describe(),
                        self.lx.text
                    )))
                }
            }
        }
    }

    fn parse_resource(&mut self, kind: Kind, autochanger: bool) -> Result<Resource, ConfigError> {
        let mut res = Resource::new(kind, self.here());
        res.is_autochanger = autochanger;
        let tok = self.lx.next_token(Expect::SkipEol)?;
        if tok != Token::Bob {
            return Err(self.err(format!(
                "expected \"{{\" after {}, got {} \"{}\"",
                kind.name(),
                tok.describe(),
                self.lx.text
            )));
        }
        loop {
            let tok = self.lx.next_token(Expect::All)?;
            match tok {
                Token::Eol => continue,
                Token::Eob => break,
                Token::Eof => {
                    return Err(ConfigError::at(
                        res.at.clone(),
                        format!(
                        "end of file reached inside this {} resource: a closing \"}}\" is missing",
                        kind.name()
                    ),
                    ))
                }
                Token::Identifier => self.parse_directive(&mut res)?,
                Token::Bob => {
                    return Err(self.err(format!(
                        "unexpected \"{{\" in {}: a directive name is missing",
                        describe_resource(&res)
                    )))
                }
                _ => {
                    return Err(self.err(format!(
                        "expected a directive name in {}, got {} \"{}\"",
                        describe_resource(&res),
                        tok.describe(),
                        self.lx.text
                    )))
                }
            }
        }
        if res.name.is_empty() {
            return Err(ConfigError::at(
                res.at.clone(),
                format!("{} resource has no Name", kind.name()),
            ));
        }
        Ok(res)
    }

    fn parse_directive(&mut self, res: &mut Resource) -> Result<(), ConfigError> {
        let word = self.lx.text.clone();
        let at = self.here();
        let kind = res.kind;
        let Some(index) = kind.find_item(&word) else {
            let names = super::schema::all_directive_names(kind);
            let lower = word.to_ascii_lowercase();
            // Without "=", the value's letters join the keyword: PoolTypeBackup.
            let hint = match names
                .iter()
                .filter(|n| lower.starts_with(&n.to_ascii_lowercase()))
                .max_by_key(|n| n.len())
            {
                Some(n) => format!(" (is \"=\" missing after {n}?)"),
                None => did_you_mean(&word, &names),
            };
            return Err(ConfigError::at(
                at,
                format!(
                    "unknown directive \"{word}\" in {}{hint}",
                    describe_resource(res)
                ),
            ));
        };
        let item: &'static Item = &kind.items()[index];
        let no_equals = matches!(
            item.handler,
            Handler::Runscript | Handler::Include | Handler::Exclude
        );
        if !no_equals {
            let tok = self.lx.next_token(Expect::SkipEol)?;
            if tok != Token::Equals {
                return Err(self.err(format!(
                    "expected \"=\" after {}, got {} \"{}\"",
                    item.name,
                    tok.describe(),
                    self.lx.text
                )));
            }
        }
        let slot = kind.slot_of(index);
        let previous = res.settings[slot].take();
        let value = self.read_value(res, item, previous.as_ref().map(|s| &s.value))?;
        if item.handler == Handler::Name {
            if let Value::Str(n) = &value {
                res.name = n.clone();
            }
        }
        res.settings[slot] = Some(Setting {
            value,
            at: at.clone(),
            inherited: false,
        });
        if !item.acted_on {
            let target = kind.items()[slot].name;
            if self.warned.insert((kind, target)) {
                self.warnings.push(format!(
                    "{at}: warning: directive {target} in {} is accepted but rdird does not act on it yet",
                    kind.name()
                ));
            }
        }
        Ok(())
    }

    /// Reads the value of one directive; `previous` is the value the slot
    /// held already (for lists that grow, and to refuse redefinitions).
    fn read_value(
        &mut self,
        res: &Resource,
        item: &'static Item,
        previous: Option<&Value>,
    ) -> Result<Value, ConfigError> {
        let redefine = |p: &Parser, new: &str| {
            if let Some(Value::Str(old) | Value::Res(Ref { name: old, .. })) = previous {
                Err(p.err(format!(
                    "{} is set twice in {} (first \"{old}\", now \"{new}\")",
                    item.name,
                    describe_resource(res)
                )))
            } else {
                Ok(())
            }
        };
        let value = match item.handler {
            Handler::Name => {
                let name = self.name()?;
                if let Some(msg) = invalid_name(&name) {
                    return Err(self.err(format!("invalid name \"{name}\": {msg}")));
                }
                redefine(self, &name)?;
                Value::Str(name)
            }
            Handler::Str | Handler::Password | Handler::Dir => {
                let s = self.string()?;
                let s = if item.handler == Handler::Dir {
                    expand_path(&s)
                } else {
                    s
                };
                let allow_dups = item.name == "MailCommand" || item.name == "OperatorCommand";
                if !allow_dups {
                    redefine(self, &s)?;
                }
                Value::Str(s)
            }
            Handler::StrName => {
                let s = self.name()?;
                redefine(self, &s)?;
                Value::Str(s)
            }
            Handler::Res(_) => {
                let name = self.name()?;
                redefine(self, &name)?;
                Value::Res(Ref {
                    name,
                    at: self.here(),
                })
            }
            Handler::ResList(_) => {
                let mut list = match previous {
                    Some(Value::ResList(l)) => l.clone(),
                    _ => Vec::new(),
                };
                for name in self.word_list(item.name, res)? {
                    list.push(Ref {
                        name,
                        at: self.here(),
                    });
                }
                return Ok(Value::ResList(list));
            }
            Handler::StrList | Handler::Device | Handler::Acl => {
                let mut list = match previous {
                    Some(Value::StrList(l)) => l.clone(),
                    _ => Vec::new(),
                };
                list.extend(self.word_list(item.name, res)?);
                return Ok(Value::StrList(list));
            }
            Handler::Int32 | Handler::PInt32 => {
                self.lx.next_token(Expect::All)?;
                let text = self.lx.text.clone();
                let v: Option<i64> = text.parse().ok();
                let ok = match (item.handler, v) {
                    (Handler::PInt32, Some(v)) => (0..=u32::MAX as i64).contains(&v),
                    (_, Some(v)) => (i32::MIN as i64..=i32::MAX as i64).contains(&v),
                    _ => false,
                };
                if !ok {
                    let what = if item.handler == Handler::PInt32 {
                        "a positive integer number"
                    } else {
                        "an integer number"
                    };
                    return Err(self.err(format!("{} expects {what}, got \"{text}\"", item.name)));
                }
                Value::Int(v.unwrap_or_default())
            }
            Handler::Size64 | Handler::Speed | Handler::Time => {
                let text = self.unit_words(item.name)?;
                let v = match item.handler {
                    Handler::Size64 => units::parse_size(&text).map(|v| v as i64),
                    Handler::Speed => units::parse_speed(&text).map(|v| v as i64),
                    _ => units::parse_duration(&text),
                };
                let Some(v) = v else {
                    let what = match item.handler {
                        Handler::Size64 => "a size (a number with an optional unit: k, kb, m, mb, g, gb, t, tb)",
                        Handler::Speed => "a speed (a number with an optional unit: k/s, kb/s, m/s, mb/s)",
                        _ => "a time period (numbers with units: seconds, n/min/minutes, hours, days, weeks, m/months, quarters, years)",
                    };
                    return Err(self.err(format!("{} expects {what}, got \"{text}\"", item.name)));
                };
                Value::Int(v)
            }
            Handler::Bool | Handler::Bit => Value::Bool(self.yes_no(item.name)?),
            Handler::JobType => {
                Value::Keyword(self.keyword(item.name, &JOB_TYPES, "a Job Type")?)
            }
            Handler::Level => {
                Value::Keyword(self.keyword(item.name, &JOB_LEVELS, "a Job Level")?)
            }
            Handler::Replace => Value::Keyword(self.keyword(
                item.name,
                &REPLACE_OPTIONS,
                "a Restore replacement option",
            )?),
            Handler::MigType => {
                Value::Keyword(self.keyword(item.name, &MIGRATION_TYPES, "a Migration Job Type")?)
            }
            Handler::Label => {
                Value::Keyword(self.keyword(item.name, &LABEL_TYPES, "a Label Type")?)
            }
            Handler::CollType => Value::Keyword(self.keyword(
                item.name,
                &COLLECTOR_TYPES,
                "a Statistics backend type",
            )?),
            Handler::ActionOnPurge => {
                Value::Keyword(self.keyword(item.name, &["Truncate"], "an action on purge")?)
            }
            Handler::Autochanger => {
                let word = self.name()?;
                let lower = word.to_ascii_lowercase();
                if lower == "yes" || lower == "true" {
                    Value::Autochanger(None)
                } else if lower == "no" || lower == "false" {
                    Value::Bool(false)
                } else {
                    Value::Autochanger(Some(Ref {
                        name: word,
                        at: self.here(),
                    }))
                }
            }
            Handler::SharedStorage => {
                let name = self.name()?;
                Value::Res(Ref {
                    name,
                    at: self.here(),
                })
            }
            Handler::Msgs(dest) => {
                let mut list = match previous {
                    Some(Value::Messages(l)) => l.clone(),
                    _ => Vec::new(),
                };
                self.messages(res, dest, &mut list)?;
                return Ok(Value::Messages(list));
            }
            Handler::Run => {
                let mut runs = match previous {
                    Some(Value::Runs(l)) => l.clone(),
                    _ => Vec::new(),
                };
                runs.push(self.schedule_run()?);
                return Ok(Value::Runs(runs));
            }
            Handler::Include | Handler::Exclude => {
                let mut list = match previous {
                    Some(Value::IncExes(l)) => l.clone(),
                    _ => Vec::new(),
                };
                list.push(self.include_block(item.handler == Handler::Exclude)?);
                return Ok(Value::IncExes(list));
            }
            Handler::ShortRunscript => {
                let mut list = match previous {
                    Some(Value::Runscripts(l)) => l.clone(),
                    _ => Vec::new(),
                };
                let command = self.string()?;
                list.push(short_runscript(item.name, command));
                Value::Runscripts(list)
            }
            Handler::Runscript => {
                let mut list = match previous {
                    Some(Value::Runscripts(l)) => l.clone(),
                    _ => Vec::new(),
                };
                list.extend(self.runscript_block()?);
                return Ok(Value::Runscripts(list));
            }
            Handler::Addresses => {
                let list = self.address_block()?;
                return Ok(Value::Addresses(list));
            }
            Handler::AddressesAddress => {
                let tok = self.lx.next_token(Expect::SkipEol)?;
                if !matches!(
                    tok,
                    Token::Identifier | Token::UnquotedString | Token::QuotedString
                ) {
                    return Err(self.err(format!(
                        "{} expects an IP address or a host name, got {} \"{}\"",
                        item.name,
                        tok.describe(),
                        self.lx.text
                    )));
                }
                Value::Str(self.lx.text.clone())
            }
            Handler::AddressesPort => {
                let tok = self.lx.next_token(Expect::SkipEol)?;
                let text = self.lx.text.clone();
                match (tok, text.parse::<u16>()) {
                    (
                        Token::Number
                        | Token::UnquotedString
                        | Token::Identifier
                        | Token::QuotedString,
                        Ok(p),
                    ) => Value::Int(p as i64),
                    _ => {
                        return Err(self.err(format!(
                            "{} expects a port number, got \"{text}\"",
                            item.name
                        )))
                    }
                }
            }
        };
        self.scan_to_eol()?;
        Ok(value)
    }

    /// A name: an identifier or a string of at most 127 characters.
    pub(super) fn name(&mut self) -> Result<String, ConfigError> {
        let tok = self.lx.next_token(Expect::All)?;
        if !is_word(tok) {
            return Err(self.err(format!(
                "expected a name, got {} \"{}\"",
                tok.describe(),
                self.lx.text
            )));
        }
        if self.lx.text.len() > MAX_NAME_LENGTH {
            return Err(self.err(format!(
                "name \"{}\" is {} characters long; the longest allowed is {MAX_NAME_LENGTH}",
                self.lx.text,
                self.lx.text.len()
            )));
        }
        Ok(self.lx.text.clone())
    }

    /// A string: an identifier, an unquoted or a quoted string.
    pub(super) fn string(&mut self) -> Result<String, ConfigError> {
        let tok = self.lx.next_token(Expect::All)?;
        if !is_word(tok) {
            return Err(self.err(format!(
                "expected a string, got {} \"{}\"",
                tok.describe(),
                self.lx.text
            )));
        }
        Ok(self.lx.text.clone())
    }

    pub(super) fn yes_no(&mut self, directive: &str) -> Result<bool, ConfigError> {
        let word = self.name()?;
        match word.to_ascii_lowercase().as_str() {
            "yes" | "true" => Ok(true),
            "no" | "false" => Ok(false),
            _ => Err(self.err(format!(
                "{directive} expects yes, no, true or false, got \"{word}\""
            ))),
        }
    }

    fn keyword(
        &mut self,
        directive: &str,
        table: &[&'static str],
        what: &str,
    ) -> Result<&'static str, ConfigError> {
        let word = self.name()?;
        table
            .iter()
            .find(|k| k.eq_ignore_ascii_case(&word))
            .copied()
            .ok_or_else(|| {
                self.err(format!(
                    "{directive} expects {what} ({}), got \"{word}\"",
                    table.join(", ")
                ))
            })
    }

    /// Comma-separated words up to the end of the line.
    fn word_list(&mut self, directive: &str, res: &Resource) -> Result<Vec<String>, ConfigError> {
        let mut out = Vec::new();
        loop {
            let tok = self.lx.next_token(Expect::All)?;
            if !is_word(tok) {
                return Err(self.err(format!(
                    "{directive} expects a list of names, got {} \"{}\"",
                    tok.describe(),
                    self.lx.text
                )));
            }
            out.push(self.lx.text.clone());
            if self.lx.ch != b',' as i32 {
                // `Storage = File2 }`: the resource may end on the list's
                // line, as bacula-dir's scan_to_eol allows.
                let closes = self.lx.rest_of_line().trim_start().starts_with('}');
                if !self.lx.at_logical_eol() && !closes {
                    return Err(self.err(format!(
                        "unexpected text after the list in directive {directive} of {}",
                        describe_resource(res)
                    )));
                }
                break;
            }
            self.lx.next_token(Expect::All)?; // the comma
        }
        Ok(out)
    }

    /// The words of a size, speed or duration (`1 day 12 hours`); returns
    /// them joined by spaces.
    fn unit_words(&mut self, directive: &str) -> Result<String, ConfigError> {
        let tok = self.lx.next_token(Expect::SkipEol)?;
        if !matches!(
            tok,
            Token::Number | Token::Identifier | Token::UnquotedString | Token::QuotedString
        ) {
            return Err(self.err(format!(
                "{directive} expects a value, got {} \"{}\"",
                tok.describe(),
                self.lx.text
            )));
        }
        let mut text = self.lx.text.clone();
        while (self.lx.ch == b' ' as i32 || self.lx.ch == b'\t' as i32)
            && self.next_is_word_on_line()
        {
            let t = self.lx.next_token(Expect::All)?;
            if matches!(t, Token::Number | Token::Identifier | Token::UnquotedString) {
                text.push(' ');
                text.push_str(&self.lx.text);
            }
        }
        Ok(text)
    }

    fn next_is_word_on_line(&self) -> bool {
        !self.lx.at_logical_eol() && {
            let rest = self.lx.rest_of_line();
            let c = rest.trim_start().chars().next();
            !matches!(c, None | Some('}' | '{' | '=' | ',' | '"' | '#' | ';'))
        }
    }

    /// Skips what is left of a directive's line, stopping before a `}`.
    pub(super) fn scan_to_eol(&mut self) -> Result<(), ConfigError> {
        let mut ignored = Vec::new();
        loop {
            let tok = self.lx.next_token(Expect::All)?;
            match tok {
                Token::Eol | Token::Eof => break,
                Token::Eob => {
                    self.lx.unget_char();
                    break;
                }
                _ => ignored.push(self.lx.text.clone()),
            }
        }
        if !ignored.is_empty() {
            self.warnings.push(format!(
                "{}: warning: ignoring \"{}\" after the value",
                self.here(),
                ignored.join(" ")
            ));
        }
        Ok(())
    }

    /// A Messages destination line.
    fn messages(
        &mut self,
        res: &Resource,
        dest: Dest,
        list: &mut Vec<Destination>,
    ) -> Result<(), ConfigError> {
        let (where_, command) = match dest {
            Dest::Stdout | Dest::Stderr | Dest::Syslog | Dest::Console | Dest::Catalog => {
                (None, None)
            }
            Dest::File | Dest::Append => {
                let w = self.name()?;
                self.expect_equals("a file name")?;
                (Some(w), None)
            }
            _ => {
                let mut addrs = Vec::new();
                loop {
                    addrs.push(self.name()?);
                    let tok = self.lx.next_token(Expect::SkipEol)?;
                    if tok == Token::Comma {
                        continue;
                    }
                    if tok != Token::Equals {
                        return Err(self.err(format!(
                            "expected \"=\" after the destination, got {} \"{}\"",
                            tok.describe(),
                            self.lx.text
                        )));
                    }
                    break;
                }
                let cmd_name = if dest == Dest::Operator {
                    "OperatorCommand"
                } else {
                    "MailCommand"
                };
                let cmd = res.str(cmd_name).map(str::to_string);
                (Some(addrs.join(" ")), cmd)
            }
        };
        loop {
            let word = self.name()?;
            let (negate, t) = match word.strip_prefix('!') {
                Some(rest) => (true, rest.to_string()),
                None => (false, word.clone()),
            };
            let all = t.eq_ignore_ascii_case("All");
            let num = MESSAGE_TYPES
                .iter()
                .position(|n| !n.is_empty() && n.eq_ignore_ascii_case(&t));
            if !all && num.is_none() {
                return Err(self.err(format!(
                    "unknown message type \"{t}\"{}",
                    did_you_mean(&t, &MESSAGE_TYPES[1..])
                )));
            }
            let bits: u32 = if all {
                // Every type but Debug and Saved.
                (1..=M_MAX)
                    .filter(|&i| i != M_DEBUG && i != M_SAVED)
                    .fold(0, |acc, i| acc | (1 << i))
            } else {
                1 << num.unwrap_or(0)
            };
            apply_types(list, dest, &where_, &command, bits, negate);
            if self.lx.ch != b',' as i32 {
                break;
            }
            self.lx.next_token(Expect::All)?;
        }
        Ok(())
    }

    pub(super) fn expect_equals(&mut self, after: &str) -> Result<(), ConfigError> {
        let tok = self.lx.next_token(Expect::SkipEol)?;
        if tok != Token::Equals {
            return Err(self.err(format!(
                "expected \"=\" after {after}, got {} \"{}\"",
                tok.describe(),
                self.lx.text
            )));
        }
        Ok(())
    }

    /// `DirAddresses = { ip = { addr = …; port = … } … }`.
    fn address_block(&mut self) -> Result<Vec<Address>, ConfigError> {
        let mut out = Vec::new();
        if self.lx.next_token(Expect::SkipEol)? != Token::Bob {
            return Err(self.err("DirAddresses expects a block beginning with \"{\""));
        }
        let mut tok = self.lx.next_token(Expect::SkipEol)?;
        if tok == Token::Eob {
            return Err(self.err("an empty DirAddresses block is not allowed"));
        }
        loop {
            let family = self.lx.text.to_ascii_lowercase();
            if !matches!(tok, Token::Identifier | Token::UnquotedString)
                || !matches!(family.as_str(), "ip" | "ipv4" | "ipv6")
            {
                return Err(self.err(format!(
                    "expected ip, ipv4 or ipv6, got \"{}\"",
                    self.lx.text
                )));
            }
            self.expect_equals(&family)?;
            if self.lx.next_token(Expect::SkipEol)? != Token::Bob {
                return Err(self.err("expected \"{\" to begin an address"));
            }
            let mut host = None;
            let mut port = None;
            let mut t = self.lx.next_token(Expect::SkipEol)?;
            while t == Token::Identifier {
                let key = self.lx.text.to_ascii_lowercase();
                self.expect_equals(&key)?;
                self.lx.next_token(Expect::SkipEol)?;
                let v = self.lx.text.clone();
                match key.as_str() {
                    "addr" if host.is_none() => host = Some(v),
                    "port" if port.is_none() => {
                        port = Some(v.parse::<u16>().map_err(|_| {
                            self.err(format!("expected a port number, got \"{v}\""))
                        })?)
                    }
                    "addr" | "port" => {
                        return Err(self.err(format!("only one {key} per address block")))
                    }
                    _ => return Err(self.err(format!("expected addr or port, got \"{key}\""))),
                }
                t = self.lx.next_token(Expect::SkipEol)?;
            }
            if t != Token::Eob {
                return Err(self.err("expected \"}\" to end the address"));
            }
            out.push(Address {
                host: host.unwrap_or_else(|| "0.0.0.0".into()),
                port: port.unwrap_or(9101),
            });
            tok = self.lx.next_token(Expect::SkipEol)?;
            if !matches!(tok, Token::Identifier | Token::UnquotedString) {
                break;
            }
        }
        if tok != Token::Eob {
            return Err(self.err("expected \"}\" to end DirAddresses"));
        }
        Ok(out)
    }
}

/// Adds or removes message types on the matching destination, as Bacula's
/// add_msg_dest/rem_msg_dest do (new destinations go first).
fn apply_types(
    list: &mut Vec<Destination>,
    dest: Dest,
    where_: &Option<String>,
    command: &Option<String>,
    bits: u32,
    negate: bool,
) {
    let found = list
        .iter_mut()
        .find(|d| d.dest == dest && &d.where_ == where_);
    match (found, negate) {
        (Some(d), false) => d.types |= bits,
        (Some(d), true) => d.types &= !bits,
        (None, false) => list.insert(
            0,
            Destination {
                dest,
                where_: where_.clone(),
                command: command.clone(),
                types: bits,
            },
        ),
        (None, true) => {}
    }
}

fn short_runscript(directive: &str, command: String) -> RunScript {
    let mut rs = RunScript::new(command);
    match directive.to_ascii_lowercase().as_str() {
        "runbeforejob" => rs.when = RunsWhen::Before,
        "runafterjob" => {
            rs.when = RunsWhen::After;
            rs.on_failure = false;
        }
        "runafterfailedjob" => {
            rs.when = RunsWhen::After;
            rs.on_failure = true;
            rs.on_success = false;
        }
        "clientrunbeforejob" => {
            rs.when = RunsWhen::Before;
            rs.target = "%c".into();
        }
        "clientrunafterjob" => {
            rs.when = RunsWhen::After;
            rs.target = "%c".into();
        }
        "consolerunbeforejob" => {
            rs.when = RunsWhen::Before;
            rs.console = true;
        }
        _ => {
            rs.when = RunsWhen::After;
            rs.console = true;
        }
    }
    rs
}

/// Why `name` is not a valid resource name, if it is not.
pub fn invalid_name(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("an empty name is not allowed".into());
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || ":.-_ ".contains(*c)))
    {
        return Some(format!(
            "illegal character \"{c}\" (names may use letters, digits, spaces and : . - _)"
        ));
    }
    if name.len() > MAX_NAME_LENGTH {
        return Some("name too long".into());
    }
    None
}

/// `Job "Backup1"`, or `Job resource` while the name is not known yet.
pub fn describe_resource(res: &Resource) -> String {
    if res.name.is_empty() {
        format!("{} resource", res.kind.name())
    } else {
        format!("{} \"{}\"", res.kind.name(), res.name)
    }
}

/// ` (did you mean X?)` when a candidate is close enough.
pub fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    match closest(word, candidates) {
        Some(c) => format!(" (did you mean {c}?)"),
        None => String::new(),
    }
}

/// Expands `~` and `$VAR`/`${VAR}` in paths, as Bacula's shell expansion
/// does, except for values that start with `|` (commands).
pub fn expand_path(s: &str) -> String {
    if s.starts_with('|') || !(s.contains('$') || s.starts_with('~')) {
        return s.to_string();
    }
    let mut out = String::new();
    let mut rest = s;
    if let Some(after) = rest.strip_prefix('~') {
        if after.is_empty() || after.starts_with('/') {
            out.push_str(&std::env::var("HOME").unwrap_or_default());
            rest = after;
        }
    }
    let chars: Vec<char> = rest.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '$' {
            let (name, next) = if chars.get(i + 1) == Some(&'{') {
                let end = chars[i + 2..]
                    .iter()
                    .position(|&c| c == '}')
                    .map(|p| p + i + 2);
                match end {
                    Some(e) => (chars[i + 2..e].iter().collect::<String>(), e + 1),
                    None => (String::new(), i + 1),
                }
            } else {
                let end = chars[i + 1..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
                    .map(|p| p + i + 1)
                    .unwrap_or(chars.len());
                (chars[i + 1..end].iter().collect::<String>(), end)
            };
            if name.is_empty() {
                out.push('$');
                i += 1;
            } else {
                out.push_str(&std::env::var(&name).unwrap_or_default());
                i = next;
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}
