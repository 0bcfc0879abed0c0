//! The catalog's tables: Bacula 9.x's table and column names and types, so
//! that administrators' SQL (query.sql, Baculum, their own reports) works
//! on rdird's catalog, plus a migrations table of our own.

/// A column: name, SQL type, and what follows the type (default, NOT NULL).
type Column = (&'static str, &'static str, &'static str);

/// A table: its name, columns, the tables its columns refer to, and the
/// constraints after them.
pub struct Table {
    pub name: &'static str,
    columns: &'static [Column],
    /// `(column, table)`: Bacula declares these REFERENCES, which neither
    /// Director enforces (the catalog is opened with foreign keys off).
    references: &'static [(&'static str, &'static str)],
    constraints: &'static [&'static str],
}

const U32: &str = "INTEGER UNSIGNED";
const U64: &str = "BIGINT UNSIGNED";
const Z: &str = "DEFAULT 0";

const JOB_COLUMNS: &[Column] = &[
    ("JobId", "INTEGER", ""),
    ("Job", "VARCHAR(128)", "NOT NULL"),
    ("Name", "VARCHAR(128)", "NOT NULL"),
    ("Type", "CHAR(1)", "NOT NULL"),
    ("Level", "CHAR(1)", "NOT NULL"),
    ("ClientId", "INTEGER", Z),
    ("JobStatus", "CHAR(1)", "NOT NULL"),
    ("SchedTime", "DATETIME", "NOT NULL"),
    ("StartTime", "DATETIME", Z),
    ("EndTime", "DATETIME", Z),
    ("RealEndTime", "DATETIME", Z),
    ("JobTDate", U64, Z),
    ("VolSessionId", U32, Z),
    ("VolSessionTime", U32, Z),
    ("JobFiles", U32, Z),
    ("JobBytes", U64, Z),
    ("ReadBytes", U64, Z),
    ("JobErrors", U32, Z),
    ("JobMissingFiles", U32, Z),
    ("PoolId", U32, Z),
    ("FileSetId", U32, Z),
    ("PriorJobId", U32, Z),
    ("PurgedFiles", "TINYINT", Z),
    ("HasBase", "TINYINT", Z),
    ("HasCache", "TINYINT", Z),
    ("Reviewed", "TINYINT", Z),
    ("Comment", "TEXT", ""),
    ("FileTable", "TEXT", "DEFAULT 'File'"),
];

const MEDIA_COLUMNS: &[Column] = &[
    ("MediaId", "INTEGER", ""),
    ("VolumeName", "VARCHAR(128)", "NOT NULL"),
    ("Slot", "INTEGER", Z),
    ("PoolId", U32, Z),
    ("MediaType", "VARCHAR(128)", "NOT NULL"),
    ("MediaTypeId", U32, Z),
    ("LabelType", "TINYINT", Z),
    ("FirstWritten", "DATETIME", Z),
    ("LastWritten", "DATETIME", Z),
    ("LabelDate", "DATETIME", Z),
    ("VolJobs", U32, Z),
    ("VolFiles", U32, Z),
    ("VolBlocks", U32, Z),
    ("LastPartBytes", U64, Z),
    ("VolMounts", U32, Z),
    ("VolBytes", U64, Z),
    ("VolABytes", U64, Z),
    ("VolAPadding", U64, Z),
    ("VolHoleBytes", U64, Z),
    ("VolHoles", U32, Z),
    ("VolType", U32, Z),
    ("VolParts", U32, Z),
    ("VolCloudParts", U32, Z),
    ("VolErrors", U32, Z),
    ("VolWrites", U64, Z),
    ("VolCapacityBytes", U64, Z),
    ("VolStatus", "VARCHAR(20)", "NOT NULL"),
    ("Enabled", "TINYINT", "DEFAULT 1"),
    ("Recycle", "TINYINT", Z),
    ("ActionOnPurge", "TINYINT", Z),
    ("CacheRetention", U64, Z),
    ("VolRetention", U64, Z),
    ("VolUseDuration", U64, Z),
    ("MaxVolJobs", U32, Z),
    ("MaxVolFiles", U32, Z),
    ("MaxVolBytes", U64, Z),
    ("InChanger", "TINYINT", Z),
    ("StorageId", U32, Z),
    ("DeviceId", U32, Z),
    ("MediaAddressing", "TINYINT", Z),
    ("VolReadTime", U64, Z),
    ("VolWriteTime", U64, Z),
    ("EndFile", U32, Z),
    ("EndBlock", U32, Z),
    ("LocationId", U32, Z),
    ("RecycleCount", U32, Z),
    ("InitialWrite", "DATETIME", Z),
    ("ScratchPoolId", U32, Z),
    ("RecyclePoolId", U32, Z),
    ("Comment", "TEXT", ""),
];

