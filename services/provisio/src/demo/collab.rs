//! The demo's members and proposals (CONTRACT section 8): every partnership's members, and in
//! Sunderland a proposal in each state, made about the gaps and duplications the generated
//! provision really has (found by running the planning engine over it), so a newcomer sees
//! the whole of collaboration at once: one agreed and half done, one done, one open with an
//! objection, one rejected.

use super::data::{Emitter, PARTNERSHIPS, PROVIDERS, YEARS};
use provisio_engine::{DuplicationRow, Engine, Filter, GapRow};
use provisio_events::vocab::{AcademicYear, Vocab};
use serde_json::{Value, json};

/// The partners that provide nothing themselves: (partnership, member id, name, kind).
const PARTNERS: &[(&str, &str, &str, &str)] = &[
    ("sunderland", "tyne-and-wear-lsc", "Tyne and Wear Learning and Skills Council", "lsc"),
    ("sunderland", "sunderland-city-council", "Sunderland City Council", "local-authority"),
    ("sunderland", "north-east-chamber", "North East Chamber of Commerce", "employer-body"),
    ("south-tyneside", "tyne-and-wear-lsc", "Tyne and Wear Learning and Skills Council", "lsc"),
    ("south-tyneside", "south-tyneside-council", "South Tyneside Council", "local-authority"),
    ("hull-east-riding", "humberside-lsc", "Humberside Learning and Skills Council", "lsc"),
    ("hull-east-riding", "hull-trades-council", "Hull Trades Union Council", "trade-union"),
];

const P: &str = "sunderland";
const COLLEGE: (&str, &str) = ("10006570", "sunderland-college");
const SCHOOL: &str = "southmoor-academy-sixth-form";

/// A member id from an organisation's name: "Sunderland College" is `sunderland-college`.
pub(super) fn member_id(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    words.join("-")
}

pub(super) fn collaboration(out: &mut Emitter) {
    for p in PARTNERSHIPS {
        let lp = format!("urn:lp:{}", p.id);
        for provider in PROVIDERS.iter().filter(|v| v.venues.iter().any(|venue| p.areas.contains(&venue.3))) {
            out.emit(
                lp.clone(),
                "lp.member.joined.v1",
                json!({"partnership_id": p.id, "member_id": member_id(provider.name),
                "name": provider.name, "kind": provider.kind, "ukprn": provider.ukprn}),
            );
        }
        for (_, id, name, kind) in PARTNERS.iter().filter(|m| m.0 == p.id) {
            out.emit(
                lp.clone(),
                "lp.member.joined.v1",
                json!({"partnership_id": p.id, "member_id": id, "name": name, "kind": kind}),
            );
        }
    }
    let engine = replay(&out.events);
    let year = Filter { academic_year: AcademicYear::parse(YEARS[1]), ..Filter::default() };
    let gaps = engine.gaps(P, &year).unwrap_or_default();
    if let Some(gap) = gaps.first() {
        agreed_and_half_done(out, gap);
    }
    if let Some(gap) = gaps.get(1) {
        done(out, gap);
    }
    // A duplication of the year the dashboard opens on, else of any year.
    let duplications = [year.clone(), Filter::default()].map(|f| engine.duplications(P, &f).unwrap_or_default());
    if let Some(row) = duplications.iter().flatten().next() {
        open_with_an_objection(out, row);
    }
    rejected(out);
}

fn replay(events: &[Value]) -> Engine {
    let mut engine = Engine::new();
    for (position, event) in (1..).zip(events) {
        if let Ok(event) = provisio_events::validate(event) {
            engine.apply(position, &event);
        }
    }
    engine
}

fn gap_key(g: &GapRow) -> Value {
    json!({"report": "gap", "academic_year": g.academic_year, "subject": g.subject, "level": g.level, "age_group": g.age_group})
}

