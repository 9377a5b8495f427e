//! The [`Tiler`]: a partition prepared once (topology per level, edges projected,
//! properties rendered), then any tile on demand.

use citygrid_crs::{Crs, Transform};
use citygrid_model::measure::planar_area_m2;
use citygrid_model::sequence::interior_point;
use citygrid_model::{AttrValue, Level, Partition, UnitId};
use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use rstar::primitives::GeomWithData;
use rstar::{AABB, RTree};

use crate::assemble::{Frame, assemble};
use crate::error::{Result, TileError};
use crate::ids::feature_id;
use crate::layers::{Layer, TileOptions};
use crate::mvt::{Geometry, LayerWriter, Value};
use crate::poly_layer::{PolyLayer, grow, poly_layer};
use crate::simplify::ZoomEdges;
use crate::tile::{EXTENT, MAX_ZOOM, TileId, scale, tile_range, to_world};

/// The largest tile, in bytes before compression, that keeps every field (see
/// [`Tiler::tile`]): 500 kB, what MapLibre and CDNs handle comfortably.
pub const TILE_BUDGET: usize = 500 * 1024;

/// A feature of a tile before encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The unit it shows.
    pub unit: UnitId,
    /// Its feature id (see [`crate::ids`]).
    pub id: u64,
    /// Its geometry in tile coordinates, oriented as MVT 2.1 asks.
    pub geometry: Geometry,
}

/// One layer of a tile before encoding.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerContent {
    /// Which layer.
    pub layer: Layer,
    /// Its features, in code order.
    pub features: Vec<Feature>,
}

/// The type of a property, as TileJSON's `vector_layers` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text.
    String,
    /// A number.
    Number,
    /// True or false.
    Boolean,
}

impl FieldType {
    /// The TileJSON name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "String",
            FieldType::Number => "Number",
            FieldType::Boolean => "Boolean",
        }
    }
}

/// One label point.
#[derive(Debug, Clone, Copy)]
struct Label {
    unit: UnitId,
    id: u64,
    world: [f64; 2],
}

/// A partition ready to be cut into tiles.
///
/// # Examples
/// ```
/// use citygrid_model::{CodeLayout, Partition};
/// use citygrid_synth::SynthCity;
/// use citygrid_tiles::{TileId, TileOptions, Tiler};
///
/// let units = SynthCity::new(1).cells(60).vertices_per_cell(12).extent_km(8.0, 8.0).generate();
/// let tiler = Tiler::new(Partition::new(units, CodeLayout::default()).unwrap(), TileOptions::default()).unwrap();
/// let t = tiler.tiles(12, 12).next().unwrap();
/// assert!(!tiler.tile(t).is_empty());
/// ```
#[derive(Debug)]
pub struct Tiler {
    partition: Partition,
    options: TileOptions,
    pub(crate) polys: Vec<PolyLayer>,
    labels: Vec<Label>,
    label_tree: RTree<GeomWithData<[f64; 2], u32>>,
    /// Properties of every unit, by unit id.
    props: Vec<Vec<(String, Value)>>,
    world_bounds: [f64; 4],
    bounds: [f64; 4],
}

