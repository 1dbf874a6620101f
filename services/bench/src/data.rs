//! The benchmark's dataset: partnerships, providers, venues, offers, enrolments, withdrawals,
//! needs and targets, generated deterministically (xorshift64*, like the demo's generator) as
//! CloudEvents with their JetStream subjects. It also keeps the live offers, so the plain SQL
//! baseline can be loaded with exactly what the engine holds.
use crate::finder;
use provisio::demo::Rng;
use provisio_events::vocab::{SubjectCode, Vocab};

use serde_json::json;

/// One event ready to publish or store.
#[derive(Clone)]
pub(crate) struct Ev {
    pub(crate) id: String,
    pub(crate) source: String,
    pub(crate) event_type: &'static str,
    pub(crate) subject: String,
    pub(crate) body: bytes::Bytes,
    /// The producer group it belongs to (per provider or partnership), so one producer
    /// publishes all of an owner's events in order.
    pub(crate) owner: usize,
}

/// A live offer as the engine sees it, for the SQL baseline.
#[derive(Clone)]
pub(crate) struct LiveOffer {
    pub(crate) partnership: u32,
    pub(crate) ukprn: u32,
    pub(crate) year: &'static str,
    pub(crate) subject: &'static str,
    pub(crate) level: &'static str,
    pub(crate) age: &'static str,
    pub(crate) mode: &'static str,
    pub(crate) places: u32,
}

pub(crate) struct LiveNeed {
    pub(crate) partnership: u32,
    pub(crate) year: &'static str,
    pub(crate) subject: &'static str,
    pub(crate) level: &'static str,
    pub(crate) age: &'static str,
    pub(crate) learners: u32,
}

const SUBJECTS: &[&str] = &[
    "1.2", "1.3", "1.5", "2.1", "2.2", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "4.3", "5.2", "6.1", "6.2", "7.4",
    "8.1", "9.1", "9.2", "9.3", "10.1", "10.3", "11.2", "11.4", "12.1", "12.2", "14.1", "14.2", "15.2", "15.3",
];
const LEVELS: &[&str] = &["entry", "1", "2", "2", "3", "3", "3", "4"];
const AGES: &[&str] = &["16-18", "16-18", "19+", "19+", "14-16"];
const MODES: &[&str] = &["full-time", "full-time", "part-time", "part-time", "work-based", "distance"];
const YEARS: &[&str] = &["2025/26", "2026/27"];
const KINDS: &[&str] =
    &["fe-college", "sixth-form-college", "school", "training-provider", "adult-community", "employer"];
const EVIDENCE: &[&str] = &["employer-survey", "labour-market", "learner-survey", "careers-service", "lsc", "other"];

pub(crate) fn partnership_id(p: u32) -> String {
    format!("lp-{p:03}")
}

/// The live provider's venue in partnership `p`.
fn live_venue(p: u32) -> String {
    format!("LIVE-{p}")
}

fn area(p: u32) -> String {
    format!("E07{:06}", 100 + p)
}

pub(crate) fn ukprn(i: u32) -> u32 {
    10_000_000 + i
}

/// The generator's state: what has been emitted and what is live.
pub(crate) struct World {
    rng: Rng,
    partnerships: u32,
    providers: u32,
    next_id: u64,
    /// (partnership of the venue) per provider and venue index.
    venues: Vec<[u32; 2]>,
    /// Live offers by (provider, offer number); None once withdrawn.
    pub(crate) offers: Vec<Vec<Option<LiveOffer>>>,
    pub(crate) needs: Vec<LiveNeed>,
    pub(crate) live_offers: usize,
    /// The next provider that gets a new offer in `more_offers`.
    cursor: u32,
}

impl World {
    pub(crate) fn new(partnerships: u32, providers: u32) -> Self {
        Self {
            rng: Rng(0x9E37_79B9_7F4A_7C15),
            partnerships: partnerships.max(1),
            providers: providers.max(1),
            next_id: 0,
            venues: Vec::new(),
            offers: vec![Vec::new(); providers.max(1) as usize],
            needs: Vec::new(),
            live_offers: 0,
            cursor: 0,
        }
    }

