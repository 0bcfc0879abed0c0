//! A restricted console's ACLs applied to what the catalog holds: which
//! jobs and volumes it may see and act on, and the SQL conditions that
//! keep the others out of a listing.
//!
//! A record the console may not see is answered exactly as a record that
//! does not exist, so that a refusal tells nothing about what is there.

use rusqlite::types::Value as SqlValue;

use super::login::{Acl, Login};
use crate::catalog::{Catalog, CatalogError, JobOwner};
use crate::director::Director;

impl Login {
    /// Whether some ACL of this console limits what it sees.
    pub fn is_restricted(&self) -> bool {
        let a = &self.acl;
        [
            &a.commands,
            &a.jobs,
            &a.clients,
            &a.storages,
            &a.pools,
            &a.filesets,
            &a.catalogs,
            &a.schedules,
            &a.wheres,
        ]
        .iter()
        .any(|l| l.is_some())
    }

    /// Whether the console may see a job of this Job resource on this
    /// Client: JobACL and ClientACL must both allow it.
    pub fn may_see_job(&self, job: &str, client: &str) -> bool {
        Acl::allows(&self.acl.jobs, job) && Acl::allows(&self.acl.clients, client)
    }

    /// Whether the console may see and change a catalog job: its Job,
    /// Client and (when it has one) Pool are all in the ACLs.
    pub fn may_act_on(&self, owner: &JobOwner) -> bool {
        self.may_see_job(&owner.name, &owner.client)
            && (owner.pool.is_empty() || Acl::allows(&self.acl.pools, &owner.pool))
    }

    /// The catalog job `job_id` when the console may see it; None when
    /// it does not exist or is outside the console's ACLs.
    pub fn visible_job(
        &self,
        catalog: &Catalog,
        job_id: i64,
    ) -> Result<Option<JobOwner>, CatalogError> {
        Ok(catalog
            .job_owner(job_id)?
            .filter(|o| self.may_see_job(&o.name, &o.client)))
    }

    /// The pool of the volume when the console may see it (PoolACL);
    /// None when the volume does not exist or its pool is outside.
    pub fn visible_volume_pool(
        &self,
        catalog: &Catalog,
        volume: &str,
    ) -> Result<Option<String>, CatalogError> {
        Ok(catalog
            .volume_pool(volume)?
            .filter(|p| Acl::allows(&self.acl.pools, p)))
    }

    /// Why the console may not remove the volume's jobs with it: the
    /// first job on it outside its ACLs (None: every job is its own).
    pub fn foreign_job_on_volume(
        &self,
        catalog: &Catalog,
        volume: &str,
    ) -> Result<Option<i64>, CatalogError> {
        if !self.is_restricted() {
            return Ok(None);
        }
        Ok(catalog
            .volume_job_owners(volume)?
            .into_iter()
            .find(|o| !self.may_act_on(o))
            .map(|o| o.job_id))
    }
}

/// Which of the Director's queued messages the console may take: a full
/// console all of them, a restricted one those of the jobs it may see
/// (never the Director's own, which may name any job or client).
pub fn message_filter(login: &Login, director: &Director) -> impl Fn(Option<i64>) -> bool {
    let visible: Option<std::collections::HashSet<i64>> = login.is_restricted().then(|| {
        let ids = director.queued_jobs();
        let catalog = director.catalog();
        ids.into_iter()
            .filter(|id| matches!(login.visible_job(&catalog, *id), Ok(Some(_))))
            .collect()
    });
    move |job| match (&visible, job) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(ids), Some(id)) => ids.contains(&id),
    }
}

/// ` AND column IN (?, ?)` for one ACL list, with its parameters; nothing
/// when the list is open, a condition no row meets when it is empty.
/// Names compare without case, as `Acl::allows` does.
pub fn names_filter(column: &str, acl: &Option<Vec<String>>, params: &mut Vec<SqlValue>) -> String {
    match acl {
        None => String::new(),
        Some(list) if list.is_empty() => " AND 0".to_string(),
        Some(list) => {
            let marks: Vec<&str> = list.iter().map(|_| "?").collect();
            params.extend(list.iter().map(|v| SqlValue::Text(v.clone())));
            format!(" AND {column} COLLATE NOCASE IN ({})", marks.join(","))
        }
    }
}

/// ` AND …` keeping only the Job rows (the table named `job`) the
/// console may see: JobACL on the name, ClientACL on the client.
pub fn jobs_filter(job: &str, acl: &Acl, params: &mut Vec<SqlValue>) -> String {
    let mut sql = names_filter(&format!("{job}.Name"), &acl.jobs, params);
    if acl.clients.is_some() {
        let clients = names_filter("Client.Name", &acl.clients, params);
        sql.push_str(&format!(
            " AND {job}.ClientId IN (SELECT Client.ClientId FROM Client WHERE 1{clients})"
        ));
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(jobs: Option<&[&str]>, clients: Option<&[&str]>) -> Acl {
        let l = |v: Option<&[&str]>| v.map(|v| v.iter().map(|s| s.to_string()).collect());
        Acl {
            jobs: l(jobs),
            clients: l(clients),
            ..Acl::default()
        }
    }

    #[test]
    fn an_open_acl_adds_no_condition_and_an_empty_one_matches_nothing() {
        let mut p = Vec::new();
        assert_eq!(names_filter("Name", &None, &mut p), "");
        assert_eq!(names_filter("Name", &Some(Vec::new()), &mut p), " AND 0");
        assert!(p.is_empty());
    }

    #[test]
    fn jobs_are_filtered_by_job_and_client_with_bound_names() {
        let mut p = Vec::new();
        let sql = jobs_filter(
            "Job",
            &acl(Some(&["Backup"]), Some(&["a-fd", "b-fd"])),
            &mut p,
        );
        assert_eq!(
            sql,
            " AND Job.Name COLLATE NOCASE IN (?) AND Job.ClientId IN (SELECT Client.ClientId FROM Client WHERE 1 AND Client.Name COLLATE NOCASE IN (?,?))"
        );
        assert_eq!(p.len(), 3);
    }
}
