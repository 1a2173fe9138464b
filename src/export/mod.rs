//! `wbt-site build`: the rendered site written out as static files, for any web server,
//! object store or CDN. Each page becomes `path/index.html` with a `.gz` sibling, and a
//! `.br` one unless the site is large (for nginx's `gzip_static` and `brotli_static`; see
//! [`Compression::for_export`]), each alias a small page that points
//! to its target, and each language's 404 page `404.html` in its folder. Beside them, the
//! headers and redirects the server would send, for the host that serves the files:
//! `_headers` and `_redirects` for Netlify and Cloudflare Pages ([`cdn`]), and an nginx
//! include ([`nginx`]), all from [`crate::render::headers`], the server's own list.
//!
//! Must not know the server: it writes what the renderer makes, as it makes it.

mod cdn;
mod nginx;
mod rules;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use askama::Template;

use crate::assets::Assets;
use crate::content::Site;
use crate::render::{self, Resource, resource::Compression};

/// The page an alias becomes: it points browsers and search engines to the page's URL.
#[derive(Template)]
#[template(path = "redirect.html")]
struct RedirectPage<'a> {
    /// The canonical path the alias stands for.
    to: &'a str,
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub files: usize,
    pub bytes: u64,
    /// How its text was compressed (see [`Compression::for_export`]).
    pub compression: Compression,
}

/// Why an export failed.
#[derive(Debug)]
pub enum ExportError {
    /// A template failed to render a page.
    Template(askama::Error),
    /// A file or folder could not be written (its path is in the message).
    Write(io::Error),
}

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExportError::Template(error) => write!(f, "a template failed to render: {error}"),
            ExportError::Write(error) => write!(f, "cannot write the site: {error}"),
        }
    }
}

impl From<askama::Error> for ExportError {
    fn from(error: askama::Error) -> Self {
        ExportError::Template(error)
    }
}

impl From<io::Error> for ExportError {
    fn from(error: io::Error) -> Self {
        ExportError::Write(error)
    }
}

/// Renders `site` with `assets` and writes it as the folder `out`, replacing what was
/// there. Each route is compressed and written on the thread that rendered it, then
/// dropped, so memory holds the site and a few pages, not the whole export. Everything is
/// written to a new folder beside `out` first, then renamed into place: an export that
/// fails (a full disk, a template) leaves `out` as it was and no half-written folder
/// behind.
pub fn export(site: &Site, assets: &Assets, out: &Path) -> Result<ExportSummary, ExportError> {
    let staging = sibling(out, "new")?;
    remove_if_present(&staging)?;
    let written = write_site(site, assets, &staging);
    let placed = written.and_then(|summary| {
        replace(&staging, out)?;
        Ok(summary)
    });
    if placed.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    placed
}

/// `.name.wbt-export-KIND` beside `out`: on the same file system, so a rename moves it.
fn sibling(out: &Path, kind: &str) -> io::Result<PathBuf> {
    let name = out.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a folder name to write to", out.display()),
        )
    })?;
    let mut sibling = std::ffi::OsString::from(".");
    sibling.push(name);
    sibling.push(format!(".wbt-export-{kind}"));
    Ok(out.with_file_name(sibling))
}

/// Puts the finished folder `staging` in the place of `out` (moving an older `out` aside
/// and removing it only once the new one is in place).
fn replace(staging: &Path, out: &Path) -> io::Result<()> {
    let context =
        |e: io::Error, path: &Path| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    if !out.exists() {
        return fs::rename(staging, out).map_err(|e| context(e, out));
    }
    let old = sibling(out, "old")?;
    remove_if_present(&old)?;
    fs::rename(out, &old).map_err(|e| context(e, out))?;
    if let Err(error) = fs::rename(staging, out) {
        let _ = fs::rename(&old, out);
        return Err(context(error, out));
    }
    fs::remove_dir_all(&old).map_err(|e| context(e, &old))
}

fn remove_if_present(folder: &Path) -> io::Result<()> {
    match fs::remove_dir_all(folder) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io::Error::new(
            e.kind(),
            format!("{}: {e}", folder.display()),
        )),
        _ => Ok(()),
    }
}

