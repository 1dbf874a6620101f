//! Parsers for the values both formats share: levels, age groups, academic years, dates,
//! durations and places. Each says why a value was refused, in words for the report.

use provisio_events::MAX_NAME_CHARS;
use provisio_events::vocab::{AcademicYear, AgeGroup, Level, Vocab};
use time::{Date, Month};

/// A course title: not empty, at most the contract's length.
pub(crate) fn title(raw: &str) -> Result<String, String> {
    let t = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let len = t.chars().count();
    if t.is_empty() {
        Err("is empty".into())
    } else if len > MAX_NAME_CHARS {
        Err(format!("is {len} characters long; at most {MAX_NAME_CHARS} are allowed"))
    } else {
        Ok(t)
    }
}

/// `Entry` (also `Entry Level 3`, `E`) or `1` to `8` (also `Level 3`, `L3`).
pub(crate) fn level(raw: &str) -> Option<Level> {
    let t = raw.trim().to_ascii_lowercase();
    if t == "e" || t.starts_with("entry") {
        return Some(Level::Entry);
    }
    let digits = t.strip_prefix("level").or_else(|| t.strip_prefix('l')).unwrap_or(&t).trim();
    Level::parse(digits).filter(|l| *l != Level::Entry)
}

/// A level named inside longer text: `NQF Level 3`, `Entry Level Certificate`.
pub(crate) fn level_in_text(raw: &str) -> Option<Level> {
    let lower = raw.to_ascii_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    if words.contains(&"entry") {
        return Some(Level::Entry);
    }
    words.windows(2).find(|w| w[0] == "level").and_then(|w| level(w[1]))
}

/// `14-16`, `16-18` or `19+`, ignoring spaces and accepting an en dash.
pub(crate) fn age_group(raw: &str) -> Option<AgeGroup> {
    let t: String = raw.chars().filter(|c| !c.is_whitespace()).map(|c| if c == '–' { '-' } else { c }).collect();
    AgeGroup::parse(&t)
}

/// XCRI's `age`: `any`, `x-y` or `x+`. `Ok(None)` for `any`; an error for ages that span
/// more than one of the contract's groups or are not ages at all.
pub(crate) fn xcri_age(raw: &str) -> Result<Option<AgeGroup>, String> {
    let t = raw.trim().to_ascii_lowercase();
    if t.is_empty() || t == "any" {
        return Ok(None);
    }
    let unmapped = || format!("{raw:?} does not fall within one age group (14-16, 16-18 or 19+)");
    let number = |s: &str| s.trim().parse::<u32>().map_err(|_| format!("{raw:?} is not an age (any, x-y or x+)"));
    let group = if let Some(from) = t.strip_suffix('+') {
        let from = number(from)?;
        (from >= 19).then_some(AgeGroup::Age19Plus)
    } else if let Some((from, to)) = t.split_once(['-', '–']) {
        let (from, to) = (number(from)?, number(to)?);
        match (from, to) {
            (14.., ..=16) => Some(AgeGroup::Age14To16),
            (16.., ..=19) => Some(AgeGroup::Age16To18),
            (19.., _) => Some(AgeGroup::Age19Plus),
            _ => None,
        }
    } else {
        return Err(format!("{raw:?} is not an age (any, x-y or x+)"));
    };
    group.map(Some).ok_or_else(unmapped)
}

/// `2024/25`, also `2024-25`, `2024/2025` and `2024-2025`.
pub(crate) fn academic_year(raw: &str) -> Option<AcademicYear> {
    let t = raw.trim();
    let (start, end) = t.split_once(['/', '-'])?;
    let start: i32 = start.trim().parse().ok().filter(|_| start.trim().len() == 4)?;
    let year = AcademicYear::starting(start)?;
    let end = end.trim();
    let expected_long = (start + 1).to_string();
    (end == &year.as_str()[5..] || end == expected_long).then_some(year)
}

/// The academic year (1 August to 31 July) a date falls in.
pub(crate) fn academic_year_of(year: i32, month: Month) -> Option<AcademicYear> {
    AcademicYear::starting(if u8::from(month) >= 8 { year } else { year - 1 })
}

