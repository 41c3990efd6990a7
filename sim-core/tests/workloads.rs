//! The DaemonSet, StatefulSet and HorizontalPodAutoscaler controllers against Kubernetes'
//! behaviour: ordinal order, partitions, daemon pods' placement terms and tolerations, and the
//! autoscaler's scale-up under load and scale-down after its stabilization window.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::core::v1::Pod;
use sim_core::Simulation;
use sim_core::shell::Shell;
use sim_core::time::SimTime;
use std::time::Duration;

fn run(sim: &mut Simulation, shell: &mut Shell, script: &str) {
    for ran in shell.run_script(sim, script) {
        assert_eq!(ran.output.stderr(), "", "{}", ran.first_line);
    }
}

fn pods(sim: &Simulation, namespace: &str) -> Vec<Pod> {
    sim.api().list::<Pod>(Some(namespace)).cloned().collect()
}

fn label<'a>(pod: &'a Pod, key: &str) -> Option<&'a str> {
    pod.metadata.labels.as_ref()?.get(key).map(String::as_str)
}

fn ready_since(pod: &Pod) -> Option<SimTime> {
    let condition = pod
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Ready" && c.status == "True")?;
    condition.last_transition_time.as_ref().map(SimTime::from_k8s)
}

fn created(pod: &Pod) -> SimTime {
    SimTime::from_k8s(pod.metadata.creation_timestamp.as_ref().expect("created"))
}

fn image(pod: &Pod) -> String {
    pod.spec.as_ref().and_then(|s| s.containers[0].image.clone()).unwrap_or_default()
}

const WEB: &str = "kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: nginx
  replicas: 3
  podManagementPolicy: POLICY
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.21
EOF";

fn web(policy: &str) -> (Simulation, Shell) {
    let mut sim = Simulation::new(11);
    let mut shell = Shell::new();
    run(&mut sim, &mut shell, &WEB.replace("POLICY", policy));
    (sim, shell)
}

fn web_pod(sim: &Simulation, ordinal: usize) -> Pod {
    sim.api().get::<Pod>("default", &format!("web-{ordinal}")).expect("the pod exists").clone()
}

#[test]
fn an_ordered_statefulset_creates_each_pod_once_the_previous_is_ready() {
    let (mut sim, _) = web("OrderedReady");
    assert_eq!(pods(&sim, "default").len(), 1, "only web-0 at first");
    sim.advance(Duration::from_secs(60));
    for ordinal in 1..3 {
        let previous = web_pod(&sim, ordinal - 1);
        let pod = web_pod(&sim, ordinal);
        let ready = ready_since(&previous).expect("the previous pod is ready");
        assert!(created(&pod) >= ready, "web-{ordinal} waited for web-{}", ordinal - 1);
        let spec = pod.spec.clone().unwrap_or_default();
        assert_eq!(spec.hostname.as_deref(), Some(format!("web-{ordinal}").as_str()));
        assert_eq!(spec.subdomain.as_deref(), Some("nginx"));
        assert_eq!(label(&pod, "apps.kubernetes.io/pod-index"), Some(ordinal.to_string().as_str()));
        assert_eq!(label(&pod, "statefulset.kubernetes.io/pod-name"), pod.metadata.name.as_deref());
    }
}

#[test]
fn a_parallel_statefulset_creates_all_its_pods_at_once() {
    let (sim, _) = web("Parallel");
    assert_eq!(pods(&sim, "default").len(), 3);
}

#[test]
fn scaling_down_removes_the_highest_ordinal_first_one_at_a_time() {
    let (mut sim, mut shell) = web("OrderedReady");
    sim.advance(Duration::from_secs(60));
    run(&mut sim, &mut shell, "kubectl scale sts web --replicas=1");
    let terminating: Vec<String> = pods(&sim, "default")
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_some())
        .filter_map(|p| p.metadata.name.clone())
        .collect();
    assert_eq!(terminating, ["web-2"], "web-1 waits for web-2 to be gone");
    sim.advance(Duration::from_secs(60));
    let names: Vec<String> =
        pods(&sim, "default").iter().filter_map(|p| p.metadata.name.clone()).collect();
    assert_eq!(names, ["web-0"]);
}

