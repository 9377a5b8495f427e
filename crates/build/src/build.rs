//! The build: from a city's given units and a weight layer to a complete, nested,
//! checked partition.
//!
//! 1. Check the input (a broken coverage cannot be divided exactly).
//! 2. Tile each lowest given unit with H3 hexagons, fine enough for its densest
//!    cells, and spread the weight layer onto them.
//! 3. Give every unit a whole number of cells in proportion to its workload.
//! 4. Divide each unit into townships, villages and cells (whichever levels are
//!    missing) by recursive bisection of its hexagons.
//! 5. Turn the labelled hexagons into exact polygons (one arrangement per unit,
//!    boundary crossings shared), dissolve villages and townships from the cells,
//!    number everything west to east, north to south.
//! 6. Check the result; a failure is a bug and is reported as such.

use std::sync::Arc;
use std::time::Instant;

use citygrid_check::{CheckOptions, Checker};
use citygrid_model::sequence::reading_order;
use citygrid_model::{AttrValue, Level, Topology, Unit, UnitCode};
use geo_types::MultiPolygon;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::assemble::{Assembled, Labelled, assemble, topology_arrangement};
use crate::contiguity::merge_stray_parts;
use crate::error::{BuildError, Result};
use crate::faces::{Arrangement, OUTSIDE, polygons};
use crate::hexes::{Hexes, resolution_for, tile};
use crate::inside::Bands;
use crate::options::{BuildOptions, MAX_RESOLUTION, MIN_RESOLUTION};
use crate::plan::{apportion, even};
use crate::simplify::simplify_inner;
use crate::split::Splitter;
use crate::summary::{Summary, summarize};
use crate::weights::{self, Weights};

/// A township's real name and code, to be given to a generated township.
#[derive(Debug, Clone, PartialEq)]
pub struct TownshipName {
    /// Its statistical code (9 digits).
    pub code: UnitCode,
    /// Its name.
    pub name: String,
    /// The code of its district.
    pub district: UnitCode,
}

/// What to build from.
#[derive(Debug)]
pub struct BuildInput<'a> {
    /// The city unit and every given level below it (districts at least), each
    /// with its parent's code; a clean coverage.
    pub units: Vec<Unit>,
    /// Names and codes for generated townships, by district (optional).
    pub townships: Vec<TownshipName>,
    /// Where the households are.
    pub weights: Weights<'a>,
}

/// Progress reports for long steps (a CLI shows bars; tests ignore them).
pub trait Progress: Sync {
    /// A step starts, with `total` items to do.
    fn stage(&self, name: &'static str, total: u64);
    /// One item of the current step is done.
    fn tick(&self);
}

impl Progress for () {
    fn stage(&self, _: &'static str, _: u64) {}
    fn tick(&self) {}
}

/// The outcome of a build.
#[derive(Debug)]
pub struct Built {
    /// Every unit: the given ones (geometry with the new shared vertices) and the
    /// generated townships, villages and cells.
    pub units: Vec<Unit>,
    /// Counts, balance, compactness and time.
    pub summary: Summary,
    /// The check of the result. Empty unless something is wrong with the build
    /// itself: callers should refuse to use a partition that fails it (the CLI
    /// writes it aside with the report, for a bug report).
    pub report: citygrid_check::Report,
}

/// What a stage generates inside each of its units.
enum Goal {
    /// Townships inside districts, named from the list where there is one.
    Townships(FxHashMap<usize, Vec<TownshipName>>),
    /// Villages (unless the units are villages) and cells.
    Cells,
}

impl Goal {
    /// In the township stage, the number of township names listed for lowest unit
    /// `k` (`None`: none listed); `None` in the cell stage.
    fn named(&self, k: usize) -> Option<Option<usize>> {
        match self {
            Goal::Townships(n) => Some(n.get(&k).map(Vec::len)),
            Goal::Cells => None,
        }
    }

    /// The progress name of the tiling step.
    fn tiling(&self) -> &'static str {
        match self {
            Goal::Townships(_) => "townships: tiling",
            Goal::Cells => "cells: tiling",
        }
    }

    /// The progress name of the dividing step.
    fn dividing(&self) -> &'static str {
        match self {
            Goal::Townships(_) => "townships: dividing",
            Goal::Cells => "cells: dividing",
        }
    }
}

