//! The `pods/eviction` subresource: a deletion that asks the pod's PodDisruptionBudget first.
//! A pod no budget covers, or one that is not running (pending, finished, already going), is
//! deleted at once; otherwise the budget must allow a disruption, which the eviction uses up
//! (recorded in the budget's `disruptedPods` until the disruption controller sees the pod go).

use super::selector::Selector;
use super::{ApiError, ApiServer, DeleteOptions};
use crate::podutil;
use k8s_openapi::api::core::v1::{Pod, PodCondition};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

/// What the server says when a budget does not allow the eviction.
pub const DISRUPTION_BUDGET_VIOLATED: &str =
    "Cannot evict pod as it would violate the pod's disruption budget.";

impl ApiServer {
    /// `POST pods/NAME/eviction` with the given delete options.
    pub fn evict(
        &mut self,
        namespace: &str,
        name: &str,
        options: DeleteOptions,
    ) -> Result<(), ApiError> {
        let pod = self.get::<Pod>(namespace, name)?.clone();
        let phase = podutil::phase(&pod);
        let can_ignore_budget = matches!(phase, "Succeeded" | "Failed" | "Pending")
            || pod.metadata.deletion_timestamp.is_some();
        if !can_ignore_budget {
            let budgets: Vec<PodDisruptionBudget> = self
                .list::<PodDisruptionBudget>(Some(namespace))
                .filter(|b| {
                    b.spec
                        .as_ref()
                        .and_then(|s| s.selector.as_ref())
                        .and_then(Selector::from_label_selector)
                        .is_some_and(|s| s.matches(pod.metadata.labels.as_ref()))
                })
                .cloned()
                .collect();
            if budgets.len() > 1 {
                return Err(ApiError::InternalError(
                    "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.".to_string(),
                ));
            }
            if let Some(budget) = budgets.first() {
                self.use_up_disruption(budget, &pod)?;
            }
        }
        let now = self.now().to_k8s();
        let _ = self.update::<Pod>(namespace, name, |pod| {
            podutil::set_condition(
                pod,
                PodCondition {
                    type_: "DisruptionTarget".to_string(),
                    status: "True".to_string(),
                    reason: Some("EvictionByEvictionAPI".to_string()),
                    message: Some("Eviction API: evicting".to_string()),
                    last_transition_time: Some(now),
                    ..Default::default()
                },
            );
        });
        self.delete::<Pod>(namespace, name, options).map(|_| ())
    }

    /// `checkAndDecrement`: the budget allows one more disruption, which this eviction takes.
    fn use_up_disruption(
        &mut self,
        budget: &PodDisruptionBudget,
        pod: &Pod,
    ) -> Result<(), ApiError> {
        let status = budget.status.clone().unwrap_or_default();
        let ready = pod
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
        // An unready pod may go while the budget is met: it is not counted as healthy anyway.
        let unhealthy_policy =
            budget.spec.as_ref().and_then(|s| s.unhealthy_pod_eviction_policy.as_deref());
        if !ready
            && (unhealthy_policy == Some("AlwaysAllow")
                || (status.current_healthy >= status.desired_healthy && status.desired_healthy > 0))
        {
            return Ok(());
        }
        if status.observed_generation.unwrap_or(0) < budget.metadata.generation.unwrap_or(0) {
            return Err(ApiError::TooManyRequests(DISRUPTION_BUDGET_VIOLATED.to_string()));
        }
        if status.disruptions_allowed <= 0 {
            return Err(ApiError::TooManyRequests(DISRUPTION_BUDGET_VIOLATED.to_string()));
        }
        let namespace = budget.metadata.namespace.clone().unwrap_or_default();
        let name = budget.metadata.name.clone().unwrap_or_default();
        let pod_name = podutil::name(pod).to_string();
        let now = self.now().to_k8s();
        self.update::<PodDisruptionBudget>(&namespace, &name, |budget| {
            let status = budget.status.get_or_insert_with(Default::default);
            status.disruptions_allowed -= 1;
            status.disrupted_pods.get_or_insert_with(Default::default).insert(pod_name, now);
        })?;
        Ok(())
    }
}
