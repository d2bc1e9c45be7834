//! One JSON SQL type for both databases: JSONB on PostgreSQL (binary format: a version byte 1,
//! then the JSON text) and TEXT with a `json_valid` check on SQLite. Rust side: `JsonValue`, a
//! thin wrapper of `serde_json::Value` (the wrapper lets Diesel's traits be implemented here),
//! and `JsonText`, the column's text unparsed, for large documents read straight into their
//! Rust type.

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::serialize::{self, IsNull, Output, ToSql};
use diesel::sql_types::{HasSqlType, Text};
use diesel::sqlite::Sqlite;
use std::io::Write;

use super::MultiBackend;

#[derive(
    Debug, Clone, Copy, Default, diesel::sql_types::SqlType, diesel::query_builder::QueryId,
)]
#[diesel(postgres_type(oid = 3802, array_oid = 3807))]
#[diesel(sqlite_type(name = "Text"))]
pub struct Json;

/// A JSON value stored in a `Json` column.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    diesel::expression::AsExpression,
    diesel::deserialize::FromSqlRow,
)]
#[diesel(sql_type = Json)]
#[serde(transparent)]
pub struct JsonValue(pub serde_json::Value);

impl From<serde_json::Value> for JsonValue {
    fn from(v: serde_json::Value) -> Self {
        JsonValue(v)
    }
}

impl std::ops::Deref for JsonValue {
    type Target = serde_json::Value;
    fn deref(&self) -> &serde_json::Value {
        &self.0
    }
}

const JSONB_VERSION: u8 = 1;

impl ToSql<Json, Pg> for JsonValue {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&[JSONB_VERSION])?;
        serde_json::to_writer(out, &self.0)?;
        Ok(IsNull::No)
    }
}

impl FromSql<Json, Pg> for JsonValue {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        match value.as_bytes().split_first() {
            Some((&JSONB_VERSION, json)) => Ok(JsonValue(serde_json::from_slice(json)?)),
            _ => Err("unsupported JSONB encoding version".into()),
        }
    }
}

impl ToSql<Json, Sqlite> for JsonValue {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Sqlite>) -> serialize::Result {
        out.set_value(serde_json::to_string(&self.0)?);
        Ok(IsNull::No)
    }
}

impl FromSql<Json, Sqlite> for JsonValue {
    fn from_sql(value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, Sqlite>>::from_sql(value)?;
        Ok(JsonValue(serde_json::from_str(&text)?))
    }
}

impl HasSqlType<Json> for MultiBackend {
    fn metadata(lookup: &mut Self::MetadataLookup) -> Self::TypeMetadata {
        MultiBackend::lookup_sql_type::<Json>(lookup)
    }
}

impl ToSql<Json, MultiBackend> for JsonValue {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, MultiBackend>) -> serialize::Result {
        out.set_value((Json, self));
        Ok(IsNull::No)
    }
}

impl FromSql<Json, MultiBackend> for JsonValue {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Json>()
    }
}

/// The text of a `Json` column, not parsed: a large document (a 100,000-bus result is about
/// 34 MB) is read straight into its Rust type with `serde_json::from_str`, without building a
/// `serde_json::Value` of it first (most of the time, and memory, of reading it that way).
#[derive(Debug, Clone, diesel::deserialize::FromSqlRow)]
pub struct JsonText(pub String);

impl FromSql<Json, Pg> for JsonText {
    fn from_sql(value: <Pg as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        match value.as_bytes().split_first() {
            Some((&JSONB_VERSION, json)) => Ok(JsonText(std::str::from_utf8(json)?.to_owned())),
            _ => Err("unsupported JSONB encoding version".into()),
        }
    }
}

impl FromSql<Json, Sqlite> for JsonText {
    fn from_sql(value: <Sqlite as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        Ok(JsonText(<String as FromSql<Text, Sqlite>>::from_sql(
            value,
        )?))
    }
}

impl FromSql<Json, MultiBackend> for JsonText {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Json>()
    }
}
