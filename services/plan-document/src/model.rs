//! What the document says, in order, independent of how it is drawn: a title page and
//! sections of paragraphs, tables, progress bars and heat maps, read from the plan answer.
//!
//! A field the answer lacks reads as empty (a plan published before members and proposals
//! existed has none), so any plan answer makes a document.

use crate::text::{count, fraction, key_label, opt, percent, s, subject};
use serde_json::Value;

pub(crate) struct Doc {
    pub(crate) title: String,
    /// The plan's `published_at` (RFC 3339): the PDF's date.
    pub(crate) published_at: String,
    /// Label and value lines of the title page (partnership, years, status, ...).
    pub(crate) facts: Vec<(String, String)>,
    pub(crate) members: Vec<String>,
    pub(crate) foreword: Option<String>,
    pub(crate) sections: Vec<Section>,
}

pub(crate) struct Section {
    pub(crate) heading: String,
    pub(crate) blocks: Vec<Block>,
}

pub(crate) enum Block {
    Para(String),
    /// A numbered list (priorities).
    List(Vec<String>),
    Table {
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
    Bars(Vec<Bar>),
    Heat(Heat),
}

/// A labelled progress bar: `fill` from 0 to 1 (drawn capped at 1).
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) fill: f64,
    pub(crate) text: String,
}

/// Coverage of one academic year: rows are subject and level, columns age groups; each cell
/// shows supply against demand and is shaded by how much of the demand is covered.
pub(crate) struct Heat {
    pub(crate) caption: String,
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<(String, Vec<Option<HeatCell>>)>,
}

pub(crate) struct HeatCell {
    pub(crate) text: String,
    pub(crate) shade: Shade,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shade {
    /// No supply for a demand.
    None,
    /// Less than half the demand covered.
    Low,
    /// Half or more, not all.
    Part,
    /// Demand covered.
    Full,
    /// Supply without recorded demand.
    NoDemand,
}

const AGE_GROUPS: [&str; 3] = ["14-16", "16-18", "19+"];

fn list<'a>(plan: &'a Value, field: &str) -> &'a [Value] {
    plan[field].as_array().map_or(&[], Vec::as_slice)
}

impl Doc {
    pub(crate) fn of(plan: &Value) -> Doc {
        let members = list(plan, "members")
            .iter()
            .filter(|m| m["current"].as_bool() != Some(false))
            .map(|m| match opt(&m["ukprn"]) {
                Some(ukprn) => format!("{} ({}, UKPRN {ukprn})", s(&m["name"]), s(&m["kind"])),
                None => format!("{} ({})", s(&m["name"]), s(&m["kind"])),
            })
            .collect();
        let years: Vec<String> = list(plan, "academic_years").iter().map(s).collect();
        let facts = vec![
            ("Partnership".into(), format!("{} ({})", s(&plan["partnership_name"]), s(&plan["partnership_id"]))),
            ("Academic years".into(), years.join(", ")),
            ("Status".into(), s(&plan["status"])),
            ("Plan".into(), format!("{}, fixed at log position {}", s(&plan["plan_id"]), s(&plan["position"]))),
            ("Published".into(), published(&s(&plan["published_at"]))),
        ];
        let sections = vec![
            priorities(plan),
            needs(plan),
            coverage(plan),
            gaps(plan),
            duplications(plan),
            targets(plan),
            actions(plan),
            changes(plan),
        ];
        Doc {
            title: s(&plan["title"]),
            published_at: s(&plan["published_at"]),
            facts,
            members,
            foreword: opt(&plan["foreword"]),
            sections,
        }
    }
}

/// `2026-12-02T05:03:58.079Z` as "2026-12-02 05:03 UTC" (`recorded_at` is always UTC).
fn published(at: &str) -> String {
    match (at.get(..10), at.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => at.to_owned(),
    }
}

fn section(heading: &str, blocks: Vec<Block>) -> Section {
    Section { heading: heading.into(), blocks }
}

