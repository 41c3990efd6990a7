//! PodTopologySpread: keeps matching pods spread over topology domains (zones, nodes). A
//! DoNotSchedule constraint rejects nodes where the skew would pass maxSkew; ScheduleAnyway
//! constraints (and the cluster's default ones, for pods of a Service or workload) score nodes
//! whose domains hold fewer matching pods higher.

use super::super::cache::Snapshot;
use super::super::framework::{
    Code, CycleState, FilterPlugin, MAX_NODE_SCORE, NodeInfo, PodInfo, ScorePlugin, ScoreState,
    Verdict, events, label_selector, reject,
};
use super::taint_toleration::tolerates;
use crate::api::selector::{Operator, Requirement, Selector};
use k8s_openapi::api::core::v1::Pod;
use std::collections::BTreeMap;

pub struct PodTopologySpread;

const NAME: &str = "PodTopologySpread";
const HOSTNAME: &str = "kubernetes.io/hostname";
const ZONE: &str = "topology.kubernetes.io/zone";

/// One constraint, read once (`topologySpreadConstraint`).
#[derive(Clone, Debug)]
pub struct Constraint {
    max_skew: i64,
    topology_key: String,
    /// `None`: no labelSelector, so no pod matches.
    selector: Option<Selector>,
    min_domains: usize,
    /// nodeAffinityPolicy Honor (the default): only nodes the pod could go to count.
    honor_node_affinity: bool,
    /// nodeTaintsPolicy Honor (default Ignore): only nodes whose taints the pod tolerates count.
    honor_taints: bool,
}

impl Constraint {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.selector.as_ref().is_some_and(|s| s.matches(Some(labels)))
    }
}

/// The pod's constraints with `whenUnsatisfiable` = `when`.
fn constraints(pod: &Pod, when: &str) -> Vec<Constraint> {
    let labels = pod.metadata.labels.as_ref();
    pod.spec
        .as_ref()
        .and_then(|s| s.topology_spread_constraints.as_ref())
        .into_iter()
        .flatten()
        .filter(|c| c.when_unsatisfiable == when)
        .map(|c| {
            let mut selector = label_selector(c.label_selector.as_ref());
            if let Some(selector) = selector.as_mut() {
                for key in c.match_label_keys.iter().flatten() {
                    if let Some(value) = labels.and_then(|l| l.get(key)) {
                        selector.requirements.push(Requirement {
                            key: key.clone(),
                            operator: Operator::In,
                            values: vec![value.clone()],
                        });
                    }
                }
            }
            Constraint {
                max_skew: i64::from(c.max_skew),
                topology_key: c.topology_key.clone(),
                selector,
                min_domains: c.min_domains.map_or(1, |m| m.max(1) as usize),
                honor_node_affinity: c.node_affinity_policy.as_deref() != Some("Ignore"),
                honor_taints: c.node_taints_policy.as_deref() == Some("Honor"),
            }
        })
        .collect()
}

/// The system default constraints (`systemDefaulted`): hostname maxSkew 3 and zone maxSkew 5,
/// ScheduleAnyway, over the pods the pod's Services and workload select.
fn default_constraints(selector: &Selector) -> Vec<Constraint> {
    [(HOSTNAME, 3), (ZONE, 5)]
        .into_iter()
        .map(|(key, max_skew)| Constraint {
            max_skew,
            topology_key: key.to_string(),
            selector: Some(selector.clone()),
            min_domains: 1,
            honor_node_affinity: true,
            honor_taints: false,
        })
        .collect()
}

/// Whether a node takes part in counting for a constraint (`nodeInclusionPolicy`).
fn counts_node(c: &Constraint, state: &CycleState<'_>, node: &NodeInfo) -> bool {
    (!c.honor_node_affinity || state.node_affinity.matches(node))
        && (!c.honor_taints
            || node
                .node
                .spec
                .as_ref()
                .and_then(|s| s.taints.as_ref())
                .into_iter()
                .flatten()
                .filter(|t| t.effect == "NoSchedule" || t.effect == "NoExecute")
                .all(|t| tolerates(state.pod, t)))
}

