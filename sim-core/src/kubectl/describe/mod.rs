//! `kubectl describe`: a readable account of objects and their recent events, in kubectl's
//! layout (two-space levels aligned by a tabwriter with padding 2). Pods and nodes have their
//! own describers, as in kubectl; other kinds get the common fields, their spec and events.
//! The workload controllers' describers are in `workloads`, Jobs' and CronJobs' in `batch`.

mod autoscaling;
mod batch;
mod networking;
pub(crate) mod rbac;
mod sets;
mod storage;
mod workloads;

use super::flags::{Flag, Parsed};
use super::manifest;
use super::print::{node as node_print, tabwriter};
use super::resources;
use super::{CommandDef, CommandError, CommandResult, Invocation, errors};
use crate::api::ApiServer;
use crate::api::KindRef;
use crate::api::kinds::DynamicKind;
use crate::api::selector::Selector;
use crate::quantity;
use crate::time::{SimTime, human_duration};
use k8s_openapi::api::core::v1::{
    Container, ContainerStatus, Event, Node, Pod, Toleration, Volume,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub const DEF: CommandDef = CommandDef {
    long: "Show details of a specific resource or group of resources.\n\n Print a detailed description of the selected resources, including related resources such as events or controllers. You may select a single object by name, all objects of that type, provide a name prefix, or label selector.",
    examples: "  # Describe a node\n  kubectl describe nodes kubernetes-node-emt8.c.myproject.internal\n\n  # Describe a pod\n  kubectl describe pods/nginx\n\n  # Describe a pod identified by type and name in \"pod.json\"\n  kubectl describe -f pod.json\n\n  # Describe all pods\n  kubectl describe pods\n\n  # Describe pods by label name=myLabel\n  kubectl describe pods -l name=myLabel",
    usage: "kubectl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [options]",
    flags: &[
        Flag::bool(
            "all-namespaces",
            Some('A'),
            "If present, list the requested object(s) across all namespaces. Namespace in current context is ignored even\n\tif specified with --namespace.",
        ),
        Flag::values(
            "filename",
            Some('f'),
            "Filename, directory, or URL to files containing the resource to describe",
        ),
        Flag::value(
            "selector",
            Some('l'),
            "''",
            "Selector (label query) to filter on, supports '=', '==', '!=', 'in', 'notin'.(e.g. -l key1=value1,key2=value2,key3\n\tin (value3)). Matching objects must satisfy all of the specified label constraints.",
        ),
        Flag::bool_on(
            "show-events",
            None,
            "If true, display events related to the described object.",
        ),
    ],
    required: &[],
    subcommands: &[],
};

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let show_events = parsed.bool_or("show-events", true);
    let api = inv.sim.api();
    let mut found: Vec<(KindRef, Value)> = Vec::new();
    let mut failures = Vec::new();
    if !parsed.values("filename").is_empty() {
        for target in manifest::targets(inv, parsed.values("filename"), false)? {
            match target.kind.get(api, &target.namespace, &target.name) {
                Ok(object) => found.push((target.kind, object)),
                Err(error) => failures.push(error),
            }
        }
    } else {
        let Some(first) = parsed.args.first() else {
            return Err(CommandError::Raw(
                "You must specify the type of resource to describe. Use \"kubectl api-resources\" for a complete list of supported resources.\n\nerror: Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that resource (e.g. kubectl explain pods).\nSee 'kubectl describe -h' for help and examples".into(),
            ));
        };
        let (typed, names): (&str, Vec<String>) = match first.split_once('/') {
            Some((typed, name)) => (typed, vec![name.to_string()]),
            None => (first.as_str(), parsed.args[1..].to_vec()),
        };
        let kind = resources::resolve(inv.sim.api(), typed)?;
        let namespace = if kind.namespaced() && !parsed.bool("all-namespaces") {
            Some(inv.namespace.as_str())
        } else {
            None
        };
        let selector = Selector::parse(parsed.value("selector").unwrap_or_default())
            .map_err(CommandError::Plain)?;
        let listed: Vec<Value> = kind.list(api, namespace);
        if names.is_empty() {
            for object in listed {
                let labels = object
                    .pointer("/metadata/labels")
                    .and_then(|l| serde_json::from_value(l.clone()).ok());
                if selector.matches(labels.as_ref()) {
                    found.push((kind.clone(), object));
                }
            }
        } else {
            for name in &names {
                match kind.get(api, namespace.unwrap_or(""), name) {
                    Ok(object) => found.push((kind.clone(), object)),
                    // kubectl describe also takes a name prefix.
                    Err(error) => {
                        let prefixed: Vec<&Value> = listed
                            .iter()
                            .filter(|o| {
                                o.pointer("/metadata/name")
                                    .and_then(Value::as_str)
                                    .is_some_and(|n| n.starts_with(name.as_str()))
                            })
                            .collect();
                        if prefixed.is_empty() {
                            failures.push(error);
                        }
                        found.extend(prefixed.into_iter().map(|o| (kind.clone(), o.clone())));
                    }
                }
            }
        }
        if found.is_empty() && failures.is_empty() {
            match namespace {
                Some(ns) => inv.out.err_line(format!("No resources found in {ns} namespace.")),
                None => inv.out.err_line("No resources found"),
            }
            return Ok(0);
        }
    }
    let now = api.now();
    let texts: Vec<String> = found
        .iter()
        .map(|(kind, object)| describe(api, &**kind, object, now, show_events))
        .collect();
    inv.out.out(texts.join("\n\n"));
    if !texts.is_empty() {
        inv.out.out("\n");
    }
    for failure in &failures {
        inv.out.err_line(errors::describe(failure));
    }
    Ok(i32::from(!failures.is_empty()))
}

