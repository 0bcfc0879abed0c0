//! `sqlquery` and `.sql query="…"`: SQL typed at the console, run on the
//! catalog's read-only query connection (catalog::QueryConnection), so
//! that a console allowed to query can read the catalog and nothing more.
//! CommandACL decides who may use either, as in bacula-dir (`.sql` needs
//! its own entry or `*all*`: ua_dotcmds.c do_a_dot_command).

use super::{list, Ctx, Reply};
use crate::catalog::QueryConnection;

/// The longest query `sqlquery` gathers from the console's lines: past it
/// the query is dropped, so that lines without a `;` cannot fill the
/// Director's memory (bacula-dir 9.6.7 grows its buffer without limit).
const MAX_QUERY: usize = 1 << 20;

/// The query connection, or the reason there is none, told to the console.
pub(super) fn connect(ctx: &Ctx<'_, '_>, out: &mut Reply) -> Option<QueryConnection> {
    let path = ctx.director.catalog().path().to_path_buf();
    match QueryConnection::open(&path) {
        Ok(q) => Some(q),
        Err(e) => {
            out.line(format!(
                "Query failed: cannot open the catalog to query: {e}"
            ));
            None
        }
    }
}

pub fn sqlquery(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let Some(q) = connect(ctx, out) else {
        return;
    };
    out.line("Entering SQL query mode.");
    out.line("Terminate each query with a semicolon.");
    out.line("Terminate query mode with a blank line.");
    let mut query = String::new();
    // A dropped query's lines up to its `;` are dropped with it.
    let mut dropping = false;
    loop {
        let prompt = if query.is_empty() {
            "Enter SQL query: "
        } else {
            "Add to SQL query: "
        };
        let Some(line) = ctx.ask(out, prompt) else {
            break;
        };
        let line = line.trim();
        if line.is_empty() {
            break;
        }
        if dropping {
            dropping = !line.ends_with(';');
            continue;
        }
        if query.len() + line.len() >= MAX_QUERY {
            out.line(format!(
                "Query dropped: it is longer than {} KB, the most a console query may be.",
                MAX_QUERY >> 10
            ));
            query = String::new();
            dropping = !line.ends_with(';');
            continue;
        }
        query.push_str(line);
        query.push(' ');
        if !line.ends_with(';') {
            continue;
        }
        let sql = query.trim().trim_end_matches(';');
        match run(&q, sql) {
            Ok(rows) if rows.rows.is_empty() => out.line("No results to list."),
            Ok(rows) => list::table(&rows, out),
            Err(e) => out.line(format!("Query failed: {e}")),
        }
        query.clear();
    }
    out.line("End query mode.");
}

/// Runs `sql` if it only reads.
pub(super) fn run(q: &QueryConnection, sql: &str) -> Result<list::Rows, String> {
    q.check(sql)?;
    list::query(q.db(), sql, &[]).map_err(|e| q.failure(e))
}

/// `.sql query="…"`, bat's way in: each row one message of tab-ended
/// fields (NULL as `*None*`), no header, as ua_dotcmds.c sql_handler
/// sends them.
pub fn dot_sql(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    ctx.announce_catalog(out);
    let Some(sql) = ctx.args.get("query") else {
        out.error("query keyword not found.");
        return;
    };
    let Some(q) = connect(ctx, out) else {
        return;
    };
    let rows = match run(&q, sql) {
        Ok(rows) => rows,
        Err(e) => {
            out.error(format!("Query failed: .sql query=\"{sql}\". ERR={e}"));
            return;
        }
    };
    for row in &rows.rows {
        let text: String = row
            .iter()
            .map(|v| format!("{}\t", v.as_deref().unwrap_or("*None*")))
            .collect();
        out.push(text);
    }
    list::note_if_cut(&rows, out);
}
