//! The scheduling framework's vocabulary: what the scheduler keeps of pods and nodes (PodInfo,
//! NodeInfo), the per-cycle state plugins compute once per pod (CycleState), the statuses filters
//! return, and the interfaces filter and score plugins implement.

use super::cache::Snapshot;
use super::plugins::node_affinity::RequiredNodeAffinity;
use super::plugins::{
    inter_pod_affinity, pod_topology_spread, volume_binding, volume_restrictions,
};
use crate::api::selector::{Operator, Requirement, Selector};
use crate::quantity;
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Container, Node, Pod, PodAffinityTerm, PodSpec};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

/// The highest score a plugin gives a node (`framework.MaxNodeScore`).
pub const MAX_NODE_SCORE: i64 = 100;

/// What scoring assumes a container without a cpu request asks for (`DefaultMilliCPURequest`).
const DEFAULT_MILLI_CPU_REQUEST: i64 = 100;
/// What scoring assumes a container without a memory request asks for (`DefaultMemoryRequest`).
const DEFAULT_MEMORY_REQUEST_BYTES: i64 = 200 * 1024 * 1024;

/// Amounts of the resources the scheduler counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    pub milli_cpu: i64,
    pub memory_bytes: i64,
}

impl std::ops::Add for Resources {
    type Output = Resources;

    fn add(self, other: Resources) -> Resources {
        Resources {
            milli_cpu: self.milli_cpu + other.milli_cpu,
            memory_bytes: self.memory_bytes + other.memory_bytes,
        }
    }
}

impl std::ops::Sub for Resources {
    type Output = Resources;

    fn sub(self, other: Resources) -> Resources {
        Resources {
            milli_cpu: self.milli_cpu - other.milli_cpu,
            memory_bytes: self.memory_bytes - other.memory_bytes,
        }
    }
}

impl Resources {
    fn max(self, other: Resources) -> Resources {
        Resources {
            milli_cpu: self.milli_cpu.max(other.milli_cpu),
            memory_bytes: self.memory_bytes.max(other.memory_bytes),
        }
    }

    pub fn from_list(list: Option<&BTreeMap<String, Quantity>>) -> Resources {
        let read = |name: &str, f: fn(quantity::Milli) -> i128| {
            list.and_then(|l| l.get(name))
                .and_then(|q| quantity::parse(&q.0).ok())
                .map_or(0, |m| i64::try_from(f(m)).unwrap_or(i64::MAX))
        };
        Resources {
            milli_cpu: read("cpu", |m| m.0),
            memory_bytes: read("memory", quantity::Milli::units),
        }
    }
}

/// What a pod asks of a node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PodRequests {
    /// For fitting (`resourcehelper.PodRequests`): app containers plus sidecars, or the biggest
    /// init container step if larger, plus the pod overhead.
    pub fit: Resources,
    /// For LeastAllocated scoring: the same with unset requests counted as 100m CPU / 200 MiB.
    pub non_zero: Resources,
}

impl PodRequests {
    pub fn of(pod: &Pod) -> PodRequests {
        pod.spec.as_ref().map(PodRequests::of_spec).unwrap_or_default()
    }

    pub fn of_spec(spec: &PodSpec) -> PodRequests {
        // Each container's requests are read once for both sums.
        let own = |c: &Container| {
            let fit = Resources::from_list(c.resources.as_ref().and_then(|r| r.requests.as_ref()));
            let non_zero = Resources {
                milli_cpu: if fit.milli_cpu == 0 {
                    DEFAULT_MILLI_CPU_REQUEST
                } else {
                    fit.milli_cpu
                },
                memory_bytes: if fit.memory_bytes == 0 {
                    DEFAULT_MEMORY_REQUEST_BYTES
                } else {
                    fit.memory_bytes
                },
            };
            PodRequests { fit, non_zero }
        };
        let overhead = Resources::from_list(spec.overhead.as_ref());
        let mut sum = spec.containers.iter().map(own).fold(PodRequests::default(), |a, b| a + b);
        // Init containers run one at a time, each beside the sidecars started before it;
        // sidecars (restartPolicy Always) keep running beside the app containers.
        let mut sidecars = PodRequests::default();
        let mut init_peak = PodRequests::default();
        for container in spec.init_containers.iter().flatten() {
            let own = own(container);
            let step = if container.restart_policy.as_deref() == Some("Always") {
                sum = sum + own;
                sidecars = sidecars + own;
                sidecars
            } else {
                own + sidecars
            };
            init_peak = init_peak.max(step);
        }
        sum.max(init_peak) + PodRequests { fit: overhead, non_zero: overhead }
    }

