//! `.help`: the console commands for a GUI's completion (qhelp_cmd in
//! ua_cmds.c): `.help all` one name per line, `.help item=NAME` that
//! command's arguments, `.help` each as `name help -- arguments`. Only
//! commands this Director has are listed, in bacula-dir's order.

use super::super::help::listed;
use super::super::{Ctx, Reply};

pub fn help(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    if ctx.args.has("all") {
        for (name, _, _) in listed() {
            out.line(name);
        }
        return;
    }
    if let Some(item) = ctx.args.get("item") {
        if let Some((_, _, usage)) = listed().into_iter().find(|(n, _, _)| *n == item) {
            out.line(usage);
        }
        return;
    }
    for (name, text, usage) in listed() {
        out.line(format!("{name} {text} -- {usage}"));
    }
}
