//! Random valid events for the proposals model: a few partnerships, members, offers that move
//! in and out of the partnerships, needs, and proposals with their responses and decisions.

use serde_json::{Value, json};

pub(super) const PARTNERSHIPS: [&str; 2] = ["p1", "p2"];
const AREAS: [&str; 2] = ["E08000001", "E08000002"];
const PROVIDERS: [&str; 2] = ["10000001", "10000002"];
const VENUES: [&str; 2] = ["V1", "V2"];
const OFFER_IDS: [&str; 3] = ["O1", "O2", "O3"];
const SUBJECTS: [&str; 2] = ["4.1", "10.1"];
const MODES: [&str; 2] = ["full-time", "part-time"];
const NEEDS: [&str; 2] = ["N1", "N2"];
const MEMBERS: [&str; 3] = ["m1", "m2", "m3"];
const PROPOSALS: [&str; 3] = ["P1", "P2", "P3"];
const STANCES: [&str; 3] = ["support", "object", "abstain"];
const DECISIONS: [&str; 4] = ["agreed", "rejected", "deferred", "completed"];
const YEAR: &str = "2001/02";

pub(super) struct Gen {
    rng: fastrand::Rng,
    n: u64,
}

impl Gen {
    pub(super) fn new(seed: u64) -> Self {
        Gen { rng: fastrand::Rng::with_seed(seed), n: 0 }
    }

    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.rng.usize(..xs.len())]
    }

    fn mostly<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        if self.rng.u8(..10) < 8 { xs[0] } else { self.pick(xs) }
    }

    /// The data of an offered event (as a draft change or as the real thing).
    fn offer(&mut self, ukprn: &str) -> Value {
        json!({"ukprn": ukprn, "academic_year": YEAR, "offer_id": self.pick(&OFFER_IDS), "venue_id": self.pick(&VENUES),
               "title": "Course", "subject": self.mostly(&SUBJECTS), "level": "3", "age_group": "16-18",
               "mode": self.mostly(&MODES), "places": self.rng.u32(1..=20)})
    }

    fn row_key(&mut self) -> Value {
        let mut key = json!({"report": "gap", "academic_year": YEAR, "subject": self.mostly(&SUBJECTS), "level": "3",
                             "age_group": "16-18"});
        if self.rng.bool() {
            key["report"] = json!("duplication");
            key["mode"] = json!(self.mostly(&MODES));
        }
        key
    }

    pub(super) fn event(&mut self) -> Value {
        self.n += 1;
        let p = self.mostly(&PARTNERSHIPS);
        let u = self.pick(&PROVIDERS);
        let member = self.pick(&MEMBERS);
        let proposal_id = self.pick(&PROPOSALS);
        let (kind, data) = match self.rng.u32(..100) {
            0..=5 => {
                let areas = if self.rng.u8(..4) == 0 { vec![self.pick(&AREAS)] } else { vec![AREAS[0]] };
                ("partnership.registered", json!({"partnership_id": p, "name": p, "areas": areas}))
            }
            6..=11 => (
                "venue.registered",
                json!({"ukprn": u, "venue_id": self.pick(&VENUES), "name": "V", "postcode": "SR1 3AD",
                       "area": self.mostly(&AREAS)}),
            ),
            12..=29 => ("provision.offered", self.offer(u)),
            30..=37 => ("provision.withdrawn", json!({"ukprn": u, "offer_id": self.pick(&OFFER_IDS)})),
            38..=45 => (
                "need.identified",
                json!({"partnership_id": p, "need_id": self.pick(&NEEDS), "subject": self.mostly(&SUBJECTS),
                       "level": "3", "age_group": "16-18", "academic_year": YEAR, "learners": self.rng.u32(1..=40),
                       "evidence": "lsc"}),
            ),
            46..=48 => ("need.withdrawn", json!({"partnership_id": p, "need_id": self.pick(&NEEDS)})),
            49..=56 => (
                "member.joined",
                json!({"partnership_id": p, "member_id": member, "name": member, "kind": "community"}),
            ),
            57..=59 => ("member.left", json!({"partnership_id": p, "member_id": member})),
            60..=71 => {
                let changes: Vec<Value> = (0..self.rng.usize(0..=3))
                    .map(|_| {
                        if self.rng.u8(..3) == 0 {
                            json!({"type": "lp.provision.withdrawn.v1",
                                   "data": {"ukprn": u, "offer_id": self.pick(&OFFER_IDS)}})
                        } else {
                            json!({"type": "lp.provision.offered.v1", "data": self.offer(u)})
                        }
                    })
                    .collect();
                let addresses: Vec<Value> = (0..self.rng.usize(0..=2)).map(|_| self.row_key()).collect();
                (
                    "proposal.made",
                    json!({"partnership_id": p, "proposal_id": proposal_id, "member_id": member,
                           "title": format!("T{}", self.n), "kind": "fill-gap", "addresses": addresses,
                           "changes": changes}),
                )
            }
            72..=85 => (
                "proposal.responded",
                json!({"partnership_id": p, "proposal_id": proposal_id, "member_id": member,
                       "stance": self.pick(&STANCES)}),
            ),
            _ => (
                "proposal.decided",
                json!({"partnership_id": p, "proposal_id": proposal_id, "decision": self.pick(&DECISIONS)}),
            ),
        };
        let source = if data.get("ukprn").is_some() {
            format!("urn:ukprn:{u}")
        } else if matches!(kind, "proposal.made" | "proposal.responded") && self.rng.bool() {
            format!("urn:lp:{p}:member:{member}")
        } else {
            format!("urn:lp:{p}")
        };
        json!({"specversion": "1.0", "id": format!("e{}", self.n), "source": source, "type": format!("lp.{kind}.v1"),
               "time": "2001-10-15T09:00:00Z", "data": data})
    }
}
