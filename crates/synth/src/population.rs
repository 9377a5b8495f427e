//! A GENERATED population raster for the demo city: people per pixel, denser in the
//! urban districts, sparse in the rural counties, zero outside the city.
//!
//! No population raster covering Guiyang is available to the project, so `citygrid build`'s
//! demo weight layer is made here. **It is not real data.** The district totals in
//! [`GUIYANG`] are approximate, for a demo; they are not census data. Inside each
//! district people are spread by a made-up density: a share of them (97 % in Yunyan, 30 %
//! in Kaiyang) over bell-shaped urban centres (the old city in Yunyan and Nanming, Jinyang
//! in Guanshanhu, Xiaohe and Huaxi, Baiyun, Xintian in Wudang and the four county seats),
//! the rest over a village texture, with seeded value noise for blocks and villages, empty
//! hills where a coarse noise is low, and three empty lakes. Each district's town and
//! country densities are scaled to their totals, capped near [`MAX_DENSITY`] (what is
//! cut goes to the district's other pixels) and rounded to whole people, keeping the total
//! exact (the largest remainders get the leftover people).
//!
//! Everything is integer hashing and `+ - * /`: the same seed and pixel size give the
//! same bytes on every machine.

use citygrid_crs::Crs;
use citygrid_model::Unit;
use citygrid_raster::{GeoTransform, MAX_PIXELS, Raster, RasterError};

use crate::noise::fractal;
use crate::scanline::{Grid, for_each_span};

/// An urban centre: a bell of density `p / (1 + (d / radius)²)²` at distance `d`, whose
/// volume over the plane is its share of the district's town dwellers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Centre {
    /// Longitude, WGS84 degrees.
    pub lon: f64,
    /// Latitude, WGS84 degrees.
    pub lat: f64,
    /// Distance at which density is a quarter of the peak, km.
    pub radius_km: f64,
    /// Its part of the district's town dwellers (a district's shares add up to 1).
    pub share: f64,
}

/// How many people a district has and where they live, for the generator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DistrictProfile {
    /// The district's code (GB/T 2260), matched against the units given to the generator.
    pub code: &'static str,
    /// English name, for reports.
    pub name: &'static str,
    /// People in the district: approximate figures for a demo, not census data.
    pub people: u64,
    /// The part of them living in the urban centres; the rest are spread over the
    /// countryside.
    pub urban_share: f64,
    /// Urban centres. Bells reach over district borders, and each district's town
    /// dwellers are the bells' density inside it, scaled to its urban total.
    pub centres: &'static [Centre],
}

/// A lake: no one lives within `radius_km` of its centre.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Lake {
    lon: f64,
    lat: f64,
    radius_km: f64,
}

const fn centre(lon: f64, lat: f64, radius_km: f64, share: f64) -> Centre {
    Centre {
        lon,
        lat,
        radius_km,
        share,
    }
}

