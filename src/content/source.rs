//! Where content files come from: a folder on disk (`--content DIR`) or the content tree
//! embedded in the binary at build time. Both give the same list of [`SourceFile`]s, so
//! the loader never knows which it reads. A [`FileCache`] lets a re-read of the same
//! folder (`serve --watch`) skip the files that have not changed since.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use rayon::prelude::*;
use rust_embed::RustEmbed;

/// One file of a content tree.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path relative to the content folder, with `/` separators (`offices/belgrade.md`).
    pub path: String,
    /// Shared with the [`FileCache`] that may hand the same bytes to the next read.
    pub bytes: Arc<[u8]>,
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

/// [`read_dir`], taking the bytes of each file that has not changed since `cache` saw it
/// from there instead of reading it again; `cache` is left holding what this read found.
///
/// When the watcher has told `cache` which paths changed since its last read
/// ([`FileCache::note_changed`]), only those are looked at again: the rest of the tree is
/// taken as that read found it, without a walk or a `stat` per file.
pub fn read_dir_reusing(dir: &Path, cache: &mut FileCache) -> io::Result<Vec<SourceFile>> {
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
    let (changed, listing) = (cache.changed.take(), cache.listing.take());
    let relisted = match (changed, listing) {
        (Some(changed), Some(listing)) => relist(dir, &root, listing, &changed)?,
        _ => None,
    };
    let (found, looked_at, links) = match relisted {
        Some((found, looked_at)) => (found, Some(looked_at), false),
        None => {
            let walked = walk(dir, &root, dir)?;
            (walked.files, None, walked.links)
        }
    };
    cache.listing = (!links).then(|| found.clone());
    let known = std::mem::take(&mut cache.files);
    let now = SystemTime::now();
    let mut read = found
        .into_par_iter()
        .map(|(path, file)| {
            let trusted = looked_at
                .as_ref()
                .is_some_and(|paths| !paths.contains(&path));
            if trusted && let Some((stamp, bytes)) = known.get(&path) {
                return Ok((
                    SourceFile {
                        path,
                        bytes: bytes.clone(),
                    },
                    Some(*stamp),
                ));
            }
            let stamp = FileStamp::of(&file);
            let bytes = match (stamp, known.get(&path)) {
                (Some(current), Some((seen, bytes))) if current == *seen => bytes.clone(),
                _ => read_unlinked(&file)
                    .map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?
                    .into(),
            };
            Ok((
                SourceFile { path, bytes },
                stamp.filter(|stamp| stamp.is_settled(now)),
            ))
        })
        .collect::<io::Result<Vec<_>>>()
        .inspect_err(|_| cache.listing = None)?;
    read.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    cache.files = HashMap::with_capacity(read.len());
    cache
        .files
        .extend(read.iter().filter_map(|(file, stamp)| {
            Some((file.path.clone(), ((*stamp)?, file.bytes.clone())))
        }));
    cache.changed = cache.watched.then(Vec::new);
    Ok(read.into_iter().map(|(file, _)| file).collect())
}

/// What a walk of the content folder found.
struct Walked {
    /// `(content path, file to read)` of each file, in the walk's order.
    files: Vec<(String, PathBuf)>,
    /// Whether a link was followed: then a change to its target is named by the watcher
    /// at the target's path, not the link's, and only a whole walk sees it.
    links: bool,
}

