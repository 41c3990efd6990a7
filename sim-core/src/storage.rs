//! Simulated network storage: the NFS exports and cloud disks that PersistentVolumes point at.
//! Every node reaches them; each keeps its files by handle (`nfs://SERVER/PATH`,
//! `csi://DRIVER/HANDLE`) and outlives every pod that mounts it.
//!
//! A kubelet borrows a volume's files while its containers run and hands them back at once
//! ([`Disks`]), so two pods on two nodes see each other's writes in the order they happen.

use crate::container::Filesystem;
use crate::machine::Machine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct NetworkStorage {
    volumes: BTreeMap<String, Filesystem>,
}

impl NetworkStorage {
    /// Takes a volume's files out of the store (an empty filesystem the first time).
    pub fn take(&mut self, handle: &str) -> Filesystem {
        self.volumes.remove(handle).unwrap_or_else(Filesystem::empty)
    }

    /// Puts a volume's files back.
    pub fn put(&mut self, handle: &str, files: Filesystem) {
        self.volumes.insert(handle.to_string(), files);
    }

    /// A volume's files as they are now, for inspection.
    pub fn get(&self, handle: &str) -> Option<&Filesystem> {
        self.volumes.get(handle)
    }
}

/// Where a node's kubelet finds volumes that outlive pods: the node's own disk (hostPath) and
/// the network storage.
pub struct Disks<'a> {
    pub machine: &'a mut Machine,
    pub network: &'a mut NetworkStorage,
}
