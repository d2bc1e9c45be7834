//! One streaming pass over a pandapower `to_json` document: the network's members are
//! deserialized with serde visitors, each DataFrame's JSON text (the `_object` string) is parsed
//! as it is met straight into compact columns ([`Frame`]), and everything the conversion does
//! not read (results, standard types, other objects) is skipped without building values.
//!
//! The same pass tells the input formats apart (`format`, `_class`, `bus`), so a circuit
//! document is only skimmed here.

use super::columns::{Column, Frame, Stored, TooLarge};
use super::non_finite::{has_non_finite, non_finite_as_null};
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// Visitor methods for the JSON scalars a seed does not expect: they give `$value`.
macro_rules! other_scalars {
    ($value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

/// The top level of a JSON input, as far as format detection and the import need it.
#[derive(Debug, Default)]
pub struct Document {
    /// A non-null top-level `format` (an AmpFlux circuit).
    pub(super) format: bool,
    /// The top-level `_class`, when a string.
    pub(super) class: Option<String>,
    /// Top-level members (the network itself when it is not wrapped in `_object`).
    pub(super) members: Net,
    /// The top-level `_object` when it is an object (pandapower's wrapped network).
    pub(super) object: Option<Net>,
}

impl Document {
    /// A non-null top-level `bus` (a bare pandapower network).
    pub(super) fn has_bus(&self) -> bool {
        self.members
            .get("bus")
            .is_some_and(|m| !matches!(m, Member::Null))
    }
}

/// Members of a network object, by name (sorted, as serde_json's map keeps them).
pub(super) type Net = BTreeMap<String, Member>;

/// One member of the network object.
#[derive(Debug)]
pub(super) enum Member {
    Null,
    Text(String),
    Number(f64),
    /// An object: `_class` and, when it has an `_object`, the DataFrame read from it.
    Object {
        class: Option<String>,
        frame: Result<Rc<Frame>, String>,
    },
    /// Anything else, or a member that is never read (results, standard types).
    Other,
}

/// Reads a document from text (bare `NaN` tokens are a syntax error here).
pub(super) fn from_str(text: &str) -> Result<Document, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = de.deserialize_map(MembersVisitor { top: true })?;
    de.end()?;
    Ok(doc)
}

/// Reads a document whose bare `NaN`, `Infinity` and `-Infinity` tokens (outside strings) are
/// read as `null`, without a copy of the text.
pub(super) fn from_str_non_finite(text: &str) -> Result<Document, serde_json::Error> {
    let reader =
        std::io::BufReader::with_capacity(1 << 16, super::non_finite::NonFiniteReader::new(text));
    let mut de = serde_json::Deserializer::from_reader(reader);
    let doc = de.deserialize_map(MembersVisitor { top: true })?;
    de.end()?;
    Ok(doc)
}

/// Members that the conversion never reads: skipped without parsing their DataFrames.
fn never_read(name: &str) -> bool {
    name.starts_with("res_") || name == "std_types"
}

/// The top-level object (`top`) or a network object: members by name.
struct MembersVisitor {
    top: bool,
}

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Document;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Document, A::Error> {
        let mut doc = Document::default();
        while let Some(key) = map.next_key::<String>()? {
            if self.top && key == "_object" {
                doc.object = map.next_value_seed(NetSeed)?;
                continue;
            }
            let member = if never_read(&key) {
                map.next_value::<IgnoredAny>()?;
                Member::Other
            } else {
                map.next_value_seed(MemberSeed)?
            };
            if self.top {
                match (key.as_str(), &member) {
                    ("format", m) => doc.format = !matches!(m, Member::Null),
                    ("_class", Member::Text(s)) => doc.class = Some(s.clone()),
                    ("_class", _) => doc.class = None,
                    _ => {}
                }
            }
            doc.members.insert(key, member);
        }
        Ok(doc)
    }
}

/// The top-level `_object`: a network when it is an object.
struct NetSeed;

