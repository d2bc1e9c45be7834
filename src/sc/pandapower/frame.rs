//! Rows of pandapower DataFrames (read by [`super::reader`] into compact columns), and the
//! warnings about columns the conversion does not use.

use super::ImportError;
use super::columns::{Cell, Frame};
use super::reader::{Member, Net};
use std::collections::BTreeSet;
use std::rc::Rc;

/// One DataFrame row: its index label and its cells by column name (nulls and NaN are
/// missing). A view into the table's columns, which live as long as one of its rows.
pub(super) struct Row {
    pub(super) index: String,
    frame: Rc<Frame>,
    at: usize,
}

impl Row {
    fn cell(&self, col: &str) -> Option<Cell<'_>> {
        self.frame.cell(self.at, col)
    }
    pub(super) fn f(&self, col: &str) -> Option<f64> {
        match self.cell(col)? {
            Cell::Bool(b) => Some(if b { 1.0 } else { 0.0 }),
            other => other.number(),
        }
    }
    pub(super) fn b(&self, col: &str) -> Option<bool> {
        match self.cell(col)? {
            Cell::Bool(b) => Some(b),
            other => other.number().map(|v| v != 0.0),
        }
    }
    pub(super) fn s(&self, col: &str) -> Option<String> {
        match self.cell(col)? {
            Cell::Text(s) => Some(s.to_string()),
            other => other.number_text(),
        }
    }
    /// A reference to another element's index, written as an integer (or float) index.
    pub(super) fn idx(&self, col: &str) -> Option<String> {
        match self.cell(col)? {
            Cell::Int(i) => Some(i.to_string()),
            Cell::Text(s) => Some(s.to_string()),
            other => other
                .number()
                .filter(|f| f.fract() == 0.0)
                .map(|f| (f as i64).to_string()),
        }
    }
}

pub(super) struct Importer {
    /// The network's members (DataFrames already read into columns).
    pub(super) net: Net,
    pub(super) warnings: Vec<String>,
}

impl Importer {
    /// The rows of a table (none when the network has no such member).
    pub(super) fn table(&self, name: &str) -> Result<Vec<Row>, ImportError> {
        let terr = |m: &str| ImportError::Table {
            table: name.into(),
            message: m.into(),
        };
        let frame = match self.net.get(name) {
            None => return Ok(Vec::new()),
            Some(Member::Object { frame, .. }) => frame.as_ref().map_err(|m| terr(m))?,
            Some(_) => return Err(terr("not a DataFrame")),
        };
        Ok((0..frame.rows())
            .map(|at| Row {
                index: frame.label(at),
                frame: Rc::clone(frame),
                at,
            })
            .collect())
    }

    /// Warns about columns with values that the conversion does not use.
    pub(super) fn ignored(&mut self, table: &str, rows: &[Row], used: &[&str], pf_only: &[&str]) {
        let mut unknown = BTreeSet::new();
        let mut pf = BTreeSet::new();
        // Columns to look at, worked out once per frame (all rows of a table share one).
        let mut checked: Option<(*const Frame, Vec<&str>)> = None;
        for r in rows {
            let frame: &Frame = &r.frame;
            if checked
                .as_ref()
                .is_none_or(|(p, _)| !std::ptr::eq(*p, frame))
            {
                let names = frame
                    .names()
                    .iter()
                    .map(String::as_str)
                    .filter(|c| {
                        !used.contains(c)
                            && !matches!(*c, "name" | "in_service" | "geo" | "zone" | "std_type")
                    })
                    .collect();
                checked = Some((frame, names));
            }
            let Some((_, names)) = &checked else {
                continue;
            };
            for &c in names {
                let Some(v) = r.cell(c) else {
                    continue;
                };
                let meaningful = v != Cell::Bool(false) && v.number() != Some(0.0);
                if pf_only.contains(&c) {
                    pf.insert(c.to_string());
                } else if meaningful {
                    unknown.insert(c.to_string());
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
