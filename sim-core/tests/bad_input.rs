//! Random command lines and random manifests, many seeds: the lab shell never panics, and the
//! cluster's invariants hold after every command. A failure names the seed that reproduces it.

use k8s_openapi::api::core::v1::{Node, Pod};
use sim_core::Simulation;
use sim_core::rng::Rng;
use sim_core::shell::Shell;
use std::collections::BTreeSet;

const WORDS: &[&str] = &[
    "kubectl",
    "kubectl",
    "kubectl",
    "k",
    "get",
    "run",
    "pods",
    "po",
    "nodes",
    "no",
    "ns",
    "events",
    "pod/web",
    "web",
    "web2",
    "-o",
    "wide",
    "yaml",
    "json",
    "name",
    "-A",
    "-n",
    "kube-system",
    "default",
    "nosuch",
    "--image=nginx",
    "--image=ngnix",
    "--image=busybox:1.28",
    "--image=",
    "--image",
    "--restart=Never",
    "--restart=Sometimes",
    "--dry-run=client",
    "--dry-run=server",
    "--labels=a=b",
    "--labels=,",
    "--env=X=1",
    "--port=80",
    "--port=http",
    "--",
    "sleep",
    "sleep",
    "10",
    "1m",
    "-1",
    "x",
    "|",
    "cat",
    "echo",
    "&&",
    "||",
    ";",
    ">",
    "f.txt",
    "<<EOF",
    "'",
    "\"",
    "\\",
    "$(",
    "`",
    "#",
    "ls",
    "--help",
    "-h",
    "=",
    "-",
    "--bogus",
    "-z",
    "Web",
    "a.b",
    "ä",
    "\t",
    "--command",
    "help",
    "clear",
    "apply",
    "create",
    "delete",
    "-f",
    "pod.yaml",
    "--all",
    "--force",
    "--grace-period=0",
    "--wait=false",
    "ns",
    "deployment",
    "configmap",
    "secret",
    "generic",
    "service",
    "nodeport",
    "--from-literal=a=b",
    "--tcp=80:80",
    "-l",
    "app=web",
    "--cascade=orphan",
    "all",
    "svc",
    "deploy",
    "--show-labels",
    "--field-selector=status.phase=Running",
    "-L",
    "app",
    "widgets",
    "wg",
    "-w",
    "--watch-only",
    "timeout",
    "10s",
    "crd",
    "widgets.example.com",
];

/// Properties that must hold however the cluster got where it is.
fn check_invariants(sim: &Simulation) -> Result<(), String> {
    let api = sim.api();
    let nodes: BTreeSet<String> =
        api.list::<Node>(None).filter_map(|n| n.metadata.name.clone()).collect();
    let mut ips = BTreeSet::new();
    for pod in api.list::<Pod>(None) {
        let name = pod.metadata.name.clone().unwrap_or_default();
        if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.as_ref())
            && !nodes.contains(node)
        {
            return Err(format!("pod {name} is bound to a node that does not exist: {node}"));
        }
        // Pods in the host's network namespace share their node's address.
        let host_network = pod.spec.as_ref().and_then(|s| s.host_network) == Some(true);
        if let Some(ip) = pod.status.as_ref().and_then(|s| s.pod_ip.clone())
            && !host_network
            && !ips.insert(ip.clone())
        {
            return Err(format!("pod IP {ip} is used twice"));
        }
        if pod.metadata.uid.is_none() || pod.metadata.resource_version.is_none() {
            return Err(format!("pod {name} lacks server-set metadata"));
        }
    }
    Ok(())
}

/// Pieces of manifests, right and wrong, put together at random.
const YAML_PIECES: &[&str] = &[
    "apiVersion: v1\n",
    "apiVersion: apps/v1\n",
    "apiVersion: v2\n",
    "kind: Pod\n",
    "kind: Deployment\n",
    "kind: Service\n",
    "kind: ConfigMap\n",
    "kind: Namespace\n",
    "kind: List\nitems:\n- kind: Pod\n",
    "metadata:\n  name: web\n",
    "metadata:\n  name: Web\n",
    "metadata:\n  generateName: web-\n",
    "metadata:\n  name: web\n  namespace: nosuch\n",
    "metadata:\n  labels: [1, 2]\n",
    "spec:\n  containers:\n  - name: web\n    image: nginx\n",
    "spec:\n  containers:\n  - name: web\n",
    "spec:\n  containers: {}\n",
    "spec:\n  replicas: -1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx\n",
    "spec:\n  ports:\n  - port: 99999\n",
    "spec:\n  type: Magic\n  ports:\n  - port: 80\n",
    "data:\n  a: b\n  'bad key': x\n",
    "  indented: wrong\n",
    "---\n",
    ": : :\n",
    "- - -\n",
    "\"unclosed\n",
    "spec: null\n",
    "status: {phase: Running}\n",
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\nspec:\n  group: example.com\n  scope: Namespaced\n  names: {plural: widgets, kind: Widget, shortNames: [wg]}\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        properties:\n          spec:\n            type: object\n            properties:\n              size: {type: integer, minimum: 1}\n",
    "apiVersion: example.com/v1\nkind: Widget\n",
    "spec:\n  size: 0\n",
    "spec:\n  size: big\n",
];

fn random_manifest(rng: &mut Rng) -> String {
    let pieces = rng.between(1, 6);
    (0..pieces).map(|_| YAML_PIECES[rng.below(YAML_PIECES.len() as u64) as usize]).collect()
}

fn random_line(rng: &mut Rng) -> String {
    // One line in four is a manifest sent through a here-document.
    if rng.below(4) == 0 {
        let verb = ["apply", "create", "delete", "apply --dry-run=server"][rng.below(4) as usize];
        return format!("kubectl {verb} -f - <<EOF\n{}EOF", random_manifest(rng));
    }
    let length = rng.between(1, 9) as usize;
    (0..length).map(|_| WORDS[rng.below(WORDS.len() as u64) as usize]).collect::<Vec<_>>().join(" ")
}

#[test]
fn random_command_lines_never_break_the_lab() {
    for seed in 0..300u64 {
        let outcome = std::panic::catch_unwind(|| {
            let mut rng = Rng::new(seed);
            let mut sim = Simulation::new(seed);
            let mut shell = Shell::new();
            for _ in 0..40 {
                let line = random_line(&mut rng);
                shell.run_script(&mut sim, &line);
                check_invariants(&sim).map_err(|problem| format!("after `{line}`: {problem}"))?;
            }
            Ok::<(), String>(())
        });
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(problem)) => panic!("seed {seed}: {problem}"),
            Err(_) => panic!("seed {seed}: the lab shell panicked (replay this seed to see where)"),
        }
    }
}
