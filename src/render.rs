//! The whole-site render: every page of [`Site`] in every language through its askama
//! template, plus theme assets, media, `robots.txt` and `sitemap.xml`, into a
//! [`RenderedSite`]: a map from URL path to ready bytes (identity, gzip, brotli) with a
//! strong ETag. Nothing here knows about HTTP; the server only looks routes up.

mod templates;

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use askama::Template;
use bytes::Bytes;
use jiff::Timestamp;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::assets::Assets;
use crate::content::front_matter::ProjectStatus;
use crate::content::{Page, PageKind, Section, Site, UiStrings, page_date, sort_for_listing};
use crate::diagnostic::Diagnostic;
use templates::*;

/// Listings show this many items per page.
pub use crate::content::urls::PAGE_SIZE;
/// Related news lists on theme and country pages show the latest this many items.
const RELATED_NEWS: usize = 10;

/// How long clients and caches may keep a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CachePolicy {
    /// Pages: revalidate with the ETag after a minute.
    Page,
    /// Fingerprinted theme assets: never change under their URL.
    Immutable,
    /// Editors' media: kept an hour.
    Media,
}

/// One route's response body, prepared once.
#[derive(Clone, Debug)]
pub struct Resource {
    /// The `Content-Type` header value, ready to send.
    pub content_type: http::HeaderValue,
    pub cache: CachePolicy,
    /// Strong ETag of the identity body, quoted (`"9f86d081884c7d65"`), ready to send.
    pub etag: http::HeaderValue,
    /// The ETags of the gzip and brotli bodies: `"9f86d081884c7d65-gz"`, `"…-br"`.
    pub etag_gzip: http::HeaderValue,
    pub etag_brotli: http::HeaderValue,
    /// Text that compresses: its responses vary with `Accept-Encoding`.
    pub compressible: bool,
    pub identity: Bytes,
    /// Kept only when smaller than the identity body.
    pub gzip: Option<Bytes>,
    pub brotli: Option<Bytes>,
}

impl Resource {
    /// Prepares `body` with its ETags and header values, so that serving formats nothing.
    /// Compressed variants come from [`Resource::compressed`]. A content type that cannot
    /// be a header value (a control character) is sent as `application/octet-stream`.
    pub fn new(content_type: &str, cache: CachePolicy, body: Vec<u8>) -> Resource {
        let digest = Sha256::digest(&body);
        let etag: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        let etag_value = |suffix: &str| {
            http::HeaderValue::try_from(format!("\"{etag}{suffix}\""))
                .expect("quoted hex digits are a header value")
        };
        Resource {
            content_type: http::HeaderValue::from_str(content_type)
                .unwrap_or_else(|_| http::HeaderValue::from_static("application/octet-stream")),
            cache,
            etag: etag_value(""),
            etag_gzip: etag_value("-gz"),
            etag_brotli: etag_value("-br"),
            compressible: content_type.starts_with("text/")
                || content_type.contains("xml")
                || content_type.contains("json")
                || content_type.contains("javascript")
                || content_type.contains("svg"),
            identity: Bytes::from(body),
            gzip: None,
            brotli: None,
        }
    }

    /// This resource with gzip and brotli variants, each kept only when smaller.
    pub fn compressed(&self) -> Resource {
        let body = &self.identity;
        let worth_it = self.compressible && body.len() > 256;
        let variant = |compress: fn(&[u8]) -> Option<Vec<u8>>| {
            worth_it
                .then(|| compress(body))
                .flatten()
                .filter(|smaller| smaller.len() < body.len())
                .map(Bytes::from)
        };
        Resource {
            gzip: self.gzip.clone().or_else(|| variant(gzip)),
            brotli: self.brotli.clone().or_else(|| variant(brotli)),
            ..self.clone()
        }
    }
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

fn brotli(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 5,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &body[..], &mut out, &params).ok()?;
    Some(out)
}

