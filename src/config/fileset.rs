//! FileSet `Include { }` and `Exclude { }` blocks and their `Options { }`,
//! read as Bacula's inc_conf.c reads them. Options are kept as Bacula's
//! option letters, which is also what the file daemon is sent.

use super::error::ConfigError;
use super::lexer::{Expect, Token};
use super::parser::Parser;
use super::value::{FileOptions, IncExe};

/// How an option keyword's value is read.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum OptKind {
    /// A value from `FS_OPTIONS` (`Signature = MD5`).
    Letters,
    /// A free value stored after a letter (`Verify = pins5` → `Vpins5:`).
    Long(char),
    Regex(u8),
    Wild(u8),
    Base,
    Plugin,
    FsType,
    DriveType,
}

/// The keywords of an `Options { }` block, in Bacula's order.
pub const OPTION_ITEMS: [(&str, OptKind); 34] = [
    ("Compression", OptKind::Letters),
    ("Signature", OptKind::Letters),
    ("OneFs", OptKind::Letters),
    ("Recurse", OptKind::Letters),
    ("Sparse", OptKind::Letters),
    ("HardLinks", OptKind::Letters),
    ("Replace", OptKind::Letters),
    ("Portable", OptKind::Letters),
    ("MtimeOnly", OptKind::Letters),
    ("KeepAtime", OptKind::Letters),
    ("Exclude", OptKind::Letters),
    ("AclSupport", OptKind::Letters),
    ("IgnoreCase", OptKind::Letters),
    ("HfsPlusSupport", OptKind::Letters),
    ("NoAtime", OptKind::Letters),
    ("EnhancedWild", OptKind::Letters),
    ("CheckFileChanges", OptKind::Letters),
    ("HonorNoDumpFlag", OptKind::Letters),
    ("XattrSupport", OptKind::Letters),
    ("ReadFifo", OptKind::Letters),
    ("BaseJob", OptKind::Long('J')),
    ("Accurate", OptKind::Long('C')),
    ("Verify", OptKind::Long('V')),
    ("StripPath", OptKind::Long('P')),
    ("Regex", OptKind::Regex(0)),
    ("RegexDir", OptKind::Regex(1)),
    ("RegexFile", OptKind::Regex(2)),
    ("Base", OptKind::Base),
    ("Wild", OptKind::Wild(0)),
    ("WildDir", OptKind::Wild(1)),
    ("WildFile", OptKind::Wild(2)),
    ("Plugin", OptKind::Plugin),
    ("FsType", OptKind::FsType),
    ("DriveType", OptKind::DriveType),
];

/// The values a lettered option takes: (keyword, value, letters).
pub const FS_OPTIONS: [(&str, &str, &str); 52] = [
    ("Signature", "Md5", "M"),
    ("Signature", "Sha1", "S"),
    ("Signature", "Sha256", "S2"),
    ("Signature", "Sha512", "S3"),
    ("Compression", "Gzip", "Z6"),
    ("Compression", "Gzip1", "Z1"),
    ("Compression", "Gzip2", "Z2"),
    ("Compression", "Gzip3", "Z3"),
    ("Compression", "Gzip4", "Z4"),
    ("Compression", "Gzip5", "Z5"),
    ("Compression", "Gzip6", "Z6"),
    ("Compression", "Gzip7", "Z7"),
    ("Compression", "Gzip8", "Z8"),
    ("Compression", "Gzip9", "Z9"),
    ("Compression", "Lzo", "Zo"),
    ("OneFs", "No", "f"),
    ("OneFs", "Yes", "0"),
    ("Recurse", "No", "h"),
    ("Recurse", "Yes", "0"),
    ("Sparse", "Yes", "s"),
    ("Sparse", "No", "0"),
    ("HardLinks", "No", "H"),
    ("HardLinks", "Yes", "0"),
    ("Replace", "Always", "a"),
    ("Replace", "IfNewer", "w"),
    ("Replace", "Never", "n"),
    ("ReadFifo", "Yes", "r"),
    ("ReadFifo", "No", "0"),
    ("Portable", "Yes", "p"),
    ("Portable", "No", "0"),
    ("MtimeOnly", "Yes", "m"),
    ("MtimeOnly", "No", "0"),
    ("KeepAtime", "Yes", "k"),
    ("KeepAtime", "No", "0"),
    ("Exclude", "Yes", "e"),
    ("Exclude", "No", "0"),
    ("AclSupport", "Yes", "A"),
    ("AclSupport", "No", "0"),
    ("IgnoreCase", "Yes", "i"),
    ("IgnoreCase", "No", "0"),
    ("HfsPlusSupport", "Yes", "R"),
    ("HfsPlusSupport", "No", "0"),
    ("NoAtime", "Yes", "K"),
    ("NoAtime", "No", "0"),
    ("EnhancedWild", "Yes", "K"),
    ("EnhancedWild", "No", "0"),
    ("CheckFileChanges", "Yes", "c"),
    ("CheckFileChanges", "No", "0"),
    ("HonorNoDumpFlag", "Yes", "N"),
    ("HonorNoDumpFlag", "No", "0"),
    ("XattrSupport", "Yes", "X"),
    ("XattrSupport", "No", "0"),
];

