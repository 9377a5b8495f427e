//! The H3 hexagons of one unit: which hexagons touch it, which lie wholly inside,
//! their households, area and neighbours.
//!
//! Hexagons are the building blocks of generated units: every hexagon touching a
//! unit is a *piece* of it (a hexagon on a boundary is a piece of each unit it
//! touches; the boundary cuts it later). A piece whose centre lies in the unit
//! carries the hexagon's area and households; the other pieces of boundary
//! hexagons carry none, so totals are counted once.

use citygrid_crs::LocalFrame;
use geo_types::MultiPolygon;
use h3o::geom::{ContainmentMode, TilerBuilder};
use h3o::{CellIndex, LatLng, Resolution};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{BuildError, Result};
use crate::inside::Bands;

/// The hexagon pieces of one unit.
#[derive(Debug, Clone)]
pub(crate) struct Hexes {
    /// Their resolution.
    pub res: Resolution,
    /// The hexagons, sorted.
    pub cells: Vec<CellIndex>,
    /// Whether each hexagon lies wholly inside the unit.
    pub inner: Vec<bool>,
    /// Whether each hexagon's centre lies inside the unit.
    pub centre_in: Vec<bool>,
    /// Centres, WGS84 degrees.
    pub lonlat: Vec<[f64; 2]>,
    /// Centres, metres in the unit's local frame.
    pub xy: Vec<[f64; 2]>,
    /// Households of each piece.
    pub households: Vec<f64>,
    /// Area of each piece counted for this unit, m².
    pub area: Vec<f64>,
    /// Neighbours of piece `i`: `adj[adj_start[i]..adj_start[i + 1]]`.
    pub adj_start: Vec<u32>,
    /// Neighbour lists.
    pub adj: Vec<u32>,
    /// Position of each hexagon.
    pub index: FxHashMap<CellIndex, u32>,
}

impl Hexes {
    /// The neighbours of piece `i` in this unit.
    pub(crate) fn neighbours(&self, i: u32) -> &[u32] {
        &self.adj[self.adj_start[i as usize] as usize..self.adj_start[i as usize + 1] as usize]
    }

    /// Number of pieces.
    pub(crate) fn len(&self) -> usize {
        self.cells.len()
    }
}

/// Tiles one unit at `res`. With `centres_only`, only hexagons whose centre is inside
/// (for a quick density probe; no neighbours).
pub(crate) fn tile(
    code: &str,
    mp: &MultiPolygon<f64>,
    res: Resolution,
    centres_only: bool,
) -> Result<Hexes> {
    let fail = |e: &dyn std::fmt::Display| BuildError::Tiling {
        code: code.to_string(),
        reason: e.to_string(),
    };
    let run = |mode: ContainmentMode| -> Result<Vec<(CellIndex, bool)>> {
        let mut tiler = TilerBuilder::new(res)
            .containment_mode(mode)
            .disable_transmeridian_heuristic()
            .build();
        for p in &mp.0 {
            tiler.add(p.clone()).map_err(|e| fail(&e))?;
        }
        Ok(tiler
            .into_annotated_coverage()
            .map(|a| (a.cell, a.is_fully_contained))
            .collect())
    };
    let mut touching: Vec<(CellIndex, bool)> = if centres_only {
        run(ContainmentMode::ContainsCentroid)?
            .into_iter()
            .map(|(c, _)| (c, false))
            .collect()
    } else {
        run(ContainmentMode::Covers)?
    };
    // The tiler judges "touches" on the sphere, the boundary is straight in
    // lon/lat: add the neighbours of every hexagon not wholly inside, so no sliver
    // of the unit lies in a hexagon without a label.
    if !centres_only {
        let listed: FxHashSet<CellIndex> = touching.iter().map(|t| t.0).collect();
        let mut extra: Vec<(CellIndex, bool)> = Vec::new();
        for &(c, full) in &touching {
            if !full {
                for nb in c.grid_disk_fast(1).flatten() {
                    if !listed.contains(&nb) {
                        extra.push((nb, false));
                    }
                }
            }
        }
        touching.extend(extra);
    }
    touching.sort_unstable_by_key(|t| t.0);
    touching.dedup_by_key(|t| t.0);

    // Centres inside: every wholly inside hexagon, the others by the half-open
    // point-in-polygon rule the rest of citygrid uses.
    let bands = (!centres_only).then(|| Bands::new(mp));
    // H3 cells of one resolution differ in area by well under 0.1% across a unit,
    // so one exact area serves them all.
    let cell_area = touching.first().map_or(0.0, |t| t.0.area_m2());
    let frame = frame_of(mp);
    let n = touching.len();
    let mut h = Hexes {
        res,
        cells: Vec::with_capacity(n),
        inner: Vec::with_capacity(n),
        centre_in: Vec::with_capacity(n),
        lonlat: Vec::with_capacity(n),
        xy: Vec::with_capacity(n),
        households: vec![0.0; n],
        area: Vec::with_capacity(n),
        adj_start: Vec::new(),
        adj: Vec::new(),
        index: FxHashMap::default(),
    };
    for (c, full) in touching {
        let ll = LatLng::from(c);
        let at = geo_types::Coord {
            x: ll.lng(),
            y: ll.lat(),
        };
        let inside = full || bands.as_ref().is_none_or(|b| b.contains(at));
        h.cells.push(c);
        h.inner.push(full && !centres_only);
        h.centre_in.push(inside);
        h.lonlat.push([ll.lng(), ll.lat()]);
        let (x, y) = frame.to_metres(ll.lng(), ll.lat());
        h.xy.push([x, y]);
        h.area.push(if inside { cell_area } else { 0.0 });
    }
    h.index = h
        .cells
        .iter()
        .enumerate()
        .map(|(i, &c)| (c, i as u32))
        .collect();
    if !centres_only {
        h.adj_start.reserve(n + 1);
        h.adj_start.push(0);
        for &c in &h.cells {
            for nb in c.grid_disk_fast(1).flatten() {
                if nb != c
                    && let Some(&j) = h.index.get(&nb)
                {
                    h.adj.push(j);
                }
            }
            h.adj_start.push(h.adj.len() as u32);
        }
    }
    Ok(h)
}

