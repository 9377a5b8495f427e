//! One band of pixel values, row by row from the north-west corner, and what counts as
//! missing.
//!
//! Values are kept in the narrowest float type that holds the file's samples exactly:
//! `f32` for 8- and 16-bit integers and 32-bit floats, `f64` for 32-bit integers and
//! 64-bit floats. A WorldPop-sized raster of Guiyang then takes 4 bytes a pixel, and no
//! value changes on the way in.

/// The values of one band.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Values {
    /// Samples that fit `f32` exactly.
    F32(Vec<f32>),
    /// Samples that need `f64`.
    F64(Vec<f64>),
}

/// One band with its nodata value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Band {
    values: Values,
    /// The GDAL nodata value, compared in the band's own type so that a file's
    /// `-3.4e+38` (an `f64` text) matches its `f32` samples; NaN samples are always
    /// missing, so a NaN nodata needs no comparison.
    nodata: Option<f64>,
}

impl Band {
    /// A band; `nodata` NaN is the same as none (NaN samples are missing anyway).
    pub(crate) fn new(values: Values, nodata: Option<f64>) -> Self {
        Band {
            values,
            nodata: nodata.filter(|v| !v.is_nan()),
        }
    }

    /// Number of pixels.
    pub(crate) fn len(&self) -> usize {
        match &self.values {
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
        }
    }

    /// The nodata value as given.
    pub(crate) fn nodata(&self) -> Option<f64> {
        self.nodata
    }

    /// The value at `index`, or `None` for nodata, NaN or an index past the end.
    pub(crate) fn get(&self, index: usize) -> Option<f64> {
        let value = match &self.values {
            Values::F32(v) => {
                let x = *v.get(index)?;
                // compare in f32: the nodata text was written from an f32 value
                if self.nodata.is_some_and(|nd| x == nd as f32) {
                    return None;
                }
                f64::from(x)
            }
            Values::F64(v) => {
                let x = *v.get(index)?;
                if self.nodata == Some(x) {
                    return None;
                }
                x
            }
        };
        (!value.is_nan()).then_some(value)
    }

    /// Values as `f32` for writing (an `f64` band is rounded to the nearest `f32`).
    pub(crate) fn to_f32(&self) -> Vec<f32> {
        match &self.values {
            Values::F32(v) => v.clone(),
            // rounding to f32 is what writing float32 means (documented on Raster::write)
            Values::F64(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodata_and_nan_are_missing_and_compared_in_the_band_type() {
        // WorldPop writes nodata as the text "-3.4e+038" over f32 samples
        let nd: f64 = "-3.4e+038".parse().unwrap();
        let band = Band::new(Values::F32(vec![1.5, -3.4e38, f32::NAN, 0.0]), Some(nd));
        assert_eq!(band.get(0), Some(1.5));
        assert_eq!(band.get(1), None);
        assert_eq!(band.get(2), None);
        assert_eq!(band.get(3), Some(0.0));
        assert_eq!(band.get(4), None);
        let band = Band::new(Values::F64(vec![7.0, 255.0]), Some(255.0));
        assert_eq!((band.get(0), band.get(1)), (Some(7.0), None));
        assert_eq!(
            Band::new(Values::F64(vec![]), Some(f64::NAN)).nodata(),
            None
        );
    }

    #[test]
    fn f64_values_round_to_f32_for_writing() {
        let band = Band::new(Values::F64(vec![0.1, 16_777_217.0]), None);
        assert_eq!(band.to_f32(), vec![0.1f32, 16_777_216.0]);
    }
}
