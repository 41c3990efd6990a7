//! The commands that describe the cluster and client rather than objects: `version`,
//! `api-resources`, `cluster-info`.

use super::flags::{Flag, Parsed};
use super::print::{self, table::Table};
use super::resources::RESOURCES;
use super::{CommandDef, CommandError, CommandResult, Invocation};
use crate::cluster::KUBERNETES_VERSION;
use k8s_openapi::api::core::v1::Node;
use serde_json::json;

/// The kubectl the lab imitates, and the kustomize built into it.
const KUSTOMIZE_VERSION: &str = "v5.7.1";

pub const VERSION: CommandDef = CommandDef {
    long: "Print the client and server version information for the current context.",
    examples: "  # Print the client and server versions for the current context\n  kubectl version",
    usage: "kubectl version [flags] [options]",
    flags: &[
        Flag::bool("client", None, "If true, shows client version only (no server required)."),
        Flag::value("output", Some('o'), "''", "One of 'yaml' or 'json'."),
    ],
    required: &[],
    subcommands: &[],
};

/// What `/version` answers for a build of Kubernetes: `kubectl version -o json` shows it, and
/// so does a container that asks the API server.
pub(crate) fn version_info(version: &str) -> serde_json::Value {
    let minor = version.split('.').nth(1).unwrap_or_default();
    json!({
        "buildDate": "2025-09-09T19:44:50Z",
        "compiler": "gc",
        "gitCommit": "93248f9ae092f571eb870b7664c534bfc7d00f03",
        "gitTreeState": "clean",
        "gitVersion": version,
        "goVersion": "go1.24.6",
        "major": "1",
        "minor": minor,
        "platform": "linux/amd64",
    })
}

pub fn version(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let client_only = parsed.bool("client");
    match parsed.value("output").unwrap_or_default() {
        "" => {
            inv.out.out(format!(
                "Client Version: {KUBERNETES_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n"
            ));
            if !client_only {
                inv.out.out(format!("Server Version: {KUBERNETES_VERSION}\n"));
            }
        }
        format @ ("yaml" | "json") => {
            let mut document = json!({"clientVersion": version_info(KUBERNETES_VERSION), "kustomizeVersion": KUSTOMIZE_VERSION});
            if !client_only {
                document["serverVersion"] = version_info(KUBERNETES_VERSION);
            }
            inv.out.out(if format == "yaml" {
                print::to_yaml(&document)
            } else {
                print::to_json(&document)
            });
        }
        other => {
            return Err(CommandError::Plain(format!(
                "--output must be 'yaml' or 'json', got {other:?}"
            )));
        }
    }
    Ok(0)
}

pub const API_RESOURCES: CommandDef = CommandDef {
    long: "Print the supported API resources on the server.",
    examples: "  # Print the supported API resources\n  kubectl api-resources\n\n  # Print the supported API resources with more information\n  kubectl api-resources -o wide\n\n  # Print the supported namespaced resources\n  kubectl api-resources --namespaced=true\n\n  # Print the supported non-namespaced resources\n  kubectl api-resources --namespaced=false\n\n  # Print the supported API resources with a specific APIGroup\n  kubectl api-resources --api-group=rbac.authorization.k8s.io",
    usage: "kubectl api-resources [flags] [options]",
    flags: &[
        Flag::value("api-group", None, "''", "Limit to resources in the specified API group."),
        Flag::value(
            "namespaced",
            None,
            "true",
            "If false, non-namespaced resources will be returned, otherwise returning namespaced resources by default.",
        ),
        Flag::bool(
            "no-headers",
            None,
            "When using the default or custom-column output format, don't print headers (default print headers).",
        ),
        Flag::value("output", Some('o'), "''", "Output format. One of: (wide, name)."),
        Flag::value(
            "sort-by",
            None,
            "''",
            "If non-empty, sort list of resources using specified field. The field can be either 'name' or 'kind'.",
        ),
    ],
    required: &[],
    subcommands: &[],
};

/// One line of `kubectl api-resources`.
struct Discovered {
    plural: String,
    short_names: Vec<String>,
    api_version: String,
    namespaced: bool,
    kind: String,
    categories: Vec<String>,
}

impl Discovered {
    fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
}