/// Every route of the site, ready to serve.
#[derive(Clone, Debug, Default)]
pub struct RenderedSite {
    /// URL path (decoded, `/offices/belgrade/`) to its resource.
    pub routes: HashMap<String, Arc<Resource>>,
    /// Old URL path (an alias) to the canonical path it answers 301 with.
    pub redirects: HashMap<String, String>,
    /// The 404 page of each language, by URL prefix (`/tr/`); the default language's is `/`.
    pub not_found: Vec<(String, Arc<Resource>)>,
    /// When a scheduled page is due: the site must be rebuilt then.
    pub next_publication: Option<Timestamp>,
    /// Problems that did not stop the site.
    pub warnings: Vec<Diagnostic>,
    /// Rendered for live preview (`serve --watch`): pages carry the reload script and must
    /// be revalidated on every visit.
    pub live: bool,
    /// Under `--watch`, when the content has errors: the page that shows them, answered in
    /// place of every page while the last good assets stay served.
    pub overlay: Option<Arc<Resource>>,
}

impl RenderedSite {
    /// The same site with every text body compressed (gzip and brotli), in parallel.
    pub fn compressed(&self) -> RenderedSite {
        let compress = |resource: &Arc<Resource>| Arc::new(resource.compressed());
        RenderedSite {
            routes: self
                .routes
                .par_iter()
                .map(|(path, resource)| (path.clone(), compress(resource)))
                .collect(),
            redirects: self.redirects.clone(),
            not_found: self
                .not_found
                .iter()
                .map(|(prefix, page)| (prefix.clone(), compress(page)))
                .collect(),
            next_publication: self.next_publication,
            warnings: self.warnings.clone(),
            live: self.live,
            overlay: self.overlay.clone(),
        }
    }

    /// The 404 page for a visitor who asked for `path`.
    pub fn not_found_for(&self, path: &str) -> Option<&Arc<Resource>> {
        self.not_found
            .iter()
            .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map(|(_, r)| r)
    }
}

/// Renders `site` with `assets` into its routes, uncompressed (see
/// [`RenderedSite::compressed`]). With `live_reload`, pages carry the reload script.
pub fn render(
    site: &Site,
    assets: &Assets,
    live_reload: bool,
) -> Result<RenderedSite, askama::Error> {
    let ctx = Context::new(site, assets);
    let jobs: Vec<(&Page, &str)> = site
        .originals()
        .flat_map(|page| site.languages.iter().map(move |l| (page, l.code.as_str())))
        .collect();
    let pages: Vec<(String, String)> = jobs
        .par_iter()
        .map(|(page, lang)| ctx.render_page(page, lang))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();

    let mut rendered = RenderedSite {
        next_publication: site.next_publication,
        warnings: site.warnings.clone(),
        live: live_reload,
        ..RenderedSite::default()
    };
    let page_body = |html: String| {
        if live_reload {
            let tag = crate::live_reload::SCRIPT_TAG;
            html.replacen("</body>", &format!("{tag}\n</body>"), 1)
                .into_bytes()
        } else {
            html.into_bytes()
        }
    };
    let mut raw: Vec<(String, &str, CachePolicy, Vec<u8>)> = pages
        .into_iter()
        .map(|(path, html)| {
            (
                path,
                "text/html; charset=utf-8",
                CachePolicy::Page,
                page_body(html),
            )
        })
        .collect();
    for asset in assets.files.values() {
        let mime = mime_guess::from_path(&asset.name).first_or_octet_stream();
        raw.push((
            asset.url.clone(),
            mime_essence(&mime),
            CachePolicy::Immutable,
            asset.bytes.clone(),
        ));
    }
    for file in &site.media {
        let mime = mime_guess::from_path(&file.path).first_or_octet_stream();
        raw.push((
            format!("/{}", file.path),
            mime_essence(&mime),
            CachePolicy::Media,
            file.bytes.clone(),
        ));
    }
    raw.push((
        "/robots.txt".to_owned(),
        "text/plain; charset=utf-8",
        CachePolicy::Page,
        format!(
            "User-agent: *\nAllow: /\n\nSitemap: {}/sitemap.xml\n",
            site.base_url
        )
        .into_bytes(),
    ));
    raw.push((
        "/sitemap.xml".to_owned(),
        "application/xml; charset=utf-8",
        CachePolicy::Page,
        ctx.sitemap().into_bytes(),
    ));
    let resources: Vec<(String, Resource)> = raw
        .into_par_iter()
        .map(|(path, mime, cache, body)| (path, Resource::new(mime, cache, body)))
        .collect();
    for (path, resource) in resources {
        rendered.routes.insert(path, Arc::new(resource));
    }

    for language in &site.languages {
        let html = ctx.not_found(&language.code)?;
        let prefix = format!("{}/", site.lang_prefix(&language.code));
        rendered.not_found.push((
            prefix,
            Arc::new(Resource::new(
                "text/html; charset=utf-8",
                CachePolicy::Page,
                page_body(html),
            )),
        ));
    }

    for page in &site.pages {
        for alias in &page.aliases {
            if !rendered.routes.contains_key(alias) {
                rendered.redirects.insert(alias.clone(), page.path.clone());
            }
        }
    }
    Ok(rendered)
}

