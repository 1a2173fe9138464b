//! The whole-site render: every page of a [`Site`] in every language through its askama
//! template, plus theme assets, media and the fixed routes, into a [`RenderedSite`]: a
//! map from URL path to a ready [`Resource`]. Knows nothing of HTTP; the server only
//! looks routes up.
//!
//! - [`resource`]: bytes, compression, ETag and type of one route;
//! - [`headers`]: the headers that follow from what a route is (security, caching), for
//!   the server and the export alike;
//! - `context`: what every page's render reads (site, assets, reverse indexes, links);
//! - `layout`: the frame around every page;
//! - `structured_data`: the schema.org JSON-LD in the head of pages with facts to give;
//! - `page_kinds`, `listing`, `office_map`, `fixed_routes`: what each route shows;
//! - `request_pages`, `project_filters`: pages made per request (search, filters);
//! - `templates`: the askama template structs.

mod context;
mod fixed_routes;
pub mod headers;
mod layout;
mod listing;
mod office_map;
mod on_demand;
mod page_kinds;
mod project_filters;
mod related;
mod request_pages;
pub mod resource;
mod structured_data;
mod templates;

use std::sync::Arc;

use foldhash::{HashMap, HashMapExt};
use jiff::Timestamp;
use rayon::prelude::*;

