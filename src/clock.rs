//! Local time in the forms Bacula prints: `26-Nov 07:30` on messages,
//! `26-Nov-2026 07:30:00` in reports, `2026-11-26 07:30:00` in the catalog,
//! and `2026-11-26_07.30.00` in unique job names.

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A moment broken down in the local time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    /// 0 (Sunday) to 6.
    pub weekday: u32,
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `YYYY-MM-DD HH:MM[:SS]` in the local time zone as seconds since the
/// epoch (the form bacula-dir's `run when=` takes, str_to_utime).
pub fn parse_local(text: &str) -> Option<i64> {
    let (date, time) = text.trim().split_once(' ')?;
    let num = |s: &str| s.parse::<i32>().ok();
    let d: Vec<i32> = date.split('-').map(num).collect::<Option<_>>()?;
    let t: Vec<i32> = time.trim().split(':').map(num).collect::<Option<_>>()?;
    let ([y, mo, da], [h, mi, rest @ ..]) = (d.as_slice(), t.as_slice()) else {
        return None;
    };
    let sec = match rest {
        [] => 0,
        [s] => *s,
        _ => return None,
    };
    if !(1..=12).contains(mo) || !(1..=31).contains(da) || *h > 23 || *mi > 59 || sec > 60 {
        return None;
    }
    // SAFETY: mktime reads and normalises only the tm we give it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = *da;
    tm.tm_hour = *h;
    tm.tm_min = *mi;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    let t = unsafe { libc::mktime(&mut tm) };
    (t != -1).then_some(t as i64)
}

/// `secs` in the local time zone.
pub fn local(secs: i64) -> Local {
    let t: libc::time_t = secs as libc::time_t;
    // SAFETY: localtime_r writes only into the tm we give it.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    unsafe { libc::localtime_r(&t, &mut tm) };
    Local {
        year: tm.tm_year + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        minute: tm.tm_min as u32,
        second: tm.tm_sec as u32,
        weekday: tm.tm_wday as u32,
    }
}

impl Local {
    pub fn month_name(&self) -> &'static str {
        MONTHS[(self.month.clamp(1, 12) - 1) as usize]
    }

    /// `26-Nov 07:30`, the time on a job message.
    pub fn message(&self) -> String {
        format!(
            "{:02}-{} {:02}:{:02}",
            self.day,
            self.month_name(),
            self.hour,
            self.minute
        )
    }

    /// `26-Nov-2026 07:30:00`, the times of a termination report.
    pub fn report(&self) -> String {
        format!(
            "{:02}-{}-{} {:02}:{:02}:{:02}",
            self.day,
            self.month_name(),
            self.year,
            self.hour,
            self.minute,
            self.second
        )
    }

    /// `2026-11-26 07:30:00`, as the catalog stores times.
    pub fn sql(&self) -> String {
        format!(
            "{}-{:02}-{:02} {:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `2026-11-26_07.30.00`, inside unique job names.
    pub fn job_name(&self) -> String {
        format!(
            "{}-{:02}-{:02}_{:02}.{:02}.{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_match_bacula() {
        let t = Local {
            year: 2026,
            month: 11,
            day: 6,
            hour: 7,
            minute: 5,
            second: 9,
            weekday: 5,
        };
        assert_eq!(t.message(), "06-Nov 07:05");
        assert_eq!(t.report(), "06-Nov-2026 07:05:09");
        assert_eq!(t.sql(), "2026-11-06 07:05:09");
        assert_eq!(t.job_name(), "2026-11-06_07.05.09");
    }
}
