//! The offices map: the coastlines and borders of the Western Balkans, Türkiye and their
//! neighbours (shapes and projection in [`projection`], from Natural Earth), a marker per
//! office linked to its page (the main seat a star, with a line saying so), the region's
//! countries named in the visitor's language, and labels placed by [`arrange`] and
//! [`labels`] so none overlap. Everything placed is laid out twice, for a wide and a
//! narrow layer ([`layer`]): a label readable on a 1280 px screen is a smudge at 320 px,
//! and one readable at 320 px covers half the map at 1280, so CSS shows the layer that
//! fits. This file defines the [`OfficeMap`] the templates draw and makes it from the
//! site's offices and countries.

mod arrange;
mod labels;
mod layer;
mod projection;

use layer::{LAYERS, draw_layer};
use projection::REGION;

use super::context::Context;
use crate::content::{PageKind, Section};

/// The offices map: Natural Earth shapes of the region, and a marker and a label for
/// each office. Everything placed is drawn twice, once per layer (a wide one, and one
/// with larger text for narrow screens); CSS shows one.
#[derive(Clone, Debug)]
pub struct OfficeMap {
    pub width: f64,
    pub height: f64,
    /// Accessible name: what the map shows.
    pub title: String,
    pub note: String,
    pub land: Vec<MapLand>,
    pub coast: &'static str,
    pub borders: &'static str,
    pub offices: Vec<MapOffice>,
    /// Country names, once per layer.
    pub layers: Vec<MapLayer>,
}

#[derive(Clone, Debug)]
pub struct MapLand {
    pub iso: &'static str,
    /// One of the region's partners, shaded apart.
    pub region: bool,
    pub d: &'static str,
}

#[derive(Clone, Debug)]
pub struct MapOffice {
    pub href: String,
    pub main: bool,
    /// Marker and label, once per layer.
    pub marks: Vec<MapMark>,
}

#[derive(Clone, Debug)]
pub struct MapMark {
    /// `wide` or `narrow`: the CSS hook that shows one layer.
    pub layer: &'static str,
    /// Hidden without CSS (`display="none"`): the narrow layer.
    pub hidden: bool,
    pub x: f64,
    pub y: f64,
    pub r: f64,
    /// The main seat's star; other offices are dots.
    pub star: Option<String>,
    pub label: MapLabel,
}

/// A label's box and its lines of text.
#[derive(Clone, Debug)]
pub struct MapLabel {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    pub lines: Vec<MapText>,
    /// The line back to its anchor, when the label had to move away.
    pub leader: Option<[f64; 4]>,
}

#[derive(Clone, Debug)]
pub struct MapText {
    /// Centre of the line.
    pub x: f64,
    /// Baseline.
    pub y: f64,
    pub size: f64,
    /// The estimated width the text is fitted to, so the box always holds it.
    pub length: f64,
    pub text: String,
    pub class: &'static str,
}

#[derive(Clone, Debug)]
pub struct MapLayer {
    pub name: &'static str,
    pub hidden: bool,
    pub countries: Vec<MapLabel>,
}

/// An office as the map shows it.
pub(super) struct Office {
    pub href: String,
    pub title: String,
    pub main: bool,
    pub at: (f64, f64),
}

/// A country's name and where it goes.
pub(super) struct CountryName {
    pub name: String,
    /// Kosovo*, whose name the map must show.
    pub kosovo: bool,
    pub at: (f64, f64),
}

impl Context<'_> {
    /// The map of the offices for a visitor reading `lang`; `None` without offices.
    pub(super) fn office_map(&self, lang: &str) -> Option<OfficeMap> {
        let ui = self.ui(lang);
        let offices = self.map_offices(lang);
        if offices.is_empty() {
            return None;
        }
        let countries = self.map_countries(lang);
        let region = &*REGION;
        let drawn: Vec<(Vec<MapMark>, MapLayer)> = LAYERS
            .iter()
            .map(|layer| draw_layer(layer, &offices, &countries, &ui.main_seat))
            .collect();
        let mut marks: Vec<Vec<MapMark>> = offices.iter().map(|_| Vec::new()).collect();
        let mut layers = Vec::new();
        for (layer_marks, layer) in drawn {
            for (i, mark) in layer_marks.into_iter().enumerate() {
                marks[i].push(mark);
            }
            layers.push(layer);
        }
        let names: Vec<String> = offices
            .iter()
            .map(|o| match o.main {
                true => format!("{} ({})", o.title, ui.main_seat),
                false => o.title.clone(),
            })
            .collect();
        Some(OfficeMap {
            width: region.frame.width,
            height: region.frame.height,
            title: format!("{}: {}", ui.office_map, names.join(", ")),
            note: ui.office_map_note.clone(),
            land: region
                .countries
                .iter()
                .map(|c| MapLand {
                    iso: &c.iso,
                    region: c.region,
                    d: &c.d,
                })
                .collect(),
            coast: &region.coast,
            borders: &region.borders,
            offices: offices
                .into_iter()
                .zip(marks)
                .map(|(o, marks)| MapOffice {
                    href: o.href,
                    main: o.main,
                    marks,
                })
                .collect(),
            layers,
        })
    }

    /// The offices inside the map's frame, placed from their front matter, in listing
    /// order, the main seat first.
    fn map_offices(&self, lang: &str) -> Vec<Office> {
        let mut offices: Vec<Office> = self
            .offices()
            .iter()
            .filter_map(|page| {
                let PageKind::Office(o) = &page.kind else {
                    return None;
                };
                let at = REGION.frame.project(o.latitude, o.longitude)?;
                let link = self.link(&page.key, lang)?;
                Some(Office {
                    href: link.href.into_owned(),
                    title: link.title.to_owned(),
                    main: o.main_seat,
                    at,
                })
            })
            .collect();
        offices.sort_by_key(|o| !o.main);
        offices
    }

    /// The names of the region's countries that have a page, in the visitor's language
    /// (Kosovo* with its asterisk, as its page names it), Kosovo* first: its name is the
    /// one the map must never leave out.
    fn map_countries(&self, lang: &str) -> Vec<CountryName> {
        let pages = self.members(Section::Countries);
        let mut names: Vec<CountryName> = pages
            .iter()
            .filter_map(|page| {
                let (shown, _) = self.site.localized(&page.key, lang)?;
                let PageKind::Country(c) = &shown.kind else {
                    return None;
                };
                let shape = REGION.countries.iter().find(|s| s.iso == c.iso)?;
                let [x, y] = shape.label?;
                Some(CountryName {
                    name: c.name.clone(),
                    kosovo: c.is_kosovo(),
                    at: (x, y),
                })
            })
            .collect();
        names.sort_by_key(|n| !n.kosovo);
        names
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
}
