//! The API server's bootstrap RBAC policy (`rbac/bootstrappolicy`) as far as the lab needs it:
//! the user-facing ClusterRoles (cluster-admin, admin, edit, view), the discovery roles every
//! authenticated user has, and their ClusterRoleBindings, plus kubeadm's binding of its admin
//! group. admin, edit and view are aggregated roles, as in Kubernetes: their rules come from the
//! `system:aggregate-to-*` roles (for the kinds the lab serves) and from each other (view is
//! labelled into edit, edit into admin), gathered by the aggregation controller; they are
//! stored already gathered, as the controller leaves them moments after the server starts.

use crate::controllers::clusterrole_aggregation::aggregated_rules;
use k8s_openapi::api::rbac::v1::{
    AggregationRule, ClusterRole, ClusterRoleBinding, PolicyRule, RoleRef, Subject,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use std::collections::BTreeMap;

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];
const ALL: &[&str] =
    &["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        api_groups: Some(strings(groups)),
        resources: Some(strings(resources)),
        verbs: strings(verbs),
        ..Default::default()
    }
}

fn urls(urls: &[&str], verbs: &[&str]) -> PolicyRule {
    PolicyRule {
        non_resource_urls: Some(strings(urls)),
        verbs: strings(verbs),
        ..Default::default()
    }
}

fn meta(name: &str, labels: &[(&str, &str)]) -> ObjectMeta {
    let mut all: BTreeMap<String, String> =
        labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    all.insert("kubernetes.io/bootstrapping".into(), "rbac-defaults".into());
    ObjectMeta {
        name: Some(name.into()),
        labels: Some(all),
        annotations: Some(BTreeMap::from([(
            "rbac.authorization.kubernetes.io/autoupdate".to_string(),
            "true".to_string(),
        )])),
        ..Default::default()
    }
}

fn aggregated(label: &str) -> Option<AggregationRule> {
    Some(AggregationRule {
        cluster_role_selectors: Some(vec![LabelSelector {
            match_labels: Some(BTreeMap::from([(label.to_string(), "true".to_string())])),
            ..Default::default()
        }]),
    })
}

/// `system:aggregate-to-view`'s rules.
fn view_rules() -> Vec<PolicyRule> {
    vec![
        rule(
            &[""],
            &[
                "configmaps",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "pods",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/status",
            ],
            READ,
        ),
        rule(
            &[""],
            &[
                "bindings",
                "events",
                "limitranges",
                "namespaces/status",
                "pods/log",
                "pods/status",
                "replicationcontrollers/status",
                "resourcequotas",
                "resourcequotas/status",
            ],
            READ,
        ),
        rule(&[""], &["namespaces"], READ),
        rule(&["discovery.k8s.io"], &["endpointslices"], READ),
        rule(
            &["apps"],
            &[
                "controllerrevisions",
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/scale",
                "deployments/status",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
                "statefulsets",
                "statefulsets/scale",
                "statefulsets/status",
            ],
            READ,
        ),
        rule(
            &["autoscaling"],
            &["horizontalpodautoscalers", "horizontalpodautoscalers/status"],
            READ,
        ),
        rule(&["batch"], &["cronjobs", "cronjobs/status", "jobs", "jobs/status"], READ),
        rule(&["policy"], &["poddisruptionbudgets", "poddisruptionbudgets/status"], READ),
        rule(&["networking.k8s.io"], &["ingresses", "ingresses/status", "networkpolicies"], READ),
    ]
}

