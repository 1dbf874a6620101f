//! Vocabularies of members and proposals (CONTRACT section 8).

use super::{ProviderKind, Vocab, all_bytes, pattern};
use serde::{Serialize, Serializer};
use std::fmt;

string_vocab!(
    /// Member id, scoped by its partnership: `[a-z0-9][a-z0-9-]{1,62}`.
    MemberId,
    "a member id ([a-z0-9][a-z0-9-]{1,62})",
    pattern("^[a-z0-9][a-z0-9-]{1,62}$"),
    |s| {
        let lower = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        all_bytes(s, 2..=63, |b| lower(b) || b == b'-') && lower(s.as_bytes()[0])
    }
);

/// What kind of organisation a member is: a provider kind, or one of the partners that
/// provide nothing themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberKind {
    Provider(ProviderKind),
    Lsc,
    EmployerBody,
    TradeUnion,
    Community,
}

const OTHER_MEMBER_KINDS: [(&str, MemberKind); 4] = [
    ("lsc", MemberKind::Lsc),
    ("employer-body", MemberKind::EmployerBody),
    ("trade-union", MemberKind::TradeUnion),
    ("community", MemberKind::Community),
];

impl Vocab for MemberKind {
    const EXPECTED: &'static str = "a member kind (a provider kind, or lsc, employer-body, trade-union or community)";
    fn parse(s: &str) -> Option<Self> {
        ProviderKind::parse(s)
            .map(MemberKind::Provider)
            .or_else(|| OTHER_MEMBER_KINDS.iter().find(|(t, _)| *t == s).map(|(_, k)| *k))
    }
    fn as_str(&self) -> &str {
        match self {
            MemberKind::Provider(k) => k.as_str(),
            other => OTHER_MEMBER_KINDS.iter().find(|(_, k)| k == other).map_or("", |(t, _)| t),
        }
    }
    fn json_schema() -> serde_json::Value {
        let mut all: Vec<&str> = ProviderKind::ALL.iter().map(|k| k.as_str()).collect();
        all.extend(OTHER_MEMBER_KINDS.iter().map(|(t, _)| *t));
        serde_json::json!({ "type": "string", "enum": all })
    }
}

text_traits!(MemberKind);

enum_vocab!(
    /// What a proposal sets out to do.
    ProposalKind,
    "a proposal kind (fill-gap, rationalise, joint-delivery, staff-development or other)",
    {
        FillGap = "fill-gap",
        Rationalise = "rationalise",
        JointDelivery = "joint-delivery",
        StaffDevelopment = "staff-development",
        Other = "other",
    }
);

enum_vocab!(
    /// A member's view of a proposal.
    Stance,
    "a stance (support, object or abstain)",
    { Support = "support", Object = "object", Abstain = "abstain" }
);

enum_vocab!(
    /// What the partnership decided about a proposal.
    Decision,
    "a decision (agreed, rejected, deferred or completed)",
    { Agreed = "agreed", Rejected = "rejected", Deferred = "deferred", Completed = "completed" }
);

enum_vocab!(
    /// The report a row key points into.
    ReportKind,
    "a report (gap or duplication)",
    { Gap = "gap", Duplication = "duplication" }
);