/// Every table, in creation order.
pub const TABLES: &[Table] = &[
    Table {
        name: "Filename",
        references: &[],
        columns: &[
            ("FilenameId", "INTEGER", ""),
            ("Name", "TEXT", "DEFAULT ''"),
        ],
        constraints: &["PRIMARY KEY(FilenameId)"],
    },
    Table {
        name: "Path",
        references: &[],
        columns: &[("PathId", "INTEGER", ""), ("Path", "TEXT", "DEFAULT ''")],
        constraints: &["PRIMARY KEY(PathId)"],
    },
    Table {
        name: "File",
        references: &[
            ("JobId", "Job"),
            ("PathId", "Path"),
            ("FilenameId", "Filename"),
        ],
        columns: &[
            ("FileId", "INTEGER", ""),
            ("FileIndex", "INTEGER", Z),
            ("JobId", U32, "NOT NULL"),
            ("PathId", U32, "NOT NULL"),
            ("FilenameId", U32, "NOT NULL"),
            ("DeltaSeq", "SMALLINT UNSIGNED", Z),
            ("MarkId", U32, Z),
            ("LStat", "VARCHAR(255)", "NOT NULL"),
            ("MD5", "VARCHAR(255)", "NOT NULL"),
        ],
        constraints: &["PRIMARY KEY(FileId)"],
    },
    Table {
        name: "RestoreObject",
        references: &[("JobId", "Job")],
        columns: &[
            ("RestoreObjectId", "INTEGER", ""),
            ("ObjectName", "TEXT", "DEFAULT ''"),
            ("RestoreObject", "TEXT", "DEFAULT ''"),
            ("PluginName", "TEXT", "DEFAULT ''"),
            ("ObjectLength", "INTEGER", Z),
            ("ObjectFullLength", "INTEGER", Z),
            ("ObjectIndex", "INTEGER", Z),
            ("ObjectType", "INTEGER", Z),
            ("FileIndex", "INTEGER", Z),
            ("ObjectCompression", "INTEGER", Z),
            ("JobId", U32, "NOT NULL"),
        ],
        constraints: &["PRIMARY KEY(RestoreObjectId)"],
    },
    Table {
        name: "Job",
        references: &[
            ("ClientId", "Client"),
            ("PoolId", "Pool"),
            ("FileSetId", "FileSet"),
            ("PriorJobId", "Job"),
        ],
        columns: JOB_COLUMNS,
        constraints: &["PRIMARY KEY(JobId)"],
    },
    Table {
        name: "JobHisto",
        references: &[],
        columns: JOB_COLUMNS,
        constraints: &[],
    },
    Table {
        name: "Location",
        references: &[],
        columns: &[
            ("LocationId", "INTEGER", ""),
            ("Location", "TEXT", "NOT NULL"),
            ("Cost", "INTEGER", Z),
            ("Enabled", "TINYINT", ""),
        ],
        constraints: &["PRIMARY KEY(LocationId)"],
    },
    Table {
        name: "LocationLog",
        references: &[("MediaId", "Media"), ("LocationId", "LocationId")],
        columns: &[
            ("LocLogId", "INTEGER", ""),
            ("Date", "DATETIME", "NOT NULL"),
            ("Comment", "TEXT", "NOT NULL"),
            ("MediaId", U32, Z),
            ("LocationId", U32, Z),
            ("NewVolStatus", "VARCHAR(20)", "NOT NULL"),
            ("NewEnabled", "TINYINT", "NOT NULL"),
        ],
        constraints: &["PRIMARY KEY(LocLogId)"],
    },
    Table {
        name: "Log",
        references: &[("JobId", "Job")],
        columns: &[
            ("LogId", "INTEGER", ""),
            ("JobId", U32, "NOT NULL"),
            ("Time", "DATETIME", "NOT NULL"),
            ("LogText", "TEXT", "NOT NULL"),
        ],
        constraints: &["PRIMARY KEY(LogId)"],
    },
    Table {
        name: "FileSet",
        references: &[],
        columns: &[
            ("FileSetId", "INTEGER", ""),
            ("FileSet", "VARCHAR(128)", "NOT NULL"),
            ("MD5", "VARCHAR(25)", "NOT NULL"),
            ("CreateTime", "DATETIME", Z),
        ],
        constraints: &["PRIMARY KEY(FileSetId)"],
    },
    Table {
        name: "JobMedia",
        references: &[("JobId", "Job"), ("MediaId", "Media")],
        columns: &[
            ("JobMediaId", "INTEGER", ""),
            ("JobId", U32, "NOT NULL"),
            ("MediaId", U32, "NOT NULL"),
            ("FirstIndex", U32, "NOT NULL"),
            ("LastIndex", U32, "NOT NULL"),
            ("StartFile", U32, Z),
            ("EndFile", U32, Z),
            ("StartBlock", U32, Z),
            ("EndBlock", U32, Z),
            ("VolIndex", U32, Z),
        ],
        constraints: &["PRIMARY KEY(JobMediaId)"],
    },
    Table {
        name: "Media",
        references: &[
            ("PoolId", "Pool"),
            ("MediaTypeId", "MediaType"),
            ("StorageId", "Storage"),
            ("DeviceId", "Device"),
            ("LocationId", "Location"),
            ("ScratchPoolId", "Pool"),
            ("RecyclePoolId", "Pool"),
        ],
        columns: MEDIA_COLUMNS,
        constraints: &["PRIMARY KEY(MediaId)"],
    },
    Table {
        name: "MediaType",
        references: &[],
        columns: &[
            ("MediaTypeId", "INTEGER", ""),
            ("MediaType", "VARCHAR(128)", "NOT NULL"),
            ("ReadOnly", "TINYINT", Z),
        ],
        constraints: &["PRIMARY KEY(MediaTypeId)"],
    },
    Table {
        name: "Storage",
        references: &[],
        columns: &[
            ("StorageId", "INTEGER", ""),
            ("Name", "VARCHAR(128)", "NOT NULL"),
            ("AutoChanger", "TINYINT", Z),
        ],
        constraints: &["PRIMARY KEY(StorageId)"],
    },
    Table {
        name: "Device",
        references: &[("MediaTypeId", "MediaType"), ("StorageId", "Storage")],
        columns: &[
            ("DeviceId", "INTEGER", ""),
            ("Name", "VARCHAR(128)", "NOT NULL"),
            ("MediaTypeId", U32, "NOT NULL"),
            ("StorageId", U32, ""),
            ("DevMounts", U32, Z),
            ("DevReadBytes", U64, Z),
            ("DevWriteBytes", U64, Z),
            ("DevReadBytesSinceCleaning", U64, Z),
            ("DevWriteBytesSinceCleaning", U64, Z),
            ("DevReadTime", U64, Z),
            ("DevWriteTime", U64, Z),
            ("DevReadTimeSinceCleaning", U64, Z),
            ("DevWriteTimeSinceCleaning", U64, Z),
            ("CleaningDate", "DATETIME", Z),
            ("CleaningPeriod", U64, Z),
        ],
        constraints: &["PRIMARY KEY(DeviceId)"],
    },
    Table {
        name: "Pool",
        references: &[
            ("ScratchPoolId", "Pool"),
            ("RecyclePoolId", "Pool"),
            ("NextPoolId", "Pool"),
        ],
        columns: &[
            ("PoolId", "INTEGER", ""),
            ("Name", "VARCHAR(128)", "NOT NULL"),
            ("NumVols", U32, Z),
            ("MaxVols", U32, Z),
            ("UseOnce", "TINYINT", Z),
            ("UseCatalog", "TINYINT", "DEFAULT 1"),
            ("AcceptAnyVolume", "TINYINT", Z),
            ("CacheRetention", U64, Z),
            ("VolRetention", U64, Z),
            ("VolUseDuration", U64, Z),
            ("MaxVolJobs", U32, Z),
            ("MaxVolFiles", U32, Z),
            ("MaxVolBytes", U64, Z),
            ("AutoPrune", "TINYINT", Z),
            ("Recycle", "TINYINT", Z),
            ("ActionOnPurge", "TINYINT", Z),
            ("PoolType", "VARCHAR(20)", "NOT NULL"),
            ("LabelType", "TINYINT", Z),
            ("LabelFormat", "VARCHAR(128)", "NOT NULL"),
            ("Enabled", "TINYINT", "DEFAULT 1"),
            ("ScratchPoolId", U32, Z),
            ("RecyclePoolId", U32, Z),
            ("NextPoolId", U32, Z),
            ("MigrationHighBytes", U64, Z),
            ("MigrationLowBytes", U64, Z),
            ("MigrationTime", U64, Z),
        ],
        constraints: &["UNIQUE (Name)", "PRIMARY KEY (PoolId)"],
    },
    Table {
        name: "Client",
        references: &[],
        columns: &[
            ("ClientId", "INTEGER", ""),
            ("Name", "VARCHAR(128)", "NOT NULL"),
            ("Uname", "VARCHAR(255)", "NOT NULL"),
            ("AutoPrune", "TINYINT", Z),
            ("FileRetention", U64, Z),
            ("JobRetention", U64, Z),
        ],
        constraints: &["UNIQUE (Name)", "PRIMARY KEY(ClientId)"],
    },
    Table {
        name: "BaseFiles",
        references: &[("BaseJobId", "Job"), ("JobId", "Job"), ("FileId", "File")],
        columns: &[
            ("BaseId", "BIGINT", ""),
            ("BaseJobId", U32, "NOT NULL"),
            ("JobId", U32, "NOT NULL"),
            ("FileId", U32, "NOT NULL"),
            ("FileIndex", "INTEGER", Z),
        ],
        constraints: &["PRIMARY KEY(BaseId)"],
    },
    Table {
        name: "UnsavedFiles",
        references: &[
            ("JobId", "Job"),
            ("PathId", "Path"),
            ("FilenameId", "Filename"),
        ],
        columns: &[
            ("UnsavedId", "INTEGER", ""),
            ("JobId", U32, "NOT NULL"),
            ("PathId", U32, "NOT NULL"),
            ("FilenameId", U32, "NOT NULL"),
        ],
        constraints: &["PRIMARY KEY (UnsavedId)"],
    },
    Table {
        name: "Version",
        references: &[],
        columns: &[("VersionId", U32, "NOT NULL")],
        constraints: &[],
    },
    Table {
        name: "Counters",
        references: &[],
        columns: &[
            ("Counter", "TEXT", "NOT NULL"),
            ("MinValue", "INTEGER", Z),
            ("MaxValue", "INTEGER", Z),
            ("CurrentValue", "INTEGER", Z),
            ("WrapCounter", "TEXT", "NOT NULL"),
        ],
        constraints: &["PRIMARY KEY (Counter)"],
    },
    Table {
        name: "CDImages",
        references: &[],
        columns: &[
            ("MediaId", U32, "NOT NULL"),
            ("LastBurn", "DATETIME", "NOT NULL"),
        ],
        constraints: &["PRIMARY KEY (MediaId)"],
    },
    Table {
        name: "PathHierarchy",
        references: &[],
        columns: &[
            ("PathId", "INTEGER", "NOT NULL"),
            ("PPathId", "INTEGER", "NOT NULL"),
        ],
        constraints: &["PRIMARY KEY (PathId)"],
    },
    Table {
        name: "PathVisibility",
        references: &[],
        columns: &[
            ("PathId", "INTEGER", "NOT NULL"),
            ("JobId", "INTEGER", "NOT NULL"),
            ("Size", "INT8", Z),
            ("Files", "INT4", Z),
        ],
        constraints: &["PRIMARY KEY (JobId, PathId)"],
    },
    Table {
        name: "Snapshot",
        references: &[],
        columns: &[
            ("SnapshotId", "INTEGER", ""),
            ("Name", "TEXT", "NOT NULL"),
            ("JobId", "INTEGER", Z),
            ("FileSetId", "INTEGER", Z),
            ("CreateTDate", "BIGINT", Z),
            ("CreateDate", "DATETIME", "NOT NULL"),
            ("ClientId", "INT", Z),
            ("Volume", "TEXT", "NOT NULL"),
            ("Device", "TEXT", "NOT NULL"),
            ("Type", "TEXT", "NOT NULL"),
            ("Retention", "INT", Z),
            ("Comment", "TEXT", ""),
        ],
        constraints: &["PRIMARY KEY (SnapshotId)"],
    },
    Table {
        name: "Status",
        references: &[],
        columns: &[
            ("JobStatus", "CHAR(1)", "NOT NULL"),
            ("JobStatusLong", "BLOB", ""),
            ("Severity", "INT", ""),
        ],
        constraints: &["PRIMARY KEY (JobStatus)"],
    },
];

