//! Stable numeric feature ids derived from unit codes.
//!
//! MapLibre's `feature-state` (highlighting, hover, choropleths joined on the
//! client) needs a numeric id that is the same in every tile, at every zoom and in
//! every version of the partition. Ids are JavaScript numbers on the client, so
//! they must stay below 2^53 to be exact.
//!
//! The mapping:
//! - a code of 1 to 15 decimal digits is its own value (`520102001001003` ->
//!   520102001001003); 15 digits stay below 10^15 < 2^50;
//! - any other code (letters, or more digits) is `2^52 + (FNV-1a 64 of its bytes
//!   mod 2^52)`, in `2^52..2^53`, so it can never equal a digit code's id.
//!
//! Unique codes give unique ids, except for hashed codes, which collide with
//! probability about n²/2^53 (one in 10^8 for 10,000 hashed codes in a layer).

use citygrid_model::UnitCode;

/// Longest all-digit code that is its own id.
pub const MAX_DIGIT_CODE_LEN: usize = 15;

/// The first id given to hashed codes: 2^52.
pub const HASHED_BASE: u64 = 1 << 52;

/// The feature id of a unit code (see the module docs for the mapping).
#[must_use]
pub fn feature_id(code: &UnitCode) -> u64 {
    let s = code.as_str();
    if s.len() <= MAX_DIGIT_CODE_LEN
        && let Some(n) = code.numeric()
    {
        return n;
    }
    HASHED_BASE + fnv1a(s.as_bytes()) % HASHED_BASE
}

/// FNV-1a, 64 bits: a fixed hash (no per-process seed), so ids and ETags made from
/// it are the same in every run and on every machine.
#[must_use]
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> u64 {
        feature_id(&s.parse().unwrap())
    }

    #[test]
    fn digit_codes_are_their_own_ids() {
        assert_eq!(id("520102001001003"), 520_102_001_001_003);
        assert_eq!(id("520102"), 520_102);
        assert_eq!(id("007"), 7);
    }

    #[test]
    fn other_codes_hash_into_their_own_range() {
        for code in ["GY-001", "5201020010010031", "abc"] {
            let v = id(code);
            assert!((HASHED_BASE..2 * HASHED_BASE).contains(&v), "{code}");
            assert_eq!(v, id(code), "stable");
        }
        assert_ne!(id("GY-001"), id("GY-002"));
        // The published FNV-1a test vector.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
