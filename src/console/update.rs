//! `update`: a volume's record (every field bacula-dir 9.6.7's
//! ua_update.c update_volume sets, by keyword or from its "Parameters to
//! modify:" menu), a pool's record from its resource, the long term
//! statistics, and a job's record (`update jobid=N`).
//!
//! Every value is read and checked before it reaches the catalog, and
//! bound as a parameter: bacula-dir 9.6.7 pastes `maxvoljobs=` and
//! `maxvolfiles=` into its SQL as typed (update_volmaxjobs,
//! update_volmaxfiles), so `maxvoljobs="1, VolStatus='Purged'"` changes
//! more than it says. A restricted console updates only volumes of its
//! PoolACL and moves them only to pools of it; bacula-dir checks neither
//! (select_media_dbr has no ACL check).

use super::login::Acl;
use super::{select, Ctx, Reply};
use crate::catalog::{VolumeNumber, VolumeSettings, VOL_STATUSES};
use crate::config::units::{parse_duration, parse_size};
use crate::config::Kind;
use crate::console::show::utime;

/// The keywords of `update volume=…`, in the order bacula-dir applies
/// them.
const VOLUME_KEYWORDS: &[&str] = &[
    "volstatus",
    "volretention",
    "voluse",
    "maxvoljobs",
    "maxvolfiles",
    "maxvolbytes",
    "recycle",
    "inchanger",
    "slot",
    "pool",
    "frompool",
    "allfrompool",
    "enabled",
    "recyclepool",
    "actiononpurge",
    "fromallpools",
    "cacheretention",
];

/// The items of the "Parameters to modify:" menu.
const MENU: &[&str] = &[
    "Volume Status",
    "Volume Retention Period",
    "Volume Use Duration",
    "Maximum Volume Jobs",
    "Maximum Volume Files",
    "Maximum Volume Bytes",
    "Recycle Flag",
    "Slot",
    "InChanger Flag",
    "Volume Files",
    "Pool",
    "Volume from Pool",
    "All Volumes from Pool",
    "All Volumes from all Pools",
    "Enabled",
    "RecyclePool",
    "Action On Purge",
    "Cache Retention",
    "Done",
];

pub fn update(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let a = ctx.args;
    let choice = [
        "media", "volume", "pool", "slots", "slot", "jobid", "stats", "snap", "snapshot",
    ]
    .iter()
    .position(|k| a.has(k));
    let choice = match choice {
        Some(0 | 1) => 0,
        Some(2) => 1,
        Some(3 | 4) => 2,
        Some(5) => return job(ctx, out),
        Some(6) => 3,
        Some(_) => 4,
        None => {
            let items = [
                "Volume parameters",
                "Pool from resource",
                "Slots from autochanger",
                "Long term statistics",
                "Snapshot parameters",
            ];
            match select::choose(
                ctx,
                out,
                "Update choice:",
                "item",
                "Choose catalog item to update",
                &items,
            ) {
                Some(n) => n,
                None => return,
            }
        }
    };
    match choice {
        0 => volume(ctx, out),
        1 => pool(ctx, out),
        2 => out.line("This Director has no autochanger: its storage is file-based, so there are no slots to update."),
        3 => stats(ctx, out),
        _ => out.line("Snapshots do not apply to this Director: it has no snapshot support."),
    }
}

