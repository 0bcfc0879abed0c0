//! Schedule `Run =` lines: the overrides (`Level=Full Pool=…`) and the date
//! specification (`1st sun`, `mon-fri`, `w01-w10`, `lastday`, `hourly`,
//! `at 23:05`), read into bit sets the way Bacula's run_conf.c does.

use super::error::ConfigError;
use super::lexer::{Expect, Token};
use super::parser::{Parser, JOB_LEVELS};
use super::value::{Ref, Run};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Wday,
    Month,
    Wom,
    Daily,
    Weekly,
    Monthly,
    Hourly,
    At,
    On,
    LastDay,
}

fn keyword(word: &str) -> Option<(Field, u32)> {
    const WDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    const WDAYS_LONG: [&str; 7] = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    const MONTHS_LONG: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    const WOM: [&str; 6] = ["1st", "2nd", "3rd", "4th", "5th", "6th"];
    const WOM_LONG: [&str; 6] = ["first", "second", "third", "fourth", "fifth", "sixth"];
    let w = word.to_ascii_lowercase();
    let pos = |table: &[&str]| table.iter().position(|k| *k == w).map(|p| p as u32);
    if let Some(p) = pos(&WDAYS).or_else(|| pos(&WDAYS_LONG)) {
        return Some((Field::Wday, p));
    }
    if let Some(p) = pos(&MONTHS).or_else(|| pos(&MONTHS_LONG)) {
        return Some((Field::Month, p));
    }
    if let Some(p) = pos(&WOM).or_else(|| pos(&WOM_LONG)) {
        return Some((Field::Wom, p));
    }
    let f = match w.as_str() {
        "on" => Field::On,
        "at" => Field::At,
        "lastday" => Field::LastDay,
        "daily" => Field::Daily,
        "weekly" => Field::Weekly,
        "monthly" => Field::Monthly,
        "hourly" => Field::Hourly,
        _ => return None,
    };
    Some((f, 0))
}

fn bits32(from: u32, to: u32) -> u32 {
    (from..=to).fold(0, |acc, i| acc | (1 << i))
}

fn bits64(from: u32, to: u32) -> u64 {
    (from..=to).fold(0, |acc, i| acc | (1u64 << i))
}

/// Week of year `wNN`.
fn week_of_year(word: &str) -> Option<u32> {
    let b = word.as_bytes();
    if b.len() == 3 && (b[0] == b'w' || b[0] == b'W') && b[1..].iter().all(u8::is_ascii_digit) {
        word[1..].parse().ok()
    } else {
        None
    }
}

const OVERRIDES: [&str; 13] = [
    "Pool",
    "FullPool",
    "IncrementalPool",
    "DifferentialPool",
    "Level",
    "Storage",
    "Messages",
    "Priority",
    "SpoolData",
    "WritePartAfterJob",
    "MaxRunSchedTime",
    "Accurate",
    "NextPool",
];

/// Which parts of the date the line has set so far; the first mention of
/// a part replaces its "every" default.
#[derive(Default)]
struct Seen {
    hour: bool,
    mday: bool,
    wday: bool,
    month: bool,
    wom: bool,
    woy: bool,
    at: bool,
}

impl Parser {
    /// Reads one `Run =` line.
    pub(super) fn schedule_run(&mut self) -> Result<Run, ConfigError> {
        let saved = self.lx.options;
        self.lx.options.no_ident = true;
        let result = self.schedule_run_inner();
        self.lx.options = saved;
        result
    }

