//! Malformed and tricky configurations: each gets the exact error (with its
//! file:line:column) or the exact value an administrator should see.

use std::fs;
use std::path::Path;

use rdird::config::{Config, ConfigError, Kind, Value};

/// A small valid configuration; cases edit it.
const BASE: &str = r#"Director {
  Name = d
  Password = p
  QueryFile = /q
  WorkingDirectory = /tmp
  PidDirectory = /tmp
  Messages = M
}
Messages {
  Name = M
  Console = all
}
Catalog {
  Name = C
  DB Name = cat
}
Client {
  Name = cl
  Address = 127.0.0.1
  Password = x
  Catalog = C
}
Storage {
  Name = st
  Address = 127.0.0.1
  Password = y
  Device = D
  Media Type = File
}
Pool {
  Name = P
  Pool Type = Backup
}
FileSet {
  Name = fs
  Include {
    File = /etc
  }
}
Job {
  Name = j
  Type = Backup
  Client = cl
  FileSet = fs
  Storage = st
  Pool = P
  Messages = M
}
"#;

fn parse(text: &str) -> Result<Config, ConfigError> {
    Config::parse_text("t.conf", text.as_bytes())
}

/// BASE with `old` replaced by `new` (which must be there).
fn edit(old: &str, new: &str) -> String {
    assert!(BASE.contains(old), "BASE has no {old:?}");
    BASE.replacen(old, new, 1)
}

/// BASE with the last `old` replaced by `new`.
fn edit_last(old: &str, new: &str) -> String {
    let at = BASE
        .rfind(old)
        .unwrap_or_else(|| panic!("BASE has no {old:?}"));
    format!("{}{new}{}", &BASE[..at], &BASE[at + old.len()..])
}

/// BASE with `extra` appended.
fn with(extra: &str) -> String {
    format!("{BASE}{extra}")
}

/// The 1-based number of the line of `text` that contains `needle` (the
/// last such line when `needle` starts with `^last:`).
fn line_of(text: &str, needle: &str) -> usize {
    let (last, needle) = match needle.strip_prefix("^last:") {
        Some(n) => (true, n),
        None => (false, needle),
    };
    let mut hits = text.lines().enumerate().filter(|(_, l)| l.contains(needle));
    let hit = if last { hits.last() } else { hits.next() };
    hit.unwrap_or_else(|| panic!("no line contains {needle:?}"))
        .0
        + 1
}

/// Asserts the error's message, and its place: the line holding `at`, and
/// `column`.
fn assert_error(text: &str, at: &str, column: usize, message: &str) {
    let line = line_of(text, at);
    let e = parse(text).expect_err("configuration should be refused");
    let loc = e
        .location
        .clone()
        .unwrap_or_else(|| panic!("no location in {e}"));
    assert_eq!(e.message, message, "message of {e}");
    assert_eq!((loc.line, loc.column), (line, column), "place of {e}");
}

fn assert_plain_error(text: &str, message: &str) {
    let e = parse(text).expect_err("configuration should be refused");
    assert_eq!(e.message, message);
}

fn int(cfg: &Config, kind: Kind, name: &str, directive: &str) -> i64 {
    cfg.find(kind, name).unwrap().int(directive).unwrap()
}

fn string(cfg: &Config, kind: Kind, name: &str, directive: &str) -> String {
    cfg.find(kind, name)
        .unwrap()
        .str(directive)
        .unwrap()
        .to_string()
}

#[test]
fn base_configuration_is_valid() {
    let cfg = parse(BASE).unwrap();
    assert!(cfg.warnings.is_empty(), "{:?}", cfg.warnings);
}

#[test]
fn unterminated_quote_names_where_the_string_began() {
    assert_error(
        &edit("Name = cl\n", "Name = \"cl\n"),
        "Name = \"cl",
        10,
        "unterminated quoted string: the closing \" is missing",
    );
}

#[test]
fn unknown_directive_suggests_the_closest_one() {
    assert_error(
        &edit(
            "Pool Type = Backup",
            "Pool Type = Backup\n  Maximum Volume Byte = 5G",
        ),
        "Maximum Volume Byte",
        3,
        "unknown directive \"MaximumVolumeByte\" in Pool \"P\" (did you mean MaximumVolumeBytes?)",
    );
}

