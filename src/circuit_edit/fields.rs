//! The element kinds of the circuit format (docs/circuit-format.md) as editable tables: every
//! field of each kind with its label, unit, type, whether it is required, its default and
//! whether it is rarely used ("more fields" in the forms).
//!
//! A test checks these tables against the engine's types (`sc::circuit`): a circuit holding
//! every field of every kind parses, and one missing a field marked required does not.

/// How a field is entered and stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// A finite number (JSON number).
    Number,
    /// A whole number of 0 or more.
    Integer,
    Text,
    /// A checkbox (JSON true/false).
    Bool,
    /// One of a fixed list of strings.
    Choice(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
pub struct FieldDef {
    /// The JSON key; `layout.x` names a member of a nested object.
    pub name: &'static str,
    pub label: &'static str,
    /// Shown in column heads and beside inputs (`kV`, `MVA`, `Ω/km` ...); empty for none.
    pub unit: &'static str,
    pub ty: FieldType,
    pub required: bool,
    /// Rarely used: in the forms' "more fields" part and the tables' last column.
    pub advanced: bool,
    /// What the engine assumes when the field is absent, as it would be typed.
    pub default: Option<&'static str>,
    /// The element kind (key) this field names an element of, e.g. `buses`.
    pub refers_to: Option<&'static str>,
}

impl FieldDef {
    const fn new(
        name: &'static str,
        label: &'static str,
        unit: &'static str,
        ty: FieldType,
    ) -> Self {
        FieldDef {
            name,
            label,
            unit,
            ty,
            required: false,
            advanced: false,
            default: None,
            refers_to: None,
        }
    }
    const fn req(mut self) -> Self {
        self.required = true;
        self
    }
    const fn adv(mut self) -> Self {
        self.advanced = true;
        self
    }
    const fn def(mut self, default: &'static str) -> Self {
        self.default = Some(default);
        self
    }
    const fn refs(mut self, kind: &'static str) -> Self {
        self.refers_to = Some(kind);
        self
    }
}

const fn num(name: &'static str, label: &'static str, unit: &'static str) -> FieldDef {
    FieldDef::new(name, label, unit, FieldType::Number)
}
const fn text(name: &'static str, label: &'static str) -> FieldDef {
    FieldDef::new(name, label, "", FieldType::Text)
}
const fn flag(name: &'static str, label: &'static str, default: &'static str) -> FieldDef {
    FieldDef::new(name, label, "", FieldType::Bool).def(default)
}
const fn choice(
    name: &'static str,
    label: &'static str,
    options: &'static [&'static str],
) -> FieldDef {
    FieldDef::new(name, label, "", FieldType::Choice(options))
}
const fn id() -> FieldDef {
    text("id", "Id").req()
}
const fn name() -> FieldDef {
    text("name", "Name").adv()
}
const fn bus(field: &'static str, label: &'static str) -> FieldDef {
    text(field, label).req().refs("buses")
}
const fn in_service() -> FieldDef {
    flag("in_service", "In service", "true")
}

/// One element kind: its key in the circuit document and its fields, `id` first.
#[derive(Debug)]
pub struct KindDef {
    /// The array's key in the circuit document (also used in URLs).
    pub key: &'static str,
    /// Heading, plural (`Lines`).
    pub title: &'static str,
    /// One element (`line`).
    pub singular: &'static str,
    pub fields: &'static [FieldDef],
}

impl KindDef {
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The fields shown as table columns (besides `id`).
    pub fn columns(&self) -> impl Iterator<Item = &'static FieldDef> {
        self.fields.iter().filter(|f| !f.advanced && f.name != "id")
    }

    /// The rarely used fields.
    pub fn advanced(&self) -> impl Iterator<Item = &'static FieldDef> {
        self.fields.iter().filter(|f| f.advanced)
    }
}

const SWITCH_ELEMENT_KINDS: &[&str] = &["bus", "line", "transformer", "transformer3w"];
const SWITCH_TYPES: &[&str] = &["CB", "LBS", "DS"];
const TAP_SIDES_2W: &[&str] = &["hv", "lv"];
const TAP_SIDES_3W: &[&str] = &["hv", "mv", "lv"];
const GENERATOR_TYPES: &[&str] = &["current_source", "async", "async_doubly_fed"];
/// `sc::circuit::Excitation::NAMES`: the λ curve series of IEC 60909-0 Figures 18 and 19.
const EXCITATIONS: &[&str] = &crate::sc::circuit::Excitation::NAMES;