/// How many cells each unit of a stage gets.
enum Counts {
    /// In proportion to workloads: `--cells` in all, or the total workload rounded.
    ByWorkload,
    /// Exactly these, unit by unit.
    PerUnit(Vec<usize>),
}

/// One unit of a stage, divided: the label (leaf part) of each hexagon piece and,
/// per leaf, its (township, village) and cell count.
struct Division {
    labelled: Labelled,
    leaves: Vec<Leaf>,
    townships: usize,
    villages: usize,
}

/// A leaf part: a cell, or in the township stage a whole township.
#[derive(Debug, Clone, Copy)]
struct Leaf {
    township: u32,
    village: u32,
    cells: usize,
}

/// The result of a stage.
struct StageOut {
    /// The given units with their rebuilt geometry, then the generated ones.
    units: Vec<Unit>,
    /// Cells planned for each generated township (township stage only), by code.
    township_cells: FxHashMap<UnitCode, usize>,
    /// H3 resolution per divided unit.
    resolutions: Vec<u8>,
    /// Leaves (cells or townships) planned.
    planned_cells: usize,
}

/// Builds the partition.
///
/// Districts are divided in two stages: first into townships on a coarse hexagon
/// grid, then each township into villages and cells on a grid as fine as its own
/// densest cells need. A dense town and the farmland around it in one district then
/// do not share one resolution, which keeps the hexagon count (time and memory) in
/// proportion to the cells that need it.
///
/// # Errors
/// [`BuildError::InputNotClean`] when the given units do not form a clean coverage,
/// [`BuildError::NoUnits`] without units to divide, and option and tiling errors.
/// A result that fails its own check is returned with the failures in
/// [`Built::report`].
pub fn build(
    input: &BuildInput<'_>,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<Built> {
    options.validate()?;
    let started = Instant::now();
    let mut timings: Vec<(&'static str, f64)> = Vec::new();
    let mut last = Instant::now();
    let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
        timings.push((name, last.elapsed().as_secs_f64()));
        last = Instant::now();
    };

    let checker = Checker::new(CheckOptions::default());
    let given: Vec<Arc<Unit>> = input.units.iter().cloned().map(Arc::new).collect();
    let report = checker.check(&given, None);
    if let Some(first) = report.violations.first() {
        return Err(BuildError::InputNotClean {
            errors: report.violations.len(),
            first: first.message.clone(),
        });
    }
    let lowest = [Level::Village, Level::Township, Level::District]
        .into_iter()
        .find(|&l| input.units.iter().any(|u| u.level == l))
        .ok_or_else(|| BuildError::NoUnits {
            level: "district".into(),
        })?;
    lap("check input", &mut timings);

    let mut resolutions = Vec::new();
    let (units, counts) = if lowest == Level::District {
        let lowest_units: Vec<&Unit> = input.units.iter().filter(|u| u.level == lowest).collect();
        let names = names_by_district(&input.townships, &lowest_units)?;
        let first = stage(
            &input.units,
            Level::District,
            Goal::Townships(names),
            Counts::ByWorkload,
            input.weights,
            options,
            progress,
        )?;
        lap("townships", &mut timings);
        let counts: Vec<usize> = first
            .units
            .iter()
            .filter(|u| u.level == Level::Township)
            .map(|u| first.township_cells.get(&u.code).copied().unwrap_or(1))
            .collect();
        resolutions.extend(first.resolutions);
        (first.units, Counts::PerUnit(counts))
    } else {
        (input.units.clone(), Counts::ByWorkload)
    };
    let lowest = if lowest == Level::District {
        Level::Township
    } else {
        lowest
    };
    let second = stage(
        &units,
        lowest,
        Goal::Cells,
        counts,
        input.weights,
        options,
        progress,
    )?;
    resolutions.extend(second.resolutions);
    let mut units = second.units;
    sum_households(&mut units, &input.units);
    lap("villages and cells", &mut timings);

    progress.stage("checking the result", 1);
    let all: Vec<Arc<Unit>> = units.iter().cloned().map(Arc::new).collect();
    let report = checker.check(&all, None);
    progress.tick();
    lap("final check", &mut timings);
    let mut summary = summarize(
        &units,
        &resolutions,
        options,
        timings,
        started.elapsed().as_secs_f64(),
    );
    summary.planned_cells = second.planned_cells;
    Ok(Built {
        units,
        summary,
        report,
    })
}

