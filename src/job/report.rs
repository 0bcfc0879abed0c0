//! Termination reports in bacula-dir's layout.

use super::{JobData, JobState};
use crate::clock;
use crate::config::Config;

/// The report's first lines: who wrote it, the build, the JobId and Job.
fn header(cfg: &Config, d: &JobData) -> String {
    format!(
        "rdird {} {} ({}):\n\
         \x20 Build OS:               {}-{}\n\
         \x20 JobId:                  {}\n\
         \x20 Job:                    {}\n",
        cfg.director().name,
        env!("CARGO_PKG_VERSION"),
        env!("RDIRD_BUILD_DATE"),
        std::env::consts::ARCH,
        std::env::consts::OS,
        d.job_id,
        d.job_name,
    )
}

/// The report of an Admin job.
pub fn admin(cfg: &Config, state: &JobState, sched: i64, start: i64, end: i64) -> String {
    let d = state.data();
    let termination = match d.status {
        'T' => "Admin OK",
        'A' => "Admin Canceled",
        _ => "*** Admin Error ***",
    };
    format!(
        "{}\
         \x20 Scheduled time:         {}\n\
         \x20 Start time:             {}\n\
         \x20 End time:               {}\n\
         \x20 Termination:            {termination}\n",
        header(cfg, &d),
        clock::local(sched).report(),
        clock::local(start).report(),
        clock::local(end).report(),
    )
}

/// `5,630`: a count with thousands separators.
fn commas(n: i64) -> String {
    crate::console::list::commas(&n.to_string())
}

/// `5,630 (5.630 KB)`: bytes with Bacula's decimal unit in brackets.
fn bytes(n: i64) -> String {
    const UNITS: [&str; 6] = ["", "KB", "MB", "GB", "TB", "PB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < UNITS.len() {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{} ({n} B)", commas(n))
    } else {
        format!("{} ({v:.3} {})", commas(n), UNITS[u])
    }
}

/// `1 sec`, `2 mins 5 secs`: an elapsed time as bacula-dir writes it.
fn elapsed(mut secs: i64) -> String {
    const PARTS: [(i64, &str); 5] = [
        (86400 * 365, "year"),
        (86400 * 30, "month"),
        (86400, "day"),
        (3600, "hour"),
        (60, "min"),
    ];
    let mut out = Vec::new();
    for (size, name) in PARTS {
        let n = secs / size;
        if n > 0 {
            out.push(format!("{n} {name}{}", if n == 1 { "" } else { "s" }));
            secs %= size;
        }
    }
    if secs > 0 || out.is_empty() {
        out.push(format!("{secs} sec{}", if secs == 1 { "" } else { "s" }));
    }
    out.join(" ")
}

/// A daemon's termination status, as the report words it.
fn term_status(c: char) -> &'static str {
    match c {
        'T' => "OK",
        'W' => "OK -- with warnings",
        'A' => "Canceled",
        'f' | 'E' => "Error",
        '\0' | ' ' => "Waiting on FD",
        _ => "*** Error ***",
    }
}

/// What a backup report shows beyond the job's state.
pub struct BackupFigures<'a> {
    pub fileset_time: &'a str,
    /// For an Incremental or Differential: the start of the job it is
    /// taken since (unix time), shown as bacula-dir 9.6.7 does (fd_cmds.c
    /// get_level_since_time: `, since=<time>` after the level).
    pub since: Option<i64>,
    pub volumes: &'a [String],
    pub vol_session_id: i64,
    pub vol_session_time: i64,
    pub last_volume_bytes: i64,
    pub sd_bytes: i64,
}

/// The report of a Backup job.
pub fn backup(
    cfg: &Config,
    state: &JobState,
    fig: &BackupFigures<'_>,
    times: (i64, i64, i64),
) -> String {
    let (sched, start, end) = times;
    let d = state.data();
    let termination = match d.status {
        'T' if d.errors == 0 => "Backup OK",
        'T' | 'W' => "Backup OK -- with warnings",
        'A' => "Backup Canceled",
        'I' => "Backup failed -- Incomplete",
        _ => "*** Backup Error ***",
    };
    let run = (end - start).max(1);
    let sd_status = if d.sd_status == '\0' {
        ' '
    } else {
        d.sd_status
    };
    format!(
        "{}\
         \x20 Backup Level:           {}{}\n\
         \x20 Client:                 \"{}\"\n\
         \x20 FileSet:                \"{}\" {}\n\
         \x20 Pool:                   \"{}\" (From {})\n\
         \x20 Catalog:                \"{}\" (From Client resource)\n\
         \x20 Storage:                \"{}\" (From {})\n\
         \x20 Scheduled time:         {}\n\
         \x20 Start time:             {}\n\
         \x20 End time:               {}\n\
         \x20 Elapsed time:           {}\n\
         \x20 Priority:               {}\n\
         \x20 FD Files Written:       {}\n\
         \x20 SD Files Written:       {}\n\
         \x20 FD Bytes Written:       {}\n\
         \x20 SD Bytes Written:       {}\n\
         \x20 Rate:                   {:.1} KB/s\n\
         \x20 Volume name(s):         {}\n\
         \x20 Volume Session Id:      {}\n\
         \x20 Volume Session Time:    {}\n\
         \x20 Last Volume Bytes:      {}\n\
         \x20 Non-fatal FD errors:    {}\n\
         \x20 SD Errors:              {}\n\
         \x20 FD termination status:  {}\n\
         \x20 SD termination status:  {}\n\
         \x20 Termination:            {termination}\n",
        header(cfg, &d),
        crate::job::names::level_name(d.level),
        fig.since
            .map(|t| format!(", since={}", clock::local(t).sql()))
            .unwrap_or_default(),
        d.client,
        d.fileset,
        fig.fileset_time,
        d.pool,
        source(&d.pool_source),
        d.catalog,
        d.storage,
        source(&d.storage_source),
        clock::local(sched).report(),
        clock::local(start).report(),
        clock::local(end).report(),
        elapsed(run),
        d.priority,
        commas(d.files),
        commas(d.sd_files),
        bytes(d.bytes),
        bytes(fig.sd_bytes),
        d.bytes as f64 / 1000.0 / run as f64,
        fig.volumes.join("|"),
        fig.vol_session_id,
        fig.vol_session_time,
        bytes(fig.last_volume_bytes),
        d.errors,
        d.sd_errors,
        term_status(d.fd_status),
        term_status(sd_status),
    )
}