/// Course Directory dates: `dd/MM/yyyy` (one-digit day and month accepted).
pub(crate) fn uk_date(raw: &str) -> Result<Date, String> {
    let bad = || format!("{:?} is not a date in dd/MM/yyyy form", raw.trim());
    let parts: Vec<&str> = raw.trim().split('/').collect();
    let [d, m, y] = parts.as_slice() else { return Err(bad()) };
    if y.len() != 4 || d.is_empty() || d.len() > 2 || m.is_empty() || m.len() > 2 {
        return Err(bad());
    }
    let (day, month, year) = match (d.parse::<u8>(), m.parse::<u8>(), y.parse::<i32>()) {
        (Ok(d), Ok(m), Ok(y)) => (d, m, y),
        _ => return Err(bad()),
    };
    let month = Month::try_from(month).map_err(|_| bad())?;
    Date::from_calendar_date(year, month, day).map_err(|_| format!("{:?} is not a day of the calendar", raw.trim()))
}

/// A date of an XCRI feed: `YYYY-MM-DD`, or only `YYYY-MM` (some feeds give no day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FeedDate {
    Day(Date),
    Month(i32, Month),
}

impl FeedDate {
    pub(crate) fn parse(raw: &str) -> Option<Self> {
        let t = raw.trim();
        let t = t.get(..10).filter(|_| t.len() > 10 && t.as_bytes()[10] == b'T').unwrap_or(t);
        let mut parts = t.split('-');
        let year: i32 = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
        let month = Month::try_from(parts.next().filter(|m| m.len() == 2)?.parse::<u8>().ok()?).ok()?;
        match parts.next() {
            None => Some(FeedDate::Month(year, month)),
            Some(d) if d.len() == 2 && parts.next().is_none() => {
                Date::from_calendar_date(year, month, d.parse().ok()?).ok().map(FeedDate::Day)
            }
            Some(_) => None,
        }
    }

    pub(crate) fn academic_year(self) -> Option<AcademicYear> {
        match self {
            FeedDate::Day(d) => academic_year_of(d.year(), d.month()),
            FeedDate::Month(y, m) => academic_year_of(y, m),
        }
    }

    pub(crate) fn day(self) -> Option<Date> {
        match self {
            FeedDate::Day(d) => Some(d),
            FeedDate::Month(..) => None,
        }
    }
}

/// The contract's form of a date.
pub(crate) fn contract_date(d: Date) -> Option<provisio_events::vocab::Date> {
    provisio_events::vocab::Date::parse(&format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
}

/// Calendar span in weeks of a Course Directory `DURATION` + `DURATION_UNIT`. Hours and days
/// measure teaching time, not a span of the calendar, so they give no weeks (`Ok(None)`).
pub(crate) fn duration_weeks(amount: u32, unit: &str) -> Result<Option<u32>, String> {
    let weeks = match unit.trim().to_ascii_lowercase().trim_end_matches('s') {
        "week" => amount,
        "month" => (amount * 52 + 6) / 12,
        "year" => amount * 52,
        "hour" | "day" => return Ok(None),
        _ => return Err(format!("{:?} is not a duration unit (Weeks, Months, Years, Hours or Days)", unit.trim())),
    };
    Ok(Some(weeks).filter(|w| *w >= 1))
}

/// Weeks of an ISO 8601 duration such as `P2Y`, `P6M`, `P10W` or `P1Y6M`: days round up to
/// a whole week; a time part (`PT10H`) alone gives none.
pub(crate) fn iso_duration_weeks(raw: &str) -> Option<u32> {
    let body = raw.trim().strip_prefix('P')?;
    let date_part = body.split('T').next().unwrap_or("");
    let (mut weeks, mut days, mut number) = (0u32, 0u32, String::new());
    for c in date_part.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u32 = number.parse().ok()?;
        number.clear();
        match c {
            'Y' => weeks += n * 52,
            'M' => weeks += (n * 52 + 6) / 12,
            'W' => weeks += n,
            'D' => days += n,
            _ => return None,
        }
    }
    Some(weeks + days.div_ceil(7)).filter(|w| *w >= 1)
}

