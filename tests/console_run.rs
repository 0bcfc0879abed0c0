//! `run` from a console against a site of real daemons, beside stock
//! bacula-dir 9.6.7 on the same configuration and catalog: the summary
//! shown before "OK to run?", and a bad level refused before it asks.

mod common;

use common::site::*;

/// The lines `run` printed from its title up to its question (the
/// question itself left out), with the `When:` time's digits masked:
/// the two Directors are asked at different seconds.
fn summary(out: &str) -> Vec<String> {
    out.lines()
        .skip_while(|l| !l.starts_with("Run "))
        .take_while(|l| !l.starts_with("OK to run?"))
        .map(|l| {
            if l.starts_with("When:") {
                l.chars()
                    .map(|c| if c.is_ascii_digit() { '9' } else { c })
                    .collect()
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// What each Director answers to the same `run` lines.
struct Answers {
    summary: String,
    bogus: String,
}

fn ask(s: &Setup) -> Answers {
    Answers {
        summary: s.console("run job=Backup level=Incremental\nno\n"),
        bogus: s.console("run job=Backup level=Bogus\n"),
    }
}

#[test]
fn run_shows_bacula_dirs_summary_and_refuses_a_bad_level_before_asking() {
    let mut s = setup("fd-secret");
    let ours = ask(&s);
    s.switch_director(Director::BaculaDir);
    let theirs = ask(&s);
    s.switch_director(Director::Rdird);

    let expected = [
        "Run Backup job",
        "JobName:  Backup",
        "Level:    Incremental",
        "Client:   test-fd",
        "FileSet:  Set",
        "Pool:     Full (From Job resource)",
        "Storage:  File (From Job resource)",
        "When:     9999-99-99 99:99:99",
        "Priority: 10",
    ];
    assert_eq!(summary(&theirs.summary), expected, "{}", theirs.summary);
    assert_eq!(summary(&ours.summary), expected, "{}", ours.summary);
    for out in [&ours.summary, &theirs.summary] {
        assert!(out.contains("Job not run."), "{out}");
    }

    // Refused at once: no summary, no question.
    for out in [&ours.bogus, &theirs.bogus] {
        assert!(
            out.contains("Level \"Bogus\" not valid.\nJob not run."),
            "{out}"
        );
        assert!(!out.contains("OK to run?"), "{out}");
    }
    let listed = s.console("list jobs\n");
    assert!(!listed.contains("| Backup "), "{listed}");
}
