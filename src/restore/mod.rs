//! Restores on the Director's side: the bootstrap (which volumes, sessions
//! and file indexes the storage daemon reads) and where restored files go
//! (`where`, `regexwhere`, prefixes), checked before anything is sent.

pub mod breg;
pub mod bsr;
pub mod place;
pub mod tree;

/// Bacula's letter for a Replace word: `a` always, `w` if newer, `o` if
/// older, `n` never.
pub fn replace_letter(word: &str) -> Option<char> {
    match word.to_ascii_lowercase().as_str() {
        "always" => Some('a'),
        "ifnewer" => Some('w'),
        "ifolder" => Some('o'),
        "never" => Some('n'),
        _ => None,
    }
}

/// The Replace word a letter stands for, as reports show it.
pub fn replace_word(letter: char) -> &'static str {
    match letter {
        'w' => "IfNewer",
        'o' => "IfOlder",
        'n' => "Never",
        _ => "Always",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replace_words_are_bacula_letters() {
        assert_eq!(super::replace_letter("always"), Some('a'));
        assert_eq!(super::replace_letter("IfNewer"), Some('w'));
        assert_eq!(super::replace_letter("ifolder"), Some('o'));
        assert_eq!(super::replace_letter("never"), Some('n'));
        assert_eq!(super::replace_letter("sometimes"), None);
        assert_eq!(super::replace_word('w'), "IfNewer");
    }
}
