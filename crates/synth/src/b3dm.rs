//! The Batched 3D Model (b3dm) wrapper: a glb behind a 28-byte header and a feature table.
//!
//! b3dm is the 3D Tiles 1.0 content format; 1.1 deprecates it in favour of glb content but
//! still allows it, and most oblique-photography tilesets in use are b3dm, so the demo
//! tileset holds both. Layout (3D Tiles 1.0, "Batched 3D Model"): magic `b3dm`, version 1,
//! byteLength, then the byte lengths of the feature table JSON and binary and of the batch
//! table JSON and binary (all `u32`, little-endian); the feature table JSON
//! `{"BATCH_LENGTH":0}` (no batched features: the buildings carry no per-feature
//! properties) padded with spaces so that the glb starts on an 8-byte boundary; then the
//! glb, whose length is a multiple of 8 (see `gltf.rs`), so the file ends on one too.

/// Header bytes.
const HEADER: usize = 28;
/// The feature table of a model with no batched features.
const FEATURE_TABLE: &[u8] = br#"{"BATCH_LENGTH":0}"#;

/// `glb` (8-byte aligned in length) as a b3dm.
pub(crate) fn b3dm(glb: &[u8]) -> Vec<u8> {
    debug_assert_eq!(glb.len() % 8, 0, "a b3dm's glb ends on an 8-byte boundary");
    let table = (HEADER + FEATURE_TABLE.len()).next_multiple_of(8) - HEADER;
    let total = HEADER + table + glb.len();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(b"b3dm");
    for n in [1, total, table, 0, 0, 0] {
        out.extend_from_slice(&(n as u32).to_le_bytes());
    }
    out.extend_from_slice(FEATURE_TABLE);
    out.resize(HEADER + table, b' ');
    out.extend_from_slice(glb);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_table_and_glb() {
        let glb = [7u8; 16];
        let b = b3dm(&glb);
        let field = |k: usize| u32::from_le_bytes(b[4 + 4 * k..8 + 4 * k].try_into().unwrap());
        assert_eq!(&b[..4], b"b3dm");
        assert_eq!(field(0), 1);
        assert_eq!(field(1) as usize, b.len());
        // 28 + 18 rounded up to 48: 20 bytes of table, as the reality-mesh sample has
        assert_eq!(field(2), 20);
        assert_eq!([field(3), field(4), field(5)], [0, 0, 0]);
        assert_eq!(&b[28..48], br#"{"BATCH_LENGTH":0}  "#);
        assert_eq!(&b[48..], &glb);
        assert_eq!(b.len() % 8, 0);
    }
}