    fn schedule_run_inner(&mut self) -> Result<Run, ConfigError> {
        let mut run = Run {
            hour: bits32(0, 23),
            mday: bits32(0, 30),
            wday: bits32(0, 6),
            month: bits32(0, 11),
            wom: bits32(0, 5),
            woy: bits64(0, 53),
            ..Run::default()
        };
        let mut tok;
        loop {
            tok = self.lx.next_token(Expect::All)?;
            if !matches!(
                tok,
                Token::UnquotedString | Token::QuotedString | Token::Identifier
            ) {
                break;
            }
            let word = self.lx.text.clone();
            if let Some(field) = OVERRIDES.iter().find(|f| f.eq_ignore_ascii_case(&word)) {
                self.expect_equals(field)?;
                self.run_override(field, &mut run)?;
                continue;
            }
            if let Some(level) = JOB_LEVELS.iter().find(|l| l.eq_ignore_ascii_case(&word)) {
                run.level = Some(level.to_string());
                continue;
            }
            break;
        }
        let mut seen = Seen::default();
        loop {
            match tok {
                Token::Eol | Token::Eof => break,
                Token::Eob => {
                    self.lx.unget_char();
                    break;
                }
                Token::Comma => {}
                Token::Number => {
                    let day: u32 = self.lx.text.parse().unwrap_or(0);
                    if !(1..=31).contains(&day) {
                        return Err(self.err(format!("day number {day} out of range (1-31)")));
                    }
                    mention(&mut seen.mday, &mut run.mday, 1 << (day - 1));
                }
                Token::UnquotedString | Token::QuotedString | Token::Identifier => {
                    let word = self.lx.text.clone();
                    self.run_word(&word, &mut run, &mut seen)?;
                }
                _ => {
                    return Err(self.err(format!(
                        "unexpected {} \"{}\" in Run",
                        tok.describe(),
                        self.lx.text
                    )))
                }
            }
            tok = self.lx.next_token(Expect::All)?;
        }
        Ok(run)
    }

    fn run_override(&mut self, field: &str, run: &mut Run) -> Result<(), ConfigError> {
        match field {
            "Level" => {
                let w = self.name()?;
                let level = JOB_LEVELS
                    .iter()
                    .find(|l| l.eq_ignore_ascii_case(&w))
                    .ok_or_else(|| self.err(format!("job level \"{w}\" not found in Run")))?;
                run.level = Some(level.to_string());
            }
            "Priority" => {
                let w = self.name_or_number()?;
                run.priority = Some(w.parse().map_err(|_| {
                    self.err(format!(
                        "Priority expects a positive integer number, got \"{w}\""
                    ))
                })?);
            }
            "SpoolData" => run.spool_data = Some(self.yes_no(field)?),
            "WritePartAfterJob" => run.write_part_after_job = Some(self.yes_no(field)?),
            "Accurate" => run.accurate = Some(self.yes_no(field)?),
            "MaxRunSchedTime" => {
                let w = self.name_or_number()?;
                run.max_run_sched_time =
                    Some(super::units::parse_duration(&w).ok_or_else(|| {
                        self.err(format!(
                            "MaxRunSchedTime expects a time period, got \"{w}\""
                        ))
                    })?);
            }
            _ => {
                let name = self.name()?;
                let r = Some(Ref {
                    name,
                    at: self.here(),
                });
                match field {
                    "Pool" => run.pool = r,
                    "FullPool" => run.full_pool = r,
                    "IncrementalPool" => run.inc_pool = r,
                    "DifferentialPool" => run.diff_pool = r,
                    "NextPool" => run.next_pool = r,
                    "Storage" => run.storage = r,
                    _ => run.messages = r,
                }
            }
        }
        Ok(())
    }

    fn name_or_number(&mut self) -> Result<String, ConfigError> {
        let tok = self.lx.next_token(Expect::All)?;
        if matches!(
            tok,
            Token::Number | Token::Identifier | Token::UnquotedString | Token::QuotedString
        ) {
            Ok(self.lx.text.clone())
        } else {
            Err(self.err(format!("expected a value, got {}", tok.describe())))
        }
    }

    fn run_word(&mut self, word: &str, run: &mut Run, seen: &mut Seen) -> Result<(), ConfigError> {
        if let Some((a, b)) = word.split_once('-') {
            return self.run_range(a, b, run, seen);
        }
        if word.contains(':') {
            return self.run_time(word, run, seen);
        }
        if let Some(w) = week_of_year(word) {
            if w > 53 {
                return Err(self.err(format!("week number w{w:02} out of range (w00-w53)")));
            }
            mention64(&mut seen.woy, &mut run.woy, 1u64 << w);
            return Ok(());
        }
        let Some((field, code)) = keyword(word) else {
            return Err(self.err(format!("\"{word}\" is not a date word in Run")));
        };
        match field {
            Field::On => {}
            Field::At => seen.at = true,
            Field::Wday => {
                mention(&mut seen.wday, &mut run.wday, 1 << code);
            }
            Field::Month => {
                mention(&mut seen.month, &mut run.month, 1 << code);
            }
            Field::Wom => {
                mention(&mut seen.wom, &mut run.wom, 1 << code);
            }
            Field::LastDay => {
                run.last_day = true;
                mention(&mut seen.mday, &mut run.mday, 1 << 31);
            }
            Field::Hourly => {
                seen.hour = true;
                run.hour = bits32(0, 23);
            }
            Field::Weekly => {
                seen.mday = true;
                seen.wom = true;
                seen.woy = true;
                run.mday = bits32(0, 30);
                run.wom = bits32(0, 5);
                run.woy = bits64(0, 53);
            }
            Field::Daily => {
                seen.mday = true;
                run.wday = bits32(0, 6);
            }
            Field::Monthly => {
                seen.month = true;
                run.month = bits32(0, 11);
            }
        }
        Ok(())
    }

