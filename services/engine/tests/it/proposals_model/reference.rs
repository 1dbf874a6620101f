//! The naive model of CONTRACT section 8: the proposals' own rules kept in plain JSON, and
//! everything derived recomputed from scratch after every event from the engine's public
//! report answers (live offers, gaps, duplications) and a what-if of the changes not done.

use provisio_engine::{Engine, Filter};
use serde_json::{Value, json};
use std::collections::BTreeMap;

struct Proposal {
    data: Value,
    made_position: u64,
    responses: BTreeMap<String, (String, u64)>,
    decision: Option<(String, u64)>,
    status: &'static str,
    frozen: Option<[u32; 3]>,
}

#[derive(Default)]
struct Collab {
    members: BTreeMap<String, bool>,
    proposals: BTreeMap<String, Proposal>,
    /// `(position, type, member_id)` of each event that could not apply, by proposal id.
    ignored: BTreeMap<String, Vec<Value>>,
}

#[derive(Default)]
pub(super) struct Model {
    partnerships: BTreeMap<String, Collab>,
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

impl Collab {
    fn current(&self, member: &str) -> bool {
        self.members.get(member).copied().unwrap_or(false)
    }

    fn tally(&self, p: &Proposal) -> [u32; 3] {
        p.frozen.unwrap_or_else(|| {
            let mut t = [0; 3];
            for (member, (stance, _)) in &p.responses {
                if self.current(member) {
                    t[["support", "object", "abstain"].iter().position(|s| s == stance).unwrap_or(0)] += 1;
                }
            }
            t
        })
    }
}

impl Model {
    pub(super) fn apply(&mut self, event: &Value, position: u64) {
        let (t, d) = (event["type"].as_str().unwrap_or_default(), &event["data"]);
        if !t.starts_with("lp.member.") && !t.starts_with("lp.proposal.") {
            return;
        }
        let c = self.partnerships.entry(text(&d["partnership_id"])).or_default();
        let (pid, member) = (text(&d["proposal_id"]), text(&d["member_id"]));
        let ignored = json!([position, t, d.get("member_id")]);
        let applies = match t {
            "lp.member.joined.v1" => {
                c.members.insert(member, true);
                true
            }
            "lp.member.left.v1" => {
                c.members.entry(member).and_modify(|m| *m = false);
                true
            }
            "lp.proposal.made.v1" => {
                let by_member = event["source"].as_str().unwrap_or_default().contains(":member:");
                let replaceable = c
                    .proposals
                    .get(&pid)
                    .is_none_or(|old| old.status == "open" && !(by_member && text(&old.data["member_id"]) != member));
                let ok = c.current(&member) && replaceable;
                if ok {
                    let decision = c.proposals.get(&pid).and_then(|old| old.decision.clone());
                    let p = Proposal {
                        data: d.clone(),
                        made_position: position,
                        responses: BTreeMap::new(),
                        decision,
                        status: "open",
                        frozen: None,
                    };
                    c.proposals.insert(pid.clone(), p);
                }
                ok
            }
            "lp.proposal.responded.v1" => {
                let ok = c.current(&member) && c.proposals.get(&pid).is_some_and(|p| p.status == "open");
                if let Some(p) = c.proposals.get_mut(&pid).filter(|_| ok) {
                    p.responses.insert(member, (text(&d["stance"]), position));
                }
                ok
            }
            _ => {
                let decision = text(&d["decision"]);
                let needs = if decision == "completed" { "agreed" } else { "open" };
                let ok = c.proposals.get(&pid).is_some_and(|p| p.status == needs);
                if ok {
                    let tally = c.proposals.get(&pid).map(|p| c.tally(p));
                    let p = c.proposals.get_mut(&pid).expect("checked");
                    match decision.as_str() {
                        "agreed" => (p.status, p.frozen) = ("agreed", tally),
                        "rejected" => (p.status, p.frozen) = ("rejected", tally),
                        "completed" => p.status = "done",
                        _ => {}
                    }
                    p.decision = Some((decision, position));
                }
                ok
            }
        };
        if !applies {
            c.ignored.entry(pid).or_default().push(ignored);
        }
    }

    /// An agreed proposal with changes becomes done once all of them are done at once.
    pub(super) fn settle(&mut self, engine: &Engine) {
        for (id, c) in &mut self.partnerships {
            for p in c.proposals.values_mut() {
                let done = fulfilment(engine, id, &p.data["changes"]);
                if p.status == "agreed" && !done.is_empty() && done.iter().all(|d| *d) {
                    p.status = "done";
                }
            }
        }
    }

