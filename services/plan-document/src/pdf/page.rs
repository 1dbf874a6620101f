//! A top-to-bottom layout of A4 pages: a cursor that moves down as text, rules, bars and
//! tables are drawn, and starts a new page when the next thing does not fit.

use super::font::{encode, width, wrap};
use pdf_writer::{Content, Date, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

pub(super) const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
pub(super) const MARGIN: f32 = 50.0;
/// Room kept at the bottom of each page for its footer.
const FOOTER: f32 = 30.0;
pub(super) const BLUE: [f32; 3] = [0.11, 0.36, 0.55];
const GREY: [f32; 3] = [0.69, 0.71, 0.71];
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

pub(super) struct Layout {
    pages: Vec<Content>,
    y: f32,
}

impl Layout {
    pub(super) fn new() -> Self {
        Layout { pages: vec![Content::new()], y: HEIGHT - MARGIN }
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a layout always has a page")
    }

    pub(super) fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = HEIGHT - MARGIN;
    }

    /// Starts a new page unless `height` points fit above the footer.
    pub(super) fn page_break_if(&mut self, height: f32) {
        if self.y - height < MARGIN + FOOTER {
            self.new_page();
        }
    }

    pub(super) fn gap(&mut self, height: f32) {
        self.y -= height;
    }

    fn text(&mut self, x: f32, y: f32, text: &str, size: f32, bold: bool) {
        let page = self.page();
        page.begin_text();
        page.set_font(if bold { BOLD } else { REGULAR }, size);
        page.next_line(x, y);
        page.show(Str(&encode(text)));
        page.end_text();
    }

    /// Wrapped text across the page's width, `indent` points in from the margin.
    pub(super) fn paragraph(&mut self, text: &str, size: f32, bold: bool, indent: f32) {
        let leading = size * 1.3;
        for line in wrap(text, size, bold, WIDTH - 2.0 * MARGIN - indent) {
            self.page_break_if(leading);
            self.y -= leading;
            self.text(MARGIN + indent, self.y + size * 0.25, &line, size, bold);
        }
    }

    /// "Label: value" with the label in bold, the value wrapped beside it.
    pub(super) fn label_line(&mut self, label: &str, value: &str, size: f32) {
        let column = 120.0;
        let leading = size * 1.4;
        for (i, line) in wrap(value, size, false, WIDTH - 2.0 * MARGIN - column).iter().enumerate() {
            self.page_break_if(leading);
            self.y -= leading;
            if i == 0 {
                self.text(MARGIN, self.y + size * 0.25, label, size, true);
            }
            self.text(MARGIN + column, self.y + size * 0.25, line, size, false);
        }
    }

    pub(super) fn rule(&mut self, rgb: [f32; 3]) {
        let y = self.y - 3.0;
        let page = self.page();
        page.set_stroke_rgb(rgb[0], rgb[1], rgb[2]);
        page.set_line_width(1.5);
        page.move_to(MARGIN, y);
        page.line_to(WIDTH - MARGIN, y);
        page.stroke();
        self.y = y - 2.0;
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Option<[f32; 3]>, stroke: bool) {
        let page = self.page();
        if let Some([r, g, b]) = fill {
            page.set_fill_rgb(r, g, b);
            page.rect(x, y, w, h);
            page.fill_nonzero();
        }
        if stroke {
            page.set_stroke_rgb(GREY[0], GREY[1], GREY[2]);
            page.set_line_width(0.5);
            page.rect(x, y, w, h);
            page.stroke();
        }
        page.set_fill_rgb(0.0, 0.0, 0.0);
    }

    /// A progress bar `fill` (0 to 1) of a track `length` points long.
    pub(super) fn bar(&mut self, fill: f32, length: f32, height: f32) {
        self.y -= height + 2.0;
        let y = self.y;
        self.rect(MARGIN, y, length, height, Some([0.91, 0.91, 0.91]), true);
        if fill > 0.0 {
            self.rect(MARGIN, y, length * fill, height, Some([0.0, 0.44, 0.24]), false);
        }
    }

    /// A table across the page's width: columns as wide as their longest text allows, cells
    /// wrapped, the header repeated on each page; `fills` shades cells (row, column).
    pub(super) fn table(&mut self, head: &[String], rows: &[Vec<String>], size: f32, fills: &[Vec<Option<[f32; 3]>>]) {
        let widths = column_widths(head, rows, size);
        let leading = size * 1.25;
        let pad = 3.0;
        let header_height = self.row_height(head, &widths, size, true, leading, pad);
        self.page_break_if(header_height * 2.0);
        self.row(head, &widths, size, true, leading, pad, &[]);
        for (i, row) in rows.iter().enumerate() {
            let height = self.row_height(row, &widths, size, false, leading, pad);
            if self.y - height < MARGIN + FOOTER {
                self.new_page();
                self.row(head, &widths, size, true, leading, pad, &[]);
            }
            self.row(row, &widths, size, false, leading, pad, fills.get(i).map_or(&[], Vec::as_slice));
        }
    }

    fn row_height(&self, cells: &[String], widths: &[f32], size: f32, bold: bool, leading: f32, pad: f32) -> f32 {
        let lines = cells.iter().zip(widths).map(|(c, w)| wrap(c, size, bold, w - 2.0 * pad).len()).max();
        lines.unwrap_or(1) as f32 * leading + 2.0 * pad
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        cells: &[String],
        widths: &[f32],
        size: f32,
        bold: bool,
        leading: f32,
        pad: f32,
        fills: &[Option<[f32; 3]>],
    ) {
        let height = self.row_height(cells, widths, size, bold, leading, pad);
        let top = self.y;
        let mut x = MARGIN;
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let fill = if bold { Some([0.95, 0.95, 0.94]) } else { fills.get(i).copied().flatten() };
            self.rect(x, top - height, *w, height, fill, true);
            for (n, line) in wrap(cell, size, bold, w - 2.0 * pad).iter().enumerate() {
                let baseline = top - pad - (n as f32 + 1.0) * leading + size * 0.3;
                self.text(x + pad, baseline, line, size, bold);
            }
            x += w;
        }
        self.y = top - height;
    }

    /// The PDF: pages with a footer each, document info dated from `published` (RFC 3339, the
    /// plan's `published_at`) and a file id made from `seed`.
    pub(super) fn finish(self, title: &str, published: &str, seed: &[u8]) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let (regular, bold, info) = (Ref::new(3), Ref::new(4), Ref::new(5));
        let count = self.pages.len();
        let page_ids: Vec<Ref> = (0..count).map(|i| Ref::new(10 + 2 * i as i32)).collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree).kids(page_ids.iter().copied()).count(count as i32);
        pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
        for (i, mut content) in self.pages.into_iter().enumerate() {
            let footer = format!("{title}  ·  page {} of {count}", i + 1);
            content.begin_text();
            content.set_font(REGULAR, 8.0);
            content.next_line(MARGIN, MARGIN - 10.0);
            content.show(Str(&encode(&footer.replace('·', "-"))));
            content.end_text();
            let contents = Ref::new(11 + 2 * i as i32);
            let mut page = pdf.page(page_ids[i]);
            page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
            page.parent(tree);
            page.contents(contents);
            let mut resources = page.resources();
            resources.fonts().pair(REGULAR, regular).pair(BOLD, bold);
            resources.finish();
            page.finish();
            pdf.stream(contents, &content.finish());
        }
        let mut document = pdf.document_info(info);
        document.title(TextStr(title)).producer(TextStr("Provisio"));
        if let Some(date) = date_of(published) {
            document.creation_date(date).modified_date(date);
        }
        document.finish();
        let id = file_id(seed);
        pdf.set_file_id((id.clone(), id));
        pdf.finish()
    }
}

