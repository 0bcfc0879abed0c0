//! `statistics`: the metrics a daemon keeps, `name=value` per line
//! (`simple`), with type, unit and description (`full`), or as JSON
//! (bacula-dir 9.6.7: ua_collect.c collect_cmd, do_collect_client,
//! do_collect_storage). The file and storage daemons answer with their
//! own; the Director gives its configuration, job and volume figures
//! from its resources and catalog (bacula-dir's memory figures come from
//! its smartalloc allocator, which rdird has not, and are left out).

use super::{daemons, select, Ctx, Reply};
use crate::config::Kind;
use crate::peer::Answer;

/// One of the Director's metrics: name, value, type, unit, description.
type Metric = (&'static str, i64, &'static str, &'static str, &'static str);

pub fn statistics(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let mut format = "simple";
    let mut metrics = Vec::new();
    let mut target = None;
    for key in ctx.args.keys.iter().skip(1) {
        match key.to_ascii_lowercase().as_str() {
            "all" | "dir" | "simple" => {}
            "full" => format = "full",
            "json" => format = "json",
            "client" if target.is_none() => target = Some(Kind::Client),
            "storage" if target.is_none() => target = Some(Kind::Storage),
            _ => metrics.push(key.clone()),
        }
    }
    if ctx.args.keys.len() == 1 {
        let items = ["Director", "Storage", "Client"].map(String::from);
        match select::choose(
            ctx,
            out,
            "Statistics available for:",
            "",
            "Select daemon type for statistics",
            &items,
        ) {
            Some(0) => {}
            Some(1) => target = Some(Kind::Storage),
            Some(_) => target = Some(Kind::Client),
            None => return,
        }
    }
    // Metric names go to the daemon inside its command line.
    if let Some(bad) = metrics.iter().find(|m| {
        !m.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-*".contains(c))
    }) {
        return out.line(format!("Invalid metric name \"{bad}\"."));
    }
    match target {
        Some(kind) => from_daemon(ctx, out, kind, format, &metrics),
        None => from_director(ctx, out, format, &metrics),
    }
}

fn from_daemon(ctx: &Ctx<'_, '_>, out: &mut Reply, kind: Kind, format: &str, metrics: &[String]) {
    let cfg = ctx.director.config();
    let keys: &[&str] = if kind == Kind::Client {
        &["client"]
    } else {
        &["storage"]
    };
    let Some(res) = daemons::pick(ctx, out, &cfg, kind, keys) else {
        return;
    };
    if kind == Kind::Storage && (ctx.login.acl.clients.is_some() || ctx.login.acl.jobs.is_some()) {
        return out.line("Restricted Client or Job does not permit access to  Storage daemons");
    }
    let command = if metrics.is_empty() {
        format!("statistics all format={format}\n")
    } else {
        format!("statistics format={format} {}\n", metrics.join(" "))
    };
    let dir = &cfg.director().name;
    let timeout = daemons::connect_timeout(&cfg, kind);
    let noun = if kind == Kind::Client {
        "Client"
    } else {
        "Storage daemon"
    };
    out.line(daemons::connecting(noun, res));
    let conn = if kind == Kind::Client {
        crate::peer::fd::session(dir, res, timeout)
    } else {
        crate::peer::sd::daemon(dir, res).login(dir, timeout)
    };
    let result = conn
        .and_then(|c| crate::peer::command(c, &command, Answer::UpToEod, &mut daemons::relay(out)));
    if let Err(e) = result {
        tracing::warn!("statistics: {e}");
        out.line(format!("Failed to connect to {noun} {}: {e}", res.name));
        out.line("====");
    }
}

fn from_director(ctx: &Ctx<'_, '_>, out: &mut Reply, format: &str, wanted: &[String]) {
    let all = match director_metrics(ctx) {
        Ok(m) => m,
        Err(e) => return out.line(format!("Query failed: {e}")),
    };
    let shown: Vec<&Metric> = all
        .iter()
        .filter(|m| wanted.is_empty() || wanted.iter().any(|w| w == m.0))
        .collect();
    if format == "json" {
        out.push("[".into());
    }
    for (nr, (name, value, kind, unit, descr)) in shown.into_iter().enumerate() {
        match format {
            "full" => out.line(format!(
                "name=\"{name}\" value={value} type={kind} unit={unit} descr=\"{descr}\""
            )),
            "json" => out.push(format!(
                "{}  {{\n    \"name\": \"{name}\",\n    \"value\": {value},\n    \"type\": \"{kind}\",\n    \"unit\": \"{unit}\",\n    \"description\": \"{descr}\"\n  }}",
                if nr > 0 { ",\n" } else { "\n" }
            )),
            _ => out.line(format!("{name}={value}")),
        }
    }
    if format == "json" {
        out.push("\n]\n".into());
    }
}

