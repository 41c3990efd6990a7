//! The scheduling framework's vocabulary: what a plugin sees of a node, what a pod asks for,
//! and the interfaces filter and score plugins implement.

use crate::quantity;
use k8s_openapi::api::core::v1::{Container, Node, Pod};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::BTreeMap;

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

impl Resources {
    fn add(self, other: Resources) -> Resources {
        Resources {
            milli_cpu: self.milli_cpu + other.milli_cpu,
            memory_bytes: self.memory_bytes + other.memory_bytes,
        }
    }

    fn max(self, other: Resources) -> Resources {
        Resources {
            milli_cpu: self.milli_cpu.max(other.milli_cpu),
            memory_bytes: self.memory_bytes.max(other.memory_bytes),
        }
    }

    fn from_list(list: Option<&BTreeMap<String, Quantity>>) -> Resources {
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
    /// For fitting: the larger of the app containers' sum and the biggest init container, plus
    /// the pod overhead.
    pub fit: Resources,
    /// For scoring: the same with unset requests counted as 100m CPU / 200 MiB.
    pub non_zero: Resources,
}

impl PodRequests {
    pub fn of(pod: &Pod) -> PodRequests {
        let Some(spec) = &pod.spec else {
            return PodRequests::default();
        };
        let requests = |c: &Container| {
            Resources::from_list(c.resources.as_ref().and_then(|r| r.requests.as_ref()))
        };
        let non_zero = |c: &Container| {
            let r = requests(c);
            Resources {
                milli_cpu: if r.milli_cpu == 0 { DEFAULT_MILLI_CPU_REQUEST } else { r.milli_cpu },
                memory_bytes: if r.memory_bytes == 0 {
                    DEFAULT_MEMORY_REQUEST_BYTES
                } else {
                    r.memory_bytes
                },
            }
        };
        let overhead = Resources::from_list(spec.overhead.as_ref());
        let total = |per_container: &dyn Fn(&Container) -> Resources| {
            let apps = spec
                .containers
                .iter()
                .map(per_container)
                .fold(Resources::default(), Resources::add);
            let init = spec
                .init_containers
                .iter()
                .flatten()
                .map(per_container)
                .fold(Resources::default(), Resources::max);
            apps.max(init).add(overhead)
        };
        PodRequests { fit: total(&requests), non_zero: total(&non_zero) }
    }
}

/// A node as the scheduler's snapshot holds it: the node and what its pods already request.
pub struct NodeInfo<'a> {
    pub node: &'a Node,
    pub name: &'a str,
    pub pods: Vec<&'a Pod>,
    pub allocatable: Resources,
    pub allowed_pod_number: i64,
    pub requested: Resources,
    pub non_zero_requested: Resources,
}

impl<'a> NodeInfo<'a> {
    pub fn new(node: &'a Node, pods: Vec<&'a Pod>) -> Self {
        let allocatable_list = node.status.as_ref().and_then(|s| s.allocatable.as_ref());
        let allowed_pod_number = allocatable_list
            .and_then(|a| a.get("pods"))
            .and_then(|q| quantity::parse(&q.0).ok())
            .map_or(0, |m| i64::try_from(m.units()).unwrap_or(0));
        let (requested, non_zero_requested) = pods
            .iter()
            .map(|p| PodRequests::of(p))
            .fold((Resources::default(), Resources::default()), |(fit, nz), r| {
                (fit.add(r.fit), nz.add(r.non_zero))
            });
        NodeInfo {
            node,
            name: node.metadata.name.as_deref().unwrap_or_default(),
            pods,
            allocatable: Resources::from_list(allocatable_list),
            allowed_pod_number,
            requested,
            non_zero_requested,
        }
    }
}

/// A filter's verdict on one node (`framework.Status`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Fits,
    /// Does not fit now; removing pods (preemption) might help.
    Unschedulable(Vec<String>),
    /// Does not fit, and preempting pods would not change that.
    UnschedulableAndUnresolvable(Vec<String>),
}

pub trait FilterPlugin: Sync {
    fn name(&self) -> &'static str;
    fn filter(&self, pod: &Pod, node: &NodeInfo<'_>) -> Verdict;
}

pub trait ScorePlugin: Sync {
    fn name(&self) -> &'static str;
    fn weight(&self) -> i64;
    /// The raw score of one feasible node; `nodes` is every node, for plugins that look across
    /// the cluster (how many nodes already hold an image).
    fn score(&self, pod: &Pod, node: &NodeInfo<'_>, nodes: &[NodeInfo<'_>]) -> i64;
    /// Maps raw scores onto 0..=100; most plugins already score in that range.
    fn normalize(&self, _scores: &mut [i64]) {}
}

/// `DefaultNormalizeScore`: scales so the best node gets 100 (or, reversed, the worst gets 100).
pub fn default_normalize(scores: &mut [i64], reverse: bool) {
    let max = scores.iter().copied().max().unwrap_or(0);
    if max == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = MAX_NODE_SCORE);
        }
        return;
    }
    for score in scores.iter_mut() {
        let scaled = MAX_NODE_SCORE * *score / max;
        *score = if reverse { MAX_NODE_SCORE - scaled } else { scaled };
    }
}