/// kubectl's date format in describe output: `Mon, 05 Jan 2026 09:00:03 +0000`.
pub fn date(time: &str) -> String {
    time.parse::<k8s_openapi::jiff::Timestamp>()
        .map(|t| t.strftime("%a, %d %b %Y %H:%M:%S +0000").to_string())
        .unwrap_or_else(|_| time.to_string())
}

fn text(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn or_none(value: String) -> String {
    if value.is_empty() { "<none>".into() } else { value }
}

/// The describe text before alignment: lines of tab-separated cells, indented by level.
#[derive(Default)]
struct Writer {
    text: String,
}

impl Writer {
    fn line(&mut self, level: usize, content: impl AsRef<str>) {
        let _ = writeln!(self.text, "{}{}", "  ".repeat(level), content.as_ref());
    }

    /// `Labels:  a=b` then one `k=v` per further line, aligned under the first. Annotations
    /// are written `k: v` and cut at 140 characters, as `printAnnotationsMultiline` does.
    fn map(&mut self, level: usize, title: &str, map: Option<&Value>, skip: &[&str]) {
        let entries: Vec<String> = map
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, v)| {
                let value = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                if title != "Annotations" {
                    return format!("{k}={value}");
                }
                let line = format!("{k}: {value}");
                match line.char_indices().nth(140) {
                    Some((cut, _)) => format!("{}...", &line[..cut]),
                    None => line,
                }
            })
            .collect();
        match entries.split_first() {
            None => self.line(level, format!("{title}:\t<none>")),
            Some((first, rest)) => {
                self.line(level, format!("{title}:\t{first}"));
                for entry in rest {
                    self.line(level, format!("\t{entry}"));
                }
            }
        }
    }

    /// A title whose values are listed one per line, aligned like labels.
    fn list(&mut self, level: usize, title: &str, values: &[String]) {
        match values.split_first() {
            None => self.line(level, format!("{title}:\t<none>")),
            Some((first, rest)) => {
                self.line(level, format!("{title}:\t{first}"));
                for value in rest {
                    self.line(level, format!("\t{value}"));
                }
            }
        }
    }

    fn finish(self) -> String {
        tabwriter::format(&self.text, 0, 2).trim_end_matches('\n').to_string()
    }
}

/// kubectl's `DescribePodTemplate` as `rollout history --revision` prints it: written straight
/// to its buffer, tabs and all, without the describe tabwriter.
pub(super) fn pod_template_text(template: &k8s_openapi::api::core::v1::PodTemplateSpec) -> String {
    let mut w = Writer::default();
    workloads::pod_template(&mut w, template);
    w.text
}

