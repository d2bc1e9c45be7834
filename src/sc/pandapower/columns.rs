//! Compact column storage for one DataFrame: each column typed by what it holds (floats,
//! integers, booleans, strings in one text arena, or a mix), so that a 500,000-row table takes
//! a few bytes per cell instead of a JSON value per cell.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A present cell (nulls and non-finite numbers are missing, as if absent).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Cell<'a> {
    Bool(bool),
    Int(i64),
    /// An integer above `i64::MAX`.
    Big(u64),
    Float(f64),
    Text(&'a str),
    /// A JSON array or object (nothing in the conversion reads its content).
    Nested,
}

impl Cell<'_> {
    /// The number as serde_json's `Value::as_f64` gives it (booleans are not numbers here).
    pub(super) fn number(&self) -> Option<f64> {
        match *self {
            Cell::Int(i) => Some(i as f64),
            Cell::Big(u) => Some(u as f64),
            Cell::Float(f) => Some(f),
            _ => None,
        }
    }
    /// A number written as JSON writes it (`1`, `1.0`, `2e-5`).
    pub(super) fn number_text(&self) -> Option<String> {
        match *self {
            Cell::Int(i) => Some(i.to_string()),
            Cell::Big(u) => Some(u.to_string()),
            Cell::Float(f) => serde_json::Number::from_f64(f).map(|n| n.to_string()),
            _ => None,
        }
    }
}

/// A cell as stored in a mixed column.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Stored {
    Missing,
    Bool(bool),
    Int(i64),
    Big(u64),
    Float(f64),
    /// Start and length in the frame's text arena.
    Text(u32, u32),
    Nested,
}

/// Start of a missing entry in a text column.
const NO_TEXT: (u32, u32) = (u32::MAX, 0);

#[derive(Debug, Clone, PartialEq)]
enum Data {
    /// Only missing values so far.
    Missing,
    /// Floats; NaN marks a missing value (JSON numbers are always finite).
    Float(Vec<f64>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
    Text(Vec<(u32, u32)>),
    Mixed(Vec<Stored>),
}

/// One column while rows are added; missing values are padded in on demand.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Column {
    len: usize,
    data: Data,
    /// The last text stored (repeated strings such as types share one copy).
    last_text: Option<(u32, u32)>,
}

impl Default for Column {
    fn default() -> Self {
        Column::missing(0)
    }
}

impl Column {
    /// A column whose first `len` entries are missing.
    pub(super) fn missing(len: usize) -> Self {
        Column {
            len,
            data: Data::Missing,
            last_text: None,
        }
    }

    /// Pads with missing values up to `len` entries.
    pub(super) fn pad(&mut self, len: usize) {
        while self.len < len {
            self.push(Stored::Missing);
        }
    }

    /// Stores a string in `arena` (or reuses the previous one when equal) and appends it.
    pub(super) fn push_text(&mut self, arena: &mut String, s: &str) -> Result<(), TooLarge> {
        if let Some((start, len)) = self.last_text
            && arena.get(start as usize..(start + len) as usize) == Some(s)
        {
            self.push(Stored::Text(start, len));
            return Ok(());
        }
        let start = u32::try_from(arena.len()).map_err(|_| TooLarge)?;
        let len = u32::try_from(s.len()).map_err(|_| TooLarge)?;
        if start.checked_add(len).is_none_or(|end| end == u32::MAX) {
            return Err(TooLarge);
        }
        arena.push_str(s);
        self.last_text = Some((start, len));
        self.push(Stored::Text(start, len));
        Ok(())
    }

