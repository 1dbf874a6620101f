//! Distances on the map: great-circle (haversine) kilometres between two WGS84 points.

use provisio_import::LatLon;

/// Mean radius of the Earth (IUGG), in kilometres.
const EARTH_RADIUS_KM: f64 = 6_371.008_8;

pub fn haversine_km(a: LatLon, b: LatLon) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = p2 - p1;
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_distances() {
        let sunderland = LatLon { lat: 54.9046, lon: -1.3875 };
        let newcastle = LatLon { lat: 54.9783, lon: -1.6178 };
        let d = haversine_km(sunderland, newcastle);
        assert!((d - 16.88).abs() < 0.1, "{d}");
        assert_eq!(haversine_km(sunderland, sunderland), 0.0);
        // A quarter of the way round the equator.
        let q = haversine_km(LatLon { lat: 0.0, lon: 0.0 }, LatLon { lat: 0.0, lon: 90.0 });
        assert!((q - 10_007.5).abs() < 1.0, "{q}");
    }
}
