//! Structured data (schema.org JSON-LD) for the `<head>` of the pages that have facts to
//! give: the regional office and its offices on the home page, a place on each office
//! page, an article on each news item. Only what the content says: no address, phone or
//! logo it does not have.
//!
//! Served in `<script type="application/ld+json">`: a data block the browser never runs
//! (so `script-src 'self'` has nothing to block), which must still not close its element
//! early; [`script_safe`] sees to that.

use serde_json::{Value, json};

use super::context::Context;
use crate::content::page::Office;
use crate::content::{Page, PageKind};

const SCHEMA_ORG: &str = "https://schema.org";

/// ICMPD is an intergovernmental organisation: founded, funded and governed by its member
/// states. schema.org has no type for that; `NGO` would call it non-governmental, which
/// it is not, so `GovernmentOrganization` is the nearest true one.
const ORGANISATION_TYPE: &str = "GovernmentOrganization";

impl Context<'_> {
    /// The JSON-LD of `shown` for a visitor reading `lang`, its canonical address
    /// `canonical` (absolute), ready to go inside its `<script>`; `None` for pages
    /// without facts to give.
    pub(super) fn structured_data(
        &self,
        shown: &Page,
        lang: &str,
        canonical: &str,
    ) -> Option<String> {
        let data = match &shown.kind {
            PageKind::Home(_) => self.regional_office(lang),
            PageKind::Office(office) => {
                let mut place = place(office);
                place["@context"] = json!(SCHEMA_ORG);
                place["name"] = json!(shown.title);
                place["url"] = json!(canonical);
                place
            }
            PageKind::NewsItem => self.news_article(shown, canonical)?,
            _ => return None,
        };
        Some(script_safe(&data))
    }

    /// The regional office (the site), part of the organisation, with its offices.
    fn regional_office(&self, lang: &str) -> Value {
        let site = self.site;
        let offices: Vec<Value> = self
            .offices()
            .iter()
            .filter(|original| !original.is_hidden())
            .filter_map(|original| {
                let (page, _) = site.localized(&original.key, lang)?;
                let office = match (&page.kind, &original.kind) {
                    (PageKind::Office(office), _) | (_, PageKind::Office(office)) => office,
                    _ => return None,
                };
                Some(json!({
                    "@type": ORGANISATION_TYPE,
                    "name": page.title,
                    "url": format!("{}{}", site.base_url, site.url(&original.key, lang)?),
                    "location": place(office),
                }))
            })
            .collect();
        json!({
            "@context": SCHEMA_ORG,
            "@type": ORGANISATION_TYPE,
            "name": self.site_title(lang),
            "url": format!("{}{}/", site.base_url, site.lang_prefix(lang)),
            "parentOrganization": self.organisation(),
            "subOrganization": offices,
        })
    }

    /// A news item, its dates at the precision the content gives (`2017`, `2021-11`).
    fn news_article(&self, shown: &Page, canonical: &str) -> Option<Value> {
        let published = shown.date?;
        Some(json!({
            "@context": SCHEMA_ORG,
            "@type": "NewsArticle",
            "headline": shown.title,
            "description": shown.description,
            "datePublished": published.iso(),
            "dateModified": shown.updated.unwrap_or(published).iso(),
            "inLanguage": shown.lang,
            "url": canonical,
            "mainEntityOfPage": canonical,
            "publisher": self.organisation(),
        }))
    }

    /// The organisation of site.toml's `[organisation]`.
    fn organisation(&self) -> Value {
        let organisation = &self.site.config.organisation;
        json!({
            "@type": ORGANISATION_TYPE,
            "name": organisation.name,
            "url": organisation.url,
        })
    }
}

/// Where an office is: its coordinates and its city.
fn place(office: &Office) -> Value {
    json!({
        "@type": "Place",
        "geo": {
            "@type": "GeoCoordinates",
            "latitude": office.latitude,
            "longitude": office.longitude,
        },
        "address": {
            "@type": "PostalAddress",
            "addressLocality": office.city,
        },
    })
}

/// `data` as JSON that cannot end its `<script>` element or open a comment in it: `<`
/// (and `>` and `&`, as a habit) are written as `\u003c` escapes, which mean the same in
/// JSON. Outside strings JSON has none of them, so replacing them all is safe.
fn script_safe(data: &Value) -> String {
    data.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_json_cannot_close_its_script() {
        let data = json!({ "headline": "</script><!-- a & b -->" });
        let text = script_safe(&data);
        assert!(
            !text.contains('<') && !text.contains('>') && !text.contains('&'),
            "{text}"
        );
        let back: Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, data);
    }
}
