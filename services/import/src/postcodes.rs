//! Postcodes: one spelling for comparing them, and the postcode → local authority lookup a
//! user loads from an ONS postcode directory extract (ONSPD, NSPL) or any CSV like it.

use crate::decode::Decoded;
use provisio_events::vocab::{AreaCode, Vocab};
use std::io::Read;

/// A postcode in upper case with one space before the inward code (`sr13ad` → `SR1 3AD`).
/// Text that is too short to have an inward code is only upper-cased and trimmed.
pub fn normalise_postcode(raw: &str) -> String {
    let squashed: String = raw.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_uppercase).collect();
    let n = squashed.chars().count();
    if n >= 5 && squashed.is_ascii() { format!("{} {}", &squashed[..n - 3], &squashed[n - 3..]) } else { squashed }
}

/// Header names accepted for the columns (compared without case).
const POSTCODE_COLUMNS: &[&str] = &["pcds", "pcd", "pcd7", "pcd8", "postcode"];
const AREA_COLUMNS: &[&str] = &["oslaua", "laua", "lad", "area"];
const LAT_COLUMNS: &[&str] = &["lat", "latitude"];
const LON_COLUMNS: &[&str] = &["long", "lon", "longitude"];

#[derive(Debug, thiserror::Error)]
pub enum PostcodeLookupError {
    #[error("reading the postcode lookup failed: {0}")]
    Read(#[from] csv::Error),
    #[error("the postcode lookup has no {0} column (accepted: {1})")]
    MissingColumn(&'static str, String),
}

/// A point on the map, in degrees (WGS84).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// What the lookup knows of one postcode: 12 bytes (ONSPD has 2.6 million postcodes).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Place {
    /// `NO_POSITION` when the row had no usable position.
    lat: f32,
    lon: f32,
    /// Index into `areas`, `NO_AREA` when the row had none.
    area: u16,
}

const NO_AREA: u16 = u16::MAX;
/// Not NaN, so that lookups compare equal to themselves.
const NO_POSITION: f32 = f32::MAX;

/// Postcode → ONS local authority district code and position, from an ONS Postcode
/// Directory extract (ONSPD, NSPL), Code-LatLon Open or any CSV like them.
///
/// Kept compact because the directory is large: postcodes packed into a `u64` each, sorted,
/// beside their places (positions as `f32`, about a metre) and districts interned; about 20
/// bytes a postcode, found by binary search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostcodeLookup {
    keys: Vec<u64>,
    places: Vec<Place>,
    areas: Vec<AreaCode>,
}