/// Content types as header text; text types say their charset.
fn mime_essence(mime: &mime_guess::Mime) -> &'static str {
    match mime.essence_str() {
        "text/css" => "text/css; charset=utf-8",
        "text/plain" => "text/plain; charset=utf-8",
        "text/html" => "text/html; charset=utf-8",
        "text/csv" => "text/csv; charset=utf-8",
        "image/svg+xml" => "image/svg+xml",
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        "image/gif" => "image/gif",
        "image/webp" => "image/webp",
        "image/avif" => "image/avif",
        "image/x-icon" | "image/vnd.microsoft.icon" => "image/x-icon",
        "application/pdf" => "application/pdf",
        "application/json" => "application/json",
        "application/xml" | "text/xml" => "application/xml",
        "text/javascript" | "application/javascript" => "text/javascript; charset=utf-8",
        "font/woff2" => "font/woff2",
        "font/woff" => "font/woff",
        _ => "application/octet-stream",
    }
}

/// What every page's render needs: the site, the assets, and reverse indexes.
struct Context<'a> {
    site: &'a Site,
    assets: &'a Assets,
    /// Theme key -> originals that name it, in section listing order.
    by_theme: HashMap<&'a str, Vec<&'a Page>>,
    /// Country key -> originals that name it, in section listing order.
    by_country: HashMap<&'a str, Vec<&'a Page>>,
    offices: Vec<&'a Page>,
    members: HashMap<Section, Vec<&'a Page>>,
    has_kosovo: bool,
}

impl<'a> Context<'a> {
    fn new(site: &'a Site, assets: &'a Assets) -> Self {
        let mut by_theme: HashMap<&str, Vec<&Page>> = HashMap::new();
        let mut by_country: HashMap<&str, Vec<&Page>> = HashMap::new();
        let mut members = HashMap::new();
        for section in Section::ALL {
            let list = site.members(section);
            for page in &list {
                for theme in &page.themes {
                    by_theme.entry(theme).or_default().push(page);
                }
                for country in &page.countries {
                    by_country.entry(country).or_default().push(page);
                }
            }
            members.insert(section, list);
        }
        let has_kosovo = site
            .originals()
            .any(|p| matches!(&p.kind, PageKind::Country(c) if c.iso.get_ref() == "XK"));
        Context {
            site,
            assets,
            by_theme,
            by_country,
            offices: members.get(&Section::Offices).cloned().unwrap_or_default(),
            members,
            has_kosovo,
        }
    }