impl<'de> DeserializeSeed<'de> for NetSeed {
    type Value = Option<Net>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Net>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NetSeed {
    type Value = Option<Net>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a network object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<Net>, A::Error> {
        Ok(Some(MembersVisitor { top: false }.visit_map(map)?.members))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Option<Net>, A::Error> {
        drain_seq(seq)?;
        Ok(None)
    }
    other_scalars!(None);
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// One member of a network object.
struct MemberSeed;

impl<'de> DeserializeSeed<'de> for MemberSeed {
    type Value = Member;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Member, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for MemberSeed {
    type Value = Member;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Member, E> {
        Ok(Member::Other)
    }
    fn visit_i64<E>(self, v: i64) -> Result<Member, E> {
        Ok(Member::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Member, E> {
        Ok(Member::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Member, E> {
        Ok(Member::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Member, E> {
        Ok(Member::Text(v.to_string()))
    }
    fn visit_unit<E>(self) -> Result<Member, E> {
        Ok(Member::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Member, A::Error> {
        drain_seq(seq)?;
        Ok(Member::Other)
    }
    /// A DataFrame wrapper (`_class`, `_object`, `orient`) or any other object.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Member, A::Error> {
        let mut class = None;
        let mut orient = None;
        let mut object: Option<Result<Frame, Problem>> = None;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "_class" => class = map.next_value_seed(TextSeed)?,
                "orient" => orient = map.next_value_seed(TextSeed)?,
                "_object" => object = Some(map.next_value_seed(FrameSeed { text: true })?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let frame = match object {
            None => Err("not a DataFrame".to_string()),
            Some(Err(Problem::Invalid(m))) => Err(m),
            Some(_) if orient.as_deref().is_some_and(|o| o != "split") => Err(format!(
                "orient \"{}\" is not supported (expected \"split\")",
                orient.as_deref().unwrap_or_default()
            )),
            Some(Err(Problem::Shape(m))) => Err(m.to_string()),
            Some(Ok(f)) => Ok(Rc::new(f)),
        };
        Ok(Member::Object { class, frame })
    }
}

/// A string value, or None for anything else.
struct TextSeed;

impl<'de> DeserializeSeed<'de> for TextSeed {
    type Value = Option<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        Ok(match d.deserialize_any(MemberSeed)? {
            Member::Text(s) => Some(s),
            _ => None,
        })
    }
}

/// Why a DataFrame could not be read.
#[derive(Debug, Clone, PartialEq)]
enum Problem {
    /// Its JSON text is not JSON.
    Invalid(String),
    /// Valid JSON that is not a DataFrame in split orient.
    Shape(&'static str),
}

/// A DataFrame's `_object`: JSON text (as pandapower writes it, `text`) or an embedded
/// object.
struct FrameSeed {
    text: bool,
}

impl<'de> DeserializeSeed<'de> for FrameSeed {
    type Value = Result<Frame, Problem>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for FrameSeed {
    type Value = Result<Frame, Problem>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a DataFrame")
    }
    fn visit_str<E>(self, text: &str) -> Result<Self::Value, E> {
        if !self.text {
            return Ok(Err(Problem::Shape("no columns")));
        }
        Ok(frame_from_text(text))
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        SplitVisitor.visit_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(Err(Problem::Shape("no columns")))
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(Problem::Shape("no columns")))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(Problem::Shape("no columns")))
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(Problem::Shape("no columns")))
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(Problem::Shape("no columns")))
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(Err(Problem::Shape("no columns")))
    }
}

/// Parses a DataFrame's JSON text; bare NaN/Infinity in it are missing values (a copy of
/// this table's text is made only then).
fn frame_from_text(text: &str) -> Result<Frame, Problem> {
    let parse = |t: &str| -> Result<Result<Frame, Problem>, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(t);
        let frame = de.deserialize_any(FrameSeed { text: false })?;
        de.end()?;
        Ok(frame)
    };
    match parse(text) {
        Ok(frame) => frame,
        Err(e) if e.is_syntax() && has_non_finite(text) => match parse(&non_finite_as_null(text)) {
            Ok(frame) => frame,
            Err(e) => Err(Problem::Invalid(format!("invalid DataFrame JSON: {e}"))),
        },
        Err(e) => Err(Problem::Invalid(format!("invalid DataFrame JSON: {e}"))),
    }
}

/// Columns, index and rows of a DataFrame in split orient, in any key order.
#[derive(Default)]
struct Builder {
    columns: Vec<Column>,
    index: Column,
    arena: String,
    rows: usize,
    /// The first row that is not an array.
    bad_row: bool,
}

struct SplitVisitor;

impl<'de> Visitor<'de> for SplitVisitor {
    type Value = Result<Frame, Problem>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a DataFrame in split orient (columns, index, data)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut b = Builder::default();
        let mut names: Option<Vec<String>> = None;
        let (mut has_index, mut has_data) = (false, false);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "columns" => {
                    names = map.next_value::<serde_json::Value>()?.as_array().map(|a| {
                        a.iter()
                            .map(|c| {
                                c.as_str()
                                    .map(str::to_string)
                                    .unwrap_or_else(|| c.to_string())
                            })
                            .collect()
                    })
                }
                "index" => has_index = map.next_value_seed(IndexSeed(&mut b))?,
                "data" => has_data = map.next_value_seed(DataSeed(&mut b))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let shape = |m| Ok(Err(Problem::Shape(m)));
        let Some(names) = names else {
            return shape("no columns");
        };
        if !has_index {
            return shape("no index");
        }
        if !has_data {
            return shape("no data");
        }
        if b.bad_row {
            return shape("a row is not an array");
        }
        Ok(Ok(Frame::new(names, b.columns, b.index, b.arena, b.rows)))
    }
}

fn too_large<E: de::Error>(_: TooLarge) -> E {
    E::custom("a DataFrame with more than 4 GiB of text is not supported")
}

/// The index labels: true when they are an array.
struct IndexSeed<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for IndexSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for IndexSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the index labels")
    }
    other_scalars!(false);
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        drain_map(map)?;
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let b = self.0;
        b.index = Column::missing(0);
        while seq
            .next_element_seed(CellSeed {
                column: &mut b.index,
                arena: &mut b.arena,
                label: true,
            })?
            .is_some()
        {}
        Ok(true)
    }
}

/// The rows: true when they are an array.
struct DataSeed<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for DataSeed<'_> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DataSeed<'_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the rows")
    }
    other_scalars!(false);
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<bool, A::Error> {
        drain_map(map)?;
        Ok(false)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let b = self.0;
        while seq.next_element_seed(RowSeed(&mut *b))?.is_some() {
            b.rows += 1;
            for c in &mut b.columns {
                c.pad(b.rows);
            }
        }
        Ok(true)
    }
}

/// One row: its cells go to the columns by position.
struct RowSeed<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for RowSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for RowSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a row")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.0.bad_row = true;
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.0.bad_row = true;
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.0.bad_row = true;
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.0.bad_row = true;
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        self.0.bad_row = true;
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.0.bad_row = true;
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.bad_row = true;
        drain_map(map)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let b = self.0;
        let mut j = 0;
        loop {
            if j == b.columns.len() {
                b.columns.push(Column::missing(b.rows));
            }
            let seed = CellSeed {
                column: &mut b.columns[j],
                arena: &mut b.arena,
                label: false,
            };
            if seq.next_element_seed(seed)?.is_none() {
                return Ok(());
            }
            j += 1;
        }
    }
}

