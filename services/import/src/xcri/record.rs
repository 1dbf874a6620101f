//! One XCRI presentation, with its course, to one offer, one withdrawal, or its reasons.
//!
//! Report columns are the XCRI elements (`mlo:places`, `dc:subject`, ...) as the
//! specification spells them, whatever prefix the feed used.

use crate::ids::local_id_from;
use crate::modes::{XCRI_ATTENDANCE_MODES, XCRI_STUDY_MODES, xcri_code};
use crate::options::ImportOptions;
use crate::plan::Plan;
use crate::public_fields::{Published, attendance_words, offer_public};
use crate::report::Rejection;
use crate::values::{self, FeedDate};
use crate::venues::{Synthetic, VenueDraft};
use provisio_events::vocab::OfferStatus;
use provisio_events::vocab::{AcademicYear, AreaCode, Level, LocalId, Mode, SubjectCode, Vocab};
use provisio_events::{OfferPublic, OfferSpec};

/// A `dc:identifier` and the local part of its `xsi:type`.
#[derive(Debug, Clone, Default)]
pub(super) struct Ident {
    pub(super) kind: Option<String>,
    pub(super) value: String,
}

/// The identifier that names a record: the feed's internal id, else the first untyped one,
/// else the first.
pub(super) fn preferred(ids: &[Ident]) -> Option<&str> {
    let kind = |i: &&Ident, k: &str| i.kind.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(k));
    ids.iter()
        .find(|i| kind(i, "internalID"))
        .or_else(|| ids.iter().find(|i| i.kind.is_none()))
        .or_else(|| ids.first())
        .map(|i| i.value.as_str())
        .filter(|v| !v.trim().is_empty())
}

#[derive(Debug, Clone, Default)]
pub(super) struct Location {
    pub(super) postcode: Option<String>,
    pub(super) town: Option<String>,
    pub(super) addresses: Vec<String>,
    pub(super) lat: Option<String>,
    pub(super) lon: Option<String>,
    pub(super) area: Option<String>,
}

impl Location {
    /// Coordinates come as `geo:lat`/`geo:long` elements or as typed `mlo:address` lines.
    pub(super) fn store(&mut self, local: &str, xsi_type: Option<&str>, text: String) {
        let kind = xsi_type.map(str::to_ascii_lowercase);
        match (local, kind.as_deref()) {
            ("lat" | "latitude", _) | ("address", Some("lat" | "latitude")) => self.lat = Some(text),
            ("long" | "longitude", _) | ("address", Some("long" | "longitude")) => self.lon = Some(text),
            ("area", _) | ("address", Some("area")) => self.area = Some(text),
            ("postcode", _) => super::set_once(&mut self.postcode, text),
            ("town", _) => super::set_once(&mut self.town, text),
            _ => self.addresses.push(text),
        }
    }

    pub(super) fn coordinates(&self) -> (Option<f64>, Option<f64>) {
        let parse = |s: &Option<String>, max: f64| {
            s.as_deref().and_then(|v| v.trim().parse::<f64>().ok()).filter(|v| v.abs() <= max)
        };
        match (parse(&self.lat, 90.0), parse(&self.lon, 180.0)) {
            (Some(lat), Some(lon)) => (Some(lat), Some(lon)),
            _ => (None, None),
        }
    }

