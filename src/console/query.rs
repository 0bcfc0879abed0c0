//! `query`: the canned queries of the Director's QueryFile (Debian's
//! /etc/bacula/scripts/query.sql, or Bacula's sample-query.sql), as
//! ua_query.c reads them: `:title` starts a query and names it in the
//! "Available queries:" menu, `*prompt` asks for the value of %1, %2, …
//! (at most 9), `#` lines are comments, and each statement ends with
//! `;`; a statement starting with `!` is shown in the long form and its
//! failure is not told (the sample file drops tables that may not
//! exist that way). `query N` runs the N-th query without the menu.
//!
//! The file is the administrator's; the console only types the values.
//! A value is pasted where its %n stands with its quotes doubled, as
//! bacula-dir does, and where %n stands outside quotes it must be a
//! number: bacula-dir 9.6.7 pastes any text there (substitute_prompts),
//! so that `1 OR 1=1` typed for a JobId reads every job.

use super::{list, select, Ctx, Reply};

/// The most prompts one query has (ua_query.c).
const MAX_PROMPTS: usize = 9;

/// One query of the file: its title, its prompts, its statements.
#[derive(Debug, Default, PartialEq)]
struct Query {
    title: String,
    prompts: Vec<String>,
    statements: Vec<String>,
}

/// The queries of a QueryFile's text, in order.
fn parse(text: &str) -> Vec<Query> {
    let mut queries: Vec<Query> = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let line = line.trim_end();
        if let Some(title) = line.strip_prefix(':') {
            queries.push(Query {
                title: title.to_string(),
                ..Query::default()
            });
            pending.clear();
            continue;
        }
        let Some(q) = queries.last_mut() else {
            continue;
        };
        if line.starts_with('#') {
            continue;
        }
        if let Some(p) = line.strip_prefix('*') {
            if q.prompts.len() < MAX_PROMPTS {
                q.prompts.push(format!("{p} "));
                continue;
            }
        }
        if line.is_empty() && pending.is_empty() {
            continue;
        }
        if !pending.is_empty() {
            pending.push(' ');
        }
        pending.push_str(line);
        if let Some(done) = pending.strip_suffix(';') {
            q.statements.push(done.to_string());
            pending.clear();
        }
    }
    if let (Some(q), false) = (queries.last_mut(), pending.trim().is_empty()) {
        q.statements.push(pending);
    }
    queries
}

/// `12`, `-3`, `4.5`: what may stand where no quotes enclose a value.
fn is_number(v: &str) -> bool {
    let digits = v.strip_prefix('-').unwrap_or(v);
    let mut parts = digits.splitn(2, '.');
    let whole = parts.next().unwrap_or("");
    let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    ok(whole) && parts.next().map_or(true, ok)
}

/// Whether the byte at `at` of `sql` is inside a quoted string.
fn quoted(sql: &str, at: usize) -> bool {
    sql[..at].matches('\'').count() % 2 == 1
}

/// The statement with each %n replaced by its value (asked for the first
/// time it is needed, kept for the next); None when the console gave up
/// or a value does not fit where it goes (told).
fn substitute(
    ctx: &Ctx<'_, '_>,
    out: &mut Reply,
    sql: &str,
    prompts: &[String],
    values: &mut [Option<String>],
) -> Option<String> {
    let mut result = String::new();
    let mut rest = sql;
    while let Some(p) = rest.find('%') {
        let at = sql.len() - rest.len() + p;
        result.push_str(&rest[..p]);
        let next = rest[p + 1..].chars().next();
        match next {
            Some(d @ '1'..='9') => {
                let n = d as usize - '1' as usize;
                match prompts.get(n) {
                    Some(prompt) => {
                        if values[n].is_none() {
                            values[n] = Some(ctx.ask(out, prompt)?.trim().to_string());
                        }
                        let v = values[n].as_deref().unwrap_or_default();
                        if quoted(sql, at) {
                            result.push_str(&v.replace('\'', "''").replace('\0', ""));
                        } else if is_number(v) {
                            result.push_str(v);
                        } else {
                            out.line(format!("\"{v}\" is not a number: {}", prompt.trim_end()));
                            return None;
                        }
                    }
                    None => out.line(format!("Warning prompt {} missing.", n + 1)),
                }
                rest = &rest[p + 2..];
            }
            Some('%') => {
                result.push('%');
                rest = &rest[p + 2..];
            }
            _ => {
                result.push('%');
                rest = &rest[p + 1..];
            }
        }
    }
    result.push_str(rest);
    Some(result)
}

pub fn query(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let file = ctx
        .director
        .config()
        .director()
        .str("QueryFile")
        .unwrap_or_default()
        .to_string();
    let text = match std::fs::read(&file) {
        Ok(t) => String::from_utf8_lossy(&t).into_owned(),
        Err(e) => {
            out.line(format!("Could not open {file}: ERR={e}"));
            return;
        }
    };
    let queries = parse(&text);
    let titles: Vec<&str> = queries.iter().map(|q| q.title.as_str()).collect();
    let chosen = match ctx.args.word(0).map(|w| w.parse::<usize>()) {
        Some(Ok(n)) if n >= 1 => Some(n - 1),
        other => {
            if other.is_some() {
                out.line("Invalid command line query item specified.");
            }
            select::choose(
                ctx,
                out,
                "Available queries:",
                "",
                "Choose a query",
                &titles,
            )
        }
    };
    let Some(chosen) = chosen else {
        return;
    };
    let Some(q) = queries.get(chosen) else {
        out.line("Could not find query.");
        return;
    };
    let mut values = vec![None; q.prompts.len()];
    for statement in &q.statements {
        let Some(sql) = substitute(ctx, out, statement, &q.prompts, &mut values) else {
            return;
        };
        let (sql, long) = match sql.strip_prefix('!') {
            Some(s) => (s.to_string(), true),
            None => (sql, false),
        };
        let catalog = ctx.director.catalog();
        match list::query(catalog.db(), &sql, &[]) {
            Ok(rows) if rows.rows.is_empty() => out.line("No results to list."),
            Ok(rows) if long => list::vertical(&rows, out),
            Ok(rows) => list::table(&rows, out),
            Err(_) if long => {}
            Err(e) => {
                out.line(format!("Query failed: {e}"));
                out.line(sql);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_file_is_read_as_ua_query_reads_it() {
        let text = "# comment\n:First\n*Enter a:\nSELECT 1\n  FROM x WHERE a='%1';\n:Second\n!DROP TABLE t;\nSELECT 2;\n";
        let q = parse(text);
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].title, "First");
        assert_eq!(q[0].prompts, ["Enter a: "]);
        // Lines are joined by one space and keep their own indent, as
        // ua_query.c strips only their ends.
        assert_eq!(q[0].statements, ["SELECT 1   FROM x WHERE a='%1'"]);
        assert_eq!(q[1].statements, ["!DROP TABLE t", "SELECT 2"]);
    }

    #[test]
    fn a_value_outside_quotes_must_be_a_number() {
        assert!(is_number("12") && is_number("-3") && is_number("4.5"));
        assert!(!is_number("1 OR 1=1") && !is_number("") && !is_number("1.") && !is_number("inf"));
    }

    #[test]
    fn only_the_text_inside_quotes_is_quoted() {
        let sql = "SELECT * FROM Job WHERE Name='%1' AND JobId=%2";
        assert!(quoted(sql, sql.find("%1").unwrap()));
        assert!(!quoted(sql, sql.find("%2").unwrap()));
    }
}
