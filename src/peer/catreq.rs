//! What the storage daemon sends the Director during a job: catalog
//! requests (`CatReq`: FindMedia, GetVolInfo, UpdateMedia, CreateJobMedia),
//! file attributes (`UpdCat`), job messages (`Jmsg`), status and the end of
//! the job. Each is answered as bacula-dir 9.6.7 answers it, names with
//! their spaces bashed both ways (Pool, Media Type and Volume names, the
//! spool file's; `bnet::spaces`): the catalog sees the real names.

use std::collections::HashMap;

use rusqlite::{params, OptionalExtension};

use crate::bnet::spaces::{bash_spaces, unbash_spaces};
use crate::bnet::{rawtext, BnetError, Connection};
use crate::catalog::{Catalog, FileRecord, NameCache};
use crate::director::Director;

/// The number after `key=` in a line.
pub(super) fn field(line: &str, key: &str) -> Option<i64> {
    fields(line).get(key).and_then(|v| v.parse().ok())
}

/// A `Jmsg JobId=N type=T level=L text` line, for
/// `Director::daemon_message` (messages/ reads its type and text).
pub(super) fn job_message(line: &str) -> Option<&str> {
    crate::messages::daemon_line(line).map(|_| line)
}

/// The name after `key=` in a line, its spaces unbashed.
fn name_field(f: &HashMap<&str, &str>, key: &str) -> String {
    f.get(key).map(|v| unbash_spaces(v)).unwrap_or_default()
}

/// `key=value` words of a line.
fn fields(line: &str) -> HashMap<&str, &str> {
    line.split_whitespace()
        .filter_map(|w| w.split_once('='))
        .collect()
}

/// The `1000 OK VolName=…` answer for a Media record.
pub fn vol_info(cat: &Catalog, name: &str) -> Option<String> {
    cat.db()
        .query_row(
            "SELECT VolumeName, VolJobs, VolFiles, VolBlocks, VolBytes, VolABytes, VolHoleBytes, VolHoles, VolMounts, VolErrors, VolWrites, MaxVolBytes, VolCapacityBytes, VolStatus, Slot, MaxVolJobs, MaxVolFiles, InChanger, VolReadTime, VolWriteTime, EndFile, EndBlock, VolType, LabelType, MediaId, ScratchPoolId, VolParts, VolCloudParts, LastPartBytes, Enabled, Recycle FROM Media WHERE VolumeName = ?1",
            params![name],
            |r| {
                let i = |n: usize| r.get::<_, i64>(n).unwrap_or(0);
                Ok(format!(
                    "1000 OK VolName={} VolJobs={} VolFiles={} VolBlocks={} VolBytes={} VolABytes={} VolHoleBytes={} VolHoles={} VolMounts={} VolErrors={} VolWrites={} MaxVolBytes={} VolCapacityBytes={} VolStatus={} Slot={} MaxVolJobs={} MaxVolFiles={} InChanger={} VolReadTime={} VolWriteTime={} EndFile={} EndBlock={} VolType={} LabelType={} MediaId={} ScratchPoolId={} VolParts={} VolCloudParts={} LastPartBytes={} Enabled={} Recycle={}\n",
                    bash_spaces(&r.get::<_, String>(0)?),
                    i(1), i(2), i(3), i(4), i(5), i(6), i(7), i(8), i(9), i(10), i(11), i(12),
                    r.get::<_, String>(13)?,
                    i(14), i(15), i(16), i(17), i(18), i(19), i(20), i(21), i(22), i(23), i(24), i(25), i(26), i(27), i(28), i(29), i(30)
                ))
            },
        )
        .optional()
        .ok()
        .flatten()
}

