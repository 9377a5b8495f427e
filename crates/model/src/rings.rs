//! Flattened rings: every ring of a set of faces in one coordinate array, oriented so
//! that its face lies on the left, and the matching of shared segments between faces.
//!
//! This is the common ground of topology building and coverage checking: a clean
//! coverage is exactly a set of rings in which every segment either has one reversed
//! twin in another face (a shared boundary) or none (the outer boundary).

use geo_types::{Coord, MultiPolygon};
use rustc_hash::FxHashMap;

use citygrid_planar::{coord_key, signed_area2};

/// Index of a face (a polygon owner, e.g. a cell) in the input order.
pub type FaceId = u32;
/// The face id of the area outside every face.
pub const OUTSIDE: FaceId = u32::MAX;
/// Index of a segment: the position of its start vertex in [`RingSet::coords`].
pub type SegId = u32;
/// "No segment".
pub const NO_SEG: SegId = u32::MAX;

/// One ring in the flattened array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ring {
    /// The face it bounds.
    pub face: FaceId,
    /// Which polygon of the face's multipolygon.
    pub polygon: u32,
    /// 0 for the shell, 1.. for holes.
    pub index: u32,
    /// Position of its first vertex in [`RingSet::coords`].
    pub start: u32,
    /// Number of distinct vertices, equal to its number of segments (the closing
    /// repeat follows them in [`RingSet::coords`]).
    pub len: u32,
}

impl Ring {
    /// Whether this ring is a hole.
    #[must_use]
    pub fn is_hole(&self) -> bool {
        self.index > 0
    }

    /// The segment ids of this ring, in order.
    pub fn segments(&self) -> std::ops::Range<SegId> {
        self.start..self.start + self.len
    }
}

/// The rings of a set of faces in one array; segment `s` runs from `coords[s]` to
/// `coords[s + 1]`. Each ring is stored closed (its first vertex repeated after its
/// last), so a segment's end is found without looking up its ring; the position of
/// each closing repeat is not a segment id.
#[derive(Debug, Clone, Default)]
pub struct RingSet {
    /// All vertices, ring after ring, each ring closed.
    pub coords: Vec<Coord<f64>>,
    /// The rings.
    pub rings: Vec<Ring>,
    ring_of: Vec<u32>,
}

impl RingSet {
    /// Flattens faces, dropping closing and consecutive repeated vertices and turning
    /// shells counter-clockwise and holes clockwise (OGC SFA leaves orientation free;
    /// a fixed one makes "the face is on the left" true for every segment).
    pub fn build<'a>(faces: impl IntoIterator<Item = &'a MultiPolygon<f64>>) -> Self {
        let mut set = RingSet::default();
        for (face, mp) in faces.into_iter().enumerate() {
            for (pi, poly) in mp.0.iter().enumerate() {
                let rings = std::iter::once(poly.exterior()).chain(poly.interiors());
                for (ri, ls) in rings.enumerate() {
                    set.push_ring(face as FaceId, pi as u32, ri as u32, &ls.0);
                }
            }
        }
        set
    }

    fn push_ring(&mut self, face: FaceId, polygon: u32, index: u32, pts: &[Coord<f64>]) {
        let start = self.coords.len();
        for &c in pts {
            if self.coords.len() > start && self.coords.last() == Some(&c) {
                continue;
            }
            self.coords.push(c);
        }
        while self.coords.len() > start + 1 && self.coords.last() == self.coords.get(start) {
            self.coords.pop();
        }
        let ring = &mut self.coords[start..];
        let ccw = signed_area2(ring) > 0.0;
        if ccw == (index > 0) {
            ring.reverse();
        }
        let len = (self.coords.len() - start) as u32;
        if len > 0 {
            self.coords.push(self.coords[start]);
        }
        let ring_id = self.rings.len() as u32;
        self.rings.push(Ring {
            face,
            polygon,
            index,
            start: start as u32,
            len,
        });
        self.ring_of.resize(self.coords.len(), ring_id);
    }

    /// One past the largest segment id: the size of a table indexed by segment id
    /// (ids at closing repeats are unused).
    #[must_use]
    pub fn segment_count(&self) -> usize {
        self.coords.len()
    }

    /// Every segment id, ring after ring.
    pub fn segment_ids(&self) -> impl Iterator<Item = SegId> + '_ {
        self.rings.iter().flat_map(Ring::segments)
    }

    /// The ring a segment belongs to.
    #[must_use]
    pub fn ring_of(&self, s: SegId) -> &Ring {
        &self.rings[self.ring_of[s as usize] as usize]
    }

    /// The face on the left of a segment.
    #[must_use]
    pub fn face_of(&self, s: SegId) -> FaceId {
        self.ring_of(s).face
    }

    /// The segment after `s` in its ring.
    #[must_use]
    pub fn next(&self, s: SegId) -> SegId {
        let r = self.ring_of(s);
        if s + 1 == r.start + r.len {
            r.start
        } else {
            s + 1
        }
    }

    /// The segment before `s` in its ring.
    #[must_use]
    pub fn prev(&self, s: SegId) -> SegId {
        let r = self.ring_of(s);
        if s == r.start {
            r.start + r.len - 1
        } else {
            s - 1
        }
    }

    /// The two end points of a segment.
    #[must_use]
    pub fn segment(&self, s: SegId) -> (Coord<f64>, Coord<f64>) {
        (self.coords[s as usize], self.coords[s as usize + 1])
    }
}

