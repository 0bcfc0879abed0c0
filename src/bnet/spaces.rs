//! Names with spaces on the wire. Bacula's daemons read each field of a
//! protocol line with `sscanf("%s")`, which ends a word at a space, so
//! every name in a line (Job, Client, FileSet, Pool, Storage, Media Type,
//! Device, Volume, a restore's where=) travels with its spaces turned into
//! the byte 0x01, and the receiver turns each 0x01 back into a space
//! (Bacula 9.6.7 lib/util.c `bash_spaces`/`unbash_spaces`; spaces are the
//! only character it escapes). This is the one place rdird does both.

/// A name as a protocol line carries it: each space as 0x01.
pub fn bash_spaces(s: &str) -> String {
    s.replace(' ', "\x01")
}

/// A name read from a protocol line: each 0x01 back to a space.
pub fn unbash_spaces(s: &str) -> String {
    s.replace('\x01', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_with_spaces_travels_as_one_word_and_comes_back_whole() {
        let name = "Full Set  two";
        let wire = bash_spaces(name);
        assert_eq!(wire, "Full\x01Set\x01\x01two");
        assert_eq!(wire.split_whitespace().count(), 1);
        assert_eq!(unbash_spaces(&wire), name);
    }

    #[test]
    fn other_characters_are_left_as_they_are() {
        assert_eq!(bash_spaces("a\tb\"c'd"), "a\tb\"c'd");
        assert_eq!(unbash_spaces("a\tb"), "a\tb");
    }
}
