//! `kubectl drain NODE`: cordons the node, then evicts its pods through the Eviction API
//! (which asks their PodDisruptionBudgets), retrying every 5 s while a budget says no, and
//! waits in virtual time until each evicted pod is gone. Mirror pods are skipped; DaemonSet
//! pods, pods with emptyDir volumes and pods no controller owns stop the drain unless
//! `--ignore-daemonsets`, `--delete-emptydir-data` or `--force` says otherwise.

use super::cordon::{node_argument, set_unschedulable};
use super::flags::{Flag, Parsed};
use super::{CommandDef, CommandError, CommandResult, Invocation};
use crate::api::selector::Selector;
use crate::api::{ApiError, DeleteOptions};
use crate::podutil;
use crate::time::{SimTime, go_duration};
use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::Pod;
use std::time::Duration;

pub const DEF: CommandDef = CommandDef {
    long: "Drain node in preparation for maintenance.\n\n The given node will be marked unschedulable to prevent new pods from arriving. 'drain' evicts the pods if the API server supports https://kubernetes.io/docs/concepts/workloads/pods/disruptions/ eviction https://kubernetes.io/docs/concepts/workloads/pods/disruptions/ . Otherwise, it will use normal DELETE to delete the pods. The 'drain' evicts or deletes all pods except mirror pods (which cannot be deleted through the API server).  If there are daemon set-managed pods, drain will not proceed without --ignore-daemonsets, and regardless it will not delete any daemon set-managed pods, because those pods would be immediately replaced by the daemon set controller, which ignores unschedulable markings.  If there are any pods that are neither mirror pods nor managed by a replication controller, replica set, daemon set, stateful set, or job, then drain will not delete any pods unless you use --force.  --force will also allow deletion to proceed if the managing resource of one or more pods is missing.\n\n 'drain' waits for graceful termination. You should not operate on the machine until the command completes.\n\n When you are ready to put the node back into service, use kubectl uncordon, which will make the node schedulable again.\n\n https://kubernetes.io/images/docs/kubectl_drain.svg Workflow",
    examples: "  # Drain node \"foo\", even if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set on it\n  kubectl drain foo --force\n\n  # As above, but abort if there are pods not managed by a replication controller, replica set, job, daemon set, or stateful set, and use a grace period of 15 minutes\n  kubectl drain foo --grace-period=900",
    usage: "kubectl drain NODE [options]",
    flags: &[
        Flag::value(
            "chunk-size",
            None,
            "500",
            "Return large lists in chunks rather than all at once. Pass 0 to disable. This flag is beta and may change in\n\tthe future.",
        ),
        Flag::bool(
            "delete-emptydir-data",
            None,
            "Continue even if there are pods using emptyDir (local data that will be deleted when the node is drained).",
        ),
        Flag::bool(
            "disable-eviction",
            None,
            "Force drain to use delete, even if eviction is supported. This will bypass checking PodDisruptionBudgets,\n\tuse with caution.",
        ),
        Flag::value(
            "dry-run",
            None,
            "'none'",
            "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent,\n\twithout sending it. If server strategy, submit server-side request without persisting the resource.",
        ),
        Flag::bool(
            "force",
            None,
            "Continue even if there are pods that do not declare a controller.",
        ),
        Flag::value(
            "grace-period",
            None,
            "-1",
            "Period of time in seconds given to each pod to terminate gracefully. If negative, the default value specified\n\tin the pod will be used.",
        ),
        Flag::bool("ignore-daemonsets", None, "Ignore DaemonSet-managed pods."),
        Flag::value("pod-selector", None, "''", "Label selector to filter pods on the node"),
        Flag::value("selector", Some('l'), "''", "Selector (label query) to filter on"),
        Flag::value(
            "skip-wait-for-delete-timeout",
            None,
            "0",
            "If pod DeletionTimestamp older than N seconds, skip waiting for the pod.  Seconds must be greater than 0 to\n\tskip.",
        ),
        Flag::value(
            "timeout",
            None,
            "0s",
            "The length of time to wait before giving up, zero means infinite",
        ),
    ],
    required: &[],
    subcommands: &[],
};

