//! `-f FILE|DIR|-`: reading manifests from the workspace or stdin, and resolving each object to
//! its kind, namespace and name, with kubectl's errors for each way that can fail.

use super::{CommandError, Invocation};
use crate::api::KindRef;
use crate::api::decode;
use crate::api::kinds::DynamicKind;
use serde_json::Value;

/// One object read from a manifest, ready to send.
pub struct Target {
    pub kind: KindRef,
    /// Empty for cluster-scoped kinds.
    pub namespace: String,
    pub name: String,
    /// The object as written, with its namespace filled in.
    pub object: Value,
    /// Where it came from, as kubectl names it in errors: the file name or `STDIN`.
    pub source: String,
}

/// The files `-f` names: `-` for stdin, a workspace file, or a workspace folder (its `.yaml`,
/// `.yml` and `.json` files; with `-R` also those of its subfolders).
pub fn read_sources(
    inv: &Invocation<'_>,
    paths: &[String],
    recursive: bool,
) -> Result<Vec<(String, String)>, CommandError> {
    let mut sources = Vec::new();
    for path in paths {
        if path == "-" {
            sources.push(("STDIN".to_string(), inv.stdin.to_string()));
        } else if let Some(text) = known_url(path) {
            sources.push((path.clone(), text.to_string()));
        } else if path.starts_with("http://") || path.starts_with("https://") {
            return Err(CommandError::Plain(format!(
                "kubelab cannot download {path}: the lab has no internet. Save the manifest in the workspace (cat <<EOF > file.yaml) and apply that file."
            )));
        } else if let Some(text) = inv.files.get(path.strip_prefix("./").unwrap_or(path)) {
            // `./file.yaml` names the same workspace file as `file.yaml`.
            sources.push((path.clone(), text.clone()));
        } else {
            let folder = format!("{}/", path.trim_end_matches('/'));
            let in_folder: Vec<(&String, &String)> = inv
                .files
                .iter()
                .filter(|(name, _)| name.starts_with(&folder))
                .filter(|(name, _)| recursive || !name[folder.len()..].contains('/'))
                .filter(|(name, _)| {
                    [".yaml", ".yml", ".json"].iter().any(|ext| name.ends_with(ext))
                })
                .collect();
            if in_folder.is_empty() && !inv.files.keys().any(|name| name.starts_with(&folder)) {
                return Err(CommandError::Plain(format!("the path \"{path}\" does not exist")));
            }
            sources.extend(in_folder.into_iter().map(|(name, text)| (name.clone(), text.clone())));
        }
    }
    Ok(sources)
}

/// The few manifests the lab serves by their published address, as the docs apply them.
fn known_url(path: &str) -> Option<&'static str> {
    const INGRESS_NGINX: &str = "https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.13.2/deploy/static/provider/baremetal/deploy.yaml";
    (path == INGRESS_NGINX).then_some(include_str!("../../manifests/ingress-nginx/deploy.yaml"))
}

/// Every object in the sources, resolved; the first unreadable one stops it all, as in kubectl.
pub fn targets(
    inv: &Invocation<'_>,
    paths: &[String],
    recursive: bool,
) -> Result<Vec<Target>, CommandError> {
    let mut targets = Vec::new();
    for (source, text) in read_sources(inv, paths, recursive)? {
        let objects = decode::documents(&text).map_err(|error| {
            CommandError::Plain(format!(
                "error parsing {source}: error converting YAML to JSON: {error}"
            ))
        })?;
        for object in objects {
            targets.push(target(inv, object, &source)?);
        }
    }
    Ok(targets)
}

fn target(inv: &Invocation<'_>, mut object: Value, source: &str) -> Result<Target, CommandError> {
    // A path of keys, not a JSON pointer: a pointer allocates to unescape each of its parts.
    let text = |path: &[&str]| {
        let field = path.iter().try_fold(&object, |value, key| value.get(key));
        field.and_then(Value::as_str).unwrap_or_default().to_string()
    };
    let (api_version, kind_name, name) =
        (text(&["apiVersion"]), text(&["kind"]), text(&["metadata", "name"]));
    let mut missing = Vec::new();
    if api_version.is_empty() {
        missing.push("apiVersion not set");
    }
    if kind_name.is_empty() {
        missing.push("kind not set");
    }
    if !missing.is_empty() {
        let list = if missing.len() == 1 {
            missing[0].to_string()
        } else {
            format!("[{}]", missing.join(", "))
        };
        return Err(CommandError::Plain(format!(
            "error validating \"{source}\": error validating data: {list}; if you choose to ignore these errors, turn validation off with --validate=false"
        )));
    }
    let Some(kind) = inv.sim.api().kind_for(&api_version, &kind_name) else {
        let given_namespace = text(&["metadata", "namespace"]);
        return Err(CommandError::Plain(format!(
            "resource mapping not found for name: \"{name}\" namespace: \"{given_namespace}\" from \"{source}\": no matches for kind \"{kind_name}\" in version \"{api_version}\"\nensure CRDs are installed first"
        )));
    };
    let mut namespace = String::new();
    if kind.namespaced() {
        let own = text(&["metadata", "namespace"]);
        namespace = match (own.is_empty(), inv.namespace_given) {
            (true, _) => inv.namespace.clone(),
            (false, false) => own,
            (false, true) if own == inv.namespace => own,
            (false, true) => {
                return Err(CommandError::Plain(format!(
                    "the namespace from the provided object \"{own}\" does not match the namespace \"{}\". You must pass '--namespace={own}' to perform this operation.",
                    inv.namespace
                )));
            }
        };
        if let Some(metadata) = object.get_mut("metadata").and_then(Value::as_object_mut) {
            metadata.insert("namespace".into(), Value::String(namespace.clone()));
        }
    }
    Ok(Target { kind, namespace, name, object, source: source.to_string() })
}

/// How kubectl names an object of `kind` in its messages: `pod/web`, `deployment.apps/web`.
pub fn reference(kind: &dyn DynamicKind, name: &str) -> String {
    format!("{}/{name}", kind_with_group(kind))
}

/// `pod`, `deployment.apps`, `ingress.networking.k8s.io`.
pub fn kind_with_group(kind: &dyn DynamicKind) -> String {
    let lower = kind.kind().to_lowercase();
    match kind.api_version().rsplit_once('/') {
        Some((group, _)) => format!("{lower}.{group}"),
        None => lower,
    }
}
