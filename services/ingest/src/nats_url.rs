//! The one way every part of the workspace reaches NATS: from a URL as flags and variables give
//! it, `nats://[USER:PASSWORD@ | TOKEN@]HOST:PORT`, several servers separated by commas.
//!
//! async-nats ignores credentials written in a URL, so they are taken out of it and passed as
//! options, and the addresses handed to the client carry none (its own log lines name the
//! server it tries). A user also reads its replies on its own inbox prefix, `_INBOX_<user>`
//! (`provisio_events::inbox_prefix_for`), the only inbox `provisio nats-config` lets it read.
//! Whatever is shown of a URL, in an error or a log line, goes through [`redact_nats_url`].

use async_nats::{Client, ConnectOptions, ServerAddr};
use percent_encoding::percent_decode_str;
use provisio_events::inbox_prefix_for;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, PartialEq, Eq)]
enum Credentials {
    None,
    UserPassword { user: String, password: String },
    Token(String),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::None => f.write_str("None"),
            Credentials::UserPassword { user, .. } => write!(f, "UserPassword({user:?}, ***)"),
            Credentials::Token(_) => f.write_str("Token(***)"),
        }
    }
}

/// A parsed list of NATS servers and the credentials to present to them. It shows (`Display`,
/// `Debug`) with its password or token replaced by `***`.
#[derive(Clone)]
pub struct NatsUrl {
    /// The servers, without credentials.
    servers: Vec<ServerAddr>,
    credentials: Credentials,
    shown: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NatsUrlError {
    #[error("{url:?} is not a NATS URL (nats://[USER:PASSWORD@]HOST:PORT, several separated by commas): {reason}")]
    Invalid { url: String, reason: String },
    #[error("the servers of {url:?} carry different credentials; give the same on each")]
    MixedCredentials { url: String },
}

/// Why no connection was made; it names the servers with their secrets redacted.
#[derive(Debug, thiserror::Error)]
pub enum NatsConnectError {
    #[error(transparent)]
    Url(#[from] NatsUrlError),
    #[error("connecting to NATS at {url}: {reason}")]
    Connect { url: String, reason: String },
}

/// `url` as it may be shown: each server's password (`user:***@`) or token (`***@`) hidden.
/// Also safe on text that does not parse, so an error about a bad URL can quote it.
pub fn redact_nats_url(url: &str) -> String {
    url.split(',')
        .map(|server| match (server.find("://"), server.rfind('@')) {
            (Some(scheme_end), Some(at)) if at > scheme_end => match server[scheme_end + 3..at].split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &server[..scheme_end + 3], &server[at..]),
                None => format!("{}***{}", &server[..scheme_end + 3], &server[at..]),
            },
            (None, Some(at)) => match server[..at].split_once(':') {
                Some((user, _)) => format!("{user}:***{}", &server[at..]),
                None => format!("***{}", &server[at..]),
            },
            _ => server.to_owned(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn decoded(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

impl FromStr for NatsUrl {
    type Err = NatsUrlError;

    fn from_str(url: &str) -> Result<Self, Self::Err> {
        let shown = redact_nats_url(url);
        let invalid = |reason: String| NatsUrlError::Invalid { url: shown.clone(), reason };
        let mut servers = Vec::new();
        let mut credentials = None;
        for server in url.split(',').map(str::trim) {
            let addr: ServerAddr = server.parse().map_err(|e: std::io::Error| invalid(e.to_string()))?;
            let these = match (addr.username(), addr.password()) {
                (Some(user), Some(password)) => {
                    Credentials::UserPassword { user: decoded(user), password: decoded(password) }
                }
                (Some(token), None) => Credentials::Token(decoded(token)),
                _ => Credentials::None,
            };
            if credentials.get_or_insert_with(|| these.clone()) != &these {
                return Err(NatsUrlError::MixedCredentials { url: shown });
            }
            let mut bare = addr.into_inner();
            // Both only fail on URLs that cannot have credentials, which these are not.
            let _ = bare.set_password(None);
            let _ = bare.set_username("");
            servers.push(ServerAddr::from_url(bare).map_err(|e| invalid(e.to_string()))?);
        }
        Ok(Self { servers, credentials: credentials.unwrap_or(Credentials::None), shown })
    }
}

impl NatsUrl {
    /// The user's own reply inbox prefix, when the URL names a user that can have one.
    pub fn inbox_prefix(&self) -> Option<String> {
        match &self.credentials {
            Credentials::UserPassword { user, .. } => inbox_prefix_for(user),
            _ => None,
        }
    }

    /// Connects with `options` (a name, callbacks) plus the URL's credentials and inbox prefix.
    pub async fn connect(&self, options: ConnectOptions) -> Result<Client, NatsConnectError> {
        let options = match &self.credentials {
            Credentials::UserPassword { user, password } => options.user_and_password(user.clone(), password.clone()),
            Credentials::Token(token) => options.token(token.clone()),
            Credentials::None => options,
        };
        let options = match self.inbox_prefix() {
            Some(prefix) => options.custom_inbox_prefix(prefix),
            None => options,
        };
        options
            .connect(self.servers.clone())
            .await
            .map_err(|e| NatsConnectError::Connect { url: self.shown.clone(), reason: e.to_string() })
    }
}

impl fmt::Display for NatsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for NatsUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NatsUrl({:?})", self.shown)
    }
}

/// Connects to `url` as a client called `name` (shown in the server's connection list).
pub async fn connect_nats(url: &str, name: &str) -> Result<Client, NatsConnectError> {
    url.parse::<NatsUrl>()?.connect(ConnectOptions::new().name(name)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_and_tokens_are_never_shown() {
        for (url, shown) in [
            ("nats://0a1b2c3d4e5f:pv_0a1b2c3d4e5f_99@nats:4222", "nats://0a1b2c3d4e5f:***@nats:4222"),
            ("nats://s3cret-token@127.0.0.1:4222", "nats://***@127.0.0.1:4222"),
            ("nats://127.0.0.1:4222", "nats://127.0.0.1:4222"),
            ("provisio:p@ss@nats-1:4222", "provisio:***@nats-1:4222"),
            ("nats://a:x@n1:4222,nats://a:x@n2:4222", "nats://a:***@n1:4222,nats://a:***@n2:4222"),
        ] {
            assert_eq!(redact_nats_url(url), shown);
        }
        let parsed: NatsUrl = "nats://provisio:s3cret@127.0.0.1:4222".parse().unwrap();
        assert_eq!(parsed.to_string(), "nats://provisio:***@127.0.0.1:4222");
        assert!(!format!("{parsed:?}").contains("s3cret"));
    }

    #[test]
    fn credentials_leave_the_addresses_and_name_the_inbox() {
        let parsed: NatsUrl =
            "nats://0a1b2c3d4e5f:pass%40word@127.0.0.1:4222,nats://0a1b2c3d4e5f:pass%40word@h2".parse().unwrap();
        assert_eq!(
            parsed.credentials,
            Credentials::UserPassword { user: "0a1b2c3d4e5f".into(), password: "pass@word".into() }
        );
        let servers: Vec<_> = parsed.servers.iter().map(|s| s.as_url_str().to_owned()).collect();
        assert_eq!(servers, ["nats://127.0.0.1:4222", "nats://h2"]);
        assert_eq!(parsed.inbox_prefix().as_deref(), Some("_INBOX_0a1b2c3d4e5f"));

        let token: NatsUrl = "nats://tok@127.0.0.1".parse().unwrap();
        assert_eq!(token.credentials, Credentials::Token("tok".into()));
        assert_eq!(token.inbox_prefix(), None, "a token names no user");
        let bare: NatsUrl = "127.0.0.1:4222".parse().unwrap();
        assert_eq!((&bare.credentials, bare.inbox_prefix()), (&Credentials::None, None));
    }

    #[test]
    fn bad_urls_are_refused_without_their_secrets() {
        let e = "http://u:s3cret@host:4222".parse::<NatsUrl>().unwrap_err().to_string();
        assert!(e.contains("u:***@host") && !e.contains("s3cret"), "{e}");
        let e = "nats://a:s3cret@n1,nats://b:other@n2".parse::<NatsUrl>().unwrap_err();
        assert!(matches!(e, NatsUrlError::MixedCredentials { .. }));
        assert!(!e.to_string().contains("s3cret"));
    }
}
