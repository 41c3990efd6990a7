//! The columns `kubectl get` prints for each kind (kubectl's `printers.go`), computed from the
//! objects as the server returns them. `-o wide` adds the wide columns; `-A` a NAMESPACE column
//! first; `--show-labels` a LABELS column last; `-L key` a column per key.

use super::table::Table;
use super::{jsonpath, node, pod};
use crate::time::{SimTime, human_duration};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceColumnDefinition;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    pub wide: bool,
    pub with_namespace: bool,
    pub show_labels: bool,
    /// `-L key`: one upper-cased column per label key.
    pub label_columns: Vec<String>,
    /// Prefix names with `kind/` (several types in one `get`).
    pub name_prefix: Option<String>,
}

/// One object's cells: the standard columns, then the wide-only ones.
type Cells = (Vec<String>, Vec<String>);

/// The header and cells of one kind.
struct Columns {
    header: &'static [&'static str],
    wide_header: &'static [&'static str],
    rows: Vec<Cells>,
}

fn text(object: &Value, pointer: &str) -> String {
    match object.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn number(object: &Value, pointer: &str) -> i64 {
    object.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn or_none(value: String) -> String {
    if value.is_empty() { "<none>".to_string() } else { value }
}

fn age_of(object: &Value, pointer: &str, now: SimTime) -> String {
    match object
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|t| t.parse::<k8s_openapi::jiff::Timestamp>().ok())
    {
        Some(time) => {
            human_duration(now.since(SimTime::from_k8s(
                &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(time),
            )))
        }
        None => "<unknown>".to_string(),
    }
}

fn name(object: &Value) -> String {
    text(object, "/metadata/name")
}

fn typed<T: serde::de::DeserializeOwned + Default>(object: &Value) -> T {
    serde::Deserialize::deserialize(object).unwrap_or_default()
}

/// `a=b,c=d` for a selector map, `<none>` when empty.
fn selector_text(selector: Option<&Value>) -> String {
    let pairs: Vec<String> = selector
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    or_none(pairs.join(","))
}

/// A workload's `spec.selector` as kubectl prints it (`app=web`, or with expressions).
fn label_selector_text(selector: Option<&Value>) -> String {
    let Some(selector) = selector else { return "<none>".to_string() };
    let mut parts: Vec<String> = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    for expression in
        selector.get("matchExpressions").and_then(Value::as_array).into_iter().flatten()
    {
        let key = text(expression, "/key");
        let values: Vec<String> = expression
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect();
        parts.push(match text(expression, "/operator").as_str() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key,
            "DoesNotExist" => format!("!{key}"),
            other => format!("{key} {other}"),
        });
    }
    or_none(parts.join(","))
}

/// An HPA's TARGETS (`formatHPAMetrics`): each metric's current value over its target, matched
/// by position with `status.currentMetrics`; two at most, then `+ N more...`.
fn hpa_targets(o: &Value) -> String {
    let specs = o.pointer("/spec/metrics").and_then(Value::as_array).cloned().unwrap_or_default();
    if specs.is_empty() {
        return "<none>".to_string();
    }
    let statuses =
        o.pointer("/status/currentMetrics").and_then(Value::as_array).cloned().unwrap_or_default();
    let list: Vec<String> = specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let status = statuses.get(i);
            let kind = text(spec, "/type");
            let source = match kind.as_str() {
                "Resource" => "resource",
                "ContainerResource" => "containerResource",
                "Pods" => "pods",
                "Object" => "object",
                _ => "external",
            };
            let current = |field: &str| {
                status
                    .and_then(|s| s.pointer(&format!("/{source}/current/{field}")))
                    .filter(|v| !v.is_null())
            };
            let target = |field: &str| spec.pointer(&format!("/{source}/target/{field}"));
            if let Some(value) = target("averageValue").or_else(|| target("value")) {
                let field = if target("averageValue").is_some() { "averageValue" } else { "value" };
                let now = current(field).map_or("<unknown>".to_string(), plain);
                let shown = format!("{now}/{}", plain(value));
                match kind.as_str() {
                    "Resource" | "ContainerResource" => {
                        format!("{}: {shown}", text(spec, &format!("/{source}/name")))
                    }
                    _ => shown,
                }
            } else {
                let now = current("averageUtilization")
                    .and_then(Value::as_i64)
                    .map_or("<unknown>".to_string(), |u| format!("{u}%"));
                let wanted = target("averageUtilization")
                    .and_then(Value::as_i64)
                    .map_or("<auto>".to_string(), |u| format!("{u}%"));
                format!("{}: {now}/{wanted}", text(spec, &format!("/{source}/name")))
            }
        })
        .collect();
    if list.len() > 2 {
        format!("{} + {} more...", list[..2].join(", "), list.len() - 2)
    } else {
        list.join(", ")
    }
}