/// The volume the command names (`volume=`, `media=`) or the console
/// picks, when the console may see it; its settings.
fn select_volume(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<VolumeSettings> {
    let named = ctx
        .args
        .get("volume")
        .or(ctx.args.get("media"))
        .map(String::from)
        .filter(|v| !v.is_empty());
    let name = match named {
        Some(n) => n,
        None => {
            let cfg = ctx.director.config();
            let pool = super::volume::choose_pool(ctx, out, &cfg)?.name.clone();
            super::list::pool_volumes(ctx, out, &pool);
            ctx.ask(out, "Enter a Volume name or *MediaId: ")?
                .trim()
                .to_string()
        }
    };
    let catalog = ctx.director.catalog();
    let found = match name.strip_prefix('*') {
        Some(id) => id
            .parse::<i64>()
            .ok()
            .and_then(|id| catalog.volume_name(id).ok().flatten()),
        None => Some(name.clone()),
    };
    let settings = found.and_then(|n| catalog.volume_settings(&n).ok().flatten());
    match settings {
        Some(s) if Acl::allows(&ctx.login.acl.pools, &s.pool) => Some(s),
        _ => {
            out.line(format!("Volume \"{name}\" not found."));
            None
        }
    }
}

/// `update volume=NAME keyword=value …`, or the menu when no keyword is
/// given.
fn volume(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let a = ctx.args;
    let mut done = false;
    let mut vol: Option<VolumeSettings> = None;
    for (i, k) in VOLUME_KEYWORDS.iter().enumerate() {
        let bare = *k == "frompool" || *k == "fromallpools";
        let value = if bare {
            a.has(k).then_some("")
        } else {
            a.get(k)
        };
        let Some(value) = value else {
            continue;
        };
        if *k != "allfrompool" && *k != "fromallpools" && vol.is_none() {
            vol = select_volume(ctx, out);
            if vol.is_none() {
                return;
            }
        }
        done = true;
        let ok = match (i, &vol) {
            (10, Some(v)) => {
                from_pool(ctx, out, Some(&v.name), None);
                return;
            }
            (11, _) => {
                all_from_pool(ctx, out, value);
                return;
            }
            (15, _) => all_from_all_pools(ctx, out),
            (_, Some(v)) => set(ctx, out, v, k, value),
            (_, None) => true,
        };
        if !ok {
            return;
        }
        if let Some(v) = &vol {
            vol = ctx
                .director
                .catalog()
                .volume_settings(&v.name)
                .ok()
                .flatten();
        }
    }
    if !done {
        menu(ctx, out);
    }
}

/// Sets one field of the volume from the console's text; false when the
/// value was refused.
fn set(ctx: &Ctx<'_, '_>, out: &mut Reply, v: &VolumeSettings, keyword: &str, value: &str) -> bool {
    let catalog = ctx.director.catalog();
    let number = |what: VolumeNumber, n: i64, said: String, out: &mut Reply| match catalog
        .set_volume_number(&v.name, what, n)
    {
        Ok(_) => {
            out.line(said);
            true
        }
        Err(e) => {
            out.line(format!("Update failed: {e}"));
            false
        }
    };
    let yes_no = |text: &str| match text.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "1" | "true" => Some(1),
        "no" | "n" | "0" | "false" => Some(0),
        _ => None,
    };
    let count = |text: &str| text.trim().parse::<u32>().ok().map(i64::from);
    match keyword {
        "volstatus" => {
            drop(catalog);
            status(ctx, out, v, value)
        }
        "volretention" | "voluse" | "cacheretention" => {
            let Some(secs) = parse_duration(value) else {
                let what = match keyword {
                    "volretention" => "retention period",
                    "voluse" => "use duration",
                    _ => "cache retention period",
                };
                out.line(format!("Invalid {what} specified: {value}"));
                return false;
            };
            let (what, said) = match keyword {
                "volretention" => (VolumeNumber::Retention, "New retention period is"),
                "voluse" => (VolumeNumber::UseDuration, "New use duration is"),
                _ => (
                    VolumeNumber::CacheRetention,
                    "New Cache Retention period is",
                ),
            };
            number(what, secs, format!("{said}: {}", utime(secs)), out)
        }
        "maxvoljobs" | "maxvolfiles" => {
            let Some(n) = count(value) else {
                out.line(format!("Invalid number specified: {value}"));
                return false;
            };
            let (what, said) = if keyword == "maxvoljobs" {
                (VolumeNumber::MaxJobs, "New max jobs is")
            } else {
                (VolumeNumber::MaxFiles, "New max files is")
            };
            number(what, n, format!("{said}: {n}"), out)
        }
        "maxvolbytes" => match parse_size(value).and_then(|b| i64::try_from(b).ok()) {
            Some(b) => number(
                VolumeNumber::MaxBytes,
                b,
                format!("New Max bytes is: {b}"),
                out,
            ),
            None => {
                out.line(format!("Invalid max. bytes specification: {value}"));
                false
            }
        },
        "recycle" | "inchanger" => {
            let Some(flag) = yes_no(value) else {
                out.line("Invalid value. It must be yes or no.");
                return false;
            };
            let (what, said) = if keyword == "recycle" {
                (VolumeNumber::Recycle, "New Recycle flag is")
            } else {
                (VolumeNumber::InChanger, "New InChanger flag is")
            };
            let word = if flag == 1 { "yes" } else { "no" };
            number(what, flag, format!("{said}: {word}"), out)
        }
        "slot" => match value.trim().parse::<i64>() {
            Ok(n) if n >= 0 => number(VolumeNumber::Slot, n, format!("New Slot is: {n}"), out),
            _ => {
                out.line("Invalid slot, it must be greater than zero");
                false
            }
        },
        "enabled" => {
            let n = match value.trim().to_ascii_lowercase().as_str() {
                "yes" | "true" | "1" => 1,
                "no" | "false" | "0" => 0,
                "archived" | "2" => 2,
                _ => {
                    out.line("Invalid Enabled value, it must be yes, no, archived, 0, 1, or 2");
                    return false;
                }
            };
            number(
                VolumeNumber::Enabled,
                n,
                format!("New Enabled is: {n}"),
                out,
            )
        }
        "actiononpurge" => {
            let truncate = value.trim().eq_ignore_ascii_case("truncate");
            let said = if truncate { "Truncate" } else { "None" };
            number(
                VolumeNumber::ActionOnPurge,
                i64::from(truncate),
                format!("New ActionOnPurge is: {said}"),
                out,
            )
        }
        "pool" | "recyclepool" => {
            drop(catalog);
            move_to_pool(ctx, out, v, keyword, value)
        }
        _ => true,
    }
}

