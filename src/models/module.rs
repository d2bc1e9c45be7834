//! Analysis modules (`modules` table) and the simulation types their manifests declare. Only
//! the types of enabled modules may be run; the platform admin enables and disables modules.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::DbConn;
use crate::db::json::JsonValue;
use crate::db::schema::modules;

#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = modules)]
pub struct Module {
    pub id: i64,
    pub name: String,
    pub version: String,
    pub display_name: String,
    pub status: String,
    pub manifest: JsonValue,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One entry of a manifest's `simulation_types`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationType {
    pub id: String,
    pub label: String,
    /// Fault types offered: `3ph`, `2ph`, `2phg`, `1ph`.
    #[serde(default)]
    pub faults: Vec<String>,
    /// Cases offered: `max`, `min`.
    #[serde(default)]
    pub cases: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Manifest {
    #[serde(default)]
    simulation_types: Vec<SimulationType>,
}

/// A simulation type with the module that provides it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OfferedType {
    pub kind: SimulationType,
    pub module: String,
    pub module_display_name: String,
    pub module_version: String,
    pub enabled: bool,
}

impl Module {
    pub fn is_enabled(&self) -> bool {
        self.status == "enabled"
    }

    /// The simulation types of the manifest (none when it cannot be read).
    pub fn simulation_types(&self) -> Vec<SimulationType> {
        serde_json::from_value::<Manifest>(self.manifest.0.clone())
            .map(|m| m.simulation_types)
            .unwrap_or_default()
    }
}

/// Every module, by name.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<Module>> {
    modules::table
        .order(modules::name.asc())
        .select(Module::as_select())
        .load(conn)
}

/// Every simulation type of every module, enabled or not (in module order).
pub fn all_types(conn: &mut DbConn) -> QueryResult<Vec<OfferedType>> {
    Ok(list(conn)?
        .iter()
        .flat_map(|m| {
            m.simulation_types().into_iter().map(|kind| OfferedType {
                kind,
                module: m.name.clone(),
                module_display_name: m.display_name.clone(),
                module_version: m.version.clone(),
                enabled: m.is_enabled(),
            })
        })
        .collect())
}

/// The simulation types that may be run now: those of enabled modules.
pub fn enabled_types(conn: &mut DbConn) -> QueryResult<Vec<OfferedType>> {
    Ok(all_types(conn)?.into_iter().filter(|t| t.enabled).collect())
}

/// What a requested simulation type is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeLookup {
    Enabled(OfferedType),
    /// Declared by a module that is not enabled.
    Disabled(OfferedType),
    Unknown,
}

/// Looks a simulation type up among all modules.
pub fn lookup_type(conn: &mut DbConn, id: &str) -> QueryResult<TypeLookup> {
    let all = all_types(conn)?;
    if let Some(t) = all.iter().find(|t| t.kind.id == id && t.enabled) {
        return Ok(TypeLookup::Enabled(t.clone()));
    }
    Ok(match all.into_iter().find(|t| t.kind.id == id) {
        Some(t) => TypeLookup::Disabled(t),
        None => TypeLookup::Unknown,
    })
}

/// The label of a simulation type for lists (the id itself when no module declares it).
pub fn label_of(types: &[OfferedType], id: &str) -> String {
    types
        .iter()
        .find(|t| t.kind.id == id)
        .map_or_else(|| id.to_string(), |t| t.kind.label.clone())
}
