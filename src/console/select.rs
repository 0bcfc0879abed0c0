//! bconsole's numbered selection lists, as ua_select.c do_prompt shows
//! them: a header, one `     N: item` line each, and `Select … (1-N): `
//! until a number in range is typed; one item is taken without asking,
//! and `.` (or the console going away) ends the command.

use super::{Ctx, Reply};

/// Asks the console to choose one of `items`; its index, or None when
/// the list is empty or the console gave up. `what` names the kind of
/// item in the messages ("Job", "Pool").
pub fn choose(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    header: &str,
    what: &str,
    prompt: &str,
    items: &[&str],
) -> Option<usize> {
    match items.len() {
        0 => {
            out.line(format!("Selection list for \"{what}\" is empty!"));
            return None;
        }
        1 => {
            out.line(format!("Automatically selected {what}: {}", items[0]));
            return Some(0);
        }
        _ => {}
    }
    out.line(header);
    for (i, item) in items.iter().enumerate() {
        out.line(format!("{:>6}: {item}", i + 1));
    }
    let question = format!("{prompt} (1-{}): ", items.len());
    loop {
        let answer = ctx.ask(out, &question);
        let Some(answer) = answer.map(|a| a.trim().to_string()).filter(|a| a != ".") else {
            out.line("Selection aborted, nothing done.");
            return None;
        };
        match answer.parse::<usize>() {
            Ok(n) if (1..=items.len()).contains(&n) => return Some(n - 1),
            Ok(_) => out.line(format!(
                "Please enter a number between 1 and {}",
                items.len()
            )),
            Err(_) => out.line(format!("Expected a positive integer, got: {answer}")),
        }
    }
}

/// `choose` among resources of one kind: "The defined Job resources
/// are:" … "Select Job resource (1-N): ".
pub fn resource(ctx: &Ctx<'_, '_>, out: &mut Reply, kind: &str, names: &[&str]) -> Option<usize> {
    choose(
        ctx,
        out,
        &format!("The defined {kind} resources are:"),
        kind,
        &format!("Select {kind} resource"),
        names,
    )
}