/// `volstatus=`: bacula-dir's statuses but Purged, which `purge volume`
/// sets once no job is left. bacula-dir lets `volstatus=Recycle` through
/// on a volume that still holds jobs, which lets the next backup
/// overwrite them; here Recycle needs a volume with no job left on it.
fn status(ctx: &Ctx<'_, '_>, out: &mut Reply, v: &VolumeSettings, value: &str) -> bool {
    let Some(s) = VOL_STATUSES
        .iter()
        .find(|s| s.eq_ignore_ascii_case(value) && **s != "Purged")
    else {
        out.line(format!("Invalid VolStatus specified: {value}"));
        return false;
    };
    let catalog = ctx.director.catalog();
    if *s == "Recycle" {
        match catalog.volume_job_count(&v.name) {
            Ok(0) => {}
            Ok(jobs) => {
                out.line(format!(
                    "Volume \"{}\" still holds {jobs} job{}: purge it before it is recycled.",
                    v.name,
                    if jobs == 1 { "" } else { "s" }
                ));
                return false;
            }
            Err(e) => {
                out.line(format!("Update failed: {e}"));
                return false;
            }
        }
    }
    match catalog.set_volume_status(&v.name, s) {
        Ok(_) => {
            out.line(format!("New Volume status is: {s}"));
            true
        }
        Err(e) => {
            out.line(format!("Update failed: {e}"));
            false
        }
    }
}

/// `pool=` or `recyclepool=` (empty: none): a pool of the configuration
/// and of the PoolACL.
fn move_to_pool(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    v: &VolumeSettings,
    keyword: &str,
    pool: &str,
) -> bool {
    let cfg = ctx.director.config();
    let recycle = keyword == "recyclepool";
    if !(recycle && pool.is_empty())
        && (cfg.find(Kind::Pool, pool).is_none() || !Acl::allows(&ctx.login.acl.pools, pool))
    {
        out.line(format!("Pool \"{pool}\" not found."));
        return false;
    }
    let catalog = ctx.director.catalog();
    let done = if recycle {
        let p = Some(pool).filter(|p| !p.is_empty());
        catalog
            .set_recycle_pool(&v.name, p)
            .map(|_| format!("New RecyclePool is: {}", p.unwrap_or("*None*")))
    } else {
        catalog
            .move_volume(&v.name, pool)
            .map(|_| format!("New Pool is: {pool}"))
    };
    match done {
        Ok(said) => {
            out.line(said);
            true
        }
        Err(e) => {
            out.line(format!("Update failed: {e}"));
            false
        }
    }
}

