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
