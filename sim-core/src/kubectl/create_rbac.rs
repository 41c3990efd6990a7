//! `kubectl create role|clusterrole|rolebinding|clusterrolebinding|token`: RBAC objects from
//! flags (`--verb`, `--resource`, `--resource-name`, `--role`, `--clusterrole`, `--user`,
//! `--group`, `--serviceaccount`), and a service account token from the TokenRequest API.

use super::create::{DRY_RUN, OUTPUT, SAVE_CONFIG, create_generated, meta, required_name};
use super::flags::{Flag, Parsed};
use super::{CommandDef, CommandError, CommandResult, Invocation, resources};
use crate::api::tokens::TokenRequest;
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::rbac::v1::{
    ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject,
};
use std::collections::BTreeMap;

const RBAC_GROUP: &str = "rbac.authorization.k8s.io";
/// The verbs kubectl knows; others get a warning, not an error.
const RESOURCE_VERBS: &[&str] = &[
    "*",
    "get",
    "delete",
    "list",
    "create",
    "update",
    "patch",
    "watch",
    "proxy",
    "deletecollection",
    "use",
    "bind",
    "escalate",
    "impersonate",
    "approve",
    "sign",
];

const VERB: Flag =
    Flag::values("verb", None, "Verb that applies to the resources contained in the rule");
const RESOURCE: Flag = Flag::values("resource", None, "Resource that the rule applies to");
const RESOURCE_NAME: Flag = Flag::values(
    "resource-name",
    None,
    "Resource in the white list that the rule applies to, repeat this flag for multiple items",
);
const USER: Flag = Flag::values(
    "user",
    None,
    "Usernames to bind to the clusterrole. The flag can be repeated to add multiple users.",
);
const GROUP: Flag = Flag::values(
    "group",
    None,
    "Groups to bind to the clusterrole. The flag can be repeated to add multiple groups.",
);
const SERVICE_ACCOUNT: Flag = Flag::values(
    "serviceaccount",
    None,
    "Service accounts to bind to the clusterrole, in the format <namespace>:<name>. The flag can be repeated to add\n\tmultiple service accounts.",
);
const CLUSTER_ROLE: Flag =
    Flag::value("clusterrole", None, "''", "ClusterRole this ClusterRoleBinding should reference");

pub const ROLE: CommandDef = CommandDef {
    long: "Create a role with single rule.",
    examples: "  # Create a role named \"pod-reader\" that allows user to perform \"get\", \"watch\" and \"list\" on pods\n  kubectl create role pod-reader --verb=get --verb=list --verb=watch --resource=pods\n\n  # Create a role named \"pod-reader\" with ResourceName specified\n  kubectl create role pod-reader --verb=get --resource=pods --resource-name=readablepod --resource-name=anotherpod\n\n  # Create a role named \"foo\" with API Group specified\n  kubectl create role foo --verb=get,list,watch --resource=rs.apps\n\n  # Create a role named \"foo\" with SubResource specified\n  kubectl create role foo --verb=get,list,watch --resource=pods,pods/status",
    usage: "kubectl create role NAME --verb=verb --resource=resource.group/subresource [--resource-name=resourcename] [--dry-run=server|client|none] [options]",
    flags: &[DRY_RUN, OUTPUT, RESOURCE, RESOURCE_NAME, SAVE_CONFIG, VERB],
    required: &[],
    subcommands: &[],
};

pub const CLUSTERROLE: CommandDef = CommandDef {
    long: "Create a cluster role.",
    examples: "  # Create a cluster role named \"pod-reader\" that allows user to perform \"get\", \"watch\" and \"list\" on pods\n  kubectl create clusterrole pod-reader --verb=get,list,watch --resource=pods\n\n  # Create a cluster role named \"pod-reader\" with ResourceName specified\n  kubectl create clusterrole pod-reader --verb=get --resource=pods --resource-name=readablepod --resource-name=anotherpod\n\n  # Create a cluster role named \"foo\" with API Group specified\n  kubectl create clusterrole foo --verb=get,list,watch --resource=rs.apps\n\n  # Create a cluster role named \"foo\" with SubResource specified\n  kubectl create clusterrole foo --verb=get,list,watch --resource=pods,pods/status\n\n  # Create a cluster role name \"foo\" with NonResourceURL specified\n  kubectl create clusterrole \"foo\" --verb=get --non-resource-url=/logs/*",
    usage: "kubectl create clusterrole NAME --verb=verb --resource=resource.group [--resource-name=resourcename] [--dry-run=server|client|none] [options]",
    flags: &[
        DRY_RUN,
        Flag::values("non-resource-url", None, "A partial url that user should have access to."),
        OUTPUT,
        RESOURCE,
        RESOURCE_NAME,
        SAVE_CONFIG,
        VERB,
    ],
    required: &[],
    subcommands: &[],
};

