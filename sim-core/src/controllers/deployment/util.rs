//! What the Deployment controller and kubectl agree on about a Deployment's ReplicaSets
//! (`pkg/controller/deployment/util`): the pod-template-hash, the revision and replica
//! annotations, maxSurge and maxUnavailable, and the replica counts summed over sets.

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

pub const REVISION: &str = "deployment.kubernetes.io/revision";
pub const DESIRED_REPLICAS: &str = "deployment.kubernetes.io/desired-replicas";
pub const MAX_REPLICAS: &str = "deployment.kubernetes.io/max-replicas";
pub const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// Annotations a Deployment does not pass on to its ReplicaSets (`skipCopyAnnotation`).
const NOT_COPIED: [&str; 5] = [
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    DESIRED_REPLICAS,
    MAX_REPLICAS,
];

/// `ComputeHash`: FNV-32a of the template (and the collision count), written with
/// `rand.SafeEncodeString`'s alphabet.
pub fn pod_template_hash(template: &PodTemplateSpec, collision_count: Option<i32>) -> String {
    const ALPHANUMS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut hash: u32 = 0x811c_9dc5;
    let mut feed = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u32::from(*byte);
            hash = hash.wrapping_mul(0x0100_0193);
        }
    };
    feed(template_json(template).as_bytes());
    if let Some(count) = collision_count {
        feed(&count.to_le_bytes());
    }
    hash.to_string().bytes().map(|b| ALPHANUMS[usize::from(b) % ALPHANUMS.len()] as char).collect()
}

/// A template as compact JSON, the text the template hashes are computed from. It goes through
/// `serde_json::Value`, whose keys are sorted: the template's types all serialize their fields
/// in that order, so the text is the same, and the WebAssembly carries one encoder of pod
/// templates instead of two (one per serde serializer, ~60 KB).
pub fn template_json(template: &PodTemplateSpec) -> String {
    serde_json::to_value(template)
        .and_then(|value| serde_json::to_string(&value))
        .unwrap_or_default()
}

/// `EqualIgnoreHash`: the same template once the pod-template-hash label is set aside.
pub fn equal_ignore_hash(a: &PodTemplateSpec, b: &PodTemplateSpec) -> bool {
    without_hash(a) == without_hash(b)
}

fn without_hash(template: &PodTemplateSpec) -> PodTemplateSpec {
    let mut template = template.clone();
    if let Some(labels) = template.metadata.as_mut().and_then(|m| m.labels.as_mut()) {
        labels.remove(POD_TEMPLATE_HASH);
    }
    if let Some(meta) = template.metadata.as_mut()
        && meta.labels.as_ref().is_some_and(|l| l.is_empty())
    {
        meta.labels = None;
    }
    template
}

pub fn replicas(deployment: &Deployment) -> i32 {
    deployment.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1)
}

pub fn rs_replicas(set: &ReplicaSet) -> i32 {
    set.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0)
}

pub fn rs_available(set: &ReplicaSet) -> i32 {
    set.status.as_ref().and_then(|s| s.available_replicas).unwrap_or(0)
}

pub fn rs_ready(set: &ReplicaSet) -> i32 {
    set.status.as_ref().and_then(|s| s.ready_replicas).unwrap_or(0)
}

pub fn rs_actual(set: &ReplicaSet) -> i32 {
    set.status.as_ref().map_or(0, |s| s.replicas)
}

pub fn revision(set: &ReplicaSet) -> i64 {
    annotation(set, REVISION).and_then(|v| v.parse().ok()).unwrap_or(0)
}

pub fn annotation<'a>(set: &'a ReplicaSet, key: &str) -> Option<&'a str> {
    set.metadata.annotations.as_ref()?.get(key).map(String::as_str)
}

pub fn is_rolling_update(deployment: &Deployment) -> bool {
    deployment
        .spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.type_.as_deref())
        .is_none_or(|t| t == "RollingUpdate")
}

/// `ResolveFenceposts`: maxSurge rounds up, maxUnavailable down; both zero makes
/// maxUnavailable one.
pub fn surge_and_unavailable(deployment: &Deployment) -> (i32, i32) {
    let desired = replicas(deployment);
    let rolling = deployment
        .spec
        .as_ref()
        .and_then(|s| s.strategy.as_ref())
        .and_then(|s| s.rolling_update.as_ref());
    let quarter = IntOrString::String("25%".to_string());
    let surge =
        scaled(rolling.and_then(|r| r.max_surge.as_ref()).unwrap_or(&quarter), desired, true);
    let unavailable = scaled(
        rolling.and_then(|r| r.max_unavailable.as_ref()).unwrap_or(&quarter),
        desired,
        false,
    );
    if surge == 0 && unavailable == 0 { (0, 1) } else { (surge, unavailable) }
}

/// `intstr.GetScaledValueFromIntOrPercent`.
fn scaled(value: &IntOrString, total: i32, round_up: bool) -> i32 {
    match value {
        IntOrString::Int(n) => *n,
        IntOrString::String(text) => {
            let percent: i64 = text.trim_end_matches('%').parse().unwrap_or(0);
            let product = percent * i64::from(total);
            (if round_up { (product + 99).div_euclid(100) } else { product.div_euclid(100) }) as i32
        }
    }
}

/// `MaxSurge`: zero unless the strategy is RollingUpdate.
pub fn max_surge(deployment: &Deployment) -> i32 {
    if !is_rolling_update(deployment) {
        return 0;
    }
    surge_and_unavailable(deployment).0
}

