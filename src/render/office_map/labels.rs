//! Where the map's labels go: a small deterministic layout that never lets two labels,
//! a label and a marker, or a label and a leader line overlap. Each label tries, in
//! order, right of its anchor, left, above and below; then the same and the diagonals
//! one step further out, and further, with a leader line back to its anchor. It takes the
//! first place inside the map that is free. Knows nothing of offices or SVG: only boxes.

/// A box on the map, in SVG units, `(x, y)` its top left corner.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    /// The square of half-side `half` around `(x, y)`: a marker's box.
    pub fn around((x, y): (f64, f64), half: f64) -> Rect {
        Rect {
            x: x - half,
            y: y - half,
            width: 2.0 * half,
            height: 2.0 * half,
        }
    }

    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.width
            && other.x < self.x + self.width
            && self.y < other.y + other.height
            && other.y < self.y + self.height
    }

    fn within(&self, bounds: &Rect) -> bool {
        self.x >= bounds.x
            && self.y >= bounds.y
            && self.x + self.width <= bounds.x + bounds.width
            && self.y + self.height <= bounds.y + bounds.height
    }

    fn holds(&self, (x, y): (f64, f64)) -> bool {
        (self.x..=self.x + self.width).contains(&x) && (self.y..=self.y + self.height).contains(&y)
    }

    /// The point of the box nearest to `(x, y)`.
    fn nearest(&self, (x, y): (f64, f64)) -> (f64, f64) {
        (
            x.clamp(self.x, self.x + self.width),
            y.clamp(self.y, self.y + self.height),
        )
    }

    /// Whether the segment crosses the inside of the box (Liang–Barsky).
    fn crossed_by(&self, s: &Segment) -> bool {
        let (dx, dy) = (s.to.0 - s.from.0, s.to.1 - s.from.1);
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        let sides = [
            (-dx, s.from.0 - self.x),
            (dx, self.x + self.width - s.from.0),
            (-dy, s.from.1 - self.y),
            (dy, self.y + self.height - s.from.1),
        ];
        for (p, q) in sides {
            if p == 0.0 {
                if q <= 0.0 {
                    return false;
                }
            } else if p < 0.0 {
                t0 = t0.max(q / p);
            } else {
                t1 = t1.min(q / p);
            }
        }
        t0 < t1
    }
}

/// A leader line, from the edge of a label's anchor to the label.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub from: (f64, f64),
    pub to: (f64, f64),
}

/// A label to place: its size, and what it names.
#[derive(Clone, Debug)]
pub struct Wanted {
    pub anchor: (f64, f64),
    /// How far from the anchor a label must keep: a marker's radius, 0 for a country.
    pub clearance: f64,
    pub width: f64,
    pub height: f64,
    /// Try centred on the anchor first (a country's name, inside the country).
    pub centred: bool,
    /// How many steps out it may go, with a leader line; 0: only right beside its anchor.
    pub rings: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub rect: Rect,
    pub leader: Option<Segment>,
}

/// The eight directions, the four sides first (then they are tried first at each step).
const DIRECTIONS: [(f64, f64); 8] = [
    (1.0, 0.0),
    (-1.0, 0.0),
    (0.0, -1.0),
    (0.0, 1.0),
    (1.0, -1.0),
    (1.0, 1.0),
    (-1.0, -1.0),
    (-1.0, 1.0),
];

/// The labels placed so far, and what they must keep clear of.
pub struct Board {
    bounds: Rect,
    obstacles: Vec<Rect>,
    step: f64,
    boxes: Vec<Rect>,
    leaders: Vec<Segment>,
}

impl Board {
    /// An empty map: `bounds` is the map, which labels stay inside; `obstacles` are the
    /// markers' boxes; `step` how far each ring of places is from the last.
    pub fn new(bounds: Rect, obstacles: Vec<Rect>, step: f64) -> Board {
        Board {
            bounds,
            obstacles,
            step,
            boxes: Vec::new(),
            leaders: Vec::new(),
        }
    }

