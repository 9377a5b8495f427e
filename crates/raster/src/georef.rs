//! The geotransform: where each pixel lies in the raster's CRS, and how GeoTIFF tags say it.
//!
//! GeoTIFF (OGC 19-008r4, section 7.2) places the pixel grid either by a pixel scale
//! (ModelPixelScaleTag 33550) and a tiepoint (ModelTiepointTag 33922), or by a 4 x 4 model
//! transformation (ModelTransformationTag 34264). citygrid keeps only axis-aligned grids:
//! a transformation with rotation or shear terms is refused, because every lookup here
//! (point to pixel, pixel to centre) would otherwise need the full inverse matrix and the
//! weight layers people actually have (WorldPop, GHSL, GDAL exports) are all north-up.

/// An axis-aligned affine geotransform: pixel column and row to CRS x and y.
///
/// `x = origin_x + col * pixel_x` and `y = origin_y + row * pixel_y`, with `(col, row)` in
/// pixel units from the outer corner of pixel (0, 0): the pixel centre is at
/// `(col + 0.5, row + 0.5)`. A north-up raster has `pixel_y < 0`. This is GDAL's
/// geotransform `[origin_x, pixel_x, 0, origin_y, 0, pixel_y]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoTransform {
    /// x of the outer corner of pixel (0, 0): the west edge of a north-up raster.
    pub origin_x: f64,
    /// y of the outer corner of pixel (0, 0): the north edge of a north-up raster.
    pub origin_y: f64,
    /// Step in x from one column to the next (positive: columns go east).
    pub pixel_x: f64,
    /// Step in y from one row to the next (negative: rows go south).
    pub pixel_y: f64,
}

impl GeoTransform {
    /// The usual north-up grid: west and north edges, and positive pixel width and height
    /// in CRS units.
    #[must_use]
    pub fn north_up(west: f64, north: f64, pixel_width: f64, pixel_height: f64) -> Self {
        GeoTransform {
            origin_x: west,
            origin_y: north,
            pixel_x: pixel_width,
            pixel_y: -pixel_height,
        }
    }

    /// GDAL's six numbers: `[origin_x, pixel_x, 0, origin_y, 0, pixel_y]`.
    #[must_use]
    pub fn to_gdal(&self) -> [f64; 6] {
        [
            self.origin_x,
            self.pixel_x,
            0.0,
            self.origin_y,
            0.0,
            self.pixel_y,
        ]
    }

    /// CRS x and y of a position in pixel units (`(0.5, 0.5)` is the centre of pixel 0, 0).
    #[must_use]
    pub fn xy(&self, col: f64, row: f64) -> (f64, f64) {
        (
            self.origin_x + col * self.pixel_x,
            self.origin_y + row * self.pixel_y,
        )
    }

    /// Position in pixel units of a CRS point: the inverse of [`GeoTransform::xy`]. The pixel
    /// holding the point is the floor of each coordinate.
    #[must_use]
    pub fn pixel(&self, x: f64, y: f64) -> (f64, f64) {
        (
            (x - self.origin_x) / self.pixel_x,
            (y - self.origin_y) / self.pixel_y,
        )
    }

    /// Why this transform cannot place pixels, if it cannot: non-finite numbers or a zero
    /// pixel size.
    pub(crate) fn problem(&self) -> Option<String> {
        let all = [self.origin_x, self.origin_y, self.pixel_x, self.pixel_y];
        if all.iter().any(|v| !v.is_finite()) {
            Some(format!(
                "the geotransform {:?} is not finite",
                self.to_gdal()
            ))
        } else if self.pixel_x == 0.0 || self.pixel_y == 0.0 {
            Some(format!(
                "the pixel size ({}, {}) has a zero side",
                self.pixel_x, self.pixel_y
            ))
        } else {
            None
        }
    }
}

/// What a raster-space position refers to (GTRasterTypeGeoKey, OGC 19-008r4 section 7.4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RasterType {
    /// RasterPixelIsArea: pixel (0, 0) is the corner of the first pixel (the default).
    Area,
    /// RasterPixelIsPoint: pixel (0, 0) is the centre of the first pixel, so the grid's
    /// corner lies half a pixel further out (as GDAL reads it).
    Point,
}

