//! The search page `/find`: the form of `GET /v1/public/courses`'s parameters (a GET form, so
//! a search is a link that can be shared and works without JavaScript), the results with
//! distance and start date, and previous/next pages by cursor.

use super::html::{Field, FieldError, esc, query_value};
use super::words;
use crate::problem::ApiError;
use crate::public::courses::{Params, cursor_of};
use provisio_events::vocab::{AgeGroup, Date, Funding, Level, Mode, Vocab};
use provisio_finder::{Page, Search};
use serde::Deserialize;
use std::fmt::Write;

/// The form's fields with their labels, in the order the page shows them (the error summary
/// names a field by its label).
const FIELDS: &[(&str, &str)] = &[
    ("q", "Course or subject"),
    ("postcode", "Postcode"),
    ("within_km", "Distance from the postcode"),
    ("subject", "Subject area"),
    ("level", "Level"),
    ("age_group", "Age group"),
    ("mode", "How you study"),
    ("funding", "Funding"),
    ("starts_after", "Starts after"),
    ("partnership", "Learning partnership"),
];

/// A form leaves a field it did not fill as `name=`: that is no filter, not a bad one.
pub(super) fn without_blanks(mut p: Params) -> Params {
    for value in [
        &mut p.q,
        &mut p.partnership,
        &mut p.subject,
        &mut p.level,
        &mut p.age_group,
        &mut p.mode,
        &mut p.funding,
        &mut p.starts_after,
        &mut p.postcode,
        &mut p.within_km,
        &mut p.limit,
        &mut p.cursor,
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            *value = None;
        }
    }
    p
}

/// "Starts after" as the page asks for it: the Design System's three boxes, as typed. A link
/// to another page of results carries the date whole, as `starts_after`.
#[derive(Debug, Default, Deserialize)]
pub(super) struct StartsAfter {
    #[serde(rename = "starts_after-day")]
    day: Option<String>,
    #[serde(rename = "starts_after-month")]
    month: Option<String>,
    #[serde(rename = "starts_after-year")]
    year: Option<String>,
}

impl StartsAfter {
    fn typed(&self) -> [Option<&str>; 3] {
        [&self.day, &self.month, &self.year].map(|v| v.as_deref().map(str::trim).filter(|v| !v.is_empty()))
    }

    /// What the boxes show: what was typed, else the search's date.
    fn shown(&self, p: &Params) -> [String; 3] {
        let typed = self.typed();
        if typed.iter().any(Option::is_some) {
            return typed.map(|v| v.unwrap_or_default().to_owned());
        }
        let Some(date) = p.starts_after.as_deref().and_then(Date::parse) else { return Default::default() };
        let mut parts = date.as_str().split('-').map(|n| n.trim_start_matches('0').to_owned());
        let (year, month, day) = (parts.next(), parts.next(), parts.next());
        [day.unwrap_or_default(), month.unwrap_or_default(), year.unwrap_or_default()]
    }

    /// The typed date as the search's `starts_after`; a box left empty, or a date that does
    /// not exist, is refused in the Design System's words.
    pub(super) fn apply(&self, p: &mut Params) -> Result<(), FieldError> {
        let typed = self.typed();
        if typed.iter().all(Option::is_none) {
            return Ok(());
        }
        let refuse = |message: String| FieldError { field: Some("starts_after"), message };
        let missing: Vec<&str> =
            ["day", "month", "year"].into_iter().zip(typed).filter(|(_, v)| v.is_none()).map(|(n, _)| n).collect();
        if !missing.is_empty() {
            return Err(refuse(format!("Starts after must include a {}", missing.join(" and "))));
        }
        let [day, month, year] = typed.map(Option::unwrap_or_default);
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refuse("Year must include 4 numbers".to_owned()));
        }
        let number = |text: &str| text.parse::<u8>().ok().filter(|_| text.len() <= 2);
        let date = match (number(day), number(month)) {
            (Some(day), Some(month)) => Date::parse(&format!("{year}-{month:02}-{day:02}")),
            _ => None,
        };
        let date = date.ok_or_else(|| refuse("Starts after must be a real date".to_owned()))?;
        p.starts_after = Some(date.as_str().to_owned());
        Ok(())
    }
}

