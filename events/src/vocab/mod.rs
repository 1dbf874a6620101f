//! Identifiers and vocabularies of CONTRACT section 1, as newtypes that cannot hold a bad value.
//!
//! Every type here is parsed from a string with [`Vocab::parse`]; `EXPECTED` is the phrase
//! used in validation messages ("`\"99.9\"` is not a Sector Subject Area tier 2 code").

use serde::{Serialize, Serializer};
use std::fmt;

/// A value of the contract's vocabularies: parsed from a JSON string, serialised back as one.
pub trait Vocab: Sized {
    /// What a valid value is, as the end of "`<value>` is not ...".
    const EXPECTED: &'static str;
    fn parse(s: &str) -> Option<Self>;
    fn as_str(&self) -> &str;
    /// The JSON Schema of the value, kept beside `parse` so the two are read together.
    fn json_schema() -> serde_json::Value;
}

/// A vocabulary value prints and serialises as its text.
macro_rules! text_traits {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

/// Newtypes over `String` whose validity is a predicate on the text.
macro_rules! string_vocab {
    ($(#[$doc:meta])* $name:ident, $expected:expr, $schema:expr, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl Vocab for $name {
            const EXPECTED: &'static str = $expected;
            fn parse(s: &str) -> Option<Self> {
                let check: fn(&str) -> bool = $check;
                check(s).then(|| Self(s.to_owned()))
            }
            fn as_str(&self) -> &str {
                &self.0
            }
            fn json_schema() -> serde_json::Value {
                $schema
            }
        }

        text_traits!($name);
    };
}

/// Closed lists of codes, as enums.
macro_rules! enum_vocab {
    ($(#[$doc:meta])* $name:ident, $expected:expr, { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
        }

        impl Vocab for $name {
            const EXPECTED: &'static str = $expected;
            fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
            fn as_str(&self) -> &str {
                match self { $($name::$variant => $text),+ }
            }
            fn json_schema() -> serde_json::Value {
                serde_json::json!({ "type": "string", "enum": [$($text),+] })
            }
        }

        text_traits!($name);
    };
}

mod collab;
mod ssa;

pub use collab::{Decision, MemberId, MemberKind, ProposalKind, ReportKind, Stance};
pub use ssa::{SSA_TIER2, SubjectCode};

fn pattern(p: &str) -> serde_json::Value {
    serde_json::json!({ "type": "string", "pattern": p })
}

fn all_bytes(s: &str, len: std::ops::RangeInclusive<usize>, ok: impl Fn(u8) -> bool) -> bool {
    len.contains(&s.len()) && s.bytes().all(ok)
}

/// UK Provider Reference Number: 8 digits, the first one `1`.
///
/// Held as its 8 bytes rather than a `String`: the engine keys every offer, venue and plan by
/// provider, so a UKPRN is cloned and compared millions of times during a replay, and a
/// heap string made each clone an allocation and each comparison a `memcmp` call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ukprn([u8; 8]);

impl Vocab for Ukprn {
    const EXPECTED: &'static str = "a UKPRN (8 digits starting with 1)";
    fn parse(s: &str) -> Option<Self> {
        let bytes: [u8; 8] = s.as_bytes().try_into().ok()?;
        (bytes[0] == b'1' && bytes.iter().all(u8::is_ascii_digit)).then_some(Self(bytes))
    }
    fn as_str(&self) -> &str {
        // `parse` let in ASCII digits only.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
    fn json_schema() -> serde_json::Value {
        pattern("^1[0-9]{7}$")
    }
}

text_traits!(Ukprn);

string_vocab!(
    /// Partnership id: `[a-z0-9][a-z0-9-]{1,62}`.
    PartnershipId,
    "a partnership id ([a-z0-9][a-z0-9-]{1,62})",
    pattern("^[a-z0-9][a-z0-9-]{1,62}$"),
    |s| {
        let lower = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        all_bytes(s, 2..=63, |b| lower(b) || b == b'-') && lower(s.as_bytes()[0])
    }
);

string_vocab!(
    /// Offer, venue, need or target id, scoped by its owner: `[A-Za-z0-9._-]{1,64}`.
    LocalId,
    "an id of 1 to 64 characters from A-Z a-z 0-9 . _ -",
    pattern("^[A-Za-z0-9._-]{1,64}$"),
    |s| all_bytes(s, 1..=64, |b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
);

string_vocab!(
    /// Event id: 1 to 128 printable ASCII characters, no spaces.
    EventId,
    "an event id of 1 to 128 printable ASCII characters without spaces",
    pattern("^[!-~]{1,128}$"),
    |s| all_bytes(s, 1..=128, |b| b.is_ascii_graphic())
);

/// The ONS prefixes of local authority districts the contract accepts.
pub const AREA_PREFIXES: &[&str] = &["E06", "E07", "E08", "E09", "W06", "S12", "N09"];

string_vocab!(
    /// ONS local authority district code, e.g. `E08000024` (Sunderland).
    AreaCode,
    "an ONS local authority code (E06, E07, E08, E09, W06, S12 or N09 then 6 digits)",
    pattern("^(E06|E07|E08|E09|W06|S12|N09)[0-9]{6}$"),
    |s| s.len() == 9
        && s.is_ascii()
        && AREA_PREFIXES.contains(&&s[..3])
        && s.as_bytes()[3..].iter().all(u8::is_ascii_digit)
);

string_vocab!(
    /// Academic year `YYYY/YY`, where YY is the last two digits of YYYY + 1.
    AcademicYear,
    "an academic year YYYY/YY such as 2001/02",
    serde_json::json!({"type": "string", "pattern": "^[0-9]{4}/[0-9]{2}$", "description": "YYYY/YY where YY is the last two digits of YYYY + 1"}),
    |s| {
        let b = s.as_bytes();
        if b.len() != 7 || b[4] != b'/' || !s[..4].bytes().chain(s[5..].bytes()).all(|c| c.is_ascii_digit()) {
            return false;
        }
        let start: u32 = s[..4].parse().unwrap_or(0);
        let end: u32 = s[5..].parse().unwrap_or(100);
        (start + 1) % 100 == end
    }
);

impl AcademicYear {
    /// The first calendar year of the academic year (`2001` for `2001/02`).
    pub fn start_year(&self) -> i32 {
        self.0[..4].parse().unwrap_or_default()
    }

    /// The academic year that starts in `year`.
    pub fn starting(year: i32) -> Option<Self> {
        Self::parse(&format!("{year:04}/{:02}", (year + 1).rem_euclid(100)))
    }
}

string_vocab!(
    /// RFC 3339 full-date, `YYYY-MM-DD`, a real calendar day.
    Date,
    "an RFC 3339 full-date (YYYY-MM-DD)",
    serde_json::json!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
    |s| time::Date::parse(s, DATE_FORMAT).is_ok()
);

const DATE_FORMAT: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

string_vocab!(
    /// RFC 3339 timestamp, as the CloudEvents `time` attribute.
    Timestamp,
    "an RFC 3339 timestamp such as 2001-10-15T09:00:00Z",
    serde_json::json!({"type": "string", "format": "date-time"}),
    |s| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).is_ok()
);

enum_vocab!(
    /// RQF/NQF level.
    Level,
    "a level (entry, or 1 to 8)",
    { Entry = "entry", L1 = "1", L2 = "2", L3 = "3", L4 = "4", L5 = "5", L6 = "6", L7 = "7", L8 = "8" }
);

enum_vocab!(
    /// Age group of learners.
    AgeGroup,
    "an age group (14-16, 16-18 or 19+)",
    { Age14To16 = "14-16", Age16To18 = "16-18", Age19Plus = "19+" }
);

enum_vocab!(
    /// Mode of study.
    Mode,
    "a mode (full-time, part-time, distance or work-based)",
    { FullTime = "full-time", PartTime = "part-time", Distance = "distance", WorkBased = "work-based" }
);

enum_vocab!(
    /// Kind of provider or partner organisation.
    ProviderKind,
    "a provider kind (fe-college, sixth-form-college, school, training-provider, adult-community, higher-education, employer, careers-service, local-authority or voluntary)",
    {
        FeCollege = "fe-college",
        SixthFormCollege = "sixth-form-college",
        School = "school",
        TrainingProvider = "training-provider",
        AdultCommunity = "adult-community",
        HigherEducation = "higher-education",
        Employer = "employer",
        CareersService = "careers-service",
        LocalAuthority = "local-authority",
        Voluntary = "voluntary",
    }
);

enum_vocab!(
    /// Where the evidence of a need comes from.
    Evidence,
    "an evidence kind (employer-survey, labour-market, learner-survey, careers-service, lsc or other)",
    {
        EmployerSurvey = "employer-survey",
        LabourMarket = "labour-market",
        LearnerSurvey = "learner-survey",
        CareersService = "careers-service",
        Lsc = "lsc",
        Other = "other",
    }
);

enum_vocab!(
    /// Status of an offer; both kinds count as supply.
    OfferStatus,
    "an offer status (planned or confirmed)",
    { Planned = "planned", Confirmed = "confirmed" }
);

enum_vocab!(
    /// What a target counts.
    Measure,
    "a measure (places or enrolled)",
    { Places = "places", Enrolled = "enrolled" }
);

enum_vocab!(
    /// How far a local learning plan has got (v2).
    PlanStatus,
    "a plan status (draft, consultation or final)",
    { Draft = "draft", Consultation = "consultation", Final = "final" }
);

enum_vocab!(
    /// How a course is paid for (v2, the public finder).
    Funding,
    "a funding kind (free, fee, loan or employer)",
    { Free = "free", Fee = "fee", Loan = "loan", Employer = "employer" }
);

#[cfg(test)]
mod tests {
    use super::*;

    fn ok<T: Vocab>(s: &str) -> bool {
        T::parse(s).is_some()
    }

    #[test]
    fn ukprn_is_eight_digits_starting_with_one() {
        assert!(ok::<Ukprn>("10006570"));
        assert!(!ok::<Ukprn>("20006570"));
        assert!(!ok::<Ukprn>("1000657"));
        assert!(!ok::<Ukprn>("1000657a"));
    }

    #[test]
    fn partnership_id_follows_its_pattern() {
        assert!(ok::<PartnershipId>("sunderland"));
        assert!(ok::<PartnershipId>("s2"));
        assert!(!ok::<PartnershipId>("s"));
        assert!(!ok::<PartnershipId>("-sunderland"));
        assert!(!ok::<PartnershipId>("Sunderland"));
        assert!(ok::<PartnershipId>(&"a".repeat(63)));
        assert!(!ok::<PartnershipId>(&"a".repeat(64)));
    }

    #[test]
    fn area_codes_need_a_known_prefix_and_six_digits() {
        assert!(ok::<AreaCode>("E08000024"));
        assert!(ok::<AreaCode>("N09000001"));
        assert!(!ok::<AreaCode>("E10000024"));
        assert!(!ok::<AreaCode>("E0800002"));
        assert!(!ok::<AreaCode>("E0800002x"));
        assert!(!ok::<AreaCode>("é"));
    }

    #[test]
    fn academic_year_second_half_follows_the_first() {
        assert!(ok::<AcademicYear>("2001/02"));
        assert!(ok::<AcademicYear>("1999/00"));
        assert!(!ok::<AcademicYear>("2001/03"));
        assert!(!ok::<AcademicYear>("2001-02"));
        assert!(!ok::<AcademicYear>("01/02"));
        assert_eq!(AcademicYear::starting(1999).unwrap().as_str(), "1999/00");
    }

    #[test]
    fn dates_must_exist_on_the_calendar() {
        assert!(ok::<Date>("2001-10-15"));
        assert!(!ok::<Date>("2001-02-30"));
        assert!(!ok::<Date>("15/10/2001"));
        assert!(ok::<Timestamp>("2001-10-15T09:00:00Z"));
        assert!(ok::<Timestamp>("2001-10-15T09:00:00.5+01:00"));
        assert!(!ok::<Timestamp>("2001-10-15"));
    }

    #[test]
    fn closed_lists_parse_only_their_own_codes() {
        assert_eq!(Level::parse("entry"), Some(Level::Entry));
        assert_eq!(Level::parse("9"), None);
        assert_eq!(AgeGroup::parse("19+"), Some(AgeGroup::Age19Plus));
        assert_eq!(Mode::parse("Full-time"), None);
        assert_eq!(ProviderKind::ALL.len(), 10);
        assert_eq!(Evidence::ALL.len(), 6);
    }
}
