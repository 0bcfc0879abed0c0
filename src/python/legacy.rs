//! The legacy-dialect front end: rewrites the Python 2 statements that
//! Bacula 2.x Director scripts used into Python 3, so those scripts run
//! unmodified. It handles `print x, y`, `print >>f, x`, a trailing comma
//! after print, bare `print`, `except E, e:`, backticks and `<>`.
//!
//! Rewrites never add or remove line breaks, so tracebacks keep the line
//! numbers of the file the administrator wrote. Only a script that does not
//! compile as Python 3 is rewritten; the interpreter's compiler stays the
//! judge of what is valid.

/// One rewritten statement, for the warning line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    pub line: usize,
    pub what: &'static str,
}

/// The source with strings and comments blanked out, so that searching
/// for syntax never matches inside them. Same length as the source.
fn mask(src: &[u8]) -> Vec<u8> {
    let mut m = src.to_vec();
    let mut i = 0;
    while i < src.len() {
        let c = src[i];
        if c == b'#' {
            while i < src.len() && src[i] != b'\n' {
                m[i] = b' ';
                i += 1;
            }
            continue;
        }
        if c == b'\'' || c == b'"' {
            let triple = src.len() >= i + 3 && src[i + 1] == c && src[i + 2] == c;
            let qlen = if triple { 3 } else { 1 };
            i += qlen;
            while i < src.len() {
                if src[i] == b'\\' {
                    m[i] = b'x';
                    if i + 1 < src.len() && src[i + 1] != b'\n' {
                        m[i + 1] = b'x';
                    }
                    i += 2;
                    continue;
                }
                if triple {
                    if src[i] == c && src.len() >= i + 3 && src[i + 1] == c && src[i + 2] == c {
                        i += 3;
                        break;
                    }
                } else if src[i] == c || src[i] == b'\n' {
                    i += 1;
                    break;
                }
                if src[i] != b'\n' {
                    m[i] = b'x';
                }
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    m
}

/// Logical lines as (start, end) byte ranges of the source.
fn logical_lines(m: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut i = 0;
    while i < m.len() {
        match m[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = (depth - 1).max(0),
            b'\\' if m.get(i + 1) == Some(&b'\n') => {
                i += 2;
                continue;
            }
            b'\n' if depth == 0 => {
                out.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < m.len() {
        out.push((start, m.len()));
    }
    out
}

/// Statement ranges in a logical line: split at top-level `;` and after a
/// top-level `:` (a compound statement's body on the same line).
fn statements(m: &[u8], (start, end): (usize, usize)) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut s = start;
    for (i, &c) in m.iter().enumerate().take(end).skip(start) {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth = (depth - 1).max(0),
            b';' | b':' if depth == 0 => {
                out.push((s, i));
                s = i + 1;
            }
            _ => {}
        }
    }
    out.push((s, end));
    out
}

/// The first top-level comma in `m[from..to]`.
fn top_level_comma(m: &[u8], from: usize, to: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, &c) in m.iter().enumerate().take(to).skip(from) {
        match c {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Whether `m[at..]` starts with the keyword `word`.
fn keyword_at(m: &[u8], at: usize, word: &[u8]) -> bool {
    m[at..].starts_with(word) && !m.get(at + word.len()).is_some_and(|&c| is_ident(c))
}

fn line_of(src: &[u8], at: usize) -> usize {
    src[..at].iter().filter(|&&c| c == b'\n').count() + 1
}

/// Replaces `src[from..to]` by `with` (edits are applied from the end).
struct Edit {
    from: usize,
    to: usize,
    with: String,
}

/// A `print` statement at `[s, e)` as a call.
fn print_call(src: &str, m: &[u8], s: usize, e: usize) -> Option<String> {
    let after = s + 5;
    let rest_m = &m[after..e];
    let first = rest_m.iter().position(|c| !c.is_ascii_whitespace());
    if let Some(p) = first {
        let c = rest_m[p];
        // Already a call, an assignment or an attribute: not a statement.
        if c == b'(' || c == b'.' || (c == b'=' && rest_m.get(p + 1) != Some(&b'=')) {
            return None;
        }
    }
    let mut args_from = after;
    let mut args_to = e;
    while args_to > args_from && m[args_to - 1].is_ascii_whitespace() {
        args_to -= 1;
    }
    while args_from < args_to && m[args_from].is_ascii_whitespace() {
        args_from += 1;
    }
    let mut file = None;
    if m[args_from..args_to].starts_with(b">>") {
        let f_from = args_from + 2;
        match top_level_comma(m, f_from, args_to) {
            Some(c) => {
                file = Some(src[f_from..c].trim().to_string());
                args_from = c + 1;
            }
            None => {
                file = Some(src[f_from..args_to].trim().to_string());
                args_from = args_to;
            }
        }
    }
    let mut soft_space = false;
    if args_to > args_from && m[args_to - 1] == b',' {
        soft_space = true;
        args_to -= 1;
    }
    let mut parts = Vec::new();
    let args = src[args_from..args_to].trim();
    if !args.is_empty() {
        parts.push(args.to_string());
    }
    if soft_space {
        parts.push("end=\" \"".to_string());
    }
    if let Some(f) = file {
        parts.push(format!("file={f}"));
    }
    Some(format!("print({})", parts.join(", ")))
}

/// Applies `edits` (non-overlapping) to `src`.
fn apply(src: &str, mut edits: Vec<Edit>) -> String {
    edits.sort_by_key(|e| std::cmp::Reverse(e.from));
    let mut out = src.to_string();
    for e in edits {
        out.replace_range(e.from..e.to, &e.with);
    }
    out
}

/// Backquotes and `<>`, which may sit inside statements rewritten later.
fn rewrite_operators(src: &str, done: &mut Vec<Rewrite>) -> String {
    let bytes = src.as_bytes();
    let m = mask(bytes);
    let mut edits = Vec::new();
    let mut tick_open: Option<usize> = None;
    for i in 0..m.len() {
        if m[i] == b'`' {
            match tick_open.take() {
                None => tick_open = Some(i),
                Some(open) => {
                    edits.push(Edit {
                        from: open,
                        to: open + 1,
                        with: "repr(".into(),
                    });
                    edits.push(Edit {
                        from: i,
                        to: i + 1,
                        with: ")".into(),
                    });
                    done.push(Rewrite {
                        line: line_of(bytes, open),
                        what: "backquotes",
                    });
                }
            }
        } else if m[i] == b'<' && m.get(i + 1) == Some(&b'>') {
            edits.push(Edit {
                from: i,
                to: i + 2,
                with: "!=".into(),
            });
            done.push(Rewrite {
                line: line_of(bytes, i),
                what: "<> operator",
            });
        }
    }
    apply(src, edits)
}

/// `print` and `except E, e` statements.
fn rewrite_statements(src: &str, done: &mut Vec<Rewrite>) -> String {
    let bytes = src.as_bytes();
    let m = mask(bytes);
    let mut edits: Vec<Edit> = Vec::new();
    for ll in logical_lines(&m) {
        for (s0, e) in statements(&m, ll) {
            let Some(off) = m[s0..e].iter().position(|c| !c.is_ascii_whitespace()) else {
                continue;
            };
            let s = s0 + off;
            if keyword_at(&m, s, b"print") {
                if let Some(call) = print_call(src, &m, s, e) {
                    let mut to = e;
                    while to > s && m[to - 1].is_ascii_whitespace() {
                        to -= 1;
                    }
                    edits.push(Edit {
                        from: s,
                        to,
                        with: call,
                    });
                    done.push(Rewrite {
                        line: line_of(bytes, s),
                        what: "print statement",
                    });
                }
            } else if keyword_at(&m, s, b"except") {
                // The header ends at the `:` that `statements` split on.
                if let Some(c) = top_level_comma(&m, s + 6, e) {
                    edits.push(Edit {
                        from: c,
                        to: c + 1,
                        with: " as".into(),
                    });
                    done.push(Rewrite {
                        line: line_of(bytes, s),
                        what: "except E, e",
                    });
                }
            }
        }
    }
    apply(src, edits)
}

/// Rewrites the Python 2 statements of `src`; returns the new source and
/// what was rewritten.
pub fn rewrite(src: &str) -> (String, Vec<Rewrite>) {
    let mut done = Vec::new();
    let operators = rewrite_operators(src, &mut done);
    let out = rewrite_statements(&operators, &mut done);
    done.sort_by_key(|r| r.line);
    (out, done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(src: &str) -> String {
        rewrite(src).0
    }

    #[test]
    fn print_statements_become_calls() {
        assert_eq!(rw("print \"a\", b\n"), "print(\"a\", b)\n");
        assert_eq!(rw("    print\n"), "    print()\n");
        assert_eq!(rw("print x,\n"), "print(x, end=\" \")\n");
        assert_eq!(
            rw("print >>sys.stderr, \"oops\"\n"),
            "print(\"oops\", file=sys.stderr)\n"
        );
        assert_eq!(rw("print >>f\n"), "print(file=f)\n");
        assert_eq!(rw("if x: print x; y = 1\n"), "if x: print(x); y = 1\n");
        assert_eq!(
            rw("print \"%d\" % (1,)  # note\n"),
            "print(\"%d\" % (1,))  # note\n"
        );
    }

    #[test]
    fn python3_prints_and_names_are_left_alone() {
        for src in [
            "print(x)\n",
            "print (x)\n",
            "printer = 1\n",
            "print = 3\n",
            "s = \"print x\"\n",
            "# print x\n",
        ] {
            assert_eq!(rw(src), src);
        }
    }

    #[test]
    fn multi_line_prints_keep_their_lines() {
        let src = "print \"a\", (1,\n       2)\nx = 1\n";
        let out = rw(src);
        assert_eq!(out, "print(\"a\", (1,\n       2))\nx = 1\n");
        assert_eq!(out.lines().count(), src.lines().count());
    }

    #[test]
    fn except_comma_backticks_and_not_equal() {
        assert_eq!(rw("except ValueError, e:\n"), "except ValueError as e:\n");
        assert_eq!(rw("except (A, B), e:\n"), "except (A, B) as e:\n");
        assert_eq!(rw("except (A, B):\n"), "except (A, B):\n");
        assert_eq!(rw("s = `x`\n"), "s = repr(x)\n");
        assert_eq!(rw("if a <> b: pass\n"), "if a != b: pass\n");
        assert_eq!(rw("s = \"<> `\"\n"), "s = \"<> `\"\n");
    }

    #[test]
    fn each_rewrite_is_reported_with_its_line() {
        let (_, r) = rewrite("x = 1\nprint x\ntry:\n  pass\nexcept E, e:\n  print `e`\n");
        let lines: Vec<(usize, &str)> = r.iter().map(|r| (r.line, r.what)).collect();
        assert_eq!(
            lines,
            vec![
                (2, "print statement"),
                (5, "except E, e"),
                (6, "backquotes"),
                (6, "print statement")
            ]
        );
    }
}
