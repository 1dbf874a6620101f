//! Postcodes: one spelling for comparing them, and the postcode → local authority lookup a
//! user loads from an ONS postcode directory extract (ONSPD, NSPL) or any CSV like it.

use crate::decode::Decoded;
use provisio_events::vocab::{AreaCode, Vocab};
use std::collections::HashMap;
use std::io::Read;

/// A postcode in upper case with one space before the inward code (`sr13ad` → `SR1 3AD`).
/// Text that is too short to have an inward code is only upper-cased and trimmed.
pub fn normalise_postcode(raw: &str) -> String {
    let squashed: String = raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    let n = squashed.chars().count();
    if n >= 5 && squashed.is_ascii() { format!("{} {}", &squashed[..n - 3], &squashed[n - 3..]) } else { squashed }
}

/// The key a postcode is looked up by: upper case, no spaces.
fn key(raw: &str) -> String {
    raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect()
}

/// Header names accepted for the two columns (compared without case).
const POSTCODE_COLUMNS: &[&str] = &["pcds", "pcd", "pcd7", "pcd8", "postcode"];
const AREA_COLUMNS: &[&str] = &["oslaua", "laua", "lad", "area"];

#[derive(Debug, thiserror::Error)]
pub enum PostcodeLookupError {
    #[error("reading the postcode lookup failed: {0}")]
    Read(#[from] csv::Error),
    #[error("the postcode lookup has no {0} column (accepted: {1})")]
    MissingColumn(&'static str, String),
}

/// Postcode → ONS local authority district code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostcodeLookup {
    areas: HashMap<String, AreaCode>,
}

impl PostcodeLookup {
    /// Reads a CSV with a postcode column (`pcds`, `pcd`, `pcd7`, `pcd8` or `postcode`) and an
    /// area column (`oslaua`, `laua`, `lad` or `area`). Rows whose area is not a code the
    /// contract accepts (terminated or pseudo codes such as `E99999999`) are skipped.
    pub fn from_csv(input: impl Read) -> Result<Self, PostcodeLookupError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(Decoded::new(input));
        let headers = reader.headers()?.clone();
        let find = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)));
        let missing = |what, names: &[&str]| PostcodeLookupError::MissingColumn(what, names.join(", "));
        let postcode_col = find(POSTCODE_COLUMNS).ok_or_else(|| missing("postcode", POSTCODE_COLUMNS))?;
        let area_col = find(AREA_COLUMNS).ok_or_else(|| missing("area", AREA_COLUMNS))?;
        let mut lookup = Self::default();
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record)? {
            if let (Some(postcode), Some(area)) =
                (record.get(postcode_col), record.get(area_col).and_then(|a| AreaCode::parse(a.trim())))
            {
                lookup.insert(postcode, area);
            }
        }
        Ok(lookup)
    }

    pub fn insert(&mut self, postcode: &str, area: AreaCode) {
        let k = key(postcode);
        if !k.is_empty() {
            self.areas.insert(k, area);
        }
    }

    pub fn get(&self, postcode: &str) -> Option<&AreaCode> {
        self.areas.get(&key(postcode))
    }

    pub fn len(&self) -> usize {
        self.areas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.areas.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_spelled_one_way() {
        for (raw, expected) in [
            ("sr13ad", "SR1 3AD"),
            (" SR1  3AD ", "SR1 3AD"),
            ("ox1 2ja", "OX1 2JA"),
            ("W1A0AX", "W1A 0AX"),
            ("zz", "ZZ"),
        ] {
            assert_eq!(normalise_postcode(raw), expected, "{raw}");
        }
    }

    #[test]
    fn a_lookup_reads_onspd_style_columns_and_skips_pseudo_areas() {
        let csv = "PCDS,other,OSLAUA\nSR1 3AD,x,E08000024\nOX12JA,x,E07000178\nZZ99 9ZZ,x,E99999999\n";
        let lookup = PostcodeLookup::from_csv(csv.as_bytes()).unwrap_or_default();
        assert_eq!(lookup.len(), 2);
        assert_eq!(lookup.get("sr13ad").map(|a| a.as_str()), Some("E08000024"));
        assert_eq!(lookup.get("OX1 2JA").map(|a| a.as_str()), Some("E07000178"));
        assert!(lookup.get("ZZ99 9ZZ").is_none());
    }

    #[test]
    fn a_lookup_without_its_columns_is_refused() {
        let err = PostcodeLookup::from_csv("postcode,name\nSR1 3AD,x\n".as_bytes()).err().map(|e| e.to_string());
        assert!(err.unwrap_or_default().contains("no area column"));
    }
}
