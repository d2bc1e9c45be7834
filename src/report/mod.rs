//! The results of a simulation as people read them: formatted bus, branch and duty tables,
//! findings in plain words, the comparison of two runs and the CSV/JSON exports. Pure: no I/O,
//! no HTTP; pages and exports turn these into templates and files.

pub mod compare;
pub mod csv;
pub mod diagram;
pub mod findings;
pub mod format;
pub mod json;
pub mod names;
pub mod paging;
pub mod results;
pub mod study;
pub mod tables;

#[cfg(test)]
mod fixtures;
