//! Service account tokens: the TokenRequest API (`serviceaccounts/token`) that `kubectl create
//! token` and the kubelet's projected volumes ask, and the authenticator that reads them back
//! from a request's bearer header. Tokens are JWTs with Kubernetes' claims; the "signature" is
//! a keyed SHA-256 stream standing in for RS256, from a key drawn from the seed.

use super::rbac::UserInfo;
use super::{ApiError, ApiServer, FieldError};
use crate::shell::text;
use k8s_openapi::api::core::v1::{Node, Pod, ServiceAccount};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::cell::OnceCell;
use std::fmt::Write;

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
        self.service_account_key_id = OnceCell::new();
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
        // The claims are written as serde_json writes a map: keys sorted, no spaces, as
        // go-jose writes them. Built as text once: it goes both into the jti and the payload.
        let mut claims = String::with_capacity(320);
        claims.push_str("{\"namespace\":");
        push_json_str(&mut claims, request.namespace);
        if let Some(pod) = request.pod {
            if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
                let node_object = self.get::<Node>("", node).ok();
                let uid = node_object.and_then(|n| n.metadata.uid.as_deref());
                claims.push_str(",\"node\":");
                push_name_and_uid(&mut claims, node, uid.unwrap_or_default());
            }
            claims.push_str(",\"pod\":");
            let meta = &pod.metadata;
            push_name_and_uid(
                &mut claims,
                meta.name.as_deref().unwrap_or_default(),
                meta.uid.as_deref().unwrap_or_default(),
            );
        }
        claims.push_str(",\"serviceaccount\":");
        let account_uid = account.metadata.uid.as_deref().unwrap_or_default();
        push_name_and_uid(&mut claims, request.service_account, account_uid);
        if request.pod.is_some() && request.expiration_seconds == POD_TOKEN_EXPIRATION_SECONDS {
            write!(claims, ",\"warnafter\":{expires}").ok();
            expires = now + EXTENDED_EXPIRATION_SECONDS;
        }
        claims.push('}');
        let subject =
            format!("system:serviceaccount:{}:{}", request.namespace, request.service_account);
        let jti = uuid_of(&self.digest(&[&subject, &now.to_string(), &claims]));
        let mut payload = String::with_capacity(claims.len() + 320);
        payload.push_str("{\"aud\":[");
        if request.audiences.is_empty() {
            push_json_str(&mut payload, ISSUER);
        }
        for (index, audience) in request.audiences.iter().enumerate() {
            if index > 0 {
                payload.push(',');
            }
            push_json_str(&mut payload, audience);
        }
        write!(payload, "],\"exp\":{expires},\"iat\":{now},\"iss\":").ok();
        push_json_str(&mut payload, ISSUER);
        write!(payload, ",\"jti\":\"{jti}\",\"kubernetes.io\":{claims},\"nbf\":{now},\"sub\":")
            .ok();
        push_json_str(&mut payload, &subject);
        payload.push('}');
        let header = format!("{{\"alg\":\"RS256\",\"kid\":\"{}\"}}", self.key_id());
        // header.payload.signature, each base64url: the token's length is known up front.
        let mut token = String::with_capacity(
            (header.len() + payload.len()).div_ceil(3) * 4 + SIGNATURE_BYTES.div_ceil(3) * 4 + 2,
        );
        push_base64url(&mut token, header.as_bytes());
        token.push('.');
        push_base64url(&mut token, payload.as_bytes());
        let signature = self.signature(&token);
        token.push('.');
        push_base64url(&mut token, &signature);
        Ok(token)
    }

    /// The service account a bearer token stands for, if it is one of ours, unexpired, meant
    /// for the API server, and its account (and pod) still exist.
    pub fn authenticate(&self, token: &str) -> Option<UserInfo> {
        let (signed, signature) = token.rsplit_once('.')?;
        if base64url(&self.signature(signed)) != signature {
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
        let mut hasher = Sha256::new_with_prefix(self.service_account_key.as_bytes());
        for part in parts {
            hasher.update([0]);
            hasher.update(part.as_bytes());
        }
        hasher.finalize().into()
    }

    /// The key's id: base64url of a digest, 43 characters as kube-apiserver's. It depends only
    /// on the key, so it is worked out once per key.
    fn key_id(&self) -> &str {
        self.service_account_key_id.get_or_init(|| base64url(&self.digest(&["kid"])))
    }

    /// 256 bytes (an RSA-2048 signature's length) from the key and the signed text: its keyed
    /// digest, stretched by hashing it with each block's number (the text is hashed once).
    fn signature(&self, signed: &str) -> [u8; SIGNATURE_BYTES] {
        let digest = self.digest(&[signed]);
        let mut bytes = [0; SIGNATURE_BYTES];
        for (block, chunk) in (0..).zip(bytes.chunks_exact_mut(32)) {
            let stretched = Sha256::new().chain_update(digest).chain_update([block]).finalize();
            chunk.copy_from_slice(&stretched);
        }
        bytes
    }
}

