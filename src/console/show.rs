//! `show`: the configuration's resources as the Director holds them,
//! `show jobs`, `show job=NAME`, `show pools`, … or `show all`.

use serde_json::Value as Json;

use super::{Ctx, Reply};
use crate::config::{json, Kind};

fn kind_of(word: &str) -> Option<Kind> {
    let w = word.to_ascii_lowercase();
    let singular = w.strip_suffix('s').unwrap_or(&w);
    let alias = match singular {
        "dir" | "director" => Some(Kind::Director),
        "message" => Some(Kind::Messages),
        _ => None,
    };
    Kind::from_keyword(&w)
        .or_else(|| Kind::from_keyword(singular))
        .or(alias)
}

fn value(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn print(kind: Kind, body: &Json, out: &mut Reply) {
    let name = body.get("Name").map(value).unwrap_or_default();
    out.line(format!("{}: name={name}", kind.name()));
    if let Json::Object(map) = body {
        for (k, v) in map {
            if k == "Name" || k == "Password" {
                continue;
            }
            out.line(format!("  {k} = {}", value(v)));
        }
    }
}

pub fn show(ctx: &Ctx<'_, '_>, out: &mut Reply) {
    let cfg = ctx.director.config();
    let key = ctx.args.word(0).unwrap_or("all");
    let named = ctx
        .args
        .keys
        .get(1)
        .and_then(|_| ctx.args.values.get(1))
        .cloned()
        .flatten();
    let kinds: Vec<Kind> = if key.eq_ignore_ascii_case("all") {
        Kind::ALL.to_vec()
    } else {
        match kind_of(key) {
            Some(k) => vec![k],
            None => {
                out.line(format!("Keywords for the show command are: directors clients jobs jobdefs storages catalogs schedules filesets pools messages consoles all (not \"{key}\")"));
                return;
            }
        }
    };
    let mut shown = 0;
    for k in kinds {
        let dump = json::dump(&cfg, Some(k), None);
        for entry in dump.as_array().into_iter().flatten() {
            let Some(body) = entry.get(k.name()) else {
                continue;
            };
            if let Some(n) = &named {
                if body.get("Name").map(value).as_deref() != Some(n.as_str()) {
                    continue;
                }
            }
            print(k, body, out);
            shown += 1;
        }
    }
    if shown == 0 {
        if let Some(n) = named {
            out.line(format!("Resource {key}={n} not found"));
        }
    }
}
