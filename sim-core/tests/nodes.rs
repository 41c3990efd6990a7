//! Nodes against Kubernetes' numbers: a node whose kubelet stops goes NotReady once the 50 s
//! node-monitor grace period has passed, gets the unreachable taints, and its pods are marked
//! for deletion 300 s later (DefaultTolerationSeconds); they stay Terminating until the
//! kubelet is back to confirm. A rebooted node's kubelet refuses to run with swap on. Nodes
//! join and leave; pods of a removed node are collected.

use k8s_openapi::api::coordination::v1::Lease;
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use sim_core::Simulation;
use sim_core::shell::Shell;
use sim_core::time::SimTime;
use std::time::Duration;

fn lab(script: &str) -> (Simulation, Shell) {
    let mut sim = Simulation::new(7);
    let mut shell = Shell::new();
    for ran in shell.run_script(&mut sim, script) {
        assert_eq!(ran.output.stderr(), "", "{}", ran.first_line);
    }
    (sim, shell)
}

fn ready(sim: &Simulation, node: &str) -> String {
    let node = sim.api().get::<Node>("", node).expect("the node exists");
    let conditions = node.status.as_ref().and_then(|s| s.conditions.as_ref()).expect("conditions");
    conditions.iter().find(|c| c.type_ == "Ready").map(|c| c.status.clone()).unwrap_or_default()
}

fn taints(sim: &Simulation, node: &str) -> Vec<String> {
    let node = sim.api().get::<Node>("", node).expect("the node exists");
    node.spec
        .as_ref()
        .and_then(|s| s.taints.as_ref())
        .into_iter()
        .flatten()
        .map(|t| format!("{}:{}", t.key, t.effect))
        .collect()
}

fn lease_renewed(sim: &Simulation, node: &str) -> SimTime {
    let lease = sim.api().get::<Lease>("kube-node-lease", node).expect("the lease exists");
    SimTime::from_k8s_micro(
        lease.spec.as_ref().and_then(|s| s.renew_time.as_ref()).expect("renewed"),
    )
}

/// A script line that runs nginx as `name` on `node`.
fn pinned(name: &str, node: &str) -> String {
    format!(
        "kubectl apply -f - <<EOF\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  nodeName: {node}\n  containers:\n  - name: web\n    image: nginx\nEOF\n"
    )
}

/// Advances in 1 s steps until `done` holds; the instant it first did.
fn until(sim: &mut Simulation, limit: Duration, done: impl Fn(&Simulation) -> bool) -> SimTime {
    let end = sim.now() + limit;
    while !done(sim) {
        assert!(sim.now() < end, "not within {limit:?}");
        sim.advance(Duration::from_secs(1));
    }
    sim.now()
}

#[test]
fn leases_are_renewed_every_ten_seconds() {
    let (mut sim, _) = lab("");
    let first = lease_renewed(&sim, "node01");
    assert!(sim.now().since(first) <= Duration::from_secs(10));
    sim.advance(Duration::from_secs(60));
    let later = lease_renewed(&sim, "node01");
    assert!(sim.now().since(later) <= Duration::from_secs(10));
    assert_eq!(later.since(first).as_millis() % 10_000, 0, "renewed on a 10 s rhythm");
}

