//! The payloads of the partnership family (`partnership.*`, `need.*`, `target.*`): events whose
//! source is a partnership.

use super::{MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_TITLE_CHARS, Obj, Path, Validator};
use crate::error::ErrorCode;
use crate::event::*;
use crate::vocab::*;

impl Validator {
    pub(super) fn partnership_payload(
        &mut self,
        t: EventType,
        d: &Obj<'_, '_>,
        partnership_id: PartnershipId,
    ) -> Option<Payload> {
        Some(match t {
            EventType::PartnershipRegistered => {
                let name = self.req_text(d, "name", MAX_NAME_CHARS);
                let areas = self.areas(d);
                let rules = match self.optional(d, "rules") {
                    None => Some(None),
                    Some(v) => self.object(d.at("rules"), v).and_then(|r| self.rules(&r)).map(Some),
                };
                let iag = self.v2(|v| v.opt_iag(d));
                Payload::PartnershipRegistered(PartnershipRegistered {
                    partnership_id,
                    name: name?,
                    areas: areas?,
                    rules: rules?,
                    iag: iag?,
                })
            }
            EventType::NeedIdentified => {
                let need_id = self.req_vocab::<LocalId>(d, "need_id");
                let subject = self.req_vocab::<SubjectCode>(d, "subject");
                let level = self.req_vocab::<Level>(d, "level");
                let age_group = self.req_vocab::<AgeGroup>(d, "age_group");
                let academic_year = self.req_vocab::<AcademicYear>(d, "academic_year");
                let learners = self.req_integer(d, "learners", 1);
                let evidence = self.req_vocab::<Evidence>(d, "evidence");
                let mode = self.opt_vocab::<Mode>(d, "mode");
                let area = self.opt_vocab::<AreaCode>(d, "area");
                let note = self.opt_text(d, "note", MAX_NOTE_CHARS);
                Payload::NeedIdentified(NeedIdentified {
                    partnership_id,
                    need_id: need_id?,
                    subject: subject?,
                    level: level?,
                    age_group: age_group?,
                    academic_year: academic_year?,
                    learners: learners?,
                    evidence: evidence?,
                    mode: mode?,
                    area: area?,
                    note: note?,
                })
            }
            EventType::NeedWithdrawn => {
                let need_id = self.req_vocab::<LocalId>(d, "need_id");
                let reason = self.opt_text(d, "reason", MAX_NOTE_CHARS);
                Payload::NeedWithdrawn(NeedWithdrawn { partnership_id, need_id: need_id?, reason: reason? })
            }
            EventType::TargetSet => {
                let target_id = self.req_vocab::<LocalId>(d, "target_id");
                let academic_year = self.req_vocab::<AcademicYear>(d, "academic_year");
                let measure = self.req_vocab::<Measure>(d, "measure");
                let value = self.req_integer(d, "value", 1);
                let subject = self.opt_vocab::<SubjectCode>(d, "subject");
                let level = self.opt_vocab::<Level>(d, "level");
                let age_group = self.opt_vocab::<AgeGroup>(d, "age_group");
                let title = self.v2(|v| v.opt_text(d, "title", MAX_TITLE_CHARS));
                Payload::TargetSet(TargetSet {
                    partnership_id,
                    target_id: target_id?,
                    academic_year: academic_year?,
                    measure: measure?,
                    value: value?,
                    subject: subject?,
                    level: level?,
                    age_group: age_group?,
                    title: title?,
                })
            }
            EventType::PlanPublished => return self.plan_payload(d, partnership_id),
            _ => unreachable!("provider event types are handled by provider_payload"),
        })
    }

    pub(super) fn areas(&mut self, d: &Obj<'_, '_>) -> Option<Vec<AreaCode>> {
        let path = d.at("areas");
        let items = self.required(d, "areas").and_then(|v| self.array(path, v))?;
        if items.is_empty() {
            self.err(ErrorCode::InvalidValue, path.to_string(), "must list at least one area".into());
            return None;
        }
        let parsed: Vec<Option<AreaCode>> =
            items.iter().enumerate().map(|(i, a)| self.vocab::<AreaCode>(Path::Item(&path, i), a)).collect();
        let mut areas: Vec<AreaCode> = parsed.into_iter().collect::<Option<_>>()?;
        areas.sort();
        areas.dedup();
        Some(areas)
    }

    pub(super) fn rules(&mut self, r: &Obj<'_, '_>) -> Option<Rules> {
        let surplus_tolerance = self.opt_number(r, "surplus_tolerance", 0.0..=f64::MAX, "a number ≥ 0");
        let viable_fill_rate = self.opt_number(r, "viable_fill_rate", 0.0..=1.0, "a number from 0 to 1");
        let min_group_size = self.opt_integer(r, "min_group_size", 0);
        Some(Rules {
            surplus_tolerance: surplus_tolerance?,
            viable_fill_rate: viable_fill_rate?,
            min_group_size: min_group_size?,
        })
    }
}