    /// Each sum's larger amount of each resource.
    fn max(self, other: PodRequests) -> PodRequests {
        PodRequests { fit: self.fit.max(other.fit), non_zero: self.non_zero.max(other.non_zero) }
    }
}

impl std::ops::Add for PodRequests {
    type Output = PodRequests;

    fn add(self, other: PodRequests) -> PodRequests {
        PodRequests { fit: self.fit + other.fit, non_zero: self.non_zero + other.non_zero }
    }
}

/// A port a pod takes on its node's network (`hostPort`, or every port with hostNetwork).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPort {
    pub ip: String,
    pub protocol: String,
    pub port: i32,
}

impl HostPort {
    /// Two uses of a port clash when protocol and port are the same and either binds every
    /// address (`0.0.0.0`) or both bind the same one (`HostPortInfo.CheckConflict`).
    pub fn conflicts(&self, other: &HostPort) -> bool {
        self.port == other.port
            && self.protocol == other.protocol
            && (self.ip == other.ip || self.ip == "0.0.0.0" || other.ip == "0.0.0.0")
    }
}

/// The host ports a pod's containers ask for.
pub fn host_ports(spec: &PodSpec) -> Vec<HostPort> {
    spec.containers
        .iter()
        .flat_map(|c| c.ports.iter().flatten())
        .filter_map(|p| {
            let port = p.host_port.filter(|&port| port > 0)?;
            Some(HostPort {
                ip: p.host_ip.clone().filter(|ip| !ip.is_empty()).unwrap_or("0.0.0.0".into()),
                protocol: p.protocol.clone().unwrap_or_else(|| "TCP".into()),
                port,
            })
        })
        .collect()
}

/// A label selector as apimachinery's `LabelSelectorAsSelector` reads it: no selector selects
/// nothing, an empty one selects everything.
pub fn label_selector(selector: Option<&LabelSelector>) -> Option<Selector> {
    selector.and_then(Selector::from_label_selector)
}

/// One pod (anti-)affinity term, read once (`framework.AffinityTerm`).
#[derive(Clone, Debug)]
pub struct AffinityTerm {
    /// `None` when the term has no labelSelector: it matches no pod.
    pub selector: Option<Selector>,
    /// The namespaces listed, or the pod's own when neither list nor selector is given.
    pub namespaces: BTreeSet<String>,
    pub namespace_selector: Option<Selector>,
    pub topology_key: String,
}

impl AffinityTerm {
    /// Reads a term of `pod` (whose namespace and labels fill the defaults and the
    /// matchLabelKeys / mismatchLabelKeys requirements).
    pub fn new(term: &PodAffinityTerm, namespace: &str, labels: &BTreeMap<String, String>) -> Self {
        let mut selector = label_selector(term.label_selector.as_ref());
        if let Some(selector) = selector.as_mut() {
            for key in term.match_label_keys.iter().flatten() {
                if let Some(value) = labels.get(key) {
                    selector.requirements.push(Requirement {
                        key: key.clone(),
                        operator: Operator::In,
                        values: vec![value.clone()],
                    });
                }
            }
            for key in term.mismatch_label_keys.iter().flatten() {
                if let Some(value) = labels.get(key) {
                    selector.requirements.push(Requirement {
                        key: key.clone(),
                        operator: Operator::NotIn,
                        values: vec![value.clone()],
                    });
                }
            }
        }
        let listed: BTreeSet<String> = term.namespaces.iter().flatten().cloned().collect();
        let namespaces = if listed.is_empty() && term.namespace_selector.is_none() {
            BTreeSet::from([namespace.to_string()])
        } else {
            listed
        };
        AffinityTerm {
            selector,
            namespaces,
            namespace_selector: label_selector(term.namespace_selector.as_ref()),
            topology_key: term.topology_key.clone(),
        }
    }

