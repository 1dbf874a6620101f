//! What the validation test binaries share.

use provisio_events::example::example_json;
use provisio_events::{ErrorCode, EventType, validate};
use serde_json::Value;

/// Applies `edit` to the example of `t` and expects exactly these `(code, field)` errors.
pub(crate) fn check(t: EventType, edit: impl FnOnce(&mut Value), expected: &[(ErrorCode, &str)]) {
    let mut event = example_json(t);
    edit(&mut event);
    let got: Vec<(ErrorCode, String)> = match validate(&event) {
        Ok(_) => vec![],
        Err(errors) => errors.into_iter().map(|e| (e.code, e.field)).collect(),
    };
    let expected: Vec<(ErrorCode, String)> = expected.iter().map(|(c, f)| (*c, f.to_string())).collect();
    assert_eq!(got, expected, "for {t} edited to {event}");
}
