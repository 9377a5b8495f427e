//! The MVT 2.1 protobuf encoder: layers, features, keys and values, and the
//! geometry command stream.
//!
//! Written here rather than taken from geozero or the `mvt` crate: the geometry
//! arrives already clipped, rounded to the tile grid, repaired and oriented (none
//! of those crates clip or orient), so what is left is the wire format of the
//! `vector_tile.proto` schema (§4.1) and the command encoding (§4.3): varints,
//! zigzag and three commands, which a converter from their geometry types would
//! not make any shorter.

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use rustc_hash::FxHashMap;

/// A property value (MVT 2.1 §4.1 `Value`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `string_value`.
    Text(String),
    /// `sint_value` (integers, zigzag-encoded).
    Int(i64),
    /// `double_value`.
    Double(f64),
    /// `bool_value`.
    Bool(bool),
}

impl Value {
    /// A number as an integer when it is one (within ±2^53), else a double.
    #[must_use]
    pub fn number(v: f64) -> Value {
        if v.fract() == 0.0 && v.abs() < 9.007_199_254_740_992e15 {
            Value::Int(v as i64)
        } else {
            Value::Double(v)
        }
    }

    /// Identity of a number or boolean for the value table (text values are
    /// found by their text).
    fn bits(&self) -> (u8, u64) {
        match self {
            Value::Text(_) => (0, 0),
            Value::Int(i) => (1, *i as u64),
            Value::Double(d) => (2, d.to_bits()),
            Value::Bool(b) => (3, u64::from(*b)),
        }
    }
}

/// Geometry of one feature, in tile coordinates.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// One point.
    Point([i32; 2]),
    /// Polygons as rings without the closing repeat: each exterior ring (positive
    /// area by the surveyor's formula with `y` down, MVT 2.1 §4.3.4.4) followed by
    /// its holes (negative area).
    Polygons(Vec<Vec<[i32; 2]>>),
}

/// One layer being written. It borrows its keys and values from the caller
/// (the tiler keeps every unit's properties) so that adding a feature allocates
/// nothing once its buffers have grown: every feature of every tile passes here.
#[derive(Debug)]
pub struct LayerWriter<'a> {
    name: &'a str,
    extent: u32,
    features: Vec<u8>,
    count: usize,
    keys: Vec<&'a str>,
    key_index: FxHashMap<&'a str, u32>,
    values: Vec<&'a Value>,
    /// Where each text value, and each other value, is in `values`.
    text_index: FxHashMap<&'a str, u32>,
    other_index: FxHashMap<(u8, u64), u32>,
    /// Buffers reused from feature to feature.
    tags: Vec<u32>,
    commands: Vec<u32>,
    packed: Vec<u8>,
    feature: Vec<u8>,
}

impl<'a> LayerWriter<'a> {
    /// An empty layer.
    #[must_use]
    pub fn new(name: &'a str, extent: u32) -> LayerWriter<'a> {
        LayerWriter {
            name,
            extent,
            features: Vec::new(),
            count: 0,
            keys: Vec::new(),
            key_index: FxHashMap::default(),
            values: Vec::new(),
            text_index: FxHashMap::default(),
            other_index: FxHashMap::default(),
            tags: Vec::new(),
            commands: Vec::new(),
            packed: Vec::new(),
            feature: Vec::new(),
        }
    }

    /// Number of features added.
    #[must_use]
    pub fn len(&self) -> usize {
        self.count
    }

    /// True when no feature was added.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Adds a feature; properties keep their order; empty polygon lists are
    /// skipped by the caller, not here.
    pub fn add(&mut self, id: u64, properties: &[(&'a str, &'a Value)], geometry: &Geometry) {
        let mut tags = std::mem::take(&mut self.tags);
        tags.clear();
        for &(k, v) in properties {
            tags.push(self.key(k));
            tags.push(self.value(v));
        }
        self.commands.clear();
        let kind = match geometry {
            Geometry::Point(p) => {
                point_commands(*p, &mut self.commands);
                1
            }
            Geometry::Polygons(rings) => {
                polygon_commands(rings, &mut self.commands);
                3
            }
        };
        let f = &mut self.feature;
        f.clear();
        put_key(f, 1, 0);
        put_varint(f, id);
        put_packed(f, 2, &tags, &mut self.packed);
        put_key(f, 3, 0);
        put_varint(f, kind);
        put_packed(f, 4, &self.commands, &mut self.packed);
        put_key(&mut self.features, 2, 2);
        put_varint(&mut self.features, f.len() as u64);
        self.features.extend_from_slice(f);
        self.count += 1;
        self.tags = tags;
    }

    fn key(&mut self, k: &'a str) -> u32 {
        if let Some(&i) = self.key_index.get(k) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.keys.push(k);
        self.key_index.insert(k, i);
        i
    }

    fn value(&mut self, v: &'a Value) -> u32 {
        let found = match v {
            Value::Text(t) => self.text_index.get(t.as_str()),
            _ => self.other_index.get(&v.bits()),
        };
        if let Some(&i) = found {
            return i;
        }
        let i = self.values.len() as u32;
        self.values.push(v);
        match v {
            Value::Text(t) => self.text_index.insert(t, i),
            _ => self.other_index.insert(v.bits(), i),
        };
        i
    }

    /// Appends the layer (MVT 2.1 §4.1 `Layer`, field 3 of `Tile`) to a tile.
    pub fn write_to(&self, tile: &mut Vec<u8>) {
        let mut l = Vec::with_capacity(self.features.len() + 64 * self.values.len());
        put_key(&mut l, 15, 0);
        put_varint(&mut l, 2);
        put_bytes(&mut l, 1, self.name.as_bytes());
        l.extend_from_slice(&self.features);
        for k in &self.keys {
            put_bytes(&mut l, 3, k.as_bytes());
        }
        let mut b = Vec::new();
        for v in &self.values {
            b.clear();
            match v {
                Value::Text(s) => put_bytes(&mut b, 1, s.as_bytes()),
                Value::Double(d) => {
                    put_key(&mut b, 3, 1);
                    b.extend_from_slice(&d.to_le_bytes());
                }
                Value::Int(i) => {
                    put_key(&mut b, 6, 0);
                    put_varint(&mut b, zigzag64(*i));
                }
                Value::Bool(x) => {
                    put_key(&mut b, 7, 0);
                    put_varint(&mut b, u64::from(*x));
                }
            }
            put_bytes(&mut l, 4, &b);
        }
        put_key(&mut l, 5, 0);
        put_varint(&mut l, u64::from(self.extent));
        put_bytes(tile, 3, &l);
    }
}

/// An encoded tile gzipped (default level), as tiles travel: the server sends
/// and the archives store these bytes.
///
/// # Errors
/// Only what the encoder reports; writing to memory does not fail otherwise.
pub fn gzip(mvt: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::with_capacity(mvt.len() / 2), Compression::default());
    enc.write_all(mvt)?;
    enc.finish()
}