    /// Whether `pod` is one of the pods this term selects.
    pub fn matches(&self, pod: &PodInfo, snapshot: &Snapshot) -> bool {
        let in_namespace = self.namespaces.contains(&pod.namespace)
            || self
                .namespace_selector
                .as_ref()
                .is_some_and(|s| s.matches(snapshot.namespace_labels(&pod.namespace)));
        in_namespace && self.selector.as_ref().is_some_and(|s| s.matches(Some(&pod.labels)))
    }
}

#[derive(Clone, Debug)]
pub struct WeightedAffinityTerm {
    pub term: AffinityTerm,
    pub weight: i64,
}

/// What the scheduler keeps of a pod (kube-scheduler's `PodInfo`): read once when the pod is
/// seen, so filters and scores never parse the pod again.
#[derive(Clone, Debug)]
pub struct PodInfo {
    pub uid: String,
    pub namespace: String,
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub priority: i32,
    pub requests: PodRequests,
    pub host_ports: Vec<HostPort>,
    pub required_affinity: Vec<AffinityTerm>,
    pub required_anti_affinity: Vec<AffinityTerm>,
    pub preferred_affinity: Vec<WeightedAffinityTerm>,
    pub preferred_anti_affinity: Vec<WeightedAffinityTerm>,
    /// Being deleted: still on its node, but no longer counted by topology spreading.
    pub terminating: bool,
    /// When the pod started (its creation if not yet): preemption prefers younger victims.
    pub start_time: SimTime,
    /// The resourceVersion this was read at: an unchanged pod is not read again.
    pub resource_version: String,
}

impl PodInfo {
    pub fn new(pod: &Pod) -> PodInfo {
        let mut info = PodInfo {
            uid: pod.metadata.uid.clone().unwrap_or_default(),
            namespace: pod.metadata.namespace.clone().unwrap_or_default(),
            name: pod.metadata.name.clone().unwrap_or_default(),
            labels: BTreeMap::new(),
            priority: 0,
            requests: PodRequests::default(),
            host_ports: Vec::new(),
            required_affinity: Vec::new(),
            required_anti_affinity: Vec::new(),
            preferred_affinity: Vec::new(),
            preferred_anti_affinity: Vec::new(),
            terminating: false,
            start_time: SimTime::default(),
            resource_version: String::new(),
        };
        info.read(pod);
        info
    }

    /// Reads again what may change while the pod keeps its uid, name and namespace: a pod
    /// updated in place costs no new copies of those or of unchanged labels.
    pub fn read(&mut self, pod: &Pod) {
        match &pod.metadata.labels {
            Some(labels) if *labels != self.labels => self.labels.clone_from(labels),
            Some(_) => {}
            None => self.labels.clear(),
        }
        let (namespace, labels) = (&self.namespace, &self.labels);
        let spec = pod.spec.as_ref();
        let affinity = spec.and_then(|s| s.affinity.as_ref());
        let pod_affinity = affinity.and_then(|a| a.pod_affinity.as_ref());
        let anti_affinity = affinity.and_then(|a| a.pod_anti_affinity.as_ref());
        let required = |terms: Option<&Vec<PodAffinityTerm>>| -> Vec<AffinityTerm> {
            terms.into_iter().flatten().map(|t| AffinityTerm::new(t, namespace, labels)).collect()
        };
        let preferred =
            |terms: Option<&Vec<k8s_openapi::api::core::v1::WeightedPodAffinityTerm>>| {
                terms
                    .into_iter()
                    .flatten()
                    .map(|t| WeightedAffinityTerm {
                        term: AffinityTerm::new(&t.pod_affinity_term, namespace, labels),
                        weight: i64::from(t.weight),
                    })
                    .collect::<Vec<_>>()
            };
        self.required_affinity = required(
            pod_affinity
                .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_ref()),
        );
        self.required_anti_affinity = required(
            anti_affinity
                .and_then(|a| a.required_during_scheduling_ignored_during_execution.as_ref()),
        );
        self.preferred_affinity = preferred(
            pod_affinity
                .and_then(|a| a.preferred_during_scheduling_ignored_during_execution.as_ref()),
        );
        self.preferred_anti_affinity = preferred(
            anti_affinity
                .and_then(|a| a.preferred_during_scheduling_ignored_during_execution.as_ref()),
        );
        self.priority = spec.and_then(|s| s.priority).unwrap_or(0);
        self.requests = PodRequests::of(pod);
        self.host_ports = spec.map(host_ports).unwrap_or_default();
        self.terminating = pod.metadata.deletion_timestamp.is_some();
        self.start_time = pod
            .status
            .as_ref()
            .and_then(|s| s.start_time.as_ref())
            .or(pod.metadata.creation_timestamp.as_ref())
            .map(SimTime::from_k8s)
            .unwrap_or_default();
        self.resource_version.clear();
        self.resource_version
            .push_str(pod.metadata.resource_version.as_deref().unwrap_or_default());
    }

    pub fn has_affinity(&self) -> bool {
        !self.required_affinity.is_empty()
            || !self.required_anti_affinity.is_empty()
            || !self.preferred_affinity.is_empty()
            || !self.preferred_anti_affinity.is_empty()
    }
}

