//! The DataFrame reader on odd input: missing columns, string and odd indexes, null and NaN
//! cells, nested JSON in cells, empty tables, other orients, malformed JSON.

use super::frame::{Importer, Row};
use super::reader::{self, Member};
use super::{Document, ImportError};
use crate::sc::{InputError, InputFormat, parse_input};
use serde_json::{Value, json};

/// A DataFrame member as pandapower's to_json writes it (the frame as JSON text).
fn frame(columns: Value, index: Value, data: Value) -> Value {
    let text = json!({"columns": columns, "index": index, "data": data}).to_string();
    json!({"_module": "pandas.core.frame", "_class": "DataFrame", "_object": text,
           "orient": "split", "dtype": {}, "is_multiindex": false})
}

fn frame_text(text: &str) -> Value {
    json!({"_module": "pandas.core.frame", "_class": "DataFrame", "_object": text,
           "orient": "split"})
}

/// A network with one bus (index 0) and a grid, plus `extra` members.
fn network(extra: &[(&str, Value)]) -> String {
    let mut net = json!({
        "bus": frame(json!(["name", "vn_kv", "in_service"]), json!([0]), json!([["B", 20.0, true]])),
        "ext_grid": frame(json!(["bus", "s_sc_max_mva"]), json!([0]), json!([[0, 1000.0]])),
        "f_hz": 50, "name": "net",
    });
    for (k, v) in extra {
        net[*k] = v.clone();
    }
    json!({"_module": "pandapower.auxiliary", "_class": "pandapowerNet", "_object": net})
        .to_string()
}

fn importer(text: &str) -> Importer {
    let doc: Document = reader::from_str(text).expect("valid JSON");
    Importer {
        net: doc.object.expect("wrapped network"),
        warnings: Vec::new(),
    }
}

fn table(text: &str, name: &str) -> Result<Vec<Row>, ImportError> {
    importer(text).table(name)
}

fn table_error(text: &str, name: &str) -> String {
    match table(text, name) {
        Err(e) => e.to_string(),
        Ok(rows) => panic!("{name}: {} rows, expected an error", rows.len()),
    }
}

#[test]
fn cells_read_as_before_by_type() {
    let t = network(&[(
        "x",
        frame(
            json!(["f", "i", "b", "s", "n", "big", "nested", "geo"]),
            json!([0, 1]),
            json!([
                [1.0, 3, true, "a", null, 18446744073709551615u64, [1, 2], "{\"type\": \"Point\"}"],
                [0.5, 0, false, "7", null, 1, {"k": "v"}, null]
            ]),
        ),
    )]);
    let rows = table(&t, "x").unwrap();
    let (r, q) = (&rows[0], &rows[1]);
    assert_eq!(
        (r.f("f"), r.s("f"), r.idx("f")),
        (Some(1.0), Some("1.0".into()), Some("1".into()))
    );
    assert_eq!(
        (r.f("i"), r.s("i"), r.idx("i"), r.b("i")),
        (Some(3.0), Some("3".into()), Some("3".into()), Some(true))
    );
    assert_eq!((q.b("i"), q.idx("f")), (Some(false), None));
    assert_eq!(
        (r.f("b"), r.b("b"), r.s("b"), r.idx("b")),
        (Some(1.0), Some(true), None, None)
    );
    assert_eq!(
        (r.s("s"), r.f("s"), r.idx("s")),
        (Some("a".into()), None, Some("a".into()))
    );
    assert_eq!(q.idx("s").as_deref(), Some("7"));
    assert_eq!((r.f("n"), r.s("n"), r.b("n")), (None, None, None));
    assert_eq!(r.s("big").as_deref(), Some("18446744073709551615"));
    assert_eq!(r.idx("big").as_deref(), Some(i64::MAX.to_string().as_str()));
    // Nested JSON is present but has no number or text; a geo string is plain text.
    assert_eq!(
        (r.f("nested"), r.s("nested"), q.idx("nested")),
        (None, None, None)
    );
    assert_eq!(r.s("geo").as_deref(), Some("{\"type\": \"Point\"}"));
    assert_eq!(r.s("no such column"), None);
}