#[test]
fn unknown_directive_before_the_name_names_the_kind() {
    assert_error(
        &with("Pool {\n  Recylce = yes\n  Name = Q\n  Pool Type = Backup\n}\n"),
        "Recylce",
        3,
        "unknown directive \"Recylce\" in Pool resource (did you mean Recycle?)",
    );
}

#[test]
fn unknown_directive_far_from_any_has_no_suggestion() {
    assert_error(
        &edit("Media Type = File", "Media Type = File\n  Frobnicate = 1"),
        "Frobnicate",
        3,
        "unknown directive \"Frobnicate\" in Storage \"st\"",
    );
}

#[test]
fn unknown_resource_kind_suggests_the_closest_one() {
    assert_error(
        &with("Poll {\n  Name = x\n}\n"),
        "Poll {",
        1,
        "unknown resource kind \"Poll\" (did you mean Pool?)",
    );
}

#[test]
fn missing_name_is_an_error_at_the_resource() {
    assert_error(
        &with("Pool {\n  Pool Type = Backup\n}\n"),
        "^last:Pool {",
        1,
        "Pool resource has no Name",
    );
}

#[test]
fn duplicate_resource_name_is_refused() {
    assert_error(
        &with("Pool {\n  Name = P\n  Pool Type = Backup\n}\n"),
        "^last:Pool {",
        1,
        "a second Pool resource named \"P\" is not permitted (the first is at t.conf:30:1)",
    );
}

#[test]
fn storage_and_autochanger_share_names() {
    assert_error(
        &with("Autochanger {\n  Name = st\n  Address = a\n  Password = b\n  Device = D\n  Media Type = F\n}\n"),
        "Autochanger {",
        1,
        "a second Storage resource named \"st\" is not permitted (the first is at t.conf:23:1)",
    );
}

#[test]
fn directive_set_twice_is_refused() {
    assert_error(
        &edit(
            "Address = 127.0.0.1\n  Password = x",
            "Address = 127.0.0.1\n  Address = 10.0.0.1\n  Password = x",
        ),
        "10.0.0.1",
        13,
        "Address is set twice in Client \"cl\" (first \"127.0.0.1\", now \"10.0.0.1\")",
    );
}

#[test]
fn dangling_client_reference() {
    assert_error(
        &edit("Client = cl", "Client = cll"),
        "Client = cll",
        12,
        "Job \"j\" refers to Client \"cll\", which is not defined (did you mean cl?)",
    );
}

#[test]
fn dangling_fileset_reference() {
    assert_error(
        &edit("FileSet = fs", "FileSet = \"Full Set\""),
        "Full Set",
        13,
        "Job \"j\" refers to Fileset \"Full Set\", which is not defined",
    );
}

#[test]
fn dangling_storage_reference_in_a_list() {
    assert_error(
        &edit("Storage = st", "Storage = st, tape"),
        "st, tape",
        17,
        "Job \"j\" refers to Storage \"tape\", which is not defined",
    );
}

#[test]
fn dangling_pool_reference() {
    assert_error(
        &edit("Pool = P", "Pool = Q"),
        "Pool = Q",
        10,
        "Job \"j\" refers to Pool \"Q\", which is not defined (did you mean P?)",
    );
}

#[test]
fn dangling_messages_reference() {
    assert_error(
        &edit_last("  Messages = M\n}\n", "  Messages = Standard\n}\n"),
        "Messages = Standard",
        14,
        "Job \"j\" refers to Messages \"Standard\", which is not defined",
    );
}

#[test]
fn dangling_schedule_reference() {
    assert_error(
        &edit_last(
            "  Messages = M\n}\n",
            "  Messages = M\n  Schedule = Nightly\n}\n",
        ),
        "Schedule = Nightly",
        14,
        "Job \"j\" refers to Schedule \"Nightly\", which is not defined",
    );
}

#[test]
fn dangling_jobdefs_reference() {
    assert_error(
        &edit_last(
            "  Messages = M\n}\n",
            "  Messages = M\n  JobDefs = Defaults\n}\n",
        ),
        "JobDefs = Defaults",
        13,
        "Job \"j\" refers to JobDefs \"Defaults\", which is not defined",
    );
}

