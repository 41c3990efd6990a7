//! The scheduling queue (kube-scheduler's `PriorityQueue`): pods waiting for a try (activeQ,
//! by priority then by how long they have waited), pods backing off after a failed try
//! (backoffQ: 1 s, doubling per attempt, at most 10 s), and pods that did not fit waiting for a
//! cluster change that could help (unschedulablePods; flushed after 5 minutes regardless).

use crate::time::SimTime;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// `podInitialBackoffSeconds`.
const INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// `podMaxBackoffSeconds`.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// `podMaxInUnschedulablePodsDuration`: how long a pod waits for a helpful cluster change
/// before it is tried again anyway.
const MAX_IN_UNSCHEDULABLE: Duration = Duration::from_secs(5 * 60);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Place {
    Active,
    /// Waiting out its back-off, then active.
    Backoff,
    /// Did not fit; waits for one of `events` (bits of `framework::events`).
    Unschedulable {
        since: SimTime,
        events: u32,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QueuedPod {
    pub namespace: String,
    pub name: String,
    pub priority: i32,
    /// When the pod (re-)entered the queue: ties between equal priorities go to the oldest.
    pub timestamp: SimTime,
    /// Scheduling attempts so far.
    pub attempts: u32,
    /// When the last attempt failed (back-off counts from there).
    pub failed_at: Option<SimTime>,
    /// The resourceVersion of the pod as the scheduler last wrote it: another version means
    /// someone else updated the pod, which may make it fit.
    pub written_version: String,
    pub place: Place,
}

impl QueuedPod {
    /// `calculateBackoffDuration`: 1 s doubled per attempt after the first, at most 10 s.
    fn backoff_until(&self) -> Option<SimTime> {
        let failed_at = self.failed_at?;
        let mut backoff = INITIAL_BACKOFF;
        for _ in 1..self.attempts {
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
        Some(failed_at + backoff)
    }

    fn backing_off(&self, now: SimTime) -> bool {
        self.backoff_until().is_some_and(|until| until > now)
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SchedulingQueue {
    /// Every queued pod, by uid.
    pods: BTreeMap<String, QueuedPod>,
}

impl SchedulingQueue {
    pub fn get(&self, uid: &str) -> Option<&QueuedPod> {
        self.pods.get(uid)
    }

    pub fn get_mut(&mut self, uid: &str) -> Option<&mut QueuedPod> {
        self.pods.get_mut(uid)
    }

    /// A new pending pod: straight to the active queue.
    pub fn add(&mut self, uid: String, pod: QueuedPod) {
        self.pods.insert(uid, pod);
    }

    pub fn remove(&mut self, uid: &str) -> Option<QueuedPod> {
        self.pods.remove(uid)
    }

    /// A failed attempt: the pod waits for a cluster change among `events`.
    pub fn unschedulable(&mut self, uid: &str, now: SimTime, events: u32) {
        if let Some(pod) = self.pods.get_mut(uid) {
            pod.attempts += 1;
            pod.failed_at = Some(now);
            pod.timestamp = now;
            pod.place = Place::Unschedulable { since: now, events };
        }
    }

    /// `MoveAllToActiveOrBackoffQueue`: pods waiting for one of `happened` go back, to the
    /// back-off queue if still backing off.
    pub fn move_for_events(&mut self, happened: u32, now: SimTime) {
        for pod in self.pods.values_mut() {
            if let Place::Unschedulable { events, .. } = pod.place
                && events & happened != 0
            {
                pod.place = if pod.backing_off(now) { Place::Backoff } else { Place::Active };
            }
        }
    }

    /// Moves one pod back (the pod itself was updated).
    pub fn requeue(&mut self, uid: &str, now: SimTime) {
        if let Some(pod) = self.pods.get_mut(uid)
            && matches!(pod.place, Place::Unschedulable { .. })
        {
            pod.place = if pod.backing_off(now) { Place::Backoff } else { Place::Active };
        }
    }

    /// `flushBackoffQCompleted` and `flushUnschedulablePodsLeftover`.
    pub fn flush(&mut self, now: SimTime) {
        for pod in self.pods.values_mut() {
            match pod.place {
                Place::Backoff if !pod.backing_off(now) => pod.place = Place::Active,
                Place::Unschedulable { since, .. } if since + MAX_IN_UNSCHEDULABLE <= now => {
                    pod.place = if pod.backing_off(now) { Place::Backoff } else { Place::Active };
                }
                _ => {}
            }
        }
    }

    pub fn has_active(&self) -> bool {
        self.pods.values().any(|p| p.place == Place::Active)
    }

    /// Active pods in the order PrioritySort takes them: higher priority, then older.
    pub fn active(&self) -> Vec<String> {
        let order: BTreeSet<(std::cmp::Reverse<i32>, SimTime, &String)> = self
            .pods
            .iter()
            .filter(|(_, p)| p.place == Place::Active)
            .map(|(uid, p)| (std::cmp::Reverse(p.priority), p.timestamp, uid))
            .collect();
        order.into_iter().map(|(_, _, uid)| uid.clone()).collect()
    }

    /// When the queue next has something to do: a back-off ending or a 5-minute flush.
    pub fn next_wake(&self) -> Option<SimTime> {
        self.pods
            .values()
            .filter_map(|p| match p.place {
                Place::Active => None,
                Place::Backoff => p.backoff_until(),
                Place::Unschedulable { since, .. } => Some(since + MAX_IN_UNSCHEDULABLE),
            })
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::SESSION_START;

    fn pod(priority: i32, at: SimTime) -> QueuedPod {
        QueuedPod {
            namespace: "default".into(),
            name: "p".into(),
            priority,
            timestamp: at,
            attempts: 0,
            failed_at: None,
            written_version: String::new(),
            place: Place::Active,
        }
    }

    #[test]
    fn back_off_doubles_per_attempt_up_to_ten_seconds() {
        let cases = [(1, 1), (2, 2), (3, 4), (4, 8), (5, 10), (9, 10)];
        for (attempts, seconds) in cases {
            let mut queued = pod(0, SESSION_START);
            queued.attempts = attempts;
            queued.failed_at = Some(SESSION_START);
            assert_eq!(
                queued.backoff_until(),
                Some(SESSION_START + Duration::from_secs(seconds)),
                "attempt {attempts} backs off {seconds} s"
            );
        }
    }

    #[test]
    fn active_pods_come_out_by_priority_then_age() {
        let mut queue = SchedulingQueue::default();
        let later = SESSION_START + Duration::from_secs(1);
        queue.add("old-low".into(), pod(0, SESSION_START));
        queue.add("new-high".into(), pod(10, later));
        queue.add("new-low".into(), pod(0, later));
        assert_eq!(queue.active(), ["new-high", "old-low", "new-low"]);
    }

    #[test]
    fn a_relevant_event_moves_an_unschedulable_pod_back_after_its_back_off() {
        let mut queue = SchedulingQueue::default();
        queue.add("p".into(), pod(0, SESSION_START));
        queue.unschedulable("p", SESSION_START, 0b01);
        queue.move_for_events(0b10, SESSION_START);
        assert!(queue.active().is_empty(), "an unrelated event leaves it waiting");
        queue.move_for_events(0b01, SESSION_START);
        assert!(queue.active().is_empty(), "a related event during the back-off parks it");
        assert_eq!(queue.next_wake(), Some(SESSION_START + INITIAL_BACKOFF));
        queue.flush(SESSION_START + INITIAL_BACKOFF);
        assert_eq!(queue.active(), ["p"], "the back-off over, it is active");
    }

    #[test]
    fn an_unschedulable_pod_is_retried_after_five_minutes_anyway() {
        let mut queue = SchedulingQueue::default();
        queue.add("p".into(), pod(0, SESSION_START));
        queue.unschedulable("p", SESSION_START, 0b01);
        assert_eq!(queue.next_wake(), Some(SESSION_START + MAX_IN_UNSCHEDULABLE));
        queue.flush(SESSION_START + MAX_IN_UNSCHEDULABLE);
        assert_eq!(queue.active(), ["p"]);
    }
}