/// Column widths across the page: each column at least as wide as its longest word (so words
/// are not cut), and the room left shared in proportion to how much each column's longest
/// text still needs.
fn column_widths(head: &[String], rows: &[Vec<String>], size: f32) -> Vec<f32> {
    let total = WIDTH - 2.0 * MARGIN;
    let pad = 7.0;
    let measure = |i: usize, f: &dyn Fn(&str, bool) -> f32| {
        let body = rows.iter().filter_map(|r| r.get(i)).map(|c| f(c, false)).fold(0.0, f32::max);
        body.max(f(&head[i], true)) + pad
    };
    let longest_word =
        |text: &str, bold: bool| text.split_whitespace().map(|w| width(w, size, bold)).fold(0.0, f32::max);
    let least: Vec<f32> = (0..head.len()).map(|i| measure(i, &longest_word).min(total / 3.0)).collect();
    let natural: Vec<f32> = (0..head.len()).map(|i| measure(i, &|t, b| width(t, size, b)).min(total)).collect();
    let (least_sum, natural_sum) = (least.iter().sum::<f32>(), natural.iter().sum::<f32>());
    if least_sum >= total {
        return least.iter().map(|w| w / least_sum * total).collect();
    }
    if natural_sum <= total {
        return natural.iter().map(|w| w / natural_sum * total).collect();
    }
    let share = (total - least_sum) / (natural_sum - least_sum);
    least.iter().zip(&natural).map(|(l, n)| l + (n - l) * share).collect()
}

/// `2026-12-02T04:29:55.123Z` as a PDF date in UTC.
fn date_of(rfc3339: &str) -> Option<Date> {
    let number = |range: std::ops::Range<usize>| rfc3339.get(range)?.parse::<u16>().ok();
    let date = Date::new(number(0..4)?)
        .month(number(5..7)? as u8)
        .day(number(8..10)? as u8)
        .hour(number(11..13)? as u8)
        .minute(number(14..16)? as u8)
        .second(number(17..19)? as u8)
        .utc_offset_hour(0)
        .utc_offset_minute(0);
    Some(date)
}

/// 16 bytes from two FNV-1a hashes of `seed`: stable across runs and machines.
fn file_id(seed: &[u8]) -> Vec<u8> {
    let fnv = |basis: u64| seed.iter().fold(basis, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3));
    [fnv(0xcbf2_9ce4_8422_2325), fnv(0x6c62_272e_07bb_0142)].iter().flat_map(|h| h.to_be_bytes()).collect()
}
