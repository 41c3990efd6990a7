//! Every kubectl command, grouped as `kubectl --help` groups them, and which of them the lab
//! simulates. Unknown commands get cobra's suggestions from this list.

pub struct CommandEntry {
    pub name: &'static str,
    pub short: &'static str,
    /// Whether the lab runs this command yet.
    pub simulated: bool,
}

const fn entry(name: &'static str, short: &'static str, simulated: bool) -> CommandEntry {
    CommandEntry { name, short, simulated }
}

pub const GROUPS: &[(&str, &[CommandEntry])] = &[
    (
        "Basic Commands (Beginner)",
        &[
            entry("create", "Create a resource from a file or from stdin", false),
            entry(
                "expose",
                "Take a replication controller, service, deployment or pod and expose it as a new Kubernetes service",
                false,
            ),
            entry("run", "Run a particular image on the cluster", true),
            entry("set", "Set specific features on objects", false),
        ],
    ),
    (
        "Basic Commands (Intermediate)",
        &[
            entry("explain", "Get documentation for a resource", false),
            entry("get", "Display one or many resources", true),
            entry("edit", "Edit a resource on the server", false),
            entry(
                "delete",
                "Delete resources by file names, stdin, resources and names, or by resources and label selector",
                false,
            ),
        ],
    ),
    (
        "Deploy Commands",
        &[
            entry("rollout", "Manage the rollout of a resource", false),
            entry(
                "scale",
                "Set a new size for a deployment, replica set, or replication controller",
                false,
            ),
            entry(
                "autoscale",
                "Auto-scale a deployment, replica set, stateful set, or replication controller",
                false,
            ),
        ],
    ),
    (
        "Cluster Management Commands",
        &[
            entry("certificate", "Modify certificate resources", false),
            entry("cluster-info", "Display cluster information", false),
            entry("top", "Display resource (CPU/memory) usage", false),
            entry("cordon", "Mark node as unschedulable", false),
            entry("uncordon", "Mark node as schedulable", false),
            entry("drain", "Drain node in preparation for maintenance", false),
            entry("taint", "Update the taints on one or more nodes", false),
        ],
    ),
    (
        "Troubleshooting and Debugging Commands",
        &[
            entry("describe", "Show details of a specific resource or group of resources", false),
            entry("logs", "Print the logs for a container in a pod", false),
            entry("attach", "Attach to a running container", false),
            entry("exec", "Execute a command in a container", false),
            entry("port-forward", "Forward one or more local ports to a pod", false),
            entry("proxy", "Run a proxy to the Kubernetes API server", false),
            entry("cp", "Copy files and directories to and from containers", false),
            entry("auth", "Inspect authorization", false),
            entry(
                "debug",
                "Create debugging sessions for troubleshooting workloads and nodes",
                false,
            ),
            entry("events", "List events", false),
        ],
    ),
    (
        "Advanced Commands",
        &[
            entry("diff", "Diff the live version against a would-be applied version", false),
            entry("apply", "Apply a configuration to a resource by file name or stdin", false),
            entry("patch", "Update fields of a resource", false),
            entry("replace", "Replace a resource by file name or stdin", false),
            entry(
                "wait",
                "Experimental: Wait for a specific condition on one or many resources",
                false,
            ),
            entry("kustomize", "Build a kustomization target from a directory or URL", false),
        ],
    ),
    (
        "Settings Commands",
        &[
            entry("label", "Update the labels on a resource", false),
            entry("annotate", "Update the annotations on a resource", false),
            entry(
                "completion",
                "Output shell completion code for the specified shell (bash, zsh, fish, or powershell)",
                false,
            ),
        ],
    ),
    (
        "Other Commands",
        &[
            entry("api-resources", "Print the supported API resources on the server", false),
            entry(
                "api-versions",
                "Print the supported API versions on the server, in the form of \"group/version\"",
                false,
            ),
            entry("config", "Modify kubeconfig files", false),
            entry("plugin", "Provides utilities for interacting with plugins", false),
            entry("version", "Print the client and server version information", false),
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
    names.sort_unstable();
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
