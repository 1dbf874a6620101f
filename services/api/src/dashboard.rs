//! The planners' dashboard at `/`: hand-written HTML, CSS and JavaScript embedded in the
//! binary (no build step, nothing from another origin), and the subject names it shows,
//! generated from the SSA tier 2 list. These files are open to all (CONTRACT section 6); the
//! page itself sends the key it was given to every API request.
//!
//! Caching: the page is revalidated on every load (`no-cache` with an `ETag`); it names its
//! script and style with a `?v=` fingerprint of their content, and a request carrying the
//! current fingerprint may be cached for a year, so a new binary is picked up at once. The
//! script is a handful of ES modules that import each other as `./name.js`: they share one
//! fingerprint, of them all, written into each import as it is served.

use crate::problem::ApiError;
use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use provisio_events::vocab::SSA_TIER2;
use serde_json::json;
use std::sync::LazyLock;

routes! {
    get "/" => index,
    get "/assets/app.css" => css,
    get "/assets/icon.svg" => icon,
    get "/assets/subjects.json" => subjects,
    get "/assets/{script}" => script,
}

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_CSS: &str = include_str!("../assets/app.css");
/// The page's script modules by file name; `app.js` is the one the page loads.
const SCRIPTS: &[(&str, &str)] = &[
    ("api.js", include_str!("../assets/api.js")),
    ("app.js", include_str!("../assets/app.js")),
    ("changes.js", include_str!("../assets/changes.js")),
    ("csv.js", include_str!("../assets/csv.js")),
    ("decide.js", include_str!("../assets/decide.js")),
    ("dom.js", include_str!("../assets/dom.js")),
    ("heatmap.js", include_str!("../assets/heatmap.js")),
    ("live.js", include_str!("../assets/live.js")),
    ("plans.js", include_str!("../assets/plans.js")),
    ("propose.js", include_str!("../assets/propose.js")),
    ("publish.js", include_str!("../assets/publish.js")),
    ("render.js", include_str!("../assets/render.js")),
    ("proposals.js", include_str!("../assets/proposals.js")),
    ("since.js", include_str!("../assets/since.js")),
    ("state.js", include_str!("../assets/state.js")),
    ("submit.js", include_str!("../assets/submit.js")),
    ("tables.js", include_str!("../assets/tables.js")),
    ("trend.js", include_str!("../assets/trend.js")),
    ("vocab.js", include_str!("../assets/vocab.js")),
    ("whatif.js", include_str!("../assets/whatif.js")),
];
const ICON_SVG: &str = include_str!("../assets/icon.svg");

/// The page may load only what this service serves; the API is reached with `fetch`.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A file and the fingerprint of its content (the finder's page serves its files with these too).
pub(crate) struct Asset {
    body: String,
    pub(crate) version: String,
    content_type: &'static str,
}

impl Asset {
    pub(crate) fn new(body: String, content_type: &'static str) -> Self {
        Self { version: fingerprint(body.as_bytes()), body, content_type }
    }
}

/// FNV-1a, 64 bits: enough to tell two versions of a file apart.
fn fingerprint(bytes: &[u8]) -> String {
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

static CSS: LazyLock<Asset> = LazyLock::new(|| Asset::new(APP_CSS.to_owned(), "text/css; charset=utf-8"));
/// One fingerprint of every script module, names included.
static JS_VERSION: LazyLock<String> = LazyLock::new(|| {
    let all: Vec<u8> = SCRIPTS.iter().flat_map(|(name, body)| [name.as_bytes(), body.as_bytes()].concat()).collect();
    fingerprint(&all)
});
/// The script modules, each importing the others by their shared fingerprint, so that a
/// module cached for a year never meets another's older version.
static JS: LazyLock<Vec<(&str, Asset)>> = LazyLock::new(|| {
    let version = &*JS_VERSION;
    SCRIPTS
        .iter()
        .map(|(name, body)| {
            let body = SCRIPTS.iter().fold((*body).to_owned(), |body, (other, _)| {
                body.replace(&format!("from './{other}';"), &format!("from './{other}?v={version}';"))
            });
            (*name, Asset { body, version: version.clone(), content_type: "text/javascript; charset=utf-8" })
        })
        .collect()
});
static ICON: LazyLock<Asset> = LazyLock::new(|| Asset::new(ICON_SVG.to_owned(), "image/svg+xml"));
static SUBJECTS: LazyLock<Asset> = LazyLock::new(|| {
    let list: Vec<_> = SSA_TIER2.iter().map(|(code, name)| json!({"code": code, "name": name})).collect();
    Asset::new(serde_json::Value::from(list).to_string(), "application/json")
});
/// The page, with the fingerprints of the files it names filled in.
static INDEX: LazyLock<Asset> = LazyLock::new(|| {
    let html = INDEX_HTML
        .replace("{{css}}", &CSS.version)
        .replace("{{js}}", &JS_VERSION)
        .replace("{{icon}}", &ICON.version)
        .replace("{{subjects}}", &SUBJECTS.version);
    Asset::new(html, "text/html; charset=utf-8")
});

/// Serves `asset`: `304` when the client holds this version, long-lived caching when the
/// request names the current fingerprint, revalidation otherwise.
pub(crate) fn serve(asset: &Asset, query: Option<&str>, request: &HeaderMap) -> Response {
    let etag = format!("\"{}\"", asset.version);
    let fingerprinted = query.is_some_and(|q| q.split('&').any(|pair| pair == format!("v={}", asset.version)));
    let cache = if fingerprinted { "public, max-age=31536000, immutable" } else { "no-cache" };
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag));
    let mut response =
        if fresh { StatusCode::NOT_MODIFIED.into_response() } else { asset.body.clone().into_response() };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    response
}