pub const ROLEBINDING: CommandDef = CommandDef {
    long: "Create a role binding for a particular role or cluster role.",
    examples: "  # Create a role binding for user1, user2, and group1 using the admin cluster role\n  kubectl create rolebinding admin --clusterrole=admin --user=user1 --user=user2 --group=group1\n\n  # Create a role binding for service account monitoring:sa-dev using the admin role\n  kubectl create rolebinding admin-binding --role=admin --serviceaccount=monitoring:sa-dev",
    usage: "kubectl create rolebinding NAME --clusterrole=NAME|--role=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none] [options]",
    flags: &[
        CLUSTER_ROLE,
        DRY_RUN,
        GROUP,
        OUTPUT,
        Flag::value("role", None, "''", "Role this RoleBinding should reference"),
        SAVE_CONFIG,
        SERVICE_ACCOUNT,
        USER,
    ],
    required: &[],
    subcommands: &[],
};

pub const CLUSTERROLEBINDING: CommandDef = CommandDef {
    long: "Create a cluster role binding for a particular cluster role.",
    examples: "  # Create a cluster role binding for user1, user2, and group1 using the cluster-admin cluster role\n  kubectl create clusterrolebinding cluster-admin --clusterrole=cluster-admin --user=user1 --user=user2 --group=group1",
    usage: "kubectl create clusterrolebinding NAME --clusterrole=NAME [--user=username] [--group=groupname] [--serviceaccount=namespace:serviceaccountname] [--dry-run=server|client|none] [options]",
    flags: &[CLUSTER_ROLE, DRY_RUN, GROUP, OUTPUT, SAVE_CONFIG, SERVICE_ACCOUNT, USER],
    required: &["clusterrole"],
    subcommands: &[],
};

pub const TOKEN: CommandDef = CommandDef {
    long: "Request a service account token.",
    examples: "  # Request a token to authenticate to the kube-apiserver as the service account \"myapp\" in the current namespace\n  kubectl create token myapp\n\n  # Request a token for a service account in a custom namespace\n  kubectl create token myapp --namespace myns\n\n  # Request a token with a custom expiration\n  kubectl create token myapp --duration 10m\n\n  # Request a token with a custom audience\n  kubectl create token myapp --audience https://example.com\n\n  # Request a token bound to an instance of a Pod object\n  kubectl create token myapp --bound-object-kind Pod --bound-object-name mypod",
    usage: "kubectl create token SERVICE_ACCOUNT_NAME [options]",
    flags: &[
        Flag::values(
            "audience",
            None,
            "Audience of the requested token. If unset, defaults to requesting a token for use with the Kubernetes API\n\tserver. May be repeated to request a token valid for multiple audiences.",
        ),
        Flag::value(
            "bound-object-kind",
            None,
            "''",
            "Kind of an object to bind the token to. Supported kinds are Node, Pod, Secret. If set, --bound-object-name must be\n\tprovided.",
        ),
        Flag::value(
            "bound-object-name",
            None,
            "''",
            "Name of an object to bind the token to. The token will expire when the object is deleted. Requires\n\t--bound-object-kind.",
        ),
        Flag::value(
            "duration",
            None,
            "0s",
            "Requested lifetime of the issued token. If not set or if set to 0, the lifetime will be determined by the\n\tserver automatically. The server may return a token with a longer or shorter lifetime.",
        ),
        OUTPUT,
    ],
    required: &[],
    subcommands: &[],
};