    fn ui(&self, lang: &str) -> &'a UiStrings {
        // Every language has its strings: the loader refuses a site without them.
        self.site
            .ui
            .get(lang)
            .or_else(|| self.site.ui.get(self.site.default_language()))
            .expect("the loader guarantees interface strings for every language")
    }

    /// A link to `key` for a visitor reading `lang`.
    fn link(&self, key: &str, lang: &str) -> Option<Link> {
        let (page, fallback) = self.site.localized(key, lang)?;
        let ui = self.ui(lang);
        let meta = match &page.kind {
            PageKind::NewsItem => page.date.map(|d| ui.date(d.day)).unwrap_or_default(),
            PageKind::Project(p) => p
                .status
                .map(|s| status_label(ui, s))
                .unwrap_or_default()
                .to_owned(),
            PageKind::Office(o) if o.main_seat => ui.main_seat.clone(),
            PageKind::Person(p) => p.role.clone(),
            _ => String::new(),
        };
        Some(Link {
            title: page.title.clone(),
            href: self.site.url(key, lang)?,
            description: page.description.clone(),
            meta,
            lang: fallback.then(|| page.lang.clone()),
            icon: match &page.kind {
                PageKind::Theme(theme) => self.assets.icon(theme.icon.get_ref()).map(str::to_owned),
                _ => None,
            },
        })
    }

    fn links(&self, pages: &[&Page], lang: &str) -> Vec<Link> {
        pages
            .iter()
            .filter_map(|p| self.link(&p.key, lang))
            .collect()
    }

    fn key_links(&self, keys: &[String], lang: &str) -> Vec<Link> {
        keys.iter().filter_map(|k| self.link(k, lang)).collect()
    }

    /// Members of `section` related to `key` through `index`, in listing order.
    fn related(
        &self,
        index: &HashMap<&str, Vec<&'a Page>>,
        key: &str,
        section: Section,
    ) -> Vec<&'a Page> {
        index
            .get(key)
            .map(|pages| {
                pages
                    .iter()
                    .copied()
                    .filter(|p| p.is_section_member(section))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn layout(&self, shown: &Page, lang: &str, fallback: bool, canonical_path: &str) -> Layout<'a> {
        let site = self.site;
        let ui = self.ui(lang);
        let key = &shown.key;
        let alternates = site
            .languages
            .iter()
            .map(|l| {
                let href = site
                    .url(key, &l.code)
                    .unwrap_or_else(|| format!("{}/", site.lang_prefix(&l.code)));
                Alternate {
                    lang: l.code.clone(),
                    name: l.name.clone(),
                    absolute: format!("{}{href}", site.base_url),
                    href,
                    current: l.code == lang,
                    translated: site.page(key, &l.code).is_some(),
                }
            })
            .collect();
        let current_section = shown.section;
        let menu = site
            .config
            .menu
            .iter()
            .filter_map(|entry| {
                let target = entry.page.get_ref();
                let link = self.link(target, lang)?;
                let target_page = site.page(target, site.default_language())?;
                let current = if target == key {
                    Some("page")
                } else if matches!(target_page.kind, PageKind::SectionIndex(s) if Some(s) == current_section) {
                    Some("true")
                } else {
                    None
                };
                Some(MenuItem {
                    label: link.title,
                    href: link.href,
                    current,
                })
            })
            .collect();
        let home_href = format!("{}/", site.lang_prefix(lang));
        let mut breadcrumbs = Vec::new();
        if !matches!(shown.kind, PageKind::Home(_)) {
            breadcrumbs.push(Crumb {
                label: ui.home.clone(),
                href: home_href.clone(),
            });
            if let Some(section) = shown.section
                && !matches!(shown.kind, PageKind::SectionIndex(_))
            {
                let index_key = format!("{}/_index.md", section.dir());
                if let Some(link) = self.link(&index_key, lang) {
                    breadcrumbs.push(Crumb {
                        label: link.title,
                        href: link.href,
                    });
                }
            }
        }
        let banner = if shown.draft {
            Some(ui.draft_banner.clone())
        } else if shown.scheduled {
            shown
                .date
                .map(|d| ui.scheduled_banner.replace("{date}", &ui.date(d.day)))
        } else {
            None
        };
        Layout {
            lang: lang.to_owned(),
            ui,
            site_title: site.config.title.clone(),
            organisation: site.config.organisation.name.clone(),
            organisation_url: site.config.organisation.url.clone(),
            title: shown.title.clone(),
            description: shown.description.clone(),
            is_home: matches!(shown.kind, PageKind::Home(_)),
            canonical: format!("{}{}", site.base_url, canonical_path),
            alternates,
            menu,
            home_href,
            breadcrumbs,
            notice: fallback.then(|| ui.translation_notice.clone()),
            banner,
            prev: None,
            next: None,
            css: self.assets.url("style.css"),
            favicon: self.assets.url("favicon.svg"),
            footer_offices: self.links(&self.offices, lang),
            footnote: self.has_kosovo.then(|| ui.kosovo_footnote.clone()),
        }
    }

    /// Renders `page` (an original) for a visitor reading `lang`: one route, or several
    /// for a paginated listing.
    fn render_page(
        &self,
        original: &Page,
        lang: &str,
    ) -> Result<Vec<(String, String)>, askama::Error> {
        let Some((shown, fallback)) = self.site.localized(&original.key, lang) else {
            return Ok(Vec::new());
        };
        let Some(path) = self.site.url(&original.key, lang) else {
            return Ok(Vec::new());
        };
        // A fallback page's canonical URL is its original's.
        let canonical = if fallback {
            original.path.clone()
        } else {
            path.clone()
        };
        let layout = self.layout(shown, lang, fallback, &canonical);
        let ui = layout.ui;
        let article = Article {
            html: shown.body_html.clone(),
            toc: shown.toc.clone(),
            lang: shown.lang.clone(),
        };
        let key = original.key.as_str();
        let html = match &shown.kind {
            PageKind::Home(home) => {
                let news = self
                    .members
                    .get(&Section::News)
                    .map(|n| &n[..n.len().min(3)])
                    .unwrap_or(&[]);
                let entries = [
                    Section::Offices,
                    Section::Themes,
                    Section::Countries,
                    Section::Projects,
                ]
                .iter()
                .filter_map(|s| self.link(&format!("{}/_index.md", s.dir()), lang))
                .collect();
                HomeTemplate {
                    layout,
                    article,
                    lead: home.lead.clone(),
                    figures: home.figures.clone(),
                    news: self.links(news, lang),
                    entries,
                }
                .render()?
            }
            PageKind::Plain => PageTemplate { layout, article }.render()?,
            PageKind::SectionIndex(section) => {
                return self.render_listing(*section, shown, lang, fallback, &path, article);
            }
            PageKind::Office(office) => OfficeTemplate {
                layout,
                article,
                city: office.city.clone(),
                country: original.countries.first().and_then(|c| self.link(c, lang)),
                main_seat: office.main_seat,
                latitude: format_coordinate(*office.latitude.get_ref(), 'N', 'S'),
                longitude: format_coordinate(*office.longitude.get_ref(), 'E', 'W'),
                address: office.address.clone(),
                phone: office.phone.clone(),
                email: office.email.clone(),
            }
            .render()?,
            PageKind::Country(country) => {
                let offices = self.related(&self.by_country, key, Section::Offices);
                let projects = self.related(&self.by_country, key, Section::Projects);
                let news = self.related(&self.by_country, key, Section::News);
                let mut themes: Vec<&Page> = self.related(&self.by_country, key, Section::Themes);
                for project in &projects {
                    for theme in &project.themes {
                        if let Some(page) = self.site.page(theme, self.site.default_language())
                            && !themes.iter().any(|t| t.key == page.key)
                        {
                            themes.push(page);
                        }
                    }
                }
                sort_for_listing(Section::Themes, &mut themes);
                let profile = country
                    .profile
                    .iter()
                    .map(|p| profile_label(ui, p.key()).to_owned())
                    .collect();
                CountryTemplate {
                    layout,
                    article,
                    name: country.name.clone(),
                    iso: country.iso.get_ref().clone(),
                    profile,
                    offices: self.links(&offices, lang),
                    projects: self.links(&projects, lang),
                    themes: self.links(&themes, lang),
                    news: self.links(&news[..news.len().min(RELATED_NEWS)], lang),
                }
                .render()?
            }
            PageKind::Theme(theme) => {
                let projects = self.related(&self.by_theme, key, Section::Projects);
                let news = self.related(&self.by_theme, key, Section::News);
                let mut countries: Vec<String> = original.countries.clone();
                for project in &projects {
                    for c in &project.countries {
                        if !countries.contains(c) {
                            countries.push(c.clone());
                        }
                    }
                }
                let mut country_pages: Vec<&Page> = countries
                    .iter()
                    .filter_map(|c| self.site.page(c, self.site.default_language()))
                    .collect();
                sort_for_listing(Section::Countries, &mut country_pages);
                ThemeTemplate {
                    layout,
                    article,
                    icon: self
                        .assets
                        .icon(theme.icon.get_ref())
                        .unwrap_or("")
                        .to_owned(),
                    projects: self.links(&projects, lang),
                    news: self.links(&news[..news.len().min(RELATED_NEWS)], lang),
                    countries: self.links(&country_pages, lang),
                }
                .render()?
            }
            PageKind::Person(person) => PersonTemplate {
                layout,
                article,
                name: person.name.clone(),
                role: person.role.clone(),
                photo: person.photo.as_ref().map(|p| format!("/{}", p.get_ref())),
                email: person.email.clone(),
            }
            .render()?,
            PageKind::Project(project) => {
                // The loader has checked these dates; a bad one never gets this far.
                let day = |d: &toml::Spanned<toml::value::Datetime>| {
                    page_date(d.get_ref()).ok().map(|date| date.day)
                };
                let start = project.start.as_ref().and_then(day);
                let end = project.end.as_ref().and_then(day);
                let period = match (start, end) {
                    (Some(s), Some(e)) => format!("{} – {}", ui.date(s), ui.date(e)),
                    (Some(s), None) => format!("{} –", ui.date(s)),
                    (None, Some(e)) => format!("– {}", ui.date(e)),
                    (None, None) => String::new(),
                };
                ProjectTemplate {
                    layout,
                    article,
                    status: project.status.map(|s| status_label(ui, s).to_owned()),
                    ongoing: project.status == Some(ProjectStatus::Ongoing),
                    period,
                    donors: project.donors.clone(),
                    partners: project.partners.clone(),
                    website: project.website.clone(),
                    themes: self.key_links(&original.themes, lang),
                    countries: self.key_links(&original.countries, lang),
                }
                .render()?
            }
            PageKind::NewsItem => NewsTemplate {
                layout,
                article,
                date: shown.date.map(|d| ui.date(d.day)).unwrap_or_default(),
                datetime: shown.date.map(|d| d.day.to_string()).unwrap_or_default(),
                updated: shown.updated.map(|d| ui.date(d.day)),
                themes: self.key_links(&original.themes, lang),
                countries: self.key_links(&original.countries, lang),
            }
            .render()?,
        };
        Ok(vec![(path, html)])
    }

    /// A section index: its body, then its members, [`PAGE_SIZE`] per page, the later
    /// pages at `/section/page/N/`.
    fn render_listing(
        &self,
        section: Section,
        shown: &Page,
        lang: &str,
        fallback: bool,
        path: &str,
        article: Article,
    ) -> Result<Vec<(String, String)>, askama::Error> {
        let members = self.members.get(&section).cloned().unwrap_or_default();
        let items = self.links(&members, lang);
        let chunks: Vec<&[Link]> = if items.is_empty() {
            vec![&[]]
        } else {
            items.chunks(PAGE_SIZE).collect()
        };
        let pages = chunks.len();
        let page_path = |n: usize| {
            if n == 1 {
                path.to_owned()
            } else {
                format!("{path}page/{n}/")
            }
        };
        let mut out = Vec::with_capacity(pages);
        for (i, chunk) in chunks.into_iter().enumerate() {
            let n = i + 1;
            let own = page_path(n);
            let canonical = if fallback {
                format!("{}{}", shown.path, &own[path.len()..])
            } else {
                own.clone()
            };
            let mut layout = self.layout(shown, lang, fallback, &canonical);
            let ui = layout.ui;
            if n > 1 {
                layout.title = format!(
                    "{} ({})",
                    shown.title,
                    ui.page_of
                        .replace("{page}", &n.to_string())
                        .replace("{pages}", &pages.to_string())
                );
            }
            let prev = (n > 1).then(|| page_path(n - 1));
            let next = (n < pages).then(|| page_path(n + 1));
            layout.prev = prev.clone();
            layout.next = next.clone();
            let pagination = (pages > 1).then(|| Pagination {
                label: ui
                    .page_of
                    .replace("{page}", &n.to_string())
                    .replace("{pages}", &pages.to_string()),
                prev,
                next,
            });
            let map = (section == Section::Offices && n == 1)
                .then(|| self.office_map(lang))
                .flatten();
            let html = SectionTemplate {
                layout,
                map,
                article: if n == 1 {
                    article.clone()
                } else {
                    Article::default()
                },
                items: chunk.to_vec(),
                pagination,
                section: section.dir(),
            }
            .render()?;
            out.push((own, html));
        }
        Ok(out)
    }

    /// A schematic map of the offices for `lang`: each office a dot placed from its
    /// coordinates (equirectangular, scaled for the region's mean latitude), linked to its
    /// page, on a two-degree grid. No borders: the site has no boundary data to draw.
    fn office_map(&self, lang: &str) -> Option<OfficeMap> {
        const WIDTH: f64 = 800.0;
        const MARGIN: f64 = 1.0; // degrees around the outermost offices
        let ui = self.ui(lang);
        let offices: Vec<(&Page, f64, f64, bool)> = self
            .offices
            .iter()
            .filter_map(|page| match &page.kind {
                PageKind::Office(o) => Some((
                    *page,
                    *o.latitude.get_ref(),
                    *o.longitude.get_ref(),
                    o.main_seat,
                )),
                _ => None,
            })
            .collect();
        if offices.is_empty() {
            return None;
        }
        let lat_min = offices.iter().map(|o| o.1).fold(f64::MAX, f64::min) - MARGIN;
        let lat_max = offices.iter().map(|o| o.1).fold(f64::MIN, f64::max) + MARGIN;
        let lon_min = offices.iter().map(|o| o.2).fold(f64::MAX, f64::min) - MARGIN;
        let lon_max = offices.iter().map(|o| o.2).fold(f64::MIN, f64::max) + MARGIN;
        let squeeze = ((lat_min + lat_max) / 2.0).to_radians().cos();
        let scale = WIDTH / ((lon_max - lon_min) * squeeze);
        let height = ((lat_max - lat_min) * scale).round();
        let x = |lon: f64| ((lon - lon_min) * squeeze * scale * 10.0).round() / 10.0;
        let y = |lat: f64| ((lat_max - lat) * scale * 10.0).round() / 10.0;
        let points: Vec<MapPoint> = offices
            .iter()
            .filter_map(|(page, lat, lon, main)| {
                let link = self.link(&page.key, lang)?;
                Some(MapPoint {
                    x: x(*lon),
                    y: y(*lat),
                    label: link.title,
                    href: link.href,
                    main: *main,
                    label_left: x(*lon) > WIDTH * 0.8,
                })
            })
            .collect();
        let mut grid = Vec::new();
        let even = |v: f64| (v / 2.0).ceil() as i32 * 2;
        for lat in (even(lat_min)..=lat_max.floor() as i32).step_by(2) {
            let y = y(f64::from(lat));
            grid.push(GridLine {
                x1: 0.0,
                y1: y,
                x2: WIDTH,
                y2: y,
                label: format!("{lat}° N"),
            });
        }
        for lon in (even(lon_min)..=lon_max.floor() as i32).step_by(2) {
            let x = x(f64::from(lon));
            grid.push(GridLine {
                x1: x,
                y1: 0.0,
                x2: x,
                y2: height,
                label: format!("{lon}° E"),
            });
        }
        Some(OfficeMap {
            width: WIDTH as u32,
            height: height as u32,
            title: format!(
                "{}: {}",
                ui.office_map,
                points
                    .iter()
                    .map(|p| p.label.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            note: ui.office_map_note.clone(),
            points,
            grid,
        })
    }

    /// The 404 page of `lang`: the home page's layout with the "not found" text.
    fn not_found(&self, lang: &str) -> Result<String, askama::Error> {
        let ui = self.ui(lang);
        let Some(home) = self.site.page("_index.md", self.site.default_language()) else {
            return Err(askama::Error::custom(
                "the site has no home page (_index.md)",
            ));
        };
        let mut layout = self.layout(
            home,
            lang,
            false,
            &format!("{}/", self.site.lang_prefix(lang)),
        );
        layout.title = ui.not_found_title.clone();
        layout.description = ui.not_found_text.clone();
        layout.is_home = false;
        layout.alternates.clear();
        for item in &mut layout.menu {
            item.current = None;
        }
        NotFoundTemplate { layout }.render()
    }

    fn sitemap(&self) -> String {
        let mut xml = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for page in &self.site.pages {
            if page.draft || page.scheduled {
                continue;
            }
            xml.push_str("  <url><loc>");
            xml.push_str(&escape_xml(&format!("{}{}", self.site.base_url, page.path)));
            xml.push_str("</loc>");
            if let Some(d) = page.updated.or(page.date) {
                xml.push_str(&format!("<lastmod>{}</lastmod>", d.day));
            }
            xml.push_str("</url>\n");
        }
        xml.push_str("</urlset>\n");
        xml
    }
}

fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn status_label(ui: &UiStrings, status: ProjectStatus) -> &str {
    match status {
        ProjectStatus::Ongoing => &ui.status_ongoing,
        ProjectStatus::Completed => &ui.status_completed,
    }
}

fn profile_label<'u>(ui: &'u UiStrings, key: &str) -> &'u str {
    match key {
        "origin" => &ui.profile_origin,
        "transit" => &ui.profile_transit,
        "destination" => &ui.profile_destination,
        _ => &ui.profile_host,
    }
}

/// `41.01` -> `41.01° N`.
fn format_coordinate(value: f64, positive: char, negative: char) -> String {
    let hemisphere = if value < 0.0 { negative } else { positive };
    format!("{:.2}° {hemisphere}", value.abs())
}
