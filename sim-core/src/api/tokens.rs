//! Service account tokens: the TokenRequest API (`serviceaccounts/token`) that `kubectl create
//! token` and the kubelet's projected volumes ask, and the authenticator that reads them back
//! from a request's bearer header. Tokens are JWTs with Kubernetes' claims; the "signature" is
//! a keyed SHA-256 stream standing in for RS256, from a key drawn from the seed.

use super::rbac::UserInfo;
use super::{ApiError, ApiServer, FieldError};
use crate::shell::text;
use k8s_openapi::api::core::v1::{Node, Pod, ServiceAccount};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The issuer and audience kube-apiserver uses (`--service-account-issuer` in kubeadm).
pub const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
/// What the kubelet asks for a pod's token: an hour and 7 seconds, which the API server
/// recognises (`WarnOnlyBoundTokenExpirationSeconds`) and extends to a year, noting when an
/// hour's token would have expired in `warnafter`.
pub const POD_TOKEN_EXPIRATION_SECONDS: i64 = 3607;
const EXTENDED_EXPIRATION_SECONDS: i64 = 365 * 24 * 60 * 60;
/// The shortest token the API server issues.
const MIN_EXPIRATION_SECONDS: i64 = 600;

/// What a token is asked for.
#[derive(Clone, Debug)]
pub struct TokenRequest<'a> {
    pub namespace: &'a str,
    pub service_account: &'a str,
    /// Empty: the API server's own audience.
    pub audiences: Vec<String>,
    pub expiration_seconds: i64,
    /// The pod the token is bound to (it stops working when the pod is gone).
    pub pod: Option<&'a Pod>,
}

impl ApiServer {
    /// Sets the key tokens are signed with (drawn from the simulation's seed).
    pub(crate) fn set_service_account_key(&mut self, key: String) {
        self.service_account_key = key;
    }

    /// `POST serviceaccounts/NAME/token`: a signed token for the service account.
    pub fn create_token(&self, request: &TokenRequest) -> Result<String, ApiError> {
        let account = self.get::<ServiceAccount>(request.namespace, request.service_account)?;
        if request.expiration_seconds < MIN_EXPIRATION_SECONDS {
            return Err(ApiError::Invalid {
                kind: "TokenRequest".into(),
                group: "authentication.k8s.io".into(),
                name: request.service_account.to_string(),
                causes: vec![FieldError::invalid_raw(
                    "spec.expirationSeconds",
                    request.expiration_seconds.to_string(),
                    "may not specify a duration less than 10 minutes",
                )],
            });
        }
        let now = (self.now().unix_ms() / 1000) as i64;
        let mut expires = now + request.expiration_seconds;
        let mut claims = json!({
            "namespace": request.namespace,
            "serviceaccount": {
                "name": request.service_account,
                "uid": account.metadata.uid.clone().unwrap_or_default(),
            },
        });
        if let Some(pod) = request.pod {
            claims["pod"] = json!({
                "name": pod.metadata.name.clone().unwrap_or_default(),
                "uid": pod.metadata.uid.clone().unwrap_or_default(),
            });
            if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
                let uid = self.get::<Node>("", node).ok().and_then(|n| n.metadata.uid.clone());
                claims["node"] = json!({ "name": node, "uid": uid.unwrap_or_default() });
            }
            if request.expiration_seconds == POD_TOKEN_EXPIRATION_SECONDS {
                claims["warnafter"] = json!(expires);
                expires = now + EXTENDED_EXPIRATION_SECONDS;
            }
        }
        let audiences = if request.audiences.is_empty() {
            vec![ISSUER.to_string()]
        } else {
            request.audiences.clone()
        };
        let subject =
            format!("system:serviceaccount:{}:{}", request.namespace, request.service_account);
        let jti = uuid_of(&self.digest(&[&subject, &now.to_string(), &claims.to_string()]));
        // serde_json keeps keys sorted, as go-jose writes the claims.
        let payload = json!({
            "aud": audiences,
            "exp": expires,
            "iat": now,
            "iss": ISSUER,
            "jti": jti,
            "kubernetes.io": claims,
            "nbf": now,
            "sub": subject,
        });
        let header = json!({ "alg": "RS256", "kid": self.key_id() });
        let signed = format!(
            "{}.{}",
            base64url(header.to_string().as_bytes()),
            base64url(payload.to_string().as_bytes())
        );
        let signature = self.signature(&signed);
        Ok(format!("{signed}.{signature}"))
    }

    /// The service account a bearer token stands for, if it is one of ours, unexpired, meant
    /// for the API server, and its account (and pod) still exist.
    pub fn authenticate(&self, token: &str) -> Option<UserInfo> {
        let (signed, signature) = token.rsplit_once('.')?;
        if self.signature(signed) != signature {
            return None;
        }
        let payload = signed.split('.').nth(1)?;
        let claims: Value = serde_json::from_slice(&base64url_decode(payload)?).ok()?;
        let now = (self.now().unix_ms() / 1000) as i64;
        if claims["exp"].as_i64()? <= now || claims["nbf"].as_i64()? > now + 60 {
            return None;
        }
        if !claims["aud"].as_array()?.iter().any(|a| a == ISSUER) {
            return None;
        }
        let bound = &claims["kubernetes.io"];
        let namespace = bound["namespace"].as_str()?;
        let name = bound["serviceaccount"]["name"].as_str()?;
        let account = self.get::<ServiceAccount>(namespace, name).ok()?;
        if account.metadata.uid.as_deref() != bound["serviceaccount"]["uid"].as_str() {
            return None;
        }
        if let Some(pod) = bound.get("pod") {
            let found = self.get::<Pod>(namespace, pod["name"].as_str()?).ok()?;
            if found.metadata.uid.as_deref() != pod["uid"].as_str() {
                return None;
            }
        }
        Some(UserInfo::service_account(namespace, name))
    }

    fn digest(&self, parts: &[&str]) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update(self.service_account_key.as_bytes());
        for part in parts {
            hasher.update([0]);
            hasher.update(part.as_bytes());
        }
        hasher.finalize().into()
    }

    /// The key's id: base64url of a digest, 43 characters as kube-apiserver's.
    fn key_id(&self) -> String {
        base64url(&self.digest(&["kid"]))
    }

    /// 256 bytes (an RSA-2048 signature's length) from the key and the signed text: its keyed
    /// digest, stretched by hashing it with each block's number (the text is hashed once).
    fn signature(&self, signed: &str) -> String {
        let digest = self.digest(&[signed]);
        let mut bytes = Vec::with_capacity(256);
        for block in 0..8u8 {
            bytes.extend_from_slice(
                &Sha256::new().chain_update(digest).chain_update([block]).finalize(),
            );
        }
        base64url(&bytes)
    }
}

