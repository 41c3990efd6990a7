//! The kubelet's two heartbeats: its Lease in `kube-node-lease` (renewed every 10 s, valid for
//! 40 s) and the node's status (posted when a condition changes, otherwise every 5 minutes,
//! `nodeStatusReportFrequency`). The node lifecycle controller watches both.

use super::Kubelet;
use crate::api::{ApiServer, EventType};
use crate::time::SimTime;
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::{Node, NodeCondition};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, OwnerReference};
use std::time::Duration;

/// The namespace of the nodes' leases.
pub const NODE_LEASE_NAMESPACE: &str = "kube-node-lease";
/// The kubelet's `nodeLeaseDurationSeconds`.
pub const LEASE_DURATION_SECONDS: i32 = 40;
/// Renewals come at a quarter of the lease's duration (`renewIntervalFraction`).
pub const LEASE_RENEW_INTERVAL: Duration = Duration::from_secs(10);
/// How often the kubelet reports its node's status when nothing changed
/// (`nodeStatusReportFrequency`).
pub const NODE_STATUS_REPORT_PERIOD: Duration = Duration::from_secs(5 * 60);

impl Kubelet {
    /// Renews the node's Lease when it is due (creating it the first time). Returns when the
    /// next renewal is due.
    pub(super) fn renew_lease(&mut self, api: &mut ApiServer) -> SimTime {
        let now = api.now();
        // The Lease found (or made) at the last sync is still there while no Lease changed
        // since: most syncs need no lookup.
        let exists = (self.lease_exists && !api.kind_changed_since::<Lease>(self.seen_api_version))
            || api.get::<Lease>(NODE_LEASE_NAMESPACE, &self.node_name).is_ok();
        self.lease_exists = exists;
        if exists && now < self.lease_renewed_at + LEASE_RENEW_INTERVAL {
            return self.lease_renewed_at + LEASE_RENEW_INTERVAL;
        }
        // A kubelet set up with a renewal ahead of the clock (the cluster's history before the
        // session) keeps it.
        self.lease_renewed_at = self.lease_renewed_at.max(now);
        let renew_time = self.lease_renewed_at.to_k8s_micro(self.lease_micros);
        if exists {
            // The renewal moves the time forward, so the lease changes: written in place,
            // without the copy and comparison a general update makes (the quiet cluster's most
            // frequent write).
            let stored = api.get::<Lease>(NODE_LEASE_NAMESPACE, &self.node_name).ok();
            let renewed = stored.and_then(|l| l.spec.as_ref()?.renew_time.as_ref());
            if renewed != Some(&renew_time) {
                let _ = api.write::<Lease>(NODE_LEASE_NAMESPACE, &self.node_name, |lease| {
                    lease.spec.get_or_insert_with(Default::default).renew_time = Some(renew_time);
                });
            }
        } else if let Ok(node) = api.get::<Node>("", &self.node_name) {
            let owner = OwnerReference {
                api_version: "v1".to_string(),
                kind: "Node".to_string(),
                name: self.node_name.clone(),
                uid: node.metadata.uid.clone().unwrap_or_default(),
                ..Default::default()
            };
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.node_name.clone()),
                    namespace: Some(NODE_LEASE_NAMESPACE.to_string()),
                    owner_references: Some(vec![owner]),
                    ..Default::default()
                },
                spec: Some(LeaseSpec {
                    holder_identity: Some(self.node_name.clone()),
                    lease_duration_seconds: Some(LEASE_DURATION_SECONDS),
                    renew_time: Some(renew_time),
                    ..Default::default()
                }),
            };
            let uid = self.rng.fork("lease").uuid();
            self.lease_exists = api.create_with_uid(lease, uid).is_ok();
        }
        self.lease_renewed_at + LEASE_RENEW_INTERVAL
    }

    /// The node's conditions as this kubelet sees them now.
    fn conditions(&self) -> [(&'static str, &'static str, &'static str, &'static str); 4] {
        let memory = if self.eviction.memory_pressure {
            ("True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available")
        } else {
            ("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available")
        };
        [
            ("MemoryPressure", memory.0, memory.1, memory.2),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            (
                "PIDPressure",
                "False",
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
            ),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ]
    }

    /// When the node status is next due, reporting it now if it is due or may have to say
    /// something new: the eviction manager's verdict moved from `memory_pressure`, or someone
    /// changed a Node since the last sync.
    pub(super) fn node_status_due(
        &mut self,
        api: &mut ApiServer,
        memory_pressure: bool,
    ) -> SimTime {
        let due = self.status_reported_at + NODE_STATUS_REPORT_PERIOD;
        let unchanged = memory_pressure == self.eviction.memory_pressure
            && !api.kind_changed_since::<Node>(self.seen_api_version);
        if unchanged && api.now() < due {
            return due;
        }
        self.report_node_status(api)
    }

    /// Posts the node's status when it is due or a condition changed: every condition's
    /// heartbeat moves to now, a changed one its transition time too, and each change is an
    /// event (`NodeHasSufficientMemory`, `NodeReady`…). Returns when the next report is due.
    fn report_node_status(&mut self, api: &mut ApiServer) -> SimTime {
        let now = api.now();
        let Ok(node) = api.get::<Node>("", &self.node_name) else {
            return now + NODE_STATUS_REPORT_PERIOD;
        };
        let current =
            node.status.as_ref().and_then(|s| s.conditions.as_deref()).unwrap_or_default();
        let wanted = self.conditions();
        let changed: Vec<(&str, &str)> = wanted
            .iter()
            .filter(|(type_, status, reason, _)| {
                !current.iter().any(|c| {
                    c.type_ == *type_ && c.status == *status && c.reason.as_deref() == Some(reason)
                })
            })
            .map(|(type_, status, ..)| (*type_, *status))
            .collect();
        let due = self.status_reported_at + NODE_STATUS_REPORT_PERIOD;
        if changed.is_empty() && now < due {
            return due;
        }
        let heartbeat = now.to_k8s();
        let _ = api.update::<Node>("", &self.node_name, |node| {
            let status = node.status.get_or_insert_with(Default::default);
            let conditions = status.conditions.get_or_insert_with(Vec::new);
            for (type_, status, reason, message) in wanted {
                let transition = conditions
                    .iter()
                    .find(|c| c.type_ == type_ && c.status == status)
                    .and_then(|c| c.last_transition_time.clone())
                    .unwrap_or_else(|| heartbeat.clone());
                let condition = NodeCondition {
                    type_: type_.to_string(),
                    status: status.to_string(),
                    reason: Some(reason.to_string()),
                    message: Some(message.to_string()),
                    last_heartbeat_time: Some(heartbeat.clone()),
                    last_transition_time: Some(transition),
                };
                match conditions.iter_mut().find(|c| c.type_ == type_) {
                    Some(existing) => *existing = condition,
                    None => conditions.push(condition),
                }
            }
        });
        for (type_, status) in changed {
            let event = match (type_, status) {
                ("MemoryPressure", "True") => "NodeHasInsufficientMemory",
                ("MemoryPressure", _) => "NodeHasSufficientMemory",
                ("DiskPressure", _) => "NodeHasNoDiskPressure",
                ("PIDPressure", _) => "NodeHasSufficientPID",
                _ => "NodeReady",
            };
            self.node_event(
                api,
                EventType::Normal,
                event,
                format!("Node {} status is now: {event}", self.node_name),
            );
        }
        self.status_reported_at = now;
        now + NODE_STATUS_REPORT_PERIOD
    }

    /// The kubelet process starts (again): it reports its node at once, renews its lease, and
    /// says so in events. `boot_id` is the machine's; a new one means the node was rebooted.
    pub fn start(&mut self, api: &mut ApiServer, boot_id: &str) {
        let name = self.node_name.clone();
        self.node_event(api, EventType::Normal, "Starting", "Starting kubelet.".to_string());
        let previous_boot = api
            .get::<Node>("", &name)
            .ok()
            .and_then(|n| n.status.as_ref()?.node_info.as_ref().map(|i| i.boot_id.clone()));
        if previous_boot.as_deref().is_some_and(|b| b != boot_id) {
            let _ = api.update::<Node>("", &name, |node| {
                if let Some(info) = node.status.as_mut().and_then(|s| s.node_info.as_mut()) {
                    info.boot_id = boot_id.to_string();
                }
            });
            self.node_event(
                api,
                EventType::Warning,
                "Rebooted",
                format!("Node {name} has been rebooted, boot id: {boot_id}"),
            );
        }
        self.node_event(
            api,
            EventType::Normal,
            "NodeAllocatableEnforced",
            "Updated Node Allocatable limit across pods".to_string(),
        );
        // A starting kubelet lists every pod bound to its node; its report and its lease
        // renewal are due now.
        self.up = true;
        self.seen_api_version = 0;
        self.status_reported_at = SimTime::default();
        self.lease_renewed_at = SimTime::default();
        self.next_wake = Some(api.now());
    }

    fn node_event(&self, api: &mut ApiServer, kind: EventType, reason: &str, message: String) {
        let Ok(node) = api.get::<Node>("", &self.node_name).cloned() else { return };
        // The kubelet's node events name the node by name as their uid (nodeRef).
        let mut reference = node;
        reference.metadata.uid = Some(self.node_name.clone());
        api.record_event(&reference, None, self.source(), kind, reason, message);
    }
}
