//! The planning engine: gaps, duplication, coverage and targets (CONTRACT section 3), kept up
//! to date one event at a time, and the report rows and change objects of section 5.
//!
//! Architecture invariant: this crate does no I/O, has no clock and no async. It takes
//! already-validated events with their log positions and answers with the report rows that
//! changed; storing, publishing and serving them is the services' job. It cannot fail: an
//! event that refers to something unknown (a withdrawal of an offer never made, a need of an
//! unregistered partnership) is kept or ignored as the contract says, never an error.
//!
//! Applying an event costs work in proportion to the cells, duplication keys and targets it
//! touches, not to the size of a partnership: every aggregate is kept per cell and per key,
//! and only the touched rows are recomputed and compared with the rows last published.
//!
//! [`Engine`] is cheap to clone, so a service can hand readers a snapshot while it goes on
//! applying, and to imagine drafts on (what-if). Copy-on-write (`Arc::make_mut`) works at
//! three levels: each partnership sits behind an `Arc`; each of its maps, and each map of the
//! providers' side, is split into `Arc`-shared shards (64, up to 65,536 for the maps keyed by
//! offer) at the leaves of a tree of `Arc`-shared branches (`cow.rs`); and each value in those
//! maps (a cell, a key's offers, a venue's offers) sits behind its own `Arc`. A clone copies a
//! few hundred pointers. The first write after a clone copies, for what it touches only, the
//! partnership's handful of map handles, the branches down to the shards it lands in and the
//! pointers of those shards, and the values it changes; nothing else is copied, and an engine
//! that is never cloned never copies at all.

mod apply;
mod change;
mod collab;
mod cow;
mod diff;
mod directory;
mod image;
mod interest;
mod keys;
mod partnership;
mod plan_content;
mod plans;
mod public;
mod query;
mod report;
mod rows;
mod rules;
mod targets;
mod what_if;
mod world;

pub use change::{Change, ChangeKey, ChangeKind, Row};
pub use collab::{
    Addressed, DecisionRow, FulfilmentCount, FulfilmentEntry, IgnoredRow, ImpactSummary, MemberRow, ProposalDetail,
    ProposalStatus, ProposalSummary, ResponseRow, Tally,
};
pub use diff::{Changed, Changes, Figures, RowChanges, Summary, TargetChanged, TargetChanges};
pub use directory::{NeedRow, ProviderRow};
pub use image::{ENGINE_VERSION, FORMAT_VERSION, ImageError};
pub use keys::{Cell, DuplicationKey, OfferCursor, OfferId, OfferKey, Year};
pub use plan_content::{PlanContent, PlanProgress, ProposalProgress, YearCoverage};
pub use plans::{PlanRef, PlanVersion};
pub use public::{PublicCourse, PublicVenue};
pub use query::Filter;
pub use rows::{
    CoverageCell, DuplicationOffer, DuplicationRow, DuplicationSeverity, GapOffer, GapRow, GapSeverity, InterestCell,
    OfferRow, PartnershipSummary, TargetRow,
};
pub use rules::EffectiveRules;

use collab::Collab;
use partnership::{Partnership, Touches};
use provisio_events::Event;
use provisio_events::vocab::PartnershipId;
use std::collections::BTreeMap;
use std::sync::Arc;
use world::World;

/// The state of every partnership's reports after the events applied so far.
/// Equality is structural (every map, aggregate and published row), for checking that an
/// image round-trips the state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Engine {
    position: u64,
    world: World,
    partnerships: BTreeMap<PartnershipId, Arc<Partnership>>,
    plans: plans::Plans,
    /// Members and proposals (CONTRACT section 8), of the partnerships that have any.
    collab: BTreeMap<PartnershipId, Arc<Collab>>,
}

impl Engine {
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one valid event stored at `position` (positions increase from one call to the
    /// next) and returns every report row that changed: partnerships in id order, and within
    /// each the gaps, then the duplications, then the targets, each in key order; then the
    /// proposals whose summary changed, by partnership and proposal id.
    pub fn apply(&mut self, position: u64, event: &Event) -> Vec<Change> {
        let (mut changes, touched) = self.apply_reports(position, event);
        if !self.collab.is_empty() || collab::partnership_of(&event.payload).is_some() {
            changes.extend(self.follow_proposals(position, event, touched));
        }
        changes
    }

    /// Applies the event to the reports only (what-if imagines with this), and tells which
    /// partnerships it reached when any has members or proposals.
    pub(crate) fn apply_reports(&mut self, position: u64, event: &Event) -> (Vec<Change>, Vec<PartnershipId>) {
        self.position = position;
        let mut touches = Touches::new();
        self.dispatch(position, &event.payload, &mut touches);
        let touched = if self.collab.is_empty() { Vec::new() } else { touches.keys().cloned().collect() };
        let mut changes = Vec::new();
        for (id, touch) in touches {
            if let Some(p) = self.partnerships.get_mut(&id) {
                changes.extend(Arc::make_mut(p).settle(&id, touch, position));
            }
        }
        (changes, touched)
    }

    /// The position of the last event applied, 0 before any.
    pub fn position(&self) -> u64 {
        self.position
    }
}