/// Weeks from the first day to the last, counting both, rounded up.
pub(crate) fn weeks_between(start: Date, end: Date) -> Option<u32> {
    let days = (end - start).whole_days() + 1;
    u32::try_from(days).ok().filter(|d| *d >= 1).map(|d| d.div_ceil(7))
}

/// Places on an offer: a whole number of at least 1.
pub(crate) fn places(raw: &str) -> Result<u32, String> {
    match raw.trim().parse::<u32>() {
        Ok(0) => Err("0 places: an offer needs at least 1 place".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{:?} is not a whole number of places", raw.trim())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_accept_the_forms_colleges_write() {
        for (raw, expected) in [
            ("Entry", Some("entry")),
            ("entry level 3", Some("entry")),
            ("3", Some("3")),
            ("Level 2", Some("2")),
            ("L8", Some("8")),
            ("9", None),
            ("Advanced", None),
        ] {
            assert_eq!(level(raw).map(|l| l.as_str().to_owned()).as_deref(), expected, "{raw}");
        }
    }

    #[test]
    fn xcri_ages_map_only_when_they_fit_one_group() {
        for (raw, expected) in [
            ("any", None),
            ("19+", Some("19+")),
            ("25+", Some("19+")),
            ("16-18", Some("16-18")),
            ("16-19", Some("16-18")),
            ("14-16", Some("14-16")),
        ] {
            assert_eq!(
                xcri_age(raw).map(|g| g.map(|g| g.as_str().to_owned())),
                Ok(expected.map(str::to_owned)),
                "{raw}"
            );
        }
        assert!(xcri_age("16+").is_err());
        assert!(xcri_age("adults").is_err());
    }

    #[test]
    fn academic_years_come_in_several_spellings() {
        for raw in ["2024/25", "2024-25", "2024/2025", " 2024-2025 "] {
            assert_eq!(academic_year(raw).map(|y| y.as_str().to_owned()).as_deref(), Some("2024/25"), "{raw}");
        }
        assert_eq!(academic_year("2024/26"), None);
        assert_eq!(academic_year("24/25"), None);
        assert_eq!(academic_year_of(2024, Month::July).map(|y| y.as_str().to_owned()).as_deref(), Some("2023/24"));
        assert_eq!(academic_year_of(2024, Month::August).map(|y| y.as_str().to_owned()).as_deref(), Some("2024/25"));
    }

    #[test]
    fn uk_dates_are_day_first_and_must_exist() {
        assert_eq!(uk_date("02/09/2024"), Ok(Date::from_calendar_date(2024, Month::September, 2).unwrap_or(Date::MIN)));
        assert!(uk_date("2/9/2024").is_ok());
        assert!(uk_date("2024-09-02").is_err());
        assert!(uk_date("09/31/2024").is_err());
        assert!(uk_date("31/02/2024").is_err());
    }

    #[test]
    fn feed_dates_may_lack_a_day() {
        assert!(matches!(FeedDate::parse("2015-09-01"), Some(FeedDate::Day(_))));
        assert_eq!(FeedDate::parse("2014-09"), Some(FeedDate::Month(2014, Month::September)));
        assert!(matches!(FeedDate::parse("2011-05-07T00:00:00Z"), Some(FeedDate::Day(_))));
        assert_eq!(FeedDate::parse("September 2015"), None);
    }

    #[test]
    fn durations_become_weeks_where_that_makes_sense() {
        assert_eq!(duration_weeks(36, "Weeks"), Ok(Some(36)));
        assert_eq!(duration_weeks(9, "Months"), Ok(Some(39)));
        assert_eq!(duration_weeks(2, "years"), Ok(Some(104)));
        assert_eq!(duration_weeks(30, "Hours"), Ok(None));
        assert!(duration_weeks(3, "Fortnights").is_err());
        assert_eq!(iso_duration_weeks("P2Y"), Some(104));
        assert_eq!(iso_duration_weeks("P1Y6M"), Some(78));
        assert_eq!(iso_duration_weeks("P3D"), Some(1));
        assert_eq!(iso_duration_weeks("PT10H"), None);
    }

    #[test]
    fn places_must_be_a_positive_whole_number() {
        assert_eq!(places(" 24 "), Ok(24));
        assert!(places("0").is_err());
        assert!(places("twenty").is_err());
        assert!(places("-3").is_err());
    }
}
