//! Rows of a Course Directory venue upload, each to one `venue.registered`.
//!
//! A venue file exists to register venues, so here a venue whose area cannot be found is a
//! rejected row (column `AREA`), not an entry of `venues_without_area`.

use crate::options::ImportOptions;
use crate::plan::Plan;
use crate::postcodes::normalise_postcode;
use crate::table::{Cell, Row};
use crate::values;
use crate::venues::resolve_area;
use provisio_events::VenueRegistered;
use provisio_events::vocab::{AreaCode, LocalId, Ukprn, Vocab};
use std::collections::HashMap;

/// Columns of a Course Directory venue upload, plus Provisio's `AREA`.
pub const VENUE_COLUMNS: &[&str] = &[
    "YOUR_VENUE_REFERENCE",
    "VENUE_NAME",
    "ADDRESS_LINE_1",
    "ADDRESS_LINE_2",
    "TOWN_OR_CITY",
    "COUNTY",
    "POSTCODE",
    "EMAIL",
    "PHONE",
    "WEBSITE",
    "AREA",
];

/// Columns a venue file needs, given what the options fill in.
pub(crate) fn required_columns(opts: &ImportOptions) -> Vec<&'static str> {
    let mut columns = vec!["YOUR_VENUE_REFERENCE", "VENUE_NAME", "POSTCODE"];
    if opts.default_area.is_none() && opts.postcodes.is_empty() {
        columns.push("AREA");
    }
    columns
}

pub(crate) struct Venues<'a> {
    ukprn: &'a Ukprn,
    opts: &'a ImportOptions,
    /// The line of the first row naming each reference, accepted or not.
    claims: HashMap<LocalId, u64>,
}

impl<'a> Venues<'a> {
    pub(crate) fn new(ukprn: &'a Ukprn, opts: &'a ImportOptions) -> Self {
        Self { ukprn, opts, claims: HashMap::new() }
    }

    pub(crate) fn row(&mut self, r: &mut Row<'_, '_>, plan: &mut Plan) {
        let venue_id = r.required("YOUR_VENUE_REFERENCE").and_then(|v| {
            let id = r.check(
                "YOUR_VENUE_REFERENCE",
                v,
                LocalId::parse(v).ok_or_else(|| format!("is not {}", LocalId::EXPECTED)),
            )?;
            match self.claims.get(&id) {
                Some(first) => {
                    r.fail("YOUR_VENUE_REFERENCE", Some(v), format!("the reference is already used on line {first}"));
                    None
                }
                None => {
                    self.claims.insert(id.clone(), r.line);
                    Some(id)
                }
            }
        });
        let name = r.required("VENUE_NAME").and_then(|v| r.check("VENUE_NAME", v, values::title(v)));
        let postcode = r.required("POSTCODE").and_then(|v| {
            let p = normalise_postcode(v);
            r.check("POSTCODE", v, if p.len() <= 16 { Ok(p) } else { Err("is longer than 16 characters".to_owned()) })
        });
        let area = match r.cell("AREA") {
            Cell::Value(v) => {
                r.check("AREA", v, AreaCode::parse(v).ok_or_else(|| format!("is not {}", AreaCode::EXPECTED)))
            }
            _ => match &postcode {
                Some(p) => {
                    let area = resolve_area(None, Some(p), false, self.opts);
                    area.map_err(|reason| r.fail("AREA", None, reason)).ok()
                }
                None => None,
            },
        };
        if let (Some(venue_id), Some(name), Some(postcode), Some(area)) = (venue_id, name, postcode, area)
            && r.problems.is_empty()
        {
            let venue =
                VenueRegistered { ukprn: self.ukprn.clone(), venue_id, name, postcode, area, lat: None, lon: None };
            plan.define_venue(r.line, venue);
        }
    }
}
