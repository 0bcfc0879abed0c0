//! `estimate` and `.ls`: the file daemon walks a FileSet (or one
//! directory) as a backup would and says what it found, without a job,
//! a volume or the storage daemon (bacula-dir 9.6.7: ua_cmds.c
//! estimate_cmd, ua_dotcmds.c dot_ls_cmd); and `.estimate`, which asks
//! the catalog rather than the file daemon (ua_dotcmds.c
//! dotestimatecmd).

use super::{daemons, Ctx, Reply};
use crate::config::{Config, Kind, Resource};
use crate::peer::fd::EstimateRequest;

/// What the command line chose, each checked against the ACLs.
#[derive(Default)]
struct Chosen<'a> {
    job: Option<&'a Resource>,
    client: Option<&'a Resource>,
    fileset: Option<&'a Resource>,
    level: Option<char>,
    accurate: Option<bool>,
    listing: bool,
}

/// Reads the arguments in order, as estimate_cmd does; the first wrong
/// one ends the command with bacula-dir's line. A name outside the
/// console's ACL is answered as one that does not exist.
fn chosen<'a>(ctx: &Ctx<'_, '_>, cfg: &'a Config) -> Result<Chosen<'a>, String> {
    let acl = &ctx.login.acl;
    let allows = super::login::Acl::allows;
    let mut c = Chosen::default();
    let args = ctx.args;
    for (key, value) in args.keys.iter().zip(&args.values).skip(1) {
        let value = value.as_deref();
        match key.to_ascii_lowercase().as_str() {
            "client" | "fd" => {
                let name = value.ok_or("Client name missing.")?;
                c.client = Some(
                    cfg.find(Kind::Client, name)
                        .filter(|r| allows(&acl.clients, &r.name))
                        .ok_or_else(|| format!("Client \"{name}\" not found."))?,
                );
            }
            "job" => {
                let name = value.ok_or("Job name missing.")?;
                c.job = Some(
                    cfg.find(Kind::Job, name)
                        .filter(|r| allows(&acl.jobs, &r.name))
                        .ok_or_else(|| format!("Job \"{name}\" not found."))?,
                );
            }
            "fileset" => {
                let name = value.ok_or("Fileset name missing.")?;
                c.fileset = Some(
                    cfg.find(Kind::Fileset, name)
                        .filter(|r| allows(&acl.filesets, &r.name))
                        .ok_or_else(|| format!("Fileset \"{name}\" not found."))?,
                );
            }
            "listing" => c.listing = true,
            "level" => {
                let name = value.ok_or("Level value missing.")?;
                c.level = Some(
                    crate::job::names::level_letter(name)
                        .filter(|l| matches!(l, 'F' | 'I' | 'D'))
                        .ok_or_else(|| format!("Level \"{name}\" not valid."))?,
                );
            }
            "accurate" => {
                let v = value.ok_or("Accurate value missing.")?;
                c.accurate = Some(match v.to_ascii_lowercase().as_str() {
                    "yes" | "true" | "1" => true,
                    "no" | "false" | "0" => false,
                    _ => return Err("Invalid value for accurate. It must be yes or no.".into()),
                });
            }
            _ => {}
        }
    }
    Ok(c)
}

/// `estimate [job=] [client=] [fileset=] [level=] [accurate=yes|no]
/// [listing]`: what a backup of the job would take, from the file daemon.
pub fn estimate(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let mut c = match chosen(ctx, &cfg) {
        Ok(c) => c,
        Err(e) => return out.line(e),
    };
    if c.job.is_none() {
        // bacula-dir takes a client and a FileSet without a job only to
        // fail on "No job specified." (it has no level, no since time
        // and no catalog without one): the job is asked for either way.
        match super::select::resource(ctx, out, &cfg, Kind::Job) {
            Some(j) => c.job = Some(j),
            None => return,
        }
    }
    let Some(job) = c.job else { return };
    let by_name = |kind: Kind, directive: &str| job.str(directive).and_then(|n| cfg.find(kind, n));
    let Some(client) = c.client.or_else(|| by_name(Kind::Client, "Client")) else {
        return out.line(format!("Job \"{}\" has no Client.", job.name));
    };
    let Some(fileset) = c.fileset.or_else(|| by_name(Kind::Fileset, "FileSet")) else {
        return out.line(format!("Job \"{}\" has no FileSet.", job.name));
    };
    // The job's own Client and FileSet are held to the ACLs too: the
    // console reaches no daemon it could not name (9.6.7 checks only the
    // names typed).
    let acl = &ctx.login.acl;
    if !super::login::Acl::allows(&acl.clients, &client.name) {
        return out.line(format!("Client \"{}\" not found.", client.name));
    }
    if !super::login::Acl::allows(&acl.filesets, &fileset.name) {
        return out.line(format!("Fileset \"{}\" not found.", fileset.name));
    }
    let level = c
        .level
        .or_else(|| job.str("Level").and_then(crate::job::names::level_letter))
        .filter(|l| matches!(l, 'F' | 'I' | 'D'))
        .unwrap_or('F');
    let accurate = c
        .accurate
        .unwrap_or_else(|| job.bool("Accurate").unwrap_or(false));
    let req = match request(ctx, out, job, client, fileset, level, accurate, c.listing) {
        Ok(r) => r,
        Err(e) => return out.line(e),
    };
    out.line(daemons::connecting("Client", client));
    let dir = cfg.director().name.clone();
    let timeout = daemons::connect_timeout(&cfg, Kind::Client);
    let result = crate::peer::fd::estimate(&dir, client, &req, timeout, &mut daemons::relay(out));
    if let Err(e) = result {
        tracing::warn!("estimate: {e}");
        out.line(format!(
            "Failed to estimate on Client \"{}\": {e}",
            client.name
        ));
    }
}

