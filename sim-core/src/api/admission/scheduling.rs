//! PriorityClass validation and the Priority admission plugin: a pod's `priorityClassName`
//! becomes its `priority` and `preemptionPolicy`; the two system classes exist from the start.

use super::Admission;
use crate::api::{ApiError, ApiServer, FieldError};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::scheduling::v1::PriorityClass;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

/// The highest value a user's PriorityClass may have (`HighestUserDefinablePriority`).
const HIGHEST_USER_DEFINABLE_PRIORITY: i32 = 1_000_000_000;
const SYSTEM_PREFIX: &str = "system-";

/// The classes the API server creates at start-up (`SystemPriorityClasses`).
pub fn system_priority_classes() -> Vec<PriorityClass> {
    let class = |name: &str, value: i32, description: &str| PriorityClass {
        metadata: ObjectMeta { name: Some(name.into()), ..Default::default() },
        value,
        description: Some(description.into()),
        global_default: Some(false),
        preemption_policy: None,
    };
    vec![
        class(
            "system-node-critical",
            2_000_001_000,
            "Used for system critical pods that must not be moved from their current node.",
        ),
        class(
            "system-cluster-critical",
            2_000_000_000,
            "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.",
        ),
    ]
}

fn is_known_system_class(class: &PriorityClass) -> bool {
    system_priority_classes().iter().any(|known| {
        known.metadata.name == class.metadata.name
            && known.value == class.value
            && !class.global_default.unwrap_or(false)
    })
}

impl Admission for PriorityClass {
    fn apply_defaults(&mut self) {
        self.preemption_policy.get_or_insert_with(|| "PreemptLowerPriority".into());
        self.global_default.get_or_insert(false);
    }

    fn validate(&self) -> Vec<FieldError> {
        if is_known_system_class(self) {
            return Vec::new();
        }
        let mut errors = Vec::new();
        if self.metadata.name.as_deref().is_some_and(|n| n.starts_with(SYSTEM_PREFIX)) {
            errors.push(FieldError::forbidden(
                "metadata.name",
                "priority class names with 'system-' prefix are reserved for system use only",
            ));
        }
        if self.value > HIGHEST_USER_DEFINABLE_PRIORITY {
            errors.push(FieldError::forbidden(
                "value",
                format!(
                    "maximum allowed value of a user defined priority is {HIGHEST_USER_DEFINABLE_PRIORITY}"
                ),
            ));
        }
        errors
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.value != old.value {
            errors.push(FieldError::forbidden("value", "may not be changed in an update."));
        }
        if self.preemption_policy != old.preemption_policy {
            errors.push(FieldError::invalid(
                "preemptionPolicy",
                self.preemption_policy.as_deref().unwrap_or_default(),
                "field is immutable",
            ));
        }
        errors
    }
}

/// The Priority admission plugin, for a new pod: the class named (or the global default) gives
/// the priority and preemption policy; a pod may not state a different one itself.
pub fn admit_pod_priority(pod: &mut Pod, api: &ApiServer) -> Result<(), ApiError> {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let Some(spec) = pod.spec.as_mut() else { return Ok(()) };
    let forbidden =
        |detail: String| ApiError::Forbidden(format!("pods \"{name}\" is forbidden: {detail}"));
    let class = match spec.priority_class_name.as_deref().filter(|n| !n.is_empty()) {
        Some(class_name) => Some(
            api.get::<PriorityClass>("", class_name)
                .map_err(|_| {
                    forbidden(format!("no PriorityClass with name {class_name} was found"))
                })?
                .clone(),
        ),
        None => api.list::<PriorityClass>(None).find(|c| c.global_default == Some(true)).cloned(),
    };
    let (priority, policy) = match &class {
        Some(class) => (
            class.value,
            class.preemption_policy.clone().unwrap_or_else(|| "PreemptLowerPriority".into()),
        ),
        None => (0, "PreemptLowerPriority".to_string()),
    };
    if let Some(given) = spec.priority
        && given != priority
    {
        return Err(forbidden(format!(
            "the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name"
        )));
    }
    if let Some(given) = spec.preemption_policy.as_deref()
        && class.is_some()
        && given != policy
    {
        return Err(forbidden(format!(
            "the string value of PreemptionPolicy ({given}) must not be provided in pod spec; priority admission controller computed {policy} from the given PriorityClass name"
        )));
    }
    if let Some(class) = &class {
        spec.priority_class_name = class.metadata.name.clone();
    }
    spec.priority = Some(priority);
    spec.preemption_policy = Some(policy);
    Ok(())
}
