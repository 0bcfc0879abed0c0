//! `rdird config dump`: the configuration as JSON, in the shape Bacula's
//! `bdirjson` prints, so tools written for one read the other.
//!
//! Resources come kind by kind in Bacula's order and by name within a kind;
//! directives come in Bacula's table order and only when set (in the
//! resource or through its JobDefs). Times are seconds, sizes bytes.

use serde_json::{json, Map, Value as Json};

use super::fileset::{OptKind, FS_OPTIONS, OPTION_ITEMS};
use super::parser::{MESSAGE_TYPES, M_MAX};
use super::schema::{Dest, Handler, Kind};
use super::value::{Destination, IncExe, Resource, Run, RunsWhen, Value};
use super::Config;

/// The whole configuration, or one kind, or one resource.
pub fn dump(config: &Config, kind: Option<Kind>, name: Option<&str>) -> Json {
    let mut list = Vec::new();
    for k in Kind::ALL {
        if kind.is_some_and(|want| want != k) {
            continue;
        }
        let mut of_kind: Vec<&Resource> = config.resources.iter().filter(|r| r.kind == k).collect();
        of_kind.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
        for r in of_kind {
            if name.is_some_and(|n| n != r.name) {
                continue;
            }
            let body = resource(config, r);
            if name.is_some() {
                return body;
            }
            let mut outer = Map::new();
            outer.insert(k.name().to_string(), body);
            list.push(Json::Object(outer));
        }
    }
    if name.is_some() {
        return Json::Object(Map::new());
    }
    Json::Array(list)
}

fn resource(config: &Config, r: &Resource) -> Json {
    let mut m = Map::new();
    let items = r.kind.items();
    let mut destinations = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if r.kind == Kind::Director
            && matches!(
                item.handler,
                Handler::AddressesPort | Handler::AddressesAddress
            )
        {
            director_address(config, r, item.name, &mut m);
            continue;
        }
        // Deprecated lower-case spellings are stored under their target.
        if item.alias.is_some() || !item.name.starts_with(|c: char| c.is_ascii_uppercase()) {
            continue;
        }
        let Some(setting) = &r.settings[i] else {
            continue;
        };
        let key = item.name.to_string();
        if item.name == "Where" && where_is_overridden(r) {
            m.insert(key, Json::Null);
            continue;
        }
        match (&setting.value, item.handler) {
            (Value::Messages(dests), Handler::Msgs(_)) => {
                destinations.extend(dests.iter().map(|d| destination(item.name, d)));
                continue;
            }
            (Value::Runscripts(_), _) if setting.inherited => continue,
            (Value::Runscripts(scripts), _) => {
                m.insert(
                    "Runscript".into(),
                    Json::Array(scripts.iter().map(runscript).collect()),
                );
            }
            (Value::IncExes(list), Handler::Include) => {
                m.insert(key, Json::Array(list.iter().map(include).collect()));
            }
            (Value::IncExes(list), _) => {
                let files = list.first().map(|ie| ie.files.clone()).unwrap_or_default();
                m.insert(key, json!({ "File": files }));
            }
            (Value::Runs(runs), _) => {
                m.insert(key, Json::Array(runs.iter().map(run).collect()));
            }
            (Value::Autochanger(changer), _) => {
                let name = changer
                    .as_ref()
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| r.name.clone());
                m.insert(key, Json::String(name));
            }
            (Value::Bool(false), Handler::Autochanger) => {}
            (v, _) => {
                m.insert(key, scalar(v));
            }
        }
    }
    if !destinations.is_empty() {
        m.insert("Destinations".into(), Json::Array(destinations));
    }
    Json::Object(m)
}

/// A restore job's Where gives way to RegexWhere and the prefix options.
fn where_is_overridden(r: &Resource) -> bool {
    ["RegexWhere", "StripPrefix", "AddPrefix", "AddSuffix"]
        .iter()
        .any(|d| r.get(d).is_some())
}

fn scalar(v: &Value) -> Json {
    match v {
        Value::Str(s) => Json::String(s.clone()),
        Value::Int(n) => json!(n),
        Value::Bool(b) => json!(b),
        Value::Keyword(k) => Json::String((*k).to_string()),
        Value::Res(r) => Json::String(r.name.clone()),
        Value::ResList(list) => {
            Json::Array(list.iter().map(|r| Json::String(r.name.clone())).collect())
        }
        Value::StrList(list) => Json::Array(list.iter().cloned().map(Json::String).collect()),
        Value::Addresses(_)
        | Value::Messages(_)
        | Value::Runscripts(_)
        | Value::Runs(_)
        | Value::IncExes(_)
        | Value::Autochanger(_) => Json::Null,
    }
}

