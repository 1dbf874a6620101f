//! One complete, valid event of each type, every optional field set: the contract by example,
//! used by the schema check and by tests across the workspace.

use crate::event::EventType;
use serde_json::{Value, json};

/// A complete example event of type `t`, as JSON.
pub fn example_json(t: EventType) -> Value {
    let (source, data) = match t {
        EventType::PartnershipRegistered => (
            "urn:lp:sunderland",
            json!({"partnership_id": "sunderland", "name": "Sunderland Learning Partnership",
                   "areas": ["E08000024"],
                   "rules": {"surplus_tolerance": 0.25, "viable_fill_rate": 0.5, "min_group_size": 10},
                   "iag": {"name": "Sunderland Next Steps", "url": "https://nextsteps.example.org",
                           "phone": "0191 000 0000", "email": "advice@nextsteps.example.org"}}),
        ),
        EventType::ProviderRegistered => (
            "urn:ukprn:10006570",
            json!({"ukprn": "10006570", "name": "Sunderland College", "kind": "fe-college",
                                         "website": "https://www.sunderlandcollege.ac.uk",
                                         "phone": "0191 511 6000"}),
        ),
        EventType::VenueRegistered => (
            "urn:ukprn:10006570",
            json!({"ukprn": "10006570", "venue_id": "CITY", "name": "City Campus", "postcode": "SR1 3AD",
                   "area": "E08000024", "lat": 54.9046, "lon": -1.3875}),
        ),
        EventType::ProvisionOffered => (
            "urn:ukprn:10006570",
            json!({"ukprn": "10006570", "academic_year": "2001/02", "offer_id": "ENG-L3-FT-2001",
                   "venue_id": "CITY", "title": "Engineering (Level 3)", "subject": "4.1", "level": "3",
                   "age_group": "16-18", "mode": "full-time", "places": 24, "status": "planned",
                   "start_date": "2001-09-10", "duration_weeks": 36, "lars_aim": "60005678",
                   "description": "Mechanical and electrical engineering in the college's workshops.",
                   "url": "https://www.sunderlandcollege.ac.uk/courses/eng-l3", "fee": 0.0, "funding": "free",
                   "hours_per_week": 16.5}),
        ),
        EventType::ProvisionWithdrawn => (
            "urn:ukprn:10006570",
            json!({"ukprn": "10006570", "offer_id": "ENG-L3-FT-2001", "reason": "too few applicants"}),
        ),
        EventType::EnrolmentReported => (
            "urn:ukprn:10006570",
            json!({"ukprn": "10006570", "offer_id": "ENG-L3-FT-2001", "enrolled": 19, "as_of": "2001-10-15"}),
        ),
        EventType::CurriculumPublished => (
            "urn:ukprn:10006570",
            json!({"ukprn": "10006570", "academic_year": "2001/02", "offers": [
                {"offer_id": "ENG-L3-FT-2001", "venue_id": "CITY", "title": "Engineering (Level 3)",
                 "subject": "4.1", "level": "3", "age_group": "16-18", "mode": "full-time", "places": 24,
                 "status": "confirmed", "start_date": "2001-09-10", "duration_weeks": 36, "lars_aim": "60005678"},
                {"offer_id": "HSC-L2-PT-2001", "venue_id": "CITY", "title": "Health and Social Care",
                 "subject": "1.3", "level": "2", "age_group": "19+", "mode": "part-time", "places": 16,
                 "status": "planned", "start_date": "2002-01-07", "duration_weeks": 20, "lars_aim": "60012345",
                 "description": "Care practice for adults.", "url": "https://www.sunderlandcollege.ac.uk/courses/hsc",
                 "fee": 450.5, "funding": "loan", "hours_per_week": 6.5}
            ]}),
        ),
        EventType::NeedIdentified => (
            "urn:lp:sunderland",
            json!({"partnership_id": "sunderland", "need_id": "N-ENG-3", "subject": "4.1", "level": "3",
                   "age_group": "16-18", "academic_year": "2001/02", "learners": 40, "evidence": "employer-survey",
                   "mode": "full-time", "area": "E08000024", "note": "Nissan supply chain"}),
        ),
        EventType::NeedWithdrawn => (
            "urn:lp:sunderland",
            json!({"partnership_id": "sunderland", "need_id": "N-ENG-3", "reason": "met by employer"}),
        ),
        EventType::TargetSet => (
            "urn:lp:sunderland",
            json!({"partnership_id": "sunderland", "target_id": "T-ENG", "academic_year": "2001/02",
                   "measure": "places", "value": 120, "subject": "4.1", "level": "3", "age_group": "16-18",
                   "title": "Level 3 engineering places for 16-18s"}),
        ),
        EventType::PlanPublished => (
            "urn:lp:sunderland",
            json!({"partnership_id": "sunderland", "plan_id": "LLP-2001", "title": "Local learning plan 2001/02",
                   "academic_years": ["2001/02"], "status": "consultation",
                   "priorities": [{"title": "Engineering for the Nissan supply chain",
                                   "detail": "Close the level 3 gap for 16-18s"}],
                   "proposal_ids": ["P-ENG-3"], "foreword": "Agreed at the partnership meeting of 15 October."}),
        ),
        EventType::MemberJoined => (
            "urn:lp:sunderland",
            json!({"partnership_id": "sunderland", "member_id": "sunderland-college", "name": "Sunderland College",
                   "kind": "fe-college", "ukprn": "10006570", "contact": "Head of Curriculum Planning"}),
        ),
        EventType::MemberLeft => (
            "urn:lp:sunderland",
            json!({"partnership_id": "sunderland", "member_id": "sunderland-college", "reason": "merged"}),
        ),
        EventType::ProposalMade => (
            "urn:lp:sunderland:member:sunderland-college",
            json!({"partnership_id": "sunderland", "proposal_id": "P-ENG-3", "member_id": "sunderland-college",
                   "title": "Run a second Level 3 engineering group", "kind": "fill-gap",
                   "addresses": [{"report": "gap", "academic_year": "2001/02", "subject": "4.1", "level": "3",
                                  "age_group": "16-18"}],
                   "changes": [
                       {"type": "lp.provision.offered.v1", "data": {"ukprn": "10006570", "academic_year": "2001/02",
                        "offer_id": "ENG-L3-FT-2001B", "venue_id": "CITY", "title": "Engineering (Level 3)",
                        "subject": "4.1", "level": "3", "age_group": "16-18", "mode": "full-time", "places": 16,
                        "status": "planned"}},
                       {"type": "lp.provision.withdrawn.v1",
                        "data": {"ukprn": "10006570", "offer_id": "ENG-L2-PT-2001", "reason": "merged into the new group"}}
                   ],
                   "summary": "The Nissan supply chain needs 40 more technicians a year.", "due": "2002-06-30"}),
        ),
        EventType::ProposalResponded => (
            "urn:lp:sunderland:member:city-of-sunderland-lea",
            json!({"partnership_id": "sunderland", "proposal_id": "P-ENG-3", "member_id": "city-of-sunderland-lea",
                   "stance": "support", "comment": "Transport from Washington is already in place."}),
        ),
        EventType::ProposalDecided => (
            "urn:lp:sunderland",
            json!({"partnership_id": "sunderland", "proposal_id": "P-ENG-3", "decision": "agreed",
                   "note": "Board meeting of 12 March 2002"}),
        ),
        EventType::InterestRegistered => (
            "urn:public",
            json!({"area": "E08000024", "subject": "4.1", "level": "3", "age_group": "19+",
                   "mode": "part-time", "academic_year": "2001/02"}),
        ),
    };
    json!({
        "specversion": "1.0",
        "id": format!("example-{}", t.as_str()),
        "source": source,
        "type": t.as_str(),
        "time": "2001-10-15T09:00:00Z",
        "datacontenttype": "application/json",
        "data": data,
    })
}
