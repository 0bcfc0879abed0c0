//! Retention after a job, as Bacula's AutoPrune does it: the File rows of
//! the client's jobs older than the File Retention and the jobs older than
//! the Job Retention leave the catalog (the Pool's retentions win over the
//! Client's). Volumes are pruned, and purged when empty, when a job looks
//! for one to write to; VolumePurged fires then.

use std::sync::Arc;

use super::{JobEvent, JobState};
use crate::config::{Config, Kind};
use crate::director::Director;

/// The File and Job Retention (seconds) for a client's jobs in a pool.
pub fn retentions(cfg: &Config, client: &str, pool: &str) -> (i64, i64) {
    let c = cfg.find(Kind::Client, client);
    let p = cfg.find(Kind::Pool, pool);
    let pick = |d: &str, default: i64| {
        p.and_then(|p| p.get(d).and_then(|_| p.int(d)))
            .or_else(|| c.and_then(|c| c.int(d)))
            .unwrap_or(default)
    };
    (
        pick("FileRetention", 60 * 86_400),
        pick("JobRetention", 180 * 86_400),
    )
}

/// Prunes the client's files and jobs when its AutoPrune is on; the
/// messages say what was pruned.
pub fn auto_prune(director: &Director, state: &Arc<JobState>, say: &dyn Fn(&str)) {
    let cfg = director.config();
    let (client, pool) = {
        let d = state.data();
        (d.client.clone(), d.pool.clone())
    };
    let Some(c) = cfg.find(Kind::Client, &client) else {
        return;
    };
    if !c.bool("AutoPrune").unwrap_or(true) {
        return;
    }
    let (file_ret, job_ret) = retentions(&cfg, &client, &pool);
    let now = crate::clock::now();
    let this_job = state.data().job_id;
    let pruned = (|| {
        let cat = director.catalog();
        let files = cat.prune_files(&client, now - file_ret)?;
        let jobs: Vec<i64> = cat
            .jobs_before(&client, now - job_ret)?
            .into_iter()
            .filter(|j| *j != this_job)
            .collect();
        for j in &jobs {
            cat.delete_job(*j)?;
        }
        Ok::<_, crate::catalog::CatalogError>((files, jobs.len()))
    })();
    match pruned {
        Ok((files, jobs)) => {
            if files > 0 {
                say(&format!(
                    "Pruned Files from {files} Jobs for client {client} from catalog."
                ));
            }
            if jobs > 0 {
                say(&format!(
                    "Pruned {jobs} Job{} for client {client} from catalog.",
                    if jobs == 1 { "" } else { "s" }
                ));
            }
        }
        Err(e) => say(&format!("Error pruning the catalog: {e}")),
    }
}

/// Fires VolumePurged with `job.VolumeName` set to the volume.
pub fn volume_purged(director: &Director, state: &Arc<JobState>, volume: &str) {
    if let Some(host) = director.scripts() {
        state.data().volume_name = volume.to_string();
        host.event(state, JobEvent::VolumePurged);
        super::pass_on_job_script_messages(director, state);
    }
}
