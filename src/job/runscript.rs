//! RunScript, RunBeforeJob and RunAfterJob commands that run on the
//! Director: shell commands with Bacula's `%` substitutions, and console
//! commands. Commands for the client need the file daemon (`peer/`).

use std::process::Command;
use std::sync::Arc;

use crate::config::{Resource, Value};
use crate::director::Director;
use crate::python::{names, JobState};

/// Before the job runs, or after it ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Before,
    After,
}

/// The command with `%j`, `%n`, `%i`, `%l`, `%t`, `%c`, `%d`, `%e`, `%%`
/// replaced as Bacula replaces them.
fn substitute(cmd: &str, state: &JobState, director: &str) -> String {
    let d = state.data();
    let mut out = String::new();
    let mut chars = cmd.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('j') => out.push_str(&d.job_name),
            Some('n') => out.push_str(&d.job),
            Some('i') => out.push_str(&d.job_id.to_string()),
            Some('l') => out.push_str(names::level_name(d.level)),
            Some('t') => out.push_str(names::type_name(d.job_type)),
            Some('c') => out.push_str(&d.client),
            Some('d') => out.push_str(director),
            Some('e') => out.push_str(match d.status {
                'T' => "OK",
                'A' => "Canceled",
                'R' | 'C' => "Running",
                _ => "Error",
            }),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

/// Runs the Director-side scripts of `stage`; false when one that must
/// not fail failed.
pub fn run(
    director: &Arc<Director>,
    res: &Resource,
    state: &Arc<JobState>,
    stage: Stage,
    job_ok: bool,
) -> bool {
    let Some(Value::Runscripts(scripts)) = res.get("Runscript") else {
        return true;
    };
    use crate::config::value::RunsWhen;
    let job_id = state.data().job_id;
    let msgs = res.str("Messages");
    let dir_name = director.config().director().name.clone();
    let label = if stage == Stage::Before {
        "BeforeJob"
    } else {
        "AfterJob"
    };
    let mut ok = true;
    for s in scripts.iter().filter(|s| s.runs_on_director()) {
        let due = match (stage, s.when) {
            (Stage::Before, RunsWhen::Before | RunsWhen::Always) => true,
            (Stage::After, RunsWhen::After | RunsWhen::Always) => {
                (job_ok && s.on_success) || (!job_ok && s.on_failure)
            }
            _ => false,
        };
        if !due {
            continue;
        }
        let cmd = substitute(&s.command, state, &dir_name);
        if s.console {
            director.job_message(
                job_id,
                msgs,
                &format!("console command: run {label} \"{cmd}\""),
            );
            let login = crate::console::login::Login::director();
            let reply = crate::console::execute(director, &login, &cmd, &mut |_, _| None);
            for p in reply.packets {
                for line in p.lines() {
                    director.job_message(job_id, msgs, &format!("{label}: {line}"));
                }
            }
            continue;
        }
        director.job_message(
            job_id,
            msgs,
            &format!("shell command: run {label} \"{cmd}\""),
        );
        match Command::new("/bin/sh").arg("-c").arg(&cmd).output() {
            Ok(out) => {
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                for line in text.lines() {
                    director.job_message(job_id, msgs, &format!("{label}: {line}"));
                }
                if !out.status.success() {
                    let code = out.status.code().unwrap_or(-1);
                    director.job_message(
                        job_id,
                        msgs,
                        &format!("Runscript: {label} returned non-zero status={code}. ERR=Child exited with code {code}"),
                    );
                    state.data().errors += 1;
                    if s.fail_on_error {
                        ok = false;
                    }
                }
            }
            Err(e) => {
                director.job_message(
                    job_id,
                    msgs,
                    &format!("Runscript: {label} could not run \"{cmd}\": {e}"),
                );
                state.data().errors += 1;
                if s.fail_on_error {
                    ok = false;
                }
            }
        }
    }
    ok
}
