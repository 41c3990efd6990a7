//! `kubectl expose`: a Service for a pod, deployment, replica set, replication controller or
//! Service, with its selector, ports and protocols read from the object (as kubectl's
//! polymorphic helpers read them) unless flags say otherwise.

use super::flags::{Flag, Parsed};
use super::label::targets;
use super::{CommandDef, CommandError, CommandResult, DryRun, Invocation, OutputFormat, print};
use crate::api::kinds;
use k8s_openapi::api::core::v1::{ContainerPort, Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

pub const DEF: CommandDef = CommandDef {
    long: "Expose a resource as a new Kubernetes service.\n\n Looks up a deployment, service, replica set, replication controller or pod by name and uses the selector for that resource as the selector for a new service on the specified port. A deployment or replica set will be exposed as a service only if its selector is convertible to a selector that service supports, i.e. when the selector contains only the matchLabels component. Note that if no port is specified via --port and the exposed resource has multiple ports, all will be re-used by the new service. Also if no labels are specified, the new service will re-use the labels from the resource it exposes.\n\n Possible resources include (case insensitive):\n\n pod (po), service (svc), replicationcontroller (rc), deployment (deploy), replicaset (rs)",
    examples: "  # Create a service for a replicated nginx, which serves on port 80 and connects to the containers on port 8000\n  kubectl expose rc nginx --port=80 --target-port=8000\n\n  # Create a service for a pod valid-pod, which serves on port 444 with the name \"frontend\"\n  kubectl expose pod valid-pod --port=444 --name=frontend\n\n  # Create a service for an nginx deployment, which serves on port 80 and connects to the containers on port 8000\n  kubectl expose deployment nginx --port=80 --target-port=8000",
    usage: "kubectl expose (-f FILENAME | TYPE NAME) [--port=port] [--protocol=TCP|UDP|SCTP] [--target-port=number-or-name] [--name=name] [--external-ip=external-ip-of-service] [--type=type]",
    flags: &[
        Flag::value(
            "cluster-ip",
            None,
            "''",
            "ClusterIP to be assigned to the service. Leave empty to auto-allocate, or set to 'None' to create a headless service.",
        ),
        Flag::value(
            "dry-run",
            None,
            "'none'",
            "Must be \"none\", \"server\", or \"client\". If client strategy, only print the object that would be sent, without sending it. If server strategy, submit server-side request without persisting the resource.",
        ),
        Flag::value(
            "external-ip",
            None,
            "''",
            "Additional external IP address (not managed by Kubernetes) to accept for the service. If this IP is routed to a node, the service can be accessed by this IP in addition to its generated service IP.",
        ),
        Flag::values(
            "filename",
            Some('f'),
            "Filename, directory, or URL to files identifying the resource to expose a service",
        ),
        Flag::value(
            "labels",
            Some('l'),
            "''",
            "Labels to apply to the service created by this call.",
        ),
        Flag::value(
            "load-balancer-ip",
            None,
            "''",
            "IP to assign to the LoadBalancer. If empty, an ephemeral IP will be created and used (cloud-provider specific).",
        ),
        Flag::value("name", None, "''", "The name for the newly created object."),
        Flag::value(
            "output",
            Some('o'),
            "''",
            "Output format. One of: (json, yaml, name, go-template, go-template-file, template, templatefile, jsonpath, jsonpath-as-json, jsonpath-file).",
        ),
        Flag::value(
            "port",
            None,
            "''",
            "The port that the service should serve on. Copied from the resource being exposed, if unspecified",
        ),
        Flag::value(
            "protocol",
            None,
            "''",
            "The network protocol for the service to be created. Default is 'TCP'.",
        ),
        Flag::value(
            "selector",
            None,
            "''",
            "A label selector to use for this service. Only equality-based selector requirements are supported. If empty (the default) infer the selector from the replication controller or replica set.)",
        ),
        Flag::value(
            "session-affinity",
            None,
            "''",
            "If non-empty, set the session affinity for the service to this; legal values: 'None', 'ClientIP'",
        ),
        Flag::value(
            "target-port",
            None,
            "''",
            "Name or number for the port on the container that the service should direct traffic to. Optional.",
        ),
        Flag::value(
            "type",
            None,
            "''",
            "Type for this service: ClusterIP, NodePort, LoadBalancer, or ExternalName. Default is 'ClusterIP'.",
        ),
    ],
    required: &[],
    subcommands: &[],
};

/// The kinds `CanBeExposed` accepts.
const EXPOSABLE: &[&str] = &["Pod", "Service", "ReplicationController", "Deployment", "ReplicaSet"];

pub fn run(parsed: &Parsed, inv: &mut Invocation<'_>) -> CommandResult {
    let dry_run = DryRun::from_flags(parsed)?;
    let format = OutputFormat::from_flags(parsed, false)?;
    let flag = |name: &str| parsed.value(name).filter(|v| !v.is_empty()).map(str::to_string);
    let args: Vec<&String> = parsed.args.iter().collect();
    for (kind, namespace, name) in targets(parsed, inv, &args)? {
        if !EXPOSABLE.contains(&kind.kind()) {
            let group = kind.api_version().split_once('/').map(|(g, _)| g);
            let kind_name = match group {
                Some(group) => format!("{}.{group}", kind.kind()),
                None => kind.kind().to_string(),
            };
            return Err(CommandError::Plain(format!("cannot expose a {kind_name}")));
        }
        let object = kind.get(inv.sim.api(), &namespace, &name).map_err(CommandError::Api)?;
        let selector = match flag("selector") {
            Some(text) => parse_labels(&text)?,
            None => selector_of(kind.kind(), &object).map_err(|why| {
                CommandError::Plain(format!(
                    "couldn't retrieve selectors via --selector flag or introspection: {why}"
                ))
            })?,
        };
        let headless = flag("cluster-ip").as_deref() == Some("None");
        let introspected = ports_of(kind.kind(), &object);
        let ports: Vec<(i32, String)> = match flag("port") {
            Some(port) => {
                let number: i32 = port.parse().map_err(|_| {
                    CommandError::Plain(format!("strconv.Atoi: parsing {port:?}: invalid syntax"))
                })?;
                let protocol = introspected
                    .iter()
                    .find(|(p, _)| *p == number)
                    .map_or("TCP".to_string(), |(_, proto)| proto.clone());
                vec![(number, protocol)]
            }
            None if introspected.is_empty() && !headless => {
                return Err(CommandError::Plain(
                    "couldn't find port via --port flag or introspection".into(),
                ));
            }
            None => introspected,
        };
        let many = ports.len() > 1;
        let target_port = flag("target-port").map(|t| match t.parse::<i32>() {
            Ok(number) => IntOrString::Int(number),
            Err(_) => IntOrString::String(t),
        });
        let service_ports: Vec<ServicePort> = ports
            .iter()
            .enumerate()
            .map(|(i, (port, protocol))| ServicePort {
                name: many.then(|| format!("port-{}", i + 1)),
                port: *port,
                protocol: Some(flag("protocol").unwrap_or_else(|| protocol.clone())),
                target_port: Some(target_port.clone().unwrap_or(IntOrString::Int(*port))),
                ..Default::default()
            })
            .collect();
        let labels = match flag("labels") {
            Some(text) => Some(parse_labels(&text)?),
            None => object
                .pointer("/metadata/labels")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .filter(|m: &BTreeMap<String, String>| !m.is_empty()),
        };
        let session_affinity = match flag("session-affinity").as_deref() {
            None => None,
            Some(value @ ("None" | "ClientIP")) => Some(value.to_string()),
            Some(other) => {
                return Err(CommandError::Plain(format!("unknown session affinity: {other}")));
            }
        };
        let service_type = flag("type");
        let service_name: String =
            flag("name").unwrap_or_else(|| name.chars().take(63).collect::<String>());
        let mut service = Service {
            metadata: ObjectMeta { name: Some(service_name.clone()), labels, ..Default::default() },
            spec: Some(ServiceSpec {
                selector: Some(selector),
                ports: (!service_ports.is_empty()).then_some(service_ports),
                external_ips: flag("external-ip").map(|ip| vec![ip]),
                load_balancer_ip: flag("load-balancer-ip")
                    .filter(|_| service_type.as_deref() == Some("LoadBalancer")),
                type_: service_type,
                session_affinity,
                cluster_ip: flag("cluster-ip"),
                ..Default::default()
            }),
            status: None,
        };
        if dry_run != DryRun::Client {
            service.metadata.namespace = Some(namespace.clone());
        }
        let value =
            serde_json::to_value(&service).map_err(|e| CommandError::Plain(e.to_string()))?;
        let service_kind = kinds::of::<Service>();
        let created = match dry_run {
            DryRun::Client => value,
            DryRun::Server => {
                service_kind.create(&mut inv.sim.api().clone(), value).map_err(CommandError::Api)?
            }
            DryRun::None => {
                inv.sim.submit(|api| service_kind.create(api, value)).map_err(CommandError::Api)?
            }
        };
        print::result(inv.out, &format, service_kind, &service_name, &created, "exposed", dry_run);
    }
    Ok(0)
}

/// `MapBasedSelectorForObject`: a pod's labels, a controller's (matchLabels-only) selector, a
/// Service's selector.
fn selector_of(kind: &str, object: &Value) -> Result<BTreeMap<String, String>, String> {
    let as_map = |value: Option<&Value>| -> BTreeMap<String, String> {
        value
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    match kind {
        "Pod" => {
            let labels = as_map(object.pointer("/metadata/labels"));
            if labels.is_empty() {
                return Err("the pod has no labels and cannot be exposed".into());
            }
            Ok(labels)
        }
        "Service" => {
            let selector = as_map(object.pointer("/spec/selector"));
            if selector.is_empty() {
                return Err("the service has no pod selector set".into());
            }
            Ok(selector)
        }
        "ReplicationController" => Ok(as_map(object.pointer("/spec/selector"))),
        _ => {
            if let Some(expressions) = object
                .pointer("/spec/selector/matchExpressions")
                .and_then(Value::as_array)
                .filter(|e| !e.is_empty())
            {
                return Err(format!(
                    "couldn't convert expressions - \"{}\" to map-based selector format",
                    serde_json::to_string(expressions).unwrap_or_default()
                ));
            }
            Ok(as_map(object.pointer("/spec/selector/matchLabels")))
        }
    }
}

/// `PortsForObject` with `MultiProtocolsForObject`: the container ports of the pod (or pod
/// template), or a Service's ports, with their protocols.
fn ports_of(kind: &str, object: &Value) -> Vec<(i32, String)> {
    if kind == "Service" {
        return object
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                let port = p.get("port")?.as_i64()? as i32;
                let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("TCP");
                Some((port, protocol.to_string()))
            })
            .collect();
    }
    let spec =
        if kind == "Pod" { object.pointer("/spec") } else { object.pointer("/spec/template/spec") };
    spec.and_then(|s| s.get("containers"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|c| c.get("ports").and_then(Value::as_array).cloned().unwrap_or_default())
        .filter_map(|p| ContainerPort::deserialize(&p).ok())
        .map(|p| (p.container_port, p.protocol.unwrap_or_else(|| "TCP".into())))
        .collect()
}

/// kubectl's `parseLabels`: `k=v,k2=v2`.
fn parse_labels(text: &str) -> Result<BTreeMap<String, String>, CommandError> {
    let mut labels = BTreeMap::new();
    for pair in text.split(',') {
        let parts: Vec<&str> = pair.split('=').collect();
        let [key, value] = parts.as_slice() else {
            return Err(CommandError::Plain(format!("unexpected label spec: {pair}")));
        };
        if key.is_empty() {
            return Err(CommandError::Plain("unexpected empty label key".into()));
        }
        labels.insert(key.to_string(), value.to_string());
    }
    Ok(labels)
}
