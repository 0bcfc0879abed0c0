//! bconsole's numbered selection lists, as bacula-dir's ua_select.c
//! (`start_prompt`, `add_prompt`, `do_prompt`) shows them when a command
//! is given a keyword without its value: a heading, one numbered line
//! per choice, and `Select … (1-N): ` until a number in range (or `.`)
//! is answered.

use super::{Ctx, Reply};

/// How many answers out of range are taken before the selection is
/// given up (bacula-dir asks forever; a script feeding bad lines would
/// keep the session busy for nothing).
const MAX_TRIES: usize = 10;

/// Asks the console to choose one of `items` under `heading`; `what`
/// names the kind of choice ("Job"), `prompt` is the question without
/// its range. One choice is taken without asking, as bacula-dir does.
/// None when the list is empty or the console gave up (both said).
pub fn select(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    heading: &str,
    items: &[String],
    what: &str,
    prompt: &str,
) -> Option<String> {
    match items {
        [] => {
            out.line(format!("Selection list for \"{what}\" is empty!"));
            return None;
        }
        [only] => {
            out.line(format!("Automatically selected {what}: {only}"));
            return Some(only.clone());
        }
        _ => {}
    }
    out.line(heading);
    for (i, item) in items.iter().enumerate() {
        out.line(format!("{:6}: {item}", i + 1));
    }
    for _ in 0..MAX_TRIES {
        let answer = ctx.ask(out, &format!("{prompt} (1-{}): ", items.len()));
        let answer = match answer.as_deref().map(str::trim) {
            None | Some(".") => break,
            Some(a) => a.to_string(),
        };
        match answer.parse::<usize>() {
            Ok(n) if (1..=items.len()).contains(&n) => return Some(items[n - 1].clone()),
            _ => out.line(format!(
                "Please enter a number between 1 and {}",
                items.len()
            )),
        }
    }
    out.line("Selection aborted, nothing done.");
    None
}
