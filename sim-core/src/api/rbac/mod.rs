//! The RBAC authorizer (`plugin/pkg/auth/authorizer/rbac`): who may do what, from the
//! ClusterRoleBindings and the RoleBindings of the request's namespace, and the words the API
//! server uses when it says no.

pub mod bootstrap;

use super::ApiServer;
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};

/// An authenticated (or anonymous) user: name and groups.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    /// A service account's user: `system:serviceaccount:NS:NAME`, in the groups every service
    /// account is in.
    pub fn service_account(namespace: &str, name: &str) -> UserInfo {
        UserInfo {
            name: format!("system:serviceaccount:{namespace}:{name}"),
            groups: vec![
                "system:serviceaccounts".into(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".into(),
            ],
        }
    }

    /// What a request without credentials is (`--anonymous-auth`, on in kubeadm clusters).
    pub fn anonymous() -> UserInfo {
        UserInfo { name: "system:anonymous".into(), groups: vec!["system:unauthenticated".into()] }
    }

    /// A user as `--as=NAME` impersonates them (with `--as-group` groups): a service account's
    /// name brings its groups, as the impersonation filter adds them.
    pub fn impersonated(name: &str, groups: &[String]) -> UserInfo {
        if let Some((namespace, account)) =
            name.strip_prefix("system:serviceaccount:").and_then(|r| r.split_once(':'))
            && groups.is_empty()
        {
            return UserInfo::service_account(namespace, account);
        }
        let mut groups = groups.to_vec();
        if name != "system:anonymous" && !groups.iter().any(|g| g == "system:authenticated") {
            groups.push("system:authenticated".into());
        }
        UserInfo { name: name.to_string(), groups }
    }
}

/// What a request asks to do, as the authorizer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attributes {
    Resource {
        verb: String,
        group: String,
        resource: String,
        subresource: String,
        /// Empty for cluster-scoped resources and requests across all namespaces.
        namespace: String,
        name: String,
    },
    NonResource {
        verb: String,
        path: String,
    },
}

impl Attributes {
    /// The message of the 403 (`forbiddenMessage` in apiserver's responsewriters).
    pub fn forbidden_message(&self, user: &UserInfo) -> String {
        let user = &user.name;
        match self {
            Attributes::NonResource { verb, path } => {
                format!("User {user:?} cannot {verb} path {path:?}")
            }
            Attributes::Resource { verb, group, resource, subresource, namespace, .. } => {
                let mut resource = resource.clone();
                if !subresource.is_empty() {
                    resource = format!("{resource}/{subresource}");
                }
                if namespace.is_empty() {
                    format!(
                        "User {user:?} cannot {verb} resource {resource:?} in API group {group:?} at the cluster scope"
                    )
                } else {
                    format!(
                        "User {user:?} cannot {verb} resource {resource:?} in API group {group:?} in the namespace {namespace:?}"
                    )
                }
            }
        }
    }
}

/// The authorizer's answer: allowed, or not with the reason it gives (errors it met on the
/// way, such as a binding to a role that does not exist).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub reason: String,
}

impl ApiServer {
    /// RBAC's `Authorize`: allowed when some rule of a role bound to the user allows it.
    pub fn authorize(&self, user: &UserInfo, attributes: &Attributes) -> Decision {
        let namespace = match attributes {
            Attributes::Resource { namespace, .. } => namespace.as_str(),
            Attributes::NonResource { .. } => "",
        };
        let mut errors = Vec::new();
        for rules in self.rules_for(user, namespace, &mut errors) {
            if rules.iter().any(|rule| rule_allows(rule, attributes)) {
                return Decision { allowed: true, reason: String::new() };
            }
        }
        let reason = if errors.is_empty() {
            String::new()
        } else if errors.len() == 1 {
            format!("RBAC: {}", errors[0])
        } else {
            format!("RBAC: [{}]", errors.join(", "))
        };
        Decision { allowed: false, reason }
    }

