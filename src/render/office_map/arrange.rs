//! Where every label of a layer goes: the labels a layer asks for (offices' names,
//! countries' names), laid out greedily by [`super::labels`] in several orders, keeping the
//! best layout. Greedy placement depends on who goes first; trying each order is cheap.

use super::labels::{self, Placed, Rect, Wanted};
use super::layer::{Layer, Line, label_size, office_lines, wrapped};
use super::projection::REGION;
use super::{CountryName, Office};

/// How many steps of its text size a label may move away from its anchor.
const RINGS: u32 = 8;

/// Labels keep this far inside the map's edge.
const INSET: f64 = 4.0;

/// What a layer asks to place: each label's lines and box (the offices' first, then the
/// countries', Kosovo* first), and the markers they keep clear of.
pub(super) struct Labels {
    pub lines: Vec<Vec<Line>>,
    pub wanted: Vec<Wanted>,
    markers: Vec<Rect>,
    offices: usize,
    /// The first country is Kosovo*, whose name must be shown.
    kosovo: bool,
}

impl Labels {
    pub fn new(
        layer: &Layer,
        offices: &[Office],
        countries: &[CountryName],
        main_seat: &str,
    ) -> Labels {
        let radius = |o: &Office| if o.main { layer.star } else { layer.radius };
        let mut lines: Vec<Vec<Line>> = offices
            .iter()
            .map(|o| office_lines(layer, o, main_seat))
            .collect();
        lines.extend(countries.iter().map(|c| {
            wrapped(&c.name)
                .into_iter()
                .map(|text| Line {
                    text,
                    size: layer.country,
                    class: "map__country",
                })
                .collect()
        }));
        // Offices and Kosovo* may move away with a leader line; other countries' names stay
        // on the country, or are left out.
        let offices_at = offices
            .iter()
            .map(|o| (o.at, radius(o) + 2.0, false, RINGS));
        let countries_at = countries
            .iter()
            .map(|c| (c.at, 0.0, true, if c.kosovo { RINGS } else { 0 }));
        let wanted = offices_at
            .chain(countries_at)
            .zip(&lines)
            .map(|((anchor, clearance, centred, rings), lines)| {
                let (width, height) = label_size(lines);
                Wanted {
                    anchor,
                    clearance,
                    width,
                    height,
                    centred,
                    rings,
                }
            })
            .collect();
        Labels {
            lines,
            wanted,
            markers: offices
                .iter()
                .map(|o| Rect::around(o.at, radius(o) + 2.0))
                .collect(),
            offices: offices.len(),
            kosovo: countries.first().is_some_and(|c| c.kosovo),
        }
    }
}

/// One pass of a greedy layout: which labels it places.
#[derive(Clone, Copy, PartialEq)]
enum Pass {
    /// Offices, only right beside their marker.
    OfficesBeside,
    /// Offices, as far out as they may go.
    Offices,
    /// Kosovo*, whose name the map must show.
    Kosovo,
    /// The countries' names, Kosovo* first.
    Countries,
}

/// The orders of passes tried.
const STRATEGIES: [&[Pass]; 4] = [
    &[Pass::Offices, Pass::Countries],
    &[Pass::OfficesBeside, Pass::Countries, Pass::Offices],
    &[Pass::Countries, Pass::Offices],
    &[Pass::Kosovo, Pass::Offices, Pass::Countries],
];

/// Greedy placement depends on who goes first, so this lays the labels out in each of
/// the [`STRATEGIES`], with the offices taken in each rotation of their order and of its
/// reverse, and keeps the layout that leaves out the fewest offices and Kosovo*, then
/// the fewest countries, then has the shortest leader lines (the first such: the same
/// layout every time). A few hundred tries of a handful of boxes: well under a
/// millisecond. Returns the places in `labels.wanted`'s order.
pub(super) fn place_all(labels: &Labels, step: f64) -> Vec<Option<Placed>> {
    let n = labels.offices;
    let forward: Vec<usize> = (0..n).collect();
    let backward: Vec<usize> = (0..n).rev().collect();
    let orders = (0..n.max(1)).flat_map(|r| {
        let mut ahead = forward.clone();
        let mut back = backward.clone();
        ahead.rotate_left(r);
        back.rotate_left(r);
        [ahead, back]
    });
    let orders: Vec<Vec<usize>> = orders.collect();
    let mut best: Option<(Score, Vec<Option<Placed>>)> = None;
    for passes in STRATEGIES {
        for order in &orders {
            let placed = layout(labels, passes, order, step);
            let score = score(labels, &placed);
            if best
                .as_ref()
                .is_none_or(|(b, _)| score.partial_cmp(b) == Some(std::cmp::Ordering::Less))
            {
                best = Some((score, placed));
            }
        }
    }
    best.map(|(_, placed)| placed).unwrap_or_default()
}

/// One greedy layout: `passes` in turn, the offices in `order`.
fn layout(labels: &Labels, passes: &[Pass], order: &[usize], step: f64) -> Vec<Option<Placed>> {
    let frame = &REGION.frame;
    let bounds = Rect {
        x: INSET,
        y: INSET,
        width: frame.width - 2.0 * INSET,
        height: frame.height - 2.0 * INSET,
    };
    let wanted = &labels.wanted;
    let required = labels.offices + usize::from(labels.kosovo);
    let mut board = labels::Board::new(bounds, labels.markers.clone(), step);
    let mut placed: Vec<Option<Placed>> = vec![None; wanted.len()];
    for pass in passes {
        let which: Vec<usize> = match pass {
            Pass::OfficesBeside | Pass::Offices => order.to_vec(),
            Pass::Kosovo => (labels.offices..required).collect(),
            Pass::Countries => (labels.offices..wanted.len()).collect(),
        };
        for i in which {
            if placed[i].is_some() {
                continue;
            }
            let rings = if *pass == Pass::OfficesBeside {
                0
            } else {
                wanted[i].rings
            };
            placed[i] = board.place(&Wanted {
                rings,
                ..wanted[i].clone()
            });
        }
    }
    placed
}

