//! The Sector Subject Area tier 2 list (CONTRACT section 1) and the code that indexes it.

use super::Vocab;
use serde::{Serialize, Serializer};
use std::fmt;

/// Sector Subject Area tier 2: the official list of 50 codes and their names.
pub const SSA_TIER2: &[(&str, &str)] = &[
    ("1.1", "Medicine and Dentistry"),
    ("1.2", "Nursing and Subjects and Vocations Allied to Medicine"),
    ("1.3", "Health and Social Care"),
    ("1.4", "Public Services"),
    ("1.5", "Child Development and Well Being"),
    ("2.1", "Science"),
    ("2.2", "Mathematics and Statistics"),
    ("3.1", "Agriculture"),
    ("3.2", "Horticulture and Forestry"),
    ("3.3", "Animal Care and Veterinary Science"),
    ("3.4", "Environmental Conservation"),
    ("4.1", "Engineering"),
    ("4.2", "Manufacturing Technologies"),
    ("4.3", "Transportation Operations and Maintenance"),
    ("5.1", "Architecture"),
    ("5.2", "Building and Construction"),
    ("5.3", "Urban, Rural and Regional Planning"),
    ("6.1", "ICT Practitioners"),
    ("6.2", "ICT for Users"),
    ("7.1", "Retailing and Wholesaling"),
    ("7.2", "Warehousing and Distribution"),
    ("7.3", "Service Enterprises"),
    ("7.4", "Hospitality and Catering"),
    ("8.1", "Sport, Leisure and Recreation"),
    ("8.2", "Travel and Tourism"),
    ("9.1", "Performing Arts"),
    ("9.2", "Crafts, Creative Arts and Design"),
    ("9.3", "Media and Communication"),
    ("9.4", "Publishing and Information Services"),
    ("10.1", "History"),
    ("10.2", "Archaeology and Archaeological Sciences"),
    ("10.3", "Philosophy"),
    ("10.4", "Theology and Religious Studies"),
    ("11.1", "Geography"),
    ("11.2", "Sociology and Social Policy"),
    ("11.3", "Politics"),
    ("11.4", "Economics"),
    ("11.5", "Anthropology"),
    ("12.1", "Languages, Literature and Culture of the British Isles"),
    ("12.2", "Other Languages, Literature and Culture"),
    ("12.3", "Linguistics"),
    ("13.1", "Teaching and Lecturing"),
    ("13.2", "Direct Learning Support"),
    ("14.1", "Foundations for Learning and Life"),
    ("14.2", "Preparation for Work"),
    ("15.1", "Accounting and Finance"),
    ("15.2", "Administration"),
    ("15.3", "Business Management"),
    ("15.4", "Marketing and Sales"),
    ("15.5", "Law and Legal Services"),
];

/// A Sector Subject Area tier 2 code, stored as its index in [`SSA_TIER2`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubjectCode(u8);

impl SubjectCode {
    pub fn name(&self) -> &'static str {
        SSA_TIER2[self.0 as usize].1
    }

    /// Finds a code by its official name, ignoring case and surrounding space.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        SSA_TIER2.iter().position(|(_, n)| n.eq_ignore_ascii_case(name)).map(|i| Self(i as u8))
    }

    pub fn all() -> impl Iterator<Item = SubjectCode> {
        (0..SSA_TIER2.len() as u8).map(SubjectCode)
    }
}

/// Codes order numerically (`2.1` before `10.1`), which is the list's own order.
impl Ord for SubjectCode {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for SubjectCode {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Vocab for SubjectCode {
    const EXPECTED: &'static str = "a Sector Subject Area tier 2 code";
    fn parse(s: &str) -> Option<Self> {
        SSA_TIER2.iter().position(|(c, _)| *c == s).map(|i| Self(i as u8))
    }
    fn as_str(&self) -> &str {
        SSA_TIER2[self.0 as usize].0
    }
    fn json_schema() -> serde_json::Value {
        let codes: Vec<&str> = SSA_TIER2.iter().map(|(c, _)| *c).collect();
        serde_json::json!({ "type": "string", "enum": codes })
    }
}

impl fmt::Display for SubjectCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SubjectCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssa_list_has_fifty_codes_in_numeric_order() {
        assert_eq!(SSA_TIER2.len(), 50);
        let s = |c| SubjectCode::parse(c).unwrap();
        assert!(s("2.1") < s("10.1"));
        assert_eq!(s("4.1").name(), "Engineering");
        assert_eq!(SubjectCode::from_name(" engineering "), Some(s("4.1")));
        assert!(SubjectCode::parse("99.9").is_none());
        assert!(SubjectCode::parse("4").is_none());
    }
}
