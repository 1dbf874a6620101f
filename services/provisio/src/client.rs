//! A running Provisio seen from the command line (`--server`, `--key`): every request carries
//! the key, and a refusal (problem+json) becomes an error that says the service's `detail`.

use anyhow::Context;
use reqwest::{Method, RequestBuilder};
use serde_json::Value;

pub struct Service<'a> {
    url: &'a str,
    key: Option<&'a str>,
    http: reqwest::Client,
}

impl<'a> Service<'a> {
    pub fn new(url: &'a str, key: Option<&'a str>) -> Self {
        Self { url: url.trim_end_matches('/'), key, http: reqwest::Client::new() }
    }

    /// A request to `path` (from `/v1/…`) of the service, with the key as a bearer token.
    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.http.request(method, format!("{}{path}", self.url));
        match self.key {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }

    /// The JSON answer to `GET path?query`; a refusal is an error holding the service's detail.
    pub async fn get_json(&self, path: &str, query: &[(&str, String)]) -> anyhow::Result<Value> {
        let response = self
            .request(Method::GET, path)
            .query(query)
            .send()
            .await
            .with_context(|| format!("asking {}", self.url))?;
        let status = response.status();
        let answer: Value =
            response.json().await.with_context(|| format!("the service answered {status} with no JSON"))?;
        if status.is_success() {
            return Ok(answer);
        }
        // problem+json (RFC 9457): `detail` says what was wrong with this request.
        match answer["detail"].as_str() {
            Some(detail) => anyhow::bail!("{detail}"),
            None => anyhow::bail!("the service refused the request ({status})"),
        }
    }
}