const BUSES: &[FieldDef] = &[
    id(),
    text("name", "Name"),
    num("vn_kv", "Un", "kV").req(),
    in_service(),
    num("layout.x", "Diagram x", "").adv(),
    num("layout.y", "Diagram y", "").adv(),
];

const EXTERNAL_GRIDS: &[FieldDef] = &[
    id(),
    name(),
    bus("bus", "Bus"),
    num("s_sc_max_mva", "S″k max", "MVA").req(),
    num("s_sc_min_mva", "S″k min", "MVA"),
    num("rx_max", "R/X max", ""),
    num("rx_min", "R/X min", ""),
    in_service(),
    num("x0x_max", "X0/X max", "").adv(),
    num("r0x0_max", "R0/X0 max", "").adv(),
    num("x0x_min", "X0/X min", "").adv(),
    num("r0x0_min", "R0/X0 min", "").adv(),
];

const LINES: &[FieldDef] = &[
    id(),
    name(),
    bus("from_bus", "From bus"),
    bus("to_bus", "To bus"),
    num("length_km", "Length", "km").req(),
    num("r_ohm_per_km", "R′ (20 °C)", "Ω/km").req(),
    num("x_ohm_per_km", "X′", "Ω/km").req(),
    num("c_nf_per_km", "C′", "nF/km").def("0"),
    num("max_i_ka", "Imax", "kA"),
    in_service(),
    num("r0_ohm_per_km", "R0′", "Ω/km").adv(),
    num("x0_ohm_per_km", "X0′", "Ω/km").adv(),
    num("c0_nf_per_km", "C0′", "nF/km").adv(),
    num("parallel", "Parallel systems", "").def("1").adv(),
    num("endtemp_degree", "End temperature", "°C").adv(),
];

const TRANSFORMERS: &[FieldDef] = &[
    id(),
    name(),
    bus("hv_bus", "HV bus"),
    bus("lv_bus", "LV bus"),
    num("sn_mva", "Sr", "MVA").req(),
    num("vn_hv_kv", "Ur HV", "kV").req(),
    num("vn_lv_kv", "Ur LV", "kV").req(),
    num("vk_percent", "ukr", "%").req(),
    num("vkr_percent", "uRr", "%").req(),
    text("vector_group", "Vector group"),
    in_service(),
    num("vk0_percent", "uk0", "%").adv(),
    num("vkr0_percent", "uR0", "%").adv(),
    num("mag0_percent", "Zero-seq. magnetizing", "%")
        .def("100")
        .adv(),
    num("mag0_rx", "Magnetizing R/X", "").adv(),
    num("si0_hv_partial", "HV share of zero-seq. leakage", "").adv(),
    num("xn_ohm", "Neutral reactance", "Ω").adv(),
    choice("tap_side", "Tap side", TAP_SIDES_2W).adv(),
    num("tap_neutral", "Tap neutral", "").adv(),
    num("tap_pos", "Tap position", "").adv(),
    num("tap_min", "Tap min", "").adv(),
    num("tap_max", "Tap max", "").adv(),
    num("tap_step_percent", "Tap step", "%").adv(),
    flag("oltc", "On-load tap changer", "false").adv(),
    num("pt_percent", "Off-load tap range pT", "%").adv(),
    flag("power_station_unit", "Unit transformer (no KT)", "false").adv(),
    num("parallel", "Parallel units", "").def("1").adv(),
];

const TRANSFORMERS3W: &[FieldDef] = &[
    id(),
    name(),
    bus("hv_bus", "HV bus"),
    bus("mv_bus", "MV bus"),
    bus("lv_bus", "LV bus"),
    num("sn_hv_mva", "Sr HV", "MVA").req(),
    num("sn_mv_mva", "Sr MV", "MVA").req(),
    num("sn_lv_mva", "Sr LV", "MVA").req(),
    num("vn_hv_kv", "Ur HV", "kV").req(),
    num("vn_mv_kv", "Ur MV", "kV").req(),
    num("vn_lv_kv", "Ur LV", "kV").req(),
    num("vk_hv_percent", "ukr HV-MV", "%").req(),
    num("vk_mv_percent", "ukr MV-LV", "%").req(),
    num("vk_lv_percent", "ukr HV-LV", "%").req(),
    num("vkr_hv_percent", "uRr HV-MV", "%").req(),
    num("vkr_mv_percent", "uRr MV-LV", "%").req(),
    num("vkr_lv_percent", "uRr HV-LV", "%").req(),
    text("vector_group", "Vector group"),
    in_service(),
    num("vk0_hv_percent", "uk0 HV-MV", "%").adv(),
    num("vk0_mv_percent", "uk0 MV-LV", "%").adv(),
    num("vk0_lv_percent", "uk0 HV-LV", "%").adv(),
    num("vkr0_hv_percent", "uR0 HV-MV", "%").adv(),
    num("vkr0_mv_percent", "uR0 MV-LV", "%").adv(),
    num("vkr0_lv_percent", "uR0 HV-LV", "%").adv(),
    choice("tap_side", "Tap side", TAP_SIDES_3W).adv(),
    num("tap_neutral", "Tap neutral", "").adv(),
    num("tap_pos", "Tap position", "").adv(),
    num("tap_step_percent", "Tap step", "%").adv(),
];

