//! The simulation is a pure function of its seed and its commands: replaying them gives the
//! same cluster byte for byte, and a saved cluster restores to the same state.

use sim_core::Simulation;
use sim_core::shell::Shell;

const SCRIPT: &str = "\
kubectl run web --image=nginx
kubectl run cache --image=redis:7
kubectl run typo --image=ngnix
sleep 3
kubectl get pods -o wide
kubectl run api --image=hashicorp/http-echo --port=5678
sleep 45
kubectl get pods -o wide
kubectl get events
";

/// A custom resource, so that saved state holds custom objects too.
const WIDGET_CRD: &str = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
";

/// The transcript and the saved state after running `SCRIPT` with `seed`.
fn session(seed: u64) -> (String, String) {
    let mut sim = Simulation::new(seed);
    let transcript = Shell::new().transcript(&mut sim, SCRIPT);
    (transcript, serde_json::to_string(&sim).expect("the simulation serialises"))
}

#[test]
fn same_seed_and_commands_give_the_same_cluster() {
    for seed in [1, 7, 42] {
        assert_eq!(session(seed), session(seed), "seed {seed}");
    }
}

#[test]
fn the_seed_drives_the_random_choices() {
    // Equal-scoring nodes are chosen at random: across seeds both workers get picked first.
    let first_nodes: std::collections::BTreeSet<String> = (0..16)
        .map(|seed| {
            let mut sim = Simulation::new(seed);
            Shell::new().transcript(&mut sim, "kubectl run web --image=nginx");
            let out = Shell::new().transcript(&mut sim, "kubectl get pods -o wide");
            out.lines()
                .nth(2)
                .and_then(|row| row.split_whitespace().nth(6))
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(first_nodes, ["node01".to_string(), "node02".to_string()].into());
}

#[test]
fn a_saved_cluster_restores_and_carries_on_identically() {
    let mut original = Simulation::new(3);
    Shell::new().run_script(
        &mut original,
        &format!("kubectl run web --image=nginx\nkubectl run typo --image=ngnix\nsleep 2\n\
         kubectl apply -f - <<EOF\n{WIDGET_CRD}EOF\n\
         kubectl apply -f - <<EOF\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\nspec:\n  size: 2\nEOF"),
    );
    let saved = serde_json::to_string(&original).unwrap();
    let mut restored: Simulation = serde_json::from_str(&saved).expect("the saved state loads");
    assert_eq!(
        serde_json::to_string(&restored).unwrap(),
        saved,
        "byte-identical after a round trip"
    );
    let rest = "sleep 1m\nkubectl run late --image=busybox:1.36\nsleep 10\nkubectl get pods -o wide\nkubectl get events\nkubectl get widgets";
    let carried_on = Shell::new().transcript(&mut original, rest);
    assert_eq!(carried_on, Shell::new().transcript(&mut restored, rest));
    assert!(carried_on.contains("\nw   "), "the custom object survives: {carried_on}");
}
