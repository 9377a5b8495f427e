//! One cell's subset tileset: only the tiles whose footprint meets the cell, with
//! every ancestor kept (so the level of detail is not jagged), geometric errors and
//! refinement as they were, external and implicit tiles written out explicitly,
//! content URIs under the server's, the cell as 3D Tiles 1.1 metadata and its outline
//! as a clipping polygon for the client (`extras.citygrid.clippingPolygon`).

use std::collections::HashSet;

use geo_types::MultiPolygon;
use serde_json::{Map, Value, json};

use crate::content::TileId;
use crate::tileset::Tileset;

/// The cell a subset is for, and the version it is of.
#[derive(Debug, Clone, Copy)]
pub struct CellInfo<'a> {
    /// Its code.
    pub code: &'a str,
    /// Its name.
    pub name: &'a str,
    /// Its village's code.
    pub village: &'a str,
    /// Its township's code.
    pub township: &'a str,
    /// Its district's code.
    pub district: &'a str,
    /// The partition version.
    pub version: u64,
    /// Its outline, WGS84.
    pub outline: &'a MultiPolygon<f64>,
}

/// The subset tileset of `tiles` (the tiles meeting the cell, as
/// [`crate::CellTiles`] lists them) with contents at `content_base` + their path
/// (e.g. `/v1/3dtiles/oblique/`). `None` when no tile meets the cell.
#[must_use]
pub fn subset(
    tileset: &Tileset,
    tiles: &[TileId],
    content_base: &str,
    cell: &CellInfo<'_>,
) -> Option<Value> {
    if tiles.is_empty() {
        return None;
    }
    let mut keep: HashSet<TileId> = HashSet::new();
    for &t in tiles {
        let mut at = Some(t);
        while let Some(id) = at {
            if !keep.insert(id) {
                break;
            }
            at = tileset.tile(id).parent;
        }
    }
    let root = write(tileset, 0, &keep, content_base);
    let ring = |r: &geo_types::LineString<f64>| -> Vec<[f64; 2]> {
        r.0.iter().map(|c| [c.x, c.y]).collect()
    };
    let outline: Vec<Vec<Vec<[f64; 2]>>> = cell
        .outline
        .0
        .iter()
        .map(|p| {
            std::iter::once(ring(p.exterior()))
                .chain(p.interiors().iter().map(ring))
                .collect()
        })
        .collect();
    Some(json!({
        "asset": {
            "version": "1.1",
            "generator": "citygrid",
            "tilesetVersion": format!("{}@{}", cell.code, cell.version),
        },
        "schema": {
            "id": "citygrid",
            "classes": {
                "cell": {
                    "name": "Grid cell",
                    "description": "The grid cell (网格) this subset shows, of one version of the partition",
                    "properties": {
                        "code": {"type": "STRING", "required": true},
                        "name": {"type": "STRING"},
                        "village": {"type": "STRING"},
                        "township": {"type": "STRING"},
                        "district": {"type": "STRING"},
                        "version": {"type": "SCALAR", "componentType": "UINT64", "required": true}
                    }
                }
            }
        },
        "metadata": {
            "class": "cell",
            "properties": {
                "code": cell.code,
                "name": cell.name,
                "village": cell.village,
                "township": cell.township,
                "district": cell.district,
                "version": cell.version
            }
        },
        "geometricError": tileset.geometric_error.max(tileset.root().geometric_error),
        "root": root,
        "extras": {
            "citygrid": {
                "cell": cell.code,
                "version": cell.version,
                "clippingPolygon": {"type": "MultiPolygon", "coordinates": outline},
                "tiles": keep.len(),
            }
        }
    }))
}

fn write(tileset: &Tileset, id: TileId, keep: &HashSet<TileId>, base: &str) -> Value {
    let t = tileset.tile(id);
    let mut out = Map::new();
    out.insert("boundingVolume".into(), t.volume.to_json());
    if let Some(m) = t.transform {
        out.insert("transform".into(), json!(m.0));
    }
    out.insert("geometricError".into(), json!(t.geometric_error));
    out.insert("refine".into(), json!(t.refine.as_str()));
    let contents: Vec<Value> = t
        .contents
        .iter()
        .map(|c| {
            let mut o = c.rest.clone();
            o.insert("uri".into(), json!(format!("{base}{}", c.path)));
            Value::Object(o)
        })
        .collect();
    match contents.len() {
        0 => {}
        1 => {
            out.insert(
                "content".into(),
                contents.into_iter().next().unwrap_or(Value::Null),
            );
        }
        _ => {
            out.insert("contents".into(), Value::Array(contents));
        }
    }
    let children: Vec<Value> = t
        .children
        .iter()
        .filter(|c| keep.contains(c))
        .map(|&c| write(tileset, c, keep, base))
        .collect();
    if !children.is_empty() {
        out.insert("children".into(), Value::Array(children));
    }
    Value::Object(out)
}
