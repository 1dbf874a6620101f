//! Text decoding as a stream: any supported bytes in, UTF-8 out, one buffer at a time.
//!
//! Course files come from spreadsheets and old college systems: UTF-8 with or without a
//! byte-order mark, Windows-1252 (a `£` is the byte 0xA3), now and then UTF-16 with a BOM.
//! A BOM decides at once. Otherwise everything stays undecided while the bytes are ASCII,
//! which reads the same in both encodings, and the first non-ASCII character decides: valid
//! UTF-8 there means UTF-8, anything else Windows-1252. So the file is read once, in bounded
//! memory, and no row is ever decoded twice. After a UTF-8 decision, later invalid bytes
//! become U+FFFD and the report names the lines where they did.
//!
//! Every decoded byte goes through a [`LineIndex`], so the readers can turn the byte offsets
//! they know into the lines a person sees.

use crate::lines::LineIndex;
use crate::report::{ImportReport, TextEncoding};
use encoding_rs::{Decoder, DecoderResult, Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};
use std::io::{self, BufRead, Read};

const RAW_CAPACITY: usize = 16 * 1024;
/// Lines with replaced bytes named one by one; a file in the wrong encoding could have
/// thousands, and the first few say what is wrong.
const MAX_REPLACED_LINES: usize = 20;

/// A [`BufRead`] of UTF-8 over any supported input, knowing the line of every byte it decoded.
pub(crate) struct Decoded<R> {
    inner: R,
    raw: Vec<u8>,
    raw_pos: usize,
    raw_end: bool,
    out: Vec<u8>,
    out_pos: usize,
    bom_checked: bool,
    decoder: Option<Decoder>,
    finished: bool,
    encoding: TextEncoding,
    bom: bool,
    lines: LineIndex,
    /// How much of `out` went through `lines`.
    indexed: usize,
    /// The first lines where invalid bytes were replaced, and how many lines more.
    replaced_lines: Vec<u64>,
    replaced_more: u64,
    /// The line of the last replacement (0 before any).
    last_replaced: u64,
}

