//! The API server's HTTPS door as a client in the cluster sees it: what `curl
//! https://kubernetes.default.svc/api` from a container gets back. The network model routes
//! requests for the `kubernetes` Service here. Bearer tokens authenticate (a request without
//! one is `system:anonymous`, as kubeadm leaves anonymous auth on; a bad one is 401), RBAC
//! authorizes (403 with the real Status), then the REST paths are served: discovery (`/api`,
//! `/apis`) and every stored kind's collection and objects (`GET` list and get, `POST`,
//! `DELETE`), in JSON as the server writes it for curl (indented).

use super::rbac::{Attributes, UserInfo};
use super::{ApiError, ApiServer, DeleteOptions, Deleted, KindRef};
use crate::time::SimTime;
use k8s_openapi::api::core::v1::Endpoints;
use serde::Serialize;
use serde_json::Value;

/// One HTTP request to the API server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRequest<'a> {
    /// `GET`, `POST`, `PUT`, `PATCH`, `DELETE`.
    pub method: &'a str,
    /// The path and query, e.g. `/api/v1/namespaces/default/pods?limit=1`.
    pub path: &'a str,
    /// The token of an `Authorization: Bearer` header.
    pub bearer_token: Option<&'a str>,
    pub body: Option<&'a str>,
}

/// The API server's answer: a status code and a JSON body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: String,
}

/// API groups in the order kube-apiserver lists them in `/apis`.
const GROUP_ORDER: &[&str] = &[
    "apps",
    "events.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "networking.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "apiextensions.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
];

/// What a REST path names: a collection or one object of a resource.
struct ResourcePath {
    group: String,
    version: String,
    resource: String,
    namespace: String,
    name: String,
    subresource: String,
}

impl ApiServer {
    /// Answers one request.
    pub fn serve_http(&mut self, _now: SimTime, request: &ApiRequest) -> ApiResponse {
        let user = match request.bearer_token {
            None => UserInfo::anonymous(),
            Some(token) => match self.authenticate(token) {
                Some(user) => user,
                None => return ApiResponse { status: 401, body: UNAUTHORIZED.to_string() },
            },
        };
        let raw_path = request.path.split(['?', '#']).next().unwrap_or_default();
        let path = if raw_path.len() > 1 { raw_path.trim_end_matches('/') } else { raw_path };
        let resource = parse_resource_path(path);
        let verb = match &resource {
            Some(r) => resource_verb(request.method, !r.name.is_empty()).to_string(),
            // Non-resource requests are authorized by the lower-case HTTP method.
            None => request.method.to_lowercase(),
        };
        let attributes = match &resource {
            Some(r) => Attributes::Resource {
                verb: verb.clone(),
                group: r.group.clone(),
                resource: r.resource.clone(),
                subresource: r.subresource.clone(),
                namespace: r.namespace.clone(),
                name: r.name.clone(),
            },
            None => Attributes::NonResource { verb: verb.clone(), path: raw_path.to_string() },
        };
        let decision = self.authorize(&user, &attributes);
        if !decision.allowed {
            let mut message = attributes.forbidden_message(&user);
            if !decision.reason.is_empty() {
                message = format!("{message}: {}", decision.reason);
            }
            let (group, kind, name) = match &resource {
                Some(r) => (r.group.as_str(), r.resource.as_str(), r.name.as_str()),
                None => ("", "", ""),
            };
            let qualified = super::kinds::qualify(kind, group);
            let message = match (kind, name) {
                ("", _) => format!("forbidden: {message}"),
                (_, "") => format!("{qualified} is forbidden: {message}"),
                _ => format!("{qualified} {name:?} is forbidden: {message}"),
            };
            let details = Details { name: name.into(), group: group.into(), kind: kind.into() };
            return status(403, "Forbidden", message, Some(details));
        }
        match resource {
            Some(resource) => self.serve_resource(request, &resource),
            None => self.serve_non_resource(request.method, path),
        }
    }

    fn serve_non_resource(&self, method: &str, path: &str) -> ApiResponse {
        if method != "GET" {
            return not_found();
        }
        match path {
            "/version" => ok(&crate::kubectl::version_info(crate::cluster::KUBERNETES_VERSION)),
            "/healthz" | "/livez" | "/readyz" => ApiResponse { status: 200, body: "ok".into() },
            "/api" => ok(&ApiVersions {
                kind: "APIVersions",
                versions: vec!["v1"],
                server_address_by_client_cidrs: vec![ServerAddress {
                    client_cidr: "0.0.0.0/0",
                    server_address: format!("{}:6443", self.advertise_address()),
                }],
            }),
            "/apis" => ok(&self.group_list()),
            _ => not_found(),
        }
    }