/// `frompool`: the volume takes its pool record's settings.
fn from_pool(ctx: &Ctx<'_, '_>, out: &mut Reply, volume: Option<&str>, pool: Option<&str>) {
    match ctx
        .director
        .catalog()
        .volume_defaults_from_pool(volume, pool)
    {
        Ok(_) => {}
        Err(e) => {
            out.line(format!("Error updating Volume record: ERR={e}"));
            return;
        }
    }
    let name = match (volume, pool) {
        (Some(v), _) => ctx
            .director
            .catalog()
            .volume_pool(v)
            .ok()
            .flatten()
            .unwrap_or_default(),
        (None, Some(p)) => p.to_string(),
        _ => String::new(),
    };
    if volume.is_some() {
        out.line(format!(
            "Volume defaults updated from \"{name}\" Pool record."
        ));
    } else {
        out.line(format!(
            "All Volume defaults updated from \"{name}\" Pool record."
        ));
    }
}

/// `allfrompool=POOL`: every volume of the pool takes its settings.
fn all_from_pool(ctx: &Ctx<'_, '_>, out: &mut Reply, pool: &str) {
    let known = ctx.director.config().find(Kind::Pool, pool).is_some();
    if !known || !Acl::allows(&ctx.login.acl.pools, pool) {
        out.line(format!("Pool \"{pool}\" not found."));
        return;
    }
    from_pool(ctx, out, None, Some(pool));
}

/// `fromallpools`: every volume of every pool of the PoolACL takes its
/// pool's settings.
fn all_from_all_pools(ctx: &Ctx<'_, '_>, out: &mut Reply) -> bool {
    let pools: Vec<String> = ctx
        .director
        .config()
        .all(Kind::Pool)
        .filter(|p| Acl::allows(&ctx.login.acl.pools, &p.name))
        .map(|p| p.name.clone())
        .collect();
    for p in pools {
        from_pool(ctx, out, None, Some(&p));
    }
    true
}

/// The "Parameters to modify:" menu, until Done.
fn menu(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    loop {
        let Some(i) = select::choose(
            ctx,
            out,
            "Parameters to modify:",
            "",
            "Select parameter to modify",
            MENU,
        ) else {
            return;
        };
        if i == 18 {
            out.line("Selection terminated.");
            return;
        }
        if i == 12 {
            let pools: Vec<String> = ctx
                .director
                .config()
                .all(Kind::Pool)
                .filter(|p| Acl::allows(&ctx.login.acl.pools, &p.name))
                .map(|p| p.name.clone())
                .collect();
            let names: Vec<&str> = pools.iter().map(String::as_str).collect();
            if let Some(n) = select::among(ctx, out, "Pool", &names) {
                from_pool(ctx, out, None, Some(names[n]));
            }
            return;
        }
        if i == 13 {
            all_from_all_pools(ctx, out);
            return;
        }
        let Some(v) = select_volume(ctx, out) else {
            return;
        };
        out.line(format!("Updating Volume \"{}\"", v.name));
        let (keyword, answer) = match i {
            0 => match new_status(ctx, out, &v) {
                Some(s) => ("volstatus", Some(s)),
                None => return,
            },
            9 => {
                volume_files(ctx, out, &v);
                continue;
            }
            11 => {
                from_pool(ctx, out, Some(&v.name), None);
                return;
            }
            _ => {
                let (keyword, current, prompt) = menu_field(i, &v);
                out.line(current);
                (keyword, ctx.ask(out, &prompt).map(|a| a.trim().to_string()))
            }
        };
        let Some(answer) = answer.filter(|a| a != ".") else {
            return;
        };
        set(ctx, out, &v, keyword, &answer);
        if keyword == "pool" || keyword == "recyclepool" {
            return;
        }
    }
}

/// Menu item "Volume Status": the status the console picks among those
/// it may set (Recycle only on a Purged volume).
fn new_status(ctx: &Ctx<'_, '_>, out: &mut Reply, v: &VolumeSettings) -> Option<String> {
    out.line(format!("Current Volume status is: {}", v.status));
    let mut statuses = vec!["Append", "Archive", "Disabled", "Full", "Used", "Cleaning"];
    if v.status == "Purged" {
        statuses.push("Recycle");
    }
    statuses.push("Read-Only");
    select::choose(
        ctx,
        out,
        "Possible Values are:",
        "",
        "Choose new Volume Status",
        &statuses,
    )
    .map(|n| statuses[n].to_string())
}