    /// Places a label at the first free place around its anchor, within its `rings`
    /// steps; `None` (and nothing placed) if there is none. A leader line may start
    /// inside a marker's box (its own, or the city in the middle of a country) but
    /// crosses no other box.
    pub fn place(&mut self, w: &Wanted) -> Option<Placed> {
        let found = candidates(w, self.step).find(|c| self.free(c))?;
        self.boxes.push(found.rect);
        self.leaders.extend(found.leader);
        Some(found)
    }

    fn free(&self, c: &Placed) -> bool {
        let mut boxes = self.obstacles.iter().chain(&self.boxes);
        c.rect.within(&self.bounds)
            && !boxes.any(|b| b.overlaps(&c.rect))
            && !self.leaders.iter().any(|l| c.rect.crossed_by(l))
            && c.leader.is_none_or(|l| {
                let others = self.obstacles.iter().filter(|b| !b.holds(l.from));
                !others.chain(&self.boxes).any(|b| b.crossed_by(&l))
            })
    }
}

/// Places every label in order on an empty [`Board`].
#[cfg(test)]
pub fn place(
    wanted: &[Wanted],
    obstacles: &[Rect],
    bounds: Rect,
    step: f64,
) -> Vec<Option<Placed>> {
    let mut board = Board::new(bounds, obstacles.to_vec(), step);
    wanted.iter().map(|w| board.place(w)).collect()
}

/// Every place a label may take, nearest first: centred on its anchor (when asked), then
/// right beside it, then further out with a leader line. Beside a centred label's anchor
/// means shifted by half its size, still covering the anchor, so a country's name never
/// slides off a small country without a leader line to say where it belongs.
fn candidates(w: &Wanted, step: f64) -> impl Iterator<Item = Placed> + '_ {
    let gap = step * 0.25;
    let centre = Rect {
        x: w.anchor.0 - w.width / 2.0,
        y: w.anchor.1 - w.height / 2.0,
        width: w.width,
        height: w.height,
    };
    let centred = w.centred.then_some(centre).into_iter().chain(
        DIRECTIONS[..4]
            .iter()
            .filter(|_| w.centred)
            .map(move |(dx, dy)| Rect {
                x: centre.x + dx * w.width / 4.0,
                y: centre.y + dy * w.height / 2.0,
                ..centre
            }),
    );
    let centred = centred.map(|rect| Placed { rect, leader: None });
    let sides = DIRECTIONS[..4]
        .iter()
        .filter(|_| !w.centred)
        .map(move |d| beside(w, *d, w.clearance + gap, false));
    let rings = (1..=w.rings).flat_map(move |ring| {
        let reach = w.clearance + gap + f64::from(ring) * step;
        DIRECTIONS.iter().map(move |d| beside(w, *d, reach, true))
    });
    centred.chain(sides).chain(rings)
}