/// A table, or a sentence saying there is nothing to list.
fn table_or(empty: &str, head: &[&str], rows: Vec<Vec<String>>) -> Block {
    if rows.is_empty() {
        return Block::Para(empty.into());
    }
    Block::Table { head: head.iter().map(|h| (*h).to_owned()).collect(), rows }
}

fn priorities(plan: &Value) -> Section {
    let items: Vec<String> = list(plan, "priorities")
        .iter()
        .map(|p| match opt(&p["detail"]) {
            Some(detail) => format!("{}: {detail}", s(&p["title"])),
            None => s(&p["title"]),
        })
        .collect();
    let block = if items.is_empty() { Block::Para("The plan names no priorities.".into()) } else { Block::List(items) };
    section("Priorities", vec![block])
}

fn needs(plan: &Value) -> Section {
    let rows = list(plan, "needs")
        .iter()
        .map(|n| {
            vec![
                s(&n["need_id"]),
                s(&n["academic_year"]),
                subject(&n["subject"]),
                s(&n["level"]),
                s(&n["age_group"]),
                s(&n["learners"]),
                s(&n["evidence"]),
                opt(&n["note"]).unwrap_or_default(),
            ]
        })
        .collect();
    let head = ["Need", "Year", "Subject", "Level", "Age", "Learners", "Evidence", "Note"];
    section("Needs and their evidence", vec![table_or("No needs were recorded for these years.", &head, rows)])
}

fn coverage(plan: &Value) -> Section {
    let mut blocks = vec![Block::Para(
        "Places offered against learners needed, by subject, level and age group. Red: no places for a need; \
         orange: under half covered; yellow: partly covered; green: covered; grey: places with no recorded need."
            .into(),
    )];
    for year in list(plan, "coverage") {
        let mut rows: Vec<(String, Vec<Option<HeatCell>>)> = Vec::new();
        for cell in year["cells"].as_array().map_or(&[][..], Vec::as_slice) {
            let label = format!("{}, level {}", subject(&cell["subject"]), s(&cell["level"]));
            let column = AGE_GROUPS.iter().position(|a| *a == s(&cell["age_group"])).unwrap_or(0);
            let (demand, supply) = (count(&cell["demand"]), count(&cell["supply"]));
            let shade = match (demand, supply) {
                (0, _) => Shade::NoDemand,
                (_, 0) => Shade::None,
                (d, s) if s * 2 < d => Shade::Low,
                (d, s) if s < d => Shade::Part,
                _ => Shade::Full,
            };
            let text = format!("{supply} / {demand}");
            if rows.last().is_none_or(|(l, _)| *l != label) {
                rows.push((label, AGE_GROUPS.iter().map(|_| None).collect()));
            }
            if let Some((_, cells)) = rows.last_mut() {
                cells[column] = Some(HeatCell { text, shade });
            }
        }
        let caption = format!("{} (places / learners needed)", s(&year["academic_year"]));
        if rows.is_empty() {
            blocks.push(Block::Para(format!("{caption}: no needs or places recorded.")));
        } else {
            blocks.push(Block::Heat(Heat { caption, columns: AGE_GROUPS.map(String::from).to_vec(), rows }));
        }
    }
    section("Coverage", blocks)
}

fn gaps(plan: &Value) -> Section {
    let rows = list(plan, "gaps")
        .iter()
        .map(|g| {
            vec![
                key_label(g),
                s(&g["demand"]),
                s(&g["supply"]),
                s(&g["unmet"]),
                percent(&g["coverage"]),
                s(&g["severity"]),
            ]
        })
        .collect();
    let head = ["Cell", "Demand", "Supply", "Unmet", "Coverage", "Severity"];
    section("Gaps", vec![table_or("No gaps: every need is met.", &head, rows)])
}