#[test]
fn dangling_catalog_reference() {
    assert_error(
        &edit("Catalog = C", "Catalog = MyCatalog"),
        "MyCatalog",
        13,
        "Client \"cl\" refers to Catalog \"MyCatalog\", which is not defined",
    );
}

#[test]
fn dangling_director_messages_reference() {
    assert_error(
        &edit(
            "Messages = M\n}\nMessages",
            "Messages = Daemon\n}\nMessages",
        ),
        "Messages = Daemon",
        14,
        "Director \"d\" refers to Messages \"Daemon\", which is not defined",
    );
}

#[test]
fn dangling_pool_in_a_schedule_run() {
    assert_error(
        &with("Schedule {\n  Name = S\n  Run = Level=Full Pool=Nope sun at 01:00\n}\n"),
        "Pool=Nope",
        25,
        "Schedule \"S\" refers to Pool \"Nope\", which is not defined",
    );
}

#[test]
fn bad_size_unit() {
    assert_error(
        &edit("Pool Type = Backup", "Pool Type = Backup\n  Maximum Volume Bytes = 5 kib"),
        "5 kib",
        28,
        "MaximumVolumeBytes expects a size (a number with an optional unit: k, kb, m, mb, g, gb, t, tb), got \"5 kib\"",
    );
}

#[test]
fn bad_time_unit() {
    assert_error(
        &edit("Pool Type = Backup", "Pool Type = Backup\n  Volume Retention = 3 dayz"),
        "3 dayz",
        24,
        "VolumeRetention expects a time period (numbers with units: seconds, n/min/minutes, hours, days, weeks, m/months, quarters, years), got \"3 dayz\"",
    );
}

#[test]
fn time_with_no_number() {
    assert_error(
        &edit("Pool Type = Backup", "Pool Type = Backup\n  Volume Retention = days"),
        "= days",
        22,
        "VolumeRetention expects a time period (numbers with units: seconds, n/min/minutes, hours, days, weeks, m/months, quarters, years), got \"days\"",
    );
}

#[test]
fn m_alone_means_months_and_min_means_minutes() {
    let cfg = parse(&edit(
        "Pool Type = Backup",
        "Pool Type = Backup\n  Volume Retention = 2m\n  Volume Use Duration = 90 min",
    ))
    .unwrap();
    assert_eq!(
        int(&cfg, Kind::Pool, "P", "VolumeRetention"),
        2 * 30 * 86400
    );
    assert_eq!(int(&cfg, Kind::Pool, "P", "VolumeUseDuration"), 90 * 60);
}

#[test]
fn time_terms_add_up() {
    let cfg = parse(&edit(
        "Catalog = C\n}",
        "Catalog = C\n  File Retention = 1 day 12 hours\n  Job Retention = 1 year 1 quarter 2 weeks\n}",
    ))
    .unwrap();
    assert_eq!(int(&cfg, Kind::Client, "cl", "FileRetention"), 129_600);
    assert_eq!(
        int(&cfg, Kind::Client, "cl", "JobRetention"),
        365 * 86400 + 91 * 86400 + 14 * 86400
    );
}

#[test]
fn sizes_use_binary_and_decimal_units() {
    let cfg = parse(&edit(
        "Pool Type = Backup",
        "Pool Type = Backup\n  Maximum Volume Bytes = 50M\n  Migration High Bytes = 50 mb",
    ))
    .unwrap();
    assert_eq!(int(&cfg, Kind::Pool, "P", "MaximumVolumeBytes"), 52_428_800);
    assert_eq!(int(&cfg, Kind::Pool, "P", "MigrationHighBytes"), 50_000_000);
}

#[test]
fn defaults_apply_when_a_directive_is_absent() {
    let cfg = parse(BASE).unwrap();
    assert_eq!(int(&cfg, Kind::Client, "cl", "FileRetention"), 60 * 86400);
    assert_eq!(int(&cfg, Kind::Client, "cl", "FdPort"), 9102);
    assert_eq!(int(&cfg, Kind::Director, "d", "MaximumConcurrentJobs"), 20);
    assert_eq!(int(&cfg, Kind::Director, "d", "PythonEventTimeout"), 30);
    assert_eq!(int(&cfg, Kind::Job, "j", "Priority"), 10);
}