    /// The address the API server advertises: the `kubernetes` Service's endpoint.
    fn advertise_address(&self) -> String {
        let endpoints = self.get::<Endpoints>("default", "kubernetes").ok();
        let address = endpoints
            .and_then(|e| e.subsets.as_ref())
            .and_then(|s| s.first())
            .and_then(|s| s.addresses.as_ref())
            .and_then(|a| a.first());
        address.map(|a| a.ip.clone()).unwrap_or_default()
    }

    fn group_list(&self) -> GroupList {
        let mut groups: Vec<(String, String)> = Vec::new();
        for kind in self.kinds() {
            if let Some((group, version)) = kind.api_version().split_once('/')
                && !groups.iter().any(|(g, v)| g == group && v == version)
            {
                groups.push((group.to_string(), version.to_string()));
            }
        }
        let rank = |group: &str| GROUP_ORDER.iter().position(|g| *g == group).unwrap_or(usize::MAX);
        crate::sort::sort_by(&mut groups, |(a, _), (b, _)| rank(a).cmp(&rank(b)).then(a.cmp(b)));
        let mut list: Vec<Group> = Vec::new();
        for (group, version) in groups {
            let version = GroupVersion { group_version: format!("{group}/{version}"), version };
            match list.iter_mut().find(|g| g.name == group) {
                Some(found) => found.versions.push(version),
                None => list.push(Group {
                    name: group,
                    preferred_version: version.clone(),
                    versions: vec![version],
                }),
            }
        }
        GroupList { kind: "APIGroupList", api_version: "v1", groups: list }
    }

    fn serve_resource(&mut self, request: &ApiRequest, path: &ResourcePath) -> ApiResponse {
        let api_version = if path.group.is_empty() {
            path.version.clone()
        } else {
            format!("{}/{}", path.group, path.version)
        };
        let Some(kind) = self
            .kinds()
            .into_iter()
            .find(|k| k.plural() == path.resource && k.api_version() == api_version)
        else {
            return not_found();
        };
        if !path.subresource.is_empty() && path.subresource != "status" {
            return not_found();
        }
        let namespace = if kind.namespaced() { path.namespace.as_str() } else { "" };
        let result = match (request.method, path.name.is_empty()) {
            ("GET", true) => return ok(&self.list_of(&kind, namespace)),
            ("GET", false) => kind.get(self, namespace, &path.name).map(|o| (200, o)),
            ("POST", true) => self.create_from(&kind, namespace, request.body.unwrap_or_default()),
            ("DELETE", false) => kind
                .delete(self, namespace, &path.name, DeleteOptions::default())
                .map(|deleted| match deleted {
                    Deleted::Gone(object) | Deleted::Terminating(object) => (200, object),
                }),
            _ => {
                let message =
                    "the server does not allow this method on the requested resource".to_string();
                return status(405, "MethodNotAllowed", message, Some(Details::default()));
            }
        };
        match result {
            Ok((code, object)) => ApiResponse { status: code, body: pretty(&object) },
            Err(error) => error_status(&error, &path.resource, &path.group, &path.name),
        }
    }

    fn list_of(&self, kind: &KindRef, namespace: &str) -> ObjectList {
        let namespace = (!namespace.is_empty()).then_some(namespace);
        let items = kind
            .list(self, namespace)
            .into_iter()
            .map(|mut item| {
                // Items of a list carry no apiVersion and kind of their own.
                if let Some(map) = item.as_object_mut() {
                    map.remove("apiVersion");
                    map.remove("kind");
                }
                item
            })
            .collect();
        ObjectList {
            kind: format!("{}List", kind.kind()),
            api_version: kind.api_version().to_string(),
            metadata: ListMeta { resource_version: self.resource_version().to_string() },
            items,
        }
    }

    fn create_from(
        &mut self,
        kind: &KindRef,
        namespace: &str,
        body: &str,
    ) -> Result<(u16, Value), ApiError> {
        let mut object: Value =
            serde_json::from_str(body).or_else(|_| serde_yaml::from_str(body)).map_err(|e| {
                ApiError::BadRequest(format!(
                    "the body of the request was in an unknown format: {e}"
                ))
            })?;
        if kind.namespaced()
            && let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut)
        {
            match meta.get("namespace").and_then(Value::as_str) {
                Some(given) if given != namespace => {
                    return Err(ApiError::BadRequest(
                        "the namespace of the provided object does not match the namespace sent on the request".into(),
                    ));
                }
                _ => {
                    meta.insert("namespace".into(), Value::String(namespace.to_string()));
                }
            }
        }
        kind.decode(&object).map_err(ApiError::BadRequest)?;
        kind.create(self, object).map(|o| (201, o))
    }
}

