//! Access control (CONTRACT section 6): API keys, roles, and what each role may do.
//!
//! Architecture invariant: no I/O here. Keys are generated from the OS random source and
//! stored by the store crate as SHA-256 hashes only; every permission rule is a pure function
//! of the caller and the thing asked for, so the whole matrix is unit-tested here and the
//! HTTP layer only asks.

mod keys;
mod nats;

pub use keys::{GeneratedKey, generate_key, hash_key, hex, key_id_of, random_hex};
pub use nats::{NatsUser, bcrypt_password, nats_config};

use provisio_events::Source;
use provisio_events::vocab::{MemberId, PartnershipId, Ukprn, Vocab};
use std::fmt;

/// A role and what it is bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Admin,
    Partnership(PartnershipId),
    Viewer(PartnershipId),
    Provider(Ukprn),
    /// A member of a partnership (CONTRACT section 8): submits its own member events, reads
    /// what a viewer reads plus members, proposals and plans.
    Member(PartnershipId, MemberId),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PrincipalError {
    #[error("unknown role {0:?}: expected admin, partnership, viewer, provider or member")]
    UnknownRole(String),
    #[error("role {role} needs {needs}")]
    MissingScope { role: &'static str, needs: &'static str },
    #[error("{0:?} is not {1}")]
    InvalidScope(String, &'static str),
    #[error("role admin is bound to nothing; drop --partnership and --ukprn")]
    AdminWithScope,
}

impl Principal {
    /// Builds a principal from its stored or command-line form: a role and its binding.
    /// A member key's stored binding: `<partnership id>/<member id>`.
    pub fn member_scope(partnership: &str, member: &str) -> String {
        format!("{partnership}/{member}")
    }

    pub fn from_parts(role: &str, scope: Option<&str>) -> Result<Self, PrincipalError> {
        let partnership = |role: &'static str| {
            let s = scope.ok_or(PrincipalError::MissingScope { role, needs: "a partnership id (--partnership)" })?;
            PartnershipId::parse(s).ok_or_else(|| PrincipalError::InvalidScope(s.to_owned(), PartnershipId::EXPECTED))
        };
        match role {
            "admin" if scope.is_some() => Err(PrincipalError::AdminWithScope),
            "admin" => Ok(Principal::Admin),
            "partnership" => partnership("partnership").map(Principal::Partnership),
            "viewer" => partnership("viewer").map(Principal::Viewer),
            "provider" => {
                let s = scope.ok_or(PrincipalError::MissingScope { role: "provider", needs: "a UKPRN (--ukprn)" })?;
                Ukprn::parse(s)
                    .map(Principal::Provider)
                    .ok_or_else(|| PrincipalError::InvalidScope(s.to_owned(), Ukprn::EXPECTED))
            }
            "member" => {
                let needs = "a partnership id and a member id (--partnership and --member)";
                let s = scope.ok_or(PrincipalError::MissingScope { role: "member", needs })?;
                let (p, m) = s.split_once('/').ok_or(PrincipalError::MissingScope { role: "member", needs })?;
                let p = PartnershipId::parse(p)
                    .ok_or_else(|| PrincipalError::InvalidScope(p.to_owned(), PartnershipId::EXPECTED))?;
                let m =
                    MemberId::parse(m).ok_or_else(|| PrincipalError::InvalidScope(m.to_owned(), MemberId::EXPECTED))?;
                Ok(Principal::Member(p, m))
            }
            other => Err(PrincipalError::UnknownRole(other.to_owned())),
        }
    }

    pub fn role(&self) -> &'static str {
        match self {
            Principal::Admin => "admin",
            Principal::Partnership(_) => "partnership",
            Principal::Viewer(_) => "viewer",
            Principal::Provider(_) => "provider",
            Principal::Member(..) => "member",
        }
    }

    /// What the role is bound to, as stored: a partnership id, a UKPRN, or (member)
    /// `<partnership id>/<member id>`.
    pub fn scope(&self) -> Option<String> {
        match self {
            Principal::Admin => None,
            Principal::Partnership(p) | Principal::Viewer(p) => Some(p.to_string()),
            Principal::Provider(u) => Some(u.to_string()),
            Principal::Member(p, m) => Some(Self::member_scope(p.as_str(), m.as_str())),
        }
    }
}

