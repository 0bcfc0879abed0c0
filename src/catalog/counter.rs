//! Counter resources kept in the catalog's Counters table, for Label
//! Format's `${Counter}` (the value) and `${Counter+}` (the value, then
//! one up, back to the minimum after the maximum).

use rusqlite::{params, OptionalExtension};

use super::{Catalog, CatalogError};

/// A Counter resource's bounds.
pub struct CounterDef<'a> {
    pub name: &'a str,
    pub min: i64,
    pub max: i64,
    /// The counter that goes up when this one wraps.
    pub wrap: Option<&'a str>,
}

impl Catalog {
    /// The counter's current value (its Minimum the first time); with
    /// `increment`, the stored value then goes up by one.
    pub fn counter(&self, c: &CounterDef<'_>, increment: bool) -> Result<i64, CatalogError> {
        let db = self.db();
        let current: Option<i64> = db
            .query_row(
                "SELECT CurrentValue FROM Counters WHERE Counter = ?1",
                params![c.name],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let value = match current {
            Some(v) => v,
            None => {
                db.execute(
                    "INSERT INTO Counters (Counter, MinValue, MaxValue, CurrentValue, WrapCounter) VALUES (?1, ?2, ?3, ?2, ?4)",
                    params![c.name, c.min, c.max, c.wrap.unwrap_or("")],
                )
                .map_err(|e| self.err(e))?;
                c.min
            }
        };
        if increment {
            let next = if value >= c.max { c.min } else { value + 1 };
            db.execute(
                "UPDATE Counters SET CurrentValue = ?2 WHERE Counter = ?1",
                params![c.name, next],
            )
            .map_err(|e| self.err(e))?;
        }
        Ok(value)
    }
}
