//! Where one element names another (a line its buses, a switch its line ...): renaming
//! follows them, and the editor counts them.

use serde_json::Value;

use crate::circuit_edit::fields::KINDS;

/// A place where one element names another: `(kind holding the reference, field, the
/// switch element_kind it applies to)`.
struct RefSite {
    holder: &'static str,
    field: &'static str,
    when_element_kind: Option<&'static str>,
}

const fn site(holder: &'static str, field: &'static str) -> RefSite {
    RefSite {
        holder,
        field,
        when_element_kind: None,
    }
}
const fn switch_site(element_kind: &'static str) -> RefSite {
    RefSite {
        holder: "switches",
        field: "element",
        when_element_kind: Some(element_kind),
    }
}

/// Where each kind is referenced from.
fn reference_sites(kind_key: &str) -> &'static [RefSite] {
    const BUS: &[RefSite] = &[
        site("external_grids", "bus"),
        site("lines", "from_bus"),
        site("lines", "to_bus"),
        site("transformers", "hv_bus"),
        site("transformers", "lv_bus"),
        site("transformers3w", "hv_bus"),
        site("transformers3w", "mv_bus"),
        site("transformers3w", "lv_bus"),
        site("generators", "bus"),
        site("motors", "bus"),
        site("impedances", "from_bus"),
        site("impedances", "to_bus"),
        site("static_generators", "bus"),
        site("storages", "bus"),
        site("loads", "bus"),
        site("shunts", "bus"),
        site("wards", "bus"),
        site("xwards", "bus"),
        site("switches", "bus"),
        switch_site("bus"),
    ];
    const LINE: &[RefSite] = &[switch_site("line")];
    const TRAFO: &[RefSite] = &[
        switch_site("transformer"),
        site("generators", "power_station_trafo"),
    ];
    const TRAFO3W: &[RefSite] = &[switch_site("transformer3w")];
    match kind_key {
        "buses" => BUS,
        "lines" => LINE,
        "transformers" => TRAFO,
        "transformers3w" => TRAFO3W,
        _ => &[],
    }
}

fn site_matches(site: &RefSite, element: &Value, id: &str) -> bool {
    let applies = site
        .when_element_kind
        .is_none_or(|k| element.get("element_kind").and_then(Value::as_str) == Some(k));
    applies && element.get(site.field).and_then(Value::as_str) == Some(id)
}

/// Points every reference to `old` (an element of `kind_key`) at `new`; returns how many.
pub fn rename_references(circuit: &mut Value, kind_key: &str, old: &str, new: &str) -> usize {
    let mut count = 0;
    for site in reference_sites(kind_key) {
        let Some(list) = circuit.get_mut(site.holder).and_then(Value::as_array_mut) else {
            continue;
        };
        for element in list {
            if site_matches(site, element, old) {
                element[site.field] = Value::String(new.to_string());
                count += 1;
            }
        }
    }
    count
}

/// How many fields of other elements name this element.
pub fn count_references(circuit: &Value, kind_key: &str, id: &str) -> usize {
    reference_sites(kind_key)
        .iter()
        .map(|site| {
            circuit
                .get(site.holder)
                .and_then(Value::as_array)
                .map_or(0, |list| {
                    list.iter().filter(|e| site_matches(site, e, id)).count()
                })
        })
        .sum()
}

/// How many fields name each element, for every element at once (`(kind key, id)` →
/// count; elements nobody names are absent). Linear in the document size.
pub fn reference_counts(
    circuit: &Value,
) -> std::collections::HashMap<(&'static str, String), usize> {
    let mut out = std::collections::HashMap::new();
    for kind_key in ["buses", "lines", "transformers", "transformers3w"] {
        let key = KINDS
            .iter()
            .find(|k| k.key == kind_key)
            .map_or("", |k| k.key);
        for site in reference_sites(kind_key) {
            let Some(list) = circuit.get(site.holder).and_then(Value::as_array) else {
                continue;
            };
            for element in list {
                let applies = site
                    .when_element_kind
                    .is_none_or(|k| element.get("element_kind").and_then(Value::as_str) == Some(k));
                if let (true, Some(id)) = (applies, element.get(site.field).and_then(Value::as_str))
                {
                    *out.entry((key, id.to_string())).or_insert(0) += 1;
                }
            }
        }
    }
    out
}
