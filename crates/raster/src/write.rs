//! Encoding a [`Raster`] as a GeoTIFF that GDAL and QGIS read: float32 samples, Deflate,
//! the grid as pixel scale and tiepoint (or a model transformation for a south-up grid),
//! the CRS as GeoKeys and GDAL's nodata tag.
//!
//! The output depends only on the raster: the same raster gives the same bytes on every
//! machine, so generated data can be committed and checked by regenerating it.

use std::io::Cursor;
use std::path::Path;

use tiff::encoder::{Compression, DeflateLevel, TiffEncoder, colortype::Gray32Float};
use tiff::tags::Tag;

use crate::error::{RasterError, Result};
use crate::geokeys::directory_for;
use crate::raster::Raster;

impl Raster {
    /// Writes the raster as a float32 GeoTIFF (Deflate, strips), with its CRS, grid,
    /// nodata and description. `f64` values are rounded to the nearest `f32`.
    ///
    /// # Errors
    /// [`RasterError::Encode`] as for [`Raster::to_bytes`]; [`RasterError::Write`] naming
    /// the path if the file cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes()?;
        std::fs::write(path, bytes).map_err(|source| RasterError::Write {
            path: path.to_path_buf(),
            source,
        })
    }

    /// The GeoTIFF bytes [`Raster::write`] writes.
    ///
    /// # Errors
    /// [`RasterError::Encode`] if the CRS has no EPSG code (GCJ-02, BD-09: GeoTIFF cannot
    /// declare them), the description is not ASCII, or the encoder fails.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let keys = directory_for(self.crs()).map_err(|message| RasterError::Encode { message })?;
        if let Some(text) = self.description()
            && (!text.is_ascii() || text.contains('\0'))
        {
            return Err(RasterError::Encode {
                message: format!("the description {text:?} is not plain ascii"),
            });
        }
        let encode = |e: tiff::TiffError| RasterError::Encode {
            message: e.to_string(),
        };
        let (width, height) = (dimension(self.width())?, dimension(self.height())?);
        let values = self.band().to_f32();
        let gt = self.geo_transform();
        let mut out = Cursor::new(Vec::new());
        let mut tiff = TiffEncoder::new(&mut out)
            .map_err(encode)?
            .with_compression(Compression::Deflate(DeflateLevel::Best));
        let mut image = tiff
            .new_image::<Gray32Float>(width, height)
            .map_err(encode)?;
        let dir = image.encoder();
        if gt.pixel_y < 0.0 {
            // GeoTIFF 7.2.2: scale (x, -y) and the corner of pixel (0, 0) as tiepoint
            dir.write_tag(Tag::ModelPixelScaleTag, &[gt.pixel_x, -gt.pixel_y, 0.0][..])
                .map_err(encode)?;
            dir.write_tag(
                Tag::ModelTiepointTag,
                &[0.0, 0.0, 0.0, gt.origin_x, gt.origin_y, 0.0][..],
            )
            .map_err(encode)?;
        } else {
            // GeoTIFF 7.2.3: the scale form cannot say "rows go north"
            #[rustfmt::skip]
            let matrix = [
                gt.pixel_x, 0.0, 0.0, gt.origin_x,
                0.0, gt.pixel_y, 0.0, gt.origin_y,
                0.0, 0.0, 0.0, 0.0,
                0.0, 0.0, 0.0, 1.0,
            ];
            dir.write_tag(Tag::ModelTransformationTag, &matrix[..])
                .map_err(encode)?;
        }
        dir.write_tag(Tag::GeoKeyDirectoryTag, &keys[..])
            .map_err(encode)?;
        if let Some(nodata) = self.nodata() {
            dir.write_tag(Tag::GdalNodata, nodata_text(nodata).as_str())
                .map_err(encode)?;
        }
        if let Some(text) = self.description() {
            dir.write_tag(Tag::ImageDescription, text).map_err(encode)?;
        }
        image.write_data(&values).map_err(encode)?;
        Ok(out.into_inner())
    }
}

fn dimension(n: usize) -> Result<u32> {
    u32::try_from(n).map_err(|_| RasterError::Encode {
        message: format!("{n} pixels is too many for a tiff side"),
    })
}

/// GDAL's spelling of a nodata value: a whole number as an integer, else the shortest
/// text that parses back to the same `f32` the pixels hold.
fn nodata_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        // the pixels are f32, so the nodata value that matters is the f32 one
        let as_f32 = v as f32;
        format!("{as_f32:e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodata_is_written_as_gdal_reads_it() {
        assert_eq!(nodata_text(255.0), "255");
        assert_eq!(nodata_text(-9999.0), "-9999");
        assert_eq!(nodata_text(-0.5), "-5e-1");
        let text = nodata_text(-3.4e38);
        assert_eq!(text, "-3.4e38");
        assert_eq!(text.parse::<f64>().unwrap() as f32, -3.4e38f32);
    }
}