/// Guiyang's ten county-level divisions with approximate people (6.0 million in all: the
/// city reports about six million residents; the split is plausible, **not census data**)
/// and made-up urban centres at the real district seats (WGS84, to a few hundred metres).
pub const GUIYANG: [DistrictProfile; 10] = [
    DistrictProfile {
        code: "520102",
        name: "Nanming",
        people: 1_100_000,
        urban_share: 0.93,
        centres: &[
            centre(106.714, 26.568, 2.6, 0.55),
            centre(106.745, 26.552, 2.2, 0.30),
            centre(106.800, 26.540, 1.8, 0.15),
        ],
    },
    DistrictProfile {
        code: "520103",
        name: "Yunyan",
        people: 1_150_000,
        urban_share: 0.97,
        centres: &[
            centre(106.712, 26.586, 2.9, 0.6),
            centre(106.722, 26.612, 2.4, 0.4),
        ],
    },
    DistrictProfile {
        code: "520111",
        name: "Huaxi",
        people: 800_000,
        urban_share: 0.65,
        centres: &[
            centre(106.670, 26.410, 1.8, 0.35),
            centre(106.700, 26.520, 2.0, 0.45),
            centre(106.625, 26.470, 1.5, 0.20),
        ],
    },
    DistrictProfile {
        code: "520112",
        name: "Wudang",
        people: 380_000,
        urban_share: 0.55,
        centres: &[
            centre(106.762, 26.633, 1.7, 0.75),
            centre(106.800, 26.655, 1.1, 0.25),
        ],
    },
    DistrictProfile {
        code: "520113",
        name: "Baiyun",
        people: 450_000,
        urban_share: 0.80,
        centres: &[centre(106.632, 26.680, 2.2, 1.0)],
    },
    DistrictProfile {
        code: "520115",
        name: "Guanshanhu",
        people: 650_000,
        urban_share: 0.85,
        centres: &[
            centre(106.628, 26.620, 2.4, 0.7),
            centre(106.598, 26.606, 1.6, 0.3),
        ],
    },
    DistrictProfile {
        code: "520121",
        name: "Kaiyang",
        people: 370_000,
        urban_share: 0.30,
        centres: &[centre(106.965, 27.058, 1.3, 1.0)],
    },
    DistrictProfile {
        code: "520122",
        name: "Xifeng",
        people: 200_000,
        urban_share: 0.35,
        centres: &[centre(106.740, 27.092, 1.0, 1.0)],
    },
    DistrictProfile {
        code: "520123",
        name: "Xiuwen",
        people: 300_000,
        urban_share: 0.35,
        centres: &[centre(106.593, 26.838, 1.2, 1.0)],
    },
    DistrictProfile {
        code: "520181",
        name: "Qingzhen",
        people: 600_000,
        urban_share: 0.45,
        centres: &[centre(106.470, 26.556, 2.0, 1.0)],
    },
];

/// Hongfeng, Baihua and Aha lakes (approximate centres).
const LAKES: [Lake; 3] = [
    Lake {
        lon: 106.420,
        lat: 26.545,
        radius_km: 2.2,
    },
    Lake {
        lon: 106.545,
        lat: 26.665,
        radius_km: 1.6,
    },
    Lake {
        lon: 106.660,
        lat: 26.548,
        radius_km: 0.8,
    },
];

/// Kilometres per degree of latitude (WGS84, mid-latitudes of China).
const KM_PER_DEG_LAT: f64 = 110.85;
/// Kilometres per degree of longitude at the equator (WGS84 semi-major axis).
const KM_PER_DEG_LON_EQUATOR: f64 = 111.32;
/// Where the noise lattice starts, so that noise coordinates are positive near Guiyang.
const NOISE_ORIGIN: (f64, f64) = (100.0, 20.0);
/// Highest density of any pixel, people/km²: the densest blocks of Chinese city centres.
/// A pixel's own cap is 70 to 100 % of it, following the block texture, so that a capped
/// city centre keeps its texture instead of a flat top.
pub const MAX_DENSITY: f64 = 38_000.0;
/// Default pixel size: 0.002° is about 200 m x 220 m at Guiyang.
pub const DEFAULT_PIXEL_DEG: f64 = 0.002;

/// Why a population raster cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PopulationError {
    /// A unit's code has no profile.
    #[error("unit {code} has no population profile (known: {known})")]
    UnknownDistrict {
        /// The unit's code.
        code: String,
        /// The codes with a profile.
        known: String,
    },
    /// A profile's district is not among the units.
    #[error("district {code} ({name}) is missing from the input")]
    MissingDistrict {
        /// The profile's code.
        code: String,
        /// Its name.
        name: String,
    },
    /// No pixel centre falls inside a district: the pixels are too big for it.
    #[error("district {code} holds no pixel centre at {pixel_deg}° pixels; use smaller pixels")]
    NoPixels {
        /// The district's code.
        code: String,
        /// The pixel size used.
        pixel_deg: f64,
    },
    /// The districts span more pixels than a raster may hold.
    #[error("{width} x {height} pixels is more than a raster holds; use bigger pixels")]
    TooLarge {
        /// Columns needed.
        width: usize,
        /// Rows needed.
        height: usize,
    },
    /// The pixel size is not in 0.0001..=0.1 degrees.
    #[error("pixel size {0}° is outside 0.0001..=0.1")]
    PixelSize(f64),
    /// The raster could not be built.
    #[error(transparent)]
    Raster(#[from] RasterError),
}