/// The search's refusal in words for the page, naming the field it is about.
pub(super) fn field_error(error: &ApiError) -> Option<FieldError> {
    let (field, message) = match error {
        ApiError::UnknownPostcode(raw) => {
            ("postcode", format!("We could not find the postcode {raw}: check it, or search without one"))
        }
        ApiError::InvalidParameter { parameter, .. } => match *parameter {
            "q" => ("q", "Course or subject must be 200 characters or fewer".to_owned()),
            "postcode" => ("postcode", "Enter a full postcode, like SR1 3AD".to_owned()),
            "within_km" => ("within_km", "Distance must be a number of kilometres greater than 0".to_owned()),
            "starts_after" => ("starts_after", "Starts after must be a real date".to_owned()),
            "limit" | "cursor" => {
                return Some(FieldError {
                    field: None,
                    message: "That page of results does not exist: search again".to_owned(),
                });
            }
            other => {
                let (field, label) = FIELDS.iter().find(|(name, _)| *name == other)?;
                (*field, format!("Select a {} from the list", label.to_lowercase()))
            }
        },
        _ => return None,
    };
    Some(FieldError { field: Some(field), message })
}

fn label(name: &str) -> &'static str {
    FIELDS.iter().find(|(n, _)| *n == name).map_or("", |(_, label)| label)
}

