//! Where the demo layers put things: where people are. A pixel is picked with
//! probability proportional to its people (a cumulative table and a binary search),
//! then a point uniform inside it, rounded to the 6 decimals the files carry.
//!
//! Every point must fall in the city. A populated pixel's centre is in the city (the
//! population generator gives people only to pixels whose centre is in a district), but
//! a pixel on the city's outline reaches past it. So each pixel crossed by the outline
//! (or near it) is marked, and a point drawn there is kept only if it is inside a cell
//! (drawn again otherwise); a pixel away from the outline is wholly inside. The outline
//! is every cell segment no other cell shares: of a clean coverage, exactly the city's
//! boundary; a segment that fails to match its neighbour's only marks more pixels.

use std::collections::HashMap;

use citygrid_crs::Crs;
use citygrid_raster::{GeoTransform, Raster};
use geo_types::{Coord, MultiPolygon};

use crate::demo::{DemoCell, DemoLayersError};
use crate::population::pixel_area_km2;
use crate::rng::SplitMix64;

/// Draws before falling back to a pixel's centre (a pixel whose centre is in the city
/// and hardly anything else: it keeps its people, at the centre).
const MAX_DRAWS: usize = 64;
/// People allowed outside every cell, as a part of the raster's total: a raster that
/// does not belong to the cells is refused.
const MAX_OUTSIDE: f64 = 0.01;

/// A WGS84 point in millionths of a degree: what a file's 6 decimals hold exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Point {
    /// Longitude × 10⁶.
    pub lon_e6: i64,
    /// Latitude × 10⁶.
    pub lat_e6: i64,
}

impl Point {
    /// The nearest point with 6 decimals (`round` and one multiplication: exact IEEE
    /// operations, the same everywhere).
    fn round(lon: f64, lat: f64) -> Point {
        Point {
            lon_e6: (lon * 1e6).round() as i64,
            lat_e6: (lat * 1e6).round() as i64,
        }
    }

    /// The point as a reader parsing the file gets it: the division is correctly rounded,
    /// so it is the double nearest the decimal text.
    fn lon_lat(self) -> (f64, f64) {
        (self.lon_e6 as f64 / 1e6, self.lat_e6 as f64 / 1e6)
    }
}

/// A populated pixel in the city.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pixel {
    col: usize,
    row: usize,
    /// Its people (the raster value, rounded).
    pub people: u64,
    /// People per km².
    pub per_km2: f64,
    /// Its rounded centre: in the pixel and in the city.
    centre: Point,
    /// Whether the city's outline may cross it.
    edge: bool,
}

/// The populated pixels of a raster over a set of cells, ready to place points.
pub(crate) struct Places<'a> {
    geo: GeoTransform,
    width: usize,
    height: usize,
    pixels: Vec<Pixel>,
    /// People in `pixels[..=k]`.
    cumulative: Vec<u64>,
    shapes: Vec<&'a MultiPolygon<f64>>,
    /// Cells whose bounding box may reach pixel `i` (`row * width + col`):
    /// `near[start[i]..start[i + 1]]`.
    start: Vec<usize>,
    near: Vec<u32>,
}

