//! Exports read back as QGIS leaves them: untouched files are no edit, bit for bit,
//! in WGS84 and in Gauss-Kruger; moved shared vertices, split features, deleted
//! features, drawn features and typed values come back as the units they change.

use std::path::PathBuf;

use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use geopackage::{Feature, GeoPackage, ValueRef};

use citygrid_crs::Transform;
use citygrid_model::{CodeLayout, Level};
use citygrid_synth::SynthCity;

use super::*;
use crate::atomic::Pending;
use crate::gpkg::write_gpkg;
use crate::gpkg_read::read_gpkg;
use crate::source::Source;

fn city() -> Partition {
    let units = SynthCity::new(5)
        .cells(60)
        .vertices_per_cell(12)
        .extent_km(3.0, 3.0)
        .generate();
    Partition::new(units, CodeLayout::default()).unwrap()
}

fn source(crs: Crs) -> Source {
    Source {
        store: "city.gpkg".into(),
        store_created: "2026-03-01T08:30:00.000Z".into(),
        version: 1,
        exported_at: "2026-03-02T09:00:00.000Z".into(),
        crs,
    }
}

/// `p` exported as `citygrid export cells --store` writes it.
fn export(p: &Partition, name: &str, crs: Crs) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("citygrid-edited-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let units: Vec<Unit> = p.units().iter().map(|u| Unit::clone(u)).collect();
    let levels: Vec<Level> = Level::ALL.into_iter().skip(1).collect();
    let t = tables(&units, &levels, p.layout());
    let pending = Pending::new(&path, true).unwrap();
    write_gpkg(&pending, &t, crs, Some(&source(crs)), || {}).unwrap();
    pending.commit().unwrap();
    path
}

fn gauss_kruger() -> Crs {
    Crs::from_epsg(4545).unwrap()
}

fn area_of(f: &Feature) -> MultiPolygon<f64> {
    match f.geometry().unwrap().and_then(|g| g.to_geo()) {
        Some(geo_types::Geometry::MultiPolygon(mp)) => mp,
        other => panic!("{other:?}"),
    }
}

fn code_of(f: &Feature) -> UnitCode {
    f.value("code").unwrap().as_str().unwrap().parse().unwrap()
}

fn ring(mp: &MultiPolygon<f64>) -> Vec<Coord<f64>> {
    mp.0[0].exterior().0.clone()
}

fn area(points: Vec<Coord<f64>>) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(LineString(points), vec![])])
}

#[test]
fn an_untouched_export_is_no_edit_in_wgs84_and_in_gauss_kruger() {
    let p = city();
    for crs in [Crs::Wgs84, gauss_kruger()] {
        let path = export(&p, &format!("untouched-{crs}.gpkg"), crs);
        let file = read_gpkg(&path).unwrap();
        assert_eq!(file.source, Some(source(crs)));
        let names: Vec<&str> = file.layers.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["districts", "townships", "villages", "cells"]);
        let cells = &file.layers[3];
        assert_eq!(cells.features.len(), p.level_ids(Level::Cell).count());
        let edits = edits(&file, &p, crs).unwrap();
        assert!(edits.is_empty(), "{crs}: {edits:?}");
    }
}

#[test]
fn exported_vertices_come_back_bit_for_bit_where_transforming_back_would_not() {
    let p = city();
    let crs = gauss_kruger();
    let path = export(&p, "bits.gpkg", crs);
    let file = read_gpkg(&path).unwrap();
    let vertices = ExportedVertices::new(p.units().iter().map(|u| &**u), crs).unwrap();
    let transform = Transform::new(crs).unwrap();
    let (mut off, mut total) = (0, 0);
    let cells = &file.layers[3];
    for f in &cells.features {
        let Some(Field::Text(code)) = cells.value(f, "code") else {
            panic!("no code")
        };
        let unit = p.get(&code.parse().unwrap()).unwrap();
        let drawn = f.geometry.as_ref().unwrap();
        let back = vertices.to_wgs84(drawn, Some(&unit.geometry)).unwrap();
        assert_eq!(back, unit.geometry, "{code}");
        for (q, c) in ring(drawn).iter().zip(ring(&unit.geometry)) {
            let (x, y) = transform.to_wgs84(q.x, q.y).unwrap();
            total += 1;
            off += usize::from(x != c.x || y != c.y);
        }
    }
    // The inverse projection misses the original in the last bits for most
    // vertices: without the mapping, every cell would look edited.
    assert!(off * 2 > total, "{off} of {total} vertices differ");

    // A vertex given back a bit off (as GEOS may) is still the exported one; one
    // moved by 5 mm is new, and transformed back.
    let f = &cells.features[0];
    let Some(Field::Text(code)) = cells.value(f, "code") else {
        panic!("no code")
    };
    let unit = p.get(&code.parse().unwrap()).unwrap();
    let drawn = f.geometry.clone().unwrap();
    let q = ring(&drawn)[1];
    let nudged = |x: f64| {
        let mut g = drawn.clone();
        g.0[0].exterior_mut(|r| r.0[1].x = x);
        vertices.to_wgs84(&g, Some(&unit.geometry)).unwrap()
    };
    assert_eq!(nudged(q.x.next_up()), unit.geometry);
    let moved = ring(&nudged(q.x + 0.005))[1];
    let (x, y) = transform.to_wgs84(q.x + 0.005, q.y).unwrap();
    assert_eq!(moved, Coord { x, y });
}

