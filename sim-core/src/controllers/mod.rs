//! kube-controller-manager: the control loops that are not the scheduler or a kubelet, one file
//! each, all level-triggered: they look at the cluster as it is and make one step towards what
//! it should be. The simulation runs them in the order listed here.

pub mod attach_detach;
pub(crate) mod clusterrole_aggregation;
mod cronjob;
mod daemonset;
pub mod deployment;
mod disruption;
pub mod endpoints;
mod endpointslice;
mod garbage_collector;
pub mod history;
mod horizontal;
mod ingress_nginx;
mod job;
mod job_indexes;
mod namespace;
pub mod node_lifecycle;
pub mod persistentvolume;
pub mod pod_control;
mod pod_gc;
pub mod provisioner;
mod replicaset;
mod service_lb;
mod statefulset;
mod storage_protection;
mod taint_eviction;
mod ttl_after_finished;
pub mod volume_expansion;

use crate::api::ApiServer;
use crate::time::SimTime;
use k8s_openapi::api::apps::v1::ReplicaSet;
use k8s_openapi::api::core::v1::ReplicationController;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ControllerManager {
    namespace: namespace::NamespaceController,
    #[serde(default)]
    deployment: deployment::DeploymentController,
    #[serde(default)]
    replicaset: replicaset::ReplicaSetController<ReplicaSet>,
    #[serde(default)]
    replication: replicaset::ReplicaSetController<ReplicationController>,
    #[serde(default)]
    cronjob: cronjob::CronJobController,
    #[serde(default)]
    job: job::JobController,
    #[serde(default)]
    daemonset: daemonset::DaemonSetController,
    #[serde(default)]
    statefulset: statefulset::StatefulSetController,
    #[serde(default)]
    horizontal: horizontal::HorizontalController,
    #[serde(default)]
    ttl_after_finished: ttl_after_finished::TtlAfterFinishedController,
    garbage_collector: garbage_collector::GarbageCollector,
    #[serde(default)]
    node_lifecycle: node_lifecycle::NodeLifecycleController,
    #[serde(default)]
    taint_eviction: taint_eviction::TaintEvictionController,
    #[serde(default)]
    pod_gc: pod_gc::PodGarbageCollector,
    #[serde(default)]
    disruption: disruption::DisruptionController,
    #[serde(default)]
    persistentvolume: persistentvolume::PersistentVolumeController,
    #[serde(default)]
    provisioner: provisioner::Provisioner,
    #[serde(default)]
    volume_expansion: volume_expansion::VolumeExpansionController,
    #[serde(default)]
    storage_protection: storage_protection::StorageProtectionController,
    #[serde(default)]
    attach_detach: attach_detach::AttachDetachController,
    #[serde(default)]
    endpoints: endpoints::EndpointsController,
    #[serde(default)]
    endpointslice: endpointslice::EndpointSliceController,
    /// The simulated cloud's part (cloud-controller-manager's service controller).
    #[serde(default)]
    service_lb: service_lb::ServiceLoadBalancerController,
    /// ingress-nginx's loop (it runs in its pods, when installed).
    #[serde(default)]
    ingress_nginx: ingress_nginx::IngressNginxController,
    #[serde(default)]
    clusterrole_aggregation: clusterrole_aggregation::ClusterRoleAggregationController,
}

impl ControllerManager {
    /// Runs every controller once; returns the earliest time one of them wants to run again.
    pub fn reconcile(&mut self, api: &mut ApiServer) -> Option<SimTime> {
        let wakes = [
            self.namespace.reconcile(api),
            self.deployment.reconcile(api),
            self.replicaset.reconcile(api),
            self.replication.reconcile(api),
            self.cronjob.reconcile(api),
            self.job.reconcile(api),
            self.daemonset.reconcile(api),
            self.statefulset.reconcile(api),
            self.horizontal.reconcile(api),
            self.ttl_after_finished.reconcile(api),
            self.garbage_collector.reconcile(api),
            self.node_lifecycle.reconcile(api),
            self.taint_eviction.reconcile(api),
            self.pod_gc.reconcile(api),
            self.disruption.reconcile(api),
            self.persistentvolume.reconcile(api),
            self.provisioner.reconcile(api),
            self.volume_expansion.reconcile(api),
            self.storage_protection.reconcile(api),
            self.attach_detach.reconcile(api),
            self.endpoints.reconcile(api),
            self.endpointslice.reconcile(api),
            self.service_lb.reconcile(api),
            self.ingress_nginx.reconcile(api),
            self.clusterrole_aggregation.reconcile(api),
        ];
        wakes.into_iter().flatten().min()
    }
}
