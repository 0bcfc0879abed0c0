//! The directives of every Director resource kind, as Bacula 9.6 defines
//! them: name, value type, required or not, default, and whether rdird acts
//! on it yet.
//!
//! The tables keep Bacula's order, which is also the order of `config dump`.
//! Lower-case names are Bacula's deprecated spellings: they are accepted,
//! stored under the directive they stand for (`alias`), and never dumped
//! under their own name.

/// Resource kinds, in the order Bacula lists them (and dumps them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Director,
    Client,
    Job,
    Storage,
    Catalog,
    Schedule,
    Fileset,
    Pool,
    Messages,
    Counter,
    Console,
    JobDefs,
    Statistics,
}

impl Kind {
    pub const ALL: [Kind; 13] = [
        Kind::Director,
        Kind::Client,
        Kind::Job,
        Kind::Storage,
        Kind::Catalog,
        Kind::Schedule,
        Kind::Fileset,
        Kind::Pool,
        Kind::Messages,
        Kind::Counter,
        Kind::Console,
        Kind::JobDefs,
        Kind::Statistics,
    ];

    /// The name Bacula gives the kind (and the key in the JSON dump).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Director => "Director",
            Kind::Client => "Client",
            Kind::Job => "Job",
            Kind::Storage => "Storage",
            Kind::Catalog => "Catalog",
            Kind::Schedule => "Schedule",
            Kind::Fileset => "Fileset",
            Kind::Pool => "Pool",
            Kind::Messages => "Messages",
            Kind::Counter => "Counter",
            Kind::Console => "Console",
            Kind::JobDefs => "JobDefs",
            Kind::Statistics => "Statistics",
        }
    }

    /// The kind a resource keyword names; `Autochanger` is a Storage.
    pub fn from_keyword(word: &str) -> Option<Kind> {
        if word.eq_ignore_ascii_case("Autochanger") {
            return Some(Kind::Storage);
        }
        Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(word))
    }

    /// Every keyword that opens a resource, for suggestions.
    pub fn keywords() -> Vec<&'static str> {
        let mut v: Vec<&'static str> = Kind::ALL.iter().map(|k| k.name()).collect();
        v.push("Autochanger");
        v
    }

    pub fn items(self) -> &'static [Item] {
        match self {
            Kind::Director => DIRECTOR,
            Kind::Client => CLIENT,
            Kind::Job | Kind::JobDefs => JOB,
            Kind::Storage => STORAGE,
            Kind::Catalog => CATALOG,
            Kind::Schedule => SCHEDULE,
            Kind::Fileset => FILESET,
            Kind::Pool => POOL,
            Kind::Messages => MESSAGES,
            Kind::Counter => COUNTER,
            Kind::Console => CONSOLE,
            Kind::Statistics => STATISTICS,
        }
    }

    /// Index of the directive called `name` (any spelling), if any.
    pub fn find_item(self, name: &str) -> Option<usize> {
        self.items()
            .iter()
            .position(|i| i.name.eq_ignore_ascii_case(name))
    }

    /// Index of the slot a directive stores into (its alias target, or itself).
    pub fn slot_of(self, index: usize) -> usize {
        let item = &self.items()[index];
        match item.alias {
            Some(target) => self.find_item(target).unwrap_or(index),
            None => index,
        }
    }
}

/// Message destinations (Bacula's MD_ codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dest {
    Syslog,
    Mail,
    MailOnError,
    MailOnSuccess,
    File,
    Append,
    Stdout,
    Stderr,
    Director,
    Console,
    Operator,
    Catalog,
}