/// The georeferencing tags of a file, as read.
#[derive(Debug, Default)]
pub(crate) struct GeoTags {
    /// ModelPixelScaleTag: (ScaleX, ScaleY, ScaleZ).
    pub scale: Option<Vec<f64>>,
    /// ModelTiepointTag: (I, J, K, X, Y, Z) repeated.
    pub tiepoints: Option<Vec<f64>>,
    /// ModelTransformationTag: a 4 x 4 matrix, row by row.
    pub matrix: Option<Vec<f64>>,
}

/// Why the tags cannot give an axis-aligned transform.
#[derive(Debug, PartialEq)]
pub(crate) enum GeorefProblem {
    /// No usable tags.
    Missing,
    /// Rotation or shear terms, described.
    Rotated(String),
    /// Malformed tags, described.
    Invalid(String),
}

impl GeoTags {
    /// The geotransform of pixel corners: the tiepoint form when present (the common one),
    /// else the matrix; shifted by half a pixel for PixelIsPoint.
    pub(crate) fn transform(&self, raster_type: RasterType) -> Result<GeoTransform, GeorefProblem> {
        let gt = match (&self.scale, &self.tiepoints, &self.matrix) {
            (Some(scale), Some(tie), _) => from_tiepoint(scale, tie)?,
            (None, Some(tie), None) if tie.len() > 6 => {
                return Err(GeorefProblem::Invalid(format!(
                    "{} ground control points without a pixel scale are not supported; warp \
                     the file first (gdalwarp in.tif out.tif)",
                    tie.len() / 6
                )));
            }
            (_, _, Some(matrix)) => from_matrix(matrix)?,
            _ => return Err(GeorefProblem::Missing),
        };
        let gt = match raster_type {
            RasterType::Area => gt,
            RasterType::Point => {
                let (x, y) = gt.xy(-0.5, -0.5);
                GeoTransform {
                    origin_x: x,
                    origin_y: y,
                    ..gt
                }
            }
        };
        match gt.problem() {
            Some(p) => Err(GeorefProblem::Invalid(p)),
            None => Ok(gt),
        }
    }
}

/// GeoTIFF section 7.2.2: `X = (I' - I) * ScaleX + X_tie`, `Y = -(J' - J) * ScaleY + Y_tie`.
fn from_tiepoint(scale: &[f64], tie: &[f64]) -> Result<GeoTransform, GeorefProblem> {
    let ([sx, sy, ..], [i, j, _, x, y, ..]) = (scale, tie) else {
        return Err(GeorefProblem::Invalid(format!(
            "the pixel scale has {} values and the tiepoint {}; expected at least 2 and 6",
            scale.len(),
            tie.len()
        )));
    };
    Ok(GeoTransform {
        origin_x: x - i * sx,
        origin_y: y + j * sy,
        pixel_x: *sx,
        pixel_y: -sy,
    })
}

