//! The statistics of one version: for each entity layer the cell of every point,
//! for each raster layer every cell's zonal statistics, with the datasets they are
//! of. Made whole when a server starts or its datasets change, and from the
//! version before after an edit, recomputing only what the edit changed.

use std::collections::BTreeMap;
use std::sync::Arc;

use citygrid_stats::{Assignment, RasterCells, Rows, StatsQuery, StatsTable, entity_rows};
use citygrid_threed::CellTiles;

use crate::cache::Cache;
use crate::city::City;
use crate::datasets::{Datasets, LayerData, Tileset3d};
use crate::error::ApiError;

/// One layer's per-version data, or why there is none.
#[derive(Clone)]
enum Derived {
    Entity(Arc<Assignment>),
    Raster(Arc<RasterCells>),
    Tileset(Arc<CellTiles>),
    Unavailable(Arc<str>),
}

/// Bytes of rendered tables kept per version (a table of every cell is about 1 MB).
const RENDERED_BYTES: usize = 64 << 20;

/// The statistics of one partition version over one datasets revision.
pub struct CityStats {
    /// The layers and staff.
    pub datasets: Arc<Datasets>,
    version: u64,
    layers: BTreeMap<String, Derived>,
    /// Tables as sent, by query: the same question of the same version and layers
    /// has the same answer, so it is computed and serialised once.
    pub rendered: Cache<String, Vec<u8>>,
}

impl CityStats {
    /// No layers, for a server without a store.
    #[must_use]
    pub fn empty(version: u64) -> Self {
        CityStats {
            datasets: Arc::new(Datasets::default()),
            version,
            layers: BTreeMap::new(),
            rendered: Cache::new(RENDERED_BYTES),
        }
    }

    /// Every layer of `datasets` over `city`, reusing what `previous` (of the same
    /// version) has for layers that did not change and assigning only the new
    /// points of layers that grew. Blocking: a million points take tens of
    /// milliseconds, a large raster longer.
    #[must_use]
    pub fn with_datasets(
        datasets: Arc<Datasets>,
        city: &City,
        previous: Option<&CityStats>,
    ) -> Self {
        let previous = previous.filter(|p| p.version == city.version());
        let layers = datasets
            .layers
            .iter()
            .map(|(name, layer)| {
                let before = previous
                    .and_then(|p| Some((p.datasets.layers.get(name)?, p.layers.get(name)?)));
                let derived = match (&layer.data, before) {
                    (Err(reason), _) => Derived::Unavailable(Arc::clone(reason)),
                    (Ok(LayerData::Entity(points)), Some((old, Derived::Entity(a))))
                        if old.info.created_at == layer.info.created_at
                            && a.len() <= points.len() =>
                    {
                        if a.len() == points.len() {
                            Derived::Entity(Arc::clone(a))
                        } else {
                            Derived::Entity(Arc::new(a.extend(points.points(), &city.index)))
                        }
                    }
                    (Ok(LayerData::Raster(_)), Some((old, d @ Derived::Raster(_))))
                        if old.info.revision == layer.info.revision =>
                    {
                        d.clone()
                    }
                    (Ok(LayerData::Entity(points)), _) => Derived::Entity(Arc::new(
                        Assignment::new(points.points(), city.version(), &city.index),
                    )),
                    (Ok(LayerData::Tileset(_)), Some((old, d @ Derived::Tileset(_))))
                        if old.info.revision == layer.info.revision =>
                    {
                        d.clone()
                    }
                    (Ok(LayerData::Tileset(t)), _) => {
                        Derived::Tileset(Arc::new(CellTiles::compute(&t.tileset, &city.partition)))
                    }
                    (Ok(LayerData::Raster(raster)), _) => {
                        match RasterCells::compute(raster, &city.partition) {
                            Ok(cells) => Derived::Raster(Arc::new(cells)),
                            Err(e) => unavailable(name, &e),
                        }
                    }
                };
                (name.clone(), derived)
            })
            .collect();
        CityStats {
            datasets,
            version: city.version(),
            layers,
            rendered: Cache::new(RENDERED_BYTES),
        }
    }

    /// The same layers over `new`, another version of `old`'s partition: points
    /// looked up again only where cells changed, raster cells recomputed only for
    /// changed cells. Blocking; milliseconds for an edit of a few cells.
    #[must_use]
    pub fn next(&self, old: &City, new: &City) -> Self {
        let layers = self
            .layers
            .iter()
            .map(|(name, derived)| {
                let data = self
                    .datasets
                    .layers
                    .get(name)
                    .and_then(|l| l.data.as_ref().ok());
                let next = match (derived, data) {
                    (Derived::Entity(a), Some(LayerData::Entity(points))) => {
                        Derived::Entity(Arc::new(a.next(
                            points.points(),
                            &old.partition,
                            &new.partition,
                            &new.index,
                        )))
                    }
                    (Derived::Tileset(cells), Some(LayerData::Tileset(t))) => Derived::Tileset(
                        Arc::new(cells.next(&t.tileset, &old.partition, &new.partition)),
                    ),
                    (Derived::Raster(cells), Some(LayerData::Raster(raster))) => {
                        match cells.next(raster, &old.partition, &new.partition) {
                            Ok(c) => Derived::Raster(Arc::new(c)),
                            Err(e) => unavailable(name, &e),
                        }
                    }
                    (other, _) => other.clone(),
                };
                (name.clone(), next)
            })
            .collect();
        CityStats {
            datasets: Arc::clone(&self.datasets),
            version: new.version(),
            layers,
            rendered: Cache::new(RENDERED_BYTES),
        }
    }

