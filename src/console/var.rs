//! `var TEXT`: the text with its variables expanded as a Label Format's
//! are (bacula-dir's ua_cmds.c var_cmd, expand.c): `${Year}` and the
//! other time variables, `${Dir}`, `${Catalog}`, Counters (`${C+}` adds
//! one, as it does in a Label Format) and environment variables.
//!
//! The job variables (`${Job}`, `${Pool}`, `${Client}`, …) have no value
//! outside a job: rdird says so. bacula-dir 9.6.7 reads them from the
//! console's own job record (expand.c job_item), which belongs to no
//! job.

use super::{Ctx, Reply};

const JOB_VARIABLES: [&str; 11] = [
    "Job",
    "Level",
    "Type",
    "JobId",
    "Client",
    "NumVols",
    "Pool",
    "Storage",
    "MediaType",
    "JobName",
    "JobStatus",
];

pub fn var(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let text = ctx
        .line
        .trim_start()
        .split_once(char::is_whitespace)
        .map_or("", |(_, rest)| rest.trim_start());
    let cfg = ctx.director.config();
    let t = crate::clock::local(crate::clock::now());
    let mut failed = None;
    let mut lookup = |name: &str| -> Option<String> {
        if let Some(v) = crate::volume::label::time_variable(name, &t) {
            return Some(v);
        }
        match name {
            "Dir" => return Some(cfg.director().name.clone()),
            "Catalog" => {
                return cfg
                    .all(crate::config::Kind::Catalog)
                    .next()
                    .map(|c| c.name.clone())
            }
            n if JOB_VARIABLES.contains(&n) => {
                failed = Some(format!("${{{n}}} has a value only in a job."));
                return None;
            }
            _ => {}
        }
        match crate::volume::label::counter(ctx.director, name) {
            Ok(v) => v,
            Err(e) => {
                failed = Some(e);
                None
            }
        }
    };
    let expanded = crate::volume::label::expand(text, &mut lookup);
    match (expanded, failed) {
        (_, Some(why)) => out.line(why),
        (Ok(v), None) => out.line(v),
        (Err(e), None) => out.line(e),
    }
}
