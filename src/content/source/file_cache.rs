//! What the last read of a content folder found, for the next read (`serve --watch`):
//! each file's bytes with its stamp (identity, size and times), trusted only once the
//! file has been left alone for a while, and what the watcher says changed since.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use foldhash::HashMap;

/// Files of a content folder: `(content path, file to read)` of each.
pub(super) type Listing = Vec<(String, PathBuf)>;

/// What the last read of a folder found: the bytes of each file whose stamp it could
/// trust, by content path, and, while a watcher reports changes, the list of files.
#[derive(Default)]
pub struct FileCache {
    pub(super) files: HashMap<String, (FileStamp, Arc<[u8]>)>,
    /// The last read's files sorted by path, when it found no link
    /// (`folder::Walked::links`).
    pub(super) listing: Option<Listing>,
    /// The paths the watcher named since the last read (a read that fails before it
    /// looks keeps them); `None` when anything may have changed (no watcher, its start,
    /// lost events, a read that failed while walking or reading): the next read walks the
    /// whole folder.
    pub(super) changed: Option<Vec<PathBuf>>,
    /// Whether a watcher reports every change ([`FileCache::begin_watching`]).
    pub(super) watched: bool,
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
pub(super) struct FileStamp {
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
pub(super) const SETTLED: Duration = Duration::from_secs(2);

impl FileStamp {
    /// The stamp of `file` now (following links); `None` where it cannot be had.
    #[cfg(unix)]
    pub(super) fn of(file: &Path) -> Option<FileStamp> {
        FileStamp::from_metadata(&std::fs::metadata(file).ok()?)
    }

    /// The stamp in `metadata`, the file system's answer for one file.
    #[cfg(unix)]
    pub(super) fn from_metadata(metadata: &std::fs::Metadata) -> Option<FileStamp> {
        use std::os::unix::fs::MetadataExt;
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
    pub(super) fn of(_file: &Path) -> Option<FileStamp> {
        None
    }

    #[cfg(not(unix))]
    pub(super) fn from_metadata(_metadata: &std::fs::Metadata) -> Option<FileStamp> {
        None
    }

    /// Whether the file had been left alone for [`SETTLED`] at `taken`, a moment before
    /// the stamp was taken.
    pub(super) fn is_settled(&self, taken: SystemTime) -> bool {
        let last = self.modified.max(self.changed);
        taken
            .duration_since(last)
            .is_ok_and(|quiet| quiet >= SETTLED)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::source::{SourceFile, read_dir, read_dir_reusing};

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
}
