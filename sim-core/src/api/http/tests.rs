use super::*;
use crate::api::rbac::bootstrap;
use crate::api::tokens::TokenRequest;
use crate::rng::Rng;
use k8s_openapi::api::core::v1::{Namespace, Pod, PodSpec, ServiceAccount};
use k8s_openapi::api::rbac::v1::{PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

fn meta(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.into()),
        namespace: namespace.map(str::to_string),
        ..Default::default()
    }
}

fn api() -> ApiServer {
    let mut api = ApiServer::new(SimTime::from_unix_ms(1_000_000), Rng::new(1));
    api.create(Namespace { metadata: meta("default", None), ..Default::default() }).unwrap();
    api.create(ServiceAccount { metadata: meta("default", Some("default")), ..Default::default() })
        .unwrap();
    bootstrap::create_all(&mut api);
    api
}

fn request(api: &mut ApiServer, method: &str, path: &str, token: Option<&str>) -> ApiResponse {
    let request = ApiRequest { method, path, bearer_token: token, body: None };
    api.serve_http(SimTime::from_unix_ms(1_000_000), &request)
}

fn token(api: &ApiServer) -> String {
    api.create_token(&TokenRequest {
        namespace: "default",
        service_account: "default",
        audiences: Vec::new(),
        expiration_seconds: 3600,
        pod: None,
    })
    .unwrap()
}

#[test]
fn anonymous_requests_reach_only_version_and_health() {
    let mut api = api();
    let version = request(&mut api, "GET", "/version", None);
    assert_eq!(version.status, 200, "{}", version.body);
    assert!(version.body.contains("\"gitVersion\": \"v1."), "{}", version.body);
    assert_eq!(request(&mut api, "GET", "/healthz", None).body, "ok");
    let pods = request(&mut api, "GET", "/api/v1/namespaces/default/pods", None);
    assert_eq!(pods.status, 403);
    assert!(
        pods.body.contains("User \\\"system:anonymous\\\" cannot list resource"),
        "{}",
        pods.body
    );
    let discovery = request(&mut api, "GET", "/api", None);
    assert_eq!(discovery.status, 403);
    assert!(
        discovery.body.contains(
            r#""message": "forbidden: User \"system:anonymous\" cannot get path \"/api\"""#
        )
    );
    assert!(discovery.body.contains("\"details\": {}"), "{}", discovery.body);
    let bad = request(&mut api, "GET", "/api", Some("not-a-token"));
    assert_eq!(bad.status, 401);
    assert!(bad.body.contains("\"reason\": \"Unauthorized\""));
}

#[test]
fn a_service_account_token_reads_what_rbac_allows() {
    let mut api = api();
    let token = token(&api);
    let discovery = request(&mut api, "GET", "/api", Some(&token));
    assert_eq!(discovery.status, 200);
    assert!(
        discovery
            .body
            .starts_with("{\n  \"kind\": \"APIVersions\",\n  \"versions\": [\n    \"v1\"\n  ]")
    );
    let groups = request(&mut api, "GET", "/apis", Some(&token));
    assert!(groups.body.contains("\"groupVersion\": \"apps/v1\""), "{}", groups.body);
    let denied = request(&mut api, "GET", "/api/v1/namespaces/default/pods", Some(&token));
    assert_eq!(denied.status, 403);
    assert_eq!(
        denied.body,
        r#"{
  "kind": "Status",
  "apiVersion": "v1",
  "metadata": {},
  "status": "Failure",
  "message": "pods is forbidden: User \"system:serviceaccount:default:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"",
  "reason": "Forbidden",
  "details": {
    "kind": "pods"
  },
  "code": 403
}"#
    );
    api.create(Role {
        metadata: meta("pod-reader", Some("default")),
        rules: Some(vec![PolicyRule {
            api_groups: Some(vec![String::new()]),
            resources: Some(vec!["pods".into()]),
            verbs: vec!["get".into(), "list".into()],
            ..Default::default()
        }]),
    })
    .unwrap();
    api.create(RoleBinding {
        metadata: meta("read-pods", Some("default")),
        role_ref: RoleRef {
            api_group: "rbac.authorization.k8s.io".into(),
            kind: "Role".into(),
            name: "pod-reader".into(),
        },
        subjects: Some(vec![Subject {
            kind: "ServiceAccount".into(),
            name: "default".into(),
            namespace: Some("default".into()),
            api_group: None,
        }]),
    })
    .unwrap();
    api.create(Pod {
        metadata: meta("web", Some("default")),
        spec: Some(PodSpec { containers: vec![Default::default()], ..Default::default() }),
        ..Default::default()
    })
    .ok();
    let list = request(&mut api, "GET", "/api/v1/namespaces/default/pods", Some(&token));
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.starts_with("{\n  \"kind\": \"PodList\",\n  \"apiVersion\": \"v1\","));
    let missing = request(&mut api, "GET", "/api/v1/namespaces/default/pods/nope", Some(&token));
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("\"message\": \"pods \\\"nope\\\" not found\""));
    let secrets = request(&mut api, "GET", "/api/v1/namespaces/default/secrets/db", Some(&token));
    assert!(secrets.body.contains("secrets \\\"db\\\" is forbidden"), "{}", secrets.body);
}
