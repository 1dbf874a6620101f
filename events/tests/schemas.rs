//! The JSON Schemas in `schemas/` are generated from the Rust types and must not drift.
//! Run with `PROVISIO_BLESS=1` to rewrite them after a deliberate change of the contract.

use provisio_events::example::example_json;
use provisio_events::schema::{data_fields, event_schema, schema_file_name};
use provisio_events::{ErrorCode, EventType, SourceKind, validate, validate_stored};
use std::path::PathBuf;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

#[test]
fn committed_schemas_equal_the_generated_ones() {
    let bless = std::env::var_os("PROVISIO_BLESS").is_some();
    for t in EventType::ALL {
        let path = schemas_dir().join(schema_file_name(t));
        let generated = serde_json::to_string_pretty(&event_schema(t)).unwrap() + "\n";
        if bless {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            committed,
            generated,
            "{} is stale: run PROVISIO_BLESS=1 cargo test -p provisio-events",
            path.display()
        );
    }
}

#[test]
fn schema_fields_are_exactly_what_the_validator_reads() {
    for t in EventType::ALL {
        let example = example_json(t);
        let data = example["data"].as_object().unwrap();
        let fields = data_fields(t);
        let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
        let mut keys: Vec<&str> = data.keys().map(String::as_str).collect();
        let mut sorted = names.clone();
        sorted.sort();
        keys.sort();
        assert_eq!(keys, sorted, "{t}: the complete example and the schema list different fields");
        for f in &fields {
            let mut e = example.clone();
            e["data"].as_object_mut().unwrap().remove(f.name);
            let read = if t.source_kind() == SourceKind::Public { validate_stored } else { validate };
            let result = read(&e);
            if f.required {
                let errors = result.expect_err("required field removed");
                assert!(
                    errors.iter().any(|x| x.code == ErrorCode::MissingField && x.field == format!("data.{}", f.name)),
                    "{t}: {}",
                    f.name
                );
            } else {
                assert!(result.is_ok(), "{t}: optional field {} is required by the validator", f.name);
            }
        }
    }
}

#[test]
fn schema_patterns_accept_what_the_parsers_accept() {
    use provisio_events::vocab::*;
    fn agree<T: Vocab>(samples: &[&str]) {
        let schema = T::json_schema();
        let re = regex_lite::Regex::new(schema["pattern"].as_str().expect("a pattern")).unwrap();
        for s in samples {
            assert_eq!(re.is_match(s), T::parse(s).is_some(), "{} disagrees on {s:?}", std::any::type_name::<T>());
        }
    }
    agree::<Ukprn>(&["10006570", "20006570", "1000657", "100065700", "1000657a"]);
    agree::<PartnershipId>(&["sunderland", "s", "s2", "-a", "Ab", "a_b", &"a".repeat(63), &"a".repeat(64)]);
    agree::<LocalId>(&["ENG-L3.FT_1", "", "a b", &"x".repeat(64), &"x".repeat(65)]);
    agree::<EventId>(&["4f9c", "a b", "", "é", &"x".repeat(128), &"x".repeat(129)]);
    agree::<AreaCode>(&["E08000024", "E10000024", "S12000033", "E0800002", "e08000024"]);
    // Academic years and dates add a rule no pattern can say (the next year, the calendar);
    // their patterns only have to accept every valid value.
    for ok in ["2001/02", "1999/00"] {
        let re = regex_lite::Regex::new(AcademicYear::json_schema()["pattern"].as_str().unwrap()).unwrap();
        assert!(re.is_match(ok) && AcademicYear::parse(ok).is_some());
    }
}
