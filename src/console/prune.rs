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
        None => {
            out.line("Give client=<Client name>.");
            None
        }
    }
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

/// `prune files|jobs client=NAME [yes]`, `prune volume=NAME [yes]`.
pub fn prune(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let now = crate::clock::now();
    if let Some(volume) = ctx.args.get("volume") {
        let found = ctx.director.catalog().prunable_volume(volume);
        let Ok(Some((v, status))) = found else {
            out.line(format!("Volume \"{volume}\" not found in the catalog."));
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
        return;
    }
    let what = ctx.args.word(0).unwrap_or("").to_ascii_lowercase();
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
        match ctx.director.catalog().prune_files(&client, now - file_ret) {
            Ok(0) => out.line("No Files found to prune."),
            Ok(n) => out.line(format!(
                "Pruned Files from {n} Jobs for client {client} from catalog."
            )),
            Err(e) => out.line(format!("Error: {e}")),
        }
        return;
    }
    let jobs = match ctx.director.catalog().jobs_before(&client, now - job_ret) {
        Ok(j) => j,
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
/// `purge volume=NAME`: regardless of retention.
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
        let found = ctx.director.catalog().prunable_volume(volume);
        let Ok(Some((v, _))) = found else {
            out.line(format!("Volume \"{volume}\" not found in the catalog."));
            return;
        };
        if !confirmed(ctx, out, "Are you sure? (yes/no): ") {
            return;
        }
        let jobs: i64 = ctx
            .director
            .catalog()
            .db()
            .query_row(
                "SELECT COUNT(DISTINCT JobId) FROM JobMedia WHERE MediaId = ?1",
                [v.media_id],
                |r| r.get(0),
            )
            .unwrap_or(0);
        let pruned = ctx.director.catalog().prune_volume(&v, i64::MAX);
        match pruned {
            Ok(_) => {
                out.line(format!(
                    "{jobs} Job{} on Volume \"{volume}\" purged from catalog.",
                    if jobs == 1 { "" } else { "s" }
                ));
                let _ = ctx.director.catalog().set_volume_status(volume, "Purged");
                out.line(format!(
                    "There are no more Jobs associated with Volume \"{volume}\". Marking it purged."
                ));
                if truncate_on_purge(ctx, volume) {
                    let found = ctx
                        .director
                        .catalog()
                        .truncatable_volumes(None, Some(volume));
                    for v in found.unwrap_or_default() {
                        super::volume::truncate_volume(ctx, out, &v);
                    }
                }
            }
            Err(e) => out.line(format!("Error: {e}")),
        }
        return;
    }
    let what = ctx.args.word(0).unwrap_or("").to_ascii_lowercase();
    if what == "files" {
        if let Some(id) = ctx.args.get("jobid").and_then(|j| j.parse::<i64>().ok()) {
            if !confirmed(ctx, out, "Are you sure? (yes/no): ") {
                return;
            }
            let done = ctx
                .director
                .catalog()
                .db()
                .execute("DELETE FROM File WHERE JobId = ?1", [id]);
            let _ = ctx
                .director
                .catalog()
                .db()
                .execute("UPDATE Job SET PurgedFiles = 1 WHERE JobId = ?1", [id]);
            match done {
                Ok(_) => out.line(format!("Files for jobid {id} purged from catalog.")),
                Err(e) => out.line(format!("Error: {e}")),
            }
            return;
        }
        let Some(client) = client_arg(ctx, out) else {
            return;
        };
        if !confirmed(ctx, out, "Are you sure? (yes/no): ") {
            return;
        }
        match ctx.director.catalog().prune_files(&client, i64::MAX) {
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
        if !confirmed(ctx, out, "Are you sure? (yes/no): ") {
            return;
        }
        let jobs = ctx
            .director
            .catalog()
            .jobs_before(&client, i64::MAX)
            .unwrap_or_default();
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
