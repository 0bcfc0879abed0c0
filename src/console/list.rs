//! `list` and `llist`: catalog records as tables (`list`) or one field per
//! line (`llist`), in bacula-dir's layout. Every value a console gives is
//! bound as an SQL parameter, never pasted into the query.
//!
//! A restricted console sees only the records its ACLs allow: jobs of its
//! JobACL run on clients of its ClientACL, the files, log and JobMedia of
//! those jobs only, volumes and pools of its PoolACL, its clients and
//! filesets. bacula-dir 9.6.7 filters none of these (ua_output.c
//! do_list_cmd, cats/sql_list.c), so any console lists the whole catalog.

use rusqlite::types::Value as SqlValue;

use super::acl::{jobs_filter, names_filter};
use super::{Ctx, Reply, MAX_REPLY};

/// The most rows one query reads for a console; with `MAX_REPLY` bytes of
/// values, what keeps a query's result from filling the Director's memory
/// before its reply is cut (bacula-dir sends each row as it reads it).
pub const MAX_ROWS: usize = 1_000_000;

/// `1234567` → `1,234,567`.
pub fn commas(digits: &str) -> String {
    let (sign, d) = match digits.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", digits),
    };
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    format!("{sign}{out}")
}

/// A query's result: column names and rows of text (None is NULL).
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Option<String>>>,
    /// Columns holding integers, shown right-aligned with commas.
    pub numeric: Vec<bool>,
    /// The query had more rows than `MAX_ROWS` or `MAX_REPLY` bytes of
    /// values: it was stopped there.
    pub cut: bool,
}

/// Tells the console when `rows` is not the query's whole result.
pub fn note_if_cut(rows: &Rows, out: &mut Reply) {
    if rows.cut {
        out.cut(&format!(
            "the query's result reached {} MB or {} rows, the most the Director reads for one command",
            MAX_REPLY >> 20,
            MAX_ROWS
        ));
    }
}

/// Runs `sql` with `params` and collects the result as text, up to
/// `MAX_ROWS` rows or `MAX_REPLY` bytes (each value counted with what it
/// costs in memory); past either the query stops and `cut` is set.
pub fn query(db: &rusqlite::Connection, sql: &str, params: &[SqlValue]) -> Result<Rows, String> {
    let mut stmt = db.prepare(sql).map_err(|e| e.to_string())?;
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let n = columns.len();
    let mut numeric = vec![true; n];
    let mut any = vec![false; n];
    let mut rows = Vec::new();
    let mut bytes = 0usize;
    let mut cut = false;
    let mut it = stmt
        .query(rusqlite::params_from_iter(params.iter()))
        .map_err(|e| e.to_string())?;
    while let Some(r) = it.next().map_err(|e| e.to_string())? {
        if rows.len() == MAX_ROWS || bytes > MAX_REPLY {
            cut = true;
            break;
        }
        let mut row = Vec::with_capacity(n);
        for (i, num) in numeric.iter_mut().enumerate() {
            let v: SqlValue = r.get(i).map_err(|e| e.to_string())?;
            let text = match v {
                SqlValue::Null => None,
                SqlValue::Integer(x) => Some(x.to_string()),
                SqlValue::Real(x) => {
                    *num = false;
                    Some(x.to_string())
                }
                SqlValue::Text(t) => {
                    *num = false;
                    Some(t)
                }
                SqlValue::Blob(b) => {
                    *num = false;
                    Some(String::from_utf8_lossy(&b).into_owned())
                }
            };
            any[i] |= text.is_some();
            bytes += std::mem::size_of::<Option<String>>() + text.as_ref().map_or(0, String::len);
            row.push(text);
        }
        rows.push(row);
    }
    for (num, seen) in numeric.iter_mut().zip(any) {
        *num &= seen;
    }
    Ok(Rows {
        columns,
        rows,
        numeric,
        cut,
    })
}

fn cell(rows: &Rows, col: usize, v: &Option<String>) -> String {
    match v {
        None => String::new(),
        Some(s) if rows.numeric[col] => commas(s),
        Some(s) => s.clone(),
    }
}

/// One cell of the table, `text` padded to `width` characters on the left
/// (`right`) or on the right. Padded by hand: `format!`'s widths stop at
/// 65535, and a value may be longer.
fn boxed(text: &str, width: usize, right: bool) -> String {
    let pad = " ".repeat(width.saturating_sub(text.chars().count()));
    if right {
        format!("| {pad}{text} ")
    } else {
        format!("| {text}{pad} ")
    }
}

