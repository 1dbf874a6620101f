//! The goals of issues 7, 15, 17 and 19 that a run's figures are held to, each with the bound
//! this run measured for it where there is one.

use crate::figures::Figures;

/// A goal: the issue that set it, what it asks, what was measured, whether it is met (None
/// when the figure is not available), and the bound this run measured for it (a ceiling or a
/// floor that the service cannot pass on this machine).
pub(crate) struct Goal {
    pub(crate) issue: u32,
    pub(crate) goal: &'static str,
    pub(crate) target: &'static str,
    pub(crate) measured: f64,
    pub(crate) met: Option<bool>,
    pub(crate) bound: Option<f64>,
}

/// Which way a target points.
enum Want {
    AtLeast(f64),
    AtMost(f64),
}

fn goal(issue: u32, goal: &'static str, target: &'static str, measured: f64, want: Want, bound: Option<f64>) -> Goal {
    let met = (!measured.is_nan()).then_some(match want {
        Want::AtLeast(t) => measured >= t,
        Want::AtMost(t) => measured <= t,
    });
    Goal { issue, goal, target, measured, met, bound }
}

pub(crate) fn goals(f: &Figures) -> Vec<Goal> {
    use Want::{AtLeast, AtMost};
    let ceiling = f.get("ingest.ceiling");
    let floor = f.get("baseline.live_floor_p99");
    let per_offer = f.get("memory.peak_bytes_per_offer");
    // A load with refused requests has no p99: a client waited for ever. Its goal is missed.
    let p99 = |load: &str| match f.get(&format!("{load}.refused")) > 0.0 {
        true => f64::INFINITY,
        false => f.get(&format!("{load}.p99")),
    };
    vec![
        goal(
            7,
            "end-to-end ingest",
            "≥ 50,000 events/s",
            f.get("ingest.events_per_s"),
            AtLeast(50_000.0),
            Some(ceiling),
        ),
        goal(
            7,
            "ingest / raw PostgreSQL append",
            "≥ 0.7",
            f.get("ingest.ratio_to_postgres"),
            AtLeast(0.7),
            Some(ceiling / f.get("baseline.postgres_append")),
        ),
        goal(7, "publish→SSE p99", "≤ 10 ms", f.get("live.p99"), AtMost(10.0), Some(floor)),
        goal(
            7,
            "replay",
            "≥ 300,000 events/s",
            f.get("replay.events_per_s"),
            AtLeast(300_000.0),
            Some(f.get("replay.parse_per_s")),
        ),
        goal(7, "gap report p99, 64 clients", "≤ 5 ms", f.get("query.gaps.p99"), AtMost(5.0), None),
        goal(7, "gap report / plain SQL", "≥ 10×", f.get("query.gaps.ratio_to_sql"), AtLeast(10.0), None),
        goal(7, "peak RSS per live offer", "≤ 1,024 B", per_offer, AtMost(1024.0), None),
        goal(19, "start-up from a snapshot", "≤ 1 s", f.get("snapshot.startup_s"), AtMost(1.0), None),
        goal(
            19,
            "start-up from a snapshot / full replay start-up",
            "≤ 0.1",
            f.get("snapshot.startup_ratio"),
            AtMost(0.1),
            None,
        ),
        goal(19, "rebuild / replay ceiling", "≥ 0.6", f.get("replay.ratio_to_ceiling"), AtLeast(0.6), None),
        goal(19, "ingest / ingest ceiling", "≥ 0.8", f.get("ingest.ratio_to_ceiling"), AtLeast(0.8), None),
        goal(19, "service CPU per ingested event", "≤ 12 µs", f.get("ingest.cpu_service"), AtMost(12.0), None),
        goal(
            19,
            "PostgreSQL CPU per ingested event / raw append's",
            "≤ 1.3",
            f.get("ingest.postgres_cpu_ratio"),
            AtMost(1.3),
            None,
        ),
        goal(19, "publish→SSE p99 / live floor", "≤ 1.5", f.get("live.ratio_to_floor"), AtMost(1.5), None),
        goal(19, "service CPU per live event", "≤ 25 µs", f.get("live.cpu_service"), AtMost(25.0), None),
        goal(19, "duplication report p99, 64 clients", "≤ 20 ms", f.get("query.duplications.p99"), AtMost(20.0), None),
        goal(19, "peak RSS per live offer", "≤ 600 B", per_offer, AtMost(600.0), None),
        goal(15, "as-of gap report p99, 64 clients, one position", "≤ 20 ms", p99("query.as_of"), AtMost(20.0), None),
        goal(15, "what-if with 100 drafts p99, 64 clients", "≤ 20 ms", p99("query.what_if"), AtMost(20.0), None),
        goal(15, "changes over the whole log, median", "≤ 200 ms", f.get("query.changes.median"), AtMost(200.0), None),
        goal(
            17,
            "course search with words and a postcode p99, 64 clients",
            "≤ 20 ms",
            f.get("query.search.p99"),
            AtMost(20.0),
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_goal_is_met_on_its_side_of_the_target_and_unjudged_without_a_figure() {
        let mut f = Figures::default();
        f.add("query.gaps.p99", "gap p99", 5.0, "ms");
        f.add("replay.events_per_s", "replay", 299_999.0, "events/s");
        let all = goals(&f);
        let met = |name: &str| all.iter().find(|g| g.goal == name).map(|g| g.met);
        assert_eq!(met("gap report p99, 64 clients"), Some(Some(true)));
        assert_eq!(met("replay"), Some(Some(false)));
        assert_eq!(met("start-up from a snapshot"), Some(None));
        f.add("query.as_of.refused", "as-of refused", 3.0, "requests");
        let refused = goals(&f).into_iter().find(|g| g.goal.starts_with("as-of")).unwrap();
        assert_eq!((refused.measured, refused.met), (f64::INFINITY, Some(false)));
    }
}