async fn index(headers: HeaderMap) -> Response {
    let mut response = serve(&INDEX, None, &headers);
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    // The key travels in the fragment, which no request carries; the page's own address
    // (with the partnership chosen) is not passed on either.
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn css(RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    serve(&CSS, q.as_deref(), &headers)
}

async fn script(Path(name): Path<String>, RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    match JS.iter().find(|(script, _)| *script == name) {
        Some((_, asset)) => serve(asset, q.as_deref(), &headers),
        None => ApiError::NotFound.into_response(),
    }
}

async fn icon(RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    serve(&ICON, q.as_deref(), &headers)
}

async fn subjects(RawQuery(q): RawQuery, headers: HeaderMap) -> Response {
    serve(&SUBJECTS, q.as_deref(), &headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn body(response: Response) -> String {
        String::from_utf8(to_bytes(response.into_body(), 1 << 20).await.unwrap().to_vec()).unwrap()
    }

    #[tokio::test]
    async fn the_page_names_its_files_by_fingerprint_and_they_are_cached_for_long() {
        let page = index(HeaderMap::new()).await;
        assert_eq!(page.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-cache");
        assert!(page.headers().contains_key(header::CONTENT_SECURITY_POLICY));
        let html = body(page).await;
        assert!(!html.contains("{{"), "every placeholder is filled");
        let src = format!("<script type=\"module\" src=\"/assets/app.js?v={}\">", *JS_VERSION);
        assert!(html.contains(&src), "{src}");

        let fresh = script(Path("app.js".into()), RawQuery(Some(format!("v={}", *JS_VERSION))), HeaderMap::new()).await;
        assert_eq!(fresh.headers()[header::CACHE_CONTROL], "public, max-age=31536000, immutable");
        assert_eq!(fresh.headers()[header::CONTENT_TYPE], "text/javascript; charset=utf-8");
        let stale = css(RawQuery(Some("v=0".into())), HeaderMap::new()).await;
        assert_eq!(stale.headers()[header::CACHE_CONTROL], "no-cache");
        assert_eq!(stale.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
    }

    #[tokio::test]
    async fn every_module_imports_served_modules_by_the_current_fingerprint() {
        for (name, _) in SCRIPTS {
            let served = body(script(Path((*name).into()), RawQuery(None), HeaderMap::new()).await).await;
            for import in served.split(" from './").skip(1) {
                let target = import.split('\'').next().unwrap();
                let (file, version) =
                    target.split_once("?v=").unwrap_or_else(|| panic!("{name} imports {target} unversioned"));
                assert_eq!(version, *JS_VERSION, "{name} imports {target}");
                assert!(SCRIPTS.iter().any(|(other, _)| *other == file), "{name} imports {file}, which is not served");
            }
        }
        let unknown = script(Path("nothing.js".into()), RawQuery(None), HeaderMap::new()).await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn a_client_holding_the_current_version_gets_not_modified() {
        let mut request = HeaderMap::new();
        request.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&format!("W/\"x\", \"{}\"", CSS.version)).unwrap());
        let r = css(RawQuery(None), request).await;
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert!(body(r).await.is_empty());
    }

    #[tokio::test]
    async fn subject_names_come_from_the_official_list() {
        let r = subjects(RawQuery(None), HeaderMap::new()).await;
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let list: serde_json::Value = serde_json::from_str(&body(r).await).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 50);
        assert_eq!(list[11], json!({"code": "4.1", "name": "Engineering"}));
    }
}