impl Tiler {
    /// Prepares a partition: per level, the shared-edge topology of its units,
    /// their edges in Web Mercator, and their properties.
    ///
    /// # Errors
    /// [`TileError::Topology`] when a level's units are not a clean coverage,
    /// [`TileError::Transform`] when a coordinate cannot be put in the tiles' CRS,
    /// [`TileError::Options`] for options that do not fit together.
    pub fn new(partition: Partition, options: TileOptions) -> Result<Tiler> {
        options.check()?;
        let transform = match options.crs {
            Crs::Wgs84 | Crs::Cgcs2000 => None,
            crs => Some(Transform::new(crs).map_err(|e| TileError::Options(e.to_string()))?),
        };
        let geometry: Vec<MultiPolygon<f64>> = partition
            .units()
            .iter()
            .map(|u| match &transform {
                None => Ok(u.geometry.clone()),
                Some(t) => to_crs(&u.geometry, t).map_err(|source| TileError::Transform {
                    code: u.code.to_string(),
                    source,
                }),
            })
            .collect::<Result<_>>()?;
        let mut polys = Vec::new();
        for layer in [
            Layer::Districts,
            Layer::Townships,
            Layer::Villages,
            Layer::Cells,
        ] {
            if options.zooms_of(layer).is_none() {
                continue;
            }
            let ids: Vec<UnitId> = partition.level_ids(layer.level()).collect();
            if ids.is_empty() {
                continue;
            }
            let mut poly = poly_layer(&partition, layer, &ids, &geometry, options.tolerance)?;
            poly.top = options.zooms_of(layer).map_or(MAX_ZOOM, |z| z.1);
            polys.push(poly);
        }
        let mut labels = Vec::new();
        for id in partition.level_ids(Level::Cell) {
            if let Some(p) = interior_point(&geometry[id as usize]) {
                labels.push(Label {
                    unit: id,
                    id: feature_id(&partition.unit(id).code),
                    world: to_world(p.x, p.y),
                });
            }
        }
        let label_tree = RTree::bulk_load(
            labels
                .iter()
                .enumerate()
                .map(|(i, l)| GeomWithData::new(l.world, i as u32))
                .collect(),
        );
        let props = (0..partition.units().len() as UnitId)
            .map(|id| properties(&partition, id))
            .collect();
        let mut world_bounds = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut bounds = world_bounds;
        for g in &geometry {
            for c in g.0.iter().flat_map(|p| p.exterior().0.iter()) {
                let w = to_world(c.x, c.y);
                grow(&mut world_bounds, w);
                grow(&mut bounds, [c.x, c.y]);
            }
        }
        Ok(Tiler {
            partition,
            options,
            polys,
            labels,
            label_tree,
            props,
            world_bounds,
            bounds,
        })
    }

    /// The partition being tiled.
    #[must_use]
    pub fn partition(&self) -> &Partition {
        &self.partition
    }

    /// The options in force.
    #[must_use]
    pub fn options(&self) -> &TileOptions {
        &self.options
    }

    /// West, south, east, north of every unit, in the tiles' lon/lat.
    #[must_use]
    pub fn bounds(&self) -> [f64; 4] {
        self.bounds
    }

