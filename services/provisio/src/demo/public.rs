//! What the demo's courses show the public finder (CONTRACT section 11): a description, fee,
//! funding, hours, start date and course page for each offer, and each partnership's guidance
//! contact. Derived from the offer itself, not the seed's generator, so adding them left the
//! rest of the demo's data as it was.

use serde_json::{Map, Value, json};

/// A partnership's information, advice and guidance contact.
pub(super) fn iag(partnership_id: &str) -> Value {
    match partnership_id {
        "sunderland" => json!({"name": "Sunderland Next Steps", "url": "https://www.sunderland.gov.uk/next-steps",
                               "phone": "0191 520 5555", "email": "nextsteps@sunderland.gov.uk"}),
        "south-tyneside" => json!({"name": "South Tyneside Careers Hub", "phone": "0191 424 7000"}),
        _ => {
            json!({"name": "Humber Careers Advice", "url": "https://www.humbercareers.org.uk", "email": "advice@humbercareers.org.uk"})
        }
    }
}

/// One offer's course.
pub(super) struct Course<'a> {
    pub(super) provider: &'a str,
    pub(super) website: Option<&'a str>,
    pub(super) venue: &'a str,
    pub(super) subject_name: &'a str,
    pub(super) level: &'a str,
    pub(super) age_group: &'a str,
    pub(super) mode: &'a str,
    pub(super) year: &'a str,
    pub(super) offer_id: &'a str,
    /// The offer's place in its provider's curriculum for the year.
    pub(super) n: u64,
}

/// The public fields of `c`'s offer, to add to it.
pub(super) fn details(c: &Course) -> Map<String, Value> {
    let first_year: u32 = c.year[..4].parse().unwrap_or(2026);
    // Most start in September; every fourth in January.
    let start = if c.n % 4 == 3 {
        format!("{}-01-{:02}", first_year + 1, 5 + c.n % 7)
    } else {
        format!("{first_year}-09-{:02}", 1 + c.n % 14)
    };
    let level_words = if c.level == "entry" { "entry level".to_owned() } else { format!("level {}", c.level) };
    let who = match c.age_group {
        "14-16" => "pupils aged 14 to 16, alongside school",
        "16-18" => "young people aged 16 to 18",
        _ => "adults",
    };
    let description = format!(
        "{subject} at {level_words} for {who}, taught by {provider} at {venue}.\n\n\
         You learn through practical work and projects, with tutors who have worked in the trade. \
         The course leads to a recognised qualification and on to further study, an apprenticeship or work.",
        subject = c.subject_name,
        provider = c.provider,
        venue = c.venue,
    );
    let hours = match c.mode {
        "full-time" => 16.5,
        "work-based" => 30.0,
        "distance" => 4.0,
        _ => 6.0,
    };
    // Under 19s study free; adults pay for level 3 and above, with a loan on offer; training
    // at an employer is paid by the employer.
    let (fee, funding) = match (c.age_group, c.mode, c.level) {
        (_, "work-based", _) => (0.0, "employer"),
        ("14-16" | "16-18", _, _) => (0.0, "free"),
        (_, _, "entry" | "1" | "2") => (0.0, "free"),
        (_, _, "3") => (1_250.0 + 50.0 * (c.n % 5) as f64, "loan"),
        _ => (2_750.0 + 125.0 * (c.n % 3) as f64, "loan"),
    };
    let mut out = Map::new();
    out.insert("description".into(), json!(description));
    out.insert("start_date".into(), json!(start));
    out.insert("hours_per_week".into(), json!(hours));
    out.insert("fee".into(), json!(fee));
    out.insert("funding".into(), json!(funding));
    if let Some(site) = c.website {
        out.insert("url".into(), json!(format!("{site}/courses/{}", c.offer_id.to_lowercase())));
    }
    out
}