/// Who is calling: a key id and its principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub key_id: String,
    pub principal: Principal,
}

/// Which events of the log a caller may read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogScope {
    All,
    /// Only the events of this source URI.
    Source(String),
    Nothing,
}

/// Which offers of a partnership a caller may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfferScope {
    All,
    OnlyProvider(Ukprn),
}

impl Caller {
    /// May this caller submit an event from `source`?
    pub fn may_submit(&self, source: &Source) -> bool {
        match (&self.principal, source) {
            (Principal::Admin, _) => true,
            // The partnership speaks for any of its members (minutes of a meeting).
            (Principal::Partnership(p), Source::Partnership(s) | Source::Member(s, _)) => p == s,
            (Principal::Provider(u), Source::Provider(s)) => u == s,
            (Principal::Member(p, m), Source::Member(sp, sm)) => p == sp && m == sm,
            _ => false,
        }
    }

    /// May this caller read the reports and live stream of partnership `id`?
    pub fn may_read_reports(&self, id: &str) -> bool {
        match &self.principal {
            Principal::Admin => true,
            Principal::Partnership(p) | Principal::Viewer(p) | Principal::Member(p, _) => p.as_str() == id,
            Principal::Provider(_) => false,
        }
    }

    /// The partnership and member a member key speaks for.
    pub fn member(&self) -> Option<(&PartnershipId, &MemberId)> {
        match &self.principal {
            Principal::Member(p, m) => Some((p, m)),
            _ => None,
        }
    }

    /// Which offers of partnership `id` this caller may list, if any.
    pub fn offer_scope(&self, id: &str) -> Option<OfferScope> {
        match &self.principal {
            Principal::Provider(u) => Some(OfferScope::OnlyProvider(u.clone())),
            _ if self.may_read_reports(id) => Some(OfferScope::All),
            _ => None,
        }
    }

    /// Which part of the event log this caller may read: what it could have written.
    /// Viewers read reports, not the log.
    pub fn log_scope(&self) -> LogScope {
        match &self.principal {
            Principal::Admin => LogScope::All,
            Principal::Partnership(p) => LogScope::Source(Source::Partnership(p.clone()).uri()),
            Principal::Provider(u) => LogScope::Source(Source::Provider(u.clone()).uri()),
            Principal::Member(p, m) => LogScope::Source(Source::Member(p.clone(), m.clone()).uri()),
            Principal::Viewer(_) => LogScope::Nothing,
        }
    }