#[test]
fn string_and_odd_indexes() {
    let t = network(&[
        (
            "bus",
            frame(
                json!(["vn_kv"]),
                json!(["HV", "LV"]),
                json!([[110.0], [20.0]]),
            ),
        ),
        (
            "ext_grid",
            frame(
                json!(["bus", "s_sc_max_mva"]),
                json!(["Q"]),
                json!([["HV", 1000.0]]),
            ),
        ),
        (
            "odd",
            frame(
                json!(["a"]),
                json!([1.0, null, [1, "x"], true]),
                json!([[1], [2], [3], [4], [5]]),
            ),
        ),
    ]);
    let parsed = parse_input(&t).unwrap();
    let ids: Vec<&str> = parsed.circuit.buses.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["HV", "LV"]);
    assert_eq!(parsed.circuit.external_grids[0].bus, "HV");
    let labels: Vec<String> = table(&t, "odd")
        .unwrap()
        .into_iter()
        .map(|r| r.index)
        .collect();
    // As serde_json shows them; a row past the end of the index gets its number.
    assert_eq!(labels, ["1.0", "null", "[1,\"x\"]", "true", "4"]);
}

#[test]
fn missing_columns_and_null_cells() {
    // No vn_kv column at all, then a null vn_kv: both are "missing".
    let no_col = network(&[("bus", frame(json!(["name"]), json!([0]), json!([["B"]])))]);
    let null_cell = network(&[(
        "bus",
        frame(json!(["name", "vn_kv"]), json!([0]), json!([["B", null]])),
    )]);
    for t in [no_col, null_cell] {
        match parse_input(&t) {
            Err(InputError::Pandapower(e)) => {
                assert_eq!(e.to_string(), "table \"bus\": row 0: vn_kv is missing")
            }
            other => panic!("{other:?}"),
        }
    }
    // Short rows miss their last cells; long rows' extra cells have no column.
    let t = network(&[(
        "x",
        frame(
            json!(["a", "b"]),
            json!([0, 1]),
            json!([[1.0], [2.0, 3.0, 4.0]]),
        ),
    )]);
    let rows = table(&t, "x").unwrap();
    assert_eq!((rows[0].f("a"), rows[0].f("b")), (Some(1.0), None));
    assert_eq!((rows[1].f("a"), rows[1].f("b")), (Some(2.0), Some(3.0)));
}