fn describe(
    api: &ApiServer,
    kind: &dyn DynamicKind,
    object: &Value,
    now: SimTime,
    show_events: bool,
) -> String {
    let mut w = Writer::default();
    match kind.kind() {
        "Pod" => describe_pod(&mut w, object, now),
        "Node" => describe_node(&mut w, api, object, now),
        "Service" => describe_service(&mut w, api, object),
        "Ingress" => networking::describe_ingress(&mut w, api, object),
        "ConfigMap" => describe_configmap(&mut w, object),
        "Secret" => describe_secret(&mut w, object),
        "Namespace" => describe_namespace(&mut w, object),
        "Deployment" => workloads::describe_deployment(&mut w, api, object),
        "ReplicaSet" => workloads::describe_replica_set(&mut w, api, object),
        "DaemonSet" => sets::describe_daemon_set(&mut w, api, object),
        "StatefulSet" => sets::describe_stateful_set(&mut w, api, object),
        "HorizontalPodAutoscaler" => autoscaling::describe_hpa(&mut w, object),
        "Job" => batch::describe_job(&mut w, object),
        "CronJob" => batch::describe_cronjob(&mut w, object),
        "PersistentVolume" => storage::describe_persistent_volume(&mut w, object),
        "PersistentVolumeClaim" => storage::describe_persistent_volume_claim(&mut w, api, object),
        "Role" | "ClusterRole" => rbac::describe_role(&mut w, object),
        "RoleBinding" | "ClusterRoleBinding" => rbac::describe_binding(&mut w, object),
        _ => describe_generic(&mut w, kind, object),
    }
    // kubectl's Namespace, Secret and RBAC describers print no events.
    const WITHOUT_EVENTS: &[&str] =
        &["Namespace", "Secret", "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];
    if show_events && !WITHOUT_EVENTS.contains(&kind.kind()) {
        events(&mut w, api, object, now);
    }
    w.finish()
}

fn meta_header(w: &mut Writer, object: &Value, namespaced: bool) {
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    if namespaced {
        w.line(0, format!("Namespace:\t{}", text(object, "/metadata/namespace")));
    }
}

const SKIPPED_ANNOTATIONS: &[&str] = &["kubectl.kubernetes.io/last-applied-configuration"];

fn describe_pod(w: &mut Writer, object: &Value, now: SimTime) {
    let pod: Pod = serde::Deserialize::deserialize(object).unwrap_or_default();
    meta_header(w, object, true);
    w.line(
        0,
        format!(
            "Priority:\t{}",
            object.pointer("/spec/priority").and_then(Value::as_i64).unwrap_or(0)
        ),
    );
    if let Some(class) = object.pointer("/spec/priorityClassName").and_then(Value::as_str) {
        w.line(0, format!("Priority Class Name:\t{class}"));
    }
    w.line(0, format!("Service Account:\t{}", text(object, "/spec/serviceAccountName")));
    let node = text(object, "/spec/nodeName");
    if node.is_empty() {
        w.line(0, "Node:\t<none>");
    } else {
        w.line(0, format!("Node:\t{node}/{}", text(object, "/status/hostIP")));
    }
    if object.pointer("/status/startTime").is_some() {
        w.line(0, format!("Start Time:\t{}", date(&text(object, "/status/startTime"))));
    }
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    if object.pointer("/metadata/deletionTimestamp").is_some() {
        let deadline = text(object, "/metadata/deletionTimestamp");
        let remaining = deadline
            .parse::<k8s_openapi::jiff::Timestamp>()
            .map(|t| SimTime::from_unix_ms(t.as_millisecond().max(0) as u64).since(now))
            .unwrap_or_default();
        w.line(0, format!("Status:\tTerminating (lasts {})", human_duration(remaining)));
        w.line(
            0,
            format!(
                "Termination Grace Period:\t{}s",
                text(object, "/metadata/deletionGracePeriodSeconds")
            ),
        );
    } else {
        w.line(0, format!("Status:\t{}", text(object, "/status/phase")));
    }
    for field in ["reason", "message"] {
        let value = text(object, &format!("/status/{field}"));
        if !value.is_empty() {
            let title = if field == "reason" { "Reason" } else { "Message" };
            w.line(0, format!("{title}:\t{value}"));
        }
    }
    w.line(0, format!("IP:\t{}", text(object, "/status/podIP")));
    let ips: Vec<String> = object
        .pointer("/status/podIPs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|ip| text(ip, "/ip"))
        .collect();
    if ips.is_empty() {
        w.line(0, "IPs:\t<none>");
    } else {
        w.line(0, "IPs:");
        for ip in ips {
            w.line(1, format!("IP:\t{ip}"));
        }
    }
    if let Some(owner) = object.pointer("/metadata/ownerReferences/0") {
        w.line(0, format!("Controlled By:\t{}/{}", text(owner, "/kind"), text(owner, "/name")));
    }
    let spec = pod.spec.clone().unwrap_or_default();
    let status = pod.status.clone().unwrap_or_default();
    if let Some(init) = &spec.init_containers {
        w.line(0, "Init Containers:");
        containers(w, init, status.init_container_statuses.as_deref().unwrap_or_default(), "");
    }
    w.line(0, "Containers:");
    containers(w, &spec.containers, status.container_statuses.as_deref().unwrap_or_default(), "");
    let conditions = status.conditions.clone().unwrap_or_default();
    if !conditions.is_empty() {
        w.line(0, "Conditions:");
        w.line(1, "Type\tStatus");
        for condition in &conditions {
            w.line(1, format!("{} \t{} ", condition.type_, condition.status));
        }
    }
    volumes(w, 0, spec.volumes.as_deref().unwrap_or_default(), "");
    w.line(0, format!("QoS Class:\t{}", text(object, "/status/qosClass")));
    w.map(0, "Node-Selectors", object.pointer("/spec/nodeSelector"), &[]);
    w.list(0, "Tolerations", &tolerations(spec.tolerations.as_deref().unwrap_or_default()));
}

/// kubectl's `describeVolumes`; in a pod template, one level in, names one space further.
fn volumes(w: &mut Writer, level: usize, volumes: &[Volume], name_indent: &str) {
    if volumes.is_empty() {
        w.line(level, "Volumes:\t<none>");
        return;
    }
    w.line(level, "Volumes:");
    for volume in volumes {
        w.line(level + 1, format!("{name_indent}{}:", volume.name));
        let value = serde_json::to_value(volume).unwrap_or_default();
        for (source, details) in
            value.as_object().into_iter().flatten().filter(|(k, _)| *k != "name")
        {
            w.line(level + 2, format!("Type:\t{}", volume_type(source)));
            if source == "projected" {
                projected_sources(w, level + 2, details);
                continue;
            }
            for (key, detail) in details.as_object().into_iter().flatten() {
                let shown = detail.as_str().map_or_else(|| detail.to_string(), str::to_string);
                w.line(level + 2, format!("{}:\t{shown}", capitalize(key)));
            }
        }
    }
}

/// Tolerations as kubectl lists them: `node.kubernetes.io/not-ready:NoExecute op=Exists for 300s`.
fn tolerations(tolerations: &[Toleration]) -> Vec<String> {
    tolerations
        .iter()
        .map(|t| {
            let mut shown = t.key.clone().unwrap_or_default();
            if let Some(value) = t.value.as_deref().filter(|v| !v.is_empty()) {
                shown.push_str(&format!("={value}"));
            }
            if let Some(effect) = t.effect.as_deref().filter(|e| !e.is_empty()) {
                shown.push_str(&format!(":{effect}"));
            }
            if t.operator.as_deref() == Some("Exists") {
                shown.push_str(" op=Exists");
            }
            if let Some(seconds) = t.toleration_seconds {
                shown.push_str(&format!(" for {seconds}s"));
            }
            shown
        })
        .collect()
}

/// kubectl's `printProjectedVolumeSource`: a line or two per source.
fn projected_sources(w: &mut Writer, level: usize, projected: &Value) {
    let optional = |source: &Value| {
        source.get("optional").and_then(Value::as_bool).map_or("<nil>".into(), |o| o.to_string())
    };
    for source in projected.get("sources").and_then(Value::as_array).into_iter().flatten() {
        if let Some(secret) = source.get("secret") {
            w.line(level, format!("SecretName:\t{}", text(secret, "/name")));
            w.line(level, format!("SecretOptionalName:\t{}", optional(secret)));
        } else if source.get("downwardAPI").is_some() {
            w.line(level, "DownwardAPI:\ttrue");
        } else if let Some(map) = source.get("configMap") {
            w.line(level, format!("ConfigMapName:\t{}", text(map, "/name")));
            w.line(level, format!("ConfigMapOptional:\t{}", optional(map)));
        } else if let Some(token) = source.get("serviceAccountToken") {
            w.line(
                level,
                format!("TokenExpirationSeconds:\t{}", text(token, "/expirationSeconds")),
            );
        }
    }
}

/// The name `kubectl describe` gives a volume source.
fn volume_type(source: &str) -> String {
    match source {
        "emptyDir" => "EmptyDir (a temporary directory that shares a pod's lifetime)".into(),
        "hostPath" => "HostPath (bare host directory volume)".into(),
        "configMap" => "ConfigMap (a volume populated by a ConfigMap)".into(),
        "secret" => "Secret (a volume populated by a Secret)".into(),
        "persistentVolumeClaim" => {
            "PersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)"
                .into()
        }
        "projected" => {
            "Projected (a volume that contains injected data from multiple sources)".into()
        }
        "downwardAPI" => "DownwardAPI (a volume populated by information about the pod)".into(),
        other => other.to_string(),
    }
}

fn capitalize(key: &str) -> String {
    let mut chars = key.chars();
    chars.next().map_or_else(String::new, |c| c.to_uppercase().collect::<String>() + chars.as_str())
}

/// kubectl's `describeContainers`: a container's state, ready and restart lines appear once
/// the kubelet reports a status for it. In a pod template, names sit one space further in.
fn containers(
    w: &mut Writer,
    containers: &[Container],
    statuses: &[ContainerStatus],
    name_indent: &str,
) {
    for container in containers {
        let status = statuses.iter().find(|s| s.name == container.name);
        w.line(1, format!("{name_indent}{}:", container.name));
        if let Some(status) = status {
            w.line(
                2,
                format!("Container ID:\t{}", status.container_id.clone().unwrap_or_default()),
            );
        }
        w.line(2, format!("Image:\t{}", container.image.clone().unwrap_or_default()));
        if let Some(status) = status {
            w.line(2, format!("Image ID:\t{}", status.image_id));
        }
        let ports: Vec<String> = container
            .ports
            .iter()
            .flatten()
            .map(|p| format!("{}/{}", p.container_port, p.protocol.as_deref().unwrap_or("TCP")))
            .collect();
        let host_ports: Vec<String> = container
            .ports
            .iter()
            .flatten()
            .map(|p| {
                format!("{}/{}", p.host_port.unwrap_or(0), p.protocol.as_deref().unwrap_or("TCP"))
            })
            .collect();
        let plural = |title: &str, list: &[String]| {
            if list.len() > 1 { format!("{title}s") } else { title.to_string() }
        };
        w.line(2, format!("{}:\t{}", plural("Port", &ports), or_none(ports.join(", "))));
        w.line(
            2,
            format!("{}:\t{}", plural("Host Port", &host_ports), or_none(host_ports.join(", "))),
        );
        for (title, words) in [("Command", &container.command), ("Args", &container.args)] {
            if let Some(words) = words {
                w.line(2, format!("{title}:"));
                for word in words {
                    w.line(3, word);
                }
            }
        }
        if let Some(status) = status {
            state_lines(w, "State", &status.state.clone().unwrap_or_default());
            if let Some(last) = status.last_state.clone().filter(|s| s.terminated.is_some()) {
                state_lines(w, "Last State", &last);
            }
            w.line(2, format!("Ready:\t{}", if status.ready { "True" } else { "False" }));
            w.line(2, format!("Restart Count:\t{}", status.restart_count));
        }
        let resources = container.resources.clone().unwrap_or_default();
        for (title, list) in [("Limits", &resources.limits), ("Requests", &resources.requests)] {
            if let Some(list) = list.as_ref().filter(|l| !l.is_empty()) {
                w.line(2, format!("{title}:"));
                for (resource, amount) in list {
                    w.line(3, format!("{resource}:\t{}", amount.0));
                }
            }
        }
        for (title, probe) in [
            ("Liveness", &container.liveness_probe),
            ("Readiness", &container.readiness_probe),
            ("Startup", &container.startup_probe),
        ] {
            if let Some(probe) = probe {
                w.line(2, format!("{title}:\t{}", probe_text(probe)));
            }
        }
        let env: Vec<String> = container
            .env
            .iter()
            .flatten()
            .map(|e| match (&e.value, &e.value_from) {
                (Some(value), _) => format!("{}:\t{value}", e.name),
                (None, Some(from)) => {
                    let source = if let Some(c) = &from.config_map_key_ref {
                        format!("<set to the key '{}' of config map '{}'>", c.key, c.name)
                    } else if let Some(s) = &from.secret_key_ref {
                        format!("<set to the key '{}' in secret '{}'>", s.key, s.name)
                    } else if let Some(f) = &from.field_ref {
                        format!(
                            "({}:{})",
                            f.api_version.clone().unwrap_or_else(|| "v1".into()),
                            f.field_path
                        )
                    } else {
                        "<unknown>".into()
                    };
                    format!("{}:\t{source}", e.name)
                }
                (None, None) => format!("{}:\t", e.name),
            })
            .collect();
        if env.is_empty() {
            w.line(2, "Environment:\t<none>");
        } else {
            w.line(2, "Environment:");
            for entry in env {
                w.line(3, entry);
            }
        }
        let mounts: Vec<String> = container
            .volume_mounts
            .iter()
            .flatten()
            .map(|m| {
                format!(
                    "{} from {} ({})",
                    m.mount_path,
                    m.name,
                    if m.read_only == Some(true) { "ro" } else { "rw" }
                )
            })
            .collect();
        if mounts.is_empty() {
            w.line(2, "Mounts:\t<none>");
        } else {
            w.line(2, "Mounts:");
            for mount in mounts {
                w.line(3, mount);
            }
        }
    }
}

fn state_lines(w: &mut Writer, title: &str, state: &k8s_openapi::api::core::v1::ContainerState) {
    let time = |t: &Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| {
        t.as_ref()
            .map(|t| {
                date(
                    &serde_json::to_value(t)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                )
            })
            .unwrap_or_default()
    };
    if let Some(running) = &state.running {
        w.line(2, format!("{title}:\tRunning"));
        w.line(3, format!("Started:\t{}", time(&running.started_at)));
    } else if let Some(waiting) = &state.waiting {
        w.line(2, format!("{title}:\tWaiting"));
        w.line(3, format!("Reason:\t{}", waiting.reason.clone().unwrap_or_default()));
        if let Some(message) = &waiting.message {
            w.line(3, format!("Message:\t{message}"));
        }
    } else if let Some(terminated) = &state.terminated {
        w.line(2, format!("{title}:\tTerminated"));
        w.line(3, format!("Reason:\t{}", terminated.reason.clone().unwrap_or_default()));
        if let Some(message) = &terminated.message {
            w.line(3, format!("Message:\t{message}"));
        }
        w.line(3, format!("Exit Code:\t{}", terminated.exit_code));
        w.line(3, format!("Started:\t{}", time(&terminated.started_at)));
        w.line(3, format!("Finished:\t{}", time(&terminated.finished_at)));
    } else {
        w.line(2, format!("{title}:\tWaiting"));
    }
}

/// `http-get http://:8080/healthz delay=3s timeout=1s period=3s #success=1 #failure=3`.
fn probe_text(probe: &k8s_openapi::api::core::v1::Probe) -> String {
    let action = if let Some(exec) = &probe.exec {
        format!("exec [{}]", exec.command.clone().unwrap_or_default().join(" "))
    } else if let Some(http) = &probe.http_get {
        let port = match &http.port {
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n.to_string(),
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
        };
        format!(
            "http-get {}://{}:{port}{}",
            http.scheme.as_deref().unwrap_or("HTTP").to_lowercase(),
            http.host.clone().unwrap_or_default(),
            http.path.clone().unwrap_or_default()
        )
    } else if let Some(tcp) = &probe.tcp_socket {
        let port = match &tcp.port {
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(n) => n.to_string(),
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
        };
        format!("tcp-socket {}:{port}", tcp.host.clone().unwrap_or_default())
    } else if let Some(grpc) = &probe.grpc {
        format!("grpc <pod>:{} {}", grpc.port, grpc.service.clone().unwrap_or_default())
    } else {
        "unknown".into()
    };
    format!(
        "{action} delay={}s timeout={}s period={}s #success={} #failure={}",
        probe.initial_delay_seconds.unwrap_or(0),
        probe.timeout_seconds.unwrap_or(1),
        probe.period_seconds.unwrap_or(10),
        probe.success_threshold.unwrap_or(1),
        probe.failure_threshold.unwrap_or(3)
    )
}

fn describe_node(w: &mut Writer, api: &ApiServer, object: &Value, now: SimTime) {
    let node: Node = serde::Deserialize::deserialize(object).unwrap_or_default();
    let name = text(object, "/metadata/name");
    w.line(0, format!("Name:\t{name}"));
    w.line(0, format!("Roles:\t{}", node_print::roles(&node)));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(
        0,
        format!("CreationTimestamp:\t{}", date(&text(object, "/metadata/creationTimestamp"))),
    );
    let taints: Vec<String> = node
        .spec
        .as_ref()
        .and_then(|s| s.taints.clone())
        .unwrap_or_default()
        .iter()
        .map(|t| match t.value.as_deref().filter(|v| !v.is_empty()) {
            Some(value) => format!("{}={value}:{}", t.key, t.effect),
            None => format!("{}:{}", t.key, t.effect),
        })
        .collect();
    w.list(0, "Taints", &taints);
    w.line(
        0,
        format!(
            "Unschedulable:\t{}",
            node.spec.as_ref().and_then(|s| s.unschedulable).unwrap_or(false)
        ),
    );
    let lease = api
        .get::<k8s_openapi::api::coordination::v1::Lease>(
            crate::kubelet::NODE_LEASE_NAMESPACE,
            &name,
        )
        .ok()
        .and_then(|l| l.spec.clone());
    match lease {
        Some(lease) => {
            w.line(0, "Lease:");
            let renewed = lease
                .renew_time
                .as_ref()
                .map(|t| date(&crate::time::SimTime::from_k8s_micro(t).to_k8s().0.to_string()));
            w.line(1, format!("HolderIdentity:\t{}", lease.holder_identity.unwrap_or_default()));
            w.line(1, "AcquireTime:\t<unset>");
            w.line(1, format!("RenewTime:\t{}", renewed.unwrap_or_else(|| "<unset>".into())));
        }
        None => w.line(
            0,
            format!("Lease:\tFailed to get lease: leases.coordination.k8s.io \"{name}\" not found"),
        ),
    }
    w.line(0, "Conditions:");
    w.line(1, "Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage");
    w.line(1, "----\t------\t-----------------\t------------------\t------\t-------");
    for condition in
        object.pointer("/status/conditions").and_then(Value::as_array).into_iter().flatten()
    {
        w.line(
            1,
            format!(
                "{} \t{} \t{} \t{} \t{} \t{}",
                text(condition, "/type"),
                text(condition, "/status"),
                date(&text(condition, "/lastHeartbeatTime")),
                date(&text(condition, "/lastTransitionTime")),
                text(condition, "/reason"),
                text(condition, "/message")
            ),
        );
    }
    w.line(0, "Addresses:");
    for address in
        object.pointer("/status/addresses").and_then(Value::as_array).into_iter().flatten()
    {
        w.line(1, format!("{}:\t{}", text(address, "/type"), text(address, "/address")));
    }
    for (title, pointer) in
        [("Capacity", "/status/capacity"), ("Allocatable", "/status/allocatable")]
    {
        w.line(0, format!("{title}:"));
        for (resource, amount) in
            object.pointer(pointer).and_then(Value::as_object).into_iter().flatten()
        {
            w.line(1, format!("{resource}:\t{}", amount.as_str().unwrap_or_default()));
        }
    }
    w.line(0, "System Info:");
    for (title, field) in [
        ("Machine ID", "machineID"),
        ("System UUID", "systemUUID"),
        ("Boot ID", "bootID"),
        ("Kernel Version", "kernelVersion"),
        ("OS Image", "osImage"),
        ("Operating System", "operatingSystem"),
        ("Architecture", "architecture"),
        ("Container Runtime Version", "containerRuntimeVersion"),
        ("Kubelet Version", "kubeletVersion"),
    ] {
        w.line(1, format!("{title}:\t{}", text(object, &format!("/status/nodeInfo/{field}"))));
    }
    w.line(0, format!("PodCIDR:\t{}", text(object, "/spec/podCIDR")));
    let cidrs: Vec<String> = object
        .pointer("/spec/podCIDRs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    w.line(0, format!("PodCIDRs:\t{}", cidrs.join(",")));
    let pods: Vec<&Pod> = api
        .list::<Pod>(None)
        .filter(|p| p.spec.as_ref().and_then(|s| s.node_name.as_deref()) == Some(name.as_str()))
        .filter(|p| !crate::podutil::is_terminal(p))
        .collect();
    let allocatable = |resource: &str| {
        object
            .pointer(&format!("/status/allocatable/{resource}"))
            .and_then(Value::as_str)
            .and_then(|q| quantity::parse(q).ok())
            .map_or(0, |m| m.0)
    };
    let amount = |pod: &Pod,
                  list: fn(
        &k8s_openapi::api::core::v1::ResourceRequirements,
    ) -> Option<
        &BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>,
    >,
                  resource: &str|
     -> i128 {
        pod.spec
            .iter()
            .flat_map(|s| s.containers.iter())
            .filter_map(|c| c.resources.as_ref().and_then(list).and_then(|l| l.get(resource)))
            .filter_map(|q| quantity::parse(&q.0).ok())
            .map(|m| m.0)
            .sum()
    };
    let show = |milli: i128, resource: &str| -> String {
        let total = allocatable(resource);
        let percent = if total > 0 { milli * 100 / total } else { 0 };
        if resource == "cpu" {
            if milli == 0 {
                format!("0 ({percent}%)")
            } else if milli % 1000 == 0 {
                format!("{} ({percent}%)", milli / 1000)
            } else {
                format!("{milli}m ({percent}%)")
            }
        } else {
            let bytes = milli / 1000;
            let mi = 1024 * 1024;
            if bytes == 0 {
                format!("0 ({percent}%)")
            } else if bytes % mi == 0 {
                format!("{}Mi ({percent}%)", bytes / mi)
            } else {
                format!("{bytes} ({percent}%)")
            }
        }
    };
    w.line(0, format!("Non-terminated Pods:\t({} in total)", pods.len()));
    if !pods.is_empty() {
        w.line(1, "Namespace\tName\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge");
        w.line(1, "---------\t----\t------------\t----------\t---------------\t-------------\t---");
        for pod in &pods {
            let age =
                pod.metadata.creation_timestamp.as_ref().map_or("<unknown>".into(), |t| {
                    human_duration(now.since(SimTime::from_k8s(t)))
                });
            w.line(
                1,
                format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{age}",
                    crate::podutil::namespace(pod),
                    crate::podutil::name(pod),
                    show(amount(pod, |r| r.requests.as_ref(), "cpu"), "cpu"),
                    show(amount(pod, |r| r.limits.as_ref(), "cpu"), "cpu"),
                    show(amount(pod, |r| r.requests.as_ref(), "memory"), "memory"),
                    show(amount(pod, |r| r.limits.as_ref(), "memory"), "memory"),
                ),
            );
        }
    }
    w.line(0, "Allocated resources:");
    w.line(1, "(Total limits may be over 100 percent, i.e., overcommitted.)");
    w.line(1, "Resource\tRequests\tLimits");
    w.line(1, "--------\t--------\t------");
    for resource in ["cpu", "memory"] {
        let requests: i128 =
            pods.iter().map(|p| amount(p, |r| r.requests.as_ref(), resource)).sum();
        let limits: i128 = pods.iter().map(|p| amount(p, |r| r.limits.as_ref(), resource)).sum();
        w.line(1, format!("{resource}\t{}\t{}", show(requests, resource), show(limits, resource)));
    }
    for resource in ["ephemeral-storage", "hugepages-1Gi", "hugepages-2Mi"] {
        w.line(1, format!("{resource}\t0 (0%)\t0 (0%)"));
    }
}

fn describe_service(w: &mut Writer, api: &ApiServer, object: &Value) {
    meta_header(w, object, true);
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    let selector: Vec<String> = object
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    w.line(0, format!("Selector:\t{}", or_none(selector.join(","))));
    let service_type = text(object, "/spec/type");
    w.line(0, format!("Type:\t{service_type}"));
    if service_type == "ExternalName" {
        w.line(0, format!("External Name:\t{}", text(object, "/spec/externalName")));
    } else {
        w.line(0, format!("IP Family Policy:\t{}", text(object, "/spec/ipFamilyPolicy")));
        let join = |pointer: &str| -> String {
            object
                .pointer(pointer)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect::<Vec<_>>()
                .join(",")
        };
        w.line(0, format!("IP Families:\t{}", join("/spec/ipFamilies")));
        w.line(0, format!("IP:\t{}", text(object, "/spec/clusterIP")));
        w.line(0, format!("IPs:\t{}", join("/spec/clusterIPs")));
        let external = join("/spec/externalIPs");
        if !external.is_empty() {
            w.line(0, format!("External IPs:\t{external}"));
        }
        let ingress: Vec<String> = object
            .pointer("/status/loadBalancer/ingress")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|i| {
                let address = i.get("ip").or_else(|| i.get("hostname"));
                let address = address.and_then(Value::as_str).unwrap_or_default();
                match i.get("ipMode").and_then(Value::as_str) {
                    Some(mode) => format!("{address} ({mode})"),
                    None => address.to_string(),
                }
            })
            .collect();
        if !ingress.is_empty() {
            w.line(0, format!("LoadBalancer Ingress:\t{}", ingress.join(", ")));
        }
    }
    let name = text(object, "/metadata/name");
    let namespace = text(object, "/metadata/namespace");
    // kubectl reads the Service's EndpointSlices (not the deprecated Endpoints).
    let slices: Vec<&k8s_openapi::api::discovery::v1::EndpointSlice> = api
        .list::<k8s_openapi::api::discovery::v1::EndpointSlice>(Some(&namespace))
        .filter(|s| {
            s.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name"))
                == Some(&name)
        })
        .collect();
    for port in object.pointer("/spec/ports").and_then(Value::as_array).into_iter().flatten() {
        let port_name = or_none(text(port, "/name")).replace("<none>", "<unset>");
        let protocol = text(port, "/protocol");
        w.line(0, format!("Port:\t{port_name}  {}/{protocol}", text(port, "/port")));
        w.line(0, format!("TargetPort:\t{}/{protocol}", text(port, "/targetPort")));
        if let Some(node_port) = port.get("nodePort").and_then(Value::as_i64) {
            w.line(0, format!("NodePort:\t{port_name}  {node_port}/{protocol}"));
        }
        let endpoints = format_endpoint_slices(&slices, &text(port, "/name"));
        w.line(0, format!("Endpoints:\t{endpoints}"));
    }
    if service_type != "ExternalName" {
        w.line(0, format!("Session Affinity:\t{}", text(object, "/spec/sessionAffinity")));
    }
    if let Some(policy) = object.pointer("/spec/externalTrafficPolicy").and_then(Value::as_str) {
        w.line(0, format!("External Traffic Policy:\t{policy}"));
    }
    if let Some(policy) = object.pointer("/spec/internalTrafficPolicy").and_then(Value::as_str) {
        w.line(0, format!("Internal Traffic Policy:\t{policy}"));
    }
}

fn describe_configmap(w: &mut Writer, object: &Value) {
    meta_header(w, object, true);
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(0, "");
    w.line(0, "Data");
    w.line(0, "====");
    for (key, value) in object.pointer("/data").and_then(Value::as_object).into_iter().flatten() {
        w.line(0, format!("{key}:"));
        w.line(0, "----");
        w.line(0, value.as_str().unwrap_or_default());
        w.line(0, "");
    }
    w.line(0, "");
    w.line(0, "BinaryData");
    w.line(0, "====");
    for (key, value) in
        object.pointer("/binaryData").and_then(Value::as_object).into_iter().flatten()
    {
        w.line(0, format!("{key}: {} bytes", value.as_str().map_or(0, |v| v.len() * 3 / 4)));
    }
    w.line(0, "");
}

fn describe_secret(w: &mut Writer, object: &Value) {
    meta_header(w, object, true);
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(0, "");
    w.line(0, format!("Type:\t{}", text(object, "/type")));
    w.line(0, "");
    w.line(0, "Data");
    w.line(0, "====");
    for (key, value) in object.pointer("/data").and_then(Value::as_object).into_iter().flatten() {
        let bytes: k8s_openapi::ByteString =
            serde_json::from_value(value.clone()).unwrap_or(k8s_openapi::ByteString(Vec::new()));
        w.line(0, format!("{key}:\t{} bytes", bytes.0.len()));
    }
}

fn describe_namespace(w: &mut Writer, object: &Value) {
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    w.line(0, format!("Status:\t{}", text(object, "/status/phase")));
    w.line(0, "");
    w.line(0, "No resource quota.");
    w.line(0, "");
    w.line(0, "No LimitRange resource.");
}

/// Kinds without a describer of their own, as kubectl's generic describer shows them: the
/// usual header, then every field with its name made readable (`progressDeadlineSeconds` →
/// `Progress Deadline Seconds`).
fn describe_generic(w: &mut Writer, kind: &dyn DynamicKind, object: &Value) {
    meta_header(w, object, kind.namespaced());
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
    for (key, value) in object.as_object().into_iter().flatten() {
        if key == "metadata" {
            let mut rest = value.clone();
            if let Some(map) = rest.as_object_mut() {
                for skipped in ["name", "namespace", "labels", "annotations", "managedFields"] {
                    map.remove(skipped);
                }
            }
            fields(w, 0, "Metadata", &rest);
        } else {
            fields(w, 0, &smart_label(key), value);
        }
    }
}

/// kubectl's `smartLabelFor`: camelCase split into capitalised words, a few acronyms upper-cased;
/// names with characters other than letters and `-` are left alone.
fn smart_label(field: &str) -> String {
    if field.chars().any(|c| !c.is_alphabetic() && c != '-') {
        return field.to_string();
    }
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in field.chars() {
        if c.is_uppercase()
            && !current.is_empty()
            && !current.chars().last().is_some_and(char::is_uppercase)
        {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    words.push(current);
    words
        .into_iter()
        .map(|word| match word.to_uppercase().as_str() {
            upper @ ("API" | "URL" | "UID" | "OSB" | "GUID") => upper.to_string(),
            _ => capitalize(&word),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn fields(w: &mut Writer, level: usize, title: &str, value: &Value) {
    match value {
        Value::Object(map) if map.is_empty() => w.line(level, format!("{title}:\t<none>")),
        Value::Object(map) => {
            w.line(level, format!("{title}:"));
            for (key, child) in map {
                fields(w, level + 1, &smart_label(key), child);
            }
        }
        Value::Array(items) if items.iter().all(|i| !i.is_object() && !i.is_array()) => {
            let shown: Vec<String> = items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                .collect();
            w.line(level, format!("{title}:\t{}", or_none(shown.join(", "))));
        }
        Value::Array(items) => {
            w.line(level, format!("{title}:"));
            for item in items {
                match item.as_object() {
                    Some(map) => {
                        for (key, child) in map {
                            fields(w, level + 1, &smart_label(key), child);
                        }
                    }
                    None => w.line(level + 1, item.to_string()),
                }
            }
        }
        Value::String(s) => w.line(level, format!("{title}:\t{s}")),
        Value::Null => w.line(level, format!("{title}:\t<none>")),
        other => w.line(level, format!("{title}:\t{other}")),
    }
}

fn events(w: &mut Writer, api: &ApiServer, object: &Value, now: SimTime) {
    let uid = object.pointer("/metadata/uid").and_then(Value::as_str).unwrap_or_default();
    let namespace =
        object.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or("default");
    // The kubelet names its node by name where a uid goes (kubectl looks for both).
    let node_name = (object.pointer("/kind").and_then(Value::as_str) == Some("Node"))
        .then(|| object.pointer("/metadata/name").and_then(Value::as_str))
        .flatten();
    let mut related: Vec<&Event> = api
        .list::<Event>(Some(namespace))
        .filter(|e| {
            let involved = e.involved_object.uid.as_deref();
            involved == Some(uid) || (node_name.is_some() && involved == node_name)
        })
        .collect();
    if related.is_empty() {
        w.line(0, "Events:\t<none>");
        return;
    }
    let time = |t: &Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>| {
        t.as_ref().map(SimTime::from_k8s).unwrap_or_default()
    };
    crate::sort::sort_by_key(&mut related, |e| time(&e.last_timestamp));
    w.line(0, "Events:");
    w.line(1, "Type\tReason\tAge\tFrom\tMessage");
    w.line(1, "----\t------\t----\t----\t-------");
    for event in related {
        let last = human_duration(now.since(time(&event.last_timestamp)));
        let count = event.count.unwrap_or(1);
        let age = if count > 1 {
            format!(
                "{last} (x{count} over {})",
                human_duration(now.since(time(&event.first_timestamp)))
            )
        } else {
            last
        };
        let from = event.source.as_ref().and_then(|s| s.component.clone()).unwrap_or_default();
        w.line(
            1,
            format!(
                "{}\t{}\t{age}\t{from}\t{}",
                event.type_.clone().unwrap_or_default(),
                event.reason.clone().unwrap_or_default(),
                event.message.clone().unwrap_or_default()
            ),
        );
    }
}

/// kubectl's `formatEndpointSlices` for one port name: ready addresses as `ip:port`, three at
/// most and then `+ N more...`; `<none>` when the Service has no slices at all.
fn format_endpoint_slices(
    slices: &[&k8s_openapi::api::discovery::v1::EndpointSlice],
    port_name: &str,
) -> String {
    if slices.is_empty() {
        return "<none>".to_string();
    }
    const MAX: usize = 3;
    let mut list = Vec::new();
    let mut count = 0;
    for slice in slices {
        let ready = slice.endpoints.iter().filter(|e| {
            e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true) && !e.addresses.is_empty()
        });
        let ports: Vec<Option<i32>> = match &slice.ports {
            Some(ports) if !ports.is_empty() => ports
                .iter()
                .filter(|p| p.name.as_deref().unwrap_or_default() == port_name)
                .map(|p| p.port)
                .collect(),
            _ => vec![None],
        };
        for port in ports {
            for endpoint in ready.clone() {
                if list.len() < MAX {
                    let address = &endpoint.addresses[0];
                    list.push(match port {
                        Some(port) => format!("{address}:{port}"),
                        None => address.clone(),
                    });
                }
                count += 1;
            }
        }
    }
    let shown = list.join(",");
    if count > MAX { format!("{shown} + {} more...", count - MAX) } else { shown }
}
