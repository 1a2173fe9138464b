//! Listing a content folder on disk: the walk, which follows links only inside the
//! folder, and, when the watcher names what changed, a listing brought up to date by
//! walking those paths alone. What is listed is read by `folder`.

use std::io;
use std::path::{Component, Path, PathBuf};

use foldhash::{HashSet, HashSetExt};

use super::file_cache::Listing;
use super::is_ignored;

/// What a walk of the content folder found.
pub(super) struct Walked {
    /// Every file, in the walk's order.
    pub(super) files: Listing,
    /// Whether a link was followed: then a change to its target is named by the watcher
    /// at the target's path, not the link's, and only a whole walk sees it.
    pub(super) links: bool,
}

/// Every file at or under `start` (inside `dir`, whose canonical path is `root`).
///
/// The folder is a jail: a symbolic link (to a file or a folder) is followed only when
/// its target lies inside `dir`; one that leads out, or into a loop, is refused, and the
/// walk fails naming every such link and its target.
pub(super) fn walk(dir: &Path, root: &Path, start: &Path) -> io::Result<Walked> {
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
pub(super) fn relist(
    dir: &Path,
    root: &Path,
    mut listing: Listing,
    changed: &[PathBuf],
) -> io::Result<Option<(Listing, HashSet<String>)>> {
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

/// `path` below `dir` as a content path with `/` separators.
fn relative_to(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