/// One stage: divides every unit at `level` of `all` as `goal` says.
///
/// A probe of each unit's density sizes its cells and hexagons; the units are
/// tiled and weighted, divided into leaves, turned into polygons in one shared
/// topology, and the leaves named and numbered as units.
fn stage(
    all: &[Unit],
    level: Level,
    goal: Goal,
    counts: Counts,
    weights: Weights<'_>,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<StageOut> {
    let t0 = Instant::now();
    let lowest: Vec<&Unit> = all.iter().filter(|u| u.level == level).collect();
    let topo = Topology::build(lowest.iter().map(|u| &u.geometry))?;
    let bands: Vec<Bands> = lowest.iter().map(|u| Bands::new(&u.geometry)).collect();

    // Hexagons: a probe for the density, then each unit at its resolution.
    let (probe_load, probe_area) = probe(&lowest, &bands, weights, options)?;
    let counts = cell_counts(counts, &goal, &probe_load, options);
    let resolutions = resolutions(&goal, &counts, &probe_area, options);
    progress.stage(goal.tiling(), lowest.len() as u64);
    let (hexes, loads) = tile_units(&lowest, &bands, &resolutions, weights, options, progress)?;
    tracing::info!(
        units = lowest.len(),
        hexagons = hexes.iter().map(Hexes::len).sum::<usize>(),
        elapsed_ms = t0.elapsed().as_millis() as u64,
        "tiled"
    );

    progress.stage(goal.dividing(), lowest.len() as u64);
    let divisions = divide_all(&lowest, hexes, &loads, &counts, &goal, options, progress)?;
    tracing::info!(elapsed_ms = t0.elapsed().as_millis() as u64, "divided");

    progress.stage("building polygons", 1);
    let labelled = stage_labels(&divisions);
    let assembled = stage_polygons(&topo, &labelled, &resolutions, options);
    progress.tick();
    tracing::info!(elapsed_ms = t0.elapsed().as_millis() as u64, "polygons");

    let leaves: usize = divisions.iter().map(|d| d.leaves.len()).sum();
    let households = leaf_households(&labelled, leaves);
    let mut units = given_units(all, &lowest, &topo, &assembled.edges);
    let (generated, township_cells) = name_leaves(
        &lowest,
        &divisions,
        &assembled.units,
        &households,
        &goal,
        &options.layout,
    )?;
    units.extend(generated);
    Ok(StageOut {
        units,
        township_cells,
        resolutions,
        planned_cells: leaves,
    })
}

/// The cells each unit gets: as given, or the total (`--cells`, else the
/// workload rounded) apportioned by the probed workloads, at least one per
/// township name listed.
fn cell_counts(
    counts: Counts,
    goal: &Goal,
    probe_load: &[f64],
    options: &BuildOptions,
) -> Vec<usize> {
    match counts {
        Counts::PerUnit(c) => c,
        Counts::ByWorkload => {
            let total = options
                .cells
                .unwrap_or_else(|| probe_load.iter().sum::<f64>().round().max(1.0) as usize);
            let min: Vec<usize> = (0..probe_load.len())
                .map(|k| match goal {
                    Goal::Townships(n) => n.get(&k).map_or(1, Vec::len).max(1),
                    Goal::Cells => 1,
                })
                .collect();
            apportion(total, probe_load, &min)
        }
    }
}

/// Each unit's H3 resolution: as given, or fine enough for `hexes_per_cell`
/// hexagons in a leaf (a cell, or a township of cells) at the unit's densest.
fn resolutions(
    goal: &Goal,
    counts: &[usize],
    probe_area: &[f64],
    options: &BuildOptions,
) -> Vec<u8> {
    (0..counts.len())
        .map(|k| match options.resolution {
            Some(r) => r,
            None => {
                let leaf_cells = match goal {
                    Goal::Townships(n) => {
                        let k_t = township_count(counts[k], n.get(&k).map(Vec::len), options);
                        counts[k] as f64 / k_t as f64
                    }
                    Goal::Cells => 1.0,
                };
                let cell_m2 = probe_area[k];
                u8::from(resolution_for(
                    cell_m2 * leaf_cells / options.hexes_per_cell,
                    MIN_RESOLUTION,
                    MAX_RESOLUTION - 1,
                ))
            }
        })
        .collect()
}

