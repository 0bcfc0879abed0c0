//! RunScript, RunBeforeJob and RunAfterJob commands that run on the
//! Director: shell commands with Bacula's `%` substitutions, and console
//! commands. Commands for the client need the file daemon (`peer/`).

use std::process::Command;
use std::sync::Arc;

use super::{names, JobData, JobState};
use crate::config::{Resource, Value};
use crate::director::Director;

/// Before the job runs, or after it ended.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Before,
    After,
}

/// `template` with Bacula's job codes replaced: `%%`, and what `code`
/// gives for a letter (an unknown code is left as written).
pub fn expand(template: &str, code: &dyn Fn(char) -> Option<String>) -> String {
    let mut out = String::new();
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(k) => match code(k) {
                Some(v) => out.push_str(&v),
                None => {
                    out.push('%');
                    out.push(k);
                }
            },
            None => out.push('%'),
        }
    }
    out
}

/// Where a `%` code stands in a command for `/bin/sh`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    None,
    Single,
    Double,
}

/// `value` written so that the shell reads it back as it is, whatever the
/// quoting the command's author put around the code.
fn shell_literal(value: &str, at: Quoting) -> String {
    match at {
        Quoting::None => format!("'{}'", value.replace('\'', "'\\''")),
        Quoting::Single => value.replace('\'', "'\\''"),
        Quoting::Double => value.chars().fold(String::new(), |mut out, c| {
            if matches!(c, '$' | '`' | '"' | '\\') {
                out.push('\\');
            }
            out.push(c);
            out
        }),
    }
}

/// As `expand`, for a command `/bin/sh -c` runs: every value is quoted
/// for the place it lands in (bare, inside '…' or inside "…"), so that a
/// volume or job name from a storage daemon or a script (`$(…)`, `;`,
/// backquotes) reaches the command as one literal word and never runs.
/// bacula-dir 9.6.7 (lib/util.c edit_job_codes) substitutes unquoted.
pub fn expand_for_shell(template: &str, code: &dyn Fn(char) -> Option<String>) -> String {
    let mut out = String::new();
    let mut at = Quoting::None;
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        match (c, at) {
            ('%', _) => match chars.next() {
                Some('%') => out.push('%'),
                Some(k) => match code(k) {
                    Some(v) => out.push_str(&shell_literal(&v, at)),
                    None => {
                        out.push('%');
                        out.push(k);
                    }
                },
                None => out.push('%'),
            },
            ('\\', Quoting::None | Quoting::Double) => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            ('\'', Quoting::None) => {
                at = Quoting::Single;
                out.push(c);
            }
            ('\'', Quoting::Single) | ('"', Quoting::Double) => {
                at = Quoting::None;
                out.push(c);
            }
            ('"', Quoting::None) => {
                at = Quoting::Double;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// A job code as Bacula gives it: `%j` unique job name, `%n` Job name,
/// `%i` JobId, `%l` level, `%t` type, `%c` client, `%f` FileSet, `%d`
/// Director, `%e` exit status (the messages' mail adds the codes only
/// it has: messages::JobCodes).
pub fn job_code(d: &JobData, director: &str, k: char) -> Option<String> {
    Some(match k {
        'j' => d.job_name.clone(),
        'n' => d.job.clone(),
        'i' => d.job_id.to_string(),
        'l' => names::level_name(d.level).to_string(),
        't' => names::type_name(d.job_type).to_string(),
        'c' => d.client.clone(),
        'f' => d.fileset.clone(),
        'd' => director.to_string(),
        // As bacula-dir's job_status_to_str (lib/util.c) words it.
        'e' => match d.status {
            'T' if d.errors > 0 => "OK -- with warnings",
            'T' => "OK",
            'W' => "OK -- with warnings",
            'f' => "Fatal Error",
            'A' => "Canceled",
            'D' => "Differences",
            'I' => "Incomplete",
            'R' | 'C' => "Running",
            _ => "Error",
        }
        .to_string(),
        _ => return None,
    })
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
        let cmd = {
            let d = state.data();
            if s.console {
                expand(&s.command, &|k| job_code(&d, &dir_name, k))
            } else {
                expand_for_shell(&s.command, &|k| job_code(&d, &dir_name, k))
            }
        };
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
                        &format!("Error: Runscript: {label} returned non-zero status={code}. ERR=Child exited with code {code}"),
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
                    &format!("Error: Runscript: {label} could not run \"{cmd}\": {e}"),
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

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_replaced_and_unknown_ones_kept() {
        let code = |k: char| (k == 'c').then(|| "web-fd".to_string());
        assert_eq!(
            super::expand("/var/lib/bacula/%c.bsr", &code),
            "/var/lib/bacula/web-fd.bsr"
        );
        assert_eq!(super::expand("100%% %x %", &code), "100% %x %");
    }

    /// What `/bin/sh` makes of `command`'s words, one per line.
    fn words(command: &str) -> String {
        let out = std::process::Command::new("/bin/sh")
            .arg("-c")
            .arg(format!(
                "for w in {command}; do printf '%s\\n' \"$w\"; done"
            ))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn a_hostile_name_reaches_the_shell_as_one_literal_word_in_any_quoting() {
        let dir = tempfile::tempdir().unwrap();
        let flag = dir.path().join("ran");
        let name = format!("v1;touch {0}`touch {0}`$(touch {0})'\"\\", flag.display());
        let code = |k: char| (k == 'v').then(|| name.clone());
        for template in ["%v", "'%v'", "\"%v\"", "x'%v'y", "\"a %v b\"", "a\\ %v"] {
            let command = super::expand_for_shell(template, &code);
            let got = words(&command);
            let want = template
                .replace('\\', "")
                .replace(['\'', '"'], "")
                .replace("%v", &name);
            assert_eq!(got, format!("{want}\n"), "{template} gave {command}");
        }
        assert!(!flag.exists(), "a quoted name ran a command");
        assert_eq!(super::expand_for_shell("%% %x", &code), "% %x");
    }
}
