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

use std::time::Instant;

use citygrid_check::{CheckOptions, Checker};
use citygrid_model::sequence::reading_order;
use citygrid_model::{AttrValue, Level, Topology, Unit, UnitCode};
use geo_types::MultiPolygon;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::assemble::{Labelled, assemble, topology_arrangement};
use crate::error::{BuildError, Result};
use crate::faces::{Arrangement, OUTSIDE, polygons};
use crate::hexes::{Hexes, resolution_for, tile};
use crate::inside::Bands;
use crate::options::{BuildOptions, MAX_RESOLUTION, MIN_RESOLUTION};
use crate::plan::{apportion, even};
use crate::repair::merge_stray_parts;
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
}

/// One lowest given unit, divided.
struct Division {
    labelled: Labelled,
    /// For each local cell: (local township, local village).
    cells: Vec<(u32, u32)>,
    townships: usize,
    villages: usize,
}

/// Builds the partition.
///
/// # Errors
/// [`BuildError::InputNotClean`] when the given units do not form a clean coverage,
/// [`BuildError::NoUnits`] without units to divide, option and tiling errors, and
/// [`BuildError::OutputNotClean`] should the result fail its own check.
pub fn build(
    input: &BuildInput<'_>,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<Built> {
    options.validate()?;
    let started = Instant::now();
    let mut timings: Vec<(&'static str, f64)> = Vec::new();
    let mut lap = {
        let mut last = Instant::now();
        move |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
            timings.push((name, last.elapsed().as_secs_f64()));
            last = Instant::now();
        }
    };

    // 1. The input.
    let checker = Checker::new(CheckOptions::default());
    let given: Vec<std::sync::Arc<Unit>> = input
        .units
        .iter()
        .cloned()
        .map(std::sync::Arc::new)
        .collect();
    let report = checker.check(&given, None);
    if let Some(first) = report.violations.first() {
        return Err(BuildError::InputNotClean {
            errors: report.violations.len(),
            first: first.message.clone(),
        });
    }
    let lowest_level = [Level::Village, Level::Township, Level::District]
        .into_iter()
        .find(|&l| input.units.iter().any(|u| u.level == l))
        .ok_or_else(|| BuildError::NoUnits {
            level: "district".into(),
        })?;
    let lowest: Vec<&Unit> = input
        .units
        .iter()
        .filter(|u| u.level == lowest_level)
        .collect();
    let topo = Topology::build(lowest.iter().map(|u| &u.geometry))?;
    let bands: Vec<Bands> = lowest.iter().map(|u| Bands::new(&u.geometry)).collect();
    lap("check input", &mut timings);

    // 2. Hexagons and weights.
    let resolutions: Vec<u8> = match options.resolution {
        Some(r) => vec![r; lowest.len()],
        None => probe_resolutions(&lowest, &bands, input.weights, options)?,
    };
    progress.stage("tiling units with hexagons", lowest.len() as u64);
    let mut hexes: Vec<Hexes> = lowest
        .par_iter()
        .zip(&resolutions)
        .map(|(u, &r)| {
            let h = tile(u.code.as_str(), &u.geometry, res(r), false);
            progress.tick();
            h
        })
        .collect::<Result<_>>()?;
    weights::assign(&mut hexes, &bands, input.weights);
    let loads: Vec<Vec<f64>> = hexes.iter().map(|h| load_of(h, options)).collect();
    lap("hexagons and weights", &mut timings);

    // 3. Cells per unit.
    let township_names = names_by_district(&input.townships, &lowest, lowest_level)?;
    let unit_load: Vec<f64> = loads.iter().map(|l| l.iter().sum()).collect();
    let total_load: f64 = unit_load.iter().sum();
    let total = options
        .cells
        .unwrap_or_else(|| total_load.round().max(1.0) as usize);
    let min: Vec<usize> = (0..lowest.len())
        .map(|k| township_names.get(&k).map_or(1, Vec::len).max(1))
        .collect();
    let counts = apportion(total, &unit_load, &min);

    // 4. Divide.
    progress.stage("dividing units into cells", lowest.len() as u64);
    let divisions: Vec<Division> = hexes
        .into_par_iter()
        .zip(loads.par_iter())
        .enumerate()
        .map(|(k, (h, load))| {
            let d = divide(
                lowest[k].code.as_str(),
                h,
                load,
                counts[k],
                lowest_level,
                township_names.get(&k).map(Vec::len),
                options,
            );
            progress.tick();
            d
        })
        .collect::<Result<_>>()?;
    lap("division", &mut timings);

    // 5. Geometry.
    let mut offset = 0u32;
    let mut cell_of: Vec<(usize, u32)> = Vec::new();
    let labelled: Vec<Labelled> = divisions
        .iter()
        .enumerate()
        .map(|(k, d)| {
            let label = d.labelled.label.iter().map(|&l| l + offset).collect();
            cell_of.extend((0..d.cells.len() as u32).map(|c| (k, c)));
            offset += d.cells.len() as u32;
            Labelled {
                hexes: d.labelled.hexes.clone(),
                label,
            }
        })
        .collect();
    progress.stage("building polygons", 1);
    let mut assembled = assemble(&topo, &labelled);
    progress.tick();
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
            .zip(&resolutions)
            .map(|(arr, &r)| simplify_inner(arr, SIMPLIFY_EDGES * res(r).edge_length_m()))
            .collect();
    }
    lap("polygons", &mut timings);

    // Households per cell, by label.
    let mut households = vec![0.0; offset as usize];
    for l in &labelled {
        for (i, &lab) in l.label.iter().enumerate() {
            households[lab as usize] += l.hexes.households[i];
        }
    }

    let mut units = given_units(&input.units, &lowest, &topo, &assembled.edges);
    let generated = name_and_code(
        &lowest,
        &divisions,
        &assembled.units,
        &township_names,
        &households,
        options,
    )?;
    units.extend(generated);
    lap("codes and names", &mut timings);

    // 6. Check.
    progress.stage("checking the result", 1);
    let all: Vec<std::sync::Arc<Unit>> = units.iter().cloned().map(std::sync::Arc::new).collect();
    let report = checker.check(&all, None);
    progress.tick();
    lap("final check", &mut timings);
    if let Some(first) = report.violations.first() {
        return Err(BuildError::OutputNotClean {
            errors: report.violations.len(),
            first: first.message.clone(),
        });
    }
    let summary = summarize(
        &units,
        &resolutions,
        options,
        timings,
        started.elapsed().as_secs_f64(),
    );
    Ok(Built { units, summary })
}

