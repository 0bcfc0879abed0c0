//! `cloud` and `snapshot`: bacula-dir 9.6.7's commands for cloud volumes
//! (ua_cmds.c cloud_cmd) and file daemon snapshots (snapshot_cmd). rdird
//! drives file-based storage and takes no snapshots: each says so in one
//! line, whatever its arguments, and changes nothing.

use super::{Ctx, Reply};

pub fn cloud(_ctx: &Ctx<'_, '_>, out: &mut Reply) {
    out.line("cloud: does not apply: this Director drives file-based storage only, there are no cloud volumes.");
}

pub fn snapshot(_ctx: &Ctx<'_, '_>, out: &mut Reply) {
    out.line("snapshot: does not apply: this Director has its file daemons take no snapshots.");
}
