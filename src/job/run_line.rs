//! A `run` command line as bacula-dir reads it (ua_run.c
//! scan_run_command_line_arguments): keywords in any order, each at most
//! once, and a first bare word that is no keyword taken as the job name
//! (`run kernsave`). Consoles and scripts' `job.run` both start jobs
//! through it.

use crate::console::Args;

use super::RunRequest;

/// bacula-dir 9.6.7's `run` keywords this Director does not apply to a run;
/// a line naming one is refused rather than run without it.
const NOT_APPLIED: &[&str] = &[
    "alljobid",
    "jobid",
    "bootstrap",
    "replace",
    "verifyjob",
    "files",
    "catalog",
    "since",
    "cloned",
    "verifylist",
    "migrationjob",
    "backupclient",
    "restoreclient",
    "pluginoptions",
    "ignoreduplicatecheck",
    "mediatype",
    "nextpool",
    "fdcalled",
];

/// A `yes`/`no` flag's value, as bacula-dir's is_yesno reads it.
fn yes_no(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "yes" => Some(true),
        "no" => Some(false),
        _ => None,
    }
}

/// Sets a flag once: `run … accurate=yes`, refused as bacula-dir refuses
/// it ("Accurate flag specified twice.", "Invalid accurate flag.").
fn flag(slot: &mut Option<bool>, value: &str, what: &str, key: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("{what} flag specified twice."));
    }
    *slot = Some(yes_no(value).ok_or_else(|| format!("Invalid {key} flag."))?);
    Ok(())
}

/// A comment the catalog keeps, as bacula-dir's is_comment_legal takes
/// it: none of `'<>&\"`, shorter than a name (128 bytes), not empty.
fn legal_comment(comment: &str) -> Result<(), String> {
    if let Some(c) = comment.chars().find(|c| "'<>&\\\"".contains(*c)) {
        return Err(format!("Illegal character \"{c}\" in a comment."));
    }
    match comment.len() {
        0 => Err("Comment must be at least one character long.".into()),
        n if n >= 128 => Err("Comment too long.".into()),
        _ => Ok(()),
    }
}

/// A start time as bacula-dir reads `when=` (ua_run.c: str_to_utime,
/// then duration_to_utime): a local time, or a duration from now.
pub fn parse_when(w: &str) -> Option<i64> {
    crate::clock::parse_local(w)
        .or_else(|| crate::config::units::parse_duration(w).map(|d| crate::clock::now() + d))
}

/// A `run` line that names no job: a console then offers the Job
/// resources to choose from.
pub const NO_JOB: &str = "run needs job=<Job name>";

/// Sets `slot` to `value` unless it was set already (`what` names it).
fn once(slot: &mut Option<String>, value: &str, what: &str) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("{what} specified twice."));
    }
    *slot = Some(value.to_string());
    Ok(())
}

