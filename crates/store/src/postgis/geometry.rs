//! Geometry as PostGIS receives and sends it in the binary protocol: EWKB, the
//! OGC WKB of Simple Features 1.2.1 clause 8.2 with PostGIS's SRID flag
//! (`0x20000000` in the type word, then the SRID). Each coordinate's eight bytes go
//! in and come out unchanged (PostGIS stores doubles as they are), so a version
//! loads back bit for bit, -0.0 included.

use std::error::Error;

use bytes::BytesMut;
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

/// The coordinate system of every stored geometry: WGS84 longitude/latitude.
pub(crate) const SRID: u32 = 4326;

const POINT: u32 = 1;
const POLYGON: u32 = 3;
const MULTI_POLYGON: u32 = 6;
/// EWKB: an SRID follows the type word.
const SRID_FLAG: u32 = 0x2000_0000;
/// EWKB: coordinates carry z or m (never written here).
const ZM_FLAGS: u32 = 0xC000_0000;

/// EWKB bytes bound for, or read from, a `geometry` column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ewkb(pub Vec<u8>);

/// Encodes a unit's area as little-endian EWKB with SRID 4326.
///
/// # Errors
/// Why it cannot be written (a polygon with holes and no outer ring).
pub(crate) fn encode_area(area: &MultiPolygon<f64>) -> Result<Ewkb, String> {
    let mut out = header(MULTI_POLYGON, true);
    put_u32(&mut out, len(area.0.len()));
    for polygon in &area.0 {
        out.push(1);
        put_u32(&mut out, POLYGON);
        let exterior = polygon.exterior();
        if exterior.0.is_empty() {
            if !polygon.interiors().is_empty() {
                return Err("a polygon with holes and no outer ring".into());
            }
            put_u32(&mut out, 0);
            continue;
        }
        put_u32(&mut out, len(1 + polygon.interiors().len()));
        for ring in std::iter::once(exterior).chain(polygon.interiors()) {
            put_u32(&mut out, len(ring.0.len()));
            for c in &ring.0 {
                put_f64(&mut out, c.x);
                put_f64(&mut out, c.y);
            }
        }
    }
    Ok(Ewkb(out))
}

/// Encodes a point as little-endian EWKB with SRID 4326.
pub(crate) fn encode_point(lon: f64, lat: f64) -> Ewkb {
    let mut out = header(POINT, true);
    put_f64(&mut out, lon);
    put_f64(&mut out, lat);
    Ewkb(out)
}

/// Decodes a polygon or multipolygon (a polygon is read as a multipolygon of one).
///
/// # Errors
/// What is wrong with the bytes.
pub(crate) fn decode_area(bytes: &[u8]) -> Result<MultiPolygon<f64>, String> {
    let mut r = Reader { bytes, at: 0 };
    let kind = r.header()?;
    let area = match kind {
        POLYGON => MultiPolygon(vec![r.polygon()?]),
        MULTI_POLYGON => {
            let n = r.u32()?;
            let mut polygons = Vec::new();
            for _ in 0..n {
                if r.header()? != POLYGON {
                    return Err("a multipolygon holds something other than polygons".into());
                }
                polygons.push(r.polygon()?);
            }
            MultiPolygon(polygons)
        }
        other => return Err(format!("a {} where a multipolygon belongs", name(other))),
    };
    r.end()?;
    Ok(area)
}

/// Decodes a point.
///
/// # Errors
/// What is wrong with the bytes.
pub(crate) fn decode_point(bytes: &[u8]) -> Result<Point<f64>, String> {
    let mut r = Reader { bytes, at: 0 };
    match r.header()? {
        POINT => {
            let point = Point::new(r.f64()?, r.f64()?);
            r.end()?;
            Ok(point)
        }
        other => Err(format!("a {} where a point belongs", name(other))),
    }
}

fn name(kind: u32) -> &'static str {
    match kind {
        1 => "point",
        2 => "line",
        3 => "polygon",
        4 => "multipoint",
        5 => "multiline",
        6 => "multipolygon",
        7 => "geometry collection",
        _ => "geometry of an unknown type",
    }
}

fn header(kind: u32, srid: bool) -> Vec<u8> {
    let mut out = vec![1];
    if srid {
        put_u32(&mut out, kind | SRID_FLAG);
        put_u32(&mut out, SRID);
    } else {
        put_u32(&mut out, kind);
    }
    out
}