#[test]
fn a_partitioned_update_changes_only_the_ordinals_at_or_above_the_partition() {
    let (mut sim, mut shell) = web("OrderedReady");
    sim.advance(Duration::from_secs(60));
    run(
        &mut sim,
        &mut shell,
        "kubectl patch sts web -p '{\"spec\":{\"updateStrategy\":{\"rollingUpdate\":{\"partition\":1}}}}'
kubectl set image sts/web nginx=registry.k8s.io/nginx-slim:0.24",
    );
    sim.advance(Duration::from_secs(120));
    let images: Vec<String> = (0..3).map(|i| image(&web_pod(&sim, i))).collect();
    assert_eq!(
        images,
        [
            "registry.k8s.io/nginx-slim:0.21",
            "registry.k8s.io/nginx-slim:0.24",
            "registry.k8s.io/nginx-slim:0.24"
        ]
    );
    let set = sim.api().get::<StatefulSet>("default", "web").expect("set").clone();
    let status = set.status.expect("status");
    assert_eq!(status.updated_replicas, Some(2));
    assert_ne!(status.current_revision, status.update_revision, "the update is not complete");
    // A deleted pod below the partition comes back at the current revision.
    run(&mut sim, &mut shell, "kubectl delete pod web-0");
    sim.advance(Duration::from_secs(30));
    assert_eq!(image(&web_pod(&sim, 0)), "registry.k8s.io/nginx-slim:0.21");
}

#[test]
fn daemon_pods_name_their_node_and_tolerate_node_conditions() {
    let mut sim = Simulation::new(3);
    let mut shell = Shell::new();
    run(
        &mut sim,
        &mut shell,
        "kubectl create namespace logging
kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
  namespace: logging
spec:
  selector:
    matchLabels:
      name: agent
  template:
    metadata:
      labels:
        name: agent
    spec:
      containers:
      - name: agent
        image: busybox:1.36
        command: [sleep, '3600']
EOF",
    );
    let daemon_pods = pods(&sim, "logging");
    assert!(!daemon_pods.is_empty());
    for pod in &daemon_pods {
        let spec = pod.spec.clone().unwrap_or_default();
        let terms = spec
            .affinity
            .and_then(|a| a.node_affinity)
            .and_then(|a| a.required_during_scheduling_ignored_during_execution)
            .expect("a required node affinity")
            .node_selector_terms;
        let fields = terms[0].match_fields.clone().expect("matchFields");
        assert_eq!(fields[0].key, "metadata.name");
        let node = fields[0].values.clone().unwrap_or_default()[0].clone();
        assert!(["node01", "node02"].contains(&node.as_str()), "not the tainted control plane");
        let tolerated: Vec<String> = spec
            .tolerations
            .unwrap_or_default()
            .iter()
            .filter_map(|t| Some(format!("{}:{}", t.key.clone()?, t.effect.clone()?)))
            .collect();
        for wanted in [
            "node.kubernetes.io/not-ready:NoExecute",
            "node.kubernetes.io/unreachable:NoExecute",
            "node.kubernetes.io/disk-pressure:NoSchedule",
            "node.kubernetes.io/memory-pressure:NoSchedule",
            "node.kubernetes.io/pid-pressure:NoSchedule",
            "node.kubernetes.io/unschedulable:NoSchedule",
        ] {
            assert!(tolerated.iter().any(|t| t == wanted), "{wanted} in {tolerated:?}");
        }
        assert!(label(pod, "controller-revision-hash").is_some());
        assert_eq!(label(pod, "pod-template-generation"), Some("1"));
    }
}

const PHP_APACHE: &str = "kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: php-apache
spec:
  selector:
    matchLabels:
      run: php-apache
  template:
    metadata:
      labels:
        run: php-apache
    spec:
      containers:
      - name: php-apache
        image: registry.k8s.io/hpa-example
        resources:
          limits:
            cpu: 500m
          requests:
            cpu: 200m
---
apiVersion: v1
kind: Service
metadata:
  name: php-apache
spec:
  ports:
  - port: 80
  selector:
    run: php-apache
EOF
kubectl autoscale deployment php-apache --cpu-percent=50 --min=1 --max=10";

fn replicas(sim: &Simulation) -> i32 {
    let deployment = sim.api().get::<Deployment>("default", "php-apache").expect("deployment");
    deployment.spec.as_ref().and_then(|s| s.replicas).unwrap_or(0)
}

