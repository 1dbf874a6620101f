//! The CloudEvents envelope and the event types of CONTRACT sections 2, 8, 9 and 11 (interest).

use crate::collab::*;
use crate::vocab::*;
use serde::Serialize;
use serde_json::{Map, Value};
use std::fmt;

pub use crate::public::{Iag, InterestRegistered, OfferPublic};

/// The contract's event types, each with the kind of source it must come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    PartnershipRegistered,
    ProviderRegistered,
    VenueRegistered,
    ProvisionOffered,
    ProvisionWithdrawn,
    EnrolmentReported,
    CurriculumPublished,
    NeedIdentified,
    NeedWithdrawn,
    TargetSet,
    PlanPublished,
    MemberJoined,
    MemberLeft,
    ProposalMade,
    ProposalResponded,
    ProposalDecided,
    InterestRegistered,
}

impl EventType {
    pub const ALL: [EventType; 17] = [
        EventType::PartnershipRegistered,
        EventType::ProviderRegistered,
        EventType::VenueRegistered,
        EventType::ProvisionOffered,
        EventType::ProvisionWithdrawn,
        EventType::EnrolmentReported,
        EventType::CurriculumPublished,
        EventType::NeedIdentified,
        EventType::NeedWithdrawn,
        EventType::TargetSet,
        EventType::PlanPublished,
        EventType::MemberJoined,
        EventType::MemberLeft,
        EventType::ProposalMade,
        EventType::ProposalResponded,
        EventType::ProposalDecided,
        EventType::InterestRegistered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::PartnershipRegistered => "lp.partnership.registered.v1",
            EventType::ProviderRegistered => "lp.provider.registered.v1",
            EventType::VenueRegistered => "lp.venue.registered.v1",
            EventType::ProvisionOffered => "lp.provision.offered.v1",
            EventType::ProvisionWithdrawn => "lp.provision.withdrawn.v1",
            EventType::EnrolmentReported => "lp.enrolment.reported.v1",
            EventType::CurriculumPublished => "lp.curriculum.published.v1",
            EventType::NeedIdentified => "lp.need.identified.v1",
            EventType::NeedWithdrawn => "lp.need.withdrawn.v1",
            EventType::TargetSet => "lp.target.set.v1",
            EventType::PlanPublished => "lp.plan.published.v1",
            EventType::MemberJoined => "lp.member.joined.v1",
            EventType::MemberLeft => "lp.member.left.v1",
            EventType::ProposalMade => "lp.proposal.made.v1",
            EventType::ProposalResponded => "lp.proposal.responded.v1",
            EventType::ProposalDecided => "lp.proposal.decided.v1",
            EventType::InterestRegistered => "lp.interest.registered.v1",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The kind of source that owns events of this type: the UKPRN or partnership named in
    /// `data` must be the source's.
    pub fn source_kind(self) -> SourceKind {
        match self {
            EventType::ProviderRegistered
            | EventType::VenueRegistered
            | EventType::ProvisionOffered
            | EventType::ProvisionWithdrawn
            | EventType::EnrolmentReported
            | EventType::CurriculumPublished => SourceKind::Provider,
            EventType::InterestRegistered => SourceKind::Public,
            _ => SourceKind::Partnership,
        }
    }

    /// May a member source (`urn:lp:<id>:member:<member id>`) send events of this type? The
    /// partnership's own source may send them too, for any member (CONTRACT section 8).
    pub fn member_may_send(self) -> bool {
        matches!(self, EventType::ProposalMade | EventType::ProposalResponded)
    }

    /// Does `source` fit this event type?
    pub fn accepts(self, source: SourceKind) -> bool {
        source == self.source_kind() || (source == SourceKind::Member && self.member_may_send())
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    Provider,
    Partnership,
    /// A member of a partnership, speaking for itself (CONTRACT section 8).
    Member,
    /// The service itself, recording what the public told it (section 11).
    Public,
}

impl SourceKind {
    /// The word used in NATS subjects and in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Provider => "provider",
            SourceKind::Partnership => "partnership",
            SourceKind::Member => "member",
            SourceKind::Public => "public",
        }
    }

