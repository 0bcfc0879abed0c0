//! `python restart`: reload DirStartUp.py in a fresh interpreter; the old
//! script stays if the new one does not load.

use super::{Ctx, Reply};

pub fn python(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    if !ctx
        .args
        .word(0)
        .is_some_and(|w| w.eq_ignore_ascii_case("restart"))
    {
        out.line("Nothing done.");
        return;
    }
    match ctx.director.scripts() {
        None => out.line("Python scripting is off: the Director has no Scripts Directory."),
        Some(host) => match host.restart() {
            Ok(()) => out.line("Python interpreter restarted."),
            Err(e) => {
                out.line("Python interpreter not restarted; the previous script stays in service:");
                for l in e.lines() {
                    out.line(l);
                }
            }
        },
    }
}