fn len(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_f64(out: &mut Vec<u8>, v: f64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Reads EWKB of either byte order, each nested geometry with its own.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let end = self.at + N;
        let slice = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| format!("ends after {} bytes", self.bytes.len()))?;
        self.at = end;
        Ok(slice.try_into().unwrap_or([0; N]))
    }

    /// Little-endian until a header says otherwise.
    fn big_endian(&self) -> bool {
        self.bytes.first() == Some(&0)
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take::<4>()?;
        Ok(if self.big_endian() {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn f64(&mut self) -> Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if self.big_endian() {
            f64::from_be_bytes(b)
        } else {
            f64::from_le_bytes(b)
        })
    }

    /// The byte order, type word and SRID; returns the type.
    fn header(&mut self) -> Result<u32, String> {
        let [order] = self.take::<1>()?;
        if order > 1 {
            return Err(format!("byte order {order} is neither 0 nor 1"));
        }
        if (order == 0) != self.big_endian() {
            return Err("parts in another byte order than the whole".into());
        }
        let word = self.u32()?;
        if word & ZM_FLAGS != 0 || word & 0xFFFF >= 1000 {
            return Err("coordinates with z or m".into());
        }
        if word & SRID_FLAG != 0 {
            let srid = self.u32()?;
            if srid != SRID {
                return Err(format!("SRID {srid}, not {SRID}"));
            }
        }
        Ok(word & 0xFFFF)
    }

    fn polygon(&mut self) -> Result<Polygon<f64>, String> {
        let rings = self.u32()?;
        let mut read = Vec::new();
        for _ in 0..rings {
            let n = self.u32()?;
            if n as usize > self.bytes.len() / 16 {
                return Err(format!(
                    "a ring of {n} points in {} bytes",
                    self.bytes.len()
                ));
            }
            let mut coords = Vec::with_capacity(n as usize);
            for _ in 0..n {
                coords.push(Coord {
                    x: self.f64()?,
                    y: self.f64()?,
                });
            }
            read.push(LineString(coords));
        }
        let mut rings = read.into_iter();
        let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
        Ok(Polygon::new(exterior, rings.collect()))
    }

    fn end(&self) -> Result<(), String> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(format!(
                "{} bytes after the geometry",
                self.bytes.len() - self.at
            ))
        }
    }
}

/// Whether a column or parameter is PostGIS's `geometry` (an extension type, so
/// known by name, its OID differing between databases).
fn is_geometry(ty: &Type) -> bool {
    ty.name() == "geometry"
}

impl ToSql for Ewkb {
    fn to_sql(&self, _: &Type, out: &mut BytesMut) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        is_geometry(ty)
    }

    to_sql_checked!();
}

impl<'a> FromSql<'a> for Ewkb {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn Error + Sync + Send>> {
        Ok(Ewkb(raw.to_vec()))
    }

    fn accepts(ty: &Type) -> bool {
        is_geometry(ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_read_back_bit_for_bit() {
        let area = crate::testing::awkward_area();
        let ewkb = encode_area(&area).unwrap();
        let back = decode_area(&ewkb.0).unwrap();
        assert_eq!(back, area);
        assert_eq!(encode_area(&back).unwrap(), ewkb);
        assert_eq!(back.0[0].exterior().0[1].x.to_bits(), (-0.0f64).to_bits());
        // Little-endian MultiPolygon with the SRID flag, then 4326.
        assert_eq!(&ewkb.0[..9], b"\x01\x06\x00\x00\x20\xe6\x10\x00\x00");
        let p = decode_point(&encode_point(106.7, -0.0).0).unwrap();
        assert_eq!((p.x(), p.y().to_bits()), (106.7, (-0.0f64).to_bits()));
    }

    #[test]
    fn big_endian_iso_wkb_reads_too() {
        // POLYGON((0 0, 1 0, 0 1, 0 0)) in XDR without an SRID, as another writer may.
        let mut xdr = vec![0, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 4];
        for (x, y) in [(0.0f64, 0.0f64), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)] {
            xdr.extend_from_slice(&x.to_be_bytes());
            xdr.extend_from_slice(&y.to_be_bytes());
        }
        let area = decode_area(&xdr).unwrap();
        assert_eq!(area.0[0].exterior().0[1], Coord { x: 1.0, y: 0.0 });
    }

    #[test]
    fn other_geometries_and_garbage_are_errors() {
        assert_eq!(
            decode_area(&encode_point(1.0, 2.0).0).unwrap_err(),
            "a point where a multipolygon belongs"
        );
        assert!(decode_area(b"\x01\x06\x00").is_err());
        let mut trailing = encode_point(1.0, 2.0).0;
        trailing.push(0);
        assert!(decode_point(&trailing).is_err());
        let mut other_srid = encode_point(1.0, 2.0).0;
        other_srid[5] = 0x11;
        assert!(decode_point(&other_srid).unwrap_err().contains("SRID"));
    }
}
