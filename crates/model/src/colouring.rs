//! Colours for the faces of a coverage such that no two faces sharing an edge have
//! the same one: what a map needs to tell neighbouring cells apart.
//!
//! Faces are ordered smallest-last (Matula and Beck, "Smallest-last ordering and
//! clustering and graph coloring algorithms", JACM 1983): repeatedly take out the
//! face with the fewest neighbours left, then colour in the reverse order, each face
//! taking the lowest colour none of its coloured neighbours has. Each face then has
//! at most *d* coloured neighbours when it is coloured, *d* being the graph's
//! degeneracy, so at most *d* + 1 colours are used. The neighbour graph of a
//! coverage in the plane is planar (degeneracy at most 5): at most 6 colours, in
//! practice 4 or 5. Faces that meet at a single point only are not neighbours and
//! may share a colour. Deterministic: ties break by face id.

use std::collections::BTreeSet;

use crate::rings::FaceId;
use crate::topology::Topology;

/// A colour for each face of `topology` (in face order), from 0 up; faces sharing
/// an edge never have the same colour.
///
/// # Examples
/// ```
/// use geo_types::{MultiPolygon, polygon};
/// use citygrid_model::{Topology, colouring::colour_faces};
///
/// // Three squares in a row: the middle one differs from both ends.
/// let square = |x: f64| MultiPolygon(vec![polygon![
///     (x: x, y: 0.0), (x: x + 1.0, y: 0.0), (x: x + 1.0, y: 1.0), (x: x, y: 1.0)]]);
/// let faces = [square(0.0), square(1.0), square(2.0)];
/// let colours = colour_faces(&Topology::build(&faces).unwrap());
/// assert_eq!(colours, vec![0, 1, 0]);
/// ```
#[must_use]
pub fn colour_faces(topology: &Topology) -> Vec<u8> {
    let n = topology.faces.len();
    let neighbours: Vec<Vec<FaceId>> = (0..n as FaceId).map(|f| topology.neighbours(f)).collect();
    let order = smallest_last(&neighbours);
    let mut colour: Vec<Option<u8>> = vec![None; n];
    let mut taken: Vec<bool> = Vec::new();
    for &f in order.iter().rev() {
        taken.clear();
        for &g in &neighbours[f as usize] {
            if let Some(c) = colour[g as usize] {
                let c = usize::from(c);
                if taken.len() <= c {
                    taken.resize(c + 1, false);
                }
                taken[c] = true;
            }
        }
        let free = taken.iter().position(|t| !t).unwrap_or(taken.len());
        // At most degeneracy + 1 colours (6 for a planar coverage); a graph that
        // needed more than 256 would have faces with over 255 neighbours.
        colour[f as usize] = Some(u8::try_from(free).unwrap_or(u8::MAX));
    }
    colour.into_iter().map(|c| c.unwrap_or(0)).collect()
}

/// Faces in the order they are taken out, each time the one with the fewest
/// neighbours left (lowest id first among equals).
fn smallest_last(neighbours: &[Vec<FaceId>]) -> Vec<FaceId> {
    let mut degree: Vec<usize> = neighbours.iter().map(Vec::len).collect();
    let mut queue: BTreeSet<(usize, FaceId)> = degree
        .iter()
        .enumerate()
        .map(|(f, &d)| (d, f as FaceId))
        .collect();
    let mut removed = vec![false; neighbours.len()];
    let mut order = Vec::with_capacity(neighbours.len());
    while let Some((_, f)) = queue.pop_first() {
        removed[f as usize] = true;
        order.push(f);
        for &g in &neighbours[f as usize] {
            let g_us = g as usize;
            if !removed[g_us] {
                queue.remove(&(degree[g_us], g));
                degree[g_us] -= 1;
                queue.insert((degree[g_us], g));
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use geo_types::{MultiPolygon, polygon};

    use super::*;

    fn square(x: f64, y: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: x, y: y), (x: x + 1.0, y: y), (x: x + 1.0, y: y + 1.0), (x: x, y: y + 1.0)
        ]])
    }

    fn proper(topology: &Topology, colours: &[u8]) -> bool {
        (0..topology.faces.len() as FaceId).all(|f| {
            topology
                .neighbours(f)
                .iter()
                .all(|&g| colours[g as usize] != colours[f as usize])
        })
    }

    #[test]
    fn a_grid_of_squares_is_coloured_like_a_chessboard() {
        let faces: Vec<_> = (0..4)
            .flat_map(|y| (0..5).map(move |x| square(f64::from(x), f64::from(y))))
            .collect();
        let topology = Topology::build(&faces).unwrap();
        let colours = colour_faces(&topology);
        assert!(proper(&topology, &colours));
        assert_eq!(colours.iter().max(), Some(&1), "{colours:?}");
    }

    #[test]
    fn a_ring_of_five_around_a_hub_needs_four_colours() {
        // A hub square and five faces around it: an odd wheel, which no three
        // colours can do.
        let hub = polygon![
            (x: 1.0, y: 1.0), (x: 2.0, y: 1.0), (x: 2.0, y: 2.0), (x: 1.5, y: 2.0), (x: 1.0, y: 2.0)
        ];
        let outer = [
            polygon![(x: 0.0, y: 0.0), (x: 3.0, y: 0.0), (x: 2.0, y: 1.0), (x: 1.0, y: 1.0)],
            polygon![(x: 3.0, y: 0.0), (x: 3.0, y: 3.0), (x: 2.0, y: 2.0), (x: 2.0, y: 1.0)],
            polygon![(x: 3.0, y: 3.0), (x: 1.5, y: 3.0), (x: 1.5, y: 2.0), (x: 2.0, y: 2.0)],
            polygon![(x: 1.5, y: 3.0), (x: 0.0, y: 3.0), (x: 1.0, y: 2.0), (x: 1.5, y: 2.0)],
            polygon![(x: 0.0, y: 3.0), (x: 0.0, y: 0.0), (x: 1.0, y: 1.0), (x: 1.0, y: 2.0)],
        ];
        let faces: Vec<_> = std::iter::once(hub)
            .chain(outer)
            .map(|p| MultiPolygon(vec![p]))
            .collect();
        let topology = Topology::build(&faces).unwrap();
        assert_eq!(topology.neighbours(0).len(), 5);
        let colours = colour_faces(&topology);
        assert!(proper(&topology, &colours), "{colours:?}");
        assert_eq!(colours.iter().max(), Some(&3), "{colours:?}");
    }

    #[test]
    fn faces_without_neighbours_all_get_the_first_colour() {
        let faces = [square(0.0, 0.0), square(5.0, 5.0)];
        assert_eq!(colour_faces(&Topology::build(&faces).unwrap()), vec![0, 0]);
        assert!(colour_faces(&Topology::default()).is_empty());
    }
}