    fn run_time(&mut self, word: &str, run: &mut Run, seen: &mut Seen) -> Result<(), ConfigError> {
        if !seen.at {
            return Err(self.err(format!(
                "time \"{word}\" must be preceded by the keyword at"
            )));
        }
        let bad = || {
            self.err(format!(
                "bad time specification \"{word}\" (use HH:MM, HH:MMam or HH:MMpm)"
            ))
        };
        let (h, m) = word.split_once(':').ok_or_else(bad)?;
        let mut hour: i32 = h.parse().map_err(|_| bad())?;
        let digits = m.chars().take_while(char::is_ascii_digit).count();
        if digits != 2 {
            return Err(bad());
        }
        let minute: i32 = m[..2].parse().map_err(|_| bad())?;
        match m[2..].to_ascii_lowercase().as_str() {
            "" => {}
            "pm" => {
                if hour != 12 {
                    hour += 12
                }
            }
            "am" => {
                if hour == 12 {
                    hour = 0
                }
            }
            _ => return Err(bad()),
        }
        if !(0..=23).contains(&hour) || !(0..=59).contains(&minute) {
            return Err(bad());
        }
        if !seen.hour {
            run.hour = 0;
        }
        run.hour |= 1 << hour;
        run.minute = minute as u32;
        seen.hour = true;
        Ok(())
    }

    fn run_range(
        &mut self,
        a: &str,
        b: &str,
        run: &mut Run,
        seen: &mut Seen,
    ) -> Result<(), ConfigError> {
        if let (Ok(x), Ok(y)) = (a.parse::<u32>(), b.parse::<u32>()) {
            if !(1..=31).contains(&x) || !(1..=31).contains(&y) {
                return Err(self.err(format!("bad day range \"{a}-{b}\" (days are 1-31)")));
            }
            mention(&mut seen.mday, &mut run.mday, wrap32(x - 1, y - 1, 30));
            return Ok(());
        }
        if let (Some(x), Some(y)) = (week_of_year(a), week_of_year(b)) {
            if x > 53 || y > 53 {
                return Err(self.err(format!("week range \"{a}-{b}\" out of range (w00-w53)")));
            }
            mention64(
                &mut seen.woy,
                &mut run.woy,
                if x < y {
                    bits64(x, y)
                } else {
                    bits64(x, 53) | bits64(0, y)
                },
            );
            return Ok(());
        }
        let (Some((fa, ca)), Some((fb, cb))) = (keyword(a), keyword(b)) else {
            return Err(self.err(format!("invalid range \"{a}-{b}\" in Run")));
        };
        if fa != fb || ca == cb || !matches!(fa, Field::Wday | Field::Month | Field::Wom) {
            return Err(self.err(format!(
                "invalid range \"{a}-{b}\": both ends must be different week days, months or week positions"
            )));
        }
        match fa {
            Field::Wday => {
                mention(&mut seen.wday, &mut run.wday, wrap32(ca, cb, 6));
            }
            Field::Month => {
                mention(&mut seen.month, &mut run.month, wrap32(ca, cb, 11));
            }
            _ => {
                mention(&mut seen.wom, &mut run.wom, wrap32(ca, cb, 5));
            }
        }
        Ok(())
    }
}

/// Adds `bits` to a part of the date; its first mention replaces the
/// "every" default.
fn mention(seen: &mut bool, field: &mut u32, bits: u32) {
    if !*seen {
        *field = 0;
        *seen = true;
    }
    *field |= bits;
}

fn mention64(seen: &mut bool, field: &mut u64, bits: u64) {
    if !*seen {
        *field = 0;
        *seen = true;
    }
    *field |= bits;
}

/// Bits from `a` to `b`, wrapping past `max` when `b` comes before `a`.
fn wrap32(a: u32, b: u32, max: u32) -> u32 {
    if a < b {
        bits32(a, b)
    } else {
        bits32(a, max) | bits32(0, b)
    }
}