/// What one district ended up with.
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictPopulation {
    /// The district's code.
    pub code: String,
    /// English name.
    pub name: String,
    /// The people asked for (the profile's figure).
    pub target: u64,
    /// The people placed in its pixels: equal to `target` by construction.
    pub people: u64,
    /// Pixels whose centre is in the district.
    pub pixels: usize,
    /// Highest density of any of its pixels, people/km².
    pub peak_per_km2: f64,
}

/// A generated population raster and what each district holds.
#[derive(Debug, Clone)]
pub struct Population {
    /// People per pixel (whole numbers as `f32`), EPSG:4326, zero outside the city.
    pub raster: Raster,
    /// One entry per profile, in profile order.
    pub districts: Vec<DistrictPopulation>,
}

/// Builder for a generated population raster.
///
/// # Examples
/// ```no_run
/// use citygrid_io::{ReadOptions, read_units};
/// use citygrid_synth::SynthPopulation;
///
/// let districts = read_units("data/guiyang/districts.geojson".as_ref(), &ReadOptions::default())?;
/// let population = SynthPopulation::guiyang(1).generate(&districts.units)?;
/// population.raster.write("population.tif".as_ref())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SynthPopulation {
    seed: u64,
    pixel_deg: f64,
    profiles: Vec<DistrictProfile>,
}

impl SynthPopulation {
    /// Guiyang's profiles ([`GUIYANG`]), [`DEFAULT_PIXEL_DEG`] pixels, texture from `seed`.
    #[must_use]
    pub fn guiyang(seed: u64) -> Self {
        SynthPopulation::with_profiles(seed, GUIYANG.to_vec())
    }

    /// Any city's profiles, one per district unit that will be given to
    /// [`SynthPopulation::generate`].
    #[must_use]
    pub fn with_profiles(seed: u64, profiles: Vec<DistrictProfile>) -> Self {
        SynthPopulation {
            seed,
            pixel_deg: DEFAULT_PIXEL_DEG,
            profiles,
        }
    }

    /// Pixel size in degrees (default [`DEFAULT_PIXEL_DEG`]).
    #[must_use]
    pub fn pixel_deg(mut self, degrees: f64) -> Self {
        self.pixel_deg = degrees;
        self
    }

