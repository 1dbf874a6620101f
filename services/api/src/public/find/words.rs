//! How the finder's pages say the contract's codes in words: levels, age groups, modes,
//! funding, dates, fees and distances, and the option lists of the forms' selects.

use provisio_events::vocab::{AgeGroup, Funding, Level, Mode, SubjectCode, Vocab};

pub(super) fn level(level: &Level) -> String {
    match level {
        Level::Entry => "Entry level".to_owned(),
        other => format!("Level {}", other.as_str()),
    }
}

pub(super) fn age_group(age: &AgeGroup) -> &'static str {
    match age {
        AgeGroup::Age14To16 => "14 to 16",
        AgeGroup::Age16To18 => "16 to 18",
        AgeGroup::Age19Plus => "19 and over",
    }
}

pub(super) fn mode(mode: &Mode) -> &'static str {
    match mode {
        Mode::FullTime => "Full time",
        Mode::PartTime => "Part time",
        Mode::Distance => "Distance learning",
        Mode::WorkBased => "Work-based",
    }
}

pub(super) fn funding(funding: &Funding) -> &'static str {
    match funding {
        Funding::Free => "Free",
        Funding::Fee => "You pay a fee",
        Funding::Loan => "Advanced Learner Loan",
        Funding::Employer => "Paid by an employer",
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `2026-09-01` as "1 September 2026" (the text itself when it is not such a date).
pub(super) fn date(iso: &str) -> String {
    let mut parts = iso.splitn(3, '-');
    let (Some(y), Some(m), Some(d)) = (parts.next(), parts.next(), parts.next()) else { return iso.to_owned() };
    match (m.parse::<usize>(), d.parse::<u32>()) {
        (Ok(m @ 1..=12), Ok(d)) => format!("{d} {} {y}", MONTHS[m - 1]),
        _ => iso.to_owned(),
    }
}

/// Pounds as "£1,250" or "£99.50".
pub(super) fn fee(pounds: f64) -> String {
    let pence = (pounds * 100.0).round() as u64;
    let whole = (pence / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match pence % 100 {
        0 => format!("£{grouped}"),
        p => format!("£{grouped}.{p:02}"),
    }
}

/// Kilometres to one decimal place.
pub(super) fn distance(km: f64) -> String {
    format!("{km:.1} km")
}

/// `(value, text)` pairs for a select.
pub(super) fn options<T: Vocab>(all: &[T], text: impl Fn(&T) -> String) -> Vec<(String, String)> {
    all.iter().map(|v| (v.as_str().to_owned(), text(v))).collect()
}

pub(super) fn subject_options() -> Vec<(String, String)> {
    SubjectCode::all().map(|s| (s.as_str().to_owned(), s.name().to_owned())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_fees_and_levels_read_as_words() {
        assert_eq!(date("2026-09-01"), "1 September 2026");
        assert_eq!(date("soon"), "soon");
        assert_eq!(
            (fee(0.0), fee(99.5), fee(1250.0), fee(1_234_567.0)),
            ("£0".into(), "£99.50".into(), "£1,250".into(), "£1,234,567".into())
        );
        assert_eq!((level(&Level::Entry), level(&Level::L3)), ("Entry level".into(), "Level 3".into()));
    }
}