    /// The partition version these are of.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The names of the layers, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.layers.keys().map(String::as_str)
    }

    /// How many points of an entity layer are in no cell (outside the city).
    #[must_use]
    pub fn outside(&self, name: &str) -> Option<usize> {
        match self.layers.get(name)? {
            Derived::Entity(a) => Some(a.outside()),
            _ => None,
        }
    }

    /// The cell of point `i` of entity layer `name` (for a live ingest's answer).
    #[must_use]
    pub fn assignment(&self, name: &str) -> Option<&Assignment> {
        match self.layers.get(name)? {
            Derived::Entity(a) => Some(a),
            _ => None,
        }
    }

    /// A tileset layer's tree and its cells in this version.
    ///
    /// # Errors
    /// [`ApiError::NotFound`] for no tileset of that name; [`ApiError::Unavailable`]
    /// for one that cannot be read.
    pub fn tileset(&self, name: &str) -> Result<(Arc<Tileset3d>, Arc<CellTiles>), ApiError> {
        let layer = self.datasets.layers.get(name);
        match (layer.map(|l| &l.data), self.layers.get(name)) {
            (Some(Ok(LayerData::Tileset(t))), Some(Derived::Tileset(c))) => {
                Ok((Arc::clone(t), Arc::clone(c)))
            }
            (Some(Err(reason)), _) | (_, Some(Derived::Unavailable(reason))) => Err(
                ApiError::Unavailable(format!("tileset {name:?} cannot be served: {reason}")),
            ),
            _ => {
                let known: Vec<&str> = self
                    .datasets
                    .layers
                    .values()
                    .filter(|l| l.info.kind.name() == "tileset")
                    .map(|l| l.info.name.as_str())
                    .collect();
                Err(ApiError::NotFound(format!(
                    "no tileset named {name:?} (tilesets: {}); register one with `citygrid tileset add`",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )))
            }
        }
    }

    /// `query`'s rows of layer `name` over `city` (of this version).
    ///
    /// # Errors
    /// [`ApiError::NotFound`] for an unknown layer (naming those there are);
    /// [`ApiError::Unavailable`] for a layer that cannot be served;
    /// [`ApiError::BadRequest`] for a query the layer cannot answer.
    pub fn table(
        &self,
        name: &str,
        city: &City,
        query: &StatsQuery,
    ) -> Result<StatsTable, ApiError> {
        let (Some(derived), Some(layer)) = (self.layers.get(name), self.datasets.layers.get(name))
        else {
            let known: Vec<&str> = self.names().collect();
            return Err(ApiError::NotFound(format!(
                "layer={name:?}: no such layer (layers: {}); import one with `citygrid layer import`",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        };
        let bad = |e: citygrid_stats::StatsError| ApiError::BadRequest(e.to_string());
        let (kind, rows) = match (derived, &layer.data) {
            (Derived::Entity(a), Ok(LayerData::Entity(points))) => (
                "entity",
                Rows::Entity(entity_rows(points, a, &city.partition, query).map_err(bad)?),
            ),
            (Derived::Raster(cells), Ok(LayerData::Raster(raster))) => (
                "raster",
                Rows::Raster(cells.rows(raster, &city.partition, query).map_err(bad)?),
            ),
            (Derived::Tileset(_), _) => {
                return Err(ApiError::BadRequest(format!(
                    "layer {name:?} is a 3D tileset: its cells are at /v1/3dtiles/{name}/coverage"
                )));
            }
            (Derived::Unavailable(reason), _) | (_, Err(reason)) => {
                return Err(ApiError::Unavailable(format!(
                    "layer {name:?} cannot be served: {reason}"
                )));
            }
            _ => return Err(ApiError::Internal(format!("layer {name:?} changed kind"))),
        };
        let group_by = match (&layer.data, &query.group_by) {
            (_, Some(g)) => Some(g.clone()),
            (Ok(LayerData::Entity(points)), None) => points.schema().category.clone(),
            _ => None,
        };
        Ok(StatsTable {
            layer: name.to_string(),
            kind,
            version: self.version,
            level: query.level.as_str(),
            from: None,
            to: None,
            group_by,
            rows,
        })
    }
}

fn unavailable(name: &str, e: &citygrid_stats::StatsError) -> Derived {
    tracing::error!(layer = name, error = %e, "a layer cannot be summed over the cells");
    Derived::Unavailable(Arc::from(e.to_string()))
}
