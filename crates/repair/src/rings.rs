//! The rings of every unit and of the boundary in one table, cleaned of what carries
//! no area: non-finite and repeated points, the closing repeat, rings of fewer than
//! three points.

use geo_types::{Coord, MultiPolygon};

use citygrid_model::Unit;

use crate::error::{RepairError, Result};

/// The owner id of the boundary's rings.
pub(crate) const BOUNDARY: u32 = u32::MAX - 1;

/// One ring and what it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct Ring {
    /// Unit index, or [`BOUNDARY`].
    pub owner: u32,
    /// Index into [`Rings::polygons`].
    pub polygon: u32,
    /// Open: the first point is not repeated at the end.
    pub coords: Vec<Coord<f64>>,
}

/// One polygon: its shell and holes, by ring index.
#[derive(Debug, Clone)]
pub(crate) struct PolygonRings {
    /// Unit index, or [`BOUNDARY`].
    pub owner: u32,
    pub shell: u32,
    pub holes: Vec<u32>,
}

/// Every ring of the units and the boundary.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rings {
    pub rings: Vec<Ring>,
    pub polygons: Vec<PolygonRings>,
}

fn clean(ring: &[Coord<f64>]) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::with_capacity(ring.len());
    for &c in ring {
        if c.x.is_finite() && c.y.is_finite() && out.last() != Some(&c) {
            out.push(c);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

fn check_lon_lat(code: &str, mp: &MultiPolygon<f64>) -> Result<()> {
    for p in &mp.0 {
        for c in std::iter::once(p.exterior())
            .chain(p.interiors())
            .flat_map(|r| r.0.iter())
        {
            if c.x.abs() > 180.0 || c.y.abs() > 90.0 {
                return Err(RepairError::NotLonLat {
                    code: code.to_string(),
                    x: c.x,
                    y: c.y,
                });
            }
        }
    }
    Ok(())
}

impl Rings {
    /// The rings of `units` (owner = position) and of the boundary.
    pub(crate) fn build(units: &[Unit], boundary: Option<&MultiPolygon<f64>>) -> Result<Self> {
        let mut set = Rings::default();
        for (u, unit) in units.iter().enumerate() {
            check_lon_lat(unit.code.as_str(), &unit.geometry)?;
            set.push(u as u32, &unit.geometry);
        }
        if let Some(b) = boundary {
            check_lon_lat("boundary", b)?;
            let before = set.polygons.len();
            set.push(BOUNDARY, b);
            if set.polygons.len() == before {
                return Err(RepairError::EmptyBoundary);
            }
        }
        Ok(set)
    }

    fn push(&mut self, owner: u32, mp: &MultiPolygon<f64>) {
        for p in &mp.0 {
            let shell = clean(&p.exterior().0);
            if shell.len() < 3 {
                continue;
            }
            let polygon = self.polygons.len() as u32;
            let mut entry = PolygonRings {
                owner,
                shell: self.rings.len() as u32,
                holes: Vec::new(),
            };
            self.rings.push(Ring {
                owner,
                polygon,
                coords: shell,
            });
            for h in p.interiors() {
                let hole = clean(&h.0);
                if hole.len() >= 3 {
                    entry.holes.push(self.rings.len() as u32);
                    self.rings.push(Ring {
                        owner,
                        polygon,
                        coords: hole,
                    });
                }
            }
            self.polygons.push(entry);
        }
    }

    /// Every segment of every ring, with its ring.
    pub(crate) fn segments(&self) -> (Vec<[Coord<f64>; 2]>, Vec<u32>) {
        let mut segs = Vec::new();
        let mut ring_of = Vec::new();
        for (r, ring) in self.rings.iter().enumerate() {
            let n = ring.coords.len();
            for i in 0..n {
                segs.push([ring.coords[i], ring.coords[(i + 1) % n]]);
                ring_of.push(r as u32);
            }
        }
        (segs, ring_of)
    }
}
