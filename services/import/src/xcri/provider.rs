//! The end of a provider: its UKPRN is settled and its mapped presentations become offers
//! and withdrawals of the plan, with their venues.

use super::record::{Ident, Location, Pending, PendingOffer, VenuePick, preferred};
use crate::ids::local_id_from;
use crate::options::ImportOptions;
use crate::plan::Plan;
use crate::report::Rejection;
use crate::values;
use crate::venues::VenueDraft;
use provisio_events::vocab::{LocalId, Ukprn, Vocab};

#[derive(Debug, Default)]
pub(super) struct ProviderRec {
    pub(super) line: u64,
    pub(super) ids: Vec<Ident>,
    pub(super) title: Option<String>,
    pub(super) location: Location,
    pub(super) pending: Vec<Pending>,
}

/// Why a presentation in an XCRI feed was withdrawn.
const DELETED: &str = "deleted in the XCRI-CAP feed (recstatus 3)";

/// The id of the provider's main site: from its identifier, else its name, else `MAIN`.
pub(super) fn main_venue_id(p: &ProviderRec) -> Option<LocalId> {
    preferred(&p.ids).or(p.title.as_deref()).and_then(local_id_from).or_else(|| LocalId::parse("MAIN"))
}

fn main_venue(p: &ProviderRec, venue_id: LocalId) -> VenueDraft {
    let name = p.title.as_deref().and_then(|t| values::title(t).ok()).unwrap_or_else(|| "Main site".to_owned());
    let (lat, lon) = p.location.coordinates();
    VenueDraft {
        venue_id,
        name,
        postcode: p.location.postcode.clone(),
        area: p.location.area(),
        lat,
        lon,
        synthetic: false,
    }
}

/// The provider's UKPRN: the option wins over the feed's (with a warning when they differ).
fn ukprn(p: &ProviderRec, opts: &ImportOptions, plan: &mut Plan) -> Option<Ukprn> {
    let typed = p.ids.iter().find(|i| i.kind.as_deref().is_some_and(|k| k.eq_ignore_ascii_case("ukprn")));
    let feed = typed.and_then(|i| {
        let parsed = Ukprn::parse(i.value.trim());
        if parsed.is_none() {
            plan.report.warn(Some(p.line), format!("the provider's UKPRN identifier {:?} is not a UKPRN", i.value));
        }
        parsed
    });
    match (&opts.ukprn, feed) {
        (Some(given), Some(feed)) if *given != feed => {
            plan.report
                .warn(Some(p.line), format!("the feed gives UKPRN {feed}; the given UKPRN {given} is used instead"));
            Some(given.clone())
        }
        (Some(given), _) => Some(given.clone()),
        (None, feed) => feed,
    }
}

pub(super) fn finish(mut p: ProviderRec, opts: &ImportOptions, plan: &mut Plan) {
    let pending = std::mem::take(&mut p.pending);
    let Some(ukprn) = ukprn(&p, opts, plan) else {
        for item in pending {
            let line = match item {
                Pending::Offer(o) => o.line,
                Pending::Withdrawal { line, .. } => line,
            };
            let reason = format!("its provider (line {}) has no UKPRN identifier and no UKPRN was given", p.line);
            plan.report.reject_row(vec![Rejection::new(line, Some("provider"), None, reason)]);
        }
        return;
    };
    for item in pending {
        match item {
            Pending::Withdrawal { line, offer_id } => match plan.claim_offer(&ukprn, &offer_id, line) {
                Ok(()) => plan.withdraw(ukprn.clone(), offer_id, DELETED),
                Err(first) => plan.report.reject_row(vec![duplicate(line, &offer_id, first)]),
            },
            Pending::Offer(pending) => {
                let PendingOffer { line, academic_year, offer, venue } = *pending;
                if let Err(first) = plan.claim_offer(&ukprn, &offer.offer_id, line) {
                    plan.report.reject_row(vec![duplicate(line, &offer.offer_id, first)]);
                    continue;
                }
                let venue_id = offer.venue_id.clone();
                match plan.add_offer(line, ukprn.clone(), academic_year, offer) {
                    Ok(()) => match venue {
                        VenuePick::Venue(draft) => plan.use_venue(line, &ukprn, draft, opts),
                        VenuePick::Synthetic(kind) => {
                            plan.use_synthetic(line, &ukprn, kind, opts);
                        }
                        VenuePick::Main => plan.use_venue(line, &ukprn, main_venue(&p, venue_id), opts),
                    },
                    Err(problems) => plan.report.reject_row(problems),
                }
            }
        }
    }
}

fn duplicate(line: u64, id: &LocalId, first: u64) -> Rejection {
    Rejection::new(
        line,
        Some("dc:identifier"),
        Some(id.as_str()),
        format!("the presentation id is already used on line {first}"),
    )
}