    fn emit(
        &mut self,
        out: &mut Vec<Ev>,
        owner: usize,
        source: String,
        event_type: &'static str,
        data: serde_json::Value,
    ) {
        self.next_id += 1;
        let n = self.next_id;
        let id = format!("bench-{n:09}");
        let body = json!({
            "specversion": "1.0",
            "id": id,
            "source": source,
            "type": event_type,
            "time": format!("2026-09-{:02}T{:02}:{:02}:{:02}Z", 1 + (n / 86_400) % 28, (n / 3600) % 24, (n / 60) % 60, n % 60),
            "datacontenttype": "application/json",
            "data": data,
        });
        let (kind, who) = match source.strip_prefix("urn:ukprn:") {
            Some(u) => ("provider", u.to_owned()),
            None => ("partnership", source.trim_start_matches("urn:lp:").to_owned()),
        };
        let subject = format!("lp.v1.{kind}.{who}.{event_type}");
        out.push(Ev { id, source, event_type, subject, body: bytes::Bytes::from(body.to_string()), owner });
    }

    /// Registrations of every partnership and provider with its venues, needs and targets,
    /// then offers, enrolments and withdrawals until `total` events.
    pub(crate) fn dataset(&mut self, total: usize) -> Vec<Ev> {
        let mut out = Vec::with_capacity(total + 16);
        for p in 0..self.partnerships {
            let id = partnership_id(p);
            self.emit(
                &mut out,
                owner_of_partnership(p),
                format!("urn:lp:{id}"),
                "lp.partnership.registered.v1",
                json!({"partnership_id": id, "name": format!("Learning Partnership {p}"), "areas": [area(p)]}),
            );
        }
        for i in 0..self.providers {
            let u = ukprn(i);
            let home = i % self.partnerships;
            let other = if self.rng.below(4) == 0 { (home + 1) % self.partnerships } else { home };
            self.venues.push([home, other]);
            let source = format!("urn:ukprn:{u}");
            self.emit(&mut out, i as usize, source.clone(), "lp.provider.registered.v1",
                json!({"ukprn": u.to_string(), "name": format!("Provider {i}"), "kind": KINDS[(i as usize) % KINDS.len()]}));
            for (v, p) in [home, other].into_iter().enumerate() {
                let (postcode, (lat, lon)) = venue_place(i, v, p);
                self.emit(&mut out, i as usize, source.clone(), "lp.venue.registered.v1",
                    json!({"ukprn": u.to_string(), "venue_id": format!("V{v}"), "name": format!("Campus {v} of provider {i}"),
                           "postcode": postcode, "area": area(p), "lat": lat, "lon": lon}));
            }
        }
        for p in 0..self.partnerships {
            let id = partnership_id(p);
            for n in 0..24 {
                let (year, subject, level, age) = (
                    *self.rng.pick(YEARS),
                    *self.rng.pick(SUBJECTS),
                    *self.rng.pick(&LEVELS[1..]),
                    *self.rng.pick(AGES),
                );
                let learners = 10 + self.rng.below(200) as u32;
                self.needs.push(LiveNeed { partnership: p, year, subject, level, age, learners });
                let evidence = *self.rng.pick(EVIDENCE);
                self.emit(&mut out, owner_of_partnership(p), format!("urn:lp:{id}"), "lp.need.identified.v1",
                    json!({"partnership_id": id, "need_id": format!("N{n}"), "subject": subject, "level": level, "age_group": age,
                           "academic_year": year, "learners": learners, "evidence": evidence}));
            }
            for t in 0..4 {
                self.emit(&mut out, owner_of_partnership(p), format!("urn:lp:{id}"), "lp.target.set.v1",
                    json!({"partnership_id": id, "target_id": format!("T{t}"), "academic_year": YEARS[1], "measure": if t % 2 == 0 { "places" } else { "enrolled" },
                           "value": 100 + 50 * t, "subject": SUBJECTS[t as usize * 3]}));
            }
        }
        while out.len() < total {
            let i = self.rng.below(self.providers as u64) as u32;
            let roll = self.rng.below(10);
            let existing = self.offers[i as usize].len();
            if roll < 2 && existing > 0 {
                let o = self.rng.below(existing as u64) as usize;
                let source = format!("urn:ukprn:{}", ukprn(i));
                let enrolled = self.rng.below(30);
                self.emit(&mut out, i as usize, source, "lp.enrolment.reported.v1",
                    json!({"ukprn": ukprn(i).to_string(), "offer_id": format!("O{o}"), "enrolled": enrolled, "as_of": "2026-10-15"}));
            } else if roll < 3 && existing > 0 {
                let o = self.rng.below(existing as u64) as usize;
                if self.offers[i as usize][o].take().is_some() {
                    self.live_offers -= 1;
                }
                let source = format!("urn:ukprn:{}", ukprn(i));
                self.emit(
                    &mut out,
                    i as usize,
                    source,
                    "lp.provision.withdrawn.v1",
                    json!({"ukprn": ukprn(i).to_string(), "offer_id": format!("O{o}"), "reason": "too few applicants"}),
                );
            } else {
                self.offer(&mut out, i);
            }
        }
        out
    }

