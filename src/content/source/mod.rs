//! Where content files come from: a folder on disk (`--content DIR`, read by `folder`
//! through a [`FileCache`]) or the content tree embedded in the binary at build time.
//! Both give the same list of [`SourceFile`]s, so the loader never knows which it reads.

mod file_cache;
mod folder;
mod walk;

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rust_embed::RustEmbed;

pub use file_cache::FileCache;
pub use folder::read_dir_reusing;

/// One file of a content tree.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path relative to the content folder, with `/` separators (`offices/belgrade.md`).
    pub path: String,
    /// Shared with the [`FileCache`] that may hand the same bytes to the next read.
    pub bytes: Arc<[u8]>,
    /// The file on disk the bytes were read from (a link's target), to read them again
    /// ([`SourceFile::read_again`]); `None` for the embedded tree.
    pub on_disk: Option<PathBuf>,
}

impl SourceFile {
    /// The file's bytes read again from disk, or `None` when it is not on disk or can no
    /// longer be read. They may differ from [`SourceFile::bytes`] if it changed since.
    pub fn read_again(on_disk: &Path) -> Option<Arc<[u8]>> {
        folder::read_unlinked(on_disk).ok().map(|(bytes, _)| bytes)
    }
}

#[derive(RustEmbed)]
#[folder = "content/"]
struct EmbeddedContent;

/// The content tree compiled into this binary.
pub fn embedded() -> Vec<SourceFile> {
    let mut files: Vec<SourceFile> = EmbeddedContent::iter()
        .filter(|path| !is_ignored(path))
        .filter_map(|path| {
            EmbeddedContent::get(&path).map(|file| SourceFile {
                path: path.to_string(),
                bytes: file.data.into_owned().into(),
                on_disk: None,
            })
        })
        .collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Every file under `dir`, sorted by path. Hidden files and editors' backup and swap files
/// are skipped.
///
/// The folder is a jail: a symbolic link (to a file or a folder) is followed only when
/// its target lies inside `dir`; one that leads out, or into a loop, is refused, and the
/// whole read fails naming every such link and its target, so nothing from outside the
/// content folder is ever read, let alone served.
pub fn read_dir(dir: &Path) -> io::Result<Vec<SourceFile>> {
    read_dir_reusing(dir, &mut FileCache::default())
}

/// Hidden files and folders, and editors' temporary files (`x.md~`, `.x.md.swp`, `#x.md#`).
pub fn is_ignored(path: &str) -> bool {
    path.split('/').any(|part| {
        part.starts_with('.')
            || part.starts_with('#')
            || part.ends_with('~')
            || part.ends_with(".swp")
    })
}

/// Where to read a content tree from.
#[derive(Clone, Debug)]
pub enum Source {
    /// The tree compiled into the binary.
    Embedded,
    /// A folder on disk.
    Dir(std::path::PathBuf),
}

impl Source {
    /// Every file of the tree. A folder that cannot be read is an error about its path.
    pub fn files(&self) -> io::Result<Vec<SourceFile>> {
        self.files_reusing(&mut FileCache::default())
    }

    /// [`Source::files`], through `cache` ([`read_dir_reusing`]).
    pub fn files_reusing(&self, cache: &mut FileCache) -> io::Result<Vec<SourceFile>> {
        match self {
            Source::Embedded => Ok(embedded()),
            Source::Dir(dir) => read_dir_reusing(dir, cache),
        }
    }

    /// How the tree is named in messages.
    pub fn describe(&self) -> String {
        match self {
            Source::Embedded => "the embedded content".to_owned(),
            Source::Dir(dir) => dir.display().to_string(),
        }
    }
}
