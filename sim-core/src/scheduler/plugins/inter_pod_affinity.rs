//! InterPodAffinity: required pod affinity (be in a topology domain with matching pods),
//! required anti-affinity (stay out of domains with them), and the anti-affinity of pods already
//! placed; preferred terms, both the pod's and those of placed pods, move the score.

use super::super::cache::Snapshot;
use super::super::framework::{
    AffinityTerm, Code, CycleState, FilterPlugin, MAX_NODE_SCORE, NodeInfo, PodInfo, ScorePlugin,
    ScoreState, Verdict, events, reject,
};
use std::collections::BTreeMap;

pub struct InterPodAffinity;

const NAME: &str = "InterPodAffinity";
/// The score an existing pod's required affinity term gives a pod it matches
/// (`hardPodAffinityWeight`).
const HARD_POD_AFFINITY_WEIGHT: i64 = 1;

/// A topology domain: a label key and its value.
type Pair = (String, String);

/// PreFilter's counts, over the pods already placed.
#[derive(Clone, Debug, Default)]
pub struct PreFilterState {
    /// Domains holding pods whose required anti-affinity selects the incoming pod.
    existing_anti_affinity: BTreeMap<Pair, i64>,
    /// Domains holding pods that match every required affinity term of the incoming pod.
    affinity: BTreeMap<Pair, i64>,
    /// Domains holding pods matched by a required anti-affinity term of the incoming pod.
    anti_affinity: BTreeMap<Pair, i64>,
}

fn count(map: &mut BTreeMap<Pair, i64>, node: &NodeInfo, key: &str, by: i64) {
    if let Some(value) = node.label(key) {
        *map.entry((key.to_string(), value.to_string())).or_default() += by;
    }
}

/// `PreFilter`: `None` when neither the pod nor any placed pod has required terms to check.
/// Pods for which `ignore` holds are left out (preemption's "what if they were gone").
pub fn pre_filter(
    pod: &PodInfo,
    snapshot: &Snapshot,
    ignore: &dyn Fn(&PodInfo) -> bool,
) -> Option<PreFilterState> {
    let has_terms = !pod.required_affinity.is_empty() || !pod.required_anti_affinity.is_empty();
    let existing_anti = snapshot.has_pods_with_required_anti_affinity();
    if !has_terms && !existing_anti {
        return None;
    }
    let mut state = PreFilterState::default();
    for node in &snapshot.nodes {
        if node.pods_with_required_anti_affinity == 0 && !has_terms {
            continue;
        }
        for existing in node.pods.iter().filter(|p| !ignore(p)) {
            for term in &existing.required_anti_affinity {
                if term.matches(pod, snapshot) {
                    count(&mut state.existing_anti_affinity, node, &term.topology_key, 1);
                }
            }
            if !pod.required_affinity.is_empty()
                && pod.required_affinity.iter().all(|t| t.matches(existing, snapshot))
            {
                for term in &pod.required_affinity {
                    count(&mut state.affinity, node, &term.topology_key, 1);
                }
            }
            for term in &pod.required_anti_affinity {
                if term.matches(existing, snapshot) {
                    count(&mut state.anti_affinity, node, &term.topology_key, 1);
                }
            }
        }
    }
    Some(state)
}

fn in_domain(map: &BTreeMap<Pair, i64>, node: &NodeInfo, key: &str) -> bool {
    node.label(key)
        .is_some_and(|value| map.get(&(key.to_string(), value.to_string())).is_some_and(|&n| n > 0))
}

/// `satisfyPodAffinity`: every term finds a matching pod in the node's domain, or no pod
/// anywhere matches and the pod matches its own terms (the first of a group may go anywhere
/// that has the topology labels).
fn satisfies_affinity(
    state: &PreFilterState,
    pod: &PodInfo,
    node: &NodeInfo,
    snapshot: &Snapshot,
) -> bool {
    let terms = &pod.required_affinity;
    if terms.iter().all(|t| in_domain(&state.affinity, node, &t.topology_key)) {
        return true;
    }
    state.affinity.is_empty()
        && terms.iter().all(|t| t.matches(pod, snapshot))
        && terms.iter().all(|t| node.label(&t.topology_key).is_some())
}

