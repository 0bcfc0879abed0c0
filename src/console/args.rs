//! A console command line split the way Bacula splits it: words, and
//! `keyword=value` pairs whose values may be quoted, with backslash
//! escapes undone.

/// The words of a command line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Args {
    /// Keywords as typed; the first is the command.
    pub keys: Vec<String>,
    /// The value after `=`, if any, for each keyword.
    pub values: Vec<Option<String>>,
}

impl Args {
    pub fn parse(line: &str) -> Args {
        let mut args = Args::default();
        let mut chars = line.trim().chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| c.is_whitespace()) {
                chars.next();
            }
            if chars.peek().is_none() {
                break;
            }
            let mut key = String::new();
            let mut value: Option<String> = None;
            let mut in_quotes = false;
            while let Some(c) = chars.next() {
                match c {
                    // A backslash takes the next character as it is,
                    // quote, space or backslash (lib/scan.c next_arg); a
                    // last one stands for nothing.
                    '\\' => value.as_mut().unwrap_or(&mut key).extend(chars.next()),
                    '"' => in_quotes = !in_quotes,
                    '=' if value.is_none() && !in_quotes => value = Some(String::new()),
                    c if c.is_whitespace() && !in_quotes => break,
                    c => value.as_mut().unwrap_or(&mut key).push(c),
                }
            }
            args.keys.push(key);
            args.values.push(value);
        }
        args
    }

    /// The command word.
    pub fn command(&self) -> Option<&str> {
        self.keys.first().map(String::as_str)
    }

    /// The value of `key=` (case-insensitive), after the command.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.keys
            .iter()
            .zip(&self.values)
            .skip(1)
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_deref())
    }

    /// Every value given for `key=` (case-insensitive), in order (`file=`
    /// may repeat).
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.keys
            .iter()
            .zip(&self.values)
            .skip(1)
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .filter_map(|(_, v)| v.as_deref())
            .collect()
    }

    /// Whether the bare word `key` (or `key=…`) is present after the command.
    pub fn has(&self, key: &str) -> bool {
        self.keys
            .iter()
            .skip(1)
            .any(|k| k.eq_ignore_ascii_case(key))
    }

    /// The JobId given as `jobid=`, if any; one that is not a number is an
    /// error that says so, never a filter dropped.
    pub fn jobid(&self) -> Result<Option<i64>, String> {
        self.get("jobid")
            .map(|v| {
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| format!("\"{v}\" is not a valid JobId."))
            })
            .transpose()
    }

    /// The n-th word after the command.
    pub fn word(&self, n: usize) -> Option<&str> {
        self.keys.get(n + 1).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_values_and_quotes() {
        let a = Args::parse("list volumes pool=\"Full Pool\" jobid=3 yes");
        assert_eq!(a.command(), Some("list"));
        assert_eq!(a.word(0), Some("volumes"));
        assert_eq!(a.get("POOL"), Some("Full Pool"));
        assert_eq!(a.get("jobid"), Some("3"));
        assert!(a.has("yes"));
        assert!(!a.has("no"));
    }

    #[test]
    fn backslashes_escape_quotes_spaces_and_themselves() {
        let a = Args::parse(
            r#".bvfs_lsfiles filename="it's \"quoted\".txt" path=/a/dir\ with\ spaces/ pattern=%\_% x=a\\b\"#,
        );
        assert_eq!(a.get("filename"), Some("it's \"quoted\".txt"));
        assert_eq!(a.get("path"), Some("/a/dir with spaces/"));
        assert_eq!(a.get("pattern"), Some("%_%"));
        assert_eq!(a.get("x"), Some("a\\b"));
        assert_eq!(a.keys.len(), 5);
    }
}
