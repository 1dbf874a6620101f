//! Line numbers as an editor or a spreadsheet shows them, for byte offsets of the decoded text.
//!
//! Readers know where they are in bytes (the csv reader's record position, the XML reader's
//! buffer position) and both read ahead of what they report, so lines are not counted as the
//! readers consume: every decoded byte is fed here once, and the index keeps the start of each
//! line not yet asked about. A line ends at `\n`, `\r\n` or a lone `\r` (old Mac exports).

use std::collections::VecDeque;

#[derive(Debug)]
pub(crate) struct LineIndex {
    /// Bytes fed so far: the offset of the next one.
    fed: u64,
    /// The line of the next byte fed.
    line: u64,
    after_cr: bool,
    /// Whether the current line has had a byte that is not a line break.
    in_content: bool,
    /// (offset of its first byte, line) of each line with content not yet passed by a question.
    starts: VecDeque<(u64, u64)>,
    /// The line of the last start passed.
    passed: u64,
}

impl Default for LineIndex {
    fn default() -> Self {
        Self { fed: 0, line: 1, after_cr: false, in_content: false, starts: VecDeque::new(), passed: 1 }
    }
}

impl LineIndex {
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' | b'\r' => {
                    self.line += 1;
                    self.after_cr = b == b'\r';
                    self.in_content = false;
                }
                _ => {
                    self.after_cr = false;
                    if !self.in_content {
                        self.in_content = true;
                        self.starts.push_back((self.fed, self.line));
                    }
                }
            }
            self.fed += 1;
        }
    }

    /// The line the next byte fed will be on.
    pub(crate) fn current(&self) -> u64 {
        self.line
    }

    /// The line of the byte at `offset`, which must not be before an offset asked about
    /// already. Exact for every byte that is not a line break.
    pub(crate) fn line_at(&mut self, offset: u64) -> u64 {
        while let Some(&(start, line)) = self.starts.front()
            && start <= offset
        {
            self.passed = line;
            self.starts.pop_front();
        }
        self.passed
    }

    /// The line of the first byte at or after `offset` that is not a line break: where a record
    /// that the reader began reading at `offset` starts, past blank lines and the `\n` of a
    /// `\r\n` the reader left behind.
    pub(crate) fn content_line_from(&mut self, offset: u64) -> u64 {
        while let Some(&(start, line)) = self.starts.front()
            && start < offset
        {
            self.passed = line;
            self.starts.pop_front();
        }
        self.starts.front().map_or(self.line, |&(_, line)| line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(text: &str) -> LineIndex {
        let mut lines = LineIndex::default();
        for chunk in text.as_bytes().chunks(3) {
            lines.feed(chunk);
        }
        lines
    }

    #[test]
    fn lf_crlf_and_lone_cr_each_end_one_line() {
        for text in ["a\nb\n\nc", "a\r\nb\r\n\r\nc", "a\rb\r\rc"] {
            let mut lines = index(text);
            let c = text.find('c').unwrap() as u64;
            assert_eq!((lines.line_at(0), lines.line_at(c)), (1, 4), "{text:?}");
            assert_eq!(lines.current(), 4, "{text:?}");
        }
    }

    #[test]
    fn a_record_start_skips_blank_lines_and_a_left_behind_newline() {
        // A csv reader ends a CRLF record at the \r and starts the next one at the \n.
        let text = "head\r\nrow one\r\n\r\n\r\nrow two\r\n";
        let mut lines = index(text);
        assert_eq!(lines.content_line_from(0), 1);
        assert_eq!(lines.content_line_from(5), 2);
        assert_eq!(lines.content_line_from(text.find("\r\n\r\n").unwrap() as u64 + 1), 5);
        assert_eq!(lines.content_line_from(text.len() as u64), 6, "nothing left: the line after the last");
    }

    #[test]
    fn lines_inside_a_quoted_field_count() {
        let text = "h\n\"one\ntwo\",x\nnext\n";
        let mut lines = index(text);
        assert_eq!(lines.content_line_from(2), 2);
        assert_eq!(lines.content_line_from(text.find("next").unwrap() as u64), 4);
    }
}