    /// Makes the raster over the districts' extent: each pixel gets the people of the
    /// district holding its centre.
    ///
    /// # Errors
    /// [`PopulationError::UnknownDistrict`] or [`PopulationError::MissingDistrict`] when the
    /// units and the profiles do not match one to one; [`PopulationError::NoPixels`] when a
    /// district is smaller than a pixel; [`PopulationError::PixelSize`] for a pixel size
    /// outside 0.0001..=0.1°.
    pub fn generate(&self, districts: &[Unit]) -> Result<Population, PopulationError> {
        let d = self.pixel_deg;
        if !(1e-4..=0.1).contains(&d) {
            return Err(PopulationError::PixelSize(d));
        }
        let shapes = self.match_units(districts)?;
        let grid = grid_over(&shapes, d);
        if (grid.width as u64).saturating_mul(grid.height as u64) > MAX_PIXELS {
            return Err(PopulationError::TooLarge {
                width: grid.width,
                height: grid.height,
            });
        }
        let n = grid.width * grid.height;
        // which district holds each pixel centre (usize::MAX: none)
        let mut owner = vec![usize::MAX; n];
        for (k, shape) in shapes.iter().enumerate() {
            for_each_span(&grid, shape, |row, cols| {
                owner[row * grid.width + cols.start..row * grid.width + cols.end].fill(k);
            });
        }
        let areas: Vec<f64> = (0..grid.height)
            .map(|row| pixel_area_km2(grid.centre_y(row), d))
            .collect();
        let bells = self.bells();
        // town and country density before scaling, and each district's sums of both
        let mut town = vec![0.0f64; n];
        let mut country = vec![0.0f64; n];
        let mut block = vec![0.0f64; n];
        let mut sums = vec![(0.0f64, 0.0f64); shapes.len()];
        for (row, &area) in areas.iter().enumerate() {
            let lat = grid.centre_y(row);
            for col in 0..grid.width {
                let i = row * grid.width + col;
                let k = owner[i];
                if k >= shapes.len() {
                    continue;
                }
                let (t, c, b) = self.density(grid.centre_x(col), lat, &bells);
                (town[i], country[i], block[i]) = (t * area, c * area, b);
                sums[k].0 += town[i];
                sums[k].1 += country[i];
            }
        }
        let mut people = vec![0u32; n];
        let mut report = Vec::with_capacity(shapes.len());
        for (k, profile) in self.profiles.iter().enumerate() {
            let members: Vec<usize> = (0..n).filter(|&i| owner[i] == k).collect();
            let (town_sum, country_sum) = sums[k];
            if members.is_empty() || town_sum <= 0.0 || country_sum <= 0.0 {
                return Err(PopulationError::NoPixels {
                    code: profile.code.into(),
                    pixel_deg: d,
                });
            }
            let total = profile.people as f64;
            let town_scale = total * profile.urban_share / town_sum;
            let country_scale = total * (1.0 - profile.urban_share) / country_sum;
            let wanted: Vec<f64> = members
                .iter()
                .map(|&i| town[i] * town_scale + country[i] * country_scale)
                .collect();
            let caps: Vec<f64> = members
                .iter()
                .map(|&i| MAX_DENSITY * (0.7 + 0.3 * block[i]) * areas[i / grid.width])
                .collect();
            let capped = cap_and_refill(total, &wanted, &caps);
            distribute(profile.people, &members, &capped, &mut people);
            let peak = members
                .iter()
                .map(|&i| f64::from(people[i]) / areas[i / grid.width])
                .fold(0.0, f64::max);
            report.push(DistrictPopulation {
                code: profile.code.into(),
                name: profile.name.into(),
                target: profile.people,
                people: members.iter().map(|&i| u64::from(people[i])).sum(),
                pixels: members.len(),
                peak_per_km2: peak,
            });
        }
        // whole people below 2^24 are exact in f32
        let values: Vec<f32> = people.iter().map(|&p| p as f32).collect();
        let transform = GeoTransform::north_up(grid.west, grid.north, d, d);
        let raster = Raster::new(grid.width, grid.height, transform, Crs::Wgs84, values, None)?
            .with_description(format!(
                "GENERATED demo population, people per pixel: approximate district totals, \
                 not census data (citygrid-synth population, seed {}, pixel {} deg)",
                self.seed, d
            ));
        Ok(Population {
            raster,
            districts: report,
        })
    }