/// An offer in a gap's cell, as the data of a draft change or of the event that makes it real.
fn offer(g: &GapRow, ukprn: &str, offer_id: &str, venue_id: &str, mode: &str, places: u64) -> Value {
    json!({"ukprn": ukprn, "academic_year": g.academic_year, "offer_id": offer_id, "venue_id": venue_id,
           "title": format!("{} (level {})", g.subject.name(), g.level), "subject": g.subject, "level": g.level,
           "age_group": g.age_group, "mode": mode, "places": places, "status": "planned", "duration_weeks": 36})
}

fn offered(data: &Value) -> Value {
    json!({"type": "lp.provision.offered.v1", "data": data})
}

fn member(out: &mut Emitter, m: &str, ty: &str, data: Value) {
    out.emit(format!("urn:lp:{P}:member:{m}"), ty, data);
}

fn respond(out: &mut Emitter, proposal_id: &str, m: &str, stance: &str, comment: &str) {
    let data =
        json!({"partnership_id": P, "proposal_id": proposal_id, "member_id": m, "stance": stance, "comment": comment});
    member(out, m, "lp.proposal.responded.v1", data);
}

fn decide(out: &mut Emitter, proposal_id: &str, decision: &str, note: &str) {
    let data = json!({"partnership_id": P, "proposal_id": proposal_id, "decision": decision, "note": note});
    out.emit(format!("urn:lp:{P}"), "lp.proposal.decided.v1", data);
}

/// Sunderland College runs two more groups where the gap is largest; the partnership agrees,
/// and the first group is on offer, the second not yet.
fn agreed_and_half_done(out: &mut Emitter, g: &GapRow) {
    let half = g.unmet.div_ceil(2).max(1);
    let city = offer(g, COLLEGE.0, "LP-GROWTH-CITY", "CITY", "full-time", half);
    let bede = offer(g, COLLEGE.0, "LP-GROWTH-BEDE", "BEDE", "part-time", (g.unmet - half).max(1));
    member(
        out,
        COLLEGE.1,
        "lp.proposal.made.v1",
        json!({"partnership_id": P, "proposal_id": "P-GROWTH", "member_id": COLLEGE.1,
        "title": format!("Two more {} groups at Sunderland College", g.subject.name()), "kind": "fill-gap",
        "addresses": [gap_key(g)], "changes": [offered(&city), offered(&bede)],
        "summary": "A full-time group at City Campus from September and a part-time one at Bede Campus from January.",
        "due": "2027-01-31"}),
    );
    respond(out, "P-GROWTH", "tyne-and-wear-lsc", "support", "Fits the area review; growth funding is available.");
    respond(out, "P-GROWTH", "north-east-chamber", "support", "Members report unfilled vacancies at this level.");
    respond(out, "P-GROWTH", SCHOOL, "abstain", "No view: we do not teach this subject.");
    decide(out, "P-GROWTH", "agreed", "Partnership board, 14 October");
    out.emit(format!("urn:ukprn:{}", COLLEGE.0), "lp.provision.offered.v1", city);
}

/// A school and the adult service deliver a shared course in the second gap; it is on offer.
fn done(out: &mut Emitter, g: &GapRow) {
    let (ukprn, venue, m) = match g.age_group.as_str() {
        "19+" => ("10001920", "LIB", "sunderland-adult-learning-service"),
        _ => ("10004577", "MAIN", SCHOOL),
    };
    let course = offer(g, ukprn, "LP-JOINT-1", venue, "part-time", g.unmet.min(20));
    member(
        out,
        m,
        "lp.proposal.made.v1",
        json!({"partnership_id": P, "proposal_id": "P-JOINT", "member_id": m,
        "title": format!("A shared {} course", g.subject.name()), "kind": "joint-delivery", "addresses": [gap_key(g)],
        "changes": [offered(&course)], "summary": "Taught on our site with Sunderland College staff."}),
    );
    respond(out, "P-JOINT", COLLEGE.1, "support", "We will second a lecturer two days a week.");
    respond(out, "P-JOINT", "sunderland-city-council", "support", "Good use of the school's spare rooms.");
    decide(out, "P-JOINT", "agreed", "Partnership board, 14 October");
    out.emit(format!("urn:ukprn:{ukprn}"), "lp.provision.offered.v1", course);
}

