//! Venues: where their area comes from, the synthetic venues of offers with no place of
//! their own, and venues that cannot be registered.
//!
//! The contract registers a venue only with an area, and counts an offer for a partnership
//! only through its venue's area. A venue's area is its `AREA` where the file gives one, else
//! the postcode lookup, else `default_area`. A venue left without one is not registered (the
//! contract cannot hold it); it is listed in the report with its offers, which are published
//! all the same and become live once the venue is registered with an area.

use crate::options::ImportOptions;
use crate::plan::{Plan, VenueSlot};
use crate::postcodes::normalise_postcode;
use crate::report::{VenueReference, VenueWithoutArea};
use provisio_events::VenueRegistered;
use provisio_events::vocab::{AreaCode, LocalId, Mode, Ukprn, Vocab};

/// Venue id of a provider's online offers that name no venue.
pub const ONLINE_VENUE_ID: &str = "ONLINE";
/// Venue id of a provider's work-based offers that name no venue.
pub const WORKPLACE_VENUE_ID: &str = "WORKPLACE";
/// Postcode of the synthetic venues: the ILR's "postcode not known", since the contract
/// requires a postcode and an online offer has none.
pub const SYNTHETIC_VENUE_POSTCODE: &str = "ZZ99 9ZZ";

/// A venue as a file describes it, before its area is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct VenueDraft {
    pub(crate) venue_id: LocalId,
    pub(crate) name: String,
    pub(crate) postcode: Option<String>,
    pub(crate) area: Option<AreaCode>,
    pub(crate) lat: Option<f64>,
    pub(crate) lon: Option<f64>,
    /// One of the [`Synthetic`] venues, whose area never comes from its (pseudo) postcode.
    pub(crate) synthetic: bool,
}

/// The place of an offer delivered away from any venue, registered per provider with
/// `default_area` and [`SYNTHETIC_VENUE_POSTCODE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Synthetic {
    Online,
    Workplace,
}

impl Synthetic {
    pub(crate) fn for_mode(mode: Mode) -> Option<Self> {
        match mode {
            Mode::Distance => Some(Self::Online),
            Mode::WorkBased => Some(Self::Workplace),
            Mode::FullTime | Mode::PartTime => None,
        }
    }

    pub(crate) fn id(self) -> Option<LocalId> {
        LocalId::parse(match self {
            Self::Online => ONLINE_VENUE_ID,
            Self::Workplace => WORKPLACE_VENUE_ID,
        })
    }

    fn draft(self) -> Option<VenueDraft> {
        let name = match self {
            Self::Online => "Online delivery",
            Self::Workplace => "Work-based delivery at employers' premises",
        };
        Some(VenueDraft {
            venue_id: self.id()?,
            name: name.to_owned(),
            postcode: Some(SYNTHETIC_VENUE_POSTCODE.to_owned()),
            area: None,
            lat: None,
            lon: None,
            synthetic: true,
        })
    }
}

/// The area of a venue, or why it has none.
pub(crate) fn resolve_area(
    explicit: Option<&AreaCode>,
    postcode: Option<&str>,
    synthetic: bool,
    opts: &ImportOptions,
) -> Result<AreaCode, String> {
    if let Some(area) = explicit {
        return Ok(area.clone());
    }
    let looked_up = if synthetic { None } else { postcode.and_then(|p| opts.postcodes.get(p)) };
    if let Some(area) = looked_up.or(opts.default_area.as_ref()) {
        return Ok(area.clone());
    }
    Err(match (synthetic, postcode) {
        (true, _) => "a synthetic venue takes its area from the default area, and none was given".to_owned(),
        (false, Some(p)) => {
            format!("no AREA, postcode {p} is not in the postcode lookup, and no default area was given")
        }
        (false, None) => "no AREA, no postcode, and no default area was given".to_owned(),
    })
}

