//! The scheduler: each minute, the Jobs whose Schedule has a `Run` line
//! matching that minute (hour, minute, day of month or last day, day of
//! week, month, week of month, ISO week of year) are started with the
//! line's overrides (Level, Pool, Full/Incremental/Differential Pool,
//! Storage, Priority). `status dir` lists what runs in the next day.

use std::sync::Arc;

use crate::clock::{self, Local};
use crate::config::{Config, Kind, Run, Value};
use crate::director::Director;

/// Days in `month` (1–12) of `year`.
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The ISO 8601 week number (1–53) of a date.
fn iso_week(year: i32, month: u32, day: u32) -> u32 {
    let days = days_from_civil(year, month, day);
    // 1970-01-01 was a Thursday; ISO weekday 1 (Monday) to 7.
    let weekday = (days + 3).rem_euclid(7) + 1;
    // The Thursday of this week decides the year it belongs to.
    let thursday = days - weekday + 4;
    let jan1 = |y: i32| days_from_civil(y, 1, 1);
    let mut y = year + 1;
    while jan1(y) > thursday {
        y -= 1;
    }
    ((thursday - jan1(y)) / 7 + 1) as u32
}

/// Whether a Run line fires at this minute.
pub fn matches(run: &Run, t: &Local) -> bool {
    let bit = |set: u32, n: u32| set & (1 << n) != 0;
    let last_day = t.day == days_in_month(t.year, t.month);
    let mday = bit(run.mday, t.day - 1) || (run.mday & (1 << 31) != 0 && last_day);
    t.minute == run.minute
        && bit(run.hour, t.hour)
        && mday
        && bit(run.wday, t.weekday)
        && bit(run.month, t.month - 1)
        && bit(run.wom, (t.day - 1) / 7)
        && run.woy & (1u64 << iso_week(t.year, t.month, t.day)) != 0
}

/// A job the scheduler starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Scheduled {
    /// Unix time of the minute.
    pub at: i64,
    pub job: String,
    pub run: Run,
}

/// The enabled Jobs' runs in the minutes from `from` to `to` (unix
/// times), in time order.
pub fn runs_between(cfg: &Config, from: i64, to: i64) -> Vec<Scheduled> {
    let mut lines: Vec<(&str, &Run)> = Vec::new();
    for job in cfg.all(Kind::Job) {
        // A disabled Client's jobs are not scheduled either (bacula-dir's
        // scheduler.c find_runs).
        let client_enabled = job
            .str("Client")
            .and_then(|c| cfg.find(Kind::Client, c))
            .map_or(true, |c| c.bool("Enabled").unwrap_or(true));
        if !job.bool("Enabled").unwrap_or(true) || !client_enabled {
            continue;
        }
        let Some(sched) = job
            .str("Schedule")
            .and_then(|s| cfg.find(Kind::Schedule, s))
        else {
            continue;
        };
        if !sched.bool("Enabled").unwrap_or(true) {
            continue;
        }
        if let Some(Value::Runs(runs)) = sched.get("Run") {
            lines.extend(runs.iter().map(|r| (job.name.as_str(), r)));
        }
    }
    let mut out = Vec::new();
    if lines.is_empty() {
        return out;
    }
    let mut minute = from - from.rem_euclid(60);
    while minute <= to {
        if minute >= from {
            let t = clock::local(minute);
            for (job, run) in &lines {
                if matches(run, &t) {
                    out.push(Scheduled {
                        at: minute,
                        job: job.to_string(),
                        run: (*run).clone(),
                    });
                }
            }
        }
        minute += 60;
    }
    out
}

/// The run request a scheduled run makes.
pub fn request(s: &Scheduled) -> super::RunRequest {
    super::RunRequest {
        job: s.job.clone(),
        level: s.run.level.clone(),
        priority: s.run.priority.map(i64::from),
        pool: s.run.pool.as_ref().map(|r| r.name.clone()),
        storage: s.run.storage.as_ref().map(|r| r.name.clone()),
        pool_source: Some("Run pool override"),
        storage_source: Some("Run storage override"),
        full_pool: s.run.full_pool.as_ref().map(|r| r.name.clone()),
        inc_pool: s.run.inc_pool.as_ref().map(|r| r.name.clone()),
        diff_pool: s.run.diff_pool.as_ref().map(|r| r.name.clone()),
        sched_time: Some(s.at),
        spool_data: s.run.spool_data,
        accurate: s.run.accurate,
        ..super::RunRequest::default()
    }
}