/// Tiles each unit with hexagons at its resolution, spreads the weights onto
/// them, and gives each piece its workload.
fn tile_units(
    lowest: &[&Unit],
    bands: &[Bands],
    resolutions: &[u8],
    weights: Weights<'_>,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<(Vec<Hexes>, Vec<Vec<f64>>)> {
    let mut hexes: Vec<Hexes> = lowest
        .par_iter()
        .zip(resolutions)
        .map(|(u, &r)| {
            let h = tile(u.code.as_str(), &u.geometry, res(r), false);
            progress.tick();
            h
        })
        .collect::<Result<_>>()?;
    weights::assign(&mut hexes, bands, weights);
    let loads: Vec<Vec<f64>> = hexes.iter().map(|h| load_of(h, options)).collect();
    Ok((hexes, loads))
}

/// Divides every unit's hexagons into its leaves, in parallel.
fn divide_all(
    lowest: &[&Unit],
    hexes: Vec<Hexes>,
    loads: &[Vec<f64>],
    counts: &[usize],
    goal: &Goal,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<Vec<Division>> {
    hexes
        .into_par_iter()
        .zip(loads.par_iter())
        .enumerate()
        .map(|(k, (h, load))| {
            let d = divide(lowest[k], h, load, counts[k], goal.named(k), options);
            progress.tick();
            d
        })
        .collect()
}

/// Every unit's labelled hexagons, the labels numbered on across units so every
/// leaf of the stage has its own.
fn stage_labels(divisions: &[Division]) -> Vec<Labelled> {
    let mut offset = 0u32;
    divisions
        .iter()
        .map(|d| {
            let label = d.labelled.label.iter().map(|&l| l + offset).collect();
            offset += d.leaves.len() as u32;
            Labelled {
                hexes: d.labelled.hexes.clone(),
                label,
            }
        })
        .collect()
}

/// Exact polygons of every leaf in one topology: assembled, stray parts merged
/// into their neighbours, inner boundaries simplified (if asked).
fn stage_polygons(
    topo: &Topology,
    labelled: &[Labelled],
    resolutions: &[u8],
    options: &BuildOptions,
) -> Assembled {
    let mut assembled = assemble(topo, labelled);
    if assembled.conflicts > 0 {
        tracing::warn!(faces = assembled.conflicts, "faces with two labels");
    }
    for arr in &mut assembled.units {
        merge_stray_parts(arr);
    }
    if options.simplify {
        assembled.units = assembled
            .units
            .par_iter()
            .zip(resolutions)
            .map(|(arr, &r)| simplify_inner(arr, SIMPLIFY_EDGES * res(r).edge_length_m()))
            .collect();
    }
    assembled
}

/// The households of every leaf of the stage, by stage label.
fn leaf_households(labelled: &[Labelled], leaves: usize) -> Vec<f64> {
    let mut households = vec![0.0; leaves];
    for l in labelled {
        for (i, &lab) in l.label.iter().enumerate() {
            households[lab as usize] += l.hexes.households[i];
        }
    }
    households
}

/// The units generated inside each lowest unit, in unit order: its townships
/// (with the cells planned for each, by code), or its villages and cells.
fn name_leaves(
    lowest: &[&Unit],
    divisions: &[Division],
    arrangements: &[Arrangement],
    households: &[f64],
    goal: &Goal,
    layout: &citygrid_model::CodeLayout,
) -> Result<(Vec<Unit>, FxHashMap<UnitCode, usize>)> {
    let mut township_cells = FxHashMap::default();
    let mut first_label = 0usize;
    let mut generated: Vec<Vec<Unit>> = Vec::with_capacity(lowest.len());
    for (k, d) in divisions.iter().enumerate() {
        let hh = &households[first_label..first_label + d.leaves.len()];
        let local = LocalArrangement {
            arr: &arrangements[k],
            first_label: first_label as u32,
        };
        generated.push(match goal {
            Goal::Townships(names) => {
                let made = name_townships(lowest[k], d, &local, names.get(&k), hh, layout)?;
                for (u, cells) in &made {
                    township_cells.insert(u.code.clone(), *cells);
                }
                made.into_iter().map(|m| m.0).collect()
            }
            Goal::Cells => name_villages_and_cells(lowest[k], d, &local, hh, layout)?,
        });
        first_label += d.leaves.len();
    }
    Ok((generated.into_iter().flatten().collect(), township_cells))
}

/// Simplification tolerance in hexagon edge lengths: the staircase along a cut is
/// up to about one edge deep, so this flattens it and little else.
const SIMPLIFY_EDGES: f64 = 1.0;

fn res(r: u8) -> h3o::Resolution {
    h3o::Resolution::try_from(r).expect("resolution validated")
}

/// The workload of each piece.
fn load_of(h: &Hexes, options: &BuildOptions) -> Vec<f64> {
    let per_area = 1.0 / (options.cell_area_km2 * 1.0e6);
    (0..h.len())
        .map(|i| h.households[i] / options.households_per_cell + h.area[i] * per_area)
        .collect()
}

/// A coarse look at each unit (H3 resolution 9, centres only): its total workload,
/// and the area of a cell where the densest 5% of its workload lives, which decides
/// how fine its hexagons must be.
fn probe(
    lowest: &[&Unit],
    bands: &[Bands],
    w: Weights<'_>,
    options: &BuildOptions,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut probes: Vec<Hexes> = lowest
        .par_iter()
        .map(|u| tile(u.code.as_str(), &u.geometry, h3o::Resolution::Nine, true))
        .collect::<Result<_>>()?;
    weights::assign(&mut probes, bands, w);
    let mut totals = Vec::new();
    let mut cell_areas = Vec::new();
    for p in &probes {
        let load = load_of(p, options);
        let total: f64 = load.iter().sum();
        let mut dens: Vec<(f64, f64)> = (0..p.len())
            .filter(|&i| p.area[i] > 0.0)
            .map(|i| (load[i] / p.area[i], load[i]))
            .collect();
        dens.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut acc = 0.0;
        let mut rho = dens.first().map_or(0.0, |d| d.0);
        for d in &dens {
            acc += d.1;
            rho = d.0;
            if acc >= 0.05 * total {
                break;
            }
        }
        totals.push(total);
        // A unit too small for the probe: one cell of its own area, or of the
        // sparse-land area.
        cell_areas.push(if rho > 0.0 {
            1.0 / rho
        } else {
            options.cell_area_km2 * 1.0e6
        });
    }
    Ok((totals, cell_areas))
}

/// Townships to make in a district with `cells` cells: as many as names are
/// listed, else one per `cells_per_township`; never more than cells.
fn township_count(cells: usize, named: Option<usize>, options: &BuildOptions) -> usize {
    named
        .unwrap_or_else(|| (cells as f64 / options.cells_per_township).round().max(1.0) as usize)
        .min(cells)
        .max(1)
}

/// Township names for each lowest unit (by position), when the lowest level is the
/// district.
fn names_by_district(
    list: &[TownshipName],
    lowest: &[&Unit],
) -> Result<FxHashMap<usize, Vec<TownshipName>>> {
    let mut out: FxHashMap<usize, Vec<TownshipName>> = FxHashMap::default();
    let pos: FxHashMap<&UnitCode, usize> = lowest
        .iter()
        .enumerate()
        .map(|(k, u)| (&u.code, k))
        .collect();
    for t in list {
        let Some(&k) = pos.get(&t.district) else {
            return Err(BuildError::Names {
                reason: format!(
                    "township {} {} belongs to district {}, which is not in the input",
                    t.code, t.name, t.district
                ),
            });
        };
        out.entry(k).or_default().push(t.clone());
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.code.as_str().cmp(b.code.as_str()));
    }
    Ok(out)
}

