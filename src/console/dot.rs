//! The dot commands tools use to fill their menus: `.jobs`, `.clients`,
//! `.pools`, `.storage`, `.filesets`, `.msgs`: one name per line, as the
//! console's ACLs allow.

use super::login::Acl;
use super::{Ctx, Reply};
use crate::config::Kind;

fn names(ctx: &Ctx<'_, '_>, out: &mut Reply, kind: Kind, acl: &Option<Vec<String>>) {
    let cfg = ctx.director.config();
    let mut names: Vec<&str> = cfg.all(kind).map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    for n in names {
        if Acl::allows(acl, n) {
            out.line(n);
        }
    }
}

pub fn jobs(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    names(ctx, out, Kind::Job, &ctx.login.acl.jobs);
}

pub fn clients(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    names(ctx, out, Kind::Client, &ctx.login.acl.clients);
}

pub fn pools(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    names(ctx, out, Kind::Pool, &ctx.login.acl.pools);
}

pub fn storages(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    names(ctx, out, Kind::Storage, &ctx.login.acl.storages);
}

pub fn filesets(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    names(ctx, out, Kind::Fileset, &ctx.login.acl.filesets);
}

pub fn msgs(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    names(ctx, out, Kind::Messages, &None);
}