#[test]
fn quoted_values_keep_escaped_quotes_and_backslashes() {
    let cfg = parse(&edit(
        "Console = all",
        "MailCommand = \"bsmtp -f \\\"\\(Bacula\\) \\<%r\\>\\\" \\\\ end\"\n  Console = all",
    ))
    .unwrap();
    assert_eq!(
        string(&cfg, Kind::Messages, "M", "MailCommand"),
        r#"bsmtp -f "(Bacula) <%r>" \ end"#
    );
}

#[test]
fn keywords_ignore_case_and_inner_spaces() {
    let cfg = parse(&edit(
        "Pool Type = Backup",
        "pOOL tYPE = Backup\n  maximumvolumebytes = 1k\n  MAXIMUM  VOLUME\tJOBS = 3",
    ))
    .unwrap();
    assert_eq!(int(&cfg, Kind::Pool, "P", "MaximumVolumeBytes"), 1024);
    assert_eq!(int(&cfg, Kind::Pool, "P", "MaximumVolumeJobs"), 3);
    assert_eq!(string(&cfg, Kind::Pool, "P", "PoolType"), "Backup");
}

#[test]
fn semicolons_separate_directives_on_one_line() {
    let cfg = parse(&edit(
        "Name = C\n  DB Name = cat",
        "Name = C; DB Name = cat; User = bacula",
    ))
    .unwrap();
    assert_eq!(string(&cfg, Kind::Catalog, "C", "User"), "bacula");
}

#[test]
fn comments_end_values() {
    let cfg = parse(&edit(
        "Pool Type = Backup",
        "Pool Type = Backup # the type\n  Label Format = Vol-#x",
    ))
    .unwrap();
    assert_eq!(string(&cfg, Kind::Pool, "P", "LabelFormat"), "Vol-");
}

#[test]
fn booleans_accept_yes_no_true_false_in_any_case() {
    let cfg = parse(&edit(
        "Pool Type = Backup",
        "Pool Type = Backup\n  Recycle = NO\n  AutoPrune = False\n  Use Volume Once = TRUE",
    ))
    .unwrap();
    let p = cfg.find(Kind::Pool, "P").unwrap();
    assert_eq!(p.bool("Recycle"), Some(false));
    assert_eq!(p.bool("AutoPrune"), Some(false));
    assert_eq!(p.bool("UseVolumeOnce"), Some(true));
}

#[test]
fn a_bad_boolean_is_refused() {
    assert_error(
        &edit(
            "Pool Type = Backup",
            "Pool Type = Backup\n  Recycle = maybe",
        ),
        "maybe",
        13,
        "Recycle expects yes, no, true or false, got \"maybe\"",
    );
}

#[test]
fn repeated_and_comma_separated_values_accumulate() {
    let cfg = parse(&with(
        "Storage {\n  Name = st2\n  Address = b\n  Password = c\n  Device = D1, D2\n  Device = D3\n  Media Type = F\n}\n",
    ))
    .unwrap();
    let st = cfg.find(Kind::Storage, "st2").unwrap();
    assert_eq!(
        st.get("Device"),
        Some(&Value::StrList(vec!["D1".into(), "D2".into(), "D3".into()]))
    );
}

#[test]
fn a_bad_job_type_lists_the_good_ones() {
    assert_error(
        &edit("  Type = Backup", "  Type = Archive"),
        "Archive",
        10,
        "Type expects a Job Type (Backup, Admin, Verify, Restore, Migrate, Copy), got \"Archive\"",
    );
}

#[test]
fn a_negative_port_is_refused() {
    assert_error(
        &edit("Catalog = C", "Catalog = C\n  FD Port = -5"),
        "-5",
        13,
        "FdPort expects a positive integer number, got \"-5\"",
    );
}

#[test]
fn an_illegal_character_in_a_name() {
    assert_error(
        &edit("Name = P\n", "Name = \"P/1\"\n"),
        "P/1",
        10,
        "invalid name \"P/1\": illegal character \"/\" (names may use letters, digits, spaces and : . - _)",
    );
}

#[test]
fn a_name_longer_than_127_characters() {
    let long = "n".repeat(128);
    assert_error(
        &edit("Name = P\n", &format!("Name = {long}\n")),
        "nnnn",
        10,
        &format!("name \"{long}\" is 128 characters long; the longest allowed is 127"),
    );
}