impl<'a> Places<'a> {
    /// The populated pixels of `raster` whose centre is in one of `cells`.
    ///
    /// # Errors
    /// [`DemoLayersError::NotWgs84`] for a raster not in WGS84 (or CGCS2000) lon/lat;
    /// [`DemoLayersError::PeopleOutside`] when more than 1 % of the people are outside
    /// every cell; [`DemoLayersError::NoPeople`] when the raster has no people.
    pub(crate) fn new(cells: &[DemoCell<'a>], raster: &Raster) -> Result<Self, DemoLayersError> {
        // CGCS2000 lon/lat is WGS84's to a few centimetres (see `Crs::Cgcs2000`)
        if !matches!(raster.crs(), Crs::Wgs84 | Crs::Cgcs2000) {
            return Err(DemoLayersError::NotWgs84 { crs: raster.crs() });
        }
        let mut places = Places {
            geo: raster.geo_transform(),
            width: raster.width(),
            height: raster.height(),
            pixels: Vec::new(),
            cumulative: Vec::new(),
            shapes: cells.iter().map(|c| c.shape).collect(),
            start: Vec::new(),
            near: Vec::new(),
        };
        places.index_cells();
        let edge = places.outline_pixels();
        let (px, py) = (places.geo.pixel_x.abs(), places.geo.pixel_y.abs());
        let (mut total, mut outside) = (0u64, 0u64);
        for (col, row, v) in raster.pixels() {
            let people = v.round();
            if people < 1.0 {
                continue;
            }
            let people = people as u64;
            total += people;
            let (x, y) = places.geo.xy(col as f64 + 0.5, row as f64 + 0.5);
            let centre = Point::round(x, y);
            if places.pixel_of(centre) != Some((col, row)) || !places.in_cells(col, row, centre) {
                outside += people;
                continue;
            }
            // a pixel px° wide and py° high: the square pixel's area, stretched
            let per_km2 = people as f64 / (pixel_area_km2(y, px) * py / px);
            places.pixels.push(Pixel {
                col,
                row,
                people,
                per_km2,
                centre,
                edge: edge[row * places.width + col],
            });
        }
        if outside as f64 > MAX_OUTSIDE * total as f64 {
            return Err(DemoLayersError::PeopleOutside { outside, total });
        }
        if places.pixels.is_empty() {
            return Err(DemoLayersError::NoPeople);
        }
        let mut sum = 0;
        places.cumulative = places
            .pixels
            .iter()
            .map(|p| {
                sum += p.people;
                sum
            })
            .collect();
        Ok(places)
    }

    /// The people the places hold.
    pub(crate) fn people(&self) -> u64 {
        self.cumulative.last().copied().unwrap_or(0)
    }

    /// The populated pixels, row by row.
    pub(crate) fn pixels(&self) -> &[Pixel] {
        &self.pixels
    }

    /// A pixel drawn with probability proportional to its people.
    pub(crate) fn pick(&self, rng: &mut SplitMix64) -> &Pixel {
        // a person 0..people, and the pixel holding them
        let person = ((u128::from(rng.next_u64()) * u128::from(self.people())) >> 64) as u64;
        let k = self.cumulative.partition_point(|&c| c <= person);
        &self.pixels[k]
    }

    /// A point uniform in the part of `pixel` inside the city.
    pub(crate) fn point_in(&self, pixel: &Pixel, rng: &mut SplitMix64) -> Point {
        for _ in 0..MAX_DRAWS {
            let (x, y) = self.geo.xy(
                pixel.col as f64 + rng.next_f64(),
                pixel.row as f64 + rng.next_f64(),
            );
            let p = Point::round(x, y);
            if self.pixel_of(p) == Some((pixel.col, pixel.row))
                && (!pixel.edge || self.in_cells(pixel.col, pixel.row, p))
            {
                return p;
            }
        }
        pixel.centre
    }

    /// The pixel holding a point, as `Raster::pixel_at` finds it for a lon/lat raster.
    fn pixel_of(&self, p: Point) -> Option<(usize, usize)> {
        let (x, y) = p.lon_lat();
        let (col, row) = self.geo.pixel(x, y);
        let (col, row) = (col.floor(), row.floor());
        let inside =
            col >= 0.0 && row >= 0.0 && col < self.width as f64 && row < self.height as f64;
        inside.then_some((col as usize, row as usize))
    }

    /// Whether a point of pixel `(col, row)` is inside one of the cells (even-odd rule).
    fn in_cells(&self, col: usize, row: usize, p: Point) -> bool {
        let (x, y) = p.lon_lat();
        let i = row * self.width + col;
        self.near[self.start[i]..self.start[i + 1]]
            .iter()
            .any(|&c| contains(self.shapes[c as usize], x, y))
    }

    /// The pixels, with a pixel's margin, that each cell's bounding box reaches.
    fn index_cells(&mut self) {
        let n = self.width * self.height;
        let mut reach: Vec<(usize, std::ops::Range<usize>, std::ops::Range<usize>)> =
            Vec::with_capacity(self.shapes.len());
        let mut counts = vec![0usize; n + 1];
        for (k, shape) in self.shapes.iter().enumerate() {
            let coords = shape.iter().flat_map(|p| p.exterior().0.iter().copied());
            let Some((lo, hi)) = citygrid_planar::bounds(coords) else {
                continue;
            };
            let (cols, rows) = self.pixel_span(lo, hi);
            for row in rows.clone() {
                for col in cols.clone() {
                    counts[row * self.width + col] += 1;
                }
            }
            reach.push((k, cols, rows));
        }
        // counts to starts
        let mut sum = 0;
        for c in &mut counts {
            let here = *c;
            *c = sum;
            sum += here;
        }
        self.near = vec![0; sum];
        let mut fill = counts.clone();
        for (k, cols, rows) in reach {
            for row in rows {
                for col in cols.clone() {
                    let i = row * self.width + col;
                    self.near[fill[i]] = k as u32;
                    fill[i] += 1;
                }
            }
        }
        self.start = counts;
    }

    /// Which pixels the city's outline may cross: those that the bounding box of a cell
    /// segment no other cell shares reaches, with a pixel's margin.
    fn outline_pixels(&self) -> Vec<bool> {
        let key = |a: Coord<f64>, b: Coord<f64>| {
            let (a, b) = (
                (a.x.to_bits(), a.y.to_bits()),
                (b.x.to_bits(), b.y.to_bits()),
            );
            if a <= b { (a, b) } else { (b, a) }
        };
        let mut uses: HashMap<_, (u32, Coord<f64>, Coord<f64>)> = HashMap::new();
        for shape in &self.shapes {
            for poly in shape.iter() {
                for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                    for seg in ring.0.windows(2) {
                        uses.entry(key(seg[0], seg[1]))
                            .or_insert((0, seg[0], seg[1]))
                            .0 += 1;
                    }
                }
            }
        }
        let mut edge = vec![false; self.width * self.height];
        for &(n, a, b) in uses.values() {
            if n != 1 {
                continue;
            }
            let lo = Coord {
                x: a.x.min(b.x),
                y: a.y.min(b.y),
            };
            let hi = Coord {
                x: a.x.max(b.x),
                y: a.y.max(b.y),
            };
            let (cols, rows) = self.pixel_span(lo, hi);
            for row in rows {
                edge[row * self.width + cols.start..row * self.width + cols.end].fill(true);
            }
        }
        edge
    }

