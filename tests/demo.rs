//! `make demo` (examples/demo.sh) as an administrator runs it: a backup
//! through Debian's bacula-fd and bacula-sd with the example script
//! naming the volumes, the report printed, the files restored and
//! compared, everything stopped.

#[test]
fn the_demo_backs_up_its_tree_with_the_example_script_naming_volumes() {
    let out = std::process::Command::new("bash")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/demo.sh"))
        .env("RDIRD_BIN", env!("CARGO_BIN_EXE_rdird"))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Termination:            Backup OK"), "{text}");
    assert!(text.contains("FD Files Written:       3,0"), "{text}");
    // examples/scripts/volnames.py: client, level, date, number.
    let names = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Volume name(s):"))
        .unwrap_or_else(|| panic!("{text}"));
    let names: Vec<&str> = names.trim().split('|').collect();
    assert!(names.len() >= 3, "{names:?}");
    for (i, n) in names.iter().enumerate() {
        assert!(n.starts_with("demo-fd-Full-"), "{n}");
        assert!(n.ends_with(&format!("-{:04}", i + 1)), "{n}");
    }
    assert!(
        text.contains("Termination:            Restore OK"),
        "{text}"
    );
    assert!(
        text.contains("Comparison passed: 3000 files restored identical."),
        "{text}"
    );
    assert!(text.contains("== Done; stopping the daemons"), "{text}");
}
