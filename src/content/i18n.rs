//! The interface text of one language, from `content/i18n/<lang>.toml`.
//!
//! Every string is required, so a language file that misses one fails to load with the
//! name of the missing key instead of showing an empty label to a visitor.

use serde::Deserialize;

use super::date::{PageDate, Precision};
use super::page::{Budget, MigrationProfile, ProjectStatus};

/// Interface strings for one language. Placeholders in braces are filled in by templates.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiStrings {
    pub skip_to_content: String,
    pub main_navigation: String,
    pub breadcrumbs: String,
    pub home: String,
    pub languages: String,
    pub on_this_page: String,
    /// Shown above a page that is not yet translated into the visitor's language.
    pub translation_notice: String,
    pub draft_banner: String,
    /// Shown above a page whose date is still ahead (with `--drafts`); `{date}`.
    pub scheduled_banner: String,
    pub previous: String,
    pub next: String,
    pub pagination: String,
    /// `{page}` and `{pages}`.
    pub page_of: String,
    pub published: String,
    pub updated: String,
    pub key_figures: String,
    pub source: String,
    pub latest_news: String,
    pub explore: String,
    pub related_projects: String,
    pub related_news: String,
    pub related_countries: String,
    pub related_themes: String,
    pub related_offices: String,
    pub country: String,
    pub city: String,
    pub main_seat: String,
    pub coordinates: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    pub status: String,
    pub status_ongoing: String,
    pub status_completed: String,
    pub period: String,
    pub donors: String,
    pub partners: String,
    pub website: String,
    pub role: String,
    pub iso_code: String,
    pub migration_profile: String,
    pub profile_origin: String,
    pub profile_transit: String,
    pub profile_destination: String,
    pub profile_host: String,
    pub footer_offices: String,
    /// The accessible name of the offices map (followed by the office names).
    pub office_map: String,
    /// The caption under the offices map.
    pub office_map_note: String,
    pub footer_about: String,
    pub kosovo_footnote: String,
    pub not_found_title: String,
    pub not_found_text: String,
    pub back_home: String,
    /// January to December.
    pub months: [String; 12],
    /// A day: `{day} {month} {year}`.
    pub date_day: String,
    /// A month: `{month} {year}`.
    pub date_month: String,
    /// Between groups of three digits: `1,700,000`.
    pub thousands_separator: String,
    /// The heading of a page's list of sources.
    pub sources: String,
    pub budget: String,
    /// A rounded amount: `about {amount}`.
    pub about_amount: String,
    /// The search box's button and the search page's title.
    pub search: String,
    /// The search box's label.
    pub search_label: String,
    /// `{count}` and `{query}`.
    pub search_results: String,
    /// `{query}`.
    pub search_result_one: String,
    /// `{query}`.
    pub search_none: String,
    pub search_empty: String,
    pub search_suggestions: String,
    /// `{max}`.
    pub search_shortened: String,
    pub filters: String,
    pub filter_theme: String,
    pub filter_donor: String,
    pub filter_all: String,
    pub active_filters: String,
    /// `{value}`.
    pub remove_filter: String,
    pub clear_filters: String,
    pub no_projects_match: String,
    pub related_pages: String,
}

impl UiStrings {
    /// A date at its precision: `2017`, `November 2021`, `15 May 2018`.
    pub fn date(&self, date: PageDate) -> String {
        let day = date.day;
        let month = &self.months[usize::from(day.month().unsigned_abs()) - 1];
        let pattern = match date.precision {
            Precision::Year => return day.year().to_string(),
            Precision::Month => &self.date_month,
            Precision::Day => &self.date_day,
        };
        let (number, year) = (day.day().to_string(), day.year().to_string());
        crate::text::fill(
            pattern,
            &[("day", &number), ("month", month), ("year", &year)],
        )
    }

    /// A whole number with its digits grouped: `26,358,336`.
    pub fn number(&self, value: u64) -> String {
        let digits = value.to_string();
        let mut grouped = String::new();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push_str(&self.thousands_separator);
            }
            grouped.push(digit);
        }
        grouped
    }

    /// A budget: `EUR 26,358,336`, `about EUR 1,700,000`.
    pub fn budget(&self, budget: &Budget) -> String {
        let amount = format!("{} {}", budget.currency, self.number(budget.amount));
        if budget.about {
            crate::text::fill(&self.about_amount, &[("amount", &amount)])
        } else {
            amount
        }
    }

    /// A project's status in words.
    pub fn status(&self, status: ProjectStatus) -> &str {
        match status {
            ProjectStatus::Ongoing => &self.status_ongoing,
            ProjectStatus::Completed => &self.status_completed,
        }
    }

    /// A country's role in migration in words.
    pub fn profile(&self, profile: MigrationProfile) -> &str {
        match profile {
            MigrationProfile::Origin => &self.profile_origin,
            MigrationProfile::Transit => &self.profile_transit,
            MigrationProfile::Destination => &self.profile_destination,
            MigrationProfile::Host => &self.profile_host,
        }
    }
}