/// A JSON scalar as text (quantities are strings, counts numbers).
fn plain(value: &Value) -> String {
    value.as_str().map_or_else(|| value.to_string(), str::to_string)
}

/// CONTAINERS and IMAGES of a pod template.
fn containers_and_images(object: &Value, spec_pointer: &str) -> (String, String) {
    let containers =
        object.pointer(&format!("{spec_pointer}/containers")).and_then(Value::as_array);
    let names: Vec<String> = containers.into_iter().flatten().map(|c| text(c, "/name")).collect();
    let images: Vec<String> = containers.into_iter().flatten().map(|c| text(c, "/image")).collect();
    (names.join(","), images.join(","))
}

fn columns(kind: &str, objects: &[Value], now: SimTime) -> Columns {
    let rows = |f: &dyn Fn(&Value) -> Cells| objects.iter().map(f).collect();
    match kind {
        "Pod" => Columns {
            header: &["NAME", "READY", "STATUS", "RESTARTS", "AGE"],
            wide_header: &["IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
            rows: rows(&|o| {
                let p: k8s_openapi::api::core::v1::Pod = typed(o);
                (
                    vec![
                        name(o),
                        pod::ready(&p),
                        pod::status(&p),
                        pod::restarts(&p, now),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![
                        or_none(text(o, "/status/podIP")),
                        or_none(text(o, "/spec/nodeName")),
                        or_none(text(o, "/status/nominatedNodeName")),
                        pod::readiness_gates(&p),
                    ],
                )
            }),
        },
        "Node" => Columns {
            header: &["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
            wide_header: &[
                "INTERNAL-IP",
                "EXTERNAL-IP",
                "OS-IMAGE",
                "KERNEL-VERSION",
                "CONTAINER-RUNTIME",
            ],
            rows: rows(&|o| {
                let n: k8s_openapi::api::core::v1::Node = typed(o);
                (
                    vec![
                        name(o),
                        node::status(&n),
                        node::roles(&n),
                        age_of(o, "/metadata/creationTimestamp", now),
                        text(o, "/status/nodeInfo/kubeletVersion"),
                    ],
                    vec![
                        node::address(&n, "InternalIP"),
                        node::address(&n, "ExternalIP"),
                        text(o, "/status/nodeInfo/osImage"),
                        text(o, "/status/nodeInfo/kernelVersion"),
                        text(o, "/status/nodeInfo/containerRuntimeVersion"),
                    ],
                )
            }),
        },
        "Namespace" => Columns {
            header: &["NAME", "STATUS", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                (
                    vec![
                        name(o),
                        text(o, "/status/phase"),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "Event" => Columns {
            header: &["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let object = format!(
                    "{}/{}",
                    text(o, "/involvedObject/kind").to_lowercase(),
                    text(o, "/involvedObject/name")
                );
                let seen = if o.pointer("/lastTimestamp").is_some_and(|t| !t.is_null()) {
                    "/lastTimestamp"
                } else {
                    "/firstTimestamp"
                };
                (
                    vec![
                        age_of(o, seen, now),
                        text(o, "/type"),
                        text(o, "/reason"),
                        object,
                        text(o, "/message"),
                    ],
                    vec![],
                )
            }),
        },
        "Service" => Columns {
            header: &["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"],
            wide_header: &["SELECTOR"],
            rows: rows(&|o| {
                let service_type = text(o, "/spec/type");
                let external: Vec<String> = o
                    .pointer("/spec/externalIPs")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect();
                let ingress: Vec<String> =
                    o.pointer("/status/loadBalancer/ingress")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(|i| {
                            if i.get("ip").is_some() {
                                text(i, "/ip")
                            } else {
                                text(i, "/hostname")
                            }
                        })
                        .collect();
                let external_ip = match service_type.as_str() {
                    "ExternalName" => text(o, "/spec/externalName"),
                    "LoadBalancer" if ingress.is_empty() && external.is_empty() => {
                        "<pending>".to_string()
                    }
                    "LoadBalancer" => [ingress, external].concat().join(","),
                    _ => or_none(external.join(",")),
                };
                let ports: Vec<String> = o
                    .pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        let node_port = number(p, "/nodePort");
                        let protocol = text(p, "/protocol");
                        if node_port > 0 {
                            format!("{}:{node_port}/{protocol}", number(p, "/port"))
                        } else {
                            format!("{}/{protocol}", number(p, "/port"))
                        }
                    })
                    .collect();
                (
                    vec![
                        name(o),
                        service_type,
                        or_none(text(o, "/spec/clusterIP")),
                        external_ip,
                        or_none(ports.join(",")),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![selector_text(o.pointer("/spec/selector"))],
                )
            }),
        },
        "Deployment" => Columns {
            header: &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
            wide_header: &["CONTAINERS", "IMAGES", "SELECTOR"],
            rows: rows(&|o| {
                let (containers, images) = containers_and_images(o, "/spec/template/spec");
                (
                    vec![
                        name(o),
                        format!(
                            "{}/{}",
                            number(o, "/status/readyReplicas"),
                            number(o, "/spec/replicas")
                        ),
                        number(o, "/status/updatedReplicas").to_string(),
                        number(o, "/status/availableReplicas").to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![containers, images, label_selector_text(o.pointer("/spec/selector"))],
                )
            }),
        },
        "ReplicaSet" | "ReplicationController" => Columns {
            header: &["NAME", "DESIRED", "CURRENT", "READY", "AGE"],
            wide_header: &["CONTAINERS", "IMAGES", "SELECTOR"],
            rows: rows(&|o| {
                let (containers, images) = containers_and_images(o, "/spec/template/spec");
                let selector = if kind == "ReplicaSet" {
                    label_selector_text(o.pointer("/spec/selector"))
                } else {
                    selector_text(o.pointer("/spec/selector"))
                };
                (
                    vec![
                        name(o),
                        number(o, "/spec/replicas").to_string(),
                        number(o, "/status/replicas").to_string(),
                        number(o, "/status/readyReplicas").to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![containers, images, selector],
                )
            }),
        },
        "DaemonSet" => Columns {
            header: &[
                "NAME",
                "DESIRED",
                "CURRENT",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "NODE SELECTOR",
                "AGE",
            ],
            wide_header: &["CONTAINERS", "IMAGES", "SELECTOR"],
            rows: rows(&|o| {
                let (containers, images) = containers_and_images(o, "/spec/template/spec");
                (
                    vec![
                        name(o),
                        number(o, "/status/desiredNumberScheduled").to_string(),
                        number(o, "/status/currentNumberScheduled").to_string(),
                        number(o, "/status/numberReady").to_string(),
                        number(o, "/status/updatedNumberScheduled").to_string(),
                        number(o, "/status/numberAvailable").to_string(),
                        selector_text(o.pointer("/spec/template/spec/nodeSelector")),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![containers, images, label_selector_text(o.pointer("/spec/selector"))],
                )
            }),
        },
        "StatefulSet" => Columns {
            header: &["NAME", "READY", "AGE"],
            wide_header: &["CONTAINERS", "IMAGES"],
            rows: rows(&|o| {
                let (containers, images) = containers_and_images(o, "/spec/template/spec");
                (
                    vec![
                        name(o),
                        format!(
                            "{}/{}",
                            number(o, "/status/readyReplicas"),
                            number(o, "/spec/replicas")
                        ),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![containers, images],
                )
            }),
        },
        "ControllerRevision" => Columns {
            header: &["NAME", "CONTROLLER", "REVISION", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let controller = o
                    .pointer("/metadata/ownerReferences")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .find(|r| r.get("controller").and_then(Value::as_bool) == Some(true))
                    .map_or("<none>".to_string(), |r| {
                        let group = text(r, "/apiVersion")
                            .rsplit_once('/')
                            .map_or(String::new(), |(g, _)| format!(".{g}"));
                        format!("{}{group}/{}", text(r, "/kind").to_lowercase(), text(r, "/name"))
                    });
                (
                    vec![
                        name(o),
                        controller,
                        number(o, "/revision").to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "Job" => Columns {
            header: &["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
            wide_header: &["CONTAINERS", "IMAGES", "SELECTOR"],
            rows: rows(&|o| {
                let (containers, images) = containers_and_images(o, "/spec/template/spec");
                let condition = |kind: &str| {
                    o.pointer("/status/conditions")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .any(|c| text(c, "/type") == kind && text(c, "/status") == "True")
                };
                let status = if condition("Complete") {
                    "Complete"
                } else if condition("Failed") {
                    "Failed"
                } else if o.pointer("/metadata/deletionTimestamp").is_some() {
                    "Terminating"
                } else if condition("Suspended") {
                    "Suspended"
                } else if condition("FailureTarget") {
                    "FailureTarget"
                } else if condition("SuccessCriteriaMet") {
                    "SuccessCriteriaMet"
                } else {
                    "Running"
                };
                let succeeded = number(o, "/status/succeeded");
                let completions = match o.pointer("/spec/completions").and_then(Value::as_i64) {
                    Some(c) => format!("{succeeded}/{c}"),
                    None => match number(o, "/spec/parallelism") {
                        parallelism if parallelism > 1 => {
                            format!("{succeeded}/1 of {parallelism}")
                        }
                        _ => format!("{succeeded}/1"),
                    },
                };
                let duration = match (
                    o.pointer("/status/startTime").and_then(Value::as_str),
                    o.pointer("/status/completionTime").and_then(Value::as_str),
                ) {
                    (Some(start), end) => {
                        let parse = |t: &str| {
                            t.parse::<k8s_openapi::jiff::Timestamp>()
                                .ok()
                                .map(|t| SimTime::from_unix_ms(t.as_millisecond().max(0) as u64))
                        };
                        let end = end.and_then(parse).unwrap_or(now);
                        parse(start).map_or(String::new(), |start| human_duration(end.since(start)))
                    }
                    _ => String::new(),
                };
                (
                    vec![
                        name(o),
                        status.to_string(),
                        completions,
                        duration,
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![containers, images, label_selector_text(o.pointer("/spec/selector"))],
                )
            }),
        },
        "CronJob" => Columns {
            header: &["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"],
            wide_header: &["CONTAINERS", "IMAGES", "SELECTOR"],
            rows: rows(&|o| {
                let (containers, images) =
                    containers_and_images(o, "/spec/jobTemplate/spec/template/spec");
                let active =
                    o.pointer("/status/active").and_then(Value::as_array).map_or(0, Vec::len);
                let last = if o.pointer("/status/lastScheduleTime").is_some() {
                    age_of(o, "/status/lastScheduleTime", now)
                } else {
                    "<none>".to_string()
                };
                (
                    vec![
                        name(o),
                        text(o, "/spec/schedule"),
                        or_none(text(o, "/spec/timeZone")),
                        match o.pointer("/spec/suspend").and_then(Value::as_bool) {
                            Some(true) => "True".to_string(),
                            Some(false) => "False".to_string(),
                            None => "<unset>".to_string(),
                        },
                        active.to_string(),
                        last,
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![
                        containers,
                        images,
                        label_selector_text(o.pointer("/spec/jobTemplate/spec/selector")),
                    ],
                )
            }),
        },
        "ConfigMap" => Columns {
            header: &["NAME", "DATA", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let count =
                    |p: &str| o.pointer(p).and_then(Value::as_object).map_or(0, |m| m.len());
                (
                    vec![
                        name(o),
                        (count("/data") + count("/binaryData")).to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "Secret" => Columns {
            header: &["NAME", "TYPE", "DATA", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let data = o.pointer("/data").and_then(Value::as_object).map_or(0, |m| m.len());
                (
                    vec![
                        name(o),
                        text(o, "/type"),
                        data.to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "ServiceAccount" => Columns {
            header: &["NAME", "SECRETS", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let secrets = o.pointer("/secrets").and_then(Value::as_array).map_or(0, Vec::len);
                (
                    vec![
                        name(o),
                        secrets.to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "Endpoints" => Columns {
            header: &["NAME", "ENDPOINTS", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let mut endpoints = Vec::new();
                for subset in o.pointer("/subsets").and_then(Value::as_array).into_iter().flatten()
                {
                    let ports = subset.get("ports").and_then(Value::as_array);
                    if ports.is_none_or(|p| p.is_empty()) {
                        // A headless Service may have no ports: bare addresses.
                        for address in
                            subset.get("addresses").and_then(Value::as_array).into_iter().flatten()
                        {
                            endpoints.push(text(address, "/ip"));
                        }
                        continue;
                    }
                    for address in
                        subset.get("addresses").and_then(Value::as_array).into_iter().flatten()
                    {
                        for port in
                            subset.get("ports").and_then(Value::as_array).into_iter().flatten()
                        {
                            endpoints.push(format!(
                                "{}:{}",
                                text(address, "/ip"),
                                number(port, "/port")
                            ));
                        }
                    }
                }
                let shown = match endpoints.len() {
                    0 => "<none>".to_string(),
                    n if n > 3 => format!("{} + {} more...", endpoints[..3].join(","), n - 3),
                    _ => endpoints.join(","),
                };
                (vec![name(o), shown, age_of(o, "/metadata/creationTimestamp", now)], vec![])
            }),
        },
        "PersistentVolume" => Columns {
            header: &[
                "NAME",
                "CAPACITY",
                "ACCESS MODES",
                "RECLAIM POLICY",
                "STATUS",
                "CLAIM",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "REASON",
                "AGE",
            ],
            wide_header: &["VOLUMEMODE"],
            rows: rows(&|o| {
                let claim = if o.pointer("/spec/claimRef").is_some() {
                    format!(
                        "{}/{}",
                        text(o, "/spec/claimRef/namespace"),
                        text(o, "/spec/claimRef/name")
                    )
                } else {
                    String::new()
                };
                (
                    vec![
                        name(o),
                        text(o, "/spec/capacity/storage"),
                        access_modes(o.pointer("/spec/accessModes")),
                        text(o, "/spec/persistentVolumeReclaimPolicy"),
                        phase_or_terminating(o),
                        claim,
                        text(o, "/spec/storageClassName"),
                        or_none(text(o, "/spec/volumeAttributesClassName")),
                        text(o, "/status/reason"),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![text(o, "/spec/volumeMode")],
                )
            }),
        },
        "PersistentVolumeClaim" => Columns {
            header: &[
                "NAME",
                "STATUS",
                "VOLUME",
                "CAPACITY",
                "ACCESS MODES",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "AGE",
            ],
            wide_header: &["VOLUMEMODE"],
            rows: rows(&|o| {
                (
                    vec![
                        name(o),
                        phase_or_terminating(o),
                        text(o, "/spec/volumeName"),
                        text(o, "/status/capacity/storage"),
                        access_modes(o.pointer("/status/accessModes")),
                        text(o, "/spec/storageClassName"),
                        or_none(text(o, "/spec/volumeAttributesClassName")),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![text(o, "/spec/volumeMode")],
                )
            }),
        },
        "Role" | "ClusterRole" => Columns {
            header: &["NAME", "CREATED AT"],
            wide_header: &[],
            rows: rows(&|o| (vec![name(o), text(o, "/metadata/creationTimestamp")], vec![])),
        },
        "RoleBinding" | "ClusterRoleBinding" => Columns {
            header: &["NAME", "ROLE", "AGE"],
            wide_header: &["USERS", "GROUPS", "SERVICEACCOUNTS"],
            rows: rows(&|o| {
                let role = format!("{}/{}", text(o, "/roleRef/kind"), text(o, "/roleRef/name"));
                let subjects = o.pointer("/subjects").and_then(Value::as_array);
                let of_kind = |kind: &str| {
                    subjects
                        .into_iter()
                        .flatten()
                        .filter(|s| text(s, "/kind") == kind)
                        .map(|s| match kind {
                            "ServiceAccount" => {
                                format!("{}/{}", text(s, "/namespace"), text(s, "/name"))
                            }
                            _ => text(s, "/name"),
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                (
                    vec![name(o), role, age_of(o, "/metadata/creationTimestamp", now)],
                    vec![of_kind("User"), of_kind("Group"), of_kind("ServiceAccount")],
                )
            }),
        },
        "StorageClass" => Columns {
            header: &[
                "NAME",
                "PROVISIONER",
                "RECLAIMPOLICY",
                "VOLUMEBINDINGMODE",
                "ALLOWVOLUMEEXPANSION",
                "AGE",
            ],
            wide_header: &[],
            rows: rows(&|o| {
                let default =
                    text(o, "/metadata/annotations/storageclass.kubernetes.io~1is-default-class")
                        == "true";
                let shown = if default { format!("{} (default)", name(o)) } else { name(o) };
                let expansion =
                    o.pointer("/allowVolumeExpansion").and_then(Value::as_bool).unwrap_or(false);
                (
                    vec![
                        shown,
                        text(o, "/provisioner"),
                        text(o, "/reclaimPolicy"),
                        text(o, "/volumeBindingMode"),
                        expansion.to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "HorizontalPodAutoscaler" => Columns {
            header: &["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let reference = format!(
                    "{}/{}",
                    text(o, "/spec/scaleTargetRef/kind"),
                    text(o, "/spec/scaleTargetRef/name")
                );
                let targets = hpa_targets(o);
                (
                    vec![
                        name(o),
                        reference,
                        targets,
                        number(o, "/spec/minReplicas").to_string(),
                        number(o, "/spec/maxReplicas").to_string(),
                        number(o, "/status/currentReplicas").to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "Ingress" => Columns {
            header: &["NAME", "CLASS", "HOSTS", "ADDRESS", "PORTS", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let hosts: Vec<String> = o
                    .pointer("/spec/rules")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|r| text(r, "/host"))
                    .map(|h| if h.is_empty() { "*".into() } else { h })
                    .collect();
                let address: Vec<String> = o
                    .pointer("/status/loadBalancer/ingress")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|i| text(i, "/ip"))
                    .collect();
                let ports = if o.pointer("/spec/tls").is_some() { "80, 443" } else { "80" };
                (
                    vec![
                        name(o),
                        or_none(text(o, "/spec/ingressClassName")),
                        or_none(hosts.join(",")),
                        address.join(","),
                        ports.to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "IngressClass" => Columns {
            header: &["NAME", "CONTROLLER", "PARAMETERS", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                (
                    vec![
                        name(o),
                        text(o, "/spec/controller"),
                        "<none>".into(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "NetworkPolicy" => Columns {
            header: &["NAME", "POD-SELECTOR", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let selector = label_selector_text(o.pointer("/spec/podSelector"));
                (
                    vec![
                        name(o),
                        if selector == "<none>" { "<none>".into() } else { selector },
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "PodDisruptionBudget" => Columns {
            header: &["NAME", "MIN AVAILABLE", "MAX UNAVAILABLE", "ALLOWED DISRUPTIONS", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let or_na =
                    |p: &str| if o.pointer(p).is_some() { text(o, p) } else { "N/A".to_string() };
                (
                    vec![
                        name(o),
                        or_na("/spec/minAvailable"),
                        or_na("/spec/maxUnavailable"),
                        number(o, "/status/disruptionsAllowed").to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "PriorityClass" => Columns {
            header: &["NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"],
            wide_header: &[],
            rows: rows(&|o| {
                let global = o.pointer("/globalDefault").and_then(Value::as_bool).unwrap_or(false);
                (
                    vec![
                        name(o),
                        number(o, "/value").to_string(),
                        global.to_string(),
                        age_of(o, "/metadata/creationTimestamp", now),
                        or_none(text(o, "/preemptionPolicy")),
                    ],
                    vec![],
                )
            }),
        },
        "EndpointSlice" => Columns {
            header: &["NAME", "ADDRESSTYPE", "PORTS", "ENDPOINTS", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                let ports: Vec<String> = o
                    .pointer("/ports")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|p| match p.get("port").and_then(Value::as_i64) {
                        Some(port) => port.to_string(),
                        None => p.get("name").and_then(Value::as_str).unwrap_or("*").to_string(),
                    })
                    .collect();
                let addresses: Vec<String> = o
                    .pointer("/endpoints")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .flat_map(|e| {
                        e.get("addresses").and_then(Value::as_array).cloned().unwrap_or_default()
                    })
                    .filter_map(|a| a.as_str().map(str::to_string))
                    .collect();
                (
                    vec![
                        name(o),
                        text(o, "/addressType"),
                        list_with_more(&ports),
                        list_with_more(&addresses),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "Lease" => Columns {
            header: &["NAME", "HOLDER", "AGE"],
            wide_header: &[],
            rows: rows(&|o| {
                (
                    vec![
                        name(o),
                        text(o, "/spec/holderIdentity"),
                        age_of(o, "/metadata/creationTimestamp", now),
                    ],
                    vec![],
                )
            }),
        },
        "CustomResourceDefinition" => Columns {
            header: &["NAME", "CREATED AT"],
            wide_header: &[],
            rows: rows(&|o| (vec![name(o), text(o, "/metadata/creationTimestamp")], vec![])),
        },
        _ => Columns {
            header: &["NAME", "AGE"],
            wide_header: &[],
            rows: rows(&|o| (vec![name(o), age_of(o, "/metadata/creationTimestamp", now)], vec![])),
        },
    }
}

fn access_modes(modes: Option<&Value>) -> String {
    let modes: Vec<String> = modes
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    access_modes_text(&modes)
}

/// Access modes as kubectl abbreviates them, in its fixed order (`GetAccessModesAsString`).
pub fn access_modes_text(modes: &[String]) -> String {
    [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(mode, _)| modes.iter().any(|m| m == mode))
    .map(|(_, short)| *short)
    .collect::<Vec<_>>()
    .join(",")
}

/// The table `kubectl get` prints for `objects` of `kind`.
pub fn table(kind: &str, objects: &[Value], now: SimTime, options: &TableOptions) -> Table {
    let columns = columns(kind, objects, now);
    let strings = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
    decorate(strings(columns.header), strings(columns.wide_header), columns.rows, objects, options)
}

/// The table of a custom resource: NAME, then its CRD's `additionalPrinterColumns` (those with
/// a priority above 0 only with `-o wide`); NAME and AGE when it declares none.
pub fn custom_table(
    printer_columns: &[CustomResourceColumnDefinition],
    objects: &[Value],
    now: SimTime,
    options: &TableOptions,
) -> Table {
    if printer_columns.is_empty() {
        return table("", objects, now, options);
    }
    let (standard, wide): (Vec<_>, Vec<_>) =
        printer_columns.iter().partition(|c| c.priority.unwrap_or(0) == 0);
    let header = |columns: &[&CustomResourceColumnDefinition]| {
        columns.iter().map(|c| c.name.to_uppercase()).collect::<Vec<String>>()
    };
    let cells = |object: &Value, columns: &[&CustomResourceColumnDefinition]| {
        columns.iter().map(|column| printer_cell(column, object, now)).collect::<Vec<String>>()
    };
    let rows = objects
        .iter()
        .map(|o| {
            let mut first = vec![name(o)];
            first.extend(cells(o, &standard));
            (first, cells(o, &wide))
        })
        .collect();
    let mut names = vec!["NAME".to_string()];
    names.extend(header(&standard));
    decorate(names, header(&wide), rows, objects, options)
}

/// One cell of a printer column: the value its JSONPath selects, formatted by its type.
fn printer_cell(column: &CustomResourceColumnDefinition, object: &Value, now: SimTime) -> String {
    let values = jsonpath::select(&column.json_path, object).unwrap_or_default();
    let Some(value) = values.first().filter(|v| !v.is_null()) else {
        return "<none>".to_string();
    };
    match (column.type_.as_str(), value) {
        ("date", Value::String(_)) => age_of(value, "", now),
        (_, Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}

/// Adds what the options ask for around a kind's own columns: NAMESPACE, the wide columns,
/// label columns and LABELS.
fn decorate(
    own_header: Vec<String>,
    wide_header: Vec<String>,
    rows: Vec<Cells>,
    objects: &[Value],
    options: &TableOptions,
) -> Table {
    let mut header: Vec<String> = Vec::new();
    if options.with_namespace {
        header.push("NAMESPACE".into());
    }
    header.extend(own_header);
    if options.wide {
        header.extend(wide_header);
    }
    header.extend(
        options
            .label_columns
            .iter()
            .map(|key| key.rsplit('/').next().unwrap_or(key).to_uppercase()),
    );
    if options.show_labels {
        header.push("LABELS".into());
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = Table::new(&header_refs);
    for (object, (mut cells, wide_cells)) in objects.iter().zip(rows) {
        if let Some(prefix) = &options.name_prefix {
            cells[0] = format!("{prefix}{}", cells[0]);
        }
        let mut row = Vec::new();
        if options.with_namespace {
            row.push(text(object, "/metadata/namespace"));
        }
        row.extend(cells);
        if options.wide {
            row.extend(wide_cells);
        }
        let labels: BTreeMap<String, String> = object
            .pointer("/metadata/labels")
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .unwrap_or_default();
        for key in &options.label_columns {
            row.push(labels.get(key).cloned().unwrap_or_default());
        }
        if options.show_labels {
            let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
            row.push(or_none(pairs.join(",")));
        }
        table.row(row);
    }
    table
}

/// A volume's or claim's phase, or `Terminating` once it is being deleted (kubectl's printers
/// for both).
fn phase_or_terminating(o: &Value) -> String {
    if o.pointer("/metadata/deletionTimestamp").is_some() {
        "Terminating".to_string()
    } else {
        text(o, "/status/phase")
    }
}

/// kubectl's `listWithMoreString`: three items, then `+ N more...`; `<unset>` for none.
fn list_with_more(items: &[String]) -> String {
    match items.len() {
        0 => "<unset>".to_string(),
        n if n > 3 => format!("{} + {} more...", items[..3].join(","), n - 3),
        _ => items.join(","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hpa_targets_read_like_kubectl() {
        let utilization = |current: Value| {
            json!({
                "spec": {"metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]},
                "status": {"currentMetrics": current}
            })
        };
        let cases = [
            ("no sample yet", utilization(json!([])), "cpu: <unknown>/50%"),
            (
                "a sample",
                utilization(
                    json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 250, "averageValue": "500m"}}}]),
                ),
                "cpu: 250%/50%",
            ),
            (
                "an average value target",
                json!({"spec": {"metrics": [{"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "100Mi"}}}]}}),
                "memory: <unknown>/100Mi",
            ),
            ("no metrics", json!({"spec": {}}), "<none>"),
        ];
        for (name, hpa, want) in cases {
            assert_eq!(hpa_targets(&hpa), want, "{name}");
        }
    }
}
