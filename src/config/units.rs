//! Sizes, speeds and durations with Bacula's units.
//!
//! Units are matched by prefix in Bacula's order, which is why `m` alone is
//! months in a duration (minutes are `n`, `min`, `minutes`) and megabytes
//! (1024²) in a size, while `mb` is 1000². A duration may add several terms
//! (`1 day 12 hours`); a size is one number with one unit.

const DURATION_UNITS: [(&str, i64); 10] = [
    ("n", 60),
    ("seconds", 1),
    ("months", 60 * 60 * 24 * 30),
    ("minutes", 60),
    ("mins", 60),
    ("hours", 3600),
    ("days", 3600 * 24),
    ("weeks", 3600 * 24 * 7),
    ("quarters", 3600 * 24 * 91),
    ("years", 3600 * 24 * 365),
];

const SIZE_UNITS: [(&str, u64); 9] = [
    ("*", 1),
    ("k", 1024),
    ("kb", 1000),
    ("m", 1_048_576),
    ("mb", 1_000_000),
    ("g", 1_073_741_824),
    ("gb", 1_000_000_000),
    ("t", 1_099_511_627_776),
    ("tb", 1_000_000_000_000),
];

const SPEED_UNITS: [(&str, u64); 5] = [
    ("*", 1),
    ("k/s", 1024),
    ("kb/s", 1000),
    ("m/s", 1_048_576),
    ("mb/s", 1_000_000),
];

/// Splits `text` into a leading number and the unit word after it; returns
/// the number, the unit and the rest of the text.
fn split_term(text: &str, unit_chars: fn(char) -> bool) -> Option<(f64, &str, &str)> {
    let t = text.trim_start();
    let num_end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    if num_end == 0 {
        return None;
    }
    let number: f64 = t[..num_end].parse().ok()?;
    let rest = t[num_end..].trim_start();
    let unit_end = rest.find(|c: char| !unit_chars(c)).unwrap_or(rest.len());
    Some((number, &rest[..unit_end], &rest[unit_end..]))
}

fn lookup<T: Copy>(unit: &str, table: &[(&str, T)], none: T) -> Option<T> {
    if unit.is_empty() {
        return Some(none);
    }
    let u = unit.to_ascii_lowercase();
    table
        .iter()
        .find(|(name, _)| name.starts_with(u.as_str()))
        .map(|(_, m)| *m)
}

/// A duration in seconds (`1 day 12 hours`, `6 months`, `90`).
pub fn parse_duration(text: &str) -> Option<i64> {
    let mut rest = text.trim_end();
    if rest.trim().is_empty() {
        return None;
    }
    let mut total = 0.0f64;
    while !rest.trim().is_empty() {
        let (n, unit, tail) = split_term(rest, |c| c.is_ascii_alphabetic())?;
        let mult = lookup(unit, &DURATION_UNITS, 1)?;
        total += n * mult as f64;
        rest = tail;
    }
    if !total.is_finite() || total > i64::MAX as f64 {
        return None;
    }
    Some(total as i64)
}

fn parse_unit_value(
    text: &str,
    table: &[(&str, u64)],
    unit_chars: fn(char) -> bool,
) -> Option<u64> {
    let (n, unit, tail) = split_term(text.trim_end(), unit_chars)?;
    if !tail.trim().is_empty() {
        return None;
    }
    let mult = lookup(unit, table, 1)?;
    let v = n * mult as f64;
    if !v.is_finite() || v > u64::MAX as f64 {
        return None;
    }
    Some(v as u64)
}

/// A size in bytes (`50G`, `500 MB`, `1.5k`).
pub fn parse_size(text: &str) -> Option<u64> {
    parse_unit_value(text, &SIZE_UNITS, |c| c.is_ascii_alphabetic())
}

/// A speed in bytes per second (`10 mb/s`).
pub fn parse_speed(text: &str) -> Option<u64> {
    parse_unit_value(text, &SPEED_UNITS, |c| c.is_ascii_alphabetic() || c == '/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn m_alone_means_months_in_a_duration() {
        assert_eq!(parse_duration("1m"), Some(30 * 86400));
        assert_eq!(parse_duration("1 min"), Some(60));
        assert_eq!(parse_duration("2n"), Some(120));
    }

    #[test]
    fn duration_terms_add_up() {
        assert_eq!(parse_duration("1 day 12 hours"), Some(129_600));
        assert_eq!(parse_duration("3 weeks 2 days"), Some(23 * 86400));
        assert_eq!(parse_duration("90"), Some(90));
        assert_eq!(parse_duration("1.5 days"), Some(129_600));
        assert_eq!(parse_duration("1 dayz"), None);
        assert_eq!(parse_duration("day"), None);
    }

    #[test]
    fn sizes_use_binary_and_decimal_units() {
        assert_eq!(parse_size("50M"), Some(52_428_800));
        assert_eq!(parse_size("50 MB"), Some(50_000_000));
        assert_eq!(parse_size("50G"), Some(53_687_091_200));
        assert_eq!(parse_size("1.5k"), Some(1536));
        assert_eq!(parse_size("10"), Some(10));
        assert_eq!(parse_size("1kib"), None);
        assert_eq!(parse_size("abc"), None);
    }

    #[test]
    fn speeds_take_per_second_units() {
        assert_eq!(parse_speed("10 mb/s"), Some(10_000_000));
        assert_eq!(parse_speed("2k/s"), Some(2048));
        assert_eq!(parse_speed("5 g/s"), None);
    }
}