use crate::assets::Assets;
use crate::content::{Page, Site};
use crate::diagnostic::Diagnostic;
use context::Context;
pub use on_demand::OnDemand;
pub use request_pages::RequestPages;
pub use resource::{CachePolicy, Resource};

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
    /// The pages made per request (search, filtered projects) for this site.
    pub on_request: Option<Arc<RequestPages>>,
    /// Under live preview, the routes rendered on first request (see [`render_live`]);
    /// `routes` then holds only assets and media.
    pub on_demand: Option<Arc<OnDemand>>,
    /// The public address its links start with (`https://wbt.example.org`).
    pub base_url: String,
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
            on_request: self.on_request.clone(),
            on_demand: self.on_demand.clone(),
            base_url: self.base_url.clone(),
        }
    }

    /// The resource at `path`, rendering it first if it is made on demand.
    pub fn route(&self, path: &str) -> Option<&Arc<Resource>> {
        self.routes
            .get(path)
            .or_else(|| self.on_demand.as_ref()?.route(path))
    }

    /// Whether `path` is a route, without rendering it.
    pub fn has_route(&self, path: &str) -> bool {
        self.routes.contains_key(path) || self.on_demand.as_ref().is_some_and(|o| o.contains(path))
    }

    /// How many routes the site has, rendered or not.
    pub fn route_count(&self) -> usize {
        self.routes.len() + self.on_demand.as_ref().map_or(0, |o| o.len())
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

const HTML: &str = "text/html; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";

/// A route's body before its [`Resource`] is made: path, content type, cache policy.
type RawRoute = (String, &'static str, CachePolicy, Vec<u8>);

/// Renders `site` with `assets` into its routes, uncompressed (see
/// [`RenderedSite::compressed`]). With `live_reload`, pages carry the reload script.
pub fn render(
    site: &Site,
    assets: &Assets,
    live_reload: bool,
) -> Result<RenderedSite, askama::Error> {
    render_with(site, assets, live_reload, |_, mime, cache, body| {
        Ok(Arc::new(Resource::new(mime, cache, body)))
    })
}

/// Renders `site` as [`render`] does, handing each route (path, content type, cache
/// policy, body) to `finish` as soon as it is made, on the thread that made it, and
/// keeping the resource `finish` makes of it: the whole resource to serve it, or (for an
/// export that writes each route out at once) only its headers, so that no more than a
/// few pages are in memory at a time. The 404 pages are
/// kept whole.
pub fn render_with<E>(
    site: &Site,
    assets: &Assets,
    live_reload: bool,
    finish: impl Fn(&str, &'static str, CachePolicy, Vec<u8>) -> Result<Arc<Resource>, E> + Sync,
) -> Result<RenderedSite, E>
where
    E: From<askama::Error> + Send,
{
    let ctx = Context::new(site, assets);
    // Ranked here, in parallel, rather than by the first page that needs it.
    ctx.rank_every_related_page();
    let made = |(path, mime, cache, body): RawRoute| -> Result<(String, Arc<Resource>), E> {
        let resource = finish(&path, mime, cache, body)?;
        Ok((path, resource))
    };
    let jobs: Vec<(&Page, &str)> = site
        .originals()
        .flat_map(|page| site.languages.iter().map(move |l| (page, l.code.as_str())))
        .collect();
    let pages = || {
        jobs.par_iter()
            .map(|(page, lang)| {
                let routes = ctx.render_page(page, lang)?;
                routes
                    .into_iter()
                    .map(|(path, html)| {
                        made((path, HTML, CachePolicy::Page, page_body(html, live_reload)))
                    })
                    .collect::<Result<Vec<_>, E>>()
            })
            .collect::<Result<Vec<_>, E>>()
    };
    // Beside the pages rather than after them: the sitemap and the feeds list every page,
    // and made after them they kept one thread busy for some 40 ms at the end of a
    // 10,000-page build.
    let others = || {
        let fixed = fixed_routes::paths(site)
            .into_par_iter()
            .map(|(path, route)| {
                let (mime, body) = fixed_routes::render(&ctx, &route)?;
                made((path, mime, CachePolicy::Page, body))
            });
        let files: Vec<RawRoute> = files(site, assets).collect();
        fixed
            .chain(files.into_par_iter().map(made))
            .collect::<Result<Vec<_>, E>>()
    };
    let (pages, others) = rayon::join(pages, others);
    let mut routes: HashMap<String, Arc<Resource>> = HashMap::new();
    for page_routes in pages? {
        routes.extend(page_routes);
    }
    routes.extend(others?);

    let mut rendered = RenderedSite {
        routes,
        live: live_reload,
        ..RenderedSite::default()
    };
    finish_site(&mut rendered, &ctx)?;
    Ok(rendered)
}

/// Renders `site` for live preview: assets, media, redirects and 404 pages now, every
/// page and fixed route on its first request ([`OnDemand`]), so that a save to a large
/// site is served at once. Serves the same bytes as [`render`] with `live_reload`.
pub fn render_live(site: Arc<Site>, assets: &Assets) -> Result<RenderedSite, askama::Error> {
    let ctx = Context::new(&site, assets);
    let routes = files(&site, assets)
        .map(|(path, mime, cache, body)| (path, Arc::new(Resource::new(mime, cache, body))))
        .collect();
    let on_demand = OnDemand::new(site.clone(), assets.clone(), &ctx);
    let mut rendered = RenderedSite {
        routes,
        live: true,
        on_demand: Some(Arc::new(on_demand)),
        ..RenderedSite::default()
    };
    finish_site(&mut rendered, &ctx)?;
    Ok(rendered)
}

/// What a rendered site takes from its site beside its routes: 404 pages, redirects of
/// aliases that no route takes, warnings, the next publication and the base URL.
fn finish_site(rendered: &mut RenderedSite, ctx: &Context) -> Result<(), askama::Error> {
    let site = ctx.site;
    for language in &site.languages {
        let html = ctx.not_found(&language.code)?;
        let prefix = format!("{}/", site.lang_prefix(&language.code));
        let page = page_resource(html, rendered.live);
        rendered.not_found.push((prefix, Arc::new(page)));
    }
    for page in &site.pages {
        for alias in &page.aliases {
            if !rendered.has_route(alias) {
                rendered.redirects.insert(alias.clone(), page.path.clone());
            }
        }
    }
    rendered.next_publication = site.next_publication;
    rendered.warnings = site.warnings.clone();
    rendered.base_url = site.base_url.clone();
    Ok(())
}

/// A page's body: its HTML, with the live-reload script under live preview.
fn page_body(html: String, live_reload: bool) -> Vec<u8> {
    if live_reload {
        crate::live_reload::with_script(html).into_bytes()
    } else {
        html.into_bytes()
    }
}

/// A page's resource, its body made by [`page_body`].
fn page_resource(html: String, live_reload: bool) -> Resource {
    Resource::new(HTML, CachePolicy::Page, page_body(html, live_reload))
}

/// Theme assets (fingerprinted, immutable) and editors' media, served as they are.
fn files<'a>(site: &'a Site, assets: &'a Assets) -> impl Iterator<Item = RawRoute> + 'a {
    let assets = assets.files.values().map(|asset| {
        let mime = mime_guess::from_path(&asset.name).first_or_octet_stream();
        (
            asset.url.clone(),
            resource::mime_essence(&mime),
            CachePolicy::Immutable,
            asset.bytes.clone(),
        )
    });
    let media = site.media.iter().map(|file| {
        let mime = mime_guess::from_path(&file.path).first_or_octet_stream();
        (
            format!("/{}", file.path),
            resource::mime_essence(&mime),
            CachePolicy::Media,
            file.bytes.to_vec(),
        )
    });
    assets.chain(media)
}
