//! RunScript, RunBeforeJob and RunAfterJob commands that run on the
//! Director: shell commands with Bacula's `%` substitutions, and console
//! commands. Commands for the client need the file daemon (`peer/`).

use std::io::{BufRead, BufReader};
use std::process::{Command, ExitStatus, Stdio};
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
        let say = |line: &str| director.job_message(job_id, msgs, &format!("{label}: {line}"));
        match run_shell(&cmd, &say) {
            Ok(status) => {
                if !status.success() {
                    let code = status.code().unwrap_or(-1);
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

/// The most of one line of a script's output a message holds (a syslog
/// record's 1023 bytes four times); the rest of the line is left out, and
/// said to be. (bacula-dir 9.6.7 reads it in pieces of 500 bytes,
/// runscript.c `run_command`'s fgets, each a message, and keeps no bound.)
const LINE_MOST: usize = 4096;

/// The most lines of a script's output that become messages; the rest is
/// read and left out, and said to be, so that a script that prints
/// without end fills neither the catalog nor the logs.
const LINES_MOST: usize = 100_000;

/// Runs `cmd` with the shell, its standard output and error on one pipe
/// (as bacula-dir's open_bpipe mode "r"), each line of what it prints
/// given to `say` as it comes: what the Director holds of it is one line
/// of `LINE_MOST` bytes at most, whatever the script prints.
fn run_shell(cmd: &str, say: &dyn Fn(&str)) -> std::io::Result<ExitStatus> {
    let (reader, writer) = pipe()?;
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .spawn()?;
    let (mut cut, mut left_out, mut left_bytes) = (0usize, 0usize, 0u64);
    let mut said = 0usize;
    let mut reader = BufReader::new(reader);
    let mut line = Vec::with_capacity(LINE_MOST);
    loop {
        line.clear();
        let (read, more) = read_line_capped(&mut reader, &mut line)?;
        if read == 0 {
            break;
        }
        if said == LINES_MOST {
            left_out += 1;
            left_bytes += read;
            continue;
        }
        said += 1;
        if more > 0 {
            cut += 1;
        }
        let text = crate::bnet::rawtext::decode(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if more > 0 {
            say(&format!(
                "{text} ... ({more} more bytes of this line left out)"
            ));
        } else {
            say(text);
        }
    }
    if cut > 0 || left_out > 0 {
        say(&format!(
            "the output was {} line(s) of more than {LINE_MOST} bytes, cut; {left_out} line(s) ({left_bytes} bytes) after the first {LINES_MOST} left out",
            cut
        ));
    }
    child.wait()
}

/// A pipe, both ends closed on exec: the end to read, the end to write.
fn pipe() -> std::io::Result<(std::fs::File, std::os::fd::OwnedFd)> {
    use std::os::fd::FromRawFd;
    let mut fds = [0; 2];
    // SAFETY: pipe2(2) fills the two descriptors, which only these owners
    // hold from here on.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: as above.
    unsafe {
        Ok((
            std::fs::File::from_raw_fd(fds[0]),
            std::os::fd::OwnedFd::from_raw_fd(fds[1]),
        ))
    }
}

/// Reads one line (its newline included) into `line`, keeping
/// `LINE_MOST` bytes of it at most; with how many bytes it read and how
/// many it left out.
fn read_line_capped(r: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<(u64, u64)> {
    let (mut read, mut more) = (0u64, 0u64);
    loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((read, more));
        }
        let (piece, done) = match buf.iter().position(|b| *b == b'\n') {
            Some(i) => (&buf[..=i], true),
            None => (buf, false),
        };
        let n = piece.len();
        let room = LINE_MOST.saturating_sub(line.len()).min(n);
        line.extend_from_slice(&piece[..room]);
        more += (n - room) as u64;
        read += n as u64;
        r.consume(n);
        if done {
            return Ok((read, more));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_long_line_keeps_its_beginning_and_counts_the_rest() {
        let text = format!("{}\nshort\n", "x".repeat(super::LINE_MOST + 5));
        let mut r = std::io::BufReader::with_capacity(7, text.as_bytes());
        let mut line = Vec::new();
        assert_eq!(
            super::read_line_capped(&mut r, &mut line).unwrap(),
            (super::LINE_MOST as u64 + 6, 6)
        );
        assert_eq!(line.len(), super::LINE_MOST);
        line.clear();
        assert_eq!(super::read_line_capped(&mut r, &mut line).unwrap(), (6, 0));
        assert_eq!(line, b"short\n");
    }

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
