//! The body of a batch lookup, read without building a JSON tree, and its answer
//! streamed: memory per request stays a small multiple of the points, however
//! large the answers.
//!
//! A tree of `{"points": [[x, y], ...]}` costs about 150 bytes a point and is
//! built before the count can be checked (16 MB of `[0,0],` is 2.7 million
//! points); here each point is two `f64`s and counting stops the keeping at
//! `max_batch_points`. The answer of 100,000 points with full answers is about
//! 50 MB: it is written 64 KiB at a time as the client reads it.

use std::cell::RefCell;
use std::convert::Infallible;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::body::Bytes;
use http_body::{Frame, SizeHint};
use serde::Deserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use citygrid_model::UnitId;

use crate::city::City;
use crate::error::{ApiError, shorten, shorten_json};

/// What a batch answers for each point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fields {
    /// The cell with its attributes and ancestors, as a single lookup answers.
    All,
    /// The cell's code only: about a tenth of the bytes.
    Code,
}

impl Fields {
    /// From `"all"` or `"code"`; `source` names where the value was found.
    pub(super) fn parse(value: &Value, source: &str) -> Result<Fields, ApiError> {
        match value.as_str() {
            Some("all") => Ok(Fields::All),
            Some("code") => Ok(Fields::Code),
            _ => Err(ApiError::BadRequest(format!(
                "{source} must be \"all\" or \"code\", not {}",
                shorten_json(value)
            ))),
        }
    }
}

/// `{"crs", "fields", "points"}` as sent: the points still in the request's CRS.
#[derive(Debug, Default)]
pub(super) struct Batch {
    /// The `crs` member, checked to be a string.
    pub crs: Option<String>,
    /// The `fields` member.
    pub fields: Option<Fields>,
    /// `[x, y]` of each point (a height is read and dropped).
    pub points: Vec<(f64, f64)>,
}

/// Whether a body is a GeoJSON FeatureCollection (a scan that keeps nothing but
/// the `type` member), so that it can be read as one.
pub(super) fn is_feature_collection(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
    serde_json::from_slice::<Probe>(bytes)
        .is_ok_and(|p| p.kind.as_deref() == Some("FeatureCollection"))
}

/// Reads `{"crs", "fields", "points"}` keeping at most `max` points.
///
/// # Errors
/// [`ApiError::TooLarge`] for more than `max` points, [`ApiError::BadRequest`]
/// for bad JSON, not an object, an unknown key, a `crs` or `fields` of the wrong
/// kind, or a point that is not two or three numbers (named by its index).
pub(super) fn parse(bytes: &[u8], max: usize) -> Result<Batch, ApiError> {
    let not_json =
        |e: serde_json::Error| ApiError::BadRequest(format!("body is not valid JSON: {e}"));
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        serde_json::from_slice::<IgnoredAny>(bytes).map_err(not_json)?;
        return Err(ApiError::BadRequest(NOT_AN_OBJECT.into()));
    }
    let problem = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let read = de
        .deserialize_map(BodyVisitor {
            max,
            problem: &problem,
        })
        .and_then(|batch| de.end().map(|()| batch));
    match (read, problem.into_inner()) {
        (_, Some(stopped)) => Err(stopped),
        (Ok(batch), None) => Ok(batch),
        (Err(e), None) => Err(not_json(e)),
    }
}

const NOT_AN_OBJECT: &str = "body must be an object {\"crs\": .., \"points\": [[lon, lat], ..]} or a GeoJSON FeatureCollection";

/// Records why reading stopped and stops it: serde's own error would carry a
/// position, and could not say 413.
fn stop<E: de::Error>(problem: &RefCell<Option<ApiError>>, why: ApiError) -> E {
    *problem.borrow_mut() = Some(why);
    E::custom("stopped")
}

struct BodyVisitor<'a> {
    max: usize,
    problem: &'a RefCell<Option<ApiError>>,
}