/// Every file at or under `start` (inside `dir`, whose canonical path is `root`).
///
/// The folder is a jail: a symbolic link (to a file or a folder) is followed only when
/// its target lies inside `dir`; one that leads out, or into a loop, is refused, and the
/// walk fails naming every such link and its target.
fn walk(dir: &Path, root: &Path, start: &Path) -> io::Result<Walked> {
    let mut walked = Walked {
        files: Vec::new(),
        links: false,
    };
    let mut refused = Vec::new();
    let mut entries = walkdir::WalkDir::new(start).follow_links(true).into_iter();
    while let Some(entry) = entries.next() {
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
                entries.skip_current_dir();
            }
            continue;
        }
        // A path without a link in it stays inside: only a link's target needs checking
        // (a folder reached through a link was checked as that link's entry), and a
        // linked file is read at its target.
        let file = if entry.path_is_symlink() {
            // The content folder itself may be a link: the watcher names paths under it.
            walked.links |= entry.depth() > 0 || start != dir;
            let target = entry.path().canonicalize()?;
            if !target.starts_with(root) {
                refused.push(format!(
                    "{relative} links to {}, outside the content folder: links may only point inside it",
                    target.display()
                ));
                if entry.file_type().is_dir() {
                    entries.skip_current_dir();
                }
                continue;
            }
            target
        } else {
            entry.path().to_owned()
        };
        if entry.file_type().is_file() {
            walked.files.push((relative, file));
        }
    }
    if !refused.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            refused.join("\n"),
        ));
    }
    Ok(walked)
}

/// `listing` (a walk of `dir` without links) brought up to date by walking again only the
/// `changed` paths, with the content paths of the files that walk found. `None` when only
/// a whole walk will do: a path outside `dir` or the folder itself, or a link found.
#[allow(clippy::type_complexity)]
fn relist(
    dir: &Path,
    root: &Path,
    mut listing: Vec<(String, PathBuf)>,
    changed: &[PathBuf],
) -> io::Result<Option<(Vec<(String, PathBuf)>, HashSet<String>)>> {
    let mut looked_at = HashSet::new();
    let absolute = std::path::absolute(dir)?;
    let mut relative_paths = Vec::with_capacity(changed.len());
    for path in changed {
        // The watcher names paths below the folder as it was given, or made absolute.
        let below = path
            .strip_prefix(dir)
            .or_else(|_| path.strip_prefix(&absolute));
        let Ok(below) = below else {
            return Ok(None);
        };
        let plain = below
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if below.as_os_str().is_empty() || !plain {
            return Ok(None);
        }
        let path = dir.join(below);
        let relative = relative_to(dir, &path);
        if !is_ignored(&relative) {
            relative_paths.push((relative, path));
        }
    }
    let is_under = |file: &str, changed: &str| {
        file.strip_prefix(changed)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    listing.retain(|(file, _)| {
        !relative_paths
            .iter()
            .any(|(changed, _)| is_under(file, changed))
    });
    for (_, path) in &relative_paths {
        if std::fs::symlink_metadata(path).is_err() {
            continue;
        }
        let walked = walk(dir, root, path)?;
        if walked.links {
            return Ok(None);
        }
        for (file, at) in walked.files {
            if looked_at.insert(file.clone()) {
                listing.push((file, at));
            }
        }
    }
    listing.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Some((listing, looked_at)))
}

/// What the last read of a folder found: the bytes of each file whose stamp it could
/// trust, by content path, and, while a watcher reports changes, the list of files.
#[derive(Default)]
pub struct FileCache {
    files: HashMap<String, (FileStamp, Arc<[u8]>)>,
    /// The last read's files, `(content path, file to read)` sorted by path, when it
    /// found no link ([`Walked::links`]).
    listing: Option<Vec<(String, PathBuf)>>,
    /// The paths the watcher named since the last read; `None` when anything may have
    /// changed (no watcher, its start, lost events, a failed read): the next read walks
    /// the whole folder.
    changed: Option<Vec<PathBuf>>,
    /// Whether a watcher reports every change ([`FileCache::begin_watching`]).
    watched: bool,
}

impl FileCache {
    /// Tells the cache that from now on a watcher names every change to the folder
    /// ([`FileCache::note_changed`]). The next read still walks the whole folder, for the
    /// changes made before the watch began.
    pub fn begin_watching(&mut self) {
        self.watched = true;
        self.changed = None;
    }

    /// Tells the next read that, since the last one, nothing changed but `paths` (files or
    /// folders, as the watcher names them: the content folder joined with the path).
    pub fn note_changed(&mut self, paths: impl IntoIterator<Item = PathBuf>) {
        if let Some(changed) = &mut self.changed {
            changed.extend(paths);
        }
    }