const GENERATORS: &[FieldDef] = &[
    id(),
    name(),
    bus("bus", "Bus"),
    num("sn_mva", "SrG", "MVA").req(),
    num("vn_kv", "UrG", "kV").req(),
    num("xdss_pu", "x″d", "p.u.").req(),
    num("rdss_ohm", "RG", "Ω").req(),
    num("cos_phi", "cos φ", "").req(),
    num("pg_percent", "pG", "%").def("0"),
    text("power_station_trafo", "Unit transformer").refs("transformers"),
    in_service(),
    num("xdsat_pu", "xd sat (for Ik)", "p.u.").adv(),
    choice("excitation", "Excitation Ufmax/UfR (for Ik)", EXCITATIONS).adv(),
];

const MOTORS: &[FieldDef] = &[
    id(),
    name(),
    bus("bus", "Bus"),
    num("pn_mech_mw", "Pr mech.", "MW").req(),
    num("cos_phi", "cos φ", "").req(),
    num("efficiency_percent", "Efficiency", "%").req(),
    num("lrc_pu", "ILR/IrM", "p.u.").req(),
    num("rx", "RM/XM", "").req(),
    num("vn_kv", "UrM", "kV").req(),
    FieldDef::new("pole_pairs", "Pole pairs", "", FieldType::Integer),
    in_service(),
];

const STATIC_GENERATORS: &[FieldDef] = &[
    id(),
    name(),
    bus("bus", "Bus"),
    choice("generator_type", "Type", GENERATOR_TYPES).def("current_source"),
    num("sn_mva", "Sr", "MVA"),
    num("k", "k (Isc/Ir)", ""),
    in_service(),
    num("lrc_pu", "ILR/Ir (async)", "p.u.").adv(),
    num("rx", "R/X (async)", "").adv(),
    num("max_ik_ka", "ik max (doubly fed)", "kA").adv(),
    num("kappa", "κ (doubly fed)", "").adv(),
];

const IMPEDANCES: &[FieldDef] = &[
    id(),
    name(),
    bus("from_bus", "From bus"),
    bus("to_bus", "To bus"),
    num("sn_mva", "Sref", "MVA").req(),
    num("rft_pu", "R", "p.u.").req(),
    num("xft_pu", "X", "p.u.").req(),
    in_service(),
    num("rtf_pu", "R to→from", "p.u.").adv(),
    num("xtf_pu", "X to→from", "p.u.").adv(),
    num("gf_pu", "G from end", "p.u.").def("0").adv(),
    num("bf_pu", "B from end", "p.u.").def("0").adv(),
    num("gt_pu", "G to end", "p.u.").adv(),
    num("bt_pu", "B to end", "p.u.").adv(),
    num("rft0_pu", "R0", "p.u.").adv(),
    num("xft0_pu", "X0", "p.u.").adv(),
    num("rtf0_pu", "R0 to→from", "p.u.").adv(),
    num("xtf0_pu", "X0 to→from", "p.u.").adv(),
    num("gf0_pu", "G0 from end", "p.u.").def("0").adv(),
    num("bf0_pu", "B0 from end", "p.u.").def("0").adv(),
    num("gt0_pu", "G0 to end", "p.u.").adv(),
    num("bt0_pu", "B0 to end", "p.u.").adv(),
];

const STORAGES: &[FieldDef] = &[
    id(),
    name(),
    bus("bus", "Bus"),
    num("p_mw", "P", "MW").def("0"),
    num("q_mvar", "Q", "Mvar").def("0"),
    num("sn_mva", "Sr", "MVA"),
    num("max_e_mwh", "Capacity", "MWh"),
    in_service(),
];