/// How segments pair up across faces.
#[derive(Debug, Clone)]
pub struct SegmentMatch {
    /// For each segment, its reversed twin in another face, or [`NO_SEG`].
    pub twin: Vec<SegId>,
    /// Segments that could not be paired cleanly.
    pub conflicts: Vec<SegmentConflict>,
}

/// Two segments with the same end points that do not form a clean shared boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentConflict {
    /// The segment seen first.
    pub first: SegId,
    /// The segment that clashes with it.
    pub second: SegId,
    /// How they clash.
    pub kind: ConflictKind,
}

/// How two segments with equal end points clash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// Same direction: both faces lie on the same side, so they overlap there.
    SameDirection,
    /// A third (or later) face on a boundary already shared by two.
    MoreThanTwo,
    /// A face meets itself along a segment (a cut line or a doubled ring).
    SameFace,
}

/// Pairs every segment with its reversed twin by exact end points.
///
/// A shared boundary is a chain of segments that two rings run in opposite
/// directions, so once one pair is found by a hash lookup, the rest of the chain is
/// paired by walking both rings in step and comparing coordinates, without hashing.
/// Keys are 64-bit fingerprints of the end points, checked against the coordinates on
/// every hit (a rare fingerprint collision goes to an exact second table). Segments of
/// zero length are skipped (they belong to degenerate rings, which a checker reports
/// separately).
#[must_use]
pub fn match_segments(rings: &RingSet) -> SegmentMatch {
    let n = rings.segment_count();
    let mut twin = vec![NO_SEG; n];
    let mut conflicts = Vec::new();
    let mut seen = FingerprintTable::with_capacity(n / 2 + 16);
    let mut exact: FxHashMap<[u64; 4], SegId> = FxHashMap::default();
    let same = |s: SegId, key: &[u64; 4]| {
        let (a, b) = rings.segment(s);
        undirected_key(a, b) == *key
    };
    for ring in &rings.rings {
        for s in ring.segments() {
            if twin[s as usize] != NO_SEG {
                continue; // paired by a walk
            }
            let (a, b) = rings.segment(s);
            if a == b {
                continue;
            }
            let key = undirected_key(a, b);
            let fp = fingerprint(&key);
            let found = match seen.get_or_insert(fp, s) {
                None => continue,
                Some(t) if same(t, &key) => t,
                Some(_) => match exact.entry(key) {
                    std::collections::hash_map::Entry::Vacant(v) => {
                        v.insert(s);
                        continue;
                    }
                    std::collections::hash_map::Entry::Occupied(o) => *o.get(),
                },
            };
            let t = found;
            let kind = if twin[t as usize] != NO_SEG {
                ConflictKind::MoreThanTwo
            } else if rings.coords[t as usize] == a {
                ConflictKind::SameDirection
            } else if rings.face_of(t) == ring.face {
                ConflictKind::SameFace
            } else {
                twin[t as usize] = s;
                twin[s as usize] = t;
                walk(rings, &mut twin, s, t);
                continue;
            };
            conflicts.push(SegmentConflict {
                first: t,
                second: s,
                kind,
            });
        }
    }
    SegmentMatch { twin, conflicts }
}

/// Pairs the segments after `s` with those before its twin `t` for as long as they
/// are exact reverses of each other and unpaired.
fn walk(rings: &RingSet, twin: &mut [SegId], s: SegId, t: SegId) {
    let (mut s2, mut t2) = (rings.next(s), rings.prev(t));
    while s2 != s && t2 != t && twin[s2 as usize] == NO_SEG && twin[t2 as usize] == NO_SEG {
        let (a, b) = rings.segment(s2);
        let (c, d) = rings.segment(t2);
        if a != d || b != c || a == b || rings.face_of(s2) == rings.face_of(t2) {
            return;
        }
        twin[s2 as usize] = t2;
        twin[t2 as usize] = s2;
        s2 = rings.next(s2);
        t2 = rings.prev(t2);
    }
}