    /// The summaries the engine should answer for `id`, newest first; `None` while the
    /// partnership is not registered.
    pub(super) fn summaries(&self, engine: &Engine, id: &str) -> Option<Vec<Value>> {
        engine.partnership(id)?;
        let Some(c) = self.partnerships.get(id) else { return Some(Vec::new()) };
        let mut rows: Vec<(u64, String, Value)> = c
            .proposals
            .iter()
            .map(|(pid, p)| {
                let done = fulfilment(engine, id, &p.data["changes"]);
                let [support, object, abstain] = c.tally(p);
                let summary = json!({
                    "proposal_id": pid, "member_id": p.data["member_id"], "title": p.data["title"],
                    "kind": p.data["kind"], "status": p.status,
                    "tally": {"support": support, "object": object, "abstain": abstain},
                    "addresses": p.data["addresses"], "addressed": addressed(engine, id, &p.data["addresses"]),
                    "impact": {"summary": impact(engine, id, &p.data["changes"], &done)["summary"]},
                    "fulfilment": {"done": done.iter().filter(|d| **d).count(), "of": done.len()},
                    "made_position": p.made_position, "decided_position": p.decision.as_ref().map(|d| d.1),
                });
                (p.made_position, pid.clone(), summary)
            })
            .collect();
        rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        Some(rows.into_iter().map(|(_, _, s)| s).collect())
    }

    /// What the detail adds: impact, fulfilment entries, responses, decision, ignored (each
    /// as `[position, type, member_id]`).
    pub(super) fn detail(&self, engine: &Engine, id: &str, pid: &str) -> Value {
        let c = &self.partnerships[id];
        let p = &c.proposals[pid];
        let done = fulfilment(engine, id, &p.data["changes"]);
        let responses: Vec<Value> = p
            .responses
            .iter()
            .filter(|(m, _)| c.current(m))
            .map(|(m, (stance, position))| json!({"member_id": m, "stance": stance, "comment": null, "position": position}))
            .collect();
        json!({
            "impact": impact(engine, id, &p.data["changes"], &done),
            "fulfilment": done.iter().enumerate().map(|(index, done)| json!({"index": index, "done": done})).collect::<Vec<_>>(),
            "responses": responses,
            "decision": p.decision.as_ref().map(|(d, position)| json!({"decision": d, "note": null, "position": position})),
            "ignored": c.ignored.get(pid).cloned().unwrap_or_default(),
        })
    }

    pub(super) fn proposal_ids(&self, id: &str) -> Vec<String> {
        self.partnerships.get(id).map(|c| c.proposals.keys().cloned().collect()).unwrap_or_default()
    }
}

/// Each change checked against the partnership's live offers as its offer listing shows them.
fn fulfilment(engine: &Engine, id: &str, changes: &Value) -> Vec<bool> {
    let live = engine.offers(id, None, 10_000).map(|(rows, _)| rows).unwrap_or_default();
    let live: Vec<Value> = live.iter().map(|r| serde_json::to_value(r).expect("offer rows serialise")).collect();
    let find = |d: &Value| live.iter().find(|o| o["ukprn"] == d["ukprn"] && o["offer_id"] == d["offer_id"]).cloned();
    let changes = changes.as_array().cloned().unwrap_or_default();
    changes
        .iter()
        .map(|c| {
            let d = &c["data"];
            match (c["type"].as_str(), find(d)) {
                (Some("lp.provision.withdrawn.v1"), live) => live.is_none(),
                (_, None) => false,
                (_, Some(o)) => {
                    ["subject", "level", "age_group", "mode", "academic_year"].iter().all(|f| o[*f] == d[*f])
                        && o["places"].as_u64() >= d["places"].as_u64()
                }
            }
        })
        .collect()
}

fn addressed(engine: &Engine, id: &str, keys: &Value) -> Vec<Value> {
    let all = Filter::default();
    let gaps = serde_json::to_value(engine.gaps(id, &all).unwrap_or_default()).expect("rows");
    let dups = serde_json::to_value(engine.duplications(id, &all).unwrap_or_default()).expect("rows");
    let keys = keys.as_array().cloned().unwrap_or_default();
    keys.into_iter()
        .map(|key| {
            let rows = if key["report"] == "gap" { &gaps } else { &dups };
            let fields = ["academic_year", "subject", "level", "age_group", "mode"];
            let same = |row: &Value| fields.iter().all(|f| key.get(*f).is_none_or(|v| row[*f] == *v));
            let open = rows.as_array().is_some_and(|rows| rows.iter().any(same));
            json!({"key": key, "open": open})
        })
        .collect()
}

/// What-if of the changes not done, as drafts from their providers.
fn impact(engine: &Engine, id: &str, changes: &Value, done: &[bool]) -> Value {
    let changes = changes.as_array().cloned().unwrap_or_default();
    let drafts: Vec<_> = changes
        .iter()
        .zip(done)
        .filter(|(_, done)| !**done)
        .map(|(c, _)| {
            let ukprn = c["data"]["ukprn"].as_str().unwrap_or_default();
            let event = json!({"specversion": "1.0", "id": "draft", "source": format!("urn:ukprn:{ukprn}"),
                               "type": c["type"], "time": "2001-10-15T09:00:00Z", "data": c["data"]});
            provisio_events::validate(&event).expect("draft changes are valid events")
        })
        .collect();
    serde_json::to_value(engine.what_if(id, drafts.iter())).expect("changes serialise")
}
