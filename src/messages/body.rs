//! A mail's body while it is collected and sent: bounded, without losing
//! its end. Once a mail is full, its first part is kept as it is and the
//! last messages (the termination report is the job's last) are kept
//! behind it, with a line saying how many were left out between; and the
//! Director holds at most `ALL_MAILS_BYTES` for all its mails, past
//! which a mail keeps only its last messages.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The most one mail holds.
pub(super) const MAIL_BYTES: usize = 8 << 20;

/// What a full mail keeps of its last messages: the termination report
/// (2 KB or so) and well more than the lines before it. A message longer
/// than this keeps its first part.
const TAIL_BYTES: usize = 64 << 10;

/// The most held for all the mails of the Director (those being
/// collected for running jobs and those waiting to be sent): 200 jobs
/// each with a full mail would otherwise hold gigabytes. The tails are
/// not counted in it: each is `TAIL_BYTES` at most.
pub(super) const ALL_MAILS_BYTES: usize = 64 << 20;

/// What the heads of all the mails hold now.
static HELD: AtomicUsize = AtomicUsize::new(0);

/// Takes `n` bytes of the Director's allowance for mails, if there is
/// that much left.
fn reserve(n: usize) -> bool {
    HELD.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |held| {
        (held + n <= ALL_MAILS_BYTES).then_some(held + n)
    })
    .is_ok()
}

#[derive(Default)]
pub(super) struct Body {
    head: String,
    /// Set once a message did not fit: from then on messages go to the
    /// tail, so that the head stays the mail's beginning.
    full: bool,
    tail: VecDeque<String>,
    tail_bytes: usize,
    /// Messages left out between the head and the tail.
    left_out: usize,
}

impl Body {
    pub(super) fn add(&mut self, line: &str) {
        if !self.full && self.head.len() + line.len() <= MAIL_BYTES && reserve(line.len()) {
            self.head.push_str(line);
            return;
        }
        self.full = true;
        let mut end = line.len().min(TAIL_BYTES);
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        let kept = if end < line.len() {
            format!("{}...\n", &line[..end])
        } else {
            line.to_string()
        };
        self.tail_bytes += kept.len();
        self.tail.push_back(kept);
        while self.tail_bytes > TAIL_BYTES && self.tail.len() > 1 {
            if let Some(old) = self.tail.pop_front() {
                self.tail_bytes -= old.len();
                self.left_out += 1;
            }
        }
    }

    /// Adds what another body holds after this one's messages (a message
    /// that came while a mail to the same place waited to be sent).
    pub(super) fn append(&mut self, mut other: Body) {
        let head = std::mem::take(&mut other.head);
        self.add(&head);
        HELD.fetch_sub(head.len(), Ordering::SeqCst);
        self.left_out += other.left_out;
        for line in std::mem::take(&mut other.tail) {
            self.add(&line);
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.head.is_empty() && self.tail.is_empty()
    }

    /// How many messages were left out.
    pub(super) fn left_out(&self) -> usize {
        self.left_out
    }

    /// The mail's text in parts, in order: its head, the line that says
    /// what was left out (if any), its tail.
    pub(super) fn parts<R>(&self, f: impl FnOnce(&[&[u8]]) -> R) -> R {
        let gap = (self.left_out > 0).then(|| {
            format!(
                "... {} message(s) left out here: a mail holds at most {} MB, and the Director {} MB for all its mails; the last messages follow.\n",
                self.left_out,
                MAIL_BYTES >> 20,
                ALL_MAILS_BYTES >> 20
            )
        });
        let mut parts: Vec<&[u8]> = vec![self.head.as_bytes()];
        parts.extend(gap.as_deref().map(str::as_bytes));
        parts.extend(self.tail.iter().map(|l| l.as_bytes()));
        f(&parts)
    }
}

impl Drop for Body {
    fn drop(&mut self) {
        HELD.fetch_sub(self.head.len(), Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::{Body, ALL_MAILS_BYTES, MAIL_BYTES, TAIL_BYTES};

    fn text(b: &Body) -> String {
        b.parts(|p| String::from_utf8(p.concat()).unwrap())
    }

    #[test]
    fn a_full_mail_keeps_its_beginning_and_its_end_and_says_what_is_between() {
        let mut b = Body::default();
        let line = format!("{}\n", "x".repeat(999));
        for _ in 0..(MAIL_BYTES / 1000) + 500 {
            b.add(&line);
        }
        b.add("a short line that no longer fits in the head\n");
        b.add("  Termination:            Backup OK\n");
        let t = text(&b);
        assert!(t.len() <= MAIL_BYTES + TAIL_BYTES + 1000, "{}", t.len());
        assert!(t.starts_with(&line));
        assert!(t.ends_with("  Termination:            Backup OK\n"));
        let gap = t.find(" message(s) left out here").unwrap();
        // The short line came after the mail was full: it is in the tail,
        // after the gap, not in the head before it.
        assert!(t.find("a short line").unwrap() > gap);
        assert!(b.left_out() > 0);
    }

    #[test]
    fn a_message_longer_than_the_tail_keeps_its_first_part() {
        let mut b = Body::default();
        b.add(&"y".repeat(MAIL_BYTES + 1));
        let t = text(&b);
        assert!(t.len() <= TAIL_BYTES + 10);
        assert!(t.ends_with("...\n"));
    }

    #[test]
    fn all_the_mails_together_hold_at_most_the_directors_allowance() {
        let line = format!("{}\n", "z".repeat(1 << 20));
        // Seven such lines fit in one mail; ten mails of seven would be
        // 70 MB.
        let bodies: Vec<Body> = (0..10)
            .map(|_| {
                let mut b = Body::default();
                for _ in 0..7 {
                    b.add(&line);
                }
                b
            })
            .collect();
        let heads: usize = bodies.iter().map(|b| b.head.len()).sum();
        assert!(heads <= ALL_MAILS_BYTES, "{heads}");
        // A mail cut by the allowance keeps its last messages.
        assert!(bodies
            .iter()
            .any(|b| b.head.len() < 7 * line.len() && !b.tail.is_empty()));
    }
}
