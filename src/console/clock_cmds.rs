//! `time` (the Director's local time, as bacula-dir's ua_cmds.c time_cmd
//! prints it) and `memory` (what the Director process holds).

use super::{Ctx, Reply};

/// `Tue 01-Dec-2026 18:05:01`.
pub fn time(_ctx: &Ctx<'_, '_>, out: &mut Reply) {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    let t = crate::clock::local(crate::clock::now());
    out.line(format!(
        "{} {:02}-{}-{:04} {:02}:{:02}:{:02}",
        DAYS[t.weekday as usize % 7],
        t.day,
        t.month_name(),
        t.year,
        t.hour,
        t.minute,
        t.second
    ));
}

/// bacula-dir 9.6.7 prints its status header and the dump of its
/// smartalloc pools (empty in a build without smartalloc, as Debian's
/// is). rdird has no pools of its own: it prints the header and what the
/// kernel counts for the process (/proc/self/status), which is true
/// whatever the allocator does.
pub fn memory(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    out.line(format!(
        "{} Version: {} ({}) rdird {}-{}",
        cfg.director().name,
        env!("CARGO_PKG_VERSION"),
        env!("RDIRD_BUILD_DATE"),
        std::env::consts::ARCH,
        std::env::consts::OS
    ));
    let status = match std::fs::read_to_string("/proc/self/status") {
        Ok(s) => s,
        Err(e) => {
            out.line(format!("Memory: /proc/self/status cannot be read: {e}"));
            return;
        }
    };
    let field = |name: &str| -> Option<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|kb| kb * 1024)
    };
    let bytes = |v: Option<u64>| v.map_or("?".to_string(), |b| super::list::commas(&b.to_string()));
    out.line(format!(
        " Memory: rss={} max_rss={} heap+stacks={} threads={}",
        bytes(field("VmRSS:")),
        bytes(field("VmHWM:")),
        bytes(field("VmData:")),
        status
            .lines()
            .find_map(|l| l.strip_prefix("Threads:"))
            .map_or("?", str::trim)
    ));
    out.line(format!(
        " Jobs: running={}",
        ctx.director.jobs().running().len()
    ));
}