/// Simplification tolerance in hexagon edge lengths: the staircase along a
/// straight cut is about half an edge deep, so this flattens it and little else.
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

/// Picks each unit's resolution from a coarse probe: the densest 5% of its workload
/// decides how small its cells get, and cells that small should still hold
/// `hexes_per_cell` hexagons.
fn probe_resolutions(
    lowest: &[&Unit],
    bands: &[Bands],
    w: Weights<'_>,
    options: &BuildOptions,
) -> Result<Vec<u8>> {
    let mut probes: Vec<Hexes> = lowest
        .par_iter()
        .map(|u| tile(u.code.as_str(), &u.geometry, h3o::Resolution::Nine, true))
        .collect::<Result<_>>()?;
    weights::assign(&mut probes, bands, w);
    Ok(probes
        .iter()
        .map(|p| {
            let load = load_of(p, options);
            let mut dens: Vec<(f64, f64)> = (0..p.len())
                .filter(|&i| p.area[i] > 0.0)
                .map(|i| (load[i] / p.area[i], load[i]))
                .collect();
            dens.sort_by(|a, b| b.0.total_cmp(&a.0));
            let total: f64 = dens.iter().map(|d| d.1).sum();
            let mut acc = 0.0;
            let mut rho = dens.first().map_or(0.0, |d| d.0);
            for d in &dens {
                acc += d.1;
                rho = d.0;
                if acc >= 0.05 * total {
                    break;
                }
            }
            if rho <= 0.0 {
                return MIN_RESOLUTION;
            }
            let cell_area = 1.0 / rho;
            u8::from(resolution_for(
                cell_area / options.hexes_per_cell,
                MIN_RESOLUTION,
                MAX_RESOLUTION - 1,
            ))
        })
        .collect())
}

