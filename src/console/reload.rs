//! `reload`: read the configuration file again; a file with errors leaves
//! the running configuration as it was, and says why.

use super::{Ctx, Reply};
use crate::config::Config;

/// Says nothing when the new configuration is in use, as bacula-dir's
/// reload_cmd says nothing (ua_cmds.c); the log has it.
pub fn reload(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let path = ctx.director.config().path.clone();
    match Config::load(&path) {
        Ok(cfg) => {
            for w in &cfg.warnings {
                tracing::warn!("{w}");
            }
            match ctx.director.set_config(cfg) {
                Ok(()) => tracing::info!("configuration reloaded from {}", path.display()),
                Err(e) => out.line(format!("Reload failed: {e}")),
            }
        }
        Err(e) => {
            out.line("Reload failed; the running configuration is kept:");
            for l in e.to_string().lines() {
                out.line(l);
            }
        }
    }
}
