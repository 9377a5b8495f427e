//! Unit attributes as JSON text: the form the store keeps them in (a `TEXT` column
//! here, `jsonb` in PostGIS) and QGIS shows.
//!
//! serde_json writes every f64 in its shortest form that reads back exactly, but its
//! own reader may miss the last bit (unless its `float_roundtrip` feature is on, which
//! would change how every GeoJSON file in the workspace is read). So numbers are read
//! back with Rust's correctly rounded `f64::from_str`, and a stored version equals
//! what was committed, bit for bit.

use std::collections::BTreeMap;

use citygrid_model::{AttrValue, Attributes};
use serde_json::value::RawValue;
use serde_json::{Map, Number, Value};

/// Integers up to 2^53 are written without a fraction (`120`, not `120.0`): f64
/// holds them exactly, and that is how people and QGIS expect to read them.
const EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// One attribute value as JSON; `None` for a number JSON cannot hold (NaN, ±inf).
pub(crate) fn value_json(value: &AttrValue) -> Option<Value> {
    Some(match value {
        AttrValue::Number(x) => match integer(*x) {
            Some(i) => Value::from(i),
            None => Value::Number(Number::from_f64(*x)?),
        },
        AttrValue::Text(t) => Value::String(t.clone()),
        AttrValue::Bool(b) => Value::Bool(*b),
    })
}

/// `x` as an integer when that is exact (not -0.0, whose sign an integer loses).
pub(crate) fn integer(x: f64) -> Option<i64> {
    (x.fract() == 0.0 && x.abs() <= EXACT_INTEGER && !(x == 0.0 && x.is_sign_negative()))
        .then_some(x as i64)
}

/// The attributes as a JSON object, keys sorted.
///
/// # Errors
/// The key of the first number JSON cannot hold (NaN or infinite).
pub(crate) fn to_json(attributes: &Attributes) -> Result<String, String> {
    let mut object = Map::new();
    for (key, value) in attributes {
        object.insert(key.clone(), value_json(value).ok_or_else(|| key.clone())?);
    }
    Ok(Value::Object(object).to_string())
}

/// Attributes from the JSON object [`to_json`] wrote.
///
/// # Errors
/// What is wrong: not an object, or a value that is not a number, text or flag.
pub(crate) fn from_json(text: &str) -> Result<Attributes, String> {
    let raw: BTreeMap<String, &RawValue> =
        serde_json::from_str(text).map_err(|e| format!("attributes are not a JSON object: {e}"))?;
    raw.into_iter()
        .map(|(key, raw)| {
            let json = raw.get();
            let value = match json.as_bytes().first() {
                Some(b'"') => serde_json::from_str(json).ok().map(AttrValue::Text),
                Some(b't' | b'f') => serde_json::from_str(json).ok().map(AttrValue::Bool),
                Some(b'-' | b'0'..=b'9') => json.parse().ok().map(AttrValue::Number),
                _ => None,
            };
            value
                .map(|v| (key.clone(), v))
                .ok_or_else(|| format!("attribute {key:?} is {json}, not a number, text or flag"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_text_and_flags_read_back_bit_for_bit() {
        let numbers = [
            0.1 + 0.2,
            -0.0,
            120.0,
            -7.0,
            1e300,
            5e-324,
            f64::MAX,
            EXACT_INTEGER * 2.0,
            106.713_000_000_000_01,
            26.578_947_368_421_054,
        ];
        let mut attributes: Attributes = numbers
            .iter()
            .enumerate()
            .map(|(i, x)| (format!("n{i}"), AttrValue::Number(*x)))
            .collect();
        attributes.insert("name".into(), AttrValue::Text("花溪 \"A\"\n".into()));
        attributes.insert("staffed".into(), AttrValue::Bool(true));
        let json = to_json(&attributes).unwrap();
        assert!(json.contains("\"n2\":120,"), "{json}");
        let back = from_json(&json).unwrap();
        assert_eq!(back, attributes);
        for (i, x) in numbers.iter().enumerate() {
            let AttrValue::Number(y) = back[&format!("n{i}")] else {
                panic!("n{i} is not a number")
            };
            assert_eq!(y.to_bits(), x.to_bits(), "n{i}");
        }
    }

    #[test]
    fn a_number_json_cannot_hold_names_its_key() {
        let attributes = Attributes::from([("density".to_string(), AttrValue::Number(f64::NAN))]);
        assert_eq!(to_json(&attributes), Err("density".to_string()));
    }

    #[test]
    fn nulls_and_nesting_are_refused() {
        assert!(from_json(r#"{"a": null}"#).unwrap_err().contains("\"a\""));
        assert!(from_json(r#"{"a": [1]}"#).is_err());
        assert!(from_json("[]").is_err());
    }
}