    /// The tiles at zooms `minzoom..=maxzoom` that can hold anything: those whose
    /// area with its buffer meets the city's box. Row by row, zoom by zoom.
    pub fn tiles(&self, minzoom: u8, maxzoom: u8) -> impl Iterator<Item = TileId> + '_ {
        let margin = f64::from(self.options.buffer) + 1.0;
        (minzoom..=maxzoom.min(MAX_ZOOM)).flat_map(move |z| {
            let (xs, ys) = tile_range(z, self.world_bounds, margin);
            (ys[0]..=ys[1]).flat_map(move |y| (xs[0]..=xs[1]).map(move |x| TileId { z, x, y }))
        })
    }

    /// Whether a tile is away from the city (nothing can be in it): answered
    /// without looking at any geometry.
    #[must_use]
    pub fn is_outside(&self, t: TileId) -> bool {
        let margin = f64::from(self.options.buffer) + 1.0;
        let (xs, ys) = tile_range(t.z, self.world_bounds, margin);
        !(xs[0]..=xs[1]).contains(&t.x) || !(ys[0]..=ys[1]).contains(&t.y)
    }

    /// The tile's layers and features, before encoding.
    #[must_use]
    pub fn content(&self, t: TileId) -> Vec<LayerContent> {
        let mut out = Vec::new();
        if self.is_outside(t) {
            return out;
        }
        for poly in &self.polys {
            if !self.options.shows(poly.layer, t.z) {
                continue;
            }
            let frame = Frame::new(t, self.options.buffer);
            let features: Vec<Feature> = assemble(poly, t.z, &frame)
                .into_iter()
                .map(|(face, polys)| {
                    let f = &poly.faces[face as usize];
                    let rings = polys
                        .into_iter()
                        .flatten()
                        .map(|mut r| {
                            // Shells come clockwise with y up; MVT wants them
                            // with positive area with y down: the same numbers
                            // read the other way round.
                            r.reverse();
                            r.into_iter().map(|p| [p[0] as i32, p[1] as i32]).collect()
                        })
                        .collect();
                    Feature {
                        unit: f.unit,
                        id: f.id,
                        geometry: Geometry::Polygons(rings),
                    }
                })
                .collect();
            if !features.is_empty() {
                out.push(LayerContent {
                    layer: poly.layer,
                    features,
                });
            }
        }
        if self.options.shows(Layer::Labels, t.z) {
            let labels = self.labels_in(t);
            if !labels.is_empty() {
                out.push(LayerContent {
                    layer: Layer::Labels,
                    features: labels,
                });
            }
        }
        out
    }

    /// The encoded tile (MVT 2.1, not compressed); empty when nothing is in it.
    ///
    /// A tile over [`TILE_BUDGET`] bytes is encoded again without the text
    /// fields other than `code` of its cells and labels (names and parent codes
    /// take most of a dense tile; the parents follow from the code, and names are
    /// in the tiles of the next zoom and at `/v1/cells/{code}`).
    #[must_use]
    pub fn tile(&self, t: TileId) -> Vec<u8> {
        let content = self.content(t);
        let full = self.encode(&content, false);
        if full.len() <= TILE_BUDGET {
            return full;
        }
        self.encode(&content, true)
    }

    /// Encodes tile content with each feature's properties; `thin` leaves out
    /// the text fields but `code` in the cells and labels layers.
    #[must_use]
    pub fn encode(&self, content: &[LayerContent], thin: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut refs: Vec<(&str, &Value)> = Vec::new();
        for lc in content {
            let mut w = LayerWriter::new(lc.layer.name(), EXTENT);
            let thin = thin && matches!(lc.layer, Layer::Cells | Layer::Labels);
            for f in &lc.features {
                let props = &self.props[f.unit as usize];
                let n = if lc.layer == Layer::Labels {
                    2
                } else {
                    props.len()
                };
                refs.clear();
                refs.extend(
                    props[..n]
                        .iter()
                        .filter(|(k, v)| !thin || k == "code" || !matches!(v, Value::Text(_)))
                        .map(|(k, v)| (k.as_str(), v)),
                );
                w.add(f.id, &refs, &f.geometry);
            }
            w.write_to(&mut out);
        }
        out
    }

    /// The properties each layer's features carry, with their types, in the order
    /// written.
    #[must_use]
    pub fn fields(&self, layer: Layer) -> Vec<(String, FieldType)> {
        let mut out: Vec<(String, FieldType)> = Vec::new();
        for id in self.partition.level_ids(layer.level()) {
            let props = &self.props[id as usize];
            let n = if layer == Layer::Labels {
                2
            } else {
                props.len()
            };
            for (k, v) in &props[..n] {
                if !out.iter().any(|(name, _)| name == k) {
                    let t = match v {
                        Value::Text(_) => FieldType::String,
                        Value::Bool(_) => FieldType::Boolean,
                        Value::Int(_) | Value::Double(_) => FieldType::Number,
                    };
                    out.push((k.clone(), t));
                }
            }
        }
        out
    }

    /// The layers present in this partition (levels with units, layers shown).
    #[must_use]
    pub fn layers(&self) -> Vec<Layer> {
        let mut out: Vec<Layer> = self.polys.iter().map(|p| p.layer).collect();
        if self.options.zooms_of(Layer::Labels).is_some() && !self.labels.is_empty() {
            out.push(Layer::Labels);
        }
        out
    }

    /// Prepares every layer's edges for zoom `z` (rounded, simplified, and those
    /// of the zooms above it they derive from) now rather than on the first tile
    /// that needs them.
    ///
    /// Layer after layer on the calling thread (each layer's work runs on all
    /// cores inside): a zoom's edges are only ever made by the thread that asks
    /// for them, never by a rayon worker, so tiles may be asked for from other
    /// threads meanwhile. A worker waiting for a zoom that a thread outside the
    /// pool is making, while that thread waits for the pool, would hang.
    pub fn prepare(&self, z: u8) {
        for p in self.polys.iter().filter(|p| self.options.shows(p.layer, z)) {
            p.at_zoom(z);
        }
    }

    /// The edges of a polygon layer at a zoom, as tiles use them (global units).
    pub(crate) fn zoom_edges(&self, layer: Layer, z: u8) -> Option<&ZoomEdges> {
        self.polys
            .iter()
            .find(|p| p.layer == layer)
            .map(|p| p.at_zoom(z))
    }

    /// The world position of a cell's label point.
    pub(crate) fn label_of(&self, id: UnitId) -> Option<[f64; 2]> {
        self.labels
            .binary_search_by_key(&id, |l| l.unit)
            .ok()
            .map(|i| self.labels[i].world)
    }

    fn labels_in(&self, t: TileId) -> Vec<Feature> {
        let s = scale(t.z);
        let e = f64::from(EXTENT);
        let o = t.origin();
        let env = AABB::from_corners(
            [(o[0] as f64 - 1.0) / s, (o[1] as f64 - 1.0) / s],
            [(o[0] as f64 + e + 1.0) / s, (o[1] as f64 + e + 1.0) / s],
        );
        let mut found: Vec<(UnitId, Feature)> = self
            .label_tree
            .locate_in_envelope_intersecting(&env)
            .filter_map(|g| {
                let l = &self.labels[g.data as usize];
                let x = (l.world[0] * s).round() as i64 - o[0];
                let y = (l.world[1] * s).round() as i64 - o[1];
                let inside =
                    (0..i64::from(EXTENT)).contains(&x) && (0..i64::from(EXTENT)).contains(&y);
                inside.then_some({
                    (
                        l.unit,
                        Feature {
                            unit: l.unit,
                            id: l.id,
                            geometry: Geometry::Point([x as i32, y as i32]),
                        },
                    )
                })
            })
            .collect();
        found.sort_by_key(|(u, _)| *u);
        found.into_iter().map(|(_, f)| f).collect()
    }
}

