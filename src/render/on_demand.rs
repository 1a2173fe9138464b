//! Live preview's routes, rendered when first asked for. Under `serve --watch` a save
//! must not wait for every page of a large site to render again: the rebuild only works
//! out which path each page and fixed route will have, and a route is rendered on the
//! first request for it, then kept for the life of this site (the next save makes a new
//! one). A page's job makes all its routes at once (a listing and its later pages).
//! What it serves is byte for byte what the whole-site render makes: both call the same
//! page and fixed-route functions. Knows nothing of HTTP.

use std::sync::{Arc, OnceLock};

use foldhash::{HashMap, HashMapExt};

use super::context::Context;
use super::fixed_routes::{self, FixedRoute};
use super::{CachePolicy, Resource, page_resource};
use crate::assets::Assets;
use crate::content::{PageKind, Site, urls};

/// What makes one or more routes.
#[derive(Debug)]
enum Job {
    /// An original page (by its place in `Site::pages`) for a visitor reading a language
    /// (by its place in `Site::languages`).
    Page {
        page: usize,
        lang: usize,
    },
    Fixed {
        path: String,
        route: FixedRoute,
    },
}

/// The routes one job made, by path; `None` when its template failed (logged).
type Made = Option<HashMap<String, Arc<Resource>>>;

/// The routes of one site that are rendered on first request, and those made so far.
pub struct OnDemand {
    site: Arc<Site>,
    assets: Assets,
    /// Route path to the job (its place in `jobs`) that makes it.
    routes: HashMap<String, usize>,
    jobs: Vec<Job>,
    /// Each job's routes, once made.
    made: Vec<OnceLock<Made>>,
}

impl std::fmt::Debug for OnDemand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnDemand")
            .field("routes", &self.routes.len())
            .field(
                "made",
                &self.made.iter().filter(|m| m.get().is_some()).count(),
            )
            .finish()
    }
}

impl OnDemand {
    /// The routes of every page of `site` in every language, and of its fixed routes,
    /// none rendered yet. `ctx` is a context on the same site, for listing sizes.
    pub(super) fn new(site: Arc<Site>, assets: Assets, ctx: &Context) -> OnDemand {
        let mut routes = HashMap::with_capacity(site.pages.len() * site.languages.len());
        let mut jobs = Vec::with_capacity(routes.capacity());
        let default = site.default_language();
        for (page, original) in site.pages.iter().enumerate() {
            if original.lang != default {
                continue;
            }
            for (lang, language) in site.languages.iter().enumerate() {
                let Some(path) = site.url(&original.key, &language.code) else {
                    continue;
                };
                let listing_pages = match &original.kind {
                    PageKind::SectionIndex(section) => {
                        urls::listing_pages(ctx.members(*section).len())
                    }
                    _ => 1,
                };
                for n in 1..=listing_pages {
                    routes.insert(urls::listing_page_path(&path, n), jobs.len());
                }
                jobs.push(Job::Page { page, lang });
            }
        }
        for (path, route) in fixed_routes::paths(&site) {
            routes.insert(path.clone(), jobs.len());
            jobs.push(Job::Fixed { path, route });
        }
        let made = jobs.iter().map(|_| OnceLock::new()).collect();
        OnDemand {
            site,
            assets,
            routes,
            jobs,
            made,
        }
    }

    /// Whether `path` is one of these routes (without rendering it).
    pub fn contains(&self, path: &str) -> bool {
        self.routes.contains_key(path)
    }

    /// How many routes there are, made or not.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// The resource at `path`, rendered now if it is the first request for it.
    pub fn route(&self, path: &str) -> Option<&Arc<Resource>> {
        let &job = self.routes.get(path)?;
        self.made[job]
            .get_or_init(|| match self.run(&self.jobs[job]) {
                Ok(routes) => Some(routes),
                Err(error) => {
                    tracing::error!(%error, path, "a template failed to render");
                    None
                }
            })
            .as_ref()?
            .get(path)
    }

    fn run(&self, job: &Job) -> Result<HashMap<String, Arc<Resource>>, askama::Error> {
        let ctx = Context::new(&self.site, &self.assets);
        match job {
            Job::Page { page, lang } => {
                let lang = &self.site.languages[*lang].code;
                let routes = ctx.render_page(&self.site.pages[*page], lang)?;
                Ok(routes
                    .into_iter()
                    .map(|(path, html)| (path, Arc::new(page_resource(html, true))))
                    .collect())
            }
            Job::Fixed { path, route } => {
                let (mime, body) = fixed_routes::render(&ctx, route)?;
                let resource = Resource::new(mime, CachePolicy::Page, body);
                Ok(HashMap::from_iter([(path.clone(), Arc::new(resource))]))
            }
        }
    }
}
