//! The kubelet's prober: one worker per probe of a running container (startup, liveness,
//! readiness), each probing on its period with Kubernetes' thresholds and result rules.

use crate::container::{ExecOutcome, Instance, Volumes};
use crate::time::SimTime;
use k8s_openapi::api::core::v1::{Container, Probe};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What the kubelet's HTTP prober sends as its User-Agent.
const PROBE_USER_AGENT: &str = "kube-probe/1.34";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) enum ProbeKind {
    Startup,
    Liveness,
    Readiness,
}

impl ProbeKind {
    /// As the Unhealthy event words it.
    pub fn title(self) -> &'static str {
        match self {
            ProbeKind::Startup => "Startup",
            ProbeKind::Liveness => "Liveness",
            ProbeKind::Readiness => "Readiness",
        }
    }

    fn of(self, container: &Container) -> Option<&Probe> {
        match self {
            ProbeKind::Startup => container.startup_probe.as_ref(),
            ProbeKind::Liveness => container.liveness_probe.as_ref(),
            ProbeKind::Readiness => container.readiness_probe.as_ref(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Outcome {
    Success,
    Failure,
}

/// The probe workers of one run of a container.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(super) struct Probes {
    workers: Vec<Worker>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Worker {
    kind: ProbeKind,
    next_at: SimTime,
    /// The result the kubelet acts on; `None` is Unknown (a startup probe before its verdict).
    result: Option<Outcome>,
    /// The last probe's outcome and how many probes in a row gave it.
    last: Option<Outcome>,
    run: i32,
    /// A liveness or startup worker stops after its failure verdict, until the container restarts.
    on_hold: bool,
    /// Something happened in the pod since the last probe: the next one must really run.
    stale: bool,
}

impl Worker {
    /// Its probes succeed and its result says so, and nothing has happened in the pod since
    /// the last one: the next can only differ if the container changes.
    fn settled(&self) -> bool {
        !self.stale && self.last == Some(Outcome::Success) && self.result == Some(Outcome::Success)
    }
}

/// What a round of probing asks of the kubelet.
#[derive(Debug, Default)]
pub(super) struct ProbeReport {
    /// One Unhealthy event per failed probe: (probe kind, output).
    pub failures: Vec<(ProbeKind, String)>,
    /// A liveness or startup probe reached its failure threshold: the container must be killed.
    pub kill: Option<ProbeKind>,
    /// Readiness or startedness changed, so the pod status needs writing.
    pub changed: bool,
}

/// The settings of a probe with the API server's defaults filled in where missing.
struct Settings {
    initial_delay: Duration,
    timeout: Duration,
    period: Duration,
    success_threshold: i32,
    failure_threshold: i32,
}

fn settings(probe: &Probe) -> Settings {
    let seconds = |value: Option<i32>, default: i32| {
        Duration::from_secs(u64::try_from(value.unwrap_or(default)).unwrap_or(0))
    };
    Settings {
        initial_delay: seconds(probe.initial_delay_seconds, 0),
        timeout: seconds(probe.timeout_seconds, 1).max(Duration::from_secs(1)),
        period: seconds(probe.period_seconds, 10).max(Duration::from_secs(1)),
        success_threshold: probe.success_threshold.unwrap_or(1).max(1),
        failure_threshold: probe.failure_threshold.unwrap_or(3).max(1),
    }
}

impl Probes {
    /// Workers for the probes `container` declares, first probing `initialDelaySeconds` (at
    /// least a second) after the run started.
    pub fn new(container: &Container, started_at: SimTime) -> Probes {
        let workers = [ProbeKind::Startup, ProbeKind::Liveness, ProbeKind::Readiness]
            .into_iter()
            .filter_map(|kind| {
                let probe = kind.of(container)?;
                // Without an initial delay the first probe still waits for the worker's first
                // tick after the container starts; a second is a fair stand-in for that wait.
                let delay = settings(probe).initial_delay.max(Duration::from_secs(1));
                Some(Worker {
                    kind,
                    next_at: started_at + delay,
                    // Readiness starts as Failure, liveness as Success, startup as Unknown.
                    result: match kind {
                        ProbeKind::Startup => None,
                        ProbeKind::Liveness => Some(Outcome::Success),
                        ProbeKind::Readiness => Some(Outcome::Failure),
                    },
                    last: None,
                    run: 0,
                    on_hold: false,
                    stale: false,
                })
            })
            .collect();
        Probes { workers }
    }

    fn worker(&self, kind: ProbeKind) -> Option<&Worker> {
        self.workers.iter().find(|w| w.kind == kind)
    }

    /// `started` in the container status: the startup probe succeeded, or there is none.
    pub fn started(&self) -> bool {
        self.worker(ProbeKind::Startup).is_none_or(|w| w.result == Some(Outcome::Success))
    }

    /// `ready` in the container status (the container is also running and started).
    pub fn ready(&self) -> bool {
        self.started()
            && self.worker(ProbeKind::Readiness).is_none_or(|w| w.result == Some(Outcome::Success))
    }

    /// When the kubelet must next probe. A worker whose probes keep succeeding needs no
    /// wake-up of its own: while the container's process does nothing new, the outcome cannot
    /// change, so its probes are run when the kubelet next looks anyway ([`Probes::earliest_due`]).
    pub fn next_due(&self) -> Option<SimTime> {
        let started = self.started();
        self.workers
            .iter()
            .filter(|w| !w.on_hold && !w.settled())
            .filter(|w| started || w.kind == ProbeKind::Startup)
            .map(|w| w.next_at)
            .min()
    }

    /// Something happened in the pod (its process woke, a command ran in it, the pod changed):
    /// settled workers probe for real at their next tick.
    pub fn touch(&mut self) {
        for worker in &mut self.workers {
            worker.stale = true;
        }
    }

    /// Drops all but the last `keep` probes a settled worker owes since the kubelet last
    /// looked: their outcome is known, and only their traces (a web server's access log) would
    /// differ. Keeps catching up cheap after a long quiet stretch.
    pub fn forget_settled(&mut self, container: &Container, now: SimTime, keep: u32) {
        for worker in self.workers.iter_mut().filter(|w| w.settled() && w.next_at <= now) {
            let Some(probe) = worker.kind.of(container) else { continue };
            let period_ms = settings(probe).period.as_millis().max(1) as u64;
            let owed = now.since(worker.next_at).as_millis() as u64 / period_ms + 1;
            let skipped = owed.saturating_sub(u64::from(keep));
            worker.next_at = worker.next_at + Duration::from_millis(skipped * period_ms);
        }
    }

    /// Whether a worker's tick is exactly `now`: the kubelet was woken for a probe.
    pub fn ticks_at(&self, now: SimTime) -> bool {
        self.workers.iter().any(|w| !w.on_hold && w.next_at == now)
    }

    /// The earliest probe that is due by `now`, including those skipped while settled.
    pub fn earliest_due(&self, now: SimTime) -> Option<SimTime> {
        self.workers.iter().filter(|w| !w.on_hold && w.next_at <= now).map(|w| w.next_at).min()
    }

    /// Runs every probe due at `now` (the earliest due instant) against the container.
    pub fn run_due(
        &mut self,
        container: &Container,
        instance: &mut Instance,
        volumes: &mut Volumes,
        pod_ip: &str,
        now: SimTime,
    ) -> ProbeReport {
        let mut report = ProbeReport::default();
        let started = self.started();
        for worker in &mut self.workers {
            if worker.on_hold || worker.next_at > now {
                continue;
            }
            let Some(probe) = worker.kind.of(container) else { continue };
            let settings = settings(probe);
            while worker.next_at <= now {
                worker.next_at = worker.next_at + settings.period;
            }
            // Until the startup probe succeeds, the other probes tick without probing.
            if worker.kind != ProbeKind::Startup && !started {
                continue;
            }
            let (outcome, output) = run_probe(probe, container, instance, volumes, pod_ip, now);
            worker.stale = false;
            if outcome == Outcome::Failure {
                report.failures.push((worker.kind, output));
            }
            if worker.last == Some(outcome) {
                worker.run += 1;
            } else {
                worker.last = Some(outcome);
                worker.run = 1;
            }
            let threshold = match outcome {
                Outcome::Success => settings.success_threshold,
                Outcome::Failure => settings.failure_threshold,
            };
            if worker.run < threshold || worker.result == Some(outcome) {
                continue;
            }
            worker.result = Some(outcome);
            report.changed = true;
            match (worker.kind, outcome) {
                (ProbeKind::Startup, Outcome::Success) => worker.on_hold = true,
                (ProbeKind::Liveness | ProbeKind::Startup, Outcome::Failure) => {
                    worker.on_hold = true;
                    report.kill = report.kill.or(Some(worker.kind));
                }
                _ => {}
            }
        }
        report
    }
}

/// A probe's or hook's port: a number, or the name of one of the container's ports.
pub(super) fn container_port(container: &Container, port: &IntOrString) -> Result<u16, String> {
    match port {
        IntOrString::Int(number) => {
            u16::try_from(*number).map_err(|_| format!("invalid port {number}"))
        }
        IntOrString::String(name) => container
            .ports
            .iter()
            .flatten()
            .find(|p| p.name.as_deref() == Some(name))
            .and_then(|p| u16::try_from(p.container_port).ok())
            .ok_or_else(|| {
                format!("unable to find port {name:?} in container {:?}", container.name)
            }),
    }
}

/// One probe: its outcome and the output the Unhealthy event carries.
fn run_probe(
    probe: &Probe,
    container: &Container,
    instance: &mut Instance,
    volumes: &mut Volumes,
    pod_ip: &str,
    now: SimTime,
) -> (Outcome, String) {
    let port = |port: &IntOrString| container_port(container, port);
    let failure = |message: String| (Outcome::Failure, message);
    if let Some(exec) = &probe.exec {
        let command = exec.command.clone().unwrap_or_default();
        return match instance.exec(volumes, &command, now) {
            // The prober gives up after `timeoutSeconds` (default 1 s).
            ExecOutcome::Ran { took, .. } if took > settings(probe).timeout => {
                failure(format!("command {:?} timed out", command.join(" ")))
            }
            ExecOutcome::Ran { stdout, stderr, code, .. } => {
                let output = format!("{stdout}{stderr}").trim_end_matches('\n').to_string();
                if code == 0 { (Outcome::Success, output) } else { failure(output) }
            }
            ExecOutcome::NotFound(message) => failure(message),
        };
    }
    if let Some(http) = &probe.http_get {
        let port = match port(&http.port) {
            Ok(port) => port,
            Err(message) => return failure(message),
        };
        let host = http.host.as_deref().filter(|h| !h.is_empty()).unwrap_or(pod_ip);
        let path = http.path.as_deref().filter(|p| !p.is_empty()).unwrap_or("/");
        let scheme = http.scheme.as_deref().unwrap_or("HTTP").to_lowercase();
        return match instance.http_get(port, path, PROBE_USER_AGENT, now) {
            Some(answer) if (200..400).contains(&answer.status) => {
                (Outcome::Success, String::new())
            }
            Some(answer) => {
                failure(format!("HTTP probe failed with statuscode: {}", answer.status))
            }
            None => failure(format!(
                "Get \"{scheme}://{host}:{port}{path}\": dial tcp {host}:{port}: connect: connection refused"
            )),
        };
    }
    if let Some(tcp) = &probe.tcp_socket {
        let port = match port(&tcp.port) {
            Ok(port) => port,
            Err(message) => return failure(message),
        };
        let host = tcp.host.as_deref().filter(|h| !h.is_empty()).unwrap_or(pod_ip);
        return if instance.listens_on(port, now) {
            (Outcome::Success, String::new())
        } else {
            failure(format!("dial tcp {host}:{port}: connect: connection refused"))
        };
    }
    if let Some(grpc) = &probe.grpc {
        let port = u16::try_from(grpc.port).unwrap_or(0);
        return match instance.grpc_health(port, now) {
            Some(true) => (Outcome::Success, String::new()),
            Some(false) => {
                failure("service unhealthy (responded with \"NOT_SERVING\")".to_string())
            }
            None => {
                failure(format!("timeout: failed to connect service \"{pod_ip}:{port}\" within 1s"))
            }
        };
    }
    // The API server refuses probes without a handler; nothing to run.
    (Outcome::Success, String::new())
}
