//! RBAC admission: the validation of Roles, ClusterRoles and their bindings
//! (`pkg/apis/rbac/validation`).

use super::Admission;
use crate::api::FieldError;
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};

fn validate_rules(rules: &[PolicyRule], namespaced: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        let field = format!("rules[{i}]");
        if rule.verbs.is_empty() {
            errors.push(FieldError::required_because(
                format!("{field}.verbs"),
                "verbs must contain at least one value",
            ));
        }
        let urls = rule.non_resource_urls.as_deref().unwrap_or_default();
        if !urls.is_empty() {
            if namespaced {
                errors.push(FieldError::invalid_raw(
                    format!("{field}.nonResourceURLs"),
                    format!(
                        "[]string{{{}}}",
                        urls.iter().map(|u| format!("{u:?}")).collect::<Vec<_>>().join(", ")
                    ),
                    "namespaced rules cannot apply to non-resource URLs",
                ));
            }
            continue;
        }
        if rule.api_groups.as_ref().is_none_or(Vec::is_empty) {
            errors.push(FieldError::required_because(
                format!("{field}.apiGroups"),
                "resource rules must supply at least one api group",
            ));
        }
        if rule.resources.as_ref().is_none_or(Vec::is_empty) {
            errors.push(FieldError::required_because(
                format!("{field}.resources"),
                "resource rules must supply at least one resource",
            ));
        }
    }
    errors
}

fn validate_binding(role_ref: &RoleRef, subjects: &[Subject], namespaced: bool) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let kinds: &[&str] = if namespaced { &["Role", "ClusterRole"] } else { &["ClusterRole"] };
    if !kinds.contains(&role_ref.kind.as_str()) {
        errors.push(FieldError::not_supported("roleRef.kind", &role_ref.kind, kinds));
    }
    if role_ref.api_group != "rbac.authorization.k8s.io" {
        errors.push(FieldError::not_supported(
            "roleRef.apiGroup",
            &role_ref.api_group,
            &["rbac.authorization.k8s.io"],
        ));
    }
    if role_ref.name.is_empty() {
        errors.push(FieldError::required("roleRef.name"));
    }
    for (i, subject) in subjects.iter().enumerate() {
        let field = format!("subjects[{i}]");
        if subject.name.is_empty() {
            errors.push(FieldError::required(format!("{field}.name")));
        }
        match subject.kind.as_str() {
            "ServiceAccount" => {
                if !namespaced && subject.namespace.as_deref().unwrap_or_default().is_empty() {
                    errors.push(FieldError::required(format!("{field}.namespace")));
                }
            }
            "User" | "Group" => {}
            other => errors.push(FieldError::not_supported(
                format!("{field}.kind"),
                other,
                &["ServiceAccount", "User", "Group"],
            )),
        }
    }
    errors
}

/// The roleRef of a binding never changes: a binding to another role is a new binding.
fn role_ref_unchanged(new: &RoleRef, old: &RoleRef) -> Vec<FieldError> {
    if new == old {
        return Vec::new();
    }
    vec![FieldError::invalid_raw(
        "roleRef",
        format!(
            "rbac.RoleRef{{APIGroup:{:?}, Kind:{:?}, Name:{:?}}}",
            new.api_group, new.kind, new.name
        ),
        "cannot change roleRef",
    )]
}

impl Admission for Role {
    fn validate(&self) -> Vec<FieldError> {
        validate_rules(self.rules.as_deref().unwrap_or_default(), true)
    }
}

impl Admission for ClusterRole {
    fn validate(&self) -> Vec<FieldError> {
        validate_rules(self.rules.as_deref().unwrap_or_default(), false)
    }
}

impl Admission for RoleBinding {
    fn validate(&self) -> Vec<FieldError> {
        validate_binding(&self.role_ref, self.subjects.as_deref().unwrap_or_default(), true)
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        role_ref_unchanged(&self.role_ref, &old.role_ref)
    }
}

impl Admission for ClusterRoleBinding {
    fn validate(&self) -> Vec<FieldError> {
        validate_binding(&self.role_ref, self.subjects.as_deref().unwrap_or_default(), false)
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        role_ref_unchanged(&self.role_ref, &old.role_ref)
    }
}
