use geo_types::{MultiPolygon, polygon};

use super::*;

/// A 0.001° square at 26.6°N: about 99.6 m x 110.8 m.
fn square(x: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: 106.7 + x, y: 26.6), (x: 106.701 + x, y: 26.6),
        (x: 106.701 + x, y: 26.601), (x: 106.7 + x, y: 26.601),
    ]])
}

fn unit(code: &str, level: Level, parent: Option<&str>) -> Unit {
    let u = Unit::new(code.parse().unwrap(), level, square(0.0));
    match parent {
        Some(p) => u.with_parent(p.parse().unwrap()),
        None => u,
    }
}

fn column<'t>(t: &'t Table, name: &str) -> (usize, &'t Column) {
    t.columns
        .iter()
        .enumerate()
        .find(|(_, c)| c.name == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", t.columns))
}

fn value<'t>(t: &'t Table, row: usize, name: &str) -> &'t Field {
    &t.rows[row].fields[column(t, name).0]
}

fn text(s: &str) -> Field {
    Field::Text(s.into())
}

#[test]
fn columns_come_in_a_fixed_order_with_the_ancestors_above_the_level() {
    let units = vec![
        unit("520102", Level::District, None),
        unit("520102001", Level::Township, Some("520102")),
        unit("520102001001", Level::Village, Some("520102001")),
        unit("520102001001001", Level::Cell, Some("520102001001")),
    ];
    let all = tables(
        &units,
        &[Level::Cell, Level::Township, Level::District],
        &CodeLayout::default(),
    );
    let names = |t: &Table| t.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&all[0]),
        [
            "code",
            "name",
            "level",
            "parent",
            "district_code",
            "township_code",
            "village_code",
            "area_m2"
        ]
    );
    assert_eq!(
        names(&all[1]),
        [
            "code",
            "name",
            "level",
            "parent",
            "district_code",
            "area_m2"
        ]
    );
    assert_eq!(all[2].name(), "districts");
    assert_eq!(
        all[0].rows[0].fields[..7],
        [
            text("520102001001001"),
            text(""),
            text("cell"),
            text("520102001001"),
            text("520102"),
            text("520102001"),
            text("520102001001"),
        ]
    );
    // The district's parent, the city, is not in the file: derived from its code.
    assert_eq!(value(&all[2], 0, "parent"), &text("520100"));
}

#[test]
fn area_is_geodesic_square_metres_to_the_cm2() {
    let units = vec![unit("520102001001001", Level::Cell, None)];
    let t = &tables(&units, &[Level::Cell], &CodeLayout::default())[0];
    let Field::Real(a) = value(t, 0, "area_m2") else {
        panic!("area is not real")
    };
    // 99.58 m x 110.79 m, within the flat-earth error of that estimate.
    assert!((a - 99.58 * 110.79).abs() < 5.0, "{a}");
    assert_eq!(*a, (area_m2(&units[0].geometry) * 100.0).round() / 100.0);
}

#[test]
fn attribute_types_are_the_narrowest_that_hold_every_value() {
    let cell = |seq: u32, attrs: &[(&str, AttrValue)]| {
        attrs.iter().fold(
            unit(&format!("520102001001{seq:03}"), Level::Cell, None),
            |u, (k, v)| u.with_attribute(*k, v.clone()),
        )
    };
    use AttrValue::{Bool, Number, Text};
    let units = vec![
        cell(
            1,
            &[
                ("households", Number(420.0)),
                ("density", Number(3.0)),
                ("staffed", Bool(true)),
                ("head", Text("Li".into())),
                ("mixed", Number(7.0)),
                ("flag_or_number", Bool(false)),
            ],
        ),
        cell(
            2,
            &[
                ("households", Number(385.0)),
                ("density", Number(2.5)),
                ("staffed", Bool(false)),
                ("mixed", Text("n/a".into())),
                ("flag_or_number", Number(1.5)),
            ],
        ),
    ];
    let t = &tables(&units, &[Level::Cell], &CodeLayout::default())[0];
    let kind = |name| column(t, name).1.kind;
    assert_eq!(kind("households"), FieldType::Integer);
    assert_eq!(kind("density"), FieldType::Real);
    assert_eq!(kind("staffed"), FieldType::Boolean);
    assert_eq!(kind("head"), FieldType::Text);
    assert_eq!(kind("mixed"), FieldType::Text);
    assert_eq!(kind("flag_or_number"), FieldType::Text);
    assert_eq!(value(t, 0, "households"), &Field::Integer(420));
    assert_eq!(value(t, 1, "density"), &Field::Real(2.5));
    assert_eq!(value(t, 0, "density"), &Field::Real(3.0));
    assert_eq!(value(t, 1, "staffed"), &Field::Boolean(false));
    assert_eq!(value(t, 1, "head"), &Field::Null);
    assert_eq!(value(t, 0, "mixed"), &text("7"));
    assert_eq!(value(t, 1, "mixed"), &text("n/a"));
    assert_eq!(value(t, 0, "flag_or_number"), &text("false"));
    assert_eq!(value(t, 1, "flag_or_number"), &text("1.5"));
}

