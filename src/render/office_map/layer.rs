//! One layer of the offices map: the sizes of its text and markers, the lines of its
//! labels (an office's name, the main seat's second line, the countries' names), and,
//! once [`super::arrange`] has placed them, the markers, boxes and lines of text the
//! template draws.

use super::arrange::{Labels, place_all};
use super::labels::{Placed, Rect, Wanted};
use super::projection::tenth;
use super::{CountryName, Office};
use super::{MapLabel, MapLayer, MapMark, MapText};

/// The sizes of one layer of the map, in SVG units (the map is 1000 wide).
pub(super) struct Layer {
    pub name: &'static str,
    /// Hidden unless CSS shows it.
    pub hidden: bool,
    /// An office's name.
    pub text: f64,
    /// The main seat's second line.
    pub sub: f64,
    /// A country's name.
    pub country: f64,
    /// An office's dot.
    pub radius: f64,
    /// The main seat's star (outer radius).
    pub star: f64,
}

/// Wide: 22 units are 12–18 px on screens from 576 px up, and in print. Narrow: 40 units
/// are 11.5 px at 320 px wide.
pub(super) const LAYERS: [Layer; 2] = [
    Layer {
        name: "wide",
        hidden: false,
        text: 22.0,
        sub: 18.0,
        country: 18.0,
        radius: 7.0,
        star: 13.0,
    },
    Layer {
        name: "narrow",
        hidden: true,
        text: 40.0,
        sub: 34.0,
        country: 32.0,
        radius: 12.0,
        star: 22.0,
    },
];

/// A line of a label before it is placed.
pub(super) struct Line {
    pub text: String,
    pub size: f64,
    pub class: &'static str,
}

impl Line {
    /// Estimated width: bold names average 0.62 em a character, other text 0.56 em. The
    /// text is fitted to this width (`textLength`), so the box holds it in any font.
    fn width(&self) -> f64 {
        let em = if self.class == "map__label" {
            0.62
        } else {
            0.56
        };
        tenth(self.text.chars().count() as f64 * self.size * em)
    }
}

/// One layer: each office's marker and label, and the countries' names that found room.
pub(super) fn draw_layer(
    layer: &Layer,
    offices: &[Office],
    countries: &[CountryName],
    main_seat: &str,
) -> (Vec<MapMark>, MapLayer) {
    let labels = Labels::new(layer, offices, countries, main_seat);
    let placed = place_all(&labels, layer.text);
    let mut placed_lines = placed.into_iter().zip(labels.lines);
    let marks = offices
        .iter()
        .zip(&labels.wanted)
        .zip(placed_lines.by_ref())
        .map(|((o, w), (placed, lines))| {
            // Never happens with the offices in the frame (the tests place them all); if
            // it did, an overlapping label still beats an office without a name.
            let placed = placed.unwrap_or_else(|| beside(w));
            MapMark {
                layer: layer.name,
                hidden: layer.hidden,
                x: o.at.0,
                y: o.at.1,
                r: layer.radius,
                star: o.main.then(|| star(o.at, layer.star)),
                label: label(&placed, lines),
            }
        })
        .collect();
    let countries = placed_lines
        .filter_map(|(placed, lines)| Some(label(&placed?, lines)))
        .collect();
    let layer = MapLayer {
        name: layer.name,
        hidden: layer.hidden,
        countries,
    };
    (marks, layer)
}

/// An office's name, and for the main seat a second line saying so.
pub(super) fn office_lines(layer: &Layer, office: &Office, main_seat: &str) -> Vec<Line> {
    let mut lines = vec![Line {
        text: office.title.clone(),
        size: layer.text,
        class: "map__label",
    }];
    if office.main {
        lines.push(Line {
            text: main_seat.to_owned(),
            size: layer.sub,
            class: "map__label map__label--sub",
        });
    }
    lines
}

/// A country's name on one line, or two when it is long (`Bosnia and` / `Herzegovina`),
/// broken at the space nearest its middle, so it fits inside the country.
pub(super) fn wrapped(name: &str) -> Vec<String> {
    let half = name.chars().count() / 2;
    let space = name
        .char_indices()
        .filter(|(_, c)| *c == ' ')
        .min_by_key(|(i, _)| name[..*i].chars().count().abs_diff(half));
    match space {
        Some((i, _)) if name.chars().count() > 12 => {
            vec![name[..i].to_owned(), name[i + 1..].to_owned()]
        }
        _ => vec![name.to_owned()],
    }
}

/// Padding around a label's text, in ems of its first line.
const PAD_X: f64 = 0.3;
const PAD_Y: f64 = 0.15;
/// Line height, in ems.
const LEADING: f64 = 1.2;

/// The box a label's lines need.
pub(super) fn label_size(lines: &[Line]) -> (f64, f64) {
    let em = lines.first().map_or(0.0, |l| l.size);
    let widest = lines.iter().map(Line::width).fold(0.0, f64::max);
    let tall: f64 = lines.iter().map(|l| l.size * LEADING).sum();
    (
        tenth(widest + 2.0 * PAD_X * em),
        tenth(tall + 2.0 * PAD_Y * em),
    )
}

/// A placed label: its box, its lines centred in it one under the other.
fn label(placed: &Placed, lines: Vec<Line>) -> MapLabel {
    let rect = placed.rect;
    let em = lines.first().map_or(0.0, |l| l.size);
    let mut top = rect.y + PAD_Y * em;
    let lines = lines
        .into_iter()
        .map(|line| {
            // The baseline sits about 0.9 em below the top of a 1.2 em line.
            let baseline = top + line.size * (LEADING - 0.3);
            top += line.size * LEADING;
            MapText {
                x: tenth(rect.x + rect.width / 2.0),
                y: tenth(baseline),
                size: line.size,
                length: line.width(),
                text: line.text,
                class: line.class,
            }
        })
        .collect();
    MapLabel {
        x: tenth(rect.x),
        y: tenth(rect.y),
        width: rect.width,
        height: rect.height,
        lines,
        leader: placed.leader.map(|l| {
            [
                tenth(l.from.0),
                tenth(l.from.1),
                tenth(l.to.0),
                tenth(l.to.1),
            ]
        }),
    }
}

/// Right of the marker, whatever is there: the last resort of [`draw_layer`].
fn beside(w: &Wanted) -> Placed {
    Placed {
        rect: Rect {
            x: w.anchor.0 + w.clearance,
            y: w.anchor.1 - w.height / 2.0,
            width: w.width,
            height: w.height,
        },
        leader: None,
    }
}

/// A five-pointed star of outer radius `r` around `(x, y)`, point up.
fn star((x, y): (f64, f64), r: f64) -> String {
    let points: Vec<String> = (0..10)
        .map(|i| {
            let reach = if i % 2 == 0 { r } else { r * 0.45 };
            let angle = std::f64::consts::PI * f64::from(i) / 5.0;
            format!(
                "{} {}",
                tenth(x + reach * angle.sin()),
                tenth(y - reach * angle.cos())
            )
        })
        .collect();
    format!("M{}Z", points.join("L"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_country_names_break_in_two() {
        assert_eq!(
            wrapped("Bosnia and Herzegovina"),
            ["Bosnia and", "Herzegovina"]
        );
        assert_eq!(wrapped("Kuzey Makedonya"), ["Kuzey", "Makedonya"]);
        assert_eq!(wrapped("Kosovo*"), ["Kosovo*"]);
    }

    #[test]
    fn the_main_seat_is_a_star_around_its_point() {
        assert!(star((100.0, 50.0), 10.0).starts_with("M100 40L"));
    }
}
