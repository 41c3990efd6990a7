//! Going back in time: snapshots of the simulation (after every command, and every half
//! minute of cluster time in between), and the timeline that scrubs through them. A past moment
//! is rebuilt from the closest earlier snapshot by letting time run to it: the simulation is
//! deterministic and no command ran in between, so it is the cluster as it was.

use crate::lab::Lab;
use leptos::prelude::*;
use sim_core::Simulation;
use std::time::Duration;

/// Snapshots kept at most; beyond that the periodic ones are thinned out (every other one
/// goes), and if commands alone are more, the oldest moments become unreachable.
const MAX_SNAPSHOTS: usize = 120;
/// Cluster time between two periodic snapshots.
const SNAPSHOT_EVERY: Duration = Duration::from_secs(30);
/// Buckets the timeline gathers events into (one tick each).
const BUCKETS: usize = 160;

struct Snapshot {
    at: Duration,
    /// Taken after a command: the only record of it, so never thinned out.
    after_command: bool,
    sim: Simulation,
}

/// The snapshots of one line of history, oldest first.
pub struct History {
    snapshots: Vec<Snapshot>,
}

impl History {
    pub fn new(sim: &Simulation) -> Self {
        History {
            snapshots: vec![Snapshot { at: sim.elapsed(), after_command: true, sim: sim.clone() }],
        }
    }

    /// After a command (or anything else that changed the cluster other than time passing).
    pub fn record(&mut self, sim: &Simulation) {
        self.push(sim, true);
    }

    /// While time passes: a snapshot when the last is old enough.
    pub fn record_if_due(&mut self, sim: &Simulation) {
        let last = self.snapshots.last().map_or(Duration::ZERO, |s| s.at);
        if sim.elapsed() >= last + SNAPSHOT_EVERY {
            self.push(sim, false);
        }
    }

    fn push(&mut self, sim: &Simulation, after_command: bool) {
        self.snapshots.push(Snapshot { at: sim.elapsed(), after_command, sim: sim.clone() });
        if self.snapshots.len() > MAX_SNAPSHOTS {
            let mut periodic = 0;
            let last = self.snapshots.len() - 1;
            let mut index = 0;
            self.snapshots.retain(|s| {
                index += 1;
                if s.after_command || index - 1 == last {
                    return true;
                }
                periodic += 1;
                periodic % 2 == 0
            });
        }
        if self.snapshots.len() > MAX_SNAPSHOTS {
            self.snapshots.remove(0);
        }
    }

    /// The earliest moment that can be shown.
    pub fn start(&self) -> Duration {
        self.snapshots.first().map_or(Duration::ZERO, |s| s.at)
    }

    /// The cluster as it was at `at`.
    pub fn at(&self, at: Duration) -> Option<Simulation> {
        let index = self.snapshots.partition_point(|s| s.at <= at).checked_sub(1)?;
        let snapshot = &self.snapshots[index];
        let mut sim = snapshot.sim.clone();
        sim.advance(at.saturating_sub(snapshot.at));
        Some(sim)
    }

    /// History forks at `at`: what came after is forgotten.
    pub fn forget_after(&mut self, at: Duration) {
        self.snapshots.retain(|s| s.at <= at);
    }
}

/// One of the cluster's events on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// Cluster time it was (last) recorded at.
    pub at: Duration,
    pub warning: bool,
    /// `Pod web: Scheduled`.
    pub text: String,
}

/// Events gathered into `buckets` equal spans of `0..end`: for each non-empty span, its index,
/// how many events, whether any was a warning, and the first few of them in words.
pub fn buckets(marks: &[Mark], end: Duration, buckets: usize) -> Vec<(usize, usize, bool, String)> {
    const LISTED: usize = 4;
    let mut counts = vec![(0usize, false, String::new()); buckets];
    let end_ms = end.as_millis().max(1);
    for mark in marks {
        let index = (mark.at.as_millis() * buckets as u128 / end_ms).min(buckets as u128 - 1);
        let bucket = &mut counts[index as usize];
        bucket.0 += 1;
        bucket.1 |= mark.warning;
        if bucket.0 <= LISTED {
            bucket.2.push_str(&format!("{} {}\n", clock(mark.at), mark.text));
        }
    }
    counts
        .into_iter()
        .enumerate()
        .filter(|(_, (n, _, _))| *n > 0)
        .map(|(i, (n, warning, mut text))| {
            if n > LISTED {
                text.push_str(&format!("and {} more", n - LISTED));
            }
            (i, n, warning, text.trim_end().to_string())
        })
        .collect()
}

/// `1:02:03` or `02:03`: cluster time since the lab started.
pub fn clock(elapsed: Duration) -> String {
    let seconds = elapsed.as_secs();
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 { format!("{h}:{m:02}:{s:02}") } else { format!("{m:02}:{s:02}") }
}

