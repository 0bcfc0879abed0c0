//! The `.api 2` key=value form bacula-dir's OutputWriter gives (lib/
//! output.c): `key=value` pairs each followed by the separator (newline,
//! or `s<n>` of `api_opts`), times as `key_epoch=…` and `key=…` in the
//! `t<n>` format, objects opened by a newline (after 32 `S<n>` object
//! separators if set) and closed by one, groups as `name:\n … \n`.

use super::login::Login;

/// How a session's `.api 2` output is written, from its api_opts.
pub struct Writer {
    separator: char,
    object_separator: Option<char>,
    /// 0 ISO (`2026-12-01 18:13:23`), 1 seconds since the epoch, 2
    /// `01-Dec-26 18:13`.
    time_format: u8,
    text: String,
}

impl Writer {
    /// The writer for `login`'s api_opts (parse_options: unknown letters
    /// are skipped, `C` restores the defaults).
    pub fn of(login: &Login) -> Writer {
        let opts = login.api_opts.borrow().clone();
        let mut w = Writer {
            separator: '\n',
            object_separator: None,
            time_format: 0,
            text: String::new(),
        };
        let mut chars = opts.chars().peekable();
        let number = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
            let mut n: u32 = 0;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(d);
                chars.next();
            }
            n
        };
        while let Some(c) = chars.next() {
            match c {
                'C' => {
                    w.separator = '\n';
                    w.time_format = 0;
                }
                's' => match char::from_u32(number(&mut chars)).filter(char::is_ascii) {
                    Some(sep) => w.separator = sep,
                    None => continue,
                },
                'S' => {
                    w.object_separator = char::from_u32(number(&mut chars)).filter(char::is_ascii)
                }
                't' => {
                    if let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                        chars.next();
                        w.time_format = d as u8;
                    }
                }
                _ => {}
            }
        }
        w
    }

    pub fn start_group(&mut self, name: &str) -> &mut Writer {
        self.text.push_str(name);
        self.text.push_str(":\n");
        self
    }

    pub fn end_group(&mut self) -> &mut Writer {
        self.text.push('\n');
        self
    }

    pub fn start_object(&mut self) -> &mut Writer {
        if let Some(s) = self.object_separator {
            self.text.extend(std::iter::repeat(s).take(32));
        }
        self.text.push('\n');
        self
    }

    pub fn end_object(&mut self) -> &mut Writer {
        self.text.push('\n');
        self
    }

    pub fn str(&mut self, key: &str, value: impl std::fmt::Display) -> &mut Writer {
        self.text
            .push_str(&format!("{key}={value}{}", self.separator));
        self
    }

    /// A time: `key_epoch=SECONDS` and `key=` in the session's format.
    pub fn time(&mut self, key: &str, epoch: i64) -> &mut Writer {
        let t = crate::clock::local(epoch);
        let shown = match self.time_format {
            1 => epoch.to_string(),
            2 => super::status::short_time(epoch),
            _ => format!(
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year, t.month, t.day, t.hour, t.minute, t.second
            ),
        };
        let sep = self.separator;
        self.text
            .push_str(&format!("{key}_epoch={epoch}{sep}{key}={shown}{sep}"));
        self
    }

    /// What was written, to send as one packet; the writer starts over.
    pub fn take(&mut self) -> String {
        std::mem::take(&mut self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(opts: &str) -> Writer {
        let login = Login::director();
        *login.api_opts.borrow_mut() = opts.to_string();
        Writer::of(&login)
    }

    #[test]
    fn api_opts_set_the_separator_and_the_time_format_as_bacula_dir_reads_them() {
        let mut w = with("t1s43");
        let text = w
            .start_group("header")
            .str("name", "d")
            .time("started", 1_796_148_803)
            .end_group()
            .take();
        assert_eq!(
            text,
            "header:\nname=d+started_epoch=1796148803+started=1796148803+\n"
        );
        let mut w = with("S35");
        assert_eq!(
            w.start_object().str("a", 1).end_object().take(),
            format!("{}\na=1\n\n", "#".repeat(32))
        );
        // Unknown letters are skipped; `C` goes back to the defaults.
        let mut w = with("xs43C");
        assert_eq!(w.str("a", 1).take(), "a=1\n");
    }
}
