//! Reading a content folder on disk: the files `walk` lists, each read whole, through a
//! [`FileCache`], which lets a re-read of the same folder (`serve --watch`) skip the
//! files that have not changed since, or, when the watcher names what changed, look at
//! those paths alone.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use foldhash::{HashMap, HashMapExt};
use rayon::prelude::*;

use super::SourceFile;
use super::file_cache::{FileCache, FileStamp};
use super::walk::{relist, walk};

/// [`read_dir`](super::read_dir), taking the bytes of each file that has not changed
/// since `cache` saw it from there instead of reading it again; `cache` is left holding
/// what this read found.
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
    let known = std::mem::take(&mut cache.files);
    let now = SystemTime::now();
    let read_all = || {
        found
            .par_iter()
            .map(|(path, file)| {
                let trusted = looked_at
                    .as_ref()
                    .is_some_and(|paths| !paths.contains(path));
                read_or_reuse(path, file, trusted, &known, now)
            })
            .collect::<io::Result<Vec<_>>>()
    };
    // A first read reads every file; a later one (under --watch) only the few that changed.
    let mut read = if known.is_empty() {
        in_reading_pool(read_all)?
    } else {
        read_all()?
    };
    cache.listing = (!links).then_some(found);
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

/// The file at `path` (relative) and `file` (on disk), with its stamp when it can be
/// trusted: taken from `known` as it is when `trusted` (the watcher saw no change) or when
/// its stamp is the one `known` holds, else read afresh.
fn read_or_reuse(
    path: &str,
    file: &Path,
    trusted: bool,
    known: &HashMap<String, (FileStamp, Arc<[u8]>)>,
    now: SystemTime,
) -> io::Result<(SourceFile, Option<FileStamp>)> {
    let source = |bytes| SourceFile {
        path: path.to_owned(),
        bytes,
        on_disk: Some(file.to_owned()),
    };
    if trusted && let Some((stamp, bytes)) = known.get(path) {
        return Ok((source(bytes.clone()), Some(*stamp)));
    }
    let unchanged = known.get(path).and_then(|(seen, bytes)| {
        let current = FileStamp::of(file)?;
        (current == *seen).then(|| (current, bytes.clone()))
    });
    let (bytes, stamp) = match unchanged {
        Some((stamp, bytes)) => (bytes, Some(stamp)),
        None => {
            read_unlinked(file).map_err(|e| io::Error::new(e.kind(), format!("{path}: {e}")))?
        }
    };
    Ok((source(bytes), stamp.filter(|stamp| stamp.is_settled(now))))
}

/// Runs `read` in a pool of [`READING_THREADS`] threads, more than there are cores: a
/// file that is not in the page cache keeps its thread waiting on the disk, and the other
/// threads go on reading meanwhile. The pool ends with the read, so that the memory its
/// threads allocated is not held by threads that sleep (the files are freed later, by
/// other threads). In the default pool when that one cannot be made.
fn in_reading_pool<T: Send>(read: impl FnOnce() -> T + Send) -> T {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(READING_THREADS)
        .thread_name(|i| format!("wbt-read-{i}"))
        .build();
    match pool {
        Ok(pool) => pool.install(read),
        Err(_) => read(),
    }
}

/// How many files are read at once.
const READING_THREADS: usize = 16;

/// The bytes of `file`, with its stamp as they were read, refusing it if it has become a
/// link since the folder was walked (its links were checked then). Reads into a buffer
/// of the size the open file gives, with no copy after: the bytes of a whole tree are
/// held once, not twice while each is copied.
pub(super) fn read_unlinked(file: &Path) -> io::Result<(Arc<[u8]>, Option<FileStamp>)> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    let mut opened = options.open(file)?;
    let metadata = opened.metadata()?;
    let stamp = FileStamp::from_metadata(&metadata);
    let expected = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
    let mut bytes: Arc<[u8]> = std::iter::repeat_n(0, expected).collect();
    let filled = match Arc::get_mut(&mut bytes) {
        Some(buffer) => fill(&mut opened, buffer)?,
        None => 0,
    };
    let mut more = [0; 1];
    let grew = loop {
        match opened.read(&mut more) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            read => break read? > 0,
        }
    };
    if filled == expected && !grew {
        return Ok((bytes, stamp));
    }
    // The file changed while it was read: take what it holds now, with no stamp to trust.
    let mut all = bytes[..filled].to_vec();
    if grew {
        all.extend_from_slice(&more);
        opened.read_to_end(&mut all)?;
    }
    Ok((all.into(), None))
}

/// Reads from `file` until `buffer` is full or the file ends; how many bytes it read.
fn fill(file: &mut std::fs::File, buffer: &mut [u8]) -> io::Result<usize> {
    use std::io::Read;
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(read) => filled += read,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use std::path::PathBuf;

    use super::*;
    use crate::content::source::file_cache::SETTLED;
    use crate::content::source::read_dir;

    fn bytes_of<'a>(files: &'a [SourceFile], path: &str) -> &'a Arc<[u8]> {
        let file = files.iter().find(|f| f.path == path);
        &file.unwrap_or_else(|| panic!("{path} was read")).bytes
    }

    /// The paths and bytes of `files`, to compare two reads.
    fn contents(files: &[SourceFile]) -> Vec<(String, Vec<u8>)> {
        let contents = files.iter().map(|f| (f.path.clone(), f.bytes.to_vec()));
        contents.collect()
    }

    #[test]
    fn a_file_is_read_whole_whatever_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let sizes = [0, 1, 4095, 4096, 4097, 200_000, 3_000_001];
        for size in sizes {
            let file = dir.path().join(format!("{size}.md"));
            let bytes: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            std::fs::write(&file, &bytes).unwrap();
            let (read, stamp) = read_unlinked(&file).unwrap();
            assert_eq!(&*read, &bytes[..], "{size} bytes");
            assert_eq!(stamp, FileStamp::of(&file), "{size} bytes");
        }
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