/// A node as the scheduler's cache holds it: the node and what its pods already take.
#[derive(Clone, Debug)]
pub struct NodeInfo {
    /// Shared with the API server's copy (no copy per node; and the filter and score loops,
    /// which read the fields below for every node, walk a small struct).
    pub node: Rc<Node>,
    pub name: String,
    /// The node's name as an id into the cache's names (explanations keep ids, not names).
    pub id: u32,
    pub pods: Vec<PodInfo>,
    pub allocatable: Resources,
    pub allowed_pod_number: i64,
    pub requested: Resources,
    pub non_zero_requested: Resources,
    pub used_ports: Vec<HostPort>,
    /// Pods here with (anti-)affinity terms, so the affinity plugins can skip the rest.
    pub pods_with_affinity: usize,
    pub pods_with_required_anti_affinity: usize,
    /// Image names the node holds (as its status lists them) and their sizes.
    pub images: BTreeMap<String, i64>,
    /// Read from the Node once, so the filters and scores that run for every node and pod
    /// look at a flag: cordoned, and whether it has taints that keep pods out
    /// (NoSchedule, NoExecute) or only lower its score (PreferNoSchedule).
    pub unschedulable: bool,
    pub has_hard_taints: bool,
    pub has_soft_taints: bool,
}

impl NodeInfo {
    pub fn new(node: Rc<Node>, id: u32) -> Self {
        let mut info = NodeInfo {
            id,
            name: node.metadata.name.clone().unwrap_or_default(),
            node,
            pods: Vec::new(),
            allocatable: Resources::default(),
            allowed_pod_number: 0,
            requested: Resources::default(),
            non_zero_requested: Resources::default(),
            used_ports: Vec::new(),
            pods_with_affinity: 0,
            pods_with_required_anti_affinity: 0,
            images: BTreeMap::new(),
            unschedulable: false,
            has_hard_taints: false,
            has_soft_taints: false,
        };
        info.read_node();
        info
    }

    /// Re-reads what comes from the Node object itself (after the node changed).
    pub fn set_node(&mut self, node: Rc<Node>) {
        self.node = node;
        self.read_node();
    }

    fn read_node(&mut self) {
        let status = self.node.status.as_ref();
        let allocatable = status.and_then(|s| s.allocatable.as_ref());
        self.allocatable = Resources::from_list(allocatable);
        self.allowed_pod_number = allocatable
            .and_then(|a| a.get("pods"))
            .and_then(|q| quantity::parse(&q.0).ok())
            .map_or(0, |m| i64::try_from(m.units()).unwrap_or(0));
        self.images = status
            .and_then(|s| s.images.as_ref())
            .into_iter()
            .flatten()
            .flat_map(|image| {
                let size = image.size_bytes.unwrap_or(0);
                image.names.iter().flatten().map(move |name| (name.clone(), size))
            })
            .collect();
        let spec = self.node.spec.as_ref();
        self.unschedulable = spec.and_then(|s| s.unschedulable).unwrap_or(false);
        let taints = spec.and_then(|s| s.taints.as_deref()).unwrap_or_default();
        self.has_hard_taints =
            taints.iter().any(|t| t.effect == "NoSchedule" || t.effect == "NoExecute");
        self.has_soft_taints = taints.iter().any(|t| t.effect == "PreferNoSchedule");
    }

