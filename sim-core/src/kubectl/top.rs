//! `kubectl top pod|node`: CPU and memory use from the resource metrics pipeline (the kubelets'
//! view of their containers, as metrics-server serves it). CPU is what the container gets: a
//! limit throttles what its program wants.

use super::flags::{Flag, Parsed};
use super::print::table::Table;
use super::{CommandDef, CommandError, CommandResult, Invocation};
use crate::Simulation;
use crate::api::selector::Selector;
use crate::container::Usage;
use crate::podutil;
use k8s_openapi::api::core::v1::{Node, Pod};

use crate::kubelet::{SYSTEM_USAGE_CONTROL_PLANE, SYSTEM_USAGE_WORKER};

const SELECTOR_USAGE: &str = "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3\n\tin (value3)). Matching objects must satisfy all of the specified label constraints.";

pub const DEF: CommandDef = CommandDef {
    long: "Display resource (CPU/memory) usage.\n\n This command requires Metrics Server to be correctly configured and working on the server.",
    examples: "",
    usage: "kubectl top [flags] [options]",
    flags: &[],
    required: &[],
    subcommands: &[("node", &NODE, node), ("pod", &POD, pod)],
};

pub const POD: CommandDef = CommandDef {
    long: "Display resource (CPU/memory) usage of pods.\n\n The 'top pod' command allows you to see the resource consumption of pods.\n\n Due to the metrics pipeline delay, they may be unavailable for a few minutes since pod creation.",
    examples: "  # Show metrics for all pods in the default namespace\n  kubectl top pod\n\n  # Show metrics for all pods in the given namespace\n  kubectl top pod --namespace=NAMESPACE\n\n  # Show metrics for a given pod and its containers\n  kubectl top pod POD_NAME --containers\n\n  # Show metrics for the pods defined by label name=myLabel\n  kubectl top pod -l name=myLabel",
    usage: "kubectl top pod [NAME | -l label] [options]",
    flags: &[
        Flag::bool(
            "all-namespaces",
            Some('A'),
            "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even\n\tif specified with --namespace.",
        ),
        Flag::bool("containers", None, "If present, print usage of containers within a pod."),
        Flag::bool("no-headers", None, "If present, print output without headers."),
        Flag::value("selector", Some('l'), "''", SELECTOR_USAGE),
        Flag::value(
            "sort-by",
            None,
            "''",
            "If non-empty, sort pods list using specified field. The field can be either 'cpu' or 'memory'.",
        ),
        Flag::bool("sum", None, "Print the sum of the resource usage"),
    ],
    required: &[],
    subcommands: &[],
};

pub const NODE: CommandDef = CommandDef {
    long: "Display resource (CPU/memory) usage of nodes.\n\n The top-node command allows you to see the resource consumption of nodes.",
    examples: "  # Show metrics for all nodes\n  kubectl top node\n\n  # Show metrics for a given node\n  kubectl top node NODE_NAME",
    usage: "kubectl top node [NAME | -l label] [options]",
    flags: &[
        Flag::bool("no-headers", None, "If present, print output without headers"),
        Flag::value("selector", Some('l'), "''", SELECTOR_USAGE),
        Flag::bool(
            "show-capacity",
            None,
            "Print node resources based on Capacity instead of Allocatable(default) of the nodes.",
        ),
        Flag::value(
            "sort-by",
            None,
            "''",
            "If non-empty, sort nodes list using specified field. The field can be either 'cpu' or 'memory'.",
        ),
    ],
    required: &[],
    subcommands: &[],
};

/// `kubectl top` alone prints its help, as cobra does for a command without a runner.
pub fn run(_: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    inv.out.out(super::help(&DEF));
    Ok(0)
}

fn cpu(millis: u64) -> String {
    format!("{millis}m")
}

fn memory(bytes: u64) -> String {
    format!("{}Mi", bytes / (1024 * 1024))
}

