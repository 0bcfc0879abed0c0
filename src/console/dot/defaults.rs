//! `.defaults job=|client=|storage=|pool=NAME`: what a GUI fills its run
//! or restore form with, as bacula-dir's defaultscmd sends it: one
//! `key=value` per packet, with no newline. A name outside the console's
//! ACL, or not there, gives nothing, as in bacula-dir.

use super::super::login::Acl;
use super::super::{Ctx, Reply};
use crate::config::{Config, Kind, Resource, Value};

/// The first resource a directive names (a Job's Storage is a list).
fn first(res: &Resource, directive: &str) -> Option<String> {
    match res.get(directive) {
        Some(Value::ResList(l)) => l.first().map(|r| r.name.clone()),
        Some(Value::StrList(l)) => l.first().cloned(),
        _ => res.str(directive).map(str::to_string),
    }
}

/// Every name a directive gives (a Storage's devices).
fn all(res: &Resource, directive: &str) -> Vec<String> {
    match res.get(directive) {
        Some(Value::ResList(l)) => l.iter().map(|r| r.name.clone()).collect(),
        Some(Value::StrList(l)) => l.clone(),
        _ => res.str(directive).map(str::to_string).into_iter().collect(),
    }
}

pub fn defaults(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    // defaultscmd: exactly one `key=value` argument.
    if ctx.args.word(1).is_some() {
        return;
    }
    let (Some(what), Some(name)) = (ctx.args.word(0), ctx.args.values.get(1).cloned().flatten())
    else {
        return;
    };
    let cfg = ctx.director.config();
    let acl = &ctx.login.acl;
    let mut sent = Vec::new();
    let mut send = |k: &str, v: &str| sent.push(format!("{k}={v}"));
    match what {
        "job" if Acl::allows(&acl.jobs, &name) => {
            if let Some(job) = cfg.find(Kind::Job, &name) {
                job_defaults(&cfg, job, &mut send);
            }
        }
        "pool" if Acl::allows(&acl.pools, &name) => {
            if let Some(pool) = cfg.find(Kind::Pool, &name) {
                pool_defaults(pool, &mut send);
            }
        }
        "storage" if Acl::allows(&acl.storages, &name) => {
            if let Some(s) = cfg.find(Kind::Storage, &name) {
                send("storage", &s.name);
                send("address", s.str("Address").unwrap_or_default());
                send("enabled", &flag(s, "Enabled"));
                send("media_type", s.str("MediaType").unwrap_or_default());
                send("sdport", &s.int("SdPort").unwrap_or(9103).to_string());
                let devices = all(s, "Device");
                if let Some((head, rest)) = devices.split_first() {
                    send("device", head);
                    for d in rest {
                        // bacula-dir sends each further device as `,NAME`.
                        sent.push(format!(",{d}"));
                    }
                }
            }
        }
        "client" if Acl::allows(&acl.clients, &name) => {
            if let Some(c) = cfg.find(Kind::Client, &name) {
                send("client", &c.name);
                send("address", c.str("Address").unwrap_or_default());
                send("fdport", &c.int("FdPort").unwrap_or(9102).to_string());
                send("file_retention", &number(c, "FileRetention"));
                send("job_retention", &number(c, "JobRetention"));
                send("autoprune", &flag(c, "AutoPrune"));
                send("catalog", c.str("Catalog").unwrap_or_default());
            }
        }
        _ => {}
    }
    for packet in sent {
        out.push(packet);
    }
}

fn number(res: &Resource, directive: &str) -> String {
    res.int(directive).unwrap_or(0).to_string()
}

fn flag(res: &Resource, directive: &str) -> String {
    u8::from(res.bool(directive).unwrap_or(false)).to_string()
}

fn job_defaults(cfg: &Config, job: &Resource, send: &mut impl FnMut(&str, &str)) {
    let job_type = job.str("Type").unwrap_or("Backup");
    let client = job.str("Client");
    let pool = job.str("Pool").unwrap_or_default();
    // get_job_storage: the Job's storage, else its Pool's.
    let storage = first(job, "Storage")
        .or_else(|| cfg.find(Kind::Pool, pool).and_then(|p| first(p, "Storage")))
        .unwrap_or_default();
    let catalog = client
        .and_then(|c| cfg.find(Kind::Client, c))
        .and_then(|c| c.str("Catalog"))
        .unwrap_or("*None*");
    send("job", &job.name);
    send("pool", pool);
    send("messages", job.str("Messages").unwrap_or_default());
    send("client", client.unwrap_or("*None*"));
    send("storage", &storage);
    send("where", job.str("Where").unwrap_or_default());
    send("level", job.str("Level").unwrap_or_default());
    send("type", job_type);
    send("fileset", job.str("FileSet").unwrap_or_default());
    send("enabled", &flag(job, "Enabled"));
    send("catalog", catalog);
    send("priority", &job.int("Priority").unwrap_or(10).to_string());
}

fn pool_defaults(pool: &Resource, send: &mut impl FnMut(&str, &str)) {
    send("pool", &pool.name);
    send("pool_type", pool.str("PoolType").unwrap_or_default());
    send("label_format", pool.str("LabelFormat").unwrap_or_default());
    for (key, directive) in [
        ("use_volume_once", "UseVolumeOnce"),
        ("purge_oldest_volume", "PurgeOldestVolume"),
        ("recycle_oldest_volume", "RecycleOldestVolume"),
        ("recycle_current_volume", "RecycleCurrentVolume"),
    ] {
        send(key, &flag(pool, directive));
    }
    for (key, directive) in [
        ("max_volumes", "MaximumVolumes"),
        ("vol_retention", "VolumeRetention"),
        ("vol_use_duration", "VolumeUseDuration"),
        ("max_vol_jobs", "MaximumVolumeJobs"),
        ("max_vol_files", "MaximumVolumeFiles"),
        ("max_vol_bytes", "MaximumVolumeBytes"),
    ] {
        send(key, &number(pool, directive));
    }
    send("auto_prune", &flag(pool, "AutoPrune"));
    send("recycle", &flag(pool, "Recycle"));
    send("file_retention", &number(pool, "FileRetention"));
    send("job_retention", &number(pool, "JobRetention"));
}
