//! The garbage collector: when an owner is deleted, its dependents (objects whose
//! ownerReferences name it) are deleted too, in the background.

use crate::api::{ApiServer, DeleteOptions};
use crate::time::SimTime;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GarbageCollector {
    /// The API's resourceVersion when deletions were last looked at.
    seen_api_version: u64,
}

impl GarbageCollector {
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        // Only removals orphan anything.
        if api.last_removal() <= self.seen_api_version {
            self.seen_api_version = api.resource_version();
            return None;
        }
        let kinds = api.kinds();
        let owners: Vec<String> = kinds
            .iter()
            .flat_map(|kind| kind.deleted_uids_since(api, self.seen_api_version))
            .collect();
        // Deletions made below are looked at on the next pass: dependents of dependents go too.
        self.seen_api_version = api.resource_version();
        for owner in owners {
            for kind in &kinds {
                for (namespace, name) in kind.dependents_of(api, &owner) {
                    let _ = kind.delete(api, &namespace, &name, DeleteOptions::default());
                }
            }
        }
        None
    }
}