/// A repeatable string-slice flag: every value, split at commas.
fn list(parsed: &Parsed, flag: &str) -> Vec<String> {
    parsed
        .values(flag)
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// The rules of `create role|clusterrole`: one per API group, resources resolved by discovery
/// (`rs.apps` → `replicasets`), subresources kept.
fn rules(
    parsed: &Parsed,
    inv: &mut Invocation<'_>,
    cluster: bool,
    urls: Vec<String>,
) -> Result<Vec<PolicyRule>, CommandError> {
    let verbs = list(parsed, "verb");
    let typed = list(parsed, "resource");
    if verbs.is_empty() {
        return Err(CommandError::Plain("at least one verb must be specified".into()));
    }
    if typed.is_empty() && urls.is_empty() {
        let what =
            if cluster { "one of resource or nonResourceURL" } else { "at least one resource" };
        return Err(CommandError::Plain(format!("{what} must be specified")));
    }
    for verb in verbs.iter().filter(|v| !RESOURCE_VERBS.contains(&v.as_str())) {
        inv.out.err_line(format!("Warning: '{verb}' is not a standard resource verb"));
    }
    let mut by_group: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for resource in &typed {
        let (name, sub) = match resource.split_once('/') {
            Some((name, sub)) => (name, Some(sub)),
            None => (resource.as_str(), None),
        };
        let (plural, group) = match resources::lookup(name) {
            Some(found) => {
                let group = found.api_version.rsplit_once('/').map_or("", |(g, _)| g);
                (found.plural.to_string(), group.to_string())
            }
            None if name == "*" => ("*".to_string(), String::new()),
            None => {
                return Err(CommandError::Plain(format!(
                    "the server doesn't have a resource type {name:?}"
                )));
            }
        };
        let full = match sub {
            Some(sub) => format!("{plural}/{sub}"),
            None => plural,
        };
        let list = by_group.entry(group).or_default();
        if !list.contains(&full) {
            list.push(full);
        }
    }
    let names = list(parsed, "resource-name");
    let mut rules: Vec<PolicyRule> = by_group
        .into_iter()
        .map(|(group, resources)| PolicyRule {
            api_groups: Some(vec![group]),
            resources: Some(resources),
            resource_names: (!names.is_empty()).then(|| names.clone()),
            verbs: verbs.clone(),
            non_resource_urls: None,
        })
        .collect();
    if !urls.is_empty() {
        rules.push(PolicyRule { non_resource_urls: Some(urls), verbs, ..Default::default() });
    }
    Ok(rules)
}

pub fn role(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let rules = rules(parsed, inv, false, Vec::new())?;
    create_generated(parsed, inv, Role { metadata: meta(&name), rules: Some(rules) })
}

pub fn clusterrole(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let rules = rules(parsed, inv, true, list(parsed, "non-resource-url"))?;
    create_generated(
        parsed,
        inv,
        ClusterRole { metadata: meta(&name), rules: Some(rules), aggregation_rule: None },
    )
}

/// The subjects of a binding: users, then groups, then service accounts (`NS:NAME`).
fn subjects(parsed: &Parsed) -> Result<Vec<Subject>, CommandError> {
    let mut subjects = Vec::new();
    for (flag, kind) in [("user", "User"), ("group", "Group")] {
        for name in list(parsed, flag) {
            subjects.push(Subject {
                api_group: Some(RBAC_GROUP.into()),
                kind: kind.into(),
                name,
                namespace: None,
            });
        }
    }
    for account in list(parsed, "serviceaccount") {
        let Some((namespace, name)) =
            account.split_once(':').filter(|(n, a)| !n.is_empty() && !a.is_empty())
        else {
            return Err(CommandError::Plain("serviceaccount must be <namespace>:<name>".into()));
        };
        subjects.push(Subject {
            api_group: None,
            kind: "ServiceAccount".into(),
            name: name.into(),
            namespace: Some(namespace.into()),
        });
    }
    Ok(subjects)
}

fn role_ref(kind: &str, name: &str) -> RoleRef {
    RoleRef { api_group: RBAC_GROUP.into(), kind: kind.into(), name: name.into() }
}

pub fn rolebinding(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let reference = match (parsed.value("clusterrole"), parsed.value("role")) {
        (Some(role), None) if !role.is_empty() => role_ref("ClusterRole", role),
        (None, Some(role)) if !role.is_empty() => role_ref("Role", role),
        _ => {
            return Err(CommandError::Plain(
                "exactly one of clusterrole or role must be specified".into(),
            ));
        }
    };
    let subjects = subjects(parsed)?;
    create_generated(
        parsed,
        inv,
        RoleBinding { metadata: meta(&name), role_ref: reference, subjects: Some(subjects) },
    )
}

pub fn clusterrolebinding(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let role = parsed.value("clusterrole").unwrap_or_default();
    let subjects = subjects(parsed)?;
    create_generated(
        parsed,
        inv,
        ClusterRoleBinding {
            metadata: meta(&name),
            role_ref: role_ref("ClusterRole", role),
            subjects: Some(subjects),
        },
    )
}

/// `create token`: the token alone on stdout, as kubectl prints it.
pub fn token(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let name = required_name(parsed)?;
    let duration = parsed.value("duration").unwrap_or("0s");
    let duration = crate::time::parse_go_duration(duration).map_err(|e| {
        CommandError::Plain(format!("invalid argument {duration:?} for \"--duration\" flag: {e}"))
    })?;
    let seconds = if duration.is_zero() { 3600 } else { duration.as_secs() as i64 };
    let bound_kind = parsed.value("bound-object-kind").unwrap_or_default();
    let bound_name = parsed.value("bound-object-name").unwrap_or_default();
    let pod = match (bound_kind, bound_name) {
        ("", "") => None,
        ("", _) => {
            return Err(CommandError::Plain(
                "--bound-object-name can only be set if --bound-object-kind is provided".into(),
            ));
        }
        (_, "") => {
            return Err(CommandError::Plain(
                "--bound-object-name is required if --bound-object-kind is provided".into(),
            ));
        }
        ("Pod", pod) => Some(
            inv.sim
                .api()
                .get::<Pod>(&inv.namespace, pod)
                .map_err(|e| CommandError::Plain(format!("failed to create token: {e}")))?
                .clone(),
        ),
        (other, _) => {
            return Err(CommandError::Plain(format!(
                "supported --bound-object-kind values are Pod (kubelab does not bind tokens to a {other})"
            )));
        }
    };
    let request = TokenRequest {
        namespace: &inv.namespace,
        service_account: &name,
        audiences: list(parsed, "audience"),
        expiration_seconds: seconds,
        pod: pod.as_ref(),
    };
    let token = inv
        .sim
        .api()
        .create_token(&request)
        .map_err(|e| CommandError::Plain(format!("failed to create token: {e}")))?;
    inv.out.out(format!("{token}\n"));
    Ok(0)
}
