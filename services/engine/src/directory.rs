//! Who and what the reports name (CONTRACT section 5, v2): each provider's registration (name,
//! kind, website) and each live need's details, so that a planner reads "Sunderland College"
//! and "40 learners, employer survey" where the reports say "10006570" and "N17".
//!
//! Registrations are kept once per UKPRN, whether or not the provider has offers yet; a
//! need's details sit with the need, and go when it is withdrawn. Nothing here is kept per
//! offer.

use crate::Engine;
use crate::keys::Year;
use crate::query::Filter;
use provisio_events::vocab::{AgeGroup, AreaCode, Evidence, Level, LocalId, Mode, ProviderKind, SubjectCode, Ukprn};
use serde::Serialize;

/// A provider with live offers in a partnership; `name`, `kind` and `website` are `null`
/// until it registers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProviderRow {
    pub ukprn: Ukprn,
    pub name: Option<String>,
    pub kind: Option<ProviderKind>,
    pub website: Option<String>,
    pub live_offers: u64,
}

/// A live need of a partnership, every field as it was identified.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NeedRow {
    pub need_id: LocalId,
    pub academic_year: Year,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub learners: u32,
    pub evidence: Evidence,
    pub mode: Option<Mode>,
    pub area: Option<AreaCode>,
    pub note: Option<String>,
}

impl Engine {
    /// The providers with live offers in the partnership, by UKPRN, with their registrations.
    pub fn provider_directory(&self, id: &str) -> Option<Vec<ProviderRow>> {
        let p = self.registered(id)?;
        let rows = p.live.iter().map(|(ukprn, offers)| {
            let registration = self.world.providers.get(ukprn);
            ProviderRow {
                ukprn: ukprn.clone(),
                name: registration.map(|r| r.name.clone()),
                kind: registration.map(|r| r.kind),
                website: registration.and_then(|r| r.website.clone()),
                live_offers: offers.len() as u64,
            }
        });
        Some(rows.collect())
    }

    /// The partnership's live needs in the filter's cells, by need id.
    pub fn needs(&self, id: &str, f: &Filter) -> Option<Vec<NeedRow>> {
        let p = self.registered(id)?;
        let mut rows: Vec<NeedRow> = p
            .needs
            .iter()
            .filter(|(_, need)| f.matches(&need.cell))
            .map(|(need_id, need)| NeedRow {
                need_id: need_id.clone(),
                academic_year: need.cell.academic_year,
                subject: need.cell.subject,
                level: need.cell.level,
                age_group: need.cell.age_group,
                learners: need.learners,
                evidence: need.detail.evidence,
                mode: need.detail.mode,
                area: need.detail.area.clone(),
                note: need.detail.note.clone(),
            })
            .collect();
        rows.sort_by(|a, b| a.need_id.cmp(&b.need_id));
        Some(rows)
    }
}