impl<'de> Visitor<'de> for BodyVisitor<'_> {
    type Value = Batch;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Batch, A::Error> {
        let mut batch = Batch::default();
        let mut has_points = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "crs" => {
                    batch.crs = match map.next_value::<Value>()? {
                        Value::String(s) => Some(s),
                        other => {
                            return Err(stop(
                                self.problem,
                                ApiError::BadRequest(format!(
                                    "crs must be a string such as \"wgs84\" or \"epsg:4545\", not {}",
                                    shorten_json(&other)
                                )),
                            ));
                        }
                    };
                }
                "fields" => {
                    let v = map.next_value::<Value>()?;
                    batch.fields =
                        Some(Fields::parse(&v, "fields").map_err(|e| stop(self.problem, e))?);
                }
                "points" => {
                    has_points = true;
                    batch.points = map.next_value_seed(PointsSeed {
                        max: self.max,
                        problem: self.problem,
                    })?;
                }
                other => {
                    return Err(stop(
                        self.problem,
                        ApiError::BadRequest(format!(
                            "unknown key {}; expected crs, fields and points",
                            shorten(other)
                        )),
                    ));
                }
            }
        }
        if !has_points {
            return Err(stop(
                self.problem,
                ApiError::BadRequest("missing \"points\": an array of [lon, lat] pairs".into()),
            ));
        }
        Ok(batch)
    }
}

/// The `points` array: each position kept until `max`, the rest only counted.
struct PointsSeed<'a> {
    max: usize,
    problem: &'a RefCell<Option<ApiError>>,
}

impl<'de> DeserializeSeed<'de> for PointsSeed<'_> {
    type Value = Vec<(f64, f64)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PointsSeed<'_> {
    type Value = Vec<(f64, f64)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of [lon, lat] pairs")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut points = Vec::new();
        let mut n = 0usize;
        loop {
            let more = if n < self.max {
                let p = seq.next_element_seed(PositionSeed {
                    index: n,
                    problem: self.problem,
                })?;
                p.map(|p| points.push(p)).is_some()
            } else {
                seq.next_element::<IgnoredAny>()?.is_some()
            };
            if !more {
                break;
            }
            n += 1;
        }
        if n > self.max {
            return Err(stop(
                self.problem,
                ApiError::TooLarge(format!(
                    "points: {n} is over max_batch_points = {} per request; split the batch",
                    self.max
                )),
            ));
        }
        Ok(points)
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.not_an_array())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(self.not_an_array())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(self.not_an_array())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(self.not_an_array())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(self.not_an_array())
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(self.not_an_array())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(self.not_an_array())
    }
}

impl PointsSeed<'_> {
    fn not_an_array<E: de::Error>(&self) -> E {
        stop(
            self.problem,
            ApiError::BadRequest("points must be an array of [lon, lat] pairs".into()),
        )
    }
}

/// One position: `[x, y]` or `[x, y, height]`, named by its index when it is not.
struct PositionSeed<'a> {
    index: usize,
    problem: &'a RefCell<Option<ApiError>>,
}

impl PositionSeed<'_> {
    fn bad<E: de::Error>(&self, what: &str) -> E {
        stop(
            self.problem,
            ApiError::BadRequest(format!("points[{}]: {what}", self.index)),
        )
    }
}

const NOT_A_POSITION: &str = "expected [lon, lat] or [lon, lat, height]";

impl<'de> DeserializeSeed<'de> for PositionSeed<'_> {
    type Value = (f64, f64);
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for PositionSeed<'_> {
    type Value = (f64, f64);

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(NOT_A_POSITION)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // RFC 7946 section 3.1.1: two numbers, or three with a height.
        let mut numbers = [None, None];
        let mut n = 0usize;
        while let Some(c) = seq.next_element::<Number>()? {
            if let Some(slot) = numbers.get_mut(n) {
                *slot = c.0;
            }
            n += 1;
        }
        if !(2..=3).contains(&n) {
            return Err(self.bad(NOT_A_POSITION));
        }
        let x = numbers[0].ok_or_else(|| self.bad("lon is not a number"))?;
        let y = numbers[1].ok_or_else(|| self.bad("lat is not a number"))?;
        Ok((x, y))
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.bad(NOT_A_POSITION))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(self.bad(NOT_A_POSITION))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Err(self.bad(NOT_A_POSITION))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Err(self.bad(NOT_A_POSITION))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Err(self.bad(NOT_A_POSITION))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(self.bad(NOT_A_POSITION))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Err(self.bad(NOT_A_POSITION))
    }
}

/// Any JSON value, kept only when it is a number.
struct Number(Option<f64>);