    /// The units' shapes in profile order, checking they match one to one.
    fn match_units<'a>(
        &self,
        units: &'a [Unit],
    ) -> Result<Vec<&'a geo_types::MultiPolygon<f64>>, PopulationError> {
        if let Some(u) = units
            .iter()
            .find(|u| !self.profiles.iter().any(|p| p.code == u.code.as_str()))
        {
            let known: Vec<&str> = self.profiles.iter().map(|p| p.code).collect();
            return Err(PopulationError::UnknownDistrict {
                code: u.code.as_str().into(),
                known: known.join(", "),
            });
        }
        self.profiles
            .iter()
            .map(|p| {
                units
                    .iter()
                    .find(|u| u.code.as_str() == p.code)
                    .map(|u| &u.geometry)
                    .ok_or_else(|| PopulationError::MissingDistrict {
                        code: p.code.into(),
                        name: p.name.into(),
                    })
            })
            .collect()
    }

    /// Every centre as (x, y) in noise km, radius² and peak density: its district's town
    /// dwellers times its share, over the bell's volume `π r²`.
    fn bells(&self) -> Vec<(f64, f64, f64, f64)> {
        self.profiles
            .iter()
            .flat_map(|p| {
                let town = p.people as f64 * p.urban_share;
                p.centres.iter().map(move |c| {
                    let (x, y) = noise_km(c.lon, c.lat);
                    let r2 = c.radius_km * c.radius_km;
                    (x, y, r2, town * c.share / (std::f64::consts::PI * r2))
                })
            })
            .collect()
    }

    /// Town and country density at a point, before its district is scaled to its totals,
    /// and the block texture there (0..1), which also shapes the cap of dense pixels.
    fn density(&self, lon: f64, lat: f64, bells: &[(f64, f64, f64, f64)]) -> (f64, f64, f64) {
        let (x, y) = noise_km(lon, lat);
        // hills: a coarse texture (cells of 8 km); below 0.35 the land empties out
        let relief = fractal(self.seed ^ 0x4849_4C4C, x / 8.0, y / 8.0, 2, 0.5);
        let hills = if relief < 0.35 {
            let t = relief / 0.35;
            t * t * t
        } else {
            1.0
        };
        // villages: a contrasty texture of 1.5 km cells, most land nearly empty
        let v = fractal(self.seed ^ 0x5649_4C4C, x / 1.5, y / 1.5, 3, 0.55);
        let country = (0.05 + 3.0 * v * v * v * v) * hills;
        // blocks: a 0.6 km texture over the urban bells, mean 1
        let block = fractal(self.seed ^ 0x424C_4F43, x / 0.6, y / 0.6, 2, 0.5);
        let blocks = 0.6 + 0.8 * block;
        let mut town = 0.0;
        for &(cx, cy, r2, peak) in bells {
            let u2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / r2;
            town += peak / ((1.0 + u2) * (1.0 + u2));
        }
        // hills thin the outskirts of towns but do not empty them
        let town = town * blocks * (0.4 + 0.6 * hills);
        let lakes = lake_factor(self.seed, x, y);
        (town * lakes, country * lakes, block)
    }
}

/// Scales `wanted` to sum to `total` with no value above its cap: capped values are held
/// at the cap and the rest scaled up to make up the difference, until nothing exceeds
/// (at most one round per capped value; in practice two or three).
fn cap_and_refill(total: f64, wanted: &[f64], caps: &[f64]) -> Vec<f64> {
    let mut capped = vec![false; wanted.len()];
    loop {
        let held: f64 = (0..wanted.len())
            .filter(|&j| capped[j])
            .map(|j| caps[j])
            .sum();
        let free: f64 = (0..wanted.len())
            .filter(|&j| !capped[j])
            .map(|j| wanted[j])
            .sum();
        let scale = if free > 0.0 {
            (total - held).max(0.0) / free
        } else {
            0.0
        };
        let mut changed = false;
        for j in 0..wanted.len() {
            if !capped[j] && wanted[j] * scale > caps[j] {
                capped[j] = true;
                changed = true;
            }
        }
        if !changed {
            return (0..wanted.len())
                .map(|j| {
                    if capped[j] {
                        caps[j]
                    } else {
                        wanted[j] * scale
                    }
                })
                .collect();
        }
    }
}

