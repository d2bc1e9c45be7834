//! Editing a circuit document row by row: reading a field for display or for a form, turning
//! submitted form values into an element (refusing what the format cannot hold, field by
//! field), and adding, replacing and deleting elements.
//!
//! Every successful edit returns the document in its canonical form (parsed into the engine's
//! types and written back), so a draft always parses as a circuit; semantic problems (a
//! dangling reference, vk ≤ vkr ...) are the validator's business and are shown, not refused.
//!
//! Renaming an element updates every reference to it (lines and transformers follow a renamed
//! bus, switches follow a renamed line ...), and the number of updated references is reported.
//!
//! The parts: reading a field ([`values`]), parsing a form ([`form`]), the whole document
//! ([`document`]), the edits ([`rows`]), the references between elements ([`references`]) and
//! the element counts ([`counts`]). Their public items are all re-exported here.

mod counts;
mod document;
mod form;
mod references;
mod rows;
mod values;

pub use counts::{counts_json, counts_text, counts_text_of, element_counts};
pub use document::{canonical, element_id, elements, find, nul_location, same_circuit};
pub use form::{FieldErrors, MAX_TEXT, element_from_form, parse_field};
pub use references::{count_references, reference_counts, rename_references};
pub use rows::{EditError, Edited, add, delete, update, update_header};
pub use values::{
    bool_value, display, effective, get, input_value, number_text, same_value, value_text,
};

#[cfg(test)]
mod tests;
