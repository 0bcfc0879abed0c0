//! Bootstrap (BSR) records for a restore: for each source job and each
//! volume it wrote, the session, the addresses on the volume and the
//! ranges of file indexes to read, in Bacula's bootstrap format.

use crate::catalog::{Extent, SourceFile, SourceJob};

/// One bootstrap record: a session's part on one volume.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub volume: String,
    pub media_type: String,
    pub vol_session_id: i64,
    pub vol_session_time: i64,
    pub start_addr: u64,
    pub end_addr: u64,
    /// Inclusive ranges of file indexes.
    pub ranges: Vec<(i64, i64)>,
    pub count: usize,
}

/// Sorted indexes as inclusive ranges.
fn ranges(indexes: &[i64]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for &i in indexes {
        match out.last_mut() {
            Some((_, end)) if *end + 1 == i => *end = i,
            Some((_, end)) if *end == i => {}
            _ => out.push((i, i)),
        }
    }
    out
}

/// The records that read `files` (from `jobs`); `extents` gives where a
/// job's data lies.
pub fn build(
    jobs: &[SourceJob],
    files: &[SourceFile],
    extents: &dyn Fn(i64) -> Vec<Extent>,
) -> Vec<Record> {
    let mut out = Vec::new();
    for job in jobs {
        let mut indexes: Vec<i64> = files
            .iter()
            .filter(|f| f.job_id == job.job_id)
            .map(|f| f.file_index)
            .collect();
        if indexes.is_empty() {
            continue;
        }
        indexes.sort_unstable();
        for e in extents(job.job_id) {
            let here: Vec<i64> = indexes
                .iter()
                .copied()
                .filter(|i| (e.first_index..=e.last_index).contains(i))
                .collect();
            if here.is_empty() {
                continue;
            }
            out.push(Record {
                volume: e.volume.clone(),
                media_type: e.media_type.clone(),
                vol_session_id: job.vol_session_id,
                vol_session_time: job.vol_session_time,
                start_addr: e.start_addr,
                end_addr: e.end_addr,
                count: here.len(),
                ranges: ranges(&here),
            });
        }
    }
    out
}

/// The records as the storage daemon reads them, one line per packet.
pub fn lines(records: &[Record], storage: &str, device: &str) -> Vec<String> {
    let mut out = Vec::new();
    for r in records {
        out.push(format!("Storage=\"{storage}\"\n"));
        out.push(format!("Volume=\"{}\"\n", r.volume));
        out.push(format!("MediaType=\"{}\"\n", r.media_type));
        out.push(format!("Device=\"{device}\"\n"));
        out.push(format!("VolSessionId={}\n", r.vol_session_id));
        out.push(format!("VolSessionTime={}\n", r.vol_session_time));
        out.push(format!("VolAddr={}-{}\n", r.start_addr, r.end_addr));
        for (a, b) in &r.ranges {
            if a == b {
                out.push(format!("FileIndex={a}\n"));
            } else {
                out.push(format!("FileIndex={a}-{b}\n"));
            }
        }
        out.push(format!("Count={}\n", r.count));
    }
    out
}

/// The volumes the records read, each once, in order.
pub fn volumes(records: &[Record]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in records {
        if !out.contains(&r.volume) {
            out.push(r.volume.clone());
        }
    }
    out
}

/// The records that read everything a job wrote (its Write Bootstrap).
pub fn whole_job(job: &SourceJob, extents: &[Extent]) -> Vec<Record> {
    extents
        .iter()
        .map(|e| Record {
            volume: e.volume.clone(),
            media_type: e.media_type.clone(),
            vol_session_id: job.vol_session_id,
            vol_session_time: job.vol_session_time,
            start_addr: e.start_addr,
            end_addr: e.end_addr,
            ranges: vec![(e.first_index, e.last_index)],
            count: (e.last_index - e.first_index + 1).max(0) as usize,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(id: i64, session: i64) -> SourceJob {
        SourceJob {
            job_id: id,
            level: "F".into(),
            files: 0,
            bytes: 0,
            start: String::new(),
            client_id: 1,
            vol_session_id: session,
            vol_session_time: 1_795_668_831,
        }
    }

    fn file(job_id: i64, file_index: i64) -> SourceFile {
        SourceFile {
            job_id,
            file_index,
            path: "/srv/".into(),
            name: format!("f{file_index}"),
            size: 0,
            mode: 0o100644,
            mtime: 0,
            ctime: 0,
            nlink: 1,
            uid: 0,
            gid: 0,
            link_fi: 0,
        }
    }

    #[test]
    fn a_job_spanning_two_volumes_gives_a_record_per_volume() {
        let extents = |id: i64| {
            assert_eq!(id, 1);
            vec![
                Extent {
                    volume: "V1".into(),
                    media_type: "File".into(),
                    first_index: 1,
                    last_index: 4,
                    start_addr: 218,
                    end_addr: 1000,
                },
                Extent {
                    volume: "V2".into(),
                    media_type: "File".into(),
                    first_index: 4,
                    last_index: 9,
                    start_addr: (1 << 32) | 200,
                    end_addr: (1 << 32) | 900,
                },
            ]
        };
        let files: Vec<SourceFile> = [1, 2, 4, 6, 7, 8].iter().map(|&i| file(1, i)).collect();
        let records = build(&[job(1, 2), job(2, 3)], &files, &extents);
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].ranges, [(1, 2), (4, 4)]);
        assert_eq!(records[1].ranges, [(4, 4), (6, 8)]);
        assert_eq!(volumes(&records), ["V1", "V2"]);
        let text: String = lines(&records[1..], "File", "FileDev").concat();
        assert_eq!(
            text,
            "Storage=\"File\"\nVolume=\"V2\"\nMediaType=\"File\"\nDevice=\"FileDev\"\nVolSessionId=2\nVolSessionTime=1795668831\nVolAddr=4294967496-4294968196\nFileIndex=4\nFileIndex=6-8\nCount=4\n"
        );
    }
}
