//! `wbt-site new SECTION/SLUG`: a new page with its section's front matter already in
//! place, each field explained by a comment, so an editor never starts from an empty
//! file. New pages start as drafts and with empty required texts, so `check` points at
//! everything still to fill in.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::content::Section;
use crate::content::file_name::{is_slug, split_date_prefix};

/// Writes the new page for `target` (`offices/tirana`, `news/new-centre`, `about-us`)
/// under `content`, dated `today` where the section needs a date. Returns its path.
pub fn new_page(content: &Path, target: &str, today: jiff::civil::Date) -> io::Result<PathBuf> {
    let invalid = |message: String| io::Error::new(io::ErrorKind::InvalidInput, message);
    if !content.join("site.toml").is_file() {
        return Err(invalid(format!(
            "{} is not a content folder (it has no site.toml): pass --content DIR",
            content.display()
        )));
    }
    let target = target.trim_matches('/').trim_end_matches(".md");
    let (section, slug) = match target.split_once('/') {
        Some((dir, slug)) => match Section::from_dir(dir) {
            Some(section) => (Some(section), slug),
            None => {
                let known: Vec<_> = Section::ALL.iter().map(|s| s.dir()).collect();
                return Err(invalid(format!(
                    "`{dir}` is not a section; use one of {} or no folder for a plain page",
                    known.join(", ")
                )));
            }
        },
        None => (None, target),
    };
    // A slug copied from a file name keeps one date: `2026-11-28-forum` is `forum`.
    let slug = split_date_prefix(slug).map_or(slug, |(_, rest)| rest);
    if !is_slug(slug) {
        return Err(invalid(format!(
            "`{slug}` is not a usable page name: use lower-case letters, digits and `-`"
        )));
    }
    let file_name = match section {
        Some(Section::News) => format!("{today}-{slug}.md"),
        _ => format!("{slug}.md"),
    };
    let relative = match section {
        Some(section) => format!("{}/{file_name}", section.dir()),
        None => file_name,
    };
    let path = content.join(&relative);
    if path.exists() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{} already exists", path.display()),
        ));
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    fs::write(&path, front_matter(section, slug, today))?;
    Ok(path)
}

/// `north-macedonia` -> `North macedonia`: a first guess at the title.
fn title_from(slug: &str) -> String {
    let words = slug.replace('-', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn front_matter(section: Option<Section>, slug: &str, today: jiff::civil::Date) -> String {
    let title = title_from(slug);
    let mut text = format!(
        "+++\n\
         title = \"{title}\"\n\
         # One sentence, under 160 characters, for listings and search engines.\n\
         description = \"\"\n\
         # A draft is seen only with `serve --drafts`. Delete this line to publish.\n\
         draft = true\n"
    );
    if section == Some(Section::News) {
        text.push_str(&format!(
            "# The day of the news. A date in the future publishes the page on that day.\n\
             date = {today}\n"
        ));
    } else {
        text.push_str("# Order within the section: lower first, then by title.\n# weight = 10\n");
    }
    if section != Some(Section::Themes) && section != Some(Section::Countries) {
        text.push_str(
            "# Slugs of the theme pages this page is about, such as [\"return\"].\nthemes = []\n",
        );
    }
    if section != Some(Section::Countries) && section != Some(Section::Offices) {
        text.push_str("# Slugs of the country pages this page is about, such as [\"serbia\"].\ncountries = []\n");
    }
    text.push_str(table_template(section));
    text.push_str(
        "+++\n\n\
         Write the page here in Markdown. Start headings at `##`: the title above is the\n\
         page's only top heading. Link to other pages by their file, such as\n\
         [the offices](@/offices/_index.md).\n",
    );
    text
}

/// The commented section table of a new page in `section`.
fn table_template(section: Option<Section>) -> &'static str {
    match section {
        Some(Section::Offices) => {
            "\n[office]\n\
             city = \"\"\n\
             # Slug of the office's page in countries/, such as \"serbia\".\n\
             country = \"\"\n\
             # true for the one main seat.\n\
             main_seat = false\n\
             # City coordinates in decimal degrees (WGS84): north and east are positive.\n\
             latitude = 0.0\n\
             longitude = 0.0\n\
             # Only details that are published and confirmed:\n\
             # address = [\"Street and number\", \"Postcode City\"]\n\
             # phone = \"+00 0 000 0000\"\n\
             # email = \"office@example.org\"\n"
        }
        Some(Section::Countries) => {
            "\n[country]\n\
             name = \"\"\n\
             # ISO 3166-1 alpha-2 code, such as \"RS\"; \"XK\" for Kosovo*.\n\
             iso = \"\"\n\
             # Any of \"origin\", \"transit\", \"destination\", \"host\".\n\
             profile = []\n"
        }
        Some(Section::Themes) => {
            "\n[theme]\n\
             # Name of an SVG in static/icons/, without .svg.\n\
             icon = \"\"\n"
        }
        Some(Section::Leadership) => {
            "\n[person]\n\
             role = \"\"\n\
             # Only a confirmed, published name:\n\
             # name = \"\"\n\
             # An image under media/, such as \"media/people/name.jpg\":\n\
             # photo = \"\"\n\
             # email = \"\"\n"
        }
        Some(Section::Projects) => {
            "\n[project]\n\
             # \"ongoing\" or \"completed\"; leave it out if no source says.\n\
             status = \"ongoing\"\n\
             # First and last day, when known:\n\
             # start = 2026-01-01\n\
             # end = 2027-12-31\n\
             donors = []\n\
             partners = []\n\
             # website = \"https://...\"\n"
        }
        Some(Section::News) | None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_are_guessed_from_slugs() {
        assert_eq!(title_from("north-macedonia"), "North macedonia");
        assert_eq!(title_from("tirana"), "Tirana");
    }
}