/// DirPort and DirAddress are shown when they differ from listening on
/// every address at port 9101, as Bacula shows them.
fn director_address(config: &Config, r: &Resource, item: &str, m: &mut Map<String, Json>) {
    let first = config.director_addresses(r).into_iter().next();
    let Some(first) = first else { return };
    match item {
        "DirPort" if first.port != 9101 => {
            m.insert("DirPort".into(), json!(first.port));
        }
        "DirAddress" if first.host != "0.0.0.0" => {
            m.insert("DirAddress".into(), Json::String(first.host));
        }
        _ => {}
    }
}

/// Message types as Bacula lists them: by name, or as All and exceptions
/// when more than half are set.
pub fn message_types(bits: u32) -> Vec<String> {
    let set = |i: usize| bits & (1 << i) != 0;
    let count = (1..M_MAX).filter(|&i| set(i)).count();
    if count > M_MAX / 2 {
        let mut v = vec!["All".to_string()];
        for (i, name) in MESSAGE_TYPES.iter().enumerate().take(M_MAX).skip(1) {
            if !set(i) {
                v.push(format!("!{name}"));
            } else if *name == "Saved" {
                v.push("Saved".into());
            }
        }
        v
    } else {
        (1..M_MAX)
            .filter(|&i| set(i))
            .map(|i| MESSAGE_TYPES[i].to_string())
            .collect()
    }
}

fn destination(item: &str, d: &Destination) -> Json {
    let mut m = Map::new();
    m.insert("Type".into(), Json::String(item.to_string()));
    m.insert("MsgTypes".into(), json!(message_types(d.types)));
    match d.dest {
        Dest::Stdout | Dest::Stderr | Dest::Syslog | Dest::Console | Dest::Catalog => {}
        Dest::Director | Dest::File | Dest::Append => {
            m.insert("Where".into(), json!(where_list(d)));
        }
        _ => {
            m.insert("Where".into(), json!(where_list(d)));
            m.insert(
                "Command".into(),
                json!(d.command.clone().unwrap_or_default()),
            );
        }
    }
    Json::Object(m)
}

