//! [`Image`] for the engine's own types, field by field.
//!
//! Every `put` destructures its struct without `..`: a field added to the engine's state does
//! not compile until it is written here and read back in the same order (and
//! `ENGINE_VERSION` is bumped, see `mod.rs`). Published report rows are not written: they
//! follow from the aggregates, and `Partnership::republish` rebuilds them on load.

use super::ImageError;
use super::codec::{Image, Reader, Writer, field_shape};
use crate::Engine;
use crate::keys::{Cell, Day, DuplicationKey, Year};
use crate::partnership::{CellAgg, Need, NeedDetail, Partnership, Registration, Seat};
use crate::public::PublicVenue;
use crate::rules::EffectiveRules;
use crate::targets::Target;
use crate::world::{Offer, ProviderRegistration, Report, World};
use provisio_events::vocab::{
    AgeGroup, Evidence, Funding, Level, Measure, Mode, OfferStatus, ProviderKind, SubjectCode, Vocab,
};
use provisio_events::{Iag, OfferPublic};

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
            fn shape(s: &mut String) {
                s.push_str(stringify!($t));
                values(s, <$t>::ALL.iter().map(|v| v.as_str()));
            }
        }
    )+};
}
by_index!(AgeGroup, Evidence, Funding, Level, Measure, Mode, OfferStatus, ProviderKind);

impl Image for SubjectCode {
    fn put(&self, w: &mut Writer) {
        w.byte(SubjectCode::all().position(|s| s == *self).unwrap_or_default() as u8);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        SubjectCode::all().nth(usize::from(r.byte()?)).ok_or(ImageError::Invalid("SubjectCode"))
    }
    fn shape(s: &mut String) {
        s.push_str("SubjectCode");
        let codes: Vec<SubjectCode> = SubjectCode::all().collect();
        values(s, codes.iter().map(|c| c.as_str()));
    }
}

/// A closed vocabulary's values in index order: what its byte means.
fn values<'a>(s: &mut String, values: impl Iterator<Item = &'a str>) {
    s.push('[');
    for v in values {
        s.push_str(v);
        s.push(',');
    }
    s.push(']');
}

fields!(Cell { academic_year, subject, level, age_group });
fields!(DuplicationKey { academic_year, subject, level, age_group, mode });
fields!(EffectiveRules { surplus_tolerance, viable_fill_rate, min_group_size });
fields!(Iag { name, url, phone, email });
fields!(Registration { name, areas, rules, iag });
fields!(NeedDetail { evidence, mode, area, note });
fields!(Need { cell, learners, detail });
fields!(CellAgg { demand, supply, enrolled, needs, offers, interest });
fields!(Seat { places, enrolled });
fields!(ProviderRegistration { name, kind, website });
fields!(Report { enrolled, as_of, position });
#[rustfmt::skip]
fields!(Offer {
    academic_year, venue_id, title, subject, level, age_group, mode, places, status, start_date, duration_weeks,
    lars_aim, public,
});
fields!(OfferPublic { description, url, fee, funding, hours_per_week });
fields!(PublicVenue { name, postcode, lat, lon });
#[rustfmt::skip]
fields!(World {
    offers, reports, venues, venue_details, venues_by_area, offers_by_venue, offers_by_plan, partnerships_by_area,
    providers, interest,
});

impl Image for Year {
    fn put(&self, w: &mut Writer) {
        self.0.put(w);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        u16::take(r).map(Year)
    }
    fn shape(s: &mut String) {
        s.push_str("Year(u16)");
    }
}

impl Image for Day {
    fn put(&self, w: &mut Writer) {
        self.0.put(w);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        u32::take(r).map(Day)
    }
    fn shape(s: &mut String) {
        s.push_str("Day(u32)");
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
    fn shape(s: &mut String) {
        s.push_str("Target{");
        field_shape::<Target, _>("academic_year", |x| &x.academic_year, s);
        field_shape::<Target, _>("measure", |x| &x.measure, s);
        field_shape::<Target, _>("value", |x| &x.value, s);
        field_shape::<Target, _>("subject", |x| &x.subject, s);
        field_shape::<Target, _>("level", |x| &x.level, s);
        field_shape::<Target, _>("age_group", |x| &x.age_group, s);
        field_shape::<Target, _>("title", |x| &x.title, s);
        field_shape::<Target, _>("current", |x| &x.current, s);
        s.push('}');
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
    fn shape(s: &mut String) {
        s.push_str("Partnership{");
        field_shape::<Partnership, _>("registration", |x| &x.registration, s);
        field_shape::<Partnership, _>("needs", |x| &x.needs, s);
        field_shape::<Partnership, _>("cells", |x| &x.cells, s);
        field_shape::<Partnership, _>("keys", |x| &x.keys, s);
        field_shape::<Partnership, _>("live", |x| &x.live, s);
        field_shape::<Partnership, _>("targets", |x| &x.targets, s);
        field_shape::<Partnership, _>("targets_by_year", |x| &x.targets_by_year, s);
        s.push('}');
    }
}

/// The position, then two sections of known length, the world and the partnerships' state,
/// then the table of the offer keys both refer to by number. A reader reads the table, then
/// the two sections at once on two threads; each section's own bytes must be read to the end.
/// For a million offers: the table 85 ms, the world 1.05–1.1 s, the rest 0.77–0.8 s.
impl Image for Engine {
    fn put(&self, w: &mut Writer) {
        let Engine { position, world, partnerships, plans, collab } = self;
        position.put(w);
        w.sized(|w| world.put(w));
        w.sized(|w| {
            partnerships.put(w);
            plans.put(w);
            collab.put(w);
        });
        w.offer_key_table();
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        let position = Image::take(r)?;
        let (world, rest) = (r.sized()?, r.sized()?);
        let keys = r.offer_key_table()?;
        let (world, rest) = std::thread::scope(|s| {
            let world = s.spawn(|| Reader::whole(world, &keys, World::take));
            let rest = Reader::whole(rest, &keys, |r| Ok((Image::take(r)?, Image::take(r)?, Image::take(r)?)));
            (world.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), rest)
        });
        let (partnerships, plans, collab) = rest?;
        let mut engine = Engine { position, world: world?, partnerships, plans, collab };
        engine.rederive_all();
        Ok(engine)
    }
    fn shape(s: &mut String) {
        s.push_str("Engine{");
        field_shape::<Engine, _>("position", |x| &x.position, s);
        field_shape::<Engine, _>("world", |x| &x.world, s);
        field_shape::<Engine, _>("partnerships", |x| &x.partnerships, s);
        field_shape::<Engine, _>("plans", |x| &x.plans, s);
        field_shape::<Engine, _>("collab", |x| &x.collab, s);
        s.push('}');
    }
}