/// One cell (or index label: `label`, where null and nested values are kept as their JSON
/// text, as the index is shown).
struct CellSeed<'b> {
    column: &'b mut Column,
    arena: &'b mut String,
    label: bool,
}

impl CellSeed<'_> {
    fn text<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.column.push_text(self.arena, s).map_err(too_large)
    }
}

impl<'de> DeserializeSeed<'de> for CellSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CellSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a cell")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.column.push(Stored::Bool(v));
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.column.push(Stored::Int(v));
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.column.push(match i64::try_from(v) {
            Ok(i) => Stored::Int(i),
            Err(_) => Stored::Big(v),
        });
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        self.column.push(if v.is_finite() {
            Stored::Float(v)
        } else {
            Stored::Missing
        });
        Ok(())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.text(v)
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        if self.label {
            return self.text("null");
        }
        self.column.push(Stored::Missing);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        if self.label {
            let v: serde_json::Value =
                serde::Deserialize::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
            return self.text(&v.to_string());
        }
        drain_seq(seq)?;
        self.column.push(Stored::Nested);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        if self.label {
            let v: serde_json::Value =
                serde::Deserialize::deserialize(de::value::MapAccessDeserializer::new(map))?;
            return self.text(&v.to_string());
        }
        drain_map(map)?;
        self.column.push(Stored::Nested);
        Ok(())
    }
}