/// The length of an RSA-2048 signature, which the stand-in signature has.
const SIGNATURE_BYTES: usize = 256;

/// `{"name":…,"uid":…}`, as serde_json writes it.
fn push_name_and_uid(out: &mut String, name: &str, uid: &str) {
    out.push_str("{\"name\":");
    push_json_str(out, name);
    out.push_str(",\"uid\":");
    push_json_str(out, uid);
    out.push('}');
}

/// A JSON string, quoted and escaped by serde_json (audiences are the user's text).
fn push_json_str(out: &mut String, text: &str) {
    match serde_json::to_string(text) {
        Ok(quoted) => out.push_str(&quoted),
        Err(_) => out.push_str("\"\""),
    }
}

/// A UUID-shaped text (version 4, variant a) from the first 16 bytes of a digest.
fn uuid_of(bytes: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut uuid = String::with_capacity(36);
    for (index, byte) in bytes[..16].iter().enumerate() {
        for (position, nibble) in [(2 * index, byte >> 4), (2 * index + 1, byte & 15)] {
            if matches!(position, 8 | 12 | 16 | 20) {
                uuid.push('-');
            }
            uuid.push(match position {
                12 => '4',
                16 => 'a',
                _ => char::from(HEX[usize::from(nibble)]),
            });
        }
    }
    uuid
}

/// base64url without padding, as JWTs are written.
pub fn base64url(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    push_base64url(&mut text, bytes);
    text
}

