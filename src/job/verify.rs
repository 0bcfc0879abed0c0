//! Verify jobs: InitCatalog (the files' attributes go into the catalog
//! under the verify job), Catalog (the files now against the last
//! InitCatalog), DiskToCatalog (the files now against the client's most
//! recent backup), VolumeToCatalog (what the last backup wrote on its
//! volumes against what the catalog says it wrote) and Data (the file
//! daemon reads the backup's data back and checks sizes and digests).
//! Differences are listed in Bacula's words and end the job with status D.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use super::JobState;
use crate::bnet::base64::decode_int;
use crate::catalog::FileRecord;
use crate::config::{Kind, Resource};
use crate::director::Director;
use crate::peer::verify::Seen;

/// How a verify ended, for the report.
pub struct Verified {
    pub files: i64,
    pub errors: i64,
    pub fd_status: char,
    pub differences: bool,
    /// The job compared against: JobId and unique name.
    pub against: (i64, String),
    pub fatal: Option<String>,
    /// At VolumeToCatalog and Data: the files the backup holds, and the
    /// storage daemon's status and errors.
    pub expected: Option<i64>,
    pub sd_status: char,
    pub sd_errors: i64,
}

/// The stat fields a Verify option letter compares: (letter, field,
/// name as Bacula prints it).
const FIELDS: [(char, usize, &str); 9] = [
    ('i', 1, "st_ino"),
    ('p', 2, "st_mode"),
    ('n', 3, "st_nlink"),
    ('u', 4, "st_uid"),
    ('g', 5, "st_gid"),
    ('s', 7, "st_size"),
    ('a', 10, "st_atime"),
    ('m', 11, "st_mtime"),
    ('c', 12, "st_ctime"),
];

/// The lines describing how `now` differs from `cat` under `opts`.
pub fn differences(opts: &str, cat: (&str, &str), now: (&str, Option<&str>)) -> Vec<String> {
    // With no Verify option, permissions, inode, links, size, mtime and
    // the digest are compared.
    let opts = if opts.is_empty() || opts == "V" {
        "pinsm5"
    } else {
        opts
    };
    let c: Vec<i64> = cat.0.split_whitespace().map(decode_int).collect();
    let f: Vec<i64> = now.0.split_whitespace().map(decode_int).collect();
    let mut out = Vec::new();
    for (letter, i, name) in FIELDS {
        if !opts.contains(letter) {
            continue;
        }
        let (Some(a), Some(b)) = (c.get(i), f.get(i)) else {
            continue;
        };
        if a == b {
            continue;
        }
        out.push(match letter {
            'p' => format!("      {name:<8} differ. Cat: {a:x} File: {b:x}"),
            'a' | 'm' | 'c' => format!("      {name} differs"),
            _ => format!("      {name:<8} differ. Cat: {a} File: {b}"),
        });
    }
    if opts.contains('d') && !opts.contains('s') {
        if let (Some(a), Some(b)) = (c.get(7), f.get(7)) {
            if b < a {
                out.push(format!("      st_size  decrease. Cat: {a} File: {b}"));
            }
        }
    }
    if opts.contains('5') {
        if let Some(d) = now.1 {
            if !cat.1.is_empty() && cat.1 != "0" && cat.1 != d {
                out.push(format!("      MD5 differs. File={d} Cat={}", cat.1));
            }
        }
    }
    out
}

