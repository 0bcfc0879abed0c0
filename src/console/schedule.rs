//! `status schedule` (or `status scheduled`): the runs the scheduler will
//! make in the next days, in bacula-dir 9.6.7's layout (ua_status.c
//! llist_scheduled_jobs): `days=` (10), `limit=` (30; none when only
//! `days=` is given), `time=` (start), `schedule=`, `job=` and
//! `client=` (comma-separated lists).
//!
//! Two things differ from 9.6.7, where it is wrong: it lists a run
//! earlier today that has already passed (its `time_set` is never set),
//! and it shows only the first hour of each day of a Run line, so that
//! `hourly` appears once a day. rdird lists the runs the scheduler
//! will really make.

use super::{Ctx, Reply};
use crate::clock::{self, Local};
use crate::config::{Kind, Resource, Run, Value};
use crate::job::names::{level_letter, level_name, type_letter, type_name};

/// One run to come.
struct Planned<'a> {
    at: i64,
    priority: i64,
    job: &'a Resource,
    schedule: &'a Resource,
    run: &'a Run,
}

/// The comma-separated names of `key=`; empty takes every name.
fn names<'a>(ctx: &'a Ctx<'_, '_>, key: &str) -> Vec<&'a str> {
    ctx.args
        .all(key)
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect()
}

fn included(list: &[&str], name: &str) -> bool {
    list.is_empty() || list.contains(&name)
}

/// A number argument within `0..=max`; out of range is said and `max`
/// taken, as bacula-dir does.
fn bounded(ctx: &Ctx<'_, '_>, out: &mut Reply, key: &str, max: i64, what: &str) -> Option<i64> {
    let v = ctx.args.get(key)?;
    let n: i64 = v.trim().parse().unwrap_or(0);
    if !(0..=max).contains(&n) {
        out.line(format!("Ignoring invalid value for {what}. Max is {max}."));
        return Some(max);
    }
    Some(n)
}

/// The unix times on the local day of `day` at which `run` fires.
fn times_on(run: &Run, day: &Local) -> Vec<i64> {
    (0..24)
        .filter(|h| run.hour & (1 << h) != 0)
        .map(|h| Local {
            hour: h,
            minute: run.minute,
            second: 0,
            ..*day
        })
        .filter(|t| crate::job::schedule::matches(run, t))
        .filter_map(|t| {
            clock::parse_local(&format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:00",
                t.year, t.month, t.day, t.hour, t.minute
            ))
        })
        .collect()
}

