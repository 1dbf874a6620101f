//! Registering interest from the page: a form (filled from the course it was opened from)
//! posted without JavaScript, recorded by the very code of `POST /v1/public/interest` (same
//! rules, same per-address allowance), then `303` to a confirmation page. A refusal shows
//! the form again with an error summary naming each field.

use super::html::{Field, FieldError};
use super::words;
use crate::problem::ApiError;
use provisio_events::vocab::{AgeGroup, Level, Mode};
use std::collections::HashMap;

/// The fields the form sends and their labels; all but `mode` must be filled.
const FIELDS: &[(&str, &str, &str)] = &[
    ("subject", "Subject area", "Select the subject area you want to study"),
    ("level", "Level", "Select the level you want to study at"),
    ("age_group", "Your age group", "Select your age group"),
    ("mode", "How you want to study", ""),
    ("postcode", "Your postcode", "Enter your postcode"),
];

/// The form's values by field name, the empty ones left out.
pub(super) type Values = HashMap<String, String>;

pub(super) fn values(pairs: impl Iterator<Item = (String, String)>) -> Values {
    pairs
        .filter(|(k, v)| FIELDS.iter().any(|(name, ..)| name == k) && !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_owned()))
        .collect()
}

/// Each required field left empty, named so that the form says them all at once (the rules
/// for what is valid stay in the shared code).
pub(super) fn missing(values: &Values) -> Vec<FieldError> {
    FIELDS
        .iter()
        .filter(|(name, _, message)| !message.is_empty() && !values.contains_key(*name))
        .map(|(name, _, message)| FieldError { field: Some(name), message: (*message).to_owned() })
        .collect()
}

/// The refusal of the shared code in words for the form; `None` when it is not about the
/// visitor's input.
pub(super) fn field_error(error: &ApiError) -> Option<FieldError> {
    let (field, message) = match error {
        ApiError::UnknownPostcode(raw) => {
            (Some("postcode"), format!("We could not find the postcode {raw}: check it and try again"))
        }
        ApiError::InvalidInterest { field: "postcode", .. } => {
            (Some("postcode"), "No learning partnership covers this postcode yet".to_owned())
        }
        ApiError::InvalidInterest { field, .. } => {
            let (name, label, _) = FIELDS.iter().find(|(name, ..)| name == field)?;
            (Some(*name), format!("Select {} from the list", label.to_lowercase()))
        }
        ApiError::InterestRateLimited(seconds) => (
            None,
            format!(
                "Too many registrations have come from your connection. Try again in {} minutes",
                seconds.div_ceil(60).max(1)
            ),
        ),
        _ => return None,
    };
    Some(FieldError { field, message })
}

/// The form's page content, filled with `values`.
pub(super) fn form(values: &Values, errors: &[FieldError]) -> String {
    let field = |name: &'static str, hint: Option<&'static str>| {
        let label = FIELDS.iter().find(|(n, ..)| *n == name).map_or("", |(_, label, _)| label);
        Field { name, label, hint, errors }
    };
    let v = |name: &str| values.get(name).map_or("", String::as_str);
    let mut html = String::from(
        r#"<a href="/find" class="govuk-back-link">Back to the search</a><div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">Register your interest in a course</h1>
<p class="govuk-body">Tell the learning partnerships near you what you would like to study. They count these when they plan the courses of the coming years. We keep the subject, level, age group and way of studying, and the district of your postcode: never your postcode itself, and nothing about who you are.</p>
<form method="post" action="/find/interest" novalidate>"#,
    );
    html.push_str(&field("subject", None).select(
        v("subject"),
        Some("Choose a subject area"),
        &words::subject_options(),
    ));
    html.push_str(&field("level", Some("Level 2 is like GCSEs, level 3 like A levels")).select(
        v("level"),
        Some("Choose a level"),
        &words::options(Level::ALL, words::level),
    ));
    let ages = words::options(AgeGroup::ALL, |a| words::age_group(a).to_owned());
    html.push_str(&field("age_group", None).select(v("age_group"), Some("Choose an age group"), &ages));
    let modes = words::options(Mode::ALL, |m| words::mode(m).to_owned());
    html.push_str(&field("mode", Some("Optional")).select(v("mode"), Some("Any way"), &modes));
    html.push_str(&field("postcode", Some("We use it only to find your district")).input(
        v("postcode"),
        "govuk-input--width-10",
        r#"type="text" autocomplete="postal-code""#,
    ));
    html.push_str(
        r#"<button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true">Register interest</button></form></div></div>"#,
    );
    html
}

/// The confirmation page's content.
pub(super) const DONE: &str = r#"<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">Interest registered</h1>
<div class="govuk-panel__body">Thank you</div></div>
<p class="govuk-body">The learning partnerships covering your district will see it when they plan courses.</p>
<p class="govuk-body"><a class="govuk-link" href="/find">Search for courses again</a></p></div></div>"#;