    /// Tells the next read that anything may have changed: it walks the whole folder.
    pub fn note_anything_changed(&mut self) {
        self.changed = None;
    }
}

/// What the file system says of a file's identity and last change. Equal stamps mean the
/// same bytes, provided the first was taken when the file had not changed for a while:
/// [`FileStamp::is_settled`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct FileStamp {
    device: u64,
    inode: u64,
    len: u64,
    modified: SystemTime,
    /// When the inode last changed (written, renamed onto, its times set): no tool can
    /// set it back, so a file written and dated back with `touch -d` is read again.
    changed: SystemTime,
}

/// How long a file must have been left alone before its stamp is trusted: longer than
/// the coarsest clock of a file system (FAT and some network mounts count in seconds),
/// so that a second write in the same tick as the first cannot look unchanged.
const SETTLED: Duration = Duration::from_secs(2);

impl FileStamp {
    /// The stamp of `file` now (following links); `None` where it cannot be had.
    #[cfg(unix)]
    fn of(file: &Path) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
        let metadata = std::fs::metadata(file).ok()?;
        let changed = SystemTime::UNIX_EPOCH.checked_add(Duration::new(
            u64::try_from(metadata.ctime()).ok()?,
            u32::try_from(metadata.ctime_nsec()).ok()?,
        ))?;
        Some(FileStamp {
            device: metadata.dev(),
            inode: metadata.ino(),
            len: metadata.len(),
            modified: metadata.modified().ok()?,
            changed,
        })
    }

    /// Elsewhere every file is read every time.
    #[cfg(not(unix))]
    fn of(_file: &Path) -> Option<FileStamp> {
        None
    }

    /// Whether the file had been left alone for [`SETTLED`] at `taken`, a moment before
    /// the stamp was taken.
    fn is_settled(&self, taken: SystemTime) -> bool {
        let last = self.modified.max(self.changed);
        taken
            .duration_since(last)
            .is_ok_and(|quiet| quiet >= SETTLED)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes_of<'a>(files: &'a [SourceFile], path: &str) -> &'a Arc<[u8]> {
        let file = files.iter().find(|f| f.path == path);
        &file.unwrap_or_else(|| panic!("{path} was read")).bytes
    }

    #[test]
    fn the_file_cache_hands_on_only_files_left_alone_since() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
        write("site.toml", "");
        write("a.md", "first");
        write("b.md", "other");
        std::thread::sleep(SETTLED + Duration::from_millis(100));
        write("fresh.md", "fresh");
        let mut cache = FileCache::default();
        let first = read_dir_reusing(dir.path(), &mut cache).unwrap();
        assert!(cache.files.contains_key("a.md"));
        assert!(
            !cache.files.contains_key("fresh.md"),
            "a file written a moment ago may change again within its clock's tick"
        );

        let second = read_dir_reusing(dir.path(), &mut cache).unwrap();
        assert!(Arc::ptr_eq(
            bytes_of(&first, "a.md"),
            bytes_of(&second, "a.md")
        ));
        assert!(!Arc::ptr_eq(
            bytes_of(&first, "fresh.md"),
            bytes_of(&second, "fresh.md")
        ));

        // The same length, and its modification time set back: its change time gives it
        // away. A deleted file leaves the cache.
        let a = dir.path().join("a.md");
        let modified = std::fs::metadata(&a).unwrap().modified().unwrap();
        write("a.md", "again");
        std::fs::File::options()
            .write(true)
            .open(&a)
            .unwrap()
            .set_modified(modified)
            .unwrap();
        std::fs::remove_file(dir.path().join("b.md")).unwrap();
        let third = read_dir_reusing(dir.path(), &mut cache).unwrap();
        assert_eq!(&**bytes_of(&third, "a.md"), b"again");
        assert!(third.iter().all(|f| f.path != "b.md"));
        assert!(!cache.files.contains_key("b.md"));
        assert_eq!(read_dir(dir.path()).unwrap().len(), third.len());
    }

    /// The paths and bytes of `files`, to compare two reads.
    fn contents(files: &[SourceFile]) -> Vec<(String, Vec<u8>)> {
        let contents = files.iter().map(|f| (f.path.clone(), f.bytes.to_vec()));
        contents.collect()
    }

    #[test]
    fn a_read_told_what_changed_finds_what_a_whole_walk_finds() {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        let write = |name: &str, text: &str| std::fs::write(at(name), text).unwrap();
        write("site.toml", "");
        write("a.md", "first");
        write("b.md", "other");
        std::fs::create_dir(at("news")).unwrap();
        write("news/one.md", "one");
        std::thread::sleep(SETTLED + Duration::from_millis(100));
        let mut cache = FileCache::default();
        cache.begin_watching();
        read_dir_reusing(dir.path(), &mut cache).unwrap();

        // A file changed without the watcher saying so is taken as it was: what is not
        // named is not looked at.
        write("b.md", "edited");
        cache.note_changed([]);
        let unnamed = read_dir_reusing(dir.path(), &mut cache).unwrap();
        assert_eq!(&**bytes_of(&unnamed, "b.md"), b"other");

        // Named files, folders made, renamed and deleted, and paths given absolute, as
        // the watcher gives them: each read equals a whole walk.
        let absolute = std::path::absolute(dir.path()).unwrap();
        let steps: [(&dyn Fn(), Vec<PathBuf>); 5] = [
            (&|| (), vec![at("b.md")]),
            (
                &|| {
                    std::fs::create_dir_all(at("news/2020")).unwrap();
                    write("news/2020/two.md", "two");
                    write("news/.two.md.swp", "swap");
                },
                vec![at("news/2020"), at("news/.two.md.swp")],
            ),
            (
                &|| std::fs::rename(at("news"), at("updates")).unwrap(),
                vec![absolute.join("news"), absolute.join("updates")],
            ),
            (
                &|| {
                    std::fs::remove_file(at("a.md")).unwrap();
                    write("c.md", "new");
                },
                vec![at("a.md"), at("c.md"), at("c.md")],
            ),
            (&|| (), vec![dir.path().to_owned()]),
        ];
        for (change, named) in steps {
            change();
            cache.note_changed(named);
            let told = read_dir_reusing(dir.path(), &mut cache).unwrap();
            assert_eq!(contents(&told), contents(&read_dir(dir.path()).unwrap()));
        }

        // Once anything may have changed, or where a link is followed (whose target the
        // watcher names, not the link), the whole folder is looked at.
        write("c.md", "changed");
        cache.note_anything_changed();
        let walked = read_dir_reusing(dir.path(), &mut cache).unwrap();
        assert_eq!(&**bytes_of(&walked, "c.md"), b"changed");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(at("c.md"), at("linked.md")).unwrap();
            cache.note_changed([at("linked.md")]);
            read_dir_reusing(dir.path(), &mut cache).unwrap();
            write("c.md", "through the link");
            cache.note_changed([]);
            let linked = read_dir_reusing(dir.path(), &mut cache).unwrap();
            assert_eq!(&**bytes_of(&linked, "linked.md"), b"through the link");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_content_folder_that_is_a_link_is_still_read_by_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        std::fs::create_dir(&content).unwrap();
        std::fs::write(content.join("site.toml"), "").unwrap();
        std::fs::write(content.join("a.md"), "first").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&content, &link).unwrap();
        std::thread::sleep(SETTLED + Duration::from_millis(100));
        let mut cache = FileCache::default();
        cache.begin_watching();
        read_dir_reusing(&link, &mut cache).unwrap();
        assert!(
            cache.listing.is_some(),
            "the folder's own link is no link inside it"
        );
        std::fs::write(content.join("b.md"), "new").unwrap();
        cache.note_changed([link.join("b.md")]);
        let told = read_dir_reusing(&link, &mut cache).unwrap();
        assert_eq!(contents(&told), contents(&read_dir(&link).unwrap()));
    }
}
