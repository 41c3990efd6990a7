//! DefaultPreemption, the PostFilter that runs when no node fits: finds nodes where evicting
//! lower-priority pods would make room, keeps as few victims as it can, and picks the node whose
//! eviction hurts least. PodDisruptionBudgets are not weighed (the cluster has none yet).

use super::super::cache::Snapshot;
use super::super::framework::{Code, CycleState, NodeInfo, PodInfo, Rejection};
use std::cmp::Reverse;
use std::collections::BTreeSet;

/// Where preemption would make room, and whom it would evict there.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub node: usize,
    /// Most important first (`MoreImportantPod` order).
    pub victims: Vec<PodInfo>,
}

/// What the PostFilter found: a node to nominate, or why there is none (the message after
/// `preemption: `).
pub enum Preemption {
    Nominate(Candidate),
    Failed(String),
}

const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";
const NO_VICTIMS: &str = "No preemption victims found for incoming pod";

/// `PodEligibleToPreemptOthers`.
fn ineligible(state: &CycleState<'_>, statuses: &[Option<Rejection>]) -> Option<&'static str> {
    let spec = state.pod.spec.as_ref();
    if spec.and_then(|s| s.preemption_policy.as_deref()) == Some("Never") {
        return Some("not eligible due to preemptionPolicy=Never.");
    }
    let nominated = state
        .pod
        .status
        .as_ref()
        .and_then(|s| s.nominated_node_name.as_deref())
        .filter(|n| !n.is_empty())?;
    let index = state.snapshot.node_index(nominated)?;
    let unresolvable =
        statuses[index].as_ref().is_some_and(|r| r.code == Code::UnschedulableAndUnresolvable);
    let terminating = state.snapshot.nodes[index]
        .pods
        .iter()
        .any(|p| p.terminating && p.priority < state.info.priority);
    (!unresolvable && terminating)
        .then_some("not eligible due to a terminating pod on the nominated node.")
}

/// `SelectVictimsOnNode`: evict every lower-priority pod; if the pod then fits, put back as many
/// as still leave it room, most important first.
fn select_victims(
    state: &mut CycleState<'_>,
    node: &NodeInfo,
) -> Result<Vec<PodInfo>, Vec<String>> {
    let mut potential: Vec<PodInfo> =
        node.pods.iter().filter(|p| p.priority < state.info.priority).cloned().collect();
    if potential.is_empty() {
        return Err(vec![NO_VICTIMS.to_string()]);
    }
    crate::sort::sort_by_key(&mut potential, |p| (Reverse(p.priority), p.start_time));
    let mut trial = node.clone();
    let mut gone: BTreeSet<String> = potential.iter().map(|p| p.uid.clone()).collect();
    for pod in &potential {
        trial.remove_pod(&pod.uid);
    }
    state.pre_filter(&|p| gone.contains(&p.uid));
    if let Err(rejection) = state.run_filters(&trial) {
        return Err(rejection.reasons);
    }
    let mut victims = Vec::new();
    for pod in potential {
        gone.remove(&pod.uid);
        trial.add_pod(pod.clone());
        state.pre_filter(&|p| gone.contains(&p.uid));
        if state.run_filters(&trial).is_err() {
            trial.remove_pod(&pod.uid);
            gone.insert(pod.uid.clone());
            victims.push(pod);
        }
    }
    Ok(victims)
}

/// `pickOneNodeForPreemption` without PDBs: the lowest highest-victim priority, then the lowest
/// sum of priorities, then the fewest victims, then the latest start of the most important
/// victims, then the first node.
fn pick(candidates: Vec<Candidate>) -> Option<Candidate> {
    candidates.into_iter().min_by_key(|c| {
        let highest = c.victims.first().map_or(i32::MIN, |v| v.priority);
        let sum: i64 =
            c.victims.iter().map(|v| i64::from(v.priority) + i64::from(i32::MAX) + 1).sum();
        let earliest_top =
            c.victims.iter().filter(|v| v.priority == highest).map(|v| v.start_time).min();
        (highest, sum, c.victims.len(), Reverse(earliest_top), c.node)
    })
}

/// The PostFilter: `statuses` holds each node's filter verdict from the failed cycle.
pub fn preempt(
    state: &mut CycleState<'_>,
    snapshot: &Snapshot,
    statuses: &[Option<Rejection>],
) -> Preemption {
    if let Some(message) = ineligible(state, statuses) {
        return Preemption::Failed(message.to_string());
    }
    let mut node_reasons: Vec<Vec<String>> = Vec::new();
    let mut candidates = Vec::new();
    for (i, node) in snapshot.nodes.iter().enumerate() {
        match &statuses[i] {
            Some(r) if r.code == Code::Unschedulable => match select_victims(state, node) {
                Ok(victims) if !victims.is_empty() => {
                    candidates.push(Candidate { node: i, victims })
                }
                Ok(_) => node_reasons.push(vec![NO_VICTIMS.to_string()]),
                Err(reasons) => node_reasons.push(reasons),
            },
            _ => node_reasons.push(vec![NOT_HELPFUL.to_string()]),
        }
    }
    state.pre_filter(&|_| false);
    match pick(candidates) {
        Some(candidate) => Preemption::Nominate(candidate),
        None => {
            Preemption::Failed(super::super::fit_error_message(snapshot.nodes.len(), &node_reasons))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;

    fn victim(priority: i32, started_s: u64) -> PodInfo {
        let pod = k8s_openapi::api::core::v1::Pod::default();
        let mut info = PodInfo::new(&pod);
        info.priority = priority;
        info.start_time = SimTime::from_unix_ms(started_s * 1000);
        info
    }

    #[test]
    fn the_candidate_node_is_picked_in_kubernetes_order() {
        let cases = [
            (
                "the lowest highest-victim priority wins",
                vec![vec![victim(10, 0)], vec![victim(5, 0), victim(5, 0)]],
                1,
            ),
            (
                "then the lowest sum of priorities",
                vec![vec![victim(5, 0), victim(5, 0)], vec![victim(5, 0), victim(1, 0)]],
                1,
            ),
            (
                "then the fewest victims",
                vec![vec![victim(5, 0), victim(5, 0)], vec![victim(5, 0)]],
                1,
            ),
            ("then the latest-started victims", vec![vec![victim(5, 10)], vec![victim(5, 20)]], 1),
            ("then the first node", vec![vec![victim(5, 10)], vec![victim(5, 10)]], 0),
        ];
        for (name, victims, want) in cases {
            let candidates = victims
                .into_iter()
                .enumerate()
                .map(|(node, victims)| Candidate { node, victims })
                .collect();
            assert_eq!(pick(candidates).map(|c| c.node), Some(want), "{name}");
        }
    }
}
