//! The finder's HTML building blocks in the GOV.UK Design System's markup: the escaping every
//! value goes through, the page template (skip link, header, main landmark, footer) and the
//! form components shared by the search and interest pages (error summary, inputs, selects).
//!
//! Everything a visitor, a provider or a partnership wrote reaches the page through [`esc`];
//! the only unescaped text is this module's own markup.

use std::fmt::Write;

/// `text` safe inside an element or a double- or single-quoted attribute.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    provisio_plan_document::escape_html(&mut out, text);
    out
}

/// A query string's value, percent-encoded (and then still to be passed through [`esc`]).
pub(super) fn query_value(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            b => format!("%{b:02X}"),
        })
        .collect()
}

/// A problem with one field of a form, shown in the error summary and beside the field.
#[derive(Debug, Clone)]
pub(super) struct FieldError {
    /// The field's `id` (its name), or `None` for a problem with the whole request.
    pub(super) field: Option<&'static str>,
    pub(super) message: String,
}

/// The whole page: `title` goes in `<title>` (prefixed "Error: " when `errors` is not empty,
/// as the Design System asks), `main` inside the `<main>` landmark.
pub(super) fn page(title: &str, errors: &[FieldError], main: &str, assets: &super::assets::Versions) -> String {
    let prefix = if errors.is_empty() { "" } else { "Error: " };
    format!(
        r##"<!DOCTYPE html>
<html lang="en" class="govuk-template">
<head>
<meta charset="utf-8">
<title>{prefix}{title} – Find a course – Provisio</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#1d70b8">
<link rel="stylesheet" href="/find/assets/govuk-frontend.min.css?v={css}">
<script type="module" src="/find/assets/init.js?v={js}"></script>
</head>
<body class="govuk-template__body">
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main content</a>
<header class="govuk-template__header">
<div class="govuk-generic-header"><div class="govuk-generic-header__container govuk-width-container">
<div class="govuk-generic-header__logo"><a href="/find" class="govuk-generic-header__homepage-link">Provisio</a></div>
</div></div>
<section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation">
<div class="govuk-width-container"><div class="govuk-service-navigation__container">
<span class="govuk-service-navigation__service-name"><a href="/find" class="govuk-service-navigation__link">Find a course</a></span>
</div></div></section>
</header>
<div class="govuk-width-container">
<main class="govuk-main-wrapper" id="main-content">
{summary}{main}
</main>
</div>
<footer class="govuk-template__footer"><div class="govuk-footer"><div class="govuk-width-container">
<div class="govuk-footer__meta"><div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
<p class="govuk-body-s">Courses published by the providers of England's learning partnerships. Registering interest records only the course you want and your district, never your postcode.</p>
</div></div></div></div></footer>
</body>
</html>
"##,
        title = esc(title),
        css = assets.css,
        js = assets.js,
        summary = error_summary(errors),
    )
}

/// The error summary at the top of `<main>`, each problem linking to its field.
fn error_summary(errors: &[FieldError]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let mut items = String::new();
    for e in errors {
        match e.field {
            Some(field) => _ = write!(items, r##"<li><a href="#{field}">{}</a></li>"##, esc(&e.message)),
            None => _ = write!(items, "<li>{}</li>", esc(&e.message)),
        }
    }
    format!(
        r#"<div class="govuk-error-summary" data-module="govuk-error-summary"><div role="alert">
<h2 class="govuk-error-summary__title">There is a problem</h2>
<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">{items}</ul></div>
</div></div>
"#
    )
}

/// A form field: its name (also its `id`), label and optional hint, and the error it has.
pub(super) struct Field<'a> {
    pub(super) name: &'static str,
    pub(super) label: &'a str,
    pub(super) hint: Option<&'a str>,
    pub(super) errors: &'a [FieldError],
}