pub fn status_schedule(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let mode = ctx.login.api.get();
    let api = mode != super::login::Api::Text;
    let mut limit = bounded(ctx, out, "limit", 2000, "limit");
    let days = bounded(ctx, out, "days", 3000, "days");
    if days.is_some() && limit.is_none() {
        limit = Some(0);
    }
    let (days, limit) = (days.unwrap_or(10), limit.unwrap_or(30));
    let now = match ctx.args.get("time") {
        Some(t) => clock::parse_local(t).unwrap_or_else(|| {
            out.line("Ignoring invalid time.");
            clock::now()
        }),
        None => clock::now(),
    };
    let (jobs, clients) = (names(ctx, "job"), names(ctx, "client"));
    // `status schedule schedule=X`: the first `schedule` is the command's.
    let only_schedule = ctx.args.all("schedule").first().copied();
    let cfg = ctx.director.config();
    let enabled = |r: &Resource| r.bool("Enabled").unwrap_or(true);
    let mut planned = Vec::new();
    for job in cfg.all(Kind::Job) {
        let client = job.str("Client").unwrap_or_default();
        if !ctx.login.may_see_job(&job.name, client) || !enabled(job) {
            continue;
        }
        let Some(schedule) = job
            .str("Schedule")
            .and_then(|s| cfg.find(Kind::Schedule, s))
        else {
            continue;
        };
        if !enabled(schedule)
            || cfg.find(Kind::Client, client).is_some_and(|c| !enabled(c))
            || only_schedule.is_some_and(|s| s != schedule.name)
            || !included(&jobs, &job.name)
            || !included(&clients, client)
        {
            continue;
        }
        let Some(Value::Runs(runs)) = schedule.get("Run") else {
            continue;
        };
        for run in runs {
            let priority = run
                .priority
                .map(i64::from)
                .unwrap_or_else(|| job.int("Priority").unwrap_or(10));
            for day in 0..days {
                let times = times_on(run, &clock::local(now + day * 86_400));
                for at in times.into_iter().filter(|at| *at >= now) {
                    planned.push(Planned {
                        at,
                        priority,
                        job,
                        schedule,
                        run,
                    });
                }
            }
        }
    }
    planned.sort_by(|a, b| (a.at, a.priority, &a.job.name).cmp(&(b.at, b.priority, &b.job.name)));
    if limit > 0 {
        planned.truncate(limit as usize);
    }
    if !api {
        out.line("");
        out.line("Scheduled Jobs:");
        out.line("Level          Type     Pri  Scheduled          Job Name           Schedule");
        out.line(
            "=====================================================================================",
        );
    }
    if mode == super::login::Api::KeyValue {
        key_values(&planned, out);
        return;
    }
    for p in &planned {
        let kind = type_letter(p.job.str("Type").unwrap_or("Backup")).unwrap_or('B');
        let level = match kind {
            'D' | 'R' => type_name(kind).to_string(),
            _ => p
                .run
                .level
                .as_deref()
                .or(p.job.str("Level"))
                .and_then(level_letter)
                .map(level_name)
                .unwrap_or(" ")
                .to_string(),
        };
        let when = scheduled_time(p.at);
        let sep = if api { "\t" } else { " " };
        out.line(format!(
            "{level:<14}{sep}{:<8}{sep}{:>3}{}{when:<18}{sep}{:<18}{sep}{}",
            type_name(kind),
            p.priority,
            if api { "\t" } else { "  " },
            p.job.name,
            p.schedule.name
        ));
    }
    if planned.is_empty() && !api {
        out.line("No Scheduled Jobs.");
    }
    if !api {
        out.line("====");
    }
}

/// `.api 2`: one object per run, as bacula-dir's OutputWriter writes
/// them with its default options (a newline between fields and around
/// each object, times as `_epoch` and ISO).
fn key_values(planned: &[Planned<'_>], out: &mut Reply) {
    let mut text = String::from("scheduled:\n");
    for p in planned {
        let kind = type_letter(p.job.str("Type").unwrap_or("Backup")).unwrap_or('B');
        let level = p
            .run
            .level
            .as_deref()
            .or(p.job.str("Level"))
            .and_then(level_letter)
            .filter(|l| *l != ' ')
            .map(String::from)
            .unwrap_or_default();
        let client = match kind {
            'B' | 'R' => p.job.str("Client").unwrap_or_default(),
            _ => "",
        };
        let t = clock::local(p.at);
        text.push_str(&format!(
            "\nlevel={level}\ntype={kind}\nname={}\nclient={client}\nfileset={}\nschedtime_epoch={}\nschedtime={:04}-{:02}-{:02} {:02}:{:02}:{:02}\npriority={}\nschedule={}\n\n",
            p.job.name,
            p.job.str("Fileset").unwrap_or_default(),
            p.at,
            t.year,
            t.month,
            t.day,
            t.hour,
            t.minute,
            t.second,
            p.priority,
            p.schedule.name
        ));
    }
    text.push('\n');
    out.push(text);
}

/// `Wed 02-Dec 03:00`, as bacula-dir's bstrftime_dn writes it.
fn scheduled_time(at: i64) -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    let t = clock::local(at);
    format!(
        "{} {:02}-{} {:02}:{:02}",
        DAYS[t.weekday as usize % 7],
        t.day,
        t.month_name(),
        t.hour,
        t.minute
    )
}