/// GeoTIFF section 7.2.3: `X = a I + b J + d`, `Y = e I + f J + h` from the first two rows.
fn from_matrix(m: &[f64]) -> Result<GeoTransform, GeorefProblem> {
    let [a, b, _, d, e, f, _, h, ..] = m else {
        return Err(GeorefProblem::Invalid(format!(
            "the model transformation has {} values; expected 16",
            m.len()
        )));
    };
    if *b != 0.0 || *e != 0.0 {
        return Err(GeorefProblem::Rotated(format!(
            "model transformation terms b = {b}, e = {e}"
        )));
    }
    Ok(GeoTransform {
        origin_x: *d,
        origin_y: *h,
        pixel_x: *a,
        pixel_y: *f,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(scale: &[f64], tie: &[f64]) -> GeoTags {
        GeoTags {
            scale: Some(scale.to_vec()),
            tiepoints: Some(tie.to_vec()),
            matrix: None,
        }
    }

    #[test]
    fn tiepoint_at_any_pixel_gives_the_corner_of_pixel_zero() {
        // world.byte.tif: 0.125 degree pixels, corner at 180W 75N
        let gt = tags(&[0.125, 0.125, 0.0], &[0.0, 0.0, 0.0, -180.0, 75.0, 0.0])
            .transform(RasterType::Area)
            .unwrap();
        assert_eq!(gt, GeoTransform::north_up(-180.0, 75.0, 0.125, 0.125));
        // the same grid tied at pixel (8, 4)
        let gt2 = tags(&[0.125, 0.125, 0.0], &[8.0, 4.0, 0.0, -179.0, 74.5, 0.0])
            .transform(RasterType::Area)
            .unwrap();
        assert_eq!(gt2, gt);
        assert_eq!(gt.xy(0.5, 0.5), (-179.9375, 74.9375));
        assert_eq!(gt.pixel(-179.9375, 74.9375), (0.5, 0.5));
    }

    #[test]
    fn pixel_is_point_moves_the_corner_half_a_pixel_out() {
        let gt = tags(&[10.0, 20.0, 0.0], &[0.0, 0.0, 0.0, 1000.0, 5000.0, 0.0])
            .transform(RasterType::Point)
            .unwrap();
        assert_eq!(gt.to_gdal(), [995.0, 10.0, 0.0, 5010.0, 0.0, -20.0]);
        // the tiepoint is now the centre of pixel (0, 0)
        assert_eq!(gt.xy(0.5, 0.5), (1000.0, 5000.0));
    }

    #[test]
    fn matrix_axis_aligned_is_used_and_rotated_is_refused() {
        // float.tif: identity-like, rows going up in y
        let mut m = vec![0.0; 16];
        (m[0], m[5], m[15]) = (100.0, 100.0, 1.0);
        let gt = GeoTags {
            matrix: Some(m.clone()),
            ..GeoTags::default()
        }
        .transform(RasterType::Area)
        .unwrap();
        assert_eq!(gt.to_gdal(), [0.0, 100.0, 0.0, 0.0, 0.0, 100.0]);
        // rotated.tif
        let rotated = vec![
            17.320508075688775,
            4.999999999999999,
            0.0,
            100.0,
            9.999999999999998,
            -8.660254037844387,
            0.0,
            200.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            1.0,
        ];
        let err = GeoTags {
            matrix: Some(rotated),
            ..GeoTags::default()
        }
        .transform(RasterType::Area)
        .unwrap_err();
        assert_eq!(
            err,
            GeorefProblem::Rotated(
                "model transformation terms b = 4.999999999999999, e = 9.999999999999998".into()
            )
        );
    }

    #[test]
    fn missing_short_and_degenerate_tags_are_named() {
        assert_eq!(
            GeoTags::default().transform(RasterType::Area),
            Err(GeorefProblem::Missing)
        );
        let short = tags(&[1.0], &[0.0; 6]).transform(RasterType::Area);
        assert!(
            matches!(&short, Err(GeorefProblem::Invalid(m)) if m.contains("1 values")),
            "{short:?}"
        );
        let zero = tags(&[1.0, 0.0, 0.0], &[0.0; 6]).transform(RasterType::Area);
        assert!(
            matches!(&zero, Err(GeorefProblem::Invalid(m)) if m.contains("zero side")),
            "{zero:?}"
        );
        let nan = tags(&[1.0, 1.0, 0.0], &[0.0, 0.0, 0.0, f64::NAN, 0.0, 0.0])
            .transform(RasterType::Area);
        assert!(
            matches!(&nan, Err(GeorefProblem::Invalid(m)) if m.contains("not finite")),
            "{nan:?}"
        );
        let gcps = GeoTags {
            tiepoints: Some(vec![0.0; 18]),
            ..GeoTags::default()
        }
        .transform(RasterType::Area);
        assert!(
            matches!(&gcps, Err(GeorefProblem::Invalid(m)) if m.starts_with("3 ground control points")),
            "{gcps:?}"
        );
    }
}
