//! `prune` (by retention) and `purge` (regardless of retention): files,
//! jobs and volumes leave the catalog as Bacula's commands remove them. A
//! volume whose jobs are all gone is marked Purged when it is pruned or
//! purged itself (or looked at for a job's next volume).

use super::login::Acl;
use super::{Ctx, Reply};
use crate::config::Kind;

/// `yes` on the line, or the console's answer to `question`.
pub(super) fn confirmed(ctx: &Ctx<'_, '_>, out: &mut Reply, question: &str) -> bool {
    ctx.args.has("yes")
        || ctx
            .ask(out, question)
            .is_some_and(|a| a.trim().eq_ignore_ascii_case("yes"))
}

fn client_arg(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<String> {
    let cfg = ctx.director.config();
    match ctx.args.get("client") {
        Some(c)
            if cfg.find(Kind::Client, c).is_some() && Acl::allows(&ctx.login.acl.clients, c) =>
        {
            Some(c.to_string())
        }
        Some(c) => {
            out.line(format!("Client \"{c}\" not found."));
            None
        }
        None => super::select::resource(ctx, out, &cfg, Kind::Client).map(|r| r.name.clone()),
    }
}

/// The jobs of `ids` the console may act on (JobACL, ClientACL and
/// PoolACL of each): `purge jobs client=` and the other by-client forms
/// leave the client's other jobs alone. bacula-dir 9.6.7 checks only the
/// ClientACL (ua_purge.c purge_jobs_from_client, ua_prune.c prune_jobs).
fn own_jobs(ctx: &Ctx<'_, '_>, ids: Vec<i64>) -> Vec<i64> {
    if !ctx.login.is_restricted() {
        return ids;
    }
    let catalog = ctx.director.catalog();
    ids.into_iter()
        .filter(|id| matches!(catalog.job_owner(*id), Ok(Some(o)) if ctx.login.may_act_on(&o)))
        .collect()
}

fn delete_jobs(ctx: &Ctx<'_, '_>, out: &mut Reply, jobs: &[i64]) -> bool {
    let cat = ctx.director.catalog();
    for j in jobs {
        if let Err(e) = cat.delete_job(*j) {
            out.line(format!("Error: {e}"));
            return false;
        }
    }
    true
}

/// The volume `prune volume=` or `purge volume=` names, with its status,
/// when the console may act on it; else the refusal is in `out` (the
/// same words as for a volume that does not exist).
fn console_volume(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    volume: &str,
) -> Option<(crate::catalog::Prunable, String)> {
    let missing = format!("Volume \"{volume}\" not found in the catalog.");
    if let Err(why) = super::volume::own_volume(ctx, volume, &missing) {
        out.line(why);
        return None;
    }
    match ctx.director.catalog().prunable_volume(volume) {
        Ok(Some(found)) => Some(found),
        _ => {
            out.line(missing);
            None
        }
    }
}

/// `prune files|jobs client=NAME [yes]`, `prune volume=NAME [yes]`.
/// `prune volume=NAME`: the volume's jobs past its retention leave the
/// catalog.
fn prune_volume(ctx: &Ctx<'_, '_>, out: &mut Reply, volume: &str) {
    let now = crate::clock::now();
    let Some((v, status)) = console_volume(ctx, out, volume) else {
        return;
    };
    if !["Full", "Used", "Append", "Error"].contains(&status.as_str()) {
        out.line(format!(
            "Volume \"{volume}\" has VolStatus {status} and cannot be pruned."
        ));
        return;
    }
    if !confirmed(
        ctx,
        out,
        "The current Volume retention period is set. Continue? (yes/no): ",
    ) {
        return;
    }
    match ctx.director.catalog().prune_volume(&v, now - v.retention) {
        Ok(true) => out.line(format!(
            "Volume \"{volume}\" contains no jobs after pruning."
        )),
        Ok(false) => out.line(format!(
            "Volume \"{volume}\" still has jobs within its retention."
        )),
        Err(e) => out.line(format!("Error: {e}")),
    }
}

pub fn prune(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let now = crate::clock::now();
    if let Some(volume) = ctx.args.get("volume") {
        prune_volume(ctx, out, volume);
        return;
    }
    let mut what = ctx.args.word(0).unwrap_or("").to_ascii_lowercase();
    if what.is_empty() {
        // ua_prune.c prunecmd's do_keyword_prompt.
        let items = ["Files", "Jobs", "Volume", "Stats", "Snapshots"];
        let header = "You have the following choices:";
        match super::select::choose(ctx, out, header, "", "Choose item to prune", &items) {
            Some(n) => what = items[n].to_ascii_lowercase(),
            None => return,
        }
    }
    match what.as_str() {
        "volume" => {
            if let Some(volume) = super::select::media(ctx, out) {
                prune_volume(ctx, out, &volume);
            }
            return;
        }
        "stats" => {
            // bacula-dir prunes its JobHisto table here; rdird keeps none.
            out.line("rdird keeps no job statistics (JobHisto): there are none to prune.");
            return;
        }
        "snapshots" => {
            super::not_applicable::snapshot(ctx, out);
            return;
        }
        _ => {}
    }
    if what != "files" && what != "jobs" {
        out.line("Use prune files client=<name>, prune jobs client=<name> or prune volume=<name>.");
        return;
    }
    let Some(client) = client_arg(ctx, out) else {
        return;
    };
    if !confirmed(ctx, out, "Are you sure you want to prune? (yes/no): ") {
        return;
    }
    let pool = ctx.args.get("pool").unwrap_or("");
    let (file_ret, job_ret) = crate::job::retention::retentions(&cfg, &client, pool);
    if what == "files" {
        let jobs = ctx
            .director
            .catalog()
            .jobs_with_files_before(&client, now - file_ret);
        let jobs = jobs.map(|j| own_jobs(ctx, j));
        match jobs.and_then(|j| ctx.director.catalog().purge_files(&j).map(|_| j.len())) {
            Ok(0) => out.line("No Files found to prune."),
            Ok(n) => out.line(format!(
                "Pruned Files from {n} Jobs for client {client} from catalog."
            )),
            Err(e) => out.line(format!("Error: {e}")),
        }
        return;
    }
    let found = ctx.director.catalog().jobs_before(&client, now - job_ret);
    let jobs = match found {
        Ok(j) => own_jobs(ctx, j),
        Err(e) => {
            out.line(format!("Error: {e}"));
            return;
        }
    };
    if jobs.is_empty() {
        out.line("No Jobs found to prune.");
        return;
    }
    if delete_jobs(ctx, out, &jobs) {
        out.line(format!(
            "Pruned {} Job{} for client {client} from catalog.",
            jobs.len(),
            if jobs.len() == 1 { "" } else { "s" }
        ));
    }
}

/// Whether a purged volume is truncated at once: `action=truncate`, or
/// its Pool's `ActionOnPurge = Truncate`.
fn truncate_on_purge(ctx: &Ctx<'_, '_>, volume: &str) -> bool {
    if let Some(action) = ctx.args.get("action") {
        return action.eq_ignore_ascii_case("truncate");
    }
    let pool: Option<String> = ctx
        .director
        .catalog()
        .db()
        .query_row(
            "SELECT Pool.Name FROM Media JOIN Pool ON Pool.PoolId = Media.PoolId WHERE Media.VolumeName = ?1",
            [volume],
            |r| r.get(0),
        )
        .ok();
    let cfg = ctx.director.config();
    pool.and_then(|p| {
        cfg.find(Kind::Pool, &p)
            .and_then(|p| p.str("ActionOnPurge"))
    })
    .is_some_and(|a| a.eq_ignore_ascii_case("truncate"))
}

/// `purge files jobid=N|client=NAME`, `purge jobs client=NAME`,
/// `purge volume=NAME`: regardless of retention, after the warning and
/// without a question, as bacula-dir's purge_cmd does (a script's next
/// line is never taken for an answer).
pub fn purge(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    out.line("");
    out.line("This command can be DANGEROUS!!!");
    out.line("");
    out.line("It purges (deletes) all Files from a Job,");
    out.line("JobId, Client or Volume; or it purges (deletes)");
    out.line("all Jobs from a Client or Volume without regard");
    out.line("to retention periods. Normally you should use the");
    out.line("PRUNE command, which respects retention periods.");
    if let Some(volume) = ctx.args.get("volume") {
        purge_volume(ctx, out, volume);
        return;
    }
    let mut what = ctx.args.word(0).unwrap_or("").to_ascii_lowercase();
    if what.is_empty() {
        // ua_purge.c purge_cmd's do_keyword_prompt.
        let items = ["files", "jobs", "volume"];
        let header = "You have the following choices:";
        match super::select::choose(ctx, out, header, "", "Choose item to purge", &items) {
            Some(2) => what = "volume".into(),
            Some(n) => what = items[n].to_string(),
            None => return,
        }
    }
    if what == "volume" {
        if let Some(volume) = super::select::media(ctx, out) {
            purge_volume(ctx, out, &volume);
        }
        return;
    }
    if what == "files" {
        let jobid = match ctx.args.jobid() {
            Ok(id) => id,
            Err(e) => {
                out.line(e);
                return;
            }
        };
        if let Some(id) = jobid {
            // bacula-dir 9.6.7 purges any JobId's files (ua_select.c
            // get_job_dbr has no ACL check); here a job outside the
            // console's ACLs is answered as one that does not exist.
            if own_jobs(ctx, vec![id]).is_empty()
                || !matches!(ctx.director.catalog().job_owner(id), Ok(Some(_)))
            {
                out.line(format!("No Job found for JobId {id}"));
                return;
            }
            match ctx.director.catalog().purge_files(&[id]) {
                Ok(_) => out.line(format!("Files for jobid {id} purged from catalog.")),
                Err(e) => out.line(format!("Error: {e}")),
            }
            return;
        }
        let Some(client) = client_arg(ctx, out) else {
            return;
        };
        let found = ctx
            .director
            .catalog()
            .jobs_with_files_before(&client, i64::MAX);
        let jobs = found.map(|j| own_jobs(ctx, j));
        match jobs.and_then(|j| ctx.director.catalog().purge_files(&j).map(|_| j.len())) {
            Ok(n) => out.line(format!(
                "Files for {n} Jobs for client \"{client}\" purged from catalog."
            )),
            Err(e) => out.line(format!("Error: {e}")),
        }
        return;
    }
    if what == "jobs" {
        let Some(client) = client_arg(ctx, out) else {
            return;
        };
        let found = ctx.director.catalog().jobs_before(&client, i64::MAX);
        let jobs = found.map(|j| own_jobs(ctx, j));
        let jobs = match jobs {
            Ok(j) => j,
            Err(e) => {
                out.line(format!("Error: {e}"));
                return;
            }
        };
        if delete_jobs(ctx, out, &jobs) {
            out.line(format!(
                "Purged {} Job{} for client \"{client}\" from catalog.",
                jobs.len(),
                if jobs.len() == 1 { "" } else { "s" }
            ));
        }
        return;
    }
    out.line(
        "Use purge files jobid=<N>|client=<name>, purge jobs client=<name> or purge volume=<name>.",
    );
}

/// `purge volume=NAME`: the volume's jobs leave the catalog whatever
/// their retention, with bacula-dir's rules (ua_purge.c
/// purge_jobs_from_volume, is_volume_purged, mark_media_purged): only an
/// Append, Full, Used or Error volume, never a running job, and the
/// volume is marked Purged only when no job is left on it, so no live
/// data is recycled. A restricted console may purge only a volume of a
/// pool in its PoolACL whose jobs are all its own; bacula-dir 9.6.7
/// checks no ACL here (select_media_dbr).
fn purge_volume(ctx: &Ctx<'_, '_>, out: &mut Reply, volume: &str) {
    let Some((v, status)) = console_volume(ctx, out, volume) else {
        return;
    };
    if !["Append", "Full", "Used", "Error"].contains(&status.as_str()) {
        out.line(format!(
            "Volume \"{volume}\" has VolStatus \"{status}\" and cannot be purged."
        ));
        out.line("The VolStatus must be: Append, Full, Used, or Error to be purged.");
        return;
    }
    let before = ctx.director.catalog().volume_job_count(volume).unwrap_or(0);
    let purged = ctx.director.catalog().prune_volume(&v, i64::MAX);
    let after = ctx.director.catalog().volume_job_count(volume).unwrap_or(0);
    let jobs = before - after;
    match purged {
        Ok(purged) => {
            out.line(format!(
                "{jobs} Job{} on Volume \"{volume}\" purged from catalog.",
                if jobs == 1 { "" } else { "s" }
            ));
            if !purged {
                out.line(format!(
                    "Volume \"{volume}\" still holds {after} running job{}; it is not marked Purged.",
                    if after == 1 { "" } else { "s" }
                ));
                return;
            }
            out.line(format!(
                "There are no more Jobs associated with Volume \"{volume}\". Marking it purged."
            ));
            if truncate_on_purge(ctx, volume) {
                let found = ctx
                    .director
                    .catalog()
                    .truncatable_volumes(None, Some(volume));
                for v in found.unwrap_or_default() {
                    super::volume::truncate_volume(ctx, out, &v, None);
                }
            }
        }
        Err(e) => out.line(format!("Error: {e}")),
    }
}
