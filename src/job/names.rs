//! Job types, levels and statuses: the letters the catalog stores and the
//! words scripts read and write.

/// The name a script reads for a job type letter.
pub fn type_name(letter: char) -> &'static str {
    match letter {
        'B' => "Backup",
        'R' => "Restore",
        'V' => "Verify",
        'D' => "Admin",
        'C' => "Copy",
        'g' | 'M' => "Migrate",
        'c' => "Console",
        'S' => "Scan",
        'I' => "System",
        'A' => "Archive",
        _ => "Unknown",
    }
}

/// The type letter for a job type name (`Backup` → `B`).
pub fn type_letter(name: &str) -> Option<char> {
    let l = match name.to_ascii_lowercase().as_str() {
        "backup" => 'B',
        "restore" => 'R',
        "verify" => 'V',
        "admin" => 'D',
        "copy" => 'C',
        "migrate" => 'g',
        "console" => 'c',
        "scan" => 'S',
        _ => return None,
    };
    Some(l)
}

/// Level letters, the long name a script reads, and the short name the
/// configuration uses.
const LEVELS: [(char, &str, &str); 12] = [
    ('F', "Full", "Full"),
    ('I', "Incremental", "Incremental"),
    ('D', "Differential", "Differential"),
    ('S', "Since", "Since"),
    ('B', "Base", "Base"),
    ('f', "VirtualFull", "VirtualFull"),
    ('C', "Verify Catalog", "Catalog"),
    ('V', "Verify Init Catalog", "InitCatalog"),
    ('O', "Verify Volume to Catalog", "VolumeToCatalog"),
    ('d', "Verify Disk to Catalog", "DiskToCatalog"),
    ('A', "Verify Data", "Data"),
    (' ', " ", " "),
];

/// The name a script reads for a level letter.
pub fn level_name(letter: char) -> &'static str {
    LEVELS
        .iter()
        .find(|(l, _, _)| *l == letter)
        .map(|(_, long, _)| *long)
        .unwrap_or(" ")
}

/// The level letter for a name a script may write, if it fits a job of
/// type `job_type` (a type letter).
pub fn level_for_type(name: &str, job_type: char) -> Option<char> {
    let allowed: &[char] = match job_type {
        'B' => &['F', 'I', 'D', 'S', 'B'],
        'V' => &['C', 'V', 'O', 'd', 'A'],
        _ => &[],
    };
    LEVELS
        .iter()
        .find(|(l, long, short)| {
            allowed.contains(l)
                && (long.eq_ignore_ascii_case(name) || short.eq_ignore_ascii_case(name))
        })
        .map(|(l, _, _)| *l)
}

/// The level letter for a configuration level name (`Incremental` → `I`).
pub fn level_letter(name: &str) -> Option<char> {
    LEVELS
        .iter()
        .find(|(_, long, short)| {
            long.eq_ignore_ascii_case(name) || short.eq_ignore_ascii_case(name)
        })
        .map(|(l, _, _)| *l)
}

/// Whether `name` is a legal volume name: 1 to 127 letters, digits and
/// `:.-_`.
pub fn is_legal_volume_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 127
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ":.-_".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_levels_read_long_and_write_either_way() {
        assert_eq!(level_name('O'), "Verify Volume to Catalog");
        assert_eq!(level_for_type("VolumeToCatalog", 'V'), Some('O'));
        assert_eq!(level_for_type("Verify Volume to Catalog", 'V'), Some('O'));
        assert_eq!(level_for_type("Full", 'V'), None);
        assert_eq!(level_for_type("full", 'B'), Some('F'));
        assert_eq!(level_for_type("Full", 'D'), None);
    }

    #[test]
    fn volume_names_are_checked() {
        assert!(is_legal_volume_name("Full-2026:11.26_1"));
        assert!(!is_legal_volume_name(""));
        assert!(!is_legal_volume_name("a b"));
        assert!(!is_legal_volume_name(&"v".repeat(128)));
    }
}
