//! `sqlquery`: SQL typed at the console, run against the catalog, for the
//! full console only (a restricted console's CommandACL keeps it out).

use super::{list, Ctx, Reply};

pub fn sqlquery(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    out.line("Entering SQL query mode.");
    out.line("Terminate each query with a semicolon.");
    out.line("Terminate query mode with a blank line.");
    let mut query = String::new();
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
        query.push_str(line);
        query.push(' ');
        if !line.ends_with(';') {
            continue;
        }
        let catalog = ctx.director.catalog();
        match list::query(catalog.db(), query.trim().trim_end_matches(';'), &[]) {
            Ok(rows) => list::table(&rows, out),
            Err(e) => out.line(format!("Query failed: {e}")),
        }
        query.clear();
    }
    out.line("End query mode.");
}