/// Township names for each lowest unit (by position), when the lowest level is the
/// district.
fn names_by_district(
    list: &[TownshipName],
    lowest: &[&Unit],
    level: Level,
) -> Result<FxHashMap<usize, Vec<TownshipName>>> {
    let mut out: FxHashMap<usize, Vec<TownshipName>> = FxHashMap::default();
    if level != Level::District {
        return Ok(out);
    }
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

/// Divides one unit's pieces into its townships, villages and cells.
fn divide(
    code: &str,
    hexes: Hexes,
    load: &[f64],
    cells: usize,
    level: Level,
    named_townships: Option<usize>,
    options: &BuildOptions,
) -> Result<Division> {
    let all: Vec<u32> = (0..hexes.len() as u32).collect();
    let mut splitter = Splitter::new(&hexes, load, code);
    let township_groups: Vec<(Vec<u32>, usize)> = if level == Level::District {
        let k = named_townships
            .unwrap_or_else(|| {
                (cells as f64 / options.cells_per_township).round().max(1.0) as usize
            })
            .min(cells)
            .max(1);
        let per = even(cells, k);
        let shares: Vec<f64> = per.iter().map(|&c| c as f64).collect();
        splitter.split(all, &shares)?.into_iter().zip(per).collect()
    } else {
        vec![(all, cells)]
    };
    let mut label = vec![0u32; hexes.len()];
    let mut plan: Vec<(u32, u32)> = Vec::new();
    let mut villages = 0u32;
    for (t, (members, t_cells)) in township_groups.iter().enumerate() {
        let village_groups: Vec<(Vec<u32>, usize)> = if level == Level::Village {
            vec![(members.clone(), *t_cells)]
        } else {
            let v =
                ((*t_cells as f64 / options.cells_per_village).round() as usize).clamp(1, *t_cells);
            let per = even(*t_cells, v);
            let shares: Vec<f64> = per.iter().map(|&c| c as f64).collect();
            splitter
                .split(members.clone(), &shares)?
                .into_iter()
                .zip(per)
                .collect()
        };
        for (members, c) in village_groups {
            for part in splitter.split(members, &vec![1.0; c])? {
                let cell = plan.len() as u32;
                for i in part {
                    label[i as usize] = cell;
                }
                plan.push((t as u32, villages));
            }
            villages += 1;
        }
    }
    drop(splitter);
    Ok(Division {
        labelled: Labelled { hexes, label },
        cells: plan,
        townships: township_groups.len(),
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

/// Turns divisions into units: geometry from the arrangements, codes in reading
/// order, names, households and area.
fn name_and_code(
    lowest: &[&Unit],
    divisions: &[Division],
    arrs: &[Arrangement],
    township_names: &FxHashMap<usize, Vec<TownshipName>>,
    households: &[f64],
    options: &BuildOptions,
) -> Result<Vec<Unit>> {
    let layout = &options.layout;
    let per_unit: Vec<Vec<Unit>> = (0..lowest.len())
        .into_par_iter()
        .map(|k| {
            let parent = lowest[k];
            let d = &divisions[k];
            let arr = &arrs[k];
            let first_label = divisions[..k]
                .iter()
                .map(|d| d.cells.len() as u32)
                .sum::<u32>();
            let local = |l: u32| l.wrapping_sub(first_label);
            let geom_of = |group: &dyn Fn(u32) -> u32, n: usize| -> Vec<MultiPolygon<f64>> {
                let rings = arr.dissolve(|l| {
                    if l == OUTSIDE {
                        u32::MAX
                    } else {
                        group(local(l))
                    }
                });
                (0..n as u32)
                    .map(|g| {
                        polygons(
                            rings
                                .get(&g)
                                .map(|r| r.iter().map(|r| arr.ring_coords(r)).collect())
                                .unwrap_or_default(),
                        )
                    })
                    .collect()
            };
            let hh = |cells: &mut dyn Iterator<Item = usize>| -> f64 {
                cells.map(|c| households[first_label as usize + c]).sum()
            };
            let mut out = Vec::new();
            // Townships.
            let (t_codes, t_names): (Vec<UnitCode>, Vec<String>) =
                if parent.level == Level::District {
                    let geoms = geom_of(&|c| d.cells[c as usize].0, d.townships);
                    let refs: Vec<&MultiPolygon<f64>> = geoms.iter().collect();
                    let order = reading_order(&refs);
                    let names = township_names.get(&k);
                    let mut codes = Vec::new();
                    let mut labels = Vec::new();
                    for (t, g) in geoms.into_iter().enumerate() {
                        let seq = order[t];
                        let (code, name) = match names.and_then(|n| n.get(seq as usize - 1)) {
                            Some(n) => (n.code.clone(), n.name.clone()),
                            None => {
                                let code = layout.child_code(&parent.code, Level::District, seq)?;
                                let name = format!("{}{}街道", parent.name, seq);
                                (code, name)
                            }
                        };
                        let households = hh(&mut d
                            .cells
                            .iter()
                            .enumerate()
                            .filter(|c| c.1.0 == t as u32)
                            .map(|c| c.0));
                        out.push(generated(
                            &code,
                            &name,
                            Level::Township,
                            &parent.code,
                            g,
                            households,
                        ));
                        codes.push(code);
                        labels.push(name);
                    }
                    (codes, labels)
                } else {
                    (vec![parent.code.clone()], vec![parent.name.clone()])
                };
            // Villages.
            let (v_codes, v_names): (Vec<UnitCode>, Vec<String>) = if parent.level == Level::Village
            {
                (vec![parent.code.clone()], vec![parent.name.clone()])
            } else {
                let geoms = geom_of(&|c| d.cells[c as usize].1, d.villages);
                let mut codes = vec![None; d.villages];
                let mut names = vec![String::new(); d.villages];
                for (t, t_code) in t_codes.iter().enumerate() {
                    let members: Vec<usize> = (0..d.villages)
                        .filter(|&v| {
                            d.cells
                                .iter()
                                .any(|c| c.1 as usize == v && c.0 as usize == t)
                        })
                        .collect();
                    let refs: Vec<&MultiPolygon<f64>> =
                        members.iter().map(|&v| &geoms[v]).collect();
                    let order = reading_order(&refs);
                    let street = t_names[t].ends_with("街道");
                    for (m, &v) in members.iter().enumerate() {
                        let code = layout.child_code(t_code, Level::Township, order[m])?;
                        let stem = t_names[t]
                            .trim_end_matches("街道")
                            .trim_end_matches('镇')
                            .trim_end_matches('乡');
                        names[v] =
                            format!("{stem}{}{}", order[m], if street { "社区" } else { "村" });
                        codes[v] = Some(code);
                    }
                }
                let mut out_codes = Vec::new();
                for (v, g) in geoms.into_iter().enumerate() {
                    let code = codes[v]
                        .clone()
                        .expect("every village belongs to a township");
                    let t = d
                        .cells
                        .iter()
                        .find(|c| c.1 as usize == v)
                        .map_or(0, |c| c.0 as usize);
                    let households = hh(&mut d
                        .cells
                        .iter()
                        .enumerate()
                        .filter(|c| c.1.1 == v as u32)
                        .map(|c| c.0));
                    out.push(generated(
                        &code,
                        &names[v],
                        Level::Village,
                        &t_codes[t],
                        g,
                        households,
                    ));
                    out_codes.push(code);
                }
                (out_codes, names)
            };
            // Cells.
            let geoms = geom_of(&|c| c, d.cells.len());
            let n_villages = v_codes.len();
            for v in 0..n_villages {
                let members: Vec<usize> = (0..d.cells.len())
                    .filter(|&c| n_villages == 1 || d.cells[c].1 as usize == v)
                    .collect();
                let refs: Vec<&MultiPolygon<f64>> = members.iter().map(|&c| &geoms[c]).collect();
                let order = reading_order(&refs);
                for (m, &c) in members.iter().enumerate() {
                    let code = layout.child_code(&v_codes[v], Level::Village, order[m])?;
                    let name = format!("{}第{}网格", v_names[v], order[m]);
                    out.push(generated(
                        &code,
                        &name,
                        Level::Cell,
                        &v_codes[v],
                        geoms[c].clone(),
                        households[first_label as usize + c],
                    ));
                }
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    Ok(per_unit.into_iter().flatten().collect())
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