/// Indexes: name, table, columns, unique.
pub const INDEXES: &[(&str, &str, &str, bool)] = &[
    ("inx1", "Filename", "Name", false),
    ("inx2", "Path", "Path", false),
    ("inx3", "File", "JobId", false),
    ("file_jpf_idx", "File", "JobId, PathId, FilenameId", false),
    ("restore_jobid_idx", "RestoreObject", "JobId", false),
    ("inx6", "Job", "Name", false),
    ("job_jobtdate_inx", "Job", "JobTDate", false),
    ("inx61", "JobHisto", "StartTime", false),
    ("LogInx1", "Log", "JobId", false),
    ("fileset_name_idx", "FileSet", "FileSet", false),
    ("inx7", "JobMedia", "JobId, MediaId", false),
    ("Media_Volumename_Id", "Media", "VolumeName", true),
    ("inx8", "Media", "PoolId", false),
    ("inx9", "Media", "StorageId", false),
    ("pool_name_idx", "Pool", "Name", false),
    ("client_name_idx", "Client", "Name", true),
    ("basefiles_jobid_idx", "BaseFiles", "JobId", false),
    ("pathhierarchy_ppathid", "PathHierarchy", "PPathId", false),
    ("pathvisibility_jobid", "PathVisibility", "JobId", false),
    ("snapshot_idx", "Snapshot", "Device, Volume, Name", true),
];

