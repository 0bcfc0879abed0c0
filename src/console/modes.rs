//! `gui on|off`, `autodisplay on|off` and `automount on|off`: switches of
//! this console session (bacula-dir's ua_output.c gui_cmd and
//! autodisplay_cmd, ua_cmds.c automount_cmd).

use std::cell::Cell;

use super::{Ctx, Reply};

/// `on` or `off` among the arguments.
fn on_off(ctx: &Ctx<'_, '_>) -> Option<bool> {
    if ctx.args.has("on") {
        Some(true)
    } else if ctx.args.has("off") {
        Some(false)
    } else {
        None
    }
}

fn switch(ctx: &Ctx<'_, '_>, out: &mut Reply, mode: &Cell<bool>) {
    match on_off(ctx) {
        Some(on) => mode.set(on),
        None => out.line("ON or OFF keyword missing."),
    }
}

pub fn gui(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    switch(ctx, out, &ctx.login.modes.gui);
}

/// With autodisplay on, the messages queued for this console follow the
/// output of each command (mod.rs `execute`).
pub fn autodisplay(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    switch(ctx, out, &ctx.login.modes.autodisplay);
}

/// `automount` without `on` or `off` asks; as in bacula-dir, any answer
/// but `off` turns it on.
pub fn automount(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let on = match ctx.args.word(0) {
        Some(w) if ctx.args.keys.len() == 2 => !w.eq_ignore_ascii_case("off"),
        _ => match ctx.ask(out, "Turn on or off? ") {
            Some(a) => !a.trim().eq_ignore_ascii_case("off"),
            None => return,
        },
    };
    ctx.login.modes.automount.set(on);
}