#[test]
fn a_missing_closing_brace() {
    assert_error(
        &with("Pool {\n  Name = Q\n  Pool Type = Backup\n"),
        "^last:Pool {",
        1,
        "end of file reached inside this Pool resource: a closing \"}\" is missing",
    );
}

#[test]
fn a_missing_equals_sign() {
    assert_error(
        &edit("Pool Type = Backup", "Pool Type Backup"),
        "Pool Type Backup",
        3,
        "unknown directive \"PoolTypeBackup\" in Pool \"P\" (is \"=\" missing after PoolType?)",
    );
}

#[test]
fn a_missing_opening_brace() {
    assert_error(
        &with("Pool\n  Name = Q\n"),
        "Name = Q",
        3,
        "expected \"{\" after Pool, got an identifier \"Name\"",
    );
}

#[test]
fn a_required_directive_is_missing() {
    assert_error(
        &edit("  Media Type = File\n", ""),
        "Storage {",
        1,
        "directive MediaType is required in Storage \"st\", but not found",
    );
}

#[test]
fn a_job_missing_its_client() {
    assert_error(
        &edit("  Client = cl\n  FileSet", "  FileSet"),
        "Job {",
        1,
        "directive Client is required in Job \"j\", but not found",
    );
}

#[test]
fn a_job_missing_its_client_in_its_jobdefs_too() {
    let text = edit(
        "Job {\n  Name = j\n  Type = Backup\n  Client = cl\n",
        "JobDefs {\n  Name = D\n  Type = Backup\n}\nJob {\n  Name = j\n  JobDefs = D\n",
    );
    assert_error(
        &text,
        "Job {",
        1,
        "directive Client is required in Job \"j\" (nor in its JobDefs \"D\"), but not found",
    );
}

#[test]
fn a_job_without_storage_anywhere() {
    assert_error(
        &edit("  Storage = st\n  Pool = P", "  Pool = P"),
        "Job {",
        1,
        "no Storage specified in Job \"j\" nor in its Pool",
    );
}

#[test]
fn no_director_at_all() {
    let text = BASE.replacen(
        "Director {\n  Name = d\n  Password = p\n  QueryFile = /q\n  WorkingDirectory = /tmp\n  PidDirectory = /tmp\n  Messages = M\n}\n",
        "",
        1,
    );
    assert_plain_error(
        &text,
        "no Director resource is defined: without it rdird does not know who it is",
    );
}

#[test]
fn two_directors() {
    assert_error(
        &with("Director {\n  Name = d2\n  Password = p\n  QueryFile = /q\n  WorkingDirectory = /tmp\n  PidDirectory = /tmp\n}\n"),
        "^last:Director {",
        1,
        "only one Director resource is permitted",
    );
}

#[test]
fn jobdefs_values_pass_to_the_job_and_the_job_wins() {
    let text = edit(
        "Job {\n  Name = j\n  Type = Backup\n  Client = cl\n  FileSet = fs\n  Storage = st\n  Pool = P\n  Messages = M\n}\n",
        "JobDefs {\n  Name = D\n  Type = Backup\n  Level = Incremental\n  Client = cl\n  FileSet = fs\n  Storage = st\n  Pool = P\n  Messages = M\n  Priority = 7\n}\nJob {\n  Name = j\n  JobDefs = D\n  Priority = 3\n}\n",
    );
    let cfg = parse(&text).unwrap();
    assert_eq!(int(&cfg, Kind::Job, "j", "Priority"), 3);
    assert_eq!(string(&cfg, Kind::Job, "j", "Level"), "Incremental");
    assert_eq!(string(&cfg, Kind::Job, "j", "Client"), "cl");
}

#[test]
fn jobdefs_chains_inherit_through_every_link() {
    let text = edit(
        "Job {\n  Name = j\n  Type = Backup\n",
        "JobDefs {\n  Name = Base\n  Type = Backup\n  Level = Full\n  Priority = 20\n}\nJobDefs {\n  Name = Nightly\n  JobDefs = Base\n  Level = Incremental\n}\nJob {\n  Name = j\n  JobDefs = Nightly\n",
    );
    let cfg = parse(&text).unwrap();
    assert_eq!(string(&cfg, Kind::Job, "j", "Level"), "Incremental");
    assert_eq!(int(&cfg, Kind::Job, "j", "Priority"), 20);
    assert_eq!(string(&cfg, Kind::Job, "j", "Type"), "Backup");
}