/// An open-addressing table from 64-bit fingerprints to segments: the fingerprint is
/// already a good hash, so no hashing is done again, and entries take 16 bytes.
struct FingerprintTable {
    slots: Vec<(u64, SegId)>,
    mask: usize,
    len: usize,
}

impl FingerprintTable {
    fn with_capacity(n: usize) -> Self {
        let size = (n + n / 2).next_power_of_two().max(16);
        FingerprintTable {
            slots: vec![(0, NO_SEG); size],
            mask: size - 1,
            len: 0,
        }
    }

    /// The segment stored under `fp`, or `None` after storing `s` there.
    fn get_or_insert(&mut self, fp: u64, s: SegId) -> Option<SegId> {
        let fp = fp.max(1); // 0 marks an empty slot
        let mut i = (fp as usize) & self.mask;
        loop {
            let (k, v) = self.slots[i];
            if k == fp {
                return Some(v);
            }
            if k == 0 {
                self.slots[i] = (fp, s);
                self.len += 1;
                if self.len * 4 > self.slots.len() * 3 {
                    self.grow();
                }
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Doubles the table when it is three quarters full (inputs where few segments
    /// pair up insert more than expected).
    fn grow(&mut self) {
        let old = std::mem::take(&mut self.slots);
        self.slots = vec![(0, NO_SEG); old.len() * 2];
        self.mask = self.slots.len() - 1;
        for (k, v) in old.into_iter().filter(|(k, _)| *k != 0) {
            let mut i = (k as usize) & self.mask;
            while self.slots[i].0 != 0 {
                i = (i + 1) & self.mask;
            }
            self.slots[i] = (k, v);
        }
    }
}

/// The end points of a segment as bits, smaller point first.
fn undirected_key(a: Coord<f64>, b: Coord<f64>) -> [u64; 4] {
    let (ka, kb) = (coord_key(a), coord_key(b));
    if ka <= kb {
        [ka[0], ka[1], kb[0], kb[1]]
    } else {
        [kb[0], kb[1], ka[0], ka[1]]
    }
}

/// A 64-bit fingerprint of a key (a multiply-xorshift mix of its words).
fn fingerprint(key: &[u64; 4]) -> u64 {
    let mut h: u64 = 0x9e37_79b9_7f4a_7c15;
    for &w in key {
        h = (h ^ w).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h ^= h >> 31;
    }
    h
}

#[cfg(test)]
mod tests {
    use geo_types::{MultiPolygon, polygon};

    use super::*;

    fn mp(p: geo_types::Polygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon(vec![p])
    }

    #[test]
    fn orients_shells_ccw_and_drops_repeats() {
        // Clockwise square with a repeated vertex.
        let cw = mp(
            polygon![(x: 0., y: 0.), (x: 0., y: 1.), (x: 0., y: 1.), (x: 1., y: 1.), (x: 1., y: 0.)],
        );
        let set = RingSet::build([&cw]);
        assert_eq!(set.rings[0].len, 4);
        assert_eq!(set.coords.len(), 5, "stored closed");
        assert!(signed_area2(&set.coords) > 0.0);
        assert_eq!(set.segment(3), (set.coords[3], set.coords[0]));
        assert_eq!(set.next(3), 0);
        assert_eq!(set.prev(0), 3);
    }

    #[test]
    fn many_segments_that_pair_with_nothing_fit() {
        // 2,000 separate squares: every segment is inserted, none paired.
        let squares: Vec<MultiPolygon<f64>> = (0..2000)
            .map(|i| {
                let x = f64::from(i) * 2.0;
                mp(polygon![(x: x, y: 0.), (x: x + 1., y: 0.), (x: x + 1., y: 1.), (x: x, y: 1.)])
            })
            .collect();
        let set = RingSet::build(&squares);
        let m = match_segments(&set);
        assert!(m.twin.iter().all(|&t| t == NO_SEG));
    }

    #[test]
    fn pairs_shared_segments_and_flags_clashes() {
        let a = mp(polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)]);
        let b = mp(polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)]);
        let set = RingSet::build([&a, &b]);
        let m = match_segments(&set);
        assert!(m.conflicts.is_empty());
        assert_eq!(m.twin.iter().filter(|&&t| t != NO_SEG).count(), 2);
        // a copy of `a` lies on the same side of every segment: overlaps.
        let set = RingSet::build([&a, &b, &a]);
        let m = match_segments(&set);
        assert!(
            m.conflicts
                .iter()
                .any(|c| c.kind == ConflictKind::SameDirection)
        );
        assert!(
            m.conflicts
                .iter()
                .any(|c| c.kind == ConflictKind::MoreThanTwo)
        );
    }
}