/// The result as bacula-dir's boxed table.
pub fn table(rows: &Rows, out: &mut Reply) {
    if rows.rows.is_empty() {
        return;
    }
    let widths: Vec<usize> = (0..rows.columns.len())
        .map(|c| {
            rows.rows
                .iter()
                .map(|r| cell(rows, c, &r[c]).chars().count())
                .chain([rows.columns[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rule: String = widths
        .iter()
        .map(|w| format!("+{}", "-".repeat(w + 2)))
        .collect::<String>()
        + "+";
    out.line(&rule);
    let header: String = rows
        .columns
        .iter()
        .zip(&widths)
        .map(|(c, w)| boxed(c, *w, false))
        .collect::<String>()
        + "|";
    out.line(header);
    out.line(&rule);
    for r in &rows.rows {
        let line: String = r
            .iter()
            .enumerate()
            .map(|(c, v)| boxed(&cell(rows, c, v), widths[c], rows.numeric[c]))
            .collect::<String>()
            + "|";
        out.line(line);
    }
    out.line(&rule);
    note_if_cut(rows, out);
}

/// The result as `.api 2` prints it: `column=value` lines, a blank line
/// between records.
pub fn key_values(rows: &Rows, out: &mut Reply) {
    for r in &rows.rows {
        for (c, v) in r.iter().enumerate() {
            out.line(format!(
                "{}={}",
                rows.columns[c].to_ascii_lowercase(),
                v.clone().unwrap_or_default()
            ));
        }
        out.line("");
    }
    note_if_cut(rows, out);
}

/// The result as JSON objects, one per record.
pub fn objects(rows: &Rows) -> serde_json::Value {
    let list: Vec<serde_json::Value> = rows
        .rows
        .iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            for (c, v) in r.iter().enumerate() {
                let value = match v {
                    None => serde_json::Value::Null,
                    Some(s) if rows.numeric[c] => s
                        .parse::<i64>()
                        .map(serde_json::Value::from)
                        .unwrap_or_else(|_| s.clone().into()),
                    Some(s) => s.clone().into(),
                };
                m.insert(rows.columns[c].to_ascii_lowercase(), value);
            }
            serde_json::Value::Object(m)
        })
        .collect();
    serde_json::Value::Array(list)
}

/// The result as `llist` prints it: one `name: value` per line, a blank
/// line between records.
pub fn vertical(rows: &Rows, out: &mut Reply) {
    let width = rows
        .columns
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    for r in &rows.rows {
        for (c, v) in r.iter().enumerate() {
            out.line(format!("{:>width$}: {}", rows.columns[c], cell(rows, c, v)));
        }
        out.line("");
    }
    note_if_cut(rows, out);
}

fn run(ctx: &Ctx<'_, '_>, out: &mut Reply, long: bool) {
    let what = ctx.args.word(0).unwrap_or("").to_ascii_lowercase();
    let acl = &ctx.login.acl;
    let mut params: Vec<SqlValue> = Vec::new();
    let jobid = match ctx.args.jobid() {
        Ok(id) => id,
        Err(e) => {
            out.line(e);
            return;
        }
    };
    let sql = match what.as_str() {
        "jobs" | "jobid" | "job" | "jobname" => {
            let mut where_ = String::from("WHERE 1");
            if let Some(id) = jobid {
                where_.push_str(" AND JobId = ?");
                params.push(SqlValue::Integer(id));
            }
            if let Some(name) = ctx.args.get("job").or(ctx.args.get("jobname")) {
                where_.push_str(" AND (Name = ? OR Job = ?)");
                params.push(SqlValue::Text(name.into()));
                params.push(SqlValue::Text(name.into()));
            }
            where_.push_str(&jobs_filter("Job", acl, &mut params));
            if long {
                format!("SELECT JobId, Job, Name, PurgedFiles, Type, Level, ClientId, JobStatus, SchedTime, StartTime, EndTime, RealEndTime, JobTDate, VolSessionId, VolSessionTime, JobFiles, JobBytes, ReadBytes, JobErrors, JobMissingFiles, PoolId, FileSetId, PriorJobId, HasBase, Reviewed, Comment FROM Job {where_} ORDER BY JobId")
            } else {
                format!("SELECT JobId, Name, StartTime, Type, Level, JobFiles, JobBytes, JobStatus FROM Job {where_} ORDER BY JobId")
            }
        }
        "volumes" | "volume" | "media" => {
            let mut where_ = String::from("WHERE 1");
            if let Some(p) = ctx.args.get("pool") {
                where_.push_str(" AND Pool.Name = ?");
                params.push(SqlValue::Text(p.into()));
            }
            if let Some(v) = ctx.args.get("volume") {
                where_.push_str(" AND Media.VolumeName = ?");
                params.push(SqlValue::Text(v.into()));
            }
            where_.push_str(&names_filter("Pool.Name", &acl.pools, &mut params));
            format!("SELECT MediaId, VolumeName, VolStatus, Media.Enabled, VolBytes, VolFiles, Media.VolRetention, Media.Recycle, Slot, InChanger, MediaType, VolType, VolParts, LastWritten, Pool.Name AS Pool FROM Media LEFT JOIN Pool ON Media.PoolId = Pool.PoolId {where_} ORDER BY MediaId")
        }
        "pools" | "pool" => {
            let mut where_ = String::from("WHERE 1");
            where_.push_str(&names_filter("Name", &acl.pools, &mut params));
            format!("SELECT PoolId, Name, NumVols, MaxVols, MaxVolBytes, VolRetention, Enabled, PoolType, LabelFormat FROM Pool {where_} ORDER BY PoolId")
        }
        "clients" | "client" => {
            let mut where_ = String::from("WHERE 1");
            where_.push_str(&names_filter("Name", &acl.clients, &mut params));
            format!("SELECT ClientId, Name, Uname, AutoPrune, FileRetention, JobRetention FROM Client {where_} ORDER BY ClientId")
        }
        "filesets" | "fileset" => {
            let mut where_ = String::from("WHERE 1");
            where_.push_str(&names_filter("FileSet", &acl.filesets, &mut params));
            format!("SELECT FileSetId, FileSet, MD5, CreateTime FROM FileSet {where_} ORDER BY FileSetId")
        }
        "files" => {
            let Some(id) = jobid else {
                out.line("list files needs jobid=<JobId>");
                return;
            };
            params.push(SqlValue::Integer(id));
            let jobs = jobs_filter("Job", acl, &mut params);
            format!("SELECT Path.Path || Filename.Name AS Filename FROM File JOIN Path ON File.PathId = Path.PathId JOIN Filename ON File.FilenameId = Filename.FilenameId WHERE File.JobId = ? AND File.JobId IN (SELECT Job.JobId FROM Job WHERE 1{jobs}) ORDER BY Path.Path, Filename.Name")
        }
        "joblog" => {
            let Some(id) = jobid else {
                out.line("list joblog needs jobid=<JobId>");
                return;
            };
            params.push(SqlValue::Integer(id));
            let jobs = jobs_filter("Job", acl, &mut params);
            format!("SELECT LogText FROM Log WHERE JobId = ? AND JobId IN (SELECT Job.JobId FROM Job WHERE 1{jobs}) ORDER BY LogId")
        }
        "jobmedia" => {
            let mut where_ = String::from("WHERE 1");
            if let Some(id) = jobid {
                where_.push_str(" AND JobMedia.JobId = ?");
                params.push(SqlValue::Integer(id));
            }
            let jobs = jobs_filter("Job", acl, &mut params);
            where_.push_str(&format!(
                " AND JobMedia.JobId IN (SELECT Job.JobId FROM Job WHERE 1{jobs})"
            ));
            format!("SELECT JobMediaId, JobId, Media.MediaId, Media.VolumeName, FirstIndex, LastIndex FROM JobMedia JOIN Media ON JobMedia.MediaId = Media.MediaId {where_} ORDER BY JobMediaId")
        }
        "" => {
            out.line("list what? jobs, jobid=, job=, volumes, media, pool=, pools, clients, filesets, files jobid=, joblog jobid=, jobmedia");
            return;
        }
        other => {
            out.line(format!("Unknown list keyword: {other}"));
            return;
        }
    };
    let cfg = ctx.director.config();
    if let Some(cat) = cfg.all(crate::config::Kind::Catalog).next() {
        out.line(format!("Using Catalog \"{}\"", cat.name));
    }
    let catalog = ctx.director.catalog();
    match query(catalog.db(), &sql, &params) {
        Ok(rows) if what == "joblog" => {
            note_if_cut(&rows, out);
            for r in rows.rows {
                let text = r.into_iter().next().flatten().unwrap_or_default();
                out.push(if text.ends_with('\n') {
                    text
                } else {
                    format!("{text}\n")
                });
            }
        }
        Ok(rows)
            if rows.rows.is_empty()
                && (what.starts_with("job") && ctx.args.get("jobid").is_some()) =>
        {
            out.line(format!(
                "No Job found for JobId {}",
                ctx.args.get("jobid").unwrap_or("")
            ));
        }
        Ok(rows) => match ctx.login.api.get() {
            super::login::Api::KeyValue => key_values(&rows, out),
            super::login::Api::Json => {
                let key = match what.as_str() {
                    "jobid" | "job" | "jobname" => "jobs",
                    "volume" | "media" => "volumes",
                    "pool" => "pools",
                    "client" => "clients",
                    "fileset" => "filesets",
                    other => other,
                };
                let mut m = serde_json::Map::new();
                m.insert(key.to_string(), objects(&rows));
                out.data = Some(serde_json::Value::Object(m));
                note_if_cut(&rows, out);
            }
            super::login::Api::Text | super::login::Api::Signals if long => vertical(&rows, out),
            super::login::Api::Text | super::login::Api::Signals => table(&rows, out),
        },
        Err(e) => out.line(format!("Query failed: {e}")),
    }
}

pub fn list(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    run(ctx, out, false);
}

pub fn llist(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    run(ctx, out, true);
}

#[cfg(test)]
mod tests {
    use super::commas;

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(commas("0"), "0");
        assert_eq!(commas("999"), "999");
        assert_eq!(commas("1000"), "1,000");
        assert_eq!(commas("53687091200"), "53,687,091,200");
        assert_eq!(commas("-1234"), "-1,234");
    }
}