/// A local metric frame at the middle of a unit's bounding box.
pub(crate) fn frame_of(mp: &MultiPolygon<f64>) -> LocalFrame {
    citygrid_model::measure::frame_for(mp)
        .unwrap_or_else(|| LocalFrame::new(0.0, 0.0).expect("the origin is a valid frame"))
}

/// The coarsest resolution whose hexagons are at most `area_m2`, within `lo..=hi`.
pub(crate) fn resolution_for(area_m2: f64, lo: u8, hi: u8) -> Resolution {
    let mut pick = hi;
    for r in lo..=hi {
        let res = Resolution::try_from(r).expect("resolutions 0..=15 exist");
        if res.area_m2() <= area_m2 {
            pick = r;
            break;
        }
    }
    Resolution::try_from(pick).expect("resolutions 0..=15 exist")
}

#[cfg(test)]
mod tests {
    use geo_types::polygon;

    use super::*;

    #[test]
    fn a_square_kilometre_at_resolution_10_has_about_67_centred_hexagons() {
        // 0.01° x 0.009° near Guiyang is about 0.996 km x 1.0 km.
        let mp = MultiPolygon(vec![polygon![
            (x: 106.70, y: 26.58), (x: 106.71, y: 26.58), (x: 106.71, y: 26.589), (x: 106.70, y: 26.589)
        ]]);
        let h = tile("t", &mp, Resolution::Ten, false).unwrap();
        let centred = h.centre_in.iter().filter(|&&c| c).count();
        let area: f64 = h.area.iter().sum();
        assert!((60..75).contains(&centred), "{centred}");
        assert!((area / 1.0e6 - 1.0).abs() < 0.1, "{area}");
        // Pieces: centred hexagons plus a ring of boundary ones.
        assert!(h.len() > centred);
        // Every inner hexagon has all six neighbours among the pieces.
        for i in 0..h.len() {
            if h.inner[i] {
                assert_eq!(h.neighbours(i as u32).len(), 6);
            }
        }
    }

    #[test]
    fn resolution_for_picks_the_coarsest_fine_enough() {
        assert_eq!(u8::from(resolution_for(2_000.0, 8, 13)), 12);
        assert_eq!(u8::from(resolution_for(20_000.0, 8, 13)), 10);
        assert_eq!(u8::from(resolution_for(1e9, 8, 13)), 8);
        assert_eq!(u8::from(resolution_for(1.0, 8, 12)), 12);
    }
}
