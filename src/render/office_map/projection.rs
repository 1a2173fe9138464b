//! The map's geography: the country shapes, coastlines and borders in
//! `static/map/region.json` (made once from Natural Earth by
//! `static/map/make-region-map.mjs`), and the frame and projection that script used, so an
//! office marker placed from its front matter lands where the shapes put its city.
//!
//! The data is read at compile time with `include_str!` rather than through
//! [`crate::assets::Assets`]: the shapes are drawn inline into pages, never served as a
//! file of their own, and a compile-time copy cannot go missing at run time (the unit
//! tests below parse it, so a broken file fails `cargo test`, not a visitor's request).

use std::sync::LazyLock;

use serde::Deserialize;

static REGION_JSON: &str = include_str!("../../../static/map/region.json");

/// The shapes and the frame, parsed on first use.
pub(super) static REGION: LazyLock<Region> = LazyLock::new(|| {
    serde_json::from_str(REGION_JSON).expect("static/map/region.json parses (unit-tested)")
});

#[derive(Debug, Deserialize)]
pub(super) struct Region {
    pub frame: Frame,
    /// Coastlines, one SVG path.
    pub coast: String,
    /// Land borders between countries, one SVG path.
    pub borders: String,
    pub countries: Vec<Shape>,
}

/// One country as drawn: its outline, already projected, simplified and clipped.
#[derive(Debug, Deserialize)]
pub(super) struct Shape {
    /// ISO 3166-1 alpha-2 (`XK` for Kosovo*), as in a country page's front matter.
    /// (The file also has each country's English name, for whoever reads it; the map
    /// names countries as their pages do, in the visitor's language.)
    pub iso: String,
    /// One of the region's partners, shaded apart.
    pub region: bool,
    /// Where its name goes: a point well inside it (region countries only).
    pub label: Option<[f64; 2]>,
    pub d: String,
}

/// The box of latitude and longitude the map shows and how it is projected: an
/// equirectangular projection with longitudes squeezed by the cosine of the mean latitude
/// (`parallel`), `scale` SVG units to a degree of latitude. At 34–47° N this keeps shapes
/// within a few per cent of true, and it is the one projection a marker can be placed
/// with in two lines of code.
#[derive(Debug, Deserialize)]
pub(super) struct Frame {
    pub west: f64,
    pub east: f64,
    pub south: f64,
    pub north: f64,
    pub width: f64,
    pub height: f64,
    pub parallel: f64,
    pub scale: f64,
}

impl Frame {
    /// Where `(latitude, longitude)` falls on the map, in SVG units rounded to 0.1 (as the
    /// shapes are); `None` outside the frame.
    pub fn project(&self, lat: f64, lon: f64) -> Option<(f64, f64)> {
        let inside =
            (self.south..=self.north).contains(&lat) && (self.west..=self.east).contains(&lon);
        inside.then(|| {
            let squeeze = self.parallel.to_radians().cos();
            (
                tenth((lon - self.west) * squeeze * self.scale),
                tenth((self.north - lat) * self.scale),
            )
        })
    }
}

