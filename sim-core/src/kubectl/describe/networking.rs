//! `kubectl describe ingress` (`describeIngressV1`): address, class, default backend, TLS, the
//! rules as a Host/Path/Backends table with each backend's endpoints, annotations.

use super::{SKIPPED_ANNOTATIONS, Writer, format_endpoint_slices, text};
use crate::api::ApiServer;
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use serde_json::Value;

pub(super) fn describe_ingress(w: &mut Writer, api: &ApiServer, object: &Value) {
    let namespace = text(object, "/metadata/namespace");
    w.line(0, format!("Name:\t{}", text(object, "/metadata/name")));
    w.map(0, "Labels", object.pointer("/metadata/labels"), &[]);
    w.line(0, format!("Namespace:\t{namespace}"));
    let addresses: Vec<String> = object
        .pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|i| i.get("ip").or_else(|| i.get("hostname")).and_then(Value::as_str))
        .map(str::to_string)
        .collect();
    w.line(0, format!("Address:\t{}", addresses.join(",")));
    let class = object.pointer("/spec/ingressClassName").and_then(Value::as_str);
    w.line(0, format!("Ingress Class:\t{}", class.unwrap_or("<none>")));
    let default = match object.pointer("/spec/defaultBackend") {
        Some(backend) => describe_backend(api, &namespace, backend),
        None => "<default>".to_string(),
    };
    w.line(0, format!("Default backend:\t{default}"));
    if let Some(tls) =
        object.pointer("/spec/tls").and_then(Value::as_array).filter(|t| !t.is_empty())
    {
        w.line(0, "TLS:");
        for entry in tls {
            let hosts: Vec<&str> = entry
                .get("hosts")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            match entry.get("secretName").and_then(Value::as_str).filter(|s| !s.is_empty()) {
                Some(secret) => w.line(1, format!("{secret} terminates {}", hosts.join(","))),
                None => w.line(1, format!("SNI routes {}", hosts.join(","))),
            }
        }
    }
    w.line(0, "Rules:");
    w.line(1, "Host\tPath\tBackends");
    w.line(1, "----\t----\t--------");
    let mut count = 0;
    for rule in object.pointer("/spec/rules").and_then(Value::as_array).into_iter().flatten() {
        let Some(http) = rule.get("http") else { continue };
        count += 1;
        let host = rule.get("host").and_then(Value::as_str).filter(|h| !h.is_empty());
        w.line(1, format!("{}\t", host.unwrap_or("*")));
        for path in http.get("paths").and_then(Value::as_array).into_iter().flatten() {
            let backend = path
                .get("backend")
                .map_or_else(String::new, |b| describe_backend(api, &namespace, b));
            w.line(2, format!("\t{} \t{backend}", text(path, "/path")));
        }
    }
    if count == 0 {
        w.line(1, format!("*\t*\t{default}"));
    }
    w.map(0, "Annotations", object.pointer("/metadata/annotations"), SKIPPED_ANNOTATIONS);
}

/// `web:8080 (10.244.1.3:8080)`: the backend and the endpoints of its Service port.
fn describe_backend(api: &ApiServer, namespace: &str, backend: &Value) -> String {
    let Some(service) = backend.get("service") else {
        let resource = backend.get("resource");
        let kind = resource.map(|r| text(r, "/kind")).unwrap_or_default();
        let name = resource.map(|r| text(r, "/name")).unwrap_or_default();
        return format!(
            "APIGroup: {}, Kind: {kind}, Name: {name}",
            resource.map(|r| text(r, "/apiGroup")).unwrap_or_default()
        );
    };
    let name = text(service, "/name");
    let number = service.pointer("/port/number").and_then(Value::as_i64).unwrap_or(0);
    let port_name = text(service, "/port/name");
    let shown =
        if number != 0 { format!("{name}:{number}") } else { format!("{name}:{port_name}") };
    let found = match api.get::<Service>(namespace, &name) {
        Ok(found) => found,
        Err(_) => return format!("{shown} (<error: services \"{name}\" not found>)"),
    };
    let mut service_port = String::new();
    for port in found.spec.iter().flat_map(|s| s.ports.iter().flatten()) {
        let port_name_here = port.name.clone().unwrap_or_default();
        if (number != 0 && i64::from(port.port) == number) || port_name == port_name_here {
            service_port = port_name_here;
        }
    }
    let slices: Vec<&EndpointSlice> = api
        .list::<EndpointSlice>(Some(namespace))
        .filter(|s| {
            s.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name"))
                == Some(&name)
        })
        .collect();
    format!("{shown} ({})", format_endpoint_slices(&slices, &service_port))
}