impl PostcodeLookup {
    /// Reads a CSV with a postcode column (`pcds`, `pcd`, `pcd7`, `pcd8` or `postcode`) and an
    /// area column (`oslaua`, `laua`, `lad` or `area`), or `lat` and `long` (or `lon`)
    /// columns, or both. Areas that are not codes the contract accepts (terminated or pseudo
    /// codes such as `E99999999`) and positions off the globe (ONSPD's 99.999999 for "no grid
    /// reference") are read as absent. A later row of the same postcode wins.
    pub fn from_csv(input: impl Read) -> Result<Self, PostcodeLookupError> {
        let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(Decoded::new(input));
        let headers = reader.headers()?.clone();
        let find = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)));
        let missing = |what, names: &[&str]| PostcodeLookupError::MissingColumn(what, names.join(", "));
        let postcode_col = find(POSTCODE_COLUMNS).ok_or_else(|| missing("postcode", POSTCODE_COLUMNS))?;
        let area_col = find(AREA_COLUMNS);
        let point_cols = find(LAT_COLUMNS).zip(find(LON_COLUMNS));
        if area_col.is_none() && point_cols.is_none() {
            return Err(missing("area", AREA_COLUMNS));
        }
        let mut builder = Builder::default();
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record)? {
            let field = |col: Option<usize>| col.and_then(|c| record.get(c)).and_then(|f| std::str::from_utf8(f).ok());
            let Some(key) = field(Some(postcode_col)).and_then(pack) else { continue };
            let area = field(area_col).and_then(|a| AreaCode::parse(a.trim()));
            let point = point_cols.and_then(|(lat, lon)| {
                let number = |col| field(Some(col)).and_then(|v| v.trim().parse::<f64>().ok());
                on_the_globe(LatLon { lat: number(lat)?, lon: number(lon)? })
            });
            if area.is_some() || point.is_some() {
                builder.push(key, area, point);
            }
        }
        Ok(builder.finish())
    }

    /// Adds or replaces one postcode's district (a small lookup built by hand; a directory
    /// is read with [`PostcodeLookup::from_csv`]).
    pub fn insert(&mut self, postcode: &str, area: AreaCode) {
        let Some(key) = pack(postcode) else { return };
        let mut builder = Builder { rows: Vec::new(), areas: std::mem::take(&mut self.areas) };
        let area = builder.intern(area);
        let place = Place { lat: NO_POSITION, lon: NO_POSITION, area };
        match self.keys.binary_search(&key) {
            Ok(i) => self.places[i].area = area,
            Err(i) => {
                self.keys.insert(i, key);
                self.places.insert(i, place);
            }
        }
        self.areas = builder.areas;
    }

    fn place(&self, postcode: &str) -> Option<&Place> {
        let key = pack(postcode)?;
        self.keys.binary_search(&key).ok().map(|i| &self.places[i])
    }

    /// The district of a postcode, whatever its case and spacing.
    pub fn get(&self, postcode: &str) -> Option<&AreaCode> {
        self.place(postcode).and_then(|p| self.areas.get(usize::from(p.area)))
    }

    /// The position of a postcode, whatever its case and spacing.
    pub fn point(&self, postcode: &str) -> Option<LatLon> {
        self.place(postcode)
            .filter(|p| p.lat != NO_POSITION)
            .map(|p| LatLon { lat: f64::from(p.lat), lon: f64::from(p.lon) })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Rows in file order, then sorted once: far faster than a map for millions of rows.
#[derive(Default)]
struct Builder {
    rows: Vec<(u64, Place)>,
    areas: Vec<AreaCode>,
}

impl Builder {
    fn intern(&mut self, area: AreaCode) -> u16 {
        match self.areas.iter().position(|a| *a == area) {
            Some(i) => i as u16,
            // Some 400 districts exist; a file with more distinct codes than an index holds
            // is not a postcode directory, and its extra codes are read as absent.
            None if self.areas.len() < usize::from(NO_AREA) => {
                self.areas.push(area);
                (self.areas.len() - 1) as u16
            }
            None => NO_AREA,
        }
    }

    fn push(&mut self, key: u64, area: Option<AreaCode>, point: Option<LatLon>) {
        let area = area.map_or(NO_AREA, |a| self.intern(a));
        let (lat, lon) = point.map_or((NO_POSITION, NO_POSITION), |p| (p.lat as f32, p.lon as f32));
        self.rows.push((key, Place { lat, lon, area }));
    }

    fn finish(mut self) -> PostcodeLookup {
        // Stable: of equal postcodes the later row comes last, and `dedup` keeps the first of
        // a run, so reverse the run order first by sorting on (key, reversed index).
        let mut indexed: Vec<(u64, usize)> = self.rows.iter().enumerate().map(|(i, (k, _))| (*k, i)).collect();
        indexed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        indexed.dedup_by_key(|(k, _)| *k);
        let keys = indexed.iter().map(|(k, _)| *k).collect();
        let places = indexed.iter().map(|(_, i)| self.rows[*i].1).collect();
        self.rows = Vec::new();
        PostcodeLookup { keys, places, areas: self.areas }
    }
}

/// A position that can be on the globe; ONSPD writes 99.999999 / 0 for "none".
fn on_the_globe(p: LatLon) -> Option<LatLon> {
    ((-90.0..=90.0).contains(&p.lat) && (-180.0..=180.0).contains(&p.lon)).then_some(p)
}

/// A postcode packed into 6 bits a character (digits 1–10, letters 11–36), spaces and case
/// ignored: at most 10 characters, letters and digits only, else `None`.
fn pack(raw: &str) -> Option<u64> {
    let mut key = 0u64;
    let mut n = 0;
    for c in raw.chars().filter(|c| !c.is_whitespace()) {
        let code = match c.to_ascii_uppercase() {
            d @ '0'..='9' => d as u64 - '0' as u64 + 1,
            l @ 'A'..='Z' => l as u64 - 'A' as u64 + 11,
            _ => return None,
        };
        n += 1;
        if n > 10 {
            return None;
        }
        key = key << 6 | code;
    }
    (n > 0).then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcodes_are_spelled_one_way() {
        for (raw, expected) in [
            ("sr13ad", "SR1 3AD"),
            (" SR1  3AD ", "SR1 3AD"),
            ("ox1 2ja", "OX1 2JA"),
            ("W1A0AX", "W1A 0AX"),
            ("zz", "ZZ"),
        ] {
            assert_eq!(normalise_postcode(raw), expected, "{raw}");
        }
    }

    #[test]
    fn a_lookup_reads_onspd_style_columns_and_skips_pseudo_areas() {
        let csv = "PCDS,other,OSLAUA\nSR1 3AD,x,E08000024\nOX12JA,x,E07000178\nZZ99 9ZZ,x,E99999999\n";
        let lookup = PostcodeLookup::from_csv(csv.as_bytes()).unwrap_or_default();
        assert_eq!(lookup.len(), 2);
        assert_eq!(lookup.get("sr13ad").map(|a| a.as_str()), Some("E08000024"));
        assert_eq!(lookup.get("OX1 2JA").map(|a| a.as_str()), Some("E07000178"));
        assert!(lookup.get("ZZ99 9ZZ").is_none());
    }

    #[test]
    fn a_lookup_without_its_columns_is_refused() {
        let err = PostcodeLookup::from_csv("postcode,name\nSR1 3AD,x\n".as_bytes()).err().map(|e| e.to_string());
        assert!(err.unwrap_or_default().contains("no area column"));
    }

    #[test]
    fn a_lookup_places_postcodes_and_leaves_out_positions_off_the_globe() {
        let csv = "pcds,lat,long,lad\nSR1 3AD,54.9053,-1.3817,E08000024\nOX1 2JA,99.999999,0.000000,E07000178\n\
                   ne1 4lp,54.9738,-1.6132,\n";
        let lookup = PostcodeLookup::from_csv(csv.as_bytes()).unwrap_or_default();
        assert_eq!(lookup.len(), 3);
        let sunderland = lookup.point("SR13AD").unwrap_or(LatLon { lat: 0.0, lon: 0.0 });
        assert!((sunderland.lat - 54.9053).abs() < 1e-5 && (sunderland.lon + 1.3817).abs() < 1e-5);
        assert!(lookup.point("OX1 2JA").is_none(), "no grid reference");
        assert_eq!(lookup.get("OX1 2JA").map(|a| a.as_str()), Some("E07000178"));
        assert!(lookup.point("NE1 4LP").is_some() && lookup.get("NE1 4LP").is_none());
        assert!(lookup.get("NE1 4LQ").is_none() && lookup.point("not a postcode!").is_none());
    }

    #[test]
    fn a_later_row_of_a_postcode_wins_and_a_hand_made_entry_replaces() {
        let csv = "postcode,lat,lon\nSR1 3AD,54.0,-1.0\nsr13ad,55.0,-2.0\n";
        let mut lookup = PostcodeLookup::from_csv(csv.as_bytes()).unwrap_or_default();
        assert_eq!(lookup.len(), 1);
        assert_eq!(lookup.point("SR1 3AD"), Some(LatLon { lat: 55.0, lon: -2.0 }));
        let area = AreaCode::parse("E08000024").unwrap_or_else(|| unreachable!());
        lookup.insert("SR1 3AD", area.clone());
        lookup.insert("DH1 1AA", area);
        assert_eq!(lookup.get("sr1 3ad").map(|a| a.as_str()), Some("E08000024"));
        assert_eq!(lookup.point("SR1 3AD"), Some(LatLon { lat: 55.0, lon: -2.0 }), "the position stays");
        assert_eq!(lookup.len(), 2);
    }

    #[test]
    fn packed_postcodes_differ_where_the_postcodes_do() {
        assert_eq!(pack("sr1 3ad"), pack("SR13AD"));
        assert_ne!(pack("SR1 3AD"), pack("SR13 AD1"));
        assert_ne!(pack("A1"), pack("A10"));
        assert!(pack("").is_none() && pack("SR1-3AD").is_none() && pack("ABCDEFGHIJK").is_none());
    }
}