pub fn api_resources(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let builtin = RESOURCES.iter().map(|r| Discovered {
        plural: r.plural.into(),
        short_names: r.short_names.iter().map(|s| s.to_string()).collect(),
        api_version: r.api_version.into(),
        namespaced: r.namespaced,
        kind: r.kind.into(),
        categories: if super::resources::ALL_CATEGORY.contains(&r.plural) {
            vec!["all".into()]
        } else {
            Vec::new()
        },
    });
    let mut builtin: Vec<Discovered> = builtin.collect();
    // The core group first, then the groups in order, as discovery lists them; groups from
    // CRDs after the built-in ones.
    crate::sort::sort_by(&mut builtin, |a, b| (a.group(), &a.plural).cmp(&(b.group(), &b.plural)));
    let mut custom: Vec<Discovered> = inv
        .sim
        .api()
        .custom_kinds()
        .into_iter()
        .map(|k| Discovered {
            plural: k.plural,
            short_names: k.short_names,
            api_version: k.api_version,
            namespaced: k.namespaced,
            kind: k.kind,
            categories: k.categories,
        })
        .collect();
    crate::sort::sort_by(&mut custom, |a, b| (a.group(), &a.plural).cmp(&(b.group(), &b.plural)));
    let mut resources: Vec<Discovered> = builtin
        .into_iter()
        .chain(custom)
        .filter(|r| parsed.value("api-group").is_none_or(|g| r.group() == g))
        .filter(|r| match parsed.value("namespaced") {
            None => true,
            Some("true") => r.namespaced,
            Some(_) => !r.namespaced,
        })
        .collect();
    match parsed.value("sort-by") {
        Some("name") => crate::sort::sort_by(&mut resources, |a, b| a.plural.cmp(&b.plural)),
        Some("kind") => crate::sort::sort_by(&mut resources, |a, b| a.kind.cmp(&b.kind)),
        _ => {}
    }
    match parsed.value("output").unwrap_or_default() {
        "name" => {
            for r in resources {
                let group = r.group();
                inv.out.out(if group.is_empty() {
                    format!("{}\n", r.plural)
                } else {
                    format!("{}.{group}\n", r.plural)
                });
            }
        }
        "" | "wide" => {
            let wide = parsed.value("output") == Some("wide");
            let mut header = vec!["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"];
            if wide {
                header.extend(["VERBS", "CATEGORIES"]);
            }
            let mut table = Table::new(&header);
            for r in resources {
                let mut row = vec![
                    r.plural.clone(),
                    r.short_names.join(","),
                    r.api_version.clone(),
                    r.namespaced.to_string(),
                    r.kind.clone(),
                ];
                if wide {
                    row.push("create,delete,deletecollection,get,list,patch,update,watch".into());
                    row.push(r.categories.join(","));
                }
                table.row(row);
            }
            let text = table.render();
            let text = if parsed.bool("no-headers") {
                text.lines().skip(1).map(|l| format!("{l}\n")).collect()
            } else {
                text
            };
            inv.out.out(text);
        }
        other => return Err(CommandError::Plain(format!("--output {other} is not available"))),
    }
    Ok(0)
}

pub const CLUSTER_INFO: CommandDef = CommandDef {
    long: "Display addresses of the control plane and services with label kubernetes.io/cluster-service=true. To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.",
    examples: "  # Print the address of the control plane and cluster services\n  kubectl cluster-info",
    usage: "kubectl cluster-info [flags] [options]",
    flags: &[],
    required: &[],
    subcommands: &[],
};

/// The API server's address: the control-plane node's InternalIP, port 6443.
pub fn api_server_url(inv: &Invocation<'_>) -> String {
    let ip = inv
        .sim
        .api()
        .list::<Node>(None)
        .find(|n| {
            n.metadata
                .labels
                .as_ref()
                .is_some_and(|l| l.contains_key(crate::cluster::CONTROL_PLANE_TAINT))
        })
        .and_then(|n| crate::cluster::node_address(n, "InternalIP"))
        .unwrap_or("127.0.0.1");
    format!("https://{ip}:6443")
}

pub fn cluster_info(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    if let Some(extra) = parsed.args.first() {
        if extra == "dump" {
            return Err(CommandError::Plain("kubelab does not simulate \"kubectl cluster-info dump\": use kubectl get and describe".into()));
        }
        return Err(CommandError::Usage(format!(
            "unknown command {extra:?} for \"kubectl cluster-info\""
        )));
    }
    let server = api_server_url(inv);
    let mut text = format!("Kubernetes control plane is running at {server}\n");
    let has_dns =
        inv.sim.api().get::<k8s_openapi::api::core::v1::Service>("kube-system", "kube-dns").is_ok();
    if has_dns {
        text.push_str(&format!("CoreDNS is running at {server}/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n"));
    }
    text.push_str(
        "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n",
    );
    inv.out.out(text);
    Ok(0)
}
