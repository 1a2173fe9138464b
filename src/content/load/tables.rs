//! The section tables of stage 2: each checked where types alone cannot (coordinates in
//! range, ISO codes, icons that exist, dates in order, required texts not blank) and
//! turned into the plain typed data of [`crate::content::page`].

use toml::Spanned;

use super::Loader;
use super::problems::Problems;
use crate::content::file_name::FileName;
use crate::content::front_matter::{
    CountryTable, FrontMatter, OfficeTable, PersonTable, ProjectTable, Table, ThemeTable,
};
use crate::content::page::{
    Budget, Country, Office, PageKind, Person, Project, ProjectPeriod, Section, Theme,
};

impl Loader<'_> {
    /// The section table of the page's place, checked and typed, if it has one.
    pub(super) fn typed_table(
        &self,
        fm: &FrontMatter,
        name: &FileName,
        problems: &mut Problems,
    ) -> Option<PageKind> {
        Some(match (name.section, name.is_index) {
            (None, true) => {
                let home = fm.home.as_ref()?;
                problems.empty_fields(
                    Table::Home,
                    home.span().start,
                    &[("lead", &home.get_ref().lead)],
                );
                PageKind::Home(home.get_ref().clone())
            }
            (None, false) => PageKind::Plain,
            (Some(section), true) => PageKind::SectionIndex(section),
            (Some(Section::Offices), false) => {
                PageKind::Office(office(fm.office.as_ref()?, problems))
            }
            (Some(Section::Countries), false) => {
                PageKind::Country(country(fm.country.as_ref()?, problems))
            }
            (Some(Section::Themes), false) => {
                PageKind::Theme(self.theme(fm.theme.as_ref()?, problems))
            }
            (Some(Section::Leadership), false) => {
                PageKind::Person(person(fm.person.as_ref()?, problems))
            }
            (Some(Section::Projects), false) => {
                PageKind::Project(project(fm.project.as_ref()?, problems))
            }
            (Some(Section::News), false) => PageKind::NewsItem,
        })
    }

    fn theme(&self, table: &Spanned<ThemeTable>, problems: &mut Problems) -> Theme {
        let icon = table.get_ref().icon.get_ref();
        if !icon.is_empty() && !self.options.icons.contains(icon) {
            problems.error(
                table.get_ref().icon.span().start,
                format!("there is no icon `{icon}`: add static/icons/{icon}.svg or use one of the icons there"),
            );
        }
        problems.empty_fields(Table::Theme, table.span().start, &[("icon", icon)]);
        Theme { icon: icon.clone() }
    }
}

fn office(table: &Spanned<OfficeTable>, problems: &mut Problems) -> Office {
    let office = table.get_ref();
    for (value, range, name) in [
        (&office.latitude, 90.0, "latitude"),
        (&office.longitude, 180.0, "longitude"),
    ] {
        if !(-range..=range).contains(value.get_ref()) {
            problems.error(
                value.span().start,
                format!("{name} must lie between -{range} and {range}"),
            );
        }
    }
    problems.empty_fields(
        Table::Office,
        table.span().start,
        &[
            ("city", &office.city),
            ("country", office.country.get_ref()),
        ],
    );
    Office {
        city: office.city.clone(),
        main_seat: office.main_seat,
        latitude: *office.latitude.get_ref(),
        longitude: *office.longitude.get_ref(),
        address: office.address.clone(),
        phone: office.phone.clone(),
        email: office.email.clone(),
    }
}

fn country(table: &Spanned<CountryTable>, problems: &mut Problems) -> Country {
    let country = table.get_ref();
    let iso = country.iso.get_ref();
    if !iso.is_empty() && (iso.len() != 2 || !iso.bytes().all(|b| b.is_ascii_uppercase())) {
        problems.error(
            country.iso.span().start,
            format!("`{iso}` is not an ISO 3166-1 alpha-2 code such as `RS` (Kosovo: `XK`)"),
        );
    }
    problems.empty_fields(
        Table::Country,
        table.span().start,
        &[("name", &country.name), ("iso", iso)],
    );
    Country {
        name: country.name.clone(),
        iso: iso.clone(),
        profile: country.profile.clone(),
    }
}

fn person(table: &Spanned<PersonTable>, problems: &mut Problems) -> Person {
    let person = table.get_ref();
    problems.empty_fields(Table::Person, table.span().start, &[("role", &person.role)]);
    Person {
        name: person.name.clone(),
        role: person.role.clone(),
        photo: person.photo.as_ref().map(|p| p.get_ref().clone()),
        email: person.email.clone(),
    }
}

fn project(table: &Spanned<ProjectTable>, problems: &mut Problems) -> Project {
    let project = table.get_ref();
    let start = problems.date(&project.start);
    let end = problems.date(&project.end);
    if let (Some(start), Some(end), Some(end_field)) = (start, end, &project.end)
        && end.last_day() < start.day
    {
        problems.error(end_field.span().start, "the project ends before it starts");
    }
    if let Some(period) = &project.period
        && (project.start.is_some() || project.end.is_some())
    {
        problems.error(
            period.span().start,
            "give either `period` (in words) or `start` and `end`, not both",
        );
    }
    if let Some(website) = &project.website {
        problems.web_address(website, "a project's website");
    }
    if let Some(budget) = &project.budget {
        let code = budget.currency.get_ref();
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            problems.error(
                budget.currency.span().start,
                format!("`{code}` is not a currency code: use ISO 4217, such as \"EUR\""),
            );
        }
    }
    let period = match (&project.period, start, end) {
        (Some(words), ..) => Some(ProjectPeriod::Words(words.get_ref().trim().to_owned())),
        (None, Some(start), Some(end)) => Some(ProjectPeriod::Between(start, end)),
        (None, Some(start), None) => Some(ProjectPeriod::Since(start)),
        (None, None, Some(end)) => Some(ProjectPeriod::Until(end)),
        (None, None, None) => None,
    };
    Project {
        status: project.status,
        period,
        budget: project.budget.as_ref().map(|b| Budget {
            amount: b.amount,
            currency: b.currency.get_ref().clone(),
            about: b.about,
        }),
        donors: project.donors.clone(),
        partners: project.partners.clone(),
        website: project.website.as_ref().map(|w| w.get_ref().clone()),
    }
}