#[test]
fn a_jobdefs_cycle_is_an_error() {
    let text =
        with("JobDefs {\n  Name = A\n  JobDefs = B\n}\nJobDefs {\n  Name = B\n  JobDefs = A\n}\n");
    assert_error(
        &text,
        "JobDefs {",
        1,
        "JobDefs cycle: JobDefs \"A\" inherits from itself",
    );
}

#[test]
fn a_bad_schedule_time() {
    assert_error(
        &with("Schedule {\n  Name = S\n  Run = Full sun at 25:00\n}\n"),
        "25:00",
        21,
        "bad time specification \"25:00\" (use HH:MM, HH:MMam or HH:MMpm)",
    );
}

#[test]
fn a_schedule_time_needs_at() {
    assert_error(
        &with("Schedule {\n  Name = S\n  Run = Full sun 10:00\n}\n"),
        "10:00",
        18,
        "time \"10:00\" must be preceded by the keyword at",
    );
}

#[test]
fn an_unknown_message_type() {
    assert_error(
        &edit("Console = all", "Console = all, !skiped"),
        "skiped",
        18,
        "unknown message type \"skiped\" (did you mean Skipped?)",
    );
}

#[test]
fn old_style_include_is_refused() {
    assert_error(
        &edit(
            "Include {\n    File = /etc\n  }",
            "Include = signature=MD5 {\n    /etc\n  }",
        ),
        "Include =",
        11,
        "Include expects a block beginning with \"{\" (old-style Include/Exclude is not supported)",
    );
}

#[test]
fn an_unknown_fileset_option_suggests_one() {
    assert_error(
        &edit(
            "Include {\n    File = /etc",
            "Include {\n    Options {\n      Signatur = MD5\n    }\n    File = /etc",
        ),
        "Signatur",
        7,
        "option \"Signatur\" is not permitted in Options (did you mean Signature?)",
    );
}

#[test]
fn a_utf16_file_is_refused_with_advice() {
    let e = Config::parse_text("t.conf", &[0xff, 0xfe, b'D', 0]).unwrap_err();
    assert_eq!(
        e.message,
        "UTF-16 files are not supported; please convert the configuration to UTF-8"
    );
}

#[test]
fn a_utf8_byte_order_mark_is_skipped() {
    let mut bytes = vec![0xef, 0xbb, 0xbf];
    bytes.extend_from_slice(BASE.as_bytes());
    assert!(Config::parse_text("t.conf", &bytes).is_ok());
}

/// Writes `files` into a fresh directory and returns it.
fn tree(files: &[(&str, String)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn load(dir: &Path, name: &str) -> Result<Config, ConfigError> {
    Config::load(&dir.join(name))
}

#[test]
fn nested_includes_are_read_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    fs::write(dir.path().join("pools.conf"), format!("@{d}/pool-q.conf\n")).unwrap();
    fs::write(
        dir.path().join("pool-q.conf"),
        "Pool {\n  Name = Q\n  Pool Type = Backup\n}\n",
    )
    .unwrap();
    fs::write(
        dir.path().join("main.conf"),
        format!("{BASE}@{d}/pools.conf\n"),
    )
    .unwrap();
    let cfg = load(dir.path(), "main.conf").unwrap();
    assert!(cfg.find(Kind::Pool, "Q").is_some());
}

#[test]
fn an_include_inside_a_resource() {
    let dir = tree(&[("retention.conf", "  Volume Retention = 10 days\n".into())]);
    let d = dir.path().display().to_string();
    fs::write(
        dir.path().join("main.conf"),
        edit(
            "Pool Type = Backup\n",
            &format!("Pool Type = Backup\n  @{d}/retention.conf\n"),
        ),
    )
    .unwrap();
    let cfg = load(dir.path(), "main.conf").unwrap();
    assert_eq!(int(&cfg, Kind::Pool, "P", "VolumeRetention"), 10 * 86400);
}

#[test]
fn errors_in_included_files_name_that_file() {
    let dir = tree(&[(
        "bad.conf",
        "Pool {\n  Name = Q\n  Pool Typ = Backup\n}\n".into(),
    )]);
    let d = dir.path().display().to_string();
    fs::write(
        dir.path().join("main.conf"),
        format!("{BASE}@{d}/bad.conf\n"),
    )
    .unwrap();
    let e = load(dir.path(), "main.conf").unwrap_err();
    let loc = e.location.unwrap();
    assert_eq!(loc.file, format!("{d}/bad.conf"));
    assert_eq!((loc.line, loc.column), (3, 3));
    assert_eq!(
        e.message,
        "unknown directive \"PoolTyp\" in Pool \"Q\" (did you mean PoolType?)"
    );
}

#[test]
fn an_include_cycle_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    fs::write(dir.path().join("a.conf"), format!("@{d}/b.conf\n")).unwrap();
    fs::write(dir.path().join("b.conf"), format!("@{d}/a.conf\n")).unwrap();
    fs::write(dir.path().join("main.conf"), format!("{BASE}@{d}/a.conf\n")).unwrap();
    let e = load(dir.path(), "main.conf").unwrap_err();
    assert_eq!(
        e.message,
        format!("include cycle: \"{d}/a.conf\" is already being read")
    );
    let loc = e.location.unwrap();
    assert_eq!((loc.file, loc.line), (format!("{d}/b.conf"), 1));
}

