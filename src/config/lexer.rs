//! The lexical scanner for Bacula resource files.
//!
//! It follows the rules of Bacula's own scanner (lib/lex.c) so that a file
//! bacula-dir accepts reads the same here: keywords are letters only and the
//! spaces inside them are dropped (`Maximum Volume Bytes`), `#` comments, `;`
//! as an end of line, quoted strings with `\` escapes, `@file` and
//! `@|"command"` includes. Unlike Bacula it refuses include cycles instead of
//! looping, and it never aborts the process: every problem is an error value
//! carrying file, line and column.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::error::{ConfigError, Location};

/// End of all input.
pub const L_EOF: i32 = -1;
/// End of the current line.
pub const L_EOL: i32 = -2;

/// How deep includes may nest before we call it a runaway.
const MAX_INCLUDE_DEPTH: usize = 32;

/// The kinds of token the scanner produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Eof,
    Number,
    Identifier,
    UnquotedString,
    QuotedString,
    /// `{`
    Bob,
    /// `}`
    Eob,
    Equals,
    Comma,
    Eol,
    Utf8Bom,
    Utf16Bom,
}

impl Token {
    /// A word for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Token::Eof => "end of file",
            Token::Number => "a number",
            Token::Identifier => "an identifier",
            Token::UnquotedString => "an unquoted string",
            Token::QuotedString => "a quoted string",
            Token::Bob => "\"{\"",
            Token::Eob => "\"}\"",
            Token::Equals => "\"=\"",
            Token::Comma => "\",\"",
            Token::Eol => "end of line",
            Token::Utf8Bom => "a UTF-8 byte order mark",
            Token::Utf16Bom => "a UTF-16 byte order mark",
        }
    }
}

/// What the caller expects next; it changes how `;` and ends of line count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    All,
    SkipEol,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    None,
    Comment,
    Number,
    Identifier,
    String,
    QuotedString,
    Include,
    IncludeQuotedString,
    Utf8Bom,
    Utf16LeBom,
}

/// One open input: the top file, an included file or a command's output.
struct Source {
    name: String,
    /// The canonical path of a file, to catch include cycles.
    key: Option<PathBuf>,
    lines: Vec<Vec<u8>>,
    /// Index of the current line in `lines`; `usize::MAX` before the first.
    line_idx: usize,
    col: usize,
}

impl Source {
    fn new(name: String, key: Option<PathBuf>, data: &[u8]) -> Source {
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, b) in data.iter().enumerate() {
            if *b == b'\n' {
                lines.push(data[start..=i].to_vec());
                start = i + 1;
            }
        }
        if start < data.len() {
            lines.push(data[start..].to_vec());
        }
        Source {
            name,
            key,
            lines,
            line_idx: usize::MAX,
            col: 0,
        }
    }

    fn line_no(&self) -> usize {
        if self.line_idx == usize::MAX {
            0
        } else {
            self.line_idx + 1
        }
    }

    fn current_line(&self) -> &[u8] {
        self.lines
            .get(self.line_idx)
            .map(|l| l.as_slice())
            .unwrap_or(&[])
    }
}

/// Options that change how text is classified.
#[derive(Debug, Clone, Copy, Default)]
pub struct LexOptions {
    /// Letters start a string, not an identifier (Schedule Run lines).
    pub no_ident: bool,
    /// Everything is a string (FileSet option values).
    pub string: bool,
}

/// The scanner: a stack of sources and the token just read.
pub struct Lexer {
    stack: Vec<Source>,
    state: State,
    /// The last character read (or `L_EOL`/`L_EOF`).
    pub ch: i32,
    ungot: bool,
    /// The text of the last token.
    pub text: String,
    raw: Vec<u8>,
    /// Where the last token began.
    pub begin: Location,
    pub options: LexOptions,
    /// Set once the last source is exhausted.
    eof: bool,
}

fn is_space(ch: i32) -> bool {
    matches!(ch, 0x20 | 0x09 | 0x0a | 0x0b | 0x0c | 0x0d)
}

fn is_alpha(ch: i32) -> bool {
    (0x41..=0x5a).contains(&ch) || (0x61..=0x7a).contains(&ch)
}