/// What [`edit_like_qgis`] did, by code.
struct Edited {
    /// Two cells sharing a vertex, and where it went (in the file's CRS).
    moved: (UnitCode, UnitCode, Coord<f64>),
    /// A cell split along the chord from its vertex 0 to vertex `k`.
    split: (UnitCode, usize),
    deleted: UnitCode,
    /// A cell inside which a new feature with no values was drawn.
    drawn_in: UnitCode,
    /// A cell whose households became 999.
    households: UnitCode,
}

/// Two features sharing a vertex (their positions in `features`), and the vertex.
fn shared_vertex(features: &[Feature]) -> (usize, usize, Coord<f64>) {
    for (i, a) in features.iter().enumerate() {
        let ra = ring(&area_of(a));
        for (j, b) in features.iter().enumerate().skip(i + 1) {
            let rb = ring(&area_of(b));
            if let Some(v) = ra.iter().find(|v| rb.contains(v)) {
                return (i, j, *v);
            }
        }
    }
    panic!("no shared vertex")
}

/// The part of `ring` (closed, `n` distinct vertices) from vertex 0 to `k`, and
/// the rest, each closed.
fn halves(pts: &[Coord<f64>], k: usize) -> (MultiPolygon<f64>, MultiPolygon<f64>) {
    let n = pts.len() - 1;
    let first = pts[..=k].iter().copied().chain([pts[0]]).collect();
    let second = pts[k..n].iter().copied().chain([pts[0], pts[k]]).collect();
    (area(first), area(second))
}

fn values(f: &Feature) -> Vec<ValueRef<'_>> {
    f.values().collect()
}

/// Edits `path`'s cells as a QGIS user would, through GDAL's kind of writes.
fn edit_like_qgis(path: &PathBuf) -> Edited {
    let gpkg = GeoPackage::open(path).unwrap();
    let layer = gpkg.layer("cells").unwrap();
    let features: Vec<Feature> = layer.features().unwrap().map(|f| f.unwrap()).collect();
    let mut w = layer.writer().unwrap();
    // Topological editing: one shared vertex moved by 1 m east and 0.5 m north in
    // both features.
    let (a, b, old) = shared_vertex(&features);
    let new = Coord {
        x: old.x + 1.0,
        y: old.y + 0.5,
    };
    for k in [a, b] {
        let mut mp = area_of(&features[k]);
        mp.0[0].exterior_mut(|r| r.0.iter_mut().filter(|v| **v == old).for_each(|v| *v = new));
        w.update(features[k].fid(), &mp, &values(&features[k]))
            .unwrap();
    }
    // Split Features on another cell: both parts keep every value, the code too.
    let c = (0..features.len()).find(|&k| k != a && k != b).unwrap();
    let pts = ring(&area_of(&features[c]));
    let k = (pts.len() - 1) / 2;
    let (first, second) = halves(&pts, k);
    w.update(features[c].fid(), &first, &values(&features[c]))
        .unwrap();
    w.insert(None, &second, &values(&features[c])).unwrap();
    // Delete another, draw a new feature with no values inside a fifth, and type
    // households into a sixth.
    let others: Vec<usize> = (0..features.len())
        .filter(|&k| k != a && k != b && k != c)
        .collect();
    let (d, e, h) = (others[0], others[1], others[2]);
    w.delete(features[d].fid()).unwrap();
    let c0 = interior_point(&area_of(&features[e])).unwrap();
    let triangle = [(0.0, 0.0), (2.0, 0.0), (0.0, 2.0), (0.0, 0.0)]
        .map(|(dx, dy)| Coord {
            x: c0.x + dx,
            y: c0.y + dy,
        })
        .to_vec();
    let mut empty = values(&features[e]);
    empty.fill(ValueRef::Null);
    w.insert(None, &area(triangle), &empty).unwrap();
    w.update_column(features[h].fid(), "households", ValueRef::Integer(999))
        .unwrap();
    w.commit().unwrap();
    Edited {
        moved: (code_of(&features[a]), code_of(&features[b]), new),
        split: (code_of(&features[c]), k),
        deleted: code_of(&features[d]),
        drawn_in: code_of(&features[e]),
        households: code_of(&features[h]),
    }
}

