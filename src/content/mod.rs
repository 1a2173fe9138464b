//! The content model and its loader: from the files of a content tree to a typed,
//! validated, cross-linked [`Site`]. Knows nothing of rendering or HTTP.
//!
//! - [`source`]: where the files come from (a folder, or the tree embedded in the binary);
//! - [`file_name`]: what a file's path says (section, language, date, slug);
//! - [`front_matter`]: the `+++` block and its TOML, with every field's position;
//! - `toml_errors`: TOML and serde errors in an editor's words, with the fix;
//! - [`suggest`]: "did you mean", the nearest known name to a mistyped one;
//! - [`date`]: what a date in front matter means;
//! - [`urls`]: path safety, language prefixes, pagination, fixed routes;
//! - [`i18n`]: the interface text of each language;
//! - [`page`] and [`site`]: the typed result;
//! - `load`: the loading stages, one file each, and [`LoadCache`], what they made of each
//!   file kept for the next load of the same tree.
//!
//! Pages refer to each other by *key*, the content path of the default-language file
//! (`offices/belgrade.md`), never by reference.

pub(crate) mod date;
pub(crate) mod file_name;
pub(crate) mod front_matter;
pub(crate) mod i18n;
mod load;
pub mod page;
pub mod site;
pub mod source;
pub(crate) mod suggest;
mod toml_errors;
pub(crate) mod urls;

pub use date::PageDate;
pub use i18n::UiStrings;
pub use load::LoadCache;
pub use page::{Language, Page, PageKind, Section};
pub use site::{LoadOptions, Site, sort_for_listing};
pub use source::SourceFile;

use crate::diagnostic::Diagnostic;

impl Site {
    /// Builds the site from `files`. On any error, returns every diagnostic found (errors
    /// and warnings), sorted by file and position.
    pub fn load(files: Vec<SourceFile>, options: &LoadOptions) -> Result<Site, Vec<Diagnostic>> {
        load::load(files, options, None)
    }

    /// [`Site::load`], re-doing the work of each page file only where its bytes (or what
    /// its body's links point to) changed since an earlier load with `cache`, which it
    /// updates; the result and the diagnostics are those of [`Site::load`]. Made for
    /// rebuilds of one tree (`serve --watch`).
    pub fn load_cached(
        files: Vec<SourceFile>,
        options: &LoadOptions,
        cache: &mut LoadCache,
    ) -> Result<Site, Vec<Diagnostic>> {
        load::load(files, options, Some(cache))
    }
}