fn push_base64url(out: &mut String, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
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

    #[test]
    fn token_text_is_stable_for_the_same_key() {
        let mut api = api_with_account();
        let node = Node {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("node01".into()),
                ..Default::default()
            },
            ..Default::default()
        };
        api.create(node).unwrap();
        let pod = api
            .create(Pod {
                metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                    name: Some("web".into()),
                    namespace: Some("default".into()),
                    ..Default::default()
                },
                spec: Some(k8s_openapi::api::core::v1::PodSpec {
                    node_name: Some("node01".into()),
                    containers: vec![k8s_openapi::api::core::v1::Container {
                        name: "web".into(),
                        image: Some("nginx".into()),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            })
            .unwrap();
        let bound = TokenRequest { pod: Some(&pod), ..request(POD_TOKEN_EXPIRATION_SECONDS) };
        let quoted = TokenRequest {
            audiences: vec!["vault \"a\"\\b".into(), "é/x".into()],
            ..request(3600)
        };
        // The tokens the implementation first gave for these requests: transcripts and saved
        // labs show token text, so it must not drift.
        assert_eq!(api.create_token(&bound).unwrap(), BOUND_TOKEN);
        assert_eq!(api.create_token(&quoted).unwrap(), QUOTED_TOKEN);
        assert!(api.authenticate(BOUND_TOKEN).is_some());
    }

    const BOUND_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjBXdWc1VlhlUFpuS2loZjJVU2xENjhfblhMTlBzaUNZNFpoSkc1WmtBNlEifQ.eyJhdWQiOlsiaHR0cHM6Ly9rdWJlcm5ldGVzLmRlZmF1bHQuc3ZjLmNsdXN0ZXIubG9jYWwiXSwiZXhwIjoxNzMxNTM2MDAwLCJpYXQiOjE3MDAwMDAwMDAsImlzcyI6Imh0dHBzOi8va3ViZXJuZXRlcy5kZWZhdWx0LnN2Yy5jbHVzdGVyLmxvY2FsIiwianRpIjoiNDU2NGE3MjQtMjhhYy00MWU1LWExNGUtYmNiM2U2N2QzYmRjIiwia3ViZXJuZXRlcy5pbyI6eyJuYW1lc3BhY2UiOiJkZWZhdWx0Iiwibm9kZSI6eyJuYW1lIjoibm9kZTAxIiwidWlkIjoiMzc2ODhkYWQtY2FiNy00OTk2LWEyZGYtNzczNzA5MWY0ZjA3In0sInBvZCI6eyJuYW1lIjoid2ViIiwidWlkIjoiMjI5OGViNDItY2JiZS00ZGI4LWEzODMtMGQyMWRjODU5MjE2In0sInNlcnZpY2VhY2NvdW50Ijp7Im5hbWUiOiJkZWZhdWx0IiwidWlkIjoiOWNlYmU4YTYtZDA1MC00ZDAxLTkyYTctNjRmYjY2YWJjOWNmIn0sIndhcm5hZnRlciI6MTcwMDAwMzYwN30sIm5iZiI6MTcwMDAwMDAwMCwic3ViIjoic3lzdGVtOnNlcnZpY2VhY2NvdW50OmRlZmF1bHQ6ZGVmYXVsdCJ9.SHiHBQdDC2tVhnNOXxyj_en2-y8yMQO0xhpDiNP4DQmX4HqCnkU52m3cPByzXrrBL6fwwiqG6osFYwNrB6_y-XxPIh7KSAZWKXVQRKtNNapHkUdKMD-tmb3bRsxVeD8cjSZ58A8_OsEoXoyDRdhfHjSBrFF9U3KtHo0Tklf97jNDHOMQSRxeoMDz6i2hiNHrW5gKWh8O7gXXK0MS9TOhilorYrH8gLGLWdT9TEsbyUak4qxHvIsxhSjS9BOfDcNb3HczLS4mF6XEE9bROeeJ6DboHleBXGDtfEWloTLVROLP5FCEmr3iuCEMe6n-sOMhYH9pi-i9jIenuAagPD6wgg";
    const QUOTED_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjBXdWc1VlhlUFpuS2loZjJVU2xENjhfblhMTlBzaUNZNFpoSkc1WmtBNlEifQ.eyJhdWQiOlsidmF1bHQgXCJhXCJcXGIiLCLDqS94Il0sImV4cCI6MTcwMDAwMzYwMCwiaWF0IjoxNzAwMDAwMDAwLCJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMuY2x1c3Rlci5sb2NhbCIsImp0aSI6IjI2Njk0MTIzLTA0YTctNDE4MS1hNzlhLTJkM2EzZDRiNjc3MyIsImt1YmVybmV0ZXMuaW8iOnsibmFtZXNwYWNlIjoiZGVmYXVsdCIsInNlcnZpY2VhY2NvdW50Ijp7Im5hbWUiOiJkZWZhdWx0IiwidWlkIjoiOWNlYmU4YTYtZDA1MC00ZDAxLTkyYTctNjRmYjY2YWJjOWNmIn19LCJuYmYiOjE3MDAwMDAwMDAsInN1YiI6InN5c3RlbTpzZXJ2aWNlYWNjb3VudDpkZWZhdWx0OmRlZmF1bHQifQ.VB3q5DI2ILvdqom4J93E3-C69RL3FFVfvcIexhUl8fT5FBDGclpW-raUcuiCoX9Td_PG3DtSKgKUJAK2WWiK6ooEVmIH5eEnBXNdY-R_L_ZDd4mfYI2UUGeZ5OPzjw2tkEc3bio1AFLioFYYC1Q_wVDZUepzAqgMBTFVT1eqTGX20jlv4iwbo9I43RXGn-L8LaawYyzQRmhigCAXTRZ1Cu9BSw5foBQXuj3j5pE5DRF31EQgu0MCHSP3J4J_DjKRJP0VBpNgm6nkRTNQY2ccUoAdsabFSO0cIMQeSglX9emjmAqRkowUSJkHcrg8dzf_JwFa34tXFP2Yt5AygwgINw";
}