/// Applies an UpdateMedia request to the Media record. A volume just
/// labeled (LabelDate still 0, or `relabel=1`) takes the job's start as
/// its LabelDate and InitialWrite, as bacula-dir's catreq.c does: `label`
/// leaves them unset.
fn update_media(cat: &Catalog, line: &str) -> Result<(), String> {
    let f = fields(line);
    if !f.contains_key("VolName") {
        return Err("UpdateMedia without VolName".into());
    }
    let name = name_field(&f, "VolName");
    let n = |k: &str| f.get(k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let first = n("VolFirstWritten");
    let end = n("EndTime");
    cat.db()
        .execute(
            "UPDATE Media SET VolJobs=?2, VolFiles=?3, VolBlocks=?4, VolBytes=?5, VolABytes=?6, VolHoleBytes=?7, VolHoles=?8, VolMounts=?9, VolErrors=?10, VolWrites=?11, MaxVolBytes=?12, VolStatus=?13, Slot=?14, InChanger=?15, VolReadTime=?16, VolWriteTime=?17, VolType=?18, VolParts=?19, VolCloudParts=?20, LastPartBytes=?21, Enabled=?22, Recycle=?23,
               LastWritten = CASE WHEN ?24 > 0 THEN datetime(?24, 'unixepoch', 'localtime') ELSE LastWritten END,
               FirstWritten = CASE WHEN ?25 > 0 AND (FirstWritten IS NULL OR FirstWritten = 0) THEN datetime(?25, 'unixepoch', 'localtime') ELSE FirstWritten END,
               LabelDate = CASE WHEN ?26 = 1 OR LabelDate IS NULL OR LabelDate = 0 THEN COALESCE((SELECT StartTime FROM Job WHERE JobId = ?27), LabelDate) ELSE LabelDate END,
               InitialWrite = CASE WHEN (?26 = 1 OR LabelDate IS NULL OR LabelDate = 0) AND (InitialWrite IS NULL OR InitialWrite = 0) THEN COALESCE((SELECT StartTime FROM Job WHERE JobId = ?27), InitialWrite) ELSE InitialWrite END
             WHERE VolumeName = ?1",
            params![
                name,
                n("VolJobs"), n("VolFiles"), n("VolBlocks"), n("VolBytes"), n("VolABytes"), n("VolHoleBytes"), n("VolHoles"),
                n("VolMounts"), n("VolErrors"), n("VolWrites"), n("MaxVolBytes"),
                f.get("VolStatus").copied().unwrap_or("Append"),
                n("Slot"), n("InChanger"), n("VolReadTime"), n("VolWriteTime"), n("VolType"), n("VolParts"),
                n("VolCloudParts"), n("LastPartBytes"), n("Enabled"), n("Recycle"), end, first,
                n("relabel"), n("JobId")
            ],
        )
        .map(drop)
        .map_err(|e| e.to_string())
}

/// What the storage daemon reported by the end of the job.
#[derive(Debug, Default, Clone)]
pub struct SdReport {
    pub status: char,
    pub files: i64,
    pub bytes: i64,
    pub errors: i64,
    pub volumes: Vec<String>,
    /// The first catalog write this job's requests needed that the
    /// catalog refused (attributes, JobMedia, Media): the job cannot end
    /// well with records missing, as in Bacula (dird/catreq.c, M_FATAL).
    pub catalog_refused: Option<String>,
    /// Files whose attributes are not in the catalog.
    pub files_missing: i64,
}

impl SdReport {
    fn refused(&mut self, why: String) {
        self.catalog_refused.get_or_insert(why);
    }
}

/// The job's side of volume handling, as the storage daemon's requests
/// need it.
pub trait Volumes: Send {
    /// The volume for append in `pool` (found or created), or why there
    /// is none.
    fn find(&mut self, pool: &str) -> Result<String, String>;
    /// `volume` has just become Full.
    fn full(&mut self, volume: &str);
    /// Whether the storage daemon may write on `volume`, which it has
    /// mounted (recycling it when it can); why not, when it may not.
    fn check_for_write(&mut self, _volume: &str) -> Result<(), String> {
        Ok(())
    }
}

/// The Director's answers to the storage daemon for one job.
pub struct Handler<'a> {
    pub job_id: i64,
    director: &'a Director,
    /// The job's Messages resource.
    messages: Option<String>,
    volumes: &'a mut dyn Volumes,
    files: Vec<FileRecord>,
    cache: NameCache,
    pub report: SdReport,
}