/// Divides one unit's pieces: a district into townships (`named`: the township
/// stage, with the number of listed names), a township into villages and cells, a
/// village into cells.
fn divide(
    unit: &Unit,
    hexes: Hexes,
    load: &[f64],
    cells: usize,
    named: Option<Option<usize>>,
    options: &BuildOptions,
) -> Result<Division> {
    let all: Vec<u32> = (0..hexes.len() as u32).collect();
    let mut splitter = Splitter::new(&hexes, load, unit.code.as_str());
    let mut label = vec![0u32; hexes.len()];
    let mut leaves: Vec<Leaf> = Vec::new();
    let mut villages = 0u32;
    let mut townships = 1;
    let mut mark = |part: &[u32], leaf: Leaf, leaves: &mut Vec<Leaf>| {
        for &i in part {
            label[i as usize] = leaves.len() as u32;
        }
        leaves.push(leaf);
    };
    if let Some(named) = named {
        let k = township_count(cells, named, options);
        let per = even(cells, k);
        let shares: Vec<f64> = per.iter().map(|&c| c as f64).collect();
        for (t, (part, c)) in splitter
            .split(all, &shares)?
            .into_iter()
            .zip(per)
            .enumerate()
        {
            let leaf = Leaf {
                township: t as u32,
                village: 0,
                cells: c,
            };
            mark(&part, leaf, &mut leaves);
        }
        townships = k;
    } else {
        let village_groups: Vec<(Vec<u32>, usize)> = if unit.level == Level::Village {
            vec![(all, cells)]
        } else {
            let v = ((cells as f64 / options.cells_per_village).round() as usize)
                .clamp(1, cells.max(1));
            let per = even(cells, v);
            let shares: Vec<f64> = per.iter().map(|&c| c as f64).collect();
            splitter.split(all, &shares)?.into_iter().zip(per).collect()
        };
        for (members, c) in village_groups {
            for part in splitter.split(members, &vec![1.0; c.max(1)])? {
                let leaf = Leaf {
                    township: 0,
                    village: villages,
                    cells: 1,
                };
                mark(&part, leaf, &mut leaves);
            }
            villages += 1;
        }
    }
    drop(splitter);
    Ok(Division {
        labelled: Labelled { hexes, label },
        leaves,
        townships,
        villages: villages as usize,
    })
}