    pub(crate) fn uri_form(self) -> &'static str {
        match self {
            SourceKind::Provider => "urn:ukprn:<UKPRN>",
            SourceKind::Partnership => "urn:lp:<partnership id>",
            SourceKind::Member => "urn:lp:<partnership id>:member:<member id>",
            SourceKind::Public => PUBLIC_SOURCE,
        }
    }
}

/// Who an event comes from: `urn:ukprn:<UKPRN>`, `urn:lp:<partnership id>` or
/// `urn:lp:<partnership id>:member:<member id>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Source {
    Provider(Ukprn),
    Partnership(PartnershipId),
    Member(PartnershipId, MemberId),
    /// `urn:public`: events the service records for the public; no client may send one.
    Public,
}

/// The source of the events the service records for the public (CONTRACT section 11).
pub const PUBLIC_SOURCE: &str = "urn:public";

impl Source {
    pub fn parse(s: &str) -> Option<Self> {
        if let Some(u) = s.strip_prefix("urn:ukprn:") {
            Ukprn::parse(u).map(Source::Provider)
        } else if let Some(p) = s.strip_prefix("urn:lp:") {
            match p.split_once(":member:") {
                Some((p, m)) => Some(Source::Member(PartnershipId::parse(p)?, MemberId::parse(m)?)),
                None => PartnershipId::parse(p).map(Source::Partnership),
            }
        } else if s == PUBLIC_SOURCE {
            Some(Source::Public)
        } else {
            None
        }
    }

    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Provider(_) => SourceKind::Provider,
            Source::Partnership(_) => SourceKind::Partnership,
            Source::Member(..) => SourceKind::Member,
            Source::Public => SourceKind::Public,
        }
    }

    /// The UKPRN or partnership id (a member's partnership for a member source); `public`
    /// for the service's own public source.
    pub fn owner(&self) -> &str {
        match self {
            Source::Provider(u) => u.as_str(),
            Source::Partnership(p) | Source::Member(p, _) => p.as_str(),
            Source::Public => "public",
        }
    }

    pub fn uri(&self) -> String {
        match self {
            Source::Provider(u) => format!("urn:ukprn:{u}"),
            Source::Partnership(p) => format!("urn:lp:{p}"),
            Source::Member(p, m) => format!("urn:lp:{p}:member:{m}"),
            Source::Public => PUBLIC_SOURCE.to_owned(),
        }
    }
}

/// A valid event: the envelope attributes and its typed payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: EventId,
    pub source: Source,
    pub time: Timestamp,
    pub payload: Payload,
}

impl Event {
    pub fn event_type(&self) -> EventType {
        self.payload.event_type()
    }

    /// The CloudEvents 1.0 structured-mode JSON of this event.
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("specversion".into(), "1.0".into());
        m.insert("id".into(), self.id.as_str().into());
        m.insert("source".into(), self.source.uri().into());
        m.insert("type".into(), self.event_type().as_str().into());
        m.insert("time".into(), self.time.as_str().into());
        m.insert("datacontenttype".into(), "application/json".into());
        m.insert("data".into(), serde_json::to_value(&self.payload).unwrap_or(Value::Null));
        Value::Object(m)
    }
}

/// The `data` of each event type.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Payload {
    PartnershipRegistered(PartnershipRegistered),
    ProviderRegistered(ProviderRegistered),
    VenueRegistered(VenueRegistered),
    ProvisionOffered(ProvisionOffered),
    ProvisionWithdrawn(ProvisionWithdrawn),
    EnrolmentReported(EnrolmentReported),
    CurriculumPublished(CurriculumPublished),
    NeedIdentified(NeedIdentified),
    NeedWithdrawn(NeedWithdrawn),
    TargetSet(TargetSet),
    PlanPublished(PlanPublished),
    MemberJoined(MemberJoined),
    MemberLeft(MemberLeft),
    ProposalMade(ProposalMade),
    ProposalResponded(ProposalResponded),
    ProposalDecided(ProposalDecided),
    InterestRegistered(InterestRegistered),
}

