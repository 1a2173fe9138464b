//! What a content file's path says: its section, its language (`page.tr.md`), its key
//! (the default-language file it is or translates), a leading `YYYY-MM-DD-` date, and
//! its slug; and the one slug rule the loader and `wbt-site new` share. Pure functions on
//! strings; knows nothing of front matter or rendering.

use super::page::{Language, Section};

/// A page file's place in the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileName<'a> {
    /// The file name (`2018-05-15-joins.tr.md`).
    pub name: &'a str,
    pub section: Option<Section>,
    pub lang: String,
    /// In another language than the site's default (`page.tr.md`).
    pub is_translation: bool,
    /// The default-language file: `offices/belgrade.md` for `offices/belgrade.tr.md`.
    pub key: String,
    /// `_index.md`: the home page or a section page.
    pub is_index: bool,
    /// From a leading `YYYY-MM-DD-`.
    pub date: Option<jiff::civil::Date>,
    /// The name without language, `.md` and date prefix.
    pub slug: &'a str,
}

impl<'a> FileName<'a> {
    /// Reads `path` (`section/name.lang.md`), or says why it is not a page's path.
    pub fn parse(path: &'a str, languages: &[Language]) -> Result<FileName<'a>, String> {
        let (dir, name) = match path.rsplit_once('/') {
            Some((dir, name)) => (Some(dir), name),
            None => (None, path),
        };
        let section = match dir {
            None => None,
            Some(dir) => Some(Section::from_dir(dir).ok_or_else(|| {
                let known: Vec<_> = Section::ALL.iter().map(|s| s.dir()).collect();
                format!(
                    "`{dir}/` is not a section: pages go at the top of the content folder or in one of {}",
                    known.join(", ")
                )
            })?),
        };
        let stem = name.strip_suffix(".md").unwrap_or(name);
        let default_lang = languages.first().map_or("", |l| l.code.as_str());
        let (base, lang) = match stem.rsplit_once('.') {
            Some((base, lang)) if languages.iter().any(|l| l.code == lang) => (base, lang),
            Some((_, lang)) => {
                let known: Vec<_> = languages.iter().map(|l| l.code.as_str()).collect();
                return Err(format!(
                    "`{lang}` in the file name is not a language of this site ({}): to add it, \
                     put `[languages.{lang}]` with `name = \"...\"` (the language's name in \
                     itself) in site.toml and create i18n/{lang}.toml from i18n/{default_lang}.toml",
                    known.join(", ")
                ));
            }
            None => (stem, default_lang),
        };
        let key = match dir {
            Some(dir) => format!("{dir}/{base}.md"),
            None => format!("{base}.md"),
        };
        let (date, slug) = match split_date_prefix(base) {
            Some((date, rest)) => (Some(date), rest),
            None => (None, base),
        };
        Ok(FileName {
            name,
            section,
            lang: lang.to_owned(),
            is_translation: lang != default_lang,
            key,
            is_index: base == "_index",
            date,
            slug,
        })
    }

    /// The URL path of the page with `slug`: `/offices/belgrade/`, `/tr/about/`.
    pub fn url_path(&self, slug: &str, default_lang: &str) -> String {
        let prefix = super::urls::lang_prefix(&self.lang, default_lang);
        match (self.section, self.is_index) {
            (None, true) => format!("{prefix}/"),
            (None, false) => format!("{prefix}/{slug}/"),
            (Some(section), true) => format!("{prefix}/{}/", section.dir()),
            (Some(section), false) => format!("{prefix}/{}/{slug}/", section.dir()),
        }
    }
}

/// A BCP 47 language tag as this site uses them: a language of two or three lower-case
/// letters, optionally a script (`sr-Latn`) and a region (`pt-BR`, `es-419`).
pub fn is_language_code(code: &str) -> bool {
    let mut subtags = code.split('-');
    let language = subtags.next().unwrap_or("");
    if !(2..=3).contains(&language.len()) || !language.bytes().all(|b| b.is_ascii_lowercase()) {
        return false;
    }
    let mut seen_script = false;
    let mut seen_region = false;
    for subtag in subtags {
        let letters = subtag.bytes().all(|b| b.is_ascii_alphabetic());
        if subtag.len() == 4 && letters && !seen_script && !seen_region {
            seen_script = true;
        } else if ((subtag.len() == 2 && letters)
            || (subtag.len() == 3 && subtag.bytes().all(|b| b.is_ascii_digit())))
            && !seen_region
        {
            seen_region = true;
        } else {
            return false;
        }
    }
    true
}

/// Lower-case letters (any script), digits and single `-` inside.
pub fn is_slug(slug: &str) -> bool {
    !slug.is_empty()
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .chars()
            .all(|c| c == '-' || c.is_ascii_digit() || (c.is_alphabetic() && !c.is_uppercase()))
}

/// `2018-05-15-turkiye-joins` -> (2018-05-15, `turkiye-joins`).
pub fn split_date_prefix(base: &str) -> Option<(jiff::civil::Date, &str)> {
    let prefix = base.get(..11)?;
    let rest = &base[11..];
    if !prefix.ends_with('-') || rest.is_empty() {
        return None;
    }
    let date: jiff::civil::Date = prefix[..10].parse().ok()?;
    Some((date, rest))
}

/// `offices/belgrade.tr.md` -> `offices/belgrade.md`.
pub fn strip_language(file: &str) -> String {
    let stem = file.strip_suffix(".md").unwrap_or(file);
    match stem.rsplit_once('.') {
        Some((base, lang)) if is_language_code(lang) && !base.ends_with('/') => {
            format!("{base}.md")
        }
        _ => format!("{stem}.md"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn languages() -> Vec<Language> {
        ["en", "tr"]
            .map(|code| Language {
                code: code.to_owned(),
                name: code.to_owned(),
            })
            .to_vec()
    }

    #[test]
    fn a_file_name_gives_section_language_key_date_and_slug() {
        let langs = languages();
        let name = FileName::parse("news/2018-05-15-joins.tr.md", &langs).unwrap();
        assert_eq!(name.section, Some(Section::News));
        assert_eq!(name.lang, "tr");
        assert_eq!(name.key, "news/2018-05-15-joins.md");
        assert_eq!(
            name.date.map(|d| d.to_string()).as_deref(),
            Some("2018-05-15")
        );
        assert_eq!(name.slug, "joins");
        assert!(!name.is_index);

        let home = FileName::parse("_index.md", &langs).unwrap();
        assert_eq!(
            (home.section, home.lang.as_str(), home.is_index),
            (None, "en", true)
        );
    }

    #[test]
    fn unknown_sections_and_languages_are_explained() {
        let langs = languages();
        let error = FileName::parse("blog/a.md", &langs).unwrap_err();
        assert!(error.contains("`blog/` is not a section"), "{error}");
        let error = FileName::parse("about.de.md", &langs).unwrap_err();
        assert!(error.contains("`de` in the file name"), "{error}");
        assert!(error.contains("(en, tr)"), "{error}");
        assert!(
            error.contains("[languages.de]") && error.contains("i18n/de.toml"),
            "{error}"
        );
    }

    #[test]
    fn slugs_are_lower_case_words_joined_by_single_hyphens() {
        for good in ["belgrade", "eu4ibmtr", "link-up-serbia", "türkiye"] {
            assert!(is_slug(good), "{good}");
        }
        for bad in ["", "-a", "a-", "a--b", "a_b", "Belgrade", "a b", "a.b"] {
            assert!(!is_slug(bad), "{bad:?}");
        }
    }

    #[test]
    fn language_codes_are_bcp_47_tags() {
        for good in ["en", "tr", "sr-Latn", "pt-BR", "es-419", "zh-Hant-TW"] {
            assert!(is_language_code(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "EN",
            "english",
            "en_US",
            "sr-Latn-Cyrl",
            "en-",
            "-en",
            "en-GB-US",
        ] {
            assert!(!is_language_code(bad), "{bad}");
        }
    }

    #[test]
    fn only_a_real_date_prefix_is_split_off() {
        assert!(split_date_prefix("2018-05-15-").is_none());
        assert!(split_date_prefix("2018-13-15-a").is_none());
        assert!(split_date_prefix("20180515-a").is_none());
        assert_eq!(split_date_prefix("2018-05-15-a").map(|(_, s)| s), Some("a"));
    }

    #[test]
    fn language_is_stripped_from_keys() {
        assert_eq!(
            strip_language("offices/belgrade.tr.md"),
            "offices/belgrade.md"
        );
        assert_eq!(strip_language("offices/belgrade.md"), "offices/belgrade.md");
        assert_eq!(strip_language("offices/.tr.md"), "offices/.tr.md");
        assert_eq!(strip_language("v1.2.md"), "v1.2.md");
    }
}
