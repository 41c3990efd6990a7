//! systemd's `kubelet.service` as kubeadm's packages install it (`Restart=always`,
//! `RestartSec=10`): the unit's state, what `systemctl status kubelet` prints, and systemd's
//! ways of writing times and durations.

use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `RestartSec=10` in kubeadm's kubelet.service: how long systemd waits before starting a
/// kubelet that exited again.
pub const RESTART_SEC: Duration = Duration::from_secs(10);

pub const DESCRIPTION: &str = "kubelet: The Kubernetes Node Agent";
const EXEC_START: &str = "/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS";
const COMMAND_LINE: &str = "/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///var/run/containerd/containerd.sock";

/// The share of one CPU a kubelet keeps busy, in thousandths (for the `CPU:` line).
const CPU_PER_MILLE: u64 = 15;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnitState {
    /// `active (running)`.
    Running { since: SimTime, pid: u32 },
    /// `inactive (dead)` after `systemctl stop`.
    Stopped { since: SimTime, pid: u32, started_at: SimTime },
    /// `activating (auto-restart)`: the kubelet exited with status 1 and systemd starts it again
    /// at `restart_at`.
    AutoRestart { since: SimTime, pid: u32, restart_at: SimTime, restarts: u32 },
}

impl UnitState {
    /// `systemctl is-active`.
    pub fn active_word(&self) -> &'static str {
        match self {
            UnitState::Running { .. } => "active",
            UnitState::Stopped { .. } => "inactive",
            UnitState::AutoRestart { .. } => "activating",
        }
    }

    /// CPU time of the current (or last) run of the kubelet.
    fn cpu(&self, now: SimTime) -> Duration {
        match *self {
            UnitState::Running { since, .. } => cpu_used(now.since(since)),
            UnitState::Stopped { since, started_at, .. } => cpu_used(since.since(started_at)),
            // The kubelet gives up within a few dozen milliseconds.
            UnitState::AutoRestart { .. } => Duration::from_millis(62),
        }
    }

    /// What `systemctl status kubelet` prints above the journal lines.
    pub fn status(&self, now: SimTime) -> String {
        let (bullet, active) = match *self {
            UnitState::Running { since, .. } => {
                ('●', format!("active (running) since {}", since_text(since, now)))
            }
            UnitState::Stopped { since, .. } => {
                ('○', format!("inactive (dead) since {}", since_text(since, now)))
            }
            UnitState::AutoRestart { since, .. } => (
                '●',
                format!(
                    "activating (auto-restart) (Result: exit-code) since {}",
                    since_text(since, now)
                ),
            ),
        };
        let mut out = format!("{bullet} kubelet.service - {DESCRIPTION}\n");
        out.push_str("     Loaded: loaded (/usr/lib/systemd/system/kubelet.service; enabled; preset: enabled)\n");
        out.push_str("    Drop-In: /usr/lib/systemd/system/kubelet.service.d\n");
        out.push_str("             └─10-kubeadm.conf\n");
        out.push_str(&format!("     Active: {active}\n"));
        if let UnitState::Stopped { since, started_at, .. } = *self {
            out.push_str(&format!("   Duration: {}\n", timespan(since.since(started_at))));
        }
        out.push_str("       Docs: https://kubernetes.io/docs/\n");
        match *self {
            UnitState::Running { since, pid } => {
                let memory_tenths = 450 + (now.since(since).as_secs() / 3600).min(60);
                out.push_str(&format!("   Main PID: {pid} (kubelet)\n"));
                out.push_str("      Tasks: 12 (limit: 4598)\n");
                out.push_str(&format!(
                    "     Memory: {}.{}M (peak: {}.{}M)\n",
                    memory_tenths / 10,
                    memory_tenths % 10,
                    (memory_tenths + 37) / 10,
                    (memory_tenths + 37) % 10
                ));
                out.push_str(&format!("        CPU: {}\n", timespan(self.cpu(now))));
                out.push_str("     CGroup: /system.slice/kubelet.service\n");
                out.push_str(&format!("             └─{pid} {COMMAND_LINE}\n"));
            }
            UnitState::Stopped { pid, .. } => {
                out.push_str(&format!(
                    "    Process: {pid} ExecStart={EXEC_START} (code=exited, status=0/SUCCESS)\n"
                ));
                out.push_str(&format!("   Main PID: {pid} (code=exited, status=0/SUCCESS)\n"));
                out.push_str(&format!("        CPU: {}\n", timespan(self.cpu(now))));
            }
            UnitState::AutoRestart { pid, .. } => {
                out.push_str(&format!(
                    "    Process: {pid} ExecStart={EXEC_START} (code=exited, status=1/FAILURE)\n"
                ));
                out.push_str(&format!("   Main PID: {pid} (code=exited, status=1/FAILURE)\n"));
                out.push_str(&format!("        CPU: {}\n", timespan(self.cpu(now))));
            }
        }
        out
    }

    /// The `Consumed … CPU time.` line systemd writes when the kubelet stops.
    pub fn consumed(&self, now: SimTime) -> String {
        format!("kubelet.service: Consumed {} CPU time.", timespan(self.cpu(now)))
    }
}

