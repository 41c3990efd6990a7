//! NodeName: a pod that names its node (`spec.nodeName` set before scheduling) fits only there.

use super::super::framework::{Code, CycleState, FilterPlugin, NodeInfo, Verdict, events, reject};

pub struct NodeName;

const NAME: &str = "NodeName";

impl FilterPlugin for NodeName {
    fn name(&self) -> &'static str {
        NAME
    }

    fn events(&self) -> u32 {
        events::NODE_ADD
    }

    fn skip(&self, state: &CycleState<'_>) -> bool {
        state.pod.spec.as_ref().and_then(|s| s.node_name.as_deref()).is_none_or(str::is_empty)
    }

    fn filter(&self, state: &CycleState<'_>, node: &NodeInfo) -> Verdict {
        match state.pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            Some(wanted) if !wanted.is_empty() && wanted != node.name => reject(
                NAME,
                Code::UnschedulableAndUnresolvable,
                "node(s) didn't match the requested node name",
            ),
            _ => Ok(()),
        }
    }
}
