//! Requests through the network as the page watches them: port-forward reaches one pod and
//! never the Service's balancing; Ingress requests go ingress → service → pod.

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
