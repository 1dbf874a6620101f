//! The payloads of members and proposals (CONTRACT section 8).

use crate::event::{ProvisionOffered, ProvisionWithdrawn};
use crate::vocab::*;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberJoined {
    pub partnership_id: PartnershipId,
    pub member_id: MemberId,
    pub name: String,
    pub kind: MemberKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ukprn: Option<Ukprn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberLeft {
    pub partnership_id: PartnershipId,
    pub member_id: MemberId,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A row of the gap or duplication report, by its key fields; `mode` for a duplication only.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RowKey {
    pub report: ReportKind,
    pub academic_year: AcademicYear,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
}

/// A change a proposal would make: the `data` of an offered or withdrawn event, validated as
/// that event's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data")]
pub enum DraftChange {
    /// Boxed: an offer with its public details is several times a withdrawal's size.
    #[serde(rename = "lp.provision.offered.v1")]
    Offered(Box<ProvisionOffered>),
    #[serde(rename = "lp.provision.withdrawn.v1")]
    Withdrawn(ProvisionWithdrawn),
}

impl DraftChange {
    /// The provider whose offer the change is about.
    pub fn ukprn(&self) -> &Ukprn {
        match self {
            DraftChange::Offered(e) => &e.ukprn,
            DraftChange::Withdrawn(e) => &e.ukprn,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalMade {
    pub partnership_id: PartnershipId,
    pub proposal_id: LocalId,
    pub member_id: MemberId,
    pub title: String,
    pub kind: ProposalKind,
    pub addresses: Vec<RowKey>,
    pub changes: Vec<DraftChange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalResponded {
    pub partnership_id: PartnershipId,
    pub proposal_id: LocalId,
    pub member_id: MemberId,
    pub stance: Stance,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalDecided {
    pub partnership_id: PartnershipId,
    pub proposal_id: LocalId,
    pub decision: Decision,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}