/// How long drain waits before retrying an eviction a budget refused (`EvictErrorRetryDelay`).
const RETRY_DELAY: Duration = Duration::from_secs(5);
/// How often it looks whether an evicted pod is gone.
const POLL: Duration = Duration::from_secs(1);
/// kubectl waits forever without `--timeout`; a script cannot, so the lab stops here and says so.
const LAB_LIMIT: Duration = Duration::from_secs(3600);

const DAEMONSET_FATAL: &str =
    "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
const DAEMONSET_WARNING: &str = "ignoring DaemonSet-managed Pods";
const LOCAL_STORAGE_FATAL: &str =
    "cannot delete Pods with local storage (use --delete-emptydir-data to override)";
const LOCAL_STORAGE_WARNING: &str = "deleting Pods with local storage";
const UNMANAGED_FATAL: &str =
    "cannot delete Pods that declare no controller (use --force to override)";
const UNMANAGED_WARNING: &str = "deleting Pods that declare no controller";

/// What the filters decided about one pod.
enum Verdict {
    Delete,
    Skip,
    DeleteWithWarning(String),
    SkipWithWarning(String),
    Error(String),
}

/// Where one pod's eviction stands.
enum Progress {
    /// Evict (again) at this instant.
    Evict(SimTime),
    /// Evicted; kubectl waits for the pod with this uid to be gone.
    Waiting(String),
    Done,
    Failed(String),
}

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let node = node_argument(parsed, "drain")?;
    let timeout = match parsed.value("timeout") {
        Some(text) => parse_go_duration(text).ok_or_else(|| {
            CommandError::Plain(format!(
                "invalid argument \"{text}\" for \"--timeout\" flag: time: invalid duration \"{text}\""
            ))
        })?,
        None => Duration::ZERO,
    };
    let grace: i64 = match parsed.value("grace-period") {
        Some(text) => text.parse().map_err(|_| {
            CommandError::Plain(format!(
                "invalid argument \"{text}\" for \"--grace-period\" flag: strconv.ParseInt: parsing \"{text}\": invalid syntax"
            ))
        })?,
        None => -1,
    };
    let pod_selector = match parsed.value("pod-selector").filter(|s| !s.is_empty()) {
        Some(text) => Some(Selector::parse(text).map_err(|_| {
            CommandError::Plain(
                "--pod-selector=<pod_selector> must be a valid label selector".into(),
            )
        })?),
        None => None,
    };
    set_unschedulable(inv, &node, true)?;
    let options =
        DeleteOptions { grace_period_seconds: (grace >= 0).then_some(grace), ..Default::default() };
    let result = drain_pods(parsed, inv, &node, pod_selector.as_ref(), timeout, options);
    match result {
        Ok(()) => {
            inv.out.out(format!("node/{node} drained\n"));
            Ok(0)
        }
        Err(errors) => {
            let joined = aggregate(&errors);
            inv.out.err_line(format!(
                "error: unable to drain node \"{node}\" due to error: {joined}, continuing command...\nThere are pending nodes to be drained:\n {node}"
            ));
            // kubectl's CheckErr prints each error of the aggregate on a line of its own.
            let lines: Vec<String> = errors.iter().map(|e| format!("error: {e}")).collect();
            Err(CommandError::Raw(lines.join("\n")))
        }
    }
}

/// apimachinery's aggregate error: the message, or `[a, b]`.
fn aggregate(errors: &[String]) -> String {
    match errors {
        [one] => one.clone(),
        many => format!("[{}]", many.join(", ")),
    }
}

