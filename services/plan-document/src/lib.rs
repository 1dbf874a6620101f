//! The local learning plan as a document to circulate (CONTRACT section 9): the plan answer
//! (`GET …/plans/{plan_id}`, as JSON) in, a printable HTML page and a PDF of the same content
//! out.
//!
//! Architecture invariant: no I/O, no clock, no randomness. Both outputs are functions of the
//! plan answer alone, so the same plan gives the same bytes; the HTML loads nothing from
//! anywhere (inline CSS, no scripts, fonts or images) and the PDF uses the standard Helvetica
//! fonts, which every reader has, so nothing is embedded or fetched.
//!
//! Both renderers draw one [`model::Doc`], built once from the plan, so they cannot disagree
//! about what the plan says.

mod html;
mod model;
mod pdf;
mod text;

pub use html::esc as escape_html;

use serde_json::Value;

/// The plan as one self-contained HTML page.
pub fn html(plan: &Value) -> Vec<u8> {
    html::render(&model::Doc::of(plan))
}

/// The plan as a PDF (A4 pages).
pub fn pdf(plan: &Value) -> Vec<u8> {
    pdf::render(&model::Doc::of(plan))
}