/// Renders and writes every file of `site` under `out`.
fn write_site(site: &Site, assets: &Assets, out: &Path) -> Result<ExportSummary, ExportError> {
    let pages = site.originals().count() * site.languages.len();
    let routes = pages + assets.files.len() + site.media.len();
    let compression = Compression::for_export(routes);
    let written = Written::default();
    let kinds = Kinds::default();
    let rendered = render::render_with(site, assets, false, |path, mime, cache, body| {
        let resource = Resource::without_etags(mime, cache, body).compressed_with(compression);
        write_resource(&file_for(out, path)?, &resource, &written)?;
        Ok::<_, ExportError>(kinds.headers_of(&resource))
    })?;
    for (prefix, resource) in &rendered.not_found {
        let file = file_for(out, prefix)?.with_file_name("404.html");
        write_resource(&file, &resource.compressed_with(compression), &written)?;
    }
    let mut redirects: Vec<_> = rendered.redirects.iter().collect();
    redirects.sort();
    for (from, to) in redirects {
        let html = RedirectPage { to }.render()?;
        write(&file_for(out, from)?, html.as_bytes(), &written)?;
    }
    for (name, text) in [
        (cdn::HEADERS_FILE, cdn::headers_file(&rendered)),
        (cdn::REDIRECTS_FILE, cdn::redirects_file(&rendered)),
        (nginx::FILE_NAME, nginx::config(&rendered)),
    ] {
        write(&out.join(name), text.as_bytes(), &written)?;
    }
    Ok(ExportSummary {
        files: written.files.load(Ordering::Relaxed),
        bytes: written.bytes.load(Ordering::Relaxed),
        compression,
    })
}

/// The kinds of route written so far, each as its [`Resource::headers_only`]: all the
/// header files need of a route, kept for every route until the end (a few, shared, not
/// one per route).
#[derive(Default)]
struct Kinds(Mutex<Vec<Arc<Resource>>>);

impl Kinds {
    /// The headers of `resource`'s kind.
    fn headers_of(&self, resource: &Resource) -> Arc<Resource> {
        let mut kinds = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(kind) = kinds.iter().find(|kind| kind.has_headers_of(resource)) {
            return kind.clone();
        }
        let kind = Arc::new(resource.headers_only());
        kinds.push(kind.clone());
        kind
    }
}

/// Files and bytes written so far, from every rendering thread.
#[derive(Default)]
struct Written {
    files: AtomicUsize,
    bytes: AtomicU64,
}

/// The file for a URL path: `/a/` -> `out/a/index.html`, `/static/x.css` -> `out/static/x.css`.
fn file_for(out: &Path, path: &str) -> io::Result<PathBuf> {
    let relative = path.trim_start_matches('/');
    if !crate::content::urls::is_safe_path(path) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("refusing to write outside the output folder: {path}"),
        ));
    }
    let mut file = out.join(relative);
    if path.ends_with('/') {
        file.push("index.html");
    }
    Ok(file)
}

fn write_resource(file: &Path, resource: &Resource, summary: &Written) -> io::Result<()> {
    write(file, &resource.identity, summary)?;
    // Beside it, in the folder just made.
    if let Some(gzip) = &resource.gzip {
        write_in_folder(&append_extension(file, "gz"), gzip, summary)?;
    }
    if let Some(brotli) = &resource.brotli {
        write_in_folder(&append_extension(file, "br"), brotli, summary)?;
    }
    Ok(())
}

fn append_extension(file: &Path, extension: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// Writes `bytes` to `file`, making its folder first if need be.
fn write(file: &Path, bytes: &[u8], summary: &Written) -> io::Result<()> {
    if let Some(parent) = file.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", parent.display())))?;
    }
    write_in_folder(file, bytes, summary)
}

/// Writes `bytes` to `file`, whose folder exists.
fn write_in_folder(file: &Path, bytes: &[u8], summary: &Written) -> io::Result<()> {
    fs::write(file, bytes)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
    summary.files.fetch_add(1, Ordering::Relaxed);
    summary
        .bytes
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_page_points_to_its_target_and_ends_with_a_newline() {
        let html = RedirectPage { to: "/about/" }.render().unwrap();
        assert_eq!(
            html,
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>Moved</title>\
             <link rel=\"canonical\" href=\"/about/\"><meta http-equiv=\"refresh\" content=\"0; url=/about/\">\
             </head><body><p>This page has moved to <a href=\"/about/\">/about/</a>.</p></body></html>\n"
        );
        let hostile = RedirectPage { to: "/a\"><b>/" }.render().unwrap();
        assert!(!hostile.contains("<b>"), "{hostile}");
    }
}