/// The report of a Verify job; `against` is the job compared with.
pub fn verify(
    cfg: &Config,
    state: &JobState,
    v: Option<&crate::job::verify::Verified>,
    (start, end): (i64, i64),
) -> String {
    let d = state.data();
    let termination = match d.status {
        'T' if d.errors == 0 => "Verify OK",
        'T' | 'W' => "Verify OK -- with warnings",
        'D' => "Verify Differences",
        'A' => "Verify Canceled",
        _ => "*** Verify Error ***",
    };
    let (against_id, against_job) = v.map_or((0, ""), |v| (v.against.0, v.against.1.as_str()));
    // VolumeToCatalog and Data also read through the storage daemon.
    let (expected, sd_lines) = match v.and_then(|v| v.expected.map(|e| (e, v))) {
        Some((e, v)) => (
            format!("  Files Expected:         {}\n", commas(e)),
            (
                format!("  SD Errors:              {}\n", v.sd_errors),
                format!("  SD termination status:  {}\n", term_status(v.sd_status)),
            ),
        ),
        None => (String::new(), (String::new(), String::new())),
    };
    format!(
        "{}\
         \x20 FileSet:                {}\n\
         \x20 Verify Level:           {}\n\
         \x20 Client:                 {}\n\
         \x20 Verify JobId:           {}\n\
         \x20 Verify Job:             {}\n\
         \x20 Start time:             {}\n\
         \x20 End time:               {}\n\
         \x20 Elapsed time:           {}\n\
         {expected}\
         \x20 Files Examined:         {}\n\
         \x20 Non-fatal FD errors:    {}\n\
         {}\
         \x20 FD termination status:  {}\n\
         {}\
         \x20 Termination:            {termination}\n",
        header(cfg, &d),
        d.fileset,
        crate::job::names::level_name(d.level),
        d.client,
        against_id,
        against_job,
        clock::local(start).report(),
        clock::local(end).report(),
        elapsed((end - start).max(1)),
        commas(d.files),
        d.errors,
        sd_lines.0,
        term_status(d.fd_status),
        sd_lines.1,
    )
}

/// What a restore report shows beyond the job's state.
pub struct RestoreFigures<'a> {
    pub where_: &'a str,
    pub replace: &'a str,
    pub expected: usize,
    pub read_bytes: i64,
}

/// The report of a Restore job.
pub fn restore(
    cfg: &Config,
    state: &JobState,
    fig: &RestoreFigures<'_>,
    (start, end): (i64, i64),
) -> String {
    let d = state.data();
    let termination = match d.status {
        'T' if d.errors == 0 => "Restore OK",
        'T' | 'W' => "Restore OK -- with warnings",
        'A' => "Restore Canceled",
        _ => "*** Restore Error ***",
    };
    let run = (end - start).max(1);
    format!(
        "{}\
         \x20 Restore Client:         {}\n\
         \x20 Where:                  {}\n\
         \x20 Replace:                {}\n\
         \x20 Start time:             {}\n\
         \x20 End time:               {}\n\
         \x20 Elapsed time:           {}\n\
         \x20 Files Expected:         {}\n\
         \x20 Files Restored:         {}\n\
         \x20 Bytes Restored:         {}\n\
         \x20 Rate:                   {:.1} KB/s\n\
         \x20 FD Errors:              {}\n\
         \x20 FD termination status:  {}\n\
         \x20 SD termination status:  {}\n\
         \x20 Termination:            {termination}\n",
        header(cfg, &d),
        d.client,
        fig.where_,
        fig.replace,
        clock::local(start).report(),
        clock::local(end).report(),
        elapsed(run),
        commas(fig.expected as i64),
        commas(d.files),
        bytes(fig.read_bytes),
        fig.read_bytes as f64 / 1000.0 / run as f64,
        commas(d.errors),
        term_status(d.fd_status),
        term_status(d.sd_status),
    )
}

/// Where a Pool or Storage came from; the Job resource unless overridden.
fn source(s: &str) -> &str {
    if s.is_empty() {
        "Job resource"
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_written_as_bacula_writes_them() {
        assert_eq!(bytes(5630), "5,630 (5.630 KB)");
        assert_eq!(bytes(52_428_800), "52,428,800 (52.429 MB)");
        assert_eq!(bytes(7), "7 (7 B)");
        assert_eq!(elapsed(1), "1 sec");
        assert_eq!(elapsed(125), "2 mins 5 secs");
        assert_eq!(elapsed(3600), "1 hour");
    }
}
