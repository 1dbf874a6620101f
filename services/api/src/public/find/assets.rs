//! The finder page's files: GOV.UK Frontend's compiled stylesheet and script, vendored in
//! `services/api/assets/govuk-frontend/` (version and licence there), and the small module that
//! starts its components. Served like the dashboard's files (fingerprinted, `304` on a match).
//!
//! The stylesheet loses its `@font-face` rules as it is served: the GDS Transport font may be
//! used only on GOV.UK, so it is not shipped and text falls back to Arial.

use crate::dashboard::{Asset, serve};
use axum::extract::RawQuery;
use axum::http::HeaderMap;
use axum::response::Response;
use std::sync::LazyLock;

const GOVUK_CSS: &str = include_str!("../../../assets/govuk-frontend/govuk-frontend.min.css");
const GOVUK_JS: &str = include_str!("../../../assets/govuk-frontend/govuk-frontend.min.js");

/// The stylesheet without its `@font-face { … }` rules.
fn without_font_faces(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(start) = rest.find("@font-face{") {
        out.push_str(&rest[..start]);
        rest = rest[start..].find('}').map_or("", |end| &rest[start + end + 1..]);
    }
    out.push_str(rest);
    out
}

static CSS: LazyLock<Asset> = LazyLock::new(|| Asset::new(without_font_faces(GOVUK_CSS), "text/css; charset=utf-8"));
static GOVUK: LazyLock<Asset> = LazyLock::new(|| Asset::new(GOVUK_JS.to_owned(), "text/javascript; charset=utf-8"));
/// Marks the body as the Design System's own template does with an inline script (which the
/// page's CSP forbids): a browser running this module supports ES modules, which is the
/// template's test. Then starts every component on the page.
static INIT: LazyLock<Asset> = LazyLock::new(|| {
    let body = format!(
        "import {{ initAll }} from './govuk-frontend.min.js?v={}';\n\
         document.body.classList.add('js-enabled', 'govuk-frontend-supported');\n\
         initAll();\n",
        GOVUK.version
    );
    Asset::new(body, "text/javascript; charset=utf-8")
});

/// The fingerprints the page names its files by.
pub(super) struct Versions {
    pub(super) css: &'static str,
    pub(super) js: &'static str,
}

pub(super) fn versions() -> Versions {
    Versions { css: &CSS.version, js: &INIT.version }
}

pub(super) async fn css(RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    serve(&CSS, q.as_deref(), &headers)
}

pub(super) async fn govuk_js(RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    serve(&GOVUK, q.as_deref(), &headers)
}

pub(super) async fn init_js(RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    serve(&INIT, q.as_deref(), &headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stylesheet_is_served_without_fonts() {
        assert!(GOVUK_CSS.contains("@font-face"), "the vendored file is unchanged");
        let served = without_font_faces(GOVUK_CSS);
        assert!(!served.contains("@font-face") && !served.contains("/assets/fonts/"));
        assert!(served.contains(".govuk-error-summary"));
        assert_eq!(without_font_faces("a{}@font-face{x:y}b{}@font-face{z}"), "a{}b{}");
    }
}
