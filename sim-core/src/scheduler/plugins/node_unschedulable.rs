//! NodeUnschedulable: cordoned nodes (`spec.unschedulable`) take no new pods, unless the pod
//! tolerates the `node.kubernetes.io/unschedulable:NoSchedule` taint.

use super::super::framework::{Code, CycleState, FilterPlugin, NodeInfo, Verdict, events, reject};
use super::tolerates;
use k8s_openapi::api::core::v1::Taint;

pub struct NodeUnschedulable;

const NAME: &str = "NodeUnschedulable";

impl FilterPlugin for NodeUnschedulable {
    fn name(&self) -> &'static str {
        NAME
    }

    fn events(&self) -> u32 {
        events::NODE_ADD | events::NODE_TAINT
    }

    fn only_rejects_flagged_nodes(&self) -> bool {
        true
    }

    fn filter(&self, state: &CycleState<'_>, node: &NodeInfo) -> Verdict {
        if !node.unschedulable {
            return Ok(());
        }
        let taint = Taint {
            key: "node.kubernetes.io/unschedulable".to_string(),
            effect: "NoSchedule".to_string(),
            ..Default::default()
        };
        if tolerates(state.pod, &taint) {
            Ok(())
        } else {
            reject(NAME, Code::UnschedulableAndUnresolvable, "node(s) were unschedulable")
        }
    }
}
