//! Restore jobs on the Director's side: what the `restore` command settled
//! (the target client, the bootstrap, where files go), the conversation
//! with the daemons through `peer::restore`, and the figures that reach the
//! catalog and the report.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::JobState;
use crate::config::{Kind, Resource};
use crate::director::Director;
use crate::peer::backup::Outcome;
use crate::peer::job::Parties;
use crate::peer::restore::RestorePlan;
use crate::peer::sd::device;
use crate::restore::place::Placement;

/// A restore as the `restore` command prepared it.
#[derive(Debug, Clone)]
pub struct RestoreSpec {
    /// The Client whose file daemon writes the files.
    pub client: String,
    pub storage: String,
    /// The backups read, `12,15`.
    pub source_ids: String,
    /// How many files (and directories) are restored.
    pub files: usize,
    /// The bootstrap, one line per packet.
    pub bootstrap: Vec<String>,
    pub placement: Placement,
    /// Bacula's Replace letter.
    pub replace: char,
}

/// Runs the restore through the daemons and records its figures.
pub fn run(
    director: &Director,
    res: &Resource,
    state: &Arc<JobState>,
    spec: &RestoreSpec,
    canceled: &AtomicBool,
) -> Outcome {
    let cfg = director.config();
    let d = state.data().clone();
    let messages = res.str("Messages").map(str::to_string);
    let say = |text: &str| director.job_message(d.job_id, messages.as_deref(), text);
    let (Some(client), Some(storage)) = (
        cfg.find(Kind::Client, &spec.client),
        cfg.find(Kind::Storage, &spec.storage),
    ) else {
        return Outcome::failed(format!(
            "Client \"{}\" or Storage \"{}\" is no longer in the configuration",
            spec.client, spec.storage
        ));
    };
    say(&format!(
        "Restoring files from JobId(s) {}",
        spec.source_ids
    ));
    say(&format!("Using Device \"{}\" to read.", device(storage)));
    let placement = spec.placement.fd_words();
    let plan = RestorePlan {
        parties: Parties::new(&cfg.director().name, &d, (client, storage), canceled),
        job: res,
        pool_name: res.str("Pool").unwrap_or_default(),
        bootstrap: &spec.bootstrap,
        files: spec.files,
        replace: spec.replace,
        placement: &placement,
        messages: messages.clone(),
        status: &|letter| state.data().status = letter,
    };
    let outcome = crate::peer::restore::run(director, &plan);
    let recorded = director.catalog().restore_totals(
        d.job_id,
        outcome.fd.files,
        outcome.fd.bytes,
        outcome.fd.errors,
    );
    if let Err(e) = recorded {
        say(&format!("Error updating the Job record: {e}"));
    }
    outcome.record_in(&mut state.data());
    if let Some(e) = &outcome.fatal {
        say(&format!("Fatal error: {e}"));
    }
    outcome
}