    /// Appends one entry, widening the column type when the value does not fit it.
    pub(super) fn push(&mut self, v: Stored) {
        let fits = match (&mut self.data, v) {
            (Data::Missing, Stored::Missing) => true,
            (Data::Float(f), Stored::Float(x)) => {
                f.push(x);
                true
            }
            (Data::Float(f), Stored::Missing) => {
                f.push(f64::NAN);
                true
            }
            (Data::Int(i), Stored::Int(x)) => {
                i.push(x);
                true
            }
            (Data::Bool(b), Stored::Bool(x)) => {
                b.push(x);
                true
            }
            (Data::Text(t), Stored::Text(s, l)) => {
                t.push((s, l));
                true
            }
            (Data::Text(t), Stored::Missing) => {
                t.push(NO_TEXT);
                true
            }
            (Data::Mixed(m), v) => {
                m.push(v);
                true
            }
            _ => false,
        };
        if !fits {
            self.data = match (&self.data, v) {
                (Data::Missing, Stored::Float(x)) => {
                    let mut f = vec![f64::NAN; self.len];
                    f.push(x);
                    Data::Float(f)
                }
                (Data::Missing, Stored::Text(s, l)) => {
                    let mut t = vec![NO_TEXT; self.len];
                    t.push((s, l));
                    Data::Text(t)
                }
                (Data::Missing, Stored::Int(x)) if self.len == 0 => Data::Int(vec![x]),
                (Data::Missing, Stored::Bool(x)) if self.len == 0 => Data::Bool(vec![x]),
                _ => {
                    let mut m: Vec<Stored> = (0..self.len).map(|i| self.stored(i)).collect();
                    m.push(v);
                    Data::Mixed(m)
                }
            };
        }
        self.len += 1;
    }

    fn stored(&self, i: usize) -> Stored {
        match &self.data {
            Data::Missing => Stored::Missing,
            Data::Float(f) => match f.get(i) {
                Some(x) if !x.is_nan() => Stored::Float(*x),
                _ => Stored::Missing,
            },
            Data::Int(v) => v.get(i).map_or(Stored::Missing, |x| Stored::Int(*x)),
            Data::Bool(v) => v.get(i).map_or(Stored::Missing, |x| Stored::Bool(*x)),
            Data::Text(v) => match v.get(i) {
                Some(&(s, l)) if s != NO_TEXT.0 => Stored::Text(s, l),
                _ => Stored::Missing,
            },
            Data::Mixed(v) => v.get(i).copied().unwrap_or(Stored::Missing),
        }
    }

    /// The present value of row `i`, with strings read from `arena`.
    pub(super) fn get<'a>(&self, i: usize, arena: &'a str) -> Option<Cell<'a>> {
        Some(match self.stored(i) {
            Stored::Missing => return None,
            Stored::Bool(b) => Cell::Bool(b),
            Stored::Int(x) => Cell::Int(x),
            Stored::Big(x) => Cell::Big(x),
            Stored::Float(x) => Cell::Float(x),
            Stored::Text(s, l) => Cell::Text(arena.get(s as usize..(s + l) as usize)?),
            Stored::Nested => Cell::Nested,
        })
    }

    /// Releases spare capacity once the column is complete.
    pub(super) fn shrink(&mut self) {
        match &mut self.data {
            Data::Missing => {}
            Data::Float(v) => v.shrink_to_fit(),
            Data::Int(v) => v.shrink_to_fit(),
            Data::Bool(v) => v.shrink_to_fit(),
            Data::Text(v) => v.shrink_to_fit(),
            Data::Mixed(v) => v.shrink_to_fit(),
        }
    }
}

/// The text of one DataFrame is over 4 GiB (string positions are 32-bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TooLarge;

/// FNV-1a: column names are short and looked up once per cell read.
#[derive(Default)]
pub(super) struct NameHasher(u64);

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(super) type NameMap<V> = HashMap<String, V, BuildHasherDefault<NameHasher>>;

/// A whole DataFrame (orient "split").
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Frame {
    /// Column name to its positions (several when a name is repeated), ascending.
    positions: NameMap<Vec<usize>>,
    /// Distinct column names in order of first appearance.
    names: Vec<String>,
    columns: Vec<Column>,
    index: Column,
    arena: String,
    rows: usize,
}

