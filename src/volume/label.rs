//! Label Format expansion, as Bacula's variable expansion does it for new
//! volume names: `$Name` and `${Name}` are replaced by a job variable
//! (Year, Month, Day, Hour, Minute, Second, WeekDay, Job, Dir, Level,
//! Type, JobId, JobName, Storage, Client, NumVols, Pool, Catalog,
//! MediaType), a Counter resource (whose value goes up by one each time it
//! is used) or an environment variable; `${Name:op:op…}` applies
//! operations: `p/WIDTH/FILL/ALIGN` pads to WIDTH with FILL, ALIGN `l`
//! (text on the left), `r` (on the right) or `c` (centred); `l` and `u`
//! change the case. `\$` is a dollar sign.

/// Expands `format`; `lookup` gives a variable's value. An unknown
/// variable or operation, or an unclosed `${`, is an error naming it.
pub fn expand(
    format: &str,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = format;
    while let Some(pos) = rest.find(['$', '\\']) {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if rest.as_bytes()[pos] == b'\\' {
            let mut chars = after.chars();
            match chars.next() {
                Some(c) => out.push(c),
                None => out.push('\\'),
            }
            rest = chars.as_str();
            continue;
        }
        if let Some(inner) = after.strip_prefix('{') {
            let end = closing_brace(inner)
                .ok_or_else(|| format!("Label Format \"{format}\": \"${{\" is not closed"))?;
            let body = &inner[..end];
            let (name, ops) = match body.split_once(':') {
                Some((n, o)) => (n, Some(o)),
                None => (body, None),
            };
            let mut value = variable(format, name, lookup)?;
            if let Some(ops) = ops {
                value = operations(format, name, ops, value)?;
            }
            out.push_str(&value);
            rest = &inner[end + 1..];
        } else {
            let len = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            if len == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            out.push_str(&variable(format, &after[..len], lookup)?);
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The time variables (Year, Month, Day, Hour, Minute, Second, WeekDay)
/// at `t`.
pub fn time_variable(name: &str, t: &crate::clock::Local) -> Option<String> {
    Some(match name {
        "Year" => format!("{:04}", t.year),
        "Month" => format!("{:02}", t.month),
        "Day" => format!("{:02}", t.day),
        "Hour" => format!("{:02}", t.hour),
        "Minute" => format!("{:02}", t.minute),
        "Second" => format!("{:02}", t.second),
        "WeekDay" => t.weekday.to_string(),
        _ => return None,
    })
}

/// The value of the Counter resource `name` (`name+`: after adding
/// one, as a Label Format's `${Counter+}` does); None when there is no
/// such Counter.
pub fn counter(director: &crate::director::Director, name: &str) -> Result<Option<String>, String> {
    let (counter, increment) = match name.strip_suffix('+') {
        Some(n) => (n, true),
        None => (name, false),
    };
    let cfg = director.config();
    let Some(c) = cfg.find(crate::config::Kind::Counter, counter) else {
        return Ok(None);
    };
    let def = crate::catalog::CounterDef {
        name: counter,
        min: c.int("Minimum").unwrap_or(0),
        max: c.int("Maximum").unwrap_or(i64::from(i32::MAX)),
        wrap: c.str("WrapCounter"),
    };
    director
        .catalog()
        .counter(&def, increment)
        .map(|v| Some(v.to_string()))
        .map_err(|e| e.to_string())
}

fn closing_brace(s: &str) -> Option<usize> {
    let mut depth = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

fn variable(
    format: &str,
    name: &str,
    lookup: &mut dyn FnMut(&str) -> Option<String>,
) -> Result<String, String> {
    if name.is_empty() {
        return Err(format!("Label Format \"{format}\": empty variable name"));
    }
    lookup(name)
        .or_else(|| std::env::var(name).ok())
        .ok_or_else(|| format!("Label Format \"{format}\": unknown variable \"{name}\""))
}

/// Applies `op:op…` to `value`.
fn operations(format: &str, name: &str, ops: &str, mut value: String) -> Result<String, String> {
    let bad = |op: &str| format!("Label Format \"{format}\": cannot apply \"{op}\" to ${{{name}}}");
    let mut rest = ops;
    while !rest.is_empty() {
        let (_, tail) = if let Some(p) = rest.strip_prefix('p') {
            // p/WIDTH/FILL/ALIGN
            let parts: Vec<&str> = p.splitn(5, '/').collect();
            if parts.len() < 4 || !parts[0].is_empty() {
                return Err(bad(rest));
            }
            let width: usize = parts[1].parse().map_err(|_| bad(rest))?;
            if width > crate::config::MAX_NAME_LENGTH {
                return Err(format!(
                    "Label Format \"{format}\": padding ${{{name}}} to {width} characters makes a name longer than the {} a volume name may have",
                    crate::config::MAX_NAME_LENGTH
                ));
            }
            let fill = parts[2];
            if fill.is_empty() {
                return Err(bad(rest));
            }
            let align = &parts[3][..parts[3].find(':').unwrap_or(parts[3].len())];
            value = pad(&value, width, fill, align).ok_or_else(|| bad(rest))?;
            let used = 1 + parts[1].len() + 1 + fill.len() + 1 + 1 + align.len();
            (&rest[..used.min(rest.len())], &rest[used.min(rest.len())..])
        } else if let Some(t) = rest.strip_prefix('l') {
            value = value.to_lowercase();
            (&rest[..1], t)
        } else if let Some(t) = rest.strip_prefix('u') {
            value = value.to_uppercase();
            (&rest[..1], t)
        } else {
            return Err(bad(rest));
        };
        rest = match tail.strip_prefix(':') {
            Some(t) => t,
            None if tail.is_empty() => tail,
            None => return Err(bad(tail)),
        };
    }
    Ok(value)
}

/// `value` padded to `width` characters with `fill` repeated.
fn pad(value: &str, width: usize, fill: &str, align: &str) -> Option<String> {
    if !matches!(align, "l" | "r" | "c") {
        return None;
    }
    let have = value.chars().count();
    if have >= width {
        return Some(value.to_string());
    }
    let filler = |n: usize| fill.chars().cycle().take(n).collect::<String>();
    let missing = width - have;
    match align {
        "l" => Some(format!("{value}{}", filler(missing))),
        "r" => Some(format!("{}{value}", filler(missing))),
        "c" => Some(format!(
            "{}{value}{}",
            filler(missing / 2),
            filler(missing - missing / 2)
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(name: &str) -> Option<String> {
        match name {
            "Pool" => Some("Daily".into()),
            "NumVols" => Some("7".into()),
            "Year" => Some("2026".into()),
            "Month" => Some("11".into()),
            "Client" => Some("web-fd".into()),
            _ => None,
        }
    }

    fn x(f: &str) -> Result<String, String> {
        expand(f, &mut vars)
    }

    #[test]
    fn variables_and_padding() {
        assert_eq!(x("Vol-").unwrap(), "Vol-");
        assert_eq!(x("${Pool}-${NumVols:p/4/0/r}").unwrap(), "Daily-0007");
        assert_eq!(x("$Pool-$Year$Month").unwrap(), "Daily-202611");
        assert_eq!(x("${Client:u}").unwrap(), "WEB-FD");
        assert_eq!(x("${NumVols:p/3/x/l}").unwrap(), "7xx");
        assert_eq!(x("${NumVols:p/3/-/c}").unwrap(), "-7-");
        assert_eq!(x("${Pool:p/2/0/r}").unwrap(), "Daily");
        assert_eq!(x("${Pool:l:p/7/_/r}").unwrap(), "__daily");
        assert_eq!(x("a\\$b").unwrap(), "a$b");
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert!(x("${Nope}")
            .unwrap_err()
            .contains("unknown variable \"Nope\""));
        assert!(x("${Pool").unwrap_err().contains("not closed"));
        assert!(x("${Pool:z}").unwrap_err().contains("cannot apply \"z\""));
        assert!(x("${Pool:p/x/0/r}").unwrap_err().contains("cannot apply"));
        assert!(x("${Pool:p/4/0/q}").unwrap_err().contains("cannot apply"));
        assert!(x("${Pool:p/4444444420/0/l}")
            .unwrap_err()
            .contains("longer than the 127 a volume name may have"));
        assert_eq!(x("${Pool:p/127/0/r}").unwrap().len(), 127);
    }

    #[test]
    fn counters_count_each_use() {
        let mut n = 0;
        let mut lookup = |name: &str| {
            (name == "Seq").then(|| {
                n += 1;
                n.to_string()
            })
        };
        assert_eq!(expand("${Seq}-${Seq}", &mut lookup).unwrap(), "1-2");
    }
}
