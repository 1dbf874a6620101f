//! Given/when/then over events: small constructors for valid events (built as JSON and run
//! through the contract's own validation), and one-line renderings of report rows so a test
//! reads as the rows a planner would see.

use provisio_engine::{Change, ChangeKey, Engine, Filter};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, Ordering};

pub(crate) const P1: &str = "p1";
pub(crate) const P2: &str = "p2";
pub(crate) const U1: &str = "10000001";
pub(crate) const U2: &str = "10000002";
pub(crate) const U3: &str = "10000003";
pub(crate) const AREA: &str = "E08000024";
pub(crate) const AREA2: &str = "E08000037";
pub(crate) const YEAR: &str = "2001/02";

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) fn event(source: String, kind: &str, data: Value) -> Value {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    json!({"specversion": "1.0", "id": format!("e{id}"), "source": source,
           "type": format!("lp.{kind}.v1"), "time": "2001-10-15T09:00:00Z", "data": data})
}

fn provider(ukprn: &str, kind: &str, data: Value) -> Value {
    event(format!("urn:ukprn:{ukprn}"), kind, data)
}

pub(crate) fn lp(id: &str, kind: &str, data: Value) -> Value {
    event(format!("urn:lp:{id}"), kind, data)
}

pub(crate) fn partnership(id: &str, areas: &[&str]) -> Value {
    lp(id, "partnership.registered", json!({"partnership_id": id, "name": format!("{id} partnership"), "areas": areas}))
}

pub(crate) fn rules(id: &str, areas: &[&str], rules: Value) -> Value {
    with(partnership(id, areas), "rules", rules)
}

pub(crate) fn venue(ukprn: &str, venue_id: &str, area: &str) -> Value {
    provider(
        ukprn,
        "venue.registered",
        json!({"ukprn": ukprn, "venue_id": venue_id, "name": "Campus",
        "postcode": "SR1 3AD", "area": area}),
    )
}

/// The fields of an offer in the default course: Engineering, level 3, 16-18, full time.
pub(crate) fn course(offer_id: &str, venue_id: &str, places: u32) -> Value {
    json!({"offer_id": offer_id, "venue_id": venue_id, "title": "Engineering", "subject": "4.1", "level": "3",
           "age_group": "16-18", "mode": "full-time", "places": places})
}

pub(crate) fn offer(ukprn: &str, offer_id: &str, venue_id: &str, places: u32) -> Value {
    let mut data = course(offer_id, venue_id, places);
    data["ukprn"] = json!(ukprn);
    data["academic_year"] = json!(YEAR);
    provider(ukprn, "provision.offered", data)
}

pub(crate) fn withdrawal(ukprn: &str, offer_id: &str) -> Value {
    provider(ukprn, "provision.withdrawn", json!({"ukprn": ukprn, "offer_id": offer_id}))
}

pub(crate) fn enrolment(ukprn: &str, offer_id: &str, enrolled: u32, as_of: &str) -> Value {
    provider(
        ukprn,
        "enrolment.reported",
        json!({"ukprn": ukprn, "offer_id": offer_id, "enrolled": enrolled,
        "as_of": as_of}),
    )
}

pub(crate) fn plan(ukprn: &str, year: &str, offers: Vec<Value>) -> Value {
    provider(ukprn, "curriculum.published", json!({"ukprn": ukprn, "academic_year": year, "offers": offers}))
}

/// A need in the default course's cell.
pub(crate) fn need(id: &str, need_id: &str, learners: u32) -> Value {
    lp(
        id,
        "need.identified",
        json!({"partnership_id": id, "need_id": need_id, "subject": "4.1", "level": "3",
        "age_group": "16-18", "academic_year": YEAR, "learners": learners, "evidence": "employer-survey"}),
    )
}

pub(crate) fn need_withdrawn(id: &str, need_id: &str) -> Value {
    lp(id, "need.withdrawn", json!({"partnership_id": id, "need_id": need_id}))
}

pub(crate) fn target(id: &str, target_id: &str, measure: &str, value: u32) -> Value {
    lp(
        id,
        "target.set",
        json!({"partnership_id": id, "target_id": target_id, "academic_year": YEAR,
        "measure": measure, "value": value}),
    )
}