    pub fn labels(&self) -> Option<&BTreeMap<String, String>> {
        self.node.metadata.labels.as_ref()
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels().and_then(|l| l.get(key)).map(String::as_str)
    }

    pub fn add_pod(&mut self, pod: PodInfo) {
        self.requested = self.requested + pod.requests.fit;
        self.non_zero_requested = self.non_zero_requested + pod.requests.non_zero;
        self.used_ports.extend(pod.host_ports.iter().cloned());
        self.pods_with_affinity += usize::from(pod.has_affinity());
        self.pods_with_required_anti_affinity +=
            usize::from(!pod.required_anti_affinity.is_empty());
        self.pods.push(pod);
    }

    pub fn remove_pod(&mut self, uid: &str) -> Option<PodInfo> {
        let index = self.pods.iter().position(|p| p.uid == uid)?;
        Some(self.take_pod(index))
    }

    /// The pod at `index` of [`Self::pods`] changed in place: it is read again and, as a pod
    /// removed and added again would, goes to the end of the list.
    pub fn refresh_pod(&mut self, index: usize, pod: &Pod) {
        let mut info = self.take_pod(index);
        info.read(pod);
        self.add_pod(info);
    }

    fn take_pod(&mut self, index: usize) -> PodInfo {
        let pod = self.pods.remove(index);
        self.requested = self.requested - pod.requests.fit;
        self.non_zero_requested = self.non_zero_requested - pod.requests.non_zero;
        for port in &pod.host_ports {
            if let Some(i) = self.used_ports.iter().position(|p| p == port) {
                self.used_ports.remove(i);
            }
        }
        self.pods_with_affinity -= usize::from(pod.has_affinity());
        self.pods_with_required_anti_affinity -=
            usize::from(!pod.required_anti_affinity.is_empty());
        pod
    }
}

/// How a filter turned a node down (`framework.Status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// Does not fit now; removing pods (preemption) might help.
    Unschedulable,
    /// Does not fit, and preempting pods would not change that.
    UnschedulableAndUnresolvable,
}

/// A filter's refusal: the reasons a learner reads in the FailedScheduling message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    pub plugin: &'static str,
    pub code: Code,
    pub reasons: Vec<String>,
}

pub type Verdict = Result<(), Rejection>;

/// Shorthand for plugins: a refusal with one reason.
pub fn reject(plugin: &'static str, code: Code, reason: impl Into<String>) -> Verdict {
    Err(Rejection { plugin, code, reasons: vec![reason.into()] })
}

/// Cluster changes that can make a pod that did not fit fit now (`framework.ClusterEvent`),
/// as bits; each filter names the ones it cares about (`EventsToRegister`).
pub mod events {
    pub const NODE_ADD: u32 = 1;
    pub const NODE_ALLOCATABLE: u32 = 1 << 1;
    pub const NODE_LABEL: u32 = 1 << 2;
    pub const NODE_TAINT: u32 = 1 << 3;
    pub const ASSIGNED_POD_ADD: u32 = 1 << 4;
    pub const ASSIGNED_POD_UPDATE: u32 = 1 << 5;
    pub const ASSIGNED_POD_DELETE: u32 = 1 << 6;
    pub const NAMESPACE: u32 = 1 << 7;
    /// A PersistentVolumeClaim, PersistentVolume or StorageClass was added or changed.
    pub const STORAGE: u32 = 1 << 8;
}

