//! How the two formats' delivery and study modes become the contract's four modes.
//!
//! The contract's `mode` says how a learner takes part (`full-time`, `part-time`,
//! `distance`, `work-based`); Course Directory splits that into where the learning happens
//! (`DELIVERY_MODE`) and how much of the week it takes (`STUDY_MODE`), and XCRI-CAP into
//! `attendanceMode` and `studyMode`. Where the learning happens wins when it is away from a
//! venue; otherwise the study mode decides.

use provisio_events::vocab::Mode;

/// Course Directory `DELIVERY_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMode {
    ClassroomBased,
    Online,
    WorkBased,
    BlendedLearning,
}

/// Course Directory `STUDY_MODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudyMode {
    FullTime,
    PartTime,
    Flexible,
}

/// Course Directory `DELIVERY_MODE` × `STUDY_MODE` → the contract's `mode`, first matching
/// row wins; `None` in the study column matches any study mode, or none.
///
/// | DELIVERY_MODE | STUDY_MODE | mode |
/// |---|---|---|
/// | Online | any or none | distance |
/// | WorkBased | any or none | work-based |
/// | ClassroomBased, BlendedLearning | FullTime | full-time |
/// | ClassroomBased, BlendedLearning | PartTime, Flexible | part-time |
///
/// Classroom and blended rows need a `STUDY_MODE`; without one the row is rejected.
pub const COURSE_DIRECTORY_MODES: &[(DeliveryMode, Option<StudyMode>, Mode)] = &[
    (DeliveryMode::Online, None, Mode::Distance),
    (DeliveryMode::WorkBased, None, Mode::WorkBased),
    (DeliveryMode::ClassroomBased, Some(StudyMode::FullTime), Mode::FullTime),
    (DeliveryMode::ClassroomBased, Some(StudyMode::PartTime), Mode::PartTime),
    (DeliveryMode::ClassroomBased, Some(StudyMode::Flexible), Mode::PartTime),
    (DeliveryMode::BlendedLearning, Some(StudyMode::FullTime), Mode::FullTime),
    (DeliveryMode::BlendedLearning, Some(StudyMode::PartTime), Mode::PartTime),
    (DeliveryMode::BlendedLearning, Some(StudyMode::Flexible), Mode::PartTime),
];

/// XCRI-CAP `attendanceMode` codes that decide the mode on their own: `DA` distance with
/// attendance, `DS` distance without, `ON` online, `WB` work-based. The others (`CM` campus,
/// `NC` face-to-face off campus, `MM` mixed) leave it to `studyMode`.
pub const XCRI_ATTENDANCE_MODES: &[(&str, Mode)] =
    &[("DA", Mode::Distance), ("DS", Mode::Distance), ("ON", Mode::Distance), ("WB", Mode::WorkBased)];

/// XCRI-CAP `studyMode` codes: `FT` full-time; `PT` part-time; `FL` flexible and `PF`
/// (offered part-time or full-time) count as part-time, the smaller commitment. `NK` (not
/// known) is absent on purpose: the free text, then `default_mode`, decide.
pub const XCRI_STUDY_MODES: &[(&str, Mode)] =
    &[("FT", Mode::FullTime), ("PT", Mode::PartTime), ("FL", Mode::PartTime), ("PF", Mode::PartTime)];

/// Words of a mode value without case, spaces, hyphens or underscores (`Classroom based`,
/// `CLASSROOM_BASED` and `ClassroomBased` are one value).
fn squash(raw: &str) -> String {
    raw.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect()
}

impl DeliveryMode {
    pub fn parse(raw: &str) -> Option<Self> {
        match squash(raw).as_str() {
            "classroombased" | "classroom" => Some(Self::ClassroomBased),
            "online" => Some(Self::Online),
            "workbased" => Some(Self::WorkBased),
            "blendedlearning" | "blended" => Some(Self::BlendedLearning),
            _ => None,
        }
    }

    /// Course Directory needs a venue for classroom and blended delivery only.
    pub fn needs_venue(self) -> bool {
        matches!(self, Self::ClassroomBased | Self::BlendedLearning)
    }
}

impl StudyMode {
    pub fn parse(raw: &str) -> Option<Self> {
        match squash(raw).as_str() {
            "fulltime" => Some(Self::FullTime),
            "parttime" => Some(Self::PartTime),
            "flexible" => Some(Self::Flexible),
            _ => None,
        }
    }
}

/// The contract mode of a Course Directory row, from [`COURSE_DIRECTORY_MODES`].
pub fn course_directory_mode(delivery: DeliveryMode, study: Option<StudyMode>) -> Option<Mode> {
    COURSE_DIRECTORY_MODES
        .iter()
        .find(|(d, s, _)| *d == delivery && (s.is_none() || *s == study))
        .map(|(_, _, mode)| *mode)
}

/// The mode an XCRI code stands for in one of the tables above.
pub(crate) fn xcri_code(table: &[(&str, Mode)], code: &str) -> Option<Mode> {
    table.iter().find(|(c, _)| c.eq_ignore_ascii_case(code.trim())).map(|(_, m)| *m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(delivery: &str, study: &str, expected: Option<Mode>) {
        let d = DeliveryMode::parse(delivery).unwrap_or(DeliveryMode::ClassroomBased);
        assert_eq!(course_directory_mode(d, StudyMode::parse(study)), expected, "{delivery} {study}");
    }

    #[test]
    fn the_course_directory_table_maps_every_combination() {
        check("Online", "", Some(Mode::Distance));
        check("Online", "FullTime", Some(Mode::Distance));
        check("Work based", "PartTime", Some(Mode::WorkBased));
        check("ClassroomBased", "FullTime", Some(Mode::FullTime));
        check("classroom_based", "Part time", Some(Mode::PartTime));
        check("ClassroomBased", "Flexible", Some(Mode::PartTime));
        check("BlendedLearning", "FullTime", Some(Mode::FullTime));
        check("BlendedLearning", "", None);
        check("ClassroomBased", "", None);
    }

    #[test]
    fn xcri_codes_are_read_without_regard_to_case() {
        assert_eq!(xcri_code(XCRI_ATTENDANCE_MODES, "on"), Some(Mode::Distance));
        assert_eq!(xcri_code(XCRI_ATTENDANCE_MODES, "CM"), None);
        assert_eq!(xcri_code(XCRI_STUDY_MODES, " PT "), Some(Mode::PartTime));
        assert_eq!(xcri_code(XCRI_STUDY_MODES, "NK"), None);
    }
}
