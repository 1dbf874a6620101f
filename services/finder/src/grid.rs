//! Where the courses are: a grid of cells about 11 km by 10 km (in England) holding the
//! document numbers of the courses taught in each, so a search near a point reads only the
//! courses of the cells around it instead of measuring the distance to every course.

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

    /// The documents of every course that may be within `km` of `from` (all those that are,
    /// and some farther), in no order; `None` when they are more than `most` or the circle
    /// reaches a pole or the 180th meridian (the caller then looks at every course).
    pub(crate) fn near(&self, from: LatLon, km: f64, most: usize) -> Option<Vec<u64>> {
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
        let mut found = Vec::new();
        for row in low.0..=high.0 {
            for column in low.1..=high.1 {
                if let Some(docs) = self.cells.get(&(row, column)) {
                    if found.len() + docs.len() > most {
                        return None;
                    }
                    found.extend_from_slice(docs);
                }
            }
        }
        Some(found)
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
        for km in [0.5, 5.0, 12.0, 25.0, 40.0] {
            let mut near = grid.near(from, km, usize::MAX).unwrap();
            near.sort_unstable();
            for (doc, p) in points.iter().enumerate() {
                if haversine_km(from, *p) <= km {
                    assert!(near.binary_search(&(doc as u64)).is_ok(), "{doc} at {km} km");
                }
            }
        }
        assert_eq!(grid.near(from, 40.0, 10), None);
        grid.remove(7, points[7]);
        assert!(!grid.near(from, 100.0, usize::MAX).unwrap().contains(&7));
    }
}
