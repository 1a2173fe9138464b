//! Where content files come from: a folder on disk (`--content DIR`) or the content tree
//! embedded in the binary at build time. Both give the same list of [`SourceFile`]s, so
//! the loader never knows which it reads.

use std::io;
use std::path::Path;

use rayon::prelude::*;
use rust_embed::RustEmbed;

/// One file of a content tree.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path relative to the content folder, with `/` separators (`offices/belgrade.md`).
    pub path: String,
    pub bytes: Vec<u8>,
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
                bytes: file.data.into_owned(),
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
    if !dir.join("site.toml").is_file() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!(
                "{} is not a content folder: it has no site.toml",
                dir.display()
            ),
        ));
    }
    let root = dir.canonicalize()?;
    let mut found = Vec::new();
    let mut refused = Vec::new();
    let mut walk = walkdir::WalkDir::new(dir).follow_links(true).into_iter();
    while let Some(entry) = walk.next() {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => {
                let at = error.path().map_or(String::new(), |p| relative_to(dir, p));
                refused.push(match error.loop_ancestor() {
                    Some(ancestor) => format!(
                        "{at}: a link that loops back to {}: remove it",
                        ancestor.display()
                    ),
                    None => format!("{at}: {error}"),
                });
                continue;
            }
        };
        let relative = relative_to(dir, entry.path());
        if is_ignored(&relative) {
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
            continue;
        }
        // A path without a link in it stays inside: only a link's target needs checking
        // (a folder reached through a link was checked as that link's entry), and a
        // linked file is read at its target.
        let file = if entry.path_is_symlink() {
            let target = entry.path().canonicalize()?;
            if !target.starts_with(&root) {
                refused.push(format!(
                    "{relative} links to {}, outside the content folder: links may only point inside it",
                    target.display()
                ));
                if entry.file_type().is_dir() {
                    walk.skip_current_dir();
                }
                continue;
            }
            target
        } else {
            entry.path().to_owned()
        };
        if entry.file_type().is_file() {
            found.push((relative, file));
        }
    }
    if !refused.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            refused.join("\n"),
        ));
    }
    let mut files = found
        .into_par_iter()
        .map(|(path, file)| {
            let bytes = read_unlinked(&file)
                .map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?;
            Ok(SourceFile { path, bytes })
        })
        .collect::<io::Result<Vec<_>>>()?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// The bytes of `file`, refusing it if it has become a link since the folder was walked
/// (its links were checked then).
fn read_unlinked(file: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let mut bytes = Vec::new();
    options.open(file)?.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `path` below `dir` as a content path with `/` separators.
fn relative_to(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
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
        match self {
            Source::Embedded => Ok(embedded()),
            Source::Dir(dir) => read_dir(dir),
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
