//! Unit geometry as GeoPackage binary (GPB): the header with the envelope, then ISO
//! WKB (GeoPackage 1.4 clause 2.1.3), through the `geopackage` crate. The same blob
//! goes into the history table and the layer QGIS reads, and WKB holds each f64's
//! eight bytes, so coordinates come back bit for bit.

use geo_types::{Geometry, MultiPolygon};
use geopackage::core::GpbGeometry;
use geopackage::core::geometry::encode_gpb;

/// The coordinate system of every stored geometry: WGS84 longitude/latitude.
pub(crate) const SRS_ID: i32 = 4326;

/// A blob and its `[min_x, max_x, min_y, max_y]` (`None` when empty).
pub(crate) type Encoded = (Vec<u8>, Option<[f64; 4]>);

/// Encodes a unit's area.
///
/// # Errors
/// Why the geometry cannot be written (a polygon with holes and no outer ring).
pub(crate) fn encode(area: &MultiPolygon<f64>) -> Result<Encoded, String> {
    encode_gpb(area, SRS_ID).map_err(|e| e.to_string())
}

/// Decodes what [`encode`] wrote (a polygon is read as a multipolygon of one).
///
/// # Errors
/// What is wrong with the blob.
pub(crate) fn decode(blob: &[u8]) -> Result<MultiPolygon<f64>, String> {
    let gpb = GpbGeometry::parse(blob).map_err(|e| e.to_string())?;
    match gpb.to_geo() {
        Some(Geometry::MultiPolygon(m)) => Ok(m),
        Some(Geometry::Polygon(p)) => Ok(MultiPolygon(vec![p])),
        other => Err(format!(
            "a {} where a multipolygon belongs",
            other.map_or("nothing", |g| geometry_name(&g))
        )),
    }
}

fn geometry_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) => "point",
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => "line",
        Geometry::MultiPoint(_) => "multipoint",
        Geometry::GeometryCollection(_) => "geometry collection",
        _ => "polygon of another kind",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_read_back_bit_for_bit() {
        let area = crate::testing::awkward_area();
        let (blob, envelope) = encode(&area).unwrap();
        let back = decode(&blob).unwrap();
        assert_eq!(back, area);
        // WKB holds each f64's bytes: the same blob again means the same bits (-0.0 too,
        // which == cannot tell from 0.0).
        assert_eq!(encode(&back).unwrap().0, blob);
        assert_eq!(back.0[0].exterior().0[1].x.to_bits(), (-0.0f64).to_bits());
        assert_eq!(envelope.map(|e| e[1]), Some(f64::MAX));
        // GeoPackage binary: "GP", version 0, little-endian with an xy envelope, SRS 4326.
        assert_eq!(&blob[..4], b"GP\x00\x03");
        assert_eq!(i32::from_le_bytes(blob[4..8].try_into().unwrap()), SRS_ID);
    }

    #[test]
    fn other_geometries_and_garbage_are_errors() {
        let (point, _) = encode_gpb(&geo_types::Point::new(1.0, 2.0), SRS_ID).unwrap();
        assert_eq!(
            decode(&point).unwrap_err(),
            "a point where a multipolygon belongs"
        );
        assert!(decode(b"GP\x00").is_err());
    }
}