fn cpu_used(running: Duration) -> Duration {
    Duration::from_millis(
        u64::try_from(running.as_millis()).unwrap_or(u64::MAX) / 1000 * CPU_PER_MILLE,
    )
}

/// `Mon 2026-01-05 09:00:00 UTC; 5min ago`.
fn since_text(at: SimTime, now: SimTime) -> String {
    format!("{}; {}", at.strftime("%a %Y-%m-%d %H:%M:%S UTC"), relative(now.since(at)))
}

/// systemd's `format_timestamp_relative`: `5s ago`, `4min 10s ago`, `2h 5min ago`,
/// `1 day 2h ago`, `3 days ago`, `1 week 3 days ago`.
pub fn relative(d: Duration) -> String {
    let s = d.as_secs();
    let (minute, hour, day, week) = (60, 3600, 86_400, 7 * 86_400);
    let text = if s >= week {
        let (weeks, days) = (s / week, s % week / day);
        let unit = if weeks == 1 { "week" } else { "weeks" };
        match days {
            0 => format!("{weeks} {unit}"),
            1 => format!("{weeks} {unit} 1 day"),
            _ => format!("{weeks} {unit} {days} days"),
        }
    } else if s >= 2 * day {
        format!("{} days", s / day)
    } else if s >= 25 * hour {
        format!("1 day {}h", (s - day) / hour)
    } else if s >= 6 * hour {
        format!("{}h", s / hour)
    } else if s >= hour {
        format!("{}h {}min", s / hour, s % hour / minute)
    } else if s >= 5 * minute {
        format!("{}min", s / minute)
    } else if s >= minute {
        format!("{}min {}s", s / minute, s % minute)
    } else if s >= 1 {
        format!("{s}s")
    } else {
        return "now".to_string();
    };
    format!("{text} ago")
}

/// systemd's `format_timespan` to the millisecond: `1w 3d 2h 1min 2.345s`, `62ms`.
pub fn timespan(d: Duration) -> String {
    let mut ms = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    if ms == 0 {
        return "0".to_string();
    }
    let mut parts = Vec::new();
    for (unit, size) in [("w", 604_800_000), ("d", 86_400_000), ("h", 3_600_000), ("min", 60_000)] {
        if ms >= size {
            parts.push(format!("{}{unit}", ms / size));
            ms %= size;
        }
    }
    if ms >= 1000 {
        let (secs, rest) = (ms / 1000, ms % 1000);
        if rest == 0 {
            parts.push(format!("{secs}s"));
        } else {
            let fraction = format!("{rest:03}");
            parts.push(format!("{secs}.{}s", fraction.trim_end_matches('0')));
        }
    } else if ms > 0 {
        parts.push(format!("{ms}ms"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_as_systemd_writes_them() {
        let secs = Duration::from_secs;
        assert_eq!(relative(secs(5)), "5s ago");
        assert_eq!(relative(secs(250)), "4min 10s ago");
        assert_eq!(relative(secs(600)), "10min ago");
        assert_eq!(relative(secs(7_500)), "2h 5min ago");
        assert_eq!(relative(secs(26 * 3600)), "1 day 2h ago");
        assert_eq!(relative(secs(10 * 86_400)), "1 week 3 days ago");
    }

    #[test]
    fn timespans_read_as_systemd_writes_them() {
        assert_eq!(timespan(Duration::from_millis(62)), "62ms");
        assert_eq!(timespan(Duration::from_millis(62_345)), "1min 2.345s");
        assert_eq!(timespan(Duration::from_millis(62_300)), "1min 2.3s");
        assert_eq!(timespan(Duration::from_secs(10 * 86_400 + 60)), "1w 3d 1min");
    }
}