#[test]
fn a_file_of_cells_gets_its_ancestors_from_the_code_layout() {
    // A parent outside the file with a code of no level: placed directly above.
    let units = vec![
        unit("520102001001007", Level::Cell, None),
        unit("520102001002003", Level::Cell, Some("V-17")),
    ];
    let t = &tables(&units, &[Level::Cell], &CodeLayout::default())[0];
    assert_eq!(value(t, 0, "parent"), &text("520102001001"));
    assert_eq!(value(t, 0, "village_code"), &text("520102001001"));
    assert_eq!(value(t, 0, "township_code"), &text("520102001"));
    assert_eq!(value(t, 0, "district_code"), &text("520102"));
    assert_eq!(value(t, 1, "parent"), &text("V-17"));
    assert_eq!(value(t, 1, "village_code"), &text("V-17"));
    assert_eq!(value(t, 1, "township_code"), &text("520102001"));

    // Codes of no layout and no parents: nothing to derive.
    let units = vec![unit("A1", Level::Cell, None)];
    let t = &tables(&units, &[Level::Cell], &CodeLayout::default())[0];
    assert_eq!(value(t, 0, "parent"), &Field::Null);
    assert_eq!(value(t, 0, "district_code"), &Field::Null);
}

#[test]
fn parent_links_win_over_the_code_layout() {
    // Custom codes, linked explicitly: the chain is followed as given.
    let units = vec![
        unit("D1", Level::District, None),
        unit("T1", Level::Township, Some("D1")),
        unit("C1", Level::Cell, Some("T1")),
    ];
    let t = &tables(&units, &[Level::Cell], &CodeLayout::default())[0];
    assert_eq!(value(t, 0, "parent"), &text("T1"));
    assert_eq!(value(t, 0, "village_code"), &Field::Null);
    assert_eq!(value(t, 0, "township_code"), &text("T1"));
    assert_eq!(value(t, 0, "district_code"), &text("D1"));
}

#[test]
fn clashing_attribute_names_are_replaced_or_renamed() {
    let units = vec![
        unit("520102001001001", Level::Cell, None)
            .with_attribute("area_m2", AttrValue::Number(1.0))
            .with_attribute("District_Code", AttrValue::Text("x".into()))
            .with_attribute("Households", AttrValue::Number(1.0))
            .with_attribute("households", AttrValue::Number(2.0))
            .with_attribute("fid", AttrValue::Number(3.0))
            .with_attribute("code", AttrValue::Text("WG-1".into())),
    ];
    let t = &tables(&units, &[Level::Cell], &CodeLayout::default())[0];
    let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names[8..],
        ["Households", "code_2", "fid_2", "households_2"],
        "{names:?}"
    );
    assert_ne!(value(t, 0, "area_m2"), &Field::Real(1.0));
    assert_eq!(value(t, 0, "households_2"), &Field::Integer(2));
    assert_eq!(value(t, 0, "code_2"), &text("WG-1"));
}

#[test]
fn rows_are_in_code_order_and_a_missing_level_has_none() {
    let units = vec![
        unit("520102001001002", Level::Cell, None),
        unit("520102001001001", Level::Cell, None),
    ];
    let all = tables(
        &units,
        &[Level::Cell, Level::Village],
        &CodeLayout::default(),
    );
    let codes: Vec<&str> = all[0].rows.iter().map(|r| r.unit.code.as_str()).collect();
    assert_eq!(codes, ["520102001001001", "520102001001002"]);
    assert!(all[1].rows.is_empty());
}
