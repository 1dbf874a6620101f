//! The versions of each partnership's local learning plan (CONTRACT section 9).
//!
//! A plan is fixed at the position of its event, so the engine keeps no plan content: only
//! each version's event, its position, and its previous plan (the partnership's plan event
//! with the greatest position below its own, any plan id), which is fixed when it is
//! published. What a plan says is the state at its position, rebuilt by whoever serves it.

use crate::Engine;
use provisio_events::PlanPublished;
use provisio_events::vocab::{LocalId, PartnershipId, Vocab};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// `{"plan_id", "position"}` of a previous plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRef {
    pub plan_id: LocalId,
    pub position: u64,
}

/// One published version of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanVersion {
    pub position: u64,
    pub previous: Option<PlanRef>,
    pub published: Arc<PlanPublished>,
}

/// Every plan event of every partnership, in log order per partnership. A partnership not
/// registered yet keeps its plans: they count once it registers.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Plans {
    pub(crate) by_partnership: BTreeMap<PartnershipId, Arc<Vec<PlanVersion>>>,
}

impl Plans {
    pub(crate) fn publish(&mut self, position: u64, e: &PlanPublished) {
        let versions = Arc::make_mut(self.by_partnership.entry(e.partnership_id.clone()).or_default());
        let previous = versions.last().map(|v| PlanRef { plan_id: v.published.plan_id.clone(), position: v.position });
        versions.push(PlanVersion { position, previous, published: Arc::new(e.clone()) });
    }

    fn versions(&self, id: &str) -> &[PlanVersion] {
        let found = PartnershipId::parse(id).and_then(|id| self.by_partnership.get(&id));
        found.map_or(&[], |v| v.as_slice())
    }
}

impl Engine {
    /// The latest version of each of the partnership's plans, newest first; `None` when the
    /// partnership is not registered.
    pub fn plans(&self, id: &str) -> Option<Vec<PlanVersion>> {
        self.registered(id)?;
        let mut latest: BTreeMap<&LocalId, &PlanVersion> = BTreeMap::new();
        for v in self.plans.versions(id) {
            latest.insert(&v.published.plan_id, v);
        }
        let mut out: Vec<PlanVersion> = latest.into_values().cloned().collect();
        out.sort_by_key(|v| std::cmp::Reverse(v.position));
        Some(out)
    }

    /// The latest version of plan `plan_id`; `None` when there is none or the partnership is
    /// not registered.
    pub fn plan(&self, id: &str, plan_id: &str) -> Option<PlanVersion> {
        self.registered(id)?;
        self.plans.versions(id).iter().rev().find(|v| v.published.plan_id.as_str() == plan_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use crate::Engine;
    use provisio_events::validate;
    use provisio_events::vocab::Vocab;
    use serde_json::json;

    fn apply(engine: &mut Engine, position: u64, source: &str, t: &str, data: serde_json::Value) {
        let e = json!({"specversion": "1.0", "id": format!("e{position}"), "source": source, "type": t,
                       "time": "2001-10-15T09:00:00Z", "data": data});
        engine.apply(position, &validate(&e).unwrap());
    }

    fn plan(engine: &mut Engine, position: u64, plan_id: &str) {
        let data = json!({"partnership_id": "sund", "plan_id": plan_id, "title": plan_id,
                          "academic_years": ["2001/02"], "status": "draft", "priorities": []});
        apply(engine, position, "urn:lp:sund", "lp.plan.published.v1", data);
    }

    fn register(engine: &mut Engine, position: u64) {
        let data = json!({"partnership_id": "sund", "name": "Sunderland", "areas": ["E08000024"]});
        apply(engine, position, "urn:lp:sund", "lp.partnership.registered.v1", data);
    }

    #[test]
    fn plans_of_an_unregistered_partnership_count_once_it_registers() {
        let mut engine = Engine::new();
        plan(&mut engine, 1, "A");
        assert_eq!(engine.plans("sund"), None);
        register(&mut engine, 2);
        assert_eq!(engine.plans("sund").unwrap().len(), 1);
    }

    #[test]
    fn publishing_again_fixes_the_plan_at_the_new_position_after_its_earlier_version() {
        let mut engine = Engine::new();
        register(&mut engine, 1);
        plan(&mut engine, 2, "A");
        plan(&mut engine, 5, "B");
        plan(&mut engine, 9, "A");
        let list = engine.plans("sund").unwrap();
        let listed: Vec<(&str, u64)> = list.iter().map(|v| (v.published.plan_id.as_str(), v.position)).collect();
        assert_eq!(listed, [("A", 9), ("B", 5)]);
        let a = engine.plan("sund", "A").unwrap();
        assert_eq!(a.previous.map(|p| (p.plan_id.to_string(), p.position)), Some(("B".into(), 5)));
        let b = engine.plan("sund", "B").unwrap();
        assert_eq!(b.previous.map(|p| (p.plan_id.to_string(), p.position)), Some(("A".into(), 2)));
        assert_eq!(engine.plan("sund", "C"), None);
    }

    fn need(engine: &mut Engine, position: u64, need_id: &str, year: &str, learners: u32) {
        let data = json!({"partnership_id": "sund", "need_id": need_id, "subject": "4.1", "level": "3",
                          "age_group": "16-18", "academic_year": year, "learners": learners, "evidence": "lsc"});
        apply(engine, position, "urn:lp:sund", "lp.need.identified.v1", data);
    }

    #[test]
    fn a_plan_holds_its_years_rows_at_its_position_and_its_progress_compares_them_with_now() {
        use crate::{PlanContent, PlanProgress};
        let mut engine = Engine::new();
        register(&mut engine, 1);
        need(&mut engine, 2, "N1", "2001/02", 40);
        need(&mut engine, 3, "N2", "2002/03", 10);
        plan(&mut engine, 4, "A");
        let at_plan = engine.clone();
        need(&mut engine, 5, "N1", "2001/02", 25);
        plan(&mut engine, 6, "B");
        let a = at_plan.plan("sund", "A").unwrap();
        let content = PlanContent::of("sund", &a, "2001-10-15T09:00:00Z".into(), &at_plan, None);
        assert_eq!((content.gaps.len(), content.gaps[0].unmet), (1, 40), "only the plan's year");
        assert_eq!(content.needs.len(), 1);
        assert_eq!((content.coverage.len(), content.coverage[0].cells[0].demand), (1, 40));
        assert_eq!(content.changes_since_previous, None);
        let progress = PlanProgress::of(&content, 6, &engine);
        let gap = &progress.gaps[0];
        assert_eq!((gap.unmet_then, gap.unmet_now, gap.open_now), (40, 25, true));
        let b = engine.plan("sund", "B").unwrap();
        let content = PlanContent::of("sund", &b, String::new(), &engine, Some(&at_plan));
        let changes = content.changes_since_previous.unwrap();
        assert_eq!((changes.from, changes.to, changes.summary.unmet), (4, Some(6), [50, 35]));
    }

    #[test]
    fn the_first_plan_has_no_previous_one() {
        let mut engine = Engine::new();
        register(&mut engine, 1);
        plan(&mut engine, 2, "A");
        assert_eq!(engine.plan("sund", "A").unwrap().previous, None);
    }
}