/// MVT 2.1 §4.3.1: a command integer.
fn command(id: u32, count: u32) -> u32 {
    (id & 0x7) | (count << 3)
}

/// MVT 2.1 §4.3.2: zigzag-encoded parameter.
fn zigzag(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

fn zigzag64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn point_commands(p: [i32; 2], out: &mut Vec<u32>) {
    out.extend([command(1, 1), zigzag(p[0]), zigzag(p[1])]);
}

/// MVT 2.1 §4.3.4.4: each ring is MoveTo(1), LineTo(n-1), ClosePath; the cursor
/// carries over from ring to ring.
fn polygon_commands(rings: &[Vec<[i32; 2]>], out: &mut Vec<u32>) {
    let mut cursor = [0i32; 2];
    for ring in rings {
        let Some((first, rest)) = ring.split_first() else {
            continue;
        };
        out.push(command(1, 1));
        out.push(zigzag(first[0] - cursor[0]));
        out.push(zigzag(first[1] - cursor[1]));
        cursor = *first;
        out.push(command(2, rest.len() as u32));
        for p in rest {
            out.push(zigzag(p[0] - cursor[0]));
            out.push(zigzag(p[1] - cursor[1]));
            cursor = *p;
        }
        out.push(command(7, 1));
    }
}

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

fn put_key(buf: &mut Vec<u8>, field: u32, wire: u32) {
    put_varint(buf, u64::from((field << 3) | wire));
}

fn put_bytes(buf: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    put_key(buf, field, 2);
    put_varint(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}

/// A packed repeated field, varints written through `scratch`.
fn put_packed(buf: &mut Vec<u8>, field: u32, values: &[u32], scratch: &mut Vec<u8>) {
    scratch.clear();
    for &v in values {
        put_varint(scratch, u64::from(v));
    }
    put_bytes(buf, field, scratch);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_spec_examples() {
        // MVT 2.1 §4.3.5.1: a point at (25, 17).
        let mut out = Vec::new();
        point_commands([25, 17], &mut out);
        assert_eq!(out, vec![9, 50, 34]);
        // §4.3.5.6: a polygon (3,6) (8,12) (20,34).
        out.clear();
        polygon_commands(&[vec![[3, 6], [8, 12], [20, 34]]], &mut out);
        assert_eq!(out, vec![9, 6, 12, 18, 10, 12, 24, 44, 15]);
    }

    #[test]
    fn a_layer_shares_keys_and_values() {
        let (three, a, half) = (
            Value::number(3.0),
            Value::Text("a".into()),
            Value::number(0.5),
        );
        let mut l = LayerWriter::new("cells", 4096);
        let g = Geometry::Point([1, 1]);
        l.add(7, &[("k", &three), ("n", &a)], &g);
        l.add(8, &[("k", &three), ("n", &half)], &g);
        assert_eq!((l.keys.len(), l.values.len(), l.len()), (2, 3, 2));
        let mut tile = Vec::new();
        l.write_to(&mut tile);
        // Tile field 3, length-delimited; the layer starts with version 2.
        assert_eq!(&tile[..1], &[0x1a]);
        assert!(tile.windows(2).any(|w| w == [0x78, 2]));
        assert!(tile.windows(5).any(|w| w == b"cells"));
    }
}