/// Runs the verify; `say` writes the job's messages.
pub fn run(
    director: &Director,
    res: &Resource,
    state: &JobState,
    canceled: &AtomicBool,
    say: &dyn Fn(&str),
) -> Verified {
    let cfg = director.config();
    let d = state.data().clone();
    let mut v = Verified {
        files: 0,
        errors: 0,
        fd_status: 'f',
        differences: false,
        against: (0, String::new()),
        fatal: None,
        expected: None,
        sd_status: ' ',
        sd_errors: 0,
    };
    let (Some(client), Some(fileset)) = (
        cfg.find(Kind::Client, &d.client),
        cfg.find(Kind::Fileset, &d.fileset),
    ) else {
        v.fatal = Some("the Verify job needs a Client and a FileSet".into());
        return v;
    };
    if matches!(d.level, 'O' | 'A') {
        from_volume(
            director,
            res,
            state,
            (client, fileset),
            canceled,
            say,
            &mut v,
        );
        return v;
    }
    // What the files are compared with.
    let reference: Result<Option<Vec<i64>>, String> = match d.level {
        'V' => Ok(None),
        'C' => {
            let name = res.str("VerifyJob").unwrap_or(&res.name);
            match director.catalog().last_job_id(name, 'V', 'V') {
                Ok(Some((id, job))) => {
                    v.against = (id, job);
                    Ok(Some(vec![id]))
                }
                Ok(None) => Err(format!(
                    "Unable to find JobId of previous InitCatalog Job for {name}"
                )),
                Err(e) => Err(e.to_string()),
            }
        }
        'd' => {
            let chain = director
                .catalog()
                .current_backup(&d.client, Some(&d.fileset), None)
                .map_err(|e| e.to_string());
            match chain {
                Ok(jobs) if !jobs.is_empty() => {
                    let last = jobs.last().map(|j| j.job_id).unwrap_or(0);
                    let job: String = director
                        .catalog()
                        .db()
                        .query_row("SELECT Job FROM Job WHERE JobId = ?1", [last], |r| r.get(0))
                        .unwrap_or_default();
                    v.against = (last, job);
                    Ok(Some(jobs.iter().map(|j| j.job_id).collect()))
                }
                Ok(_) => Err(format!(
                    "No backup of Client \"{}\" and FileSet \"{}\" to verify against",
                    d.client, d.fileset
                )),
                Err(e) => Err(e),
            }
        }
        other => Err(format!(
            "Verify level {} is not one this Director knows",
            crate::job::names::level_name(other)
        )),
    };
    let reference = match reference {
        Ok(r) => r,
        Err(e) => {
            v.fatal = Some(e);
            return v;
        }
    };
    if v.against.0 > 0 {
        say(&format!(
            "Verifying against JobId={} Job={}",
            v.against.0, v.against.1
        ));
    }
    let level = match d.level {
        'V' => "init",
        'C' => "catalog",
        _ => "disk_to_catalog",
    };
    let outcome = crate::peer::verify::run(
        &cfg.director().name,
        client,
        fileset,
        (d.job_id, &d.job_name),
        level,
        say,
    );
    let outcome = match outcome {
        Ok(o) => o,
        Err(e) => {
            v.fatal = Some(e);
            return v;
        }
    };
    v.files = outcome.fd.files.max(outcome.seen.len() as i64);
    v.errors = outcome.fd.errors;
    v.fd_status = outcome.fd.status;
    match reference {
        None => {
            if let Err(e) = store(director, d.job_id, &outcome.seen) {
                v.fatal = Some(e);
            }
        }
        Some(jobs) => {
            let cat = match director.catalog().attributes(&jobs) {
                Ok(c) => c,
                Err(e) => {
                    v.fatal = Some(e.to_string());
                    return v;
                }
            };
            v.differences = compare(&cat, &outcome.seen, say);
        }
    }
    v
}

/// A VolumeToCatalog or Data verify: the newest good backup (of the
/// Verify Job when one is named, else of the client) is read through the
/// storage daemon, and what the volume holds is compared with the catalog
/// (VolumeToCatalog) or checked by the file daemon (Data).
fn from_volume(
    director: &Director,
    res: &Resource,
    state: &JobState,
    (client, fileset): (&Resource, &Resource),
    canceled: &AtomicBool,
    say: &dyn Fn(&str),
    v: &mut Verified,
) {
    let cfg = director.config();
    let d = state.data().clone();
    let found = director
        .catalog()
        .last_backup(res.str("VerifyJob"), &d.client);
    let (job, name) = match found {
        Ok(Some(j)) => j,
        Ok(None) => {
            v.fatal = Some(match res.str("VerifyJob") {
                Some(n) => format!("Unable to find JobId of previous Job for {n}"),
                None => format!("Unable to find JobId of previous Job for {}", d.client),
            });
            return;
        }
        Err(e) => {
            v.fatal = Some(e.to_string());
            return;
        }
    };
    v.against = (job.job_id, name);
    v.expected = Some(job.files);
    say(&format!(
        "Verifying against JobId={} Job={}",
        v.against.0, v.against.1
    ));
    let extents = match director.catalog().extents(job.job_id) {
        Ok(e) if !e.is_empty() => e,
        Ok(_) => {
            v.fatal = Some(format!("JobId {} wrote nothing to read", job.job_id));
            return;
        }
        Err(e) => {
            v.fatal = Some(e.to_string());
            return;
        }
    };
    let Some(storage) = cfg.find(Kind::Storage, &d.storage).or_else(|| {
        cfg.all(Kind::Storage)
            .find(|s| s.str("MediaType") == Some(extents[0].media_type.as_str()))
    }) else {
        v.fatal = Some(format!(
            "No Storage for Media Type \"{}\" to read JobId {}",
            extents[0].media_type, job.job_id
        ));
        return;
    };
    let records = crate::restore::bsr::whole_job(&job, &extents);
    let device = crate::peer::sd::device(storage);
    let bootstrap = crate::restore::bsr::lines(&records, &storage.name, &device);
    say(&format!("Using Device \"{device}\" to read."));
    let plan = crate::peer::verify::FromVolume {
        parties: crate::peer::job::Parties::new(
            &cfg.director().name,
            &d,
            (client, storage),
            canceled,
        ),
        job: res,
        fileset,
        level: if d.level == 'O' { "volume" } else { "data" },
        level_letter: d.level,
        pool_name: res.str("Pool").unwrap_or_default(),
        bootstrap: &bootstrap,
        messages: res.str("Messages").map(str::to_string),
    };
    let (seen, outcome) = crate::peer::verify::run_from_volume(director, &plan, say);
    v.files = outcome.fd.files.max(seen.len() as i64);
    v.errors = outcome.fd.errors;
    v.fd_status = outcome.fd.status;
    v.sd_status = outcome.sd.status;
    v.sd_errors = outcome.sd.errors;
    if let Some(e) = outcome.fatal {
        v.fatal = Some(e);
        return;
    }
    if v.fd_status == 'D' {
        // At Data the file daemon found the differences and said so.
        v.differences = true;
        return;
    }
    if d.level == 'O' {
        match director.catalog().attributes(&[job.job_id]) {
            Ok(cat) => v.differences = compare(&cat, &seen, say),
            Err(e) => v.fatal = Some(e.to_string()),
        }
    }
}

