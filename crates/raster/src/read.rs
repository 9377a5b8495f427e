//! Decoding a GeoTIFF into a [`Raster`]: checks first (compression, sample type,
//! georeferencing, CRS), so that an unusable file fails before its pixels are decoded.

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

use citygrid_crs::Crs;
use tiff::TiffError;
use tiff::decoder::{Decoder, DecodingResult, Limits};
use tiff::tags::Tag;

use crate::band::{Band, Values};
use crate::error::{RasterError, Result};
use crate::geokeys::{CrsFinding, GeoKeys};
use crate::georef::{GeoTags, GeoTransform, GeorefProblem};
use crate::raster::{MAX_PIXELS, Raster, check_size};

/// Label of rasters decoded from memory, used in error messages.
const BYTES_NAME: &str = "geotiff bytes";

impl Raster {
    /// Reads band 1 of a GeoTIFF file, with the CRS its GeoKeys declare.
    ///
    /// Multi-band files (RGB, a stack of age groups) give their first band: a weight layer
    /// is one quantity, and band 1 is what GDAL tools use by default.
    ///
    /// # Errors
    /// [`RasterError::Read`] if the file cannot be opened; [`RasterError::Decode`] if it is
    /// not a readable TIFF; [`RasterError::UnsupportedCompression`] (JPEG, ZSTD, LERC...),
    /// [`RasterError::UnsupportedSamples`] (1-bit, 64-bit integers, 16-bit floats),
    /// [`RasterError::NoGeoreference`], [`RasterError::Rotated`], [`RasterError::NoCrs`],
    /// [`RasterError::UnsupportedCrs`], [`RasterError::TooLarge`], [`RasterError::Extent`]
    /// and [`RasterError::Invalid`], each naming the file.
    pub fn read(path: &Path) -> Result<Raster> {
        Raster::read_with_crs(path, None)
    }

    /// Reads band 1 of a GeoTIFF file; `crs`, when given, replaces whatever the file's
    /// GeoKeys declare (for files with none, or a wrong one).
    ///
    /// # Errors
    /// As [`Raster::read`], but no CRS error when `crs` is given.
    pub fn read_with_crs(path: &Path, crs: Option<Crs>) -> Result<Raster> {
        Raster::read_band(path, 1, crs)
    }

    /// Reads band `band` (from 1) of a GeoTIFF file, as [`Raster::read_with_crs`]
    /// reads band 1: a stack of quantities (age groups, land-use shares) registered
    /// one band at a time.
    ///
    /// # Errors
    /// As [`Raster::read_with_crs`]; [`RasterError::Invalid`] for band 0, a band
    /// beyond the file's, or a band after the first of a planar (band-sequential) file.
    pub fn read_band(path: &Path, band: u16, crs: Option<Crs>) -> Result<Raster> {
        let file = File::open(path).map_err(|source| RasterError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        decode(BufReader::new(file), &path.display().to_string(), crs, band)
    }

    /// Reads band 1 of a GeoTIFF held in memory (an upload, a test fixture).
    ///
    /// # Errors
    /// As [`Raster::read`], naming the input "geotiff bytes".
    pub fn from_bytes(bytes: &[u8]) -> Result<Raster> {
        Raster::from_bytes_with_crs(bytes, None)
    }

    /// Reads band 1 of a GeoTIFF held in memory, with `crs` replacing the file's own when
    /// given.
    ///
    /// # Errors
    /// As [`Raster::read_with_crs`].
    pub fn from_bytes_with_crs(bytes: &[u8], crs: Option<Crs>) -> Result<Raster> {
        Raster::from_bytes_band(bytes, 1, crs)
    }

    /// Reads band `band` (from 1) of a GeoTIFF held in memory (a raster layer the
    /// store keeps), as [`Raster::read_band`] reads a file.
    ///
    /// # Errors
    /// As [`Raster::read_band`], naming the input "geotiff bytes".
    pub fn from_bytes_band(bytes: &[u8], band: u16, crs: Option<Crs>) -> Result<Raster> {
        decode(Cursor::new(bytes), BYTES_NAME, crs, band)
    }
}

/// How the samples are stored.
#[derive(Debug, Clone, Copy)]
struct Samples {
    /// Samples per pixel in the decoded buffer: all bands for chunky (pixel-interleaved)
    /// files, 1 for planar ones (whose first plane alone is decoded).
    stride: usize,
    /// Bands in the file.
    bands: u16,
}

fn decode<R: Read + Seek>(
    reader: R,
    source_name: &str,
    crs: Option<Crs>,
    band: u16,
) -> Result<Raster> {
    let fail = |e: TiffError| RasterError::Decode {
        source_name: source_name.into(),
        message: e.to_string(),
    };
    let mut decoder = Decoder::new(reader).map_err(fail)?.with_limits(limits());
    let (width, height) = decoder.dimensions().map_err(fail)?;
    check_size(source_name, width.into(), height.into())?;
    check_compression(&mut decoder, source_name)?;
    let samples = check_samples(&mut decoder, source_name)?;
    if band == 0 || band > samples.bands || (band > 1 && samples.stride == 1) {
        return Err(RasterError::Invalid {
            source_name: source_name.into(),
            message: if band == 0 || band > samples.bands {
                format!("has bands 1 to {}, not band {band}", samples.bands)
            } else {
                format!(
                    "stores its bands one after another (planar); only band 1 of such a file is read, not band {band}"
                )
            },
        });
    }
    let (geo, crs) = georeference(&mut decoder, source_name, crs)?;
    let nodata = gdal_nodata(&mut decoder, source_name)?;
    let description = text_tag(&mut decoder, Tag::ImageDescription, source_name)?;
    let (width, height) = (width as usize, height as usize);
    let values = one_band(&mut decoder, source_name, samples, band, width * height)?;
    let raster = Raster::assemble(
        source_name,
        (width, height),
        geo,
        crs,
        Band::new(values, nodata),
    )?;
    Ok(match description {
        Some(text) => raster.with_description(text),
        None => raster,
    })
}

/// The decoder's limits, raised to what [`MAX_PIXELS`] needs: one band of `f64`.
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.decoding_buffer_size = usize::try_from(MAX_PIXELS * 8).unwrap_or(usize::MAX);
    // the offsets of many strips or tiles
    limits.ifd_value_size = 64 << 20;
    limits
}

