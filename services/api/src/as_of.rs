//! The state of a partnership at an earlier log position (CONTRACT section 10): what
//! `as_of_position=` and `as_of=` resolve to, and the engine as it was after that position.
//!
//! A past state is rebuilt by replaying the log up to it (ADR 0008), from the nearest engine
//! image or kept past engine below it: the very code that made the live answers makes the
//! past ones, so they cannot disagree.

use crate::AppState;
use crate::problem::ApiError;
use provisio_engine::Engine;
use provisio_projector::Snapshot;
use std::sync::Arc;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A moment of the log a request names: a position, or an instant of `recorded_at`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Moment {
    Position(u64),
    Time(OffsetDateTime),
}

/// Reads a moment given either by position (`position.0` named `position.1`) or by time;
/// both given, or either malformed, is `400 invalid-parameter` naming the parameter.
pub(crate) fn moment(
    position: (&'static str, Option<&str>),
    time: (&'static str, Option<&str>),
) -> Result<Option<Moment>, ApiError> {
    let invalid = |parameter, message: String| ApiError::InvalidParameter { parameter, message };
    match (position.1, time.1) {
        (Some(_), Some(_)) => Err(invalid(position.0, format!("give {} or {}, not both", position.0, time.0))),
        (Some(text), None) => text
            .parse()
            .map(|n| Some(Moment::Position(n)))
            .map_err(|_| invalid(position.0, format!("{text:?} is not a non-negative integer"))),
        (None, Some(text)) => OffsetDateTime::parse(text, &Rfc3339)
            .map(|t| Some(Moment::Time(t)))
            .map_err(|_| invalid(time.0, format!("{text:?} is not an RFC 3339 timestamp"))),
        (None, None) => Ok(None),
    }
}

/// The log position a moment stands for: an instant is the greatest position recorded at or
/// before it, 0 when none is.
pub(crate) async fn resolve(state: &AppState, moment: Moment) -> Result<u64, ApiError> {
    match moment {
        Moment::Position(n) => Ok(n),
        Moment::Time(at) => Ok(state.projection.store().position_at(at).await?.max(0) as u64),
    }
}

/// The position a moment stands for and the engine after it was applied, for partnership
/// `id`, given the `current` snapshot (already at any `min_position` asked for).
pub(crate) async fn engine_for(
    state: &AppState,
    current: Snapshot,
    id: &str,
    moment: Moment,
) -> Result<(u64, Arc<Engine>), ApiError> {
    let n = resolve(state, moment).await?;
    let current = current_through(state, current, id, n).await?;
    Ok((n, engine_at(state, &current, n).await?))
}

/// The current snapshot once position `n` is applied: a position not applied yet is waited
/// for as `min_position` is. Whether the partnership exists is judged by the current state
/// (`404` only when it is not registered now).
pub(crate) async fn current_through(
    state: &AppState,
    current: Snapshot,
    id: &str,
    n: u64,
) -> Result<Snapshot, ApiError> {
    let current = if current.position < n { crate::snapshot::snapshot_at(state, n).await? } else { current };
    if current.engine.partnership(id).is_none() {
        return Err(ApiError::PartnershipNotFound(id.to_owned()));
    }
    Ok(current)
}

/// The engine after position `n` (at most `current`'s) was applied: `current` itself when it
/// is at `n`, else the projection's past engine (the nearest kept engine or stored image below
/// `n` with the log after it applied, ADR 0008).
pub(crate) async fn engine_at(state: &AppState, current: &Snapshot, n: u64) -> Result<Arc<Engine>, ApiError> {
    if current.position == n {
        return Ok(current.engine.clone());
    }
    Ok(state.projection.engine_at(n).await?)
}

/// The engines after positions `from` and `to` (`from <= to <= current.position`): the second
/// replays on from the first, which the projection keeps.
pub(crate) async fn engines_at(
    state: &AppState,
    current: &Snapshot,
    from: u64,
    to: u64,
) -> Result<(Arc<Engine>, Arc<Engine>), ApiError> {
    let before = engine_at(state, current, from).await?;
    Ok((before, engine_at(state, current, to).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(position: Option<&str>, time: Option<&str>) -> Result<Option<Moment>, String> {
        moment(("as_of_position", position), ("as_of", time)).map_err(|e| e.to_string())
    }

    #[test]
    fn a_moment_is_a_position_or_an_instant_with_any_offset() {
        assert_eq!(parse(None, None), Ok(None));
        assert_eq!(parse(Some("7"), None), Ok(Some(Moment::Position(7))));
        let at = parse(None, Some("2026-12-02T03:00:00+01:00")).unwrap();
        let utc = OffsetDateTime::parse("2026-12-02T02:00:00Z", &Rfc3339).unwrap();
        assert_eq!(at, Some(Moment::Time(utc)));
    }

    #[test]
    fn both_or_a_malformed_value_names_the_parameter() {
        assert!(parse(Some("1"), Some("2026-12-02T02:00:00Z")).unwrap_err().contains("as_of_position"));
        assert!(parse(Some("-1"), None).unwrap_err().contains("as_of_position"));
        assert!(parse(None, Some("yesterday")).unwrap_err().contains("as_of"));
        assert!(parse(None, Some("2026-12-02")).unwrap_err().contains("as_of"));
    }
}