fn is_digit(ch: i32) -> bool {
    (0x30..=0x39).contains(&ch)
}

impl Lexer {
    /// Opens the configuration file at `path`.
    pub fn open_file(path: &Path) -> Result<Lexer, ConfigError> {
        let mut lx = Lexer::empty();
        lx.push_file(path.to_string_lossy().as_ref(), None)?;
        Ok(lx)
    }

    /// Scans text held in memory, named `name` in messages.
    pub fn from_text(name: &str, text: &[u8]) -> Lexer {
        let mut lx = Lexer::empty();
        lx.stack.push(Source::new(name.to_string(), None, text));
        lx
    }

    fn empty() -> Lexer {
        Lexer {
            stack: Vec::new(),
            state: State::None,
            ch: L_EOL,
            ungot: false,
            text: String::new(),
            raw: Vec::new(),
            begin: Location::default(),
            options: LexOptions::default(),
            eof: false,
        }
    }

    /// Where the scanner is now.
    pub fn location(&self) -> Location {
        match self.stack.last() {
            Some(src) => Location {
                file: src.name.clone(),
                line: src.line_no(),
                column: src.col.max(1),
                text: String::from_utf8_lossy(src.current_line())
                    .trim_end_matches(['\n', '\r'])
                    .to_string(),
            },
            None => self.begin.clone(),
        }
    }

    /// An error located where the last token began.
    pub fn error_at_token(&self, message: impl Into<String>) -> ConfigError {
        ConfigError::at(self.begin.clone(), message)
    }