/// An InitCatalog's attributes, as File rows of the verify job.
fn store(director: &Director, job_id: i64, seen: &[Seen]) -> Result<(), String> {
    let records: Vec<FileRecord> = seen
        .iter()
        .map(|s| {
            let (path, name) = match s.name.strip_suffix('/') {
                Some(_) => (s.name.clone(), String::new()),
                None => match s.name.rfind('/') {
                    Some(i) => (s.name[..=i].to_string(), s.name[i + 1..].to_string()),
                    None => (String::new(), s.name.clone()),
                },
            };
            FileRecord {
                file_index: s.file_index,
                path,
                name,
                lstat: s.lstat.clone(),
                md5: s.digest.clone().unwrap_or_else(|| "0".into()),
            }
        })
        .collect();
    let mut cache = crate::catalog::NameCache::default();
    director
        .catalog()
        .insert_files(job_id, &records, &mut cache)
        .map_err(|e| e.to_string())
}

/// Lists the differences; whether there were any.
fn compare(cat: &BTreeMap<String, (String, String)>, seen: &[Seen], say: &dyn Fn(&str)) -> bool {
    let mut any = false;
    for s in seen {
        match cat.get(&s.name) {
            None => {
                say(&format!("New file: {}", s.name));
                any = true;
            }
            Some((lstat, md5)) => {
                let lines = differences(&s.opts, (lstat, md5), (&s.lstat, s.digest.as_deref()));
                if !lines.is_empty() {
                    any = true;
                    let mut text = format!("File: {}", s.name);
                    for l in lines {
                        text.push('\n');
                        text.push_str(&l);
                    }
                    say(&text);
                }
            }
        }
    }
    let missing: Vec<&String> = cat
        .keys()
        .filter(|k| !seen.iter().any(|s| &s.name == *k))
        .collect();
    if !missing.is_empty() {
        any = true;
        let mut text = "The following files are in the Catalog but not on disk:".to_string();
        for m in missing {
            text.push_str(&format!("\n      {m}"));
        }
        say(&text);
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_follow_the_verify_options() {
        let cat = "P4A mMz9 IGk B A A A LJ BAA I BrB7to BrB7g6 BrB7g6 A A C";
        let same = differences("pins5", (cat, "abc"), (cat, Some("abc")));
        assert!(same.is_empty());
        let bigger = "P4A mMz9 IGk B A A A LK BAA I BrB7to BrB7g7 BrB7g6 A A C";
        let d = differences("V", (cat, "abc"), (bigger, Some("abd")));
        assert_eq!(
            d,
            [
                "      st_size  differ. Cat: 713 File: 714",
                "      st_mtime differs",
                "      MD5 differs. File=abd Cat=abc"
            ]
        );
        assert!(differences("p", (cat, ""), (bigger, None)).is_empty());
    }
}
