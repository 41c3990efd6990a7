//! VolumeBinding: a pod's PersistentVolumeClaims must exist and be bound, or be bindable on the
//! node (WaitForFirstConsumer: a free volume whose node affinity allows the node, or a
//! provisioner to create one); a bound volume's node affinity must allow the node. PreFilter
//! reads the claims once; when the pod is bound, the claims waiting for it are pre-bound to the
//! volume chosen or handed to the provisioner with `selected-node` (PreBind).

use super::super::framework::{Code, CycleState, FilterPlugin, NodeInfo, Verdict, events, reject};
use super::node_affinity::requirement_matches;
use crate::api::ApiServer;
use crate::controllers::persistentvolume::{BOUND_BY_CONTROLLER, SELECTED_NODE, best_match};
use k8s_openapi::api::core::v1::{
    Node, ObjectReference, PersistentVolume, PersistentVolumeClaim, Pod,
};
use k8s_openapi::api::storage::v1::StorageClass;

pub struct VolumeBinding;

const NAME: &str = "VolumeBinding";
/// A StorageClass whose volumes are made by hand.
const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// What PreFilter found about the pod's claims.
#[derive(Default)]
pub struct PreFilterState {
    /// The volumes bound to the pod's claims.
    bound: Vec<PersistentVolume>,
    /// WaitForFirstConsumer claims not bound yet, each with the free volumes that could serve
    /// it and whether its class can provision one.
    to_bind: Vec<ClaimToBind>,
}

impl PreFilterState {
    /// Every claim of the pod is bound.
    pub fn all_bound(&self) -> bool {
        self.to_bind.is_empty()
    }
}

struct ClaimToBind {
    claim: PersistentVolumeClaim,
    candidates: Vec<PersistentVolume>,
    provisionable: bool,
}

/// PreFilter: `Ok(None)` when the pod has no claims, `Err` with the reason every node fails.
pub fn pre_filter(api: &ApiServer, pod: &Pod) -> Result<Option<PreFilterState>, String> {
    let namespace = pod.metadata.namespace.as_deref().unwrap_or_default();
    let claims: Vec<&str> = pod
        .spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| v.persistent_volume_claim.as_ref().map(|c| c.claim_name.as_str()))
        .collect();
    if claims.is_empty() {
        return Ok(None);
    }
    let mut state = PreFilterState::default();
    let mut unbound_immediate = false;
    for name in claims {
        let claim = api
            .get::<PersistentVolumeClaim>(namespace, name)
            .map_err(|_| format!("persistentvolumeclaim {name:?} not found"))?;
        if claim.metadata.deletion_timestamp.is_some() {
            return Err(format!("persistentvolumeclaim {name:?} is being deleted"));
        }
        let volume_name = claim.spec.as_ref().and_then(|s| s.volume_name.as_deref());
        if let Some(volume_name) = volume_name.filter(|v| !v.is_empty()) {
            match api.get::<PersistentVolume>("", volume_name) {
                Ok(volume) => state.bound.push(volume.clone()),
                Err(_) => {
                    return Err(
                        "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"
                            .to_string(),
                    );
                }
            }
            continue;
        }
        let class_name = crate::controllers::persistentvolume::claim_class(claim);
        let class = api.get::<StorageClass>("", class_name).ok();
        let delayed =
            class.and_then(|c| c.volume_binding_mode.as_deref()) == Some("WaitForFirstConsumer");
        if !delayed {
            unbound_immediate = true;
            continue;
        }
        let candidates = api
            .list::<PersistentVolume>(None)
            .filter(|v| best_match(std::iter::once(*v), claim, |_| true).is_some())
            .cloned()
            .collect();
        let provisionable = class.is_some_and(|c| c.provisioner != NO_PROVISIONER);
        state.to_bind.push(ClaimToBind { claim: claim.clone(), candidates, provisionable });
    }
    if unbound_immediate {
        return Err("pod has unbound immediate PersistentVolumeClaims".to_string());
    }
    Ok(Some(state))
}

