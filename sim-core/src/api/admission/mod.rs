//! Admission: what the API server does to an object between decoding it and storing it — the
//! defaulting functions, mutating admission plugins and validation of each kind. One file per
//! family of kinds; kinds without rules get the trait's empty defaults here.

mod config;
mod extensions;
mod pod;
mod rbac;
mod scheduling;
mod service;
pub mod service_account;
mod storage;
pub mod workloads;

pub use pod::default_pod_spec;
pub use scheduling::system_priority_classes;
pub use storage::{PV_PROTECTION, PVC_PROTECTION};

use super::{ApiError, ApiServer, DeletionMode, FieldError};
use k8s_openapi::api::apps::v1::ControllerRevision;
use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{
    Endpoints, Event, Namespace, NamespaceSpec, NamespaceStatus, Node, ServiceAccount,
};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{Ingress, IngressClass, NetworkPolicy};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

pub trait Admission {
    /// The defaults set on create and on update.
    fn apply_defaults(&mut self) {}

    /// What an update sets from the object it replaces (`PrepareForUpdate`); `self` is the new
    /// object, already defaulted.
    fn prepare_for_update(&mut self, _old: &Self) {}

    /// Server-assigned values that need the cluster's state (a Service's cluster IP).
    fn allocate(&mut self, _api: &mut ApiServer) -> Result<(), ApiError> {
        Ok(())
    }

    /// Validation on create (names are checked for every kind).
    fn validate(&self) -> Vec<FieldError> {
        Vec::new()
    }

    /// What an update may not change; `self` is the new object.
    fn validate_update(&self, _old: &Self) -> Vec<FieldError> {
        Vec::new()
    }

    /// Admission plugins that look at the cluster on an update (PersistentVolumeClaimResize).
    fn admit_update(&self, _old: &Self, _api: &ApiServer) -> Result<(), ApiError> {
        Ok(())
    }

    /// How a delete request is carried out, given the grace period the client asked for.
    fn deletion_mode(&self, _requested_grace_seconds: Option<i64>) -> DeletionMode {
        DeletionMode::Immediate
    }
}

impl Admission for ControllerRevision {}
impl Admission for Node {}
impl Admission for Endpoints {}
impl Admission for ServiceAccount {}
impl Admission for Event {}
impl Admission for EndpointSlice {}
impl Admission for Ingress {}
impl Admission for IngressClass {}
impl Admission for PodDisruptionBudget {}
impl Admission for Lease {}

impl Admission for NetworkPolicy {
    /// policyTypes default to Ingress, plus Egress when egress rules are given.
    fn apply_defaults(&mut self) {
        if let Some(spec) = self.spec.as_mut()
            && spec.policy_types.is_none()
        {
            let mut types = vec!["Ingress".to_string()];
            if spec.egress.is_some() {
                types.push("Egress".to_string());
            }
            spec.policy_types = Some(types);
        }
    }
}

impl Admission for Namespace {
    /// A namespace is marked Terminating; the namespace controller empties it, then removes it.
    fn deletion_mode(&self, _requested_grace_seconds: Option<i64>) -> DeletionMode {
        DeletionMode::Graceful { grace_period_seconds: 0 }
    }

    fn apply_defaults(&mut self) {
        let name = self.metadata.name.clone().unwrap_or_default();
        self.metadata
            .labels
            .get_or_insert_with(Default::default)
            .insert("kubernetes.io/metadata.name".into(), name);
        self.spec
            .get_or_insert_with(|| NamespaceSpec { finalizers: Some(vec!["kubernetes".into()]) });
        self.status.get_or_insert_with(|| NamespaceStatus {
            phase: Some("Active".into()),
            ..Default::default()
        });
    }
}