impl RunRequest {
    /// Reads the words of a `run` command (`args`' first word is the
    /// command itself): `[job=]NAME level=… pool=… storage=… client=…
    /// fileset=… priority=… when=… yes`, in any order.
    pub fn parse(args: &Args) -> Result<RunRequest, String> {
        // bacula-dir's pool_source and store_source for what the command
        // line names (ua_run.c set_run_context_in_jcr, get_storage).
        let mut req = RunRequest {
            pool_source: Some("Command input"),
            storage_source: Some("Command input"),
            ..RunRequest::default()
        };
        let (mut job, mut level, mut priority, mut when) = (None, None, None, None);
        for (key, value) in args.keys.iter().zip(&args.values).skip(1) {
            let k = key.to_ascii_lowercase();
            let Some(v) = value.as_deref() else {
                match k.as_str() {
                    "yes" => {}
                    _ if job.is_none() && !NOT_APPLIED.contains(&k.as_str()) => {
                        job = Some(key.clone());
                    }
                    _ => return Err(format!("Value missing for keyword {key}")),
                }
                continue;
            };
            match k.as_str() {
                "job" | "jobname" => once(&mut job, v, "Job name")?,
                "level" => once(&mut level, v, "Level")?,
                "priority" => once(&mut priority, v, "Priority")?,
                "when" => once(&mut when, v, "When")?,
                "pool" => once(&mut req.pool, v, "Pool")?,
                "storage" | "sd" => once(&mut req.storage, v, "Storage")?,
                "client" | "fd" => once(&mut req.client, v, "Client")?,
                "fileset" => once(&mut req.fileset, v, "FileSet")?,
                "where" | "regexwhere" => once(&mut req.where_to, v, "Where or RegexWhere")?,
                "spooldata" => flag(&mut req.spool_data, v, "Spool", "spooldata")?,
                "accurate" => flag(&mut req.accurate, v, "Accurate", "accurate")?,
                "comment" => {
                    legal_comment(v)?;
                    req.comment = Some(v.to_string());
                }
                "yes" => {}
                _ if NOT_APPLIED.contains(&k.as_str()) => {
                    return Err(format!("{key}= is not supported by this Director's run"))
                }
                _ => return Err(format!("Invalid keyword: {key}")),
            }
        }
        req.job = job.ok_or(NO_JOB)?;
        req.level = level;
        req.priority = match priority {
            Some(p) => Some(
                p.parse::<i64>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| format!("priority={p} is not a positive number"))?,
            ),
            None => None,
        };
        // A time, or a duration from now, as bacula-dir 9.6.7 takes it
        // (ua_run.c: str_to_utime, then duration_to_utime). Where 9.6.7
        // runs a job whose when= it cannot read at once ("Invalid time,
        // using current time."), this Director refuses it.
        req.sched_time = match when {
            Some(w) => Some(parse_when(&w).ok_or_else(|| {
                format!("when={w} is not a time: give YYYY-MM-DD HH:MM:SS or a duration")
            })?),
            None => None,
        };
        Ok(req)
    }

    /// Why the job cannot run as asked, if it cannot: `where=` belongs
    /// to restores, which the restore command starts.
    pub fn unsupported(&self) -> Option<String> {
        self.where_to.as_ref().map(|_| {
            "where= applies to restores: start a restore with the restore command.".to_string()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<RunRequest, String> {
        RunRequest::parse(&Args::parse(line))
    }

    #[test]
    fn the_job_name_may_be_a_bare_word_or_a_keyword_anywhere() {
        for line in [
            "run kernsave",
            "run job=kernsave",
            "run job=kernsave level=Full yes",
            "run level=Full job=kernsave",
            "run yes kernsave level=Full",
            "run kernsave level=Full priority=5 pool=Default storage=File yes",
        ] {
            assert_eq!(parse(line).map(|r| r.job), Ok("kernsave".into()), "{line}");
        }
        let r = parse("run priority=5 pool=P storage=S client=c-fd fileset=F kernsave").unwrap();
        assert_eq!(r.priority, Some(5));
        assert_eq!(r.pool.as_deref(), Some("P"));
        assert_eq!(r.storage.as_deref(), Some("S"));
        assert_eq!(r.client.as_deref(), Some("c-fd"));
        assert_eq!(r.fileset.as_deref(), Some("F"));
        let r = parse("run a spooldata=yes accurate=no comment=\"by hand\"").unwrap();
        assert_eq!((r.spool_data, r.accurate), (Some(true), Some(false)));
        assert_eq!(r.comment.as_deref(), Some("by hand"));
        assert_eq!(r.pool_source, Some("Command input"));
    }

    #[test]
    fn bad_lines_are_refused_with_the_reason() {
        for (line, why) in [
            ("run", "run needs job=<Job name>"),
            ("run kernsave other", "Value missing for keyword other"),
            ("run job=a job=b", "Job name specified twice."),
            ("run a level=Full level=Incr", "Level specified twice."),
            ("run a bogus=1", "Invalid keyword: bogus"),
            ("run a since=2020-01-01", "since= is not supported"),
            ("run a priority=0", "priority=0 is not a positive number"),
            ("run a when=soon", "when=soon is not a time"),
            ("run a spooldata=maybe", "Invalid spooldata flag."),
            (
                "run a accurate=yes accurate=no",
                "Accurate flag specified twice.",
            ),
            (
                "run a comment=\"it's\"",
                "Illegal character \"'\" in a comment.",
            ),
            (
                "run a comment=\"\"",
                "Comment must be at least one character long.",
            ),
        ] {
            let got = parse(line).map(|r| r.job);
            assert!(
                got.as_ref().is_err_and(|e| e.starts_with(why)),
                "{line}: {got:?}"
            );
        }
    }

    #[test]
    fn when_is_a_local_time_or_a_duration_from_now() {
        let r = parse("run a when=\"2030-01-02 03:04:05\"").unwrap();
        let t = r.sched_time.unwrap();
        assert_eq!(crate::clock::local(t).sql(), "2030-01-02 03:04:05");
        let before = crate::clock::now();
        let later = parse("run a when=\"10 min\"").unwrap().sched_time.unwrap();
        assert!((before + 600..=crate::clock::now() + 600).contains(&later));
    }
}