/// The search form, filled with `p` (and the date as typed); `partnerships` are (id, name)
/// for its select.
pub(super) fn form(
    p: &Params,
    starts_after: &StartsAfter,
    errors: &[FieldError],
    partnerships: &[(String, String)],
) -> String {
    let field = |name: &'static str, hint: Option<&'static str>| Field { name, label: label(name), hint, errors };
    let v = |value: &Option<String>| value.clone().unwrap_or_default();
    let mut html =
        String::from(r#"<form method="get" action="/find" novalidate><h2 class="govuk-heading-m">Search</h2>"#);
    html.push_str(&field("q", None).input(&v(&p.q), "", r#"type="search" maxlength="200" spellcheck="true""#));
    html.push_str(&field("postcode", Some("To see how far away each course is")).input(
        &v(&p.postcode),
        "govuk-input--width-10",
        r#"type="text" autocomplete="postal-code""#,
    ));
    html.push_str(&field("within_km", Some("In kilometres; 25 if you leave it empty")).input(
        &v(&p.within_km),
        "govuk-input--width-4",
        r#"type="text" inputmode="decimal""#,
    ));
    html.push_str(&field("subject", None).select(&v(&p.subject), Some("Any subject"), &words::subject_options()));
    html.push_str(&field("level", None).select(
        &v(&p.level),
        Some("Any level"),
        &words::options(Level::ALL, words::level),
    ));
    let ages = words::options(AgeGroup::ALL, |a| words::age_group(a).to_owned());
    html.push_str(&field("age_group", None).select(&v(&p.age_group), Some("Any age"), &ages));
    let modes = words::options(Mode::ALL, |m| words::mode(m).to_owned());
    html.push_str(&field("mode", None).select(&v(&p.mode), Some("Any way"), &modes));
    let funding = words::options(Funding::ALL, |f| words::funding(f).to_owned());
    html.push_str(&field("funding", None).select(&v(&p.funding), Some("Any funding"), &funding));
    html.push_str(
        &field("starts_after", Some("Only courses starting after this day, for example 1 9 2027"))
            .date(&starts_after.shown(p)),
    );
    html.push_str(&field("partnership", None).select(&v(&p.partnership), Some("Any partnership"), partnerships));
    html.push_str(r#"<button type="submit" class="govuk-button" data-module="govuk-button">Search</button></form>"#);
    html
}

/// `/find` with `p`'s search and the given cursor.
fn link(p: &Params, cursor: Option<String>) -> String {
    let pairs = [
        ("q", &p.q),
        ("postcode", &p.postcode),
        ("within_km", &p.within_km),
        ("subject", &p.subject),
        ("level", &p.level),
        ("age_group", &p.age_group),
        ("mode", &p.mode),
        ("funding", &p.funding),
        ("starts_after", &p.starts_after),
        ("partnership", &p.partnership),
        ("limit", &p.limit),
        ("cursor", &cursor),
    ];
    let query: Vec<String> =
        pairs.iter().filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={}", query_value(v)))).collect();
    if query.is_empty() { "/find".to_owned() } else { format!("/find?{}", query.join("&")) }
}

/// The results: how many, one entry per course, and the pagination.
pub(super) fn results(p: &Params, search: &Search, page: &Page) -> String {
    let mut html = String::from(r#"<h2 class="govuk-heading-m" id="results">"#);
    let shown = if page.total == 0 {
        "No courses found".to_owned()
    } else if page.total == 1 {
        "1 course found".to_owned()
    } else {
        format!("{} courses found", page.total)
    };
    _ = write!(html, "{shown}</h2>");
    if page.total == 0 {
        html.push_str(r#"<p class="govuk-body">Try fewer words or filters, or a greater distance. If the course you want is not here, <a class="govuk-link" href="/find/interest">tell the learning partnerships you are interested</a>.</p>"#);
    }
    html.push_str(r#"<ul class="govuk-list" id="courses">"#);
    for hit in &page.hits {
        let c = &hit.course;
        let href = format!("/find/courses/{}/{}", c.ukprn.as_str(), query_value(c.offer_id.as_str()));
        _ = write!(
            html,
            r#"<li class="govuk-!-margin-bottom-6"><h3 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" href="{}">{}</a></h3>"#,
            esc(&href),
            esc(&c.title)
        );
        let provider = c.provider.as_deref().unwrap_or("A provider");
        _ = write!(
            html,
            r#"<p class="govuk-body-s govuk-!-margin-bottom-1">{} · {}, {}</p>"#,
            esc(provider),
            esc(&c.venue.name),
            esc(&c.venue.postcode)
        );
        let mut facts =
            vec![words::level(&c.level), words::age_group(&c.age_group).to_owned(), words::mode(&c.mode).to_owned()];
        facts.push(match &c.start_date {
            Some(d) => format!("Starts {}", words::date(d.as_str())),
            None => "Start date to be confirmed".to_owned(),
        });
        if let Some(km) = hit.distance_km {
            facts.push(format!("{} away", words::distance(km)));
        }
        _ = write!(
            html,
            r#"<p class="govuk-body-s govuk-hint govuk-!-margin-bottom-0">{}</p></li>"#,
            esc(&facts.join(" · "))
        );
    }
    html.push_str("</ul>");
    let previous = (search.offset > 0).then(|| cursor_of(search.offset.saturating_sub(search.limit)));
    let next = page.next.map(cursor_of);
    if previous.is_some() || next.is_some() {
        html.push_str(r#"<nav class="govuk-pagination govuk-pagination--block" aria-label="Results pages">"#);
        if let Some(cursor) = previous {
            _ = write!(
                html,
                r#"<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" href="{}" rel="prev"><span class="govuk-pagination__link-title">Previous<span class="govuk-visually-hidden"> page</span></span></a></div>"#,
                esc(&link(p, Some(cursor)))
            );
        }
        if let Some(cursor) = next {
            _ = write!(
                html,
                r#"<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" href="{}" rel="next"><span class="govuk-pagination__link-title">Next<span class="govuk-visually-hidden"> page</span></span></a></div>"#,
                esc(&link(p, Some(cursor)))
            );
        }
        html.push_str("</nav>");
    }
    html
}