/// The timeline under the top bar: the cluster's events as ticks, and a slider to go back.
#[component]
pub fn Timeline() -> impl IntoView {
    let lab = expect_context::<Lab>();
    let start = move || {
        lab.horizon.track();
        lab.history_start().as_secs()
    };
    let ticks = move || {
        let end = lab.horizon.get();
        lab.marks.with(|marks| buckets(marks, end, BUCKETS))
    };
    let on_input = move |ev: leptos::ev::Event| {
        let Ok(seconds) = event_target_value(&ev).parse::<u64>() else { return };
        let horizon = lab.horizon.get_untracked();
        let at = if seconds >= horizon.as_secs() { horizon } else { Duration::from_secs(seconds) };
        lab.scrub_to(at);
    };
    view! {
        <div class="timeline" role="group" aria-label="Timeline of cluster time">
            <span class="timeline-end">{move || clock(Duration::from_secs(start()))}</span>
            <div class="timeline-track">
                <svg class="timeline-marks" viewBox=format!("0 0 {BUCKETS} 10") preserveAspectRatio="none" aria-hidden="true">
                    {move || {
                        ticks()
                            .into_iter()
                            .map(|(index, count, warning, text)| {
                                let height = (3.0 + 2.0 * (count as f64).log2()).min(10.0);
                                view! {
                                    <rect
                                        class=if warning { "mark mark-warning" } else { "mark" }
                                        x={index as f64 + 0.2}
                                        y={10.0 - height}
                                        width="0.6"
                                        height=height
                                    >
                                        <title>{text}</title>
                                    </rect>
                                }
                            })
                            .collect_view()
                    }}
                </svg>
                <input
                    type="range"
                    aria-label="Timeline"
                    aria-valuetext=move || clock(lab.elapsed.get())
                    min=start
                    max=move || lab.horizon.get().as_secs()
                    step="1"
                    prop:value=move || lab.elapsed.get().as_secs().to_string()
                    on:input=on_input
                />
            </div>
            <span class="timeline-end">{move || clock(lab.horizon.get())}</span>
            <span class="timeline-state" role="status">
                {move || {
                    if lab.in_past.get() {
                        format!(
                            "Back at {} — Play, Step or a command continues from here and forgets what came after",
                            clock(lab.elapsed.get()),
                        )
                    } else {
                        String::new()
                    }
                }}
            </span>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::shell::Shell;
    use sim_core::view::ClusterView;

    #[test]
    fn a_past_moment_is_the_cluster_as_it_was() {
        let mut sim = Simulation::new(1);
        let mut history = History::new(&sim);
        Shell::new().run_script(&mut sim, "kubectl run web --image=nginx");
        history.record(&sim);
        let created_at = sim.elapsed();
        for _ in 0..60 {
            sim.advance(Duration::from_secs(1));
            history.record_if_due(&sim);
        }
        let past = history.at(created_at + Duration::from_secs(45)).unwrap();
        let mut replay = Simulation::new(1);
        Shell::new().run_script(&mut replay, "kubectl run web --image=nginx");
        replay.advance(Duration::from_secs(45));
        assert_eq!(ClusterView::of(&past), ClusterView::of(&replay));
        assert_eq!(past.api().resource_version(), replay.api().resource_version());
    }

    #[test]
    fn before_a_command_it_had_not_run() {
        let mut sim = Simulation::new(1);
        sim.advance(Duration::from_secs(10));
        let mut history = History::new(&sim);
        sim.advance(Duration::from_secs(10));
        Shell::new().run_script(&mut sim, "kubectl run web --image=nginx");
        history.record(&sim);
        let before = history.at(Duration::from_secs(15)).unwrap();
        assert!(
            ClusterView::of(&before).nodes.iter().all(|n| n.pods.iter().all(|p| p.name != "web"))
        );
        history.forget_after(Duration::from_secs(15));
        assert_eq!(history.snapshots.len(), 1);
    }

    #[test]
    fn thinning_keeps_every_command_and_bounds_memory() {
        let mut sim = Simulation::new(1);
        let mut history = History::new(&sim);
        for i in 0..400 {
            sim.advance(SNAPSHOT_EVERY);
            if i % 50 == 0 {
                history.record(&sim);
            } else {
                history.record_if_due(&sim);
            }
        }
        assert!(history.snapshots.len() <= MAX_SNAPSHOTS);
        assert_eq!(history.snapshots.iter().filter(|s| s.after_command).count(), 1 + 8);
        assert_eq!(history.start(), Duration::ZERO);
    }

    #[test]
    fn events_fall_into_buckets_by_time() {
        let mark = |s, warning| Mark {
            at: Duration::from_secs(s),
            warning,
            text: "Pod web: Pulled".into(),
        };
        let marks = [mark(0, false), mark(1, true), mark(99, false)];
        let got = buckets(&marks, Duration::from_secs(100), 10);
        let summary: Vec<_> = got.iter().map(|(i, n, w, _)| (*i, *n, *w)).collect();
        assert_eq!(summary, [(0, 2, true), (9, 1, false)]);
        assert_eq!(got[0].3, "00:00 Pod web: Pulled\n00:01 Pod web: Pulled");
    }

    #[test]
    fn clock_shows_minutes_then_hours() {
        assert_eq!(clock(Duration::from_secs(0)), "00:00");
        assert_eq!(clock(Duration::from_secs(83)), "01:23");
        assert_eq!(clock(Duration::from_secs(3723)), "1:02:03");
    }
}
