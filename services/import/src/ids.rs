//! Identifiers made from content, so that importing the same file twice gives the same ids.
//!
//! Event ids hash the canonical JSON (keys sorted at every level, no spaces) of the event's
//! type, source and data, never its `time`: the service answers a re-import as duplicates,
//! and an edited file gets new ids only for the events whose content changed. Sorting keys
//! here, rather than trusting `serde_json::Map`'s order, keeps ids stable even if some other
//! crate of the workspace turns on serde_json's `preserve_order`.

use provisio_events::OfferSpec;
use provisio_events::vocab::{AcademicYear, LocalId, Ukprn, Vocab};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Every event id made by this crate is this prefix and 32 hex digits (128 bits of SHA-256).
pub const EVENT_ID_PREFIX: &str = "imp-";

/// The id of an event with this type, source and data.
pub(crate) fn event_id(event_type: &str, source: &str, data: &Value) -> String {
    let body = serde_json::json!({ "type": event_type, "source": source, "data": data });
    format!("{EVENT_ID_PREFIX}{}", hex_digest(canonical(&body).as_bytes(), 16))
}

/// A fingerprint of everything an offer says, for telling updated offers from unchanged ones.
pub fn offer_fingerprint(ukprn: &Ukprn, academic_year: &AcademicYear, offer: &OfferSpec) -> String {
    let body = serde_json::json!({ "ukprn": ukprn, "academic_year": academic_year, "offer": offer });
    hex_digest(canonical(&body).as_bytes(), 16)
}

fn hex_digest(bytes: &[u8], len: usize) -> String {
    Sha256::digest(bytes).iter().take(len).map(|b| format!("{b:02x}")).collect()
}

/// JSON with object keys sorted at every level.
pub(crate) fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Longest id the contract allows.
const MAX_ID: usize = 64;

/// A contract id (`[A-Za-z0-9._-]{1,64}`) made from any identifier of a file, always the same
/// for the same input: kept as is when already valid; otherwise a URL loses its scheme, every
/// run of other characters becomes one `-`, and a result still too long keeps its last 47
/// characters (the specific end of a URL) plus `-` and 16 hex digits of the original's hash.
/// `None` for an empty identifier.
pub(crate) fn local_id_from(original: &str) -> Option<LocalId> {
    let trimmed = original.trim();
    if trimmed.is_empty() {
        return None;
    }
    if let Some(id) = LocalId::parse(trimmed) {
        return Some(id);
    }
    let without_scheme = trimmed.split_once("://").map_or(trimmed, |(_, rest)| rest);
    let mut slug = String::with_capacity(without_scheme.len());
    for c in without_scheme.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    let hash = hex_digest(trimmed.as_bytes(), 8);
    let id = if slug.is_empty() {
        format!("id-{hash}")
    } else if slug.len() <= MAX_ID {
        slug.to_owned()
    } else {
        // The slug is ASCII, so any byte index is a character boundary.
        let tail = slug[slug.len() - (MAX_ID - 17)..].trim_start_matches('-');
        format!("{tail}-{hash}")
    };
    LocalId::parse(&id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(original: &str, expected: &str) {
        let id = local_id_from(original).map(|id| id.as_str().to_owned());
        assert_eq!(id.as_deref(), Some(expected), "from {original:?}");
    }

    #[test]
    fn valid_ids_are_kept_and_others_become_slugs() {
        check("E12C816J9Y", "E12C816J9Y");
        check(" A1742011E ", "A1742011E");
        check("http://www.poppleton.ac.uk/postgraduate/mba", "www.poppleton.ac.uk-postgraduate-mba");
        check("Main Campus", "Main-Campus");
        check("http://www.open.ac.uk/", "www.open.ac.uk");
    }

    #[test]
    fn long_identifiers_keep_their_end_and_a_hash() {
        let original = "http://course.data.ox.ac.uk/id/continuing-education/presentation/E12C816J9Y/and/more";
        let id = local_id_from(original).map(|id| id.as_str().to_owned()).unwrap_or_default();
        assert_eq!(id.len(), 64);
        let (tail, hash) = id.split_at(48);
        assert_eq!(tail, "uing-education-presentation-E12C816J9Y-and-more-");
        assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        assert_eq!(local_id_from(original).map(|i| i.as_str().to_owned()), Some(id));
    }

    #[test]
    fn identifiers_without_a_usable_character_are_hashed() {
        let id = local_id_from("日本").map(|id| id.as_str().to_owned()).unwrap_or_default();
        assert!(id.starts_with("id-") && id.len() == 19, "{id}");
        assert!(local_id_from("  ").is_none());
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_level() {
        let v = serde_json::json!({"b": 1, "a": {"d": [true, null], "c": "x"}});
        assert_eq!(canonical(&v), r#"{"a":{"c":"x","d":[true,null]},"b":1}"#);
    }

    #[test]
    fn event_ids_depend_on_content_not_on_key_order() {
        let a = event_id("t", "s", &serde_json::json!({"x": 1, "y": 2}));
        let b = event_id("t", "s", &serde_json::json!({"y": 2, "x": 1}));
        let c = event_id("t", "s", &serde_json::json!({"x": 1, "y": 3}));
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), EVENT_ID_PREFIX.len() + 32);
    }
}