/// Code, name, the codes of the village, township and district above, numeric and
/// true/false attributes, and the area in square metres (planar in a tangent
/// plane: within 0.1% of the geodesic area for a district, 20 times faster).
/// Labels take the first two.
fn properties(partition: &Partition, id: UnitId) -> Vec<(String, Value)> {
    let u = partition.unit(id);
    let mut out = vec![
        ("code".to_string(), Value::Text(u.code.to_string())),
        ("name".to_string(), Value::Text(u.name.clone())),
    ];
    for a in partition.ancestors(id) {
        let up = partition.unit(a);
        if up.level != Level::City {
            out.push((
                up.level.as_str().to_string(),
                Value::Text(up.code.to_string()),
            ));
        }
    }
    for (k, v) in &u.attributes {
        if out.iter().any(|(name, _)| name == k) || k == "area_m2" {
            continue;
        }
        match v {
            AttrValue::Number(n) if n.is_finite() => out.push((k.clone(), Value::number(*n))),
            AttrValue::Bool(b) => out.push((k.clone(), Value::Bool(*b))),
            _ => {}
        }
    }
    out.push((
        "area_m2".to_string(),
        Value::number(planar_area_m2(&u.geometry).round()),
    ));
    out
}

fn to_crs(
    mp: &MultiPolygon<f64>,
    t: &Transform,
) -> std::result::Result<MultiPolygon<f64>, citygrid_crs::CrsError> {
    let ring =
        |r: &LineString<f64>| -> std::result::Result<LineString<f64>, citygrid_crs::CrsError> {
            r.0.iter()
                .map(|c| t.from_wgs84(c.x, c.y).map(|(x, y)| Coord { x, y }))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map(LineString)
        };
    mp.0.iter()
        .map(|p| {
            Ok(Polygon::new(
                ring(p.exterior())?,
                p.interiors()
                    .iter()
                    .map(ring)
                    .collect::<std::result::Result<_, _>>()?,
            ))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map(MultiPolygon)
}

#[cfg(test)]
mod tests {
    use citygrid_model::CodeLayout;
    use citygrid_synth::SynthCity;

    use super::*;

    #[test]
    fn a_thin_tile_keeps_codes_and_numbers_but_not_names() {
        let units = SynthCity::new(2)
            .cells(40)
            .vertices_per_cell(8)
            .extent_km(3.0, 3.0)
            .generate();
        let p = Partition::new(units, CodeLayout::default()).unwrap();
        let t = Tiler::new(p, TileOptions::default()).unwrap();
        let id = t.tiles(13, 13).max_by_key(|&id| t.tile(id).len()).unwrap();
        let content = t.content(id);
        let (full, thin) = (t.encode(&content, false), t.encode(&content, true));
        assert!(thin.len() < full.len());
        let has = |b: &[u8], s: &str| b.windows(s.len()).any(|w| w == s.as_bytes());
        assert!(has(&full, "Cell 0") && !has(&thin, "Cell 0"));
        assert!(has(&thin, "households") && has(&thin, "5201"));
        // Villages keep their names.
        assert!(has(&thin, "Village 0"));
    }
}
