//! Map tiles of a raster: a Web Mercator tile (z/x/y, 256 x 256) as a PNG, each pixel
//! the mean of the valid raster values under a few points of it (more points where a
//! tile pixel spans several raster pixels, so a zoomed-out tile is an average, not a
//! sample), coloured on a sequential ramp between the 2nd and 98th percentiles of the
//! raster's non-zero values. Nodata and zero are transparent, so the layer shows what
//! is there over whatever is under it.

use std::f64::consts::PI;

use crate::error::{RasterError, Result};
use crate::raster::Raster;

/// Tile side, pixels.
pub const TILE: usize = 256;

/// Most sample points per tile pixel along each axis.
const MAX_SAMPLES: usize = 4;

/// ColorBrewer YlOrRd, the viewer's choropleth ramp.
const RAMP: [[u8; 3]; 5] = [
    [0xff, 0xff, 0xb2],
    [0xfe, 0xcc, 0x5c],
    [0xfd, 0x8d, 0x3c],
    [0xf0, 0x3b, 0x20],
    [0xbd, 0x00, 0x26],
];

/// Opacity of coloured pixels: the cells' outlines stay visible through them.
const ALPHA: u8 = 200;

/// The values a ramp runs between.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ramp {
    /// The value drawn in the ramp's first colour (and below it, the same).
    pub lo: f64,
    /// The value drawn in its last colour (and above).
    pub hi: f64,
}

impl Ramp {
    /// The 2nd and 98th percentiles of the raster's non-zero values (of up to a
    /// million of them, evenly spaced).
    #[must_use]
    pub fn of(raster: &Raster) -> Ramp {
        let n = raster.width() * raster.height();
        let step = (n / 1_000_000).max(1);
        let mut values: Vec<f64> = (0..n)
            .step_by(step)
            .filter_map(|i| raster.value(i % raster.width(), i / raster.width()))
            .filter(|v| *v != 0.0)
            .collect();
        if values.is_empty() {
            return Ramp { lo: 0.0, hi: 1.0 };
        }
        values.sort_by(f64::total_cmp);
        let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
        let (lo, hi) = (at(0.02), at(0.98));
        Ramp {
            lo,
            hi: if hi > lo { hi } else { lo + 1.0 },
        }
    }

    fn colour(&self, v: f64) -> [u8; 4] {
        let t = ((v - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0) * (RAMP.len() - 1) as f64;
        let (i, f) = (
            (t.floor() as usize).min(RAMP.len() - 2),
            t - t.floor().min((RAMP.len() - 2) as f64),
        );
        let mix = |k: usize| {
            (f64::from(RAMP[i][k]) * (1.0 - f) + f64::from(RAMP[i + 1][k]) * f).round() as u8
        };
        [mix(0), mix(1), mix(2), ALPHA]
    }
}

/// The WGS84 lon/lat of a point of tile `z/x/y`, in tile pixels from its north-west
/// corner.
fn lonlat(z: u8, x: u32, y: u32, px: f64, py: f64) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let lon = (f64::from(x) + px / TILE as f64) / n * 360.0 - 180.0;
    let my = PI * (1.0 - 2.0 * (f64::from(y) + py / TILE as f64) / n);
    (lon, my.sinh().atan().to_degrees())
}

/// Tile `z/x/y` of `raster` as a PNG, or `None` when the tile is outside the raster.
///
/// # Errors
/// [`RasterError::Invalid`] for a tile beyond its zoom's grid or a zoom over 24;
/// PNG encoding failures as [`RasterError::Invalid`] too.
pub fn render_tile(raster: &Raster, ramp: &Ramp, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>> {
    if z > 24 || x >= 1u32 << z || y >= 1u32 << z {
        return Err(RasterError::Invalid {
            source_name: "tile".into(),
            message: format!("{z}/{x}/{y} is not a tile (zoom 0 to 24, x and y below 2^zoom)"),
        });
    }
    let (w, n) = lonlat(z, x, y, 0.0, 0.0);
    let (e, s) = lonlat(z, x, y, TILE as f64, TILE as f64);
    let b = raster.pixel_bounds_wgs84();
    if e <= b.min().x || w >= b.max().x || n <= b.min().y || s >= b.max().y {
        return Ok(None);
    }
    // raster pixels per tile pixel, at the tile's centre
    let (cx, cy) = lonlat(z, x, y, TILE as f64 / 2.0, TILE as f64 / 2.0);
    let across = match (
        raster.pixel_at(cx, cy),
        raster.pixel_at(cx + (e - w) / TILE as f64, cy),
    ) {
        (Some((a, _)), Some((b, _))) => a.abs_diff(b).max(1),
        _ => 1,
    };
    let samples = across.clamp(1, MAX_SAMPLES);
    let mut rgba = vec![0u8; TILE * TILE * 4];
    for row in 0..TILE {
        for col in 0..TILE {
            let (mut sum, mut count) = (0.0, 0usize);
            for sy in 0..samples {
                for sx in 0..samples {
                    let px = col as f64 + (sx as f64 + 0.5) / samples as f64;
                    let py = row as f64 + (sy as f64 + 0.5) / samples as f64;
                    let (lon, lat) = lonlat(z, x, y, px, py);
                    if let Some(v) = raster
                        .pixel_at(lon, lat)
                        .and_then(|(c, r)| raster.value(c, r))
                    {
                        sum += v;
                        count += 1;
                    }
                }
            }
            if count > 0 && sum != 0.0 {
                let at = (row * TILE + col) * 4;
                rgba[at..at + 4].copy_from_slice(&ramp.colour(sum / count as f64));
            }
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, TILE as u32, TILE as u32);
        encoder.set_color(png::ColorType::Rgba);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let fail = |e: png::EncodingError| RasterError::Invalid {
            source_name: "tile".into(),
            message: format!("cannot encode the PNG: {e}"),
        };
        let mut writer = encoder.write_header().map_err(fail)?;
        writer.write_image_data(&rgba).map_err(fail)?;
    }
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use citygrid_crs::Crs;

    use super::*;
    use crate::GeoTransform;

    #[test]
    fn a_tile_over_the_raster_is_coloured_where_values_are() {
        // 0.01 degree pixels over central Guiyang: left half 0 (transparent), right 100
        let grid = GeoTransform::north_up(106.60, 26.70, 0.01, 0.01);
        let values = (0..400)
            .map(|i| if i % 20 < 10 { 0.0 } else { 100.0 })
            .collect();
        let raster = Raster::new(20, 20, grid, Crs::Wgs84, values, None).unwrap();
        let ramp = Ramp::of(&raster);
        assert_eq!(
            ramp,
            Ramp {
                lo: 100.0,
                hi: 101.0
            }
        );
        // zoom 10 tile holding 106.7, 26.6: x = 815, y = 433
        let png = render_tile(&raster, &ramp, 10, 815, 433).unwrap().unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (256, 256));
        let alpha: Vec<u8> = buf.chunks(4).map(|p| p[3]).collect();
        assert!(
            alpha.contains(&0) && alpha.contains(&ALPHA),
            "both halves in the tile"
        );
        assert!(
            render_tile(&raster, &ramp, 10, 0, 0).unwrap().is_none(),
            "far away"
        );
        assert!(render_tile(&raster, &ramp, 2, 4, 0).is_err());
    }
}
