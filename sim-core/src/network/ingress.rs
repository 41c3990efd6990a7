//! The ingress-nginx controller's data path: a request that reaches one of its pods on port 80
//! or 443 is matched against the Ingresses of class `nginx` — host (exact, then `*.` wildcard,
//! then rules without a host), then path (Exact before Prefix on equal length, the longest
//! match; Prefix element-wise on `/`, ImplementationSpecific as nginx's plain prefix) — and
//! proxied to a ready endpoint of the backend Service, round robin as ingress-nginx's balancer
//! does (straight to the pod, not through the Service's cluster IP). No match: the default
//! backend, else nginx's 404 page.

use super::Network;
use super::request::Hop;
use crate::api::ApiServer;
use crate::container::net::{Connection, HttpRequest};
use k8s_openapi::api::core::v1::Service;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use k8s_openapi::api::networking::v1::{
    Ingress, IngressBackend, IngressClass, IngressServiceBackend,
};

/// The controller image whose pods answer for Ingresses.
pub const CONTROLLER_IMAGE: &str = "registry.k8s.io/ingress-nginx/controller";
/// The IngressClass controller name ingress-nginx claims.
pub const CONTROLLER_NAME: &str = "k8s.io/ingress-nginx";
const DEFAULT_CLASS_ANNOTATION: &str = "ingressclass.kubernetes.io/is-default-class";

/// Whether a container image is the ingress-nginx controller.
pub fn is_controller_image(image: &str) -> bool {
    image.split(['@']).next().is_some_and(|i| {
        i.rsplit_once(':').map_or(i, |(repo, tag)| if tag.contains('/') { i } else { repo })
            == CONTROLLER_IMAGE
    })
}

/// The ingress-nginx controller pod (`NAMESPACE/NAME`) and its node at `ip`, if one is there.
pub fn controller_at(api: &ApiServer, ip: &str) -> Option<(String, String)> {
    api.list::<k8s_openapi::api::core::v1::Pod>(None).find_map(|pod| {
        if crate::controllers::endpoints::pod_ip(pod) != Some(ip) {
            return None;
        }
        let spec = pod.spec.as_ref()?;
        spec.containers.iter().any(|c| c.image.as_deref().is_some_and(is_controller_image)).then(
            || {
                (
                    format!("{}/{}", crate::podutil::namespace(pod), crate::podutil::name(pod)),
                    crate::podutil::node_name(pod).unwrap_or_default().to_string(),
                )
            },
        )
    })
}

/// What one Ingress rule sends a request to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub ingress: String,
    pub namespace: String,
    pub service: String,
    pub port: ServicePortRef,
    /// The path that matched (`/` for a default backend).
    pub path: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServicePortRef {
    Number(i32),
    Name(String),
}

/// Whether ingress-nginx (class `nginx`) takes this Ingress: its class, the legacy annotation,
/// or no class while the `nginx` IngressClass is the cluster's default.
fn is_ours(ingress: &Ingress, api: &ApiServer) -> bool {
    let class = ingress.spec.as_ref().and_then(|s| s.ingress_class_name.as_deref()).or_else(|| {
        ingress
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("kubernetes.io/ingress.class"))
            .map(String::as_str)
    });
    let ours = |name: &str| {
        api.get::<IngressClass>("", name).is_ok_and(|c| {
            c.spec.as_ref().and_then(|s| s.controller.as_deref()) == Some(CONTROLLER_NAME)
        })
    };
    match class {
        Some(name) => ours(name),
        None => api.list::<IngressClass>(None).any(|c| {
            c.spec.as_ref().and_then(|s| s.controller.as_deref()) == Some(CONTROLLER_NAME)
                && c.metadata.annotations.as_ref().and_then(|a| a.get(DEFAULT_CLASS_ANNOTATION))
                    == Some(&"true".to_string())
        }),
    }
}

