//! Where the courses are: a grid of cells about 11 km by 10 km (in England) holding the
//! document numbers of the courses taught in each, so a search near a point reads only the
//! courses of the cells around it instead of measuring the distance to every course. Each
//! document's cell is also a term of the word index ([`cell_key`]), so a search with words
//! reads the documents of those cells from it, segment by segment.

use provisio_import::LatLon;
use std::collections::HashMap;

/// A cell's height and width, in degrees: about 11 km by 10 km at England's latitudes.
const CELL_LAT: f64 = 0.1;
const CELL_LON: f64 = 0.15;
/// Kilometres per degree of latitude (on the sphere `haversine_km` measures on).
const KM_PER_DEGREE: f64 = 6_371.008_8 * std::f64::consts::PI / 180.0;
/// Added to every side of a search's box so that rounding never leaves out a point on its edge.
const SLACK_DEGREES: f64 = 1e-6;

type Cell = (i32, i32);

fn cell_of(p: LatLon) -> Cell {
    ((p.lat / CELL_LAT).floor() as i32, (p.lon / CELL_LON).floor() as i32)
}

/// A cell as one number, in the order of rows then columns (south to north, west to east).
fn key_of((row, column): Cell) -> u64 {
    let unsigned = |n: i32| u64::from(n.cast_unsigned() ^ 0x8000_0000);
    (unsigned(row) << 32) | unsigned(column)
}

/// The cell of a position, as one number: documents added in this order sit together.
pub(crate) fn cell_key(p: LatLon) -> u64 {
    key_of(cell_of(p))
}

/// The cells a search near a point reads, and how many documents they hold.
pub(crate) struct Near {
    cells: Vec<Cell>,
    pub(crate) docs: usize,
}

impl Near {
    /// The cells, as [`cell_key`] numbers.
    pub(crate) fn keys(&self) -> Vec<u64> {
        self.cells.iter().map(|c| key_of(*c)).collect()
    }

    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }
}

#[derive(Default)]
pub(crate) struct Grid {
    cells: HashMap<Cell, Vec<u64>>,
}

impl Grid {
    pub(crate) fn put(&mut self, doc: u64, at: LatLon) {
        self.cells.entry(cell_of(at)).or_default().push(doc);
    }

    pub(crate) fn remove(&mut self, doc: u64, at: LatLon) {
        let cell = cell_of(at);
        if let Some(docs) = self.cells.get_mut(&cell) {
            if let Some(i) = docs.iter().position(|d| *d == doc) {
                docs.swap_remove(i);
            }
            if docs.is_empty() {
                self.cells.remove(&cell);
            }
        }
    }

    /// The non-empty cells holding every course that may be within `km` of `from` (all those
    /// that are, and some farther); `None` when the circle reaches a pole or the 180th
    /// meridian (the caller then looks at every course).
    pub(crate) fn near(&self, from: LatLon, km: f64) -> Option<Near> {
        let radians = km / KM_PER_DEGREE * std::f64::consts::PI / 180.0;
        let lat_span = km / KM_PER_DEGREE + SLACK_DEGREES;
        let (south, north) = (from.lat - lat_span, from.lat + lat_span);
        // The widest a circle of this radius is, in longitude (exact on the sphere).
        let sine = radians.sin() / from.lat.to_radians().cos();
        if !(south > -90.0 && north < 90.0 && radians < std::f64::consts::FRAC_PI_2 && sine < 1.0) {
            return None;
        }
        let lon_span = sine.asin().to_degrees() + SLACK_DEGREES;
        let (west, east) = (from.lon - lon_span, from.lon + lon_span);
        if west < -180.0 || east > 180.0 {
            return None;
        }
        let (low, high) = (cell_of(LatLon { lat: south, lon: west }), cell_of(LatLon { lat: north, lon: east }));
        let mut near = Near { cells: Vec::new(), docs: 0 };
        // A wide circle has more cells in its box than the grid has cells: read those instead.
        let boxed = (i64::from(high.0) - i64::from(low.0) + 1) * (i64::from(high.1) - i64::from(low.1) + 1);
        let inside = |c: &Cell| (low.0..=high.0).contains(&c.0) && (low.1..=high.1).contains(&c.1);
        if boxed > self.cells.len() as i64 {
            near.cells.extend(self.cells.keys().filter(|c| inside(c)));
        } else {
            let every = (low.0..=high.0).flat_map(|row| (low.1..=high.1).map(move |column| (row, column)));
            near.cells.extend(every.filter(|c| self.cells.contains_key(c)));
        }
        near.docs = near.cells.iter().map(|c| self.cells[c].len()).sum();
        Some(near)
    }

    /// The documents of the cells of `near`, in no order.
    pub(crate) fn docs<'a>(&'a self, near: &'a Near) -> impl Iterator<Item = u64> + 'a {
        near.cells.iter().flat_map(|c| self.cells.get(c).into_iter().flatten().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::haversine_km;

    #[test]
    fn every_point_within_the_distance_is_found() {
        let mut grid = Grid::default();
        let from = LatLon { lat: 54.9, lon: -1.38 };
        let mut points = Vec::new();
        for i in 0..4_000u64 {
            // A spiral of points out to about 60 km, at every bearing.
            let (r, angle) = (i as f64 / 4_000.0 * 0.6, i as f64 * 0.37);
            let p = LatLon { lat: from.lat + r * angle.sin(), lon: from.lon + r * 1.7 * angle.cos() };
            grid.put(i, p);
            points.push(p);
        }
        for km in [0.5, 5.0, 12.0, 25.0, 40.0, 500.0] {
            let cells = grid.near(from, km).unwrap();
            let mut near: Vec<u64> = grid.docs(&cells).collect();
            assert_eq!(near.len(), cells.docs);
            near.sort_unstable();
            for (doc, p) in points.iter().enumerate() {
                if haversine_km(from, *p) <= km {
                    assert!(near.binary_search(&(doc as u64)).is_ok(), "{doc} at {km} km");
                }
            }
        }
        assert!(grid.near(LatLon { lat: 89.9, lon: 0.0 }, 40.0).is_none());
        grid.remove(7, points[7]);
        let everything = grid.near(from, 100.0).unwrap();
        assert!(!grid.docs(&everything).any(|d| d == 7));
        assert_eq!(everything.docs, 3_999);
    }

    #[test]
    fn cell_keys_order_by_row_then_column() {
        let key = |lat, lon| cell_key(LatLon { lat, lon });
        assert!(key(-0.05, 10.0) < key(0.05, -10.0));
        assert!(key(54.9, -1.6) < key(54.9, -1.3));
        assert!(key(54.9, 1.3) < key(55.0, -1.6));
        assert_eq!(key(54.91, -1.31), key(54.93, -1.34));
    }
}
