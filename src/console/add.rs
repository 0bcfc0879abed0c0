//! `add pool=… storage=…`: catalog records for volumes that are not
//! labeled yet (bacula-dir's ua_cmds.c add_cmd): one of a fixed name, or
//! a number of them named BASE0001, BASE0002, … from a starting number.
//! As in bacula-dir, the count, the name and the starting number are
//! asked for; rdird also takes them as `count=`, `volume=` and
//! `startnum=`, so that a script need not answer prompts.

use super::login::Acl;
use super::select::named;
use super::{Ctx, Reply};
use crate::config::Kind;
use crate::job::names::is_legal_volume_name;

/// Volumes one `add` makes when the pool has no Maximum Volumes.
const MAX_ADD: i64 = 1000;

/// A number from `key=`, else asked with `prompt` until `ok` takes it
/// (`bad` says why not); None when the console gives up.
fn number(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    key: &str,
    prompt: &str,
    ok: impl Fn(i64) -> bool,
    bad: &str,
) -> Option<i64> {
    let mut given = ctx.args.get(key).map(str::to_string);
    loop {
        let text = match given.take() {
            Some(v) => v,
            None => ctx.ask(out, prompt)?,
        };
        let text = text.trim();
        if text == "." {
            return None;
        }
        match text.parse::<i64>() {
            Ok(n) if ok(n) => return Some(n),
            Ok(_) => out.line(bad),
            Err(_) => out.line("Please enter a number."),
        }
    }
}

/// The volume name, or the base of the names: `volume=`, else asked.
fn base_name(ctx: &Ctx<'_, '_>, out: &mut Reply, fixed: bool) -> Option<String> {
    let prompt = if fixed {
        "Enter Volume name: "
    } else {
        "Enter base volume name: "
    };
    let mut given = ctx.args.get("volume").map(str::to_string);
    loop {
        let name = match given.take() {
            Some(v) => v,
            None => ctx.ask(out, prompt)?.trim().to_string(),
        };
        if name == "." {
            return None;
        }
        if name.is_empty() {
            out.line("Volume name must be at least one character long.");
        } else if name.len() >= crate::config::MAX_NAME_LENGTH + 1 - 10 {
            out.line("Volume name too long.");
        } else if !is_legal_volume_name(&name) {
            out.line(format!(
                "Illegal volume name \"{name}\": use 1 to 127 letters, digits and :.-_"
            ));
        } else {
            return Some(name);
        }
    }
}

pub fn add(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    out.line("You probably don't want to be using this command since it");
    out.line("creates database records without labeling the Volumes.");
    out.line("You probably want to use the \"label\" command.");
    out.line("");
    let cfg = ctx.director.config();
    let acl = &ctx.login.acl;
    let given = ctx.args.get("pool");
    let pool = match given.and_then(|p| cfg.find(Kind::Pool, p)) {
        Some(p) if Acl::allows(&acl.pools, &p.name) => p,
        _ => {
            if let Some(p) = given {
                out.line(format!("Could not find Pool \"{p}\"."));
            }
            let Some(p) = super::volume::choose_pool(ctx, out, &cfg) else {
                return;
            };
            p
        }
    };
    let num_vols = ctx.director.catalog().num_vols(&pool.name).unwrap_or(0);
    let max_vols = pool.int("MaximumVolumes").unwrap_or(0);
    if max_vols > 0 && num_vols >= max_vols {
        // bacula-dir asks for a new Maximum Volumes and writes it in the
        // catalog's Pool record, where the next reload puts back the
        // configuration's; rdird says to change the configuration.
        out.line(format!(
            "Pool already has maximum volumes={max_vols}: raise Maximum Volumes in Pool \"{}\" and reload.",
            pool.name
        ));
        return;
    }
    let Some(storage) = named(ctx, out, &cfg, Kind::Storage, "storage", &acl.storages) else {
        return;
    };
    let media_type = storage.str("MediaType").unwrap_or("File");
    let max = if max_vols == 0 {
        MAX_ADD
    } else {
        max_vols - num_vols
    };
    let Some(count) = number(
        ctx,
        out,
        "count",
        &format!("Enter number of Volumes to create. 0=>fixed name. Max={max}: "),
        |n| (0..=max).contains(&n),
        &format!("The number must be between 0 and {max}"),
    ) else {
        return;
    };
    let Some(base) = base_name(ctx, out, count == 0) else {
        return;
    };
    let names: Vec<String> = if count == 0 {
        vec![base]
    } else {
        let Some(start) = number(
            ctx,
            out,
            "startnum",
            "Enter the starting number: ",
            |n| (1..=i64::from(u32::MAX)).contains(&n),
            "Start number must be greater than zero.",
        ) else {
            return;
        };
        (start..start + count)
            .map(|i| format!("{base}{i:04}"))
            .collect()
    };
    let catalog = ctx.director.catalog();
    for name in &names {
        let created = match catalog.volume_exists(name) {
            Ok(true) => Err(format!(
                "Media record for Volume \"{name}\" already exists."
            )),
            Ok(false) => catalog
                .create_volume(name, pool, media_type, &storage.name)
                .map(drop)
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = created {
            out.line(e);
            return;
        }
    }
    out.line(format!(
        "{} Volumes created in pool {}",
        names.len(),
        pool.name
    ));
}