impl<'a> Handler<'a> {
    pub fn new(
        director: &'a Director,
        job_id: i64,
        messages: Option<String>,
        volumes: &'a mut dyn Volumes,
    ) -> Handler<'a> {
        Handler {
            job_id,
            director,
            messages,
            volumes,
            files: Vec::new(),
            cache: NameCache::default(),
            report: SdReport::default(),
        }
    }

    fn catalog(&self) -> std::sync::MutexGuard<'a, Catalog> {
        self.director.catalog()
    }

    fn message(&self, text: &str) {
        self.director
            .job_message(self.job_id, self.messages.as_deref(), text);
    }

    fn flush_files(&mut self) {
        if self.files.is_empty() {
            return;
        }
        let files = std::mem::take(&mut self.files);
        let inserted = self
            .catalog()
            .insert_files(self.job_id, &files, &mut self.cache);
        if let Err(e) = inserted {
            let why = format!(
                "Attribute create error: the attributes of {} file(s) are not in the catalog: {e}",
                files.len()
            );
            self.message(&why);
            self.report.errors += 1;
            self.report.files_missing += files.len() as i64;
            self.report.refused(why);
        }
    }

    /// Reads the records of an attribute spool file (the packets the
    /// storage daemon would have sent, each with its length) into the
    /// catalog; how many there were.
    fn read_attribute_spool(&mut self, path: &str) -> Result<usize, String> {
        let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
        // Only a spool file: a device or a FIFO could be read forever.
        if !file.metadata().map(|m| m.is_file()).unwrap_or(false) {
            return Err("not a regular file".into());
        }
        let mut reader = std::io::BufReader::new(file);
        let mut inflate = Vec::new();
        let mut n = 0;
        loop {
            match crate::bnet::packet::read_packet(&mut reader, &mut inflate) {
                Ok(crate::bnet::Packet::Data(d)) => {
                    n += 1;
                    if d.starts_with(b"UpdCat JobId=") {
                        self.file_attributes(&d);
                    }
                }
                Ok(crate::bnet::Packet::Signal(_)) => {}
                Err(crate::bnet::packet::ReadError::Io(e))
                    if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    break
                }
                Err(e) => return Err(format!("unreadable spool record: {e:?}")),
            }
        }
        self.flush_files();
        Ok(n)
    }

    /// Handles one packet; true once the job's end has been reported.
    pub fn handle(&mut self, conn: &mut Connection, data: &[u8]) -> Result<bool, BnetError> {
        const UPDCAT: &[u8] = b"UpdCat JobId=";
        if data.starts_with(UPDCAT) {
            self.file_attributes(data);
            return Ok(false);
        }
        let line = rawtext::decode(data)
            .trim_end_matches(['\n', '\0'])
            .to_string();
        // `Status JobId=` lines (the daemon's status letter) need no answer.
        if let Some(text) = job_message(&line) {
            self.director
                .daemon_message(self.job_id, self.messages.as_deref(), text);
        } else if line.starts_with("CatReq JobId=") {
            self.catreq(conn, &line)?;
        } else if let Some(path) = line
            .strip_prefix("BlastAttr JobId=")
            .and_then(|r| r.split_once(" File="))
            .map(|(_, p)| unbash_spaces(p))
        {
            // Spooled attributes: read the storage daemon's spool file when
            // it is on this machine; else ask for them over the connection.
            let answer = match self.read_attribute_spool(&path) {
                Ok(n) => {
                    tracing::info!(
                        "JobId {}: {n} spooled attribute records read from {path}",
                        self.job_id
                    );
                    "1000 OK BlastAttr\n"
                }
                Err(e) => {
                    tracing::info!(
                        "JobId {}: {path}: {e}; the storage daemon sends the attributes instead",
                        self.job_id
                    );
                    "1990 ERROR BlastAttr\n"
                }
            };
            conn.send(answer)?;
        } else if line.starts_with("3099 Job ") {
            let n = |k: &str| field(&line, k).unwrap_or(0);
            self.report.status = u8::try_from(n("JobStatus")).map(char::from).unwrap_or('f');
            self.report.files = n("JobFiles");
            self.report.bytes = n("JobBytes");
            self.report.errors += n("JobErrors");
            self.flush_files();
            return Ok(true);
        }
        Ok(false)
    }

    fn volume_status(&self, name: &str) -> Option<String> {
        self.catalog()
            .db()
            .query_row(
                "SELECT VolStatus FROM Media WHERE VolumeName = ?1",
                [name],
                |r| r.get(0),
            )
            .ok()
    }

    fn catreq(&mut self, conn: &mut Connection, line: &str) -> Result<(), BnetError> {
        let f = fields(line);
        if f.contains_key("FindMedia") {
            let pool = name_field(&f, "pool_name");
            let pool = pool.as_str();
            let answer = match self.volumes.find(pool) {
                Ok(name) => {
                    vol_info(&self.catalog(), &name).unwrap_or_else(|| "1901 No Media.\n".into())
                }
                Err(why) => {
                    self.message(&format!("No volume for Pool \"{pool}\": {why}"));
                    format!("1901 No Media. {}\n", why.replace('\n', " "))
                }
            };
            return conn.send(answer);
        }
        if line.contains(" GetVolInfo ") {
            let name = name_field(&f, "VolName");
            let name = name.as_str();
            let known = self.volume_status(name);
            let refused = match (&known, f.get("write")) {
                (Some(_), Some(&"1")) => self.volumes.check_for_write(name).err(),
                _ => None,
            };
            let answer = match (known, refused) {
                (None, _) => format!("1998 Volume \"{name}\" catalog status is unknown.\n"),
                (Some(_), Some(why)) => {
                    let status = self.volume_status(name).unwrap_or_default();
                    format!("1998 Volume \"{name}\" catalog status is {status}, {why}.\n")
                }
                (Some(_), None) => match vol_info(&self.catalog(), name) {
                    // Only a volume the job may use is its own: the SD also asks
                    // about volumes it then leaves (another pool's, mounted for
                    // another job on the same device).
                    Some(info) => {
                        if !self.report.volumes.iter().any(|v| v == name) && !name.is_empty() {
                            self.report.volumes.push(name.to_string());
                        }
                        info
                    }
                    None => format!("1998 Volume \"{name}\" catalog status is unknown.\n"),
                },
            };
            return conn.send(answer);
        }
        if line.contains(" UpdateMedia ") {
            let name = name_field(&f, "VolName");
            let was_full = self.volume_status(&name).as_deref() == Some("Full");
            let updated = update_media(&self.catalog(), line);
            // Bacula checks the volume's limits before it answers.
            let expired = match &updated {
                Ok(()) => self.catalog().check_volume_limits(&name).ok().flatten(),
                Err(_) => None,
            };
            if let Some(msg) = &expired {
                self.message(msg);
            }
            let answer = match updated {
                Ok(()) => vol_info(&self.catalog(), &name)
                    .unwrap_or_else(|| "1991 Update Media error\n".into()),
                Err(e) => {
                    let why = format!("Catalog error updating Media record of \"{name}\": {e}");
                    self.message(&why);
                    self.report.refused(why);
                    "1993 Update Media error\n".into()
                }
            };
            let sent = conn.send(answer);
            if !was_full && self.volume_status(&name).as_deref() == Some("Full") {
                self.volumes.full(&name);
            }
            return sent;
        }
        if line.contains(" CreateJobMedia") {
            let rows = super::read_until_eod(conn)?;
            let cat = self.catalog();
            let mut refused = None;
            for r in rows {
                let v: Vec<i64> = r
                    .split_whitespace()
                    .filter_map(|x| x.parse().ok())
                    .collect();
                if v.len() == 7 {
                    let added = cat.db().execute(
                        "INSERT INTO JobMedia (JobId, MediaId, FirstIndex, LastIndex, StartFile, EndFile, StartBlock, EndBlock) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        params![self.job_id, v[6], v[0], v[1], v[2], v[3], v[4], v[5]],
                    );
                    if let Err(e) = added {
                        refused.get_or_insert(e);
                    }
                }
            }
            drop(cat);
            if let Some(e) = refused {
                let why = format!("Catalog error creating JobMedia record: {e}");
                self.message(&why);
                self.report.refused(why);
                return conn.send("1992 Create JobMedia error\n");
            }
            return conn.send("1000 OK CreateJobMedia\n");
        }
        conn.send("1990 Invalid Catalog Request\n")
    }

    /// `UpdCat JobId=N FileAttributes ` and five big-endian words (volume
    /// session id and time, FileIndex, stream, length), then the record.
    fn file_attributes(&mut self, data: &[u8]) {
        let Some(pos) = data.windows(15).position(|w| w == b"FileAttributes ") else {
            return;
        };
        let rest = &data[pos + 15..];
        if rest.len() < 20 {
            return;
        }
        let word = |i: usize| u32::from_be_bytes([rest[i], rest[i + 1], rest[i + 2], rest[i + 3]]);
        let file_index = word(8) as i64;
        let stream = word(12);
        let body = &rest[20..];
        match stream {
            1 => {
                let parts: Vec<&[u8]> = body.split(|b| *b == 0).collect();
                let head = rawtext::decode(parts.first().copied().unwrap_or(b""));
                let mut words = head.splitn(3, ' ');
                let _fi = words.next();
                let file_type = words.next().unwrap_or("");
                let fname = words.next().unwrap_or("").to_string();
                let lstat = rawtext::decode(parts.get(1).copied().unwrap_or(b""));
                let (path, name) = if file_type == "5" || fname.ends_with('/') {
                    let p = if fname.ends_with('/') {
                        fname.clone()
                    } else {
                        format!("{fname}/")
                    };
                    (p, String::new())
                } else {
                    match fname.rfind('/') {
                        Some(i) => (fname[..=i].to_string(), fname[i + 1..].to_string()),
                        None => (String::new(), fname.clone()),
                    }
                };
                self.files.push(FileRecord {
                    file_index,
                    path,
                    name,
                    lstat,
                    md5: "0".into(),
                });
                if self.files.len() >= 10_000 {
                    self.flush_files();
                }
            }
            3 => {
                if let Some(last) = self
                    .files
                    .iter_mut()
                    .rev()
                    .find(|f| f.file_index == file_index)
                {
                    last.md5 = crate::bnet::base64::encode_digest(body);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_the_storage_daemons_requests_are_read_with_their_spaces() {
        let f = fields(
            "CatReq JobId=3 FindMedia=1 pool_name=My\x01Pool media_type=Spaced\x01Media vol_type=1",
        );
        assert_eq!(name_field(&f, "pool_name"), "My Pool");
        assert_eq!(name_field(&f, "media_type"), "Spaced Media");
        assert_eq!(name_field(&f, "VolName"), "");
    }
}
