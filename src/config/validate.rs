//! The rules that span resources: unique names, required directives,
//! references that must resolve, JobDefs inheritance, and what a Job needs
//! to be runnable, that every Catalog is one rdird can open (SQLite), and
//! that nothing asks for TLS (which rdird does not speak yet).

use std::collections::HashMap;

use super::error::ConfigError;
use super::parser::{describe_resource, did_you_mean};
use super::schema::{Handler, Kind};
use super::value::{Ref, Resource, Setting, Value};

/// Checks and completes parsed resources (JobDefs applied to Jobs).
pub fn validate(resources: &mut [Resource]) -> Result<(), ConfigError> {
    check_unique_names(resources)?;
    check_required(resources)?;
    check_references(resources)?;
    apply_jobdefs(resources)?;
    check_jobs(resources)?;
    check_director(resources)?;
    check_catalog_driver(resources)?;
    check_tls(resources)
}

fn check_unique_names(resources: &[Resource]) -> Result<(), ConfigError> {
    let mut seen: HashMap<(Kind, &str), &Resource> = HashMap::new();
    for r in resources {
        if let Some(first) = seen.insert((r.kind, r.name.as_str()), r) {
            return Err(ConfigError::at(
                r.at.clone(),
                format!(
                    "a second {} resource named \"{}\" is not permitted (the first is at {})",
                    r.kind.name(),
                    r.name,
                    first.at
                ),
            ));
        }
    }
    Ok(())
}

