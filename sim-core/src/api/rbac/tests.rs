use super::*;
use crate::rng::Rng;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

fn api() -> ApiServer {
    let mut api = ApiServer::new(SimTime::from_unix_ms(1_000_000), Rng::new(1));
    let namespace = ObjectMeta { name: Some("default".into()), ..Default::default() };
    api.create(Namespace { metadata: namespace, ..Default::default() }).unwrap();
    for role in bootstrap::cluster_roles() {
        api.create(role).unwrap();
    }
    for binding in bootstrap::cluster_role_bindings() {
        api.create(binding).unwrap();
    }
    api
}

fn list_pods(namespace: &str) -> Attributes {
    Attributes::Resource {
        verb: "list".into(),
        group: String::new(),
        resource: "pods".into(),
        subresource: String::new(),
        namespace: namespace.into(),
        name: String::new(),
    }
}

fn meta(name: &str) -> ObjectMeta {
    ObjectMeta { name: Some(name.into()), namespace: Some("default".into()), ..Default::default() }
}

fn bind(api: &mut ApiServer, name: &str, kind: &str, role: &str) {
    api.create(RoleBinding {
        metadata: meta(name),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: kind.into(),
            name: role.into(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: "default".into(),
            namespace: Some("default".into()),
            api_group: None,
        }]),
    })
    .unwrap();
}

#[test]
fn a_service_account_may_do_nothing_until_a_role_is_bound_to_it() {
    let mut api = api();
    let account = UserInfo::service_account("default", "default");
    let decision = api.authorize(&account, &list_pods("default"));
    assert!(!decision.allowed);
    assert_eq!(
        list_pods("default").forbidden_message(&account),
        "User \"system:serviceaccount:default:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\""
    );
    // Discovery is open to every authenticated user.
    let discovery = Attributes::NonResource { verb: "get".into(), path: "/api".into() };
    assert!(api.authorize(&account, &discovery).allowed);
    assert!(!api.authorize(&UserInfo::anonymous(), &discovery).allowed);

    bind(&mut api, "read-pods", "Role", "pod-reader");
    let decision = api.authorize(&account, &list_pods("default"));
    assert!(!decision.allowed);
    assert_eq!(decision.reason, "RBAC: role.rbac.authorization.k8s.io \"pod-reader\" not found");
    api.create(Role {
        metadata: meta("pod-reader"),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(vec!["pods".into()]),
            verbs: vec!["get".into(), "list".into(), "watch".into()],
            ..Default::default()
        }]),
    })
    .unwrap();
    assert!(api.authorize(&account, &list_pods("default")).allowed);
    // A Role gives nothing outside its namespace, nor at the cluster scope.
    assert!(!api.authorize(&account, &list_pods("")).allowed);
}

#[test]
fn cluster_roles_bound_in_a_namespace_and_resource_names() {
    let mut api = api();
    let account = UserInfo::service_account("default", "default");
    bind(&mut api, "viewers", "ClusterRole", "view");
    assert!(api.authorize(&account, &list_pods("default")).allowed);
    let secrets = Attributes::Resource {
        verb: "get".into(),
        group: String::new(),
        resource: "secrets".into(),
        subresource: String::new(),
        namespace: "default".into(),
        name: "db".into(),
    };
    assert!(!api.authorize(&account, &secrets).allowed, "view does not read secrets");
    let rule = PolicyRule {
        api_groups: Some(vec![String::new()]),
        resources: Some(vec!["secrets".into()]),
        resource_names: Some(vec!["db".into()]),
        verbs: vec!["get".into()],
        ..Default::default()
    };
    assert!(rule_allows(&rule, &secrets));
    let other = match secrets.clone() {
        Attributes::Resource { verb, group, resource, subresource, namespace, .. } => {
            Attributes::Resource { verb, group, resource, subresource, namespace, name: "x".into() }
        }
        other => other,
    };
    assert!(!rule_allows(&rule, &other));
    let admins = UserInfo::impersonated("kubernetes-admin", &["kubeadm:cluster-admins".into()]);
    assert!(api.authorize(&admins, &secrets).allowed);
}

#[test]
fn role_validation_and_immutable_role_refs() {
    let mut api = api();
    let error = api
        .create(Role {
            metadata: meta("bad"),
            rules: Some(vec![PolicyRule {
                non_resource_urls: Some(vec!["/healthz".into()]),
                ..Default::default()
            }]),
        })
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "Role.rbac.authorization.k8s.io \"bad\" is invalid: [rules[0].verbs: Required value: verbs must contain at least one value, rules[0].nonResourceURLs: Invalid value: []string{\"/healthz\"}: namespaced rules cannot apply to non-resource URLs]"
    );
    bind(&mut api, "b", "ClusterRole", "view");
    let mut binding = api.get::<RoleBinding>("default", "b").unwrap().clone();
    binding.role_ref.name = "edit".into();
    let error = api.replace(binding).unwrap_err();
    assert!(error.to_string().ends_with("cannot change roleRef"), "{error}");
}