/// How a directive's value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// The resource's name.
    Name,
    Str,
    /// A name-like string (Media Type, Pool Type, Label Format).
    StrName,
    /// A path; `~` and `$VAR` are expanded unless it starts with `|`.
    Dir,
    Password,
    Int32,
    PInt32,
    Size64,
    Time,
    Speed,
    Bool,
    /// A yes/no stored as a bit (Catalog MultipleConnections).
    Bit,
    /// A reference to one resource of a kind.
    Res(Kind),
    /// A comma-separated or repeated list of references.
    ResList(Kind),
    /// A comma-separated or repeated list of strings.
    StrList,
    Msgs(Dest),
    JobType,
    Level,
    Replace,
    MigType,
    Label,
    ActionOnPurge,
    /// Storage `Autochanger`: yes/no or the name of a Storage.
    Autochanger,
    /// Storage `SharedStorage`: the name of a Storage.
    SharedStorage,
    /// Storage `Device`: names of devices on the storage daemon.
    Device,
    Acl,
    /// Schedule `Run`.
    Run,
    /// FileSet `Include { }`.
    Include,
    /// FileSet `Exclude { }`.
    Exclude,
    /// Job `RunBeforeJob` and its kin.
    ShortRunscript,
    /// Job `RunScript { }`.
    Runscript,
    /// Director `DirAddresses { }`.
    Addresses,
    /// Director `DirAddress`.
    AddressesAddress,
    /// Director `DirPort`.
    AddressesPort,
    /// Statistics `Type`.
    CollType,
}

/// One directive.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub name: &'static str,
    pub handler: Handler,
    pub required: bool,
    /// Bacula's default, in the value's unit (seconds, bytes, 0/1).
    pub default: Option<i64>,
    /// The directive this spelling stands for.
    pub alias: Option<&'static str>,
    /// rdird acts on it; otherwise a file using it gets one warning.
    pub acted_on: bool,
}

const fn it(name: &'static str, handler: Handler) -> Item {
    Item {
        name,
        handler,
        required: false,
        default: None,
        alias: None,
        acted_on: true,
    }
}

const fn req(name: &'static str, handler: Handler) -> Item {
    Item {
        required: true,
        ..it(name, handler)
    }
}

const fn def(name: &'static str, handler: Handler, default: i64) -> Item {
    Item {
        default: Some(default),
        ..it(name, handler)
    }
}

/// A directive Bacula 9.6 accepts that rdird does not act on yet.
const fn later(item: Item) -> Item {
    Item {
        acted_on: false,
        ..item
    }
}

const fn alias(name: &'static str, handler: Handler, target: &'static str) -> Item {
    Item {
        alias: Some(target),
        ..it(name, handler)
    }
}

use Handler::*;

const DAY: i64 = 60 * 60 * 24;

pub static DIRECTOR: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    it("Messages", Res(Kind::Messages)),
    def("DirPort", AddressesPort, 9101),
    def("DirAddress", AddressesAddress, 9101),
    def("DirAddresses", Addresses, 9101),
    later(it("DirSourceAddress", AddressesAddress)),
    req("QueryFile", Dir),
    req("WorkingDirectory", Dir),
    later(it("PluginDirectory", Dir)),
    it("ScriptsDirectory", Dir),
    req("PidDirectory", Dir),
    later(it("SubsysDirectory", Dir)),
    def("MaximumConcurrentJobs", PInt32, 20),
    later(def("MaximumReloadRequests", PInt32, 32)),
    def("MaximumConsoleConnections", PInt32, 20),
    req("Password", Password),
    def("FdConnectTimeout", Time, 3 * 60),
    def("SdConnectTimeout", Time, 30 * 60),
    def("HeartbeatInterval", Time, 5 * 60),
    later(it("TlsAuthenticate", Bool)),
    later(it("TlsEnable", Bool)),
    later(it("TlsRequire", Bool)),
    later(def("TlsVerifyPeer", Bool, 1)),
    later(it("TlsCaCertificateFile", Dir)),
    later(it("TlsCaCertificateDir", Dir)),
    later(it("TlsCertificate", Dir)),
    later(it("TlsKey", Dir)),
    later(it("TlsDhFile", Dir)),
    later(it("TlsAllowedCn", StrList)),
    later(def("StatisticsRetention", Time, DAY * 31 * 12 * 5)),
    later(it("VerId", Str)),
    def("CommCompression", Bool, 1),
    // rdird's own directives.
    def("PythonEventTimeout", Time, 30),
    def("PythonLegacySyntax", Bool, 1),
    // Off unless set: a limit nobody chose must not restart scripts.
    it("PythonMemoryLimit", Size64),
    def("MaximumConsoleLogins", PInt32, 128),
    def("ConsoleIdleTimeout", Time, 60 * 60),
];