/// `MaxUnavailable`: zero unless RollingUpdate with replicas, and never above replicas.
pub fn max_unavailable(deployment: &Deployment) -> i32 {
    let desired = replicas(deployment);
    if !is_rolling_update(deployment) || desired == 0 {
        return 0;
    }
    surge_and_unavailable(deployment).1.min(desired)
}

/// Copies the Deployment's annotations onto a ReplicaSet (all but the controller's own).
/// Returns whether anything changed.
pub fn copy_annotations(deployment: &Deployment, set: &mut ReplicaSet) -> bool {
    let mut changed = false;
    let annotations = set.metadata.annotations.get_or_insert_with(Default::default);
    for (key, value) in deployment.metadata.annotations.iter().flatten() {
        if NOT_COPIED.contains(&key.as_str()) {
            continue;
        }
        if annotations.get(key) != Some(value) {
            annotations.insert(key.clone(), value.clone());
            changed = true;
        }
    }
    changed
}

/// `SetReplicasAnnotations`: desired-replicas and max-replicas. Returns whether they changed.
pub fn set_replicas_annotations(set: &mut ReplicaSet, desired: i32, max: i32) -> bool {
    let annotations = set.metadata.annotations.get_or_insert_with(Default::default);
    let mut changed = false;
    for (key, value) in [(DESIRED_REPLICAS, desired), (MAX_REPLICAS, max)] {
        let value = value.to_string();
        if annotations.get(key) != Some(&value) {
            annotations.insert(key.to_string(), value);
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::apps::v1::{DeploymentSpec, DeploymentStrategy, RollingUpdateDeployment};
    use serde::Deserialize;

    #[test]
    fn template_json_is_the_templates_own_serialization() {
        let template = serde_json::json!({
            "metadata": {"labels": {"app": "web", "tier": "front"}, "annotations": {"a": "b"}},
            "spec": {
                "containers": [{
                    "name": "web", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
                    "command": ["sh", "-c"], "args": ["nginx -g 'daemon off;'"],
                    "ports": [{"containerPort": 80, "name": "http", "protocol": "TCP"}],
                    "env": [{"name": "A", "value": "1"},
                            {"name": "B", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}],
                    "envFrom": [{"configMapRef": {"name": "cfg"}}],
                    "resources": {"requests": {"cpu": "100m", "memory": "64Mi"},
                                  "limits": {"cpu": "1", "memory": "128Mi"}},
                    "livenessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5},
                    "readinessProbe": {"tcpSocket": {"port": "http"}, "initialDelaySeconds": 2},
                    "lifecycle": {"preStop": {"exec": {"command": ["sleep", "5"]}}},
                    "securityContext": {"runAsUser": 1000, "readOnlyRootFilesystem": true},
                    "volumeMounts": [{"name": "data", "mountPath": "/data", "subPath": "x"}],
                }],
                "initContainers": [{"name": "init", "image": "busybox", "restartPolicy": "Always"}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": "c"}},
                            {"name": "cfg", "configMap": {"name": "cfg", "defaultMode": 420}},
                            {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}],
                "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [{"matchExpressions": [
                        {"key": "zone", "operator": "In", "values": ["a", "b"]}]}]}},
                    "podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                        "weight": 10, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": {"app": "web"}}}}]}},
                "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule",
                                 "tolerationSeconds": 30}],
                "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone",
                    "whenUnsatisfiable": "DoNotSchedule"}],
                "nodeSelector": {"disk": "ssd"}, "hostNetwork": false, "hostname": "h",
                "hostUsers": true, "hostIPC": false, "hostPID": false, "dnsPolicy": "ClusterFirst",
                "restartPolicy": "Always", "schedulerName": "default-scheduler",
                "serviceAccountName": "sa", "terminationGracePeriodSeconds": 30,
                "securityContext": {"fsGroup": 2000, "sysctls": [{"name": "n", "value": "v"}]},
                "priorityClassName": "high", "subdomain": "s", "setHostnameAsFQDN": true,
            },
        });
        let template = PodTemplateSpec::deserialize(&template).unwrap();
        assert_eq!(template_json(&template), serde_json::to_string(&template).unwrap());
    }

    fn rolling(replicas: i32, surge: IntOrString, unavailable: IntOrString) -> Deployment {
        Deployment {
            spec: Some(DeploymentSpec {
                replicas: Some(replicas),
                strategy: Some(DeploymentStrategy {
                    type_: Some("RollingUpdate".into()),
                    rolling_update: Some(RollingUpdateDeployment {
                        max_surge: Some(surge),
                        max_unavailable: Some(unavailable),
                    }),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn percentages_round_surge_up_and_unavailable_down() {
        let pct = |s: &str| IntOrString::String(s.to_string());
        let cases = [
            ("three replicas at 25% surge one and lose none", 3, pct("25%"), pct("25%"), (1, 0)),
            ("ten replicas at 25% surge three and lose two", 10, pct("25%"), pct("25%"), (3, 2)),
            ("both zero means one unavailable", 4, IntOrString::Int(0), pct("0%"), (0, 1)),
            ("integers are taken as they are", 5, IntOrString::Int(2), IntOrString::Int(1), (2, 1)),
        ];
        for (case, replicas, surge, unavailable, want) in cases {
            assert_eq!(
                surge_and_unavailable(&rolling(replicas, surge, unavailable)),
                want,
                "{case}"
            );
        }
    }

    #[test]
    fn the_hash_uses_the_safe_alphabet_and_changes_with_the_template() {
        let template = PodTemplateSpec::default();
        let hash = pod_template_hash(&template, None);
        assert!(hash.chars().all(|c| "bcdfghjklmnpqrstvwxz2456789".contains(c)), "{hash}");
        assert_ne!(hash, pod_template_hash(&template, Some(1)));
    }
}