/// The filter proper, given the snapshot (the matching of a pod against its own terms may need
/// namespace labels).
pub fn filter_node(
    state: &PreFilterState,
    pod: &PodInfo,
    node: &NodeInfo,
    snapshot: &Snapshot,
) -> Verdict {
    if !pod.required_affinity.is_empty() && !satisfies_affinity(state, pod, node, snapshot) {
        return reject(
            NAME,
            Code::UnschedulableAndUnresolvable,
            "node(s) didn't match pod affinity rules",
        );
    }
    if pod
        .required_anti_affinity
        .iter()
        .any(|t| in_domain(&state.anti_affinity, node, &t.topology_key))
    {
        return reject(NAME, Code::Unschedulable, "node(s) didn't match pod anti-affinity rules");
    }
    let blocked = node.labels().into_iter().flatten().any(|(key, value)| {
        state.existing_anti_affinity.get(&(key.clone(), value.clone())).is_some_and(|&n| n > 0)
    });
    if blocked {
        return reject(
            NAME,
            Code::Unschedulable,
            "node(s) didn't satisfy existing pods anti-affinity rules",
        );
    }
    Ok(())
}

impl FilterPlugin for InterPodAffinity {
    fn name(&self) -> &'static str {
        NAME
    }

    fn events(&self) -> u32 {
        events::NODE_ADD
            | events::NODE_LABEL
            | events::ASSIGNED_POD_ADD
            | events::ASSIGNED_POD_UPDATE
            | events::ASSIGNED_POD_DELETE
            | events::NAMESPACE
    }

    fn skip(&self, state: &CycleState<'_>) -> bool {
        state.inter_pod_affinity.is_none()
    }

    fn filter(&self, state: &CycleState<'_>, node: &NodeInfo) -> Verdict {
        match &state.inter_pod_affinity {
            Some(counts) => filter_node(counts, &state.info, node, state.snapshot),
            None => Ok(()),
        }
    }
}

/// PreScore's sums: each domain's total of matching preferred terms' weights.
struct TopologyScore(BTreeMap<Pair, i64>);

fn add_term(
    scores: &mut BTreeMap<Pair, i64>,
    term: &AffinityTerm,
    weight: i64,
    target: &PodInfo,
    node: &NodeInfo,
    snapshot: &Snapshot,
) {
    if term.matches(target, snapshot) {
        count(scores, node, &term.topology_key, weight);
    }
}

impl ScorePlugin for InterPodAffinity {
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
        _: &[usize],
    ) -> Option<ScoreState> {
        let pod = &state.info;
        let has_preferred =
            !pod.preferred_affinity.is_empty() || !pod.preferred_anti_affinity.is_empty();
        if !has_preferred && !snapshot.has_pods_with_affinity() {
            return None;
        }
        let mut scores = BTreeMap::new();
        // Without preferred terms of its own, only placed pods' terms can say anything.
        let nodes: Box<dyn Iterator<Item = &NodeInfo>> = if has_preferred {
            Box::new(snapshot.nodes.iter())
        } else {
            Box::new(snapshot.nodes_with_affinity())
        };
        for node in nodes {
            for existing in &node.pods {
                for t in &pod.preferred_affinity {
                    add_term(&mut scores, &t.term, t.weight, existing, node, snapshot);
                }
                for t in &pod.preferred_anti_affinity {
                    add_term(&mut scores, &t.term, -t.weight, existing, node, snapshot);
                }
                for term in &existing.required_affinity {
                    add_term(&mut scores, term, HARD_POD_AFFINITY_WEIGHT, pod, node, snapshot);
                }
                for t in &existing.preferred_affinity {
                    add_term(&mut scores, &t.term, t.weight, pod, node, snapshot);
                }
                for t in &existing.preferred_anti_affinity {
                    add_term(&mut scores, &t.term, -t.weight, pod, node, snapshot);
                }
            }
        }
        (!scores.is_empty()).then(|| Box::new(TopologyScore(scores)) as ScoreState)
    }

    fn score(&self, _: &CycleState<'_>, data: &ScoreState, node: &NodeInfo) -> i64 {
        let Some(TopologyScore(scores)) = data.downcast_ref::<TopologyScore>() else { return 0 };
        scores
            .iter()
            .filter(|((key, value), _)| node.label(key) == Some(value.as_str()))
            .map(|(_, score)| score)
            .sum()
    }

    /// Scaled between the lowest and the highest score: `100 * (s - min) / (max - min)`.
    fn normalize(&self, _: &ScoreState, scores: &mut [i64]) -> bool {
        let min = scores.iter().copied().min().unwrap_or(0);
        let max = scores.iter().copied().max().unwrap_or(0);
        for score in scores {
            *score = if max > min {
                (MAX_NODE_SCORE as f64 * ((*score - min) as f64 / (max - min) as f64)) as i64
            } else {
                0
            };
        }
        true
    }
}
