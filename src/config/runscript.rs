//! Job `RunScript { }` blocks: commands run before or after a job, on the
//! Director or on the client.

use super::error::ConfigError;
use super::lexer::{Expect, Token};
use super::parser::Parser;
use super::value::{RunScript, RunsWhen};

impl Parser {
    /// Reads `{ Command = …  RunsWhen = … }`; one RunScript per command.
    pub(super) fn runscript_block(&mut self) -> Result<Vec<RunScript>, ConfigError> {
        if self.lx.next_token(Expect::SkipEol)? != Token::Bob {
            return Err(self.err("RunScript expects a block beginning with \"{\""));
        }
        let mut template = RunScript::new(String::new());
        template.target = "%c".into();
        let mut target: Option<String> = None;
        let mut commands: Vec<(String, bool)> = Vec::new();
        loop {
            let tok = self.lx.next_token(Expect::SkipEol)?;
            match tok {
                Token::Eob => break,
                Token::Eof => return Err(self.err("end of file inside RunScript { }")),
                Token::Identifier => {}
                _ => {
                    return Err(self.err(format!(
                        "expected a RunScript keyword, got {} \"{}\"",
                        tok.describe(),
                        self.lx.text
                    )))
                }
            }
            let word = self.lx.text.clone();
            let key = word.to_ascii_lowercase();
            const KEYS: [&str; 9] = [
                "Command",
                "Console",
                "Target",
                "RunsOnSuccess",
                "RunsOnFailure",
                "FailJobOnError",
                "AbortJobOnError",
                "RunsWhen",
                "RunsOnClient",
            ];
            if !KEYS.iter().any(|k| k.eq_ignore_ascii_case(&key)) {
                return Err(self.err(format!(
                    "keyword \"{word}\" is not permitted in RunScript{}",
                    super::parser::did_you_mean(&word, &KEYS)
                )));
            }
            self.expect_equals(&word)?;
            match key.as_str() {
                "command" | "console" => {
                    let c = self.string()?;
                    commands.push((c, key == "console"));
                }
                "target" | "runsonclient" => {
                    let t = self.string()?;
                    target = Some(match t.to_ascii_lowercase().as_str() {
                        "yes" => "%c".to_string(),
                        "no" => String::new(),
                        _ => t,
                    });
                }
                "runsonsuccess" => template.on_success = self.yes_no(&word)?,
                "runsonfailure" => template.on_failure = self.yes_no(&word)?,
                "failjobonerror" | "abortjobonerror" => {
                    template.fail_on_error = self.yes_no(&word)?
                }
                _ => {
                    let w = self.name()?;
                    template.when = match w.to_ascii_lowercase().as_str() {
                        "before" => RunsWhen::Before,
                        "after" => RunsWhen::After,
                        "aftervss" | "aftersnapshot" => RunsWhen::AfterVss,
                        "always" => RunsWhen::Always,
                        _ => {
                            return Err(self.err(format!(
                                "RunsWhen expects Before, After, AfterVSS or Always, got \"{w}\""
                            )))
                        }
                    };
                }
            }
            self.scan_to_eol()?;
        }
        self.scan_to_eol()?;
        if let Some(t) = target {
            template.target = t;
        }
        Ok(commands
            .into_iter()
            .map(|(command, console)| RunScript {
                command,
                console,
                ..template.clone()
            })
            .collect())
    }
}