    /// A new offer of provider `i`.
    fn offer(&mut self, out: &mut Vec<Ev>, i: u32) {
        let o = self.offers[i as usize].len();
        let v = self.rng.below(2) as usize;
        let p = self.venues[i as usize][v];
        let (year, subject, level, age, mode) = (
            *self.rng.pick(YEARS),
            *self.rng.pick(SUBJECTS),
            *self.rng.pick(LEVELS),
            *self.rng.pick(AGES),
            *self.rng.pick(MODES),
        );
        let places = 8 + self.rng.below(23) as u32;
        let u = ukprn(i);
        let offer = LiveOffer { partnership: p, ukprn: u, year, subject, level, age, mode, places };
        self.emit(out, i as usize, format!("urn:ukprn:{u}"), "lp.provision.offered.v1", offer_data(&offer, o, v));
        self.offers[i as usize].push(Some(offer));
        self.live_offers += 1;
    }

    /// Up to `n` what-if drafts (CONTRACT section 10): the live offers of partnership `p`
    /// offered again with 20 more places each, as a JSON array of events without `id` or
    /// `time`, as a planner's drafts come.
    pub(crate) fn what_if_drafts(&self, p: u32, n: usize) -> serde_json::Value {
        let drafts = self.offers.iter().enumerate().flat_map(|(i, offers)| {
            offers.iter().enumerate().filter_map(move |(o, live)| Some((i, o, live.as_ref()?)))
        });
        let drafts = drafts.filter(|(_, _, live)| live.partnership == p).take(n).map(|(i, o, live)| {
            let v = usize::from(self.venues[i][0] != p);
            let data = offer_data(&LiveOffer { places: live.places + 20, ..live.clone() }, o, v);
            json!({"specversion": "1.0", "source": format!("urn:ukprn:{}", live.ukprn), "type": "lp.provision.offered.v1",
                   "datacontenttype": "application/json", "data": data})
        });
        serde_json::Value::Array(drafts.collect())
    }

    /// New offers, round-robin over providers, until `live` offers are live and at least
    /// `events` more events were made.
    pub(crate) fn more_offers(&mut self, live: usize, events: usize) -> Vec<Ev> {
        let mut out = Vec::new();
        while self.live_offers < live || out.len() < events {
            let i = self.cursor % self.providers;
            self.cursor += 1;
            self.offer(&mut out, i);
        }
        out
    }

