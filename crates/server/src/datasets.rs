//! The layers and the staff registry a server holds, as of one datasets revision of
//! its store: entity layers as columns, rasters decoded, the staff by cell. Loaded
//! again when the revision moves, reusing what did not change: a layer that only
//! grew (a live ingest, an append) reads only its new points.

use std::collections::BTreeMap;
use std::sync::Arc;

use citygrid_model::{StaffMember, UnitCode};
use citygrid_raster::{Ramp, Raster};
use citygrid_stats::{EntityLayer, RasterLayer};
use citygrid_store::{LayerInfo, LayerKind, StaffRoster, Store, StoreError};
use citygrid_threed::Tileset;
use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Value, json};

use crate::cache::Cache;

/// One registered layer and what the server made of it.
#[derive(Clone)]
pub struct Layer {
    /// The store's record.
    pub info: LayerInfo,
    /// Its data, or why it cannot be served (a raster file gone or unreadable).
    pub data: Result<LayerData, Arc<str>>,
}

/// A layer's data.
#[derive(Clone)]
pub enum LayerData {
    /// Points as columns.
    Entity(Arc<EntityLayer>),
    /// A decoded raster.
    Raster(Arc<RasterLayer>),
    /// A 3D Tiles tileset read into one tree, and the contents it may serve.
    Tileset(Arc<Tileset3d>),
}

/// A tileset as served: its tree, and the set of its content files (only these are
/// ever served from its folder).
pub struct Tileset3d {
    /// The tree.
    pub tileset: Tileset,
    /// Every content path, relative to its folder.
    pub contents: FxHashSet<String>,
}

/// Bytes of raster map tiles kept (PNG, a few to tens of kB each).
const RASTER_TILE_BYTES: usize = 64 << 20;

/// Everything beside the partition, as of one datasets revision.
pub struct Datasets {
    /// The store's datasets revision these are of (0: none).
    pub revision: u64,
    /// Layers by name.
    pub layers: BTreeMap<String, Layer>,
    /// The staff registry.
    pub staff: Arc<Staff>,
    /// Each raster layer's colour ramp for its map tiles.
    pub ramps: BTreeMap<String, Ramp>,
    /// Rendered map tiles of raster layers, by `name/z/x/y`.
    pub raster_tiles: Cache<String, Vec<u8>>,
}

impl Default for Datasets {
    fn default() -> Self {
        Datasets {
            revision: 0,
            layers: BTreeMap::new(),
            staff: Arc::default(),
            ramps: BTreeMap::new(),
            raster_tiles: Cache::new(RASTER_TILE_BYTES),
        }
    }
}

impl Datasets {
    /// The datasets of `store` now, taking from `previous` every layer that did
    /// not change and only the new points of layers that grew.
    ///
    /// # Errors
    /// What reading the store fails with. A raster that cannot be read is not an
    /// error: its layer is listed with the reason, and the rest is served.
    pub fn load(store: &dyn Store, previous: &Datasets) -> Result<Datasets, StoreError> {
        let revision = store.datasets_revision()?;
        let mut layers = BTreeMap::new();
        for info in store.layers()? {
            let kept = previous.layers.get(&info.name).filter(|old| {
                old.info.created_at == info.created_at && old.info.kind.name() == info.kind.name()
            });
            let data = match (&info.kind, kept) {
                (_, Some(old)) if old.info.revision == info.revision => old.data.clone(),
                (
                    LayerKind::Entity { .. },
                    Some(Layer {
                        data: Ok(LayerData::Entity(old)),
                        ..
                    }),
                ) => {
                    let mut grown = EntityLayer::clone(old);
                    grown.push(&store.entities(&info.name, old.len() as u64)?);
                    Ok(LayerData::Entity(Arc::new(grown)))
                }
                (LayerKind::Entity { schema, .. }, _) => {
                    let entities = store.entities(&info.name, 0)?;
                    Ok(LayerData::Entity(Arc::new(EntityLayer::new(
                        &info.name,
                        schema.clone(),
                        &entities,
                    ))))
                }
                (LayerKind::Tileset { path, stored }, _) => {
                    // Kept in the store: written once to a folder of this machine,
                    // then read and served from disk like one registered by path.
                    let json = match stored {
                        Some(_) => match crate::layer_files::folder(store, &info) {
                            Ok(dir) => Ok(dir.join("tileset.json")),
                            Err(e @ StoreError::Io { .. }) => Err(e.to_string()),
                            Err(e) => return Err(e),
                        },
                        None => Ok(path.clone()),
                    };
                    match json.and_then(|json| Tileset::load(&json).map_err(|e| e.to_string())) {
                        Ok(tileset) => {
                            for p in tileset.problems.iter().take(5) {
                                tracing::warn!(
                                    layer = info.name,
                                    tile = p.tile,
                                    problem = p.message,
                                    "a tile cannot be placed on the ground"
                                );
                            }
                            let contents = tileset.content_paths().map(str::to_string).collect();
                            Ok(LayerData::Tileset(Arc::new(Tileset3d {
                                tileset,
                                contents,
                            })))
                        }
                        Err(e) => {
                            tracing::error!(layer = info.name, error = %e, "a tileset cannot be read; it is not served");
                            Err(Arc::from(e))
                        }
                    }
                }
                (LayerKind::Raster { path, band, stored }, _) => {
                    // Kept in the store: every server reads the same bytes. By
                    // path: the file must be where it was registered, on every server.
                    let read = match stored {
                        Some(_) => {
                            let files = store.layer_files(&info.name)?;
                            let bytes = files.first().map_or(&[][..], |f| f.bytes.as_slice());
                            Raster::from_bytes_band(bytes, *band, None)
                        }
                        None => Raster::read_band(path, *band, None),
                    };
                    match read {
                        Ok(raster) => Ok(LayerData::Raster(Arc::new(RasterLayer::new(
                            &info.name, raster,
                        )))),
                        Err(e) => {
                            tracing::error!(layer = info.name, error = %e, "a raster layer cannot be read; it is not served");
                            Err(Arc::from(e.to_string()))
                        }
                    }
                }
            };
            layers.insert(info.name.clone(), Layer { info, data });
        }
        let roster = store.staff(None)?;
        let staff = if roster.revision == previous.staff.roster.revision {
            Arc::clone(&previous.staff)
        } else {
            Arc::new(Staff::new(roster))
        };
        let ramps = layers
            .iter()
            .filter_map(|(name, l)| match &l.data {
                Ok(LayerData::Raster(r)) => Some((name.clone(), previous.ramps.get(name).copied().filter(|_| matches!(previous.layers.get(name), Some(p) if p.info.revision == l.info.revision)).unwrap_or_else(|| Ramp::of(r.raster())))),
                _ => None,
            })
            .collect();
        Ok(Datasets {
            revision,
            layers,
            staff,
            ramps,
            raster_tiles: Cache::new(RASTER_TILE_BYTES),
        })
    }

