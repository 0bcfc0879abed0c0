//! `use catalog=…` (which catalog the session uses) and `create
//! pool=…` (the catalog's Pool record from the Pool resource), as
//! bacula-dir's ua_cmds.c use_cmd and create_cmd.

use super::login::Acl;
use super::select::{choose, named};
use super::{Ctx, Reply};
use crate::config::Kind;

/// rdird keeps one catalog, the first Catalog resource's; `use` of it
/// says so as bacula-dir does, `use` of another says it cannot be used.
/// A catalog outside CatalogACL is answered as one that does not exist.
pub fn use_catalog(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let list = &ctx.login.acl.catalogs;
    let allowed: Vec<String> = cfg
        .all(Kind::Catalog)
        .filter(|c| Acl::allows(list, &c.name))
        .map(|c| c.name.clone())
        .collect();
    let name = match ctx.args.get("catalog") {
        Some(n) if allowed.iter().any(|a| a == n) => n.to_string(),
        // In gui mode bacula-dir takes the first catalog without asking.
        _ if ctx.login.modes.gui.get() => match allowed.first() {
            Some(n) => n.clone(),
            None => {
                out.line("You must specify a \"use <catalog-name>\" command before continuing.");
                return;
            }
        },
        _ => {
            let heading = "The defined Catalog resources are:";
            match choose(
                ctx,
                out,
                heading,
                "Catalog",
                "Select Catalog resource",
                &allowed,
            ) {
                Some(i) => allowed[i].clone(),
                None => return,
            }
        }
    };
    let in_use = cfg.all(Kind::Catalog).next().map(|c| c.name.as_str());
    if in_use != Some(name.as_str()) {
        out.line(format!(
            "Catalog \"{name}\" cannot be used: rdird keeps one catalog, \"{}\".",
            in_use.unwrap_or_default()
        ));
        return;
    }
    let db = crate::catalog::db_path(&cfg);
    let db_name = cfg
        .find(Kind::Catalog, &name)
        .and_then(|c| c.str("DbName"))
        .unwrap_or("bacula");
    tracing::debug!("use catalog {name}: {}", db.display());
    out.line(format!("Using Catalog name={name} DB={db_name}"));
}

/// bacula-dir's create_pool makes the record if there is none; rdird
/// makes every Pool resource's record at start and reload, so `create`
/// finds it there unless it was removed from the catalog since.
pub fn create(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let Some(pool) = named(ctx, out, &cfg, Kind::Pool, "pool", &ctx.login.acl.pools) else {
        return;
    };
    let catalog = ctx.director.catalog();
    match catalog.pool_exists(&pool.name) {
        Ok(true) => {
            out.line(format!("Error: Pool {} already exists.", pool.name));
            out.line("Use update to change it.");
        }
        Ok(false) => {
            if let Err(e) = catalog.sync_resources(&cfg) {
                out.line(format!("Error: {e}"));
                return;
            }
        }
        Err(e) => {
            out.line(format!("Error: {e}"));
            return;
        }
    }
    // bacula-dir says so after "already exists" too (create_cmd).
    out.line(format!("Pool {} created.", pool.name));
}
