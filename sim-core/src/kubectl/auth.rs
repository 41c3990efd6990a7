//! `kubectl auth can-i` (a SelfSubjectAccessReview, or with `--list` a SelfSubjectRulesReview,
//! answered by the API server's RBAC authorizer) and `kubectl auth whoami`. The lab's kubectl
//! is `kubernetes-admin` of admin.conf, in kubeadm's `kubeadm:cluster-admins` group, unless
//! `--as` impersonates someone else.

use super::describe::rbac::rule_rows;
use super::flags::{Flag, Parsed};
use super::print::table::Table;
use super::{CommandDef, CommandError, CommandResult, Invocation, resources};
use crate::api::rbac::{Attributes, UserInfo};

const AS: Flag = Flag::value(
    "as",
    None,
    "''",
    "Username to impersonate for the operation. User could be a regular user or a service account in a namespace.",
);
const AS_GROUP: Flag = Flag::values(
    "as-group",
    None,
    "Group to impersonate for the operation, this flag can be repeated to specify multiple groups.",
);

/// The verbs kubectl knows without a warning.
const KNOWN_VERBS: &[&str] = &[
    "*",
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "use",
    "bind",
    "impersonate",
    "escalate",
    "approve",
    "sign",
    "proxy",
];

pub const DEF: CommandDef = CommandDef {
    long: "Inspect authorization.",
    examples: "",
    usage: "kubectl auth [flags] [options]",
    flags: &[],
    required: &[],
    subcommands: &[("can-i", &CAN_I, can_i), ("whoami", &WHOAMI, whoami)],
};

pub const CAN_I: CommandDef = CommandDef {
    long: "Check whether an action is allowed.\n\n VERB is a logical Kubernetes API verb like 'get', 'list', 'watch', 'delete', etc. TYPE is a Kubernetes resource. Shortcuts and groups will be resolved. NONRESOURCEURL is a partial URL that starts with \"/\". NAME is the name of a particular Kubernetes resource. This command pairs nicely with impersonation. See --as global flag.",
    examples: "  # Check to see if I can create pods in any namespace\n  kubectl auth can-i create pods --all-namespaces\n\n  # Check to see if I can list deployments in my current namespace\n  kubectl auth can-i list deployments.apps\n\n  # Check to see if service account \"foo\" of namespace \"dev\" can list pods in the namespace \"prod\"\n  # You must be allowed to use impersonation for the global option \"--as\"\n  kubectl auth can-i list pods --as=system:serviceaccount:dev:foo -n prod\n\n  # Check to see if I can do everything in my current namespace (\"*\" means all)\n  kubectl auth can-i '*' '*'\n\n  # Check to see if I can get the job named \"bar\" in namespace \"foo\"\n  kubectl auth can-i list jobs.batch/bar -n foo\n\n  # Check to see if I can read pod logs\n  kubectl auth can-i get pods --subresource=log\n\n  # Check to see if I can access the URL /logs/\n  kubectl auth can-i get /logs/\n\n  # List all allowed actions in namespace \"foo\"\n  kubectl auth can-i --list --namespace=foo",
    usage: "kubectl auth can-i VERB [TYPE | TYPE/NAME | NONRESOURCEURL] [options]",
    flags: &[
        Flag::bool(
            "all-namespaces",
            Some('A'),
            "If true, check the specified action in all namespaces.",
        ),
        AS,
        AS_GROUP,
        Flag::bool("list", None, "If true, prints all allowed actions."),
        Flag::bool("no-headers", None, "If true, prints allowed actions without headers"),
        Flag::bool("quiet", Some('q'), "If true, suppress output and just return the exit code."),
        Flag::value("subresource", None, "''", "SubResource such as pod/log or deployment/scale"),
    ],
    required: &[],
    subcommands: &[],
};

pub const WHOAMI: CommandDef = CommandDef {
    long: "Experimental: Check who you are and your attributes (groups, extra).\n\n        This command is helpful to get yourself aware of the current user attributes,\n        especially when dynamic authentication, e.g., token webhook, auth proxy, or OIDC provider,\n        is enabled in the Kubernetes cluster.",
    examples: "  # Get your subject attributes\n  kubectl auth whoami\n\n  # Get your subject attributes in JSON format\n  kubectl auth whoami -o json",
    usage: "kubectl auth whoami [options]",
    flags: &[AS, AS_GROUP],
    required: &[],
    subcommands: &[],
};

