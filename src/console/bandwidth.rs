//! `setbandwidth`: the file daemon limits the bandwidth of one running
//! job, or of a client's running and future jobs (bacula-dir 9.6.7:
//! ua_cmds.c setbwlimit_cmd, setbwlimit_client; fd_cmds.c send_bwlimit);
//! and `setip`, the other command about how the Director reaches a
//! client.

use super::{daemons, select, Ctx, Reply};
use crate::config::{Kind, Resource};
use crate::peer::Answer;

pub fn setbandwidth(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let names_a_job = ["job", "jobid", "jobname", "ujobid"]
        .iter()
        .any(|k| ctx.args.has(k));
    let mut for_job = names_a_job;
    if !names_a_job && !ctx.args.has("client") {
        let items = ["Running Job", "Running and future Jobs for a Client"].map(String::from);
        match select::choose(
            ctx,
            out,
            "Set Bandwidth choice:",
            "item",
            "Choose where to limit the bandwidth",
            &items,
        ) {
            Some(i) => for_job = i == 0,
            None => return,
        }
    }
    let typed = match ctx.args.get("limit") {
        Some(v) => v.to_string(),
        None => match ctx.ask(out, "Enter new bandwidth limit: ") {
            Some(v) => v.trim().to_string(),
            None => return,
        },
    };
    let Some(limit) = crate::config::units::parse_speed(&typed).filter(|l| *l <= i64::MAX as u64)
    else {
        return out.line("Invalid value for limit parameter. Expecting speed.");
    };
    let cfg = ctx.director.config();
    if for_job {
        let Some((job, client)) = running_job(ctx, out) else {
            return;
        };
        let Some(client) = cfg.find(Kind::Client, &client) else {
            return out.line(format!("Client \"{client}\" not found."));
        };
        limit_on(out, &cfg, client, &job, limit);
    } else if let Some(client) = daemons::pick(ctx, out, &cfg, Kind::Client, &["client"]) {
        limit_on(out, &cfg, client, "", limit);
    }
}

/// The running job `jobid=`, `job=`/`jobname=` (a prefix of its unique
/// name) or `ujobid=` names, or the one chosen from the list of those
/// the console may see: its unique name and its client.
fn running_job(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<(String, String)> {
    let jobs = ctx.director.jobs();
    let visible: Vec<crate::job::JobData> = jobs
        .running()
        .into_iter()
        .filter_map(|(id, ..)| jobs.data(id))
        .filter(|d| ctx.login.may_see_job(&d.job, &d.client))
        .collect();
    let wanted = |d: &&crate::job::JobData| {
        if let Some(id) = ctx.args.get("jobid") {
            return id.trim().parse::<i64>().is_ok_and(|id| id == d.job_id);
        }
        if let Some(u) = ctx.args.get("ujobid") {
            return d.job_name == u;
        }
        match ctx.args.get("job").or_else(|| ctx.args.get("jobname")) {
            Some(name) => d.job_name.starts_with(name),
            None => true,
        }
    };
    let found: Vec<&crate::job::JobData> = visible.iter().filter(wanted).collect();
    let names: Vec<String> = found
        .iter()
        .map(|d| format!("JobId={} Job={}", d.job_id, d.job_name))
        .collect();
    if names.is_empty() {
        out.line("No Jobs running.");
        return None;
    }
    let i = select::choose(
        ctx,
        out,
        "Select Job(s):",
        "Job",
        "Choose Job to limit",
        &names,
    )?;
    Some((found[i].job_name.clone(), found[i].client.clone()))
}

/// Tells the file daemon the limit (`setbandwidth=N Job=NAME`) and says
/// what it took, as bacula-dir words it.
fn limit_on(
    out: &mut Reply,
    cfg: &crate::config::Config,
    client: &Resource,
    job: &str,
    limit: u64,
) {
    out.line(daemons::connecting("Client", client));
    let dir = &cfg.director().name;
    let mut answer = String::new();
    let result = crate::peer::fd::session(dir, client, daemons::connect_timeout(cfg, Kind::Client))
        .and_then(|conn| {
            crate::peer::command(
                conn,
                &format!("setbandwidth={limit} Job={job}\n"),
                Answer::Line,
                &mut |l| answer = l.to_string(),
            )
        });
    match result {
        Err(e) => {
            tracing::warn!("setbandwidth: {e}");
            out.line(format!("Failed to connect to Client {}: {e}", client.name));
        }
        Ok(()) if answer.starts_with("2000 OK Bandwidth") => out.line(format!(
            "2000 OK Limiting bandwidth to {}B/s {}",
            with_suffix(limit),
            if job.is_empty() {
                "on running and future jobs"
            } else {
                job
            }
        )),
        Ok(()) => out.line(format!(
            "Failed to set bandwidth limit to Client {}: {}",
            client.name,
            answer.trim_end()
        )),
    }
}

/// Bacula's edit_uint64_with_suffix: `102400` → `102.4 K`, `500` → `500 `.
pub(super) fn with_suffix(n: u64) -> String {
    const SUFFIX: [&str; 10] = ["", "K", "M", "G", "T", "P", "E", "Z", "Y", "FIX ME"];
    let grouped = super::list::commas(&n.to_string());
    let groups = grouped.matches(',').count();
    let mut shown = match grouped.split_once(',') {
        Some((head, rest)) => format!("{head}.{}", rest.split(',').next().unwrap_or("")),
        None => grouped.clone(),
    };
    if groups > 0 {
        shown.truncate(5);
    }
    format!("{shown} {}", SUFFIX[groups.min(SUFFIX.len() - 1)])
}

/// `setip`: in bacula-dir 9.6.7 (ua_cmds.c setip_cmd) a console named
/// like a Client, and allowed it by its ClientACL, sets that Client's
/// Address to the address it connects from, until the next reload. rdird
/// keeps the configuration as read and says so rather than pretend; any
/// other console is refused as there.
pub fn setip(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let named_client = cfg
        .find(Kind::Client, &ctx.login.name)
        .filter(|c| super::login::Acl::allows(&ctx.login.acl.clients, &c.name))
        .filter(|_| ctx.login.acl.clients.is_some());
    match named_client {
        None => out.line("Unauthorized command from this console."),
        Some(c) => out.line(format!(
            "Client \"{}\" address not changed: rdird takes a Client's Address from the configuration only (change it there and reload).",
            c.name
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn speeds_read_as_bacula_prints_them() {
        assert_eq!(super::with_suffix(102_400), "102.4 K");
        assert_eq!(super::with_suffix(1_048_576), "1.048 M");
        assert_eq!(super::with_suffix(500), "500 ");
        assert_eq!(super::with_suffix(10_000_000_000), "10.00 G");
    }
}
