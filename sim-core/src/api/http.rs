//! The API server's HTTPS door as a client in the cluster sees it: what `curl
//! https://kubernetes.default.svc/api` from a container gets back. The network model routes
//! requests for the `kubernetes` Service here; authentication and authorization decide.

use super::ApiServer;
use crate::time::SimTime;

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

impl ApiServer {
    /// Answers one request. Without a token the request is anonymous, and kubeadm clusters
    /// refuse anonymous requests to everything but the health and version endpoints.
    pub fn serve_http(&mut self, _now: SimTime, request: &ApiRequest) -> ApiResponse {
        match (request.method, request.path) {
            ("GET", "/version") => ApiResponse {
                status: 200,
                body: crate::kubectl::print::to_json(&crate::kubectl::version_info(
                    crate::cluster::KUBERNETES_VERSION,
                )),
            },
            ("GET", "/healthz" | "/livez" | "/readyz") => {
                ApiResponse { status: 200, body: "ok".to_string() }
            }
            _ => ApiResponse { status: 401, body: UNAUTHORIZED.to_string() },
        }
    }
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
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn get(api: &mut ApiServer, path: &str) -> ApiResponse {
        let request = ApiRequest { method: "GET", path, bearer_token: None, body: None };
        api.serve_http(SimTime::from_unix_ms(1_000_000), &request)
    }

    #[test]
    fn anonymous_requests_reach_only_version_and_health() {
        let mut api = ApiServer::new(SimTime::from_unix_ms(1_000_000), Rng::new(1));
        let version = get(&mut api, "/version");
        assert_eq!(version.status, 200);
        assert!(version.body.contains("\"gitVersion\": \"v1."), "{}", version.body);
        assert_eq!(get(&mut api, "/healthz").body, "ok");
        let pods = get(&mut api, "/api/v1/namespaces/default/pods");
        assert_eq!(pods.status, 401);
        assert!(pods.body.contains("\"reason\": \"Unauthorized\""));
    }
}
