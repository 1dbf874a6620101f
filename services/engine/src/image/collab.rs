//! [`Image`] for members, proposals and plans (CONTRACT sections 8 and 9).
//!
//! A proposal's and a plan's own event and a proposal's drafts are written as event JSON and read back through the
//! events crate's reading of stored events: they are whole events of a rich vocabulary, and a
//! second binary form of each would be a second parser to keep in step. What follows from the
//! reports (`derived`, and the summary last shown) is not written: after the partnerships are
//! read, `Engine::rederive_all` recomputes it against the same state, as the log's last event
//! that moved it did (only the position its impact was computed at is kept).

use super::ImageError;
use super::codec::{Image, Reader, Writer, field_shape};
use crate::Engine;
use crate::collab::{Collab, DecisionRecord, Derived, Ignored, Member, Proposal, ProposalStatus, Response, Tally};
use crate::diff::Changes;
use crate::plans::{PlanRef, PlanVersion, Plans};
use provisio_events::vocab::{Decision, MemberId, MemberKind, Stance, Vocab};
use provisio_events::{Event, EventType, Payload, PlanPublished, ProposalMade, validate_stored};
use std::sync::Arc;

vocab_text!(MemberId, MemberKind, Stance, Decision, EventType, ProposalStatus);

impl Image for bool {
    fn put(&self, w: &mut Writer) {
        w.byte(u8::from(*self));
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        match r.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(ImageError::Invalid("bool")),
        }
    }
    fn shape(s: &mut String) {
        s.push_str("bool");
    }
}

fields!(Member { name, kind, ukprn, current });
fields!(Response { stance, comment, position });
fields!(DecisionRecord { decision, note, position });
fields!(Ignored { position, event_type, member_id, reason });
fields!(Tally { support, object, abstain });
fields!(Collab { members, proposals, ignored, draft_ukprns });

impl Image for Event {
    fn put(&self, w: &mut Writer) {
        w.text(&self.to_json().to_string());
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        let json = serde_json::from_str(r.text()?).map_err(|_| ImageError::Invalid("event"))?;
        validate_stored(&json).map_err(|_| ImageError::Invalid("event"))
    }
    fn shape(s: &mut String) {
        s.push_str("Event(json)");
    }
}

/// Writes `data` as the data of a `type` event from `partnership`'s source, which stored
/// events of both payloads below may always come from.
fn put_as_event(w: &mut Writer, event_type: EventType, partnership: &str, data: &impl serde::Serialize) {
    let event = serde_json::json!({
        "specversion": "1.0", "id": "image", "source": format!("urn:lp:{partnership}"),
        "type": event_type.as_str(), "time": "1970-01-01T00:00:00Z", "data": data,
    });
    w.text(&event.to_string());
}

/// A proposal's payload, as the data of a `proposal.made` event from its partnership.
impl Image for ProposalMade {
    fn put(&self, w: &mut Writer) {
        put_as_event(w, EventType::ProposalMade, self.partnership_id.as_str(), self);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        match Event::take(r)?.payload {
            Payload::ProposalMade(made) => Ok(made),
            _ => Err(ImageError::Invalid("proposal")),
        }
    }
    fn shape(s: &mut String) {
        s.push_str("ProposalMade(json)");
    }
}

/// A plan's payload, as the data of its `plan.published` event.
impl Image for PlanPublished {
    fn put(&self, w: &mut Writer) {
        put_as_event(w, EventType::PlanPublished, self.partnership_id.as_str(), self);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        match Event::take(r)?.payload {
            Payload::PlanPublished(plan) => Ok(plan),
            _ => Err(ImageError::Invalid("plan")),
        }
    }
    fn shape(s: &mut String) {
        s.push_str("PlanPublished(json)");
    }
}

fields!(PlanRef { plan_id, position });
fields!(PlanVersion { position, previous, published });
fields!(Plans { by_partnership });

/// `derived` and `shown` follow from the state: only the position the impact was computed at
/// is written, the rest is recomputed by `Engine::rederive_all`.
impl Image for Proposal {
    fn put(&self, w: &mut Writer) {
        let Proposal { made, drafts, made_position, responses, decision, status, frozen, derived, shown: _ } = self;
        made.put(w);
        drafts.put(w);
        made_position.put(w);
        responses.put(w);
        decision.put(w);
        status.put(w);
        frozen.put(w);
        derived.as_ref().map(|d| d.impact.from).put(w);
    }
    fn take(r: &mut Reader<'_>) -> Result<Self, ImageError> {
        let proposal = Proposal {
            made: Image::take(r)?,
            drafts: Image::take(r)?,
            made_position: Image::take(r)?,
            responses: Image::take(r)?,
            decision: Image::take(r)?,
            status: Image::take(r)?,
            frozen: Image::take(r)?,
            derived: None,
            shown: None,
        };
        // Kept until `rederive_all` has recomputed the rest.
        let impact_from: Option<u64> = Image::take(r)?;
        let pending =
            |from| Derived { fulfilment: Vec::new(), addressed: Vec::new(), impact: Arc::new(Changes::none(from)) };
        Ok(Proposal { derived: impact_from.map(pending), ..proposal })
    }
    fn shape(s: &mut String) {
        s.push_str("Proposal{");
        field_shape::<Proposal, _>("made", |x| &x.made, s);
        field_shape::<Proposal, _>("drafts", |x| &x.drafts, s);
        field_shape::<Proposal, _>("made_position", |x| &x.made_position, s);
        field_shape::<Proposal, _>("responses", |x| &x.responses, s);
        field_shape::<Proposal, _>("decision", |x| &x.decision, s);
        field_shape::<Proposal, _>("status", |x| &x.status, s);
        field_shape::<Proposal, _>("frozen", |x| &x.frozen, s);
        s.push_str("impact_from:Option<u64>;");
        s.push('}');
    }
}

impl Engine {
    /// Recomputes every proposal's derived state and last shown summary after an image is
    /// read; the changes it would announce were announced when the log was applied.
    pub(super) fn rederive_all(&mut self) {
        let ids: Vec<_> = self.collab.keys().cloned().collect();
        let position = self.position;
        for id in ids {
            let Some(collab) = self.collab.get(&id) else { continue };
            let from: Vec<_> = collab.proposals.iter().map(|(pid, p)| (pid.clone(), impact_from(p))).collect();
            let _ = self.rederive(&id, position);
            let Some(collab) = self.collab.get_mut(&id).map(Arc::make_mut) else { continue };
            for (pid, from) in from {
                let derived = collab.proposals.get_mut(&pid).and_then(|p| p.derived.as_mut());
                if let (Some(derived), Some(from)) = (derived, from) {
                    Arc::make_mut(&mut derived.impact).from = from;
                }
            }
        }
    }
}

fn impact_from(p: &Proposal) -> Option<u64> {
    p.derived.as_ref().map(|d| d.impact.from)
}
