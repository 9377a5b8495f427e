//! A tileset the store keeps, written once to a folder of this machine, so that it
//! is read, and its content served (by Range, from disk), as one registered by
//! path is. The folder is named after the store, the layer and its revision, so a
//! changed layer gets a new one and servers of several stores never share one;
//! it is written beside and renamed into place, so a reader never sees half of it.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use citygrid_store::{LayerInfo, Store, StoreError};

/// Where kept tilesets are written: a folder of the system's temporary one.
fn root() -> PathBuf {
    std::env::temp_dir().join("citygrid-layer-files")
}

/// The folder holding layer `info`'s files, written from the store if it is not
/// there yet; its `tileset.json` is in it.
///
/// # Errors
/// What reading the store fails with; [`StoreError::Io`] when the folder cannot
/// be written.
pub fn folder(store: &dyn Store, info: &LayerInfo) -> Result<PathBuf, StoreError> {
    let mut key = DefaultHasher::new();
    (
        store.describe(),
        &info.name,
        info.created_at.to_string(),
        info.revision,
    )
        .hash(&mut key);
    let dir = root().join(format!("{}-{:016x}", info.name, key.finish()));
    if dir.join("tileset.json").is_file() {
        return Ok(dir);
    }
    let writing = root().join(format!(
        ".{}-{:016x}-{}",
        info.name,
        key.finish(),
        std::process::id()
    ));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    };
    let _ = std::fs::remove_dir_all(&writing);
    for file in store.layer_files(&info.name)? {
        // The store refused any path that is absolute or leaves the folder.
        let path = writing.join(&file.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, &file.bytes).map_err(io(&path))?;
    }
    match std::fs::rename(&writing, &dir) {
        Ok(()) => Ok(dir),
        // Another server of this machine wrote it meanwhile: theirs is as good.
        Err(_) if dir.join("tileset.json").is_file() => {
            let _ = std::fs::remove_dir_all(&writing);
            Ok(dir)
        }
        Err(source) => Err(StoreError::Io { path: dir, source }),
    }
}
