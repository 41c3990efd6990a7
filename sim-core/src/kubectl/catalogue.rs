//! Every kubectl command, grouped as `kubectl --help` groups them. Unknown commands get cobra's
//! suggestions from this list; `mod.rs` says which of them the lab simulates.

pub struct CommandEntry {
    pub name: &'static str,
    pub short: &'static str,
}

const fn entry(name: &'static str, short: &'static str) -> CommandEntry {
    CommandEntry { name, short }
}

pub const GROUPS: &[(&str, &[CommandEntry])] = &[
    (
        "Basic Commands (Beginner)",
        &[
            entry("create", "Create a resource from a file or from stdin"),
            entry(
                "expose",
                "Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service",
            ),
            entry("run", "Run a particular image on the cluster"),
            entry("set", "Set specific features on objects"),
        ],
    ),
    (
        "Basic Commands (Intermediate)",
        &[
            entry("explain", "Get documentation for a resource"),
            entry("get", "Display one or many resources"),
            entry("edit", "Edit a resource on the server"),
            entry(
                "delete",
                "Delete resources by file names, stdin, resources and names, or by resources and label selector",
            ),
        ],
    ),
    (
        "Deploy Commands",
        &[
            entry("rollout", "Manage the rollout of a resource"),
            entry(
                "scale",
                "Set a new size for a deployment, replica set, or replication controller",
            ),
            entry(
                "autoscale",
                "Auto-scale a deployment, replica set, stateful set, or replication controller",
            ),
        ],
    ),
    (
        "Cluster Management Commands",
        &[
            entry("certificate", "Modify certificate resources"),
            entry("cluster-info", "Display cluster information"),
            entry("top", "Display resource (CPU/memory) usage"),
            entry("cordon", "Mark node as unschedulable"),
            entry("uncordon", "Mark node as schedulable"),
            entry("drain", "Drain node in preparation for maintenance"),
            entry("taint", "Update the taints on one or more nodes"),
        ],
    ),
    (
        "Troubleshooting and Debugging Commands",
        &[
            entry("describe", "Show details of a specific resource or group of resources"),
            entry("logs", "Print the logs for a container in a pod"),
            entry("attach", "Attach to a running container"),
            entry("exec", "Execute a command in a container"),
            entry("port-forward", "Forward one or more local ports to a pod"),
            entry("proxy", "Run a proxy to the Kubernetes API server"),
            entry("cp", "Copy files and directories to and from containers"),
            entry("auth", "Inspect authorization"),
            entry("debug", "Create debugging sessions for troubleshooting workloads and nodes"),
            entry("events", "List events"),
        ],
    ),
    (
        "Advanced Commands",
        &[
            entry("diff", "Diff the live version against a would-be applied version"),
            entry("apply", "Apply a configuration to a resource by file name or stdin"),
            entry("patch", "Update fields of a resource"),
            entry("replace", "Replace a resource by file name or stdin"),
            entry("wait", "Experimental: Wait for a specific condition on one or many resources"),
            entry("kustomize", "Build a kustomization target from a directory or URL"),
        ],
    ),
    (
        "Settings Commands",
        &[
            entry("label", "Update the labels on a resource"),
            entry("annotate", "Update the annotations on a resource"),
            entry(
                "completion",
                "Output shell completion code for the specified shell (bash, zsh, fish, or powershell)",
            ),
        ],
    ),
    (
        "Other Commands",
        &[
            entry("api-resources", "Print the supported API resources on the server"),
            entry(
                "api-versions",
                "Print the supported API versions on the server, in the form of \"group/version\"",
            ),
            entry("config", "Modify kubeconfig files"),
            entry("plugin", "Provides utilities for interacting with plugins"),
            entry("version", "Print the client and server version information"),
        ],
    ),
];

pub fn find(name: &str) -> Option<&'static CommandEntry> {
    GROUPS.iter().flat_map(|(_, entries)| entries.iter()).find(|e| e.name == name)
}

/// `kubectl --help`.
pub fn root_help() -> String {
    let mut out = String::from(
        "kubectl controls the Kubernetes cluster manager.\n\n Find more information at: https://kubernetes.io/docs/reference/kubectl/\n\n",
    );
    for (group, entries) in GROUPS {
        out.push_str(&format!("{group}:\n"));
        for entry in *entries {
            out.push_str(&format!("  {:<15} {}\n", entry.name, entry.short));
        }
        out.push('\n');
    }
    out.push_str(
        "Usage:\n  kubectl [flags] [options]\n\nUse \"kubectl <command> --help\" for more information about a given command.\nUse \"kubectl options\" for a list of global command-line options (applies to all commands).\n",
    );
    out
}

/// cobra's "Did you mean this?" candidates: commands within edit distance 2 of what was typed,
/// or that start with it, in alphabetical order.
pub fn suggestions(typed: &str) -> Vec<&'static str> {
    let typed = typed.to_lowercase();
    let mut names: Vec<&'static str> = GROUPS
        .iter()
        .flat_map(|(_, entries)| entries.iter())
        .map(|e| e.name)
        .filter(|name| levenshtein(&typed, name) <= 2 || name.starts_with(&typed))
        .collect();
    crate::sort::sort(&mut names);
    names
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            current.push((previous[j] + cost).min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_like_cobra() {
        assert_eq!(suggestions("foo"), vec!["top"]);
        assert_eq!(suggestions("gte"), vec!["get"]);
        assert_eq!(suggestions("lgos"), vec!["logs"]);
        assert_eq!(suggestions("desc"), vec!["describe"]);
        assert!(suggestions("zzzzzz").is_empty());
    }
}
