//! What a published plan says (CONTRACT section 9): the partnership as it was at the plan's
//! position, for the plan's academic years, and how the plan stands now (`progress`).
//!
//! Both are read from engines the caller supplies (the state at the plan's position, at its
//! previous plan's, and now): the engine keeps no copy of a plan's content, and the same plan
//! read from the same log is always the same answer.

use crate::collab::{MemberRow, ProposalDetail, ProposalStatus};
use crate::diff::Changes;
use crate::keys::{Cell, Year};
use crate::plans::{PlanRef, PlanVersion};
use crate::query::Filter;
use crate::rows::{CoverageCell, DuplicationRow, GapRow, TargetRow};
use crate::{Engine, NeedRow};
use provisio_events::vocab::{
    AcademicYear, AgeGroup, Level, LocalId, Mode, PartnershipId, PlanStatus, SubjectCode, Vocab,
};
use provisio_events::{PlanPublished, Priority};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// The cells of one academic year, as the coverage report lists them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct YearCoverage {
    pub academic_year: AcademicYear,
    pub cells: Vec<CoverageCell>,
}

/// `GET …/plans/{plan_id}`: the plan fixed at its position.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanContent {
    pub partnership_id: PartnershipId,
    /// The partnership's name at the plan's position, for the document's title page.
    pub partnership_name: String,
    pub plan_id: LocalId,
    pub title: String,
    pub status: PlanStatus,
    pub academic_years: Vec<AcademicYear>,
    pub priorities: Vec<PriorityRow>,
    pub foreword: Option<String>,
    pub position: u64,
    pub published_at: String,
    pub members: Vec<MemberRow>,
    pub needs: Vec<NeedRow>,
    pub gaps: Vec<GapRow>,
    pub duplications: Vec<DuplicationRow>,
    pub coverage: Vec<YearCoverage>,
    pub targets: Vec<TargetRow>,
    /// The proposals of `proposal_ids` (those that exist), else those agreed or done.
    pub proposals: Vec<ProposalDetail>,
    pub previous: Option<PlanRef>,
    pub changes_since_previous: Option<Changes>,
}

/// A priority with its `detail` always present (`null` when not given).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriorityRow {
    pub title: String,
    pub detail: Option<String>,
}

impl From<&Priority> for PriorityRow {
    fn from(p: &Priority) -> Self {
        PriorityRow { title: p.title.clone(), detail: p.detail.clone() }
    }
}

fn years_of(plan: &PlanPublished) -> BTreeSet<Year> {
    plan.academic_years.iter().map(Year::of).collect()
}

impl PlanContent {
    /// Plan `version` of partnership `id`, read from `at_plan` (the engine after the plan's
    /// position was applied) and, when it has a previous plan, from `at_previous` (the engine
    /// after that plan's position). `published_at` is the plan event's `recorded_at`.
    /// A partnership not registered at the plan's position (its plan event came first) has
    /// empty lists.
    pub fn of(
        id: &str,
        version: &PlanVersion,
        published_at: String,
        at_plan: &Engine,
        at_previous: Option<&Engine>,
    ) -> PlanContent {
        let plan = &version.published;
        let name = at_plan.partnership(id).map(|p| p.name).unwrap_or_default();
        let years = years_of(plan);
        let all = Filter::default();
        let in_years = |cell: Cell| years.contains(&cell.academic_year);
        let gaps = at_plan.gaps(id, &all).unwrap_or_default().into_iter().filter(|g| in_years(gap_cell(g))).collect();
        let duplications = at_plan
            .duplications(id, &all)
            .unwrap_or_default()
            .into_iter()
            .filter(|d| in_years(duplication_cell(d)))
            .collect();
        let coverage = plan
            .academic_years
            .iter()
            .map(|y| {
                let f = Filter { academic_year: Some(y.clone()), ..Filter::default() };
                YearCoverage { academic_year: y.clone(), cells: at_plan.coverage(id, &f).unwrap_or_default() }
            })
            .collect();
        let changes_since_previous = version.previous.as_ref().zip(at_previous).map(|(previous, engine)| {
            Changes::between(id, (previous.position, engine), (Some(version.position), at_plan))
        });
        PlanContent {
            partnership_id: plan.partnership_id.clone(),
            partnership_name: name,
            plan_id: plan.plan_id.clone(),
            title: plan.title.clone(),
            status: plan.status,
            academic_years: plan.academic_years.clone(),
            priorities: plan.priorities.iter().map(PriorityRow::from).collect(),
            foreword: plan.foreword.clone(),
            position: version.position,
            published_at,
            members: at_plan.members(id).unwrap_or_default(),
            needs: at_plan
                .needs(id, &all)
                .unwrap_or_default()
                .into_iter()
                .filter(|n| years.contains(&n.academic_year))
                .collect(),
            gaps,
            duplications,
            coverage,
            targets: at_plan
                .targets(id, &all)
                .unwrap_or_default()
                .into_iter()
                .filter(|t| years.contains(&t.academic_year))
                .collect(),
            proposals: proposals_of(id, plan, at_plan),
            previous: version.previous.clone(),
            changes_since_previous,
        }
    }
}

