//! The payloads of the provider family (`provider.*`, `venue.*`, `provision.*`, `curriculum.*`,
//! `enrolment.*`): events whose source is a provider.

use super::{MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_PLAN_OFFERS, Obj, Path, Validator};
use crate::error::{ErrorCode, quote};
use crate::event::*;
use crate::vocab::*;
use std::collections::HashSet;

impl Validator {
    pub(super) fn provider_payload(&mut self, t: EventType, d: &Obj<'_, '_>, ukprn: Ukprn) -> Option<Payload> {
        Some(match t {
            EventType::ProviderRegistered => {
                let name = self.req_text(d, "name", MAX_NAME_CHARS);
                let kind = self.req_vocab::<ProviderKind>(d, "kind");
                let website = self.v2(|v| v.opt_url(d, "website"));
                let phone = self.v2(|v| v.opt_phone(d, "phone"));
                Payload::ProviderRegistered(ProviderRegistered {
                    ukprn,
                    name: name?,
                    kind: kind?,
                    website: website?,
                    phone: phone?,
                })
            }
            EventType::VenueRegistered => {
                let venue_id = self.req_vocab::<LocalId>(d, "venue_id");
                let name = self.req_text(d, "name", MAX_NAME_CHARS);
                let postcode = self.req_text(d, "postcode", 16);
                let area = self.req_vocab::<AreaCode>(d, "area");
                let lat = self.opt_number(d, "lat", -90.0..=90.0, "a latitude from -90 to 90");
                let lon = self.opt_number(d, "lon", -180.0..=180.0, "a longitude from -180 to 180");
                Payload::VenueRegistered(VenueRegistered {
                    ukprn,
                    venue_id: venue_id?,
                    name: name?,
                    postcode: postcode?,
                    area: area?,
                    lat: lat?,
                    lon: lon?,
                })
            }
            EventType::ProvisionOffered => {
                let academic_year = self.req_vocab::<AcademicYear>(d, "academic_year");
                let offer = self.offer(d);
                Payload::ProvisionOffered(ProvisionOffered { ukprn, academic_year: academic_year?, offer: offer? })
            }
            EventType::ProvisionWithdrawn => {
                let offer_id = self.req_vocab::<LocalId>(d, "offer_id");
                let reason = self.opt_text(d, "reason", MAX_NOTE_CHARS);
                Payload::ProvisionWithdrawn(ProvisionWithdrawn { ukprn, offer_id: offer_id?, reason: reason? })
            }
            EventType::EnrolmentReported => {
                let offer_id = self.req_vocab::<LocalId>(d, "offer_id");
                let enrolled = self.req_integer(d, "enrolled", 0);
                let as_of = self.req_vocab::<Date>(d, "as_of");
                Payload::EnrolmentReported(EnrolmentReported {
                    ukprn,
                    offer_id: offer_id?,
                    enrolled: enrolled?,
                    as_of: as_of?,
                })
            }
            EventType::CurriculumPublished => {
                let academic_year = self.req_vocab::<AcademicYear>(d, "academic_year");
                let offers = self.plan_offers(d);
                Payload::CurriculumPublished(CurriculumPublished {
                    ukprn,
                    academic_year: academic_year?,
                    offers: offers?,
                })
            }
            _ => unreachable!("partnership event types are handled by partnership_payload"),
        })
    }

    pub(super) fn plan_offers(&mut self, d: &Obj<'_, '_>) -> Option<Vec<OfferSpec>> {
        let path = d.at("offers");
        let items = self.required(d, "offers").and_then(|v| self.array(path, v))?;
        if items.len() > MAX_PLAN_OFFERS {
            self.err(
                ErrorCode::InvalidValue,
                path.to_string(),
                format!("lists {} offers; at most {MAX_PLAN_OFFERS} are allowed", items.len()),
            );
            return None;
        }
        let mut seen = HashSet::new();
        let mut offers = Vec::with_capacity(items.len());
        let mut complete = true;
        for (i, item) in items.iter().enumerate() {
            let item_path = Path::Item(&path, i);
            let Some(o) = self.object(item_path, item) else {
                complete = false;
                continue;
            };
            match self.offer(&o) {
                Some(offer) => {
                    if !seen.insert(offer.offer_id.clone()) {
                        self.err(
                            ErrorCode::DuplicateOfferId,
                            o.at("offer_id").to_string(),
                            format!("{} is listed twice in this plan", quote(offer.offer_id.as_str())),
                        );
                        complete = false;
                    }
                    offers.push(offer);
                }
                None => complete = false,
            }
        }
        complete.then_some(offers)
    }

    pub(super) fn offer(&mut self, o: &Obj<'_, '_>) -> Option<OfferSpec> {
        let offer_id = self.req_vocab::<LocalId>(o, "offer_id");
        let venue_id = self.req_vocab::<LocalId>(o, "venue_id");
        let title = self.req_text(o, "title", MAX_NAME_CHARS);
        let subject = self.req_vocab::<SubjectCode>(o, "subject");
        let level = self.req_vocab::<Level>(o, "level");
        let age_group = self.req_vocab::<AgeGroup>(o, "age_group");
        let mode = self.req_vocab::<Mode>(o, "mode");
        let places = self.req_integer(o, "places", 1);
        let status = self.opt_vocab::<OfferStatus>(o, "status");
        let start_date = self.opt_vocab::<Date>(o, "start_date");
        let duration_weeks = self.opt_integer(o, "duration_weeks", 1);
        let lars_aim = self.opt_text(o, "lars_aim", 32);
        let public = self.offer_public(o);
        Some(OfferSpec {
            offer_id: offer_id?,
            venue_id: venue_id?,
            title: title?,
            subject: subject?,
            level: level?,
            age_group: age_group?,
            mode: mode?,
            places: places?,
            status: status?.unwrap_or(OfferStatus::Confirmed),
            start_date: start_date?,
            duration_weeks: duration_weeks?,
            lars_aim: lars_aim?,
            public: public?,
        })
    }
}
