//! The payload of `lp.plan.published.v1` (CONTRACT section 9): a version of a partnership's
//! local learning plan.

use super::{MAX_NAME_CHARS, MAX_NOTE_CHARS, Obj, Path, Validator};
use crate::error::ErrorCode;
use crate::event::*;
use crate::vocab::*;

/// Most academic years, priorities or proposal ids one plan may list.
pub const MAX_PLAN_ITEMS: usize = 100;

impl Validator {
    pub(super) fn plan_payload(&mut self, d: &Obj<'_, '_>, partnership_id: PartnershipId) -> Option<Payload> {
        let plan_id = self.req_vocab::<LocalId>(d, "plan_id");
        let title = self.req_text(d, "title", MAX_NAME_CHARS);
        let academic_years = self.academic_years(d);
        let status = self.req_vocab::<PlanStatus>(d, "status");
        let priorities = self.priorities(d);
        let proposal_ids = match self.optional(d, "proposal_ids") {
            None => Some(None),
            Some(v) => self.list(d.at("proposal_ids"), v, 0).and_then(|items| {
                let path = d.at("proposal_ids");
                let ids: Vec<Option<LocalId>> =
                    items.iter().enumerate().map(|(i, v)| self.vocab::<LocalId>(Path::Item(&path, i), v)).collect();
                ids.into_iter().collect::<Option<Vec<_>>>().map(Some)
            }),
        };
        let foreword = self.opt_text(d, "foreword", MAX_NOTE_CHARS);
        Some(Payload::PlanPublished(PlanPublished {
            partnership_id,
            plan_id: plan_id?,
            title: title?,
            academic_years: academic_years?,
            status: status?,
            priorities: priorities?,
            proposal_ids: proposal_ids?,
            foreword: foreword?,
        }))
    }

    /// An array of at least `min` and at most [`MAX_PLAN_ITEMS`] items.
    fn list<'v>(&mut self, path: Path<'_>, v: &'v serde_json::Value, min: usize) -> Option<&'v Vec<serde_json::Value>> {
        let items = self.array(path, v)?;
        if items.len() < min {
            self.err(ErrorCode::InvalidValue, path.to_string(), format!("must list at least {min}"));
            return None;
        }
        if items.len() > MAX_PLAN_ITEMS {
            let message = format!("lists {}; at most {MAX_PLAN_ITEMS} are allowed", items.len());
            self.err(ErrorCode::InvalidValue, path.to_string(), message);
            return None;
        }
        Some(items)
    }

    /// At least one academic year; sorted, each once.
    fn academic_years(&mut self, d: &Obj<'_, '_>) -> Option<Vec<AcademicYear>> {
        let path = d.at("academic_years");
        let items = self.required(d, "academic_years").and_then(|v| self.list(path, v, 1))?;
        let parsed: Vec<Option<AcademicYear>> =
            items.iter().enumerate().map(|(i, y)| self.vocab::<AcademicYear>(Path::Item(&path, i), y)).collect();
        let mut years: Vec<AcademicYear> = parsed.into_iter().collect::<Option<_>>()?;
        years.sort();
        years.dedup();
        Some(years)
    }

    /// `[{"title", ("detail")}]`, possibly empty.
    fn priorities(&mut self, d: &Obj<'_, '_>) -> Option<Vec<Priority>> {
        let path = d.at("priorities");
        let items = self.required(d, "priorities").and_then(|v| self.list(path, v, 0))?;
        let parsed: Vec<Option<Priority>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let o = self.object(Path::Item(&path, i), item)?;
                let title = self.req_text(&o, "title", MAX_NAME_CHARS);
                let detail = self.opt_text(&o, "detail", MAX_NOTE_CHARS);
                Some(Priority { title: title?, detail: detail? })
            })
            .collect();
        parsed.into_iter().collect()
    }
}
