//! Front matter: finding the `+++` block at the top of a page and reading it into typed
//! structs that reject unknown keys and wrong types, with every error placed at its line
//! and column in the file.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use super::page::Section;
use super::toml_errors;
use crate::diagnostic::Diagnostic;

/// A page's text cut into its front matter and body, with their byte offsets in the file.
#[derive(Debug, Clone, Copy)]
pub struct Split<'a> {
    pub front: &'a str,
    pub front_offset: usize,
    pub body_offset: usize,
}

const FENCE: &str = "+++";

/// Cuts `text` into front matter and body. The file must open with a `+++` line and the
/// front matter end at the next `+++` line.
pub fn split<'a>(file: &str, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut lines = line_spans(text, start);
    match lines.next() {
        Some((s, e)) if text[s..e].trim_end() == FENCE => {}
        _ => {
            return Err(Diagnostic::error(
                file,
                text,
                start,
                "a page must start with front matter: a line `+++`, TOML such as \
                 `title = \"...\"`, and another line `+++`",
            ));
        }
    }
    let front_offset = lines.clone().next().map_or(text.len(), |(s, _)| s);
    for (s, e) in lines {
        if text[s..e].trim_end() == FENCE {
            let body_offset = (e + 1).min(text.len());
            return Ok(Split {
                front: &text[front_offset..s],
                front_offset,
                body_offset,
            });
        }
    }
    Err(Diagnostic::error(
        file,
        text,
        start,
        "the front matter opened here is never closed: add a line `+++` after it",
    ))
}

/// (start, end) byte ranges of the lines of `text` from `from`, without their `\n`.
fn line_spans(text: &str, from: usize) -> impl Iterator<Item = (usize, usize)> + Clone + '_ {
    let mut pos = from;
    std::iter::from_fn(move || {
        if pos >= text.len() {
            return None;
        }
        let start = pos;
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        pos = end + 1;
        Some((start, end))
    })
}

/// Reads `toml_text`, found at byte `offset` of `full_text` (the whole of `file`), into `T`.
pub fn parse_toml<T: DeserializeOwned>(
    file: &str,
    full_text: &str,
    toml_text: &str,
    offset: usize,
) -> Result<T, Diagnostic> {
    toml::from_str(toml_text).map_err(|error| {
        let at = error.span().map_or(0, |span| span.start);
        let (at, message) = toml_errors::explain(error.message(), toml_text, at);
        Diagnostic::error(file, full_text, offset + at, message)
    })
}

/// Every field a page's front matter may have. Section tables are optional here; the
/// loader requires the right one for the page's section and rejects the others.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: Option<Spanned<String>>,
    pub description: Option<Spanned<String>>,
    #[serde(default)]
    pub weight: i64,
    /// A TOML date or date-time, or a string `"2017"` or `"2021-11"`: see [`super::date`].
    pub date: Option<Spanned<toml::Value>>,
    pub updated: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub draft: bool,
    pub slug: Option<Spanned<String>>,
    #[serde(default)]
    pub aliases: Vec<Spanned<String>>,
    #[serde(default)]
    pub themes: Vec<Spanned<String>>,
    #[serde(default)]
    pub countries: Vec<Spanned<String>>,
    /// Where the page's facts come from, listed at its end.
    #[serde(default)]
    pub sources: Vec<Spanned<SourceTable>>,
    pub home: Option<Spanned<HomeTable>>,
    pub office: Option<Spanned<OfficeTable>>,
    pub country: Option<Spanned<CountryTable>>,
    pub person: Option<Spanned<PersonTable>>,
    pub theme: Option<Spanned<ThemeTable>>,
    pub project: Option<Spanned<ProjectTable>>,
}

/// The section tables: each has a name in front matter, fields an editor fills in, and
/// the one place it belongs (a section's pages, or the home page for `[home]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Home,
    Office,
    Country,
    Theme,
    Person,
    Project,
}

impl Table {
    pub const ALL: [Table; 6] = [
        Table::Home,
        Table::Office,
        Table::Country,
        Table::Person,
        Table::Theme,
        Table::Project,
    ];

    /// The table its members need: `None` for news, which has none.
    pub fn of_section(section: Section) -> Option<Table> {
        match section {
            Section::Offices => Some(Table::Office),
            Section::Countries => Some(Table::Country),
            Section::Themes => Some(Table::Theme),
            Section::Leadership => Some(Table::Person),
            Section::Projects => Some(Table::Project),
            Section::News => None,
        }
    }

