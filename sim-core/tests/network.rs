//! Requests through the network as the page watches them: port-forward reaches one pod and
//! never the Service's balancing; Ingress requests go ingress → service → pod. kubeadm's
//! addons as pods: names resolve only while CoreDNS has ready pods, and a node's Service rules
//! follow the API only while its kube-proxy pod runs.

use sim_core::Simulation;
use sim_core::shell::Shell;

fn run(shell: &mut Shell, sim: &mut Simulation, script: &str) -> String {
    shell.transcript(sim, script)
}

#[test]
fn port_forward_reaches_one_pod_only() {
    let mut sim = Simulation::new(7);
    let mut shell = Shell::new();
    run(
        &mut shell,
        &mut sim,
        "kubectl create deployment web --image=nginx --replicas=3\nkubectl expose deployment web --port=80\nsleep 20\nkubectl port-forward svc/web 8080:80 &\n",
    );
    for _ in 0..12 {
        let out = run(&mut shell, &mut sim, "curl -s localhost:8080\n");
        assert!(out.contains("Handling connection for 8080"), "{out}");
        assert!(out.contains("Welcome to nginx!"), "{out}");
    }
    let served: std::collections::BTreeSet<String> = sim
        .recent_requests()
        .filter(|t| t.to == "localhost:8080")
        .map(|t| {
            assert_eq!(t.hops[0].kind, "port-forward");
            t.served_by.clone().expect("a pod answered")
        })
        .collect();
    assert_eq!(served.len(), 1, "one pod, not the Service's spread: {served:?}");
}

#[test]
fn ingress_requests_record_ingress_service_and_pod_hops() {
    let mut sim = Simulation::new(11);
    let mut shell = Shell::new();
    let out = run(
        &mut shell,
        &mut sim,
        "kubectl apply -f https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.13.2/deploy/static/provider/baremetal/deploy.yaml\nkubectl create deployment web --image=nginx\nkubectl expose deployment web --port=80\nkubectl apply -f - <<EOF\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\nspec:\n  ingressClassName: nginx\n  rules:\n  - host: foo.bar.com\n    http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend:\n          service:\n            name: web\n            port:\n              number: 80\nEOF\nsleep 40\n",
    );
    assert!(!out.contains("error"), "{out}");
    let port = run(
        &mut shell,
        &mut sim,
        "kubectl get svc ingress-nginx-controller -n ingress-nginx -o jsonpath='{.spec.ports[0].nodePort}'\n",
    );
    let port = port.lines().nth(1).unwrap_or_default().trim().to_string();
    let ok = run(
        &mut shell,
        &mut sim,
        &format!("curl -s -H 'Host: foo.bar.com' http://192.168.1.11:{port}/\n"),
    );
    assert!(ok.contains("Welcome to nginx!"), "{ok}");
    let trace = sim.recent_requests().last().expect("a request").clone();
    let kinds: Vec<&str> = trace.hops.iter().map(|h| h.kind.as_str()).collect();
    assert_eq!(kinds, ["service", "kube-proxy", "ingress", "service", "pod"], "{trace:?}");
    assert!(trace.served_by.as_deref().is_some_and(|p| p.starts_with("default/web-")));
    let missing = run(
        &mut shell,
        &mut sim,
        &format!("curl -s -H 'Host: nope.example' http://192.168.1.11:{port}/\n"),
    );
    assert!(missing.contains("<head><title>404 Not Found</title></head>"), "{missing}");
}

/// The kube-system pods of a fresh cluster, as `kubectl get pods -n kube-system -o wide` lists
/// them: (name, node).
fn kube_system_pods(sim: &Simulation) -> Vec<(String, String)> {
    use k8s_openapi::api::core::v1::Pod;
    sim.api()
        .list::<Pod>(Some("kube-system"))
        .map(|p| {
            let node = p.spec.as_ref().and_then(|s| s.node_name.clone()).unwrap_or_default();
            (p.metadata.name.clone().unwrap_or_default(), node)
        })
        .collect()
}