impl Frame {
    /// Assembles a frame; data columns without a name are dropped.
    pub(super) fn new(
        names: Vec<String>,
        mut columns: Vec<Column>,
        mut index: Column,
        mut arena: String,
        rows: usize,
    ) -> Self {
        columns.truncate(names.len());
        for c in &mut columns {
            c.pad(rows);
            c.shrink();
        }
        index.shrink();
        arena.shrink_to_fit();
        let mut positions: NameMap<Vec<usize>> = NameMap::default();
        let mut distinct = Vec::new();
        for (i, n) in names.into_iter().enumerate() {
            match positions.get_mut(&n) {
                Some(p) => p.push(i),
                None => {
                    positions.insert(n.clone(), vec![i]);
                    distinct.push(n);
                }
            }
        }
        Frame {
            positions,
            names: distinct,
            columns,
            index,
            arena,
            rows,
        }
    }

    pub(super) fn rows(&self) -> usize {
        self.rows
    }

    /// Distinct column names.
    pub(super) fn names(&self) -> &[String] {
        &self.names
    }

    /// The value of column `name` in row `row`: the last present one when the name repeats.
    pub(super) fn cell(&self, row: usize, name: &str) -> Option<Cell<'_>> {
        self.positions
            .get(name)?
            .iter()
            .rev()
            .find_map(|&c| self.columns.get(c)?.get(row, &self.arena))
    }

    /// The index label of a row as text (the row number when the index is short).
    pub(super) fn label(&self, row: usize) -> String {
        match self.index.get(row, &self.arena) {
            Some(Cell::Text(s)) => s.to_string(),
            Some(Cell::Bool(b)) => b.to_string(),
            Some(other) => other.number_text().unwrap_or_else(|| row.to_string()),
            None => row.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_widen_and_keep_every_value() {
        let mut arena = String::new();
        let mut c = Column::missing(2);
        c.push(Stored::Float(1.5));
        c.push(Stored::Missing);
        c.push(Stored::Int(3));
        c.push_text(&mut arena, "b").unwrap();
        c.push_text(&mut arena, "b").unwrap();
        c.push(Stored::Big(u64::MAX));
        c.push(Stored::Nested);
        let got: Vec<_> = (0..9).map(|i| c.get(i, &arena)).collect();
        assert_eq!(
            got,
            vec![
                None,
                None,
                Some(Cell::Float(1.5)),
                None,
                Some(Cell::Int(3)),
                Some(Cell::Text("b")),
                Some(Cell::Text("b")),
                Some(Cell::Big(u64::MAX)),
                Some(Cell::Nested),
            ]
        );
        assert_eq!(arena, "b", "a repeated string is stored once");

        let mut ints = Column::missing(0);
        ints.push(Stored::Int(1));
        ints.push(Stored::Missing);
        ints.push(Stored::Bool(true));
        assert_eq!(ints.get(0, ""), Some(Cell::Int(1)));
        assert_eq!(ints.get(1, ""), None);
        assert_eq!(ints.get(2, ""), Some(Cell::Bool(true)));
        assert_eq!(ints.get(3, ""), None);
    }

    #[test]
    fn repeated_names_read_the_last_present_value() {
        let mut a = Column::missing(0);
        a.push(Stored::Int(1));
        a.push(Stored::Int(2));
        let mut b = Column::missing(0);
        b.push(Stored::Missing);
        b.push(Stored::Int(20));
        let f = Frame::new(
            vec!["x".into(), "x".into()],
            vec![a, b],
            Column::missing(0),
            String::new(),
            2,
        );
        assert_eq!(f.cell(0, "x"), Some(Cell::Int(1)));
        assert_eq!(f.cell(1, "x"), Some(Cell::Int(20)));
        assert_eq!(f.names(), ["x".to_string()]);
        assert_eq!(f.label(1), "1");
    }

    #[test]
    fn numbers_are_written_as_json_writes_them() {
        assert_eq!(Cell::Float(1.0).number_text().as_deref(), Some("1.0"));
        assert_eq!(Cell::Int(-4).number_text().as_deref(), Some("-4"));
        assert_eq!(Cell::Bool(true).number(), None);
    }
}