    /// Its name in front matter: `office` for `[office]`.
    pub fn name(self) -> &'static str {
        match self {
            Table::Home => "home",
            Table::Office => "office",
            Table::Country => "country",
            Table::Theme => "theme",
            Table::Person => "person",
            Table::Project => "project",
        }
    }

    /// Its fields, as an editor writes them.
    pub fn fields(self) -> &'static str {
        match self {
            Table::Home => "lead, [[home.figures]] with value, label, source",
            Table::Office => "city, country, main_seat, latitude, longitude",
            Table::Country => "name, iso, profile",
            Table::Theme => "icon",
            Table::Person => "role, and optionally name, photo, email",
            Table::Project => "status, start, end or period, budget, donors, partners",
        }
    }

    /// The section whose pages it belongs to: `None` for `[home]`.
    pub fn section(self) -> Option<Section> {
        Section::ALL
            .into_iter()
            .find(|s| Table::of_section(*s) == Some(self))
    }

    /// The page field whose name it shares, often written for it: `themes` for `theme`.
    pub fn list_field(self) -> Option<&'static str> {
        match self {
            Table::Theme => Some("themes"),
            Table::Country => Some("countries"),
            _ => None,
        }
    }

    /// Where it belongs, in words.
    pub fn place(self) -> String {
        match self.section() {
            Some(section) => format!("pages under {}/", section.dir()),
            None => "the home page (_index.md)".to_owned(),
        }
    }
}

impl FrontMatter {
    /// The section tables present, with their offsets in the front matter.
    pub fn tables(&self) -> Vec<(Table, usize)> {
        let spans = [
            (Table::Home, self.home.as_ref().map(|t| t.span())),
            (Table::Office, self.office.as_ref().map(|t| t.span())),
            (Table::Country, self.country.as_ref().map(|t| t.span())),
            (Table::Theme, self.theme.as_ref().map(|t| t.span())),
            (Table::Person, self.person.as_ref().map(|t| t.span())),
            (Table::Project, self.project.as_ref().map(|t| t.span())),
        ];
        spans
            .into_iter()
            .filter_map(|(table, span)| Some((table, span?.start)))
            .collect()
    }
}

/// One `[[sources]]` entry: a publication a page's facts come from.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceTable {
    pub title: String,
    pub publisher: String,
    /// At the precision the publication gives.
    pub date: Option<Spanned<toml::Value>>,
    pub url: Option<Spanned<String>>,
}

/// `[project] budget`: an amount of a currency, `about` when the source rounds it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub amount: u64,
    /// ISO 4217 code, such as `EUR`.
    pub currency: Spanned<String>,
    #[serde(default)]
    pub about: bool,
}

/// `[home]` in `_index.md`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeTable {
    pub lead: String,
    #[serde(default)]
    pub figures: Vec<Figure>,
}

/// A key figure on the home page; `source` names where it comes from and its year.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figure {
    pub value: String,
    pub label: String,
    pub source: String,
}

/// `[office]` in `offices/*.md`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfficeTable {
    pub city: String,
    /// Slug of a page in `countries/`.
    pub country: Spanned<String>,
    #[serde(default)]
    pub main_seat: bool,
    pub latitude: Spanned<f64>,
    pub longitude: Spanned<f64>,
    #[serde(default)]
    pub address: Vec<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// `[country]` in `countries/*.md`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountryTable {
    pub name: String,
    /// ISO 3166-1 alpha-2 code; `XK` for Kosovo.
    pub iso: Spanned<String>,
    #[serde(default)]
    pub profile: Vec<MigrationProfile>,
}

/// The roles a country plays in migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MigrationProfile {
    Origin,
    Transit,
    Destination,
    Host,
}

/// `[person]` in `leadership/*.md`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonTable {
    pub name: Option<String>,
    pub role: String,
    /// Path of an image under `media/`, such as `media/people/head.jpg`.
    pub photo: Option<Spanned<String>>,
    pub email: Option<String>,
}

/// `[theme]` in `themes/*.md`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeTable {
    /// Name of an SVG in `static/icons/`, without `.svg`.
    pub icon: Spanned<String>,
}

/// `[project]` in `projects/*.md`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectTable {
    /// Left out when no source says whether the project still runs.
    pub status: Option<ProjectStatus>,
    pub start: Option<Spanned<toml::Value>>,
    pub end: Option<Spanned<toml::Value>>,
    /// What is known of the project's time, in words, when no start and end fit.
    pub period: Option<Spanned<String>>,
    pub budget: Option<Budget>,
    #[serde(default)]
    pub donors: Vec<String>,
    #[serde(default)]
    pub partners: Vec<String>,
    pub website: Option<Spanned<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    Ongoing,
    Completed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter_and_body_with_offsets() {
        let text = "+++\ntitle = \"A\"\n+++\nBody\n";
        let split = split("a.md", text).unwrap();
        assert_eq!(split.front, "title = \"A\"\n");
        assert_eq!(split.front_offset, 4);
        assert_eq!(&text[split.body_offset..], "Body\n");
    }

    #[test]
    fn unclosed_front_matter_is_an_error_at_the_opening_line() {
        let error = split("a.md", "+++\ntitle = \"A\"\nBody\n").unwrap_err();
        assert_eq!((error.line, error.column), (1, 1));
        assert!(error.message.contains("never closed"));
    }

    #[test]
    fn toml_errors_point_into_the_file() {
        let text = "+++\ntitle = \"A\"\ntitel = \"B\"\n+++\n";
        let s = split("a.md", text).unwrap();
        let Err(error) = parse_toml::<FrontMatter>("a.md", text, s.front, s.front_offset) else {
            panic!("an unknown key must be refused");
        };
        assert_eq!((error.line, error.column), (3, 1));
        assert!(error.message.contains("titel"), "{}", error.message);
    }
}