fn tag_error(source_name: &str, tag: Tag, e: &TiffError) -> RasterError {
    RasterError::Invalid {
        source_name: source_name.into(),
        message: format!("tiff tag {}: {e}", tag.to_u16()),
    }
}

/// A numeric tag as `f64`s, or `None` when absent.
fn floats<R: Read + Seek>(d: &mut Decoder<R>, tag: Tag, name: &str) -> Result<Option<Vec<f64>>> {
    d.find_tag(tag)
        .and_then(|v| v.map(tiff::decoder::ifd::Value::into_f64_vec).transpose())
        .map_err(|e| tag_error(name, tag, &e))
}

/// A short or list of shorts, or `None` when absent.
fn shorts<R: Read + Seek>(d: &mut Decoder<R>, tag: Tag, name: &str) -> Result<Option<Vec<u16>>> {
    d.find_tag(tag)
        .and_then(|v| v.map(tiff::decoder::ifd::Value::into_u16_vec).transpose())
        .map_err(|e| tag_error(name, tag, &e))
}

/// An ASCII tag without its terminating NULs, or `None` when absent.
fn text_tag<R: Read + Seek>(d: &mut Decoder<R>, tag: Tag, name: &str) -> Result<Option<String>> {
    d.find_tag(tag)
        .and_then(|v| v.map(tiff::decoder::ifd::Value::into_string).transpose())
        .map(|s| s.map(|s| s.trim_end_matches('\0').to_string()))
        .map_err(|e| tag_error(name, tag, &e))
}

/// Refuses compression methods the decoder is built without, naming them.
fn check_compression<R: Read + Seek>(d: &mut Decoder<R>, name: &str) -> Result<()> {
    let code = shorts(d, Tag::Compression, name)?
        .and_then(|v| v.first().copied())
        .unwrap_or(1);
    let unsupported = match code {
        // none, LZW, Deflate (Adobe and old), PackBits
        1 | 5 | 8 | 32946 | 32773 => return Ok(()),
        6 | 7 => "jpeg".to_string(),
        2..=4 => "ccitt fax".to_string(),
        34712 => "jpeg 2000".to_string(),
        34887 => "lerc".to_string(),
        34925 => "lzma".to_string(),
        50000 => "zstd".to_string(),
        50001 => "webp".to_string(),
        other => format!("tiff compression {other}"),
    };
    Err(RasterError::UnsupportedCompression {
        source_name: name.into(),
        compression: unsupported,
    })
}

/// Checks that samples are 8/16/32-bit integers or 32/64-bit floats, the same in every band.
fn check_samples<R: Read + Seek>(d: &mut Decoder<R>, name: &str) -> Result<Samples> {
    let bits = shorts(d, Tag::BitsPerSample, name)?.unwrap_or_else(|| vec![1]);
    let formats = shorts(d, Tag::SampleFormat, name)?.unwrap_or_else(|| vec![1]);
    let per_pixel = shorts(d, Tag::SamplesPerPixel, name)?
        .and_then(|v| v.first().copied())
        .unwrap_or(1);
    let planar = shorts(d, Tag::PlanarConfiguration, name)?
        .and_then(|v| v.first().copied())
        .unwrap_or(1);
    let (b, f) = (
        bits.first().copied().unwrap_or(1),
        formats.first().copied().unwrap_or(1),
    );
    let kind = match f {
        1 => "unsigned integer",
        2 => "signed integer",
        3 => "float",
        _ => "untyped",
    };
    let supported = match f {
        1 | 2 => matches!(b, 8 | 16 | 32),
        3 => matches!(b, 32 | 64),
        _ => false,
    };
    let mixed = bits.iter().any(|&x| x != b) || formats.iter().any(|&x| x != f);
    if !supported || mixed {
        let samples = if mixed {
            "bands of different types".to_string()
        } else {
            format!("{b}-bit {kind}")
        };
        return Err(RasterError::UnsupportedSamples {
            source_name: name.into(),
            samples,
        });
    }
    Ok(Samples {
        bands: per_pixel.max(1),
        stride: if planar == 2 {
            1
        } else {
            usize::from(per_pixel.max(1))
        },
    })
}

