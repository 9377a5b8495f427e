//! Files that appear whole or not at all.
//!
//! Every file citygrid writes (units, reports, exports, tile archives) is written
//! to a temporary file beside its destination (same folder, so same file system),
//! flushed to disk, and renamed over it only when complete: a failure or an
//! interruption half-way never leaves a truncated GeoPackage, GeoJSON or archive
//! where QGIS or a colleague would open it, and the file it replaces stays as it was
//! until then. The temporary file is removed when writing fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::{IoError, Result};

/// Numbers the temporary files of one process, so concurrent writers (threads,
/// tests) never share one.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A destination reserved for writing: write the file at [`Pending::path`], then
/// [`Pending::commit`] it. Dropped without a commit, it removes what was written.
#[derive(Debug)]
pub struct Pending {
    temp: PathBuf,
    dest: PathBuf,
    replace: bool,
    committed: bool,
}

impl Pending {
    /// Reserves `dest`. Checks up front what would make the rename fail, so a
    /// long export does not run only to be refused at the end.
    ///
    /// # Errors
    /// [`IoError::Exists`] when `dest` exists and `replace` is false;
    /// [`IoError::Write`] when `dest` is a folder or its folder does not exist.
    pub fn new(dest: &Path, replace: bool) -> Result<Self> {
        let fail = |kind: std::io::ErrorKind, message: String| IoError::Write {
            path: dest.to_path_buf(),
            source: std::io::Error::new(kind, message),
        };
        let Some(name) = dest.file_name() else {
            return Err(fail(
                std::io::ErrorKind::InvalidInput,
                "not a file name".into(),
            ));
        };
        if dest.is_dir() {
            return Err(fail(
                std::io::ErrorKind::IsADirectory,
                "is a folder; give a file name".into(),
            ));
        }
        let folder = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        if !folder.is_dir() {
            return Err(fail(
                std::io::ErrorKind::NotFound,
                format!("the folder {} does not exist", folder.display()),
            ));
        }
        if dest.exists() && !replace {
            return Err(IoError::Exists {
                path: dest.to_path_buf(),
            });
        }
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let temp = folder.join(format!(
            ".{}.{}-{n}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        Ok(Pending {
            temp,
            dest: dest.to_path_buf(),
            replace,
            committed: false,
        })
    }

    /// Where to write now: a hidden file beside the destination.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// The file this will become.
    #[must_use]
    pub fn destination(&self) -> &Path {
        &self.dest
    }

    /// Writes `bytes` to the temporary file.
    ///
    /// # Errors
    /// [`IoError::Write`] naming the destination.
    pub fn write_all(&self, bytes: &[u8]) -> Result<()> {
        let written = std::fs::File::create(&self.temp).and_then(|mut f| f.write_all(bytes));
        written.map_err(|source| self.write_error(source))
    }

    /// Flushes the finished file to disk and moves it into place (flushed first,
    /// so that a crash right after the rename cannot leave a file that is only
    /// partly on disk).
    ///
    /// # Errors
    /// [`IoError::Exists`] when the destination appeared meanwhile and may not be
    /// replaced; [`IoError::Write`] when nothing was written, or the flush or the
    /// rename fails.
    pub fn commit(mut self) -> Result<()> {
        if !self.replace && self.dest.exists() {
            return Err(IoError::Exists {
                path: self.dest.clone(),
            });
        }
        std::fs::OpenOptions::new()
            .write(true)
            .open(&self.temp)
            .and_then(|f| f.sync_all())
            .map_err(|source| self.write_error(source))?;
        std::fs::rename(&self.temp, &self.dest).map_err(|source| self.write_error(source))?;
        self.committed = true;
        Ok(())
    }

    fn write_error(&self, source: std::io::Error) -> IoError {
        IoError::Write {
            path: self.dest.clone(),
            source,
        }
    }
}

/// Writes `bytes` to `dest` whole, replacing what was there only once they are all
/// on disk (see [`Pending`]).
///
/// # Errors
/// [`IoError::Write`] naming `dest` when its folder does not exist, it is a folder,
/// or writing fails; nothing is left behind then, and an old `dest` is kept.
pub fn replace_file(dest: &Path, bytes: &[u8]) -> Result<()> {
    let pending = Pending::new(dest, true)?;
    pending.write_all(bytes)?;
    pending.commit()
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.committed {
            // Nothing to do if it was never created; nothing more to do if the
            // removal fails (the name is hidden and unique).
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("citygrid-atomic-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_committed_file_appears_whole_and_leaves_no_temporary() {
        let dir = folder("commit");
        let dest = dir.join("out.geojson");
        let p = Pending::new(&dest, false).unwrap();
        p.write_all(b"{}").unwrap();
        assert!(!dest.exists());
        p.commit().unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"{}");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn a_dropped_file_leaves_nothing() {
        let dir = folder("drop");
        let p = Pending::new(&dir.join("out.gpkg"), false).unwrap();
        p.write_all(b"half").unwrap();
        assert!(p.path().exists());
        drop(p);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }

    #[test]
    fn an_existing_file_is_kept_unless_replacing() {
        let dir = folder("exists");
        let dest = dir.join("out.geojson");
        std::fs::write(&dest, "old").unwrap();
        let msg = Pending::new(&dest, false).unwrap_err().to_string();
        assert!(
            msg.ends_with("out.geojson already exists; pass --force to replace it"),
            "{msg}"
        );
        let p = Pending::new(&dest, true).unwrap();
        p.write_all(b"new").unwrap();
        p.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new");
    }

    #[test]
    fn a_replaced_file_changes_whole_and_a_failed_one_leaves_nothing() {
        let dir = folder("replace");
        let dest = dir.join("report.geojson");
        replace_file(&dest, b"first").unwrap();
        replace_file(&dest, b"second").unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        // A folder where the file should go: refused before anything is written.
        let msg = replace_file(&dir, b"x").unwrap_err().to_string();
        assert!(msg.ends_with("is a folder; give a file name"), "{msg}");
        assert!(replace_file(&dir.join("no/such.geojson"), b"x").is_err());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn a_commit_with_nothing_written_fails_and_keeps_the_old_file() {
        let dir = folder("empty");
        let dest = dir.join("out.mbtiles");
        std::fs::write(&dest, "old").unwrap();
        let msg = Pending::new(&dest, true)
            .unwrap()
            .commit()
            .unwrap_err()
            .to_string();
        assert!(msg.contains("out.mbtiles: cannot write"), "{msg}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "old");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn a_missing_folder_or_a_folder_as_destination_is_named() {
        let dir = folder("bad");
        let msg = Pending::new(&dir.join("no/such/out.gpkg"), false)
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("no/such/out.gpkg: cannot write: the folder"),
            "{msg}"
        );
        assert!(msg.ends_with("no/such does not exist"), "{msg}");
        let msg = Pending::new(&dir, true).unwrap_err().to_string();
        assert!(msg.ends_with("is a folder; give a file name"), "{msg}");
    }
}
