//! `list` and `llist`: catalog records as tables (`list`) or one field per
//! line (`llist`), in bacula-dir's layout. Every value a console gives is
//! bound as an SQL parameter, never pasted into the query.
//!
//! A restricted console sees only the records its ACLs allow: jobs of its
//! JobACL run on clients of its ClientACL, the files, log and JobMedia of
//! those jobs only, volumes and pools of its PoolACL, its clients and
//! filesets. bacula-dir 9.6.7 filters none of these (ua_output.c
//! do_list_cmd, cats/sql_list.c), so any console lists the whole catalog.

use rusqlite::types::{Value as SqlValue, ValueRef};

use super::{Ctx, Reply, MAX_REPLY};

mod jobs;
pub(super) mod media;

pub use media::pool_volumes;

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
    /// Columns holding integers, given as numbers in `.api json`.
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
            // Text read as bytes: bacula-dir writes a file name that is
            // not UTF-8 as it is (bnet/rawtext.rs keeps its bytes).
            let v = r.get_ref(i).map_err(|e| e.to_string())?;
            let text = match v {
                ValueRef::Null => None,
                ValueRef::Integer(x) => Some(x.to_string()),
                ValueRef::Real(x) => {
                    *num = false;
                    Some(x.to_string())
                }
                ValueRef::Text(t) => {
                    *num = false;
                    Some(crate::bnet::rawtext::decode(t))
                }
                ValueRef::Blob(b) => {
                    *num = false;
                    Some(String::from_utf8_lossy(b).into_owned())
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

/// The widest a column of the table is padded to (bacula-dir's
/// list_result pads to 100 at most; a longer value overflows its frame).
const MAX_WIDTH: usize = 100;

/// A value as bacula-dir's list_result prints it from an SQLite catalog:
/// as stored. Its SQLite backend (cats/sqlite.c sql_fetch_field) reports
/// every column as text, so integers get no thousands separators (which
/// it adds only for the numeric fields of MySQL and PostgreSQL), and
/// scripts that read `llist` get the digits.
fn cell(v: &Option<String>) -> String {
    match v {
        None => "NULL".to_string(),
        Some(s) => s.clone(),
    }
}

/// One cell of the table, `text` left-aligned in `width` characters (as
/// every column of an SQLite catalog is). Padded by hand: `format!`'s
/// widths stop at 65535, and a value may be longer.
fn boxed(text: &str, width: usize) -> String {
    let pad = " ".repeat(width.saturating_sub(text.chars().count()));
    format!("| {text}{pad} ")
}

/// The result as bacula-dir's boxed table; nothing for no rows.
pub fn table(rows: &Rows, out: &mut Reply) {
    table_at_least(rows, 0, out);
}

/// As `table`, each column at least `wide` characters wide.
pub fn table_at_least(rows: &Rows, wide: usize, out: &mut Reply) {
    if rows.rows.is_empty() {
        return;
    }
    let widths: Vec<usize> = (0..rows.columns.len())
        .map(|c| {
            rows.rows
                .iter()
                .map(|r| cell(&r[c]).chars().count())
                .chain([rows.columns[c].chars().count(), wide])
                .max()
                .unwrap_or(0)
                .min(MAX_WIDTH.max(wide))
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
        .map(|(c, w)| boxed(c, *w))
        .collect::<String>()
        + "|";
    out.line(header);
    out.line(&rule);
    for r in &rows.rows {
        let line: String = r
            .iter()
            .enumerate()
            .map(|(c, v)| boxed(&cell(v), widths[c]))
            .collect::<String>()
            + "|";
        out.line(line);
    }
    out.line(&rule);
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

/// The result as `llist` prints it: one ` name: value` per line (names
/// right-aligned), a blank line after each record.
pub fn vertical(rows: &Rows, out: &mut Reply) {
    let width = rows
        .columns
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0);
    for r in &rows.rows {
        for (c, v) in r.iter().enumerate() {
            out.line(format!(" {:>width$}: {}", rows.columns[c], cell(v)));
        }
        out.line("");
    }
    note_if_cut(rows, out);
}

/// How a listing is shown: `list`'s table or `llist`'s one field per line.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    Table,
    Long,
}

/// Runs one listing query and shows its result as the console's mode
/// asks: the table or the long form (in every mode but json), or
/// `.api json`'s objects under `key`. `wide` is the narrowest a
/// column of the table may be (bacula-dir's streamed listings, `list
/// files`, give each of their columns 80 / columns characters).
pub fn show_query(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    layout: Layout,
    key: &str,
    sql: &str,
    params: &[SqlValue],
    wide: usize,
) -> Option<Rows> {
    let catalog = ctx.director.catalog();
    let rows = match query(catalog.db(), sql, params) {
        Ok(rows) => rows,
        Err(e) => {
            out.line(format!("Query failed: {e}"));
            return None;
        }
    };
    drop(catalog);
    // In `.api 2` bacula-dir 9.6.7 lists as in text mode: do_list_cmd
    // (ua_output.c) gives list_result HORZ_LIST or VERT_LIST whatever
    // the api level.
    match ctx.login.api.get() {
        super::login::Api::Json => {
            let mut m = match out.data.take() {
                Some(serde_json::Value::Object(m)) => m,
                _ => serde_json::Map::new(),
            };
            // Listings made of several queries (volumes pool by pool)
            // give one list.
            match (m.get_mut(key), objects(&rows)) {
                (Some(serde_json::Value::Array(have)), serde_json::Value::Array(more)) => {
                    have.extend(more)
                }
                (_, value) => {
                    m.insert(key.to_string(), value);
                }
            }
            out.data = Some(serde_json::Value::Object(m));
            note_if_cut(&rows, out);
        }
        _ if rows.rows.is_empty() && wide > 0 => {}
        _ if rows.rows.is_empty() => out.line("No results to list."),
        _ if layout == Layout::Long => vertical(&rows, out),
        _ => table_at_least(&rows, wide, out),
    }
    Some(rows)
}

/// `list`/`llist KEYWORD …`, as ua_output.c do_list_cmd reads its
/// arguments: the filters first (`joberrors`, `order=`, `limit=`,
/// `jobstatus=`, `jobtype=`, `level=`, `client=`), then each keyword in
/// turn.
fn run(ctx: &Ctx<'_, '_>, out: &mut Reply, layout: Layout) {
    let filters = match jobs::Filters::parse(ctx) {
        Ok(f) => f,
        Err(e) => {
            out.line(e);
            return;
        }
    };
    let args = ctx.args;
    if args.keys.len() < 2 {
        out.line("list what? Try \"help list\".");
        return;
    }
    ctx.using_catalog(out);
    let mut read = vec![false; args.keys.len()];
    for i in 1..args.keys.len() {
        if read[i] {
            continue;
        }
        let word = args.keys[i].to_ascii_lowercase();
        let value = args.values[i].as_deref();
        // The keywords after a listing's own keyword that it reads as its
        // arguments (`files jobid=3`): bacula-dir 9.6.7 reads them again
        // as listings of their own, so that `list files jobid=3` ends with
        // job 3's record too; here each is read once.
        let used: Vec<usize> = match word.as_str() {
            "jobs" => jobs::jobs(ctx, out, layout, &filters, None),
            "jobid" | "job" | "jobname" | "ujobid" => {
                jobs::jobs(ctx, out, layout, &filters, Some((word.as_str(), value)))
            }
            "jobtotals" => jobs::totals(ctx, out),
            "files" => jobs::files(ctx, out, i),
            "basefiles" => jobs::basefiles(ctx, out, i),
            "jobmedia" => jobs::jobmedia(ctx, out, layout, i),
            "joblog" => jobs::joblog(ctx, out, layout, i),
            "copies" => jobs::copies(ctx, out, layout, i),
            "pluginrestoreconf" => jobs::restore_objects(ctx, out, layout, i),
            "pool" | "pools" => media::pools(ctx, out, layout, value),
            "clients" => media::clients(ctx, out, layout),
            "filesets" => media::filesets(ctx, out, layout),
            "media" | "volume" | "volumes" => media::volumes(ctx, out, layout, i),
            "nextvol" | "nextvolume" => media::nextvol(ctx, out),
            "limit" | "days" | "joberrors" | "order" | "jobstatus" | "client" | "type"
            | "level" | "jobtype" | "long" => Vec::new(),
            "snapshot" | "snapshots" => {
                out.line("Snapshots do not apply to this Director: it has no snapshot support, so the catalog holds none.");
                return;
            }
            _ => {
                out.line(format!("Unknown list keyword: {}", args.keys[i]));
                Vec::new()
            }
        };
        for j in used {
            read[j] = true;
        }
    }
}

pub fn list(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let long = ctx.args.has("long");
    run(ctx, out, if long { Layout::Long } else { Layout::Table });
}

pub fn llist(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    run(ctx, out, Layout::Long);
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