/// The grid and the CRS: `crs` when given, else the GeoKeys'.
fn georeference<R: Read + Seek>(
    d: &mut Decoder<R>,
    name: &str,
    crs: Option<Crs>,
) -> Result<(GeoTransform, Crs)> {
    let keys = match shorts(d, Tag::GeoKeyDirectoryTag, name)? {
        Some(directory) => {
            let doubles = floats(d, Tag::GeoDoubleParamsTag, name)?.unwrap_or_default();
            let ascii = text_tag(d, Tag::GeoAsciiParamsTag, name)?.unwrap_or_default();
            GeoKeys::parse(&directory, &doubles, &ascii).map_err(|message| {
                RasterError::Invalid {
                    source_name: name.into(),
                    message,
                }
            })?
        }
        None => GeoKeys::default(),
    };
    let tags = GeoTags {
        scale: floats(d, Tag::ModelPixelScaleTag, name)?,
        tiepoints: floats(d, Tag::ModelTiepointTag, name)?,
        matrix: floats(d, Tag::ModelTransformationTag, name)?,
    };
    let geo = tags
        .transform(keys.raster_type())
        .map_err(|problem| match problem {
            GeorefProblem::Missing => RasterError::NoGeoreference {
                source_name: name.into(),
            },
            GeorefProblem::Rotated(detail) => RasterError::Rotated {
                source_name: name.into(),
                detail,
            },
            GeorefProblem::Invalid(message) => RasterError::Invalid {
                source_name: name.into(),
                message,
            },
        })?;
    let crs = match (crs, keys.crs()) {
        (Some(chosen), _) => chosen,
        (None, CrsFinding::Found(found)) => found,
        (None, CrsFinding::Missing) => {
            return Err(RasterError::NoCrs {
                source_name: name.into(),
            });
        }
        (None, CrsFinding::Unsupported(crs)) => {
            return Err(RasterError::UnsupportedCrs {
                source_name: name.into(),
                crs,
            });
        }
    };
    Ok((geo, crs))
}

/// GDAL's nodata tag (42113): the value as ASCII text, e.g. "255" or "-3.4e+038".
fn gdal_nodata<R: Read + Seek>(d: &mut Decoder<R>, name: &str) -> Result<Option<f64>> {
    let Some(text) = text_tag(d, Tag::GdalNodata, name)? else {
        return Ok(None);
    };
    let text = text.trim();
    text.parse::<f64>()
        .map(Some)
        .map_err(|_| RasterError::Invalid {
            source_name: name.into(),
            message: format!("the gdal nodata tag {text:?} is not a number"),
        })
}

/// Decodes the image and keeps band `band`'s `pixels` values.
fn one_band<R: Read + Seek>(
    d: &mut Decoder<R>,
    name: &str,
    samples: Samples,
    band: u16,
    pixels: usize,
) -> Result<Values> {
    let skip = usize::from(band) - 1;
    // `read_image` decodes every band of a pixel-interleaved file but only the first
    // plane of a planar one: what is needed, and no more memory than that.
    let decoded = d.read_image().map_err(|e| RasterError::Decode {
        source_name: name.into(),
        message: e.to_string(),
    })?;
    let stride = samples.stride;
    let short = |len: usize| RasterError::Decode {
        source_name: name.into(),
        message: format!(
            "decoded {len} samples; expected {} ({pixels} pixels x {stride})",
            pixels * stride
        ),
    };
    macro_rules! band {
        ($v:expr, $variant:ident, $to:ty) => {{
            if $v.len() < pixels * stride {
                return Err(short($v.len()));
            }
            Values::$variant(
                $v.iter()
                    .skip(skip)
                    .step_by(stride)
                    .take(pixels)
                    .map(|&x| <$to>::from(x))
                    .collect(),
            )
        }};
    }
    Ok(match decoded {
        DecodingResult::U8(v) => band!(v, F32, f32),
        DecodingResult::I8(v) => band!(v, F32, f32),
        DecodingResult::U16(v) => band!(v, F32, f32),
        DecodingResult::I16(v) => band!(v, F32, f32),
        DecodingResult::F32(v) => band!(v, F32, f32),
        DecodingResult::U32(v) => band!(v, F64, f64),
        DecodingResult::I32(v) => band!(v, F64, f64),
        DecodingResult::F64(v) => band!(v, F64, f64),
        // refused by `check_samples` before decoding
        DecodingResult::U64(_) | DecodingResult::I64(_) | DecodingResult::F16(_) => {
            return Err(RasterError::UnsupportedSamples {
                source_name: name.into(),
                samples: "64-bit integer or 16-bit float".into(),
            });
        }
    })
}
