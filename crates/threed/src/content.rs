//! Where a tile's content is: a path inside the tileset's folder, never outside it,
//! and the rest of its content object; and what names a tile.

use std::path::{Component, Path};

use serde_json::{Map, Value};

/// A tile's index in `Tileset::tiles`; the root is 0.
pub type TileId = u32;

/// One content of a tile.
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    /// The file, relative to the tileset's folder, `/`-separated, never leaving it.
    pub path: String,
    /// The content object as written, but `uri` (its `group`, `metadata`,
    /// `boundingVolume`...), for a subset to keep.
    pub rest: Map<String, Value>,
}

/// `uri` (relative to the folder `base`, itself relative to the tileset's folder)
/// as a path relative to the tileset's folder, `/`-separated; an error for a URL, an
/// absolute path or one that leaves the folder.
pub(crate) fn inside(base: &str, uri: &str) -> std::result::Result<String, String> {
    let uri = uri.split(['?', '#']).next().unwrap_or("");
    if uri.contains("://") || uri.starts_with("data:") || uri.starts_with('/') || uri.contains('\\')
    {
        return Err(format!(
            "content {uri:?} is not a relative path inside the tileset's folder"
        ));
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for c in Path::new(uri).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_str().ok_or("a path that is not UTF-8")?),
            Component::CurDir => {}
            Component::ParentDir => {
                if parts.pop().is_none() {
                    return Err(format!("content {uri:?} leaves the tileset's folder"));
                }
            }
            _ => return Err(format!("content {uri:?} is not a relative path")),
        }
    }
    if parts.is_empty() {
        return Err(format!("content {uri:?} names no file"));
    }
    Ok(parts.join("/"))
}

/// The folder of a path relative to the tileset's folder.
pub(crate) fn folder(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_paths_stay_inside_the_folder() {
        assert_eq!(inside("", "a/b.glb").unwrap(), "a/b.glb");
        assert_eq!(inside("city", "../x/./y.b3dm?v=2").unwrap(), "x/y.b3dm");
        assert!(inside("", "../secret").is_err());
        assert!(inside("city", "../../etc/passwd").is_err());
        assert!(inside("", "/etc/passwd").is_err());
        assert!(inside("", "https://example.com/t.glb").is_err());
        assert!(inside("", "a\\..\\..\\b").is_err());
        assert_eq!(folder("city/tileset.json"), "city");
        assert_eq!(folder("tileset.json"), "");
    }
}