#[test]
fn the_autoscaler_follows_load_up_at_once_and_down_after_five_minutes() {
    let mut sim = Simulation::new(5);
    let mut shell = Shell::new();
    run(&mut sim, &mut shell, PHP_APACHE);
    sim.advance(Duration::from_secs(60));
    assert_eq!(replicas(&sim), 1, "idle: one replica");
    run(
        &mut sim,
        &mut shell,
        "kubectl run load-generator --image=busybox:1.28 --restart=Never -- /bin/sh -c \"while sleep 0.01; do wget -q -O- http://php-apache; done\"",
    );
    let mut sizes = vec![replicas(&sim)];
    for _ in 0..36 {
        sim.advance(Duration::from_secs(5));
        if sizes.last() != Some(&replicas(&sim)) {
            sizes.push(replicas(&sim));
        }
    }
    // One replica capped at its 500m limit is 250% of its request: ceil(1 × 250 / 50) = 5,
    // limited to max(2 × 1, 4) = 4 in one step; then ~610m of load at 50% of 200m per pod
    // settles at 7.
    assert_eq!(sizes.first(), Some(&1));
    assert_eq!(sizes.get(1), Some(&4), "{sizes:?}");
    let steady = replicas(&sim);
    assert_eq!(steady, 7, "{sizes:?}");
    run(&mut sim, &mut shell, "kubectl delete pod load-generator");
    sim.advance(Duration::from_secs(240));
    assert_eq!(replicas(&sim), steady, "the scale-down waits for the stabilization window");
    sim.advance(Duration::from_secs(120));
    assert_eq!(replicas(&sim), 1);
    let hpa =
        sim.api().get::<HorizontalPodAutoscaler>("default", "php-apache").expect("hpa").clone();
    let reason = |kind: &str| {
        hpa.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| c.iter().find(|c| c.type_ == kind))
            .and_then(|c| c.reason.clone())
    };
    assert_eq!(reason("ScalingActive").as_deref(), Some("ValidMetricFound"));
}

#[test]
fn the_autoscaler_explains_a_target_without_cpu_requests() {
    let mut sim = Simulation::new(5);
    let mut shell = Shell::new();
    run(
        &mut sim,
        &mut shell,
        "kubectl create deployment plain --image=registry.k8s.io/hpa-example
kubectl autoscale deployment plain --max=3",
    );
    sim.advance(Duration::from_secs(60));
    let hpa = sim.api().get::<HorizontalPodAutoscaler>("default", "plain").expect("hpa").clone();
    let active = hpa
        .status
        .and_then(|s| s.conditions)
        .and_then(|c| c.into_iter().find(|c| c.type_ == "ScalingActive"))
        .expect("ScalingActive");
    assert_eq!(active.status, "False");
    assert!(
        active.message.unwrap_or_default().contains("missing request for cpu in container"),
        "the message names the container"
    );
}

#[test]
fn a_node_that_joins_later_gets_its_daemon_pod() {
    let mut sim = Simulation::new(3);
    let mut shell = Shell::new();
    run(
        &mut sim,
        &mut shell,
        "kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      name: agent
  template:
    metadata:
      labels:
        name: agent
    spec:
      containers:
      - name: agent
        image: busybox:1.36
        command: [sleep, '3600']
EOF",
    );
    let targets = |sim: &Simulation| -> Vec<String> {
        let mut nodes: Vec<String> = pods(sim, "default")
            .iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .filter_map(|p| {
                let terms = p
                    .spec
                    .as_ref()?
                    .affinity
                    .as_ref()?
                    .node_affinity
                    .as_ref()?
                    .required_during_scheduling_ignored_during_execution
                    .as_ref()?
                    .node_selector_terms
                    .clone();
                terms[0].match_fields.as_ref()?[0].values.as_ref()?.first().cloned()
            })
            .collect();
        nodes.sort();
        nodes.dedup();
        nodes
    };
    assert_eq!(targets(&sim), ["node01", "node02"]);
    sim.add_node("node03").expect("node03 joins");
    sim.advance(Duration::from_secs(30));
    assert_eq!(targets(&sim), ["node01", "node02", "node03"]);
    let set = sim
        .api()
        .get::<k8s_openapi::api::apps::v1::DaemonSet>("default", "agent")
        .expect("set")
        .clone();
    assert_eq!(set.status.expect("status").desired_number_scheduled, 3);
}

#[test]
fn a_surging_daemonset_update_starts_the_new_pod_before_the_old_one_goes() {
    let mut sim = Simulation::new(3);
    let mut shell = Shell::new();
    run(
        &mut sim,
        &mut shell,
        "kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      name: agent
  updateStrategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        name: agent
    spec:
      containers:
      - name: agent
        image: busybox:1.36
        command: [sleep, '3600']
EOF
sleep 30
kubectl set image ds/agent agent=busybox:1.37",
    );
    let live = |sim: &Simulation| -> Vec<Pod> {
        pods(sim, "default")
            .into_iter()
            .filter(|p| p.metadata.deletion_timestamp.is_none())
            .collect()
    };
    assert_eq!(live(&sim).len(), 3, "one node runs an old and a new pod side by side");
    sim.advance(Duration::from_secs(120));
    let after = live(&sim);
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|p| image(p) == "busybox:1.37"));
}
