//! Interest registered by the public (CONTRACT section 11): counted in the cell of every
//! partnership whose areas include the interest's area, beside demand and never in it.
//!
//! The world keeps every interest by area, so a partnership that lists an area later counts
//! what came before (see `register` in `apply`), and one that drops it stops counting it.

use crate::Engine;
use crate::keys::Cell;
use crate::partnership::{CellAgg, Partnership, Touch, Touches};
use crate::world::World;
use provisio_events::InterestRegistered;
use provisio_events::vocab::AreaCode;
use std::sync::Arc;

impl Engine {
    pub(crate) fn register_interest(&mut self, e: &InterestRegistered, touches: &mut Touches) {
        let cell = Cell {
            academic_year: (&e.academic_year).into(),
            subject: e.subject,
            level: e.level,
            age_group: e.age_group,
        };
        *self.world.interest.entry_or_default(e.area.clone()).entry(cell).or_default() += 1;
        for id in self.world.partnerships_listing(&e.area) {
            if let Some(p) = self.partnerships.get_mut(&id) {
                Arc::make_mut(p).count_interest(cell, 1, touches.entry(id).or_default());
            }
        }
    }
}

impl Engine {
    /// The registered partnerships whose areas include `area`: where interest there counts.
    pub fn partnerships_covering(&self, area: &AreaCode) -> Vec<provisio_events::vocab::PartnershipId> {
        self.world.partnerships_listing(area)
    }
}

impl World {
    /// The interest registered in an area, by cell.
    pub(crate) fn interest_in(&self, area: &AreaCode) -> Vec<(Cell, u64)> {
        self.interest.get(area).map(|m| m.iter().map(|(c, n)| (*c, *n)).collect()).unwrap_or_default()
    }
}

impl Partnership {
    /// Adds (or, with a negative `by`, takes away) interest in a cell; its gap row may change.
    pub(crate) fn count_interest(&mut self, cell: Cell, by: i64, touch: &mut Touch) {
        touch.cell(cell, self.cells.get(&cell));
        let add = |agg: &mut CellAgg| agg.interest = agg.interest.saturating_add_signed(by);
        if by >= 0 {
            add(self.cells.entry_or_default(cell));
        } else {
            self.cells.update(&cell, add, CellAgg::is_empty);
        }
    }
}