/// Job statuses with their long names and severities, as Bacula's Status
/// table has them.
pub const STATUSES: &[(char, &str, Option<i64>)] = &[
    ('C', "Created, not yet running", Some(15)),
    ('R', "Running", Some(15)),
    ('B', "Blocked", Some(15)),
    ('T', "Completed successfully", Some(10)),
    ('E', "Terminated with errors", Some(25)),
    ('e', "Non-fatal error", Some(20)),
    ('f', "Fatal error", Some(100)),
    ('D', "Verify found differences", Some(15)),
    ('A', "Canceled by user", Some(90)),
    ('F', "Waiting for Client", Some(15)),
    ('S', "Waiting for Storage daemon", Some(15)),
    ('m', "Waiting for new media", None),
    ('M', "Waiting for media mount", Some(15)),
    ('s', "Waiting for storage resource", Some(15)),
    ('j', "Waiting for job resource", Some(15)),
    ('c', "Waiting for client resource", Some(15)),
    ('d', "Waiting on maximum jobs", Some(15)),
    ('t', "Waiting on start time", Some(15)),
    ('p', "Waiting on higher priority jobs", Some(15)),
    ('a', "SD despooling attributes", Some(15)),
    ('i', "Doing batch insert file records", Some(15)),
    ('I', "Incomplete Job", Some(25)),
];

/// The schema version Bacula 9.6 writes in the Version table.
pub const BACULA_VERSION_ID: i64 = 16;

impl Table {
    /// The table's `CREATE TABLE` statement.
    pub fn create_sql(&self) -> String {
        let mut parts: Vec<String> = self
            .columns
            .iter()
            .map(|(n, t, rest)| {
                let refers = match self.references.iter().find(|(c, _)| c == n) {
                    Some((_, table)) => format!(" REFERENCES {table}"),
                    None => String::new(),
                };
                format!("{n} {t}{refers} {rest}").trim_end().to_string()
            })
            .collect();
        parts.extend(self.constraints.iter().map(|c| c.to_string()));
        format!("CREATE TABLE {} (\n  {}\n)", self.name, parts.join(",\n  "))
    }
}

/// Every statement that creates an empty catalog.
pub fn create_statements() -> Vec<String> {
    let mut out: Vec<String> = TABLES.iter().map(Table::create_sql).collect();
    for (name, table, cols, unique) in INDEXES {
        let u = if *unique { "UNIQUE " } else { "" };
        out.push(format!("CREATE {u}INDEX {name} ON {table} ({cols})"));
    }
    out
}