pub static CONSOLE: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    req("Password", Password),
    it("JobAcl", Acl),
    it("ClientAcl", Acl),
    it("StorageAcl", Acl),
    it("ScheduleAcl", Acl),
    it("RunAcl", Acl),
    it("PoolAcl", Acl),
    it("CommandAcl", Acl),
    it("FilesetAcl", Acl),
    it("CatalogAcl", Acl),
    it("WhereAcl", Acl),
    it("RestoreClientAcl", Acl),
    it("BackupClientAcl", Acl),
    later(it("PluginOptionsAcl", Acl)),
    later(it("TlsAuthenticate", Bool)),
    later(it("TlsEnable", Bool)),
    later(it("TlsRequire", Bool)),
    later(def("TlsVerifyPeer", Bool, 1)),
    later(it("TlsCaCertificateFile", Dir)),
    later(it("TlsCaCertificateDir", Dir)),
    later(it("TlsCertificate", Dir)),
    later(it("TlsKey", Dir)),
    later(it("TlsDhFile", Dir)),
    later(it("TlsAllowedCn", StrList)),
];

pub static CLIENT: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    alias("fdaddress", Str, "Address"),
    req("Address", Str),
    def("FdPort", PInt32, 9102),
    alias("fdpassword", Password, "Password"),
    req("Password", Password),
    later(it("FdStorageAddress", Str)),
    req("Catalog", Res(Kind::Catalog)),
    def("FileRetention", Time, DAY * 60),
    def("JobRetention", Time, DAY * 180),
    def("HeartbeatInterval", Time, 5 * 60),
    def("AutoPrune", Bool, 1),
    later(def("SDCallsClient", Bool, 0)),
    later(def("SnapshotRetention", Time, 0)),
    def("MaximumConcurrentJobs", PInt32, 1),
    later(it("TlsAuthenticate", Bool)),
    later(it("TlsEnable", Bool)),
    later(it("TlsRequire", Bool)),
    later(it("TlsCaCertificateFile", Dir)),
    later(it("TlsCaCertificateDir", Dir)),
    later(it("TlsCertificate", Dir)),
    later(it("TlsKey", Dir)),
    later(it("TlsAllowedCn", StrList)),
    later(it("MaximumBandwidthPerJob", Speed)),
    def("Enabled", Bool, 1),
];

pub static STORAGE: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    def("SdPort", PInt32, 9103),
    alias("sdaddress", Str, "Address"),
    req("Address", Str),
    later(it("FdStorageAddress", Str)),
    alias("sdpassword", Password, "Password"),
    req("Password", Password),
    req("Device", Device),
    req("MediaType", StrName),
    it("Autochanger", Autochanger),
    later(it("SharedStorage", SharedStorage)),
    def("Enabled", Bool, 1),
    def("AllowCompression", Bool, 1),
    def("HeartbeatInterval", Time, 5 * 60),
    def("MaximumConcurrentJobs", PInt32, 1),
    def("MaximumConcurrentReadjobs", PInt32, 0),
    later(it("sddport", PInt32)),
    later(it("TlsAuthenticate", Bool)),
    later(it("TlsEnable", Bool)),
    later(it("TlsRequire", Bool)),
    later(it("TlsCaCertificateFile", Dir)),
    later(it("TlsCaCertificateDir", Dir)),
    later(it("TlsCertificate", Dir)),
    later(it("TlsKey", Dir)),
];

pub static CATALOG: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    alias("dbaddress", Str, "Address"),
    it("Address", Str),
    it("DbPort", PInt32),
    alias("dbpassword", Str, "Password"),
    it("Password", Str),
    alias("dbuser", Str, "User"),
    it("User", Str),
    req("DbName", Str),
    it("dbdriver", Str),
    it("DbSocket", Str),
    later(it("dbsslmode", Str)),
    later(it("dbsslkey", Str)),
    later(it("dbsslcert", Str)),
    later(it("dbsslca", Str)),
    later(it("dbsslcapath", Str)),
    later(it("MultipleConnections", Bit)),
    later(def("DisableBatchInsert", Bool, 0)),
];

