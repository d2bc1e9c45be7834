//! Reading pandapower DataFrames (orient "split") into rows, and the warnings about columns
//! the conversion does not use.

use super::ImportError;
use super::non_finite::non_finite_as_null;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

/// One DataFrame row: column name to value (nulls and NaN removed).
pub(super) struct Row {
    pub(super) index: String,
    pub(super) cells: HashMap<String, Value>,
}

impl Row {
    pub(super) fn f(&self, col: &str) -> Option<f64> {
        match self.cells.get(col)? {
            Value::Number(n) => n.as_f64(),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        }
    }
    pub(super) fn b(&self, col: &str) -> Option<bool> {
        match self.cells.get(col)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_f64().map(|v| v != 0.0),
            _ => None,
        }
    }
    pub(super) fn s(&self, col: &str) -> Option<String> {
        match self.cells.get(col)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    /// A reference to another element's index, written as an integer (or float) index.
    pub(super) fn idx(&self, col: &str) -> Option<String> {
        match self.cells.get(col)? {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Some(i.to_string()),
                None => n
                    .as_f64()
                    .filter(|f| f.fract() == 0.0)
                    .map(|f| (f as i64).to_string()),
            },
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }
}

pub(super) struct Importer<'a> {
    pub(super) net: &'a Map<String, Value>,
    pub(super) warnings: Vec<String>,
}

impl Importer<'_> {
    pub(super) fn table(&self, name: &str) -> Result<Vec<Row>, ImportError> {
        let Some(t) = self.net.get(name) else {
            return Ok(Vec::new());
        };
        let terr = |m: &str| ImportError::Table {
            table: name.into(),
            message: m.into(),
        };
        let obj = t.get("_object").ok_or_else(|| terr("not a DataFrame"))?;
        let parsed: Value;
        let frame = match obj {
            Value::String(s) => {
                parsed = serde_json::from_str(&non_finite_as_null(s))
                    .map_err(|e| terr(&format!("invalid DataFrame JSON: {e}")))?;
                &parsed
            }
            other => other,
        };
        if let Some(orient) = t.get("orient").and_then(Value::as_str) {
            if orient != "split" {
                return Err(terr(&format!(
                    "orient \"{orient}\" is not supported (expected \"split\")"
                )));
            }
        }
        let columns: Vec<String> = frame
            .get("columns")
            .and_then(Value::as_array)
            .ok_or_else(|| terr("no columns"))?
            .iter()
            .map(|c| {
                c.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| c.to_string())
            })
            .collect();
        let index = frame
            .get("index")
            .and_then(Value::as_array)
            .ok_or_else(|| terr("no index"))?;
        let data = frame
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| terr("no data"))?;
        let mut rows = Vec::with_capacity(data.len());
        for (i, row) in data.iter().enumerate() {
            let cells = row
                .as_array()
                .ok_or_else(|| terr("a row is not an array"))?;
            let idx = index.get(i).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            let mut map = HashMap::new();
            for (c, v) in columns.iter().zip(cells) {
                let keep = match v {
                    Value::Null => false,
                    Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
                    _ => true,
                };
                if keep {
                    map.insert(c.clone(), v.clone());
                }
            }
            rows.push(Row {
                index: idx.unwrap_or_else(|| i.to_string()),
                cells: map,
            });
        }
        Ok(rows)
    }

    /// Warns about columns with values that the conversion does not use.
    pub(super) fn ignored(&mut self, table: &str, rows: &[Row], used: &[&str], pf_only: &[&str]) {
        let mut unknown = BTreeSet::new();
        let mut pf = BTreeSet::new();
        for r in rows {
            for (c, v) in &r.cells {
                if used.contains(&c.as_str())
                    || matches!(
                        c.as_str(),
                        "name" | "in_service" | "geo" | "zone" | "std_type"
                    )
                {
                    continue;
                }
                let meaningful = !matches!(v, Value::Bool(false)) && v.as_f64() != Some(0.0);
                if pf_only.contains(&c.as_str()) {
                    pf.insert(c.clone());
                } else if meaningful {
                    unknown.insert(c.clone());
                }
            }
        }
        if !pf.is_empty() {
            let list: Vec<String> = pf.into_iter().collect();
            self.warnings.push(format!(
                "{table}: power-flow parameters not used by IEC 60909 ignored: {}",
                list.join(", ")
            ));
        }
        for c in unknown {
            self.warnings
                .push(format!("{table}.{c}: unsupported parameter ignored"));
        }
    }

    pub(super) fn need(&self, table: &str, r: &Row, col: &str) -> Result<f64, ImportError> {
        r.f(col).ok_or_else(|| ImportError::Table {
            table: table.into(),
            message: format!("row {}: {col} is missing", r.index),
        })
    }
    pub(super) fn need_idx(&self, table: &str, r: &Row, col: &str) -> Result<String, ImportError> {
        r.idx(col).ok_or_else(|| ImportError::Table {
            table: table.into(),
            message: format!("row {}: {col} is missing", r.index),
        })
    }
}