fn uuid_of(bytes: &[u8; 32]) -> String {
    let hex: String = bytes[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-4{}-a{}-{}", &hex[..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

/// base64url without padding, as JWTs are written.
pub fn base64url(bytes: &[u8]) -> String {
    text::encode(bytes).trim_end_matches('=').replace('+', "-").replace('/', "_")
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let mut standard = text.replace('-', "+").replace('_', "/");
    while !standard.len().is_multiple_of(4) {
        standard.push('=');
    }
    text::decode(&standard)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use crate::time::SimTime;

    fn api_with_account() -> ApiServer {
        let mut api = ApiServer::new(SimTime::from_unix_ms(1_700_000_000_000), Rng::new(3));
        let _ = api.create(k8s_openapi::api::core::v1::Namespace {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("default".into()),
                ..Default::default()
            },
            ..Default::default()
        });
        let _ = api.create(ServiceAccount {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("default".into()),
                namespace: Some("default".into()),
                ..Default::default()
            },
            ..Default::default()
        });
        api.set_service_account_key("key".into());
        api
    }

    fn request(expiration_seconds: i64) -> TokenRequest<'static> {
        TokenRequest {
            namespace: "default",
            service_account: "default",
            audiences: Vec::new(),
            expiration_seconds,
            pod: None,
        }
    }

    #[test]
    fn tokens_carry_kubernetes_claims_and_authenticate_until_they_expire() {
        let mut api = api_with_account();
        let token = api.create_token(&request(3600)).unwrap();
        assert_eq!(token.split('.').count(), 3);
        let payload = base64url_decode(token.split('.').nth(1).unwrap()).unwrap();
        let claims: Value = serde_json::from_slice(&payload).unwrap();
        assert_eq!(claims["sub"], "system:serviceaccount:default:default");
        assert_eq!(claims["iss"], ISSUER);
        assert_eq!(claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(), 3600);
        let user = api.authenticate(&token).unwrap();
        assert_eq!(user.name, "system:serviceaccount:default:default");
        assert!(user.groups.contains(&"system:serviceaccounts:default".to_string()));
        // The same request at the same instant gives the same token: nothing random.
        assert_eq!(api.create_token(&request(3600)).unwrap(), token);
        let mut forged = token.clone();
        forged.pop();
        forged.push(if token.ends_with('A') { 'B' } else { 'A' });
        assert!(api.authenticate(&forged).is_none());
        api.set_now(SimTime::from_unix_ms(1_700_000_000_000 + 3_600_000));
        assert!(api.authenticate(&token).is_none());
    }

    #[test]
    fn short_tokens_and_missing_accounts_are_refused() {
        let api = api_with_account();
        let error = api.create_token(&request(60)).unwrap_err();
        assert!(error.to_string().contains("may not specify a duration less than 10 minutes"));
        let missing = TokenRequest { service_account: "robot", ..request(3600) };
        assert_eq!(
            api.create_token(&missing).unwrap_err().to_string(),
            "serviceaccounts \"robot\" not found"
        );
    }
}
