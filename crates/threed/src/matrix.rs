//! 4x4 transforms, column-major as 3D Tiles writes them.

use serde_json::Value;

/// A 4x4 matrix, column-major (`m[col * 4 + row]`): a tile's `transform`, or the
/// product of a chain of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mat4(pub [f64; 16]);

impl Mat4 {
    /// The identity.
    pub const IDENTITY: Mat4 = Mat4([
        1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0,
    ]);

    /// `self * other`: `other` applied first.
    #[must_use]
    pub fn mul(&self, other: &Mat4) -> Mat4 {
        let (a, b) = (&self.0, &other.0);
        let mut m = [0.0; 16];
        for col in 0..4 {
            for row in 0..4 {
                m[col * 4 + row] = (0..4).map(|k| a[k * 4 + row] * b[col * 4 + k]).sum();
            }
        }
        Mat4(m)
    }

    /// A point moved by the matrix.
    #[must_use]
    pub fn point(&self, p: [f64; 3]) -> [f64; 3] {
        let m = &self.0;
        [
            m[0] * p[0] + m[4] * p[1] + m[8] * p[2] + m[12],
            m[1] * p[0] + m[5] * p[1] + m[9] * p[2] + m[13],
            m[2] * p[0] + m[6] * p[1] + m[10] * p[2] + m[14],
        ]
    }

    /// The largest factor the matrix scales lengths by (for a sphere's radius).
    #[must_use]
    pub fn max_scale(&self) -> f64 {
        let m = &self.0;
        (0..3)
            .map(|c| {
                (m[c * 4] * m[c * 4] + m[c * 4 + 1] * m[c * 4 + 1] + m[c * 4 + 2] * m[c * 4 + 2])
                    .sqrt()
            })
            .fold(0.0, f64::max)
    }

    /// A `transform` member: 16 finite numbers.
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn from_json(v: &Value) -> Result<Mat4, String> {
        let a = v
            .as_array()
            .filter(|a| a.len() == 16)
            .ok_or("transform: expected 16 numbers")?;
        let mut m = [0.0; 16];
        for (i, x) in a.iter().enumerate() {
            m[i] = x
                .as_f64()
                .filter(|x| x.is_finite())
                .ok_or("transform: not a finite number")?;
        }
        Ok(Mat4(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_apply_the_right_one_first() {
        let translate = Mat4([
            1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 10.0, 0.0, 0.0, 1.0,
        ]);
        let scale = Mat4([
            2.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0,
        ]);
        assert_eq!(
            translate.mul(&scale).point([1.0, 1.0, 1.0]),
            [12.0, 2.0, 2.0]
        );
        assert_eq!(
            scale.mul(&translate).point([1.0, 1.0, 1.0]),
            [22.0, 2.0, 2.0]
        );
        assert_eq!(Mat4::IDENTITY.mul(&scale), scale);
        assert_eq!(scale.max_scale(), 2.0);
    }
}