/// What one scheduling cycle knows about the pod being placed, computed once before the nodes
/// are filtered (the PreFilter results of `CycleState`).
pub struct CycleState<'a> {
    pub pod: &'a Pod,
    pub info: PodInfo,
    pub snapshot: &'a Snapshot,
    /// NodeAffinity: nodeSelector and required node affinity, read once.
    pub node_affinity: RequiredNodeAffinity,
    /// InterPodAffinity's PreFilter counts (`None` when the plugin has nothing to check).
    pub inter_pod_affinity: Option<inter_pod_affinity::PreFilterState>,
    /// PodTopologySpread's PreFilter counts (`None` without DoNotSchedule constraints).
    pub topology_spread: Option<pod_topology_spread::PreFilterState>,
    /// Pods nominated to nodes (after preempting) that outrank this one, by node: their
    /// requests are set aside on that node.
    pub nominated: BTreeMap<String, Resources>,
    /// The pods the pod's Services and workload select, for the default topology spreading
    /// (`None` when nothing selects it).
    pub default_spread_selector: Option<Selector>,
    /// VolumeBinding's PreFilter: the pod's claims and the volumes they have or could get
    /// (`None` when the pod has no claims).
    pub volume_binding: Option<volume_binding::PreFilterState>,
    /// VolumeRestrictions' PreFilter: the pods using the pod's ReadWriteOncePod claims.
    pub volume_restrictions: Option<volume_restrictions::PreFilterState>,
    /// The filters that have something to check for this pod (the others' PreFilter said
    /// Skip), in the profile's order.
    pub filters: Vec<&'static dyn FilterPlugin>,
    /// The same without the filters that only ever turn down cordoned or NoSchedule/NoExecute
    /// tainted nodes: what the other nodes (most of them) go through.
    pub unflagged_filters: Vec<&'static dyn FilterPlugin>,
}

impl<'a> CycleState<'a> {
    /// PreFilter: reads the pod and computes the cluster-wide counts its filters need.
    pub fn new(
        pod: &'a Pod,
        snapshot: &'a Snapshot,
        nominated: BTreeMap<String, Resources>,
        default_spread_selector: Option<Selector>,
        volume_binding: Option<volume_binding::PreFilterState>,
        volume_restrictions: Option<volume_restrictions::PreFilterState>,
    ) -> Self {
        let mut state = CycleState {
            pod,
            info: PodInfo::new(pod),
            snapshot,
            node_affinity: RequiredNodeAffinity::of(pod),
            inter_pod_affinity: None,
            topology_spread: None,
            nominated,
            default_spread_selector,
            volume_binding,
            volume_restrictions,
            filters: Vec::new(),
            unflagged_filters: Vec::new(),
        };
        state.pre_filter(&|_| false);
        state
    }

    /// Computes the cluster-wide counts again as if the pods `ignore` picks were gone
    /// (preemption's dry run).
    pub fn pre_filter(&mut self, ignore: &dyn Fn(&PodInfo) -> bool) {
        self.inter_pod_affinity = inter_pod_affinity::pre_filter(&self.info, self.snapshot, ignore);
        self.topology_spread = pod_topology_spread::pre_filter(self, self.snapshot, ignore);
        if let Some(restrictions) = self.volume_restrictions.as_mut() {
            restrictions.set_aside(ignore);
        }
        self.filters = super::plugins::FILTERS.iter().copied().filter(|f| !f.skip(self)).collect();
        self.unflagged_filters =
            self.filters.iter().copied().filter(|f| !f.only_rejects_flagged_nodes()).collect();
    }

    /// Runs the filters in order; a node fails on the first that rejects it, as in the
    /// framework.
    pub fn run_filters(&self, node: &NodeInfo) -> Verdict {
        let filters = if node.unschedulable || node.has_hard_taints {
            &self.filters
        } else {
            &self.unflagged_filters
        };
        filters.iter().try_for_each(|plugin| plugin.filter(self, node))
    }
}

