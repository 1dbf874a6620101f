//! Every input of the fuzz corpus, and every crash the fuzzer ever found (`fuzz/artifacts`),
//! replayed through the fuzz target's property: validation never panics, a valid event
//! round-trips, a rejection names at least one error. `PROVISIO_BLESS=1` writes the seed
//! corpus (one complete example per event type).

use provisio_events::example::example_json;
use provisio_events::{EventType, validate};
use std::path::PathBuf;

fn fuzz_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz").join(kind).join("validate_event")
}

/// The fuzz target's property, for one input.
fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return };
    match validate(&value) {
        Ok(event) => assert_eq!(validate(&event.to_json()).expect("a valid event's JSON validates"), event),
        Err(errors) => assert!(!errors.is_empty()),
    }
}

#[test]
fn the_fuzz_corpus_and_every_crash_found_hold_the_property() {
    if std::env::var_os("PROVISIO_BLESS").is_some() {
        std::fs::create_dir_all(fuzz_dir("corpus")).unwrap();
        for t in EventType::ALL {
            std::fs::write(fuzz_dir("corpus").join(format!("seed-{}", t.as_str())), example_json(t).to_string())
                .unwrap();
        }
    }
    let mut seen = 0;
    for kind in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir(kind)) else { continue };
        for entry in entries.flatten() {
            let data = std::fs::read(entry.path()).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails the property", entry.path().display());
            seen += 1;
        }
    }
    assert!(seen >= EventType::ALL.len(), "the seed corpus is there ({seen} inputs)");
}
