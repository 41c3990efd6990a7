//! `kubectl logs`: what a container wrote, from its kubelet — the current (or last) run, or the
//! one before with `--previous`; `--tail`, `--timestamps`, `--prefix`, `--all-containers`,
//! `-l`, and `-f`, which keeps printing while the container runs.

use super::flags::{Flag, Parsed};
use super::watch::Watch;
use super::{CommandDef, CommandError, CommandResult, Invocation, target};
use crate::Simulation;
use crate::api::ApiError;
use crate::api::selector::Selector;
use crate::container::LogLine;
use crate::podutil;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::Pod;
use std::time::Duration;

pub const DEF: CommandDef = CommandDef {
    long: "Print the logs for a container in a pod or specified resource. If the pod has only one container, the container name is optional.",
    examples: "  # Return snapshot logs from pod nginx with only one container\n  kubectl logs nginx\n\n  # Return snapshot logs from pod nginx, prefixing each line with the source pod and container name\n  kubectl logs nginx --prefix\n\n  # Return snapshot logs from pod nginx with multi containers\n  kubectl logs nginx --all-containers=true\n\n  # Return snapshot logs from all pods in the deployment nginx\n  kubectl logs deployment/nginx --all-pods=true\n\n  # Return snapshot logs from all containers in pods defined by label app=nginx\n  kubectl logs -l app=nginx --all-containers=true\n\n  # Return snapshot of previous terminated ruby container logs from pod web-1\n  kubectl logs -p -c ruby web-1\n\n  # Begin streaming the logs of the ruby container in pod web-1\n  kubectl logs -f -c ruby web-1\n\n  # Display only the most recent 20 lines of output in pod nginx\n  kubectl logs --tail=20 nginx\n\n  # Return snapshot logs from first container of a job named hello\n  kubectl logs job/hello\n\n  # Return snapshot logs from container nginx-1 of a deployment named nginx\n  kubectl logs deployment/nginx -c nginx-1",
    usage: "kubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER] [options]",
    flags: &[
        Flag::bool("all-containers", None, "Get all containers' logs in the pod(s)."),
        Flag::value("container", Some('c'), "''", "Print the logs of this container"),
        Flag::bool("follow", Some('f'), "Specify if the logs should be streamed."),
        Flag::bool(
            "prefix",
            None,
            "Prefix each log line with the log source (pod name and container name)",
        ),
        Flag::bool(
            "previous",
            Some('p'),
            "If true, print the logs for the previous instance of the container in a pod if it exists.",
        ),
        Flag::value(
            "selector",
            Some('l'),
            "''",
            "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3\n\tin (value3)). Matching objects must satisfy all of the specified label constraints.",
        ),
        Flag::value(
            "tail",
            None,
            "-1",
            "Lines of recent log file to display. Defaults to -1 with no selector, showing all log lines otherwise 10, if a\n\tselector is provided.",
        ),
        Flag::bool("timestamps", None, "Include timestamps on each line in the log output"),
    ],
    required: &[],
    subcommands: &[],
};

const USAGE_ERROR: &str = "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for the logs command";

/// How the lines are printed.
#[derive(Clone, Copy, Debug)]
struct Style {
    timestamps: bool,
    prefix: bool,
}

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let selector = parsed.value("selector").filter(|s| !s.is_empty());
    let style = Style { timestamps: parsed.bool("timestamps"), prefix: parsed.bool("prefix") };
    let tail: i64 = match parsed.value("tail") {
        Some(text) => text.parse().map_err(|_| {
            CommandError::Plain(format!("invalid argument {text:?} for \"--tail\" flag: strconv.ParseInt: parsing {text:?}: invalid syntax"))
        })?,
        None if selector.is_some() => 10,
        None => -1,
    };
    let previous = parsed.bool("previous");
    let follow = parsed.bool("follow");
    let mut requested = parsed.value("container").filter(|c| !c.is_empty()).map(str::to_string);
    let pods: Vec<Pod> = match (selector, parsed.args.as_slice()) {
        (Some(_), [_, ..]) => {
            return Err(CommandError::Plain(
                "only a selector (-l) or a POD name is allowed".to_string(),
            ));
        }
        (Some(text), []) => {
            let selector = Selector::parse(text).map_err(CommandError::Plain)?;
            let pods: Vec<Pod> = inv
                .sim
                .api()
                .list::<Pod>(Some(&inv.namespace))
                .filter(|p| selector.matches(p.metadata.labels.as_ref()))
                .cloned()
                .collect();
            if pods.is_empty() {
                inv.out.err_line(format!("No resources found in {} namespace.", inv.namespace));
                return Ok(0);
            }
            pods
        }
        (None, []) => return Err(CommandError::Usage(USAGE_ERROR.to_string())),
        (None, [name]) => vec![target::pod(inv, name)?],
        (None, [name, container]) if requested.is_none() => {
            requested = Some(container.clone());
            vec![target::pod(inv, name)?]
        }
        (None, _) => return Err(CommandError::Usage(USAGE_ERROR.to_string())),
    };
    for pod in &pods {
        let containers = if parsed.bool("all-containers") {
            let spec = pod.spec.clone().unwrap_or_default();
            spec.init_containers
                .unwrap_or_default()
                .into_iter()
                .chain(spec.containers)
                .map(|c| c.name)
                .collect()
        } else {
            vec![target::container(inv, pod, requested.as_deref())?]
        };
        for container in &containers {
            let lines = read_log(inv.sim, pod, container, previous)?;
            let skip = if tail >= 0 { lines.len().saturating_sub(tail as usize) } else { 0 };
            inv.out.out(render(&lines[skip..], pod, container, style));
            let running_now = is_running(inv.sim, pod, container);
            if follow && !previous && running_now && pods.len() == 1 && containers.len() == 1 {
                *inv.watch = Some(Watch::log(LogFollow {
                    namespace: podutil::namespace(pod).to_string(),
                    pod: podutil::name(pod).to_string(),
                    container: container.clone(),
                    container_id: container_id(inv.sim, pod, container),
                    printed: lines.len(),
                    style,
                    finished: false,
                }));
            }
        }
    }
    Ok(0)
}

