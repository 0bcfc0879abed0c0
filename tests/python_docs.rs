//! The examples of docs/python.md, the reference for script authors, run
//! as the page says: each ```python block whose first line is
//! `# simulate: ARGS` goes through `rdird script simulate FILE ARGS`, and
//! every line of the ```output block after it must be in what that
//! prints, in the page's order.

mod common;

use common::{rdird, stderr, stdout};

/// One example: its `simulate` arguments, its script, the lines expected.
struct Example {
    line: usize,
    args: Vec<String>,
    script: String,
    expected: Vec<String>,
}

/// The fenced blocks of a Markdown page: (line of the fence, info string,
/// body).
fn blocks(page: &str) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    let mut open: Option<(usize, String, String)> = None;
    for (n, line) in page.lines().enumerate() {
        match (&mut open, line.strip_prefix("```")) {
            (None, Some(info)) => open = Some((n + 1, info.trim().to_string(), String::new())),
            (Some(_), Some("")) => found.extend(open.take()),
            (Some((_, _, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "an unclosed block in docs/python.md");
    found
}

fn examples() -> Vec<Example> {
    let page = std::fs::read_to_string("docs/python.md").unwrap();
    let blocks = blocks(&page);
    let mut out = Vec::new();
    for (i, (line, info, body)) in blocks.iter().enumerate() {
        let Some(args) = body
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# simulate:"))
            .filter(|_| info == "python")
        else {
            continue;
        };
        let expected = match blocks.get(i + 1) {
            Some((_, info, body)) if info == "output" => body.lines().map(str::to_string).collect(),
            _ => panic!(
                "docs/python.md:{line}: a simulated example needs an ```output block after it"
            ),
        };
        out.push(Example {
            line: *line,
            args: args.split_whitespace().map(str::to_string).collect(),
            script: body.clone(),
            expected,
        });
    }
    out
}

#[test]
fn every_example_in_the_reference_prints_what_the_page_says() {
    let examples = examples();
    assert!(examples.len() >= 6, "{} examples", examples.len());
    let dir = tempfile::tempdir().unwrap();
    for ex in examples {
        let file = dir.path().join(format!("example_{}.py", ex.line));
        std::fs::write(&file, &ex.script).unwrap();
        let mut args = vec!["script", "simulate", file.to_str().unwrap()];
        args.extend(ex.args.iter().map(String::as_str));
        let o = rdird(&args);
        assert!(
            o.status.success(),
            "docs/python.md:{}: {}",
            ex.line,
            stderr(&o)
        );
        let printed = stdout(&o);
        let mut rest = printed.lines();
        for want in &ex.expected {
            assert!(
                rest.any(|l| l == want),
                "docs/python.md:{}: {want:?} is not in (or not in the order of) what simulate printed:\n{printed}",
                ex.line
            );
        }
        assert!(
            !stderr(&o).contains("Traceback"),
            "docs/python.md:{}: {}",
            ex.line,
            stderr(&o)
        );
    }
}

#[test]
fn the_readme_links_the_reference() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(
        readme.contains("(docs/python.md)"),
        "README.md does not link docs/python.md"
    );
}
