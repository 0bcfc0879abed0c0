//! File attributes: the batch path. Records arrive in large groups and go
//! in with one transaction, prepared statements, and the Path and Filename
//! ids kept in memory, never one commit per file.

use std::collections::HashMap;

use rusqlite::params;

use super::{Catalog, CatalogError};

/// One file as the storage daemon reports it.
#[derive(Debug, Clone)]
pub struct FileRecord {
    pub file_index: i64,
    /// The directory, ending in `/`.
    pub path: String,
    /// The name within it (empty for the directory itself).
    pub name: String,
    /// Bacula's base64 lstat.
    pub lstat: String,
    pub md5: String,
}

/// Path and Filename ids already known, kept across batches of one job.
#[derive(Default)]
pub struct NameCache {
    paths: HashMap<String, i64>,
    names: HashMap<String, i64>,
}

impl NameCache {
    /// The id `value` has in the cache or in the batch being written.
    fn get(known: &HashMap<String, i64>, fresh: &HashMap<String, i64>, value: &str) -> Option<i64> {
        known.get(value).or_else(|| fresh.get(value)).copied()
    }
}

/// A Path's or a Filename's name as the Director keeps names (with the
/// stand-ins of bnet/rawtext.rs for bytes that are not UTF-8), whoever
/// wrote the row: bacula-dir writes a name's bytes as they are, so a
/// name that is not UTF-8 is TEXT that is not UTF-8 either, which reading
/// it as a String refuses; rdird's own rows hold the stand-ins, which
/// read back unchanged.
pub struct Name(pub String);

impl rusqlite::types::FromSql for Name {
    fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Text(b) | ValueRef::Blob(b) => Ok(Name(crate::bnet::rawtext::decode(b))),
            ValueRef::Null => Ok(Name(String::new())),
            _ => Err(rusqlite::types::FromSqlError::InvalidType),
        }
    }
}

/// The ids a batch added, kept apart until its transaction commits: after
/// a rollback their rows are gone, and the cache must not name them.
#[derive(Default)]
struct Fresh {
    paths: HashMap<String, i64>,
    names: HashMap<String, i64>,
}

impl Catalog {
    /// The id of `value` in Path or Filename: from the cache, the table, or
    /// a new row (noted in `fresh`).
    fn cached_id(
        &self,
        (known, fresh): (&HashMap<String, i64>, &mut HashMap<String, i64>),
        value: &str,
        find: &mut rusqlite::CachedStatement<'_>,
        add: &mut rusqlite::CachedStatement<'_>,
    ) -> Result<i64, CatalogError> {
        if let Some(id) = NameCache::get(known, fresh, value) {
            return Ok(id);
        }
        let id = match find.query_row(params![value], |r| r.get(0)) {
            Ok(id) => id,
            Err(rusqlite::Error::QueryReturnedNoRows) => {
                add.execute(params![value]).map_err(|e| self.err(e))?;
                self.db().last_insert_rowid()
            }
            Err(e) => return Err(self.err(e)),
        };
        fresh.insert(value.to_string(), id);
        Ok(id)
    }

    /// Inserts a batch of file records of `job_id` in one transaction: all
    /// of them, or (on an error, which is returned) none, with the cache
    /// as it was before the batch.
    pub fn insert_files(
        &self,
        job_id: i64,
        files: &[FileRecord],
        cache: &mut NameCache,
    ) -> Result<(), CatalogError> {
        let mut fresh = Fresh::default();
        let tx = self.db().unchecked_transaction().map_err(|e| self.err(e))?;
        {
            let mut find_path = tx
                .prepare_cached("SELECT PathId FROM Path WHERE Path = ?1")
                .map_err(|e| self.err(e))?;
            let mut add_path = tx
                .prepare_cached("INSERT INTO Path (Path) VALUES (?1)")
                .map_err(|e| self.err(e))?;
            let mut find_name = tx
                .prepare_cached("SELECT FilenameId FROM Filename WHERE Name = ?1")
                .map_err(|e| self.err(e))?;
            let mut add_name = tx
                .prepare_cached("INSERT INTO Filename (Name) VALUES (?1)")
                .map_err(|e| self.err(e))?;
            let mut add_file = tx
                .prepare_cached(
                    "INSERT INTO File (FileIndex, JobId, PathId, FilenameId, LStat, MD5) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(|e| self.err(e))?;
            for f in files {
                let path_id = self.cached_id(
                    (&cache.paths, &mut fresh.paths),
                    &f.path,
                    &mut find_path,
                    &mut add_path,
                )?;
                let name_id = self.cached_id(
                    (&cache.names, &mut fresh.names),
                    &f.name,
                    &mut find_name,
                    &mut add_name,
                )?;
                add_file
                    .execute(params![
                        f.file_index,
                        job_id,
                        path_id,
                        name_id,
                        f.lstat,
                        f.md5
                    ])
                    .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        cache.paths.extend(fresh.paths);
        cache.names.extend(fresh.names);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(i: i64, p: &str, n: &str) -> FileRecord {
        FileRecord {
            file_index: i,
            path: p.into(),
            name: n.into(),
            lstat: "P4A mMz9 IGk B A A A".into(),
            md5: "abc".into(),
        }
    }

    #[test]
    fn batches_share_paths_and_names() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(&dir.path().join("c.db")).unwrap();
        let mut cache = NameCache::default();
        c.insert_files(
            1,
            &[rec(1, "/etc/", ""), rec(2, "/etc/", "passwd")],
            &mut cache,
        )
        .unwrap();
        c.insert_files(
            1,
            &[rec(3, "/etc/", "group"), rec(4, "/home/", "passwd")],
            &mut cache,
        )
        .unwrap();
        let count = |sql: &str| -> i64 { c.db().query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(count("SELECT COUNT(*) FROM File WHERE JobId = 1"), 4);
        assert_eq!(count("SELECT COUNT(*) FROM Path"), 2);
        assert_eq!(count("SELECT COUNT(*) FROM Filename"), 3);
    }

    #[test]
    fn a_rejected_batch_leaves_no_cached_id_of_a_row_it_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let c = Catalog::open(&dir.path().join("c.db")).unwrap();
        c.db()
            .execute_batch(
                "CREATE TRIGGER refuse BEFORE INSERT ON File WHEN NEW.FileIndex = 2
                 BEGIN SELECT RAISE(ABORT, 'refused'); END",
            )
            .unwrap();
        let mut cache = NameCache::default();
        let refused = c.insert_files(1, &[rec(1, "/srv/", "x"), rec(2, "/srv/", "y")], &mut cache);
        assert!(refused.unwrap_err().message.contains("refused"));
        c.db().execute_batch("DROP TRIGGER refuse").unwrap();
        c.insert_files(2, &[rec(1, "/srv/", "x")], &mut cache)
            .unwrap();
        let dangling: i64 = c
            .db()
            .query_row(
                "SELECT COUNT(*) FROM File LEFT JOIN Path USING (PathId) LEFT JOIN Filename USING (FilenameId)
                 WHERE Path.Path IS NULL OR Filename.Name IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(dangling, 0);
        let kept: i64 = c
            .db()
            .query_row("SELECT COUNT(*) FROM File WHERE JobId = 2", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(kept, 1);
    }
}
