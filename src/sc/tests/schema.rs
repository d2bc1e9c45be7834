//! docs/circuit.schema.json and the Rust types must agree: every example circuit in the
//! repository validates against both, and circuits serialized from the Rust types (imported
//! IEC TR 60909-4 network, synthetic network) validate against the schema.

use crate::sc::{Circuit, parse_input, synthetic::network, validate::validate};
use serde_json::Value;

const SCHEMA: &str = include_str!("../../../docs/circuit.schema.json");
const EXAMPLES: &[(&str, &str)] = &[
    (
        "substation",
        include_str!("../../../tests/fixtures/sc/examples/substation.circuit.json"),
    ),
    (
        "equivalents",
        include_str!("../../../tests/fixtures/sc/examples/equivalents.circuit.json"),
    ),
    (
        "iec60909-4",
        include_str!("../../../src/examples/iec60909_4.circuit.json"),
    ),
];

/// The subset of JSON Schema the circuit schema uses.
fn check(schema: &Value, root: &Value, v: &Value, path: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/$defs/");
        return check(&root["$defs"][name], root, v, path, errors);
    }
    if let Some(c) = schema.get("const")
        && c != v
        && !(c.as_f64().is_some() && c.as_f64() == v.as_f64())
    {
        errors.push(format!("{path}: must be {c}"));
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e
            .iter()
            .any(|x| x == v || (x.as_f64().is_some() && x.as_f64() == v.as_f64()))
    {
        errors.push(format!("{path}: {v} not in {e:?}"));
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let Some(o) = v.as_object() else {
                return errors.push(format!("{path}: not an object"));
            };
            let props = schema.get("properties").and_then(Value::as_object);
            for req in schema
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if !o.contains_key(req.as_str().unwrap_or_default()) {
                    errors.push(format!("{path}: missing {req}"));
                }
            }
            for (k, val) in o {
                match props.and_then(|p| p.get(k)) {
                    Some(s) => check(s, root, val, &format!("{path}.{k}"), errors),
                    None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                        errors.push(format!("{path}: property {k} not in the schema"))
                    }
                    None => {}
                }
            }
        }
        Some("array") => {
            let Some(a) = v.as_array() else {
                return errors.push(format!("{path}: not an array"));
            };
            for (i, item) in a.iter().enumerate() {
                check(
                    &schema["items"],
                    root,
                    item,
                    &format!("{path}[{i}]"),
                    errors,
                );
            }
        }
        Some("string") if !v.is_string() => errors.push(format!("{path}: not a string")),
        Some("boolean") if !v.is_boolean() => errors.push(format!("{path}: not a boolean")),
        Some("number") => match v.as_f64() {
            None => errors.push(format!("{path}: not a number")),
            Some(x) => {
                if schema
                    .get("exclusiveMinimum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| x <= m)
                {
                    errors.push(format!("{path}: must be > {}", schema["exclusiveMinimum"]));
                }
                if schema
                    .get("minimum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| x < m)
                {
                    errors.push(format!("{path}: must be >= {}", schema["minimum"]));
                }
                if schema
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .is_some_and(|m| x > m)
                {
                    errors.push(format!("{path}: must be <= {}", schema["maximum"]));
                }
            }
        },
        _ => {}
    }
}

fn schema_errors(v: &Value) -> Vec<String> {
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let mut errors = Vec::new();
    check(&schema, &schema, v, "$", &mut errors);
    errors
}

#[test]
fn examples_validate_against_schema_and_types() {
    for (name, text) in EXAMPLES {
        let v: Value = serde_json::from_str(text).unwrap();
        assert_eq!(schema_errors(&v), Vec::<String>::new(), "{name} vs schema");
        let c: Circuit = serde_json::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let problems = validate(&c);
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}

#[test]
fn serialized_circuits_validate_against_schema() {
    let iec = parse_input(include_str!(
        "../../../tests/fixtures/sc/iec60909_4_full.json"
    ))
    .unwrap()
    .circuit;
    // Every element kind of the pandapower import: wards, xwards, shunts, storage, impedances,
    // switch impedances, asynchronous static generators, a flagged unit transformer.
    let imported = [
        include_str!("../../../tests/fixtures/sc/pp/equivalents_mv.json"),
        include_str!("../../../tests/fixtures/sc/pp/xward_mv.json"),
        include_str!("../../../tests/fixtures/sc/pp/async_sgen_mv.json"),
        include_str!("../../../tests/fixtures/sc/pp/unit_trafo_without_gen.json"),
    ]
    .map(|text| parse_input(text).unwrap().circuit);
    for c in [iec, network(200, true, 7)].into_iter().chain(imported) {
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(schema_errors(&v), Vec::<String>::new());
    }
}

#[test]
fn schema_rejects_what_the_types_reject() {
    let bad = r#"{"format":"ampflux-circuit","version":1,"buses":[{"id":"B","vn_kv":10,"colour":"red"}]}"#;
    assert!(!schema_errors(&serde_json::from_str(bad).unwrap()).is_empty());
    assert!(serde_json::from_str::<Circuit>(bad).is_err());
}