impl Field<'_> {
    fn error(&self) -> Option<&str> {
        self.errors.iter().find(|e| e.field == Some(self.name)).map(|e| e.message.as_str())
    }

    /// The hint and error message shown under a field's label, the control's
    /// `aria-describedby` naming them, and whether the field has an error.
    fn notes(&self) -> (String, String, bool) {
        let name = self.name;
        let mut notes = String::new();
        let mut described = Vec::new();
        if let Some(hint) = self.hint {
            _ = write!(notes, r#"<div id="{name}-hint" class="govuk-hint">{}</div>"#, esc(hint));
            described.push(format!("{name}-hint"));
        }
        if let Some(message) = self.error() {
            _ = write!(
                notes,
                r#"<p id="{name}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> {}</p>"#,
                esc(message)
            );
            described.push(format!("{name}-error"));
        }
        let describedby = if described.is_empty() {
            String::new()
        } else {
            format!(r#" aria-describedby="{}""#, described.join(" "))
        };
        (notes, describedby, self.error().is_some())
    }

    fn group_class(&self) -> &'static str {
        if self.error().is_some() { "govuk-form-group govuk-form-group--error" } else { "govuk-form-group" }
    }

    /// The group's opening `<div>`, label, hint and error message, and the control's
    /// `aria-describedby` and error class.
    fn open(&self) -> (String, String, &'static str) {
        let (notes, describedby, error) = self.notes();
        let head = format!(
            r#"<div class="{}"><label class="govuk-label" for="{}">{}</label>{notes}"#,
            self.group_class(),
            self.name,
            esc(self.label)
        );
        (head, describedby, if error { "--error" } else { "" })
    }

    /// The Design System's date input: day, month and year in a fieldset, named
    /// `<name>-day`, `-month` and `-year`. The day's `id` is the field's name, so the error
    /// summary's link lands on the first box.
    pub(super) fn date(&self, [day, month, year]: &[String; 3]) -> String {
        let (notes, describedby, error) = self.notes();
        let name = self.name;
        let mut html = format!(
            r#"<div class="{}"><fieldset class="govuk-fieldset" role="group"{describedby}><legend class="govuk-fieldset__legend">{}</legend>{notes}<div class="govuk-date-input" id="{name}-input">"#,
            self.group_class(),
            esc(self.label)
        );
        let error = if error { " govuk-input--error" } else { "" };
        for (part, label, value, width, id) in [
            ("day", "Day", day, 2, name.to_owned()),
            ("month", "Month", month, 2, format!("{name}-month")),
            ("year", "Year", year, 4, format!("{name}-year")),
        ] {
            _ = write!(
                html,
                r#"<div class="govuk-date-input__item"><div class="govuk-form-group"><label class="govuk-label govuk-date-input__label" for="{id}">{label}</label><input class="govuk-input govuk-date-input__input govuk-input--width-{width}{error}" id="{id}" name="{name}-{part}" type="text" inputmode="numeric" value="{}"></div></div>"#,
                esc(value)
            );
        }
        html.push_str("</div></fieldset></div>");
        html
    }

    /// A text input holding `value`; `extra` carries the input's own attributes and classes.
    pub(super) fn input(&self, value: &str, width: &str, extra: &str) -> String {
        let (head, describedby, error) = self.open();
        let class = if error.is_empty() { String::new() } else { " govuk-input--error".to_owned() };
        format!(
            r#"{head}<input class="govuk-input {width}{class}" id="{name}" name="{name}" value="{value}"{describedby} {extra}></div>"#,
            name = self.name,
            value = esc(value),
        )
    }

    /// A select of `options` (value, text) with `value` chosen; `any` is the text of the
    /// empty first option, when there is one.
    pub(super) fn select(&self, value: &str, any: Option<&str>, options: &[(String, String)]) -> String {
        let (head, describedby, error) = self.open();
        let class = if error.is_empty() { "" } else { " govuk-select--error" };
        let mut html = format!(
            r#"{head}<select class="govuk-select{class}" id="{name}" name="{name}"{describedby}>"#,
            name = self.name
        );
        if let Some(any) = any {
            _ = write!(html, r#"<option value="">{}</option>"#, esc(any));
        }
        for (v, text) in options {
            let selected = if v == value { " selected" } else { "" };
            _ = write!(html, r#"<option value="{}"{selected}>{}</option>"#, esc(v), esc(text));
        }
        html.push_str("</select></div>");
        html
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_values_is_escaped_and_query_values_are_encoded() {
        assert_eq!(esc(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
        assert_eq!(query_value("19+ & more/é"), "19%2B+%26+more%2F%C3%A9");
    }
}