/// The pods drain acts on, after its filters; the filters' errors stop it before anything is
/// evicted.
fn drain_pods(
    parsed: &Parsed,
    inv: &mut Invocation<'_>,
    node: &str,
    pod_selector: Option<&Selector>,
    timeout: Duration,
    options: DeleteOptions,
) -> Result<(), Vec<String>> {
    let pods: Vec<Pod> = inv
        .sim
        .api()
        .list::<Pod>(None)
        .filter(|p| podutil::node_name(p) == Some(node))
        .filter(|p| pod_selector.is_none_or(|s| s.matches(p.metadata.labels.as_ref())))
        .cloned()
        .collect();
    let mut to_evict = Vec::new();
    let mut warnings: Vec<(String, Vec<String>)> = Vec::new();
    let mut errors: Vec<(String, Vec<String>)> = Vec::new();
    let group = |list: &mut Vec<(String, Vec<String>)>, message: String, pod: String| match list
        .iter_mut()
        .find(|(m, _)| *m == message)
    {
        Some((_, pods)) => pods.push(pod),
        None => list.push((message, vec![pod])),
    };
    for pod in pods {
        let id = format!("{}/{}", podutil::namespace(&pod), podutil::name(&pod));
        match filter(parsed, inv, &pod) {
            Verdict::Delete => to_evict.push(pod),
            Verdict::Skip => {}
            Verdict::DeleteWithWarning(w) => {
                group(&mut warnings, w, id);
                to_evict.push(pod);
            }
            Verdict::SkipWithWarning(w) => group(&mut warnings, w, id),
            Verdict::Error(e) => group(&mut errors, e, id),
        }
    }
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|(m, pods)| format!("{m}: {}", pods.join(", ")))
            .collect());
    }
    if !warnings.is_empty() {
        let text: Vec<String> =
            warnings.iter().map(|(m, pods)| format!("{m}: {}", pods.join(", "))).collect();
        inv.out.err_line(format!("Warning: {}", text.join("; ")));
    }
    evict_all(parsed, inv, &to_evict, timeout, options)
}

/// kubectl's drain filters, in their order: DaemonSet pods, mirror pods, local storage, pods
/// without a controller. Finished pods may always go.
fn filter(parsed: &Parsed, inv: &Invocation<'_>, pod: &Pod) -> Verdict {
    let finished = podutil::is_terminal(pod);
    let controller =
        pod.metadata.owner_references.iter().flatten().find(|o| o.controller == Some(true));
    if let Some(owner) = controller.filter(|o| o.kind == "DaemonSet" && !finished) {
        match inv.sim.api().get::<DaemonSet>(podutil::namespace(pod), &owner.name) {
            Err(error) if parsed.bool("force") => {
                return Verdict::DeleteWithWarning(error.to_string());
            }
            Err(error) => return Verdict::Error(format!("cannot delete {error}")),
            Ok(_) if !parsed.bool("ignore-daemonsets") => {
                return Verdict::Error(DAEMONSET_FATAL.to_string());
            }
            Ok(_) => return Verdict::SkipWithWarning(DAEMONSET_WARNING.to_string()),
        }
    }
    if pod
        .metadata
        .annotations
        .as_ref()
        .is_some_and(|a| a.contains_key("kubernetes.io/config.mirror"))
    {
        return Verdict::Skip;
    }
    let mut verdict = Verdict::Delete;
    let local_storage =
        pod.spec.iter().flat_map(|s| s.volumes.iter().flatten()).any(|v| v.empty_dir.is_some());
    if local_storage && !finished {
        if !parsed.bool("delete-emptydir-data") {
            return Verdict::Error(LOCAL_STORAGE_FATAL.to_string());
        }
        verdict = Verdict::DeleteWithWarning(LOCAL_STORAGE_WARNING.to_string());
    }
    if !finished && controller.is_none() {
        if !parsed.bool("force") {
            return Verdict::Error(UNMANAGED_FATAL.to_string());
        }
        // Only the last filter's warning is kept, as in kubectl.
        verdict = Verdict::DeleteWithWarning(UNMANAGED_WARNING.to_string());
    }
    verdict
}

