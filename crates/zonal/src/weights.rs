//! A cache of coverages for a whole partition on one raster grid, so statistics of
//! every cell can be recomputed from new raster values without touching geometry, and
//! an edit recomputes only the cells it changed.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use citygrid_raster::Raster;
use geo_types::MultiPolygon;
use rayon::prelude::*;

use crate::coverage::Coverage;
use crate::error::Result;
use crate::grid::PixelGrid;
use crate::stats::{Stats, Summarizer};

/// The coverages of many polygons (cells keyed by `K`, e.g. a unit id) on one grid, for
/// one version of the partition.
///
/// Valid for any raster on [`Weights::grid`] while the partition is at
/// [`Weights::version`]; after an edit, [`Weights::update`] recomputes the changed cells
/// only and moves the version on. Coverages are shared, so a clone kept for the
/// version before an edit costs a map of pointers, not the coverages again.
#[derive(Debug, Clone)]
pub struct Weights<K> {
    grid: PixelGrid,
    version: u64,
    coverages: HashMap<K, Arc<Coverage>>,
}

impl<K: Eq + Hash + Clone + Send + Sync> Weights<K> {
    /// The coverages of `shapes` on `grid`, computed in parallel, for partition `version`.
    ///
    /// # Errors
    /// The first [`ZonalError`](crate::ZonalError) of a shape, e.g. a non-finite vertex.
    pub fn compute<'a>(
        grid: PixelGrid,
        version: u64,
        shapes: impl IntoIterator<Item = (K, &'a MultiPolygon<f64>)>,
    ) -> Result<Self> {
        let shapes: Vec<(K, &MultiPolygon<f64>)> = shapes.into_iter().collect();
        let coverages = shapes
            .into_par_iter()
            .map(|(k, shape)| Ok((k, Arc::new(Coverage::new(&grid, shape)?))))
            .collect::<Result<HashMap<K, Arc<Coverage>>>>()?;
        Ok(Weights {
            grid,
            version,
            coverages,
        })
    }

    /// Moves to partition `version`: recomputes the coverage of each changed shape, and
    /// forgets each key given `None` (a removed cell). Nothing changes on error.
    ///
    /// # Errors
    /// The first [`ZonalError`](crate::ZonalError) of a shape.
    pub fn update<'a>(
        &mut self,
        version: u64,
        changed: impl IntoIterator<Item = (K, Option<&'a MultiPolygon<f64>>)>,
    ) -> Result<()> {
        let changed: Vec<(K, Option<&MultiPolygon<f64>>)> = changed.into_iter().collect();
        let grid = self.grid;
        let fresh = changed
            .into_par_iter()
            .map(|(k, shape)| Ok((k, shape.map(|s| Coverage::new(&grid, s)).transpose()?)))
            .collect::<Result<Vec<_>>>()?;
        for (k, coverage) in fresh {
            match coverage {
                Some(c) => self.coverages.insert(k, Arc::new(c)),
                None => self.coverages.remove(&k),
            };
        }
        self.version = version;
        Ok(())
    }

    /// The grid the coverages are on.
    #[must_use]
    pub fn grid(&self) -> PixelGrid {
        self.grid
    }

    /// The partition version the coverages are of.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether these weights serve `grid` at partition `version`.
    #[must_use]
    pub fn is_current(&self, grid: &PixelGrid, version: u64) -> bool {
        self.grid == *grid && self.version == version
    }

    /// The coverage of one key.
    #[must_use]
    pub fn get(&self, key: &K) -> Option<&Coverage> {
        self.coverages.get(key).map(AsRef::as_ref)
    }

    /// Number of keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.coverages.len()
    }

    /// Whether no key is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.coverages.is_empty()
    }

    /// Every key and its coverage, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &Coverage)> {
        self.coverages.iter().map(|(k, c)| (k, c.as_ref()))
    }

    /// The statistics of every key on `raster`, computed in parallel, in no particular
    /// order.
    ///
    /// # Errors
    /// [`ZonalError::GridMismatch`](crate::ZonalError::GridMismatch) if `raster` is not on
    /// [`Weights::grid`].
    pub fn stats(&self, raster: &Raster) -> Result<Vec<(K, Stats)>> {
        let summarizer = self.summarizer(raster)?;
        Ok(self
            .coverages
            .par_iter()
            .map(|(k, c)| (k.clone(), summarizer.stats(c)))
            .collect())
    }

    /// The statistics of the given keys on `raster` (keys not held are skipped), e.g. the
    /// cells an edit changed.
    ///
    /// # Errors
    /// [`ZonalError::GridMismatch`](crate::ZonalError::GridMismatch) if `raster` is not on
    /// [`Weights::grid`].
    pub fn stats_of<'k>(
        &self,
        raster: &Raster,
        keys: impl IntoIterator<Item = &'k K>,
    ) -> Result<Vec<(K, Stats)>>
    where
        K: 'k,
    {
        let summarizer = self.summarizer(raster)?;
        Ok(keys
            .into_iter()
            .filter_map(|k| Some((k.clone(), summarizer.stats(self.coverages.get(k)?))))
            .collect())
    }

    fn summarizer<'r>(&self, raster: &'r Raster) -> Result<Summarizer<'r>> {
        let summarizer = Summarizer::new(raster);
        if summarizer.grid() != self.grid {
            return Err(crate::ZonalError::GridMismatch {
                expected: self.grid,
                found: summarizer.grid(),
            });
        }
        Ok(summarizer)
    }
}

#[cfg(test)]
mod tests {
    use citygrid_crs::Crs;
    use citygrid_raster::GeoTransform;
    use geo_types::{MultiPolygon, polygon};

    use super::*;

    #[test]
    fn update_recomputes_only_the_changed_cells_and_checks_the_grid() {
        let grid = GeoTransform::north_up(0.0, 2.0, 1.0, 1.0);
        let crs = Crs::WebMercator;
        let raster = Raster::new(2, 2, grid, crs, vec![1.0, 2.0, 3.0, 4.0], None).unwrap();
        let a = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 2.0), (x: 0.0, y: 2.0)],
        ]);
        let b = MultiPolygon(vec![
            polygon![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 1.0, y: 2.0)],
        ]);
        let mut w = Weights::compute(PixelGrid::of(&raster), 1, [("a", &a), ("b", &b)]).unwrap();
        let mut s = w.stats(&raster).unwrap();
        s.sort_by_key(|(k, _)| *k);
        assert_eq!((s[0].1.sum, s[1].1.sum), (4.0, 6.0));
        // b gives its top pixel to a; c is removed (never there)
        let a2 = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)],
        ]);
        let b2 = MultiPolygon(vec![
            polygon![(x: 1.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)],
        ]);
        w.update(2, [("a", Some(&a2)), ("b", Some(&b2)), ("c", None)])
            .unwrap();
        assert!(w.is_current(&PixelGrid::of(&raster), 2));
        let s = w.stats_of(&raster, &["a", "b"]).unwrap();
        assert_eq!((s[0].1.sum, s[1].1.sum), (6.0, 4.0));
        let other = Raster::new(1, 1, grid, crs, vec![1.0], None).unwrap();
        assert!(matches!(
            w.stats(&other),
            Err(crate::ZonalError::GridMismatch { .. })
        ));
    }
}