/// Pods on `node` in `namespace`, not being deleted, that the constraint selects.
fn matching_pods(
    c: &Constraint,
    node: &NodeInfo,
    namespace: &str,
    ignore: &dyn Fn(&PodInfo) -> bool,
) -> i64 {
    node.pods
        .iter()
        .filter(|p| {
            !p.terminating && p.namespace == namespace && !ignore(p) && c.matches(&p.labels)
        })
        .count() as i64
}

/// PreFilter's counts for the DoNotSchedule constraints.
#[derive(Clone, Debug)]
pub struct PreFilterState {
    constraints: Vec<Constraint>,
    /// (constraint index, domain value) → matching pods there (`TpPairToMatchNum`).
    counts: BTreeMap<(usize, String), i64>,
}

/// `PreFilter`: `None` when the pod has no DoNotSchedule constraint. Pods for which `ignore`
/// holds are left out (preemption's "what if they were gone").
pub fn pre_filter(
    state: &CycleState<'_>,
    snapshot: &Snapshot,
    ignore: &dyn Fn(&PodInfo) -> bool,
) -> Option<PreFilterState> {
    let constraints = constraints(state.pod, "DoNotSchedule");
    if constraints.is_empty() {
        return None;
    }
    let mut counts = BTreeMap::new();
    for node in &snapshot.nodes {
        if constraints.iter().any(|c| node.label(&c.topology_key).is_none()) {
            continue;
        }
        for (i, c) in constraints.iter().enumerate() {
            if !counts_node(c, state, node) {
                continue;
            }
            let value = node.label(&c.topology_key).unwrap_or_default().to_string();
            *counts.entry((i, value)).or_default() +=
                matching_pods(c, node, &state.info.namespace, ignore);
        }
    }
    Some(PreFilterState { constraints, counts })
}

impl PreFilterState {
    /// The smallest count over the constraint's domains; 0 while there are fewer domains than
    /// minDomains.
    fn global_min(&self, i: usize) -> i64 {
        let domains = self.counts.range((i, String::new())..(i + 1, String::new()));
        let (number, min) =
            domains.fold((0, i64::MAX), |(n, min), (_, &count)| (n + 1, min.min(count)));
        if number < self.constraints[i].min_domains || number == 0 { 0 } else { min }
    }
}

impl FilterPlugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        NAME
    }

    fn events(&self) -> u32 {
        events::NODE_ADD
            | events::NODE_LABEL
            | events::NODE_TAINT
            | events::ASSIGNED_POD_ADD
            | events::ASSIGNED_POD_UPDATE
            | events::ASSIGNED_POD_DELETE
    }

    fn skip(&self, state: &CycleState<'_>) -> bool {
        state.topology_spread.is_none()
    }

    fn filter(&self, state: &CycleState<'_>, node: &NodeInfo) -> Verdict {
        let Some(spread) = &state.topology_spread else { return Ok(()) };
        for (i, c) in spread.constraints.iter().enumerate() {
            let Some(value) = node.label(&c.topology_key) else {
                return reject(
                    NAME,
                    Code::UnschedulableAndUnresolvable,
                    "node(s) didn't match pod topology spread constraints (missing required label)",
                );
            };
            let own = i64::from(c.matches(&state.info.labels));
            let here = spread.counts.get(&(i, value.to_string())).copied().unwrap_or(0);
            if here + own - spread.global_min(i) > c.max_skew {
                return reject(
                    NAME,
                    Code::Unschedulable,
                    "node(s) didn't match pod topology spread constraints",
                );
            }
        }
        Ok(())
    }
}

/// PreScore's data for the ScheduleAnyway constraints.
struct ScoreCounts {
    constraints: Vec<Constraint>,
    /// Per constraint: domain value → matching pods (hostname constraints count per node).
    counts: Vec<BTreeMap<String, i64>>,
    /// Per constraint: `ln(domains + 2)`, so constraints over many domains weigh more.
    weights: Vec<f64>,
    /// Feasible nodes lacking a constraint's label: scored 0.
    ignored: Vec<bool>,
}

