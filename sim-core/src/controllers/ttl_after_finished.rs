//! The TTL-after-finished controller: a finished Job with `ttlSecondsAfterFinished` is deleted
//! that long after its Complete or Failed condition, its pods with it (the garbage collector
//! removes them). Kubernetes deletes in the foreground; here the Job goes at once and its pods
//! follow in the background.

use super::job::is_finished;
use crate::api::{ApiServer, DeleteOptions};
use crate::time::SimTime;
use k8s_openapi::api::batch::v1::Job;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TtlAfterFinishedController {
    seen_api_version: u64,
    /// When the next finished Job expires.
    next_expiry: Option<SimTime>,
}

impl TtlAfterFinishedController {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let now = api.now();
        let changed = api.kind_changed_since::<Job>(self.seen_api_version);
        if !changed && self.next_expiry.is_none_or(|at| at > now) {
            self.seen_api_version = api.resource_version();
            return self.next_expiry;
        }
        let mut expired = Vec::new();
        self.next_expiry = None;
        for job in api.list::<Job>(None) {
            let Some(expiry) = expiry(job) else { continue };
            if expiry <= now {
                let meta = &job.metadata;
                expired.push((meta.namespace.clone(), meta.name.clone()));
            } else {
                self.next_expiry = Some(self.next_expiry.map_or(expiry, |at| at.min(expiry)));
            }
        }
        for (namespace, name) in expired {
            let (namespace, name) = (namespace.unwrap_or_default(), name.unwrap_or_default());
            let _ = api.delete::<Job>(&namespace, &name, DeleteOptions::default());
        }
        self.seen_api_version = api.resource_version();
        self.next_expiry
    }
}

/// When a finished Job with a TTL is due to go: its finishing condition's time plus the TTL.
fn expiry(job: &Job) -> Option<SimTime> {
    let ttl = job.spec.as_ref()?.ttl_seconds_after_finished?;
    if !is_finished(job) || job.metadata.deletion_timestamp.is_some() {
        return None;
    }
    let finished_at = job
        .status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .filter(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
        .find_map(|c| c.last_transition_time.as_ref())
        .map(SimTime::from_k8s)?;
    Some(finished_at + Duration::from_secs(ttl.max(0) as u64))
}
