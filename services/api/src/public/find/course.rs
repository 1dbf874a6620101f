//! One course's page: what the provider published about it (description, fee, funding, its own
//! page, the venue), the guidance contact of each partnership it counts in, and the way to
//! register interest in courses like it.

use super::html::{esc, query_value};
use super::words;
use provisio_engine::PublicCourse;
use provisio_events::Iag;
use provisio_events::vocab::Vocab;
use std::fmt::Write;

/// A partnership the course counts in: its name and guidance contact.
pub(super) struct Adviser {
    pub(super) name: String,
    pub(super) iag: Option<Iag>,
}

fn row(html: &mut String, key: &str, value_html: &str) {
    _ = write!(
        html,
        r#"<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{}</dt><dd class="govuk-summary-list__value">{value_html}</dd></div>"#,
        esc(key)
    );
}

/// The interest form's address, filled with this course's cell.
pub(super) fn interest_link(c: &PublicCourse) -> String {
    format!(
        "/find/interest?subject={}&level={}&age_group={}&mode={}",
        query_value(c.subject.as_str()),
        query_value(c.level.as_str()),
        query_value(c.age_group.as_str()),
        query_value(c.mode.as_str())
    )
}

/// The page's `<main>` content.
pub(super) fn main(c: &PublicCourse, advisers: &[Adviser]) -> String {
    let provider = c.provider.as_deref().unwrap_or("A provider");
    let mut html = format!(
        r#"<a href="/find" class="govuk-back-link">Back to the search</a>
<span class="govuk-caption-l">{}</span><h1 class="govuk-heading-l">{}</h1><div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">"#,
        esc(provider),
        esc(&c.title)
    );
    match c.description.as_deref() {
        Some(text) => {
            for paragraph in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
                _ = write!(html, r#"<p class="govuk-body">{}</p>"#, esc(paragraph));
            }
        }
        None => html.push_str(r#"<p class="govuk-body">The provider has not described this course yet.</p>"#),
    }
    html.push_str(r#"<h2 class="govuk-heading-m">About the course</h2><dl class="govuk-summary-list">"#);
    row(&mut html, "Subject", &esc(c.subject_name));
    row(&mut html, "Level", &esc(&words::level(&c.level)));
    row(&mut html, "Age group", words::age_group(&c.age_group));
    row(&mut html, "How you study", words::mode(&c.mode));
    let year = c.academic_year.to_string();
    let confirmed = if c.status.as_str() == "confirmed" { "confirmed" } else { "planned, not yet confirmed" };
    row(&mut html, "Academic year", &esc(&format!("{year} ({confirmed})")));
    let start = c.start_date.as_ref().map_or("To be confirmed".to_owned(), |d| words::date(d.as_str()));
    row(&mut html, "Starts", &esc(&start));
    if let Some(weeks) = c.duration_weeks {
        row(&mut html, "Length", &esc(&format!("{weeks} weeks")));
    }
    if let Some(hours) = c.hours_per_week {
        row(&mut html, "Hours each week", &esc(&format!("{hours}")));
    }
    let fee = match c.fee {
        Some(f) if f <= 0.0 => "Free".to_owned(),
        Some(f) => words::fee(f),
        None => "Ask the provider".to_owned(),
    };
    row(&mut html, "Fee", &esc(&fee));
    if let Some(funding) = &c.funding {
        row(&mut html, "Funding", words::funding(funding));
    }
    let venue = format!("{}, {}", c.venue.name, c.venue.postcode);
    row(&mut html, "Where", &esc(&venue));
    if let Some(url) = c.url.as_deref() {
        let link = format!(r#"<a class="govuk-link" href="{}" rel="noopener">{}</a>"#, esc(url), esc(url));
        row(&mut html, "Course page", &link);
    }
    html.push_str("</dl>");
    html.push_str(&advice(advisers));
    _ = write!(
        html,
        r#"<h2 class="govuk-heading-m">Not quite right?</h2><p class="govuk-body">If you want a course like this at another time or place, tell the learning partnerships. They plan next year's courses with it.</p>
<a href="{}" role="button" draggable="false" class="govuk-button govuk-button--secondary" data-module="govuk-button">Register your interest</a></div></div>"#,
        esc(&interest_link(c))
    );
    html
}

/// Who gives free advice about courses, per partnership.
fn advice(advisers: &[Adviser]) -> String {
    let mut html = String::from(r#"<h2 class="govuk-heading-m">Get advice</h2>"#);
    for adviser in advisers {
        let Some(iag) = &adviser.iag else {
            _ = write!(html, r#"<p class="govuk-body">{} has not named an advice service.</p>"#, esc(&adviser.name));
            continue;
        };
        let who = iag.name.as_deref().unwrap_or("The advice service");
        _ = write!(
            html,
            r#"<p class="govuk-body">{} of {} can help you choose a course.</p><ul class="govuk-list">"#,
            esc(who),
            esc(&adviser.name)
        );
        if let Some(phone) = &iag.phone {
            _ = write!(html, r#"<li>Telephone: {}</li>"#, esc(phone));
        }
        if let Some(email) = &iag.email {
            _ = write!(
                html,
                r#"<li>Email: <a class="govuk-link" href="mailto:{}">{}</a></li>"#,
                esc(email),
                esc(email)
            );
        }
        if let Some(url) = &iag.url {
            _ = write!(
                html,
                r#"<li>Website: <a class="govuk-link" href="{}" rel="noopener">{}</a></li>"#,
                esc(url),
                esc(url)
            );
        }
        html.push_str("</ul>");
    }
    html
}
