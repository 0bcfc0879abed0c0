//! Job types, levels and statuses: the letters the catalog stores and the
//! words scripts read and write.

/// The two-digit sequence that ends unique job names, shared by every
/// job and every console's job with a daemon.
static SEQ: std::sync::Mutex<u32> = std::sync::Mutex::new(0);

/// A unique job name, `<base>.<YYYY-MM-DD_HH.MM.SS>_<NN>`, as bacula-dir
/// 9.6.7's create_unique_job_name forms it for a job and for a console's
/// `-Console-` job: the sequence is the Director's, so two consoles
/// reaching one daemon in the same second are two jobs to it. The name
/// travels unbashed in every protocol line, so it holds no space: each
/// becomes `_`, as there.
pub fn unique(base: &str) -> String {
    let seq = {
        let mut s = SEQ.lock().unwrap_or_else(|e| e.into_inner());
        *s = (*s + 1) % 100;
        *s
    };
    let local = crate::clock::local(crate::clock::now());
    format!("{base}.{}_{seq:02}", local.job_name()).replace(' ', "_")
}

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

/// The level a `run` command (or the Job resource) gives a job of type
/// `job_type` (a type letter): a level of that type. Admin and Restore
/// jobs have none: a level name there is checked and then ignored.
/// bacula-dir 9.6.7 (ua_select.c get_level_from_name) takes any level
/// for any type, so that a Backup would run at VolumeToCatalog and the
/// catalog record it so; rdird refuses the level instead.
pub fn run_level(name: &str, job_type: char) -> Result<char, String> {
    let letter = level_letter(name)
        .filter(|l| *l != ' ')
        .ok_or_else(|| format!("Level \"{name}\" not valid."))?;
    let fits: &[char] = match job_type {
        'B' => &['F', 'I', 'D', 'S', 'B', 'f'],
        'V' => &['C', 'V', 'O', 'd', 'A'],
        'C' | 'g' => &['F', 'I', 'D'],
        _ => return Ok(' '),
    };
    if fits.contains(&letter) {
        Ok(letter)
    } else {
        Err(format!(
            "Level \"{name}\" not valid for a {} job.",
            type_name(job_type)
        ))
    }
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
    fn console_jobs_made_in_one_second_have_names_of_their_own() {
        let names: Vec<String> = (0..50).map(|_| unique("-Console-")).collect();
        for n in &names {
            assert!(n.starts_with("-Console-.20"), "{n}");
        }
        let mut distinct = names.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), names.len(), "{names:?}");
        assert!(unique("My Job").starts_with("My_Job.20"));
    }

    #[test]
    fn verify_levels_read_long_and_write_either_way() {
        assert_eq!(level_name('O'), "Verify Volume to Catalog");
        assert_eq!(level_for_type("VolumeToCatalog", 'V'), Some('O'));
        assert_eq!(level_for_type("Verify Volume to Catalog", 'V'), Some('O'));
        assert_eq!(level_for_type("Full", 'V'), None);
        assert_eq!(level_for_type("full", 'B'), Some('F'));
        assert_eq!(level_for_type("Full", 'D'), None);
        assert_eq!(run_level("incremental", 'B'), Ok('I'));
        assert_eq!(run_level("Catalog", 'V'), Ok('C'));
        assert!(run_level("VolumeToCatalog", 'B').is_err());
        assert!(run_level("Full", 'V').is_err());
        assert_eq!(run_level("Full", 'D'), Ok(' '));
        assert!(run_level("Bogus", 'D').is_err());
    }

    #[test]
    fn volume_names_are_checked() {
        assert!(is_legal_volume_name("Full-2026:11.26_1"));
        assert!(!is_legal_volume_name(""));
        assert!(!is_legal_volume_name("a b"));
        assert!(!is_legal_volume_name(&"v".repeat(128)));
    }
}
