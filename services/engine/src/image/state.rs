//! [`Image`] for the engine's own types, field by field.
//!
//! Every `put` destructures its struct without `..`: a field added to the engine's state does
//! not compile until it is written here and read back in the same order (and
//! `ENGINE_VERSION` is bumped, see `mod.rs`). Published report rows are not written: they
//! follow from the aggregates, and `Partnership::republish` rebuilds them on load.

use super::ImageError;
use super::codec::{Image, Reader, Writer};
use crate::Engine;
use crate::keys::{Cell, Day, DuplicationKey, Year};
use crate::partnership::{CellAgg, Need, NeedDetail, Partnership, Registration, Seat};
use crate::rules::EffectiveRules;
use crate::targets::Target;
use crate::world::{Offer, ProviderRegistration, Report, World};
use provisio_events::vocab::{AgeGroup, Evidence, Level, Measure, Mode, OfferStatus, ProviderKind, SubjectCode};

/// Closed vocabularies as their index in the list of values: one byte each.
macro_rules! by_index {
    ($($t:ty),+) => {$(
        impl Image for $t {
            fn put(&self, w: &mut Writer) {
                let i = <$t>::ALL.iter().position(|v| v == self).unwrap_or_default();
                w.byte(i as u8);
            }
            fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
                <$t>::ALL.get(usize::from(r.byte()?)).copied().ok_or(ImageError::Invalid(stringify!($t)))
            }
        }
    )+};
}
by_index!(AgeGroup, Evidence, Level, Measure, Mode, OfferStatus, ProviderKind);

impl Image for SubjectCode {
    fn put(&self, w: &mut Writer) {
        w.byte(SubjectCode::all().position(|s| s == *self).unwrap_or_default() as u8);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        SubjectCode::all().nth(usize::from(r.byte()?)).ok_or(ImageError::Invalid("SubjectCode"))
    }
}

/// Writes the listed fields in order, reads them back in the same order into the struct:
/// `fields!(Type { a, b, c })`. The destructuring has no `..`, so a new field is a compile
/// error here until it is listed.
macro_rules! fields {
    ($t:ident { $($f:ident),+ $(,)? }) => {
        impl Image for $t {
            fn put(&self, w: &mut Writer) {
                let $t { $($f),+ } = self;
                $($f.put(w);)+
            }
            fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
                Ok($t { $($f: Image::take(r)?),+ })
            }
        }
    };
}

fields!(Cell { academic_year, subject, level, age_group });
fields!(DuplicationKey { academic_year, subject, level, age_group, mode });
fields!(EffectiveRules { surplus_tolerance, viable_fill_rate, min_group_size });
fields!(Registration { name, areas, rules });
fields!(NeedDetail { evidence, mode, area, note });
fields!(Need { cell, learners, detail });
fields!(CellAgg { demand, supply, enrolled, needs, offers });
fields!(Seat { places, enrolled });
fields!(ProviderRegistration { name, kind, website });
fields!(Report { enrolled, as_of, position });
#[rustfmt::skip]
fields!(Offer {
    academic_year, venue_id, title, subject, level, age_group, mode, places, status, start_date, duration_weeks,
    lars_aim,
});
#[rustfmt::skip]
fields!(World {
    offers, reports, venues, venues_by_area, offers_by_venue, offers_by_plan, partnerships_by_area, providers,
});

impl Image for Year {
    fn put(&self, w: &mut Writer) {
        self.0.put(w);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        u16::take(r).map(Year)
    }
}

impl Image for Day {
    fn put(&self, w: &mut Writer) {
        self.0.put(w);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        u32::take(r).map(Day)
    }
}

/// The row last shown (`shown`) is not written: `republish` rebuilds it.
impl Image for Target {
    fn put(&self, w: &mut Writer) {
        let Target { academic_year, measure, value, subject, level, age_group, title, current, shown: _ } = self;
        academic_year.put(w);
        measure.put(w);
        value.put(w);
        subject.put(w);
        level.put(w);
        age_group.put(w);
        title.put(w);
        current.put(w);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        Ok(Target {
            academic_year: Image::take(r)?,
            measure: Image::take(r)?,
            value: Image::take(r)?,
            subject: Image::take(r)?,
            level: Image::take(r)?,
            age_group: Image::take(r)?,
            title: Image::take(r)?,
            current: Image::take(r)?,
            shown: None,
        })
    }
}

/// The published rows (`gaps`, `duplications`) are not written: `republish` rebuilds them.
impl Image for Partnership {
    fn put(&self, w: &mut Writer) {
        let Partnership { registration, needs, cells, keys, live, gaps: _, duplications: _, targets, targets_by_year } =
            self;
        registration.put(w);
        needs.put(w);
        cells.put(w);
        keys.put(w);
        live.put(w);
        targets.put(w);
        targets_by_year.put(w);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        let mut p = Partnership {
            registration: Image::take(r)?,
            needs: Image::take(r)?,
            cells: Image::take(r)?,
            keys: Image::take(r)?,
            live: Image::take(r)?,
            gaps: Default::default(),
            duplications: Default::default(),
            targets: Image::take(r)?,
            targets_by_year: Image::take(r)?,
        };
        p.republish();
        Ok(p)
    }
}

impl Image for Engine {
    fn put(&self, w: &mut Writer) {
        let Engine { position, world, partnerships } = self;
        position.put(w);
        world.put(w);
        partnerships.put(w);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        Ok(Engine { position: Image::take(r)?, world: Image::take(r)?, partnerships: Image::take(r)? })
    }
}
