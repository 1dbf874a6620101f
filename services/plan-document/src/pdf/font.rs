//! The standard Helvetica fonts: WinAnsi encoding and glyph widths, for measuring and
//! wrapping text without embedding a font.

/// Widths of the characters ' ' to '~' in Helvetica, in thousandths of the font size (AFM).
const WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' ' to '/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // '0' to '?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // '@' to 'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 'P' to '_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // '`' to 'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p' to '~'
];

/// The characters WinAnsi puts at 0x80 to 0x9F, where Latin-1 has control codes.
const WIN_ANSI_HIGH: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8a),
    ('‹', 0x8b),
    ('Œ', 0x8c),
    ('Ž', 0x8e),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9a),
    ('›', 0x9b),
    ('œ', 0x9c),
    ('ž', 0x9e),
    ('Ÿ', 0x9f),
];

/// The base letter of each character from U+0100 to U+017F (Latin Extended-A), `?` for the
/// ligatures, which have none.
const LATIN_EXTENDED_A: &[u8; 128] =
    b"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo??RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

/// The WinAnsi byte of a character. A Latin letter the encoding lacks is written as its base
/// letter, so that names stay readable (Welsh ŵ and ŷ as w and y, Polish ł as l); anything
/// else as `?`.
pub(super) fn encode_char(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        _ => WIN_ANSI_HIGH.iter().find(|(w, _)| *w == c).map_or_else(|| base_letter(c), |(_, byte)| *byte),
    }
}

fn base_letter(c: char) -> u8 {
    match c {
        '\u{100}'..='\u{17f}' => LATIN_EXTENDED_A[c as usize - 0x100],
        // Welsh w and y with grave, acute and diaeresis.
        'Ẁ' | 'Ẃ' | 'Ẅ' => b'W',
        'ẁ' | 'ẃ' | 'ẅ' => b'w',
        'Ỳ' => b'Y',
        'ỳ' => b'y',
        _ => b'?',
    }
}

pub(super) fn encode(text: &str) -> Vec<u8> {
    text.chars().map(encode_char).collect()
}

/// Width of `text` at `size` points; bold is drawn about 5% wider.
pub(super) fn width(text: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c {
            ' '..='~' => u32::from(WIDTHS[c as usize - 32]),
            _ => 556,
        })
        .sum();
    let factor = if bold { 1.05 } else { 1.0 };
    units as f32 / 1000.0 * size * factor
}

/// Breaks `text` into lines no wider than `max` points, at spaces; a word longer than a line
/// is cut.
pub(super) fn wrap(text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() { word.to_owned() } else { format!("{line} {word}") };
        if width(&candidate, size, bold) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word.to_owned();
        while width(&rest, size, bold) > max && rest.chars().count() > 1 {
            let mut cut = rest.chars().count() - 1;
            while cut > 1 && width(&rest.chars().take(cut).collect::<String>(), size, bold) > max {
                cut -= 1;
            }
            lines.push(rest.chars().take(cut).collect());
            rest = rest.chars().skip(cut).collect();
        }
        line = rest;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_wrapped_at_spaces_within_the_width() {
        let lines = wrap("Engineering places for the Nissan supply chain", 10.0, false, 100.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| width(l, 10.0, false) <= 100.0));
        assert_eq!(lines.join(" "), "Engineering places for the Nissan supply chain");
    }

    #[test]
    fn characters_outside_win_ansi_become_question_marks() {
        assert_eq!(encode("£5 – ok ✓"), b"\xa35 \x96 ok ?");
    }

    #[test]
    fn latin_letters_outside_win_ansi_are_written_as_their_base_letter() {
        assert_eq!(encode("Gŵyl Ŷ Ẁ, Łódź, Škoda ™, Ĳ"), b"Gwyl Y W, L\xf3dz, \x8akoda \x99, ?");
    }
}
