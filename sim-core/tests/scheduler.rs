//! The scheduler as the page uses it: manual binding (drag and drop) and the per-pod
//! explanation of filter verdicts and scores.

use k8s_openapi::api::core::v1::{Event, Pod};
use sim_core::Simulation;
use sim_core::scheduler::explanation::{Explanation, Outcome};
use sim_core::shell::Shell;

fn lab(script: &str) -> Simulation {
    let mut sim = Simulation::new(7);
    let mut shell = Shell::new();
    for ran in shell.run_script(&mut sim, script) {
        assert_eq!(ran.output.stderr(), "", "{}", ran.first_line);
    }
    sim
}

fn pod<'a>(sim: &'a Simulation, name: &str) -> &'a Pod {
    sim.api().get::<Pod>("default", name).expect("the pod exists")
}

fn node_of(sim: &Simulation, name: &str) -> Option<String> {
    pod(sim, name).spec.as_ref().and_then(|s| s.node_name.clone())
}

fn explanation(sim: &Simulation, name: &str) -> Explanation {
    let uid = pod(sim, name).metadata.uid.clone().unwrap_or_default();
    sim.scheduler().explanation(&uid).expect("an explanation")
}

/// `manual` only a person places (another scheduler's name keeps the default one away);
/// `huge` asks for more cpu than any node has.
const UNSCHEDULED: &str = "kubectl apply -f - <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: manual
spec:
  schedulerName: by-hand
  containers:
  - name: app
    image: nginx
---
apiVersion: v1
kind: Pod
metadata:
  name: huge
spec:
  containers:
  - name: app
    image: nginx
    resources:
      requests:
        cpu: \"3\"
EOF
";

#[test]
fn a_manual_binding_binds_as_the_scheduler_does() {
    let mut sim = lab(UNSCHEDULED);
    assert_eq!(node_of(&sim, "manual"), None);
    assert_eq!(sim.bind_pod("default", "manual", "node02"), Ok(()));
    assert_eq!(node_of(&sim, "manual").as_deref(), Some("node02"));
    let scheduled = sim.api().list::<Event>(Some("default")).any(|e| {
        e.reason.as_deref() == Some("Scheduled")
            && e.message.as_deref() == Some("Successfully assigned default/manual to node02")
    });
    assert!(scheduled, "the Scheduled event is recorded");
    assert_eq!(explanation(&sim, "manual").outcome, Outcome::Bound { node: "node02".into() });
}

#[test]
fn a_manual_binding_the_filters_refuse_says_why_in_the_schedulers_words() {
    let mut sim = lab(UNSCHEDULED);
    let cases = [
        (
            "the control plane's taint",
            "manual",
            "controlplane",
            "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
        ),
        ("too little cpu", "huge", "node01", "Insufficient cpu"),
        ("a node that does not exist", "manual", "node09", "nodes \"node09\" not found"),
        ("a pod that does not exist", "ghost", "node01", "pods \"ghost\" not found"),
    ];
    for (name, pod_name, node, want) in cases {
        assert_eq!(sim.bind_pod("default", pod_name, node), Err(vec![want.to_string()]), "{name}");
    }
    assert_eq!(node_of(&sim, "manual"), None, "nothing was bound");
    sim.bind_pod("default", "manual", "node01").expect("node01 takes it");
    assert_eq!(
        sim.bind_pod("default", "manual", "node02"),
        Err(vec![
            "Operation cannot be fulfilled on pods/binding \"manual\": pod manual is already assigned to node \"node01\"".to_string()
        ]),
        "a bound pod cannot be bound again"
    );
}

#[test]
fn the_explanation_shows_every_nodes_verdict_and_every_score() {
    let sim = lab("kubectl run web --image=nginx\n");
    let explained = explanation(&sim, "web");
    assert_eq!(explained.nodes_total, 3);
    let names: Vec<&str> = explained.nodes.iter().map(|n| n.node.as_str()).collect();
    assert_eq!(names, ["controlplane", "node01", "node02"]);
    let controlplane = explained.nodes[0].rejected.as_ref().expect("the control plane is refused");
    assert_eq!(controlplane.plugin, "TaintToleration");
    assert!(!controlplane.resolvable, "preemption cannot remove a taint");
    let plugins: Vec<&str> = explained.score_plugins.iter().map(|p| p.name.as_ref()).collect();
    // A best-effort pod is not scored by BalancedAllocation; nothing prefers or spreads it.
    assert_eq!(plugins, ["TaintToleration", "NodeResourcesFit", "ImageLocality"]);
    for node in &explained.nodes[1..] {
        assert!(node.rejected.is_none());
        assert_eq!(node.scores.len(), plugins.len());
        let total: i64 = node.scores.iter().map(|s| s.weighted).sum();
        assert_eq!(node.total, Some(total), "the total is the weighted sum");
        assert_eq!(
            node.scores[0].weighted,
            node.scores[0].normalized * 3,
            "TaintToleration weighs 3"
        );
    }
    let Outcome::Bound { node } = &explained.outcome else { panic!("bound") };
    assert_eq!(node_of(&sim, "web").as_ref(), Some(node));
    let json = serde_json::to_string(&explained).expect("serializable");
    assert_eq!(serde_json::from_str::<Explanation>(&json).expect("readable"), explained);
}

#[test]
fn a_deleted_pods_explanation_is_dropped() {
    let mut sim = lab("kubectl run web --image=nginx\n");
    let uid = pod(&sim, "web").metadata.uid.clone().unwrap_or_default();
    assert!(sim.scheduler().explanation(&uid).is_some());
    Shell::new().run_script(&mut sim, "kubectl delete pod web\n");
    assert!(sim.scheduler().explanation(&uid).is_none());
}

#[test]
fn an_unschedulable_pod_is_explained_with_the_failed_scheduling_message() {
    let sim = lab(UNSCHEDULED);
    let explained = explanation(&sim, "huge");
    let Outcome::Unschedulable { message } = &explained.outcome else { panic!("unschedulable") };
    assert!(message.starts_with("0/3 nodes are available: 1 node(s) had untolerated taint"));
    let refused: Vec<&str> = explained
        .nodes
        .iter()
        .map(|n| n.rejected.as_ref().map_or("", |r| r.plugin.as_ref()))
        .collect();
    assert_eq!(refused, ["TaintToleration", "NodeResourcesFit", "NodeResourcesFit"]);
}