const SHUNTS: &[FieldDef] = &[
    id(),
    name(),
    bus("bus", "Bus"),
    num("p_mw", "P per step", "MW").def("0"),
    num("q_mvar", "Q per step", "Mvar").def("0"),
    num("vn_kv", "Ur", "kV"),
    FieldDef::new("step", "Steps in service", "", FieldType::Integer).def("1"),
    FieldDef::new("max_step", "Steps", "", FieldType::Integer),
    in_service(),
];

const WARDS: &[FieldDef] = &[
    id(),
    name(),
    bus("bus", "Bus"),
    num("pz_mw", "Pz at Un", "MW").req(),
    num("qz_mvar", "Qz at Un", "Mvar").req(),
    num("ps_mw", "Ps", "MW").def("0"),
    num("qs_mvar", "Qs", "Mvar").def("0"),
    in_service(),
];

const XWARDS: &[FieldDef] = &[
    id(),
    name(),
    bus("bus", "Bus"),
    num("pz_mw", "Pz at Un", "MW").req(),
    num("qz_mvar", "Qz at Un", "Mvar").req(),
    num("ps_mw", "Ps", "MW").def("0"),
    num("qs_mvar", "Qs", "Mvar").def("0"),
    num("r_ohm", "R internal", "Ω").req(),
    num("x_ohm", "X internal", "Ω").req(),
    num("vm_pu", "U internal", "p.u.").def("1"),
    in_service(),
];

const LOADS: &[FieldDef] = &[
    id(),
    name(),
    bus("bus", "Bus"),
    num("p_mw", "P", "MW").def("0"),
    num("q_mvar", "Q", "Mvar").def("0"),
    in_service(),
];

const SWITCHES: &[FieldDef] = &[
    id(),
    name(),
    bus("bus", "Bus"),
    choice("element_kind", "Element kind", SWITCH_ELEMENT_KINDS).req(),
    text("element", "Element").req(),
    flag("closed", "Closed", "true"),
    choice("type", "Type", SWITCH_TYPES),
    num("rated_ib_ka", "Ib rated", "kA"),
    num("rated_ip_ka", "ip rated", "kA"),
    num("z_ohm", "Impedance (bus-bus)", "Ω").def("0").adv(),
    in_service(),
];

/// Every element kind, in the document's order.
pub static KINDS: [KindDef; 15] = [
    KindDef {
        key: "buses",
        title: "Buses",
        singular: "bus",
        fields: BUSES,
    },
    KindDef {
        key: "external_grids",
        title: "External grids",
        singular: "external grid",
        fields: EXTERNAL_GRIDS,
    },
    KindDef {
        key: "lines",
        title: "Lines and cables",
        singular: "line",
        fields: LINES,
    },
    KindDef {
        key: "transformers",
        title: "Transformers",
        singular: "transformer",
        fields: TRANSFORMERS,
    },
    KindDef {
        key: "transformers3w",
        title: "Three-winding transformers",
        singular: "three-winding transformer",
        fields: TRANSFORMERS3W,
    },
    KindDef {
        key: "impedances",
        title: "Series impedances",
        singular: "series impedance",
        fields: IMPEDANCES,
    },
    KindDef {
        key: "generators",
        title: "Generators",
        singular: "generator",
        fields: GENERATORS,
    },
    KindDef {
        key: "motors",
        title: "Motors",
        singular: "motor",
        fields: MOTORS,
    },
    KindDef {
        key: "static_generators",
        title: "Static generators",
        singular: "static generator",
        fields: STATIC_GENERATORS,
    },
    KindDef {
        key: "storages",
        title: "Storage units",
        singular: "storage unit",
        fields: STORAGES,
    },
    KindDef {
        key: "loads",
        title: "Loads",
        singular: "load",
        fields: LOADS,
    },
    KindDef {
        key: "shunts",
        title: "Shunts",
        singular: "shunt",
        fields: SHUNTS,
    },
    KindDef {
        key: "wards",
        title: "Ward equivalents",
        singular: "ward equivalent",
        fields: WARDS,
    },
    KindDef {
        key: "xwards",
        title: "Extended ward equivalents",
        singular: "extended ward equivalent",
        fields: XWARDS,
    },
    KindDef {
        key: "switches",
        title: "Switches",
        singular: "switch",
        fields: SWITCHES,
    },
];

/// The schema's `$defs` entry of a kind.
fn schema_def(key: &str) -> &'static str {
    match key {
        "buses" => "bus",
        "external_grids" => "external_grid",
        "lines" => "line",
        "transformers" => "transformer",
        "transformers3w" => "transformer3w",
        "generators" => "generator",
        "motors" => "motor",
        "static_generators" => "static_generator",
        "impedances" => "impedance",
        "storages" => "storage",
        "shunts" => "shunt",
        "wards" => "ward",
        "xwards" => "xward",
        "loads" => "load",
        _ => "switch",
    }
}