/// Whether a volume's required node affinity allows the node.
fn affinity_allows(volume: &PersistentVolume, node: &Node) -> bool {
    let required = volume
        .spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref());
    let labels = node.metadata.labels.as_ref();
    let name = node.metadata.name.clone().unwrap_or_default();
    required.is_none_or(|selector| {
        selector.node_selector_terms.iter().any(|term| {
            let expressions = term.match_expressions.iter().flatten();
            let fields = term.match_fields.iter().flatten();
            expressions.clone().chain(fields.clone()).next().is_some()
                && expressions
                    .into_iter()
                    .all(|r| requirement_matches(r, labels.and_then(|l| l.get(&r.key))))
                && fields
                    .into_iter()
                    .all(|r| r.key == "metadata.name" && requirement_matches(r, Some(&name)))
        })
    })
}

impl FilterPlugin for VolumeBinding {
    fn name(&self) -> &'static str {
        NAME
    }

    fn events(&self) -> u32 {
        events::NODE_ADD | events::NODE_LABEL | events::STORAGE
    }

    fn skip(&self, state: &CycleState<'_>) -> bool {
        state.volume_binding.is_none()
    }

    fn filter(&self, state: &CycleState<'_>, node: &NodeInfo) -> Verdict {
        let Some(volumes) = &state.volume_binding else { return Ok(()) };
        if volumes.bound.iter().any(|v| !affinity_allows(v, &node.node)) {
            return reject(
                NAME,
                Code::UnschedulableAndUnresolvable,
                "node(s) had volume node affinity conflict",
            );
        }
        let bindable = volumes.to_bind.iter().all(|c| {
            c.provisionable || c.candidates.iter().any(|v| affinity_allows(v, &node.node))
        });
        if !bindable {
            return reject(
                NAME,
                Code::UnschedulableAndUnresolvable,
                "node(s) didn't find available persistent volumes to bind",
            );
        }
        Ok(())
    }
}

/// PreBind: for each claim that waited for this pod, pre-binds the smallest free volume the
/// node can reach, or asks the provisioner for one on this node. Returns whether some claim
/// was waiting (the pod is then bound once the claims are).
pub fn pre_bind(api: &mut ApiServer, pod: &Pod, node: &str) -> bool {
    let Ok(Some(state)) = pre_filter(api, pod) else { return false };
    let Ok(node_object) = api.get::<Node>("", node).cloned() else { return false };
    let waiting = !state.to_bind.is_empty();
    for waiting in state.to_bind {
        let claim = &waiting.claim;
        let chosen =
            best_match(waiting.candidates.iter(), claim, |v| affinity_allows(v, &node_object))
                .map(|v| v.metadata.name.clone().unwrap_or_default());
        let namespace = claim.metadata.namespace.clone().unwrap_or_default();
        let name = claim.metadata.name.clone().unwrap_or_default();
        match chosen {
            Some(volume) => {
                let reference = ObjectReference {
                    api_version: Some("v1".into()),
                    kind: Some("PersistentVolumeClaim".into()),
                    name: Some(name),
                    namespace: Some(namespace),
                    uid: claim.metadata.uid.clone(),
                    resource_version: claim.metadata.resource_version.clone(),
                    field_path: None,
                };
                let _ = api.update::<PersistentVolume>("", &volume, |v| {
                    v.spec.get_or_insert_with(Default::default).claim_ref = Some(reference);
                    v.metadata
                        .annotations
                        .get_or_insert_with(Default::default)
                        .insert(BOUND_BY_CONTROLLER.into(), "yes".into());
                });
            }
            None => {
                let _ = api.update::<PersistentVolumeClaim>(&namespace, &name, |c| {
                    c.metadata
                        .annotations
                        .get_or_insert_with(Default::default)
                        .insert(SELECTED_NODE.into(), node.to_string());
                });
            }
        }
    }
    waiting
}