    /// The rules that apply to a user in a namespace (`""`: cluster-wide ones only), one list
    /// per binding; `errors` gets the bindings whose role is missing.
    pub fn rules_for(
        &self,
        user: &UserInfo,
        namespace: &str,
        errors: &mut Vec<String>,
    ) -> Vec<Vec<PolicyRule>> {
        let mut found = Vec::new();
        for binding in self.list::<ClusterRoleBinding>(None) {
            if applies(user, binding.subjects.as_deref().unwrap_or_default(), "") {
                found.extend(self.role_rules(&binding.role_ref, "", errors));
            }
        }
        if !namespace.is_empty() {
            for binding in self.list::<RoleBinding>(Some(namespace)) {
                if applies(user, binding.subjects.as_deref().unwrap_or_default(), namespace) {
                    found.extend(self.role_rules(&binding.role_ref, namespace, errors));
                }
            }
        }
        found
    }

    fn role_rules(
        &self,
        role_ref: &RoleRef,
        namespace: &str,
        errors: &mut Vec<String>,
    ) -> Option<Vec<PolicyRule>> {
        let rules = match role_ref.kind.as_str() {
            "ClusterRole" => self.get::<ClusterRole>("", &role_ref.name).map(|r| r.rules.clone()),
            "Role" => self.get::<Role>(namespace, &role_ref.name).map(|r| r.rules.clone()),
            _ => return None,
        };
        match rules {
            Ok(rules) => Some(rules.unwrap_or_default()),
            Err(_) => {
                // The authorizer's listers name the resource in the singular.
                let resource = role_ref.kind.to_lowercase();
                errors.push(format!(
                    "{resource}.{} {:?} not found",
                    role_ref.api_group, role_ref.name
                ));
                None
            }
        }
    }
}

/// Whether a binding's subjects include the user (`appliesTo`); a ServiceAccount subject
/// without a namespace means the binding's own.
fn applies(user: &UserInfo, subjects: &[Subject], binding_namespace: &str) -> bool {
    subjects.iter().any(|subject| match subject.kind.as_str() {
        "User" => subject.name == user.name,
        "Group" => user.groups.contains(&subject.name),
        "ServiceAccount" => {
            let namespace = subject.namespace.as_deref().unwrap_or(binding_namespace);
            user.name == format!("system:serviceaccount:{namespace}:{}", subject.name)
        }
        _ => false,
    })
}

/// `RuleAllows`: verbs, API groups, resources (`*`, `resource/subresource`, `*/subresource`)
/// and resource names, or non-resource URLs (exact or a `*`-terminated prefix).
pub fn rule_allows(rule: &PolicyRule, attributes: &Attributes) -> bool {
    let has = |list: &Option<Vec<String>>, wanted: &str| {
        list.iter().flatten().any(|v| v == "*" || v == wanted)
    };
    match attributes {
        Attributes::Resource { verb, group, resource, subresource, name, .. } => {
            let combined = if subresource.is_empty() {
                resource.clone()
            } else {
                format!("{resource}/{subresource}")
            };
            let resource_ok = rule.resources.iter().flatten().any(|r| {
                r == "*"
                    || *r == combined
                    || (!subresource.is_empty() && *r == format!("*/{subresource}"))
            });
            let names = rule.resource_names.as_deref().unwrap_or_default();
            has(&Some(rule.verbs.clone()), verb)
                && has(&rule.api_groups, group)
                && resource_ok
                && (names.is_empty() || names.iter().any(|n| n == name))
        }
        Attributes::NonResource { verb, path } => {
            has(&Some(rule.verbs.clone()), verb)
                && rule.non_resource_urls.iter().flatten().any(|url| {
                    url == "*"
                        || url == path
                        || url.strip_suffix('*').is_some_and(|prefix| path.starts_with(prefix))
                })
        }
    }
}

#[cfg(test)]
mod tests;