fn check_required(resources: &[Resource]) -> Result<(), ConfigError> {
    for r in resources {
        if matches!(r.kind, Kind::Job | Kind::JobDefs) {
            continue;
        }
        for (i, item) in r.kind.items().iter().enumerate() {
            if item.required && r.settings[i].is_none() {
                return Err(ConfigError::at(
                    r.at.clone(),
                    format!(
                        "directive {} is required in {}, but not found",
                        item.name,
                        describe_resource(r)
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn names_of(resources: &[Resource], kind: Kind) -> Vec<&str> {
    resources
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| r.name.as_str())
        .collect()
}

fn check_ref(
    resources: &[Resource],
    owner: &Resource,
    kind: Kind,
    r: &Ref,
) -> Result<(), ConfigError> {
    let names = names_of(resources, kind);
    if names.contains(&r.name.as_str()) {
        return Ok(());
    }
    Err(ConfigError::at(
        r.at.clone(),
        format!(
            "{} refers to {} \"{}\", which is not defined{}",
            describe_resource(owner),
            kind.name(),
            r.name,
            did_you_mean(&r.name, &names)
        ),
    ))
}

fn check_references(resources: &[Resource]) -> Result<(), ConfigError> {
    for owner in resources {
        for (i, setting) in owner.settings.iter().enumerate() {
            let Some(setting) = setting else { continue };
            let handler = owner.kind.items()[i].handler;
            match (&setting.value, handler) {
                (Value::Res(r), Handler::Res(kind)) => check_ref(resources, owner, kind, r)?,
                (Value::Res(r), Handler::SharedStorage) => {
                    check_ref(resources, owner, Kind::Storage, r)?
                }
                (Value::ResList(list), Handler::ResList(kind)) => {
                    for r in list {
                        check_ref(resources, owner, kind, r)?;
                    }
                }
                (Value::Autochanger(Some(r)), _) => check_ref(resources, owner, Kind::Storage, r)?,
                (Value::Runs(runs), _) => {
                    for run in runs {
                        let pools = [
                            &run.pool,
                            &run.full_pool,
                            &run.inc_pool,
                            &run.diff_pool,
                            &run.next_pool,
                        ];
                        for r in pools.into_iter().flatten() {
                            check_ref(resources, owner, Kind::Pool, r)?;
                        }
                        if let Some(r) = &run.storage {
                            check_ref(resources, owner, Kind::Storage, r)?;
                        }
                        if let Some(r) = &run.messages {
                            check_ref(resources, owner, Kind::Messages, r)?;
                        }
                    }
                }
                (Value::Runscripts(scripts), _) => {
                    for s in scripts {
                        if !s.target.is_empty() && s.target != "%c" {
                            let r = Ref {
                                name: s.target.clone(),
                                at: setting.at.clone(),
                            };
                            check_ref(resources, owner, Kind::Client, &r)?;
                        }
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// The JobDefs a Job or JobDefs names, if any.
fn jobdefs_of(r: &Resource) -> Option<&Ref> {
    match r.get("JobDefs") {
        Some(Value::Res(x)) => Some(x),
        _ => None,
    }
}

/// Whether a directive's value passes from a JobDefs to a Job, as in Bacula.
fn inheritable(handler: Handler) -> bool {
    !matches!(
        handler,
        Handler::Name | Handler::StrList | Handler::ShortRunscript | Handler::Runscript
    )
}

/// Copies into `job` every directive its JobDefs sets and it does not.
fn inherit(job: &mut Resource, defs: &Resource) {
    let items = job.kind.items();
    let runscript = Kind::Job.find_item("Runscript").unwrap_or(0);
    for (i, item) in items.iter().enumerate() {
        let Some(from) = &defs.settings[i] else {
            continue;
        };
        if i == runscript {
            if let Value::Runscripts(extra) = &from.value {
                match &mut job.settings[i] {
                    Some(Setting {
                        value: Value::Runscripts(own),
                        ..
                    }) => own.extend(extra.iter().cloned()),
                    slot => {
                        *slot = Some(Setting {
                            inherited: true,
                            ..from.clone()
                        })
                    }
                }
            }
            continue;
        }
        if job.settings[i].is_none() && inheritable(item.handler) {
            job.settings[i] = Some(Setting {
                inherited: true,
                ..from.clone()
            });
        }
    }
}

fn apply_jobdefs(resources: &mut [Resource]) -> Result<(), ConfigError> {
    // JobDefs may name JobDefs: resolve those first, outermost last.
    let defs_index: HashMap<String, usize> = resources
        .iter()
        .enumerate()
        .filter(|(_, r)| r.kind == Kind::JobDefs)
        .map(|(i, r)| (r.name.clone(), i))
        .collect();
    let mut done: Vec<bool> = vec![false; resources.len()];
    let order: Vec<usize> = (0..resources.len())
        .filter(|&i| matches!(resources[i].kind, Kind::JobDefs | Kind::Job))
        .collect();
    for start in order {
        let mut chain = vec![start];
        let mut cur = start;
        while let Some(parent) = jobdefs_of(&resources[cur]).and_then(|r| defs_index.get(&r.name)) {
            if chain.contains(parent) {
                let r = &resources[start];
                return Err(ConfigError::at(
                    r.at.clone(),
                    format!(
                        "JobDefs cycle: {} inherits from itself",
                        describe_resource(r)
                    ),
                ));
            }
            chain.push(*parent);
            if done[*parent] {
                break;
            }
            cur = *parent;
        }
        // Apply from the root of the chain down to `start`.
        for w in chain.windows(2).rev() {
            let (child, parent) = (w[0], w[1]);
            if done[child] {
                continue;
            }
            let defs = resources[parent].clone();
            inherit(&mut resources[child], &defs);
            done[child] = true;
        }
        done[start] = true;
    }
    Ok(())
}

fn check_jobs(resources: &[Resource]) -> Result<(), ConfigError> {
    if !resources.iter().any(|r| r.kind == Kind::Job) {
        return Err(ConfigError::plain("no Job resource is defined"));
    }
    for job in resources.iter().filter(|r| r.kind == Kind::Job) {
        for (i, item) in Kind::Job.items().iter().enumerate() {
            if item.required && job.settings[i].is_none() {
                let via = match jobdefs_of(job) {
                    Some(d) => format!(" (nor in its JobDefs \"{}\")", d.name),
                    None => String::new(),
                };
                return Err(ConfigError::at(
                    job.at.clone(),
                    format!(
                        "directive {} is required in {}{via}, but not found",
                        item.name,
                        describe_resource(job)
                    ),
                ));
            }
        }
        let pool_has_storage = job
            .str("Pool")
            .and_then(|p| {
                resources
                    .iter()
                    .find(|r| r.kind == Kind::Pool && r.name == p)
            })
            .map(|p| p.get("Storage").is_some())
            .unwrap_or(false);
        if job.get("Storage").is_none() && !pool_has_storage {
            return Err(ConfigError::at(
                job.at.clone(),
                format!(
                    "no Storage specified in {} nor in its Pool",
                    describe_resource(job)
                ),
            ));
        }
        if job.str("Type") == Some("Backup") && job.str("Pool") == Some("Scratch") {
            return Err(ConfigError::at(
                job.at.clone(),
                format!(
                    "Pool \"Scratch\" is not valid in {}: it only lends volumes to other pools",
                    describe_resource(job)
                ),
            ));
        }
    }
    Ok(())
}

fn check_director(resources: &[Resource]) -> Result<(), ConfigError> {
    let mut dirs = resources.iter().filter(|r| r.kind == Kind::Director);
    if dirs.next().is_none() {
        return Err(ConfigError::plain(
            "no Director resource is defined: without it rdird does not know who it is",
        ));
    }
    if let Some(second) = dirs.next() {
        return Err(ConfigError::at(
            second.at.clone(),
            "only one Director resource is permitted",
        ));
    }
    if !resources.iter().any(|r| r.kind == Kind::Messages) {
        return Err(ConfigError::plain("no Messages resource is defined"));
    }
    Ok(())
}

/// The directives that make Bacula 9.6.7 use TLS on a resource's
/// connections (dird.c check_resources: `TLS Require` implies `TLS
/// Enable`, and `need_tls = tls_enable || tls_authenticate`). The others
/// (certificates, `TLS Verify Peer`) ask for nothing by themselves and
/// stay warnings.
const TLS_REQUESTS: &[(&str, &str)] = &[
    ("TlsEnable", "TLS Enable"),
    ("TlsRequire", "TLS Require"),
    ("TlsAuthenticate", "TLS Authenticate"),
];

/// A configuration that asks for TLS is refused: rdird would otherwise
/// talk in clear text to peers the administrator meant to encrypt.
fn check_tls(resources: &[Resource]) -> Result<(), ConfigError> {
    let kinds = [Kind::Director, Kind::Client, Kind::Storage, Kind::Console];
    for r in resources.iter().filter(|r| kinds.contains(&r.kind)) {
        for (name, written) in TLS_REQUESTS {
            let Some(idx) = r.kind.find_item(name) else {
                continue;
            };
            let slot = r.kind.slot_of(idx);
            if let Some(Setting {
                value: Value::Bool(true),
                at,
                ..
            }) = &r.settings[slot]
            {
                return Err(ConfigError::at(
                    at.clone(),
                    format!(
                        "{} asks for TLS ({written} = yes), which rdird does not implement yet: \
                         it refuses to start rather than talk to this peer in clear text",
                        describe_resource(r)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// A Catalog whose `dbdriver` names another database (PostgreSQL, MySQL)
/// is refused: rdird keeps its catalog in SQLite only, and opening a new
/// empty SQLite file instead would hide the site's history and split it
/// in two. (bacula-dir 9.6.7 built for SQLite ignores `dbdriver` and
/// opens SQLite anyway: cats/sqlite.c `db_init_database`.)
fn check_catalog_driver(resources: &[Resource]) -> Result<(), ConfigError> {
    for r in resources.iter().filter(|r| r.kind == Kind::Catalog) {
        let Some(idx) = r.kind.find_item("dbdriver") else {
            continue;
        };
        if let Some(Setting {
            value: Value::Str(driver),
            at,
            ..
        }) = &r.settings[r.kind.slot_of(idx)]
        {
            if !driver.eq_ignore_ascii_case("sqlite3") {
                return Err(ConfigError::at(
                    at.clone(),
                    format!(
                        "{} asks for the database driver \"{driver}\", and rdird opens only \"sqlite3\" catalogs: \
                         it refuses to start rather than open an empty SQLite catalog in its place",
                        describe_resource(r)
                    ),
                ));
            }
        }
    }
    Ok(())
}