/// Offices and Kosovo* left out, other countries left out, length of leader lines: the
/// smaller the better, in that order.
type Score = (usize, usize, f64);

/// The [`Score`] of a layout.
fn score(labels: &Labels, placed: &[Option<Placed>]) -> Score {
    let required = labels.offices + usize::from(labels.kosovo);
    let missing = |from: usize, to: usize| placed[from..to].iter().filter(|p| p.is_none()).count();
    let leaders = placed
        .iter()
        .flatten()
        .filter_map(|p| p.leader)
        .map(|l| (l.to.0 - l.from.0).hypot(l.to.1 - l.from.1))
        .sum();
    (
        missing(0, required),
        missing(required, placed.len()),
        leaders,
    )
}

#[cfg(test)]
mod tests {
    use super::super::layer::LAYERS;
    use super::*;

    /// The six offices where their front matter puts them, named in `names` (main seat
    /// first, as [`super::super`] orders them), and the region's countries.
    fn region(names: [&str; 6], countries: [&str; 7]) -> (Vec<Office>, Vec<CountryName>) {
        let at = [
            (41.01, 28.98),
            (39.93, 32.86),
            (44.79, 20.45),
            (43.86, 18.41),
            (41.99, 21.43),
            (42.66, 21.17),
        ];
        let offices = names
            .iter()
            .zip(at)
            .enumerate()
            .map(|(i, (name, (lat, lon)))| Office {
                href: format!("/offices/{i}/"),
                title: (*name).to_owned(),
                main: i == 0,
                at: REGION.frame.project(lat, lon).unwrap(),
            })
            .collect();
        let isos = ["XK", "AL", "BA", "ME", "MK", "RS", "TR"];
        let countries = countries
            .iter()
            .zip(isos)
            .map(|(name, iso)| {
                let shape = REGION.countries.iter().find(|s| s.iso == iso).unwrap();
                let [x, y] = shape.label.unwrap();
                CountryName {
                    name: (*name).to_owned(),
                    kosovo: iso == "XK",
                    at: (x, y),
                }
            })
            .collect();
        (offices, countries)
    }

    const EN: [&str; 6] = [
        "Istanbul",
        "Ankara",
        "Belgrade",
        "Sarajevo",
        "Skopje",
        "Prishtina",
    ];
    const EN_COUNTRIES: [&str; 7] = [
        "Kosovo*",
        "Albania",
        "Bosnia and Herzegovina",
        "Montenegro",
        "North Macedonia",
        "Serbia",
        "Türkiye",
    ];
    const TR: [&str; 6] = [
        "İstanbul",
        "Ankara",
        "Belgrad",
        "Saraybosna",
        "Üsküp",
        "Priştine",
    ];
    const TR_COUNTRIES: [&str; 7] = [
        "Kosova*",
        "Arnavutluk",
        "Bosna-Hersek",
        "Karadağ",
        "Kuzey Makedonya",
        "Sırbistan",
        "Türkiye",
    ];

    /// Every office and Kosovo* get a label, in both layers and both languages the site
    /// has, and no two labels, or a label and a marker, overlap.
    #[test]
    fn every_office_and_kosovo_is_labelled_apart() {
        let cases = [
            (EN, EN_COUNTRIES, "Main seat"),
            (TR, TR_COUNTRIES, "Merkez ofis"),
        ];
        for (names, countries, main_seat) in cases {
            let (offices, countries) = region(names, countries);
            for layer in &LAYERS {
                let labels = Labels::new(layer, &offices, &countries, main_seat);
                let placed = place_all(&labels, layer.text);
                for (i, p) in placed.iter().enumerate().take(7) {
                    assert!(
                        p.is_some(),
                        "{}: {} has no place",
                        layer.name,
                        labels.lines[i][0].text
                    );
                }
                let boxes: Vec<Rect> = placed.iter().flatten().map(|p| p.rect).collect();
                for (i, a) in boxes.iter().enumerate() {
                    for b in &boxes[i + 1..] {
                        assert!(!a.overlaps(b), "{}: {a:?} {b:?}", layer.name);
                    }
                    assert!(
                        !labels.markers.iter().any(|m| m.overlaps(a)),
                        "{a:?} covers a marker"
                    );
                }
            }
        }
    }

    /// Skopje and Prishtina, 75 km apart: their labels stay apart and each stays near
    /// its own marker (a leader line when it had to move).
    #[test]
    fn skopje_and_prishtina_are_told_apart() {
        let (offices, countries) = region(EN, EN_COUNTRIES);
        for layer in &LAYERS {
            let labels = Labels::new(layer, &offices, &countries, "Main seat");
            let placed = place_all(&labels, layer.text);
            let (skopje, prishtina) = (placed[4].as_ref().unwrap(), placed[5].as_ref().unwrap());
            assert!(!skopje.rect.overlaps(&prishtina.rect));
            for (p, office) in [(skopje, &offices[4]), (prishtina, &offices[5])] {
                let touches = |(x, y): (f64, f64)| {
                    (p.rect.x - 1.0..=p.rect.x + p.rect.width + 1.0).contains(&x)
                        || (p.rect.y - 1.0..=p.rect.y + p.rect.height + 1.0).contains(&y)
                };
                let near = match p.leader {
                    Some(l) => (l.from.0 - office.at.0).hypot(l.from.1 - office.at.1) <= 30.0,
                    None => touches(office.at),
                };
                assert!(near, "{}: {p:?} is not by {}", layer.name, office.title);
            }
        }
    }
}
