//! Decoding and validating arbitrary bytes as an event must never panic: every input is either
//! a valid event that round-trips, or a list of field errors.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return };
    match provisio_events::validate(&value) {
        Ok(event) => {
            let again = provisio_events::validate(&event.to_json()).expect("a valid event's own JSON validates");
            assert_eq!(again, event, "a valid event round-trips");
        }
        Err(errors) => assert!(!errors.is_empty(), "a rejection names at least one error"),
    }
});
