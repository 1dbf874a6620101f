//! Members and proposals against a naive model (CONTRACT section 8): random logs of member,
//! proposal, offer, venue and need events. After every event each proposal's summary and
//! detail must equal the model's, which keeps the proposals' rules in plain JSON and derives
//! everything else from scratch; and the `proposal.changed` stream, replayed into a map, must
//! equal the current summaries (sent whenever any summary field changed, and only then).

mod events;
mod reference;

use events::{Gen, PARTNERSHIPS};
use provisio_engine::{ChangeKind, Engine};
use reference::Model;
use serde_json::Value;
use std::collections::BTreeMap;

const SEEDS: [u64; 4] = [3, 11, 99, 2002];
const STEPS: usize = 400;

#[test]
fn proposals_agree_with_a_from_scratch_model_after_every_event() {
    for seed in SEEDS {
        run(seed);
    }
}

fn run(seed: u64) {
    let mut g = Gen::new(seed);
    let mut engine = Engine::new();
    let mut model = Model::default();
    let mut published: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut seen = 0;
    for step in 1..=STEPS {
        let json = g.event();
        let event = provisio_events::validate(&json).unwrap_or_else(|e| panic!("seed {seed}: bad event {json}: {e:?}"));
        let position = step as u64 * 3;
        let changes = engine.apply(position, &event);
        model.apply(&json, position);
        model.settle(&engine);
        let context = format!("seed {seed}, step {step}, event {json}");
        for c in changes.iter().filter(|c| c.kind == ChangeKind::ProposalChanged) {
            let row = serde_json::to_value(&c.row).expect("row");
            let key = (c.partnership_id.to_string(), row["proposal_id"].as_str().unwrap_or_default().to_owned());
            assert_ne!(published.get(&key), Some(&row), "{context}: proposal.changed left the summary as it was");
            published.insert(key, row);
        }
        for p in PARTNERSHIPS {
            let want = model.summaries(&engine, p);
            let got = engine.proposals(p, None).map(|rows| rows.iter().map(to_json).collect::<Vec<_>>());
            assert_eq!(got, want, "{context}: proposals of {p}");
            let streamed: Vec<&Value> = published.iter().filter(|((id, _), _)| id == p).map(|(_, row)| row).collect();
            let mut current: Vec<&Value> = want.iter().flatten().collect();
            current.sort_by_key(|row| row["proposal_id"].as_str().unwrap_or_default().to_owned());
            assert_eq!(streamed, current, "{context}: change stream of {p}");
            for pid in model.proposal_ids(p).iter().filter(|_| want.is_some()) {
                let detail = to_json(engine.proposal(p, pid).expect("a proposal the model has"));
                let expected = model.detail(&engine, p, pid);
                for (field, value) in expected.as_object().expect("an object") {
                    let mut got = detail[field].clone();
                    if field == "ignored" {
                        let brief = |i: &Value| serde_json::json!([i["position"], i["type"], i["member_id"]]);
                        got = got.as_array().map(|all| all.iter().map(brief).collect()).unwrap_or_default();
                    }
                    assert_eq!(&got, value, "{context}: {field} of {p}/{pid}");
                }
                seen += 1;
            }
        }
    }
    assert!(seen > STEPS, "seed {seed}: the log made too few proposals to check ({seen})");
}

fn to_json(row: impl serde::Serialize) -> Value {
    serde_json::to_value(row).expect("rows serialise")
}
