//! The values directives hold once parsed, and the resources that hold them.

use super::error::Location;
use super::schema::{Dest, Kind};

/// A reference to another resource, kept with where it was written so that a
/// dangling one can be reported at its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Ref {
    pub name: String,
    pub at: Location,
}

/// One message destination line (`mail = root = all, !skipped`).
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    pub dest: Dest,
    /// Mail addresses or a file name; several addresses are space-separated.
    pub where_: Option<String>,
    pub command: Option<String>,
    /// Bit n set: message type n (Bacula's M_ numbering) goes there.
    pub types: u32,
}

/// RunScript `RunsWhen`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunsWhen {
    Never,
    Before,
    After,
    AfterVss,
    Always,
}

/// A script run around a job (RunScript or RunBeforeJob and friends).
#[derive(Debug, Clone, PartialEq)]
pub struct RunScript {
    pub command: String,
    /// A console command rather than a shell command.
    pub console: bool,
    pub when: RunsWhen,
    pub on_success: bool,
    pub on_failure: bool,
    pub fail_on_error: bool,
    /// Empty: on the Director; `%c`: on the job's client; else a client name.
    pub target: String,
}

impl RunScript {
    pub fn new(command: String) -> RunScript {
        RunScript {
            command,
            console: false,
            when: RunsWhen::Never,
            on_success: true,
            on_failure: false,
            fail_on_error: true,
            target: String::new(),
        }
    }

    pub fn runs_on_director(&self) -> bool {
        self.target.is_empty()
    }
}

/// A Schedule `Run` line, as bit sets in Bacula's layout.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Run {
    pub level: Option<String>,
    pub pool: Option<Ref>,
    pub full_pool: Option<Ref>,
    pub inc_pool: Option<Ref>,
    pub diff_pool: Option<Ref>,
    pub next_pool: Option<Ref>,
    pub storage: Option<Ref>,
    pub messages: Option<Ref>,
    pub priority: Option<u32>,
    pub spool_data: Option<bool>,
    pub write_part_after_job: Option<bool>,
    pub max_run_sched_time: Option<i64>,
    pub accurate: Option<bool>,
    /// Bits 0–23.
    pub hour: u32,
    pub minute: u32,
    /// Bits 0–30 for days 1–31; bit 31 is "last day of the month".
    pub mday: u32,
    pub last_day: bool,
    /// Bits 0–11.
    pub month: u32,
    /// Bits 0–6, Sunday first.
    pub wday: u32,
    /// Bits 0–5: 1st … 6th week of the month.
    pub wom: u32,
    /// Bits 0–53.
    pub woy: u64,
}

/// A FileSet `Options { }` block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FileOptions {
    /// Bacula's option letters, in the order written (`M`, `Z6`, `f`, …).
    pub opts: String,
    /// Keywords given, by their index in the options table.
    pub present: Vec<usize>,
    pub regex: Vec<String>,
    pub regex_dir: Vec<String>,
    pub regex_file: Vec<String>,
    pub wild: Vec<String>,
    pub wild_dir: Vec<String>,
    pub wild_file: Vec<String>,
    pub base: Vec<String>,
    pub plugin: Option<String>,
    pub fs_type: Vec<String>,
    pub drive_type: Vec<String>,
}

/// A FileSet `Include { }` or `Exclude { }` block.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IncExe {
    pub files: Vec<String>,
    pub plugins: Vec<String>,
    pub exclude_dir_containing: Option<String>,
    pub options: Vec<FileOptions>,
}

/// A listening address (`DirAddress`, `DirPort`, `DirAddresses`).
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    pub host: String,
    pub port: u16,
}

/// A directive's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    /// A keyword from a fixed set, in Bacula's spelling (`Backup`, `Full`).
    Keyword(&'static str),
    Res(Ref),
    ResList(Vec<Ref>),
    StrList(Vec<String>),
    Messages(Vec<Destination>),
    Runscripts(Vec<RunScript>),
    Runs(Vec<Run>),
    IncExes(Vec<IncExe>),
    Addresses(Vec<Address>),
    /// Storage `Autochanger`: `None` for `yes`, else the changer's name.
    Autochanger(Option<Ref>),
}

/// A directive's value and where it was set.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub value: Value,
    pub at: Location,
    /// Copied from a JobDefs rather than written in the resource.
    pub inherited: bool,
}

/// One resource of the configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Resource {
    pub kind: Kind,
    /// Written as `Autochanger { }` rather than `Storage { }`.
    pub is_autochanger: bool,
    pub name: String,
    pub at: Location,
    /// Indexed like `kind.items()`; aliases store into their target's slot.
    pub settings: Vec<Option<Setting>>,
}

impl Resource {
    pub fn new(kind: Kind, at: Location) -> Resource {
        Resource {
            kind,
            is_autochanger: false,
            name: String::new(),
            at,
            settings: vec![None; kind.items().len()],
        }
    }

    /// The setting of the directive called `name`, if it was set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let idx = self.kind.find_item(name)?;
        let slot = self.kind.slot_of(idx);
        self.settings[slot].as_ref().map(|s| &s.value)
    }

    /// A string directive, if set.
    pub fn str(&self, name: &str) -> Option<&str> {
        match self.get(name)? {
            Value::Str(s) => Some(s),
            Value::Keyword(k) => Some(k),
            Value::Res(r) => Some(&r.name),
            _ => None,
        }
    }

    /// A number, size or time directive: its value, or Bacula's default.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.get(name) {
            Some(Value::Int(v)) => Some(*v),
            Some(_) => None,
            None => self.default_of(name),
        }
    }

    /// A yes/no directive: its value, or Bacula's default.
    pub fn bool(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(Value::Bool(v)) => Some(*v),
            Some(_) => None,
            None => self.default_of(name).map(|d| d != 0),
        }
    }

    /// Sets the directive called `name` as if written at the resource's
    /// own line (the console's `disable` acts on the running
    /// configuration); false when the resource has no such directive.
    pub fn set(&mut self, name: &str, value: Value) -> bool {
        let Some(idx) = self.kind.find_item(name) else {
            return false;
        };
        let slot = self.kind.slot_of(idx);
        self.settings[slot] = Some(Setting {
            value,
            at: self.at.clone(),
            inherited: false,
        });
        true
    }

    fn default_of(&self, name: &str) -> Option<i64> {
        let idx = self.kind.find_item(name)?;
        self.kind.items()[self.kind.slot_of(idx)].default
    }
}
