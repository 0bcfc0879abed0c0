//! The Enabled state that the console's `enable` and `disable` give Jobs,
//! Clients and Schedules: it overrides what the configuration says, it
//! is kept across `reload` (as bacula-dir 9.6.7 keeps it, in its
//! JOB_GLOBALS/CLIENT_GLOBALS/SCHED_GLOBALS, dird_conf.c setEnabled) and,
//! unlike bacula-dir, across a restart: a job disabled for maintenance
//! does not start again because the Director was restarted. It is kept
//! in `<Working Directory>/<Director name>.enabled` (JSON).
//!
//! The state is applied to the configuration's resources, so that every
//! reader of `Enabled` (the scheduler, `show`, `.jobs`, `status
//! schedule`) sees the same thing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::config::{Config, Kind, Value};

/// The settings the console made, by resource kind and name.
#[derive(Debug, Default)]
pub struct Switches {
    path: PathBuf,
    /// Kind name ("Job", "Client", "Schedule") to resource name to Enabled.
    set: BTreeMap<String, BTreeMap<String, bool>>,
}

impl Switches {
    /// Where the state of the Director configured by `cfg` is kept.
    pub fn path_for(cfg: &Config) -> PathBuf {
        let d = cfg.director();
        Path::new(d.str("WorkingDirectory").unwrap_or(".")).join(format!("{}.enabled", d.name))
    }

    /// The state kept beside the catalog; none when there is no file yet.
    /// A file that cannot be read is said in the log, and its settings
    /// are not applied (the configuration's own Enabled stands).
    pub fn load(cfg: &Config) -> Switches {
        let path = Switches::path_for(cfg);
        let set = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(
                    "{}: not the enable/disable state rdird writes ({e}); the configuration's Enabled directives apply",
                    path.display()
                );
                BTreeMap::new()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => {
                tracing::warn!(
                    "{}: cannot read the enable/disable state ({e}); the configuration's Enabled directives apply",
                    path.display()
                );
                BTreeMap::new()
            }
        };
        let switches = Switches { path, set };
        switches.log_disabled();
        switches
    }

    /// Says in the log which resources stay disabled from the state file,
    /// so that an administrator who wonders why a job does not start after
    /// a restart finds it.
    fn log_disabled(&self) {
        let off: Vec<String> = self
            .set
            .iter()
            .flat_map(|(kind, names)| {
                names
                    .iter()
                    .filter(|(_, on)| !**on)
                    .map(move |(name, _)| format!("{kind} \"{name}\""))
            })
            .collect();
        if !off.is_empty() {
            tracing::info!(
                "kept disabled from {}: {}",
                self.path.display(),
                off.join(", ")
            );
        }
    }

    /// Sets `Enabled` on the resources the console switched.
    pub fn apply(&self, cfg: &mut Config) {
        for r in cfg.resources.iter_mut() {
            if let Some(&on) = self.set.get(r.kind.name()).and_then(|m| m.get(&r.name)) {
                r.set("Enabled", Value::Bool(on));
            }
        }
    }

    /// Records the console's setting and writes the state file (whole,
    /// then renamed over the old one); the error says why it could not
    /// be kept for the next start.
    pub fn set(&mut self, kind: Kind, name: &str, on: bool) -> Result<(), String> {
        self.set
            .entry(kind.name().to_string())
            .or_default()
            .insert(name.to_string(), on);
        let text = serde_json::to_vec_pretty(&self.set).map_err(|e| e.to_string())?;
        let tmp = self.path.with_extension("enabled.new");
        std::fs::write(&tmp, text)
            .and_then(|()| std::fs::rename(&tmp, &self.path))
            .map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(dir: &Path) -> Config {
        let text = format!(
            "Director {{ Name = d; Password = p; QueryFile = q; WorkingDirectory = \"{}\"; PidDirectory = /tmp; Messages = m }}\n\
             Messages {{ Name = m }}\nCatalog {{ Name = c; DbName = b }}\n\
             Client {{ Name = cl; Address = h; Password = p; Catalog = c }}\n\
             Storage {{ Name = st; Address = h; Password = p; Device = d; MediaType = File }}\n\
             Pool {{ Name = po; PoolType = Backup }}\n\
             FileSet {{ Name = fs; Include {{ File = /srv }} }}\n\
             Job {{ Name = \"j one\"; Type = Backup; Client = cl; FileSet = fs; Storage = st; Pool = po; Messages = m; Enabled = no }}\n",
            dir.display()
        );
        Config::parse_text("t.conf", text.as_bytes()).unwrap()
    }

    #[test]
    fn a_setting_is_kept_in_the_working_directory_and_overrides_the_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(dir.path());
        let mut s = Switches::load(&cfg);
        s.set(Kind::Job, "j one", true).unwrap();
        s.set(Kind::Client, "cl", false).unwrap();
        let again = Switches::load(&cfg);
        again.apply(&mut cfg);
        assert_eq!(
            cfg.find(Kind::Job, "j one").unwrap().bool("Enabled"),
            Some(true)
        );
        assert_eq!(
            cfg.find(Kind::Client, "cl").unwrap().bool("Enabled"),
            Some(false)
        );
    }

    #[test]
    fn a_state_file_that_is_not_ours_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = config(dir.path());
        std::fs::write(Switches::path_for(&cfg), "Job j one = yes\n").unwrap();
        Switches::load(&cfg).apply(&mut cfg);
        assert_eq!(
            cfg.find(Kind::Job, "j one").unwrap().bool("Enabled"),
            Some(false)
        );
    }
}
