//! ConfigMap and Secret admission: keys, the 1 MiB limit, `stringData`, `immutable`, and the
//! keys each Secret type requires.

use super::Admission;
use crate::api::FieldError;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use std::collections::BTreeMap;

/// The most data one ConfigMap or Secret may hold (etcd's limit on one value).
const MAX_BYTES: usize = 1024 * 1024;

fn validate_key(key: &str, field: String) -> Option<FieldError> {
    let valid = !key.is_empty()
        && key.len() <= 253
        && key.chars().all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        && key != "."
        && key != "..";
    (!valid).then(|| {
        FieldError::invalid(
            field,
            key,
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
        )
    })
}

impl Admission for ConfigMap {
    fn validate(&self) -> Vec<FieldError> {
        let data = self.data.iter().flatten().map(|(k, v)| (k, v.len(), "data"));
        let binary = self.binary_data.iter().flatten().map(|(k, v)| (k, v.0.len(), "binaryData"));
        let mut errors = Vec::new();
        let mut total = 0;
        for (key, size, field) in data.chain(binary) {
            errors.extend(validate_key(key, format!("{field}[{key}]")));
            total += size;
        }
        if total > MAX_BYTES {
            errors.push(FieldError::too_long("", format!("must have at most {MAX_BYTES} bytes")));
        }
        errors
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        immutable_errors(
            old.immutable,
            self.immutable,
            self.data != old.data || self.binary_data != old.binary_data,
        )
    }
}

fn immutable_errors(was: Option<bool>, now: Option<bool>, data_changed: bool) -> Vec<FieldError> {
    if was != Some(true) {
        return Vec::new();
    }
    let mut errors = Vec::new();
    if data_changed {
        errors.push(FieldError::forbidden("data", "field is immutable when `immutable` is set"));
    }
    if now != Some(true) {
        errors
            .push(FieldError::forbidden("immutable", "field is immutable when `immutable` is set"));
    }
    errors
}

/// The keys each Secret type must have.
fn required_keys(secret_type: &str) -> &'static [&'static str] {
    match secret_type {
        "kubernetes.io/tls" => &["tls.crt", "tls.key"],
        "kubernetes.io/dockerconfigjson" => &[".dockerconfigjson"],
        "kubernetes.io/dockercfg" => &[".dockercfg"],
        "kubernetes.io/basic-auth" => &[],
        "kubernetes.io/ssh-auth" => &["ssh-privatekey"],
        _ => &[],
    }
}

impl Admission for Secret {
    /// `stringData` is write-only: its values are merged into `data` (winning over it).
    fn apply_defaults(&mut self) {
        self.type_.get_or_insert_with(|| "Opaque".into());
        if let Some(strings) = self.string_data.take() {
            let data = self.data.get_or_insert_with(BTreeMap::new);
            for (key, value) in strings {
                data.insert(key, ByteString(value.into_bytes()));
            }
        }
    }

    fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut total = 0;
        for (key, value) in self.data.iter().flatten() {
            errors.extend(validate_key(key, format!("data[{key}]")));
            total += value.0.len();
        }
        if total > MAX_BYTES {
            errors
                .push(FieldError::too_long("data", format!("must have at most {MAX_BYTES} bytes")));
        }
        let secret_type = self.type_.as_deref().unwrap_or("Opaque");
        for key in required_keys(secret_type) {
            if !self.data.as_ref().is_some_and(|d| d.contains_key(*key)) {
                errors.push(FieldError::required(format!("data[{key}]")));
            }
        }
        errors
    }

    fn validate_update(&self, old: &Self) -> Vec<FieldError> {
        let mut errors = immutable_errors(old.immutable, self.immutable, self.data != old.data);
        if self.type_ != old.type_ {
            errors.push(FieldError::invalid(
                "type",
                self.type_.as_deref().unwrap_or_default(),
                "field is immutable",
            ));
        }
        errors
    }
}