/// The level settled as a backup settles it: an Incremental or
/// Differential with no prior Full of this Job, Client and FileSet is
/// a Full, said as bacula-dir says it; otherwise it gets the prior job's
/// start, and when accurate, the files the catalog holds for it.
#[allow(clippy::too_many_arguments)]
fn request<'a>(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    job: &Resource,
    client: &Resource,
    fileset: &'a Resource,
    mut level: char,
    accurate: bool,
    listing: bool,
) -> Result<EstimateRequest<'a>, String> {
    let md5 = crate::peer::backup::fileset_md5(fileset);
    let cat = ctx.director.catalog();
    let prior = |levels: &str| {
        let of = crate::catalog::BackupOf::Names {
            client: &client.name,
            fileset: &fileset.name,
            md5: &md5,
        };
        cat.prior_backup(&job.name, of, levels)
            .map_err(|e| e.to_string())
    };
    let mut since = None;
    if level != 'F' {
        match prior("F")? {
            None => {
                out.line("No prior Full backup Job record found.");
                out.line("No prior or suitable Full backup found in catalog. Doing FULL backup.");
                level = 'F';
            }
            Some(_) => {
                let levels = if level == 'I' { "FDI" } else { "F" };
                since = prior(levels)?.map(|p| (p.start, p.job));
            }
        }
    }
    let accurate_files = if accurate && level != 'F' {
        cat.accurate_files(&job.name, &client.name, &fileset.name, &md5, level)
            .map_err(|e| e.to_string())?
    } else {
        Vec::new()
    };
    Ok(EstimateRequest {
        fileset,
        level,
        since,
        accurate,
        accurate_files,
        listing,
    })
}

/// `.ls client=NAME path=DIR`: the entries of one directory on the
/// client, as the file daemon lists them.
pub fn dot_ls(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let Some(name) = ctx.args.get("client") else {
        return out.line("Client name missing.");
    };
    let Some(client) = cfg
        .find(Kind::Client, name)
        .filter(|r| super::login::Acl::allows(&ctx.login.acl.clients, &r.name))
    else {
        return out.line(format!("Client \"{name}\" not found."));
    };
    let Some(path) = ctx.args.get("path") else {
        return out.line("path name missing.");
    };
    // The path goes to the file daemon as one line of its FileSet: a
    // line break in it would start another.
    if path.contains(['\n', '\r', '\0']) {
        return out.line("path name missing.");
    }
    out.line(daemons::connecting("Client", client));
    let dir = cfg.director().name.clone();
    let timeout = daemons::connect_timeout(&cfg, Kind::Client);
    let result = crate::peer::fd::ls(&dir, client, path, timeout, &mut daemons::relay(out));
    if let Err(e) = result {
        tracing::warn!(".ls: {e}");
        out.line(format!("Failed to list on Client \"{}\": {e}", client.name));
    }
}

/// `.estimate job=NAME [level=L] [client=] [fileset=]`: what the last
/// jobs of that name and level wrote, from the catalog (bacula-dir's
/// bdb_get_job_statistics on SQLite: the average of the last four good
/// jobs, a Differential's since the last Full, with a fixed correlation
/// of 10 %), as `key=value` lines.
pub fn dot_estimate(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let args = ctx.args;
    let (mut job, mut level, mut fileset, mut client) = (None, None, None, None);
    for (key, value) in args.keys.iter().zip(&args.values).skip(1) {
        let Some(value) = value.as_deref() else {
            return out.line(format!("Invalid argument for {key}"));
        };
        match key.to_ascii_lowercase().as_str() {
            "job" => job = Some(value),
            "level" => level = value.chars().next().map(|c| c.to_ascii_uppercase()),
            "fileset" => fileset = Some(value),
            "client" => client = Some(value),
            _ => {}
        }
    }
    let Some(job) = job else {
        return out.line("Invalid argument for job");
    };
    let acl = &ctx.login.acl;
    let allows = super::login::Acl::allows;
    if !allows(&acl.jobs, job)
        || fileset.is_some_and(|f| !allows(&acl.filesets, f))
        || client.is_some_and(|c| !allows(&acl.clients, c))
    {
        return out.line("Access to specified Job, FileSet or Client not allowed.");
    }
    let cfg = ctx.director.config();
    let Some(res) = cfg.find(Kind::Job, job) else {
        return out.line("Invalid argument for job");
    };
    let level = level
        .or_else(|| res.str("Level").and_then(crate::job::names::level_letter))
        .unwrap_or('F');
    let stats = ctx
        .director
        .catalog()
        .job_statistics(&res.name, level)
        .map_err(|e| e.to_string());
    match stats {
        Ok(s) => {
            out.line("");
            for (k, v) in [
                ("level", level.to_string()),
                ("nbjob", s.jobs.to_string()),
                ("corrbytes", s.correlation.to_string()),
                ("jobbytes", s.bytes.to_string()),
                ("corrfiles", s.correlation.to_string()),
                ("jobfiles", s.files.to_string()),
                ("duration", "0".into()),
                ("job", res.name.clone()),
            ] {
                out.line(format!("{k}={v}"));
            }
            out.line("");
        }
        Err(e) => out.line(format!("Error with .estimate {e}")),
    }
}