/// The Ingresses ingress-nginx serves, oldest first (as it orders conflicting rules).
pub fn served(api: &ApiServer) -> Vec<&Ingress> {
    let mut list: Vec<&Ingress> = api.list::<Ingress>(None).filter(|i| is_ours(i, api)).collect();
    crate::sort::sort_by_key(&mut list, |i| {
        (i.metadata.creation_timestamp.as_ref().map(|t| t.0), i.metadata.uid.clone())
    });
    list
}

/// How well a rule's host fits the request's: exact beats wildcard beats none.
fn host_rank(rule_host: Option<&str>, host: &str) -> Option<u8> {
    match rule_host.filter(|h| !h.is_empty()) {
        None => Some(0),
        Some(h) if h.eq_ignore_ascii_case(host) => Some(2),
        Some(h) => {
            let suffix = h.strip_prefix("*.")?;
            let (label, rest) = host.split_once('.')?;
            (!label.is_empty() && rest.eq_ignore_ascii_case(suffix)).then_some(1)
        }
    }
}

/// Whether a path of `path_type` matches the request path, and how long the match is.
pub fn path_match(path_type: &str, path: &str, request: &str) -> bool {
    match path_type {
        "Exact" => request == path,
        "Prefix" => {
            // Element-wise: `/foo` matches `/foo` and `/foo/bar`, not `/foobar`.
            let path = path.trim_end_matches('/');
            path.is_empty()
                || request == path
                || request.strip_prefix(path).is_some_and(|rest| rest.starts_with('/'))
        }
        // ingress-nginx writes `location PATH`: nginx's plain string prefix.
        _ => request.starts_with(path),
    }
}

fn service_backend(backend: &IngressBackend) -> Option<&IngressServiceBackend> {
    backend.service.as_ref()
}

fn route_to(ingress: &Ingress, backend: &IngressServiceBackend, path: &str) -> Route {
    let port = backend.port.as_ref();
    Route {
        ingress: ingress.metadata.name.clone().unwrap_or_default(),
        namespace: ingress.metadata.namespace.clone().unwrap_or_default(),
        service: backend.name.clone(),
        port: match port.and_then(|p| p.name.clone()).filter(|n| !n.is_empty()) {
            Some(name) => ServicePortRef::Name(name),
            None => ServicePortRef::Number(port.and_then(|p| p.number).unwrap_or(80)),
        },
        path: path.to_string(),
    }
}

/// The backend for `host` and `path` among `ingresses`: the best host first, then the longest
/// path (Exact before Prefix on a tie); else a default backend.
pub fn find_route(ingresses: &[&Ingress], host: &str, path: &str) -> Option<Route> {
    let host = host.split(':').next().unwrap_or(host);
    let path = path.split('?').next().unwrap_or(path);
    let best_host = ingresses
        .iter()
        .flat_map(|i| i.spec.iter().flat_map(|s| s.rules.iter().flatten()))
        .filter_map(|r| host_rank(r.host.as_deref(), host))
        .max();
    // (length, exact, route)
    let mut best: Option<(usize, bool, Route)> = None;
    if let Some(rank) = best_host {
        for ingress in ingresses {
            let rules = ingress.spec.iter().flat_map(|s| s.rules.iter().flatten());
            for rule in rules.filter(|r| host_rank(r.host.as_deref(), host) == Some(rank)) {
                for p in rule.http.iter().flat_map(|h| &h.paths) {
                    let rule_path = p.path.as_deref().unwrap_or("/");
                    if !path_match(&p.path_type, rule_path, path) {
                        continue;
                    }
                    let Some(backend) = service_backend(&p.backend) else { continue };
                    let key = (rule_path.len(), p.path_type == "Exact");
                    if best.as_ref().is_none_or(|(len, exact, _)| key > (*len, *exact)) {
                        best = Some((key.0, key.1, route_to(ingress, backend, rule_path)));
                    }
                }
            }
        }
    }
    if let Some((_, _, route)) = best {
        return Some(route);
    }
    ingresses.iter().find_map(|ingress| {
        let backend = ingress.spec.as_ref()?.default_backend.as_ref()?;
        Some(route_to(ingress, service_backend(backend)?, "/"))
    })
}