impl Payload {
    pub fn event_type(&self) -> EventType {
        match self {
            Payload::PartnershipRegistered(_) => EventType::PartnershipRegistered,
            Payload::ProviderRegistered(_) => EventType::ProviderRegistered,
            Payload::VenueRegistered(_) => EventType::VenueRegistered,
            Payload::ProvisionOffered(_) => EventType::ProvisionOffered,
            Payload::ProvisionWithdrawn(_) => EventType::ProvisionWithdrawn,
            Payload::EnrolmentReported(_) => EventType::EnrolmentReported,
            Payload::CurriculumPublished(_) => EventType::CurriculumPublished,
            Payload::NeedIdentified(_) => EventType::NeedIdentified,
            Payload::NeedWithdrawn(_) => EventType::NeedWithdrawn,
            Payload::TargetSet(_) => EventType::TargetSet,
            Payload::PlanPublished(_) => EventType::PlanPublished,
            Payload::MemberJoined(_) => EventType::MemberJoined,
            Payload::MemberLeft(_) => EventType::MemberLeft,
            Payload::ProposalMade(_) => EventType::ProposalMade,
            Payload::ProposalResponded(_) => EventType::ProposalResponded,
            Payload::ProposalDecided(_) => EventType::ProposalDecided,
            Payload::InterestRegistered(_) => EventType::InterestRegistered,
        }
    }
}

/// Partnership rule overrides; a key left out takes the default of CONTRACT section 3.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rules {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub surplus_tolerance: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub viable_fill_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_group_size: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartnershipRegistered {
    pub partnership_id: PartnershipId,
    pub name: String,
    pub areas: Vec<AreaCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rules: Option<Rules>,
    /// v2: the partnership's information, advice and guidance contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iag: Option<Iag>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderRegistered {
    pub ukprn: Ukprn,
    pub name: String,
    pub kind: ProviderKind,
    /// v2: the provider's web address (`http://` or `https://`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// v2: the provider's telephone number, as published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VenueRegistered {
    pub ukprn: Ukprn,
    pub venue_id: LocalId,
    pub name: String,
    pub postcode: String,
    pub area: AreaCode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
}

/// The fields of one offer, shared by `provision.offered` and the entries of a curriculum plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfferSpec {
    pub offer_id: LocalId,
    pub venue_id: LocalId,
    pub title: String,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub mode: Mode,
    pub places: u32,
    pub status: OfferStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_weeks: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lars_aim: Option<String>,
    /// v2: what the public finder shows of the offer.
    #[serde(flatten)]
    pub public: OfferPublic,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisionOffered {
    pub ukprn: Ukprn,
    pub academic_year: AcademicYear,
    #[serde(flatten)]
    pub offer: OfferSpec,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisionWithdrawn {
    pub ukprn: Ukprn,
    pub offer_id: LocalId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnrolmentReported {
    pub ukprn: Ukprn,
    pub offer_id: LocalId,
    pub enrolled: u32,
    pub as_of: Date,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurriculumPublished {
    pub ukprn: Ukprn,
    pub academic_year: AcademicYear,
    pub offers: Vec<OfferSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedIdentified {
    pub partnership_id: PartnershipId,
    pub need_id: LocalId,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub academic_year: AcademicYear,
    pub learners: u32,
    pub evidence: Evidence,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area: Option<AreaCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedWithdrawn {
    pub partnership_id: PartnershipId,
    pub need_id: LocalId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSet {
    pub partnership_id: PartnershipId,
    pub target_id: LocalId,
    pub academic_year: AcademicYear,
    pub measure: Measure,
    pub value: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<SubjectCode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_group: Option<AgeGroup>,
    /// v2: what the target is for, in the partnership's words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// v2 (CONTRACT section 9): a version of the partnership's local learning plan, fixed at the
/// position of this event.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanPublished {
    pub partnership_id: PartnershipId,
    pub plan_id: LocalId,
    pub title: String,
    /// At least one, sorted, each once.
    pub academic_years: Vec<AcademicYear>,
    pub status: PlanStatus,
    pub priorities: Vec<Priority>,
    /// The proposals the plan lists; absent: those agreed or done at its position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal_ids: Option<Vec<LocalId>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreword: Option<String>,
}

/// One of a plan's priorities, in the partnership's words.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Priority {
    pub title: String,
    pub detail: Option<String>,
}
