//! Reading real GeoTIFFs: the rasterio test files and small GDAL-made ones
//! (`tests/data/rasters`, see the SOURCE.md there). Expected values were read with
//! rasterio (GDAL 3.10); `tests/python/test_rasters_vs_gdal.py` compares every pixel.

use std::path::{Path, PathBuf};

use citygrid_crs::Crs;
use citygrid_raster::{GeoTransform, MAX_PIXELS, Raster, RasterError};

fn fixture(name: &str) -> PathBuf {
    [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "tests",
        "data",
        "rasters",
        name,
    ]
    .iter()
    .collect()
}

fn read(name: &str) -> Raster {
    Raster::read(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn error(name: &str) -> (RasterError, String) {
    let e = Raster::read(&fixture(name)).expect_err(name);
    let text = e.to_string();
    assert!(text.contains(name), "the message names the file: {text}");
    (e, text)
}

/// Every pixel centre maps back to its own pixel.
fn centres_round_trip(r: &Raster) {
    for row in 0..r.height() {
        for col in 0..r.width() {
            let (lon, lat) = r.pixel_center(col, row);
            assert_eq!(r.pixel_at(lon, lat), Some((col, row)), "({col}, {row})");
        }
    }
}

#[test]
fn world_byte_is_epsg_4326_tiled_lzw() {
    let r = read("world.byte.tif");
    assert_eq!((r.width(), r.height(), r.crs()), (2880, 1200, Crs::Wgs84));
    assert_eq!(
        r.geo_transform(),
        GeoTransform::north_up(-180.0, 75.0, 0.125, 0.125)
    );
    assert_eq!(r.total(), 1_033_658.0);
    // Guiyang
    assert_eq!(r.pixel_at(106.7, 26.6), Some((2293, 387)));
    assert_eq!(r.value(2293, 387), Some(1.0));
    assert_eq!(r.value(1500, 600), Some(0.0));
    assert_eq!(r.value(2880, 0), None);
    assert_eq!(r.pixel_center(0, 0), (-179.9375, 74.9375));
    let b = r.pixel_bounds_wgs84();
    assert_eq!(
        (b.min().x, b.min().y, b.max().x, b.max().y),
        (-180.0, -75.0, 180.0, 75.0)
    );
    // half-open: the north-west corner is in, the south and east edges are out
    assert_eq!(r.pixel_at(-180.0, 75.0), Some((0, 0)));
    assert_eq!(r.pixel_at(180.0, 0.0), None);
    assert_eq!(r.pixel_at(0.0, -75.0), None);
    assert_eq!(r.pixel_at(0.0, 80.0), None);
    assert_eq!(r.pixel_at(f64::NAN, 0.0), None);
    assert_eq!(r.pixels().count(), 2880 * 1200);
}

#[test]
fn web_mercator_tiled_with_nodata() {
    let r = read("gdal-3857-tiled-nodata.tif");
    assert_eq!(r.crs(), Crs::WebMercator);
    assert_eq!(r.nodata(), Some(255.0));
    assert_eq!(r.value(10, 5), None);
    assert_eq!(r.value(49, 36), Some(199.0));
    assert_eq!(r.value(33, 20), Some(181.0));
    assert_eq!(r.total(), 224_405.0);
    assert_eq!(r.pixels().count(), 50 * 37 - 40);
    centres_round_trip(&r);
    // PROJ (pyproj 3.7.2): EPSG:3857 (11878013, 3076247) is (106.70200622870368, 26.621377602410004)
    let (lon, lat) = r.pixel_center(0, 0);
    assert!(
        (lon - 106.702_006_228_703_68).abs() < 1e-9 && (lat - 26.621_377_602_410_004).abs() < 1e-9,
        "{lon} {lat}"
    );
}

#[test]
fn gauss_kruger_int16_lzw_with_predictor_and_strips() {
    let r = read("gdal-4545-int16-lzw.tif");
    assert_eq!(r.crs(), Crs::gauss_kruger(36, false).unwrap());
    assert_eq!(r.value(0, 0), None);
    assert_eq!(r.value(40, 28), Some(548.0));
    assert_eq!(r.total(), -263_884.0);
    centres_round_trip(&r);
    let prefixed = read("gdal-4524-uint32.tif");
    assert_eq!(prefixed.crs(), Crs::gauss_kruger(36, true).unwrap());
    assert_eq!(prefixed.value(22, 18), Some(3_728_000_007.0));
    assert_eq!(prefixed.total(), 814_568_003_059.0);
    centres_round_trip(&prefixed);
    // the same place in both zones' spelling
    let (a, b) = (r.pixel_center(0, 0), prefixed.pixel_center(0, 0));
    assert!(
        (a.0 - b.0).abs() < 1e-3 && (a.1 - b.1).abs() < 1e-3,
        "{a:?} {b:?}"
    );
}

#[test]
fn pixel_is_point_cgcs2000_float_with_nan() {
    let r = read("gdal-4490-point-float.tif");
    assert_eq!(r.crs(), Crs::Cgcs2000);
    // the tiepoint (106.7005, 26.5995) is the centre of pixel (0, 0): GDAL's origin
    let gt = r.geo_transform();
    assert!((gt.origin_x - 106.7).abs() < 1e-12 && (gt.origin_y - 26.6).abs() < 1e-12);
    assert_eq!(r.pixel_at(106.7005, 26.5995), Some((0, 0)));
    assert_eq!(r.value(4, 3), None);
    assert_eq!(r.value(0, 0), Some(0.125));
    assert_eq!(r.value(30, 22), Some(24.5));
    assert_eq!(r.total(), 47_454.625);
}

#[test]
fn integer_and_float_sample_types() {
    let tiled = read("gdal-4326-int32-tiled.tif");
    assert_eq!(tiled.nodata(), Some(-1.0));
    assert_eq!(tiled.value(10, 10), None);
    assert_eq!(tiled.value(0, 0), Some(-2_500_000.0));
    assert_eq!(tiled.total(), -2_141_000_000.0);
    let int8 = read("gdal-4326-int8.tif");
    assert_eq!((int8.value(0, 0), int8.total()), (Some(-128.0), 14.0));
    let float64 = read("gdal-4326-float64-planar.tif");
    assert_eq!(float64.value(25, 20), Some(268.0 / 3.0));
    assert_eq!(float64.total(), 74_116.0);
}

#[test]
fn multi_band_files_give_band_one() {
    // planar: the first plane; the second band's values are all <= 0
    let planar = read("gdal-4326-float64-planar.tif");
    assert!(planar.pixels().all(|(_, _, v)| v >= 0.0));
    // pixel-interleaved: every third sample
    let chunky = read("gdal-4326-rgb16-chunky.tif");
    assert_eq!(chunky.total(), 120_105.0);
    assert_eq!(chunky.value(17, 16), Some(785.0));
}

#[test]
fn no_crs_is_an_error_and_an_override_fixes_it() {
    let (e, text) = error("float.tif");
    assert!(matches!(e, RasterError::NoCrs { .. }), "{text}");
    assert!(
        text.ends_with(
            "no crs: the file has no geokeys naming one; pass the crs it is in (e.g. epsg:4326)"
        ),
        "{text}"
    );
    let r = Raster::read_with_crs(&fixture("float.tif"), Some(Crs::WebMercator)).unwrap();
    // a model transformation whose rows go north
    assert_eq!(
        r.geo_transform().to_gdal(),
        [0.0, 100.0, 0.0, 0.0, 0.0, 100.0]
    );
    assert_eq!(r.value(0, 0), Some(1.409_999_966_621_399));
    assert!((r.total() - 1.63).abs() < 1e-6);
    centres_round_trip(&r);
    let planar = Raster::read_with_crs(&fixture("float32.tif"), Some(Crs::WebMercator)).unwrap();
    assert_eq!(planar.value(0, 0), Some(f64::from(1.41f32)));
    // an override also replaces a CRS the file does declare
    let laea = Raster::read_with_crs(
        &fixture("float_raster_with_nodata.tif"),
        Some(Crs::WebMercator),
    )
    .unwrap();
    assert_eq!(laea.total(), 0.75);
    assert_eq!(laea.value(12, 1), None);
}

#[test]
fn unsupported_crs_names_what_the_file_declares() {
    let (e, text) = error("byte.tif");
    assert!(matches!(e, RasterError::UnsupportedCrs { .. }), "{text}");
    assert!(
        text.contains("crs epsg:26711 (NAD27 / UTM zone 11N) is not supported"),
        "{text}"
    );
    assert!(text.contains("gdalwarp -t_srs EPSG:4326"), "{text}");
    let (_, text) = error("float_raster_with_nodata.tif");
    assert!(
        text.contains("crs a user-defined projected crs (lambert azimuthal equal area)"),
        "{text}"
    );
}

#[test]
fn rotated_grids_jpeg_and_odd_samples_are_refused_clearly() {
    let (e, text) = error("rotated.tif");
    assert!(matches!(e, RasterError::Rotated { .. }), "{text}");
    assert!(text.contains("the geotransform is rotated or sheared (model transformation terms b = 4.999999999999999, e = 9.999999999999998)"), "{text}");
    let (e, text) = error("gdal-jpeg.tif");
    assert!(
        matches!(e, RasterError::UnsupportedCompression { .. }),
        "{text}"
    );
    assert!(text.contains("jpeg compression is not supported"), "{text}");
    let (_, text) = error("gdal-uint64.tif");
    assert!(
        text.contains("64-bit unsigned integer samples are not supported"),
        "{text}"
    );
    let (_, text) = error("gdal-1bit.tif");
    assert!(
        text.contains("1-bit unsigned integer samples are not supported"),
        "{text}"
    );
}

#[test]
fn broken_input_is_an_error_not_a_panic() {
    let e = Raster::from_bytes(b"GIF89a not a tiff").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("geotiff bytes: cannot decode the tiff"),
        "{e}"
    );
    let e = Raster::read(Path::new("/nonexistent/w.tif")).unwrap_err();
    assert!(matches!(e, RasterError::Read { .. }), "{e}");
    // every truncation of a real file fails cleanly or reads
    let bytes = std::fs::read(fixture("gdal-4545-int16-lzw.tif")).unwrap();
    for len in (0..bytes.len()).step_by(7) {
        let _ = Raster::from_bytes(&bytes[..len]);
    }
}

#[test]
fn new_checks_its_inputs() {
    let gt = GeoTransform::north_up(106.0, 27.0, 0.01, 0.01);
    let e = Raster::new(2, 2, gt, Crs::Wgs84, vec![0.0; 3], None).unwrap_err();
    assert_eq!(
        e.to_string(),
        "new raster: 3 values for 2 x 2 pixels; expected 4"
    );
    let e = Raster::new(0, 2, gt, Crs::Wgs84, vec![], None).unwrap_err();
    assert!(e.to_string().contains("needs at least one"), "{e}");
    let side = usize::try_from(MAX_PIXELS).unwrap();
    let e = Raster::new(side, 2, gt, Crs::Wgs84, vec![], None).unwrap_err();
    assert!(matches!(e, RasterError::TooLarge { .. }), "{e}");
    let flat = GeoTransform::north_up(106.0, 27.0, 0.01, 0.0);
    let e = Raster::new(1, 1, flat, Crs::Wgs84, vec![0.0], None).unwrap_err();
    assert!(e.to_string().contains("zero side"), "{e}");
    // degrees given to a projected CRS are fine; metres given to WGS84 are not
    let e = Raster::new(
        1,
        1,
        GeoTransform::north_up(500_000.0, 2_900_000.0, 100.0, 100.0),
        Crs::Wgs84,
        vec![0.0],
        None,
    )
    .unwrap_err();
    assert!(matches!(e, RasterError::Extent { .. }), "{e}");
    assert!(e.to_string().contains("is the data projected?"), "{e}");
}

#[test]
fn write_then_read_gives_the_same_raster() {
    let gt = GeoTransform::north_up(106.6, 26.7, 0.0025, 0.0025);
    let values: Vec<f32> = (0..12 * 7).map(|i| (i * 37 % 101) as f32 * 0.5).collect();
    let original = Raster::new(12, 7, gt, Crs::Wgs84, values, Some(0.0))
        .unwrap()
        .with_description("GENERATED test raster");
    let path = std::env::temp_dir().join(format!("citygrid-raster-{}.tif", std::process::id()));
    original.write(&path).unwrap();
    let back = Raster::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_same(&original, &back);
    assert_eq!(back.description(), Some("GENERATED test raster"));
    assert_eq!(
        original.to_bytes().unwrap(),
        back.to_bytes().unwrap(),
        "stable bytes"
    );

    // every readable fixture survives a round trip (f64 values rounded to f32)
    for name in [
        "world.byte.tif",
        "gdal-3857-tiled-nodata.tif",
        "gdal-4545-int16-lzw.tif",
        "gdal-4490-point-float.tif",
        "gdal-4524-uint32.tif",
        "gdal-4326-float64-planar.tif",
    ] {
        let r = read(name);
        let back = Raster::from_bytes(&r.to_bytes().unwrap()).unwrap();
        assert_same(&r, &back);
    }
    let e = Raster::new(1, 1, gt, Crs::Gcj02, vec![1.0], None)
        .unwrap()
        .to_bytes()
        .unwrap_err();
    assert!(e.to_string().contains("gcj02 has no epsg code"), "{e}");
}

fn assert_same(a: &Raster, b: &Raster) {
    assert_eq!(
        (a.width(), a.height(), a.crs()),
        (b.width(), b.height(), b.crs())
    );
    assert_eq!(a.geo_transform(), b.geo_transform());
    assert_eq!(a.nodata(), b.nodata());
    for row in 0..a.height() {
        for col in 0..a.width() {
            let rounded = a.value(col, row).map(|v| f64::from(v as f32));
            assert_eq!(rounded, b.value(col, row), "({col}, {row})");
        }
    }
}