impl Parser {
    /// Reads `{ File = …  Options { … } }` after Include or Exclude.
    pub(super) fn include_block(&mut self, exclude: bool) -> Result<IncExe, ConfigError> {
        let what = if exclude { "Exclude" } else { "Include" };
        let tok = self.lx.next_token(Expect::SkipEol)?;
        if tok != Token::Bob {
            return Err(self.err(format!(
                "{what} expects a block beginning with \"{{\" (old-style Include/Exclude is not supported)"
            )));
        }
        let mut ie = IncExe::default();
        loop {
            let tok = self.lx.next_token(Expect::SkipEol)?;
            match tok {
                Token::Eob => break,
                Token::Eof => return Err(self.err(format!("end of file inside {what} {{ }}"))),
                Token::Identifier => {}
                _ => {
                    return Err(self.err(format!(
                        "expected a keyword in {what}, got {} \"{}\"",
                        tok.describe(),
                        self.lx.text
                    )))
                }
            }
            let word = self.lx.text.to_ascii_lowercase();
            match word.as_str() {
                "options" => {
                    if exclude {
                        return Err(self.err("an Options block is not permitted in Exclude"));
                    }
                    ie.options.push(self.options_block()?);
                }
                "file" => {
                    self.expect_equals("File")?;
                    let tok = self.lx.next_token(Expect::SkipEol)?;
                    match tok {
                        Token::Identifier | Token::UnquotedString
                            if self.lx.text.contains('\\') =>
                        {
                            return Err(self.err(format!(
                                "backslash found in \"{}\": use forward slashes or quote the name",
                                self.lx.text
                            )))
                        }
                        Token::Identifier | Token::UnquotedString | Token::QuotedString => {
                            ie.files.push(self.lx.text.clone())
                        }
                        _ => {
                            return Err(self
                                .err(format!("File expects a file name, got {}", tok.describe())))
                        }
                    }
                    self.scan_to_eol()?;
                }
                "plugin" => {
                    self.expect_equals("Plugin")?;
                    let p = self.string()?;
                    ie.plugins.push(p);
                    self.scan_to_eol()?;
                }
                "excludedircontaining" => {
                    if exclude {
                        return Err(self.err("ExcludeDirContaining is not permitted in Exclude"));
                    }
                    self.expect_equals("ExcludeDirContaining")?;
                    ie.exclude_dir_containing = Some(self.name()?);
                    self.scan_to_eol()?;
                }
                _ => {
                    return Err(self.err(format!(
                        "keyword \"{}\" is not permitted in {what}{}",
                        self.lx.text,
                        super::parser::did_you_mean(
                            &self.lx.text,
                            &["File", "Plugin", "ExcludeDirContaining", "Options"]
                        )
                    )))
                }
            }
        }
        self.scan_to_eol()?;
        Ok(ie)
    }

