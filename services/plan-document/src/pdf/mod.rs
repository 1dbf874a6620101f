//! The document as a PDF: A4 pages drawn with the standard Helvetica fonts (nothing embedded),
//! content streams left uncompressed (text a plain search can find), and the document's
//! date and file id taken from the plan, never from the clock.

mod font;
mod page;

use crate::model::{Bar, Block, Doc, Heat, Shade};
use page::{Layout, MARGIN, WIDTH};

const BODY: f32 = 10.0;
const SMALL: f32 = 8.5;

pub(crate) fn render(doc: &Doc) -> Vec<u8> {
    let mut l = Layout::new();
    title_page(&mut l, doc);
    for section in &doc.sections {
        l.page_break_if(60.0);
        l.gap(8.0);
        l.paragraph(&section.heading, 15.0, true, 0.0);
        l.rule(page::BLUE);
        l.gap(6.0);
        for b in &section.blocks {
            block(&mut l, b);
            l.gap(6.0);
        }
    }
    l.finish(&doc.title, &doc.published_at, &doc.file_seed())
}

fn title_page(l: &mut Layout, doc: &Doc) {
    l.gap(120.0);
    l.paragraph(&doc.title, 24.0, true, 0.0);
    l.gap(10.0);
    l.rule(page::BLUE);
    l.gap(10.0);
    for (label, value) in &doc.facts {
        l.label_line(label, value, 12.0);
    }
    l.gap(16.0);
    l.paragraph("Members", 14.0, true, 0.0);
    l.gap(4.0);
    if doc.members.is_empty() {
        l.paragraph("No members are recorded.", BODY, false, 0.0);
    }
    for m in &doc.members {
        l.paragraph(&format!("• {m}"), BODY, false, 8.0);
    }
    if let Some(foreword) = &doc.foreword {
        l.gap(16.0);
        l.paragraph("Foreword", 14.0, true, 0.0);
        l.gap(4.0);
        l.paragraph(foreword, BODY, false, 0.0);
    }
    l.new_page();
}

fn block(l: &mut Layout, b: &Block) {
    match b {
        Block::Para(text) => l.paragraph(text, BODY, false, 0.0),
        Block::List(items) => {
            for (i, item) in items.iter().enumerate() {
                l.paragraph(&format!("{}. {item}", i + 1), BODY, false, 8.0);
            }
        }
        Block::Table { head, rows } => l.table(head, rows, SMALL, &[]),
        Block::Bars(bars) => bars.iter().for_each(|b| bar(l, b)),
        Block::Heat(h) => heat(l, h),
    }
}

fn bar(l: &mut Layout, b: &Bar) {
    let label = format!("{}: {}", b.label, b.text);
    // The label and its bar stay on one page.
    let lines = font::wrap(&label, BODY, false, WIDTH - 2.0 * MARGIN).len() as f32;
    l.page_break_if(lines * BODY * 1.3 + 15.0);
    l.paragraph(&label, BODY, false, 0.0);
    l.bar(b.fill.clamp(0.0, 1.0) as f32, WIDTH - 2.0 * MARGIN, 9.0);
    l.gap(4.0);
}

fn shade_rgb(shade: Shade) -> [f32; 3] {
    match shade {
        Shade::None => [0.83, 0.21, 0.11],
        Shade::Low => [0.96, 0.47, 0.22],
        Shade::Part => [1.0, 0.87, 0.0],
        Shade::Full => [0.52, 0.82, 0.60],
        Shade::NoDemand => [0.86, 0.86, 0.86],
    }
}

fn heat(l: &mut Layout, h: &Heat) {
    l.paragraph(&h.caption, BODY, true, 0.0);
    let head: Vec<String> = std::iter::once("Subject and level".to_owned()).chain(h.columns.iter().cloned()).collect();
    let mut rows = Vec::new();
    let mut fills = Vec::new();
    for (label, cells) in &h.rows {
        let mut row = vec![label.clone()];
        let mut fill = vec![None];
        for c in cells {
            row.push(c.as_ref().map(|c| c.text.clone()).unwrap_or_default());
            fill.push(c.as_ref().map(|c| shade_rgb(c.shade)));
        }
        rows.push(row);
        fills.push(fill);
    }
    l.table(&head, &rows, SMALL, &fills);
}

impl Doc {
    /// Bytes the PDF's file id is made from: the same plan gives the same id.
    fn file_seed(&self) -> Vec<u8> {
        let mut seed = self.title.clone().into_bytes();
        for (label, value) in &self.facts {
            seed.extend_from_slice(label.as_bytes());
            seed.extend_from_slice(value.as_bytes());
        }
        seed
    }
}
