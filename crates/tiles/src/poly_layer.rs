//! A polygon layer prepared for tiling: the shared-edge topology of one level's
//! units, its edges in Web Mercator world coordinates with an R-tree of their boxes,
//! and each zoom's simplified edges, made on first use.

use std::sync::OnceLock;

use rayon::prelude::*;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Rectangle};

use citygrid_model::{EdgeUse, OUTSIDE, Partition, Topology, UnitId};
use geo_types::MultiPolygon;

use crate::error::{Result, TileError};
use crate::ids::feature_id;
use crate::layers::Layer;
use crate::simplify::{ZoomEdges, simplify_edges};
use crate::tile::{MAX_ZOOM, scale, to_world};

/// A polygon layer prepared for tiling.
#[derive(Debug)]
pub(crate) struct PolyLayer {
    pub(crate) layer: Layer,
    pub(crate) faces: Vec<Face>,
    /// Left and right face of each edge.
    pub(crate) sides: Vec<(u32, u32)>,
    /// Each edge in world coordinates.
    pub(crate) world: Vec<Vec<[f64; 2]>>,
    pub(crate) tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
    /// World box of the whole layer.
    pub(crate) bbox: [f64; 4],
    zooms: Vec<OnceLock<ZoomEdges>>,
    tolerance: f64,
    /// The highest zoom the layer is drawn at.
    pub(crate) top: u8,
}

/// One unit of a polygon layer.
#[derive(Debug)]
pub(crate) struct Face {
    pub(crate) unit: UnitId,
    pub(crate) id: u64,
    pub(crate) rings: Vec<Vec<EdgeUse>>,
    pub(crate) bbox: [f64; 4],
}

impl PolyLayer {
    /// The layer's edges at zoom `z`, made on first use: at the layer's highest
    /// zoom from full detail, below it from the zoom above (see
    /// [`ZoomEdges::coarser`]), so every zoom's edges are the same whichever tile
    /// is asked for first.
    pub(crate) fn at_zoom(&self, z: u8) -> &ZoomEdges {
        self.zooms[usize::from(z)].get_or_init(|| {
            if z < self.top {
                return self.at_zoom(z + 1).coarser(self.tolerance);
            }
            let s = scale(z);
            let global: Vec<Vec<[f64; 2]>> = self
                .world
                .par_iter()
                .map(|e| e.iter().map(|p| [p[0] * s, p[1] * s]).collect())
                .collect();
            simplify_edges(&global, self.tolerance)
        })
    }
}

/// Builds one polygon layer: topology of its units, edges in world coordinates,
/// an R-tree of edge boxes.
pub(crate) fn poly_layer(
    partition: &Partition,
    layer: Layer,
    ids: &[UnitId],
    geometry: &[MultiPolygon<f64>],
    tolerance: f64,
) -> Result<PolyLayer> {
    let topo = Topology::build(ids.iter().map(|&id| &geometry[id as usize])).map_err(|source| {
        TileError::Topology {
            layer: layer.name(),
            source,
        }
    })?;
    let world: Vec<Vec<[f64; 2]>> = topo
        .edges
        .iter()
        .map(|e| e.coords.iter().map(|c| to_world(c.x, c.y)).collect())
        .collect();
    let sides = topo.edges.iter().map(|e| (e.left, e.right)).collect();
    let boxes: Vec<[f64; 4]> = world.iter().map(|e| box_of(e)).collect();
    let tree = RTree::bulk_load(
        boxes
            .iter()
            .enumerate()
            .map(|(i, b)| {
                GeomWithData::new(
                    Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]),
                    i as u32,
                )
            })
            .collect(),
    );
    let mut bbox = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for b in &boxes {
        grow(&mut bbox, [b[0], b[1]]);
        grow(&mut bbox, [b[2], b[3]]);
    }
    let faces = ids
        .iter()
        .enumerate()
        .map(|(f, &unit)| {
            let rings: Vec<Vec<EdgeUse>> = topo.faces[f].iter().map(|r| r.edges.clone()).collect();
            let mut fb = [
                f64::INFINITY,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
            ];
            for r in &rings {
                for u in r {
                    let b = boxes[u.edge as usize];
                    grow(&mut fb, [b[0], b[1]]);
                    grow(&mut fb, [b[2], b[3]]);
                }
            }
            Face {
                unit,
                id: feature_id(&partition.unit(unit).code),
                rings,
                bbox: fb,
            }
        })
        .collect();
    debug_assert!(topo.edges.iter().all(|e| e.left != OUTSIDE));
    Ok(PolyLayer {
        layer,
        faces,
        sides,
        world,
        tree,
        bbox,
        zooms: (0..=MAX_ZOOM).map(|_| OnceLock::new()).collect(),
        tolerance,
        top: MAX_ZOOM,
    })
}

pub(crate) fn box_of(points: &[[f64; 2]]) -> [f64; 4] {
    let mut b = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for &p in points {
        grow(&mut b, p);
    }
    b
}

pub(crate) fn grow(b: &mut [f64; 4], p: [f64; 2]) {
    b[0] = b[0].min(p[0]);
    b[1] = b[1].min(p[1]);
    b[2] = b[2].max(p[0]);
    b[3] = b[3].max(p[1]);
}