#[test]
fn a_new_cluster_runs_coredns_on_the_control_plane_and_kube_proxy_on_every_node() {
    let sim = Simulation::new(3);
    let pods = kube_system_pods(&sim);
    let coredns: Vec<&(String, String)> =
        pods.iter().filter(|(name, _)| name.starts_with("coredns-")).collect();
    assert_eq!(coredns.len(), 2, "{pods:?}");
    for (name, node) in &coredns {
        // coredns-<pod-template-hash>-<5 characters>
        let parts: Vec<&str> = name.split('-').collect();
        assert_eq!(parts.len(), 3, "{name}");
        assert!((9..=10).contains(&parts[1].len()), "{name}");
        assert_eq!(parts[2].len(), 5, "{name}");
        assert_eq!(node, "controlplane", "{name}");
    }
    let mut proxied: Vec<&str> = pods
        .iter()
        .filter(|(name, _)| name.starts_with("kube-proxy-"))
        .map(|(name, node)| {
            assert_eq!(name.len(), "kube-proxy-".len() + 5, "{name}");
            node.as_str()
        })
        .collect();
    proxied.sort();
    assert_eq!(proxied, ["controlplane", "node01", "node02"]);
    let mut shell = Shell::new();
    let out = run(&mut shell, &mut sim.clone(), "kubectl get pods -n kube-system\n");
    assert_eq!(out.matches("Running").count(), 9, "{out}");
    assert!(!out.contains("0/1"), "every addon pod is ready: {out}");
}

#[test]
fn names_resolve_only_while_coredns_has_ready_pods() {
    let mut sim = Simulation::new(5);
    let mut shell = Shell::new();
    run(
        &mut shell,
        &mut sim,
        "kubectl run client --image=busybox:1.36 -- sleep 3600\nkubectl run old --image=busybox:1.28 -- sleep 3600\nkubectl create deployment web --image=nginx\nkubectl expose deployment web --port=80\nsleep 30\n",
    );
    let lookup = "kubectl exec client -- nslookup web\n";
    let ok = run(&mut shell, &mut sim, lookup);
    assert!(ok.contains("Name:\tweb.default.svc.cluster.local"), "{ok}");

    let out = run(
        &mut shell,
        &mut sim,
        "kubectl scale deployment coredns -n kube-system --replicas=0\nsleep 40\n",
    );
    assert!(out.contains("scaled"), "{out}");
    let down = run(&mut shell, &mut sim, lookup);
    assert!(down.contains(";; connection timed out; no servers could be reached"), "{down}");
    assert!(down.contains("command terminated with exit code 1"), "{down}");
    let curl = run(&mut shell, &mut sim, "kubectl exec client -- wget -qO- http://web\n");
    assert!(curl.contains("wget: bad address 'web'"), "{curl}");
    let old = run(&mut shell, &mut sim, "kubectl exec old -- nslookup web\n");
    assert!(old.contains("Address 1: 10.96.0.10\n\nnslookup: can't resolve 'web'"), "{old}");
    // An address needs no DNS.
    let by_ip = run(
        &mut shell,
        &mut sim,
        "kubectl exec client -- wget -qO- http://$(kubectl get svc web -o jsonpath='{.spec.clusterIP}')\n",
    );
    assert!(by_ip.contains("Welcome to nginx!"), "{by_ip}");

    run(
        &mut shell,
        &mut sim,
        "kubectl scale deployment coredns -n kube-system --replicas=2\nsleep 30\n",
    );
    let back = run(&mut shell, &mut sim, lookup);
    assert!(back.contains("Name:\tweb.default.svc.cluster.local"), "{back}");
}

#[test]
fn a_node_without_its_kube_proxy_pod_keeps_its_old_rules() {
    let mut sim = Simulation::new(9);
    let mut shell = Shell::new();
    run(
        &mut shell,
        &mut sim,
        "kubectl delete pod -n kube-system -l k8s-app=kube-proxy --field-selector spec.nodeName=node01\nsleep 5\n",
    );
    let proxies =
        kube_system_pods(&sim).into_iter().filter(|(n, _)| n.starts_with("kube-proxy-")).count();
    assert_eq!(proxies, 3, "the DaemonSet brings node01's back");
    run(
        &mut shell,
        &mut sim,
        "kubectl delete daemonset kube-proxy -n kube-system\nsleep 40\nkubectl create deployment web --image=nginx\nkubectl expose deployment web --port=80\nsleep 20\n",
    );
    let rules = sim.network().proxy("node01").expect("node01's rules stay").rules();
    assert!(rules.iter().any(|r| r.service == "kubernetes"), "old rules kept");
    assert!(!rules.iter().any(|r| r.service == "web"), "no kube-proxy wrote web's rules");
}