pub static JOB: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    req("Type", JobType),
    it("Level", Level),
    req("Messages", Res(Kind::Messages)),
    it("Storage", ResList(Kind::Storage)),
    req("Pool", Res(Kind::Pool)),
    later(it("NextPool", Res(Kind::Pool))),
    it("FullBackupPool", Res(Kind::Pool)),
    later(it("VirtualFullBackupPool", Res(Kind::Pool))),
    it("IncrementalBackupPool", Res(Kind::Pool)),
    it("DifferentialBackupPool", Res(Kind::Pool)),
    req("Client", Res(Kind::Client)),
    req("Fileset", Res(Kind::Fileset)),
    it("Schedule", Res(Kind::Schedule)),
    it("VerifyJob", Res(Kind::Job)),
    alias("JobToVerify", Res(Kind::Job), "VerifyJob"),
    it("JobDefs", Res(Kind::JobDefs)),
    it("Run", StrList),
    it("Where", Dir),
    it("RegexWhere", Str),
    it("StripPrefix", Str),
    it("AddPrefix", Str),
    it("AddSuffix", Str),
    it("Bootstrap", Dir),
    it("RestoreClient", Str),
    it("WriteBootstrap", Dir),
    later(it("WriteVerifyList", Dir)),
    def("Replace", Replace, 0),
    later(it("MaximumBandwidth", Speed)),
    later(it("MaxRunSchedTime", Time)),
    it("MaxRunTime", Time),
    alias("fullmaxwaittime", Time, "FullMaxRunTime"),
    alias("incrementalmaxwaittime", Time, "IncrementalMaxRunTime"),
    alias("differentialmaxwaittime", Time, "DifferentialMaxRunTime"),
    it("FullMaxRunTime", Time),
    it("IncrementalMaxRunTime", Time),
    it("DifferentialMaxRunTime", Time),
    it("MaxWaitTime", Time),
    it("MaxStartDelay", Time),
    it("MaxFullInterval", Time),
    later(it("MaxVirtualFullInterval", Time)),
    it("MaxDiffInterval", Time),
    later(def("PrefixLinks", Bool, 0)),
    it("PruneJobs", Bool),
    it("PruneFiles", Bool),
    it("PruneVolumes", Bool),
    later(def("PurgeMigrationJob", Bool, 0)),
    def("Enabled", Bool, 1),
    later(def("SnapshotRetention", Time, 0)),
    def("SpoolAttributes", Bool, 1),
    def("SpoolData", Bool, 0),
    it("SpoolSize", Size64),
    later(def("ReRunFailedLevels", Bool, 0)),
    def("PreferMountedVolumes", Bool, 1),
    alias("runbeforejob", ShortRunscript, "Runscript"),
    alias("runafterjob", ShortRunscript, "Runscript"),
    alias("runafterfailedjob", ShortRunscript, "Runscript"),
    alias("clientrunbeforejob", ShortRunscript, "Runscript"),
    alias("clientrunafterjob", ShortRunscript, "Runscript"),
    alias("consolerunbeforejob", ShortRunscript, "Runscript"),
    alias("consolerunafterjob", ShortRunscript, "Runscript"),
    it("Runscript", Runscript),
    def("MaximumConcurrentJobs", PInt32, 1),
    later(def("MaximumSpawnedJobs", PInt32, 600)),
    def("RescheduleOnError", Bool, 0),
    def("RescheduleIncompleteJobs", Bool, 1),
    def("RescheduleInterval", Time, 60 * 30),
    it("RescheduleTimes", PInt32),
    def("Priority", PInt32, 10),
    later(def("BackupsToKeep", PInt32, 0)),
    def("AllowMixedPriority", Bool, 0),
    later(def("WritePartAfterJob", Bool, 1)),
    later(it("SelectionPattern", Str)),
    later(it("SelectionType", MigType)),
    it("Accurate", Bool),
    def("AllowDuplicateJobs", Bool, 1),
    later(def("allowhigherduplicates", Bool, 1)),
    later(def("CancelLowerLevelDuplicates", Bool, 0)),
    later(def("CancelQueuedDuplicates", Bool, 0)),
    later(def("CancelRunningDuplicates", Bool, 0)),
    later(def("DeleteConsolidatedJobs", Bool, 0)),
    later(it("PluginOptions", Str)),
    later(it("Base", ResList(Kind::Job))),
];

