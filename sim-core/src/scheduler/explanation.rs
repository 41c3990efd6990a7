//! Why a pod went where it went: for each scheduling attempt, every node's filter verdict, every
//! score plugin's raw, normalized and weighted score, and the outcome — the data behind the
//! page's "why this node?" and "why not that one?".

use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// One scheduling attempt for one pod.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub namespace: String,
    pub pod: String,
    /// Which attempt this was (1 for the first).
    pub attempt: u32,
    pub at: SimTime,
    /// Nodes in the cluster; the filters may stop early on large clusters
    /// (`percentageOfNodesToScore`), so `nodes` can hold fewer.
    pub nodes_total: usize,
    /// Each node the filters looked at, in the order they did.
    pub nodes: Vec<NodeVerdict>,
    /// The score plugins that took part, in the order of `NodeVerdict::scores`.
    pub score_plugins: Vec<ScorePluginInfo>,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScorePluginInfo {
    pub name: Cow<'static, str>,
    pub weight: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeVerdict {
    pub node: String,
    /// `None` when every filter passed.
    pub rejected: Option<Rejected>,
    /// One per score plugin (as `Explanation::score_plugins`), when the node was scored; nodes
    /// are not scored when only one passes the filters.
    pub scores: Vec<PluginScore>,
    /// The weighted sum of the normalized scores.
    pub total: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejected {
    /// The first filter plugin that turned the node down.
    pub plugin: Cow<'static, str>,
    /// Its reasons, as they appear in the FailedScheduling message.
    pub reasons: Vec<String>,
    /// Whether preempting pods could help (Unschedulable rather than UnschedulableAndUnresolvable).
    pub resolvable: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginScore {
    pub raw: i64,
    pub normalized: i64,
    pub weighted: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// Bound to this node (by the scheduler, or by a manual binding).
    Bound { node: String },
    /// Did not fit; preemption made room on `node` by evicting `victims` (namespace/name).
    Nominated { node: String, victims: Vec<String> },
    /// Did not fit: the FailedScheduling message.
    Unschedulable { message: String },
}