pub trait FilterPlugin: Sync {
    fn name(&self) -> &'static str;
    /// The cluster events after which a pod this plugin rejected is worth trying again.
    fn events(&self) -> u32;
    /// PreFilter's Skip: the plugin has nothing to check for this pod on any node.
    fn skip(&self, _state: &CycleState<'_>) -> bool {
        false
    }
    fn filter(&self, state: &CycleState<'_>, node: &NodeInfo) -> Verdict;
    /// Whether the plugin can turn down only nodes that are cordoned or have NoSchedule or
    /// NoExecute taints (NodeInfo's flags), so the others need not ask it.
    fn only_rejects_flagged_nodes(&self) -> bool {
        false
    }
}

/// Per-cycle data a score plugin computes over the feasible nodes before scoring them.
pub type ScoreState = Box<dyn std::any::Any>;

pub trait ScorePlugin: Sync {
    fn name(&self) -> &'static str;
    fn weight(&self) -> i64;
    /// PreScore: `None` when the plugin has nothing to say about this pod (the framework's
    /// Skip), or the data its scores need.
    fn pre_score(
        &self,
        state: &CycleState<'_>,
        snapshot: &Snapshot,
        feasible: &[usize],
    ) -> Option<ScoreState>;
    /// The raw score of one feasible node.
    fn score(&self, state: &CycleState<'_>, data: &ScoreState, node: &NodeInfo) -> i64;
    /// Appends the raw scores of the feasible nodes, in their order, to `scores` (a buffer the
    /// scheduler reuses); or, appending nothing, returns the score every feasible node gets
    /// when the plugin knows it without looking at them. One dynamic call per plugin and pod:
    /// compiled for each plugin, the loop calls its `score` directly.
    fn scores(
        &self,
        state: &CycleState<'_>,
        data: &ScoreState,
        snapshot: &Snapshot,
        feasible: &[usize],
        scores: &mut Vec<i64>,
    ) -> Option<i64> {
        scores.extend(feasible.iter().map(|&i| self.score(state, data, &snapshot.nodes[i])));
        None
    }
    /// Maps raw scores onto 0..=100 in place (`NormalizeScore`); false when the raw scores
    /// already are in that range (most plugins) and were left as they are. What a score becomes
    /// may depend only on that score and on the column's lowest and highest (as in every
    /// plugin), so a column with one score for every node is normalized as that one score.
    fn normalize(&self, _data: &ScoreState, _scores: &mut [i64]) -> bool {
        false
    }
}

/// `DefaultNormalizeScore`, in place: scales so the best node gets 100 (or, reversed, the worst
/// gets 100). False when that leaves the scores as they are (all 0, not reversed).
pub fn default_normalize(scores: &mut [i64], reverse: bool) -> bool {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.fill(MAX_NODE_SCORE);
        }
        return reverse;
    }
    for score in scores {
        let scaled = MAX_NODE_SCORE * *score / max;
        *score = if reverse { MAX_NODE_SCORE - scaled } else { scaled };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(cpu: &str, restart_policy: Option<&str>) -> Container {
        Container {
            name: "c".into(),
            restart_policy: restart_policy.map(Into::into),
            resources: Some(k8s_openapi::api::core::v1::ResourceRequirements {
                requests: Some(BTreeMap::from([("cpu".to_string(), Quantity(cpu.into()))])),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn pod_requests_count_init_containers_sidecars_and_overhead_as_kubernetes_does() {
        let cases = [
            ("app containers add up", vec!["100m", "200m"], vec![], None, 300),
            ("a bigger init container wins", vec!["100m"], vec![("500m", None)], None, 500),
            (
                "a smaller init container does not count",
                vec!["300m"],
                vec![("100m", None)],
                None,
                300,
            ),
            (
                "a sidecar runs beside the app containers",
                vec!["300m"],
                vec![("100m", Some("Always"))],
                None,
                400,
            ),
            (
                "an init container after a sidecar runs beside it",
                vec!["100m"],
                vec![("200m", Some("Always")), ("500m", None)],
                None,
                700,
            ),
            ("the pod overhead is added", vec!["100m"], vec![], Some("250m"), 350),
        ];
        for (name, apps, inits, overhead, want) in cases {
            let spec = PodSpec {
                containers: apps.iter().map(|cpu| container(cpu, None)).collect(),
                init_containers: Some(
                    inits.iter().map(|(cpu, policy)| container(cpu, *policy)).collect(),
                ),
                overhead: overhead
                    .map(|o| BTreeMap::from([("cpu".to_string(), Quantity(o.to_string()))])),
                ..Default::default()
            };
            assert_eq!(PodRequests::of_spec(&spec).fit.milli_cpu, want, "{name}");
        }
    }

    #[test]
    fn default_normalize_scales_to_the_best_node() {
        let cases = [
            ("the best node gets 100", vec![1, 2, 4], false, vec![25, 50, 100]),
            ("reversed, the worst node gets 0", vec![0, 1, 2], true, vec![100, 50, 0]),
            ("all zero stays zero", vec![0, 0], false, vec![0, 0]),
            ("all zero reversed is 100", vec![0, 0], true, vec![100, 100]),
        ];
        for (name, mut scores, reverse, want) in cases {
            default_normalize(&mut scores, reverse);
            assert_eq!(scores, want, "{name}");
        }
    }
}
