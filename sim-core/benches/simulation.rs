//! How fast the simulation runs, native. Figures go in issue notes; no test depends on them.

use criterion::{Criterion, criterion_group, criterion_main};
use sim_core::Simulation;
use sim_core::shell::Shell;
use std::hint::black_box;

/// A pod manifest for the lab shell's here-document.
fn pod(name: &str, image: &str, command: &str, probes: &str) -> String {
    format!(
        "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\nspec:\n  containers:\n  - name: app\n    image: {image}\n{command}{probes}"
    )
}

/// 100 pods on the default cluster for an hour of virtual time: 40 healthy web servers, 30 with
/// HTTP readiness and liveness probes (10 of which fail their liveness probe and restart), 10
/// with an exec liveness probe, 20 crash-looping; scheduling, pulls, probes, back-off timers,
/// restarts, events and status writes.
fn mixed_pods_for_an_hour(c: &mut Criterion) {
    let http_probes = "    readinessProbe:\n      httpGet:\n        path: /\n        port: 80\n    livenessProbe:\n      httpGet:\n        path: /\n        port: 80\n";
    let agnhost_probe = "    livenessProbe:\n      httpGet:\n        path: /healthz\n        port: 8080\n      periodSeconds: 3\n";
    let exec_probe = "    livenessProbe:\n      exec:\n        command: [cat, /tmp/healthy]\n      periodSeconds: 5\n";
    let mut manifest = String::new();
    for i in 0..40 {
        manifest.push_str(&pod(&format!("web-{i}"), "nginx:1.27", "", ""));
    }
    for i in 0..20 {
        manifest.push_str(&pod(&format!("probed-{i}"), "nginx:1.27", "", http_probes));
    }
    for i in 0..10 {
        let args = "    args: [liveness]\n";
        manifest.push_str(&pod(
            &format!("liveness-{i}"),
            "registry.k8s.io/e2e-test-images/agnhost:2.40",
            args,
            agnhost_probe,
        ));
    }
    for i in 0..10 {
        let command = "    command: [sh, -c, 'touch /tmp/healthy; sleep 3600']\n";
        manifest.push_str(&pod(&format!("exec-{i}"), "busybox:1.36", command, exec_probe));
    }
    for i in 0..20 {
        let command = "    command: [sh, -c, 'echo starting; sleep 5; exit 1']\n";
        manifest.push_str(&pod(&format!("crasher-{i}"), "busybox:1.36", command, ""));
    }
    let script = format!("kubectl apply -f - <<EOF\n{manifest}EOF\nsleep 1h\n");
    c.bench_function(
        "100 pods (probing, crash-looping, healthy) on 3 nodes, 1 h of virtual time",
        |b| {
            b.iter(|| {
                let mut sim = Simulation::new(1);
                Shell::new().run_script(&mut sim, black_box(&script));
                sim
            })
        },
    );
}

/// 100 pods, 10 of them stuck in ImagePullBackOff, then an hour of virtual time.
fn hundred_pods_pulling_for_an_hour(c: &mut Criterion) {
    let mut script = String::new();
    for i in 0..90 {
        script.push_str(&format!("kubectl run web-{i} --image=nginx\n"));
    }
    for i in 0..10 {
        script.push_str(&format!("kubectl run typo-{i} --image=ngnix\n"));
    }
    script.push_str("sleep 1h\n");
    c.bench_function("100 pods (10 backing off) on 3 nodes, 1 h of virtual time", |b| {
        b.iter(|| {
            let mut sim = Simulation::new(1);
            Shell::new().run_script(&mut sim, black_box(&script));
            sim
        })
    });
}

/// The default cluster with nothing running for a day: only the nodes' heartbeats (leases, status
/// reports) and the control plane's loops wake the simulation.
fn quiet_cluster_for_a_day(c: &mut Criterion) {
    c.bench_function("quiet 3-node cluster, 24 h of virtual time", |b| {
        b.iter(|| {
            let mut sim = Simulation::new(1);
            Shell::new().run_script(&mut sim, black_box("sleep 24h\n"));
            sim
        })
    });
}

criterion_group!(
    benches,
    mixed_pods_for_an_hour,
    hundred_pods_pulling_for_an_hour,
    quiet_cluster_for_a_day
);
criterion_main!(benches);
