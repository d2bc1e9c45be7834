//! The circuit editor's pure part (no database, web or I/O): the element kinds as editable
//! tables ([`fields`]), form values to rows of a circuit document and back ([`edit`]), the
//! validator's problems placed beside their rows ([`problems`]) and the element-by-element
//! differences between two documents ([`diff`]), and elements shown by name ([`names`]).

pub mod diff;
pub mod edit;
pub mod fields;
pub mod names;
pub mod problems;

pub use fields::{FieldDef, FieldType, KINDS, KindDef, kind};

/// The HTML id of an element's row in the editor's tables (`row-lines-4c31`): ids are user
/// strings, so hex keeps them valid and unique. Links to a row end in `#` and this.
pub fn row_anchor(kind: &str, id: &str) -> String {
    format!("row-{kind}-{}", hex::encode(id.as_bytes()))
}