impl<'de> serde::Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Number, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_f64<E>(self, v: f64) -> Result<Number, E> {
                Ok(Number(Some(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Number, E> {
                Ok(Number(Some(v as f64)))
            }
            fn visit_str<E>(self, _: &str) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_unit<E>(self) -> Result<Number, E> {
                Ok(Number(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Number, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Number(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Number, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Number(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// Bytes of answers written per chunk of the streamed body.
const CHUNK_BYTES: usize = 64 * 1024;

/// `{"results": [...], "version": N}` written a chunk at a time from the cells
/// found: the pre-rendered answer of each (or its code), `null` outside the city.
pub(super) struct Answers {
    city: Arc<City>,
    found: Vec<Option<UnitId>>,
    fields: Fields,
    next: usize,
    closed: bool,
}

impl Answers {
    /// The answer to `found`, in its order.
    pub(super) fn new(city: Arc<City>, found: Vec<Option<UnitId>>, fields: Fields) -> Answers {
        Answers {
            city,
            found,
            fields,
            next: 0,
            closed: false,
        }
    }
}

impl http_body::Body for Answers {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        if this.closed {
            return Poll::Ready(None);
        }
        let mut out = String::with_capacity(CHUNK_BYTES + 1024);
        if this.next == 0 {
            out.push_str(r#"{"results":["#);
        }
        while out.len() < CHUNK_BYTES
            && let Some(found) = this.found.get(this.next)
        {
            if this.next > 0 {
                out.push(',');
            }
            match (found, this.fields) {
                (None, _) => out.push_str("null"),
                (Some(id), Fields::Code) => {
                    out.push('"');
                    out.push_str(this.city.partition.unit(*id).code.as_str());
                    out.push('"');
                }
                (Some(id), Fields::All) => out.push_str(this.city.answer(*id)),
            }
            this.next += 1;
        }
        if this.next == this.found.len() {
            out.push_str(r#"],"version":"#);
            out.push_str(&this.city.version().to_string());
            out.push('}');
            this.closed = true;
        }
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))))
    }

    fn is_end_stream(&self) -> bool {
        self.closed
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str, max: usize) -> String {
        parse(body.as_bytes(), max).unwrap_err().to_string()
    }

    #[test]
    fn points_are_read_as_pairs_and_every_mistake_is_named() {
        let b = parse(
            br#"{"points": [[1, 2], [3.5, 4, 100]], "crs": "gcj02", "fields": "code"}"#,
            10,
        )
        .unwrap();
        assert_eq!(b.points, vec![(1.0, 2.0), (3.5, 4.0)]);
        assert_eq!(b.crs.as_deref(), Some("gcj02"));
        assert_eq!(b.fields, Some(Fields::Code));
        assert!(parse(br#"{"points": []}"#, 10).unwrap().points.is_empty());
        for (body, expected) in [
            (
                r#"{"points": [[1, 2], ["a", 1]]}"#,
                "points[1]: lon is not a number",
            ),
            (
                r#"{"points": [[1, 2, 3, 4]]}"#,
                "points[0]: expected [lon, lat] or [lon, lat, height]",
            ),
            (
                r#"{"points": [7]}"#,
                "points[0]: expected [lon, lat] or [lon, lat, height]",
            ),
            (
                r#"{"points": {"a": 1}}"#,
                "points must be an array of [lon, lat] pairs",
            ),
            (
                r#"{"crs": 5, "points": []}"#,
                r#"crs must be a string such as "wgs84" or "epsg:4545", not 5"#,
            ),
            (
                r#"{"fields": "everything", "points": []}"#,
                r#"fields must be "all" or "code", not "everything""#,
            ),
            (
                r#"{"point": []}"#,
                r#"unknown key "point"; expected crs, fields and points"#,
            ),
            (
                r#"{"crs": "wgs84"}"#,
                r#"missing "points": an array of [lon, lat] pairs"#,
            ),
            ("[1, 2]", NOT_AN_OBJECT),
            (
                r#"{"points": [[1,2],]}"#,
                "body is not valid JSON: trailing comma at line 1 column 19",
            ),
            (
                r#"{"points": []} x"#,
                "body is not valid JSON: trailing characters at line 1 column 16",
            ),
        ] {
            assert_eq!(message(body, 10), expected, "{body}");
        }
    }

    #[test]
    fn too_many_points_are_counted_not_kept() {
        let body = format!(r#"{{"points": [{}]}}"#, vec!["[1,2]"; 25].join(","));
        let e = parse(body.as_bytes(), 10).unwrap_err();
        assert!(matches!(e, ApiError::TooLarge(_)));
        assert_eq!(
            e.to_string(),
            "points: 25 is over max_batch_points = 10 per request; split the batch"
        );
    }

    #[test]
    fn feature_collections_are_told_apart() {
        assert!(is_feature_collection(
            br#"{"features": [], "type": "FeatureCollection"}"#
        ));
        assert!(!is_feature_collection(br#"{"points": []}"#));
        assert!(!is_feature_collection(b"[1]"));
    }
}