/// The verb a resource request stands for (`GET` on a collection is `list`).
fn resource_verb(method: &str, named: bool) -> &'static str {
    match (method, named) {
        ("GET" | "HEAD", true) => "get",
        ("GET" | "HEAD", false) => "list",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        ("PATCH", _) => "patch",
        ("DELETE", true) => "delete",
        ("DELETE", false) => "deletecollection",
        _ => "",
    }
}

/// `/api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUBRESOURCE]]` and the same under
/// `/apis/GROUP/VERSION`; `None` for other paths (discovery, health, version).
fn parse_resource_path(path: &str) -> Option<ResourcePath> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, version, rest) = match parts.as_slice() {
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return None,
    };
    let (namespace, rest) = match rest {
        // `namespaces/NS` alone is the Namespace object itself.
        ["namespaces", namespace, rest @ ..] if !rest.is_empty() => (*namespace, rest),
        rest => ("", rest),
    };
    let (resource, name, subresource) = match rest {
        [resource] => (*resource, "", ""),
        [resource, name] => (*resource, *name, ""),
        [resource, name, subresource] => (*resource, *name, *subresource),
        _ => return None,
    };
    Some(ResourcePath {
        group: group.into(),
        version: version.into(),
        resource: resource.into(),
        namespace: namespace.into(),
        name: name.into(),
        subresource: subresource.into(),
    })
}

#[derive(Serialize)]
struct ApiVersions {
    kind: &'static str,
    versions: Vec<&'static str>,
    #[serde(rename = "serverAddressByClientCIDRs")]
    server_address_by_client_cidrs: Vec<ServerAddress>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ServerAddress {
    #[serde(rename = "clientCIDR")]
    client_cidr: &'static str,
    server_address: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupList {
    kind: &'static str,
    api_version: &'static str,
    groups: Vec<Group>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Group {
    name: String,
    versions: Vec<GroupVersion>,
    preferred_version: GroupVersion,
}

#[derive(Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct GroupVersion {
    group_version: String,
    version: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ObjectList {
    kind: String,
    api_version: String,
    metadata: ListMeta,
    items: Vec<Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListMeta {
    resource_version: String,
}

/// `metav1.Status`, fields in the order the server writes them.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    kind: &'static str,
    api_version: &'static str,
    metadata: Empty,
    status: &'static str,
    message: String,
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Details>,
    code: u16,
}

#[derive(Serialize)]
struct Empty {}

#[derive(Default, Serialize)]
struct Details {
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    group: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    kind: String,
}

/// JSON indented by two spaces: the server pretty-prints for curl and wget.
fn pretty<T: Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn ok<T: Serialize>(value: &T) -> ApiResponse {
    ApiResponse { status: 200, body: pretty(value) }
}

fn status(
    code: u16,
    reason: &'static str,
    message: String,
    details: Option<Details>,
) -> ApiResponse {
    ApiResponse {
        status: code,
        body: pretty(&Status {
            kind: "Status",
            api_version: "v1",
            metadata: Empty {},
            status: "Failure",
            message,
            reason,
            details,
            code,
        }),
    }
}

/// A path the server does not serve.
fn not_found() -> ApiResponse {
    let message = "the server could not find the requested resource".to_string();
    status(404, "NotFound", message, Some(Details::default()))
}

fn error_status(error: &ApiError, resource: &str, group: &str, name: &str) -> ApiResponse {
    let code = match error {
        ApiError::NotFound { .. } => 404,
        ApiError::AlreadyExists { .. } | ApiError::Conflict { .. } => 409,
        ApiError::Invalid { .. } => 422,
        ApiError::BadRequest(_) => 400,
        ApiError::Forbidden(_) => 403,
        ApiError::TooManyRequests(_) => 429,
        ApiError::InternalError(_) => 500,
    };
    let details = match error {
        ApiError::BadRequest(_) | ApiError::InternalError(_) => None,
        _ => Some(Details { name: name.into(), group: group.into(), kind: resource.into() }),
    };
    status(code, error.reason(), error.to_string(), details)
}

/// kube-apiserver's body for a request it could not authenticate.
const UNAUTHORIZED: &str = r#"{
  "kind": "Status",
  "apiVersion": "v1",
  "metadata": {},
  "status": "Failure",
  "message": "Unauthorized",
  "reason": "Unauthorized",
  "code": 401
}"#;

#[cfg(test)]
mod tests;
