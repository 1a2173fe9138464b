//! `wbt-site build`: the rendered site written out as static files, for any web server,
//! object store or CDN. Each page becomes `path/index.html` with `.gz` and `.br` siblings
//! (for nginx's `gzip_static` and `brotli_static`), each alias a small page that points
//! to its target, and each language's 404 page `404.html` in its folder. Beside them, the
//! headers and redirects the server would send, for the host that serves the files:
//! `_headers` and `_redirects` for Netlify and Cloudflare Pages ([`cdn`]), and an nginx
//! include ([`nginx`]), all from [`crate::render::headers`], the server's own list.
//!
//! Must not know the server: it writes what the renderer made.

mod cdn;
mod nginx;
mod rules;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use askama::Template;

use crate::render::{RenderedSite, Resource};

/// The page an alias becomes: it points browsers and search engines to the page's URL.
#[derive(Template)]
#[template(path = "redirect.html")]
struct RedirectPage<'a> {
    /// The canonical path the alias stands for.
    to: &'a str,
}

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ExportSummary {
    pub files: usize,
    pub bytes: u64,
}

/// Writes `site` as the folder `out`, replacing what was there. Everything is written to a
/// new folder beside `out` first, then renamed into place: an export that fails (a full
/// disk) leaves `out` as it was and no half-written folder behind.
pub fn export(site: &RenderedSite, out: &Path) -> io::Result<ExportSummary> {
    let staging = sibling(out, "new")?;
    remove_if_present(&staging)?;
    let written = write_site(site, &staging);
    let placed = written.and_then(|summary| replace(&staging, out).map(|()| summary));
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

/// Writes every file of `site` under `out`.
fn write_site(site: &RenderedSite, out: &Path) -> io::Result<ExportSummary> {
    let mut summary = ExportSummary::default();
    let mut routes: Vec<_> = site.routes.iter().collect();
    routes.sort_by(|a, b| a.0.cmp(b.0));
    for (path, resource) in routes {
        write_resource(&file_for(out, path)?, resource, &mut summary)?;
    }
    for (prefix, resource) in &site.not_found {
        let file = file_for(out, prefix)?.with_file_name("404.html");
        write_resource(&file, resource, &mut summary)?;
    }
    let mut redirects: Vec<_> = site.redirects.iter().collect();
    redirects.sort();
    for (from, to) in redirects {
        let html = RedirectPage { to }.render().map_err(io::Error::other)?;
        write(&file_for(out, from)?, html.as_bytes(), &mut summary)?;
    }
    for (name, text) in [
        (cdn::HEADERS_FILE, cdn::headers_file(site)),
        (cdn::REDIRECTS_FILE, cdn::redirects_file(site)),
        (nginx::FILE_NAME, nginx::config(site)),
    ] {
        write(&out.join(name), text.as_bytes(), &mut summary)?;
    }
    Ok(summary)
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

fn write_resource(file: &Path, resource: &Resource, summary: &mut ExportSummary) -> io::Result<()> {
    write(file, &resource.identity, summary)?;
    if let Some(gzip) = &resource.gzip {
        write(&append_extension(file, "gz"), gzip, summary)?;
    }
    if let Some(brotli) = &resource.brotli {
        write(&append_extension(file, "br"), brotli, summary)?;
    }
    Ok(())
}

fn append_extension(file: &Path, extension: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

fn write(file: &Path, bytes: &[u8], summary: &mut ExportSummary) -> io::Result<()> {
    if let Some(parent) = file.parent() {
        fs::create_dir_all(parent)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", parent.display())))?;
    }
    fs::write(file, bytes)
        .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", file.display())))?;
    summary.files += 1;
    summary.bytes += bytes.len() as u64;
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