fn duplications(plan: &Value) -> Section {
    let rows = list(plan, "duplications")
        .iter()
        .map(|d| {
            let providers: Vec<String> =
                d["providers"].as_array().map_or(&[][..], Vec::as_slice).iter().map(s).collect();
            vec![
                format!("{}, {}", key_label(d), s(&d["mode"])),
                providers.join(", "),
                s(&d["supply"]),
                s(&d["demand"]),
                s(&d["surplus"]),
                percent(&d["fill_rate"]),
                s(&d["severity"]),
            ]
        })
        .collect();
    let head = ["Cell and mode", "Providers", "Supply", "Demand", "Surplus", "Fill rate", "Severity"];
    section("Duplications", vec![table_or("No duplications.", &head, rows)])
}

fn targets(plan: &Value) -> Section {
    let bars: Vec<Bar> = list(plan, "targets")
        .iter()
        .map(|t| {
            let name = opt(&t["title"]).unwrap_or_else(|| s(&t["target_id"]));
            Bar {
                label: format!("{name} ({}, {})", s(&t["academic_year"]), s(&t["measure"])),
                fill: fraction(&t["progress"]),
                text: format!("{} of {} ({})", s(&t["current"]), s(&t["value"]), percent(&t["progress"])),
            }
        })
        .collect();
    let block =
        if bars.is_empty() { Block::Para("No targets are set for these years.".into()) } else { Block::Bars(bars) };
    section("Targets", vec![block])
}

fn actions(plan: &Value) -> Section {
    let owners: Vec<(String, String)> =
        list(plan, "members").iter().map(|m| (s(&m["member_id"]), s(&m["name"]))).collect();
    let owner = |id: String| owners.iter().find(|(m, _)| *m == id).map_or(id.clone(), |(_, name)| name.clone());
    let rows = list(plan, "proposals")
        .iter()
        .map(|p| {
            let entries = p["fulfilment"].as_array().map_or(&[][..], Vec::as_slice);
            let done = entries.iter().filter(|e| e["done"].as_bool() == Some(true)).count();
            let progress = if entries.is_empty() {
                "no changes to provision".into()
            } else {
                format!("{done} of {} changes done", entries.len())
            };
            vec![s(&p["proposal_id"]), s(&p["title"]), owner(s(&p["member_id"])), s(&p["status"]), progress]
        })
        .collect();
    let head = ["Action", "What", "Owner", "Status", "Progress"];
    section("Agreed actions", vec![table_or("The plan lists no agreed actions.", &head, rows)])
}

fn changes(plan: &Value) -> Section {
    let c = &plan["changes_since_previous"];
    if c.is_null() {
        return section("Since the previous plan", vec![Block::Para("This is the partnership's first plan.".into())]);
    }
    let previous = &plan["previous"];
    let m = &c["summary"];
    let pair = |f: &str| format!("{} then, {} now", s(&m[f][0]), s(&m[f][1]));
    let intro = format!(
        "Compared with plan {} (log position {}), over all the partnership's academic years: gaps {}; learners unmet {}; \
         critical gaps {}; duplications {}; wasteful {}.",
        s(&previous["plan_id"]),
        s(&previous["position"]),
        pair("gaps"),
        pair("unmet"),
        pair("critical"),
        pair("duplications"),
        pair("wasteful"),
    );
    let mut rows = Vec::new();
    for (report, name) in [("gaps", "gap"), ("duplications", "duplication")] {
        for (how, field) in [("opened", "opened"), ("closed", "closed")] {
            for row in c[report][field].as_array().map_or(&[][..], Vec::as_slice) {
                rows.push(vec![format!("{name} {how}"), key_label(row)]);
            }
        }
        for row in c[report]["changed"].as_array().map_or(&[][..], Vec::as_slice) {
            rows.push(vec![format!("{name} changed"), key_label(&row["after"])]);
        }
    }
    for t in c["targets"]["changed"].as_array().map_or(&[][..], Vec::as_slice) {
        let before = if t["before"].is_null() { "new".to_owned() } else { s(&t["before"]["current"]) };
        let what = format!("{}: {} now {}", s(&t["after"]["target_id"]), before, s(&t["after"]["current"]));
        rows.push(vec!["target changed".into(), what]);
    }
    let table = table_or("No report row changed.", &["Change", "Row"], rows);
    section("Since the previous plan", vec![Block::Para(intro), table])
}