/// The given units with geometry rebuilt from the refined shared edges, so they
/// carry every vertex their new children put on their boundaries.
fn given_units(
    input: &[Unit],
    lowest: &[&Unit],
    topo: &Topology,
    edges: &[Vec<geo_types::Coord<f64>>],
) -> Vec<Unit> {
    let arr = topology_arrangement(topo, edges);
    let by_code: FxHashMap<&UnitCode, &Unit> = input.iter().map(|u| (&u.code, u)).collect();
    // The given ancestor of a lowest unit at `level`.
    let ancestor = |k: usize, level: Level| -> Option<&UnitCode> {
        let mut u = lowest[k];
        while u.level != level {
            u = by_code.get(u.parent.as_ref()?)?;
        }
        Some(&u.code)
    };
    input
        .iter()
        .map(|u| {
            let mut out = u.clone();
            let inside: Vec<bool> = (0..lowest.len())
                .map(|k| ancestor(k, u.level) == Some(&u.code))
                .collect();
            if !inside.contains(&true) {
                return out;
            }
            let rings = arr.dissolve(|l| u32::from(l == OUTSIDE || !inside[l as usize]));
            out.geometry = polygons(
                rings
                    .get(&0)
                    .map(|r| r.iter().map(|r| arr.ring_coords(r)).collect())
                    .unwrap_or_default(),
            );
            out
        })
        .collect()
}

/// One unit's arrangement, whose labels start at `first_label`.
struct LocalArrangement<'a> {
    arr: &'a Arrangement,
    first_label: u32,
}

impl LocalArrangement<'_> {
    /// The polygons of `n` groups, `group` mapping a leaf (local label) to its group.
    fn groups(&self, group: impl Fn(usize) -> u32, n: usize) -> Vec<MultiPolygon<f64>> {
        let first = self.first_label;
        let rings = self.arr.dissolve(|l| {
            if l == OUTSIDE {
                u32::MAX
            } else {
                group(l.wrapping_sub(first) as usize)
            }
        });
        (0..n as u32)
            .map(|g| {
                polygons(
                    rings
                        .get(&g)
                        .map(|r| r.iter().map(|r| self.arr.ring_coords(r)).collect())
                        .unwrap_or_default(),
                )
            })
            .collect()
    }
}

/// The townships of one district, numbered in reading order and named from the list
/// (by code order) where there is one; with the cells planned for each.
fn name_townships(
    district: &Unit,
    d: &Division,
    local: &LocalArrangement<'_>,
    names: Option<&Vec<TownshipName>>,
    households: &[f64],
    layout: &citygrid_model::CodeLayout,
) -> Result<Vec<(Unit, usize)>> {
    let geoms = local.groups(|l| d.leaves[l].township, d.townships);
    let refs: Vec<&MultiPolygon<f64>> = geoms.iter().collect();
    let order = reading_order(&refs);
    let mut out = Vec::new();
    for (t, g) in geoms.into_iter().enumerate() {
        let seq = order[t];
        let (code, name) = match names.and_then(|n| n.get(seq as usize - 1)) {
            Some(n) => (n.code.clone(), n.name.clone()),
            None => (
                layout.child_code(&district.code, Level::District, seq)?,
                format!("{}第{seq}街道", district.name),
            ),
        };
        out.push((
            generated(
                &code,
                &name,
                Level::Township,
                &district.code,
                g,
                households[t],
            ),
            d.leaves[t].cells,
        ));
    }
    Ok(out)
}

