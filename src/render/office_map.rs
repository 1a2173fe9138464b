//! The offices map: an inline SVG drawn from the offices' coordinates, each office a dot
//! linked to its page, on a two-degree grid, with no borders (the site has no boundary
//! data to draw).

use super::context::Context;
use super::templates::{GridLine, MapPoint, OfficeMap};
use crate::content::{Page, PageKind};

const WIDTH: f64 = 800.0;
/// Degrees of margin around the outermost offices.
const MARGIN: f64 = 1.0;

/// An equirectangular projection of a box of latitude and longitude onto the map, scaled
/// for the box's mean latitude.
struct Projection {
    lat_min: f64,
    lat_max: f64,
    lon_min: f64,
    lon_max: f64,
    squeeze: f64,
    scale: f64,
    height: f64,
}

impl Projection {
    /// The projection that shows every `(latitude, longitude)` with [`MARGIN`] around.
    fn around(points: &[(f64, f64)]) -> Projection {
        let lat_min = points.iter().map(|p| p.0).fold(f64::MAX, f64::min) - MARGIN;
        let lat_max = points.iter().map(|p| p.0).fold(f64::MIN, f64::max) + MARGIN;
        let lon_min = points.iter().map(|p| p.1).fold(f64::MAX, f64::min) - MARGIN;
        let lon_max = points.iter().map(|p| p.1).fold(f64::MIN, f64::max) + MARGIN;
        let squeeze = ((lat_min + lat_max) / 2.0).to_radians().cos();
        let scale = WIDTH / ((lon_max - lon_min) * squeeze);
        Projection {
            lat_min,
            lat_max,
            lon_min,
            lon_max,
            squeeze,
            scale,
            height: ((lat_max - lat_min) * scale).round(),
        }
    }

    fn x(&self, lon: f64) -> f64 {
        ((lon - self.lon_min) * self.squeeze * self.scale * 10.0).round() / 10.0
    }

    fn y(&self, lat: f64) -> f64 {
        ((self.lat_max - lat) * self.scale * 10.0).round() / 10.0
    }

    /// A line every second degree of latitude and longitude inside the box.
    fn grid(&self) -> Vec<GridLine> {
        let even = |v: f64| (v / 2.0).ceil() as i32 * 2;
        let mut grid = Vec::new();
        for lat in (even(self.lat_min)..=self.lat_max.floor() as i32).step_by(2) {
            let y = self.y(f64::from(lat));
            grid.push(GridLine {
                x1: 0.0,
                y1: y,
                x2: WIDTH,
                y2: y,
                label: format!("{lat}° N"),
            });
        }
        for lon in (even(self.lon_min)..=self.lon_max.floor() as i32).step_by(2) {
            let x = self.x(f64::from(lon));
            grid.push(GridLine {
                x1: x,
                y1: 0.0,
                x2: x,
                y2: self.height,
                label: format!("{lon}° E"),
            });
        }
        grid
    }
}

impl Context<'_> {
    /// The map of the offices for a visitor reading `lang`; `None` without offices.
    pub(super) fn office_map(&self, lang: &str) -> Option<OfficeMap> {
        let ui = self.ui(lang);
        let offices: Vec<(&Page, f64, f64, bool)> = self
            .offices
            .iter()
            .filter_map(|page| match &page.kind {
                PageKind::Office(o) => Some((*page, o.latitude, o.longitude, o.main_seat)),
                _ => None,
            })
            .collect();
        if offices.is_empty() {
            return None;
        }
        let coordinates: Vec<(f64, f64)> = offices.iter().map(|o| (o.1, o.2)).collect();
        let map = Projection::around(&coordinates);
        let points: Vec<MapPoint> = offices
            .iter()
            .filter_map(|(page, lat, lon, main)| {
                let link = self.link(&page.key, lang)?;
                Some(MapPoint {
                    x: map.x(*lon),
                    y: map.y(*lat),
                    label: link.title,
                    href: link.href,
                    main: *main,
                    label_left: map.x(*lon) > WIDTH * 0.8,
                })
            })
            .collect();
        let names: Vec<&str> = points.iter().map(|p| p.label.as_str()).collect();
        Some(OfficeMap {
            width: WIDTH as u32,
            height: map.height as u32,
            title: format!("{}: {}", ui.office_map, names.join(", ")),
            note: ui.office_map_note.clone(),
            grid: map.grid(),
            points,
        })
    }
}

/// `41.01` -> `41.01° N`.
pub(super) fn format_coordinate(value: f64, positive: char, negative: char) -> String {
    let hemisphere = if value < 0.0 { negative } else { positive };
    format!("{:.2}° {hemisphere}", value.abs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_read_with_their_hemisphere() {
        assert_eq!(format_coordinate(41.0082, 'N', 'S'), "41.01° N");
        assert_eq!(format_coordinate(-3.5, 'E', 'W'), "3.50° W");
    }

    #[test]
    fn the_projection_puts_the_north_west_corner_at_the_origin() {
        let map = Projection::around(&[(41.0, 20.0), (45.0, 29.0)]);
        assert_eq!((map.x(19.0), map.y(46.0)), (0.0, 0.0));
        assert!((map.x(30.0) - WIDTH).abs() < 0.1);
    }
}