/// The label `reach` away from its anchor in direction `(dx, dy)`: its near edge (or
/// corner, diagonally) that far out, centred on the direction.
fn beside(w: &Wanted, (dx, dy): (f64, f64), reach: f64, leader: bool) -> Placed {
    let along = if dx != 0.0 && dy != 0.0 {
        reach * std::f64::consts::FRAC_1_SQRT_2
    } else {
        reach
    };
    let rect = Rect {
        x: w.anchor.0 + dx * along + (dx - 1.0) / 2.0 * w.width,
        y: w.anchor.1 + dy * along + (dy - 1.0) / 2.0 * w.height,
        width: w.width,
        height: w.height,
    };
    let leader = leader.then(|| {
        let to = rect.nearest(w.anchor);
        let (vx, vy) = (to.0 - w.anchor.0, to.1 - w.anchor.1);
        let length = vx.hypot(vy).max(f64::EPSILON);
        let start = w.clearance.min(length);
        Segment {
            from: (
                w.anchor.0 + vx / length * start,
                w.anchor.1 + vy / length * start,
            ),
            to,
        }
    });
    Placed { rect, leader }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAP: Rect = Rect {
        x: 0.0,
        y: 0.0,
        width: 1000.0,
        height: 527.0,
    };

    fn office(anchor: (f64, f64), name: &str, size: f64) -> Wanted {
        Wanted {
            anchor,
            clearance: 8.0,
            width: name.chars().count() as f64 * size * 0.62,
            height: size * 1.4,
            centred: false,
            rings: 8,
        }
    }

    #[test]
    fn a_lone_label_goes_right_of_its_marker() {
        let w = office((500.0, 200.0), "Ankara", 20.0);
        let placed = place(&[w], &[Rect::around((500.0, 200.0), 8.0)], MAP, 20.0);
        let p = placed[0].as_ref().unwrap();
        assert!(p.rect.x > 508.0 && p.leader.is_none(), "{p:?}");
    }

    #[test]
    fn a_label_at_the_right_edge_goes_left() {
        let w = office((990.0, 200.0), "Ankara", 20.0);
        let placed = place(&[w], &[Rect::around((990.0, 200.0), 8.0)], MAP, 20.0);
        let p = placed[0].as_ref().unwrap();
        assert!(p.rect.x + p.rect.width < 982.0, "{p:?}");
    }

    /// Skopje and Prishtina, 75 km apart, where the map's projection puts them, with
    /// Belgrade and Sarajevo near by: what is placed never overlaps another label or a
    /// marker, and at the text size of the wide layer every label finds a place.
    #[test]
    fn skopje_and_prishtina_labels_do_not_overlap() {
        let cities = [
            ("Belgrade", (226.6, 91.0)),
            ("Sarajevo", (162.8, 129.3)),
            ("Skopje", (257.1, 206.0)),
            ("Prishtina", (249.0, 178.4)),
        ];
        for size in [22.0, 40.0] {
            let markers: Vec<Rect> = cities.iter().map(|c| Rect::around(c.1, 8.0)).collect();
            let wanted: Vec<Wanted> = cities.iter().map(|c| office(c.1, c.0, size)).collect();
            let placed = place(&wanted, &markers, MAP, size);
            if size == 22.0 {
                assert!(placed.iter().all(Option::is_some), "{placed:?}");
            }
            let placed: Vec<Placed> = placed.into_iter().flatten().collect();
            for (i, a) in placed.iter().enumerate() {
                assert!(a.rect.within(&MAP));
                for b in &placed[i + 1..] {
                    assert!(!a.rect.overlaps(&b.rect), "{a:?} {b:?}");
                }
                for m in &markers {
                    assert!(!a.rect.overlaps(m), "{a:?} covers a marker");
                }
            }
        }
    }

    #[test]
    fn a_country_name_sits_on_its_point_when_free() {
        let w = Wanted {
            anchor: (300.0, 300.0),
            clearance: 0.0,
            width: 80.0,
            height: 20.0,
            centred: true,
            rings: 0,
        };
        let placed = place(&[w], &[], MAP, 20.0);
        assert_eq!(placed[0].as_ref().unwrap().rect.x, 260.0);
    }

    #[test]
    fn a_label_with_no_room_is_left_out() {
        let w = office((10.0, 10.0), "A very long name indeed", 200.0);
        assert_eq!(place(&[w], &[], MAP, 200.0), vec![None]);
    }

    #[test]
    fn segments_crossing_boxes() {
        let r = Rect::around((0.0, 0.0), 1.0);
        let through = Segment {
            from: (-2.0, 0.0),
            to: (2.0, 0.0),
        };
        let past = Segment {
            from: (-2.0, 2.0),
            to: (2.0, 2.0),
        };
        assert!(r.crossed_by(&through) && !r.crossed_by(&past));
    }
}