/// Who kubectl is: admin.conf's user, or whom `--as` names.
fn user(parsed: &Parsed) -> UserInfo {
    match parsed.value("as").filter(|a| !a.is_empty()) {
        Some(name) => UserInfo::impersonated(name, parsed.values("as-group")),
        None => UserInfo::impersonated("kubernetes-admin", &["kubeadm:cluster-admins".into()]),
    }
}

fn can_i(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let user = user(parsed);
    let namespace =
        if parsed.bool("all-namespaces") { String::new() } else { inv.namespace.clone() };
    if parsed.bool("list") {
        return list(parsed, inv, &user, &namespace);
    }
    let (verb, target) = match parsed.args.as_slice() {
        [verb, target] => (verb.clone(), target.clone()),
        [_] => {
            return Err(CommandError::Usage(
                "you must specify two arguments: verb resource or verb resource/resourceName."
                    .into(),
            ));
        }
        [] => {
            return Err(CommandError::Usage(
                "you must specify two arguments: verb resource or verb resource/resourceName."
                    .into(),
            ));
        }
        _ => {
            return Err(CommandError::Usage(
                "you must specify two arguments: verb resource or verb resource/resourceName."
                    .into(),
            ));
        }
    };
    if !KNOWN_VERBS.contains(&verb.as_str()) {
        inv.out.err_line(format!("Warning: verb '{verb}' is not a known verb"));
    }
    let attributes = if target.starts_with('/') {
        Attributes::NonResource { verb, path: target }
    } else {
        let (typed, name) = match target.split_once('/') {
            Some((typed, name)) => (typed.to_string(), name.to_string()),
            None => (target.clone(), String::new()),
        };
        let (resource, group) = match resources::lookup(&typed) {
            Some(found) => {
                let group = found.api_version.rsplit_once('/').map_or("", |(g, _)| g);
                (found.plural.to_string(), group.to_string())
            }
            // A kind a CustomResourceDefinition serves: its plural in its group.
            None => match custom_resource(inv, &typed) {
                Some(custom) => custom,
                None => {
                    if typed != "*" {
                        match typed.split_once('.') {
                            Some((resource, group)) => inv.out.err_line(format!(
                                "Warning: the server doesn't have a resource type '{resource}' in group '{group}'"
                            )),
                            None => inv.out.err_line(format!(
                                "Warning: the server doesn't have a resource type '{typed}'"
                            )),
                        }
                    }
                    (typed.clone(), String::new())
                }
            },
        };
        Attributes::Resource {
            verb,
            group,
            resource,
            subresource: parsed.value("subresource").unwrap_or_default().to_string(),
            namespace,
            name,
        }
    };
    let decision = inv.sim.api().authorize(&user, &attributes);
    if parsed.bool("quiet") {
        return Ok(if decision.allowed { 0 } else { 1 });
    }
    if decision.allowed {
        inv.out.out("yes\n");
        Ok(0)
    } else if decision.reason.is_empty() {
        inv.out.out("no\n");
        Ok(1)
    } else {
        inv.out.out(format!("no - {}\n", decision.reason));
        Ok(1)
    }
}

/// `--list`: every rule that applies in the namespace, as a SelfSubjectRulesReview returns them.
fn list(
    parsed: &Parsed,
    inv: &mut Invocation<'_>,
    user: &UserInfo,
    namespace: &str,
) -> CommandResult {
    let mut errors = Vec::new();
    let rules: Vec<_> =
        inv.sim.api().rules_for(user, namespace, &mut errors).into_iter().flatten().collect();
    let mut table = Table::new(&["Resources", "Non-Resource URLs", "Resource Names", "Verbs"]);
    for row in rule_rows(&rules) {
        table.row(vec![row.resource, row.urls, row.names, row.verbs]);
    }
    let text = table.render();
    let text = if parsed.bool("no-headers") {
        text.split_once('\n').map_or(String::new(), |(_, rest)| rest.to_string())
    } else {
        text
    };
    inv.out.out(text);
    Ok(0)
}

fn whoami(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let user = user(parsed);
    let mut table = Table::new(&["ATTRIBUTE", "VALUE"]);
    table.row(vec!["Username".into(), user.name.clone()]);
    table.row(vec!["Groups".into(), format!("[{}]", user.groups.join(" "))]);
    inv.out.out(table.render());
    Ok(0)
}

pub fn run(_parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    inv.out.out(super::help(&DEF));
    Ok(0)
}

/// The plural and group of the custom kind `typed` names, if a CustomResourceDefinition
/// serves one.
fn custom_resource(inv: &Invocation, typed: &str) -> Option<(String, String)> {
    let kind = resources::resolve(inv.sim.api(), typed).ok()?;
    kind.as_custom().map(|custom| (custom.plural.clone(), custom.group.clone()))
}