/// What a running pod's containers get now: by container name, CPU throttled to its limit.
fn pod_usage(sim: &Simulation, pod: &Pod) -> Option<Vec<(String, Usage)>> {
    if podutil::phase(pod) != "Running" {
        return None;
    }
    let usage = sim.kubelet(podutil::node_name(pod)?)?.pod_usage(pod, sim.now())?;
    Some(usage.map(|(name, usage)| (name.to_string(), usage)).collect())
}

/// What a node's system daemons use besides its pods (CPU millicores, memory bytes).
pub(crate) fn system_usage(node: &Node) -> (u64, u64) {
    let control_plane = node
        .metadata
        .labels
        .as_ref()
        .is_some_and(|l| l.contains_key("node-role.kubernetes.io/control-plane"));
    if control_plane { SYSTEM_USAGE_CONTROL_PLANE } else { SYSTEM_USAGE_WORKER }
}

/// A pod's namespace, name, and its containers' use.
type PodRow = (String, String, Vec<(String, Usage)>);

fn sort_key(parsed: &Parsed) -> Result<Option<bool>, CommandError> {
    match parsed.value("sort-by").unwrap_or_default() {
        "" => Ok(None),
        "cpu" => Ok(Some(true)),
        "memory" => Ok(Some(false)),
        other => {
            Err(CommandError::Plain(format!("--sort-by accepts only cpu or memory, got {other:?}")))
        }
    }
}

fn pod(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let all_namespaces = parsed.bool("all-namespaces");
    let by_cpu = sort_key(parsed)?;
    let selector = Selector::parse(parsed.value("selector").unwrap_or_default())
        .map_err(CommandError::Plain)?;
    let api = inv.sim.api();
    let namespace = (!all_namespaces).then(|| inv.namespace.clone());
    let pods: Vec<Pod> = match parsed.args.as_slice() {
        [] => api
            .list::<Pod>(namespace.as_deref())
            .filter(|p| selector.matches(p.metadata.labels.as_ref()))
            .cloned()
            .collect(),
        [name] => {
            let pod = api.get::<Pod>(&inv.namespace, name).map_err(CommandError::Api)?.clone();
            if pod_usage(inv.sim, &pod).is_none() {
                return Err(CommandError::Plain(format!(
                    "Metrics not available for pod {}/{name}, age: {}",
                    inv.namespace,
                    crate::time::go_duration(
                        inv.sim.now().since(
                            pod.metadata
                                .creation_timestamp
                                .as_ref()
                                .map_or(inv.sim.now(), crate::time::SimTime::from_k8s)
                        )
                    )
                )));
            }
            vec![pod]
        }
        _ => return Err(CommandError::Usage("only one NAME may be given".to_string())),
    };
    let mut rows: Vec<PodRow> = pods
        .iter()
        .filter_map(|p| {
            let usage = pod_usage(inv.sim, p)?;
            Some((podutil::namespace(p).to_string(), podutil::name(p).to_string(), usage))
        })
        .collect();
    if rows.is_empty() {
        return Err(CommandError::Plain(match &namespace {
            Some(ns) => format!("Metrics not available for pods in namespace {ns}"),
            None => "Metrics not available for pods".to_string(),
        }));
    }
    let total = |usage: &[(String, Usage)]| {
        usage.iter().fold((0, 0), |(c, m), (_, u)| (c + u.cpu_millis, m + u.memory_bytes))
    };
    if let Some(by_cpu) = by_cpu {
        crate::sort::sort_by_key(&mut rows, |(_, _, usage)| {
            let (c, m) = total(usage);
            std::cmp::Reverse(if by_cpu { c } else { m })
        });
    }
    let containers = parsed.bool("containers");
    let mut header = Vec::new();
    if all_namespaces {
        header.push("NAMESPACE");
    }
    header.push(if containers { "POD" } else { "NAME" });
    if containers {
        header.push("NAME");
    }
    header.extend(["CPU(cores)", "MEMORY(bytes)"]);
    let mut table = Table::new(&header);
    let (mut sum_cpu, mut sum_memory) = (0, 0);
    for (ns, name, usage) in &rows {
        let prefix = |cells: &mut Vec<String>| {
            if all_namespaces {
                cells.push(ns.clone());
            }
            cells.push(name.clone());
        };
        if containers {
            for (container, u) in usage {
                let mut cells = Vec::new();
                prefix(&mut cells);
                cells.extend([container.clone(), cpu(u.cpu_millis), memory(u.memory_bytes)]);
                table.row(cells);
            }
        } else {
            let (c, m) = total(usage);
            let mut cells = Vec::new();
            prefix(&mut cells);
            cells.extend([cpu(c), memory(m)]);
            table.row(cells);
        }
        let (c, m) = total(usage);
        sum_cpu += c;
        sum_memory += m;
    }
    if parsed.bool("sum") {
        let blanks = header.len() - 2;
        let mut cells: Vec<String> = vec![String::new(); blanks];
        cells.extend(["________".to_string(), "________".to_string()]);
        table.row(cells);
        let mut cells: Vec<String> = vec![String::new(); blanks];
        cells.extend([cpu(sum_cpu), memory(sum_memory)]);
        table.row(cells);
    }
    inv.out.out(without_header(table.render(), parsed.bool("no-headers")));
    Ok(0)
}