/// The LSC proposes that one provider of a duplicated course stops running it; that provider
/// objects. Still open.
fn open_with_an_objection(out: &mut Emitter, d: &DuplicationRow) {
    let Some(smallest) = d.offers.iter().min_by_key(|o| o.places) else { return };
    let (ukprn, offer_id) = (smallest.id.ukprn().as_str(), smallest.id.offer_id().as_str());
    let key = json!({"report": "duplication", "academic_year": d.academic_year, "subject": d.subject, "level": d.level,
                     "age_group": d.age_group, "mode": d.mode});
    member(
        out,
        "tyne-and-wear-lsc",
        "lp.proposal.made.v1",
        json!({"partnership_id": P, "proposal_id": "P-RATIONALISE",
        "member_id": "tyne-and-wear-lsc", "title": format!("One provider fewer for {} ({})", d.subject.name(), d.mode),
        "kind": "rationalise", "addresses": [key],
        "changes": [{"type": "lp.provision.withdrawn.v1", "data": {"ukprn": ukprn, "offer_id": offer_id,
                     "reason": "Rationalised by the partnership"}}],
        "summary": "Learners move to the larger groups nearby; no one loses a place."}),
    );
    if let Some(owner) = PROVIDERS.iter().find(|p| p.ukprn == ukprn) {
        respond(
            out,
            "P-RATIONALISE",
            &member_id(owner.name),
            "object",
            "Our learners come from Washington; the bus to the city takes an hour.",
        );
    }
    respond(out, "P-RATIONALISE", "sunderland-city-council", "support", "Subject to a transport review.");
}

fn rejected(out: &mut Emitter) {
    member(
        out,
        "north-east-chamber",
        "lp.proposal.made.v1",
        json!({"partnership_id": P, "proposal_id": "P-CPD",
        "member_id": "north-east-chamber", "title": "Industry placements for engineering lecturers", "kind": "staff-development",
        "addresses": [], "changes": [], "summary": "Two weeks a year in a member firm for every engineering lecturer."}),
    );
    respond(out, "P-CPD", COLLEGE.1, "object", "We cannot release staff in term time.");
    decide(out, "P-CPD", "rejected", "Revisit when the staff development fund is known");
}

#[cfg(test)]
mod tests {
    use super::*;
    use provisio_engine::ProposalStatus;

    #[test]
    fn the_demo_has_a_proposal_in_every_state() {
        // The default seed, the browser test's, and another.
        for seed in [2001, 7, 42] {
            check(seed);
        }
    }

    fn check(seed: u64) {
        let engine = replay(&super::super::generate(seed));
        let status =
            |id: &str| engine.proposal(P, id).map(|p| (p.status, p.fulfilment.iter().filter(|f| f.done).count()));
        assert_eq!(status("P-GROWTH"), Some((ProposalStatus::Agreed, 1)));
        assert_eq!(status("P-JOINT"), Some((ProposalStatus::Done, 1)));
        assert_eq!(status("P-CPD"), Some((ProposalStatus::Rejected, 0)));
        let open = engine.proposal(P, "P-RATIONALISE").expect("the demo has a duplication");
        assert_eq!((open.status, open.tally.object, open.tally.support), (ProposalStatus::Open, 1, 1));
        assert!(open.ignored.is_empty() && engine.proposal(P, "P-GROWTH").unwrap().ignored.is_empty());
        let members = engine.members(P).unwrap();
        assert!(members.iter().any(|m| m.member_id.as_str() == "sunderland-college" && m.current));
        assert!(engine.members("hull-east-riding").unwrap().len() >= 5);
    }
}