impl ScorePlugin for PodTopologySpread {
    fn name(&self) -> &'static str {
        NAME
    }

    fn weight(&self) -> i64 {
        2
    }

    fn pre_score(
        &self,
        state: &CycleState<'_>,
        snapshot: &Snapshot,
        feasible: &[usize],
    ) -> Option<ScoreState> {
        let has_any = state
            .pod
            .spec
            .as_ref()
            .and_then(|s| s.topology_spread_constraints.as_ref())
            .is_some_and(|c| !c.is_empty());
        let (constraints, require_all_topologies) = if has_any {
            (constraints(state.pod, "ScheduleAnyway"), true)
        } else {
            (
                state.default_spread_selector.as_ref().map(default_constraints).unwrap_or_default(),
                false,
            )
        };
        if constraints.is_empty() {
            return None;
        }
        let has_keys =
            |node: &NodeInfo| constraints.iter().all(|c| node.label(&c.topology_key).is_some());
        let mut counts = vec![BTreeMap::new(); constraints.len()];
        let mut sizes = vec![0usize; constraints.len()];
        let mut ignored = vec![false; snapshot.nodes.len()];
        for &i in feasible {
            let node = &snapshot.nodes[i];
            if require_all_topologies && !has_keys(node) {
                ignored[i] = true;
                continue;
            }
            for (j, c) in constraints.iter().enumerate() {
                if c.topology_key == HOSTNAME {
                    sizes[j] += 1;
                } else if let Some(value) = node.label(&c.topology_key) {
                    counts[j].entry(value.to_string()).or_insert(0);
                }
            }
        }
        for (j, c) in constraints.iter().enumerate() {
            if c.topology_key != HOSTNAME {
                sizes[j] = counts[j].len();
            }
        }
        for node in &snapshot.nodes {
            if require_all_topologies && !has_keys(node) {
                continue;
            }
            for (j, c) in constraints.iter().enumerate() {
                if c.topology_key == HOSTNAME || !counts_node(c, state, node) {
                    continue;
                }
                let Some(value) = node.label(&c.topology_key) else { continue };
                if let Some(count) = counts[j].get_mut(value) {
                    *count += matching_pods(c, node, &state.info.namespace, &|_| false);
                }
            }
        }
        let weights = sizes.iter().map(|&n| ((n + 2) as f64).ln()).collect();
        Some(Box::new(ScoreCounts { constraints, counts, weights, ignored }))
    }

    fn score(&self, state: &CycleState<'_>, data: &ScoreState, node: &NodeInfo) -> i64 {
        let Some(data) = data.downcast_ref::<ScoreCounts>() else { return 0 };
        let index = state.snapshot.node_index(&node.name).unwrap_or(0);
        if data.ignored.get(index).copied().unwrap_or(false) {
            return IGNORED;
        }
        let mut score = 0.0;
        for (j, c) in data.constraints.iter().enumerate() {
            let Some(value) = node.label(&c.topology_key) else { continue };
            let count = if c.topology_key == HOSTNAME {
                matching_pods(c, node, &state.info.namespace, &|_| false)
            } else {
                data.counts[j].get(value).copied().unwrap_or(0)
            };
            // `scoreForCount`: fewer matching pods, lower (better) score.
            score += count as f64 * data.weights[j] + (c.max_skew - 1) as f64;
        }
        score.round() as i64
    }

    /// Lower raw scores are better: `100 * (max + min - s) / max`; ignored nodes get 0.
    fn normalize(&self, _: &ScoreState, scores: &mut [i64]) -> bool {
        let valid = || scores.iter().copied().filter(|&s| s != IGNORED);
        let min = valid().min().unwrap_or(0);
        let max = valid().max().unwrap_or(0);
        for score in scores {
            *score = if *score == IGNORED {
                0
            } else if max == 0 {
                MAX_NODE_SCORE
            } else {
                MAX_NODE_SCORE * (max + min - *score) / max
            };
        }
        true
    }
}

/// The raw score of a node PreScore set aside (`invalidScore`).
const IGNORED: i64 = -1;