fn without_header(text: String, no_headers: bool) -> String {
    if no_headers {
        text.split_once('\n').map_or(String::new(), |(_, rest)| rest.to_string())
    } else {
        text
    }
}

fn node(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let by_cpu = sort_key(parsed)?;
    let selector = Selector::parse(parsed.value("selector").unwrap_or_default())
        .map_err(CommandError::Plain)?;
    let api = inv.sim.api();
    let nodes: Vec<Node> = match parsed.args.as_slice() {
        [] => api
            .list::<Node>(None)
            .filter(|n| selector.matches(n.metadata.labels.as_ref()))
            .cloned()
            .collect(),
        [name] => vec![api.get::<Node>("", name).map_err(CommandError::Api)?.clone()],
        _ => return Err(CommandError::Usage("only one NAME may be given".to_string())),
    };
    let capacity = if parsed.bool("show-capacity") { "capacity" } else { "allocatable" };
    let mut rows = Vec::new();
    for node in &nodes {
        let name = node.metadata.name.clone().unwrap_or_default();
        let (mut cpu_used, mut memory_used) = system_usage(node);
        for pod in api.list::<Pod>(None).filter(|p| podutil::node_name(p) == Some(&name)) {
            for (_, usage) in pod_usage(inv.sim, pod).unwrap_or_default() {
                cpu_used += usage.cpu_millis;
                memory_used += usage.memory_bytes;
            }
        }
        let status = node.status.clone().unwrap_or_default();
        let resources = if capacity == "capacity" { status.capacity } else { status.allocatable };
        let amount = |resource: &str| {
            resources
                .as_ref()
                .and_then(|r| r.get(resource))
                .and_then(|q| crate::quantity::parse(&q.0).ok())
                .map_or(0, |m| m.0)
        };
        let cpu_total = u64::try_from(amount("cpu")).unwrap_or(0);
        let memory_total = u64::try_from(amount("memory") / 1000).unwrap_or(0);
        let percent = |used: u64, total: u64| (used * 100).checked_div(total).unwrap_or(0);
        rows.push((
            name,
            cpu_used,
            percent(cpu_used, cpu_total),
            memory_used,
            percent(memory_used, memory_total),
        ));
    }
    if let Some(by_cpu) = by_cpu {
        crate::sort::sort_by_key(&mut rows, |r| std::cmp::Reverse(if by_cpu { r.1 } else { r.3 }));
    }
    let mut table = Table::new(&["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"]);
    for (name, c, cp, m, mp) in rows {
        table.row(vec![name, cpu(c), format!("{cp}%"), memory(m), format!("{mp}%")]);
    }
    inv.out.out(without_header(table.render(), parsed.bool("no-headers")));
    Ok(0)
}