/// `system:aggregate-to-edit`'s rules: what edit adds to view.
fn edit_rules() -> Vec<PolicyRule> {
    vec![
        rule(
            &[""],
            &[
                "pods/attach",
                "pods/exec",
                "pods/portforward",
                "pods/proxy",
                "secrets",
                "services/proxy",
            ],
            READ,
        ),
        rule(&[""], &["serviceaccounts"], &["impersonate"]),
        rule(&[""], &["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], WRITE),
        rule(&[""], &["pods/eviction"], &["create"]),
        rule(
            &[""],
            &[
                "configmaps",
                "events",
                "persistentvolumeclaims",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "secrets",
                "serviceaccounts",
                "services",
                "services/proxy",
            ],
            WRITE,
        ),
        rule(&[""], &["serviceaccounts/token"], &["create"]),
        rule(
            &["apps"],
            &[
                "daemonsets",
                "deployments",
                "deployments/rollback",
                "deployments/scale",
                "replicasets",
                "replicasets/scale",
                "statefulsets",
                "statefulsets/scale",
            ],
            WRITE,
        ),
        rule(&["autoscaling"], &["horizontalpodautoscalers"], WRITE),
        rule(&["batch"], &["cronjobs", "jobs"], WRITE),
        rule(&["networking.k8s.io"], &["ingresses", "networkpolicies"], WRITE),
        rule(&["policy"], &["poddisruptionbudgets"], WRITE),
        rule(&["coordination.k8s.io"], &["leases"], ALL),
    ]
}

/// `system:aggregate-to-admin`'s rules: what admin adds to edit.
fn admin_rules() -> Vec<PolicyRule> {
    vec![
        rule(&["authorization.k8s.io"], &["localsubjectaccessreviews"], &["create"]),
        rule(&[RBAC_GROUP], &["rolebindings", "roles"], ALL),
    ]
}

/// The bootstrap ClusterRoles.
pub fn cluster_roles() -> Vec<ClusterRole> {
    let role = |name: &str, labels: &[(&str, &str)], rules: Vec<PolicyRule>| ClusterRole {
        metadata: meta(name, labels),
        rules: Some(rules),
        aggregation_rule: None,
    };
    let aggregate_role = |name: &str, labels: &[(&str, &str)], selector: &str| ClusterRole {
        metadata: meta(name, labels),
        rules: None,
        aggregation_rule: aggregated(selector),
    };
    let to = |role: &'static str| (role, "true");
    let mut roles = vec![
        aggregate_role("admin", &[], "rbac.authorization.k8s.io/aggregate-to-admin"),
        role("cluster-admin", &[], vec![rule(&["*"], &["*"], &["*"]), urls(&["*"], &["*"])]),
        aggregate_role(
            "edit",
            &[to("rbac.authorization.k8s.io/aggregate-to-admin")],
            "rbac.authorization.k8s.io/aggregate-to-edit",
        ),
        role(
            "system:aggregate-to-admin",
            &[to("rbac.authorization.k8s.io/aggregate-to-admin")],
            admin_rules(),
        ),
        role(
            "system:aggregate-to-edit",
            &[to("rbac.authorization.k8s.io/aggregate-to-edit")],
            edit_rules(),
        ),
        role(
            "system:aggregate-to-view",
            &[to("rbac.authorization.k8s.io/aggregate-to-view")],
            view_rules(),
        ),
        role(
            "system:basic-user",
            &[],
            vec![
                rule(
                    &["authorization.k8s.io"],
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    &["create"],
                ),
                rule(&["authentication.k8s.io"], &["selfsubjectreviews"], &["create"]),
            ],
        ),
        role(
            "system:discovery",
            &[],
            vec![urls(
                &[
                    "/api",
                    "/api/*",
                    "/apis",
                    "/apis/*",
                    "/healthz",
                    "/livez",
                    "/openapi",
                    "/openapi/*",
                    "/readyz",
                    "/version",
                    "/version/",
                ],
                &["get"],
            )],
        ),
        role(
            "system:public-info-viewer",
            &[],
            vec![urls(&["/healthz", "/livez", "/readyz", "/version", "/version/"], &["get"])],
        ),
        role(
            "system:service-account-issuer-discovery",
            &[],
            vec![urls(
                &[
                    "/.well-known/openid-configuration",
                    "/.well-known/openid-configuration/",
                    "/openid/v1/jwks",
                    "/openid/v1/jwks/",
                ],
                &["get"],
            )],
        ),
        aggregate_role(
            "view",
            &[to("rbac.authorization.k8s.io/aggregate-to-edit")],
            "rbac.authorization.k8s.io/aggregate-to-view",
        ),
    ];
    // view feeds edit, which feeds admin: three rounds gather everything.
    for _ in 0..3 {
        for i in 0..roles.len() {
            if roles[i].aggregation_rule.is_some() {
                let all: Vec<&ClusterRole> = roles.iter().collect();
                let rules = aggregated_rules(&roles[i], &all);
                roles[i].rules = Some(rules);
            }
        }
    }
    roles
}

/// The bootstrap ClusterRoleBindings, and kubeadm's `kubeadm:cluster-admins` (the group of the
/// `kubernetes-admin` user in admin.conf).
pub fn cluster_role_bindings() -> Vec<ClusterRoleBinding> {
    let group = |name: &str| Subject {
        api_group: Some(RBAC_GROUP.into()),
        kind: "Group".into(),
        name: name.into(),
        namespace: None,
    };
    let binding = |name: &str, role: &str, subjects: Vec<Subject>, bootstrap: bool| {
        let mut metadata = meta(name, &[]);
        if !bootstrap {
            metadata.labels = None;
            metadata.annotations = None;
        }
        ClusterRoleBinding {
            metadata,
            role_ref: RoleRef {
                api_group: RBAC_GROUP.into(),
                kind: "ClusterRole".into(),
                name: role.into(),
            },
            subjects: Some(subjects),
        }
    };
    vec![
        binding("cluster-admin", "cluster-admin", vec![group("system:masters")], true),
        binding(
            "kubeadm:cluster-admins",
            "cluster-admin",
            vec![group("kubeadm:cluster-admins")],
            false,
        ),
        binding(
            "system:basic-user",
            "system:basic-user",
            vec![group("system:authenticated")],
            true,
        ),
        binding("system:discovery", "system:discovery", vec![group("system:authenticated")], true),
        binding(
            "system:public-info-viewer",
            "system:public-info-viewer",
            vec![group("system:authenticated"), group("system:unauthenticated")],
            true,
        ),
        binding(
            "system:service-account-issuer-discovery",
            "system:service-account-issuer-discovery",
            vec![group("system:serviceaccounts")],
            true,
        ),
    ]
}

/// Stores the bootstrap policy (the API server's post-start hook).
pub(crate) fn create_all(api: &mut crate::api::ApiServer) {
    for role in cluster_roles() {
        let _ = api.create(role);
    }
    for binding in cluster_role_bindings() {
        let _ = api.create(binding);
    }
}