/// Whether the Ingresses list `host` under TLS (ingress-nginx then redirects plain HTTP).
fn tls_host(ingresses: &[&Ingress], host: &str) -> bool {
    let host = host.split(':').next().unwrap_or(host);
    ingresses
        .iter()
        .flat_map(|i| i.spec.iter().flat_map(|s| s.tls.iter().flatten()))
        .any(|t| t.hosts.iter().flatten().any(|h| host_rank(Some(h), host).is_some_and(|r| r > 0)))
}

/// nginx's own error pages, as ingress-nginx serves them.
pub fn nginx_page(status: u16) -> String {
    let title = match status {
        308 => "308 Permanent Redirect",
        503 => "503 Service Temporarily Unavailable",
        _ => "404 Not Found",
    };
    format!(
        "<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
}

impl Network {
    /// A request an ingress-nginx pod received on `port` (80 or 443): routed by its Host
    /// header and path to a pod of the backend Service.
    pub(super) fn ingress_proxy(
        &mut self,
        api: &ApiServer,
        controller: &str,
        node: &str,
        request: Option<&HttpRequest>,
        hops: &mut Vec<Hop>,
    ) -> (Connection, Option<String>) {
        let Some(request) = request else {
            return (Connection::Connected { ip: String::new() }, None);
        };
        let ingresses = served(api);
        let answer = |status: u16| Connection::Answered {
            ip: String::new(),
            status,
            body: nginx_page(status),
        };
        if !request.https && tls_host(&ingresses, &request.host) {
            hops.push(Hop {
                kind: "ingress".into(),
                at: node.into(),
                detail: format!("{controller}: {} is TLS: 308 to https", request.host),
            });
            return (answer(308), Some(controller.to_string()));
        }
        let Some(route) = find_route(&ingresses, &request.host, &request.path) else {
            hops.push(Hop {
                kind: "ingress".into(),
                at: node.into(),
                detail: format!("{controller}: no rule for {}{}: 404", request.host, request.path),
            });
            return (answer(404), Some(controller.to_string()));
        };
        hops.push(Hop {
            kind: "ingress".into(),
            at: node.into(),
            detail: format!(
                "{controller}: ingress {}/{} {}{} → service {}",
                route.namespace, route.ingress, request.host, route.path, route.service
            ),
        });
        let Some((ip, port)) = self.ingress_endpoint(api, &route) else {
            return (answer(503), Some(controller.to_string()));
        };
        hops.push(Hop {
            kind: "service".into(),
            at: node.into(),
            detail: format!("{}/{} endpoint {ip}:{port}", route.namespace, route.service),
        });
        if controller_at(api, &ip).is_some() {
            // A backend that is the controller itself would loop until nginx gives up.
            return (answer(503), Some(controller.to_string()));
        }
        let (connection, served_by) =
            self.answer_at(api, "", &ip, port, Some(request), Some(node.to_string()), hops);
        match connection {
            Connection::Refused { .. } | Connection::TimedOut { .. } => {
                // nginx answers 502 when the upstream refuses; the lab shows its 503 page.
                (answer(503), Some(controller.to_string()))
            }
            other => (other, served_by),
        }
    }

    /// A ready endpoint of the route's Service port, taking turns.
    fn ingress_endpoint(&mut self, api: &ApiServer, route: &Route) -> Option<(String, u16)> {
        let service = api.get::<Service>(&route.namespace, &route.service).ok()?;
        let service_port =
            service.spec.as_ref()?.ports.iter().flatten().find(|p| match &route.port {
                ServicePortRef::Number(n) => p.port == *n,
                ServicePortRef::Name(name) => p.name.as_deref() == Some(name.as_str()),
            })?;
        let port_name = service_port.name.clone().unwrap_or_default();
        let mut endpoints: Vec<(String, u16)> = Vec::new();
        for slice in api.list::<EndpointSlice>(Some(&route.namespace)).filter(|s| {
            s.metadata.labels.as_ref().and_then(|l| l.get("kubernetes.io/service-name"))
                == Some(&route.service)
        }) {
            let Some(port) = slice
                .ports
                .iter()
                .flatten()
                .find(|p| p.name.clone().unwrap_or_default() == port_name)
                .and_then(|p| p.port)
            else {
                continue;
            };
            for endpoint in &slice.endpoints {
                let ready = endpoint.conditions.as_ref().and_then(|c| c.ready).unwrap_or(true);
                if let (true, Some(ip)) = (ready, endpoint.addresses.first()) {
                    endpoints.push((ip.clone(), u16::try_from(port).unwrap_or(0)));
                }
            }
        }
        if endpoints.is_empty() {
            return None;
        }
        crate::sort::sort(&mut endpoints);
        let key = format!("{}/{}:{port_name}", route.namespace, route.service);
        let turn = self.ingress_turns.entry(key).or_default();
        let chosen = endpoints[*turn % endpoints.len()].clone();
        *turn += 1;
        Some(chosen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ingress(spec: serde_json::Value) -> Ingress {
        serde_json::from_value(
            json!({"metadata": {"name": "i", "namespace": "default"}, "spec": spec}),
        )
        .unwrap()
    }

    fn path(kind: &str, path: &str, service: &str) -> serde_json::Value {
        json!({"path": path, "pathType": kind, "backend": {"service": {"name": service, "port": {"number": 80}}}})
    }

    #[test]
    fn prefix_matches_element_wise() {
        assert!(path_match("Prefix", "/foo", "/foo"));
        assert!(path_match("Prefix", "/foo", "/foo/bar"));
        assert!(path_match("Prefix", "/foo/", "/foo"));
        assert!(!path_match("Prefix", "/foo", "/foobar"));
        assert!(path_match("Prefix", "/", "/anything"));
        assert!(path_match("Exact", "/foo", "/foo"));
        assert!(!path_match("Exact", "/foo", "/foo/"));
        assert!(path_match("ImplementationSpecific", "/foo", "/foobar"));
    }

    #[test]
    fn longest_path_wins_and_exact_beats_prefix() {
        let i = ingress(json!({"rules": [{"host": "foo.bar.com", "http": {"paths": [
            path("Prefix", "/", "root"), path("Prefix", "/app", "app-prefix"),
            path("Exact", "/app", "app-exact"), path("Prefix", "/app/v2", "v2")]}}]}));
        let service = |host: &str, p: &str| find_route(&[&i], host, p).map(|r| r.service);
        assert_eq!(service("foo.bar.com", "/app").as_deref(), Some("app-exact"));
        assert_eq!(service("foo.bar.com", "/app/x").as_deref(), Some("app-prefix"));
        assert_eq!(service("foo.bar.com", "/app/v2/y").as_deref(), Some("v2"));
        assert_eq!(service("foo.bar.com", "/apple").as_deref(), Some("root"));
        assert_eq!(service("other.com", "/app"), None);
    }

    #[test]
    fn hosts_exact_then_wildcard_then_none_then_default_backend() {
        let i = ingress(json!({
            "defaultBackend": {"service": {"name": "fallback", "port": {"number": 80}}},
            "rules": [
                {"host": "foo.bar.com", "http": {"paths": [path("Prefix", "/", "exact")]}},
                {"host": "*.bar.com", "http": {"paths": [path("Prefix", "/", "wild")]}},
                {"http": {"paths": [path("Exact", "/only", "any-host")]}}]}));
        let service = |host: &str, p: &str| find_route(&[&i], host, p).map(|r| r.service);
        assert_eq!(service("foo.bar.com", "/").as_deref(), Some("exact"));
        assert_eq!(service("baz.bar.com:30080", "/x").as_deref(), Some("wild"));
        assert_eq!(service("a.b.bar.com", "/only").as_deref(), Some("any-host"));
        assert_eq!(service("a.b.bar.com", "/x").as_deref(), Some("fallback"));
    }
}