    /// May this caller read the rejections and run imports of provider `ukprn`?
    pub fn may_act_for_provider(&self, ukprn: &str) -> bool {
        match &self.principal {
            Principal::Admin => true,
            Principal::Provider(u) => u.as_str() == ukprn,
            _ => false,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.principal == Principal::Admin
    }
}

/// "key k1 (provider 10006570)", for 403 messages and logs; never the secret.
impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.principal.scope() {
            Some(scope) => write!(f, "key {} ({} {scope})", self.key_id, self.principal.role()),
            None => write!(f, "key {} ({})", self.key_id, self.principal.role()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: &str, scope: Option<&str>) -> Caller {
        Caller { key_id: "k".into(), principal: Principal::from_parts(role, scope).unwrap() }
    }

    fn provider_source(u: &str) -> Source {
        Source::Provider(Ukprn::parse(u).unwrap())
    }

    fn partnership_source(p: &str) -> Source {
        Source::Partnership(PartnershipId::parse(p).unwrap())
    }

    fn member_source(p: &str, m: &str) -> Source {
        Source::Member(PartnershipId::parse(p).unwrap(), MemberId::parse(m).unwrap())
    }

    #[test]
    fn each_role_submits_only_its_own_events() {
        let cases = [
            (caller("admin", None), provider_source("10000001"), true),
            (caller("admin", None), partnership_source("hull"), true),
            (caller("provider", Some("10000001")), provider_source("10000001"), true),
            (caller("provider", Some("10000001")), provider_source("10000002"), false),
            (caller("provider", Some("10000001")), partnership_source("hull"), false),
            (caller("partnership", Some("hull")), partnership_source("hull"), true),
            (caller("partnership", Some("hull")), partnership_source("york"), false),
            (caller("partnership", Some("hull")), provider_source("10000001"), false),
            (caller("viewer", Some("hull")), partnership_source("hull"), false),
            (caller("partnership", Some("hull")), member_source("hull", "hull-college"), true),
            (caller("partnership", Some("york")), member_source("hull", "hull-college"), false),
            (caller("member", Some("hull/hull-college")), member_source("hull", "hull-college"), true),
            (caller("member", Some("hull/hull-college")), member_source("hull", "wyke-college"), false),
            (caller("member", Some("hull/hull-college")), member_source("york", "hull-college"), false),
            (caller("member", Some("hull/hull-college")), partnership_source("hull"), false),
            (caller("member", Some("hull/hull-college")), provider_source("10000001"), false),
        ];
        for (c, source, expected) in cases {
            assert_eq!(c.may_submit(&source), expected, "{c} submitting {}", source.uri());
        }
    }

    #[test]
    fn reports_are_read_by_admins_and_the_partnership_own_keys() {
        assert!(caller("admin", None).may_read_reports("hull"));
        assert!(caller("partnership", Some("hull")).may_read_reports("hull"));
        assert!(caller("viewer", Some("hull")).may_read_reports("hull"));
        assert!(!caller("viewer", Some("york")).may_read_reports("hull"));
        assert!(caller("member", Some("hull/hull-college")).may_read_reports("hull"));
        assert!(!caller("member", Some("york/hull-college")).may_read_reports("hull"));
        assert!(!caller("provider", Some("10000001")).may_read_reports("hull"));
        assert_eq!(
            caller("provider", Some("10000001")).offer_scope("hull"),
            Some(OfferScope::OnlyProvider(Ukprn::parse("10000001").unwrap()))
        );
        assert_eq!(caller("viewer", Some("york")).offer_scope("hull"), None);
    }

    #[test]
    fn the_log_is_read_within_what_a_key_could_have_written() {
        assert_eq!(caller("admin", None).log_scope(), LogScope::All);
        assert_eq!(caller("provider", Some("10000001")).log_scope(), LogScope::Source("urn:ukprn:10000001".into()));
        assert_eq!(caller("partnership", Some("hull")).log_scope(), LogScope::Source("urn:lp:hull".into()));
        assert_eq!(caller("viewer", Some("hull")).log_scope(), LogScope::Nothing);
        assert_eq!(
            caller("member", Some("hull/hull-college")).log_scope(),
            LogScope::Source("urn:lp:hull:member:hull-college".into())
        );
    }

    #[test]
    fn roles_need_the_right_binding() {
        assert_eq!(Principal::from_parts("owner", None), Err(PrincipalError::UnknownRole("owner".into())));
        assert!(matches!(Principal::from_parts("viewer", None), Err(PrincipalError::MissingScope { .. })));
        assert!(matches!(Principal::from_parts("provider", Some("hull")), Err(PrincipalError::InvalidScope(..))));
        assert_eq!(Principal::from_parts("admin", Some("hull")), Err(PrincipalError::AdminWithScope));
        assert!(matches!(Principal::from_parts("member", Some("hull")), Err(PrincipalError::MissingScope { .. })));
        assert!(matches!(Principal::from_parts("member", Some("hull/A")), Err(PrincipalError::InvalidScope(..))));
        assert_eq!(caller("member", Some("hull/wyke")).to_string(), "key k (member hull/wyke)");
        assert_eq!(caller("provider", Some("10000001")).to_string(), "key k (provider 10000001)");
    }
}
