//! An offer's public details (CONTRACT section 11) as a course file gives them: a description,
//! its course page, its cost, what the cost covers and when it is taught. A value that breaks
//! the contract's forms is left out with a warning in the report; the row's offer still counts.
//!
//! Mapping (README "Course files: the columns"): the description is what the learner will
//! learn, followed by a paragraph "Cost: …" (the cost description) and one "When: …" (the
//! attendance pattern), neither of which the contract has a field for. The fee is the cost's
//! amount, or the first `£`/`GBP` amount in its text ("UK fee: GBP155.00; …"); a cost that is
//! more than an amount is also the cost description when the file gives none. Funding is read
//! from the cost: `free` at 0, `loan` or `employer` when the cost description says so, else
//! `fee`.

use provisio_events::vocab::Funding;
use provisio_events::{MAX_DESCRIPTION_CHARS, MAX_URL_CHARS, OfferPublic};

/// The file's values, each with the name of the column or element it came from.
#[derive(Default)]
pub(crate) struct Published<'a> {
    pub(crate) learn: Option<(&'a str, &'a str)>,
    pub(crate) url: Option<(&'a str, &'a str)>,
    pub(crate) cost: Option<(&'a str, &'a str)>,
    pub(crate) cost_description: Option<&'a str>,
    /// The attendance pattern in words.
    pub(crate) attendance: Option<String>,
}

/// A Course Directory `ATTENDANCE_PATTERN` or XCRI-CAP `attendancePattern` code in words; other
/// text as it is.
pub(crate) fn attendance_words(raw: &str) -> String {
    match raw.trim() {
        "Daytime" | "DT" => "daytime".to_owned(),
        "Evening" | "EV" => "evenings".to_owned(),
        "Twilight" | "TW" => "twilight (late afternoon)".to_owned(),
        "Weekend" | "WE" => "weekends".to_owned(),
        "DayOrBlockRelease" | "DR" => "day or block release".to_owned(),
        "CS" => "customised".to_owned(),
        other => other.to_owned(),
    }
}

/// A number of pounds, with or without `£`, `GBP` and thousands' commas.
fn pounds(text: &str) -> Option<f64> {
    let text = text.trim();
    let number = text.strip_prefix('£').or_else(|| text.strip_prefix("GBP")).unwrap_or(text).trim().replace(',', "");
    number.parse::<f64>().ok().filter(|x| x.is_finite() && *x >= 0.0)
}

/// The cost's amount: all of it, else the first `£` or `GBP` amount in it ("free" is 0).
fn amount(cost: &str) -> Option<f64> {
    if let Some(x) = pounds(cost) {
        return Some(x);
    }
    if cost.trim().eq_ignore_ascii_case("free") {
        return Some(0.0);
    }
    let (at, sign) =
        [cost.find('£').map(|i| (i, '£'.len_utf8())), cost.find("GBP").map(|i| (i, 3))].into_iter().flatten().min()?;
    let rest = &cost[at + sign..];
    let end = rest.find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.')).unwrap_or(rest.len());
    pounds(rest[..end].trim_end_matches('.'))
}

/// The public details of the offer; `warn` hears of each value left out.
pub(crate) fn offer_public(p: &Published<'_>, mut warn: impl FnMut(String)) -> OfferPublic {
    let mut out = OfferPublic::default();
    let mut paragraphs: Vec<String> = p.learn.map(|(_, text)| text.trim().to_owned()).into_iter().collect();
    let cost_text = p.cost.map(|(_, c)| c.trim()).filter(|c| pounds(c).is_none());
    if let Some(cost) = p.cost_description.or(cost_text).map(str::trim).filter(|c| !c.is_empty()) {
        paragraphs.push(format!("Cost: {cost}"));
    }
    if let Some(when) = p.attendance.as_deref().filter(|w| !w.is_empty()) {
        paragraphs.push(format!("When: {when}"));
    }
    let description = paragraphs.join("\n\n");
    let chars = description.chars().count();
    if chars > MAX_DESCRIPTION_CHARS {
        let source = p.learn.map_or("the description", |(name, _)| name);
        warn(format!(
            "the description ({source} with the cost and attendance) is {chars} characters long, over the {MAX_DESCRIPTION_CHARS} allowed: left out"
        ));
    } else if !description.is_empty() {
        out.description = Some(description);
    }
    if let Some((name, raw)) = p.url {
        let url = raw.trim();
        let host = url.strip_prefix("https://").unwrap_or("");
        if !host.is_empty()
            && !host.starts_with('/')
            && url.len() <= MAX_URL_CHARS
            && !url.contains(char::is_whitespace)
        {
            out.url = Some(url.to_owned());
        } else {
            warn(format!(
                "{name} {raw:?} is not an https:// address (of at most {MAX_URL_CHARS} characters): left out"
            ));
        }
    }
    if let Some((name, raw)) = p.cost {
        match amount(raw) {
            Some(fee) => {
                let said = p.cost_description.or(cost_text).unwrap_or("").to_lowercase();
                out.fee = Some(fee);
                out.funding = Some(if fee == 0.0 {
                    Funding::Free
                } else if said.contains("loan") {
                    Funding::Loan
                } else if said.contains("employer") {
                    Funding::Employer
                } else {
                    Funding::Fee
                });
            }
            None => warn(format!("{name} {raw:?} names no amount of pounds: no fee (the text is kept as the cost)")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_breaking_the_contract_are_left_out_with_a_warning() {
        let long = "x".repeat(MAX_DESCRIPTION_CHARS);
        let p = Published {
            learn: Some(("WHAT_YOU_WILL_LEARN", &long)),
            url: Some(("COURSE_WEBPAGE", "http://example.ac.uk/course")),
            cost: Some(("COST", "to be confirmed")),
            cost_description: Some("Books extra"),
            attendance: None,
        };
        let mut warnings = Vec::new();
        let public = offer_public(&p, |w| warnings.push(w));
        assert_eq!(public, OfferPublic::default());
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert!(warnings[0].contains("4019 characters"), "{warnings:?}");
        assert_eq!(
            (amount("GBP6,000 per stage"), amount("UK fee: GBP155.00; Ireland fee: GBP340.00")),
            (Some(6000.0), Some(155.0))
        );
        assert_eq!((amount("£0"), amount("Free"), amount("Costs are paid per unit")), (Some(0.0), Some(0.0), None));
    }

    #[test]
    fn the_cost_gives_the_funding_and_its_description_and_the_pattern_join_the_description() {
        let p = Published {
            learn: Some(("WHAT_YOU_WILL_LEARN", "Welding.")),
            url: Some(("COURSE_WEBPAGE", " https://college.ac.uk/weld ")),
            cost: Some(("COST", "£1,250.50")),
            cost_description: Some("An Advanced Learner Loan can pay it"),
            attendance: Some(attendance_words("Evening")),
        };
        let public = offer_public(&p, |w| panic!("{w}"));
        assert_eq!(
            public.description.as_deref(),
            Some("Welding.\n\nCost: An Advanced Learner Loan can pay it\n\nWhen: evenings")
        );
        assert_eq!(
            (public.url.as_deref(), public.fee, public.funding),
            (Some("https://college.ac.uk/weld"), Some(1250.5), Some(Funding::Loan))
        );
    }
}