    fn options_block(&mut self) -> Result<FileOptions, ConfigError> {
        let tok = self.lx.next_token(Expect::SkipEol)?;
        if tok != Token::Bob {
            return Err(self.err("Options expects a block beginning with \"{\""));
        }
        let mut fo = FileOptions::default();
        loop {
            let tok = self.lx.next_token(Expect::All)?;
            match tok {
                Token::Eol => continue,
                Token::Eob => break,
                Token::Eof => return Err(self.err("end of file inside Options { }")),
                Token::Identifier => {}
                _ => {
                    return Err(self.err(format!(
                        "expected an option keyword, got {} \"{}\"",
                        tok.describe(),
                        self.lx.text
                    )))
                }
            }
            let word = self.lx.text.clone();
            let Some(index) = OPTION_ITEMS
                .iter()
                .position(|(n, _)| n.eq_ignore_ascii_case(&word))
            else {
                let names: Vec<&str> = OPTION_ITEMS.iter().map(|(n, _)| *n).collect();
                return Err(self.err(format!(
                    "option \"{word}\" is not permitted in Options{}",
                    super::parser::did_you_mean(&word, &names)
                )));
            };
            let (name, kind) = OPTION_ITEMS[index];
            self.expect_equals(name)?;
            self.option_value(&mut fo, index, name, kind)?;
        }
        Ok(fo)
    }

    fn option_value(
        &mut self,
        fo: &mut FileOptions,
        index: usize,
        name: &str,
        kind: OptKind,
    ) -> Result<(), ConfigError> {
        match kind {
            OptKind::Letters | OptKind::Long(_) => {
                let saved = self.lx.options;
                self.lx.options.string = true;
                let value = self.string();
                self.lx.options = saved;
                let value = value?;
                if let OptKind::Long(letter) = kind {
                    if letter == 'P' && !value.chars().all(|c| c.is_ascii_digit()) {
                        return Err(self.err(format!(
                            "StripPath expects a positive integer, got \"{value}\""
                        )));
                    }
                    fo.opts.push(letter);
                    fo.opts.push_str(&value);
                    fo.opts.push(':');
                } else {
                    let Some((_, _, letters)) = FS_OPTIONS
                        .iter()
                        .find(|(k, v, _)| *k == name && v.eq_ignore_ascii_case(&value))
                    else {
                        let allowed: Vec<&str> = FS_OPTIONS
                            .iter()
                            .filter(|(k, _, _)| *k == name)
                            .map(|(_, v, _)| *v)
                            .collect();
                        return Err(self.err(format!(
                            "{name} expects one of {}, got \"{value}\"",
                            allowed.join(", ")
                        )));
                    };
                    fo.opts.push_str(letters);
                }
                if !fo.present.contains(&index) {
                    fo.present.push(index);
                }
                if self.lx.ch == b',' as i32 {
                    self.lx.next_token(Expect::All)?;
                }
            }
            OptKind::Regex(which) | OptKind::Wild(which) => {
                let v = self.string()?;
                let list = match (kind, which) {
                    (OptKind::Regex(_), 1) => &mut fo.regex_dir,
                    (OptKind::Regex(_), 2) => &mut fo.regex_file,
                    (OptKind::Regex(_), _) => &mut fo.regex,
                    (_, 1) => &mut fo.wild_dir,
                    (_, 2) => &mut fo.wild_file,
                    _ => &mut fo.wild,
                };
                list.push(v);
                self.scan_to_eol()?;
            }
            OptKind::Base => {
                let v = self.string()?;
                fo.base.push(v);
                self.scan_to_eol()?;
            }
            OptKind::Plugin => {
                fo.plugin = Some(self.string()?);
                self.scan_to_eol()?;
            }
            OptKind::FsType | OptKind::DriveType => {
                let v = self.string()?;
                if kind == OptKind::FsType {
                    fo.fs_type.push(v);
                } else {
                    fo.drive_type.push(v);
                }
                self.scan_to_eol()?;
            }
        }
        Ok(())
    }
}