impl<R: Read> Decoded<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self {
            inner,
            raw: Vec::with_capacity(RAW_CAPACITY),
            raw_pos: 0,
            raw_end: false,
            out: Vec::new(),
            out_pos: 0,
            bom_checked: false,
            decoder: None,
            finished: false,
            encoding: TextEncoding::Utf8,
            bom: false,
            lines: LineIndex::default(),
            indexed: 0,
            replaced_lines: Vec::new(),
            replaced_more: 0,
            last_replaced: 0,
        }
    }

    /// The line of the decoded byte at `offset` (asked in increasing order).
    pub(crate) fn line_at(&mut self, offset: u64) -> u64 {
        self.lines.line_at(offset)
    }

    /// The line of the first byte at or after `offset` that is not a line break (asked in
    /// increasing order).
    pub(crate) fn line_of_content_from(&mut self, offset: u64) -> u64 {
        self.lines.content_line_from(offset)
    }

    /// Writes how the text was decoded into the report, with a warning for each line where
    /// invalid bytes were replaced.
    pub(crate) fn describe(&self, report: &mut ImportReport) {
        report.encoding = self.encoding;
        report.bom = self.bom;
        for &line in &self.replaced_lines {
            report.warn(
                Some(line),
                "bytes that are not valid UTF-8 were replaced by \u{FFFD} on this line: check its text, or save \
                 the file as UTF-8 and import it again",
            );
        }
        if self.replaced_more > 0 {
            report.warn(
                None,
                format!(
                    "invalid bytes were replaced on {} more lines: the file is probably not UTF-8 throughout",
                    self.replaced_more
                ),
            );
        }
    }

    /// Passes what was decoded since the last call through the line index.
    fn index_lines(&mut self) {
        self.lines.feed(&self.out[self.indexed..]);
        self.indexed = self.out.len();
    }

    /// Writes U+FFFD for a malformed sequence, noting its line.
    fn replace_malformed(&mut self) {
        self.index_lines();
        let line = self.lines.current();
        if line != self.last_replaced {
            self.last_replaced = line;
            if self.replaced_lines.len() < MAX_REPLACED_LINES {
                self.replaced_lines.push(line);
            } else {
                self.replaced_more += 1;
            }
        }
        self.out.extend_from_slice("\u{FFFD}".as_bytes());
    }

    /// Keeps the unread raw bytes and reads more after them; sets `raw_end` at end of input.
    fn read_raw(&mut self) -> io::Result<()> {
        self.raw.drain(..self.raw_pos);
        self.raw_pos = 0;
        let old = self.raw.len();
        self.raw.resize(RAW_CAPACITY.max(old + 4), 0);
        let n = loop {
            match self.inner.read(&mut self.raw[old..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        let n = match n {
            Ok(n) => n,
            Err(e) => {
                self.raw.truncate(old);
                return Err(e);
            }
        };
        self.raw.truncate(old + n);
        self.raw_end = n == 0;
        Ok(())
    }

    fn available(&self) -> &[u8] {
        &self.raw[self.raw_pos..]
    }

    fn decide(&mut self, encoding: &'static Encoding) {
        self.decoder = Some(encoding.new_decoder_without_bom_handling());
        self.encoding = TextEncoding::of(encoding);
    }

    /// Appends at least one byte to `out`, or nothing at the end of the input.
    fn decode_more(&mut self) -> io::Result<()> {
        let start_len = self.out.len();
        while self.out.len() == start_len && !self.finished {
            if self.available().len() < 4 && !self.raw_end {
                self.read_raw()?;
                continue;
            }
            if !self.bom_checked {
                self.bom_checked = true;
                if let Some((encoding, len)) = Encoding::for_bom(self.available()) {
                    self.raw_pos += len;
                    self.bom = true;
                    self.decide(encoding);
                }
                continue;
            }
            let raw_end = self.raw_end;
            match self.decoder.as_mut() {
                None => {
                    let chunk = &self.raw[self.raw_pos..];
                    let ascii = chunk.iter().position(|b| !b.is_ascii()).unwrap_or(chunk.len());
                    if ascii > 0 {
                        self.out.extend_from_slice(&chunk[..ascii]);
                        self.raw_pos += ascii;
                    } else if chunk.is_empty() {
                        self.finished = true;
                    } else {
                        let encoding = if starts_with_utf8(chunk, raw_end) { UTF_8 } else { WINDOWS_1252 };
                        self.decide(encoding);
                    }
                }
                Some(decoder) => {
                    let src = &self.raw[self.raw_pos..];
                    let room =
                        decoder.max_utf8_buffer_length_without_replacement(src.len()).unwrap_or(src.len() * 3 + 16);
                    let old = self.out.len();
                    self.out.resize(old + room, 0);
                    let (result, read, written) =
                        decoder.decode_to_utf8_without_replacement(src, &mut self.out[old..], raw_end);
                    self.out.truncate(old + written);
                    self.raw_pos += read;
                    match result {
                        DecoderResult::Malformed(..) => self.replace_malformed(),
                        DecoderResult::InputEmpty if raw_end => self.finished = true,
                        DecoderResult::InputEmpty if written == 0 => self.read_raw()?,
                        DecoderResult::InputEmpty | DecoderResult::OutputFull => {}
                    }
                }
            }
        }
        self.index_lines();
        Ok(())
    }

    /// The first byte that is not ASCII whitespace, without consuming anything: how the
    /// format is told (`<` for XML).
    pub(crate) fn first_significant_byte(&mut self) -> io::Result<Option<u8>> {
        loop {
            if let Some(&b) = self.out[self.out_pos..].iter().find(|b| !b.is_ascii_whitespace()) {
                return Ok(Some(b));
            }
            if self.finished {
                return Ok(None);
            }
            self.decode_more()?;
        }
    }
}

/// Whether the non-ASCII character at the start of `bytes` is well-formed UTF-8. A sequence cut
/// by the end of the buffer (not of the input) gets the benefit of the doubt.
fn starts_with_utf8(bytes: &[u8], input_ended: bool) -> bool {
    match std::str::from_utf8(&bytes[..bytes.len().min(4)]) {
        Ok(_) => true,
        Err(e) => e.valid_up_to() > 0 || (e.error_len().is_none() && !input_ended && bytes.len() < 4),
    }
}

impl<R: Read> BufRead for Decoded<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.out_pos >= self.out.len() {
            self.out.clear();
            self.out_pos = 0;
            self.indexed = 0;
            self.decode_more()?;
        }
        Ok(&self.out[self.out_pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.out_pos = (self.out_pos + amt).min(self.out.len());
    }
}

impl<R: Read> Read for Decoded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl TextEncoding {
    fn of(encoding: &'static Encoding) -> Self {
        if encoding == UTF_16LE {
            TextEncoding::Utf16Le
        } else if encoding == UTF_16BE {
            TextEncoding::Utf16Be
        } else if encoding == WINDOWS_1252 {
            TextEncoding::Windows1252
        } else {
            TextEncoding::Utf8
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out one byte per read, so every boundary case of the decoder is crossed.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match (self.0.split_first(), buf.is_empty()) {
                (Some((&b, rest)), false) => {
                    buf[0] = b;
                    self.0 = rest;
                    Ok(1)
                }
                _ => Ok(0),
            }
        }
    }

    fn check(input: &[u8], text: &str, encoding: TextEncoding, bom: bool) {
        for trickle in [false, true] {
            let mut out = String::new();
            let mut d = if trickle {
                Decoded::new(Box::new(Trickle(input)) as Box<dyn Read>)
            } else {
                Decoded::new(Box::new(input) as Box<dyn Read>)
            };
            d.read_to_string(&mut out).expect("decoding never fails on in-memory input");
            assert_eq!(out, text, "trickle: {trickle}");
            let mut report = ImportReport::new(crate::report::Format::CsvCourses, false);
            d.describe(&mut report);
            assert_eq!((report.encoding, report.bom), (encoding, bom), "trickle: {trickle}");
        }
    }

    #[test]
    fn ascii_reads_as_utf8() {
        check(b"a,b\r\n1,2\n", "a,b\r\n1,2\n", TextEncoding::Utf8, false);
        check(b"", "", TextEncoding::Utf8, false);
    }

    #[test]
    fn a_utf8_bom_is_dropped_and_reported() {
        check(b"\xEF\xBB\xBFname\n", "name\n", TextEncoding::Utf8, true);
    }

    #[test]
    fn the_first_non_ascii_character_decides_the_encoding() {
        check("cost,£12\nnaïve\n".as_bytes(), "cost,£12\nnaïve\n", TextEncoding::Utf8, false);
        check(b"cost,\xA312\ncaf\xE9\n", "cost,£12\ncafé\n", TextEncoding::Windows1252, false);
        check(b"x\x93quoted\x94", "x\u{201C}quoted\u{201D}", TextEncoding::Windows1252, false);
    }

    #[test]
    fn utf16_with_a_bom_is_decoded() {
        check(b"\xFF\xFEa\x00\xA3\x00", "a£", TextEncoding::Utf16Le, true);
    }

    /// The lines of the warnings about replaced bytes, reading one byte at a time or all at once.
    fn replaced_lines(input: &[u8]) -> (String, Vec<Option<u64>>) {
        let mut seen = Vec::new();
        for trickle in [false, true] {
            let mut d = if trickle {
                Decoded::new(Box::new(Trickle(input)) as Box<dyn Read>)
            } else {
                Decoded::new(Box::new(input) as Box<dyn Read>)
            };
            let mut out = String::new();
            d.read_to_string(&mut out).expect("decoding never fails on in-memory input");
            let mut report = ImportReport::new(crate::report::Format::CsvCourses, false);
            d.describe(&mut report);
            seen.push((out, report.warnings.iter().map(|w| w.line).collect::<Vec<_>>()));
        }
        assert_eq!(seen[0], seen[1]);
        seen.remove(0)
    }

    #[test]
    fn invalid_bytes_after_a_utf8_decision_are_replaced_and_their_lines_named() {
        let (out, lines) = replaced_lines(b"\xC3\xA9,\r\nok\r\nx\xFF\xFE\ny\rz\xC3");
        assert_eq!(out, "é,\r\nok\r\nx\u{FFFD}\u{FFFD}\ny\rz\u{FFFD}");
        assert_eq!(lines, [Some(3), Some(5)], "one warning per line, lone CR ends a line");
        assert!(replaced_lines("é\n".as_bytes()).1.is_empty());
    }

    #[test]
    fn past_twenty_lines_the_replacements_are_counted_not_listed() {
        let mut input = "é\n".as_bytes().to_vec();
        for _ in 0..25 {
            input.extend_from_slice(b"\xFF\n");
        }
        let (_, lines) = replaced_lines(&input);
        assert_eq!(lines.len(), 21);
        assert_eq!((lines[0], lines[19], lines[20]), (Some(2), Some(21), None));
    }

    #[test]
    fn the_first_significant_byte_is_found_past_leading_blank_lines() {
        let mut d = Decoded::new(Trickle(b"\n\n  \xE9<"));
        assert_eq!(d.first_significant_byte().ok().flatten(), Some(0xC3));
        let mut out = String::new();
        d.read_to_string(&mut out).expect("decoding never fails on in-memory input");
        assert_eq!(out, "\n\n  é<");
        assert_eq!(Decoded::new(&b" \r\n"[..]).first_significant_byte().ok().flatten(), None);
    }
}