impl Plan {
    /// Registers the venue of an accepted offer, once per (UKPRN, venue id); later
    /// descriptions that differ from the first only raise a warning.
    pub(crate) fn use_venue(&mut self, line: u64, ukprn: &Ukprn, draft: VenueDraft, opts: &ImportOptions) {
        let postcode = draft.postcode.as_deref().map(normalise_postcode).filter(|p| !p.is_empty() && p.len() <= 16);
        let area = match postcode {
            None if draft.postcode.is_some() => Err("its postcode is empty or longer than 16 characters".to_owned()),
            None if draft.area.is_some() => {
                Err("it has an AREA but no postcode, and the contract needs both".to_owned())
            }
            _ => resolve_area(draft.area.as_ref(), postcode.as_deref(), draft.synthetic, opts),
        };
        let key = (ukprn.clone(), draft.venue_id.clone());
        if let Some(slot) = self.venue_slots.get(&key).copied() {
            let same = match (slot.registered, &area, &postcode) {
                (Some(i), Ok(a), Some(p)) => {
                    self.venues.get(i).is_some_and(|v| v.name == draft.name && &v.postcode == p && &v.area == a)
                }
                (None, Err(_), _) => true,
                _ => false,
            };
            if !same {
                self.report.warn(
                    Some(line),
                    format!(
                        "venue {} is described differently here than on line {}; the first description is kept",
                        draft.venue_id, slot.line
                    ),
                );
            }
            return;
        }
        let registered = match (area, postcode) {
            (Ok(area), Some(postcode)) => {
                self.venues.push(VenueRegistered {
                    ukprn: ukprn.clone(),
                    venue_id: draft.venue_id.clone(),
                    name: draft.name,
                    postcode,
                    area,
                    lat: draft.lat,
                    lon: draft.lon,
                });
                self.report.venues += 1;
                Some(self.venues.len() - 1)
            }
            (area, postcode) => {
                self.unregistered.push(VenueWithoutArea {
                    line,
                    ukprn: ukprn.to_string(),
                    venue_id: draft.venue_id.to_string(),
                    name: draft.name,
                    postcode,
                    reason: area.err().unwrap_or_else(|| "it has no postcode".to_owned()),
                    offers: 0,
                });
                None
            }
        };
        self.venue_slots.insert(key, VenueSlot { line, registered });
    }

    /// The id of the provider's synthetic venue for an offer away from any venue, registered
    /// on first use.
    pub(crate) fn use_synthetic(
        &mut self,
        line: u64,
        ukprn: &Ukprn,
        kind: Synthetic,
        opts: &ImportOptions,
    ) -> Option<LocalId> {
        let draft = kind.draft()?;
        let id = draft.venue_id.clone();
        self.use_venue(line, ukprn, draft, opts);
        Some(id)
    }

    /// Registers a venue of a venue file, whose row was checked already (references
    /// included: the venue file's rows claim them).
    pub(crate) fn define_venue(&mut self, line: u64, venue: VenueRegistered) {
        let key = (venue.ukprn.clone(), venue.venue_id.clone());
        self.venues.push(venue);
        self.report.venues += 1;
        self.venue_slots.insert(key, VenueSlot { line, registered: Some(self.venues.len() - 1) });
    }

    /// Notes a venue an accepted offer names that the file does not describe.
    pub(crate) fn refer_to_venue(&mut self, line: u64, ukprn: &Ukprn, venue_id: &LocalId, name: Option<&str>) {
        let references = &mut self.report.referenced_venues;
        let at = *self.venue_references.entry((ukprn.clone(), venue_id.clone())).or_insert_with(|| {
            references.push(VenueReference {
                line,
                ukprn: ukprn.to_string(),
                venue_id: venue_id.to_string(),
                name: name.map(str::to_owned),
                offers: 0,
            });
            references.len() - 1
        });
        if let Some(reference) = references.get_mut(at) {
            reference.offers += 1;
        }
    }

    /// Reports each venue left without an area, with the accepted offers at it.
    pub(crate) fn report_unregistered_venues(&mut self) {
        for mut v in std::mem::take(&mut self.unregistered) {
            v.offers = self
                .offers
                .iter()
                .filter(|o| o.ukprn.as_str() == v.ukprn && o.offer.venue_id.as_str() == v.venue_id)
                .count();
            self.report.venue_without_area(v);
        }
    }
}
