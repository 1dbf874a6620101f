//! Built plans, kept by (partnership, plan id, position). A plan is fixed at its position, so
//! a built answer, and each document rendered from it, is right for ever: building it replays
//! the log to the plan's position (and to its previous plan's), which is far dearer than
//! keeping a few kilobytes.

use bytes::Bytes;
use provisio_engine::PlanContent;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Most plans kept; when full, the cache starts again (plans are few per partnership).
const MAX_PLANS: usize = 256;
/// Most `recorded_at` values kept.
const MAX_TIMES: usize = 4_096;

/// One plan as built, and its documents once asked for.
pub(crate) struct BuiltPlan {
    pub(crate) content: PlanContent,
    pub(crate) json: Bytes,
    pub(crate) html: OnceLock<Bytes>,
    pub(crate) pdf: OnceLock<Bytes>,
}

type PlanKey = (String, String, u64);

#[derive(Default)]
pub struct PlanCache {
    plans: Mutex<HashMap<PlanKey, Arc<BuiltPlan>>>,
    /// `recorded_at` of plan positions: the log never changes an entry's.
    times: Mutex<HashMap<u64, String>>,
}

fn bounded_insert<K: std::hash::Hash + Eq, V>(map: &Mutex<HashMap<K, V>>, max: usize, key: K, value: V) {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= max {
        map.clear();
    }
    map.insert(key, value);
}

impl PlanCache {
    pub(crate) fn plan(&self, id: &str, plan_id: &str, position: u64) -> Option<Arc<BuiltPlan>> {
        let plans = self.plans.lock().unwrap_or_else(|e| e.into_inner());
        plans.get(&(id.to_owned(), plan_id.to_owned(), position)).cloned()
    }

    pub(crate) fn keep_plan(&self, id: &str, plan_id: &str, position: u64, plan: Arc<BuiltPlan>) {
        bounded_insert(&self.plans, MAX_PLANS, (id.to_owned(), plan_id.to_owned(), position), plan);
    }

    pub(crate) fn recorded_at(&self, position: u64) -> Option<String> {
        self.times.lock().unwrap_or_else(|e| e.into_inner()).get(&position).cloned()
    }

    pub(crate) fn keep_recorded_at(&self, position: u64, at: String) {
        bounded_insert(&self.times, MAX_TIMES, position, at);
    }
}