#[test]
fn nan_in_a_dataframe_is_a_missing_value() {
    let t = network(&[(
        "x",
        frame_text(r#"{"columns":["a","b"],"index":[0],"data":[[NaN,-Infinity]]}"#),
    )]);
    let rows = table(&t, "x").unwrap();
    assert_eq!((rows[0].f("a"), rows[0].f("b")), (None, None));
}

#[test]
fn empty_tables_and_key_order() {
    let t = network(&[
        ("load", frame(json!(["bus", "p_mw"]), json!([]), json!([]))),
        (
            "sgen",
            frame_text(r#"{"data":[[0, 1.5, 1.1]],"index":[4],"columns":["bus","sn_mva","k"]}"#),
        ),
    ]);
    assert!(table(&t, "load").unwrap().is_empty());
    assert!(table(&t, "no_such_table").unwrap().is_empty());
    let parsed = parse_input(&t).unwrap();
    assert!(parsed.circuit.loads.is_empty());
    let sgen = &parsed.circuit.static_generators[0];
    assert_eq!(
        (sgen.id.as_str(), sgen.sn_mva, sgen.k),
        ("4", Some(1.5), Some(1.1))
    );
}

#[test]
fn embedded_frame_object_and_bare_network() {
    let mut net: Value = serde_json::from_str(&network(&[])).unwrap();
    net["_object"]["bus"]["_object"] =
        json!({"columns": ["vn_kv"], "index": [0], "data": [[20.0]]});
    let wrapped = parse_input(&net.to_string()).unwrap();
    assert_eq!(wrapped.circuit.buses[0].vn_kv, 20.0);
    let bare = parse_input(&net["_object"].to_string()).unwrap();
    assert_eq!(bare.format, InputFormat::Pandapower);
    assert_eq!(bare.circuit, wrapped.circuit);
}

#[test]
fn other_orients_and_shapes_are_refused_with_the_table_name() {
    let records = json!({"_class": "DataFrame", "orient": "records",
                         "_object": "[{\"vn_kv\": 20.0}]"});
    let t = network(&[("bus", records)]);
    assert_eq!(
        table_error(&t, "bus"),
        "table \"bus\": orient \"records\" is not supported (expected \"split\")"
    );
    match parse_input(&t) {
        Err(InputError::Pandapower(e)) => assert!(e.to_string().contains("orient \"records\"")),
        other => panic!("{other:?}"),
    }
    let cases = [
        (frame_text(r#"{"index":[0],"data":[[1]]}"#), "no columns"),
        (
            frame_text(r#"{"columns":"a","index":[0],"data":[[1]]}"#),
            "no columns",
        ),
        (frame_text(r#"{"columns":["a"],"data":[[1]]}"#), "no index"),
        (frame_text(r#"{"columns":["a"],"index":[0]}"#), "no data"),
        (
            frame_text(r#"{"columns":["a"],"index":[0],"data":{"0":1}}"#),
            "no data",
        ),
        (
            frame_text(r#"{"columns":["a"],"index":[0,1],"data":[[1],2]}"#),
            "a row is not an array",
        ),
        (frame_text("42"), "no columns"),
        (json!({"_class": "DataFrame"}), "not a DataFrame"),
        (json!(7), "not a DataFrame"),
    ];
    for (member, message) in cases {
        let t = network(&[("x", member)]);
        assert_eq!(table_error(&t, "x"), format!("table \"x\": {message}"));
    }
}

#[test]
fn malformed_json_gives_clear_errors_and_never_panics() {
    let t = network(&[(
        "x",
        frame_text(r#"{"columns":["a"],"index":[0],"data":[[1,]]}"#),
    )]);
    let e = table_error(&t, "x");
    assert!(
        e.starts_with("table \"x\": invalid DataFrame JSON: "),
        "{e}"
    );
    assert!(e.contains("line 1 column"), "{e}");
    // Only the tables the conversion reads are refused.
    assert!(parse_input(&t).is_ok());
    let t = network(&[(
        "bus",
        frame_text("{\"columns\": [\"vn_kv\"], \"index\": [0], \"data\": [[20.0]"),
    )]);
    match parse_input(&t) {
        Err(InputError::Pandapower(e)) => {
            assert!(
                e.to_string()
                    .starts_with("table \"bus\": invalid DataFrame JSON: EOF"),
                "{e}"
            )
        }
        other => panic!("{other:?}"),
    }
    // A file cut anywhere, or with garbage in it: an error, never a panic.
    let text = include_str!("../../../tests/fixtures/sc/iec60909_4_small.json");
    let step = text.len() / 97;
    for cut in (1..text.len()).step_by(step.max(1)) {
        let Some(head) = text.get(..cut) else {
            continue;
        };
        assert!(
            matches!(parse_input(head), Err(InputError::Json(_))),
            "cut at {cut}"
        );
        let spliced = format!("{head}\u{1}{}", &text[cut..]);
        let _ = parse_input(&spliced);
    }
    let e = parse_input("{\"_class\": \"pandapowerNet\", \"_object\": {\"bus\": [}}").unwrap_err();
    assert!(matches!(e, InputError::Json(_)));
    assert!(e.to_string().contains("line 1 column"), "{e}");
}

#[test]
fn unused_members_are_not_read() {
    // Results and standard types are skipped unparsed, whatever they hold.
    let t = network(&[
        ("res_bus", frame_text("not JSON at all")),
        ("std_types", json!({"line": {"x": {"r_ohm_per_km": null}}})),
    ]);
    let im = importer(&t);
    assert!(matches!(im.net.get("res_bus"), Some(Member::Other)));
    assert!(parse_input(&t).is_ok());
}

#[test]
fn unused_columns_are_still_reported() {
    let t = network(&[(
        "bus",
        frame(
            json!([
                "vn_kv",
                "type",
                "max_vm_pu",
                "colour",
                "flag",
                "zero",
                "nested",
                "geo"
            ]),
            json!([0, 1]),
            json!([[20.0, "b", 1.1, null, false, 0, {"a": 1}, "{}"], [20.0, null, null, "red", false, 0.0, null, null]]),
        ),
    )]);
    let parsed = parse_input(&t).unwrap();
    let w: Vec<&str> = parsed.warnings.iter().map(String::as_str).collect();
    assert!(
        w.contains(&"bus: power-flow parameters not used by IEC 60909 ignored: max_vm_pu, type"),
        "{w:?}"
    );
    assert!(
        w.contains(&"bus.colour: unsupported parameter ignored"),
        "{w:?}"
    );
    assert!(
        w.contains(&"bus.nested: unsupported parameter ignored"),
        "{w:?}"
    );
    assert!(
        !w.iter()
            .any(|w| w.contains("flag") || w.contains("zero") || w.contains("geo")),
        "{w:?}"
    );
}