/// The proposals a plan lists, as they were at its position: those of `proposal_ids` in that
/// order (an id with no proposal is left out), or by default those agreed or done, newest
/// first.
fn proposals_of(id: &str, plan: &PlanPublished, at_plan: &Engine) -> Vec<ProposalDetail> {
    match &plan.proposal_ids {
        Some(ids) => ids.iter().filter_map(|pid| at_plan.proposal(id, pid.as_str())).collect(),
        None => {
            let listed = at_plan.proposals(id, None).unwrap_or_default().into_iter();
            let agreed = listed.filter(|p| matches!(p.status, ProposalStatus::Agreed | ProposalStatus::Done));
            agreed.filter_map(|p| at_plan.proposal(id, p.proposal_id.as_str())).collect()
        }
    }
}

fn gap_cell(g: &GapRow) -> Cell {
    Cell { academic_year: g.academic_year, subject: g.subject, level: g.level, age_group: g.age_group }
}

fn duplication_cell(d: &DuplicationRow) -> Cell {
    Cell { academic_year: d.academic_year, subject: d.subject, level: d.level, age_group: d.age_group }
}

/// `GET …/plans/{plan_id}/progress`: the plan's rows then, and where they stand now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanProgress {
    pub plan_id: LocalId,
    pub plan_position: u64,
    pub position: u64,
    pub targets: Vec<TargetProgress>,
    pub gaps: Vec<GapProgress>,
    pub duplications: Vec<DuplicationProgress>,
    pub proposals: Vec<ProposalProgress>,
}

/// A proposal of the plan: `status_now` is `null` if it no longer exists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProposalProgress {
    pub proposal_id: LocalId,
    pub status_then: ProposalStatus,
    pub status_now: Option<ProposalStatus>,
}

/// A target of the plan: `now` is `null` when it is no longer set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetProgress {
    pub target_id: LocalId,
    pub then: u64,
    pub now: Option<u64>,
    pub value: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GapProgress {
    pub academic_year: Year,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub unmet_then: u64,
    /// 0 once the gap has closed.
    pub unmet_now: u64,
    pub open_now: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicationProgress {
    pub academic_year: Year,
    pub subject: SubjectCode,
    pub level: Level,
    pub age_group: AgeGroup,
    pub mode: Mode,
    pub open_now: bool,
}

impl PlanProgress {
    /// Plan `then` (its content at its position) compared with `now`, the engine after
    /// position `position`.
    pub fn of(then: &PlanContent, position: u64, now: &Engine) -> PlanProgress {
        let id = then.partnership_id.as_str();
        let all = Filter::default();
        let targets_now: HashMap<LocalId, TargetRow> =
            now.targets(id, &all).unwrap_or_default().into_iter().map(|t| (t.target_id.clone(), t)).collect();
        let gaps_now: HashMap<Cell, u64> =
            now.gaps(id, &all).unwrap_or_default().iter().map(|g| (gap_cell(g), g.unmet)).collect();
        let duplications_now: BTreeSet<(Cell, Mode)> =
            now.duplications(id, &all).unwrap_or_default().iter().map(|d| (duplication_cell(d), d.mode)).collect();
        PlanProgress {
            plan_id: then.plan_id.clone(),
            plan_position: then.position,
            position,
            targets: then
                .targets
                .iter()
                .map(|t| TargetProgress {
                    target_id: t.target_id.clone(),
                    then: t.current,
                    now: targets_now.get(&t.target_id).map(|n| n.current),
                    value: t.value,
                })
                .collect(),
            gaps: then
                .gaps
                .iter()
                .map(|g| {
                    let unmet_now = gaps_now.get(&gap_cell(g)).copied();
                    GapProgress {
                        academic_year: g.academic_year,
                        subject: g.subject,
                        level: g.level,
                        age_group: g.age_group,
                        unmet_then: g.unmet,
                        unmet_now: unmet_now.unwrap_or(0),
                        open_now: unmet_now.is_some(),
                    }
                })
                .collect(),
            duplications: then
                .duplications
                .iter()
                .map(|d| DuplicationProgress {
                    academic_year: d.academic_year,
                    subject: d.subject,
                    level: d.level,
                    age_group: d.age_group,
                    mode: d.mode,
                    open_now: duplications_now.contains(&(duplication_cell(d), d.mode)),
                })
                .collect(),
            proposals: then
                .proposals
                .iter()
                .map(|p| ProposalProgress {
                    proposal_id: p.proposal_id.clone(),
                    status_then: p.status,
                    status_now: now.proposal(id, p.proposal_id.as_str()).map(|n| n.status),
                })
                .collect(),
        }
    }
}