pub static FILESET: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    def("IgnoreFilesetChanges", Bool, 0),
    later(def("EnableVss", Bool, 1)),
    later(def("EnableSnapshot", Bool, 0)),
    it("Include", Include),
    it("Exclude", Exclude),
];

pub static SCHEDULE: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    it("Run", Run),
    def("Enabled", Bool, 1),
];

pub static POOL: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    req("PoolType", StrName),
    it("LabelFormat", StrName),
    later(it("LabelType", Label)),
    later(it("CleaningPrefix", StrName)),
    def("UseCatalog", Bool, 1),
    it("UseVolumeOnce", Bool),
    it("PurgeOldestVolume", Bool),
    it("ActionOnPurge", ActionOnPurge),
    it("RecycleOldestVolume", Bool),
    it("RecycleCurrentVolume", Bool),
    it("MaximumVolumes", PInt32),
    it("MaximumVolumeJobs", PInt32),
    it("MaximumVolumeFiles", PInt32),
    it("MaximumVolumeBytes", Size64),
    def("CatalogFiles", Bool, 1),
    later(it("CacheRetention", Time)),
    def("VolumeRetention", Time, DAY * 365),
    it("VolumeUseDuration", Time),
    later(it("MigrationTime", Time)),
    later(it("MigrationHighBytes", Size64)),
    later(it("MigrationLowBytes", Size64)),
    later(it("NextPool", Res(Kind::Pool))),
    it("Storage", ResList(Kind::Storage)),
    def("AutoPrune", Bool, 1),
    def("Recycle", Bool, 1),
    it("RecyclePool", Res(Kind::Pool)),
    it("ScratchPool", Res(Kind::Pool)),
    later(it("CopyPool", ResList(Kind::Pool))),
    it("Catalog", Res(Kind::Catalog)),
    it("FileRetention", Time),
    it("JobRetention", Time),
];

pub static COUNTER: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    def("Minimum", Int32, 0),
    def("Maximum", PInt32, i32::MAX as i64),
    it("WrapCounter", Res(Kind::Counter)),
    it("Catalog", Res(Kind::Catalog)),
];

pub static MESSAGES: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    it("MailCommand", Str),
    it("OperatorCommand", Str),
    // rdird's own: how long a mail or operator command may run.
    it("MailCommandTimeout", Time),
    it("Syslog", Msgs(Dest::Syslog)),
    it("Mail", Msgs(Dest::Mail)),
    it("MailOnError", Msgs(Dest::MailOnError)),
    it("MailOnSuccess", Msgs(Dest::MailOnSuccess)),
    it("File", Msgs(Dest::File)),
    it("Append", Msgs(Dest::Append)),
    it("Stdout", Msgs(Dest::Stdout)),
    it("Stderr", Msgs(Dest::Stderr)),
    it("Director", Msgs(Dest::Director)),
    it("Console", Msgs(Dest::Console)),
    it("Operator", Msgs(Dest::Operator)),
    it("Catalog", Msgs(Dest::Catalog)),
];

pub static STATISTICS: &[Item] = &[
    req("Name", Name),
    it("Description", Str),
    later(it("Prefix", Str)),
    later(it("Metrics", StrList)),
    later(def("Interval", Time, 5 * 60)),
    later(it("Port", PInt32)),
    later(it("Host", Str)),
    later(req("Type", CollType)),
    later(it("File", Str)),
    later(it("MangleMetric", Bool)),
];

/// Every spelling of every directive, for "did you mean".
pub fn all_directive_names(kind: Kind) -> Vec<&'static str> {
    kind.items()
        .iter()
        .filter(|i| i.name.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|i| i.name)
        .collect()
}