/// The Director's metrics, in bacula-dir's order (ua_collect.c
/// initialize_statcollect): its resources, its jobs, its volumes.
fn director_metrics(ctx: &Ctx<'_, '_>) -> Result<Vec<Metric>, String> {
    let cfg = ctx.director.config();
    let n = |k: Kind| cfg.all(k).count() as i64;
    let jobs = ctx.director.jobs().running();
    let running = jobs.iter().filter(|j| j.2 == 'R').count() as i64;
    let queued = jobs.len() as i64 - running;
    let cat = ctx.director.catalog();
    let one = |sql: &str| -> Result<i64, String> {
        cat.db()
            .query_row(sql, [], |r| r.get::<_, Option<i64>>(0))
            .map(|v| v.unwrap_or(0))
            .map_err(|e| e.to_string())
    };
    Ok(vec![
        (
            "bacula.dir.config.clients",
            n(Kind::Client),
            "Integer",
            "Clients",
            "The number of defined clients in Director.",
        ),
        (
            "bacula.dir.config.jobs",
            n(Kind::Job),
            "Integer",
            "Jobs",
            "The number of defined jobs in Director.",
        ),
        (
            "bacula.dir.config.filesets",
            n(Kind::Fileset),
            "Integer",
            "FileSets",
            "The number of defined filesets in Director.",
        ),
        (
            "bacula.dir.config.pools",
            n(Kind::Pool),
            "Integer",
            "Pools",
            "The number of defined pools in Director.",
        ),
        (
            "bacula.dir.config.schedules",
            n(Kind::Schedule),
            "Integer",
            "Schedules",
            "The number of defined schedules in Director.",
        ),
        (
            "bacula.dir.config.storages",
            n(Kind::Storage),
            "Integer",
            "Storages",
            "The number of defined storages in Director.",
        ),
        (
            "bacula.jobs.queued.all",
            queued,
            "Integer",
            "Jobs",
            "The number of currently queued jobs.",
        ),
        (
            "bacula.jobs.running.all",
            running,
            "Integer",
            "Jobs",
            "The number of currently running jobs.",
        ),
        (
            "bacula.jobs.all",
            one("SELECT COUNT(*) FROM Job")?,
            "Integer",
            "Jobs",
            "Number of all jobs.",
        ),
        (
            "bacula.jobs.success.all",
            one("SELECT COUNT(*) FROM Job WHERE JobStatus IN ('T', 'W')")?,
            "Integer",
            "Jobs",
            "Number of successful jobs.",
        ),
        (
            "bacula.jobs.error.all",
            one("SELECT COUNT(*) FROM Job WHERE JobStatus IN ('E', 'e', 'f', 'A')")?,
            "Integer",
            "Jobs",
            "Number of error jobs.",
        ),
        (
            "bacula.jobs.warning.all",
            one("SELECT COUNT(*) FROM Job WHERE JobStatus = 'W'")?,
            "Integer",
            "Jobs",
            "Number of warning jobs.",
        ),
        (
            "bacula.jobs.files",
            one("SELECT SUM(JobFiles) FROM Job")?,
            "Integer",
            "Files",
            "Number of all jobs files.",
        ),
        (
            "bacula.jobs.bytes",
            one("SELECT SUM(JobBytes) FROM Job")?,
            "Integer",
            "Bytes",
            "Sum size of all jobs.",
        ),
        (
            "bacula.volumes.all",
            one("SELECT COUNT(*) FROM Media")?,
            "Integer",
            "Volumes",
            "Number of all defined volumes.",
        ),
        (
            "bacula.volumes.available",
            one("SELECT COUNT(*) FROM Media WHERE VolStatus IN ('Append', 'Recycle', 'Purged')")?,
            "Integer",
            "Volumes",
            "Number of all available volumes.",
        ),
        (
            "bacula.volumes.bytes",
            one("SELECT SUM(VolBytes) FROM Media")?,
            "Integer",
            "Bytes",
            "Sum size of all volumes written.",
        ),
        (
            "bacula.volumes.errors.all",
            one("SELECT COUNT(*) FROM Media WHERE VolStatus = 'Error'")?,
            "Integer",
            "Volumes",
            "Number of Error volumes.",
        ),
        (
            "bacula.volumes.full.all",
            one("SELECT COUNT(*) FROM Media WHERE VolStatus = 'Full'")?,
            "Integer",
            "Volumes",
            "Number of Full volumes.",
        ),
        (
            "bacula.volumes.used.all",
            one("SELECT COUNT(*) FROM Media WHERE VolStatus = 'Used'")?,
            "Integer",
            "Volumes",
            "Number of Used volumes.",
        ),
    ])
}
