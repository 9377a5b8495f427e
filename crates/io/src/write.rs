//! Writing units and tables as GeoJSON.

use geo_types::Geometry;
use geojson::{JsonObject, JsonValue};
use serde_json::json;

use citygrid_crs::Crs;
use citygrid_model::Unit;

use crate::crs_member::crs_member;
use crate::error::{IoError, Result};
use crate::feature::{attr, collection, feature};
use crate::geometry::{
    Precision, out_of_wgs84, output_transform, project, rounded_geojson, to_geojson_mapped,
};
use crate::read::SourcePositions;
use crate::table::{Field, Table};

/// Units as a FeatureCollection, coordinates in `crs`: `code`, `name`, `level`,
/// `parent` and every attribute as properties.
#[must_use]
pub fn units_geojson<'a>(units: impl IntoIterator<Item = &'a Unit>, crs: Crs) -> String {
    units_geojson_with(units, crs, Precision::Rounded, None)
}

/// [`units_geojson`] keeping the given precision; points found in `sources` are
/// written exactly as they were read.
#[must_use]
pub fn units_geojson_with<'a>(
    units: impl IntoIterator<Item = &'a Unit>,
    crs: Crs,
    precision: Precision,
    sources: Option<&SourcePositions>,
) -> String {
    let t = output_transform(crs);
    let map = |c| {
        sources
            .and_then(|s| s.get(c))
            .unwrap_or_else(|| out_of_wgs84(c, &t, precision))
    };
    let features = units
        .into_iter()
        .map(|u| {
            let mut props = JsonObject::new();
            props.insert("code".into(), json!(u.code.as_str()));
            props.insert("name".into(), json!(u.name));
            props.insert("level".into(), json!(u.level.as_str()));
            props.insert(
                "parent".into(),
                u.parent
                    .as_ref()
                    .map_or(JsonValue::Null, |p| json!(p.as_str())),
            );
            for (k, v) in &u.attributes {
                props.insert(k.clone(), attr(v));
            }
            feature(
                Some(to_geojson_mapped(
                    &Geometry::MultiPolygon(u.geometry.clone()),
                    map,
                )),
                props,
            )
        })
        .collect();
    collection(features, crs)
}

/// A table as a FeatureCollection, coordinates in `crs` (9 decimals, as every
/// GeoJSON citygrid writes): one feature per row with the row's fields as
/// properties, typed and ordered as their columns.
///
/// The text is assembled here rather than through `serde_json`'s map, which sorts
/// keys: QGIS and GDAL show the columns in the order of the file, and `code`,
/// `name` belong first.
///
/// # Errors
/// [`IoError::Unexpressible`] naming the unit when a coordinate has no place in
/// `crs`.
pub fn table_geojson(table: &Table, crs: Crs) -> Result<String> {
    let t = output_transform(crs);
    let names: Vec<String> = table
        .columns
        .iter()
        .map(|c| JsonValue::from(c.name.as_str()).to_string())
        .collect();
    let mut text = String::from(r#"{"type":"FeatureCollection","#);
    for (key, value) in crs_member(crs).into_iter().flatten() {
        text.push_str(&format!("{}:{value},", JsonValue::from(key)));
    }
    text.push_str(r#""features":["#);
    for (i, row) in table.rows.iter().enumerate() {
        let geometry =
            project(&row.unit.geometry, &t).map_err(|message| IoError::Unexpressible {
                code: row.unit.code.to_string(),
                crs: crs.to_string(),
                message,
            })?;
        if i > 0 {
            text.push(',');
        }
        text.push_str(r#"{"type":"Feature","properties":{"#);
        for (j, (name, field)) in names.iter().zip(&row.fields).enumerate() {
            if j > 0 {
                text.push(',');
            }
            text.push_str(&format!("{name}:{}", field_json(field)));
        }
        text.push_str(&format!(
            r#"}},"geometry":{}}}"#,
            rounded_geojson(Geometry::MultiPolygon(geometry))
        ));
    }
    text.push_str("]}");
    Ok(text)
}

fn field_json(f: &Field) -> JsonValue {
    match f {
        Field::Null => JsonValue::Null,
        Field::Integer(i) => json!(i),
        Field::Real(r) => json!(r),
        Field::Text(t) => json!(t),
        Field::Boolean(b) => json!(b),
    }
}

#[cfg(test)]
mod tests {
    use citygrid_model::{CodeLayout, Level};
    use citygrid_synth::SynthCity;

    use super::*;
    use crate::read::{ReadOptions, parse_units};
    use crate::table::tables;

    #[test]
    fn table_geojson_keeps_the_column_order_and_names_its_crs() {
        let units = SynthCity::new(3).cells(60).vertices_per_cell(12).generate();
        let t = &tables(&units, &[Level::Village], &CodeLayout::default())[0];
        let text = table_geojson(t, Crs::Wgs84).unwrap();
        let first = &text[..text.find("\"geometry\"").unwrap()];
        let at = |key: &str| first.find(&format!("\"{key}\":")).unwrap();
        assert!(at("code") < at("name") && at("name") < at("level") && at("level") < at("parent"));
        assert!(at("parent") < at("district_code") && at("township_code") < at("area_m2"));
        assert!(at("area_m2") < at("households"), "{first}");
        assert!(!text.contains("\"crs\""));

        let gk = Crs::from_epsg(4545).unwrap();
        let text = table_geojson(t, gk).unwrap();
        assert!(text.starts_with(
            r#"{"type":"FeatureCollection","crs":{"properties":{"name":"urn:ogc:def:crs:EPSG::4545"},"type":"name"},"features":["#
        ));
        let back = parse_units(&text, "gk", &ReadOptions::default()).unwrap();
        assert_eq!(back.crs, gk);
        assert_eq!(back.units.len(), t.rows.len());
        let (a, b) = (
            back.units[0].geometry.0[0].exterior().0[0],
            t.rows[0].unit.geometry.0[0].exterior().0[0],
        );
        // Written to 0.1 mm in metres.
        assert!(
            (a.x - b.x).abs() < 1e-8 && (a.y - b.y).abs() < 1e-8,
            "{a:?} {b:?}"
        );
    }
}