#[test]
fn a_missing_include_names_the_including_line() {
    let text = with("@/nonexistent/rdird-pools.conf\n");
    let e = parse(&text).unwrap_err();
    assert_eq!(
        e.message,
        "cannot open included config file \"/nonexistent/rdird-pools.conf\": No such file or directory (os error 2)"
    );
    assert_eq!(e.location.unwrap().line, line_of(&text, "@/nonexistent"));
}

#[test]
fn a_command_include_reads_the_command_output() {
    let text = with("@|\"echo 'Pool { Name = FromCmd; Pool Type = Backup }'\"\n");
    let cfg = parse(&text).unwrap();
    assert!(cfg.find(Kind::Pool, "FromCmd").is_some());
}

#[test]
fn a_failing_command_include_is_an_error() {
    let e = parse(&with("@|\"exit 3\"\n")).unwrap_err();
    assert_eq!(
        e.message,
        "include command \"exit 3\" failed: exit status: 3"
    );
}

#[test]
fn unacted_directives_get_one_warning_each() {
    let cfg = parse(&edit(
        "Pool Type = Backup",
        "Pool Type = Backup\n  Migration Time = 1 day\n  Migration Time = 2 days\n  Cleaning Prefix = CLN",
    ))
    .unwrap();
    assert_eq!(
        cfg.warnings,
        vec![
            "t.conf:33:3: warning: directive MigrationTime in Pool is accepted but rdird does not act on it yet".to_string(),
            "t.conf:35:3: warning: directive CleaningPrefix in Pool is accepted but rdird does not act on it yet".to_string(),
        ]
    );
}

#[test]
fn deprecated_spellings_store_under_the_current_directive() {
    let cfg = parse(&edit(
        "Address = 127.0.0.1\n  Password = x",
        "fdaddress = 10.1.1.1\n  fdpassword = x",
    ))
    .unwrap();
    assert_eq!(string(&cfg, Kind::Client, "cl", "Address"), "10.1.1.1");
}

#[test]
fn a_resource_may_close_on_the_line_of_a_list() {
    // bacula-dir takes `Storage = st }` (its scan_to_eol stops at the
    // brace): sites write whole resources on one line.
    let text = with(
        "Pool { Name = Q; Pool Type = Backup; Storage = st }\n\
         Console { Name = c; Password = x; JobACL = j, k }\n",
    );
    let cfg = parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let get = |kind, name, directive| cfg.find(kind, name).unwrap().get(directive).cloned();
    match get(Kind::Pool, "Q", "storage") {
        Some(Value::ResList(l)) => assert_eq!(
            l.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
            ["st"]
        ),
        other => panic!("Storage of Q: {other:?}"),
    }
    assert_eq!(
        get(Kind::Console, "c", "jobacl"),
        Some(Value::StrList(vec!["j".into(), "k".into()]))
    );
    // Text that is neither a comma nor the brace is still refused.
    assert_plain_error(
        &with("Pool { Name = Q; Pool Type = Backup; Storage = st \"x\" }\n"),
        "unexpected text after the list in directive Storage of Pool \"Q\"",
    );
}
