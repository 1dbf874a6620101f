//! The payloads of members and proposals (CONTRACT section 8): events of a partnership's
//! source, and (proposals and responses) of its members' own sources.

use super::{MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_PROPOSAL_CHANGES, Obj, Path, Validator};
use crate::collab::*;
use crate::error::{ErrorCode, quote};
use crate::event::*;
use crate::vocab::*;

impl Validator {
    pub(super) fn collab_payload(
        &mut self,
        t: EventType,
        d: &Obj<'_, '_>,
        partnership_id: PartnershipId,
        source: Option<&Source>,
    ) -> Option<Payload> {
        Some(match t {
            EventType::MemberJoined => {
                let member_id = self.req_vocab::<MemberId>(d, "member_id");
                let name = self.req_text(d, "name", MAX_NAME_CHARS);
                let kind = self.req_vocab::<MemberKind>(d, "kind");
                let ukprn = self.opt_vocab::<Ukprn>(d, "ukprn");
                let contact = self.opt_text(d, "contact", MAX_NAME_CHARS);
                Payload::MemberJoined(MemberJoined {
                    partnership_id,
                    member_id: member_id?,
                    name: name?,
                    kind: kind?,
                    ukprn: ukprn?,
                    contact: contact?,
                })
            }
            EventType::MemberLeft => {
                let member_id = self.req_vocab::<MemberId>(d, "member_id");
                let reason = self.opt_text(d, "reason", MAX_NOTE_CHARS);
                Payload::MemberLeft(MemberLeft { partnership_id, member_id: member_id?, reason: reason? })
            }
            EventType::ProposalMade => {
                let proposal_id = self.req_vocab::<LocalId>(d, "proposal_id");
                let member_id = self.speaker(d, source);
                let title = self.req_text(d, "title", MAX_NAME_CHARS);
                let kind = self.req_vocab::<ProposalKind>(d, "kind");
                let addresses = self.addresses(d);
                let changes = self.changes(d);
                let summary = self.opt_text(d, "summary", MAX_NOTE_CHARS);
                let due = self.opt_vocab::<Date>(d, "due");
                Payload::ProposalMade(ProposalMade {
                    partnership_id,
                    proposal_id: proposal_id?,
                    member_id: member_id?,
                    title: title?,
                    kind: kind?,
                    addresses: addresses?,
                    changes: changes?,
                    summary: summary?,
                    due: due?,
                })
            }
            EventType::ProposalResponded => {
                let proposal_id = self.req_vocab::<LocalId>(d, "proposal_id");
                let member_id = self.speaker(d, source);
                let stance = self.req_vocab::<Stance>(d, "stance");
                let comment = self.opt_text(d, "comment", MAX_NOTE_CHARS);
                Payload::ProposalResponded(ProposalResponded {
                    partnership_id,
                    proposal_id: proposal_id?,
                    member_id: member_id?,
                    stance: stance?,
                    comment: comment?,
                })
            }
            EventType::ProposalDecided => {
                let proposal_id = self.req_vocab::<LocalId>(d, "proposal_id");
                let decision = self.req_vocab::<Decision>(d, "decision");
                let note = self.opt_text(d, "note", MAX_NOTE_CHARS);
                Payload::ProposalDecided(ProposalDecided {
                    partnership_id,
                    proposal_id: proposal_id?,
                    decision: decision?,
                    note: note?,
                })
            }
            _ => unreachable!("other event types are handled by partnership_payload and provider_payload"),
        })
    }

    /// `data.member_id`, which a member's own source must name as itself.
    fn speaker(&mut self, d: &Obj<'_, '_>, source: Option<&Source>) -> Option<MemberId> {
        let member_id = self.req_vocab::<MemberId>(d, "member_id")?;
        if let Some(Source::Member(_, own)) = source
            && *own != member_id
        {
            self.err(
                ErrorCode::SourceMismatch,
                d.at("member_id").to_string(),
                format!("{} differs from the source's member id {}", quote(member_id.as_str()), quote(own.as_str())),
            );
            return None;
        }
        Some(member_id)
    }

    fn addresses(&mut self, d: &Obj<'_, '_>) -> Option<Vec<RowKey>> {
        let path = d.at("addresses");
        let items = self.required(d, "addresses").and_then(|v| self.array(path, v))?;
        let keys: Vec<Option<RowKey>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| self.object(Path::Item(&path, i), item).and_then(|o| self.row_key(&o)))
            .collect();
        keys.into_iter().collect()
    }

    fn row_key(&mut self, o: &Obj<'_, '_>) -> Option<RowKey> {
        let report = self.req_vocab::<ReportKind>(o, "report");
        let academic_year = self.req_vocab::<AcademicYear>(o, "academic_year");
        let subject = self.req_vocab::<SubjectCode>(o, "subject");
        let level = self.req_vocab::<Level>(o, "level");
        let age_group = self.req_vocab::<AgeGroup>(o, "age_group");
        let mode = match report {
            Some(ReportKind::Duplication) => self.req_vocab::<Mode>(o, "mode").map(Some),
            Some(ReportKind::Gap) if self.optional(o, "mode").is_some() => {
                self.err(ErrorCode::InvalidValue, o.at("mode").to_string(), "a gap row has no mode".into());
                None
            }
            _ => Some(None),
        };
        Some(RowKey {
            report: report?,
            academic_year: academic_year?,
            subject: subject?,
            level: level?,
            age_group: age_group?,
            mode: mode?,
        })
    }

    fn changes(&mut self, d: &Obj<'_, '_>) -> Option<Vec<DraftChange>> {
        let path = d.at("changes");
        let items = self.required(d, "changes").and_then(|v| self.array(path, v))?;
        if items.len() > MAX_PROPOSAL_CHANGES {
            self.err(
                ErrorCode::InvalidValue,
                path.to_string(),
                format!("lists {} changes; at most {MAX_PROPOSAL_CHANGES} are allowed", items.len()),
            );
            return None;
        }
        let changes: Vec<Option<DraftChange>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let item_path = Path::Item(&path, i);
                self.object(item_path, item).and_then(|o| self.change(&o))
            })
            .collect();
        changes.into_iter().collect()
    }

    /// `{"type", "data"}`, the data validated exactly as that event's.
    fn change(&mut self, o: &Obj<'_, '_>) -> Option<DraftChange> {
        let t = self.required(o, "type").and_then(|v| self.string(o.at("type"), v, "an event type"));
        let t = match t.map(EventType::parse) {
            Some(Some(t @ (EventType::ProvisionOffered | EventType::ProvisionWithdrawn))) => Some(t),
            Some(_) => {
                let got = t.unwrap_or_default();
                self.err(
                    ErrorCode::InvalidValue,
                    o.at("type").to_string(),
                    format!(
                        "{} is not a draft change type (lp.provision.offered.v1 or lp.provision.withdrawn.v1)",
                        quote(got)
                    ),
                );
                None
            }
            None => None,
        };
        let data = self.required(o, "data").and_then(|v| self.object(o.at("data"), v))?;
        let ukprn = self.req_vocab::<Ukprn>(&data, "ukprn");
        // Without a valid UKPRN the other fields are still checked, so every error shows at once.
        let stand_in = || Ukprn::parse("10000000");
        let payload = self.provider_payload(t?, &data, ukprn.clone().or_else(stand_in)?);
        ukprn?;
        match payload? {
            Payload::ProvisionOffered(e) => Some(DraftChange::Offered(Box::new(e))),
            Payload::ProvisionWithdrawn(e) => Some(DraftChange::Withdrawn(e)),
            _ => None,
        }
    }
}