#[test]
fn a_stopped_kubelet_takes_its_node_not_ready_then_its_pods_are_evicted_after_300s() {
    let (mut sim, _) = lab(&format!("{}sleep 10", pinned("web", "node01")));
    assert_eq!(ready(&sim, "node01"), "True");
    let stopped_at = sim.now();
    let last_renewal = lease_renewed(&sim, "node01");
    assert!(sim.stop_kubelet("node01"));

    let unknown_at = until(&mut sim, Duration::from_secs(120), |s| ready(s, "node01") == "Unknown");
    let silent = unknown_at.since(last_renewal);
    assert!(silent > Duration::from_secs(50) && silent <= Duration::from_secs(56), "{silent:?}");
    assert_eq!(
        taints(&sim, "node01"),
        ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]
    );
    let node = sim.api().get::<Node>("", "node01").unwrap();
    let condition = node.status.as_ref().unwrap().conditions.as_ref().unwrap()[0].clone();
    assert_eq!(condition.reason.as_deref(), Some("NodeStatusUnknown"));
    assert_eq!(condition.message.as_deref(), Some("Kubelet stopped posting node status."));

    let deleted_at = until(&mut sim, Duration::from_secs(400), |s| {
        s.api().get::<Pod>("default", "web").unwrap().metadata.deletion_timestamp.is_some()
    });
    let tolerated = deleted_at.since(unknown_at);
    assert!(
        tolerated >= Duration::from_secs(300) && tolerated <= Duration::from_secs(301),
        "{tolerated:?}"
    );
    let eviction = sim
        .api()
        .list::<Event>(Some("default"))
        .find(|e| e.reason.as_deref() == Some("TaintManagerEviction"))
        .expect("the taint manager's event");
    assert_eq!(eviction.message.as_deref(), Some("Marking for deletion Pod default/web"));

    // Nobody on the node confirms the deletion: the pod stays Terminating.
    sim.advance(Duration::from_secs(600));
    assert!(sim.api().get::<Pod>("default", "web").is_ok(), "still Terminating");
    assert!(sim.now().since(stopped_at) > Duration::from_secs(900));

    // The kubelet comes back: Ready again, taints gone, the deleted pod cleaned up.
    assert!(sim.start_kubelet("node01"));
    sim.advance(Duration::from_secs(5));
    assert_eq!(ready(&sim, "node01"), "True");
    assert!(taints(&sim, "node01").is_empty());
    sim.advance(Duration::from_secs(30));
    assert!(sim.api().get::<Pod>("default", "web").is_err(), "the kubelet finished the deletion");
}

#[test]
fn a_kubelet_restarted_within_the_grace_period_keeps_its_node_ready() {
    let (mut sim, _) = lab("");
    sim.stop_kubelet("node02");
    sim.advance(Duration::from_secs(30));
    sim.start_kubelet("node02");
    sim.advance(Duration::from_secs(120));
    assert_eq!(ready(&sim, "node02"), "True");
    assert!(taints(&sim, "node02").is_empty());
}

#[test]
fn a_rebooted_node_needs_swapoff_before_its_kubelet_runs() {
    let (mut sim, _) = lab("");
    assert!(sim.reboot_node("node01"));
    sim.advance(Duration::from_secs(120));
    assert_eq!(ready(&sim, "node01"), "Unknown");
    assert!(!sim.machine("node01").unwrap().kubelet_running());
    sim.on_machine("node01", |machine, _| machine.swapoff());
    sim.start_kubelet("node01");
    sim.advance(Duration::from_secs(2));
    assert_eq!(ready(&sim, "node01"), "True");
}

#[test]
fn nodes_join_and_leave_and_the_pods_of_a_removed_node_are_collected() {
    let (mut sim, _) = lab("");
    sim.add_node("node03").expect("joins");
    sim.advance(Duration::from_secs(1));
    assert_eq!(ready(&sim, "node03"), "True");
    assert!(sim.api().get::<Lease>("kube-node-lease", "node03").is_ok());
    assert!(sim.add_node("node03").is_err());

    let mut shell = Shell::new();
    shell.run_script(&mut sim, &format!("{}sleep 10", pinned("web", "node03")));
    assert_eq!(
        sim.api().get::<Pod>("default", "web").unwrap().status.as_ref().unwrap().phase.as_deref(),
        Some("Running")
    );
    assert!(sim.remove_node("node03"));
    assert!(sim.api().get::<Node>("", "node03").is_err());
    sim.advance(Duration::from_secs(30));
    assert!(sim.api().get::<Pod>("default", "web").is_ok(), "quarantined for 40 s");
    sim.advance(Duration::from_secs(40));
    assert!(sim.api().get::<Pod>("default", "web").is_err(), "collected");
    assert!(sim.api().get::<Lease>("kube-node-lease", "node03").is_err(), "its lease went with it");
}
