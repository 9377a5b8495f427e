//! 4 x 4 transforms, column-major as 3D Tiles writes a tile's `transform`: products,
//! translations, points moved, and the y-up to z-up turn.
//!
//! The east-north-up frame itself, the matrix that puts local metres on the globe, is
//! `citygrid_crs::ecef::enu_to_ecef`.

/// A 4 x 4 matrix, column-major (`m[col * 4 + row]`).
pub(crate) type Matrix = [f64; 16];

/// The identity matrix.
pub(crate) const IDENTITY: Matrix = [
    1.0, 0.0, 0.0, 0.0, //
    0.0, 1.0, 0.0, 0.0, //
    0.0, 0.0, 1.0, 0.0, //
    0.0, 0.0, 0.0, 1.0,
];

/// The standard y-up to z-up rotation (3D Tiles 1.1, "glTF transforms"): x stays, y goes to
/// z, z goes to -y. A y-up frame (x east, y up, z south) becomes east-north-up.
pub(crate) const Y_UP_TO_Z_UP: Matrix = [
    1.0, 0.0, 0.0, 0.0, //
    0.0, 0.0, 1.0, 0.0, //
    0.0, -1.0, 0.0, 0.0, //
    0.0, 0.0, 0.0, 1.0,
];

/// A translation by `(x, y, z)`.
pub(crate) fn translation(x: f64, y: f64, z: f64) -> Matrix {
    let mut m = IDENTITY;
    m[12..15].copy_from_slice(&[x, y, z]);
    m
}

/// The product `a b` (apply `b`, then `a`).
pub(crate) fn multiply(a: &Matrix, b: &Matrix) -> Matrix {
    let mut m = [0.0; 16];
    for col in 0..4 {
        for row in 0..4 {
            m[col * 4 + row] = (0..4).map(|k| a[k * 4 + row] * b[col * 4 + k]).sum();
        }
    }
    m
}

/// `m` applied to the point `p`.
pub(crate) fn apply(m: &Matrix, p: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|row| m[row] * p[0] + m[4 + row] * p[1] + m[8 + row] * p[2] + m[12 + row])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_compose_in_order() {
        let t = translation(1.0, 2.0, 3.0);
        // turn (y to z, z to -y), then translate
        let m = multiply(&t, &Y_UP_TO_Z_UP);
        assert_eq!(apply(&m, [0.0, 5.0, 7.0]), [1.0, -5.0, 8.0]);
        assert_eq!(multiply(&IDENTITY, &m), m);
        assert_eq!(multiply(&m, &IDENTITY), m);
    }

    #[test]
    fn the_turn_is_a_rotation() {
        // right-handed: x cross y = z survives the turn
        let (x, y, z) = (
            apply(&Y_UP_TO_Z_UP, [1.0, 0.0, 0.0]),
            apply(&Y_UP_TO_Z_UP, [0.0, 1.0, 0.0]),
            apply(&Y_UP_TO_Z_UP, [0.0, 0.0, 1.0]),
        );
        let cross = [
            x[1] * y[2] - x[2] * y[1],
            x[2] * y[0] - x[0] * y[2],
            x[0] * y[1] - x[1] * y[0],
        ];
        assert_eq!(cross, z);
        // y up becomes z up, z (south) becomes -y (south)
        assert_eq!(y, [0.0, 0.0, 1.0]);
        assert_eq!(z, [0.0, -1.0, 0.0]);
    }
}
