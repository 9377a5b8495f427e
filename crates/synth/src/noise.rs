//! Seeded value noise: smooth random texture that is the same on every machine.
//!
//! Random values sit on an integer lattice (a [`mix64`] hash of the seed, the octave and
//! the lattice point) and are blended with a smoothstep polynomial. Only `+ - * /` and
//! `floor` are used, which IEEE 754 rounds the same everywhere; `exp`, `sin` and friends
//! come from the platform's maths library and may differ in the last bit.

use crate::rng::mix64;

/// Value noise in `[0, 1)` at `(x, y)` in lattice units (one random value per unit square
/// corner), for octave `octave` of `seed`.
pub(crate) fn value_noise(seed: u64, octave: u64, x: f64, y: f64) -> f64 {
    let (fx, fy) = (x.floor(), y.floor());
    let (tx, ty) = (smooth(x - fx), smooth(y - fy));
    // lattice coordinates as integers; the cast wraps for absurd inputs, which only
    // changes which random values are used
    let (ix, iy) = (fx as i64, fy as i64);
    let v = |dx: i64, dy: i64| lattice(seed, octave, ix.wrapping_add(dx), iy.wrapping_add(dy));
    let top = v(0, 0) + (v(1, 0) - v(0, 0)) * tx;
    let bottom = v(0, 1) + (v(1, 1) - v(0, 1)) * tx;
    top + (bottom - top) * ty
}

/// Sums octaves of value noise at `(x, y)` (in units of the first octave's cell), each
/// with half the cell size and `gain` times the weight of the one before, scaled back to
/// `[0, 1)`.
pub(crate) fn fractal(seed: u64, x: f64, y: f64, octaves: u32, gain: f64) -> f64 {
    let (mut sum, mut weight, mut total, mut scale) = (0.0, 1.0, 0.0, 1.0);
    for octave in 0..octaves {
        sum += weight * value_noise(seed, u64::from(octave), x * scale, y * scale);
        total += weight;
        weight *= gain;
        scale *= 2.0;
    }
    sum / total
}

/// `3t² - 2t³`: zero slope at lattice points, so the texture has no creases.
fn smooth(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

/// The random value at a lattice point, in `[0, 1)`.
fn lattice(seed: u64, octave: u64, ix: i64, iy: i64) -> f64 {
    let h = mix64(
        seed ^ mix64(
            octave.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ mix64((ix as u64) ^ mix64(iy as u64)),
        ),
    );
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lattice_points_are_their_random_values_and_between_is_smooth() {
        let at = value_noise(7, 0, 3.0, 4.0);
        assert_eq!(at, lattice(7, 0, 3, 4));
        // continuous across a lattice line
        let left = value_noise(7, 0, 3.999_999_999, 4.5);
        let right = value_noise(7, 0, 4.0, 4.5);
        assert!((left - right).abs() < 1e-8);
        // different seeds and octaves differ
        assert_ne!(value_noise(8, 0, 3.5, 4.5), value_noise(7, 0, 3.5, 4.5));
        assert_ne!(value_noise(7, 1, 3.5, 4.5), value_noise(7, 0, 3.5, 4.5));
    }

    #[test]
    fn stays_in_the_unit_interval_with_a_middling_mean() {
        let mut sum = 0.0;
        let n = 10_000;
        for i in 0..n {
            let (x, y) = (f64::from(i % 100) * 0.37, f64::from(i / 100) * 0.41);
            let v = fractal(3, x, y, 3, 0.5);
            assert!((0.0..1.0).contains(&v), "{v}");
            sum += v;
        }
        let mean = sum / f64::from(n);
        assert!((0.4..0.6).contains(&mean), "{mean}");
    }

    #[test]
    fn known_values_pin_the_stream() {
        // computed by a separate Python transcription of the same hash and blend; if
        // these change, every generated raster changes: regenerate data/guiyang too
        assert_eq!(value_noise(1, 0, 0.25, 0.75), 0.693_021_875_784_294_1);
        assert_eq!(value_noise(7, 2, -3.5, 1000.125), 0.613_815_789_421_812_1);
        assert_eq!(lattice(0, 0, 0, 0), 0.0);
    }
}
