//! The import report: what was read, what was accepted and, row by row, what was not and why.
//!
//! Field names are part of the CLI's `--json` output and of the HTTP API: changing one is a
//! breaking change.

use serde::Serialize;

/// What kind of file an import read, detected from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// A Course Directory course upload with Provisio's extra columns.
    CsvCourses,
    /// A Course Directory venue upload with an optional `AREA` column.
    CsvVenues,
    /// An XCRI-CAP 1.2 catalog.
    XcriCap,
}

/// How the bytes were decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "windows-1252")]
    Windows1252,
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be")]
    Utf16Be,
}

/// One reason a row (CSV) or record (XCRI presentation) was not accepted. A row with several
/// problems has several entries with the same line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// 1-based line of the file where the row or record starts.
    pub line: u64,
    /// The column as named in the file's header (CSV), or the element (XCRI); `null` when the
    /// problem is the row as a whole.
    pub column: Option<String>,
    /// The offending value, cut to 200 characters; `null` when there was none.
    pub value: Option<String>,
    pub reason: String,
}

/// Something worth knowing that rejected nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub line: Option<u64>,
    pub message: String,
}

/// A venue that accepted offers point at but that cannot be registered, because the contract
/// needs an area (or a postcode) it does not have. Its offers are published all the same and
/// count for no partnership until the venue is registered with an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VenueWithoutArea {
    pub line: u64,
    pub ukprn: String,
    pub venue_id: String,
    pub name: String,
    pub postcode: Option<String>,
    pub reason: String,
    /// Accepted offers at this venue.
    pub offers: usize,
}

impl VenueWithoutArea {
    fn warning(&self) -> Warning {
        let offers = match self.offers {
            1 => "its offer counts".to_owned(),
            n => format!("its {n} offers count"),
        };
        Warning {
            line: Some(self.line),
            message: format!(
                "venue {} ({}) has no area ({}): {offers} in no partnership until it is registered with an area",
                self.venue_id, self.name, self.reason
            ),
        }
    }
}

/// A venue that accepted offers name and the file does not describe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VenueReference {
    /// The first row naming it.
    pub line: u64,
    pub ukprn: String,
    pub venue_id: String,
    /// Its `VENUE_NAME` on that row, if any.
    pub name: Option<String>,
    /// Accepted offers at it.
    pub offers: usize,
}

/// An identifier of the file that was not a valid contract id, and the id made from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RenamedId {
    pub line: u64,
    /// `offer` or `venue`.
    pub kind: &'static str,
    pub original: String,
    pub id: String,
}

/// The whole report of one import.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub format: Format,
    pub encoding: TextEncoding,
    /// Whether the file began with a byte-order mark.
    pub bom: bool,
    /// Data rows (CSV, not counting the header or rows with every field empty) or
    /// presentations (XCRI) read.
    pub rows_read: u64,
    /// Rows or records with at least one rejection.
    pub rows_rejected: u64,
    /// Accepted offers.
    pub offers: usize,
    /// Withdrawals the file itself gives (XCRI `recstatus` 3), live offers or not. Offers
    /// withdrawn because a whole-curriculum file leaves them out are not here: only the service,
    /// which knows the provider's live offers, can count those (`withdrawn_missing_from_file`
    /// of the HTTP report).
    pub withdrawals_in_file: usize,
    /// Venues registered.
    pub venues: usize,
    /// Whether the import is a partial update (`provision.offered` per offer) rather than
    /// the provider's whole curriculum for each year it contains.
    pub partial: bool,
    pub rejected: Vec<Rejection>,
    /// Header names of the file that are not columns of its format.
    pub unknown_columns: Vec<String>,
    /// Columns the format needs that the file does not have.
    pub missing_columns: Vec<String>,
    pub venues_without_area: Vec<VenueWithoutArea>,
    /// Venues that accepted offers name but the file does not describe (a courses CSV names
    /// them by `YOUR_VENUE_REFERENCE`; the venues file registers them, with their areas).
    pub referenced_venues: Vec<VenueReference>,
    pub renamed_ids: Vec<RenamedId>,
    pub warnings: Vec<Warning>,
}

impl ImportReport {
    pub(crate) fn new(format: Format, partial: bool) -> Self {
        Self {
            format,
            encoding: TextEncoding::Utf8,
            bom: false,
            rows_read: 0,
            rows_rejected: 0,
            offers: 0,
            withdrawals_in_file: 0,
            venues: 0,
            partial,
            rejected: Vec::new(),
            unknown_columns: Vec::new(),
            missing_columns: Vec::new(),
            venues_without_area: Vec::new(),
            referenced_venues: Vec::new(),
            renamed_ids: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Records the problems of one row; an empty list rejects nothing.
    pub(crate) fn reject_row(&mut self, problems: Vec<Rejection>) {
        if !problems.is_empty() {
            self.rows_rejected += 1;
            self.rejected.extend(problems);
        }
    }

    pub(crate) fn warn(&mut self, line: Option<u64>, message: impl Into<String>) {
        self.warnings.push(Warning { line, message: message.into() });
    }

    /// Puts rejections and warnings in the order of the file (a record's problems can be found
    /// after later records are read: an XCRI provider's come when it ends); warnings without a
    /// line go last.
    pub(crate) fn sort_by_line(&mut self) {
        self.rejected.sort_by_key(|r| r.line);
        self.warnings.sort_by_key(|w| w.line.unwrap_or(u64::MAX));
    }

    /// Lists a venue that cannot be registered, with a warning on its line.
    pub(crate) fn venue_without_area(&mut self, venue: VenueWithoutArea) {
        self.warnings.push(venue.warning());
        self.venues_without_area.push(venue);
    }

    /// Settles the venues the file names but does not describe, given whether the service holds
    /// each (a venue is held only with an area): those it does not hold join
    /// `venues_without_area`, with a warning, since their offers would count nowhere.
    pub fn check_referenced_venues(&mut self, held: impl Fn(&VenueReference) -> bool) {
        let missing: Vec<VenueWithoutArea> = self
            .referenced_venues
            .iter()
            .filter(|v| !held(v))
            .map(|v| VenueWithoutArea {
                line: v.line,
                ukprn: v.ukprn.clone(),
                venue_id: v.venue_id.clone(),
                name: v.name.clone().unwrap_or_else(|| v.venue_id.clone()),
                postcode: None,
                reason: "the service holds no such venue for this provider: import the venues file, with its AREA \
                         column, first"
                    .to_owned(),
                offers: v.offers,
            })
            .collect();
        for venue in missing {
            self.venue_without_area(venue);
        }
        self.sort_by_line();
    }
}

const MAX_VALUE_CHARS: usize = 200;

impl Rejection {
    pub(crate) fn new(line: u64, column: Option<&str>, value: Option<&str>, reason: impl Into<String>) -> Self {
        Self { line, column: column.map(str::to_owned), value: value.map(cut), reason: reason.into() }
    }
}

/// Cuts a value for the report so one huge cell never bloats it.
fn cut(value: &str) -> String {
    if value.chars().count() <= MAX_VALUE_CHARS {
        value.to_owned()
    } else {
        let mut s: String = value.chars().take(MAX_VALUE_CHARS).collect();
        s.push('…');
        s
    }
}
