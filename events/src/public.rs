//! The payload parts of CONTRACT section 11 (the public course finder): what an offer shows the
//! public, a partnership's guidance contact, and the interest the public registers.

use crate::vocab::*;
use serde::Serialize;

/// The optional fields of an offer that only the public finder reads. Every one may be absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OfferPublic {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An `https://` address of the course's own page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Pounds, ≥ 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funding: Option<Funding>,
    /// > 0.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours_per_week: Option<f64>,
}

/// A partnership's information, advice and guidance contact; each part optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Iag {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `lp.interest.registered.v1`: someone looked for a course of this cell in this area. It
/// carries nothing about the person: no postcode, no address, no identity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InterestRegistered {
    pub area: AreaCode,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<Mode>,
    pub academic_year: AcademicYear,
}