/// The event with one `data` field set (or removed, for `null`).
/// Interest registered by the public in `area` for the cell of [`need`].
pub(crate) fn interest(area: &str) -> Value {
    let data = json!({"area": area, "subject": "4.1", "level": "3", "age_group": "16-18", "academic_year": YEAR});
    event(provisio_events::PUBLIC_SOURCE.to_owned(), "interest.registered", data)
}

pub(crate) fn with(mut event: Value, field: &str, value: Value) -> Value {
    let data = event["data"].as_object_mut().expect("events have data");
    if value.is_null() {
        data.remove(field);
    } else {
        data.insert(field.to_owned(), value);
    }
    event
}

/// The same event under a new id, as a producer resending it would send it.
pub(crate) fn resent(event: &Value) -> Value {
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let mut e = event.clone();
    e["id"] = json!(format!("e{id}"));
    e
}

/// An engine and the position of the next event.
pub(crate) struct Scenario {
    pub(crate) engine: Engine,
    position: u64,
}

pub(crate) fn given(events: impl IntoIterator<Item = Value>) -> Scenario {
    let mut s = Scenario { engine: Engine::new(), position: 0 };
    for e in events {
        s.when(e);
    }
    s
}

impl Scenario {
    /// Applies one event and renders the changes it made, one line each.
    pub(crate) fn when(&mut self, event: Value) -> Vec<String> {
        self.apply(event).iter().map(change_line).collect()
    }

    pub(crate) fn apply(&mut self, event: Value) -> Vec<Change> {
        // Interest comes from the service's own source, which only the log may hold.
        let public = event["source"] == provisio_events::PUBLIC_SOURCE;
        let read = if public { provisio_events::validate_stored } else { provisio_events::validate };
        let event = read(&event).unwrap_or_else(|e| panic!("invalid test event: {e:?}"));
        self.position += 1;
        self.engine.apply(self.position, &event)
    }

    pub(crate) fn gaps(&self, id: &str) -> Vec<String> {
        let rows = self.engine.gaps(id, &Filter::default()).unwrap_or_default();
        rows.iter()
            .map(|r| lines(r, "{subject} {level} {age_group}: demand {demand} supply {supply} {severity}"))
            .collect()
    }

    pub(crate) fn duplications(&self, id: &str) -> Vec<String> {
        let rows = self.engine.duplications(id, &Filter::default()).unwrap_or_default();
        let f = "{subject} {mode}: {providers} supply {supply} demand {demand} surplus {surplus} fill {fill_rate} {severity}";
        rows.iter().map(|r| lines(r, f)).collect()
    }

    pub(crate) fn targets(&self, id: &str) -> Vec<String> {
        let rows = self.engine.targets(id, &Filter::default()).unwrap_or_default();
        rows.iter().map(|r| lines(r, "{target_id}: {current} of {value} {measure}")).collect()
    }

    /// The partnership's live offers as `ukprn/offer_id places`.
    pub(crate) fn offers(&self, id: &str) -> Vec<String> {
        let (rows, _) = self.engine.offers(id, None, 1000).unwrap_or_default();
        rows.iter().map(|r| format!("{}/{} {}", r.ukprn, r.offer_id, r.places)).collect()
    }
}

/// Fills `{field}` placeholders from the row's JSON: strings bare, arrays joined by commas.
pub(crate) fn lines(row: &impl serde::Serialize, template: &str) -> String {
    let value = serde_json::to_value(row).expect("rows serialise");
    let mut out = template.to_owned();
    for (field, v) in value.as_object().expect("rows are objects") {
        out = out.replace(&format!("{{{field}}}"), &plain(v));
    }
    out
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

/// `kind key…`, e.g. `gap.opened 2001/02 4.1 3 16-18` or `target.changed T1`.
pub(crate) fn change_line(c: &Change) -> String {
    let key = match &c.key {
        ChangeKey::Gap(k) => format!("{} {} {} {}", k.academic_year, k.subject, k.level, k.age_group),
        ChangeKey::Duplication(k) => {
            format!("{} {} {} {} {}", k.academic_year, k.subject, k.level, k.age_group, k.mode)
        }
        ChangeKey::Target { target_id } => target_id.to_string(),
        ChangeKey::Proposal { proposal_id } => proposal_id.to_string(),
    };
    format!("{} {key}", c.kind)
}