/// The smallest north-up grid of `step`-degree pixels, aligned on multiples of `step`,
/// that covers every shape.
fn grid_over(shapes: &[&geo_types::MultiPolygon<f64>], step: f64) -> Grid {
    let (mut min_x, mut min_y, mut max_x, mut max_y) = (
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    );
    for c in shapes
        .iter()
        .flat_map(|s| s.0.iter())
        .flat_map(|p| p.exterior().0.iter())
    {
        (min_x, min_y) = (min_x.min(c.x), min_y.min(c.y));
        (max_x, max_y) = (max_x.max(c.x), max_y.max(c.y));
    }
    // a bound on a pixel edge (up to division rounding) stays on it
    let snap = |v: f64| {
        if (v - v.round()).abs() < 1e-6 {
            v.round()
        } else {
            v
        }
    };
    let (c0, c1) = (snap(min_x / step).floor(), snap(max_x / step).ceil());
    let (r0, r1) = (snap(min_y / step).floor(), snap(max_y / step).ceil());
    Grid {
        west: c0 * step,
        north: r1 * step,
        step,
        width: (c1 - c0).max(1.0) as usize,
        height: (r1 - r0).max(1.0) as usize,
    }
}

/// Noise-lattice coordinates in km from [`NOISE_ORIGIN`], with a fixed longitude scale (the
/// texture need not follow the Earth's shape exactly, only be the same everywhere).
fn noise_km(lon: f64, lat: f64) -> (f64, f64) {
    const KM_PER_DEG_LON_GUIYANG: f64 = 99.6;
    (
        (lon - NOISE_ORIGIN.0) * KM_PER_DEG_LON_GUIYANG,
        (lat - NOISE_ORIGIN.1) * KM_PER_DEG_LAT,
    )
}

/// 0 in a lake, rising to 1 over one radius beyond its shore; the shore wobbles by
/// ±30 % with a 0.8 km texture, so that lakes are not discs.
fn lake_factor(seed: u64, x: f64, y: f64) -> f64 {
    let wobble = 0.7 + 0.6 * fractal(seed ^ 0x4C41_4B45, x / 0.8, y / 0.8, 2, 0.5);
    let mut f = 1.0;
    for lake in &LAKES {
        let (lx, ly) = noise_km(lake.lon, lake.lat);
        let r = lake.radius_km * wobble;
        let d2 = ((x - lx) * (x - lx) + (y - ly) * (y - ly)) / (r * r);
        let here = if d2 <= 1.0 {
            0.0
        } else if d2 >= 4.0 {
            1.0
        } else {
            (d2 - 1.0) / 3.0
        };
        f *= here;
    }
    f
}

/// Area of a `step`-degree pixel centred at latitude `lat`, km².
pub(crate) fn pixel_area_km2(lat: f64, step: f64) -> f64 {
    (step * KM_PER_DEG_LON_EQUATOR * cos_deg(lat)) * (step * KM_PER_DEG_LAT)
}

/// cos of an angle in degrees by its Taylor series to x^16, within 1e-15 of the true
/// value for |angle| up to 60°: the platform's `cos` may differ in the last bit between
/// machines, and generated data must not.
fn cos_deg(degrees: f64) -> f64 {
    let x = degrees * (std::f64::consts::PI / 180.0);
    let x2 = x * x;
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 1..=8 {
        let k = f64::from(k);
        term *= -x2 / ((2.0 * k - 1.0) * (2.0 * k));
        sum += term;
    }
    sum
}

/// Rounds `values` (one per pixel in `members`) to whole people summing exactly to
/// `total`, written to `out[members[j]]`: floors first, then one more person to the
/// largest remainders (ties to the earlier pixel).
fn distribute(total: u64, members: &[usize], values: &[f64], out: &mut [u32]) {
    let mut floors = 0u64;
    let mut remainders: Vec<(f64, usize)> = Vec::with_capacity(members.len());
    for (&i, &v) in members.iter().zip(values) {
        let v = v.max(0.0);
        let whole = v.floor();
        out[i] = whole as u32;
        floors += whole as u64;
        remainders.push((v - whole, i));
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let missing = usize::try_from(total.saturating_sub(floors)).unwrap_or(usize::MAX);
    for &(_, i) in remainders.iter().cycle().take(missing) {
        out[i] += 1;
    }
}

#[cfg(test)]
#[path = "population_tests.rs"]
mod tests;