#[test]
fn qgis_edits_in_gauss_kruger_come_back_as_changed_added_and_removed_units() {
    let p = city();
    let crs = gauss_kruger();
    let path = export(&p, "edited.gpkg", crs);
    let did = edit_like_qgis(&path);
    let file = read_gpkg(&path).unwrap();
    let edits = edits(&file, &p, crs).unwrap();

    let changed: Vec<&str> = edits.changed.iter().map(|u| u.code.as_str()).collect();
    let mut expected = vec![
        did.moved.0.as_str(),
        did.moved.1.as_str(),
        did.split.0.as_str(),
        did.households.as_str(),
    ];
    expected.sort_unstable();
    assert_eq!(changed, expected);
    assert_eq!(edits.removed, std::slice::from_ref(&did.deleted));

    // The moved vertex: transformed back once, the same bits in both cells; every
    // other vertex is the original.
    let (x, y) = Transform::new(crs)
        .unwrap()
        .to_wgs84(did.moved.2.x, did.moved.2.y)
        .unwrap();
    let moved = Coord { x, y };
    for code in [&did.moved.0, &did.moved.1] {
        let before = ring(&p.get(code).unwrap().geometry);
        let after = ring(
            &edits
                .changed
                .iter()
                .find(|u| &u.code == code)
                .unwrap()
                .geometry,
        );
        let differ: Vec<(Coord<f64>, Coord<f64>)> = before
            .into_iter()
            .zip(after)
            .filter(|(b, a)| b != a)
            .collect();
        assert!(
            differ.iter().all(|(_, a)| *a == moved) && !differ.is_empty(),
            "{code}: {differ:?}"
        );
    }

    // The split: the larger part keeps the code, the other is new in the same
    // village; both are the original vertices, and QGIS's copied values are not
    // inherited.
    let unit = p.get(&did.split.0).unwrap();
    let (first, second) = halves(&ring(&unit.geometry), did.split.1);
    let (larger, smaller) = if area_m2(&first) >= area_m2(&second) {
        (first, second)
    } else {
        (second, first)
    };
    let kept = edits
        .changed
        .iter()
        .find(|u| u.code == did.split.0)
        .unwrap();
    assert_eq!(kept.geometry, larger);
    assert_eq!(
        (&kept.name, &kept.attributes),
        (&unit.name, &unit.attributes)
    );
    let part = edits
        .added
        .iter()
        .find(|a| a.split_from.as_ref() == Some(&did.split.0))
        .unwrap();
    assert_eq!(part.geometry, smaller);
    assert_eq!(Some(&part.parent), unit.parent.as_ref());
    assert_eq!((part.code.as_ref(), part.name.as_ref()), (None, None));
    assert!(part.attributes.is_empty(), "{:?}", part.attributes);

    // The drawn feature: no code, no values; its village is where it lies.
    let drawn = edits.added.iter().find(|a| a.split_from.is_none()).unwrap();
    assert_eq!(edits.added.len(), 2);
    assert_eq!(
        Some(&drawn.parent),
        p.get(&did.drawn_in).unwrap().parent.as_ref()
    );
    assert!(drawn.code.is_none() && drawn.attributes.is_empty());

    // A typed value: that attribute alone changes, the geometry is the unit's.
    let h = edits
        .changed
        .iter()
        .find(|u| u.code == did.households)
        .unwrap();
    let before = p.get(&did.households).unwrap();
    assert_eq!(h.geometry, before.geometry);
    assert_eq!(
        h.attributes.get("households"),
        Some(&AttrValue::Number(999.0))
    );
    assert_eq!(h.attributes.len(), before.attributes.len());
}

#[test]
fn a_layer_saved_in_another_coordinate_system_and_a_village_drawn_anew_are_refused() {
    let p = city();
    let path = export(&p, "other-crs.gpkg", Crs::Wgs84);
    let file = read_gpkg(&path).unwrap();
    let msg = edits(&file, &p, gauss_kruger()).unwrap_err().to_string();
    assert!(
        msg.contains("layer districts: its coordinates are in EPSG:4326 but the file was exported in epsg:4545"),
        "{msg}"
    );

    let gpkg = GeoPackage::open(&path).unwrap();
    let layer = gpkg.layer("villages").unwrap();
    let first = layer.features().unwrap().next().unwrap().unwrap();
    let mut values: Vec<ValueRef> = first.values().collect();
    values[0] = ValueRef::Null;
    let mut w = layer.writer().unwrap();
    let fid = w.insert(None, &area_of(&first), &values).unwrap();
    w.commit().unwrap();
    let file = read_gpkg(&path).unwrap();
    let msg = edits(&file, &p, Crs::Wgs84).unwrap_err().to_string();
    assert!(
        msg.contains(&format!("layer villages, feature {fid}: a new village")),
        "{msg}"
    );
}