/// The JSON Schema's description of a field (`docs/circuit.schema.json`), for hints.
pub fn description(kind_key: &str, field: &str) -> Option<&'static str> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    static DESCRIPTIONS: OnceLock<HashMap<(String, String), String>> = OnceLock::new();
    let map = DESCRIPTIONS.get_or_init(|| {
        let mut map = HashMap::new();
        let Ok(schema) = serde_json::from_str::<serde_json::Value>(include_str!(
            "../../docs/circuit.schema.json"
        )) else {
            return map;
        };
        for k in &KINDS {
            let props = &schema["$defs"][schema_def(k.key)]["properties"];
            if let Some(props) = props.as_object() {
                for (name, p) in props {
                    if let Some(d) = p["description"].as_str() {
                        map.insert((k.key.to_string(), name.clone()), d.to_string());
                    }
                }
            }
        }
        map
    });
    map.get(&(kind_key.to_string(), field.to_string()))
        .map(String::as_str)
}

/// The kind with this key (`lines` ...), if any.
pub fn kind(key: &str) -> Option<&'static KindDef> {
    KINDS.iter().find(|k| k.key == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    /// A plausible value for every field type.
    fn sample(f: &FieldDef) -> Value {
        match f.ty {
            FieldType::Number => json!(1.5),
            FieldType::Integer => json!(2),
            FieldType::Text => json!("X"),
            FieldType::Bool => json!(true),
            FieldType::Choice(options) => json!(options[0]),
        }
    }

    fn element(k: &KindDef, skip: Option<&str>) -> Value {
        let mut obj = Map::new();
        for f in k.fields {
            if Some(f.name) == skip {
                continue;
            }
            if let Some((outer, inner)) = f.name.split_once('.') {
                obj.entry(outer.to_string())
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
                    .unwrap()
                    .insert(inner.to_string(), sample(f));
            } else {
                obj.insert(f.name.to_string(), sample(f));
            }
        }
        Value::Object(obj)
    }

    fn circuit_with(k: &KindDef, el: Value) -> Value {
        let mut c = json!({"format": "ampflux-circuit", "version": 1, "buses": []});
        c[k.key] = json!([el]);
        c
    }

    #[test]
    fn every_field_is_part_of_the_format() {
        for k in &KINDS {
            let c = circuit_with(k, element(k, None));
            if let Err(e) = serde_json::from_value::<crate::sc::Circuit>(c) {
                panic!("{}: {e}", k.key);
            }
        }
    }

    #[test]
    fn required_fields_are_required_by_the_format() {
        for k in &KINDS {
            for f in k.fields.iter().filter(|f| f.required) {
                let c = circuit_with(k, element(k, Some(f.name)));
                assert!(
                    serde_json::from_value::<crate::sc::Circuit>(c).is_err(),
                    "{}.{} is marked required but the format accepts it missing",
                    k.key,
                    f.name
                );
            }
            for f in k.fields.iter().filter(|f| !f.required) {
                let c = circuit_with(k, element(k, Some(f.name)));
                if f.name.starts_with("layout.") {
                    continue;
                }
                assert!(
                    serde_json::from_value::<crate::sc::Circuit>(c).is_ok(),
                    "{}.{} is optional but the format requires it",
                    k.key,
                    f.name
                );
            }
        }
    }

    #[test]
    fn fields_match_the_json_schema() {
        let schema: Value =
            serde_json::from_str(include_str!("../../docs/circuit.schema.json")).unwrap();
        for k in &KINDS {
            let def = &schema["$defs"][schema_def(k.key)];
            let props = def["properties"].as_object().unwrap();
            let required: Vec<&str> = def["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            for key in props.keys() {
                let known = k.fields.iter().any(|f| {
                    f.name == key || f.name.split_once('.').is_some_and(|(o, _)| o == key)
                });
                assert!(
                    known,
                    "{}.{key} is in the schema but has no field definition",
                    k.key
                );
            }
            for f in k.fields {
                let outer = f.name.split_once('.').map_or(f.name, |(o, _)| o);
                assert!(
                    props.contains_key(outer),
                    "{}.{} is not in the schema",
                    k.key,
                    f.name
                );
                assert_eq!(
                    f.required,
                    required.contains(&f.name),
                    "{}.{}: required differs from the schema",
                    k.key,
                    f.name
                );
            }
        }
        assert!(description("lines", "length_km").is_some_and(|d| d.contains("km")));
    }
}