    /// The layers as `GET /v1/layers` lists them.
    #[must_use]
    pub fn listing(&self) -> Value {
        Value::Array(self.layers.values().map(Layer::json).collect())
    }
}

impl Layer {
    /// The layer's description: name, kind, fields and roles or raster grid.
    #[must_use]
    pub fn json(&self) -> Value {
        let mut out = json!({
            "name": self.info.name,
            "kind": self.info.kind.name(),
            "source": self.info.source,
            "author": self.info.author,
            "created_at": self.info.created_at.to_string(),
            "revision": self.info.revision,
        });
        match &self.info.kind {
            LayerKind::Entity { schema, count } => {
                out["count"] = json!(count);
                out["fields"] = schema
                    .fields
                    .iter()
                    .map(|f| json!({"name": f.name, "type": f.kind.as_str()}))
                    .collect();
                out["category"] = json!(schema.category);
                out["weight"] = json!(schema.weight);
                out["times"] = json!(schema.times);
            }
            LayerKind::Tileset { stored, .. } => {
                out["stored_bytes"] = json!(stored);
                if let Ok(LayerData::Tileset(t)) = &self.data {
                    out["tiles"] = json!(t.tileset.tiles.len());
                    out["contents"] = json!(t.contents.len());
                    out["problems"] = json!(t.tileset.problems.len());
                    out["first_problems"] = t
                        .tileset
                        .problems
                        .iter()
                        .take(5)
                        .map(|p| json!({"tile": p.tile, "message": p.message}))
                        .collect();
                }
            }
            LayerKind::Raster { band, stored, .. } => {
                out["band"] = json!(band);
                out["stored_bytes"] = json!(stored);
                if let Ok(LayerData::Raster(r)) = &self.data {
                    let raster = r.raster();
                    out["width"] = json!(raster.width());
                    out["height"] = json!(raster.height());
                    out["crs"] = json!(raster.crs().name());
                    out["nodata"] = json!(raster.nodata());
                }
            }
        }
        if let Err(reason) = &self.data {
            out["error"] = json!(reason.as_ref());
        }
        out
    }
}

/// The staff registry with each cell's people at hand.
#[derive(Default)]
pub struct Staff {
    /// The registry.
    pub roster: StaffRoster,
    by_cell: FxHashMap<UnitCode, Vec<usize>>,
}

impl Staff {
    /// Indexes a roster by cell.
    #[must_use]
    pub fn new(roster: StaffRoster) -> Self {
        let mut by_cell: FxHashMap<UnitCode, Vec<usize>> = FxHashMap::default();
        for (i, m) in roster.members.iter().enumerate() {
            for c in &m.cells {
                by_cell.entry(c.clone()).or_default().push(i);
            }
        }
        for people in by_cell.values_mut() {
            people.sort_by_key(|&i| (roster.members[i].role, roster.members[i].id.clone()));
        }
        Staff { roster, by_cell }
    }

    /// The people serving a cell, in dispatch order (cell head first).
    pub fn of_cell<'a>(&'a self, code: &UnitCode) -> impl Iterator<Item = &'a StaffMember> + 'a {
        self.by_cell
            .get(code)
            .into_iter()
            .flatten()
            .map(|&i| &self.roster.members[i])
    }

    /// A cell's people as JSON: `[{"id", "name", "role", "phone"}]`.
    #[must_use]
    pub fn cell_json(&self, code: &UnitCode) -> Value {
        self.of_cell(code).map(|m| member_json(m, false)).collect()
    }
}

/// A person as JSON; with `cells` when asked (the registry's listing).
#[must_use]
pub fn member_json(m: &StaffMember, cells: bool) -> Value {
    let mut out = json!({"id": m.id, "name": m.name, "role": m.role.as_str(), "phone": m.phone});
    if cells {
        out["cells"] = m.cells.iter().map(UnitCode::as_str).collect();
    }
    out
}
