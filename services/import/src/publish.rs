//! From an accepted plan to events, in the order they must be published: venues first (an
//! offer is live only once its venue is registered), then the offers (one curriculum per
//! provider and academic year, or one `provision.offered` per offer when partial), then
//! withdrawals. Every event goes through the contract's validation on its way out.

use crate::ImportError;
use crate::ids::event_id;
use crate::plan::Plan;
use provisio_events::vocab::{AcademicYear, Timestamp, Ukprn, Vocab};
use provisio_events::{CurriculumPublished, Event, MAX_PLAN_OFFERS, OfferSpec, Payload, ProvisionOffered};
use std::collections::BTreeMap;

pub(crate) fn events(plan: &Plan, time: &Timestamp) -> Result<Vec<Event>, ImportError> {
    let mut out = Vec::new();
    for venue in &plan.venues {
        out.push(event(Payload::VenueRegistered(venue.clone()), &venue.ukprn, time)?);
    }
    if plan.report.partial {
        for o in &plan.offers {
            let payload = ProvisionOffered {
                ukprn: o.ukprn.clone(),
                academic_year: o.academic_year.clone(),
                offer: o.offer.clone(),
            };
            out.push(event(Payload::ProvisionOffered(payload), &o.ukprn, time)?);
        }
    } else {
        let mut years: BTreeMap<(&Ukprn, &AcademicYear), Vec<OfferSpec>> = BTreeMap::new();
        for o in &plan.offers {
            years.entry((&o.ukprn, &o.academic_year)).or_default().push(o.offer.clone());
        }
        for ((ukprn, academic_year), offers) in years {
            if offers.len() > MAX_PLAN_OFFERS {
                return Err(ImportError::PlanTooLarge {
                    academic_year: academic_year.to_string(),
                    offers: offers.len(),
                });
            }
            let payload = CurriculumPublished { ukprn: ukprn.clone(), academic_year: academic_year.clone(), offers };
            out.push(event(Payload::CurriculumPublished(payload), ukprn, time)?);
        }
    }
    for w in &plan.withdrawals {
        out.push(event(Payload::ProvisionWithdrawn(w.clone()), &w.ukprn, time)?);
    }
    Ok(out)
}

/// One validated event with its content-derived id.
fn event(payload: Payload, ukprn: &Ukprn, time: &Timestamp) -> Result<Event, ImportError> {
    let event_type = payload.event_type().as_str();
    let source = format!("urn:ukprn:{ukprn}");
    let data = serde_json::to_value(&payload).map_err(|e| ImportError::Internal(e.to_string()))?;
    let json = serde_json::json!({
        "specversion": "1.0",
        "id": event_id(event_type, &source, &data),
        "source": source,
        "type": event_type,
        "time": time.as_str(),
        "datacontenttype": "application/json",
        "data": data,
    });
    provisio_events::validate(&json).map_err(|errors| {
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        ImportError::Internal(format!("a {event_type} event failed validation: {}", errors.join("; ")))
    })
}