    fn push_file(&mut self, name: &str, from: Option<Location>) -> Result<(), ConfigError> {
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return Err(self.include_error(
                from,
                format!("includes nested deeper than {MAX_INCLUDE_DEPTH} levels at \"{name}\""),
            ));
        }
        if let Some(command) = name.strip_prefix('|') {
            let output = Command::new("/bin/sh")
                .arg("-c")
                .arg(command)
                .output()
                .map_err(|e| {
                    self.include_error(
                        from.clone(),
                        format!("cannot run include command \"{command}\": {e}"),
                    )
                })?;
            if !output.status.success() {
                return Err(self.include_error(
                    from,
                    format!("include command \"{command}\" failed: {}", output.status),
                ));
            }
            self.stack
                .push(Source::new(name.to_string(), None, &output.stdout));
            return Ok(());
        }
        let key = std::fs::canonicalize(name).ok();
        if let Some(k) = &key {
            if self.stack.iter().any(|s| s.key.as_ref() == Some(k)) {
                return Err(self.include_error(
                    from,
                    format!("include cycle: \"{name}\" is already being read"),
                ));
            }
        }
        let data = std::fs::read(name).map_err(|e| {
            let msg = if from.is_some() {
                format!("cannot open included config file \"{name}\": {e}")
            } else {
                format!("cannot open config file \"{name}\": {e}")
            };
            self.include_error(from.clone(), msg)
        })?;
        self.stack.push(Source::new(name.to_string(), key, &data));
        Ok(())
    }

    fn include_error(&self, from: Option<Location>, message: String) -> ConfigError {
        match from {
            Some(loc) => ConfigError::at(loc, message),
            None => ConfigError::plain(message),
        }
    }

    /// Reads the next character of input, crossing lines and leaving
    /// finished includes.
    fn get_char(&mut self) -> i32 {
        if self.ungot {
            self.ungot = false;
            return self.ch;
        }
        loop {
            let depth = self.stack.len();
            let Some(src) = self.stack.last_mut() else {
                self.eof = true;
                self.ch = L_EOF;
                return L_EOF;
            };
            if src.line_idx == usize::MAX || self.ch == L_EOL {
                let next = if src.line_idx == usize::MAX {
                    0
                } else {
                    src.line_idx + 1
                };
                if next >= src.lines.len() {
                    if depth > 1 {
                        self.stack.pop();
                        // Continue reading the including file after the include.
                        self.ch = 0;
                        continue;
                    }
                    src.line_idx = src.lines.len();
                    self.eof = true;
                    self.ch = L_EOF;
                    return L_EOF;
                }
                src.line_idx = next;
                src.col = 0;
            }
            // Reading on after the end of input (a backslash just before
            // it, say) finds the end again.
            let Some(line) = src.lines.get(src.line_idx) else {
                self.eof = true;
                self.ch = L_EOF;
                return L_EOF;
            };
            if src.col >= line.len() {
                self.ch = L_EOL;
            } else {
                self.ch = line[src.col] as i32;
                src.col += 1;
            }
            return self.ch;
        }
    }

    /// Puts the last character back so the next read returns it again.
    pub fn unget_char(&mut self) {
        self.ungot = true;
    }

    fn begin_str(&mut self, ch: Option<i32>) {
        self.raw.clear();
        if let Some(c) = ch {
            self.raw.push(c as u8);
        }
        self.begin = self.location();
    }

    fn add(&mut self, ch: i32) {
        self.raw.push(ch as u8);
    }

    fn finish_text(&mut self) {
        self.text = String::from_utf8_lossy(&self.raw).into_owned();
    }

    /// The rest of the current line holds nothing but spaces, a comment or `;`.
    pub fn at_logical_eol(&self) -> bool {
        let Some(src) = self.stack.last() else {
            return true;
        };
        let line = src.current_line();
        let mut col = src.col;
        if self.ungot && self.ch >= 0 {
            col = col.saturating_sub(1);
        }
        for &b in line.iter().skip(col) {
            match b {
                b'#' | b';' | b'\n' => return true,
                b' ' | b'\t' | b'\r' | 0x0b | 0x0c => continue,
                _ => return false,
            }
        }
        true
    }

    /// Returns the next token.
    pub fn next_token(&mut self, expect: Expect) -> Result<Token, ConfigError> {
        let mut esc_next = false;
        let mut bom_seen = 0;
        loop {
            let ch = self.get_char();
            match self.state {
                State::None => {
                    if is_space(ch) {
                        continue;
                    }
                    if is_alpha(ch) {
                        self.state = if self.options.no_ident || self.options.string {
                            State::String
                        } else {
                            State::Identifier
                        };
                        self.begin_str(Some(ch));
                        continue;
                    }
                    if is_digit(ch) {
                        self.state = if self.options.string {
                            State::String
                        } else {
                            State::Number
                        };
                        self.begin_str(Some(ch));
                        continue;
                    }
                    match ch {
                        L_EOF => {
                            self.begin_str(None);
                            self.finish_text();
                            return Ok(Token::Eof);
                        }
                        0x5c => {
                            // A backslash before the end of a line continues it.
                            let nch = self.get_char();
                            if nch == 0x20 || nch == 0x0a || nch == 0x0d || nch == L_EOL {
                                self.ch = L_EOL;
                            }
                        }
                        0x23 => self.state = State::Comment,
                        0x7b => return Ok(self.single(ch, Token::Bob)),
                        0x7d => return Ok(self.single(ch, Token::Eob)),
                        0x3d => return Ok(self.single(ch, Token::Equals)),
                        0x2c => return Ok(self.single(ch, Token::Comma)),
                        0x22 => {
                            self.state = State::QuotedString;
                            self.begin_str(None);
                        }
                        0x3b | L_EOL => {
                            if expect != Expect::SkipEol {
                                self.begin_str(None);
                                self.finish_text();
                                return Ok(Token::Eol);
                            }
                        }
                        0x40 => {
                            self.state = State::Include;
                            self.begin_str(None);
                        }
                        0xef | 0xff | 0xfe => {
                            let at_start = self
                                .stack
                                .last()
                                .map(|s| s.line_idx == 0 && s.col == 1)
                                .unwrap_or(false);
                            if !at_start {
                                self.state = State::String;
                                self.begin_str(Some(ch));
                            } else {
                                bom_seen = 1;
                                match ch {
                                    0xef => self.state = State::Utf8Bom,
                                    0xff => self.state = State::Utf16LeBom,
                                    _ => {
                                        return Err(ConfigError::at(
                                            self.location(),
                                            "this config file appears to be in an unsupported Unicode format (UTF-16be); please save it as UTF-8",
                                        ))
                                    }
                                }
                            }
                        }
                        _ => {
                            self.state = State::String;
                            self.begin_str(Some(ch));
                        }
                    }
                }
                State::Comment => {
                    if ch == L_EOL {
                        self.state = State::None;
                        if expect != Expect::SkipEol {
                            self.begin_str(None);
                            self.finish_text();
                            return Ok(Token::Eol);
                        }
                    } else if ch == L_EOF {
                        self.state = State::None;
                        self.begin_str(None);
                        self.finish_text();
                        return Ok(Token::Eof);
                    }
                }
                State::Number => {
                    if ch == L_EOF {
                        self.state = State::None;
                        self.finish_text();
                        self.unget_char();
                        return Ok(Token::Number);
                    }
                    if is_digit(ch) {
                        self.add(ch);
                        continue;
                    }
                    self.unget_char();
                    if is_space(ch) || ch == L_EOL || ch == 0x2c || ch == 0x3b {
                        self.state = State::None;
                        self.finish_text();
                        return Ok(Token::Number);
                    }
                    // Not a number after all: read the character again as part of a string.
                    self.state = State::String;
                }
                State::String => {
                    if ch == L_EOF || ends_string(ch) {
                        self.unget_char();
                        self.state = State::None;
                        self.finish_text();
                        return Ok(Token::UnquotedString);
                    }
                    self.add(ch);
                }
                State::Identifier => {
                    if is_alpha(ch) {
                        self.add(ch);
                        continue;
                    }
                    if is_space(ch) {
                        continue;
                    }
                    if ch == L_EOF
                        || matches!(
                            ch,
                            0x0a | 0x0d | 0x3d | 0x7d | 0x7b | 0x3b | 0x2c | 0x22 | 0x23
                        )
                        || ch == L_EOL
                    {
                        self.unget_char();
                        self.state = State::None;
                        self.finish_text();
                        return Ok(Token::Identifier);
                    }
                    self.state = State::String;
                    self.add(ch);
                }
                State::QuotedString => {
                    if ch == L_EOF {
                        self.state = State::None;
                        return Err(ConfigError::at(
                            self.begin.clone(),
                            "unterminated quoted string: the closing \" is missing",
                        ));
                    }
                    if ch == L_EOL {
                        esc_next = false;
                        continue;
                    }
                    if esc_next {
                        self.add(ch);
                        esc_next = false;
                        continue;
                    }
                    if ch == 0x5c {
                        esc_next = true;
                        continue;
                    }
                    if ch == 0x22 {
                        self.state = State::None;
                        self.finish_text();
                        // Peek at the next character (a comma means a list goes on).
                        self.get_char();
                        self.unget_char();
                        return Ok(Token::QuotedString);
                    }
                    self.add(ch);
                }
                State::IncludeQuotedString => {
                    if ch == L_EOF || ch == L_EOL {
                        self.state = State::None;
                        return Err(ConfigError::at(
                            self.begin.clone(),
                            "unterminated quoted include name",
                        ));
                    }
                    if esc_next {
                        self.add(ch);
                        esc_next = false;
                        continue;
                    }
                    if ch == 0x5c {
                        esc_next = true;
                        continue;
                    }
                    if ch == 0x22 {
                        self.state = State::None;
                        self.finish_text();
                        let name = self.text.clone();
                        let from = self.begin.clone();
                        self.push_file(&name, Some(from))?;
                        continue;
                    }
                    self.add(ch);
                }
                State::Include => {
                    if ch == L_EOF {
                        self.state = State::None;
                        return Err(ConfigError::at(
                            self.begin.clone(),
                            "include name missing after @",
                        ));
                    }
                    if ch == 0x22 {
                        self.state = State::IncludeQuotedString;
                        continue;
                    }
                    if is_space(ch) || ch == L_EOL || matches!(ch, 0x7d | 0x7b | 0x3b | 0x2c | 0x23)
                    {
                        self.state = State::None;
                        self.finish_text();
                        let name = self.text.clone();
                        if name.is_empty() {
                            return Err(ConfigError::at(
                                self.begin.clone(),
                                "include name missing after @",
                            ));
                        }
                        let from = self.begin.clone();
                        self.push_file(&name, Some(from))?;
                        if ch != L_EOL {
                            self.reread_in_parent();
                        }
                        continue;
                    }
                    self.add(ch);
                }
                State::Utf8Bom => {
                    if ch == 0xbb && bom_seen == 1 {
                        bom_seen = 2;
                    } else if ch == 0xbf && bom_seen == 2 {
                        self.state = State::None;
                        return Ok(Token::Utf8Bom);
                    } else {
                        self.state = State::None;
                        return Err(ConfigError::at(
                            self.location(),
                            "malformed UTF-8 byte order mark",
                        ));
                    }
                }
                State::Utf16LeBom => {
                    self.state = State::None;
                    if ch == 0xfe {
                        return Ok(Token::Utf16Bom);
                    }
                    return Err(ConfigError::at(
                        self.location(),
                        "malformed byte order mark",
                    ));
                }
            }
        }
    }

    /// After `@file` ended by a character other than the end of line, that
    /// character belongs to the including file: step its column back so it
    /// is read once the include is done.
    fn reread_in_parent(&mut self) {
        let n = self.stack.len();
        if n >= 2 {
            let parent = &mut self.stack[n - 2];
            parent.col = parent.col.saturating_sub(1);
        }
    }

    fn single(&mut self, ch: i32, tok: Token) -> Token {
        self.begin_str(Some(ch));
        self.finish_text();
        tok
    }

    /// The text of the current line after the scanner's position.
    pub fn rest_of_line(&self) -> String {
        let Some(src) = self.stack.last() else {
            return String::new();
        };
        let mut col = src.col;
        if self.ungot && self.ch >= 0 {
            col = col.saturating_sub(1);
        }
        let line = src.current_line();
        String::from_utf8_lossy(line.get(col..).unwrap_or(&[])).into_owned()
    }

    /// True once every source has been read to its end.
    pub fn at_eof(&self) -> bool {
        self.eof
    }
}