/// Evicts every pod (each on its own, as kubectl's goroutines do), retrying refused evictions
/// every 5 s and waiting for the evicted pods to be gone, all in virtual time.
fn evict_all(
    parsed: &Parsed,
    inv: &mut Invocation<'_>,
    pods: &[Pod],
    timeout: Duration,
    options: DeleteOptions,
) -> Result<(), Vec<String>> {
    let start = inv.sim.now();
    let limit = if timeout.is_zero() { LAB_LIMIT } else { timeout };
    let deadline = start + limit;
    let use_delete = parsed.bool("disable-eviction");
    let mut progress: Vec<Progress> = pods.iter().map(|_| Progress::Evict(start)).collect();
    loop {
        let now = inv.sim.now();
        for (pod, state) in pods.iter().zip(progress.iter_mut()) {
            let (namespace, name) = (podutil::namespace(pod), podutil::name(pod));
            match state {
                Progress::Evict(at) if *at <= now => {
                    inv.out.out(format!("evicting pod {namespace}/{name}\n"));
                    if !timeout.is_zero() && now >= deadline {
                        *state = Progress::Failed(format!(
                            "error when evicting pods/\"{name}\" -n \"{namespace}\": global timeout reached: {}",
                            go_duration(limit)
                        ));
                        continue;
                    }
                    let result = inv.sim.submit(|api| {
                        if use_delete {
                            api.delete::<Pod>(namespace, name, options).map(|_| ())
                        } else {
                            api.evict(namespace, name, options)
                        }
                    });
                    *state = match result {
                        Ok(()) => Progress::Waiting(podutil::uid(pod).to_string()),
                        Err(ApiError::NotFound { .. }) => Progress::Done,
                        Err(error @ ApiError::TooManyRequests(_)) => {
                            inv.out.err_line(format!(
                                "error when evicting pods/\"{name}\" -n \"{namespace}\" (will retry after {}): {error}",
                                go_duration(RETRY_DELAY)
                            ));
                            Progress::Evict(now + RETRY_DELAY)
                        }
                        Err(error) => Progress::Failed(format!(
                            "error when evicting pods/\"{name}\" -n \"{namespace}\": {error}"
                        )),
                    };
                }
                _ => {}
            }
            if let Progress::Waiting(uid) = state {
                let gone = inv
                    .sim
                    .api()
                    .get::<Pod>(namespace, name)
                    .map_or(true, |p| podutil::uid(p) != uid.as_str());
                if gone {
                    let verb = if use_delete { "deleted" } else { "evicted" };
                    inv.out.out(format!("pod/{name} {verb}\n"));
                    *state = Progress::Done;
                }
            }
        }
        let pending =
            progress.iter().any(|p| matches!(p, Progress::Evict(_) | Progress::Waiting(_)));
        if !pending {
            break;
        }
        let next = progress
            .iter()
            .filter_map(|p| match p {
                Progress::Evict(at) => Some(*at),
                Progress::Waiting(_) => Some(now + POLL),
                _ => None,
            })
            .min()
            .unwrap_or(now + POLL);
        if next > deadline {
            let reached = go_duration(limit);
            for (pod, state) in pods.iter().zip(progress.iter_mut()) {
                let (namespace, name) = (podutil::namespace(pod), podutil::name(pod));
                match state {
                    Progress::Evict(_) => {
                        // The retry sleeping past the deadline still says it is evicting.
                        inv.out.out(format!("evicting pod {namespace}/{name}\n"));
                        *state = Progress::Failed(format!(
                            "error when evicting pods/\"{name}\" -n \"{namespace}\": global timeout reached: {reached}"
                        ));
                    }
                    Progress::Waiting(_) => {
                        *state = Progress::Failed(format!(
                            "error when waiting for pod \"{name}\" in namespace \"{namespace}\" to terminate: global timeout reached: {reached}"
                        ));
                    }
                    _ => {}
                }
            }
            if timeout.is_zero() {
                inv.out.err_line(format!(
                    "kubelab: drain gave up after {} of cluster time; kubectl would keep trying (set --timeout)",
                    go_duration(LAB_LIMIT)
                ));
            }
            break;
        }
        inv.sim.advance(next.since(now));
    }
    let failures: Vec<String> = progress
        .into_iter()
        .filter_map(|p| match p {
            Progress::Failed(message) => Some(message),
            _ => None,
        })
        .collect();
    if failures.is_empty() { Ok(()) } else { Err(failures) }
}

/// Go's `time.ParseDuration` for what `--timeout` takes: `30s`, `5m`, `1h30m`, `500ms`, `0`.
fn parse_go_duration(text: &str) -> Option<Duration> {
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(rest.len());
        let (number, after) = rest.split_at(digits);
        let value: f64 = number.parse().ok()?;
        let unit_len = after.find(|c: char| c.is_ascii_digit()).unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let seconds = match unit {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            _ => return None,
        };
        total += Duration::from_secs_f64(value * seconds);
        rest = next;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_read_as_go_durations() {
        assert_eq!(parse_go_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_go_duration("30"), None);
    }
}