/// Starts the scheduler thread: at each minute it starts what is due,
/// until the Director shuts down.
pub fn start(director: &Arc<Director>) {
    let d = director.clone();
    let spawned = std::thread::Builder::new()
        .name("scheduler".into())
        .spawn(move || {
            let mut done_until = clock::now();
            while !d.is_shutting_down() {
                let now = clock::now();
                // A clock jump back starts nothing twice; a long stall
                // catches up at most five minutes.
                let from = done_until.max(now - 300);
                if now >= from {
                    for s in runs_between(&d.config(), from, now) {
                        let req = request(&s);
                        match super::start(&d, &req) {
                            Ok(id) => tracing::info!("Schedule started {} as JobId {id}", s.job),
                            Err(e) => tracing::error!("Schedule could not start {}: {e}", s.job),
                        }
                    }
                    done_until = now - now.rem_euclid(60) + 60;
                }
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the scheduler: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_of(line: &str) -> Run {
        let text = format!(
            "Director {{ Name = d; Password = p; QueryFile = q; WorkingDirectory = /tmp; PidDirectory = /tmp; Messages = m }}\n\
             Messages {{ Name = m }}\nCatalog {{ Name = c; DbName = b }}\n\
             Client {{ Name = cl; Address = h; Password = p; Catalog = c }}\n\
             Storage {{ Name = st; Address = h; Password = p; Device = d; MediaType = File }}\n\
             Pool {{ Name = po; PoolType = Backup }}\n\
             FileSet {{ Name = fs; Include {{ File = /srv }} }}\n\
             Job {{ Name = j; Type = Backup; Client = cl; FileSet = fs; Storage = st; Pool = po; Messages = m; Schedule = s }}\n\
             Schedule {{ Name = s; Run = {line} }}\n"
        );
        let cfg = Config::parse_text("t.conf", text.as_bytes()).unwrap();
        match cfg.find(Kind::Schedule, "s").unwrap().get("Run") {
            Some(Value::Runs(r)) => r[0].clone(),
            other => panic!("{other:?}"),
        }
    }

    fn at(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> Local {
        let days = days_from_civil(year, month, day);
        Local {
            year,
            month,
            day,
            hour,
            minute,
            second: 0,
            weekday: (days + 4).rem_euclid(7) as u32,
        }
    }

    #[test]
    fn iso_weeks() {
        assert_eq!(iso_week(2026, 1, 1), 1);
        assert_eq!(iso_week(2027, 1, 1), 53);
        assert_eq!(iso_week(2024, 12, 30), 1);
        assert_eq!(iso_week(2026, 11, 26), 48);
        assert_eq!(at(2026, 11, 26, 0, 0).weekday, 4);
    }

    #[test]
    fn daily_weekly_monthly_lines() {
        let r = run_of("Level=Full daily at 23:05");
        assert!(matches(&r, &at(2026, 11, 26, 23, 5)));
        assert!(!matches(&r, &at(2026, 11, 26, 23, 6)));
        assert!(!matches(&r, &at(2026, 11, 26, 22, 5)));
        let r = run_of("Full 1st sun at 23:05");
        assert!(matches(&r, &at(2026, 11, 1, 23, 5)));
        assert!(!matches(&r, &at(2026, 11, 8, 23, 5)));
        let r = run_of("Incremental mon-sat at 23:05");
        assert!(matches(&r, &at(2026, 11, 28, 23, 5)));
        assert!(!matches(&r, &at(2026, 11, 29, 23, 5)));
        let r = run_of("Differential 2nd-5th sun at 23:05");
        assert!(matches(&r, &at(2026, 11, 8, 23, 5)));
        assert!(!matches(&r, &at(2026, 11, 1, 23, 5)));
        let r = run_of("lastday at 12:00");
        assert!(matches(&r, &at(2026, 2, 28, 12, 0)));
        assert!(matches(&r, &at(2028, 2, 29, 12, 0)));
        assert!(!matches(&r, &at(2028, 2, 28, 12, 0)));
        let r = run_of("hourly at 0:15");
        assert!(matches(&r, &at(2026, 3, 3, 7, 15)));
        let r = run_of("jan 1 at 00:00");
        assert!(matches(&r, &at(2027, 1, 1, 0, 0)));
        assert!(!matches(&r, &at(2027, 2, 1, 0, 0)));
        let r = run_of("w48 at 06:00");
        assert!(matches(&r, &at(2026, 11, 26, 6, 0)));
        assert!(!matches(&r, &at(2026, 12, 3, 6, 0)));
        let r = run_of("15-17 at 10:00");
        assert!(matches(&r, &at(2026, 5, 16, 10, 0)));
        assert!(!matches(&r, &at(2026, 5, 18, 10, 0)));
    }
}