/// `12.345` -> `12.3`.
pub(super) fn tenth(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_data_file_parses_and_holds_the_region() {
        let region = &*REGION;
        for iso in ["AL", "BA", "XK", "ME", "MK", "RS", "TR"] {
            let shape = region.countries.iter().find(|c| c.iso == iso).expect(iso);
            assert!(shape.region && shape.label.is_some(), "{iso}");
            assert!(shape.d.starts_with('M'), "{iso}");
        }
        for iso in [
            "GR", "BG", "RO", "HU", "HR", "SI", "IT", "CY", "GE", "SY", "IQ", "IR",
        ] {
            let shape = region.countries.iter().find(|c| c.iso == iso).expect(iso);
            assert!(!shape.region, "{iso} is a neighbour");
        }
        assert!(REGION_JSON.len() < 100_000, "{} bytes", REGION_JSON.len());
    }

    #[test]
    fn the_frame_is_the_one_the_script_projected_with() {
        let f = &REGION.frame;
        assert!((f.parallel - (f.south + f.north) / 2.0).abs() < 0.05);
        let squeeze = f.parallel.to_radians().cos();
        assert!((f.scale - f.width / ((f.east - f.west) * squeeze)).abs() < 1e-4);
        assert!((f.height - ((f.north - f.south) * f.scale).round()).abs() < 0.5);
        assert_eq!(f.project(f.north, f.west), Some((0.0, 0.0)));
        let (x, y) = f.project(f.south, f.east).unwrap();
        assert!(
            (x - f.width).abs() < 0.1 && (y - f.height).abs() < 0.6,
            "{x} {y}"
        );
        assert_eq!(f.project(f.north + 0.1, f.west), None);
        assert_eq!(f.project(f.south, f.east + 0.1), None);
    }

    /// The rings of a path as the script writes it: `M x y l dx dy dx dy ... z`.
    fn rings(d: &str) -> Vec<Vec<(f64, f64)>> {
        let mut rings = Vec::new();
        for part in d.split('M').filter(|p| !p.is_empty()) {
            let mut numbers = Vec::new();
            let mut token = String::new();
            for c in part.chars() {
                let starts_new = c == '-' || (c == '.' && token.contains('.'));
                if c.is_ascii_digit() || c == '.' || c == '-' {
                    if starts_new && !token.is_empty() {
                        numbers.push(token.parse::<f64>().unwrap());
                        token.clear();
                    }
                    token.push(c);
                } else if !token.is_empty() {
                    numbers.push(token.parse::<f64>().unwrap());
                    token.clear();
                }
            }
            if !token.is_empty() {
                numbers.push(token.parse::<f64>().unwrap());
            }
            let mut at = (numbers[0], numbers[1]);
            let mut ring = vec![at];
            for step in numbers[2..].chunks(2) {
                at = (at.0 + step[0], at.1 + step[1]);
                ring.push(at);
            }
            rings.push(ring);
        }
        rings
    }

    fn inside(point: (f64, f64), d: &str) -> bool {
        rings(d).iter().any(|ring| {
            let mut odd = false;
            for (i, a) in ring.iter().enumerate() {
                let b = ring[(i + 1) % ring.len()];
                if (a.1 > point.1) != (b.1 > point.1)
                    && point.0 < (b.0 - a.0) * (point.1 - a.1) / (b.1 - a.1) + a.0
                {
                    odd = !odd;
                }
            }
            odd
        })
    }

    #[test]
    fn offices_land_in_their_countries() {
        let region = &*REGION;
        let shape = |iso: &str| &region.countries.iter().find(|c| c.iso == iso).unwrap().d;
        for (city, lat, lon, iso) in [
            ("Istanbul", 41.01, 28.98, "TR"),
            ("Ankara", 39.93, 32.86, "TR"),
            ("Belgrade", 44.79, 20.45, "RS"),
            ("Sarajevo", 43.86, 18.41, "BA"),
            ("Skopje", 41.99, 21.43, "MK"),
            ("Prishtina", 42.66, 21.17, "XK"),
        ] {
            // On land within 3 units (a marker's radius): Istanbul's old town sits on
            // the Golden Horn, which the simplified coast may put a hair away.
            let (x, y) = region.frame.project(lat, lon).expect(city);
            let near = [(0.0, 0.0), (3.0, 0.0), (-3.0, 0.0), (0.0, 3.0), (0.0, -3.0)];
            let on_land = near
                .iter()
                .any(|(dx, dy)| inside((x + dx, y + dy), shape(iso)));
            assert!(on_land, "{city} at {x}, {y} is in {iso}");
            // With at least a degree of the frame around it.
            assert!(
                region.frame.project(lat - 1.0, lon - 1.0).is_some(),
                "{city}"
            );
            assert!(
                region.frame.project(lat + 1.0, lon + 1.0).is_some(),
                "{city}"
            );
        }
        // Athens is in Greece, not in Türkiye: the test above can fail.
        let athens = region.frame.project(37.98, 23.73).unwrap();
        assert!(inside(athens, shape("GR")) && !inside(athens, shape("TR")));
    }
}