/// A container's log through its node's kubelet, or the API server's refusal.
fn read_log(
    sim: &mut Simulation,
    pod: &Pod,
    container: &str,
    previous: bool,
) -> Result<Vec<LogLine>, CommandError> {
    let waiting = || {
        CommandError::Api(ApiError::BadRequest(format!(
            "container {container:?} in pod {:?} is waiting to start: ContainerCreating",
            podutil::name(pod)
        )))
    };
    let node = podutil::node_name(pod).ok_or_else(waiting)?.to_string();
    // A container that has never run has no log: the kubelet says what it is waiting for.
    if let Some(status) = container_status(sim.api(), pod, container)
        && status.last_state.as_ref().and_then(|s| s.terminated.as_ref()).is_none()
        && let Some(reason) = status.state.as_ref().and_then(|s| s.waiting.as_ref()?.reason.clone())
    {
        let why = match reason.as_str() {
            "ErrImagePull" => "image can't be pulled".to_string(),
            "ImagePullBackOff" => "trying and failing to pull image".to_string(),
            _ => reason,
        };
        return Err(CommandError::Api(ApiError::BadRequest(format!(
            "container {container:?} in pod {:?} is waiting to start: {why}",
            podutil::name(pod)
        ))));
    }
    let now = sim.now();
    let (kubelet, mut disks) = sim.kubelet_mut(&node).ok_or_else(waiting)?;
    kubelet
        .container_log(&mut disks, pod, container, previous, now)
        .map_err(|e| CommandError::Api(ApiError::BadRequest(e.0)))
}

fn container_status<'a>(
    api: &'a crate::api::ApiServer,
    pod: &Pod,
    container: &str,
) -> Option<&'a k8s_openapi::api::core::v1::ContainerStatus> {
    let pod = api.get::<Pod>(podutil::namespace(pod), podutil::name(pod)).ok()?;
    let status = pod.status.as_ref()?;
    status
        .container_statuses
        .iter()
        .chain(status.init_container_statuses.iter())
        .flatten()
        .find(|s| s.name == container)
}

fn is_running(sim: &Simulation, pod: &Pod, container: &str) -> bool {
    container_status(sim.api(), pod, container)
        .and_then(|s| s.state.as_ref())
        .is_some_and(|s| s.running.is_some())
}

fn container_id(sim: &Simulation, pod: &Pod, container: &str) -> Option<String> {
    container_status(sim.api(), pod, container).and_then(|s| s.container_id.clone())
}

fn render(lines: &[LogLine], pod: &Pod, container: &str, style: Style) -> String {
    let mut text = String::new();
    for line in lines {
        if style.prefix {
            text.push_str(&format!("[pod/{}/{container}] ", podutil::name(pod)));
        }
        if style.timestamps {
            text.push_str(&rfc3339_nano(line.at));
            text.push(' ');
        }
        text.push_str(&line.text);
        text.push('\n');
    }
    text
}

/// Go's RFC3339Nano, as containerd stamps log lines (trailing zeros of the fraction dropped).
fn rfc3339_nano(at: SimTime) -> String {
    let seconds = at.to_k8s().0.to_string();
    let millis = at.unix_ms() % 1000;
    let fraction = format!("{millis:03}");
    let fraction = fraction.trim_end_matches('0');
    match seconds.strip_suffix('Z') {
        Some(base) if !fraction.is_empty() => format!("{base}.{fraction}Z"),
        _ => seconds,
    }
}

/// `logs -f` on a running container: new lines as they are written, until the container stops.
#[derive(Clone, Debug)]
pub struct LogFollow {
    namespace: String,
    pod: String,
    container: String,
    /// The run being followed: a restart starts another, which `-f` does not follow.
    container_id: Option<String>,
    printed: usize,
    style: Style,
    finished: bool,
}

impl LogFollow {
    pub fn follow(&mut self, sim: &mut Simulation, by: Duration) -> String {
        let Ok(pod) = sim.api().get::<Pod>(&self.namespace, &self.pod).cloned() else {
            self.finished = true;
            return String::new();
        };
        let container = self.container.clone();
        let id = self.container_id.clone();
        let still_this_run = move |api: &crate::api::ApiServer| {
            container_status(api, &pod, &container).is_some_and(|s| {
                s.state.as_ref().is_some_and(|st| st.running.is_some()) && s.container_id == id
            })
        };
        sim.advance_until(by, |api| !still_this_run(api));
        let running = still_this_run(sim.api());
        let Ok(pod) = sim.api().get::<Pod>(&self.namespace, &self.pod).cloned() else {
            self.finished = true;
            return String::new();
        };
        let lines = read_log(sim, &pod, &self.container, false).unwrap_or_default();
        let text = render(
            lines.get(self.printed..).unwrap_or_default(),
            &pod,
            &self.container,
            self.style,
        );
        self.printed = lines.len();
        self.finished = !running;
        text
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }
}
