//! An edit re-renders exactly the tiles [`dirty_tiles`] names: every tile whose
//! bytes changed is in the set, and the set holds few others.

use std::collections::BTreeSet;

use geo_types::Coord;

use citygrid_model::{AttrValue, CodeLayout, Level, OUTSIDE, Partition, Topology, Unit};
use citygrid_synth::SynthCity;
use citygrid_tiles::{TileId, TileOptions, Tiler, dirty_tiles};

const ZOOMS: (u8, u8) = (8, 16);

fn partition() -> Partition {
    let units = SynthCity::new(11)
        .cells(80)
        .vertices_per_cell(30)
        .extent_km(6.0, 6.0)
        .generate();
    Partition::new(units, CodeLayout::default()).unwrap()
}

fn render(t: &Tiler) -> Vec<(TileId, Vec<u8>)> {
    t.tiles(ZOOMS.0, ZOOMS.1)
        .map(|id| (id, t.tile(id)))
        .collect()
}

/// Tiles whose bytes differ (a tile missing on one side counts as empty).
fn changed(a: &[(TileId, Vec<u8>)], b: &[(TileId, Vec<u8>)]) -> BTreeSet<TileId> {
    let get = |v: &[(TileId, Vec<u8>)], t: TileId| {
        v.iter()
            .find(|(id, _)| *id == t)
            .map(|(_, b)| b.clone())
            .unwrap_or_default()
    };
    let ids: BTreeSet<TileId> = a.iter().chain(b).map(|(id, _)| *id).collect();
    ids.into_iter()
        .filter(|&t| get(a, t) != get(b, t))
        .collect()
}

fn check(old: &Partition, new: &Partition, edited: &[Unit]) -> (usize, usize) {
    let (to, tn) = (
        Tiler::new(old.clone(), TileOptions::default()).unwrap(),
        Tiler::new(new.clone(), TileOptions::default()).unwrap(),
    );
    let codes: Vec<_> = edited.iter().map(|u| u.code.clone()).collect();
    let dirty = dirty_tiles(&to, &tn, &codes, ZOOMS.0, ZOOMS.1);
    let moved = changed(&render(&to), &render(&tn));
    assert!(!moved.is_empty(), "the edit changed no tile");
    let missed: Vec<_> = moved.difference(&dirty).collect();
    assert!(missed.is_empty(), "changed but not dirty: {missed:?}");
    (moved.len(), dirty.len())
}

#[test]
fn moving_a_shared_vertex_dirties_the_tiles_it_changes() {
    let p = partition();
    // A vertex inside an edge between two cells of the same village.
    let cells: Vec<_> = p.level_ids(Level::Cell).collect();
    let topo = Topology::build(cells.iter().map(|&id| &p.unit(id).geometry)).unwrap();
    let (edge, a, b) = topo
        .edges
        .iter()
        .filter(|e| e.right != OUTSIDE && e.coords.len() >= 5)
        .map(|e| {
            (
                e,
                p.unit(cells[e.left as usize]),
                p.unit(cells[e.right as usize]),
            )
        })
        .find(|(_, a, b)| a.parent == b.parent)
        .unwrap();
    let i = edge.coords.len() / 2;
    let (prev, v, next) = (edge.coords[i - 1], edge.coords[i], edge.coords[i + 1]);
    // A quarter of the way towards the chord through its neighbours.
    let to = Coord {
        x: v.x + 0.25 * ((prev.x + next.x) / 2.0 - v.x),
        y: v.y + 0.25 * ((prev.y + next.y) / 2.0 - v.y),
    };
    let moved: Vec<Unit> = [a, b]
        .iter()
        .map(|u| {
            let mut u = (***u).clone();
            for poly in &mut u.geometry.0 {
                poly.exterior_mut(|r| {
                    for c in &mut r.0 {
                        if *c == v {
                            *c = to;
                        }
                    }
                });
            }
            u
        })
        .collect();
    let q = p.with_changes(moved.clone(), &[]).unwrap();
    let (changed, dirty) = check(&p, &q, &moved);
    eprintln!("vertex move: {changed} tiles changed, {dirty} dirty");
}

#[test]
fn new_attributes_dirty_the_tiles_showing_the_cell() {
    let p = partition();
    let id = p.level_ids(Level::Cell).nth(30).unwrap();
    let u = (**p.unit(id))
        .clone()
        .with_attribute("households", AttrValue::Number(1.0));
    let q = p.with_changes(vec![u.clone()], &[]).unwrap();
    let (changed, dirty) = check(&p, &q, &[u]);
    // Cells show from zoom 11: each of 6 zooms has at least one tile.
    assert!(changed >= 6);
    eprintln!("attribute edit: {changed} tiles changed, {dirty} dirty");
}