fn ends_string(ch: i32) -> bool {
    ch == L_EOL || is_space(ch) || matches!(ch, 0x3d | 0x7d | 0x7b | 0x3b | 0x2c | 0x23)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<(Token, String)> {
        let mut lx = Lexer::from_text("t", text.as_bytes());
        let mut out = Vec::new();
        loop {
            let t = lx.next_token(Expect::All).unwrap();
            if t == Token::Eof {
                break;
            }
            out.push((t, lx.text.clone()));
        }
        out
    }

    #[test]
    fn keywords_drop_inner_spaces() {
        let t = tokens("Maximum Volume Bytes = 5\n");
        assert_eq!(t[0], (Token::Identifier, "MaximumVolumeBytes".into()));
        assert_eq!(t[1].0, Token::Equals);
        assert_eq!(t[2], (Token::Number, "5".into()));
    }

    #[test]
    fn quoted_strings_take_escapes() {
        let t = tokens(r#"x = "a \"b\" \\c""#);
        assert_eq!(t[2], (Token::QuotedString, r#"a "b" \c"#.into()));
    }

    #[test]
    fn semicolon_ends_a_directive() {
        let t = tokens("a = b; c = d");
        assert_eq!(t[3].0, Token::Eol);
    }

    #[test]
    fn identifiers_with_other_characters_become_strings() {
        let t = tokens("vm-fd 10k /usr/sbin");
        assert_eq!(t[0], (Token::UnquotedString, "vm-fd".into()));
        assert_eq!(t[1], (Token::UnquotedString, "10k".into()));
        assert_eq!(t[2], (Token::UnquotedString, "/usr/sbin".into()));
    }

    #[test]
    fn a_backslash_at_the_end_of_input_ends_it() {
        let mut lx = Lexer::from_text("t", b"Timeout = 2 \\");
        let mut n = 0;
        while lx
            .next_token(Expect::All)
            .map(|t| t != Token::Eof)
            .unwrap_or(false)
        {
            n += 1;
            assert!(n < 10);
        }
    }

    #[test]
    fn unterminated_quote_is_an_error_at_its_start() {
        let mut lx = Lexer::from_text("f.conf", b"a = \"abc\n\n");
        lx.next_token(Expect::All).unwrap();
        lx.next_token(Expect::All).unwrap();
        let e = lx.next_token(Expect::All).unwrap_err();
        let loc = e.location.unwrap();
        assert_eq!((loc.line, loc.column), (1, 5));
    }
}