fn where_list(d: &Destination) -> Vec<String> {
    d.where_
        .as_deref()
        .unwrap_or("")
        .split(' ')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn runscript(s: &super::value::RunScript) -> Json {
    let mut m = Map::new();
    let when = match s.when {
        RunsWhen::Always => Some("Any"),
        RunsWhen::After => Some("After"),
        RunsWhen::Before => Some("Before"),
        RunsWhen::AfterVss => Some("AfterVSS"),
        RunsWhen::Never => None,
    };
    if let Some(w) = when {
        m.insert("RunsWhen".into(), json!(w));
    }
    if !s.fail_on_error {
        m.insert("FailJobOnError".into(), json!(false));
    }
    if !s.on_success {
        m.insert("RunsOnSuccess".into(), json!(false));
    }
    if s.on_failure {
        m.insert("RunsOnFailure".into(), json!(true));
    }
    if s.runs_on_director() {
        m.insert("RunsOnClient".into(), json!(false));
    }
    let key = if s.console { "Console" } else { "Command" };
    m.insert(key.into(), json!(s.command));
    Json::Object(m)
}

fn include(ie: &IncExe) -> Json {
    let mut m = Map::new();
    m.insert("File".into(), json!(ie.files));
    if !ie.plugins.is_empty() {
        m.insert("Plugin".into(), json!(ie.plugins));
    }
    if let Some(d) = &ie.exclude_dir_containing {
        m.insert("ExcludeDirContaining".into(), json!(d));
    }
    if !ie.options.is_empty() {
        let opts: Vec<Json> = ie.options.iter().map(options).collect();
        m.insert("Options".into(), Json::Array(opts));
    }
    Json::Object(m)
}

/// Bacula's option letters without the long `X…:` options in them.
fn short_letters(opts: &str) -> String {
    let mut out = String::new();
    let mut chars = opts.chars();
    while let Some(c) = chars.next() {
        if matches!(c, 'V' | 'C' | 'J' | 'P') {
            for d in chars.by_ref() {
                if d == ':' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn options(fo: &super::value::FileOptions) -> Json {
    let mut m = Map::new();
    let letters = short_letters(&fo.opts);
    for (index, (name, kind)) in OPTION_ITEMS.iter().enumerate() {
        let list = match kind {
            OptKind::Regex(0) => Some(&fo.regex),
            OptKind::Regex(1) => Some(&fo.regex_dir),
            OptKind::Regex(_) => Some(&fo.regex_file),
            OptKind::Wild(0) => Some(&fo.wild),
            OptKind::Wild(1) => Some(&fo.wild_dir),
            OptKind::Wild(_) => Some(&fo.wild_file),
            OptKind::Base => Some(&fo.base),
            OptKind::FsType => Some(&fo.fs_type),
            OptKind::DriveType => Some(&fo.drive_type),
            _ => None,
        };
        if let Some(list) = list {
            if !list.is_empty() {
                m.insert((*name).into(), json!(list));
            }
            continue;
        }
        match kind {
            OptKind::Plugin => {
                if let Some(p) = &fo.plugin {
                    m.insert((*name).into(), json!(p));
                }
            }
            OptKind::Letters if fo.present.contains(&index) => {
                if let Some((_, value, _)) = FS_OPTIONS
                    .iter()
                    .find(|(k, _, l)| k == name && letters.contains(l))
                {
                    m.insert((*name).into(), json!(value));
                }
            }
            OptKind::Long(letter) if fo.present.contains(&index) => {
                if let Some(pos) = fo.opts.find(*letter) {
                    let rest = &fo.opts[pos + 1..];
                    let end = rest.find(':').unwrap_or(rest.len());
                    m.insert((*name).into(), json!(&rest[..end]));
                }
            }
            _ => {}
        }
    }
    Json::Object(m)
}

fn bit_list(bits: u64, count: u32) -> Vec<u32> {
    (0..count).filter(|i| bits & (1u64 << i) != 0).collect()
}

fn run(r: &Run) -> Json {
    let mut m = Map::new();
    let pools = [
        ("Pool", &r.pool),
        ("FullPool", &r.full_pool),
        ("IncrementalPool", &r.inc_pool),
        ("DifferentialPool", &r.diff_pool),
    ];
    for (k, v) in pools {
        if let Some(p) = v {
            m.insert(k.into(), json!(p.name));
        }
    }
    if let Some(l) = &r.level {
        m.insert("Level".into(), json!(l));
    }
    if let Some(s) = &r.storage {
        m.insert("Storage".into(), json!(s.name));
    }
    if let Some(s) = &r.messages {
        m.insert("Messages".into(), json!(s.name));
    }
    if let Some(p) = r.priority {
        m.insert("Priority".into(), json!(p));
    }
    if let Some(b) = r.spool_data {
        m.insert("SpoolData".into(), json!(b));
    }
    if let Some(b) = r.write_part_after_job {
        m.insert("writepartafterjob".into(), json!(b));
    }
    if let Some(t) = r.max_run_sched_time {
        m.insert("MaxRunSchedTime".into(), json!(t));
    }
    if let Some(b) = r.accurate {
        m.insert("Accurate".into(), json!(b));
    }
    if let Some(p) = &r.next_pool {
        m.insert("NextPool".into(), json!(p.name));
    }
    if r.hour != 0 {
        m.insert("Hour".into(), json!(bit_list(r.hour as u64, 24)));
        m.insert("Minute".into(), json!(r.minute));
    }
    if r.mday != 0 {
        m.insert("Day".into(), json!(bit_list(r.mday as u64, 31)));
    }
    if r.last_day {
        m.insert("LastDay".into(), json!(1));
    }
    if r.month != 0 {
        m.insert("Month".into(), json!(bit_list(r.month as u64, 12)));
    }
    if r.wday != 0 {
        m.insert("DayOfWeek".into(), json!(bit_list(r.wday as u64, 7)));
    }
    if r.wom != 0 {
        m.insert("WeekOfMonth".into(), json!(bit_list(r.wom as u64, 6)));
    }
    if r.woy != 0 {
        m.insert("WeekOfYear".into(), json!(bit_list(r.woy, 54)));
    }
    Json::Object(m)
}
