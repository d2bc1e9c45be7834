use super::*;
use crate::circuit_edit::fields::kind;
use serde_json::{Value, json};
use std::collections::HashMap;

fn form(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

#[test]
fn nul_is_located() {
    let doc = json!({"name": "ok", "buses": [{"id": "A"}, {"id": "B", "name": "x\u{0}y"}]});
    assert_eq!(nul_location(&doc).as_deref(), Some("buses[1].name"));
    assert_eq!(
        nul_location(&json!({"n\u{0}": 1})).as_deref(),
        Some("n\u{FFFD}")
    );
    assert_eq!(nul_location(&json!({"buses": [{"id": "A"}]})), None);
}

fn base() -> Value {
    canonical(&json!({
        "format": "ampflux-circuit", "version": 1, "name": "T",
        "buses": [{"id": "A", "vn_kv": 20}, {"id": "B", "vn_kv": 20}],
        "lines": [{"id": "L1", "from_bus": "A", "to_bus": "B", "length_km": 1,
                   "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1}],
        "switches": [{"id": "S1", "bus": "A", "element_kind": "bus", "element": "B"},
                     {"id": "S2", "bus": "A", "element_kind": "line", "element": "L1"}]
    }))
    .unwrap()
}

#[test]
fn numbers_are_parsed_or_refused_with_a_message() {
    let len = kind("lines").unwrap().field("length_km").unwrap();
    assert_eq!(parse_field(len, Some(" 2.5 ")), Ok(Some(json!(2.5))));
    assert_eq!(parse_field(len, Some("1e-3")), Ok(Some(json!(0.001))));
    assert!(
        parse_field(len, Some("abc"))
            .unwrap_err()
            .contains("Enter a number")
    );
    assert!(parse_field(len, Some("NaN")).is_err());
    assert!(parse_field(len, Some("inf")).is_err());
    assert!(parse_field(len, Some("2,5")).unwrap_err().contains("2.5"));
    assert_eq!(
        parse_field(len, Some("")),
        Err("Enter a value in km.".into())
    );
    let c = kind("lines").unwrap().field("c_nf_per_km").unwrap();
    assert_eq!(parse_field(c, Some("  ")), Ok(None));
    let pp = kind("motors").unwrap().field("pole_pairs").unwrap();
    assert_eq!(parse_field(pp, Some("2")), Ok(Some(json!(2))));
    assert!(parse_field(pp, Some("1.5")).is_err());
    assert!(parse_field(pp, Some("-1")).is_err());
}

#[test]
fn text_choice_and_bool_fields() {
    let k = kind("switches").unwrap();
    let ek = k.field("element_kind").unwrap();
    assert_eq!(parse_field(ek, Some("LINE")), Ok(Some(json!("line"))));
    assert!(
        parse_field(ek, Some("cable"))
            .unwrap_err()
            .contains("Choose one of")
    );
    let closed = k.field("closed").unwrap();
    assert_eq!(parse_field(closed, None), Ok(Some(json!(false))));
    assert_eq!(parse_field(closed, Some("on")), Ok(Some(json!(true))));
    let id = k.field("id").unwrap();
    assert_eq!(
        parse_field(id, Some("")),
        Err("This field is required.".into())
    );
    assert!(parse_field(id, Some("a\nb")).is_err());
    assert!(parse_field(id, Some(&"x".repeat(201))).is_err());
    assert!(parse_field(id, Some("..")).is_err());
    assert_eq!(parse_field(id, Some("Bus 1/A")), Ok(Some(json!("Bus 1/A"))));
}

#[test]
fn layout_is_both_coordinates_or_none() {
    let k = kind("buses").unwrap();
    let one = element_from_form(
        k,
        None,
        &form(&[("id", "X"), ("vn_kv", "20"), ("layout.x", "1")]),
    );
    assert!(one.unwrap_err().contains_key("layout.y"));
    let both = element_from_form(
        k,
        None,
        &form(&[
            ("id", "X"),
            ("vn_kv", "20"),
            ("layout.x", "1"),
            ("layout.y", "2"),
            ("in_service", "on"),
        ]),
    )
    .unwrap();
    assert_eq!(both["layout"], json!({"x": 1.0, "y": 2.0}));
}

#[test]
fn add_refuses_a_duplicate_id_and_bad_numbers_field_by_field() {
    let k = kind("buses").unwrap();
    let err = add(&base(), k, &form(&[("id", "A"), ("vn_kv", "20")])).unwrap_err();
    assert!(matches!(err, EditError::Fields(f) if f["id"].contains("already")));
    let err = add(&base(), k, &form(&[("id", "B"), ("vn_kv", "abc")])).unwrap_err();
    assert!(matches!(err, EditError::Fields(f) if f.contains_key("vn_kv") && f.contains_key("id")));
    let err = add(&base(), k, &form(&[("id", "C"), ("vn_kv", "abc")])).unwrap_err();
    assert!(
        matches!(err, EditError::Fields(f) if f.contains_key("vn_kv") && !f.contains_key("id"))
    );
    let ok = add(
        &base(),
        k,
        &form(&[("id", "C"), ("vn_kv", "0.4"), ("in_service", "on")]),
    )
    .unwrap();
    assert_eq!(elements(&ok.circuit, k).len(), 3);
    assert_eq!(ok.after, Some(json!({"id": "C", "vn_kv": 0.4})));
}

#[test]
fn renaming_a_bus_updates_its_references() {
    let k = kind("buses").unwrap();
    let ok = update(
        &base(),
        k,
        "A",
        &form(&[("id", "A1"), ("vn_kv", "20"), ("in_service", "on")]),
    )
    .unwrap();
    // from_bus of L1, bus of S1 and S2.
    assert_eq!(ok.references_updated, 3);
    assert_eq!(ok.circuit["lines"][0]["from_bus"], "A1");
    assert_eq!(ok.circuit["switches"][0]["bus"], "A1");
    assert_eq!(ok.circuit["switches"][0]["element"], "B");
    assert_eq!(count_references(&ok.circuit, "buses", "A1"), 3);
    assert_eq!(count_references(&ok.circuit, "buses", "A"), 0);
    let all = reference_counts(&ok.circuit);
    assert_eq!(all[&("buses", "A1".to_string())], 3);
    assert_eq!(
        all[&("buses", "B".to_string())],
        2,
        "L1's to_bus and S1's element"
    );
    assert_eq!(all[&("lines", "L1".to_string())], 1);
    assert!(!all.contains_key(&("buses", "A".to_string())));
    // The switch on the line follows a renamed line; a bus-bus switch element follows a bus.
    let l = kind("lines").unwrap();
    let renamed = update(
        &ok.circuit,
        l,
        "L1",
        &form(&[
            ("id", "L9"),
            ("from_bus", "A1"),
            ("to_bus", "B"),
            ("length_km", "1"),
            ("r_ohm_per_km", "0.1"),
            ("x_ohm_per_km", "0.1"),
            ("in_service", "on"),
        ]),
    )
    .unwrap();
    assert_eq!(renamed.references_updated, 1);
    assert_eq!(renamed.circuit["switches"][1]["element"], "L9");
    let b = update(
        &base(),
        k,
        "B",
        &form(&[("id", "B2"), ("vn_kv", "20"), ("in_service", "on")]),
    )
    .unwrap();
    assert_eq!(b.circuit["switches"][0]["element"], "B2");
    // Renaming onto another element's id is refused.
    let err = update(&base(), k, "A", &form(&[("id", "B"), ("vn_kv", "20")])).unwrap_err();
    assert!(matches!(err, EditError::Fields(f) if f.contains_key("id")));
}

#[test]
fn update_keeps_the_row_when_a_field_is_refused_and_delete_removes_it() {
    let l = kind("lines").unwrap();
    let err = update(
        &base(),
        l,
        "L1",
        &form(&[("id", "L1"), ("length_km", "abc")]),
    )
    .unwrap_err();
    let EditError::Fields(fields) = err else {
        panic!()
    };
    assert!(fields["length_km"].contains("Enter a number"));
    assert!(fields.contains_key("from_bus"));
    let gone = delete(&base(), l, "L1").unwrap();
    assert!(elements(&gone.circuit, l).is_empty());
    assert_eq!(gone.before.unwrap()["id"], "L1");
    assert!(matches!(delete(&base(), l, "nope"), Err(EditError::Row(_))));
}

#[test]
fn display_uses_defaults_and_plain_numbers() {
    let l = kind("lines").unwrap();
    let line = &base()["lines"][0];
    assert_eq!(display(line, l.field("parallel").unwrap()), "1");
    assert_eq!(display(line, l.field("in_service").unwrap()), "yes");
    assert_eq!(display(line, l.field("length_km").unwrap()), "1");
    assert_eq!(display(line, l.field("r_ohm_per_km").unwrap()), "0.1");
    assert_eq!(input_value(line, l.field("parallel").unwrap()), "");
    assert!(same_value(&json!(110), &json!(110.0)));
    let mut written = base();
    written["buses"][0]["in_service"] = json!(true);
    written["buses"][0]["vn_kv"] = json!(20);
    assert!(same_circuit(&base(), &written));
    written["buses"][0]["vn_kv"] = json!(21);
    assert!(!same_circuit(&base(), &written));
    assert!(!same_value(&json!(110), &json!("110")));
}

#[test]
fn counts() {
    assert_eq!(counts_text(&base()), "2 buses, 1 line, 2 switches");
    assert_eq!(
        counts_text_of(&json!({"buses": 2, "lines": 1, "switches": 2, "loads": 0})),
        "2 buses, 1 line, 2 switches"
    );
    assert_eq!(
        counts_json(&base()),
        json!({"buses": 2, "lines": 1, "switches": 2})
    );
}

#[test]
fn header_fields() {
    let ok = update_header(&base(), &form(&[("name", "New"), ("frequency_hz", "60")])).unwrap();
    assert_eq!(ok.circuit["frequency_hz"], json!(60.0));
    assert_eq!(ok.circuit["name"], "New");
    assert!(update_header(&base(), &form(&[("name", "x"), ("frequency_hz", "55")])).is_err());
}