    /// The columns and rows of the pixels a box reaches, one more on every side (the
    /// margin absorbs the rounding of the pixel division), clipped to the raster.
    fn pixel_span(
        &self,
        lo: Coord<f64>,
        hi: Coord<f64>,
    ) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        let (c0, r0) = self.geo.pixel(lo.x, lo.y);
        let (c1, r1) = self.geo.pixel(hi.x, hi.y);
        let clip = |a: f64, b: f64, n: usize| {
            let from = (a.min(b).floor() - 1.0).max(0.0);
            let to = (a.max(b).floor() + 2.0).min(n as f64);
            // NaN or entirely outside: no pixels
            if from < to {
                from as usize..to as usize
            } else {
                0..0
            }
        };
        (clip(c0, c1, self.width), clip(r0, r1, self.height))
    }
}

/// Whether `(x, y)` is inside a multipolygon, by the even-odd rule over all its rings
/// (holes included): a horizontal ray to the east crosses its rings an odd number of
/// times. A point on an edge may go either way, which only matters on the city's
/// outline, where it is as good as inside.
fn contains(shape: &MultiPolygon<f64>, x: f64, y: f64) -> bool {
    let mut inside = false;
    for poly in shape.iter() {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for seg in ring.0.windows(2) {
                let (a, b) = (seg[0], seg[1]);
                if (a.y > y) != (b.y > y) && x < a.x + (y - a.y) * (b.x - a.x) / (b.y - a.y) {
                    inside = !inside;
                }
            }
        }
    }
    inside
}