/// The villages (unless `parent` is a village) and cells inside `parent`, numbered in
/// reading order: villages named after their township (社区 in a 街道, 村 elsewhere),
/// cells after their village (第N网格).
fn name_villages_and_cells(
    parent: &Unit,
    d: &Division,
    local: &LocalArrangement<'_>,
    households: &[f64],
    layout: &citygrid_model::CodeLayout,
) -> Result<Vec<Unit>> {
    let mut out = Vec::new();
    let villages: Vec<(UnitCode, String)> = if parent.level == Level::Village {
        vec![(parent.code.clone(), parent.name.clone())]
    } else {
        let geoms = local.groups(|l| d.leaves[l].village, d.villages);
        let refs: Vec<&MultiPolygon<f64>> = geoms.iter().collect();
        let order = reading_order(&refs);
        let street = parent.name.ends_with("街道");
        let stem = parent
            .name
            .trim_end_matches("街道")
            .trim_end_matches('镇')
            .trim_end_matches('乡');
        let mut made = Vec::new();
        for (v, g) in geoms.into_iter().enumerate() {
            let seq = order[v];
            let code = layout.child_code(&parent.code, Level::Township, seq)?;
            let name = format!("{stem}{seq}{}", if street { "社区" } else { "村" });
            let hh = d
                .leaves
                .iter()
                .zip(households)
                .filter(|(l, _)| l.village as usize == v)
                .map(|(_, h)| h)
                .sum();
            out.push(generated(&code, &name, Level::Village, &parent.code, g, hh));
            made.push((code, name));
        }
        made
    };
    let geoms = local.groups(|l| l as u32, d.leaves.len());
    for (v, (v_code, v_name)) in villages.iter().enumerate() {
        // A cell whose every face went to a neighbour (a face bounded by two
        // labels, where a hexagon edge crossing was lost to rounding) is dropped;
        // its area is already in that neighbour.
        let members: Vec<usize> = (0..d.leaves.len())
            .filter(|&c| d.leaves[c].village as usize == v && !geoms[c].0.is_empty())
            .collect();
        let refs: Vec<&MultiPolygon<f64>> = members.iter().map(|&c| &geoms[c]).collect();
        let order = reading_order(&refs);
        for (m, &c) in members.iter().enumerate() {
            let code = layout.child_code(v_code, Level::Village, order[m])?;
            let name = format!("{v_name}第{}网格", order[m]);
            out.push(generated(
                &code,
                &name,
                Level::Cell,
                v_code,
                geoms[c].clone(),
                households[c],
            ));
        }
    }
    Ok(out)
}

/// Sets the households of every generated unit above the cells to the sum of its
/// cells (the township stage only estimated them).
fn sum_households(units: &mut [Unit], given: &[Unit]) {
    let given: rustc_hash::FxHashSet<&UnitCode> = given.iter().map(|u| &u.code).collect();
    let pos: FxHashMap<UnitCode, usize> = units
        .iter()
        .enumerate()
        .map(|(k, u)| (u.code.clone(), k))
        .collect();
    let mut sums = vec![0.0; units.len()];
    for u in units.iter().filter(|u| u.level == Level::Cell) {
        let hh = match u.attributes.get("households") {
            Some(AttrValue::Number(n)) => *n,
            _ => 0.0,
        };
        let mut p = u.parent.as_ref();
        while let Some(code) = p {
            let Some(&k) = pos.get(code) else { break };
            sums[k] += hh;
            p = units[k].parent.as_ref();
        }
    }
    for (u, s) in units.iter_mut().zip(sums) {
        if u.level != Level::Cell && !given.contains(&u.code) {
            u.attributes
                .insert("households".into(), AttrValue::Number(s.round()));
        }
    }
}

/// A generated unit with its households and area.
fn generated(
    code: &UnitCode,
    name: &str,
    level: Level,
    parent: &UnitCode,
    geometry: MultiPolygon<f64>,
    households: f64,
) -> Unit {
    let area = citygrid_model::measure::area_m2(&geometry);
    Unit::new(code.clone(), level, geometry)
        .with_name(name)
        .with_parent(parent.clone())
        .with_attribute("households", AttrValue::Number(households.round()))
        .with_attribute("area_m2", AttrValue::Number(area.round()))
}