    pub(super) fn area(&self) -> Option<AreaCode> {
        self.area.as_deref().and_then(|a| AreaCode::parse(a.trim()))
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct SubjectRec {
    pub(super) scheme: Option<String>,
    pub(super) code: Option<String>,
    pub(super) text: String,
}

/// A code in `@identifier` and the element's text.
#[derive(Debug, Clone, Default)]
pub(super) struct Coded {
    code: Option<String>,
    text: String,
}

#[derive(Debug, Clone, Default)]
pub(super) struct VenueRec {
    pub(super) ids: Vec<Ident>,
    pub(super) title: Option<String>,
    pub(super) location: Location,
}

#[derive(Debug, Default)]
pub(super) struct CourseRec {
    pub(super) deleted: bool,
    pub(super) title: Option<String>,
    pub(super) subjects: Vec<SubjectRec>,
    /// `mlo:qualification`'s `mlo:level`, `dcterms:educationLevel` and type, in order.
    pub(super) levels: Vec<String>,
    /// The course's `dc:type`s.
    pub(super) types: Vec<String>,
    /// The first `dc:description` and `mlo:url`, for the public finder.
    pub(super) description: Option<String>,
    pub(super) url: Option<String>,
}

#[derive(Debug, Default)]
pub(super) struct PresentationRec {
    pub(super) line: u64,
    pub(super) deleted: bool,
    ids: Vec<Ident>,
    title: Option<String>,
    start: Option<String>,
    end: Option<String>,
    duration: Option<String>,
    study_mode: Option<Coded>,
    attendance_mode: Option<Coded>,
    age: Option<String>,
    places: Option<String>,
    /// The public finder's: `dc:description`, `mlo:url`, `mlo:cost`, `attendancePattern`.
    description: Option<String>,
    url: Option<String>,
    cost: Option<String>,
    attendance_pattern: Option<Coded>,
    pub(super) venue: Option<VenueRec>,
}

impl PresentationRec {
    pub(super) fn new(line: u64, deleted: bool) -> Self {
        Self { line, deleted, ..Self::default() }
    }

    /// Dates prefer their machine-readable `dtf` attribute to the text.
    pub(super) fn store(
        &mut self,
        local: &str,
        text: String,
        attr: impl Fn(&str) -> Option<String>,
        xsi_type: Option<String>,
    ) {
        match local {
            "identifier" => self.ids.push(Ident { kind: xsi_type, value: text }),
            "title" => super::set_once(&mut self.title, text),
            "start" => self.start = Some(attr("dtf").unwrap_or(text)),
            "end" => self.end = Some(attr("dtf").unwrap_or(text)),
            "duration" => self.duration = attr("interval"),
            "studyMode" => self.study_mode = Some(Coded { code: attr("identifier"), text }),
            "attendanceMode" => self.attendance_mode = Some(Coded { code: attr("identifier"), text }),
            "age" => self.age = Some(text),
            "description" => super::set_once(&mut self.description, text),
            "url" => super::set_once(&mut self.url, text),
            "cost" => super::set_once(&mut self.cost, text),
            "attendancePattern" => self.attendance_pattern = Some(Coded { code: attr("identifier"), text }),
            _ => self.places = Some(text),
        }
    }
}

/// Where an accepted offer takes place, settled when its provider ends.
#[derive(Debug, Clone)]
pub(super) enum VenuePick {
    Venue(VenueDraft),
    Synthetic(Synthetic),
    /// The provider's own `mlo:location`, which feeds give after the courses.
    Main,
}

/// An offer mapped from a presentation.
#[derive(Debug, Clone)]
pub(super) struct PendingOffer {
    pub(super) line: u64,
    pub(super) academic_year: AcademicYear,
    pub(super) offer: OfferSpec,
    pub(super) venue: VenuePick,
}

/// A mapped presentation waiting for its provider's UKPRN.
#[derive(Debug, Clone)]
pub(super) enum Pending {
    Offer(Box<PendingOffer>),
    Withdrawal { line: u64, offer_id: LocalId },
}

/// Maps one presentation; rejections go straight to the report, the rest waits in `pending`.
pub(super) fn map_presentation(
    p: &PresentationRec,
    c: &CourseRec,
    pending: &mut Vec<Pending>,
    main: Option<LocalId>,
    opts: &ImportOptions,
    plan: &mut Plan,
) {
    let line = p.line;
    let mut problems = Vec::new();
    let mut fail = |column: &str, value: Option<&str>, reason: String| {
        problems.push(Rejection::new(line, Some(column), value, reason))
    };
    let Some((original, offer_id)) = preferred(&p.ids).and_then(|o| Some((o, local_id_from(o)?))) else {
        fail("dc:identifier", None, "the presentation has no dc:identifier".into());
        plan.report.reject_row(problems);
        return;
    };
    plan.renamed(line, "offer", original, &offer_id);
    if p.deleted || c.deleted {
        pending.push(Pending::Withdrawal { line, offer_id });
        return;
    }
    let title = match p.title.as_deref().or(c.title.as_deref()) {
        Some(t) => values::title(t).map_err(|reason| fail("dc:title", Some(t), reason)).ok(),
        None => {
            fail("dc:title", None, "neither the presentation nor its course has a dc:title".into());
            None
        }
    };
    let subject = subject(c, opts).map_err(|(value, reason)| fail("dc:subject", value.as_deref(), reason)).ok();
    let level = level(c, opts);
    if level.is_none() {
        let value = c.levels.iter().chain(&c.types).cloned().collect::<Vec<_>>().join("; ");
        let value = Some(value.as_str()).filter(|v| !v.is_empty());
        fail(
            "mlo:qualification",
            value,
            "no qualification level or dc:type maps to a level, and no default level was given".into(),
        );
    }
    let mode = mode(p, opts);
    if mode.is_none() {
        let texts: Vec<String> = [&p.study_mode, &p.attendance_mode]
            .into_iter()
            .flatten()
            .map(|m| format!("{} {}", m.code.as_deref().unwrap_or(""), m.text).trim().to_owned())
            .collect();
        let value = texts.join("; ");
        fail("studyMode", Some(value.as_str()).filter(|v| !v.is_empty()), "neither studyMode nor attendanceMode maps to a mode (a phrase can be added to the mapping file), and no default mode was given".into());
    }
    let age_group = match p.age.as_deref().map(values::xcri_age) {
        Some(Ok(Some(group))) => Some(group),
        other => opts.default_age_group.or_else(|| {
            let reason = match &other {
                Some(Err(reason)) => format!("{reason}, and no default age group was given"),
                Some(Ok(None)) => "is any age, which is no single age group, and no default age group was given".into(),
                _ => "no age is given, and no default age group was given".into(),
            };
            fail("age", p.age.as_deref(), reason);
            None
        }),
    };
    let places = match p.places.as_deref().map(str::trim).map(|v| (v, v.parse::<u32>())) {
        Some((_, Ok(n))) if n > 0 => Some(n),
        Some((v, Err(_))) if !v.is_empty() => {
            fail("mlo:places", Some(v), format!("{v:?} is not a whole number of places"));
            None
        }
        other => opts.default_places.map(u32::from).or_else(|| {
            let value = other.map(|(v, _)| v).filter(|v| !v.is_empty());
            let what = if value.is_some() { "is 0" } else { "is missing or empty" };
            fail(
                "mlo:places",
                value,
                format!("{what}; an offer needs at least 1 place, and no default places were given"),
            );
            None
        }),
    };
    let start = p.start.as_deref().and_then(FeedDate::parse);
    let academic_year = opts.academic_year.clone().or_else(|| start.and_then(FeedDate::academic_year));
    if academic_year.is_none() {
        fail(
            "mlo:start",
            p.start.as_deref(),
            "no academic year: mlo:start is missing or not a date, and no academic year was given".into(),
        );
    }
    let duration_weeks = p.duration.as_deref().and_then(values::iso_duration_weeks).or_else(|| {
        let end = p.end.as_deref().and_then(FeedDate::parse).and_then(FeedDate::day);
        values::weeks_between(start.and_then(FeedDate::day)?, end?)
    });
    if !problems.is_empty() {
        plan.report.reject_row(problems);
        return;
    }
    let (Some(title), Some(subject), Some(level), Some(mode), Some(age_group), Some(places), Some(academic_year)) =
        (title, subject, level, mode, age_group, places, academic_year)
    else {
        return;
    };
    let draft = p.venue.as_ref().and_then(|v| venue_draft(v, line, plan));
    let venue = match (draft, Synthetic::for_mode(mode)) {
        (Some(d), _) if d.postcode.is_some() => VenuePick::Venue(d),
        (_, Some(kind)) => VenuePick::Synthetic(kind),
        (Some(d), None) => VenuePick::Venue(d),
        (None, None) => VenuePick::Main,
    };
    let venue_id = match &venue {
        VenuePick::Venue(d) => Some(d.venue_id.clone()),
        VenuePick::Synthetic(kind) => kind.id(),
        VenuePick::Main => main,
    };
    let Some(venue_id) = venue_id else { return };
    let offer = OfferSpec {
        offer_id,
        venue_id,
        title,
        subject,
        level,
        age_group,
        mode,
        places,
        status: OfferStatus::Confirmed,
        start_date: start.and_then(FeedDate::day).and_then(values::contract_date),
        duration_weeks,
        lars_aim: None,
        public: public(p, c, plan),
    };
    pending.push(Pending::Offer(Box::new(PendingOffer { line, academic_year, offer, venue })));
}

/// The offer's public details: the presentation's description and page, else its course's;
/// a value breaking the contract's forms is left out with a warning.
fn public(p: &PresentationRec, c: &CourseRec, plan: &mut Plan) -> OfferPublic {
    let description = p.description.as_deref().or(c.description.as_deref());
    let url = p.url.as_deref().or(c.url.as_deref());
    let published = Published {
        learn: description.map(|d| ("dc:description", d)),
        url: url.map(|u| ("mlo:url", u)),
        cost: p.cost.as_deref().map(|v| ("mlo:cost", v)),
        cost_description: None,
        attendance: p.attendance_pattern.as_ref().map(|a| attendance_words(a.code.as_deref().unwrap_or(&a.text))),
    };
    offer_public(&published, |warning| plan.report.warn(Some(p.line), warning))
}

/// The first of the course's subjects that maps; otherwise the subjects tried, and why.
fn subject(c: &CourseRec, opts: &ImportOptions) -> Result<SubjectCode, (Option<String>, String)> {
    let m = &opts.mapping;
    for s in &c.subjects {
        let by_code = s.code.as_deref().and_then(|code| m.subject_for_code(s.scheme.as_deref(), code));
        if let Some(code) = by_code.or_else(|| m.subject_for_text(&s.text)) {
            return Ok(code);
        }
    }
    if c.subjects.is_empty() {
        return Err((None, "the course has no dc:subject".into()));
    }
    let tried: Vec<String> = c
        .subjects
        .iter()
        .map(|s| {
            let code = [s.scheme.as_deref(), s.code.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(":");
            format!("{code} {}", s.text).trim().to_owned()
        })
        .collect();
    Err((
        Some(tried.join("; ")),
        "no dc:subject maps to a Sector Subject Area tier 2 code; add its code to the mapping file".into(),
    ))
}

fn level(c: &CourseRec, opts: &ImportOptions) -> Option<Level> {
    c.levels
        .iter()
        .chain(&c.types)
        .find_map(|t| {
            values::level(t).or_else(|| opts.mapping.level_for_phrase(t)).or_else(|| values::level_in_text(t))
        })
        .or(opts.default_level)
}

/// Away-from-venue attendance (distance, online, work-based) decides; otherwise the study
/// mode, then any attendance phrase, then the default. Codes win over their element's text.
fn mode(p: &PresentationRec, opts: &ImportOptions) -> Option<Mode> {
    let read = |c: &Option<Coded>, table| {
        c.as_ref().and_then(|c| {
            c.code.as_deref().and_then(|code| xcri_code(table, code)).or_else(|| opts.mapping.mode_for_phrase(&c.text))
        })
    };
    let attendance = read(&p.attendance_mode, XCRI_ATTENDANCE_MODES);
    match attendance {
        Some(m @ (Mode::Distance | Mode::WorkBased)) => Some(m),
        _ => read(&p.study_mode, XCRI_STUDY_MODES).or(attendance).or(opts.default_mode),
    }
}

/// The venue a presentation names: id from its provider's identifier, else from its name and
/// postcode; `None` when it names nothing at all.
fn venue_draft(v: &VenueRec, line: u64, plan: &mut Plan) -> Option<VenueDraft> {
    let l = &v.location;
    let name = v
        .title
        .clone()
        .or_else(|| l.town.clone())
        .or_else(|| l.addresses.first().cloned())
        .or_else(|| l.postcode.clone())?;
    let name = values::title(&name).ok()?;
    let venue_id = match preferred(&v.ids) {
        Some(original) => {
            let id = local_id_from(original)?;
            plan.renamed(line, "venue", original, &id);
            id
        }
        None => local_id_from(&format!("{name} {}", l.postcode.as_deref().unwrap_or("")))?,
    };
    let (lat, lon) = l.coordinates();
    Some(VenueDraft { venue_id, name, postcode: l.postcode.clone(), area: l.area(), lat, lon, synthetic: false })
}
