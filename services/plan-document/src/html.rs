//! The document as one printable HTML page: inline CSS, no scripts, fonts, images or links to
//! load, so it reads the same offline, attached to an email or printed.

use crate::model::{Bar, Block, Doc, Heat, Shade};
use std::fmt::Write;

const STYLE: &str = "\
@page{size:A4;margin:18mm}\
body{font-family:Helvetica,Arial,sans-serif;color:#1b1b1b;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.4}\
h1{font-size:2rem;margin:0 0 1rem}h2{font-size:1.35rem;border-bottom:2px solid #1d5c8c;padding-bottom:.2rem;margin-top:2rem}\
.title{border-left:8px solid #1d5c8c;padding:1rem 1.5rem;margin-bottom:2rem}\
.title dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}.title dt{font-weight:bold}.title dd{margin:0}\
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}th,td{border:1px solid #b1b4b6;padding:.25rem .4rem;text-align:left;vertical-align:top}\
th{background:#f3f2f1}td.n{white-space:nowrap}.bar{margin:.4rem 0}.track{background:#e8e8e8;height:.9rem;width:100%;border:1px solid #b1b4b6}\
.fill{background:#00703c;height:100%}.heat td.c{text-align:center;font-variant-numeric:tabular-nums}\
.s-none{background:#d4351c;color:#fff}.s-low{background:#f47738}.s-part{background:#ffdd00}.s-full{background:#85d19a}.s-nodemand{background:#dcdcdc}\
@media print{body{margin:0;max-width:none}.title{page-break-after:always}h2{page-break-after:avoid}tr{page-break-inside:avoid}}";

/// Escapes text for HTML element content and attribute values (double- or single-quoted);
/// the public finder's pages use it too.
pub fn esc(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

pub(crate) fn render(doc: &Doc) -> Vec<u8> {
    let mut o = String::with_capacity(16 * 1024);
    o.push_str("<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\">");
    o.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
    esc(&mut o, &doc.title);
    o.push_str("</title><style>");
    o.push_str(STYLE);
    o.push_str("</style></head><body>\n<section class=\"title\"><h1>");
    esc(&mut o, &doc.title);
    o.push_str("</h1><dl>");
    for (label, value) in &doc.facts {
        o.push_str("<dt>");
        esc(&mut o, label);
        o.push_str("</dt><dd>");
        esc(&mut o, value);
        o.push_str("</dd>");
    }
    o.push_str("</dl><h2>Members</h2>");
    if doc.members.is_empty() {
        o.push_str("<p>No members are recorded.</p>");
    } else {
        items(&mut o, "ul", &doc.members);
    }
    if let Some(foreword) = &doc.foreword {
        o.push_str("<h2>Foreword</h2><p>");
        esc(&mut o, foreword);
        o.push_str("</p>");
    }
    o.push_str("</section>\n");
    for section in &doc.sections {
        o.push_str("<section><h2>");
        esc(&mut o, &section.heading);
        o.push_str("</h2>");
        for block in &section.blocks {
            self::block(&mut o, block);
        }
        o.push_str("</section>\n");
    }
    o.push_str("</body></html>\n");
    o.into_bytes()
}

fn items(o: &mut String, tag: &str, items: &[String]) {
    let _ = write!(o, "<{tag}>");
    for item in items {
        o.push_str("<li>");
        esc(o, item);
        o.push_str("</li>");
    }
    let _ = write!(o, "</{tag}>");
}

fn block(o: &mut String, block: &Block) {
    match block {
        Block::Para(text) => {
            o.push_str("<p>");
            esc(o, text);
            o.push_str("</p>");
        }
        Block::List(list) => items(o, "ol", list),
        Block::Table { head, rows } => {
            o.push_str("<table><thead><tr>");
            for h in head {
                o.push_str("<th scope=\"col\">");
                esc(o, h);
                o.push_str("</th>");
            }
            o.push_str("</tr></thead><tbody>");
            for row in rows {
                o.push_str("<tr>");
                for cell in row {
                    // Codes and figures ("16-18", "employer-survey") are not broken at hyphens.
                    let short = cell.chars().count() <= 16 && !cell.contains(' ');
                    o.push_str(if short { "<td class=\"n\">" } else { "<td>" });
                    esc(o, cell);
                    o.push_str("</td>");
                }
                o.push_str("</tr>");
            }
            o.push_str("</tbody></table>");
        }
        Block::Bars(bars) => bars.iter().for_each(|b| bar(o, b)),
        Block::Heat(heat) => self::heat(o, heat),
    }
}

fn bar(o: &mut String, b: &Bar) {
    o.push_str("<div class=\"bar\"><div>");
    esc(o, &b.label);
    o.push_str(": <strong>");
    esc(o, &b.text);
    let _ = write!(
        o,
        "</strong></div><div class=\"track\" role=\"img\" aria-label=\"{:.0}%\"><div class=\"fill\" style=\"width:{:.1}%\"></div></div></div>",
        b.fill * 100.0,
        b.fill.min(1.0) * 100.0
    );
}

fn shade_class(shade: Shade) -> &'static str {
    match shade {
        Shade::None => "s-none",
        Shade::Low => "s-low",
        Shade::Part => "s-part",
        Shade::Full => "s-full",
        Shade::NoDemand => "s-nodemand",
    }
}

fn heat(o: &mut String, heat: &Heat) {
    o.push_str("<table class=\"heat\"><caption>");
    esc(o, &heat.caption);
    o.push_str("</caption><thead><tr><th scope=\"col\">Subject and level</th>");
    for c in &heat.columns {
        o.push_str("<th scope=\"col\">");
        esc(o, c);
        o.push_str("</th>");
    }
    o.push_str("</tr></thead><tbody>");
    for (label, cells) in &heat.rows {
        o.push_str("<tr><th scope=\"row\">");
        esc(o, label);
        o.push_str("</th>");
        for cell in cells {
            match cell {
                Some(c) => {
                    let _ = write!(o, "<td class=\"c {}\">", shade_class(c.shade));
                    esc(o, &c.text);
                    o.push_str("</td>");
                }
                None => o.push_str("<td class=\"c\"></td>"),
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>");
}
