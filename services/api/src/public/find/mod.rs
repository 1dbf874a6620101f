//! The public finder page `/find` (CONTRACT section 11): server-rendered HTML in the GOV.UK
//! Design System's patterns that works with JavaScript off, over the same search, course and
//! interest code as the `/v1/public/…` endpoints. Open, no key.
//!
//! Modules: `html` (escaping, page template, form fields), `search`, `course` and `interest`
//! (each page's content), `words` (codes said in words), `assets` (the vendored GOV.UK Frontend).
//! A visitor's mistake is shown on the page with an error summary naming the field, never as
//! a problem+json answer.

mod assets;
mod course;
mod html;
mod interest;
mod search;
mod words;

use crate::AppState;
use crate::problem::ApiError;
use crate::public::courses::Params;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use html::FieldError;
use provisio_events::vocab::{LocalId, Ukprn, Vocab};

routes! {
    get "/find" => search_page,
    get "/find/courses/{ukprn}/{offer_id}" => course_page,
    get "/find/interest" => interest_page,
    post "/find/interest" => register_interest,
    get "/find/interest/done" => interest_done,
    get "/find/assets/govuk-frontend.min.css" => assets::css,
    get "/find/assets/govuk-frontend.min.js" => assets::govuk_js,
    get "/find/assets/init.js" => assets::init_js,
}

/// Only this service's own files; forms post back to it.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A page of the finder with its status and headers.
fn respond(status: StatusCode, title: &str, errors: &[FieldError], main: &str) -> Response {
    let body = html::page(title, errors, main, &assets::versions());
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn not_found() -> Response {
    let main = r#"<h1 class="govuk-heading-l">Page not found</h1><p class="govuk-body">This course is not published, or no longer is. <a class="govuk-link" href="/find">Search for courses</a>.</p>"#;
    respond(StatusCode::NOT_FOUND, "Page not found", &[], main)
}

/// While the finder cannot answer: its first build after a start runs (see
/// `PublicConfig::built_finder`).
fn unavailable() -> Response {
    let main = r#"<h1 class="govuk-heading-l">Sorry, the course search is not available just now</h1><p class="govuk-body">Try again in a few seconds.</p>"#;
    let mut response =
        respond(StatusCode::SERVICE_UNAVAILABLE, "Sorry, the course search is not available just now", &[], main);
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    response
}

async fn search_page(State(state): State<AppState>, uri: Uri) -> Response {
    let s = state.projection.snapshot();
    let partnerships: Vec<(String, String)> =
        s.engine.partnerships().into_iter().map(|p| (p.partnership_id.as_str().to_owned(), p.name)).collect();
    // A hand-made address (a parameter twice, say) searches nothing and says so.
    let Ok(Query(params)) = Query::<Params>::try_from_uri(&uri) else {
        let error = FieldError { field: None, message: "This search address is not valid: search again".into() };
        let (params, starts_after) = (Params::default(), search::StartsAfter::default());
        return search_response(StatusCode::BAD_REQUEST, &params, &starts_after, &[error], &partnerships, "");
    };
    let mut params = search::without_blanks(params);
    let starts_after = Query::<search::StartsAfter>::try_from_uri(&uri).map(|q| q.0).unwrap_or_default();
    if let Err(error) = starts_after.apply(&mut params) {
        return search_response(StatusCode::BAD_REQUEST, &params, &starts_after, &[error], &partnerships, "");
    }
    let outcome = params.search(&state).and_then(|search| {
        let page = state.public.built_finder()?.search(&search).map_err(|e| ApiError::internal(&e))?;
        Ok((search, page))
    });
    match outcome {
        Ok((search, page)) => {
            let results = search::results(&params, &search, &page);
            search_response(StatusCode::OK, &params, &starts_after, &[], &partnerships, &results)
        }
        Err(e) => match search::field_error(&e) {
            Some(error) => search_response(e.status(), &params, &starts_after, &[error], &partnerships, ""),
            None if e.status() == StatusCode::SERVICE_UNAVAILABLE => unavailable(),
            None => e.into_response(),
        },
    }
}

fn search_response(
    status: StatusCode,
    params: &Params,
    starts_after: &search::StartsAfter,
    errors: &[FieldError],
    partnerships: &[(String, String)],
    results: &str,
) -> Response {
    let main = format!(
        r#"<h1 class="govuk-heading-xl">Find a course</h1><div class="govuk-grid-row"><div class="govuk-grid-column-one-third">{}</div><div class="govuk-grid-column-two-thirds">{results}</div></div>"#,
        search::form(params, starts_after, errors, partnerships)
    );
    respond(status, "Search", errors, &main)
}

async fn course_page(State(state): State<AppState>, Path((ukprn, offer_id)): Path<(String, String)>) -> Response {
    let (Some(ukprn), Some(offer_id)) = (Ukprn::parse(&ukprn), LocalId::parse(&offer_id)) else {
        return not_found();
    };
    let course = match state.public.built_finder() {
        Ok(finder) => finder.course(&ukprn, &offer_id),
        Err(_) => return unavailable(),
    };
    let Some(course) = course else { return not_found() };
    let s = state.projection.snapshot();
    let advisers: Vec<course::Adviser> = course
        .partnerships
        .iter()
        .map(|id| course::Adviser {
            name: s.engine.partnership(id.as_str()).map_or_else(|| id.as_str().to_owned(), |p| p.name),
            iag: s.engine.partnership_iag(id.as_str()).flatten(),
        })
        .collect();
    respond(StatusCode::OK, &course.title, &[], &course::main(&course, &advisers))
}

async fn interest_page(uri: Uri) -> Response {
    let pairs = form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()).into_owned();
    respond(StatusCode::OK, INTEREST_TITLE, &[], &interest::form(&interest::values(pairs), &[]))
}

async fn register_interest(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let (parts, body) = request.into_parts();
    let empty = interest::Values::new();
    let outcome = match super::interest::check_allowance(&state, &parts) {
        Err(e) => Err(e),
        Ok(()) => {
            let limit = state.access.limits.max_body_bytes;
            match axum::body::to_bytes(body, limit).await {
                Err(_) => Err(ApiError::BodyTooLarge { limit }),
                Ok(bytes) => Ok(interest::values(form_urlencoded::parse(&bytes).into_owned())),
            }
        }
    };
    let values = match outcome {
        Ok(values) => values,
        Err(e) => return refusal(&empty, e),
    };
    let missing = interest::missing(&values);
    if !missing.is_empty() {
        let page = interest::form(&values, &missing);
        return respond(StatusCode::UNPROCESSABLE_ENTITY, INTEREST_TITLE, &missing, &page);
    }
    match super::interest::record(&state, |field| values.get(field).map(String::as_str)).await {
        Ok(_) => Redirect::to("/find/interest/done").into_response(),
        Err(e) => refusal(&values, e),
    }
}

const INTEREST_TITLE: &str = "Register your interest";

/// The form again with the shared code's refusal in words (and its status; `Retry-After` past
/// the allowance), or the refusal as problem+json when it is not about the visitor's input.
fn refusal(values: &interest::Values, e: ApiError) -> Response {
    let Some(error) = interest::field_error(&e) else { return e.into_response() };
    let errors = [error];
    let mut response = respond(e.status(), INTEREST_TITLE, &errors, &interest::form(values, &errors));
    if let ApiError::InterestRateLimited(seconds) = e {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
    }
    response
}

async fn interest_done() -> Response {
    respond(StatusCode::OK, "Interest registered", &[], interest::DONE)
}