    /// The live provider, with a venue and an unmet need in each of the first `partnerships`
    /// partnerships, for `live_event`.
    pub(crate) fn live_setup(&mut self, partnerships: u32) -> Vec<Ev> {
        let mut out = Vec::new();
        let u = 19_999_999u32;
        let source = format!("urn:ukprn:{u}");
        let owner = usize::MAX;
        self.emit(
            &mut out,
            owner,
            source.clone(),
            "lp.provider.registered.v1",
            json!({"ukprn": u.to_string(), "name": "Live test provider", "kind": "employer"}),
        );
        for p in 0..partnerships {
            self.emit(&mut out, owner, source.clone(), "lp.venue.registered.v1",
                json!({"ukprn": u.to_string(), "venue_id": live_venue(p), "name": "Live test venue", "postcode": "SR1 3AD", "area": area(p)}));
            let id = partnership_id(p);
            self.emit(
                &mut out,
                owner,
                format!("urn:lp:{id}"),
                "lp.need.identified.v1",
                json!({"partnership_id": id, "need_id": "N-LIVE", "subject": "4.1", "level": "3", "age_group": "16-18",
                       "academic_year": "2026/27", "learners": 1_000_000, "evidence": "labour-market"}),
            );
        }
        out
    }

    /// The `k`th live event, in partnership `k mod partnerships` (turn by turn): one of its 64
    /// live offers, with places that differ from that offer's last value, so the partnership's
    /// gap row changes at every position.
    pub(crate) fn live_event(&mut self, k: u64, partnerships: u32) -> Ev {
        let mut out = Vec::with_capacity(1);
        let u = "19999999";
        let n = u64::from(partnerships.max(1));
        // Below `partnerships`, so the narrowing cast cannot lose anything.
        let (p, turn) = ((k % n) as u32, k / n);
        let places = 10 + (turn / 64) % 2;
        self.emit(&mut out, usize::MAX, format!("urn:ukprn:{u}"), "lp.provision.offered.v1",
            json!({"ukprn": u, "academic_year": "2026/27", "offer_id": format!("LIVE-{p}-{}", turn % 64), "venue_id": live_venue(p),
                   "title": "Engineering (Level 3)", "subject": "4.1", "level": "3", "age_group": "16-18",
                   "mode": "work-based", "places": places, "status": "confirmed", "start_date": "2026-09-07", "duration_weeks": 36}));
        out.pop().expect("one event")
    }

    /// Every venue's postcode and position, for the service's postcode file.
    pub(crate) fn venue_places(&self) -> Vec<(String, (f64, f64))> {
        let places =
            self.venues.iter().zip(0..).flat_map(|(ps, i)| [venue_place(i, 0, ps[0]), venue_place(i, 1, ps[1])]);
        places.collect()
    }

    pub(crate) fn live(&self) -> impl Iterator<Item = &LiveOffer> {
        self.offers.iter().flatten().flatten()
    }
}

/// A course title in words, as a searcher types them: "Engineering, level 3, part-time".
fn title(subject: &str, level: &str, mode: &str) -> String {
    let name = SubjectCode::parse(subject).map_or("General studies", |s| s.name());
    format!("{name}, level {level}, {mode}")
}

/// The data of `lp.provision.offered.v1` for `offer`, offer number `o` of its provider at
/// venue `v`.
fn offer_data(offer: &LiveOffer, o: usize, v: usize) -> serde_json::Value {
    let LiveOffer { ukprn, year, subject, level, age, mode, places, .. } = offer;
    json!({"ukprn": ukprn.to_string(), "academic_year": year, "offer_id": format!("O{o}"), "venue_id": format!("V{v}"),
           "title": title(subject, level, mode), "subject": subject, "level": level, "age_group": age,
           "mode": mode, "places": places, "status": "confirmed", "start_date": "2026-09-07", "duration_weeks": 36,
           "lars_aim": format!("6{:07}", o % 10_000_000)})
}

/// Venue `v` of provider `i`, in partnership `p`: its postcode and position, near `p`.
pub(crate) fn venue_place(i: u32, v: usize, p: u32) -> (String, (f64, f64)) {
    let n = i * 2 + v as u32;
    (finder::postcode(n), finder::venue_point(p, n))
}

/// Partnership events get owners after every provider's, so producers split them too.
fn owner_of_partnership(p: u32) -> usize {
    1_000_000 + p as usize
}