/// A menu item that asks for one value, as ua_update.c asks it: the
/// keyword `set` takes, the line saying the current value, the prompt.
fn menu_field(item: usize, v: &VolumeSettings) -> (&'static str, String, String) {
    use VolumeNumber::*;
    let n = |what: VolumeNumber| v.number(what);
    let (keyword, current, prompt) = match item {
        1 => (
            "volretention",
            format!("Current retention period is: {}", utime(n(Retention))),
            "Enter Volume Retention period: ",
        ),
        2 => (
            "voluse",
            format!("Current use duration is: {}", utime(n(UseDuration))),
            "Enter Volume Use Duration: ",
        ),
        3 => (
            "maxvoljobs",
            format!("Current max jobs is: {}", n(MaxJobs)),
            "Enter new Maximum Jobs: ",
        ),
        4 => (
            "maxvolfiles",
            format!("Current max files is: {}", n(MaxFiles)),
            "Enter new Maximum Files: ",
        ),
        5 => (
            "maxvolbytes",
            format!("Current value is: {}", n(MaxBytes)),
            "Enter new Maximum Bytes: ",
        ),
        6 => (
            "recycle",
            format!(
                "Current recycle flag is: {}",
                if n(Recycle) == 1 { "yes" } else { "no" }
            ),
            "Enter new Recycle status: ",
        ),
        7 => (
            "slot",
            format!("Current Slot is: {}", n(Slot)),
            "Enter new Slot: ",
        ),
        8 => {
            return (
                "inchanger",
                format!("Current InChanger flag is: {}", n(InChanger)),
                format!("Set InChanger flag for Volume \"{}\": yes/no: ", v.name),
            )
        }
        10 => (
            "pool",
            format!("Current Pool is: {}", v.pool),
            "Enter new Pool name: ",
        ),
        14 => (
            "enabled",
            format!("Current Enabled is: {}", n(Enabled)),
            "Enter new Enabled: ",
        ),
        15 => (
            "recyclepool",
            match &v.recycle_pool {
                Some(p) => format!("Current RecyclePool is: {p}"),
                None => "No current RecyclePool".to_string(),
            },
            "Enter new RecyclePool name: ",
        ),
        16 => (
            "actiononpurge",
            format!(
                "Current ActionOnPurge is: {}",
                if n(ActionOnPurge) == 1 {
                    "Truncate"
                } else {
                    "None"
                }
            ),
            "Enter new ActionOnPurge (one of: Truncate, None): ",
        ),
        _ => (
            "cacheretention",
            format!(
                "Current Cache Retention period is: {}",
                utime(n(CacheRetention))
            ),
            "Enter Cache Retention period: ",
        ),
    };
    (keyword, current, prompt.to_string())
}

/// Menu item "Volume Files": the file count the storage daemon keeps on
/// the volume, which a wrong value makes it refuse to append.
fn volume_files(ctx: &Ctx<'_, '_>, out: &mut Reply, v: &VolumeSettings) {
    out.line("Warning changing Volume Files can result");
    out.line("in loss of data on your Volume");
    out.line("");
    let current = v.number(VolumeNumber::Files);
    out.line(format!("Current Volume Files is: {current}"));
    let Some(n) = ctx
        .ask(out, "Enter new number of Files for Volume: ")
        .and_then(|a| a.trim().parse::<u32>().ok())
        .map(i64::from)
    else {
        return;
    };
    if n != current + 1 {
        out.line("Normally, you should only increase Volume Files by one!");
        let yes = ctx
            .ask(out, "Increase Volume Files? (yes/no): ")
            .is_some_and(|a| a.trim().eq_ignore_ascii_case("yes"));
        if !yes {
            return;
        }
    }
    match ctx
        .director
        .catalog()
        .set_volume_number(&v.name, VolumeNumber::Files, n)
    {
        Ok(_) => out.line(format!("New Volume Files is: {n}")),
        Err(e) => out.line(format!("Update failed: {e}")),
    }
}

/// `update pool=NAME`: the pool's record from its resource, then the
/// record as it is now.
fn pool(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let pools: Vec<&crate::config::Resource> = cfg
        .all(Kind::Pool)
        .filter(|p| Acl::allows(&ctx.login.acl.pools, &p.name))
        .collect();
    let named = ctx.args.get("pool").filter(|p| !p.is_empty());
    let pool = match named {
        Some(n) => match pools.iter().find(|p| p.name == n) {
            Some(p) => *p,
            None => {
                out.line(format!("Pool \"{n}\" not found."));
                return;
            }
        },
        None => {
            let names: Vec<&str> = pools.iter().map(|p| p.name.as_str()).collect();
            match select::among(ctx, out, "Pool", &names) {
                Some(n) => pools[n],
                None => return,
            }
        }
    };
    if let Err(e) = ctx.director.catalog().sync_pool(pool) {
        out.line(format!("db_update_pool_record returned 0. ERR={e}"));
        return;
    }
    super::list::show_query(
        ctx,
        out,
        super::list::Layout::Table,
        "pools",
        "SELECT * FROM Pool WHERE Name = ?",
        &[rusqlite::types::Value::Text(pool.name.clone())],
        0,
    );
    out.line("Pool DB record updated from resource.");
}

/// `update stats [days=N]`: the jobs older than N days (0) copied into
/// the long term statistics.
fn stats(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let days = match ctx.args.get("days").map(|d| d.trim().parse::<i64>()) {
        None => 0,
        Some(Ok(d)) if d >= 0 => d,
        Some(_) => {
            out.line(format!(
                "\"{}\" is not a number of days.",
                ctx.args.get("days").unwrap_or("")
            ));
            return;
        }
    };
    let before = crate::clock::now() - days.saturating_mul(86_400);
    match ctx.director.catalog().update_job_history(before) {
        Ok(n) => out.line(format!("Updating {n} job(s).")),
        Err(e) => out.line(format!("Update failed: {e}")),
    }
}

/// `update jobid=N starttime=… client=… pool=…`: a job's record moved in
/// time, to another client, or (with its volumes) to another pool; `priority=`
/// is told to the running job. The job must be one the console may see.
fn job(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let a = ctx.args;
    let id = match a.jobid() {
        Ok(Some(id)) if id > 0 => id,
        Ok(_) => {
            out.line("Expect JobId keyword, not found.");
            return;
        }
        Err(e) => {
            out.line(e);
            return;
        }
    };
    let catalog = ctx.director.catalog();
    match ctx.login.visible_job(&catalog, id) {
        Ok(Some(_)) => {}
        Ok(None) => {
            out.line(format!("No Job found for JobId {id}"));
            return;
        }
        Err(e) => {
            out.line(format!("Update failed: {e}"));
            return;
        }
    }
    drop(catalog);
    let (start, client, priority, pool) = (
        a.get("starttime"),
        a.get("client"),
        a.get("priority"),
        a.get("pool"),
    );
    if start.is_none() && client.is_none() && priority.is_none() && pool.is_none() {
        out.line("Neither Client, StartTime, Pool or Priority specified.");
        return;
    }
    if let Some(p) = priority {
        // rdird's job queue sets a job's place when it is queued.
        if p.trim().parse::<i64>().is_err() {
            out.line(format!("\"{p}\" is not a valid priority."));
        } else if ctx.director.jobs().is_active(Some(id)) {
            out.line(format!(
                "The priority of JobId {id} cannot be changed once it is queued."
            ));
        } else {
            out.line("Job not found.");
        }
        return;
    }
    let cfg = ctx.director.config();
    if let Some(c) = client {
        if cfg.find(Kind::Client, c).is_none() || !Acl::allows(&ctx.login.acl.clients, c) {
            out.line(format!("Could not find Client \"{c}\"."));
            return;
        }
    }
    if let Some(p) = pool {
        if cfg.find(Kind::Pool, p).is_none() || !Acl::allows(&ctx.login.acl.pools, p) {
            out.line(format!("Pool \"{p}\" not found."));
            return;
        }
    }
    let start = match start.map(crate::clock::parse_local) {
        None => None,
        Some(Some(t)) => Some(t),
        Some(None) => {
            out.line(format!(
                "Improper date format: {}",
                a.get("starttime").unwrap_or("")
            ));
            return;
        }
    };
    let moved = ctx.director.catalog().update_job(id, start, client, pool);
    match moved {
        Ok(volumes) => {
            for v in volumes {
                out.line(format!("New Pool is: {v}"));
            }
        }
        Err(e) => out.line(format!("Update failed: {e}")),
    }
}
